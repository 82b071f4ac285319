"""Forward and backward time per node of a run, as a sorted horizontal bar chart with totals
and the device the times were taken on; clicking a bar selects its node."""
from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from engine.graph.result import RunResult

FORWARD, BACKWARD = QColor("#4da3ff"), QColor("#ffb454")
SORTS = {"total": "slowest first", "forward": "forward", "backward": "backward",
         "order": "run order"}


@dataclass
class TimingRow:
    node_id: str
    label: str
    forward_ms: float | None
    backward_ms: float | None

    @property
    def total(self) -> float:
        return (self.forward_ms or 0.0) + (self.backward_ms or 0.0)


def _ms(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3f}" if v < 1 else f"{v:.2f}" if v < 100 else f"{v:.0f}"


class TimingChart(QWidget):
    """The bars: one row per node, forward then backward stacked, the times written after."""

    nodeClicked = Signal(str)
    ROW = 22

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[TimingRow] = []
        self.selected: str | None = None
        self.setMouseTracking(True)

    def set_rows(self, rows: list[TimingRow]) -> None:
        self.rows = rows
        self.setMinimumHeight(max(1, len(rows)) * self.ROW + 8)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        return QSize(360, len(self.rows) * self.ROW + 8)

    def row_rect(self, i: int) -> QRectF:
        return QRectF(0, 4 + i * self.ROW, self.width(), self.ROW)

    def _label_width(self, fm: QFontMetrics) -> int:
        w = max((fm.horizontalAdvance(r.label) for r in self.rows), default=40)
        return min(w + 12, max(80, self.width() // 3))

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        fm = p.fontMetrics()
        lw = self._label_width(fm)
        tw = fm.horizontalAdvance("000.000 + 000.000 ms") + 10
        span = max(self.width() - lw - tw - 8, 20)
        top = max((r.total for r in self.rows), default=0.0) or 1.0
        text = pal.color(QPalette.ColorRole.Text)
        first = max(0, int((event.rect().top() - 4) // self.ROW))
        last = min(len(self.rows), int(event.rect().bottom() // self.ROW) + 2)
        for i in range(first, last):
            r, rect = self.rows[i], self.row_rect(i)
            if r.node_id == self.selected:
                p.fillRect(rect, pal.color(QPalette.ColorRole.Highlight).lighter(170)
                           if pal.color(QPalette.ColorRole.Base).lightness() > 128
                           else pal.color(QPalette.ColorRole.Highlight).darker(200))
            elif i % 2:
                p.fillRect(rect, pal.color(QPalette.ColorRole.AlternateBase))
            p.setPen(text)
            p.drawText(QRectF(6, rect.top(), lw - 10, rect.height()),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
                       fm.elidedText(r.label, Qt.TextElideMode.ElideRight, lw - 10))
            x, h = float(lw), rect.height() - 8
            for v, c in ((r.forward_ms, FORWARD), (r.backward_ms, BACKWARD)):
                w = span * (v or 0.0) / top
                if w > 0:
                    p.fillRect(QRectF(x, rect.top() + 4, max(w, 1.5), h), c)
                    x += w
            t = _ms(r.forward_ms) + (f" + {_ms(r.backward_ms)}" if r.backward_ms is not None
                                     else "") + " ms"
            p.drawText(QRectF(x + 6, rect.top(), tw, rect.height()),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, t)
        p.end()

    def row_at(self, y: float) -> int | None:
        i = int((y - 4) // self.ROW)
        return i if 0 <= i < len(self.rows) and y >= 4 else None

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        i = self.row_at(event.position().y())
        if i is None:
            self.setToolTip("")
            return
        r = self.rows[i]
        self.setToolTip(f"{r.label}\nforward {_ms(r.forward_ms)} ms\n"
                        f"backward {_ms(r.backward_ms)} ms")

    def mousePressEvent(self, event: QMouseEvent) -> None:
        i = self.row_at(event.position().y())
        if event.button() == Qt.MouseButton.LeftButton and i is not None:
            self.selected = self.rows[i].node_id
            self.update()
            self.nodeClicked.emit(self.rows[i].node_id)


class TimingView(QWidget):
    """Totals, a legend and the per-node chart of a run."""

    nodeSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._rows: list[TimingRow] = []
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.sort = QComboBox()
        for key, text in SORTS.items():
            self.sort.addItem(text, key)
        self.sort.setToolTip("order of the bars")
        self.sort.currentIndexChanged.connect(lambda _i: self._apply_sort())
        top.addWidget(self.sort)
        lay.addLayout(top)
        self.chart = TimingChart()
        self.chart.nodeClicked.connect(self.nodeSelected)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setWidget(self.chart)
        lay.addWidget(self.scroll, 1)
        self.show_run(None, {})

    def show_run(self, run: RunResult | None, labels: dict[str, str]) -> None:
        """Show the times of ``run`` (None: nothing yet); ``labels`` name the nodes."""
        if run is None:
            self._rows = []
            self.summary.setText("<i>Run the graph to see how long each node takes.</i>")
            self._apply_sort()
            return
        order = run.order or list(run.nodes)
        self._rows = [TimingRow(nid, labels.get(nid, nid[:8]), run.nodes[nid].forward_ms,
                                run.nodes[nid].backward_ms)
                      for nid in order if nid in run.nodes
                      and (run.nodes[nid].forward_ms is not None
                           or run.nodes[nid].backward_ms is not None)]
        # totals are the sums of the bars shown (a node not recomputed keeps its last time)
        fsum = sum(r.forward_ms or 0.0 for r in self._rows)
        bsum = sum(r.backward_ms or 0.0 for r in self._rows)
        has_bwd = any(r.backward_ms is not None for r in self._rows)
        partial = len(run.recomputed) != len(order)
        sw = (f"<span style='color:{FORWARD.name()}'>&#9632;</span> forward "
              f"<b>{_ms(fsum)} ms</b> &nbsp; "
              f"<span style='color:{BACKWARD.name()}'>&#9632;</span> backward "
              f"<b>{_ms(bsum) if has_bwd else '-'} ms</b>"
              f" &nbsp; on <b>{html.escape(run.device)}</b> &nbsp; ({len(self._rows)} nodes"
              + (f"; this run recomputed {len(run.recomputed)} in {_ms(run.forward_ms)} ms"
                 if partial else "") + ")")
        self.summary.setText(sw)
        self._apply_sort()

    def select_node(self, node_id: str | None) -> None:
        """Highlight the row of ``node_id``; emits nothing."""
        self.chart.selected = node_id
        self.chart.update()

    @property
    def rows(self) -> list[TimingRow]:
        """The rows in the order shown."""
        return self.chart.rows

    def _apply_sort(self) -> None:
        key = self.sort.currentData()
        rows = list(self._rows)
        if key == "total":
            rows.sort(key=lambda r: -r.total)
        elif key == "forward":
            rows.sort(key=lambda r: -(r.forward_ms or 0.0))
        elif key == "backward":
            rows.sort(key=lambda r: -(r.backward_ms or 0.0))
        self.chart.set_rows(rows)
