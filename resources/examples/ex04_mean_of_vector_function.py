"""Mean of a vector function.

The mean of x**2 + 20 over four entries has gradient 2x / 4 = x / 2 in each entry.
"""
import engine as torch


def run() -> dict:
    x = torch.tensor([10, 20, 30, 40], dtype=torch.float64, requires_grad=True)
    y = (x**2 + 20).mean()
    y.backward()
    return {"y": y.item(), "x_grad": x.grad.tolist()}


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
