"""The graph document: nodes, typed ports, edges, frames, and plain change events.

Qt-free. The canvas follows the events (``Graph.subscribe``), so undo, load and scripting all
update the view the same way. Node kinds (what a node computes, its ports and attributes)
come from :mod:`engine.graph.kinds`, which reads the op registry.
"""
from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable


def _comparable(value):
    """Attribute values in a form ``==`` can compare (arrays by dtype, shape and contents)."""
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_comparable(v) for v in value)
    if hasattr(value, "dtype") and hasattr(value, "tolist"):
        return ("array", str(value.dtype), tuple(getattr(value, "shape", ())), value.tolist())
    return value


def new_id() -> str:
    return uuid.uuid4().hex


class GraphError(Exception):
    """A change the graph refuses (cycle, unknown port, occupied input...)."""


@dataclass
class Node:
    """One node on the canvas. ``kind`` names a NodeKind (``op:mul``, ``source:randn``...)."""

    id: str
    kind: str
    label: str
    attrs: dict[str, Any] = field(default_factory=dict)
    pos: tuple[float, float] = (0.0, 0.0)
    requires_grad: bool = False
    retain_grad: bool = False
    seq: int = 0  # insertion order: ties in the topological order break by it

    def clone_state(self) -> dict:
        return {"id": self.id, "kind": self.kind, "label": self.label,
                "attrs": copy.deepcopy(self.attrs), "pos": tuple(self.pos),
                "requires_grad": self.requires_grad, "retain_grad": self.retain_grad}


@dataclass(frozen=True)
class Edge:
    """From an output port to an input port. Input ports take one edge (a variadic port many,
    ordered by ``index``)."""

    id: str
    src: str
    src_port: str
    dst: str
    dst_port: str
    index: int = 0  # position within a variadic input (cat's tensor list)


@dataclass
class Frame:
    """A rectangle grouping nodes; with ``no_grad`` its nodes run under ``engine.no_grad``."""

    id: str
    label: str
    rect: tuple[float, float, float, float]  # x, y, w, h
    no_grad: bool = True
    members: list[str] = field(default_factory=list)  # node ids


@dataclass(frozen=True)
class Event:
    """A change: ``type`` is one of EVENT_TYPES; ``data`` says what changed."""

    type: str
    data: dict


EVENT_TYPES = (
    "node_added", "node_removed", "node_changed",  # node_changed: attrs/flags/label
    "node_moved", "edge_added", "edge_removed",
    "frame_added", "frame_removed", "frame_changed",
    "reset",  # the whole document was replaced (load, new)
    "meta_changed",
)


class Graph:
    """Nodes, edges and frames with checks and events. Mutate only through these methods."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}
        self.edges: dict[str, Edge] = {}
        self.frames: dict[str, Frame] = {}
        self.meta: dict[str, Any] = {"title": "", "note": ""}
        self._listeners: list[Callable[[Event], None]] = []
        self._seq = 0

    # ---- events -----------------------------------------------------------------------
    def subscribe(self, fn: Callable[[Event], None]) -> Callable[[], None]:
        """Call ``fn(event)`` after every change; returns an unsubscribe function."""
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    def _emit(self, type_: str, **data) -> None:
        ev = Event(type_, data)
        for fn in list(self._listeners):
            fn(ev)

    # ---- nodes --------------------------------------------------------------------------
    def add_node(self, kind: str, attrs: dict | None = None, pos=(0.0, 0.0),
                 label: str | None = None, id: str | None = None,
                 requires_grad: bool | None = None, retain_grad: bool = False) -> Node:
        from .kinds import get_kind

        k = get_kind(kind)
        nid = id or new_id()
        if nid in self.nodes:
            raise GraphError(f"a node with id {nid} already exists")
        full = k.default_attrs()
        if attrs:
            unknown = set(attrs) - set(full) - {a.name for a in k.attrs}
            if unknown:
                raise GraphError(f"{kind} has no attribute(s) {', '.join(sorted(unknown))}")
            full.update(attrs)
        self._seq += 1
        node = Node(nid, kind, label or self._unique_label(k.title), full,
                    (float(pos[0]), float(pos[1])),
                    k.default_requires_grad if requires_grad is None else bool(requires_grad),
                    bool(retain_grad), self._seq)
        self.nodes[nid] = node
        self._emit("node_added", node=node)
        return node

    def restore_node(self, state: dict, seq: int | None = None) -> Node:
        """Put back a node from ``Node.clone_state()`` (undo of a delete, paste, load)."""
        from .kinds import get_kind

        get_kind(state["kind"])
        if state["id"] in self.nodes:
            raise GraphError(f"a node with id {state['id']} already exists")
        if seq is None:
            self._seq += 1
            seq = self._seq
        else:
            self._seq = max(self._seq, seq)
        node = Node(state["id"], state["kind"], state["label"], copy.deepcopy(state["attrs"]),
                    tuple(state.get("pos", (0.0, 0.0))), bool(state.get("requires_grad")),
                    bool(state.get("retain_grad")), seq)
        self.nodes[node.id] = node
        self._emit("node_added", node=node)
        return node

    def remove_node(self, node_id: str) -> tuple[dict, list[Edge]]:
        """Remove a node and its edges; returns what undo needs to put them back."""
        node = self._node(node_id)
        removed = [e for e in self.edges.values() if e.src == node_id or e.dst == node_id]
        for e in removed:
            self.remove_edge(e.id)
        for f in self.frames.values():
            if node_id in f.members:
                f.members.remove(node_id)
        del self.nodes[node_id]
        state = node.clone_state()
        state["seq"] = node.seq
        self._emit("node_removed", node=node)
        return state, removed

    def set_attr(self, node_id: str, name: str, value: Any) -> Any:
        """Set one attribute (validated against the kind's schema); returns the old value."""
        from .kinds import get_kind, validate_attr

        node = self._node(node_id)
        kind = get_kind(node.kind)
        value = validate_attr(kind, name, value)
        old = node.attrs.get(name)
        node.attrs[name] = value
        self._emit("node_changed", node=node, field="attrs", name=name, old=old, new=value)
        return old

    def set_flag(self, node_id: str, name: str, value: bool) -> bool:
        """Set ``requires_grad`` or ``retain_grad``; returns the old value."""
        if name not in ("requires_grad", "retain_grad"):
            raise GraphError(f"unknown flag {name}")
        node = self._node(node_id)
        old = getattr(node, name)
        setattr(node, name, bool(value))
        self._emit("node_changed", node=node, field=name, old=old, new=bool(value))
        return old

    def set_label(self, node_id: str, label: str) -> str:
        node = self._node(node_id)
        old = node.label
        node.label = str(label)
        self._emit("node_changed", node=node, field="label", old=old, new=node.label)
        return old

    def move_node(self, node_id: str, pos) -> tuple[float, float]:
        node = self._node(node_id)
        old = node.pos
        node.pos = (float(pos[0]), float(pos[1]))
        self._emit("node_moved", node=node, old=old, new=node.pos)
        return old

    # ---- edges --------------------------------------------------------------------------
    def can_connect(self, src: str, src_port: str, dst: str, dst_port: str) -> str | None:
        """None if the connection is allowed, else the reason it is refused."""
        from .kinds import get_kind

        if src not in self.nodes or dst not in self.nodes:
            return "unknown node"
        if src == dst:
            return "a node cannot feed itself"
        sk, dk = get_kind(self.nodes[src].kind), get_kind(self.nodes[dst].kind)
        if src_port not in [p.name for p in sk.outputs]:
            return f"{sk.title} has no output '{src_port}'"
        dp = next((p for p in dk.inputs if p.name == dst_port), None)
        if dp is None:
            return f"{dk.title} has no input '{dst_port}'"
        if not dp.variadic and any(e.dst == dst and e.dst_port == dst_port
                                   for e in self.edges.values()):
            return f"input '{dst_port}' of {self.nodes[dst].label} is already connected"
        if self._reaches(dst, src):
            return "that connection would make a cycle"
        return None

    def connect(self, src: str, src_port: str, dst: str, dst_port: str,
                id: str | None = None, index: int | None = None) -> Edge:
        reason = self.can_connect(src, src_port, dst, dst_port)
        if reason:
            raise GraphError(reason)
        if index is None:  # after the port's last edge (a count could repeat one after removals)
            index = 1 + max((e.index for e in self.edges.values()
                             if e.dst == dst and e.dst_port == dst_port), default=-1)
        edge = Edge(id or new_id(), src, src_port, dst, dst_port, index)
        self.edges[edge.id] = edge
        self._emit("edge_added", edge=edge)
        return edge

    def restore_edge(self, edge: Edge) -> Edge:
        reason = self.can_connect(edge.src, edge.src_port, edge.dst, edge.dst_port)
        if reason:
            raise GraphError(reason)
        self.edges[edge.id] = edge
        self._emit("edge_added", edge=edge)
        return edge

    def remove_edge(self, edge_id: str) -> Edge:
        edge = self.edges.pop(edge_id)
        self._emit("edge_removed", edge=edge)
        return edge

    def inputs_of(self, node_id: str) -> dict[str, list[Edge]]:
        """Edges into a node by input port, variadic ones ordered by index."""
        out: dict[str, list[Edge]] = {}
        for e in self.edges.values():
            if e.dst == node_id:
                out.setdefault(e.dst_port, []).append(e)
        for v in out.values():
            v.sort(key=lambda e: e.index)
        return out

    def outputs_of(self, node_id: str) -> list[Edge]:
        return [e for e in self.edges.values() if e.src == node_id]

    def _reaches(self, start: str, goal: str) -> bool:
        """Whether ``goal`` is downstream of ``start`` (iterative)."""
        stack, seen = [start], {start}
        succ: dict[str, list[str]] = {}
        for e in self.edges.values():
            succ.setdefault(e.src, []).append(e.dst)
        while stack:
            n = stack.pop()
            if n == goal:
                return True
            for m in succ.get(n, ()):
                if m not in seen:
                    seen.add(m)
                    stack.append(m)
        return False

    def downstream(self, node_ids: Iterable[str]) -> set[str]:
        """The given nodes and everything that depends on them."""
        succ: dict[str, list[str]] = {}
        for e in self.edges.values():
            succ.setdefault(e.src, []).append(e.dst)
        out = set(node_ids)
        stack = list(out)
        while stack:
            for m in succ.get(stack.pop(), ()):
                if m not in out:
                    out.add(m)
                    stack.append(m)
        return out

    def topological_order(self) -> list[str]:
        """A stable topological order: among ready nodes, the one added first goes first."""
        import heapq

        indeg = {n: 0 for n in self.nodes}
        succ: dict[str, list[str]] = {}
        for e in self.edges.values():
            indeg[e.dst] += 1
            succ.setdefault(e.src, []).append(e.dst)
        heap = [(self.nodes[n].seq, n) for n, d in indeg.items() if d == 0]
        heapq.heapify(heap)
        order = []
        while heap:
            _, n = heapq.heappop(heap)
            order.append(n)
            for m in succ.get(n, ()):
                indeg[m] -= 1
                if indeg[m] == 0:
                    heapq.heappush(heap, (self.nodes[m].seq, m))
        return order

    # ---- frames -------------------------------------------------------------------------
    def add_frame(self, label: str, rect, no_grad: bool = True, members: Iterable[str] = (),
                  id: str | None = None) -> Frame:
        f = Frame(id or new_id(), label, tuple(float(v) for v in rect), bool(no_grad),
                  [m for m in members if m in self.nodes])
        self.frames[f.id] = f
        self._emit("frame_added", frame=f)
        return f

    def remove_frame(self, frame_id: str) -> Frame:
        f = self.frames.pop(frame_id)
        self._emit("frame_removed", frame=f)
        return f

    def update_frame(self, frame_id: str, **changes) -> dict:
        """Change label, rect, no_grad or members; returns the old values."""
        f = self.frames[frame_id]
        old = {}
        for k, v in changes.items():
            if k not in ("label", "rect", "no_grad", "members"):
                raise GraphError(f"frames have no field {k}")
            old[k] = copy.copy(getattr(f, k))
            setattr(f, k, tuple(v) if k == "rect" else (list(v) if k == "members" else v))
        self._emit("frame_changed", frame=f, old=old)
        return old

    def frame_of(self, node_id: str) -> Frame | None:
        for f in self.frames.values():
            if node_id in f.members:
                return f
        return None

    # ---- whole document ------------------------------------------------------------------
    def clear(self) -> None:
        self.nodes.clear()
        self.edges.clear()
        self.frames.clear()
        self.meta = {"title": "", "note": ""}
        self._seq = 0
        self._emit("reset")

    def replace_with(self, other: "Graph") -> None:
        """Take over another graph's content (load), keeping this object and its listeners."""
        self.nodes, self.edges, self.frames = other.nodes, other.edges, other.frames
        self.meta, self._seq = other.meta, other._seq
        self._emit("reset")

    def set_meta(self, **changes) -> dict:
        old = {k: self.meta.get(k) for k in changes}
        self.meta.update(changes)
        self._emit("meta_changed", old=old, new=dict(changes))
        return old

    def _node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise GraphError(f"no node with id {node_id}") from None

    def _unique_label(self, base: str) -> str:
        labels = {n.label for n in self.nodes.values()}
        if base not in labels:
            return base
        i = 2
        while f"{base}{i}" in labels:
            i += 1
        return f"{base}{i}"

    def __eq__(self, other) -> bool:
        if not isinstance(other, Graph):
            return NotImplemented
        def nodes(g):
            return {i: (n.kind, n.label, _comparable(n.attrs), tuple(n.pos), n.requires_grad,
                        n.retain_grad) for i, n in g.nodes.items()}
        return (nodes(self) == nodes(other) and self.edges == other.edges
                and {i: (f.label, tuple(f.rect), f.no_grad, sorted(f.members))
                     for i, f in self.frames.items()}
                == {i: (f.label, tuple(f.rect), f.no_grad, sorted(f.members))
                    for i, f in other.frames.items()}
                and self.meta == other.meta)

    __hash__ = None  # type: ignore[assignment]
