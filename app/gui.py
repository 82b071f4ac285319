"""``gradlab`` without a subcommand: the desktop app.

``main(argv)`` gets the arguments after ``gradlab``: ``[]`` or ``["--gallery"]`` opens the
window on the example gallery, ``["FILE"]`` opens that graph. On start-up, work autosaved by a
session that did not end cleanly is offered for recovery.
"""
from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication


def application() -> QApplication:
    """The QApplication (made once, named so QSettings and file dialogs know the app)."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "gradlab"])
        app.setApplicationName("Gradlab")
        app.setOrganizationName("Gradlab")
        app.setApplicationDisplayName("Gradlab")
    return app  # type: ignore[return-value]


window = None  # the window main() opened (tests look at it)


def main(argv: list[str]) -> int:
    """Open the main window; returns the exit code of the event loop."""
    global window
    from .main_window import MainWindow

    files = [a for a in argv if not a.startswith("-")]
    app = application()
    window = MainWindow()
    fresh_layout = window.settings.window_state()[1] is None
    window.show()
    if fresh_layout:
        QTimer.singleShot(0, window.layout_docks)
    if files:
        if not window.files.open_path(Path(files[0]), ask=False):
            window.show_gallery()
    else:
        window.show_gallery()
    QTimer.singleShot(0, window.files.offer_recovery)
    app.aboutToQuit.connect(window.runs.shutdown)  # however the loop ends, stop the worker
    return int(app.exec())
