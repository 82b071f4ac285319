"""Undo commands. Each changes only the model (the Graph); the canvas follows its events.

A gesture pushes one command when it ends; moves and attribute edits of the same target merge
(``mergeWith``), so a slider drag is one undo step. Compound edits (paste, delete) are one
command that redoes its parts in order and undoes them in reverse.
"""
from __future__ import annotations

from typing import Any

from PySide6.QtGui import QUndoCommand

from engine.graph.model import Edge, Graph, GraphError

# merge ids (QUndoCommand.id): commands with the same id may merge
MOVE_ID, ATTR_ID, FRAME_ID, FRAME_MOVE_ID = 1, 2, 3, 4


class AddNode(QUndoCommand):
    """Add one node (from the palette, quick-add, or a script)."""

    def __init__(self, graph: Graph, kind: str, pos=(0.0, 0.0), attrs: dict | None = None,
                 label: str | None = None, requires_grad: bool | None = None):
        super().__init__(f"Add {kind.split(':', 1)[-1]}")
        self.graph = graph
        node = graph.add_node(kind, attrs=attrs, pos=pos, label=label,
                              requires_grad=requires_grad)
        self.state = node.clone_state()
        self.seq = node.seq
        self.node_id = node.id
        self._first = True

    def redo(self) -> None:
        if self._first:  # the node was added when the command was made
            self._first = False
            return
        self.graph.restore_node(self.state, seq=self.seq)

    def undo(self) -> None:
        self.graph.remove_node(self.node_id)


class RemoveItems(QUndoCommand):
    """Delete nodes (with their edges) and edges; undo puts everything back as it was."""

    def __init__(self, graph: Graph, node_ids=(), edge_ids=(), frame_ids=()):
        n = len(node_ids)
        super().__init__(f"Delete {n} node{'s' if n != 1 else ''}" if n else
                         ("Delete frame" if frame_ids and not edge_ids else "Delete"))
        self.graph = graph
        self.node_ids = [i for i in node_ids if i in graph.nodes]
        self.edge_ids = [i for i in edge_ids if i in graph.edges]
        self.frame_ids = [i for i in frame_ids if i in graph.frames]
        self._nodes: list[dict] = []
        self._edges: list[Edge] = []
        self._frames: list = []

    def redo(self) -> None:
        g = self.graph
        self._nodes, self._edges, self._frames = [], [], []
        for fid in self.frame_ids:
            f = g.frames[fid]
            self._frames.append((f.id, f.label, f.rect, f.no_grad, list(f.members)))
            g.remove_frame(fid)
        for eid in self.edge_ids:
            if eid in g.edges:
                self._edges.append(g.remove_edge(eid))
        for nid in self.node_ids:
            frame = g.frame_of(nid)
            state, edges = g.remove_node(nid)
            state["frame"] = frame.id if frame else None
            self._nodes.append(state)
            self._edges.extend(edges)

    def undo(self) -> None:
        g = self.graph
        for state in reversed(self._nodes):
            g.restore_node(state, seq=state.get("seq"))
            fid = state.get("frame")
            if fid in g.frames:
                f = g.frames[fid]
                g.update_frame(fid, members=f.members + [state["id"]])
        for e in sorted(self._edges, key=lambda e: e.index):
            if e.id not in g.edges:
                g.restore_edge(e)
        for fid, label, rect, no_grad, members in self._frames:
            g.add_frame(label, rect, no_grad, members, id=fid)


class Connect(QUndoCommand):
    """Connect an output port to an input port (refused by the model if invalid)."""

    def __init__(self, graph: Graph, src: str, src_port: str, dst: str, dst_port: str):
        super().__init__("Connect")
        self.graph = graph
        self.edge = graph.connect(src, src_port, dst, dst_port)
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.graph.restore_edge(self.edge)

    def undo(self) -> None:
        self.graph.remove_edge(self.edge.id)


class Reconnect(QUndoCommand):
    """Move an edge's input end to another input (an edge picked up and dropped elsewhere)."""

    def __init__(self, graph: Graph, edge_id: str, dst: str, dst_port: str):
        super().__init__("Reconnect")
        if edge_id not in graph.edges:
            raise GraphError("that edge is no longer there")
        old = graph.edges[edge_id]
        if (old.dst, old.dst_port) == (dst, dst_port):
            raise GraphError("the edge is already connected there")
        reason = graph.can_connect(old.src, old.src_port, dst, dst_port)
        if reason:
            raise GraphError(reason)
        self.graph, self.old = graph, old
        graph.remove_edge(edge_id)
        self.new = graph.connect(old.src, old.src_port, dst, dst_port)  # after the port's last
        self._first = True

    def redo(self) -> None:
        if self._first:  # done when the command was made
            self._first = False
            return
        self.graph.remove_edge(self.old.id)
        self.graph.restore_edge(self.new)

    def undo(self) -> None:
        self.graph.remove_edge(self.new.id)
        self.graph.restore_edge(self.old)


class Disconnect(QUndoCommand):
    """Remove one edge (an edge picked up from its input and dropped on empty canvas)."""

    def __init__(self, graph: Graph, edge_id: str):
        super().__init__("Disconnect")
        if edge_id not in graph.edges:
            raise GraphError("that edge is no longer there")
        self.graph, self.edge = graph, graph.edges[edge_id]

    def redo(self) -> None:
        self.graph.remove_edge(self.edge.id)

    def undo(self) -> None:
        self.graph.restore_edge(self.edge)


class MoveNodes(QUndoCommand):
    """Move nodes; one command per drag, consecutive drags of the same nodes merge."""

    def __init__(self, graph: Graph, moves: dict[str, tuple[Any, Any]]):
        super().__init__("Move" if len(moves) != 1 else "Move node")
        self.graph = graph
        self.moves = {k: (tuple(a), tuple(b)) for k, (a, b) in moves.items()}

    def id(self) -> int:
        return MOVE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveNodes) or set(other.moves) != set(self.moves):
            return False
        self.moves = {k: (self.moves[k][0], other.moves[k][1]) for k in self.moves}
        return True

    def redo(self) -> None:
        for nid, (_, new) in self.moves.items():
            if nid in self.graph.nodes:
                self.graph.move_node(nid, new)

    def undo(self) -> None:
        for nid, (old, _) in self.moves.items():
            if nid in self.graph.nodes:
                self.graph.move_node(nid, old)


class SetAttr(QUndoCommand):
    """Change one attribute; repeated edits of the same attribute merge (sliders, spin boxes)."""

    def __init__(self, graph: Graph, node_id: str, name: str, value: Any):
        super().__init__(f"Set {name}")
        self.graph = graph
        self.node_id, self.name = node_id, name
        self.old = graph.nodes[node_id].attrs.get(name)
        self.new = value
        self._first = True
        # validate now, so a bad value never enters the undo stack
        graph.set_attr(node_id, name, value)
        self.new = graph.nodes[node_id].attrs.get(name)

    def id(self) -> int:
        return ATTR_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SetAttr) or (other.node_id, other.name) != (self.node_id,
                                                                             self.name):
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.graph.set_attr(self.node_id, self.name, self.new)

    def undo(self) -> None:
        self.graph.set_attr(self.node_id, self.name, self.old)


class SetFlag(QUndoCommand):
    """Toggle requires_grad or retain_grad."""

    def __init__(self, graph: Graph, node_id: str, name: str, value: bool):
        super().__init__(f"Set {name}")
        self.graph, self.node_id, self.name = graph, node_id, name
        self.old = getattr(graph.nodes[node_id], name)
        self.new = bool(value)

    def redo(self) -> None:
        self.graph.set_flag(self.node_id, self.name, self.new)

    def undo(self) -> None:
        self.graph.set_flag(self.node_id, self.name, self.old)


class SetLabel(QUndoCommand):
    def __init__(self, graph: Graph, node_id: str, label: str):
        super().__init__("Rename node")
        self.graph, self.node_id = graph, node_id
        self.old, self.new = graph.nodes[node_id].label, label

    def redo(self) -> None:
        self.graph.set_label(self.node_id, self.new)

    def undo(self) -> None:
        self.graph.set_label(self.node_id, self.old)


class AddFrame(QUndoCommand):
    """Wrap nodes in a frame (a no_grad region by default)."""

    def __init__(self, graph: Graph, label: str, rect, members, no_grad: bool = True):
        super().__init__("Add no_grad frame" if no_grad else "Add frame")
        self.graph = graph
        self.args = (label, tuple(rect), no_grad, list(members))
        self.frame_id = graph.add_frame(*self.args).id
        self._first = True

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.graph.add_frame(*self.args, id=self.frame_id)

    def undo(self) -> None:
        self.graph.remove_frame(self.frame_id)


class UpdateFrame(QUndoCommand):
    """Change a frame's label, rect, no_grad or members; consecutive resizes of one frame merge."""

    def __init__(self, graph: Graph, frame_id: str, **changes):
        if frame_id not in graph.frames:
            raise GraphError("that frame is no longer there")
        bad = set(changes) - {"label", "rect", "no_grad", "members"}
        if bad:
            raise GraphError(f"frames have no field {', '.join(sorted(bad))}")
        if "rect" in changes:
            changes["rect"] = tuple(float(v) for v in changes["rect"])
        title = ("Resize frame" if set(changes) == {"rect"} else
                 "Rename frame" if set(changes) == {"label"} else
                 ("Turn no_grad on" if changes["no_grad"] else "Turn no_grad off")
                 if set(changes) == {"no_grad"} else "Edit frame")
        super().__init__(title)
        self.graph, self.frame_id, self.new = graph, frame_id, changes
        self.old: dict = {}

    def id(self) -> int:
        return FRAME_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, UpdateFrame) or other.frame_id != self.frame_id or \
                set(other.new) != set(self.new) or set(self.new) != {"rect"}:
            return False
        self.new = other.new
        return True

    def redo(self) -> None:
        old = self.graph.update_frame(self.frame_id, **self.new)
        if not self.old:
            self.old = old

    def undo(self) -> None:
        self.graph.update_frame(self.frame_id, **self.old)


class MoveFrame(QUndoCommand):
    """Move a frame and its member nodes by (dx, dy); consecutive drags of one frame merge."""

    def __init__(self, graph: Graph, frame_id: str, dx: float, dy: float):
        super().__init__("Move frame")
        f = graph.frames.get(frame_id)
        if f is None:
            raise GraphError("that frame is no longer there")
        x, y, w, h = f.rect
        self.graph, self.frame_id = graph, frame_id
        self.rect = (tuple(f.rect), (x + dx, y + dy, w, h))
        self.moves = {nid: (tuple(graph.nodes[nid].pos),
                            (graph.nodes[nid].pos[0] + dx, graph.nodes[nid].pos[1] + dy))
                      for nid in f.members if nid in graph.nodes}

    def id(self) -> int:
        return FRAME_MOVE_ID

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, MoveFrame) or other.frame_id != self.frame_id or \
                set(other.moves) != set(self.moves):
            return False
        self.rect = (self.rect[0], other.rect[1])
        self.moves = {k: (self.moves[k][0], other.moves[k][1]) for k in self.moves}
        return True

    def _apply(self, which: int) -> None:
        g = self.graph
        if self.frame_id in g.frames:
            g.update_frame(self.frame_id, rect=self.rect[which])
        for nid, ends in self.moves.items():
            if nid in g.nodes:
                g.move_node(nid, ends[which])

    def redo(self) -> None:
        self._apply(1)

    def undo(self) -> None:
        self._apply(0)


class PasteNodes(QUndoCommand):
    """Insert copied nodes and the edges among them, with fresh ids, offset by ``offset``."""

    def __init__(self, graph: Graph, clip: dict, offset=(30.0, 30.0), title: str = "Paste"):
        super().__init__(title)
        from engine.graph.model import new_id
        self.graph = graph
        idmap = {s["id"]: new_id() for s in clip.get("nodes", [])}
        self.states = []
        for s in clip.get("nodes", []):
            st = dict(s)
            st["id"] = idmap[s["id"]]
            st["pos"] = (s["pos"][0] + offset[0], s["pos"][1] + offset[1])
            self.states.append(st)
        self.edges = [Edge(new_id(), idmap[e["src"]], e["src_port"], idmap[e["dst"]],
                           e["dst_port"], e.get("index", 0))
                      for e in clip.get("edges", []) if e["src"] in idmap and e["dst"] in idmap]
        self.node_ids = [s["id"] for s in self.states]

    def redo(self) -> None:
        for st in self.states:
            self.graph.restore_node(st)
        for e in self.edges:
            self.graph.restore_edge(e)

    def undo(self) -> None:
        for e in reversed(self.edges):
            if e.id in self.graph.edges:
                self.graph.remove_edge(e.id)
        for nid in reversed(self.node_ids):
            if nid in self.graph.nodes:
                self.graph.remove_node(nid)


def copy_selection(graph: Graph, node_ids) -> dict:
    """A clipboard dict of the given nodes and the edges between them."""
    ids = [i for i in node_ids if i in graph.nodes]
    sel = set(ids)
    return {
        "nodes": [graph.nodes[i].clone_state() for i in ids],
        "edges": [{"src": e.src, "src_port": e.src_port, "dst": e.dst, "dst_port": e.dst_port,
                   "index": e.index}
                  for e in graph.edges.values() if e.src in sel and e.dst in sel],
    }


class SetMeta(QUndoCommand):
    def __init__(self, graph: Graph, **changes):
        super().__init__("Edit title and note")
        self.graph, self.new = graph, changes
        self.old = {k: graph.meta.get(k) for k in changes}

    def redo(self) -> None:
        self.graph.set_meta(**self.new)

    def undo(self) -> None:
        self.graph.set_meta(**self.old)
