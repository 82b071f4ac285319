"""Dot product.

y = 2 x.x has gradient 4x. Zero `.grad` between experiments: the gradient of x.sum() is all
ones, and that of (x * x).sum() is 2x.
"""
import engine as torch


def run() -> dict:
    x = torch.arange(4.0)
    x.requires_grad_(True)
    y = 2 * torch.dot(x, x)
    y.backward()
    res = {"y": y.item(), "grad_fn": y.grad_fn.name(), "grad_dot": x.grad.tolist()}

    x.grad.zero_()
    y = x.sum()
    y.backward()
    res["grad_sum"] = x.grad.tolist()

    x.grad.zero_()
    y = x * x
    y.sum().backward()
    res["grad_square"] = x.grad.tolist()
    return res


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
