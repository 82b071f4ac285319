"""Elementwise and reduction ops against PyTorch: values, gradients, grad_fn names, result
dtypes (Python scalars, int and bool tensors, 0-dim tensors), error types and messages,
in-place variants and their autograd behaviour, ties, and the registry entries' samples."""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import engine
from engine.ops import elementwise, reduction
from engine.ops.registry import REGISTRY, TensorSpec

RNG = np.random.default_rng(0)


def lib_tensor(lib, arr, requires_grad=False):
    t = lib.tensor(arr)
    if requires_grad:
        t.requires_grad_(True)
    return t


def np_of(t):
    return np.asarray(t.detach().numpy())


def dtname(t) -> str:
    return str(t.dtype)


def check_same(e, t, atol=1e-5):
    assert dtname(e) == dtname(t), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape), (e.shape, t.shape)
    np.testing.assert_allclose(np_of(e).astype(np.float64), np_of(t).astype(np.float64),
                               rtol=1e-5, atol=atol, equal_nan=True)


def gf_name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


def raises_like(fn, prefix_only=False):
    """``fn(lib)`` raises the same exception type and message for engine and torch."""
    with pytest.raises(Exception) as et:
        fn(torch)
    with pytest.raises(type(et.value)) as ee:
        fn(engine)
    if prefix_only:
        assert str(ee.value).split("\n")[0][:40] == str(et.value).split("\n")[0][:40]
    else:
        assert str(ee.value) == str(et.value)


# --------------------------------------------------------------------------------------
# forward, backward and grad_fn name, one expression at a time

X = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], np.float32)  # ties and a zero on purpose
R = RNG.uniform(0.3, 2.0, (3, 4)).astype(np.float32)
N = RNG.normal(size=(2, 3, 4)).astype(np.float32)

EXPRS = {
    # arithmetic, with Python scalars on either side
    "add": lambda m, x: x + x * 2, "add_scalar": lambda m, x: 2.5 + x,
    "add_alpha": lambda m, x: m.add(x, x * 3, alpha=2), "sub": lambda m, x: x - 1,
    "sub_alpha": lambda m, x: m.sub(x, x.exp(), alpha=0.5), "rsub_scalar": lambda m, x: 2 - x,
    "rsub_tensor": lambda m, x: m.rsub(x, x * 3),
    "rsub_alpha": lambda m, x: m.rsub(x, 1.5, alpha=2),
    "mul": lambda m, x: x * x, "div": lambda m, x: x / (x + 1), "div_scalar": lambda m, x: x / 4,
    "rdiv": lambda m, x: 2 / (x + 1),
    "div_floor": lambda m, x: m.div(x, 0.7, rounding_mode="floor"),
    "div_trunc": lambda m, x: m.div(x - 2, x + 1, rounding_mode="trunc"),
    # engine's // is div(rounding_mode='floor'): DivBackward2 (torch's // is floor_divide)
    "floordiv": lambda m, x: (x - 1.5) // 0.5 if m is engine
    else m.div(x - 1.5, 0.5, rounding_mode="floor"),
    "rem_scalar": lambda m, x: x % 2.5, "rem_tensor": lambda m, x: m.remainder(x - 1.2, x + 1),
    "neg": lambda m, x: -x, "reciprocal": lambda m, x: (x + 1).reciprocal(),
    # powers
    "pow2": lambda m, x: x ** 2, "pow_half": lambda m, x: (x + 1) ** 0.5,
    "pow0": lambda m, x: x ** 0,
    "pow_neg": lambda m, x: (x + 1) ** -1.5, "pow_tensor": lambda m, x: (x + 1) ** (x * 0.5),
    "pow_zero_base": lambda m, x: (x * 0) ** x, "rpow": lambda m, x: 2 ** x,
    "rpow0": lambda m, x: 0 ** x,
    "rpow_neg": lambda m, x: m.pow(-2.0, x), "square": lambda m, x: x.square(),
    "pow_0dim": lambda m, x: x ** m.tensor(2.0),
    # unary math
    "sqrt": lambda m, x: (x + 1).sqrt(), "rsqrt": lambda m, x: (x + 1).rsqrt(),
    "exp": lambda m, x: x.exp(),
    "log": lambda m, x: (x + 1).log(), "log2": lambda m, x: (x + 1).log2(),
    "log10": lambda m, x: (x + 1).log10(),
    "log1p": lambda m, x: x.log1p(), "abs": lambda m, x: (x - 2).abs(), "sin": lambda m, x: x.sin(),
    "cos": lambda m, x: x.cos(), "tanh": lambda m, x: x.tanh(),
    "sigmoid": lambda m, x: (x - 1.5).sigmoid(),
    "relu": lambda m, x: (x - 2).relu(), "sign": lambda m, x: (x - 2).sign(),
    "floor": lambda m, x: (x * 0.7).floor(),
    "ceil": lambda m, x: (x * 0.7).ceil(), "round": lambda m, x: (x * 0.7).round(),
    "round_dec": lambda m, x: m.round(x * 0.37, decimals=1),
    # clamp, maximum, where
    "clamp": lambda m, x: x.clamp(2, 2.5), "clamp_min": lambda m, x: x.clamp(min=1.5),
    "clamp_max": lambda m, x: m.clamp(x, max=2), "clip": lambda m, x: x.clip(0.5, 2.5),
    "clamp_t": lambda m, x: x.clamp(x * 0 + 2, x * 0 + 3),
    "clamp_t_min": lambda m, x: m.clamp(x, min=x.sin() + 1),
    "clamp_t_crossed": lambda m, x: m.clamp(x, x * 0 + 3, x * 0 + 2),
    "maximum": lambda m, x: m.maximum(x, x * 0 + 2),
    "minimum": lambda m, x: m.minimum(x, x * 0 + 2),
    "max_other": lambda m, x: m.max(x, x * 0 + 2), "where": lambda m, x: m.where(x > 2, x, x * 2),
    "where_scalar": lambda m, x: m.where(x > 2, x, 0.0),
    "where_scalar_first": lambda m, x: m.where(x > 2, 1, x),
    # reductions
    "sum": lambda m, x: x.sum(), "sum1": lambda m, x: x.sum(1),
    "sum_tuple": lambda m, x: x.sum((0, 1)),
    "sum_neg_list": lambda m, x: x.sum([-1]), "sum_keep": lambda m, x: x.sum(0, keepdim=True),
    "sum_none_keep": lambda m, x: x.sum(None, True), "sum_empty_dims": lambda m, x: x.sum(()),
    "sum_dtype": lambda m, x: x.sum(dtype=m.float64), "mean": lambda m, x: x.mean(),
    "mean1": lambda m, x: x.mean(-1), "mean_keep": lambda m, x: x.mean((0, 1), True),
    "prod": lambda m, x: x.prod(), "prod1": lambda m, x: x.prod(1),
    "prod0_keep": lambda m, x: x.prod(0, True),
    "max": lambda m, x: x.max(), "min": lambda m, x: x.min(), "max1": lambda m, x: x.max(1)[0],
    "max0_keep": lambda m, x: x.max(0, True).values, "min1": lambda m, x: x.min(1).values,
    "amax": lambda m, x: x.amax(), "amax1": lambda m, x: x.amax(1),
    "amin0": lambda m, x: x.amin(0, True),
    "amax_tuple": lambda m, x: x.amax((0, 1)), "std": lambda m, x: x.std(),
    "std1": lambda m, x: x.std(1),
    "std_biased": lambda m, x: x.std(unbiased=False),
    "std_corr0": lambda m, x: x.std(0, correction=0),
    "var": lambda m, x: x.var(), "var_keep": lambda m, x: x.var(1, keepdim=True),
    "var_corr2": lambda m, x: x.var(correction=2),
    "std_const": lambda m, x: (x * 0).std(1), "norm": lambda m, x: x.norm(),
    "norm_p1": lambda m, x: (x - 2).norm(p=1),
    "norm_dim": lambda m, x: x.norm(dim=1), "norm_inf": lambda m, x: x.norm(float("inf")),
    "norm_ninf": lambda m, x: (x - 1).norm(float("-inf"), 1),
    "norm_p3": lambda m, x: (x - 2).norm(3),
    "norm_p05": lambda m, x: (x - 2).norm(0.5),
    "norm_fro_keep": lambda m, x: x.norm("fro", 1, True),
    "norm_zero": lambda m, x: (x * 0).norm(), "norm_fn": lambda m, x: m.norm(x, 2, (0, 1)),
    "cumsum": lambda m, x: x.cumsum(1), "cumsum0": lambda m, x: m.cumsum(x, dim=0),
    "logsumexp": lambda m, x: x.logsumexp(1),
    "logsumexp_all": lambda m, x: m.logsumexp(x, (0, 1), True),
}


@pytest.mark.parametrize("key", list(EXPRS))
def test_value_grad_and_name_match_torch(key):
    f = EXPRS[key]
    xe = lib_tensor(engine, X, True)
    xt = lib_tensor(torch, X, True)
    ye, yt = f(engine, xe), f(torch, xt)
    check_same(ye, yt)
    assert gf_name(ye) == gf_name(yt)
    seed = np.linspace(0.5, 1.5, max(yt.numel(), 1)).reshape(tuple(yt.shape)).astype(np.float32)
    if yt.requires_grad:
        ye.backward(engine.tensor(seed, dtype=ye.dtype))
        yt.backward(torch.tensor(seed, dtype=yt.dtype))
        if xt.grad is None:
            assert xe.grad is None
        else:
            check_same(xe.grad, xt.grad)


def test_rtruediv_is_reciprocal_then_mul():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = 2 / x
    assert y.grad_fn.name() == "MulBackward0"
    assert y.grad_fn.next_functions[0][0].name() == "ReciprocalBackward0"
    yt = 2 / torch.tensor([1.0, 2.0], requires_grad=True)
    assert yt.grad_fn.next_functions[0][0].name() == "ReciprocalBackward0"
    xi = engine.tensor([1, 2, 4])
    check_same(2 / xi, 2 / torch.tensor([1, 2, 4]))


def test_broadcast_gradients_sum_back():
    a = RNG.normal(size=(3, 1)).astype(np.float32)
    b = RNG.normal(size=(4,)).astype(np.float32)
    for fn in (lambda m, p, q: p * q + p / (q * q + 1), lambda m, p, q: m.maximum(p, q),
               lambda m, p, q: m.where(p > q, p, q), lambda m, p, q: p ** (q * q),
               lambda m, p, q: m.clamp(q, p - 1, p + 1)):
        pe, qe = lib_tensor(engine, a, True), lib_tensor(engine, b, True)
        pt, qt = lib_tensor(torch, a, True), lib_tensor(torch, b, True)
        ye, yt = fn(engine, pe, qe), fn(torch, pt, qt)
        check_same(ye, yt)
        ye.sum().backward()
        yt.sum().backward()
        check_same(pe.grad, pt.grad)
        check_same(qe.grad, qt.grad)


@pytest.mark.parametrize("fn", [
    lambda m, x: x.exp() * 2, lambda m, x: x.sum(0), lambda m, x: x.amax(1),
    lambda m, x: x.max(1).values, lambda m, x: x.logsumexp(0), lambda m, x: x.cumsum(1),
    lambda m, x: x.prod(1), lambda m, x: x.std(0), lambda m, x: x.norm(dim=0),
    lambda m, x: x.sqrt() / x.sum(1, keepdim=True),
])
def test_non_contiguous_inputs(fn):
    xe = engine.from_numpy(R.copy().T).requires_grad_()
    assert not xe.is_contiguous()
    xt = torch.from_numpy(R.copy().T).requires_grad_()
    ye, yt = fn(engine, xe), fn(torch, xt)
    check_same(ye, yt)
    ye.sum().backward()
    yt.sum().backward()
    check_same(xe.grad, xt.grad)


# --------------------------------------------------------------------------------------
# result dtypes

XI = np.array([1, 2, 3], np.int64)
XB = np.array([True, False, True])
FA = np.array([0.5, 2.0, 3.0], np.float32)


def I32(m): return m.tensor(XI.astype(np.int32))  # noqa: E704,E302
def I16(m): return m.tensor(XI.astype(np.int16))  # noqa: E704
def I8(m): return m.tensor(XI.astype(np.int8))  # noqa: E704
def F16(m): return m.tensor(FA.astype(np.float16))  # noqa: E704
def F64(m): return m.tensor(FA.astype(np.float64))  # noqa: E704


DTYPE_CASES = {
    "int+int": lambda m, i, f, b: i + i, "int+float_scalar": lambda m, i, f, b: i + 2.5,
    "int*bool": lambda m, i, f, b: i * b, "int+True": lambda m, i, f, b: i + True,
    "bool+bool": lambda m, i, f, b: b + b, "bool*bool": lambda m, i, f, b: b * b,
    "int/int": lambda m, i, f, b: i / i, "int/2": lambda m, i, f, b: i / 2,
    "bool/bool": lambda m, i, f, b: b / b,
    "int//2": lambda m, i, f, b: m.div(i, 2, rounding_mode="floor"),
    "int trunc neg": lambda m, i, f, b: m.div(-i * 7, 2, rounding_mode="trunc"),
    "int floor float": lambda m, i, f, b: m.div(i, 2.0, rounding_mode="floor"),
    "int%2": lambda m, i, f, b: i % 2, "int%2.5": lambda m, i, f, b: i % 2.5,
    "neg int%": lambda m, i, f, b: (-i) % 2,
    "int32+int64": lambda m, i, f, b: I32(m) + i, "int32*2.5": lambda m, i, f, b: I32(m) * 2.5,
    "int8+1": lambda m, i, f, b: I8(m) + 1, "int16+int8": lambda m, i, f, b: I16(m) + I8(m),
    "f16*2.": lambda m, i, f, b: F16(m) * 2.0,
    "f32+0dim f64": lambda m, i, f, b: f + m.tensor(1.0, dtype=m.float64),
    "int32+0dim int64": lambda m, i, f, b: I32(m) + m.tensor(1),
    "int+0dim float": lambda m, i, f, b: i + m.tensor(1.5),
    "f32+f64": lambda m, i, f, b: f + F64(m),
    "0dim int+0dim f64": lambda m, i, f, b: m.tensor(1) + m.tensor(2.0, dtype=m.float64),
    "int**2": lambda m, i, f, b: i ** 2, "int**2.": lambda m, i, f, b: i ** 2.0,
    "2**int": lambda m, i, f, b: 2 ** i,
    "2.**int": lambda m, i, f, b: 2.0 ** i, "int**int": lambda m, i, f, b: i ** i,
    "int**-int": lambda m, i, f, b: m.pow(i - 2, -(i - 1)),
    "bool**2": lambda m, i, f, b: b ** 2, "int32**2": lambda m, i, f, b: I32(m) ** 2,
    "f**int0": lambda m, i, f, b: f ** m.tensor(2),
    "sqrt int": lambda m, i, f, b: i.sqrt(), "exp int": lambda m, i, f, b: i.exp(),
    "log int": lambda m, i, f, b: i.log(),
    "sigmoid int": lambda m, i, f, b: i.sigmoid(), "tanh int": lambda m, i, f, b: i.tanh(),
    "sin int": lambda m, i, f, b: i.sin(),
    "reciprocal int": lambda m, i, f, b: i.reciprocal(), "rsqrt int": lambda m, i, f, b: i.rsqrt(),
    "sqrt bool": lambda m, i, f, b: b.sqrt(), "abs int": lambda m, i, f, b: (-i).abs(),
    "neg int": lambda m, i, f, b: -i,
    "relu int": lambda m, i, f, b: (i - 2).relu(), "square int": lambda m, i, f, b: i.square(),
    "square bool": lambda m, i, f, b: b.square(), "sign int": lambda m, i, f, b: (i - 2).sign(),
    "sign bool": lambda m, i, f, b: b.sign(), "floor int": lambda m, i, f, b: i.floor(),
    "round int": lambda m, i, f, b: i.round(),
    "clamp int int": lambda m, i, f, b: i.clamp(0, 2),
    "clamp int float": lambda m, i, f, b: i.clamp(0.5),
    "clamp bool": lambda m, i, f, b: b.clamp(0, 1),
    "clamp int float t": lambda m, i, f, b: i.clamp(f),
    "maximum int float": lambda m, i, f, b: m.maximum(i, f),
    "where int 2.5": lambda m, i, f, b: m.where(b, i, 2.5),
    "where 1 0": lambda m, i, f, b: m.where(b, 1, 0),
    "where 1. 0": lambda m, i, f, b: m.where(b, 1.0, 0),
    "where f64 f32": lambda m, i, f, b: m.where(b, F64(m), f),
    "eq int 2.5": lambda m, i, f, b: i == 2.5,
    "lt f int": lambda m, i, f, b: f < i,
    "ne bool True": lambda m, i, f, b: b != True,  # noqa: E712
    "isnan int": lambda m, i, f, b: i.isnan(), "isinf f": lambda m, i, f, b: (f / 0).isinf(),
    "isfinite f": lambda m, i, f, b: (f - 2).log().isfinite(),
    "logical_not int": lambda m, i, f, b: m.logical_not(i - 1),
    "logical_and": lambda m, i, f, b: m.logical_and(i - 1, f),
    "logical_or": lambda m, i, f, b: m.logical_or(b, i - 2),
    "logical_xor": lambda m, i, f, b: m.logical_xor(b, b),
    "bitwise_not int": lambda m, i, f, b: m.bitwise_not(i),
    "invert bool": lambda m, i, f, b: ~b, "invert int": lambda m, i, f, b: ~i,
    "bitwise_and": lambda m, i, f, b: m.bitwise_and(i, 6),
    "bitwise_or": lambda m, i, f, b: m.bitwise_or(i, I32(m)),
    "bitwise_xor bool": lambda m, i, f, b: m.bitwise_xor(b, b),
    "bitwise_and bool int": lambda m, i, f, b: m.bitwise_and(b, i),
    "all uint8": lambda m, i, f, b: m.tensor(XI.astype(np.uint8)).all(),
    "sum int": lambda m, i, f, b: i.sum(), "sum int32": lambda m, i, f, b: I32(m).sum(),
    "sum bool": lambda m, i, f, b: b.sum(),
    "sum int dtype": lambda m, i, f, b: i.sum(dtype=m.float32),
    "sum f16": lambda m, i, f, b: F16(m).sum(),
    "mean int dtype": lambda m, i, f, b: i.mean(dtype=m.float64),
    "prod int": lambda m, i, f, b: i.prod(),
    "prod bool": lambda m, i, f, b: b.prod(), "cumsum int": lambda m, i, f, b: i.cumsum(0),
    "cumsum bool": lambda m, i, f, b: b.cumsum(0),
    "cumsum dtype": lambda m, i, f, b: f.cumsum(0, dtype=m.float64),
    "max int": lambda m, i, f, b: i.max(), "amax bool": lambda m, i, f, b: b.amax(),
    "max bool": lambda m, i, f, b: b.max(),
    "argmax": lambda m, i, f, b: f.argmax(), "argmin keep": lambda m, i, f, b: f.argmin(0, True),
    "argmax nodim keep": lambda m, i, f, b: m.tensor([[0.5, 3.0, 2.0]]).argmax(keepdim=True),
    "logsumexp int": lambda m, i, f, b: i.logsumexp(0), "all": lambda m, i, f, b: f.all(),
    "any int": lambda m, i, f, b: (i - 1).any(0),
    "all keep": lambda m, i, f, b: m.tensor([[True, False, True]]).all(1, True),
    "all empty dims": lambda m, i, f, b: b.all(()),
    "norm dtype": lambda m, i, f, b: f.norm(dtype=m.float64),
}


@pytest.mark.parametrize("key", list(DTYPE_CASES))
def test_result_dtype_and_value_match_torch(key):
    fn = DTYPE_CASES[key]
    fa = FA
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ye = fn(engine, engine.tensor(XI), engine.tensor(fa), engine.tensor(XB))
        yt = fn(torch, torch.tensor(XI), torch.tensor(fa), torch.tensor(XB))
    check_same(ye, yt)


def test_equal_and_allclose():
    a, b = engine.tensor([1, 2, 3]), engine.tensor([1.0, 2.0, 3.0])
    assert engine.equal(a, b) is torch.equal(torch.tensor([1, 2, 3]), torch.tensor([1.0, 2, 3]))
    assert engine.equal(a, engine.tensor([1, 2])) is False
    assert engine.allclose(b, b + 1e-7) is True
    assert engine.allclose(b, engine.tensor([1.0])) is False
    assert b.allclose(engine.tensor([1.0, 2.0, 3.1]), atol=0.2) is True
    nan = engine.tensor([float("nan")])
    assert engine.allclose(nan, nan) is False and engine.allclose(nan, nan, equal_nan=True)


def test_comparison_with_none_and_strings():
    x = engine.tensor([1.0])
    assert (x == None) is False  # noqa: E711
    assert (x != None) is True  # noqa: E711
    with pytest.raises(TypeError, match="'<' not supported between instances of 'Tensor' and "
                                        "'NoneType'"):
        x < None  # noqa: B015


def test_where_with_condition_only_gives_indices():
    c = np.array([[True, False], [False, True]])
    for e, t in zip(engine.where(engine.tensor(c)), torch.where(torch.tensor(c))):
        check_same(e, t)


# --------------------------------------------------------------------------------------
# errors: same type and message as PyTorch

ERRORS = {
    "broadcast": lambda m: m.ones(3) + m.ones(2),
    "broadcast 2d": lambda m: m.ones(2, 3) * m.ones(3, 2),
    "broadcast eq": lambda m: m.ones(3) == m.ones(2),
    "broadcast where": lambda m: m.where(m.ones(3) > 0, m.ones(2), 0.0),
    "neg bool": lambda m: -m.tensor([True]),
    "sub bool": lambda m: m.tensor([True]) - m.tensor([False]),
    "sub bool scalar": lambda m: m.tensor([True]) - True,
    "alpha float on ints": lambda m: m.add(m.tensor([1]), m.tensor([2]), alpha=2.5),
    "int negative power": lambda m: m.tensor([2]) ** -1,
    "div bad mode": lambda m: m.div(m.ones(2), 2, rounding_mode="round"),
    "int floor div by zero": lambda m: m.div(m.tensor([1]), 0, rounding_mode="floor"),
    "int remainder by zero": lambda m: m.tensor([3]) % 0,
    "clamp no bounds": lambda m: m.ones(2).clamp(),
    "where float condition": lambda m: m.where(m.ones(2), m.ones(2), m.ones(2)),
    "where int condition": lambda m: m.where(m.tensor([1, 0]), 1.0, 0.0),
    "maximum scalar": lambda m: m.maximum(m.ones(2), 2),
    "logical_and scalar": lambda m: m.logical_and(m.ones(2), 1),
    "bitwise_not float": lambda m: m.bitwise_not(m.ones(2)),
    "bitwise_and float": lambda m: m.bitwise_and(m.tensor([1, 2]), 2.5),
    "abs bool": lambda m: m.tensor([True]).abs(),
    "relu bool": lambda m: m.relu(m.tensor([True])),
    "round decimals int": lambda m: m.round(m.tensor([1]), decimals=1),
    "allclose dtypes": lambda m: m.allclose(m.tensor([1]), m.tensor([1.0])),
    "allclose shapes": lambda m: m.allclose(m.ones(3), m.ones(2)),
    "fill_ 1-dim value": lambda m: m.zeros(3).fill_(m.tensor([1.0])),
    "copy_ shapes": lambda m: m.zeros(2).copy_(m.ones(3)),
    "copy_ bigger src": lambda m: m.zeros(3).copy_(m.ones(2, 3)),
    "add_ broadcast target": lambda m: m.zeros(3).add_(m.ones(2, 3)),
    "in-place float into int": lambda m: m.tensor([1, 2]).add_(1.5),
    "in-place int into bool": lambda m: m.tensor([True]).add_(m.tensor([1])),
    "sqrt_ int": lambda m: m.tensor([4]).sqrt_(),
    "div_ int": lambda m: m.tensor([4]).div_(2),
    "leaf in-place": lambda m: m.ones(2, requires_grad=True).exp_(),
    "mean int": lambda m: m.tensor([1, 2]).mean(),
    "mean int dim": lambda m: m.tensor([[1, 2]]).mean(1),
    "mean bool": lambda m: m.tensor([True]).mean(),
    "std int": lambda m: m.tensor([1, 2]).std(),
    "var int": lambda m: m.tensor([1, 2]).var(0),
    "norm int": lambda m: m.tensor([3, 4]).norm(),
    "norm bad order": lambda m: m.ones(2, 2).norm("abc"),
    "norm fro 3 dims": lambda m: m.ones(2, 2, 2).norm("fro", (0, 1, 2)),
    "sum dim out of range": lambda m: m.ones(2, 3).sum(2),
    "sum dim negative out of range": lambda m: m.ones(2, 3).mean(-3),
    "sum repeated dim": lambda m: m.ones(2, 3).sum((1, -1)),
    "sum 0-dim dim 1": lambda m: m.tensor(3.0).sum(1),
    "max empty": lambda m: m.zeros(0).max(),
    "min empty": lambda m: m.zeros(0).min(),
    "max empty dim": lambda m: m.zeros(0, 3).max(0),
    "amax empty": lambda m: m.zeros(0).amax(),
    "amax empty dim": lambda m: m.zeros(0, 3).amax(0),
    "argmax empty": lambda m: m.zeros(0).argmax(),
    "argmax empty dim": lambda m: m.zeros(0, 3).argmin(0),
    "cumsum bad dim": lambda m: m.ones(2, 3).cumsum(2),
    "sum to int with grad": lambda m: m.ones(2, requires_grad=True).sum(dtype=m.int64),
}


@pytest.mark.parametrize("key", list(ERRORS))
def test_errors_match_torch(key):
    raises_like(ERRORS[key])


@pytest.mark.parametrize("fn", [
    lambda m: m.ones(2).clamp(m.ones(2), 1.0),
    lambda m: m.ones(2, 3).prod((0, 1)),
    lambda m: m.ones(2, 3).max((0, 1)),
    lambda m: m.where(True, m.ones(2), m.ones(2)),
])
def test_type_errors(fn):
    with pytest.raises(TypeError):
        fn(torch)
    with pytest.raises(TypeError):
        fn(engine)


def test_no_numpy_warnings_for_inf_and_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        x = engine.tensor([0.0, -1.0, 1.0])
        for y in (x.log(), x.sqrt(), 1 / x, x / 0, x.rsqrt(), x.log2(), x.log10(), (x - 1).log1p(),
                  x.reciprocal(), x ** -1.0, (x * 100).exp(), (x * -200).sigmoid(),
                  engine.tensor([]).mean(), x % 0.0):
            assert y.shape is not None


def test_std_dof_warning_like_torch():
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        y = engine.tensor([3.0]).std()
    assert math.isnan(y.item())


# --------------------------------------------------------------------------------------
# max / min with dim: a named (values, indices) tuple


def test_max_dim_returns_values_and_indices():
    x = engine.tensor(X, requires_grad=True)
    r = x.max(1)
    values, indices = r
    assert isinstance(r, tuple) and len(r) == 2
    assert r.values is values and r.indices is indices
    assert values.grad_fn.name() == "MaxBackward0"
    assert indices.dtype == engine.int64 and not indices.requires_grad and indices.grad_fn is None
    rt = torch.tensor(X).max(1)
    check_same(values, rt.values)
    check_same(indices, rt.indices)
    assert repr(r).startswith("torch.return_types.max(\nvalues=")
    mn = engine.min(x, 0, keepdim=True)
    mt = torch.min(torch.tensor(X), 0, keepdim=True)
    check_same(mn.values, mt.values)
    check_same(mn.indices, mt.indices)
    assert type(mn).__name__ == "min"


def test_max_dim_on_0_dim_and_empty_other_dim():
    v, i = engine.tensor(3.0).max(0)
    assert v.item() == 3.0 and i.item() == 0 and i.dtype == engine.int64
    r = engine.zeros(0, 3).max(1)
    assert tuple(r.values.shape) == (0,) and tuple(r.indices.shape) == (0,)


def test_tie_gradients_follow_torch():
    """Full max/amax share ties evenly; max(dim) sends the gradient to the returned index."""
    for fn in (lambda x: x.max(), lambda x: x.amax(1), lambda x: x.max(0)[0], lambda x: x.min(1)[0],
               lambda x: x.norm(float("inf"))):
        xe, xt = lib_tensor(engine, X, True), lib_tensor(torch, X, True)
        fn(xe).sum().backward()
        fn(xt).sum().backward()
        check_same(xe.grad, xt.grad)


def test_max_with_nan_propagates():
    x = np.array([1.0, np.nan, 3.0], np.float32)
    xe, xt = lib_tensor(engine, x, True), lib_tensor(torch, x, True)
    check_same(xe.max(), xt.max())
    check_same(xe.max(0).indices, xt.max(0).indices)
    xe.max().backward()
    xt.max().backward()
    check_same(xe.grad, xt.grad)


# --------------------------------------------------------------------------------------
# dims, keepdim and numpy-style aliases


def test_axis_and_keepdims_aliases():
    n = engine.tensor(N)
    t = torch.tensor(N)
    check_same(n.sum(axis=1, keepdims=True), t.sum(1, keepdim=True))
    check_same(engine.sum(n, axis=(0, 2)), t.sum((0, 2)))
    check_same(n.mean(axis=-1), t.mean(-1))
    check_same(engine.mean(n, axis=[0, 1], keepdims=True), t.mean([0, 1], keepdim=True))


@pytest.mark.parametrize("dim", [0, -1, (0, 2), [1, -1], (-3, -2, -1)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_multi_dim_reductions(dim, keepdim):
    for name in ("sum", "mean", "amax", "amin", "std", "var", "logsumexp"):
        xe, xt = lib_tensor(engine, N, True), lib_tensor(torch, N, True)
        ye = getattr(engine, name)(xe, dim, keepdim=keepdim)
        yt = getattr(torch, name)(xt, dim, keepdim=keepdim)
        check_same(ye, yt)
        assert gf_name(ye) == gf_name(yt)
        ye.sum().backward()
        yt.sum().backward()
        check_same(xe.grad, xt.grad)
    check_same(engine.any(engine.tensor(N) > 0, dim, keepdim),
               torch.any(torch.tensor(N) > 0, dim, keepdim))
    check_same(engine.tensor(N).norm(2, dim, keepdim), torch.tensor(N).norm(2, dim, keepdim))


def test_std_var_signatures():
    xe, xt = engine.tensor(N), torch.tensor(N)
    check_same(xe.std(False), xt.std(False))
    check_same(engine.std(xe, 1, False), torch.std(xt, 1, False))
    check_same(engine.var(xe, 1, True, True), torch.var(xt, 1, True, True))
    check_same(xe.var(correction=0), xt.var(correction=0))
    check_same(engine.std(xe, (0, 1), correction=2, keepdim=True),
               torch.std(xt, (0, 1), correction=2, keepdim=True))


def test_prod_with_zeros_gradient():
    x = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 5.0]], np.float32)
    for fn in (lambda t: t.prod(), lambda t: t.prod(1), lambda t: t.prod(0, True)):
        xe, xt = lib_tensor(engine, x, True), lib_tensor(torch, x, True)
        fn(xe).sum().backward()
        fn(xt).sum().backward()
        check_same(xe.grad, xt.grad)


def test_logsumexp_extremes():
    for x in ([-math.inf, -math.inf], [math.inf, 1.0], [1000.0, 1000.0], [-1000.0, 0.0]):
        check_same(engine.tensor(x).logsumexp(0), torch.tensor(x).logsumexp(0))
    check_same(engine.zeros(0).logsumexp(0), torch.zeros(0).logsumexp(0))


def test_zero_dim_reductions():
    for fn in (lambda m, s: s.sum(0), lambda m, s: s.mean(-1), lambda m, s: s.cumsum(0),
               lambda m, s: s.amax(0), lambda m, s: s.prod(0), lambda m, s: s.argmax(0),
               lambda m, s: s.sum(), lambda m, s: s.norm(), lambda m, s: s.all(0)):
        check_same(fn(engine, engine.tensor(2.5)), fn(torch, torch.tensor(2.5)))


# --------------------------------------------------------------------------------------
# in-place variants

def ip(name, *args, **kw):
    """An in-place call: the engine's function form (some Tensor methods are the lead's to add),
    torch's method."""
    def call(t, lib):
        if lib is engine:
            return getattr(engine, name)(t, *args, **kw)
        return getattr(t, name)(*args, **kw)
    return call


INPLACE = {
    "add_": lambda t, o, m: t.add_(o), "add_alpha_": lambda t, o, m: t.add_(o, alpha=2),
    "sub_": lambda t, o, m: t.sub_(2.0), "mul_": lambda t, o, m: t.mul_(o),
    "div_": lambda t, o, m: t.div_(o + 3),
    "div_floor_": lambda t, o, m: t.div_(0.7, rounding_mode="floor"),
    "remainder_": lambda t, o, m: ip("remainder_", 1.5)(t, m),
    "pow_": lambda t, o, m: t.pow_(2), "pow_tensor_": lambda t, o, m: t.abs_().add_(0.5).pow_(o),
    "neg_": lambda t, o, m: t.neg_(), "exp_": lambda t, o, m: t.exp_(),
    "log_": lambda t, o, m: t.abs_().add_(1).log_(), "sqrt_": lambda t, o, m: t.abs_().sqrt_(),
    "tanh_": lambda t, o, m: t.tanh_(), "sigmoid_": lambda t, o, m: t.sigmoid_(),
    "relu_": lambda t, o, m: t.relu_(), "clamp_": lambda t, o, m: t.clamp_(-0.5, 0.5),
    "clip_": lambda t, o, m: t.clip_(0), "clamp_t_": lambda t, o, m: t.clamp_(o, None),
    "square_": lambda t, o, m: t.square_(), "abs_": lambda t, o, m: t.abs_(),
    "sign_": lambda t, o, m: ip("sign_")(t, m), "sin_": lambda t, o, m: ip("sin_")(t, m),
    "reciprocal_": lambda t, o, m: ip("reciprocal_")(t.add_(3), m),
    "floor_": lambda t, o, m: ip("floor_")(t, m), "round_": lambda t, o, m: ip("round_")(t, m),
    "log1p_": lambda t, o, m: ip("log1p_")(t.abs_(), m),
    "fill_": lambda t, o, m: t.fill_(2), "fill_tensor_": lambda t, o, m: t.fill_(o.sum()),
    "zero_": lambda t, o, m: ip("zero_")(t, m), "copy_": lambda t, o, m: t.copy_(o),
    "copy_broadcast_": lambda t, o, m: t.copy_(o.sum(0, keepdim=True)),
}


@pytest.mark.parametrize("key", list(INPLACE))
def test_inplace_on_non_leaf_matches_torch(key):
    f = INPLACE[key]
    a = RNG.normal(size=(2, 3)).astype(np.float32)
    o = RNG.normal(size=(2, 3)).astype(np.float32)
    res = []
    for m in (engine, torch):
        x = lib_tensor(m, a, True)
        other = lib_tensor(m, o, True)
        y = x * 1.0
        v0 = y._version
        z = f(y, other, m)
        assert z is y
        bumped = y._version > v0
        name = gf_name(y)
        y.backward(m.ones(2, 3))
        res.append((y, name, bumped, x.grad, other.grad))
    (ye, ne, be, gxe, goe), (yt, nt, bt, gxt, got) = res
    check_same(ye, yt)
    if key == "copy_" or key == "copy_broadcast_":
        assert ne == "CopyBackwards" and nt == "torch::autograd::CopyBackwards"
    else:
        assert ne == nt
    assert be and bt
    for ge, gt in ((gxe, gxt), (goe, got)):
        assert (ge is None) == (gt is None)
        if gt is not None:
            check_same(ge, gt)


def test_inplace_under_no_grad_on_leaf_and_versions():
    x = engine.ones(3, requires_grad=True)
    with engine.no_grad():
        x.mul_(2).add_(1)
        x.fill_(5.0)
    assert x.grad_fn is None and x.requires_grad and x._version == 3
    assert x.tolist() == [5.0, 5.0, 5.0]


def test_inplace_change_of_saved_tensor_breaks_backward():
    for m in (engine, torch):
        x = m.ones(3, requires_grad=True)
        y = x * 1
        z = y.exp()  # saves its output
        z.add_(1)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.sum().backward()
        w = x * 1
        u = w * 2  # the VJP for w reads only the 2, so changing w afterwards is harmless
        w.add_(1)
        u.sum().backward()
        s = x * 1
        t = s.log()  # saves its input
        s.mul_(2)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            t.sum().backward()


def test_inplace_dtype_rules():
    f32 = engine.ones(3)
    f32.add_(engine.ones(3, dtype=engine.float64))  # double result cast into float: fine
    assert f32.dtype == engine.float32 and f32.tolist() == [2.0, 2.0, 2.0]
    i32 = engine.ones(3, dtype=engine.int32)
    i32.add_(engine.tensor([1, 2, 3]))
    assert i32.dtype == engine.int32 and i32.tolist() == [2, 3, 4]
    xi = engine.tensor([5, -7])
    xi.div_(2, rounding_mode="trunc")
    assert xi.tolist() == torch.tensor([5, -7]).div_(2, rounding_mode="trunc").tolist()


def test_fill_zero_copy_names_and_grads():
    for m in (engine, torch):
        x = m.ones(3, requires_grad=True)
        v = m.tensor(2.0, requires_grad=True)
        y = x * 1
        y.fill_(v)
        assert y.grad_fn.name() == "FillBackward3"
        y.sum().backward()
        assert v.grad.item() == 3.0 and x.grad.tolist() == [0.0, 0.0, 0.0]
        y2 = x * 1
        assert y2.fill_(1).grad_fn.name() == "FillBackward2"
        z = x * 1
        (engine.zero_(z) if m is engine else z.zero_())
        assert z.grad_fn.name() == "ZeroBackward0"
    dst = engine.zeros(2, 3, dtype=engine.int64)
    dst.copy_(engine.tensor([1.7, -2.2, 3.0]))
    assert dst.tolist() == torch.zeros(2, 3, dtype=torch.int64).copy_(
        torch.tensor([1.7, -2.2, 3.0])).tolist()
    src = engine.tensor([1.0, 2.0, 3.0], requires_grad=True)
    d = engine.zeros(2, 3)
    d.copy_(src)
    assert d.grad_fn.name() == "CopyBackwards"
    d.sum().backward()
    assert src.grad.tolist() == [2.0, 2.0, 2.0]


def test_out_argument():
    o = engine.empty(3)
    r = engine.add(engine.ones(3), 2, out=o)
    assert r is o and o.tolist() == [3.0, 3.0, 3.0]
    raises_like(lambda m: m.add(m.ones(3, requires_grad=True), 1, out=m.empty(3)))


# --------------------------------------------------------------------------------------
# registry entries: samples build, run, and infer() agrees with forward


def _sample_operand(spec, rng):
    if isinstance(spec, (int, float)):
        return spec
    if isinstance(spec, tuple) and spec and spec[0] == "T":
        shape = spec[1]
        return engine.from_numpy(rng.uniform(0.5, 1.5, shape[::-1]).astype(np.float32).T)
    if isinstance(spec, tuple) and spec and spec[0] == "bool":
        return engine.tensor(rng.integers(0, 2, spec[1]).astype(bool))
    if isinstance(spec, tuple) and spec and spec[0] == "int":
        _, shape, lo, hi = spec
        return engine.tensor(rng.integers(lo, hi, shape))
    return engine.tensor(rng.uniform(0.5, 1.5, spec).astype(np.float32))


MY_OPS = sorted(k for k, op in REGISTRY.items()
                if type(op).__module__.startswith((elementwise.__name__, reduction.__name__)))


@pytest.mark.parametrize("key", MY_OPS)
def test_samples_run_and_infer_agrees(key):
    from engine.autograd.graph import apply
    op = REGISTRY[key]
    samples = list(op.samples())
    assert samples, f"{key} has no samples"
    rng = np.random.default_rng(1)
    for s in samples:
        operands = [_sample_operand(sp, rng) for sp in s.shapes]
        out = apply(op, operands, dict(s.attrs))
        outs = out if isinstance(out, tuple) else (out,)
        specs = [TensorSpec(tuple(o.shape), o.dtype) if isinstance(o, engine.Tensor) else o
                 for o in operands]
        inferred = op.infer(specs, dict(s.attrs))
        assert [(tuple(i.shape), i.dtype) for i in inferred] == \
            [(tuple(o.shape), o.dtype) for o in outs], (key, s)
        assert op.grad_fn_name(dict(s.attrs)).endswith(("Backward0", "Backward1", "Backward2",
                                                        "Backward3", "Backwards"))


def test_every_public_function_is_exported():
    for mod in (elementwise, reduction):
        for name in mod.__all__:
            assert getattr(engine, name) is getattr(mod, name), name
