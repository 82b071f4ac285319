"""One-input math and activations: neg, reciprocal, square, sqrt, rsqrt, exp, logs, abs, sin,
cos, tanh, sigmoid, relu, and the stepwise sign, floor, ceil, round.

Each op is one record: ``fn`` computes it and ``vjp`` its gradient, from the input or (with
``saves_result``) the result; see :class:`~.base.Pointwise`.
"""
from __future__ import annotations

import math
from operator import truediv

from ... import _dtype as D
from ...autograd.graph import _scalar_type_name, apply, apply_inplace
from ...tensor import Tensor
from ..registry import Attr, Sample, register
from .base import (FloatPointwise, Pointwise, Stepwise, Unary, _kernel_refuses_bool, _out,
                   _q, _refuse_bool, _unary)

__all__ = [
    "neg", "neg_", "negative", "reciprocal", "reciprocal_", "square", "square_",
    "sqrt", "sqrt_", "rsqrt", "rsqrt_", "exp", "exp_", "log", "log_", "log2", "log2_",
    "log10", "log10_", "log1p", "log1p_", "abs", "abs_", "absolute", "sin", "sin_", "cos", "cos_",
    "tanh", "tanh_", "sigmoid", "sigmoid_", "relu", "relu_", "sign", "sign_", "floor", "floor_",
    "ceil", "ceil_", "round", "round_",
]

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def _rsqrt(xp, a):
    return xp.reciprocal(xp.sqrt(a))


def _sigmoid(xp, a):
    return xp.reciprocal(xp.exp(-a) + 1)


@register
class Neg(Unary):
    name = "neg"
    family = "arithmetic"
    doc = "-input."

    def forward(self, ctx, a):
        return ctx.xp.negative(a)  # nothing to save

    def backward(self, ctx, g):
        return -g


@register
class Reciprocal(FloatPointwise):
    name = "reciprocal"
    doc = "1 / input."
    domain = (0.5, 2.0)
    saves_result = True
    fn = staticmethod(lambda xp, a: _q(xp.reciprocal, a))
    vjp = staticmethod(lambda xp, g, out: -g * (out * out))


@register
class Square(Pointwise):
    name = "square"
    grad_name = "PowBackward0"  # PyTorch computes square as pow(input, 2)
    doc = "input * input."
    fn = staticmethod(lambda xp, a: a * a)
    vjp = staticmethod(lambda xp, g, a: g * (a * 2))

    def compute_dtype(self, operands, attrs):
        dt = operands[0].dtype
        return D.int64 if dt is D.bool_ else dt


@register
class Sqrt(FloatPointwise):
    name = "sqrt"
    doc = "Square root."
    domain = (0.2, 2.0)
    saves_result = True
    fn = staticmethod(lambda xp, a: _q(xp.sqrt, a))
    vjp = staticmethod(lambda xp, g, out: _q(truediv, g, out * 2))


@register
class Rsqrt(FloatPointwise):
    name = "rsqrt"
    doc = "1 / sqrt(input)."
    domain = (0.2, 2.0)
    saves_result = True
    fn = staticmethod(lambda xp, a: _q(_rsqrt, xp, a))
    vjp = staticmethod(lambda xp, g, out: g * (out * out * out * -0.5))


@register
class Exp(FloatPointwise):
    name = "exp"
    doc = "e ** input."
    saves_result = True
    fn = staticmethod(lambda xp, a: _q(xp.exp, a))
    vjp = staticmethod(lambda xp, g, out: g * out)


@register
class Log(FloatPointwise):
    name = "log"
    doc = "Natural logarithm."
    domain = (0.2, 2.0)
    fn = staticmethod(lambda xp, a: _q(xp.log, a))
    vjp = staticmethod(lambda xp, g, a: _q(truediv, g, a))


@register
class Log2(FloatPointwise):
    name = "log2"
    doc = "Base-2 logarithm."
    domain = (0.2, 2.0)
    fn = staticmethod(lambda xp, a: _q(xp.log2, a))
    vjp = staticmethod(lambda xp, g, a: _q(truediv, g, a * _LN2))


@register
class Log10(FloatPointwise):
    name = "log10"
    doc = "Base-10 logarithm."
    domain = (0.2, 2.0)
    fn = staticmethod(lambda xp, a: _q(xp.log10, a))
    vjp = staticmethod(lambda xp, g, a: _q(truediv, g, a * _LN10))


@register
class Log1p(FloatPointwise):
    name = "log1p"
    grad_name = "Log1PBackward0"
    doc = "log(1 + input), accurate for small input."
    domain = (-0.5, 2.0)
    fn = staticmethod(lambda xp, a: _q(xp.log1p, a))
    vjp = staticmethod(lambda xp, g, a: _q(truediv, g, a + 1))


@register
class Abs(Pointwise):
    name = "abs"
    doc = "|input|."
    fn = staticmethod(lambda xp, a: xp.abs(a))
    vjp = staticmethod(lambda xp, g, a: g * xp.sign(a))


@register
class Sin(FloatPointwise):
    name = "sin"
    doc = "Sine."
    fn = staticmethod(lambda xp, a: xp.sin(a))
    vjp = staticmethod(lambda xp, g, a: g * xp.cos(a))


@register
class Cos(FloatPointwise):
    name = "cos"
    doc = "Cosine."
    fn = staticmethod(lambda xp, a: xp.cos(a))
    vjp = staticmethod(lambda xp, g, a: -g * xp.sin(a))


@register
class Tanh(FloatPointwise):
    name = "tanh"
    family = "activation"
    doc = "Hyperbolic tangent."
    saves_result = True
    fn = staticmethod(lambda xp, a: xp.tanh(a))
    vjp = staticmethod(lambda xp, g, out: g * (1 - out * out))


@register
class Sigmoid(FloatPointwise):
    name = "sigmoid"
    family = "activation"
    doc = "1 / (1 + exp(-input))."
    saves_result = True
    fn = staticmethod(lambda xp, a: _q(_sigmoid, xp, a))
    vjp = staticmethod(lambda xp, g, out: g * (out * (1 - out)))


@register
class Relu(Pointwise):
    name = "relu"
    family = "activation"
    doc = "max(input, 0)."
    saves_result = True
    fn = staticmethod(lambda xp, a: xp.maximum(a, 0))
    vjp = staticmethod(lambda xp, g, out: g * (out > 0))


@register
class Sign(Stepwise):
    name = "sign"
    doc = "-1, 0 or 1 by the sign of input."
    fn = staticmethod(lambda xp, a: a.copy() if a.dtype.kind == "b" else xp.sign(a))


@register
class Floor(Stepwise):
    name = "floor"
    doc = "Round down."
    fn = staticmethod(lambda xp, a: xp.floor(a) if a.dtype.kind == "f" else a.copy())


@register
class Ceil(Stepwise):
    name = "ceil"
    doc = "Round up."
    fn = staticmethod(lambda xp, a: xp.ceil(a) if a.dtype.kind == "f" else a.copy())


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
# public functions


_NEG_BOOL = ("Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
             "to invert a mask, use the `~` or `logical_not()` operator instead.")

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
