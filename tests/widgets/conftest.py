"""Shared graphs for the panel tests."""
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
