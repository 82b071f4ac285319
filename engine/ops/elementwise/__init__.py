"""Elementwise ops: arithmetic, powers, unary math and activations, clamp/maximum/minimum/where,
comparisons and logic, and the in-place writers fill_/zero_/copy_.

Each op is one class: forward on arrays (``ctx.xp`` is numpy or cupy) with its VJP beside it,
saving only what the VJP reads. The modules register their ops on import, in the order below;
that order is the registry's (the palette and saved files read it), so keep it.
"""
from __future__ import annotations

# the registration order
from . import arithmetic, power, unary, selection, comparison, writers  # noqa: I001
from .arithmetic import *  # noqa: F401,F403
from .power import *  # noqa: F401,F403
from .unary import *  # noqa: F401,F403
from .selection import *  # noqa: F401,F403
from .comparison import *  # noqa: F401,F403
from .writers import *  # noqa: F401,F403

# the op classes, and the helper engine.tensor's + and * call
from .arithmetic import Add, Div, Mul, Remainder, RemainderScalar, Rsub, RsubScalar, Sub
from .base import _bin
from .comparison import (BitwiseAnd, BitwiseNot, BitwiseOr, BitwiseXor, Eq, Ge, Gt, Isfinite,
                         Isinf, Isnan, Le, LogicalAnd, LogicalNot, LogicalOr, LogicalXor, Lt, Ne)
from .power import Pow, PowScalar, PowTensor
from .selection import Clamp, ClampTensor, Maximum, Minimum, Where
from .unary import (Abs, Ceil, Cos, Exp, Floor, Log, Log1p, Log2, Log10, Neg, Reciprocal, Relu,
                    Round, Rsqrt, Sigmoid, Sign, Sin, Sqrt, Square, Tanh)
from .writers import Copy, Fill, FillTensor, Zero

__all__ = [*arithmetic.__all__, *power.__all__, *unary.__all__, *selection.__all__,
           *comparison.__all__, *writers.__all__]
