"""Elementwise ops: arithmetic, unary math, activations, comparisons, where, clamp."""
from __future__ import annotations

from ..autograd.graph import apply, apply_inplace
from .registry import Attr, OpDef, Sample, TensorSpec, broadcast_shapes, register
from .. import _dtype as D


class Binary(OpDef):
    """Two broadcast inputs; ``other`` may be a Python number."""

    inputs = ("input", "other")
    scalar_inputs = ("other",)
    has_inplace = True

    def infer(self, specs, attrs):
        shapes = [s.shape for s in specs if isinstance(s, TensorSpec)]
        shape = broadcast_shapes(*shapes)
        dt = self.compute_dtype([_SpecLike(s) if isinstance(s, TensorSpec) else s
                                 for s in specs], attrs)
        return [TensorSpec(shape, dt, specs[0].device if isinstance(specs[0], TensorSpec)
                           else "cpu")]

    def samples(self):
        yield Sample(((3, 4), (3, 4)))
        yield Sample(((2, 3, 4), (4,)), note="broadcast")
        yield Sample(((3, 1), (1, 4)), note="broadcast both")
        yield Sample((("T", (3, 4)), (3, 4)), note="non-contiguous")
        yield Sample(((3, 4), 2.5), note="python scalar")
        yield Sample(((), (2, 3)), note="0-dim")


class _SpecLike:
    """Lets result_type read a TensorSpec as it reads a tensor."""

    __slots__ = ("dtype", "_data")

    def __init__(self, spec):
        import numpy as np
        self.dtype = spec.dtype
        self._data = np.empty((0,) * len(spec.shape)) if spec.shape else np.empty(())


@register
class Add(Binary):
    name = "add"
    doc = "input + alpha * other, broadcast."
    attrs = (Attr("alpha", "scalar", 1, "multiplier of other"),)

    def forward(self, ctx, a, b, alpha=1):
        if alpha != 1:
            b = b * alpha
        ctx.alpha = alpha
        return ctx.xp.add(a, b)

    def backward(self, ctx, g):
        nig = ctx.needs_input_grad
        gb = None
        if nig[1]:
            gb = g if ctx.alpha == 1 else g * ctx.alpha
        return (g if nig[0] else None), gb


@register
class Mul(Binary):
    name = "mul"
    doc = "input * other, broadcast."

    def forward(self, ctx, a, b):
        nig = ctx.needs_input_grad
        if nig:
            # save only what the VJP reads: other for input's grad, input for other's grad
            ctx.save(b if nig[0] else None, a if nig[1] else None)
        return ctx.xp.multiply(a, b)

    def backward(self, ctx, g):
        b, a = ctx.saved
        return (g * b if b is not None else None), (g * a if a is not None else None)


def add(input, other, *, alpha=1, out=None):
    return apply(Add.INSTANCE, (input, other), {"alpha": alpha} if alpha != 1 else {})


def add_(input, other, *, alpha=1):
    return apply_inplace(Add.INSTANCE, (input, other), {"alpha": alpha} if alpha != 1 else {})


def mul(input, other, *, out=None):
    return apply(Mul.INSTANCE, (input, other), {})


def mul_(input, other):
    return apply_inplace(Mul.INSTANCE, (input, other), {})


multiply = mul
