"""GPU speed: the engine on cupy against PyTorch on CUDA, and each against itself on the CPU.

Workloads: the three of ``bench.bench_engine`` (op overhead on 2x2, a small and a large MLP,
forward + backward) and a (10000, 1000) @ (1000, 2000) float32 product. Each implementation
(engine, torch) on each device (cpu, cuda) runs in its own process; rounds alternate; medians
are compared. GPU regions are timed between two device synchronizations (every step queued,
then one wait), never around unsynchronized asynchronous calls.

Goals (issue 5): engine-cuda / torch-cuda <= 1.5 for mlp_large and <= 1.1 for the product.

Where CUDA is not available (no cupy, no driver, no GPU) it says so, with the reason, and
exits 0. torch-cuda is left out where PyTorch has no CUDA.

    python -m bench.bench_gpu [--rounds 5] [--only overhead,mlp_small,mlp_large,matmul]
                              [--no-cpu] [--json] [--inprocess]
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
    # name: (description, repeats per round on cpu, repeats per round on cuda)
    "overhead": ("100 x (mul, add) on 2x2, forward+backward", 100, 100),
    "mlp_small": ("MLP 784-256-128-10, batch 64, fwd+bwd", 50, 100),
    "mlp_large": ("MLP 1024-1024-1024-1024-10, batch 1024, fwd+bwd", 5, 50),
    "matmul": ("(10000, 1000) @ (1000, 2000) float32 product", 2, 20),
}
SIZES = {"mlp_small": [784, 256, 128, 10], "mlp_large": [1024, 1024, 1024, 1024, 10]}
BATCH = {"mlp_small": 64, "mlp_large": 1024}
GOALS = {"mlp_large": 1.5, "matmul": 1.1}
IMPLS = ("engine", "torch")


# ----------------------------------------------------------------------------- workers
def _lib(impl: str):
    if impl == "torch":
        import torch
        return torch
    import engine
    return engine


def _sync(impl: str, device: str) -> None:
    if device == "cpu":
        return
    if impl == "torch":
        import torch
        torch.cuda.synchronize()
    else:
        import engine.cuda
        engine.cuda.synchronize()


def _make(workload: str, impl: str, device: str):
    """Inputs on ``device`` and a zero-argument function doing one step."""
    import numpy as np
    T = _lib(impl)
    if workload == "overhead":
        x = T.ones(2, 2, device=device, requires_grad=True)
        ys = (T.full((2, 2), 1.0001, device=device), T.full((2, 2), 0.0001, device=device))

        def step():
            x.grad = None
            y = x
            for _ in range(100):
                y = y * ys[0]
                y = y + ys[1]
            y.sum().backward()
        return step

    rng = np.random.default_rng(0)
    if workload == "matmul":
        a = T.from_numpy(rng.standard_normal((10000, 1000), dtype=np.float32)).to(device)
        b = T.from_numpy(rng.standard_normal((1000, 2000), dtype=np.float32)).to(device)
        holder = []

        def step():
            holder[:] = [a @ b]  # keep one result alive, as a caller would
        return step

    sizes, batch = SIZES[workload], BATCH[workload]
    ws, bs = [], []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        w = (rng.standard_normal((n_out, n_in)) / np.sqrt(n_in)).astype(np.float32)
        ws.append(T.from_numpy(w).to(device).requires_grad_())
        bs.append(T.zeros(n_out, device=device, requires_grad=True))
    x = T.from_numpy(rng.standard_normal((batch, sizes[0])).astype(np.float32)).to(device)
    target = T.from_numpy(rng.standard_normal((batch, sizes[-1])).astype(np.float32)).to(device)
    F = T.nn.functional

    def step():
        for p in ws + bs:
            p.grad = None
        h = x
        for i, (w, b) in enumerate(zip(ws, bs)):
            h = F.linear(h, w, b)
            if i < len(ws) - 1:
                h = F.relu(h)
        F.mse_loss(h, target).backward()
    return step


def worker(workload: str, impl: str, device: str, repeats: int) -> dict:
    """Seconds per step of one implementation on one device."""
    if impl == "torch" and device == "cpu":
        import torch
        torch.set_num_threads(os.cpu_count() or 1)
    step = _make(workload, impl, device)
    for _ in range(3):  # warm up: kernels compiled, memory pools filled
        step()
    _sync(impl, device)
    t0 = time.perf_counter()
    for _ in range(repeats):
        step()
    _sync(impl, device)
    return {"seconds": (time.perf_counter() - t0) / repeats}


# ----------------------------------------------------------------------------- driver
def _root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_round(workload: str, impl: str, device: str, repeats: int, inprocess: bool) -> dict:
    if inprocess:
        return worker(workload, impl, device, repeats)
    cmd = [sys.executable, "-m", "bench.bench_gpu", "--worker", workload, impl, device,
           str(repeats)]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=_root())
    if res.returncode:
        raise RuntimeError(res.stderr.strip().splitlines()[-1] if res.stderr.strip()
                           else f"exit status {res.returncode}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def gpu_status() -> tuple[bool, str, bool, str]:
    """(engine can use CUDA, why not / the GPU's name, torch can, why not / version)."""
    import engine.cuda
    if engine.cuda.is_available():
        try:
            eng = True, engine.cuda.get_device_name()
        except Exception as e:  # noqa: BLE001 - a name is decoration
            eng = True, f"GPU ({e})"
    else:
        eng = False, engine.cuda.unavailable_reason() or "unknown reason"
    try:
        import torch
        tch = (True, f"torch {torch.__version__}") if torch.cuda.is_available() else \
            (False, f"torch {torch.__version__} has no usable CUDA")
    except Exception as e:  # noqa: BLE001
        tch = False, f"torch cannot be imported ({e})"
    return eng + tch


def _fmt_ms(v) -> str:
    return f"{v * 1e3:.3f}" if isinstance(v, float) else "n/a"



def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--only", default=",".join(WORKLOADS))
    ap.add_argument("--no-cpu", action="store_true", help="skip the CPU runs (no speedups)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON too")
    ap.add_argument("--inprocess", action="store_true",
                    help="run the workers in this process (debugging; less isolation)")
    ap.add_argument("--worker", nargs=4, metavar=("WORKLOAD", "IMPL", "DEVICE", "REPEATS"))
    args = ap.parse_args(argv)
    if args.worker:
        w, impl, dev, rep = args.worker
        print(json.dumps(worker(w, impl, dev, int(rep))))
        return 0

    eng_ok, eng_info, torch_ok, torch_info = gpu_status()
    if not eng_ok:
        print(f"GPU figures could not be measured: CUDA is not available to the engine "
              f"({eng_info}).")
        return 0
    print(f"GPU: {eng_info}; PyTorch: {torch_info}")
    devices = ("cuda",) if args.no_cpu else ("cpu", "cuda")
    runs = [(impl, dev) for dev in devices for impl in IMPLS
            if not (impl == "torch" and dev == "cuda" and not torch_ok)]
    figures: dict = {}
    for name in args.only.split(","):
        desc, rep_cpu, rep_gpu = WORKLOADS[name]
        times: dict = {r: [] for r in runs}
        errors: dict = {}
        for rnd in range(args.rounds):
            for run in (runs if rnd % 2 == 0 else tuple(reversed(runs))):
                if run in errors:
                    continue
                impl, dev = run
                try:
                    res = run_round(name, impl, dev, rep_gpu if dev == "cuda" else rep_cpu,
                                    args.inprocess)
                    times[run].append(res["seconds"])
                except Exception as e:  # noqa: BLE001 - reported in the table
                    errors[run] = str(e)
        med = {f"{i}-{d}": statistics.median(v) if v else None
               for (i, d), v in times.items()}
        fig = {"description": desc, "median_ms": {k: v * 1e3 if v else None
                                                  for k, v in med.items()}}
        fig["engine-cuda/torch-cuda"] = _num(med.get("engine-cuda"), med.get("torch-cuda"))
        fig["speedup engine (cpu/cuda)"] = _num(med.get("engine-cpu"), med.get("engine-cuda"))
        fig["speedup torch (cpu/cuda)"] = _num(med.get("torch-cpu"), med.get("torch-cuda"))
        if name in GOALS:
            fig["goal engine-cuda/torch-cuda"] = GOALS[name]
        if errors:
            fig["errors"] = {f"{i}-{d}": m for (i, d), m in errors.items()}
        figures[name] = fig
        _print_row(name, desc, med, fig, errors)
    _print_table(figures)
    if args.json:
        print(json.dumps(figures, indent=1))
    return 0


def _num(a, b):
    return a / b if isinstance(a, float) and isinstance(b, float) and b > 0 else None


def _print_row(name, desc, med, fig, errors) -> None:
    line = f"{name:10s} {desc}\n  median ms: " + ", ".join(
        f"{k} {_fmt_ms(v)}" for k, v in med.items())
    r = fig["engine-cuda/torch-cuda"]
    line += f"\n  engine-cuda/torch-cuda {r:.2f}" if r is not None else ""
    if name in GOALS and r is not None:
        line += f" (goal <= {GOALS[name]}: {'met' if r <= GOALS[name] else 'NOT met'})"
    for k, m in errors.items():
        line += f"\n  {k[0]}-{k[1]} failed: {m}"
    print(line, flush=True)


def _print_table(figures: dict) -> None:
    cols = ("engine-cpu", "torch-cpu", "engine-cuda", "torch-cuda")
    print("\n| workload | " + " | ".join(f"{c} ms" for c in cols) +
          " | engine-cuda/torch-cuda | goal | CPU/GPU engine | CPU/GPU torch |")
    print("|---" * (len(cols) + 5) + "|")
    for name, f in figures.items():
        ms = f["median_ms"]
        cells = [f"{ms[c]:.3f}" if ms.get(c) else "n/a" for c in cols]
        r = f["engine-cuda/torch-cuda"]
        goal = f.get("goal engine-cuda/torch-cuda")
        cells.append(f"{r:.2f}" if r is not None else "n/a")
        cells.append(f"<= {goal}" if goal else "")
        for k in ("speedup engine (cpu/cuda)", "speedup torch (cpu/cuda)"):
            v = f[k]
            cells.append(f"{v:.1f}x" if v is not None else "n/a")
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    sys.exit(main())
