"""``engine.nn``: modules, parameters, layers and losses, as ``torch.nn``."""
from __future__ import annotations

from . import functional, init  # noqa: F401
from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import ModuleList, Sequential
from .conv import Conv2d, MaxPool2d
from .linear import Flatten, Identity, Linear
from .loss import CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter

__all__ = ["Module", "Parameter", "Linear", "Identity", "Flatten", "Conv2d", "MaxPool2d",
           "ReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Sequential", "ModuleList",
           "MSELoss", "NLLLoss", "CrossEntropyLoss", "functional", "init"]
