"""The inspector driven by real key and mouse events: each edit comes out as one signal with
the validated value, invalid input shows its error and emits nothing, and the inspector
follows the graph's events (as undo changes them)."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QFileDialog

from engine import cuda
from engine.graph.execute import Executor
from engine.graph.model import Graph
from tests.widgets.conftest import mul_sum_graph
from widgets.attr_editors import parse_ints
from widgets.data_table_editor import parse_nested, parse_number
from widgets.inspector import Inspector


@pytest.fixture
def graph():
    g, x, m, s = mul_sum_graph()
    Executor(g).run(backward=True)
    return g, x, m, s


@pytest.fixture
def inspector(qtbot):
    ins = Inspector()
    qtbot.addWidget(ins)
    ins.resize(360, 700)
    ins.show()
    qtbot.waitExposed(ins)
    return ins


def apply_to_model(ins: Inspector, g: Graph) -> None:
    """What the app does (there through undo commands)."""
    ins.attrEdited.connect(lambda nid, name, v: g.set_attr(nid, name, v))
    ins.flagEdited.connect(lambda nid, name, v: g.set_flag(nid, name, v))
    ins.labelEdited.connect(lambda nid, text: g.set_label(nid, text))


def type_into(qtbot, edit, text: str) -> None:
    edit.setFocus()
    QTest.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(edit, text)


def test_shows_node_kind_doc_and_one_editor_per_attribute(inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, s.id)
    assert inspector.label_edit.text() == "s"
    assert set(inspector.editors) == {"dim", "keepdim", "dtype"}
    assert inspector.editor("dim").edit.text() == "None"
    inspector.set_node(g, None)
    assert inspector.editors == {}


def test_scalar_typed_and_enter_emits_attr_edited(qtbot, inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, m.id)
    ed = inspector.editor("other")
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        type_into(qtbot, ed.edit, "2.5")
        QTest.keyClick(ed.edit, Qt.Key.Key_Return)
    assert sig.args == [m.id, "other", 2.5]
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        type_into(qtbot, ed.edit, "4")
        QTest.keyClick(ed.edit, Qt.Key.Key_Return)
    assert sig.args == [m.id, "other", 4] and type(sig.args[2]) is int


def test_invalid_number_shows_error_and_emits_nothing(qtbot, inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, m.id)
    ed = inspector.editor("other")
    with qtbot.assertNotEmitted(inspector.attrEdited):
        type_into(qtbot, ed.edit, "abc")
        QTest.keyClick(ed.edit, Qt.Key.Key_Return)
    assert "not a number" in ed.error
    assert ed.error_label.isVisible()
    assert "e5484d" in ed.edit.styleSheet()
    type_into(qtbot, ed.edit, "1e-3")  # fixing it clears the error as one types
    assert ed.error == "" and ed.edit.styleSheet() == ""


def test_shape_editor_parses_and_validates(qtbot, inspector, graph):
    g = graph[0]
    p = g.add_node("special:parameter", label="w")
    inspector.set_node(g, p.id)
    ed = inspector.editor("shape")
    assert ed.edit.text() == "(2, 2)"
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        type_into(qtbot, ed.edit, "3, 4")
        QTest.keyClick(ed.edit, Qt.Key.Key_Return)
    assert sig.args == [p.id, "shape", (3, 4)]
    with qtbot.assertNotEmitted(inspector.attrEdited):
        type_into(qtbot, ed.edit, "(2, -5)")
        QTest.keyClick(ed.edit, Qt.Key.Key_Return)
    assert "shape" in ed.error


def test_parse_ints_forms():
    assert parse_ints("2, 3") == (2, 3) == parse_ints("(2, 3)") == parse_ints("[2,3]")
    assert parse_ints("(2,)") == (2,) and parse_ints("2,") == (2,)
    assert parse_ints("1", "dims") == 1 and parse_ints("(1,)", "dims") == (1,)
    assert parse_ints("", "dims", optional=True) is None
    with pytest.raises(ValueError, match="not an integer"):
        parse_ints("2, x")


def test_spin_box_key_up_emits_int(qtbot, inspector, graph):
    g = graph[0]
    e = g.add_node("source:eye", label="I")
    inspector.set_node(g, e.id)
    spin = inspector.editor("n").spin
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        spin.setFocus()
        QTest.keyClick(spin, Qt.Key.Key_Up)
    assert sig.args == [e.id, "n", 4]
    m_spin = inspector.editor("m").spin  # optional: None is the lowest slot
    assert m_spin.text() == "None"
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        m_spin.setFocus()
        QTest.keyClick(m_spin, Qt.Key.Key_Up)
    assert sig.args == [e.id, "m", 0]


def test_checkbox_and_combo_by_mouse_and_keys(qtbot, inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, s.id)
    box = inspector.editor("keepdim").box
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        QTest.mouseClick(box, Qt.MouseButton.LeftButton)
    assert sig.args == [s.id, "keepdim", True]
    combo = inspector.editor("dtype").combo
    assert combo.currentText() == "default"
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        combo.setFocus()
        QTest.keyClick(combo, Qt.Key.Key_Down)
    assert sig.args == [s.id, "dtype", "bool"]


def test_device_combo_offers_cuda_only_where_available(inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, x.id)
    ed = inspector.editor("device")
    item = ed.combo.model().item(ed.values.index("cuda"))
    assert item.isEnabled() == cuda.is_available()
    if not cuda.is_available():
        assert cuda.unavailable_reason() in item.toolTip()


def test_label_and_flags(qtbot, inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, m.id)
    with qtbot.waitSignal(inspector.labelEdited) as sig:
        type_into(qtbot, inspector.label_edit, "times3")
        QTest.keyClick(inspector.label_edit, Qt.Key.Key_Return)
    assert sig.args == [m.id, "times3"]
    with qtbot.assertNotEmitted(inspector.labelEdited):
        type_into(qtbot, inspector.label_edit, "   ")
        QTest.keyClick(inspector.label_edit, Qt.Key.Key_Return)
    assert "empty" in inspector.label_error.text()
    with qtbot.waitSignal(inspector.flagEdited) as sig:
        QTest.mouseClick(inspector.retain_grad_box, Qt.MouseButton.LeftButton)
    assert sig.args == [m.id, "retain_grad", True]
    # a source's requires_grad is its creation keyword (torch.tensor(..., requires_grad=True))
    inspector.set_node(g, x.id)
    assert "requires_grad" not in inspector.editors
    assert inspector.requires_grad_box.isChecked()
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        QTest.mouseClick(inspector.requires_grad_box, Qt.MouseButton.LeftButton)
    assert sig.args == [x.id, "requires_grad", False]


def test_never_mutates_and_follows_model_events(qtbot, inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, m.id)
    ed = inspector.editor("other")
    type_into(qtbot, ed.edit, "5")
    QTest.keyClick(ed.edit, Qt.Key.Key_Return)
    assert g.nodes[m.id].attrs["other"] == 3.0  # the inspector only asks
    g.set_attr(m.id, "other", 7.0)  # e.g. undo/redo
    assert ed.edit.text() == "7.0"
    g.set_label(m.id, "renamed")
    assert inspector.label_edit.text() == "renamed"
    g.set_flag(m.id, "retain_grad", True)
    assert inspector.retain_grad_box.isChecked()
    g.remove_node(m.id)
    assert inspector.node_id is None and inspector.editors == {}


def test_an_edit_ending_as_the_selection_moves_goes_to_its_own_node(qtbot, inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, m.id)
    ed = inspector.editor("other")
    type_into(qtbot, ed.edit, "6")
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        inspector.set_node(g, s.id)  # the canvas took the selection; the field loses focus
        ed.edit.editingFinished.emit()
    assert sig.args == [m.id, "other", 6]


def test_edits_applied_by_the_app_round_trip(qtbot, inspector, graph):
    g, x, m, s = graph
    apply_to_model(inspector, g)
    inspector.set_node(g, s.id)
    ed = inspector.editor("dim")
    type_into(qtbot, ed.edit, "0")
    QTest.keyClick(ed.edit, Qt.Key.Key_Return)
    assert g.nodes[s.id].attrs["dim"] == 0
    assert ed.edit.text() == "0"


def test_port_attribute_disabled_while_its_input_is_connected(inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, m.id)
    assert inspector.editor("other").isEnabled()
    c = g.add_node("source:ones", label="c")
    e = g.connect(c.id, "out", m.id, "other")
    assert not inspector.editor("other").isEnabled()
    assert "connected" in inspector.editor("other").toolTip()
    g.remove_edge(e.id)
    assert inspector.editor("other").isEnabled()


def test_index_expression_checked(qtbot, inspector, graph):
    g = graph[0]
    n = g.add_node("op:index", label="i")
    inspector.set_node(g, n.id)
    ed = inspector.editor("index")
    with qtbot.assertNotEmitted(inspector.attrEdited):
        type_into(qtbot, ed.edit, "[:, foo(1)]")
        QTest.keyClick(ed.edit, Qt.Key.Key_Return)
    assert "foo" in ed.error
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        type_into(qtbot, ed.edit, "[:, 0]")
        QTest.keyClick(ed.edit, Qt.Key.Key_Return)
    assert sig.args == [n.id, "index", "[:, 0]"]


def test_path_browse_button(qtbot, inspector, graph, monkeypatch, tmp_path):
    g = graph[0]
    n = g.add_node("source:from_file", label="f")
    inspector.set_node(g, n.id)
    target = str(tmp_path / "a.npy")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (target, ""))
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        QTest.mouseClick(inspector.editor("path").browse, Qt.MouseButton.LeftButton)
    assert sig.args == [n.id, "path", target]


# ---- the data table editor ------------------------------------------------------------------

def _edit_cell(qtbot, table, row: int, col: int, text: str) -> None:
    rect = table.visualRect(table.model().index(row, col))
    QTest.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    editor = table.viewport().focusWidget() or table.focusWidget()
    QTest.keyClick(editor, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    QTest.keyClicks(editor, text)
    QTest.keyClick(editor, Qt.Key.Key_Return)


def test_data_table_cell_edit_and_rows(qtbot, inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, x.id)
    data = inspector.editor("data").table
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        _edit_cell(qtbot, data.table, 1, 0, "9")
    assert sig.args == [x.id, "data", [[1.0, 2.0], [9.0, 4.0]]]
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        QTest.mouseClick(data.buttons["add_row"], Qt.MouseButton.LeftButton)
    assert sig.args[2] == [[1.0, 2.0], [9.0, 4.0], [0.0, 0.0]]
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        QTest.mouseClick(data.buttons["del_col"], Qt.MouseButton.LeftButton)
    assert sig.args[2] == [[1.0], [9.0], [0.0]]
    assert data.shape_label.text() == "shape (3, 1)"


def test_data_table_invalid_cell_emits_nothing(qtbot, inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, x.id)
    ed = inspector.editor("data")
    with qtbot.assertNotEmitted(inspector.attrEdited):
        _edit_cell(qtbot, ed.table.table, 0, 1, "abc")
        qtbot.waitUntil(lambda: "not a number" in ed.error)  # the delegate commits queued
    assert g.nodes[x.id].attrs["data"] == [[1.0, 2.0], [3.0, 4.0]]


def test_data_text_mode_for_any_rank(qtbot, inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, x.id)
    data = inspector.editor("data").table
    QTest.mouseClick(data.text_button, Qt.MouseButton.LeftButton)
    assert data.stack.currentIndex() == 1
    data.text.setFocus()
    data.text.selectAll()
    QTest.keyClicks(data.text, "[[[1, 2], [3, 4]], [[5, 6], [7, nan]]]")
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        QTest.mouseClick(data.apply_button, Qt.MouseButton.LeftButton)
    v = sig.args[2]
    assert v[0] == [[1, 2], [3, 4]] and v[1][1][1] != v[1][1][1]  # nan
    assert not data.rank.isEnabled()  # 3-D: text only
    data.text.selectAll()
    QTest.keyClicks(data.text, "[[1, 2], [3]]")
    with qtbot.assertNotEmitted(inspector.attrEdited):
        QTest.mouseClick(data.apply_button, Qt.MouseButton.LeftButton)
    assert "rectangular" in inspector.editor("data").error


def test_data_rank_switch(qtbot, inspector, graph):
    g, x, m, s = graph
    inspector.set_node(g, x.id)
    data = inspector.editor("data").table
    with qtbot.waitSignal(inspector.attrEdited) as sig:
        data.rank.setFocus()
        QTest.keyClick(data.rank, Qt.Key.Key_Up)  # 2-D -> 1-D
    assert sig.args[2] == [1.0, 2.0, 3.0, 4.0]
    assert not data.buttons["add_row"].isEnabled()


def test_parsers():
    assert parse_number(" 3 ") == 3 and parse_number("1e-3") == 0.001
    assert parse_number("True") is True and parse_number("-inf") == float("-inf")
    assert parse_nested("[[1, -2.5], [nan, inf]]")[0] == [1, -2.5]
    with pytest.raises(ValueError, match="only numbers"):
        parse_nested("[__import__('os')]")


def test_every_node_kind_opens_with_an_editor_per_attribute(inspector):
    from engine.graph.kinds import all_kinds

    g = Graph()
    for key, kind in all_kinds().items():
        n = g.add_node(key)
        inspector.set_node(g, n.id)
        shown = {a.name for a in kind.attrs} - {"requires_grad"}
        assert set(inspector.editors) == shown, key
        for name, ed in inspector.editors.items():
            assert ed.error == "", (key, name)
