"""A node on the canvas: header (label, kind), named ports, a footer with the output's shape,
and badges for errors, NaN/Inf and pre-run check messages."""
from __future__ import annotations

import html
import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from engine.graph.kinds import NodeKind
from engine.graph.model import Node

from .port_item import HIT_RADIUS, PortItem
from .style import heading_of, paints

HEADER_H = 26.0
ROW_H = 20.0
PAD = 6.0
FOOTER_H = 20.0
MIN_W = 150.0
MARGIN = 14.0  # room around the body for the outline, the port rings and the badges
RADIUS = 6.0
BLOCK_LOD = 0.4  # below this zoom a node is drawn as a plain block (the view merges edges too)
TEXT_LOD = 0.55  # below this zoom text is too small to read and is skipped


class NodeItem(QGraphicsItem):
    """The view of one Graph node; its position is the node's ``pos`` (top-left corner)."""

    def __init__(self, node: Node, kind: NodeKind) -> None:
        super().__init__()
        self.node_id = node.id
        self.node = node
        self.kind = kind
        self.heading = heading_of(kind.family)
        self.edges: set = set()  # EdgeItems attached to this node
        self.inputs: dict[str, PortItem] = {}
        self.outputs: dict[str, PortItem] = {}
        self.info = ""  # 'shape dtype' once a run has been shown
        self.error: str | None = None
        self.marker: str | None = None  # 'NaN', 'Inf', '∇NaN' where it first appears
        self.marker_note = ""
        self.check: str | None = None  # a pre-run mismatch message
        self.width = MIN_W
        self.height = HEADER_H
        self._header = QPainterPath()
        self._label = self._title = self._footer = ""
        self._texts: list = []
        self.setFlags(QGraphicsItem.ItemIsMovable | QGraphicsItem.ItemIsSelectable
                      | QGraphicsItem.ItemSendsGeometryChanges)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        for spec in kind.inputs:
            self.inputs[spec.name] = PortItem(self, spec, False)
        for spec in kind.outputs:
            self.outputs[spec.name] = PortItem(self, spec, True)
        self._bounds = QRectF()
        self.setPos(QPointF(*node.pos))
        self.relayout()

    # ---- geometry ---------------------------------------------------------------------
    def relayout(self) -> None:
        """Recompute size, texts and port positions from the node (after a label/attr change)."""
        pt = paints()
        node, kind = self.node, self.kind
        self._label = node.label
        self._title = kind.title + (" ∇" if node.requires_grad else "")
        if node.retain_grad:
            self._title += " ⟲"
        in_w = max((pt.port_fm.horizontalAdvance(n) for n in self.inputs), default=0.0)
        out_w = max((pt.port_fm.horizontalAdvance(n) for n in self.outputs), default=0.0)
        w = max(MIN_W,
                pt.title_fm.horizontalAdvance(self._label) + pt.kind_fm.horizontalAdvance(
                    self._title) + 34,
                in_w + out_w + 46,
                pt.info_fm.horizontalAdvance(self.info) + 24)
        w = math.ceil(w / 10.0) * 10.0
        rows = max(len(self.inputs), len(self.outputs), 1)
        h = HEADER_H + PAD + rows * ROW_H + PAD + FOOTER_H
        self.prepareGeometryChange()
        self.width, self.height = w, h
        self._bounds = QRectF(-MARGIN, -MARGIN, w + 2 * MARGIN, h + 2 * MARGIN)
        for i, p in enumerate(self.inputs.values()):
            p.local = QPointF(0.0, HEADER_H + PAD + (i + 0.5) * ROW_H)
        for i, p in enumerate(self.outputs.values()):
            p.local = QPointF(w, HEADER_H + PAD + (i + 0.5) * ROW_H)
        hdr = QPainterPath()
        hdr.addRoundedRect(QRectF(0, 0, w, HEADER_H + RADIUS), RADIUS, RADIUS)
        cut = QPainterPath()
        cut.addRect(QRectF(0, HEADER_H, w, RADIUS + 1))
        self._header = hdr.subtracted(cut)
        attrs = ", ".join(f"{k}={_short(v)}" for k, v in node.attrs.items() if v is not None)
        self._footer = pt.info_fm.elidedText(attrs, Qt.ElideRight, w - 20)
        self._layout_texts()
        self.setToolTip(self._tooltip())
        self._refile()
        for e in self.edges:
            e.update_path()
        self.update()

    def _refile(self) -> None:
        """Tell the scene's node grid where the body is now (edge labels keep clear of it)."""
        grid = getattr(self.scene(), "node_grid", None)
        if grid is not None:
            grid.update(self, self.mapRectToScene(self.body_rect()))

    def boundingRect(self) -> QRectF:
        return self._bounds

    def ports(self) -> list[PortItem]:
        """Inputs then outputs."""
        return list(self.inputs.values()) + list(self.outputs.values())

    def port_near(self, scene_pt: QPointF, radius: float = HIT_RADIUS) -> PortItem | None:
        """The port whose dot is within ``radius`` of a scene point (the nearest), if any."""
        local = scene_pt - self.pos()
        best, best_d = None, radius * radius
        for p in self.ports():
            d = local - p.local
            dd = d.x() * d.x() + d.y() * d.y()
            if dd <= best_d:
                best, best_d = p, dd
        return best

    def shape(self) -> QPainterPath:
        p = QPainterPath()
        p.addRoundedRect(QRectF(0, 0, self.width, self.height), RADIUS, RADIUS)
        return p

    def body_rect(self) -> QRectF:
        return QRectF(0, 0, self.width, self.height)

    # ---- state from the model and from runs ---------------------------------------------
    def set_result(self, info: str, error: str | None, marker: str | None = None,
                   marker_note: str = "") -> None:
        """Show a run's outcome: 'shape dtype', an error message, a NaN/Inf marker."""
        changed_w = info != self.info
        self.info, self.error, self.marker, self.marker_note = info, error, marker, marker_note
        if changed_w:
            self.relayout()
        else:
            self._layout_texts()
            self.setToolTip(self._tooltip())
            self.update()

    def set_check(self, message: str | None) -> None:
        """Mark (or clear) a mismatch found before running."""
        if message != self.check:
            self.check = message
            self.setToolTip(self._tooltip())
            self.update()

    def _tooltip(self) -> str:
        k = self.kind
        lines = [f"<b>{html.escape(self.node.label)}</b> &nbsp;<i>{html.escape(k.key)}</i>"]
        if k.doc:
            lines.append(html.escape(k.doc))
        if self.info:
            lines.append(f"output: {html.escape(self.info)}")
        if self.error:
            lines.append(f"<span style='color:#e5484d'><b>error:</b> "
                         f"{html.escape(self.error)}</span>")
        if self.marker:
            lines.append(f"<span style='color:#ff8c1a'><b>{html.escape(self.marker)}</b> "
                         f"{html.escape(self.marker_note)}</span>")
        if self.check:
            lines.append(f"<span style='color:#f5a524'><b>check:</b> "
                         f"{html.escape(self.check)}</span>")
        return "<br>".join(lines)

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value):
        if change == QGraphicsItem.ItemPositionHasChanged:
            self._refile()
            for e in self.edges:
                e.update_path()
        return super().itemChange(change, value)

    # ---- painting -----------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pt = paints()
        w, h = self.width, self.height
        body = QRectF(0, 0, w, h)
        lod = option.levelOfDetailFromTransform(painter.worldTransform())
        selected = self.isSelected()
        if lod < BLOCK_LOD:  # far out: a coloured block is all anyone can see
            painter.setPen(pt.selected_pen if selected else
                           (pt.error_pen if self.error else pt.no_pen))
            painter.setBrush(pt.header_brush(self.heading))
            painter.drawRect(body)
            return
        painter.setBrush(pt.body_brush)
        painter.setPen(pt.border_pen)
        painter.drawRoundedRect(body, RADIUS, RADIUS)
        painter.setPen(pt.no_pen)
        painter.setBrush(pt.header_brush(self.heading))
        painter.drawPath(self._header)
        if lod >= TEXT_LOD:
            self._paint_text(painter, pt, w, h)
        if selected or self.error or self.check:
            painter.setBrush(Qt.NoBrush)
            painter.setPen(pt.selected_pen if selected else
                           (pt.error_pen if self.error else pt.warn_pen))
            painter.drawRoundedRect(body.adjusted(-1.5, -1.5, 1.5, 1.5), RADIUS + 1, RADIUS + 1)
        for p in self.inputs.values():
            p.paint(painter, pt)
        for p in self.outputs.values():
            p.paint(painter, pt)
        self._paint_badges(painter, pt, w)

    def _layout_texts(self) -> None:
        """Texts with their fonts, pens and baselines, computed once (paint only draws them)."""
        pt = paints()
        w, h = self.width, self.height
        title_w = pt.kind_fm.horizontalAdvance(self._title)
        label = pt.title_fm.elidedText(self._label, Qt.ElideRight, w - title_w - 28)

        def mid(fm, top: float, height: float) -> float:  # baseline that centres the text
            return top + (height + fm.ascent() - fm.descent()) / 2

        t = [(pt.title_font, "header_text_pen", QPointF(10, mid(pt.title_fm, 0, HEADER_H)), label),
             (pt.kind_font, "header_dim_pen",
              QPointF(w - 10 - title_w, mid(pt.kind_fm, 0, HEADER_H)), self._title)]
        for p in self.inputs.values():
            t.append((pt.port_font, "text_pen",
                      QPointF(12, mid(pt.port_fm, p.local.y() - ROW_H / 2, ROW_H)), p.name))
        for p in self.outputs.values():
            t.append((pt.port_font, "text_pen",
                      QPointF(w - 12 - pt.port_fm.horizontalAdvance(p.name),
                              mid(pt.port_fm, p.local.y() - ROW_H / 2, ROW_H)), p.name))
        if self.error:
            pen, text = "error_pen", "error"
        elif self.info:
            pen, text = "text_pen", self.info
        else:
            pen, text = "dim_pen", self._footer
        t.append((pt.info_font, pen, QPointF(10, mid(pt.info_fm, h - FOOTER_H, FOOTER_H)), text))
        self._texts = t

    def _paint_text(self, painter: QPainter, pt, w: float, h: float) -> None:
        font = None
        for f, pen, at, text in self._texts:
            if f is not font:
                painter.setFont(f)
                font = f
            painter.setPen(getattr(pt, pen))
            painter.drawText(at, text)
        fy = h - FOOTER_H
        painter.setPen(pt.border_pen)
        painter.drawLine(QPointF(1, fy), QPointF(w - 1, fy))

    def _paint_badges(self, painter: QPainter, pt, w: float) -> None:
        x = w
        painter.setFont(pt.badge_font)
        if self.error:
            self._badge(painter, pt, QPointF(x, 0), pt.error_brush, "!")
            x -= 22
        if self.check:
            self._badge(painter, pt, QPointF(x, 0), pt.warn_brush, "?")
        if self.marker:
            tw = pt.badge_fm.horizontalAdvance(self.marker) + 12
            r = QRectF(8, -8, tw, 16)
            painter.setPen(pt.no_pen)
            painter.setBrush(pt.nan_brush)
            painter.drawRoundedRect(r, 8, 8)
            painter.setPen(pt.white_pen)
            painter.drawText(r, Qt.AlignCenter, self.marker)

    @staticmethod
    def _badge(painter: QPainter, pt, center: QPointF, brush, text: str) -> None:
        painter.setPen(pt.no_pen)
        painter.setBrush(brush)
        painter.drawEllipse(center, 9, 9)
        painter.setPen(pt.white_pen)
        painter.drawText(QRectF(center.x() - 9, center.y() - 9, 18, 18), Qt.AlignCenter, text)


def _short(v) -> str:
    s = repr(v) if isinstance(v, str) else str(v)
    return s if len(s) <= 24 else s[:21] + "..."
