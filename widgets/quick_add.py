"""Quick add: a small popup with a search field and a list of node kinds filtered as you type;
Enter (or a click) emits the chosen kind's key."""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtWidgets import QFrame, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from .canvas.style import heading_of
from .palette import heading_icon, kind_tooltip, search_kinds

MAX_SHOWN = 60


class QuickAdd(QFrame):
    """``popup_at(global_pos)`` shows it; ``kindChosen(key)`` fires on Enter or a click."""

    kindChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.Popup)
        self.setFrameShape(QFrame.StyledPanel)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText("Add node…")
        self.list = QListWidget(self)
        self.list.setUniformItemSizes(True)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(3)
        lay.addWidget(self.search)
        lay.addWidget(self.list)
        self.resize(300, 340)
        self._icons: dict = {}
        self.search.textChanged.connect(self.set_filter)
        self.search.installEventFilter(self)
        self.list.itemActivated.connect(self._choose)
        self.list.itemClicked.connect(self._choose)
        self.set_filter("")

    def popup_at(self, global_pos: QPoint) -> None:
        """Show at a screen position with an empty search, ready for typing."""
        self.search.clear()
        self.set_filter("")
        self.move(global_pos)
        self.show()
        self.search.setFocus()

    def set_filter(self, text: str) -> None:
        """List the kinds matching ``text``, best first; the first is current."""
        self.list.clear()
        for k in search_kinds(text)[:MAX_SHOWN]:
            heading = heading_of(k.family)
            if heading not in self._icons:
                self._icons[heading] = heading_icon(heading)
            it = QListWidgetItem(self._icons[heading], f"{k.title}   ·  {heading}")
            it.setData(Qt.UserRole, k.key)
            it.setToolTip(kind_tooltip(k))
            self.list.addItem(it)
        if self.list.count():
            self.list.setCurrentRow(0)

    def shown_kinds(self) -> list[str]:
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())]

    def current_kind(self) -> str | None:
        it = self.list.currentItem()
        return it.data(Qt.UserRole) if it is not None else None

    def _choose(self, item: QListWidgetItem | None = None) -> None:
        item = item or self.list.currentItem()
        if item is None:
            return
        key = item.data(Qt.UserRole)
        self.hide()
        self.kindChosen.emit(key)

    def eventFilter(self, obj, event) -> bool:
        if obj is self.search and event.type() == QEvent.KeyPress:
            key = event.key()
            if key in (Qt.Key_Down, Qt.Key_Up, Qt.Key_PageDown, Qt.Key_PageUp):
                step = {Qt.Key_Down: 1, Qt.Key_Up: -1, Qt.Key_PageDown: 8, Qt.Key_PageUp: -8}[key]
                n = self.list.count()
                if n:
                    self.list.setCurrentRow(max(0, min(n - 1, self.list.currentRow() + step)))
                return True
            if key in (Qt.Key_Return, Qt.Key_Enter):
                self._choose()
                return True
            if key == Qt.Key_Escape:
                self.hide()
                return True
        return super().eventFilter(obj, event)
