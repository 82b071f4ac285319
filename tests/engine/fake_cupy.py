"""A stand-in for cupy, so the engine's GPU paths can be tested on a machine without a GPU.

``make()`` returns a module object with the parts of cupy the engine uses: ``ndarray`` (a numpy
subclass, so every computation is numpy's but arrays are told apart from host arrays),
``asarray``/``array``/``asnumpy``/``get_array_module``, the array functions and ufuncs,
``cuda.runtime.getDeviceCount``, ``cuda.Device`` (a context manager), ``cuda.Event`` with
``cuda.get_elapsed_time``, ``cuda.Stream.null``, ``get_default_memory_pool()`` and
``cuda.memory.OutOfMemoryError``.

It refuses what real cupy refuses, so code that would break on a GPU breaks here too:

- a host (numpy) array as an operand of a ufunc or of a cupy function:
  ``TypeError: Unsupported type <class 'numpy.ndarray'>``;
- ``numpy.asarray(gpu_array)`` and friends (once :func:`guard_numpy` is applied):
  ``TypeError: Implicit conversion to a NumPy array is not allowed...``;
- ``numpy.<function>(gpu_array)`` called directly (numpy's ``__array_function__``; real cupy
  forwards those it implements, the engine's rule is ``ctx.xp``): a TypeError naming the
  function, recorded in :data:`VIOLATIONS` (``(function name, caller file:line)``);
- ``gpu_array[basic index] = host_array``: cupy's ``fill`` takes scalars only;
- ``cupy.<name>`` for numpy names cupy lacks (``errstate``...): AttributeError;
- ``array.flags.writeable`` (cupy's flags are only c/f_contiguous and owndata) and
  ``array.__array_interface__`` (device memory): AttributeError;
- ``add.at`` on dtypes CUDA's atomicAdd lacks (int64, int8, bool...): TypeError.

And it allows what cupy allows where numpy would not: broadcast views can be written (several
elements at one address), ``copy()`` lands on the current device.

Each ``make()`` has its own device count, current device, event clock and memory limit
(``oom_above``: allocations larger than this many bytes raise ``OutOfMemoryError``).
"""
from __future__ import annotations

import time
import traceback
import types
import weakref

import numpy as np

_HOST_ERR = ("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
             "construct a NumPy array explicitly.")

#: (numpy function name, "file:line" of the engine call) for each refused numpy call
VIOLATIONS: list[tuple[str, str]] = []

#: numpy functions harmless on a GPU array (metadata, printing) and implemented by cupy
_META_OK = {"shape", "ndim", "size", "result_type", "can_cast", "array_repr", "array_str",
            "array2string", "may_share_memory", "shares_memory", "iterable", "isscalar",
            "min_scalar_type", "ravel_multi_index", "unravel_index"}
#: numpy names that cupy does not have
_NOT_IN_CUPY = {"errstate", "seterr", "geterr", "nditer", "frompyfunc", "fromiter", "loadtxt",
                "genfromtxt", "ma", "char", "rec", "object_", "str_", "bytes_", "void",
                "busday_count", "datetime_as_string", "set_printoptions", "get_printoptions",
                "printoptions", "asmatrix", "matrix", "memmap", "recarray", "chararray",
                "DataSource"}
#: cupy functions that take host data (copying it to the device)
_TAKES_HOST = {"asarray", "array", "asanyarray", "take", "put", "place"}

_active = None  # the fake module most recently made


class OutOfMemoryError(MemoryError):
    """``cupy.cuda.memory.OutOfMemoryError`` (a MemoryError, as cupy's is)."""

    def __init__(self, size: int, total: int, limit: int = 0):
        self.size, self.total, self.limit = size, total, limit
        super().__init__(f"Out of memory allocating {size:,} bytes (allocated so far: "
                         f"{total:,} bytes).")


class CUDARuntimeError(RuntimeError):
    """``cupy_backends.cuda.api.runtime.CUDARuntimeError``."""

    def __init__(self, status: str, text: str):
        self.status = status
        super().__init__(f"{status}: {text}")


# --------------------------------------------------------------------------------------
# the array type


def _unwrap(x):
    """Base-class views of fake arrays, through lists and tuples."""
    if isinstance(x, ndarray):
        return x.view(np.ndarray)
    if type(x) in (list, tuple):
        return type(x)(_unwrap(v) for v in x)
    return x


def _refuse_host(x, where: str) -> None:
    """cupy's error for a host array where a device array (or a scalar) must be."""
    if type(x) is np.ndarray or (isinstance(x, np.ndarray) and not isinstance(x, ndarray)):
        raise TypeError(f"Unsupported type {np.ndarray}")
    if type(x) in (list, tuple):
        for v in x:
            if isinstance(v, np.ndarray) and not isinstance(v, ndarray):
                raise TypeError(f"Unsupported type {np.ndarray} (in {where})")


def _to_fake(r, dev=None):
    """numpy results as device arrays: arrays viewed as ``ndarray``, numpy scalars as 0-dim
    arrays (cupy's reductions and indexing return 0-dim arrays, never numpy scalars)."""
    if isinstance(r, ndarray):
        return r
    if isinstance(r, np.ndarray):
        _alloc_check(r)
        v = r.view(ndarray)
        if dev is not None:
            v._device_id = dev
        return v
    if isinstance(r, np.generic):
        v = np.asarray(r).view(ndarray)
        if dev is not None:
            v._device_id = dev
        return v
    if type(r) in (tuple, list):
        return type(r)(_to_fake(x, dev) for x in r)
    return r


def _alloc_check(r: np.ndarray) -> None:
    fake = _active
    if fake is None or fake._oom_above is None or r.base is not None:
        return
    if r.nbytes > fake._oom_above:
        raise OutOfMemoryError(r.nbytes, fake.get_default_memory_pool().used_bytes())


class _DeviceRef:
    """``cupy.cuda.Device`` as ``array.device`` gives it (``.id``)."""

    __slots__ = ("id",)

    def __init__(self, i: int):
        self.id = i

    def __repr__(self):
        return f"<CUDA Device {self.id}>"

    def __eq__(self, other):
        return getattr(other, "id", None) == self.id

    def __hash__(self):
        return hash(self.id)


class _MemPtr:
    __slots__ = ("ptr", "device_id")

    def __init__(self, ptr: int, device_id: int):
        self.ptr, self.device_id = ptr, device_id


class _Flags:
    """``cupy.ndarray.flags``: only the contiguity flags and owndata (no ``writeable``:
    cupy has no read-only arrays, and its broadcast views can be written)."""

    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, c: bool, f: bool, own: bool):
        self.c_contiguous, self.f_contiguous, self.owndata = c, f, own

    @property
    def fnc(self):
        return self.f_contiguous and not self.c_contiguous

    @property
    def forc(self):
        return self.f_contiguous or self.c_contiguous

    def __getitem__(self, name):
        try:
            return {"C_CONTIGUOUS": self.c_contiguous, "F_CONTIGUOUS": self.f_contiguous,
                    "OWNDATA": self.owndata}[name]
        except KeyError:
            raise KeyError(f"{name} is not defined for cupy.ndarray.flags") from None


_NP_FLAGS = np.ndarray.flags
_NP_AI = np.ndarray.__array_interface__


class ndarray(np.ndarray):
    """A 'device' array: numpy's memory and arithmetic, cupy's manners."""

    _device_id = 0

    def __array_finalize__(self, obj):
        d = getattr(obj, "_device_id", None)
        if d is None:
            d = _active._current if _active is not None else 0
        self._device_id = d
        if _active is not None and obj is not None and not isinstance(obj, ndarray):
            _active._track(self)

    # ---- cupy's attributes ---------------------------------------------------------
    @property
    def device(self):
        return _DeviceRef(self._device_id)

    @property
    def flags(self):
        f = _NP_FLAGS.__get__(self)
        return _Flags(f.c_contiguous, f.f_contiguous, f.owndata)

    @property
    def data(self):
        return _MemPtr(_NP_AI.__get__(self)["data"][0], self._device_id)

    @property
    def __array_interface__(self):  # device memory has none (only __cuda_array_interface__)
        raise AttributeError("'cupy.ndarray' object has no attribute '__array_interface__'")

    @property
    def __cuda_array_interface__(self):
        return _NP_AI.__get__(self)

    def __iter__(self):  # rows as device arrays (0-dim ones for a vector), never host scalars
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def get(self, stream=None, order="C", out=None, blocking=True):
        """A host copy (``cupy.ndarray.get``)."""
        h = np.array(self.view(np.ndarray), order=order, copy=True)
        if out is not None:
            out[...] = h
            return out
        return h

    def __repr__(self):
        return repr(self.view(np.ndarray))

    __str__ = __repr__

    # ---- numpy protocols -----------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        for x in inputs:
            _refuse_host(x, f"{ufunc.__name__}.{method}")
        if method == "at" and len(inputs) >= 3:
            _check_scatter_dtype(ufunc, inputs[0])
        dev = self._device_id
        out = kwargs.get("out")
        if out is not None:
            for o in out:
                if o is not None and not isinstance(o, ndarray):
                    raise TypeError(f"Output arguments must be cupy arrays, got {type(o)}")
            kwargs["out"] = tuple(o.view(np.ndarray) if o is not None else None for o in out)
        res = getattr(ufunc, method)(*_unwrap(inputs), **kwargs)
        if method == "at":
            return None
        if out is not None:
            return out[0] if len(out) == 1 else out
        return _to_fake(res, dev)

    def __array_function__(self, func, types_, args, kwargs):
        name = func.__name__
        if name in _META_OK:
            return func(*_unwrap(args), **_unwrap(kwargs))
        where = _caller()
        VIOLATIONS.append((name, where))
        raise TypeError(
            f"numpy.{name} was called on a GPU (cupy) array at {where}; the engine must use "
            f"ctx.xp.{name} (cupy.{name}), never numpy on device data")

    def __reduce__(self):
        raise TypeError("GPU arrays are not pickled")

    # ---- where numpy would give host scalars or host arrays --------------------------
    def __getitem__(self, key):
        r = super().__getitem__(_unwrap(key) if isinstance(key, (tuple, list)) else key)
        return _to_fake(r, self._device_id)

    def __setitem__(self, key, value):
        if isinstance(value, np.ndarray) and not isinstance(value, ndarray) and \
                not _has_array_index(key):
            raise TypeError(f"Unsupported type {np.ndarray}")
        super().__setitem__(key, value)

    def copy(self, order="C"):
        """A copy on the current device (as cupy's, whichever device ``self`` is on)."""
        c = super().copy(order)
        c._device_id = _active._current if _active is not None else 0
        return c

    def argmax(self, *a, **k):
        return _to_fake(super().argmax(*a, **k), self._device_id)

    def argmin(self, *a, **k):
        return _to_fake(super().argmin(*a, **k), self._device_id)

    def nonzero(self):
        return tuple(_to_fake(x, self._device_id) for x in self.view(np.ndarray).nonzero())

    def searchsorted(self, *a, **k):
        return _to_fake(super().searchsorted(*a, **k), self._device_id)

    def tobytes(self, order="C"):
        raise TypeError(_HOST_ERR)


def _has_array_index(key) -> bool:
    ks = key if isinstance(key, tuple) else (key,)
    return any(isinstance(k, (np.ndarray, list)) for k in ks)


_SCATTER_OK = {np.dtype(t) for t in (np.int32, np.float16, np.float32, np.float64, np.uint32,
                                     np.uint64)}


def _check_scatter_dtype(ufunc, a) -> None:
    """cupy's ``ufunc.at`` uses atomics: add only on the dtypes CUDA's atomicAdd knows."""
    if ufunc is np.add and a.dtype not in _SCATTER_OK:
        raise TypeError("scatter_add only supports int32, float16, float32, float64, "
                        "uint32, uint64, as data type")


def _caller() -> str:
    """'file:line' of the innermost engine frame of the current stack."""
    for fs in reversed(traceback.extract_stack()[:-2]):
        if "/engine/" in fs.filename.replace("\\", "/"):
            return f"{fs.filename.split('/engine/')[-1]}:{fs.lineno}"
    return "?"


# --------------------------------------------------------------------------------------
# the module


class _Namespace(types.ModuleType):
    """A cupy (sub)module: numpy's functions on device arrays, device arrays out."""

    def __init__(self, name: str, np_mod, host_ok=()):
        super().__init__(name)
        self._np_mod = np_mod
        self._host_ok = set(host_ok)

    def __getattr__(self, name):
        if name.startswith("__") or name in _NOT_IN_CUPY:
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'")
        try:
            obj = getattr(self._np_mod, name)
        except AttributeError:
            raise AttributeError(f"module '{self.__name__}' has no attribute '{name}'") \
                from None
        if isinstance(obj, np.ufunc):
            res = _Ufunc(obj)
        elif isinstance(obj, (type, int, float, str, tuple)) or obj is None:
            res = obj  # dtypes, constants, newaxis
        elif isinstance(obj, types.ModuleType):
            res = _Namespace(f"{self.__name__}.{name}", obj)
        elif callable(obj):
            res = _function(obj, name, name in self._host_ok)
        else:
            res = obj
        setattr(self, name, res)
        return res


def _function(fn, name: str, host_ok: bool):
    def call(*args, **kwargs):
        if not host_ok:
            for x in args:
                _refuse_host(x, name)
            for x in kwargs.values():
                _refuse_host(x, name)
        dev = next((x._device_id for x in args if isinstance(x, ndarray)), None)
        out = kwargs.get("out")
        res = fn(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()})
        if isinstance(out, ndarray):
            return out
        return _to_fake(res, dev)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"cupy.{name} (fake: numpy.{name} on device arrays)"
    return call


class _Ufunc:
    """A cupy ufunc: numpy's, through the device array's ``__array_ufunc__``."""

    __slots__ = ("_u", "__name__")

    def __init__(self, u: np.ufunc):
        self._u = u
        self.__name__ = u.__name__

    def _args(self, args):
        for x in args:
            _refuse_host(x, self.__name__)
        if not any(isinstance(x, ndarray) for x in args):  # scalars only: a 0-dim result
            return tuple(_to_fake(np.asarray(x)) if isinstance(x, (int, float, bool, np.generic))
                         else x for x in args[:1]) + tuple(args[1:])
        return args

    def __call__(self, *args, **kwargs):
        return self._u(*self._args(args), **kwargs)

    def reduce(self, *args, **kwargs):
        return self._u.reduce(*self._args(args), **kwargs)

    def accumulate(self, *args, **kwargs):
        return self._u.accumulate(*self._args(args), **kwargs)

    def outer(self, *args, **kwargs):
        return self._u.outer(*self._args(args), **kwargs)

    def reduceat(self, *args, **kwargs):
        return self._u.reduceat(*self._args(args), **kwargs)

    def at(self, a, indices, b=None):
        if not isinstance(a, ndarray):
            raise TypeError(f"Unsupported type {type(a)}")
        if isinstance(b, np.ndarray) and not isinstance(b, ndarray):
            raise TypeError(f"Unsupported type {np.ndarray}")
        _check_scatter_dtype(self._u, a)
        idx = _unwrap(indices) if isinstance(indices, (tuple, list, ndarray)) else indices
        if b is None:
            self._u.at(a.view(np.ndarray), idx)
        else:
            self._u.at(a.view(np.ndarray), idx, _unwrap(b))

    def __getattr__(self, name):
        return getattr(self._u, name)


class _Event:
    """``cupy.cuda.Event``: ``record()`` takes the time of the (fake) stream."""

    def __init__(self, fake, block=False, disable_timing=False, interprocess=False):
        self._fake = fake
        self.t = None
        self.synchronized = 0

    def record(self, stream=None):
        self.t = self._fake._clock()

    def synchronize(self):
        self.synchronized += 1

    @property
    def done(self):
        return True


class _Device:
    """``cupy.cuda.Device(i)``: a context manager making ``i`` current."""

    def __init__(self, fake, device=None):
        self._fake = fake
        self.id = fake._current if device is None else int(device)
        self._prev: list[int] = []

    def __enter__(self):
        n = self._fake._count
        if not 0 <= self.id < n:
            raise CUDARuntimeError("cudaErrorInvalidDevice", "invalid device ordinal")
        self._prev.append(self._fake._current)
        self._fake._current = self.id
        return self

    def __exit__(self, *exc):
        self._fake._current = self._prev.pop()
        return False

    def use(self):
        self._fake._current = self.id

    def synchronize(self):
        self._fake.syncs += 1

    @property
    def compute_capability(self):
        return "90"

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


class _MemoryPool:
    def __init__(self, fake):
        self._fake = fake

    def used_bytes(self) -> int:
        """Bytes of the live device buffers (each owning array once)."""
        seen, total = set(), 0
        for ref in list(self._fake._live.values()):
            a = ref()
            if a is None:
                continue
            base = a
            while isinstance(base, np.ndarray) and base.base is not None:
                base = base.base
            if id(base) not in seen:
                seen.add(id(base))
                total += base.nbytes if isinstance(base, np.ndarray) else a.nbytes
        return total

    def total_bytes(self) -> int:
        return self.used_bytes()

    def free_all_blocks(self) -> None:
        pass


class FakeCupy(_Namespace):
    """The fake ``cupy`` module (see the module docstring)."""

    ndarray = ndarray

    def __init__(self, device_count: int = 1, oom_above: int | None = None):
        super().__init__("cupy", np, _TAKES_HOST)
        self.__file__ = __file__
        self._count = device_count
        self._current = 0
        self._oom_above = oom_above
        self._live: dict[int, weakref.ref] = {}
        self._t = 0.0
        self.syncs = 0
        self.events: list[_Event] = []
        self._pool = _MemoryPool(self)
        fake = self

        class Event(_Event):
            def __init__(self, block=False, disable_timing=False, interprocess=False):
                super().__init__(fake, block, disable_timing, interprocess)
                fake.events.append(self)

        class Device(_Device):
            def __init__(self, device=None):
                super().__init__(fake, device)

        class _NullStream:
            def synchronize(self):
                fake.syncs += 1

        def getDeviceCount():
            if isinstance(fake._count, BaseException):
                raise fake._count
            return fake._count

        def get_elapsed_time(start, end):
            if start.t is None or end.t is None:
                raise CUDARuntimeError("cudaErrorInvalidResourceHandle", "event not recorded")
            return (end.t - start.t) * 1000.0

        runtime = types.SimpleNamespace(getDeviceCount=getDeviceCount,
                                        CUDARuntimeError=CUDARuntimeError,
                                        getDevice=lambda: fake._current,
                                        getDeviceProperties=lambda i: {"name": b"Fake GPU"})
        memory = types.SimpleNamespace(OutOfMemoryError=OutOfMemoryError)
        self.cuda = types.SimpleNamespace(
            runtime=runtime, memory=memory, Device=Device, Event=Event,
            get_elapsed_time=get_elapsed_time,
            Stream=types.SimpleNamespace(null=_NullStream()),
            get_current_stream=lambda: _NullStream(),
            is_available=lambda: not isinstance(fake._count, BaseException) and fake._count > 0)
        self.Device = Device  # not in cupy's top level, but handy
        self.__version__ = "13.6.0-fake"

    def _track(self, a) -> None:
        k = id(a)
        live = self._live
        live[k] = weakref.ref(a, lambda _r, k=k: live.pop(k, None))

    # ---- cupy's top-level functions that are not numpy's -----------------------------
    def asarray(self, a, dtype=None, order=None, *, blocking=False):
        """A device array: ``a`` itself when it already is one (of that dtype), else a copy
        (host data travel to the device)."""
        if isinstance(a, ndarray):
            return a if dtype is None or a.dtype == np.dtype(dtype) else a.astype(dtype)
        return self.array(a, dtype=dtype, order=order or "K")

    def array(self, obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, *,
              blocking=False):
        if isinstance(obj, ndarray):
            if not copy and (dtype is None or obj.dtype == np.dtype(dtype)):
                return obj
            return obj.astype(dtype or obj.dtype, order=order, copy=True)
        h = np.array(_unwrap(obj), dtype=dtype, copy=True, order=order, ndmin=ndmin)
        if h.dtype.kind in "OUSV":
            raise ValueError(f"Unsupported dtype {h.dtype}")
        _alloc_check(h)
        return h.view(ndarray)

    asanyarray = asarray

    def broadcast_to(self, a, shape):
        """A broadcast view that, as cupy's, can be written (numpy's is read-only)."""
        if not isinstance(a, ndarray):
            raise TypeError(f"Unsupported type {type(a)}")
        base = a.view(np.ndarray)
        v = np.broadcast_to(base, shape)
        w = np.lib.stride_tricks.as_strided(base, v.shape, v.strides, writeable=True)
        return _to_fake(w, a._device_id)

    def ascontiguousarray(self, a, dtype=None):
        if not isinstance(a, ndarray):
            raise TypeError(f"Unsupported type {type(a)}")
        return _to_fake(np.ascontiguousarray(a.view(np.ndarray), dtype=dtype), a._device_id)

    def asnumpy(self, a, stream=None, order="C", out=None, blocking=True):
        if isinstance(a, ndarray):
            return a.get(order=order, out=out)
        return np.asarray(a, order=order)

    def get_array_module(self, *args):
        return self if any(isinstance(a, ndarray) for a in args) else np

    def get_default_memory_pool(self):
        return self._pool

    def _clock(self) -> float:
        return time.perf_counter()


def make(device_count: int = 1, oom_above: int | None = None) -> FakeCupy:
    """A fresh fake cupy with ``device_count`` GPUs (or an exception getDeviceCount raises)."""
    global _active
    _active = FakeCupy(device_count, oom_above)
    return _active


def is_fake_gpu_array(a) -> bool:
    return isinstance(a, ndarray)


# --------------------------------------------------------------------------------------
# numpy's converters: refuse host conversion of device arrays

_CONVERTERS = ("asarray", "array", "asanyarray", "ascontiguousarray", "asfortranarray")


def _strict(fn, name: str):
    def conv(a, *args, **kw):
        if isinstance(a, ndarray) or (type(a) in (list, tuple) and
                                      any(isinstance(x, ndarray) for x in a)):
            VIOLATIONS.append((name, _caller()))
            raise TypeError(_HOST_ERR)
        return fn(a, *args, **kw)

    conv.__name__ = conv.__qualname__ = name
    conv.__wrapped__ = fn
    return conv


def guard_numpy(monkeypatch) -> None:
    """Make ``numpy.asarray(device_array)`` (and ``array``, ``asanyarray``,
    ``ascontiguousarray``, ``asfortranarray``) raise cupy's implicit-conversion TypeError, as
    on a GPU; undone by ``monkeypatch``. A numpy subclass cannot refuse this by itself."""
    for name in _CONVERTERS:
        fn = getattr(np, name)
        monkeypatch.setattr(np, name, _strict(getattr(fn, "__wrapped__", fn), name))


# --------------------------------------------------------------------------------------
# as a pytest plugin: PYTHONPATH=tests/engine pytest -p fake_cupy tests/engine/test_gpu.py
# runs the real-GPU tests against the fake (checks the tests themselves, not the GPU)


def pytest_configure(config) -> None:
    import sys
    sys.modules["cupy"] = make(oom_above=2**33)
