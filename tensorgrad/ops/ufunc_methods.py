"""NumPy's ufunc methods on tensorgrad's two-operand elementwise functions, as ``jax.numpy``
has them: ``tg.add.outer(a, b)``, ``tg.multiply.reduce(a, axis=0)``,
``tg.maximum.accumulate(a)``, ``tg.add.at(a, indices, b)``, ``tg.add.reduceat(a, indices)``,
and the attributes ``nin``, ``nout``, ``nargs`` (2, as JAX's) and ``identity``.

Each method is built from registered ops, so it differentiates and works under ``tg.jit``:

* ``outer(a, b)``: ``f(a[..., None, ...], b)``, every pair of entries;
* ``reduce(a, axis=0, dtype=None, out=None, keepdims=False, initial=, where=True)``: the
  function that serves NumPy's ``np.<name>.reduce`` on Tensors (the sum, product, max, min,
  all, any, or a log-sum-exp for ``logaddexp``; with the keywords it takes); any other
  function, or one given a keyword its reduction lacks, folds along one axis, ``f(f(a[0], a[1]), a[2])...`` (NumPy's
  order), from ``initial`` when given. An empty axis gives the identity, or ``initial``, and
  is a ValueError for a function without one (``maximum``), as NumPy's;
* ``accumulate(a, axis=0, dtype=None, out=None)``: the running results of that fold
  (``cumsum``/``cumprod`` for add/multiply, as NumPy's dispatch serves them);
* ``at(a, indices, b=None, *, inplace=True)``: NumPy's in-place update of a writable NumPy
  array (returns None); with ``inplace=False`` (JAX's form) the updated array as a new
  value, differentiable (``tg.at(a)[indices].add(b)``), for add, subtract, multiply,
  divide, minimum and maximum;
* ``reduceat(a, indices, axis=0, dtype=None)``: ``reduce`` over each slice
  ``indices[k]:indices[k+1]`` (the entry at ``indices[k]`` where the next index is not
  larger), in the dtype NumPy's ``reduce`` gives (add's int32 sums are int64), as NumPy's.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..dispatch import UFUNC_METHODS, _accepted
from ..registry import FUNCTIONS
from ..tensor import NUMPY_FUNCTIONS, Tensor
from ._util import any_traced, as_array_like, concrete, is_staged, negative_axis, shape_of
from .elementwise import astype
from .shape import broadcast_to, getitem, moveaxis, reshape, stack
from .updates import at as _at

_NO_VALUE = np._NoValue
#: reorderable without an identity (NumPy's): several axes may be reduced at once
_REORDERABLE = {"maximum", "minimum", "fmax", "fmin"}
#: comparisons: outer only (NumPy's reduce refuses their boolean results for other inputs)
_COMPARISONS = {"equal", "not_equal", "less", "less_equal", "greater", "greater_equal"}
#: at(..., inplace=False): the update of tg.at(a)[i] it is
_UPDATES = {"add": ("add", lambda b: b), "subtract": ("add", lambda b: -b),
            "multiply": ("multiply", lambda b: b), "divide": ("divide", lambda b: b),
            "true_divide": ("divide", lambda b: b), "minimum": ("min", lambda b: b),
            "maximum": ("max", lambda b: b)}


def _served(name: str, method: str):
    """The function that serves ``np.<name>.<method>`` on Tensors too (dispatch's table:
    ``sum`` for ``add.reduce``, a log-sum-exp for ``logaddexp.reduce``, ...), or None."""
    target = UFUNC_METHODS.get((f"numpy.{name}", method))
    return NUMPY_FUNCTIONS.get(target) if type(target) is str else target


def _outer(name: str, f: Callable) -> Callable:
    def outer(a, b, **kwargs):
        a, b = as_array_like(a), as_array_like(b)
        sa, sb = shape_of(concrete(a)), shape_of(concrete(b))
        return f(reshape(a, sa + (1,) * len(sb)), b, **kwargs)
    outer.__doc__ = f"``{name}`` of every pair of entries: ``{name}(a[..., None, ...], b)``."
    return outer


def _fold(name: str, f: Callable, x, initial, accumulate: bool):
    """``f`` folded over axis 0 of ``x``: the result, or (``accumulate``) every partial one,
    all in the dtype ``f`` gives for two entries of ``x`` (NumPy's loop dtype)."""
    shape = shape_of(concrete(x))
    n, rest = shape[0], shape[1:]
    uf = getattr(np, name)
    dt = np.result_type(concrete(x))
    out_dt = uf(np.zeros((), dt), np.ones((), dt)).dtype
    if initial is _NO_VALUE and n == 0:
        if uf.identity is None:
            raise ValueError(f"{name}.reduce: zero-size array to reduction operation {name} "
                             "which has no identity")
        initial = uf.identity
    r = None if initial is _NO_VALUE else broadcast_to(np.asarray(initial, out_dt), rest)
    parts = []
    for i in range(n):
        xi = getitem(x, i)
        r = (xi if dt == out_dt else astype(xi, out_dt)) if r is None else f(r, xi)
        parts.append(r)
    if accumulate:
        return stack(parts) if parts else x
    return r


def _reduce(name: str, f: Callable) -> Callable:
    def reduce(array, axis=0, dtype=None, out=None, keepdims: bool = False, initial=_NO_VALUE,
               where=True):
        if out is not None:
            raise TypeError(f"{name}.reduce: out= is not supported (tensorgrad's results are new "
                            "arrays)")
        x = as_array_like(array)
        served = _served(name, "reduce")
        takes = () if served is None else (_accepted(served) or ("initial", "where", "dtype"))
        kw = {k: v for k, v in (("initial", initial), ("where", where))
              if v is not (_NO_VALUE if k == "initial" else True)}
        if served is not None and set(kw) <= set(takes):  # the reduction itself
            if dtype is not None and "dtype" in takes:
                kw["dtype"] = dtype
            elif dtype is not None:
                x = astype(x, dtype)
            return served(x, axis=axis, keepdims=keepdims, **kw)
        if where is not True:
            raise NotImplementedError(f"{name}.reduce: where= is supported where a reduction "
                                      "serves it (add, multiply, maximum, minimum, ...)")
        if dtype is not None:
            x = astype(x, dtype)
        shape = shape_of(concrete(x))
        nd = len(shape)
        axes = tuple(range(nd)) if axis is None else (axis,) if not isinstance(axis, tuple) \
            else axis
        axes = tuple(sorted(negative_axis(a, nd, f"{name}.reduce") % nd for a in axes))
        if len(axes) > 1 and getattr(np, name).identity is None and name not in _REORDERABLE:
            raise ValueError(f"{name}.reduce: the reduction operation {name!r} is not "
                             "reorderable, so at most one axis may be specified (as NumPy)")
        if not axes:  # (axis=() or a 0-d input: nothing to fold, but each entry meets the
            start = getattr(np, name).identity if initial is _NO_VALUE else initial  # start,
            return x if start is None else f(start, x)  # as NumPy's: hypot's |x|)
        keep = tuple(k for k in range(nd) if k not in axes)
        # the folded axes first, as one
        x = reshape(moveaxis(x, axes, tuple(range(len(axes)))), (-1,) + tuple(shape[k] for k in keep))
        r = _fold(name, f, x, initial, False)
        if keepdims:
            r = reshape(r, tuple(1 if k in axes else shape[k] for k in range(nd)))
        return r
    reduce.__doc__ = (f"``{name}`` folded along ``axis`` (NumPy's ``np.{name}.reduce``; see "
                      "tensorgrad.ops.ufunc_methods).")
    return reduce


def _accumulate(name: str, f: Callable) -> Callable:
    def accumulate(array, axis: int = 0, dtype=None, out=None):
        if out is not None:
            raise TypeError(f"{name}.accumulate: out= is not supported")
        x = as_array_like(array)
        if dtype is not None:
            x = astype(x, dtype)
        nd = len(shape_of(concrete(x)))
        if nd == 0:
            raise TypeError(f"{name}.accumulate: cannot accumulate on a scalar")
        ax = negative_axis(axis, nd, f"{name}.accumulate") % nd
        served = _served(name, "accumulate")
        if served is not None:
            return served(x, axis=ax)
        return moveaxis(_fold(name, f, moveaxis(x, ax, 0), _NO_VALUE, True), 0, ax)
    accumulate.__doc__ = (f"The running results of ``{name}`` along ``axis`` (NumPy's "
                          f"``np.{name}.accumulate``).")
    return accumulate


def _reduceat(name: str, f: Callable) -> Callable:
    def reduceat(array, indices, axis: int = 0, dtype=None, out=None):
        if out is not None:
            raise TypeError(f"{name}.reduceat: out= is not supported")
        x = as_array_like(array)
        if dtype is not None:
            x = astype(x, dtype)
        shape = shape_of(concrete(x))
        if not shape:
            raise TypeError(f"{name}.reduceat: cannot reduce a 0-d array")
        if _traced(indices) and not isinstance(concrete(indices), np.ndarray):
            raise TypeError(f"{name}.reduceat: the indices must be concrete (they set the "
                            "result's shape)")
        idx = np.asarray(concrete(indices))
        if idx.ndim != 1 or (idx.size and idx.dtype.kind not in "iu"):
            raise TypeError(f"{name}.reduceat: indices must be a 1-d sequence of integers, got "
                            f"shape {idx.shape} and dtype {idx.dtype}")
        nd = len(shape)
        ax = negative_axis(axis, nd, f"{name}.reduceat") % nd
        n = shape[ax]
        bad = [int(i) for i in idx if not 0 <= i < n]
        if bad:
            raise IndexError(f"{name}.reduceat: index {bad[0]} is out of bounds for axis {ax} "
                             f"with size {n}")
        dt = np.result_type(concrete(x))
        try:  # (NumPy's reduce dtype, for the single entries too: add's int32 gives int64)
            want = getattr(np, name).reduce(np.zeros(1, dt)).dtype
        except TypeError:
            want = dt

        def at(k):  # (k an int or a slice, along the axis)
            return getitem(x, (slice(None),) * ax + (k,))
        parts = []
        for k, i in enumerate(idx.tolist()):
            j = int(idx[k + 1]) if k + 1 < idx.size else n
            # NumPy's rule: the slice i:j reduced where i < j, the entry at i otherwise
            part = f.reduce(at(slice(i, j)), axis=ax) if i < j else at(i)
            parts.append(part if np.result_type(concrete(part)) == want else astype(part, want))
        if not parts:
            return astype(at(slice(0, 0)), want)
        return stack(parts, axis=ax)
    reduceat.__doc__ = (f"``{name}`` reduced over ``a[indices[k]:indices[k+1]]`` along ``axis`` "
                        "for each k (the entry at indices[k] where the next index is not larger; "
                        f"to the end for the last), as NumPy's ``np.{name}.reduceat``.")
    return reduceat


def _traced(v: Any) -> bool:
    return type(v) is Tensor or is_staged(v) or any_traced(v)


def _at_method(name: str) -> Callable:
    def at(a, indices, b=None, *, inplace: bool = True, indices_are_sorted: bool = False,
           unique_indices: bool = False):
        if b is None:
            raise TypeError(f"{name}.at: a two-operand function needs b")
        if inplace:  # NumPy's: a writable NumPy array changes in place
            if not isinstance(a, np.ndarray) or not a.flags.writeable or _traced(b):
                raise TypeError(f"{name}.at: in place needs a writable NumPy array a and a "
                                f"concrete b (got {type(a).__name__}"
                                f"{'' if not isinstance(a, np.ndarray) or a.flags.writeable else ', read-only'}"
                                f" and {type(b).__name__}); pass inplace=False (JAX's form) for "
                                "the updated array")
            getattr(np, name).at(a, indices, np.asarray(b))
            return None
        if name not in _UPDATES:
            raise NotImplementedError(f"{name}.at with inplace=False is supported for "
                                      f"{', '.join(sorted(_UPDATES))}")
        method, prep = _UPDATES[name]
        return getattr(_at(a)[indices], method)(prep(b))
    at.__doc__ = (f"``a[indices] = {name}(a[indices], b)``, each index as often as it occurs: "
                  f"NumPy's ``np.{name}.at`` in place; with ``inplace=False`` (JAX's form) the "
                  "updated array, differentiable.")
    return at


def _install() -> None:
    for name, f in list(FUNCTIONS.items()):
        uf = getattr(np, name, None)
        if not isinstance(uf, np.ufunc) or uf.nin != 2 or uf.nout != 1 or uf.signature is not None \
                or hasattr(f, "outer"):  # (a generalized ufunc, matmul, has none of the methods)
            continue
        f.nin, f.nout, f.nargs, f.identity = 2, 1, 2, uf.identity
        f.outer = _outer(name, f)
        if name in _COMPARISONS:
            continue
        f.reduce = _reduce(name, f)
        f.accumulate = _accumulate(name, f)
        f.reduceat = _reduceat(name, f)
        f.at = _at_method(name)


_install()
