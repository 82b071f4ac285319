"""The ``device`` type: 'cpu', 'cuda', 'cuda:N', as PyTorch spells them."""
from __future__ import annotations

import re

from . import backend

_DEVICE_RE = re.compile(r"^(cpu|cuda)(?::(\d+))?$")


class device:
    """A device; compares equal to another with the same type and index (None means current)."""

    __slots__ = ("type", "index")

    def __init__(self, type_or_str, index: int | None = None):
        if isinstance(type_or_str, device):
            self.type, self.index = type_or_str.type, type_or_str.index
            return
        if isinstance(type_or_str, int):
            self.type, self.index = "cuda", type_or_str
            return
        m = _DEVICE_RE.match(str(type_or_str).strip())
        if m is None:
            raise RuntimeError(
                "Expected one of cpu, cuda, ... device type at start of device string: "
                f"{type_or_str}")
        self.type = m.group(1)
        idx = m.group(2)
        if idx is not None and index is not None:
            raise RuntimeError(f"type (string) must not include an index because index was "
                               f"passed explicitly: {type_or_str}")
        self.index = int(idx) if idx is not None else index
        if self.type == "cpu" and self.index not in (None, 0, -1):
            raise RuntimeError(f"CPU device index must be -1 or zero, got {self.index}")
        if self.type == "cpu":
            self.index = None

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except RuntimeError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and self.index == other.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")


def canonical(dev) -> device:
    """A concrete device ('cuda' becomes 'cuda:0'); None is the CPU. Checks CUDA is usable."""
    if dev is None:
        return CPU
    d = dev if isinstance(dev, device) else device(dev)
    if d.type == "cpu":
        return CPU
    idx = d.index or 0
    backend.require_cuda(idx)
    return device("cuda", idx)
