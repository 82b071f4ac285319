"""Edges: smooth bezier curves from an output port to an input port, labelled with the tensor's
shape and dtype, optionally coloured by gradient magnitude; and the rubber edge of a drag."""
from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem,
                               QWidget)

from engine.graph.model import Edge

from .port_item import PortItem
from .style import paints


def bezier(p1: QPointF, p2: QPointF) -> QPainterPath:
    """A horizontal-tangent cubic from an output (p1) to an input (p2)."""
    dx = max(40.0, abs(p2.x() - p1.x()) * 0.5, min(120.0, abs(p2.y() - p1.y()) * 0.4))
    path = QPainterPath(p1)
    path.cubicTo(QPointF(p1.x() + dx, p1.y()), QPointF(p2.x() - dx, p2.y()), p2)
    return path


class EdgeItem(QGraphicsItem):
    """The view of one Graph edge, between two PortItems."""

    def __init__(self, edge: Edge, src: PortItem, dst: PortItem) -> None:
        super().__init__()
        self.edge_id = edge.id
        self.edge = edge
        self.src, self.dst = src, dst
        self.label = ""
        self.check: str | None = None
        self.grad_pen: QPen | None = None
        self.grad_text = ""
        self._path = QPainterPath()
        self._hit: QPainterPath | None = None
        self._label_rect = QRectF()
        self._bounds = QRectF()
        # no item cache: a long curve's pixmap would be viewport-sized and re-made on each zoom
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setZValue(-1)
        self.update_path()

    def update_path(self) -> None:
        """Follow the ports after a node moved or resized."""
        self.prepareGeometryChange()
        self._path = bezier(self.src.anchor(), self.dst.anchor())
        self._hit = None
        self._layout_label()
        overview = getattr(self.scene(), "overview", None)
        if overview is not None:
            overview.invalidate()

    def _layout_label(self) -> None:
        b = self._path.boundingRect()
        if self.label:
            pt = paints()
            # edges into one variadic input share an end: spread their labels along the curve
            mid = self._path.pointAtPercent(max(0.2, 0.5 - 0.15 * self.edge.index))
            tw = pt.edge_fm.horizontalAdvance(self.label) + 10
            th = pt.edge_fm.height() + 4
            self._label_rect = QRectF(mid.x() - tw / 2, mid.y() - th - 3, tw, th)
            b = b.united(self._label_rect)
        else:
            self._label_rect = QRectF()
        self._bounds = b.adjusted(-6, -6, 6, 6)

    def set_label(self, text: str) -> None:
        """The 'shape dtype' text shown over the middle of the curve ('' for none)."""
        if text != self.label:
            self.prepareGeometryChange()
            self.label = text
            self._layout_label()
            self._retooltip()
            self.update()

    def set_check(self, message: str | None) -> None:
        if message != self.check:
            self.check = message
            self._retooltip()
            self.update()

    def set_grad(self, color: QColor | None, width: float = 2.5, text: str = "") -> None:
        """Colour the edge by gradient magnitude (None: back to the plain colour)."""
        if color is None and self.grad_pen is None and not self.grad_text:
            return
        self.grad_pen = QPen(color, width, Qt.SolidLine, Qt.RoundCap) if color else None
        self.grad_text = text
        self._retooltip()
        self.update()

    def _retooltip(self) -> None:
        e = self.edge
        lines = [f"{html.escape(e.src_port)} → {html.escape(e.dst_port)}"
                 + (f" [{e.index}]" if e.index else "")]
        if self.label:
            lines.append(html.escape(self.label))
        if self.grad_text:
            lines.append(html.escape(self.grad_text))
        if self.check:
            lines.append(f"<span style='color:#f5a524'><b>check:</b> "
                         f"{html.escape(self.check)}</span>")
        self.setToolTip("<br>".join(lines))

    def path(self) -> QPainterPath:
        return self._path

    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._hit is None:
            s = QPainterPathStroker()
            s.setWidth(10)
            self._hit = s.createStroke(self._path)
        return self._hit

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pt = paints()
        if self.isSelected():
            pen = pt.edge_selected_pen
        elif self.check:
            pen = pt.edge_warn_pen
        elif self.grad_pen is not None:
            pen = self.grad_pen
        else:
            pen = pt.edge_pen
        painter.setBrush(Qt.NoBrush)
        painter.setPen(pen)
        painter.drawPath(self._path)
        if not self.label:
            return
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        if lod < 0.6:
            return
        painter.setPen(pt.no_pen)
        painter.setBrush(pt.edge_label_brush)
        painter.drawRoundedRect(self._label_rect, 4, 4)
        painter.setFont(pt.edge_font)
        painter.setPen(pt.warn_pen if self.check else pt.dim_pen)
        painter.drawText(self._label_rect, Qt.AlignCenter, self.label)


class RubberEdge(QGraphicsPathItem):
    """The curve that follows the mouse while the user drags a new connection."""

    def __init__(self, anchor: PortItem) -> None:
        super().__init__()
        self.anchor = anchor
        self.setZValue(10)
        self.set_state(None)
        self.follow(anchor.anchor())

    def follow(self, pos: QPointF) -> None:
        a = self.anchor.anchor()
        self.setPath(bezier(a, pos) if self.anchor.is_output else bezier(pos, a))

    def set_state(self, state: str | None) -> None:
        """None while free, 'ok' over a port that accepts, 'bad' over one that refuses."""
        pt = paints()
        self.setPen({"ok": pt.rubber_ok_pen, "bad": pt.rubber_bad_pen}.get(state, pt.rubber_pen))


OVERVIEW_RECT = QRectF(-100_000, -100_000, 200_000, 200_000)


class EdgeOverview(QGraphicsItem):
    """Every edge in one item, for far zoom levels where 2,000 edge items would each be painted
    separately: the paths are merged per colour and drawn in a few calls."""

    def __init__(self) -> None:
        super().__init__()
        self.setZValue(-1)
        self.edges: dict = {}  # the scene's EdgeItems, by id
        self._groups: list[tuple[QPen, QPainterPath]] = []
        self.dirty = True

    def invalidate(self) -> None:
        """Rebuild the merged paths on the next paint (an edge was added, removed or moved)."""
        if not self.dirty:
            self.dirty = True
            self.update()

    def _rebuild(self) -> None:
        pt = paints()
        groups: dict[str, tuple[QPen, QPainterPath]] = {}
        for e in self.edges.values():
            if e.check:
                key, color = "warn", QColor(pt.theme.warn)
            elif e.grad_pen is not None:
                color = e.grad_pen.color()
                key = color.name()
            else:
                key, color = "plain", pt.edge_color
            if key not in groups:
                groups[key] = (QPen(color, 0), QPainterPath())  # 0: a one-pixel hairline
            groups[key][1].addPath(e.path())
        self._groups = list(groups.values())
        self.dirty = False

    def boundingRect(self) -> QRectF:
        return OVERVIEW_RECT  # constant: the merged paths change without geometry updates

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if self.dirty:
            self._rebuild()
        painter.setBrush(Qt.NoBrush)
        # hairlines: wider antialiased strokes of a long merged path are ~100x slower
        for pen, path in self._groups:
            painter.setPen(pen)
            painter.drawPath(path)
