"""Partial derivatives.

y = a**2 x + b x + c. `autograd.grad` returns dy/da = 2 a x, dy/db = x and dy/dc = 1
without touching any `.grad`.
"""
import engine as torch


def run() -> dict:
    x = torch.tensor(1.0, requires_grad=True)
    a = torch.tensor(1.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    c = torch.tensor(3.0, requires_grad=True)
    y = a**2 * x + b * x + c
    grads = torch.autograd.grad(y, [a, b, c])
    return {"y": y.item(), "grads": [g.item() for g in grads], "a_grad_is_none": a.grad is None}


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
