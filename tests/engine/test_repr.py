"""``repr(tensor)`` against PyTorch's, character for character: float modes (integer-valued,
fixed, scientific), common width, nan/inf, ints, bools, 0-dim, empty, nesting, wrapping at
80 columns, summarisation past 1000 elements, the suffixes, and set_printoptions."""
from __future__ import annotations

import contextlib

import numpy as np
import pytest
import torch

import engine


def pair(a: np.ndarray):
    a = np.asarray(a)
    return engine.tensor(a), torch.tensor(a)


def check(a: np.ndarray) -> None:
    e, t = pair(a)
    assert repr(e) == repr(t)
    assert str(e) == str(t)


def values(kind: str, shape: tuple, rng) -> np.ndarray:
    if kind == "randn":
        return rng.standard_normal(shape).astype(np.float32)
    if kind == "big":
        return (rng.standard_normal(shape) * 1e9).astype(np.float32)
    if kind == "small":
        return rng.standard_normal(shape) * 1e-5
    if kind == "mixed":
        return (rng.standard_normal(shape) * 10.0 ** rng.integers(-6, 6, shape)).astype(np.float32)
    if kind == "int":
        return rng.integers(-1000, 1000, shape)
    if kind == "intfloat":
        return rng.integers(-100, 1000, shape).astype(np.float32)
    if kind == "bool":
        return rng.random(shape) > 0.5
    if kind == "nan":
        a = rng.standard_normal(shape).astype(np.float32)
        flat = a.reshape(-1)
        flat[::3] = np.nan
        flat[1::5] = np.inf
        flat[2::7] = -np.inf
        return a
    if kind == "half":
        return -np.abs(rng.standard_normal(shape)).astype(np.float16)
    if kind == "int32":
        return rng.integers(-5, 100000, shape).astype(np.int32)
    if kind == "f64":
        return rng.uniform(-50, 50, shape)
    if kind == "ratio":  # max/min just over 1000: scientific
        a = rng.uniform(1, 2, shape).astype(np.float32)
        a.reshape(-1)[0] = 1500.0
        a.reshape(-1)[-1] = 1.0
        return a
    raise ValueError(kind)


SHAPES = [(), (1,), (5,), (3, 4), (2, 3, 4), (30,), (7, 13), (1001,), (40, 40), (5, 5, 50),
          (2000, 3), (3, 2000), (10, 10, 10, 2), (1, 1, 1), (2, 1, 3, 1)]
KINDS = ["randn", "big", "small", "mixed", "int", "intfloat", "bool", "nan", "half", "int32",
         "f64", "ratio"]


@pytest.mark.parametrize("shape", SHAPES, ids=[str(s) for s in SHAPES])
@pytest.mark.parametrize("kind", KINDS)
def test_random_values(kind, shape):
    rng = np.random.default_rng(abs(hash((kind, shape))) % 2**32)
    check(values(kind, shape, rng))


@pytest.mark.parametrize("a", [
    [1.0, 2.0, 3.0], [3.0], [-1.0, 2.5], [0.0, 0.0], [-0.0, 1.5], [1e-8, 1.0], [1e8, 1.0],
    [1e9, 2e9], [123456.0, 0.5], [0.1, 0.25, 1000.0], [0.1, 100.0], [1e-4, 1e-3],
    [np.nan, 1.0], [np.inf, -np.inf, np.nan], [np.inf, 2.0], [np.nan], [0.0], [-5.0, 5.0],
    [[1.0, -1.0], [0.5, 1e3]], [1e100, 1e-100], [1.23456789e-5], [99999.5, 0.5],
    [2.0**60, 1.0], [-1e-9, 1e-9], list(range(100)), [float(i) for i in range(100)],
    [[float(i) * 0.37 for i in range(12)] for _ in range(9)],
], ids=lambda a: str(a)[:30])
def test_float_cases(a):
    with np.errstate(over="ignore"):
        check(np.array(a, dtype=np.float32))
    check(np.array(a, dtype=np.float64))


@pytest.mark.parametrize("a,dtype", [
    ([1, 2, 3], np.int64), ([-1, 200, 3], np.int64), ([1, 2], np.int32), ([1, 2], np.int16),
    ([1, -2], np.int8), ([1, 255], np.uint8), ([True, False], np.bool_), ([True], np.bool_),
    ([[True, True], [True, False]], np.bool_), (list(range(-50, 50)), np.int64),
    ([2**62, -3], np.int64), ([1.5, 2.0], np.float16),
], ids=lambda a: str(a)[:20])
def test_int_bool_and_dtype_suffix(a, dtype):
    check(np.array(a, dtype=dtype))


@pytest.mark.parametrize("v", [3.0, 3, True, False, 1e-8, float("nan"), -0.0, 2.5, -7, 1e10,
                               float("inf")])
def test_zero_dim(v):
    assert repr(engine.tensor(v)) == repr(torch.tensor(v))
    assert repr(engine.tensor(v, dtype=engine.float64)) == repr(torch.tensor(v, dtype=torch.float64))


@pytest.mark.parametrize("shape", [(0,), (0, 3), (3, 0), (2, 0, 1), (1, 0)])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool", "float16"])
def test_empty(shape, dtype):
    e = engine.zeros(shape, dtype=getattr(engine, dtype))
    t = torch.zeros(shape, dtype=getattr(torch, dtype))
    assert repr(e) == repr(t)


def test_empty_literals():
    for data in ([], [[]], [[], []]):
        assert repr(engine.tensor(data)) == repr(torch.tensor(data))


def test_big_tensors_are_summarised():
    for lib_a in (np.arange(2000), np.arange(2000.0), np.arange(1001.0) / 7,
                  np.arange(30000, dtype=np.float32).reshape(100, 300),
                  np.arange(5000, dtype=np.int32).reshape(10, 10, 50)):
        check(lib_a)
    rng = np.random.default_rng(1)
    check(rng.standard_normal((100, 100)).astype(np.float32))
    check(rng.standard_normal((7, 200)).astype(np.float32))


def test_suffixes_requires_grad_and_grad_fn():
    rng = np.random.default_rng(2)
    for a in (rng.standard_normal((2, 3)).astype(np.float32), rng.standard_normal(5),
              np.float32(1.5), rng.standard_normal((2, 50)).astype(np.float32),
              rng.standard_normal((3, 7)), np.array([1.0, 2.0], dtype=np.float16)):
        e, t = pair(a)
        e.requires_grad_()
        t.requires_grad_()
        assert repr(e) == repr(t)
        assert repr(e + 1) == repr(t + 1)
        assert repr(e * 2) == repr(t * 2)
        assert repr(e.detach()) == repr(t.detach())


def test_suffix_wraps_past_the_line_width():
    # the last line is long enough that ", grad_fn=<...>" goes on a new line
    for n in (6, 7, 8, 9, 10):
        a = (np.arange(n, dtype=np.float64) + 0.123456) * 1000
        e, t = pair(a)
        e.requires_grad_()
        t.requires_grad_()
        assert repr(e) == repr(t)
        assert repr(e * 2) == repr(t * 2)


def test_example_1_prints():
    def prog(lib):
        x = lib.ones(2, 2, requires_grad=True)
        y = x + 2
        z = y * y * 3
        return [repr(x), repr(y), repr(z)]
    assert prog(engine) == prog(torch)


@contextlib.contextmanager
def both_options(**kw):
    engine.set_printoptions(**kw)
    torch.set_printoptions(**kw)
    try:
        yield
    finally:
        engine.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


@pytest.mark.parametrize("kw", [
    {"precision": 2}, {"precision": 8}, {"precision": 0}, {"sci_mode": True},
    {"sci_mode": False}, {"linewidth": 40}, {"linewidth": 120}, {"threshold": 10},
    {"edgeitems": 1, "threshold": 5}, {"profile": "short"}, {"profile": "full"},
], ids=str)
def test_printoptions(kw):
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((4, 6)).astype(np.float32), np.arange(30),
              np.array([1e-6, 1.0, 1e6]), np.array([1.0, 2.0]), np.arange(1200.0),
              rng.standard_normal((20, 20))]
    with both_options(**kw):
        for a in arrays:
            check(a)


def test_get_printoptions_round_trip():
    opts = engine.get_printoptions()
    assert opts == {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80,
                    "sci_mode": None}
    engine.set_printoptions(precision=3)
    try:
        assert engine.get_printoptions()["precision"] == 3
    finally:
        engine.set_printoptions(profile="default")
    assert engine.get_printoptions() == opts


def test_non_contiguous_and_views_print_their_values():
    a = np.arange(12.0, dtype=np.float32).reshape(3, 4)
    check(a.T)
    check(a[:, ::2])
    check(a[::-1].copy())


@pytest.mark.gpu
@pytest.mark.skipif(not engine.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_suffix_and_summarised_gpu_tensor():
    e = engine.tensor([1.0, 2.0], device="cuda")
    assert repr(e) == "tensor([1., 2.], device='cuda:0')"
    e = engine.tensor([1, 2], dtype=engine.int32, device="cuda")
    assert repr(e) == "tensor([1, 2], device='cuda:0', dtype=torch.int32)"
    a = np.random.default_rng(4).standard_normal((300, 400)).astype(np.float32)
    g = engine.tensor(a, device="cuda")
    assert repr(g) == repr(torch.tensor(a))[:-1] + ", device='cuda:0')"
    e = engine.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    assert repr(e) == "tensor([1., 2.], device='cuda:0', requires_grad=True)"
