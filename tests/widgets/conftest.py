"""Shared graphs and a canvas for the widget tests."""
import pytest

from engine.graph.model import Graph


def mul_sum_graph():
    """x (2x2, requires_grad) -> m = x * 3 -> s = m.sum(); returns (graph, x, m, s) nodes."""
    g = Graph()
    x = g.add_node("source:tensor", {"data": [[1.0, 2.0], [3.0, 4.0]], "requires_grad": True},
                   label="x")
    m = g.add_node("op:mul", {"other": 3.0}, label="m")
    s = g.add_node("op:sum", label="s")
    g.connect(x.id, "out", m.id, "input")
    g.connect(m.id, "out", s.id, "input")
    return g, x, m, s


@pytest.fixture
def canvas(qtbot):
    """An empty GraphCanvas, shown at 900x600 and centred where the tests place nodes."""
    from widgets.canvas import GraphCanvas
    c = GraphCanvas(Graph())
    qtbot.addWidget(c)
    c.resize(900, 600)
    c.show()
    qtbot.waitExposed(c)
    c.centerOn(250, 80)
    return c
