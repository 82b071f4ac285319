"""Creation: tensor(), empty/zeros/ones/full, and device/dtype moves (to_copy)."""
from __future__ import annotations

import numbers

import numpy as np

from .. import _dtype as D
from .. import backend
from .._device import CPU, canonical
from ..tensor import Tensor, _size_args, _wrap


def _xp(dev):
    return np if dev.type == "cpu" else backend.xp_for("cuda")


def _finish(arr, dev, requires_grad: bool) -> Tensor:
    if dev.type != "cpu":
        arr = backend.to_device(arr, dev.type, dev.index)
    t = _wrap(arr, dev)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _infer_array(data):
    """Nested Python data or arrays to a host array with PyTorch's dtype inference."""
    if isinstance(data, Tensor):
        return backend.to_host(data._data).copy()
    if isinstance(data, np.ndarray):
        return data.copy()
    if isinstance(data, np.generic):
        return np.asarray(data).copy()
    if isinstance(data, (list, tuple)):
        flat = _flatten_check(data)
        if any(isinstance(x, Tensor) for x in flat):
            data = _tensors_to_values(data)
        arr = np.array(data)
        if arr.dtype == np.float64 and not any(isinstance(x, (np.ndarray, np.generic)) for x in flat):
            arr = arr.astype(D.get_default_dtype().np)
        elif arr.dtype.kind in "iu" and not any(isinstance(x, (np.ndarray, np.generic)) for x in flat):
            arr = arr.astype(np.int64)
        return arr
    if isinstance(data, bool):
        return np.array(data)
    if isinstance(data, numbers.Integral):
        return np.array(data, dtype=np.int64)
    if isinstance(data, numbers.Real):
        return np.array(data, dtype=D.get_default_dtype().np)
    if backend.is_gpu_array(data):
        return backend.to_host(data)
    raise TypeError(f"Could not infer dtype of {type(data).__name__}")


def _flatten_check(data, depth=0) -> list:
    """Flattened items of nested sequences; PyTorch's error for ragged ones."""
    out = []
    if not data:
        return out
    first_len = len(data[0]) if isinstance(data[0], (list, tuple)) else None
    for item in data:
        if isinstance(item, (list, tuple)):
            if first_len is None or len(item) != first_len:
                raise ValueError(f"expected sequence of length {first_len} at dim {depth + 1} "
                                 f"(got {len(item)})")
            out.extend(_flatten_check(item, depth + 1))
        else:
            if first_len is not None:
                raise TypeError(f"not a sequence")
            out.append(item)
    return out


def _tensors_to_values(data):
    if isinstance(data, Tensor):
        return data.item() if data._data.ndim == 0 else data.tolist()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_values(x) for x in data]
    return data


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (PyTorch's dtype inference)."""
    dev = canonical(device) if device is not None else (
        data._device if isinstance(data, Tensor) else CPU)
    arr = _infer_array(data)
    if dtype is not None:
        dt = D.to_dtype(dtype)
        if arr.dtype.kind == "f" and dt.category == 1:
            arr = np.trunc(arr)
        arr = arr.astype(dt.np)
    else:
        D.from_numpy_dtype(arr.dtype)  # refuses dtypes PyTorch has no match for
    return _finish(arr, dev, requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or D.to_dtype(dtype) is data._dtype) and \
            (device is None or canonical(device) == data._device):
        return data
    if isinstance(data, np.ndarray) and dtype is None and device is None:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    return _wrap(ndarray, CPU)


def _dt(dtype, default=None) -> D.dtype:
    if dtype is None:
        return default or D.get_default_dtype()
    return D.to_dtype(dtype)


def empty(*size, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    dev = canonical(device)
    return _finish(_xp(dev).empty(_size_args(size), dtype=_dt(dtype).np), dev, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    dev = canonical(device)
    return _finish(_xp(dev).zeros(_size_args(size), dtype=_dt(dtype).np), dev, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    dev = canonical(device)
    return _finish(_xp(dev).ones(_size_args(size), dtype=_dt(dtype).np), dev, requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    dev = canonical(device)
    if dtype is None:
        dtype = D.scalar_dtype(fill_value) if isinstance(fill_value, numbers.Number) else None
    return _finish(_xp(dev).full(_size_args((size,)), fill_value, dtype=_dt(dtype).np), dev,
                   requires_grad)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return zeros(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return ones(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None,
              requires_grad: bool = False) -> Tensor:
    return full(input.shape, fill_value, dtype=dtype or input.dtype,
                device=device or input.device, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return empty(input.shape, dtype=dtype or input.dtype, device=device or input.device,
                 requires_grad=requires_grad)


def to_copy(t: Tensor, device=None, dtype=None, copy: bool = False) -> Tensor:
    """``Tensor.to``: the same tensor when nothing changes, else a differentiable copy."""
    from .shape import to_copy_op
    dev = canonical(device) if device is not None else t._device
    dt = D.to_dtype(dtype) if dtype is not None else t._dtype
    if dev == t._device and dt is t._dtype and not copy:
        return t
    return to_copy_op(t, dev, dt)
