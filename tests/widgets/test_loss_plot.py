"""The training curve: points accumulate across runs, redraws are coalesced, clear resets."""
import math

from widgets.loss_plot import LossPlot


def test_points_accumulate_and_draw(qtbot):
    p = LossPlot()
    qtbot.addWidget(p)
    p.add([(1, 2.0), (2, 1.5)])
    p.add([(3, 1.0)])
    p.add([(1, 0.5)])  # a second training run continues the step count
    assert p.steps == [1, 2, 3, 4] and p.losses == [2.0, 1.5, 1.0, 0.5]
    p.redraw()
    x, y = p.curve.getData()
    assert list(x) == [1, 2, 3, 4] and list(y) == [2.0, 1.5, 1.0, 0.5]
    assert "step <b>4</b>" in p.caption.text() and "0.5" in p.caption.text()


def test_redraw_is_coalesced_and_nan_is_shown_as_a_gap(qtbot):
    p = LossPlot()
    qtbot.addWidget(p)
    for i in range(1, 50):
        p.add([(i, 1.0 / i)])
    x, _ = p.curve.getData()
    assert x is None or len(x) == 0  # nothing drawn yet: one redraw comes later
    qtbot.waitUntil(lambda: p.curve.getData()[0] is not None and len(p.curve.getData()[0]) == 49)
    p.add([(50, math.nan)])
    p.redraw()
    assert "nan" in p.caption.text()
    p.clear()
    assert p.losses == [] and "Train" in p.caption.text()
