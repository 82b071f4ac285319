"""The training curve: loss per step (pyqtgraph), with the latest loss and step count above.
It takes its background, axes and text from the widget's palette, again when the palette
changes (the app switched between the dark and light theme).

Points may arrive many times a second from a training run; the curve is redrawn at most
``REDRAW_MS`` apart so drawing never competes with the run (or the rest of the window)."""
from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget


REDRAW_MS = 250
CURVE = {"dark": "#ffb454", "light": "#d9730d"}  # orange that reads on either background


def style_plot(pw: pg.PlotWidget, pal: QPalette) -> None:
    """Background, axis lines, tick labels and axis titles of ``pw`` in ``pal``'s colours."""
    pw.setBackground(pal.color(QPalette.ColorRole.Base))
    text, line = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Mid)
    for name in ("left", "bottom"):
        axis = pw.getPlotItem().getAxis(name)
        axis.setPen(line)
        axis.setTextPen(text)  # also the axis title's colour


def is_dark(pal: QPalette) -> bool:
    return pal.color(QPalette.ColorRole.Base).lightness() < 128


class LossPlot(QWidget):
    """``add([(step, loss), ...])`` appends points; ``clear()`` starts a new curve."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.caption = QLabel()
        lay.addWidget(self.caption)
        self.plot = pg.PlotWidget(self)
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        self.curve = self.plot.plot()
        self.apply_palette()
        self.curve.setDownsampling(auto=True, method="peak")
        self.curve.setClipToView(True)
        lay.addWidget(self.plot, 1)
        self._redraw = QTimer(self)
        self._redraw.setSingleShot(True)
        self._redraw.setInterval(REDRAW_MS)
        self._redraw.timeout.connect(self.redraw)
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.clear()

    def apply_palette(self) -> None:
        """Take the colours of the current palette (called again when it changes)."""
        pal = self.palette()
        style_plot(self.plot, pal)
        self.curve.setPen(pg.mkPen(CURVE["dark" if is_dark(pal) else "light"], width=2))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange and hasattr(self, "curve"):
            self.apply_palette()
        super().changeEvent(event)

    def clear(self) -> None:
        self._redraw.stop()
        self.steps, self.losses = [], []
        self.curve.setData([], [])
        self.caption.setText("<i>Press Train (or Step) on a graph with an optimizer step node "
                             "to see its loss fall.</i>")

    def add(self, points: list[tuple[int, float]]) -> None:
        """Append (step, loss) points; steps continue across training runs."""
        base = self.steps[-1] if self.steps else 0
        for step, loss in points:
            self.steps.append(base + int(step) - (points[0][0] - 1))
            self.losses.append(float(loss))
        if self.losses and not self._redraw.isActive():
            self._redraw.start()

    def redraw(self) -> None:
        """Draw the points received so far (called by a timer; call it to draw now)."""
        self._redraw.stop()
        if not self.losses:
            return
        y = np.asarray(self.losses, dtype=np.float64)
        self.curve.setData(np.asarray(self.steps), np.where(np.isfinite(y), y, np.nan))
        last = self.losses[-1]
        text = f"{last:.6g}" if math.isfinite(last) else str(last)
        self.caption.setText(f"step <b>{self.steps[-1]}</b> &nbsp; loss <b>{text}</b>"
                             f" &nbsp; (start {self.losses[0]:.4g})")
