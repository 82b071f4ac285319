"""The .gradlab file: round trips, the schema, where-messages, migration, atomic saves, safety.

Two hypothesis properties: ``load(save(g)) == g`` for random graphs over every registered node
kind, and any text, or a valid file with random damage, gives a Graph or a FileFormatError,
never anything else.
"""
from __future__ import annotations

import base64
import copy
import io
import json
import os
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.graph import fileformat as ff
from engine.graph.fileformat import FileFormatError
from engine.graph.kinds import all_kinds, validate_attr
from engine.graph.model import Graph

KINDS = sorted(all_kinds().values(), key=lambda k: k.key)
SKIP = object()
DTYPES = ["float32", "float64", "int64", "int32", "bool", "float16"]


# ---- random graphs ---------------------------------------------------------------------------

def _data(draw):
    shape = draw(st.lists(st.integers(0, 4), max_size=3))
    big = draw(st.booleans()) and draw(st.booleans())
    if big:
        shape = [33, 40]  # 1320 elements: written as npy_base64
    n = int(np.prod(shape)) if shape else 1
    vals = draw(st.lists(st.floats(-1e6, 1e6, allow_nan=False, width=32), min_size=n,
                         max_size=n)) if n <= 64 else list(np.linspace(-3, 3, n))
    return np.array(vals, dtype=np.float64).reshape(shape).tolist()


def _attr_value(draw, kind, a):
    if a.choices is not None:
        return draw(st.sampled_from(list(a.choices)))
    lo, hi = (a.range or (None, None))
    k = a.kind
    if k in ("int", "dim"):
        v = draw(st.integers(-5 if lo is None else int(lo), 8 if hi is None else int(hi)))
    elif k == "float":
        v = draw(st.floats(-10 if lo is None else lo, 10 if hi is None else hi,
                           allow_nan=False))
    elif k == "scalar":
        v = draw(st.one_of(st.integers(-9, 9), st.floats(-9, 9, allow_nan=False)))
    elif k == "bool":
        v = draw(st.booleans())
    elif k == "shape":
        v = draw(st.lists(st.integers(0, 5), max_size=4))
    elif k == "ints":
        v = draw(st.lists(st.integers(-3, 5), max_size=4))
    elif k == "dims":
        v = draw(st.one_of(st.none(), st.integers(-2, 2), st.lists(st.integers(-2, 2),
                                                                     max_size=3)))
    elif k == "dtype":
        v = draw(st.sampled_from(DTYPES + ([None] if a.optional else [])))
    elif k == "device":
        v = "cpu"
    elif k == "data":
        v = _data(draw)
    else:
        v = draw(st.text(max_size=12))
    try:
        return validate_attr(kind, a.name, v)
    except ValueError:
        return a.default if not a.required else SKIP


@st.composite
def graphs(draw) -> Graph:
    g = Graph()
    g.set_meta(title=draw(st.text(max_size=20)), note=draw(st.text(max_size=40)))
    for _ in range(draw(st.integers(0, 7))):
        kind = draw(st.sampled_from(KINDS))
        attrs = {a.name: _attr_value(draw, kind, a) for a in kind.attrs
                 if a.required or draw(st.booleans())}
        attrs = {k: v for k, v in attrs.items() if v is not SKIP}
        node = g.add_node(kind.key, attrs, pos=(draw(st.floats(-1e4, 1e4)),
                                                draw(st.floats(-1e4, 1e4))),
                          label=draw(st.text(min_size=1, max_size=10)),
                          requires_grad=draw(st.booleans()))
        g.set_flag(node.id, "retain_grad", draw(st.booleans()))
        earlier = [n for n in g.nodes.values() if n.id != node.id and
                   all_kinds()[n.kind].outputs]
        for port in kind.inputs:
            for _ in range(draw(st.integers(0, 2 if port.variadic else 1))):
                if earlier:
                    src = draw(st.sampled_from(earlier))
                    out = draw(st.sampled_from(all_kinds()[src.kind].outputs))
                    if g.can_connect(src.id, out.name, node.id, port.name) is None:
                        g.connect(src.id, out.name, node.id, port.name)
    if g.nodes and draw(st.booleans()):
        members = draw(st.lists(st.sampled_from(sorted(g.nodes)), unique=True))
        g.add_frame(draw(st.text(max_size=8)), (0, 0, draw(st.floats(1, 500)), 100.0),
                    draw(st.booleans()), members)
    return g


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs())
def test_round_trip_text_and_file(g):
    text = ff.dumps(g)
    assert ff.loads(text) == g
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "g.gradlab")
        ff.save(g, path)
        back = ff.load(path)
        assert back == g
        assert [n.id for n in sorted(back.nodes.values(), key=lambda n: n.seq)] == \
            [n.id for n in sorted(g.nodes.values(), key=lambda n: n.seq)]
        assert back.topological_order() == g.topological_order()
        assert os.listdir(d) == ["g.gradlab"]  # no temp file left behind
    ff._validator().validate(json.loads(text))  # what we write satisfies the published schema


# ---- damaged input ---------------------------------------------------------------------------

json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=6), inner, max_size=4)),
    max_leaves=12)


def _paths(doc, prefix=()):
    yield prefix
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            yield from _paths(v, prefix + (i,))


def _sample_doc():
    g = Graph()
    a = g.add_node("source:tensor", {"data": [[1.0, 2.0], [3.0, 4.0]]}, label="a")
    b = g.add_node("op:mul", label="b")
    c = g.add_node("op:add", {"alpha": 2}, label="c")
    g.connect(a.id, "out", b.id, "input")
    g.connect(a.id, "out", b.id, "other")
    g.connect(b.id, "out", c.id, "input")
    g.add_frame("no grad", (0, 0, 100, 100), True, [b.id])
    return json.loads(ff.dumps(g))


SAMPLE = _sample_doc()
PATHS = list(_paths(SAMPLE))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATHS), st.sampled_from(["replace", "delete", "insert"]), json_values,
       st.text(max_size=6))
def test_mutated_files_raise_only_format_errors(path, how, value, key):
    doc = copy.deepcopy(SAMPLE)
    if not path:
        doc = value
    else:
        parent = doc
        for p in path[:-1]:
            parent = parent[p]
        last = path[-1]
        if how == "replace":
            parent[last] = value
        elif how == "delete":
            del parent[last]
        elif isinstance(parent[last], dict):
            parent[last][key] = value
        elif isinstance(parent[last], list):
            parent[last].insert(0, value)
    try:
        g = ff.loads(json.dumps(doc))
    except FileFormatError as e:
        assert str(e)
    else:
        assert isinstance(g, Graph)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(PATHS), json_values)
def test_fast_schema_check_agrees_with_jsonschema(path, value):
    """Load uses its own compiled reading of schema.json; jsonschema must agree with it."""
    doc = copy.deepcopy(SAMPLE)
    if path:
        parent = doc
        for p in path[:-1]:
            parent = parent[p]
        parent[path[-1]] = value
    else:
        doc = value if isinstance(value, dict) else doc
    fast = ff._SchemaCheck.get().first_error(doc)
    slow = list(ff._validator().iter_errors(doc))
    assert (fast is None) == (not slow), (fast, [e.message for e in slow[:2]])
    if fast is not None:  # both point into the same part of the file
        assert any(list(e.absolute_path)[:1] == fast[0][:1] for e in slow)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.binary(max_size=200), st.text(max_size=200),
                 json_values.map(json.dumps)))
def test_arbitrary_input_raises_only_format_errors(data):
    try:
        ff.loads(data)
    except FileFormatError:
        pass


def test_pathological_json():
    for text in ["[" * 100000 + "]" * 100000, '{"format": "gradlab", "version": ' + "9" * 5000
                 + "}", "", "\x00", "NaN", '{"format": "gradlab", "version": 1.0}']:
        with pytest.raises(FileFormatError):
            ff.loads(text)


# ---- messages say where ----------------------------------------------------------------------

def _with(edit) -> dict:
    doc = copy.deepcopy(SAMPLE)
    edit(doc)
    return doc


@pytest.mark.parametrize("edit, message", [
    (lambda d: d["nodes"][2]["attrs"].__setitem__("alpha", "x"),
     "nodes[2].attrs.alpha: expects scalar, got 'x'"),
    (lambda d: d["nodes"][2]["attrs"].__setitem__("beta", 1),
     "nodes[2].attrs.beta: add has no attribute 'beta'"),
    (lambda d: d["nodes"][1].__setitem__("kind", "op:no_such_op"),
     "nodes[1].kind: unknown node kind 'op:no_such_op'"),
    (lambda d: d["nodes"][1].__setitem__("kind", "mul"), "nodes[1].kind: unknown node kind"),
    (lambda d: d["nodes"][1].pop("id"), "nodes[1]: missing 'id'"),
    (lambda d: d["nodes"][1].__setitem__("pos", [1]), "nodes[1].pos: expects 2 items or more"),
    (lambda d: d["nodes"][1].__setitem__("colour", "red"),
     "nodes[1]: unexpected field 'colour'"),
    (lambda d: d["nodes"][0]["attrs"].__setitem__("data", [[1, "two"]]),
     "nodes[0].attrs.data: tensor data must be numbers"),
    (lambda d: d["edges"][0].__setitem__("dst", "nowhere"), "edges[0].dst: no node with id"),
    (lambda d: d["edges"][0].__setitem__("dst_port", "other2"),
     "edges[0].dst_port: mul has no input 'other2'"),
    (lambda d: d["edges"][0].__setitem__("src_port", "values"),
     "edges[0].src_port: tensor has no output 'values'"),
    (lambda d: d["edges"].append(dict(d["edges"][2], id="e9", dst=d["nodes"][1]["id"],
                                      dst_port="input")),
     "edges[3]: input 'input' of 'b' is already connected by edges[0]"),
    (lambda d: d["edges"].append({"id": "back", "src": d["nodes"][2]["id"], "src_port": "out",
                                  "dst": d["nodes"][0]["id"], "dst_port": "x"}),
     "edges[3].dst_port: tensor has no input 'x'"),
    (lambda d: d["edges"][1].__setitem__("id", d["edges"][0]["id"]),
     "edges[1].id: an edge with id"),
    (lambda d: d["frames"][0]["members"].append("ghost"),
     "frames[0].members[1]: no node with id 'ghost'"),
    (lambda d: d.__setitem__("format", "other"), "not a Gradlab graph file (format is 'other')"),
    (lambda d: d.__setitem__("version", "1"), "version: expects a format version number"),
])
def test_errors_say_where(edit, message):
    with pytest.raises(FileFormatError) as e:
        ff.loads(json.dumps(_with(edit)))
    assert message in str(e.value)


def test_cycle_is_refused():
    g = Graph()
    a = g.add_node("op:mul", label="a")
    b = g.add_node("op:add", label="b")
    g.connect(a.id, "out", b.id, "input")
    doc = json.loads(ff.dumps(g))
    doc["edges"].append({"id": "c", "src": b.id, "src_port": "out", "dst": a.id,
                         "dst_port": "input"})
    with pytest.raises(FileFormatError, match=r"edges\[0\]: the edges make a cycle through "
                                              r"'a', 'b'"):
        ff.loads(json.dumps(doc))


def test_newer_version_is_refused_clearly(tmp_path):
    p = tmp_path / "future.gradlab"
    p.write_text(json.dumps(dict(SAMPLE, version=ff.VERSION + 1)))
    with pytest.raises(FileFormatError) as e:
        ff.load(p)
    assert str(e.value) == (f"{p}: this file was written by a newer Gradlab (format version "
                            f"{ff.VERSION + 1}); this program reads versions up to {ff.VERSION}."
                            " Update Gradlab to open it.")


def test_missing_file_and_bad_json_messages(tmp_path):
    with pytest.raises(FileFormatError, match="nope.gradlab: cannot read the file: No such file"):
        ff.load(tmp_path / "nope.gradlab")
    p = tmp_path / "bad.gradlab"
    p.write_text('{"format": "gradlab",\n "version": 1,,}')
    with pytest.raises(FileFormatError, match=r"bad.gradlab: not valid JSON: .*line 2, column 15"):
        ff.load(p)


# ---- migration -------------------------------------------------------------------------------

V0 = {
    "format": "gradlab", "version": 0, "title": "old", "note": "from version 0",
    "nodes": {
        "x": {"op": "ones", "name": "x", "params": {"size": [2, 2]}, "x": 0, "y": 10,
              "requires_grad": True},
        "two": {"op": "tensor", "name": "two", "params": {"data": 2.0}, "x": 0, "y": 90},
        "y": {"op": "add", "name": "y", "params": {}, "x": 150, "y": 40},
        "z": {"op": "mul", "name": "z", "x": 300, "y": 40},
    },
    "links": [["x", "y", "input"], ["two", "y", "other"], ["y", "z", "input"],
              ["y", "z", "other"]],
}


def test_version_0_is_migrated():
    g = ff.loads(json.dumps(V0))
    assert g.meta == {"title": "old", "note": "from version 0"}
    assert {n.id: n.kind for n in g.nodes.values()} == {
        "x": "source:ones", "two": "source:tensor", "y": "op:add", "z": "op:mul"}
    assert g.nodes["x"].attrs["size"] == (2, 2) and g.nodes["x"].requires_grad
    assert g.nodes["y"].pos == (150.0, 40.0) and g.nodes["z"].label == "z"
    ins = g.inputs_of("z")
    assert [(e.src, e.src_port) for e in ins["input"] + ins["other"]] == [("y", "out")] * 2
    assert g.topological_order() == ["x", "two", "y", "z"]
    again = ff.loads(ff.dumps(g))  # and it saves as the current version
    assert again == g and json.loads(ff.dumps(g))["version"] == ff.VERSION


def test_version_0_errors_say_where():
    bad = dict(V0, links=[["x", "y"]])
    with pytest.raises(FileFormatError, match=r"links\[0\]: expects \[source id, target id"):
        ff.loads(json.dumps(bad))
    bad = dict(V0, nodes=dict(V0["nodes"], y={"op": "add", "params": {"alpha": "two"}}))
    with pytest.raises(FileFormatError, match=r"nodes\[2\].attrs.alpha: expects scalar"):
        ff.loads(json.dumps(bad))


# ---- tensor data -----------------------------------------------------------------------------

def test_small_lists_inline_large_as_npy_and_arrays_keep_dtype():
    g = Graph()
    small = g.add_node("source:tensor", {"data": [[1.5, 2.0]] * 3})
    big = g.add_node("source:tensor", {"data": np.arange(2000.0).reshape(40, 50).tolist()})
    arr = g.add_node("source:tensor", {"data": np.arange(6, dtype=np.float64).reshape(2, 3)})
    bigarr = g.add_node("source:tensor", {"data": np.ones((50, 50), dtype=np.float32)})
    doc = json.loads(ff.dumps(g))
    attrs = [n["attrs"]["data"] for n in doc["nodes"]]
    assert attrs[0] == [[1.5, 2.0]] * 3
    assert set(attrs[1]) == {"npy_base64", "as"} and attrs[1]["as"] == "list"
    assert attrs[2] == {"array": [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], "dtype": "float64"}
    assert attrs[3]["as"] == "ndarray"
    back = ff.loads(json.dumps(doc))
    assert back.nodes[small.id].attrs["data"] == [[1.5, 2.0]] * 3
    assert back.nodes[big.id].attrs["data"] == np.arange(2000.0).reshape(40, 50).tolist()
    for nid, want in ((arr.id, np.arange(6.0).reshape(2, 3)),
                      (bigarr.id, np.ones((50, 50), np.float32))):
        got = back.nodes[nid].attrs["data"]
        assert isinstance(got, np.ndarray) and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


class _Marker:
    """Unpickling this would create a file: the loader must never do it."""

    path = ""

    def __reduce__(self):
        return (open, (self.path, "w"))


def test_pickled_npy_is_refused_and_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    _Marker.path = str(marker)
    buf = io.BytesIO()
    np.save(buf, np.array([_Marker()], dtype=object), allow_pickle=True)
    doc = copy.deepcopy(SAMPLE)
    doc["nodes"][0]["attrs"]["data"] = {"npy_base64": base64.b64encode(buf.getvalue()).decode()}
    with pytest.raises(FileFormatError, match=r"nodes\[0\].attrs.data.npy_base64: npy_base64 is "
                                              r"not a .npy array"):
        ff.loads(json.dumps(doc))
    assert not marker.exists()
    doc["nodes"][0]["attrs"]["data"] = {"npy_base64": "!!!"}
    with pytest.raises(FileFormatError, match="not valid base64"):
        ff.loads(json.dumps(doc))


def test_index_text_is_kept_as_text_not_run():
    g = ff.loads(json.dumps(_with(lambda d: d["meta"].__setitem__(
        "title", "__import__('os').system('false')"))))
    assert g.meta["title"].startswith("__import__")


# ---- atomic saves ----------------------------------------------------------------------------

def test_save_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    g = ff.loads(json.dumps(SAMPLE))
    p = tmp_path / "g.gradlab"
    ff.save(g, p)
    before = p.read_bytes()
    os.chmod(p, 0o600)
    g.set_meta(title="changed")

    def boom(src, dst):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(ff.os, "replace", boom)
    with pytest.raises(OSError):
        ff.save(g, p)
    assert p.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["g.gradlab"]
    monkeypatch.undo()
    ff.save(g, p)
    assert ff.load(p).meta["title"] == "changed"
    assert os.stat(p).st_mode & 0o777 == 0o600  # permissions of the file kept


def test_schema_checker_refuses_keywords_it_does_not_know():
    with pytest.raises(ValueError, match="not supported"):
        ff._SchemaCheck({"type": "object", "propertyNames": {"maxLength": 3}})


def test_schema_is_a_valid_published_schema():
    from jsonschema import Draft202012Validator
    Draft202012Validator.check_schema(ff.schema())
    assert ff.schema()["properties"]["version"] == {"const": ff.VERSION}
