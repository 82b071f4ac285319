"""The scene follows a Graph's events: one item per node, edge and frame. It never changes the
model; it shows runs (shapes, errors, NaN/Inf, gradient colours) and pre-run checks."""
from __future__ import annotations

import logging
from typing import Callable

from PySide6.QtCore import QLineF, QRectF, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QGraphicsScene

from engine.graph.kinds import get_kind
from engine.graph.model import Edge, Event, Frame, Graph, Node
from engine.graph.result import RunResult

from . import results as R
from .edge_item import EdgeItem, EdgeOverview
from .frame_item import FrameItem
from .node_grid import NodeGrid
from .node_item import NodeItem
from .port_item import PortItem
from .style import log_position, paints, ramp_color

log = logging.getLogger(__name__)

GRID = 20.0
GRID_MAJOR = 5  # every 5th line is a major one


class GraphScene(QGraphicsScene):
    """Items for a Graph, kept in step with it through ``Graph.subscribe``."""

    #: frame_id, dx, dy: a frame's title bar was dragged (its members moved along)
    frameMoved = Signal(str, float, float)
    #: frame_id, (x, y, w, h): a frame's border or corner was dragged
    frameResized = Signal(str, object)

    def __init__(self, graph: Graph | None = None, parent=None) -> None:
        super().__init__(parent)
        self.nodes: dict[str, NodeItem] = {}
        self.edges: dict[str, EdgeItem] = {}
        self.frames: dict[str, FrameItem] = {}
        self.draw_grid = True
        self.run: RunResult | None = None
        self._markers: dict[str, tuple[str, str]] = {}  # where NaN/Inf first appears
        self.checks: dict[str, str] = {}
        self.grad_coloring = False
        self.grad_range: tuple[float, float] | None = None
        self._graph: Graph | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self.overview_mode = False
        self.overview = EdgeOverview()  # all edges in one item, shown when zoomed far out
        self.overview.edges = self.edges
        self.overview.setVisible(False)
        self.addItem(self.overview)
        # where nodes and edge label chips are, for edge labels to keep clear of them
        self.node_grid, self.chip_grid = NodeGrid(), NodeGrid()
        self._lone_edge: EdgeItem | None = None  # selected on its own: its full label shows
        self.selectionChanged.connect(self._on_selection)
        self.setBackgroundBrush(paints().background)
        self.set_graph(graph if graph is not None else Graph())

    # ---- the model --------------------------------------------------------------------
    @property
    def graph(self) -> Graph:
        return self._graph  # type: ignore[return-value]

    def set_graph(self, graph: Graph) -> None:
        """Show another Graph (stops following the previous one)."""
        self.detach()
        self._graph = graph
        unsub = graph.subscribe(self._on_event)
        self._unsubscribe = unsub
        self.destroyed.connect(lambda *_: unsub())
        self.run, self.checks, self._markers = None, {}, {}
        self.rebuild()

    def detach(self) -> None:
        """Stop following the model's events."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def rebuild(self) -> None:
        """Drop every item and make them again from the model (after a reset)."""
        for item in self.edges.values():
            item.detach()
        for item in list(self.edges.values()) + list(self.nodes.values()) + list(
                self.frames.values()):
            self.removeItem(item)
        self.node_grid.clear()
        self.chip_grid.clear()
        self.nodes.clear()
        self.edges.clear()
        self._lone_edge = None
        self.frames.clear()
        g = self.graph
        for f in g.frames.values():
            self._add_frame(f)
        for n in g.nodes.values():
            self._add_node(n)
        for e in g.edges.values():
            self._add_edge(e)
        self._apply_grad()

    def _on_event(self, ev: Event) -> None:
        try:
            self._follow(ev)
        except Exception:  # a view bug must not break the model change that emitted this
            log.exception("canvas could not follow %s", ev.type)

    def _follow(self, ev: Event) -> None:
        d = ev.data
        t = ev.type
        if t == "node_added":
            self._add_node(d["node"])
        elif t == "node_removed":
            self._remove_node(d["node"].id)
        elif t == "node_changed":
            item = self.nodes.get(d["node"].id)
            if item is not None:
                item.relayout()
        elif t == "node_moved":
            item = self.nodes.get(d["node"].id)
            if item is not None:
                x, y = d["node"].pos
                if (item.pos().x(), item.pos().y()) != (x, y):
                    item.setPos(x, y)
        elif t == "edge_added":
            self._add_edge(d["edge"])
            if self.grad_coloring and self.run is not None:
                self._apply_grad()
        elif t == "edge_removed":
            self._remove_edge(d["edge"].id)
        elif t == "frame_added":
            self._add_frame(d["frame"])
        elif t == "frame_removed":
            item = self.frames.pop(d["frame"].id, None)
            if item is not None:
                self.removeItem(item)
        elif t == "frame_changed":
            item = self.frames.get(d["frame"].id)
            if item is not None:
                item.refresh()
        elif t == "reset":
            self.run, self.checks, self._markers = None, {}, {}
            self.rebuild()

    def _add_node(self, node: Node) -> None:
        if node.id in self.nodes:
            return
        item = NodeItem(node, get_kind(node.kind))
        if self.overview_mode:
            item.setCacheMode(NodeItem.NoCache)
        self.nodes[node.id] = item
        self.addItem(item)
        self.node_grid.update(item, item.mapRectToScene(item.body_rect()))
        self._decorate_node(item, self.run.nodes.get(node.id) if self.run else None,
                            self._markers)
        item.set_check(self.checks.get(node.id))

    def _remove_node(self, node_id: str) -> None:
        item = self.nodes.pop(node_id, None)
        if item is None:
            return
        for e in list(item.edges):
            self._remove_edge(e.edge_id)
        self.node_grid.remove(item)
        self.removeItem(item)

    def _add_edge(self, edge: Edge) -> None:
        src, dst = self.nodes.get(edge.src), self.nodes.get(edge.dst)
        if src is None or dst is None or edge.id in self.edges:
            return
        sp, dp = src.outputs.get(edge.src_port), dst.inputs.get(edge.dst_port)
        if sp is None or dp is None:
            return
        item = EdgeItem(edge, sp, dp)
        self.edges[edge.id] = item
        src.edges.add(item)
        dst.edges.add(item)
        sp.set_connected(True)
        dp.set_connected(True)
        self.addItem(item)
        self._decorate_edge(item)
        if self.overview_mode:
            item.setVisible(False)
        self.overview.invalidate()

    def _remove_edge(self, edge_id: str) -> None:
        item = self.edges.pop(edge_id, None)
        if item is None:
            return
        if item is self._lone_edge:
            self._lone_edge = None
        item.detach()
        for port in (item.src, item.dst):
            port.node.edges.discard(item)
            port.set_connected(any(e.src is port or e.dst is port for e in port.node.edges))
        self.removeItem(item)
        self.overview.invalidate()

    def _add_frame(self, frame: Frame) -> None:
        if frame.id not in self.frames:
            item = FrameItem(frame)
            self.frames[frame.id] = item
            self.addItem(item)

    # ---- runs and checks --------------------------------------------------------------
    def show_results(self, run: RunResult | None) -> None:
        """Show a run on the nodes and edges (None clears it)."""
        self.run = run
        self._markers = R.nan_markers(self.graph, run) if run else {}
        for nid, item in self.nodes.items():
            self._decorate_node(item, run.nodes.get(nid) if run else None, self._markers)
        for item in self.edges.values():
            self._decorate_edge(item)
        self._apply_grad()

    def _decorate_node(self, item: NodeItem, nr, markers: dict) -> None:
        marker, note = markers.get(item.node_id, (None, ""))
        item.set_result(R.node_info(nr), nr.error if nr is not None else None, marker, note)

    def _decorate_edge(self, item: EdgeItem) -> None:
        e = item.edge
        nr = self.run.nodes.get(e.src) if self.run else None
        outs = self.nodes[e.src].kind.outputs if e.src in self.nodes else ()
        item.set_label(R.edge_info(nr, e.src_port, outs[0].name if outs else None))
        msg = self.checks.get(e.id) or self.checks.get(e.dst)
        item.set_check(msg)

    def show_checks(self, checks: dict[str, str]) -> None:
        """Mark mismatches found before running; keys are node ids (the node and the edges into
        it are marked) or edge ids. An empty dict clears the marks."""
        self.checks = dict(checks)
        for nid, item in self.nodes.items():
            item.set_check(self.checks.get(nid))
        for item in self.edges.values():
            item.set_check(self.checks.get(item.edge_id) or self.checks.get(item.edge.dst))
        self.overview.invalidate()

    def set_grad_coloring(self, on: bool) -> None:
        """Colour edges by the magnitude of the gradient that flowed through them (log scale)."""
        self.grad_coloring = bool(on)
        self._apply_grad()

    def _apply_grad(self) -> None:
        mags = R.grad_magnitudes(self.graph, self.run) if (self.grad_coloring and self.run) else {}
        positive = [m for m in mags.values() if m > 0]
        self.grad_range = (min(positive), max(positive)) if positive else None
        lo, hi = self.grad_range or (0.0, 0.0)
        for eid, item in self.edges.items():
            m = mags.get(eid)
            if m is None:
                item.set_grad(None)
                continue
            t = log_position(m, lo, hi) if hi > lo else (1.0 if m > 0 else 0.0)
            item.set_grad(ramp_color(t), 2.0 + 2.5 * t, f"mean |grad| = {m:.3g}")
        self.overview.invalidate()

    def set_overview(self, on: bool) -> None:
        """Far out, draw all edges as one item and nodes without pixmap caches (fast frames)."""
        on = bool(on)
        if on == self.overview_mode:
            return
        self.overview_mode = on
        for item in self.edges.values():
            item.setVisible(not on)
        mode = NodeItem.NoCache if on else NodeItem.DeviceCoordinateCache
        for item in self.nodes.values():
            item.setCacheMode(mode)
        self.overview.invalidate()
        self.overview.setVisible(on)

    def _on_selection(self) -> None:
        sel = self.selectedItems()
        lone = sel[0] if len(sel) == 1 and isinstance(sel[0], EdgeItem) else None
        if lone is not self._lone_edge:
            if self._lone_edge is not None:
                self._lone_edge.set_lone_selected(False)
            self._lone_edge = lone
            if lone is not None:
                lone.set_lone_selected(True)

    # ---- queries ------------------------------------------------------------------------
    def port_item(self, node_id: str, port: str, output: bool) -> PortItem | None:
        item = self.nodes.get(node_id)
        if item is None:
            return None
        return (item.outputs if output else item.inputs).get(port)

    def selected_node_ids(self) -> list[str]:
        return [i.node_id for i in self.selectedItems() if isinstance(i, NodeItem)]

    def selected_edge_ids(self) -> list[str]:
        return [i.edge_id for i in self.selectedItems() if isinstance(i, EdgeItem)]

    def selected_frame_ids(self) -> list[str]:
        return [i.frame_id for i in self.selectedItems() if isinstance(i, FrameItem)]

    def content_rect(self) -> QRectF:
        """The bounding rect of nodes, edges and frames (empty when there are none)."""
        r = QRectF()
        for group in (self.nodes, self.edges, self.frames):
            for item in group.values():
                r = r.united(item.sceneBoundingRect())
        return r

    def refresh_theme(self) -> None:
        """Repaint everything after ``style.set_theme``."""
        self.setBackgroundBrush(paints().background)
        for item in self.nodes.values():
            item.relayout()
        for item in self.edges.values():
            item.update_path()
        for item in self.frames.values():
            item.refresh()
        self.update()

    # ---- background ---------------------------------------------------------------------
    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        pt = paints()
        painter.fillRect(rect, pt.background)
        if not self.draw_grid:
            return
        scale = painter.worldTransform().m11()
        left, top = rect.left(), rect.top()
        for step, pen, minor in ((GRID, pt.grid_minor_pen, True),
                                 (GRID * GRID_MAJOR, pt.grid_major_pen, False)):
            if step * scale < 7:
                continue
            x0 = int(left // step) * step
            y0 = int(top // step) * step
            lines = []
            x = x0
            while x < rect.right():
                if not (minor and round(x / GRID) % GRID_MAJOR == 0):
                    lines.append(QLineF(x, rect.top(), x, rect.bottom()))
                x += step
            y = y0
            while y < rect.bottom():
                if not (minor and round(y / GRID) % GRID_MAJOR == 0):
                    lines.append(QLineF(rect.left(), y, rect.right(), y))
                y += step
            painter.setPen(pen)
            painter.drawLines(lines)
