"""The Tensor: an array (numpy or cupy) with a dtype, a device and autograd state.

Methods and operators are written out here by hand, one line each, calling the op functions
(``engine.functional``), which call the registry. Nothing is patched on at import.
"""
from __future__ import annotations

import numbers
import weakref
from typing import Any, Callable, Sequence

import numpy as np

from . import _dtype as D
from . import backend
from ._device import CPU, canonical, device
from .autograd import graph as _graph
from .autograd.grad_mode import is_grad_enabled, no_grad

_NP2D = D.BY_NP  # numpy dtype -> engine dtype


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"torch.Size([{', '.join(str(int(n)) for n in self)}])"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


def _wrap(a, dev=CPU) -> "Tensor":
    """A new Tensor around array ``a`` (no copy). numpy scalars become 0-dim arrays."""
    if dev is CPU and type(a) is not np.ndarray:
        a = np.asarray(a)
    t = object.__new__(Tensor)
    t._data = a
    t._dtype = _NP2D[a.dtype]
    t._device = dev
    t._requires_grad = False
    t._grad_fn = None
    t._vbox = [0]
    return t


def _size_args(size) -> tuple[int, ...]:
    """Sizes as varargs or one sequence, as PyTorch accepts them."""
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, Tensor):
            s = s.item()
        if not isinstance(s, (int, np.integer)) or isinstance(s, bool):
            raise TypeError(
                f"expected a sequence of integers or a single integer, got {type(s).__name__}")
        out.append(int(s))
    return tuple(out)


class Tensor:
    """A multi-dimensional array with autograd, behaving as ``torch.Tensor``.

    ``Tensor(2, 3)`` is an uninitialised float32 tensor of that size; ``Tensor([1, 2])`` a
    float32 copy of the data.
    """

    __slots__ = ("_data", "_dtype", "_device", "_requires_grad", "_grad_fn", "_vbox",
                 "__weakref__", "__dict__")
    # rarely set: class defaults, so making a tensor stays cheap
    _grad = None
    _output_nr = 0
    _base = None
    _acc = None
    _hooks_leaf = None
    _retains_grad = False

    __array_priority__ = 1000  # numpy defers to our reflected operators

    def __new__(cls, *args, device=None):
        from .ops import creation

        if len(args) == 1 and isinstance(args[0], (list, tuple, np.ndarray, Tensor, numbers.Number)) \
                and not (isinstance(args[0], int) and not isinstance(args[0], bool)):
            src = args[0]
            t = creation.tensor(src, dtype=D.get_default_dtype(), device=device)
        else:
            t = creation.empty(*args, dtype=D.get_default_dtype(), device=device)
        if cls is not Tensor:
            obj = object.__new__(cls)
            for k in Tensor.__slots__[:-2]:
                setattr(obj, k, getattr(t, k))
            obj.__dict__.update(t.__dict__)
            return obj
        return t

    # ------------------------------------------------------------------ attributes
    @property
    def shape(self) -> Size:
        return Size(self._data.shape)

    def size(self, dim: int | None = None):
        if dim is None:
            return Size(self._data.shape)
        from .ops.registry import wrap_dim
        return self._data.shape[wrap_dim(dim, self._data.ndim)]

    def dim(self) -> int:
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def numel(self) -> int:
        return int(self._data.size)

    nelement = numel

    def element_size(self) -> int:
        return self._dtype.itemsize

    @property
    def nbytes(self) -> int:
        return int(self._data.nbytes)

    @property
    def dtype(self) -> D.dtype:
        return self._dtype

    @property
    def device(self) -> device:
        return self._device

    @property
    def is_cuda(self) -> bool:
        return self._device.type == "cuda"

    @property
    def is_leaf(self) -> bool:
        return self._grad_fn is None

    @property
    def grad_fn(self):
        return self._grad_fn

    @property
    def output_nr(self) -> int:
        return self._output_nr

    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if flag and not self._dtype.is_floating_point:
            raise RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients")
        self.requires_grad_(flag)

    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if self._grad_fn is not None:
            if not requires_grad:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach().")
            return self
        if requires_grad and not self._dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad and self._grad is None:
            import warnings
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                "mistake, make sure you access the leaf Tensor instead.",
                UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value) -> None:
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got grad of "
                                f"type {type(value).__name__}")
            if tuple(value.shape) != tuple(self.shape):
                raise RuntimeError("assigned grad has data of a different size")
            if value._dtype is not self._dtype:
                raise RuntimeError("assigned grad has data of a different type")
        self._grad = value

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def retain_grad(self) -> None:
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        node = self._grad_fn
        if node._retain is None:
            node._retain = {}
        node._retain[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook: Callable) -> _graph.RemovableHandle:
        """``hook(grad)`` runs when the gradient for this tensor is computed; it may return a
        replacement."""
        if not self._requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient")
        k = next(_graph._handle_ids)
        if self._grad_fn is None:
            if self._hooks_leaf is None:
                self._hooks_leaf = {}
            self._hooks_leaf[k] = hook
            return _graph.RemovableHandle(self._hooks_leaf, k)
        node = self._grad_fn
        if node._pre_hooks is None:
            node._pre_hooks = {}
        node._pre_hooks[k] = (self._output_nr, hook)
        return _graph.RemovableHandle(node._pre_hooks, k)

    @property
    def _version(self) -> int:
        return self._vbox[0]

    @property
    def data(self) -> "Tensor":
        """The same storage, detached, with its own version counter (as PyTorch's ``.data``)."""
        t = _wrap(self._data, self._device)
        return t

    @data.setter
    def data(self, value: "Tensor") -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data
        self._dtype = value._dtype
        self._device = value._device

    def is_contiguous(self, memory_format=None) -> bool:
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self) -> bool:
        return self._dtype.is_floating_point

    def is_complex(self) -> bool:
        return False

    def get_device(self) -> int:
        return -1 if self._device.type == "cpu" else self._device.index

    def stride(self, dim: int | None = None):
        st = tuple(s // self._dtype.itemsize for s in self._data.strides)
        return st if dim is None else st[dim]

    def data_ptr(self) -> int:
        if self._device.type == "cpu":
            return int(self._data.__array_interface__["data"][0])
        return int(self._data.data.ptr)

    # ------------------------------------------------------------------ conversion
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar")
        return backend.to_host(self._data).reshape(()).item()

    def tolist(self):
        return backend.to_host(self._data).tolist()

    def numpy(self, *, force: bool = False) -> np.ndarray:
        if force:
            return backend.to_host(self._data).copy() if self._device.type != "cpu" else self._data
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        if self._device.type != "cpu":
            raise TypeError(
                f"can't convert {self._device} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first.")
        return self._data

    def __array__(self, dtype=None, copy=None):
        if self._requires_grad:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead.")
        a = backend.to_host(self._data)
        return a.astype(dtype) if dtype is not None else a

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return iter(self.unbind(0))

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(
                f"Boolean value of Tensor with more than one value is ambiguous")
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self._dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        from ._tensor_str import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self._data.ndim == 0:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __reduce_ex__(self, proto):
        raise TypeError("Tensors are not pickled by this engine; use engine.save (npz, no pickle)")

    def __deepcopy__(self, memo):
        t = self.detach().clone()
        t._requires_grad = self._requires_grad
        if self._grad is not None:
            t._grad = self._grad.detach().clone()
        memo[id(self)] = t
        return t

    # dtype / device moves
    def to(self, *args, **kwargs) -> "Tensor":
        """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(other)``; ``copy=``."""
        dev = kwargs.pop("device", None)
        dt = kwargs.pop("dtype", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for a in args:
            if isinstance(a, Tensor):
                dev, dt = a._device, a._dtype
            elif isinstance(a, D.dtype):
                dt = a
            elif isinstance(a, (str, device, int)) and not isinstance(a, bool):
                if isinstance(a, str) and a.replace("torch.", "") in D._BY_NAME and \
                        not a.startswith(("cpu", "cuda")):
                    dt = D.to_dtype(a)
                else:
                    dev = a
            else:
                raise TypeError(f"to() received an invalid combination of arguments: {a!r}")
        from .ops import creation
        return creation.to_copy(self, device=dev, dtype=dt, copy=copy)

    def cuda(self, device=None, non_blocking: bool = False) -> "Tensor":
        idx = device if isinstance(device, int) else (0 if device is None else None)
        dev = f"cuda:{idx}" if idx is not None else device
        return self.to(dev)

    def cpu(self) -> "Tensor":
        return self.to("cpu")

    def type(self, dtype=None, non_blocking: bool = False):
        if dtype is None:
            return _graph.legacy_type_name(self._dtype, self._device)
        if isinstance(dtype, str) and dtype.endswith("Tensor"):
            name = dtype.split(".")[-1]
            dt = {v: k for k, v in _graph._LEGACY.items()}[name]
            return self.to(D.to_dtype(dt))
        if isinstance(dtype, type) and issubclass(dtype, Tensor) and hasattr(dtype, "_legacy_dtype"):
            return self.to(dtype._legacy_dtype)
        return self.to(D.to_dtype(dtype))

    def type_as(self, other: "Tensor") -> "Tensor":
        return self.to(other._dtype)

    def float(self) -> "Tensor":
        return self.to(D.float32)

    def double(self) -> "Tensor":
        return self.to(D.float64)

    def half(self) -> "Tensor":
        return self.to(D.float16)

    def int(self) -> "Tensor":
        return self.to(D.int32)

    def long(self) -> "Tensor":
        return self.to(D.int64)

    def short(self) -> "Tensor":
        return self.to(D.int16)

    def char(self) -> "Tensor":
        return self.to(D.int8)

    def byte(self) -> "Tensor":
        return self.to(D.uint8)

    def bool(self) -> "Tensor":
        return self.to(D.bool_)

    # ------------------------------------------------------------------ autograd
    def backward(self, gradient=None, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs=None) -> None:
        from . import autograd
        autograd.backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph,
                          inputs=inputs)

    def detach(self) -> "Tensor":
        """Shares data and version counter; a leaf that does not require grad."""
        t = _wrap(self._data, self._device)
        t._vbox = self._vbox
        t._base = self._base if self._base is not None else self
        return t

    def detach_(self) -> "Tensor":
        self._grad_fn = None
        self._requires_grad = False
        return self

    def clone(self, *, memory_format=None) -> "Tensor":
        return _F.clone(self)

    def contiguous(self, memory_format=None) -> "Tensor":
        return _F.contiguous(self)

    # in-place helpers that never record a graph
    def zero_(self) -> "Tensor":
        return _F.zero_(self)

    def fill_(self, value) -> "Tensor":
        return _F.fill_(self, value)

    def copy_(self, src: "Tensor", non_blocking: bool = False) -> "Tensor":
        return _F.copy_(self, src)

    def new_tensor(self, data, dtype=None, device=None, requires_grad: bool = False):
        from .ops import creation
        return creation.tensor(data, dtype=dtype or self._dtype, device=device or self._device,
                               requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad: bool = False):
        from .ops import creation
        return creation.zeros(*size, dtype=dtype or self._dtype, device=device or self._device,
                              requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad: bool = False):
        from .ops import creation
        return creation.ones(*size, dtype=dtype or self._dtype, device=device or self._device,
                             requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad: bool = False):
        from .ops import creation
        return creation.full(size, fill_value, dtype=dtype or self._dtype,
                             device=device or self._device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad: bool = False):
        from .ops import creation
        return creation.empty(*size, dtype=dtype or self._dtype, device=device or self._device,
                              requires_grad=requires_grad)

    # ------------------------------------------------------------------ operators
    # + and * go straight to the op (the commonest calls; add/mul only add out= and alpha=)
    def __add__(self, other): return _bin(_ADD, self, other, _NO_ATTRS)
    def __radd__(self, other): return _bin(_ADD, self, other, _NO_ATTRS)
    def __iadd__(self, other): return _F.add_(self, other)
    def __sub__(self, other): return _F.sub(self, other)
    def __rsub__(self, other): return _F.rsub(self, other)
    def __isub__(self, other): return _F.sub_(self, other)
    def __mul__(self, other): return _bin(_MUL, self, other, _NO_ATTRS)
    def __rmul__(self, other): return _bin(_MUL, self, other, _NO_ATTRS)
    def __imul__(self, other): return _F.mul_(self, other)
    def __truediv__(self, other): return _F.div(self, other)
    def __rtruediv__(self, other): return _F.reciprocal(self) * other if not isinstance(other, Tensor) else _F.div(other, self)
    def __itruediv__(self, other): return _F.div_(self, other)
    def __floordiv__(self, other): return _F.div(self, other, rounding_mode="floor")
    def __rfloordiv__(self, other): return _F.div(_F.full_like(self, other), self, rounding_mode="floor")
    def __mod__(self, other): return _F.remainder(self, other)
    def __pow__(self, exponent): return _F.pow(self, exponent)
    def __rpow__(self, base): return _F.pow(base, self)
    def __ipow__(self, exponent): return _F.pow_(self, exponent)
    def __matmul__(self, other): return _F.matmul(self, other)
    def __rmatmul__(self, other): return _F.matmul(other, self)
    def __neg__(self): return _F.neg(self)
    def __pos__(self): return self
    def __abs__(self): return _F.abs(self)
    def __invert__(self): return _F.logical_not(self) if self._dtype is D.bool_ else _F.bitwise_not(self)
    def __and__(self, other): return _F.bitwise_and(self, other)
    def __rand__(self, other): return _F.bitwise_and(self, other)
    def __or__(self, other): return _F.bitwise_or(self, other)
    def __ror__(self, other): return _F.bitwise_or(self, other)
    def __xor__(self, other): return _F.bitwise_xor(self, other)
    def __rxor__(self, other): return _F.bitwise_xor(self, other)
    def __eq__(self, other): return _F.eq(self, other)  # type: ignore[override]
    def __ne__(self, other): return _F.ne(self, other)  # type: ignore[override]
    def __lt__(self, other): return _F.lt(self, other)
    def __le__(self, other): return _F.le(self, other)
    def __gt__(self, other): return _F.gt(self, other)
    def __ge__(self, other): return _F.ge(self, other)
    def __getitem__(self, index): return _F.index(self, index)
    def __setitem__(self, index, value): _F.index_put_(self, index, value)
    def index_put_(self, indices, values, accumulate=False): return _F.index_put_(self, indices, values, accumulate=accumulate)
    def index_put(self, indices, values, accumulate=False): return _F.index_put(self, indices, values, accumulate=accumulate)

    # ------------------------------------------------------------------ math methods
    def add(self, other, *, alpha=1): return _F.add(self, other, alpha=alpha)
    def add_(self, other, *, alpha=1): return _F.add_(self, other, alpha=alpha)
    def sub(self, other, *, alpha=1): return _F.sub(self, other, alpha=alpha)
    def sub_(self, other, *, alpha=1): return _F.sub_(self, other, alpha=alpha)
    subtract = sub
    def rsub(self, other, *, alpha=1): return _F.rsub(self, other, alpha=alpha)
    def mul(self, other): return _F.mul(self, other)
    def mul_(self, other): return _F.mul_(self, other)
    multiply = mul
    def div(self, other, *, rounding_mode=None): return _F.div(self, other, rounding_mode=rounding_mode)
    def div_(self, other, *, rounding_mode=None): return _F.div_(self, other, rounding_mode=rounding_mode)
    divide = div
    true_divide = div
    def remainder(self, other): return _F.remainder(self, other)
    def remainder_(self, other): return _F.remainder_(self, other)
    def neg(self): return _F.neg(self)
    def neg_(self): return _F.neg_(self)
    negative = neg
    def reciprocal(self): return _F.reciprocal(self)
    def reciprocal_(self): return _F.reciprocal_(self)
    def pow(self, exponent): return _F.pow(self, exponent)
    def pow_(self, exponent): return _F.pow_(self, exponent)
    def sqrt(self): return _F.sqrt(self)
    def sqrt_(self): return _F.sqrt_(self)
    def rsqrt(self): return _F.rsqrt(self)
    def rsqrt_(self): return _F.rsqrt_(self)
    def exp(self): return _F.exp(self)
    def exp_(self): return _F.exp_(self)
    def log(self): return _F.log(self)
    def log_(self): return _F.log_(self)
    def log2(self): return _F.log2(self)
    def log2_(self): return _F.log2_(self)
    def log10(self): return _F.log10(self)
    def log10_(self): return _F.log10_(self)
    def log1p(self): return _F.log1p(self)
    def log1p_(self): return _F.log1p_(self)
    def abs(self): return _F.abs(self)
    def abs_(self): return _F.abs_(self)
    absolute = abs
    def sin(self): return _F.sin(self)
    def sin_(self): return _F.sin_(self)
    def cos(self): return _F.cos(self)
    def cos_(self): return _F.cos_(self)
    def tanh(self): return _F.tanh(self)
    def tanh_(self): return _F.tanh_(self)
    def sigmoid(self): return _F.sigmoid(self)
    def sigmoid_(self): return _F.sigmoid_(self)
    def relu(self): return _F.relu(self)
    def relu_(self): return _F.relu_(self)
    def clamp(self, min=None, max=None): return _F.clamp(self, min, max)
    def clamp_(self, min=None, max=None): return _F.clamp_(self, min, max)
    clip = clamp
    clip_ = clamp_
    def maximum(self, other): return _F.maximum(self, other)
    def minimum(self, other): return _F.minimum(self, other)
    def where(self, condition, other): return _F.where(condition, self, other)
    def square(self): return _F.square(self)
    def square_(self): return _F.square_(self)
    def sign(self): return _F.sign(self)
    def sign_(self): return _F.sign_(self)
    def floor(self): return _F.floor(self)
    def floor_(self): return _F.floor_(self)
    def ceil(self): return _F.ceil(self)
    def ceil_(self): return _F.ceil_(self)
    def round(self, *, decimals=None): return _F.round(self, decimals=decimals)
    def round_(self, *, decimals=None): return _F.round_(self, decimals=decimals)
    def eq(self, other): return _F.eq(self, other)
    def ne(self, other): return _F.ne(self, other)
    def lt(self, other): return _F.lt(self, other)
    def le(self, other): return _F.le(self, other)
    def gt(self, other): return _F.gt(self, other)
    def ge(self, other): return _F.ge(self, other)
    def equal(self, other) -> bool: return _F.equal(self, other)
    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool: return _F.allclose(self, other, rtol=rtol, atol=atol, equal_nan=equal_nan)
    def isnan(self): return _F.isnan(self)
    def isinf(self): return _F.isinf(self)
    def isfinite(self): return _F.isfinite(self)
    def logical_not(self): return _F.logical_not(self)
    def logical_and(self, other): return _F.logical_and(self, other)
    def logical_or(self, other): return _F.logical_or(self, other)
    def logical_xor(self, other): return _F.logical_xor(self, other)
    def bitwise_not(self): return _F.bitwise_not(self)
    def bitwise_and(self, other): return _F.bitwise_and(self, other)
    def bitwise_or(self, other): return _F.bitwise_or(self, other)
    def bitwise_xor(self, other): return _F.bitwise_xor(self, other)
    def masked_fill(self, mask, value): return _F.masked_fill(self, mask, value)
    def masked_fill_(self, mask, value): return _F.masked_fill_(self, mask, value)

    # reductions
    def sum(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None): return _F.sum(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)
    def mean(self, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None): return _F.mean(self, dim, keepdim, dtype=dtype, axis=axis, keepdims=keepdims)
    def prod(self, dim=None, keepdim=False, *, dtype=None): return _F.prod(self, dim, keepdim, dtype=dtype)
    def max(self, dim=None, keepdim=False): return _F.max(self, dim, keepdim)
    def min(self, dim=None, keepdim=False): return _F.min(self, dim, keepdim)
    def amax(self, dim=(), keepdim=False): return _F.amax(self, dim, keepdim)
    def amin(self, dim=(), keepdim=False): return _F.amin(self, dim, keepdim)
    def argmax(self, dim=None, keepdim=False): return _F.argmax(self, dim, keepdim)
    def argmin(self, dim=None, keepdim=False): return _F.argmin(self, dim, keepdim)
    def std(self, dim=None, *args, **kwargs): return _F.std(self, dim, *args, **kwargs)
    def var(self, dim=None, *args, **kwargs): return _F.var(self, dim, *args, **kwargs)
    def norm(self, p="fro", dim=None, keepdim=False, dtype=None): return _F.norm(self, p, dim, keepdim, dtype=dtype)
    def cumsum(self, dim=None, *, dtype=None, axis=None): return _F.cumsum(self, dim if axis is None else axis, dtype=dtype)
    def logsumexp(self, dim, keepdim=False): return _F.logsumexp(self, dim, keepdim)
    def all(self, dim=None, keepdim=False): return _F.all(self, dim, keepdim)
    def any(self, dim=None, keepdim=False): return _F.any(self, dim, keepdim)
    def softmax(self, dim): return _F.softmax(self, dim)
    def log_softmax(self, dim): return _F.log_softmax(self, dim)

    # linear algebra
    def matmul(self, other): return _F.matmul(self, other)
    def mm(self, mat2): return _F.mm(self, mat2)
    def bmm(self, mat2): return _F.bmm(self, mat2)
    def mv(self, vec): return _F.mv(self, vec)
    def dot(self, other): return _F.dot(self, other)
    def outer(self, vec2): return _F.outer(self, vec2)
    def t(self): return _F.t(self)
    def t_(self): raise RuntimeError("t_() is not supported; use t()")

    @property
    def T(self): return _F.permute(self, tuple(range(self._data.ndim - 1, -1, -1)))

    @property
    def mT(self): return _F.transpose(self, -2, -1)

    # shape
    def reshape(self, *shape): return _F.reshape(self, _size_args(shape))
    def reshape_as(self, other): return _F.reshape(self, tuple(other.shape))
    def view(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], D.dtype):
            return _F.view_dtype(self, shape[0])
        return _F.view(self, _size_args(shape))
    def view_as(self, other): return _F.view(self, tuple(other.shape))
    def flatten(self, start_dim=0, end_dim=-1): return _F.flatten(self, start_dim, end_dim)
    def unflatten(self, dim, sizes): return _F.unflatten(self, dim, sizes)
    def squeeze(self, dim=None): return _F.squeeze(self, dim)
    def squeeze_(self, dim=None): return _F.squeeze_(self, dim)
    def unsqueeze(self, dim): return _F.unsqueeze(self, dim)
    def unsqueeze_(self, dim): return _F.unsqueeze_(self, dim)
    def transpose(self, dim0, dim1): return _F.transpose(self, dim0, dim1)
    def transpose_(self, dim0, dim1): return _F.transpose_(self, dim0, dim1)
    swapaxes = transpose
    def permute(self, *dims): return _F.permute(self, _size_args(dims) if dims and not isinstance(dims[0], (tuple, list)) else tuple(dims[0]))
    def expand(self, *sizes): return _F.expand(self, _size_args(sizes))
    def expand_as(self, other): return _F.expand(self, tuple(other.shape))
    def repeat(self, *sizes): return _F.repeat(self, _size_args(sizes))
    def split(self, split_size, dim=0): return _F.split(self, split_size, dim)
    def chunk(self, chunks, dim=0): return _F.chunk(self, chunks, dim)
    def unbind(self, dim=0): return _F.unbind(self, dim)
    def flip(self, *dims): return _F.flip(self, dims[0] if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims)
    def narrow(self, dim, start, length): return _F.narrow(self, dim, start, length)
    def gather(self, dim, index): return _F.gather(self, dim, index)
    def index_select(self, dim, index): return _F.index_select(self, dim, index)


# The op functions live in engine.functional, which imports this module; bind it late.
from . import functional as _F  # noqa: E402
from .ops.elementwise import Add as _Add, Mul as _Mul, _bin  # noqa: E402

_ADD, _MUL = _Add.INSTANCE, _Mul.INSTANCE
_NO_ATTRS: dict = {}  # never written: apply only reads attrs

_graph.bind_tensor(Tensor, _wrap)


def is_tensor(obj: Any) -> bool:
    return isinstance(obj, Tensor)
