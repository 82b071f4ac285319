"""Execution: run the PyTorch program a graph spells and keep, per node, what the panels show.

Public API (the GUI, ``gradlab run`` and :mod:`engine.graph.train` use exactly this)::

    ex = Executor(graph, redraw_on_edit=True)   # follows graph events; ex.close() stops
    res = ex.run(backward=False, device="cpu", nodes=None, progress=None, cancel=None,
                 step=False, backward_from=None)            # -> RunResult
    ex.check() -> {node_id: message}   # shape/dtype/device/unconnected problems, nothing runs
    ex.zero_grad()                     # .grad = None on every leaf the graph holds
    ex.leaves() -> [Tensor]            # leaf tensors requiring grad, in run order
    ex.parameters(loss_node=None)      # the leaves a node's tensor depends on (all: None)
    ex.params_changed(tensors)         # after changing tensors in place (an optimizer step)
    ex.invalidate(node_ids=None)       # force a recompute (None: every node)
    ex.reset()                         # forget all values; random ones are drawn anew
    ex.draw                            # 0 until reset(): which numbers random nodes draw
    ex.node_rng(node_id)               # the generator a random node draws from
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
- Random numbers: a random source, parameter or layer without a ``seed`` attribute draws from
  its own generator (``ex.node_rng``: ``special.node_rng`` of its node id, ``draw`` and, with
  ``redraw_on_edit``, how many times its attributes were edited), never from the global
  sequence: its numbers do not depend on which nodes ran before it, so ``gradlab run``, export
  and the app agree. ``redraw_on_edit=True`` (the default) draws new numbers after every edit
  of the node, as re-running ``torch.randn`` would; ``False`` (the app) makes them follow the
  graph: the same attributes give the same numbers, so an undone edit shows the old numbers
  again and they are those ``gradlab run`` prints for the saved file. ``draw`` is 0 for a new
  executor and after the graph is replaced (a file opened); ``reset()`` moves to the next.
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
autograd.grad's tuple, an optimizer step's summary). The NaN/Inf flags, ``next_functions``
and ``grad_flow`` are worked out from the run's data when first read, then kept (what a node
held at that moment: read them before changing its tensor in place).

Op nodes call the op's public function by keyword (``engine.mul(input=x, other=y)``) when it
takes every input and attribute by name, else run the OpDef through ``apply``; an unconnected
number port (``other`` of add) takes the attribute of the same name. One call at a time: do
not run, check or edit the graph from another thread while ``run`` is in progress (graph
events are queued and applied at the start of the next run or check). Per-node call plans
(inputs by port, the function, constant attributes) and the run order are worked out once per
graph change, not per run (engine/graph/runplan.py holds them and the other internals).
"""
from __future__ import annotations

import collections
from typing import Any, Callable, Iterable

from .. import backend
from .._device import CPU
from ..autograd import graph as _ag
from ..autograd.graph import _RELEASED, add_tracer, remove_tracer
from ..autograd.grad_mode import no_grad, set_grad_enabled
from ..ops.registry import TensorSpec
from ..tensor import Tensor, _wrap
from .kinds import NodeKind, get_kind
from .model import Graph
from .result import RunResult
from .runplan import (_NOT_DONE, _NULL, _PHASES, _SOURCE, _SPECIAL, _caller, _created, _Done,
                      _fmt_shape, _gather, _infer, _input_specs, _LeafHook, _new_done, _perf,
                      _Plan, _result, _saved_bytes, _Topo, _walk, phase_of)
from .special import NodeContext, drawing_from, leaves_of, node_rng

__all__ = ["Executor", "phase_of"]


class Executor:
    """Runs a Graph as the PyTorch program it spells, incrementally, keeping per-node results."""

    def __init__(self, graph: Graph, redraw_on_edit: bool = True) -> None:
        self.graph = graph
        self.redraw_on_edit = redraw_on_edit
        self._edits: dict[str, int] = {}  # node -> attribute edits (with redraw_on_edit)
        self.last_result: RunResult | None = None
        self.device = "cpu"
        self.draw = 0  # which numbers random nodes draw (node_rng); reset() moves on
        self._dev_key = "cpu"
        self._done: dict[str, _Done] = {}
        self._state: dict[str, dict] = {}
        self._stale: set[str] = set(graph.nodes)
        self._events: collections.deque = collections.deque()
        self._topo: _Topo | None = None
        self._plans: dict[str, _Plan] = {}
        # while backward runs (built from _Done.grad_fns / flow_fn when it starts): grad_fn ->
        # the node whose forward made it (backward_ms); grad_fn -> [(node, output_nr)] whose
        # incoming gradient is that node's grad_flow
        self._owner: dict[Any, str] = {}
        self._flow_at: dict[Any, list] = {}
        self._armed: list = []  # pre-hook handles on grad_fns that will refuse to run
        self._saving_fns: list = []  # flow-carrying grad_fns that saved arrays
        self._leaf_hooks: dict[int, _LeafHook] = {}
        self._flow: dict[str, list] = {}  # node -> [array, device, Tensor or None]
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
        plans = self._plans
        while self._events:
            ev = self._events.popleft()
            d, t = ev.data, ev.type
            if t == "reset":
                self._forget_all()
                self.draw = 0  # another graph: the numbers gradlab run draws for it
                self._edits.clear()
                self._topo = None
                plans.clear()
            elif t == "node_added":
                seeds.add(d["node"].id)
                self._topo = None
            elif t == "node_removed":
                nid = d["node"].id
                self._drop(nid)
                self._state.pop(nid, None)
                self._stale.discard(nid)
                plans.pop(nid, None)
                self._topo = None
            elif t == "node_changed" and d.get("field") != "label":
                if d.get("field") == "attrs":
                    nid = d["node"].id
                    self._state.pop(nid, None)
                    plans.pop(nid, None)
                    if self.redraw_on_edit:
                        self._edits[nid] = self._edits.get(nid, 0) + 1
                seeds.add(d["node"].id)
            elif t in ("edge_added", "edge_removed"):
                e = d["edge"]
                seeds.add(e.dst)
                w = self._done.get(e.dst, _NOT_DONE).wrote
                if t == "edge_removed" and w is not None and w == e.dst_port:
                    seeds.update(self._written(e.src))  # undo what an in-place node wrote
                plans.pop(e.dst, None)
                self._topo = None
            elif t in ("frame_added", "frame_removed", "frame_changed"):
                seeds.update(d["frame"].members)
                seeds.update(d.get("old", {}).get("members", ()))
                self._topo = None
        if seeds:
            seeds &= self.graph.nodes.keys()
            if seeds:
                self._stale |= self._topology().downstream(seeds)

    def _written(self, src: str) -> list[str]:
        """The nodes whose kept values an in-place write into ``src``'s tensor changed: it and
        the producers it is a view of."""
        out, g = [], self.graph
        while src is not None and src in g.nodes:
            out.append(src)
            kind = get_kind(g.nodes[src].kind)
            if not self._done.get(src, _NOT_DONE).aliases or not kind.inputs:
                break
            edges = g.inputs_of(src).get(kind.inputs[0].name)
            src = edges[0].src if edges else None
        return out

    def _topology(self) -> _Topo:
        """The cached run order, edges by port and phases (rebuilt after structural edits)."""
        topo = self._topo
        if topo is None or not topo.valid_for(self.graph):
            if topo is not None:  # changed without events: trust nothing cached
                self._plans.clear()
            topo = self._topo = _Topo(self.graph)
        return topo

    def invalidate(self, node_ids: Iterable[str] | None = None) -> None:
        """Recompute these nodes and their downstream on the next run (None: every node)."""
        self._drain()
        if node_ids is None:
            self._stale = set(self.graph.nodes)
        else:
            ids = set(node_ids) & self.graph.nodes.keys()
            self._stale |= self._topology().downstream(ids)

    def reset(self) -> None:
        """Forget every value and state: sources and parameters are made again on the next run,
        random ones with new numbers (the next ``draw``)."""
        self._drain()
        self._forget_all()
        self.draw += 1

    def node_rng(self, node_id: str):
        """The generator node ``node_id`` draws its random numbers from (this ``draw``)."""
        return node_rng(node_id, self.draw, self._edits.get(node_id, 0))

    def _forget_all(self) -> None:
        for nid in list(self._done):
            self._drop(nid)
        self._state.clear()
        self._flow.clear()
        self._stale = set(self.graph.nodes)

    def _drop(self, nid: str) -> None:
        """Forget a node's last computation (its outputs, flow targets, flows, timings)."""
        d = self._done.pop(nid, None)
        if d is not None:
            if d.flow_hook is not None:
                d.flow_hook.targets.discard(nid)
        self._flow.pop(nid, None)
        self._bwd_ms.pop(nid, None)

    # ---- the backward tracer (engine.autograd.graph.add_tracer), on during backward --------
    def on_backward(self, node, grads_out, grads_in, ms: float) -> None:
        nid = self._owner.get(node)
        if nid is not None:
            b = self._bwd_ms
            b[nid] = b.get(nid, 0.0) + ms
        if self._capturing:
            lst = self._flow_at.get(node)
            if lst is not None:
                flows = self._flow
                for nid, nr in lst:
                    g = grads_out[nr]
                    if g is not None:
                        prev = flows.get(nid)
                        flows[nid] = [g if prev is None else prev[0] + g, node._dev, None]

    def _trace_maps(self) -> None:
        """grad_fn -> its node, and grad_fn -> the nodes whose flow it carries, for the
        tracer while backward runs."""
        owner: dict[Any, str] = {}
        flow_at: dict[Any, list] = {}
        saving: list = []  # grad_fns that saved arrays (backward may refuse them)
        for nid, d in self._done.items():
            fns = d.grad_fns
            if fns:
                for gf in fns:
                    owner[gf] = nid
                if d.saving:
                    saving.extend(fns)
            gf = d.flow_fn
            if gf is not None:
                lst = flow_at.get(gf)
                if lst is None:
                    flow_at[gf] = [(nid, d.flow_nr)]
                else:
                    lst.append((nid, d.flow_nr))
        self._owner, self._flow_at = owner, flow_at
        self._saving_fns = [gf for gf in saving if gf._had_saved and gf in flow_at]

    def _capture(self, on: bool) -> None:
        """Start or stop capturing flows (around one backward). A grad_fn that will refuse to
        run (saved tensors freed or changed in place) never reaches the tracer, but the
        gradient did flow into it (PyTorch's tensor hooks see it): a pre-hook on each such
        grad_fn catches it."""
        self._capturing = on
        for h in self._armed:
            h.remove()
        self._armed = []
        if not on:
            return
        for gf in self._saving_fns:
            if gf._saved is _RELEASED or gf._saved_checks and \
                    any(c[0][0] != c[1] for c in gf._saved_checks):
                self._armed.append(gf.register_prehook(self._doomed_hook(gf)))

    def _doomed_hook(self, gf):
        def hook(grads):
            for nid, nr in self._flow_at.get(gf, ()):
                g = grads[nr]
                if g is not None:
                    self._add_flow(nid, g._data, g._device)
        return hook

    def _add_flow(self, nid: str, g, dev) -> None:
        prev = self._flow.get(nid)
        self._flow[nid] = [g if prev is None else prev[0] + g, dev, None]

    def _leaf_hook(self, h: _LeafHook):
        def hook(grad):
            if self._capturing:
                for nid in h.targets:
                    self._add_flow(nid, grad._data, grad._device)
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
        topo = self._topology()
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
        order = topo.order
        res.order = list(order)
        phase = topo.phase
        wanted = self._upstream(nodes, topo.incoming) if nodes is not None else None
        fwd = topo.fwd if wanted is None else [n for n in topo.fwd if n in wanted]
        todo = self._to_compute(fwd, topo)
        actions = [n for ph in _PHASES[1:] if (backward if ph != "step" else step)
                   for n in topo.by_phase[ph] if wanted is None or n in wanted]
        env = (topo, dev, dev_error)
        count = [0, len(todo) + len(actions)]
        cancelled = False
        plans, stale, recomputed = self._plans, self._stale, res.recomputed
        compute, compute_op, no_grad_nodes = self._compute, self._compute_op, topo.no_grad
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
                    plan = plans.get(nid)
                    if plan is None:
                        plan = self._plan(nid, topo)
                    if plan.fast and nid not in no_grad_nodes:
                        compute_op(plan, dev)
                    else:
                        compute(plan, env)
                    stale.discard(nid)
                    recomputed.append(nid)
                    count[0] += 1
                    if progress is not None:
                        progress(count[0], count[1])
                timer.stop()
                res.forward_ms = timer.elapsed_ms()  # on a GPU: the one synchronize
                if timer.gpu:
                    self._read_gpu_timers(recomputed)
                if not cancelled and (backward or step):
                    cancelled = self._actions(res, actions, env, order, phase, backward,
                                              backward_from, progress, cancel, count)
        finally:
            self._capture(False)
        if cancelled:
            res.log.append(("warning", None, "run cancelled"))
        self._mark_freed(wanted)
        done, flows, bwd = self._done, self._flow, self._bwd_ms
        res.nodes = {nid: _result(nid, done.get(nid), flows, bwd) for nid in order}
        self.last_result = res
        return res

    def _read_gpu_timers(self, nids) -> None:
        """Turn the nodes' CUDA-event timers into milliseconds (events already complete)."""
        done = self._done
        for nid in nids:
            d = done.get(nid)
            if d is not None and isinstance(d.forward_ms, backend.Timer):
                d.forward_ms = d.forward_ms.elapsed_ms(sync=False)

    def on_backward_time(self, node, ms: float) -> None:
        """A VJP's CUDA-event time, delivered after backward's single synchronize."""
        nid = self._owner.get(node)
        if nid is not None:
            self._bwd_ms[nid] = self._bwd_ms.get(nid, 0.0) + ms

    def _plan(self, nid: str, topo: _Topo) -> _Plan:
        p = self._plans[nid] = _Plan(nid, self.graph.nodes[nid], topo.kinds[nid],
                                     topo.incoming.get(nid), _caller)
        return p

    @staticmethod
    def _progress(progress, count: list) -> None:
        count[0] += 1
        if progress is not None:
            progress(count[0], count[1])

    def _actions(self, res: RunResult, actions, env, order, phase, backward, backward_from,
                 progress, cancel, count) -> bool:
        """zero_grad, backward and step nodes, in that order; returns whether it was cancelled."""
        timer = backend.Timer(env[1].type)
        timer.start()
        if backward:
            self._flow.clear()
            self._bwd_ms.clear()
        bw_nodes = [n for n in actions if phase[n] == "backward"]
        implicit = backward and (backward_from is not None or not bw_nodes)
        self._trace_maps()
        add_tracer(self)
        try:
            cancelled = self._run_actions(res, actions, env, order, phase, backward_from,
                                          progress, cancel, count, implicit)
        finally:
            remove_tracer(self)
            self._owner, self._flow_at, self._saving_fns = {}, {}, []  # hold no grad_fn
        timer.stop()
        res.backward_ms = timer.elapsed_ms()
        return cancelled

    def _run_actions(self, res, actions, env, order, phase, backward_from, progress, cancel,
                     count, implicit) -> bool:
        topo = env[0]
        for nid in actions:
            if implicit and phase[nid] == "step":
                self._implicit_backward(res, order, phase, backward_from)
                implicit = False
            if phase[nid] == "backward" and backward_from is not None:
                continue
            if cancel is not None and cancel():
                return True
            self._capture(phase[nid] == "backward")
            self._compute(self._plans.get(nid) or self._plan(nid, topo), env)
            self._capture(False)
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
        self._capture(True)
        try:
            t.backward()
            res.backward_ran = True
        except Exception as e:  # noqa: BLE001 - a user's graph error, reported
            res.log.append(("error", nid, f"backward from {label} failed: {e}"))
        finally:
            self._capture(False)

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

    def _to_compute(self, fwd: list[str], topo: _Topo) -> list[str]:
        """Forward nodes to (re)compute, in order: stale ones, the producers an in-place node
        writes into (through views, so it never writes twice into kept values), and all that
        is downstream of them."""
        stale, done, kinds, incoming = self._stale, self._done, topo.kinds, topo.incoming
        need = {n for n in fwd if n in stale or n not in done}
        oom = [n for n in fwd if n in done and done[n].error_type == "OutOfMemoryError"]
        if oom:  # out of memory last time: try again, with all it feeds
            need |= topo.downstream(oom) & set(fwd)
        if not need:
            return []
        fset = None
        while True:
            extra = set()
            for n in need:
                if not kinds[n].inplace:
                    continue
                if fset is None:
                    fset = set(fwd)
                cur = n
                while cur is not None:
                    edges = incoming.get(cur, {}).get(kinds[cur].inputs[0].name)
                    src = edges[0].src if edges else None
                    if src is None or src not in fset:
                        break
                    if src not in need:
                        extra.add(src)
                    cur = src if done.get(src, _NOT_DONE).aliases and kinds[src].inputs \
                        else None
            if not extra:
                break
            need = topo.downstream(need | extra) & fset
        if len(need) == len(fwd):
            return list(fwd)
        return [n for n in fwd if n in need]

    @staticmethod
    def _resolve_device(device):
        from .._device import canonical
        try:
            return canonical(device), None
        except Exception as e:  # noqa: BLE001 - an unusable device is reported, not raised
            return CPU, str(e)

    def _compute(self, plan: _Plan, env) -> None:
        """Compute one node into ``self._done[nid]``; errors stay on the node."""
        topo, dev, dev_error = env
        nid = plan.nid
        if plan.fast and nid not in topo.no_grad:
            return self._compute_op(plan, dev)
        done = self._done
        if nid in done:
            self._drop(nid)
        d = done[nid] = _Done()
        inputs = _gather(plan, done, d) if plan.ports else {}
        if d.skipped is not None or d.error is not None:
            return
        if dev_error is not None and not plan.has_inputs:
            d.error, d.error_type = dev_error, "RuntimeError"
            return
        ctx = None
        mode = plan.mode
        gpu = dev.type != "cpu"
        if gpu:
            timer = backend.Timer(dev.type)
            timer.start()
        s0 = next(_ag._seq)  # grad_fns made from here on are this node's
        t0 = _perf()
        try:
            with no_grad() if nid in topo.no_grad else _NULL:
                if mode == _SPECIAL:
                    ctx = NodeContext(plan.node, plan.kind, inputs, dev,
                                      self._state.setdefault(nid, {}), self)
                    outs = plan.kind.extra["run"](ctx)
                elif mode == _SOURCE:
                    outs = self._run_source(plan.node, plan.kind, dev)
                else:
                    out = plan.call(inputs, plan.attrs)
                    outs = {plan.port: out} if plan.port is not None \
                        else dict(zip(plan.outs, out))
            t = self._first_tensor(plan, outs, inputs, d)
        except Exception as e:  # noqa: BLE001 - the node's error, as PyTorch words it
            self._fail(d, e, dev, inputs)
            self._log.append(("error", nid, f"{plan.node.label}: {d.error}"))
            return
        finally:
            if gpu:
                timer.stop()
        elapsed = (_perf() - t0) * 1000.0
        d.forward_ms = timer if gpu else elapsed  # a GPU timer is read after the run's sync
        d.outputs = outs
        if ctx is not None:
            d.value, d.updated = ctx.value, ctx.updated
        if len(outs) == 1:
            self._register(nid, d, t, s0)
        else:
            self._register(nid, d, t, s0, _created(outs, s0))

    def _compute_op(self, plan: _Plan, dev) -> None:
        """``_compute`` for the usual node: a registry op with one output port, each input
        fed by one edge or a number, outside no_grad frames."""
        nid = plan.nid
        done = self._done
        old = done.pop(nid, None)
        if old is not None:  # _drop, inline
            if old.flow_hook is not None:
                old.flow_hook.targets.discard(nid)
            self._flow.pop(nid, None)
            self._bwd_ms.pop(nid, None)
        d = done[nid] = _new_done()
        inputs = dict(plan.consts) if plan.consts else {}
        for name, src, sport, optional, failed in plan.simple:
            s = done.get(src)
            if s is None or s.error or s.skipped:
                d.outputs, d.skipped = {}, failed
                return
            v = s.outputs.get(sport)
            if v is None:
                if optional:
                    continue
                d.outputs, d.skipped = {}, f"input '{name}' has no value"
                return
            inputs[name] = v
        gpu = dev.type != "cpu"
        if gpu:
            timer = backend.Timer(dev.type)
            timer.start()
        s0 = next(_ag._seq)  # grad_fns made from here on are this node's
        t0 = _perf()
        try:
            pub = plan.public
            if pub is None:
                t = plan.call(inputs, plan.attrs)
            elif plan.attrs:
                t = pub(**inputs, **plan.attrs)
            else:
                t = pub(**inputs)
            d.outputs = {plan.port: t}
            if isinstance(t, Tensor):
                d.tensor, d.port = t, plan.port
                d.aliases = t._base is not None or plan.inplace or t is inputs.get(plan.first_in)
                if plan.inplace:
                    d.wrote = plan.first_in
                node = plan.node
                if node.requires_grad or node.retain_grad:
                    self._flags(plan, t)
            else:
                t = None
        except Exception as e:  # noqa: BLE001 - the node's error, as PyTorch words it
            d.outputs = {}
            self._fail(d, e, dev, inputs)
            self._log.append(("error", nid, f"{plan.node.label}: {d.error}"))
            return
        finally:
            if gpu:
                timer.stop()
        d.forward_ms = timer if gpu else (_perf() - t0) * 1000.0  # GPU: read after the sync
        if t is None:
            return
        gf = t._grad_fn  # _register, inline
        if gf is None:
            if t._requires_grad:
                self._leaf_flow(nid, d, t)
            return
        d.flow_fn = gf
        if t._output_nr:
            d.flow_nr = t._output_nr
        if gf.seq > s0:
            for nx, _ in gf.next_functions:
                if nx is not None and nx.seq > s0 and nx.op is not None:
                    fns = _walk([gf], s0)
                    break
            else:
                fns = [gf]
            d.grad_fns = fns
            for gf in fns:
                if gf._had_saved:
                    saved = gf._saved
                    n = len(saved)
                    d.saved_bytes += int(getattr(saved[0], "nbytes", 0)) \
                        if n == 1 or n == 2 and saved[0] is saved[1] else _saved_bytes(saved)
                    d.saving = True

    def _register(self, nid: str, d: _Done, t, s0: int, fns=None) -> None:
        """Note the grad_fns a node's forward made (backward_ms and saved_bytes are theirs)
        and where the gradient flowing into its tensor will be seen: the tracer's
        on_backward for a computed tensor, a hook for a leaf."""
        if fns is None:  # one output: its chain
            gf = t._grad_fn if t is not None else None
            fns = _walk([gf], s0) if gf is not None and gf.seq > s0 else ()
        if fns:
            d.grad_fns = fns
            for gf in fns:
                if gf._had_saved:
                    d.saved_bytes += _saved_bytes(gf._saved)
                    d.saving = True
        if t is not None and t._requires_grad:
            gf = t._grad_fn
            if gf is not None:
                d.flow_fn = gf
                if t._output_nr:
                    d.flow_nr = t._output_nr
            else:
                self._leaf_flow(nid, d, t)

    def _leaf_flow(self, nid: str, d: _Done, t) -> None:
        """The gradient reaching leaf ``t`` is seen by a hook on it (one per leaf)."""
        h = self._leaf_hooks.get(id(t))
        if h is None or h.ref() is not t:
            h = self._leaf_hooks[id(t)] = _LeafHook(t)
            t.register_hook(self._leaf_hook(h))
        h.targets.add(nid)
        d.flow_hook = h

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
            with drawing_from(self.node_rng(node.id)):  # the node's own numbers
                t = create(kind.op, {**attrs, "device": str(target)})
        elif t.device != target:
            t = _wrap(backend.to_device(backend.to_host(t._data), target.type, target.index),
                      target)
        st["tensor"] = t
        out = _wrap(t._data.copy(), t.device)
        if rg:
            out.requires_grad_(True)
        return {kind.outputs[0].name if kind.outputs else "out": out}

    def _first_tensor(self, plan: _Plan, outs: dict, inputs: dict, d: _Done):
        """Find the node's first tensor output and apply its requires_grad/retain_grad flags;
        returns that tensor (None if there is none)."""
        for name in plan.outs:
            t = outs.get(name)
            if isinstance(t, Tensor):
                d.tensor, d.port = t, name
                break
        else:
            return None
        d.aliases = t._base is not None or plan.inplace or \
            (plan.first_in is not None and t is inputs.get(plan.first_in))
        if plan.inplace:
            d.wrote = plan.first_in
        self._flags(plan, t)
        return t

    def _flags(self, plan: _Plan, t) -> None:
        """The node's requires_grad and retain_grad flags, applied to its tensor."""
        node = plan.node
        if node.requires_grad and not t._requires_grad and t._grad_fn is None and plan.has_inputs:
            t.requires_grad_(True)
        if node.retain_grad:
            if t._requires_grad:
                t.retain_grad()
            else:
                self._log.append(("warning", plan.nid, f"{node.label}: retain_grad is set but "
                                                       "the tensor does not require grad"))

    def _mark_freed(self, wanted: set[str] | None) -> None:
        """Nodes whose saved tensors a backward freed must be recomputed before the next one."""
        freed = []
        for n, d in self._done.items():
            if d.saving and (wanted is None or n in wanted):
                for gf in d.grad_fns:
                    if gf._saved is _RELEASED:
                        freed.append(n)
                        break
        if freed:
            self._stale |= self._topology().downstream(freed)
        if len(self._leaf_hooks) > 2 * len(self._done) + 64:  # forget leaves no node shows
            self._leaf_hooks = {k: h for k, h in self._leaf_hooks.items()
                                if h.targets and h.ref() is not None}

    # ---- queries and helpers for the GUI and train.py --------------------------------------
    def value(self, node_id: str, port: str = "out") -> Any:
        """A node's current output value on ``port`` (None if it has none)."""
        self._drain()
        d = self._done.get(node_id)
        return None if d is None else d.outputs.get(port)

    def leaves(self) -> list:
        """Every leaf tensor requiring grad that a node holds, once each, in run order."""
        topo = self._topo
        order = topo.order if topo is not None and topo.valid_for(self.graph) \
            else self.graph.topological_order()
        out, seen = [], set()
        for nid in order:
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
        topo = self._topology()
        dev = self.device if not self._dev_key.startswith("!") else "cpu"
        incoming = topo.incoming
        specs: dict[tuple[str, str], Any] = {}
        msgs: dict[str, str] = {}
        for nid in topo.order:
            node, kind = g.nodes[nid], topo.kinds[nid]
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
