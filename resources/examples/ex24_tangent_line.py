"""Tangent line.

f(x) = 3x**2 - 4x. Autograd gives f'(1) = 2, so the tangent at x = 1 is
y = f(1) + f'(1)(x - 1) = 2x - 3. The app plots f and the tangent; this script returns them.
"""
import engine as torch


def f(x):
    return 3 * x**2 - 4 * x


def run() -> dict:
    x = torch.tensor(1.0, requires_grad=True)
    y = f(x)
    y.backward()
    slope = x.grad.item()
    xs = torch.arange(0, 3, 0.5)
    tangent = y.item() + slope * (xs - 1)
    return {"f1": y.item(), "derivative": slope, "xs": xs.tolist(),
            "f_values": f(xs).tolist(), "tangent": tangent.tolist()}


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
