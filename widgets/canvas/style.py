"""Colours, fonts and pens of the canvas, made once and shared by every item (no per-paint
allocation), plus the palette headings node kinds are grouped under and the gradient colormap."""
from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPen

#: The MIME type the palette puts on a drag; its payload is a node kind key (utf-8).
MIME_KIND = "application/x-gradlab-kind"

#: Palette and header groups, in the order they are shown.
HEADINGS = ("Creation", "Arithmetic", "Reductions", "Linear algebra", "Shape", "Indexing",
            "NN layers", "Losses", "Optimizers", "Autograd")

# registry family (or its prefix) -> heading; families not listed get their own heading
_FAMILY_HEADING = {
    "creation": "Creation", "source": "Creation", "random": "Creation", "tensor": "Creation",
    "arithmetic": "Arithmetic", "elementwise": "Arithmetic", "unary": "Arithmetic",
    "binary": "Arithmetic", "math": "Arithmetic", "comparison": "Arithmetic",
    "pointwise": "Arithmetic", "logic": "Arithmetic",
    "reduction": "Reductions", "reduce": "Reductions",
    "linalg": "Linear algebra", "linear algebra": "Linear algebra", "matmul": "Linear algebra",
    "blas": "Linear algebra",
    "shape": "Shape", "view": "Shape", "layout": "Shape", "join": "Shape",
    "index": "Indexing", "gather": "Indexing", "scatter": "Indexing", "select": "Indexing",
    "nn": "NN layers", "layer": "NN layers", "module": "NN layers", "activation": "NN layers",
    "conv": "NN layers", "pool": "NN layers", "norm": "NN layers", "dropout": "NN layers",
    "param": "NN layers", "embedding": "NN layers",
    "loss": "Losses",
    "optim": "Optimizers", "optimizer": "Optimizers", "training": "Optimizers",
    "autograd": "Autograd", "grad": "Autograd", "backward": "Autograd",
}


def heading_of(family: str) -> str:
    """The palette heading a registry family belongs under ('reduction' -> 'Reductions')."""
    f = (family or "").strip().lower()
    if f in _FAMILY_HEADING:
        return _FAMILY_HEADING[f]
    for prefix, heading in _FAMILY_HEADING.items():
        if f.startswith(prefix):
            return heading
    return f.replace("_", " ").capitalize() or "Other"


@dataclass
class Theme:
    """One consistent look: every colour the canvas paints with."""

    name: str
    background: str
    grid_minor: str
    grid_major: str
    node_body: str
    node_border: str
    selected: str
    text: str
    text_dim: str
    edge: str
    edge_label_bg: str
    port_input: str
    port_scalar: str
    port_variadic: str
    port_output: str
    ok: str
    bad: str
    error: str
    nan: str
    warn: str
    frame_fill: str
    frame_border: str
    headers: dict


DARK = Theme(
    "dark", background="#1b1d22", grid_minor="#23262c", grid_major="#2c3038",
    node_body="#2a2d35", node_border="#3c404b", selected="#4da3ff",
    text="#e8eaed", text_dim="#9aa0a8", edge="#7d8592", edge_label_bg="#e61b1d22",
    port_input="#5fa8ff", port_scalar="#6fd3b8", port_variadic="#c38dff",
    port_output="#ffb454", ok="#3ecf6e", bad="#ff5d5d", error="#e5484d", nan="#ff8c1a",
    warn="#f5a524", frame_fill="#223a7bd6", frame_border="#5a7bd6",
    headers={"Creation": "#2f7a55", "Arithmetic": "#345f93", "Reductions": "#6b4f96",
             "Linear algebra": "#956233", "Shape": "#2f7f85", "Indexing": "#7f7230",
             "NN layers": "#8f3b66", "Losses": "#9a4040", "Optimizers": "#4f5f73",
             "Autograd": "#a07a1f"},
)

LIGHT = Theme(
    "light", background="#f4f5f7", grid_minor="#e9ebef", grid_major="#dcdfe5",
    node_body="#ffffff", node_border="#c9ced6", selected="#1a73e8",
    text="#1f2328", text_dim="#5f6670", edge="#7b8390", edge_label_bg="#e6f4f5f7",
    port_input="#2f7de1", port_scalar="#1a9e7a", port_variadic="#8a4fd6",
    port_output="#e08a00", ok="#1f9d4c", bad="#d93025", error="#d93025", nan="#e8710a",
    warn="#c98400", frame_fill="#1f3d6fd6", frame_border="#3d6fd6",
    headers={"Creation": "#3f9a6c", "Arithmetic": "#4a7fc1", "Reductions": "#8a6cc1",
             "Linear algebra": "#c1823f", "Shape": "#3f9ea3", "Indexing": "#a39540",
             "NN layers": "#b8508a", "Losses": "#c05454", "Optimizers": "#6a7d94",
             "Autograd": "#c89a2a"},
)

THEMES = {"dark": DARK, "light": LIGHT}


class Paints:
    """QColor/QPen/QBrush/QFont objects of the current theme, built once (after QApplication)."""

    def __init__(self, theme: Theme) -> None:
        c = QColor
        self.theme = theme
        self.background = c(theme.background)
        self.grid_minor_pen = QPen(c(theme.grid_minor), 0)
        self.grid_major_pen = QPen(c(theme.grid_major), 0)
        self.body_brush = QBrush(c(theme.node_body))
        self.border_pen = QPen(c(theme.node_border), 1.0)
        self.selected_pen = QPen(c(theme.selected), 2.0)
        self.text = c(theme.text)
        self.text_pen = QPen(self.text)
        self.dim_pen = QPen(c(theme.text_dim))
        self.header_text_pen = QPen(QColor("#ffffff"))
        self.header_dim_pen = QPen(QColor(255, 255, 255, 170))
        self.headers = {k: QBrush(c(v)) for k, v in theme.headers.items()}
        self.header_other = QBrush(c("#55606e"))
        self.edge_color = c(theme.edge)
        self.edge_pen = QPen(self.edge_color, 2.0, Qt.SolidLine, Qt.RoundCap)
        self.edge_selected_pen = QPen(c(theme.selected), 3.0, Qt.SolidLine, Qt.RoundCap)
        self.edge_warn_pen = QPen(c(theme.warn), 2.2, Qt.DashLine, Qt.RoundCap)
        self.edge_label_brush = QBrush(c(theme.edge_label_bg))
        self.edge_tip_brush = QBrush(c(theme.node_body))  # a hovered edge's full label
        self.edge_tip_pen = QPen(c(theme.selected), 1.0)
        self.rubber_pen = QPen(c(theme.selected), 2.0, Qt.DashLine, Qt.RoundCap)
        self.rubber_ok_pen = QPen(c(theme.ok), 2.5, Qt.SolidLine, Qt.RoundCap)
        self.rubber_bad_pen = QPen(c(theme.bad), 2.0, Qt.DashLine, Qt.RoundCap)
        self.port_brushes = {"input": QBrush(c(theme.port_input)),
                             "scalar": QBrush(c(theme.port_scalar)),
                             "variadic": QBrush(c(theme.port_variadic)),
                             "output": QBrush(c(theme.port_output))}
        self.port_pens = {k: QPen(b.color().darker(150), 1.2) for k, b in self.port_brushes.items()}
        self.port_hollow_brush = QBrush(c(theme.node_body))
        self.ok_brush, self.bad_brush = QBrush(c(theme.ok)), QBrush(c(theme.bad))
        self.hover_ok_pen, self.hover_bad_pen = QPen(c(theme.ok), 2.5), QPen(c(theme.bad), 2.5)
        self.error_brush = QBrush(c(theme.error))
        self.nan_brush = QBrush(c(theme.nan))
        self.warn_brush = QBrush(c(theme.warn))
        self.error_pen = QPen(c(theme.error), 2.0)
        self.warn_pen = QPen(c(theme.warn), 2.0)
        self.frame_brush = QBrush(c(theme.frame_fill))
        self.frame_pen = QPen(c(theme.frame_border), 1.5, Qt.DashLine)
        self.frame_title_brush = QBrush(c(theme.frame_border))
        self.white_pen = QPen(QColor("#ffffff"))
        self.no_pen = QPen(Qt.NoPen)

        base = "DejaVu Sans"
        self.title_font = QFont(base, 9)
        self.title_font.setBold(True)
        self.kind_font = QFont(base, 7)
        self.port_font = QFont(base, 8)
        self.info_font = QFont("DejaVu Sans Mono", 7)
        self.edge_font = QFont("DejaVu Sans Mono", 7)
        self.badge_font = QFont(base, 7)
        self.badge_font.setBold(True)
        self.frame_font = QFont(base, 10)
        self.frame_font.setBold(True)
        self.title_fm = QFontMetricsF(self.title_font)
        self.kind_fm = QFontMetricsF(self.kind_font)
        self.port_fm = QFontMetricsF(self.port_font)
        self.info_fm = QFontMetricsF(self.info_font)
        self.edge_fm = QFontMetricsF(self.edge_font)
        self.badge_fm = QFontMetricsF(self.badge_font)

    def header_brush(self, heading: str) -> QBrush:
        return self.headers.get(heading, self.header_other)


_current: Paints | None = None
_theme: Theme = DARK


def paints() -> Paints:
    """The shared paints of the current theme (built on first use)."""
    global _current
    if _current is None:
        _current = Paints(_theme)
    return _current


def set_theme(name: str) -> None:
    """Switch the theme ('dark' or 'light'); scenes must repaint afterwards."""
    global _theme, _current
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; choose one of {', '.join(THEMES)}")
    _theme, _current = THEMES[name], None


# ---- text helpers -------------------------------------------------------------------------

def format_shape(shape) -> str:
    """(3, 4) -> '[3, 4]'; () -> '[]' (as torch.Size prints them, without the name)."""
    if shape is None:
        return ""
    return "[" + ", ".join(str(int(s)) for s in tuple(shape)) + "]"


def format_spec(shape, dtype) -> str:
    """'[3, 4] float32' from a shape and a dtype name (either may be missing)."""
    parts = [format_shape(shape) if shape is not None else "", (dtype or "").replace("torch.", "")]
    return " ".join(p for p in parts if p)


# ---- gradient colormap (log scale) --------------------------------------------------------

# a perceptual ramp: deep blue (small) -> teal -> yellow -> red (large)
RAMP = ((0.0, (59, 76, 192)), (0.35, (64, 176, 166)), (0.65, (240, 210, 70)),
         (1.0, (230, 60, 50)))


def ramp_color(t: float) -> QColor:
    """The colormap at ``t`` in [0, 1]."""
    t = min(1.0, max(0.0, t))
    for (t0, c0), (t1, c1) in zip(RAMP, RAMP[1:]):
        if t <= t1:
            u = (t - t0) / (t1 - t0) if t1 > t0 else 0.0
            return QColor(*(int(round(a + (b - a) * u)) for a, b in zip(c0, c1)))
    return QColor(*RAMP[-1][1])


def log_position(value: float, lo: float, hi: float) -> float:
    """Where ``value`` sits between ``lo`` and ``hi`` on a log10 scale, in [0, 1]."""
    if value <= 0 or lo <= 0 or hi <= lo:
        return 0.0 if value <= lo else 1.0
    return (math.log10(value) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))
