"""Reshapes: view, reshape, view(dtype), flatten, unflatten. Views where the strides allow it;
reshape and flatten copy otherwise, as PyTorch does (UnsafeViewBackward0)."""
from __future__ import annotations

from ... import _dtype as D
from ...autograd.graph import apply
from ...tensor import Tensor
from ..registry import Attr, Sample, TensorSpec, prod, register, wrap_dim
from .base import (VIEW_ERROR, ShapeOp, ViewOp, _elem_strides, _shape_arg, _strided_view,
                   _view_strides, fmt_shape, infer_size, set_node_name)

__all__ = ["reshape", "view", "view_dtype", "flatten", "unflatten"]


@register
class View(ViewOp):
    name = "view"
    doc = "The same data seen with another shape (-1 infers one size); never copies."
    attrs = (Attr("shape", "ints", doc="the new shape; one entry may be -1",
                  keyword_only=False),)

    def forward(self, ctx, a, shape):
        shape = infer_size(shape, a.size)
        out = _strided_view(ctx.xp, a, shape)
        if out is None:
            raise RuntimeError(VIEW_ERROR)
        return out

    def samples(self):
        yield Sample(((3, 4),), {"shape": (4, 3)})
        yield Sample(((2, 3, 4),), {"shape": (-1, 4)})
        yield Sample(((6,),), {"shape": (2, 1, 3)})
        yield Sample((("T", (4, 3)),), {"shape": (4, 1, 3)}, note="non-contiguous but viewable")
        yield Sample(((),), {"shape": (1, 1)})


def _reshape_forward(ctx, a, shape):
    """reshape: a view when the strides allow it (ViewBackward0 / ReshapeAliasBackward0), else a
    contiguous copy (UnsafeViewBackward0)."""
    shape = infer_size(shape, a.size)
    if a.flags.c_contiguous:
        return a.reshape(shape)
    out = _strided_view(ctx.xp, a, shape)
    if out is not None:
        set_node_name(ctx, "ReshapeAliasBackward0")
        return out
    set_node_name(ctx, "UnsafeViewBackward0")
    ctx.copied = True
    return ctx.xp.ascontiguousarray(a).reshape(shape)


@register
class Reshape(ViewOp):
    name = "reshape"
    grad_name = "ViewBackward0"
    doc = "The same elements with another shape (-1 infers one size); a view when possible."
    attrs = (Attr("shape", "ints", doc="the new shape; one entry may be -1", keyword_only=False),)

    def forward(self, ctx, a, shape):
        return _reshape_forward(ctx, a, shape)

    def samples(self):
        yield Sample(((3, 4),), {"shape": (2, 6)})
        yield Sample(((2, 3, 4),), {"shape": (-1,)})
        yield Sample((("T", (4, 3)),), {"shape": (12,)}, note="non-contiguous: copies")
        yield Sample((("T", (4, 3)),), {"shape": (4, 1, 3)}, note="non-contiguous: alias")
        yield Sample(((),), {"shape": (1,)})


class _UnsafeView(ViewOp):
    """reshape's last step after a contiguous clone (``_unsafe_view``): not a view."""

    name = "_unsafe_view"
    key = "_unsafe_view"
    is_view = False

    def forward(self, ctx, a, shape):
        return a.reshape(infer_size(shape, a.size))


_UNSAFE_VIEW = _UnsafeView()


def reshape(input: Tensor, shape) -> Tensor:
    """``input`` with another shape: a view when the strides allow it, else a copy."""
    shape = _shape_arg(shape)
    a = input._data
    if not a.flags.c_contiguous and _view_strides(a.shape, _elem_strides(a),
                                                  infer_size(shape, a.size)) is None:
        from .copies import clone  # not at the top: copies registers its ops after ours
        return apply(_UNSAFE_VIEW, (clone(input),), {"shape": shape})
    return apply(Reshape.INSTANCE, (input,), {"shape": shape})


def view(input: Tensor, shape) -> Tensor:
    """``input`` seen with another shape; raises when that would need a copy."""
    return apply(View.INSTANCE, (input,), {"shape": _shape_arg(shape)})


@register
class ViewDtype(ShapeOp):
    name = "view_dtype"
    title = "view (dtype)"
    doc = "The same bytes read as another dtype (not differentiable)."
    differentiable = False
    is_view = True
    method = False
    attrs = (Attr("dtype", "dtype", doc="the dtype to read the bytes as", keyword_only=False),)

    def infer(self, specs, attrs):
        s = specs[0]
        dt = D.to_dtype(attrs["dtype"])
        shape = s.shape
        if dt.itemsize != s.dtype.itemsize and shape:
            shape = tuple(shape[:-1]) + (shape[-1] * s.dtype.itemsize // dt.itemsize,)
        return [TensorSpec(shape, dt, s.device)]

    def forward(self, ctx, a, dtype):
        dt = D.to_dtype(dtype)
        src = D.from_numpy_dtype(a.dtype)
        if dt.itemsize != src.itemsize:
            names = f"{_SCALAR[src.name]} as {_SCALAR[dt.name]}"
            if a.ndim == 0:
                raise RuntimeError(f"self.dim() cannot be 0 to view {names} (different element "
                                   "sizes)")
            if a.strides[-1] != a.itemsize and a.shape[-1] != 1:
                raise RuntimeError(f"self.stride(-1) must be 1 to view {names} (different "
                                   f"element sizes), but got {a.strides[-1] // a.itemsize}")
            if dt.itemsize > src.itemsize and (a.shape[-1] * src.itemsize) % dt.itemsize:
                raise RuntimeError(
                    f"self.size(-1) must be divisible by {dt.itemsize // src.itemsize} to view "
                    f"{names} (different element sizes), but got {a.shape[-1]}")
        return a.view(dt.np)

    def samples(self):
        yield Sample(((3, 4),), {"dtype": "int32"}, grad=False)
        yield Sample(((3, 4),), {"dtype": "float16"}, dtypes=("float32",), grad=False)


_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
           "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def view_dtype(input: Tensor, dtype) -> Tensor:
    """``Tensor.view(dtype)``: reinterpret the bytes."""
    return apply(ViewDtype.INSTANCE, (input,), {"dtype": D.to_dtype(dtype)})


def _flatten_shape(shape, start_dim, end_dim):
    nd = len(shape)
    if nd == 0:
        return (1,)
    s, e = wrap_dim(start_dim, nd), wrap_dim(end_dim, nd)
    if s > e:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    return tuple(shape[:s]) + (prod(shape[s:e + 1]),) + tuple(shape[e + 1:])


@register
class Flatten(ViewOp):
    name = "flatten"
    grad_name = "ViewBackward0"
    doc = "Merge dims start_dim..end_dim into one (a view when possible)."
    attrs = (Attr("start_dim", "dim", 0, "first dim to merge", keyword_only=False),
             Attr("end_dim", "dim", -1, "last dim to merge", keyword_only=False))

    def forward(self, ctx, a, start_dim=0, end_dim=-1):
        return _reshape_forward(ctx, a, _flatten_shape(a.shape, start_dim, end_dim))

    def samples(self):
        yield Sample(((2, 3, 4),), {})
        yield Sample(((2, 3, 4),), {"start_dim": 1})
        yield Sample(((2, 3, 4, 5),), {"start_dim": 1, "end_dim": 2})
        yield Sample((("T", (4, 3)),), {}, note="non-contiguous: copies")


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim``; returns ``input`` itself when nothing merges."""
    shape = input._data.shape
    new = _flatten_shape(shape, start_dim, end_dim)
    if new == shape and len(shape):
        return input
    return reshape(input, new)


def _unflatten_shape(shape, dim, sizes):
    sizes = tuple(int(s) for s in sizes)
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    nd = len(shape)
    if nd == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    d = wrap_dim(dim, nd)
    n = shape[d]
    if sizes.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = prod(s for s in sizes if s != -1)
    ok = (known != 0 and n % known == 0) if -1 in sizes else known == n
    if not ok:
        raise RuntimeError(f"unflatten: Provided sizes {fmt_shape(sizes)} don't multiply up to "
                           f"the size of dim {d} ({n}) in the input tensor")
    if -1 in sizes:
        sizes = tuple(n // known if s == -1 else s for s in sizes)
    return tuple(shape[:d]) + sizes + tuple(shape[d + 1:])


@register
class Unflatten(ViewOp):
    name = "unflatten"
    grad_name = "ViewBackward0"
    doc = "Split one dim into several (sizes may hold one -1)."
    attrs = (Attr("dim", "dim", doc="the dim to split", keyword_only=False),
             Attr("sizes", "ints", doc="the new sizes of that dim", keyword_only=False))

    def forward(self, ctx, a, dim, sizes):
        out = _strided_view(ctx.xp, a, _unflatten_shape(a.shape, dim, sizes))
        if out is None:  # pragma: no cover - splitting one dim is always a view
            raise RuntimeError(VIEW_ERROR)
        return out

    def samples(self):
        yield Sample(((2, 12),), {"dim": 1, "sizes": (3, 4)})
        yield Sample(((12, 2),), {"dim": 0, "sizes": (-1, 2)})
        yield Sample((("T", (2, 12)),), {"dim": 1, "sizes": (3, 4)}, note="non-contiguous")


def unflatten(input: Tensor, dim: int, sizes) -> Tensor:
    """Split dim ``dim`` into ``sizes``."""
    return apply(Unflatten.INSTANCE, (input,), {"dim": dim, "sizes": tuple(sizes)})
