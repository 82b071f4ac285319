"""Indexing: ``Tensor.__getitem__`` (``index``), ``__setitem__`` (``index_put_``), select,
gather, index_select and masked_fill.

``t[key]`` is built as PyTorch builds it: ints become ``select`` views, slices ``slice`` views,
``None`` an ``unsqueeze`` view, one node each, in key order; integer and boolean tensors (lists)
then go to one ``index`` node (IndexBackward0) with NumPy's advanced-indexing placement. A key
that changes nothing gives an ``alias`` view. ``t[key] = v`` writes in place: its grad_fn is
CopySlices when a view was taken first, IndexPutBackward0 for advanced indices on the tensor
itself, and FillBackward3 / CopyBackwards when the whole tensor is written.
"""
from __future__ import annotations

import ast
import operator
import warnings

import numpy as np

from .. import _dtype as D
from ..autograd.grad_mode import is_grad_enabled
from ..autograd.graph import Node, apply, apply_inplace, legacy_type_name
from ..tensor import Tensor
from .registry import (Attr, OpDef, Sample, TensorSpec, broadcast_shapes, prod, register,
                       sum_to, wrap_dim)
from .shape import SliceOp, Unsqueeze, check_expand, fmt_shape, set_node_name

__all__ = ["index", "index_put_", "index_put", "select", "gather", "index_select",
           "masked_fill", "masked_fill_", "parse_index"]

_MAX = 2 ** 63 - 1
_SEQ_WARNING = (
    "Using a non-tuple sequence for multidimensional indexing is deprecated and will be changed "
    "in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will be "
    "interpreted as tensor index, x[torch.tensor(seq)], which will result either in an error or "
    "a different result")
_ZERO_DIM = ("invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
             "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
_BAD_TENSOR = "tensors used as indices must be long, int, byte or bool tensors"


def _keep_edges(ctx, *keep: int) -> None:
    """Drop the edges of non-differentiable tensor inputs (an index, a mask): PyTorch's node has
    none for them. Backward then returns gradients for the kept inputs only."""
    if isinstance(ctx, Node):
        ctx.next_functions = tuple(ctx.next_functions[i] for i in keep)
        ctx.needs_input_grad = tuple(ctx.needs_input_grad[i] for i in keep)
        ctx._in_meta = tuple(ctx._in_meta[i] for i in keep)


# --------------------------------------------------------------------------------------
# reading a key the way PyTorch's __getitem__ does


def _as_tuple(key):
    """The key as a tuple, and whether it was a lone slice (PyTorch then always slices)."""
    if isinstance(key, tuple):
        return key, False
    if isinstance(key, str):
        raise TypeError("new(): invalid data type 'str'")
    if isinstance(key, list) and len(key) < 32:
        for x in key:
            if isinstance(x, (Tensor, list, tuple, slice, np.ndarray, str)) or x is None \
                    or x is Ellipsis:
                warnings.warn(_SEQ_WARNING, UserWarning, stacklevel=4)
                return tuple(key), False
    return (key,), isinstance(key, slice)


def _element(obj):
    """One key element as (kind, value...): int, slice, none, ellipsis, bool, or arr
    (array, is_mask)."""
    if obj is None:
        return ("none",)
    if obj is Ellipsis:
        return ("ellipsis",)
    if isinstance(obj, slice):
        return ("slice", obj)
    if isinstance(obj, (bool, np.bool_)):
        return ("bool", bool(obj))
    if isinstance(obj, (int, np.integer)):
        return ("int", int(obj))
    if isinstance(obj, Tensor):
        return _array_element(obj._data, obj._dtype)
    if hasattr(obj, "dtype") and hasattr(obj, "shape"):  # a numpy (or cupy) array
        return _array_element(obj, D.from_numpy_dtype(obj.dtype))
    if isinstance(obj, (list, tuple)):
        arr = np.array(obj)
        if arr.dtype.kind in "USO":
            kind = "str" if arr.dtype.kind in "US" else "object"
            raise TypeError(f"new(): invalid data type '{kind}'")
        if arr.dtype.kind == "b":
            return ("arr", arr, True)
        return ("arr", arr.astype(np.int64), False)
    if isinstance(obj, str):
        raise TypeError("new(): invalid data type 'str'")
    if hasattr(obj, "__index__"):
        return ("int", operator.index(obj))
    raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                     f"Variables are valid indices (got {type(obj).__name__})")


def _array_element(a, dt: D.dtype):
    if dt.is_floating_point:
        raise IndexError(_BAD_TENSOR)
    mask = dt is D.bool_ or dt is D.uint8
    if a.ndim == 0:
        return ("bool", bool(a)) if mask else ("int", int(a))
    if dt is D.uint8:
        warnings.warn("indexing with dtype torch.uint8 is now deprecated, please use a dtype "
                      "torch.bool instead.", UserWarning, stacklevel=4)
        a = a.astype(bool)
    return ("arr", a, mask)


def _plan(key, shape, getitem: bool = True):
    """The basic steps (('select', dim, i), ('slice', dim, start, stop, step), ('unsqueeze',
    dim)) PyTorch applies for ``key``, in order, and its advanced indices [(dim, array,
    is_mask)] on the result, with PyTorch's errors. A slice that keeps a whole dim is skipped,
    except a lone slice read by ``__getitem__``."""
    if not getitem and key is True:  # t[True] = v writes through t.unsqueeze(0)
        key = None
    items, lone_slice = _as_tuple(key)
    els = [_element(x) for x in items]
    ndim = len(shape)
    spec = 0
    for e in els:
        k = e[0]
        if k in ("int", "slice"):
            spec += 1
        elif k == "arr":
            spec += e[1].ndim if e[2] else 1
    if spec > ndim:
        if ndim == 0 and len(items) == 1 and els[0][0] == "int" and not isinstance(key, tuple):
            raise IndexError(_ZERO_DIM)
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    optimize = not (getitem and lone_slice)
    cur = list(shape)
    steps, adv = [], []
    dim = 0
    for pos, e in enumerate(els):
        k = e[0]
        if k == "int":
            i, n = e[1], (cur[dim] if dim < len(cur) else 0)
            if i < -n or i >= n:  # PyTorch names the position in the key
                raise IndexError(f"index {i} is out of bounds for dimension {pos} with size {n}")
            steps.append(("select", dim, i))
            cur.pop(dim)
        elif k == "slice":
            s = e[1]
            step = 1 if s.step is None else operator.index(s.step)
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
            start = 0 if s.start is None else operator.index(s.start)
            stop = _MAX if s.stop is None else operator.index(s.stop)
            n = cur[dim] if dim < len(cur) else 0
            if optimize and start == 0 and stop >= n and step == 1:
                dim += 1
                continue
            if dim >= len(cur):
                raise IndexError(f"Dimension out of range (expected to be in range of "
                                 f"[{-max(len(cur), 1)}, {max(len(cur), 1) - 1}], but got {dim})")
            start = min(max(start + n if start < 0 else start, 0), n)
            stop = max(min(max(stop + n if stop < 0 else stop, 0), n), start)
            steps.append(("slice", dim, start, stop, step))
            cur[dim] = (stop - start + step - 1) // step
            dim += 1
        elif k == "none":
            if dim > len(cur):
                raise IndexError(f"Dimension out of range (expected to be in range of "
                                 f"[{-len(cur) - 1}, {len(cur)}], but got {dim})")
            steps.append(("unsqueeze", dim))
            cur.insert(dim, 1)
            dim += 1
        elif k == "ellipsis":
            dim += ndim - spec
        elif k == "bool":
            steps.append(("unsqueeze", dim))
            cur.insert(dim, 1)
            adv.append((dim, np.zeros(1 if e[1] else 0, dtype=np.int64), False))
            dim += 1
        else:
            adv.append((dim, e[1], e[2]))
            dim += e[1].ndim if e[2] else 1
    return steps, adv


def _step(a, st):
    """One basic step on an array (a view)."""
    k, d = st[0], st[1]
    if k == "select":
        return a[(slice(None),) * d + (st[2], Ellipsis)]
    if k == "slice":
        return a[(slice(None),) * d + (slice(st[2], st[3], st[4]),)]
    return a[(slice(None),) * d + (None,)]


def _adv_key(shape, adv, xp):
    """The NumPy key for advanced indices on an array of ``shape`` (masks become their nonzero
    coordinates), after PyTorch's mask, broadcast and bounds checks; and the result's shape
    when it is empty (PyTorch then checks no bounds), else None."""
    nd = len(shape)
    key = [slice(None)] * nd
    ints = set()
    for dim, arr, is_mask in adv:
        arr = xp.asarray(arr)
        if dim + (arr.ndim if is_mask else 1) > nd:
            raise IndexError(f"too many indices for tensor of dimension {nd} (got {dim + 1})")
        if is_mask:
            for j in range(arr.ndim):
                if arr.shape[j] != shape[dim + j]:
                    raise IndexError(
                        f"The shape of the mask {fmt_shape(arr.shape)} at index {j} does not "
                        f"match the shape of the indexed tensor {fmt_shape(shape)} at index "
                        f"{dim + j}")
            for j, nz in enumerate(xp.nonzero(arr)):
                key[dim + j] = nz
        else:
            key[dim] = arr
            ints.add(dim)
    indexed = [d for d in range(nd) if not isinstance(key[d], slice)]
    bshape = key[indexed[0]].shape
    if len(indexed) > 1:
        try:
            bshape = broadcast_shapes(*[key[d].shape for d in indexed])
        except RuntimeError:
            raise IndexError("shape mismatch: indexing tensors could not be broadcast together "
                             "with shapes " + ", ".join(fmt_shape(key[d].shape) for d in indexed)
                             ) from None
    empty = None
    if prod(bshape) * prod(n for d, n in enumerate(shape) if d not in indexed) == 0:
        # nothing is read or written: PyTorch checks no bounds; NumPy would, so find the
        # shape with in-bounds placeholders
        dummy = np.empty(tuple(max(n, 1) if d in indexed else n for d, n in enumerate(shape)),
                         np.bool_)
        empty = dummy[tuple(np.zeros(key[d].shape, np.int64) if d in indexed else slice(None)
                            for d in range(nd))].shape
    else:
        for j, d in enumerate(indexed):
            if d not in ints:
                continue
            arr, n = key[d], shape[d]
            if arr.size and (int(arr.max()) >= n or int(arr.min()) < -n):
                if n == 0:
                    raise IndexError("index is out of bounds for dimension with size 0")
                flat = arr.reshape(-1)
                bad = int(flat[xp.nonzero((flat >= n) | (flat < -n))[0][0]])
                raise IndexError(f"index {bad} is out of bounds for dimension {j} with size {n}")
    while key and isinstance(key[-1], slice):
        key.pop()
    return tuple(key), empty


_ATOMIC_ADD = frozenset(np.dtype(t) for t in ("int32", "uint32", "uint64", "float16",
                                              "float32", "float64"))


def _index_add(xp, target, key, values) -> None:
    """target[key] += values, adding repeated positions once per occurrence. cupy's atomic
    adds know only some dtypes: int64 adds as uint64 (the same bits), narrower integers and
    bool through int32 (wrapping, and bool staying an 'or', as numpy and PyTorch do)."""
    if xp is np or target.dtype in _ATOMIC_ADD:
        xp.add.at(target, key, values)
        return
    vals = xp.asarray(values)
    if target.dtype == np.int64:
        xp.add.at(target.view(np.uint64), key, vals.astype(np.int64).view(np.uint64))
        return
    wide = target.astype(np.int32)
    xp.add.at(wide, key, vals.astype(np.int32))
    target[...] = wide != 0 if target.dtype == np.bool_ else wide.astype(target.dtype)


# --------------------------------------------------------------------------------------
# basic views: select, slice, alias


@register
class Select(OpDef):
    name = "select"
    family = "indexing"
    doc = "The slice at position index of dim (one dim fewer; a view)."
    dtype_rule = "none"
    is_view = True
    attrs = (Attr("dim", "dim", doc="the dim to pick from", keyword_only=False),
             Attr("index", "int", doc="the position (may be negative)", keyword_only=False))

    def forward(self, ctx, a, dim, index):
        if a.ndim == 0:
            raise IndexError("select() cannot be applied to a 0-dim tensor.")
        d = wrap_dim(dim, a.ndim)
        n = a.shape[d]
        if index < -n or index >= n:
            raise IndexError(f"select(): index {index} out of range for tensor of size "
                             f"{fmt_shape(a.shape)} at dimension {d}")
        key = ctx.key = (slice(None),) * d + (index, Ellipsis)
        return a[key]

    def backward(self, ctx, g):
        gi = ctx.xp.zeros(ctx._in_meta[0][0], dtype=g.dtype)
        gi[ctx.key] = g
        return gi

    def samples(self):
        yield Sample(((3, 4),), {"dim": 0, "index": 1})
        yield Sample(((3, 4),), {"dim": 1, "index": -1})
        yield Sample(((5,),), {"dim": 0, "index": 2})
        yield Sample((("T", (3, 4)),), {"dim": 1, "index": 0})


def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice of ``input`` at ``index`` along ``dim`` (a view)."""
    return apply(Select.INSTANCE, (input,), {"dim": dim, "index": int(index)})


class _Slice(SliceOp):
    """``t[start:stop:step]`` along one dim, bounds already clamped (a view)."""

    name = "slice"
    key = "slice"
    family = "indexing"

    def forward(self, ctx, a, dim, start, end, step=1):
        key = ctx.key = (slice(None),) * dim + (slice(start, end, step),)
        return a[key]


_SLICE = _Slice()


class _Alias(OpDef):
    """The same tensor as a new view (``t[...]``, ``t[:, :]``)."""

    name = "alias"
    key = "alias"
    family = "indexing"
    dtype_rule = "none"
    is_view = True

    def forward(self, ctx, a):
        return a.view()

    def backward(self, ctx, g):
        return g


_ALIAS = _Alias()


def _apply_steps(t: Tensor, steps) -> Tensor:
    for st in steps:
        k = st[0]
        if k == "select":
            t = apply(Select.INSTANCE, (t,), {"dim": st[1], "index": st[2]})
        elif k == "slice":
            t = apply(_SLICE, (t,), {"dim": st[1], "start": st[2], "end": st[3], "step": st[4]})
        else:
            t = apply(Unsqueeze.INSTANCE, (t,), {"dim": st[1]})
    return t


# --------------------------------------------------------------------------------------
# advanced indexing: t[key] as one node


_STEP_NODE = {"select": "SelectBackward0", "slice": "SliceBackward0",
              "unsqueeze": "UnsqueezeBackward0"}


@register
class Index(OpDef):
    name = "index"
    family = "indexing"
    title = "index t[...]"
    doc = ("t[index]: ints, slices, None, ..., integer lists and boolean masks, as in PyTorch "
           "(the index is written as text, e.g. [:, 0] or [[0, 1], [1, 2]]).")
    dtype_rule = "none"
    method = False
    attrs = (Attr("index", "index", doc="the key, e.g. [1:, ::2] or [[0, 2]]",
                  keyword_only=False),)

    def forward(self, ctx, a, index):
        if isinstance(index, str):
            index = parse_index(index)
        steps, adv = _plan(index, a.shape)
        v = a
        for st in steps:
            v = _step(v, st)
        ctx.steps = steps
        if not adv:  # only basic indices (when applied directly): a copy with the view's name
            set_node_name(ctx, _STEP_NODE[steps[-1][0]] if steps else "AliasBackward0")
            ctx.key = None
            return v.copy()
        key, empty = _adv_key(v.shape, adv, ctx.xp)
        if empty is not None:
            ctx.key = None
            return ctx.xp.empty(empty, dtype=a.dtype)
        ctx.key = tuple(k if isinstance(k, slice) else None for k in key)
        if ctx.needs_input_grad:
            ctx.save(*[k for k in key if not isinstance(k, slice)])
        return v[key]

    def backward(self, ctx, g):
        gi = ctx.xp.zeros(ctx._in_meta[0][0], dtype=g.dtype)
        v = gi
        for st in ctx.steps:
            v = _step(v, st)
        if ctx.key is None:
            if g.size:  # only basic indices; an empty advanced result sends nothing back
                v[...] = g
            return gi
        arrays = iter(ctx.saved)
        key = tuple(k if k is not None else next(arrays) for k in ctx.key)
        _index_add(ctx.xp, v, key, g)
        return gi

    def samples(self):
        yield Sample(((3, 4),), {"index": ([0, 2],)})
        yield Sample(((3, 4),), {"index": ([0, 1], [1, 2])})
        yield Sample(((3, 4),), {"index": ([[0], [1]], [1, 2])}, note="broadcast indices")
        yield Sample(((3, 4),), {"index": (slice(1, None), [0, 0, 3])}, note="repeated index")
        yield Sample(((2, 3, 4),), {"index": (slice(None), [0, 1], [1, 2])})
        yield Sample(((3, 4),), {"index": ([True, False, True],)}, note="boolean mask")
        yield Sample(((3, 4),), {"index": (1, slice(None, None, 2))}, note="basic")
        yield Sample((("T", (4, 3)),), {"index": ([0, 2], 1)}, note="non-contiguous")


def index(input: Tensor, index) -> Tensor:
    """``input[index]`` with PyTorch's semantics and grad_fn chain (text keys are parsed)."""
    if type(index) is int:  # the common t[i]
        shape = input._data.shape
        if not shape:
            raise IndexError(_ZERO_DIM)
        if index < -shape[0] or index >= shape[0]:
            raise IndexError(f"index {index} is out of bounds for dimension 0 with size "
                             f"{shape[0]}")
        return apply(Select.INSTANCE, (input,), {"dim": 0, "index": index})
    if isinstance(index, str) and index.lstrip().startswith("["):
        index = parse_index(index, input)
    steps, adv = _plan(index, input._data.shape)
    t = _apply_steps(input, steps)
    if not adv:
        return t if steps else apply(_ALIAS, (input,), {})
    nd = t._data.ndim
    for dim, arr, is_mask in adv:
        if dim + (arr.ndim if is_mask else 1) > nd:
            raise IndexError(f"too many indices for tensor of dimension {nd} (got {dim + 1})")
    at = {dim: (arr, is_mask) for dim, arr, is_mask in adv}
    key = []
    d = 0
    while d < nd:  # one entry per dim; a mask covers arr.ndim dims
        if d in at:
            arr, is_mask = at[d]
            key.append(arr)
            d += arr.ndim if is_mask else 1
        else:
            key.append(slice(None))
            d += 1
    return apply(Index.INSTANCE, (t,), {"index": tuple(key)})


# --------------------------------------------------------------------------------------
# index assignment: t[key] = value


_SCALARS = (bool, int, float, np.bool_, np.integer, np.floating)


@register
class IndexPut(OpDef):
    name = "index_put"
    family = "indexing"
    title = "index_put t[...] = v"
    doc = "A copy of input with values written at index (broadcast); accumulate adds instead."
    inputs = ("input", "values")
    scalar_inputs = ("values",)
    dtype_rule = "none"
    has_inplace = True
    attrs = (Attr("indices", "index", doc="where to write, e.g. [0] or [:, [1, 2]]",
                  keyword_only=False),
             Attr("accumulate", "bool", False, "add into the tensor instead of replacing"))

    def infer(self, specs, attrs):
        s = specs[0]
        return [TensorSpec(s.shape, s.dtype, s.device)]

    def forward(self, ctx, a, v, indices, accumulate=False):
        if isinstance(indices, str):
            indices = parse_index(indices)
        xp = ctx.xp
        steps, adv = _plan(indices, a.shape, getitem=False)
        out = a.copy()
        r = out
        for st in steps:
            r = _step(r, st)
        is_arr = not isinstance(v, _SCALARS)
        key, empty = _adv_key(r.shape, adv, xp) if adv else (None, None)
        if is_arr:
            vs = tuple(v.shape)
            while vs and vs[0] == 1:
                vs = vs[1:]
            if key is not None:
                if v.dtype != a.dtype:
                    raise RuntimeError(
                        "Index put requires the source and destination dtypes match, got "
                        f"{_SN[a.dtype.name]} for the destination and {_SN[v.dtype.name]} for "
                        "the source.")
                region = empty if empty is not None else r[key].shape
                if not _broadcastable(vs, region):
                    raise RuntimeError(f"shape mismatch: value tensor of shape {fmt_shape(vs)} "
                                       f"cannot be broadcast to indexing result of shape "
                                       f"{fmt_shape(region)}")
            elif v.shape != r.shape and v.ndim:
                check_expand(vs, r.shape, v.dtype)
            val = v.reshape(vs) if v.dtype == a.dtype else v.reshape(vs).astype(a.dtype)
        else:
            val = v
        if steps:
            name = "CopySlices"
        elif key is not None:
            name = "IndexPutBackward0"
        elif (not is_arr or v.ndim == 0) and a.ndim:
            name = "FillBackward3"
        else:
            name = "CopyBackwards"
        set_node_name(ctx, name)
        ctx.empty = empty is not None
        if ctx.empty:  # nothing to write
            key = None
        elif key is None:
            r[...] = val
        elif accumulate:
            _index_add(xp, r, key, val)
        else:
            r[key] = val
        ctx.steps = steps
        ctx.acc = accumulate
        if key is not None:
            ctx.key = tuple(k if isinstance(k, slice) else None for k in key)
            if ctx.needs_input_grad:
                ctx.save(*[k for k in key if not isinstance(k, slice)])
        else:
            ctx.key = None
        return out

    def backward(self, ctx, g):
        nig = ctx.needs_input_grad
        key = None
        if ctx.key is not None:
            arrays = iter(ctx.saved)
            key = tuple(k if k is not None else next(arrays) for k in ctx.key)
        gx = gv = None
        if ctx.empty:  # nothing was written
            shape = ctx._in_meta[1][0] if nig[1] else None
            return (g if nig[0] else None), (ctx.xp.zeros(shape, g.dtype) if nig[1] else None)
        if nig[0] and ctx.acc:
            gx = g
        elif nig[0]:
            gx = g.copy()
            r = gx
            for st in ctx.steps:
                r = _step(r, st)
            if key is None:
                r[...] = 0
            else:
                r[key] = 0
        if nig[1]:
            r = g
            for st in ctx.steps:
                r = _step(r, st)
            gv = r if key is None else r[key]
            shape = ctx._in_meta[1][0]
            vs = tuple(shape)
            while vs and vs[0] == 1:
                vs = vs[1:]
            gv = sum_to(gv, vs).reshape(shape)
        return gx, gv

    def samples(self):
        yield Sample(((3, 4), (2, 4)), {"indices": ([0, 2],)})
        yield Sample(((3, 4), (2,)), {"indices": ([0, 2], [1, 3])})
        yield Sample(((3, 4), 2.5), {"indices": ([1, 2],)}, note="scalar value")
        yield Sample(((3, 4), (1,)), {"indices": ([0, 0],), "accumulate": True},
                     note="accumulate repeated")
        yield Sample((("T", (4, 3)), (3,)), {"indices": ([1],)}, note="non-contiguous")


_SN = {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
       "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _broadcastable(src, dst) -> bool:
    if len(src) > len(dst):
        return False
    return all(s == 1 or s == d for s, d in zip(src[::-1], dst[::-1]))


def _value_operand(input: Tensor, values):
    if isinstance(values, Tensor):
        return values
    if isinstance(values, _SCALARS):
        return values
    t = type(values)
    tname = t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__name__}"
    raise TypeError(f"can't assign a {tname} to a {legacy_type_name(input._dtype)}")


def index_put_(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """``input[indices] = values`` in place (values broadcast; a number or a tensor)."""
    if indices is False:
        return input
    if isinstance(indices, str) and indices.lstrip().startswith("["):
        indices = parse_index(indices, input)
    values = _value_operand(input, values)
    grad_on = is_grad_enabled()
    if grad_on and input._requires_grad and input._grad_fn is None:
        steps, _ = _plan(indices, input._data.shape, getitem=False)
        which = "a view of a leaf Variable" if steps else "a leaf Variable"
        raise RuntimeError(f"{which} that requires grad is being used in an in-place operation.")
    if grad_on and isinstance(values, Tensor) and values._requires_grad and values._data.ndim:
        values = _shape_value(input, indices, values)
    attrs = {"indices": indices, "accumulate": True} if accumulate else {"indices": indices}
    return apply_inplace(IndexPut.INSTANCE, (input, values), attrs)


def _shape_value(input: Tensor, indices, values: Tensor) -> Tensor:
    """The view / expand nodes PyTorch puts on a value before writing it (leading 1s dropped,
    then broadcast to the written region), so the value's gradient path matches."""
    from .shape import expand, view
    steps, adv = _plan(indices, input._data.shape, getitem=False)
    vshape = tuple(values._data.shape)
    stripped = vshape
    while stripped and stripped[0] == 1:
        stripped = stripped[1:]
    if adv:
        return view(values, stripped) if stripped != vshape else values
    region = np.broadcast_to(np.empty((), np.float32), input._data.shape)
    for st in steps:
        region = _step(region, st)
    if vshape == region.shape:
        return values
    check_expand(stripped, region.shape, values._data.dtype)
    v = view(values, stripped)
    return expand(v, region.shape) if stripped != region.shape else v


def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``values`` written at ``indices`` (a tuple of index tensors)."""
    values = _value_operand(input, values)
    if isinstance(indices, str) and indices.lstrip().startswith("["):
        indices = parse_index(indices, input)
    key = tuple(indices) if isinstance(indices, (list, tuple)) else indices
    attrs = {"indices": key, "accumulate": True} if accumulate else {"indices": key}
    return apply(IndexPut.INSTANCE, (input, values), attrs)


# --------------------------------------------------------------------------------------
# gather / index_select / masked_fill


def _check_index_dtype(dt, msg: str) -> None:
    if dt.kind not in "iu" or dt.itemsize < 4:
        raise RuntimeError(msg)


@register
class Gather(OpDef):
    name = "gather"
    family = "indexing"
    doc = "out[i][j] = input[index[i][j]][j] along dim (index has input's number of dims)."
    inputs = ("input", "index")
    dtype_rule = "none"
    attrs = (Attr("dim", "dim", doc="the dim the index points along", keyword_only=False),)

    def infer(self, specs, attrs):
        s, i = specs
        _gather_check(s.shape, i.shape, wrap_dim(attrs["dim"], len(s.shape)), i.dtype.np)
        return [TensorSpec(i.shape, s.dtype, s.device)]

    def forward(self, ctx, a, idx, dim):
        _keep_edges(ctx, 0)
        xp = ctx.xp
        d = wrap_dim(dim, a.ndim)
        _gather_check(a.shape, idx.shape, d, idx.dtype)
        n = a.shape[d] if a.ndim else 1
        if idx.size and (int(idx.max()) >= n or int(idx.min()) < 0):
            flat = idx.reshape(-1)
            bad = int(flat[xp.nonzero((flat >= n) | (flat < 0))[0][0]])
            raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {n}")
        if a.ndim == 0:
            ctx.key = ()
            if ctx.needs_input_grad:
                ctx.save()
            return a.copy()
        key = _gather_key(xp, idx, d)
        if ctx.needs_input_grad:
            ctx.save(*key)
        return a[key]

    def backward(self, ctx, g):
        gi = ctx.xp.zeros(ctx._in_meta[0][0], dtype=g.dtype)
        if not ctx.saved:
            return g.reshape(gi.shape)
        _index_add(ctx.xp, gi, ctx.saved, g)
        return gi

    def samples(self):
        yield Sample(((3, 4), ("int", (3, 2), 0, 4)), {"dim": 1})
        yield Sample(((3, 4), ("int", (2, 4), 0, 3)), {"dim": 0})
        yield Sample((("T", (4, 3)), ("int", (2, 2), 0, 4)), {"dim": 0}, note="non-contiguous")


def _gather_check(sa, si, d, idt) -> None:
    _check_index_dtype(np.dtype(idt), "gather(): Expected dtype int32/int64 for index")
    if len(si) != len(sa) and not (len(sa) <= 1 and len(si) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k, (m, n) in enumerate(zip(si, sa)):
        if k != d and m > n:
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {fmt_shape(si)} to be no "
                f"larger than self {fmt_shape(sa)} apart from dimension {d}")


def _gather_key(xp, idx, d) -> tuple:
    """Index arrays picking input[..., idx[i, j, ...], ...] along dim d (a full key)."""
    key = []
    nd = idx.ndim
    for k, n in enumerate(idx.shape):
        if k == d:
            key.append(idx.astype(np.int64, copy=False))
        else:
            shape = [1] * nd
            shape[k] = n
            key.append(xp.arange(n).reshape(shape))
    return tuple(key)


def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False,
           out=None) -> Tensor:
    """Values of ``input`` picked along ``dim`` by ``index``."""
    return apply(Gather.INSTANCE, (input, index), {"dim": dim})


@register
class IndexSelect(OpDef):
    name = "index_select"
    family = "indexing"
    doc = "The entries of input at the positions in index (a vector) along dim."
    inputs = ("input", "index")
    dtype_rule = "none"
    attrs = (Attr("dim", "dim", doc="the dim to pick along", keyword_only=False),)

    def infer(self, specs, attrs):
        s, i = specs
        d = wrap_dim(attrs["dim"], len(s.shape))
        _index_select_check(i.shape, i.dtype.np)
        n = i.shape[0] if i.shape else 1
        shape = tuple(s.shape[:d]) + (n,) + tuple(s.shape[d + 1:]) if s.shape else ()
        return [TensorSpec(shape, s.dtype, s.device)]

    def forward(self, ctx, a, idx, dim):
        _keep_edges(ctx, 0)
        d = wrap_dim(dim, a.ndim)
        _index_select_check(idx.shape, idx.dtype)
        idx = idx.reshape(-1)
        n = a.shape[d] if a.ndim else 1
        bad = idx[(idx < 0) | (idx >= n)]
        if bad.size:
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={int(bad[0])} "
                               f"axis_dim={n}")
        if ctx.needs_input_grad:
            ctx.save(idx)
            ctx.d = d
        if a.ndim == 0:
            return a.copy()
        return ctx.xp.take(a, idx, axis=d)

    def backward(self, ctx, g):
        (idx,) = ctx.saved
        shape = ctx._in_meta[0][0]
        if not shape:
            return g.reshape(())
        gi = ctx.xp.zeros(shape, dtype=g.dtype)
        _index_add(ctx.xp, gi, (slice(None),) * ctx.d + (idx,), g)
        return gi

    def samples(self):
        yield Sample(((3, 4), ("int", (3,), 0, 4)), {"dim": 1})
        yield Sample(((3, 4), ("int", (5,), 0, 3)), {"dim": 0}, note="repeats")
        yield Sample((("T", (4, 3)), ("int", (2,), 0, 3)), {"dim": 1}, note="non-contiguous")


def _index_select_check(si, idt) -> None:
    if len(si) > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    _check_index_dtype(np.dtype(idt), "index_select(): Expected dtype int32 or int64 for index")


def index_select(input: Tensor, dim: int, index: Tensor, *, out=None) -> Tensor:
    """The entries of ``input`` at ``index`` along ``dim``."""
    return apply(IndexSelect.INSTANCE, (input, index), {"dim": dim})


@register
class MaskedFill(OpDef):
    name = "masked_fill"
    family = "indexing"
    doc = "input with value written where mask is True (mask broadcasts)."
    inputs = ("input", "mask", "value")
    scalar_inputs = ("value",)
    dtype_rule = "none"
    has_inplace = True

    def infer(self, specs, attrs):
        s, m = specs[0], specs[1]
        v = specs[2] if len(specs) > 2 else attrs.get("value")
        _masked_fill_check(m.dtype.np, v.shape if isinstance(v, TensorSpec) else None)
        return [TensorSpec(broadcast_shapes(s.shape, m.shape), s.dtype, s.device)]

    def forward(self, ctx, a, mask, value):
        is_t = not isinstance(value, _SCALARS)
        _masked_fill_check(mask.dtype, value.shape if is_t else None)
        if mask.shape != a.shape:
            broadcast_shapes(mask.shape, a.shape)
        if ctx.needs_input_grad:
            if is_t:
                set_node_name(ctx, "MaskedFillBackward1")
                _keep_edges(ctx, 0, 2)
            else:
                _keep_edges(ctx, 0)
            ctx.save(mask)
        if is_t:
            value = value.astype(a.dtype)
        elif not isinstance(value, (bool, np.bool_)) and a.dtype.kind in "iub":
            value = _int_value(value, a.dtype)
        return ctx.xp.where(mask, value, a)

    def backward(self, ctx, g):
        (mask,) = ctx.saved
        xp = ctx.xp
        nig = ctx.needs_input_grad
        ga = xp.where(mask, 0, g) if nig[0] else None
        if len(nig) == 1:
            return ga
        gv = xp.where(mask, g, 0).sum() if nig[1] else None
        return ga, gv

    def samples(self):
        yield Sample(((3, 4), ("bool", (3, 4)), 0.5))
        yield Sample(((3, 4), ("bool", (4,)), -1.0), note="broadcast mask")
        yield Sample(((3, 4), ("bool", (3, 4)), ()), note="0-dim tensor value")
        yield Sample((("T", (4, 3)), ("bool", (4, 3)), 2.0), note="non-contiguous")


def _int_value(value, npdt):
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise RuntimeError(f"value cannot be converted to type {npdt.name}_t without overflow")
    return int(value)


def _masked_fill_check(mask_dt, vshape) -> None:
    mask_dt = np.dtype(mask_dt)
    if mask_dt.kind != "b":
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_CN[mask_dt.name]}")
    if vshape is not None and len(vshape):
        raise RuntimeError(f"masked_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {len(vshape)} dimension(s).")


_CN = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
       "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char",
       "bool": "bool"}


def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``input`` with ``value`` where ``mask`` is True."""
    return apply(MaskedFill.INSTANCE, (input, mask, value), {})


def masked_fill_(input: Tensor, mask: Tensor, value) -> Tensor:
    """Write ``value`` into ``input`` where ``mask`` is True, in place."""
    return apply_inplace(MaskedFill.INSTANCE, (input, mask, value), {})


# --------------------------------------------------------------------------------------
# index expressions written as text (the "index" attribute kind)


_CMP = {ast.Gt: operator.gt, ast.Lt: operator.lt, ast.GtE: operator.ge, ast.LtE: operator.le,
        ast.Eq: operator.eq, ast.NotEq: operator.ne}
_BIN = {ast.BitAnd: operator.and_, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
        ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}


def parse_index(text: str, input: Tensor | None = None):
    """The Python key an index written as text spells: ``"[:, 0]"``, ``"[[0, 1], [1, 2]]"``,
    ``"[..., None, ::2]"``, and masks over the indexed tensor itself written with any name,
    ``"[x[:, 2] > 5]"``. Only literals, subscripts, comparisons and & | ~ are read; nothing is
    executed."""
    src = text.strip()
    if not (src.startswith("[") and src.endswith("]")):
        raise ValueError(f"an index is written in brackets, like [:, 0]; got {text!r}")
    try:
        node = ast.parse("_" + src, mode="eval").body
    except SyntaxError as e:
        raise ValueError(f"cannot read the index {text!r}: {e.msg}") from None
    return _eval(node.slice, input, text)


def _eval(n, inp, text):
    if isinstance(n, ast.Constant):
        if isinstance(n.value, (int, float, bool)) or n.value is None or n.value is Ellipsis:
            return n.value
    elif isinstance(n, ast.Tuple):
        return tuple(_eval(e, inp, text) for e in n.elts)
    elif isinstance(n, ast.List):
        return [_eval(e, inp, text) for e in n.elts]
    elif isinstance(n, ast.Slice):
        return slice(*(None if p is None else _eval(p, inp, text)
                       for p in (n.lower, n.upper, n.step)))
    elif isinstance(n, ast.UnaryOp) and isinstance(n.op, (ast.USub, ast.UAdd, ast.Invert)):
        v = _eval(n.operand, inp, text)
        return -v if isinstance(n.op, ast.USub) else (~v if isinstance(n.op, ast.Invert) else v)
    elif isinstance(n, ast.Name) and inp is not None:
        return inp
    elif isinstance(n, ast.Subscript):
        return index(_eval(n.value, inp, text), _eval(n.slice, inp, text))
    elif isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in _CMP:
        return _CMP[type(n.ops[0])](_eval(n.left, inp, text), _eval(n.comparators[0], inp, text))
    elif isinstance(n, ast.BinOp) and type(n.op) in _BIN:
        return _BIN[type(n.op)](_eval(n.left, inp, text), _eval(n.right, inp, text))
    raise ValueError(f"unsupported index expression {ast.unparse(n)!r} in {text!r}")

