"""On a real CUDA GPU (cupy): every registry op sample with value and gradient parity against
the CPU engine and against PyTorch, device moves, CUDA-event timing, memory and out of memory.

Skipped as a whole, with the reason, where ``engine.cuda.is_available()`` is False. Run with
``pytest -m gpu tests/engine/test_gpu.py``.
"""
from __future__ import annotations

import zlib

import numpy as np
import pytest

import engine
import engine.cuda
from engine import backend

if not engine.cuda.is_available():
    pytest.skip(f"no CUDA GPU: {engine.cuda.unavailable_reason()}", allow_module_level=True)

import torch  # noqa: E402 - the oracle, on the CPU

import test_ops_registry as R  # noqa: E402
from test_devices import MISMATCH, Case, host, on_gpu  # noqa: E402

pytestmark = [pytest.mark.gpu,
              pytest.mark.filterwarnings("ignore:Using padding=.same.:UserWarning")]

#: GPU kernels round differently from the CPU's (fused multiply-adds, reduction order)
GPU_TOL = {"float16": (2e-2, 2e-2), "float32": (2e-4, 2e-5), "float64": (1e-7, 1e-9)}
GPU_GTOL = {"float16": (3e-2, 3e-2), "float32": (2e-4, 2e-4), "float64": (1e-7, 1e-8)}


# --------------------------------------------------------------------------------------
# every registry op sample


def _torch_side(op, case: Case):
    """PyTorch's outputs and input gradients for the case's inputs and upstream gradients."""
    args, leaves = R.materialize(case.inputs, torch)
    out = R.flat_outputs(R.call(R.torch_fn(op), args, case.attrs, op, torch, case.mode))
    grads = []
    diff = [t for t in out if isinstance(t, torch.Tensor) and t.requires_grad]
    if case.ups and leaves and diff:
        gs = torch.autograd.grad(diff, leaves, [torch.from_numpy(u.copy()) for u in case.ups],
                                 allow_unused=True)
        grads = [None if g is None else g.detach().numpy() for g in gs]
    return out, grads


@pytest.mark.parametrize("op,sample,dtype", R.CASES)
def test_op_sample_on_gpu(op, sample, dtype, request):
    """On cupy: the CPU engine's and PyTorch's values, dtypes, grad_fn names and gradients,
    every output and gradient on the GPU."""
    seed = zlib.crc32(request.node.callspec.id.encode())
    cpu = Case(op, sample, dtype, seed, "cpu")
    dev = Case(op, sample, dtype, seed, "cuda")
    assert not dev.problems, "; ".join(dev.problems)
    dev.assert_matches(cpu, GPU_TOL, GPU_GTOL)
    t_out, t_grads = _torch_side(op, dev)
    tensors = [o for o in dev.outs if isinstance(o, tuple)]
    t_tensors = [t for t in t_out if isinstance(t, torch.Tensor)]
    assert len(tensors) == len(t_tensors)
    for k, ((vals, dt, gf), t) in enumerate(zip(tensors, t_tensors)):
        assert str(dt) == str(t.dtype), f"output {k} dtype {dt} != torch's {t.dtype}"
        R.assert_close(vals, t.detach().numpy(), f"output {k} values vs torch", GPU_TOL)
        tname = t.grad_fn.name() if t.grad_fn is not None else None
        assert gf == tname, f"output {k} grad_fn {gf} != torch's {tname}"
    if t_grads:
        for k, (g, tg) in enumerate(zip(dev.grads, t_grads)):
            if g is None or tg is None:  # None counts as zeros, as in test_ops_registry
                assert not np.any(g if g is not None else tg), f"gradient {k}: one is None"
                continue
            R.assert_close(g, tg, f"gradient {k} vs torch", GPU_GTOL)


# --------------------------------------------------------------------------------------
# devices


def test_moves_creation_and_mixed_devices():
    x = engine.arange(6.0).reshape(2, 3)
    c = x.cuda()
    assert on_gpu(c) and c.is_cuda and c.cuda() is c and c.to("cuda:0") is c
    np.testing.assert_array_equal(c.cpu().numpy(), x.numpy())
    for t in (engine.zeros(2, 3, device="cuda"), engine.randn(4, device="cuda"),
              engine.arange(5, device="cuda"), engine.tensor([1, 2], device="cuda"),
              engine.zeros_like(c), c + 1, c @ c.T, c.sum(), c.max(dim=1)[1]):
        assert on_gpu(t)
    assert repr(engine.tensor([1.5], device="cuda")) == "tensor([1.5000], device='cuda:0')"
    with pytest.raises(RuntimeError) as ei:
        c + x
    assert str(ei.value) == MISMATCH.format("cuda:0", "cpu")
    assert on_gpu(c * engine.tensor(2.0, dtype=engine.float64))  # a CPU 0-dim tensor joins
    with pytest.raises(TypeError, match="can't convert cuda:0 device type tensor to numpy"):
        c.numpy()
    n = engine.cuda.device_count()
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        engine.zeros(1, device=f"cuda:{n}")


def test_gradients_flow_back_across_devices():
    engine.manual_seed(0)
    x = engine.randn(3, 4, requires_grad=True)
    w = engine.randn(4, 2, device="cuda", requires_grad=True)
    (x.cuda() @ w).tanh().cpu().sum().backward()
    assert type(x.grad._data) is np.ndarray and on_gpu(w.grad)
    tx = torch.from_numpy(x.detach().numpy()).requires_grad_()
    tw = torch.from_numpy(host(w)).requires_grad_()
    (tx @ tw).tanh().sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(host(w.grad), tw.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_training_matches_the_cpu():
    engine.manual_seed(0)
    make = lambda: engine.nn.Sequential(engine.nn.Linear(8, 16), engine.nn.ReLU(),  # noqa: E731
                                        engine.nn.Linear(16, 1))
    gpu_model, cpu_model = make(), make()
    cpu_model.load_state_dict(gpu_model.state_dict())
    gpu_model.cuda()
    x, y = engine.randn(32, 8), engine.randn(32, 1)
    for m, dev in ((gpu_model, "cuda"), (cpu_model, "cpu")):
        opt = engine.optim.Adam(m.parameters(), lr=0.01)
        for _ in range(5):
            opt.zero_grad()
            engine.nn.functional.mse_loss(m(x.to(dev)), y.to(dev)).backward()
            opt.step()
    for p, q in zip(gpu_model.parameters(), cpu_model.parameters()):
        assert on_gpu(p)
        np.testing.assert_allclose(host(p), q.detach().numpy(), rtol=1e-4, atol=1e-5)


# --------------------------------------------------------------------------------------
# timing, memory, out of memory


def test_timer_measures_gpu_work_with_events():
    a = engine.randn(2048, 2048, device="cuda")
    (a @ a).sum().item()  # warm up: cuBLAS handle, kernels
    t = backend.Timer("cuda")
    assert t.gpu
    t.start()
    for _ in range(5):
        b = a @ a
    t.stop()
    ms = t.elapsed_ms()
    assert ms > 0.0
    engine.cuda.synchronize()
    del b


def test_executor_on_the_gpu():
    from engine.graph.execute import Executor
    from engine.graph.model import Graph

    g = Graph()
    x = g.add_node("source:randn", {"size": (256, 256)}, requires_grad=True)
    y = g.add_node("op:matmul", {})
    g.connect(x.id, "out", y.id, "input")
    g.connect(x.id, "out", y.id, "other")
    s = g.add_node("op:sum", {})
    g.connect(y.id, "out", s.id, "input")
    ex = Executor(g)
    try:
        r = ex.run(backward=True, device="cuda")
        for nid in (x.id, y.id, s.id):
            assert r.nodes[nid].error is None and r.nodes[nid].device == "cuda:0"
            assert r.nodes[nid].forward_ms is not None and r.nodes[nid].forward_ms >= 0
        assert on_gpu(r.nodes[x.id].grad)
        assert r.nodes[y.id].backward_ms is not None
    finally:
        ex.close()


def test_memory_and_out_of_memory():
    before = engine.cuda.memory_allocated()
    a = engine.empty(64, 2**20, device="cuda")  # 256 MiB
    assert engine.cuda.memory_allocated() - before >= 2**28
    del a
    with pytest.raises(MemoryError) as ei:
        engine.empty(2**40, device="cuda")  # 4 TiB
    assert backend.is_out_of_memory(ei.value)
    assert on_gpu(engine.ones(3, device="cuda") + 1)  # and the GPU still works

    from engine.graph.execute import Executor
    from engine.graph.model import Graph

    g = Graph()
    big = g.add_node("source:empty", {"size": (2**40,)})
    ok = g.add_node("source:ones", {"size": (3,)})
    ex = Executor(g)
    try:
        r = ex.run(device="cuda")
        assert r.nodes[big.id].error_type == "OutOfMemoryError"
        assert r.nodes[big.id].error.startswith("out of memory on cuda:0")
        assert r.nodes[ok.id].error is None and on_gpu(r.nodes[ok.id].tensor)
    finally:
        ex.close()
