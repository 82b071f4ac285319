"""The node-editor canvas driven by real gestures: drops, port drags, node drags, keys, wheel;
the scene following model events; runs, checks and exports shown and written."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent, QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

import engine
from engine.graph.kinds import all_kinds
from engine.graph.model import Graph
from engine.graph.result import NodeResult, RunResult
from widgets.canvas import MIME_KIND, GraphCanvas
from widgets.canvas.edge_item import EdgeItem
from widgets.palette import NodePalette

BIN = "op:add"  # two inputs, one output
BIN2 = "op:mul"


class Harness:
    """Does what the app does with the canvas's signals (there: undo commands)."""

    def __init__(self, canvas: GraphCanvas) -> None:
        self.g = canvas.graph
        self.moves: list[dict] = []
        canvas.connectRequested.connect(lambda s, sp, d, dp: self.g.connect(s, sp, d, dp))
        canvas.nodesMoved.connect(self._moved)
        canvas.deleteRequested.connect(self._delete)
        canvas.nodeDropped.connect(lambda k, p: self.g.add_node(k, pos=(p.x(), p.y())))

    def _moved(self, moved: dict) -> None:
        self.moves.append(moved)
        for nid, (_old, new) in moved.items():
            self.g.move_node(nid, new)

    def _delete(self, node_ids: list, edge_ids: list, frame_ids: list) -> None:
        for fid in frame_ids:
            self.g.remove_frame(fid)
        for eid in edge_ids:
            if eid in self.g.edges:
                self.g.remove_edge(eid)
        for nid in node_ids:
            self.g.remove_node(nid)


def vp_pos(canvas: GraphCanvas, scene_pt: QPointF) -> QPoint:
    return canvas.mapFromScene(scene_pt)


def port_pos(canvas: GraphCanvas, node_id: str, port: str, output: bool) -> QPoint:
    return vp_pos(canvas, canvas.graph_scene().port_item(node_id, port, output).scenePos())


def drag(canvas: GraphCanvas, a: QPoint, b: QPoint, button=Qt.LeftButton, steps: int = 4) -> None:
    vp = canvas.viewport()
    QTest.mousePress(vp, button, Qt.NoModifier, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(vp, a + (b - a) * (i / steps))
    QTest.mouseRelease(vp, button, Qt.NoModifier, b)


def two_nodes(canvas: GraphCanvas):
    g = canvas.graph
    return g.add_node(BIN, pos=(0, 0), label="a"), g.add_node(BIN2, pos=(300, 40), label="b")


def send_drop(canvas: GraphCanvas, mime, pos: QPoint) -> None:
    vp = canvas.viewport()
    enter = QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, enter)
    move = QDragMoveEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, move)
    drop = QDropEvent(QPointF(pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(vp, drop)


# ---- building ---------------------------------------------------------------------------------

def test_drop_from_palette_adds_the_kind(qtbot, canvas):
    h = Harness(canvas)
    palette = NodePalette()
    qtbot.addWidget(palette)
    mime = palette.mime_data_for(BIN2)
    target = QPoint(300, 200)
    with qtbot.waitSignal(canvas.nodeDropped) as sig:
        send_drop(canvas, mime, target)
    key, pos = sig.args
    assert key == BIN2
    (node,) = h.g.nodes.values()
    assert node.kind == BIN2
    item = canvas.node_item(node.id)
    assert item is not None
    # the header of the new node lies under the drop point
    assert item.sceneBoundingRect().contains(canvas.mapToScene(target))


def test_drop_of_other_data_is_ignored(qtbot, canvas):
    from PySide6.QtCore import QMimeData

    md = QMimeData()
    md.setText("hello")
    with qtbot.assertNotEmitted(canvas.nodeDropped):
        send_drop(canvas, md, QPoint(100, 100))
    assert not canvas.graph.nodes


def test_connect_by_dragging_output_to_input(qtbot, canvas):
    Harness(canvas)
    a, b = two_nodes(canvas)
    with qtbot.waitSignal(canvas.connectRequested) as sig:
        drag(canvas, port_pos(canvas, a.id, "out", True), port_pos(canvas, b.id, "input", False))
    assert sig.args == [a.id, "out", b.id, "input"]
    (edge,) = canvas.graph.edges.values()
    assert (edge.src, edge.dst, edge.dst_port) == (a.id, b.id, "input")
    item = canvas.edge_item(edge.id)
    assert isinstance(item, EdgeItem) and item.scene() is canvas.scene()
    assert item.src.name == "out" and item.dst.name == "input"
    # the rubber edge is gone
    assert not [i for i in canvas.scene().items() if type(i).__name__ == "RubberEdge"]


def test_connect_from_input_back_to_output(qtbot, canvas):
    Harness(canvas)
    a, b = two_nodes(canvas)
    drag(canvas, port_pos(canvas, b.id, "other", False), port_pos(canvas, a.id, "out", True))
    (edge,) = canvas.graph.edges.values()
    assert (edge.src, edge.src_port, edge.dst, edge.dst_port) == (a.id, "out", b.id, "other")


def test_hovered_port_shows_whether_it_accepts(qtbot, canvas):
    Harness(canvas)
    a, b = two_nodes(canvas)
    canvas.graph.connect(a.id, "out", b.id, "input")
    vp = canvas.viewport()
    start = port_pos(canvas, b.id, "out", True)
    messages = []
    canvas.statusMessage.connect(messages.append)
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(vp, start + QPoint(-40, 10))
    QTest.mouseMove(vp, port_pos(canvas, a.id, "input", False))
    target = canvas.graph_scene().port_item(a.id, "input", False)
    assert target.hover == "bad"
    assert any("cycle" in m for m in messages)
    QTest.mouseMove(vp, port_pos(canvas, b.id, "other", False))
    assert target.hover is None
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, port_pos(canvas, b.id, "other", False))
    # a third node's free input turns green
    c = canvas.graph.add_node(BIN, pos=(600, 0))
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(vp, port_pos(canvas, c.id, "input", False))
    assert canvas.graph_scene().port_item(c.id, "input", False).hover == "ok"
    QTest.keyClick(canvas, Qt.Key_Escape)
    assert canvas.graph_scene().port_item(c.id, "input", False).hover is None


def test_cycle_is_refused(qtbot, canvas):
    Harness(canvas)
    a, b = two_nodes(canvas)
    drag(canvas, port_pos(canvas, a.id, "out", True), port_pos(canvas, b.id, "input", False))
    assert len(canvas.graph.edges) == 1
    with qtbot.assertNotEmitted(canvas.connectRequested):
        drag(canvas, port_pos(canvas, b.id, "out", True), port_pos(canvas, a.id, "other", False))
    assert len(canvas.graph.edges) == 1
    assert len(canvas.graph_scene().edges) == 1


def test_release_on_empty_canvas_or_occupied_input_does_nothing(qtbot, canvas):
    Harness(canvas)
    a, b = two_nodes(canvas)
    canvas.graph.connect(a.id, "out", b.id, "input")
    c = canvas.graph.add_node(BIN, pos=(0, 200))
    with qtbot.assertNotEmitted(canvas.connectRequested):
        drag(canvas, port_pos(canvas, c.id, "out", True), vp_pos(canvas, QPointF(200, 400)))
        drag(canvas, port_pos(canvas, c.id, "out", True), port_pos(canvas, b.id, "input", False))
        drag(canvas, port_pos(canvas, c.id, "out", True), port_pos(canvas, a.id, "out", True))
    assert len(canvas.graph.edges) == 1


def test_variadic_input_takes_several_edges(qtbot, canvas):
    kinds = [k for k in all_kinds().values()
             if any(p.variadic for p in k.inputs) and k.outputs]
    if not kinds:
        pytest.skip("no kind with a variadic input is registered yet")
    Harness(canvas)
    k = kinds[0]
    port = next(p.name for p in k.inputs if p.variadic)
    g = canvas.graph
    a, b = g.add_node(BIN, pos=(0, 0)), g.add_node(BIN, pos=(0, 160))
    v = g.add_node(k.key, pos=(300, 60))
    for src in (a, b):
        drag(canvas, port_pos(canvas, src.id, "out", True), port_pos(canvas, v.id, port, False))
    assert sorted(e.index for e in g.edges.values()) == [0, 1]
    assert len(canvas.graph_scene().edges) == 2


def test_dragging_nodes_emits_one_nodesMoved(qtbot, canvas):
    h = Harness(canvas)
    a, b = two_nodes(canvas)
    canvas.select_nodes([a.id, b.id])
    header = vp_pos(canvas, QPointF(60, 10))  # on a's header, away from ports
    drag(canvas, header, header + QPoint(80, 50), steps=6)
    assert len(h.moves) == 1
    moved = h.moves[0]
    assert set(moved) == {a.id, b.id}
    old, new = moved[a.id]
    assert old == (0.0, 0.0)
    assert new[0] == pytest.approx(80 / canvas.zoom(), abs=1) and new[1] > 20
    assert canvas.graph.nodes[a.id].pos == new
    assert canvas.graph.nodes[b.id].pos == moved[b.id][1]
    # a plain click moves nothing
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, vp_pos(canvas,
                                                                            QPointF(140, 60)))
    assert len(h.moves) == 1


def test_edges_follow_moved_nodes(qtbot, canvas):
    a, b = two_nodes(canvas)
    e = canvas.graph.connect(a.id, "out", b.id, "input")
    item = canvas.edge_item(e.id)
    before = item.path().pointAtPercent(1.0)
    canvas.graph.move_node(b.id, (400, 200))
    after = item.path().pointAtPercent(1.0)
    assert after.x() - before.x() == pytest.approx(100) and after.y() - before.y() == pytest.approx(160)


def test_delete_key_removes_selection(qtbot, canvas):
    Harness(canvas)
    a, b = two_nodes(canvas)
    c = canvas.graph.add_node(BIN, pos=(0, 250))
    e = canvas.graph.connect(a.id, "out", b.id, "input")
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, vp_pos(canvas,
                                                                            QPointF(60, 10)))
    assert canvas.selected_node_ids() == [a.id]
    with qtbot.waitSignal(canvas.deleteRequested) as sig:
        QTest.keyClick(canvas, Qt.Key_Delete)
    assert sig.args == [[a.id], [], []]
    assert a.id not in canvas.graph.nodes and e.id not in canvas.graph.edges
    assert canvas.node_item(a.id) is None and canvas.edge_item(e.id) is None
    # an edge picked by clicking on its curve goes with Backspace
    e2 = canvas.graph.connect(c.id, "out", b.id, "input")
    mid = canvas.edge_item(e2.id).path().pointAtPercent(0.3)
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, vp_pos(canvas, mid))
    assert canvas.graph_scene().selected_edge_ids() == [e2.id]
    QTest.keyClick(canvas, Qt.Key_Backspace)
    assert not canvas.graph.edges and set(canvas.graph.nodes) == {b.id, c.id}


def test_rubber_band_selects_and_reports(qtbot, canvas):
    a, b = two_nodes(canvas)
    seen = []
    canvas.selectionChanged.connect(seen.append)
    drag(canvas, vp_pos(canvas, QPointF(-40, -60)), vp_pos(canvas, QPointF(520, 200)))
    assert sorted(seen[-1]) == sorted([a.id, b.id])
    canvas.select_nodes([b.id])
    assert seen[-1] == [b.id]


def test_keys_and_double_click_request_actions(qtbot, canvas):
    a, _ = two_nodes(canvas)
    canvas.select_nodes([a.id])
    with qtbot.waitSignal(canvas.copyRequested):
        QTest.keyClick(canvas, Qt.Key_C, Qt.ControlModifier)
    with qtbot.waitSignal(canvas.pasteRequested):
        QTest.keyClick(canvas, Qt.Key_V, Qt.ControlModifier)
    with qtbot.waitSignal(canvas.duplicateRequested):
        QTest.keyClick(canvas, Qt.Key_D, Qt.ControlModifier)
    with qtbot.waitSignal(canvas.quickAddRequested):
        QTest.keyClick(canvas, Qt.Key_Tab)
    empty = vp_pos(canvas, QPointF(200, 400))
    with qtbot.waitSignal(canvas.quickAddRequested) as sig:
        QTest.mouseDClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, empty)
    p = sig.args[0]
    assert abs(p.y() - 400) < 20
    with qtbot.waitSignal(canvas.nodeActivated) as sig:
        QTest.mouseDClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier,
                          vp_pos(canvas, QPointF(60, 10)))
    assert sig.args == [a.id]


def test_wheel_zooms_under_the_mouse_and_middle_drag_pans(qtbot, canvas):
    vp = canvas.viewport()
    at = QPoint(200, 150)
    before = canvas.mapToScene(at)
    ev = QWheelEvent(QPointF(at), QPointF(vp.mapToGlobal(at)), QPoint(0, 0), QPoint(0, 240),
                     Qt.NoButton, Qt.NoModifier, Qt.NoScrollPhase, False)
    QApplication.sendEvent(vp, ev)
    assert canvas.zoom() > 1.2
    after = canvas.mapToScene(at)
    assert abs(after.x() - before.x()) < 2 and abs(after.y() - before.y()) < 2
    center = canvas.mapToScene(vp.rect().center())
    drag(canvas, QPoint(400, 300), QPoint(300, 250), button=Qt.MiddleButton)
    moved = canvas.mapToScene(vp.rect().center())
    assert moved.x() - center.x() == pytest.approx(100 / canvas.zoom(), abs=2)
    # space + left drag pans too, without selecting anything
    QTest.keyPress(canvas, Qt.Key_Space)
    drag(canvas, QPoint(300, 300), QPoint(400, 300))
    QTest.keyRelease(canvas, Qt.Key_Space)
    assert canvas.mapToScene(vp.rect().center()).x() == pytest.approx(center.x(), abs=2)


def test_fit_and_center(qtbot, canvas):
    g = canvas.graph
    far = g.add_node(BIN, pos=(3000, 2000))
    g.add_node(BIN, pos=(-500, -300))
    canvas.fit_to_view()
    vis = canvas.mapToScene(canvas.viewport().rect()).boundingRect()
    for item in canvas.graph_scene().nodes.values():
        assert vis.contains(item.sceneBoundingRect())
    canvas.resetTransform()
    canvas.center_on(far.id)
    c = canvas.mapToScene(canvas.viewport().rect().center())
    assert canvas.node_item(far.id).sceneBoundingRect().contains(c)


# ---- following the model --------------------------------------------------------------------

def test_scene_follows_model_events(qtbot, canvas):
    g = canvas.graph
    scene = canvas.graph_scene()
    a, b = two_nodes(canvas)
    e = g.connect(a.id, "out", b.id, "input")
    assert set(scene.nodes) == {a.id, b.id} and set(scene.edges) == {e.id}
    assert scene.port_item(b.id, "input", False).connected
    g.set_label(a.id, "renamed_input_node")
    assert scene.nodes[a.id]._label == "renamed_input_node"
    assert scene.nodes[a.id].width >= 150
    g.set_attr(a.id, "alpha", 3)
    assert "alpha=3" in scene.nodes[a.id]._footer
    g.move_node(b.id, (500, 100))
    assert scene.nodes[b.id].pos() == QPointF(500, 100)
    # delete and put back, as undo does
    state, edges = g.remove_node(a.id)
    assert a.id not in scene.nodes and not scene.edges
    assert not scene.port_item(b.id, "input", False).connected
    g.restore_node(state)
    for edge in edges:
        g.restore_edge(edge)
    assert set(scene.edges) == {e.id}
    assert scene.edges[e.id].src is scene.port_item(a.id, "out", True)
    # frames
    f = g.add_frame("frozen", (-20, -20, 400, 200), members=[a.id])
    assert scene.frames[f.id].zValue() < 0
    g.update_frame(f.id, label="renamed", rect=(0, 0, 100, 100))
    assert scene.frames[f.id].pos() == QPointF(0, 0) and "renamed" in scene.frames[f.id]._title
    g.remove_frame(f.id)
    assert not scene.frames
    # load: replace the whole document
    other = Graph()
    n = other.add_node(BIN2, pos=(10, 10))
    g.replace_with(other)
    assert set(scene.nodes) == {n.id} and not scene.edges
    g.clear()
    assert not scene.nodes and not [i for i in scene.items() if i.isVisible()]


def test_set_graph_stops_following_the_old_one(qtbot, canvas):
    old = canvas.graph
    canvas.set_graph(Graph())
    old.add_node(BIN)
    assert not canvas.graph_scene().nodes


# ---- runs and checks ------------------------------------------------------------------------

def small_run(canvas: GraphCanvas):
    g = canvas.graph
    a, b = two_nodes(canvas)
    c = g.add_node(BIN, pos=(600, 0), label="c")
    e1 = g.connect(a.id, "out", b.id, "input")
    e2 = g.connect(b.id, "out", c.id, "input")
    run = RunResult()
    run.nodes[a.id] = NodeResult(a.id, shape=(3, 4), dtype="float32",
                                 grad_flow=engine.tensor(np.full((3, 4), 0.01, np.float32)))
    run.nodes[b.id] = NodeResult(b.id, shape=(3, 4), dtype="float32", has_nan=True,
                                 grad_flow=engine.tensor(np.full((3, 4), 10.0, np.float32)))
    run.nodes[c.id] = NodeResult(c.id, has_nan=True, error="The size of tensor a (4) must "
                                 "match the size of tensor b (5) at non-singleton dimension 1",
                                 error_type="RuntimeError")
    return a, b, c, e1, e2, run


def test_show_results_marks_errors_nans_and_labels(qtbot, canvas):
    a, b, c, e1, e2, run = small_run(canvas)
    canvas.show_results(run)
    items = canvas.graph_scene().nodes
    assert items[a.id].info == "[3, 4] float32" and items[a.id].error is None
    assert items[c.id].error.startswith("The size of tensor a")
    assert "must match" in items[c.id].toolTip()
    # NaN first appears in b, not in c downstream of it
    assert items[b.id].marker == "NaN" and items[c.id].marker is None
    assert canvas.edge_item(e1.id).label == "[3, 4] float32"
    assert canvas.edge_item(e2.id).label == "[3, 4] float32"
    canvas.clear_results()
    assert items[c.id].error is None and canvas.edge_item(e1.id).label == ""


def test_results_reach_nodes_restored_later(qtbot, canvas):
    a, b, c, e1, e2, run = small_run(canvas)
    canvas.show_results(run)
    state, edges = canvas.graph.remove_node(c.id)
    canvas.graph.restore_node(state)
    assert canvas.node_item(c.id).error is not None


def test_grad_coloring_and_legend(qtbot, canvas):
    a, b, c, e1, e2, run = small_run(canvas)
    canvas.show_results(run)
    assert canvas.legend is None
    canvas.set_grad_coloring(True)
    lo_pen, hi_pen = canvas.edge_item(e1.id).grad_pen, canvas.edge_item(e2.id).grad_pen
    assert lo_pen is not None and hi_pen is not None
    assert lo_pen.color() != hi_pen.color() and hi_pen.widthF() > lo_pen.widthF()
    legend = canvas.legend
    assert legend is not None and (legend.lo, legend.hi) == pytest.approx((0.01, 10.0))
    assert not canvas.grab().isNull()  # the legend paints over the view
    canvas.set_grad_coloring(False)
    assert canvas.edge_item(e1.id).grad_pen is None and canvas.legend is None


def test_far_zoom_merges_edges_and_still_selects(qtbot, canvas, tmp_path):
    a, b, c, e1, e2, run = small_run(canvas)
    scene = canvas.graph_scene()
    canvas.resetTransform()
    canvas.scale(0.2, 0.2)
    canvas.centerOn(300, 50)
    canvas.grab()
    assert scene.overview_mode and not canvas.edge_item(e1.id).isVisible()
    seen = []
    canvas.selectionChanged.connect(seen.append)
    drag(canvas, vp_pos(canvas, QPointF(-100, -100)), vp_pos(canvas, QPointF(900, 300)))
    assert sorted(seen[-1]) == sorted([a.id, b.id, c.id])
    # exports draw full detail whatever the zoom, and leave the view as it was
    path = canvas.render_to_image(tmp_path / "far.png")
    assert not QImage(str(path)).isNull() and scene.overview_mode
    canvas.resetTransform()
    canvas.grab()
    assert not scene.overview_mode and canvas.edge_item(e1.id).isVisible()


def test_theme_switch(qtbot, canvas):
    two_nodes(canvas)
    try:
        canvas.set_theme("light")
        assert canvas.graph_scene().backgroundBrush().color().lightness() > 200
        assert not canvas.grab().isNull()
        with pytest.raises(ValueError):
            canvas.set_theme("neon")
    finally:
        canvas.set_theme("dark")
    assert canvas.graph_scene().backgroundBrush().color().lightness() < 60


def test_show_checks_marks_nodes_and_edges(qtbot, canvas):
    a, b, c, e1, e2, run = small_run(canvas)
    canvas.show_checks({b.id: "dtype mismatch: float32 and int64"})
    assert canvas.node_item(b.id).check.startswith("dtype mismatch")
    assert canvas.edge_item(e1.id).check and not canvas.edge_item(e2.id).check
    canvas.show_checks({e2.id: "shape [3] into [4]"})
    assert canvas.node_item(b.id).check is None and canvas.edge_item(e2.id).check
    canvas.show_checks({})
    assert not canvas.edge_item(e2.id).check


def test_render_png_and_svg(qtbot, canvas, tmp_path):
    *_, run = small_run(canvas)
    canvas.show_results(run)
    canvas.set_grad_coloring(True)
    png = canvas.render_to_image(tmp_path / "g.png")
    img = QImage(str(png))
    assert img.width() > 600 and img.height() > 100
    svg = canvas.render_to_image(tmp_path / "g.svg")
    text = svg.read_text()
    assert "<svg" in text and "float32" in text and "<image" not in text
    with pytest.raises(ValueError):
        canvas.render_to_image(tmp_path / "g.gif")


def test_thousand_nodes_render(qtbot, canvas, tmp_path):
    g = canvas.graph
    ids = []
    for i in range(1000):
        n = g.add_node(BIN if i % 2 else BIN2, pos=((i % 40) * 220.0, (i // 40) * 140.0))
        if ids:
            g.connect(ids[-1], "out", n.id, "input")
        ids.append(n.id)
    scene = canvas.graph_scene()
    assert len(scene.nodes) == 1000 and len(scene.edges) == 999
    canvas.fit_to_view()
    img = canvas.grab()
    assert not img.isNull()
    canvas.resetTransform()
    assert not canvas.grab().isNull()
    path = canvas.render_to_image(tmp_path / "big.png", scale=0.5)
    assert not QImage(str(path)).isNull()
    g.clear()
    assert not scene.nodes and not scene.edges


def test_tab_asks_for_quick_add_and_keeps_focus(qtbot, canvas):
    canvas.setFocus()
    with qtbot.waitSignal(canvas.quickAddRequested):
        QTest.keyClick(canvas, Qt.Key_Tab)
    assert canvas.hasFocus()
