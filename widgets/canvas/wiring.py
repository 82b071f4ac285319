"""The connect gesture of the canvas: a drag from a port draws a rubber edge to another port; a
drag from an input that already has an edge picks that edge up (as Blender and Unreal do), so
it can be dropped on another input (reconnect), on empty canvas (disconnect), or back where it
was (nothing changes). It only reports what the user asked for through the view's signals."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF
from PySide6.QtWidgets import QToolTip

from .edge_item import EdgeItem, RubberEdge
from .port_item import PortItem

if TYPE_CHECKING:
    from .view import GraphCanvas

Request = tuple[str, str, str, str]


class EdgeDrag:
    """State of one connect or pick-up drag (at most one at a time, owned by the view)."""

    def __init__(self, view: "GraphCanvas") -> None:
        self.view = view
        self.port: PortItem | None = None  # the fixed end of the rubber edge
        self.rubber: RubberEdge | None = None
        self.target: PortItem | None = None
        self.picked: EdgeItem | None = None  # the edge picked up from its input, if any

    @property
    def active(self) -> bool:
        return self.rubber is not None

    def start(self, port: PortItem) -> None:
        """Begin at ``port``; from a connected input, pick up its (last) edge instead."""
        scene = self.view.graph_scene()
        into = [e for e in port.node.edges if e.dst is port] if not port.is_output else []
        self.picked = max(into, key=lambda e: e.edge.index) if into else None
        if self.picked is not None:
            self.picked.setVisible(False)
            port.set_connected(len(into) > 1)  # drawn as it will be once the edge is gone
            self.port = self.picked.src
            self.view.statusMessage.emit("Drop the edge on another input to reconnect it, on "
                                         "empty canvas to disconnect it (Esc: leave it)")
        else:
            self.port = port
        self.rubber = RubberEdge(self.port)
        scene.addItem(self.rubber)
        if self.picked is not None:
            self.rubber.follow(port.anchor())

    def connection(self, target: PortItem) -> tuple[Request | None, str | None]:
        """The (src, src_port, dst, dst_port) a drop on ``target`` asks for, and why not if
        refused."""
        a = self.port
        if a is None or target is a:
            return None, None
        if a.is_output == target.is_output:
            return None, "connect an output (right) to an input (left)"
        src, dst = (a, target) if a.is_output else (target, a)
        req = (src.node_id, src.name, dst.node_id, dst.name)
        return req, self.view.graph.can_connect(*req)

    def move(self, scene_pos: QPointF, port: PortItem | None, global_pos: QPoint) -> None:
        """Follow the mouse and mark the port under it as a good or refused target."""
        self.rubber.follow(scene_pos)
        if port is self.port:
            port = None
        if port is self.target:
            return  # nothing changed: no repeated tooltips or status messages
        if self.target is not None:
            self.target.set_hover(None)
        self.target = port
        vp = self.view.viewport()
        if port is None:
            self.rubber.set_state(None)
            QToolTip.hideText()
            return
        if self.picked is not None and port is self.picked.dst:
            port.set_hover("ok")
            self.rubber.set_state("ok")
            QToolTip.showText(global_pos, "leave it connected here", vp)
            return
        req, reason = self.connection(port)
        state = "ok" if (req and reason is None) else "bad"
        port.set_hover(state)
        self.rubber.set_state(state)
        if state == "bad":
            QToolTip.showText(global_pos, reason or "cannot connect here", vp)
            self.view.statusMessage.emit(reason or "cannot connect here")
        else:
            QToolTip.showText(global_pos, f"connect {req[1]} → {req[3]}", vp)

    def release(self, target: PortItem | None) -> None:
        """End the drag over ``target`` (None: empty canvas) and emit what it asks for."""
        view, picked = self.view, self.picked
        if picked is not None and target is picked.dst:
            self.cancel()  # dropped back where it was: nothing changes
            return
        req, reason = self.connection(target) if target is not None else (None, None)
        self.cancel()
        if picked is None:
            if req and reason is None:
                view.connectRequested.emit(*req)
            elif reason:
                view.statusMessage.emit(reason)
        elif target is None:
            view.edgeDisconnectRequested.emit(picked.edge_id)
        elif req and reason is None:
            view.edgeReconnectRequested.emit(picked.edge_id, req[2], req[3])
        elif reason:
            view.statusMessage.emit(f"{reason}; the edge stays where it was")

    def cancel(self) -> None:
        """Drop the gesture without asking for anything (the picked-up edge shows again)."""
        if self.target is not None:
            self.target.set_hover(None)
        if self.rubber is not None and self.rubber.scene() is not None:
            self.rubber.scene().removeItem(self.rubber)
        if self.picked is not None and self.picked.scene() is not None:
            self.picked.setVisible(not self.view.graph_scene().overview_mode)
            self.picked.dst.set_connected(True)  # the model still has it (until a command)
        self.rubber = self.port = self.target = self.picked = None
        QToolTip.hideText()
