"""Fixtures for the app tests: a main window with its settings and autosaves in a tmp dir;
message boxes answered by the test."""
from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from gui_helpers import close_quietly, make_window


@pytest.fixture
def app_env(tmp_path, monkeypatch):
    """Settings and recovery files of this test only."""
    monkeypatch.setenv("GRADLAB_SETTINGS", str(tmp_path / "settings.ini"))
    monkeypatch.setenv("GRADLAB_RECOVERY_DIR", str(tmp_path / "recovery"))
    return tmp_path


@pytest.fixture
def window(qtbot, app_env):
    w = make_window(qtbot)
    yield w
    close_quietly(w)


@pytest.fixture
def answers(monkeypatch):
    """Queue the answers of QMessageBox.question; records every question asked."""
    queue: list = []
    asked: list[str] = []

    def question(parent, title, text, *args, **kwargs):
        asked.append(f"{title}: {text}")
        if not queue:
            raise AssertionError(f"unexpected question: {title}: {text}")
        return queue.pop(0)

    monkeypatch.setattr(QMessageBox, "question", staticmethod(question))
    return queue, asked


@pytest.fixture
def errors(monkeypatch):
    """Record QMessageBox.critical calls instead of showing them."""
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "critical", staticmethod(
        lambda parent, title, text, *a, **k: shown.append((title, text))))
    return shown
