"""Argument checks for the constructors of the structured maps.

Each check raises a ``TypeError`` (wrong kind of argument) or a ``ValueError``
(right kind, impossible value) that names the map, the arguments given and
what is wrong with them, so that a bad map fails where it is built rather
than with a NumPy error when it is first applied.
"""
from __future__ import annotations

import operator

import numpy as np

__all__ = ["as_shape", "as_count", "as_numeric", "as_matrix", "as_axis", "as_axes", "broadcast_fault"]


def as_shape(shape, who: str, what: str) -> tuple:
    """``shape`` as a tuple of non-negative ints (``what`` names the argument in errors)."""
    if isinstance(shape, (str, bytes)) or not np.iterable(shape):
        raise TypeError(f"{who}: {what} must be a shape (a tuple of ints), got {shape!r}")
    dims = []
    for s in shape:
        try:
            n = operator.index(s)
        except TypeError:
            raise TypeError(f"{who}: {what} must be a shape (a tuple of ints), got {tuple(shape)!r} "
                            f"(the entry {s!r} is not an int)") from None
        if n < 0:
            raise ValueError(f"{who}: {what} {tuple(shape)!r} has a negative length {n}")
        dims.append(int(n))
    return tuple(dims)


def as_count(n, who: str, what: str) -> int:
    """``n`` as a non-negative int (a length)."""
    try:
        k = operator.index(n)
    except TypeError:
        raise TypeError(f"{who}: {what} must be an int, got {n!r}") from None
    if k < 0:
        raise ValueError(f"{who}: {what} must be non-negative, got {k}")
    return int(k)


def as_numeric(a, who: str, what: str) -> np.ndarray:
    """``a`` as a NumPy array of numbers (bool, int, float or complex)."""
    arr = np.asarray(a)
    if arr.dtype.kind not in "biufc":
        raise TypeError(f"{who}: {what} must be an array of numbers, got dtype {arr.dtype}")
    return arr


def as_matrix(a, who: str, what: str) -> np.ndarray:
    """``a`` as a 2-D NumPy array of numbers."""
    arr = as_numeric(a, who, what)
    if arr.ndim != 2:
        raise ValueError(f"{who}: {what} must be a 2-D matrix, got an array of shape {arr.shape}")
    return arr


def as_axis(axis, shape: tuple, who: str, what: str = "shape") -> int:
    """``axis`` as an int in range for ``shape`` (a negative one kept as it is); ``what``
    names the shape in errors ("p of shape")."""
    nd = len(shape)
    try:
        k = operator.index(axis)
    except TypeError:
        raise TypeError(f"{who}: axis must be an int, got {axis!r}") from None
    if not -nd <= k < nd:
        raise ValueError(f"{who}: axis {k} is out of range for {what} {tuple(shape)} ({nd} axes)")
    return int(k)


def as_axes(axes, in_shape: tuple, who: str) -> tuple:
    """``axes`` as a permutation of ``range(len(in_shape))`` (negative axes counted from the end)."""
    nd = len(in_shape)
    if isinstance(axes, (str, bytes)) or not np.iterable(axes):
        raise TypeError(f"{who}: axes must be a sequence of ints, got {axes!r}")
    given = tuple(axes)
    out = []
    for a in given:
        try:
            k = operator.index(a)
        except TypeError:
            raise TypeError(f"{who}: axes must be a sequence of ints, got {given!r}") from None
        if not -nd <= k < nd:
            raise ValueError(f"{who}: axis {k} in axes {given!r} is out of range for in_shape "
                             f"{in_shape} ({nd} axes)")
        out.append(int(k) % nd)
    if sorted(out) != list(range(nd)):
        raise ValueError(f"{who}: axes {given!r} are not a permutation of the {nd} axes of "
                         f"in_shape {in_shape} (each axis must appear exactly once)")
    return tuple(out)


def broadcast_fault(small: tuple, big: tuple) -> str | None:
    """Why ``small`` does not broadcast to ``big`` under NumPy's rules, or None when it does."""
    if len(small) > len(big):
        return f"it has {len(small)} axes, more than the {len(big)} of {big}"
    for k in range(1, len(small) + 1):
        s, b = small[-k], big[-k]
        if s != b and s != 1:
            return f"axis {-k} has length {s}, which is neither 1 nor {b}"
    return None
