"""engine.save / engine.load: round trips of tensors (every dtype), state_dicts, optimizer
state and plain values, through paths and file objects; loading never unpickles; files that are
not ours, or are damaged, give a LoadError naming the problem."""
from __future__ import annotations

import io
import json
import os
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest
import torch

import engine
from engine import nn
from engine.serialization import LoadError

DTYPES = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "bool"]


def roundtrip(obj, **kw):
    buf = io.BytesIO()
    engine.save(obj, buf)
    buf.seek(0)
    return engine.load(buf, **kw)


def same_tensor(a, b):
    assert type(a) is type(b)
    assert a.dtype is b.dtype and tuple(a.shape) == tuple(b.shape)
    assert a.requires_grad == b.requires_grad
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (3,), (2, 0, 3), (2, 3, 4)])
def test_tensor_roundtrip_every_dtype(dtype, shape):
    rng = np.random.default_rng(0)
    a = np.asarray((rng.standard_normal(shape) * 50).astype(dtype))
    t = engine.from_numpy(a)
    same_tensor(roundtrip(t), t)


def test_non_contiguous_and_requires_grad_and_parameters():
    t = engine.arange(12.0).reshape(3, 4).T if hasattr(engine, "arange") else None
    if t is not None:
        back = roundtrip(t)
        np.testing.assert_array_equal(back.numpy(), t.numpy())
    leaf = engine.ones(2, requires_grad=True)
    back = roundtrip(leaf)
    assert back.requires_grad and back.is_leaf
    p = nn.Parameter(engine.ones(2))
    back = roundtrip({"p": p, "frozen": nn.Parameter(engine.ones(1), requires_grad=False)})
    assert isinstance(back["p"], nn.Parameter) and back["p"].requires_grad
    assert isinstance(back["frozen"], nn.Parameter) and not back["frozen"].requires_grad


def test_plain_values_and_structure():
    obj = {"a": [1, 2.5, float("nan"), float("inf"), None, "x", (1, (2, 3)), True, False],
           3: True, 2.5: "float key", None: 0, (1, 2): "tuple key", "nested": {"x": {"y": []}},
           "dtype": engine.float64, "big": 2**62, "neg": -7}
    back = roundtrip(obj)
    assert list(back) == list(obj)
    assert back["a"][:2] == [1, 2.5] and np.isnan(back["a"][2]) and back["a"][3] == float("inf")
    assert back["a"][4:] == [None, "x", (1, (2, 3)), True, False]
    assert type(back["a"][6]) is tuple and type(back["a"][7]) is bool
    assert back[3] is True and back[2.5] == "float key" and back[None] == 0
    assert back[(1, 2)] == "tuple key" and back["nested"] == {"x": {"y": []}}
    assert back["dtype"] is engine.float64 and back["big"] == 2**62 and back["neg"] == -7
    assert roundtrip(5) == 5 and roundtrip("s") == "s" and roundtrip(None) is None
    od = roundtrip(OrderedDict([("b", 1), ("a", 2)]))
    assert type(od) is OrderedDict and list(od) == ["b", "a"]


def test_shared_tensors_stay_shared():
    t = engine.ones(3)
    back = roundtrip([t, t, {"again": t}])
    assert back[0] is back[1] is back[2]["again"]


def test_state_dict_to_file_and_back_into_a_fresh_model(tmp_path):
    engine.manual_seed(0)
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    path = tmp_path / "net.pt"
    engine.save(net.state_dict(), path)
    assert os.listdir(tmp_path) == ["net.pt"]  # written atomically, no temp left behind
    fresh = nn.Sequential(nn.Conv2d(1, 2, 3), nn.ReLU(), nn.Flatten(), nn.Linear(2 * 4 * 4, 3))
    sd = engine.load(str(path))
    assert type(sd) is OrderedDict and list(sd) == list(net.state_dict())
    fresh.load_state_dict(sd)
    x = engine.randn(2, 1, 6, 6)
    with engine.no_grad():
        np.testing.assert_array_equal(fresh(x).numpy(), net(x).numpy())


def test_optimizer_state_roundtrip_keeps_int_keys_and_tuples():
    w = nn.Parameter(engine.ones(3))
    opt = engine.optim.Adam([w], lr=0.1, betas=(0.8, 0.9))
    (w * w).sum().backward()
    opt.step()
    sd = opt.state_dict()
    back = roundtrip(sd)
    assert list(back["state"]) == [0] and back["param_groups"][0]["betas"] == (0.8, 0.9)
    assert back["param_groups"] == sd["param_groups"]
    for k, v in sd["state"][0].items():
        same_tensor(back["state"][0][k], v)
    opt2 = engine.optim.Adam([w])
    opt2.load_state_dict(back)
    assert opt2.param_groups[0]["lr"] == 0.1


def test_map_location_cpu_and_saved_device():
    back = roundtrip({"t": engine.ones(2)}, map_location="cpu")
    assert str(back["t"].device) == "cpu"
    back = roundtrip({"t": engine.ones(2)}, map_location=engine.device("cpu"))
    assert str(back["t"].device) == "cpu"


def test_saving_unsupported_objects_says_what_to_do():
    with pytest.raises(TypeError, match="state_dict"):
        engine.save(nn.Linear(2, 2), io.BytesIO())
    with pytest.raises(TypeError, match="cannot store"):
        engine.save({"f": lambda: 0}, io.BytesIO())


def test_tensors_refuse_pickle():
    with pytest.raises(TypeError):
        pickle.dumps(engine.ones(2))


def test_loading_never_unpickles(monkeypatch, tmp_path):
    def boom(*a, **k):
        raise AssertionError("pickle used")
    monkeypatch.setattr(pickle, "loads", boom)
    monkeypatch.setattr(pickle, "load", boom)
    monkeypatch.setattr(pickle, "Unpickler", boom)
    path = tmp_path / "x.pt"
    engine.save({"w": engine.ones(2), "n": [1, "a"]}, path)
    assert engine.load(path)["n"] == [1, "a"]


# --------------------------------------------------------------------------------------
# files that are not ours, or damaged


def _zip_bytes(members: dict) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _npy(a) -> bytes:
    b = io.BytesIO()
    np.lib.format.write_array(b, np.asarray(a), allow_pickle=True)
    return b.getvalue()


def _manifest(obj) -> bytes:
    return _npy(np.frombuffer(json.dumps(obj).encode(), np.uint8))


GOOD_ROOT = {"t": "tensor", "a": "t0", "dtype": "float32", "device": "cpu",
             "requires_grad": False, "param": False}


@pytest.mark.parametrize("content,match", [
    (b"", "not an engine save file"),
    (b"hello, this is text", "not an engine save file"),
    (pickle.dumps({"a": 1}), "not an engine save file"),
    (_npy(np.ones(3)), "bare array"),
    (b"PK\x03\x04 truncated zip", "not an engine save file|damaged"),
    (_zip_bytes({"t0.npy": _npy(np.ones(2))}), "no __manifest__"),
    (_zip_bytes({"archive/data.pkl": b"x", "archive/version": b"3"}), "PyTorch checkpoint"),
    (_zip_bytes({"__manifest__.npy": _npy(np.frombuffer(b"{not json", np.uint8))}),
     "damaged manifest"),
    (_zip_bytes({"__manifest__.npy": _manifest({"format": "other", "version": 1})}),
     "manifest format"),
    (_zip_bytes({"__manifest__.npy": _manifest({"format": "gradlab-engine-save",
                                                "version": 99, "root": None})}), "newer"),
    (_zip_bytes({"__manifest__.npy": _manifest({"format": "gradlab-engine-save",
                                                "version": 1, "root": GOOD_ROOT})}),
     "missing array 't0'"),
    (_zip_bytes({"__manifest__.npy": _manifest({"format": "gradlab-engine-save",
                                                "version": 1, "root": GOOD_ROOT}),
                 "t0.npy": _npy(np.array([{"evil": 1}], dtype=object))}), "cannot be read safely"),
    (_zip_bytes({"__manifest__.npy": _manifest({"format": "gradlab-engine-save",
                                                "version": 1, "root": GOOD_ROOT}),
                 "t0.npy": _npy(np.ones(2, np.float64))}), "manifest says"),
    (_zip_bytes({"__manifest__.npy": _manifest({"format": "gradlab-engine-save",
                                                "version": 1, "root": {"t": "code"}})}),
     "unknown entry type"),
    (_zip_bytes({"__manifest__.npy": _manifest({"format": "gradlab-engine-save",
                                                "version": 1, "root": {"t": "int", "v": "1"}})}),
     "damaged manifest"),
    (_zip_bytes({"__manifest__.npy": _manifest({"format": "gradlab-engine-save", "version": 1,
                                                "root": {**GOOD_ROOT, "dtype": "object"}})}),
     "unknown dtype"),
])
def test_bad_files_raise_a_clear_load_error(content, match, tmp_path):
    path = tmp_path / "bad.pt"
    path.write_bytes(content)
    with pytest.raises(LoadError, match=match) as ei:
        engine.load(path)
    assert isinstance(ei.value, RuntimeError)
    assert "bad.pt" in str(ei.value)
    with pytest.raises(LoadError, match=match):
        engine.load(io.BytesIO(content))


def test_a_pytorch_checkpoint_is_refused_with_a_hint(tmp_path):
    path = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, path)
    with pytest.raises(LoadError, match="PyTorch checkpoint"):
        engine.load(path)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        engine.load(tmp_path / "nope.pt")


def test_save_and_load_are_exposed_on_engine():
    from engine import serialization
    assert engine.save is serialization.save and engine.load is serialization.load
