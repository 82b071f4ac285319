"""Node kinds that are not plain registry ops: parameters, nn layers, cross-entropy, backward,
autograd.grad, zero-grad, optimizer step, detach and retain_grad. (Indexing by an expression is
the registry's ``op:index``; activations and mse_loss are plain ops too.)

Each kind carries in ``NodeKind.extra``:

- ``run``: ``fn(ctx: NodeContext) -> {output port: value}``; it may set ``ctx.value`` (a
  non-tensor result the panels show) and ``ctx.updated`` (tensors it changed in place).
- ``phase``: when the executor runs it: ``'forward'`` (in topological order with the ops),
  ``'zero_grad'``, ``'backward'`` or ``'step'`` (after the forward, in that order).
- ``infer`` (optional): ``fn(node, {port: TensorSpec | list}) -> {port: TensorSpec}`` for the
  check before anything runs.
- ``NodeContext.state`` is kept across runs (parameter values, layer weights, optimizer
  buffers) and dropped when the node's attributes are edited.
"""
from __future__ import annotations

import contextlib
import hashlib
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..ops.registry import Attr, TensorSpec
from ..random import DEFAULT_SEED as SEED  # export.SEED is this one
from .kinds import NodeKind, PortSpec, register_special


@dataclass
class NodeContext:
    """What a special kind's ``run`` gets: the node, its inputs, the device and its state."""

    node: Any  # model.Node
    kind: NodeKind
    inputs: dict[str, Any]  # port -> value (a list for a variadic port); absent if unconnected
    device: Any  # engine.device
    state: dict  # kept across runs; cleared when the node's attributes are edited
    executor: Any  # the Executor: graph-wide questions (all leaves)
    value: Any = None
    updated: list = field(default_factory=list)

    def attr(self, name: str) -> Any:
        if name in self.node.attrs:
            return self.node.attrs[name]
        return self.kind.attr(name).default


# --------------------------------------------------------------------------------------
# helpers


def _engine():
    import engine
    return engine


def _np_dtype(name: str):
    from .. import _dtype as D
    return D.to_dtype(name).np


def _make_leaf(arr: np.ndarray, device, requires_grad: bool):
    """A fresh leaf tensor on ``device`` holding a copy of host array ``arr``."""
    t = _engine().tensor(arr, device=device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _moved(t, device):
    """Leaf ``t`` on another device (a new leaf, its grad moved along)."""
    from .. import backend
    n = _make_leaf(backend.to_host(t._data), device, t.requires_grad)
    if t._grad is not None:
        n._grad = _engine().tensor(backend.to_host(t._grad._data), device=device)
    return n


def _set_requires_grad(t, flag: bool) -> None:
    if t.requires_grad != flag and t.is_leaf:
        t.requires_grad_(flag)




def node_rng(node_id: str, draw: int = 0, edits: int = 0) -> np.random.Generator:
    """The generator a node without a seed of its own draws from, fixed by ``SEED``, the node's
    id, ``draw`` (Executor.reset moves it on) and ``edits`` (the node's edits, where the
    executor counts them): a node's numbers do not depend on which nodes ran before it, so
    ``gradlab run``, export and the app show the same ones (0, 0 for a file just opened)."""
    digest = hashlib.sha256(str(node_id).encode("utf-8")).digest()
    return np.random.default_rng([SEED, int(draw), int(edits),
                                  int.from_bytes(digest[:16], "little")])


@contextlib.contextmanager
def drawing_from(gen: np.random.Generator):
    """Make engine.random's generator draw ``gen``'s numbers for a while (creation ops read the
    global generator), then put its own state back: the global sequence is not consumed."""
    from .. import random as _random
    glob = _random.generator()
    saved = glob.bit_generator.state
    glob.bit_generator.state = gen.bit_generator.state
    try:
        yield glob
    finally:
        glob.bit_generator.state = saved


def _rng(seed, ctx: "NodeContext | None" = None) -> np.random.Generator:
    """A node's generator: its ``seed`` attribute, else its own (node_rng), else the global."""
    if seed is not None:
        return np.random.default_rng(int(seed))
    if ctx is not None:
        own = getattr(ctx.executor, "node_rng", None)
        return own(ctx.node.id) if own is not None else node_rng(ctx.node.id)
    from .. import random as _random
    return _random.generator()


def leaves_of(tensors) -> list:
    """The leaf tensors requiring grad that ``tensors`` depend on (themselves if leaves),
    found by walking their grad_fn chains; each once, in first-seen order."""
    out, seen_t, seen_n = [], set(), set()
    for t in tensors:
        if t is None or not getattr(t, "requires_grad", False):
            continue
        if t.grad_fn is None:
            if id(t) not in seen_t:
                seen_t.add(id(t))
                out.append(t)
            continue
        stack = [t.grad_fn]
        while stack:
            n = stack.pop()
            if n is None or id(n) in seen_n:
                continue
            seen_n.add(id(n))
            var = getattr(n, "variable", None)
            if var is not None:
                if id(var) not in seen_t:
                    seen_t.add(id(var))
                    out.append(var)
                continue
            stack.extend(nx for nx, _ in reversed(n.next_functions) if nx is not None)
    return out


def _tensor_inputs(ctx: NodeContext, *ports: str) -> list:
    out = []
    for p in ports:
        v = ctx.inputs.get(p)
        if v is None:
            continue
        out.extend(v if isinstance(v, list) else [v])
    return out


def _kind(key, title, family, inputs, outputs, attrs, doc, run, phase="forward", infer=None,
          requires_grad=False) -> NodeKind:
    return register_special(NodeKind(
        key, title, family, tuple(inputs), tuple(outputs), tuple(attrs), doc,
        default_requires_grad=requires_grad,
        extra={"run": run, "phase": phase, "infer": infer}))


# --------------------------------------------------------------------------------------
# parameter: a leaf tensor that requires grad, kept across runs


_INITS = ("zeros", "ones", "constant", "randn", "rand", "uniform", "data")


def init_array(attrs: dict, rng: np.random.Generator | None = None) -> np.ndarray:
    """The initial values of a parameter node from its attributes (host array); random inits
    draw from ``rng`` (None: the ``seed`` attribute, else the global generator)."""
    dt = _np_dtype(attrs.get("dtype") or "float32")
    init = attrs.get("init", "randn")
    if init == "data":
        data = attrs.get("data")
        if data is None:
            raise ValueError("init is 'data' but no data is given")
        return np.array(data, dtype=dt)
    shape = tuple(attrs.get("shape", ()))
    if init == "zeros":
        return np.zeros(shape, dt)
    if init == "ones":
        return np.ones(shape, dt)
    if init == "constant":
        return np.full(shape, attrs.get("value", 0.0), dt)
    g = rng if rng is not None and attrs.get("seed") is None else _rng(attrs.get("seed"))
    if init == "randn":
        return (g.standard_normal(shape) * attrs.get("std", 1.0) + attrs.get("mean", 0.0)).astype(dt)
    if init == "rand":
        return g.random(shape).astype(dt)
    if init == "uniform":
        return g.uniform(attrs.get("low", -1.0), attrs.get("high", 1.0), shape).astype(dt)
    raise ValueError(f"unknown init {init!r}")


def _run_parameter(ctx: NodeContext) -> dict:
    t = ctx.state.get("tensor")
    if t is None:
        t = _make_leaf(init_array(ctx.node.attrs, _rng(None, ctx)), ctx.device,
                       ctx.node.requires_grad)
    elif t.device != ctx.device:
        t = _moved(t, ctx.device)
    ctx.state["tensor"] = t
    _set_requires_grad(t, ctx.node.requires_grad)
    return {"out": t}


def _infer_parameter(node, specs: dict) -> dict:
    from .. import _dtype as D
    a = node.attrs
    shape = (np.shape(np.array(a.get("data"))) if a.get("init") == "data"
             else tuple(a.get("shape", ())))
    return {"out": TensorSpec(tuple(shape), D.to_dtype(a.get("dtype") or "float32"))}


_kind("special:parameter", "parameter", "creation", (), [PortSpec("out")], [
    Attr("shape", "shape", (2, 2), "the shape (unused with init 'data')"),
    Attr("init", "choice", "randn", "how the values start", choices=_INITS),
    Attr("value", "float", 0.0, "fill value for init 'constant'"),
    Attr("mean", "float", 0.0, "mean for init 'randn'"),
    Attr("std", "float", 1.0, "standard deviation for init 'randn'", range=(0.0, None)),
    Attr("low", "float", -1.0, "lower bound for init 'uniform'"),
    Attr("high", "float", 1.0, "upper bound for init 'uniform'"),
    Attr("data", "data", None, "literal values for init 'data' (nested lists)", optional=True),
    Attr("dtype", "choice", "float32", "element type", choices=("float32", "float64", "float16")),
    Attr("seed", "int", None, "a seed of its own (none: values drawn from the node's id)",
         optional=True),
], "A leaf tensor that requires grad (like nn.Parameter); its values are kept across runs "
   "until it is edited, and an optimizer step changes them in place.",
   _run_parameter, infer=_infer_parameter, requires_grad=True)


# --------------------------------------------------------------------------------------
# nn layers: parameters created once, exposed as the extra outputs weight and bias


def _uniform_param(shape, bound, ctx: NodeContext, g):
    dt = _np_dtype(ctx.attr("dtype"))
    return _make_leaf(g.uniform(-bound, bound, shape).astype(dt), ctx.device, True)


def _layer_params(ctx: NodeContext, wshape, fan_in: int):
    """(weight, bias) of a layer: PyTorch's default init U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    made once and kept; moved when the device changes."""
    st = ctx.state
    if "weight" not in st:
        g = _rng(ctx.attr("seed"), ctx)
        bound = 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0
        st["weight"] = _uniform_param(wshape, bound, ctx, g)
        st["bias"] = _uniform_param((wshape[0],), bound, ctx, g) if ctx.attr("bias") else None
    for k in ("weight", "bias"):
        if st[k] is not None and st[k].device != ctx.device:
            st[k] = _moved(st[k], ctx.device)
    return st["weight"], st["bias"]


def _run_linear(ctx: NodeContext) -> dict:
    from ..ops.nn import linear
    fin, fout = ctx.attr("in_features"), ctx.attr("out_features")
    w, b = _layer_params(ctx, (fout, fin), fin)
    return {"out": linear(ctx.inputs["input"], w, b), "weight": w, "bias": b}


def _infer_linear(node, specs: dict) -> dict:
    from .. import _dtype as D
    x = specs.get("input")
    fin, fout = node.attrs["in_features"], node.attrs["out_features"]
    dt = D.to_dtype(node.attrs.get("dtype") or "float32")
    out = {"weight": TensorSpec((fout, fin), dt)}
    if node.attrs.get("bias", True):
        out["bias"] = TensorSpec((fout,), dt)
    if isinstance(x, TensorSpec):
        if not x.shape:
            raise RuntimeError("both arguments to linear need to be at least 1D, but they are "
                               "0D and 2D")
        if x.shape[-1] != fin:
            rows = math.prod(x.shape[:-1])
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} "
                               f"and {fin}x{fout})")
        if x.dtype is not dt:
            raise RuntimeError(f"mat1 and mat2 must have the same dtype, but got "
                               f"{_scalar(x.dtype)} and {_scalar(dt)}")
        out["out"] = TensorSpec(tuple(x.shape[:-1]) + (fout,), dt, x.device)
    return out


def _scalar(dt) -> str:
    from ..autograd.graph import _scalar_type_name
    return _scalar_type_name(dt)


_LAYER_DTYPE = Attr("dtype", "choice", "float32", "parameter element type",
                    choices=("float32", "float64"))
_SEED = Attr("seed", "int", None, "a seed for repeatable initial values", optional=True)
_LAYER_OUTS = [PortSpec("out"), PortSpec("weight"), PortSpec("bias")]

_kind("special:linear", "Linear", "nn", [PortSpec("input")], _LAYER_OUTS, [
    Attr("in_features", "int", 3, "size of each input sample", range=(1, None)),
    Attr("out_features", "int", 2, "size of each output sample", range=(1, None)),
    Attr("bias", "bool", True, "learn an additive bias"),
    _LAYER_DTYPE, _SEED,
], "nn.Linear: input @ weight.T + bias; weight and bias are leaf tensors kept across runs "
   "(outputs 'weight' and 'bias' show them and their grads).",
   _run_linear, infer=_infer_linear)


def _pair(v) -> tuple[int, int]:
    v = tuple(v) if isinstance(v, (tuple, list)) else (int(v),)
    return (v[0], v[0]) if len(v) == 1 else (v[0], v[1])


def _run_conv2d(ctx: NodeContext) -> dict:
    from ..functional import conv2d
    cin, cout, g = ctx.attr("in_channels"), ctx.attr("out_channels"), ctx.attr("groups")
    if cin % g or cout % g:
        raise ValueError("in_channels must be divisible by groups" if cin % g
                         else "out_channels must be divisible by groups")
    kh, kw = _pair(ctx.attr("kernel_size"))
    w, b = _layer_params(ctx, (cout, cin // g, kh, kw), cin // g * kh * kw)
    out = conv2d(ctx.inputs["input"], w, b, _pair(ctx.attr("stride")),
                 _pair(ctx.attr("padding")), _pair(ctx.attr("dilation")), g)
    return {"out": out, "weight": w, "bias": b}


def _infer_conv2d(node, specs: dict) -> dict:
    from .. import _dtype as D
    from .kinds import get_kind
    a = node.attrs
    cin, cout, g = a["in_channels"], a["out_channels"], a["groups"]
    kh, kw = _pair(a["kernel_size"])
    dt = D.to_dtype(a.get("dtype") or "float32")
    w = TensorSpec((cout, max(cin // g, 1), kh, kw), dt)
    out = {"weight": w}
    b = TensorSpec((cout,), dt) if a.get("bias", True) else None
    if b is not None:
        out["bias"] = b
    x = specs.get("input")
    if isinstance(x, TensorSpec):
        op = get_kind("op:conv2d").op
        attrs = {"stride": _pair(a["stride"]), "padding": _pair(a["padding"]),
                 "dilation": _pair(a["dilation"]), "groups": g}
        out["out"] = op.infer([x, w] + ([b] if b is not None else []), attrs)[0]
    return out


_kind("special:conv2d", "Conv2d", "nn", [PortSpec("input")], _LAYER_OUTS, [
    Attr("in_channels", "int", 1, "channels of the input", range=(1, None)),
    Attr("out_channels", "int", 6, "channels produced", range=(1, None)),
    Attr("kernel_size", "ints", (5, 5), "window size (one int or (kH, kW))", range=(1, None)),
    Attr("stride", "ints", (1, 1), "step of the window", range=(1, None)),
    Attr("padding", "ints", (0, 0), "zeros added on each side", range=(0, None)),
    Attr("dilation", "ints", (1, 1), "spacing between kernel elements", range=(1, None)),
    Attr("groups", "int", 1, "channel groups", range=(1, None)),
    Attr("bias", "bool", True, "learn an additive bias"),
    _LAYER_DTYPE, _SEED,
], "nn.Conv2d on (N, C, H, W) input; weight and bias are leaf tensors kept across runs.",
   _run_conv2d, infer=_infer_conv2d)


def _run_cross_entropy(ctx: NodeContext) -> dict:
    from ..ops.nn import cross_entropy
    return {"out": cross_entropy(ctx.inputs["input"], ctx.inputs["target"],
                                 ctx.inputs.get("weight"), ignore_index=ctx.attr("ignore_index"),
                                 reduction=ctx.attr("reduction"),
                                 label_smoothing=ctx.attr("label_smoothing"))}


_kind("special:cross_entropy", "cross_entropy", "loss",
      [PortSpec("input"), PortSpec("target"), PortSpec("weight", optional=True)],
      [PortSpec("out")], [
          Attr("reduction", "choice", "mean", "how per-sample losses are combined",
               choices=("none", "mean", "sum")),
          Attr("ignore_index", "int", -100, "a target value that is ignored"),
          Attr("label_smoothing", "float", 0.0, "amount of smoothing", range=(0.0, 1.0)),
      ], "F.cross_entropy: log_softmax then nll_loss over class indices (or probabilities).",
      _run_cross_entropy)


# --------------------------------------------------------------------------------------
# autograd actions


def _run_backward(ctx: NodeContext) -> dict:
    t = ctx.inputs["tensor"]
    t.backward(ctx.inputs.get("gradient"), retain_graph=ctx.attr("retain_graph"))
    ctx.value = "backward ran"
    return {}


_kind("special:backward", "backward", "autograd",
      [PortSpec("tensor"), PortSpec("gradient", optional=True)], [],
      [Attr("retain_graph", "bool", False, "keep the saved tensors for another backward")],
      "tensor.backward(gradient): runs after the forward pass and accumulates into the "
      "leaves' .grad (a scalar needs no gradient).", _run_backward, phase="backward")

GRAD_PORTS = 4  # outputs grad0..grad3 of an autograd.grad node; the whole tuple is its value


def _run_grad(ctx: NodeContext) -> dict:
    res = _engine().autograd.grad(ctx.inputs["outputs"], ctx.inputs.get("inputs") or [],
                                  ctx.inputs.get("grad_outputs"),
                                  retain_graph=ctx.attr("retain_graph"),
                                  allow_unused=ctx.attr("allow_unused"))
    ctx.value = tuple(res)
    return {f"grad{i}": res[i] if i < len(res) else None for i in range(GRAD_PORTS)}


def _infer_grad(node, specs: dict) -> dict:
    ins = specs.get("inputs") or []
    return {f"grad{i}": s for i, s in enumerate(ins[:GRAD_PORTS]) if isinstance(s, TensorSpec)}


_kind("special:grad", "autograd.grad", "autograd",
      [PortSpec("outputs"), PortSpec("inputs", variadic=True),
       PortSpec("grad_outputs", optional=True)],
      [PortSpec(f"grad{i}") for i in range(GRAD_PORTS)],
      [Attr("retain_graph", "bool", False, "keep the saved tensors for another backward"),
       Attr("allow_unused", "bool", False, "give None for an input the output does not use")],
      "torch.autograd.grad(outputs, inputs): the gradients as new tensors (grad0 for the first "
      "input...), without touching .grad.", _run_grad, infer=_infer_grad)


def _targets(ctx: NodeContext, *ports: str) -> list:
    ts = _tensor_inputs(ctx, *ports)
    return leaves_of(ts) if ts else ctx.executor.leaves()


def _run_zero_grad(ctx: NodeContext) -> dict:
    leaves = _targets(ctx, "tensors")
    for t in leaves:
        if t._grad is None:
            continue
        if ctx.attr("set_to_none"):
            t.grad = None
        elif getattr(t._grad._data.flags, "writeable", True):  # cupy arrays always are
            t._grad._data[...] = 0
            t._grad._vbox[0] += 1
        else:
            t.grad = _engine().zeros_like(t._grad)
    ctx.value = f"cleared the grads of {len(leaves)} tensor(s)"
    return {}


_kind("special:zero_grad", "zero_grad", "optim", [PortSpec("tensors", variadic=True,
                                                           optional=True)], [],
      [Attr("set_to_none", "bool", True, "set .grad to None (else fill it with zeros)")],
      "Clears .grad of the connected leaves (or of the leaves a connected loss depends on; of "
      "every leaf when nothing is connected). Runs before backward.", _run_zero_grad,
      phase="zero_grad")

OPTIMIZERS = ("SGD", "Adam")


def optimizer_settings(attrs: dict) -> dict:
    """The optimizer keyword arguments an optim_step node's attributes spell."""
    name = attrs.get("optimizer", "SGD")
    wd = attrs.get("weight_decay", 0.0)
    if name == "Adam":
        return {"optimizer": "Adam", "lr": attrs.get("lr", 0.001), "weight_decay": wd,
                "betas": (attrs.get("beta1", 0.9), attrs.get("beta2", 0.999)),
                "eps": attrs.get("eps", 1e-8)}
    return {"optimizer": "SGD", "lr": attrs.get("lr", 0.01), "weight_decay": wd,
            "momentum": attrs.get("momentum", 0.0), "dampening": attrs.get("dampening", 0.0),
            "nesterov": attrs.get("nesterov", False)}


def _run_optim_step(ctx: NodeContext) -> dict:
    from .train import make_optimizer
    params = _targets(ctx, "loss", "params")
    settings = optimizer_settings(ctx.node.attrs)
    key = (tuple(id(p) for p in params), tuple(sorted(settings.items())))
    if ctx.state.get("key") != key:
        ctx.state["optimizer"] = make_optimizer(params, settings)
        ctx.state["key"] = key
        ctx.state["steps"] = 0
    ctx.state["optimizer"].step()
    ctx.state["steps"] += 1
    ctx.updated = params
    ctx.value = f"{settings['optimizer']} step {ctx.state['steps']} on {len(params)} tensor(s)"
    return {}


_kind("special:optim_step", "optimizer step", "optim",
      [PortSpec("loss", optional=True), PortSpec("params", variadic=True, optional=True)], [], [
          Attr("optimizer", "choice", "SGD", "the update rule", choices=OPTIMIZERS),
          Attr("lr", "float", 0.01, "learning rate", range=(0.0, None)),
          Attr("momentum", "float", 0.0, "SGD momentum", range=(0.0, None)),
          Attr("dampening", "float", 0.0, "SGD dampening of momentum", range=(0.0, None)),
          Attr("nesterov", "bool", False, "SGD Nesterov momentum"),
          Attr("weight_decay", "float", 0.0, "L2 penalty", range=(0.0, None)),
          Attr("beta1", "float", 0.9, "Adam: decay of the first moment", range=(0.0, 1.0)),
          Attr("beta2", "float", 0.999, "Adam: decay of the second moment", range=(0.0, 1.0)),
          Attr("eps", "float", 1e-8, "Adam: added to the denominator", range=(0.0, None)),
      ], "optimizer.step() on the leaves the connected loss depends on (or the connected "
         "params; every leaf when nothing is connected). Runs on Step and Train, after "
         "backward; its buffers (momentum, Adam moments) are kept across steps.",
      _run_optim_step, phase="step")


def _run_detach(ctx: NodeContext) -> dict:
    return {"out": ctx.inputs["input"].detach()}


def _same_spec(node, specs: dict) -> dict:
    x = specs.get("input")
    return {"out": x} if isinstance(x, TensorSpec) else {}


_kind("special:detach", "detach", "autograd", [PortSpec("input")], [PortSpec("out")], [],
      "tensor.detach(): the same values, cut from the graph (a leaf that does not require "
      "grad; shares storage and version counter).", _run_detach, infer=_same_spec)


def _run_retain(ctx: NodeContext) -> dict:
    t = ctx.inputs["input"]
    t.retain_grad()
    return {"out": t}


_kind("special:retain", "retain_grad", "autograd", [PortSpec("input")], [PortSpec("out")], [],
      "tensor.retain_grad(): passes the tensor on and keeps its .grad after backward even if "
      "it is not a leaf.", _run_retain, infer=_same_spec)
