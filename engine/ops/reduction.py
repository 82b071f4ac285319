"""Reductions: sum, mean, prod, max/min, amax/amin, argmax/argmin, std/var, norm, cumsum,
logsumexp, all/any.

``dim`` may be None, an int, a tuple or a list, negative or not; ``keepdim`` keeps reduced
dimensions as size 1. Forward wraps the dims (``_axes``) so infer() and direct apply() calls
get PyTorch's IndexError too. Each VJP re-expands the incoming gradient over the reduced
dimensions (``_expand``); the engine sums nothing back since shapes already match.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from .. import _dtype as D
from ..autograd.graph import _scalar_type_name, apply
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .elementwise.base import _quiet
from .registry import REQUIRED, Attr, OpDef, Sample, register, wrap_dim, wrap_dims

__all__ = [
    "sum", "mean", "prod", "max", "min", "amax", "amin", "argmax", "argmin", "std", "var",
    "norm", "cumsum", "logsumexp", "all", "any",
]

_INF = math.inf




def _axes(dim, ndim: int):
    """None for a reduction over everything, else a tuple of non-negative axes.

    ``dim`` None or empty reduces everything, as PyTorch's sum/mean/amax do.
    """
    if dim is None:
        return None
    if isinstance(dim, int):
        d = wrap_dim(dim, ndim)
        return (d,) if ndim else None
    if len(dim) == 0:
        return None
    dims = wrap_dims(tuple(dim), ndim)
    return dims if ndim else None


def _count(shape, axes) -> int:
    if axes is None:
        return math.prod(shape)
    return math.prod(shape[i] for i in axes)


def _expand(xp, g, axes, keepdim: bool, shape):
    """The gradient of a reduced result broadcast back over the input's shape."""
    if not keepdim and axes is not None:
        g = xp.expand_dims(g, axes)
    return xp.broadcast_to(g, shape)


def _keep(xp, r, axes, keepdim: bool, ndim: int):
    """A reduced result ``r`` in keepdim form (for VJPs that compare it with the input)."""
    if keepdim:
        return r
    if axes is None:
        return r.reshape((1,) * ndim)
    return xp.expand_dims(r, axes)


def _tie_share(g, mask, axes=None):
    """Each tied extreme's share of ``g``: the positions ``mask`` marks (over ``axes``, None: all)
    split the gradient evenly, as PyTorch's max/min/amax/amin and inf-norm VJPs do."""
    return g / mask.sum(axis=axes, keepdims=True).astype(g.dtype)


def _dim_attrs(default=None, doc="dimensions to reduce (None: all)"):
    return (Attr("dim", "dims", default, doc, optional=True, keyword_only=False),
            Attr("keepdim", "bool", False, "keep reduced dimensions as size 1",
                 keyword_only=False))


_DTYPE = Attr("dtype", "dtype", None, "cast the input to this dtype first", optional=True)


class Reduction(OpDef):
    """Reduces ``dim`` (None: everything); ``keepdim`` keeps size-1 dimensions."""

    family = "reduction"
    attrs = _dim_attrs()
    domain = (-2.0, 2.0)

    def samples(self):
        d = self.domain
        yield Sample(((3, 4),), domain=d)
        yield Sample(((3, 4),), {"dim": 1}, domain=d)
        yield Sample(((2, 3, 4),), {"dim": (0, 2), "keepdim": True}, domain=d)
        yield Sample((("T", (3, 4)),), {"dim": -1}, domain=d, note="non-contiguous")
        yield Sample(((2, 3, 4),), {"dim": [-1, 0]}, domain=d, note="list of dims")
        yield Sample(((),), domain=d, note="0-dim")


def _int_to_long(operands, attrs) -> D.dtype:
    dt = attrs.get("dtype")
    if dt is not None:
        return D.to_dtype(dt)
    d = operands[0].dtype
    return d if d.is_floating_point else D.int64


@register
class Sum(Reduction):
    name = "sum"
    doc = "Sum over dim (int and bool inputs sum to int64)."
    attrs = _dim_attrs() + (_DTYPE,)

    def grad_fn_name(self, attrs):
        return "SumBackward1" if "dim" in attrs or attrs.get("keepdim") else "SumBackward0"

    def compute_dtype(self, operands, attrs):
        return _int_to_long(operands, attrs)

    def forward(self, ctx, a, dim=None, keepdim=False, dtype=None):
        axes = _axes(dim, a.ndim)
        if ctx.needs_input_grad:
            ctx.shape, ctx.axes, ctx.keepdim = a.shape, axes, keepdim
        return a.sum(axis=axes, keepdims=keepdim)

    def backward(self, ctx, g):
        return _expand(ctx.xp, g, ctx.axes, ctx.keepdim, ctx.shape)

    def samples(self):
        yield from super().samples()
        yield Sample(((3, 4),), {"dtype": D.float64}, note="dtype")
        yield Sample((("int", (3, 4), -5, 5),), {"dim": 0}, grad=False, note="int to int64")


@register
class Mean(Reduction):
    name = "mean"
    doc = "Mean over dim (floating inputs, or give dtype)."
    attrs = _dim_attrs() + (_DTYPE,)

    def grad_fn_name(self, attrs):
        return "MeanBackward1" if "dim" in attrs or attrs.get("keepdim") else "MeanBackward0"

    def compute_dtype(self, operands, attrs):
        dt = attrs.get("dtype")
        if dt is not None:
            return D.to_dtype(dt)
        d = operands[0].dtype
        if not d.is_floating_point:
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {_scalar_type_name(d)}")
        return d

    def forward(self, ctx, a, dim=None, keepdim=False, dtype=None):
        axes = _axes(dim, a.ndim)
        n = _count(a.shape, axes)
        if ctx.needs_input_grad:
            ctx.shape, ctx.axes, ctx.keepdim, ctx.n = a.shape, axes, keepdim, n
        s = a.sum(axis=axes, keepdims=keepdim)
        if n == 0:
            with _quiet():
                return s / n
        return s / n

    def backward(self, ctx, g):
        return _expand(ctx.xp, g / ctx.n, ctx.axes, ctx.keepdim, ctx.shape)


def _prod_others(xp, a, ax: int):
    """For each element along ``ax``, the product of the others (zeros handled exactly)."""
    m = xp.moveaxis(a, ax, -1)
    if m.shape[-1] == 0:
        return xp.zeros_like(a)
    ones = xp.ones(m.shape[:-1] + (1,), dtype=m.dtype)
    left = xp.cumprod(xp.concatenate([ones, m[..., :-1]], axis=-1), axis=-1)
    rev = xp.flip(m, -1)
    right = xp.flip(xp.cumprod(xp.concatenate([ones, rev[..., :-1]], axis=-1), axis=-1), -1)
    return xp.moveaxis(left * right, -1, ax)


@register
class Prod(Reduction):
    name = "prod"
    doc = "Product over one dim, or over everything."
    attrs = (Attr("dim", "dim", None, "the dimension to reduce (None: all)", optional=True,
                  keyword_only=False),
             Attr("keepdim", "bool", False, "keep the reduced dimension as size 1",
                  keyword_only=False), _DTYPE)

    def grad_fn_name(self, attrs):
        return "ProdBackward1" if "dim" in attrs else "ProdBackward0"

    def compute_dtype(self, operands, attrs):
        return _int_to_long(operands, attrs)

    def forward(self, ctx, a, dim=None, keepdim=False, dtype=None):
        axes = _axes(dim, a.ndim)
        if ctx.needs_input_grad:
            ctx.save(a)
            ctx.axes, ctx.keepdim = axes, keepdim
        return a.prod(axis=axes, keepdims=keepdim)

    def backward(self, ctx, g):
        (a,) = ctx.saved
        xp = ctx.xp
        if ctx.axes is None:
            return g * _prod_others(xp, a.reshape(-1), 0).reshape(a.shape)
        ax = ctx.axes[0]
        if not ctx.keepdim:
            g = xp.expand_dims(g, ax)
        return g * _prod_others(xp, a, ax)

    def samples(self):
        yield Sample(((3, 4),))
        yield Sample(((3, 4),), {"dim": 1})
        yield Sample(((2, 3, 4),), {"dim": 0, "keepdim": True})
        yield Sample((("T", (3, 4)),), {"dim": -1}, note="non-contiguous")
        yield Sample(((),), note="0-dim")


# --------------------------------------------------------------------------------------
# max / min


class _ExtremeAll(OpDef):
    """max() / min() of everything; ties share the gradient evenly."""

    family = "reduction"
    overload = 1

    def forward(self, ctx, a):
        if a.size == 0:
            raise RuntimeError(
                f"{self.name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument.")
        out = a.max() if self.name == "max" else a.min()
        ctx.save(a, out)
        return out

    def backward(self, ctx, g):
        a, out = ctx.saved
        xp = ctx.xp
        mask = xp.isnan(a) if out != out else (a == out)
        return xp.where(mask, _tie_share(g, mask), 0)

    def samples(self):
        yield Sample(((3, 4),))
        yield Sample((("T", (3, 4)),), note="non-contiguous")
        yield Sample(((),), note="0-dim")


@register
class MaxAll(_ExtremeAll):
    name = "max"
    doc = "The largest element."


@register
class MinAll(_ExtremeAll):
    name = "min"
    doc = "The smallest element."


class _ExtremeDim(OpDef):
    """max(dim) / min(dim): values and their (first) indices; the gradient goes to the index."""

    family = "reduction"
    overload = 0
    attrs = (Attr("dim", "dim", REQUIRED, "the dimension to reduce", keyword_only=False),
             Attr("keepdim", "bool", False, "keep the reduced dimension as size 1",
                  keyword_only=False))
    outputs = ("values", "indices")
    differentiable_outputs = (True, False)

    def forward(self, ctx, a, dim, keepdim=False):
        xp = ctx.xp
        d = wrap_dim(dim, a.ndim)
        if a.ndim == 0:
            ctx.d = None
            return a.copy(), xp.zeros((), dtype=np.int64)
        if a.shape[d] == 0:
            raise IndexError(
                f"{self.name}(): Expected reduction dim {d} to have non-zero size.")
        vals = self.fn(a, d, keepdim)
        idx = self.arg(a, d, keepdim)  # the first extreme (or NaN), as PyTorch's CPU kernel
        if ctx.needs_input_grad:
            ctx.save(idx)
            ctx.d, ctx.keepdim, ctx.n = d, keepdim, a.shape[d]
        return vals, idx.astype(np.int64, copy=False)

    def backward(self, ctx, g, _g_indices=None):
        if ctx.d is None:
            return g
        (idx,) = ctx.saved
        xp = ctx.xp
        d = ctx.d
        if not ctx.keepdim:
            g = xp.expand_dims(g, d)
            idx = xp.expand_dims(idx, d)
        pos = xp.arange(ctx.n).reshape((-1,) + (1,) * (idx.ndim - d - 1))
        return xp.where(pos == idx, g, 0)

    def samples(self):
        yield Sample(((3, 4),), {"dim": 1})
        yield Sample(((2, 3, 4),), {"dim": 0, "keepdim": True})
        yield Sample((("T", (3, 4)),), {"dim": -1}, note="non-contiguous")


@register
class MaxDim(_ExtremeDim):
    name = "max"
    key = "max.dim"
    doc = "Largest values along dim, with their indices."

    fn = staticmethod(lambda a, d, keepdim: a.max(axis=d, keepdims=keepdim))
    arg = staticmethod(lambda a, d, keepdim: a.argmax(axis=d, keepdims=keepdim))


@register
class MinDim(_ExtremeDim):
    name = "min"
    key = "min.dim"
    doc = "Smallest values along dim, with their indices."

    fn = staticmethod(lambda a, d, keepdim: a.min(axis=d, keepdims=keepdim))
    arg = staticmethod(lambda a, d, keepdim: a.argmin(axis=d, keepdims=keepdim))


class _AExtreme(Reduction):
    """amax / amin over dims; ties share the gradient evenly."""

    attrs = _dim_attrs((), "dimensions to reduce (empty: all)")

    def forward(self, ctx, a, dim=(), keepdim=False):
        axes = _axes(dim, a.ndim)
        if a.size == 0:
            if axes is None:
                raise RuntimeError(
                    f"{self.name}(): Expected reduction dim to be specified for input.numel() == "
                    "0. Specify the reduction dim with the 'dim' argument.")
            for d in axes:
                if a.shape[d] == 0:
                    raise IndexError(
                        f"{self.name}(): Expected reduction dim {d} to have non-zero size.")
        out = self.fn(a, axes, keepdim)
        if ctx.needs_input_grad:
            ctx.save(a, out)
            ctx.axes, ctx.keepdim = axes, keepdim
        return out

    def backward(self, ctx, g):
        a, out = ctx.saved
        xp = ctx.xp
        axes, keepdim = ctx.axes, ctx.keepdim
        mask = a == _keep(xp, out, axes, keepdim, a.ndim)
        gk = _keep(xp, g, axes, keepdim, a.ndim)
        with _quiet():
            return _tie_share(gk, mask, axes) * mask


@register
class Amax(_AExtreme):
    name = "amax"
    doc = "Largest values over dims."
    fn = staticmethod(lambda a, axes, keepdim: a.max(axis=axes, keepdims=keepdim))


@register
class Amin(_AExtreme):
    name = "amin"
    doc = "Smallest values over dims."
    fn = staticmethod(lambda a, axes, keepdim: a.min(axis=axes, keepdims=keepdim))


class _Arg(OpDef):
    """argmax / argmin: int64 indices (flat ones when dim is None), no gradient."""

    family = "reduction"
    differentiable = False
    dtype_rule = "none"
    attrs = (Attr("dim", "dim", None, "the dimension to reduce (None: the flattened input)",
                  optional=True, keyword_only=False),
             Attr("keepdim", "bool", False, "keep the reduced dimension as size 1",
                  keyword_only=False))

    def forward(self, ctx, a, dim=None, keepdim=False):
        xp = ctx.xp
        if dim is None:
            if a.size == 0:
                raise IndexError(f"{self.name}(): Expected reduction dim to be specified for "
                                 "input.numel() == 0.")
            r = self.fn(xp, a.reshape(-1), 0)
            return r.reshape((1,) * a.ndim) if keepdim else r.reshape(())
        d = wrap_dim(dim, a.ndim)
        if a.ndim == 0:
            return xp.zeros((), dtype=np.int64)
        if a.shape[d] == 0:
            raise IndexError(f"{self.name}(): Expected reduction dim {d} to have non-zero size.")
        r = self.fn(xp, a, d)
        return xp.expand_dims(r, d) if keepdim else r

    def samples(self):
        yield Sample(((3, 4),), grad=False)
        yield Sample(((3, 4),), {"dim": 1}, grad=False)
        yield Sample((("T", (3, 4)),), {"dim": -1, "keepdim": True}, grad=False)


@register
class Argmax(_Arg):
    name = "argmax"
    doc = "Index of the largest value."
    fn = staticmethod(lambda xp, a, d: xp.argmax(a, axis=d).astype(np.int64, copy=False))


@register
class Argmin(_Arg):
    name = "argmin"
    doc = "Index of the smallest value."
    fn = staticmethod(lambda xp, a, d: xp.argmin(a, axis=d).astype(np.int64, copy=False))


# --------------------------------------------------------------------------------------
# variance and norms


class _Moment(Reduction):
    attrs = (Attr("dim", "dims", None, "dimensions to reduce (None: all)", optional=True,
                  keyword_only=False),
             Attr("correction", "scalar", 1, "subtracted from the count (1: unbiased)"),
             Attr("keepdim", "bool", False, "keep reduced dimensions as size 1"))

    def compute_dtype(self, operands, attrs):
        d = operands[0].dtype
        if not d.is_floating_point:
            raise RuntimeError("std and var only support floating point and complex dtypes")
        return d

    def _var(self, ctx, a, dim, correction, keepdim):
        axes = _axes(dim, a.ndim)
        n = _count(a.shape, axes)
        dof = n - correction
        if dof <= 0:
            warnings.warn(f"{self.name}(): degrees of freedom is <= 0. Correction should be "
                          "strictly less than the reduction factor (input numel divided by "
                          "output numel).", UserWarning, stacklevel=4)
            dof = 0
        with _quiet():
            xc = a - a.sum(axis=axes, keepdims=True) / n
            var = (xc * xc).sum(axis=axes, keepdims=keepdim) / dof
        if ctx.needs_input_grad:
            ctx.axes, ctx.keepdim, ctx.dof, ctx.n = axes, keepdim, dof, n
        return var

    def _centered(self, ctx, a):
        return a - a.sum(axis=ctx.axes, keepdims=True) / ctx.n

    def samples(self):
        yield Sample(((3, 4),))
        yield Sample(((3, 4),), {"dim": 1})
        yield Sample(((2, 3, 4),), {"dim": (0, 2), "keepdim": True})
        yield Sample((("T", (3, 4)),), {"dim": -1}, note="non-contiguous")
        yield Sample(((3, 4),), {"dim": 1, "correction": 0}, note="biased")


@register
class Var(_Moment):
    name = "var"
    doc = "Variance over dim with Bessel's correction by default."

    def forward(self, ctx, a, dim=None, correction=1, keepdim=False):
        if ctx.needs_input_grad:
            ctx.save(a)
        return self._var(ctx, a, dim, correction, keepdim)

    def backward(self, ctx, g):
        (a,) = ctx.saved
        gk = _keep(ctx.xp, g, ctx.axes, ctx.keepdim, a.ndim)
        with _quiet():
            return gk * (2.0 / ctx.dof) * self._centered(ctx, a)


@register
class Std(_Moment):
    name = "std"
    doc = "Standard deviation over dim with Bessel's correction by default."

    def forward(self, ctx, a, dim=None, correction=1, keepdim=False):
        out = ctx.xp.sqrt(self._var(ctx, a, dim, correction, keepdim))
        ctx.save(a, out)
        return out

    def backward(self, ctx, g):
        a, out = ctx.saved
        xp = ctx.xp
        gk = _keep(xp, g, ctx.axes, ctx.keepdim, a.ndim)
        ok = _keep(xp, out, ctx.axes, ctx.keepdim, a.ndim)
        with _quiet():
            scale = xp.where(ok == 0, 0, gk / (ok * ctx.dof))
            return scale * self._centered(ctx, a)


@register
class LinalgVectorNorm(Reduction):
    name = "linalg_vector_norm"
    title = "norm"
    method = False
    doc = "The p-norm of the input over dim (2: Euclidean, 1, inf, -inf, 0, any p)."
    attrs = (Attr("ord", "scalar", 2, "p: 2, 1, inf, -inf, 0 or any number",
                  keyword_only=False),) + _dim_attrs() + (_DTYPE,)

    def compute_dtype(self, operands, attrs):
        dt = attrs.get("dtype")
        d = operands[0].dtype
        if not d.is_floating_point:
            raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor "
                               f"as input. Got {_scalar_type_name(d)}")
        return D.to_dtype(dt) if dt is not None else d

    def forward(self, ctx, a, ord=2, dim=None, keepdim=False, dtype=None):  # noqa: A002
        xp = ctx.xp
        axes = _axes(dim, a.ndim)
        p = ord
        if p == 2:
            out = xp.sqrt((a * a).sum(axis=axes, keepdims=keepdim))
        elif p == 1:
            out = xp.abs(a).sum(axis=axes, keepdims=keepdim)
        elif p == _INF:
            out = xp.abs(a).max(axis=axes, keepdims=keepdim)
        elif p == -_INF:
            out = xp.abs(a).min(axis=axes, keepdims=keepdim)
        elif p == 0:
            out = (a != 0).sum(axis=axes, keepdims=keepdim).astype(a.dtype)
        else:
            with _quiet():
                out = (xp.abs(a) ** p).sum(axis=axes, keepdims=keepdim) ** (1.0 / p)
        if ctx.needs_input_grad:
            ctx.save(a, out)
            ctx.p, ctx.axes, ctx.keepdim = p, axes, keepdim
        return out

    def backward(self, ctx, g):
        a, out = ctx.saved
        xp = ctx.xp
        p = ctx.p
        if p == 0:
            return None
        gk = _keep(xp, g, ctx.axes, ctx.keepdim, a.ndim)
        nk = _keep(xp, out, ctx.axes, ctx.keepdim, a.ndim)
        with _quiet():
            if p == 1:
                return xp.sign(a) * gk
            if p == 2:
                return a * xp.where(nk == 0, 0, gk / nk)
            if p == _INF or p == -_INF:
                mask = xp.abs(a) == nk
                return xp.sign(a) * (_tie_share(gk, mask, ctx.axes) * mask)
            if p < 1:
                scaled = xp.sign(a) * xp.where(a == 0, 0, xp.abs(a) ** (p - 1))
                return scaled * gk * nk ** (1 - p)
            scaled = (xp.sign(a) * xp.abs(a) ** (p - 1)) if p < 2 else a * xp.abs(a) ** (p - 2)
            return scaled * xp.where(nk == 0, 0, gk / nk ** (p - 1))

    def samples(self):
        yield Sample(((3, 4),))
        yield Sample(((3, 4),), {"ord": 1, "dim": 1})
        yield Sample(((2, 3, 4),), {"ord": 3, "dim": (0, 2), "keepdim": True})
        yield Sample((("T", (3, 4)),), {"ord": _INF, "dim": -1}, note="non-contiguous")
        yield Sample(((3, 4),), {"ord": -_INF, "dim": 0})
        yield Sample(((3, 4),), {"ord": 0.5}, domain=(0.2, 2.0))


# --------------------------------------------------------------------------------------
# scans and logsumexp


@register
class Cumsum(OpDef):
    name = "cumsum"
    family = "reduction"
    doc = "Running sum along dim (int and bool inputs give int64)."
    attrs = (Attr("dim", "dim", REQUIRED, "the dimension to scan", keyword_only=False), _DTYPE)

    def compute_dtype(self, operands, attrs):
        return _int_to_long(operands, attrs)

    def forward(self, ctx, a, dim, dtype=None):
        d = wrap_dim(dim, a.ndim)
        if a.ndim == 0:
            ctx.d = None
            return a.copy()
        ctx.d = d
        return ctx.xp.cumsum(a, axis=d)

    def backward(self, ctx, g):
        d = ctx.d
        if d is None:
            return g
        xp = ctx.xp
        return xp.flip(xp.cumsum(xp.flip(g, d), axis=d), d)

    def samples(self):
        yield Sample(((3, 4),), {"dim": 1})
        yield Sample(((2, 3, 4),), {"dim": 0})
        yield Sample((("T", (3, 4)),), {"dim": -1}, note="non-contiguous")
        yield Sample(((),), {"dim": 0}, note="0-dim")


@register
class Logsumexp(Reduction):
    name = "logsumexp"
    doc = "log(sum(exp(input))) over dim, computed stably."
    dtype_rule = "float"
    attrs = (Attr("dim", "dims", REQUIRED, "dimensions to reduce", keyword_only=False),
             Attr("keepdim", "bool", False, "keep reduced dimensions as size 1",
                  keyword_only=False))

    def forward(self, ctx, a, dim, keepdim=False):
        xp = ctx.xp
        axes = _axes(dim, a.ndim)
        if a.size == 0:
            s = xp.full(a.sum(axis=axes, keepdims=True).shape, -_INF, dtype=a.dtype)
        else:
            m = a.max(axis=axes, keepdims=True)
            m = xp.where(xp.isfinite(m), m, 0)
            with _quiet():
                s = xp.log(xp.exp(a - m).sum(axis=axes, keepdims=True)) + m
        out = s if keepdim else (s.reshape(()) if axes is None else s.squeeze(axes))
        if ctx.needs_input_grad:
            ctx.save(a, out)
            ctx.axes, ctx.keepdim = axes, keepdim
        return out

    def backward(self, ctx, g):
        a, out = ctx.saved
        xp = ctx.xp
        gk = _keep(xp, g, ctx.axes, ctx.keepdim, a.ndim)
        with _quiet():
            return gk * xp.exp(a - _keep(xp, out, ctx.axes, ctx.keepdim, a.ndim))

    def samples(self):
        yield Sample(((3, 4),), {"dim": 1})
        yield Sample(((2, 3, 4),), {"dim": (0, 2), "keepdim": True})
        yield Sample((("T", (3, 4)),), {"dim": -1}, note="non-contiguous")


class _Truth(OpDef):
    """all / any: bool results, no gradient; an empty dim tuple reduces nothing."""

    family = "reduction"
    differentiable = False
    dtype_rule = "none"
    attrs = _dim_attrs()

    def forward(self, ctx, a, dim=None, keepdim=False):
        if dim is None or a.ndim == 0:
            if dim is not None:
                wrap_dims(dim, 0)
            axes = None
        else:
            axes = wrap_dims(dim, a.ndim)
        r = self.fn(a, axes, keepdim)
        return r.astype(a.dtype) if a.dtype == np.uint8 else r  # PyTorch keeps uint8

    def samples(self):
        yield Sample((("int", (3, 4), 0, 2),), grad=False)
        yield Sample((("int", (3, 4), 0, 2),), {"dim": 1, "keepdim": True}, grad=False)
        yield Sample(((2, 3, 4),), {"dim": (0, 2)}, grad=False)


@register
class All(_Truth):
    name = "all"
    doc = "True if every element (over dim) is nonzero."
    fn = staticmethod(lambda a, axes, keepdim: a.all(axis=axes, keepdims=keepdim))


@register
class Any(_Truth):
    name = "any"
    doc = "True if some element (over dim) is nonzero."
    fn = staticmethod(lambda a, axes, keepdim: a.any(axis=axes, keepdims=keepdim))


# --------------------------------------------------------------------------------------
# public functions


class _ValuesIndices(tuple):
    """PyTorch's ``torch.return_types.max``: a (values, indices) tuple with names."""

    __slots__ = ()
    _kind = ""

    def __new__(cls, values, indices):
        return tuple.__new__(cls, (values, indices))

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        return f"torch.return_types.{self._kind}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def _return_type(kind: str) -> type:
    return type(kind, (_ValuesIndices,), {"__slots__": (), "_kind": kind,
                                          "__module__": "engine.return_types"})


_MAX_RESULT = _return_type("max")
_MIN_RESULT = _return_type("min")


def _dim_kw(dim, keepdim, axis, keepdims):
    """attrs for dim/keepdim (numpy's axis/keepdims accepted), default values left out."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    attrs = {}
    if dim is not None:
        attrs["dim"] = tuple(dim) if isinstance(dim, list) else dim
    if keepdim:
        attrs["keepdim"] = True
    return attrs


def _dtype_kw(attrs: dict, input: Tensor, dtype, name: str) -> dict:
    if dtype is not None:
        dt = D.to_dtype(dtype)
        if not dt.is_floating_point and input._requires_grad and is_grad_enabled():
            raise RuntimeError(f"Autograd not support dtype: {_scalar_type_name(dt)}")
        attrs["dtype"] = dt
    return attrs


def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None,  # noqa: A001
        keepdims=None) -> Tensor:
    """Sum over dim (all when None); int and bool inputs give int64."""
    attrs = _dim_kw(dim, keepdim, axis, keepdims)
    if dtype is not None:
        _dtype_kw(attrs, input, dtype, "sum")
    return apply(Sum.INSTANCE, (input,), attrs)


def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None, axis=None,
         keepdims=None) -> Tensor:
    """Mean over dim (all when None); needs a floating input or dtype."""
    attrs = _dim_kw(dim, keepdim, axis, keepdims)
    if dtype is not None:
        _dtype_kw(attrs, input, dtype, "mean")
    return apply(Mean.INSTANCE, (input,), attrs)


def _one_dim(name: str, dim) -> None:
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")


def prod(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Product over one dim, or over everything."""
    attrs = {}
    if dim is not None:
        _one_dim("prod", dim)
        attrs["dim"] = int(dim)
        if keepdim:
            attrs["keepdim"] = True
    if dtype is not None:
        _dtype_kw(attrs, input, dtype, "prod")
    return apply(Prod.INSTANCE, (input,), attrs)


def max(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """max(): the largest element; max(dim): (values, indices); max(other): maximum."""
    if dim is None:
        return apply(MaxAll.INSTANCE, (input,), {})
    if isinstance(dim, Tensor):
        from .elementwise import maximum
        return maximum(input, dim)
    _one_dim("max", dim)
    return _MAX_RESULT(*apply(MaxDim.INSTANCE, (input,), {"dim": int(dim), "keepdim": keepdim}))


def min(input: Tensor, dim=None, keepdim: bool = False):  # noqa: A001
    """min(): the smallest element; min(dim): (values, indices); min(other): minimum."""
    if dim is None:
        return apply(MinAll.INSTANCE, (input,), {})
    if isinstance(dim, Tensor):
        from .elementwise import minimum
        return minimum(input, dim)
    _one_dim("min", dim)
    return _MIN_RESULT(*apply(MinDim.INSTANCE, (input,), {"dim": int(dim), "keepdim": keepdim}))


def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Largest values over dims (all when empty); ties share the gradient."""
    return apply(Amax.INSTANCE, (input,), _dim_kw(dim, keepdim, None, None))


def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """Smallest values over dims (all when empty); ties share the gradient."""
    return apply(Amin.INSTANCE, (input,), _dim_kw(dim, keepdim, None, None))


def argmax(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the largest value (flat when dim is None)."""
    if dim is not None:
        _one_dim("argmax", dim)
    return apply(Argmax.INSTANCE, (input,), {"dim": dim, "keepdim": keepdim})


def argmin(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
    """Index of the smallest value (flat when dim is None)."""
    if dim is not None:
        _one_dim("argmin", dim)
    return apply(Argmin.INSTANCE, (input,), {"dim": dim, "keepdim": keepdim})


def _moment_attrs(dim, unbiased, keepdim, correction) -> dict:
    if isinstance(dim, bool):  # std(x, False): the unbiased overload
        dim, unbiased = None, dim
    if unbiased is not None:
        correction = 1 if unbiased else 0
    attrs = _dim_kw(dim, keepdim, None, None)
    if correction is not None and correction != 1:
        attrs["correction"] = correction
    return attrs


def std(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
        correction=None) -> Tensor:
    """Standard deviation (correction=1, Bessel's, unless told otherwise)."""
    return apply(Std.INSTANCE, (input,), _moment_attrs(dim, unbiased, keepdim, correction))


def var(input: Tensor, dim=None, unbiased=None, keepdim: bool = False, *,
        correction=None) -> Tensor:
    """Variance (correction=1, Bessel's, unless told otherwise)."""
    return apply(Var.INSTANCE, (input,), _moment_attrs(dim, unbiased, keepdim, correction))


def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, out=None,
         dtype=None) -> Tensor:
    """The p-norm over dim (all when None); 'fro' is the 2-norm of the elements."""
    if isinstance(p, str):
        if p == "fro":
            if isinstance(dim, (tuple, list)) and len(dim) > 2:
                raise RuntimeError("linalg.matrix_norm: dim must be a 2-tuple. Got "
                                   + " ".join(str(d) for d in dim))
            p = 2
        elif p == "nuc":
            raise NotImplementedError("norm(): the nuclear norm (p='nuc') is not supported by "
                                      "this engine")
        else:
            raise RuntimeError(f"linalg.matrix_norm: Order {p} not supported.")
    attrs = _dim_kw(dim, keepdim, None, None)
    if p != 2:
        attrs["ord"] = p
    if dtype is not None:
        attrs["dtype"] = D.to_dtype(dtype)
    return apply(LinalgVectorNorm.INSTANCE, (input,), attrs)


def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sum along dim."""
    _one_dim("cumsum", dim)
    attrs = {"dim": int(dim)}
    if dtype is not None:
        _dtype_kw(attrs, input, dtype, "cumsum")
    return apply(Cumsum.INSTANCE, (input,), attrs)


def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(input))) over dim, stably."""
    return apply(Logsumexp.INSTANCE, (input,), {"dim": dim, "keepdim": keepdim})


def all(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where every element over dim is nonzero."""
    return apply(All.INSTANCE, (input,), _dim_kw(dim, keepdim, None, None))


def any(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:  # noqa: A001
    """True where some element over dim is nonzero."""
    return apply(Any.INSTANCE, (input,), _dim_kw(dim, keepdim, None, None))
