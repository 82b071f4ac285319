"""The node palette: every node kind, grouped by family, searchable; drag an entry onto the
canvas (MIME 'application/x-gradlab-kind') or double-click / Enter to activate it."""
from __future__ import annotations

import html

from PySide6.QtCore import QEvent, QMimeData, QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem,
                               QVBoxLayout, QWidget)

from engine.graph.kinds import NodeKind, all_kinds

from .canvas.style import HEADINGS, MIME_KIND, heading_of, paints

KEY_ROLE = Qt.UserRole


def grouped_kinds() -> dict[str, list[NodeKind]]:
    """Node kinds by palette heading, headings in display order, kinds sorted by title."""
    groups: dict[str, list[NodeKind]] = {}
    for k in all_kinds().values():
        groups.setdefault(heading_of(k.family), []).append(k)
    order = [h for h in HEADINGS if h in groups] + sorted(h for h in groups if h not in HEADINGS)
    return {h: sorted(groups[h], key=lambda k: (k.title.rstrip("_").lower(), k.inplace))
            for h in order}


def match_score(kind: NodeKind, query: str) -> int | None:
    """How well a kind matches a search (lower is better), None if it does not."""
    words = query.lower().split()
    if not words:
        return 0
    title, key = kind.title.lower(), kind.key.lower()
    heading, doc = heading_of(kind.family).lower(), kind.doc.lower()
    total = 0
    for w in words:
        if title == w:
            s = 0
        elif title.startswith(w):
            s = 1
        elif w in title or w in key.split(":", 1)[-1]:
            s = 3
        elif w in heading or w in key:
            s = 5
        elif len(w) >= 3 and w in doc:
            s = 8
        else:
            return None
        total += s
    return total


def search_kinds(query: str) -> list[NodeKind]:
    """Kinds matching ``query``, best first (all kinds for an empty query)."""
    scored = []
    for h, kinds in grouped_kinds().items():
        for k in kinds:
            s = match_score(k, query)
            if s is not None:
                scored.append((s, len(k.title), k.title.lower(), k))
    scored.sort(key=lambda t: t[:3])
    return [t[3] for t in scored]


def kind_tooltip(kind: NodeKind) -> str:
    """Rich text describing a kind: title, key, doc, ports and attributes."""
    e = html.escape
    parts = [f"<b>{e(kind.title)}</b> &nbsp;<code>{e(kind.key)}</code>"]
    if kind.doc:
        parts.append(e(kind.doc))
    if kind.inputs:
        parts.append("inputs: " + ", ".join(
            e(p.name) + ("…" if p.variadic else "") + ("?" if p.optional else "")
            for p in kind.inputs))
    if kind.outputs:
        parts.append("outputs: " + ", ".join(e(p.name) for p in kind.outputs))
    for a in kind.attrs:
        default = "required" if a.required else f"= {a.default!r}"
        parts.append(f"&nbsp;&nbsp;<i>{e(a.name)}</i> ({e(a.kind)}) {e(default)}"
                     + (f": {e(a.doc)}" if a.doc else ""))
    return "<br>".join(parts)


def heading_icon(heading: str) -> QIcon:
    """A small dot in the heading's header colour (the colour its nodes have on the canvas)."""
    pm = QPixmap(12, 12)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    p.setPen(Qt.NoPen)
    p.setBrush(paints().header_brush(heading))
    p.drawEllipse(QPointF(6, 6), 5, 5)
    p.end()
    return QIcon(pm)


def kind_mime(key: str) -> QMimeData:
    """The drag payload for a node kind, as the canvas accepts it."""
    md = QMimeData()
    md.setData(MIME_KIND, key.encode("utf-8"))
    md.setText(key)
    return md


class _KindTree(QTreeWidget):
    """The tree: headings with kinds under them; kind entries drag their key."""

    def mimeTypes(self) -> list[str]:
        return [MIME_KIND, "text/plain"]

    def mimeData(self, items) -> QMimeData:
        keys = [i.data(0, KEY_ROLE) for i in items if i.data(0, KEY_ROLE)]
        return kind_mime(keys[0]) if keys else QMimeData()


class NodePalette(QWidget):
    """Search box + tree of node kinds. Emits ``kindActivated(key)`` on double-click / Enter."""

    kindActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Search nodes…")
        self.search.setClearButtonEnabled(True)
        self.tree = _KindTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        self.tree.setUniformRowHeights(True)
        self.tree.setIndentation(14)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        lay.addWidget(self.search)
        lay.addWidget(self.tree)
        self._items: dict[str, QTreeWidgetItem] = {}
        self._headings: dict[str, QTreeWidgetItem] = {}
        self.search.textChanged.connect(self.set_filter)
        self.search.returnPressed.connect(self._activate_current)
        self.search.installEventFilter(self)
        self.tree.itemActivated.connect(self._on_activated)
        self.refresh()

    def refresh(self) -> None:
        """Rebuild the tree from the kind table (after more ops were registered)."""
        self.tree.clear()
        self._items.clear()
        self._headings.clear()
        for heading, kinds in grouped_kinds().items():
            top = QTreeWidgetItem([f"{heading}  ({len(kinds)})"])
            top.setFlags(Qt.ItemIsEnabled)
            top.setIcon(0, heading_icon(heading))
            f = top.font(0)
            f.setBold(True)
            top.setFont(0, f)
            self.tree.addTopLevelItem(top)
            self._headings[heading] = top
            for k in kinds:
                it = QTreeWidgetItem(top, [k.title])
                it.setData(0, KEY_ROLE, k.key)
                it.setToolTip(0, kind_tooltip(k))
                it.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
                if k.inplace:
                    it.setForeground(0, QBrush(QColor("#8a8f98")))
                self._items[k.key] = it
        self.tree.expandAll()
        self.set_filter(self.search.text())

    def set_filter(self, text: str) -> None:
        """Show only kinds matching ``text``; the best match becomes current."""
        best, best_score = None, None
        for heading, top in self._headings.items():
            shown = 0
            for i in range(top.childCount()):
                it = top.child(i)
                s = match_score(all_kinds()[it.data(0, KEY_ROLE)], text)
                it.setHidden(s is None)
                if s is not None:
                    shown += 1
                    if best_score is None or s < best_score:
                        best, best_score = it, s
            top.setHidden(shown == 0)
            if text:
                top.setExpanded(True)
        if text and best is not None:
            self.tree.setCurrentItem(best)

    def visible_kinds(self) -> list[str]:
        """Keys of the kinds the tree shows now, top to bottom."""
        out = []
        for top in self._headings.values():
            if top.isHidden():
                continue
            out += [top.child(i).data(0, KEY_ROLE) for i in range(top.childCount())
                    if not top.child(i).isHidden()]
        return out

    def item_for(self, key: str) -> QTreeWidgetItem | None:
        return self._items.get(key)

    def mime_data_for(self, key: str) -> QMimeData:
        """What dragging the entry ``key`` carries (the tree's own drag payload)."""
        item = self._items.get(key)
        if item is None:
            raise KeyError(f"no palette entry for {key!r}")
        return self.tree.mimeData([item])

    def _on_activated(self, item: QTreeWidgetItem, column: int = 0) -> None:
        key = item.data(0, KEY_ROLE)
        if key:
            self.kindActivated.emit(key)

    def _activate_current(self) -> None:
        item = self.tree.currentItem()
        if item is not None and not item.isHidden():
            self._on_activated(item)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.search and event.type() == QEvent.KeyPress and \
                event.key() in (Qt.Key_Down, Qt.Key_Up):
            self.tree.setFocus()
            self.tree.keyPressEvent(event)
            return True
        return super().eventFilter(obj, event)
