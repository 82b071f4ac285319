"""The numpy bridge.

On the CPU `numpy()` and `from_numpy` share memory: change one and the other changes.
`tensor(ndarray)` copies. A tensor that requires grad must be detached before numpy().
"""
import numpy as np

import engine as torch


def run() -> dict:
    res = {}
    a = torch.ones(3)
    n = a.numpy()
    a.add_(1)
    res["numpy_shares"] = n.tolist()

    arr = np.ones(3)
    t = torch.from_numpy(arr)
    copied = torch.tensor(arr)
    np.add(arr, 1, out=arr)
    res["from_numpy_shares"] = t.tolist()
    res["tensor_copies"] = copied.tolist()
    res["from_numpy_dtype"] = str(t.dtype)

    w = torch.ones(2, requires_grad=True)
    try:
        w.numpy()
    except RuntimeError as e:
        res["requires_grad_error"] = str(e)
    res["detached"] = w.detach().numpy().tolist()
    res["item"] = torch.tensor([3.5]).item()
    res["item_type"] = type(torch.tensor([3.5]).item()).__name__
    return res


if __name__ == "__main__":
    for name, value in run().items():
        print(f"{name}: {value}")
