"""The log: errors, warnings and notes with the node they belong to; clicking an entry with a
node selects it. ``show_run`` adds a run's log, node errors the log did not already give, and
where a NaN or Inf first appeared."""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (QAbstractTableModel, QModelIndex, QPersistentModelIndex,
                            QSortFilterProxyModel, Qt, Signal)
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QStyle,
                               QTableView, QToolButton, QVBoxLayout, QWidget)

from engine.graph.result import RunResult

LEVELS = ("error", "warning", "info")
_ALIASES = {"warn": "warning", "err": "error", "critical": "error", "debug": "info"}
COLORS = {"error": QColor("#e5484d"), "warning": QColor("#d08a00"), "info": QColor("#4d8fd6")}
MAX_ENTRIES = 5000
NODE_ROLE = Qt.ItemDataRole.UserRole


@dataclass
class LogEntry:
    level: str
    node_id: str | None
    label: str
    text: str
    time: float


class LogModel(QAbstractTableModel):
    """Entries as rows: level, node, message."""

    HEADERS = ("level", "node", "message")

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[LogEntry] = []
        self.counts = dict.fromkeys(LEVELS, 0)
        self._icons: dict[str, QIcon] = {}

    def set_icons(self, icons: dict[str, QIcon]) -> None:
        self._icons = icons

    def add(self, entry: LogEntry) -> None:
        if len(self.entries) >= MAX_ENTRIES:
            self.beginRemoveRows(QModelIndex(), 0, 0)
            self.counts[self.entries.pop(0).level] -= 1
            self.endRemoveRows()
        n = len(self.entries)
        self.beginInsertRows(QModelIndex(), n, n)
        self.entries.append(entry)
        self.counts[entry.level] += 1
        self.endInsertRows()

    def clear(self) -> None:
        self.beginResetModel()
        self.entries = []
        self.counts = dict.fromkeys(LEVELS, 0)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else 3

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        e, c = self.entries[index.row()], index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (e.level, e.label, e.text)[c]
        if role == Qt.ItemDataRole.DecorationRole and c == 0:
            return self._icons.get(e.level)
        if role == Qt.ItemDataRole.ForegroundRole and c == 0:
            return COLORS.get(e.level)
        if role == Qt.ItemDataRole.ToolTipRole:
            stamp = time.strftime("%H:%M:%S", time.localtime(e.time))
            return f"{stamp}  {e.level}" + (f" in {e.label}" if e.label else "") + f"\n{e.text}"
        if role == NODE_ROLE:
            return e.node_id
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.HEADERS[section]
        return None


class _LevelFilter(QSortFilterProxyModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.levels = set(LEVELS)

    def filterAcceptsRow(self, row: int, parent: QModelIndex | QPersistentModelIndex) -> bool:
        return self.sourceModel().entries[row].level in self.levels


class LogView(QWidget):
    """A filterable list of log entries (see the module docstring)."""

    nodeSelected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        st = self.style()
        self.icons = {"error": st.standardIcon(QStyle.StandardPixmap.SP_MessageBoxCritical),
                      "warning": st.standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning),
                      "info": st.standardIcon(QStyle.StandardPixmap.SP_MessageBoxInformation)}
        self._labels: dict[str, str] = {}
        self.model = LogModel(self)
        self.model.set_icons(self.icons)
        self.proxy = _LevelFilter(self)
        self.proxy.setSourceModel(self.model)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.filters: dict[str, QToolButton] = {}
        for level in LEVELS:
            b = QToolButton()
            b.setCheckable(True)
            b.setChecked(True)
            b.setIcon(self.icons[level])
            b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            b.setAutoRaise(True)
            b.toggled.connect(lambda on, lv=level: self._filter(lv, on))
            self.filters[level] = b
            bar.addWidget(b)
        bar.addStretch(1)
        clear = QToolButton()
        clear.setText("Clear")
        clear.setAutoRaise(True)
        clear.clicked.connect(self.clear)
        bar.addWidget(clear)
        lay.addLayout(bar)
        self.table = QTableView()
        self.table.setModel(self.proxy)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        h = self.table.horizontalHeader()
        h.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        h.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        h.setStretchLastSection(True)
        h.resizeSection(1, 110)
        self.table.clicked.connect(self._clicked)
        self.table.activated.connect(self._clicked)
        lay.addWidget(self.table, 1)
        self._update_counts()

    # ---- public API ---------------------------------------------------------------------
    def set_labels(self, labels: dict[str, str]) -> None:
        """Node labels used by entries added without one."""
        self._labels = dict(labels)

    def add(self, level: str, node_id: str | None, text: str, label: str = "") -> None:
        """Add an entry; ``level`` is 'error', 'warning' or 'info'."""
        lv = _ALIASES.get(str(level).lower(), str(level).lower())
        if lv not in LEVELS:
            lv = "info"
        label = label or (self._labels.get(node_id, "") if node_id else "")
        self.model.add(LogEntry(lv, node_id, label, str(text), time.time()))
        self._update_counts()
        self.table.scrollToBottom()

    def show_run(self, run: RunResult, labels: dict[str, str]) -> None:
        """Add a run's log, node errors it did not already carry, and first NaN/Inf."""
        self._labels.update(labels)
        logged_errors = set()
        for level, nid, text in run.log:
            self.add(level, nid, text, labels.get(nid, "") if nid else "")
            if level == "error" and nid:
                logged_errors.add(nid)
        order = [n for n in (run.order or list(run.nodes)) if n in run.nodes]
        for nid in order:
            r = run.nodes[nid]
            if r.error and nid not in logged_errors:
                self.add("error", nid, f"{r.error_type or 'Error'}: {r.error}",
                         labels.get(nid, ""))
        first = next((n for n in order if run.nodes[n].has_nan or run.nodes[n].has_inf), None)
        if first:
            r = run.nodes[first]
            what = " and ".join(w for w, f in (("NaN", r.has_nan), ("Inf", r.has_inf)) if f)
            self.add("warning", first, f"{what} first appears in the value of "
                     f"{labels.get(first, 'this node')}", labels.get(first, ""))
        first = next((n for n in reversed(order)
                      if run.nodes[n].grad_has_nan or run.nodes[n].grad_has_inf), None)
        if first:
            self.add("warning", first, "NaN/Inf first appears in the gradient flowing into "
                     f"{labels.get(first, 'this node')}", labels.get(first, ""))

    def clear(self) -> None:
        self.model.clear()
        self._update_counts()

    def entries(self) -> list[LogEntry]:
        return list(self.model.entries)

    # ---- internals ----------------------------------------------------------------------
    def _filter(self, level: str, on: bool) -> None:
        self.proxy.beginFilterChange()
        if on:
            self.proxy.levels.add(level)
        else:
            self.proxy.levels.discard(level)
        self.proxy.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def _update_counts(self) -> None:
        for level, b in self.filters.items():
            n = self.model.counts[level]
            b.setText(f"{n} {level}{'s' if n != 1 else ''}")

    def _clicked(self, index: QModelIndex) -> None:
        nid = self.proxy.data(index, NODE_ROLE)
        if nid:
            self.nodeSelected.emit(nid)
