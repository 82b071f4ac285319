"""Files and safety: the unsaved marker, save / open round trips, recent files, the prompt
before closing unsaved work, autosave and recovery in a new window, bad files refused with a
clear message (the current document kept), dropped files, and the layout remembered."""
from __future__ import annotations


from PySide6.QtCore import QMimeData, QPoint, QPointF, QUrl
from PySide6.QtWidgets import QFileDialog, QMessageBox

from app.commands import Connect
from app.settings import Settings
from engine.graph import fileformat
from resources import examples_dir

from gui_helpers import close_quietly, make_window, send_drop

SB = QMessageBox.StandardButton


def small_graph(w) -> tuple[str, str]:
    a = w.edit.add_node("source:randn", QPointF(0, 0))
    b = w.edit.add_node("op:exp", QPointF(260, 0))
    w.edit.push(lambda: Connect(w.document.graph, a, "out", b, "input"))
    return a, b


def test_title_shows_file_name_and_unsaved_marker(qtbot, window, tmp_path, monkeypatch):
    assert window.windowTitle() == "Untitled — Gradlab"
    small_graph(window)
    assert window.windowTitle() == "Untitled * — Gradlab"
    target = tmp_path / "mine.gradlab"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    window.action("save").trigger()
    assert target.exists() and window.windowTitle() == "mine.gradlab — Gradlab"
    assert fileformat.load(target) == window.document.graph
    window.action("undo").trigger()
    assert window.windowTitle() == "mine.gradlab * — Gradlab"
    assert str(target.resolve()) in window.settings.recent_files()


def test_open_via_dialog_and_recent_menu(qtbot, window, tmp_path, monkeypatch):
    src = examples_dir() / "03_scalar_derivative.gradlab"
    copy = tmp_path / "copy.gradlab"
    copy.write_bytes(src.read_bytes())
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        staticmethod(lambda *a, **k: (str(copy), "")))
    window.action("open").trigger()
    assert window.document.path == copy and window.document.graph == fileformat.load(copy)
    assert window.runs.wait()
    window.action("new").trigger()
    assert not window.document.graph.nodes
    menu = window.action("recent").menu()
    menu.aboutToShow.emit()
    entries = [a for a in menu.actions() if a.text() == "copy.gradlab"]
    assert entries
    entries[0].trigger()
    assert window.document.path == copy


def test_examples_menu_opens_an_untitled_copy(qtbot, window, answers, monkeypatch, tmp_path):
    menu = window.action("examples").menu()
    menu.aboutToShow.emit()
    first = menu.actions()[0]
    first.trigger()
    assert window.document.example and window.document.path is None
    assert window.document.graph.nodes and not window.document.modified
    # Save on an example asks for a new name instead of writing into the gallery
    asked = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(
        lambda *a, **k: (asked.append(a) or str(tmp_path / "mine.gradlab"), "")))
    window.action("save").trigger()
    assert asked and window.document.path == tmp_path / "mine.gradlab"


def test_closing_with_unsaved_work_prompts(qtbot, app_env, answers):
    queue, asked = answers
    w = make_window(qtbot)
    small_graph(w)
    queue += [SB.Cancel, SB.Discard]
    assert not w.close()  # Cancel: the window stays, the work too
    assert w.isVisible() and w.document.graph.nodes and len(asked) == 1
    assert "unsaved changes" in asked[0]
    assert w.close()  # Discard: it closes
    assert not w.isVisible() and len(asked) == 2
    w.deleteLater()


def test_close_prompt_save_writes_the_file(qtbot, app_env, answers, tmp_path, monkeypatch):
    queue, _ = answers
    w = make_window(qtbot)
    small_graph(w)
    target = tmp_path / "saved.gradlab"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        staticmethod(lambda *a, **k: (str(target), "")))
    queue.append(SB.Save)
    assert w.close()
    assert fileformat.load(target).nodes.keys() == w.document.graph.nodes.keys()
    w.deleteLater()


def test_new_with_unsaved_work_asks_first(qtbot, window, answers):
    queue, _ = answers
    small_graph(window)
    queue.append(SB.Cancel)
    window.action("new").trigger()
    assert window.document.graph.nodes
    queue.append(SB.Discard)
    window.action("new").trigger()
    assert not window.document.graph.nodes


def test_autosave_and_recovery_in_a_new_window(qtbot, app_env, answers):
    queue, asked = answers
    crashed = make_window(qtbot)
    small_graph(crashed)
    written = crashed.document.autosave()
    recovery_dir = app_env / "recovery"
    assert written is not None and written.parent == recovery_dir and written.exists()
    expected = fileformat.load(written)
    assert expected == crashed.document.graph
    crashed.runs.shutdown()  # "crash": the window never closes cleanly, the autosave stays
    crashed.document._autosave.stop()

    fresh = make_window(qtbot)
    queue.append(SB.Yes)
    assert fresh.files.offer_recovery()
    assert "did not close cleanly" in asked[-1]
    assert fresh.document.graph == expected
    assert fresh.document.modified and fresh.windowTitle().startswith("Untitled *")
    assert not list(recovery_dir.glob("autosave-*"))  # taken over by the new session
    assert fresh.canvas.node_item(next(iter(expected.nodes))) is not None
    close_quietly(fresh)
    crashed.document.undo_stack.setClean()
    crashed._closed = True
    crashed.close()
    crashed.deleteLater()


def test_recovery_can_be_discarded(qtbot, app_env, answers):
    queue, _ = answers
    w = make_window(qtbot)
    small_graph(w)
    p = w.document.autosave()
    other = make_window(qtbot)
    queue.append(SB.Discard)
    assert not other.files.offer_recovery()
    assert not p.exists() and not other.document.graph.nodes
    close_quietly(other)
    close_quietly(w)


def test_clean_close_leaves_no_recovery_file(qtbot, app_env, answers):
    w = make_window(qtbot)
    small_graph(w)
    p = w.document.autosave()
    assert p.exists()
    answers[0].append(SB.Discard)
    assert w.close()
    assert not p.exists()
    w.deleteLater()


def test_opening_a_corrupt_file_shows_the_error_and_keeps_the_document(
        qtbot, window, errors, tmp_path):
    a, b = small_graph(window)
    before = fileformat.dumps(window.document.graph)
    title = window.windowTitle()
    bad = tmp_path / "broken.gradlab"
    bad.write_text('{"format": "gradlab", "version": 1, "meta": {"title": "", "note": ""}, '
                   '"nodes": [{"id": "n1", "kind": "op:no_such_op", "label": "a", "attrs": {}, '
                   '"pos": [0, 0], "requires_grad": false, "retain_grad": false}], '
                   '"edges": [], "frames": []}')
    assert not window.files.open_path(bad, ask=False)
    assert len(errors) == 1
    heading, text = errors[0]
    assert heading == "Cannot open the file"
    assert "broken.gradlab" in text and "nodes[0]" in text
    assert fileformat.dumps(window.document.graph) == before
    assert window.windowTitle() == title and window.canvas.node_item(a) is not None
    garbage = tmp_path / "garbage.gradlab"
    garbage.write_bytes(b"\x00\xffnot json")
    assert not window.files.open_path(garbage, ask=False)
    assert len(errors) == 2 and fileformat.dumps(window.document.graph) == before
    assert not window.files.open_path(tmp_path / "missing.gradlab", ask=False)
    assert len(errors) == 3
    assert any(e.level == "error" for e in window.log.entries())


def test_dropping_a_gradlab_file_on_the_window_opens_it(qtbot, window, tmp_path):
    src = examples_dir() / "01_autograd_basics.gradlab"
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(src))])
    send_drop(window, md, QPoint(300, 300))
    qtbot.waitUntil(lambda: window.document.path == src)
    assert window.document.graph == fileformat.load(src)
    assert window.runs.wait()


def test_layout_and_choices_are_remembered(qtbot, app_env):
    w = make_window(qtbot, size=(1300, 850))
    w.docks["log"].hide()
    w.action("dark").trigger()  # to light
    w.action("grad_coloring").trigger()
    close_quietly(w)
    s = Settings()
    assert s.theme == "light" and s.grad_coloring is False
    again = make_window(qtbot, size=(1300, 850))
    geometry, state = s.window_state()
    again.restoreState(state, 1)  # what the constructor did before layout_docks() in the test
    assert not again.docks["log"].isVisible()
    assert not again.action("dark").isChecked()
    assert not again.action("grad_coloring").isChecked()
    close_quietly(again)


def test_export_png_svg_and_torch_script(qtbot, window, tmp_path, monkeypatch):
    window.files.open_example(examples_dir() / "01_autograd_basics.gradlab")
    assert window.runs.wait()
    for action_id, name in (("export_png", "g.png"), ("export_svg", "g.svg"),
                            ("export_torch", "g.py")):
        monkeypatch.setattr(QFileDialog, "getSaveFileName",
                            staticmethod(lambda *a, n=name, **k: (str(tmp_path / n), "")))
        window.action(action_id).trigger()
        assert window.runs.wait()  # the script is written by the worker thread
        assert (tmp_path / name).stat().st_size > 100, name
    assert (tmp_path / "g.png").read_bytes()[:4] == b"\x89PNG"
    assert "<svg" in (tmp_path / "g.svg").read_text()
    assert "import torch" in (tmp_path / "g.py").read_text()
