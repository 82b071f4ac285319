"""Vector-Jacobian product.

`y` is not a scalar, so `backward` needs a vector `v`: autograd computes v^T J. Here
y = x * 2**k, so the Jacobian is 2**k times the identity and x.grad = v * 2**k.
"""
import engine as torch


def run() -> dict:
    torch.manual_seed(0)
    x = torch.randn(3, requires_grad=True)
    y = x * 2
    k = 1
    while y.data.norm() < 1000:
        y = y * 2
        k += 1
    v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
    y.backward(v)
    return {"x": x.tolist(), "k": k, "y": y.tolist(), "v": v.tolist(), "x_grad": x.grad.tolist()}


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
