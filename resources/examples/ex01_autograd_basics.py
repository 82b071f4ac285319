"""Autograd basics.

Every operation on a tensor that requires grad records a grad_fn. `out.backward()` walks
those nodes back to `x` and fills `x.grad`: here d(out)/dx = 3 * 2 * (x + 2) / 4 = 4.5.
"""
import engine as torch


def run() -> dict:
    x = torch.ones(2, 2, requires_grad=True)
    y = x + 2
    z = y * y * 3
    out = z.mean()
    out.backward()
    return {
        "y": y.tolist(),
        "z": z.tolist(),
        "out": out.item(),
        "grad_fns": [y.grad_fn.name(), z.grad_fn.name(), out.grad_fn.name()],
        "x_grad": x.grad.tolist(),
    }


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
