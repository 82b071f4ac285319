"""The grad_fn, timing and log panels on real runs: the backward graph PyTorch builds, boxes
mapped to nodes and clicked with the mouse, per-node times, and log entries that select."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import engine
from engine.graph.execute import Executor
from engine.graph.model import Graph
from tests.widgets.conftest import mul_sum_graph
from widgets.gradfn_view import MAX_FNS, GradFnView
from widgets.log_view import LogView
from widgets.timing_view import TimingView


@pytest.fixture
def example():
    g, x, m, s = mul_sum_graph()
    ones = g.add_node("source:ones", {"size": (3, 5)}, label="ones")
    bad = g.add_node("op:matmul", label="bad")  # (2, 2) @ (3, 5): fails, the rest runs
    g.connect(x.id, "out", bad.id, "input")
    g.connect(ones.id, "out", bad.id, "other")
    res = Executor(g).run(backward=True, backward_from=s.id)
    labels = {n.id: n.label for n in g.nodes.values()}
    return g, res, labels, x.id, m.id, s.id, bad.id


@pytest.fixture
def gradfn(qtbot):
    v = GradFnView()
    qtbot.addWidget(v)
    v.resize(520, 480)
    v.show()
    qtbot.waitExposed(v)
    return v


def box_named(view: GradFnView, name: str):
    return next(b for b in view.boxes if b.fn_name == name)


def click_box(view: GradFnView, box) -> None:
    p = view.view.mapFromScene(box.mapToScene(box.rect.center()))
    QTest.mouseClick(view.view.viewport(), Qt.MouseButton.LeftButton, pos=p)


def test_backward_graph_of_the_example(gradfn, example):
    g, res, labels, x, m, s, bad = example
    gradfn.show_chain(res.nodes, s, labels=labels)
    names = [b.fn_name for b in gradfn.boxes]
    assert names[:2] == ["s", "SumBackward0"]  # the tensor, then its grad_fn
    assert {"MulBackward0", "AccumulateGrad", "None"} <= set(names)
    assert box_named(gradfn, "SumBackward0").node_id == s
    assert box_named(gradfn, "MulBackward0").node_id == m
    assert box_named(gradfn, "AccumulateGrad").node_id == x  # .variable is x's tensor
    assert box_named(gradfn, "None").node_id is None  # the constant 3.0 needs no gradient
    assert "&lt;SumBackward0&gt;" in gradfn.caption.text()


def test_clicking_a_box_selects_its_node(qtbot, gradfn, example):
    g, res, labels, x, m, s, bad = example
    gradfn.show_chain(res.nodes, s, labels=labels)
    with qtbot.waitSignal(gradfn.nodeSelected) as sig:
        click_box(gradfn, box_named(gradfn, "MulBackward0"))
    assert sig.args == [m]
    with qtbot.waitSignal(gradfn.nodeSelected) as sig:
        click_box(gradfn, box_named(gradfn, "AccumulateGrad"))
    assert sig.args == [x]
    with qtbot.assertNotEmitted(gradfn.nodeSelected):
        click_box(gradfn, box_named(gradfn, "None"))


def test_select_node_highlights_without_emitting(qtbot, gradfn, example):
    g, res, labels, x, m, s, bad = example
    gradfn.show_chain(res.nodes, s, labels=labels)
    with qtbot.assertNotEmitted(gradfn.nodeSelected):
        gradfn.select_node(m)
    assert box_named(gradfn, "MulBackward0").pen().widthF() == 3.0
    assert box_named(gradfn, "SumBackward0").pen().widthF() < 3.0


def test_leaf_and_failed_nodes(gradfn, example):
    g, res, labels, x, m, s, bad = example
    gradfn.show_chain(res.nodes, x, labels=labels)
    assert [b.fn_name for b in gradfn.boxes] == ["x"]
    assert "leaf" in gradfn.caption.text()
    gradfn.show_chain(res.nodes, bad, labels=labels)
    assert gradfn.boxes == [] and "no tensor" in gradfn.caption.text()


def test_a_long_chain_is_walked_without_recursion(gradfn):
    t = engine.ones(2, requires_grad=True)
    for _ in range(3000):
        t = t * 1.0
    gradfn.show_chain({}, None, tensor=t)
    assert len([b for b in gradfn.boxes if b.fn_name == "MulBackward0"]) == MAX_FNS
    assert f"first {MAX_FNS}" in gradfn.caption.text()


# ---- timing ---------------------------------------------------------------------------------

@pytest.fixture
def timing(qtbot):
    v = TimingView()
    qtbot.addWidget(v)
    v.resize(480, 300)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_timing_lists_nodes_sorted_with_totals(timing, example):
    g, res, labels, x, m, s, bad = example
    timing.show_run(res, labels)
    shown = {r.label for r in timing.rows}
    assert {"x", "m", "s", "ones"} <= shown and "bad" not in shown  # bad failed: no time
    totals = [r.total for r in timing.rows]
    assert totals == sorted(totals, reverse=True)
    assert next(r for r in timing.rows if r.label == "m").backward_ms is not None
    assert "on <b>cpu</b>" in timing.summary.text()
    timing.sort.setCurrentIndex(timing.sort.findData("order"))
    assert [r.node_id for r in timing.rows] == [n for n in res.order if n in
                                               {r.node_id for r in timing.rows}]


def test_clicking_a_bar_selects_its_node(qtbot, timing, example):
    g, res, labels, x, m, s, bad = example
    timing.show_run(res, labels)
    i = next(i for i, r in enumerate(timing.rows) if r.node_id == m)
    rect = timing.chart.row_rect(i)
    with qtbot.waitSignal(timing.nodeSelected) as sig:
        QTest.mouseClick(timing.chart, Qt.MouseButton.LeftButton,
                         pos=rect.center().toPoint())
    assert sig.args == [m]
    assert timing.chart.selected == m


# ---- log --------------------------------------------------------------------------------------

@pytest.fixture
def log(qtbot):
    v = LogView()
    qtbot.addWidget(v)
    v.resize(560, 240)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_log_lists_run_messages_and_node_errors(log, example):
    g, res, labels, x, m, s, bad = example
    log.show_run(res, labels)
    entries = log.entries()
    errors = [e for e in entries if e.level == "error"]
    assert len(errors) == 1 and errors[0].node_id == bad and errors[0].label == "bad"
    assert "cannot be multiplied" in errors[0].text
    assert log.filters["error"].text() == "1 error"
    model = log.table.model()
    texts = [model.index(r, 2).data() for r in range(model.rowCount())]
    assert any("cannot be multiplied" in t for t in texts)


def test_clicking_an_entry_selects_its_node(qtbot, log, example):
    g, res, labels, x, m, s, bad = example
    log.show_run(res, labels)
    log.add("warning", None, "a message without a node")
    model = log.table.model()
    row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "error")
    rect = log.table.visualRect(model.index(row, 2))
    with qtbot.waitSignal(log.nodeSelected) as sig:
        QTest.mouseClick(log.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert sig.args == [bad]
    last = log.table.visualRect(model.index(model.rowCount() - 1, 2))
    with qtbot.assertNotEmitted(log.nodeSelected):
        QTest.mouseClick(log.table.viewport(), Qt.MouseButton.LeftButton, pos=last.center())


def test_log_filters_and_clear(qtbot, log):
    log.add("error", "n1", "boom", "a")
    log.add("warn", "n2", "careful", "b")
    log.add("info", None, "fyi")
    log.set_labels({"n3": "c"})
    log.add("error", "n3", "labelled from set_labels")
    assert [e.level for e in log.entries()] == ["error", "warning", "info", "error"]
    assert log.entries()[-1].label == "c"
    QTest.mouseClick(log.filters["info"], Qt.MouseButton.LeftButton)
    assert log.table.model().rowCount() == 3
    log.clear()
    assert log.table.model().rowCount() == 0 and log.filters["error"].text() == "0 errors"


def test_log_marks_where_nan_first_appears(log):
    g = Graph()
    a = g.add_node("source:tensor", {"data": [-1.0, 4.0], "requires_grad": True}, label="a")
    sq = g.add_node("op:sqrt", label="sqrt")
    s = g.add_node("op:sum", label="s")
    g.connect(a.id, "out", sq.id, "input")
    g.connect(sq.id, "out", s.id, "input")
    res = Executor(g).run(backward=True)
    log.show_run(res, {n.id: n.label for n in g.nodes.values()})
    warn = [e for e in log.entries() if e.level == "warning" and "value" in e.text]
    assert warn and warn[0].node_id == sq.id


def test_log_model_passes_qtmodeltester(qtmodeltester, log):
    log.add("error", "n1", "boom", "a")
    log.add("info", None, "fyi")
    qtmodeltester.check(log.model, force_py=True)
