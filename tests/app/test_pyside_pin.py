"""Guards the PySide6 pin: 6.12.0 on CPython 3.11 drops a reference to None on every call of
a method that returns nothing, until the process dies with ``none_dealloc``."""
import sys

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QImage, QPainter


def test_void_methods_keep_none_refcount(qapp):
    if sys.version_info >= (3, 12):
        pytest.skip("None is immortal from Python 3.12; the refcount cannot drop")
    img = QImage(8, 8, QImage.Format.Format_ARGB32)
    painter = QPainter(img)
    brush = QBrush(Qt.GlobalColor.red)
    before = sys.getrefcount(None)
    for _ in range(10_000):
        painter.setBrush(brush)
    after = sys.getrefcount(None)
    painter.end()
    # a broken binding loses about one reference per call; allow small unrelated noise
    assert after - before > -100, (
        f"None lost {before - after} references over 10,000 QPainter.setBrush calls: this "
        "PySide6/Python pair has the none_dealloc bug; keep PySide6 below 6.12 on Python 3.11")


def test_installed_pyside_respects_pin():
    import PySide6
    ver = tuple(int(p) for p in PySide6.__version__.split(".")[:2])
    if sys.version_info < (3, 12):
        assert ver < (6, 12), f"PySide6 {PySide6.__version__} on Python 3.11 is the bad pair"
