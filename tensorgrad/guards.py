"""Mutation guards: a value saved for the backward pass must not change before it.

A node keeps its inputs (the residuals its rules read). If one of them is a
writable NumPy array the caller still holds, writing to it after recording
would change the gradient silently. Two ways to prevent that:

* **copy**: save a private read-only copy (tapes that outlive their
  transform: ``vjp``, ``linearize``, imperative tensors);
* **lock**: make the caller's array, and every array it is a view of,
  read-only until the transform's sweep is done, then restore the flags
  (``grad``, ``jacrev``: the tape ends inside the call). Costs no memory.
"""
from __future__ import annotations

import numpy as np

__all__ = ["lock_chain", "unlock", "mutable", "frozen"]

#: ids of the arrays some grad/jacrev call has made read-only for its duration
_LOCKED: set = set()


def lock_chain(a: np.ndarray, locks: list) -> None:
    """Make ``a`` and every array it is a view of read-only, recording each in ``locks``.

    :func:`unlock` restores them (bases first, so views can be writable again).
    """
    while isinstance(a, np.ndarray):
        if a.flags.writeable:
            a.flags.writeable = False
            locks.append(a)
            _LOCKED.add(id(a))
        a = a.base


def _depth(a: np.ndarray) -> int:
    n = 0
    while isinstance(a.base, np.ndarray):
        a = a.base
        n += 1
    return n


def unlock(locks: list) -> None:
    # bases before their views: a view locked after its base (it was made
    # before the base was locked) can only be writable again once the base is
    for a in sorted(reversed(locks), key=_depth):
        a.flags.writeable = True
        _LOCKED.discard(id(a))
    locks.clear()


def mutable(a: np.ndarray) -> bool:
    """True if ``a`` or any array it is a view of can be written to, now or once
    a transform that locked it returns."""
    while isinstance(a, np.ndarray):
        if a.flags.writeable or id(a) in _LOCKED:
            return True
        a = a.base
    return False


def frozen(primals: tuple, parents: tuple, opname: str, locks) -> tuple:
    """The residuals a node keeps, with constant arrays made safe from mutation.

    ``parents[i]`` is None for a constant input (not traced at this level).
    With ``locks`` None the constant is copied read-only; with a list (the
    trace's locks) it is locked in place and recorded there. Traced values
    are tensorgrad's own op outputs, never handed out writable: kept as they are.
    """
    for p, a in zip(parents, primals):
        if p is None and type(a) is np.ndarray:
            break
    else:  # only scalars (immutable) as constants: nothing to do
        return primals
    out = []
    for p, a in zip(parents, primals):
        if p is None and type(a) is np.ndarray:
            if a.dtype.kind in "OUSV":  # NumPy would compute on objects, slowly and untyped
                raise TypeError(f"{opname}: a constant of dtype "
                                f"{a.dtype} (shape {a.shape}) met a traced value; tensorgrad "
                                "differentiates numeric arrays only (convert with .astype(float))")
            if mutable(a):
                if locks is not None:
                    lock_chain(a, locks)
                else:
                    a = a.copy()
                    a.flags.writeable = False
        out.append(a)
    return tuple(out)
