"""A graph as a PyTorch script a student can read, and the run report both print.

``to_torch_script(graph)`` runs the graph once on the engine (a fresh executor, as
``gradlab run`` and the app after opening the file: random nodes draw from their own
generators, ``special.node_rng``; the global one is seeded with ``SEED``), then writes the
program the graph spells, node by node in run order:
sources as ``torch.ones(...)``/``torch.tensor(...)``, random ones (and parameters and layer
weights) as the values the engine drew with a comment naming the call, ops as operators,
``torch.*`` or ``F.*`` calls, ``no_grad`` frames as ``with torch.no_grad():`` blocks, then
zero_grad and backward. Run with PyTorch it prints the same JSON object as
``gradlab run FILE --json`` (:func:`run_json`), with ``forward_ms``/``backward_ms`` null.

The report's per-node entry is made by :func:`entry` and :func:`plain`, whose source is copied
into the script, so both sides format results with the same code.
"""
from __future__ import annotations

import ast
import inspect
import keyword
import math
import os
import re

import numpy as np

from .fileformat import write_atomic
from .kinds import NodeKind, get_kind
from .model import Graph
from .result import RunResult
from .special import SEED  # the engine's default seed; random nodes draw from node_rng
RUN_FORMAT = {"format": "gradlab-run", "version": 1}
RANDOM_SOURCES = {"rand", "randn", "randint", "randperm", "empty", "from_file"}


# ---- the report (this source is also copied into exported scripts) ---------------------------

def plain(v):
    """JSON-ready data: tensors as nested lists, tuples as lists, NaN/inf as strings."""
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        if math.isfinite(v):
            return v
        return "NaN" if v != v else ("Infinity" if v > 0 else "-Infinity")
    if hasattr(v, "tolist"):
        return plain(v.tolist())
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return str(v)


def entry(node_id, label, op, t, flow=None, error=None, forward_ms=None, backward_ms=None):
    """One node of the report, read off its tensor ``t`` (None: the node has no tensor)."""
    if t is None or not hasattr(t, "grad_fn"):
        t = None
    keeps_grad = t is not None and t.requires_grad and (t.is_leaf or t.retains_grad)
    return {
        "id": node_id, "label": label, "op": op,
        "shape": None if t is None else list(t.shape),
        "dtype": None if t is None else str(t.dtype).replace("torch.", ""),
        "device": None if t is None else str(t.device),
        "requires_grad": None if t is None else bool(t.requires_grad),
        "is_leaf": None if t is None else bool(t.is_leaf),
        # PyTorch's name() says 'torch::autograd::CopyBackwards' for a few nodes
        "grad_fn": (None if t is None or t.grad_fn is None
                    else t.grad_fn.name().rsplit("::", 1)[-1]),
        "value": None if t is None else plain(t.detach()),
        "grad": plain(t.grad) if keeps_grad and t.grad is not None else None,
        "grad_flow": None if flow is None else plain(flow),
        "forward_ms": forward_ms, "backward_ms": backward_ms, "error": error,
    }


def run_json(graph: Graph, result: RunResult) -> dict:
    """The ``gradlab run --json`` object for a run of ``graph``."""
    order = list(result.order) + [n for n in result.nodes if n not in result.order]
    nodes = []
    for nid in order:
        r = result.nodes.get(nid)
        node = graph.nodes.get(nid)
        if r is None or node is None:
            continue
        nodes.append(entry(nid, node.label, node.kind, r.tensor, r.grad_flow, r.error,
                           r.forward_ms, r.backward_ms))
    return {**RUN_FORMAT, "device": result.device, "nodes": nodes}


def compare_reports(ours: dict, theirs: dict, rtol: float = 1e-4, atol: float = 1e-5
                    ) -> list[str]:
    """Where two run reports differ (timings ignored; floats within rtol/atol), as
    ``label.field: ours vs theirs`` lines; [] when they say the same."""
    out: list[str] = []

    def same(a, b, at: str) -> None:
        if len(out) > 20:
            return
        if isinstance(a, list) and isinstance(b, list):
            if len(a) != len(b):
                out.append(f"{at}: {len(a)} items vs {len(b)}")
            for i, (x, y) in enumerate(zip(a, b)):
                same(x, y, f"{at}[{i}]")
        elif isinstance(a, float) and isinstance(b, (int, float)) and not isinstance(b, bool) \
                or isinstance(b, float) and isinstance(a, (int, float)) and not isinstance(a, bool):
            if not math.isclose(a, b, rel_tol=rtol, abs_tol=atol):
                out.append(f"{at}: {a!r} vs {b!r}")
        elif a != b or type(a) is not type(b):
            out.append(f"{at}: {_clip(a)} vs {_clip(b)}")

    for k in ("format", "version", "device"):
        same(ours.get(k), theirs.get(k), k)
    a_nodes, b_nodes = ours.get("nodes", []), theirs.get("nodes", [])
    if [n["id"] for n in a_nodes] != [n["id"] for n in b_nodes]:
        return out + ["nodes: not the same ids in the same order"]
    for a, b in zip(a_nodes, b_nodes):
        if set(a) != set(b):
            out.append(f"{a['label']}: fields {sorted(set(a) ^ set(b))} differ")
        for k in a:
            if k not in ("forward_ms", "backward_ms"):
                same(a[k], b.get(k), f"{a['label']}.{k}")
    return out


def _clip(v, n: int = 160) -> str:
    t = repr(v)
    return t if len(t) <= n else t[:n] + "..."


def run_graph(graph: Graph, device: str = "cpu", backward: bool = True, executor=None):
    """Run as ``gradlab run`` does: a fresh executor (random nodes draw their own numbers,
    ``special.node_rng``), the engine's global generator seeded with ``SEED`` first."""
    import engine
    from .execute import Executor

    engine.manual_seed(SEED)
    ex = executor or Executor(graph)
    try:
        return ex.run(backward=backward, device=device)
    finally:
        if executor is None:
            ex.close()


# ---- writing Python ---------------------------------------------------------------------------

_KEEP = {"torch", "F", "nn", "json", "math", "plain", "entry", "watch", "fail", "flows", "errors",
         "capturing", "NODES", "t", "node_id"}


def _names(graph: Graph, order: list[str]) -> dict[str, str]:
    """A Python name per node, from its label: ``x``, ``y_2``, ``n_3d``."""
    out, used = {}, set(_KEEP)
    for nid in order:
        base = re.sub(r"[^A-Za-z0-9_]+", "_", graph.nodes[nid].label.strip()).strip("_") or "node"
        if base[0].isdigit():
            base = "n_" + base
        if keyword.iskeyword(base) or keyword.issoftkeyword(base):
            base += "_"
        name, i = base, 2
        while name in used:
            name, i = f"{base}_{i}", i + 1
        used.add(name)
        out[nid] = name
    return out


def _num(v, kind: str = "f8") -> str:
    """A number as Python source; float32/16 with their shortest exact spelling."""
    if isinstance(v, (bool, np.bool_)):
        return repr(bool(v))
    if isinstance(v, (int, np.integer)):
        return repr(int(v))
    f = float(v)
    if math.isnan(f):
        return 'float("nan")'
    if math.isinf(f):
        return 'float("inf")' if f > 0 else '-float("inf")'
    if kind in ("f4", "f2"):
        typ = np.float32 if kind == "f4" else np.float16
        s = str(typ(f))
        if float(typ(float(s))) == f:  # what torch gets casting the Python float
            return s
    return repr(f)


def _lit(v) -> str:
    """An attribute value as Python source (tuples stay tuples)."""
    if isinstance(v, np.ndarray):
        return _array_lit(v)
    if isinstance(v, tuple):
        return "(" + ", ".join(_lit(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    if isinstance(v, list):
        return "[" + ", ".join(_lit(x) for x in v) + "]"
    if isinstance(v, (float, np.floating)):
        return _num(v)
    return repr(v)


def _array_lit(a: np.ndarray, indent: int = 0) -> str:
    """Nested lists, one innermost row per line when long (``indent``: the column of '[')."""
    code = {"float32": "f4", "float16": "f2"}.get(a.dtype.name, "f8")

    def rec(x, depth):
        if x.ndim == 0:
            return _num(x.item(), code)
        if x.ndim == 1:
            return "[" + ", ".join(_num(v, code) for v in x.tolist()) + "]"
        parts = [rec(y, depth + 1) for y in x]
        flat = "[" + ", ".join(parts) + "]"
        if len(flat) + indent + depth <= 96 and "\n" not in flat:
            return flat
        pad = " " * (indent + depth + 1)
        return "[" + (",\n" + pad).join(parts) + "]"
    return rec(a, 0)


def _host(t) -> np.ndarray:
    from .. import backend
    return np.array(backend.to_host(t.detach()._data))


_DEFAULT_INFER = {"float32", "int64", "bool"}


def _tensor_lit(a: np.ndarray, requires_grad: bool = False, col: int = 0) -> str:
    """``torch.tensor([...])``, with ``dtype=`` only where the literal would infer another;
    ``col``: the column it starts at, so long rows line up under the first one."""
    same = a.dtype.name in _DEFAULT_INFER and (a.size or a.dtype.name == "float32")
    kw = "" if same else f", dtype=torch.{a.dtype.name}"
    body = _array_lit(a, col + len("torch.tensor("))
    return f"torch.tensor({body}{kw}{', requires_grad=True' if requires_grad else ''})"


def _fmt_shape(shape) -> str:
    return "[" + ", ".join(str(int(s)) for s in shape) + "]"


def _script_helpers() -> str:
    return inspect.getsource(plain) + "\n\n" + inspect.getsource(entry)


def to_torch_script(graph: Graph, source_name: str = "", device: str = "cpu",
                    backward: bool = True, progress=None, cancel=None) -> str:
    """The runnable, commented PyTorch program of ``graph`` (runs it on the engine first;
    ``progress(done, total)`` and ``cancel()`` as for ``Executor.run``)."""
    return export_with_report(graph, source_name, device, backward, progress, cancel)[0]


class ExportCancelled(Exception):
    """``cancel()`` stopped an export before its script was written."""


def write_text_atomic(path: str | os.PathLike, text: str) -> str:
    """Write ``text`` (UTF-8) to ``path`` atomically (fileformat.write_atomic); the path."""
    return write_atomic(path, text.encode("utf-8"))


def export_with_report(graph: Graph, source_name: str = "", device: str = "cpu",
                       backward: bool = True, progress=None, cancel=None) -> tuple[str, dict]:
    """The script and the ``run_json`` report of the very run it was written from (raises
    ExportCancelled if ``cancel()`` stopped the run)."""
    import engine
    from .execute import Executor, phase_of

    engine.manual_seed(SEED)
    ex = Executor(graph)
    try:
        drawn = [nid for nid in graph.topological_order()
                 if _draws(get_kind(graph.nodes[nid].kind)) and
                 phase_of(get_kind(graph.nodes[nid].kind)) == "forward"]
        snaps: dict[str, dict[str, np.ndarray]] = {}
        if drawn:
            first = ex.run(device=device, nodes=drawn, cancel=cancel)
            _check_cancelled(first)
            for nid in drawn:
                r = first.nodes.get(nid)
                if r is not None and not r.error and not r.skipped:
                    snaps[nid] = {p: _host(v) for p, v in r.outputs.items()
                                  if hasattr(v, "_data")}
        res = ex.run(backward=backward, device=device, progress=progress, cancel=cancel)
        _check_cancelled(res)
        script = Writer(graph, res, snaps, ex, source_name, backward).script()
        return script, run_json(graph, res)
    finally:
        ex.close()


def _check_cancelled(res: RunResult) -> None:
    if any(lvl == "warning" and text == "run cancelled" for lvl, _n, text in res.log):
        raise ExportCancelled("export cancelled")


def _draws(kind: NodeKind) -> bool:
    """Kinds whose values are drawn or loaded when they run (written out as values)."""
    if kind.key.startswith("source:"):
        return True
    return kind.key in ("special:parameter", "special:linear", "special:conv2d")


def rename_index(text: str, name: str) -> str:
    """An index written as text (``[x[:, 2] > 5]``) with every name in it, which means the
    indexed tensor itself, replaced by ``name``."""
    try:
        tree = ast.parse("_" + str(text).strip(), mode="eval").body
    except SyntaxError:
        return str(text)
    if not isinstance(tree, ast.Subscript):
        return str(text)
    for n in ast.walk(tree.slice):
        if isinstance(n, ast.Name):
            n.id = name
    inner = ast.unparse(tree.slice)
    if isinstance(tree.slice, ast.Tuple) and inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1]
    return f"[{inner}]"


class ExportError(ValueError):
    """A graph that cannot be written as a PyTorch script (a node kind export does not know)."""


_OPERATORS = {"add": "+", "sub": "-", "mul": "*", "div": "/", "matmul": "@", "pow": "**",
              "eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_METHODS = {"view": "view", "view_dtype": "view", "expand": "expand", "repeat": "repeat",
            "to": "to", "contiguous": "contiguous"}
_FUNCTIONS = {"linalg_vector_norm": "torch.linalg.vector_norm", "nll_loss2d": "F.nll_loss",
              "max_pool2d_with_indices": "F.max_pool2d"}
_F_FAMILIES = ("nn", "loss")


class Writer:
    """Writes one run of a graph as a PyTorch script (see the module docstring)."""

    def __init__(self, graph: Graph, res: RunResult, snaps: dict, executor, source: str,
                 backward: bool = True) -> None:
        from .execute import phase_of

        self.g, self.res, self.snaps, self.ex, self.source = graph, res, snaps, executor, source
        self.backward = backward
        self.order = [n for n in res.order if n in graph.nodes]
        self.kinds = {n: get_kind(graph.nodes[n].kind) for n in self.order}
        self.phase = {n: phase_of(k) for n, k in self.kinds.items()}
        self.name = _names(graph, self.order)
        self.expr: dict[tuple[str, str], str] = {}
        self.ins = {n: graph.inputs_of(n) for n in self.order}
        self.no_grad = {m: f for f in graph.frames.values() if f.no_grad for m in f.members}
        self.uses_f = False

    # ---- whole script ----------------------------------------------------------------------
    def script(self) -> str:
        body = self._forward() + self._backward()
        title = self.g.meta.get("title") or "a Gradlab graph"
        head = [f'"""{title}: exported from Gradlab{f" ({self.source})" if self.source else ""}.',
                ""]
        note = str(self.g.meta.get("note") or "").strip()
        if note:
            head += _wrap(note.replace('"""', "'''"), 92) + [""]
        head += ["Running this script with PyTorch prints the same JSON object as "
                 f"`gradlab run {self.source or 'FILE'} --json`",
                 '(timings are null here).', '"""', "import json", "import math", "",
                 "import torch"]
        if self.uses_f:
            head.append("import torch.nn.functional as F")
        helpers = ["", "", "# ---- bookkeeping for the report at the end " + "-" * 40,
                   "flows = {}  # node id -> gradient that flowed into its tensor in backward",
                   "errors = {}  # node id -> the error Gradlab shows on it",
                   "capturing = False", "", "",
                   "def watch(node_id, t):",
                   '    """Keep the gradient that flows into t during backward."""',
                   "    def hook(g):",
                   "        if capturing:",
                   "            flows[node_id] = g if node_id not in flows else flows[node_id] + g",
                   "    t.register_hook(hook)", "", "",
                   "def fail(node_id, e, shapes):",
                   '    """Record a node\'s error as Gradlab words it; the node has no value."""',
                   '    errors[node_id] = (str(e) or type(e).__name__) + '
                   '(f" (input shapes: {shapes})" if shapes else "")',
                   "    return None", "", "",
                   "# ---- the graph, node by node, in the order Gradlab runs them " + "-" * 23]
        report = self._report()
        return "\n".join(head + helpers + body + report) + "\n"

    # ---- forward -------------------------------------------------------------------------
    def _forward(self) -> list[str]:
        out: list[str] = []
        frame = None
        for nid in self.order:
            if self.phase[nid] != "forward":
                continue
            f = self.no_grad.get(nid)
            if f is not frame:
                if f is not None:
                    out.append(f"with torch.no_grad():  # frame {f.label!r}: no graph is recorded")
                frame = f
            pad = "    " if frame is not None else ""
            out += [pad + line for line in self._node(nid)]
        watched = [(nid, self.expr[(nid, port)]) for nid in self.order
                   for port in [self._reported_port(nid)]
                   if port and self.res.nodes[nid].requires_grad and
                   self.phase[nid] == "forward" and not self.res.nodes[nid].error and
                   not self._changed_later(nid)]
        if watched:
            out += ["", "# Watch what flows into each tensor during backward (Gradlab's grad "
                        "flow).", "for node_id, t in ["]
            out += [f"        ({nid!r}, {e})," for nid, e in watched]
            out += ["]:", "    watch(node_id, t)"]
        return out

    def _changed_later(self, nid: str) -> bool:
        """Whether a later in-place node returns this node's tensor (a newer version of it)."""
        r = self.res.nodes[nid]
        if not r.requires_grad or r.tensor is None:
            return False
        later = self.order[self.order.index(nid) + 1:]
        return any(self.kinds[m].inplace and self.res.nodes[m].tensor is r.tensor for m in later)

    def _reported_port(self, nid: str) -> str | None:
        r = self.res.nodes[nid]
        for p in self.kinds[nid].outputs:
            if hasattr(r.outputs.get(p.name), "_data"):
                return p.name
        return None

    def _node(self, nid: str) -> list[str]:
        node, kind, r = self.g.nodes[nid], self.kinds[nid], self.res.nodes[nid]
        name = self.name[nid]
        for p in kind.outputs:
            self.expr[(nid, p.name)] = name
        if r.skipped:
            return [f"{name} = None  # {node.label}: skipped ({r.skipped})"]
        code = self._code(nid, node, kind, r)
        if node.requires_grad and kind.inputs and r.is_leaf and r.requires_grad:
            code.append(f"{name}.requires_grad_(True)  # the node's requires_grad flag")
        if node.retain_grad and r.requires_grad:
            code.append(f"{name}.retain_grad()  # the node's retain_grad flag")
        if self._changed_later(nid):  # hook this version now: an in-place op changes it later
            code.append(f"watch({nid!r}, {self.expr[(nid, self._reported_port(nid))]})")
        if r.error:
            shapes = ", ".join(self._input_shapes(nid))
            return (["try:"] + ["    " + c for c in code] +
                    ["except Exception as e:  # Gradlab shows this error on the node too",
                     f"    {name} = fail({nid!r}, e, {shapes!r})"])
        return code

    def _input_shapes(self, nid: str) -> list[str]:
        out = []
        for p in self.kinds[nid].inputs:
            for e in self.ins[nid].get(p.name, []):
                src = self.res.nodes.get(e.src)
                v = src.outputs.get(e.src_port) if src is not None else None
                if hasattr(v, "shape"):
                    out.append(_fmt_shape(v.shape))
        return out

    def _input_dtype(self, nid: str) -> str | None:
        edges = self.ins[nid].get(self.kinds[nid].inputs[0].name, [])
        src = self.res.nodes.get(edges[0].src) if edges else None
        v = src.outputs.get(edges[0].src_port) if src is not None else None
        return v.dtype.name if hasattr(v, "dtype") else None

    def _in(self, nid: str, port: str) -> str | None:
        """The expression feeding an input port (a list for a variadic one)."""
        kind, node = self.kinds[nid], self.g.nodes[nid]
        spec = next(p for p in kind.inputs if p.name == port)
        edges = self.ins[nid].get(port, [])
        if spec.variadic:
            return "[" + ", ".join(self.expr[(e.src, e.src_port)] for e in edges) + "]"
        if edges:
            return self.expr[(edges[0].src, edges[0].src_port)]
        if spec.scalar_ok and node.attrs.get(port) is not None:
            return _lit(node.attrs[port])
        return None

    # ---- one node's statements -----------------------------------------------------------
    def _code(self, nid, node, kind: NodeKind, r) -> list[str]:
        name = self.name[nid]
        if kind.key.startswith("source:"):
            return self._source(nid, node, kind, r)
        if kind.op is not None and kind.op.name == "index_put":
            return self._index_put(nid, node, kind)
        if kind.op is not None:
            rhs = self._op(nid, node, kind)
            outs = [p.name for p in kind.outputs]
            if len(outs) > 1:
                names = [f"{name}_{p}" for p in outs]
                for p, n in zip(outs, names):
                    self.expr[(nid, p)] = n
                return [f"{', '.join(names)} = {rhs}"]
            return [f"{name} = {rhs}"]
        special = getattr(self, "_" + kind.key.split(":", 1)[1], None)
        if special is None:
            raise ExportError(f"{node.label}: node kind {kind.key} cannot be exported yet")
        return special(nid, node, kind, r)

    def _source(self, nid, node, kind: NodeKind, r) -> list[str]:
        name, op = self.name[nid], kind.op
        attrs = {a.name: node.attrs.get(a.name, a.default) for a in op.attrs}
        rg = bool(attrs.pop("requires_grad", False)) or node.requires_grad
        attrs.pop("device", None)
        if op.name in RANDOM_SOURCES or op.name not in ("tensor", "zeros", "ones", "full",
                                                        "eye", "arange", "linspace"):
            vals = self.snaps.get(nid, {}).get(kind.outputs[0].name)
            if vals is None:
                vals = _host(r.tensor)
            call = f"torch.{op.name}({_call_args(op, attrs)})"
            what = "read from" if op.name == "from_file" else "drew with"
            return [f"# Gradlab {what} {call}; written out so PyTorch uses the same numbers",
                    f"{name} = {_tensor_lit(vals, rg, len(name) + 3)}"]
        if op.name == "tensor":
            data = attrs.pop("data")
            if isinstance(data, np.ndarray):  # an array keeps its dtype: say it
                attrs["dtype"] = attrs.get("dtype") or data.dtype.name
                data = data.tolist()
            args = _lit(data) + "".join(f", {k}={_kw(v)}" for k, v in attrs.items()
                                        if v is not None)
        else:
            args = _call_args(op, attrs)
        return [f"{name} = torch.{op.name}({args}{', requires_grad=True' if rg else ''})"]

    def _op(self, nid, node, kind: NodeKind) -> str:
        op = kind.op
        port_attrs = set(kind.extra.get("port_attrs", ()))
        ins = [self._in(nid, p.name) for p in kind.inputs]
        attrs = {a.name: node.attrs.get(a.name, a.default) for a in op.attrs
                 if a.name not in port_attrs}
        changed = {k: v for k, v in attrs.items() if k in node.attrs and
                   (op.attr(k).required or v != op.attr(k).default)}
        if kind.inplace:
            rest = ", ".join([i for i in ins[1:] if i is not None] +
                             [f"{k}={_kw(v)}" for k, v in changed.items()])
            method = op.name if op.name.endswith("_") else op.name + "_"  # fill_ stays fill_
            return f"{ins[0]}.{method}({rest})"
        if op.key == "index":
            return f"{ins[0]}{rename_index(attrs['index'], ins[0])}"
        if op.key == "pow.Scalar":
            return f"{_lit(attrs['input'])} ** {ins[0]}"
        sym = _OPERATORS.get(op.key)
        if sym is not None and len(ins) <= 2 and not (set(changed) - {"exponent"}):
            other = ins[1] if len(ins) > 1 else _lit(attrs.get("exponent"))
            if other is not None:
                return f"{ins[0]} {sym} {other}"
        if op.key == "neg":
            return f"-{ins[0]}"
        while ins and ins[-1] is None:
            ins.pop()
        args = [i if i is not None else "None" for i in ins]
        if op.key == "to_copy":
            kws = [f"{k}={_kw(v)}" for k, v in attrs.items() if v is not None]
            if self._input_dtype(nid) == attrs.get("dtype") or not kws:
                kws.append("copy=True")  # .to() alone would return the same tensor
            return f"{args[0]}.to({', '.join(kws)})"
        if op.key in _METHODS:
            pos = [_kw(v) for k, v in attrs.items() if v is not None]
            return f"{args[0]}.{_METHODS[op.key]}({', '.join(pos)})"
        if any(not a.keyword_only for a in op.attrs if a.name not in port_attrs):
            # a positional attribute may sit between the tensors in PyTorch's signature
            # (gather(input, dim, index)): name the tensors after the first
            args = args[:1] + [f"{p.name}={a}" for p, a in zip(kind.inputs[1:], args[1:])]
        args += [f"{k}={_kw(v)}" for k, v in changed.items()]
        if op.key == "max_pool2d_with_indices":
            args.append("return_indices=True")
        fn = _FUNCTIONS.get(op.key)
        if fn is None:
            fn = f"F.{op.name}" if op.family in _F_FAMILIES else f"torch.{op.name}"
        self.uses_f |= fn.startswith("F.")
        return f"{fn}({', '.join(args)})"

    def _index_put(self, nid, node, kind: NodeKind) -> list[str]:
        """``x[index] = values`` (in place), or on a clone for the out-of-place op."""
        name, x, v = self.name[nid], self._in(nid, "input"), self._in(nid, "values")
        idx = rename_index(node.attrs.get("indices", node.attrs.get("index", "[...]")), x)
        acc = node.attrs.get("accumulate")
        op = "+=" if acc else "="
        if kind.inplace:
            return [f"{x}{idx} {op} {v}", f"{name} = {x}"]
        return [f"{name} = {x}.clone()", f"{name}{idx} {op} {v}"]

    # ---- special kinds (method names follow the kind key) ----------------------------------
    def _parameter(self, nid, node, kind, r) -> list[str]:
        a = {x.name: node.attrs.get(x.name, x.default) for x in kind.attrs}
        vals = self.snaps.get(nid, {}).get("out")
        vals = _host(r.tensor) if vals is None else vals
        how = {"randn": f"randn (mean {a['mean']}, std {a['std']})", "rand": "rand",
               "uniform": f"uniform({a['low']}, {a['high']})"}.get(a["init"])
        head = [f"# {node.label}: a parameter (a leaf tensor"
                f"{' that requires grad' if node.requires_grad else ''})"]
        if how:
            head.append(f"# Gradlab drew its values with {how}; written out here")
        name = self.name[nid]
        return head + [f"{name} = {_tensor_lit(vals, node.requires_grad, len(name) + 3)}"]

    def _layer(self, nid, node, kind, r, ctor: str) -> list[str]:
        name = self.name[nid]
        snap = self.snaps.get(nid, {})
        self.expr[(nid, "out")] = f"{name}_out"
        self.expr[(nid, "weight")] = f"{name}.weight"
        self.expr[(nid, "bias")] = f"{name}.bias" if node.attrs.get("bias", True) else "None"
        x = self._in(nid, "input")
        lines = [f"{name} = {ctor}",
                 "with torch.no_grad():  # the initial weights Gradlab drew (PyTorch's init, "
                 "its own random numbers)"]
        for p in ("weight", "bias"):
            v = snap.get(p)
            if v is None and hasattr(r.outputs.get(p), "_data"):
                v = _host(r.outputs[p])
            if v is not None:
                pre = f"    {name}.{p}.copy_("
                lines.append(f"{pre}{_tensor_lit(v, col=len(pre))})")
        return lines + [f"{name}_out = {name}({x})"]

    def _linear(self, nid, node, kind, r) -> list[str]:
        a = node.attrs
        ctor = (f"torch.nn.Linear({a['in_features']}, {a['out_features']}"
                f"{'' if a.get('bias', True) else ', bias=False'}"
                f"{'' if a.get('dtype', 'float32') == 'float32' else ', dtype=torch.' + a['dtype']})")
        return self._layer(nid, node, kind, r, ctor)

    def _conv2d(self, nid, node, kind, r) -> list[str]:
        a = node.attrs
        extra = "".join(f", {k}={_lit(a[k])}" for k, d in (("stride", (1, 1)), ("padding", (0, 0)),
                                                          ("dilation", (1, 1)), ("groups", 1))
                        if tuple(np.atleast_1d(a.get(k, d))) != tuple(np.atleast_1d(d)))
        if not a.get("bias", True):
            extra += ", bias=False"
        if a.get("dtype", "float32") != "float32":
            extra += f", dtype=torch.{a['dtype']}"
        ctor = (f"torch.nn.Conv2d({a['in_channels']}, {a['out_channels']}, "
                f"{_lit(a['kernel_size'])}{extra})")
        return self._layer(nid, node, kind, r, ctor)

    def _cross_entropy(self, nid, node, kind, r) -> list[str]:
        self.uses_f = True
        args = [self._in(nid, "input"), self._in(nid, "target")]
        w = self._in(nid, "weight")
        if w is not None:
            args.append(f"weight={w}")
        args += [f"{k}={_kw(node.attrs[k])}" for k, d in (("reduction", "mean"),
                                                         ("ignore_index", -100),
                                                         ("label_smoothing", 0.0))
                 if node.attrs.get(k, d) != d]
        return [f"{self.name[nid]} = F.cross_entropy({', '.join(args)})"]

    def _detach(self, nid, node, kind, r) -> list[str]:
        return [f"{self.name[nid]} = {self._in(nid, 'input')}.detach()"]

    def _retain(self, nid, node, kind, r) -> list[str]:
        x = self._in(nid, "input")
        return [f"{x}.retain_grad()", f"{self.name[nid]} = {x}"]

    def _grad(self, nid, node, kind, r) -> list[str]:
        name = self.name[nid]
        n = len(self.ins[nid].get("inputs", []))
        for i, p in enumerate(kind.outputs):
            self.expr[(nid, p.name)] = f"{name}[{i}]" if i < n else "None"
        args = [self._in(nid, "outputs"), self._in(nid, "inputs")]
        go = self._in(nid, "grad_outputs")
        if go is not None:
            args.append(f"grad_outputs={go}")
        for k in ("retain_graph", "allow_unused"):
            if node.attrs.get(k):
                args.append(f"{k}=True")
        return [f"{name} = torch.autograd.grad({', '.join(args)})"]

    # ---- after the forward pass ----------------------------------------------------------
    def _backward(self) -> list[str]:
        out: list[str] = []
        if not self.backward:
            return out
        out += ["", "# ---- backward " + "-" * 69, "capturing = True"]
        for nid in self.order:
            if self.phase[nid] == "zero_grad":
                out += self._wrap_error(nid, self._zero_grad(nid))
        ran_backward = False
        for nid in self.order:
            if self.phase[nid] == "backward":
                out += self._wrap_error(nid, self._backward_node(nid))
                ran_backward = True
        if not ran_backward:
            out += self._implicit()
        out.append("capturing = False")
        for nid in self.order:
            if self.phase[nid] == "step":
                out += self._step_comment(nid)
        return out

    def _wrap_error(self, nid: str, code: list[str]) -> list[str]:
        r = self.res.nodes[nid]
        if r.skipped:
            return [f"# {self.g.nodes[nid].label}: skipped ({r.skipped})"]
        if not r.error:
            return code
        shapes = ", ".join(self._input_shapes(nid))
        return (["try:"] + ["    " + c for c in code] +
                ["except Exception as e:  # Gradlab shows this error on the node too",
                 f"    fail({nid!r}, e, {shapes!r})"])

    def _backward_node(self, nid: str) -> list[str]:
        node = self.g.nodes[nid]
        t = self._in(nid, "tensor")
        args = []
        grad = self._in(nid, "gradient")
        if grad is not None:
            args.append(grad)
        if node.attrs.get("retain_graph"):
            args.append("retain_graph=True")
        return [f"{t}.backward({', '.join(args)})  # {node.label}"]

    def _implicit(self) -> list[str]:
        src = next((nid for lvl, nid, text in self.res.log if lvl == "info" and nid and
                    text.startswith("no backward node")), None)
        if src is None:
            return ["# (nothing to run backward from: no backward node and no scalar output "
                    "that requires grad)"]
        failed = any(lvl == "error" and nid == src and "backward from" in text
                     for lvl, nid, text in self.res.log)
        line = f"{self.expr[(src, self._reported_port(src))]}.backward()"
        head = [f"# The graph has no backward node, so Gradlab runs backward() from its last "
                f"scalar output, {self.g.nodes[src].label}."]
        if failed:
            return head + ["try:", f"    {line}", "except Exception:  # Gradlab logs this error",
                           "    pass"]
        return head + [line]

    def _tensor_exprs(self, tensors) -> list[str]:
        by_id = {}
        for nid in self.order:
            for p, v in self.res.nodes[nid].outputs.items():
                if hasattr(v, "_data") and (nid, p) in self.expr:
                    by_id.setdefault(id(v), self.expr[(nid, p)])
        return [by_id[id(t)] for t in tensors if id(t) in by_id]

    def _zero_grad(self, nid: str) -> list[str]:
        from .special import leaves_of

        node = self.g.nodes[nid]
        conn = [self.res.nodes[e.src].outputs.get(e.src_port)
                for e in self.ins[nid].get("tensors", [])]
        conn = [t for t in conn if t is not None]
        leaves = leaves_of(conn) if conn else self.ex.leaves()
        names = self._tensor_exprs(leaves)
        if not names:
            return [f"# {node.label}: no leaf to clear"]
        action = ("t.grad = None" if node.attrs.get("set_to_none", True) else
                  "if t.grad is not None:\n        t.grad.zero_()")
        return [f"for t in ({', '.join(names)},):  # {node.label}: clear .grad",
                f"    {action}"]

    def _step_comment(self, nid: str) -> list[str]:
        from .special import optimizer_settings

        s = optimizer_settings(self.g.nodes[nid].attrs)
        name = s.pop("optimizer")
        defaults = optimizer_settings({"optimizer": name})
        kws = "".join(f", {k}={_kw(v)}" for k, v in s.items() if k == "lr" or v != defaults[k])
        return ["", f"# {self.g.nodes[nid].label}: Gradlab's Step and Train buttons then run",
                f"#     torch.optim.{name}(params{kws}).step()",
                "# on the leaves the loss depends on; `gradlab run` does not, so neither does "
                "this script."]

    # ---- the report ----------------------------------------------------------------------
    def _report(self) -> list[str]:
        rows = []
        for nid in self.order:
            port = self._reported_port(nid)
            t = self.expr.get((nid, port), "None") if port else "None"
            rows.append(f"    ({nid!r}, {self.g.nodes[nid].label!r}, {self.g.nodes[nid].kind!r}, "
                        f"{t}),")
        return (["", "# ---- the report: the same JSON object as `gradlab run --json` " + "-" * 21,
                 _script_helpers().rstrip(), "", "",
                 "NODES = [  # (node id, label, kind, the tensor Gradlab shows for it)"] + rows +
                ["]",
                 'print(json.dumps({"format": "gradlab-run", "version": 1, '
                 f'"device": {self.res.device!r}, "nodes": [',
                 "    entry(node_id, label, op, t, flows.get(node_id), errors.get(node_id))",
                 "    for node_id, label, op, t in NODES]}))"])


def _kw(v) -> str:
    """A keyword argument value: dtypes as ``torch.float64``."""
    if isinstance(v, str) and v in ("bool", "uint8", "int8", "int16", "int32", "int64",
                                    "float16", "float32", "float64"):
        return f"torch.{v}"
    return _lit(v)


_VARARG_SIZE = ("zeros", "ones", "empty", "rand", "randn")


def _call_args(op, attrs: dict) -> str:
    """Creation arguments: the size spelled out (``2, 3``), then the others."""
    parts = []
    for a in op.attrs:
        if a.name not in attrs:
            continue
        v = attrs[a.name]
        if a.name == "size" and not parts and op.name in _VARARG_SIZE:
            parts.append(", ".join(str(int(s)) for s in v) if len(v) else "()")
        elif v is None or (a.name == "dtype" and v is None):
            continue
        elif a.keyword_only:
            parts.append(f"{a.name}={_kw(v)}")
        elif a.kind == "shape":
            parts.append(_lit(tuple(v)))
        else:
            parts.append(_lit(v))
    return ", ".join(parts)


def _wrap(text: str, width: int) -> list[str]:
    import textwrap
    out = []
    for para in text.split("\n"):
        out += textwrap.wrap(para, width) or [""]
    return out
