"""The main window: the canvas (or the gallery start page) in the middle, movable docks for the
palette, inspector, tensor viewer, grad_fn chain, timing, log and training curve, the toolbar
and menus from app.actions, and the wiring between them.

Files, edits and runs live in three controllers (``files``, ``edit``, ``runs``); this module
lays the window out and keeps the panels showing the selected node.
"""
from __future__ import annotations

import dataclasses
import html
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QApplication, QDockWidget, QMainWindow, QMenu, QMessageBox,
                               QStackedWidget, QToolBar, QWidget)

from engine.graph.result import RunResult
from widgets.canvas import GraphCanvas
from widgets.gradfn_view import GradFnView
from widgets.inspector import Inspector
from widgets.log_view import LogView
from widgets.loss_plot import LossPlot
from widgets.palette import NodePalette
from widgets.tensor_viewer import TensorViewer
from widgets.timing_view import TimingView

from . import actions as A
from .document import Document
from .editing import EditController
from .files import FileController
from .gallery import GalleryPage
from .running import RunController
from .settings import Settings
from .theme import apply_theme
from .worker import Outcome

# (name, title, area); docks of one area after the first are split or tabbed in layout()
DOCKS = (("palette", "Palette", Qt.DockWidgetArea.LeftDockWidgetArea),
         ("inspector", "Inspector", Qt.DockWidgetArea.RightDockWidgetArea),
         ("gradfn", "grad_fn chain", Qt.DockWidgetArea.RightDockWidgetArea),
         ("viewer", "Tensor", Qt.DockWidgetArea.BottomDockWidgetArea),
         ("timing", "Timing", Qt.DockWidgetArea.BottomDockWidgetArea),
         ("log", "Log", Qt.DockWidgetArea.BottomDockWidgetArea),
         ("loss", "Training", Qt.DockWidgetArea.BottomDockWidgetArea))
LAYOUT_VERSION = 1


class MainWindow(QMainWindow):
    """The Gradlab window (see the module docstring)."""

    def __init__(self, settings: Settings | None = None) -> None:
        super().__init__()
        self.settings = settings or Settings()
        self.setObjectName("GradlabMainWindow")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.document = Document(self)
        self.canvas = GraphCanvas(self.document.graph)
        self.gallery = GalleryPage()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.gallery)
        self.stack.addWidget(self.canvas)
        self.setCentralWidget(self.stack)
        self.stack.setCurrentWidget(self.canvas)
        self.palette_panel = NodePalette()
        self.inspector = Inspector()
        self.viewer = TensorViewer()
        self.gradfn = GradFnView()
        self.timing = TimingView()
        self.log = LogView()
        self.loss_plot = LossPlot()
        panels = {"palette": self.palette_panel, "inspector": self.inspector,
                  "viewer": self.viewer, "gradfn": self.gradfn, "timing": self.timing,
                  "log": self.log, "loss": self.loss_plot}
        for panel, width in ((self.loss_plot, 160), (self.log, 160), (self.timing, 140)):
            panel.setMinimumWidth(width)  # small windows (and screenshots) stay possible
        for panel in (self.inspector, self.gradfn, self.palette_panel):
            panel.setMinimumHeight(60)
        self.gallery.setMinimumSize(240, 160)
        self.docks: dict[str, QDockWidget] = {}
        for name, title, area in DOCKS:
            d = QDockWidget(title, self)
            d.setObjectName(f"dock_{name}")
            d.setWidget(panels[name])
            self.docks[name] = d
            self.addDockWidget(area, d)
        self.selected: str | None = None
        self._closed = False
        self._hidden_for_gallery: list[QWidget] = []
        self._logged_errors: dict[str, str] = {}  # node id -> the error the log shows
        self.toolbar = QToolBar("Run")
        self.toolbar.setObjectName("toolbar_run")
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(self.toolbar)
        self.files = FileController(self)
        self.edit = EditController(self)
        self.runs = RunController(self)
        self.actions_by_id = A.install(self, self.canvas, self.toolbar)
        self._wire()
        self.layout_docks()
        self._restore()
        self._update_title()
        self.update_actions()

    # ---- layout -----------------------------------------------------------------------------
    def layout_docks(self) -> None:
        """The default arrangement: palette left, inspector over grad_fn right, and along the
        bottom the tensor viewer beside timing and the log (training tabbed with timing)."""
        d = self.docks
        for dock in d.values():
            dock.setFloating(False)
            dock.show()
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, d["palette"])
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, d["inspector"])
        self.splitDockWidget(d["inspector"], d["gradfn"], Qt.Orientation.Vertical)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, d["viewer"])
        self.splitDockWidget(d["viewer"], d["timing"], Qt.Orientation.Horizontal)
        self.splitDockWidget(d["timing"], d["log"], Qt.Orientation.Horizontal)
        self.tabifyDockWidget(d["timing"], d["loss"])
        d["timing"].raise_()
        w, h = max(self.width(), 1200), max(self.height(), 800)
        self.resizeDocks([d["palette"], d["inspector"]], [int(w * 0.14), int(w * 0.22)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([d["inspector"], d["gradfn"]], [int(h * 0.26), int(h * 0.22)],
                         Qt.Orientation.Vertical)
        self.resizeDocks([d["viewer"], d["timing"], d["log"]],
                         [int(w * 0.48), int(w * 0.24), int(w * 0.28)],
                         Qt.Orientation.Horizontal)
        self.resizeDocks([d["viewer"]], [int(h * 0.36)], Qt.Orientation.Vertical)

    def reset_layout(self) -> None:
        self.layout_docks()

    def dock(self, name: str) -> QDockWidget:
        return self.docks[name]

    def fill_docks(self, menu: QMenu) -> None:
        menu.clear()
        for name, _t, _a in DOCKS:
            menu.addAction(self.docks[name].toggleViewAction())
        menu.addAction(self.toolbar.toggleViewAction())

    def _restore(self) -> None:
        s = self.settings
        geometry, state = s.window_state()
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(1440, 900)
        if state is not None:
            self.restoreState(state, LAYOUT_VERSION)
        self.set_dark_theme(s.theme == "dark", save=False)
        self.actions_by_id["dark"].setChecked(s.theme == "dark")
        self.actions_by_id["grad_coloring"].setChecked(s.grad_coloring)
        self.canvas.set_grad_coloring(s.grad_coloring)
        self.actions_by_id["auto_run"].setChecked(s.auto_run)
        self.runs.auto_run = s.auto_run
        self.runs.set_device(s.device)

    def save_layout(self) -> None:
        for w in self._hidden_for_gallery:  # save the canvas layout, not the start page's
            w.show()
        self.settings.save_window(self.saveGeometry(), self.saveState(LAYOUT_VERSION))
        self.settings.sync()

    # ---- wiring -----------------------------------------------------------------------------
    def _wire(self) -> None:
        doc = self.document
        stack = doc.undo_stack
        # the stack emits while it is destroyed with the window: nobody is listening by then
        doc.destroyed.connect(lambda *_: stack.blockSignals(True))
        doc.changed.connect(self._update_title)
        doc.loaded.connect(self._on_loaded)
        doc.undo_stack.indexChanged.connect(lambda _i: self.update_actions())
        doc.undo_stack.undoTextChanged.connect(lambda _t: self._undo_texts())
        doc.undo_stack.redoTextChanged.connect(lambda _t: self._undo_texts())
        self.canvas.selectionChanged.connect(self._on_canvas_selection)
        self.canvas.statusMessage.connect(self.status)
        self.canvas.nodeActivated.connect(lambda _nid: self.docks["inspector"].raise_())
        for panel in (self.gradfn, self.timing, self.log):
            panel.nodeSelected.connect(self.select_node)
        g = self.gallery
        g.exampleChosen.connect(self.files.open_example)
        g.newRequested.connect(self.files.new)
        g.openRequested.connect(self.files.open)
        self.document.graph.subscribe(self._on_graph_event)

    def _on_graph_event(self, ev: Any) -> None:
        if ev.type == "node_removed" and ev.data["node"].id == self.selected:
            self.selected = None
        if ev.type in ("node_added", "node_removed"):
            self.update_actions()

    def _undo_texts(self) -> None:
        st = self.document.undo_stack
        for key, text in (("undo", st.undoText()), ("redo", st.redoText())):
            base = "&Undo" if key == "undo" else "&Redo"
            self.actions_by_id[key].setText(f"{base} {text}" if text else base)

    def _on_loaded(self) -> None:
        self.selected = None
        self._logged_errors.clear()
        self.show_outcome(None)
        self.refresh_node_panels()
        title = self.document.graph.meta.get("title")
        if title:
            self.log.add("info", None, f"Opened “{title}”")
        QTimer.singleShot(0, self.canvas.fit_to_view)

    def _update_title(self) -> None:
        self.setWindowTitle(f"{self.document.title()} — Gradlab")
        self.update_actions()

    # ---- selection and panels ----------------------------------------------------------------
    def labels(self) -> dict[str, str]:
        return {nid: n.label for nid, n in self.document.graph.nodes.items()}

    def select_node(self, node_id: str) -> None:
        """Select a node on the canvas (from a panel) and bring it into view."""
        if node_id in self.document.graph.nodes:
            self.show_canvas()
            self.canvas.select_nodes([node_id])
            self.canvas.center_on(node_id)

    def _on_canvas_selection(self, ids: list) -> None:
        self.selected = ids[-1] if len(ids) == 1 else (ids[0] if ids else None)
        self.refresh_node_panels()
        self.update_actions()

    def refresh_node_panels(self, light: bool = False) -> None:
        """Show the selected node in the inspector, tensor viewer, grad_fn view and timing
        (``light``: the viewer only, for the live updates of a training run)."""
        nid = self.selected
        g = self.document.graph
        if nid not in g.nodes:
            nid = self.selected = None
        if self.inspector.node_id != nid or self.inspector.graph is not g:
            self.inspector.set_node(g, nid)  # (rebuilt only when the node changes: typing goes on)
        last = self.runs.last
        res = last.nodes.get(nid) if (last is not None and nid is not None) else None
        label = g.nodes[nid].label if nid else ""
        if nid is None:
            self.viewer.clear()
            self.gradfn.clear()
        elif res is None:
            self.viewer.clear()
            self.viewer.header.setText(f"<b>{html.escape(label)}</b>&nbsp;&nbsp;<i>not run "
                                       "yet: press Run</i>")
            self.gradfn.clear(f"{label}: run the graph to see its backward graph.")
        else:
            self.viewer.show_result(res, label)
            if light:
                return
            self.gradfn.show_chain(last.nodes, nid, labels=self.labels())
        self.gradfn.select_node(nid)
        self.timing.select_node(nid)

    def show_outcome(self, out: Outcome | None) -> None:
        """Show a finished job on the canvas and panels (None clears the results)."""
        res: RunResult | None = out.result if out is not None else None
        labels = self.labels()
        self.canvas.show_results(res)
        self.timing.show_run(res, labels)
        if out is not None:
            if res is not None:
                self.log.show_run(self._new_errors_only(res), labels)
            if out.error:
                self.log.add("error", out.error_node, out.error,
                             labels.get(out.error_node, "") if out.error_node else "")
            if out.job.kind == "train" and out.losses:
                self.log.add("info", None, f"trained {len(out.losses)} steps: loss "
                             f"{out.losses[0]:.5g} → {out.losses[-1]:.5g}"
                             + (" (cancelled)" if out.cancelled else ""))
        self.refresh_node_panels()

    def _new_errors_only(self, res: RunResult) -> RunResult:
        """The run without node errors the log already shows (a node that was not recomputed
        keeps its error; logging it after every run would only repeat it)."""
        logged = self._logged_errors
        for level, nid, _text in res.log:
            if level == "error" and nid in res.nodes and res.nodes[nid].error:
                logged[nid] = res.nodes[nid].error
        keep = {}
        for nid, r in res.nodes.items():
            if r.error and logged.get(nid) == r.error:
                continue
            if r.error:
                logged[nid] = r.error
            else:
                logged.pop(nid, None)
            keep[nid] = r
        return dataclasses.replace(res, nodes=keep)

    # ---- small helpers for controllers and actions ------------------------------------------
    def status(self, text: str, ms: int = 6000) -> None:
        self.statusBar().showMessage(text, ms)

    def show_error(self, title: str, text: str) -> None:
        QMessageBox.critical(self, title, text)
        self.log.add("error", None, text.replace("\n\n", ": ").replace("\n", " "))

    def show_canvas(self) -> None:
        """The canvas in the middle, with the panels and toolbar the gallery hid."""
        if self.stack.currentWidget() is self.canvas:
            return
        self.stack.setCurrentWidget(self.canvas)
        for w in self._hidden_for_gallery:
            w.show()
        self._hidden_for_gallery = []
        self.update_actions()

    def show_gallery(self) -> None:
        """The start page over the whole window (panels and toolbar come back with a graph)."""
        self.gallery.refresh()
        if self.stack.currentWidget() is not self.gallery:
            self._hidden_for_gallery = [w for w in (*self.docks.values(), self.toolbar)
                                        if w.isVisible()]
            for w in self._hidden_for_gallery:
                w.hide()
        self.stack.setCurrentWidget(self.gallery)
        self.gallery.list.setFocus()
        self.update_actions()

    def zoom_in(self) -> None:
        self.canvas.zoom_by(1.25)

    def zoom_out(self) -> None:
        self.canvas.zoom_by(0.8)

    def set_grad_coloring(self, on: bool) -> None:
        self.canvas.set_grad_coloring(on)
        self.settings.grad_coloring = on

    def set_dark_theme(self, on: bool, save: bool = True) -> None:
        name = "dark" if on else "light"
        apply_theme(QApplication.instance(), name)
        self.canvas.set_theme(name)
        if save:
            self.settings.theme = name

    def about(self) -> None:
        from engine import __version__

        QMessageBox.about(self, "About Gradlab",
                          f"<b>Gradlab {__version__}</b><p>A visual graph builder for tensors "
                          "and automatic differentiation. A graph on the canvas means what the "
                          "same PyTorch program means; run it forward and backward and look at "
                          "every value, gradient and grad_fn.</p>")

    def condition(self, name: str) -> bool:
        """The enabled-when conditions of app.actions.CONDITIONS."""
        busy = self.runs.busy
        graph = self.document.graph
        on_canvas = self.stack.currentWidget() is self.canvas
        return {
            "idle": not busy,
            "running": busy,
            "has_nodes": bool(graph.nodes),
            "has_selection": on_canvas and bool(self.canvas.selected_node_ids()
                                                or self.canvas.selected_edge_ids()
                                                or self.canvas.selected_frame_ids()),
            "has_node_selection": on_canvas and bool(self.canvas.selected_node_ids()),
            "can_paste": self.edit.clipboard is not None,
            "can_train": not busy and self.runs.has_optimizer,
            "can_undo": self.document.undo_stack.canUndo(),
            "can_redo": self.document.undo_stack.canRedo(),
        }[name]

    def update_actions(self) -> None:
        if hasattr(self, "actions_by_id"):
            A.update_enabled(self.actions_by_id, self.condition)
            if self.runs.exporting:  # one export at a time
                self.actions_by_id["export_torch"].setEnabled(False)

    def action(self, action_id: str):
        return self.actions_by_id[action_id]

    # ---- window events ------------------------------------------------------------------------
    def closeEvent(self, e: QCloseEvent) -> None:
        if self._closed:
            e.accept()
            return
        if not self.files.maybe_save():
            e.ignore()
            return
        self._closed = True
        self.document.undo_stack.blockSignals(True)
        self.save_layout()
        self.runs.shutdown()
        self.document.close()
        e.accept()

    def dragEnterEvent(self, e: QDragEnterEvent) -> None:
        if e.mimeData().hasUrls() and any(u.toLocalFile().lower().endswith(".gradlab")
                                          for u in e.mimeData().urls()):
            e.acceptProposedAction()
        else:
            e.ignore()

    def dragMoveEvent(self, e) -> None:
        self.dragEnterEvent(e)

    def dropEvent(self, e: QDropEvent) -> None:
        paths = [u.toLocalFile() for u in e.mimeData().urls() if u.isLocalFile()]
        e.acceptProposedAction()
        QTimer.singleShot(0, lambda: self.files.open_dropped(paths))
