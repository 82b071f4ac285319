"""Special node kinds (parameters, layers, losses, backward/grad/zero_grad/optimizer step,
detach, retain_grad, index expressions) and training, checked against torch."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import engine
from engine import backend
from engine.graph.train import TrainError, train


def arr(t) -> np.ndarray:
    return np.array(t.detach().cpu().numpy()) if isinstance(t, torch.Tensor) \
        else np.array(backend.to_host(t._data))


def tt(t, requires_grad=False) -> torch.Tensor:
    """A torch copy of an engine tensor's values."""
    return torch.tensor(arr(t), requires_grad=requires_grad)


# ---- parameters ---------------------------------------------------------------------------

@pytest.mark.parametrize("init, attrs, expect", [
    ("zeros", {"shape": (2, 3)}, np.zeros((2, 3))),
    ("ones", {"shape": (2,)}, np.ones(2)),
    ("constant", {"shape": (2, 2), "value": 2.5}, np.full((2, 2), 2.5)),
    ("data", {"data": [[1, 2], [3, 4]], "dtype": "float64"}, np.array([[1.0, 2], [3, 4]])),
])
def test_parameter_inits(g, b, ex, init, attrs, expect):
    p = b.node("special:parameter", init=init, **attrs)
    r = ex.run().nodes[p.id]
    np.testing.assert_array_equal(arr(r.tensor), expect)
    assert r.is_leaf and r.requires_grad and r.grad_fn is None
    assert r.dtype == attrs.get("dtype", "float32")
    assert ex.check() == {}


def test_random_parameters_are_kept_until_edited_and_seeds_repeat(g, b, ex):
    p = b.node("special:parameter", shape=(3, 2), init="uniform", low=-0.5, high=0.5)
    q = b.node("special:parameter", shape=(4,), seed=7)
    r = ex.run()
    v = arr(r.nodes[p.id].tensor)
    assert v.shape == (3, 2) and (np.abs(v) <= 0.5).all()
    ex.invalidate()
    r2 = ex.run()
    assert r2.nodes[p.id].tensor is r.nodes[p.id].tensor  # recomputed but the same parameter
    g.set_attr(p.id, "high", 0.6)
    assert not np.array_equal(arr(ex.run().nodes[p.id].tensor), v)
    np.testing.assert_array_equal(arr(r.nodes[q.id].tensor),
                                  np.random.default_rng(7).standard_normal(4).astype(np.float32))
    g.set_flag(q.id, "requires_grad", False)
    r3 = ex.run()
    assert not r3.nodes[q.id].requires_grad and r3.nodes[q.id].tensor is r.nodes[q.id].tensor


# ---- layers and losses ----------------------------------------------------------------------

def test_linear_layer_matches_torch_and_exposes_its_parameters(g, b, ex):
    x = b.node("source:randn", size=(5, 3))
    lin = b.node("special:linear", x, in_features=3, out_features=2)
    loss = b.node("op:sum", b.node("op:relu", lin))
    r = ex.run(backward=True)
    n = r.nodes[lin.id]
    w, bias = n.outputs["weight"], n.outputs["bias"]
    assert w.shape == (2, 3) and bias.shape == (2,) and w.is_leaf and w.requires_grad
    assert (np.abs(arr(w)) <= 1 / np.sqrt(3)).all()
    assert n.grad_fn == "AddmmBackward0"
    tx, tw, tb = tt(r.nodes[x.id].tensor), tt(w, True), tt(bias, True)
    tl = torch.nn.functional.linear(tx, tw, tb).relu().sum()
    tl.backward()
    np.testing.assert_allclose(r.nodes[loss.id].tensor.item(), tl.item(), rtol=1e-5)
    np.testing.assert_allclose(arr(w.grad), arr(tw.grad), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arr(bias.grad), arr(tb.grad), rtol=1e-5, atol=1e-6)
    # the weights survive re-runs and edits elsewhere; editing the layer draws new ones
    g.set_attr(x.id, "size", (4, 3))
    r2 = ex.run()
    assert r2.nodes[lin.id].outputs["weight"] is w and r2.nodes[lin.id].shape == (4, 2)
    g.set_attr(lin.id, "bias", False)
    r3 = ex.run()
    assert r3.nodes[lin.id].outputs["bias"] is None and r3.nodes[lin.id].outputs["weight"] is not w


def test_conv_block_shapes_and_grads(g, b, ex):
    """The gallery's convolutional block: conv2d(1, 6, 5), relu, max_pool2d(2), twice."""
    x = b.node("source:randn", size=(1, 1, 32, 32))
    c1 = b.node("special:conv2d", x, in_channels=1, out_channels=6, kernel_size=(5,))
    p1 = b.node("op:max_pool2d", b.node("op:relu", c1), kernel_size=(2, 2))
    c2 = b.node("special:conv2d", p1, in_channels=6, out_channels=16, kernel_size=(5, 5))
    p2 = b.node("op:max_pool2d", b.node("op:relu", c2), kernel_size=(2, 2))
    s = b.node("op:sum", p2)
    assert ex.check() == {}
    r = ex.run(backward=True)
    assert r.nodes[c1.id].shape == (1, 6, 28, 28) and r.nodes[p1.id].shape == (1, 6, 14, 14)
    assert r.nodes[c2.id].shape == (1, 16, 10, 10) and r.nodes[p2.id].shape == (1, 16, 5, 5)
    assert r.nodes[c1.id].grad_fn == "ConvolutionBackward0"
    w1, b1 = r.nodes[c1.id].outputs["weight"], r.nodes[c1.id].outputs["bias"]
    w2, b2 = r.nodes[c2.id].outputs["weight"], r.nodes[c2.id].outputs["bias"]
    tw1, tb1, tw2, tb2 = (tt(t, True) for t in (w1, b1, w2, b2))
    F = torch.nn.functional
    h = F.max_pool2d(F.conv2d(tt(r.nodes[x.id].tensor), tw1, tb1).relu(), 2)
    tl = F.max_pool2d(F.conv2d(h, tw2, tb2).relu(), 2).sum()
    tl.backward()
    np.testing.assert_allclose(r.nodes[s.id].tensor.item(), tl.item(), rtol=1e-4)
    np.testing.assert_allclose(arr(w1.grad), arr(tw1.grad), rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(arr(b2.grad), arr(tb2.grad), rtol=1e-3, atol=1e-4)
    g.set_attr(c2.id, "in_channels", 3)
    assert "expected input[1, 6, 14, 14] to have 3 channels" in ex.check()[c2.id]


def test_losses_match_torch(g, b, ex):
    engine.manual_seed(3)
    logits = b.node("source:randn", size=(4, 3), requires_grad=True)
    target = b.data([0, 2, 1, 2])
    ce = b.node("special:cross_entropy", logits, target, label_smoothing=0.1)
    pred = b.node("source:randn", size=(4, 3), requires_grad=True)
    mse = b.node("op:mse_loss", pred, logits)
    r = ex.run()
    tl = tt(r.nodes[logits.id].tensor, True)
    tce = torch.nn.functional.cross_entropy(tl, torch.tensor([0, 2, 1, 2]), label_smoothing=0.1)
    np.testing.assert_allclose(r.nodes[ce.id].tensor.item(), tce.item(), rtol=1e-5)
    tm = torch.nn.functional.mse_loss(tt(r.nodes[pred.id].tensor), tl)
    np.testing.assert_allclose(r.nodes[mse.id].tensor.item(), tm.item(), rtol=1e-5)
    assert r.nodes[mse.id].grad_fn == tm.grad_fn.name()


# ---- autograd actions -----------------------------------------------------------------------

def test_autograd_grad_node_partial_derivatives(g, b, ex):
    """y = a**2 * x + b * x + c at x = 1, a = 1, b = 2, c = 3: grad(y, [a, b, c]) = (2, 1, 1)."""
    x = b.data(1.0)
    a, bb, c = (b.data(v, requires_grad=True) for v in (1.0, 2.0, 3.0))
    y = b.node("op:add", b.node("op:add", b.node("op:mul", b.node("op:pow", a, exponent=2), x),
                                b.node("op:mul", bb, x)), c)
    gr = b.node("special:grad", y, [a, bb, c])
    used = b.node("op:mul", (gr, "grad0"), other=10.0)
    r = ex.run()
    n = r.nodes[gr.id]
    assert [t.item() for t in n.value] == [2.0, 1.0, 1.0]
    assert n.outputs["grad1"].item() == 1.0 and n.outputs["grad3"] is None
    assert r.nodes[used.id].tensor.item() == 20.0
    assert r.nodes[a.id].grad is None  # autograd.grad leaves .grad alone
    assert ex.check() == {}


def test_zero_grad_node_and_set_to_none(g, b, ex):
    x = b.data([1.0, 2.0], requires_grad=True)
    s = b.node("op:sum", b.node("op:mul", x, x))
    zg = b.node("special:zero_grad", [x])
    for _ in range(2):
        r = ex.run(backward=True)
    np.testing.assert_array_equal(arr(r.nodes[x.id].grad), [2.0, 4.0])  # no accumulation
    assert r.nodes[zg.id].error is None and "1 tensor" in r.nodes[zg.id].value
    g.remove_node(zg.id)
    r = ex.run(backward=True)
    np.testing.assert_array_equal(arr(r.nodes[x.id].grad), [4.0, 8.0])
    zg = b.node("special:zero_grad", s, set_to_none=False)  # the leaves the loss depends on
    r = ex.run(backward=True)
    np.testing.assert_array_equal(arr(r.nodes[x.id].grad), [2.0, 4.0])


@pytest.mark.parametrize("settings", [
    {"optimizer": "SGD", "lr": 0.1, "momentum": 0.9},
    {"optimizer": "Adam", "lr": 0.05, "weight_decay": 0.01},
])
def test_optim_step_matches_torch_optim(g, b, ex, settings):
    w = b.node("special:parameter", shape=(3,), seed=1)
    x = b.data([1.0, -2.0, 0.5])
    loss = b.node("op:sum", b.node("op:pow", b.node("op:mul", w, x), exponent=2))
    b.node("special:zero_grad")
    b.node("special:backward", loss)
    b.node("special:optim_step", loss, **settings)
    w0 = arr(ex.run().nodes[w.id].tensor)
    tw = torch.tensor(w0, requires_grad=True)
    s = dict(settings)
    opt = getattr(torch.optim, s.pop("optimizer"))([tw], **s)
    for _ in range(3):
        r = ex.run(backward=True, step=True)
        opt.zero_grad()
        tl = ((tw * torch.tensor([1.0, -2.0, 0.5])) ** 2).sum()
        tl.backward()
        opt.step()
        np.testing.assert_allclose(r.nodes[loss.id].tensor.item(), tl.item(), rtol=1e-5)
    np.testing.assert_allclose(arr(r.nodes[w.id].tensor), arr(tw), rtol=1e-5, atol=1e-6)
    assert w.id not in r.recomputed  # the parameter keeps its identity, changed in place


def test_detach_and_retain(g, b, ex):
    x = b.data([1.0, 2.0, 3.0], requires_grad=True)
    y = b.node("op:mul", x, x)
    u = b.node("special:detach", y)
    z = b.node("op:mul", u, x)
    kept = b.node("special:retain", z)
    b.node("special:backward", b.node("op:sum", kept))
    r = ex.run(backward=True)
    np.testing.assert_array_equal(arr(r.nodes[x.id].grad), arr(r.nodes[u.id].tensor))
    assert r.nodes[u.id].is_leaf and not r.nodes[u.id].requires_grad
    np.testing.assert_array_equal(arr(r.nodes[kept.id].grad), np.ones(3))
    assert ex.check() == {}


# ---- index expressions (the registry's op:index, run by the executor) ------------------------

DATA = np.arange(12, dtype=np.float32).reshape(3, 4)


@pytest.mark.parametrize("expr", [
    "[1]", "[:, 0]", "[-1]", "[1:3, ::2]", "[None, ...]", "[..., 1]", "[[0, 1], [1, 2]]",
    "[[[0], [1]], [1, 2]]", "[data[:, 2] > 5]", "[:, data[1] > 5]", "[1, -2:]",
    "[(data > 2) & (data < 9)]", "[~(data > 5)]",
])
def test_index_expressions_match_torch(g, b, ex, expr):
    x = b.data(DATA.tolist(), requires_grad=True)
    ix = b.node("op:index", x, index=expr)
    s = b.node("op:sum", ix)
    assert ex.check() == {}  # value-dependent masks are left to the run, not reported
    r = ex.run(backward=True)
    assert r.nodes[ix.id].error is None, r.nodes[ix.id].error
    data = torch.tensor(DATA, requires_grad=True)
    expected = eval("data" + expr)  # the oracle only: a trusted literal of this test
    expected.sum().backward()
    np.testing.assert_array_equal(arr(r.nodes[ix.id].tensor), arr(expected))
    np.testing.assert_array_equal(arr(r.nodes[x.id].grad), arr(data.grad))
    assert r.nodes[ix.id].grad_fn == expected.grad_fn.name()
    assert r.nodes[s.id].error is None


@pytest.mark.parametrize("expr", [
    "[__import__('os')]", "[().__class__]", "[data.shape]", "[len(data)]", "['a']",
    "[lambda: 0]", "[9 ** 9 ** 9]", "[0]; import os", "[f'{1}']", "[{1: 2}]", "data",
])
def test_index_expressions_never_execute_code(g, b, ex, expr):
    x = b.data(DATA.tolist())
    ix = b.node("op:index", x, index=expr)
    r = ex.run()
    assert r.nodes[ix.id].error is not None and r.nodes[ix.id].tensor is None


def test_index_errors_are_pytorchs_before_and_when_running(g, b, ex):
    x = b.data(DATA.tolist())
    ix = b.node("op:index", x, index="[5]")
    too_many = b.node("op:index", x, index="[0, 0, 0]")
    msgs = ex.check()
    r = ex.run()
    with pytest.raises(IndexError) as e1:
        torch.tensor(DATA)[5]
    with pytest.raises(IndexError) as e2:
        torch.tensor(DATA)[0, 0, 0]
    for n, e in ((ix, e1), (too_many, e2)):
        assert msgs[n.id] == r.nodes[n.id].error == f"{e.value} (input shapes: [3, 4])"
        assert r.nodes[n.id].error_type == "IndexError"


# ---- training ------------------------------------------------------------------------------

def regression(b, optim_node=True, **settings):
    """y = 2 x1 - 3 x2 + 1 learned by a Linear(2, 1) with MSE."""
    rng = np.random.default_rng(0)
    xs = rng.standard_normal((32, 2)).astype(np.float32)
    ys = (xs @ np.array([[2.0], [-3.0]], np.float32) + 1.0).astype(np.float32)
    x, y = b.data(xs.tolist()), b.data(ys.tolist())
    lin = b.node("special:linear", x, in_features=2, out_features=1, seed=0)
    loss = b.node("op:mse_loss", lin, y, label="loss")
    if optim_node:
        b.node("special:optim_step", loss, **settings)
    return lin, loss


def test_training_loss_falls(g, b, ex):
    lin, loss = regression(b, lr=0.1, momentum=0.5)
    seen = []
    losses = train(ex, 60, progress=lambda i, v: seen.append((i, v)))
    assert len(losses) == 60 and [i for i, _ in seen] == list(range(1, 61))
    assert losses[-1] < 1e-3 < losses[0] and losses[-1] < losses[30] < losses[0]
    w = arr(ex.value(lin.id, "weight"))
    np.testing.assert_allclose(w, [[2.0, -3.0]], atol=0.05)
    # each step recomputes only what depends on the parameters
    assert set(ex.last_result.recomputed) >= {lin.id, loss.id}
    assert len(ex.last_result.recomputed) == 3


def test_training_with_settings_and_cancel(g, b, ex):
    lin, loss = regression(b, optim_node=False)
    calls = []
    losses = train(ex, 100, loss, {"optimizer": "Adam", "lr": 0.05},
                   cancel=lambda: len(calls) >= 10, progress=lambda i, v: calls.append(i))
    assert len(losses) == 10 and losses[-1] < losses[0]
    with pytest.raises(TrainError, match="no optimizer step node"):
        train(ex, 5)


def test_training_stops_on_an_error_with_the_node(g, b, ex):
    lin, loss = regression(b, lr=0.1)
    g.set_attr(lin.id, "in_features", 3)
    with pytest.raises(TrainError) as e:
        train(ex, 5)
    assert e.value.node_id == lin.id and "cannot be multiplied" in str(e.value)
    assert e.value.losses == []
