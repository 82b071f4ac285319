"""A frame: a titled translucent rectangle behind a group of nodes (a ``no_grad`` region).

Its title bar drags it (with its member nodes); its border and corners resize it. Both are
previews: on release the scene reports the gesture (``GraphScene.frameMoved``/``frameResized``)
and the item goes back to what the model says, which the app's command has changed by then."""
from __future__ import annotations

import html

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsSceneHoverEvent,
                               QGraphicsSceneMouseEvent, QStyleOptionGraphicsItem, QWidget)

from engine.graph.model import Frame

from .style import paints

TITLE_H = 24.0
TITLE_ZONE = TITLE_H + 6  # the strip at the top that drags the frame
GRAB_OUT, GRAB_IN = 7.0, 4.0  # how far outside / inside the border a resize grab reaches
CORNER = 14.0  # along each side, this close to a corner grabs the corner
MIN_W, MIN_H = 120.0, TITLE_ZONE + 30
MEMBER_PAD = 10.0  # a resize keeps this much room around the member nodes

CURSORS = {"move": Qt.SizeAllCursor, "l": Qt.SizeHorCursor, "r": Qt.SizeHorCursor,
           "t": Qt.SizeVerCursor, "b": Qt.SizeVerCursor, "tl": Qt.SizeFDiagCursor,
           "br": Qt.SizeFDiagCursor, "tr": Qt.SizeBDiagCursor, "bl": Qt.SizeBDiagCursor}


class FrameItem(QGraphicsItem):
    """The view of one Graph frame; it sits behind nodes and edges."""

    def __init__(self, frame: Frame) -> None:
        super().__init__()
        self.frame_id = frame.id
        self.frame = frame
        self._rect = QRectF()
        self._shape = QPainterPath()
        self._gesture: tuple[str, QPointF, QRectF, dict[str, QPointF]] | None = None
        self.setZValue(-10)
        self.setFlags(QGraphicsItem.ItemIsSelectable)
        self.setAcceptHoverEvents(True)
        self.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        self.refresh()

    # ---- geometry -----------------------------------------------------------------------
    def refresh(self) -> None:
        """Follow the frame's label, rect and no_grad flag."""
        f = self.frame
        x, y, w, h = f.rect
        self._set_geometry(QRectF(x, y, w, h))
        tag = "no_grad" if f.no_grad else "frame"
        self._title = f"{f.label}  ·  {tag}" if f.label and f.label != tag else tag
        self.setToolTip(f"<b>{html.escape(f.label or 'frame')}</b><br>"
                        + ("nodes inside run under <code>engine.no_grad()</code>"
                           if f.no_grad else "a group of nodes")
                        + f"<br>{len(f.members)} node(s)<br><i>drag the title to move, the "
                          "edges to resize; right-click for more</i>")
        self.update()

    def _set_geometry(self, r: QRectF) -> None:
        self.prepareGeometryChange()
        self.setPos(r.x(), r.y())
        self._rect = QRectF(0, 0, max(r.width(), 40.0), max(r.height(), TITLE_H + 10))
        ring = QPainterPath()
        ring.addRect(self._rect.adjusted(-GRAB_OUT, -GRAB_OUT, GRAB_OUT, GRAB_OUT))
        inner = QPainterPath()
        inner.addRect(self._rect.adjusted(GRAB_IN, GRAB_IN, -GRAB_IN, -GRAB_IN))
        title = QPainterPath()
        title.addRect(QRectF(0, 0, self._rect.width(), TITLE_ZONE))
        self._shape = ring.subtracted(inner).united(title)
        self.update()

    def scene_rect(self) -> QRectF:
        """The frame's rectangle in scene coordinates, as shown now."""
        return QRectF(self.pos(), self._rect.size())

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-GRAB_OUT - 2, -GRAB_OUT - 2, GRAB_OUT + 2, GRAB_OUT + 2)

    def shape(self) -> QPainterPath:
        """The title strip and the border ring: clicks and rubber bands inside reach the nodes."""
        return self._shape

    def zone_at(self, local: QPointF) -> str | None:
        """'move' on the title strip, 'l'/'r'/'t'/'b'/'tl'/... on a border or corner, else None."""
        x, y, w, h = local.x(), local.y(), self._rect.width(), self._rect.height()
        if not (-GRAB_OUT <= x <= w + GRAB_OUT and -GRAB_OUT <= y <= h + GRAB_OUT):
            return None
        near_l, near_r = x <= GRAB_IN, x >= w - GRAB_IN
        near_t, near_b = y <= GRAB_IN, y >= h - GRAB_IN
        corner = ((near_t or near_b) and (x <= CORNER or x >= w - CORNER)) or \
                 ((near_l or near_r) and (y <= CORNER or y >= h - CORNER))
        if corner:
            return ("t" if y < h / 2 else "b") + ("l" if x < w / 2 else "r")
        for zone, near in (("t", near_t), ("b", near_b), ("l", near_l), ("r", near_r)):
            if near:
                return zone
        return "move" if y <= TITLE_ZONE else None

    def _members_rect(self) -> QRectF | None:
        """What a resize must keep inside: the member nodes with a margin."""
        nodes = getattr(self.scene(), "nodes", {})
        r = QRectF()
        for nid in self.frame.members:
            item = nodes.get(nid)
            if item is not None:
                r = r.united(item.body_rect().translated(item.pos()))
        if r.isNull():
            return None
        return r.adjusted(-MEMBER_PAD, -MEMBER_PAD - TITLE_ZONE, MEMBER_PAD, MEMBER_PAD)

    def _resized(self, r0: QRectF, zone: str, d: QPointF) -> QRectF:
        x0, y0, x1, y1 = r0.left(), r0.top(), r0.right(), r0.bottom()
        need = self._members_rect()
        if "l" in zone:
            x0 = min(x0 + d.x(), x1 - MIN_W, need.left() if need else x1)
        if "r" in zone:
            x1 = max(x1 + d.x(), x0 + MIN_W, need.right() if need else x0)
        if "t" in zone:
            y0 = min(y0 + d.y(), y1 - MIN_H, need.top() if need else y1)
        if "b" in zone:
            y1 = max(y1 + d.y(), y0 + MIN_H, need.bottom() if need else y0)
        return QRectF(QPointF(x0, y0), QPointF(x1, y1))

    # ---- gestures -------------------------------------------------------------------------
    def hoverMoveEvent(self, e: QGraphicsSceneHoverEvent) -> None:
        zone = self.zone_at(e.pos())
        if zone is None:
            self.unsetCursor()
        else:
            self.setCursor(CURSORS[zone])

    def hoverLeaveEvent(self, e: QGraphicsSceneHoverEvent) -> None:
        self.unsetCursor()

    def mousePressEvent(self, e: QGraphicsSceneMouseEvent) -> None:
        zone = self.zone_at(e.pos()) if e.button() == Qt.LeftButton else None
        if zone is None:
            e.ignore()
            return
        if e.modifiers() & Qt.ControlModifier:
            self.setSelected(not self.isSelected())
        elif not self.isSelected():
            self.scene().clearSelection()
            self.setSelected(True)
        nodes = getattr(self.scene(), "nodes", {})
        members = {nid: nodes[nid].pos() for nid in self.frame.members if nid in nodes}
        self._gesture = (zone, e.scenePos(), self.scene_rect(), members)
        e.accept()

    def mouseMoveEvent(self, e: QGraphicsSceneMouseEvent) -> None:
        if self._gesture is None:
            e.ignore()
            return
        zone, p0, r0, members = self._gesture
        d = e.scenePos() - p0
        if zone == "move":
            self.setPos(r0.topLeft() + d)
            nodes = self.scene().nodes
            for nid, pos in members.items():
                if nid in nodes:
                    nodes[nid].setPos(pos + d)
        else:
            self._set_geometry(self._resized(r0, zone, d))
        e.accept()

    def mouseReleaseEvent(self, e: QGraphicsSceneMouseEvent) -> None:
        if self._gesture is None:
            e.ignore()
            return
        zone, _p0, r0, _members = self._gesture
        self._gesture = None
        r = self.scene_rect()
        scene = self.scene()
        if zone == "move":
            d = r.topLeft() - r0.topLeft()
            if d.x() or d.y():
                scene.frameMoved.emit(self.frame_id, d.x(), d.y())
        elif r != r0:
            scene.frameResized.emit(self.frame_id, (r.x(), r.y(), r.width(), r.height()))
        self.sync()
        e.accept()

    def cancel_gesture(self) -> None:
        """Drop a drag in progress (Escape): back to what the model says."""
        if self._gesture is not None:
            self._gesture = None
            if self.scene() is not None and self.scene().mouseGrabberItem() is self:
                self.ungrabMouse()
            self.sync()

    def sync(self) -> None:
        """Show the model's rect and member positions again (after a preview)."""
        self.refresh()
        nodes = getattr(self.scene(), "nodes", {})
        for nid in self.frame.members:
            item = nodes.get(nid)
            if item is not None and (item.pos().x(), item.pos().y()) != tuple(item.node.pos):
                item.setPos(*item.node.pos)

    # ---- painting -------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        pt = paints()
        r = self._rect
        painter.setBrush(pt.frame_brush)
        painter.setPen(pt.frame_pen)
        painter.drawRoundedRect(r, 10, 10)
        selected = self.isSelected()
        if selected:
            painter.setBrush(Qt.NoBrush)
            painter.setPen(pt.selected_pen)
            painter.drawRoundedRect(r.adjusted(-1.5, -1.5, 1.5, 1.5), 11, 11)
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
        if selected:  # resize handles at the corners and the middles of the sides
            painter.setPen(pt.no_pen)
            painter.setBrush(pt.selected_pen.color())
            w, h = r.width(), r.height()
            for x, y in ((0, 0), (w, 0), (0, h), (w, h), (w / 2, h), (0, h / 2), (w, h / 2)):
                painter.drawRect(QRectF(x - 3.5, y - 3.5, 7, 7))
