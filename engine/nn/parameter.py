"""``Parameter``: a leaf tensor a Module registers as one of its learnable parameters."""
from __future__ import annotations

from ..tensor import Tensor, _wrap


class Parameter(Tensor):
    """A tensor that is a module parameter: a leaf that requires grad (by default).

    It shares storage with the tensor it is made from, as PyTorch's does. Ops on it return
    plain Tensors.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True):
        if data is None:
            from ..ops.creation import empty
            data = empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(f"Parameter expects a Tensor as data, got {type(data).__name__}")
        src = data.detach()
        obj = object.__new__(cls)
        for k in ("_data", "_dtype", "_device", "_vbox"):
            setattr(obj, k, getattr(src, k))
        obj._requires_grad = False
        obj._grad = None
        obj._grad_fn = None
        obj._output_nr = 0
        obj._base = None
        obj._acc = None
        obj._hooks_leaf = None
        obj._retains_grad = False
        if requires_grad:
            obj.requires_grad_(True)
        return obj

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True):
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        p = Parameter(_wrap(self._data.copy(), self._device), self._requires_grad)
        if self._grad is not None:
            p._grad = _wrap(self._grad._data.copy(), self._device)
        memo[id(self)] = p
        return p

