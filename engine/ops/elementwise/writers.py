"""In-place writers: fill_ (a number or a 0-dim tensor), zero_, copy_."""
from __future__ import annotations

from ...autograd.graph import apply_inplace
from ...tensor import Tensor
from ..registry import REQUIRED, Attr, OpDef, Sample, broadcast_shapes, register

__all__ = ["fill_", "zero_", "copy_"]


class _Writer(OpDef):
    """In-place-only writers (fill_, zero_, copy_); 'creation' keeps them out of the
    generated out-of-place op tests (tests/engine/test_elementwise_reduction.py covers them)."""

    family = "creation"
    dtype_rule = "first"
    has_inplace = True
    method = False

    def samples(self):
        yield Sample(((3, 4),), dict(getattr(self, "_sample_attrs", {})))


@register
class Fill(_Writer):
    name = "fill_"
    overload = 2
    doc = "Every element set to value (a number)."
    attrs = (Attr("value", "scalar", REQUIRED, "the value", keyword_only=False),)
    _sample_attrs = {"value": 1.5}

    def forward(self, ctx, a, value):
        return ctx.xp.full(a.shape, value, dtype=a.dtype)

    def backward(self, ctx, g):
        return ctx.xp.zeros_like(g)


@register
class FillTensor(_Writer):
    name = "fill_"
    key = "fill_.Tensor"
    overload = 3
    doc = "Every element set to value (a 0-dim tensor)."
    inputs = ("input", "value")

    def forward(self, ctx, a, v):
        if v.ndim:
            raise RuntimeError("fill_ only supports 0-dimension value tensor but got tensor with "
                               f"{v.ndim} dimensions.")
        return ctx.xp.full(a.shape, v, dtype=a.dtype)

    def backward(self, ctx, g):
        nig = ctx.needs_input_grad
        return (ctx.xp.zeros_like(g) if nig[0] else None), (g.sum() if nig[1] else None)

    def samples(self):
        yield Sample(((3, 4), ()))


@register
class Zero(_Writer):
    name = "zero_"
    doc = "Every element set to zero."

    def forward(self, ctx, a):
        return ctx.xp.zeros_like(a)

    def backward(self, ctx, g):
        return ctx.xp.zeros_like(g)


@register
class Copy(_Writer):
    name = "copy_"
    grad_name = "CopyBackwards"
    doc = "input's elements replaced by src's (broadcast, cast to input's dtype)."
    inputs = ("input", "src")

    def forward(self, ctx, a, src):
        if src.shape != a.shape:
            shape = broadcast_shapes(a.shape, src.shape)
            if shape != a.shape:
                raise RuntimeError(f"output with shape {list(a.shape)} doesn't match the "
                                   f"broadcast shape {list(shape)}")
            return ctx.xp.broadcast_to(src, a.shape)
        return src

    def backward(self, ctx, g):
        nig = ctx.needs_input_grad
        return (ctx.xp.zeros_like(g) if nig[0] else None), (g if nig[1] else None)

    def samples(self):
        yield Sample(((3, 4), (3, 4)))
        yield Sample(((3, 4), (4,)), note="broadcast src")
        yield Sample(((3, 4), ("T", (3, 4))), note="non-contiguous src")


# --------------------------------------------------------------------------------------
# public functions


def fill_(input: Tensor, value) -> Tensor:
    """Set every element to value (a number or a 0-dim tensor)."""
    if isinstance(value, Tensor):
        return apply_inplace(FillTensor.INSTANCE, (input, value), {})
    return apply_inplace(Fill.INSTANCE, (input,), {"value": value})


def zero_(input: Tensor) -> Tensor:
    """Set every element to zero."""
    return apply_inplace(Zero.INSTANCE, (input,), {})


def copy_(input: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy src's values into input (broadcast, cast, across devices)."""
    if not isinstance(src, Tensor):
        raise TypeError(f"copy_(): argument 'other' (position 1) must be Tensor, not "
                        f"{type(src).__name__}")
    if src._device != input._device:
        src = src.to(input._device)
    return apply_inplace(Copy.INSTANCE, (input, src), {})
