"""The one module that knows about cupy: array modules, availability, transfers, sync, timing.

Everything else asks this module for ``xp`` (the array module of a device) and never imports
cupy itself; an import-linter contract keeps it that way.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

_cupy: Any = None
_cupy_reason: str | None = None
_probed = False


def _probe() -> None:
    """Import cupy and count devices once; record why CUDA is unusable instead of raising."""
    global _cupy, _cupy_reason, _probed
    if _probed:
        return
    _probed = True
    try:
        import cupy  # noqa: PLC0415 - the only cupy import in the project
    except Exception as e:  # ImportError, or a broken install raising anything
        _cupy_reason = (
            "cupy is not installed (install the 'cuda12' or 'cuda13' extra: "
            "pip install -e '.[cuda13]')" if isinstance(e, ImportError)
            else f"cupy failed to import: {e}"
        )
        return
    try:
        n = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:
        _cupy_reason = f"no usable CUDA driver or GPU ({type(e).__name__}: {e})"
        return
    if n <= 0:
        _cupy_reason = "no CUDA GPU was found"
        return
    _cupy = cupy


def cuda_available() -> bool:
    _probe()
    return _cupy is not None


def cuda_unavailable_reason() -> str | None:
    """Why CUDA cannot be used here, in words the app can show; None when it can."""
    _probe()
    return _cupy_reason


def cuda_device_count() -> int:
    _probe()
    if _cupy is None:
        return 0
    try:
        return int(_cupy.cuda.runtime.getDeviceCount())
    except Exception:
        return 0


def require_cuda(index: int = 0):
    """The cupy module, or a RuntimeError that says what is missing."""
    _probe()
    if _cupy is None:
        raise RuntimeError(f"CUDA is not available: {_cupy_reason}")
    n = cuda_device_count()
    if index >= n:
        raise RuntimeError(
            f"CUDA error: invalid device ordinal (asked for cuda:{index}, {n} device(s) present)")
    return _cupy


def xp_for(device_type: str):
    """The array module for a device type ('cpu' -> numpy, 'cuda' -> cupy)."""
    if device_type == "cpu":
        return np
    return require_cuda()


def array_module(arr):
    """numpy or cupy, whichever owns ``arr``."""
    if isinstance(arr, np.ndarray) or _cupy is None:
        return np
    return _cupy.get_array_module(arr)


def is_gpu_array(arr) -> bool:
    return _cupy is not None and isinstance(arr, _cupy.ndarray)


def array_device_index(arr) -> int:
    return int(arr.device.id) if is_gpu_array(arr) else -1


def to_device(arr, device_type: str, index: int | None = None):
    """Copy ``arr`` to a device; returns ``arr`` itself when it is already there."""
    if device_type == "cpu":
        if is_gpu_array(arr):
            return _cupy.asnumpy(arr)
        return arr
    cp = require_cuda(index or 0)
    with cp.cuda.Device(index or 0):
        if is_gpu_array(arr) and array_device_index(arr) == (index or 0):
            return arr
        return cp.asarray(arr)


def to_host(arr) -> np.ndarray:
    """A numpy copy (or the array itself on the CPU), for display and export."""
    if is_gpu_array(arr):
        return _cupy.asnumpy(arr)
    return np.asarray(arr)


def device_scope(device_type: str, index: int | None):
    """A context manager making ``index`` the current CUDA device (a no-op on the CPU)."""
    if device_type == "cuda" and _cupy is not None:
        return _cupy.cuda.Device(index or 0)
    return _NullScope()


class _NullScope:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def synchronize(device_type: str = "cuda", index: int | None = None) -> None:
    if device_type == "cuda" and _cupy is not None:
        with _cupy.cuda.Device(index or 0):
            _cupy.cuda.Stream.null.synchronize()


def gpu_memory_in_use() -> int | None:
    """Bytes held by cupy's memory pool on the current device, or None without CUDA."""
    if not cuda_available():
        return None
    return int(_cupy.get_default_memory_pool().used_bytes())


def is_out_of_memory(exc: BaseException) -> bool:
    if _cupy is not None and isinstance(exc, _cupy.cuda.memory.OutOfMemoryError):
        return True
    return isinstance(exc, MemoryError)


class Timer:
    """Times a region on a device: CUDA events on the GPU, a monotonic clock on the CPU.

    ``start()`` and ``stop()`` only record; ``elapsed_ms()`` reads the result, after one
    synchronize on the GPU. Never the wall clock around asynchronous GPU calls.
    """

    __slots__ = ("gpu", "_t0", "_t1", "_ev0", "_ev1")

    def __init__(self, device_type: str = "cpu"):
        self.gpu = device_type == "cuda" and _cupy is not None
        self._t0 = self._t1 = 0.0
        self._ev0 = self._ev1 = None

    def start(self) -> None:
        if self.gpu:
            self._ev0 = _cupy.cuda.Event()
            self._ev0.record()
        else:
            self._t0 = time.perf_counter()

    def stop(self) -> None:
        if self.gpu:
            self._ev1 = _cupy.cuda.Event()
            self._ev1.record()
        else:
            self._t1 = time.perf_counter()

    def elapsed_ms(self) -> float:
        if self.gpu:
            self._ev1.synchronize()
            return float(_cupy.cuda.get_elapsed_time(self._ev0, self._ev1))
        return (self._t1 - self._t0) * 1000.0
