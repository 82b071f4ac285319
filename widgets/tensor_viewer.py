"""The tensor viewer: a node's value and gradient side by side, each as a table (any rank,
slice selectors above 2-D), a heatmap with a colour bar, and a histogram; a header with
shape, dtype, device, is_leaf, requires_grad, _version and grad_fn.

Only what is shown is read: the table model is lazy, the heatmap and histogram are computed
when their tab is opened, and a GPU tensor is copied to the host piece by piece (the visible
slice), never whole.
"""
from __future__ import annotations

import html
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, Signal
from PySide6.QtGui import QFontDatabase, QGuiApplication, QKeySequence, QPalette
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QHeaderView, QLabel, QSizePolicy,
                               QSpinBox, QSplitter, QStackedWidget, QTableView, QTabWidget,
                               QVBoxLayout, QWidget)

from engine.graph.result import NodeResult

from .tensor_model import ArrayTableModel, heatmap_of, histogram_of

_MAX_IMAGE = 1024  # heatmap pixels per axis; larger slices are shown every k-th row/column
GRAD, FLOW = ".grad", "flow"


def raw_array(t: Any) -> Any:
    """The array behind an engine Tensor (numpy or GPU), or ``t`` as an array."""
    data = getattr(t, "_data", None)
    return data if data is not None else np.asarray(t)


class SliceSelector(QWidget):
    """One spin box per leading dimension of an array above 2-D: ``x[i, j, :, :]``."""

    changed = Signal(tuple)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lay = QHBoxLayout(self)
        self._lay.setContentsMargins(0, 0, 0, 0)
        self._lay.setSpacing(2)
        self.spins: list[QSpinBox] = []

    def set_shape(self, shape: tuple[int, ...], index: tuple[int, ...] = ()) -> None:
        """Make selectors for ``shape[:-2]`` (none, and hidden, for rank <= 2)."""
        while self._lay.count():
            w = self._lay.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        self.spins = []
        lead = max(len(shape) - 2, 0)
        self.setVisible(lead > 0)
        if not lead:
            return
        self._lay.addWidget(QLabel("slice  ["))
        for d in range(lead):
            sb = QSpinBox()
            sb.setRange(0, max(shape[d] - 1, 0))
            sb.setValue(index[d] if d < len(index) else 0)
            sb.setToolTip(f"index into dimension {d} (size {shape[d]})")
            sb.setKeyboardTracking(False)
            sb.valueChanged.connect(lambda _v: self.changed.emit(self.index()))
            self.spins.append(sb)
            self._lay.addWidget(sb)
            self._lay.addWidget(QLabel(","))
        self._lay.addWidget(QLabel(":, :]"))
        self._lay.addStretch(1)

    def index(self) -> tuple[int, ...]:
        return tuple(sb.value() for sb in self.spins)

    def set_index(self, index: tuple[int, ...]) -> None:
        for sb, v in zip(self.spins, index):
            sb.blockSignals(True)
            sb.setValue(v)
            sb.blockSignals(False)


class ArrayTable(QTableView):
    """A table view tuned for huge models (fixed section sizes), with Ctrl+C copying cells."""

    def __init__(self, model: ArrayTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setModel(model)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setWordWrap(False)
        self.setAlternatingRowColors(True)
        fm = self.fontMetrics()
        for h in (self.verticalHeader(), self.horizontalHeader()):
            h.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setDefaultSectionSize(fm.height() + 6)
        self.verticalHeader().setMinimumSectionSize(fm.height() + 4)

    def fit_columns(self) -> None:
        fmt = self.model().number_format
        w = self.fontMetrics().horizontalAdvance("0" * max(fmt.width, 5)) + 18
        self.horizontalHeader().setDefaultSectionSize(w)

    def keyPressEvent(self, event) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            idx = self.selectionModel().selectedIndexes()
            if idx:
                try:
                    text = self.model().copy_text([i.row() for i in idx], [i.column() for i in idx])
                except ValueError:
                    return
                QGuiApplication.clipboard().setText(text)
            return
        super().keyPressEvent(event)


def _plot(parent: QWidget) -> pg.PlotWidget:
    """A plot widget in the colours of the widget's palette."""
    pw = pg.PlotWidget(parent)
    pw.getPlotItem().setMenuEnabled(False)
    _style_plot(pw, parent.palette())
    return pw


def _style_plot(pw: pg.PlotWidget, pal: QPalette) -> None:
    pw.setBackground(pal.color(QPalette.ColorRole.Base))
    _style_axes(pw.getPlotItem(), pal)


def _style_axes(item: pg.PlotItem, pal: QPalette, names=("left", "bottom")) -> None:
    for ax in names:
        a = item.getAxis(ax)
        a.setTextPen(pal.color(QPalette.ColorRole.Text))  # tick labels and the axis title
        a.setPen(pal.color(QPalette.ColorRole.Mid))


class ArrayPane(QWidget):
    """One array: a title row, a note, slice selectors, and tabs Table / Heatmap / Histogram;
    or a message in their place (``None`` for a missing gradient)."""

    sliceChanged = Signal(tuple)

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._arr: Any = None
        self._dirty = {"heat": True, "hist": True}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(2, 2, 2, 2)
        lay.setSpacing(3)
        self.header = QHBoxLayout()
        self.title = QLabel(title)
        f = self.title.font()
        f.setBold(True)
        self.title.setFont(f)
        self.header.addWidget(self.title)
        self.header.addStretch(1)
        lay.addLayout(self.header)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self.note.setForegroundRole(QPalette.ColorRole.PlaceholderText)
        self.note.hide()
        self.slicer = SliceSelector()
        self.slicer.hide()
        self.slicer.changed.connect(self._on_slice)
        lay.addWidget(self.slicer)

        self.model = ArrayTableModel(self)
        self.table = ArrayTable(self.model)
        self.heat = _plot(self)
        self.heat.getPlotItem().invertY(True)
        self.heat.getPlotItem().setAspectLocked(False)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.heat.addItem(self.image)
        self.colorbar = pg.ColorBarItem(values=(0, 1), width=14, colorMap="viridis",
                                        interactive=False, colorMapMenu=False)
        self.colorbar.setImageItem(self.image, insert_in=self.heat.getPlotItem())
        _style_axes(self.colorbar, self.palette(), ("left", "right", "top", "bottom"))
        self.heat_note = QLabel()
        self.hist = _plot(self)
        self.bars = pg.BarGraphItem(x0=[0], x1=[1], height=[0], brush=pg.mkBrush(77, 163, 255, 200),
                                    pen=pg.mkPen(40, 110, 200))
        self.hist.addItem(self.bars)
        self.hist.getPlotItem().setLabel("left", "count")
        self.stats = QLabel()
        self.stats.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.table, "Table")
        self.tabs.addTab(self._boxed(self.heat, self.heat_note), "Heatmap")
        self.tabs.addTab(self._boxed(self.hist, self.stats), "Histogram")
        self.tabs.currentChanged.connect(lambda _i: self._render_visible())
        self.message = QLabel()
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextFormat(Qt.TextFormat.RichText)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.tabs)
        self.stack.addWidget(self.message)
        lay.addWidget(self.stack, 1)
        lay.addWidget(self.note)  # below, so the tables of both panes line up

    @staticmethod
    def _boxed(w: QWidget, below: QLabel) -> QWidget:
        box = QWidget()
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.addWidget(w, 1)
        below.setWordWrap(True)
        v.addWidget(below)
        return box

    def changeEvent(self, event) -> None:
        if event.type() == event.Type.PaletteChange and hasattr(self, "hist"):  # new theme
            pal = self.palette()
            for pw in (self.heat, self.hist):
                _style_plot(pw, pal)
            _style_axes(self.colorbar, pal, ("left", "right", "top", "bottom"))
        super().changeEvent(event)

    # ---- content ------------------------------------------------------------------------
    @property
    def array(self) -> Any:
        return self._arr

    def set_note(self, text: str) -> None:
        self.note.setText(text)
        self.note.setVisible(bool(text))

    def set_array(self, arr: Any) -> None:
        """Show an array (numpy or GPU, any rank); keeps the slice if the shape is the same."""
        keep = self.model.slice_index if (self._arr is not None and arr is not None
                                          and tuple(arr.shape) == self.model.shape) else ()
        self._arr = arr
        self.model.set_array(arr, keep)
        self.slicer.set_shape(self.model.shape, self.model.slice_index)
        self.table.fit_columns()
        self.stack.setCurrentIndex(0)
        self._dirty = {"heat": True, "hist": True}
        self._render_visible()

    def set_message(self, big: str, small: str = "") -> None:
        """Show a message instead of the tabs (``None`` and its reason, an error)."""
        self._arr = None
        self.model.set_array(None)
        self.slicer.set_shape(())
        text = f"<div style='font-size:18pt'>{html.escape(big)}</div>"
        if small:
            text += f"<p>{html.escape(small)}</p>"
        self.message.setText(text)
        self.stack.setCurrentIndex(1)

    def set_slice(self, index: tuple[int, ...]) -> None:
        if self._arr is None or tuple(index) == self.model.slice_index:
            return
        self.slicer.set_index(index)
        self._on_slice(tuple(index), emit=False)

    def _on_slice(self, index: tuple, emit: bool = True) -> None:
        self.model.set_slice(index)
        self._dirty["heat"] = True
        self._render_visible()
        if emit:
            self.sliceChanged.emit(tuple(index))

    # ---- plots (computed when their tab is shown) --------------------------------------
    def _render_visible(self) -> None:
        if self._arr is None:
            return
        i = self.tabs.currentIndex()
        if i == 1 and self._dirty["heat"]:
            self._render_heatmap()
        elif i == 2 and self._dirty["hist"]:
            self._render_histogram()

    def _render_heatmap(self) -> None:
        self._dirty["heat"] = False
        plane = self.model.plane
        h = heatmap_of(plane.reshape(1, -1) if self._arr.ndim == 1 else plane, _MAX_IMAGE)
        rows, cols = h.shape
        if h.image is None:
            self.image.clear()
            self.heat_note.setText(f"{rows} x {cols}: empty")
            return
        self.image.setImage(h.image, levels=h.levels, autoLevels=False)
        self.image.setRect(QRectF(-0.5, -0.5, cols, rows))  # cell (i, j) centred on (j, i)
        item = self.heat.getPlotItem()
        for axis, n in (("bottom", cols), ("left", rows)):  # whole indices on small axes
            item.getAxis(axis).setTicks([[(i, str(i)) for i in range(n)]] if n <= 16 else None)
        self.colorbar.setColorMap(h.cmap)
        self.colorbar.setLevels(h.levels)
        item.autoRange()
        note = f"{rows} x {cols}"
        if h.step != (1, 1):
            note += f", every {h.step[0]}th row and {h.step[1]}th column shown"
        if h.blank:
            note += f"; {h.blank} NaN/Inf shown blank"
        self.heat_note.setText(note)

    def _render_histogram(self) -> None:
        self._dirty["hist"] = False
        h = histogram_of(self._arr)
        self.stats.setText(h.summary)
        self.bars.setOpts(x0=h.edges[:-1], x1=h.edges[1:], height=h.counts)
        self.hist.getPlotItem().autoRange()


class TensorViewer(QWidget):
    """A node's tensor: header facts, then value and gradient side by side."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._result: NodeResult | None = None
        self._auto_source = True
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.header = QLabel()
        self.header.setWordWrap(True)
        self.header.setTextFormat(Qt.TextFormat.RichText)
        self.header.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.header.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        lay.addWidget(self.header)
        self.value_pane = ArrayPane("value")
        self.grad_pane = ArrayPane("gradient")
        self.grad_source = QComboBox()
        self.grad_source.addItem(".grad (as PyTorch keeps it)", GRAD)
        self.grad_source.addItem("gradient that flowed in", FLOW)
        self.grad_source.setToolTip(".grad is what PyTorch stores on leaves (and on tensors with"
                                    " retain_grad); the flowed-in gradient is what backward"
                                    " passed into this node's output")
        self.grad_source.activated.connect(self._on_source_picked)
        self.grad_pane.header.addWidget(self.grad_source)
        self.value_pane.title.setMinimumHeight(self.grad_source.sizeHint().height())
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.value_pane)
        self.splitter.addWidget(self.grad_pane)
        self.splitter.setChildrenCollapsible(False)
        lay.addWidget(self.splitter, 1)
        self.value_pane.sliceChanged.connect(lambda i: self._sync(self.grad_pane, i))
        self.grad_pane.sliceChanged.connect(lambda i: self._sync(self.value_pane, i))
        self.clear()

    # ---- public API ---------------------------------------------------------------------
    def clear(self) -> None:
        """Show nothing (no node selected)."""
        self._result = None
        self.header.setText("<i>Select a node to see its tensor.</i>")
        self.value_pane.set_message("", "")
        self.grad_pane.set_message("", "")
        self.grad_pane.set_note("")
        self.grad_pane.show()

    def show_result(self, result: NodeResult | None, label: str = "") -> None:
        """Show a node's run result: its tensor (or why there is none) and its gradients."""
        if result is None:
            self.clear()
            return
        self._result = result
        self.grad_pane.show()
        self.header.setText(self._header_html(result, label))
        t = result.tensor
        if t is not None:
            self.value_pane.set_array(raw_array(t))
            dev = str(result.device or "")
            self.value_pane.set_note("only the cells shown are copied from the GPU"
                                     if dev.startswith("cuda") else "")
        else:
            self.value_pane.set_note("")
            if result.error:
                self.value_pane.set_message(result.error_type or "Error", result.error)
            elif result.skipped:
                self.value_pane.set_message("Not run", result.skipped)
            elif result.value is not None:
                self.value_pane.set_message(type(result.value).__name__,
                                            _short(repr(result.value)))
            else:
                self.value_pane.set_message("No value", "this node has not run yet")
        if self._auto_source:
            src = GRAD if result.grad is not None or result.grad_flow is None else FLOW
            self.grad_source.setCurrentIndex(self.grad_source.findData(src))
        self._show_grad()

    def show_array(self, arr: np.ndarray, label: str = "") -> None:
        """Show a plain array (no gradient side)."""
        self._result = None
        arr = np.asarray(arr) if not hasattr(arr, "ndim") else arr
        name = f"<b>{html.escape(label)}</b>&nbsp;&nbsp;" if label else ""
        self.header.setText(f"{name}shape <b>{tuple(arr.shape)}</b> · dtype "
                            f"<b>{html.escape(str(arr.dtype))}</b>")
        self.value_pane.set_note("")
        self.value_pane.set_array(arr)
        self.grad_pane.hide()

    def set_grad_source(self, source: str) -> None:
        """Show ``'.grad'`` or ``'flow'`` (the gradient that flowed in) on the gradient side."""
        self.grad_source.setCurrentIndex(self.grad_source.findData(source))
        self._auto_source = False
        self._show_grad()

    # ---- internals ----------------------------------------------------------------------
    def _on_source_picked(self, _i: int) -> None:
        self._auto_source = False
        self._show_grad()

    def _show_grad(self) -> None:
        r = self._result
        if r is None:
            return
        src = self.grad_source.currentData()
        note = ""
        if r.grad is None:
            note = "<code>.grad</code> is None" + (f": {html.escape(r.grad_note)}"
                                                    if r.grad_note else "")
        if src == GRAD:
            if r.grad is None:
                self.grad_pane.set_message("None", r.grad_note or "")
                note = ""
            else:
                self.grad_pane.set_array(raw_array(r.grad))
        elif r.grad_flow is None:
            why = ("backward has not run through this node" if r.requires_grad
                   else "this tensor does not require grad")
            self.grad_pane.set_message("No gradient", why)
        else:
            self.grad_pane.set_array(raw_array(r.grad_flow))
        if r.grad_has_nan or r.grad_has_inf:
            note += (" · " if note else "") + "<b style='color:#e5484d'>NaN/Inf in the gradient</b>"
        self.grad_pane.set_note(note)
        if self.value_pane.array is not None and self.grad_pane.array is not None \
                and self.value_pane.model.shape == self.grad_pane.model.shape:
            self.grad_pane.set_slice(self.value_pane.model.slice_index)

    def _sync(self, other: ArrayPane, index: tuple) -> None:
        v, g = self.value_pane, self.grad_pane
        if v.array is not None and g.array is not None and v.model.shape == g.model.shape:
            other.set_slice(index)

    @staticmethod
    def _header_html(r: NodeResult, label: str) -> str:
        def kv(k: str, v: Any) -> str:
            return f"{k}&nbsp;<b>{html.escape(str(v))}</b>"

        parts = []
        if label:
            parts.append(f"<b style='font-size:11pt'>{html.escape(label)}</b>")
        if r.tensor is not None:
            parts += [kv("shape", tuple(r.shape or ())), kv("dtype", r.dtype),
                      kv("device", r.device), kv("is_leaf", r.is_leaf),
                      kv("requires_grad", r.requires_grad), kv("_version", r.version),
                      kv("grad_fn", f"<{r.grad_fn}>" if r.grad_fn else None)]
        text = " · ".join(parts[:1]) + ("&nbsp;&nbsp;&nbsp;" if label else "") + \
            " · ".join(parts[1:] if label else parts)
        flags = []
        if r.has_nan:
            flags.append("NaN in the value")
        if r.has_inf:
            flags.append("Inf in the value")
        if flags:
            text += "<br><b style='color:#e8710a'>" + ", ".join(flags) + "</b>"
        if r.error:
            text += (f"<br><b style='color:#e5484d'>{html.escape(r.error_type or 'Error')}:"
                     f"</b> {html.escape(r.error)}")
        elif r.skipped:
            text += f"<br><i>not run: {html.escape(r.skipped)}</i>"
        return text


def _short(text: str, n: int = 600) -> str:
    return text if len(text) <= n else text[:n] + " ..."
