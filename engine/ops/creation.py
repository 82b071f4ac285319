"""Creation: tensor(), empty/zeros/ones/full, eye, arange, linspace, random tensors, the
``*_like`` forms, the legacy typed constructors (``FloatTensor``), and device/dtype moves
(``to_copy``).

Every creation op is also an :class:`OpDef` (family ``'creation'``, no tensor inputs) so the
graph can offer it as a source node; the public functions run the same ``forward`` directly,
without the dispatch machinery of :func:`apply`. Random numbers come from
``engine.random.generator()``, so ``manual_seed`` makes them repeatable (they need not equal
PyTorch's).
"""
from __future__ import annotations

import math
import numbers
import warnings

import numpy as np

from .. import _dtype as D
from .. import backend
from .. import random as _random
from .._device import CPU, canonical
from ..tensor import Size, Tensor, _size_args, _wrap
from .registry import Attr, Ctx, OpDef, TensorSpec, register

__all__ = [
    "tensor", "as_tensor", "asarray", "from_numpy", "empty", "zeros", "ones", "full", "eye",
    "arange", "linspace", "rand", "randn", "randint", "randperm", "zeros_like", "ones_like",
    "full_like", "empty_like", "rand_like", "randn_like", "randint_like", "from_file",
]

_REQ_GRAD_MSG = "Only Tensors of floating point and complex dtype can require gradients"


# --------------------------------------------------------------------------------------
# helpers


def _finish(arr, dev, requires_grad: bool) -> Tensor:
    """Wrap a freshly built array as a tensor on ``dev`` (moving a host array there)."""
    if dev.type != "cpu":
        arr = backend.to_device(arr, dev.type, dev.index)
    t = _wrap(arr, dev)
    if requires_grad:
        if not t._dtype.is_floating_point:
            raise RuntimeError(_REQ_GRAD_MSG)
        t._requires_grad = True
    return t


def _make(op: "Creation", device, requires_grad: bool, attrs: dict) -> Tensor:
    """Run a creation op's forward on ``device`` and wrap the result."""
    dev = canonical(device)
    if dev is CPU:
        return _finish(op.forward(_CPU_CTX, **attrs), dev, requires_grad)
    with backend.device_scope(dev.type, dev.index):
        arr = op.forward(Ctx(backend.xp_for("cuda")), **attrs)
    return _finish(arr, dev, requires_grad)


_CPU_CTX = Ctx(np)


def _dt(dtype, default=None) -> D.dtype:
    if dtype is None:
        return default or D.get_default_dtype()
    return D.to_dtype(dtype)


def _check_size(size: tuple, fname: str | None = None) -> tuple:
    for s in size:
        if s < 0:
            if fname:
                raise RuntimeError(f"{fname}: Dimension size must be non-negative.")
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: "
                               f"[{', '.join(map(str, size))}]")
    return size


def _host_to(xp, arr):
    return arr if xp is np else xp.asarray(arr)


def _number(v):
    """A Python number from a number, numpy scalar or one-element tensor."""
    if isinstance(v, Tensor):
        return v.item()
    if isinstance(v, np.generic):
        return v.item()
    return v


def _elem_dtype(x) -> D.dtype:
    """The dtype PyTorch infers for one element of a nested sequence."""
    if isinstance(x, Tensor):
        if x._data.size != 1:
            raise ValueError("only one element tensors can be converted to Python scalars")
        return x._dtype
    if isinstance(x, (np.generic, np.ndarray)):
        return D.from_numpy_dtype(x.dtype)
    if x is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    if isinstance(x, (bool, numbers.Number)):
        return D.scalar_dtype(x)
    raise TypeError(f"new(): invalid data type '{type(x).__name__}'")


_PLAIN = (int, float, bool)


def _infer_array(data, exact: bool = False):
    """Nested Python data or arrays to a host array with PyTorch's dtype inference.

    ``exact`` (a dtype will be applied next) keeps Python floats in float64 so the cast
    rounds once, as PyTorch's does."""
    if isinstance(data, Tensor):
        return backend.to_host(data._data).copy()
    if isinstance(data, np.ndarray):
        D.from_numpy_dtype(data.dtype)
        return data.copy()
    if isinstance(data, np.generic):
        return np.asarray(data).copy()
    if isinstance(data, (list, tuple)):
        flat = _flatten_check(data)
        if all(type(x) in _PLAIN for x in flat):
            arr = np.array(data)
            if arr.dtype.kind == "f":
                return arr if exact else arr.astype(D.get_default_dtype().np)
            if arr.dtype.kind in "iu":
                return arr.astype(np.int64)
            return arr  # bool
        dt = None
        for x in flat:
            d = _elem_dtype(x)
            dt = d if dt is None else D.promote_types(dt, d)
        return np.array(_tensors_to_values(data), dtype=dt.np)
    if isinstance(data, bool):
        return np.array(data)
    if isinstance(data, numbers.Integral):
        return np.array(data, dtype=np.int64)
    if isinstance(data, numbers.Real):
        return np.array(data, dtype=np.float64 if exact else D.get_default_dtype().np)
    if backend.is_gpu_array(data):
        return backend.to_host(data)
    if data is None:
        raise RuntimeError("Could not infer dtype of NoneType")
    raise TypeError(f"new(): invalid data type '{type(data).__name__}'")


def _flatten_check(data, depth: int = 0) -> list:
    """Flattened items of nested sequences; PyTorch's errors for ragged ones."""
    out: list = []
    if not data:
        return out
    first_len = len(data[0]) if isinstance(data[0], (list, tuple)) else None
    for item in data:
        if isinstance(item, (list, tuple)):
            if first_len is None or len(item) != first_len:
                raise ValueError(f"expected sequence of length {first_len} at dim {depth + 1} "
                                 f"(got {len(item)})")
            out.extend(_flatten_check(item, depth + 1))
        else:
            if first_len is not None:
                raise TypeError("not a sequence")
            out.append(item)
    return out


def _tensors_to_values(data):
    if isinstance(data, Tensor):
        return data.item()
    if isinstance(data, (list, tuple)):
        return [_tensors_to_values(x) for x in data]
    return data


def _cast(arr: np.ndarray, dt: D.dtype) -> np.ndarray:
    """``arr`` as dtype ``dt`` the way PyTorch converts (floats to ints truncate)."""
    if arr.dtype == dt.np:
        return arr
    if arr.dtype.kind == "f" and dt.category == 1:
        with np.errstate(invalid="ignore"):
            return np.trunc(arr).astype(dt.np)
    return arr.astype(dt.np)


def _fma(a, b, c):
    """a * b + c with one rounding, as the compiled PyTorch kernels compute it (float64)."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    p = a * b
    # Dekker's product error and Knuth's sum error: error-free transformations
    sa = 134217729.0 * a
    ah = sa - (sa - a)
    al = a - ah
    sb = 134217729.0 * b
    bh = sb - (sb - b)
    bl = b - bh
    ep = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    s = p + c
    bb = s - p
    es = (p - (s - bb)) + (c - bb)
    return s + (ep + es)


# --------------------------------------------------------------------------------------
# creation ops: one OpDef each, run directly by the public functions


_DEVICE = Attr("device", "device", "cpu", "where the tensor lives")
_REQUIRES_GRAD = Attr("requires_grad", "bool", False, "record operations on it for autograd")


def _dtype_attr(doc: str = "element type (None: PyTorch's default for the values)") -> Attr:
    return Attr("dtype", "dtype", None, doc, optional=True)


class Creation(OpDef):
    """A source op: no tensor inputs, builds its array from attributes with ``ctx.xp``."""

    family = "creation"
    inputs = ()
    differentiable = False
    dtype_rule = "none"
    method = False

    def out_dtype(self, attrs: dict) -> D.dtype:
        return _dt(attrs.get("dtype"))

    def out_shape(self, attrs: dict) -> tuple[int, ...]:
        return _check_size(_size_args((attrs["size"],)))

    def infer(self, specs, attrs):
        return [TensorSpec(self.out_shape(attrs), self.out_dtype(attrs),
                           str(attrs.get("device") or "cpu"))]


_SIZE = Attr("size", "shape", (2, 3), "the shape", keyword_only=False)


@register
class TensorOp(Creation):
    """A tensor holding a copy of literal data."""

    name = "tensor"
    doc = "A tensor from literal (nested list) data."
    attrs = (Attr("data", "data", [[1.0, 2.0], [3.0, 4.0]], "nested lists of numbers",
                  keyword_only=False), _dtype_attr(), _DEVICE, _REQUIRES_GRAD)

    def out_dtype(self, attrs):
        if attrs.get("dtype") is not None:
            return D.to_dtype(attrs["dtype"])
        return D.from_numpy_dtype(_infer_array(attrs["data"]).dtype)

    def out_shape(self, attrs):
        return tuple(np.shape(_infer_array(attrs["data"])))

    def forward(self, ctx, data=None, dtype=None, **_):
        arr = _infer_array(data, dtype is not None)
        if dtype is not None:
            arr = _cast(arr, D.to_dtype(dtype))
        return _host_to(ctx.xp, arr)


@register
class Empty(Creation):
    """An uninitialised tensor."""

    name = "empty"
    doc = "An uninitialised tensor of the given shape."
    attrs = (_SIZE, _dtype_attr(), _DEVICE, _REQUIRES_GRAD)

    def forward(self, ctx, size=(), dtype=None, **_):
        return ctx.xp.empty(_check_size(size), dtype=_dt(dtype).np)


@register
class Zeros(Creation):
    """A tensor filled with 0."""

    name = "zeros"
    doc = "A tensor of zeros."
    attrs = (_SIZE, _dtype_attr(), _DEVICE, _REQUIRES_GRAD)

    def forward(self, ctx, size=(), dtype=None, **_):
        return ctx.xp.zeros(_check_size(size, "zeros"), dtype=_dt(dtype).np)


@register
class Ones(Creation):
    """A tensor filled with 1."""

    name = "ones"
    doc = "A tensor of ones."
    attrs = (_SIZE, _dtype_attr(), _DEVICE, _REQUIRES_GRAD)

    def forward(self, ctx, size=(), dtype=None, **_):
        return ctx.xp.ones(_check_size(size), dtype=_dt(dtype).np)


def _full_dtype(fill_value, dtype) -> D.dtype:
    if dtype is not None:
        return D.to_dtype(dtype)
    return D.scalar_dtype(_number(fill_value))


@register
class Full(Creation):
    """A tensor filled with one value (an int gives int64, a float float32, a bool bool)."""

    name = "full"
    doc = "A tensor filled with fill_value."
    attrs = (_SIZE, Attr("fill_value", "scalar", 1.0, "the value", keyword_only=False),
             _dtype_attr(), _DEVICE, _REQUIRES_GRAD)

    def out_dtype(self, attrs):
        return _full_dtype(attrs.get("fill_value", 1.0), attrs.get("dtype"))

    def forward(self, ctx, size=(), fill_value=1.0, dtype=None, **_):
        dt = _full_dtype(fill_value, dtype)
        v = _number(fill_value)
        if dt.category == 1 and isinstance(v, float) and math.isfinite(v):
            v = math.trunc(v)
        return ctx.xp.full(_check_size(size), v, dtype=dt.np)


@register
class Eye(Creation):
    """A 2-D tensor with ones on the diagonal."""

    name = "eye"
    doc = "An n x m identity matrix (m defaults to n)."
    attrs = (Attr("n", "int", 3, "rows", range=(0, None), keyword_only=False),
             Attr("m", "int", None, "columns (None: n)", range=(0, None), optional=True,
                  keyword_only=False),
             _dtype_attr(), _DEVICE, _REQUIRES_GRAD)

    def out_shape(self, attrs):
        n = attrs.get("n", 3)
        m = attrs.get("m")
        return (n, n if m is None else m)

    def forward(self, ctx, n=3, m=None, dtype=None, **_):
        if n < 0:
            raise RuntimeError(f"n must be greater or equal to 0, got {n}")
        if m is None:
            m = n
        if m < 0:
            raise RuntimeError(f"m must be greater or equal to 0, got {m}")
        return ctx.xp.eye(n, m, dtype=_dt(dtype).np)


# ---- arange ------------------------------------------------------------------------------


def _range_dtype(values, dtype) -> D.dtype:
    if dtype is not None:
        return D.to_dtype(dtype)
    if any(isinstance(v, float) for v in values):
        return D.get_default_dtype()
    return D.int64


def _arange_plan(start, end, step, dt: D.dtype):
    """PyTorch's checks and length for arange: (start, step, length) in the accumulate type."""
    if dt is D.bool_:
        raise NotImplementedError("\"arange_cpu\" not implemented for 'Bool'")
    ds, de, dst = float(start), float(end), float(step)  # the checks run in double
    if not (dst > 0 or dst < 0):
        raise RuntimeError("step must be nonzero")
    if not (math.isfinite(ds) and math.isfinite(de)):
        raise RuntimeError(f"unsupported range: {ds:g} -> {de:g}")
    if not ((dst > 0 and de >= ds) or (dst < 0 and de <= ds)):
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    if dt.is_floating_point:
        acc = np.float32 if dt is D.float16 else np.float64
        xs, xst = float(acc(start)), float(acc(step))
    else:  # the integer accumulate type: each bound truncated
        xs, xst = (v if isinstance(v, int) else math.trunc(v) for v in (start, step))
    if dt is D.int64:
        xe = end if isinstance(end, int) else math.trunc(end)
        if xst == 0:
            raise ValueError("step must be nonzero")
        sgn = 1 if xst > 0 else -1
        num = xe - xs + xst - sgn
        n = abs(num) // abs(xst) * (1 if (num >= 0) == (xst > 0) else -1)
    else:
        n = math.ceil((de - ds) / dst)
    if n < 0:
        raise RuntimeError("invalid size, possible overflow?")
    return xs, xst, int(n)


def _arange_values(xs, xst, n: int, dt: D.dtype) -> np.ndarray:
    """The values PyTorch's CPU kernel writes (its vectorised blocks and fused multiply-adds
    included, so float32/float64 results match bit for bit on AVX2 builds)."""
    if not dt.is_floating_point:
        return np.arange(xs, xs + n * xst, xst, dtype=np.int64)[:n].astype(dt.np, copy=False)
    if dt is D.float16:
        return _fma(xst, np.arange(n), xs).astype(np.float32).astype(np.float16)
    w = 8 if dt is D.float32 else 4  # vector width (AVX2) of the kernel's main loop
    main = (n // (2 * w)) * 2 * w
    out = np.empty(n, dtype=dt.np)
    if main:
        base = _fma(xst, np.arange(0, main, w), xs).astype(dt.np).astype(np.float64)
        out[:main] = _fma(np.arange(w)[None, :], xst, base[:, None]).astype(dt.np).ravel()
    out[main:] = _fma(xst, np.arange(main, n), xs).astype(dt.np)
    return out


def _range_args(start, end, step):
    if end is None:
        start, end = 0, start
    vals = []
    for v in (start, end, step):
        v = _number(v)
        if isinstance(v, bool):
            v = int(v)
        if not isinstance(v, (int, float)):
            raise TypeError(f"arange(): argument must be a number, not {type(v).__name__}")
        vals.append(v)
    return vals


@register
class Arange(Creation):
    """Values from start to end (excluded) in steps of step."""

    name = "arange"
    doc = "start, start + step, ... up to end (not included)."
    attrs = (Attr("start", "scalar", 0, "first value", keyword_only=False),
             Attr("end", "scalar", 10, "bound, not included", keyword_only=False),
             Attr("step", "scalar", 1, "spacing", keyword_only=False),
             _dtype_attr("element type (None: int64 for int arguments, else float32)"),
             _DEVICE, _REQUIRES_GRAD)

    def out_dtype(self, attrs):
        vals = _range_args(attrs.get("start", 0), attrs.get("end", 10), attrs.get("step", 1))
        return _range_dtype(vals, attrs.get("dtype"))

    def out_shape(self, attrs):
        vals = _range_args(attrs.get("start", 0), attrs.get("end", 10), attrs.get("step", 1))
        return (_arange_plan(*vals, _range_dtype(vals, attrs.get("dtype")))[2],)

    def forward(self, ctx, start=0, end=10, step=1, dtype=None, **_):
        vals = _range_args(start, end, step)
        dt = _range_dtype(vals, dtype)
        xs, xst, n = _arange_plan(*vals, dt)
        return _host_to(ctx.xp, _arange_values(xs, xst, n, dt))


# ---- linspace -----------------------------------------------------------------------------


def _linspace_values(start, end, steps: int, dt: D.dtype) -> np.ndarray:
    """PyTorch's CPU linspace: the first half counts up from start, the second down from end,
    each value one fused multiply-add."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    if dt is D.bool_:
        raise NotImplementedError("\"linspace_cpu\" not implemented for 'Bool'")
    if steps == 0:
        return np.empty(0, dtype=dt.np)
    s = _cast(np.array(float(start)), dt) if not isinstance(start, int) else np.array(start,
                                                                                      dt.np)
    e = _cast(np.array(float(end)), dt) if not isinstance(end, int) else np.array(end, dt.np)
    if steps == 1:
        return s.reshape(1).astype(dt.np)
    idx = np.arange(steps)
    half = steps // 2
    if dt is D.float16:
        s, e = s.astype(np.float16), e.astype(np.float16)
        step = (e - s) / np.float16(steps - 1)
        fi = idx.astype(np.float16)
        up = s + step * fi
        down = e - step * (steps - idx - 1).astype(np.float16)
        return np.where(idx < half, up, down).astype(np.float16)
    if dt.is_floating_point:
        step = (e - s) / dt.np.type(steps - 1)
    else:
        step = (float(e) - float(s)) / (steps - 1)
    sf, ef = float(s), float(e)
    up = _fma(step, idx, sf)
    down = _fma(-step, steps - idx - 1, ef)
    out = np.where(idx < half, up, down)
    return _cast(out, dt)


@register
class Linspace(Creation):
    """steps evenly spaced values from start to end (both included)."""

    name = "linspace"
    doc = "steps evenly spaced values from start to end, inclusive."
    attrs = (Attr("start", "scalar", 0.0, "first value", keyword_only=False),
             Attr("end", "scalar", 1.0, "last value", keyword_only=False),
             Attr("steps", "int", 10, "how many values", range=(0, None), keyword_only=False),
             _dtype_attr(), _DEVICE, _REQUIRES_GRAD)

    def out_shape(self, attrs):
        steps = attrs.get("steps", 10)
        if steps < 0:
            raise RuntimeError("number of steps must be non-negative")
        return (steps,)

    def forward(self, ctx, start=0.0, end=1.0, steps=10, dtype=None, **_):
        dt = _dt(dtype)
        return _host_to(ctx.xp, _linspace_values(_number(start), _number(end), int(steps), dt))


# ---- random -------------------------------------------------------------------------------


def _not_implemented(kernel: str, dt: D.dtype):
    from ..autograd.graph import _scalar_type_name
    return NotImplementedError(f"\"{kernel}\" not implemented for '{_scalar_type_name(dt)}'")


@register
class Rand(Creation):
    """Uniform random numbers in [0, 1)."""

    name = "rand"
    doc = "Uniform random numbers in [0, 1)."
    attrs = (_SIZE, _dtype_attr(), _DEVICE, _REQUIRES_GRAD)

    def forward(self, ctx, size=(), dtype=None, **_):
        dt = _dt(dtype)
        if not dt.is_floating_point:
            raise _not_implemented("check_uniform_bounds", dt)
        g = _random.generator()
        arr = g.random(_check_size(size), dtype=np.float64 if dt is D.float64 else np.float32)
        arr = arr.astype(dt.np, copy=False)
        if dt is D.float16:  # rounding must not reach 1
            arr[arr >= 1] = np.nextafter(np.float16(1), np.float16(0))
        return _host_to(ctx.xp, arr)


@register
class Randn(Creation):
    """Standard normal random numbers."""

    name = "randn"
    doc = "Random numbers from the standard normal distribution."
    attrs = (_SIZE, _dtype_attr(), _DEVICE, _REQUIRES_GRAD)

    def forward(self, ctx, size=(), dtype=None, **_):
        dt = _dt(dtype)
        if not dt.is_floating_point:
            raise _not_implemented("normal_kernel_cpu", dt)
        g = _random.generator()
        arr = g.standard_normal(_check_size(size),
                                dtype=np.float64 if dt is D.float64 else np.float32)
        return _host_to(ctx.xp, arr.astype(dt.np, copy=False))


@register
class Randint(Creation):
    """Random integers in [low, high)."""

    name = "randint"
    doc = "Random integers from low (included) to high (excluded)."
    attrs = (Attr("low", "int", 0, "smallest value", keyword_only=False),
             Attr("high", "int", 10, "bound, not included", keyword_only=False),
             _SIZE, _dtype_attr("element type (None: int64)"), _DEVICE, _REQUIRES_GRAD)

    def out_dtype(self, attrs):
        return _dt(attrs.get("dtype"), D.int64)

    def forward(self, ctx, low=0, high=10, size=(), dtype=None, **_):
        low, high = int(_number(low)), int(_number(high))
        if low >= high:
            raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                               f"from={low} >= to={high}")
        dt = _dt(dtype, D.int64)
        g = _random.generator()
        arr = g.integers(low, high, _check_size(size), dtype=np.int64)
        return _host_to(ctx.xp, arr.astype(dt.np, copy=False))


@register
class Randperm(Creation):
    """A random permutation of 0 .. n-1."""

    name = "randperm"
    doc = "A random permutation of the integers 0 to n - 1."
    attrs = (Attr("n", "int", 10, "how many", range=(0, None), keyword_only=False),
             _dtype_attr("element type (None: int64)"), _DEVICE, _REQUIRES_GRAD)

    def out_dtype(self, attrs):
        return _dt(attrs.get("dtype"), D.int64)

    def out_shape(self, attrs):
        return (attrs.get("n", 10),)

    def forward(self, ctx, n=10, dtype=None, **_):
        if n < 0:
            raise RuntimeError(f"n must be non-negative, got{n}")
        arr = _random.generator().permutation(int(n))
        return _host_to(ctx.xp, arr.astype(_dt(dtype, D.int64).np, copy=False))


# ---- from a file --------------------------------------------------------------------------


def _load_file(path: str) -> np.ndarray:
    p = str(path)
    if p.lower().endswith(".npy"):
        arr = np.load(p, allow_pickle=False)
        D.from_numpy_dtype(arr.dtype)
        return arr
    if p.lower().endswith((".csv", ".txt")):
        return np.loadtxt(p, delimiter=",", ndmin=1).astype(D.get_default_dtype().np)
    raise ValueError(f"from_file reads .npy and .csv files, not {p!r}")


@register
class FromFile(Creation):
    """A tensor read from a .npy file (any supported dtype) or a .csv file of numbers."""

    name = "from_file"
    doc = "Load a tensor from a .npy file or a comma-separated .csv file (default float)."
    attrs = (Attr("path", "path", "", "a .npy or .csv file", keyword_only=False),
             _dtype_attr("element type (None: the file's; .csv gives float32)"),
             _DEVICE, _REQUIRES_GRAD)

    def out_dtype(self, attrs):
        if attrs.get("dtype") is not None:
            return D.to_dtype(attrs["dtype"])
        return D.from_numpy_dtype(_load_file(attrs["path"]).dtype)

    def out_shape(self, attrs):
        return tuple(_load_file(attrs["path"]).shape)

    def forward(self, ctx, path="", dtype=None, **_):
        arr = _load_file(path)
        if dtype is not None:
            arr = _cast(arr, D.to_dtype(dtype))
        return _host_to(ctx.xp, arr)


def create(op, attrs: dict) -> Tensor:
    """Run creation op ``op`` (an OpDef or its key) with graph attributes, honouring its
    ``device`` and ``requires_grad`` attributes (what a source node of the graph calls)."""
    from .registry import get_op
    if isinstance(op, str):
        op = get_op(op)
    attrs = dict(attrs)
    dev = attrs.pop("device", None)
    rg = attrs.pop("requires_grad", False)
    return _make(op, dev, bool(rg), attrs)


# --------------------------------------------------------------------------------------
# public functions


def tensor(data, *, dtype=None, device=None, requires_grad: bool = False,
           pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (PyTorch's dtype inference)."""
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use "
            "sourceTensor.detach().clone() or sourceTensor.detach().clone().requires_grad_(True), "
            "rather than torch.tensor(sourceTensor).", UserWarning, stacklevel=2)
        if device is None:
            device = data._device
    arr = _infer_array(data, dtype is not None)
    if dtype is not None:
        arr = _cast(arr, D.to_dtype(dtype))
    return _finish(arr, canonical(device), requires_grad)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` itself when it already is a tensor of that dtype and device; shares a numpy
    array's memory where it can; copies otherwise."""
    if isinstance(data, Tensor):
        if (dtype is None or D.to_dtype(dtype) is data._dtype) and \
                (device is None or canonical(device) == data._device):
            return data
        return to_copy(data, device=device, dtype=dtype)
    if isinstance(data, np.ndarray) and (dtype is None or D.to_dtype(dtype).np == data.dtype) \
            and (device is None or canonical(device) is CPU):
        return from_numpy(data)
    arr = _infer_array(data, dtype is not None)
    if dtype is not None:
        arr = _cast(arr, D.to_dtype(dtype))
    return _finish(arr, canonical(device), False)


asarray = as_tensor


def from_numpy(ndarray: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``ndarray``."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    D.from_numpy_dtype(ndarray.dtype)
    return _wrap(ndarray, CPU)


def from_file(path: str, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """A tensor loaded from a .npy file (no pickles) or a .csv file of numbers."""
    return _make(FromFile.INSTANCE, device, requires_grad, {"path": path, "dtype": dtype})


def _sizes_attrs(sizes: tuple, size, dtype) -> dict:
    """Sizes as varargs, one sequence, or the ``size=`` keyword, as PyTorch takes them."""
    if sizes and size is not None:
        raise TypeError("size given both positionally and as a keyword")
    return {"size": _size_args(sizes if sizes else (size,)), "dtype": dtype}


def empty(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False, out=None,
          memory_format=None, pin_memory: bool = False) -> Tensor:
    """An uninitialised tensor."""
    return _make(Empty.INSTANCE, device, requires_grad, _sizes_attrs(sizes, size, dtype))


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """A tensor of zeros."""
    return _make(Zeros.INSTANCE, device, requires_grad, _sizes_attrs(sizes, size, dtype))


def ones(*sizes, size=None, dtype=None, device=None, requires_grad: bool = False, out=None) -> Tensor:
    """A tensor of ones."""
    return _make(Ones.INSTANCE, device, requires_grad, _sizes_attrs(sizes, size, dtype))


def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False,
         out=None) -> Tensor:
    """A tensor filled with ``fill_value``; its dtype follows the value when not given."""
    return _make(Full.INSTANCE, device, requires_grad,
                 {"size": _size_args((size,)), "fill_value": fill_value, "dtype": dtype})


def eye(n: int, m: int | None = None, *, dtype=None, device=None,
        requires_grad: bool = False, out=None) -> Tensor:
    """An identity matrix (n x m)."""
    return _make(Eye.INSTANCE, device, requires_grad,
                 {"n": int(_number(n)), "m": None if m is None else int(_number(m)),
                  "dtype": dtype})


def arange(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False,
           out=None) -> Tensor:
    """``arange(end)``, ``arange(start, end)``, ``arange(start, end, step)``; int arguments give
    int64, any float gives the default float dtype."""
    return _make(Arange.INSTANCE, device, requires_grad,
                 {"start": start, "end": end, "step": step, "dtype": dtype}
                 if end is not None else {"start": 0, "end": start, "step": step, "dtype": dtype})


def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False,
             out=None) -> Tensor:
    """``steps`` evenly spaced values from start to end, inclusive."""
    return _make(Linspace.INSTANCE, device, requires_grad,
                 {"start": start, "end": end, "steps": int(_number(steps)), "dtype": dtype})


def rand(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False,
         out=None) -> Tensor:
    """Uniform random numbers in [0, 1)."""
    return _make(Rand.INSTANCE, device, requires_grad, _sizes_attrs(sizes, size, dtype))


def randn(*sizes, size=None, generator=None, dtype=None, device=None, requires_grad: bool = False,
          out=None) -> Tensor:
    """Standard normal random numbers."""
    return _make(Randn.INSTANCE, device, requires_grad, _sizes_attrs(sizes, size, dtype))


def randint(*args, size=None, low=None, high=None, generator=None, dtype=None, device=None,
            requires_grad: bool = False, out=None) -> Tensor:
    """``randint(high, size)`` or ``randint(low, high, size)``: integers in [low, high)."""
    args = list(args)
    if size is None:
        if not args:
            raise TypeError("randint() missing required argument 'size'")
        size = args.pop()
    if high is None:
        if not args:
            raise TypeError("randint() missing required argument 'high'")
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if args:
        raise TypeError("randint() takes at most 3 positional arguments")
    for name, v in (("low", low), ("high", high)):
        if isinstance(_number(v), float):
            raise TypeError(f"randint(): argument '{name}' must be int, not float")
    return _make(Randint.INSTANCE, device, requires_grad,
                 {"low": low, "high": high, "size": _size_args((size,)), "dtype": dtype})


def randperm(n: int, *, generator=None, dtype=None, device=None,
             requires_grad: bool = False, out=None) -> Tensor:
    """A random permutation of 0 .. n-1 (int64)."""
    return _make(Randperm.INSTANCE, device, requires_grad, {"n": int(n), "dtype": dtype})


def _like(input: Tensor, dtype, device):
    return (input.shape, input._dtype if dtype is None else dtype,
            input._device if device is None else device)


def zeros_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """Zeros with ``input``'s shape, dtype and device."""
    s, dt, dev = _like(input, dtype, device)
    return zeros(s, dtype=dt, device=dev, requires_grad=requires_grad)


def ones_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """Ones with ``input``'s shape, dtype and device."""
    s, dt, dev = _like(input, dtype, device)
    return ones(s, dtype=dt, device=dev, requires_grad=requires_grad)


def full_like(input: Tensor, fill_value, *, dtype=None, device=None,
              requires_grad: bool = False, memory_format=None) -> Tensor:
    """``fill_value`` with ``input``'s shape, dtype and device."""
    s, dt, dev = _like(input, dtype, device)
    return full(s, fill_value, dtype=dt, device=dev, requires_grad=requires_grad)


def empty_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """An uninitialised tensor with ``input``'s shape, dtype and device."""
    s, dt, dev = _like(input, dtype, device)
    return empty(s, dtype=dt, device=dev, requires_grad=requires_grad)


def rand_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
              memory_format=None) -> Tensor:
    """Uniform random numbers with ``input``'s shape, dtype and device."""
    s, dt, dev = _like(input, dtype, device)
    return rand(s, dtype=dt, device=dev, requires_grad=requires_grad)


def randn_like(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False,
               memory_format=None) -> Tensor:
    """Normal random numbers with ``input``'s shape, dtype and device."""
    s, dt, dev = _like(input, dtype, device)
    return randn(s, dtype=dt, device=dev, requires_grad=requires_grad)


def randint_like(input: Tensor, low=0, high=None, *, dtype=None, device=None,
                 requires_grad: bool = False, memory_format=None) -> Tensor:
    """``randint_like(input, high)`` or ``(input, low, high)`` with ``input``'s shape."""
    if high is None:
        low, high = 0, low
    s, dt, dev = _like(input, dtype, device)
    return randint(low, high, s, dtype=dt, device=dev, requires_grad=requires_grad)


# --------------------------------------------------------------------------------------
# legacy typed constructors: FloatTensor, LongTensor, ...


class _LegacyTensorType(type):
    """Metaclass of ``FloatTensor`` & co: ``isinstance`` checks a CPU tensor's dtype."""

    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor) and obj._dtype is cls._legacy_dtype and \
            obj._device.type == "cpu"

    def __repr__(cls) -> str:
        return f"<class 'torch.{cls.__name__}'>"


def _legacy_new(cls, *args, device=None):
    dt = cls._legacy_dtype
    if not args:
        return empty(0, dtype=dt, device=device)
    if len(args) == 1 and not isinstance(args[0], Size):
        a = args[0]
        if isinstance(a, Tensor):
            if a._dtype is not dt:
                raise TypeError(f"expected {dt} (got {a._dtype})")
            return a.detach()
        if isinstance(a, (list, tuple, np.ndarray)):
            return tensor(a, dtype=dt, device=device)
        if isinstance(a, (float, bool)):
            raise TypeError(f"new(): data must be a sequence (got {type(a).__name__})")
    return empty(*args, dtype=dt, device=device)


_typed_classes: dict[str, type] = {}


def typed_tensor_class(name: str) -> type:
    """The legacy constructor class ``name`` ('FloatTensor', ...): ``FloatTensor(2, 3)`` is an
    uninitialised float32 tensor, ``IntTensor([2.5, 3.3])`` is ``[2, 3]`` int32; the class
    works with ``Tensor.type`` and ``isinstance``."""
    cls = _typed_classes.get(name)
    if cls is None:
        from ..autograd.graph import _LEGACY
        by_name = {v: k for k, v in _LEGACY.items()}
        if name not in by_name:
            raise AttributeError(f"module 'engine' has no attribute '{name}'")
        cls = _LegacyTensorType(name, (Tensor,), {
            "__slots__": (), "__new__": _legacy_new, "_legacy_dtype": D.to_dtype(by_name[name]),
            "__module__": "engine", "__doc__": f"Legacy constructor of {by_name[name]} tensors."})
        _typed_classes[name] = cls
    return cls


# --------------------------------------------------------------------------------------
# moves between devices and dtypes


def to_copy(t: Tensor, device=None, dtype=None, copy: bool = False) -> Tensor:
    """``Tensor.to``: the same tensor when nothing changes, else a differentiable copy."""
    from .shape import to_copy_op
    dev = canonical(device) if device is not None else t._device
    dt = D.to_dtype(dtype) if dtype is not None else t._dtype
    if dev == t._device and dt is t._dtype and not copy:
        return t
    return to_copy_op(t, dev, dt)
