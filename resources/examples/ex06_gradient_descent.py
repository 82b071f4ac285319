"""Gradient descent on x**2.

Each step moves x against its gradient 2x: x <- x - 0.001 * 2x = 0.998 x, so after 5000
steps x = 10 * 0.998**5000 (about 4.5e-4). Updating `x.data` keeps the step out of the graph.
"""
import engine as torch


def run(steps: int = 5000, lr: float = 0.001) -> dict:
    x = torch.tensor(10.0, requires_grad=True)
    for _ in range(steps):
        y = x**2
        y.backward()
        x.data -= lr * x.grad
        x.grad.zero_()
    return {"x": x.item(), "expected": 10 * (1 - 2 * lr) ** steps}


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
