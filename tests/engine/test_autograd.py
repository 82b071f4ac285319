"""Autograd semantics against PyTorch (API.md "Autograd semantics", EXAMPLES.md items 1-13).

Each behaviour is a small program run once on ``engine`` and once on ``torch``; values,
``grad_fn`` names, graph structure, exception types and messages, and warnings must agree.
"""
from __future__ import annotations

import gc
import time
import warnings
import weakref

import numpy as np
import pytest
import torch

import engine


# --------------------------------------------------------------------------------------
# helpers: run a program on both libraries and compare what comes out


class Raised:
    """An exception as data: type name and message."""

    def __init__(self, exc: BaseException):
        self.type = type(exc).__name__
        self.msg = str(exc)

    def __eq__(self, other):
        return isinstance(other, Raised) and (self.type, self.msg) == (other.type, other.msg)

    def __repr__(self):
        return f"Raised({self.type}: {self.msg!r})"


def canon(x):
    """Tensors become (dtype, shape, values); containers recurse; the rest stays."""
    if isinstance(x, (engine.Tensor, torch.Tensor)):
        a = np.asarray(x.detach().cpu().numpy() if isinstance(x, torch.Tensor)
                       else x.detach().numpy())
        return ("tensor", str(x.dtype), tuple(x.shape), a)
    if isinstance(x, (list, tuple)):
        return type(x)(canon(v) for v in x)
    if isinstance(x, dict):
        return {k: canon(v) for k, v in x.items()}
    return x


def assert_same(a, b, path="result"):
    if isinstance(a, tuple) and a and a[0] == "tensor":
        assert isinstance(b, tuple) and b and b[0] == "tensor", f"{path}: {a} vs {b}"
        assert a[1:3] == b[1:3], f"{path}: dtype/shape {a[1:3]} vs {b[1:3]}"
        np.testing.assert_allclose(a[3], b[3], rtol=2e-6, atol=1e-7, err_msg=path)
        return
    if isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), f"{path}: {a!r} vs {b!r}"
        for i, (u, v) in enumerate(zip(a, b)):
            assert_same(u, v, f"{path}[{i}]")
        return
    if isinstance(a, dict):
        assert a.keys() == b.keys(), f"{path}: keys"
        for k in a:
            assert_same(a[k], b[k], f"{path}[{k!r}]")
        return
    if isinstance(a, float) and isinstance(b, float):
        assert a == pytest.approx(b, rel=2e-6, abs=1e-7), f"{path}: {a} vs {b}"
        return
    assert a == b, f"{path}: {a!r} vs {b!r}"


def run(prog, lib):
    """The program's result, or the exception it raised, with the warnings it gave."""
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        try:
            out = canon(prog(lib))
        except Exception as e:  # noqa: BLE001 - compared with torch's
            out = Raised(e)
    return out, [(w.category.__name__, str(w.message)) for w in ws]


def same_behaviour(prog, *, warnings_too: bool = True):
    e, ew = run(prog, engine)
    t, tw = run(prog, torch)
    assert_same(e, t)
    if warnings_too:
        assert [c for c, _ in ew] == [c for c, _ in tw], (ew, tw)
    return e


def error_of(prog, lib):
    with pytest.raises(Exception) as ei:
        prog(lib)
    return type(ei.value).__name__, str(ei.value)


def same_error(prog):
    e, t = error_of(prog, engine), error_of(prog, torch)
    assert e == t
    return e


def graph_of(t) -> object:
    """The backward graph below ``t`` as nested data: node class names, output indices,
    AccumulateGrad with the identity of its variable, None for constants."""
    leaves: list = []

    def node(n):
        if n is None:
            return None
        name = type(n).__name__
        if name == "AccumulateGrad":
            var = n.variable
            for i, v in enumerate(leaves):
                if v is var:
                    return ("AccumulateGrad", i)
            leaves.append(var)
            return ("AccumulateGrad", len(leaves) - 1)
        return (name, tuple((node(nx), idx) for nx, idx in n.next_functions))

    return node(t.grad_fn)


# --------------------------------------------------------------------------------------
# EXAMPLES.md items 1-13


def test_example_01_autograd_basics():
    def prog(lib):
        x = lib.ones(2, 2, requires_grad=True)
        y = x + 2
        z = y * y * 3
        out = z.mean()
        out.backward()
        return [y.grad_fn.name(), z.grad_fn.name(), out.grad_fn.name(), out, x.grad,
                repr(y), repr(out), y.requires_grad, x.is_leaf, y.is_leaf]
    r = same_behaviour(prog)
    assert r[0:3] == ["AddBackward0", "MulBackward0", "MeanBackward0"]
    assert float(r[3][3]) == 27.0
    assert np.all(r[4][3] == 4.5)


def test_example_02_vector_jacobian_product():
    x0 = np.random.default_rng(0).standard_normal(3).astype(np.float32)

    def prog(lib):
        x = lib.tensor(x0, requires_grad=True)
        y = x * 2
        k = 1
        while y.data.norm() < 1000:
            y = y * 2
            k += 1
        v = lib.tensor([0.1, 1.0, 0.0001], dtype=lib.float32)
        y.backward(v)
        return [k, x.grad, y.grad_fn.name()]
    r = same_behaviour(prog)
    np.testing.assert_allclose(r[1][3], np.array([0.1, 1.0, 0.0001], np.float32) * 2 ** r[0])


def test_example_03_scalar_derivative():
    def prog(lib):
        x = lib.tensor(10.0, dtype=lib.float64, requires_grad=True)
        f = x ** 2 + 20
        f.backward()
        return [f, x.grad, f.grad_fn.name(), f.grad_fn.next_functions[0][0].name()]
    r = same_behaviour(prog)
    assert float(r[1][3]) == 20.0


def test_example_04_mean_of_a_vector_function():
    def prog(lib):
        x = lib.tensor([10, 20, 30, 40], dtype=lib.float64, requires_grad=True)
        (x ** 2 + 20).mean().backward()
        return x.grad
    r = same_behaviour(prog)
    assert r[3].tolist() == [5, 10, 15, 20]


def test_example_05_gradients_accumulate():
    def prog(lib, zero):
        x = lib.tensor([10, 20, 30, 40], dtype=lib.float64, requires_grad=True)
        seen = []
        for _ in range(3):
            if zero and x.grad is not None:
                x.grad.zero_()
            (x ** 2 + 20).mean().backward()
            seen.append(x.grad.clone())
        return seen
    r = same_behaviour(lambda lib: prog(lib, False))
    assert r[2][3].tolist() == [15, 30, 45, 60]
    r = same_behaviour(lambda lib: prog(lib, True))
    assert r[2][3].tolist() == [5, 10, 15, 20]


def test_example_06_gradient_descent_on_x_squared():
    def prog(lib):
        x = lib.tensor(10.0, requires_grad=True)
        v0 = x._version
        for _ in range(5000):
            f = x ** 2
            f.backward()
            x.data -= 0.001 * x.grad
            x.grad.zero_()
        return [x, x._version == v0, x.requires_grad, x.is_leaf]
    r = same_behaviour(prog)
    assert float(r[0][3]) == pytest.approx(10 * 0.998 ** 5000, rel=1e-3)


def test_example_07_partial_derivatives():
    def prog(lib):
        x = lib.tensor(1.0, requires_grad=True)
        a = lib.tensor(1.0, requires_grad=True)
        b = lib.tensor(2.0, requires_grad=True)
        c = lib.tensor(3.0, requires_grad=True)
        y = a ** 2 * x + b * x + c
        g = lib.autograd.grad(y, [a, b, c])
        return [y, g, a.grad, x.grad]
    r = same_behaviour(prog)
    assert [float(t[3]) for t in r[1]] == [2.0, 1.0, 1.0]


def test_example_08_dot_product():
    def prog(lib):
        x = lib.arange(4.0)
        x.requires_grad_(True)
        y = 2 * lib.dot(x, x)
        out = [y, y.grad_fn.name(), graph_of(y)]
        y.backward()
        out.append(x.grad.clone())
        x.grad.zero_()
        x.sum().backward()
        out.append(x.grad.clone())
        x.grad.zero_()
        (x * x).sum().backward()
        out.append(x.grad.clone())
        return out
    r = same_behaviour(prog)
    assert float(r[0][3]) == 28.0 and r[1] == "MulBackward0"
    assert r[3][3].tolist() == [0, 4, 8, 12] and r[4][3].tolist() == [1, 1, 1, 1]
    assert r[5][3].tolist() == [0, 2, 4, 6]


def test_example_09_detach():
    def prog(lib):
        x = lib.arange(4.0, requires_grad=True)
        y = x * x
        u = y.detach()
        z = u * x
        z.sum().backward()
        out = [x.grad.clone(), bool((x.grad == u).all()), u.requires_grad, u.is_leaf,
               u.grad_fn is None]
        x.grad.zero_()
        y.sum().backward()
        out += [x.grad, bool((x.grad == 2 * x).all())]
        return out
    r = same_behaviour(prog)
    assert r[1] is True and r[6] is True


def test_example_10_control_flow():
    a0 = np.random.default_rng(1).standard_normal(()).astype(np.float32)

    def f(lib, a):
        b = a * 2
        while b.norm() < 1000:
            b = b * 2
        c = b if b.sum() > 0 else 100 * b
        return c

    def prog(lib):
        a = lib.tensor(a0, requires_grad=True)
        d = f(lib, a)
        d.backward()
        return [d, a.grad, bool(a.grad == d / a)]
    r = same_behaviour(prog)
    assert r[2] is True


def test_example_11_no_grad():
    def prog(lib):
        x = lib.ones(3, requires_grad=True)
        out = [(x ** 2).requires_grad]
        with lib.no_grad():
            y = x ** 2
            out += [y.requires_grad, y.grad_fn is None, y.is_leaf, lib.is_grad_enabled()]
        out += [lib.is_grad_enabled(), (x * 2).requires_grad]
        return out
    assert same_behaviour(prog) == [True, False, True, True, False, True, True]


def test_example_12_leaves_and_retain_grad():
    def prog(lib):
        x = lib.ones(2, 2, requires_grad=True)
        y = x + 2
        z = y * y
        out = [x.is_leaf, y.is_leaf, x.grad_fn is None, y.retains_grad]
        z.sum().backward(retain_graph=True)
        out.append(y.grad is None)  # warns
        y.retain_grad()
        out.append(y.retains_grad)
        z.sum().backward()
        out += [y.grad, x.grad]
        return out
    r = same_behaviour(prog)
    assert r[:6] == [True, False, True, False, True, True]


def test_example_13_in_place_and_versions():
    def prog(lib):
        out = []
        a = lib.ones(3, requires_grad=True)
        try:
            a.add_(1)
        except RuntimeError as e:
            out.append(str(e))
        with lib.no_grad():
            a[:] = 10.0
        out += [a, a._version, a.requires_grad, a.is_leaf]
        # a value backward needs, changed in place
        b = a * 1
        c = b * b
        v0 = b._version
        b.add_(1)
        out.append(b._version - v0)
        try:
            c.sum().backward()
        except RuntimeError as e:
            out.append(str(e))
        # a value backward does not need (mul by a constant saves only the constant)
        d = a * 1
        e2 = d * 2
        d.add_(5)
        e2.sum().backward()
        out.append(a.grad)
        return out
    r = same_behaviour(prog)
    assert r[0] == "a leaf Variable that requires grad is being used in an in-place operation."
    assert "modified by an inplace operation" in r[6]


# --------------------------------------------------------------------------------------
# grad_fn names and next_functions


PROGRAMS = {
    "mul-add": lambda lib, x, y: x * y + x,
    "const": lambda lib, x, y: x * 2,
    "rconst": lambda lib, x, y: 2 + x,
    "no-grad-operand": lambda lib, x, y: x + lib.ones(3),
    "reuse": lambda lib, x, y: (x * x) * (x * x),
    "sub-div": lambda lib, x, y: (x - y) / (y + 3),
    "chain": lambda lib, x, y: ((x.exp() + 1).log() * y).sum(),
    "sum-dim": lambda lib, x, y: (x * y).reshape(3, 1).sum(1),
    "mean-pow": lambda lib, x, y: (x ** 2).mean() + y.pow(3).sum(),
    "neg-rsub": lambda lib, x, y: 1 - (-x),
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_graph_structure_matches_torch(name):
    def prog(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = lib.tensor([0.5, -1.0, 2.0], requires_grad=True)
        out = PROGRAMS[name](lib, x, y)
        return [graph_of(out), out.grad_fn.name(), type(out.grad_fn).__name__]
    same_behaviour(prog)


def test_next_functions_details():
    for lib in (engine, torch):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        acc, idx = y.grad_fn.next_functions[0]
        assert type(acc).__name__ == "AccumulateGrad" and idx == 0
        assert acc.variable is x
        assert y.grad_fn.next_functions[1] == (None, 0)
        z = x * 3
        assert z.grad_fn.next_functions[0][0] is acc  # one accumulator per leaf
        assert isinstance(y.grad_fn.next_functions, tuple)
        assert x.grad_fn is None


def test_multi_output_edges_carry_the_output_index():
    def prog(lib):
        x = lib.arange(6.0, requires_grad=True)
        a, b, c = x.split(2)
        out = b * 2 + c
        return [graph_of(out), [t.grad_fn.name() for t in (a, b, c)]]
    same_behaviour(prog)


# --------------------------------------------------------------------------------------
# .grad, retain_grad, the non-leaf warning


def test_non_leaf_grad_warns_with_pytorch_message():
    for lib in (engine, torch):
        x = lib.ones(2, requires_grad=True)
        y = x * 2
        with pytest.warns(UserWarning) as rec:
            assert y.grad is None
        msg = str(rec[0].message)
        assert msg.startswith("The .grad attribute of a Tensor that is not a leaf Tensor is "
                              "being accessed. Its .grad attribute won't be populated during "
                              "autograd.backward(). If you indeed want the .grad field to be "
                              "populated for a non-leaf Tensor, use .retain_grad() on the "
                              "non-leaf Tensor. If you access the non-leaf Tensor by mistake, "
                              "make sure you access the leaf Tensor instead.")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert x.grad is None  # a leaf: no warning
            y.retain_grad()
            assert y.grad is None  # retained: no warning


def test_retain_grad_values_and_accumulation():
    def prog(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.retain_grad()
        z = (y * y).sum()
        z.backward(retain_graph=True)
        g1 = y.grad.clone()
        z.backward()
        return [g1, y.grad, x.grad, x.retains_grad, y.retains_grad]
    same_behaviour(prog)
    same_error(lambda lib: lib.ones(2).retain_grad())


def test_accumulation_into_leaves_across_backward_calls():
    def prog(lib):
        w = lib.tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
        b = lib.tensor([0.1, 0.2], requires_grad=True)
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        grads = []
        for _ in range(3):
            ((x * w + b) ** 2).sum().backward()
            grads.append((w.grad.clone(), b.grad.clone()))
        return grads
    same_behaviour(prog)


@pytest.mark.parametrize("how", ["linear", "mm_t", "t_mm", "addmm_t"])
def test_matmul_gradients_keep_the_parameters_layout(how):
    """A weight used transposed (``linear``) gets a contiguous ``.grad`` as in PyTorch, and the
    gradient taken over without a copy is still the leaf's own: accumulating again, or the
    same array reaching another leaf, changes nothing it should not."""
    def prog(lib):
        gen = np.random.default_rng(3)
        x = lib.tensor(gen.standard_normal((5, 4)), requires_grad=True)
        w = lib.tensor(gen.standard_normal((3, 4)), requires_grad=True)
        b = lib.tensor(gen.standard_normal(3), requires_grad=True)
        out = []
        for _ in range(2):
            if how == "linear":
                y = lib.nn.functional.linear(x, w, b)
            elif how == "mm_t":
                y = lib.mm(x, w.t())
            elif how == "t_mm":
                y = lib.mm(w, x.t()).t()
            else:
                y = lib.addmm(b, x, w.t(), beta=0.5, alpha=2.0)
            (y * y).sum().backward()
            out += [w.grad.clone(), x.grad.clone(), w.grad.is_contiguous(),
                    x.grad.is_contiguous(), list(w.grad.stride())]
        return out
    same_behaviour(prog)


def test_broadcast_inputs_get_summed_gradients():
    def prog(lib):
        a = lib.tensor([[1.0], [2.0]], requires_grad=True)
        b = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        c = lib.tensor(2.0, requires_grad=True)
        (a * b + c).sum().backward()
        return [a.grad, b.grad, c.grad]
    same_behaviour(prog)


# --------------------------------------------------------------------------------------
# detach, detach_, requires_grad_, .data


def test_detach_shares_data_and_version():
    def prog(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        d = x.detach()
        out = [d.requires_grad, d.is_leaf, d.grad_fn is None]
        with lib.no_grad():
            d.add_(1)
        out += [x, x._version, d._version]
        y = x * 1
        y2 = y.detach()
        y2.mul_(3)
        out += [y, y._version, y2._version]
        return out
    same_behaviour(prog)


def test_detach_in_place():
    def prog(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        r = y.detach_()
        return [r is y, y.requires_grad, y.is_leaf, y.grad_fn is None]
    assert same_behaviour(prog) == [True, False, True, True]


def test_requires_grad_flags():
    def prog(lib):
        x = lib.tensor([1.0, 2.0])
        r = x.requires_grad_()
        out = [r is x, x.requires_grad]
        x.requires_grad_(False)
        out.append(x.requires_grad)
        x.requires_grad = True
        out.append(x.requires_grad)
        return out
    same_behaviour(prog)
    same_error(lambda lib: lib.tensor([1, 2]).requires_grad_())
    same_error(lambda lib: setattr(lib.tensor([1, 2]), "requires_grad", True))
    same_error(lambda lib: lib.tensor([1, 2], requires_grad=True))
    same_error(lambda lib: (lib.ones(2, requires_grad=True) * 2).requires_grad_(False))

    def nonleaf_true(lib):
        y = lib.ones(2, requires_grad=True) * 2
        return y.requires_grad_(True) is y
    assert same_behaviour(nonleaf_true) is True


def test_data_semantics():
    def prog(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        d = x.data
        out = [d.requires_grad, d.is_leaf, x._version]
        x.data -= 1.0  # neither bumps x's version nor errors
        out += [x._version, x, x.requires_grad]
        y.sum().backward()  # the .data write is invisible to the version check
        out.append(x.grad)
        x.data = lib.tensor([5.0, 6.0], dtype=lib.float64)
        out += [x, x._version, x.requires_grad, x.is_leaf]
        return out
    same_behaviour(prog)
    # (PyTorch's saved variables are the tensors themselves, so a later ``x.data = new``
    # would show through to a pending backward; the engine saves arrays and does not.)


# --------------------------------------------------------------------------------------
# grad modes


def test_grad_mode_context_managers():
    def prog(lib):
        x = lib.ones(2, requires_grad=True)
        out = []
        with lib.no_grad():
            out.append((x * 2).requires_grad)
            with lib.enable_grad():
                out.append((x * 2).requires_grad)
            out.append((x * 2).requires_grad)
        with lib.set_grad_enabled(False):
            out.append((x * 2).requires_grad)
        out.append((x * 2).requires_grad)
        lib.set_grad_enabled(False)
        out.append((x * 2).requires_grad)
        lib.set_grad_enabled(True)
        out.append((x * 2).requires_grad)
        with lib.autograd.no_grad():
            out.append(lib.is_grad_enabled())
        return out
    assert same_behaviour(prog) == [False, True, False, False, True, False, True, False]


def test_grad_mode_decorators():
    def prog(lib):
        x = lib.ones(2, requires_grad=True)

        @lib.no_grad()
        def f(t):
            return t * 2

        @lib.no_grad
        def f2(t):
            return t * 2

        @lib.enable_grad()
        def g(t):
            return t * 2

        @lib.set_grad_enabled(False)
        def h(t):
            return t * 2

        out = [f(x).requires_grad, f2(x).requires_grad, h(x).requires_grad, lib.is_grad_enabled()]
        with lib.no_grad():
            out.append(g(x).requires_grad)
        out.append(f.__name__)
        return out
    assert same_behaviour(prog) == [False, False, False, True, True, "f"]


def test_grad_mode_restored_after_exception():
    for lib in (engine, torch):
        with pytest.raises(ValueError):
            with lib.no_grad():
                raise ValueError
        assert lib.is_grad_enabled()


# --------------------------------------------------------------------------------------
# autograd.grad and backward's arguments


def test_autograd_grad_options():
    def prog(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = lib.tensor([0.5, 0.5, 0.5], requires_grad=True)
        u = lib.tensor([1.0], requires_grad=True)
        y = x * x * w
        out = []
        out.append(lib.autograd.grad(y, x, grad_outputs=lib.ones(3), retain_graph=True))
        out.append(lib.autograd.grad(y.sum(), [x, w], retain_graph=True))
        out.append(lib.autograd.grad(y.sum(), [x, u], allow_unused=True, retain_graph=True))
        out.append([x.grad is None, w.grad is None])
        out.append(lib.autograd.grad([y.sum(), (x * 3).sum()], [x]))
        return out
    same_behaviour(prog)


@pytest.mark.parametrize("case", ["unused", "no-grad-input", "twice", "non-scalar",
                                  "shape", "no-grad-output"])
def test_autograd_grad_errors(case):
    def prog(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * x
        if case == "unused":
            return lib.autograd.grad(y.sum(), [x, lib.ones(2, requires_grad=True)])
        if case == "no-grad-input":
            return lib.autograd.grad(y.sum(), [lib.ones(2)])
        if case == "twice":
            s = y.sum()
            lib.autograd.grad(s, x)
            return lib.autograd.grad(s, x)
        if case == "non-scalar":
            return lib.autograd.grad(y, x)
        if case == "shape":
            return lib.autograd.grad(y, x, grad_outputs=lib.ones(2))
        return lib.autograd.grad(lib.ones(2).sum(), x)
    same_error(prog)


def test_backward_with_gradient_and_errors():
    def prog(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.backward(lib.tensor([1.0, 0.5, 0.25]))
        g1 = x.grad.clone()
        (x * 3).backward(gradient=lib.ones(3, dtype=lib.float64))
        return [g1, x.grad]
    same_behaviour(prog)
    same_error(lambda lib: (lib.ones(3, requires_grad=True) * 2).backward())
    same_error(lambda lib: (lib.ones(3, requires_grad=True) * 2).backward(lib.ones(2)))
    same_error(lambda lib: lib.ones(2).sum().backward())
    same_error(lambda lib: lib.ones(1).backward())


def test_second_backward_error_and_retain_graph():
    def second(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        y.backward()
    same_error(second)

    def retained(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x * x).sum()
        y.backward(retain_graph=True)
        y.backward(retain_graph=True)
        y.backward()
        return x.grad
    same_behaviour(retained)

    def no_saved(lib):  # nothing saved: a second pass works in PyTorch too
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = (x + 1).sum()
        y.backward()
        y.backward()
        return x.grad
    same_behaviour(no_saved)


def test_backward_inputs():
    def prog(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        b = lib.tensor([3.0, 4.0], requires_grad=True)
        y = (a * b).sum()
        y.backward(inputs=[a], retain_graph=True)
        out = [a.grad.clone(), b.grad is None]
        y.backward(inputs=[b])
        out += [a.grad, b.grad]
        return out
    same_behaviour(prog)

    def through_nonleaf(lib):
        a = lib.tensor([1.0, 2.0], requires_grad=True)
        h = a * 3
        h.retain_grad()
        y = (h * h).sum()
        y.backward(inputs=[h])
        return [h.grad, a.grad is None]
    same_behaviour(through_nonleaf)
    same_error(lambda lib: (lib.ones(2, requires_grad=True) * 2).sum().backward(inputs=[]))


# --------------------------------------------------------------------------------------
# in-place and version counters


def test_version_counters():
    def prog(lib):
        x = lib.zeros(3)
        out = [x._version]
        x.add_(1)
        out.append(x._version)
        x.mul_(2)
        out.append(x._version)
        x[0] = 5.0
        out.append(x._version)
        x.zero_()
        out.append(x._version)
        v = x[1:]
        v.add_(1)
        out += [x._version, v._version, x]
        y = x + 1
        out.append(y._version)
        return out
    same_behaviour(prog)


@pytest.mark.parametrize("case", ["saved-input", "saved-output-exp", "nonleaf-changed",
                                  "leaf-under-no-grad", "sum-dim-no-grad", "float64"])
def test_modified_by_an_inplace_operation_message(case):
    def prog(lib):
        x0 = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        x = x0 * 1
        if case == "saved-input":
            z = x * x
            x.add_(1)
        elif case == "saved-output-exp":
            y = x.exp()
            z = y * 2
            y.add_(1)
        elif case == "nonleaf-changed":
            y = x + 1
            z = y * y
            y.mul_(2)
        elif case == "leaf-under-no-grad":
            z = x0 * x0
            with lib.no_grad():
                x0.mul_(2)
        elif case == "sum-dim-no-grad":
            y = x.reshape(3, 1).sum(1)
            z = y * y
            with lib.no_grad():
                y.add_(1)
        else:
            x64 = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True) * 1
            z = x64.sin()
            x64.mul_(2)
        z.sum().backward()
    same_error(prog)


def test_in_place_on_values_backward_does_not_need():
    def prog(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x + 1        # add saves nothing
        z = y * 2        # mul by a constant keeps only the constant
        w = y + x
        y.add_(10)
        (z.sum() + w.sum()).backward()
        return [x.grad, y._version, z.grad_fn.name(), y.grad_fn.name()]
    same_behaviour(prog)


def test_leaf_in_place_errors_and_no_grad_assignment():
    same_error(lambda lib: lib.ones(3, requires_grad=True).add_(1))
    same_error(lambda lib: lib.ones(3, requires_grad=True).mul_(2))

    def view_of_leaf(lib):
        x = lib.ones(2, 3, requires_grad=True)
        x[0].add_(1)
    same_error(view_of_leaf)

    # PyTorch writes x[0] = v as a view's copy_ ("a view of a leaf..."); x[:], x[...], lists
    # and masks write into x itself ("a leaf Variable...")
    for index in (0, slice(None), slice(0, 2), Ellipsis, [0], "mask"):
        def setitem(lib, index=index):
            x = lib.ones(3, requires_grad=True)
            if index == "mask":
                index = lib.tensor([True, False, True])
            x[index] = 2.0
        same_error(setitem)

    def allowed(lib):
        a = lib.ones(2, 3, requires_grad=True)
        with lib.no_grad():
            a[:] = 10.0
            a[0, 1] = 3.0
            a.mul_(2)
        (a * a).sum().backward()
        return [a, a.grad, a._version, a.is_leaf]
    same_behaviour(allowed)


def test_in_place_on_non_leaf_records_the_new_grad_fn():
    def prog(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.add_(1)
        out = [y.grad_fn.name(), graph_of(y)]
        y.mul_(y.detach())
        out.append(y.grad_fn.name())
        y.sum().backward()
        out.append(x.grad)
        return out
    same_behaviour(prog)


# --------------------------------------------------------------------------------------
# hooks


def test_hooks_on_leaf_and_non_leaf():
    def prog(lib):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        seen = []
        h1 = x.register_hook(lambda g: seen.append(("leaf", g.clone())))
        y = x * x
        h2 = y.register_hook(lambda g: g * 10)  # replaces the gradient flowing on
        y.sum().backward(retain_graph=True)
        out = [x.grad.clone(), len(seen)]
        h2.remove()
        h1.remove()
        x.grad = None
        y.sum().backward()
        out += [x.grad, len(seen), seen[0][1]]
        return out
    same_behaviour(prog)


def test_leaf_hook_replaces_the_accumulated_gradient():
    def prog(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: g * 0 + 7)
        (x * 5).sum().backward()
        return x.grad
    same_behaviour(prog)


def test_hook_on_a_tensor_without_grad_errors():
    same_error(lambda lib: lib.ones(2).register_hook(lambda g: g))


def test_hook_sees_retained_grad_order():
    def prog(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda g: g + 1)
        (y * y).sum().backward()
        return [y.grad, x.grad]
    same_behaviour(prog)


# --------------------------------------------------------------------------------------
# depth, memory, devices


def test_long_chain_backward_is_iterative_and_fast():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    t0 = time.perf_counter()
    y = x
    for _ in range(100_000):
        y = y + 1.0
    y.backward(engine.ones(2))
    elapsed = time.perf_counter() - t0
    assert x.grad.tolist() == [1.0, 1.0]
    assert elapsed < 6.0, f"100,000-op chain took {elapsed:.1f}s"
    del y
    gc.collect()


def test_long_chain_with_saved_values():
    x = engine.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.backward()
    assert x.grad.item() == pytest.approx(1.0001 ** 20_000, rel=1e-3)


def test_saved_tensors_freed_after_backward():
    def prog(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        y.sum().backward()
        return y.grad_fn._saved_self if lib is torch else y.grad_fn.saved
    same_error(prog)

    x = engine.tensor([1.0, 2.0], requires_grad=True)
    w = engine.tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    node = y.grad_fn
    assert node.saved_bytes > 0
    y.sum().backward(retain_graph=True)
    assert node.saved_bytes > 0
    y.sum().backward()
    assert node.saved_bytes == 0
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        node.saved


def test_graph_is_freed_with_its_output():
    x = engine.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    ref = weakref.ref(y.grad_fn)
    del y
    gc.collect()
    assert ref() is None


def test_mixed_devices_error_text(monkeypatch):
    a = engine.ones(2)
    b = engine.ones(2)
    fake = engine.device("cuda", 0)
    monkeypatch.setattr(b, "_device", fake)
    expected = ("Expected all tensors to be on the same device, but found at least two "
                "devices, cuda:0 and cpu!")
    with pytest.raises(RuntimeError) as ei:
        a + b
    assert str(ei.value) == expected
    with pytest.raises(RuntimeError) as ei:
        b + a
    assert str(ei.value) == expected


@pytest.mark.gpu
@pytest.mark.skipif(not engine.cuda.is_available(), reason="needs a CUDA GPU")
def test_mixed_devices_on_a_real_gpu():
    a = engine.ones(2)
    b = engine.ones(2, device="cuda")
    for f in (lambda: a + b, lambda: b + a, lambda: a * b):
        with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
            f()
    c = b + engine.tensor(2.0)  # a CPU 0-dim tensor is allowed with a GPU tensor
    assert c.device.type == "cuda"
    x = engine.ones(3, device="cuda", requires_grad=True)
    (x * x).sum().backward()
    assert x.grad.device.type == "cuda" and x.grad.cpu().tolist() == [2.0, 2.0, 2.0]


def _inplace_through_views(lib):
    a = lib.ones(2, 3, requires_grad=True)
    w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 2
    b[0].add_(w * w)          # a row view of a non-leaf
    b.t()[1].mul_(5)          # a column, through a transposed view
    v = b[1:]
    v.sub_(1)
    names = (type(b.grad_fn).__name__, type(v.grad_fn).__name__)
    (b * b).sum().backward()
    return names, a.grad.tolist(), w.grad.tolist(), b.tolist()


def test_inplace_op_through_a_view_reroutes_the_base_like_pytorch():
    import torch
    ours = _inplace_through_views(engine)
    theirs = _inplace_through_views(torch)
    assert ours[0] == ("CopySlices", "AsStridedBackward0") == theirs[0]
    for x, y in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(np.array(x), np.array(y), rtol=1e-6)
