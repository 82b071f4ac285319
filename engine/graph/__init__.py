"""The graph document (Qt-free): model, node kinds, execution, file format, export."""
from .model import Edge, Event, Frame, Graph, GraphError, Node  # noqa: F401
