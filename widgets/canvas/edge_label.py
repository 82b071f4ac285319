"""An edge's 'shape dtype' label: placed on the visible part of the curve, clear of every node
body, elided to what fits (the shape alone) or left out; and the tip that shows it in full
while the edge is hovered or selected on its own."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QStaticText
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from .style import paints

PAD_X, PAD_Y = 5.0, 2.0  # room around the text inside its chip
RADIUS = 4.0
GAP = 3.0  # between the curve and a chip beside it
CLEAR = 6.0  # around node bodies: the port dots stick out of them
LABEL_LOD = 0.6  # below this zoom labels are too small to read and are skipped
#: where along the curve (the cubic's parameter) a label is tried, best first
TRIES = (0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82)


def label_variants(text: str) -> list[str]:
    """The texts a label may show, longest first: '[32, 8] float32', then '[32, 8]'."""
    out = [text]
    if text.startswith("[") and "] " in text:
        out.append(text[:text.index("] ") + 1])
    return out


class LabelText:
    """One text a label may show, with its size and laid-out glyphs (made once per label)."""

    __slots__ = ("text", "width", "height", "static")

    def __init__(self, text: str) -> None:
        fm = paints().edge_fm
        self.text = text
        self.width = fm.horizontalAdvance(text) + 2 * PAD_X
        self.height = fm.height() + 2 * PAD_Y
        self.static = QStaticText(text)
        self.static.setTextFormat(Qt.PlainText)


def _offsets(w: float, h: float) -> tuple[tuple[float, float], ...]:
    """Top-left of a w x h chip relative to a curve point: on it, above, below, left, right."""
    return ((-w / 2, -h / 2), (-w / 2, -h - GAP), (-w / 2, GAP), (-w - GAP, -h / 2),
            (GAP, -h / 2))


def curve_points(ctrl: tuple[QPointF, QPointF, QPointF, QPointF]) -> list[QPointF]:
    """Points of a cubic (its four control points) at the parameters in TRIES, best first."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = ((p.x(), p.y()) for p in ctrl)
    out = []
    for t in TRIES:
        u = 1.0 - t
        a, b, c, d = u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t
        out.append(QPointF(a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3))
    return out


def place_label(points: list[QPointF], texts: list[LabelText],
                obstacles: list[QRectF]) -> tuple[int, QRectF, QPointF]:
    """The longest text that fits beside one of ``points`` (along a curve, best first) without
    touching an obstacle: (index in ``texts``, its chip rect, the curve point it belongs to);
    index -1 and an empty rect when none fits (the point is then the middle of the curve's
    visible part, for the tip)."""
    visible = [p for p in points if not any(o.contains(p) for o in obstacles)]
    for i, lt in enumerate(texts):
        w, h = lt.width, lt.height
        offsets = _offsets(w, h)
        for p in visible:
            x, y = p.x(), p.y()
            for dx, dy in offsets:
                r = QRectF(x + dx, y + dy, w, h)
                if not any(r.intersects(o) for o in obstacles):
                    return i, r, p
    return -1, QRectF(), (visible or points)[0]


def paint_chip(painter: QPainter, chip: QPainterPath, lt: LabelText, at: QPointF, pen) -> None:
    """The chip's background and its text (the painter's font is set by the caller)."""
    pt = paints()
    painter.setPen(pt.no_pen)
    painter.setBrush(pt.edge_label_brush)
    painter.drawPath(chip)
    painter.setPen(pen)
    painter.drawStaticText(at, lt.static)


class LabelTip(QGraphicsItem):
    """The full label of one edge, drawn above the nodes next to where its chip is (or would be)."""

    def __init__(self, text: LabelText) -> None:
        super().__init__()
        self.text = text
        self.setZValue(50)
        self.setAcceptedMouseButtons(Qt.NoButton)
        self._rect = QRectF()
        self._chip = QPainterPath()
        self._at = QPointF()

    def follow(self, center: QPointF) -> None:
        """Centre the tip on a scene point (the chip's centre, or just above the curve)."""
        lt = self.text
        r = QRectF(center.x() - lt.width / 2, center.y() - lt.height / 2, lt.width, lt.height)
        if r == self._rect:
            return
        self.prepareGeometryChange()
        self._rect = r
        self._chip = QPainterPath()
        self._chip.addRoundedRect(r, RADIUS, RADIUS)
        self._at = QPointF(r.left() + PAD_X, r.top() + PAD_Y)

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-2, -2, 2, 2)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        if option.levelOfDetailFromTransform(painter.worldTransform()) < LABEL_LOD:
            return
        pt = paints()
        painter.setPen(pt.edge_tip_pen)
        painter.setBrush(pt.edge_tip_brush)
        painter.drawPath(self._chip)
        painter.setFont(pt.edge_font)
        painter.setPen(pt.text_pen)
        painter.drawStaticText(self._at, self.text.static)
