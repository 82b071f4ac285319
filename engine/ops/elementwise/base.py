"""What the elementwise modules share: quiet numpy arithmetic, the base classes of binary and
unary ops, and the helpers behind the public functions (``_bin``, ``_out``, ``_unary``)."""
from __future__ import annotations

import numpy as np

from ... import _dtype as D
from ...autograd.graph import apply, apply_inplace
from ...autograd.grad_mode import is_grad_enabled
from ...tensor import Tensor
from ..registry import OpDef, Sample, TensorSpec, broadcast_shapes

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


def _with_flags(samples, **flags):
    """``samples`` with some Sample fields changed (grad=False for ops with no gradient)."""
    for s in samples:
        for k, v in flags.items():
            setattr(s, k, v)
        yield s


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


class Pointwise(Unary):
    """A one-input op written as two functions side by side: ``fn(xp, a)`` computes it and
    ``vjp(xp, g, saved)`` is its gradient, from the one array forward saves: the input, or the
    result where ``saves_result`` (whichever the VJP reads)."""

    saves_result = False

    def forward(self, ctx, a):
        out = self.fn(ctx.xp, a)
        ctx.save(out if self.saves_result else a)
        return out

    def backward(self, ctx, g):
        (saved,) = ctx.saved
        return self.vjp(ctx.xp, g, saved)


class FloatPointwise(Pointwise):
    """A pointwise op whose result is floating: int and bool inputs become the default float."""

    dtype_rule = "float"


class Stepwise(Unary):
    """Piecewise-constant ops (sign, floor, ...): the gradient is zero; nothing is saved."""

    def forward(self, ctx, a, **attrs):
        return self.fn(ctx.xp, a, **attrs)

    def backward(self, ctx, g):
        return ctx.xp.zeros_like(g)

    def samples(self):
        return _with_flags(super().samples(), gradcheck=False)


# --------------------------------------------------------------------------------------
# helpers of the public functions


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


def _tensor_arg(name: str, other, pos: int = 2) -> None:
    if not isinstance(other, Tensor):
        raise TypeError(f"{name}(): argument 'other' (position {pos}) must be Tensor, not "
                        f"{type(other).__name__}")


def _refuse_bool(exc: type, message: str):
    """A check for one-input ops PyTorch refuses on bool tensors (with its message)."""
    def check(input: Tensor) -> None:
        if input._dtype is D.bool_:
            raise exc(message)
    return check


def _kernel_refuses_bool(kernel: str):
    return _refuse_bool(NotImplementedError, f'"{kernel}" not implemented for \'Bool\'')


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
