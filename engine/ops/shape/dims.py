"""Dim moves: squeeze, unsqueeze, transpose, permute, t (views, with the in-place squeeze_,
unsqueeze_, transpose_), expand (a broadcast view) and repeat (a tiled copy)."""
from __future__ import annotations

from ...autograd.grad_mode import is_grad_enabled
from ...autograd.graph import apply
from ...tensor import Tensor
from ..registry import Attr, OpDef, Sample, TensorSpec, register, wrap_dim
from .base import ShapeOp, ViewOp, _shape_arg, check_expand, dims_unique, fmt_shape

__all__ = [
    "squeeze", "squeeze_", "unsqueeze", "unsqueeze_", "transpose", "transpose_", "swapaxes",
    "swapdims", "permute", "t", "expand", "expand_as", "repeat",
]


@register
class Squeeze(ViewOp):
    name = "squeeze"
    doc = "Drop dims of size 1 (all of them, or those among dim)."
    attrs = (Attr("dim", "dims", None, "a dim or dims to drop if of size 1 (None: all)",
                  optional=True, keyword_only=False),)

    def grad_fn_name(self, attrs):
        d = attrs.get("dim")  # all dims, one dim, several: overload + 0, 1, 2
        n = self.overload + (0 if d is None else 1 if isinstance(d, int) else 2)
        return f"SqueezeBackward{n}"

    def forward(self, ctx, a, dim=None):
        shape = a.shape
        if dim is None:
            axes = tuple(i for i, n in enumerate(shape) if n == 1)
        else:
            nd = a.ndim
            ds = (wrap_dim(dim, nd),) if isinstance(dim, int) else dims_unique(dim, nd)
            axes = tuple(d for d in ds if nd and shape[d] == 1)
        return a.squeeze(axis=axes) if axes else a.view()

    def samples(self):
        yield Sample(((2, 1, 3, 1),), {})
        yield Sample(((2, 1, 3, 1),), {"dim": 1})
        yield Sample(((2, 1, 3, 1),), {"dim": 0}, note="not of size 1: unchanged")
        yield Sample(((2, 1, 3, 1),), {"dim": (1, -1)})
        yield Sample((("T", (3, 1)),), {})


@register
class Unsqueeze(ViewOp):
    name = "unsqueeze"
    doc = "Insert a dim of size 1 at position dim."
    attrs = (Attr("dim", "dim", doc="where the new dim goes", keyword_only=False),)

    def forward(self, ctx, a, dim):
        return a[(slice(None),) * wrap_dim(dim, a.ndim + 1) + (None,)]

    def samples(self):
        yield Sample(((2, 3),), {"dim": 0})
        yield Sample(((2, 3),), {"dim": -1})
        yield Sample((("T", (2, 3)),), {"dim": 1})
        yield Sample(((),), {"dim": 0})


@register
class Transpose(ShapeOp):
    name = "transpose"
    doc = "Swap two dims (a view)."
    is_view = True
    attrs = (Attr("dim0", "dim", doc="first dim", keyword_only=False),
             Attr("dim1", "dim", doc="second dim", keyword_only=False))

    def forward(self, ctx, a, dim0, dim1):
        nd = a.ndim
        d0, d1 = wrap_dim(dim0, nd), wrap_dim(dim1, nd)
        if nd == 0:
            return a.view()
        ctx.dims = (d0, d1)
        return a.swapaxes(d0, d1)

    def backward(self, ctx, g):
        d = ctx.__dict__.get("dims")
        return g.swapaxes(*d) if d else g

    def samples(self):
        yield Sample(((2, 3),), {"dim0": 0, "dim1": 1})
        yield Sample(((2, 3, 4),), {"dim0": -1, "dim1": 0})
        yield Sample((("T", (2, 3)),), {"dim0": 0, "dim1": 1})


@register
class Permute(ShapeOp):
    name = "permute"
    doc = "Reorder the dims (a view)."
    is_view = True
    attrs = (Attr("dims", "ints", doc="the new order of the dims", keyword_only=False),)

    def forward(self, ctx, a, dims):
        nd = a.ndim
        if len(dims) != nd:
            raise RuntimeError(
                "permute(sparse_coo): number of dimensions in the tensor input does not match the "
                "length of the desired ordering of dimensions i.e. input.dim() = "
                f"{nd} is not equal to len(dims) = {len(dims)}")
        ds = tuple(wrap_dim(d, nd) for d in dims)
        if len(set(ds)) != nd:
            raise RuntimeError("permute(): duplicate dims are not allowed.")
        ctx.dims = ds
        return a.transpose(ds)

    def backward(self, ctx, g):
        ds = ctx.dims
        inv = [0] * len(ds)
        for i, d in enumerate(ds):
            inv[d] = i
        return g.transpose(inv)

    def samples(self):
        yield Sample(((2, 3, 4),), {"dims": (2, 0, 1)})
        yield Sample(((2, 3),), {"dims": (-1, 0)})
        yield Sample((("T", (2, 3)),), {"dims": (1, 0)})


@register
class T(ShapeOp):
    name = "t"
    doc = "Transpose a tensor of at most 2 dims."
    is_view = True

    def forward(self, ctx, a):
        if a.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                               f"{a.ndim}D")
        return a.T if a.ndim == 2 else a.view()

    def backward(self, ctx, g):
        return g.T

    def samples(self):
        yield Sample(((2, 3),))
        yield Sample(((3,),))
        yield Sample((("T", (2, 3)),))


# squeeze_, unsqueeze_, transpose_: the same ops, unregistered, under the overload PyTorch numbers
# their in-place nodes by (SqueezeBackward3/4/5, UnsqueezeBackward1, TransposeBackward1)
class _SqueezeInplace(Squeeze):
    overload = 3


class _UnsqueezeInplace(Unsqueeze):
    overload = 1


class _TransposeInplace(Transpose):
    overload = 1


_SQUEEZE_, _UNSQUEEZE_, _TRANSPOSE_ = _SqueezeInplace(), _UnsqueezeInplace(), _TransposeInplace()


def _inplace_view(op: OpDef, t: Tensor, attrs: dict) -> Tensor:
    """squeeze_/unsqueeze_/transpose_: the tensor takes the view's shape and grad_fn."""
    if is_grad_enabled():
        if t._requires_grad and t._grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation.")
        b = t._base
        if b is not None and b._requires_grad and b._grad_fn is None:
            raise RuntimeError("a view of a leaf Variable that requires grad is being used in an "
                               "in-place operation.")
    res = apply(op, (t,), attrs)
    t._data = res._data
    t._vbox[0] += 1
    if res._grad_fn is not None:
        t._grad_fn = res._grad_fn
        t._output_nr = 0
    return t


def squeeze(input: Tensor, dim=None) -> Tensor:
    """Drop dims of size 1 (all, or among ``dim``)."""
    return apply(Squeeze.INSTANCE, (input,), {"dim": _dims_attr(dim)})


def squeeze_(input: Tensor, dim=None) -> Tensor:
    """squeeze in place: the tensor itself takes the new shape (SqueezeBackward3/4/5)."""
    return _inplace_view(_SQUEEZE_, input, {"dim": _dims_attr(dim)})


def _dims_attr(dim):
    if dim is None or isinstance(dim, int):
        return dim
    return tuple(dim)


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """Insert a dim of size 1 at ``dim``."""
    return apply(Unsqueeze.INSTANCE, (input,), {"dim": dim})


def unsqueeze_(input: Tensor, dim: int) -> Tensor:
    """unsqueeze in place (UnsqueezeBackward1)."""
    return _inplace_view(_UNSQUEEZE_, input, {"dim": dim})


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dims ``dim0`` and ``dim1`` (a view)."""
    return apply(Transpose.INSTANCE, (input,), {"dim0": dim0, "dim1": dim1})


def transpose_(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """transpose in place (TransposeBackward1)."""
    return _inplace_view(_TRANSPOSE_, input, {"dim0": dim0, "dim1": dim1})


swapaxes = swapdims = transpose


def permute(input: Tensor, dims) -> Tensor:
    """Reorder the dims (a view)."""
    return apply(Permute.INSTANCE, (input,), {"dims": tuple(dims)})


def t(input: Tensor) -> Tensor:
    """Transpose a matrix; a vector or scalar comes back as a view of itself."""
    return apply(T.INSTANCE, (input,), {})


# --------------------------------------------------------------------------------------
# expand / repeat


@register
class Expand(ShapeOp):
    name = "expand"
    doc = "Broadcast size-1 dims to larger sizes without copying (-1 keeps a size)."
    is_view = True
    attrs = (Attr("size", "ints", doc="the target sizes; -1 keeps a dim", keyword_only=False),)

    def forward(self, ctx, a, size):
        return ctx.xp.broadcast_to(a, check_expand(a.shape, size, a.dtype))

    def backward(self, ctx, g):
        return g  # the engine sums it back to the input's shape

    def samples(self):
        yield Sample(((3, 1),), {"size": (3, 4)})
        yield Sample(((3, 1),), {"size": (2, -1, 4)})
        yield Sample(((),), {"size": (2, 3)})
        yield Sample((("T", (3, 1)),), {"size": (2, 3, 4)}, note="non-contiguous")


def expand(input: Tensor, size) -> Tensor:
    """Broadcast to ``size`` (a view; -1 keeps a dim)."""
    return apply(Expand.INSTANCE, (input,), {"size": _shape_arg(size)})


def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """expand to ``other``'s shape."""
    return expand(input, tuple(other.shape))


@register
class Repeat(ShapeOp):
    name = "repeat"
    doc = "Tile the tensor: repeats[i] copies along dim i (leading repeats add dims)."
    attrs = (Attr("repeats", "ints", doc="copies per dim", keyword_only=False),)

    def infer(self, specs, attrs):
        s = specs[0]
        return [TensorSpec(_repeat_shape(s.shape, attrs["repeats"]), s.dtype, s.device)]

    def forward(self, ctx, a, repeats):
        _repeat_shape(a.shape, repeats)
        ctx.reps = tuple(repeats)
        return ctx.xp.tile(a, repeats)

    def backward(self, ctx, g):
        reps = ctx.reps
        shape = ctx._in_meta[0][0]
        padded = (1,) * (len(reps) - len(shape)) + tuple(shape)
        split = []
        for r, n in zip(reps, padded):
            split += [r, n]
        return g.reshape(split).sum(axis=tuple(range(0, 2 * len(reps), 2))).reshape(shape)

    def samples(self):
        yield Sample(((3, 2),), {"repeats": (2, 3)})
        yield Sample(((3, 2),), {"repeats": (2, 1, 3)})
        yield Sample(((),), {"repeats": (2,)})
        yield Sample((("T", (3, 2)),), {"repeats": (1, 2)})


def _repeat_shape(shape, repeats):
    if len(repeats) < len(shape):
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    padded = (1,) * (len(repeats) - len(shape)) + tuple(shape)
    out = tuple(int(r) * n for r, n in zip(repeats, padded))
    for n in out:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: "
                               f"{fmt_shape(out)}")
    return out


def repeat(input: Tensor, repeats) -> Tensor:
    """Tile ``input`` ``repeats`` times along each dim (a copy)."""
    return apply(Repeat.INSTANCE, (input,), {"repeats": _shape_arg(repeats)})
