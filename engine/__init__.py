"""Gradlab's engine: a PyTorch-compatible tensor and autograd library on numpy and cupy.

Scriptable on its own; imports no Qt. ``import engine as torch`` reads like PyTorch.
"""
from __future__ import annotations

from . import _dtype as _D
from ._dtype import (bool_ as bool, uint8, int8, int16, int32, int64, float16, float32,
                     float64, dtype, get_default_dtype, set_default_dtype, promote_types)
from ._device import device
from .tensor import Size, Tensor, is_tensor
from .autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .random import initial_seed, manual_seed, seed, get_rng_state, set_rng_state
from ._tensor_str import get_printoptions, set_printoptions
from .functional import *  # noqa: F401,F403
from . import autograd, cuda, functional, backend  # noqa: F401

half = float16
float = float32  # noqa: A001 - PyTorch's names
double = float64
short = int16
int = int32  # noqa: A001
long = int64

__version__ = "0.1.0"


def result_type(tensor1, tensor2) -> dtype:
    return _D.result_type(tensor1, tensor2)


def is_floating_point(input: Tensor) -> bool:  # noqa: A002
    return input.is_floating_point()


def numel(input: Tensor) -> int:  # noqa: A002
    return input.numel()


def __getattr__(name: str):
    # nn, optim and serialization import lazily so `import engine` stays quick
    import importlib
    if name in ("nn", "optim"):
        return importlib.import_module(f".{name}", __name__)
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    if name.endswith("Tensor") and name in _TYPED:
        from .ops.creation import typed_tensor_class
        return typed_tensor_class(name)
    raise AttributeError(f"module 'engine' has no attribute '{name}'")


_TYPED = ("FloatTensor", "DoubleTensor", "HalfTensor", "IntTensor", "LongTensor", "ShortTensor",
          "CharTensor", "ByteTensor", "BoolTensor")
