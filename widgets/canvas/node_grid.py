"""Which items are near a rect, in a few dict look-ups: node bodies (or edge label chips) filed
by the cells of a coarse grid they touch (QGraphicsScene.items calls back into Python for every
candidate item, far too slow to ask once per edge label in a 1,000-node scene)."""
from __future__ import annotations

import math
from PySide6.QtCore import QRectF

CELL = 200.0


def _cells(r: QRectF) -> list[tuple[int, int]]:
    x0, x1 = math.floor(r.left() / CELL), math.floor(r.right() / CELL)
    y0, y1 = math.floor(r.top() / CELL), math.floor(r.bottom() / CELL)
    return [(i, j) for i in range(x0, x1 + 1) for j in range(y0, y1 + 1)]


class NodeGrid:
    """Items by grid cell; kept up to date as they are added, moved, resized, removed."""

    def __init__(self) -> None:
        self._cells: dict[tuple[int, int], set] = {}
        self._keys: dict[object, list[tuple[int, int]]] = {}

    def update(self, item: object, rect: QRectF) -> None:
        """File (or re-file) an item under the cells its scene rect touches now."""
        keys = _cells(rect)
        if self._keys.get(item) == keys:
            return
        self.remove(item)
        self._keys[item] = keys
        for k in keys:
            self._cells.setdefault(k, set()).add(item)

    def remove(self, item: object) -> None:
        """Forget an item (it left the scene, or has no rect any more)."""
        for k in self._keys.pop(item, ()):
            cell = self._cells.get(k)
            if cell is not None:
                cell.discard(item)
                if not cell:
                    del self._cells[k]

    def near(self, r: QRectF) -> set:
        """Items filed under a cell that ``r`` touches (a superset of those it intersects)."""
        out: set = set()
        for k in _cells(r):
            cell = self._cells.get(k)
            if cell:
                out |= cell
        return out

    def clear(self) -> None:
        self._cells.clear()
        self._keys.clear()
