"""Property tests against PyTorch: random programs, type promotion, broadcasting.

Random compositions of elementwise, reduction, shape and matmul ops on random shapes give the
same values, grad_fn and leaf gradients as PyTorch; result_type / promote_types / the dtype of
``a + b`` agree with PyTorch for random dtype pairs and Python scalars; ``broadcast_shapes``
agrees with PyTorch's, errors included.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import engine
from engine.ops.registry import broadcast_shapes

SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, report_multiple_bugs=False,
                    suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------------------
# random programs

UNARY = ("neg", "tanh", "sigmoid", "sin", "cos", "relu", "abs", "square", "exp_tanh", "sqrt_sq")
SCALAR = ("add", "radd", "sub", "rsub", "mul", "rmul", "div", "pow2")
BINARY = ("add", "sub", "mul")


def _broadcastable_to(draw, shape: tuple) -> tuple:
    """A shape that broadcasts against ``shape`` (dims set to 1, leading dims dropped/added)."""
    s = [1 if draw(st.booleans()) else n for n in shape]
    drop = draw(st.integers(0, len(s)))
    s = s[drop:]
    if len(shape) < 3 and draw(st.integers(0, 4)) == 0:
        s = [draw(st.integers(1, 3))] + s  # the other operand adds a leading dim
    return tuple(s)


@st.composite
def programs(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=0, max_size=3)))
    cur = shape
    steps = []
    for _ in range(draw(st.integers(1, 5))):
        kinds = ["unary", "scalar", "binary"]
        if len(cur) >= 1:
            kinds += ["reduce", "matmul", "unsqueeze", "flatten"]
        if len(cur) >= 2:
            kinds += ["transpose", "permute"]
        if 0 < len(cur) < 3:
            kinds += ["unsqueeze"]
        kind = draw(st.sampled_from(kinds))
        if kind == "unary":
            steps.append(("unary", draw(st.sampled_from(UNARY))))
        elif kind == "scalar":
            c = draw(st.sampled_from([0.5, 1.5, 2.0, -0.75, 3.0, 2]))
            steps.append(("scalar", draw(st.sampled_from(SCALAR)), c))
        elif kind == "binary":
            other = _broadcastable_to(draw, cur)
            steps.append(("binary", draw(st.sampled_from(BINARY)), other))
            cur = broadcast_shapes(cur, other)
        elif kind == "reduce":
            name = draw(st.sampled_from(["sum", "mean", "amax", "sum_all", "mean_all"]))
            if name.endswith("_all"):
                steps.append(("reduce", name[:-4], None, False))
                cur = ()
            else:
                dim = draw(st.integers(-len(cur), len(cur) - 1))
                keep = draw(st.booleans())
                steps.append(("reduce", name, dim, keep))
                d = dim % len(cur)
                cur = cur[:d] + ((1,) if keep else ()) + cur[d + 1:]
        elif kind == "matmul":
            k = draw(st.integers(1, 4))
            steps.append(("matmul", (cur[-1], k)))
            cur = cur[:-1] + (k,)
        elif kind == "unsqueeze":
            dim = draw(st.integers(-len(cur) - 1, len(cur)))
            steps.append(("unsqueeze", dim))
            d = dim % (len(cur) + 1)
            cur = cur[:d] + (1,) + cur[d:]
        elif kind == "flatten":
            steps.append(("flatten",))
            cur = (int(np.prod(cur)),)
        elif kind == "transpose":
            d0, d1 = draw(st.integers(0, len(cur) - 1)), draw(st.integers(-len(cur), -1))
            steps.append(("transpose", d0, d1))
            c = list(cur)
            c[d0], c[d1] = c[d1], c[d0]
            cur = tuple(c)
        elif kind == "permute":
            perm = tuple(draw(st.permutations(range(len(cur)))))
            steps.append(("permute", perm))
            cur = tuple(cur[p] for p in perm)
    return shape, steps, draw(st.integers(0, 2**32 - 1))


def run_program(lib, shape, steps, arrays: list[np.ndarray]):
    """Interpret ``steps`` with ``lib`` (engine or torch); returns output and leaves."""
    leaves = []

    def leaf(i):
        t = lib.from_numpy(arrays[i].copy()).requires_grad_()
        leaves.append(t)
        return t

    x = leaf(0)
    n = 1
    for st_ in steps:
        kind = st_[0]
        if kind == "unary":
            name = st_[1]
            if name == "exp_tanh":
                x = x.tanh().exp()
            elif name == "sqrt_sq":
                x = (x * x + 1).sqrt()
            elif name == "square":
                x = x.square()
            else:
                x = getattr(x, name)()
        elif kind == "scalar":
            _, name, c = st_
            x = {"add": lambda: x + c, "radd": lambda: c + x, "sub": lambda: x - c,
                 "rsub": lambda: c - x, "mul": lambda: x * c, "rmul": lambda: c * x,
                 "div": lambda: x / c, "pow2": lambda: x ** 2}[name]()
        elif kind == "binary":
            _, name, _shape = st_
            y = leaf(n)
            n += 1
            x = getattr(x, name)(y)
        elif kind == "reduce":
            _, name, dim, keep = st_
            x = getattr(x, name)() if dim is None else getattr(x, name)(dim, keepdim=keep)
        elif kind == "matmul":
            y = leaf(n)
            n += 1
            x = x @ y
        elif kind == "unsqueeze":
            x = x.unsqueeze(st_[1])
        elif kind == "flatten":
            x = x.reshape(-1)
        elif kind == "transpose":
            x = x.transpose(st_[1], st_[2])
        elif kind == "permute":
            x = x.permute(*st_[1])
    return x, leaves


def _leaf_shapes(shape, steps) -> list[tuple]:
    shapes = [shape]
    for st_ in steps:
        if st_[0] in ("binary", "matmul"):
            shapes.append(tuple(st_[-1]))
    return shapes


@SETTINGS
@given(programs())
def test_random_programs_match_torch(prog):
    shape, steps, seed = prog
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-2, 2, size=s) for s in _leaf_shapes(shape, steps)]
    t_out, t_leaves = run_program(torch, shape, steps, arrays)
    e_out, e_leaves = run_program(engine, shape, steps, arrays)
    assert tuple(e_out.shape) == tuple(t_out.shape), steps
    assert str(e_out.dtype) == str(t_out.dtype), steps
    np.testing.assert_allclose(e_out.detach().numpy(), t_out.detach().numpy(),
                               rtol=1e-9, atol=1e-12, err_msg=str(steps))
    assert e_out.grad_fn.name() == t_out.grad_fn.name(), steps
    up = rng.standard_normal(tuple(t_out.shape))
    t_out.backward(torch.from_numpy(up.copy()))
    e_out.backward(engine.from_numpy(up.copy()))
    for k, (e, t) in enumerate(zip(e_leaves, t_leaves)):
        tg = t.grad.numpy() if t.grad is not None else np.zeros(t.shape)
        eg = e.grad.numpy() if e.grad is not None else np.zeros(tuple(e.shape))
        np.testing.assert_allclose(eg, tg, rtol=1e-9, atol=1e-12,
                                   err_msg=f"grad of leaf {k}; {steps}")


# --------------------------------------------------------------------------------------
# dtype promotion

DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")


@pytest.mark.parametrize("a", DTYPES)
def test_promote_types_all_pairs(a):
    for b in DTYPES:
        got = engine.promote_types(getattr(engine, a),
                                   getattr(engine, b))
        assert str(got) == str(torch.promote_types(getattr(torch, a), getattr(torch, b))), (a, b)


@st.composite
def operands(draw):
    """('tensor', dtype, zero_dim) or ('scalar', python number)."""
    if draw(st.integers(0, 2)) < 2:
        return ("tensor", draw(st.sampled_from(DTYPES)), draw(st.booleans()))
    return ("scalar", draw(st.one_of(st.booleans(), st.integers(-3, 3),
                                     st.floats(-3, 3, allow_nan=False))))


def _make(lib, spec):
    if spec[0] == "scalar":
        return spec[1]
    _, dt, zero = spec
    return lib.ones(() if zero else (2,), dtype=getattr(lib, dt))


@SETTINGS
@given(operands(), operands())
def test_result_type_matches_torch(a, b):
    if a[0] == "scalar" and b[0] == "scalar":
        a = ("tensor", "float32", True)
    ta, tb = _make(torch, a), _make(torch, b)
    ea, eb = _make(engine, a), _make(engine, b)
    expected = torch.result_type(ta, tb)
    assert str(engine.result_type(ea, eb)) == str(expected), (a, b)


@SETTINGS
@given(operands(), operands(), st.sampled_from(["add", "mul"]))
@example(("tensor", "uint8", False), ("scalar", -3), "add")  # wraps around as PyTorch does
@example(("tensor", "int8", True), ("scalar", 2.5), "mul")
@example(("tensor", "bool", False), ("scalar", True), "add")
def test_binary_op_dtype_matches_torch(a, b, op):
    if a[0] == "scalar":  # the first operand of torch.add must be a tensor
        a, b = b, a
    if a[0] == "scalar":
        a = ("tensor", "int64", False)
    ta, tb = _make(torch, a), _make(torch, b)
    expected = getattr(torch, op)(ta, tb)
    got = getattr(engine, op)(_make(engine, a), _make(engine, b))
    assert str(got.dtype) == str(expected.dtype), (a, b)
    assert tuple(got.shape) == tuple(expected.shape), (a, b)
    np.testing.assert_allclose(got.numpy().astype(np.float64),
                               expected.numpy().astype(np.float64), rtol=1e-3)


# --------------------------------------------------------------------------------------
# broadcasting


@st.composite
def shape_sets(draw):
    """Two or three shapes, half of the time made broadcast-compatible."""
    n = draw(st.integers(2, 3))
    if draw(st.booleans()):
        base = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=4)))
        shapes = []
        for _ in range(n):
            s = [1 if draw(st.booleans()) else d for d in base]
            shapes.append(tuple(s[draw(st.integers(0, len(s))):]))
        return shapes
    return [tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=4))) for _ in range(n)]


@SETTINGS
@given(shape_sets())
def test_broadcast_shapes_matches_torch(shapes):
    try:
        expected = tuple(torch.broadcast_shapes(*shapes))
    except RuntimeError:
        with pytest.raises(RuntimeError):
            broadcast_shapes(*shapes)
        if len(shapes) == 2:  # the message of a failing binary op, word for word
            with pytest.raises(RuntimeError) as t_err:
                torch.empty(shapes[0]) + torch.empty(shapes[1])
            with pytest.raises(RuntimeError) as e_err:
                broadcast_shapes(*shapes)
            assert str(e_err.value) == str(t_err.value)
        return
    assert broadcast_shapes(*shapes) == expected
    if hasattr(engine, "broadcast_shapes"):
        assert tuple(engine.broadcast_shapes(*shapes)) == expected


@SETTINGS
@given(shape_sets())
def test_add_broadcasts_like_torch(shapes):
    a, b = shapes[0], shapes[1]
    try:
        expected = torch.empty(a) + torch.empty(b)
    except RuntimeError as t_err:
        with pytest.raises(RuntimeError) as e_err:
            engine.zeros(a) + engine.zeros(b)
        assert str(e_err.value) == str(t_err)
        return
    assert tuple((engine.zeros(a) + engine.zeros(b)).shape) == tuple(expected.shape)
