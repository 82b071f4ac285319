"""The gradient-magnitude legend: a colour bar with its log-scale range, painted in view
coordinates over the canvas (and into exported images)."""
from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QLinearGradient, QPainter

from .style import RAMP, paints, ramp_color

WIDTH, HEIGHT = 190.0, 52.0


class GradLegend:
    """What the legend shows: the smallest and largest mean |grad| over the edges."""

    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi

    def text(self) -> tuple[str, str]:
        return f"{self.lo:.2g}", f"{self.hi:.2g}"

    def paint(self, painter: QPainter, top_left: QPointF) -> None:
        """Draw the legend with its top-left corner at ``top_left`` (device coordinates)."""
        pt = paints()
        box = QRectF(top_left.x(), top_left.y(), WIDTH, HEIGHT)
        painter.save()
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(pt.border_pen)
        painter.setBrush(pt.edge_label_brush)
        painter.drawRoundedRect(box, 6, 6)
        painter.setFont(pt.kind_font)
        painter.setPen(pt.text_pen)
        painter.drawText(QRectF(box.x() + 10, box.y() + 4, WIDTH - 20, 14),
                         Qt.AlignLeft | Qt.AlignVCenter, "mean |grad| per edge (log scale)")
        bar = QRectF(box.x() + 10, box.y() + 21, WIDTH - 20, 10)
        grad = QLinearGradient(bar.topLeft(), bar.topRight())
        for t, _ in RAMP:
            grad.setColorAt(t, ramp_color(t))
        painter.setPen(pt.no_pen)
        painter.setBrush(grad)
        painter.drawRoundedRect(bar, 3, 3)
        lo, hi = self.text()
        painter.setFont(pt.edge_font)
        painter.setPen(pt.dim_pen)
        painter.drawText(QRectF(bar.x(), bar.bottom() + 2, 80, 14),
                         Qt.AlignLeft | Qt.AlignVCenter, lo)
        painter.drawText(QRectF(bar.right() - 80, bar.bottom() + 2, 80, 14),
                         Qt.AlignRight | Qt.AlignVCenter, hi)
        painter.restore()
