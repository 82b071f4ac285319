"""Files from the window: new, open (dialog, recent, examples, dropped files), save, save as,
exports, the unsaved-changes prompt and crash recovery. A file that cannot be read gets a clear
message and the current document stays as it was."""
from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox

from engine.graph.fileformat import FileFormatError
from resources import list_examples

from .document import pending_recoveries

if TYPE_CHECKING:
    from .main_window import MainWindow
    from .worker import Outcome

FILTER = "Gradlab graphs (*.gradlab);;All files (*)"


class FileController(QObject):
    """File actions of the main window (see the module docstring)."""

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.w = window
        self.doc = window.document
        self.settings = window.settings

    def _dir(self) -> str:
        recent = self.settings.recent_files()
        if self.doc.path is not None:
            return str(self.doc.path.parent)
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    def _suggested_name(self, suffix: str) -> str:
        base = self.doc.path.stem if self.doc.path else (self.doc.graph.meta.get("title")
                                                         or "untitled")
        base = re.sub(r"[^\w\-]+", "_", base).strip("_").lower() or "untitled"
        return str(Path(self._dir()) / f"{base}{suffix}")

    # ---- opening --------------------------------------------------------------------------
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.doc.new()
        self.w.show_canvas()
        self.w.status("New graph")
        return True

    def open(self) -> bool:
        if not self.maybe_save():
            return False
        path, _ = QFileDialog.getOpenFileName(self.w, "Open graph", self._dir(), FILTER)
        return bool(path) and self.open_path(path, ask=False)

    def open_path(self, path: str | os.PathLike, example: bool = False, ask: bool = True) -> bool:
        """Open ``path``; on failure say why and keep the current document."""
        if ask and not self.maybe_save():
            return False
        try:
            self.doc.open(path, example=example)
        except FileFormatError as e:
            self.w.show_error("Cannot open the file", f"{Path(path).name} is not a graph "
                              f"Gradlab can read.\n\n{e}")
            return False
        except OSError as e:
            self.w.show_error("Cannot open the file",
                              f"{path}\n\n{e.strerror or e}")
            return False
        if not example:
            self.settings.add_recent(path)
        self.w.show_canvas()
        self.w.status(f"Opened {Path(path).name}")
        return True

    def open_example(self, path: str | os.PathLike) -> bool:
        """Open a gallery example as an untitled copy (saving asks for a name)."""
        return self.open_path(path, example=True)

    def fill_recent(self, menu: QMenu) -> None:
        menu.clear()
        recent = self.settings.recent_files()
        for p in recent:
            a = menu.addAction(Path(p).name)
            a.setToolTip(p)
            a.setStatusTip(p)
            a.triggered.connect(lambda _c=False, p=p: self.open_path(p))
        if not recent:
            menu.addAction("(no recent files)").setEnabled(False)
            return
        menu.addSeparator()
        menu.addAction("Clear Recent Files").triggered.connect(self.settings.clear_recent)

    def fill_examples(self, menu: QMenu) -> None:
        menu.clear()
        for path, title, note in list_examples():
            a = menu.addAction(title)
            a.setStatusTip(note)
            a.setToolTip(note)
            a.triggered.connect(lambda _c=False, p=path: self.open_example(p))

    def open_dropped(self, paths: list[str]) -> bool:
        """Files dropped on the window: open the first .gradlab one."""
        graphs = [p for p in paths if p.lower().endswith(".gradlab")]
        if not graphs:
            self.w.status("Drop a .gradlab file to open it")
            return False
        return self.open_path(graphs[0])

    # ---- saving ---------------------------------------------------------------------------
    def save(self) -> bool:
        if self.doc.path is None or self.doc.example:
            return self.save_as()
        return self._save_to(self.doc.path)

    def save_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self.w, "Save graph as",
                                              self._suggested_name(".gradlab"), FILTER)
        return bool(path) and self._save_to(path)

    def _save_to(self, path: str | os.PathLike) -> bool:
        try:
            written = self.doc.save(path)
        except (OSError, FileFormatError, ValueError) as e:
            self.w.show_error("Cannot save the file", f"{path}\n\n{getattr(e, 'strerror', None) or e}")
            return False
        self.settings.add_recent(written)
        self.w.status(f"Saved {written}")
        return True

    def maybe_save(self) -> bool:
        """Ask about unsaved work: True to go on (saved or discarded), False to stay."""
        if not self.doc.modified:
            return True
        name = self.doc.path.name if self.doc.path else "This graph"
        answer = QMessageBox.question(
            self.w, "Unsaved changes", f"{name} has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    # ---- exports --------------------------------------------------------------------------
    def export_png(self) -> bool:
        return self._export_image("png")

    def export_svg(self) -> bool:
        return self._export_image("svg")

    def _export_image(self, fmt: str) -> bool:
        path, _ = QFileDialog.getSaveFileName(self.w, f"Export canvas as {fmt.upper()}",
                                              self._suggested_name(f".{fmt}"),
                                              f"{fmt.upper()} image (*.{fmt})")
        if not path:
            return False
        try:
            written = self.w.canvas.render_to_image(path, fmt)
        except (OSError, ValueError) as e:
            self.w.show_error("Cannot export the canvas", str(e))
            return False
        self.w.status(f"Exported {written}")
        return True

    def export_torch(self) -> bool:
        """Write the PyTorch program of the graph. Writing it runs the graph once on the engine,
        so it happens on the worker (the window stays live, the status bar shows progress and
        Cancel stops it); ``export_finished`` reports the outcome. True if it started or waits
        for the run in flight."""
        if self.w.runs.exporting:
            self.w.status("An export is already in progress")
            return False
        path, _ = QFileDialog.getSaveFileName(self.w, "Export PyTorch script",
                                              self._suggested_name(".py"),
                                              "Python script (*.py)")
        if not path:
            return False
        src = self.doc.path.name if self.doc.path else (self.doc.graph.meta.get("title") or "")
        if not self.w.runs.export(path, src):
            self.w.status("An export is already in progress")
            return False
        self.w.status(f"Exporting {Path(path).name}…")
        return True

    def export_finished(self, out: "Outcome") -> None:
        """An export job ended: say where the script went, or what went wrong."""
        name = Path(out.job.path or "").name
        if out.cancelled:
            self.w.status(f"Export of {name} cancelled; nothing was written")
        elif out.error:
            self.w.show_error("Cannot export the script",
                              f"{name} was not written.\n\n{out.error}")
        else:
            self.w.status(f"Exported {out.written}")
            self.w.log.add("info", None, f"exported the PyTorch script {out.written}")

    # ---- recovery -------------------------------------------------------------------------
    def offer_recovery(self) -> bool:
        """If an earlier session left autosaved work, offer to open it; True if recovered."""
        found = pending_recoveries()
        if not found:
            return False
        path, original, when = max(found, key=lambda t: t[2])
        stamp = datetime.datetime.fromtimestamp(when).strftime("%Y-%m-%d %H:%M")
        what = Path(original).name if original else "an unsaved graph"
        more = f"\n\n({len(found) - 1} older autosave(s) are kept.)" if len(found) > 1 else ""
        answer = QMessageBox.question(
            self.w, "Recover unsaved work",
            f"Gradlab did not close cleanly. Work on {what} was autosaved at {stamp}.\n\n"
            f"Recover it? (Discard deletes the autosave.){more}",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel, QMessageBox.StandardButton.Yes)
        if answer == QMessageBox.StandardButton.Discard:
            for q in (path, path.with_suffix(".json")):
                q.unlink(missing_ok=True)
            return False
        if answer != QMessageBox.StandardButton.Yes:
            return False
        try:
            self.doc.recover_from(path)
        except (FileFormatError, OSError) as e:
            self.w.show_error("Cannot recover", f"The autosave could not be read.\n\n{e}")
            return False
        self.w.show_canvas()
        self.w.status(f"Recovered {what}: save it to keep it")
        return True
