"""Shape ops: views (view, reshape, transpose, permute, squeeze, unsqueeze, expand, narrow, t,
split, unbind), copies (cat, stack, repeat, flip, clone) and the dtype/device move behind
``Tensor.to`` (``to_copy_op``).

Views return arrays that share memory with their input and set ``is_view`` so the result shares
the input's version counter. A view's VJP reshapes or re-indexes the gradient; it saves nothing.
"""
from __future__ import annotations

from typing import Sequence

from .. import _dtype as D
from .. import backend
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.graph import Node, apply, legacy_type_name, node_class
from ..tensor import Tensor
from .registry import Attr, OpDef, Sample, TensorSpec, prod, register, wrap_dim

__all__ = [
    "reshape", "view", "view_dtype", "flatten", "unflatten", "squeeze", "squeeze_", "unsqueeze",
    "unsqueeze_", "transpose", "transpose_", "swapaxes", "swapdims", "permute", "t", "expand",
    "expand_as", "repeat", "cat", "concat", "concatenate", "stack", "split", "chunk", "unbind",
    "flip", "narrow", "clone", "contiguous", "to_copy", "to_copy_op",
]

VIEW_ERROR = ("view size is not compatible with input tensor's size and stride (at least one "
              "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")


# --------------------------------------------------------------------------------------
# helpers shared with linalg and indexing


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


# --------------------------------------------------------------------------------------
# view / reshape / flatten / unflatten


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


# --------------------------------------------------------------------------------------
# squeeze / unsqueeze / transpose / permute / t


@register
class Squeeze(ViewOp):
    name = "squeeze"
    doc = "Drop dims of size 1 (all of them, or those among dim)."
    attrs = (Attr("dim", "dims", None, "a dim or dims to drop if of size 1 (None: all)",
                  optional=True, keyword_only=False),)

    def grad_fn_name(self, attrs):
        d = attrs.get("dim")
        return f"SqueezeBackward{0 if d is None else 1 if isinstance(d, int) else 2}"

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


class _SqueezeInplace(Squeeze):
    def grad_fn_name(self, attrs):
        d = attrs.get("dim")
        return f"SqueezeBackward{3 if d is None else 4 if isinstance(d, int) else 5}"


_SQUEEZE_ = _SqueezeInplace()


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


class _UnsqueezeInplace(Unsqueeze):
    grad_name = "UnsqueezeBackward1"


_UNSQUEEZE_ = _UnsqueezeInplace()


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


class _TransposeInplace(Transpose):
    grad_name = "TransposeBackward1"


_TRANSPOSE_ = _TransposeInplace()


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


# --------------------------------------------------------------------------------------
# cat / stack


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


@register
class Cat(ShapeOp):
    name = "cat"
    doc = "Join tensors along an existing dim (dtypes promote)."
    variadic = True
    inputs = ("tensors",)
    dtype_rule = "promote"
    method = False
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
class Stack(ShapeOp):
    name = "stack"
    doc = "Join equal-shaped tensors along a new dim (dtypes promote)."
    variadic = True
    inputs = ("tensors",)
    dtype_rule = "promote"
    method = False
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


# --------------------------------------------------------------------------------------
# flip / narrow / clone


@register
class Flip(ShapeOp):
    name = "flip"
    doc = "Reverse the order of elements along dims (a copy)."
    attrs = (Attr("dims", "ints", doc="the dims to reverse", keyword_only=False),)

    def infer(self, specs, attrs):
        s = specs[0]
        dims_unique(_ints(attrs["dims"]), len(s.shape))
        return [TensorSpec(s.shape, s.dtype, s.device)]

    def forward(self, ctx, a, dims):
        ds = dims_unique(_ints(dims), a.ndim)
        ctx.dims = ds
        if a.ndim == 0 or not ds:
            return a.copy()
        return ctx.xp.ascontiguousarray(ctx.xp.flip(a, axis=ds))

    def backward(self, ctx, g):
        return ctx.xp.flip(g, axis=ctx.dims) if ctx.dims and g.ndim else g

    def samples(self):
        yield Sample(((3, 2),), {"dims": (0,)})
        yield Sample(((3, 2, 4),), {"dims": (0, -1)})
        yield Sample((("T", (3, 2)),), {"dims": (1,)})


def _ints(dims):
    return (dims,) if isinstance(dims, int) else tuple(dims)


def flip(input: Tensor, dims) -> Tensor:
    """Reverse ``input`` along ``dims`` (a copy)."""
    return apply(Flip.INSTANCE, (input,), {"dims": _ints(dims)})


class SliceOp(ShapeOp):
    """A strided slice along one dim (``SliceBackward0``): narrow and basic indexing."""

    grad_name = "SliceBackward0"
    is_view = True

    def backward(self, ctx, g):
        gi = ctx.xp.zeros(ctx._in_meta[0][0], dtype=g.dtype)
        gi[ctx.key] = g
        return gi


@register
class Narrow(SliceOp):
    name = "narrow"
    doc = "length elements of dim starting at start (a view)."
    attrs = (Attr("dim", "dim", doc="the dim to narrow", keyword_only=False),
             Attr("start", "int", doc="first index (may be negative)", keyword_only=False),
             Attr("length", "int", doc="how many elements", range=(0, None), keyword_only=False))

    def forward(self, ctx, a, dim, start, length):
        if a.ndim == 0:
            raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
        if length < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
        d = wrap_dim(dim, a.ndim)
        n = a.shape[d]
        start = int(start)
        if start < -n or start > n:
            raise IndexError(f"start out of range (expected to be in range of [{-n}, {n}], but "
                             f"got {start})")
        if start < 0:
            start += n
        if start + length > n:
            raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size "
                               f"({n}).")
        key = ctx.key = (slice(None),) * d + (slice(start, start + length),)
        return a[key]

    def samples(self):
        yield Sample(((5, 2),), {"dim": 0, "start": 1, "length": 3})
        yield Sample(((5, 4),), {"dim": -1, "start": -2, "length": 2})
        yield Sample((("T", (2, 5)),), {"dim": 1, "start": 2, "length": 2})


def narrow(input: Tensor, dim: int, start, length: int) -> Tensor:
    """``length`` elements of ``dim`` from ``start`` (a view)."""
    if isinstance(start, Tensor):
        start = int(start.item())
    return apply(Narrow.INSTANCE, (input,), {"dim": dim, "start": start, "length": length})


@register
class Clone(ShapeOp):
    name = "clone"
    doc = "A copy with its own memory (differentiable)."

    def infer(self, specs, attrs):
        s = specs[0]
        return [TensorSpec(s.shape, s.dtype, s.device)]

    def forward(self, ctx, a, memory_format=None):
        return a.copy(order="K")  # PyTorch's preserve_format: a transposed clone stays so

    def backward(self, ctx, g):
        return g

    def samples(self):
        yield Sample(((3, 4),))
        yield Sample((("T", (3, 4)),))
        yield Sample(((),))


@register
class Contiguous(Clone):
    name = "contiguous"
    key = "contiguous"
    grad_name = "CloneBackward0"
    doc = "The same values laid out row-major (a copy when the input is not contiguous)."
    method = True

    def forward(self, ctx, a):
        return ctx.xp.array(a, order="C", copy=True)


def clone(input: Tensor, *, memory_format=None) -> Tensor:
    """A copy of ``input`` that backward sees as the identity (CloneBackward0)."""
    return apply(Clone.INSTANCE, (input,), {})


def contiguous(input: Tensor) -> Tensor:
    """``input`` itself when contiguous, else a row-major copy (CloneBackward0)."""
    if input._data.flags.c_contiguous:
        return input
    return apply(Contiguous.INSTANCE, (input,), {})


# --------------------------------------------------------------------------------------
# dtype / device moves


@register
class ToCopy(ShapeOp):
    name = "to_copy"
    title = "to"
    grad_name = "ToCopyBackward0"
    doc = "A copy in another dtype and/or on another device; gradients come back converted."
    attrs = (Attr("dtype", "dtype", None, "the new dtype (None: keep)", optional=True),
             Attr("device", "device", None, "the new device (None: keep)", optional=True))

    def infer(self, specs, attrs):
        s = specs[0]
        dt = attrs.get("dtype")
        dev = attrs.get("device")
        return [TensorSpec(s.shape, D.to_dtype(dt) if dt is not None else s.dtype,
                           str(dev) if dev is not None else s.device)]

    def forward(self, ctx, a, dtype=None, device=None):
        npd = D.to_dtype(dtype).np if dtype is not None else a.dtype
        out = a.astype(npd) if npd != a.dtype else a.copy()
        if device is not None:
            dev = device if not isinstance(device, str) else _canonical(device)
            # a host array can only be wrapped on the source device's side here; to_copy_op
            # finishes a CPU -> CUDA move after dispatch
            if dev.type == "cpu" or backend.is_gpu_array(out):
                out = backend.to_device(out, dev.type, dev.index)
        return out

    def backward(self, ctx, g):
        dev = ctx._dev
        return backend.to_device(g, dev.type, dev.index)

    def samples(self):
        yield Sample(((3, 4),), {"dtype": "float64"}, dtypes=("float32",))
        yield Sample(((3, 4),), {"dtype": "float32"}, dtypes=("float64",), gradcheck=False)
        yield Sample((("T", (3, 4)),), {"dtype": "float64"}, dtypes=("float32",))


def _canonical(dev):
    from .._device import canonical
    return canonical(dev)


def to_copy(input: Tensor, dtype=None, device=None) -> Tensor:
    """A differentiable copy of ``input`` in ``dtype`` on ``device`` (``Tensor.to(...,
    copy=True)``)."""
    return to_copy_op(input, device, dtype)


def to_copy_op(t: Tensor, device, dtype) -> Tensor:
    """A differentiable copy of ``t`` with ``dtype`` on ``device`` (ToCopyBackward0)."""
    dev = _canonical(device) if device is not None else t._device
    dt = D.to_dtype(dtype) if dtype is not None else t._dtype
    res = apply(ToCopy.INSTANCE, (t,), {"dtype": dt, "device": dev})
    if dev != t._device:
        if dev.type == "cuda" and not backend.is_gpu_array(res._data):
            res._data = backend.to_device(res._data, dev.type, dev.index)
        res._device = dev
    return res
