"""The executor: a graph runs as the PyTorch program it spells, incrementally, with per-node
values, grads, grad_fn chains, timings and errors that stay on their node."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import engine
from engine import backend
from engine.graph.execute import Executor


def arr(t) -> np.ndarray:
    return np.array(t.detach().cpu().numpy()) if isinstance(t, torch.Tensor) \
        else np.array(backend.to_host(t._data))


def autograd_basics(b):
    """x = ones(2, 2, requires_grad=True); y = x + 2; z = y * y * 3; out = z.mean()."""
    x = b.node("source:ones", size=(2, 2), requires_grad=True, label="x")
    y = b.node("op:add", x, other=2, label="y")
    yy = b.node("op:mul", y, y, label="yy")
    z = b.node("op:mul", yy, other=3, label="z")
    out = b.node("op:mean", z, label="out")
    return x, y, z, out


def test_autograd_basics_as_pytorch(g, b, ex):
    x, y, z, out = autograd_basics(b)
    r = ex.run(backward=True)
    n = r.nodes
    assert r.order == [x.id, y.id, n[r.order[2]].node_id, z.id, out.id]
    assert n[y.id].grad_fn == "AddBackward0" and n[z.id].grad_fn == "MulBackward0"
    assert n[out.id].grad_fn == "MeanBackward0"
    assert n[out.id].tensor.item() == 27.0
    assert n[x.id].is_leaf and n[x.id].grad_fn is None and n[x.id].requires_grad
    np.testing.assert_allclose(arr(n[x.id].grad), np.full((2, 2), 4.5))
    assert n[y.id].next_functions == [("AccumulateGrad", 0), (None, 0)]
    # the same program in torch: flows into every node as torch's hooks see them
    tx = torch.ones(2, 2, requires_grad=True)
    ty = tx + 2
    ty.retain_grad()
    tz = ty * ty * 3
    tz.retain_grad()
    tz.mean().backward()
    assert n[y.id].grad is None and "not a leaf" in n[y.id].grad_note
    np.testing.assert_allclose(arr(n[y.id].grad_flow), arr(ty.grad))
    np.testing.assert_allclose(arr(n[z.id].grad_flow), arr(tz.grad))
    np.testing.assert_allclose(arr(n[x.id].grad_flow), arr(tx.grad))
    assert n[out.id].shape == () and n[out.id].dtype == "float32" and n[out.id].device == "cpu"
    assert any("no backward node" in text for _, _, text in r.log)
    assert r.backward_ran


def test_values_and_grads_match_engine_and_torch(g, b, ex):
    engine.manual_seed(0)
    a = b.node("source:randn", size=(3, 4), requires_grad=True)
    w = b.node("source:randn", size=(4,), requires_grad=True)
    prod = b.node("op:mul", a, w)
    act = b.node("op:tanh", prod)
    s = b.node("op:sum", act, dim=1)
    sq = b.node("op:pow", s, exponent=2)
    loss = b.node("op:mean", sq)
    r = ex.run(backward=True)
    av, wv = arr(r.nodes[a.id].tensor), arr(r.nodes[w.id].tensor)
    # the equivalent engine program
    ea = engine.tensor(av, requires_grad=True)
    ew = engine.tensor(wv, requires_grad=True)
    el = ((ea * ew).tanh().sum(dim=1) ** 2).mean()
    el.backward()
    assert r.nodes[loss.id].tensor.item() == el.item()
    np.testing.assert_array_equal(arr(r.nodes[a.id].grad), arr(ea.grad))
    # and torch
    ta = torch.tensor(av, requires_grad=True)
    tw = torch.tensor(wv, requires_grad=True)
    tl = ((ta * tw).tanh().sum(dim=1) ** 2).mean()
    tl.backward()
    np.testing.assert_allclose(r.nodes[loss.id].tensor.item(), tl.item(), rtol=1e-6)
    np.testing.assert_allclose(arr(r.nodes[a.id].grad), arr(ta.grad), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(arr(r.nodes[w.id].grad), arr(tw.grad), rtol=1e-5, atol=1e-6)
    assert r.nodes[s.id].grad_fn == tl.grad_fn.next_functions[0][0].next_functions[0][0].name()
    assert r.nodes[sq.id].grad_fn == "PowBackward0"


def test_error_stays_on_its_node_and_independent_nodes_run(g, b, ex):
    a = b.node("source:ones", size=(2, 3))
    c = b.node("source:ones", size=(4, 5))
    bad = b.node("op:mul", a, c, label="bad")
    after = b.node("op:relu", bad, label="after")
    fine = b.node("op:exp", a, label="fine")
    r = ex.run()
    e = r.nodes[bad.id]
    with pytest.raises(RuntimeError) as te:
        engine.ones(2, 3) * engine.ones(4, 5)  # the same program on the engine
    assert e.error == f"{te.value} (input shapes: [2, 3], [4, 5])"
    assert e.error_type == "RuntimeError" and e.tensor is None
    assert r.nodes[after.id].skipped == "input 'input' failed" and r.nodes[after.id].error is None
    np.testing.assert_allclose(arr(r.nodes[fine.id].tensor), np.e * np.ones((2, 3)), rtol=1e-6)
    assert ("error", bad.id) in [(lvl, nid) for lvl, nid, _ in r.log]
    # fixing the edit re-runs the failed node and what it fed, not the rest
    g.set_attr(c.id, "size", (2, 3))
    r = ex.run()
    assert r.nodes[bad.id].error is None and r.nodes[after.id].skipped is None
    assert set(r.recomputed) == {c.id, bad.id, after.id}


def test_unconnected_input_is_an_error_on_the_node(g, b, ex):
    a = b.node("source:ones", size=(2,))
    m = b.node("op:mul", a)
    r = ex.run()
    assert r.nodes[m.id].error == "input 'other' is not connected"
    assert ex.check() == {m.id: "input 'other' is not connected"}


def test_incremental_rerun_recomputes_only_the_edited_node_and_downstream(g, b, ex):
    src = b.node("source:randn", size=(3,))
    chain = [src]
    for i in range(8):
        chain.append(b.node("op:add", chain[-1], other=float(i)))
    side = b.node("op:exp", src)
    r1 = ex.run()
    assert len(r1.recomputed) == 10
    v_src = arr(r1.nodes[src.id].tensor)
    assert ex.run().recomputed == []
    g.set_attr(chain[6].id, "other", 100.0)
    r2 = ex.run()
    assert r2.recomputed == [c.id for c in chain[6:]]
    np.testing.assert_array_equal(arr(r2.nodes[src.id].tensor), v_src)  # random values kept
    np.testing.assert_allclose(arr(r2.nodes[chain[-1].id].tensor), v_src + sum(range(8)) - 5 + 100,
                               rtol=1e-6)
    assert r2.nodes[side.id].tensor is r1.nodes[side.id].tensor
    # moving or renaming a node changes nothing; an edge change recomputes its downstream
    g.move_node(chain[3].id, (10, 10))
    g.set_label(chain[3].id, "renamed")
    assert ex.run().recomputed == []
    e = next(e for e in g.edges.values() if e.dst == chain[8].id)
    g.remove_edge(e.id)
    g.connect(src.id, "out", chain[8].id, "input")
    assert ex.run().recomputed == [chain[8].id]
    # editing the source draws new values and recomputes everything fed by it
    g.set_attr(src.id, "size", (3,))
    r3 = ex.run()
    assert len(r3.recomputed) == 10
    assert not np.array_equal(arr(r3.nodes[src.id].tensor), v_src)


def test_no_grad_frame(g, b, ex):
    x = b.node("source:ones", size=(2,), requires_grad=True)
    inside = b.node("op:mul", x, other=2.0)
    outside = b.node("op:mul", x, other=2.0)
    g.add_frame("no_grad", (0, 0, 100, 100), no_grad=True, members=[inside.id])
    r = ex.run()
    assert not r.nodes[inside.id].requires_grad and r.nodes[inside.id].grad_fn is None
    assert r.nodes[outside.id].requires_grad and r.nodes[outside.id].grad_fn == "MulBackward0"
    f = next(iter(g.frames))
    g.update_frame(f, no_grad=False)
    r = ex.run()
    assert r.recomputed == [inside.id] and r.nodes[inside.id].grad_fn == "MulBackward0"


def test_grads_accumulate_across_runs_and_zero_grad_clears(g, b, ex):
    x = b.data([10.0, 20.0, 30.0, 40.0], dtype="float64", requires_grad=True)
    sq = b.node("op:pow", x, exponent=2)
    f = b.node("op:add", sq, other=20)
    m = b.node("op:mean", f)
    for _ in range(3):
        r = ex.run(backward=True)
    np.testing.assert_array_equal(arr(r.nodes[x.id].grad), [15, 30, 45, 60])
    assert r.nodes[x.id].dtype == "float64"
    ex.zero_grad()
    r = ex.run(backward=True)
    np.testing.assert_array_equal(arr(r.nodes[x.id].grad), [5, 10, 15, 20])
    # a second backward through the freed graph needs the forward again: only what saved
    # tensors is recomputed (pow saved its input; add and mean saved nothing of the values)
    r = ex.run()
    assert sq.id in r.recomputed and x.id not in r.recomputed
    assert r.nodes[m.id].grad_fn == "MeanBackward0"


def test_backward_node_with_gradient_and_retain_graph(g, b, ex):
    x = b.data([1.0, 2.0, 3.0], requires_grad=True)
    w = b.data([2.0, 2.0, 2.0])
    y = b.node("op:mul", x, w)  # saves both tensors, so backward frees something
    v = b.data([0.1, 1.0, 0.0001])
    bw = b.node("special:backward", y, v, retain_graph=True)
    r = ex.run(backward=True)
    np.testing.assert_allclose(arr(r.nodes[x.id].grad), [0.2, 2.0, 0.0002], rtol=1e-6)
    assert r.nodes[bw.id].error is None and not any("no backward node" in t for *_, t in r.log)
    # without retain_graph a second backward node through the same graph fails on its node
    bw2 = b.node("special:backward", y, v)
    g.set_attr(bw.id, "retain_graph", False)
    r = ex.run(backward=True)
    assert r.nodes[bw.id].error is None
    assert r.nodes[bw2.id].error_type == "RuntimeError"
    assert r.nodes[bw2.id].error.startswith("Trying to backward through the graph a second time")
    # forward-only runs do not run backward nodes
    r = ex.run()
    assert not r.backward_ran


def test_backward_of_a_non_scalar_without_gradient_fails_on_the_node(g, b, ex):
    x = b.data([1.0, 2.0], requires_grad=True)
    y = b.node("op:mul", x, other=2.0)
    bw = b.node("special:backward", y)
    r = ex.run(backward=True)
    assert r.nodes[bw.id].error.startswith("grad can be implicitly created only for scalar")


def test_retain_grad_flag_and_timings(g, b, ex):
    x = b.data([[1.0, -2.0], [3.0, 4.0]], requires_grad=True)
    h = b.node("op:mul", x, x, retain_grad=True)
    s = b.node("op:sum", h)
    r = ex.run(backward=True)
    np.testing.assert_array_equal(arr(r.nodes[h.id].grad), np.ones((2, 2)))
    assert r.nodes[h.id].grad_note is None
    assert r.nodes[h.id].saved_bytes == 16  # x * x saves x twice: one array held
    assert r.nodes[s.id].saved_bytes == 0
    for n in (h, s):
        assert r.nodes[n.id].forward_ms > 0 and r.nodes[n.id].backward_ms > 0
    assert r.nodes[x.id].backward_ms is None
    assert r.forward_ms > 0 and r.backward_ms > 0


def test_nan_and_inf_flags(g, b, ex):
    x = b.data([-1.0, 0.0, 1.0], requires_grad=True)
    lg = b.node("op:log", x)
    s = b.node("op:sum", lg)
    r = ex.run(backward=True)
    assert r.nodes[lg.id].has_nan and r.nodes[lg.id].has_inf
    assert r.nodes[x.id].grad_has_inf and not r.nodes[x.id].has_nan
    assert not r.nodes[s.id].grad_has_nan


def test_check_reports_mismatches_before_running(g, b, ex):
    a = b.node("source:ones", size=(2, 3))
    c = b.node("source:zeros", size=(4, 5))
    bad = b.node("op:add", a, c)
    ok = b.node("op:add", a, a)
    after = b.node("op:exp", bad)
    inplace = b.node("op:add_", a, b.node("source:ones", size=(5, 2, 3)))
    msgs = ex.check()
    assert set(msgs) == {bad.id, inplace.id}
    assert "must match the size of tensor b" in msgs[bad.id]
    assert msgs[bad.id].endswith("(input shapes: [2, 3], [4, 5])")
    assert msgs[inplace.id].startswith("output with shape [2, 3] doesn't match the broadcast")
    assert ex.last_result is None  # nothing ran
    lin = b.node("special:linear", a, in_features=4, out_features=2)
    assert ex.check()[lin.id].startswith("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)")
    del ok, after


def test_inplace_node_does_not_apply_twice_after_an_edit(g, b, ex):
    x = b.data([1.0, 2.0])
    inc = b.node("op:add_", x, other=10.0)
    reader = b.node("op:mul", inc, other=1.0)
    r = ex.run()
    np.testing.assert_array_equal(arr(r.nodes[reader.id].tensor), [11.0, 12.0])
    g.set_attr(inc.id, "other", 100.0)
    r = ex.run()
    np.testing.assert_array_equal(arr(r.nodes[reader.id].tensor), [101.0, 102.0])
    assert x.id in r.recomputed
    assert r.nodes[x.id].version == 1


def test_inplace_change_of_a_saved_tensor_breaks_backward_as_in_pytorch(g, b, ex):
    x = b.data([1.0, 2.0], requires_grad=True)
    y = b.node("op:exp", x)  # exp saves its output
    z = b.node("op:sum", y)
    b.node("op:mul_", y, other=2.0)  # runs after z: changes what ExpBackward saved
    bw = b.node("special:backward", z)
    r = ex.run(backward=True)
    tx = engine.tensor([1.0, 2.0], requires_grad=True)  # the same program on the engine
    ty = tx.exp()
    tz = ty.sum()
    ty.mul_(2.0)
    with pytest.raises(RuntimeError) as te:
        tz.backward()
    assert r.nodes[bw.id].error == f"{te.value} (input shapes: [])"
    assert str(te.value).startswith("one of the variables needed for gradient computation has "
                                    "been modified by an inplace operation")


def test_nodes_argument_progress_and_cancel(g, b, ex):
    a = b.node("source:ones", size=(2,))
    p1 = b.node("op:exp", a)
    p2 = b.node("op:neg", a)
    r = ex.run(nodes=[p1.id])
    assert r.recomputed == [a.id, p1.id] and r.nodes[p2.id].skipped == "not run"
    seen = []
    r = ex.run(progress=lambda done, total: seen.append((done, total)))
    assert r.recomputed == [p2.id] and seen == [(1, 1)]
    g.set_attr(a.id, "size", (3,))
    calls = []

    def cancel():
        calls.append(1)
        return len(calls) > 2

    r = ex.run(cancel=cancel)
    assert len(r.recomputed) == 2 and ("warning", None, "run cancelled") in r.log
    assert [r.nodes[n].skipped for n in r.order] == [None, None, "not run"]
    assert len(ex.run().recomputed) == 1  # what did not run still needs to


def test_out_of_memory_is_a_clear_error_on_the_node(g, b, ex, monkeypatch):
    from engine.graph import execute

    a = b.node("source:ones", size=(2,))
    e = b.node("op:exp", a)

    def boom(op, inplace):
        def run(inputs, attrs):
            raise MemoryError("Unable to allocate 8.00 TiB")
        return run

    monkeypatch.setattr(execute, "_caller", boom)
    r = ex.run()
    assert r.nodes[e.id].error_type == "OutOfMemoryError"
    assert r.nodes[e.id].error.startswith("out of memory on cpu")
    assert r.nodes[a.id].error is None


@pytest.mark.skipif(backend.cuda_available(), reason="checks the message where CUDA is missing")
def test_cuda_without_a_gpu_is_a_clear_error(g, b, ex):
    a = b.node("source:ones", size=(2,))
    p = b.node("special:parameter", shape=(2,))
    s = b.node("op:add", a, p)
    r = ex.run(device="cuda")
    assert r.nodes[a.id].error.startswith("CUDA is not available")
    assert r.nodes[p.id].error == r.nodes[a.id].error
    assert r.nodes[s.id].skipped == "input 'input' failed"
    assert r.log[0][0] == "error" and "cuda" in r.log[0][2]
    r = ex.run(device="cpu")
    assert r.nodes[s.id].error is None and len(r.recomputed) == 3


@pytest.mark.skipif(not backend.cuda_available(), reason="needs a CUDA GPU")
def test_runs_on_the_gpu(g, b, ex):
    x = b.node("source:ones", size=(2, 2), requires_grad=True)
    p = b.node("special:parameter", shape=(2, 2), init="constant", value=3.0)
    y = b.node("op:mul", x, p)
    s = b.node("op:sum", y)
    r = ex.run(backward=True, device="cuda")
    assert r.nodes[s.id].device == "cuda:0" and r.nodes[s.id].tensor.item() == 12.0
    np.testing.assert_array_equal(arr(r.nodes[x.id].grad), np.full((2, 2), 3.0))
    assert r.nodes[y.id].forward_ms is not None
    r = ex.run(backward=True, device="cpu")  # sources and parameters move back
    assert r.nodes[p.id].device == "cpu"
    np.testing.assert_array_equal(arr(r.nodes[p.id].tensor), np.full((2, 2), 3.0))


def test_reset_and_replace_with(g, b, ex):
    p = b.node("special:parameter", shape=(3,))
    r = ex.run()
    v = arr(r.nodes[p.id].tensor)
    assert ex.run().nodes[p.id].tensor is r.nodes[p.id].tensor
    ex.reset()
    assert not np.array_equal(arr(ex.run().nodes[p.id].tensor), v)
    from engine.graph.model import Graph
    other = Graph()
    q = other.add_node("source:ones", {"size": (1,)})
    g.replace_with(other)
    r = ex.run()
    assert list(r.nodes) == [q.id] and r.recomputed == [q.id]


def test_executor_for_a_loaded_graph_runs_everything(g, b):
    x = b.node("source:ones", size=(2,))
    Executor(g).run()  # a first executor; a second one sees every node as new
    ex2 = Executor(g)
    assert ex2.run().recomputed == [x.id]


def test_inplace_through_a_view_reruns_the_viewed_source(g, b, ex):
    x = b.data([[1.0, 2.0], [3.0, 4.0]])
    row = b.node("op:index", x, index="[0]")
    inc = b.node("op:add_", row, other=1.0)
    for k in (1.0, 5.0, 7.0):
        g.set_attr(inc.id, "other", k)
        r = ex.run()
        np.testing.assert_array_equal(arr(r.nodes[x.id].tensor), [[1 + k, 2 + k], [3, 4]])


def test_every_node_kind_runs_or_fails_on_its_node(g, b, ex):
    """No kind crashes the executor: each gets a result (value, error or skip), and check()
    answers for each without raising."""
    from engine.graph.kinds import all_kinds
    from engine.ops.registry import REQUIRED

    src = b.node("source:randn", size=(2, 3), requires_grad=True)
    made = []
    for key, kind in sorted(all_kinds().items()):
        if any(a.default is REQUIRED for a in kind.attrs):
            continue  # needs a value only a user can give (pow's exponent...)
        made.append(b.node(key, *[[src] if p.variadic else src for p in kind.inputs]))
    assert len(made) > 100
    msgs = ex.check()
    assert all(isinstance(m, str) and m for m in msgs.values())
    r = ex.run(backward=True, step=True)
    for n in made:
        res = r.nodes[n.id]
        assert res.tensor is not None or res.error or res.skipped or res.value is not None \
            or not get_kind_outputs(n.kind), (n.kind, res)
    r2 = ex.run(backward=True)
    assert set(r2.nodes) == set(g.nodes)


def get_kind_outputs(key):
    from engine.graph.kinds import get_kind
    return get_kind(key).outputs


# ---- the lean per-node path: plans, lazy result fields, flows -----------------------------------
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_result_fields_read_later_are_those_of_the_run(g, b, ex):
    """Shape, dtype, grad_fn, next_functions, flags and grad_flow are filled in when read; they
    describe what the run left (checked against values worked out directly)."""
    import dataclasses

    x = b.data([[-1.0, 0.0], [1.0, 2.0]], dtype="float64", requires_grad=True)
    lg = b.node("op:log", x)
    m = b.node("op:mul", lg, x)
    s = b.node("op:sum", m)
    r = ex.run(backward=True)
    n = r.nodes[m.id]
    t = n.tensor
    assert n.shape == (2, 2) and n.dtype == "float64" and n.device == "cpu"
    assert n.grad_fn == t.grad_fn.name() == "MulBackward0" and not n.is_leaf
    assert n.next_functions == [(f.name() if f is not None else None, i)
                                for f, i in t.grad_fn.next_functions]
    assert n.outputs == {"out": t} and n.forward_ms > 0 and n.saved_bytes == 64
    data = arr(t)
    assert n.has_nan == bool(np.isnan(data).any()) and n.has_inf == bool(np.isinf(data).any())
    flow = arr(n.grad_flow)
    np.testing.assert_array_equal(flow, np.ones((2, 2)))
    assert not n.grad_has_nan and not n.grad_has_inf
    assert r.nodes[x.id].grad_has_nan or r.nodes[x.id].grad_has_inf
    assert n.grad_flow is n.grad_flow  # one Tensor, made once
    # a plain dataclass to the rest of the program; fields can still be assigned
    d = dataclasses.asdict(dataclasses.replace(r.nodes[s.id], has_nan=True))
    assert d["has_nan"] is True and d["grad_fn"] == "SumBackward0" and d["shape"] == ()
    r.nodes[s.id].grad_flow = None
    assert r.nodes[s.id].grad_flow is None and not r.nodes[s.id].grad_has_nan


def test_grad_flow_into_aliases_and_a_refused_node_matches_torch_hooks(g, b, ex):
    """A retain_grad node shows its input's tensor: the same flow. A node whose saved output
    was changed in place refuses backward, yet the gradient reached it (torch's hook sees it)."""
    x = b.data([1.0, -2.0, 3.0], requires_grad=True)
    y = b.node("op:mul", x, other=3.0)
    ry = b.node("special:retain", y)
    s = b.node("op:sigmoid", ry)
    b.node("op:mul_", s, other=2.0)  # runs before z (added first): changes what sigmoid saved
    z = b.node("op:sum", s)
    bw = b.node("special:backward", z)
    r = ex.run(backward=True)
    assert r.nodes[bw.id].error.startswith("one of the variables needed for gradient")
    tx = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    ty = tx * 3
    ts = torch.sigmoid(ty)
    seen = {}
    ts.register_hook(lambda gr: seen.setdefault("s", gr.clone()))
    ty.register_hook(lambda gr: seen.setdefault("y", gr.clone()))
    ts.mul_(2)
    tz = ts.sum()
    with pytest.raises(RuntimeError):
        tz.backward()
    np.testing.assert_array_equal(arr(r.nodes[s.id].grad_flow), arr(seen["s"]))
    assert "y" not in seen and r.nodes[y.id].grad_flow is None
    # without the in-place change the flows run through: the alias shows its input's flow,
    # and re-running only the alias (a flag edit) does not count its flow twice
    g.remove_node(next(n for n in g.nodes.values() if n.kind == "op:mul_").id)
    r = ex.run(backward=True)
    assert r.nodes[bw.id].error is None
    g.set_flag(ry.id, "requires_grad", True)
    r = ex.run(backward=True)
    assert r.recomputed[0] == ry.id
    np.testing.assert_array_equal(arr(r.nodes[ry.id].grad_flow), arr(r.nodes[y.id].grad_flow))
    ts = torch.sigmoid(torch.tensor([3.0, -6.0, 9.0]))
    np.testing.assert_allclose(arr(r.nodes[y.id].grad_flow), arr(ts * (1 - ts)), rtol=1e-6)
    assert r.nodes[y.id].backward_ms is not None and r.nodes[ry.id].backward_ms is None


def test_plans_follow_edges_and_attributes(g, b, ex):
    """What a node calls is worked out once per edit: rewiring and attribute edits show."""
    a = b.data([1.0, 2.0])
    c = b.data([10.0, 20.0])
    s = b.node("op:add", a, other=5.0)
    np.testing.assert_array_equal(arr(ex.run().nodes[s.id].tensor), [6.0, 7.0])
    g.set_attr(s.id, "other", 0.5)
    np.testing.assert_array_equal(arr(ex.run().nodes[s.id].tensor), [1.5, 2.5])
    g.connect(c.id, "out", s.id, "other")  # the port now takes a tensor
    np.testing.assert_array_equal(arr(ex.run().nodes[s.id].tensor), [11.0, 22.0])
    e = next(e for e in g.edges.values() if e.dst == s.id and e.dst_port == "input")
    g.remove_edge(e.id)
    r = ex.run()
    assert r.nodes[s.id].error == "input 'input' is not connected"
    g.connect(c.id, "out", s.id, "input")
    np.testing.assert_array_equal(arr(ex.run().nodes[s.id].tensor), [20.0, 40.0])
    g.set_attr(s.id, "alpha", 2)
    np.testing.assert_array_equal(arr(ex.run().nodes[s.id].tensor), [30.0, 60.0])


def test_lazy_flags_on_a_second_gpu(g, b, monkeypatch):
    """Flags read later (maybe from the GUI thread) are computed on the array's own device."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import fake_cupy

    state = backend._install_for_tests(fake_cupy.make(device_count=2))
    fake_cupy.guard_numpy(monkeypatch)
    fake_cupy.VIOLATIONS.clear()
    ex = Executor(g)
    try:
        x = b.data([-1.0, 0.0, 1.0], requires_grad=True)
        lg = b.node("op:log", x)
        b.node("op:sum", lg)
        r = ex.run(backward=True, device="cuda:1")
        n = r.nodes[lg.id]
        assert n.device == "cuda:1" and n.has_nan and n.has_inf
        assert r.nodes[x.id].grad_has_inf and n.grad_flow is not None
        assert n.grad_flow.device == engine.device("cuda:1")
        assert not fake_cupy.VIOLATIONS
    finally:
        ex.close()
        backend._restore(state)


def test_in_place_writers_run_as_nodes_and_are_not_sources():
    from engine.graph.kinds import all_kinds
    kinds = all_kinds()
    assert "op:fill_" in kinds and kinds["op:fill_"].inplace
    assert not any(k in kinds for k in ("op:fill__", "op:zero__", "op:copy__", "source:fill_"))
    from engine.graph.model import Graph
    from engine.graph.execute import Executor
    g = Graph()
    s = g.add_node("source:ones", {"size": (2, 2)})
    f = g.add_node("op:fill_", {"value": 3.0})
    g.connect(s.id, "out", f.id, "input")
    r = Executor(g).run()
    assert r.nodes[f.id].error is None
    assert r.nodes[f.id].tensor.tolist() == [[3.0, 3.0], [3.0, 3.0]]


def test_variadic_input_keeps_order_after_an_edge_is_removed(g, b, ex):
    """A new edge into cat's tensors goes after the ones left, even when one was removed
    before it (positions must not repeat, or the order of the inputs is ambiguous)."""
    xs = [b.data([float(i)]) for i in range(3)]
    c = b.node("op:cat", xs[:2])
    first = next(e for e in g.edges.values() if e.src == xs[0].id)
    g.remove_edge(first.id)
    g.connect(xs[2].id, "out", c.id, "tensors")
    g.connect(xs[0].id, "out", c.id, "tensors")
    assert len({e.index for e in g.edges.values() if e.dst == c.id}) == 3
    np.testing.assert_array_equal(arr(ex.run().nodes[c.id].tensor), [1.0, 2.0, 0.0])
