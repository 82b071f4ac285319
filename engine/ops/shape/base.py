"""What the shape modules share, and the helpers linalg and indexing use too: PyTorch's shape
messages and checks (``check_expand``, ``infer_size``), zero-copy views by strides, and the
``ShapeOp`` / ``ViewOp`` base classes."""
from __future__ import annotations

from typing import Sequence

from ... import _dtype as D
from ...autograd.graph import Node, legacy_type_name, node_class
from ..registry import OpDef, prod, wrap_dim

VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one "
              "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


def set_node_name(ctx, name: str) -> None:
    """Give a recorded node PyTorch's class name when it depends on the operands themselves
    (their rank, strides or requires_grad), not only on the attributes."""
    if isinstance(ctx, Node) and type(ctx).__name__ != name:
        ctx.__class__ = node_class(name)


def fmt_shape(shape) -> str:
    """A shape as PyTorch prints it inside messages: ``[3, 4]``."""
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def dims_unique(dims: Sequence[int], ndim: int) -> tuple[int, ...]:
    """Wrapped dims, with PyTorch's message naming the repeated one."""
    out = tuple(wrap_dim(d, ndim) for d in dims)
    seen = set()
    for d in out:
        if d in seen:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
        seen.add(d)
    return out


def check_expand(shape: Sequence[int], size: Sequence[int], np_dtype) -> tuple[int, ...]:
    """The shape ``expand(size)`` gives a tensor of ``shape`` (-1 keeps a size), with PyTorch's
    errors."""
    nd, ns = len(shape), len(size)
    if ns < nd:
        tname = legacy_type_name(D.from_numpy_dtype(np_dtype))
        raise RuntimeError(
            f"expand({tname}{{{fmt_shape(shape)}}}, size={fmt_shape(size)}): the number of sizes "
            f"provided ({ns}) must be greater or equal to the number of dimensions in the tensor "
            f"({nd})")
    out = []
    lead = ns - nd
    for i, s in enumerate(size):
        if i < lead:
            if s == -1:
                raise RuntimeError(f"The expanded size of the tensor (-1) isn't allowed in a "
                                   f"leading, non-existing dimension {i}")
            if s < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                                   f"{fmt_shape(size)}")
            out.append(int(s))
            continue
        cur = shape[i - lead]
        if s == -1:
            s = cur
        elif cur != s:
            if cur != 1:
                raise RuntimeError(
                    f"The expanded size of the tensor ({s}) must match the existing size ({cur}) "
                    f"at non-singleton dimension {i}.  Target sizes: {fmt_shape(size)}.  "
                    f"Tensor sizes: {fmt_shape(shape)}")
            if s < 0:
                raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                                   f"{fmt_shape(size)}")
        out.append(int(s))
    return tuple(out)


def infer_size(shape: Sequence[int], numel: int) -> tuple[int, ...]:
    """``shape`` with its -1 filled in for ``numel`` elements, with PyTorch's errors."""
    neg = -1
    known = 1
    for i, s in enumerate(shape):
        if s == -1:
            if neg >= 0:
                raise RuntimeError("only one dimension can be inferred")
            neg = i
        elif s < 0:
            raise RuntimeError(f"invalid shape dimension {s} at index {i} of shape "
                               f"{fmt_shape(shape)}")
        else:
            known *= s
    if neg < 0:
        if known != numel:
            raise RuntimeError(f"shape '{fmt_shape(shape)}' is invalid for input of size {numel}")
        return tuple(shape)
    if known == 0:
        if numel == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {fmt_shape(shape)} because the "
                "unspecified dimension size -1 can be any value and is ambiguous")
        raise RuntimeError(f"shape '{fmt_shape(shape)}' is invalid for input of size {numel}")
    if numel % known:
        raise RuntimeError(f"shape '{fmt_shape(shape)}' is invalid for input of size {numel}")
    out = list(shape)
    out[neg] = numel // known
    return tuple(out)


def _view_strides(oldshape, oldstride, newshape):
    """Strides (in elements) for viewing a tensor as ``newshape`` without copying, or None when
    that needs a copy (PyTorch's ``computeStride``)."""
    if not oldshape:
        return [1] * len(newshape)
    numel = prod(oldshape)
    if numel == 0:
        if tuple(oldshape) == tuple(newshape):
            return list(oldstride)
        st = [0] * len(newshape)
        acc = 1
        for d in range(len(newshape) - 1, -1, -1):
            st[d] = acc
            acc *= max(newshape[d], 1)
        return st
    newstride = [0] * len(newshape)
    view_d = len(newshape) - 1
    chunk_base = oldstride[-1]
    tensor_numel = 1
    view_numel = 1
    for td in range(len(oldshape) - 1, -1, -1):
        tensor_numel *= oldshape[td]
        if td == 0 or (oldshape[td - 1] != 1 and oldstride[td - 1] != tensor_numel * chunk_base):
            while view_d >= 0 and (view_numel < tensor_numel or newshape[view_d] == 1):
                newstride[view_d] = view_numel * chunk_base
                view_numel *= newshape[view_d]
                view_d -= 1
            if view_numel != tensor_numel:
                return None
            if td > 0:
                chunk_base = oldstride[td - 1]
                tensor_numel = 1
                view_numel = 1
    if view_d != -1:
        return None
    return newstride


def _elem_strides(a) -> list[int]:
    it = a.itemsize
    return [s // it for s in a.strides]


def _strided_view(xp, a, shape):
    """A view of ``a`` as ``shape``, or None when that needs a copy."""
    if a.flags.c_contiguous:
        return a.reshape(shape)
    st = _view_strides(a.shape, _elem_strides(a), shape)
    if st is None:
        return None
    return xp.lib.stride_tricks.as_strided(a, shape, tuple(s * a.itemsize for s in st))


def _shape_arg(shape) -> tuple[int, ...]:
    if isinstance(shape, int):
        return (shape,)
    return tuple(int(s) for s in shape)


class ShapeOp(OpDef):
    """Base of the shape family: no dtype casting, one input."""

    family = "shape"
    dtype_rule = "none"


class ViewOp(ShapeOp):
    """A view whose VJP reshapes the gradient back to the input's shape."""

    is_view = True

    def backward(self, ctx, g):
        return g.reshape(ctx._in_meta[0][0])
