"""Adam (and its amsgrad variant), with PyTorch's single-tensor update rule."""
from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from .. import _dtype as D
from .. import backend
from ..autograd.grad_mode import no_grad
from ..tensor import _wrap
from .optimizer import Optimizer, new_state, write_


class Adam(Optimizer):
    """Adaptive moments: p -= lr * m_hat / (sqrt(v_hat) + eps)."""

    def __init__(self, params: Iterable, lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False, fused: bool | None = None,
                 decoupled_weight_decay: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    @no_grad()
    def step(self, closure: Callable | None = None):
        """One update of every parameter that has a gradient."""
        loss = self._closure(closure)
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            wd, amsgrad, maximize = group["weight_decay"], group["amsgrad"], group["maximize"]
            decoupled = group.get("decoupled_weight_decay", False)
            for p in group["params"]:
                if p._grad is None:
                    continue
                xp = backend.array_module(p._data)
                state = self.state[p]
                if not state:
                    step_dt = D.float64 if D.get_default_dtype() is D.float64 else D.float32
                    state["step"] = _wrap(np.zeros((), dtype=step_dt.np))  # on the CPU
                    state["exp_avg"] = new_state(p, xp.zeros_like(p._data))
                    state["exp_avg_sq"] = new_state(p, xp.zeros_like(p._data))
                    if amsgrad:
                        state["max_exp_avg_sq"] = new_state(p, xp.zeros_like(p._data))
                g = p._grad._data
                if maximize:
                    g = -g
                param = p._data
                if wd != 0:
                    if decoupled:
                        param = param * (1 - lr * wd)
                    else:
                        g = g + wd * param
                step_t = state["step"]
                step_t._data += 1
                step_t._vbox[0] += 1
                step = float(step_t._data)
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m._data += (1 - beta1) * (g - m._data)  # lerp, as PyTorch (weight < 0.5)
                v._data *= beta2
                v._data += ((1 - beta2) * g) * g
                m._vbox[0] += 1
                v._vbox[0] += 1
                bc1 = 1 - beta1 ** step
                bc2_sqrt = (1 - beta2 ** step) ** 0.5
                step_size = lr / bc1
                if amsgrad:
                    mx = state["max_exp_avg_sq"]
                    xp.maximum(mx._data, v._data, out=mx._data)
                    mx._vbox[0] += 1
                    denom = xp.sqrt(mx._data) / bc2_sqrt + eps
                else:
                    denom = xp.sqrt(v._data) / bc2_sqrt + eps
                write_(p, param + ((-step_size) * m._data) / denom)
        return loss
