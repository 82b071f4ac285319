"""A lazy table model over an array of any rank, formatted as PyTorch prints numbers.

``data()`` reads only the cells a view asks for, so a 10^7-element array opens at once; a GPU
array is copied to the host one small tile at a time, only where cells are shown. Arrays above
2-D show one 2-D slice chosen by :meth:`ArrayTableModel.set_slice`; a 1-D array is one column,
a 0-d array one cell. :func:`heatmap_of` and :func:`histogram_of` compute what the other
tabs draw, on the array's own device.
"""
from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from engine import backend

#: Qt.UserRole gives a cell's value as a plain Python number (bool, int or float).
VALUE_ROLE = Qt.ItemDataRole.UserRole
_SAMPLE = 1_000_000  # at most this many elements decide the number format
_TILE = (256, 64)  # rows, columns copied from a GPU at a time
_MAX_TILES = 64
NAN_BG = QColor(229, 72, 77, 110)
INF_BG = QColor(245, 165, 36, 110)


def plane_of(arr: Any, index: tuple[int, ...] = ()) -> Any:
    """The 2-D slice of ``arr`` a table shows: leading dims fixed by ``index``; a 1-D array as
    one column, a 0-d array as one cell. No copy (a view on the array's own device)."""
    if arr.ndim == 0:
        return arr.reshape(1, 1)
    if arr.ndim == 1:
        return arr.reshape(-1, 1)
    if arr.ndim == 2:
        return arr
    if arr.size == 0:  # a zero-size leading dim has no slice to pick
        return arr.reshape(0, arr.shape[-1])
    return arr[tuple(index)]


class NumberFormat:
    """PyTorch's number printing (precision 4): integer mode ``3.``, fixed ``0.1235`` or
    scientific ``1.2346e+05``, chosen from the values of the array as a whole."""

    def __init__(self, kind: str = "f", int_mode: bool = False, sci_mode: bool = False,
                 precision: int = 4, width: int = 6) -> None:
        self.kind, self.int_mode, self.sci_mode = kind, int_mode, sci_mode
        self.precision, self.width = precision, width

    @classmethod
    def for_array(cls, a: Any) -> "NumberFormat":
        """The format for ``a`` (numpy or GPU array); large arrays decide from a sample, read
        on their own device (only a few numbers come back to the host)."""
        kind = a.dtype.kind
        if kind == "b":
            return cls("b", width=5)
        xp = backend.array_module(a)
        if a.ndim == 2 and a.size > _SAMPLE and not a.flags.c_contiguous:
            k = math.ceil(math.sqrt(a.size / _SAMPLE))
            a = a[::k, ::k]  # a strided sample instead of a full copy
        flat = a.reshape(-1)
        if flat.size > _SAMPLE:  # evenly spaced contiguous blocks: a few MB read, not all
            block = _SAMPLE // 256
            starts = np.linspace(0, flat.size - block, 256).astype(np.int64)
            flat = xp.concatenate([flat[int(s):int(s) + block] for s in starts])
        if kind in "iu":
            if flat.size == 0:
                return cls("i", width=1)
            hi, lo = int(flat.max()), int(flat.min())
            return cls("i", width=max(len(str(hi)), len(str(lo))))
        with np.errstate(invalid="ignore"):
            vals = flat[xp.isfinite(flat) & (flat != 0)].astype(np.float64)
        if vals.size == 0:
            return cls("f", int_mode=True, width=4)
        absv = xp.abs(vals)
        amin, amax = float(absv.min()), float(absv.max())
        int_mode = bool(xp.all(vals == xp.ceil(vals)))
        sci = amax / amin > 1000.0 or amax > 1.0e8 or amin < 1.0e-4
        fmt = cls("f", int_mode=int_mode, sci_mode=sci)
        fmt.width = max(len(fmt.format(v)) for v in (float(vals.min()), float(vals.max())))
        return fmt

    def format(self, v: Any) -> str:
        """One number as PyTorch prints it inside a tensor."""
        if self.kind == "b":
            return "True" if v else "False"
        if self.kind != "f":
            return str(int(v))
        v = float(v)
        if math.isnan(v) or math.isinf(v):
            return str(v)
        p = self.precision
        a = abs(v)
        if self.sci_mode or (a != 0 and (a >= 1e8 or a < 10 ** -p)):
            return f"{v:.{p}e}"
        if self.int_mode and v == math.ceil(v):
            return f"{v:.0f}."
        return f"{v:.{p}f}"


class ArrayTableModel(QAbstractTableModel):
    """The cells of one 2-D slice of an array, read lazily (see the module docstring)."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._arr: Any = None
        self._index: tuple[int, ...] = ()
        self._plane: Any = None
        self._host = True
        self._tiles: OrderedDict = OrderedDict()
        self.number_format = NumberFormat()

    # ---- what is shown ---------------------------------------------------------------
    @property
    def array(self) -> Any:
        return self._arr

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self._arr.shape) if self._arr is not None else ()

    @property
    def slice_index(self) -> tuple[int, ...]:
        return self._index

    @property
    def plane(self) -> Any:
        """The 2-D slice shown (on the array's device)."""
        return self._plane

    def set_array(self, arr: Any, index: tuple[int, ...] | None = None) -> None:
        """Show ``arr`` (numpy or GPU array, any rank; None for nothing) at slice ``index``."""
        self.beginResetModel()
        self._arr = arr
        self._host = arr is None or isinstance(arr, np.ndarray)
        lead = arr.ndim - 2 if arr is not None and arr.ndim > 2 else 0
        idx = tuple(index or ())[:lead]
        self._index = idx + (0,) * (lead - len(idx))
        self._update_plane()
        self.endResetModel()

    def set_slice(self, index: tuple[int, ...]) -> None:
        """Choose the 2-D slice of an array above 2-D (one index per leading dimension)."""
        if self._arr is None or self._arr.ndim <= 2:
            return
        index = tuple(int(i) for i in index)
        if len(index) != self._arr.ndim - 2:
            raise ValueError(f"a slice of a {self._arr.ndim}-D array takes "
                             f"{self._arr.ndim - 2} indices, got {len(index)}")
        for i, (v, n) in enumerate(zip(index, self._arr.shape)):
            if not 0 <= v < n:
                raise IndexError(f"index {v} is out of range for dimension {i} of size {n}")
        if index == self._index:
            return
        self.beginResetModel()
        self._index = index
        self._update_plane()
        self.endResetModel()

    def _update_plane(self) -> None:
        self._tiles.clear()
        if self._arr is None:
            self._plane = None
            self.number_format = NumberFormat()
            return
        self._plane = plane_of(self._arr, self._index)
        self.number_format = NumberFormat.for_array(self._plane)

    def value_at(self, row: int, col: int) -> Any:
        """The element at (row, col) of the shown slice as a Python number."""
        if self._host:
            return self._plane[row, col].item()
        tr, tc = row // _TILE[0], col // _TILE[1]
        tile = self._tiles.get((tr, tc))
        if tile is None:
            r0, c0 = tr * _TILE[0], tc * _TILE[1]
            tile = backend.to_host(self._plane[r0:r0 + _TILE[0], c0:c0 + _TILE[1]])
            self._tiles[(tr, tc)] = tile
            if len(self._tiles) > _MAX_TILES:
                self._tiles.popitem(last=False)
        else:
            self._tiles.move_to_end((tr, tc))
        return tile[row % _TILE[0], col % _TILE[1]].item()

    def element_index(self, row: int, col: int) -> tuple[int, ...]:
        """The full index into the array of a cell."""
        nd = self._arr.ndim if self._arr is not None else 0
        if nd == 0:
            return ()
        if nd == 1:
            return (row,)
        return self._index + (row, col)

    # ---- QAbstractTableModel -----------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        if parent.isValid() or self._plane is None:
            return 0
        return int(self._plane.shape[0])

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:
        if parent.isValid() or self._plane is None:
            return 0
        return int(self._plane.shape[1])

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._plane is None:
            return None
        r, c = index.row(), index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.number_format.format(self.value_at(r, c))
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == VALUE_ROLE:
            return self.value_at(r, c)
        if role == Qt.ItemDataRole.BackgroundRole:
            if self.number_format.kind == "f":
                v = self.value_at(r, c)
                if math.isnan(v):
                    return NAN_BG
                if math.isinf(v):
                    return INF_BG
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            idx = ", ".join(map(str, self.element_index(r, c)))
            return f"[{idx}] = {self.value_at(r, c)!r}"
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(Qt.AlignCenter)
        if role != Qt.ItemDataRole.DisplayRole or self._arr is None:
            return None
        nd = self._arr.ndim
        if orientation == Qt.Orientation.Horizontal:
            return "value" if nd < 2 else str(section)
        return "" if nd == 0 else str(section)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def copy_text(self, rows: list[int], cols: list[int], limit: int = 100_000) -> str:
        """Cells of the given rows and columns as tab-separated text (for the clipboard)."""
        rows, cols = sorted(set(rows)), sorted(set(cols))
        if len(rows) * len(cols) > limit:
            raise ValueError(f"too many cells to copy ({len(rows) * len(cols)}; at most {limit})")
        return "\n".join("\t".join(repr(self.value_at(r, c)) for c in cols) for r in rows)


# ---- what the heatmap and histogram tabs draw (computed on the array's own device) ------------

@dataclass
class Heatmap:
    shape: tuple[int, int]  # of the slice
    image: np.ndarray | None  # float32 host image, NaN where blank; None when empty
    levels: tuple[float, float] = (0.0, 1.0)
    cmap: str = "viridis"
    step: tuple[int, int] = (1, 1)  # every k-th row / column when the slice is large
    blank: int = 0  # NaN and Inf pixels


def heatmap_of(plane: Any, max_px: int = 1024) -> Heatmap:
    """A 2-D slice as an image of at most ``max_px`` per side (only that is copied off a GPU);
    signed data gets a diverging map centred on zero."""
    rows, cols = plane.shape
    if plane.size == 0:
        return Heatmap((rows, cols), None)
    kr, kc = max(1, math.ceil(rows / max_px)), max(1, math.ceil(cols / max_px))
    img = backend.to_host(plane[::kr, ::kc]).astype(np.float32)
    ok = np.isfinite(img)
    finite = img[ok]
    img[~ok] = np.nan  # NaN and Inf both blank
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    cmap = "viridis"
    if lo < 0 < hi:  # signed data (gradients)
        m = max(-lo, hi)
        lo, hi, cmap = -m, m, "CET-D1"
    if lo == hi:
        lo, hi = lo - 0.5, hi + 0.5
    return Heatmap((rows, cols), img, (lo, hi), cmap, (kr, kc), int(img.size - finite.size))


@dataclass
class Histogram:
    counts: np.ndarray
    edges: np.ndarray
    summary: str  # element count, min, max, mean, std, NaN/Inf counts


def histogram_of(a: Any) -> Histogram:
    """Histogram and summary of a whole array's finite values (integer bins for a small integer
    range); computed with the array's own module, only counts and numbers come back."""
    xp = backend.array_module(a)
    n = int(a.size)
    if a.dtype.kind == "b":
        t = int(xp.count_nonzero(a))
        return Histogram(np.array([n - t, t]), np.array([-0.5, 0.5, 1.5]),
                         f"{n} elements: {n - t} False, {t} True")
    flat = a.reshape(-1)
    nan = inf = 0
    fin = flat
    if a.dtype.kind == "f":
        ok = xp.isfinite(flat)
        bad = n - int(xp.count_nonzero(ok))
        if bad:
            fin = flat[ok]
            nan = int(xp.count_nonzero(xp.isnan(flat)))
            inf = bad - nan
    if fin.size == 0:
        return Histogram(np.zeros(1), np.array([0.0, 1.0]),
                         f"{n} elements, none finite (NaN {nan}, Inf {inf})")
    lo, hi = float(fin.min()), float(fin.max())
    if a.dtype.kind in "iu" and hi - lo <= 60:
        edges = np.arange(lo - 0.5, hi + 1.5)
    else:
        bins = int(min(60, max(5, math.sqrt(fin.size))))
        edges = np.linspace(lo - 0.5, hi + 0.5, bins + 1) if hi == lo else \
            np.linspace(lo, hi, bins + 1)
    nb = len(edges) - 1
    scale = float(nb / (edges[-1] - edges[0]))
    # one pass and a bincount: np.histogram's general path is several times slower
    idx = ((fin - float(edges[0])) * scale).astype(np.int64)
    xp.clip(idx, 0, nb - 1, out=idx)
    counts = backend.to_host(xp.bincount(idx, minlength=nb))
    summary = (f"{n} elements · min {lo:.6g} · max {hi:.6g} · mean "
               f"{float(fin.mean(dtype=np.float64)):.6g} · std "
               f"{float(fin.std(dtype=np.float64)):.6g}")
    if nan or inf:
        summary += f" · NaN {nan} · Inf {inf}"
    return Histogram(counts, edges, summary)
