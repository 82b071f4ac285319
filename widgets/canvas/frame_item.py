"""A frame: a titled translucent rectangle behind a group of nodes (a ``no_grad`` region)."""
from __future__ import annotations

import html

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from engine.graph.model import Frame

from .style import paints

TITLE_H = 24.0


class FrameItem(QGraphicsItem):
    """The view of one Graph frame; it sits behind nodes and edges."""

    def __init__(self, frame: Frame) -> None:
        super().__init__()
        self.frame_id = frame.id
        self.frame = frame
        self._rect = QRectF()
        self.setZValue(-10)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.refresh()

    def refresh(self) -> None:
        """Follow the frame's label, rect and no_grad flag."""
        f = self.frame
        x, y, w, h = f.rect
        self.prepareGeometryChange()
        self.setPos(x, y)
        self._rect = QRectF(0, 0, max(w, 40.0), max(h, TITLE_H + 10))
        tag = "no_grad" if f.no_grad else "frame"
        self._title = f"{f.label}  ·  {tag}" if f.label else tag
        self.setToolTip(f"<b>{html.escape(f.label or 'frame')}</b><br>"
                        + ("nodes inside run under <code>engine.no_grad()</code>"
                           if f.no_grad else "a group of nodes")
                        + f"<br>{len(f.members)} node(s)")
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pt = paints()
        r = self._rect
        painter.setBrush(pt.frame_brush)
        painter.setPen(pt.frame_pen)
        painter.drawRoundedRect(r, 10, 10)
        if option.levelOfDetailFromTransform(painter.worldTransform()) < 0.3:
            return
        painter.setPen(pt.no_pen)
        painter.setBrush(pt.frame_title_brush)
        title_w = min(r.width() - 16, pt.title_fm.horizontalAdvance(self._title) * 1.15 + 24)
        painter.drawRoundedRect(QRectF(8, 8, title_w, TITLE_H - 4), 6, 6)
        painter.setFont(pt.frame_font)
        painter.setPen(pt.white_pen)
        painter.drawText(QRectF(18, 8, title_w - 20, TITLE_H - 4), Qt.AlignVCenter | Qt.AlignLeft,
                         self._title)
