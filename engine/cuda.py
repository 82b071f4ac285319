"""``engine.cuda``: availability that never raises, device count, synchronize, memory."""
from __future__ import annotations

from . import backend


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
    try:
        return backend.cuda_device_count()
    except Exception:
        return 0


def synchronize(device=None) -> None:
    idx = device.index if hasattr(device, "index") else device
    backend.synchronize("cuda", idx)


def memory_allocated(device=None) -> int:
    return backend.gpu_memory_in_use() or 0
