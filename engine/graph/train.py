"""Training a graph: N steps of zero_grad, forward, backward and optimizer step.

Public API::

    losses = train(executor, steps, loss_node=None, optimizer=None, *, device="cpu",
                   progress=None, cancel=None)          # -> list[float], one loss per step

- ``loss_node``: the node whose (scalar) tensor is minimised; None picks the ``loss`` input of
  the graph's optimizer-step node, else the ``tensor`` input of its backward node, else the
  last scalar output.
- ``optimizer``: None uses the graph's ``special:optim_step`` node(s); or settings
  ``{"optimizer": "SGD" | "Adam", "lr": ..., "momentum": ..., ...}`` (the optim_step node's
  attribute names; ``betas`` for Adam) for an optimizer over the leaves the loss depends on.
- ``progress(step, loss)`` after every step (step counts from 1); ``cancel()`` is checked
  between steps, and a cancelled run returns the losses so far.
- A step whose forward or backward fails raises :class:`TrainError` (message, ``node_id``,
  the ``losses`` so far); ``executor.last_result`` holds that step's results.

Each step's forward is incremental: only what depends on the changed parameters recomputes.
"""
from __future__ import annotations

import math
from typing import Any, Callable

from .execute import Executor, phase_of
from .kinds import get_kind


class TrainError(RuntimeError):
    """A training step failed: the node whose error stopped it, and the losses so far."""

    def __init__(self, message: str, node_id: str | None, losses: list[float]) -> None:
        super().__init__(message)
        self.node_id = node_id
        self.losses = losses


def train(executor: Executor, steps: int, loss_node: str | None = None,
          optimizer: dict | None = None, *, device: str = "cpu",
          progress: Callable[[int, float], Any] | None = None,
          cancel: Callable[[], bool] | None = None) -> list[float]:
    """Run ``steps`` training steps; returns the loss after each forward pass."""
    loss_node = getattr(loss_node, "id", loss_node)  # a Node or its id
    g = executor.graph
    kinds = {nid: get_kind(n.kind) for nid, n in g.nodes.items()}
    steps_in_graph = [nid for nid, k in kinds.items() if k.key == "special:optim_step"]
    backward_nodes = [nid for nid, k in kinds.items() if phase_of(k) == "backward"]
    backward_from = loss_node
    if loss_node is None:
        loss_node = _find_loss(g, steps_in_graph + backward_nodes)
        backward_from = None if backward_nodes else loss_node
    if optimizer is None and not steps_in_graph:
        raise TrainError("the graph has no optimizer step node; add one or give optimizer "
                         "settings", None, [])
    actions = set(steps_in_graph + backward_nodes)
    losses: list[float] = []
    opt, params = None, []
    for i in range(int(steps)):
        if cancel is not None and cancel():
            break
        executor.zero_grad()
        res = executor.run(backward=True, device=device, step=optimizer is None,
                           backward_from=backward_from)
        problem = _first_problem(g, res, loss_node, actions)
        if problem is not None:
            raise TrainError(problem[1], problem[0], losses)
        if optimizer is not None:
            if opt is None:
                params = executor.parameters(loss_node)
                opt = make_optimizer(params, optimizer)
            opt.step()
            executor.params_changed(params)
        loss = _loss_value(res, loss_node)
        losses.append(loss)
        if progress is not None:
            progress(i + 1, loss)
    return losses


def _find_loss(g, action_nodes: list[str]) -> str | None:
    for port in ("loss", "tensor"):
        for e in g.edges.values():
            if e.dst in action_nodes and e.dst_port == port:
                return e.src
    return None


def _first_problem(g, res, loss_node, actions) -> tuple[str | None, str] | None:
    """What stops training: an error of the loss (or of the node it comes from), of a
    backward or step node, or of the device."""
    for level, nid, text in res.log:
        if level == "error" and (nid is None or nid in actions or nid == loss_node):
            if nid is None or res.nodes.get(nid) is None or not res.nodes[nid].skipped:
                return nid, text
    for nid in ([loss_node] if loss_node is not None else []) + sorted(actions):
        stack, seen = [nid], set()
        while stack:
            n = stack.pop()
            r = res.nodes.get(n)
            if r is None or n in seen:
                continue
            seen.add(n)
            if r.error:
                return n, f"{g.nodes[n].label}: {r.error}"
            if r.skipped:
                stack.extend(e.src for e in g.edges.values() if e.dst == n)
    return None


def _loss_value(res, loss_node) -> float:
    if loss_node is None:
        for level, nid, _ in res.log:
            if level == "info" and nid is not None:
                loss_node = nid
    r = res.nodes.get(loss_node) if loss_node is not None else None
    if r is None or r.tensor is None or r.tensor.numel() != 1:
        return math.nan
    return float(r.tensor.item())


# --------------------------------------------------------------------------------------
# optimizers


def make_optimizer(params: list, settings: dict):
    """An ``engine.optim`` optimizer over ``params`` from optim_step settings
    (``{"optimizer": "SGD", "lr": 0.1, "momentum": 0.9}``; ``beta1``/``beta2`` or ``betas``)."""
    from .. import optim

    s = dict(settings)
    name = s.pop("optimizer", "SGD")
    if name not in ("SGD", "Adam"):
        raise ValueError(f"unknown optimizer {name!r} (SGD or Adam)")
    if "beta1" in s or "beta2" in s:
        s["betas"] = (s.pop("beta1", 0.9), s.pop("beta2", 0.999))
    keep = {"SGD": ("lr", "momentum", "dampening", "weight_decay", "nesterov"),
            "Adam": ("lr", "betas", "eps", "weight_decay")}[name]
    if not params:
        raise ValueError("the optimizer has no parameters: nothing that requires grad feeds "
                         "the loss")
    return getattr(optim, name)(list(params), **{k: v for k, v in s.items() if k in keep})
