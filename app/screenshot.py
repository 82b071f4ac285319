"""``gradlab screenshot FILE -o OUT.png [--size WxH]``: the whole window after a run, as a PNG.

The window is never shown on screen: it opens FILE, runs it forward and backward, selects its
last node (so the panels show that node's value, gradient and grad_fn chain) and grabs itself.
The user's settings are neither read nor written.
"""
from __future__ import annotations

import os
from pathlib import Path

DEFAULT_SIZE = (1600, 1000)


def last_node(graph, result) -> str | None:
    """The node to select: the last one in run order whose tensor a gradient reached (so the
    viewer shows a value and a gradient), else the last one holding a tensor."""
    order = list(result.order) if result is not None else graph.topological_order()
    rs = [result.nodes.get(n) if result is not None else None for n in order]
    for want_grad in (True, False):
        for nid, r in zip(reversed(order), reversed(rs)):
            if r is not None and r.tensor is not None and (
                    not want_grad or r.grad is not None or r.grad_flow is not None):
                return nid
    return order[-1] if order else None


def render(path: str | os.PathLike, out: str | os.PathLike,
           size: tuple[int, int] | None = None, device: str = "cpu", select: str | None = None):
    """Make the window, run FILE, and write the PNG; returns the grabbed QPixmap."""
    if not os.environ.get("QT_QPA_PLATFORM"):
        from PySide6.QtWidgets import QApplication

        if QApplication.instance() is None:
            os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from PySide6.QtCore import QCoreApplication, Qt

    from .gui import application
    from .main_window import MainWindow
    from .settings import Settings

    application()
    w, h = size or DEFAULT_SIZE
    window = MainWindow(Settings.temporary())
    window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    window.resize(w, h)
    window.show()
    QCoreApplication.processEvents()
    # a size below the window's minimum is rendered larger, same shape, and scaled down
    m = window.minimumSizeHint()
    k = max(1.0, m.width() / w, m.height() / h)
    if k > 1.0:
        window.resize(round(w * k), round(h * k))
        QCoreApplication.processEvents()
    window.layout_docks()
    try:
        if device != "cpu" and not window.runs.set_device(device):
            raise RuntimeError(f"device {device} is not available")
        if not window.files.open_path(Path(path), ask=False):
            raise RuntimeError(f"cannot open {path}")
        window.runs.wait()
        window.runs.run_and_backward()
        window.runs.wait()
        graph = window.document.graph
        nid = select or last_node(graph, window.runs.last)
        if nid is not None:
            window.canvas.select_nodes([nid])
        window.canvas.fit_to_view()
        for _ in range(3):
            QCoreApplication.processEvents()
        pixmap = window.grab()
        if (pixmap.width(), pixmap.height()) != (w, h):
            pixmap = pixmap.scaled(w, h, Qt.AspectRatioMode.IgnoreAspectRatio,
                                   Qt.TransformationMode.SmoothTransformation)
        if not pixmap.save(str(out), "PNG"):
            raise OSError(f"could not write {out}")
        return pixmap
    finally:
        window.document.undo_stack.setClean()
        window.close()
        window.deleteLater()


def main(path: str, out: str, size: tuple[int, int] | None = None, device: str = "cpu") -> int:
    """The ``gradlab screenshot`` command (the file is already checked by app.cli)."""
    import sys

    try:
        render(path, out, size, device)
    except (RuntimeError, OSError) as e:
        sys.stderr.write(f"gradlab: {e}\n")
        return 2
    return 0
