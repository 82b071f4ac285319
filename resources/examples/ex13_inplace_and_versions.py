"""In-place operations and version counters.

An in-place op on a leaf that requires grad is refused (it would lose the value autograd
starts from); under `no_grad` it is allowed. Each in-place change bumps `_version`; if
backward needs the old value (b**2 saves b), it refuses. If it does not (b + 1 saves
nothing), backward runs.
"""
import engine as torch


def run() -> dict:
    res = {}
    a = torch.ones(3, requires_grad=True)
    try:
        a.add_(1)
    except RuntimeError as e:
        res["leaf_inplace_error"] = str(e)
    with torch.no_grad():
        a[:] = 10.0
    res["a_after_no_grad"] = a.tolist()

    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = x * 2
    c = b**2  # backward needs b
    res["version_before"] = b._version
    b.add_(1)
    res["version_after"] = b._version
    try:
        c.sum().backward()
    except RuntimeError as e:
        res["saved_modified_error"] = str(e)

    b = x * 2
    c = b + 1  # backward does not need b
    b.add_(1)
    c.sum().backward()
    res["x_grad_unneeded"] = x.grad.tolist()
    return res


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
