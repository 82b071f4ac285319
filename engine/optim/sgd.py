"""Stochastic gradient descent with momentum, dampening, Nesterov and weight decay,
with PyTorch's update rule."""
from __future__ import annotations

from typing import Callable, Iterable

from ..autograd.grad_mode import no_grad
from .optimizer import Optimizer, new_state, write_


class SGD(Optimizer):
    """``p -= lr * d`` where d is the (momentum-averaged, decayed) gradient."""

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0,
                 dampening: float = 0, weight_decay: float = 0, nesterov: bool = False, *,
                 maximize: bool = False, foreach: bool | None = None,
                 differentiable: bool = False, fused: bool | None = None) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening,
                        weight_decay=weight_decay, nesterov=nesterov, maximize=maximize,
                        foreach=foreach, differentiable=differentiable, fused=fused)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable | None = None):
        """One update of every parameter that has a gradient."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, momentum = group["lr"], group["momentum"]
            dampening, wd = group["dampening"], group["weight_decay"]
            nesterov, maximize = group["nesterov"], group["maximize"]
            for p in group["params"]:
                if p._grad is None:
                    continue
                g = p._grad._data
                if maximize:
                    g = -g
                if wd != 0:
                    g = g + wd * p._data
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = state["momentum_buffer"] = new_state(p, g.copy())
                    else:
                        b = buf._data
                        b *= momentum
                        b += (1 - dampening) * g
                        buf._vbox[0] += 1
                    g = g + momentum * buf._data if nesterov else buf._data
                write_(p, p._data + (-lr) * g)
        return loss
