"""engine.nn against PyTorch: the functional ops beyond the generated registry tests (argument
forms, errors, composites and their grad_fn chains), the modules (registration, repr,
state_dict, containers, dtype moves, init) and the two gallery networks."""
from __future__ import annotations

import copy
import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import engine
import engine.nn.functional as F
from engine import nn
from engine.ops.registry import REGISTRY, TensorSpec

RNG = np.random.default_rng(1234)


def rand(*shape, dtype=np.float64):
    return RNG.standard_normal(shape).astype(dtype)


def pair(a, requires_grad=True):
    """The same array as an engine and a torch tensor (float ones require grad)."""
    e, t = engine.tensor(a), torch.tensor(a)
    if requires_grad and a.dtype.kind == "f":
        e.requires_grad_(True)
        t.requires_grad_(True)
    return e, t


def close(e, t, tol=1e-9):
    te = t.detach().numpy() if isinstance(t, torch.Tensor) else np.asarray(t)
    ee = e.detach().numpy() if isinstance(e, engine.Tensor) else np.asarray(e)
    assert ee.shape == te.shape, (ee.shape, te.shape)
    np.testing.assert_allclose(ee, te, rtol=tol, atol=tol, equal_nan=True)


def raises_like(fe, ft):
    """Both raise the same exception type with the same message."""
    with pytest.raises(Exception) as et:
        ft()
    with pytest.raises(type(et.value)) as ee:
        fe()
    assert str(ee.value) == str(et.value)


def chain(t) -> list:
    """grad_fn names depth-first, PyTorch's 'torch::autograd::' prefix dropped."""
    out = []

    def walk(n, depth):
        if n is None:
            return
        out.append((depth, n.name().replace("torch::autograd::", "")))
        for nx, _ in n.next_functions:
            walk(nx, depth + 1)

    walk(t.grad_fn, 0)
    return out


def check_grads(e_out, t_out, e_ins, t_ins, tol=1e-9):
    g = rand(*t_out.shape)
    e_out.backward(engine.tensor(g))
    t_out.backward(torch.tensor(g))
    for e, t in zip(e_ins, t_ins):
        if t.grad is None:
            assert e.grad is None
        else:
            close(e.grad, t.grad, tol)


# ======================================================================================
# softmax / log_softmax


@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
def test_softmax_dtype_argument_casts_first(fn):
    e, t = pair(rand(3, 4, dtype=np.float32))
    eo, to = getattr(F, fn)(e, 1, dtype=engine.float64), getattr(TF, fn)(t, 1, dtype=torch.float64)
    assert str(eo.dtype) == str(to.dtype) == "torch.float64"
    close(eo, to)
    assert eo.grad_fn.name() == to.grad_fn.name()
    check_grads(eo, to, [e], [t], 1e-6)


def test_softmax_implicit_dim_warns_and_picks_pytorchs_dim():
    for shape in [(4,), (2, 3), (2, 3, 4), (2, 3, 4, 5)]:
        e, t = pair(rand(*shape))
        with pytest.warns(UserWarning, match="Implicit dimension choice"):
            eo = F.softmax(e)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            to = TF.softmax(t)
        close(eo, to)


def test_softmax_is_a_tensor_method_and_torch_function():
    e, t = pair(rand(2, 5))
    close(e.softmax(-1), t.softmax(-1))
    close(e.log_softmax(0), t.log_softmax(0))
    close(engine.softmax(e, 1), torch.softmax(t, 1))


def test_softmax_rows_sum_to_one_and_are_stable_for_large_inputs():
    x = engine.tensor([[1000.0, 1000.0, -1000.0], [1e30, 0.0, 0.0]])
    p = F.softmax(x, 1)
    assert np.isfinite(p.numpy()).all()
    np.testing.assert_allclose(p.numpy().sum(1), 1.0, rtol=1e-6)
    assert np.isfinite(F.log_softmax(x, 1).numpy()[0]).all()


@pytest.mark.parametrize("fn,shape,dim,cast", [
    ("softmax", (3,), 1, None), ("log_softmax", (2, 3), -3, None),
    ("softmax", (2, 3), 1, "long"), ("softmax", (2, 3), 0, "long"),
    ("log_softmax", (2, 3), 1, "long"), ("log_softmax", (2, 3), 0, "int"),
])
def test_softmax_errors_match(fn, shape, dim, cast):
    a = rand(*shape)

    def run(lib, f):
        x = lib.tensor(a)
        if cast:
            x = getattr(x, cast)()
        return getattr(f, fn)(x, dim)
    raises_like(lambda: run(engine, F), lambda: run(torch, TF))


# ======================================================================================
# conv2d


CONV_CASES = [
    ((2, 3, 7, 6), (4, 3, 3, 3), True, {}),
    ((1, 1, 32, 32), (6, 1, 5, 5), True, {}),
    ((2, 4, 9, 8), (6, 2, 3, 2), True, dict(stride=(2, 1), padding=(1, 2), dilation=(2, 1),
                                            groups=2)),
    ((2, 4, 9, 8), (6, 2, 3, 2), False, dict(stride=2, padding=1, groups=2)),
    ((1, 2, 6, 6), (3, 2, 4, 3), True, dict(padding="same")),
    ((1, 2, 9, 7), (3, 2, 4, 4), True, dict(padding="same", dilation=2)),
    ((2, 2, 6, 5), (3, 2, 3, 3), True, dict(padding="valid")),
    ((2, 4, 6, 6), (8, 1, 3, 3), False, dict(groups=4)),
    ((3, 2, 10, 11), (3, 2, 3, 4), True, dict(stride=3, padding=2)),
    ((2, 1, 5, 5), (2, 1, 5, 5), True, {}),
    ((0, 1, 5, 5), (2, 1, 3, 3), True, {}),
]


@pytest.mark.parametrize("xs,ws,bias,kw", CONV_CASES)
def test_conv2d_matches_torch(xs, ws, bias, kw):
    ex, tx = pair(rand(*xs))
    ew, tw = pair(rand(*ws))
    eb, tb = pair(rand(ws[0])) if bias else (None, None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        to = TF.conv2d(tx, tw, tb, **kw)
    eo = F.conv2d(ex, ew, eb, **kw)
    close(eo, to)
    assert eo.grad_fn.name() == to.grad_fn.name() == "ConvolutionBackward0"
    asymmetric = kw.get("padding") == "same" and any(k % 2 == 0 for k in ws[2:])
    if not asymmetric:  # there PyTorch pads first (ConstantPadNdBackward0); we pad inside
        assert [n for _, n in chain(eo)] == [n for _, n in chain(to)]
    assert eo.is_contiguous()
    ins = [ex, ew] + ([eb] if bias else [])
    tins = [tx, tw] + ([tb] if bias else [])
    check_grads(eo, to, ins, tins)


def test_conv2d_float32_and_only_some_inputs_requiring_grad():
    x, w = rand(2, 3, 8, 8, dtype=np.float32), rand(5, 3, 3, 3, dtype=np.float32)
    ex, tx = engine.tensor(x), torch.tensor(x)
    ew, tw = pair(w)
    eo, to = F.conv2d(ex, ew, padding=1), TF.conv2d(tx, tw, padding=1)
    assert str(eo.dtype) == "torch.float32"
    close(eo, to, 1e-4)
    check_grads(eo, to, [ew], [tw], 1e-4)
    assert ex.grad is None


def test_conv2d_integer_tensors():
    x = RNG.integers(-3, 4, (1, 2, 5, 5))
    w = RNG.integers(-3, 4, (2, 2, 3, 3))
    eo = F.conv2d(engine.tensor(x), engine.tensor(w))
    to = TF.conv2d(torch.tensor(x), torch.tensor(w))
    assert str(eo.dtype) == "torch.int64"
    np.testing.assert_array_equal(eo.numpy(), to.numpy())


def test_conv2d_unbatched_input_runs_as_a_batch_of_one():
    ex, tx = pair(rand(3, 6, 6))
    ew, tw = pair(rand(2, 3, 3, 3))
    eb, tb = pair(rand(2))
    eo, to = F.conv2d(ex, ew, eb, padding=1), TF.conv2d(tx, tw, tb, padding=1)
    close(eo, to)
    assert chain(eo) == chain(to)  # SqueezeBackward1 -> ConvolutionBackward0 -> Unsqueeze..
    check_grads(eo, to, [ex, ew, eb], [tx, tw, tb])


@pytest.mark.parametrize("xs,ws,bs,kw", [
    ((1, 1, 8, 8), (6, 2, 5, 5), None, {}),
    ((8, 8), (6, 1, 5, 5), None, {}),
    ((1, 1, 8, 8), (6, 1, 9, 9), None, {}),
    ((1, 1, 8, 8), (6, 1, 5, 5), (5,), {}),
    ((1, 1, 8, 8), (6, 1, 5, 5), (6, 1), {}),
    ((1, 1, 8, 8), (6, 1, 5, 5), None, dict(stride=0)),
    ((1, 1, 8, 8), (6, 1, 5, 5), None, dict(padding=-1)),
    ((1, 1, 8, 8), (6, 1, 5, 5), None, dict(dilation=0)),
    ((1, 1, 8, 8), (6, 1, 5, 5), None, dict(groups=0)),
    ((1, 4, 8, 8), (6, 2, 3, 3), None, dict(groups=4)),
    ((1, 4, 8, 8), (6, 2, 3, 3), None, dict(groups=2, stride=2, padding="same")),
    ((1, 4, 8, 8), (6, 2, 3, 3), None, dict(groups=2, padding="foo")),
    ((1, 1, 8, 8), (6, 1, 5, 5), None, dict(stride=(1, 2, 3))),
    ((1, 1, 8, 8), (6, 1, 5, 5), None, dict(padding=(1, 2, 3))),
    ((1, 1, 6, 6), (2, 1, 3, 3), None, dict(dilation=3)),
])
def test_conv2d_errors_match(xs, ws, bs, kw):
    x, w = rand(*xs), rand(*ws)
    b = rand(*bs) if bs else None

    def run(lib, f):
        return f.conv2d(lib.tensor(x), lib.tensor(w), lib.tensor(b) if b is not None else None,
                        **kw)
    raises_like(lambda: run(engine, F), lambda: run(torch, TF))


def test_conv2d_dtype_mismatch_errors_match():
    x32, w64 = rand(1, 1, 6, 6, dtype=np.float32), rand(2, 1, 3, 3)
    raises_like(lambda: F.conv2d(engine.tensor(x32), engine.tensor(w64)),
                lambda: TF.conv2d(torch.tensor(x32), torch.tensor(w64)))
    raises_like(lambda: F.conv2d(engine.tensor(w64[:1]), engine.tensor(x32[:, :, :3, :3])),
                lambda: TF.conv2d(torch.tensor(w64[:1]), torch.tensor(x32[:, :, :3, :3])))
    b64 = rand(2)
    w32 = w64.astype(np.float32)
    raises_like(lambda: F.conv2d(engine.tensor(x32), engine.tensor(w32), engine.tensor(b64)),
                lambda: TF.conv2d(torch.tensor(x32), torch.tensor(w32), torch.tensor(b64)))


def test_conv2d_infer_does_not_compute_and_matches_forward():
    op = REGISTRY["conv2d"]
    spec = op.infer([TensorSpec((64, 3, 224, 224), engine.float32),
                     TensorSpec((64, 3, 7, 7), engine.float32), TensorSpec((64,), engine.float32)],
                    {"stride": (2, 2), "padding": (3, 3), "dilation": (1, 1), "groups": 1})
    assert spec[0].shape == (64, 64, 112, 112) and spec[0].dtype is engine.float32
    with pytest.raises(RuntimeError, match="channels"):
        op.infer([TensorSpec((1, 2, 8, 8), engine.float32),
                  TensorSpec((4, 3, 3, 3), engine.float32)], {})


def test_conv2d_saved_input_modified_in_place_is_detected():
    x = engine.tensor(rand(1, 1, 5, 5))
    w = engine.tensor(rand(1, 1, 3, 3), requires_grad=True)
    out = F.conv2d(x, w)
    x.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# ======================================================================================
# max_pool2d


POOL_CASES = [
    ((2, 3, 8, 8), (2,), {}),
    ((1, 2, 7, 9), (3, 2, 1), {}),
    ((1, 1, 9, 9), ((3, 2), (2, 3), 0, (2, 1)), {}),
    ((2, 5, 5), (2,), dict(ceil_mode=True)),
    ((1, 1, 6, 6), (3, 2, 1), dict(ceil_mode=True)),
    ((1, 1, 5, 5), (2, 2, 1), dict(ceil_mode=True)),
    ((1, 1, 6, 6), (3, 1), {}),
    ((2, 3, 7, 7), (3,), dict(stride=2, dilation=2, padding=1)),
]


@pytest.mark.parametrize("xs,args,kw", POOL_CASES)
def test_max_pool2d_matches_torch(xs, args, kw):
    a = np.round(rand(*xs), 1)  # ties: both pick the first maximum
    ex, tx = pair(a)
    eo, to = F.max_pool2d(ex, *args, **kw), TF.max_pool2d(tx, *args, **kw)
    close(eo, to)
    assert eo.grad_fn.name() == to.grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    check_grads(eo, to, [ex], [tx])
    ev, ei = F.max_pool2d(engine.tensor(a), *args, return_indices=True, **kw)
    tv, ti = TF.max_pool2d(torch.tensor(a), *args, return_indices=True, **kw)
    assert str(ei.dtype) == "torch.int64"
    np.testing.assert_array_equal(ei.numpy(), ti.numpy())


def test_max_pool2d_propagates_nan_and_works_on_ints():
    a = rand(1, 1, 4, 4)
    a[0, 0, 1, 1] = np.nan
    close(F.max_pool2d(engine.tensor(a), 2), TF.max_pool2d(torch.tensor(a), 2))
    i = RNG.integers(-9, 9, (1, 2, 5, 5))
    eo, to = F.max_pool2d(engine.tensor(i), 2, padding=1), TF.max_pool2d(torch.tensor(i), 2,
                                                                          padding=1)
    assert str(eo.dtype) == "torch.int64"
    np.testing.assert_array_equal(eo.numpy(), to.numpy())


def test_max_pool2d_torch_level_function():
    e, t = pair(rand(1, 2, 6, 6))
    close(engine.max_pool2d(e, 2), torch.max_pool2d(t, 2))


@pytest.mark.parametrize("xs,args,kw", [
    ((1, 1, 8, 8), (0,), {}), ((1, 1, 8, 8), (0,), dict(stride=1)),
    ((1, 1, 8, 8), (2,), dict(stride=0)), ((8, 8), (2,), {}),
    ((1, 1, 8, 8), (3,), dict(padding=2)), ((1, 1, 8, 8), (9,), {}),
    ((1, 1, 8, 8), (3,), dict(dilation=0)), ((1, 1, 8, 8), ((2, 3, 4),), {}),
    ((1, 1, 8, 8), (2,), dict(padding=-1)),
])
def test_max_pool2d_errors_match(xs, args, kw):
    a = rand(*xs)
    raises_like(lambda: F.max_pool2d(engine.tensor(a), *args, **kw),
                lambda: TF.max_pool2d(torch.tensor(a), *args, **kw))


# ======================================================================================
# losses


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((2, 3), (2, 3)), ((), ())])
def test_mse_loss_matches_torch_with_target_grad(reduction, shapes):
    ea, ta = pair(rand(*shapes[0]))
    eb, tb = pair(rand(*shapes[1]))
    eo, to = F.mse_loss(ea, eb, reduction=reduction), TF.mse_loss(ta, tb, reduction=reduction)
    close(eo, to)
    assert eo.grad_fn.name() == to.grad_fn.name() == "MseLossBackward0"
    check_grads(eo, to, [ea, eb], [ta, tb])


def test_mse_loss_broadcast_warns_promotes_and_errors():
    ea, ta = pair(rand(3, 4))
    with pytest.warns(UserWarning, match="different to the input size"):
        eo = F.mse_loss(ea, engine.tensor(rand(4)))
    assert eo.shape == ()
    i = RNG.integers(0, 3, (3, 4))
    eo, to = F.mse_loss(ea, engine.tensor(i)), TF.mse_loss(ta, torch.tensor(i))
    assert str(eo.dtype) == str(to.dtype)
    close(eo, to)
    e32, t32 = pair(rand(3, 4, dtype=np.float32))
    with warnings.catch_warnings():  # a 0-dim target promotes as a broadcast one does
        warnings.simplefilter("ignore")
        eo, to = F.mse_loss(e32, engine.tensor(1.5, dtype=engine.float64)), \
            TF.mse_loss(t32, torch.tensor(1.5, dtype=torch.float64))
    assert str(eo.dtype) == str(to.dtype) == "torch.float64"
    close(eo, to, 1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raises_like(lambda: F.mse_loss(ea, engine.tensor(rand(5))),
                    lambda: TF.mse_loss(ta, torch.tensor(rand(5))))
    raises_like(lambda: F.mse_loss(ea, ea, reduction="foo"),
                lambda: TF.mse_loss(ta, ta, reduction="foo"))
    raises_like(lambda: F.mse_loss(engine.tensor([1, 2]), engine.tensor([1, 2])),
                lambda: TF.mse_loss(torch.tensor([1, 2]), torch.tensor([1, 2])))
    assert math.isnan(F.mse_loss(engine.zeros(0), engine.zeros(0)).item())


def test_mse_loss_legacy_flags():
    e, t = pair(rand(3))
    eb, tb = pair(rand(3), False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for kw in [dict(size_average=False), dict(reduce=False), dict(size_average=True)]:
            close(F.mse_loss(e, eb, **kw), TF.mse_loss(t, tb, **kw))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_nll_loss_matches_torch(reduction, weighted, ignore_index):
    target = np.array([0, 2, 3, 2, -100 if ignore_index == -100 else 1, 1])
    ex, tx = pair(rand(6, 4))
    w = RNG.random(4) if weighted else None
    eo = F.nll_loss(ex, engine.tensor(target), engine.tensor(w) if weighted else None,
                    ignore_index=ignore_index, reduction=reduction)
    to = TF.nll_loss(tx, torch.tensor(target), torch.tensor(w) if weighted else None,
                     ignore_index=ignore_index, reduction=reduction)
    close(eo, to)
    assert eo.grad_fn.name() == to.grad_fn.name()
    check_grads(eo, to, [ex], [tx])


@pytest.mark.parametrize("xs", [(2, 3, 4, 5), (2, 3, 5), (2, 3, 2, 2, 3), (4,)])
@pytest.mark.parametrize("reduction", ["mean", "none"])
def test_nll_loss_other_ranks(xs, reduction):
    ex, tx = pair(rand(*xs))
    tshape = () if len(xs) == 1 else (xs[0],) + xs[2:]
    C = xs[0] if len(xs) == 1 else xs[1]
    tgt = RNG.integers(0, C, tshape)
    eo = F.nll_loss(ex, engine.tensor(tgt), reduction=reduction)
    to = TF.nll_loss(tx, torch.tensor(tgt), reduction=reduction)
    close(eo, to)
    if len(xs) in (2, 4) or len(xs) == 1:
        assert eo.grad_fn.name() == to.grad_fn.name()
    else:  # views around NllLoss2DBackward0, as PyTorch
        assert chain(eo) == chain(to)
    check_grads(eo, to, [ex], [tx])


def test_nll_loss_all_ignored_gives_nan_mean_and_zero_sum():
    x = engine.tensor(rand(3, 4), requires_grad=True)
    t = engine.tensor([-100, -100, -100])
    assert math.isnan(F.nll_loss(x, t).item())
    assert F.nll_loss(x, t, reduction="sum").item() == 0.0


@pytest.mark.parametrize("xs,ts,kw", [
    ((3, 4), [0, 2, 4], {}), ((3, 4), [0, 2, -1], {}), ((3, 4), [0, 2], {}),
    ((3, 4), [[0, 2]], {}), ((3, 4), [0.0, 2.0, 3.0], {}), ((3, 4), [0, 1, 1], dict(weight=3)),
    ((3, 4), [0, 1, 1], dict(reduction="bad")), ((2, 4, 5, 6), "bad_shape", {}),
    ((2, 4, 5, 6), "bad_batch", {}), ((), 1, {}),
])
def test_nll_loss_errors_match(xs, ts, kw):
    x = rand(*xs)
    if ts == "bad_shape":
        tgt = RNG.integers(0, 4, (2, 5, 7))
    elif ts == "bad_batch":
        tgt = RNG.integers(0, 4, (3, 5, 6))
    else:
        tgt = np.array(ts)

    def run(lib, f):
        k = dict(kw)
        if "weight" in k:
            k["weight"] = lib.ones(k["weight"])
        return f.nll_loss(lib.tensor(x), lib.tensor(tgt), **k)
    raises_like(lambda: run(engine, F), lambda: run(torch, TF))


def test_nll_loss_integer_input_is_refused():
    t = np.array([0, 1, 2])
    raises_like(lambda: F.nll_loss(engine.tensor(rand(3, 4)).long(), engine.tensor(t)),
                lambda: TF.nll_loss(torch.tensor(rand(3, 4)).long(), torch.tensor(t)))
    t4 = RNG.integers(0, 3, (2, 4, 5))
    raises_like(lambda: F.nll_loss(engine.ones(2, 3, 4, 5).long(), engine.tensor(t4)),
                lambda: TF.nll_loss(torch.ones(2, 3, 4, 5).long(), torch.tensor(t4)))


def test_nll_loss_weight_dtype_must_match():
    raises_like(lambda: F.nll_loss(engine.tensor(rand(3, 4, dtype=np.float32)),
                                   engine.tensor([0, 1, 2]), engine.ones(4).double()),
                lambda: TF.nll_loss(torch.tensor(rand(3, 4, dtype=np.float32)),
                                    torch.tensor([0, 1, 2]), torch.ones(4).double()))


@pytest.mark.parametrize("kw", [
    {}, dict(reduction="sum"), dict(reduction="none"), dict(ignore_index=1),
    dict(weight=True), dict(weight=True, ignore_index=0, reduction="mean"),
])
def test_cross_entropy_is_log_softmax_then_nll(kw):
    ex, tx = pair(rand(5, 4))
    tgt = np.array([0, 1, 3, 1, 2])
    k = dict(kw)
    w = RNG.random(4)
    ke, kt = dict(k), dict(k)
    if k.get("weight"):
        ke["weight"], kt["weight"] = engine.tensor(w), torch.tensor(w)
    eo = F.cross_entropy(ex, engine.tensor(tgt), **ke)
    to = TF.cross_entropy(tx, torch.tensor(tgt), **kt)
    close(eo, to)
    assert chain(eo) == chain(to)  # NllLossBackward0 -> LogSoftmaxBackward0 -> AccumulateGrad
    check_grads(eo, to, [ex], [tx])


def test_cross_entropy_images_and_unbatched():
    ex, tx = pair(rand(2, 3, 4, 5))
    tgt = RNG.integers(0, 3, (2, 4, 5))
    eo, to = F.cross_entropy(ex, engine.tensor(tgt)), TF.cross_entropy(tx, torch.tensor(tgt))
    close(eo, to)
    assert chain(eo) == chain(to)
    check_grads(eo, to, [ex], [tx])
    ex, tx = pair(rand(4))
    eo, to = F.cross_entropy(ex, engine.tensor(2)), TF.cross_entropy(tx, torch.tensor(2))
    close(eo, to)
    check_grads(eo, to, [ex], [tx])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_label_smoothing(reduction, weighted):
    ex, tx = pair(rand(5, 4))
    tgt = np.array([0, 1, 3, -100, 2])
    w = RNG.random(4)
    ke = dict(weight=engine.tensor(w)) if weighted else {}
    kt = dict(weight=torch.tensor(w)) if weighted else {}
    eo = F.cross_entropy(ex, engine.tensor(tgt), reduction=reduction, label_smoothing=0.2, **ke)
    to = TF.cross_entropy(tx, torch.tensor(tgt), reduction=reduction, label_smoothing=0.2, **kt)
    close(eo, to)
    check_grads(eo, to, [ex], [tx])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("kw", [{}, dict(label_smoothing=0.1), dict(weight=True)])
def test_cross_entropy_probability_targets(reduction, kw):
    ex, tx = pair(rand(3, 4))
    p = RNG.random((3, 4))
    p /= p.sum(1, keepdims=True)
    w = RNG.random(4)
    ke, kt = dict(kw), dict(kw)
    if kw.get("weight"):
        ke["weight"], kt["weight"] = engine.tensor(w), torch.tensor(w)
    eo = F.cross_entropy(ex, engine.tensor(p), reduction=reduction, **ke)
    to = TF.cross_entropy(tx, torch.tensor(p), reduction=reduction, **kt)
    close(eo, to)
    check_grads(eo, to, [ex], [tx])


def test_cross_entropy_errors_match():
    x, t = rand(3, 4), np.array([0, 1, 2])
    raises_like(lambda: F.cross_entropy(engine.tensor(x), engine.tensor(t), label_smoothing=1.5),
                lambda: TF.cross_entropy(torch.tensor(x), torch.tensor(t), label_smoothing=1.5))
    raises_like(lambda: F.cross_entropy(engine.tensor(x), engine.tensor(rand(3, 5))),
                lambda: TF.cross_entropy(torch.tensor(x), torch.tensor(rand(3, 5))))
    raises_like(lambda: F.cross_entropy(engine.tensor(x), engine.tensor(rand(3, 4)),
                                        ignore_index=1),
                lambda: TF.cross_entropy(torch.tensor(x), torch.tensor(rand(3, 4)),
                                         ignore_index=1))


# ======================================================================================
# linear


@pytest.mark.parametrize("xs", [(3, 4), (4,), (2, 3, 4), (2, 1, 3, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch_including_grad_fn_chain(xs, bias):
    ex, tx = pair(rand(*xs))
    ew, tw = pair(rand(5, 4))
    eb, tb = pair(rand(5)) if bias else (None, None)
    eo, to = F.linear(ex, ew, eb), TF.linear(tx, tw, tb)
    close(eo, to)
    if bias or len(xs) == 2:  # addmm / mm, composed here
        assert chain(eo) == chain(to)
    else:  # matmul's own decomposition (engine.ops.linalg)
        assert eo.grad_fn.name() == to.grad_fn.name()
    ins = [ex, ew] + ([eb] if bias else [])
    check_grads(eo, to, ins, [tx, tw] + ([tb] if bias else []))


def test_linear_errors_match():
    raises_like(lambda: F.linear(engine.tensor(1.0), engine.ones(5, 4)),
                lambda: TF.linear(torch.tensor(1.0), torch.ones(5, 4)))
    raises_like(lambda: F.linear(engine.ones(3, 4), engine.ones(5, 3), engine.ones(5)),
                lambda: TF.linear(torch.ones(3, 4), torch.ones(5, 3), torch.ones(5)))


def test_functional_namespace_has_the_listed_functions():
    for name in ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "conv2d",
                 "max_pool2d", "mse_loss", "cross_entropy", "nll_loss"]:
        assert callable(getattr(F, name)), name
    e, t = pair(rand(3, 4))
    close(F.relu(e), TF.relu(t))
    close(F.sigmoid(e), TF.sigmoid(t))
    close(F.tanh(e), TF.tanh(t))
    a = rand(3)
    x = engine.tensor(a)
    assert F.relu(x, inplace=True) is x
    np.testing.assert_array_equal(x.numpy(), np.maximum(a, 0))


# ======================================================================================
# Parameter and Module


def test_parameter_is_a_leaf_tensor_that_requires_grad():
    p = nn.Parameter(engine.ones(2))
    assert isinstance(p, engine.Tensor) and isinstance(p, nn.Parameter)
    assert p.is_leaf and p.requires_grad and p.grad_fn is None
    assert repr(p) == repr(torch.nn.Parameter(torch.ones(2)))
    q = nn.Parameter(engine.ones(2), requires_grad=False)
    assert not q.requires_grad
    assert repr(q) == repr(torch.nn.Parameter(torch.ones(2), requires_grad=False))
    y = p * 2
    assert type(y) is engine.Tensor and y.grad_fn.name() == "MulBackward0"
    assert nn.Parameter().shape == (0,)


def test_parameter_shares_storage_with_its_data():
    t = engine.zeros(3)
    p = nn.Parameter(t)
    with engine.no_grad():
        p.add_(1.0)
    assert t.tolist() == [1.0, 1.0, 1.0]


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
        self.seq = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))

    def forward(self, x):
        return self.seq(self.fc(x))


class TNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(2, 2)
        self.seq = torch.nn.Sequential(torch.nn.Linear(2, 2),
                                       torch.nn.Sequential(torch.nn.ReLU()))

    def forward(self, x):
        return self.seq(self.fc(x))


TNet.__name__ = TNet.__qualname__ = "Net"  # the same class name in messages


def test_module_repr_and_names_match_torch():
    n, tn = Net(), TNet()
    assert repr(n) == repr(tn)
    assert list(n.state_dict().keys()) == list(tn.state_dict().keys())
    assert [k for k, _ in n.named_parameters()] == [k for k, _ in tn.named_parameters()]
    assert [k for k, _ in n.named_modules()] == [k for k, _ in tn.named_modules()]
    assert [k for k, _ in n.named_children()] == [k for k, _ in tn.named_children()]
    assert len(list(n.modules())) == len(list(tn.modules()))
    assert len(list(n.children())) == 2


@pytest.mark.parametrize("make", [
    lambda nn_: nn_.Linear(4, 3), lambda nn_: nn_.Linear(3, 1, bias=False),
    lambda nn_: nn_.Conv2d(1, 6, 5),
    lambda nn_: nn_.Conv2d(2, 4, (3, 5), stride=2, padding=1, dilation=2, groups=2, bias=False),
    lambda nn_: nn_.Conv2d(2, 4, 3, padding="same"),
    lambda nn_: nn_.Conv2d(2, 4, 3, padding=(1, 2)),
    lambda nn_: nn_.MaxPool2d(2), lambda nn_: nn_.MaxPool2d(3, 1, 1, 2, ceil_mode=True),
    lambda nn_: nn_.Flatten(), lambda nn_: nn_.Flatten(0, 2), lambda nn_: nn_.MSELoss(),
    lambda nn_: nn_.CrossEntropyLoss(), lambda nn_: nn_.NLLLoss(), lambda nn_: nn_.ReLU(),
    lambda nn_: nn_.ReLU(inplace=True), lambda nn_: nn_.Sigmoid(), lambda nn_: nn_.Tanh(),
    lambda nn_: nn_.Softmax(dim=1), lambda nn_: nn_.LogSoftmax(1), lambda nn_: nn_.Identity(),
    lambda nn_: nn_.Sequential(), lambda nn_: nn_.ModuleList(),
    lambda nn_: nn_.Sequential(nn_.Linear(4, 3), nn_.ReLU(), nn_.Linear(3, 1, bias=False)),
    lambda nn_: nn_.ModuleList([nn_.Linear(1, 2) for _ in range(3)] + [nn_.ReLU()]),
    lambda nn_: nn_.ModuleList([nn_.ReLU(), nn_.Tanh(), nn_.Tanh(), nn_.Sequential(nn_.ReLU())]),
    lambda nn_: nn_.Sequential(nn_.Sequential(nn_.Conv2d(1, 2, 3), nn_.MaxPool2d(2)),
                               nn_.Flatten()),
])
def test_layer_reprs_match_torch(make):
    assert repr(make(nn)) == repr(make(torch.nn))


def test_state_dict_holds_detached_tensors_sharing_storage():
    m = nn.Linear(3, 2)
    sd = m.state_dict()
    assert list(sd) == ["weight", "bias"]
    w = sd["weight"]
    assert type(w) is engine.Tensor and not w.requires_grad and w.grad_fn is None
    with engine.no_grad():
        m.weight.mul_(0.0)
    assert (w.numpy() == 0).all()
    assert m.state_dict(keep_vars=True)["weight"] is m.weight


def test_load_state_dict_copies_values_and_reports_keys_like_torch():
    n, tn = Net(), TNet()
    src = Net()
    res = n.load_state_dict(src.state_dict())
    assert repr(res) == repr(tn.load_state_dict(tn.state_dict())) == \
        "<All keys matched successfully>"
    for (k, a), (_, b) in zip(n.state_dict().items(), src.state_dict().items()):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert a.numpy() is not b.numpy()

    def broken(sd, lib):
        sd = dict(sd)
        del sd["fc.bias"]
        sd["extra"] = lib.ones(1)
        sd["junk.x"] = lib.ones(1)
        sd["seq.1.zz"] = lib.ones(1)
        return sd
    raises_like(lambda: n.load_state_dict(broken(n.state_dict(), engine)),
                lambda: tn.load_state_dict(broken(tn.state_dict(), torch)))
    r = n.load_state_dict(broken(n.state_dict(), engine), strict=False)
    rt = tn.load_state_dict(broken(tn.state_dict(), torch), strict=False)
    assert r.missing_keys == rt.missing_keys and r.unexpected_keys == rt.unexpected_keys

    def mis(sd, lib):
        sd = dict(sd)
        sd["fc.weight"] = lib.ones(3, 3)
        return sd
    raises_like(lambda: n.load_state_dict(mis(n.state_dict(), engine)),
                lambda: tn.load_state_dict(mis(tn.state_dict(), torch)))
    raises_like(lambda: n.load_state_dict(mis(n.state_dict(), engine), strict=False),
                lambda: tn.load_state_dict(mis(tn.state_dict(), torch), strict=False))
    raises_like(lambda: n.load_state_dict([1]), lambda: tn.load_state_dict([1]))


def test_load_state_dict_casts_and_bumps_versions():
    m = nn.Linear(2, 2)
    v = m.weight._version
    m.load_state_dict({"weight": engine.ones(2, 2, dtype=engine.float64),
                       "bias": engine.zeros(2)})
    assert m.weight.dtype is engine.float32 and m.weight.tolist() == [[1.0, 1.0], [1.0, 1.0]]
    assert m.weight._version > v
    m.load_state_dict({"weight": engine.full((2, 2), 3.0), "bias": engine.zeros(2)},
                      assign=True)
    assert isinstance(m.weight, nn.Parameter) and m.weight.requires_grad
    assert m.weight.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_setattr_registration_and_errors_match_torch():
    n, tn = Net(), TNet()
    raises_like(lambda: setattr(n, "fc", 3), lambda: setattr(tn, "fc", 3))
    raises_like(lambda: setattr(n.fc, "weight", engine.ones(2, 2)),
                lambda: setattr(tn.fc, "weight", torch.ones(2, 2)))
    raises_like(lambda: n.foo, lambda: tn.foo)
    n.fc.weight = None
    assert n.fc.weight is None
    assert [k for k, _ in n.named_parameters()] == ["fc.bias", "seq.0.weight", "seq.0.bias"]
    n.extra = nn.Parameter(engine.ones(1))
    n.sub = nn.Tanh()
    assert "extra" in dict(n.named_parameters()) and "sub" in dict(n.named_children())
    n.plain = 5
    assert n.plain == 5 and "plain" not in n._parameters
    del n.sub
    assert "sub" not in n._modules
    with pytest.raises(KeyError, match="already exists"):
        n.register_parameter("plain", None)
    with pytest.raises(ValueError, match="non-leaf"):
        n.register_parameter("q", _nonleaf_param())


def _nonleaf_param():
    p = nn.Parameter(engine.ones(1))
    p._grad_fn = (engine.ones(1, requires_grad=True) * 2).grad_fn
    return p


def test_module_without_init_or_forward():
    class NoInit(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(engine.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        NoInit()

    class NoForward(nn.Module):
        pass

    raises_like(lambda: NoForward()(engine.ones(1)),
                lambda: type("NoForward", (torch.nn.Module,), {})()(torch.ones(1)))


def test_train_eval_requires_grad_and_zero_grad():
    n = Net()
    assert n.training and n.fc.training
    assert n.eval() is n and not n.training and not n.seq[1][0].training
    n.train()
    assert n.seq[1][0].training
    with pytest.raises(ValueError, match="boolean"):
        n.train(1)
    out = n(engine.ones(3, 2)).sum()
    out.backward()
    assert all(p.grad is not None for p in n.parameters())
    n.zero_grad(set_to_none=False)
    assert all((p.grad.numpy() == 0).all() for p in n.parameters())
    n.zero_grad()
    assert all(p.grad is None for p in n.parameters())
    n.requires_grad_(False)
    assert not any(p.requires_grad for p in n.parameters())


def test_to_dtype_keeps_parameter_objects():
    m = nn.Linear(3, 2)
    w = m.weight
    assert m.to(engine.float64) is m
    assert m.weight is w and m.weight.dtype is engine.float64 and isinstance(m.weight, nn.Parameter)
    assert m.float().weight.dtype is engine.float32
    assert m.double().bias.dtype is engine.float64
    raises_like(lambda: nn.Linear(2, 2).to(engine.int64),
                lambda: torch.nn.Linear(2, 2).to(torch.int64))
    m.to("cpu")
    assert str(m.weight.device) == "cpu"
    m2 = nn.Linear(2, 2, dtype=engine.float64)
    assert m2.weight.dtype is engine.float64


def test_shared_parameters_are_listed_once():
    lin = nn.Linear(2, 2)
    s = nn.Sequential(lin, nn.ReLU(), lin)
    ts = torch.nn.Sequential(*(lambda l: [l, torch.nn.ReLU(), l])(torch.nn.Linear(2, 2)))
    assert len(list(s.parameters())) == len(list(ts.parameters())) == 2
    assert list(s.state_dict()) == list(ts.state_dict())


def test_forward_hooks_and_apply_and_deepcopy():
    m = nn.Sequential(nn.Linear(2, 3), nn.ReLU())
    seen = []
    h = m[0].register_forward_hook(lambda mod, args, out: seen.append(tuple(out.shape)))
    m(engine.ones(4, 2))
    h.remove()
    m(engine.ones(4, 2))
    assert seen == [(4, 3)]
    names = []
    m.apply(lambda mod: names.append(type(mod).__name__))
    assert names == ["Linear", "ReLU", "Sequential"]
    c = copy.deepcopy(m)
    assert c[0].weight is not m[0].weight and isinstance(c[0].weight, nn.Parameter)
    np.testing.assert_array_equal(c[0].weight.detach().numpy(), m[0].weight.detach().numpy())


# ======================================================================================
# containers


def test_sequential_indexing_like_torch():
    def build(nn_):
        return nn_.Sequential(nn_.Linear(4, 3), nn_.ReLU(), nn_.Linear(3, 1, bias=False))
    s, ts = build(nn), build(torch.nn)
    assert len(s) == 3 and isinstance(s[0], nn.Linear) and isinstance(s[-1], nn.Linear)
    assert repr(s[1:]) == repr(ts[1:])
    assert [type(m).__name__ for m in s] == ["Linear", "ReLU", "Linear"]
    raises_like(lambda: s[5], lambda: ts[5])
    s.append(nn.Tanh())
    ts.append(torch.nn.Tanh())
    assert repr(s) == repr(ts)
    del s[1]
    del ts[1]
    assert repr(s) == repr(ts)
    s[0] = nn.Sigmoid()
    assert isinstance(s[0], nn.Sigmoid)
    s.insert(1, nn.ReLU())
    ts.insert(1, torch.nn.ReLU())
    ts[0] = torch.nn.Sigmoid()
    assert repr(s) == repr(ts)
    from collections import OrderedDict
    named = nn.Sequential(OrderedDict([("conv", nn.Conv2d(1, 2, 3)), ("act", nn.ReLU())]))
    assert list(named.state_dict()) == ["conv.weight", "conv.bias"]
    assert isinstance(named.act, nn.ReLU)


def test_sequential_forward_chains_modules():
    s = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2))
    x = engine.tensor(rand(5, 4, dtype=np.float32))
    with engine.no_grad():
        h = s[2](s[1](s[0](x)))
        np.testing.assert_allclose(s(x).numpy(), h.numpy())


def test_modulelist_like_torch():
    ml = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
    tml = torch.nn.ModuleList([torch.nn.Linear(2, 2) for _ in range(2)])
    ml.append(nn.ReLU())
    tml.append(torch.nn.ReLU())
    ml.extend([nn.Tanh()])
    tml.extend([torch.nn.Tanh()])
    assert repr(ml) == repr(tml) and len(ml) == 4
    assert list(ml.state_dict()) == list(tml.state_dict())
    assert repr(ml[1:3]) == repr(tml[1:3])
    raises_like(lambda: ml[9], lambda: tml[9])
    del ml[0]
    del tml[0]
    assert repr(ml) == repr(tml)
    raises_like(lambda: ml(engine.ones(1)), lambda: tml(torch.ones(1)))
    raises_like(lambda: ml.extend(3), lambda: tml.extend(3))

    class Holder(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)])

    assert list(Holder().state_dict()) == ["layers.0.weight", "layers.0.bias",
                                           "layers.1.weight", "layers.1.bias"]


# ======================================================================================
# layers against torch with copied weights


def _copy_params(em, tm):
    with torch.no_grad():
        for (k, ep), (_, tp) in zip(em.named_parameters(), tm.named_parameters()):
            tp.copy_(torch.tensor(ep.detach().numpy()))


@pytest.mark.parametrize("make,xs", [
    (lambda nn_: nn_.Linear(4, 3), (5, 4)),
    (lambda nn_: nn_.Conv2d(2, 4, 3, stride=2, padding=1), (2, 2, 9, 9)),
    (lambda nn_: nn_.Conv2d(4, 4, 3, padding="same", groups=2, bias=False), (1, 4, 6, 6)),
    (lambda nn_: nn_.Sequential(nn_.Conv2d(1, 6, 5), nn_.ReLU(), nn_.MaxPool2d(2),
                                nn_.Conv2d(6, 16, 5), nn_.Tanh(), nn_.MaxPool2d(2),
                                nn_.Flatten(), nn_.Linear(16 * 5 * 5, 10), nn_.Sigmoid()),
     (2, 1, 32, 32)),
])
def test_layers_match_torch_with_the_same_weights(make, xs):
    engine.manual_seed(0)
    em, tm = make(nn), make(torch.nn).double()
    em.double()
    _copy_params(em, tm)
    ex, tx = pair(rand(*xs))
    eo, to = em(ex), tm(tx)
    close(eo, to, 1e-8)
    assert eo.grad_fn.name() == to.grad_fn.name()
    check_grads(eo, to, [ex] + list(em.parameters()), [tx] + list(tm.parameters()), 1e-8)


@pytest.mark.parametrize("make", [
    lambda nn_: nn_.MSELoss(), lambda nn_: nn_.MSELoss(reduction="sum"),
    lambda nn_: nn_.CrossEntropyLoss(), lambda nn_: nn_.CrossEntropyLoss(label_smoothing=0.1),
    lambda nn_: nn_.NLLLoss(reduction="none"), lambda nn_: nn_.CrossEntropyLoss(ignore_index=2),
])
def test_loss_modules_match_torch(make):
    em, tm = make(nn), make(torch.nn)
    ex, tx = pair(rand(4, 3))
    if "MSE" in type(em).__name__:
        tgt = rand(4, 3)
    else:
        tgt = np.array([0, 2, 1, 2])
    eo, to = em(ex, engine.tensor(tgt)), tm(tx, torch.tensor(tgt))
    close(eo, to)
    check_grads(eo, to, [ex], [tx])


def test_weighted_loss_registers_weight_buffer():
    w = engine.tensor([1.0, 2.0, 3.0])
    m = nn.CrossEntropyLoss(weight=w)
    tm = torch.nn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0, 3.0]))
    assert list(m.state_dict()) == list(tm.state_dict()) == ["weight"]
    assert m.weight is w
    x = rand(4, 3, dtype=np.float32)
    tgt = np.array([0, 2, 1, 2])
    close(m(engine.tensor(x), engine.tensor(tgt)), tm(torch.tensor(x), torch.tensor(tgt)), 1e-6)


def test_layer_constructor_errors_match():
    for args, kw in [((4, 6, 3), dict(groups=4)), ((4, 6, 3), dict(groups=3)),
                     ((4, 6, 3), dict(groups=0)), ((2, 2, 3), dict(padding="foo")),
                     ((2, 2, 3), dict(padding="same", stride=2)),
                     ((2, 2, 3), dict(padding_mode="foo"))]:
        with pytest.raises(ValueError) as et:
            torch.nn.Conv2d(*args, **kw)
        with pytest.raises(ValueError) as ee:
            nn.Conv2d(*args, **kw)
        if kw.get("padding_mode") is None and kw.get("padding") != "foo":
            assert str(ee.value) == str(et.value)


# ======================================================================================
# init


def test_default_init_bounds_and_seed_repeatability():
    engine.manual_seed(7)
    a = nn.Linear(50, 40)
    engine.manual_seed(7)
    b = nn.Linear(50, 40)
    np.testing.assert_array_equal(a.weight.detach().numpy(), b.weight.detach().numpy())
    bound = 1 / math.sqrt(50)  # kaiming_uniform_(a=sqrt(5)) gives 1/sqrt(fan_in) too
    w = a.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert np.abs(a.bias.detach().numpy()).max() <= bound
    c = nn.Conv2d(3, 8, 5)
    cb = 1 / math.sqrt(3 * 25)
    assert np.abs(c.weight.detach().numpy()).max() <= cb
    assert np.abs(c.bias.detach().numpy()).max() <= cb
    assert not np.array_equal(a.weight.detach().numpy()[:1], nn.Linear(50, 40).weight.detach()
                              .numpy()[:1])


def test_init_functions():
    w = engine.empty(20, 30)
    v = w._version
    nn.init.zeros_(w)
    assert (w.numpy() == 0).all() and w._version > v
    nn.init.ones_(w)
    assert (w.numpy() == 1).all()
    nn.init.constant_(w, 0.5)
    assert (w.numpy() == 0.5).all()
    nn.init.uniform_(w, -2, 3)
    assert w.numpy().min() >= -2 and w.numpy().max() <= 3
    nn.init.normal_(w, 1.0, 0.01)
    assert abs(w.numpy().mean() - 1.0) < 0.01
    nn.init.xavier_uniform_(w)
    assert np.abs(w.numpy()).max() <= math.sqrt(6 / 50)
    nn.init.kaiming_normal_(w, nonlinearity="relu")
    nn.init.eye_(w)
    assert w.numpy()[3, 3] == 1 and w.numpy().sum() == 20
    for name, param in [("relu", None), ("tanh", None), ("leaky_relu", 0.2), ("linear", None),
                        ("sigmoid", None), ("selu", None)]:
        assert nn.init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
    raises_like(lambda: nn.init.kaiming_uniform_(engine.empty(3)),
                lambda: torch.nn.init.kaiming_uniform_(torch.empty(3)))
    raises_like(lambda: nn.init.kaiming_uniform_(engine.empty(3, 3), mode="bad"),
                lambda: torch.nn.init.kaiming_uniform_(torch.empty(3, 3), mode="bad"))
    p = nn.Parameter(engine.empty(3, 3))
    nn.init.normal_(p)  # on a leaf that requires grad: allowed, as under no_grad
    assert p.requires_grad and p.grad_fn is None


# ======================================================================================
# the gallery networks (EXAMPLES.md items 22 and 23)


def test_small_network_trains_with_mse_and_sgd_momentum():
    engine.manual_seed(0)
    x = engine.linspace(-1, 1, 64).reshape(64, 1)
    y = x ** 3
    net = nn.Sequential(nn.Linear(1, 32), nn.ReLU(), nn.Linear(32, 1))
    opt = engine.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    loss_fn = nn.MSELoss()
    losses = []
    for _ in range(150):
        opt.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.1 * losses[0]
    assert loss.grad_fn.name() == "MseLossBackward0"


def test_conv_block_shapes():
    engine.manual_seed(0)
    conv1, conv2 = nn.Conv2d(1, 6, 5), nn.Conv2d(6, 16, 5)
    x = engine.randn(1, 1, 32, 32)
    shapes = []
    h = conv1(x)
    shapes.append(tuple(h.shape))
    h = F.max_pool2d(F.relu(h), 2)
    shapes.append(tuple(h.shape))
    h = conv2(h)
    shapes.append(tuple(h.shape))
    out = F.max_pool2d(F.relu(h), 2)
    shapes.append(tuple(out.shape))
    assert shapes == [(1, 6, 28, 28), (1, 6, 14, 14), (1, 16, 10, 10), (1, 16, 5, 5)]
    out.sum().backward()
    assert out.grad_fn.name() == "MaxPool2DWithIndicesBackward0"
    assert tuple(conv1.weight.grad.shape) == (6, 1, 5, 5)
