"""GUI responsiveness, offscreen: a generated 1,000-node graph opened and drawn, canvas frames
while panning and zooming, selection to panels, a 4096 x 4096 tensor in the viewer, and the
longest stall of the GUI thread during a 10 s training run on the worker.

    QT_QPA_PLATFORM=offscreen .venv/bin/python -m bench.bench_gui [--nodes 1000] [--train-s 10]

Not a test: machines are shared and noisy. Prints a table against the goals of the app issue.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_LOGGING_RULES", "qt.qpa.*=false")

UNARY = ("op:relu", "op:tanh", "op:sigmoid")
BINARY = ("op:add", "op:mul", "op:sub")


def generated_graph(n: int = 1000, seed: int = 0, rows: int = 25):
    """A layered graph of ``n`` nodes in columns of ``rows``, laid out as a person would: randn
    sources in the first column, unary and binary ops each fed from the column before."""
    from engine.graph.model import Graph

    rnd = random.Random(seed)
    g = Graph()
    ids: list[str] = []
    for i in range(n):
        col, row = divmod(i, rows)
        x, y = col * 280.0, row * 150.0
        if col == 0:
            node = g.add_node("source:randn", {"size": (8, 8)}, pos=(x, y))
        else:
            kind = rnd.choice(UNARY + BINARY)
            node = g.add_node(kind, pos=(x, y))
            prev = ids[(col - 1) * rows: col * rows]
            near = prev[max(0, row - 2): row + 3]
            g.connect(rnd.choice(near), "out", node.id, "input")
            if kind in BINARY:
                g.connect(rnd.choice(near), "out", node.id, "other")
        ids.append(node.id)
    g.set_meta(title=f"generated {n} nodes")
    return g


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0


def _settle(app, rounds: int = 3) -> None:
    for _ in range(rounds):
        app.processEvents()


def bench_open(window, app, path: Path) -> float:
    t0 = time.perf_counter()
    window.files.open_path(path, ask=False)
    window.canvas.fit_to_view()
    window.canvas.viewport().repaint()
    return _ms(t0)


def bench_frames(window, app, frames: int = 60) -> dict[str, list[float]]:
    """Paint times (ms) of one frame after a pan or zoom step, at three zoom levels."""
    c = window.canvas
    out: dict[str, list[float]] = {}
    for name, zoom in (("fit (all 1,000 nodes)", None), ("25 %", 0.25), ("100 %", 1.0)):
        c.fit_to_view()
        if zoom is not None:
            c.zoom_by(zoom / c.zoom())
        c.viewport().repaint()
        times = []
        for i in range(frames):
            if i % 2:
                c.zoom_by(1.05 if (i // 2) % 2 else 1 / 1.05)
            else:
                h = c.horizontalScrollBar()
                h.setValue(h.value() + (25 if (i // 2) % 2 else -25))
            t0 = time.perf_counter()
            c.viewport().repaint()
            times.append(_ms(t0))
        out[name] = times
    return out


def bench_select(window, app, samples: int = 30) -> list[float]:
    """Selecting a node until its panels (inspector, viewer, grad_fn, timing) are painted."""
    ids = list(window.document.graph.nodes)
    rnd = random.Random(1)
    times = []
    for _ in range(samples):
        nid = rnd.choice(ids)
        t0 = time.perf_counter()
        window.canvas.select_nodes([nid])
        for d in ("inspector", "viewer", "gradfn", "timing"):
            window.docks[d].widget().repaint()
        times.append(_ms(t0))
    return times


def bench_big_tensor(window, app) -> tuple[float, float]:
    """Showing a 4096 x 4096 tensor (value and gradient) in the viewer; then its heatmap."""
    import numpy as np

    import engine
    from engine.graph.result import NodeResult

    t = engine.tensor(np.random.default_rng(0).standard_normal((4096, 4096), dtype=np.float32))
    r = NodeResult("big", tensor=t, shape=(4096, 4096), dtype="float32", device="cpu",
                   grad_flow=t)
    v = window.viewer
    t0 = time.perf_counter()
    v.show_result(r, "big")
    v.repaint()
    shown = _ms(t0)
    t0 = time.perf_counter()
    v.value_pane.tabs.setCurrentIndex(1)
    v.repaint()
    heat = _ms(t0)
    v.value_pane.tabs.setCurrentIndex(0)
    return shown, heat


def bench_training_stall(window, app, seconds: float) -> tuple[float, int, int]:
    """Longest gap between ticks of a 10 ms QTimer while the worker trains for ``seconds``."""
    from PySide6.QtCore import QTimer

    from resources import examples_dir

    window.files.open_example(examples_dir() / "22_small_network.gradlab")
    window.runs.wait()
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    window.runs.train(10_000_000)
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents()
        time.sleep(0.001)
    window.runs.cancel()
    window.runs.wait()
    timer.stop()
    gaps = [(b - a) * 1000.0 for a, b in zip(ticks, ticks[1:])]
    return (max(gaps) if gaps else float("nan")), len(ticks), len(window.loss_plot.losses)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--nodes", type=int, default=1000)
    p.add_argument("--train-s", type=float, default=10.0)

    args = p.parse_args(argv)

    from engine.graph import fileformat
    from app.gui import application
    from app.main_window import MainWindow
    from app.settings import Settings

    app = application()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["GRADLAB_RECOVERY_DIR"] = tmp
        path = Path(tmp) / "big.gradlab"
        fileformat.save(generated_graph(args.nodes), path)
        window = MainWindow(Settings.temporary())
        window.resize(1600, 1000)
        window.show()
        _settle(app)
        window.layout_docks()
        _settle(app)
        rows = []
        t_open = bench_open(window, app, path)
        window.runs.wait()
        window.runs.run_and_backward()
        window.runs.wait()
        _settle(app)
        rows.append((f"open + draw {args.nodes}-node graph", f"{t_open:.0f} ms", "-"))
        for name, times in bench_frames(window, app).items():
            med, worst = statistics.median(times), max(times)
            rows.append((f"canvas frame, pan/zoom at {name}",
                         f"median {med:.1f} ms, max {worst:.1f} ms", "<= 16 ms", med <= 16))
        sel = bench_select(window, app)
        rows.append(("select node -> panels updated",
                     f"median {statistics.median(sel):.1f} ms, max {max(sel):.1f} ms",
                     "<= 50 ms", statistics.median(sel) <= 50))
        shown, heat = bench_big_tensor(window, app)
        rows.append(("4096 x 4096 tensor in the viewer", f"{shown:.0f} ms", "<= 200 ms",
                     shown <= 200))
        rows.append(("  ... its heatmap tab", f"{heat:.0f} ms", "-"))
        stall, nticks, steps = bench_training_stall(window, app, args.train_s)
        rows.append((f"GUI stall during {args.train_s:.0f} s training ({steps} steps, "
                     f"{nticks} ticks)", f"longest gap {stall:.0f} ms", "<= 100 ms",
                     stall <= 100))
        window.document.undo_stack.setClean()
        window.close()
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    print(f"{'measure':<{w0}}  {'result':<{w1}}  goal")
    print("-" * (w0 + w1 + 20))
    for r in rows:
        verdict = "" if len(r) < 4 else ("  ok" if r[3] else "  MISSED")
        print(f"{r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]}{verdict}")


if __name__ == "__main__":
    main()
