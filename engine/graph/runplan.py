"""The executor's internals (engine/graph/execute.py is the public face): per-node call plans
and the graph's shape worked out once per edit, what computing a node leaves (``_Done``), the
per-node helpers, the NodeResult whose derived fields are filled in when read, the inference
behind ``Executor.check`` and how a registry op is called.
"""
from __future__ import annotations

import inspect
import re
import time
import weakref
from typing import Any, Callable, Iterable

import numpy as np

from .. import backend
from .._device import CPU
from ..autograd.graph import apply, apply_inplace
from ..ops.registry import TensorSpec
from ..tensor import Tensor, _wrap
from .kinds import NodeKind, get_kind
from .model import Graph
from .result import NodeResult

_PHASES = ("forward", "zero_grad", "backward", "step")
_OP, _SOURCE, _SPECIAL = 0, 1, 2  # how a node runs (_Plan.mode)
_UNCONNECTED, _EMPTY = object(), object()  # an unconnected port: an error / an empty list
_perf = time.perf_counter


class _Done:
    """What computing one node left: outputs (or why there are none) and forward facts.
    Class attributes are the defaults, so a fresh one costs one empty dict."""

    tensor: Any = None  # the first tensor output, and its port
    port: str | None = None
    value: Any = None
    error: str | None = None
    error_type: str | None = None
    skipped: str | None = None
    forward_ms: float | None = None
    saved_bytes = 0
    grad_fns: tuple | list = ()  # grad_fns its forward created
    saving = False  # some of them saved arrays (a backward may free them)
    updated: tuple | list = ()  # tensors an optimizer step changed
    aliases = False  # its tensor shares storage with an input (a view, in-place, detach)
    wrote: str | None = None  # an in-place node: the input port it wrote into
    flow_fn = None  # its tensor's grad_fn at forward time (the flow into it is the node's)
    flow_nr = 0  # and the tensor's output_nr there
    flow_hook = None  # or the _LeafHook of its tensor (a leaf)
    facts: tuple | None = None  # (grad_fn, next_functions names)
    vfacts: tuple | None = None  # (version, has_nan, has_inf, array) of the tensor
    gfacts: tuple | None = None  # (grad array, version, nan, inf) of the grad or flow

    def __init__(self) -> None:
        self.outputs: dict[str, Any] = {}


def _new_done() -> _Done:
    """A _Done whose ``outputs`` the caller sets (no __init__ call)."""
    return object.__new__(_Done)


_NOT_DONE = _Done()


class _LeafHook:
    """The gradient hook on one leaf tensor; the nodes that show that tensor."""

    __slots__ = ("ref", "targets")

    def __init__(self, t) -> None:
        self.ref = weakref.ref(t)
        self.targets: set[str] = set()


class _Plan:
    """How one node runs, worked out once per graph change: where each input comes from, the
    function to call and its constant attributes."""

    __slots__ = ("nid", "node", "kind", "mode", "ports", "simple", "consts", "call", "attrs",
                 "public", "outs", "port", "first_in", "inplace", "has_inputs", "fast")

    def __init__(self, nid: str, node, kind: NodeKind, incoming: dict | None,
                 caller: Callable) -> None:
        self.nid, self.node, self.kind = nid, node, kind
        op = kind.op
        self.mode = _SPECIAL if op is None else (_SOURCE if kind.key.startswith("source:") else _OP)
        self.inplace = kind.inplace
        self.has_inputs = bool(kind.inputs)
        self.first_in = kind.inputs[0].name if kind.inputs else None
        self.outs = tuple(p.name for p in kind.outputs)
        self.port = self.outs[0] if len(self.outs) == 1 else None  # the one output port
        ports = []
        na = node.attrs
        for p in kind.inputs:
            edges = incoming.get(p.name) if incoming else None
            if edges:
                ports.append((p.name, tuple((e.src, e.src_port) for e in edges), p.variadic,
                              p.optional, None))
            elif p.scalar_ok and na.get(p.name) is not None:
                ports.append((p.name, None, False, False, na[p.name]))
            elif p.variadic and not p.optional:
                ports.append((p.name, None, True, False, _EMPTY))
            elif not p.optional and not p.variadic:
                ports.append((p.name, None, False, False, _UNCONNECTED))
        self.ports = tuple(ports)
        # the usual case: each port fed by one edge or a number -> (port, src, src port), consts
        self.simple = self.consts = None
        if all(srcs is None and c is not _UNCONNECTED and c is not _EMPTY or
               srcs is not None and len(srcs) == 1 and not var for _, srcs, var, _, c in ports):
            self.simple = tuple((n, srcs[0][0], srcs[0][1], opt, f"input '{n}' failed")
                                for n, srcs, _, opt, _ in ports if srcs is not None)
            self.consts = {n: c for n, srcs, _, _, c in ports if srcs is None}
        if self.mode == _OP:
            self.attrs = {a.name: na[a.name] for a in op.attrs if a.name in na}
            self.call = caller(op, kind.inplace)
            self.public = getattr(self.call, "public", None)
        else:
            self.attrs = self.call = self.public = None
        self.fast = self.mode == _OP and self.simple is not None and self.port is not None


class _Topo:
    """The graph's shape, worked out once per structural change (nodes, edges, frames)."""

    __slots__ = ("nodes", "n_edges", "order", "incoming", "succ", "kinds", "phase", "fwd",
                 "by_phase", "no_grad")

    def __init__(self, g: Graph) -> None:
        self.nodes, self.n_edges = g.nodes, len(g.edges)
        self.order = g.topological_order()
        incoming: dict[str, dict[str, list]] = {}
        succ: dict[str, list[str]] = {}
        for e in sorted(g.edges.values(), key=lambda e: e.index):
            incoming.setdefault(e.dst, {}).setdefault(e.dst_port, []).append(e)
            succ.setdefault(e.src, []).append(e.dst)
        self.incoming, self.succ = incoming, succ
        self.kinds = {nid: get_kind(g.nodes[nid].kind) for nid in self.order}
        self.phase = {nid: phase_of(k) for nid, k in self.kinds.items()}
        self.by_phase = {ph: [n for n in self.order if self.phase[n] == ph] for ph in _PHASES}
        self.fwd = self.by_phase["forward"]
        self.no_grad = frozenset(m for f in g.frames.values() if f.no_grad for m in f.members)

    def valid_for(self, g: Graph) -> bool:
        return self.nodes is g.nodes and len(self.order) == len(g.nodes) \
            and self.n_edges == len(g.edges)

    def downstream(self, node_ids: Iterable[str]) -> set[str]:
        succ = self.succ
        out = set(node_ids)
        stack = list(out)
        while stack:
            for m in succ.get(stack.pop(), ()):
                if m not in out:
                    out.add(m)
                    stack.append(m)
        return out


def phase_of(kind: NodeKind) -> str:
    """When a node of this kind runs: 'forward', 'zero_grad', 'backward' or 'step'."""
    return kind.extra.get("phase", "forward") if kind.op is None else "forward"


def _fmt_shape(shape) -> str:
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


class _NullContext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


_NULL = _NullContext()


# ---- the per-node path ---------------------------------------------------------------------
def _gather(plan: _Plan, done: dict, d: _Done) -> dict:
    """The node's inputs by port; sets ``d.skipped``/``d.error`` when it cannot run."""
    inputs: dict[str, Any] = {}
    for name, srcs, variadic, optional, const in plan.ports:
        if srcs is None:  # unconnected
            if const is _UNCONNECTED:
                d.error, d.error_type = f"input '{name}' is not connected", "GraphError"
            elif const is _EMPTY:
                inputs[name] = []
            else:
                inputs[name] = const
            continue
        if not variadic and len(srcs) == 1:
            src, sport = srcs[0]
            s = done.get(src)
            if s is None or s.error or s.skipped:
                d.skipped = f"input '{name}' failed"
                return inputs
            v = s.outputs.get(sport)
            if v is None:
                if optional:
                    continue
                d.skipped = f"input '{name}' has no value"
                return inputs
            inputs[name] = v
            continue
        vals = []
        for src, sport in srcs:
            s = done.get(src)
            if s is None or s.error or s.skipped:
                d.skipped = f"input '{name}' failed"
                return inputs
            v = s.outputs.get(sport)
            if v is None:
                if optional and not variadic:
                    break
                d.skipped = f"input '{name}' has no value"
                return inputs
            if variadic and isinstance(v, (tuple, list)):
                vals.extend(v)  # a list output (split, unbind) feeding cat's tensors
            else:
                vals.append(v)
        else:
            inputs[name] = vals if variadic else vals[0]
    return inputs


def _created(outs: dict, s0: int) -> list:
    """The grad_fns made since sequence number ``s0`` that the outputs' chains reach."""
    stack = [t._grad_fn for t in outs.values()
             if isinstance(t, Tensor) and t._grad_fn is not None and t._grad_fn.seq > s0]
    return _walk(stack, s0) if stack else []


def _walk(stack: list, s0: int) -> list:
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


def _saved_bytes(saved) -> int:
    """Memory held by a grad_fn's saved arrays (each array once)."""
    if len(saved) == 1:
        return int(getattr(saved[0], "nbytes", 0))
    seen, total = set(), 0
    for a in saved:
        if hasattr(a, "nbytes") and id(a) not in seen:
            seen.add(id(a))
            total += int(a.nbytes)
    return total


# ---- results -----------------------------------------------------------------------------------
_NOT_LEAF = ("not a leaf: PyTorch keeps .grad only on leaves (reading it warns and gives None); "
             "set retain_grad to keep it")
_NO_GRAD_YET = "no gradient has reached it yet (run backward)"
_MISSING = object()


class _Lazy:
    """A NodeResult field worked out when first read, then kept; assignable like a field."""

    __slots__ = ("name", "fn")

    def __init__(self, fn: Callable) -> None:
        self.fn, self.name = fn, ""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, obj, cls=None):
        if obj is None:
            return self
        v = obj.__dict__.get(self.name, _MISSING)
        if v is _MISSING:
            v = obj.__dict__[self.name] = self.fn(obj.__dict__)
        return v

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.name] = value


def _next_functions(r: dict) -> list:
    d, gf = r["_done"], r["_gf"]
    facts = d.facts
    if facts is None or facts[0] is not gf:
        nf = [(n.name() if n is not None else None, i) for n, i in gf.next_functions] \
            if gf is not None else []
        facts = d.facts = (gf, nf)
    return facts[1]


def _grad_flow(r: dict):
    h = r["_flow"]  # [array, device, Tensor once made]
    if h is None:
        return None
    if h[2] is None:
        h[2] = _wrap(h[0], h[1])
    return h[2]


def _flags(r: dict) -> tuple[bool, bool]:
    d, t = r["_done"], r["tensor"]
    v = t._vbox[0]
    f = d.vfacts
    if f is None or f[0] != v or f[3] is not t._data:
        f = d.vfacts = (v, *_nonfinite(t._data), t._data)
    r["has_nan"], r["has_inf"] = f[1], f[2]
    return f[1], f[2]


def _grad_flags(r: dict) -> tuple[bool, bool]:
    g = r["grad"]
    if g is None:
        g = r["grad_flow"] if "grad_flow" in r else _grad_flow(r)
    if g is None:
        nan = inf = False
    else:
        d, a, v = r["_done"], g._data, g._vbox[0]
        f = d.gfacts
        if f is None or f[0] is not a or f[1] != v:
            f = d.gfacts = (a, v, *_nonfinite(a))
        nan, inf = f[2], f[3]
    r["grad_has_nan"], r["grad_has_inf"] = nan, inf
    return nan, inf


def _device_name(r: dict) -> str:
    dev = r["tensor"]._device
    return "cpu" if dev is CPU else str(dev)


class _Result(NodeResult):
    """A NodeResult whose derived fields are worked out from the run's data when first read,
    then kept: NaN/Inf flags, next_functions and grad_flow (a canvas reads them once,
    ``gradlab run`` never reads the flags), and what follows from the tensor or the node's
    forward (shape, dtype, device, grad_fn, outputs, forward_ms, saved_bytes)."""

    outputs = _Lazy(lambda r: r["_done"].outputs)
    shape = _Lazy(lambda r: tuple(r["tensor"]._data.shape))
    dtype = _Lazy(lambda r: r["tensor"]._dtype.name)
    device = _Lazy(_device_name)
    is_leaf = _Lazy(lambda r: r["_gf"] is None)
    grad_fn = _Lazy(lambda r: None if r["_gf"] is None else r["_gf"].name())
    next_functions = _Lazy(_next_functions)
    forward_ms = _Lazy(lambda r: r["_done"].forward_ms)
    saved_bytes = _Lazy(lambda r: r["_done"].saved_bytes)
    grad_flow = _Lazy(_grad_flow)
    has_nan = _Lazy(lambda r: _flags(r)[0])
    has_inf = _Lazy(lambda r: _flags(r)[1])
    grad_has_nan = _Lazy(lambda r: _grad_flags(r)[0])
    grad_has_inf = _Lazy(lambda r: _grad_flags(r)[1])


def _result(nid: str, d: _Done | None, flows: dict, bwd: dict) -> NodeResult:
    """What a run leaves on one node (see the module docstring)."""
    if d is None:
        return NodeResult(nid, skipped="not run")
    t = d.tensor
    if t is None:
        value = d.value
        if value is None:  # a list output (split, unbind) is shown as the value
            value = next((v for v in d.outputs.values() if isinstance(v, (tuple, list))), None)
        return NodeResult(nid, outputs=d.outputs, value=value, forward_ms=d.forward_ms,
                          backward_ms=bwd.get(nid), saved_bytes=d.saved_bytes, error=d.error,
                          error_type=d.error_type, skipped=d.skipped)
    gf = t._grad_fn
    rg = t._requires_grad
    grad = None
    if not rg:
        note = "does not require grad"
    elif gf is not None and not t._retains_grad:
        note = _NOT_LEAF
    else:
        grad = t._grad
        note = _NO_GRAD_YET if grad is None else None
    r = _new_result(_Result)  # a few plain assignments: far cheaper than the dataclass's
    r.node_id = nid          # __init__; what the run may change later is read now
    r.tensor = t
    r.requires_grad = rg
    r.grad = grad
    r.grad_note = note
    r.backward_ms = bwd.get(nid)
    r.version = t._vbox[0]
    if d.value is not None:  # else the class defaults (None)
        r.value = d.value
    if d.error is not None:  # a flag that failed on the node's tensor
        r.error, r.error_type = d.error, d.error_type
    r._done = d
    r._gf = gf
    r._flow = flows.get(nid)
    return r


_new_result = object.__new__


def _nonfinite(a) -> tuple[bool, bool]:
    """(has NaN, has Inf) of an array; one cheap test when everything is finite."""
    if a.dtype.kind != "f" or a.size == 0:
        return False, False
    if backend.is_gpu_array(a):  # maybe read from another thread: its device made current
        with backend.device_scope("cuda", backend.array_device_index(a)):
            return _nonfinite_xp(a, backend.array_module(a))
    return _nonfinite_xp(a, np)


def _nonfinite_xp(a, xp) -> tuple[bool, bool]:
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
    if kind.key.startswith("source:"):
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
            fn.public = pub  # what a plan calls directly, by keyword
    if fn is None:
        run = apply_inplace if inplace else apply

        def fn(inputs: dict, attrs: dict):
            attrs = dict(attrs)  # a plan's attrs are kept across runs: hand out a copy
            if op.variadic:
                return run(op, tuple(inputs.get(op.inputs[0], ())), attrs)
            operands = [inputs.get(n) for n in op.inputs]
            while operands and operands[-1] is None:
                operands.pop()
            return run(op, tuple(operands), attrs)
    _CALLERS[key] = fn
    return fn
