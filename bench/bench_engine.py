"""Engine speed against PyTorch (CPU) and hand-written numpy, on the same work.

Each implementation runs in its own process; rounds alternate between them and the ratio of
medians is printed. Not a test: machines are shared and noisy.

    .venv/bin/python -m bench.bench_engine [--rounds 5] [--only overhead,mlp_small,mlp_large]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

WORKLOADS = {
    # name: (description, implementations, inner repeats per round)
    "overhead": ("100 x (mul, add) on 2x2, forward+backward", ("engine", "torch"), 200),
    "mlp_small": ("MLP 784-256-128-10, batch 64, fwd+bwd", ("engine", "torch", "numpy"), 50),
    "mlp_large": ("MLP 1024-1024-1024-1024-10, batch 1024, fwd+bwd",
                  ("engine", "torch", "numpy"), 5),
}
SIZES = {"mlp_small": [784, 256, 128, 10], "mlp_large": [1024, 1024, 1024, 1024, 10]}
BATCH = {"mlp_small": 64, "mlp_large": 1024}


# ----------------------------------------------------------------------------- workers
def _lib(impl):
    if impl == "torch":
        import torch
        return torch
    import engine
    return engine


def _overhead_step(T, x, ys):
    y = x
    for _ in range(100):
        y = y * ys[0]
        y = y + ys[1]
    y.sum().backward()


def _mlp_params_np(sizes, seed=0):
    import numpy as np
    rng = np.random.default_rng(seed)
    ws, bs = [], []
    for a, b in zip(sizes[:-1], sizes[1:]):
        ws.append((rng.standard_normal((b, a)) / np.sqrt(a)).astype(np.float32))
        bs.append(np.zeros(b, dtype=np.float32))
    return ws, bs


def _make(workload, impl):
    """Build inputs and return a zero-argument function doing one step."""
    import numpy as np
    if workload == "overhead":
        T = _lib(impl)
        x = T.ones(2, 2, requires_grad=True)
        ys = (T.full((2, 2), 1.0001), T.full((2, 2), 0.0001))

        def step():
            x.grad = None
            _overhead_step(T, x, ys)
        return step

    sizes, batch = SIZES[workload], BATCH[workload]
    ws_np, bs_np = _mlp_params_np(sizes)
    rng = np.random.default_rng(1)
    xin = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    target = rng.standard_normal((batch, sizes[-1])).astype(np.float32)

    if impl == "numpy":
        def step():
            # hand-written forward and backward of the same MLP with an MSE loss
            acts, pre = [xin], []
            h = xin
            for i, (w, b) in enumerate(zip(ws_np, bs_np)):
                z = h @ w.T + b
                pre.append(z)
                h = np.maximum(z, 0) if i < len(ws_np) - 1 else z
                acts.append(h)
            diff = h - target
            loss = float((diff * diff).mean())
            g = diff * (2.0 / diff.size)
            grads = []
            for i in range(len(ws_np) - 1, -1, -1):
                if i < len(ws_np) - 1:
                    g = g * (pre[i] > 0)
                grads.append((g.T @ acts[i], g.sum(0)))
                if i:
                    g = g @ ws_np[i]
            return loss
        return step

    T = _lib(impl)
    F = T.nn.functional
    ws = [T.from_numpy(w.copy()).requires_grad_() for w in ws_np]
    bs = [T.from_numpy(b.copy()).requires_grad_() for b in bs_np]
    xt, tt = T.from_numpy(xin), T.from_numpy(target)

    def step():
        for p in ws + bs:
            p.grad = None
        h = xt
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = F.linear(h, w, b)
            if i < len(ws) - 1:
                h = F.relu(h)
        loss = F.mse_loss(h, tt)
        loss.backward()
        return loss
    return step


def worker(workload: str, impl: str, repeats: int, memory: bool) -> dict:
    if impl == "torch":
        import torch
        torch.set_num_threads(os.cpu_count() or 1)
    step = _make(workload, impl)
    step()  # warm up
    step()
    t0 = time.perf_counter()
    for _ in range(repeats):
        step()
    per = (time.perf_counter() - t0) / repeats
    out = {"seconds": per}
    if memory and impl in ("engine", "numpy"):
        import tracemalloc
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        step()
        out["peak_bytes"] = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
    return out


# ----------------------------------------------------------------------------- driver
def run_round(workload: str, impl: str, repeats: int, memory: bool) -> dict:
    cmd = [sys.executable, "-m", "bench.bench_engine", "--worker", workload, impl,
           str(repeats)] + (["--memory"] if memory else [])
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=os.path.dirname(
        os.path.dirname(os.path.abspath(__file__))))
    if res.returncode:
        raise RuntimeError(f"{workload}/{impl} failed:\n{res.stderr[-2000:]}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default=",".join(WORKLOADS))
    ap.add_argument("--worker", nargs=3, metavar=("WORKLOAD", "IMPL", "REPEATS"))
    ap.add_argument("--memory", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    args = ap.parse_args(argv)
    if args.worker:
        w, impl, rep = args.worker
        print(json.dumps(worker(w, impl, int(rep), args.memory)))
        return 0
    figures = {}
    for name in args.only.split(","):
        desc, impls, repeats = WORKLOADS[name]
        times = {i: [] for i in impls}
        mem = {}
        for r in range(args.rounds):
            order = impls if r % 2 == 0 else tuple(reversed(impls))
            for impl in order:
                res = run_round(name, impl, repeats, memory=(r == 0 and name == "mlp_large"))
                times[impl].append(res["seconds"])
                if "peak_bytes" in res:
                    mem[impl] = res["peak_bytes"]
        med = {i: statistics.median(v) for i, v in times.items()}
        fig = {"description": desc, "median_ms": {i: m * 1e3 for i, m in med.items()},
               "engine/torch": med["engine"] / med["torch"]}
        if "numpy" in med:
            fig["engine/numpy"] = med["engine"] / med["numpy"]
        if mem:
            fig["peak_mb"] = {i: b / 2**20 for i, b in mem.items()}
            if "numpy" in mem and "engine" in mem:
                fig["peak engine/numpy"] = mem["engine"] / mem["numpy"]
        figures[name] = fig
        line = f"{name:10s} {desc}\n  median ms: " + ", ".join(
            f"{i} {m * 1e3:.3f}" for i, m in med.items())
        line += f"\n  engine/torch {fig['engine/torch']:.2f}"
        if "engine/numpy" in fig:
            line += f"   engine/numpy {fig['engine/numpy']:.2f}"
        if "peak engine/numpy" in fig:
            line += (f"\n  peak MB: " + ", ".join(f"{i} {v:.1f}" for i, v in fig['peak_mb'].items())
                     + f"   engine/numpy {fig['peak engine/numpy']:.2f}")
        print(line, flush=True)
    if args.json:
        print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
