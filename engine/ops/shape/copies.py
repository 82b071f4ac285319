"""flip (a copy), narrow (a slice view), clone, contiguous, and the dtype/device copy behind
``Tensor.to`` (``to_copy_op``)."""
from __future__ import annotations

from ... import _dtype as D
from ... import backend
from ...autograd.graph import apply
from ...tensor import Tensor
from ..registry import Attr, Sample, TensorSpec, register, wrap_dim
from .base import ShapeOp, dims_unique

__all__ = ["flip", "narrow", "clone", "contiguous", "to_copy", "to_copy_op"]


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
    from ..._device import canonical
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
