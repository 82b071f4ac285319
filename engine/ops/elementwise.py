"""Elementwise ops: arithmetic, unary math, activations, comparisons, where, clamp, fill/copy.

Each op is one class: forward on arrays (``ctx.xp`` is numpy or cupy) with its VJP beside it,
saving only what the VJP reads. Ops whose PyTorch ``grad_fn`` name depends on whether an
argument is a Python number (``2 - x`` is ``RsubBackward1``, ``x.pow(2)`` ``PowBackward0``,
``x.clamp(0, 1)`` ``ClampBackward1``) are separate registered ops with that number as an
attribute; the public functions pick the op.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .. import _dtype as D
from ..autograd.graph import _scalar_type_name, apply, apply_inplace
from ..autograd.grad_mode import is_grad_enabled
from ..tensor import Tensor
from .registry import REQUIRED, Attr, OpDef, Sample, TensorSpec, broadcast_shapes, register

__all__ = [
    "add", "add_", "sub", "sub_", "subtract", "rsub", "mul", "mul_", "multiply",
    "div", "div_", "divide", "true_divide", "remainder", "remainder_",
    "neg", "neg_", "negative", "reciprocal", "reciprocal_", "pow", "pow_", "square", "square_",
    "sqrt", "sqrt_", "rsqrt", "rsqrt_", "exp", "exp_", "log", "log_", "log2", "log2_",
    "log10", "log10_", "log1p", "log1p_", "abs", "abs_", "absolute", "sin", "sin_", "cos", "cos_",
    "tanh", "tanh_", "sigmoid", "sigmoid_", "relu", "relu_", "sign", "sign_", "floor", "floor_",
    "ceil", "ceil_", "round", "round_", "clamp", "clamp_", "clip", "clip_", "maximum", "minimum",
    "where", "eq", "ne", "lt", "le", "gt", "ge", "isnan", "isinf", "isfinite",
    "logical_not", "logical_and", "logical_or", "logical_xor", "bitwise_not",
    "bitwise_and", "bitwise_or", "bitwise_xor",
    "equal", "allclose", "fill_", "zero_", "copy_",
]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


# PyTorch gives inf and nan without a word where numpy warns (log(0), 1/0, overflow). np.errstate
# costs about as much as a small op, so the numpy error state is set through its context variable
# directly where numpy exposes it (numpy 2), and through np.errstate otherwise. cupy never warns.
try:
    from numpy._core._ufunc_config import _extobj_contextvar as _ERRVAR
    from numpy._core.umath import _make_extobj

    _IGNORE = _make_extobj(all="ignore")
except Exception:  # pragma: no cover - other numpy layouts
    _ERRVAR = None


class _Quiet:
    """``with _quiet():`` silences numpy's floating-point warnings inside the block."""

    __slots__ = ("_token",)

    def __enter__(self):
        self._token = _ERRVAR.set(_IGNORE)

    def __exit__(self, *exc):
        _ERRVAR.reset(self._token)


_quiet = _Quiet if _ERRVAR is not None else (lambda: np.errstate(all="ignore"))


def _q(f, *args):
    """``f(*args)`` with numpy's floating-point warnings silenced (the cheap one-call form)."""
    if _ERRVAR is None:  # pragma: no cover
        with np.errstate(all="ignore"):
            return f(*args)
    token = _ERRVAR.set(_IGNORE)
    try:
        return f(*args)
    finally:
        _ERRVAR.reset(token)


# --------------------------------------------------------------------------------------
# base classes


class Binary(OpDef):
    """Two broadcast inputs; ``other`` may be a Python number."""

    inputs = ("input", "other")
    scalar_inputs = ("other",)
    has_inplace = True

    def infer(self, specs, attrs):
        return _broadcast_infer(self, specs, attrs)

    def samples(self):
        yield Sample(((3, 4), (3, 4)))
        yield Sample(((2, 3, 4), (4,)), note="broadcast")
        yield Sample(((3, 1), (1, 4)), note="broadcast both")
        yield Sample((("T", (3, 4)), (3, 4)), note="non-contiguous")
        yield Sample(((3, 4), 2.5), note="python scalar")
        yield Sample(((), (2, 3)), note="0-dim")


def _broadcast_infer(op, specs, attrs, dtype=None):
    """Inference for broadcast ops: the broadcast shape and compute_dtype (or ``dtype``)."""
    tensors = [s for s in specs if isinstance(s, TensorSpec)]
    shape = broadcast_shapes(*(s.shape for s in tensors))
    if dtype is None:
        dtype = op.compute_dtype([_SpecLike(s) if isinstance(s, TensorSpec) else s
                                  for s in specs], attrs)
    return [TensorSpec(shape, dtype, tensors[0].device if tensors else "cpu")]


class _SpecLike:
    """Lets result_type read a TensorSpec as it reads a tensor."""

    __slots__ = ("dtype", "_data")

    def __init__(self, spec):
        self.dtype = spec.dtype
        self._data = np.empty((0,) * len(spec.shape)) if spec.shape else np.empty(())


class Unary(OpDef):
    """One input, same shape out. ``domain`` bounds the sample values (log needs x > 0)."""

    family = "math"
    has_inplace = True
    domain = (-2.0, 2.0)

    def samples(self):
        d = self.domain
        yield Sample(((3, 4),), domain=d)
        yield Sample(((2, 3, 4),), domain=d)
        yield Sample((("T", (3, 4)),), domain=d, note="non-contiguous")
        yield Sample(((),), domain=d, note="0-dim")


class FloatUnary(Unary):
    """A unary op whose result is floating: int and bool inputs become the default float."""

    dtype_rule = "float"


class Stepwise(Unary):
    """Piecewise-constant ops (sign, floor, ...): the gradient is zero; nothing is saved."""

    def forward(self, ctx, a, **attrs):
        return self.fn(ctx.xp, a, **attrs)

    def backward(self, ctx, g):
        return ctx.xp.zeros_like(g)

    def samples(self):
        for s in super().samples():
            s.gradcheck = False
            yield s


class Comparison(Binary):
    """Elementwise comparison after type promotion; a bool result with no gradient."""

    family = "comparison"
    differentiable = False
    has_inplace = False

    def infer(self, specs, attrs):
        return _broadcast_infer(self, specs, attrs, D.bool_)

    def forward(self, ctx, a, b):
        return self.fn(a, b)

    def samples(self):
        for s in super().samples():
            s.grad = False
            yield s


class Predicate(Unary):
    """isnan/isinf/...: a bool result, no gradient, no promotion."""

    family = "comparison"
    differentiable = False
    has_inplace = False
    dtype_rule = "none"

    def forward(self, ctx, a):
        return self.fn(ctx.xp, a)

    def samples(self):
        for s in super().samples():
            s.grad = False
            yield s


class Logical(Binary):
    """logical_and/or/xor: tensors of any dtype, a bool result, no gradient."""

    family = "logical"
    differentiable = False
    has_inplace = False
    method = False
    scalar_inputs = ()
    dtype_rule = "none"

    def infer(self, specs, attrs):
        return _broadcast_infer(self, specs, attrs, D.bool_)

    def forward(self, ctx, a, b):
        return self.fn(ctx.xp, a, b)

    def samples(self):
        yield Sample((("int", (3, 4), 0, 2), ("int", (3, 4), 0, 2)), grad=False)
        yield Sample(((3, 4), ("int", (4,), 0, 2)), grad=False, note="broadcast, mixed dtypes")


# --------------------------------------------------------------------------------------
# arithmetic


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
class Sub(Binary):
    name = "sub"
    doc = "input - alpha * other, broadcast."
    attrs = (Attr("alpha", "scalar", 1, "multiplier of other"),)

    def forward(self, ctx, a, b, alpha=1):
        if alpha != 1:
            b = b * alpha
        ctx.alpha = alpha
        return ctx.xp.subtract(a, b)

    def backward(self, ctx, g):
        nig = ctx.needs_input_grad
        gb = None
        if nig[1]:
            gb = -g if ctx.alpha == 1 else g * -ctx.alpha
        return (g if nig[0] else None), gb


@register
class Rsub(Binary):
    name = "rsub"
    doc = "other - alpha * input (tensor other), broadcast."
    attrs = (Attr("alpha", "scalar", 1, "multiplier of input"),)
    has_inplace = False

    def forward(self, ctx, a, b, alpha=1):
        if alpha != 1:
            a = a * alpha
        ctx.alpha = alpha
        return ctx.xp.subtract(b, a)

    def backward(self, ctx, g):
        nig = ctx.needs_input_grad
        ga = None
        if nig[0]:
            ga = -g if ctx.alpha == 1 else g * -ctx.alpha
        return ga, (g if nig[1] else None)

    def samples(self):
        yield Sample(((3, 4), (3, 4)))
        yield Sample(((2, 3, 4), (4,)), attrs={"alpha": 2}, note="broadcast, alpha")
        yield Sample((("T", (3, 4)), (1, 4)), note="non-contiguous")


@register
class RsubScalar(OpDef):
    name = "rsub"
    key = "rsub.Scalar"
    overload = 1
    doc = "other - alpha * input, for a number other (2 - x)."
    attrs = (Attr("other", "scalar", REQUIRED, "the number input is subtracted from",
                  keyword_only=False),
             Attr("alpha", "scalar", 1, "multiplier of input"))

    def compute_dtype(self, operands, attrs):
        return D.result_type(operands[0], attrs["other"])

    def forward(self, ctx, a, other, alpha=1):
        ctx.alpha = alpha
        return other - (a if alpha == 1 else a * alpha)

    def backward(self, ctx, g):
        return -g if ctx.alpha == 1 else g * -ctx.alpha

    def samples(self):
        yield Sample(((3, 4),), attrs={"other": 2.0})
        yield Sample((("T", (3, 4)),), attrs={"other": 1, "alpha": 3}, note="non-contiguous")
        yield Sample(((),), attrs={"other": -1.5}, note="0-dim")


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


_ROUNDING = (None, "trunc", "floor")


@register
class Div(Binary):
    name = "div"
    doc = "input / other; rounding_mode 'trunc' or 'floor' rounds the quotient."
    attrs = (Attr("rounding_mode", "choice", None, "None: true division; 'trunc'; 'floor'",
                  choices=_ROUNDING, optional=True),)

    def grad_fn_name(self, attrs):
        return "DivBackward0" if attrs.get("rounding_mode") is None else "DivBackward2"

    def compute_dtype(self, operands, attrs):
        dt = D.result_type(*operands)
        if attrs.get("rounding_mode") is None and not dt.is_floating_point:
            return D.get_default_dtype()
        return dt

    def forward(self, ctx, a, b, rounding_mode=None):
        xp = ctx.xp
        if rounding_mode is None:
            nig = ctx.needs_input_grad
            if nig:
                ctx.save(b, a if nig[1] else None)
            return _q(xp.true_divide, a, b)
        ctx.rounded = True
        if a.dtype.kind in "iub":
            if (b == 0).any() if hasattr(b, "any") else b == 0:
                raise RuntimeError("ZeroDivisionError")
            if rounding_mode == "floor":
                return xp.floor_divide(a, b)
            q = xp.floor_divide(xp.abs(a), xp.abs(b))  # C-style truncation toward zero
            return xp.where((a < 0) != (b < 0), -q, q)
        with _quiet():
            if rounding_mode == "floor":
                return xp.floor_divide(a, b)
            return xp.trunc(xp.true_divide(a, b))

    def backward(self, ctx, g):
        if getattr(ctx, "rounded", False):  # rounded division: zero gradient almost everywhere
            nig = ctx.needs_input_grad
            z = ctx.xp.zeros_like(g)
            return (z if nig[0] else None), (z if nig[1] else None)
        b, a = ctx.saved
        with _quiet():
            ga = g / b if ctx.needs_input_grad[0] else None
            gb = -g * a / (b * b) if a is not None else None
        return ga, gb

    def samples(self):
        yield Sample(((3, 4), (3, 4)), domain=(0.5, 2.0))
        yield Sample(((2, 3, 4), (4,)), domain=(0.5, 2.0), note="broadcast")
        yield Sample((("T", (3, 4)), (1, 4)), domain=(0.5, 2.0), note="non-contiguous")
        yield Sample(((3, 4), 2.5), domain=(0.5, 2.0), note="python scalar")
        yield Sample(((3, 4), (3, 4)), {"rounding_mode": "floor"}, domain=(0.5, 2.0),
                     gradcheck=False)
        yield Sample(((3, 4), 0.7), {"rounding_mode": "trunc"}, gradcheck=False)
        yield Sample((("int", (3, 4), -9, 9), ("int", (3, 4), 1, 4)),
                     {"rounding_mode": "trunc"}, grad=False, note="int trunc")


def _int_zero_check(a, b):
    if a.dtype.kind in "iub" and ((b == 0).any() if hasattr(b, "any") else b == 0):
        raise RuntimeError("ZeroDivisionError")


@register
class Remainder(Binary):
    name = "remainder"
    overload = 1
    doc = "input - floor(input / other) * other (Python's %), for a tensor other."
    scalar_inputs = ()

    def forward(self, ctx, a, b):
        _int_zero_check(a, b)
        if ctx.needs_input_grad and ctx.needs_input_grad[1]:
            ctx.save(a, b)
        return _q(ctx.xp.remainder, a, b)

    def backward(self, ctx, g):
        nig = ctx.needs_input_grad
        gb = None
        if nig[1]:
            a, b = ctx.saved
            with _quiet():
                gb = -g * ctx.xp.floor_divide(a, b)
        return (g if nig[0] else None), gb

    def samples(self):
        yield Sample(((3, 4), (3, 4)), domain=(0.5, 3.0), gradcheck=False)
        yield Sample(((2, 3, 4), (4,)), domain=(0.5, 3.0), gradcheck=False, note="broadcast")
        yield Sample((("int", (3, 4), -9, 9), ("int", (3, 4), 1, 4)), grad=False)


@register
class RemainderScalar(OpDef):
    name = "remainder"
    key = "remainder.Scalar"
    overload = 0
    doc = "input % other for a number other."
    attrs = (Attr("other", "scalar", REQUIRED, "the divisor", keyword_only=False),)
    has_inplace = True

    def compute_dtype(self, operands, attrs):
        return D.result_type(operands[0], attrs["other"])

    def forward(self, ctx, a, other):
        _int_zero_check(a, other)
        return _q(ctx.xp.remainder, a, other)

    def backward(self, ctx, g):
        return g

    def samples(self):
        yield Sample(((3, 4),), {"other": 1.5}, gradcheck=False)
        yield Sample((("T", (3, 4)),), {"other": -0.7}, gradcheck=False, note="non-contiguous")
        yield Sample((("int", (3, 4), -9, 9),), {"other": 4}, grad=False)


# --------------------------------------------------------------------------------------
# powers


def _int_pow(xp, a, e):
    """Integer power allowing negative exponents as PyTorch does (1/a**k truncated)."""
    neg = e < 0
    if not (neg.any() if hasattr(neg, "any") else neg):
        return xp.power(a, e)
    r = xp.power(a, xp.where(neg, 0, e) if hasattr(e, "shape") else 0)
    odd = (e % 2) != 0
    inv = xp.where(a == 1, 1, xp.where(a == -1, xp.where(odd, -1, 1), 0))
    return xp.where(neg, inv, r).astype(r.dtype)


@register
class Pow(OpDef):
    name = "pow"
    overload = 0
    doc = "input ** exponent for a number exponent."
    attrs = (Attr("exponent", "scalar", REQUIRED, "the power", keyword_only=False),)
    has_inplace = True

    def compute_dtype(self, operands, attrs):
        return D.result_type(operands[0], attrs["exponent"])

    def forward(self, ctx, a, exponent):
        if ctx.needs_input_grad:
            ctx.save(a)
            ctx.exponent = exponent
        return _q(operator.pow, a, exponent)  # ndarray ** has fast paths for 2, 0.5, -1

    def backward(self, ctx, g):
        (a,) = ctx.saved
        e = ctx.exponent
        if e == 0:
            return ctx.xp.zeros_like(g)
        if e == 2:
            return g * (a * 2)
        with _quiet():
            return g * (e * a ** (e - 1))

    def samples(self):
        yield Sample(((3, 4),), {"exponent": 2})
        yield Sample(((2, 3, 4),), {"exponent": 3.0})
        yield Sample((("T", (3, 4)),), {"exponent": 0.5}, domain=(0.2, 2.0), note="non-contiguous")
        yield Sample(((3, 4),), {"exponent": -1.5}, domain=(0.2, 2.0))
        yield Sample(((),), {"exponent": 0}, note="0-dim, zero exponent")


@register
class PowTensor(OpDef):
    name = "pow"
    key = "pow.Tensor_Tensor"
    overload = 1
    doc = "input ** exponent, both tensors, broadcast."
    inputs = ("input", "exponent")
    has_inplace = True

    def infer(self, specs, attrs):
        return _broadcast_infer(self, specs, attrs)

    def forward(self, ctx, a, e):
        xp = ctx.xp
        if a.dtype.kind in "iu":
            return _int_pow(xp, a, e)
        out = _q(xp.power, a, e)
        nig = ctx.needs_input_grad
        if nig:
            ctx.save(a, e, out if nig[1] else None)
        return out

    def backward(self, ctx, g):
        a, e, out = ctx.saved
        xp = ctx.xp
        ga = gb = None
        with _quiet():
            if ctx.needs_input_grad[0]:
                ga = xp.where(e == 0, 0, g * (e * xp.power(a, e - 1)))
            if out is not None:
                gb = xp.where((a == 0) & (e >= 0), 0, g * (out * xp.log(a)))
        return ga, gb

    def samples(self):
        yield Sample(((3, 4), (3, 4)), domain=(0.5, 2.0))
        yield Sample(((2, 3, 4), (4,)), domain=(0.5, 2.0), note="broadcast")
        yield Sample((("T", (3, 4)), (1, 4)), domain=(0.5, 2.0), note="non-contiguous")
        yield Sample(((3, 4), ()), domain=(0.5, 2.0), note="0-dim exponent")


@register
class PowScalar(OpDef):
    name = "pow"
    key = "pow.Scalar"
    overload = 2
    doc = "input ** exponent for a number base (2 ** x)."
    inputs = ("exponent",)
    attrs = (Attr("input", "scalar", REQUIRED, "the base (a number)", keyword_only=False),)
    method = False

    def compute_dtype(self, operands, attrs):
        return D.result_type(attrs["input"], operands[0])

    def forward(self, ctx, e, input=2):  # noqa: A002 - PyTorch's name for the base
        xp = ctx.xp
        if e.dtype.kind in "iu":
            return _int_pow(xp, xp.asarray(input, dtype=e.dtype), e)
        out = _q(xp.power, input, e)
        if ctx.needs_input_grad:
            ctx.base = input
            ctx.save(out, e if input == 0 else None)
        return out

    def backward(self, ctx, g):
        out, e = ctx.saved
        base = ctx.base
        if base == 0:
            with _quiet():
                return ctx.xp.where(e >= 0, 0, g * out * -math.inf)
        lb = math.log(base) if base > 0 else math.nan
        return g * out * lb

    def samples(self):
        d = (0.2, 2.0)  # exponents > 0 (harmless here; safe for callers that swap the args)
        yield Sample(((3, 4),), {"input": 2.0}, domain=d)
        yield Sample((("T", (3, 4)),), {"input": 0.5}, domain=d, note="non-contiguous")
        yield Sample(((),), {"input": 3}, domain=d, note="0-dim")


# --------------------------------------------------------------------------------------
# unary math


@register
class Neg(Unary):
    name = "neg"
    family = "arithmetic"
    doc = "-input."

    def forward(self, ctx, a):
        return ctx.xp.negative(a)

    def backward(self, ctx, g):
        return -g


@register
class Reciprocal(FloatUnary):
    name = "reciprocal"
    doc = "1 / input."
    domain = (0.5, 2.0)

    def forward(self, ctx, a):
        out = _q(ctx.xp.reciprocal, a)
        ctx.save(out)
        return out

    def backward(self, ctx, g):
        (out,) = ctx.saved
        return -g * (out * out)


@register
class Square(Unary):
    name = "square"
    grad_name = "PowBackward0"  # PyTorch computes square as pow(input, 2)
    doc = "input * input."

    def compute_dtype(self, operands, attrs):
        dt = operands[0].dtype
        return D.int64 if dt is D.bool_ else dt

    def forward(self, ctx, a):
        ctx.save(a)
        return a * a

    def backward(self, ctx, g):
        (a,) = ctx.saved
        return g * (a * 2)


@register
class Sqrt(FloatUnary):
    name = "sqrt"
    doc = "Square root."
    domain = (0.2, 2.0)

    def forward(self, ctx, a):
        out = _q(ctx.xp.sqrt, a)
        ctx.save(out)
        return out

    def backward(self, ctx, g):
        (out,) = ctx.saved
        with _quiet():
            return g / (out * 2)


def _rsqrt(xp, a):
    return xp.reciprocal(xp.sqrt(a))


def _sigmoid(xp, a):
    return xp.reciprocal(xp.exp(-a) + 1)


@register
class Rsqrt(FloatUnary):
    name = "rsqrt"
    doc = "1 / sqrt(input)."
    domain = (0.2, 2.0)

    def forward(self, ctx, a):
        out = _q(_rsqrt, ctx.xp, a)
        ctx.save(out)
        return out

    def backward(self, ctx, g):
        (out,) = ctx.saved
        return g * (out * out * out * -0.5)


@register
class Exp(FloatUnary):
    name = "exp"
    doc = "e ** input."

    def forward(self, ctx, a):
        out = _q(ctx.xp.exp, a)
        ctx.save(out)
        return out

    def backward(self, ctx, g):
        (out,) = ctx.saved
        return g * out


class _LogBase(FloatUnary):
    domain = (0.2, 2.0)
    scale = 1.0

    def forward(self, ctx, a):
        ctx.save(a)
        return _q(self.fn, ctx.xp, a)

    def backward(self, ctx, g):
        (a,) = ctx.saved
        with _quiet():
            return g / (a * self.scale) if self.scale != 1.0 else g / a


@register
class Log(_LogBase):
    name = "log"
    doc = "Natural logarithm."

    @staticmethod
    def fn(xp, a):
        return xp.log(a)


@register
class Log2(_LogBase):
    name = "log2"
    doc = "Base-2 logarithm."
    scale = _LN2

    @staticmethod
    def fn(xp, a):
        return xp.log2(a)


@register
class Log10(_LogBase):
    name = "log10"
    doc = "Base-10 logarithm."
    scale = _LN10

    @staticmethod
    def fn(xp, a):
        return xp.log10(a)


@register
class Log1p(FloatUnary):
    name = "log1p"
    grad_name = "Log1PBackward0"
    doc = "log(1 + input), accurate for small input."
    domain = (-0.5, 2.0)

    def forward(self, ctx, a):
        ctx.save(a)
        return _q(ctx.xp.log1p, a)

    def backward(self, ctx, g):
        (a,) = ctx.saved
        with _quiet():
            return g / (a + 1)


@register
class Abs(Unary):
    name = "abs"
    doc = "|input|."

    def forward(self, ctx, a):
        ctx.save(a)
        return ctx.xp.abs(a)

    def backward(self, ctx, g):
        (a,) = ctx.saved
        return g * ctx.xp.sign(a)


@register
class Sin(FloatUnary):
    name = "sin"
    doc = "Sine."

    def forward(self, ctx, a):
        ctx.save(a)
        return ctx.xp.sin(a)

    def backward(self, ctx, g):
        (a,) = ctx.saved
        return g * ctx.xp.cos(a)


@register
class Cos(FloatUnary):
    name = "cos"
    doc = "Cosine."

    def forward(self, ctx, a):
        ctx.save(a)
        return ctx.xp.cos(a)

    def backward(self, ctx, g):
        (a,) = ctx.saved
        return -g * ctx.xp.sin(a)


@register
class Tanh(FloatUnary):
    name = "tanh"
    family = "activation"
    doc = "Hyperbolic tangent."

    def forward(self, ctx, a):
        out = ctx.xp.tanh(a)
        ctx.save(out)
        return out

    def backward(self, ctx, g):
        (out,) = ctx.saved
        return g * (1 - out * out)


@register
class Sigmoid(FloatUnary):
    name = "sigmoid"
    family = "activation"
    doc = "1 / (1 + exp(-input))."

    def forward(self, ctx, a):
        out = _q(_sigmoid, ctx.xp, a)
        ctx.save(out)
        return out

    def backward(self, ctx, g):
        (out,) = ctx.saved
        return g * (out * (1 - out))


@register
class Relu(Unary):
    name = "relu"
    family = "activation"
    doc = "max(input, 0)."

    def forward(self, ctx, a):
        out = ctx.xp.maximum(a, 0)
        ctx.save(out)
        return out

    def backward(self, ctx, g):
        (out,) = ctx.saved
        return g * (out > 0)


@register
class Sign(Stepwise):
    name = "sign"
    doc = "-1, 0 or 1 by the sign of input."

    @staticmethod
    def fn(xp, a):
        return a.copy() if a.dtype.kind == "b" else xp.sign(a)


@register
class Floor(Stepwise):
    name = "floor"
    doc = "Round down."

    @staticmethod
    def fn(xp, a):
        return xp.floor(a) if a.dtype.kind == "f" else a.copy()


@register
class Ceil(Stepwise):
    name = "ceil"
    doc = "Round up."

    @staticmethod
    def fn(xp, a):
        return xp.ceil(a) if a.dtype.kind == "f" else a.copy()


@register
class Round(Stepwise):
    name = "round"
    doc = "Round half to even, to `decimals` places."
    attrs = (Attr("decimals", "int", 0, "decimal places (negative: tens, hundreds...)"),)

    def grad_fn_name(self, attrs):
        return "RoundBackward1" if attrs.get("decimals") else "RoundBackward0"

    def samples(self):
        yield from super().samples()
        yield Sample(((3, 4),), {"decimals": 1}, gradcheck=False, note="decimals")

    @staticmethod
    def fn(xp, a, decimals=0):
        if a.dtype.kind != "f":
            return a.copy()
        return xp.round(a, decimals) if decimals else xp.rint(a)


# --------------------------------------------------------------------------------------
# clamp, maximum, minimum, where


class _ClampBase(OpDef):
    family = "math"
    has_inplace = True


@register
class Clamp(_ClampBase):
    name = "clamp"
    overload = 1
    doc = "Limit input to [min, max] (numbers; either may be None)."
    attrs = (Attr("min", "scalar", None, "lower bound", optional=True, keyword_only=False),
             Attr("max", "scalar", None, "upper bound", optional=True, keyword_only=False))

    def compute_dtype(self, operands, attrs):
        lo, hi = attrs.get("min"), attrs.get("max")
        if lo is None:
            return D.result_type(operands[0], hi)
        if hi is None:
            return D.result_type(operands[0], lo)
        return D.result_type(operands[0], lo, hi)

    def forward(self, ctx, a, min=None, max=None):  # noqa: A002
        xp = ctx.xp
        if ctx.needs_input_grad:
            ctx.save(a)
            ctx.lo, ctx.hi = min, max
        if min is None:
            return xp.minimum(a, max)
        out = xp.maximum(a, min)
        return out if max is None else xp.minimum(out, max)

    def backward(self, ctx, g):
        (a,) = ctx.saved
        lo, hi = ctx.lo, ctx.hi
        if lo is None:
            mask = a <= hi
        elif hi is None:
            mask = a >= lo
        else:
            mask = (a >= lo) & (a <= hi)
        return g * mask

    def samples(self):
        yield Sample(((3, 4),), {"min": -0.5, "max": 0.5})
        yield Sample((("T", (3, 4)),), {"min": 0.0}, note="non-contiguous, min only")
        yield Sample(((2, 3, 4),), {"max": 0.3}, note="max only")
        yield Sample(((),), {"min": -1, "max": 1}, note="0-dim")


@register
class ClampTensor(_ClampBase):
    name = "clamp"
    key = "clamp.Tensor"
    overload = 0
    doc = "Limit input to [min, max] given as tensors (either may be None), broadcast."
    inputs = ("input", "min", "max")

    def compute_dtype(self, operands, attrs):
        return D.result_type(*[x for x in operands if x is not None])

    def infer(self, specs, attrs):
        return _broadcast_infer(self, specs, attrs)

    def forward(self, ctx, a, lo, hi):
        xp = ctx.xp
        if ctx.needs_input_grad:
            ctx.save(a, lo, hi)
        if lo is None:
            return xp.minimum(a, hi)
        out = xp.maximum(a, lo)
        return out if hi is None else xp.minimum(out, hi)

    def backward(self, ctx, g):
        a, lo, hi = ctx.saved
        nig = ctx.needs_input_grad
        ga = glo = ghi = None
        if lo is not None and hi is not None:
            if nig[0]:
                ga = g * ((a >= lo) & (a <= hi))
            if nig[1]:
                glo = g * ((a < lo) & (lo < hi))
            if nig[2]:
                ghi = g * ((a > hi) | (hi < lo))
        elif lo is not None:
            ga = g * (a >= lo) if nig[0] else None
            glo = g * (a < lo) if nig[1] else None
        else:
            ga = g * (a <= hi) if nig[0] else None
            ghi = g * (a > hi) if nig[2] else None
        return ga, glo, ghi

    def samples(self):
        yield Sample(((3, 4), (3, 4), (3, 4)), domain=(-2.0, 2.0))
        yield Sample(((2, 3, 4), (4,), (3, 1)), note="broadcast")
        yield Sample((("T", (3, 4)), (1, 4), (3, 4)), note="non-contiguous")


class _MaxMin(Binary):
    family = "math"
    scalar_inputs = ()
    has_inplace = False

    def forward(self, ctx, a, b):
        if ctx.needs_input_grad:
            ctx.save(a, b)
        return self.fn(ctx.xp, a, b)

    def backward(self, ctx, g):
        a, b = ctx.saved
        xp = ctx.xp
        nig = ctx.needs_input_grad
        tie = a == b
        half = g * 0.5
        # PyTorch: ties share the gradient evenly; the losing side gets none
        ga = xp.where(tie, half, xp.where(self.lose(a, b), 0, g)) if nig[0] else None
        gb = xp.where(tie, half, xp.where(self.lose(b, a), 0, g)) if nig[1] else None
        return ga, gb

    def samples(self):
        yield Sample(((3, 4), (3, 4)))
        yield Sample(((2, 3, 4), (4,)), note="broadcast")
        yield Sample((("T", (3, 4)), (1, 4)), note="non-contiguous")


@register
class Maximum(_MaxMin):
    name = "maximum"
    doc = "Elementwise larger of input and other (NaN propagates)."

    @staticmethod
    def fn(xp, a, b):
        return xp.maximum(a, b)

    @staticmethod
    def lose(a, b):
        return a < b


@register
class Minimum(_MaxMin):
    name = "minimum"
    doc = "Elementwise smaller of input and other (NaN propagates)."

    @staticmethod
    def fn(xp, a, b):
        return xp.minimum(a, b)

    @staticmethod
    def lose(a, b):
        return a > b


@register
class Where(OpDef):
    name = "where"
    family = "math"
    doc = "input where condition, else other; input and other may be numbers."
    inputs = ("condition", "input", "other")
    scalar_inputs = ("input", "other")
    method = True

    def compute_dtype(self, operands, attrs):
        return D.result_type(operands[1], operands[2])

    def infer(self, specs, attrs):
        return _broadcast_infer(self, specs, attrs)

    def forward(self, ctx, c, a, b):
        xp = ctx.xp
        if c.dtype.kind != "b":  # apply cast the condition to the result dtype
            c = c != 0
        if ctx.needs_input_grad:
            ctx.save(c)
        if not hasattr(a, "dtype") and not hasattr(b, "dtype"):  # two numbers
            return xp.where(c, a, b).astype(D.result_type(a, b).np)
        return xp.where(c, a, b)

    def backward(self, ctx, g):
        (c,) = ctx.saved
        xp = ctx.xp
        nig = ctx.needs_input_grad
        return (None, xp.where(c, g, 0) if nig[1] else None,
                xp.where(c, 0, g) if nig[2] else None)

    def samples(self):
        yield Sample((("bool", (3, 4)), (3, 4), (3, 4)))
        yield Sample((("bool", (3, 1)), (4,), (2, 3, 4)), note="broadcast")
        yield Sample((("bool", (3, 4)), ("T", (3, 4)), 0.0), note="scalar other")
        yield Sample((("bool", (3, 4)), 1.5, (3, 4)), note="scalar input")


# --------------------------------------------------------------------------------------
# comparisons and predicates


@register
class Eq(Comparison):
    name = "eq"
    doc = "input == other (bool)."
    fn = staticmethod(lambda a, b: a == b)


@register
class Ne(Comparison):
    name = "ne"
    doc = "input != other (bool)."
    fn = staticmethod(lambda a, b: a != b)


@register
class Lt(Comparison):
    name = "lt"
    doc = "input < other (bool)."
    fn = staticmethod(lambda a, b: a < b)


@register
class Le(Comparison):
    name = "le"
    doc = "input <= other (bool)."
    fn = staticmethod(lambda a, b: a <= b)


@register
class Gt(Comparison):
    name = "gt"
    doc = "input > other (bool)."
    fn = staticmethod(lambda a, b: a > b)


@register
class Ge(Comparison):
    name = "ge"
    doc = "input >= other (bool)."
    fn = staticmethod(lambda a, b: a >= b)


@register
class Isnan(Predicate):
    name = "isnan"
    doc = "True where input is NaN."
    fn = staticmethod(lambda xp, a: xp.isnan(a))


@register
class Isinf(Predicate):
    name = "isinf"
    doc = "True where input is +-inf."
    fn = staticmethod(lambda xp, a: xp.isinf(a))


@register
class Isfinite(Predicate):
    name = "isfinite"
    doc = "True where input is neither NaN nor +-inf."
    fn = staticmethod(lambda xp, a: xp.isfinite(a))


@register
class LogicalNot(Predicate):
    name = "logical_not"
    family = "logical"
    doc = "True where input is zero."
    fn = staticmethod(lambda xp, a: xp.logical_not(a))


@register
class BitwiseNot(Predicate):
    name = "bitwise_not"
    family = "logical"
    doc = "~input for integer and bool tensors."
    method = False
    fn = staticmethod(lambda xp, a: xp.invert(a))

    def samples(self):
        yield Sample((("int", (3, 4), -5, 5),), grad=False)


@register
class LogicalAnd(Logical):
    name = "logical_and"
    doc = "input and other, as truth values (bool)."
    fn = staticmethod(lambda xp, a, b: xp.logical_and(a, b))


@register
class LogicalOr(Logical):
    name = "logical_or"
    doc = "input or other, as truth values (bool)."
    fn = staticmethod(lambda xp, a, b: xp.logical_or(a, b))


@register
class LogicalXor(Logical):
    name = "logical_xor"
    doc = "input xor other, as truth values (bool)."
    fn = staticmethod(lambda xp, a, b: xp.logical_xor(a, b))


class Bitwise(Binary):
    """bitwise_and/or/xor of integer or bool tensors (and Python ints), after promotion."""

    family = "logical"
    differentiable = False
    has_inplace = False

    def forward(self, ctx, a, b):
        return self.fn(a, b)

    def samples(self):
        yield Sample((("int", (3, 4), -8, 8), ("int", (3, 4), -8, 8)), grad=False)
        yield Sample((("int", (2, 3, 4), 0, 9), ("int", (4,), 0, 9)), grad=False,
                     note="broadcast")
        yield Sample((("bool", (3, 4)), ("bool", (3, 4))), grad=False, note="bool")
        yield Sample((("int", (3, 4), 0, 9), 5), grad=False, note="python int")


@register
class BitwiseAnd(Bitwise):
    name = "bitwise_and"
    doc = "input & other, bit by bit (integer and bool tensors)."
    fn = staticmethod(lambda a, b: a & b)


@register
class BitwiseOr(Bitwise):
    name = "bitwise_or"
    doc = "input | other, bit by bit (integer and bool tensors)."
    fn = staticmethod(lambda a, b: a | b)


@register
class BitwiseXor(Bitwise):
    name = "bitwise_xor"
    doc = "input ^ other, bit by bit (integer and bool tensors)."
    fn = staticmethod(lambda a, b: a ^ b)


# --------------------------------------------------------------------------------------
# in-place writers: fill_, zero_, copy_


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


def _bin(op, a, b, attrs):
    """apply() for a broadcast op, with PyTorch's message for shapes that do not broadcast."""
    try:
        return apply(op, (a, b), attrs)
    except ValueError:
        if isinstance(a, Tensor) and isinstance(b, Tensor):
            broadcast_shapes(a._data.shape, b._data.shape)
        raise


def _bin_(op, a, b, attrs):
    try:
        return apply_inplace(op, (a, b), attrs)
    except ValueError:
        if isinstance(b, Tensor):
            broadcast_shapes(a._data.shape, b._data.shape)
        raise


def _out(res: Tensor, out, name: str) -> Tensor:
    """Write ``res`` into ``out=`` as PyTorch does (no autograd through out=)."""
    if out is None:
        return res
    if is_grad_enabled() and (res._requires_grad or out._requires_grad):
        raise RuntimeError(f"{name}(): functions with out=... arguments don't support automatic "
                           "differentiation, but one of the arguments requires grad.")
    if out._data.shape != res._data.shape:  # PyTorch resizes out
        out._data = res._data.astype(out._data.dtype, copy=True)
    else:
        out._data[...] = res._data
    out._vbox[0] += 1
    return out


def _check_alpha(input, other, alpha) -> None:
    if isinstance(alpha, float) and not D.result_type(input, other).is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")


_NEG_BOOL = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
             "to invert a mask, use the `~` or `logical_not()` operator instead.")
_SUB_BOOL = ("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
             "or `logical_xor()` operator instead.")


def add(input: Tensor, other, *, alpha=1, out=None) -> Tensor:
    """input + alpha * other."""
    if alpha != 1:
        _check_alpha(input, other, alpha)
        return _out(_bin(Add.INSTANCE, input, other, {"alpha": alpha}), out, "add")
    return _out(_bin(Add.INSTANCE, input, other, {}), out, "add")


def add_(input: Tensor, other, *, alpha=1) -> Tensor:
    if alpha != 1:
        _check_alpha(input, other, alpha)
        return _bin_(Add.INSTANCE, input, other, {"alpha": alpha})
    return _bin_(Add.INSTANCE, input, other, {})


def _sub_check(input, other, alpha) -> dict:
    if input._dtype is D.bool_ and (other._dtype is D.bool_ if isinstance(other, Tensor)
                                    else isinstance(other, bool)):
        raise RuntimeError(_SUB_BOOL)
    if alpha != 1:
        _check_alpha(input, other, alpha)
        return {"alpha": alpha}
    return {}


def sub(input: Tensor, other, *, alpha=1, out=None) -> Tensor:
    """input - alpha * other."""
    return _out(_bin(Sub.INSTANCE, input, other, _sub_check(input, other, alpha)), out, "sub")


def sub_(input: Tensor, other, *, alpha=1) -> Tensor:
    return _bin_(Sub.INSTANCE, input, other, _sub_check(input, other, alpha))


subtract = sub


def rsub(input: Tensor, other, *, alpha=1) -> Tensor:
    """other - alpha * input (``2 - x`` calls this)."""
    attrs = _sub_check(input, other, alpha)
    if isinstance(other, Tensor):
        return _bin(Rsub.INSTANCE, input, other, attrs)
    attrs["other"] = other
    return apply(RsubScalar.INSTANCE, (input,), attrs)


def mul(input: Tensor, other, *, out=None) -> Tensor:
    """input * other."""
    return _out(_bin(Mul.INSTANCE, input, other, {}), out, "mul")


def mul_(input: Tensor, other) -> Tensor:
    return _bin_(Mul.INSTANCE, input, other, {})


multiply = mul


def _div_attrs(rounding_mode) -> dict:
    if rounding_mode is None:
        return {}
    if rounding_mode not in _ROUNDING:
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    return {"rounding_mode": rounding_mode}


def div(input: Tensor, other, *, rounding_mode=None, out=None) -> Tensor:
    """input / other; int / int gives the default float unless rounding_mode is set."""
    return _out(_bin(Div.INSTANCE, input, other, _div_attrs(rounding_mode)), out, "div")


def div_(input: Tensor, other, *, rounding_mode=None) -> Tensor:
    return _bin_(Div.INSTANCE, input, other, _div_attrs(rounding_mode))


divide = div


def true_divide(input: Tensor, other, *, out=None) -> Tensor:
    return div(input, other, out=out)


def remainder(input: Tensor, other, *, out=None) -> Tensor:
    """Python-style modulus (the result has the sign of other)."""
    if isinstance(other, Tensor):
        return _out(_bin(Remainder.INSTANCE, input, other, {}), out, "remainder")
    if not isinstance(input, Tensor):
        return _bin(Remainder.INSTANCE, input, other, {})
    return _out(apply(RemainderScalar.INSTANCE, (input,), {"other": other}), out, "remainder")


def remainder_(input: Tensor, other) -> Tensor:
    if isinstance(other, Tensor):
        return _bin_(Remainder.INSTANCE, input, other, {})
    return apply_inplace(RemainderScalar.INSTANCE, (input,), {"other": other})


def _pow_args(input, exponent):
    if isinstance(exponent, Tensor):
        return PowTensor.INSTANCE, (input, exponent), {}
    if isinstance(exponent, int) and not isinstance(exponent, bool) and exponent < 0 \
            and not input._dtype.is_floating_point:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return Pow.INSTANCE, (input,), {"exponent": exponent}


def pow(input, exponent, *, out=None) -> Tensor:  # noqa: A001 - PyTorch's name
    """input ** exponent; either (not both) may be a Python number."""
    if not isinstance(input, Tensor):
        return _out(apply(PowScalar.INSTANCE, (exponent,), {"input": input}), out, "pow")
    op, operands, attrs = _pow_args(input, exponent)
    if len(operands) == 2:
        return _out(_bin(op, input, exponent, attrs), out, "pow")
    return _out(apply(op, operands, attrs), out, "pow")


def pow_(input: Tensor, exponent) -> Tensor:
    op, operands, attrs = _pow_args(input, exponent)
    if len(operands) == 2:
        return _bin_(op, input, exponent, attrs)
    return apply_inplace(op, operands, attrs)


def _refuse_bool(exc: type, message: str):
    """A check for one-input ops PyTorch refuses on bool tensors (with its message)."""
    def check(input: Tensor) -> None:
        if input._dtype is D.bool_:
            raise exc(message)
    return check


def _unary(op, check=None):
    """The function and in-place function of a one-input op (``check`` vets the input)."""
    inst = op.INSTANCE

    def fn(input: Tensor, *, out=None) -> Tensor:
        if check is not None:
            check(input)
        return _out(apply(inst, (input,), {}), out, op.name)

    def fn_(input: Tensor) -> Tensor:
        if check is not None:
            check(input)
        return apply_inplace(inst, (input,), {})

    fn.__name__, fn_.__name__ = op.name, op.name + "_"
    fn.__doc__ = fn_.__doc__ = op.doc
    return fn, fn_


def _kernel_refuses_bool(kernel: str):
    return _refuse_bool(NotImplementedError, f'"{kernel}" not implemented for \'Bool\'')


reciprocal, reciprocal_ = _unary(Reciprocal)
square, square_ = _unary(Square)
sqrt, sqrt_ = _unary(Sqrt)
rsqrt, rsqrt_ = _unary(Rsqrt)
exp, exp_ = _unary(Exp)
log, log_ = _unary(Log)
log2, log2_ = _unary(Log2)
log10, log10_ = _unary(Log10)
log1p, log1p_ = _unary(Log1p)
sin, sin_ = _unary(Sin)
cos, cos_ = _unary(Cos)
tanh, tanh_ = _unary(Tanh)
sigmoid, sigmoid_ = _unary(Sigmoid)
sign, sign_ = _unary(Sign)
neg, neg_ = _unary(Neg, _refuse_bool(RuntimeError, _NEG_BOOL))
abs, abs_ = _unary(Abs, _kernel_refuses_bool("abs_cpu"))  # noqa: A001
relu, relu_ = _unary(Relu, _refuse_bool(RuntimeError, "Boolean inputs not supported for relu"))
floor, floor_ = _unary(Floor, _kernel_refuses_bool("floor_vml_cpu"))
ceil, ceil_ = _unary(Ceil, _kernel_refuses_bool("ceil_vml_cpu"))
negative = neg
absolute = abs


_ROUND_BOOL = _kernel_refuses_bool("round_vml_cpu")


def _round_attrs(input: Tensor, decimals) -> dict:
    if not decimals:  # Tensor.round passes decimals=0 for a plain x.round()
        _ROUND_BOOL(input)
        return {}
    if not input._dtype.is_floating_point:
        raise NotImplementedError(f'"round_cpu" not implemented for '
                                  f"'{_scalar_type_name(input._dtype)}'")
    return {"decimals": decimals}


def round(input: Tensor, *, decimals=None, out=None) -> Tensor:  # noqa: A001
    """Round half to even; ``decimals`` places (RoundBackward1 when given)."""
    return _out(apply(Round.INSTANCE, (input,), _round_attrs(input, decimals)), out, "round")


def round_(input: Tensor, *, decimals=None) -> Tensor:
    return apply_inplace(Round.INSTANCE, (input,), _round_attrs(input, decimals))


def _clamp_args(min, max):  # noqa: A002
    lo_t, hi_t = isinstance(min, Tensor), isinstance(max, Tensor)
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if lo_t or hi_t:
        if (min is not None and not lo_t) or (max is not None and not hi_t):
            got = ", ".join(type(v).__name__ for v in (min, max) if v is not None)
            raise TypeError(f"clamp() received an invalid combination of arguments - got "
                            f"(Tensor, {got}), but expected one of:\n"
                            " * (Tensor input, Tensor min = None, Tensor max = None)\n"
                            " * (Tensor input, Number min = None, Number max = None)")
        return ClampTensor.INSTANCE, {}
    attrs = {}
    if min is not None:
        attrs["min"] = min
    if max is not None:
        attrs["max"] = max
    return Clamp.INSTANCE, attrs


def clamp(input: Tensor, min=None, max=None, *, out=None) -> Tensor:  # noqa: A002
    """Limit input to [min, max]; bounds are numbers or tensors (not mixed), one may be None."""
    op, attrs = _clamp_args(min, max)
    if op is ClampTensor.INSTANCE:
        try:
            res = apply(op, (input, min, max), attrs)
        except ValueError:
            broadcast_shapes(*(t._data.shape for t in (input, min, max) if t is not None))
            raise
        return _out(res, out, "clamp")
    return _out(apply(op, (input,), attrs), out, "clamp")


def clamp_(input: Tensor, min=None, max=None) -> Tensor:  # noqa: A002
    op, attrs = _clamp_args(min, max)
    if op is ClampTensor.INSTANCE:
        return apply_inplace(op, (input, min, max), attrs)
    return apply_inplace(op, (input,), attrs)


clip = clamp
clip_ = clamp_


def _tensor_arg(name: str, other, pos: int = 2) -> None:
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position {pos}) must be Tensor, not "
                        f"{type(other).__name__}")


def maximum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise larger value; ties share the gradient."""
    _tensor_arg("maximum", other)
    return _out(_bin(Maximum.INSTANCE, input, other, {}), out, "maximum")


def minimum(input: Tensor, other: Tensor, *, out=None) -> Tensor:
    """Elementwise smaller value; ties share the gradient."""
    _tensor_arg("minimum", other)
    return _out(_bin(Minimum.INSTANCE, input, other, {}), out, "minimum")


def where(condition: Tensor, input=None, other=None) -> Tensor:
    """input where condition else other; ``where(condition)`` gives nonzero indices."""
    if not isinstance(condition, Tensor):
        raise TypeError(f"where(): argument 'condition' (position 1) must be Tensor, not "
                        f"{type(condition).__name__}")
    if input is None and other is None:
        from ..tensor import _wrap
        return tuple(_wrap(i.astype(np.int64, copy=False), condition._device)
                     for i in condition._data.nonzero())
    if condition._dtype is not D.bool_:
        raise RuntimeError("where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {_scalar_type_name(condition._dtype)}")
    try:
        return apply(Where.INSTANCE, (condition, input, other), {})
    except ValueError:
        broadcast_shapes(*(t._data.shape for t in (condition, input, other)
                           if isinstance(t, Tensor)))
        raise


def _cmp(op):
    inst = op.INSTANCE

    def fn(input: Tensor, other, *, out=None):
        if other is None or isinstance(other, str):
            return NotImplemented  # lets `x == None` be False and `x < None` a TypeError
        return _out(_bin(inst, input, other, {}), out, op.name)

    fn.__name__, fn.__doc__ = op.name, op.doc
    return fn


eq = _cmp(Eq)
ne = _cmp(Ne)
lt = _cmp(Lt)
le = _cmp(Le)
gt = _cmp(Gt)
ge = _cmp(Ge)


def isnan(input: Tensor) -> Tensor:
    """True where NaN."""
    return apply(Isnan.INSTANCE, (input,), {})


def isinf(input: Tensor) -> Tensor:
    """True where +-inf."""
    return apply(Isinf.INSTANCE, (input,), {})


def isfinite(input: Tensor) -> Tensor:
    """True where finite."""
    return apply(Isfinite.INSTANCE, (input,), {})


def logical_not(input: Tensor, *, out=None) -> Tensor:
    """True where input is zero."""
    return _out(apply(LogicalNot.INSTANCE, (input,), {}), out, "logical_not")


def bitwise_not(input: Tensor, *, out=None) -> Tensor:
    """~input for integer and bool tensors."""
    if input._dtype.is_floating_point:
        raise NotImplementedError(f'"bitwise_not_cpu" not implemented for '
                                  f"'{_scalar_type_name(input._dtype)}'")
    return _out(apply(BitwiseNot.INSTANCE, (input,), {}), out, "bitwise_not")


def _logical(op):
    inst = op.INSTANCE

    def fn(input: Tensor, other: Tensor, *, out=None) -> Tensor:
        _tensor_arg(op.name, other)
        return _out(_bin(inst, input, other, {}), out, op.name)

    fn.__name__, fn.__doc__ = op.name, op.doc
    return fn


logical_and = _logical(LogicalAnd)
logical_or = _logical(LogicalOr)
logical_xor = _logical(LogicalXor)


def _bitwise(op):
    inst = op.INSTANCE

    def fn(input: Tensor, other, *, out=None) -> Tensor:
        dt = D.result_type(input, other)
        if dt.is_floating_point:
            raise NotImplementedError(f'"{op.name}_cpu" not implemented for '
                                      f"'{_scalar_type_name(dt)}'")
        return _out(_bin(inst, input, other, {}), out, op.name)

    fn.__name__, fn.__doc__ = op.name, op.doc
    return fn


bitwise_and = _bitwise(BitwiseAnd)
bitwise_or = _bitwise(BitwiseOr)
bitwise_xor = _bitwise(BitwiseXor)


def equal(input: Tensor, other: Tensor) -> bool:
    """True if both have the same shape and elements."""
    if tuple(input._data.shape) != tuple(other._data.shape):
        return False
    return bool((input._data == other._data).all())


def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08,
             equal_nan: bool = False) -> bool:
    """|input - other| <= atol + rtol * |other| everywhere (broadcast; same dtype)."""
    if input._dtype is not other._dtype:
        raise RuntimeError(f"{_scalar_type_name(input._dtype)} did not match "
                           f"{_scalar_type_name(other._dtype)}")
    broadcast_shapes(input._data.shape, other._data.shape)
    xp = np if input._device.type == "cpu" else _xp_cuda()
    with _quiet():
        return bool(xp.allclose(input._data, other._data, rtol=rtol, atol=atol,
                                equal_nan=equal_nan))


def _xp_cuda():
    from .. import backend
    return backend.xp_for("cuda")


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
