"""The main window driven by real gestures: drops from the palette, port drags, inspector
keystrokes, toolbar and menu actions; the model, the undo stack and the panels checked after
each; and the worker keeping the window responsive during a long training run."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PySide6.QtCore import QPoint, QPointF, Qt, QTimer
from PySide6.QtTest import QTest

from app.commands import Connect, SetAttr
from resources import examples_dir

from gui_helpers import click_tool, menu_action, mouse_drag, port_pos, send_drop

X = [[1.0, -2.0], [3.0, 0.5]]


def add(w, kind: str, x: float, y: float, **attrs) -> str:
    """Add a node the way the app does (an undo command), then set attributes."""
    nid = w.edit.add_node(kind, QPointF(x, y))
    for k, v in attrs.items():
        w.edit.push(lambda k=k, v=v: SetAttr(w.document.graph, nid, k, v))
    return nid


def connect(w, src: str, dst: str, port: str) -> None:
    w.edit.push(lambda: Connect(w.document.graph, src, "out", dst, port))


def table_values(pane) -> np.ndarray:
    """The numbers a viewer pane's table shows, as an array (2-D planes)."""
    m = pane.model
    rows = [[float(m.data(m.index(r, c))) for c in range(m.columnCount())]
            for r in range(m.rowCount())]
    return np.array(rows)


# ---- building by gestures ----------------------------------------------------------------------

def test_drop_from_palette_adds_an_undoable_node(qtbot, window):
    canvas = window.canvas
    mime = window.palette_panel.mime_data_for("op:mul")
    target = QPoint(canvas.viewport().width() // 2, canvas.viewport().height() // 2)
    send_drop(canvas.viewport(), mime, target)
    (node,) = window.document.graph.nodes.values()
    assert node.kind == "op:mul"
    item = canvas.node_item(node.id)
    assert item is not None and item.sceneBoundingRect().contains(canvas.mapToScene(target))
    assert window.document.modified and window.windowTitle().startswith("Untitled *")
    assert window.selected == node.id and window.inspector.node_id == node.id
    window.action("undo").trigger()
    assert not window.document.graph.nodes and canvas.node_item(node.id) is None


def test_double_click_in_palette_adds_at_view_centre(qtbot, window):
    pal = window.palette_panel
    item = pal.item_for("op:add")
    pal.tree.scrollToItem(item)
    rect = pal.tree.visualItemRect(item)
    QTest.mouseClick(pal.tree.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    QTest.mouseDClick(pal.tree.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    (node,) = window.document.graph.nodes.values()
    assert node.kind == "op:add"
    centre = window.canvas.mapToScene(window.canvas.viewport().rect().center())
    assert window.canvas.node_item(node.id).sceneBoundingRect().contains(centre)


def test_connect_two_ports_with_the_mouse(qtbot, window):
    a = add(window, "op:add", 0, 0)
    b = add(window, "op:mul", 320, 40)
    window.canvas.fit_to_view()
    vp = window.canvas.viewport()
    mouse_drag(vp, port_pos(window.canvas, a, "out", True),
               port_pos(window.canvas, b, "other", False))
    (edge,) = window.document.graph.edges.values()
    assert (edge.src, edge.src_port, edge.dst, edge.dst_port) == (a, "out", b, "other")
    assert window.canvas.edge_item(edge.id) is not None
    assert window.document.undo_stack.undoText() == "Connect"
    # the reverse connection would be a cycle: refused with a message, nothing changes
    mouse_drag(vp, port_pos(window.canvas, b, "out", True),
               port_pos(window.canvas, a, "input", False))
    assert len(window.document.graph.edges) == 1
    assert "cycle" in window.statusBar().currentMessage()


def test_refused_command_is_a_status_message_not_a_crash(qtbot, window):
    a = add(window, "op:add", 0, 0)
    connect(window, a, a, "input")
    assert not window.document.graph.edges
    assert "cannot feed itself" in window.statusBar().currentMessage()


def test_edit_attribute_in_inspector_with_keys_then_undo(qtbot, window):
    nid = add(window, "op:add", 0, 0)
    window.canvas.select_nodes([nid])
    editor = window.inspector.editor("alpha")
    edit = editor.edit
    edit.setFocus()
    edit.selectAll()
    QTest.keyClicks(edit, "3")
    QTest.keyClick(edit, Qt.Key_Return)
    g = window.document.graph
    assert g.nodes[nid].attrs["alpha"] == 3
    assert window.document.undo_stack.undoText() == "Set alpha"
    menu_action(window, "Edit", "Undo").trigger()
    assert g.nodes[nid].attrs["alpha"] == 1
    assert window.inspector.editor("alpha").edit.text() == "1"
    menu_action(window, "Edit", "Redo").trigger()
    assert g.nodes[nid].attrs["alpha"] == 3


def test_bad_value_in_inspector_changes_nothing(qtbot, window):
    nid = add(window, "op:add", 0, 0)
    window.canvas.select_nodes([nid])
    edit = window.inspector.editor("alpha").edit
    edit.setFocus()
    edit.selectAll()
    QTest.keyClicks(edit, "abc")
    QTest.keyClick(edit, Qt.Key_Return)
    assert window.document.graph.nodes[nid].attrs["alpha"] == 1
    assert window.document.undo_stack.count() == 1  # only the AddNode


def build_square_sum(window) -> tuple[str, str, str]:
    """x (requires_grad, set by clicking the inspector's box) -> x * x -> sum."""
    x = add(window, "source:tensor", 0, 0, data=X)
    window.canvas.select_nodes([x])
    box = window.inspector.requires_grad_box
    qtbot_click(box)
    assert window.document.graph.nodes[x].attrs["requires_grad"] is True
    sq = add(window, "op:mul", 260, 0)
    s = add(window, "op:sum", 520, 0)
    connect(window, x, sq, "input")
    connect(window, x, sq, "other")
    connect(window, sq, s, "input")
    return x, sq, s


def qtbot_click(widget) -> None:
    QTest.mouseClick(widget, Qt.LeftButton, Qt.NoModifier,
                     QPoint(8, widget.height() // 2))


def test_run_and_backward_from_the_toolbar_shows_value_and_grad(qtbot, window):
    x, sq, s = build_square_sum(window)
    click_tool(qtbot, window, "run_backward")
    assert window.runs.wait()
    tx = torch.tensor(X, requires_grad=True)
    out = (tx * tx).sum()
    out.backward()
    window.canvas.select_nodes([x])
    assert np.allclose(table_values(window.viewer.value_pane), tx.detach().numpy())
    assert window.viewer.grad_source.currentData() == ".grad"
    assert np.allclose(table_values(window.viewer.grad_pane), tx.grad.numpy())
    assert "is a leaf" in window.gradfn.caption.text()
    window.canvas.select_nodes([s])
    assert float(window.viewer.value_pane.model.data(
        window.viewer.value_pane.model.index(0, 0))) == pytest.approx(out.item())
    assert "SumBackward0" in window.viewer.header.text()
    assert "SumBackward0" in window.gradfn.caption.text()
    assert {"SumBackward0", "MulBackward0", "AccumulateGrad"} <= \
        {b.fn_name for b in window.gradfn.boxes}
    labels = [r.label for r in window.timing.rows]
    assert set(labels) >= {window.document.graph.nodes[n].label for n in (x, sq, s)}
    # a second backward accumulates, as in PyTorch; Zero grad clears
    click_tool(qtbot, window, "backward")
    assert window.runs.wait()
    window.canvas.select_nodes([x])
    assert np.allclose(table_values(window.viewer.grad_pane), 2 * tx.grad.numpy())
    click_tool(qtbot, window, "zero_grad")
    assert window.runs.wait()
    assert window.runs.last.nodes[x].grad is None


def test_error_goes_to_the_log_with_its_node_and_selects_it(qtbot, window):
    a = add(window, "source:tensor", 0, 0, data=[[1.0, 2.0, 3.0]])
    b = add(window, "source:tensor", 0, 160, data=[[1.0, 2.0]])
    mm = add(window, "op:matmul", 300, 60)
    connect(window, a, mm, "input")
    connect(window, b, mm, "other")
    click_tool(qtbot, window, "run")
    assert window.runs.wait()
    errs = [e for e in window.log.entries() if e.level == "error"]
    assert errs and errs[0].node_id == mm
    window.canvas.select_nodes([])
    window.log.nodeSelected.emit(mm)
    assert window.canvas.selected_node_ids() == [mm]
    assert window.inspector.node_id == mm
    assert window.runs.last.nodes[mm].error in window.viewer.header.text() or \
        "Error" in window.viewer.header.text()


def test_panel_click_selects_on_canvas_and_back(qtbot, window):
    x, sq, s = build_square_sum(window)
    window.runs.run_and_backward()
    assert window.runs.wait()
    window.timing.nodeSelected.emit(sq)
    assert window.canvas.selected_node_ids() == [sq]
    assert window.timing.chart.selected == sq
    window.gradfn.nodeSelected.emit(x)
    assert window.canvas.selected_node_ids() == [x]


def test_edit_actions_copy_paste_duplicate_delete_frame(qtbot, window):
    a = add(window, "op:add", 0, 0)
    b = add(window, "op:mul", 300, 0)
    connect(window, a, b, "input")
    g = window.document.graph
    window.canvas.setFocus()
    window.canvas.select_nodes([a, b])
    window.action("copy").trigger()
    window.action("paste").trigger()
    assert len(g.nodes) == 4 and len(g.edges) == 2
    assert set(window.canvas.selected_node_ids()) == set(g.nodes) - {a, b}
    window.action("duplicate").trigger()
    assert len(g.nodes) == 6 and len(g.edges) == 3
    window.action("delete").trigger()
    assert len(g.nodes) == 4
    window.canvas.select_nodes([a])
    QTest.keyClick(window.canvas.viewport(), Qt.Key_Delete)  # the shortcut, on the canvas
    assert a not in g.nodes and len(g.edges) == 1
    window.action("undo").trigger()
    assert a in g.nodes and len(g.edges) == 2
    window.canvas.select_nodes([a, b])
    window.action("frame").trigger()
    (frame,) = g.frames.values()
    assert frame.no_grad and set(frame.members) == {a, b}
    window.action("undo").trigger()
    assert not g.frames
    window.action("select_all").trigger()
    assert set(window.canvas.selected_node_ids()) == set(g.nodes)
    window.action("cut").trigger()
    assert not g.nodes
    window.action("undo").trigger()
    assert len(g.nodes) == 4


def test_device_selector_greys_out_cuda_when_absent(qtbot, window):
    import engine.cuda

    box = window.runs.device_box
    texts = [box.itemText(i) for i in range(box.count())]
    assert texts[0] == "CPU"
    if not engine.cuda.is_available():
        i = texts.index("CUDA")
        assert not box.model().item(i).isEnabled()
        assert engine.cuda.unavailable_reason() in box.itemData(i, Qt.ToolTipRole)
        assert not window.runs.set_device("cuda")
    assert window.runs.device == "cpu"


def test_auto_run_reruns_after_an_edit(qtbot, window):
    x, sq, s = build_square_sum(window)
    window.action("auto_run").trigger()
    assert window.runs.auto_run and window.runs.wait()
    assert window.runs.last.nodes[s].tensor.item() == pytest.approx(sum(v * v for r in X
                                                                         for v in r))
    window.edit.push(lambda: SetAttr(window.document.graph, x, "data", [[2.0]]))
    qtbot.waitUntil(lambda: not window.runs.runner.busy and window.runs.last is not None
                    and window.runs.last.nodes[s].tensor is not None
                    and window.runs.last.nodes[s].tensor.item() == pytest.approx(4.0))


def test_grad_colouring_toggle_and_zoom_actions(qtbot, window):
    build_square_sum(window)
    window.runs.run_and_backward()
    assert window.runs.wait()
    act = window.action("grad_coloring")
    act.setChecked(False)
    act.trigger()  # -> on
    assert window.canvas.legend is not None
    z = window.canvas.zoom()
    window.action("zoom_in").trigger()
    assert window.canvas.zoom() > z
    window.action("fit").trigger()
    window.action("zoom_out").trigger()


# ---- the worker ----------------------------------------------------------------------------------

def open_network(window) -> None:
    assert window.files.open_example(examples_dir() / "22_small_network.gradlab")
    assert window.runs.wait()


def test_training_keeps_the_gui_responsive_and_cancel_stops_it(qtbot, window):
    open_network(window)
    assert window.action("train").isEnabled()
    ticks = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(window.runs.busy))
    timer.start()
    window.runs.train(1_000_000)
    assert window.runs.busy and window.action("cancel").isEnabled()
    assert not window.action("run").isEnabled()
    # the GUI thread keeps handling timers while training runs
    qtbot.waitUntil(lambda: sum(ticks) >= 20 and len(window.loss_plot.losses) > 5,
                    timeout=20_000)
    # and edits during the run are allowed: they reach the executor after it
    nid = window.edit.add_node("op:relu")
    assert nid in window.document.graph.nodes and window.runs.busy
    click_tool(qtbot, window, "cancel")
    assert window.runs.wait()
    timer.stop()
    losses = window.loss_plot.losses
    assert 5 < len(losses) < 1_000_000
    assert losses[-1] < losses[0]
    assert any("cancelled" in e.text for e in window.log.entries())
    assert window.action("run").isEnabled()
    window.runs.run_forward()
    assert window.runs.wait()
    assert nid in window.runs.last.nodes  # the node added during training has run


def test_step_runs_one_training_step(qtbot, window):
    open_network(window)
    click_tool(qtbot, window, "step")
    assert window.runs.wait()
    assert len(window.loss_plot.losses) == 1


def test_edits_during_a_run_never_reach_the_running_executor(qtbot, window):
    """The executor follows a mirror that is only synced between jobs."""
    open_network(window)
    mirror = window.runs.runner.mirror
    window.runs.train(1_000_000)
    n_before = len(mirror.graph.nodes)
    for i in range(5):
        window.edit.add_node("op:exp")
    assert len(mirror.graph.nodes) == n_before
    window.runs.cancel()
    assert window.runs.wait()
    assert mirror.graph == window.document.graph or mirror.dirty
    window.runs.run_forward()
    assert window.runs.wait()
    assert {n: (m.kind, m.attrs) for n, m in mirror.graph.nodes.items()} == \
        {n: (m.kind, m.attrs) for n, m in window.document.graph.nodes.items()}


def test_mirror_follows_undo_and_redo_exactly(qtbot, window):
    from app.worker import GraphMirror

    open_network(window)
    g = window.document.graph
    mirror = GraphMirror(g)
    mirror.sync()
    ids = list(g.nodes)
    window.canvas.select_nodes(ids[:3])
    window.action("duplicate").trigger()
    window.canvas.select_nodes(ids[2:5])
    window.action("delete").trigger()
    window.canvas.select_nodes(ids[:2])
    window.action("frame").trigger()
    for _ in range(2):
        window.action("undo").trigger()
    mirror.sync()
    assert mirror.graph.nodes.keys() == g.nodes.keys()
    assert mirror.graph.edges == g.edges
    window.action("redo").trigger()
    mirror.sync()
    assert mirror.graph.edges == g.edges and mirror.graph.frames.keys() == g.frames.keys()
    mirror.close()


def test_tab_opens_quick_add_and_enter_adds_the_kind(qtbot, window):
    canvas = window.canvas
    canvas.setFocus()
    QTest.keyClick(canvas, Qt.Key_Tab)
    quick = window.edit.quick
    qtbot.waitUntil(quick.isVisible)
    QTest.keyClicks(quick.search, "sigmoid")
    QTest.keyClick(quick.search, Qt.Key_Return)
    (node,) = window.document.graph.nodes.values()
    assert node.kind == "op:sigmoid" and not quick.isVisible()
    assert window.document.undo_stack.undoText() == "Add sigmoid"


def test_opening_another_file_during_training_drops_the_old_run(qtbot, window):
    open_network(window)
    window.runs.train(1_000_000)
    qtbot.waitUntil(lambda: len(window.loss_plot.losses) > 2, timeout=20_000)
    assert window.files.open_example(examples_dir() / "03_scalar_derivative.gradlab")
    assert window.runs.wait()
    g = window.document.graph
    assert window.runs.last is not None and set(window.runs.last.nodes) == set(g.nodes)
    assert not window.loss_plot.losses  # the curve belonged to the other graph
    assert all(window.canvas.node_item(n) is not None for n in g.nodes)
