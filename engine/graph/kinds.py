"""Node kinds: what a node computes, its ports and attributes, derived from the op registry.

Kinds are keyed ``op:<op key>`` (every registered op, e.g. ``op:mul``), ``op:<key>_`` (its
in-place variant where the op has one), ``source:<creation op>`` (tensor sources) and
``special:<name>`` (parameters, layers, losses, backward, autograd.grad, zero-grad, optimizer
step...). The palette, the inspector and the file format read this table; nothing else keeps a
list of node kinds.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..ops.registry import REGISTRY, Attr, OpDef


@dataclass(frozen=True)
class PortSpec:
    name: str
    variadic: bool = False  # takes several edges, in order (cat/stack's tensors)
    optional: bool = False  # may stay unconnected
    scalar_ok: bool = False  # an unconnected port may take a number from the attrs


@dataclass(frozen=True)
class NodeKind:
    key: str
    title: str
    family: str
    inputs: tuple[PortSpec, ...]
    outputs: tuple[PortSpec, ...]
    attrs: tuple[Attr, ...] = ()
    doc: str = ""
    op: OpDef | None = None  # the registry op this kind runs, if any
    inplace: bool = False
    default_requires_grad: bool = False
    extra: dict = field(default_factory=dict, hash=False, compare=False)

    def default_attrs(self) -> dict[str, Any]:
        return {a.name: a.default for a in self.attrs if not a.required}

    def attr(self, name: str) -> Attr:
        for a in self.attrs:
            if a.name == name:
                return a
        raise KeyError(name)


_KINDS: dict[str, NodeKind] = {}
_SPECIAL: dict[str, NodeKind] = {}


def register_special(kind: NodeKind) -> NodeKind:
    """Add a non-op node kind (used by engine.graph.special)."""
    _SPECIAL[kind.key] = kind
    _KINDS.clear()
    return kind


def _build() -> None:
    import engine.functional  # noqa: F401 - registers every op
    from . import special  # noqa: F401 - registers the special kinds

    for key, op in REGISTRY.items():
        if op.family == "creation" and not op.inputs:
            k = NodeKind(f"source:{key}", op.title or key, "creation", (),
                         tuple(PortSpec(o) for o in op.outputs), op.attrs, op.doc, op)
            _KINDS[k.key] = k
            continue
        optional = _optional_inputs(op)
        ins = tuple(PortSpec(n, variadic=op.variadic, scalar_ok=n in op.scalar_inputs,
                             optional=n in optional) for n in op.inputs)
        outs = tuple(PortSpec(o) for o in op.outputs)
        # an unconnected scalar_ok port takes its number from the attribute of the same name
        names = {a.name for a in op.attrs}
        port_attrs = tuple(Attr(n, "scalar", None, f"a number used for {n} when it is not "
                                "connected", optional=True)
                           for n in op.scalar_inputs if n not in names)
        attrs = op.attrs + port_attrs
        extra = {"port_attrs": tuple(a.name for a in port_attrs)}
        if op.name.endswith("_"):  # an in-place-only writer (fill_, zero_, copy_): one kind
            k = NodeKind(f"op:{key}", op.title or key, "inplace", ins, outs, attrs, op.doc, op,
                         inplace=True, extra=extra)
            _KINDS[k.key] = k
            continue
        k = NodeKind(f"op:{key}", op.title or key, op.family, ins, outs, attrs, op.doc, op,
                     extra=extra)
        _KINDS[k.key] = k
        if op.has_inplace:
            ki = NodeKind(f"op:{key}_", (op.title or key) + "_", op.family, ins, outs, attrs,
                          f"In-place {key}: writes into its input. " + op.doc, op, inplace=True,
                          extra=extra)
            _KINDS[ki.key] = ki
    _KINDS.update(_SPECIAL)


def _optional_inputs(op: OpDef) -> set[str]:
    """Inputs whose forward parameter defaults to None (conv2d's bias): they may stay
    unconnected."""
    import inspect

    if op.variadic:
        return set()
    try:
        params = list(inspect.signature(op.forward).parameters.values())[1:]  # after ctx
    except (TypeError, ValueError):
        return set()
    return {n for n, p in zip(op.inputs, params)
            if p.kind is p.POSITIONAL_OR_KEYWORD and p.default is None}


def all_kinds() -> dict[str, NodeKind]:
    if not _KINDS:
        _build()
    return _KINDS


def get_kind(key: str) -> NodeKind:
    kinds = all_kinds()
    try:
        return kinds[key]
    except KeyError:
        raise KeyError(f"unknown node kind {key!r}") from None


def validate_attr(kind: NodeKind, name: str, value: Any) -> Any:
    """The value, normalised for its Attr kind, or ValueError saying what is wrong."""
    try:
        a = kind.attr(name)
    except KeyError:
        raise ValueError(f"{kind.title} has no attribute {name!r}") from None
    if value is None:
        if a.optional or a.default is None:
            return None
        raise ValueError(f"{name} of {kind.title} cannot be empty")
    k = a.kind
    try:
        if k == "int" or k == "dim":
            if isinstance(value, bool) or float(value) != int(value):
                raise ValueError
            value = int(value)
        elif k == "float":
            value = float(value)
        elif k == "scalar":
            if isinstance(value, bool):
                raise ValueError
            value = int(value) if isinstance(value, int) else float(value)
        elif k == "bool":
            value = bool(value)
        elif k in ("shape", "ints"):
            if isinstance(value, int):
                value = (value,)
            value = tuple(int(v) for v in value)
            if k == "shape" and any(v < -1 for v in value):
                raise ValueError
        elif k == "dims":
            value = int(value) if isinstance(value, int) else tuple(int(v) for v in value)
        elif k in ("str", "path", "index", "device", "dtype"):
            value = str(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} of {kind.title} expects {k}, got {value!r}") from None
    if a.choices is not None and value not in a.choices:
        raise ValueError(f"{name} of {kind.title} must be one of {', '.join(map(str, a.choices))}")
    if a.range is not None and isinstance(value, (int, float)):
        lo, hi = a.range
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ValueError(f"{name} of {kind.title} must be in [{lo}, {hi}], got {value}")
    return value
