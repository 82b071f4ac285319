"""Comparisons and logic: eq/ne/lt/le/gt/ge, isnan/isinf/isfinite, logical_not/and/or/xor,
bitwise_not/and/or/xor, and the Python-valued equal and allclose. None has a gradient."""
from __future__ import annotations

import operator

import numpy as np

from ... import _dtype as D
from ...autograd.graph import _scalar_type_name, apply
from ...tensor import Tensor
from ..registry import Sample, broadcast_shapes, register
from .base import Binary, Unary, _bin, _broadcast_infer, _out, _quiet, _tensor_arg, _with_flags

__all__ = [
    "eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf", "isfinite",
    "logical_not", "logical_and", "logical_or", "logical_xor", "bitwise_not",
    "bitwise_and", "bitwise_or", "bitwise_xor", "equal", "allclose",
]


class Comparison(Binary):
    """Elementwise comparison after type promotion; a bool result with no gradient."""

    family = "comparison"
    differentiable = False
    has_inplace = False

    def infer(self, specs, attrs):
        return _broadcast_infer(self, specs, attrs, D.bool_)

    def forward(self, ctx, a, b):
        return self.fn(a, b)

    def samples(self):
        return _with_flags(super().samples(), grad=False)


class Predicate(Unary):
    """isnan/isinf/...: a bool result, no gradient, no promotion."""

    family = "comparison"
    differentiable = False
    has_inplace = False
    dtype_rule = "none"

    def forward(self, ctx, a):
        return self.fn(ctx.xp, a)

    def samples(self):
        return _with_flags(super().samples(), grad=False)


class Logical(Binary):
    """logical_and/or/xor: tensors of any dtype, a bool result, no gradient."""

    family = "logical"
    differentiable = False
    has_inplace = False
    method = False
    scalar_inputs = ()
    dtype_rule = "none"

    def infer(self, specs, attrs):
        return _broadcast_infer(self, specs, attrs, D.bool_)

    def forward(self, ctx, a, b):
        return self.fn(ctx.xp, a, b)

    def samples(self):
        yield Sample((("int", (3, 4), 0, 2), ("int", (3, 4), 0, 2)), grad=False)
        yield Sample(((3, 4), ("int", (4,), 0, 2)), grad=False, note="broadcast, mixed dtypes")


class Bitwise(Binary):
    """bitwise_and/or/xor of integer or bool tensors (and Python ints), after promotion."""

    family = "logical"
    differentiable = False
    has_inplace = False

    def forward(self, ctx, a, b):
        return self.fn(a, b)

    def samples(self):
        yield Sample((("int", (3, 4), -8, 8), ("int", (3, 4), -8, 8)), grad=False)
        yield Sample((("int", (2, 3, 4), 0, 9), ("int", (4,), 0, 9)), grad=False,
                     note="broadcast")
        yield Sample((("bool", (3, 4)), ("bool", (3, 4))), grad=False, note="bool")
        yield Sample((("int", (3, 4), 0, 9), 5), grad=False, note="python int")


@register
class Eq(Comparison):
    name = "eq"
    doc = "input == other (bool)."
    fn = staticmethod(operator.eq)


@register
class Ne(Comparison):
    name = "ne"
    doc = "input != other (bool)."
    fn = staticmethod(operator.ne)


@register
class Lt(Comparison):
    name = "lt"
    doc = "input < other (bool)."
    fn = staticmethod(operator.lt)


@register
class Le(Comparison):
    name = "le"
    doc = "input <= other (bool)."
    fn = staticmethod(operator.le)


@register
class Gt(Comparison):
    name = "gt"
    doc = "input > other (bool)."
    fn = staticmethod(operator.gt)


@register
class Ge(Comparison):
    name = "ge"
    doc = "input >= other (bool)."
    fn = staticmethod(operator.ge)


@register
class Isnan(Predicate):
    name = "isnan"
    doc = "True where input is NaN."
    fn = staticmethod(lambda xp, a: xp.isnan(a))


@register
class Isinf(Predicate):
    name = "isinf"
    doc = "True where input is +-inf."
    fn = staticmethod(lambda xp, a: xp.isinf(a))


@register
class Isfinite(Predicate):
    name = "isfinite"
    doc = "True where input is neither NaN nor +-inf."
    fn = staticmethod(lambda xp, a: xp.isfinite(a))


@register
class LogicalNot(Predicate):
    name = "logical_not"
    family = "logical"
    doc = "True where input is zero."
    fn = staticmethod(lambda xp, a: xp.logical_not(a))


@register
class BitwiseNot(Predicate):
    name = "bitwise_not"
    family = "logical"
    doc = "~input for integer and bool tensors."
    method = False
    fn = staticmethod(lambda xp, a: xp.invert(a))

    def samples(self):
        yield Sample((("int", (3, 4), -5, 5),), grad=False)


@register
class LogicalAnd(Logical):
    name = "logical_and"
    doc = "input and other, as truth values (bool)."
    fn = staticmethod(lambda xp, a, b: xp.logical_and(a, b))


@register
class LogicalOr(Logical):
    name = "logical_or"
    doc = "input or other, as truth values (bool)."
    fn = staticmethod(lambda xp, a, b: xp.logical_or(a, b))


@register
class LogicalXor(Logical):
    name = "logical_xor"
    doc = "input xor other, as truth values (bool)."
    fn = staticmethod(lambda xp, a, b: xp.logical_xor(a, b))


@register
class BitwiseAnd(Bitwise):
    name = "bitwise_and"
    doc = "input & other, bit by bit (integer and bool tensors)."
    fn = staticmethod(operator.and_)


@register
class BitwiseOr(Bitwise):
    name = "bitwise_or"
    doc = "input | other, bit by bit (integer and bool tensors)."
    fn = staticmethod(operator.or_)


@register
class BitwiseXor(Bitwise):
    name = "bitwise_xor"
    doc = "input ^ other, bit by bit (integer and bool tensors)."
    fn = staticmethod(operator.xor)


# --------------------------------------------------------------------------------------
# public functions


def _cmp(op):
    inst = op.INSTANCE

    def fn(input: Tensor, other, *, out=None):
        if other is None or isinstance(other, str):
            return NotImplemented  # lets `x == None` be False and `x < None` a TypeError
        return _out(_bin(inst, input, other, {}), out, op.name)

    fn.__name__, fn.__doc__ = op.name, op.doc
    return fn


eq = _cmp(Eq)
ne = _cmp(Ne)
lt = _cmp(Lt)
le = _cmp(Le)
gt = _cmp(Gt)
ge = _cmp(Ge)


def isnan(input: Tensor) -> Tensor:
    """True where NaN."""
    return apply(Isnan.INSTANCE, (input,), {})


def isinf(input: Tensor) -> Tensor:
    """True where +-inf."""
    return apply(Isinf.INSTANCE, (input,), {})


def isfinite(input: Tensor) -> Tensor:
    """True where finite."""
    return apply(Isfinite.INSTANCE, (input,), {})


def logical_not(input: Tensor, *, out=None) -> Tensor:
    """True where input is zero."""
    return _out(apply(LogicalNot.INSTANCE, (input,), {}), out, "logical_not")


def bitwise_not(input: Tensor, *, out=None) -> Tensor:
    """~input for integer and bool tensors."""
    if input._dtype.is_floating_point:
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for '
                                  f"'{_scalar_type_name(input._dtype)}'")
    return _out(apply(BitwiseNot.INSTANCE, (input,), {}), out, "bitwise_not")


def _logical(op):
    inst = op.INSTANCE

    def fn(input: Tensor, other: Tensor, *, out=None) -> Tensor:
        _tensor_arg(op.name, other)
        return _out(_bin(inst, input, other, {}), out, op.name)

    fn.__name__, fn.__doc__ = op.name, op.doc
    return fn


logical_and = _logical(LogicalAnd)
logical_or = _logical(LogicalOr)
logical_xor = _logical(LogicalXor)


def _bitwise(op):
    inst = op.INSTANCE

    def fn(input: Tensor, other, *, out=None) -> Tensor:
        dt = D.result_type(input, other)
        if dt.is_floating_point:
            raise NotImplementedError(f'"{op.name}_cpu" not implemented for '
                                      f"'{_scalar_type_name(dt)}'")
        return _out(_bin(inst, input, other, {}), out, op.name)

    fn.__name__, fn.__doc__ = op.name, op.doc
    return fn


bitwise_and = _bitwise(BitwiseAnd)
bitwise_or = _bitwise(BitwiseOr)
bitwise_xor = _bitwise(BitwiseXor)


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both have the same shape and elements."""
    if tuple(input._data.shape) != tuple(other._data.shape):
        return False
    return bool((input._data == other._data).all())


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """|input - other| <= atol + rtol * |other| everywhere (broadcast; same dtype)."""
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{_scalar_type_name(input._dtype)} did not match "
                           f"{_scalar_type_name(other._dtype)}")
    broadcast_shapes(input._data.shape, other._data.shape)
    xp = np if input._device.type == "cpu" else _xp_cuda()
    with _quiet():
        return bool(xp.allclose(input._data, other._data, rtol=rtol, atol=atol,
                                equal_nan=equal_nan))


def _xp_cuda():
    from ... import backend
    return backend.xp_for("cuda")
