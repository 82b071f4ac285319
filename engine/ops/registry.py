"""The op registry: one definition per op, read by the tensor, the graph, the palette,
the inspector, the file format, code export and the op tests.

An op is a subclass of :class:`OpDef` registered with :func:`register`. It carries PyTorch's
name and overload (which give its ``grad_fn`` class name, ``MulBackward0``), its tensor inputs,
its attributes as a semantic schema (:class:`Attr`), shape and dtype inference (``infer``),
``forward`` on arrays, and the vector-Jacobian product ``backward``. ``forward`` saves only what
``backward`` reads, through ``ctx.save``.

Broadcast inputs get their gradients summed back to their own shape and cast to their own dtype
by the autograd engine (``sum_to``), so a VJP may return a gradient of the broadcast shape.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Sequence

import numpy as np

from .. import _dtype as D

REQUIRED = object()  # an Attr default meaning "the user must give a value"

#: Attribute kinds the GUI picks editors from.
ATTR_KINDS = (
    "int", "float", "bool", "scalar",  # scalar: an int or float number
    "dim",  # one dimension index (may be negative)
    "dims",  # None, an int, or a tuple of ints
    "shape",  # a tuple of non-negative ints
    "ints",  # a tuple of ints (permutation, split sizes, repeats, pads)
    "dtype", "device", "choice", "str",
    "index",  # an indexing expression as text: "[:, 0]", "[data[:, 2] > 5]" form without names
    "data",  # literal nested-list tensor data
    "path",  # a file path
)


@dataclass(frozen=True)
class Attr:
    """One attribute of an op: what kind of value, its default, its range or choices, a doc line."""

    name: str
    kind: str
    default: Any = REQUIRED
    doc: str = ""
    range: tuple[float | None, float | None] | None = None
    choices: tuple[Any, ...] | None = None
    optional: bool = False  # None is an allowed value
    keyword_only: bool = True  # PyTorch signature: positional or keyword-only

    def __post_init__(self):
        if self.kind not in ATTR_KINDS:
            raise ValueError(f"unknown attribute kind {self.kind!r} for {self.name}")

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class TensorSpec:
    """What is known of a tensor before it exists: shape, dtype, device."""

    shape: tuple[int, ...]
    dtype: D.dtype
    device: str = "cpu"


# --------------------------------------------------------------------------------------
# shape helpers used by infer() and forward()


def broadcast_shapes(*shapes: Sequence[int]) -> tuple[int, ...]:
    """NumPy/PyTorch broadcasting of shapes, with PyTorch's error message."""
    if len(shapes) == 1:
        return tuple(shapes[0])
    nd = max(len(s) for s in shapes)
    out = [1] * nd
    for s in shapes:
        off = nd - len(s)
        for i in range(len(s) - 1, -1, -1):  # PyTorch reports the last mismatch first
            n, j = s[i], off + i
            if out[j] == 1:
                out[j] = n
            elif n != 1 and n != out[j]:
                raise RuntimeError(
                    f"The size of tensor a ({out[j]}) must match the size of tensor b ({n}) "
                    f"at non-singleton dimension {j}")
    return tuple(out)


def wrap_dim(dim: int, ndim: int) -> int:
    """A dimension index made non-negative, with PyTorch's IndexError when out of range."""
    n = max(ndim, 1)
    if dim < -n or dim >= n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})")
    return dim + n if dim < 0 else dim


def wrap_dims(dims, ndim: int) -> tuple[int, ...]:
    if dims is None:
        return tuple(range(ndim))
    if isinstance(dims, int):
        dims = (dims,)
    out = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(out)) != len(out):
        raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
    return out


def sum_to(g, shape: tuple[int, ...]):
    """Sum a broadcast gradient back to ``shape`` (the one broadcasting helper of every VJP)."""
    gs = g.shape
    if gs == shape:
        return g
    lead = len(gs) - len(shape)
    if lead:
        g = g.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    if axes:
        g = g.sum(axis=axes, keepdims=True)
    return g.reshape(shape) if g.shape != shape else g


# --------------------------------------------------------------------------------------
# the op definition


def _camel(name: str) -> str:
    return "".join(p[:1].upper() + p[1:] for p in name.strip("_").split("_"))


class OpDef:
    """Base class of every op. Subclasses set the class attributes and implement the methods.

    ``forward(ctx, *arrays, **attrs)`` gets arrays already cast to ``compute_dtype`` and returns
    one array (or a tuple for ``len(outputs) > 1``). ``backward(ctx, *grads)`` gets one gradient
    per output (None for an output nothing flowed into) and returns one gradient per tensor
    input (None where ``ctx.needs_input_grad[i]`` is False or the input is not differentiable).
    ``ctx.xp`` is the array module (numpy or cupy); ``ctx.save(*arrays)`` keeps what backward
    reads and ``ctx.saved`` gives it back.
    """

    name: ClassVar[str] = ""
    overload: ClassVar[int] = 0
    grad_name: ClassVar[str | None] = None  # override when PyTorch's node is named otherwise
    family: ClassVar[str] = "arithmetic"
    title: ClassVar[str] = ""  # palette label; defaults to name
    doc: ClassVar[str] = ""
    inputs: ClassVar[tuple[str, ...]] = ("input",)
    #: inputs that may be a Python number instead of a tensor (e.g. ``other`` of add)
    scalar_inputs: ClassVar[tuple[str, ...]] = ()
    #: a variadic op takes one list of tensors (cat, stack) as its only tensor input
    variadic: ClassVar[bool] = False
    attrs: ClassVar[tuple[Attr, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ("out",)
    #: which outputs carry gradients (max with dim: values yes, indices no)
    differentiable_outputs: ClassVar[tuple[bool, ...] | None] = None
    differentiable: ClassVar[bool] = True
    #: 'promote' (PyTorch result_type), 'float' (promote, ints become the default float),
    #: 'first' (the first input's dtype), 'none' (no cast: forward sees inputs as they are)
    dtype_rule: ClassVar[str] = "promote"
    #: an in-place variant ``name_`` exists (add_, mul_, clamp_, ...)
    has_inplace: ClassVar[bool] = False
    #: a Tensor method of this name exists (x.add(...))
    method: ClassVar[bool] = True
    #: the op returns a view of its first input (shares memory and version counter)
    is_view: ClassVar[bool] = False

    # filled by register() / on first dispatch
    key: ClassVar[str] = ""
    _node_cls = None  # cached grad_fn class when its name does not depend on attrs
    _std_dtype = None  # cached: the standard dtype rules apply

    # ---- naming -------------------------------------------------------------------
    def grad_fn_name(self, attrs: dict) -> str:
        """The grad_fn class name PyTorch gives this op's node; may depend on attrs."""
        return self.grad_name or f"{_camel(self.name)}Backward{self.overload}"

    # ---- dtype ----------------------------------------------------------------------
    def compute_dtype(self, operands: Sequence[Any], attrs: dict) -> D.dtype | None:
        """The dtype inputs are cast to before forward (None: leave them as they are)."""
        rule = self.dtype_rule
        if rule == "none":
            return None
        if rule == "first":
            return operands[0].dtype
        dt = D.result_type(*operands)
        if rule == "float" and not dt.is_floating_point:
            return D.get_default_dtype()
        return dt

    # ---- inference ------------------------------------------------------------------
    def infer(self, specs: Sequence[TensorSpec], attrs: dict) -> list[TensorSpec]:
        """Shapes and dtypes of the outputs from those of the inputs, without computing.

        The default runs forward on zero-stride placeholder arrays, which is right for ops
        whose cost does not depend on values; ops where that is expensive or wrong override it.
        Raises the error PyTorch would (RuntimeError / IndexError / ValueError).
        """
        dummies = []
        for s in specs:
            if isinstance(s, TensorSpec):
                a = np.broadcast_to(np.zeros((), dtype=s.dtype.np), s.shape)
                dummies.append(_SpecOperand(a, s.dtype))
            else:
                dummies.append(s)
        cd = self.compute_dtype(dummies, attrs)
        arrays = [d.array if isinstance(d, _SpecOperand) else d for d in dummies]
        if cd is not None:
            arrays = [a.astype(cd.np) if isinstance(a, np.ndarray) and a.dtype != cd.np else a
                      for a in arrays]
        ctx = Ctx(np)
        with np.errstate(all="ignore"):
            out = self.forward(ctx, *arrays, **attrs)
        outs = out if isinstance(out, tuple) else (out,)
        dev = specs[0].device if specs and isinstance(specs[0], TensorSpec) else "cpu"
        return [TensorSpec(tuple(np.shape(o)), D.from_numpy_dtype(np.asarray(o).dtype), dev)
                for o in outs]

    # ---- computation ----------------------------------------------------------------
    def forward(self, ctx, *xs, **attrs):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, ctx, *grads):  # pragma: no cover - abstract
        raise NotImplementedError(f"the derivative for '{self.name}' is not implemented.")

    # ---- schema helpers ---------------------------------------------------------------
    def attr(self, name: str) -> Attr:
        for a in self.attrs:
            if a.name == name:
                return a
        raise KeyError(name)

    def defaults(self) -> dict:
        return {a.name: a.default for a in self.attrs if not a.required}

    def __repr__(self) -> str:
        return f"<op {self.key}>"


class _SpecOperand:
    """A placeholder operand for result_type during inference."""

    __slots__ = ("array", "dtype", "_data")

    def __init__(self, array, dtype):
        self.array = array
        self._data = array
        self.dtype = dtype


class Ctx:
    """The context an op's forward gets when no graph is recorded: saving is a no-op."""

    requires_grad = False
    needs_input_grad: tuple[bool, ...] = ()

    def __init__(self, xp):
        self.xp = xp

    def save(self, *arrays) -> None:
        pass


REGISTRY: dict[str, OpDef] = {}


def register(cls: type[OpDef]) -> type[OpDef]:
    """Class decorator: instantiate the op and enter it in the registry under its key."""
    key = getattr(cls, "key", "") or cls.name
    if not key:
        raise ValueError(f"{cls.__name__} has no name")
    if key in REGISTRY:
        raise ValueError(f"op {key!r} registered twice")
    cls.key = key
    inst = cls()
    REGISTRY[key] = inst
    cls.INSTANCE = inst  # type: ignore[attr-defined]
    return cls


def get_op(key: str) -> OpDef:
    try:
        return REGISTRY[key]
    except KeyError:
        raise KeyError(f"unknown op {key!r}") from None


def ops_by_family() -> dict[str, list[OpDef]]:
    fam: dict[str, list[OpDef]] = {}
    for op in REGISTRY.values():
        fam.setdefault(op.family, []).append(op)
    return fam


# --------------------------------------------------------------------------------------
# test database hooks: each op may describe sample inputs for the generated tests


@dataclass
class Sample:
    """One test case for an op: input shapes (or scalars) and attribute values.

    ``shapes`` entries: a tuple (a tensor of that shape), a Python number (a scalar input),
    or ``('T', shape)`` (a transposed, non-contiguous tensor whose shape is ``shape``), or
    ``('int', shape, low, high)`` (an integer tensor, not differentiated), or
    ``('list', [shapes...])`` for a variadic op. ``domain`` limits random values
    (e.g. (0.1, 2.0) for log). ``dtypes`` lists the dtypes to try for float inputs.
    """

    shapes: tuple
    attrs: dict = field(default_factory=dict)
    domain: tuple[float, float] = (-2.0, 2.0)
    dtypes: tuple = ("float32", "float64")
    grad: bool = True  # check backward
    gradcheck: bool = True  # run a float64 central-difference check
    note: str = ""


def samples_of(op: OpDef) -> list[Sample]:
    fn: Callable | None = getattr(op, "samples", None)
    return list(fn()) if fn else []


def prod(shape) -> int:
    return math.prod(shape)
