"""Execution: run the PyTorch program a graph spells and keep, per node, what the panels show.

Public API (the GUI, ``gradlab run`` and :mod:`engine.graph.train` use exactly this)::

    ex = Executor(graph)          # follows graph events; ex.close() stops following
    res = ex.run(backward=False, device="cpu", nodes=None, progress=None, cancel=None,
                 step=False, backward_from=None)            # -> RunResult
    ex.check() -> {node_id: message}   # shape/dtype/device/unconnected problems, nothing runs
    ex.zero_grad()                     # .grad = None on every leaf the graph holds
    ex.leaves() -> [Tensor]            # leaf tensors requiring grad, in run order
    ex.parameters(loss_node=None)      # the leaves a node's tensor depends on (all: None)
    ex.params_changed(tensors)         # after changing tensors in place (an optimizer step)
    ex.invalidate(node_ids=None)       # force a recompute (None: every node)
    ex.reset()                         # forget all values; parameters are drawn again
    ex.value(node_id, port="out")      # a node's current output value
    ex.last_result                     # the RunResult of the latest run (or None)
    ex.device                          # the device of the latest run ('cpu', 'cuda:0')

``run``:
- Runs nodes in ``graph.topological_order()`` (ties: the order nodes were added); nodes in a
  frame with ``no_grad`` run under ``engine.no_grad``. Order of phases: every forward node
  (ops, sources, parameters, layers, autograd.grad, index...), then with ``backward=True`` the
  zero_grad nodes and the backward nodes (none in the graph: ``backward()`` from
  ``backward_from`` or else from the last scalar sink node, said in ``RunResult.log``), then
  with ``step=True`` the optimizer-step nodes.
- Incremental: only nodes edited since the last run (graph events), their downstream, nodes
  whose saved tensors a backward freed, and nodes downstream of tensors an optimizer changed
  are recomputed (``RunResult.recomputed``). Sources and parameters keep their values until
  edited; leaves' ``.grad`` accumulate across runs as in PyTorch until ``zero_grad()``.
- An error stays on its node (PyTorch's message plus the input shapes); nodes fed by it are
  skipped (``skipped = "input 'x' failed"``); the others still run. Nothing raises, except a
  bug in the executor itself.
- ``device``: 'cpu', 'cuda' or 'cuda:N'; sources and parameters are made or moved there. An
  unusable device gives its reason as the error of every source and in the log.
- ``nodes``: compute only these nodes and what they need. ``progress(done, total)`` is called
  after each node; ``cancel()`` returning True stops before the next node (what did not run
  stays to be run).

Each ``NodeResult`` (engine/graph/result.py) holds: the first tensor output as ``tensor``
(all outputs by port in ``outputs``), shape, dtype ('float32'), device, requires_grad,
is_leaf, the grad_fn name and its next_functions' names, ``grad`` as PyTorch shows it (None
with ``grad_note`` on a non-leaf without retain_grad), ``grad_flow`` (the gradient that flowed
into the first output during the latest backward, captured for every node), ``forward_ms``
(the node's own time, CUDA events on a GPU), ``backward_ms`` (the VJPs of the grad_fns its
forward made, through ``add_tracer``), ``saved_bytes`` (what those grad_fns saved for
backward, at forward time), NaN/Inf flags of the value and of the grad (else the flow),
``version``, ``error``/``error_type`` or ``skipped``, and ``value`` (a non-tensor result:
autograd.grad's tuple, an optimizer step's summary).

Op nodes call the op's public function by keyword (``engine.mul(input=x, other=y)``) when it
takes every input and attribute by name, else run the OpDef through ``apply``; an unconnected
number port (``other`` of add) takes the attribute of the same name. One call at a time: do
not run, check or edit the graph from another thread while ``run`` is in progress (graph
events are queued and applied at the start of the next run or check).
"""
from __future__ import annotations

import collections
import inspect
import re
import time
import weakref
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from .. import backend
from ..autograd import graph as _ag
from ..autograd.graph import add_tracer, apply, apply_inplace, remove_tracer
from ..autograd.grad_mode import no_grad, set_grad_enabled
from ..ops.registry import TensorSpec
from ..tensor import Tensor, _wrap
from .kinds import NodeKind, get_kind
from .model import Graph
from .result import NodeResult, RunResult
from .special import NodeContext, leaves_of

_PHASES = ("forward", "zero_grad", "backward", "step")


@dataclass
class _Done:
    """What computing one node left: outputs (or why there are none) and forward facts."""

    outputs: dict[str, Any] = field(default_factory=dict)
    tensor: Any = None  # the first tensor output, and its port
    port: str | None = None
    value: Any = None
    error: str | None = None
    error_type: str | None = None
    skipped: str | None = None
    forward_ms: float | None = None
    saved_bytes: int = 0
    grad_fns: list = field(default_factory=list)  # grad_fns its forward created
    updated: list = field(default_factory=list)  # tensors an optimizer step changed
    aliases: bool = False  # its tensor shares storage with an input (a view, in-place, detach)
    facts: tuple | None = None  # (version, has_nan, has_inf, grad_fn, next_functions)
    grad_facts: tuple | None = None  # (grad id, grad version, nan, inf)


_NOT_DONE = _Done()


class _LeafHook:
    """The gradient hook on one leaf tensor; the (node, port) pairs that show that tensor."""

    __slots__ = ("ref", "targets")

    def __init__(self, t) -> None:
        self.ref = weakref.ref(t)
        self.targets: set[tuple[str, str]] = set()


def phase_of(kind: NodeKind) -> str:
    """When a node of this kind runs: 'forward', 'zero_grad', 'backward' or 'step'."""
    return kind.extra.get("phase", "forward") if kind.op is None else "forward"


def _fmt_shape(shape) -> str:
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


class Executor:
    """Runs a Graph as the PyTorch program it spells, incrementally, keeping per-node results."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self.last_result: RunResult | None = None
        self.device = "cpu"
        self._dev_key = "cpu"
        self._done: dict[str, _Done] = {}
        self._state: dict[str, dict] = {}
        self._stale: set[str] = set(graph.nodes)
        self._events: collections.deque = collections.deque()
        # grad_fn.metadata keys: the node whose forward created it; the (node, port,
        # output_nr) outputs it is the grad_fn of (for the gradient flowing into them)
        self._okey, self._fkey = f"gradlab.node.{id(self)}", f"gradlab.outputs.{id(self)}"
        self._leaf_hooks: dict[int, _LeafHook] = {}
        self._flow: dict[str, dict[str, Tensor]] = {}
        self._bwd_ms: dict[str, float] = {}
        self._capturing = False
        self._log: list = []
        self._unsub = graph.subscribe(self._events.append)

    def close(self) -> None:
        """Stop following the graph's events."""
        self._unsub()

    # ---- graph events --------------------------------------------------------------------
    def _drain(self) -> None:
        """Apply queued graph events: mark what they touch (and its downstream) stale."""
        seeds: set[str] = set()
        while self._events:
            ev = self._events.popleft()
            d = ev.data
            if ev.type == "reset":
                self._forget_all()
            elif ev.type == "node_added":
                seeds.add(d["node"].id)
            elif ev.type == "node_removed":
                nid = d["node"].id
                self._drop(nid)
                self._state.pop(nid, None)
                self._stale.discard(nid)
            elif ev.type == "node_changed" and d.get("field") != "label":
                if d.get("field") == "attrs":
                    self._state.pop(d["node"].id, None)
                seeds.add(d["node"].id)
            elif ev.type in ("edge_added", "edge_removed"):
                seeds.add(d["edge"].dst)
            elif ev.type in ("frame_added", "frame_removed", "frame_changed"):
                seeds.update(d["frame"].members)
                seeds.update(d.get("old", {}).get("members", ()))
        seeds &= set(self.graph.nodes)
        if seeds:
            self._stale |= self.graph.downstream(seeds)

    def invalidate(self, node_ids: Iterable[str] | None = None) -> None:
        """Recompute these nodes and their downstream on the next run (None: every node)."""
        self._drain()
        ids = set(self.graph.nodes) if node_ids is None else set(node_ids) & set(self.graph.nodes)
        self._stale |= self.graph.downstream(ids)

    def reset(self) -> None:
        """Forget every value and state: sources and parameters are made again on the next run."""
        self._drain()
        self._forget_all()

    def _forget_all(self) -> None:
        for nid in list(self._done):
            self._drop(nid)
        self._state.clear()
        self._flow.clear()
        self._stale = set(self.graph.nodes)

    def _drop(self, nid: str) -> None:
        """Forget a node's last computation (its outputs, hooks targets, flows, timings)."""
        d = self._done.pop(nid, None)
        if d is not None:
            for t in d.outputs.values():
                if isinstance(t, Tensor):
                    fns = t._grad_fn.metadata.get(self._fkey) if t._grad_fn is not None else None
                    if fns:
                        fns[:] = [f for f in fns if f[0] != nid]
                    h = self._leaf_hooks.get(id(t))
                    if h is not None:
                        h.targets = {x for x in h.targets if x[0] != nid}
        self._flow.pop(nid, None)
        self._bwd_ms.pop(nid, None)

    # ---- the backward tracer (engine.autograd.graph.add_tracer), on during backward --------
    def on_backward(self, node, grads_out, grads_in, ms: float) -> None:
        md = node.metadata
        nid = md.get(self._okey)
        if nid is not None:
            self._bwd_ms[nid] = self._bwd_ms.get(nid, 0.0) + ms
        if self._capturing:
            for nid, port, nr in md.get(self._fkey, ()):
                g = grads_out[nr]
                if g is not None:
                    self._add_flow(nid, port, _wrap(g, node._dev))

    def _add_flow(self, nid: str, port: str, g: Tensor) -> None:
        flows = self._flow.setdefault(nid, {})
        prev = flows.get(port)
        flows[port] = g if prev is None else _wrap(prev._data + g._data, g._device)

    def _leaf_hook(self, h: _LeafHook):
        def hook(grad):
            if self._capturing:
                for nid, port in h.targets:
                    self._add_flow(nid, port, grad)
            return None
        return hook

    # ---- running --------------------------------------------------------------------------
    def run(self, backward: bool = False, device: str = "cpu", nodes: Iterable[str] | None = None,
            progress: Callable[[int, int], Any] | None = None,
            cancel: Callable[[], bool] | None = None, step: bool = False,
            backward_from: str | None = None) -> RunResult:
        """Run the graph (see the module docstring); returns every node's result."""
        self._drain()
        g = self.graph
        res = RunResult(device=str(device))
        self._log = res.log
        dev, dev_error = self._resolve_device(device)
        dev_key = str(dev) if dev_error is None else f"!{device}"
        if dev_key != self._dev_key:
            self._stale |= set(g.nodes)
        self._dev_key = dev_key
        self.device = str(dev) if dev_error is None else str(device)
        if dev_error:
            res.log.append(("error", None, f"device {device}: {dev_error}"))
        order = g.topological_order()
        res.order = order
        incoming = self._incoming()
        kinds = {nid: get_kind(g.nodes[nid].kind) for nid in order}
        phase = {nid: phase_of(k) for nid, k in kinds.items()}
        wanted = self._upstream(nodes, incoming) if nodes is not None else None
        fwd = [n for n in order if phase[n] == "forward" and (wanted is None or n in wanted)]
        todo = self._to_compute(fwd, kinds, incoming)
        actions = [n for ph in _PHASES[1:] if (backward if ph != "step" else step)
                   for n in order if phase[n] == ph and (wanted is None or n in wanted)]
        no_grad_nodes = {m for f in g.frames.values() if f.no_grad for m in f.members}
        env = (incoming, kinds, dev, dev_error, no_grad_nodes)
        count = [0, len(todo) + len(actions)]
        cancelled = False
        try:
            with set_grad_enabled(True):
                timer = backend.Timer(dev.type)
                timer.start()
                for i, nid in enumerate(todo):
                    if cancel is not None and cancel():
                        cancelled = True
                        for rest in todo[i:]:  # shown as not run, computed next time
                            self._drop(rest)
                        break
                    self._compute(nid, env)
                    self._stale.discard(nid)
                    res.recomputed.append(nid)
                    self._progress(progress, count)
                timer.stop()
                res.forward_ms = timer.elapsed_ms()
                if not cancelled and (backward or step):
                    cancelled = self._actions(res, actions, env, order, phase, backward,
                                              backward_from, progress, cancel, count)
        finally:
            self._capturing = False
        if cancelled:
            res.log.append(("warning", None, "run cancelled"))
        self._mark_freed(fwd)
        for nid in order:
            res.nodes[nid] = self._result(nid)
        self.last_result = res
        return res

    @staticmethod
    def _progress(progress, count: list) -> None:
        count[0] += 1
        if progress is not None:
            progress(count[0], count[1])

    def _incoming(self) -> dict[str, dict[str, list]]:
        """Edges into each node by input port, variadic ones in index order."""
        incoming: dict[str, dict[str, list]] = {}
        for e in sorted(self.graph.edges.values(), key=lambda e: e.index):
            incoming.setdefault(e.dst, {}).setdefault(e.dst_port, []).append(e)
        return incoming

    def _actions(self, res: RunResult, actions, env, order, phase, backward, backward_from,
                 progress, cancel, count) -> bool:
        """zero_grad, backward and step nodes, in that order; returns whether it was cancelled."""
        timer = backend.Timer(env[2].type)
        timer.start()
        if backward:
            self._flow.clear()
            self._bwd_ms.clear()
        bw_nodes = [n for n in actions if phase[n] == "backward"]
        implicit = backward and (backward_from is not None or not bw_nodes)
        add_tracer(self)
        try:
            cancelled = self._run_actions(res, actions, env, order, phase, backward_from,
                                          progress, cancel, count, implicit)
        finally:
            remove_tracer(self)
        timer.stop()
        res.backward_ms = timer.elapsed_ms()
        return cancelled

    def _run_actions(self, res, actions, env, order, phase, backward_from, progress, cancel,
                     count, implicit) -> bool:
        for nid in actions:
            if implicit and phase[nid] == "step":
                self._implicit_backward(res, order, phase, backward_from)
                implicit = False
            if phase[nid] == "backward" and backward_from is not None:
                continue
            if cancel is not None and cancel():
                return True
            self._capturing = phase[nid] == "backward"
            self._compute(nid, env)
            self._capturing = False
            d = self._done[nid]
            if phase[nid] == "backward" and d.error is None and d.skipped is None:
                res.backward_ran = True
            if phase[nid] == "step" and d.error is None and d.skipped is None:
                self.params_changed(d.updated)
            res.recomputed.append(nid)
            self._progress(progress, count)
        if implicit:
            self._implicit_backward(res, order, phase, backward_from)
        return False

    def _implicit_backward(self, res: RunResult, order, phase, backward_from) -> None:
        """``backward()`` from ``backward_from`` or the last scalar sink node."""
        nid = backward_from if backward_from is not None else self._last_scalar_sink(order, phase)
        if nid is None:
            res.log.append(("warning", None, "nothing to run backward from: the graph has no "
                                             "backward node and no scalar output that requires "
                                             "grad"))
            return
        d = self._done.get(nid)
        label = self.graph.nodes[nid].label if nid in self.graph.nodes else nid
        t = d.tensor if d is not None else None
        if t is None:
            res.log.append(("error", nid, f"cannot run backward from {label}: it has no value"))
            return
        if backward_from is None:
            res.log.append(("info", nid, f"no backward node: ran {label}.backward() (the last "
                                         "scalar output)"))
        self._capturing = True
        try:
            t.backward()
            res.backward_ran = True
        except Exception as e:  # noqa: BLE001 - a user's graph error, reported
            res.log.append(("error", nid, f"backward from {label} failed: {e}"))
        finally:
            self._capturing = False

    def _last_scalar_sink(self, order, phase) -> str | None:
        has_fwd_out = {e.src for e in self.graph.edges.values() if phase.get(e.dst) == "forward"}
        for nid in reversed(order):
            if phase[nid] != "forward" or nid in has_fwd_out:
                continue
            d = self._done.get(nid)
            t = d.tensor if d is not None else None
            if t is not None and t.requires_grad and t.numel() == 1:
                return nid
        return None

    def _upstream(self, nodes: Iterable[str], incoming) -> set[str]:
        out, stack = set(), [n for n in nodes if n in self.graph.nodes]
        while stack:
            n = stack.pop()
            if n in out:
                continue
            out.add(n)
            for edges in incoming.get(n, {}).values():
                stack.extend(e.src for e in edges)
        return out

    def _to_compute(self, fwd: list[str], kinds, incoming) -> list[str]:
        """Forward nodes to (re)compute, in order: stale ones, the producers an in-place node
        writes into (through views, so it never writes twice into kept values), and all that
        is downstream of them."""
        fset = set(fwd)
        need = {n for n in fwd if n in self._stale or n not in self._done}
        while True:
            extra = set()
            for n in need:
                cur = n if kinds[n].inplace else None
                while cur is not None:
                    edges = incoming.get(cur, {}).get(kinds[cur].inputs[0].name)
                    src = edges[0].src if edges else None
                    if src is None or src not in fset:
                        break
                    if src not in need:
                        extra.add(src)
                    cur = src if self._done.get(src, _NOT_DONE).aliases else None
            if not extra:
                break
            need = self.graph.downstream(need | extra) & fset
        return [n for n in fwd if n in need]

    @staticmethod
    def _resolve_device(device):
        from .._device import CPU, canonical
        try:
            return canonical(device), None
        except Exception as e:  # noqa: BLE001 - an unusable device is reported, not raised
            return CPU, str(e)

    def _compute(self, nid: str, env) -> None:
        """Compute one node into ``self._done[nid]``; errors stay on the node."""
        incoming, kinds, dev, dev_error, no_grad_nodes = env
        node, kind = self.graph.nodes[nid], kinds[nid]
        if nid in self._done:
            self._drop(nid)
        d = self._done[nid] = _Done()
        inputs = self._gather(node, kind, incoming.get(nid), d)
        if d.skipped or d.error:
            return
        if dev_error is not None and not kind.inputs:
            d.error, d.error_type = dev_error, "RuntimeError"
            return
        ctx = None
        gpu = dev.type != "cpu"
        if gpu:
            timer = backend.Timer(dev.type)
            timer.start()
        s0 = next(_ag._seq)  # grad_fns made from here on are this node's
        t0 = time.perf_counter()
        try:
            with no_grad() if nid in no_grad_nodes else _NULL:
                if kind.op is None:
                    ctx = NodeContext(node, kind, inputs, dev, self._state.setdefault(nid, {}),
                                      self)
                    outs = kind.extra["run"](ctx)
                elif kind.op.family == "creation":
                    outs = self._run_source(node, kind, dev)
                else:
                    outs = self._run_op(node, kind, inputs)
                self._apply_flags(nid, node, kind, outs, inputs, d)
        except Exception as e:  # noqa: BLE001 - the node's error, as PyTorch words it
            self._fail(d, e, dev, inputs)
            self._log.append(("error", nid, f"{node.label}: {d.error}"))
            return
        finally:
            if gpu:
                timer.stop()
        elapsed = (time.perf_counter() - t0) * 1000.0
        d.forward_ms = timer.elapsed_ms() if gpu else elapsed
        d.outputs = outs
        if ctx is not None:
            d.value, d.updated = ctx.value, ctx.updated
        fns = d.grad_fns = self._created(outs, s0)
        okey = self._okey
        for gf in fns:
            gf.metadata[okey] = nid
            if gf._had_saved:
                d.saved_bytes += gf.saved_bytes
        self._track_outputs(nid, d)

    @staticmethod
    def _created(outs: dict, s0: int) -> list:
        """The grad_fns made since sequence number ``s0`` that the outputs' chains reach."""
        stack = [t._grad_fn for t in outs.values()
                 if isinstance(t, Tensor) and t._grad_fn is not None and t._grad_fn.seq > s0]
        if not stack:
            return []
        out, seen = [], set()
        while stack:
            n = stack.pop()
            if id(n) in seen:
                continue
            seen.add(id(n))
            out.append(n)
            for nx, _ in n.next_functions:
                if nx is not None and nx.seq > s0 and nx.op is not None:
                    stack.append(nx)
        return out

    def _gather(self, node, kind: NodeKind, ports, d: _Done) -> dict:
        """The node's inputs by port; sets ``d.skipped``/``d.error`` when it cannot run."""
        inputs: dict[str, Any] = {}
        done = self._done
        for p in kind.inputs:
            edges = ports.get(p.name) if ports else None
            if not edges:
                if p.scalar_ok and node.attrs.get(p.name) is not None:
                    inputs[p.name] = node.attrs[p.name]
                elif p.variadic and not p.optional:
                    inputs[p.name] = []
                elif not p.optional and not p.variadic:
                    d.error, d.error_type = f"input '{p.name}' is not connected", "GraphError"
                continue
            vals = []
            for e in edges:
                src = done.get(e.src)
                if src is None or src.error or src.skipped:
                    d.skipped = f"input '{p.name}' failed"
                    return inputs
                v = src.outputs.get(e.src_port)
                if v is None:
                    if p.optional and not p.variadic:
                        break
                    d.skipped = f"input '{p.name}' has no value"
                    return inputs
                if p.variadic and isinstance(v, (tuple, list)):
                    vals.extend(v)  # a list output (split, unbind) feeding cat's tensors
                else:
                    vals.append(v)
            else:
                inputs[p.name] = vals if p.variadic else vals[0]
        return inputs

    def _fail(self, d: _Done, e: BaseException, dev, inputs: dict) -> None:
        if backend.is_out_of_memory(e):
            msg = f"out of memory on {dev} ({e or type(e).__name__}); try smaller tensors"
            etype = "OutOfMemoryError"
        else:
            msg, etype = str(e) or type(e).__name__, type(e).__name__
            if isinstance(e, KeyError) and e.args:
                msg = str(e.args[0])
        shapes = [_fmt_shape(v.shape) for x in inputs.values()
                  for v in (x if isinstance(x, list) else [x]) if isinstance(v, Tensor)]
        if shapes:
            msg += f" (input shapes: {', '.join(shapes)})"
        d.error, d.error_type = msg, etype

    def _run_source(self, node, kind: NodeKind, dev) -> dict:
        """A creation op: made once (kept until edited), given out as a fresh copy each time it
        is computed, so an in-place op downstream never writes into the kept values."""
        from .._device import canonical
        from ..ops.creation import create
        st = self._state.setdefault(node.id, {})
        attrs = dict(node.attrs)
        adev = attrs.pop("device", None)
        rg = bool(attrs.pop("requires_grad", False)) or node.requires_grad
        target = dev if adev in (None, "", "cpu") else canonical(adev)
        t = st.get("tensor")
        if t is None:
            t = create(kind.op, {**attrs, "device": str(target)})
        elif t.device != target:
            t = _wrap(backend.to_device(backend.to_host(t._data), target.type, target.index),
                      target)
        st["tensor"] = t
        out = _wrap(t._data.copy(), t.device)
        if rg:
            out.requires_grad_(True)
        return {kind.outputs[0].name if kind.outputs else "out": out}

    @staticmethod
    def _run_op(node, kind: NodeKind, inputs: dict) -> dict:
        op = kind.op
        na = node.attrs
        attrs = {a.name: na[a.name] for a in op.attrs if a.name in na}
        out = _caller(op, kind.inplace)(inputs, attrs)
        outs = kind.outputs
        if len(outs) == 1:
            return {outs[0].name: out}
        return {p.name: v for p, v in zip(outs, out)}

    def _apply_flags(self, nid: str, node, kind: NodeKind, outs: dict, inputs: dict,
                     d: _Done) -> None:
        """Find the node's first tensor output and apply its requires_grad/retain_grad flags."""
        for p in kind.outputs:
            t = outs.get(p.name)
            if isinstance(t, Tensor):
                d.tensor, d.port = t, p.name
                break
        else:
            return
        d.aliases = t._base is not None or kind.inplace or t is inputs.get(
            kind.inputs[0].name if kind.inputs else None)
        if node.requires_grad and not t._requires_grad and t._grad_fn is None and kind.inputs:
            t.requires_grad_(True)
        if node.retain_grad:
            if t._requires_grad:
                t.retain_grad()
            else:
                self._log.append(("warning", nid, f"{node.label}: retain_grad is set but the "
                                                  "tensor does not require grad"))

    def _track_outputs(self, nid: str, d: _Done) -> None:
        """Where the gradient flowing into each output that requires grad will be seen: the
        tracer's on_backward for computed tensors, a hook for leaves."""
        for port, t in d.outputs.items():
            if not isinstance(t, Tensor) or not t._requires_grad:
                continue
            gf = t._grad_fn
            if gf is not None:
                gf.metadata.setdefault(self._fkey, []).append((nid, port, t._output_nr))
                continue
            h = self._leaf_hooks.get(id(t))
            if h is None or h.ref() is not t:
                h = self._leaf_hooks[id(t)] = _LeafHook(t)
                t.register_hook(self._leaf_hook(h))
            h.targets.add((nid, port))

    def _mark_freed(self, fwd: list[str]) -> None:
        """Nodes whose saved tensors a backward freed must be recomputed before the next one."""
        done = self._done
        freed = [n for n in fwd if n in done and
                 any(gf._released and gf._had_saved for gf in done[n].grad_fns)]
        if freed:
            self._stale |= self.graph.downstream(freed)
        if len(self._leaf_hooks) > 2 * len(done) + 64:  # forget leaves no node shows any more
            self._leaf_hooks = {k: h for k, h in self._leaf_hooks.items()
                                if h.targets and h.ref() is not None}

    # ---- results -----------------------------------------------------------------------------
    def _result(self, nid: str) -> NodeResult:
        d = self._done.get(nid)
        if d is None:
            return NodeResult(nid, skipped="not run")
        r = NodeResult(nid, outputs=d.outputs, value=d.value, forward_ms=d.forward_ms,
                       backward_ms=self._bwd_ms.get(nid), saved_bytes=d.saved_bytes,
                       error=d.error, error_type=d.error_type, skipped=d.skipped)
        t = d.tensor
        if t is None:
            if d.value is None:  # a list output (split, unbind) is shown as the value
                r.value = next((v for v in d.outputs.values() if isinstance(v, (tuple, list))),
                               None)
            return r
        facts = d.facts
        if facts is None or facts[0] != t._vbox[0] or facts[3] is not t._grad_fn:
            gf = t._grad_fn
            nf = [(n.name() if n is not None else None, i) for n, i in gf.next_functions] \
                if gf is not None else []
            facts = d.facts = (t._vbox[0], *_nonfinite(t._data), gf, nf)
        version, r.has_nan, r.has_inf, gf, r.next_functions = facts
        r.tensor, r.version = t, version
        r.shape, r.dtype, r.device = tuple(t._data.shape), t._dtype.name, str(t._device)
        r.requires_grad, r.is_leaf = t._requires_grad, gf is None
        if gf is not None:
            r.grad_fn = gf.name()
        if not t._requires_grad:
            r.grad_note = "does not require grad"
        elif gf is not None and not t._retains_grad:
            r.grad_note = ("not a leaf: PyTorch keeps .grad only on leaves (reading it warns and "
                           "gives None); set retain_grad to keep it")
        else:
            r.grad = t._grad
            if r.grad is None:
                r.grad_note = "no gradient has reached it yet (run backward)"
        flows = self._flow.get(nid)
        if flows is not None:
            r.grad_flow = flows.get(d.port)
        g = r.grad if r.grad is not None else r.grad_flow
        if g is not None:
            gfacts = d.grad_facts
            if gfacts is None or gfacts[0] is not g or gfacts[1] != g._vbox[0]:
                gfacts = d.grad_facts = (g, g._vbox[0], *_nonfinite(g._data))
            r.grad_has_nan, r.grad_has_inf = gfacts[2], gfacts[3]
        return r

    # ---- queries and helpers for the GUI and train.py --------------------------------------
    def value(self, node_id: str, port: str = "out") -> Any:
        """A node's current output value on ``port`` (None if it has none)."""
        self._drain()
        d = self._done.get(node_id)
        return None if d is None else d.outputs.get(port)

    def leaves(self) -> list:
        """Every leaf tensor requiring grad that a node holds, once each, in run order."""
        out, seen = [], set()
        for nid in self.graph.topological_order():
            d = self._done.get(nid)
            if d is None:
                continue
            for t in d.outputs.values():
                if isinstance(t, Tensor) and t._requires_grad and t._grad_fn is None \
                        and id(t) not in seen:
                    seen.add(id(t))
                    out.append(t)
        return out

    def parameters(self, loss_node: str | None = None) -> list:
        """The leaves ``loss_node``'s tensor depends on (every leaf when None)."""
        if loss_node is None:
            return self.leaves()
        d = self._done.get(loss_node)
        return leaves_of([d.tensor]) if d is not None and d.tensor is not None else []

    def zero_grad(self) -> None:
        """Set ``.grad`` to None on every leaf the graph holds (PyTorch's set_to_none)."""
        for t in self.leaves():
            t.grad = None

    def params_changed(self, tensors: Iterable) -> None:
        """Tensors were changed in place (an optimizer step): recompute what reads them on the
        next run; the sources and parameters holding them keep their (new) values."""
        ids = {id(t) for t in tensors}
        if not ids:
            return
        owners = {nid for nid, d in self._done.items()
                  if any(id(v) in ids for v in d.outputs.values())}
        keep = {n for n in owners if not get_kind(self.graph.nodes[n].kind).inputs}
        self._stale |= self.graph.downstream(owners) - keep

    # ---- checking before running -------------------------------------------------------------
    def check(self) -> dict[str, str]:
        """Problems found before running, by shape/dtype inference: {node_id: message}.

        Nodes computed since their last edit contribute their actual shapes; the others are
        inferred with each op's ``infer`` (or the special kind's). Unknown inputs (a node that
        failed, an index by a tensor's values) leave what follows them unchecked."""
        self._drain()
        g = self.graph
        dev = self.device if not self._dev_key.startswith("!") else "cpu"
        incoming = self._incoming()
        specs: dict[tuple[str, str], Any] = {}
        msgs: dict[str, str] = {}
        for nid in g.topological_order():
            node, kind = g.nodes[nid], get_kind(g.nodes[nid].kind)
            d = self._done.get(nid)
            if nid not in self._stale and d is not None and not d.error and not d.skipped:
                for p, v in d.outputs.items():
                    if isinstance(v, Tensor):
                        specs[(nid, p)] = TensorSpec(tuple(v.shape), v.dtype, str(v.device))
                continue
            ins, problem = _input_specs(node, kind, incoming.get(nid, {}), specs)
            if problem:
                if problem is not True:
                    msgs[nid] = problem
                continue
            try:
                outs = _infer(node, kind, ins, dev)
            except Exception as e:  # noqa: BLE001 - reported on the node
                shapes = [_fmt_shape(s.shape) for v in ins.values()
                          for s in (v if isinstance(v, list) else [v]) if isinstance(s, TensorSpec)]
                msgs[nid] = (str(e) or type(e).__name__) + \
                    (f" (input shapes: {', '.join(shapes)})" if shapes else "")
                continue
            for p, s in outs.items():
                specs[(nid, p)] = s
        return msgs


class _NullContext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


_NULL = _NullContext()


def _nonfinite(a) -> tuple[bool, bool]:
    """(has NaN, has Inf) of an array; one cheap test when everything is finite."""
    if a.dtype.kind != "f" or a.size == 0:
        return False, False
    xp = backend.array_module(a)
    if bool(xp.isfinite(a).all()):
        return False, False
    return bool(xp.isnan(a).any()), bool(xp.isinf(a).any())


def _input_specs(node, kind: NodeKind, ports, specs) -> tuple[dict, Any]:
    """Input specs by port, or a problem: a message, or True when an input is unknown."""
    ins: dict[str, Any] = {}
    for p in kind.inputs:
        edges = ports.get(p.name)
        if not edges:
            if p.scalar_ok and node.attrs.get(p.name) is not None:
                ins[p.name] = node.attrs[p.name]
            elif not p.optional and not p.variadic:
                return ins, f"input '{p.name}' is not connected"
            continue
        vals = [specs.get((e.src, e.src_port)) for e in edges]
        if any(v is None for v in vals):
            return ins, True
        ins[p.name] = vals if p.variadic else vals[0]
    devs = {s.device for v in ins.values() for s in (v if isinstance(v, list) else [v])
            if isinstance(s, TensorSpec) and s.shape}
    if len(devs) > 1:
        a, b = sorted(devs)[:2]
        return ins, ("Expected all tensors to be on the same device, but found at least two "
                     f"devices, {a} and {b}!")
    return ins, None


def _infer(node, kind: NodeKind, ins: dict, dev: str) -> dict:
    """Output specs of a node from its input specs (op.infer, or the special kind's infer)."""
    op = kind.op
    if op is None:
        fn = kind.extra.get("infer")
        return fn(node, ins) if fn is not None else {}
    if op.family == "creation":
        attrs = dict(node.attrs)
        attrs["device"] = dev if attrs.get("device") in (None, "", "cpu") else attrs["device"]
        return {kind.outputs[0].name: op.infer([], attrs)[0]}
    if op.variadic:
        args = list(ins.get(op.inputs[0], []))
    else:
        args = [ins.get(n) for n in op.inputs]
        while args and args[-1] is None:
            args.pop()
    attrs = {a.name: node.attrs[a.name] for a in op.attrs if a.name in node.attrs}
    if any(a.kind == "index" and _uses_names(attrs.get(a.name)) for a in op.attrs):
        return {}  # an index by the tensor's values ("[x > 5]"): its shape is known when it runs
    outs = op.infer(args, attrs)
    if kind.inplace and args and isinstance(args[0], TensorSpec) and \
            tuple(outs[0].shape) != tuple(args[0].shape):
        raise RuntimeError(f"output with shape {_fmt_shape(args[0].shape)} doesn't match "
                           f"the broadcast shape {_fmt_shape(outs[0].shape)}")
    return {p.name: s for p, s in zip(kind.outputs, outs)}


_NAME = re.compile(r"[A-Za-z_]\w*")


def _uses_names(index) -> bool:
    """Whether an index written as text names a tensor ("[x[:, 2] > 5]")."""
    return isinstance(index, str) and any(
        w not in ("None", "True", "False") for w in _NAME.findall(index))


_CALLERS: dict[tuple[str, bool], Callable] = {}


def _caller(op, inplace: bool) -> Callable[[dict, dict], Any]:
    """How a registry op runs: its public function (PyTorch's signature) when that takes every
    input and attribute by name, else ``apply``/``apply_inplace`` on the OpDef."""
    key = (op.key, inplace)
    fn = _CALLERS.get(key)
    if fn is not None:
        return fn
    from .. import functional as F
    pub = getattr(F, op.name + ("_" if inplace else ""), None) if op.key == op.name else None
    if pub is not None and not op.variadic:
        try:
            params = inspect.signature(pub).parameters
        except (TypeError, ValueError):
            params = {}
        if all(n in params and params[n].kind in (params[n].POSITIONAL_OR_KEYWORD,
                                                  params[n].KEYWORD_ONLY)
               for n in (*op.inputs, *(a.name for a in op.attrs))):
            def fn(inputs: dict, attrs: dict):
                return pub(**inputs, **attrs)
    if fn is None:
        run = apply_inplace if inplace else apply

        def fn(inputs: dict, attrs: dict):
            if op.variadic:
                return run(op, tuple(inputs.get(op.inputs[0], ())), attrs)
            operands = [inputs.get(n) for n in op.inputs]
            while operands and operands[-1] is None:
                operands.pop()
            return run(op, tuple(operands), attrs)
    _CALLERS[key] = fn
    return fn
