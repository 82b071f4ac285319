"""The autograd graph: ``grad_fn`` nodes, op dispatch (``apply``) and the iterative backward.

A node is what PyTorch calls a ``grad_fn``: it knows its op, what its forward saved (only what
the VJP reads), and ``next_functions``, one ``(node_or_None, output_index)`` edge per input,
with ``AccumulateGrad`` at leaves. ``type(node).__name__`` is PyTorch's class name
(``MulBackward0``); ``node.name()`` returns it too.

Timing and tracing are hooks (:func:`add_tracer`), not code inside ops.
"""
from __future__ import annotations

import heapq
import itertools
import sys
import time
import weakref
from typing import Any, Callable, Sequence

import numpy as np

from .. import _dtype as D
from .. import backend
from ..ops.registry import Ctx, OpDef, sum_to
from .grad_mode import is_grad_enabled, state as _grad_state

_seq = itertools.count()
_node_classes: dict[str, type] = {}
_tracers: list[Any] = []

# Bound by engine.tensor once Tensor exists (tensor.py imports this module, not the reverse).
Tensor: Any = None
_wrap: Any = None


def bind_tensor(tensor_cls, wrap) -> None:
    global Tensor, _wrap
    Tensor, _wrap = tensor_cls, wrap


def add_tracer(tracer) -> None:
    """Register an object with ``on_forward(op, node, inputs, outputs, ms)`` and/or
    ``on_backward(node, grads_out, grads_in, ms)``; called around every op and VJP. On a GPU,
    ``on_backward`` gets ms=0.0 and ``on_backward_time(node, ms)`` brings each VJP's CUDA-event
    time at the end of backward, after a single synchronize."""
    _tracers.append(tracer)


def remove_tracer(tracer) -> None:
    if tracer in _tracers:
        _tracers.remove(tracer)


class RemovableHandle:
    def __init__(self, store: dict, key):
        self._store = weakref.ref(store) if not isinstance(store, dict) else store
        self._key = key

    def remove(self) -> None:
        store = self._store
        if store is not None:
            store.pop(self._key, None)


_handle_ids = itertools.count()


class Node:
    """A backward node (``grad_fn``). Also the ``ctx`` an op's forward writes into."""

    __slots__ = ("op", "next_functions", "needs_input_grad", "xp", "seq", "_saved",
                 "_in_meta", "_dev", "_had_saved", "_saved_checks", "__dict__", "__weakref__")

    requires_grad = True
    n_outputs = 1  # set on the instance by ops with several outputs (max.dim, split)
    # rarely set: class defaults, so creating a node stays cheap
    _pre_hooks = None
    _post_hooks = None
    _retain = None

    def __init__(self, op: OpDef | None, xp, next_functions, needs_input_grad, in_meta, dev):
        self.op = op
        self.xp = xp
        self.next_functions = next_functions
        self.needs_input_grad = needs_input_grad
        self._in_meta = in_meta  # per input: (shape, np dtype) or None for non-tensors
        self.seq = next(_seq)
        self._saved = ()
        self._dev = dev
        self._had_saved = False
        self._saved_checks = None

    @property
    def metadata(self) -> dict:
        d = self.__dict__.get("_metadata")
        if d is None:
            d = self.__dict__["_metadata"] = {}
        return d

    # ---- the ctx side, used by op forward --------------------------------------------
    def save(self, *arrays) -> None:
        """Keep what backward reads. Only arrays count as saved tensors (numbers are free to
        keep and never block a second backward), as PyTorch's saved scalars."""
        self._saved = arrays
        for a in arrays:
            if hasattr(a, "shape"):
                self._had_saved = True
                return

    @property
    def saved(self) -> tuple:
        if self._released:
            raise RuntimeError(_FREED_MSG)
        return self._saved

    @property
    def saved_bytes(self) -> int:
        """Memory held for backward by this node's saved arrays."""
        seen, total = set(), 0
        for a in self._saved or ():
            if hasattr(a, "nbytes") and id(a) not in seen:
                seen.add(id(a))
                total += int(a.nbytes)
        return total

    # ---- PyTorch's public face -----------------------------------------------------------
    def name(self) -> str:
        return type(self).__name__

    def register_hook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_inputs, grad_outputs)`` after the node ran; may return new grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = {}
        k = next(_handle_ids)
        self._post_hooks[k] = fn
        return RemovableHandle(self._post_hooks, k)

    def register_prehook(self, fn: Callable) -> RemovableHandle:
        """``fn(grad_outputs)`` before the node runs; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = {}
        k = next(_handle_ids)
        self._pre_hooks[k] = (None, fn)
        return RemovableHandle(self._pre_hooks, k)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {hex(id(self))}>"

    def __call__(self, *grads):
        raise RuntimeError("calling a grad_fn directly is not supported; use backward()")

    # ---- engine side ---------------------------------------------------------------------
    def _check_versions(self) -> None:
        if self._released and self._had_saved:
            raise RuntimeError(_FREED_MSG)
        checks = self._saved_checks
        if not checks:
            return
        for box, expected, shape, dt, producer in checks:
            if box[0] != expected:
                if producer is _SELF:  # a saved output of this very node
                    producer = self
                elif isinstance(producer, weakref.ref):  # a saved input: its grad_fn now
                    t = producer()
                    producer = t._grad_fn if t is not None else None
                where = f", which is output 0 of {_short_name(producer)}," if producer else ""
                raise RuntimeError(
                    "one of the variables needed for gradient computation has been modified by "
                    f"an inplace operation: [{_legacy_type(dt)} [{', '.join(map(str, shape))}]]"
                    f"{where} is at version {box[0]}; expected version {expected} instead. "
                    "Hint: enable anomaly detection to find the operation that failed to compute "
                    "its gradient, with torch.autograd.set_detect_anomaly(True, "
                    "check_nan=False).")

    @property
    def _released(self) -> bool:
        return self._saved is _RELEASED

    def _release(self) -> None:
        """Free what forward saved (arrays must be kept through ``ctx.save``); saved numbers
        stay, so a node that saved only numbers can run again."""
        if not self._had_saved:
            return
        self._saved = _RELEASED
        if self._saved_checks is not None:
            self._saved_checks = None

    def _run(self, grads: list) -> tuple:
        """Run the VJP: grads per output -> grads per input, reduced to input shapes/dtypes."""
        op = self.op
        if self.xp is np:
            res = op.backward(self, *grads)
        else:
            with backend.device_scope(self._dev.type, self._dev.index):
                res = op.backward(self, *grads)
        if not isinstance(res, tuple):
            res = (res,)
        out = []
        for g, meta, need in zip(res, self._in_meta, self.needs_input_grad):
            if g is None or not need or meta is None:
                out.append(None)
                continue
            shape, npdt = meta
            if g.shape != shape:
                g = sum_to(g, shape)
            if g.dtype != npdt:
                g = g.astype(npdt)
            out.append(g)
        return tuple(out)


_SELF = object()  # in a version check: the producer is the node holding the check


class _Freed(tuple):
    """An empty tuple type whose one instance marks saved values as freed."""


_RELEASED = _Freed()
_FREED_MSG = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")

_LEGACY = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
           "int64": "LongTensor", "int32": "IntTensor", "int16": "ShortTensor",
           "int8": "CharTensor", "uint8": "ByteTensor", "bool": "BoolTensor"}


def _legacy_type(dt: D.dtype, dev=None) -> str:
    cuda = ".cuda" if dev is not None and dev.type == "cuda" else ""
    return f"torch{cuda}.{_LEGACY[dt.name]}"


def legacy_type_name(dt: D.dtype, dev=None) -> str:
    """'torch.FloatTensor' / 'torch.cuda.FloatTensor', as Tensor.type() prints."""
    return _legacy_type(dt, dev)


def node_class(name: str) -> type:
    """The Node subclass named ``name`` (``MulBackward0``), made once and cached."""
    cls = _node_classes.get(name)
    if cls is None:
        cls = type(name, (Node,), {"__slots__": ()})
        _node_classes[name] = cls
    return cls


class AccumulateGrad(Node):
    """The node at a leaf that requires grad: adds the incoming gradient into ``.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        super().__init__(None, None, (), (), (), variable._device)
        self.variable = variable


def accumulator(t) -> AccumulateGrad:
    """The (one) AccumulateGrad node of leaf ``t``, as PyTorch keeps one per leaf."""
    ref = t._acc
    acc = ref() if ref is not None else None
    if acc is None:
        acc = AccumulateGrad(t)
        t._acc = weakref.ref(acc)
    return acc


def edge_of(t):
    """The ``(node, output_nr)`` edge backward follows into tensor ``t``."""
    if t._grad_fn is not None:
        return (t._grad_fn, t._output_nr)
    if t._requires_grad:
        return (accumulator(t), 0)
    return (None, 0)


# --------------------------------------------------------------------------------------
# dispatch


def _short_name(node) -> str:
    """A node's name as PyTorch's version-check message prints it: AddBackward0 -> Add,
    SumBackward1 -> Sum1."""
    n = node.name()
    return n[:-9] if n.endswith("Backward0") else n.replace("Backward", "")


def _common_device(operands):
    """PyTorch's rule for mixed devices: the first non-CPU device is the common one; CPU 0-dim
    tensors may join it, anything else on another device is an error."""
    common = next(x._device for x in operands
                  if isinstance(x, Tensor) and x._device.type != "cpu")
    for x in operands:
        if isinstance(x, Tensor) and x._device != common and \
                not (x._device.type == "cpu" and x._data.ndim == 0):
            raise _same_device_error(common, x._device)
    return common


def _same_device_error(a, b) -> RuntimeError:
    return RuntimeError(
        "Expected all tensors to be on the same device, but found at least two devices, "
        f"{a} and {b}!")


def _op_node_class(op: OpDef, attrs: dict):
    """The grad_fn class of ``op``; cached on the op unless its name depends on attrs."""
    if type(op).grad_fn_name is not OpDef.grad_fn_name:
        return node_class(op.grad_fn_name(attrs))
    cls = op._node_cls = node_class(op.grad_fn_name(attrs))
    return cls


def _std_dtype(op: OpDef) -> bool:
    """Whether the quick dtype path is valid for ``op`` (it uses the standard rules)."""
    f = op._std_dtype = (type(op).compute_dtype is OpDef.compute_dtype
                         and op.dtype_rule in ("promote", "float"))
    return f


def apply(op: OpDef, operands: Sequence[Any], attrs: dict, out_device=None):
    """Run ``op`` on operands (Tensors, or Python numbers where the op allows), recording a
    ``grad_fn`` when grad mode is on and an input requires grad. Returns Tensor(s)."""
    dev = None
    need = False
    dt = None  # the one dtype all tensor operands share, if they do
    mixed = False  # dtypes differ, or an operand the quick rule cannot judge
    scal = 0  # 1: an int scalar operand, 2: a float scalar operand
    for x in operands:
        if isinstance(x, Tensor):
            d = x._device
            if dev is None:
                dev = d
            elif d is not dev and d != dev:
                dev = _common_device(operands)
            if x._requires_grad:
                need = True
            xd = x._dtype
            if dt is None:
                dt = xd
            elif xd is not dt:
                mixed = True
        else:
            t = type(x)
            if t is float:
                scal = 2
            elif t is int:
                if not scal:
                    scal = 1
            elif t is not bool:
                mixed = True
    if dev is None:
        from .._device import CPU
        dev = out_device or CPU
    std = op._std_dtype
    if std is None:
        std = _std_dtype(op)
    if std and not mixed and dt is not None and scal <= dt.category and \
            (dt.category == 2 or op.dtype_rule != "float"):
        cd = dt
    else:
        cd = op.compute_dtype(operands, attrs)
    cpu = dev.type == "cpu"
    xp = np if cpu else backend.xp_for("cuda")
    need = need and op.differentiable and _grad_state.enabled
    arrays = []
    if need:
        edges, nif, meta = [], [], []
    for x in operands:
        if isinstance(x, Tensor):
            a = x._data
            if need:
                meta.append((a.shape, a.dtype))
                if x._requires_grad:
                    gf = x._grad_fn
                    edges.append((gf, x._output_nr) if gf is not None else (accumulator(x), 0))
                    nif.append(True)
                else:
                    edges.append(_NO_EDGE)
                    nif.append(False)
            if cd is not None and x._dtype is not cd:
                a = a.astype(cd.np)
            if not cpu and x._device is not dev and x._device != dev:  # a CPU 0-dim tensor
                a = backend.to_device(a, dev.type, dev.index)
            arrays.append(a)
        else:
            if cd is not None and type(x) is int and cd.category == 1 and cd.itemsize < 8:
                x = np.array(x, dtype=np.int64).astype(cd.np)[()]  # wraps, as PyTorch's ints
            arrays.append(x)
            if need:
                meta.append(None)
                edges.append(_NO_EDGE)
                nif.append(False)
    if need:
        ctx = (op._node_cls or _op_node_class(op, attrs))(op, xp, tuple(edges), tuple(nif),
                                                           tuple(meta), dev)
    else:
        ctx = Ctx(xp)
    if _tracers:
        timer = backend.Timer(dev.type)
        timer.start()
    if cpu:
        out = op.forward(ctx, *arrays, **attrs)
    else:
        with backend.device_scope(dev.type, dev.index):
            out = op.forward(ctx, *arrays, **attrs)
    if _tracers:
        timer.stop()
    if type(out) is not tuple:
        r = _wrap(out, dev)
        if need and r._dtype.is_floating_point and (op.differentiable_outputs is None
                                                    or op.differentiable_outputs[0]):
            r._requires_grad = True
            r._grad_fn = ctx
        if op.is_view and isinstance(operands[0], Tensor) and not getattr(ctx, "copied", 0):
            base = operands[0]
            r._vbox = base._vbox
            r._base = base._base if base._base is not None else base
        results = (r,)
    else:
        diff = op.differentiable_outputs
        if need and len(out) != 1:
            ctx.n_outputs = len(out)
        rs = []
        for i, o in enumerate(out):
            r = _wrap(o, dev)
            if need and (diff is None or diff[i]) and r._dtype.is_floating_point:
                r._requires_grad = True
                r._grad_fn = ctx
                if i:
                    r._output_nr = i
            rs.append(r)
        if op.is_view and isinstance(operands[0], Tensor):  # split/unbind: every piece a view
            base = operands[0]
            for r in rs:
                r._vbox = base._vbox
                r._base = base._base if base._base is not None else base
        results = tuple(rs)
    if need and ctx._had_saved:
        _attach_version_checks(ctx, operands, arrays, out if type(out) is tuple else (out,),
                               results)
    if _tracers:
        ms = timer.elapsed_ms()
        for tr in _tracers:
            f = getattr(tr, "on_forward", None)
            if f is not None:
                f(op, ctx if need else None, operands, list(results), ms)
    return results if type(out) is tuple else results[0]


_NO_EDGE = (None, 0)


_PLAIN = (int, float, bool, type(None))


def _attach_version_checks(ctx: Node, operands, arrays, outs, results) -> None:
    """Saved arrays that are an input's or an output's storage get a version check.

    A check is (version box, version at save, shape, dtype, producing node or None)."""
    checks = []
    for s in ctx._saved:
        if type(s) in _PLAIN:
            continue
        k = len(arrays)
        while k:  # from the last operand, as PyTorch names y.detach() in y.mul_(y.detach())
            k -= 1
            if arrays[k] is s:
                x = operands[k]
                if isinstance(x, Tensor) and s is x._data:
                    box = x._vbox
                    checks.append((box, box[0], s.shape, x._dtype, weakref.ref(x)))
                    break
        else:
            for o, r in zip(outs, results):
                if s is o:
                    box = r._vbox
                    checks.append((box, box[0], o.shape, r._dtype, _SELF))
                    break
    if checks:
        ctx._saved_checks = checks


# --------------------------------------------------------------------------------------
# backward


def _accumulate(buf: list, i: int, g) -> None:
    cur = buf[i]
    buf[i] = g if cur is None else cur + g


def run_backward(roots: Sequence, grads: Sequence, retain_graph: bool,
                 inputs: Sequence | None = None, accumulate: bool = True,
                 allow_unused: bool = True, create_graph: bool = False) -> list | None:
    """Iterative backward from ``roots`` (tensors) seeded with ``grads`` (arrays).

    With ``accumulate`` the leaves' ``.grad`` receive the gradients (``Tensor.backward``);
    otherwise the gradients reaching ``inputs`` are returned (``autograd.grad``).
    Runs in dependency order (highest sequence number first among ready nodes, as PyTorch),
    with no recursion.
    """
    if create_graph:
        raise NotImplementedError(
            "create_graph=True (higher-order gradients) is not supported by this engine yet")
    root_edges = []
    for t, g in zip(roots, grads):
        if not t._requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn")
        root_edges.append((edge_of(t), g))

    # capture points for autograd.grad / backward(inputs=...)
    capture: dict = {}
    if inputs is not None:
        for k, t in enumerate(inputs):
            if not t._requires_grad:
                raise RuntimeError("One of the differentiated Tensors does not require grad")
            capture.setdefault(edge_of(t), []).append(k)

    # dependency counts over the reachable graph, iteratively
    deps: dict = {}
    stack = list(dict.fromkeys(e[0][0] for e in root_edges))  # roots may share a node
    seen = set(stack)
    while stack:
        n = stack.pop()
        for nx, _ in n.next_functions:
            if nx is None:
                continue
            deps[nx] = deps.get(nx, 0) + 1
            if nx not in seen:
                seen.add(nx)
                stack.append(nx)

    # with inputs given, run only nodes from which an input can be reached
    needed = None
    if inputs is not None:
        targets = {e[0] for e in capture}
        needed = set()
        # reverse reachability: process nodes in increasing sequence order is not enough for
        # shared subgraphs, so walk children first iteratively
        order = sorted(seen, key=lambda n: n.seq)
        for n in order:
            if n in targets or any(nx in needed for nx, _ in n.next_functions if nx is not None):
                needed.add(n)

    buffers: dict = {}
    heap: list = []
    for (node, nr), g in root_edges:
        buf = buffers.get(node)
        if buf is None:
            buf = buffers[node] = [None] * node.n_outputs
        _accumulate(buf, nr, g)
    for node in {e[0][0] for e in root_edges}:
        if deps.get(node, 0) == 0:
            heapq.heappush(heap, (-node.seq, node))

    results: list = [None] * (len(inputs) if inputs is not None else 0)
    tracing = bool(_tracers)
    if tracing:
        on_bwd = [f for f in (getattr(tr, "on_backward", None) for tr in _tracers) if f]
        gpu_timers: list = []  # (node, Timer): read after one synchronize, at the end
        perf = time.perf_counter
    heappop, heappush, pop_buffer = heapq.heappop, heapq.heappush, buffers.pop
    while heap:
        node = heappop(heap)[1]
        buf = pop_buffer(node, None)
        if buf is None:
            buf = [None] * node.n_outputs
        # tensor hooks and retain_grad on this node's outputs
        if node._pre_hooks:
            for key, (nr, fn) in list(node._pre_hooks.items()):
                if nr is None:
                    r = fn(tuple(_wrap(g, node._dev) if g is not None else None for g in buf))
                    if r is not None:
                        buf = [x._data if isinstance(x, Tensor) else x for x in r]
                elif buf[nr] is not None:
                    r = fn(_wrap(buf[nr], node._dev))
                    if r is not None:
                        buf[nr] = r._data if isinstance(r, Tensor) else r
        if node._retain:
            for nr, ref in node._retain.items():
                t = ref()
                if t is not None and buf[nr] is not None:
                    _accumulate_grad(t, buf[nr], replace_nonleaf=True)
        if capture:
            for nr, g in enumerate(buf):
                ks = capture.get((node, nr))
                if ks and g is not None:
                    for k in ks:
                        results[k] = _wrap(g, node._dev)
        if node.op is None:  # AccumulateGrad
            if accumulate and buf[0] is not None and (inputs is None or (node, 0) in capture):
                _accumulate_grad(node.variable, buf[0])
            continue
        if (needed is not None and node not in needed) or \
                (buf[0] is None if len(buf) == 1 else all(g is None for g in buf)):
            grads_in = (None,) * len(node.next_functions)
        else:
            if node._saved_checks is not None or node._saved is _RELEASED:
                node._check_versions()
            if tracing:
                if node.xp is np:
                    t0 = perf()
                else:
                    timer = backend.Timer(node._dev.type)
                    timer.start()
            grads_in = node._run(buf)
            if tracing:
                if node.xp is np:
                    ms = (perf() - t0) * 1000.0
                else:  # CUDA events; the time arrives through on_backward_time at the end
                    timer.stop()
                    gpu_timers.append((node, timer))
                    ms = 0.0
                for f in on_bwd:
                    f(node, buf, grads_in, ms)
            if node._post_hooks:
                for fn in list(node._post_hooks.values()):
                    r = fn(tuple(_wrap(g, node._dev) if g is not None else None
                                 for g in grads_in),
                           tuple(_wrap(g, node._dev) if g is not None else None for g in buf))
                    if r is not None:
                        grads_in = tuple(x._data if isinstance(x, Tensor) else x for x in r)
            if not retain_graph and node._had_saved:
                node._release()
        for (nx, nr), g in zip(node.next_functions, grads_in):
            if nx is None:
                continue
            if g is not None:
                b = buffers.get(nx)
                if b is None:
                    b = buffers[nx] = [None] * nx.n_outputs
                    b[nr] = g
                else:
                    cur = b[nr]
                    b[nr] = g if cur is None else cur + g
            d = deps[nx] - 1
            deps[nx] = d
            if d == 0:
                heappush(heap, (-nx.seq, nx))
        grads_in = g = None  # hold no gradient here: a leaf may take its array over

    if tracing and gpu_timers:
        gpu_timers[-1][1].elapsed_ms()  # the one synchronize; earlier events are done by then
        for tr in _tracers:
            f = getattr(tr, "on_backward_time", None)
            if f is not None:
                for node, timer in gpu_timers:
                    f(node, timer.elapsed_ms(sync=False))
    if inputs is not None and not accumulate:
        if not allow_unused:
            for k, r in enumerate(results):
                if r is None:
                    raise RuntimeError(
                        f"The differentiated Tensor at index {k} appears to not have been used "
                        "in the graph. Set allow_unused=True if this is the desired behavior.")
        return results
    return None


_STEAL_REFS = 3


def _owner_if_whole(g):
    """The array owning view ``g`` when ``g`` is all of it, laid out the same (the transpose
    of a transposed matmul result, as linear's weight gradient arrives) and nothing else holds
    it: then it can be taken over as is. Otherwise a copy of ``g``."""
    b = g.base
    # references to b: g's base attribute, the local name, getrefcount's argument
    if type(b) is type(g) and b.base is None and b.shape == g.shape and \
            b.strides == g.strides and sys.getrefcount(b) <= 3:
        return b
    return g.copy()


def _accumulate_grad(t, g, replace_nonleaf: bool = False) -> None:
    """Add ``g`` into ``t.grad`` (a leaf's accumulation; a retained non-leaf's grad)."""
    if t._hooks_leaf and not replace_nonleaf:
        for fn in list(t._hooks_leaf.values()):
            r = fn(_wrap(g, t._device))
            if r is not None:
                g = r._data
    if g.shape != t._data.shape:
        g = sum_to(g, t._data.shape)
    if g.dtype != t._data.dtype:
        g = g.astype(t._data.dtype)
    if t._grad is None:
        # Take the array over when nothing else can see it (PyTorch steals a gradient whose
        # only owner is the engine); otherwise copy: the same array may flow to several leaves
        # (AddBackward passes it on), be a hook's or the user's, or view another gradient.
        # References here: the caller's buffer, this parameter, getrefcount's argument.
        if replace_nonleaf or sys.getrefcount(g) > _STEAL_REFS:
            g = g.copy()
        elif g.base is not None:
            g = _owner_if_whole(g)
        t._grad = _wrap(g, t._device)
    elif replace_nonleaf:
        t._grad = _wrap(t._grad._data + g, t._device)
    else:
        gd = t._grad._data
        if backend.writeable(gd):
            gd += g
            t._grad._vbox[0] += 1
        else:
            t._grad = _wrap(gd + g, t._device)


def apply_inplace(op: OpDef, operands: Sequence[Any], attrs: dict):
    """Run ``op`` and write its result into ``operands[0]`` (``add_``, ``a[i] = v``, ...).

    As in PyTorch: refused on a leaf that requires grad while grad mode is on (and on a view
    of one); bumps the version counter; the target takes the new ``grad_fn``, whose edge for
    the target is its old one.
    """
    target = operands[0]
    grad_on = is_grad_enabled()
    if grad_on and target._requires_grad and target._grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation.")
    base = target._base
    if grad_on and base is not None and base._requires_grad and base._grad_fn is None:
        raise RuntimeError(
            "a view of a leaf Variable that requires grad is being used in an in-place "
            "operation.")
    res = apply(op, operands, attrs)
    if res._data.shape != target._data.shape:
        raise RuntimeError(f"output with shape {list(target._data.shape)} doesn't match the "
                           f"broadcast shape {list(res._data.shape)}")
    if res._dtype is not target._dtype:
        # PyTorch casts the result into the target unless that loses a category
        # (float into int, int into bool); float64 into float32 is fine
        if res._dtype.category > target._dtype.category:
            raise RuntimeError(
                f"result type {_scalar_type_name(res._dtype)} can't be cast to the desired output "
                f"type {_scalar_type_name(target._dtype)}")
    old = target._data
    node = res._grad_fn
    if node is not None and node._had_saved:
        # backward must see the values from before the write: copy saved views of the target,
        # and point saved outputs at the target's storage and version
        saved = list(node._saved)
        checks = list(node._saved_checks or ())
        aliased = any(isinstance(x, Tensor) and x._vbox is target._vbox for x in operands[1:])
        for i, a in enumerate(saved):
            if a is old and aliased:
                continue
            if a is old:
                saved[i] = old.copy()
                checks = [c for c in checks if c[0] is not target._vbox]
            elif a is res._data:
                saved[i] = old
                checks = [c for c in checks if c[0] is not res._vbox]
                checks.append((target._vbox, target._vbox[0] + 1, old.shape, target._dtype,
                               _SELF))
        node._saved = tuple(saved)
        node._saved_checks = checks or None
    if backend.writeable(old):
        old[...] = res._data
    else:  # a broadcast (expanded) view: give the tensor its own storage
        target._data = res._data.astype(old.dtype, copy=True)
    target._vbox[0] += 1
    if node is not None:
        if target._base is not None:
            _rebase_view(target, node)
        else:
            target._grad_fn = node
            if target._output_nr:
                target._output_nr = 0
            target._requires_grad = True
    return target


# --------------------------------------------------------------------------------------
# in-place ops through a view: the base's grad_fn becomes CopySlices, as in PyTorch


def _view_geometry(base_arr, view_arr):
    """(shape, byte strides, element offset) of ``view_arr`` inside ``base_arr``'s memory, for a
    base laid out C- or F-contiguously; None otherwise."""
    f = base_arr.flags
    if not (f.c_contiguous or f.f_contiguous):
        return None
    if backend.is_gpu_array(base_arr):
        off = view_arr.data.ptr - base_arr.data.ptr
    else:
        off = (view_arr.__array_interface__["data"][0]
               - base_arr.__array_interface__["data"][0])
    return view_arr.shape, view_arr.strides, off // base_arr.itemsize, \
        "C" if f.c_contiguous else "F"


def _region(buf, geo):
    """The view ``geo`` describes, taken out of ``buf`` (laid out as the base)."""
    shape, strides, off, order = geo
    xp = backend.array_module(buf)
    flat = buf.ravel(order=order)[off:]
    return xp.lib.stride_tricks.as_strided(flat, shape=shape, strides=strides)


def _base_buffer(xp, g, base_shape, dtype, order):
    out = xp.zeros(base_shape, dtype=dtype, order=order)
    if g is not None:
        out[...] = g
    return out


class CopySlices(Node):
    """The base's grad_fn after an in-place op on one of its views: the gradient of the
    viewed region goes through the wrapped op's VJP, the rest passes to the old graph."""

    __slots__ = ()

    def _release(self) -> None:
        self.inner._release()
        super()._release()


class _CopySlicesOp(OpDef):
    name = "copy_slices"
    grad_name = "CopySlices"

    def backward(self, ctx, g):
        inner = ctx.inner
        shape, dtype = ctx._in_meta[0]
        gb = _base_buffer(ctx.xp, g, shape, dtype, ctx.geo[3])
        region = _region(gb, ctx.geo)
        if inner._saved_checks is not None or inner._saved is _RELEASED:
            inner._check_versions()
        res = inner._run([region.copy()])
        region[...] = res[0] if res[0] is not None else 0
        return (gb,) + tuple(res[1:])


class _AsStridedOp(OpDef):
    name = "as_strided"

    def backward(self, ctx, g):
        shape, dtype = ctx._in_meta[0]
        gb = _base_buffer(ctx.xp, None, shape, dtype, ctx.geo[3])
        _region(gb, ctx.geo)[...] = g
        return gb


_COPY_SLICES = _CopySlicesOp()
_AS_STRIDED = _AsStridedOp()


def _rebase_view(view, inner: Node) -> None:
    """After ``inner`` (an in-place op) wrote through ``view``, route the base's gradient."""
    base = view._base
    geo = _view_geometry(base._data, view._data)
    if geo is None:
        raise RuntimeError(
            "an in-place operation on a view of a tensor with a non-contiguous layout is not "
            "supported while recording gradients; call .contiguous() on the base first")
    bmeta = (base._data.shape, base._data.dtype)
    base_needs = base._requires_grad
    cs = CopySlices(_COPY_SLICES, inner.xp,
                    (edge_of(base) if base_needs else _NO_EDGE,) + inner.next_functions[1:],
                    (base_needs,) + inner.needs_input_grad[1:],
                    (bmeta,) + inner._in_meta[1:], inner._dev)
    cs.inner = inner
    cs.geo = geo
    cs._had_saved = inner._had_saved
    base._grad_fn = cs
    if base._output_nr:
        base._output_nr = 0
    base._requires_grad = True
    vnode = node_class("AsStridedBackward0")(_AS_STRIDED, inner.xp, ((cs, 0),), (True,),
                                             (bmeta,), inner._dev)
    vnode.geo = geo
    view._grad_fn = vnode
    if view._output_nr:
        view._output_nr = 0
    view._requires_grad = True


_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
                 "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                 "bool": "Bool"}


def _scalar_type_name(dt: D.dtype) -> str:
    return _SCALAR_NAMES[dt.name]
