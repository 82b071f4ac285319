"""Binary arithmetic: add, sub, rsub, mul, div, remainder.

Ops whose PyTorch ``grad_fn`` name depends on whether an argument is a Python number
(``2 - x`` is ``RsubBackward1``) are separate registered ops with that number as an attribute;
the public functions pick the op. Add, Sub, Mul and Div are the hot path: keep them lean.
"""
from __future__ import annotations

from ... import _dtype as D
from ...autograd.graph import apply, apply_inplace
from ...tensor import Tensor
from ..registry import REQUIRED, Attr, OpDef, Sample, register
from .base import Binary, _bin, _bin_, _out, _q, _quiet

__all__ = [
    "add", "add_", "sub", "sub_", "subtract", "rsub", "mul", "mul_", "multiply",
    "div", "div_", "divide", "true_divide", "remainder", "remainder_",
]


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
# public functions


def _check_alpha(input, other, alpha) -> None:
    if isinstance(alpha, float) and not D.result_type(input, other).is_floating_point:
        raise RuntimeError("For integral input tensors, argument alpha must not be a floating "
                           "point number.")


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
