"""Frame and edge gestures in the real window end as one undo command each: frame move (with
its members), resize, rename, no_grad toggle, delete; an edge picked up from its input and
reconnected, disconnected, or dropped back. Plus the commands on their own."""
from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QUndoStack
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QInputDialog

from app import commands as C
from engine.graph.kinds import get_kind
from engine.graph.model import Graph, GraphError
from widgets.canvas.frame_menu import frame_menu

from gui_helpers import mouse_drag, port_pos


def add(w, kind: str, x: float, y: float) -> str:
    return w.edit.add_node(kind, QPointF(x, y))


def frame_state(g: Graph):
    return {i: (f.label, tuple(f.rect), f.no_grad, list(f.members)) for i, f in g.frames.items()}


def state(g: Graph):
    return ({i: n.pos for i, n in g.nodes.items()}, dict(g.edges), frame_state(g))


def vp(w, x: float, y: float) -> QPoint:
    return w.canvas.mapFromScene(QPointF(x, y))


@pytest.fixture
def framed(window):
    """Nodes a and b in a frame (made with the Edit action), c outside; the view shows them."""
    a = add(window, "op:add", 0, 0)
    b = add(window, "op:mul", 0, 160)
    c = add(window, "op:mul", 400, 0)
    window.edit.push(lambda: C.Connect(window.document.graph, a, "out", c, "input"))
    window.canvas.select_nodes([a, b])
    fid = window.edit.add_frame()
    window.canvas.resetTransform()
    window.canvas.centerOn(200, 100)
    window.canvas.setFocus()
    return window, a, b, c, fid


def title_pos(w, fid: str) -> QPoint:
    x, y, _w, _h = w.document.graph.frames[fid].rect
    return vp(w, x + 70, y + 14)


def test_frame_move_is_one_command_and_undo_puts_all_back(qtbot, framed):
    w, a, b, c, fid = framed
    g, stack = w.document.graph, w.document.undo_stack
    before, n = state(g), stack.count()
    p = title_pos(w, fid)
    mouse_drag(w.canvas.viewport(), p, p + QPoint(120, 60))
    assert stack.count() == n + 1 and stack.undoText() == "Move frame"
    ax, ay = g.nodes[a].pos
    assert (round(ax), round(ay)) == (120, 60) and g.nodes[b].pos == (ax, ay + 160)
    assert g.nodes[c].pos == (400, 0)
    fx, fy = g.frames[fid].rect[:2]
    assert (fx, fy) == (before[2][fid][1][0] + ax, before[2][fid][1][1] + ay)
    # a second drag of the same frame merges into the same command
    mouse_drag(w.canvas.viewport(), title_pos(w, fid), title_pos(w, fid) + QPoint(-20, 0))
    assert stack.count() == n + 1
    moved = state(g)
    w.action("undo").trigger()
    assert state(g) == before
    assert w.canvas.node_item(a).pos().toTuple() == before[0][a]
    assert w.canvas.frame_item(fid).pos().toTuple() == before[2][fid][1][:2]
    w.action("redo").trigger()
    assert state(g) == moved


def test_resize_is_one_command(qtbot, framed):
    w, a, b, _c, fid = framed
    g, stack = w.document.graph, w.document.undo_stack
    x, y, fw, fh = old = g.frames[fid].rect
    n = stack.count()
    mouse_drag(w.canvas.viewport(), vp(w, x + fw - 1, y + fh - 1), vp(w, x + fw + 79, y + fh + 39))
    assert stack.count() == n + 1 and stack.undoText() == "Resize frame"
    new = g.frames[fid].rect
    assert new[:2] == old[:2] and (round(new[2] - fw), round(new[3] - fh)) == (80, 40)
    assert sorted(g.frames[fid].members) == sorted([a, b])
    w.action("undo").trigger()
    assert g.frames[fid].rect == old
    assert w.canvas.frame_item(fid).scene_rect().getRect() == old
    w.action("redo").trigger()
    assert g.frames[fid].rect == new


def test_delete_frame_and_undo_restores_it_exactly(qtbot, framed):
    w, a, b, _c, fid = framed
    g = w.document.graph
    before = frame_state(g)
    QTest.mouseClick(w.canvas.viewport(), Qt.LeftButton, Qt.NoModifier, title_pos(w, fid))
    assert w.canvas.selected_frame_ids() == [fid]
    QTest.keyClick(w.canvas.viewport(), Qt.Key_Delete)
    assert not g.frames and a in g.nodes and b in g.nodes
    assert w.document.undo_stack.undoText() == "Delete frame"
    w.action("undo").trigger()
    assert frame_state(g) == before and fid in w.canvas.graph_scene().frames
    w.action("redo").trigger()
    assert not g.frames and not w.canvas.graph_scene().frames


def test_delete_frame_with_its_nodes_is_one_command(qtbot, framed):
    w, a, b, c, fid = framed
    g = w.document.graph
    before = state(g)
    w.canvas.select_nodes([a])
    item = w.canvas.frame_item(fid)
    QTest.mouseClick(w.canvas.viewport(), Qt.LeftButton, Qt.ControlModifier, title_pos(w, fid))
    assert item.isSelected() and w.canvas.selected_node_ids() == [a]
    w.action("delete").trigger()  # the Edit menu's Delete
    assert not g.frames and a not in g.nodes and not g.edges
    w.action("undo").trigger()
    assert state(g) == before


def test_menu_rename_toggle_delete_undo(qtbot, framed, monkeypatch):
    w, _a, _b, _c, fid = framed
    g = w.document.graph
    before = frame_state(g)
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: ("eval", True)))
    QTest.mouseDClick(w.canvas.viewport(), Qt.LeftButton, Qt.NoModifier, title_pos(w, fid))
    assert g.frames[fid].label == "eval"
    assert w.document.undo_stack.undoText() == "Rename frame"
    menu = frame_menu(w.canvas, fid)
    menu.actions()[1].trigger()
    assert g.frames[fid].no_grad is False
    assert w.document.undo_stack.undoText() == "Turn no_grad off"
    menu.actions()[-1].trigger()
    assert not g.frames
    for _ in range(3):
        w.action("undo").trigger()
    assert frame_state(g) == before
    for _ in range(3):
        w.action("redo").trigger()
    assert not g.frames


# ---- edges picked up from their input --------------------------------------------------------

@pytest.fixture
def wired(window):
    a = add(window, "op:add", 0, 0)
    b = add(window, "op:mul", 320, -80)
    c = add(window, "op:mul", 320, 140)
    window.edit.push(lambda: C.Connect(window.document.graph, a, "out", b, "input"))
    window.canvas.resetTransform()
    window.canvas.centerOn(250, 80)
    (edge,) = window.document.graph.edges.values()
    return window, a, b, c, edge


def test_pick_up_and_reconnect_is_one_command(qtbot, wired):
    w, a, b, c, edge = wired
    g, stack = w.document.graph, w.document.undo_stack
    n = stack.count()
    mouse_drag(w.canvas.viewport(), port_pos(w.canvas, b, "input", False),
               port_pos(w.canvas, c, "input", False))
    assert stack.count() == n + 1 and stack.undoText() == "Reconnect"
    (new,) = g.edges.values()
    assert (new.src, new.dst, new.dst_port) == (a, c, "input")
    assert w.canvas.edge_item(new.id) is not None and w.canvas.edge_item(edge.id) is None
    w.action("undo").trigger()
    assert list(g.edges.values()) == [edge] and w.canvas.edge_item(edge.id).isVisible()
    w.action("redo").trigger()
    assert list(g.edges.values()) == [new]


def test_pick_up_and_drop_on_empty_canvas_disconnects(qtbot, wired):
    w, _a, b, _c, edge = wired
    g, stack = w.document.graph, w.document.undo_stack
    n = stack.count()
    mouse_drag(w.canvas.viewport(), port_pos(w.canvas, b, "input", False), vp(w, 150, 320))
    assert stack.count() == n + 1 and stack.undoText() == "Disconnect" and not g.edges
    w.action("undo").trigger()
    assert list(g.edges.values()) == [edge] and w.canvas.edge_item(edge.id) is not None
    w.action("redo").trigger()
    assert not g.edges and not w.canvas.graph_scene().edges


def test_drop_back_or_on_a_refused_port_pushes_nothing(qtbot, wired):
    w, a, b, c, edge = wired
    g, stack = w.document.graph, w.document.undo_stack
    w.edit.push(lambda: C.Connect(g, b, "out", c, "input"))
    n, before = stack.count(), state(g)
    start = port_pos(w.canvas, b, "input", False)
    v = w.canvas.viewport()
    QTest.mousePress(v, Qt.LeftButton, Qt.NoModifier, start)
    QTest.mouseMove(v, start + QPoint(-70, 80))
    QTest.mouseMove(v, start)
    QTest.mouseRelease(v, Qt.LeftButton, Qt.NoModifier, start)
    assert stack.count() == n and state(g) == before
    mouse_drag(v, start, port_pos(w.canvas, c, "input", False))  # c.input is taken
    assert stack.count() == n and state(g) == before
    assert "already connected" in w.statusBar().currentMessage()
    assert w.canvas.edge_item(edge.id).isVisible()


# ---- the commands on their own ---------------------------------------------------------------

def test_reconnect_into_a_variadic_input_goes_last_and_refusals_change_nothing(qapp):
    g = Graph()
    xs = [g.add_node("op:add", pos=(0, 100 * i)) for i in range(3)]
    cat = g.add_node("op:cat")
    m = g.add_node("op:mul")
    port = next(p.name for p in get_kind("op:cat").inputs if p.variadic)
    e0 = g.connect(xs[0].id, "out", cat.id, port)
    g.connect(xs[1].id, "out", cat.id, port)
    e2 = g.connect(xs[2].id, "out", m.id, "input")
    stack = QUndoStack()
    g.remove_edge(e0.id)  # a gap at index 0
    stack.push(C.Reconnect(g, e2.id, cat.id, port))
    idx = sorted(e.index for e in g.edges.values() if e.dst == cat.id)
    assert idx == [1, 2]
    stack.undo()
    assert g.edges[e2.id] == e2
    before = dict(g.edges)
    with pytest.raises(GraphError):
        C.Reconnect(g, e2.id, xs[2].id, "input")  # a node cannot feed itself
    with pytest.raises(GraphError):
        C.Reconnect(g, e2.id, m.id, "input")  # already there
    with pytest.raises(GraphError):
        C.Disconnect(g, "gone")
    assert g.edges == before


def test_move_frame_commands_merge_per_frame(qapp):
    g = Graph()
    a = g.add_node("op:add", pos=(0, 0))
    f = g.add_frame("f", (-10, -40, 200, 150), members=[a.id])
    stack = QUndoStack()
    stack.push(C.MoveFrame(g, f.id, 10, 5))
    stack.push(C.MoveFrame(g, f.id, 10, 5))
    assert stack.count() == 1 and g.frames[f.id].rect == (10, -30, 200, 150)
    assert g.nodes[a.id].pos == (20, 10)
    stack.push(C.UpdateFrame(g, f.id, no_grad=False))
    stack.push(C.UpdateFrame(g, f.id, no_grad=True))  # toggles never merge
    assert stack.count() == 3
    stack.undo()
    stack.undo()
    stack.undo()
    assert g.frames[f.id].rect == (-10, -40, 200, 150) and g.nodes[a.id].pos == (0, 0)
    with pytest.raises(GraphError):
        C.UpdateFrame(g, f.id, colour="red")
    with pytest.raises(GraphError):
        C.MoveFrame(g, "gone", 1, 1)
