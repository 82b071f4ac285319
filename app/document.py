"""The open document: a Graph, its undo stack, its file, and autosave with crash recovery.

Saving is atomic (the file format writes a temp file and renames it). Autosave writes a
recovery copy next to the app's data, never over the user's file; a clean close removes it, so
a recovery file found at start-up means the last session did not end cleanly.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer, Signal
from PySide6.QtGui import QUndoStack

from engine.graph import fileformat
from engine.graph.model import Graph


def recovery_dir() -> Path:
    """Where autosaves live (per user; tests point it elsewhere with GRADLAB_RECOVERY_DIR)."""
    env = os.environ.get("GRADLAB_RECOVERY_DIR")
    if env:
        d = Path(env)
    else:
        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
        d = Path(base or Path.home() / ".gradlab") / "recovery"
    d.mkdir(parents=True, exist_ok=True)
    return d


class Document(QObject):
    """A graph being edited. Emits ``changed`` when the title/modified state changes."""

    changed = Signal()
    loaded = Signal()

    AUTOSAVE_MS = 30_000

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.graph = Graph()
        self.undo_stack = QUndoStack(self)
        self.path: Path | None = None
        self.example = False  # opened from the gallery: Save asks for a new name
        self.undo_stack.cleanChanged.connect(lambda _clean: self.changed.emit())
        self._autosave = QTimer(self)
        self._autosave.setInterval(self.AUTOSAVE_MS)
        self._autosave.timeout.connect(self.autosave)
        self._autosave.start()
        self._recovery_id = hashlib.sha1(f"{os.getpid()}-{time.time()}".encode()).hexdigest()[:12]

    # ---- state --------------------------------------------------------------------------
    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def title(self) -> str:
        name = self.path.name if self.path else (self.graph.meta.get("title") or "Untitled")
        return f"{name}{' *' if self.modified else ''}"

    # ---- files --------------------------------------------------------------------------
    def new(self) -> None:
        self.undo_stack.clear()
        self.graph.clear()
        self.path = None
        self.example = False
        self.undo_stack.setClean()
        self.loaded.emit()
        self.changed.emit()

    def open(self, path: str | os.PathLike, example: bool = False) -> None:
        """Load a file; on any error the current document is left untouched and it raises
        ``fileformat.FileFormatError`` (or OSError) with a message for the user."""
        g = fileformat.load(path)
        self.undo_stack.clear()
        self.graph.replace_with(g)
        self.path = None if example else Path(path)
        self.example = example
        self.undo_stack.setClean()
        self.loaded.emit()
        self.changed.emit()

    def save(self, path: str | os.PathLike | None = None) -> Path:
        """Save atomically to ``path`` (or the current file); returns the path written."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no file name: use Save As")
        if target.suffix != ".gradlab":
            target = target.with_suffix(".gradlab")
        fileformat.save(self.graph, target)
        self.path = target
        self.example = False
        self.undo_stack.setClean()
        self.discard_recovery()
        self.changed.emit()
        return target

    # ---- autosave and recovery --------------------------------------------------------------
    def recovery_path(self) -> Path:
        return recovery_dir() / f"autosave-{self._recovery_id}.gradlab"

    def autosave(self) -> Path | None:
        """Write a recovery copy if there are unsaved changes; never touches the user's file."""
        if not self.modified:
            return None
        p = self.recovery_path()
        fileformat.save(self.graph, p)
        meta = {"original": str(self.path) if self.path else None, "time": time.time()}
        p.with_suffix(".json").write_text(json.dumps(meta))
        return p

    def close(self) -> None:
        """The window is closing cleanly: stop autosaving and remove the recovery copy."""
        self._autosave.stop()
        self.discard_recovery()

    def discard_recovery(self) -> None:
        p = self.recovery_path()
        for q in (p, p.with_suffix(".json")):
            try:
                q.unlink()
            except FileNotFoundError:
                pass

    def recover_from(self, path: Path) -> None:
        """Open a recovery file as an unsaved document pointing at its original file."""
        meta_path = path.with_suffix(".json")
        original = None
        if meta_path.exists():
            try:
                original = json.loads(meta_path.read_text()).get("original")
            except (OSError, ValueError):
                original = None
        g = fileformat.load(path)
        self.undo_stack.clear()
        self.graph.replace_with(g)
        self.path = Path(original) if original else None
        self.example = False
        self.undo_stack.resetClean()  # recovered work is unsaved
        for q in (path, meta_path):
            try:
                q.unlink()
            except FileNotFoundError:
                pass
        self.loaded.emit()
        self.changed.emit()


def pending_recoveries() -> list[tuple[Path, str | None, float]]:
    """Recovery files left by sessions that did not close cleanly: (path, original, time)."""
    out = []
    for p in sorted(recovery_dir().glob("autosave-*.gradlab")):
        original, when = None, p.stat().st_mtime
        meta = p.with_suffix(".json")
        if meta.exists():
            try:
                m = json.loads(meta.read_text())
                original, when = m.get("original"), m.get("time", when)
            except (OSError, ValueError):
                pass
        out.append((p, original, when))
    return out
