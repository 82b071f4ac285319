"""Edges: smooth bezier curves from an output port to an input port, labelled with the tensor's
shape and dtype, optionally coloured by gradient magnitude; and the rubber edge of a drag."""
from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsPathItem, QStyleOptionGraphicsItem,
                               QWidget)

from engine.graph.model import Edge

from .edge_label import (CLEAR, GAP, LABEL_LOD, PAD_X, PAD_Y, LabelText, LabelTip, label_variants,
                         curve_points, paint_chip, place_label)
from .edge_label import RADIUS as LABEL_RADIUS
from .node_item import NodeItem
from .port_item import PortItem
from .style import paints


def controls(p1: QPointF, p2: QPointF) -> tuple[QPointF, QPointF, QPointF, QPointF]:
    """The control points of the horizontal-tangent cubic from an output (p1) to an input (p2)."""
    dx = max(40.0, abs(p2.x() - p1.x()) * 0.5, min(120.0, abs(p2.y() - p1.y()) * 0.4))
    return p1, QPointF(p1.x() + dx, p1.y()), QPointF(p2.x() - dx, p2.y()), p2


def bezier(p1: QPointF, p2: QPointF) -> QPainterPath:
    """A horizontal-tangent cubic from an output (p1) to an input (p2)."""
    _, c1, c2, _ = controls(p1, p2)
    path = QPainterPath(p1)
    path.cubicTo(c1, c2, p2)
    return path


def _clearance(node: NodeItem) -> QRectF:
    """A node's body in scene coordinates, grown by the port dots that stick out of it."""
    p = node.pos()
    return QRectF(p.x() - CLEAR, p.y() - CLEAR, node.width + 2 * CLEAR, node.height + 2 * CLEAR)


class EdgeItem(QGraphicsItem):
    """The view of one Graph edge, between two PortItems."""

    def __init__(self, edge: Edge, src: PortItem, dst: PortItem) -> None:
        super().__init__()
        self.edge_id = edge.id
        self.edge = edge
        self.src, self.dst = src, dst
        self.label = ""  # the full 'shape dtype' text ('' for none)
        self.shown = ""  # what the chip on the curve shows: the label, its shape alone, or ''
        self.check: str | None = None
        self.grad_pen: QPen | None = None
        self.grad_text = ""
        self._path = QPainterPath()
        self._hit: QPainterPath | None = None
        self._texts: list[LabelText] = []
        self._shown: LabelText | None = None
        self._label_rect = QRectF()
        self._chip = QPainterPath()
        self._text_at = QPointF()
        self._anchor = QPointF()  # where the full label's tip goes
        self._bounds = QRectF()
        self._hovered = False
        self._lone = False  # selected on its own (the scene says so)
        self._tip: LabelTip | None = None
        # no item cache: a long curve's pixmap would be viewport-sized and re-made on each zoom
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setZValue(-1)
        self.update_path()

    def update_path(self) -> None:
        """Follow the ports after a node moved or resized."""
        self.prepareGeometryChange()
        self._ctrl = ctrl = controls(self.src.anchor(), self.dst.anchor())
        self._path = QPainterPath(ctrl[0])
        self._path.cubicTo(ctrl[1], ctrl[2], ctrl[3])
        self._hit = None
        self._layout_label()
        overview = getattr(self.scene(), "overview", None)
        if overview is not None:
            overview.invalidate()

    def _obstacles(self) -> list[QRectF]:
        """The bodies of the edge's two nodes, grown by the port dots that stick out of them."""
        return [_clearance(self.src.node), _clearance(self.dst.node)]

    def _others_under(self, r: QRectF) -> list[QRectF]:
        """Other nodes' bodies and other edges' chips that a chip at ``r`` would touch."""
        scene = self.scene()
        if scene is None:
            return []
        area = r.adjusted(-CLEAR, -CLEAR, CLEAR, CLEAR)
        nodes, chips = getattr(scene, "node_grid", None), getattr(scene, "chip_grid", None)
        if nodes is None or chips is None:  # a plain QGraphicsScene: ask it (slow), and siblings
            near_nodes = [i for i in scene.items(area, Qt.IntersectsItemBoundingRect)
                          if isinstance(i, NodeItem)]
            near_chips = [e for n in (self.src.node, self.dst.node) for e in n.edges]
        else:
            near_nodes, near_chips = nodes.near(area), chips.near(area)
        own = (self.src.node, self.dst.node)
        out = [_clearance(n) for n in near_nodes if n not in own]
        out += [e._label_rect.adjusted(-2, -2, 2, 2) for e in near_chips
                if e is not self and e._shown is not None]
        return [o for o in out if o.intersects(r)]

    def _layout_label(self) -> None:
        b = self._path.boundingRect()
        self._shown, self.shown = None, ""
        self._label_rect = QRectF()
        if self._texts:
            points = curve_points(self._ctrl)
            obstacles = self._obstacles()
            for _ in range(6):  # another node or chip in the way: try again around it
                i, r, at = place_label(points, self._texts, obstacles)
                more = self._others_under(r) if i >= 0 else []
                if not more:
                    break
                obstacles += more
            else:
                i, r = -1, QRectF()
            # the tip covers the chip, or sits just above the curve (which stays visible)
            h = self._texts[0].height
            self._anchor = r.center() if i >= 0 else QPointF(at.x(), at.y() - h / 2 - GAP)
            if i >= 0:
                self._shown = lt = self._texts[i]
                self.shown = lt.text
                self._label_rect = r
                self._chip = QPainterPath()
                self._chip.addRoundedRect(r, LABEL_RADIUS, LABEL_RADIUS)
                self._text_at = QPointF(r.left() + PAD_X, r.top() + PAD_Y)
                b = b.united(r)
        chips = getattr(self.scene(), "chip_grid", None)
        if chips is not None:
            if self._shown is not None:
                chips.update(self, self._label_rect)
            else:
                chips.remove(self)
        self._bounds = b.adjusted(-6, -6, 6, 6)
        self._sync_tip()

    @property
    def elided(self) -> bool:
        """The chip shows less than the full label (or nothing: no room between the nodes)."""
        return bool(self.label) and self.shown != self.label

    def label_rect(self) -> QRectF:
        """The chip's rect in scene coordinates (empty when no label is shown)."""
        return QRectF(self._label_rect)

    def set_label(self, text: str) -> None:
        """The 'shape dtype' text shown on the visible middle of the curve ('' for none)."""
        if text != self.label:
            self.prepareGeometryChange()
            self.label = text
            self._texts = [LabelText(t) for t in label_variants(text)] if text else []
            self._hit = None
            if self._tip is not None:
                self._drop_tip()
            self._layout_label()
            self._retooltip()
            self.update()

    # ---- the full label while hovered or selected on its own ------------------------------
    def set_lone_selected(self, on: bool) -> None:
        """Told by the scene: this edge is the only selected item (its full label shows)."""
        self._lone = on
        self._sync_tip()

    def hoverEnterEvent(self, event) -> None:
        self._hovered = True
        self._sync_tip()
        super().hoverEnterEvent(event)

    def hoverLeaveEvent(self, event) -> None:
        self._hovered = False
        self._sync_tip()
        super().hoverLeaveEvent(event)

    def tip(self) -> LabelTip | None:
        """The full label's tip while it is shown."""
        return self._tip

    def _sync_tip(self) -> None:
        want = self.elided and (self._hovered or self._lone) and self.scene() is not None
        if not want:
            if self._tip is not None:
                self._drop_tip()
            return
        if self._tip is None:
            self._tip = LabelTip(self._texts[0])
            self.scene().addItem(self._tip)
        self._tip.follow(self._anchor)

    def _drop_tip(self) -> None:
        tip, self._tip = self._tip, None
        if tip is not None and tip.scene() is not None:
            tip.scene().removeItem(tip)

    def detach(self) -> None:
        """Before the edge leaves its scene: take its tip along."""
        self._hovered = self._lone = False
        self._drop_tip()
        chips = getattr(self.scene(), "chip_grid", None)
        if chips is not None:
            chips.remove(self)

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
            if self._shown is not None:  # hovering or clicking the chip counts too
                self._hit.addRect(self._label_rect)
                self._hit.setFillRule(Qt.WindingFill)
        return self._hit

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pt = paints()
        selected = self.isSelected()
        if selected:
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
        lt = self._shown
        if lt is None or option.levelOfDetailFromTransform(painter.worldTransform()) < LABEL_LOD:
            return
        painter.setFont(pt.edge_font)
        paint_chip(painter, self._chip, lt, self._text_at,
                   pt.warn_pen if self.check else (pt.text_pen if selected else pt.dim_pen))


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
