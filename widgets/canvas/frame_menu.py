"""The context menu of a frame (rename, no_grad on/off, delete) and its rename prompt. They
only emit the canvas's signals; the app turns them into undo commands."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QInputDialog, QMenu

if TYPE_CHECKING:
    from .view import GraphCanvas


def rename_frame(canvas: "GraphCanvas", frame_id: str) -> None:
    """Ask for a new label and emit ``frameEditRequested`` if it changed."""
    frame = canvas.graph.frames.get(frame_id)
    if frame is None:
        return
    text, ok = QInputDialog.getText(canvas, "Rename Frame", "Frame label:", text=frame.label)
    if ok and text.strip() != frame.label:
        canvas.frameEditRequested.emit(frame_id, {"label": text.strip()})


def frame_menu(canvas: "GraphCanvas", frame_id: str) -> QMenu:
    """The menu shown on a right-click on a frame (the caller execs it)."""
    frame = canvas.graph.frames[frame_id]
    menu = QMenu(canvas)
    menu.setObjectName("frame_menu")
    menu.addAction("Rename Frame…", lambda: rename_frame(canvas, frame_id))
    toggle = menu.addAction("Run Nodes Inside Under no_grad")
    toggle.setCheckable(True)
    toggle.setChecked(frame.no_grad)
    toggle.setToolTip("Nodes of a no_grad frame run under torch.no_grad()")
    toggle.toggled.connect(lambda on: canvas.frameEditRequested.emit(frame_id, {"no_grad": on}))
    menu.addSeparator()
    menu.addAction("Delete Frame (Keep Nodes)",
                   lambda: canvas.deleteRequested.emit([], [], [frame_id]))
    return menu
