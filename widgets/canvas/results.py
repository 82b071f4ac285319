"""What the canvas shows of a run, computed from a Graph and a RunResult (no Qt): node and edge
labels, where NaN/Inf first appears, and gradient magnitudes per edge."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from engine.graph.model import Edge, Graph
from engine.graph.result import NodeResult, RunResult

from .style import format_spec


def _dtype_name(dt: Any) -> str | None:
    return None if dt is None else str(dt).replace("torch.", "")


def node_info(nr: NodeResult | None) -> str:
    """'[3, 4] float32' for a node's output; 'skipped' if it did not run; '' if unknown."""
    if nr is None:
        return ""
    if nr.skipped and nr.shape is None:
        return "skipped"
    if nr.shape is None and nr.tensor is not None:
        return format_spec(getattr(nr.tensor, "shape", None), _dtype_name(
            getattr(nr.tensor, "dtype", None)))
    return format_spec(nr.shape, nr.dtype)


def edge_info(nr: NodeResult | None, port: str, first_port: str | None) -> str:
    """The label of an edge leaving ``port`` of a node with result ``nr``."""
    if nr is None or nr.error:
        return ""
    t = nr.outputs.get(port) if nr.outputs else None
    if t is not None and hasattr(t, "shape"):
        return format_spec(tuple(t.shape), _dtype_name(getattr(t, "dtype", None)))
    if port == first_port or not nr.outputs:
        return format_spec(nr.shape, nr.dtype)
    return ""


def nan_markers(graph: Graph, run: RunResult) -> dict[str, tuple[str, str]]:
    """Nodes where a NaN/Inf first appears: in the forward values (no input has one) or in the
    backward gradient (no consumer's gradient has one). -> {node_id: (marker, note)}."""
    res = run.nodes
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for e in graph.edges.values():
        preds.setdefault(e.dst, []).append(e.src)
        succs.setdefault(e.src, []).append(e.dst)
    out: dict[str, tuple[str, str]] = {}

    def bad(nid: str, grad: bool) -> bool:
        r = res.get(nid)
        if r is None:
            return False
        return (r.grad_has_nan or r.grad_has_inf) if grad else (r.has_nan or r.has_inf)

    for nid, r in res.items():
        if nid not in graph.nodes:
            continue
        if bad(nid, False) and not any(bad(p, False) for p in preds.get(nid, ())):
            what = "NaN" if r.has_nan else "Inf"
            out[nid] = (what, f"first appears here: the output has {what} values "
                              f"and no input does")
        elif bad(nid, True) and not any(bad(s, True) for s in succs.get(nid, ())):
            what = "NaN" if r.grad_has_nan else "Inf"
            out[nid] = ("∇" + what, f"first appears here in backward: the gradient flowing "
                                    f"into this node's output has {what} values")
    return out


def _magnitude(t: Any) -> float | None:
    """Mean absolute value of a tensor (None if it is not one or is empty/non-finite)."""
    if t is None:
        return None
    try:
        a = t.numpy(force=True) if hasattr(t, "numpy") else np.asarray(t)
        a = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError, RuntimeError):
        return None
    if a.size == 0:
        return None
    m = float(np.abs(a).mean())
    return m if math.isfinite(m) else None


def grad_magnitudes(graph: Graph, run: RunResult) -> dict[str, float]:
    """Per edge, the mean |gradient| that flowed back through it (its source's grad_flow, which
    belongs to the source's first output: edges from other outputs get none)."""
    from engine.graph.kinds import get_kind

    mags: dict[str, float | None] = {}
    out: dict[str, float] = {}
    for e in graph.edges.values():
        outs = get_kind(graph.nodes[e.src].kind).outputs
        if not outs or e.src_port != outs[0].name:
            continue
        if e.src not in mags:
            r = run.nodes.get(e.src)
            mags[e.src] = _magnitude(r.grad_flow) if r is not None else None
        m = mags[e.src]
        if m is not None:
            out[e.id] = m
    return out


def edge_for_check(graph: Graph, key: str) -> list[Edge]:
    """Edges a check message keyed by ``key`` concerns: the edge itself, or a node's inputs."""
    if key in graph.edges:
        return [graph.edges[key]]
    return [e for e in graph.edges.values() if e.dst == key]
