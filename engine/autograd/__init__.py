"""``engine.autograd``: ``backward``, ``grad``, and the ``grad_fn`` node types."""
from __future__ import annotations

from typing import Sequence

from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .graph import AccumulateGrad, Node, add_tracer, remove_tracer, run_backward

__all__ = ["backward", "grad", "Node", "AccumulateGrad", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "add_tracer", "remove_tracer"]


def _as_list(x) -> list:
    if x is None:
        return []
    from ..tensor import Tensor
    return [x] if isinstance(x, Tensor) else list(x)


def _seed_grads(outputs: list, grad_outputs) -> list:
    from ..tensor import Tensor

    gos = _as_list(grad_outputs) if grad_outputs is not None else [None] * len(outputs)
    if len(gos) != len(outputs):
        raise RuntimeError(f"grad can be implicitly created only for scalar outputs"
                           if not gos else
                           f"Mismatch in number of gradients: got {len(gos)} gradients for "
                           f"{len(outputs)} outputs")
    seeds = []
    for out, g in zip(outputs, gos):
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out._dtype.is_floating_point:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got "
                    f"{out._dtype}")
            seeds.append(_ones_like_array(out._data))
        else:
            if not isinstance(g, Tensor):
                from ..ops.creation import tensor as _tensor
                g = _tensor(g, dtype=out._dtype, device=out._device)
            if tuple(g.shape) != tuple(out.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[0] has a shape of {g.shape} and output[0] "
                    f"has a shape of {out.shape}.")
            seeds.append(g._data if g._dtype is out._dtype else g._data.astype(out._data.dtype))
    return seeds


def _ones_like_array(a):
    from .. import backend
    xp = backend.array_module(a)
    return xp.ones(a.shape, dtype=a.dtype)


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """Accumulate gradients of ``tensors`` into the leaves' ``.grad`` (or only ``inputs``)."""
    outs = _as_list(tensors)
    seeds = _seed_grads(outs, grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    ins = _as_list(inputs) if inputs is not None else None
    if ins is not None and len(ins) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    run_backward(outs, seeds, retain_graph, inputs=ins, accumulate=True,
                 create_graph=create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False):
    """The gradients of ``outputs`` with respect to ``inputs``, without touching ``.grad``."""
    outs = _as_list(outputs)
    ins = _as_list(inputs)
    seeds = _seed_grads(outs, grad_outputs)
    if retain_graph is None:
        retain_graph = create_graph
    if allow_unused is None:
        allow_unused = materialize_grads
    res = run_backward(outs, seeds, retain_graph, inputs=ins, accumulate=False,
                       allow_unused=allow_unused, create_graph=create_graph)
    if materialize_grads:
        from ..ops.creation import zeros_like
        res = [r if r is not None else zeros_like(i) for r, i in zip(res, ins)]
    return tuple(res)
