"""Shape ops: views (view, reshape, transpose, permute, squeeze, unsqueeze, expand, narrow, t,
split, unbind), copies (cat, stack, repeat, flip, clone) and the dtype/device move behind
``Tensor.to`` (``to_copy_op``).

Views return arrays that share memory with their input and set ``is_view`` so the result shares
the input's version counter. A view's VJP reshapes or re-indexes the gradient; it saves nothing.
The modules register their ops on import, in the order below; that order is the registry's (the
palette and saved files read it), so keep it.
"""
from __future__ import annotations

# the registration order
from . import reshapes, dims, joins, copies  # noqa: I001
from .reshapes import *  # noqa: F401,F403
from .dims import *  # noqa: F401,F403
from .joins import *  # noqa: F401,F403
from .copies import *  # noqa: F401,F403

# the op classes, and the helpers engine.ops.linalg and engine.ops.indexing use
from .base import (VIEW_ERROR, ShapeOp, ViewOp, check_expand, dims_unique, fmt_shape, infer_size,
                   set_node_name)
from .copies import Clone, Contiguous, Flip, Narrow, SliceOp, ToCopy
from .dims import Expand, Permute, Repeat, Squeeze, T, Transpose, Unsqueeze
from .joins import Cat, Chunk, Split, Stack, Unbind
from .reshapes import Flatten, Reshape, Unflatten, View, ViewDtype

__all__ = [*reshapes.__all__, *dims.__all__, *joins.__all__, *copies.__all__]
