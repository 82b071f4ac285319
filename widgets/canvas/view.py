"""GraphCanvas: the node editor view. It turns finished user gestures into Qt signals (the app
makes undo commands of them) and never changes the Graph itself."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (QCursor, QKeyEvent, QMouseEvent, QPainter, QPixmapCache,
                           QWheelEvent)
from PySide6.QtWidgets import QGraphicsView, QToolTip, QWidget

from engine.graph.model import Graph
from engine.graph.result import RunResult

from .edge_item import EdgeItem
from .export import render_scene
from .frame_item import FrameItem
from .frame_menu import frame_menu, rename_frame
from .legend import GradLegend
from .node_item import BLOCK_LOD, HEADER_H, MIN_W, NodeItem
from .port_item import HIT_RADIUS, PortItem
from .scene import GraphScene
from .style import MIME_KIND, set_theme
from .wiring import EdgeDrag

ZOOM_MIN, ZOOM_MAX = 0.05, 4.0
OVERVIEW_ZOOM = BLOCK_LOD  # below this, nodes are plain blocks and edges one merged item
WORLD = QRectF(-100_000, -100_000, 200_000, 200_000)


class GraphCanvas(QGraphicsView):
    """Shows a Graph and reports gestures; see the signals for what the app should do."""

    #: {node_id: ((old_x, old_y), (new_x, new_y))} once per finished drag
    nodesMoved = Signal(dict)
    #: src_id, src_port, dst_id, dst_port: a drag from an output to an input Graph.can_connect allows
    connectRequested = Signal(str, str, str, str)
    #: node_ids, edge_ids selected when Delete/Backspace was pressed
    #: node_ids, edge_ids, frame_ids: Delete on the selection
    deleteRequested = Signal(list, list, list)
    #: edge_id, dst_id, dst_port: an edge picked up from its input was dropped on another input
    edgeReconnectRequested = Signal(str, str, str)
    #: edge_id: an edge picked up from its input was dropped on empty canvas
    edgeDisconnectRequested = Signal(str)
    #: frame_id, dx, dy: a frame was dragged by its title bar (its member nodes move along)
    frameMoved = Signal(str, float, float)
    #: frame_id, (x, y, w, h): a frame was resized by a border or corner
    frameResized = Signal(str, object)
    #: frame_id, {"label": str} or {"no_grad": bool}: a rename or toggle from the frame's menu
    frameEditRequested = Signal(str, dict)
    #: kind key, scene position for the new node's top-left (header centred on the drop point)
    nodeDropped = Signal(str, QPointF)
    copyRequested = Signal()
    #: scene position under the cursor (or the view's centre) to paste at
    pasteRequested = Signal(QPointF)
    duplicateRequested = Signal()
    #: ids of the selected nodes, after every selection change
    selectionChanged = Signal(list)
    #: scene position for a new node's top-left (double-click on empty canvas, or Tab)
    quickAddRequested = Signal(QPointF)
    #: a node was double-clicked
    nodeActivated = Signal(str)
    #: a short message for the status bar (why a connection is refused...)
    statusMessage = Signal(str)

    def __init__(self, graph: Graph | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._scene = GraphScene(graph, self)
        self.setScene(self._scene)
        self.setSceneRect(WORLD)
        self.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing
                            | QPainter.SmoothPixmapTransform)
        self.setViewportUpdateMode(QGraphicsView.BoundingRectViewportUpdate)
        self.setCacheMode(QGraphicsView.CacheBackground)
        self.setOptimizationFlag(QGraphicsView.DontAdjustForAntialiasing, True)
        self.setOptimizationFlag(QGraphicsView.DontSavePainterState, True)  # items set all they use
        self.setDragMode(QGraphicsView.RubberBandDrag)
        self.setRubberBandSelectionMode(Qt.IntersectsItemShape)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setTransformationAnchor(QGraphicsView.NoAnchor)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMouseTracking(True)
        self.setFrameShape(QGraphicsView.NoFrame)
        self._pan_from: QPointF | None = None
        self._space = False
        self._press_pos: dict[str, QPointF] = {}
        self._wire = EdgeDrag(self)
        self._scene.selectionChanged.connect(self._on_selection)
        self._scene.frameMoved.connect(self.frameMoved)
        self._scene.frameResized.connect(self.frameResized)
        self._quiet = False
        self._over_port = False
        if QPixmapCache.cacheLimit() < 64 * 1024:  # item caches of a big graph (KB)
            QPixmapCache.setCacheLimit(64 * 1024)
        self.centerOn(0, 0)

    # ---- model and results ----------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        return self._scene.graph

    def graph_scene(self) -> GraphScene:
        return self._scene

    def set_graph(self, graph: Graph) -> None:
        """Show another Graph."""
        self._scene.set_graph(graph)

    def show_results(self, run: RunResult | None) -> None:
        """Shapes/dtypes on nodes and edges, error badges, NaN/Inf markers (None clears)."""
        self._scene.show_results(run)
        self.viewport().update()

    def clear_results(self) -> None:
        self.show_results(None)

    def show_checks(self, checks: dict[str, str]) -> None:
        """Mark pre-run mismatches: {node_id or edge_id: message}; {} clears."""
        self._scene.show_checks(checks)

    def set_grad_coloring(self, on: bool) -> None:
        """Colour edges by gradient magnitude (log scale) and show the legend."""
        self._scene.set_grad_coloring(on)
        self.viewport().update()

    def set_theme(self, name: str) -> None:
        """Switch every canvas to the 'dark' or 'light' theme."""
        set_theme(name)
        self._scene.refresh_theme()
        self.resetCachedContent()
        self.viewport().update()

    @property
    def legend(self) -> GradLegend | None:
        """The gradient legend while it is shown, else None."""
        s = self._scene
        return GradLegend(*s.grad_range) if (s.grad_coloring and s.grad_range) else None

    # ---- selection and navigation ---------------------------------------------------------
    def node_item(self, node_id: str) -> NodeItem | None:
        return self._scene.nodes.get(node_id)

    def edge_item(self, edge_id: str) -> EdgeItem | None:
        return self._scene.edges.get(edge_id)

    def selected_node_ids(self) -> list[str]:
        return self._scene.selected_node_ids()

    def selected_edge_ids(self) -> list[str]:
        return self._scene.selected_edge_ids()

    def selected_frame_ids(self) -> list[str]:
        return self._scene.selected_frame_ids()

    def frame_item(self, frame_id: str) -> FrameItem | None:
        return self._scene.frames.get(frame_id)

    def select_frame(self, frame_id: str) -> None:
        """Select exactly this frame."""
        self._scene.clearSelection()
        item = self._scene.frames.get(frame_id)
        if item is not None:
            item.setSelected(True)

    def request_delete(self) -> None:
        """Emit deleteRequested for the selection: what Delete does, and what an app's Delete
        action should call."""
        nodes, edges = self._scene.selected_node_ids(), self._scene.selected_edge_ids()
        frames = self._scene.selected_frame_ids()
        if nodes or edges or frames:
            self.deleteRequested.emit(nodes, edges, frames)

    def select_nodes(self, ids) -> None:
        """Select exactly these nodes (one selectionChanged)."""
        self._quiet = True
        try:
            self._scene.clearSelection()
            for nid in ids:
                item = self._scene.nodes.get(nid)
                if item is not None:
                    item.setSelected(True)
        finally:
            self._quiet = False
        self._on_selection()

    def center_on(self, node_id: str) -> None:
        item = self._scene.nodes.get(node_id)
        if item is not None:
            self.centerOn(item.sceneBoundingRect().center())

    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Zoom keeping the scene point under ``anchor`` (viewport coords) in place."""
        z = self.zoom()
        factor = max(ZOOM_MIN / z, min(ZOOM_MAX / z, factor))
        if abs(factor - 1.0) < 1e-9:
            return
        if anchor is None:
            anchor = QPointF(self.viewport().rect().center())
        before = self.mapToScene(anchor.toPoint())
        self.scale(factor, factor)
        after = self.mapFromScene(before)
        d = after - anchor.toPoint()
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + d.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + d.y())

    def reset_zoom(self) -> None:
        c = self.mapToScene(self.viewport().rect().center())
        self.resetTransform()
        self.centerOn(c)

    def fit_to_view(self) -> None:
        """Zoom and pan so every node shows (never magnifying past 150 %)."""
        r = self._scene.content_rect()
        if r.isEmpty():
            self.resetTransform()
            self.centerOn(0, 0)
            return
        self.fitInView(r.adjusted(-40, -40, 40, 40), Qt.KeepAspectRatio)
        if self.zoom() > 1.5:
            self.resetTransform()
            self.scale(1.5, 1.5)
        elif self.zoom() < ZOOM_MIN:
            self.resetTransform()
            self.scale(ZOOM_MIN, ZOOM_MIN)
        self.centerOn(r.center())

    def _on_selection(self) -> None:
        if not self._quiet:
            self.selectionChanged.emit(self._scene.selected_node_ids())

    # ---- mouse ----------------------------------------------------------------------------
    def _port_at(self, pos: QPoint) -> PortItem | None:
        """The port under a viewport position (ports are painted by nodes, not items)."""
        sp = self.mapToScene(pos)
        r = max(HIT_RADIUS, 6.0 / max(self.zoom(), 1e-6))
        area = QRectF(sp.x() - r, sp.y() - r, 2 * r, 2 * r)
        for item in self._scene.items(area, Qt.IntersectsItemBoundingRect,
                                      Qt.DescendingOrder):
            if isinstance(item, NodeItem):
                port = item.port_near(sp, r)
                if port is not None:
                    return port
        return None

    def viewportEvent(self, e: QEvent) -> bool:
        if e.type() == QEvent.ToolTip and not self._wire.active:
            port = self._port_at(e.pos())
            if port is not None:
                QToolTip.showText(e.globalPos(), port.tooltip(), self.viewport())
                return True
        return super().viewportEvent(e)

    def mousePressEvent(self, e: QMouseEvent) -> None:
        pos = e.position()
        if e.button() == Qt.MiddleButton or (e.button() == Qt.LeftButton and self._space):
            self._pan_from = pos
            self.viewport().setCursor(Qt.ClosedHandCursor)
            e.accept()
            return
        if e.button() == Qt.LeftButton:
            port = self._port_at(pos.toPoint())
            if port is not None:
                self._wire.start(port)
                e.accept()
                return
        super().mousePressEvent(e)
        if e.button() == Qt.LeftButton and not isinstance(self._scene.mouseGrabberItem(),
                                                          FrameItem):  # frames report their own
            self._press_pos = {i.node_id: i.pos() for i in self._scene.selectedItems()
                               if isinstance(i, NodeItem)}

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        pos = e.position()
        if self._pan_from is not None:
            d = pos - self._pan_from
            self._pan_from = pos
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(d.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(d.y()))
            e.accept()
            return
        if self._wire.active:
            self._wire.move(self.mapToScene(pos.toPoint()), self._port_at(pos.toPoint()),
                            e.globalPosition().toPoint())
            e.accept()
            return
        if not e.buttons():
            over = self._port_at(pos.toPoint()) is not None
            if over != self._over_port:
                self._over_port = over
                if over:
                    self.viewport().setCursor(Qt.CrossCursor)
                else:
                    self.viewport().unsetCursor()
        super().mouseMoveEvent(e)

    def mouseReleaseEvent(self, e: QMouseEvent) -> None:
        if self._pan_from is not None and e.button() in (Qt.MiddleButton, Qt.LeftButton):
            self._pan_from = None
            self.viewport().setCursor(Qt.OpenHandCursor if self._space else Qt.ArrowCursor)
            e.accept()
            return
        if self._wire.active and e.button() == Qt.LeftButton:
            self._wire.release(self._port_at(e.position().toPoint()))
            e.accept()
            return
        super().mouseReleaseEvent(e)
        if e.button() == Qt.LeftButton and self._press_pos:
            moved = {}
            for nid, old in self._press_pos.items():
                item = self._scene.nodes.get(nid)
                if item is not None and item.pos() != old:
                    moved[nid] = ((old.x(), old.y()), (item.pos().x(), item.pos().y()))
            self._press_pos = {}
            if moved:
                self.nodesMoved.emit(moved)

    def mouseDoubleClickEvent(self, e: QMouseEvent) -> None:
        if e.button() == Qt.LeftButton:
            item = self.itemAt(e.position().toPoint())
            while item is not None and not isinstance(item, (NodeItem, EdgeItem, FrameItem)):
                item = item.parentItem()
            if isinstance(item, FrameItem):
                if item.zone_at(item.mapFromScene(self.mapToScene(e.position().toPoint()))) \
                        == "move":
                    rename_frame(self, item.frame_id)
                e.accept()
                return
            if item is None:
                self.quickAddRequested.emit(self._new_node_pos(self.mapToScene(
                    e.position().toPoint())))
                e.accept()
                return
            if isinstance(item, NodeItem):
                self.nodeActivated.emit(item.node_id)
                e.accept()
                return
        super().mouseDoubleClickEvent(e)

    def wheelEvent(self, e: QWheelEvent) -> None:
        dy = e.angleDelta().y()
        if dy:
            self.zoom_by(1.0015 ** dy, e.position())
        e.accept()

    # ---- keyboard -------------------------------------------------------------------------
    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.KeyPress and e.key() == Qt.Key_Tab:
            self.quickAddRequested.emit(self._new_node_pos(self._cursor_scene_pos()))
            return True
        return super().event(e)

    def keyPressEvent(self, e: QKeyEvent) -> None:
        key, mods = e.key(), e.modifiers()
        ctrl = bool(mods & Qt.ControlModifier)
        if key in (Qt.Key_Delete, Qt.Key_Backspace):
            self.request_delete()
        elif ctrl and key == Qt.Key_C:
            self.copyRequested.emit()
        elif ctrl and key == Qt.Key_V:
            self.pasteRequested.emit(self._cursor_scene_pos())
        elif ctrl and key == Qt.Key_D:
            self.duplicateRequested.emit()
        elif ctrl and key == Qt.Key_A:
            self.select_nodes(list(self._scene.nodes))
        elif key == Qt.Key_F and not ctrl:
            self.fit_to_view()
        elif key == Qt.Key_Escape:
            grabber = self._scene.mouseGrabberItem()
            if self._wire.active:
                self._wire.cancel()
            elif isinstance(grabber, FrameItem):
                grabber.cancel_gesture()
            else:
                self._scene.clearSelection()
        elif key == Qt.Key_Space and not e.isAutoRepeat():
            self._space = True
            self.setDragMode(QGraphicsView.NoDrag)
            self.viewport().setCursor(Qt.OpenHandCursor)
        else:
            super().keyPressEvent(e)
            return
        e.accept()

    def keyReleaseEvent(self, e: QKeyEvent) -> None:
        if e.key() == Qt.Key_Space and not e.isAutoRepeat():
            self._space = False
            self.setDragMode(QGraphicsView.RubberBandDrag)
            self.viewport().setCursor(Qt.ArrowCursor)
            e.accept()
            return
        super().keyReleaseEvent(e)

    def _cursor_scene_pos(self) -> QPointF:
        p = self.viewport().mapFromGlobal(QCursor.pos())
        if not self.viewport().rect().contains(p):
            p = self.viewport().rect().center()
        return self.mapToScene(p)

    @staticmethod
    def _new_node_pos(p: QPointF) -> QPointF:
        return QPointF(p.x() - MIN_W / 2, p.y() - HEADER_H / 2)

    def contextMenuEvent(self, e) -> None:
        frame = self._frame_at(e.pos())
        if frame is None:
            super().contextMenuEvent(e)
            return
        if not frame.isSelected():
            self.select_frame(frame.frame_id)
        frame_menu(self, frame.frame_id).exec(e.globalPos())
        e.accept()

    def _frame_at(self, pos: QPoint) -> FrameItem | None:
        """The frame under a viewport position (title, border, or inside away from nodes)."""
        for item in self.items(pos):
            if isinstance(item, FrameItem):
                return item
            if isinstance(item, (NodeItem, EdgeItem)):
                return None
        sp = self.mapToScene(pos)
        inside = [f for f in self._scene.frames.values() if f.scene_rect().contains(sp)]
        return min(inside, key=lambda f: f.scene_rect().width() * f.scene_rect().height(),
                   default=None)  # the innermost

    # ---- drops from the palette ---------------------------------------------------------
    def dragEnterEvent(self, e) -> None:
        if e.mimeData().hasFormat(MIME_KIND):
            e.acceptProposedAction()
        else:
            e.ignore()

    def dragMoveEvent(self, e) -> None:
        if e.mimeData().hasFormat(MIME_KIND):
            e.acceptProposedAction()
        else:
            e.ignore()

    def dropEvent(self, e) -> None:
        if not e.mimeData().hasFormat(MIME_KIND):
            e.ignore()
            return
        key = bytes(e.mimeData().data(MIME_KIND)).decode("utf-8", "replace").strip()
        e.acceptProposedAction()
        if key:
            self.nodeDropped.emit(key, self._new_node_pos(self.mapToScene(e.position().toPoint())))

    # ---- painting and export ------------------------------------------------------------
    def paintEvent(self, e) -> None:
        # far out, edges are drawn as one merged item (see GraphScene.set_overview)
        self._scene.set_overview(self.zoom() < OVERVIEW_ZOOM)
        super().paintEvent(e)

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        legend = self.legend
        if legend is not None:
            painter.save()
            painter.resetTransform()
            legend.paint(painter, QPointF(12, self.viewport().height() - 64))
            painter.restore()

    def render_to_image(self, path: str | Path, fmt: str | None = None,
                        scale: float = 2.0) -> Path:
        """Export the whole graph as 'png' or 'svg' (from the suffix when fmt is None)."""
        return render_scene(self._scene, path, fmt, scale, self.legend)
