"""Op tests generated from the registry: every registered op is tested by being registered.

For each op (except the 'creation' family) and each of its ``samples()`` cases, the same random
inputs go to the engine and to PyTorch, and we compare forward values, shape, dtype, the
``grad_fn`` name, and the input gradients for a random upstream gradient; then a float64
central-difference gradcheck of the engine op alone, and ``infer()`` against the forward.
A metadata test checks docs, attribute schemas, grad_fn names and that every op has samples.
"""
from __future__ import annotations

import math
import re
import zlib
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pytest
import torch

import engine
import engine.functional as EF
from engine.ops.registry import (ATTR_KINDS, REGISTRY, Attr, OpDef, Sample,
                                 TensorSpec, samples_of)

pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")

# --------------------------------------------------------------------------------------
# how to call an op on each side


class _Names(dict):
    """eval() locals where every name is the indexed tensor (masks like ``[x[:, 2] > 5]``)."""

    def __init__(self, tensor):
        super().__init__()
        self.tensor = tensor

    def __missing__(self, name):
        return self.tensor


class _Key:
    def __getitem__(self, key):
        return key


def parse_index(text, tensor):
    """The Python key an index attribute spells (text as the GUI writes it, or a key)."""
    if not isinstance(text, str):
        return text
    names = _Names(tensor)
    names["_KEY"] = _Key()
    return eval("_KEY" + text.strip(), {"__builtins__": {}}, names)  # noqa: S307 - test data


def _index_put(lib):
    """``input[index] = values`` on a copy (``index_put_`` with tensors when accumulating).
    The engine reads text keys itself (its parser is under test); PyTorch gets ours."""

    def fn(x, values, index=None, accumulate=False, *, indices=None):
        y = x.clone()
        text = index if index is not None else indices
        if accumulate:
            key = parse_index(text, y)
            key = key if isinstance(key, tuple) else (key,)
            lib.index_put_(y, tuple(lib.tensor(k) for k in key), values, accumulate=True)
        elif lib is engine:
            engine.index_put_(y, text, values)
        else:
            y[parse_index(text, y)] = values
        return y

    return fn


#: ops whose PyTorch spelling is not torch.<name> / torch.nn.functional.<name> / x.<name>()
TORCH_CALL: dict[str, Callable] = {
    "index": lambda x, index: x[parse_index(index, x)],
    "index_put": _index_put(torch),
    "linalg_vector_norm": torch.linalg.vector_norm,
    "view_dtype": lambda x, dtype: x.view(dtype),
    "to_copy": lambda x, dtype=None, device=None: x.to(device=device, dtype=dtype, copy=True),
}
#: ops whose engine spelling is not engine.functional.<name> / engine.nn.functional / x.<name>()
ENGINE_CALL: dict[str, Callable] = {  # engine.functional.index reads the text key itself
    "index_put": _index_put(engine),
    # no engine.linalg namespace: torch.norm's engine twin records LinalgVectorNormBackward0
    "linalg_vector_norm": lambda x, ord=2, dim=None, keepdim=False, *, dtype=None:
        engine.norm(x, ord, dim, keepdim, dtype=dtype),
}
#: tensor inputs that PyTorch wants boolean; samples give them as ('int', shape, 0, 2)
BOOL_INPUTS = ("mask", "condition")


def _engine_nn_functional():
    try:
        import engine.nn.functional as nnf
        return nnf
    except Exception:  # engine.nn may not exist yet
        return None


def _resolve(name: str, table: dict, modules: list, tensor_cls) -> Callable | None:
    if name in table:
        return table[name]
    for m in modules:
        if m is not None and callable(getattr(m, name, None)):
            return getattr(m, name)
    meth = getattr(tensor_cls, name, None)
    if callable(meth):
        return lambda x, *a, **k: getattr(x, name)(*a, **k)
    return None


def torch_fn(op: OpDef) -> Callable | None:
    return _resolve(op.name, TORCH_CALL, [torch, torch.nn.functional], torch.Tensor)


def engine_fn(op: OpDef) -> Callable | None:
    return _resolve(op.name, ENGINE_CALL, [EF, _engine_nn_functional()], engine.Tensor)


# --------------------------------------------------------------------------------------
# building inputs from a Sample


@dataclass
class In:
    """One input: kind 'tensor' (array + whether it is differentiated), 'scalar' or 'list'."""

    kind: str
    value: Any = None  # the numpy array (tensor), the number (scalar) or list of In (list)
    transposed: bool = False  # array is a (-1, -2) transposed view, non-contiguous
    diff: bool = False


def _rand_array(rng, shape, dtype: str, domain) -> np.ndarray:
    npdt = np.dtype(dtype if dtype != "bool" else np.bool_)
    lo, hi = domain
    if npdt.kind == "f":
        return np.asarray(rng.uniform(lo, hi, size=shape), dtype=npdt)
    if npdt.kind == "b":
        return np.asarray(rng.integers(0, 2, size=shape), dtype=bool)
    return np.asarray(rng.integers(math.ceil(lo), math.floor(hi) + 1, size=shape), dtype=npdt)


def build_inputs(sample: Sample, dtype: str, rng, want_grad: bool,
                 op: OpDef | None = None) -> list[In]:
    floating = np.dtype(dtype).kind == "f"

    def one(entry) -> In:
        if isinstance(entry, (bool, int, float)) and not isinstance(entry, tuple):
            return In("scalar", entry)
        if isinstance(entry, tuple) and entry and isinstance(entry[0], str):
            tag = entry[0]
            if tag == "T":
                shape = tuple(entry[1])
                base_shape = shape[:-2] + (shape[-1], shape[-2])
                a = _rand_array(rng, base_shape, dtype, sample.domain)
                return In("tensor", np.swapaxes(a, -1, -2), True, want_grad and floating)
            if tag == "int":
                _, shape, low, high = entry
                return In("tensor", rng.integers(low, high, size=tuple(shape), dtype=np.int64))
            if tag == "bool":
                return In("tensor", _rand_array(rng, tuple(entry[1]), "bool", (0, 1)))
            if tag == "list":
                return In("list", [one(e) for e in entry[1]])
            raise ValueError(f"unknown sample entry {entry!r}")
        shape = tuple(entry)
        return In("tensor", _rand_array(rng, shape, dtype, sample.domain), False,
                  want_grad and floating)

    res = [one(e) for e in sample.shapes]
    names = op.inputs if op is not None and not op.variadic else ()
    for name, inp in zip(names, res):
        if name in BOOL_INPUTS and inp.kind == "tensor" and inp.value.dtype.kind in "iu":
            inp.value = inp.value != 0
    return res


def _copy_array(inp: In) -> np.ndarray:
    if inp.transposed:
        return np.swapaxes(np.swapaxes(inp.value, -1, -2).copy(), -1, -2)
    return inp.value.copy()


def materialize(inputs: list[In], lib) -> tuple[list, list]:
    """Arguments for ``lib`` (engine or torch) and the leaves that require grad."""
    leaves = []

    def one(inp: In):
        if inp.kind == "scalar":
            return inp.value
        if inp.kind == "list":
            return [one(i) for i in inp.value]
        t = lib.from_numpy(_copy_array(inp))
        if inp.diff:
            t.requires_grad_(True)
            leaves.append(t)
        return t

    return [one(i) for i in inputs], leaves


def call(fn: Callable, args: list, attrs: dict, op: OpDef, lib=engine, mode: str = "pos"):
    """Call an op function as the op's schema says.

    mode 'pos': ``fn(*inputs, *positional attrs, **keyword-only attrs)``;
    mode 'kw': ``fn(first input, other inputs and all attrs by name)``, for signatures that
    put an attribute between tensors (``gather(input, dim, index)``).
    dtype attributes become ``lib``'s dtype objects.
    """
    attrs = {k: _dtype_for(lib, v) if _kind(op, k) == "dtype" else v for k, v in attrs.items()}
    if mode == "kw" and not op.variadic:
        named = dict(zip(op.inputs[1:], args[1:]))
        return fn(*args[:1], **named, **attrs)
    positional = [a for a in op.attrs if not a.keyword_only]
    given = [i for i, a in enumerate(positional) if a.name in attrs]
    pos = []
    for a in positional[:given[-1] + 1] if given else ():
        pos.append(attrs[a.name] if a.name in attrs else a.default)
    kw = {k: v for k, v in attrs.items() if k not in {a.name for a in positional}}
    return fn(*args, *pos, **kw)


def torch_mode(op: OpDef, inputs: list, attrs: dict) -> str:
    """How PyTorch takes this op's arguments ('pos' or 'kw'; 'pos' when it has no twin)."""
    tfn = torch_fn(op)
    if tfn is None:
        return "pos"
    try:
        return call_any(tfn, materialize(inputs, torch)[0], attrs, op, torch)[1]
    except Exception:
        return "pos"


def call_any(fn: Callable, args: list, attrs: dict, op: OpDef, lib=engine):
    """``call`` in 'pos' mode, else in 'kw' mode where the arguments did not fit; returns
    (result, mode)."""
    try:
        return call(fn, args, attrs, op, lib, "pos"), "pos"
    except TypeError as e_pos:
        try:
            return call(fn, args, attrs, op, lib, "kw"), "kw"
        except TypeError:
            raise e_pos from None


def _kind(op: OpDef, name: str) -> str | None:
    for a in op.attrs:
        if a.name == name:
            return a.kind
    return None


def _dtype_for(lib, value):
    if value is None:
        return None
    return getattr(lib, str(value).replace("torch.", ""))


def flat_outputs(out) -> list:
    """The tensors an op returned, in order (a tensor, a tuple / namedtuple / list of them)."""
    if isinstance(out, (list, tuple)):
        res = []
        for o in out:
            res.extend(flat_outputs(o))
        return res
    return [out]


def to_np(t) -> np.ndarray:
    if isinstance(t, torch.Tensor):
        return t.detach().numpy()
    if isinstance(t, engine.Tensor):
        return np.asarray(t.detach().numpy())
    return np.asarray(t)


TOL = {"float16": (1e-2, 1e-2), "float32": (1e-4, 1e-5), "float64": (1e-7, 1e-9)}
GTOL = {"float16": (2e-2, 2e-2), "float32": (1e-4, 1e-4), "float64": (1e-7, 1e-8)}


def assert_close(actual: np.ndarray, expected: np.ndarray, what: str, tol=TOL) -> None:
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != torch's {expected.shape}"
    if expected.dtype.kind in "fc":
        rtol, atol = tol.get(str(expected.dtype), (1e-5, 1e-6))
        np.testing.assert_allclose(actual.astype(np.float64), expected.astype(np.float64),
                                   rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    else:
        np.testing.assert_array_equal(actual, expected, err_msg=what)


# --------------------------------------------------------------------------------------
# the cases


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_")


def _samples(op: OpDef) -> list[Sample]:
    try:
        return samples_of(op)
    except Exception:  # a broken samples() is reported by test_op_metadata
        return []


def ops_under_test() -> list[OpDef]:
    return [op for key, op in sorted(REGISTRY.items()) if op.family != "creation"]


def _case_id(op: OpDef, i: int, s: Sample) -> str:
    return f"{op.key}-{_slug(s.note) or f's{i}'}"


CASES = []  # (id, op, sample, dtype)
GRADCHECK_CASES = []  # (id, op, sample)
INFER_CASES = []
for _op in ops_under_test():
    for _i, _s in enumerate(_samples(_op)):
        _base = _case_id(_op, _i, _s)
        for _dt in _s.dtypes:
            CASES.append(pytest.param(_op, _s, str(_dt).replace("torch.", ""),
                                      id=f"{_base}-{str(_dt).replace('torch.', '')}"))
        if _op.differentiable and _s.grad and _s.gradcheck:
            GRADCHECK_CASES.append(pytest.param(_op, _s, id=_base))
        INFER_CASES.append(pytest.param(_op, _s, id=_base))


def _rng(request) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))


@pytest.mark.parametrize("op,sample,dtype", CASES)
def test_op_matches_torch(op: OpDef, sample: Sample, dtype: str, request):
    """Forward values, shape, dtype, grad_fn name and input gradients agree with PyTorch."""
    efn, tfn = engine_fn(op), torch_fn(op)
    assert efn is not None, f"no public engine function or method named {op.name!r}"
    assert tfn is not None, f"no PyTorch counterpart for {op.name!r}: add it to TORCH_CALL"
    rng = _rng(request)
    inputs = build_inputs(sample, dtype, rng, op.differentiable, op)
    e_args, e_leaves = materialize(inputs, engine)
    t_args, t_leaves = materialize(inputs, torch)
    attrs = dict(sample.attrs)

    t_out, mode = call_any(tfn, t_args, attrs, op, torch)
    e_out = call(efn, e_args, attrs, op, engine, mode)  # called as PyTorch accepted it
    t_outs, e_outs = flat_outputs(t_out), flat_outputs(e_out)
    assert len(e_outs) == len(t_outs), f"{len(e_outs)} outputs, torch gives {len(t_outs)}"
    for k, (e, t) in enumerate(zip(e_outs, t_outs)):
        if not isinstance(t, torch.Tensor):  # a Python number (rare)
            assert e == pytest.approx(t), f"output {k}"
            continue
        assert isinstance(e, engine.Tensor), f"output {k} is {type(e).__name__}, not a Tensor"
        assert tuple(e.shape) == tuple(t.shape), f"output {k} shape {tuple(e.shape)} != {tuple(t.shape)}"
        assert str(e.dtype) == str(t.dtype), f"output {k} dtype {e.dtype} != torch's {t.dtype}"
        assert_close(to_np(e), to_np(t), f"output {k} values")
        assert e.requires_grad == t.requires_grad, f"output {k} requires_grad {e.requires_grad}"
        tname = t.grad_fn.name() if t.grad_fn is not None else None
        ename = e.grad_fn.name() if e.grad_fn is not None else None
        assert ename == tname, f"output {k} grad_fn {ename} != torch's {tname}"

    if not (sample.grad and t_leaves):
        return
    pairs = [(e, t) for e, t in zip(e_outs, t_outs)
             if isinstance(t, torch.Tensor) and t.requires_grad]
    if not pairs:
        return
    ups = [rng.standard_normal(tuple(t.shape)).astype(to_np(t).dtype) for _, t in pairs]
    t_grads = torch.autograd.grad([t for _, t in pairs], t_leaves,
                                  [torch.from_numpy(u.copy()) for u in ups], allow_unused=True)
    e_grads = engine.autograd.grad([e for e, _ in pairs], e_leaves,
                                   [engine.from_numpy(u.copy()) for u in ups], allow_unused=True)
    assert len(e_grads) == len(t_grads)
    for k, (eg, tg, leaf) in enumerate(zip(e_grads, t_grads, t_leaves)):
        tg_np = to_np(tg) if tg is not None else np.zeros(tuple(leaf.shape), to_np(leaf).dtype)
        eg_np = to_np(eg) if eg is not None else np.zeros(tuple(leaf.shape), to_np(leaf).dtype)
        if eg is not None:
            assert str(eg.dtype) == str(leaf.dtype), f"grad {k} dtype {eg.dtype}"
        assert_close(eg_np, tg_np, f"gradient of input {k}", GTOL)


# --------------------------------------------------------------------------------------
# float64 central-difference gradcheck of the engine op alone

EPS = 1e-6
MAX_PERTURB = 48  # elements perturbed per input (a random subset beyond that)


def _tensor_inputs(inputs: list[In]) -> list[In]:
    res = []
    for i in inputs:
        if i.kind == "list":
            res.extend(_tensor_inputs(i.value))
        elif i.kind == "tensor" and i.diff:
            res.append(i)
    return res


@pytest.mark.parametrize("op,sample", GRADCHECK_CASES)
def test_gradcheck(op: OpDef, sample: Sample, request):
    """Analytic gradients of the engine equal central differences in float64."""
    efn = engine_fn(op)
    assert efn is not None, f"no public engine function or method named {op.name!r}"
    rng = _rng(request)
    inputs = build_inputs(sample, "float64", rng, True, op)
    attrs = dict(sample.attrs)
    args, leaves = materialize(inputs, engine)
    mode = torch_mode(op, inputs, attrs)
    outs = flat_outputs(call(efn, args, attrs, op, engine, mode))
    mask = [isinstance(o, engine.Tensor) and o.requires_grad for o in outs]
    diff_outs = [o for o, m in zip(outs, mask) if m]
    if not leaves or not diff_outs:
        pytest.skip("nothing differentiable in this sample")
    if any(o.dtype is not engine.float64 for o in diff_outs):
        pytest.skip("an output is not float64: central differences would measure rounding")
    ws = [rng.standard_normal(tuple(o.shape)) for o in diff_outs]
    grads = engine.autograd.grad(diff_outs, leaves, [engine.from_numpy(w.copy()) for w in ws],
                                 allow_unused=True)

    def objective() -> float:
        with engine.no_grad():
            o = flat_outputs(call(efn, materialize(inputs, engine)[0], attrs, op, engine, mode))
        fo = [x for x, m in zip(o, mask) if m]
        return float(sum((to_np(x) * w).sum() for x, w in zip(fo, ws)))

    for k, (inp, g) in enumerate(zip(_tensor_inputs(inputs), grads)):
        arr = inp.value  # perturbed in place (materialize copies it each time)
        analytic = np.zeros(arr.shape) if g is None else to_np(g)
        n = arr.size
        idx = np.arange(n) if n <= MAX_PERTURB else rng.choice(n, MAX_PERTURB, replace=False)
        for j in idx:
            pos = np.unravel_index(j, arr.shape)
            old = arr[pos]
            arr[pos] = old + EPS
            fp = objective()
            arr[pos] = old - EPS
            fm = objective()
            arr[pos] = old
            num = (fp - fm) / (2 * EPS)
            a = analytic[pos]
            assert abs(a - num) <= 1e-5 + 1e-4 * abs(num), (
                f"input {k} element {pos}: analytic {a!r} vs numerical {num!r}")


# --------------------------------------------------------------------------------------
# infer() agrees with forward


def _spec_of(x):
    if isinstance(x, engine.Tensor):
        return TensorSpec(tuple(x.shape), x.dtype, str(x.device))
    return x


@pytest.mark.parametrize("op,sample", INFER_CASES)
def test_infer_matches_forward(op: OpDef, sample: Sample, request):
    """``infer()`` gives the shapes and dtypes forward produces, without computing."""
    efn = engine_fn(op)
    assert efn is not None, f"no public engine function or method named {op.name!r}"
    dtype = "float32" if "float32" in [str(d) for d in sample.dtypes] else str(sample.dtypes[0])
    inputs = build_inputs(sample, dtype, _rng(request), False, op)
    args, _ = materialize(inputs, engine)
    mode = torch_mode(op, inputs, dict(sample.attrs))
    outs = flat_outputs(call(efn, args, dict(sample.attrs), op, engine, mode))
    specs = []
    for a in args:
        specs.extend(_spec_of(x) for x in a) if isinstance(a, list) else specs.append(_spec_of(a))
    attrs = {**op.defaults(), **sample.attrs}
    inferred = op.infer(specs, attrs)
    if len(inferred) != len(outs):
        # ops returning a list of tensors (split, unbind) infer one spec per piece or one
        # spec per declared output; accept either when the declared outputs match
        assert len(inferred) == len(op.outputs), (
            f"infer gave {len(inferred)} specs for {len(outs)} outputs")
        return
    for k, (s, o) in enumerate(zip(inferred, outs)):
        assert tuple(s.shape) == tuple(o.shape), f"output {k}: infer {s.shape} vs {tuple(o.shape)}"
        assert s.dtype is o.dtype, f"output {k}: infer {s.dtype} vs {o.dtype}"


# --------------------------------------------------------------------------------------
# metadata of every op

_GRAD_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*Backwards?\d*$")  # CopyBackwards exists
DTYPE_RULES = ("promote", "float", "first", "none")


def op_problems(op: OpDef) -> list[str]:
    """Everything wrong with one op's declaration, in words (empty when all is well)."""
    p = []
    if not (op.doc or "").strip():
        p.append("no doc string (OpDef.doc)")
    if not isinstance(op.family, str) or not op.family:
        p.append("no family")
    if op.dtype_rule not in DTYPE_RULES:
        p.append(f"dtype_rule {op.dtype_rule!r}")
    names = [a.name for a in op.attrs]
    if len(set(names)) != len(names):
        p.append(f"duplicate attribute names {names}")
    if set(names) & set(op.inputs):
        p.append(f"attributes named like inputs: {set(names) & set(op.inputs)}")
    for a in op.attrs:
        if not isinstance(a, Attr):
            p.append(f"attribute {a!r} is not a registry.Attr")
            continue
        if a.kind not in ATTR_KINDS:
            p.append(f"attribute {a.name}: kind {a.kind!r}")
        if a.kind == "choice" and not a.choices:
            p.append(f"attribute {a.name}: kind 'choice' without choices")
        if a.choices and not a.required and a.default not in a.choices and \
                not (a.default is None and a.optional):
            p.append(f"attribute {a.name}: default {a.default!r} not among choices")
        if a.default is None and not a.optional and a.kind not in ("dims", "dtype", "device"):
            p.append(f"attribute {a.name}: default None but optional=False")
        if a.range is not None and isinstance(a.default, (int, float)) and \
                not isinstance(a.default, bool):
            lo, hi = a.range
            if (lo is not None and a.default < lo) or (hi is not None and a.default > hi):
                p.append(f"attribute {a.name}: default {a.default} outside range {a.range}")
    if not set(op.scalar_inputs) <= set(op.inputs):
        p.append(f"scalar_inputs {op.scalar_inputs} not among inputs {op.inputs}")
    if op.differentiable_outputs is not None and \
            len(op.differentiable_outputs) != len(op.outputs):
        p.append("differentiable_outputs and outputs differ in length")
    try:
        samples = samples_of(op)
    except Exception as e:
        samples = []
        p.append(f"samples() raised {type(e).__name__}: {e}")
    if op.differentiable:
        attrs = {**op.defaults(), **(samples[0].attrs if samples else {})}
        try:
            name = op.grad_fn_name(attrs)
            if not _GRAD_NAME.match(name or ""):
                p.append(f"grad_fn name {name!r} is not like 'MulBackward0'")
        except Exception as e:
            p.append(f"grad_fn_name raised {type(e).__name__}: {e}")
    if op.family != "creation":
        if not samples:
            p.append("no samples")
        if engine_fn(op) is None:
            p.append(f"no public function engine.functional.{op.name} (nor a Tensor method)")
    declared = {a.name for a in op.attrs}
    for s in samples:
        if not isinstance(s, Sample):
            p.append(f"sample {s!r} is not a registry.Sample")
        elif set(s.attrs) - declared:
            p.append(f"sample attrs {sorted(set(s.attrs) - declared)} are not declared attrs")
    return p


def test_registry_is_populated():
    assert "add" in REGISTRY and "mul" in REGISTRY


def test_op_metadata():
    """Every op: a doc, valid attrs, a grad_fn name if differentiable, samples, a function."""
    problems = {key: op_problems(op) for key, op in sorted(REGISTRY.items())}
    problems = {k: v for k, v in problems.items() if v}
    report = "\n".join(f"  {k}: {'; '.join(v)}" for k, v in problems.items())
    assert not problems, f"{len(problems)} op(s) with problems:\n{report}"


def test_every_tested_op_has_samples():
    """Every non-creation op reaches the generated tests through its samples()."""
    missing = [op.key for op in ops_under_test() if not _samples(op)]
    assert not missing, f"ops without samples (untested): {', '.join(missing)}"
