"""Powers: ``x ** 2`` (a number exponent, PowBackward0), ``x ** y`` (both tensors,
PowBackward1) and ``2 ** x`` (a number base, PowBackward2)."""
from __future__ import annotations

import math
import operator

from ... import _dtype as D
from ...autograd.graph import apply, apply_inplace
from ...tensor import Tensor
from ..registry import REQUIRED, Attr, OpDef, Sample, register
from .base import _bin, _bin_, _broadcast_infer, _out, _q, _quiet

__all__ = ["pow", "pow_"]


def _int_pow(xp, a, e):
    """Integer power allowing negative exponents as PyTorch does (1/a**k truncated)."""
    neg = e < 0
    if not (neg.any() if hasattr(neg, "any") else neg):
        return xp.power(a, e)
    r = xp.power(a, xp.where(neg, 0, e) if hasattr(e, "shape") else 0)
    odd = (e % 2) != 0
    inv = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0))
    return xp.where(neg, inv, r).astype(r.dtype)


@register
class Pow(OpDef):
    name = "pow"
    overload = 0
    doc = "input ** exponent for a number exponent."
    attrs = (Attr("exponent", "scalar", REQUIRED, "the power", keyword_only=False),)
    has_inplace = True

    def compute_dtype(self, operands, attrs):
        return D.result_type(operands[0], attrs["exponent"])

    def forward(self, ctx, a, exponent):
        if ctx.needs_input_grad:
            ctx.save(a)
            ctx.exponent = exponent
        return _q(operator.pow, a, exponent)  # ndarray ** has fast paths for 2, 0.5, -1

    def backward(self, ctx, g):
        (a,) = ctx.saved
        e = ctx.exponent
        if e == 0:
            return ctx.xp.zeros_like(g)
        if e == 2:
            return g * (a * 2)
        with _quiet():
            return g * (e * a ** (e - 1))

    def samples(self):
        yield Sample(((3, 4),), {"exponent": 2})
        yield Sample(((2, 3, 4),), {"exponent": 3.0})
        yield Sample((("T", (3, 4)),), {"exponent": 0.5}, domain=(0.2, 2.0), note="non-contiguous")
        yield Sample(((3, 4),), {"exponent": -1.5}, domain=(0.2, 2.0))
        yield Sample(((),), {"exponent": 0}, note="0-dim, zero exponent")


@register
class PowTensor(OpDef):
    name = "pow"
    key = "pow.Tensor_Tensor"
    overload = 1
    doc = "input ** exponent, both tensors, broadcast."
    inputs = ("input", "exponent")
    has_inplace = True

    def infer(self, specs, attrs):
        return _broadcast_infer(self, specs, attrs)

    def forward(self, ctx, a, e):
        xp = ctx.xp
        if a.dtype.kind in "iu":
            return _int_pow(xp, a, e)
        out = _q(xp.power, a, e)
        nig = ctx.needs_input_grad
        if nig:
            ctx.save(a, e, out if nig[1] else None)
        return out

    def backward(self, ctx, g):
        a, e, out = ctx.saved
        xp = ctx.xp
        ga = gb = None
        with _quiet():
            if ctx.needs_input_grad[0]:
                ga = xp.where(e == 0, 0, g * (e * xp.power(a, e - 1)))
            if out is not None:
                gb = xp.where((a == 0) & (e >= 0), 0, g * (out * xp.log(a)))
        return ga, gb

    def samples(self):
        yield Sample(((3, 4), (3, 4)), domain=(0.5, 2.0))
        yield Sample(((2, 3, 4), (4,)), domain=(0.5, 2.0), note="broadcast")
        yield Sample((("T", (3, 4)), (1, 4)), domain=(0.5, 2.0), note="non-contiguous")
        yield Sample(((3, 4), ()), domain=(0.5, 2.0), note="0-dim exponent")


@register
class PowScalar(OpDef):
    name = "pow"
    key = "pow.Scalar"
    overload = 2
    doc = "input ** exponent for a number base (2 ** x)."
    inputs = ("exponent",)
    attrs = (Attr("input", "scalar", REQUIRED, "the base (a number)", keyword_only=False),)
    method = False

    def compute_dtype(self, operands, attrs):
        return D.result_type(attrs["input"], operands[0])

    def forward(self, ctx, e, input=2):  # noqa: A002 - PyTorch's name for the base
        xp = ctx.xp
        if e.dtype.kind in "iu":
            return _int_pow(xp, xp.asarray(input, dtype=e.dtype), e)
        out = _q(xp.power, input, e)
        if ctx.needs_input_grad:
            ctx.base = input
            ctx.save(out, e if input == 0 else None)
        return out

    def backward(self, ctx, g):
        out, e = ctx.saved
        base = ctx.base
        if base == 0:
            with _quiet():
                return ctx.xp.where(e >= 0, 0, g * out * -math.inf)
        lb = math.log(base) if base > 0 else math.nan
        return g * out * lb

    def samples(self):
        d = (0.2, 2.0)  # exponents > 0 (harmless here; safe for callers that swap the args)
        yield Sample(((3, 4),), {"input": 2.0}, domain=d)
        yield Sample((("T", (3, 4)),), {"input": 0.5}, domain=d, note="non-contiguous")
        yield Sample(((),), {"input": 3}, domain=d, note="0-dim")


# --------------------------------------------------------------------------------------
# public functions


def _pow_args(input, exponent):
    if isinstance(exponent, Tensor):
        return PowTensor.INSTANCE, (input, exponent), {}
    if isinstance(exponent, int) and not isinstance(exponent, bool) and exponent < 0 \
            and not input._dtype.is_floating_point:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return Pow.INSTANCE, (input,), {"exponent": exponent}


def pow(input, exponent, *, out=None) -> Tensor:  # noqa: A001 - PyTorch's name
    """input ** exponent; either (not both) may be a Python number."""
    if not isinstance(input, Tensor):
        return _out(apply(PowScalar.INSTANCE, (exponent,), {"input": input}), out, "pow")
    op, operands, attrs = _pow_args(input, exponent)
    if len(operands) == 2:
        return _out(_bin(op, input, exponent, attrs), out, "pow")
    return _out(apply(op, operands, attrs), out, "pow")


def pow_(input: Tensor, exponent) -> Tensor:
    op, operands, attrs = _pow_args(input, exponent)
    if len(operands) == 2:
        return _bin_(op, input, exponent, attrs)
    return apply_inplace(op, operands, attrs)
