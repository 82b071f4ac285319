"""A small editor for literal tensor data: a table for 0-, 1- and 2-D data with rows and
columns to add and remove, and a text field for nested lists of any depth.

It emits ``committed(value)`` (a number, or nested lists of numbers; None for an empty text
where that is allowed) when an edit ends with valid data, and ``invalid(message)`` when not.
"""
from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QPalette, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLabel,
                               QPlainTextEdit, QPushButton, QStackedWidget, QTableWidget,
                               QTableWidgetItem, QToolButton, QVBoxLayout, QWidget)

MAX_TABLE_CELLS = 2500  # more than this is edited as text
MAX_TEXT_ELEMENTS = 100_000  # more than this is not edited here at all
_BAD = QBrush(QColor(229, 72, 77, 120))
_NAMES = {"nan": math.nan, "inf": math.inf, "True": True, "False": False,
          "true": True, "false": False}


def parse_number(text: str) -> bool | int | float:
    """A cell's text as a number: ``3`` int, ``2.5`` / ``1e-3`` / ``nan`` / ``-inf`` float,
    ``True`` / ``False`` bool; ValueError otherwise."""
    s = text.strip()
    if s in _NAMES:
        return _NAMES[s]
    try:
        return int(s)
    except ValueError:
        pass
    try:
        return float(s)
    except ValueError:
        raise ValueError(f"{s!r} is not a number") from None


def parse_nested(text: str) -> Any:
    """Nested lists of numbers from text (``[[1, 2], [3, 4.5]]``, ``nan``/``inf`` allowed),
    checked to be rectangular; ValueError saying what is wrong."""
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as e:
        raise ValueError(f"cannot read the data: {e.msg} (column {e.offset})") from None
    value = _literal(tree)
    try:
        arr = np.array(value)
    except ValueError:
        raise ValueError("the rows have different lengths: data must be rectangular") from None
    if arr.dtype == object:
        raise ValueError("the rows have different lengths: data must be rectangular")
    return value


def _literal(node: ast.AST) -> Any:
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Constant) and isinstance(node.value, (bool, int, float)):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        v = _literal(node.operand)
        if isinstance(v, list):
            raise ValueError("a sign goes before a number, not a list")
        return -v if isinstance(node.op, ast.USub) else v
    raise ValueError(f"only numbers and lists are allowed in the data, not "
                     f"{ast.unparse(node)!r}")


def _fmt(v: Any) -> str:
    return repr(v) if isinstance(v, float) else str(v)


class DataTableEditor(QWidget):
    """Literal tensor data, edited in a table (up to 2-D) or as nested-list text."""

    committed = Signal(object)
    invalid = Signal(str)

    def __init__(self, optional: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._optional = optional
        self._ndim = 2
        self._rows: list[list[Any]] = [[0.0]]
        self._none = False
        self._deep: Any = None  # data above 2-D (or too large for the table), kept as given
        self._filling = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(3)
        bar = QHBoxLayout()
        bar.setSpacing(2)
        self.rank = QComboBox()
        self.rank.addItems(["0-D", "1-D", "2-D"])
        self.rank.setToolTip("number of dimensions")
        self.rank.activated.connect(self._set_rank)
        bar.addWidget(self.rank)
        self.buttons: dict[str, QToolButton] = {}
        for key, text, tip in (("add_row", "+ row", "add a row"), ("del_row", "\u2212 row",
                               "remove the last row"), ("add_col", "+ col", "add a column"),
                               ("del_col", "\u2212 col", "remove the last column")):
            b = QToolButton()
            b.setText(text)
            b.setAutoRaise(True)
            b.setToolTip(tip)
            b.clicked.connect(lambda _c=False, k=key: self._resize(k))
            self.buttons[key] = b
            bar.addWidget(b)
        self.text_button = QToolButton()
        self.text_button.setText("Text")
        self.text_button.setCheckable(True)
        self.text_button.setAutoRaise(True)
        self.text_button.setToolTip("edit as nested lists")
        self.text_button.toggled.connect(self._toggle_text)
        bar.addWidget(self.text_button)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.shape_label = QLabel()
        self.shape_label.setForegroundRole(QPalette.ColorRole.PlaceholderText)

        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.AllEditTriggers)
        for h in (self.table.horizontalHeader(), self.table.verticalHeader()):
            h.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setDefaultSectionSize(64)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.table.itemChanged.connect(self._cell_edited)
        self.text = QPlainTextEdit()
        self.text.setPlaceholderText("None" if optional else "[[1.0, 2.0], [3.0, 4.0]]")
        self.apply_button = QPushButton("Apply")
        self.apply_button.setToolTip("use this data (Ctrl+Return)")
        self.apply_button.clicked.connect(self._apply_text)
        QShortcut(QKeySequence("Ctrl+Return"), self.text, activated=self._apply_text)
        text_page = QWidget()
        tl = QVBoxLayout(text_page)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.text, 1)
        tl.addWidget(self.apply_button, 0, Qt.AlignmentFlag.AlignRight)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(text_page)
        lay.addWidget(self.stack)
        lay.addWidget(self.shape_label)

    # ---- value --------------------------------------------------------------------------
    def value(self) -> Any:
        """The data shown: a number (0-D), a list (1-D), nested lists, or None."""
        if self._none:
            return None
        if self._deep is not None:
            return self._deep
        if self._ndim == 0:
            return self._rows[0][0]
        if self._ndim == 1:
            return list(self._rows[0])
        return [list(r) for r in self._rows]

    def set_value(self, data: Any) -> None:
        """Show ``data`` without emitting anything."""
        self._none, self._deep = data is None, None
        try:
            arr = None if data is None else np.asarray(data)
        except ValueError:  # ragged: shown as text, as given
            arr = np.asarray(0)
            self._deep = data
        if arr is None:
            self._ndim, self._rows = 2, [[0.0]]
        elif (self._deep is None and arr.ndim <= 2 and 0 < arr.size <= MAX_TABLE_CELLS
              and arr.dtype != object):
            self._ndim = arr.ndim
            cells = np.atleast_2d(np.asarray(data, dtype=object))  # keeps ints ints
            self._rows = [[_py(v) for v in r] for r in cells]
        else:
            self._deep = data
        tabular = not self._none and self._deep is None
        self._fill_table()
        self._set_text_mode(not tabular)
        self._update_controls(arr)

    # ---- table --------------------------------------------------------------------------
    def _fill_table(self) -> None:
        self._filling = True
        rows, cols = len(self._rows), len(self._rows[0]) if self._rows else 0
        self.table.clear()
        self.table.setRowCount(rows)
        self.table.setColumnCount(cols)
        self.table.setHorizontalHeaderLabels([str(c) for c in range(cols)])
        self.table.setVerticalHeaderLabels([str(r) for r in range(rows)])
        for r, row in enumerate(self._rows):
            for c, v in enumerate(row):
                it = QTableWidgetItem(_fmt(v))
                it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(r, c, it)
        self._filling = False
        self._fit_height()

    def _fit_height(self) -> None:
        """As tall as the rows (up to 8 shown), the text page a few lines."""
        t = self.table
        rows = min(t.rowCount(), 8)
        h = t.horizontalHeader().height() + rows * t.verticalHeader().defaultSectionSize() + \
            2 * t.frameWidth() + (t.horizontalScrollBar().sizeHint().height()
                                  if t.columnCount() > 4 else 0) + 2
        text_h = self.fontMetrics().height() * 5 + 40
        self.stack.setFixedHeight(max(h, 60) if self.stack.currentIndex() == 0 else text_h)

    def _cell_edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        try:
            v = parse_number(item.text())
        except ValueError as e:
            self._mark(item, True)
            self.invalid.emit(f"row {item.row()}, column {item.column()}: {e}")
            return
        self._mark(item, False)
        if type(v) is int and any(isinstance(u, float) for r in self._rows for u in r):
            v = float(v)  # keep float data float: 9 typed into [[1.0, 2.0]] is 9.0
        self._rows[item.row()][item.column()] = v
        self._emit()

    def _mark(self, item: QTableWidgetItem, bad: bool) -> None:
        self._filling = True  # a colour change is no edit
        item.setBackground(_BAD if bad else QBrush())
        self._filling = False

    def _filler(self) -> Any:
        flat = [v for r in self._rows for v in r]
        if flat and all(isinstance(v, bool) for v in flat):
            return False
        if any(isinstance(v, float) for v in flat):
            return 0.0
        return 0

    def _resize(self, key: str) -> None:
        rows, cols = len(self._rows), len(self._rows[0])
        if key == "add_row":
            self._rows.append([self._filler()] * cols)
        elif key == "del_row" and rows > 1:
            self._rows.pop()
        elif key == "add_col":
            fill = self._filler()
            for r in self._rows:
                r.append(fill)
        elif key == "del_col" and cols > 1:
            for r in self._rows:
                r.pop()
        else:
            return
        self._fill_table()
        self._emit()

    def _set_rank(self, ndim: int) -> None:
        if self._deep is not None or ndim == self._ndim:
            return
        flat = [v for r in self._rows for v in r] or [0.0]
        if ndim == 0:
            self._rows = [[flat[0]]]
        elif ndim == 1:
            self._rows = [flat]
        self._ndim = ndim
        self._fill_table()
        self._emit()

    # ---- text ---------------------------------------------------------------------------
    def _toggle_text(self, on: bool) -> None:
        if on:
            v = self.value()
            self.text.setPlainText("" if v is None else repr(v))
        elif self._deep is not None or self._none:
            self.text_button.setChecked(True)  # data the table cannot show stays text
            return
        self.stack.setCurrentIndex(1 if on else 0)
        self._fit_height()
        self._update_controls(None if self._none else np.asarray(self.value()))

    def _set_text_mode(self, on: bool) -> None:
        self.text_button.blockSignals(True)
        self.text_button.setChecked(on)
        self.text_button.blockSignals(False)
        v = self.value()
        big = v is not None and np.size(v) > MAX_TEXT_ELEMENTS
        self.text.setReadOnly(big)
        self.text.setPlainText("" if v is None else (
            f"{np.size(v)} elements: too many to edit here" if big else repr(v)))
        self.stack.setCurrentIndex(1 if on else 0)
        self._fit_height()

    def _apply_text(self) -> None:
        if self.text.isReadOnly():
            return
        s = self.text.toPlainText().strip()
        if not s:
            if not self._optional:
                self.invalid.emit("enter the data, e.g. [[1.0, 2.0], [3.0, 4.0]]")
                return
            self.set_value(None)
            self.committed.emit(None)
            return
        try:
            v = parse_nested(s)
        except ValueError as e:
            self.invalid.emit(str(e))
            return
        self.set_value(v)
        if self._deep is None:
            self._set_text_mode(True)  # stay in the mode the user is typing in
        self.committed.emit(self.value())

    # ---- shared -------------------------------------------------------------------------
    def _emit(self) -> None:
        self._none = False
        self._update_controls(np.asarray(self.value()))
        self.committed.emit(self.value())

    def _update_controls(self, arr: np.ndarray | None) -> None:
        table = self._deep is None and not self._none and self.stack.currentIndex() == 0
        self.rank.setEnabled(self._deep is None and not self._none)
        self.rank.setCurrentIndex(min(self._ndim, 2))
        self.buttons["add_row"].setEnabled(table and self._ndim == 2)
        self.buttons["del_row"].setEnabled(table and self._ndim == 2 and len(self._rows) > 1)
        self.buttons["add_col"].setEnabled(table and self._ndim >= 1)
        self.buttons["del_col"].setEnabled(table and self._ndim >= 1 and len(self._rows[0]) > 1)
        self.shape_label.setText("None" if arr is None else f"shape {tuple(arr.shape)}")


def _py(v: Any) -> Any:
    """A numpy scalar or Python number as a Python number."""
    return v.item() if hasattr(v, "item") else v
