"""Leaves and retain_grad.

Only leaves (tensors you created, not results of ops) get `.grad`. A non-leaf's `.grad` is
None, and reading it warns, unless you call `retain_grad()` before backward. A leaf has no
grad_fn.
"""
import warnings

import engine as torch


def run() -> dict:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y_grad = y.grad
    res = {
        "x_is_leaf": x.is_leaf,
        "y_is_leaf": y.is_leaf,
        "x_grad_fn_is_none": x.grad_fn is None,
        "y_grad_fn": y.grad_fn.name(),
        "y_grad_is_none": y_grad is None,
        "warned": any(issubclass(w.category, UserWarning) for w in caught),
        "x_grad": x.grad.tolist(),
    }

    y = x * 2
    y.retain_grad()
    (y * y).sum().backward()
    res["retains_grad"] = y.retains_grad
    res["y_grad_retained"] = y.grad.tolist()
    return res


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
