"""What a run leaves on each node, for the panels, the command line and export."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class NodeResult:
    """One node's outcome. ``tensor`` is the engine Tensor (None if the node failed or has no
    tensor output); the other fields are plain data the GUI and ``gradlab run`` show."""

    node_id: str
    tensor: Any = None  # engine.Tensor of the node's first output
    outputs: dict[str, Any] = field(default_factory=dict)  # port name -> Tensor (or value)
    shape: tuple[int, ...] | None = None
    dtype: str | None = None  # PyTorch's spelling without 'torch.': 'float32'
    device: str | None = None
    requires_grad: bool = False
    is_leaf: bool = True
    grad_fn: str | None = None  # 'MulBackward0'
    next_functions: list[tuple[str | None, int]] = field(default_factory=list)
    grad: Any = None  # engine.Tensor: .grad as PyTorch shows it (None on a non-leaf w/o retain)
    grad_note: str | None = None  # why grad is None, in words
    grad_flow: Any = None  # engine.Tensor: gradient that flowed into the output during backward
    forward_ms: float | None = None
    backward_ms: float | None = None
    saved_bytes: int = 0  # memory held for backward by this node's grad_fn
    has_nan: bool = False
    has_inf: bool = False
    grad_has_nan: bool = False
    grad_has_inf: bool = False
    version: int = 0
    error: str | None = None  # PyTorch's message, with the shapes involved
    error_type: str | None = None  # 'RuntimeError'
    skipped: str | None = None  # why the node did not run (an input failed)
    value: Any = None  # a non-tensor output (autograd.grad tuple, optimizer step count, ...)


@dataclass
class RunResult:
    """A whole run: per-node results, the order nodes ran in, and which ran this time."""

    nodes: dict[str, NodeResult] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    recomputed: list[str] = field(default_factory=list)
    device: str = "cpu"
    forward_ms: float = 0.0
    backward_ms: float = 0.0
    backward_ran: bool = False
    log: list[tuple[str, str | None, str]] = field(default_factory=list)  # (level, node, text)
