"""Save and load parameter pytrees as ``.npz`` files.

* Arrays are stored under readable names (``"0.W"``, ``"1.b"``: dict keys and
  list indices joined by dots) next to a JSON description of the pytree, so a
  file can be opened with plain ``numpy.load`` and nothing is ever pickled:
  loading uses ``allow_pickle=False``.
* Saving is atomic: the file is written to a temporary file in the same
  folder, flushed to disk and renamed over the target, so an interrupted save
  leaves the previous checkpoint intact. The file's permissions are those of
  any file you write: 0666 less your umask (an overwritten file keeps its own).
* Loading validates before it returns: a truncated or corrupted file, or one
  whose names, shapes or dtypes differ from the model's, raises
  :class:`CheckpointError` naming the problem, and the model is not touched.
* A Module's buffers (BatchNorm's running statistics, ``model.named_buffers()``) are saved
  with its parameters, under ``"buffer:<name>"``, and restored by ``load(path, like=model)``.
"""
from __future__ import annotations

import json
import os
import sys
import types
import zipfile
from typing import Any

import numpy as np

from .ad_checkpoint import remat
from .atomic_file import write_atomically
from .nn.layers import Module, named_parameters
from .nn.state import into_tensors
from .tensor import concrete
from .tree import _CUSTOM as _CUSTOM_NODES
from .tree import named_leaves, tree_flatten, tree_unflatten

__all__ = ["save", "load", "CheckpointError"]

_MAGIC = "__tensorgrad_checkpoint__"
_TREE = "__tree__"
_VERSION = "1"
_BUFFER = "buffer:"  # prefix of the names a Module's buffers are stored under


class CheckpointError(ValueError):
    """A checkpoint file is unreadable or does not match the model."""


def _describe(tree) -> Any:
    """JSON description of a pytree's structure (leaves as null)."""
    if tree is None:
        return {"none": True}
    if isinstance(tree, dict):
        for k in tree:
            if not isinstance(k, str):
                raise TypeError(f"checkpoint: dict keys must be strings, got {k!r}")
            if "." in k:
                raise TypeError(f"checkpoint: dict key {k!r} contains '.', which separates names "
                                "(a Module's state_dict()? save the Module itself, "
                                "tg.checkpoint.save(path, model), or PyTorch's way, "
                                "tg.save(model.state_dict(), path))")
        return {"dict": {k: _describe(tree[k]) for k in sorted(tree)}}
    if isinstance(tree, (list, tuple)):  # (a namedtuple is stored as a tuple)
        return {"list" if isinstance(tree, list) else "tuple": [_describe(c) for c in tree]}
    if type(tree) in _CUSTOM_NODES:  # a registered pytree node: its children, as a tuple
        children, _ = _CUSTOM_NODES[type(tree)][0](tree)
        return {"tuple": [_describe(c) for c in children]}
    return None


def _rebuild(desc, arrays: dict, name: str = ""):
    if desc is None:
        return arrays[name]
    if desc.get("none"):
        return None
    join = (lambda k: f"{name}.{k}" if name else str(k))
    if "dict" in desc:
        return {k: _rebuild(v, arrays, join(k)) for k, v in desc["dict"].items()}
    kind = "list" if "list" in desc else "tuple"
    kids = [_rebuild(v, arrays, join(i)) for i, v in enumerate(desc[kind])]
    return kids if kind == "list" else tuple(kids)


def _check_names(params) -> None:
    """Refuse a pytree in which two parameters would be stored under one name.

    Names join dict keys and list indices with dots, so an empty key can make
    two paths meet (``{"": {"a": ...}, "a": ...}`` gives "a" twice); saving
    would silently keep only one of them.
    """
    where: dict[str, str] = {}
    for name, path, _ in named_leaves(params):
        if name in where:
            raise ValueError(f"checkpoint: parameters {where[name] or 'params'} and "
                             f"{path or 'params'} would both be stored under the name "
                             f"{name!r}; rename a key (an empty key adds no name part)")
        where[name] = path


def _leaves(params) -> dict[str, np.ndarray]:
    out = {}
    for name, v in named_parameters(params).items():
        a = np.asarray(concrete(v))
        if a.dtype.kind not in "biufc":
            raise TypeError(f"checkpoint: parameter {name!r} has dtype {a.dtype}; only numeric "
                            "arrays (boolean, integer, real or complex) can be saved")
        if name.startswith(_BUFFER):  # (load would read it as a Module's buffer)
            raise ValueError(f"checkpoint: a parameter may not be named {name!r}: names "
                             f"beginning with {_BUFFER!r} are kept for Modules' buffers")
        out[name] = a
    return out


def save(path, params: Any) -> str:
    """Write ``params`` (a pytree, or a Module's parameters) to ``path`` atomically.

    Returns the path written. ``.npz`` is *not* appended: the name is used as given.
    """
    buffers = {}
    if isinstance(params, Module):
        buffers = {_BUFFER + k: np.asarray(v) for k, v in params.named_buffers().items()}
        params = params._have()
    _check_names(params)
    arrays = _leaves(params)
    if set(arrays) & set(buffers):
        raise TypeError(f"checkpoint: parameter names {sorted(set(arrays) & set(buffers))} are "
                        "also buffer names")
    arrays.update(buffers)
    desc = json.dumps(_describe(params))
    for reserved in (_MAGIC, _TREE):
        if reserved in arrays:
            raise TypeError(f"checkpoint: parameter name {reserved!r} is reserved")
    return write_atomically(path, lambda f: np.savez(
        f, **arrays, **{_MAGIC: np.array(_VERSION), _TREE: np.array(desc)}))


def _read(path) -> tuple[dict, Any]:
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"checkpoint {path!r} does not exist")
    bad = (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError, RuntimeError)
    try:
        # opened here, not by np.load: np.load leaves its own handle open (a ResourceWarning)
        # when the file is not a valid zip archive
        fh = open(path, "rb")
    except OSError as e:
        raise CheckpointError(f"{path!r} is not a readable checkpoint: {type(e).__name__}: {e}") from None
    with fh:
        return _read_open(path, fh, bad)


def _read_open(path: str, fh, bad: tuple) -> tuple[dict, Any]:
    try:
        z = np.load(fh, allow_pickle=False)
    except bad as e:
        why = f"{type(e).__name__}: {e}"
        if "pickle" in str(e):  # (NumPy's advice to load it unsafely is not for a checkpoint)
            why = "not an .npz archive of arrays"
        raise CheckpointError(f"{path!r} is not a readable checkpoint (truncated or corrupted "
                              f"file?): {why}") from None
    if not hasattr(z, "files"):
        raise CheckpointError(f"{path!r} holds a single array (.npy), not an .npz checkpoint")
    with z:
        names = list(z.files)
        missing = [k for k in (_MAGIC, _TREE) if k not in names]
        if missing:
            raise CheckpointError(f"{path!r} is an .npz file but not a tensorgrad checkpoint "
                                  f"(no {' or '.join(map(repr, missing))} entry); it holds {names[:8]}")
        try:
            arrays = {k: z[k] for k in names}  # reading every member checks its CRC
        except bad as e:
            raise CheckpointError(f"{path!r} is not a readable checkpoint (truncated or corrupted "
                                  f"file?): {type(e).__name__}: {e}") from None
    version = str(arrays.pop(_MAGIC))
    if version != _VERSION:
        raise CheckpointError(f"{path!r} has checkpoint format {version!r}; this tensorgrad reads {_VERSION!r}")
    try:
        buffers = {k: arrays.pop(k) for k in list(arrays) if k.startswith(_BUFFER)}
        desc = json.loads(str(arrays.pop(_TREE)))
        expected = set(named_parameters(_rebuild(desc, _Names())))
    except (ValueError, TypeError, AttributeError, KeyError, RecursionError) as e:  # deep nesting: RecursionError
        raise CheckpointError(f"{path!r}: the stored structure is corrupted: {type(e).__name__}: {e}") from None
    if expected != set(arrays):
        raise CheckpointError(f"{path!r}: the stored structure does not match its arrays "
                              f"(missing {sorted(expected - set(arrays))}, extra "
                              f"{sorted(set(arrays) - expected)})")
    for k, a in arrays.items():  # what save() writes: numeric arrays only
        if a.dtype.kind not in "biufc":
            raise CheckpointError(f"{path!r}: parameter {k!r} has dtype {a.dtype}; a checkpoint holds "
                                  "only numeric arrays (corrupted or not written by tensorgrad?)")
    if buffers:
        desc = {"tree": desc, "buffers": buffers}  # unpacked by load()
    return arrays, desc


def _drop_empty(tree):
    """Lists without their empty entries ({} or None), recursively."""
    if isinstance(tree, dict):
        return {k: _drop_empty(v) for k, v in tree.items()}
    if isinstance(tree, (list, tuple)):
        kept = [_drop_empty(c) for c in tree if not (c is None or (isinstance(c, dict) and not c))]
        return kept if isinstance(tree, list) else tuple(kept)
    return tree


def _compacted(desc, arrays: dict, want: set) -> dict:
    """A checkpoint written when a Sequential's list had an entry ``{}`` for every layer
    without parameters ("2.W" for the second Linear of an MLP): renamed to the current
    layout ("1.W") when that makes the names match; otherwise returned unchanged."""
    renamed = named_parameters(_drop_empty(_rebuild(desc, arrays)))
    return renamed if set(renamed) == want else arrays


class _Names(dict):
    """Stand-in leaf store: every name resolves to a placeholder leaf."""

    def __missing__(self, key):
        return 0.0


def load(path, like: Any = None) -> Any:
    """Read a checkpoint and return its parameter pytree.

    Checkpoints of a Sequential model saved in the earlier layout (an entry
    ``{}`` for every layer without parameters) load into today's models.
    With ``like`` (a parameter pytree or a Module) the file must hold exactly
    the same names with the same shapes and dtypes; the result has ``like``'s
    structure. A Module given as ``like`` gets the loaded parameters only when
    everything checked out. Raises :class:`CheckpointError` otherwise.
    """
    arrays, desc = _read(path)
    buffers = {}
    if isinstance(desc, dict) and "buffers" in desc:
        buffers, desc = {k[len(_BUFFER):]: v for k, v in desc["buffers"].items()}, desc["tree"]
    if like is None:
        return _rebuild(desc, arrays)
    module = like if isinstance(like, Module) else None
    slots = module._buffer_slots() if module is not None else {}
    if module is not None:
        _check_buffers(path, buffers, dict(module.named_buffers()))
    template = module._have() if module is not None else like
    want = {k: np.asarray(concrete(v)) for k, v in named_parameters(template).items()}
    if set(want) != set(arrays):
        arrays = _compacted(desc, arrays, set(want))
    missing, extra = sorted(set(want) - set(arrays)), sorted(set(arrays) - set(want))
    if missing or extra:
        raise CheckpointError(f"{os.fspath(path)!r} does not match the model: "
                              + "; ".join(s for s in (f"missing parameters {missing}" if missing else "",
                                                      f"unexpected parameters {extra}" if extra else "") if s))
    problems = []
    for k, w in want.items():
        a = arrays[k]
        if a.shape != w.shape:
            problems.append(f"{k!r}: checkpoint shape {a.shape}, model expects {w.shape}")
        elif a.dtype != w.dtype:
            problems.append(f"{k!r}: checkpoint dtype {a.dtype}, model expects {w.dtype}")
    if problems:
        raise CheckpointError(f"{os.fspath(path)!r} does not match the model: " + "; ".join(problems))
    leaves, td = tree_flatten(template)
    loaded = [arrays[k] for k in want]
    if module is not None:  # an imperative tensor parameter keeps its identity (an optimizer made
        loaded = into_tensors(leaves, loaded)  # PyTorch's way holds it), as load_state_dict does
    result = tree_unflatten(td, loaded)
    if module is not None:
        module.params = result
        for k, (owner, attr) in slots.items():
            setattr(owner, attr, np.array(buffers[k]))
    return result


def _check_buffers(path, found: dict, want: dict) -> None:
    """The file's buffers must be the model's: same names, shapes and dtypes."""
    missing, extra = sorted(set(want) - set(found)), sorted(set(found) - set(want))
    problems = [s for s in (f"missing buffers {missing}" if missing else "",
                            f"unexpected buffers {extra}" if extra else "") if s]
    for k in sorted(set(want) & set(found)):
        w, a = np.asarray(want[k]), found[k]
        if a.shape != w.shape or a.dtype != w.dtype:
            problems.append(f"buffer {k!r}: checkpoint {a.shape} {a.dtype}, model expects "
                            f"{w.shape} {w.dtype}")
    if problems:
        raise CheckpointError(f"{os.fspath(path)!r} does not match the model: " + "; ".join(problems))


class _CheckpointModule(types.ModuleType):
    """This module, callable: ``tg.checkpoint(f)`` is JAX's ``jax.checkpoint(f)``
    (:func:`tensorgrad.remat`), while ``tg.checkpoint.save``/``load`` handle files."""

    def __call__(self, fun=None, **kwargs):
        return remat(fun, **kwargs)


sys.modules[__name__].__class__ = _CheckpointModule
