"""NumPy's protocols on Tensors: ``np.tanh(t)``, ``np.linalg.solve(A, t)``, ``a % t``.

NumPy hands every call that involves a Tensor to the Tensor: a ufunc
(``np.tanh``, ``np.maximum``, and the operators of an ndarray on the left, such
as ``a * t``) through ``__array_ufunc__``, any other NumPy function
(``np.sum``, ``np.cumsum``, ``np.linalg.solve``) through ``__array_function__``.
Both look up the function's *full* path (``numpy.linalg.solve``,
``numpy.remainder``, ``scipy.special.erf``) in
:data:`tensorgrad.tensor.NUMPY_FUNCTIONS` and call the tensorgrad function
found there, which records on every active transform. The op registry fills
that table from each entry's ``numpy=`` field (by default NumPy's function of
the op's own name), so code written against NumPy differentiates unchanged.

The rules, in one place:

* **No rule, traced value: an error.** A NumPy function with no tensorgrad
  rule, applied to a value that a transform (or an imperative tensor) is
  recording, raises a TypeError naming the function's full path and the
  nearest tensorgrad functions: it would otherwise drop the gradient without a
  word. A traced value never silently becomes an ndarray. On Tensors outside
  every transform there is nothing to differentiate, and NumPy runs on their
  values.
* **NumPy arrays on the left of an operator.** ``a * t`` runs
  ``np.multiply(a, t)``, which arrives here and calls ``tg.multiply(a, t)``:
  exactly what ``t.__rmul__(a)`` does.
* **out=.** A result is written into a NumPy ``out`` array only when it
  carries no gradient; writing a traced value (``a += t`` with a NumPy array
  ``a`` inside a transform) raises and says to write ``a = a + t``. A Tensor as
  ``out=t`` gives the tensor ``t`` the result, as ``t[...] = result`` does.
* **where=** needs ``out=`` (without it NumPy leaves the other entries
  undefined) and then means ``tg.where(where, result, out)``.
* **Ufunc methods.** ``reduce`` and ``accumulate`` of ``add``, ``multiply``,
  ``maximum``, ``minimum``, ``logical_and``/``logical_or`` map to
  ``sum``/``cumsum``, ``prod``/``cumprod``, ``max``, ``min``, ``all``/``any``
  (NumPy's default ``axis=0``); the other two-operand ufuncs' ``reduce`` and ``accumulate``
  fold along the axis (``np.maximum.accumulate``, ``np.subtract.reduce``: ``tg.maximum.accumulate``);
  ``outer`` works for every binary ufunc with a rule, and so does ``reduceat``
  (``tg.add.reduceat``: the reductions of slices, stacked); ``at`` has no rule.
  ``reduce`` takes NumPy's ``where=`` and ``initial=`` where the function behind it does.
* **Metadata** (``np.shape``, ``np.ndim``, ``np.size``, ``np.result_type``,
  ``np.iscomplexobj``, ``np.isrealobj``) reads the shape and dtype only.
"""
from __future__ import annotations

import difflib
import importlib
import inspect
import re
import sys

import numpy as np

from .recording import no_out
from .staging import is_staged, out_refused
from .tensor import NUMPY_FUNCTIONS, Tensor, concrete, dtype_of
from .torch_form import TORCH_FORM
from .ufunc_keywords import UFUNC_KEYWORDS

__all__ = ["numpy_path", "canonical_path", "is_traced", "no_rule_error", "deliver", "out_casting"]

#: ufunc methods with a rule: (ufunc path, method) -> the NumPy function that computes the same
#: ufunc methods served by a NumPy function's path, or by a function (see
#: ``registry.register_ufunc_method``), which takes ``(x, axis=, keepdims=)`` for
#: ``reduce`` and ``(x, axis=)`` for ``accumulate``
UFUNC_METHODS = {
    ("numpy.add", "reduce"): "numpy.sum",
    ("numpy.multiply", "reduce"): "numpy.prod",
    ("numpy.maximum", "reduce"): "numpy.max",
    ("numpy.minimum", "reduce"): "numpy.min",
    ("numpy.logical_and", "reduce"): "numpy.all",
    ("numpy.logical_or", "reduce"): "numpy.any",
    ("numpy.add", "accumulate"): "numpy.cumsum",
    ("numpy.multiply", "accumulate"): "numpy.cumprod",
}

#: functions that read only the shape and dtype of their arguments
_METADATA = {"numpy.shape", "numpy.ndim", "numpy.size", "numpy.result_type",
             "numpy.iscomplexobj", "numpy.isrealobj", "numpy.common_type"}

#: ufunc keywords whose default is all tensorgrad supports
_UFUNC_DEFAULTS = {"casting": "same_kind", "order": "K", "subok": True, "signature": None}

_PATHS: dict = {}  # function object -> its path (a cache)
_PARAMS: dict = {}  # tensorgrad function -> the keyword names it takes (None: any)


# --------------------------------------------------------------------------
# names
# --------------------------------------------------------------------------

def numpy_path(obj) -> str | None:
    """The full path NumPy reports for a function: ``numpy.linalg.inv``,
    ``numpy.absolute`` (the ufunc behind ``np.abs``), ``scipy.special.erf``."""
    name = getattr(obj, "__name__", None)
    if name is None:
        return None
    if isinstance(obj, np.ufunc):
        if getattr(np, name, None) is obj:
            return f"numpy.{name}"
        special = sys.modules.get("scipy.special")
        if special is not None and getattr(special, name, None) is obj:
            return f"scipy.special.{name}"
        return f"{getattr(obj, '__module__', None) or 'ufunc'}.{name}"
    module = getattr(obj, "__module__", None)
    return f"{module}.{name}" if module else None


def canonical_path(path: str) -> str:
    """``path`` as NumPy reports the function it names (``"numpy.abs"`` → ``"numpy.absolute"``).

    A path that names nothing importable is kept as given.
    """
    module, _, name = path.rpartition(".")
    try:
        obj = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError, ValueError):
        return path
    found = numpy_path(obj)
    # a plain Python function reports its private module (scipy.special._logsumexp): keep the public path
    return found if isinstance(obj, np.ufunc) or hasattr(obj, "_implementation") else path


def _path(func) -> str:
    try:
        return _PATHS[func]
    except KeyError:
        p = _PATHS[func] = numpy_path(func) or repr(func)
        return p
    except TypeError:  # unhashable
        return numpy_path(func) or repr(func)


def _shown(fn) -> str:
    """How a tensorgrad function is spelled by a user: ``tg.cumsum``, ``tg.linalg.solve``."""
    module = getattr(fn, "__module__", None) or "tensorgrad"
    name = getattr(fn, "__name__", repr(fn))
    if module == "tensorgrad" or module.startswith("tensorgrad.ops"):
        return f"tg.{name}"
    if module.startswith("tensorgrad."):
        return f"tg.{module[len('tensorgrad.'):]}.{name}"
    return f"{module}.{name}"


# --------------------------------------------------------------------------
# traced values and errors
# --------------------------------------------------------------------------

def is_traced(x) -> bool:
    """True when ``x`` is a Tensor that a live transform (or imperative tape) records."""
    while type(x) is Tensor:
        tr = x._trace
        if tr is not None and tr.level >= 0:
            return True
        x = x._value
    return False


def _any_traced(obj) -> bool:
    if type(obj) is Tensor:
        return is_traced(obj)
    if isinstance(obj, (list, tuple)):
        return any(_any_traced(o) for o in obj)
    if isinstance(obj, dict):
        return any(_any_traced(o) for o in obj.values())
    return False


def _strip(obj):
    """Tensors (in lists, tuples and dicts too) replaced by read-only views of their values
    (a NumPy function that writes in place then fails instead of changing a Tensor)."""
    if type(obj) is Tensor:
        v = concrete(obj)
        if isinstance(v, np.ndarray) and v.flags.writeable:
            v = v.view()
            v.flags.writeable = False
        return v
    if isinstance(obj, (list, tuple)):
        return type(obj)(_strip(o) for o in obj)
    if isinstance(obj, dict):
        return {k: _strip(v) for k, v in obj.items()}
    return obj


#: NumPy's functions that write arrays to files
_WRITERS = frozenset({"save", "savez", "savez_compressed", "savetxt", "tofile"})


def no_rule_error(path: str, what: str = "") -> TypeError:
    """The error for a NumPy function without a tensorgrad rule: its full path and the nearest ops."""
    module, _, tail = path.rpartition(".")
    if tail in _WRITERS:  # (writing a tensor out: its values are what is meant)
        return TypeError(f"{path}{what}: a Tensor that requires grad (or is traced) cannot be "
                         "written out as it is; save its values, t.detach() (or t.numpy(), "
                         "tg.stop_gradient(t) inside a transform)")
    names: dict = {}
    same: dict = {}  # functions served in the same namespace (numpy.linalg, scipy.special) first
    for p, fn in NUMPY_FUNCTIONS.items():
        m, _, t = p.rpartition(".")
        names.setdefault(t, fn)
        names.setdefault(getattr(fn, "__name__", ""), fn)
        if m == module:
            same.setdefault(t, fn)
    close = difflib.get_close_matches(tail, list(same), n=4, cutoff=0.6) if module != "numpy" else []
    pool = same if close else names
    if not close:
        close = difflib.get_close_matches(tail, [n for n in names if n], n=4, cutoff=0.6)
    near = list(dict.fromkeys(_shown(pool[c]) for c in close))
    hint = f" The nearest tensorgrad functions: {', '.join(near)}." if near else ""
    if what == ".at" and getattr(NUMPY_FUNCTIONS.get(path), "at", None) is not None:
        hint = (f" tg.{tail}.at(a, indices, b, inplace=False) returns the updated array, "
                "differentiably.")
    return TypeError(
        f"{path}{what} has no tensorgrad rule: applied to a traced Tensor it would silently drop "
        f"the gradient.{hint} Write the computation with tensorgrad ops (or give it a rule with "
        f"tg.custom_vjp), or pass tg.stop_gradient(x) where a constant is meant.")


def _accepted(fn):
    try:
        return _PARAMS[fn]
    except KeyError:
        pass
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        names = None
    else:
        names = None if any(p.kind is p.VAR_KEYWORD for p in params) else \
            tuple(p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD))
    _PARAMS[fn] = names
    return names


def _check_keywords(path: str, fn, kwargs: dict) -> None:
    names = _accepted(fn)
    if names is None:
        return
    bad = [k for k in kwargs if k not in names]
    if bad:
        raise TypeError(f"{path}(..., {bad[0]}=...): tensorgrad's {_shown(fn)} does not take "
                        f"{bad[0]!r}; it takes {', '.join(names) or 'no keywords'}")


# --------------------------------------------------------------------------
# out= and where=
# --------------------------------------------------------------------------

def _into_tensor(path: str, o: Tensor, r) -> None:
    """``out=t``: the tensor takes the result as ``t[...] = r`` does (the imperative tape records
    it, as ``t += v``; a value a transform traces stays immutable and raises)."""
    shape, dt = tuple(np.shape(r)), np.dtype(dtype_of(r))
    if np.broadcast_shapes(shape, o.shape) != tuple(o.shape):
        raise ValueError(f"{path}: out has shape {tuple(o.shape)}, the result has shape {shape}")
    if not np.can_cast(dt, o.dtype, "same_kind"):
        raise TypeError(f"{path}: cannot cast the result's dtype {dt} to out's dtype {o.dtype} "
                        "with casting rule 'same_kind'")
    o[...] = r


def split_out(args: tuple, kwargs: dict, at: int | None):
    """NumPy's ``out`` given by keyword or in its place ``at`` among the positional arguments:
    ``(out, args with None in that place, kwargs without it)``."""
    if at is not None and len(args) > at:
        return args[at], args[:at] + (None,) + args[at + 1:], kwargs
    if kwargs.get("out") is None:
        return None, args, kwargs
    kwargs = dict(kwargs)
    return kwargs.pop("out"), args, kwargs


def numpy_takes_out(name: str) -> bool:
    """Whether NumPy's function of this name has an ``out`` parameter (every ufunc does)."""
    target = getattr(np, name, None)
    if isinstance(target, np.ufunc):
        return True
    try:
        return "out" in inspect.signature(target).parameters
    except (TypeError, ValueError):
        return False


def numpy_out_slots(name: str) -> tuple | None:
    """Where NumPy's function of this name takes ``out`` by position, ``(place, count)``: a
    ufunc's outputs follow its inputs (``np.modf(x, o1, o2)``), another function's ``out`` has
    its place in the signature (``np.round(a, decimals, out)``). None: keyword only, or none."""
    target = getattr(np, name, None)
    if isinstance(target, np.ufunc):
        return target.nin, target.nout
    try:
        params = list(inspect.signature(target).parameters.values())
    except (TypeError, ValueError):
        return None
    for k, p in enumerate(params):
        if p.name == "out" and p.kind is p.POSITIONAL_OR_KEYWORD:
            return k, 1
    return None


def positional_capacity(f) -> int | None:
    """How many positional arguments ``f`` takes (None: any number, or unknown)."""
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "out" for p in params)


def out_places(name: str, f) -> tuple:
    """``(slots, capacity)`` for :func:`positional_outs`: NumPy's places of ``name``'s outputs
    and how many positional arguments ``f`` takes (capacity None: no outputs by position to
    look for, as the caller tests before calling positional_outs)."""
    slots = numpy_out_slots(name)
    return slots, (positional_capacity(f) if slots is not None else None)


def positional_outs(name: str, slots: tuple | None, capacity: int | None, args: tuple, kwargs: dict):
    """``(args, kwargs)`` with NumPy's outputs given by position (see :func:`numpy_out_slots`)
    moved to ``out=``, when there are more positional arguments than the function's own
    ``capacity`` and they reach NumPy's place for them."""
    if slots is None or capacity is None or capacity > slots[0] or len(args) <= slots[0]:
        return args, kwargs
    at, count = slots
    if len(args) > at + count:
        raise TypeError(f"{name}() takes at most {at + count} positional arguments (the last "
                        f"{count} for out{'puts' if count > 1 else ''}), got {len(args)}")
    if kwargs.get("out") is not None:
        raise TypeError(f"{name}(): cannot give 'out' both by position and by keyword")
    outs = args[at:]
    for o in outs:
        if o is not None and not isinstance(o, (np.ndarray, Tensor)):
            raise TypeError(f"{name}(): an output given by position must be an array, got "
                            f"{type(o).__name__} (NumPy: return arrays must be of ArrayType)")
    kwargs = dict(kwargs)
    kwargs["out"] = outs[0] if count == 1 else tuple(outs) + (None,) * (count - len(outs))
    return args[:at], kwargs


def writing_out(name: str, fn, at: int | None):
    """``fn`` taking NumPy's ``out=`` (see :func:`split_out`): computed without it, then
    written into ``out`` with NumPy's casting for ``name`` (a result that carries a gradient is
    refused by :func:`deliver`)."""
    # (``fn``'s own out keyword-only, NumPy's by position: np.clip(a, lo, hi, out))
    slots, capacity = (None, None) if at is not None else out_places(name, fn)

    def run(*args, **kwargs):
        if capacity is not None and len(args) > capacity:
            args, kwargs = positional_outs(name, slots, capacity, args, kwargs)
        out, args, kwargs = split_out(args, kwargs, at)
        result = fn(*args, **kwargs)
        return result if out is None else deliver(name, result, out, out_casting(name))
    return run


def deliver(path: str, result, out, casting: str = "same_kind", broadcast: bool = False):
    """Write ``result`` into NumPy's ``out`` arrays, if it carries no gradient: every check
    first, then the writes (never one output written and the next refused). ``broadcast``: a
    ufunc's result broadcast to ``out``'s shape, as NumPy's."""
    single = not isinstance(out, tuple)
    outs = (out,) if single else out
    results = result if isinstance(result, tuple) else (result,)
    if len(outs) != len(results):
        raise ValueError(f"{path}: got {len(outs)} out arrays for {len(results)} results")
    mapping = sys.modules.get("tensorgrad.batching")  # (imported with tensorgrad, after this)
    if mapping is not None and mapping.current_frame() is not None \
            and any(o is not None for o in outs):
        raise TypeError(f"{path}(..., out=...) inside tg.vmap: the mapped function runs once per "
                        "slice, and each would write the whole out array; use the returned value")
    writes = []
    for o, r in zip(outs, results):
        if o is None or isinstance(o, Tensor):
            continue
        if is_traced(r):
            raise TypeError(
                f"{path}(..., out=array) would write a traced Tensor into a NumPy array, which "
                f"cannot carry its gradient. Use the returned value instead; for an in-place "
                f"operator with a NumPy array on the left (a += t), write a = a + t; for "
                f"where=mask with out=fill (a safe division), write tg.where(mask, result, fill), "
                f"with the unsafe input itself masked (the 'double where' pattern)")
        v = concrete(r)
        if is_staged(v):  # under tg.jit: the plan would replay the trace-time value
            raise out_refused(path)
        v = np.asarray(v)
        if np.shape(o) != v.shape and not (
                broadcast and np.broadcast_shapes(np.shape(o), v.shape) == np.shape(o)):
            raise ValueError(f"{path}: out has shape {np.shape(o)}, the result has shape {v.shape}")
        if not np.can_cast(v.dtype, o.dtype, casting):
            raise TypeError(f"{path}: cannot cast the result from {v.dtype} to out's dtype "
                            f"{o.dtype} with casting rule {casting!r}")
        writes.append((o, v))
    for o, r in zip(outs, results):
        if isinstance(o, Tensor):
            _into_tensor(path, o, r)
    for o, v in writes:
        np.copyto(o, v, casting=casting)
    if single:
        return outs[0]
    return tuple(o if o is not None else r for o, r in zip(outs, results))


def _gufunc_axes(ufunc, path: str, impl, inputs: tuple, kwargs: dict):
    """A generalized ufunc (``matmul``, ``vecdot``, ...) with NumPy's ``axes=`` (the core axes
    of each operand and of the result) or ``axis=`` (one core axis, the same in every
    operand): the core axes moved last, the function, and the result's moved back."""
    ins, outs = ufunc.signature.replace(" ", "").split("->")
    cores = [len([d for d in part.strip("()").split(",") if d])
             for part in re.findall(r"\([^)]*\)", ins + "," + outs)]
    if "axis" in kwargs:
        if any(c not in (0, 1) for c in cores):
            raise TypeError(f"{path}(..., axis=): only for functions whose core dimensions are "
                            "single axes; use axes=")
        axes = [(kwargs["axis"],) if c else () for c in cores]
    else:
        axes = [tuple(a) if isinstance(a, (tuple, list)) else (a,) for a in kwargs["axes"]]
        if len(axes) == len(inputs) and cores[-1] == 0:
            axes.append(())
    if len(axes) != len(cores) or any(len(a) != c for a, c in zip(axes, cores)):
        raise ValueError(f"{path}: axes={kwargs.get('axes')!r} must give {cores} axes to the "
                         "operands and the result, in turn")
    move = NUMPY_FUNCTIONS["numpy.moveaxis"]
    moved = [move(x, a, tuple(range(-len(a), 0))) if a else x for x, a in zip(inputs, axes)]
    result = impl(*moved)
    return move(result, tuple(range(-len(axes[-1]), 0)), axes[-1]) if axes[-1] else result


#: ``np.<ufunc>.at(t, index, v)`` on a tensor: the ``t.at[index]`` update it is
_AT_METHODS = {"numpy.add": lambda ref, v: ref.add(v), "numpy.subtract": lambda ref, v: ref.add(-v),
               "numpy.multiply": lambda ref, v: ref.multiply(v),
               "numpy.maximum": lambda ref, v: ref.max(v), "numpy.minimum": lambda ref, v: ref.min(v)}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    if not kwargs and method == "__call__":  # an operator (a @ t, a * t): straight to the function
        path = _PATHS.get(ufunc)
        if path is not None:
            impl = NUMPY_FUNCTIONS.get(path)
            if impl is not None:
                return impl(*inputs)
    path = _path(ufunc)
    out = kwargs.pop("out", None)
    where = kwargs.pop("where", True)
    if kwargs.get("order") in ("C", "F", "A") or kwargs.get("subok") is False:
        kwargs.pop("order", None)  # (the memory layout of a new array; values are the same)
        kwargs.pop("subok", None)  # (a Tensor is no ndarray subclass)
    casting = "same_kind"  # (what dtype= and out= may cast to, in a call)
    if method == "__call__" and kwargs.get("casting") in ("no", "equiv", "safe", "same_kind", "unsafe"):
        casting = kwargs.pop("casting")
        if casting in ("no", "equiv", "safe") and "dtype" not in kwargs:  # (the inputs' casts
            _loop_inputs(ufunc, inputs, None, casting)  # into the loop, as NumPy checks them)
    elif kwargs.get("casting") == "unsafe" and "dtype" not in kwargs:
        del kwargs["casting"]  # (it only widens what dtype= or out= may cast to)
    for k, default in _UFUNC_DEFAULTS.items():
        if k in kwargs and kwargs[k] != default:
            raise TypeError(f"{path}(..., {k}={kwargs[k]!r}) is not supported on Tensors")
        kwargs.pop(k, None)
    if method == "__call__":
        impl = NUMPY_FUNCTIONS.get(path)
    else:
        target = UFUNC_METHODS.get((path, method))
        impl = NUMPY_FUNCTIONS.get(target) if type(target) is str else target
        if method == "outer" and NUMPY_FUNCTIONS.get(path) is not None:
            impl = NUMPY_FUNCTIONS[path]
    what = "" if method == "__call__" else f".{method}"
    if method == "at" and isinstance(inputs[0], Tensor):
        update = _AT_METHODS.get(path)
        if update is None or len(inputs) != 3 or out is not None:
            raise TypeError(f"{path}.at(t, ...) would change the Tensor t in place: Tensors are "
                            f"immutable. Build the new value with t.at[index].add(v) and the like")
        t, index, v = inputs  # (np.add.at(t, i, v): t takes t.at[i].add(v), duplicates summed)
        _into_tensor(f"{path}.at", t, update(t.at[index], v))
        return None
    if impl is None and method in ("reduce", "accumulate", "reduceat") and out is None \
            and _any_traced(inputs):
        own = getattr(NUMPY_FUNCTIONS.get(path), method, None)  # tg's fold (tg.maximum.accumulate)
        if own is not None:
            return own(*inputs, **kwargs) if where is True else own(*inputs, where=where, **kwargs)
    if impl is None:
        if _any_traced(inputs) or _any_traced(out) or _any_traced(where):
            raise no_rule_error(path, what)
        if any(isinstance(o, Tensor) for o in (out or ())):
            raise TypeError(f"{path}{what}(..., out=Tensor): Tensors are immutable")
        # nothing is recorded: NumPy's own function on the values
        extra = {} if out is None else {"out": out}
        if where is not True:
            extra["where"] = _strip(where)
        return getattr(ufunc, method)(*_strip(inputs), **extra, **kwargs)
    if where is not True and method == "__call__" and out is not None and not _any_traced(inputs) \
            and not _any_traced(where) and all(type(o) is np.ndarray for o in out):
        plain = _strip(inputs)
        if all(isinstance(v, (np.ndarray, np.generic, int, float, complex)) for v in plain):
            # nothing to record, and NumPy computes only where the mask holds: the entries
            # outside it raise no warning (sqrt(x, out=o, where=x > 0) of a negative x)
            return ufunc(*plain, out=out if len(out) > 1 else out[0], where=_strip(where),
                         casting=casting, **kwargs)
    dtype = kwargs.pop("dtype", None)
    run_in = {}  # reduce/accumulate in dtype itself (np.add.reduce(int8, dtype=int8) wraps, no upcast)
    loop_out = None  # with dtype=, the output dtype of the loop NumPy picks
    if dtype is not None and method in ("reduce", "accumulate") and "dtype" in (_accepted(impl) or ()):
        run_in = {"dtype": dtype}
    elif dtype is not None and method in ("__call__", "outer"):
        inputs, loop_out = _loop_inputs(ufunc, inputs, dtype, casting)
    elif dtype is not None:
        inputs = tuple(_cast(a, dtype) for a in inputs)
    elif method in ("reduce", "accumulate"):
        inputs = (_in_loop_dtype(ufunc, inputs[0]),) + inputs[1:]
    if method == "__call__":
        if ufunc.signature and ("axes" in kwargs or "axis" in kwargs) and len(kwargs) == 1:
            return _gufunc_axes(ufunc, path, impl, inputs, kwargs)
        if kwargs:
            raise TypeError(f"{path}(..., {next(iter(kwargs))}=...) is not supported on Tensors")
        result = impl(*inputs)
        if loop_out is not None and not isinstance(result, tuple) and _dtype(result) != loop_out:
            result = _cast(result, loop_out)
    elif method == "outer":
        if kwargs or len(inputs) != 2:
            raise TypeError(f"{path}.outer takes two arrays and no keywords on Tensors")
        # (outer makes arrays of its operands first: a Python number is no longer weak there)
        a, b = (np.asarray(v) if type(v) in (int, float, complex, bool) else v for v in inputs)
        a_shape, b_ndim = np.shape(concrete(a)), np.ndim(concrete(b))
        result = impl(NUMPY_FUNCTIONS["numpy.reshape"](a, a_shape + (1,) * b_ndim), b)
    else:
        axis = kwargs.pop("axis", 0)
        if method == "reduce":
            # NumPy's reductions take where= (entries outside count as the identity) and
            # initial=; the functions behind them (tg.sum, tg.max, ...) take both
            extra = {k: kwargs.pop(k) for k in ("initial",) if k in kwargs}
            if where is not True:
                extra["where"], where = where, True
            for k in extra:
                if k not in (_accepted(impl) or (k,)):
                    raise TypeError(f"{path}.reduce(..., {k}=...) is not supported on Tensors")
            if axis in (0, -1) and np.ndim(concrete(inputs[0])) == 0:
                axis = None  # NumPy reduces a 0-d array over its "axis 0" to itself
            result = impl(inputs[0], axis=axis, keepdims=bool(kwargs.pop("keepdims", False)), **extra,
                          **run_in)
        else:
            if "initial" in kwargs:
                raise TypeError(f"{path}.{method}(..., initial=...) is not supported on Tensors")
            if axis is None or isinstance(axis, tuple):  # cumsum would flatten: NumPy refuses
                raise ValueError(f"{path}.{method} does not allow multiple axes (got axis={axis!r})")
            result = impl(inputs[0], axis=axis, **run_in)
        if kwargs:
            raise TypeError(f"{path}.{method}(..., {next(iter(kwargs))}=...) is not supported on Tensors")
    if where is not True:
        if out is None or all(o is None for o in out):
            raise TypeError(
                f"{path}{what}(..., where=mask) without out= leaves the other entries undefined; "
                f"write tg.where(mask, result, other) instead")
        if method != "__call__" or len(out) != 1:
            raise TypeError(f"{path}{what}(..., where=mask) is supported for single-output calls only")
        base = out[0]
        result = NUMPY_FUNCTIONS["numpy.where"](where, result, base)
    if out is not None:
        if method != "__call__" and casting == "same_kind":
            casting = "unsafe"  # (NumPy's reductions and accumulations write out= so)
        return deliver(path + what, result, out if len(out) > 1 else out[0], casting,
                       method == "__call__")
    return result


def _with_keywords(name: str, inputs: tuple, out, kwargs: dict):
    """``tg.<ufunc>(..., out=, where=, dtype=, casting=, order=, subok=)``: NumPy's ufunc
    keywords, as ``np.<ufunc>(...)`` takes them on tensors (and NumPy's own on arrays)."""
    ufunc = getattr(np, name, None)
    unknown = [k for k in kwargs if k not in _KEYWORD_NAMES]
    if unknown:
        if TORCH_FORM and out is None:  # PyTorch's keyword (tg.logit(x, eps=1e-6)): its function
            r = TORCH_FORM[0](name, inputs, kwargs, _KEYWORD_NAMES)
            if r is not NotImplemented:
                return r
        raise TypeError(f"{name}() got an unexpected keyword argument {unknown[0]!r}")
    if not isinstance(ufunc, np.ufunc) or ufunc.nin != len(inputs):
        public = getattr(sys.modules.get("tensorgrad.registry"), "FUNCTIONS", {}).get(name)
        if out is not None and not kwargs and public is not None and all(
                isinstance(o, (np.ndarray, Tensor)) for o in (out if isinstance(out, tuple) else (out,))):
            # (tg.erf(x, out=buf): SciPy's ufunc's out, as NumPy's: same_kind casting)
            return deliver(name, public(*inputs), out[0] if isinstance(out, tuple) and len(out) == 1
                           else out, "same_kind", True)
        if out is not None:
            raise no_out(name)
        raise TypeError(f"{name}() takes no keyword argument {next(iter(kwargs))!r}")
    if isinstance(out, tuple) and all(o is None for o in out):
        out = None  # (NumPy's out=(None,): no out)
    if out is not None:
        kwargs["out"] = out if isinstance(out, tuple) else (out,)
    return _array_ufunc(None, ufunc, "__call__", *inputs, **kwargs)


UFUNC_KEYWORDS.append(_with_keywords)
#: NumPy's functions whose out= takes any cast (np.sum(x, out=int_array)), as its reductions'
_REDUCTIONS = frozenset(f"numpy.{n}" for n in (
    "sum", "prod", "mean", "std", "var", "max", "min", "amax", "amin", "all", "any", "argmax",
    "argmin", "ptp", "cumsum", "cumprod", "nansum", "nanprod", "nanmean", "nanstd", "nanvar",
    "nanmax", "nanmin", "nanargmax", "nanargmin", "nancumsum", "nancumprod", "median",
    "nanmedian", "percentile", "nanpercentile", "quantile", "nanquantile", "average", "trace"))
#: the keywords a tg.<ufunc> takes as NumPy's ufunc does
_KEYWORD_NAMES = frozenset({"where", "dtype", "casting", "order", "subok", "signature", "axes", "axis",
                             "keepdims"})


def _cast(a, dtype):
    if isinstance(a, (Tensor, np.ndarray)) or is_staged(a):  # (a value tg.jit traces: recorded)
        return NUMPY_FUNCTIONS["numpy.astype"](a, dtype)
    return a


_WEAK = (int, float, complex)


def _dtype(a) -> np.dtype:
    return np.dtype(dtype_of(concrete(a)))


def _loop_inputs(ufunc, inputs, dtype, casting: str = "same_kind") -> tuple:
    """The inputs of ``ufunc(*inputs, dtype=dtype)`` cast to the loop NumPy picks for them
    (NumPy scalars too; a Python number stays weak, as in NumPy's call), and the loop's
    output dtype; NumPy's own error where ``same_kind`` casting forbids the loop
    (``np.add(f32, 1, dtype=np.int8)``, ``np.multiply(i8, 1.5, dtype=np.int8)``)."""
    probe = tuple(type(a) if type(a) in _WEAK else _dtype(a) for a in inputs)
    loop = ufunc.resolve_dtypes(probe + (None,) * ufunc.nout, casting=casting, signature=(
        None,) * ufunc.nin + (None if dtype is None else np.dtype(dtype),) * ufunc.nout)
    cast = tuple(_cast(a, d) if isinstance(a, (Tensor, np.ndarray)) else d.type(a)
                 if isinstance(a, np.generic) else a for a, d in zip(inputs, loop))
    return cast, loop[-1]


def _in_loop_dtype(ufunc, a):
    """``a`` cast to the dtype NumPy's loop of ``ufunc`` takes it in, as ``ufunc.reduce`` does
    (int8 and bool enter ``logaddexp`` as float16)."""
    d = getattr(concrete(a), "dtype", None)
    if d is None:
        return a
    try:
        loop = ufunc.resolve_dtypes((d, d, None))[0]
    except (TypeError, ValueError):  # no loop for d: the function behind the method says so
        return a
    return a if loop == d else _cast(a, loop)


def _placeholder(x):
    """An array with ``x``'s shape and dtype that costs no memory."""
    if type(x) is Tensor:
        v = concrete(x)
        return np.broadcast_to(np.empty((), dtype=np.result_type(v)), np.shape(v))
    return x


#: NumPy's functions that write into their first argument
_WRITES_INTO = frozenset({"numpy.put", "numpy.place", "numpy.put_along_axis",
                          "numpy.fill_diagonal"})


def _array_function(self, func, types, args, kwargs):
    path = _path(func)
    if path in _METADATA:  # shape and dtype only: no gradient involved
        return func(*[_placeholder(a) for a in args], **kwargs)
    if path in _WRITES_INTO and args and not isinstance(args[0], Tensor):
        # NumPy's own in-place write into a NumPy array: a constant tensor's values may go in
        if _any_traced(args) or _any_traced(kwargs):
            raise TypeError(f"{path} would write a traced value (one that requires grad, or is "
                            "traced by a transform) into a NumPy array, and its gradient would "
                            f"be lost; use tg.{path[6:]}(..., inplace=False), which returns the "
                            "updated array")
        return func(*_strip(args), **_strip(kwargs))
    impl = NUMPY_FUNCTIONS.get(path)
    if impl is None:
        if _any_traced(args) or _any_traced(kwargs):
            raise no_rule_error(path)
        if isinstance(kwargs.get("out"), Tensor):
            raise TypeError(f"{path}(..., out=Tensor): Tensors are immutable")
        return func(*_strip(args), **_strip(kwargs))
    out = kwargs.pop("out", None)
    if kwargs:
        _check_keywords(path, impl, kwargs)
    result = impl(*args, **kwargs)
    if out is not None:
        return deliver(path, result, out, out_casting(path))
    return result


def out_casting(name: str) -> str:
    """The casting NumPy's function ``name`` (or ``numpy.<name>``) writes its ``out=`` with:
    unsafe for the reductions (``np.sum(x, out=int_array)``), same_kind otherwise."""
    path = name if "." in name else f"numpy.{name}"
    return _OUT_CASTING.get(path) or ("unsafe" if path in _REDUCTIONS else "same_kind")


#: functions whose out= NumPy writes with another casting than their kind's
_OUT_CASTING = {"numpy.percentile": "same_kind", "numpy.quantile": "same_kind",
                "numpy.ptp": "same_kind", "numpy.einsum": "safe", "numpy.take": "unsafe",
                "numpy.choose": "unsafe", "numpy.compress": "unsafe"}


Tensor.__array_ufunc__ = _array_ufunc
Tensor.__array_function__ = _array_function
