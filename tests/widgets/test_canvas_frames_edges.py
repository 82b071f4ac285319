"""Canvas gestures on frames (title drag, border resize, select, delete, menu) and picking an
edge up from its input (reconnect, disconnect, drop back), driven by real mouse gestures on
the view's viewport. A harness does what the app does with the signals (there: commands)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog

from widgets.canvas import GraphCanvas
from widgets.canvas.edge_item import RubberEdge
from widgets.canvas.frame_item import MEMBER_PAD, TITLE_ZONE
from widgets.canvas.frame_menu import frame_menu
from widgets.canvas.style import paints


class Harness:
    """Applies the canvas's requests to the model directly and records them."""

    def __init__(self, canvas: GraphCanvas) -> None:
        self.g = g = canvas.graph
        self.calls: list[tuple] = []
        canvas.connectRequested.connect(lambda *a: self._do("connect", a, g.connect(*a)))
        canvas.nodesMoved.connect(lambda m: self.calls.append(("nodes", m)))
        canvas.frameMoved.connect(self._frame_moved)
        canvas.frameResized.connect(
            lambda fid, r: self._do("resize", (fid, r), g.update_frame(fid, rect=r)))
        canvas.frameEditRequested.connect(
            lambda fid, ch: self._do("edit", (fid, ch), g.update_frame(fid, **ch)))
        canvas.deleteRequested.connect(
            lambda n, e, f: self._do("delete", (n, e, f), [g.remove_frame(i) for i in f]))
        canvas.edgeDisconnectRequested.connect(
            lambda eid: self._do("disconnect", (eid,), g.remove_edge(eid)))
        canvas.edgeReconnectRequested.connect(self._reconnect)
        canvas.statusMessage.connect(lambda m: self.calls.append(("status", m)))

    def _do(self, name, args, _result=None) -> None:
        self.calls.append((name, *args))

    def _frame_moved(self, fid: str, dx: float, dy: float) -> None:
        f = self.g.frames[fid]
        x, y, w, h = f.rect
        self.g.update_frame(fid, rect=(x + dx, y + dy, w, h))
        for nid in f.members:
            px, py = self.g.nodes[nid].pos
            self.g.move_node(nid, (px + dx, py + dy))
        self.calls.append(("move", fid, dx, dy))

    def _reconnect(self, eid: str, dst: str, dst_port: str) -> None:
        e = self.g.remove_edge(eid)
        self.g.connect(e.src, e.src_port, dst, dst_port)
        self.calls.append(("reconnect", eid, dst, dst_port))

    def named(self, name: str) -> list[tuple]:
        return [c for c in self.calls if c[0] == name]


def vp(canvas: GraphCanvas, x: float, y: float) -> QPoint:
    return canvas.mapFromScene(QPointF(x, y))


def drag(canvas: GraphCanvas, a: QPoint, b: QPoint, steps: int = 4) -> None:
    v = canvas.viewport()
    QTest.mousePress(v, Qt.LeftButton, Qt.NoModifier, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(v, a + (b - a) * (i / steps))
    QTest.mouseRelease(v, Qt.LeftButton, Qt.NoModifier, b)


def port_pos(canvas: GraphCanvas, node_id: str, port: str, output: bool) -> QPoint:
    return canvas.mapFromScene(canvas.graph_scene().port_item(node_id, port, output).scenePos())


def framed(canvas: GraphCanvas):
    """Node a inside a frame, node b outside; returns (a, b, frame)."""
    g = canvas.graph
    a = g.add_node("op:add", pos=(0, 0), label="a")
    b = g.add_node("op:mul", pos=(320, 40), label="b")
    g.connect(a.id, "out", b.id, "input")
    f = g.add_frame("frozen", (-30, -60, 220, 200), members=[a.id])
    return a, b, f


def title(f) -> tuple[float, float]:
    x, y, _w, _h = f.rect
    return x + 60, y + 15


def item_xy(item) -> tuple[float, float]:
    return item.pos().x(), item.pos().y()


# ---- frames ----------------------------------------------------------------------------------

def test_dragging_the_title_moves_the_frame_and_its_members(qtbot, canvas):
    h = Harness(canvas)
    a, b, f = framed(canvas)
    with qtbot.waitSignal(canvas.frameMoved) as sig:
        drag(canvas, vp(canvas, *title(f)), vp(canvas, title(f)[0] + 80, title(f)[1] + 40))
    fid, dx, dy = sig.args
    assert fid == f.id and (round(dx), round(dy)) == (80, 40)
    assert f.rect == (-30 + dx, -60 + dy, 220, 200)
    assert a.pos == (dx, dy) and b.pos == (320, 40)  # only the member moved
    assert not h.named("nodes")  # one gesture, one request: no separate node move
    scene = canvas.graph_scene()
    assert item_xy(scene.frames[f.id]) == f.rect[:2]
    assert item_xy(canvas.node_item(a.id)) == a.pos
    # the edge from the member follows it
    edge = next(iter(scene.edges.values()))
    assert edge.path().pointAtPercent(0) == canvas.node_item(a.id).outputs["out"].scenePos()
    assert canvas.selected_frame_ids() == [f.id]


def test_an_unanswered_drag_snaps_back_to_the_model(qtbot, canvas):
    a, _b, f = framed(canvas)  # nobody turns the request into a model change
    drag(canvas, vp(canvas, *title(f)), vp(canvas, title(f)[0] + 100, title(f)[1]))
    assert f.rect == (-30, -60, 220, 200) and a.pos == (0, 0)
    assert item_xy(canvas.frame_item(f.id)) == (-30, -60)
    assert item_xy(canvas.node_item(a.id)) == (0, 0)


def test_escape_cancels_a_frame_drag(qtbot, canvas):
    h = Harness(canvas)
    a, _b, f = framed(canvas)
    v = canvas.viewport()
    p = vp(canvas, *title(f))
    QTest.mousePress(v, Qt.LeftButton, Qt.NoModifier, p)
    QTest.mouseMove(v, p + QPoint(60, 60))
    assert item_xy(canvas.node_item(a.id)) != (0, 0)  # the preview moves the member
    QTest.keyClick(v, Qt.Key_Escape)
    QTest.mouseRelease(v, Qt.LeftButton, Qt.NoModifier, p + QPoint(60, 60))
    assert not h.named("move") and a.pos == (0, 0)
    assert item_xy(canvas.node_item(a.id)) == (0, 0)


def test_dragging_a_corner_resizes_and_keeps_members_inside(qtbot, canvas):
    h = Harness(canvas)
    a, _b, f = framed(canvas)
    x, y, w, hh = f.rect
    with qtbot.waitSignal(canvas.frameResized) as sig:
        drag(canvas, vp(canvas, x + w - 1, y + hh - 1), vp(canvas, x + w + 99, y + hh + 49))
    fid, rect = sig.args
    assert fid == f.id and f.rect == tuple(rect)
    assert (round(f.rect[2]), round(f.rect[3])) == (320, 250) and f.rect[:2] == (-30, -60)
    assert not h.named("move") and a.pos == (0, 0)
    item = canvas.frame_item(f.id)
    assert item.scene_rect().size().toTuple() == (f.rect[2], f.rect[3])
    # shrinking from the top-left stops where the member node would stick out
    drag(canvas, vp(canvas, x + 1, y + 1), vp(canvas, x + 200, y + 200))
    body = canvas.node_item(a.id).sceneBoundingRect()
    left, top = f.rect[0], f.rect[1]
    assert left == pytest.approx(a.pos[0] - MEMBER_PAD)
    assert top == pytest.approx(a.pos[1] - MEMBER_PAD - TITLE_ZONE)
    assert left < body.center().x() and f.members == [a.id]
    assert len(h.named("resize")) == 2


def test_edge_handles_resize_one_side(qtbot, canvas):
    Harness(canvas)
    _a, _b, f = framed(canvas)
    x, y, w, hh = f.rect
    drag(canvas, vp(canvas, x + w + 2, y + hh / 2), vp(canvas, x + w + 62, y + hh / 2 + 30))
    assert f.rect == pytest.approx((x, y, w + 60, hh))
    drag(canvas, vp(canvas, x + 100, y + hh + 2), vp(canvas, x + 100, y + hh + 42))
    assert f.rect == pytest.approx((x, y, w + 60, hh + 40))


def test_selecting_a_frame_shows_an_outline_and_handles(qtbot, canvas):
    _a, _b, f = framed(canvas)
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, vp(canvas, *title(f)))
    assert canvas.selected_frame_ids() == [f.id] and canvas.selected_node_ids() == []
    x, y, w, h = f.rect
    img = canvas.viewport().grab().toImage()
    handle = vp(canvas, x, y + h / 2)  # the handle in the middle of the left side
    assert img.pixelColor(handle).name() == paints().selected_pen.color().name()
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, vp(canvas, 600, 400))
    assert not canvas.selected_frame_ids()
    img = canvas.viewport().grab().toImage()
    assert img.pixelColor(handle).name() != paints().selected_pen.color().name()


def test_inside_a_frame_clicks_and_rubber_bands_reach_the_nodes(qtbot, canvas):
    a, _b, f = framed(canvas)
    x, y, w, h = f.rect
    inside = vp(canvas, x + 10, y + h - 15)  # empty space inside the frame
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, inside)
    assert not canvas.selected_frame_ids()
    drag(canvas, inside, vp(canvas, 40, 40))  # a rubber band over part of node a
    assert canvas.selected_node_ids() == [a.id] and not canvas.selected_frame_ids()
    assert a.pos == (0, 0)


def test_delete_key_asks_to_delete_the_selected_frame(qtbot, canvas):
    h = Harness(canvas)
    a, _b, f = framed(canvas)
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, vp(canvas, *title(f)))
    with qtbot.waitSignal(canvas.deleteRequested) as sig:
        QTest.keyClick(canvas.viewport(), Qt.Key_Delete)
    assert sig.args == [[], [], [f.id]]
    assert not canvas.graph.frames and not canvas.graph_scene().frames
    assert a.id in canvas.graph.nodes  # the nodes stay
    assert h.named("delete")


def test_frame_menu_renames_toggles_and_deletes(qtbot, canvas, monkeypatch):
    h = Harness(canvas)
    _a, _b, f = framed(canvas)
    monkeypatch.setattr(QInputDialog, "getText",
                        staticmethod(lambda *a, **k: ("inference", True)))
    menu = frame_menu(canvas, f.id)
    texts = [act.text() for act in menu.actions() if not act.isSeparator()]
    assert texts[0].startswith("Rename") and "no_grad" in texts[1] and "Delete" in texts[2]
    assert menu.actions()[1].isChecked()
    menu.actions()[0].trigger()
    assert f.label == "inference" and "inference" in canvas.frame_item(f.id)._title
    menu.actions()[1].trigger()  # unchecks: no_grad off
    assert f.no_grad is False and "no_grad" not in canvas.frame_item(f.id)._title
    menu.actions()[-1].trigger()
    assert not canvas.graph.frames
    assert [c[0] for c in h.calls] == ["edit", "edit", "delete"]


def test_double_click_on_the_title_renames(qtbot, canvas, monkeypatch):
    Harness(canvas)
    _a, _b, f = framed(canvas)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("eval", True)))
    with qtbot.assertNotEmitted(canvas.quickAddRequested):
        QTest.mouseDClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, vp(canvas, *title(f)))
    assert f.label == "eval"


# ---- picking an edge up from its input -----------------------------------------------------

def chain(canvas: GraphCanvas):
    """a.out -> b.input; c beside b; returns (a, b, c, edge)."""
    g = canvas.graph
    a = g.add_node("op:add", pos=(0, 0), label="a")
    b = g.add_node("op:mul", pos=(300, -60), label="b")
    c = g.add_node("op:mul", pos=(300, 140), label="c")
    e = g.connect(a.id, "out", b.id, "input")
    return a, b, c, e


def test_picked_up_edge_follows_the_mouse_from_its_source(qtbot, canvas):
    Harness(canvas)
    a, b, _c, e = chain(canvas)
    v = canvas.viewport()
    start = port_pos(canvas, b.id, "input", False)
    QTest.mousePress(v, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(v, start + QPoint(-60, 120))
    (rubber,) = [i for i in canvas.scene().items() if isinstance(i, RubberEdge)]
    src = canvas.graph_scene().port_item(a.id, "out", True).scenePos()
    assert rubber.path().pointAtPercent(0) == src
    assert rubber.path().pointAtPercent(1) == canvas.mapToScene(start + QPoint(-60, 120))
    assert not canvas.edge_item(e.id).isVisible()  # the rubber edge stands in for it
    QTest.keyClick(v, Qt.Key_Escape)
    QTest.mouseRelease(v, Qt.LeftButton, Qt.NoModifier, start + QPoint(-60, 120))
    assert canvas.edge_item(e.id).isVisible() and e.id in canvas.graph.edges


def test_drop_on_another_input_reconnects(qtbot, canvas):
    h = Harness(canvas)
    a, b, c, e = chain(canvas)
    with qtbot.waitSignal(canvas.edgeReconnectRequested) as sig:
        drag(canvas, port_pos(canvas, b.id, "input", False), port_pos(canvas, c.id, "input", False))
    assert sig.args == [e.id, c.id, "input"]
    (edge,) = canvas.graph.edges.values()
    assert (edge.src, edge.src_port, edge.dst, edge.dst_port) == (a.id, "out", c.id, "input")
    item = canvas.edge_item(edge.id)
    assert item.isVisible() and item.dst is canvas.graph_scene().port_item(c.id, "input", False)
    assert not canvas.graph_scene().port_item(b.id, "input", False).connected
    assert not h.named("connect")


def test_drop_on_empty_canvas_disconnects(qtbot, canvas):
    Harness(canvas)
    _a, b, _c, e = chain(canvas)
    with qtbot.waitSignal(canvas.edgeDisconnectRequested) as sig:
        drag(canvas, port_pos(canvas, b.id, "input", False), vp(canvas, 150, 300))
    assert sig.args == [e.id]
    assert not canvas.graph.edges and not canvas.graph_scene().edges
    assert not [i for i in canvas.scene().items() if isinstance(i, RubberEdge)]


def test_drop_back_on_the_same_port_or_a_click_changes_nothing(qtbot, canvas):
    h = Harness(canvas)
    _a, b, _c, e = chain(canvas)
    start = port_pos(canvas, b.id, "input", False)
    drag(canvas, start, start + QPoint(-80, 90))  # away ...
    assert h.named("disconnect")  # (that one disconnected; put it back)
    canvas.graph.restore_edge(e)
    h.calls.clear()
    v = canvas.viewport()
    QTest.mousePress(v, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(v, start + QPoint(-80, 90))
    QTest.mouseMove(v, start + QPoint(1, 1))  # ... and back
    QTest.mouseRelease(v, Qt.LeftButton, Qt.NoModifier, start + QPoint(1, 1))
    QTest.mouseClick(v, Qt.LeftButton, Qt.NoModifier, start)  # a plain click
    assert [c for c in h.calls if c[0] != "status"] == []
    assert list(canvas.graph.edges) == [e.id] and canvas.edge_item(e.id).isVisible()


def test_refused_targets_leave_the_edge_where_it_was(qtbot, canvas):
    h = Harness(canvas)
    a, b, c, e = chain(canvas)
    g = canvas.graph
    g.connect(b.id, "out", c.id, "input")
    # c.input is taken, and a's own input would make a cycle... a -> a is refused too
    for target in (port_pos(canvas, c.id, "input", False), port_pos(canvas, a.id, "other", False),
                   port_pos(canvas, c.id, "out", True)):
        drag(canvas, port_pos(canvas, b.id, "input", False), target)
    assert g.edges[e.id] == e and len(g.edges) == 2
    assert not h.named("reconnect") and not h.named("disconnect")
    msgs = [m for _n, m in h.named("status")]
    assert any("already connected" in m for m in msgs)
    assert any("itself" in m for m in msgs) and any("output" in m for m in msgs)
    assert canvas.edge_item(e.id).isVisible()


def test_hovering_a_target_marks_it(qtbot, canvas):
    Harness(canvas)
    _a, b, c, _e = chain(canvas)
    v = canvas.viewport()
    start = port_pos(canvas, b.id, "input", False)
    QTest.mousePress(v, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(v, start + QPoint(-40, 40))
    QTest.mouseMove(v, port_pos(canvas, c.id, "input", False))
    assert canvas.graph_scene().port_item(c.id, "input", False).hover == "ok"
    (rubber,) = [i for i in canvas.scene().items() if isinstance(i, RubberEdge)]
    assert rubber.pen().color() == paints().rubber_ok_pen.color()
    QTest.mouseRelease(v, Qt.LeftButton, Qt.NoModifier, port_pos(canvas, c.id, "input", False))
    assert canvas.graph_scene().port_item(c.id, "input", False).hover is None
