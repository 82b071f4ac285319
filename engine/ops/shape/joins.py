"""Joins and splits: cat and stack (copies), split, chunk and unbind (several views from one
node)."""
from __future__ import annotations

from ... import _dtype as D
from ...autograd.graph import apply
from ...tensor import Tensor
from ..registry import Attr, Sample, TensorSpec, register, wrap_dim
from .base import ShapeOp, fmt_shape, set_node_name

__all__ = ["cat", "concat", "concatenate", "stack", "split", "chunk", "unbind"]


def _tensor_list(tensors, fname: str) -> tuple:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{fname}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    for i, x in enumerate(tensors):
        if not isinstance(x, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(x).__name__}")
    return tuple(tensors)


def _cat_plan(shapes, dim) -> tuple[int, tuple[int, ...]]:
    """The wrapped dim and the output shape of cat, with PyTorch's errors (1-D empty tensors
    are skipped, as PyTorch's legacy rule does)."""
    for i, s in enumerate(shapes):
        if len(s) == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be "
                               "concatenated")
    ref = next((s for s in shapes if not (len(s) == 1 and s[0] == 0)), None)
    if ref is None:
        wrap_dim(dim, 1)
        return 0, (0,)
    d = wrap_dim(dim, len(ref))
    total = 0
    for i, s in enumerate(shapes):
        if len(s) == 1 and s[0] == 0:
            continue
        if len(s) != len(ref):
            raise RuntimeError(f"Tensors must have same number of dimensions: got {len(ref)} and "
                               f"{len(s)}")
        for k, (n, m) in enumerate(zip(ref, s)):
            if k != d and n != m:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {n} but "
                    f"got size {m} for tensor number {i} in the list.")
        total += s[d]
    return d, tuple(ref[:d]) + (total,) + tuple(ref[d + 1:])


def _promoted(specs):
    dt = specs[0].dtype
    for s in specs[1:]:
        dt = D.promote_types(dt, s.dtype)
    return dt


def _flat_specs(specs):
    if len(specs) == 1 and isinstance(specs[0], (list, tuple)):
        return list(specs[0])
    return list(specs)


class _Join(ShapeOp):
    """cat / stack: one list of tensors in, their dtypes promoted; functions, not methods."""

    variadic = True
    inputs = ("tensors",)
    dtype_rule = "promote"
    method = False


@register
class Cat(_Join):
    name = "cat"
    doc = "Join tensors along an existing dim (dtypes promote)."
    attrs = (Attr("dim", "dim", 0, "the dim to join along", keyword_only=False),)

    def infer(self, specs, attrs):
        specs = _flat_specs(specs)
        if not specs:
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        _, shape = _cat_plan([s.shape for s in specs], attrs.get("dim", 0))
        return [TensorSpec(shape, _promoted(specs), specs[0].device)]

    def forward(self, ctx, *arrays, dim=0):
        if not arrays:
            raise ValueError("torch.cat(): expected a non-empty list of Tensors")
        nd = arrays[0].ndim
        if nd and all(a.ndim == nd for a in arrays):  # the common case: numpy checks shapes
            d = wrap_dim(dim, nd)
            try:
                out = ctx.xp.concatenate(arrays, axis=d)
            except ValueError:
                _cat_plan([a.shape for a in arrays], dim)
                raise
            ctx.plan = (d, [a.shape[d] for a in arrays])
            return out
        shapes = [a.shape for a in arrays]
        d, shape = _cat_plan(shapes, dim)
        keep = [a for a in arrays if not (a.ndim == 1 and a.shape[0] == 0)]
        ctx.plan = (d, [None if (len(s) == 1 and s[0] == 0) else s[d] for s in shapes])
        if not keep:
            return ctx.xp.empty((0,), dtype=arrays[0].dtype)
        return ctx.xp.concatenate(keep, axis=d)

    def backward(self, ctx, g):
        d, sizes = ctx.plan
        xp = ctx.xp
        out = []
        start = 0
        lead = (slice(None),) * d
        for n in sizes:
            if n is None:
                out.append(xp.zeros((0,), dtype=g.dtype))
                continue
            out.append(g[lead + (slice(start, start + n),)])
            start += n
        return tuple(out)

    def samples(self):
        yield Sample((("list", [(3, 5, 4), (3, 5, 4)]),), {"dim": 0})
        yield Sample((("list", [(3, 5, 4), (3, 2, 4), (3, 1, 4)]),), {"dim": 1})
        yield Sample((("list", [(3, 5, 4), (3, 5, 4)]),), {"dim": -1})
        yield Sample((("list", [("T", (4, 3)), (2, 3)]),), {"dim": 0}, note="non-contiguous")


def cat(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join ``tensors`` along ``dim``."""
    ts = _tensor_list(tensors, "cat")
    if not ts:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    return apply(Cat.INSTANCE, ts, {"dim": dim})


concat = concatenate = cat


@register
class Stack(_Join):
    name = "stack"
    doc = "Join equal-shaped tensors along a new dim (dtypes promote)."
    attrs = (Attr("dim", "dim", 0, "where the new dim goes", keyword_only=False),)

    def infer(self, specs, attrs):
        specs = _flat_specs(specs)
        shape = _stack_check([s.shape for s in specs])
        d = wrap_dim(attrs.get("dim", 0), len(shape) + 1)
        return [TensorSpec(tuple(shape[:d]) + (len(specs),) + tuple(shape[d:]), _promoted(specs),
                           specs[0].device)]

    def forward(self, ctx, *arrays, dim=0):
        shape = _stack_check([a.shape for a in arrays])
        d = wrap_dim(dim, len(shape) + 1)
        ctx.d = d
        return ctx.xp.stack(arrays, axis=d)

    def backward(self, ctx, g):
        lead = (slice(None),) * ctx.d
        return tuple(g[lead + (i, Ellipsis)] for i in range(g.shape[ctx.d]))

    def samples(self):
        yield Sample((("list", [(2, 3), (2, 3)]),), {"dim": 0})
        yield Sample((("list", [(2, 3), (2, 3), (2, 3)]),), {"dim": 1})
        yield Sample((("list", [(2, 3), (2, 3)]),), {"dim": -1})
        yield Sample((("list", [("T", (2, 3)), (2, 3)]),), {"dim": 0}, note="non-contiguous")


def _stack_check(shapes):
    if not shapes:
        raise RuntimeError("stack expects a non-empty TensorList")
    ref = shapes[0]
    for i, s in enumerate(shapes):
        if s != ref:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{fmt_shape(ref)} at entry 0 and {fmt_shape(s)} at entry {i}")
    return ref


def stack(tensors, dim: int = 0, *, out=None) -> Tensor:
    """Join equal-shaped ``tensors`` along a new dim ``dim``."""
    ts = _tensor_list(tensors, "stack")
    if not ts:
        raise RuntimeError("stack expects a non-empty TensorList")
    return apply(Stack.INSTANCE, ts, {"dim": dim})


# --------------------------------------------------------------------------------------
# split / chunk / unbind (several outputs, all views, one node)


def _split_sizes(shape, split_size_or_sections, dim) -> tuple[int, list[int]]:
    if len(shape) == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = wrap_dim(dim, len(shape))
    n = shape[d]
    s = split_size_or_sections
    if isinstance(s, int):
        if s < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got "
                               f"split_size={s}")
        if s == 0 and n != 0:
            raise RuntimeError(f"split_size can only be 0 if dimension size is 0, but got "
                               f"dimension size of {n}")
        k = max(-(-n // s), 1) if s else 1
        return d, [s] * (k - 1) + [n - s * (k - 1)]
    sizes = [int(x) for x in s]
    if any(x < 0 for x in sizes):
        raise RuntimeError(f"split_with_sizes expects split_sizes have only non-negative entries, "
                           f"but got split_sizes={fmt_shape(sizes)}")
    if sum(sizes) != n:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to {n} (input "
                           f"tensor's size at dimension {d}), but got split_sizes="
                           f"{fmt_shape(sizes)}")
    return d, sizes


def _split_forward(ctx, a, d, sizes):
    lead = (slice(None),) * d
    outs = []
    start = 0
    for n in sizes:
        outs.append(a[lead + (slice(start, start + n),)])
        start += n
    ctx.n_outputs = len(outs)
    ctx.d = d
    return tuple(outs)


def _split_backward(ctx, grads):
    """Gradients of the pieces (None where nothing flowed) joined back along the dim."""
    shape = ctx._in_meta[0][0]
    d = ctx.d
    xp = ctx.xp
    dt = next(g.dtype for g in grads if g is not None)
    if len(grads) == 1:
        return grads[0]
    parts = []
    for g, n in zip(grads, ctx.sizes):
        if g is None:
            s = list(shape)
            s[d] = n
            g = xp.zeros(s, dtype=dt)
        parts.append(g)
    return xp.concatenate(parts, axis=d)


class _SplitBase(ShapeOp):
    is_view = True
    outputs = ("outputs",)

    def backward(self, ctx, *grads):
        return _split_backward(ctx, grads)


@register
class Split(_SplitBase):
    name = "split"
    inputs = ("tensor",)
    doc = "Cut into pieces of a given size (or a list of sizes) along dim; views."
    attrs = (Attr("split_size_or_sections", "ints", doc="a piece size, or the list of sizes",
                  keyword_only=False),
             Attr("dim", "dim", 0, "the dim to cut", keyword_only=False))

    def grad_fn_name(self, attrs):
        return ("SplitBackward0" if isinstance(attrs["split_size_or_sections"], int)
                else "SplitWithSizesBackward0")

    def forward(self, ctx, a, split_size_or_sections, dim=0):
        d, sizes = _split_sizes(a.shape, split_size_or_sections, dim)
        ctx.sizes = sizes
        return _split_forward(ctx, a, d, sizes)

    def samples(self):
        yield Sample(((5, 2),), {"split_size_or_sections": 2})
        yield Sample(((5, 2),), {"split_size_or_sections": (1, 4)})
        yield Sample(((4, 6),), {"split_size_or_sections": 4, "dim": -1})
        yield Sample((("T", (2, 5)),), {"split_size_or_sections": 3, "dim": 1})


def split(tensor: Tensor, split_size_or_sections, dim: int = 0) -> tuple:
    """Pieces of ``split_size_or_sections`` (an int, or a list of sizes) along ``dim``."""
    s = split_size_or_sections
    s = int(s) if isinstance(s, int) else tuple(s)
    return apply(Split.INSTANCE, (tensor,), {"split_size_or_sections": s, "dim": dim})


@register
class Chunk(_SplitBase):
    name = "chunk"
    grad_name = "SplitBackward0"
    doc = "Cut into `chunks` nearly equal pieces along dim (the last may be smaller); views."
    attrs = (Attr("chunks", "int", doc="how many pieces at most", range=(1, None),
                  keyword_only=False),
             Attr("dim", "dim", 0, "the dim to cut", keyword_only=False))

    def forward(self, ctx, a, chunks, dim=0):
        if a.ndim == 0:
            raise RuntimeError("chunk expects at least a 1-dimensional tensor")
        if chunks <= 0:
            raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
        d = wrap_dim(dim, a.ndim)
        n = a.shape[d]
        size = -(-n // chunks)
        if size == 0 and n == 0:
            set_node_name(ctx, "SplitWithSizesBackward0")
            sizes = [0] * chunks
        else:
            _, sizes = _split_sizes(a.shape, size, d)
        ctx.sizes = sizes
        return _split_forward(ctx, a, d, sizes)

    def samples(self):
        yield Sample(((5, 2),), {"chunks": 3})
        yield Sample(((5, 2),), {"chunks": 2})
        yield Sample(((2, 6),), {"chunks": 3, "dim": 1})
        yield Sample((("T", (2, 5)),), {"chunks": 2})


def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple:
    """At most ``chunks`` nearly equal pieces along ``dim``."""
    return apply(Chunk.INSTANCE, (input,), {"chunks": chunks, "dim": dim})


@register
class Unbind(ShapeOp):
    name = "unbind"
    doc = "All slices along dim, as a tuple of views."
    is_view = True
    outputs = ("outputs",)
    attrs = (Attr("dim", "dim", 0, "the dim to take apart", keyword_only=False),)

    def forward(self, ctx, a, dim=0):
        if a.ndim == 0:
            raise IndexError("Dimension specified as 0 but tensor has no dimensions")
        d = wrap_dim(dim, a.ndim)
        lead = (slice(None),) * d
        outs = tuple(a[lead + (i, Ellipsis)] for i in range(a.shape[d]))
        ctx.n_outputs = len(outs)
        ctx.d = d
        return outs

    def backward(self, ctx, *grads):
        xp = ctx.xp
        dt = next(g.dtype for g in grads if g is not None)
        shape = next(g.shape for g in grads if g is not None)
        parts = [g if g is not None else xp.zeros(shape, dtype=dt) for g in grads]
        return xp.stack(parts, axis=ctx.d)

    def samples(self):
        yield Sample(((3, 2),), {})
        yield Sample(((3, 2),), {"dim": 1})
        yield Sample((("T", (3, 2)),), {"dim": -1})


def unbind(input: Tensor, dim: int = 0) -> tuple:
    """The slices along ``dim``, as views."""
    return apply(Unbind.INSTANCE, (input,), {"dim": dim})
