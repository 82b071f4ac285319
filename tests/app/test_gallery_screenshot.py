"""The gallery: every example opens, runs forward and backward, and renders (no node errors
except where the example teaches one); the start page; ``gradlab screenshot``; ``gui.main``."""
from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from resources import examples_dir, list_examples

from gui_helpers import close_quietly, make_window

EXAMPLES = [p for p, _t, _n in list_examples()]
# the lesson of these is an error (in-place on a leaf, a view of a non-contiguous tensor)
TEACHES_AN_ERROR = {"13_inplace_and_versions", "14_view_and_contiguity"}


@pytest.fixture(scope="module")
def shared_window(qapp, tmp_path_factory):
    import os

    d = tmp_path_factory.mktemp("gallery")
    old = {k: os.environ.get(k) for k in ("GRADLAB_SETTINGS", "GRADLAB_RECOVERY_DIR")}
    os.environ["GRADLAB_SETTINGS"] = str(d / "settings.ini")
    os.environ["GRADLAB_RECOVERY_DIR"] = str(d / "recovery")
    w = make_window(None)
    yield w
    close_quietly(w)
    for k, v in old.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


def test_gallery_lists_every_example():
    assert len(EXAMPLES) >= 20
    assert all(p.suffix == ".gradlab" for p in EXAMPLES)


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_opens_runs_and_renders(shared_window, path: Path):
    w = shared_window
    assert w.files.open_example(path), f"{path.name} does not open"
    assert w.runs.wait()
    w.runs.run_and_backward()
    assert w.runs.wait()
    g, res = w.document.graph, w.runs.last
    assert res is not None and set(res.nodes) == set(g.nodes)
    failed = {g.nodes[n].label: r.error for n, r in res.nodes.items() if r.error}
    if path.stem in TEACHES_AN_ERROR:
        assert failed, f"{path.stem} should demonstrate an error"
    else:
        assert not failed, failed
    assert all(w.canvas.node_item(n) is not None for n in g.nodes)
    last = max(g.nodes.values(), key=lambda n: n.seq).id
    w.canvas.select_nodes([last])
    pixmap = w.grab()
    assert not pixmap.isNull() and pixmap.width() > 500
    img = pixmap.toImage()
    colours = {img.pixel(x, y) for x in range(0, img.width(), 37)
               for y in range(0, img.height(), 37)}
    assert len(colours) > 20  # something was drawn, not a blank window


def test_start_page_shows_notes_and_opens_an_example(qtbot, window):
    window.show_gallery()
    page = window.gallery
    assert window.stack.currentWidget() is page
    assert page.examples() == [str(p) for p in EXAMPLES]
    path, title, note = list_examples()[1]
    page.select(str(path))
    assert title in page.title.text()
    assert note[:40] in page.note.text().replace("&#x27;", "'").replace("&quot;", '"')
    assert page.preview.pixmap() is not None and not page.preview.pixmap().isNull()
    qtbot.mouseClick(page.open_example, Qt.LeftButton)
    assert window.stack.currentWidget() is window.canvas
    assert window.document.graph.meta.get("title") == title
    assert window.runs.wait()
    # the "new empty graph" button
    window.show_gallery()
    qtbot.mouseClick(page.new_button, Qt.LeftButton)
    assert not window.document.graph.nodes and window.stack.currentWidget() is window.canvas


def test_screenshot_renders_the_window_after_a_run(qapp, app_env, tmp_path):
    from app import screenshot

    out = tmp_path / "shot.png"
    src = examples_dir() / "02_vector_jacobian_product.gradlab"
    before = {w.winId() for w in QApplication.topLevelWidgets() if w.isVisible()}
    pixmap = screenshot.render(src, out, size=(1200, 800))
    img = QImage(str(out))
    assert (img.width(), img.height()) == (1200, 800)
    assert not pixmap.isNull()
    # no window is left open, and the user's settings were not touched
    assert not [w for w in QApplication.topLevelWidgets()
                if w.isVisible() and w.winId() not in before]
    assert not (app_env / "settings.ini").exists()


def test_screenshot_command(qapp, app_env, tmp_path):
    from app.cli import main

    out = tmp_path / "cli.png"
    src = examples_dir() / "04_mean_of_vector_function.gradlab"
    assert main(["screenshot", str(src), "-o", str(out), "--size", "900x600"]) == 0
    img = QImage(str(out))
    assert (img.width(), img.height()) == (900, 600)
    # smaller than the window can be: drawn larger and scaled to the size asked for
    assert main(["screenshot", str(src), "-o", str(out), "--size", "400x300"]) == 0
    img = QImage(str(out))
    assert (img.width(), img.height()) == (400, 300)


def test_screenshot_selects_the_last_node_with_a_tensor(qapp, app_env, tmp_path):
    from app.screenshot import last_node
    from engine.graph.execute import Executor
    from engine.graph.fileformat import load

    g = load(examples_dir() / "22_small_network.gradlab")
    res = Executor(g).run(backward=True)
    nid = last_node(g, res)
    assert res.nodes[nid].tensor is not None
    assert g.nodes[nid].label == "loss"


GUI_MAIN_SCRIPT = """
import json, sys
from PySide6.QtCore import QTimer
from app import gui

gui.application()
seen = {}

def check_and_close():
    w = gui.window
    seen["path"] = str(w.document.path)
    seen["canvas"] = w.stack.currentWidget() is w.canvas
    seen["title"] = w.windowTitle()
    w.runs.wait()
    seen["ran"] = w.runs.last is not None and len(w.runs.last.nodes) == len(w.document.graph.nodes)
    w.close()

QTimer.singleShot(300, check_and_close)
QTimer.singleShot(60_000, lambda: sys.exit(3))
code = gui.main(sys.argv[1:])
print(json.dumps(seen))
sys.exit(code)
"""


def test_gui_main_opens_a_file_and_returns_when_closed(app_env):
    """In its own process: the real event loop runs and ends there, not in the test's."""
    import json
    import os
    import subprocess
    import sys

    src = examples_dir() / "03_scalar_derivative.gradlab"
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", GUI_MAIN_SCRIPT, str(src)], env=env,
                          cwd=root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    assert seen == {"path": str(src), "canvas": True, "ran": True,
                    "title": "03_scalar_derivative.gradlab — Gradlab"}
