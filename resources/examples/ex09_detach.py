"""Detach.

`u = y.detach()` has y's values but no history, so z = u * x is treated as constant * x and
dz/dx = u. y itself keeps its graph: y.sum().backward() gives 2x.
"""
import engine as torch


def run() -> dict:
    x = torch.arange(4.0, requires_grad=True)
    y = x * x
    u = y.detach()
    z = u * x
    z.sum().backward()
    res = {"u": u.tolist(), "x_grad": x.grad.tolist(), "u_requires_grad": u.requires_grad}

    x.grad.zero_()
    y.sum().backward()
    res["y_grad"] = x.grad.tolist()
    res["two_x"] = (2 * x).tolist()
    return res


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
