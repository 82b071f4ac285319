"""The graph document at scale: a generated 1,000-node graph saved to a .gradlab file.

Measures (medians; machines are shared and noisy, so this is a report, not a test):

- save and load time of the file (validation, migration checks, building the Graph);
- a full forward + backward run through the Executor against the same program written
  directly on ``engine`` (the graph overhead ratio; goal <= 1.2);
- a re-run after editing one node near the end: how many nodes were recomputed, and the time,
  for a forward-only run and for forward + backward.

The graph and the direct program come from ``bench.bench_graph_overhead`` (8 random sources,
then alternately add/mul/sub and tanh/sigmoid/mul-by-number, a final sum).

    .venv/bin/python -m bench.bench_graph [--nodes 1000] [--size 64] [--rounds 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from typing import Callable

import numpy as np


def _timed(fn: Callable[[], object], rounds: int) -> tuple[float, object]:
    """Median wall time in ms over ``rounds`` calls, and the last result."""
    times, out = [], None
    for _ in range(rounds):
        t0 = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), out


def measure(n_nodes: int = 1000, size: int = 64, rounds: int = 5) -> list[tuple[str, str]]:
    """The table rows: (what, figure)."""
    from bench.bench_graph_overhead import build_graph, direct_step, make_spec
    from engine.graph.execute import Executor
    from engine.graph.fileformat import load, save

    spec = make_spec(n_nodes)
    graph, arrays = build_graph(spec, size)
    rows: list[tuple[str, str]] = [("graph", f"{len(graph.nodes)} nodes, {len(graph.edges)} "
                                             f"edges, tensors {size}x{size}")]
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "big.gradlab")
        save_ms, _ = _timed(lambda: save(graph, path), rounds)
        rows.append(("file size", f"{os.path.getsize(path) / 1e6:.2f} MB"))
        rows.append(("save (atomic)", f"{save_ms:.1f} ms"))
        load_ms, loaded = _timed(lambda: load(path), rounds)
        rows.append(("load (validate + build)", f"{load_ms:.1f} ms"))
    assert loaded == graph

    ex = Executor(loaded)
    first = ex.run(backward=True)
    order = first.order
    want = direct_step(spec, arrays)[-1].item()
    got = first.nodes[order[-1]].tensor.item()
    assert np.isclose(got, want, rtol=1e-4), (got, want)

    def graph_step():
        ex.invalidate()
        return ex.run(backward=True)

    def direct():
        return direct_step(spec, arrays)

    tg, td = [], []
    for _ in range(rounds):  # alternate, so drift hits both sides alike
        tg.append(_timed(graph_step, 1)[0])
        td.append(_timed(direct, 1)[0])
    mg, md = statistics.median(tg), statistics.median(td)
    rows.append(("forward+backward, graph", f"{mg:.1f} ms"))
    rows.append(("forward+backward, engine directly", f"{md:.1f} ms"))
    rows.append(("overhead ratio (goal <= 1.2)", f"{mg / md:.2f}"))

    # edit one node near the end: the last 'mul by a number' node
    scale = [nid for nid in order if loaded.nodes[nid].kind == "op:mul" and
             loaded.nodes[nid].attrs.get("other") is not None][-1]
    pos = order.index(scale)
    ex.run(backward=False)
    fwd_times, fwd_counts = [], []
    for i in range(rounds):
        loaded.set_attr(scale, "other", 0.8 if i % 2 == 0 else 0.9)
        ms, res = _timed(lambda: ex.run(backward=False), 1)
        fwd_times.append(ms)
        fwd_counts.append(len(res.recomputed))
    rows.append(("edited node", f"#{pos + 1} of {len(order)} in run order"))
    rows.append(("re-run forward after the edit", f"{statistics.median(fwd_times):.2f} ms, "
                                                  f"{max(fwd_counts)} nodes recomputed"))
    ex.run(backward=True)
    bwd_times, bwd_counts = [], []
    for i in range(rounds):
        loaded.set_attr(scale, "other", 0.8 if i % 2 == 0 else 0.9)
        ms, res = _timed(lambda: ex.run(backward=True), 1)
        bwd_times.append(ms)
        bwd_counts.append(len(res.recomputed))
    rows.append(("re-run forward+backward after the edit",
                 f"{statistics.median(bwd_times):.1f} ms, {max(bwd_counts)} nodes recomputed "
                 "(backward freed the saved tensors upstream)"))
    ex.close()
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args(argv)
    rows = measure(a.nodes, a.size, a.rounds)
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  figure")
    print(f"{'-' * width}  {'-' * 40}")
    for what, fig in rows:
        print(f"{what:<{width}}  {fig}", flush=True)


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    main(sys.argv[1:])
