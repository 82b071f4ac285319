"""A node's port: a coloured dot (inputs left, outputs right) the user drags edges from.

Ports are not QGraphicsItems: the node paints them (inside its cached pixmap) and the view
hit-tests them, which keeps a 1,000-node scene to one item per node and per edge."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter

from engine.graph.kinds import PortSpec

if TYPE_CHECKING:
    from .node_item import NodeItem

PORT_RADIUS = 5.0
HIT_RADIUS = 9.0


class PortItem:
    """One named port of a node; its role (input, scalar, variadic, output) picks its colour."""

    __slots__ = ("node", "node_id", "spec", "name", "is_output", "role", "connected", "hover",
                 "local")

    def __init__(self, node: "NodeItem", spec: PortSpec, is_output: bool) -> None:
        self.node = node
        self.node_id = node.node_id
        self.spec = spec
        self.name = spec.name
        self.is_output = is_output
        self.connected = False
        self.hover: str | None = None  # None, 'ok' or 'bad' while an edge is being dragged
        self.local = QPointF()  # position in the node's coordinates
        if is_output:
            self.role = "output"
        elif spec.variadic:
            self.role = "variadic"
        elif spec.scalar_ok:
            self.role = "scalar"
        else:
            self.role = "input"

    def tooltip(self) -> str:
        if self.is_output:
            return f"output '{self.name}': drag onto an input to connect"
        notes = []
        if self.spec.variadic:
            notes.append("takes several tensors, in order")
        if self.spec.optional:
            notes.append("optional")
        if self.spec.scalar_ok:
            notes.append("may stay unconnected and take a number")
        return f"input '{self.name}'" + (f" ({'; '.join(notes)})" if notes else "")

    def set_hover(self, state: str | None) -> None:
        """Mark the port as a good ('ok') or refused ('bad') drop target, or clear the mark."""
        if state != self.hover:
            self.hover = state
            self.node.update()

    def set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            self.node.update()

    def pos(self) -> QPointF:
        return self.local

    def scenePos(self) -> QPointF:  # noqa: N802 - reads like the QGraphicsItem it stands for
        return self.node.pos() + self.local

    anchor = scenePos  # where edges attach, in scene coordinates

    def paint(self, painter: QPainter, pt) -> None:
        """Draw the dot (and the drop-target ring) in the node's coordinates."""
        hollow = not self.connected and (self.spec.optional or self.spec.scalar_ok)
        painter.setPen(pt.port_pens[self.role])
        painter.setBrush(pt.port_hollow_brush if hollow else pt.port_brushes[self.role])
        r = PORT_RADIUS
        c = self.local
        if self.role == "variadic":
            painter.drawRoundedRect(QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r), 2, 2)
        else:
            painter.drawEllipse(c, r, r)
        if self.hover:
            painter.setBrush(Qt.NoBrush)
            painter.setPen(pt.hover_ok_pen if self.hover == "ok" else pt.hover_bad_pen)
            painter.drawEllipse(c, r + 3, r + 3)
