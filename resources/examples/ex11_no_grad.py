"""no_grad.

Inside `with torch.no_grad():` nothing is recorded: results do not require grad even when
their inputs do. Use it for updates and evaluation; `set_grad_enabled` and the decorator
form do the same.
"""
import engine as torch


@torch.no_grad()
def evaluate(x):
    return x**2


def run() -> dict:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    res = {"requires_grad": (x**2).requires_grad}
    with torch.no_grad():
        res["inside_no_grad"] = (x**2).requires_grad
    res["after"] = (x**2).requires_grad
    with torch.set_grad_enabled(False):
        res["set_grad_enabled_false"] = (x**2).requires_grad
    res["decorated"] = evaluate(x).requires_grad
    res["grad_fn_inside"] = evaluate(x).grad_fn is None
    return res


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
