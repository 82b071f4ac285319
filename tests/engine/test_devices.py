"""Devices on any machine: CUDA missing in each way it can be (never raising, saying why), and
the whole GPU path (transfers, creation, dispatch, autograd, the executor, CUDA-event timing,
out of memory) against a fake cupy whose arrays are a numpy subclass that refuses what cupy
refuses (see fake_cupy.py). Every registry op sample also runs on the fake GPU and must give
the CPU engine's values and gradients, with every array staying on the device.
"""
from __future__ import annotations

import builtins
import itertools
import sys
import zlib

import numpy as np
import pytest

import engine
import engine.cuda
from engine import backend

import fake_cupy
from fake_cupy import CUDARuntimeError

pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")

MISMATCH = ("Expected all tensors to be on the same device, but found at least two devices, "
            "{} and {}!")


# --------------------------------------------------------------------------------------
# fixtures


@pytest.fixture
def probe_state():
    """Restores the backend's CUDA probe after a test that changes it."""
    state = backend._state()
    yield
    backend._restore(state)


def _install(monkeypatch, fk):
    state = backend._install_for_tests(fk)
    fake_cupy.guard_numpy(monkeypatch)
    fake_cupy.VIOLATIONS.clear()
    return state


@pytest.fixture
def gpu(monkeypatch):
    """A fake cupy with one GPU, installed as the backend's cupy."""
    fk = fake_cupy.make()
    state = _install(monkeypatch, fk)
    yield fk
    backend._restore(state)


@pytest.fixture
def gpu2(monkeypatch):
    """A fake cupy with two GPUs."""
    fk = fake_cupy.make(device_count=2)
    state = _install(monkeypatch, fk)
    yield fk
    backend._restore(state)


def on_gpu(t, index: int = 0) -> bool:
    """The tensor says cuda:index and its array is a device array (cupy's, or the fake's when
    it is installed) on that device."""
    return (backend.is_gpu_array(t._data) and str(t.device) == f"cuda:{index}"
            and backend.array_device_index(t._data) == index)


def host(t) -> np.ndarray:
    return np.array(backend.to_host(t.detach()._data))


# --------------------------------------------------------------------------------------
# without CUDA: never raises, says what is missing


def _assert_unavailable(words: str):
    assert engine.cuda.is_available() is False
    reason = engine.cuda.unavailable_reason()
    assert reason and words in reason, reason
    assert engine.cuda.device_count() == 0
    assert engine.cuda.memory_allocated() == 0
    for make in (lambda: engine.zeros(2, device="cuda"), lambda: engine.ones(2).cuda(),
                 lambda: engine.ones(2).to("cuda:0"), lambda: engine.tensor([1.0], device="cuda")):
        with pytest.raises(RuntimeError) as ei:
            make()
        assert str(ei.value) == f"CUDA is not available: {reason}"
    assert backend.Timer("cuda").gpu is False
    engine.cuda.synchronize()  # a no-op without CUDA


def test_this_machine_answers_without_raising():
    ok = engine.cuda.is_available()
    assert isinstance(ok, bool)
    assert (engine.cuda.unavailable_reason() is None) == ok
    assert engine.cuda.device_count() >= (1 if ok else 0)


def test_cupy_not_installed(monkeypatch, probe_state):
    monkeypatch.setitem(sys.modules, "cupy", None)  # import cupy -> ModuleNotFoundError
    backend._reset_probe()
    _assert_unavailable("cupy is not installed")
    assert "cuda13" in engine.cuda.unavailable_reason()  # says how to install it


def test_cupy_installed_but_broken(monkeypatch, probe_state):
    real_import = builtins.__import__

    def fake_import(name, *a, **k):
        if name == "cupy":
            raise ImportError("libcudart.so.13: cannot open shared object file: No such file")
        return real_import(name, *a, **k)

    monkeypatch.delitem(sys.modules, "cupy", raising=False)
    monkeypatch.setattr(builtins, "__import__", fake_import)
    backend._reset_probe()
    _assert_unavailable("cupy is installed but cannot be imported")
    assert "libcudart" in engine.cuda.unavailable_reason()


def test_no_driver(monkeypatch, probe_state):
    err = CUDARuntimeError("cudaErrorInsufficientDriver",
                           "CUDA driver version is insufficient for CUDA runtime version")
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy.make(device_count=err))
    backend._reset_probe()
    _assert_unavailable("no usable NVIDIA driver")
    assert "cudaErrorInsufficientDriver" in engine.cuda.unavailable_reason()


def test_no_gpu(monkeypatch, probe_state):
    err = CUDARuntimeError("cudaErrorNoDevice", "no CUDA-capable device is detected")
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy.make(device_count=err))
    backend._reset_probe()
    _assert_unavailable("no CUDA GPU was found")


def test_driver_reports_zero_devices(monkeypatch, probe_state):
    monkeypatch.setitem(sys.modules, "cupy", fake_cupy.make(device_count=0))
    backend._reset_probe()
    _assert_unavailable("no CUDA GPU was found")


def test_cupy_that_cannot_run_kernels(monkeypatch, probe_state):
    fk = fake_cupy.make()

    def no_nvrtc(*a, **k):
        raise RuntimeError("CuPy failed to load libnvrtc.so.13: OSError: cannot open shared "
                           "object file")

    fk.arange = no_nvrtc
    monkeypatch.setitem(sys.modules, "cupy", fk)
    backend._reset_probe()
    _assert_unavailable("cupy cannot run on the GPU")
    assert "libnvrtc" in engine.cuda.unavailable_reason()
    assert "[ctk]" in engine.cuda.unavailable_reason()


def test_probe_is_lazy_and_found_cupy_is_used(monkeypatch, probe_state):
    fk = fake_cupy.make()
    monkeypatch.setitem(sys.modules, "cupy", fk)
    backend._reset_probe()
    assert engine.cuda.is_available() and engine.cuda.unavailable_reason() is None
    assert engine.cuda.device_count() == 1
    assert engine.cuda.get_device_name() == "Fake GPU"
    assert on_gpu(engine.ones(2, device="cuda"))


def test_executor_reports_a_missing_device_on_its_sources(monkeypatch, probe_state):
    from engine.graph.execute import Executor
    from engine.graph.model import Graph

    monkeypatch.setitem(sys.modules, "cupy", None)
    backend._reset_probe()
    g = Graph()
    a = g.add_node("source:ones", {"size": (2,)})
    ex = Executor(g)
    try:
        r = ex.run(device="cuda")
    finally:
        ex.close()
    assert r.nodes[a.id].error.startswith("CUDA is not available: cupy is not installed")


# --------------------------------------------------------------------------------------
# the fake itself behaves as cupy


def test_fake_refuses_what_cupy_refuses(gpu):
    d = gpu.asarray(np.ones(3, np.float32))
    assert isinstance(d, gpu.ndarray) and gpu.get_array_module(d) is gpu
    assert isinstance((d + 1).sum(), gpu.ndarray)  # reductions give 0-dim device arrays
    with pytest.raises(TypeError, match="Unsupported type"):
        d + np.ones(3, np.float32)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array"):
        np.asarray(d)
    with pytest.raises(TypeError, match="numpy.concatenate was called on a GPU"):
        np.concatenate([d, d])
    with pytest.raises(TypeError, match="Unsupported type"):
        d[...] = np.zeros(3, np.float32)
    with pytest.raises(AttributeError):
        gpu.errstate  # noqa: B018
    np.testing.assert_array_equal(gpu.asnumpy(d), np.ones(3))
    fake_cupy.VIOLATIONS.clear()


# --------------------------------------------------------------------------------------
# transfers, creation, dispatch


def test_to_cuda_cpu_and_back(gpu):
    x = engine.arange(6.0).reshape(2, 3)
    for moved in (x.to("cuda"), x.cuda(), x.to(engine.device("cuda", 0)), x.to(device="cuda:0"),
                  x.cuda(0)):
        assert on_gpu(moved) and moved.is_cuda and moved.get_device() == 0
        assert moved.device == engine.device("cuda:0")
        np.testing.assert_array_equal(host(moved), host(x))
    c = x.cuda()
    assert c.cuda() is c and c.to("cuda") is c  # already there: the same tensor
    back = c.cpu()
    assert type(back._data) is np.ndarray and str(back.device) == "cpu" and not back.is_cuda
    np.testing.assert_array_equal(back.numpy(), x.numpy())
    assert x.cpu() is x
    both = x.to("cuda", engine.float64)
    assert on_gpu(both) and both.dtype is engine.float64
    assert x.to(c) is not x and on_gpu(x.to(c))  # to(other): other's device and dtype


def test_creation_with_device(gpu):
    made = [engine.zeros(2, 3, device="cuda"), engine.ones(2, device="cuda:0"),
            engine.full((2,), 7, device="cuda"), engine.eye(3, device="cuda"),
            engine.arange(5, device="cuda"), engine.linspace(0, 1, 5, device="cuda"),
            engine.rand(2, device="cuda"), engine.randn(2, device="cuda"),
            engine.randint(0, 5, (3,), device="cuda"), engine.randperm(4, device="cuda"),
            engine.empty(2, device="cuda"), engine.tensor([[1, 2], [3, 4]], device="cuda"),
            engine.as_tensor([1.0, 2.0], device="cuda")]
    for t in made:
        assert on_gpu(t), t.device
    base = engine.ones(2, 2, device="cuda")
    for t in (engine.zeros_like(base), engine.ones_like(base), engine.rand_like(base),
              engine.full_like(base, 2.0), base.new_zeros(3), base.new_ones(3),
              base.new_tensor([1.0])):
        assert on_gpu(t)
    assert str(engine.zeros_like(base, device="cpu").device) == "cpu"
    np.testing.assert_array_equal(host(made[4]), np.arange(5))
    engine.manual_seed(3)
    r_gpu = engine.randn(4, device="cuda")
    engine.manual_seed(3)
    np.testing.assert_array_equal(host(r_gpu), engine.randn(4).numpy())  # same stream


def test_results_stay_on_the_gpu(gpu):
    x = engine.randn(4, 5, device="cuda")
    w = engine.randn(5, 3, device="cuda")
    outs = [x + 1, x * x, (x @ w).relu(), x.sum(), x.mean(1), x.max(), x.argmax(1), x.T,
            x[1:, ::2], x[x > 0], engine.cat([x, x]), engine.stack([x, x]), x.exp().log(),
            engine.nn.functional.softmax(x, dim=1), x.reshape(-1), x.unsqueeze(0), x.clone(),
            engine.where(x > 0, x, 0.0), x.to(engine.float64)]
    for o in outs:
        assert on_gpu(o), o
    vals, idx = x.max(dim=1)
    assert on_gpu(vals) and on_gpu(idx)
    assert isinstance(x.sum().item(), float) and x.tolist() == host(x).tolist()
    assert not fake_cupy.VIOLATIONS


def test_cpu_zero_dim_tensors_join_a_gpu_op(gpu):
    x = engine.ones(3, device="cuda")
    for s in (engine.tensor(2.0), engine.tensor(2.0, dtype=engine.float64), engine.tensor(2)):
        y = x * s
        assert on_gpu(y) and y.dtype is engine.float32
        np.testing.assert_array_equal(host(y), np.full(3, 2.0))


def test_mixed_devices_raise_pytorch_error(gpu):
    c = engine.ones(2, 2, device="cuda")
    h = engine.ones(2, 2)
    for f in (lambda: c + h, lambda: h + c, lambda: c @ h, lambda: engine.cat([c, h]),
              lambda: engine.where(c > 0, c, h), lambda: c.add_(h)):
        with pytest.raises(RuntimeError) as ei:
            f()
        assert str(ei.value) == MISMATCH.format("cuda:0", "cpu")


def test_cuda_ordinals(gpu2):
    a = engine.ones(2, device="cuda:1")
    assert on_gpu(a, 1) and a.get_device() == 1
    assert on_gpu(a * 2, 1) and on_gpu(a.cuda(1), 1)
    b = a.to("cuda:0")
    assert on_gpu(b, 0)
    with pytest.raises(RuntimeError) as ei:
        a + b
    assert str(ei.value) == MISMATCH.format("cuda:1", "cuda:0")
    with pytest.raises(RuntimeError, match="CUDA error: invalid device ordinal"):
        engine.ones(2, device="cuda:2")


def test_invalid_ordinal_with_one_gpu(gpu):
    with pytest.raises(RuntimeError, match="CUDA error: invalid device ordinal"):
        engine.zeros(2, device="cuda:1")
    with pytest.raises(RuntimeError, match="CUDA error: invalid device ordinal"):
        engine.ones(2).to("cuda:1")


def test_repr_numpy_and_conversions(gpu):
    t = engine.tensor([1.5, 2.0], device="cuda")
    assert repr(t) == "tensor([1.5000, 2.0000], device='cuda:0')"
    r = engine.tensor([1.0], device="cuda", requires_grad=True) * 2
    assert repr(r) == "tensor([2.], device='cuda:0', grad_fn=<MulBackward0>)"
    assert repr(engine.zeros(0, device="cuda")) == "tensor([], device='cuda:0')"
    big = engine.arange(5000.0, device="cuda")
    assert repr(big).startswith("tensor([0.0000e+00, 1.0000e+00,")
    assert repr(big).endswith("4.9990e+03], device='cuda:0')")
    with pytest.raises(TypeError) as ei:
        t.numpy()
    assert str(ei.value) == ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() "
                             "to copy the tensor to host memory first.")
    assert t.cpu().numpy().tolist() == [1.5, 2.0]
    assert t.type() == "torch.cuda.FloatTensor"
    assert float(t[0]) == 1.5 and t[1].item() == 2.0 and t.tolist() == [1.5, 2.0]
    assert str(t.device) == "cuda:0" and repr(t.device) == "device(type='cuda', index=0)"
    assert not fake_cupy.VIOLATIONS


# --------------------------------------------------------------------------------------
# autograd across devices


def test_gradients_flow_back_across_devices(gpu):
    engine.manual_seed(0)
    xs = engine.randn(3, 4).numpy()
    ws = engine.randn(4, 2).numpy()

    def loss_on(dev_x, dev_w, mid):
        x = engine.tensor(xs, device=dev_x, requires_grad=True)
        w = engine.tensor(ws, device=dev_w, requires_grad=True)
        h = x.to(mid) @ w.to(mid)
        out = (h.tanh() * 3).cpu().sum()
        out.backward()
        return out, x, w

    ref, rx, rw = loss_on("cpu", "cpu", "cpu")
    for dx, dw, mid in (("cpu", "cpu", "cuda"), ("cuda", "cuda", "cuda"), ("cuda", "cpu", "cuda"),
                        ("cuda", "cuda", "cpu")):
        out, x, w = loss_on(dx, dw, mid)
        np.testing.assert_allclose(out.item(), ref.item(), rtol=1e-6)
        for leaf, ref_leaf, dev in ((x, rx, dx), (w, rw, dw)):
            g = leaf.grad
            assert str(g.device) == str(leaf.device) == engine._device.canonical(dev).__str__()
            assert isinstance(g._data, fake_cupy.ndarray) == (dev == "cuda")
            np.testing.assert_allclose(host(g), ref_leaf.grad.numpy(), rtol=1e-6)
    y = engine.ones(2, requires_grad=True).cuda()
    assert y.grad_fn.name() == "ToCopyBackward0"
    assert y.cpu().grad_fn.name() == "ToCopyBackward0"
    assert not fake_cupy.VIOLATIONS


def test_autograd_grad_and_hooks_on_gpu(gpu):
    x = engine.ones(3, device="cuda", requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g))
    y = (x * x).sum()
    (g,) = engine.autograd.grad(y, [x], retain_graph=True)
    assert on_gpu(g) and host(g).tolist() == [2.0, 2.0, 2.0]
    y.backward()
    assert on_gpu(x.grad) and on_gpu(seen[-1])


def test_nn_module_and_optimizers_on_gpu(gpu):
    engine.manual_seed(0)
    model = engine.nn.Sequential(engine.nn.Linear(4, 8), engine.nn.ReLU(), engine.nn.Linear(8, 1))
    ref = engine.nn.Sequential(engine.nn.Linear(4, 8), engine.nn.ReLU(), engine.nn.Linear(8, 1))
    ref.load_state_dict(model.state_dict())
    model.cuda()
    assert all(on_gpu(p) for p in model.parameters())
    x = engine.randn(16, 4)
    target = engine.randn(16, 1)
    for m, opt_cls, dev in ((model, engine.optim.Adam, "cuda"), (ref, engine.optim.Adam, "cpu")):
        opt = opt_cls(m.parameters(), lr=0.01)
        for _ in range(3):
            opt.zero_grad()
            loss = engine.nn.functional.mse_loss(m(x.to(dev)), target.to(dev))
            loss.backward()
            opt.step()
    for p, q in zip(model.parameters(), ref.parameters()):
        assert on_gpu(p)
        np.testing.assert_allclose(host(p), q.detach().numpy(), rtol=1e-5, atol=1e-6)
    sgd = engine.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss = model(x.cuda()).sum()
    loss.backward()
    sgd.step()
    assert all(on_gpu(p) for p in model.parameters())
    assert not fake_cupy.VIOLATIONS


def _inplace_program(dev: str) -> dict:
    a = engine.arange(6.0, device=dev).reshape(2, 3)
    a.add_(1)
    a.mul_(2)
    a[0, 1] = 7.0
    a[:, 2] = engine.tensor([9.0, 8.0], device=dev)
    a.clamp_(max=10)
    a.index_put_((engine.tensor([0, 0], device=dev),), engine.ones(3, device=dev),
                 accumulate=True)
    counts = engine.zeros(4, dtype=engine.int64, device=dev)
    counts.index_put_((engine.tensor([1, 1, 3], device=dev),),
                      engine.ones(3, dtype=engine.int64, device=dev), accumulate=True)
    e = engine.ones(3, device=dev).expand(2, 3)
    e.add_(1)  # an expanded tensor written in place: on cupy too, no write lands twice
    c = engine.zeros(3, device=dev)
    c.copy_(engine.tensor([1.0, 2.0, 3.0]))  # from the CPU, as PyTorch allows
    w = engine.ones(3, device=dev, requires_grad=True)
    for _ in range(2):  # .grad accumulates in place across backward calls
        (w * w).sum().backward()
    v = engine.ones(2, 3, device=dev, requires_grad=True)
    h = v * 2
    h[0].mul_(3)  # through a view of a non-leaf: CopySlices
    h.sum().backward()
    return {"a": a, "counts": counts, "e": e, "c": c, "w.grad": w.grad, "v.grad": v.grad,
            "h": h}


def test_inplace_ops_on_gpu_as_on_cpu(gpu):
    ref = _inplace_program("cpu")
    got = _inplace_program("cuda")
    for k, t in got.items():
        assert on_gpu(t), k
        np.testing.assert_array_equal(host(t), host(ref[k]), err_msg=k)
        assert t.dtype is ref[k].dtype
    assert got["h"].grad_fn.name() == ref["h"].grad_fn.name()
    assert not fake_cupy.VIOLATIONS


def test_save_and_load_across_devices(gpu, tmp_path):
    w = engine.randn(3, 4, device="cuda")
    path = tmp_path / "w.pt"
    engine.save({"w": w, "b": engine.ones(2)}, path)
    back = engine.load(path)
    assert on_gpu(back["w"]) and str(back["b"].device) == "cpu"
    np.testing.assert_array_equal(host(back["w"]), host(w))
    on_cpu = engine.load(path, map_location="cpu")
    assert type(on_cpu["w"]._data) is np.ndarray
    assert on_gpu(engine.load(path, map_location="cuda")["b"])


def test_init_conv_net_and_module_moves_on_gpu(gpu):
    w = engine.empty(4, 3, device="cuda")
    for f in ("uniform_", "normal_", "xavier_uniform_", "kaiming_normal_", "zeros_", "ones_",
              "eye_"):
        getattr(engine.nn.init, f)(w)
        assert on_gpu(w), f
    nn = engine.nn
    m = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(18, 3)).cuda()
    x = engine.randn(5, 1, 8, 8, device="cuda")
    y = engine.tensor([0, 1, 2, 0, 1], device="cuda")
    loss = nn.functional.cross_entropy(m(x), y)
    loss.backward()
    assert on_gpu(loss) and all(on_gpu(p.grad) for p in m.parameters())
    assert all(on_gpu(v) for v in m.state_dict().values())
    m.cpu()
    assert all(type(p._data) is np.ndarray for p in m.parameters())
    assert not fake_cupy.VIOLATIONS


# --------------------------------------------------------------------------------------
# timing and memory


def test_timer_uses_cuda_events_read_after_one_sync(gpu):
    t = backend.Timer("cuda")
    assert t.gpu is True
    n0 = len(gpu.events)
    t.start()
    engine.ones(10, device="cuda").sum()
    t.stop()
    start, stop = gpu.events[n0:n0 + 2]
    assert start.t is not None and stop.t is not None and stop.synchronized == 0
    ms = t.elapsed_ms()
    assert stop.synchronized == 1 and ms == pytest.approx((stop.t - start.t) * 1000)
    assert backend.Timer("cpu").gpu is False


def test_memory_in_use(gpu):
    before = engine.cuda.memory_allocated()
    a = engine.zeros(1000, device="cuda")  # 4000 bytes
    assert engine.cuda.memory_allocated() - before >= 4000
    assert backend.gpu_memory_in_use() == engine.cuda.memory_allocated()
    del a
    assert engine.cuda.memory_allocated() == before
    engine.cuda.synchronize()
    assert gpu.syncs >= 1


# --------------------------------------------------------------------------------------
# the executor on the GPU


def _graph():
    from engine.graph.model import Graph
    return Graph()


def _node(g, kind, *inputs, requires_grad=None, **attrs):
    from engine.graph.kinds import get_kind
    n = g.add_node(kind, attrs, requires_grad=requires_grad)
    for port, src in zip(get_kind(kind).inputs, inputs):
        if src is not None:
            g.connect(src.id, "out", n.id, port.name)
    return n


def test_executor_runs_on_the_gpu_with_event_timing(gpu):
    from engine.graph.execute import Executor

    clock = itertools.count(0.0, 0.001)  # every event record: 1 ms later
    gpu._clock = lambda: next(clock)
    g = _graph()
    x = _node(g, "source:ones", size=(2, 2), requires_grad=True)
    p = _node(g, "special:parameter", shape=(2, 2), init="constant", value=3.0)
    y = _node(g, "op:mul", x, p)
    s = _node(g, "op:sum", y)
    ex = Executor(g)
    try:
        r = ex.run(backward=True, device="cuda")
        n = r.nodes
        assert ex.device == "cuda:0"
        for nid in (x.id, p.id, y.id, s.id):
            assert n[nid].error is None, n[nid].error
            assert n[nid].device == "cuda:0" and on_gpu(n[nid].tensor)
        assert n[s.id].tensor.item() == 12.0
        assert on_gpu(n[x.id].grad)
        np.testing.assert_array_equal(host(n[x.id].grad), np.full((2, 2), 3.0))
        # per-node forward times come from CUDA events: exactly one clock tick per node
        for nid in (x.id, y.id, s.id):
            assert n[nid].forward_ms == pytest.approx(1.0)
        assert n[y.id].backward_ms is not None and n[y.id].backward_ms > 0
        assert all(e.t is not None for e in gpu.events)
        r = ex.run(backward=True, device="cpu")  # sources and parameters move back
        assert r.nodes[p.id].device == "cpu" and type(r.nodes[p.id].tensor._data) is np.ndarray
        np.testing.assert_array_equal(host(r.nodes[p.id].tensor), np.full((2, 2), 3.0))
    finally:
        ex.close()
    assert not fake_cupy.VIOLATIONS


def test_executor_out_of_gpu_memory_is_an_error_on_the_node(gpu):
    from engine.graph.execute import Executor

    g = _graph()
    a = _node(g, "source:ones", size=(10, 1))
    b = _node(g, "source:ones", size=(1, 5000))
    big = _node(g, "op:matmul", a, b)  # 200 kB: over the limit
    small = _node(g, "op:exp", a)
    after = _node(g, "op:sum", big)
    ex = Executor(g)
    try:
        gpu._oom_above = 100_000
        r = ex.run(device="cuda")
        e = r.nodes[big.id]
        assert e.error_type == "OutOfMemoryError"
        assert e.error.startswith("out of memory on cuda:0 (Out of memory allocating 200,000 "
                                  "bytes"), e.error
        assert "input shapes: [10, 1], [1, 5000]" in e.error
        assert r.nodes[small.id].error is None and on_gpu(r.nodes[small.id].tensor)
        assert r.nodes[after.id].skipped
        gpu._oom_above = None  # memory freed: the next run completes, nothing was lost
        r = ex.run(device="cuda")
        assert r.nodes[big.id].error is None and r.nodes[after.id].tensor.item() == 50000.0
        assert big.id in r.recomputed and small.id not in r.recomputed
    finally:
        ex.close()


# --------------------------------------------------------------------------------------
# every registry op sample on the (fake) GPU: the CPU engine's values and gradients

try:
    import test_ops_registry as R
    _OP_CASES = R.CASES
except Exception as _e:  # pragma: no cover - the registry tests did not import
    R = None
    _OP_CASES = []
    _IMPORT_ERROR = _e


def _materialize_on(inputs, device: str):
    """Engine arguments on ``device`` from test_ops_registry's inputs; the leaves."""
    leaves = []

    def one(inp):
        if inp.kind == "scalar":
            return inp.value
        if inp.kind == "list":
            return [one(i) for i in inp.value]
        if inp.transposed:  # a non-contiguous view on the device, as on the CPU
            base = np.ascontiguousarray(np.swapaxes(inp.value, -1, -2))
            t = engine.from_numpy(base.copy()).to(device).transpose(-1, -2).detach()
        else:
            t = engine.from_numpy(inp.value.copy()).to(device)
        if inp.diff:
            t.requires_grad_(True)
            leaves.append(t)
        return t

    return [one(i) for i in inputs], leaves


class Case:
    """One registry sample run on one device: host copies of what came out."""

    def __init__(self, op, sample, dtype: str, seed: int, device: str):
        rng = np.random.default_rng(seed)
        self.inputs = R.build_inputs(sample, dtype, rng, op.differentiable, op)
        self.attrs = dict(sample.attrs)
        self.mode = R.torch_mode(op, self.inputs, self.attrs)
        args, leaves = _materialize_on(self.inputs, device)
        engine.manual_seed(seed)  # random ops draw the same numbers on every device
        outs = R.flat_outputs(R.call(R.engine_fn(op), args, self.attrs, op, engine, self.mode))
        self.problems: list[str] = []
        self.outs: list = []  # (values, dtype, grad_fn name) per tensor; numbers as they are
        for k, o in enumerate(outs):
            if not isinstance(o, engine.Tensor):
                self.outs.append(o)
                continue
            if device != "cpu" and not on_gpu(o):
                self.problems.append(f"output {k} is on {o.device} as {type(o._data).__name__}")
            self.outs.append((host(o), o.dtype, o.grad_fn.name() if o.grad_fn is not None
                              else None))
        self.grads: list = []  # per leaf: host array or None
        self.ups: list = []  # the upstream gradients, per differentiable output
        diff = [o for o in outs if isinstance(o, engine.Tensor) and o.requires_grad]
        if sample.grad and leaves and diff:
            self.ups = [rng.standard_normal(tuple(o.shape)).astype(host(o).dtype) for o in diff]
            gs = engine.autograd.grad(diff, leaves,
                                      [engine.from_numpy(u.copy()).to(device) for u in self.ups],
                                      allow_unused=True)
            for k, g in enumerate(gs):
                if g is not None and device != "cpu" and not on_gpu(g):
                    self.problems.append(
                        f"gradient {k} is on {g.device} as {type(g._data).__name__}")
                self.grads.append(None if g is None else host(g))

    def assert_matches(self, other: "Case", tol=None, gtol=None) -> None:
        """Same outputs (values, dtypes, grad_fn names) and gradients as ``other``."""
        assert len(self.outs) == len(other.outs)
        for k, (g, c) in enumerate(zip(self.outs, other.outs)):
            if not isinstance(c, tuple):
                assert g == c, f"output {k}"
                continue
            assert g[1] is c[1] and g[2] == c[2], f"output {k}: {g[1:]} vs {c[1:]}"
            R.assert_close(g[0], c[0], f"output {k} values", tol or R.TOL)
        assert len(self.grads) == len(other.grads)
        for k, (g, c) in enumerate(zip(self.grads, other.grads)):
            assert (g is None) == (c is None), f"gradient {k}"
            if g is not None:
                R.assert_close(g, c, f"gradient {k}", gtol or R.GTOL)


@pytest.mark.skipif(R is None, reason="tests/engine/test_ops_registry.py did not import")
@pytest.mark.parametrize("op,sample,dtype", _OP_CASES)
def test_op_sample_on_fake_gpu(op, sample, dtype, gpu, request):
    """The op on the fake GPU: the CPU engine's values, dtypes, grad_fn and gradients; no host
    array and no numpy call on device data on the way."""
    seed = zlib.crc32(request.node.callspec.id.encode())
    cpu = Case(op, sample, dtype, seed, "cpu")
    fake_cupy.VIOLATIONS.clear()
    dev = Case(op, sample, dtype, seed, "cuda")
    assert not fake_cupy.VIOLATIONS, f"numpy on device data: {fake_cupy.VIOLATIONS}"
    assert not dev.problems, "; ".join(dev.problems)
    dev.assert_matches(cpu)
