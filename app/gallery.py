"""The start page: the classroom gallery of examples with their teaching notes and a preview,
plus "new empty graph" and "open a file". Choosing an example emits ``exampleChosen(path)``."""
from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter, QPalette, QPixmap
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QLabel, QListWidget, QListWidgetItem,
                               QPushButton, QSizePolicy, QSplitter, QStyle, QStyledItemDelegate,
                               QStyleOptionViewItem, QVBoxLayout, QWidget)

from resources import list_examples

PATH_ROLE = Qt.ItemDataRole.UserRole
NOTE_ROLE = Qt.ItemDataRole.UserRole + 1
MAX_PREVIEW = 1600  # pixels; the graph is drawn at 80 % (node text stays readable), then scaled


def render_preview(path: Path, max_side: int = MAX_PREVIEW) -> QPixmap | None:
    """A picture of the graph in ``path`` (None if it cannot be read)."""
    from engine.graph.fileformat import FileFormatError, load
    from widgets.canvas import GraphScene
    from widgets.canvas.style import paints

    try:
        graph = load(path)
    except (FileFormatError, OSError):
        return None
    scene = GraphScene(graph)
    scene.draw_grid = False
    src = scene.content_rect().adjusted(-20, -20, 20, 20)
    k = min(0.8, max_side / max(src.width(), src.height(), 1.0))
    size = QSize(max(64, round(src.width() * k)), max(48, round(src.height() * k)))
    img = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(paints().background)
    if not src.isEmpty():
        p = QPainter(img)
        p.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        scene.render(p, QRectF(0, 0, size.width(), size.height()), src,
                     Qt.AspectRatioMode.KeepAspectRatio)
        p.end()
    scene.detach()
    scene.deleteLater()
    return QPixmap.fromImage(img)


class _ExampleDelegate(QStyledItemDelegate):
    """An example in the list: its title in bold, the start of its note under it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        style = opt.widget.style() if opt.widget else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal = opt.palette
        text = pal.color(QPalette.ColorRole.HighlightedText if selected
                         else QPalette.ColorRole.Text)
        r = opt.rect.adjusted(8, 4, -8, -4)
        bold = QFont(opt.font)
        bold.setBold(True)
        painter.save()
        painter.setFont(bold)
        painter.setPen(text)
        fm = QFontMetrics(bold)
        painter.drawText(r.x(), r.y() + fm.ascent(), index.data(Qt.ItemDataRole.DisplayRole))
        painter.setFont(opt.font)
        dim = QColor(text)
        dim.setAlpha(170 if not selected else 230)
        painter.setPen(dim)
        note = QFontMetrics(opt.font).elidedText(index.data(NOTE_ROLE) or "",
                                                 Qt.TextElideMode.ElideRight, r.width())
        painter.drawText(r.x(), r.y() + fm.height() + 2 + QFontMetrics(opt.font).ascent(), note)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index) -> QSize:
        return QSize(200, 2 * QFontMetrics(option.font).height() + 14)


class GalleryPage(QWidget):
    """The list of examples on the left, the chosen one's note and preview on the right."""

    exampleChosen = Signal(str)
    newRequested = Signal()
    openRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._previews: dict[str, QPixmap | None] = {}
        self.heading = QLabel("<span style='font-size:20pt; font-weight:600'>Gradlab</span>"
                              "<br><span style='font-size:11pt'>Build tensor graphs, run them "
                              "forward and backward, and see every gradient. Pick an example "
                              "to start, or begin with an empty canvas.</span>")
        self.heading.setWordWrap(True)
        self.new_button = QPushButton("New empty graph")
        self.open_button = QPushButton("Open a file…")
        self.new_button.clicked.connect(self.newRequested)
        self.open_button.clicked.connect(self.openRequested)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.new_button, 0, Qt.AlignmentFlag.AlignBottom)
        top.addWidget(self.open_button, 0, Qt.AlignmentFlag.AlignBottom)

        self.list = QListWidget()
        self.list.setItemDelegate(_ExampleDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.currentItemChanged.connect(lambda cur, _prev: self._show(cur))
        self.list.itemActivated.connect(self._choose)
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.note.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(200, 120)
        self.preview.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.open_example = QPushButton("Open this example")
        self.open_example.setDefault(True)
        self.open_example.clicked.connect(lambda: self._choose(self.list.currentItem()))
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.addWidget(self.title)
        rl.addWidget(self.preview, 3)
        rl.addWidget(self.note, 2)
        rl.addWidget(self.open_example, 0, Qt.AlignmentFlag.AlignRight)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([380, 620])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 18, 24, 18)
        lay.addLayout(top)
        lay.addWidget(split, 1)
        self.refresh()

    def refresh(self) -> None:
        """Read the examples again."""
        self.list.clear()
        for path, title, note in list_examples():
            it = QListWidgetItem(title)
            it.setData(PATH_ROLE, str(path))
            it.setData(NOTE_ROLE, note)
            it.setToolTip(note)
            self.list.addItem(it)
        if self.list.count():
            self.list.setCurrentRow(0)

    def examples(self) -> list[str]:
        """The paths listed, in order."""
        return [self.list.item(i).data(PATH_ROLE) for i in range(self.list.count())]

    def select(self, path: str) -> None:
        for i in range(self.list.count()):
            if self.list.item(i).data(PATH_ROLE) == str(path):
                self.list.setCurrentRow(i)

    def _show(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        path = item.data(PATH_ROLE)
        title, note = item.text(), item.data(NOTE_ROLE) or ""
        self.title.setText(f"<span style='font-size:14pt; font-weight:600'>"
                           f"{html.escape(title)}</span>")
        self.note.setText(html.escape(note))
        if path not in self._previews:
            self._previews[path] = render_preview(Path(path))
        pm = self._previews[path]
        if pm is None:
            self.preview.setText("(this example cannot be read)")
        else:
            self.preview.setPixmap(pm.scaled(self.preview.size().expandedTo(QSize(200, 120)),
                                             Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))

    def resizeEvent(self, e) -> None:
        super().resizeEvent(e)
        self._show(self.list.currentItem())

    def _choose(self, item: QListWidgetItem | None) -> None:
        if item is not None:
            self.exampleChosen.emit(item.data(PATH_ROLE))
