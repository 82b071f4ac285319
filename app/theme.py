"""The window's look: Qt's Fusion style with a dark or light palette matching the canvas."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

_DARK = {
    "Window": "#24272e", "WindowText": "#e8eaed", "Base": "#1b1d22", "AlternateBase": "#22252b",
    "ToolTipBase": "#2a2d35", "ToolTipText": "#e8eaed", "Text": "#e8eaed", "Button": "#2d3038",
    "ButtonText": "#e8eaed", "BrightText": "#ff5d5d", "Highlight": "#2f6fb8",
    "HighlightedText": "#ffffff", "Link": "#4da3ff", "PlaceholderText": "#8a909a",
    "Mid": "#3c404b", "Dark": "#15171b", "Light": "#3a3e48", "Midlight": "#30343c",
    "Shadow": "#0c0d10",
}
_DISABLED = {"Text": "#6b707a", "WindowText": "#6b707a", "ButtonText": "#6b707a"}


def apply_theme(app: QApplication | None, name: str) -> None:
    """Use Fusion with the 'dark' or 'light' palette for every widget of ``app``."""
    if app is None:
        return
    if app.style().name().lower() != "fusion":
        app.setStyle("Fusion")
    if name != "dark":
        app.setPalette(app.style().standardPalette())
        return
    pal = QPalette()
    for role, color in _DARK.items():
        pal.setColor(getattr(QPalette.ColorRole, role), QColor(color))
    for role, color in _DISABLED.items():
        pal.setColor(QPalette.ColorGroup.Disabled, getattr(QPalette.ColorRole, role),
                     QColor(color))
    app.setPalette(pal)
