"""The .gradlab file: one JSON document per graph, validated, migrated, saved atomically.

Layout (format version 1, schema in ``schema.json`` next to this module)::

    {"format": "gradlab", "version": 1, "meta": {"title": ..., "note": ...},
     "nodes": [{"id", "kind", "label", "attrs", "pos": [x, y], "requires_grad", "retain_grad"}],
     "edges": [{"id", "src", "src_port", "dst", "dst_port", "index"}],
     "frames": [{"id", "label", "rect": [x, y, w, h], "no_grad", "members": [node ids]}]}

Nodes are written in the order they were added (which breaks ties in the run order). Tensor
data in attributes: nested lists stay nested lists up to 1024 elements; NumPy arrays are
``{"array": [...], "dtype": "float32"}`` up to 1024 elements; anything larger is
``{"npy_base64": ..., "as": "list"|"ndarray"}`` (``numpy.save`` bytes, read back with
``allow_pickle=False``). Floats that are not finite use the NaN/Infinity tokens of Python's json.

Loading checks the schema (``_SchemaCheck`` compiles schema.json into small checks, several
times faster than the jsonschema package, which the tests hold it against), then what a schema
cannot say (known node kinds, attribute values
through ``kinds.validate_attr``, edges between existing ports, one edge per input, no cycles,
frame members), and raises :class:`FileFormatError` whose message says where the file is wrong
(``nodes[3].attrs.dim: expects int, got 'x'``). Loading never executes anything from the file.
Older versions are migrated (``MIGRATIONS``); a newer version is refused.

Version 0 (before frames and edge ids) was::

    {"format": "gradlab", "version": 0, "title": ..., "note": ...,
     "nodes": {"<id>": {"op": "<registry key or special name>", "name": label, "params": {...},
                        "x": float, "y": float, "requires_grad": bool}},
     "links": [["<src id>", "<dst id>", "<dst port>"], ...]}   # from the source's first output
"""
from __future__ import annotations

import base64
import binascii
import io
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np

from .model import Edge, Graph, GraphError, new_id

FORMAT = "gradlab"
VERSION = 1
EXTENSION = ".gradlab"
INLINE_LIMIT = 1024  # tensor data up to this many elements is written as nested lists
SCHEMA_PATH = Path(__file__).with_name("schema.json")
_DTYPES = ("bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64")


class FileFormatError(Exception):
    """A file Gradlab cannot read: ``where`` (``nodes[3].attrs.dim``) and what is wrong."""

    def __init__(self, message: str, where: str = "", path: str | None = None) -> None:
        self.message, self.where, self.path = message, where, path
        super().__init__(str(self))

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{self.path}: {text}" if self.path else text


def where(path: Iterable[Any]) -> str:
    """``['nodes', 3, 'attrs', 'dim']`` -> ``nodes[3].attrs.dim``."""
    out = ""
    for p in path:
        if isinstance(p, int):
            out += f"[{p}]"
        elif isinstance(p, str) and p.isidentifier():
            out += f".{p}" if out else p
        else:
            out += f"[{json.dumps(str(p))}]"
    return out


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# ---- attribute values ------------------------------------------------------------------------

def _count(value: Any) -> int:
    if isinstance(value, (list, tuple)):
        return sum(_count(v) for v in value) if value and isinstance(value[0], (list, tuple)) \
            else len(value)
    return 1


def _npy(arr: np.ndarray, as_: str) -> dict:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(arr), allow_pickle=False)
    return {"npy_base64": base64.b64encode(buf.getvalue()).decode("ascii"), "as": as_}


def encode_value(value: Any, at: str = "") -> Any:
    """An attribute value as JSON data (tuples as lists, arrays per the size rule)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        if value.dtype.name not in _DTYPES:
            raise FileFormatError(f"cannot save an array of dtype {value.dtype}", at)
        if value.size <= INLINE_LIMIT:
            return {"array": value.tolist(), "dtype": value.dtype.name}
        return _npy(value, "ndarray")
    if isinstance(value, (list, tuple)):
        if _count(value) > INLINE_LIMIT:
            try:
                arr = np.array(value)
            except ValueError:  # ragged: keep it as the user typed it
                arr = None
            if arr is not None and arr.dtype.name in _DTYPES:
                return _npy(arr, "list")
        return [encode_value(v, at) for v in value]
    raise FileFormatError(f"cannot save a value of type {type(value).__name__}", at)


def _load_npy(text: str, at: str) -> np.ndarray:
    try:
        raw = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise FileFormatError("npy_base64 is not valid base64", at) from None
    try:
        arr = np.load(io.BytesIO(raw), allow_pickle=False)
    except Exception as e:  # numpy raises ValueError/EOFError/OSError/... for bad bytes
        raise FileFormatError(f"npy_base64 is not a .npy array ({type(e).__name__}: "
                              f"{_short(str(e), 120)})", at) from None
    if not isinstance(arr, np.ndarray) or arr.dtype.name not in _DTYPES:
        raise FileFormatError(f"npy_base64 holds an unsupported dtype "
                              f"{getattr(arr, 'dtype', '?')}", at)
    return np.array(arr)  # a plain, writable array


def decode_value(value: Any, at: str = "") -> Any:
    """JSON data back to an attribute value (arrays decoded; tuples come from validate_attr)."""
    if isinstance(value, dict):
        if "npy_base64" in value:
            arr = _load_npy(value["npy_base64"], at + ".npy_base64")
            return arr.tolist() if value.get("as", "list") == "list" else arr
        if "array" in value:
            try:
                return np.array(value["array"], dtype=value["dtype"])
            except (ValueError, TypeError, OverflowError) as e:
                raise FileFormatError(f"not a {value['dtype']} array ({_short(str(e), 80)})",
                                      at) from None
    return value


def _check_data(value: Any, at: str) -> None:
    """Tensor data: a number, a bool, an array, or nested lists of those."""
    if isinstance(value, np.ndarray) or value is None:
        return
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, list):
            stack.extend(v)
        elif isinstance(v, str) or not isinstance(v, (bool, int, float)):
            raise FileFormatError(f"tensor data must be numbers, got {_short(v)}", at)


# ---- schema ----------------------------------------------------------------------------------

_VALIDATOR = None


def schema() -> dict:
    """The published JSON Schema of format version ``VERSION``."""
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def _validator():
    """The jsonschema package's validator of schema.json (the tests check ours against it)."""
    global _VALIDATOR
    if _VALIDATOR is None:
        from jsonschema import Draft202012Validator
        _VALIDATOR = Draft202012Validator(schema())
    return _VALIDATOR


_JSON_TYPES = {"object": "an object", "array": "a list", "string": "a string",
               "number": "a number", "integer": "an integer", "boolean": "true or false",
               "null": "null"}


def _json_type(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    return {dict: "an object", list: "a list", str: "a string", int: "an integer",
            float: "a number", type(None): "null"}.get(type(v), type(v).__name__)


def _check_schema(doc: dict) -> None:
    """Validate against schema.json: the fast checker below, which reads the same schema."""
    err = _SchemaCheck.get().first_error(doc)
    if err is not None:
        raise FileFormatError(err[1], where(err[0]))


class _SchemaCheck:
    """A small JSON Schema compiler for the keywords schema.json uses: each schema becomes a
    closure ``check(value, path) -> (path, message) | None``. Several times faster than
    jsonschema on a 1,000-node file; it refuses a schema that uses other keywords."""

    KEYWORDS = {"$schema", "$id", "title", "description", "$defs", "type", "const", "enum",
                "required", "additionalProperties", "properties", "items", "pattern",
                "minLength", "maxLength", "minItems", "maxItems", "minimum", "anyOf", "$ref"}
    _instance: "_SchemaCheck | None" = None

    def __init__(self, root: dict) -> None:
        self.root = root
        self._compiled: dict[int, Callable] = {}
        self.check = self._compile(root)

    @classmethod
    def get(cls) -> "_SchemaCheck":
        if cls._instance is None:
            cls._instance = cls(schema())
        return cls._instance

    def first_error(self, value: Any) -> tuple[list, str] | None:
        err = self.check(value, [])
        return None if err is None else (err[0], err[1]() if callable(err[1]) else err[1])

    def _compile(self, s: dict) -> Callable:
        key = id(s)
        if key in self._compiled:
            return self._compiled[key]
        cell: list[Callable] = []
        self._compiled[key] = lambda v, p: cell[0](v, p)  # a forward reference for $ref loops
        unknown = set(s) - self.KEYWORDS
        if unknown:
            raise ValueError(f"schema keyword(s) {sorted(unknown)} not supported")
        checks = []
        if "$ref" in s:
            node: Any = self.root
            for part in s["$ref"].lstrip("#/").split("/"):
                node = node[part]
            checks.append(self._compile(node))
        if "type" in s:
            checks.append(_type_check(s["type"]))
        if "const" in s or "enum" in s:
            allowed = [s["const"]] if "const" in s else s["enum"]
            checks.append(lambda v, p: None if any(_json_equal(v, e) for e in allowed) else (
                p, lambda: f"expects {' or '.join(map(repr, allowed))}, got {_short(v)}"))
        if "anyOf" in s:
            checks.append(_any_of([self._compile(x) for x in s["anyOf"]]))
        if {"properties", "required", "additionalProperties"} & set(s):
            props = {k: self._compile(x) for k, x in s.get("properties", {}).items()}
            extra = s.get("additionalProperties", True)
            checks.append(_object_check(props, tuple(s.get("required", ())), extra if
                                        isinstance(extra, bool) else self._compile(extra)))
        if {"items", "minItems", "maxItems"} & set(s):
            checks.append(_array_check(self._compile(s["items"]) if "items" in s else None,
                                       s.get("minItems", 0), s.get("maxItems")))
        if {"pattern", "minLength", "maxLength"} & set(s):
            checks.append(_string_check(s.get("pattern"), s.get("minLength", 0),
                                        s.get("maxLength")))
        if "minimum" in s:
            lo = s["minimum"]
            checks.append(lambda v, p: (p, f"expects a number >= {lo}, got {v!r}") if
                          _is_type(v, "number") and v < lo else None)

        def check(v, p):
            for c in checks:
                err = c(v, p)
                if err is not None:
                    return err
            return None
        fn = checks[0] if len(checks) == 1 else check
        cell.append(fn)
        self._compiled[key] = fn
        return fn


_PY_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _type_check(t) -> Callable:
    want = [t] if isinstance(t, str) else list(t)
    simple = tuple(_PY_TYPES[x] for x in want if x in _PY_TYPES)
    numeric = [x for x in want if x in ("number", "integer")]

    def check(v, p):
        if isinstance(v, simple) and not (isinstance(v, int) and bool not in simple and
                                          isinstance(v, bool)):
            return None
        if numeric and any(_is_type(v, x) for x in numeric):
            return None
        return p, lambda: (f"expects {' or '.join(_JSON_TYPES.get(x, x) for x in want)}, "
                           f"got {_json_type(v)} {_short(v)}")
    return check


def _any_of(subs: list[Callable]) -> Callable:
    def check(v, p):
        errs = []
        for c in subs:
            err = c(v, p)
            if err is None:
                return None
            errs.append(err)
        deep = [e for e in errs if len(e[0]) > len(p)]  # the branch that matched the type
        return deep[0] if len(deep) == 1 else (p, lambda: f"not a valid value: {_short(v)}")
    return check


def _object_check(props: dict, required: tuple, extra) -> Callable:
    def check(v, p):
        if not isinstance(v, dict):
            return None
        missing = [k for k in required if k not in v]
        if missing:
            return p, f"missing {', '.join(repr(k) for k in missing)}"
        for k, x in v.items():
            sub = props.get(k)
            if sub is None:
                if extra is False:
                    return p, f"unexpected field {k!r}"
                if extra is True:
                    continue
                sub = extra
            err = sub(x, p + [k])
            if err is not None:
                return err
        return None
    return check


def _array_check(items, lo: int, hi) -> Callable:
    def check(v, p):
        if not isinstance(v, list):
            return None
        if len(v) < lo:
            return p, f"expects {lo} items or more, got {len(v)}"
        if hi is not None and len(v) > hi:
            return p, f"expects {hi} items or fewer, got {len(v)}"
        if items is not None:
            for i, x in enumerate(v):
                err = items(x, p + [i])
                if err is not None:
                    return err
        return None
    return check


def _string_check(pattern, lo: int, hi) -> Callable:
    import re
    rx = re.compile(pattern) if pattern else None

    def check(v, p):
        if not isinstance(v, str):
            return None
        if len(v) < lo or (hi is not None and len(v) > hi):
            return p, f"expects a string of {lo} to {hi or 'any'} characters, got {len(v)}"
        if rx is not None and not rx.search(v):
            if p and p[-1] == "kind":
                return p, (f"unknown node kind {_short(v)} (kinds are op:..., source:... or "
                           f"special:...)")
            return p, f"{_short(v)} does not match {pattern}"
        return None
    return check


def _is_type(v: Any, t: str) -> bool:
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "integer":
        return (isinstance(v, int) and not isinstance(v, bool)) or \
            (isinstance(v, float) and v.is_integer())
    return isinstance(v, {"object": dict, "array": list, "string": str, "boolean": bool,
                          "null": type(None)}[t])


def _json_equal(a: Any, b: Any) -> bool:
    """JSON equality: 1 == 1.0, but true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b or \
        (isinstance(a, (int, float)) and isinstance(b, (int, float)) and a == b)


# ---- migrations ------------------------------------------------------------------------------

def _need(cond: bool, message: str, at: str) -> None:
    if not cond:
        raise FileFormatError(message, at)


def _kind_of_v0(op: str) -> str:
    from .kinds import all_kinds

    if ":" in op:
        return op
    kinds = all_kinds()
    for prefix in ("op:", "source:", "special:"):
        if prefix + op in kinds:
            return prefix + op
    return "op:" + op  # reported as an unknown kind by the checks that follow


def _v0_to_v1(doc: dict) -> dict:
    """Version 0 -> 1: nodes keyed by id with x/y and params, links without ids or ports out."""
    from .kinds import all_kinds

    nodes_in, links = doc.get("nodes", {}), doc.get("links", [])
    _need(isinstance(nodes_in, dict), "expects an object of nodes by id (version 0)", "nodes")
    _need(isinstance(links, list), "expects a list of links (version 0)", "links")
    nodes = []
    for nid, n in nodes_in.items():
        at = where(["nodes", nid])
        _need(isinstance(n, dict), "expects an object", at)
        _need(isinstance(n.get("op"), str), "missing 'op'", at)
        x, y = n.get("x", 0.0), n.get("y", 0.0)
        node = {"id": nid, "kind": _kind_of_v0(n["op"]), "attrs": n.get("params", {}),
                "pos": [x, y], "requires_grad": n.get("requires_grad", False),
                "retain_grad": False}
        if "name" in n:
            node["label"] = n["name"]
        nodes.append(node)
    kinds = all_kinds()
    edges = []
    for i, link in enumerate(links):
        at = where(["links", i])
        _need(isinstance(link, list) and len(link) == 3 and all(isinstance(s, str) for s in link),
              "expects [source id, target id, target port]", at)
        src = nodes_in.get(link[0])
        kind = kinds.get(_kind_of_v0(src["op"])) if isinstance(src, dict) and \
            isinstance(src.get("op"), str) else None
        port = kind.outputs[0].name if kind is not None and kind.outputs else "out"
        edges.append({"id": new_id(), "src": link[0], "src_port": port, "dst": link[1],
                      "dst_port": link[2]})
    meta = {"title": doc.get("title", ""), "note": doc.get("note", "")}
    return {"format": FORMAT, "version": 1, "meta": meta, "nodes": nodes, "edges": edges,
            "frames": []}


#: version -> function turning a document of that version into one of the next version
MIGRATIONS: dict[int, Callable[[dict], dict]] = {0: _v0_to_v1}


def migrate(doc: dict) -> dict:
    """Bring a parsed document to ``VERSION``; refuse a newer one clearly."""
    if not isinstance(doc, dict):
        raise FileFormatError(f"expects a JSON object at the top, got {_json_type(doc)}")
    if doc.get("format") != FORMAT:
        found = doc.get("format")
        raise FileFormatError("not a Gradlab graph file (no \"format\": \"gradlab\")" if found is
                              None else f"not a Gradlab graph file (format is {_short(found)})")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise FileFormatError(f"expects a format version number, got {_short(version)}",
                              "version")
    if version > VERSION:
        raise FileFormatError(f"this file was written by a newer Gradlab (format version "
                              f"{version}); this program reads versions up to {VERSION}. "
                              f"Update Gradlab to open it.")
    while version < VERSION:
        doc = MIGRATIONS[version](doc)
        version = doc["version"]
    return doc


# ---- document <-> graph ----------------------------------------------------------------------

def to_dict(graph: Graph) -> dict:
    """The graph as a version-``VERSION`` document (plain JSON data)."""
    nodes = []
    for n in sorted(graph.nodes.values(), key=lambda n: n.seq):
        at = where(["nodes", len(nodes), "attrs"])
        nodes.append({"id": n.id, "kind": n.kind, "label": n.label,
                      "attrs": {k: encode_value(v, f"{at}.{k}") for k, v in n.attrs.items()},
                      "pos": [_coord(n.pos[0]), _coord(n.pos[1])],
                      "requires_grad": bool(n.requires_grad), "retain_grad": bool(n.retain_grad)})
    edges = [{"id": e.id, "src": e.src, "src_port": e.src_port, "dst": e.dst,
              "dst_port": e.dst_port, "index": e.index} for e in graph.edges.values()]
    frames = [{"id": f.id, "label": f.label, "rect": [_coord(v) for v in f.rect],
               "no_grad": bool(f.no_grad), "members": list(f.members)}
              for f in graph.frames.values()]
    meta = _plain(graph.meta, "meta")
    return {"format": FORMAT, "version": VERSION, "meta": meta, "nodes": nodes, "edges": edges,
            "frames": frames}


def _coord(v: Any) -> float:
    """A position for the file: a stray NaN or infinity is written as 0, so the file loads."""
    v = float(v)
    return v if math.isfinite(v) else 0.0


def _plain(value: Any, at: str) -> Any:
    """Meta data: JSON values, dicts included (not decoded on load)."""
    if isinstance(value, dict):
        return {str(k): _plain(v, f"{at}.{k}") for k, v in value.items()}
    return encode_value(value, at)


def _finite(values: Iterable[float], at: str) -> None:
    if not all(math.isfinite(v) for v in values):
        raise FileFormatError("expects finite numbers", at)


def _node_attrs(kind, attrs: dict, at: str) -> dict:
    from .kinds import validate_attr

    out = kind.default_attrs()
    names = {a.name for a in kind.attrs}
    for name, raw in attrs.items():
        here = f"{at}.{name}" if name.isidentifier() else f"{at}[{json.dumps(name)}]"
        if name not in names:
            raise FileFormatError(f"{kind.title} has no attribute {name!r}", here)
        value = decode_value(raw, here)
        try:
            value = validate_attr(kind, name, value)
        except Exception as e:  # ValueError from the schema, Overflow/TypeError on odd input
            msg, prefix = str(e), f"{name} of {kind.title} "
            raise FileFormatError(msg[len(prefix):] if msg.startswith(prefix) else msg,
                                  here) from None
        if kind.attr(name).kind == "data":
            _check_data(value, here)
        out[name] = value
    return out


def from_dict(doc: Any) -> Graph:
    """Check a parsed document (any version) and build its Graph; FileFormatError if bad."""
    from .kinds import get_kind

    doc = migrate(doc)
    _check_schema(doc)
    g = Graph()
    meta = dict(doc.get("meta", {}))
    meta.setdefault("title", "")
    meta.setdefault("note", "")
    g.meta = meta
    kinds = {}
    for i, n in enumerate(doc["nodes"]):
        at = where(["nodes", i])
        if n["id"] in g.nodes:
            raise FileFormatError(f"a node with id {n['id']!r} comes twice", f"{at}.id")
        try:
            kind = get_kind(n["kind"])
        except KeyError:
            raise FileFormatError(f"unknown node kind {n['kind']!r}", f"{at}.kind") from None
        pos = n.get("pos", [0.0, 0.0])
        _finite(pos, f"{at}.pos")
        state = {"id": n["id"], "kind": n["kind"], "label": n.get("label", kind.title),
                 "attrs": _node_attrs(kind, n.get("attrs", {}), f"{at}.attrs"),
                 "pos": (float(pos[0]), float(pos[1])),
                 "requires_grad": n.get("requires_grad", kind.default_requires_grad),
                 "retain_grad": n.get("retain_grad", False)}
        g.restore_node(state)
        kinds[n["id"]] = kind
    _add_edges(g, doc["edges"], kinds)
    for i, f in enumerate(doc.get("frames", [])):
        at = where(["frames", i])
        if f["id"] in g.frames:
            raise FileFormatError(f"a frame with id {f['id']!r} comes twice", f"{at}.id")
        _finite(f["rect"], f"{at}.rect")
        for j, m in enumerate(f.get("members", [])):
            if m not in g.nodes:
                raise FileFormatError(f"no node with id {m!r}", f"{at}.members[{j}]")
        g.add_frame(f.get("label", ""), f["rect"], f.get("no_grad", True),
                    f.get("members", []), id=f["id"])
    return g


def _add_edges(g: Graph, edges: list, kinds: dict) -> None:
    """Check every edge (ends, ports, one edge per plain input, no cycle), then add them.

    The checks run once for the whole list (Graph.connect would re-walk the graph per edge),
    and the edges go into this fresh, unobserved Graph directly.
    """
    taken: dict[tuple[str, str], int] = {}
    counts: dict[tuple[str, str], int] = {}
    checked: list[tuple[int, Edge]] = []
    for i, e in enumerate(edges):
        at = where(["edges", i])
        for end in ("src", "dst"):
            if e[end] not in g.nodes:
                raise FileFormatError(f"no node with id {e[end]!r}", f"{at}.{end}")
        sk, dk = kinds[e["src"]], kinds[e["dst"]]
        if e["src_port"] not in [p.name for p in sk.outputs]:
            raise FileFormatError(f"{sk.title} has no output {e['src_port']!r}", f"{at}.src_port")
        port = next((p for p in dk.inputs if p.name == e["dst_port"]), None)
        if port is None:
            raise FileFormatError(f"{dk.title} has no input {e['dst_port']!r}", f"{at}.dst_port")
        key = (e["dst"], e["dst_port"])
        if not port.variadic and key in taken:
            raise FileFormatError(f"input {e['dst_port']!r} of {g.nodes[e['dst']].label!r} "
                                  f"is already connected by edges[{taken[key]}]", at)
        taken.setdefault(key, i)
        index = e.get("index", counts.get(key, 0))
        counts[key] = max(counts.get(key, 0), index) + 1
        eid = e.get("id") or new_id()
        checked.append((i, Edge(eid, e["src"], e["src_port"], e["dst"], e["dst_port"], index)))
    ids = [c.id for _, c in checked]
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        for i, c in checked:
            if c.id in seen:
                raise FileFormatError(f"an edge with id {c.id!r} comes twice",
                                      where(["edges", i, "id"]))
            seen.add(c.id)
    _check_acyclic(g, checked)
    for _, edge in checked:
        g.edges[edge.id] = edge


def _check_acyclic(g: Graph, checked: list[tuple[int, Edge]]) -> None:
    indeg = {n: 0 for n in g.nodes}
    succ: dict[str, list[str]] = {}
    for _, e in checked:
        indeg[e.dst] += 1
        succ.setdefault(e.src, []).append(e.dst)
    ready = [n for n, d in indeg.items() if d == 0]
    while ready:
        for m in succ.get(ready.pop(), ()):
            indeg[m] -= 1
            if indeg[m] == 0:
                ready.append(m)
    stuck = {n for n, d in indeg.items() if d > 0}
    if stuck:
        i = next(i for i, e in checked if e.src in stuck and e.dst in stuck)
        labels = sorted(g.nodes[n].label for n in stuck)
        raise FileFormatError("the edges make a cycle through " + ", ".join(
            repr(s) for s in labels[:5]) + (" ..." if len(labels) > 5 else ""),
            where(["edges", i]))


# ---- text and files --------------------------------------------------------------------------

def dumps(graph: Graph) -> str:
    """The file text: one node, edge or frame per line, so files diff well."""
    doc = to_dict(graph)
    compact = dict(ensure_ascii=False, separators=(", ", ": "))
    lines = ["{", f'  "format": {json.dumps(doc["format"])},', f'  "version": {doc["version"]},',
             f'  "meta": {json.dumps(doc["meta"], **compact)},']
    for key in ("nodes", "edges", "frames"):
        items = [f"    {json.dumps(x, **compact)}" for x in doc[key]]
        body = "[\n" + ",\n".join(items) + "\n  ]" if items else "[]"
        lines.append(f'  "{key}": {body}' + ("," if key != "frames" else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def loads(text: str | bytes) -> Graph:
    """A Graph from file text; FileFormatError (saying where) for anything wrong."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise FileFormatError(f"not UTF-8 text (byte {e.start})") from None
    if not isinstance(text, str):
        raise FileFormatError(f"expects text, got {type(text).__name__}")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise FileFormatError(f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})") \
            from None
    except (RecursionError, ValueError) as e:  # nesting too deep, integer too long
        raise FileFormatError(f"not valid JSON: {_short(str(e) or type(e).__name__, 100)}") \
            from None
    try:
        return from_dict(doc)
    except RecursionError:
        raise FileFormatError("the file nests lists too deeply") from None
    except GraphError as e:  # a check the model makes that ours did not catch first
        raise FileFormatError(str(e)) from None


def load(path: str | os.PathLike) -> Graph:
    """Read a .gradlab file; FileFormatError (with the file name) if it is missing or bad."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise FileFormatError(f"cannot read the file: {e.strerror or e}", path=os.fspath(path)) \
            from None
    try:
        return loads(data)
    except FileFormatError as e:
        e.path = os.fspath(path)
        raise


def save(graph: Graph, path: str | os.PathLike) -> None:
    """Write atomically: a temp file in the same folder, fsync, then rename over ``path``."""
    write_atomic(path, dumps(graph).encode("utf-8"))


def write_atomic(path: str | os.PathLike, data: bytes) -> str:
    """Write ``data`` to ``path`` through a temp file in the same folder, fsync and a rename, so
    a failure never leaves a half-written file (an existing one stays as it was); the path."""
    path = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(path)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        try:
            mode = os.stat(path).st_mode & 0o777
        except FileNotFoundError:
            mode = 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable where the platform allows
        dfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass
    return path
