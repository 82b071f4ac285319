"""Three things a user meets end to end: Export > PyTorch Script runs on the worker (status,
cancel, one at a time, errors shown, the file written atomically); switching the theme recolours
the panels already showing; and random sources show in the app the numbers `gradlab run --json`
prints for the same file, through incremental re-runs, undo and redo."""
from __future__ import annotations

import json
import shutil
import threading

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QFileDialog

import app.worker as worker_mod
import engine
from app import cli
from engine.graph import fileformat
from engine.graph.export import compare_reports, run_json, to_torch_script
from resources import examples_dir
from widgets.tensor_model import VALUE_ROLE

from gui_helpers import click_tool, menu_action

NETWORK = examples_dir() / "22_small_network.gradlab"  # randn data, two Linear layers


def open_copy(window, tmp_path, name: str = "net.gradlab"):
    """Open a copy of the small network as a user's file (File > Open) and wait for its run."""
    path = tmp_path / name
    shutil.copy(NETWORK, path)
    assert window.files.open_path(path)
    assert window.runs.wait()
    return path


def save_dialog(monkeypatch, path) -> list:
    """Answer the save dialog with ``path``; the list records each time it was shown."""
    shown: list = []

    def answer(*a, **k):
        shown.append(a)
        return str(path), ""
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(answer))
    return shown


def gradlab_json(capsys, path) -> dict:
    """What `gradlab run FILE --json` prints."""
    capsys.readouterr()
    code = cli.main(["run", str(path), "--json"])
    out = capsys.readouterr().out
    assert code in (0, 1), out
    return json.loads(out)


def node_by_label(window, label: str) -> str:
    return next(n.id for n in window.document.graph.nodes.values() if n.label == label)


def viewer_values(window, node_id: str) -> np.ndarray:
    """The numbers the tensor viewer's table shows for a node (exact cell values)."""
    window.canvas.select_nodes([node_id])
    m = window.viewer.value_pane.model
    return np.array([[m.data(m.index(r, c), VALUE_ROLE) for c in range(m.columnCount())]
                     for r in range(m.rowCount())])


def app_report(window) -> dict:
    return run_json(window.document.graph, window.runs.last)


# ---- 1. Export > PyTorch Script on the worker ------------------------------------------------

def test_export_runs_on_the_worker_and_writes_what_gradlab_export_writes(
        qtbot, window, tmp_path, monkeypatch, errors):
    src = open_copy(window, tmp_path)
    out = tmp_path / "net.py"
    shown = save_dialog(monkeypatch, out)
    menu_action(window, "File", "Export PyTorch Script").trigger()
    # the action returned at once: the export is the worker's job, shown in the status bar
    assert window.runs.busy and window.runs.runner.job.kind == "export"
    assert "Exporting the PyTorch script" in window.runs.state_label.text()
    assert window.runs.progress_bar.isVisible()
    assert not window.action("export_torch").isEnabled()  # not twice at once
    assert not window.files.export_torch() and len(shown) == 1  # no second dialog either
    assert window.runs.wait()
    assert errors == []
    assert out.read_text() == to_torch_script(fileformat.load(src), src.name)
    assert window.runs.state_label.text().startswith("Exported")
    assert f"Exported {out}" in window.statusBar().currentMessage()
    assert window.action("export_torch").isEnabled()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert window.runs.last is not None  # the canvas's run results are left alone


def test_export_keeps_the_window_live_and_cancel_writes_nothing(
        qtbot, window, tmp_path, monkeypatch, errors):
    open_copy(window, tmp_path)
    out = tmp_path / "net.py"
    save_dialog(monkeypatch, out)
    gate, real = threading.Event(), worker_mod.export_with_report

    def held(*a, **k):  # the real export, once the test has looked at the window meanwhile
        assert gate.wait(30)
        return real(*a, **k)
    monkeypatch.setattr(worker_mod, "export_with_report", held)
    window.action("export_torch").trigger()
    assert window.runs.busy
    # the GUI thread goes on: an edit lands on the canvas while the export is in flight
    nid = window.edit.add_node("op:relu", window.canvas.mapToScene(10, 10))
    assert window.canvas.node_item(nid) is not None
    assert window.action("cancel").isEnabled() and not window.action("run").isEnabled()
    click_tool(qtbot, window, "cancel")
    gate.set()
    assert window.runs.wait()
    assert not out.exists() and errors == []
    assert "cancelled" in window.statusBar().currentMessage()
    assert window.runs.state_label.text().startswith("Export cancelled")


def test_export_asked_for_during_a_run_waits_for_it(qtbot, window, tmp_path, monkeypatch):
    src = open_copy(window, tmp_path)
    out = tmp_path / "queued.py"
    save_dialog(monkeypatch, out)
    window.runs.train(50)  # a run in flight
    assert window.runs.busy
    window.action("export_torch").trigger()
    assert window.runs.exporting and window.runs.runner.job.kind == "train"
    assert "waits" in window.runs.state_label.text()
    assert window.runs.wait()
    # the export ran after training, on the graph as it stands (a fresh run, as gradlab export)
    assert out.read_text() == to_torch_script(fileformat.load(src), src.name)
    assert len(window.loss_plot.losses) == 50


@pytest.mark.parametrize("fail", ["folder", "engine", "export_error"])
def test_export_errors_are_shown_and_leave_no_file(qtbot, window, tmp_path, monkeypatch, errors,
                                                   fail):
    open_copy(window, tmp_path)
    out = tmp_path / "net.py"
    if fail == "folder":
        out = tmp_path / "no" / "such" / "net.py"
        want = "No such file or directory"
    elif fail == "engine":
        def boom(*a, **k):
            raise RuntimeError("the engine broke")
        monkeypatch.setattr(worker_mod, "export_with_report", boom)
        want = "RuntimeError: the engine broke"
    else:
        from engine.graph.export import ExportError

        def refuse(*a, **k):
            raise ExportError("no PyTorch spelling for node kind 'x'")
        monkeypatch.setattr(worker_mod, "export_with_report", refuse)
        want = "no PyTorch spelling for node kind 'x'"
    save_dialog(monkeypatch, out)
    window.action("export_torch").trigger()
    assert window.runs.wait()
    assert len(errors) == 1
    title, text = errors[0]
    assert title == "Cannot export the script" and want in text and "net.py" in text
    assert not out.exists()
    assert window.runs.state_label.text().startswith("Export failed")
    assert want in window.log.model.entries[-1].text


def test_a_failed_write_keeps_the_old_script_whole(qtbot, window, tmp_path, monkeypatch, errors):
    open_copy(window, tmp_path)
    out = tmp_path / "net.py"
    out.write_text("# my earlier export\n")
    save_dialog(monkeypatch, out)
    import engine.graph.export as export_mod

    def full_disk(a, b):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(export_mod.os, "replace", full_disk)
    window.action("export_torch").trigger()
    assert window.runs.wait()
    monkeypatch.undo()
    assert out.read_text() == "# my earlier export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert errors and "No space left on device" in errors[0][1]


# ---- 2. the theme switch recolours what is showing ---------------------------------------------

def _base(name: str) -> QColor:
    from app.theme import _DARK
    return QColor(_DARK["Base"]) if name == "dark" else \
        QApplication.style().standardPalette().color(QPalette.ColorRole.Base)


def _text(name: str) -> QColor:
    from app.theme import _DARK
    return QColor(_DARK["Text"]) if name == "dark" else \
        QApplication.style().standardPalette().color(QPalette.ColorRole.Text)


def _check_colours(window, name: str) -> None:
    base, text = _base(name), _text(name)
    lp = window.loss_plot.plot
    assert lp.backgroundBrush().color() == base
    for ax in ("left", "bottom"):
        assert lp.getPlotItem().getAxis(ax).textPen().color() == text
    assert lp.getPlotItem().getAxis("left").labelStyle["color"] == text.name()
    pane = window.viewer.value_pane
    for pw in (pane.heat, pane.hist):
        assert pw.backgroundBrush().color() == base
        assert pw.getPlotItem().getAxis("left").textPen().color() == text
    assert pane.colorbar.getAxis("right").textPen().color() == text
    assert window.gradfn.view.backgroundBrush().color() == base
    assert window.gradfn.boxes and all(b.brush().color() != _base(
        "light" if name == "dark" else "dark") for b in window.gradfn.boxes)
    # the panels as painted: a corner of each is the theme's base colour
    lp_img = lp.grab().toImage()
    assert QColor(lp_img.pixel(lp_img.width() - 3, 3)) == base
    chart = window.timing.chart
    img = chart.grab().toImage()
    assert QColor(img.pixel(img.width() - 3, 1)) == base


def test_theme_switch_recolours_the_panels_already_showing(qtbot, window, tmp_path):
    open_copy(window, tmp_path)
    window.runs.train(5)
    assert window.runs.wait()
    window.loss_plot.redraw()
    window.canvas.select_nodes([node_by_label(window, "fc1")])
    window.viewer.value_pane.tabs.setCurrentIndex(1)  # heatmap
    window.viewer.grad_pane.tabs.setCurrentIndex(2)  # histogram
    window.docks["loss"].raise_()
    assert window.action("dark").isChecked()
    _check_colours(window, "dark")
    curve_dark = window.loss_plot.curve.opts["pen"].color()
    window.action("dark").trigger()  # View > Dark Theme off: light
    QApplication.processEvents()
    assert not window.action("dark").isChecked()
    _check_colours(window, "light")
    assert window.loss_plot.curve.opts["pen"].color() != curve_dark
    window.grab().save(str(tmp_path / "theme_light.png"))
    assert (tmp_path / "theme_light.png").stat().st_size > 10_000
    window.action("dark").trigger()
    QApplication.processEvents()
    _check_colours(window, "dark")
    assert window.loss_plot.curve.opts["pen"].color() == curve_dark


# ---- 3. random sources: the app shows what `gradlab run --json` prints --------------------------

def test_fresh_open_and_run_show_the_numbers_gradlab_run_prints(qtbot, window, tmp_path, capsys):
    engine.manual_seed(12345)  # whatever the global generator did before does not matter
    engine.randn(100)
    path = open_copy(window, tmp_path)
    click_tool(qtbot, window, "run_backward")
    assert window.runs.wait()
    cli_report = gradlab_json(capsys, path)
    assert compare_reports(app_report(window), cli_report) == []
    x = node_by_label(window, "X")
    cli_x = next(n["value"] for n in cli_report["nodes"] if n["id"] == x)
    assert np.array_equal(viewer_values(window, x), np.array(cli_x, dtype=np.float32))
    # the export's numbers are those too (it writes the drawn values out)
    script = to_torch_script(fileformat.load(path), path.name)
    assert repr(float(np.float32(cli_x[0][0]))) in script or str(np.float32(cli_x[0][0])) in script


def test_random_values_follow_the_document_through_reruns_undo_and_redo(
        qtbot, window, tmp_path, capsys):
    path = open_copy(window, tmp_path)
    x = node_by_label(window, "X")
    original = viewer_values(window, x)
    assert np.array_equal(original, np.array(
        next(n["value"] for n in gradlab_json(capsys, path)["nodes"] if n["id"] == x),
        dtype=np.float32))
    # an edit downstream: an incremental re-run leaves X (and its numbers) alone
    fc1 = node_by_label(window, "fc1")
    window.canvas.select_nodes([fc1])
    spin = window.inspector.editor("out_features").spin
    spin.setFocus()
    spin.selectAll()
    QTest.keyClicks(spin, "6")
    QTest.keyClick(spin, Qt.Key_Return)
    assert window.document.graph.nodes[fc1].attrs["out_features"] == 6
    click_tool(qtbot, window, "run")
    assert window.runs.wait()
    assert x not in window.runs.last.recomputed and fc1 in window.runs.last.recomputed
    assert np.array_equal(viewer_values(window, x), original)
    # editing X itself: new numbers, those gradlab run prints for the edited file
    window.canvas.select_nodes([x])
    edit = window.inspector.editor("size").edit
    edit.setFocus()
    edit.selectAll()
    QTest.keyClicks(edit, "(5, 2)")
    QTest.keyClick(edit, Qt.Key_Return)
    assert tuple(window.document.graph.nodes[x].attrs["size"]) == (5, 2)
    click_tool(qtbot, window, "run")
    assert window.runs.wait()
    edited = tmp_path / "edited.gradlab"
    fileformat.save(window.document.graph, edited)
    five = viewer_values(window, x)
    assert five.shape == (5, 2)
    assert np.array_equal(five, np.array(next(n["value"] for n in gradlab_json(
        capsys, edited)["nodes"] if n["id"] == x), dtype=np.float32))
    # undo: the file as it was, so its numbers again; redo: the edited file's numbers again
    menu_action(window, "Edit", "Undo").trigger()
    click_tool(qtbot, window, "run")
    assert window.runs.wait()
    assert np.array_equal(viewer_values(window, x), original)
    menu_action(window, "Edit", "Redo").trigger()
    click_tool(qtbot, window, "run")
    assert window.runs.wait()
    assert np.array_equal(viewer_values(window, x), five)
    # deleting X and undoing brings back the same node, with the same numbers
    for _ in range(2):
        menu_action(window, "Edit", "Undo").trigger()
    assert window.document.graph.nodes[fc1].attrs["out_features"] == 8
    window.canvas.select_nodes([x])
    window.action("delete").trigger()
    assert x not in window.document.graph.nodes
    menu_action(window, "Edit", "Undo").trigger()
    click_tool(qtbot, window, "run_backward")
    assert window.runs.wait()
    assert np.array_equal(viewer_values(window, x), original)
    assert compare_reports(app_report(window), gradlab_json(capsys, path)) == []


def test_draw_again_draws_new_numbers_until_the_file_is_opened_again(
        qtbot, window, tmp_path, capsys):
    path = open_copy(window, tmp_path)
    x = node_by_label(window, "X")
    original = viewer_values(window, x)
    menu_action(window, "Run", "Draw Parameters Again").trigger()
    assert window.runs.wait()
    assert not np.array_equal(viewer_values(window, x), original)
    window.document.undo_stack.setClean()
    assert window.files.open_path(path)
    assert window.runs.wait()
    assert np.array_equal(viewer_values(window, x), original)
    assert np.array_equal(original, np.array(next(n["value"] for n in gradlab_json(
        capsys, path)["nodes"] if n["id"] == x), dtype=np.float32))


def test_gradlab_run_numbers_do_not_depend_on_the_global_generator(capsys, tmp_path):
    path = tmp_path / "net.gradlab"
    shutil.copy(NETWORK, path)
    first = gradlab_json(capsys, path)
    engine.manual_seed(7)
    engine.rand(50)
    assert compare_reports(gradlab_json(capsys, path), first) == []
