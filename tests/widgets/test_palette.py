"""The palette and the quick-add popup: every kind listed under its family heading, search,
activation by double-click and Enter, and the drag payload the canvas accepts."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from engine.graph.kinds import all_kinds
from widgets.canvas.style import HEADINGS, MIME_KIND, heading_of
from widgets.palette import NodePalette, grouped_kinds, match_score, search_kinds
from widgets.quick_add import QuickAdd


@pytest.fixture
def palette(qtbot):
    p = NodePalette()
    qtbot.addWidget(p)
    p.resize(280, 600)
    p.show()
    qtbot.waitExposed(p)
    return p


@pytest.mark.parametrize("family, heading", [
    ("creation", "Creation"), ("arithmetic", "Arithmetic"), ("math", "Arithmetic"),
    ("comparison", "Arithmetic"), ("logical", "Arithmetic"), ("reduction", "Reductions"),
    ("linalg", "Linear algebra"), ("shape", "Shape"), ("indexing", "Indexing"),
    ("nn", "NN layers"), ("activation", "NN layers"), ("loss", "Losses"),
    ("optim", "Optimizers"), ("autograd", "Autograd"), ("weird_new", "Weird new"),
])
def test_families_map_to_headings(family, heading):
    assert heading_of(family) == heading


def test_every_kind_is_listed_once_under_its_heading(palette):
    kinds = all_kinds()
    assert sorted(palette.visible_kinds()) == sorted(kinds)
    groups = grouped_kinds()
    known = [h for h in groups if h in HEADINGS]
    assert known == [h for h in HEADINGS if h in groups]  # the documented order
    for heading, members in groups.items():
        top = palette._headings[heading]
        assert top.text(0).startswith(heading)
        assert top.childCount() == len(members)
    key = next(iter(kinds))
    item = palette.item_for(key)
    assert kinds[key].title in item.text(0)
    assert kinds[key].doc.split(".")[0][:20].replace("<", "&lt;") in item.toolTip(0) or \
        not kinds[key].doc


def test_search_filters_as_you_type_and_enter_activates(qtbot, palette):
    QTest.keyClicks(palette.search, "mul")
    shown = palette.visible_kinds()
    assert "op:mul" in shown and "op:add" not in shown
    assert palette.tree.currentItem().data(0, Qt.UserRole) == "op:mul"
    with qtbot.waitSignal(palette.kindActivated) as sig:
        QTest.keyClick(palette.search, Qt.Key_Return)
    assert sig.args == ["op:mul"]
    palette.search.clear()
    assert len(palette.visible_kinds()) == len(all_kinds())
    QTest.keyClicks(palette.search, "zzzz_nothing")
    assert palette.visible_kinds() == []
    assert all(top.isHidden() for top in palette._headings.values())


def test_double_click_activates(qtbot, palette):
    item = palette.item_for("op:add")
    palette.tree.scrollToItem(item)
    rect = palette.tree.visualItemRect(item)
    vp = palette.tree.viewport()
    with qtbot.waitSignal(palette.kindActivated) as sig:  # a real double-click: click, dclick
        QTest.mouseClick(vp, Qt.LeftButton, Qt.NoModifier, rect.center())
        QTest.mouseDClick(vp, Qt.LeftButton, Qt.NoModifier, rect.center())
    assert sig.args == ["op:add"]


def test_headings_are_not_activated_or_dragged(qtbot, palette):
    top = next(iter(palette._headings.values()))
    assert not top.flags() & Qt.ItemIsDragEnabled
    with qtbot.assertNotEmitted(palette.kindActivated):
        palette.tree.itemActivated.emit(top, 0)


def test_drag_payload_carries_the_kind_key(palette):
    md = palette.mime_data_for("op:add")
    assert md.hasFormat(MIME_KIND)
    assert bytes(md.data(MIME_KIND)) == b"op:add"
    assert MIME_KIND in palette.tree.mimeTypes()
    with pytest.raises(KeyError):
        palette.mime_data_for("op:nope")


def test_ranking_prefers_title_matches():
    kinds = all_kinds()
    assert match_score(kinds["op:add"], "add") < match_score(kinds["op:add_"], "add")
    assert match_score(kinds["op:add"], "") == 0
    assert match_score(kinds["op:add"], "definitely_not") is None
    assert search_kinds("add")[0].key == "op:add"


def test_quick_add_filters_and_emits_on_enter(qtbot):
    q = QuickAdd()
    qtbot.addWidget(q)
    q.popup_at(q.pos())
    qtbot.waitExposed(q)
    QTest.keyClicks(q.search, "mul")
    assert q.current_kind() == "op:mul"
    assert "op:add" not in q.shown_kinds()
    QTest.keyClick(q.search, Qt.Key_Down)
    second = q.current_kind()
    QTest.keyClick(q.search, Qt.Key_Up)
    assert q.current_kind() == "op:mul"
    QTest.keyClick(q.search, Qt.Key_Down)
    with qtbot.waitSignal(q.kindChosen) as sig:
        QTest.keyClick(q.search, Qt.Key_Return)
    assert sig.args == [second]
    assert not q.isVisible()


def test_quick_add_escape_closes_without_choosing(qtbot):
    q = QuickAdd()
    qtbot.addWidget(q)
    q.popup_at(q.pos())
    with qtbot.assertNotEmitted(q.kindChosen):
        QTest.keyClick(q.search, Qt.Key_Escape)
    assert not q.isVisible()
