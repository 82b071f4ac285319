"""Undo commands change only the model; undoing every edit restores the document."""
import copy

from hypothesis import given, settings, strategies as st
from PySide6.QtGui import QUndoStack

from app import commands as C
from engine.graph.model import Graph


def snapshot(g: Graph):
    return ({i: (n.kind, n.label, copy.deepcopy(n.attrs), n.pos, n.requires_grad,
                 n.retain_grad) for i, n in g.nodes.items()},
            dict(g.edges),
            {i: (f.label, f.rect, f.no_grad, sorted(f.members)) for i, f in g.frames.items()},
            dict(g.meta))


def make_base():
    g = Graph()
    a = g.add_node("op:add", pos=(0, 0))
    b = g.add_node("op:mul", pos=(200, 0))
    g.connect(a.id, "out", b.id, "input")
    return g


def test_add_connect_move_delete_undo_redo(qapp):
    g = make_base()
    stack = QUndoStack()
    before = snapshot(g)
    stack.push(C.AddNode(g, "op:add", pos=(50, 50)))
    new_id = stack.command(0).node_id
    a_id = next(iter(g.nodes))
    stack.push(C.Connect(g, new_id, "out", a_id, "input"))
    stack.push(C.MoveNodes(g, {new_id: ((50, 50), (80, 90))}))
    stack.push(C.SetAttr(g, new_id, "alpha", 3))
    stack.push(C.RemoveItems(g, [a_id]))
    assert a_id not in g.nodes and len(g.edges) == 0
    after = snapshot(g)
    while stack.canUndo():
        stack.undo()
    assert snapshot(g) == before
    while stack.canRedo():
        stack.redo()
    assert snapshot(g) == after


def test_moves_and_attr_edits_merge(qapp):
    g = make_base()
    stack = QUndoStack()
    nid = next(iter(g.nodes))
    for x in range(5):
        stack.push(C.MoveNodes(g, {nid: ((x * 10, 0), ((x + 1) * 10, 0))}))
    for v in (2, 3, 4):
        stack.push(C.SetAttr(g, nid, "alpha", v))
    assert stack.count() == 2
    assert g.nodes[nid].pos == (50.0, 0.0) and g.nodes[nid].attrs["alpha"] == 4
    stack.undo()
    assert g.nodes[nid].attrs["alpha"] == 1
    stack.undo()
    assert g.nodes[nid].pos == (0.0, 0.0)


def test_bad_attr_value_never_enters_the_stack(qapp):
    g = make_base()
    stack = QUndoStack()
    nid = next(iter(g.nodes))
    try:
        stack.push(C.SetAttr(g, nid, "alpha", "not a number"))
    except ValueError:
        pass
    assert stack.count() == 0 and g.nodes[nid].attrs["alpha"] == 1


def test_paste_gets_fresh_ids_and_undoes(qapp):
    g = make_base()
    stack = QUndoStack()
    clip = C.copy_selection(g, list(g.nodes))
    stack.push(C.PasteNodes(g, clip))
    assert len(g.nodes) == 4 and len(g.edges) == 2
    stack.undo()
    assert len(g.nodes) == 2 and len(g.edges) == 1


edit = st.one_of(
    st.tuples(st.just("add"), st.sampled_from(["op:add", "op:mul"]),
              st.floats(-500, 500), st.floats(-500, 500)),
    st.tuples(st.just("move"), st.integers(0, 10), st.floats(-500, 500), st.floats(-500, 500)),
    st.tuples(st.just("delete"), st.integers(0, 10)),
    st.tuples(st.just("connect"), st.integers(0, 10), st.integers(0, 10)),
    st.tuples(st.just("attr"), st.integers(0, 10), st.integers(-5, 5)),
    st.tuples(st.just("flag"), st.integers(0, 10), st.booleans()),
    st.tuples(st.just("label"), st.integers(0, 10), st.text(max_size=8)),
    st.tuples(st.just("paste"), st.integers(0, 10)),
    st.tuples(st.just("frame"), st.integers(0, 10)),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(edit, max_size=25))
def test_undoing_random_edits_restores_the_document(qapp, edits):
    g = make_base()
    stack = QUndoStack()
    before = snapshot(g)

    def pick(i):
        ids = list(g.nodes)
        return ids[i % len(ids)] if ids else None

    for e in edits:
        kind = e[0]
        if kind == "add":
            stack.push(C.AddNode(g, e[1], pos=(e[2], e[3])))
            continue
        nid = pick(e[1])
        if nid is None:
            continue
        if kind == "move":
            stack.push(C.MoveNodes(g, {nid: (g.nodes[nid].pos, (e[2], e[3]))}))
        elif kind == "delete":
            stack.push(C.RemoveItems(g, [nid]))
        elif kind == "connect":
            dst = pick(e[2])
            if g.can_connect(nid, "out", dst, "other") is None:
                stack.push(C.Connect(g, nid, "out", dst, "other"))
        elif kind == "attr" and "alpha" in g.nodes[nid].attrs:
            stack.push(C.SetAttr(g, nid, "alpha", e[2]))
        elif kind == "flag":
            stack.push(C.SetFlag(g, nid, "retain_grad", e[2]))
        elif kind == "label":
            stack.push(C.SetLabel(g, nid, e[2]))
        elif kind == "paste":
            stack.push(C.PasteNodes(g, C.copy_selection(g, [nid])))
        elif kind == "frame":
            stack.push(C.AddFrame(g, "no_grad", (0, 0, 100, 100), [nid]))
    while stack.canUndo():
        stack.undo()
    assert snapshot(g) == before
