"""``engine.nn.functional``: the functional forms of layers and losses, as
``torch.nn.functional``."""
from __future__ import annotations

from .. import functional as _F
from ..ops.nn import (conv2d, cross_entropy, linear, log_softmax, max_pool2d,  # noqa: F401
                      max_pool2d_with_indices, mse_loss, nll_loss, softmax)

__all__ = ["relu", "sigmoid", "tanh", "softmax", "log_softmax", "linear", "conv2d",
           "max_pool2d", "max_pool2d_with_indices", "mse_loss", "cross_entropy", "nll_loss"]


def relu(input, inplace: bool = False):
    """max(input, 0); in place with ``inplace=True``."""
    return _F.relu_(input) if inplace else _F.relu(input)


def sigmoid(input):
    """1 / (1 + exp(-input))."""
    return _F.sigmoid(input)


def tanh(input):
    """The hyperbolic tangent."""
    return _F.tanh(input)
