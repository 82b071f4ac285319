"""Selecting ops: clamp (number or tensor bounds), maximum, minimum, where."""
from __future__ import annotations

import operator

import numpy as np

from ... import _dtype as D
from ...autograd.graph import _scalar_type_name, apply, apply_inplace
from ...tensor import Tensor
from ..registry import Attr, OpDef, Sample, broadcast_shapes, register
from .base import Binary, _bin, _broadcast_infer, _out, _tensor_arg

__all__ = ["clamp", "clamp_", "clip", "clip_", "maximum", "minimum", "where"]


class _ClampBase(OpDef):
    family = "math"
    has_inplace = True


@register
class Clamp(_ClampBase):
    name = "clamp"
    overload = 1
    doc = "Limit input to [min, max] (numbers; either may be None)."
    attrs = (Attr("min", "scalar", None, "lower bound", optional=True, keyword_only=False),
             Attr("max", "scalar", None, "upper bound", optional=True, keyword_only=False))

    def compute_dtype(self, operands, attrs):
        lo, hi = attrs.get("min"), attrs.get("max")
        if lo is None:
            return D.result_type(operands[0], hi)
        if hi is None:
            return D.result_type(operands[0], lo)
        return D.result_type(operands[0], lo, hi)

    def forward(self, ctx, a, min=None, max=None):  # noqa: A002
        xp = ctx.xp
        if ctx.needs_input_grad:
            ctx.save(a)
            ctx.lo, ctx.hi = min, max
        if min is None:
            return xp.minimum(a, max)
        out = xp.maximum(a, min)
        return out if max is None else xp.minimum(out, max)

    def backward(self, ctx, g):
        (a,) = ctx.saved
        lo, hi = ctx.lo, ctx.hi
        if lo is None:
            mask = a <= hi
        elif hi is None:
            mask = a >= lo
        else:
            mask = (a >= lo) & (a <= hi)
        return g * mask

    def samples(self):
        yield Sample(((3, 4),), {"min": -0.5, "max": 0.5})
        yield Sample((("T", (3, 4)),), {"min": 0.0}, note="non-contiguous, min only")
        yield Sample(((2, 3, 4),), {"max": 0.3}, note="max only")
        yield Sample(((),), {"min": -1, "max": 1}, note="0-dim")


@register
class ClampTensor(_ClampBase):
    name = "clamp"
    key = "clamp.Tensor"
    overload = 0
    doc = "Limit input to [min, max] given as tensors (either may be None), broadcast."
    inputs = ("input", "min", "max")

    def compute_dtype(self, operands, attrs):
        return D.result_type(*[x for x in operands if x is not None])

    def infer(self, specs, attrs):
        return _broadcast_infer(self, specs, attrs)

    def forward(self, ctx, a, lo, hi):
        xp = ctx.xp
        if ctx.needs_input_grad:
            ctx.save(a, lo, hi)
        if lo is None:
            return xp.minimum(a, hi)
        out = xp.maximum(a, lo)
        return out if hi is None else xp.minimum(out, hi)

    def backward(self, ctx, g):
        a, lo, hi = ctx.saved
        nig = ctx.needs_input_grad
        ga = glo = ghi = None
        if lo is not None and hi is not None:
            if nig[0]:
                ga = g * ((a >= lo) & (a <= hi))
            if nig[1]:
                glo = g * ((a < lo) & (lo < hi))
            if nig[2]:
                ghi = g * ((a > hi) | (hi < lo))
        elif lo is not None:
            ga = g * (a >= lo) if nig[0] else None
            glo = g * (a < lo) if nig[1] else None
        else:
            ga = g * (a <= hi) if nig[0] else None
            ghi = g * (a > hi) if nig[2] else None
        return ga, glo, ghi

    def samples(self):
        yield Sample(((3, 4), (3, 4), (3, 4)), domain=(-2.0, 2.0))
        yield Sample(((2, 3, 4), (4,), (3, 1)), note="broadcast")
        yield Sample((("T", (3, 4)), (1, 4), (3, 4)), note="non-contiguous")


class _MaxMin(Binary):
    family = "math"
    scalar_inputs = ()
    has_inplace = False

    def forward(self, ctx, a, b):
        if ctx.needs_input_grad:
            ctx.save(a, b)
        return self.fn(ctx.xp, a, b)

    def backward(self, ctx, g):
        a, b = ctx.saved
        xp = ctx.xp
        nig = ctx.needs_input_grad
        tie = a == b
        half = g * 0.5
        # PyTorch: ties share the gradient evenly; the losing side gets none
        ga = xp.where(tie, half, xp.where(self.lose(a, b), 0, g)) if nig[0] else None
        gb = xp.where(tie, half, xp.where(self.lose(b, a), 0, g)) if nig[1] else None
        return ga, gb

    def samples(self):
        yield Sample(((3, 4), (3, 4)))
        yield Sample(((2, 3, 4), (4,)), note="broadcast")
        yield Sample((("T", (3, 4)), (1, 4)), note="non-contiguous")


@register
class Maximum(_MaxMin):
    name = "maximum"
    doc = "Elementwise larger of input and other (NaN propagates)."
    fn = staticmethod(lambda xp, a, b: xp.maximum(a, b))
    lose = staticmethod(operator.lt)  # where input gets no gradient (ties aside)


@register
class Minimum(_MaxMin):
    name = "minimum"
    doc = "Elementwise smaller of input and other (NaN propagates)."
    fn = staticmethod(lambda xp, a, b: xp.minimum(a, b))
    lose = staticmethod(operator.gt)


@register
class Where(OpDef):
    name = "where"
    family = "math"
    doc = "input where condition, else other; input and other may be numbers."
    inputs = ("condition", "input", "other")
    scalar_inputs = ("input", "other")
    method = True

    def compute_dtype(self, operands, attrs):
        return D.result_type(operands[1], operands[2])

    def infer(self, specs, attrs):
        return _broadcast_infer(self, specs, attrs)

    def forward(self, ctx, c, a, b):
        xp = ctx.xp
        if c.dtype.kind != "b":  # apply cast the condition to the result dtype
            c = c != 0
        if ctx.needs_input_grad:
            ctx.save(c)
        if not hasattr(a, "dtype") and not hasattr(b, "dtype"):  # two numbers
            return xp.where(c, a, b).astype(D.result_type(a, b).np)
        return xp.where(c, a, b)

    def backward(self, ctx, g):
        (c,) = ctx.saved
        xp = ctx.xp
        nig = ctx.needs_input_grad
        return (None, xp.where(c, g, 0) if nig[1] else None,
                xp.where(c, 0, g) if nig[2] else None)

    def samples(self):
        yield Sample((("bool", (3, 4)), (3, 4), (3, 4)))
        yield Sample((("bool", (3, 1)), (4,), (2, 3, 4)), note="broadcast")
        yield Sample((("bool", (3, 4)), ("T", (3, 4)), 0.0), note="scalar other")
        yield Sample((("bool", (3, 4)), 1.5, (3, 4)), note="scalar input")


# --------------------------------------------------------------------------------------
# public functions


def _clamp_args(min, max):  # noqa: A002
    lo_t, hi_t = isinstance(min, Tensor), isinstance(max, Tensor)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if lo_t or hi_t:
        if (min is not None and not lo_t) or (max is not None and not hi_t):
            got = ", ".join(type(v).__name__ for v in (min, max) if v is not None)
            raise TypeError(f"clamp() received an invalid combination of arguments - got "
                            f"(Tensor, {got}), but expected one of:\n"
                            " * (Tensor input, Tensor min = None, Tensor max = None)\n"
                            " * (Tensor input, Number min = None, Number max = None)")
        return ClampTensor.INSTANCE, {}
    attrs = {}
    if min is not None:
        attrs["min"] = min
    if max is not None:
        attrs["max"] = max
    return Clamp.INSTANCE, attrs


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:  # noqa: A002
    """Limit input to [min, max]; bounds are numbers or tensors (not mixed), one may be None."""
    op, attrs = _clamp_args(min, max)
    if op is ClampTensor.INSTANCE:
        try:
            res = apply(op, (input, min, max), attrs)
        except ValueError:
            broadcast_shapes(*(t._data.shape for t in (input, min, max) if t is not None))
            raise
        return _out(res, out, "clamp")
    return _out(apply(op, (input,), attrs), out, "clamp")


def clamp_(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    op, attrs = _clamp_args(min, max)
    if op is ClampTensor.INSTANCE:
        return apply_inplace(op, (input, min, max), attrs)
    return apply_inplace(op, (input,), attrs)


clip = clamp
clip_ = clamp_


def maximum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise larger value; ties share the gradient."""
    _tensor_arg("maximum", other)
    return _out(_bin(Maximum.INSTANCE, input, other, {}), out, "maximum")


def minimum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise smaller value; ties share the gradient."""
    _tensor_arg("minimum", other)
    return _out(_bin(Minimum.INSTANCE, input, other, {}), out, "minimum")


def where(condition: Tensor, input=None, other=None) -> Tensor:
    """input where condition else other; ``where(condition)`` gives nonzero indices."""
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{type(condition).__name__}")
    if input is None and other is None:
        from ...tensor import _wrap
        return tuple(_wrap(i.astype(np.int64, copy=False), condition._device)
                     for i in condition._data.nonzero())
    if condition._dtype is not D.bool_:
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_scalar_type_name(condition._dtype)}")
    try:
        return apply(Where.INSTANCE, (condition, input, other), {})
    except ValueError:
        broadcast_shapes(*(t._data.shape for t in (condition, input, other)
                           if isinstance(t, Tensor)))
        raise
