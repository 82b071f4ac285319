"""The tensor viewer on results of the real executor: values and gradients as PyTorch shows
them, slicing above 2-D with real key events, the lazy table model (qtmodeltester, 10^7
elements), heatmap and histogram tabs."""
from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

import engine
from engine.graph.execute import Executor
from engine.graph.model import Graph
from tests.widgets.conftest import mul_sum_graph
from widgets.tensor_model import VALUE_ROLE, ArrayTableModel, NumberFormat
from widgets.tensor_viewer import TensorViewer

DISPLAY = Qt.ItemDataRole.DisplayRole


@pytest.fixture
def run():
    g, x, m, s = mul_sum_graph()
    res = Executor(g).run(backward=True)
    return res, x.id, m.id, s.id


@pytest.fixture
def viewer(qtbot):
    v = TensorViewer()
    qtbot.addWidget(v)
    v.resize(900, 420)
    v.show()
    qtbot.waitExposed(v)
    return v


def cells(model) -> list[list[str]]:
    return [[model.data(model.index(r, c), DISPLAY) for c in range(model.columnCount())]
            for r in range(model.rowCount())]


def test_value_and_grad_of_a_leaf(viewer, run):
    res, x, m, s = run
    viewer.show_result(res.nodes[x], "x")
    assert cells(viewer.value_pane.model) == [["1.", "2."], ["3.", "4."]]
    assert viewer.grad_source.currentData() == ".grad"
    assert cells(viewer.grad_pane.model) == [["3.", "3."], ["3.", "3."]]  # d(sum(3x))/dx
    head = viewer.header.text()
    for fact in ("(2, 2)", "float32", "cpu", "is_leaf&nbsp;<b>True", "requires_grad&nbsp;<b>True",
                 "_version&nbsp;<b>0"):
        assert fact in head


def test_non_leaf_grad_is_none_with_reason_next_to_the_flow(viewer, run):
    res, x, m, s = run
    viewer.show_result(res.nodes[m], "m")
    assert cells(viewer.value_pane.model) == [["3.", "6."], ["9.", "12."]]
    assert "&lt;MulBackward0&gt;" in viewer.header.text()
    # .grad is None on a non-leaf: the pane shows the gradient that flowed in, and says so
    assert viewer.grad_source.currentData() == "flow"
    assert cells(viewer.grad_pane.model) == [["1.", "1."], ["1.", "1."]]
    assert "is None" in viewer.grad_pane.note.text()
    assert "leaf" in viewer.grad_pane.note.text()
    viewer.set_grad_source(".grad")
    assert viewer.grad_pane.stack.currentIndex() == 1
    assert "None" in viewer.grad_pane.message.text()
    assert res.nodes[m].grad_note.split(":")[0] in viewer.grad_pane.message.text()
    viewer.show_result(res.nodes[s], "s")  # 0-d: one cell
    assert cells(viewer.value_pane.model) == [["30."]]


def test_slicing_a_3d_tensor_with_the_spin_boxes(qtbot, viewer):
    t = engine.arange(24, dtype=engine.float32).reshape(2, 3, 4)
    viewer.show_array(t.numpy(), "t")
    pane = viewer.value_pane
    assert pane.slicer.isVisible() and len(pane.slicer.spins) == 1
    assert cells(pane.model)[0] == ["0.", "1.", "2.", "3."]
    spin = pane.slicer.spins[0]
    spin.setFocus()
    QTest.keyClick(spin, Qt.Key.Key_Up)
    assert pane.model.slice_index == (1,)
    assert cells(pane.model)[2] == ["20.", "21.", "22.", "23."]
    assert pane.model.data(pane.model.index(2, 3), Qt.ItemDataRole.ToolTipRole) == "[1, 2, 3] = 23.0"
    with pytest.raises(IndexError):
        pane.model.set_slice((2,))


def test_slices_of_value_and_gradient_move_together(qtbot, viewer):
    g = Graph()
    p = g.add_node("special:parameter", {"shape": (3, 2, 2)}, label="w")
    sq = g.add_node("op:mul", {"other": 2.0}, label="2w")
    s = g.add_node("op:sum", label="s")
    g.connect(p.id, "out", sq.id, "input")
    g.connect(sq.id, "out", s.id, "input")
    res = Executor(g).run(backward=True)
    viewer.show_result(res.nodes[p.id], "w")
    spin = viewer.value_pane.slicer.spins[0]
    spin.setFocus()
    QTest.keyClick(spin, Qt.Key.Key_Up)
    QTest.keyClick(spin, Qt.Key.Key_Up)
    assert viewer.grad_pane.model.slice_index == (2,)
    w = res.nodes[p.id].tensor.detach().numpy()
    assert viewer.value_pane.model.data(viewer.value_pane.model.index(1, 1), VALUE_ROLE) == \
        pytest.approx(float(w[2, 1, 1]))
    assert cells(viewer.grad_pane.model) == [["2.", "2."], ["2.", "2."]]


def test_number_format_follows_pytorch():
    assert NumberFormat.for_array(np.array([1.5, 2.25])).format(1.5) == "1.5000"
    assert NumberFormat.for_array(np.array([1.0, 2.0])).format(2.0) == "2."
    sci = NumberFormat.for_array(np.array([1e-5, 1.0]))
    assert sci.format(1.0) == "1.0000e+00"
    assert NumberFormat.for_array(np.array([3, -12])).format(-12) == "-12"
    assert NumberFormat.for_array(np.array([True])).format(True) == "True"
    # a tiny value the sample missed still shows, not as 0.0000
    assert NumberFormat("f").format(1e-9) == "1.0000e-09"


def test_nan_and_inf_are_highlighted(viewer):
    viewer.show_array(np.array([1.0, np.nan, np.inf], dtype=np.float32))
    model = viewer.value_pane.model
    bg = Qt.ItemDataRole.BackgroundRole
    assert model.data(model.index(0, 0), bg) is None
    assert model.data(model.index(1, 0), bg) is not None
    assert model.data(model.index(2, 0), bg) is not None
    assert model.data(model.index(1, 0), DISPLAY) == "nan"
    assert model.data(model.index(2, 0), DISPLAY) == "inf"


@pytest.mark.parametrize("arr", [np.arange(12.0).reshape(3, 4), np.array([1.0, np.nan]),
                                 np.array(5), np.ones((2, 3, 4), dtype=np.int64),
                                 np.array([[True, False]]), np.zeros((0, 3))])
def test_table_model_passes_qtmodeltester(qtmodeltester, arr):
    model = ArrayTableModel()
    model.set_array(arr)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount(model.index(0, 0)) == 0  # a table: no children


def test_ten_million_elements_open(qtbot, viewer):
    a = np.random.default_rng(0).standard_normal(10_000_000).astype(np.float32)
    viewer.show_array(a, "big")
    model = viewer.value_pane.model
    assert model.rowCount() == 10_000_000 and model.columnCount() == 1
    assert model.data(model.index(9_999_999, 0), VALUE_ROLE) == pytest.approx(float(a[-1]))
    viewer.value_pane.table.scrollToBottom()
    assert not viewer.grab().isNull()  # paints only the visible rows
    b = a.reshape(10, 1000, 1000)
    viewer.show_array(b)
    assert viewer.value_pane.model.rowCount() == 1000
    viewer.value_pane.tabs.setCurrentIndex(1)  # heatmap of the visible slice
    assert viewer.value_pane.image.image.shape == (1000, 1000)


def test_heatmap_and_histogram_tabs(qtbot, viewer, run):
    res, x, m, s = run
    viewer.show_result(res.nodes[m], "m")
    pane = viewer.value_pane
    pane.tabs.setCurrentIndex(1)
    assert pane.image.image.shape == (2, 2)
    assert tuple(pane.colorbar.levels()) == (3.0, 12.0)
    pane.tabs.setCurrentIndex(2)
    heights = pane.bars.opts["height"]
    assert sum(heights) == 4
    assert "min 3" in pane.stats.text() and "max 12" in pane.stats.text()
    viewer.show_array(np.array([1.0, -3.0, np.nan]))
    viewer.value_pane.tabs.setCurrentIndex(1)
    assert tuple(viewer.value_pane.colorbar.levels()) == (-3.0, 3.0)  # signed: centred on 0
    viewer.value_pane.tabs.setCurrentIndex(2)
    assert "NaN 1" in viewer.value_pane.stats.text()


def test_empty_arrays(viewer):
    for shape in [(0,), (0, 3), (2, 0, 4), (0, 2, 3)]:
        viewer.show_array(np.zeros(shape, dtype=np.float32))
        pane = viewer.value_pane
        for i in (1, 2, 0):
            pane.tabs.setCurrentIndex(i)
        assert pane.model.rowCount() * pane.model.columnCount() == 0


def test_failed_node_shows_its_error(viewer):
    g = Graph()
    a = g.add_node("source:ones", {"size": (2, 3)}, label="a")
    mm = g.add_node("op:matmul", label="bad")
    g.connect(a.id, "out", mm.id, "input")
    g.connect(a.id, "out", mm.id, "other")
    res = Executor(g).run()
    viewer.show_result(res.nodes[mm.id], "bad")
    assert viewer.value_pane.stack.currentIndex() == 1
    assert "cannot be multiplied" in viewer.value_pane.message.text()
    assert "cannot be multiplied" in viewer.header.text()
    viewer.show_result(None)
    assert "Select a node" in viewer.header.text()


def test_tiled_reads_as_for_a_gpu_array():
    """The path a GPU array takes (copy one tile at a time), driven with a host array."""
    a = np.arange(1000 * 300, dtype=np.float64).reshape(1000, 300)
    model = ArrayTableModel()
    model.set_array(a)
    model._host = False
    assert model.data(model.index(999, 299), VALUE_ROLE) == a[999, 299]
    assert model.data(model.index(0, 0), VALUE_ROLE) == 0.0
    assert len(model._tiles) == 2
    for r in range(0, 1000, 7):
        assert model.data(model.index(r, 5), VALUE_ROLE) == a[r, 5]
    assert len(model._tiles) <= 64


@pytest.mark.gpu
@pytest.mark.skipif(not engine.cuda.is_available(), reason="needs a CUDA GPU with cupy")
def test_gpu_tensor_copies_only_visible_tiles(viewer):
    t = engine.randn(3000, 500, device="cuda")
    viewer.show_array(t._data, "gpu")
    model = viewer.value_pane.model
    host = t.cpu().numpy()
    assert model.data(model.index(2999, 499), VALUE_ROLE) == pytest.approx(float(host[-1, -1]))
    assert len(model._tiles) == 1
    assert model.number_format.kind == "f"
    viewer.value_pane.tabs.setCurrentIndex(1)
    assert viewer.value_pane.image.image.shape == (1000, 500)  # every 3rd row of the slice
    viewer.value_pane.tabs.setCurrentIndex(2)
    assert int(sum(viewer.value_pane.bars.opts["height"])) == 1_500_000
