"""One editor per attribute kind of the op registry's schema (``engine.ops.registry.Attr``).

Every editor shows a value (``set_value``, which emits nothing), and emits ``committed(value)``
once a user's edit ends with a value that parses and passes ``validate`` (the inspector gives
``engine.graph.kinds.validate_attr``). A value that does not shows a red border and the
message under the field, and nothing is emitted. :func:`make_editor` picks the editor.
"""
from __future__ import annotations

import ast
from typing import Any, Callable

from PySide6.QtCore import Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (QCheckBox, QComboBox, QFileDialog, QHBoxLayout, QLabel,
                               QLineEdit, QSpinBox, QToolButton, QVBoxLayout, QWidget)

from engine import cuda
from engine._dtype import ALL_DTYPES
from engine.ops.registry import Attr

from .data_table_editor import DataTableEditor

ERROR_STYLE = "border: 1px solid #e5484d; border-radius: 2px;"
_INT_MAX = 2**31 - 1
_DIM_LIMIT = 64  # PyTorch's most dimensions


class AttrEditor(QWidget):
    """Base: an input widget on top, an error line under it."""

    committed = Signal(object)

    def __init__(self, attr: Attr, validate: Callable[[Any], Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.attr = attr
        self._validate = validate or (lambda v: v)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(1)
        self.row = QHBoxLayout()
        self.row.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(self.row)
        self.error_label = QLabel()
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #e5484d; font-size: 8pt;")
        self.error_label.hide()
        lay.addWidget(self.error_label)
        self.input: QWidget | None = None

    def _add_input(self, w: QWidget, stretch: bool = True) -> None:
        self.input = w
        self.row.addWidget(w, 1 if stretch else 0)
        if not stretch:
            self.row.addStretch(1)
        self.setFocusProxy(w)

    @property
    def error(self) -> str:
        """The message shown for invalid input ('' when the input is fine)."""
        return self.error_label.text()

    def set_error(self, message: str | None) -> None:
        self.error_label.setText(message or "")
        self.error_label.setVisible(bool(message))
        target = self.styled_widget()
        if target is not None:
            target.setStyleSheet(f"{type(target).__name__} {{{ERROR_STYLE}}}" if message else "")

    def styled_widget(self) -> QWidget | None:
        """The widget that gets the red border."""
        return self.input

    def check(self, value: Any) -> tuple[bool, Any]:
        """(ok, normalised value), showing the error when not ok."""
        try:
            v = self._validate(value)
        except ValueError as e:
            self.set_error(str(e))
            return False, None
        self.set_error(None)
        return True, v

    def _commit(self, value: Any) -> None:
        ok, v = self.check(value)
        if ok:
            self.committed.emit(v)

    def set_value(self, value: Any) -> None:  # pragma: no cover - overridden
        raise NotImplementedError


class _SpinBox(QSpinBox):
    """A spin box whose lowest slot means None; stepping from it lands on 0."""

    def stepBy(self, steps: int) -> None:
        if self.specialValueText() and self.value() == self.minimum():
            self.setValue(max(0, self.minimum() + 1))
            return
        super().stepBy(steps)


class IntEditor(AttrEditor):
    """int and dim: a spin box within the attribute's range; None as its lowest slot."""

    def __init__(self, attr: Attr, validate=None, parent=None) -> None:
        super().__init__(attr, validate, parent)
        lim = _DIM_LIMIT if attr.kind == "dim" else _INT_MAX - 1
        lo, hi = attr.range or (None, None)
        lo = int(lo) if lo is not None else -lim
        hi = int(hi) if hi is not None else lim
        self.spin = _SpinBox()
        self.nullable = attr.optional or attr.required or attr.default is None
        self.spin.setRange(lo - 1 if self.nullable else lo, hi)
        if self.nullable:
            self.spin.setSpecialValueText("None" if attr.optional else "(required)")
        self.spin.setKeyboardTracking(False)
        self.spin.valueChanged.connect(self._changed)
        self._add_input(self.spin)

    def _changed(self, v: int) -> None:
        self._commit(None if self.nullable and v == self.spin.minimum() else v)

    def set_value(self, value: Any) -> None:
        self.spin.blockSignals(True)
        self.spin.setValue(self.spin.minimum() if value is None else int(value))
        self.spin.blockSignals(False)
        self.set_error(None)


class _LineEditor(AttrEditor):
    """A line edit checked as one types; commits when editing ends (Enter or leaving it)."""

    placeholder = ""

    def __init__(self, attr: Attr, validate=None, parent=None) -> None:
        super().__init__(attr, validate, parent)
        self.edit = QLineEdit()
        self.edit.setPlaceholderText(self.placeholder)
        self.edit.textEdited.connect(self._live)
        self.edit.editingFinished.connect(self._finished)
        self._add_input(self.edit)
        self._shown = ""

    def parse(self, text: str) -> Any:
        return text

    def show_text(self, value: Any) -> str:
        return "" if value is None else str(value)

    def _parsed(self) -> tuple[bool, Any]:
        try:
            value = self.parse(self.edit.text())
        except ValueError as e:
            self.set_error(str(e))
            return False, None
        return self.check(value)

    def _live(self, _text: str) -> None:
        self._parsed()

    def _finished(self) -> None:
        if self.edit.text() == self._shown and not self.error:
            return  # focus left without a change
        ok, v = self._parsed()
        if ok:
            self.committed.emit(v)

    def set_value(self, value: Any) -> None:
        self._shown = self.show_text(value)
        self.edit.setText(self._shown)
        self.set_error(None)


class NumberEditor(_LineEditor):
    """float and scalar: any int or float (``3``, ``0.5``, ``1e-3``, ``inf``)."""

    placeholder = "a number"

    def parse(self, text: str) -> Any:
        s = text.strip()
        if not s or s == "None":
            if self.attr.optional or self.attr.default is None:
                return None
            raise ValueError(f"{self.attr.name} needs a number")
        if self.attr.kind == "scalar":
            try:
                return int(s)
            except ValueError:
                pass
        try:
            return float(s)
        except ValueError:
            raise ValueError(f"{s!r} is not a number") from None

    def show_text(self, value: Any) -> str:
        return "" if value is None else repr(value)


def parse_ints(text: str, kind: str = "ints", optional: bool = False) -> Any:
    """``"2, 3"``, ``"(2, 3)"``, ``"[2, 3]"`` -> (2, 3); for dims a lone ``"1"`` -> 1 and an
    empty text or ``None`` -> None; ValueError saying what is wrong."""
    s = text.strip()
    if s in ("", "None"):
        if optional:
            return None
        raise ValueError("enter integers separated by commas, e.g. 2, 3")
    bracketed = s[0] in "([" and s[-1] in ")]"
    if bracketed:
        s = s[1:-1].strip()
    parts = [p.strip() for p in s.split(",")]
    if parts and parts[-1] == "" and len(parts) > 1:
        parts.pop()  # "2," is a one-element tuple
    if parts == [""]:
        return ()
    out = []
    for p in parts:
        try:
            out.append(int(p))
        except ValueError:
            raise ValueError(f"{p!r} is not an integer") from None
    if kind == "dims" and len(out) == 1 and not bracketed and "," not in text:
        return out[0]
    return tuple(out)


class IntsEditor(_LineEditor):
    """shape, ints and dims: integers separated by commas, with or without brackets."""

    placeholder = "e.g. 2, 3"

    def parse(self, text: str) -> Any:
        return parse_ints(text, self.attr.kind, self.attr.optional)

    def show_text(self, value: Any) -> str:
        if value is None:
            return "None" if self.attr.optional else ""
        if isinstance(value, (tuple, list)):
            return "(" + ", ".join(map(str, value)) + ("," if len(value) == 1 else "") + ")"
        return str(value)


class TextEditor(_LineEditor):
    """str, and index expressions (``[:, 0]``), checked as one types."""

    def __init__(self, attr: Attr, validate=None, parent=None) -> None:
        self.placeholder = "e.g. [:, 0]" if attr.kind == "index" else ""
        super().__init__(attr, validate, parent)

    def parse(self, text: str) -> Any:
        if self.attr.kind == "index":
            check_index_text(text)
        return text


def check_index_text(text: str) -> None:
    """ValueError unless ``text`` reads as an index in brackets (``[:, 0]``, ``[[0, 2]]``,
    ``[x[:, 2] > 5]``); the op itself checks it against the tensor when it runs."""
    s = text.strip()
    if not (s.startswith("[") and s.endswith("]")):
        raise ValueError("an index is written in brackets, like [:, 0]")
    try:
        tree = ast.parse("_" + s, mode="eval")
    except SyntaxError as e:
        raise ValueError(f"cannot read the index: {e.msg}") from None
    for n in ast.walk(tree):
        if isinstance(n, (ast.Call, ast.Attribute, ast.Lambda, ast.Starred)):
            raise ValueError(f"{ast.unparse(n)!r} is not allowed in an index")


class PathEditor(TextEditor):
    """A file path with a browse button."""

    file_filter = "Arrays (*.npy *.csv);;All files (*)"

    def __init__(self, attr: Attr, validate=None, parent=None) -> None:
        super().__init__(attr, validate, parent)
        self.browse = QToolButton()
        self.browse.setText("...")
        self.browse.setToolTip("choose a file")
        self.browse.clicked.connect(self._browse)
        self.row.addWidget(self.browse)

    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, f"Choose {self.attr.name}",
                                              self.edit.text(), self.file_filter)
        if path:
            self.edit.setText(path)
            self._finished()


class BoolEditor(AttrEditor):
    """bool: a check box; a click commits."""

    def __init__(self, attr: Attr, validate=None, parent=None) -> None:
        super().__init__(attr, validate, parent)
        self.box = QCheckBox()
        self.box.clicked.connect(lambda checked: self._commit(bool(checked)))
        self._add_input(self.box, stretch=False)

    def set_value(self, value: Any) -> None:
        self.box.setChecked(bool(value))
        self.set_error(None)


class ComboEditor(AttrEditor):
    """choice, dtype and device: a combo box of the allowed values; choosing one commits."""

    def __init__(self, attr: Attr, validate=None, parent=None) -> None:
        super().__init__(attr, validate, parent)
        self.combo = QComboBox()
        self.values: list[Any] = []
        for value, text in self.items():
            self._add_item(value, text)
        self.combo.activated.connect(lambda i: self._commit(self.values[i]))
        self._add_input(self.combo)

    def items(self) -> list[tuple[Any, str]]:
        return [(c, "None" if c is None else str(c)) for c in (self.attr.choices or ())]

    def _add_item(self, value: Any, text: str) -> int:
        self.values.append(value)
        self.combo.addItem(text)
        return len(self.values) - 1

    def set_value(self, value: Any) -> None:
        i = self.values.index(value) if value in self.values else self._add_item(value, str(value))
        self.combo.setCurrentIndex(i)
        self.set_error(None)


class DtypeEditor(ComboEditor):
    def items(self) -> list[tuple[Any, str]]:
        head = [(None, "default")] if self.attr.optional or self.attr.default is None else []
        return head + [(d.name, d.name) for d in ALL_DTYPES]


class DeviceEditor(ComboEditor):
    """cpu, and cuda (disabled, with the reason as its tooltip, where CUDA is unavailable)."""

    def __init__(self, attr: Attr, validate=None, parent=None) -> None:
        super().__init__(attr, validate, parent)
        reason = cuda.unavailable_reason()
        if reason:
            model = self.combo.model()
            for i, v in enumerate(self.values):
                if str(v).startswith("cuda") and isinstance(model, QStandardItemModel):
                    item = model.item(i)
                    item.setEnabled(False)
                    item.setToolTip(f"CUDA is not available: {reason}")
            self.combo.setToolTip(f"CUDA is not available: {reason}")

    def items(self) -> list[tuple[Any, str]]:
        n = cuda.device_count()
        extra = [f"cuda:{i}" for i in range(n)] if n > 1 else []
        return [("cpu", "cpu"), ("cuda", "cuda")] + [(d, d) for d in extra]


class DataEditor(AttrEditor):
    """data: literal tensor data in a small table (up to 2-D) or as nested-list text."""

    def __init__(self, attr: Attr, validate=None, parent=None) -> None:
        super().__init__(attr, validate, parent)
        self.table = DataTableEditor(optional=attr.optional)
        self.table.committed.connect(self._commit)
        self.table.invalid.connect(self.set_error)
        self._add_input(self.table)

    def styled_widget(self) -> QWidget | None:
        return self.table.stack

    def set_value(self, value: Any) -> None:
        self.table.set_value(value)
        self.set_error(None)


_EDITORS: dict[str, type[AttrEditor]] = {
    "int": IntEditor, "dim": IntEditor, "float": NumberEditor, "scalar": NumberEditor,
    "bool": BoolEditor, "choice": ComboEditor, "dtype": DtypeEditor, "device": DeviceEditor,
    "shape": IntsEditor, "ints": IntsEditor, "dims": IntsEditor, "str": TextEditor,
    "index": TextEditor, "path": PathEditor, "data": DataEditor,
}


def make_editor(attr: Attr, value: Any = None, validate: Callable[[Any], Any] | None = None,
                parent: QWidget | None = None) -> AttrEditor:
    """The editor for ``attr``'s kind, showing ``value``."""
    ed = _EDITORS.get(attr.kind, TextEditor)(attr, validate, parent)
    ed.set_value(value)
    if attr.doc:
        ed.setToolTip(attr.doc)
    return ed
