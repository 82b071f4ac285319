"""Control flow.

The graph is whatever Python ran: loops and ifs included. f is linear in a (f(a) = k a for
some k chosen by the data), so a.grad = f(a) / a.
"""
import engine as torch


def f(a):
    b = a * 2
    while b.norm() < 1000:
        b = b * 2
    if b.sum() > 0:
        c = b
    else:
        c = 100 * b
    return c


def run() -> dict:
    torch.manual_seed(0)
    a = torch.randn(size=(), requires_grad=True)
    d = f(a)
    d.backward()
    return {"a": a.item(), "d": d.item(), "a_grad": a.grad.item(), "d_over_a": (d / a).item()}


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
