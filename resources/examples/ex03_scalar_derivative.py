"""Scalar derivative.

f(x) = x**2 + 20 has derivative 2x; at x = 10 autograd gives 20.
"""
import engine as torch


def run() -> dict:
    x = torch.tensor(10.0, dtype=torch.float64, requires_grad=True)
    f = x**2 + 20
    f.backward()
    return {"f": f.item(), "x_grad": x.grad.item(), "grad_fn": f.grad_fn.name()}


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
