"""Edge labels ('[32, 8] float32'): placed on the visible curve clear of every node, elided to
the shape or left out when there is no room, shown in full in the tooltip and, while the edge is
hovered or selected on its own, in a tip above the nodes; they follow moved nodes."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtTest import QTest

from engine.graph.model import Graph
from engine.graph.result import NodeResult, RunResult
from widgets.canvas import GraphCanvas
from widgets.canvas.edge_label import label_variants
from widgets.canvas.node_item import NodeItem
from widgets.canvas.style import paints

FULL = "[32, 8] float32"
SHAPE = "[32, 8]"


def body(item: NodeItem) -> QRectF:
    return item.mapRectToScene(item.body_rect())


def pair(canvas: GraphCanvas, gap: float, dy: float = 0.0):
    """Two nodes side by side with ``gap`` between them, a -> b, labelled by a run."""
    g = canvas.graph
    a = g.add_node("op:relu", pos=(0, 0), label="a")
    w = canvas.node_item(a.id).width
    b = g.add_node("op:relu", pos=(w + gap, dy), label="b")
    e = g.connect(a.id, "out", b.id, "input")
    run = RunResult()
    run.nodes[a.id] = NodeResult(a.id, shape=(32, 8), dtype="float32")
    canvas.show_results(run)
    return a, b, canvas.edge_item(e.id)


def assert_clear(canvas: GraphCanvas, item) -> None:
    r = item.label_rect()
    for n in canvas.graph_scene().nodes.values():
        assert not r.intersects(body(n)), (r, body(n))


def chip_width(text: str) -> float:
    from widgets.canvas.edge_label import PAD_X
    return paints().edge_fm.horizontalAdvance(text) + 2 * PAD_X


def test_variants_keep_the_shape():
    assert label_variants(FULL) == [FULL, SHAPE]
    assert label_variants("[] float32") == ["[] float32", "[]"]
    assert label_variants("float32") == ["float32"]


@pytest.mark.parametrize("gap,dy", [(300, 0), (300, 120), (160, -90), (60, 0), (20, 0),
                                    (0, 0), (-80, 140), (40, 200)])
def test_label_never_overlaps_a_node(qtbot, canvas, gap, dy):
    a, b, item = pair(canvas, gap, dy)
    assert item.label == FULL
    assert_clear(canvas, item)
    if not item.label_rect().isEmpty():  # on (or right beside) the curve
        p = item.label_rect().center()
        assert item.shape().contains(p) or item.path().boundingRect().adjusted(
            -120, -30, 120, 30).contains(p)


def test_far_nodes_show_the_full_label_on_the_middle_of_the_curve(qtbot, canvas):
    a, b, item = pair(canvas, 300)
    assert item.shown == FULL and not item.elided
    mid = item.path().pointAtPercent(0.5)
    assert item.label_rect().contains(mid)
    src, dst = body(canvas.node_item(a.id)), body(canvas.node_item(b.id))
    assert src.right() < item.label_rect().left() < item.label_rect().right() < dst.left()


def test_short_gap_elides_to_the_shape_or_nothing(qtbot, canvas):
    room = chip_width(SHAPE) + 2 * 6 + 8  # fits the shape, not the full text
    assert room < chip_width(FULL)
    a, b, item = pair(canvas, room)
    assert item.shown == SHAPE and item.elided
    assert_clear(canvas, item)
    canvas.graph.move_node(b.id, (canvas.node_item(a.id).width + 15, 0))
    assert item.shown == "" and item.label_rect().isEmpty() and item.elided
    assert FULL in item.toolTip()


def test_full_text_in_tooltip_and_on_hover(qtbot, canvas):
    a, b, item = pair(canvas, 15)
    assert FULL in item.toolTip()
    assert item.tip() is None
    vp = canvas.viewport()
    away = canvas.mapFromScene(QPointF(-200, -200))
    # QTest remembers buttons across tests: with one still "down", a move is a drag, not a hover
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, away)
    QTest.mouseMove(vp, away)
    mid = canvas.mapFromScene(item.path().pointAtPercent(0.5))
    QTest.mouseMove(vp, mid + QPoint(1, 0))
    QTest.mouseMove(vp, mid)
    qtbot.waitUntil(lambda: item.tip() is not None)
    tip = item.tip()
    assert tip.text.text == FULL and tip.scene() is canvas.scene()
    assert tip.zValue() > canvas.node_item(a.id).zValue()
    QTest.mouseMove(vp, canvas.mapFromScene(QPointF(-200, -200)))
    qtbot.waitUntil(lambda: item.tip() is None)
    assert tip.scene() is None


def test_selected_alone_shows_the_full_label(qtbot, canvas):
    a, b, item = pair(canvas, 15)
    item.setSelected(True)
    assert item.tip() is not None and item.tip().text.text == FULL
    canvas.node_item(a.id).setSelected(True)  # with nodes: no tip over them
    assert item.tip() is None
    canvas.scene().clearSelection()
    item.setSelected(True)
    assert item.tip() is not None
    canvas.graph.remove_edge(item.edge_id)
    assert not [i for i in canvas.scene().items() if type(i).__name__ == "LabelTip"]


def test_no_tip_when_the_full_label_shows(qtbot, canvas):
    a, b, item = pair(canvas, 300)
    item.setSelected(True)
    assert item.tip() is None


def test_label_follows_a_moved_node(qtbot, canvas):
    a, b, item = pair(canvas, 300)
    before = item.label_rect()
    canvas.graph.move_node(b.id, (canvas.node_item(a.id).width + 300, 250))
    after = item.label_rect()
    assert after.center().y() > before.center().y() + 50
    assert_clear(canvas, item)
    assert item.shape().contains(after.center())
    # dragged with the mouse, too
    vp = canvas.viewport()
    nb = canvas.node_item(b.id)
    start = canvas.mapFromScene(nb.pos() + QPointF(60, 10))
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, start)
    for i in range(1, 5):
        QTest.mouseMove(vp, start + (canvas.mapFromScene(QPointF(0, -200)) -
                                     canvas.mapFromScene(QPointF(0, 0))) * (i / 4))
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier,
                       start + canvas.mapFromScene(QPointF(0, -200))
                       - canvas.mapFromScene(QPointF(0, 0)))
    assert item.label_rect().center().y() < after.center().y() - 50
    assert_clear(canvas, item)


def test_label_avoids_a_third_node_and_sibling_labels(qtbot, canvas):
    g = canvas.graph
    a, b, item = pair(canvas, 300)
    mid = item.label_rect().center()
    c = g.add_node("op:relu", pos=(mid.x() - 40, mid.y() - 30), label="c")  # over the chip
    x, y = g.nodes[b.id].pos
    g.move_node(b.id, (x, y + 1))  # a node in the way is seen on the next layout
    assert_clear(canvas, item)
    assert not item.label_rect().intersects(body(canvas.node_item(c.id)))
    # several edges into one variadic input: their chips do not overlap
    s1 = g.add_node("op:relu", pos=(0, 300), label="s1")
    s2 = g.add_node("op:relu", pos=(0, 420), label="s2")
    cat = g.add_node("op:cat", pos=(400, 360), label="cat")
    e1 = g.connect(s1.id, "out", cat.id, "tensors")
    e2 = g.connect(s2.id, "out", cat.id, "tensors")
    for n in (s1, s2):
        canvas.graph_scene().run.nodes[n.id] = NodeResult(n.id, shape=(32, 8), dtype="float32")
    canvas.show_results(canvas.graph_scene().run)
    r1, r2 = canvas.edge_item(e1.id).label_rect(), canvas.edge_item(e2.id).label_rect()
    assert not r1.isEmpty() and not r2.isEmpty() and not r1.intersects(r2)


def test_labels_are_painted_only_when_readable(qtbot, canvas):
    a, b, item = pair(canvas, 300)
    r = item.label_rect()
    bg = paints().background

    def label_pixels() -> int:
        canvas.scene().draw_grid = False
        canvas.resetCachedContent()
        img = canvas.viewport().grab().toImage()
        vr = canvas.mapFromScene(r).boundingRect()
        n = 0
        for y in (vr.center().y() - 3, vr.center().y() + 2):  # text rows, not the curve's
            for x in range(vr.left() + 2, vr.right() - 2):
                if img.pixelColor(x, y).lightness() > bg.lightness() + 60:
                    n += 1
        return n

    canvas.centerOn(r.center())
    assert label_pixels() > 3  # text at 100 %
    canvas.zoom_by(0.45 / canvas.zoom())
    canvas.centerOn(r.center())
    assert label_pixels() == 0  # too small to read: skipped


def test_chips_of_crossing_edges_do_not_overlap(qtbot, canvas):
    g = canvas.graph
    a1, a2 = g.add_node("op:relu", pos=(0, 0)), g.add_node("op:relu", pos=(0, 200))
    b1, b2 = g.add_node("op:relu", pos=(450, 200)), g.add_node("op:relu", pos=(450, 0))
    e1 = g.connect(a1.id, "out", b1.id, "input")
    e2 = g.connect(a2.id, "out", b2.id, "input")
    run = RunResult()
    for n in (a1, a2):
        run.nodes[n.id] = NodeResult(n.id, shape=(32, 8), dtype="float32")
    canvas.show_results(run)
    i1, i2 = canvas.edge_item(e1.id), canvas.edge_item(e2.id)
    assert i1.shown and i2.shown
    assert not i1.label_rect().intersects(i2.label_rect())
    # moving a node re-places its edge's chip around the other one
    g.move_node(b1.id, (450, 210))
    assert not i1.label_rect().intersects(i2.label_rect())


def test_a_new_graph_leaves_no_tip_behind(qtbot, canvas):
    a, b, item = pair(canvas, 15)
    item.setSelected(True)
    assert item.tip() is not None
    canvas.set_graph(Graph())
    assert not [i for i in canvas.scene().items() if type(i).__name__ == "LabelTip"]
