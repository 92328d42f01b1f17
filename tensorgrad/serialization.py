"""``tg.save`` and ``tg.load``: NumPy's ``np.save(file, arr)`` / ``np.load(file)``, and PyTorch's
``torch.save(obj, f)`` / ``torch.load(f)`` for code ported from PyTorch.

The two ``save`` forms are told apart by where the file is: NumPy's takes it first, PyTorch's
second (``tg.save(model.state_dict(), "model.pt")``, ``tg.save({"epoch": 3, "model":
model.state_dict(), "optimizer": opt.state_dict()}, path)``). PyTorch's form pickles ``obj``
(state dicts, their arrays, tensors, numbers, strings, lists, tuples and dicts) after a
header of its own, and ``tg.load`` reads such a file back (anything else goes to NumPy's
``load``). As ``torch.load``'s default ``weights_only=True``, it unpickles only those kinds
of object, so a file from elsewhere cannot run code; ``weights_only=False`` reads any pickle
(only for a file you trust). ``map_location`` is accepted and changes nothing (one device).
"""
from __future__ import annotations

import io
import os
import pickle
import zipfile
from typing import Any

import numpy as np

from .atomic_file import write_atomically

__all__ = ["save", "load"]

_HEADER = b"TENSORGRAD-SAVE\x00\x01\n"  # (neither NumPy's "\x93NUMPY" nor a zip's "PK")

#: what weights_only unpickling may build: containers, numbers, arrays and tensors
_SAFE = {("builtins", n) for n in ("complex", "set", "frozenset", "slice", "range", "bytearray")} | {
    ("collections", "OrderedDict"), ("collections", "Counter"), ("numpy", "dtype"), ("numpy", "ndarray"),
    ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "scalar"), ("numpy.core.multiarray", "scalar"),
    ("tensorgrad.tensor", "Tensor"), ("tensorgrad.tensor", "torch_made"),
    ("tensorgrad.imperative", "tensor"),
    ("tensorgrad.autograd_function", "GradArray"),
    ("tensorgrad.autograd_function", "RuleArray"), ("tensorgrad.autograd_function", "DataArray")}


def _is_file(f) -> bool:
    return isinstance(f, (str, bytes, os.PathLike)) or hasattr(f, "write") or hasattr(f, "read")


def save(*args, **kwargs) -> None:
    """NumPy's ``save(file, arr, allow_pickle=True)``, or PyTorch's ``save(obj, f)`` when the
    file comes second (see the module's description)."""
    if "f" in kwargs or "obj" in kwargs or (len(args) >= 2 and _is_file(args[1]) and (
            not _is_file(args[0]) or _torch_path(args[1]))):
        names = ("obj", "f", "pickle_module", "pickle_protocol")
        given = {**dict(zip(names, args)), **kwargs}
        unknown = set(given) - set(names) - {"_use_new_zipfile_serialization"}
        if unknown or "obj" not in given or "f" not in given:
            raise TypeError(f"save(obj, f): PyTorch's form takes obj and f, got {sorted(given)}")
        return _save_object(given["obj"], given["f"], given.get("pickle_protocol", 4))
    return np.save(*args, **kwargs)


def _torch_path(f) -> bool:
    """A file name PyTorch's checkpoints use (``tg.save("text", "obj.pt")`` is PyTorch's form)."""
    return isinstance(f, (str, os.PathLike)) and os.fspath(f).lower().endswith(_TORCH_SUFFIXES)


_TORCH_SUFFIXES = (".pt", ".pth", ".ckpt", ".tar", ".bin", ".pkl", ".pickle")


def _save_object(obj: Any, f, protocol: int) -> None:
    data = _HEADER + pickle.dumps(obj, protocol=max(int(protocol), 2))
    if hasattr(f, "write"):
        f.write(data)
        return
    # into a temporary file renamed over f when complete: an interrupt leaves the old file whole
    write_atomically(f, lambda out: out.write(data))


class _Refused(pickle.UnpicklingError):
    """weights_only=True met an object it does not build."""


class CorruptedFileError(ValueError, pickle.UnpicklingError):
    """A file tg.save wrote that does not read back (also the UnpicklingError it was)."""


class EmptyFileError(ValueError, EOFError):
    """An empty or cut-short file (also the EOFError NumPy raised for it)."""


class _WeightsOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str):
        if (module, name) in _SAFE or (module == "numpy.dtypes" and name.endswith("DType")):
            return super().find_class(module, name)
        raise _Refused(
            f"load: the file asks to build {module}.{name}, which weights_only=True does not "
            "allow (only containers, numbers, strings, arrays and tensors); pass "
            "weights_only=False for a file you trust")


def load(file, *args, weights_only: bool = True, map_location=None, **kwargs):
    """PyTorch's ``load(f, map_location=None, weights_only=True)`` for a file ``tg.save(obj,
    f)`` wrote; NumPy's ``load(file, ...)`` for anything else. A ``.npy`` file of pickled
    Python objects is refused, as NumPy refuses it, with a message that says what to do."""
    head = _peek(file, len(_HEADER))
    if head == _HEADER:
        data = _read(file)[len(_HEADER):]
        try:
            if weights_only:
                return _WeightsOnly(io.BytesIO(data)).load()
            return pickle.loads(data)
        except _Refused:
            raise
        except (pickle.UnpicklingError, EOFError) as exc:  # (an object's own errors propagate)
            raise CorruptedFileError(f"load: {_name(file)} was written by tg.save but is truncated or "
                             f"corrupted (the pickle after its header does not read: {exc})") from None
    if not hasattr(file, "read") and (head == b"" or _HEADER.startswith(head)) and _exists(file):
        raise EmptyFileError(f"load: {_name(file)} is {'empty' if not head else 'truncated'}: "
                         "nothing in it to load (an interrupted copy or save?)")
    if head[:2] == b"PK" and _torch_zip(file):
        raise ValueError(f"load: {file!r} was written by torch.save (PyTorch's zip format), "
                         "which tensorgrad does not read: load it with torch.load and turn its "
                         "tensors into arrays (t.numpy()), or save it with tg.save(obj, path)")
    try:
        return np.load(file, *args, **kwargs)
    except ValueError as exc:
        if "allow_pickle" not in str(exc):
            raise
        raise ValueError(f"load: {file!r} holds pickled Python objects (np.save of a dict, or of "
                         "a list of arrays of different shapes, pickles it), which NumPy loads "
                         "only with allow_pickle=True (for a file you trust); save objects with "
                         "tg.save(obj, path) (PyTorch's order) and parameter pytrees with "
                         "tg.checkpoint.save") from None


def _name(file) -> str:
    return repr(os.fspath(file)) if isinstance(file, (str, bytes, os.PathLike)) else "the file"


def _exists(file) -> bool:
    try:
        return os.path.isfile(file)
    except (TypeError, ValueError):
        return False


def _torch_zip(file) -> bool:
    """Whether the zip ``file`` is PyTorch's archive (a ``<name>/data.pkl`` inside)."""
    at = file.tell() if hasattr(file, "tell") else None
    try:
        with zipfile.ZipFile(file) as z:
            return any(n.endswith("data.pkl") for n in z.namelist())
    except (OSError, zipfile.BadZipFile, TypeError, ValueError):
        return False
    finally:  # (a file object goes back to where np.load will read it)
        if at is not None:
            file.seek(at)


def _peek(file, n: int) -> bytes:
    if hasattr(file, "read"):
        if not hasattr(file, "seek"):
            return b""
        at = file.tell()
        head = file.read(n)
        file.seek(at)
        return head if isinstance(head, bytes) else b""
    try:
        with open(file, "rb") as f:
            return f.read(n)
    except (OSError, TypeError):
        return b""


def _read(file) -> bytes:
    if hasattr(file, "read"):
        return file.read()
    with open(file, "rb") as f:
        return f.read()
