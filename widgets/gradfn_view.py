"""The backward graph PyTorch builds for a node's tensor: its ``grad_fn``, the
``next_functions`` of each function in operand order, ``AccumulateGrad`` at the leaves and
``None`` where an operand needs no gradient, drawn top-down in layers.

Each function box maps back to the graph node whose tensor it produced (``tensor.grad_fn is
fn``; ``AccumulateGrad.variable`` is a leaf's tensor); clicking it emits ``nodeSelected``.
"""
from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import (QGraphicsItem, QGraphicsPathItem, QGraphicsScene,
                               QGraphicsSimpleTextItem, QGraphicsView, QLabel, QVBoxLayout,
                               QWidget)

from engine.graph.result import NodeResult

MAX_FNS = 400  # functions drawn at most; a note says how many more there are
_H, _VGAP, _HGAP, _PAD = 40.0, 34.0, 16.0, 10.0
_COLORS = {"fn": "#7d8ba0", "acc": "#3ecf6e", "none": "#9aa0a8", "tensor": "#ffb454"}


@dataclass
class _Fn:
    """One drawn box: a grad_fn, a ``None`` slot, or the tensor itself."""

    obj: Any
    kind: str  # 'fn', 'acc', 'none', 'tensor'
    name: str
    detail: str = ""
    node_id: str | None = None
    depth: int = 0
    children: list[tuple[int, int]] = field(default_factory=list)  # (box index, input_nr)
    parents: list[int] = field(default_factory=list)


class FnBox(QGraphicsPathItem):
    """A rounded box with a name and a detail line; knows the graph node it maps to."""

    def __init__(self, fn: _Fn, width: float, fonts: tuple[QFont, QFont], text: QColor,
                 base: QColor) -> None:
        super().__init__()
        self.fn_name, self.node_id, self.kind = fn.name, fn.node_id, fn.kind
        self.rect = QRectF(0, 0, width, _H if fn.kind != "none" else _H * 0.6)
        path = QPainterPath()
        path.addRoundedRect(self.rect, 6, 6)
        self.setPath(path)
        accent = QColor(_COLORS[fn.kind])
        fill = QColor(base)
        tint = QColor(accent)
        tint.setAlpha(40)
        self.setBrush(QBrush(fill))
        self._tint = QBrush(tint)
        self._pen = QPen(accent, 1.6, Qt.PenStyle.DashLine if fn.kind == "none"
                         else Qt.PenStyle.SolidLine)
        self.setPen(self._pen)
        title = QGraphicsSimpleTextItem(fn.name, self)
        title.setFont(fonts[0])
        title.setBrush(text if fn.kind != "none" else QColor(_COLORS["none"]))
        tw = title.boundingRect().width()
        if fn.detail:
            det = QGraphicsSimpleTextItem(fn.detail, self)
            det.setFont(fonts[1])
            dim = QColor(text)
            dim.setAlpha(170)
            det.setBrush(dim)
            title.setPos((width - tw) / 2, 4)
            det.setPos((width - det.boundingRect().width()) / 2, 21)
        else:
            title.setPos((width - tw) / 2, (self.rect.height() - title.boundingRect().height()) / 2)
        if fn.node_id is not None:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(1)

    def set_selected_look(self, on: bool, color: QColor) -> None:
        self.setPen(QPen(color, 3.0) if on else self._pen)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        super().paint(painter, option, widget)
        painter.fillPath(self.path(), self._tint)


def _walk(tensor: Any) -> list[_Fn]:
    """The tensor box, then every function reachable from ``tensor.grad_fn`` (iteratively,
    each once, in breadth-first order) and a ``None`` box per empty slot."""
    fns = [_Fn(tensor, "tensor", "tensor")]
    root = getattr(tensor, "grad_fn", None)
    if root is None:
        return fns
    index: dict[int, int] = {}
    queue = [root]
    index[id(root)] = 1
    fns.append(_fn_entry(root))
    fns[0].children.append((1, 0))
    fns[1].parents.append(0)
    head = 0
    while head < len(queue):
        fn = queue[head]
        head += 1
        me = index[id(fn)]
        for slot, (nx, _nr) in enumerate(getattr(fn, "next_functions", ()) or ()):
            if nx is None:
                fns.append(_Fn(None, "none", "None"))
                j = len(fns) - 1
            elif id(nx) in index:
                j = index[id(nx)]
            else:
                if len(index) >= MAX_FNS:
                    continue
                fns.append(_fn_entry(nx))
                j = index[id(nx)] = len(fns) - 1
                queue.append(nx)
            fns[me].children.append((j, slot))
            fns[j].parents.append(me)
    return fns


def _fn_entry(fn: Any) -> _Fn:
    name = fn.name() if callable(getattr(fn, "name", None)) else type(fn).__name__
    kind = "acc" if hasattr(fn, "variable") else "fn"
    return _Fn(fn, kind, name)


def _layer(fns: list[_Fn]) -> list[list[int]]:
    """Longest-path layers from the tensor box (a DAG: Kahn's order, no recursion)."""
    indeg = [len(f.parents) for f in fns]
    ready, order = [0], []
    while ready:
        i = ready.pop()
        order.append(i)
        for j, _slot in fns[i].children:
            fns[j].depth = max(fns[j].depth, fns[i].depth + 1)
            indeg[j] -= 1
            if indeg[j] == 0:
                ready.append(j)
    layers: list[list[int]] = [[] for _ in range(max((f.depth for f in fns), default=0) + 1)]
    for i in order:
        layers[fns[i].depth].append(i)
    return layers


def _place(fns: list[_Fn], widths: list[float]) -> tuple[dict[int, QPointF], list]:
    """Top-left of every box, and each arrow's route: (from, to, slot, waypoints). An arrow
    spanning several layers gets a thin placeholder in each (ordered with the boxes), so it
    runs between boxes rather than through them."""
    layers = _layer(fns)
    parents = [list(f.parents) for f in fns]
    slot_of = [0] * len(fns)  # operand position under the first parent: 0 goes left
    for f in reversed(fns):
        for j, slot in f.children:
            slot_of[j] = slot
    w = list(widths)
    chains = []
    for i, f in enumerate(fns):
        for j, slot in f.children:
            prev, via = i, []
            for d in range(f.depth + 1, fns[j].depth):
                k = len(w)
                w.append(6.0)
                parents.append([prev])
                slot_of.append(slot)
                layers[d].append(k)
                via.append(k)
                prev = k
            if via:
                parents[j][parents[j].index(i)] = prev
            chains.append((i, j, slot, via))
    xs: dict[int, float] = {}
    pos: dict[int, QPointF] = {}
    for depth, layer in enumerate(layers):
        if depth:  # order by the mean position of parents (fewer crossings)
            layer.sort(key=lambda i: (sum(xs.get(p, 0.0) for p in parents[i])
                                      / max(len(parents[i]), 1), slot_of[i]))
        total = sum(w[i] for i in layer) + _HGAP * (len(layer) - 1)
        x = -total / 2
        for i in layer:
            xs[i] = x + w[i] / 2
            pos[i] = QPointF(x, depth * (_H + _VGAP))
            x += w[i] + _HGAP
    routes = [(i, j, slot, [QPointF(xs[k], pos[k].y()) for k in via])
              for i, j, slot, via in chains]
    return pos, routes


class GradFnView(QWidget):
    """The backward graph of one tensor (see the module docstring)."""

    nodeSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.caption)
        self.scene = QGraphicsScene(self)
        self.view = QGraphicsView(self.scene)
        self.view.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.view.setRenderHint(QPainter.RenderHint.TextAntialiasing)
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.view.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.view.viewport().installEventFilter(self)
        lay.addWidget(self.view, 1)
        self.boxes: list[FnBox] = []
        self._last: tuple | None = None
        self._selected: str | None = None
        self._press: QPointF | None = None
        self.clear()

    # ---- public API ---------------------------------------------------------------------
    def clear(self, message: str = "Select a node to see the backward graph of its tensor.") -> None:
        self._last = None
        self.scene.clear()
        self.boxes = []
        self.caption.setText(f"<i>{html.escape(message)}</i>")

    def show_chain(self, result_by_node: dict[str, NodeResult], node_id: str | None,
                   tensor: Any = None, labels: dict[str, str] | None = None) -> None:
        """Draw the backward graph from ``tensor`` (default: ``node_id``'s tensor); boxes map
        to nodes through ``result_by_node``; ``labels`` name the nodes."""
        labels = labels or {}
        self._last = (result_by_node, node_id, tensor, labels)
        r = result_by_node.get(node_id) if node_id is not None else None
        if tensor is None and r is not None:
            tensor = r.tensor
        name = labels.get(node_id, "") if node_id else ""
        if tensor is None or not hasattr(tensor, "grad_fn"):
            self.clear(f"{name or 'this node'} has no tensor" + (f" ({r.error_type})"
                                                                 if r is not None and r.error else ""))
            return
        fns = _walk(tensor)
        by_fn, by_leaf = self._owners(result_by_node)
        for f in fns:
            if f.kind == "fn":
                f.node_id = by_fn.get(id(f.obj))
                t = _produced(result_by_node.get(f.node_id), f.obj)
                f.detail = _detail(labels.get(f.node_id, ""), t)
            elif f.kind == "acc":
                var = f.obj.variable
                f.node_id = by_leaf.get(id(var))
                f.detail = _detail(labels.get(f.node_id, "leaf" if f.node_id is None else ""), var)
            elif f.kind == "tensor":
                f.node_id = node_id
                f.name = name or "tensor"
                f.detail = "tensor " + str(tuple(tensor.shape))
        self._draw(fns)
        root = tensor.grad_fn
        if root is None:
            why = ("a leaf: grad_fn is None and backward accumulates into its .grad"
                   if tensor.requires_grad else "does not require grad: no backward graph")
            self.caption.setText(f"<b>{html.escape(name or 'tensor')}</b> is {why}.")
        else:
            more = len([f for f in fns if f.kind in ("fn", "acc")])
            cut = " (only the first %d drawn)" % MAX_FNS if more >= MAX_FNS else ""
            self.caption.setText(
                f"<b>{html.escape(name or 'tensor')}</b>.grad_fn = "
                f"&lt;{html.escape(fns[1].name)}&gt;: {more} functions{cut}. "
                "Click a function to select the node that made it.")
        self.select_node(self._selected)

    def select_node(self, node_id: str | None) -> None:
        """Highlight the boxes of ``node_id`` (None: no highlight); emits nothing."""
        self._selected = node_id
        color = self.palette().color(QPalette.ColorRole.Highlight)
        first = None
        for b in self.boxes:
            on = node_id is not None and b.node_id == node_id
            b.set_selected_look(on, color)
            if on and first is None:
                first = b
        if first is not None:
            self.view.ensureVisible(first)

    # ---- drawing --------------------------------------------------------------------------
    @staticmethod
    def _owners(results: dict[str, NodeResult]) -> tuple[dict[int, str], dict[int, str]]:
        """id(grad_fn) -> node that produced it; id(leaf tensor) -> node holding it."""
        by_fn: dict[int, str] = {}
        by_leaf: dict[int, str] = {}
        for nid, r in results.items():
            for t in [r.tensor, *r.outputs.values()]:
                if t is None or not hasattr(t, "grad_fn"):
                    continue
                if t.grad_fn is not None:
                    by_fn.setdefault(id(t.grad_fn), nid)
                elif getattr(t, "requires_grad", False):
                    by_leaf.setdefault(id(t), nid)
        return by_fn, by_leaf

    def _draw(self, fns: list[_Fn]) -> None:
        self.scene.clear()
        self.boxes = []
        pal = self.palette()
        text, base = pal.color(QPalette.ColorRole.Text), pal.color(QPalette.ColorRole.Base)
        self.view.setBackgroundBrush(base)
        bold = QFont(self.font())
        bold.setBold(True)
        small = QFont(self.font())
        small.setPointSizeF(max(6.0, small.pointSizeF() - 1.5))
        fm, fms = QFontMetricsF(bold), QFontMetricsF(small)
        widths = [max(fm.horizontalAdvance(f.name), fms.horizontalAdvance(f.detail)) + 2 * _PAD
                  for f in fns]
        pos, routes = _place(fns, widths)
        items = {}
        for i, f in enumerate(fns):
            box = FnBox(f, widths[i], (bold, small), text, base)
            box.setPos(pos[i])
            tip = f"{f.name}" + (f"\n{f.detail}" if f.detail else "")
            nf = getattr(f.obj, "next_functions", None) if f.kind in ("fn", "acc") else None
            if nf is not None:
                tip += "\nnext_functions: (" + ", ".join(
                    f"({'None' if n is None else _fn_entry(n).name}, {k})" for n, k in nf) + ")"
                sb = getattr(f.obj, "saved_bytes", 0)
                if sb:
                    tip += f"\nsaved for backward: {sb} bytes"
            box.setToolTip(tip)
            self.scene.addItem(box)
            items[i] = box
            self.boxes.append(box)
        pen = QPen(text, 1.2)
        pen.setColor(QColor(text.red(), text.green(), text.blue(), 150))
        for i, j, slot, via in routes:
            a, b = items[i], items[j]
            pts = [a.mapToScene(QPointF(a.rect.center().x(), a.rect.bottom()))]
            for d in via:  # through the layers it spans, straight down
                pts += [d, d + QPointF(0, _H)]
            pts.append(b.mapToScene(QPointF(b.rect.center().x(), 0)))
            self._arrow(pts, pen, str(slot) if len(fns[i].children) > 1 else "", small)
        self.scene.setSceneRect(self.scene.itemsBoundingRect().adjusted(-20, -12, 20, 12))
        self._fit()

    def _arrow(self, pts: list[QPointF], pen: QPen, label: str, font: QFont) -> None:
        path = QPainterPath(pts[0])
        for k in range(0, len(pts) - 1, 2):
            p, q = pts[k], pts[k + 1]
            dy = (q.y() - p.y()) / 2
            path.cubicTo(QPointF(p.x(), p.y() + dy), QPointF(q.x(), q.y() - dy), q)
            if k + 2 < len(pts):
                path.lineTo(pts[k + 2])
        q = pts[-1]
        head = QPainterPath(q)
        head.lineTo(q + QPointF(-4, -7))
        head.lineTo(q + QPointF(4, -7))
        head.closeSubpath()
        self.scene.addPath(path, pen)
        self.scene.addPath(head, pen, QBrush(pen.color()))
        if label:
            t = self.scene.addSimpleText(label, font)
            t.setBrush(pen.color())
            t.setPos(path.pointAtPercent(0.12 if len(pts) > 2 else 0.25) + QPointF(3, -6))

    def _fit(self) -> None:
        r = self.scene.sceneRect()
        vp = self.view.viewport().size()
        if r.isEmpty() or vp.width() < 10:
            return
        s = max(min(1.0, vp.width() / r.width()), 0.4)  # fit the width; scroll down a chain
        self.view.resetTransform()
        self.view.scale(s, s)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange and hasattr(self, "view"):
            self.view.setBackgroundBrush(self.palette().color(QPalette.ColorRole.Base))
            if self._last is not None:
                self.show_chain(*self._last)  # redraw in the new theme's colours

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    # ---- clicks ---------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        t = event.type()
        if t == event.Type.MouseButtonPress and event.button() == Qt.MouseButton.LeftButton:
            self._press = event.position()
        elif t == event.Type.MouseButtonRelease and self._press is not None:
            moved = (event.position() - self._press).manhattanLength()
            self._press = None
            if moved < 4:
                box = self._box_at(event.position().toPoint())
                if box is not None and box.node_id is not None:
                    self.select_node(box.node_id)
                    self.nodeSelected.emit(box.node_id)
        return False

    def _box_at(self, p) -> FnBox | None:
        item: QGraphicsItem | None = self.view.itemAt(p)
        while item is not None and not isinstance(item, FnBox):
            item = item.parentItem()
        return item


def _produced(r: NodeResult | None, fn: Any) -> Any:
    """The tensor of result ``r`` whose grad_fn is ``fn``."""
    if r is None:
        return None
    for t in [r.tensor, *r.outputs.values()]:
        if t is not None and getattr(t, "grad_fn", None) is fn:
            return t
    return None


def _detail(label: str, t: Any) -> str:
    shape = str(tuple(t.shape)) if t is not None and hasattr(t, "shape") else ""
    return "  ".join(p for p in (label, shape) if p)
