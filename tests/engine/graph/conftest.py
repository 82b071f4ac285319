"""Shared fixtures for graph tests: a Graph, its Executor, and a small builder."""
from __future__ import annotations

import pytest

from engine.graph.execute import Executor
from engine.graph.kinds import get_kind
from engine.graph.model import Graph, Node


class Builder:
    """Adds nodes and wires them: ``b.op("op:mul", x, (y, "out"), other=2)``."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph

    def node(self, kind: str, *inputs, label: str | None = None, requires_grad=None,
             retain_grad: bool = False, **attrs) -> Node:
        """A node whose input ports (in order) take ``inputs``: a Node, (Node, port), a list of
        those for a variadic port, or None to leave the port unconnected."""
        n = self.g.add_node(kind, attrs, label=label, requires_grad=requires_grad,
                            retain_grad=retain_grad)
        ports = get_kind(kind).inputs
        for port, src in zip(ports, inputs):
            for s in (src if isinstance(src, list) else [src]):
                if s is None:
                    continue
                node, out = s if isinstance(s, tuple) else (s, "out")
                self.g.connect(node.id, out, n.id, port.name)
        return n

    def data(self, values, dtype=None, requires_grad=False, label=None) -> Node:
        """A literal tensor source (source:tensor)."""
        return self.node("source:tensor", data=values, dtype=dtype, requires_grad=requires_grad,
                         label=label)


@pytest.fixture
def g() -> Graph:
    return Graph()


@pytest.fixture
def ex(g: Graph) -> Executor:
    e = Executor(g)
    yield e
    e.close()


@pytest.fixture
def b(g: Graph) -> Builder:
    return Builder(g)

