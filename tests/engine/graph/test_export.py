"""Export to PyTorch: every gallery example's script, run by the venv's torch in a subprocess,
prints the report ``gradlab run --json`` prints; so does a small graph per registered op.

Scripts run in one torch subprocess (a driver that runs each with runpy and collects stdout),
so the suite pays torch's import once per test.
"""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from engine.graph import export
from engine.graph.export import compare_reports, export_with_report, run_graph, run_json
from engine.graph.fileformat import load
from engine.graph.kinds import all_kinds, validate_attr
from engine.graph.model import Graph
from engine.ops.registry import samples_of
from resources import list_examples

pytest.importorskip("torch")

DRIVER = textwrap.dedent("""
    import contextlib, io, json, runpy, sys, traceback
    out = {}
    for path in sys.argv[1:]:
        buf = io.StringIO()
        try:
            with contextlib.redirect_stdout(buf):
                runpy.run_path(path, run_name="__main__")
            out[path] = {"stdout": buf.getvalue()}
        except BaseException:
            out[path] = {"error": traceback.format_exc(limit=3)}
    print(json.dumps(out))
""")


def run_with_torch(scripts: dict[str, str], tmp_path) -> dict[str, dict]:
    """name -> the JSON report each script printed (or {'error': traceback})."""
    paths = {}
    for name, text in scripts.items():
        p = tmp_path / f"{name}.py"
        p.write_text(text)
        paths[str(p)] = name
    proc = subprocess.run([sys.executable, "-c", DRIVER, *paths], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    res = json.loads(proc.stdout)
    return {paths[p]: (json.loads(v["stdout"]) if "stdout" in v else v) for p, v in res.items()}


EXAMPLES = list_examples()


def test_gallery_exists_with_titles_and_notes():
    assert len(EXAMPLES) >= 24
    nums = sorted(int(p.name[:2]) for p, _, _ in EXAMPLES)
    assert nums == list(range(1, len(nums) + 1))
    for path, title, note in EXAMPLES:
        assert title and len(note) > 40, path.name


def test_every_gallery_example_matches_pytorch(tmp_path):
    scripts, reports = {}, {}
    for path, _, _ in EXAMPLES:
        g = load(path)
        script, report = export_with_report(g, path.name)
        compile(script, path.name, "exec")  # valid Python
        assert "import engine" not in script
        scripts[path.stem], reports[path.stem] = script, report
        again = run_json(g, run_graph(load(path)))  # what `gradlab run --json` prints
        assert compare_reports(again, report, rtol=0, atol=0) == [], path.name
    torch_out = run_with_torch(scripts, tmp_path)
    bad = {}
    for name, report in reports.items():
        got = torch_out[name]
        if "error" in got:
            bad[name] = got["error"]
            continue
        diff = compare_reports(report, got)
        if diff:
            bad[name] = diff[:6]
    assert not bad, json.dumps(bad, indent=1)


def _expected(name: str) -> dict:
    """A few of EXAMPLES.md's numbers, read from the engine's own report."""
    path = next(p for p, _, _ in EXAMPLES if p.stem == name)
    rep = run_json(load(path), run_graph(load(path)))
    return {n["label"]: n for n in rep["nodes"]}


def test_gallery_numbers_are_the_textbook_ones():
    n = _expected("01_autograd_basics")
    assert n["out"]["value"] == 27.0 and n["out"]["grad_fn"] == "MeanBackward0"
    assert n["y"]["grad_fn"] == "AddBackward0" and n["x"]["grad"] == [[4.5, 4.5], [4.5, 4.5]]
    assert _expected("03_scalar_derivative")["x"]["grad"] == 20.0
    assert _expected("05_gradients_accumulate")["x"]["grad"] == [15.0, 30.0, 45.0, 60.0]
    assert _expected("05_gradients_accumulate")["x2"]["grad"] == [5.0, 10.0, 15.0, 20.0]
    g7 = _expected("07_partial_derivatives")["autograd.grad"]
    assert g7["value"] == 2.0  # the first of (2., 1., 1.)
    assert _expected("08_dot_product")["x"]["grad"] == [0.0, 4.0, 8.0, 12.0]
    assert _expected("10_control_flow")["a"]["grad"] == 8.0
    n11 = _expected("11_no_grad")
    assert n11["x**2"]["requires_grad"] and not n11["x**2 (no_grad)"]["requires_grad"]
    n12 = _expected("12_leaves_and_retain_grad")
    assert n12["y"]["grad"] == [1.0, 1.0, 1.0] and n12["w"]["grad"] is None
    n18 = _expected("18_reductions_and_norms")
    assert n18["norm(u)"]["value"] == 5.0 and n18["L1 norm(u)"]["value"] == 7.0
    assert n18["Frobenius norm"]["value"] == 6.0
    n19 = _expected("19_dtypes_and_creation")
    assert n19["tensor(10)"]["dtype"] == "int64" and n19["float64 ndarray"]["dtype"] == "float64"
    assert n19["IntTensor([2.5, 3.3])"]["value"] == [2, 3]
    assert _expected("24_tangent_line")["x"]["grad"] == 2.0
    n23 = _expected("23_conv_block")
    assert n23["pool2"]["shape"] == [1, 16, 5, 5] and n23["conv1"]["shape"] == [1, 6, 28, 28]


# ---- every registered op, one small graph each -----------------------------------------------

def _op_graphs() -> dict[str, Graph]:
    """For each op kind and its first usable sample: literal float64 sources -> op -> sum."""
    rng = np.random.default_rng(0)
    out = {}
    for key, kind in sorted(all_kinds().items()):
        if not key.startswith("op:") or kind.op is None:
            continue
        for i, sample in enumerate(samples_of(kind.op)[:2]):
            g = Graph()
            try:
                _build_sample(g, kind, sample, rng)
            except Exception:  # a sample the graph cannot spell (python objects as attrs...)
                continue
            out[f"{key.replace(':', '_').replace('.', '_')}_{i}"] = g
    return out


def _source(g: Graph, spec, rng, lo, hi):
    if isinstance(spec, tuple) and spec and spec[0] == "T":
        src = g.add_node("source:tensor", {"data": rng.uniform(lo, hi, spec[1][::-1]).tolist(),
                                           "dtype": "float64"}, requires_grad=True)
        t = g.add_node("op:transpose", {"dim0": 0, "dim1": -1})
        g.connect(src.id, "out", t.id, "input")
        return t
    if isinstance(spec, tuple) and spec and spec[0] == "int":
        return g.add_node("source:tensor", {"data": rng.integers(spec[2], spec[3],
                                                                 spec[1]).tolist()})
    if isinstance(spec, tuple) and all(isinstance(s, int) for s in spec):
        return g.add_node("source:tensor", {"data": rng.uniform(lo, hi, spec).tolist(),
                                            "dtype": "float64"}, requires_grad=True)
    raise ValueError(f"cannot spell {spec!r}")


def _build_sample(g: Graph, kind, sample, rng) -> None:
    lo, hi = sample.domain
    attrs = {k: validate_attr(kind, k, v) for k, v in sample.attrs.items()}
    node_inputs: list[tuple[str, object]] = []
    ports = [p for p in kind.inputs]
    shapes = list(sample.shapes)
    if ports and ports[0].variadic:
        spec = shapes[0]
        items = spec[1] if isinstance(spec, tuple) and spec and spec[0] == "list" else shapes
        node_inputs = [(ports[0].name, _source(g, s, rng, lo, hi)) for s in items]
    else:
        for p, spec in zip(ports, shapes):
            if isinstance(spec, (int, float)):
                if not p.scalar_ok:
                    raise ValueError("a number for a tensor port")
                attrs[p.name] = spec
            elif spec is not None:
                node_inputs.append((p.name, _source(g, spec, rng, lo, hi)))
    op = g.add_node(kind.key, attrs)
    for i, (port, src) in enumerate(node_inputs):
        if kind.inplace and i == 0:  # in place on a leaf that requires grad is refused
            clone = g.add_node("op:clone")
            g.connect(src.id, "out", clone.id, "input")
            src = clone
        g.connect(src.id, "out", op.id, port)
    if kind.outputs:
        s = g.add_node("op:sum")
        g.connect(op.id, kind.outputs[0].name, s.id, "input")


def test_every_op_exports_to_the_same_numbers(tmp_path):
    graphs = _op_graphs()
    assert len(graphs) > 50
    scripts, reports, skipped = {}, {}, []
    for name, g in graphs.items():
        res = run_graph(g)
        if any(r.error for r in res.nodes.values()):
            skipped.append(name)  # the engine refuses this sample here: nothing to compare
            continue
        script, report = export_with_report(g, name)
        scripts[name], reports[name] = script, report
    torch_out = run_with_torch(scripts, tmp_path)
    bad = {}
    for name, report in reports.items():
        got = torch_out[name]
        diff = [got["error"]] if "error" in got else compare_reports(report, got, 1e-6, 1e-8)
        if diff:
            bad[name] = diff[:4]
    assert not bad, json.dumps(bad, indent=1)
    assert len(skipped) < len(graphs) / 4, skipped


# ---- pieces ----------------------------------------------------------------------------------

def test_names_literals_and_index_renaming():
    g = Graph()
    for label in ("x", "x", "3x²", "lambda", "torch", ""):
        g.add_node("op:mul", label=label or "mul")
    names = export._names(g, list(g.nodes))
    assert list(names.values()) == ["x", "x_2", "n_3x", "lambda_", "torch_2", "mul"]
    assert export._num(np.float32(0.1).item(), "f4") == "0.1"
    assert export._num(float("nan")) == 'float("nan")'
    a = np.random.default_rng(1).standard_normal(50).astype(np.float32)
    back = np.array(eval(export._array_lit(a)), dtype=np.float32)  # noqa: S307 - our literal
    assert np.array_equal(back, a)
    assert export.rename_index("[x[:, 2] > 5]", "data") == "[data[:, 2] > 5]"
    assert export.rename_index("[0, 1:3]", "t") == "[0, 1:3]"


def test_failing_node_and_no_grad_frame_are_written_as_such():
    g = Graph()
    x = g.add_node("source:tensor", {"data": [[1.0, 2.0], [3.0, 4.0]]}, label="x",
                   requires_grad=True)
    v = g.add_node("op:view", {"shape": (3,)}, label="bad view")
    y = g.add_node("op:mul", {"other": 2}, label="y")
    after = g.add_node("op:sum", label="after")
    g.connect(x.id, "out", v.id, "input")
    g.connect(x.id, "out", y.id, "input")
    g.connect(v.id, "out", after.id, "input")
    g.add_frame("no_grad", (0, 0, 10, 10), True, [y.id])
    script, report = export_with_report(g, "t.gradlab")
    assert "try:" in script and f"fail({v.id!r}, e, '[2, 2]')" in script
    assert "with torch.no_grad():" in script
    assert "skipped (input 'input' failed)" in script
    by = {n["label"]: n for n in report["nodes"]}
    assert by["bad view"]["error"].startswith("shape '[3]' is invalid for input of size 4")
    assert by["y"]["requires_grad"] is False and by["after"]["value"] is None


def test_random_sources_are_written_as_drawn_values():
    g = Graph()
    r = g.add_node("source:randn", {"size": (2, 3)}, label="r")
    script, report = export_with_report(g)
    assert "# Gradlab drew with torch.randn(2, 3); written out" in script
    drawn = np.array(report["nodes"][0]["value"], dtype=np.float32)
    assert r.id in script and np.isfinite(drawn).all()
    again = export_with_report(g)[1]  # seeded: the same numbers every time
    assert compare_reports(again, report, rtol=0, atol=0) == []


# ---- random graphs: ops, in-place changes, flags, frames, several backward passes ------------

def _random_graph(seed: int) -> Graph:
    """A random program on (3, 4) float64 tensors; in-place ops only on non-leaves."""
    import random
    rnd = random.Random(seed)
    rng = np.random.default_rng(seed)
    g = Graph()
    made = []
    for i in range(rnd.randint(1, 3)):
        made.append(g.add_node("source:tensor", {"data": rng.uniform(-1, 1, (3, 4)).tolist(),
                                                  "dtype": "float64"},
                               requires_grad=rnd.random() < 0.8, label=f"s{i}"))
    for i in range(rnd.randint(2, 9)):
        kind = rnd.choice(["op:add", "op:mul", "op:sub", "op:div", "op:tanh", "op:sigmoid",
                           "op:exp", "op:relu", "op:mul_", "op:add_", "special:detach",
                           "op:neg", "op:pow"])
        a = rnd.choice(made)
        if kind.endswith("_") and g.nodes[a.id].kind.startswith("source:"):
            kind = kind[:-1]
        attrs = {"exponent": 2} if kind == "op:pow" else {}
        n = g.add_node(kind, attrs, label=f"n{i}", retain_grad=rnd.random() < 0.2)
        g.connect(a.id, "out", n.id, "input")
        if any(p.name == "other" for p in all_kinds()[kind].inputs):
            if rnd.random() < 0.5:
                g.connect(rnd.choice(made).id, "out", n.id, "other")
            else:
                g.set_attr(n.id, "other", rnd.choice([2, 0.5, -1.5]))
        made.append(n)
    tail = [m for m in made if not g.outputs_of(m.id)] or made[-1:]
    loss = g.add_node("op:sum", label="loss")
    g.connect(tail[-1].id, "out", loss.id, "input")
    n_bw = rnd.choice([0, 1, 2])
    for k in range(n_bw):
        bw = g.add_node("special:backward", {"retain_graph": k < n_bw - 1}, label=f"bw{k}")
        g.connect(loss.id, "out", bw.id, "tensor")
    inner = [m.id for m in made if not g.nodes[m.id].kind.startswith("source:")]
    if inner and rnd.random() < 0.3:
        g.add_frame("no_grad", (0, 0, 1, 1), True, rnd.sample(inner, 1))
    return g


def test_random_programs_export_to_the_same_numbers(tmp_path):
    scripts, reports = {}, {}
    for seed in range(100):  # among them: version-counter errors, backward without grad
        g = _random_graph(seed)
        scripts[f"g{seed}"], reports[f"g{seed}"] = export_with_report(g, f"g{seed}")
    torch_out = run_with_torch(scripts, tmp_path)
    bad = {}
    for name, report in reports.items():
        got = torch_out[name]
        diff = [got["error"]] if "error" in got else compare_reports(report, got, 1e-7, 1e-9)
        if diff:
            bad[name] = diff[:4]
    assert not bad, json.dumps(bad, indent=1)
