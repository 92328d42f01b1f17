"""The type rules of ``tg.lax``'s loop carries, as JAX's: a carry keeps its structure, shapes
and dtypes, and a weakly typed leaf (a Python number) may take a wider kind's dtype."""
from __future__ import annotations

import builtins

import numpy as np

from .staging import silent_effects
from .tensor import concrete, dtype_of, shape_of
from .tree import tree_flatten, tree_unflatten

_PY_COMPLEX = builtins.complex


_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def _carry_type(carry) -> tuple:
    """A loop carry's type as JAX compares it: its structure, and each leaf's shape, dtype and
    weakness (a Python int, float or complex is weakly typed, as in JAX; a bool or a NumPy
    scalar such as np.float64 is not)."""
    leaves, td = tree_flatten(carry)
    return td, [(tuple(shape_of(concrete(v))), np.dtype(dtype_of(concrete(v))),
                 type(v) in (int, float, _PY_COMPLEX)) for v in leaves]


def _carry_fits(d1: np.dtype, weak1: bool, d2: np.dtype) -> bool:
    """JAX's rule: the dtype must stay; only a weakly typed leaf may take the dtype of a kind
    at least as wide (a Python 0 carry becoming float32, never int32 for a Python 0.0)."""
    return d1 == d2 or (weak1 and d2.kind != "b" and _KIND_RANK[d2.kind] >= _KIND_RANK[d1.kind])


def _same_carry(name: str, want: tuple, carry) -> None:
    """Raise, as JAX does, when a body function returns a carry of another type than it got."""
    got = _carry_type(carry)
    if got[0] != want[0]:
        raise TypeError(f"{name}: the body function returned a carry of structure {got[0]} for "
                        f"one of structure {want[0]}; they must be equal, as in JAX")
    for k, ((s1, d1, w1), (s2, d2, _)) in enumerate(zip(want[1], got[1])):
        if s1 != s2 or not _carry_fits(d1, w1, d2):
            raise TypeError(f"{name}: the body function returned a carry whose leaf {k} has shape "
                            f"{s2} and dtype {d2} for one of shape {s1} and dtype {d1}; a carry "
                            "must keep its shapes and dtypes, as in JAX")


def _promote_weak(init, carry):
    """``init`` with each weakly typed leaf (a Python number) given the dtype its first new
    carry took, when that differs from the number's own (a Python 0.0 carry meeting float32
    values becomes a float32 0.0, as JAX promotes weak carries before the loop); else None."""
    leaves, td = tree_flatten(init)
    new, changed = [], False
    for v, o in zip(leaves, tree_flatten(carry)[0]):
        if type(v) in (int, float, _PY_COMPLEX) and type(o) not in (int, float, _PY_COMPLEX):
            d = np.dtype(dtype_of(concrete(o)))
            if d != np.asarray(v).dtype:
                v, changed = np.asarray(v, dtype=d), True
        new.append(v)
    return tree_unflatten(td, new) if changed else None


def zero_trip_carry(name: str, init, one_step):
    """The carry of a loop that runs no step, typed as JAX types it: JAX traces the body even
    then, so a body returning a carry of another type raises, and a weakly typed leaf takes
    the dtype the body gives it (``fori_loop(0, 0, lambda i, c: c + 0.5, 0)`` is 0.0).
    ``one_step()`` runs the body once to learn that type, its effects silenced; a body that
    cannot run on these values (indexing by a counter past an empty array) leaves ``init``."""
    try:
        with silent_effects(), np.errstate(all="ignore"):
            out = one_step()
    except Exception:  # noqa: BLE001 - JAX's abstract trace has no values to fail on
        return init
    _same_carry(name, _carry_type(init), out)
    promoted = _promote_weak(init, out)
    if promoted is not None:
        return promoted
    leaves, td = tree_flatten(init)  # a Python number meeting a wider Python number: that kind
    wider = [type(o)(v) if type(v) in (int, float) and type(o) in (float, _PY_COMPLEX)
             and type(o) is not type(v) else v for v, o in zip(leaves, tree_flatten(out)[0])]
    return tree_unflatten(td, wider)
