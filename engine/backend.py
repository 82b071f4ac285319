"""The one module that knows about cupy: array modules, availability, transfers, sync, timing.

Everything else asks this module for ``xp`` (the array module of a device) and never imports
cupy itself; an import-linter contract keeps it that way.

CUDA is probed once, lazily: importing cupy and counting devices. Whatever goes wrong (cupy
not installed, installed but broken, no driver, no GPU) is recorded as a reason in words and
never raised from the availability queries; asking for a CUDA device then raises a
RuntimeError carrying that reason.
"""
from __future__ import annotations

import time
from typing import Any

import numpy as np

_cupy: Any = None
_cupy_reason: str | None = None
_probed = False
_ndev = 0  # GPUs seen by the probe (devices do not come and go while we run)

_INSTALL_HINT = "install it with the cuda13 or cuda12 extra: pip install -e '.[cuda13]'"


def _probe() -> None:
    """Import cupy and count devices once; record why CUDA is unusable instead of raising."""
    global _probed
    if _probed:
        return
    _probed = True
    try:
        import cupy  # noqa: PLC0415 - the only cupy import in the project
    except ModuleNotFoundError as e:
        if e.name in (None, "cupy"):
            _set(None, f"cupy is not installed; {_INSTALL_HINT}")
        else:
            _set(None, f"cupy is installed but cannot be imported: {e}")
        return
    except Exception as e:  # ImportError of a CUDA library, or a broken install
        _set(None, f"cupy is installed but cannot be imported ({type(e).__name__}: "
                   f"{_first_line(e)})")
        return
    _adopt(cupy)


def _adopt(cupy) -> None:
    """Use ``cupy`` if it sees a GPU; else record why not."""
    try:
        n = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as e:
        _set(None, _runtime_reason(e))
        return
    if n <= 0:
        _set(None, "no CUDA GPU was found (the driver reports 0 devices)")
        return
    try:  # one tiny kernel: the runtime, the kernel compiler (NVRTC) and memory all work
        x = cupy.arange(4, dtype=np.float32)
        if float((x * 2).sum()) != 12.0:
            raise RuntimeError("a test computation gave a wrong result")
    except Exception as e:
        _set(None, f"cupy cannot run on the GPU ({type(e).__name__}: {_first_line(e)}); "
                   "without a system CUDA Toolkit, install cupy with its CUDA libraries: "
                   "pip install 'cupy-cuda13x[ctk]' (or cupy-cuda12x[ctk])")
        return
    _set(cupy, None, n)


def _runtime_reason(e: BaseException) -> str:
    """The user's words for a failure of ``getDeviceCount``."""
    text = f"{type(e).__name__}: {_first_line(e)}"
    low = text.lower()
    if "nodevice" in low or "no cuda-capable device" in low:
        return f"no CUDA GPU was found ({text})"
    if "driver" in low or "libcuda" in low:
        return f"no usable NVIDIA driver: it is missing or too old for this cupy ({text})"
    return f"CUDA could not be initialised ({text})"


def _first_line(e: BaseException) -> str:
    s = str(e).strip()
    return s.splitlines()[0] if s else type(e).__name__


def _set(cupy, reason: str | None, ndev: int = 0) -> None:
    global _cupy, _cupy_reason, _ndev
    _cupy, _cupy_reason, _ndev = cupy, reason, ndev


def _install_for_tests(module) -> tuple:
    """Use ``module`` (a fake cupy in tests) as cupy, probed as the real one would be; returns
    the previous state for :func:`_restore`."""
    global _probed
    prev = _state()
    _probed = True
    _adopt(module)
    return prev


def _state() -> tuple:
    """The probe's state, for :func:`_restore`."""
    return _cupy, _cupy_reason, _probed, _ndev


def _restore(state: tuple) -> None:
    global _cupy, _cupy_reason, _probed, _ndev
    _cupy, _cupy_reason, _probed, _ndev = state


def _reset_probe() -> None:
    """Forget the probe; the next query imports cupy again."""
    global _probed
    _set(None, None)
    _probed = False


# --------------------------------------------------------------------------------------
# availability


def cuda_available() -> bool:
    _probe()
    return _cupy is not None


def cuda_unavailable_reason() -> str | None:
    """Why CUDA cannot be used here, in words the app can show; None when it can."""
    _probe()
    return _cupy_reason


def cuda_device_count() -> int:
    _probe()
    return _ndev


def require_cuda(index: int = 0):
    """The cupy module, or a RuntimeError that says what is missing."""
    if _cupy is None:
        _probe()
        if _cupy is None:
            raise RuntimeError(f"CUDA is not available: {_cupy_reason}")
    n = _ndev
    if not 0 <= index < n:
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
    if _cupy is not None and isinstance(arr, _cupy.ndarray):
        return _cupy
    return np


def is_gpu_array(arr) -> bool:
    return _cupy is not None and isinstance(arr, _cupy.ndarray)


def array_device_index(arr) -> int:
    return int(arr.device.id) if is_gpu_array(arr) else -1


# --------------------------------------------------------------------------------------
# transfers


def to_device(arr, device_type: str, index: int | None = None):
    """Copy ``arr`` to a device; returns ``arr`` itself when it is already there."""
    if device_type == "cpu":
        if is_gpu_array(arr):
            return _cupy.asnumpy(arr)
        return arr
    idx = index or 0
    cp = require_cuda(idx)
    if is_gpu_array(arr):
        if array_device_index(arr) == idx:
            return arr
        with cp.cuda.Device(idx):  # cupy's copy() lands on the current device
            return arr.copy()
    with cp.cuda.Device(idx):
        return cp.asarray(arr)


def to_host(arr) -> np.ndarray:
    """A numpy copy (or the array itself on the CPU), for display and export."""
    if is_gpu_array(arr):
        return _cupy.asnumpy(arr)
    return np.asarray(arr)


def device_scope(device_type: str, index: int | None):
    """A context manager making ``index`` the current CUDA device (a no-op on the CPU, and
    with a single GPU, where device 0 is always current: no per-op cost)."""
    if device_type == "cuda" and _cupy is not None and _ndev > 1:
        return _cupy.cuda.Device(index or 0)
    return _NULL_SCOPE


class _NullScope:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_NULL_SCOPE = _NullScope()


def synchronize(device_type: str = "cuda", index: int | None = None) -> None:
    """Wait for the device's queued work (a no-op on the CPU or without CUDA)."""
    if device_type == "cuda" and _cupy is not None:
        with _cupy.cuda.Device(index or 0):
            _cupy.cuda.Stream.null.synchronize()


def writeable(arr) -> bool:
    """Whether ``arr`` can be written in place with each element its own memory: numpy's
    flag; cupy has no such flag (its broadcast views can be written, several elements at
    one address), so there: no stride-0 axis longer than 1."""
    w = getattr(arr.flags, "writeable", None)
    if w is not None:
        return w
    return not any(st == 0 and n > 1 for st, n in zip(arr.strides, arr.shape))


# --------------------------------------------------------------------------------------
# memory


def gpu_memory_in_use(index: int | None = None) -> int | None:
    """Bytes of GPU memory held by the engine's arrays (cupy's memory pool) on a device (the
    current one by default), or None without CUDA."""
    if not cuda_available():
        return None
    try:
        with _cupy.cuda.Device(index or 0) if index is not None else _NULL_SCOPE:
            return int(_cupy.get_default_memory_pool().used_bytes())
    except Exception:
        return None


def gpu_memory_reserved(index: int | None = None) -> int | None:
    """Bytes cupy's pool holds from the driver (in use plus cached), or None without CUDA."""
    if not cuda_available():
        return None
    try:
        with _cupy.cuda.Device(index or 0) if index is not None else _NULL_SCOPE:
            return int(_cupy.get_default_memory_pool().total_bytes())
    except Exception:
        return None


def free_cached_memory() -> None:
    """Give the blocks cached by cupy's pool back to the driver (``torch.cuda.empty_cache``)."""
    if _cupy is not None:
        _cupy.get_default_memory_pool().free_all_blocks()


def is_out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` says the device (or the host) ran out of memory."""
    if _cupy is not None and isinstance(exc, _cupy.cuda.memory.OutOfMemoryError):
        return True
    if isinstance(exc, MemoryError):
        return True
    text = str(exc)
    return "cudaErrorMemoryAllocation" in text or "ALLOC_FAILED" in text


# --------------------------------------------------------------------------------------
# timing


class Timer:
    """Times a region on a device: CUDA events on the GPU, a monotonic clock on the CPU.

    ``start()`` and ``stop()`` only record; ``elapsed_ms()`` reads the result, after one
    synchronize on the GPU (the stop event's). Many timers can be read after a single
    :func:`synchronize` with ``elapsed_ms(sync=False)``. Never the wall clock around
    asynchronous GPU calls.
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

    def elapsed_ms(self, sync: bool = True) -> float:
        if self.gpu:
            if self._ev0 is None or self._ev1 is None:
                return 0.0
            if sync:
                self._ev1.synchronize()
            return float(_cupy.cuda.get_elapsed_time(self._ev0, self._ev1))
        return (self._t1 - self._t0) * 1000.0
