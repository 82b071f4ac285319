"""``engine.cuda``, as ``torch.cuda``: availability that never raises, device count, the
reason CUDA is missing, synchronize, memory in use."""
from __future__ import annotations

from . import backend

__all__ = ["is_available", "unavailable_reason", "device_count", "current_device",
           "get_device_name", "synchronize", "memory_allocated", "memory_reserved",
           "empty_cache"]


def is_available() -> bool:
    """True only where cupy, a driver and a GPU are all present; never raises."""
    try:
        return backend.cuda_available()
    except Exception:
        return False


def unavailable_reason() -> str | None:
    """Why CUDA is not available, in words for the user; None when it is."""
    try:
        return backend.cuda_unavailable_reason()
    except Exception as e:  # pragma: no cover - defensive
        return str(e)


def device_count() -> int:
    """The number of CUDA GPUs (0 without CUDA); never raises."""
    try:
        return backend.cuda_device_count()
    except Exception:
        return 0


def _index(device) -> int | None:
    if device is None:
        return None
    if isinstance(device, int):
        return device
    from ._device import device as _dev
    d = device if isinstance(device, _dev) else _dev(device)
    return d.index or 0


def current_device() -> int:
    """The index of the current CUDA device; a RuntimeError without CUDA."""
    cp = backend.require_cuda()
    return int(cp.cuda.runtime.getDevice())


def get_device_name(device=None) -> str:
    """The GPU's name ('NVIDIA H100 80GB HBM3'); a RuntimeError without CUDA."""
    idx = _index(device) or 0
    cp = backend.require_cuda(idx)
    name = cp.cuda.runtime.getDeviceProperties(idx)["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def synchronize(device=None) -> None:
    """Wait for all work queued on a device (the current one by default)."""
    backend.synchronize("cuda", _index(device))


def memory_allocated(device=None) -> int:
    """Bytes of GPU memory held by tensors (cupy's pool in use); 0 without CUDA."""
    return backend.gpu_memory_in_use(_index(device)) or 0


def memory_reserved(device=None) -> int:
    """Bytes of GPU memory cupy's pool holds (in use plus cached); 0 without CUDA."""
    return backend.gpu_memory_reserved(_index(device)) or 0


def empty_cache() -> None:
    """Return cached, unused GPU memory to the driver."""
    backend.free_cached_memory()
