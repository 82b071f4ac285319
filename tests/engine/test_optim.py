"""engine.optim against torch.optim: the same initial weights and the same loss give the same
parameters after N steps (1e-6 in float64, 1e-5 in float32) for every SGD and Adam setting;
state_dict / load_state_dict, parameter groups, zero_grad, closures, errors and repr."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

import engine
from engine import nn

STEPS = 25


def make_pair(dtype: str, seed: int = 0):
    """An engine and a torch MLP with the same weights."""
    engine.manual_seed(seed)
    em = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    tm = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 2))
    if dtype == "float64":
        em.double()
        tm.double()
    with torch.no_grad():
        for ep, tp in zip(em.parameters(), tm.parameters()):
            tp.copy_(torch.from_numpy(ep.detach().numpy().copy()))
    return em, tm


def data(dtype: str, seed: int = 1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((8, 3)).astype(dtype)
    y = rng.standard_normal((8, 2)).astype(dtype)
    return x, y


def run_steps(em, tm, eopt, topt, dtype, steps=STEPS):
    x, y = data(dtype)
    ex, ey, tx, ty = engine.tensor(x), engine.tensor(y), torch.tensor(x), torch.tensor(y)
    for _ in range(steps):
        eopt.zero_grad()
        topt.zero_grad()
        nn.MSELoss()(em(ex), ey).backward()
        torch.nn.MSELoss()(tm(tx), ty).backward()
        eopt.step()
        topt.step()


def assert_same_params(em, tm, dtype):
    tol = 1e-6 if dtype == "float64" else 1e-5
    for ep, tp in zip(em.parameters(), tm.parameters()):
        assert ep.dtype.name == dtype
        np.testing.assert_allclose(ep.detach().numpy(), tp.detach().numpy(), rtol=tol, atol=tol)


SGD_SETTINGS = [
    dict(lr=0.1), dict(lr=0.05, momentum=0.9), dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.9, nesterov=True), dict(lr=0.1, weight_decay=0.01),
    dict(lr=0.05, momentum=0.8, weight_decay=0.1, nesterov=True), dict(lr=0.02, maximize=True),
]
ADAM_SETTINGS = [
    dict(), dict(lr=0.01), dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6),
    dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, weight_decay=0.05, amsgrad=True, maximize=True),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kw", SGD_SETTINGS, ids=str)
def test_sgd_matches_torch(kw, dtype):
    em, tm = make_pair(dtype)
    run_steps(em, tm, engine.optim.SGD(em.parameters(), **kw),
              torch.optim.SGD(tm.parameters(), **kw), dtype)
    assert_same_params(em, tm, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kw", ADAM_SETTINGS, ids=str)
def test_adam_matches_torch(kw, dtype):
    em, tm = make_pair(dtype)
    run_steps(em, tm, engine.optim.Adam(em.parameters(), **kw),
              torch.optim.Adam(tm.parameters(), **kw), dtype)
    assert_same_params(em, tm, dtype)


def test_param_groups_with_their_own_settings():
    em, tm = make_pair("float64")
    eg = [{"params": list(em[0].parameters())}, {"params": list(em[2].parameters()), "lr": 0.3}]
    tg = [{"params": list(tm[0].parameters())}, {"params": list(tm[2].parameters()), "lr": 0.3}]
    eo = engine.optim.SGD(eg, lr=0.05, momentum=0.5)
    to = torch.optim.SGD(tg, lr=0.05, momentum=0.5)
    assert [g["lr"] for g in eo.param_groups] == [0.05, 0.3]
    run_steps(em, tm, eo, to, "float64")
    assert_same_params(em, tm, "float64")
    assert repr(eo) == repr(to)


def test_changing_lr_between_steps_is_honoured():
    em, tm = make_pair("float64")
    eo, to = engine.optim.Adam(em.parameters(), lr=0.02), torch.optim.Adam(tm.parameters(),
                                                                           lr=0.02)
    run_steps(em, tm, eo, to, "float64", 5)
    for g in eo.param_groups + to.param_groups:
        g["lr"] = 0.001
    run_steps(em, tm, eo, to, "float64", 5)
    assert_same_params(em, tm, "float64")


def test_parameters_without_grad_are_skipped_and_steps_bump_versions():
    a = nn.Parameter(engine.ones(2))
    b = nn.Parameter(engine.ones(2))
    opt = engine.optim.SGD([a, b], lr=0.5)
    (a * 3).sum().backward()
    va, vb = a._version, b._version
    opt.step()
    assert a.tolist() == [-0.5, -0.5] and b.tolist() == [1.0, 1.0]
    assert a._version == va + 1 and b._version == vb
    assert a.is_leaf and a.requires_grad and a.grad_fn is None


def test_step_runs_without_recording_and_a_saved_parameter_is_detected():
    w = nn.Parameter(engine.ones(3))
    opt = engine.optim.SGD([w], lr=0.1)
    y = (w * w).sum()
    y.backward(retain_graph=True)
    opt.step()
    assert w.grad_fn is None
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_zero_grad_set_to_none_and_zeros():
    w = nn.Parameter(engine.ones(3))
    opt = engine.optim.Adam([w])
    (w * 2).sum().backward()
    g = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is g and w.grad.tolist() == [0.0, 0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None


def test_closure_is_evaluated_with_grad_and_its_loss_returned():
    w = nn.Parameter(engine.tensor([2.0]))
    opt = engine.optim.SGD([w], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    with engine.no_grad():
        loss = opt.step(closure)
    assert loss.item() == 4.0 and w.tolist() == [1.0]


def test_state_dict_layout_matches_torch():
    em, tm = make_pair("float32")
    for make_e, make_t in [(lambda p: engine.optim.SGD(p, lr=0.1, momentum=0.9),
                            lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
                           (lambda p: engine.optim.Adam(p, amsgrad=True),
                            lambda p: torch.optim.Adam(p, amsgrad=True))]:
        eo, to = make_e(em.parameters()), make_t(tm.parameters())
        es, ts = eo.state_dict(), to.state_dict()
        assert es == {"state": {}, "param_groups": ts["param_groups"]}
        run_steps(em, tm, eo, to, "float32", 2)
        es, ts = eo.state_dict(), to.state_dict()
        assert es["param_groups"] == ts["param_groups"]
        assert list(es["state"]) == list(ts["state"]) == [0, 1, 2, 3]
        for k in ts["state"]:
            assert list(es["state"][k]) == list(ts["state"][k])
            for name, tv in ts["state"][k].items():
                ev = es["state"][k][name]
                assert isinstance(ev, engine.Tensor)
                assert str(ev.dtype) == str(tv.dtype) and tuple(ev.shape) == tuple(tv.shape)
                np.testing.assert_allclose(ev.numpy(), tv.numpy(), rtol=1e-5, atol=1e-6)
        assert repr(eo) == repr(to)


@pytest.mark.parametrize("opt_name,kw", [("SGD", dict(lr=0.05, momentum=0.9)),
                                         ("Adam", dict(lr=0.01, amsgrad=True))])
def test_load_state_dict_resumes_exactly(opt_name, kw):
    em, tm = make_pair("float64")
    eo = getattr(engine.optim, opt_name)(em.parameters(), **kw)
    to = getattr(torch.optim, opt_name)(tm.parameters(), **kw)
    run_steps(em, tm, eo, to, "float64", 5)
    # a fresh engine optimizer resumes from the saved state
    saved = copy.deepcopy(eo.state_dict())
    eo2 = getattr(engine.optim, opt_name)(em.parameters(), lr=123.0)
    eo2.load_state_dict(saved)
    assert eo2.param_groups[0]["lr"] == kw["lr"]
    assert all(a is b for a, b in zip(eo2.param_groups[0]["params"], em.parameters()))
    # state is copied, not shared
    k0 = next(iter(saved["state"][0]))
    if k0 != "step":
        assert eo2.state[next(em.parameters())][k0]._data is not saved["state"][0][k0]._data
    run_steps(em, tm, eo2, to, "float64", 5)
    assert_same_params(em, tm, "float64")


def test_load_state_dict_errors_match():
    em, tm = make_pair("float32")
    eo = engine.optim.SGD([{"params": [em[0].weight]}, {"params": [em[0].bias], "lr": 0.5}],
                          lr=0.1)
    to = torch.optim.SGD([{"params": [tm[0].weight]}, {"params": [tm[0].bias], "lr": 0.5}],
                         lr=0.1)
    for bad in [{"state": {}, "param_groups": [{"params": [0]}]},
                {"state": {}, "param_groups": [{"params": [0, 1]}, {"params": []}]}]:
        with pytest.raises(ValueError) as et:
            to.load_state_dict(copy.deepcopy(bad))
        with pytest.raises(ValueError) as ee:
            eo.load_state_dict(copy.deepcopy(bad))
        assert str(ee.value) == str(et.value)


@pytest.mark.parametrize("build", [
    lambda o, p: o.SGD(p, lr=-1), lambda o, p: o.SGD(p, lr=0.1, momentum=-1),
    lambda o, p: o.SGD(p, lr=0.1, weight_decay=-1), lambda o, p: o.SGD(p, lr=0.1, nesterov=True),
    lambda o, p: o.SGD([], lr=0.1), lambda o, p: o.Adam(p, lr=-1),
    lambda o, p: o.Adam(p, betas=(1.0, 0.9)), lambda o, p: o.Adam(p, betas=(0.9, -0.1)),
    lambda o, p: o.Adam(p, eps=-1), lambda o, p: o.Adam(p, weight_decay=-1),
    lambda o, p: o.SGD(p[0], lr=0.1), lambda o, p: o.SGD([p[0], 3], lr=0.1),
    lambda o, p: o.SGD([{"params": [p[0]]}, {"params": [p[0]]}], lr=0.1),
    lambda o, p: o.SGD([{"params": {p[0]}}], lr=0.1),
])
def test_constructor_errors_match(build):
    ep = [nn.Parameter(engine.ones(2)), nn.Parameter(engine.ones(2))]
    tp = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(2))]
    with pytest.raises(Exception) as et:
        build(torch.optim, tp)
    with pytest.raises(type(et.value)) as ee:
        build(engine.optim, ep)
    assert str(ee.value) == str(et.value)


def test_non_leaf_tensors_are_refused():
    x = engine.ones(2, requires_grad=True) * 2
    with pytest.raises(ValueError, match="can't optimize a non-leaf Tensor"):
        engine.optim.SGD([x], lr=0.1)


def test_defaults_and_repr_match_torch():
    ep, tp = [nn.Parameter(engine.ones(2))], [torch.nn.Parameter(torch.ones(2))]
    assert repr(engine.optim.SGD(ep)) == repr(torch.optim.SGD(tp))
    assert repr(engine.optim.Adam(ep)) == repr(torch.optim.Adam(tp))
    assert engine.optim.Adam(ep).defaults == torch.optim.Adam(tp).defaults
    assert engine.optim.SGD(ep, lr=0.1).defaults == torch.optim.SGD(tp, lr=0.1).defaults


def test_add_param_group():
    a, b = nn.Parameter(engine.ones(1)), nn.Parameter(engine.ones(1))
    opt = engine.optim.SGD([a], lr=0.1)
    opt.add_param_group({"params": b, "lr": 0.2})
    assert len(opt.param_groups) == 2
    assert len(opt.param_groups[1]["params"]) == 1 and opt.param_groups[1]["params"][0] is b
    assert opt.param_groups[1]["momentum"] == 0
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_optimizers_train_a_small_classifier():
    engine.manual_seed(0)
    rng = np.random.default_rng(0)
    x = engine.tensor(rng.standard_normal((60, 2)).astype(np.float32))
    y = engine.tensor((x.numpy()[:, 0] * x.numpy()[:, 1] > 0).astype(np.int64))
    for make in (lambda p: engine.optim.Adam(p, lr=0.05),
                 lambda p: engine.optim.SGD(p, lr=0.5, momentum=0.9)):
        net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))
        opt = make(net.parameters())
        loss_fn = nn.CrossEntropyLoss()
        first = None
        for _ in range(100):
            opt.zero_grad()
            loss = loss_fn(net(x), y)
            loss.backward()
            opt.step()
            first = loss.item() if first is None else first
        assert loss.item() < 0.5 * first
