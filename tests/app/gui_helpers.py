"""Helpers the app tests share: real gestures (drops, port drags, toolbar clicks) and lookups."""
from __future__ import annotations

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication


def make_window(qtbot, size=(1400, 900)):
    """A shown main window; close it with ``close_quietly`` (not qtbot.addWidget, whose
    close at teardown would come before the test's own and meet the unsaved prompt)."""
    from app.main_window import MainWindow

    w = MainWindow()
    w.resize(*size)
    w.show()
    QTest.qWaitForWindowExposed(w)
    w.layout_docks()
    return w


def close_quietly(w) -> None:
    """Close without the unsaved-changes prompt (test teardown)."""
    w.document.undo_stack.setClean()
    w.close()
    w.deleteLater()


def send_drop(widget, mime, pos: QPoint) -> None:
    """What a drag from another widget delivers: enter, move, drop."""
    for ev in (QDragEnterEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
               QDragMoveEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier),
               QDropEvent(QPointF(pos), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)):
        QApplication.sendEvent(widget, ev)


def port_pos(canvas, node_id: str, port: str, output: bool) -> QPoint:
    item = canvas.graph_scene().port_item(node_id, port, output)
    return canvas.mapFromScene(item.scenePos())


def mouse_drag(widget, a: QPoint, b: QPoint, steps: int = 5) -> None:
    QTest.mousePress(widget, Qt.LeftButton, Qt.NoModifier, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(widget, a + (b - a) * (i / steps))
    QTest.mouseRelease(widget, Qt.LeftButton, Qt.NoModifier, b)


def click_tool(qtbot, window, action_id: str) -> None:
    """Click the toolbar button of an action."""
    button = window.toolbar.widgetForAction(window.action(action_id))
    assert button is not None and button.isEnabled(), action_id
    qtbot.mouseClick(button, Qt.LeftButton)


def menu_action(window, menu_title: str, text: str):
    """The action titled ``text`` in the menu bar's ``menu_title`` menu."""
    for top in window.menuBar().actions():
        if top.text().replace("&", "") == menu_title:
            for a in top.menu().actions():
                if a.text().replace("&", "").startswith(text):
                    return a
    raise LookupError(f"{menu_title} > {text}")
