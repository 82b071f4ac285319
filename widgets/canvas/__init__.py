"""The node-editor canvas: a QGraphicsView/QGraphicsScene pair that follows a Graph's events
and reports finished gestures as signals (it never changes the Graph itself)."""
from .scene import GraphScene
from .style import MIME_KIND, set_theme
from .view import GraphCanvas

__all__ = ["GraphCanvas", "GraphScene", "MIME_KIND", "set_theme"]
