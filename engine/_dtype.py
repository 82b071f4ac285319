"""dtypes as PyTorch names them, their numpy counterparts, and PyTorch's type promotion."""
from __future__ import annotations

import numpy as np

__all__ = [
    "dtype", "bool_", "uint8", "int8", "int16", "int32", "int64", "float16", "float32",
    "float64", "ALL_DTYPES", "FLOAT_DTYPES", "INT_DTYPES", "from_numpy_dtype", "to_dtype",
    "promote_types", "result_type", "get_default_dtype", "set_default_dtype",
]


class dtype:
    """A tensor element type; prints as PyTorch does (``torch.float32``)."""

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "category", "_aliases")

    def __init__(self, name: str, np_dtype, category: int, aliases: tuple[str, ...] = ()):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.category = category  # 0 bool, 1 integral, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = name not in ("bool", "uint8")
        self.itemsize = self.np.itemsize
        self._aliases = aliases

    @property
    def is_complex(self) -> bool:
        return False

    def __repr__(self) -> str:
        return f"torch.{self.name}"

    def __reduce__(self):
        return (to_dtype, (self.name,))


bool_ = dtype("bool", np.bool_, 0)
uint8 = dtype("uint8", np.uint8, 1)
int8 = dtype("int8", np.int8, 1)
int16 = dtype("int16", np.int16, 1, ("short",))
int32 = dtype("int32", np.int32, 1, ("int",))
int64 = dtype("int64", np.int64, 1, ("long",))
float16 = dtype("float16", np.float16, 2, ("half",))
float32 = dtype("float32", np.float32, 2, ("float",))
float64 = dtype("float64", np.float64, 2, ("double",))

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, float32, float64)
FLOAT_DTYPES = (float16, float32, float64)
INT_DTYPES = (uint8, int8, int16, int32, int64)

BY_NP = {d.np: d for d in ALL_DTYPES}
_BY_NAME: dict[str, dtype] = {}
for _d in ALL_DTYPES:
    _BY_NAME[_d.name] = _d
    _BY_NAME["torch." + _d.name] = _d
    for _a in _d._aliases:
        _BY_NAME[_a] = _d
        _BY_NAME["torch." + _a] = _d

_default_float = float32


def get_default_dtype() -> dtype:
    return _default_float


def set_default_dtype(d: dtype) -> None:
    global _default_float
    d = to_dtype(d)
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    _default_float = d


def from_numpy_dtype(npd) -> dtype:
    """The engine dtype of a numpy dtype; raises TypeError for ones PyTorch has no match for."""
    try:
        return BY_NP[np.dtype(npd)]
    except KeyError:
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(npd).name}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def to_dtype(d) -> dtype:
    """Accepts an engine dtype, a name ('float32', 'torch.long'), a numpy dtype or a Python type."""
    if isinstance(d, dtype):
        return d
    if isinstance(d, str):
        try:
            return _BY_NAME[d]
        except KeyError:
            raise TypeError(f"unknown dtype {d!r}") from None
    if d is float:
        return float64
    if d is int:
        return int64
    if d is bool:
        return bool_
    return from_numpy_dtype(d)


def promote_types(a: dtype, b: dtype) -> dtype:
    """PyTorch's promote_types: a float beats any integer type, whatever the widths."""
    if a is b:
        return a
    if a.category != b.category:
        hi, lo = (a, b) if a.category > b.category else (b, a)
        if hi.category == 2 or lo.category == 0:
            return hi
        return hi  # integral vs bool
    if a.category == 2:
        return a if a.itemsize >= b.itemsize else b
    if a.category == 0:
        return a
    return BY_NP[np.promote_types(a.np, b.np)]


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None:
        return higher
    if higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return promote_types(higher, lower)
    return higher


def scalar_dtype(x) -> dtype:
    """The dtype PyTorch gives a wrapped Python number."""
    if isinstance(x, (bool, np.bool_)):
        return bool_
    if isinstance(x, (int, np.integer)):
        return int64
    return _default_float


def result_type(*operands) -> dtype:
    """PyTorch's result_type over tensors (dimensioned, then zero-dim) and Python scalars.

    An operand is either an object with ``.dtype`` and ``.ndim``/``dim()`` (a Tensor) or a
    Python number.
    """
    dim_r = zero_r = wrap_r = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if d is None or not isinstance(d, dtype):
            s = scalar_dtype(x)
            wrap_r = s if wrap_r is None else promote_types(wrap_r, s)
        elif x._data.ndim:
            dim_r = d if dim_r is None else promote_types(dim_r, d)
        else:
            zero_r = d if zero_r is None else promote_types(zero_r, d)
    return _combine_categories(dim_r, _combine_categories(zero_r, wrap_r))
