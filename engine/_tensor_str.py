"""``repr`` of a tensor, character for character as PyTorch prints it.

A port of ``torch/_tensor_str.py`` (strided, real dtypes) to host numpy arrays: the same
formatter (integer mode, scientific mode, common width), line wrapping at ``linewidth``,
summarisation with ``...`` past ``threshold`` elements, and the suffixes (``device=``,
``dtype=``, ``grad_fn=``, ``requires_grad=True``).
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
from typing import Any

import numpy as np

from . import _dtype as D
from . import backend

__all__ = ["set_printoptions", "get_printoptions", "printoptions", "tensor_repr"]


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None) -> None:
    """Set options for printing tensors, as ``torch.set_printoptions``."""
    if profile is not None:
        if profile == "default":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
        elif profile == "short":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 2, 1000
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 2, 80
        elif profile == "full":
            PRINT_OPTS.precision, PRINT_OPTS.threshold = 4, math.inf
            PRINT_OPTS.edgeitems, PRINT_OPTS.linewidth = 3, 80
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """The current print options, as keyword arguments for :func:`set_printoptions`."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Change the print options inside a ``with`` block."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses integer/fixed/scientific mode and the common width from the values shown."""

    def __init__(self, a: np.ndarray):
        self.floating_dtype = a.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        p = PRINT_OPTS.precision
        flat = a.reshape(-1)
        if not self.floating_dtype:
            if flat.size:
                if a.dtype.kind == "b":
                    self.max_width = 5 if not flat.all() else 4
                else:
                    self.max_width = max(1, len(str(flat.max().item())),
                                         len(str(flat.min().item())))
            return
        with np.errstate(invalid="ignore"):
            vals = flat[np.isfinite(flat) & (flat != 0)]
        if vals.size == 0:
            return
        vals = vals.astype(np.float64)
        absv = np.abs(vals)
        amin, amax = float(absv.min()), float(absv.max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = amax / amin > 1000.0 or amax > 1.0e8 or amin < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        # the longest string comes from an extreme of each sign: these few decide the width
        pos, neg = vals[vals > 0], vals[vals < 0]
        cands = []
        for part in (pos, neg):
            if part.size:
                cands += [float(part.min()), float(part.max())]
        if self.sci_mode:
            w = max(len(f"{v:.{p}e}") for v in cands)
        elif self.int_mode:
            w = max(len(f"{v:.0f}") for v in cands) + 1
        else:
            w = max(len(f"{v:.{p}f}") for v in cands)
        self.max_width = max(self.max_width, w)

    def width(self) -> int:
        return self.max_width

    def format(self, value) -> str:
        if self.floating_dtype:
            if self.sci_mode:
                ret = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
            elif self.int_mode:
                ret = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    ret += "."
            else:
                ret = f"{value:.{PRINT_OPTS.precision}f}"
        else:
            ret = f"{value}"
        return (self.max_width - len(ret)) * " " + ret


def _vector_str(a: np.ndarray, indent: int, summarize: bool, fmt: _Formatter) -> str:
    element_length = fmt.width() + 2
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    e = PRINT_OPTS.edgeitems
    if summarize and not e:
        data = ["..."]
    elif summarize and a.shape[0] > 2 * e:
        data = ([fmt.format(v) for v in a[:e].tolist()] + [" ..."]
                + [fmt.format(v) for v in a[-e:].tolist()])
    else:
        data = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _tensor_str_with_formatter(a: np.ndarray, indent: int, summarize: bool,
                               fmt: _Formatter) -> str:
    dim = a.ndim
    if dim == 0:
        return fmt.format(a.item())
    if dim == 1:
        return _vector_str(a, indent, summarize, fmt)
    e = PRINT_OPTS.edgeitems
    n = a.shape[0]
    if summarize and n > 2 * e:
        slices = ([_tensor_str_with_formatter(a[i], indent + 1, summarize, fmt)
                   for i in range(e)] + ["..."]
                  + [_tensor_str_with_formatter(a[i], indent + 1, summarize, fmt)
                     for i in range(n - e, n)])
    else:
        slices = [_tensor_str_with_formatter(a[i], indent + 1, summarize, fmt)
                  for i in range(n)]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(slices) + "]"


def _summarized_data(a: np.ndarray) -> np.ndarray:
    """The edge items of every dimension: the values a summarised print shows."""
    e = PRINT_OPTS.edgeitems
    if a.ndim == 0:
        return a
    if not e:
        return a[(slice(0, 0),) * a.ndim] if a.ndim > 1 else a
    for ax, n in enumerate(a.shape):
        if n > 2 * e:
            idx = np.r_[0:e, n - e:n]
            a = np.take(a, idx, axis=ax)
    return a


def _tensor_str(a: np.ndarray, indent: int, summarize: bool) -> str:
    if a.size == 0:
        return "[]"
    fmt = _Formatter(_summarized_data(a) if summarize else a)
    return _tensor_str_with_formatter(a, indent, summarize, fmt)


def _add_suffixes(tensor_str: str, suffixes: list[str], indent: int) -> str:
    parts = [tensor_str]
    last_line_len = len(tensor_str) - tensor_str.rfind("\n") + 1
    for suffix in suffixes:
        n = len(suffix)
        if last_line_len + n + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + n
        else:
            parts.append(", " + suffix)
            last_line_len += n + 2
    parts.append(")")
    return "".join(parts)


def _host_view(t, summarize: bool) -> np.ndarray:
    """The values to print, on the host. Off a GPU only what is shown is copied: each long
    dimension keeps its edge items and one middle item, so it still reads as long."""
    a = t._data
    if not backend.is_gpu_array(a):
        return a
    e = PRINT_OPTS.edgeitems
    if summarize and e:
        for ax, n in enumerate(a.shape):
            if n > 2 * e + 1:
                idx = np.r_[0:e + 1, n - e:n]
                a = a.take(backend.to_device(idx, "cuda", t._device.index), axis=ax)
    return backend.to_host(a)


def tensor_repr(t) -> str:
    """``repr(t)`` as PyTorch writes it."""
    from .tensor import Tensor

    cls = type(t)
    prefix = "tensor(" if cls is Tensor or cls.__name__ == "Parameter" else f"{cls.__name__}("
    indent = len(prefix)
    suffixes = []
    if t._device.type != "cpu":
        suffixes.append(f"device='{t._device}'")
    dt = t._dtype
    default = D.get_default_dtype()
    summarize = t._data.size > PRINT_OPTS.threshold
    a = _host_view(t, summarize)
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append("size=" + str(tuple(a.shape)))
        if dt is not default:
            suffixes.append(f"dtype={dt}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append("size=" + str(tuple(a.shape)))
        if dt not in (default, D.int64, D.bool_):
            suffixes.append(f"dtype={dt}")
        body = _tensor_str(a, indent, summarize)
    gf = t._grad_fn
    if gf is not None:
        suffixes.append(f"grad_fn=<{type(gf).__name__}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
