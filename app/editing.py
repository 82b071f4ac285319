"""Editing from the window: canvas gestures, the palette, quick add, the inspector and the Edit
menu become undo commands on the document's stack. A refused change (a cycle, a bad value)
is a status-bar message, never an exception."""
from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Callable

from PySide6.QtCore import QObject, QPointF, QRectF
from PySide6.QtGui import QCursor, QUndoCommand

from engine.graph.model import GraphError
from widgets.canvas.node_item import HEADER_H, MIN_W
from widgets.quick_add import QuickAdd

from .commands import (AddFrame, AddNode, Connect, Disconnect, MoveFrame, MoveNodes, PasteNodes,
                       Reconnect, RemoveItems, SetAttr, SetFlag, SetLabel, UpdateFrame,
                       copy_selection)

if TYPE_CHECKING:
    from .main_window import MainWindow

REFUSED = (GraphError, ValueError, KeyError, TypeError)
FRAME_PAD, FRAME_TITLE = 24.0, 30.0


class EditController(QObject):
    """Turns gestures and edits into commands (see the module docstring)."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.w = window
        self.doc = window.document
        self.canvas = window.canvas
        self.clipboard: dict | None = None
        self.quick = QuickAdd(window)
        self._quick_pos = QPointF()
        self.quick.kindChosen.connect(lambda key: self.add_node(key, self._quick_pos))
        c = self.canvas
        c.nodesMoved.connect(lambda moves: self.push(lambda: MoveNodes(self.graph, moves)))
        c.connectRequested.connect(
            lambda s, sp, d, dp: self.push(lambda: Connect(self.graph, s, sp, d, dp)))
        c.edgeReconnectRequested.connect(
            lambda eid, d, dp: self.push(lambda: Reconnect(self.graph, eid, d, dp)))
        c.edgeDisconnectRequested.connect(
            lambda eid: self.push(lambda: Disconnect(self.graph, eid)))
        c.deleteRequested.connect(self.delete_items)
        c.frameMoved.connect(
            lambda fid, dx, dy: self.push(lambda: MoveFrame(self.graph, fid, dx, dy)))
        c.frameResized.connect(
            lambda fid, rect: self.push(lambda: UpdateFrame(self.graph, fid, rect=rect)))
        c.frameEditRequested.connect(
            lambda fid, changes: self.push(lambda: UpdateFrame(self.graph, fid, **changes)))
        c.nodeDropped.connect(self.add_node)
        c.quickAddRequested.connect(self.quick_add_at)
        c.copyRequested.connect(self.copy)
        c.pasteRequested.connect(self.paste_at)
        c.duplicateRequested.connect(self.duplicate)
        window.palette_panel.kindActivated.connect(lambda key: self.add_node(key))
        ins = window.inspector
        ins.attrEdited.connect(
            lambda nid, name, v: self.push(lambda: SetAttr(self.graph, nid, name, v)))
        ins.flagEdited.connect(
            lambda nid, name, v: self.push(lambda: SetFlag(self.graph, nid, name, v)))
        ins.labelEdited.connect(
            lambda nid, label: self.push(lambda: SetLabel(self.graph, nid, label)))

    @property
    def graph(self):
        return self.doc.graph

    def push(self, make: Callable[[], QUndoCommand]) -> QUndoCommand | None:
        """Make a command and push it; a refused change becomes a status message."""
        try:
            cmd = make()
            self.doc.undo_stack.push(cmd)
        except REFUSED as e:
            msg = e.args[0] if e.args and isinstance(e.args[0], str) else str(e)
            self.w.status(f"Not done: {msg}")
            if self.w.inspector.node_id is not None:  # show the model's value again
                self.w.inspector.set_node(self.graph, self.w.inspector.node_id)
            return None
        return cmd

    # ---- adding ---------------------------------------------------------------------------
    def view_center(self) -> QPointF:
        """Where a new node goes when no position is given: the middle of the view."""
        p = self.canvas.mapToScene(self.canvas.viewport().rect().center())
        return QPointF(p.x() - MIN_W / 2, p.y() - HEADER_H / 2)

    def add_node(self, kind: str, pos: QPointF | None = None) -> str | None:
        """Add a node of ``kind`` with its top-left at ``pos`` (default: the view centre)."""
        pos = self.view_center() if pos is None else pos
        cmd = self.push(lambda: AddNode(self.graph, kind, (pos.x(), pos.y())))
        if cmd is None:
            return None
        self.canvas.select_nodes([cmd.node_id])
        self.w.show_canvas()
        return cmd.node_id

    def quick_add_at(self, pos: QPointF) -> None:
        self._quick_pos = QPointF(pos)
        vp = self.canvas.viewport()
        self.quick.popup_at(vp.mapToGlobal(self.canvas.mapFromScene(
            QPointF(pos.x() + MIN_W / 2, pos.y() + HEADER_H / 2))))

    def quick_add(self) -> None:
        self.quick_add_at(self._cursor_or_center())

    # ---- clipboard ------------------------------------------------------------------------
    def copy(self) -> bool:
        ids = self.canvas.selected_node_ids()
        if not ids:
            return False
        self.clipboard = copy.deepcopy(copy_selection(self.graph, ids))
        self.w.status(f"Copied {len(ids)} node{'s' if len(ids) != 1 else ''}")
        self.w.update_actions()
        return True

    def cut(self) -> None:
        ids = self.canvas.selected_node_ids()
        if ids and self.copy():
            self.doc.undo_stack.beginMacro("Cut")
            self.push(lambda: RemoveItems(self.graph, ids))
            self.doc.undo_stack.endMacro()

    def paste(self) -> None:
        self.paste_at(self._cursor_or_center())

    def paste_at(self, pos: QPointF) -> list[str]:
        """Paste the clipboard with its top-left node at ``pos``; the new nodes get selected."""
        clip = self.clipboard
        if not clip or not clip.get("nodes"):
            return []
        x0 = min(s["pos"][0] for s in clip["nodes"])
        y0 = min(s["pos"][1] for s in clip["nodes"])
        return self._paste(clip, (pos.x() - x0, pos.y() - y0), "Paste")

    def duplicate(self) -> list[str]:
        ids = self.canvas.selected_node_ids()
        if not ids:
            return []
        return self._paste(copy_selection(self.graph, ids), (40.0, 40.0), "Duplicate")

    def _paste(self, clip: dict, offset, title: str) -> list[str]:
        cmd = self.push(lambda: PasteNodes(self.graph, copy.deepcopy(clip), offset, title))
        if cmd is None:
            return []
        self.canvas.select_nodes(cmd.node_ids)
        return list(cmd.node_ids)

    def _cursor_or_center(self) -> QPointF:
        vp = self.canvas.viewport()
        p = vp.mapFromGlobal(QCursor.pos())
        if vp.rect().contains(p):
            return self.canvas.mapToScene(p)
        return self.view_center()

    # ---- deleting, selecting, frames ------------------------------------------------------
    def delete(self) -> None:
        self.canvas.request_delete()

    def delete_items(self, node_ids: list, edge_ids: list, frame_ids: list = ()) -> None:
        """Delete nodes (with their edges), edges and frames (not their nodes) as one command."""
        if node_ids or edge_ids or frame_ids:
            self.push(lambda: RemoveItems(self.graph, node_ids, edge_ids, frame_ids))

    def select_all(self) -> None:
        self.canvas.select_nodes(list(self.graph.nodes))

    def add_frame(self, label: str = "no_grad") -> str | None:
        """Wrap the selected nodes in a no_grad frame."""
        ids = self.canvas.selected_node_ids()
        if not ids:
            self.w.status("Select the nodes to put in the frame first")
            return None
        r = QRectF()
        for nid in ids:
            item = self.canvas.node_item(nid)
            if item is not None:
                r = r.united(item.sceneBoundingRect())
        r = r.adjusted(-FRAME_PAD, -FRAME_PAD - FRAME_TITLE, FRAME_PAD, FRAME_PAD)
        cmd = self.push(lambda: AddFrame(self.graph, label, (r.x(), r.y(), r.width(),
                                                             r.height()), ids))
        return cmd.frame_id if cmd is not None else None

    # ---- undo -----------------------------------------------------------------------------
    def undo(self) -> None:
        self.doc.undo_stack.undo()

    def redo(self) -> None:
        self.doc.undo_stack.redo()
