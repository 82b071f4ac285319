"""``save`` and ``load``: tensors, state_dicts, optimizer state and plain values, without pickle.

A file is a zip archive as ``numpy.savez`` writes it: one ``.npy`` member per tensor and a
``__manifest__`` member holding JSON that describes the structure (dicts with their key types,
lists, tuples, numbers, strings, tensors with dtype, device and requires_grad). Loading reads
it with ``numpy.load(allow_pickle=False)`` and never runs code from the file; a file that is not
in this form raises :class:`LoadError` (a RuntimeError) saying what is wrong.
"""
from __future__ import annotations

import io
import json
import os
import tempfile
import zipfile
from collections import OrderedDict
from typing import Any, BinaryIO

import numpy as np

from . import _dtype as D
from . import backend
from ._device import canonical
from .tensor import Tensor, _wrap

__all__ = ["save", "load", "LoadError"]

FORMAT = "gradlab-engine-save"
VERSION = 1
_MANIFEST = "__manifest__"


class LoadError(RuntimeError):
    """The file is not one ``engine.save`` wrote, or it is damaged."""


# --------------------------------------------------------------------------------------
# save


class _Writer:
    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}
        self.by_id: dict[int, str] = {}

    def encode(self, obj: Any, path: str) -> dict:
        if isinstance(obj, Tensor):
            return self._tensor(obj)
        if obj is None:
            return {"t": "none"}
        if isinstance(obj, bool):
            return {"t": "bool", "v": obj}
        if isinstance(obj, (int, np.integer)):
            return {"t": "int", "v": int(obj)}
        if isinstance(obj, (float, np.floating)):
            return {"t": "float", "v": repr(float(obj))}
        if isinstance(obj, str):
            return {"t": "str", "v": obj}
        if isinstance(obj, D.dtype):
            return {"t": "dtype", "v": obj.name}
        if isinstance(obj, dict):
            kind = "odict" if isinstance(obj, OrderedDict) else "dict"
            return {"t": kind, "items": [[self.encode(k, f"{path} key"),
                                          self.encode(v, f"{path}[{k!r}]")]
                                         for k, v in obj.items()]}
        if isinstance(obj, (list, tuple)):
            return {"t": "list" if isinstance(obj, list) else "tuple",
                    "items": [self.encode(v, f"{path}[{i}]") for i, v in enumerate(obj)]}
        hint = " (save its state_dict() instead)" if hasattr(obj, "state_dict") else ""
        raise TypeError(f"engine.save cannot store {path} of type {type(obj).__name__}{hint}; "
                        "it stores tensors, numbers, strings, None, and dicts, lists and tuples "
                        "of them")

    def _tensor(self, t: Tensor) -> dict:
        name = self.by_id.get(id(t))
        if name is None:
            name = f"t{len(self.arrays)}"
            self.by_id[id(t)] = name
            self.arrays[name] = np.asarray(backend.to_host(t._data), order="C")
        from .nn.parameter import Parameter
        return {"t": "tensor", "a": name, "dtype": t._dtype.name, "device": str(t._device),
                "requires_grad": bool(t._requires_grad), "param": isinstance(t, Parameter)}


def save(obj: Any, f, _use_new_zipfile_serialization: bool = True) -> None:
    """Write ``obj`` to a path or a binary file object (a path is replaced atomically)."""
    w = _Writer()
    root = w.encode(obj, "the object")
    manifest = json.dumps({"format": FORMAT, "version": VERSION, "root": root})
    if isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(os.path.abspath(path)))
        try:
            with os.fdopen(fd, "wb") as fh:
                _write_zip(fh, manifest, w.arrays)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    else:
        _write_zip(f, manifest, w.arrays)


def _write_zip(fh: BinaryIO, manifest: str, arrays: dict[str, np.ndarray]) -> None:
    with zipfile.ZipFile(fh, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        with zf.open(_MANIFEST + ".npy", "w") as m:
            np.lib.format.write_array(m, np.frombuffer(manifest.encode("utf-8"), np.uint8),
                                      allow_pickle=False)
        for name, a in arrays.items():
            with zf.open(name + ".npy", "w", force_zip64=True) as m:
                np.lib.format.write_array(m, a, allow_pickle=False)


# --------------------------------------------------------------------------------------
# load


def load(f, map_location=None, weights_only: bool | None = None, **kwargs) -> Any:
    """Read what ``save`` wrote. ``map_location`` ('cpu', 'cuda', a device) puts every tensor
    there; otherwise each goes back to the device it was saved from."""
    name = os.fspath(f) if isinstance(f, (str, os.PathLike)) else getattr(f, "name", "<file>")
    if map_location is not None and not isinstance(map_location, (str, D.dtype)) and \
            not hasattr(map_location, "type"):
        raise TypeError("map_location must be None, a device or a device string")
    src = f
    if not isinstance(f, (str, os.PathLike)):
        src = io.BytesIO(f.read())
    try:
        z = np.load(src, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as e:
        raise LoadError(f"{name}: not an engine save file (expected a zip archive as "
                        f"engine.save writes; {e})") from None
    if not isinstance(z, np.lib.npyio.NpzFile):
        raise LoadError(f"{name}: not an engine save file (it holds a bare array, not a zip "
                        "archive with a manifest)")
    with z:
        try:
            members = set(z.files)
        except zipfile.BadZipFile as e:
            raise LoadError(f"{name}: damaged zip archive ({e})") from None
        if _MANIFEST not in members:
            hint = ""
            if any(m.endswith("data.pkl") for m in members):
                hint = (" It looks like a PyTorch checkpoint, which holds pickled code; load it "
                        "with PyTorch and re-save its tensors.")
            raise LoadError(f"{name}: not an engine save file (no {_MANIFEST} member).{hint}")
        try:
            raw = _read(z, _MANIFEST, name)
            manifest = json.loads(bytes(raw.astype(np.uint8)).decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError) as e:
            raise LoadError(f"{name}: damaged manifest ({type(e).__name__}: {e})") from None
        if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
            raise LoadError(f"{name}: not an engine save file (manifest format is "
                            f"{manifest.get('format') if isinstance(manifest, dict) else None!r})")
        version = manifest.get("version")
        if not isinstance(version, int) or version > VERSION:
            raise LoadError(f"{name}: file format version {version!r} is newer than this engine "
                            f"reads (up to {VERSION})")
        try:
            return _Reader(z, name, map_location).decode(manifest.get("root"))
        except RecursionError:
            raise LoadError(f"{name}: damaged manifest (nested too deeply)") from None


def _read(z, member: str, name: str) -> np.ndarray:
    try:
        return z[member]
    except KeyError:
        raise LoadError(f"{name}: missing array {member!r} named in the manifest") from None
    except ValueError as e:  # object arrays, bad headers
        raise LoadError(f"{name}: array {member!r} cannot be read safely ({e})") from None
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise LoadError(f"{name}: array {member!r} is damaged ({e})") from None


class _Reader:
    def __init__(self, z, name: str, map_location):
        self.z = z
        self.name = name
        self.map_location = map_location
        self.cache: dict[str, Tensor] = {}

    def fail(self, what: str) -> LoadError:
        return LoadError(f"{self.name}: damaged manifest ({what})")

    def decode(self, node) -> Any:
        if not isinstance(node, dict) or "t" not in node:
            raise self.fail(f"unexpected entry {node!r}")
        t = node["t"]
        if t == "tensor":
            return self._tensor(node)
        if t == "none":
            return None
        if t in ("bool", "int", "str"):
            v = node.get("v")
            want = {"bool": bool, "int": int, "str": str}[t]
            if type(v) is not want:
                raise self.fail(f"{t} entry holds {v!r}")
            return v
        if t == "float":
            try:
                return float(node["v"])
            except (KeyError, TypeError, ValueError):
                raise self.fail(f"float entry holds {node.get('v')!r}") from None
        if t == "dtype":
            try:
                return D.to_dtype(node["v"])
            except Exception:
                raise self.fail(f"unknown dtype {node.get('v')!r}") from None
        if t not in ("dict", "odict", "list", "tuple"):
            raise self.fail(f"unknown entry type {t!r}")
        items = node.get("items")
        if not isinstance(items, list):
            raise self.fail(f"{t} entry without items")
        if t in ("dict", "odict"):
            out = OrderedDict() if t == "odict" else {}
            for pair in items:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise self.fail("dict item is not a [key, value] pair")
                key = self.decode(pair[0])
                if isinstance(key, (list, dict, Tensor)):
                    raise self.fail("unhashable dict key")
                out[key] = self.decode(pair[1])
            return out
        if t == "list":
            return [self.decode(v) for v in items]
        return tuple(self.decode(v) for v in items)

    def _tensor(self, node: dict) -> Tensor:
        member = node.get("a")
        if not isinstance(member, str) or member == _MANIFEST:
            raise self.fail("tensor entry without an array name")
        try:
            dt = D.to_dtype(node.get("dtype"))
        except Exception:
            raise self.fail(f"unknown dtype {node.get('dtype')!r}") from None
        base = self.cache.get(member)
        if base is None:
            base = self.cache[member] = self._array(member, dt, node.get("device", "cpu"))
        rg = bool(node.get("requires_grad")) and dt.is_floating_point
        if node.get("param"):
            from .nn.parameter import Parameter
            return Parameter(base, rg)
        if rg:  # a leaf that requires grad, sharing storage with other references
            t = _wrap(base._data, base._device)
            t._vbox = base._vbox
            return t.requires_grad_(True)
        return base

    def _array(self, member: str, dt: D.dtype, saved_device) -> Tensor:
        a = _read(self.z, member, self.name)
        if a.dtype != dt.np:
            raise LoadError(f"{self.name}: array {member!r} has dtype {a.dtype}, the manifest "
                            f"says {dt}")
        try:
            dev = canonical(self.map_location if self.map_location is not None
                            else saved_device)
        except Exception:
            raise self.fail(f"unknown device {saved_device!r}") from None
        if dev.type == "cuda":
            if not backend.cuda_available():
                raise RuntimeError(
                    "Attempting to deserialize object on a CUDA device but "
                    "torch.cuda.is_available() is False. If you are running on a CPU-only "
                    "machine, please use torch.load with map_location=torch.device('cpu') to "
                    "map your storages to the CPU.")
            a = backend.to_device(a, dev.type, dev.index)
        return _wrap(a, dev)
