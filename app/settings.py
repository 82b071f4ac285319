"""What the app remembers between sessions (QSettings): window geometry and dock layout, recent
files, theme, device, auto-run, gradient colouring and the number of training steps.

``GRADLAB_SETTINGS=/path/file.ini`` keeps them in that file instead of the user's settings
(tests do this); ``Settings.temporary()`` remembers nothing beyond the process (screenshots).
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10
THEMES = ("dark", "light")


class Settings:
    """Typed access to the stored settings."""

    def __init__(self, qsettings: QSettings | None = None) -> None:
        if qsettings is None:
            env = os.environ.get("GRADLAB_SETTINGS")
            qsettings = (QSettings(env, QSettings.IniFormat) if env
                         else QSettings("Gradlab", "Gradlab"))
        self.q = qsettings

    @classmethod
    def temporary(cls) -> "Settings":
        """Settings in a throw-away file: defaults in, nothing of the user's touched."""
        fd, path = tempfile.mkstemp(prefix="gradlab-", suffix=".ini")
        os.close(fd)
        os.unlink(path)
        return cls(QSettings(path, QSettings.IniFormat))

    # ---- plain values -----------------------------------------------------------------------
    def _get(self, key: str, default, type_=None):
        v = self.q.value(key, default)
        if type_ is bool:
            return v in (True, "true", "1", 1) if not isinstance(v, bool) else v
        if type_ is not None:
            try:
                return type_(v)
            except (TypeError, ValueError):
                return default
        return v

    @property
    def theme(self) -> str:
        t = str(self._get("view/theme", "dark"))
        return t if t in THEMES else "dark"

    @theme.setter
    def theme(self, name: str) -> None:
        self.q.setValue("view/theme", name if name in THEMES else "dark")

    @property
    def device(self) -> str:
        return str(self._get("run/device", "cpu"))

    @device.setter
    def device(self, name: str) -> None:
        self.q.setValue("run/device", name)

    @property
    def auto_run(self) -> bool:
        return self._get("run/auto", False, bool)

    @auto_run.setter
    def auto_run(self, on: bool) -> None:
        self.q.setValue("run/auto", bool(on))

    @property
    def grad_coloring(self) -> bool:
        return self._get("view/grad_coloring", True, bool)

    @grad_coloring.setter
    def grad_coloring(self, on: bool) -> None:
        self.q.setValue("view/grad_coloring", bool(on))

    @property
    def train_steps(self) -> int:
        return max(1, self._get("run/train_steps", 100, int))

    @train_steps.setter
    def train_steps(self, n: int) -> None:
        self.q.setValue("run/train_steps", int(n))

    # ---- window layout --------------------------------------------------------------------
    def window_state(self) -> tuple[QByteArray | None, QByteArray | None]:
        """(geometry, dock state) as saved by ``save_window``, or Nones."""
        g, s = self.q.value("window/geometry"), self.q.value("window/state")
        return (g if isinstance(g, QByteArray) else None,
                s if isinstance(s, QByteArray) else None)

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.q.setValue("window/geometry", geometry)
        self.q.setValue("window/state", state)

    # ---- recent files ---------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        """Most recent first; files that no longer exist are left out."""
        v = self.q.value("files/recent", [])
        items = [v] if isinstance(v, str) else list(v or [])
        return [p for p in items if p and Path(p).exists()][:MAX_RECENT]

    def add_recent(self, path: str | os.PathLike) -> None:
        p = str(Path(path).resolve())
        items = [x for x in self.recent_files() if x != p]
        self.q.setValue("files/recent", [p] + items[: MAX_RECENT - 1])

    def clear_recent(self) -> None:
        self.q.setValue("files/recent", [])

    def sync(self) -> None:
        self.q.sync()
