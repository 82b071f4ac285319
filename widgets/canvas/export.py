"""Export a GraphScene as a PNG image or an SVG drawing (vectors: item caches are bypassed)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPointF, QRectF, QSize
from PySide6.QtGui import QImage, QPainter
from PySide6.QtWidgets import QGraphicsItem

from .legend import GradLegend
from .scene import GraphScene
from .style import paints

MAX_SIDE = 12000  # pixels: huge graphs are scaled down to stay below this


def render_scene(scene: GraphScene, path: str | Path, fmt: str | None = None,
                 scale: float = 2.0, legend: GradLegend | None = None) -> Path:
    """Write every node, edge and frame of ``scene`` to ``path`` as 'png' or 'svg'."""
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".") or "png").lower()
    if fmt not in ("png", "svg"):
        raise ValueError(f"cannot export the canvas as {fmt!r}: choose png or svg")
    src = scene.content_rect()
    if src.isEmpty():
        src = QRectF(0, 0, 400, 300)
    src = src.adjusted(-30, -30, 30, 30)
    if legend is not None:
        src.setBottom(src.bottom() + 70)
    if fmt == "svg":
        scale = 1.0
    scale = min(scale, MAX_SIDE / max(src.width(), src.height()))
    size = QSize(max(1, round(src.width() * scale)), max(1, round(src.height() * scale)))
    if fmt == "svg":
        from PySide6.QtSvg import QSvgGenerator

        device = QSvgGenerator()
        device.setFileName(str(path))
        device.setSize(size)
        device.setViewBox(QRectF(0, 0, size.width(), size.height()))
        device.setTitle(scene.graph.meta.get("title") or "Gradlab graph")
    else:
        device = QImage(size, QImage.Format_ARGB32_Premultiplied)
        device.fill(paints().background)
    overview = scene.overview_mode
    scene.set_overview(False)  # full detail, whatever the view's zoom
    cached = [i for i in scene.items() if i.cacheMode() != QGraphicsItem.NoCache]
    painter = QPainter(device)
    if not painter.isActive():
        raise OSError(f"could not write {path}")
    painter.setRenderHints(QPainter.Antialiasing | QPainter.TextAntialiasing)
    painter.fillRect(QRectF(0, 0, size.width(), size.height()), paints().background)
    scene.draw_grid = False
    for i in cached:  # paint vectors, not the items' cached pixmaps
        i.setCacheMode(QGraphicsItem.NoCache)
    try:
        scene.render(painter, QRectF(0, 0, size.width(), size.height()), src)
        if legend is not None:
            painter.scale(scale, scale)
            legend.paint(painter, QPointF(12, size.height() / scale - 64))
    finally:
        painter.end()
        scene.draw_grid = True
        for i in cached:
            i.setCacheMode(QGraphicsItem.DeviceCoordinateCache)
        scene.set_overview(overview)
    if fmt == "png" and not device.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")
    return path
