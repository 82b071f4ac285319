"""The ``gradlab`` command: run (JSON and table), export, screenshot and GUI delegation, exit
codes and one-line errors; the gallery through ``gradlab run --json`` against PyTorch."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import pytest

from app import cli
from engine.graph.export import compare_reports, to_torch_script
from engine.graph.fileformat import load, save
from engine.graph.model import Graph
from resources import examples_dir, list_examples

FIELDS = ["id", "label", "op", "shape", "dtype", "device", "requires_grad", "is_leaf", "grad_fn",
          "value", "grad", "grad_flow", "forward_ms", "backward_ms", "error"]
BASICS = examples_dir() / "01_autograd_basics.gradlab"


def gradlab(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(map(str, argv)))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str) -> str:
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


# ---- gradlab run -----------------------------------------------------------------------------

def test_run_json_is_the_documented_object(capsys):
    code, out, err = gradlab(capsys, "run", BASICS, "--json")
    assert code == 0 and err == ""
    rep = json.loads(out)
    assert list(rep) == ["format", "version", "device", "nodes"]
    assert (rep["format"], rep["version"], rep["device"]) == ("gradlab-run", 1, "cpu")
    by = {n["label"]: n for n in rep["nodes"]}
    for n in rep["nodes"]:
        assert list(n) == FIELDS
    x, out_, bw = by["x"], by["out"], by["backward"]
    assert x["dtype"] == "float32" and x["shape"] == [2, 2] and x["is_leaf"] is True
    assert x["grad_fn"] is None and x["grad"] == [[4.5, 4.5], [4.5, 4.5]]
    assert out_["value"] == 27.0 and out_["grad_fn"] == "MeanBackward0" and out_["shape"] == []
    assert out_["grad"] is None and out_["grad_flow"] == 1.0  # a non-leaf: no .grad
    assert isinstance(out_["forward_ms"], float) and out_["error"] is None
    assert bw["value"] is None and bw["shape"] is None and bw["op"] == "special:backward"


def test_run_no_backward_and_table(capsys):
    code, out, _ = gradlab(capsys, "run", BASICS, "--json", "--no-backward")
    by = {n["label"]: n for n in json.loads(out)["nodes"]}
    assert code == 0 and by["x"]["grad"] is None and by["out"]["value"] == 27.0
    code, out, _ = gradlab(capsys, "run", BASICS)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:5] == ["node", "op", "shape", "dtype", "grad_fn"]
    row = next(line for line in lines if line.startswith("out "))
    assert "op:mean" in row and "MeanBackward0" in row and "27" in row
    assert "device cpu, 6 nodes" in out


def test_failing_nodes_exit_1_with_their_errors(capsys, tmp_path):
    g = Graph()
    x = g.add_node("source:tensor", {"data": [1.0, 2.0, 3.0]}, label="x")
    v = g.add_node("op:view", {"shape": (2,)}, label="v")
    g.connect(x.id, "out", v.id, "input")
    save(g, tmp_path / "bad.gradlab")
    code, out, _ = gradlab(capsys, "run", tmp_path / "bad.gradlab")
    assert code == 1 and "1 failed" in out and "v: shape '[2]' is invalid" in out
    code, out, _ = gradlab(capsys, "run", tmp_path / "bad.gradlab", "--json")
    assert code == 1
    assert json.loads(out)["nodes"][1]["error"].startswith("shape '[2]' is invalid")


@pytest.mark.parametrize("setup, argv, message", [
    (None, ["run", "{d}/missing.gradlab"], "missing.gradlab: cannot read the file: No such file"),
    ("not json", ["run", "{f}"], "f.gradlab: not valid JSON"),
    ('{"format": "gradlab", "version": 1, "nodes": [{"id": "a", "kind": "op:frobnicate"}], '
     '"edges": []}', ["run", "{f}"], "nodes[0].kind: unknown node kind 'op:frobnicate'"),
    ('{"format": "gradlab", "version": 99, "nodes": [], "edges": []}', ["run", "{f}"],
     "written by a newer Gradlab (format version 99)"),
    (None, ["run"], "the following arguments are required: FILE"),
    (None, ["run", "x", "--device", "tpu"], "invalid choice: 'tpu'"),
    (None, ["export", str(BASICS), "--format", "onnx"], "invalid choice: 'onnx'"),
    (None, ["export", "{d}/nope.gradlab"], "nope.gradlab: cannot read the file"),
    (None, ["export", str(BASICS), "-o", "{d}/no/such/dir/x.py"], "cannot write"),
    (None, ["screenshot", str(BASICS), "-o", "{d}/x.png", "--size", "big"],
     "expects WIDTHxHEIGHT"),
    (None, ["screenshot", str(BASICS)], "the following arguments are required: -o"),
    (None, ["screenshot", str(BASICS), "-o", "{d}/no/dir/x.png"], "does not exist"),
    (None, ["{d}/nothing.gradlab"], "nothing.gradlab: cannot read the file"),
])
def test_user_mistakes_give_one_line_and_exit_2(capsys, tmp_path, setup, argv, message):
    f = tmp_path / "f.gradlab"
    if setup is not None:
        f.write_text(setup)
    argv = [a.format(d=tmp_path, f=f) for a in argv]
    code, out, err = gradlab(capsys, *argv)
    assert code == 2 and out == ""
    assert message in one_line_error(err)
    assert err.startswith("gradlab: ")


def test_cuda_without_a_gpu_is_a_clear_error(capsys):
    import engine.cuda
    if engine.cuda.is_available():
        pytest.skip("a GPU is present here")
    code, out, err = gradlab(capsys, "run", BASICS, "--device", "cuda")
    assert code == 2 and out == ""
    assert "--device cuda: CUDA is not available" in one_line_error(err)


# ---- export, screenshot, GUI -----------------------------------------------------------------

def test_export_to_stdout_and_file(capsys, tmp_path):
    code, out, err = gradlab(capsys, "export", BASICS, "--format", "torch")
    assert code == 0 and err == "" and out.startswith('"""Autograd basics: exported from Gradlab')
    assert "x = torch.ones(2, 2, requires_grad=True)" in out
    code, out, _ = gradlab(capsys, "export", BASICS, "-o", tmp_path / "s.py")
    assert code == 0 and out == ""
    assert (tmp_path / "s.py").read_text() == to_torch_script(load(BASICS), BASICS.name)


def test_screenshot_and_gui_are_delegated(capsys, monkeypatch, tmp_path):
    calls = []
    shot = types.ModuleType("app.screenshot")
    shot.main = lambda *a: calls.append(("shot", a)) or 0
    gui = types.ModuleType("app.gui")
    gui.main = lambda argv: calls.append(("gui", argv)) or 0
    monkeypatch.setitem(sys.modules, "app.screenshot", shot)
    monkeypatch.setitem(sys.modules, "app.gui", gui)
    out_png = tmp_path / "x.png"
    assert gradlab(capsys, "screenshot", BASICS, "-o", out_png, "--size", "800x600")[0] == 0
    assert gradlab(capsys)[0] == 0
    assert gradlab(capsys, "--gallery")[0] == 0
    assert gradlab(capsys, BASICS)[0] == 0
    assert calls == [("shot", (str(BASICS), str(out_png), (800, 600), "cpu")),
                     ("gui", []), ("gui", ["--gallery"]), ("gui", [str(BASICS)])]


def test_missing_gui_module_is_explained(capsys, monkeypatch):
    import importlib

    real = importlib.import_module

    def fake(name, *a, **k):
        if name in ("app.gui", "app.screenshot"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return real(name, *a, **k)
    monkeypatch.setattr(importlib, "import_module", fake)
    for argv in ([], ["screenshot", str(BASICS), "-o", "/tmp/x.png"]):
        code, out, err = gradlab(capsys, *argv)
        assert code == 2 and "is not available in this installation" in one_line_error(err)


def test_internal_errors_are_one_line_unless_debugging(capsys, monkeypatch):
    def boom(*a, **k):
        raise ZeroDivisionError("oops")
    monkeypatch.setattr(cli, "_run", boom)
    code, _, err = gradlab(capsys, "run", BASICS)
    assert code == 3 and "internal error: ZeroDivisionError: oops" in one_line_error(err)
    monkeypatch.setenv("GRADLAB_DEBUG", "1")
    with pytest.raises(ZeroDivisionError):
        cli.main(["run", str(BASICS)])


def test_the_installed_command(tmp_path):
    exe = Path(sys.executable).with_name("gradlab")
    if not exe.exists():
        pytest.skip("the gradlab entry point is not installed in this environment")
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    p = subprocess.run([str(exe), "run", str(BASICS), "--json"], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["nodes"][4]["value"] == 27.0
    p = subprocess.run([str(exe), "run", str(tmp_path / "none.gradlab")], capture_output=True,
                       text=True, env=env, timeout=300)
    assert p.returncode == 2 and p.stdout == "" and p.stderr.count("\n") == 1


# ---- the gallery: `gradlab run --json` says what PyTorch says -------------------------------

def test_gallery_runs_and_matches_pytorch(capsys, tmp_path):
    pytest.importorskip("torch")
    ours, scripts = {}, {}
    for path, _, _ in list_examples():
        code, out, err = gradlab(capsys, "run", path, "--json")
        assert code in (0, 1) and err == "", (path.name, err)
        ours[path.stem] = json.loads(out)
        assert code == (1 if any(n["error"] for n in ours[path.stem]["nodes"]) else 0)
        code, _, _ = gradlab(capsys, "export", path, "-o", tmp_path / f"{path.stem}.py")
        assert code == 0
        scripts[path.stem] = tmp_path / f"{path.stem}.py"
    driver = textwrap.dedent("""
        import contextlib, io, json, runpy, sys
        out = {}
        for p in sys.argv[1:]:
            buf = io.StringIO()
            try:
                with contextlib.redirect_stdout(buf):
                    runpy.run_path(p, run_name="__main__")
                out[p] = json.loads(buf.getvalue())
            except BaseException as e:
                out[p] = {"crash": f"{type(e).__name__}: {e}"}
        print(json.dumps(out))
    """)
    p = subprocess.run([sys.executable, "-c", driver, *map(str, scripts.values())],
                       capture_output=True, text=True, timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    theirs = json.loads(p.stdout)
    bad = {}
    for name, path in scripts.items():
        t = theirs[str(path)]
        diff = [t["crash"]] if "crash" in t else compare_reports(ours[name], t)
        if diff:
            bad[name] = diff[:5]
    assert not bad, json.dumps(bad, indent=1)
