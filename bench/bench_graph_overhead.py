"""Executor overhead: a generated graph run through ``engine.graph.execute.Executor`` against
the same program written directly on ``engine`` (forward + backward, full recompute).

The graph: 8 random sources (``requires_grad``) of shape SIZE, then alternately a binary op
(add/mul/sub of the previous node and a recent earlier one) and a unary op (tanh, sigmoid,
``mul`` by a number), ending in ``sum`` (backward runs from it). The direct program does the
same calls (``engine.mul(a, b)``...) and ``loss.backward()``. Rounds alternate between the two;
the ratio of medians is printed. Not a test: machines are shared and noisy.

    .venv/bin/python -m bench.bench_graph_overhead [--nodes 1000] [--sizes 2,64,256]
        [--rounds 7] [--profile SIZE]

"us/node" is the graph's extra time per node over the direct program. On tiny tensors that
is mostly the executor's own Python per node (plan lookup, input gathering, per-node timing,
grad_fn bookkeeping, the result) plus the autograd tracer it needs for per-node backward
times; on large tensors, mostly keeping every node's incoming gradient (grad_flow) alive.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

import numpy as np

N_SOURCES = 8
_BINARY = ("add", "mul", "sub")
_UNARY = ("tanh", "sigmoid", "scale")


def make_spec(n_nodes: int, seed: int = 0) -> list[tuple[str, tuple[int, ...]]]:
    """[(op, input indices)]: sources first, a chain of ops, a final sum."""
    rnd = random.Random(seed)
    spec: list[tuple[str, tuple[int, ...]]] = [("source", ())] * N_SOURCES
    i = N_SOURCES
    while len(spec) < n_nodes - 1:
        prev = len(spec) - 1
        if i % 2:
            other = rnd.randrange(max(0, prev - 20), prev + 1)
            spec.append((_BINARY[rnd.randrange(3)], (prev, other)))
        else:
            spec.append((_UNARY[rnd.randrange(3)], (prev,)))
        i += 1
    spec.append(("sum", (len(spec) - 1,)))
    return spec


def build_graph(spec, size: int, seed: int = 0):
    """The Graph of ``spec`` with sources of shape (size, size), and the source arrays."""
    from engine.graph.model import Graph

    g = Graph()
    rng = np.random.default_rng(seed)
    ids: list[str] = []
    arrays = []
    for op, ins in spec:
        if op == "source":
            a = (rng.standard_normal((size, size)) * 0.5).astype(np.float32)
            arrays.append(a)
            n = g.add_node("source:tensor", {"data": a.tolist(), "dtype": "float32"},
                           requires_grad=True)
        elif op == "scale":
            n = g.add_node("op:mul", {"other": 0.9})
        else:
            n = g.add_node(f"op:{op}", {})
        for port, src in zip(("input", "other"), ins):
            g.connect(ids[src], "out", n.id, port)
        ids.append(n.id)
    return g, arrays


def direct_step(spec, arrays):
    """The same program, written against engine directly."""
    import engine
    vals: list = []
    k = 0
    for op, ins in spec:
        if op == "source":
            vals.append(engine.tensor(arrays[k], requires_grad=True))
            k += 1
        elif op == "scale":
            vals.append(engine.mul(vals[ins[0]], 0.9))
        elif op in _BINARY:
            vals.append(getattr(engine, op)(vals[ins[0]], vals[ins[1]]))
        else:
            vals.append(getattr(engine, op)(vals[ins[0]]))
    vals[-1].backward()
    return vals


def _mean_time(fn, reps: int) -> float:
    t0 = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t0) / reps


_FIELDS = ("shape", "dtype", "device", "grad_fn", "next_functions", "grad", "grad_flow",
           "has_nan", "has_inf", "grad_has_nan", "grad_has_inf")


def read_all(res) -> None:
    """Read every field of every NodeResult, as a canvas showing badges on each node does."""
    for r in res.nodes.values():
        for f in _FIELDS:
            getattr(r, f)


def load_executor(path: str | None):
    """The Executor class of engine/graph/execute.py, or of another version of that file
    (``--baseline``, e.g. ``git show HEAD~1:engine/graph/execute.py > /tmp/old.py``)."""
    if path is None:
        from engine.graph.execute import Executor
        return Executor
    import importlib.util
    spec = importlib.util.spec_from_file_location("engine.graph._baseline_execute", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod.Executor


def measure(n_nodes: int, size: int, rounds: int, baseline: str | None = None) -> dict:
    """Median (over alternated rounds) ms of: the graph run, the graph run with every result
    field read, and the same program on engine directly (and the baseline executor's run)."""
    spec = make_spec(n_nodes)
    g, arrays = build_graph(spec, size)
    ex = load_executor(None)(g)
    old = load_executor(baseline)(g) if baseline else None
    first = ex.run(backward=True)  # warm-up; check it computed what the direct program does
    assert first.backward_ran and len(first.recomputed) == n_nodes
    ref = direct_step(spec, arrays)
    got = first.nodes[first.order[-1]].tensor
    np.testing.assert_allclose(float(got.item()), float(ref[-1].item()), rtol=1e-4)

    def graph_step():
        ex.invalidate()
        r = ex.run(backward=True)
        assert len(r.recomputed) == n_nodes
        return r

    def old_step():
        old.invalidate()
        return old.run(backward=True)

    steps = {"graph": graph_step, "graph+read": lambda: read_all(graph_step()),
             "engine": lambda: direct_step(spec, arrays)}
    if old is not None:
        old_step()
        steps["baseline"] = old_step
    reps = max(1, int(round(0.3 / max(_mean_time(graph_step, 1), 1e-4))))
    times: dict[str, list[float]] = {k: [] for k in steps}
    for _ in range(rounds):
        for k, fn in steps.items():
            times[k].append(_mean_time(fn, reps) * 1e3)
    ex.close()
    if old is not None:
        old.close()
    m = {k: statistics.median(v) for k, v in times.items()}
    out = {"size": size, "nodes": n_nodes, "graph_ms": m["graph"], "read_ms": m["graph+read"],
           "direct_ms": m["engine"], "ratio": m["graph"] / m["engine"],
           "ratio_read": m["graph+read"] / m["engine"],
           "per_node_us": (m["graph"] - m["engine"]) / n_nodes * 1e3}
    if old is not None:
        out["baseline_ms"], out["baseline_ratio"] = m["baseline"], m["baseline"] / m["engine"]
    return out


def profile(n_nodes: int, size: int) -> None:
    import cProfile
    import pstats

    from engine.graph.execute import Executor
    spec = make_spec(n_nodes)
    g, _ = build_graph(spec, size)
    ex = Executor(g)
    ex.run(backward=True)
    pr = cProfile.Profile()
    pr.enable()
    for _ in range(5):
        ex.invalidate()
        ex.run(backward=True)
    pr.disable()
    pstats.Stats(pr).sort_stats("tottime").print_stats(30)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--sizes", default="2,64,256")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--profile", type=int, default=None, help="cProfile the graph run at SIZE")
    ap.add_argument("--baseline", default=None,
                    help="another version of engine/graph/execute.py to time alongside")
    a = ap.parse_args(argv)
    if a.profile is not None:
        profile(a.nodes, a.profile)
        return
    print(f"graph overhead: {a.nodes}-node generated graph (8 float32 sources of SIZE x SIZE "
          "requiring grad; add/mul/sub/tanh/sigmoid/mul-by-number; a final sum), full "
          f"recompute, forward+backward; median of {a.rounds} alternated rounds (ms per run)")
    print("'+read': the run, then every NodeResult field read (NaN/Inf flags, grad_flow, "
          "next_functions are filled in when first read, as a canvas does)")
    base = f" {'baseline':>9} {'ratio':>6}" if a.baseline else ""
    print(f"{'tensors':>9} {'engine':>8} {'graph':>8} {'ratio':>6} {'us/node':>8} "
          f"{'graph+read':>11} {'ratio':>6}{base}")
    for s in (int(x) for x in a.sizes.split(",")):
        m = measure(a.nodes, s, a.rounds, a.baseline)
        base = f" {m['baseline_ms']:9.2f} {m['baseline_ratio']:6.2f}" if a.baseline else ""
        print(f"{f'{s}x{s}':>9} {m['direct_ms']:8.2f} {m['graph_ms']:8.2f} {m['ratio']:6.2f} "
              f"{m['per_node_us']:8.1f} {m['read_ms']:11.2f} {m['ratio_read']:6.2f}{base}",
              flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
