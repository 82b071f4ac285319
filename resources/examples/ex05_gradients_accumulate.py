"""Gradients accumulate.

`backward` adds into `.grad`; it does not overwrite it. Three backward passes give three
times the gradient, unless you zero `.grad` before each one.
"""
import engine as torch


def run() -> dict:
    x = torch.tensor([10, 20, 30, 40], dtype=torch.float64, requires_grad=True)
    for _ in range(3):
        (x**2 + 20).mean().backward()
    accumulated = x.grad.tolist()

    for _ in range(3):
        x.grad.zero_()
        (x**2 + 20).mean().backward()
    zeroed = x.grad.tolist()
    return {"accumulated": accumulated, "zeroed": zeroed}


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
