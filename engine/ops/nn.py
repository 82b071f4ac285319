"""Neural-network ops: softmax, log_softmax, conv2d, max_pool2d, mse_loss, nll_loss, and the
composites linear and cross_entropy (built from other ops so their grad_fn chains are PyTorch's).

Convolution is im2col: a strided window view of the (padded) input copied into a matrix and
multiplied by the weight matrix, one BLAS call per batch and group; its VJP scatters the
column gradients back with one strided add per kernel position. Everything goes through
``ctx.xp``, so the same code runs on numpy and cupy.
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import _dtype as D
from ..autograd.graph import apply
from .registry import Attr, OpDef, Sample, TensorSpec, broadcast_shapes, register, wrap_dim

__all__ = ["softmax", "log_softmax", "conv2d", "max_pool2d", "max_pool2d_with_indices",
           "mse_loss", "nll_loss"]

_SCALAR = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
           "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}
_REDUCTIONS = ("none", "mean", "sum")


def _dt(a) -> D.dtype:
    return D.from_numpy_dtype(a.dtype)


def _scalar_name(npdt) -> str:
    return _SCALAR[D.from_numpy_dtype(npdt).name]


def _not_implemented(kernel: str, npdt) -> NotImplementedError:
    return NotImplementedError(f'"{kernel}" not implemented for \'{_scalar_name(npdt)}\'')


def _as_strided(xp, a, shape, strides):
    return xp.lib.stride_tricks.as_strided(a, shape=shape, strides=strides)


# ======================================================================================
# softmax / log_softmax


class _SoftmaxBase(OpDef):
    """softmax / log_softmax along dim: ``fn(xp, a, dim)`` and its ``vjp(xp, g, y, dim)`` from the
    saved result ``y``."""

    family = "nn"
    attrs = (Attr("dim", "dim", doc="dimension the probabilities sum to one along",
                  keyword_only=False),)
    dtype_rule = "first"

    def infer(self, specs, attrs):
        s = specs[0]
        d = wrap_dim(attrs["dim"], len(s.shape))
        if not s.dtype.is_floating_point:
            raise self._not_float(d, len(s.shape), s.dtype.np)
        return [TensorSpec(tuple(s.shape), s.dtype, s.device)]

    def _not_float(self, d: int, ndim: int, npdt) -> NotImplementedError:
        """PyTorch's error for an input that is not floating (the kernel named depends on dim)."""
        lastdim = d == ndim - 1 or ndim == 0
        return _not_implemented(self.name + ("_lastdim_kernel_impl" if lastdim else "_kernel_impl"),
                                npdt)

    def forward(self, ctx, x, dim):
        d = wrap_dim(dim, x.ndim)
        if x.dtype.kind != "f":
            raise self._not_float(d, x.ndim, x.dtype)
        a = x.reshape(1) if x.ndim == 0 else x  # a 0-dim input works as one element
        y = a.copy() if a.size == 0 else self.fn(ctx.xp, a, d)
        y = y.reshape(x.shape)
        ctx.dim = d
        ctx.save(y)
        return y

    def backward(self, ctx, g):
        (y,) = ctx.saved
        if y.ndim == 0:
            return g * 0
        return self.vjp(ctx.xp, g, y, ctx.dim)

    def samples(self):
        yield Sample(((3, 4),), {"dim": 1})
        yield Sample(((3, 4),), {"dim": 0})
        yield Sample(((2, 3, 4),), {"dim": -1})
        yield Sample(((2, 3, 4),), {"dim": 1})
        yield Sample((("T", (4, 3)),), {"dim": 1}, note="non-contiguous")
        yield Sample(((5,),), {"dim": 0})
        yield Sample(((),), {"dim": 0}, note="0-dim")


@register
class Softmax(_SoftmaxBase):
    name = "softmax"
    doc = "exp(x) / sum(exp(x)) along dim: probabilities that sum to one."

    @staticmethod
    def fn(xp, a, d):
        y = xp.exp(a - a.max(axis=d, keepdims=True))
        y /= y.sum(axis=d, keepdims=True)
        return y

    @staticmethod
    def vjp(xp, g, y, d):
        gy = g * y
        return gy - y * gy.sum(axis=d, keepdims=True)


@register
class LogSoftmax(_SoftmaxBase):
    name = "log_softmax"
    doc = "x - logsumexp(x) along dim: log-probabilities, computed stably."

    @staticmethod
    def fn(xp, a, d):
        s = a - a.max(axis=d, keepdims=True)
        return s - xp.log(xp.exp(s).sum(axis=d, keepdims=True))

    @staticmethod
    def vjp(xp, g, y, d):
        return g - xp.exp(y) * g.sum(axis=d, keepdims=True)


def _softmax_dim(ndim: int) -> int:
    warnings.warn("Implicit dimension choice for softmax has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype=None):
    """Softmax along ``dim``; with ``dtype`` the input is cast first (as PyTorch)."""
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return apply(Softmax.INSTANCE, (input,), {"dim": dim})


def log_softmax(input, dim: int | None = None, _stacklevel: int = 3, dtype=None):
    """Log-softmax along ``dim``; with ``dtype`` the input is cast first (as PyTorch)."""
    if dim is None:
        dim = _softmax_dim(input.dim())
    if dtype is not None:
        input = input.to(dtype)
    return apply(LogSoftmax.INSTANCE, (input,), {"dim": dim})


# ======================================================================================
# conv2d


def _pair(v, name: str, message: str) -> tuple[int, int]:
    """An int or a 1- or 2-sequence as a pair (conv2d's and max_pool2d's size attributes); else
    RuntimeError(message) with ``{name}`` and ``{v}`` filled in."""
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return (int(v), int(v))
    v = tuple(int(x) for x in v)
    if len(v) == 1:
        return (v[0], v[0])
    if len(v) != 2:
        raise RuntimeError(message.format(name=name, v=list(v)))
    return v


_CONV_PAIR = ("expected {name} to be a single integer value or a list of 2 values to match the "
              "convolution dimensions, but got {name}={v}")


def _tuple2(v, name: str) -> tuple[int, int]:
    """conv2d's stride/padding/dilation as a pair, with PyTorch's message otherwise."""
    return _pair(v, name, _CONV_PAIR)


def _conv_geometry(xshape, wshape, bshape, stride, padding, dilation, groups):
    """Checks PyTorch makes, and the padding ((top, bottom), (left, right)) and output shape."""
    if len(xshape) not in (3, 4):
        raise RuntimeError("Expected 3D (unbatched) or 4D (batched) input to conv2d, but got "
                           f"input of size: {list(xshape)}")
    if len(wshape) != 4:
        raise RuntimeError(f"Expected 4-dimensional weight for 4-dimensional input "
                           f"{list(xshape)}, but got {len(wshape)}-dimensional weight of size "
                           f"{list(wshape)} instead")
    unbatched = len(xshape) == 3
    N, C, H, W = (1, *xshape) if unbatched else xshape
    O, Cg, kh, kw = wshape
    st, dl = _tuple2(stride, "stride"), _tuple2(dilation, "dilation")
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0), (0, 0))
        elif padding == "same":
            if st != (1, 1):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            tot = (dl[0] * (kh - 1), dl[1] * (kw - 1))
            pads = ((tot[0] // 2, tot[0] - tot[0] // 2), (tot[1] // 2, tot[1] - tot[1] // 2))
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = _tuple2(padding, "padding")
        if min(p) < 0:
            raise RuntimeError("negative padding is not supported")
        pads = ((p[0], p[0]), (p[1], p[1]))
    if min(st) <= 0:
        raise RuntimeError("non-positive stride is not supported")
    if min(dl) <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got {list(dl)}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if O % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                           f"at dimension 0, but got weight of size [{list(wshape)}] instead")
    if C != Cg * groups:
        xs = [N, C, H, W]
        raise RuntimeError(f"Given groups={groups}, weight of size {list(wshape)}, expected "
                           f"input{xs} to have {Cg * groups} channels, but got {C} channels "
                           "instead")
    if bshape is not None and (len(bshape) != 1 or bshape[0] != O):
        raise RuntimeError(f"Given weight of size {list(wshape)}, expected bias to be "
                           f"1-dimensional with {O} elements, but got bias of size "
                           f"{list(bshape)} instead")
    Hp, Wp = H + sum(pads[0]), W + sum(pads[1])
    ekh, ekw = dl[0] * (kh - 1) + 1, dl[1] * (kw - 1) + 1
    if Hp < ekh or Wp < ekw:
        raise RuntimeError(f"Calculated padded input size per channel: ({Hp} x {Wp}). Kernel "
                           f"size: ({ekh} x {ekw}). Kernel size can't be greater than actual "
                           "input size")
    Ho, Wo = (Hp - ekh) // st[0] + 1, (Wp - ekw) // st[1] + 1
    out = (O, Ho, Wo) if unbatched else (N, O, Ho, Wo)
    return st, pads, dl, out


def _conv_dtypes(xdt: D.dtype, wdt: D.dtype, bdt: D.dtype | None) -> None:
    if xdt is not wdt:  # (PyTorch's oneDNN path words this differently for some shapes)
        raise RuntimeError(f"expected scalar type {_SCALAR[xdt.name]} but found "
                           f"{_SCALAR[wdt.name]}")
    if bdt is not None and bdt is not xdt:
        raise RuntimeError(f"Input type ({_C_NAME.get(xdt.name, xdt.name)}) and bias type "
                           f"({_C_NAME.get(bdt.name, bdt.name)}) should be the same")


_C_NAME = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int"}


def _im2col(xp, x, pads, G, kh, kw, Ho, Wo, st, dl):
    """Columns (G, Cg*kh*kw, N*Ho*Wo) of the padded input: a strided window view copied once,
    with the (N, Ho, Wo) axes innermost so one wide GEMM per group does the convolution."""
    xpad = _pad(xp, x, pads)
    N, C = xpad.shape[:2]
    Cg = C // G
    sN, sC, sH, sW = xpad.strides
    win = _as_strided(xp, xpad, (G, Cg, kh, kw, N, Ho, Wo),
                      (sC * Cg, sC, sH * dl[0], sW * dl[1], sN, sH * st[0], sW * st[1]))
    return win.reshape(G, Cg * kh * kw, N * Ho * Wo)


def _pad(xp, x, pads):
    if pads[0] == (0, 0) and pads[1] == (0, 0):
        return x
    return xp.pad(x, ((0, 0), (0, 0), pads[0], pads[1]))


@register
class Conv2d(OpDef):
    name = "conv2d"
    grad_name = "ConvolutionBackward0"
    family = "nn"
    title = "conv2d"
    doc = "2-D cross-correlation of (N, C, H, W) input with (O, C/groups, kH, kW) weight."
    inputs = ("input", "weight", "bias")
    attrs = (
        Attr("stride", "ints", (1, 1), "step of the window (one int or (sH, sW))", range=(1, None)),
        Attr("padding", "ints", (0, 0),
             "zeros added on each side (int, (pH, pW), or the strings 'same' / 'valid')",
             range=(0, None)),
        Attr("dilation", "ints", (1, 1), "spacing between kernel elements", range=(1, None)),
        Attr("groups", "int", 1, "channel groups (in and out channels divisible by it)",
             range=(1, None)),
    )
    dtype_rule = "none"
    method = False

    def infer(self, specs, attrs):
        x, w = specs[0], specs[1]
        b = specs[2] if len(specs) > 2 and isinstance(specs[2], TensorSpec) else None
        a = {**self.defaults(), **attrs}
        _conv_dtypes(x.dtype, w.dtype, b.dtype if b is not None else None)
        _, _, _, out = _conv_geometry(x.shape, w.shape, b.shape if b is not None else None,
                                      a["stride"], a["padding"], a["dilation"], a["groups"])
        return [TensorSpec(out, x.dtype, x.device)]

    def forward(self, ctx, x, w, b=None, stride=(1, 1), padding=(0, 0), dilation=(1, 1),
                groups=1):
        _conv_dtypes(_dt(x), _dt(w), _dt(b) if b is not None else None)
        st, pads, dl, oshape = _conv_geometry(x.shape, w.shape, b.shape if b is not None
                                              else None, stride, padding, dilation, groups)
        xp = ctx.xp
        xb = x[None] if x.ndim == 3 else x
        N = xb.shape[0]
        O, Cg, kh, kw = w.shape
        Ho, Wo = oshape[-2:]
        G = groups
        cols = _im2col(xp, xb, pads, G, kh, kw, Ho, Wo, st, dl)
        wm = w.reshape(G, O // G, Cg * kh * kw)
        if G == 1:
            y = wm[0] @ cols[0]  # (O, N*L)
        else:
            y = xp.concatenate([wm[g] @ cols[g] for g in range(G)])
        y = xp.ascontiguousarray(y.reshape(O, N, Ho, Wo).transpose(1, 0, 2, 3))
        if b is not None:
            y += b.reshape(1, O, 1, 1)
        nig = ctx.needs_input_grad
        if nig:
            ctx.geom = (st, pads, dl, G)
            ctx.save(x if nig[1] else None, w if nig[0] else None)
        return y[0] if x.ndim == 3 else y

    def backward(self, ctx, g):
        x, w = ctx.saved
        st, pads, dl, G = ctx.geom
        nig = ctx.needs_input_grad
        xp = ctx.xp
        gb = g[None] if g.ndim == 3 else g
        N, O, Ho, Wo = gb.shape
        in_shape = ctx._in_meta[0][0]
        _, Cg, kh, kw = ctx._in_meta[1][0]
        K = Cg * kh * kw
        gi = gw = gbias = None
        if len(nig) > 2 and nig[2]:
            gbias = gb.sum(axis=(0, 2, 3))
        gm = xp.ascontiguousarray(gb.transpose(1, 0, 2, 3)).reshape(G, O // G, N * Ho * Wo)
        if nig[1]:
            xb = x[None] if x.ndim == 3 else x
            cols = _im2col(xp, xb, pads, G, kh, kw, Ho, Wo, st, dl)
            gw = xp.concatenate([gm[i] @ cols[i].T for i in range(G)]).reshape(O, Cg, kh, kw)
        if nig[0]:
            H, W = in_shape[-2:]
            wm = w.reshape(G, O // G, K)
            dcols = xp.concatenate([wm[i].T @ gm[i] for i in range(G)])  # (C*kh*kw, N*L)
            dcols = dcols.reshape(G * Cg, kh, kw, N, Ho, Wo)
            # col2im into a (C, N, Hp, Wp) buffer: one strided add per kernel position
            dx = xp.zeros((G * Cg, N, H + sum(pads[0]), W + sum(pads[1])), dtype=gb.dtype)
            for i in range(kh):
                r0 = i * dl[0]
                for j in range(kw):
                    c0 = j * dl[1]
                    dx[:, :, r0:r0 + st[0] * (Ho - 1) + 1:st[0],
                       c0:c0 + st[1] * (Wo - 1) + 1:st[1]] += dcols[:, i, j]
            gi = dx[:, :, pads[0][0]:pads[0][0] + H, pads[1][0]:pads[1][0] + W]
            gi = gi.transpose(1, 0, 2, 3)
            gi = gi[0] if len(in_shape) == 3 else gi
        return gi, gw, gbias

    def samples(self):
        yield Sample(((2, 3, 7, 6), (4, 3, 3, 3), (4,)))
        yield Sample(((1, 1, 8, 8), (6, 1, 5, 5), (6,)), note="LeNet's first layer")
        yield Sample(((2, 4, 9, 8), (6, 2, 3, 2), (6,)),
                     {"stride": (2, 1), "padding": (1, 2), "dilation": (2, 1), "groups": 2})
        yield Sample(((1, 2, 6, 6), (3, 2, 4, 3), (3,)), {"padding": "same"},
                     note="'same' with an even kernel")
        yield Sample(((3, 5, 5), (2, 3, 3, 3), (2,)), {"padding": 1}, note="unbatched")
        yield Sample((("T", (2, 2, 5, 6)), (3, 2, 2, 2), (3,)), {"stride": 2},
                     note="non-contiguous")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups: int = 1):
    """2-D convolution (cross-correlation), as ``torch.nn.functional.conv2d``."""
    attrs = {"stride": _tuple2(stride, "stride"), "dilation": _tuple2(dilation, "dilation"),
             "padding": padding if isinstance(padding, str) else _tuple2(padding, "padding"),
             "groups": int(groups)}
    if input.dim() == 3:  # PyTorch runs unbatched input as a batch of one
        from .. import functional as _F
        out = apply(Conv2d.INSTANCE, (_F.unsqueeze(input, 0), weight, bias), attrs)
        return _F.squeeze(out, 0)
    return apply(Conv2d.INSTANCE, (input, weight, bias), attrs)


# ======================================================================================
# max_pool2d


_POOL_PAIR = {
    "kernel_size": "max_pool2d: kernel_size must either be a single int, or a tuple of two ints",
    "stride": "max_pool2d: stride must either be omitted, a single int, or a tuple of two ints",
    "padding": "max_pool2d: padding must either be a single int, or a tuple of two ints",
    "dilation": "max_pool2d: dilation must be either a single int, or a tuple of two ints",
}


def _pool_pair(v, what: str, default=None) -> tuple[int, int]:
    """A max_pool2d size attribute as a pair; ``default`` when omitted (None, or stride=())."""
    if v is None or (what == "stride" and isinstance(v, (tuple, list)) and len(v) == 0):
        return default
    return _pair(v, what, _POOL_PAIR[what])


def _pool_out(size: int, k: int, pad: int, st: int, dl: int, ceil: bool) -> int:
    num = size + 2 * pad - dl * (k - 1) - 1 + (st - 1 if ceil else 0)
    out = num // st + 1
    if ceil and (out - 1) * st >= size + pad:
        out -= 1
    return out


def _pool_geometry(xshape, kernel_size, stride, padding, dilation, ceil_mode):
    k = _pool_pair(kernel_size, "kernel_size")
    st = _pool_pair(stride, "stride", k)
    p = _pool_pair(padding, "padding")
    dl = _pool_pair(dilation, "dilation")
    if st[0] == 0 or st[1] == 0:
        raise RuntimeError("stride should not be zero")
    if k[0] <= 0 or k[1] <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {k[0]} "
                           f"kW: {k[1]}")
    if st[0] < 0 or st[1] < 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {st[0]} "
                           f"dW: {st[1]}")
    if dl[0] <= 0 or dl[1] <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dl[0]} "
                           f"dilationW: {dl[1]}")
    if len(xshape) not in (3, 4) or any(n == 0 for n in xshape[-3:]):
        raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    if p[0] < 0 or p[1] < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {min(p)}")
    for i in range(2):
        if p[i] > (dl[i] * (k[i] - 1) + 1) // 2:
            raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                               f"pad={p[i]}, kernel_size={k[i]} and dilation={dl[i]}")
    C, H, W = xshape[-3:]
    Ho = _pool_out(H, k[0], p[0], st[0], dl[0], ceil_mode)
    Wo = _pool_out(W, k[1], p[1], st[1], dl[1], ceil_mode)
    if Ho < 1 or Wo < 1:
        raise RuntimeError(f"Given input size: ({C}x{H}x{W}). Calculated output size: "
                           f"({C}x{Ho}x{Wo}). Output size is too small")
    return k, st, p, dl, (*xshape[:-2], Ho, Wo)


class _MaxPoolBase(OpDef):
    grad_name = "MaxPool2DWithIndicesBackward0"
    family = "nn"
    attrs = (
        Attr("kernel_size", "ints", doc="window size (one int or (kH, kW))", range=(1, None),
             keyword_only=False),
        Attr("stride", "ints", None, "window step; None means kernel_size", range=(1, None),
             optional=True, keyword_only=False),
        Attr("padding", "ints", (0, 0), "implicit -inf padding on each side", range=(0, None),
             keyword_only=False),
        Attr("dilation", "ints", (1, 1), "spacing between window elements", range=(1, None),
             keyword_only=False),
        Attr("ceil_mode", "bool", False, "round the output size up instead of down",
             keyword_only=False),
    )
    dtype_rule = "none"
    method = False

    def infer(self, specs, attrs):
        s = specs[0]
        a = {**self.defaults(), **attrs}
        *_, out = _pool_geometry(s.shape, a["kernel_size"], a["stride"], a["padding"],
                                 a["dilation"], a["ceil_mode"])
        res = [TensorSpec(out, s.dtype, s.device)]
        if len(self.outputs) == 2:
            res.append(TensorSpec(out, D.int64, s.device))
        return res

    def _pool(self, ctx, x, kernel_size, stride, padding, dilation, ceil_mode, indices):
        """Max values, the kernel position of each maximum (saved for backward) and, when
        asked, PyTorch's flat indices into each H*W plane. One vectorised pass per kernel
        position; ties keep the first maximum and NaN wins, as PyTorch's kernel does."""
        k, st, p, dl, oshape = _pool_geometry(x.shape, kernel_size, stride, padding, dilation,
                                              ceil_mode)
        xp = ctx.xp
        H, W = x.shape[-2:]
        Ho, Wo = oshape[-2:]
        xb = x.reshape(-1, H, W)
        # pad with the lowest value; ceil_mode may let the last window run past the input
        pads = ((p[0], p[0] + max(0, (Ho - 1) * st[0] + dl[0] * (k[0] - 1) + 1 - H - 2 * p[0])),
                (p[1], p[1] + max(0, (Wo - 1) * st[1] + dl[1] * (k[1] - 1) + 1 - W - 2 * p[1])))
        if any(pads[0]) or any(pads[1]):
            low = -np.inf if x.dtype.kind == "f" else (
                False if x.dtype.kind == "b" else np.iinfo(x.dtype).min)
            xb = xp.pad(xb, ((0, 0), pads[0], pads[1]), constant_values=low)
        sB, sH, sW = xb.strides
        win = _as_strided(xp, xb, (xb.shape[0], k[0], k[1], Ho, Wo),
                          (sB, sH * dl[0], sW * dl[1], sH * st[0], sW * st[1]))
        best = win[:, 0, 0].copy()
        need_arg = indices or bool(ctx.needs_input_grad)
        arg = xp.zeros(best.shape, dtype=np.int16 if k[0] * k[1] < 2**15 else np.int32) \
            if need_arg else None
        floating = x.dtype.kind == "f"
        for kk in range(1, k[0] * k[1]):
            v = win[:, kk // k[1], kk % k[1]]
            if not need_arg:
                xp.maximum(best, v, out=best)  # propagates NaN
                continue
            upd = v > best
            if floating:
                upd |= v != v  # NaN
            xp.copyto(best, v, where=upd)
            xp.copyto(arg, kk, where=upd)
        ctx.pool = (k, st, dl, pads, xb.shape)
        idx = None
        if indices:
            rows = xp.arange(Ho).reshape(Ho, 1) * st[0] - p[0] + (arg // k[1]) * dl[0]
            cols = xp.arange(Wo).reshape(1, Wo) * st[1] - p[1] + (arg % k[1]) * dl[1]
            idx = (rows.astype(np.int64) * W + cols).reshape(oshape)
        return best.reshape(oshape), arg, idx

    def backward(self, ctx, g, *rest):
        (arg,) = ctx.saved
        k, st, dl, pads, pshape = ctx.pool
        xp = ctx.xp
        shape = ctx._in_meta[0][0]
        H, W = shape[-2:]
        B, Ho, Wo = arg.shape
        gb = g.reshape(B, Ho, Wo)
        gx = xp.zeros(pshape, dtype=g.dtype)
        zero = g.dtype.type(0)
        for kk in range(k[0] * k[1]):
            i, j = divmod(kk, k[1])
            r0, c0 = i * dl[0], j * dl[1]
            gx[:, r0:r0 + st[0] * (Ho - 1) + 1:st[0], c0:c0 + st[1] * (Wo - 1) + 1:st[1]] += \
                xp.where(arg == kk, gb, zero)
        return gx[:, pads[0][0]:pads[0][0] + H, pads[1][0]:pads[1][0] + W].reshape(shape)

    def samples(self):
        yield Sample(((2, 3, 8, 8),), {"kernel_size": (2, 2)})
        yield Sample(((1, 2, 7, 9),), {"kernel_size": (3, 3), "stride": (2, 2),
                                       "padding": (1, 1)}, note="overlapping windows")
        yield Sample(((1, 1, 9, 9),), {"kernel_size": (3, 2), "stride": (2, 3),
                                       "dilation": (2, 1)})
        yield Sample(((2, 5, 5),), {"kernel_size": (2, 2), "ceil_mode": True},
                     note="unbatched, ceil_mode")
        yield Sample((("T", (1, 2, 6, 6)),), {"kernel_size": (2, 2)}, note="non-contiguous")


@register
class MaxPool2d(_MaxPoolBase):
    name = "max_pool2d"
    doc = "Maximum over sliding kH x kW windows of each channel."

    def forward(self, ctx, x, kernel_size, stride=None, padding=(0, 0), dilation=(1, 1),
                ceil_mode=False):
        vals, arg, _ = self._pool(ctx, x, kernel_size, stride, padding, dilation, ceil_mode,
                                  False)
        if ctx.needs_input_grad:
            ctx.save(arg)
        return vals


@register
class MaxPool2dWithIndices(_MaxPoolBase):
    name = "max_pool2d_with_indices"
    doc = "max_pool2d that also returns the flat index in each H*W plane of every maximum."
    outputs = ("out", "indices")
    differentiable_outputs = (True, False)

    def forward(self, ctx, x, kernel_size, stride=None, padding=(0, 0), dilation=(1, 1),
                ceil_mode=False):
        vals, arg, idx = self._pool(ctx, x, kernel_size, stride, padding, dilation, ceil_mode,
                                    True)
        if ctx.needs_input_grad:
            ctx.save(arg)
        return vals, idx

    def samples(self):
        yield Sample(((2, 3, 8, 8),), {"kernel_size": (2, 2)})
        yield Sample(((1, 2, 7, 9),), {"kernel_size": (3, 3), "stride": (2, 2),
                                       "padding": (1, 1)}, note="overlapping windows")


def _pool_attrs(kernel_size, stride, padding, dilation, ceil_mode) -> dict:
    k = _pool_pair(kernel_size, "kernel_size")
    return {"kernel_size": k, "stride": _pool_pair(stride, "stride", k),
            "padding": _pool_pair(padding, "padding"),
            "dilation": _pool_pair(dilation, "dilation"), "ceil_mode": bool(ceil_mode)}


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode: bool = False,
               return_indices: bool = False):
    """2-D max pooling; ``return_indices=True`` also returns the argmax indices."""
    attrs = _pool_attrs(kernel_size, stride, padding, dilation, ceil_mode)
    if return_indices:
        return apply(MaxPool2dWithIndices.INSTANCE, (input,), attrs)
    return apply(MaxPool2d.INSTANCE, (input,), attrs)


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode: bool = False, return_indices: bool = True):
    """2-D max pooling returning ``(values, indices)``."""
    return apply(MaxPool2dWithIndices.INSTANCE, (input,),
                 _pool_attrs(kernel_size, stride, padding, dilation, ceil_mode))


# ======================================================================================
# losses


def _reduction_attr() -> Attr:
    return Attr("reduction", "choice", "mean", "how per-element losses are combined",
                choices=_REDUCTIONS)


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def legacy_reduction(size_average, reduce, reduction: str) -> str:
    """PyTorch's mapping of the deprecated size_average/reduce flags to ``reduction``."""
    if size_average is None and reduce is None:
        return reduction
    warnings.warn("size_average and reduce args will be deprecated, please use "
                  "reduction='sum' instead." if size_average is False else
                  "size_average and reduce args will be deprecated, please use "
                  "reduction='mean' instead.", UserWarning, stacklevel=3)
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        return "mean"
    return "sum" if reduce else "none"


@register
class MseLoss(OpDef):
    name = "mse_loss"
    family = "loss"
    title = "mse_loss"
    doc = "Mean squared error: (input - target)**2, reduced by mean, sum or none."
    inputs = ("input", "target")
    attrs = (_reduction_attr(),)
    method = False

    def compute_dtype(self, operands, attrs):
        # PyTorch broadcasts input and target to one shape first, so a 0-dim operand
        # promotes like a dimensioned one
        return D.promote_types(operands[0].dtype, operands[1].dtype)

    def infer(self, specs, attrs):
        x, t = specs
        shape = broadcast_shapes(x.shape, t.shape)
        dt = D.promote_types(x.dtype, t.dtype)
        if not dt.is_floating_point:
            raise _not_implemented("mse_cpu", dt.np)
        red = attrs.get("reduction", "mean")
        _check_reduction(red)
        return [TensorSpec(shape if red == "none" else (), dt, x.device)]

    def forward(self, ctx, x, t, reduction="mean"):
        _check_reduction(reduction)
        if x.dtype.kind != "f":
            raise _not_implemented("mse_cpu", x.dtype)
        if x.shape != t.shape:
            broadcast_shapes(x.shape, t.shape)  # PyTorch's message when they do not broadcast
        d = x - t
        sq = d * d
        if reduction == "sum":
            out = sq.sum()
        elif reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                out = sq.sum() / sq.dtype.type(sq.size) if sq.size else sq.sum() * np.nan
        else:
            out = sq
        if ctx.needs_input_grad:
            ctx.reduction = reduction
            ctx.save(d)
        return out

    def backward(self, ctx, g):
        (d,) = ctx.saved
        scale = 2.0 / d.size if ctx.reduction == "mean" and d.size else 2.0
        gx = d * (g * d.dtype.type(scale))
        nig = ctx.needs_input_grad
        return (gx if nig[0] else None), (-gx if nig[1] else None)

    def samples(self):
        yield Sample(((3, 4), (3, 4)))
        yield Sample(((3, 4), (3, 4)), {"reduction": "sum"})
        yield Sample(((3, 4), (3, 4)), {"reduction": "none"})
        yield Sample(((2, 3, 4), (2, 3, 4)), {"reduction": "mean"})
        yield Sample((("T", (4, 3)), (4, 3)), note="non-contiguous")
        yield Sample(((), ()), note="0-dim")


def mse_loss(input, target, size_average=None, reduce=None, reduction: str = "mean",
             weight=None):
    """Mean squared error, as ``torch.nn.functional.mse_loss``."""
    if weight is not None:
        raise NotImplementedError("mse_loss with weight is not supported by this engine")
    if tuple(target.shape) != tuple(input.shape):
        warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                      f"size ({input.shape}). This will likely lead to incorrect results due to "
                      "broadcasting. Please ensure they have the same size.", UserWarning,
                      stacklevel=2)
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    return apply(MseLoss.INSTANCE, (input, target), {"reduction": reduction})


def _nll_check(xshape, xdt: D.dtype, tshape, tdt: D.dtype, wshape, wdt, kernel: str) -> None:
    """PyTorch's checks of nll_loss's arguments (shape, dtype and weight)."""
    if len(xshape) == 0:
        raise ValueError("Expected 1 or more dimensions (got 0)")
    if tdt.name not in ("int64", "uint8"):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_SCALAR[tdt.name]}")
    if len(xshape) == 1:
        if len(tshape) > 1 or (len(tshape) == 1 and tshape[0] != 1):
            raise ValueError(f"Expected input batch_size (1) to match target batch_size "
                             f"({tshape[0]}).")
    else:
        nt = tshape[0] if tshape else 0
        if xshape[0] != nt:
            raise ValueError(f"Expected input batch_size ({xshape[0]}) to match target "
                             f"batch_size ({nt}).")
        if len(xshape) > 2 and tuple(tshape) != (xshape[0], *xshape[2:]):
            raise RuntimeError(f"size mismatch (got input: {list(xshape)} , target: "
                               f"{list(tshape)}")
    C = xshape[0] if len(xshape) == 1 else xshape[1]
    if wshape is not None and (len(wshape) != 1 or wshape[0] != C):
        raise RuntimeError(f"weight tensor should be defined either for all {C} classes or no "
                           f"classes but got weight tensor of shape: {list(wshape)}")
    if not xdt.is_floating_point:
        raise _not_implemented(kernel, xdt.np)
    if wdt is not None and wdt is not xdt:
        raise RuntimeError(f"expected scalar type {_SCALAR[xdt.name]} but found "
                           f"{_SCALAR[wdt.name]}")


class _NllBase(OpDef):
    family = "loss"
    inputs = ("input", "target", "weight")
    attrs = (Attr("ignore_index", "int", -100, "target value that contributes nothing"),
             _reduction_attr())
    dtype_rule = "none"
    method = False
    kernel = "nll_loss_out_frame"

    def infer(self, specs, attrs):
        x, t = specs[0], specs[1]
        w = specs[2] if len(specs) > 2 and isinstance(specs[2], TensorSpec) else None
        red = attrs.get("reduction", "mean")
        _check_reduction(red)
        _nll_check(x.shape, x.dtype, t.shape, t.dtype, w.shape if w else None,
                   w.dtype if w else None, self.kernel)
        return [TensorSpec(tuple(t.shape) if red == "none" else (), x.dtype, x.device)]

    def forward(self, ctx, x, t, w=None, ignore_index=-100, reduction="mean"):
        _check_reduction(reduction)
        _nll_check(x.shape, _dt(x), t.shape, _dt(t), w.shape if w is not None else None,
                   _dt(w) if w is not None else None, self.kernel)
        xp = ctx.xp
        tshape = t.shape
        if x.ndim == 1:
            x, t = x[None], t.reshape(1)
        t = t.astype(np.int64, copy=False)
        C = x.shape[1]
        valid = t != ignore_index
        tt = xp.where(valid, t, 0)
        if tt.size and (int(tt.min()) < 0 or int(tt.max()) >= C):
            bad = (tt < 0) | (tt >= C)
            raise IndexError(f"Target {int(t[bad].ravel()[0])} is out of bounds.")
        if x.ndim == 2:
            picked = x[xp.arange(x.shape[0]), tt]
        else:
            picked = xp.take_along_axis(x, xp.expand_dims(tt, 1), axis=1)[:, 0]
        wt = valid.astype(x.dtype) if w is None else w[tt] * valid
        loss = -(picked * wt)
        total = None
        if reduction == "none":
            out = loss.reshape(tshape)
        elif reduction == "sum":
            out = loss.sum()
        else:
            total = wt.sum()
            with np.errstate(invalid="ignore", divide="ignore"):
                out = loss.sum() / total
        if ctx.needs_input_grad:
            ctx.reduction = reduction
            ctx.save(tt, wt, total)
        return out

    def backward(self, ctx, g):
        tt, wt, total = ctx.saved
        xp = ctx.xp
        shape = ctx._in_meta[0][0]
        coef = -wt * g.reshape(wt.shape if ctx.reduction == "none" else ())
        if total is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                coef = coef / total
        C = shape[0] if len(shape) == 1 else shape[1]
        classes = xp.arange(C).reshape((1, C) + (1,) * (tt.ndim - 1))
        gi = (xp.expand_dims(tt, 1) == classes) * xp.expand_dims(coef, 1)
        return gi.astype(coef.dtype, copy=False).reshape(shape), None, None

    def samples(self):
        yield Sample(((3, 5), ("int", (3,), 0, 5)))
        yield Sample(((4, 3), ("int", (4,), 0, 3)), {"reduction": "sum"})
        yield Sample(((4, 3), ("int", (4,), 0, 3)), {"reduction": "none"})
        yield Sample(((4, 3), ("int", (4,), 0, 3)), {"ignore_index": 1})
        yield Sample((("T", (3, 4)), ("int", (3,), 0, 4)), note="non-contiguous")
        yield Sample(((5,), ("int", (), 0, 5)), note="unbatched")


@register
class NllLoss(_NllBase):
    name = "nll_loss"
    doc = "Negative log-likelihood: -input[n, target[n]], weighted, reduced."


@register
class NllLoss2d(_NllBase):
    # PyTorch's function is nll_loss for every rank; 4-D input gets its own node type, so
    # this op has its own registry key
    name = "nll_loss"
    key = "nll_loss2d"
    grad_name = "NllLoss2DBackward0"
    title = "nll_loss2d"
    doc = "nll_loss over (N, C, H, W) scores and (N, H, W) targets."
    kernel = "nll_loss2d_forward_out_frame"

    def samples(self):
        yield Sample(((2, 3, 4, 5), ("int", (2, 4, 5), 0, 3)))
        yield Sample(((2, 3, 2, 2), ("int", (2, 2, 2), 0, 3)), {"reduction": "none"})


def nll_loss(input, target, weight=None, size_average=None, ignore_index: int = -100,
             reduce=None, reduction: str = "mean"):
    """Negative log-likelihood loss on log-probabilities, as PyTorch's."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    attrs = {"ignore_index": int(ignore_index), "reduction": reduction}
    nd = input.dim()
    if nd <= 2:
        return apply(NllLoss.INSTANCE, (input, target, weight), attrs)
    if nd == 4:
        return apply(NllLoss2d.INSTANCE, (input, target, weight), attrs)
    # other ranks run as 4-D through views, as PyTorch does
    _nll_check(tuple(input.shape), input.dtype, tuple(target.shape), target.dtype,
               tuple(weight.shape) if weight is not None else None,
               weight.dtype if weight is not None else None, NllLoss2d.kernel)
    n, c = input.shape[0], input.shape[1]
    out_shape = tuple(target.shape)
    x4 = input.contiguous().view(n, c, 1, -1)
    t3 = target.contiguous().view(n, 1, -1)
    out = apply(NllLoss2d.INSTANCE, (x4, t3, weight), attrs)
    return out.view(out_shape) if reduction == "none" else out


# ======================================================================================
# composites: built from registered ops, so their grad_fn chains are PyTorch's


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``: addmm for 2-D input with bias (AddmmBackward0), matmul
    without bias, addmm on a flattened view for other ranks, as PyTorch does."""
    from .. import functional as _F
    if input.dim() == 0 or weight.dim() == 0:
        raise RuntimeError("both arguments to linear need to be at least 1D, but they are "
                           f"{input.dim()}D and {weight.dim()}D")
    wt = _F.t(weight)
    if bias is None or weight.dim() != 2:
        out = _F.matmul(input, wt)
        return out if bias is None else _F.add(out, bias)
    if input.dim() == 2:
        return _F.addmm(bias, input, wt)
    out = _F.addmm(bias, input.reshape(-1, input.shape[-1]), wt)
    return out.view(*input.shape[:-1], out.shape[-1])


def cross_entropy(input, target, weight=None, size_average=None, ignore_index: int = -100,
                  reduce=None, reduction: str = "mean", label_smoothing: float = 0.0):
    """log_softmax then nll_loss (class-index targets), or the soft-label form for
    probability targets of the input's shape; ``label_smoothing`` as PyTorch's."""
    reduction = legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    class_dim = 0 if input.dim() == 1 else 1
    lsm = log_softmax(input, class_dim)
    if target.is_floating_point() and tuple(target.shape) == tuple(input.shape):
        return _soft_cross_entropy(lsm, target, weight, ignore_index, reduction,
                                   label_smoothing, class_dim)
    if input.dim() <= 2 and target.dim() > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    nll = nll_loss(lsm, target, weight, None, ignore_index, None, reduction)
    if label_smoothing == 0.0:
        return nll
    from .. import functional as _F
    C = input.shape[class_dim]
    if weight is not None:
        wshape = [1] * input.dim()
        wshape[class_dim] = C
        smooth = _F.neg(_F.sum(_F.mul(lsm, weight.reshape(wshape)), class_dim))
    else:
        smooth = _F.neg(_F.sum(lsm, class_dim))
    ignore = _F.eq(target, ignore_index)
    smooth = _F.masked_fill(smooth, ignore, 0.0)
    if reduction == "mean":
        keep = ~ignore._data
        t = target._data[keep].astype(np.int64)
        denom = (weight._data[t].sum() if weight is not None else keep.sum())
        ret = _F.div(_F.sum(smooth), float(denom))
    elif reduction == "sum":
        ret = _F.sum(smooth)
    else:
        ret = smooth
    return _F.add(_F.mul(nll, 1.0 - label_smoothing), _F.mul(ret, label_smoothing / C))


def _soft_cross_entropy(lsm, target, weight, ignore_index, reduction, label_smoothing,
                        class_dim):
    from .. import functional as _F
    if ignore_index >= 0:
        raise RuntimeError("ignore_index is not supported for floating point target")
    C = lsm.shape[class_dim]
    if label_smoothing > 0:
        target = _F.add(_F.mul(target, 1.0 - label_smoothing), label_smoothing / C)
    prod_ = _F.mul(lsm, target)
    if weight is not None:
        wshape = [1] * lsm.dim()
        wshape[class_dim] = C
        prod_ = _F.mul(prod_, weight.reshape(wshape))
    if reduction == "none":
        return _F.neg(_F.sum(prod_, class_dim))
    if reduction == "sum":
        return _F.neg(_F.sum(prod_))
    n = lsm.numel() / C if lsm.numel() else float("nan")
    return _F.div(_F.neg(_F.sum(prod_)), n)
