"""Creation ops against PyTorch: dtypes, shapes, values of the deterministic ones, errors;
the random ones for shape, dtype, range and ``manual_seed`` repeatability; the legacy typed
constructors; and the creation OpDefs the graph offers as source nodes."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch

import engine
from engine.ops import creation
from engine.ops.registry import REGISTRY, get_op


def same(e, t) -> None:
    """Same dtype, shape and values (NaN equal to NaN)."""
    assert str(e.dtype) == str(t.dtype), (e.dtype, t.dtype)
    assert tuple(e.shape) == tuple(t.shape)
    np.testing.assert_array_equal(np.asarray(e.detach().numpy()), t.detach().numpy())


def raises_like(fn_e, fn_t):
    """Both raise; same exception type and message."""
    with pytest.raises(Exception) as et:
        fn_t()
    with pytest.raises(type(et.value)) as ee:
        fn_e()
    assert str(ee.value) == str(et.value)


def both(lib):
    return lib


# --------------------------------------------------------------------------------------
# tensor()

DATA = [
    10, 10.5, True, -3, [1, 2], [1.0, 2], [True, False], [True, 2], [], [[]], [[], []],
    [[1, 2], [3, 4]], ((1.5, 2.5), (3.5, 4.5)), [[True], [False]], [[[1]], [[2]]],
    np.array([1.0, 2.0]), np.array([1, 2], dtype=np.int32), np.array([1.5], np.float32),
    np.array([True, False]), np.array(3.0), np.float64(1.5), np.int32(7),
    [np.float64(1.5)], [np.float32(1.5), 2.0], [np.int16(3), 4], [1, np.float16(2.5)],
    np.zeros((2, 0, 3)), np.arange(6, dtype=np.uint8).reshape(2, 3), [2**40, -(2**40)],
]


@pytest.mark.parametrize("data", DATA, ids=range(len(DATA)))
def test_tensor_infers_dtype_like_torch(data):
    same(engine.tensor(data), torch.tensor(data))


@pytest.mark.parametrize("data,dtype", [
    ([2.5, -3.7, 0.2], "int32"), ([2.5, -3.7], "int64"), ([0.5, 0.0], "bool"),
    ([1, 2], "float64"), ([1, 0, 3], "bool"), (3.7, "int64"), (np.array([1.5, -1.5]), "int16"),
    ([True, False], "float32"), ([1.5, 2.5], "float16"), ([200, 3], "uint8"),
    ([[1, 2], [3, 4]], "int8"),
])
def test_tensor_with_dtype(data, dtype):
    same(engine.tensor(data, dtype=getattr(engine, dtype)),
         torch.tensor(data, dtype=getattr(torch, dtype)))


def test_tensor_from_tensors_in_a_list():
    same(engine.tensor([engine.tensor(1), engine.tensor(2)]),
         torch.tensor([torch.tensor(1), torch.tensor(2)]))
    same(engine.tensor([1.0, engine.tensor(2.0, dtype=engine.float64)]),
         torch.tensor([1.0, torch.tensor(2.0, dtype=torch.float64)]))
    raises_like(lambda: engine.tensor([engine.tensor([1.0, 2.0])]),
                lambda: torch.tensor([torch.tensor([1.0, 2.0])]))


@pytest.mark.parametrize("data", [[[1, 2], [3]], [[1, 2], 3], "a", None, [None], [[1], [None]]],
                         ids=["ragged", "not-seq", "str", "None", "[None]", "nested-None"])
def test_tensor_errors(data):
    raises_like(lambda: engine.tensor(data), lambda: torch.tensor(data))


def test_tensor_copies_and_from_numpy_shares():
    a = np.array([1.0, 2.0])
    t = engine.tensor(a)
    f = engine.from_numpy(a)
    a[0] = 100.0
    assert t.tolist() == [1.0, 2.0]
    assert f.tolist() == [100.0, 2.0]
    assert f.dtype is engine.float64
    raises_like(lambda: engine.from_numpy([1, 2]), lambda: torch.from_numpy([1, 2]))


def test_tensor_of_a_tensor_warns_and_copies():
    src = engine.tensor([1.0, 2.0])
    with pytest.warns(UserWarning, match="To copy construct from a tensor"):
        t = engine.tensor(src)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        torch.tensor(torch.tensor([1.0, 2.0]))
    assert "To copy construct from a tensor" in str(w[0].message)
    src.numpy()[0] = 7.0
    assert t.tolist() == [1.0, 2.0]


def test_as_tensor_shares_when_it_can():
    a = np.array([1.0, 2.0], dtype=np.float32)
    t = engine.as_tensor(a)
    a[0] = 9.0
    assert t.tolist() == [9.0, 2.0]
    x = engine.tensor([1.0])
    assert engine.as_tensor(x) is x
    same(engine.as_tensor([1, 2]), torch.as_tensor([1, 2]))


def test_requires_grad_on_creation():
    for lib in (engine, torch):
        x = lib.tensor([[1.0, 2.0]], dtype=lib.float64, requires_grad=True)
        assert x.requires_grad and x.is_leaf and x.grad_fn is None
        z = lib.zeros(2, requires_grad=True)
        assert z.requires_grad
    for fn in ("zeros", "ones", "empty"):
        raises_like(lambda: getattr(engine, fn)(2, dtype=engine.int64, requires_grad=True),
                    lambda: getattr(torch, fn)(2, dtype=torch.int64, requires_grad=True))
    raises_like(lambda: engine.tensor([1, 2], requires_grad=True),
                lambda: torch.tensor([1, 2], requires_grad=True))
    raises_like(lambda: engine.tensor([1, 2]).requires_grad_(),
                lambda: torch.tensor([1, 2]).requires_grad_())

    def set_rg(lib):
        t = lib.tensor([1, 2])
        t.requires_grad = True
    raises_like(lambda: set_rg(engine), lambda: set_rg(torch))


# --------------------------------------------------------------------------------------
# empty / zeros / ones / full / eye


@pytest.mark.parametrize("args", [(2, 3), ((2, 3),), ([4],), ((),), (0,), (2, 0, 3), (1,)])
@pytest.mark.parametrize("fn", ["zeros", "ones"])
def test_zeros_ones(fn, args):
    same(getattr(engine, fn)(*args), getattr(torch, fn)(*args))
    for dt in ("int32", "bool", "float64", "float16", "int64", "uint8"):
        same(getattr(engine, fn)(*args, dtype=getattr(engine, dt)),
             getattr(torch, fn)(*args, dtype=getattr(torch, dt)))


def test_empty_shape_and_dtype():
    for args in [(2, 3), ((4, 1),), (0,)]:
        e, t = engine.empty(*args), torch.empty(*args)
        assert tuple(e.shape) == tuple(t.shape) and str(e.dtype) == str(t.dtype)
    assert engine.empty(2, dtype=engine.int16).dtype is engine.int16


@pytest.mark.parametrize("fn", ["zeros", "ones", "empty", "rand", "randn"])
def test_negative_size_errors(fn):
    raises_like(lambda: getattr(engine, fn)(2, -1), lambda: getattr(torch, fn)(2, -1))


def test_size_must_be_ints():
    with pytest.raises(TypeError):
        engine.zeros(2, 2.5)


@pytest.mark.parametrize("fill,dtype", [
    (3, None), (3.0, None), (True, None), (-2, None), (2.5, "int64"), (-2.7, "int32"),
    (1.5, "bool"), (0, "bool"), (7, "float64"), (1e10, "float32"), (float("inf"), None),
    (float("nan"), "float64"),
])
def test_full(fill, dtype):
    kw = {} if dtype is None else {"dtype": dtype}
    same(engine.full((2, 3), fill, **{k: getattr(engine, v) for k, v in kw.items()}),
         torch.full((2, 3), fill, **{k: getattr(torch, v) for k, v in kw.items()}))


@pytest.mark.parametrize("args", [(3,), (2, 3), (3, 2), (0,), (1,), (0, 3)])
def test_eye(args):
    same(engine.eye(*args), torch.eye(*args))
    same(engine.eye(*args, dtype=engine.int64), torch.eye(*args, dtype=torch.int64))
    same(engine.eye(*args, dtype=engine.bool), torch.eye(*args, dtype=torch.bool))


def test_eye_errors():
    raises_like(lambda: engine.eye(-1), lambda: torch.eye(-1))
    raises_like(lambda: engine.eye(2, -1), lambda: torch.eye(2, -1))


# --------------------------------------------------------------------------------------
# arange / linspace

ARANGE = [
    (10,), (0, 10, 2), (5.0,), (0, 1, 0.1), (0, 10, 0.1), (1, 2.5, 0.5), (0.3, 77.7, 0.37),
    (-5, 5, 0.013), (3, -7, -0.33), (10, 0, -3), (1, 1), (0, 1.0000001, 0.1), (True, 3),
    (1e6, 1e6 + 1, 1e-3), (2**60, 2**60 + 3), (-3, 3), (0, 100000, 7),
]


@pytest.mark.parametrize("args", ARANGE, ids=[str(a) for a in ARANGE])
def test_arange_matches_torch(args):
    same(engine.arange(*args), torch.arange(*args))


@pytest.mark.parametrize("args,dtype", [
    ((0.5, 4, 1.5), "int64"), ((-0.5, 4, 1.5), "int64"), ((0, 5, 1.5), "int64"),
    ((0.5, 4, 1.5), "int32"), ((0, 10, 3), "float64"), ((0, 10, 0.1), "float64"),
    ((0, 1, 0.3), "float64"), ((0, 10), "int16"), ((0, 2, 0.25), "float16"), ((5,), "uint8"),
])
def test_arange_with_dtype(args, dtype):
    same(engine.arange(*args, dtype=getattr(engine, dtype)),
         torch.arange(*args, dtype=getattr(torch, dtype)))


def test_arange_from_tensor_and_numpy_arguments():
    same(engine.arange(engine.tensor(3)), torch.arange(torch.tensor(3)))
    same(engine.arange(engine.tensor(3.0)), torch.arange(torch.tensor(3.0)))
    same(engine.arange(np.int64(4)), torch.arange(np.int64(4)))
    same(engine.arange(end=4), torch.arange(end=4))


@pytest.mark.parametrize("args,kw", [
    ((0, 10, 0), {}), ((0, 10, -1), {}), ((10, 0), {}), ((0, float("inf")), {}),
    ((0, float("nan")), {}), ((3,), {"dtype": "bool"}), ((0, 5, 0.5), {"dtype": "int64"}),
])
def test_arange_errors(args, kw):
    raises_like(lambda: engine.arange(*args, **{k: getattr(engine, v) for k, v in kw.items()}),
                lambda: torch.arange(*args, **{k: getattr(torch, v) for k, v in kw.items()}))


LINSPACE = [(0, 11, 10), (0, 1, 100), (-3.3, 7.7, 1000), (1e-3, 5, 37), (5, -5, 64), (0, 1, 1),
            (0, 1, 2), (0, 1, 0), (2, 10, 5), (-1, 1, 7), (3, 3, 4)]


@pytest.mark.parametrize("args", LINSPACE, ids=[str(a) for a in LINSPACE])
@pytest.mark.parametrize("dtype", [None, "float64", "int64", "int32"])
def test_linspace_matches_torch(args, dtype):
    kw_e = {} if dtype is None else {"dtype": getattr(engine, dtype)}
    kw_t = {} if dtype is None else {"dtype": getattr(torch, dtype)}
    same(engine.linspace(*args, **kw_e), torch.linspace(*args, **kw_t))


def test_linspace_float16_close():
    e = engine.linspace(0, 1, 5, dtype=engine.float16)
    t = torch.linspace(0, 1, 5, dtype=torch.float16)
    assert e.dtype is engine.float16
    np.testing.assert_allclose(e.numpy().astype(np.float64), t.numpy().astype(np.float64),
                               atol=1e-3)


def test_linspace_errors():
    raises_like(lambda: engine.linspace(0, 1, -1), lambda: torch.linspace(0, 1, -1))


def test_linspace_and_arange_print_like_torch():
    assert repr(engine.linspace(0, 11, 10)) == repr(torch.linspace(0, 11, 10))
    assert repr(engine.arange(0, 1, 0.1)) == repr(torch.arange(0, 1, 0.1))
    assert repr(engine.arange(0, 10, 2)) == repr(torch.arange(0, 10, 2))


# --------------------------------------------------------------------------------------
# random


@pytest.mark.parametrize("fn", ["rand", "randn"])
def test_random_float_shapes_dtypes_and_seed(fn):
    f = getattr(engine, fn)
    for args, kw in [((2, 3), {}), (((4,),), {}), (((),), {}), ((5,), {"dtype": engine.float64}),
                     ((3, 3), {"dtype": engine.float16})]:
        e = f(*args, **kw)
        t = getattr(torch, fn)(*args, **{k: getattr(torch, str(v).split(".")[1])
                                         for k, v in kw.items()})
        assert tuple(e.shape) == tuple(t.shape) and str(e.dtype) == str(t.dtype)
    engine.manual_seed(123)
    a = f(50).tolist()
    engine.manual_seed(123)
    b = f(50).tolist()
    assert a == b and len(set(a)) == 50
    assert f(50).tolist() != b


def test_rand_range_and_randn_moments():
    engine.manual_seed(0)
    r = engine.rand(100000).numpy()
    assert r.min() >= 0.0 and r.max() < 1.0 and abs(r.mean() - 0.5) < 0.01
    h = engine.rand(100000, dtype=engine.float16).numpy()
    assert h.max() < 1.0
    n = engine.randn(100000, dtype=engine.float64).numpy()
    assert abs(n.mean()) < 0.02 and abs(n.std() - 1.0) < 0.02


def test_random_float_errors_on_int_dtypes():
    raises_like(lambda: engine.rand(2, dtype=engine.int64),
                lambda: torch.rand(2, dtype=torch.int64))
    raises_like(lambda: engine.randn(2, dtype=engine.int64),
                lambda: torch.randn(2, dtype=torch.int64))
    raises_like(lambda: engine.rand_like(engine.zeros(2, dtype=engine.int64)),
                lambda: torch.rand_like(torch.zeros(2, dtype=torch.int64)))


def test_randint():
    engine.manual_seed(5)
    a = engine.randint(3, 10, (1000,))
    assert a.dtype is engine.int64 and tuple(a.shape) == (1000,)
    v = a.numpy()
    assert v.min() == 3 and v.max() == 9
    b = engine.randint(4, (2, 3))
    assert tuple(b.shape) == (2, 3) and b.numpy().max() < 4 and b.numpy().min() >= 0
    c = engine.randint(low=2, high=10, size=(4,))
    assert tuple(c.shape) == (4,)
    assert engine.randint(0, 5, (3,), dtype=engine.int32).dtype is engine.int32
    assert engine.randint(0, 5, (3,), dtype=engine.float32).dtype is engine.float32
    assert engine.randint(10, size=(4,)).shape == torch.randint(10, size=(4,)).shape
    engine.manual_seed(9)
    x = engine.randint(0, 100, (20,)).tolist()
    engine.manual_seed(9)
    assert engine.randint(0, 100, (20,)).tolist() == x
    raises_like(lambda: engine.randint(5, 5, (2,)), lambda: torch.randint(5, 5, (2,)))
    raises_like(lambda: engine.randint(0, 5, (2, -1)), lambda: torch.randint(0, 5, (2, -1)))
    with pytest.raises(TypeError):
        engine.randint(2.5, (2,))


def test_randperm():
    engine.manual_seed(1)
    p = engine.randperm(10)
    assert p.dtype is engine.int64 and sorted(p.tolist()) == list(range(10))


# --------------------------------------------------------------------------------------
# *_like


@pytest.mark.parametrize("fn", ["zeros_like", "ones_like", "empty_like", "rand_like",
                                "randn_like"])
def test_like_functions(fn):
    for src, dt in [((2, 3), None), ((4,), "float64"), ((), None), ((2, 2), "float16")]:
        e = getattr(engine, fn)(engine.zeros(src), **({"dtype": getattr(engine, dt)} if dt
                                                      else {}))
        t = getattr(torch, fn)(torch.zeros(src), **({"dtype": getattr(torch, dt)} if dt
                                                   else {}))
        assert tuple(e.shape) == tuple(t.shape) and str(e.dtype) == str(t.dtype)
    if fn in ("zeros_like", "ones_like"):
        same(getattr(engine, fn)(engine.zeros(2, 2), dtype=engine.int64),
             getattr(torch, fn)(torch.zeros(2, 2), dtype=torch.int64))
        same(getattr(engine, fn)(engine.zeros(3, dtype=engine.int32)),
             getattr(torch, fn)(torch.zeros(3, dtype=torch.int32)))


def test_like_does_not_inherit_requires_grad():
    x = engine.zeros(2, requires_grad=True)
    assert not engine.ones_like(x).requires_grad
    assert engine.zeros_like(x, requires_grad=True).requires_grad


def test_full_like_and_randint_like():
    same(engine.full_like(engine.zeros(2, dtype=engine.int64), 2.7),
         torch.full_like(torch.zeros(2, dtype=torch.int64), 2.7))
    same(engine.full_like(engine.zeros(2, 2), 3), torch.full_like(torch.zeros(2, 2), 3))
    same(engine.full_like(engine.zeros(2), 1, dtype=engine.float64),
         torch.full_like(torch.zeros(2), 1, dtype=torch.float64))
    r = engine.randint_like(engine.zeros(2, 3), 10)
    assert r.dtype is engine.float32 and r.numpy().max() < 10
    r = engine.randint_like(engine.zeros(50, dtype=engine.int32), 2, 5)
    assert r.dtype is engine.int32 and set(r.tolist()) <= {2, 3, 4}


# --------------------------------------------------------------------------------------
# legacy typed constructors

TYPED = ["FloatTensor", "DoubleTensor", "HalfTensor", "IntTensor", "LongTensor", "ShortTensor",
         "CharTensor", "ByteTensor", "BoolTensor"]


@pytest.mark.parametrize("name", TYPED)
def test_typed_constructor_data_and_size(name):
    E, T = getattr(engine, name), getattr(torch, name)
    same(E([2.5, 3.3]), T([2.5, 3.3]))
    same(E([[1, 0], [3, 4]]), T([[1, 0], [3, 4]]))
    same(E((2, 3)), T((2, 3)))  # a tuple is data
    same(E(), T())
    e, t = E(2, 3), T(2, 3)
    assert tuple(e.shape) == (2, 3) and str(e.dtype) == str(t.dtype)
    assert type(e) is engine.Tensor
    assert isinstance(e, E) and isinstance(e, engine.Tensor)
    assert issubclass(E, engine.Tensor)
    assert repr(E) == repr(T)
    assert e.type() == t.type()


def test_typed_constructor_examples():
    same(engine.IntTensor([2.5, 3.3]), torch.IntTensor([2.5, 3.3]))
    same(engine.IntTensor([-2.5, 3.9]), torch.IntTensor([-2.5, 3.9]))
    assert not isinstance(engine.zeros(2), engine.DoubleTensor)
    assert isinstance(engine.zeros(2, dtype=engine.int64), engine.LongTensor)
    raises_like(lambda: engine.FloatTensor(2.5), lambda: torch.FloatTensor(2.5))
    same(engine.FloatTensor(np.array([1.0, 2.0])), torch.FloatTensor(np.array([1.0, 2.0])))
    e = engine.tensor([1.0, 2.0])
    assert engine.FloatTensor(e).tolist() == [1.0, 2.0]


def test_type_conversion_with_typed_classes():
    x = engine.tensor([1.5, 2.5])
    assert x.type() == "torch.FloatTensor"
    same(x.type(engine.DoubleTensor), torch.tensor([1.5, 2.5]).type(torch.DoubleTensor))
    same(x.type("torch.IntTensor"), torch.tensor([1.5, 2.5]).type("torch.IntTensor"))
    same(x.double(), torch.tensor([1.5, 2.5]).double())


def test_tensor_class_constructor():
    same(engine.Tensor([1, 2]), torch.Tensor([1, 2]))
    e, t = engine.Tensor(2, 3), torch.Tensor(2, 3)
    assert tuple(e.shape) == tuple(t.shape) and str(e.dtype) == str(t.dtype)


# --------------------------------------------------------------------------------------
# devices


def test_device_argument():
    for fn, args in [("zeros", (2,)), ("ones", (2,)), ("rand", (2,)), ("arange", (3,)),
                     ("eye", (2,)), ("full", ((2,), 1.0)), ("linspace", (0, 1, 3))]:
        e = getattr(engine, fn)(*args, device="cpu")
        assert e.device == engine.device("cpu") and e.device.type == "cpu"
    assert engine.tensor([1.0], device=engine.device("cpu")).device.type == "cpu"


@pytest.mark.skipif(engine.cuda.is_available(), reason="checks the no-CUDA error")
def test_cuda_device_without_cuda_raises_clearly():
    with pytest.raises(RuntimeError, match="CUDA"):
        engine.zeros(2, device="cuda")


@pytest.mark.gpu
@pytest.mark.skipif(not engine.cuda.is_available(), reason="needs a CUDA GPU")
def test_creation_on_gpu():
    for fn, args in [("zeros", (2, 3)), ("ones", (2,)), ("rand", (2,)), ("randn", (3,)),
                     ("arange", (5,)), ("eye", (3,)), ("full", ((2,), 7)),
                     ("linspace", (0, 1, 5)), ("randint", (0, 5, (4,)))]:
        e = getattr(engine, fn)(*args, device="cuda")
        assert e.device.type == "cuda"
        c = getattr(engine, fn)(*args)
        assert tuple(e.shape) == tuple(c.shape) and e.dtype is c.dtype
    same(engine.arange(0, 1, 0.1, device="cuda").cpu(), torch.arange(0, 1, 0.1))
    same(engine.tensor([[1, 2]], device="cuda").cpu(), torch.tensor([[1, 2]]))
    engine.manual_seed(3)
    a = engine.rand(5, device="cuda").cpu().tolist()
    engine.manual_seed(3)
    assert engine.rand(5).tolist() == a


# --------------------------------------------------------------------------------------
# the creation OpDefs (graph source nodes)

CREATION_OPS = ["tensor", "zeros", "ones", "full", "eye", "arange", "linspace", "rand", "randn",
                "randint", "from_file"]


@pytest.mark.parametrize("key", CREATION_OPS)
def test_creation_opdefs_registered(key):
    op = get_op(key)
    assert op.family == "creation"
    assert op.inputs == ()
    assert op.differentiable is False
    names = {a.name for a in op.attrs}
    assert {"dtype", "device", "requires_grad"} <= names
    if key == "tensor":
        assert op.attr("data").kind == "data"
    if key == "from_file":
        assert op.attr("path").kind == "path"


@pytest.mark.parametrize("key", [k for k in CREATION_OPS if k != "from_file"])
def test_creation_op_defaults_run_and_infer(key):
    op = get_op(key)
    attrs = op.defaults()
    t = creation.create(op, attrs)
    spec, = op.infer([], attrs)
    assert spec.shape == tuple(t.shape) and spec.dtype is t.dtype
    # through the generic dispatcher too
    from engine.autograd.graph import apply
    forward_attrs = {k: v for k, v in attrs.items() if k not in ("device", "requires_grad")}
    u = apply(op, (), forward_attrs)
    assert tuple(u.shape) == tuple(t.shape) and u.dtype is t.dtype and not u.requires_grad


def test_creation_op_attrs_match_functions():
    t = creation.create("full", {"size": (2, 2), "fill_value": 3, "dtype": None})
    same(t, torch.full((2, 2), 3))
    t = creation.create("arange", {"start": 0, "end": 1, "step": 0.1})
    same(t, torch.arange(0, 1, 0.1))
    t = creation.create("tensor", {"data": [[1, 2], [3, 4]], "dtype": "float64",
                                   "requires_grad": True})
    assert t.requires_grad and t.dtype is engine.float64
    t = creation.create("randint", {"low": 2, "high": 4, "size": (3,)})
    assert set(t.tolist()) <= {2, 3}
    spec, = get_op("linspace").infer([], {"start": 0, "end": 1, "steps": 7})
    assert spec.shape == (7,) and spec.dtype is engine.float32
    spec, = get_op("arange").infer([], {"start": 0, "end": 1, "step": 0.25})
    assert spec.shape == (4,) and spec.dtype is engine.float32


def test_from_file(tmp_path):
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    np.save(tmp_path / "a.npy", a)
    t = engine.from_file(str(tmp_path / "a.npy"))
    assert t.dtype is engine.float64 and t.tolist() == a.tolist()
    spec, = get_op("from_file").infer([], {"path": str(tmp_path / "a.npy")})
    assert spec.shape == (2, 3) and spec.dtype is engine.float64
    (tmp_path / "b.csv").write_text("1,2,3\n4,5,6\n")
    t = creation.create("from_file", {"path": str(tmp_path / "b.csv"), "requires_grad": True})
    assert t.dtype is engine.float32 and t.tolist() == [[1, 2, 3], [4, 5, 6]] and t.requires_grad
    t = engine.from_file(str(tmp_path / "b.csv"), dtype=engine.int64)
    assert t.dtype is engine.int64
    np.save(tmp_path / "o.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(ValueError):
        engine.from_file(str(tmp_path / "o.npy"))
    with pytest.raises(ValueError):
        engine.from_file(str(tmp_path / "x.bin"))


def test_registry_keys_are_unique_family_creation():
    fam = [k for k, op in REGISTRY.items() if op.family == "creation"]
    assert set(CREATION_OPS) <= set(fam)


# --------------------------------------------------------------------------------------
# EXAMPLES.md item 19


def test_example_19_dtypes_and_creation():
    def prog(lib):
        out = [lib.tensor(10).dtype, lib.tensor([1.0, 2.0]).dtype,
               lib.tensor(np.array([1.0, 2.0])).dtype, lib.full((2, 2), 7).dtype]
        out.append(repr(lib.IntTensor([2.5, 3.3])))
        out.append(repr(lib.arange(0, 10, 2)))
        out.append(repr(lib.linspace(0, 11, 10)))
        x = lib.tensor([1.5, 2.0])
        out.append(repr(x.type(lib.DoubleTensor)))
        out.append(repr(x.double()))
        return [str(o) for o in out]
    assert prog(engine) == prog(torch)
    engine.manual_seed(42)
    a = engine.randn(3).tolist()
    engine.manual_seed(42)
    assert engine.randn(3).tolist() == a
    assert engine.initial_seed() == 42
