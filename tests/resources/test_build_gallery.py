"""The committed gallery files are exactly what resources/build_gallery.py writes, so an edit to
the builder (layout, notes, a node) cannot drift from the files the app opens."""
from __future__ import annotations

from pathlib import Path

import pytest

import resources.build_gallery as bg
from resources import examples_dir


@pytest.mark.parametrize("num", sorted(bg.EXAMPLES))
def test_gallery_file_is_what_the_builder_writes(num, tmp_path, monkeypatch):
    monkeypatch.setattr(bg, "OUT", tmp_path)
    built = bg.EXAMPLES[num]().save(num)
    committed = Path(examples_dir()) / built.name
    assert committed.exists(), f"{built.name} is not in the gallery"
    assert built.read_bytes() == committed.read_bytes(), (
        f"{built.name} differs from what build_gallery writes: run "
        f"`python -m resources.build_gallery {num}`")
