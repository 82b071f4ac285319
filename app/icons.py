"""Small toolbar icons drawn with QPainter (no image files): run, backward, zoom, fit..."""
from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap, QPolygonF

SIZE = 32
COLORS = {"run": "#3ecf6e", "backward": "#ffb454", "run_backward": "#4da3ff",
          "zero_grad": "#9aa0a8", "step": "#c38dff", "train": "#c38dff", "cancel": "#e5484d",
          "auto_run": "#3ecf6e", "grad": "#ff8c1a",
          # view icons: a mid blue that reads as enabled on the dark and the light theme alike
          "zoom_in": "#5f95d8", "zoom_out": "#5f95d8", "fit": "#5f95d8"}


def _pen(color: str, width: float = 3.0) -> QPen:
    pen = QPen(QColor(color), width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    return pen


def _triangle(p: QPainter, x: float, left: bool = False, w: float = 14.0) -> None:
    pts = ([QPointF(x + w, 7), QPointF(x, 16), QPointF(x + w, 25)] if left
           else [QPointF(x, 7), QPointF(x + w, 16), QPointF(x, 25)])
    p.drawPolygon(QPolygonF(pts))


def _draw(name: str, p: QPainter) -> None:
    c = COLORS.get(name, "#c8ccd2")
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(c))
    if name == "run":
        _triangle(p, 9, w=16)
    elif name == "backward":
        _triangle(p, 7, left=True, w=16)
        p.setPen(_pen(c))
        p.drawLine(QPointF(26, 8), QPointF(26, 24))
    elif name == "run_backward":
        _triangle(p, 3, w=12)
        p.setBrush(QColor(COLORS["backward"]))
        _triangle(p, 17, left=True, w=12)
    elif name in ("step", "train"):
        _triangle(p, 5, w=13)
        p.setPen(_pen(c))
        if name == "step":
            p.drawLine(QPointF(23, 8), QPointF(23, 24))
        else:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawArc(QRectF(17, 8, 12, 16), -90 * 16, 180 * 16)
    elif name == "zero_grad":
        p.setPen(_pen(c))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QRectF(7, 7, 18, 18))
        p.drawLine(QPointF(9, 23), QPointF(23, 9))
    elif name == "cancel":
        p.drawRoundedRect(QRectF(8, 8, 16, 16), 3, 3)
    elif name in ("zoom_in", "zoom_out"):
        p.setPen(_pen(c))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(QRectF(5, 5, 17, 17))
        p.drawLine(QPointF(20, 20), QPointF(27, 27))
        p.drawLine(QPointF(9.5, 13.5), QPointF(17.5, 13.5))
        if name == "zoom_in":
            p.drawLine(QPointF(13.5, 9.5), QPointF(13.5, 17.5))
    elif name == "fit":
        p.setPen(_pen(c))
        p.setBrush(Qt.BrushStyle.NoBrush)
        for x, y, dx, dy in ((6, 6, 1, 1), (26, 6, -1, 1), (6, 26, 1, -1), (26, 26, -1, -1)):
            path = QPainterPath(QPointF(x, y + 7 * dy))
            path.lineTo(x, y)
            path.lineTo(x + 7 * dx, y)
            p.drawPath(path)
        p.drawRect(QRectF(12, 12, 8, 8))
    elif name == "grad":
        for i, col in enumerate(("#3b4cc0", "#4da3ff", "#f5d547", "#ff5d5d")):
            p.setBrush(QColor(col))
            p.drawRoundedRect(QRectF(5 + i * 6, 22 - i * 4, 5, 5 + i * 4), 1, 1)
    elif name == "auto_run":
        p.setPen(_pen(c))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawArc(QRectF(6, 6, 20, 20), 30 * 16, 300 * 16)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(c))
        _triangle(p, 13, w=8)


@lru_cache(maxsize=None)
def icon(name: str) -> QIcon:
    """The icon called ``name`` (see COLORS and _draw); blank for an unknown name."""
    pm = QPixmap(SIZE, SIZE)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    _draw(name, p)
    p.end()
    ic = QIcon(pm)
    return ic
