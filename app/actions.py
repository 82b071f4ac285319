"""Every action of the main window, as data in one place, and the code that turns the list
into QActions, menus and the toolbar.

An action's ``callback`` is a dotted path on the window (``files.open`` is
``window.files.open``); checkable actions get the new checked state. ``enabled_when`` names a
condition the window evaluates (``MainWindow.condition``): see CONDITIONS. Actions with
``scope="canvas"`` (copy, paste, delete...) have shortcuts only while the canvas has focus, so
text fields and tables keep Ctrl+C and Delete. ``widget=True`` entries put the widget the
callback returns on the toolbar (the device selector, the step count); ``submenu=True`` entries
are submenus the callback fills each time they open (recent files, examples).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu, QStyle, QToolBar, QToolButton

from . import icons

SK = QKeySequence.StandardKey


@dataclass(frozen=True)
class Action:
    id: str
    title: str
    callback: str
    menu: str | None = None
    shortcut: str | QKeySequence.StandardKey | None = None
    toolbar: bool = False
    enabled_when: str | None = None
    checkable: bool = False
    tip: str = ""
    icon: str | None = None  # an app.icons name, or a QStyle.StandardPixmap name (SP_...)
    scope: str = "window"  # or "canvas"
    separator: bool = False  # a separator before it (menu and toolbar)
    submenu: bool = False
    widget: bool = False
    toolbar_text: str | None = None  # shorter text on the toolbar; "" for the icon alone


CONDITIONS = {
    "idle": "no run or training in flight",
    "running": "a run or training is in flight",
    "has_nodes": "the graph has nodes",
    "has_selection": "nodes, edges or frames are selected",
    "has_node_selection": "nodes are selected",
    "can_paste": "something was copied",
    "can_train": "idle, and the graph has an optimizer step node",
    "can_undo": "the undo stack has something to undo",
    "can_redo": "the undo stack has something to redo",
}

MENUS = ("File", "Edit", "View", "Run", "Help")

ACTIONS: tuple[Action, ...] = (
    # ---- File ---------------------------------------------------------------------------------
    Action("new", "&New", "files.new", "File", SK.New, tip="Start an empty graph",
           icon="SP_FileIcon"),
    Action("open", "&Open…", "files.open", "File", SK.Open, tip="Open a .gradlab file",
           icon="SP_DialogOpenButton"),
    Action("recent", "Open &Recent", "files.fill_recent", "File", submenu=True),
    Action("examples", "&Examples", "files.fill_examples", "File", submenu=True),
    Action("gallery", "Example &Gallery…", "show_gallery", "File", "Ctrl+Shift+G",
           tip="The classroom gallery: every example with its teaching note"),
    Action("save", "&Save", "files.save", "File", SK.Save, separator=True,
           icon="SP_DialogSaveButton"),
    Action("save_as", "Save &As…", "files.save_as", "File", SK.SaveAs),
    Action("export_png", "Export Canvas as &PNG…", "files.export_png", "File", "Ctrl+E",
           separator=True, enabled_when="has_nodes"),
    Action("export_svg", "Export Canvas as S&VG…", "files.export_svg", "File",
           enabled_when="has_nodes"),
    Action("export_torch", "Export &PyTorch Script…", "files.export_torch", "File",
           enabled_when="has_nodes", tip="A runnable PyTorch program of this graph"),
    Action("quit", "&Quit", "close", "File", SK.Quit, separator=True),
    # ---- Edit ---------------------------------------------------------------------------------
    Action("undo", "&Undo", "edit.undo", "Edit", SK.Undo, enabled_when="can_undo"),
    Action("redo", "&Redo", "edit.redo", "Edit", SK.Redo, enabled_when="can_redo"),
    Action("cut", "Cu&t", "edit.cut", "Edit", SK.Cut, scope="canvas", separator=True,
           enabled_when="has_node_selection"),
    Action("copy", "&Copy", "edit.copy", "Edit", SK.Copy, scope="canvas",
           enabled_when="has_node_selection"),
    Action("paste", "&Paste", "edit.paste", "Edit", SK.Paste, scope="canvas",
           enabled_when="can_paste"),
    Action("duplicate", "D&uplicate", "edit.duplicate", "Edit", "Ctrl+D", scope="canvas",
           enabled_when="has_node_selection"),
    Action("delete", "&Delete", "edit.delete", "Edit", SK.Delete, scope="canvas",
           enabled_when="has_selection"),
    Action("select_all", "Select &All", "edit.select_all", "Edit", SK.SelectAll,
           scope="canvas", enabled_when="has_nodes"),
    Action("frame", "Add &no_grad Frame Around Selection", "edit.add_frame", "Edit", "Ctrl+G",
           separator=True, enabled_when="has_node_selection",
           tip="Nodes inside a no_grad frame run under torch.no_grad()"),
    Action("quick_add", "&Add Node…", "edit.quick_add", "Edit", "Tab", scope="canvas",
           tip="Search node kinds and add one at the cursor"),
    # ---- Run (and the toolbar) -----------------------------------------------------------------
    Action("run", "Run", "runs.run_forward", "Run", "F5", toolbar=True, enabled_when="idle",
           tip="Run the graph forward (only what changed is recomputed)", icon="run"),
    Action("backward", "Backward", "runs.backward", "Run", "F6", toolbar=True,
           enabled_when="idle", tip="Call backward() from the loss (the last scalar output, or "
           "the backward node); .grad accumulates as in PyTorch", icon="backward"),
    Action("zero_grad", "Zero grad", "runs.zero_grad", "Run", "F8", toolbar=True,
           enabled_when="idle", tip="Set .grad of every leaf to None",
           icon="zero_grad"),
    Action("run_backward", "Run + Backward", "runs.run_and_backward", "Run", "Ctrl+Return",
           toolbar=True, enabled_when="idle", tip="Forward, then backward",
           icon="run_backward"),
    Action("step", "Step", "runs.step", "Run", "F10", toolbar=True, separator=True,
           enabled_when="can_train", tip="One training step: zero_grad, forward, backward, "
           "optimizer step (graphs with an optimizer step node)", icon="step"),
    Action("train", "Train", "runs.train", "Run", "F11", toolbar=True,
           enabled_when="can_train", tip="Run the number of training steps set beside",
           icon="train"),
    Action("train_steps", "Steps", "runs.steps_widget", toolbar=True, widget=True),
    Action("cancel", "Cancel", "runs.cancel", "Run", "Ctrl+.", toolbar=True,
           enabled_when="running", tip="Stop the run or training at the next node or step",
           icon="cancel"),
    Action("auto_run", "Auto-run", "runs.set_auto_run", "Run", toolbar=True, checkable=True,
           separator=True, tip="Run forward again after every edit", icon="auto_run"),
    Action("device", "Device", "runs.device_widget", toolbar=True, widget=True),
    Action("reset_values", "Draw Parameters Again", "runs.reset_values", "Run",
           separator=True, enabled_when="idle",
           tip="Forget every value: random sources and parameters are drawn again"),
    # ---- View ---------------------------------------------------------------------------------
    Action("zoom_in", "Zoom &In", "zoom_in", "View", SK.ZoomIn, toolbar=True, separator=True,
           icon="zoom_in", toolbar_text=""),
    Action("zoom_out", "Zoom &Out", "zoom_out", "View", SK.ZoomOut, toolbar=True,
           icon="zoom_out", toolbar_text=""),
    Action("fit", "&Fit to View", "canvas.fit_to_view", "View", "Ctrl+0", toolbar=True,
           icon="fit", toolbar_text=""),
    Action("grad_coloring", "Colour Edges by &Gradient", "set_grad_coloring", "View",
           toolbar=True, checkable=True, tip="After backward, colour edges by the magnitude "
           "of the gradient that flowed through them", icon="grad", toolbar_text="Grad colours"),
    Action("docks", "&Panels", "fill_docks", "View", submenu=True, separator=True),
    Action("dark", "&Dark Theme", "set_dark_theme", "View", checkable=True),
    Action("reset_layout", "Reset Panel &Layout", "reset_layout", "View"),
    # ---- Help ---------------------------------------------------------------------------------
    Action("about", "&About Gradlab", "about", "Help"),
)


def resolve(window: Any, path: str) -> Callable:
    """``"files.open"`` -> ``window.files.open``."""
    obj = window
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _trigger(window: Any, a: Action, qa: QAction) -> None:
    fn = resolve(window, a.callback)
    if a.checkable:
        fn(qa.isChecked())
    else:
        fn()


def install(window: QMainWindow, canvas, toolbar: QToolBar) -> dict[str, QAction]:
    """Create the QActions of ACTIONS on ``window`` and fill its menu bar and ``toolbar``."""
    style = window.style()
    actions: dict[str, QAction] = {}
    menus: dict[str, QMenu] = {m: window.menuBar().addMenu("&" + m) for m in MENUS}
    for a in ACTIONS:
        if a.widget:
            if a.toolbar:
                if a.separator:
                    toolbar.addSeparator()
                toolbar.addWidget(resolve(window, a.callback)())
            continue
        if a.submenu:
            m = menus[a.menu].addMenu(a.title) if a.menu else QMenu(a.title, window)
            if a.separator:
                menus[a.menu].insertSeparator(m.menuAction())
            m.aboutToShow.connect(lambda m=m, a=a: resolve(window, a.callback)(m))
            actions[a.id] = m.menuAction()
            continue
        qa = QAction(a.title, window)
        qa.setObjectName(f"action_{a.id}")
        if a.shortcut is not None:
            qa.setShortcut(QKeySequence(a.shortcut))
        if a.tip:
            qa.setToolTip(f"{a.title.replace('&', '')} — {a.tip}" if a.toolbar else a.tip)
            qa.setStatusTip(a.tip)
        if a.icon:
            qa.setIcon(style.standardIcon(getattr(QStyle.StandardPixmap, a.icon))
                       if a.icon.startswith("SP_") else icons.icon(a.icon))
        qa.setCheckable(a.checkable)
        if a.scope == "canvas":
            qa.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            canvas.addAction(qa)
        else:
            window.addAction(qa)
        qa.triggered.connect(lambda _checked=False, a=a, qa=qa: _trigger(window, a, qa))
        if a.menu:
            if a.separator:
                menus[a.menu].addSeparator()
            menus[a.menu].addAction(qa)
        if a.toolbar:
            if a.separator:
                toolbar.addSeparator()
            toolbar.addAction(qa)
            button = toolbar.widgetForAction(qa)
            if a.toolbar_text:
                qa.setIconText(a.toolbar_text)  # what a toolbar button shows
            elif a.toolbar_text == "" and isinstance(button, QToolButton):
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        actions[a.id] = qa
    return actions


def update_enabled(actions: dict[str, QAction], condition: Callable[[str], bool]) -> None:
    """Enable each action whose ``enabled_when`` condition holds."""
    for a in ACTIONS:
        if a.enabled_when and a.id in actions:
            actions[a.id].setEnabled(bool(condition(a.enabled_when)))
