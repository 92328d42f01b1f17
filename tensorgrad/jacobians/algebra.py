"""The algebra of structured Jacobians: composition, sums, and flop counting.

``compose(a, b)`` is the chain rule ``a ∘ b`` (first b, then a) and
``add(a, b)`` the sum of two paths; both keep a closed form wherever one
exists (``Diagonal @ Diagonal`` is a Diagonal in O(N)) and count the
floating-point operations they spend, which :func:`count_flops` reads.
This module installs ``J @ K`` and ``J + K`` on every map.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

import numpy as np

from ..sweep import quiet_rules
from .maps import (Broadcast, Dense, Diagonal, Identity, Jacobian, MatmulLeft, MatmulRight,
                   Permute, Reshape, SumTo, Zero)

__all__ = ["compose", "apply", "add", "count_flops", "count", "Product", "SumOf"]


# --------------------------------------------------------------------------
# flop counting
# --------------------------------------------------------------------------

class _Counters(threading.local):
    """The open ``count_flops`` blocks of the calling thread (each thread counts its own work)."""

    def __init__(self):
        self.open: list[list[int]] = []


_COUNTERS = _Counters()


def count(n: int) -> None:
    for c in _COUNTERS.open:
        c[0] += int(n)


@contextmanager
def count_flops() -> Iterator[list[int]]:
    """Count the flops of every composition and sum in the block: ``with count_flops() as c: ...; c[0]``.

    Only work done by the calling thread is counted.
    """
    c = [0]
    _COUNTERS.open.append(c)
    try:
        yield c
    finally:  # by identity: nested counters may hold equal counts
        del _COUNTERS.open[next(k for k, x in enumerate(_COUNTERS.open) if x is c)]


# --------------------------------------------------------------------------
# products and sums without a closed form
# --------------------------------------------------------------------------

def _maps(items, who: str, what: str) -> list:
    """``items`` as a non-empty list of maps (the argument of a Product or SumOf)."""
    if isinstance(items, Jacobian) or not np.iterable(items):
        raise TypeError(f"{who}: {what} must be a list of Jacobian maps, got {type(items).__name__}")
    items = list(items)
    if not items:
        raise ValueError(f"{who}: {what} must hold at least one map, got none")
    bad = [k for k, J in enumerate(items) if not isinstance(J, Jacobian)]
    if bad:
        raise TypeError(f"{who}: {what} must all be Jacobian maps; entry {bad[0]} is a "
                        f"{type(items[bad[0]]).__name__}")
    return items


class Product(Jacobian):
    """``F0 @ F1 @ … @ Fk`` kept as factors (applied right to left)."""

    kind = "product"

    def __init__(self, factors):
        factors = _maps(factors, "Product", "factors")
        for k in range(len(factors) - 1):
            if factors[k].in_shape != factors[k + 1].out_shape:
                raise ValueError(f"Product: factor {k} takes shape {factors[k].in_shape} but factor "
                                 f"{k + 1} gives {factors[k + 1].out_shape} (factors apply right to left)")
        super().__init__(factors[0].out_shape, factors[-1].in_shape)
        self.factors = factors
        self.kind = " ∘ ".join(f.kind for f in factors)
        self.symbol = " ".join(f.symbol for f in factors)

    def matvec(self, t):
        for f in reversed(self.factors):
            t = f.matvec(t)
        return t

    def vecmat(self, g):
        for f in self.factors:
            g = f.vecmat(g)
        return g

    @property
    def matvec_flops(self):
        return sum(f.matvec_flops for f in self.factors)

    @property
    def vecmat_flops(self):
        return sum(f.vecmat_flops for f in self.factors)

    @property
    def nbytes(self):
        return sum(f.nbytes for f in self.factors)

    @property
    def T(self):
        return Product([f.T for f in reversed(self.factors)])


class SumOf(Jacobian):
    """``J1 + J2 + …`` kept as terms (fan-in of one input through several paths)."""

    def __init__(self, terms):
        terms = _maps(terms, "SumOf", "terms")
        for k, term in enumerate(terms[1:], 1):
            if term.shape != terms[0].shape:
                raise ValueError(f"SumOf: term {k} has shape {term.shape} (out_shape, in_shape) "
                                 f"but term 0 has {terms[0].shape}")
        super().__init__(terms[0].out_shape, terms[0].in_shape)
        self.terms = terms
        self.kind = " + ".join(t.kind for t in terms)
        self.symbol = " + ".join(t.symbol for t in terms)

    def matvec(self, t):
        r = self.terms[0].matvec(t)
        for term in self.terms[1:]:
            r = r + term.matvec(t)
        return r

    def vecmat(self, g):
        r = self.terms[0].vecmat(g)
        for term in self.terms[1:]:
            r = r + term.vecmat(g)
        return r

    @property
    def matvec_flops(self):
        return sum(t.matvec_flops for t in self.terms) + (len(self.terms) - 1) * self.out_size

    @property
    def vecmat_flops(self):
        return sum(t.vecmat_flops for t in self.terms) + (len(self.terms) - 1) * self.in_size

    @property
    def nbytes(self):
        return sum(t.nbytes for t in self.terms)

    @property
    def T(self):
        return SumOf([t.T for t in self.terms])


# --------------------------------------------------------------------------
# composition and addition
# --------------------------------------------------------------------------

def _closed(a: Jacobian, b: Jacobian) -> Jacobian | None:
    """``a @ b`` in closed form, or None when no closed form applies."""
    if isinstance(a, Zero) or isinstance(b, Zero):
        return Zero(a.out_shape, b.in_shape)
    if isinstance(a, Identity):
        return b
    if isinstance(b, Identity):
        return a
    if isinstance(a, Diagonal) and isinstance(b, Diagonal):
        count(a.in_size)
        return Diagonal(a.d * b.d)
    if isinstance(a, Diagonal) and isinstance(b, Dense):
        count(b.out_size * b.in_size)
        return Dense(a.d.reshape(a.out_shape + (1,) * len(b.in_shape)) * b.M, b.out_shape, b.in_shape)
    if isinstance(a, Dense) and isinstance(b, Diagonal):
        count(a.out_size * a.in_size)
        return Dense(a.M * b.d, a.out_shape, a.in_shape)
    if isinstance(a, Dense) and isinstance(b, Dense):
        m, k, n = a.out_size, a.in_size, b.in_size
        count(2 * m * k * n)
        return Dense(a.M2 @ b.M2, a.out_shape, b.in_shape)
    if isinstance(a, Reshape) and isinstance(b, Reshape):
        return Identity(b.in_shape) if a.out_shape == b.in_shape else Reshape(a.out_shape, b.in_shape)
    if isinstance(a, Permute) and isinstance(b, Permute):
        axes = tuple(b.axes[i] for i in a.axes)
        return Identity(b.in_shape) if axes == tuple(range(len(axes))) else Permute(b.in_shape, axes)
    if isinstance(a, Broadcast) and isinstance(b, Broadcast):
        return Broadcast(b.in_shape, a.out_shape)
    if isinstance(a, SumTo) and isinstance(b, SumTo):
        return SumTo(b.in_shape, a.out_shape)
    if isinstance(a, MatmulLeft) and isinstance(b, MatmulLeft):
        m, k = a.A.shape
        count(2 * m * k * b.A.shape[1])
        return MatmulLeft(a.A @ b.A, a.out_shape[1])
    if isinstance(a, MatmulRight) and isinstance(b, MatmulRight):
        k, n = a.B.shape
        count(2 * b.B.shape[0] * k * n)
        return MatmulRight(b.B @ a.B, a.out_shape[0])
    # a dense factor absorbs any structured one by applying it to its rows/columns
    if isinstance(b, Dense):
        n = b.in_size
        count(n * a.matvec_flops)
        cols = np.moveaxis(b.M.reshape(b.out_shape + (n,)), -1, 0)  # (n,) + mid
        r = np.asarray(a.matvec(cols)).reshape(n, a.out_size)
        return Dense(np.ascontiguousarray(r.T).reshape(a.out_shape + b.in_shape),
                     a.out_shape, b.in_shape)
    if isinstance(a, Dense):
        m = a.out_size
        count(m * b.vecmat_flops)
        rows = a.M.reshape((m,) + a.in_shape)
        r = np.asarray(b.vecmat(rows))
        return Dense(r.reshape(a.out_shape + b.in_shape), a.out_shape, b.in_shape)
    return None


@quiet_rules
def compose(a: Jacobian, b: Jacobian) -> Jacobian:
    """``a @ b``: first b, then a (the chain rule). Closed form where one exists.

    Diagonal∘Diagonal → Diagonal (N flops); Diagonal∘Dense → Dense (row
    scaling, m·n flops); Dense∘Dense → Dense (2·m·k·n flops); reshapes,
    permutations, broadcasts, sums and Kronecker forms compose into their own
    kind; a Dense factor absorbs any other. What is left is kept as a
    :class:`Product` of factors.
    """
    if a.in_shape != b.out_shape:
        raise ValueError(f"cannot compose: the left map takes shape {a.in_shape}, "
                         f"the right one gives {b.out_shape}")
    r = _closed(a, b)
    if r is not None:
        return r
    fa = a.factors if isinstance(a, Product) else [a]
    fb = b.factors if isinstance(b, Product) else [b]
    # merge across the seam while closed forms apply
    while fa and fb:
        r = _closed(fa[-1], fb[0])
        if r is None:
            break
        fa = fa[:-1]
        fb = [r] + fb[1:]
        if len(fa) == 0 or isinstance(r, (Product, SumOf)):
            break
    factors = fa + fb
    if any(isinstance(f, Dense) for f in factors):
        # reduce to one dense array (each step a closed form)
        acc = factors[-1]
        for f in reversed(factors[:-1]):
            acc = _closed(f, acc) or _absorb(f, acc)
        return acc
    return factors[0] if len(factors) == 1 else Product(factors)


def _absorb(a: Jacobian, b: Jacobian) -> Jacobian:
    """a @ b as a Dense array, for factors with no closed form."""
    if isinstance(b, Dense):
        n = b.in_size
        count(n * a.matvec_flops)
        cols = np.moveaxis(b.M.reshape(b.out_shape + (n,)), -1, 0)
        r = np.asarray(a.matvec(cols)).reshape(n, a.out_size)
        return Dense(np.ascontiguousarray(r.T).reshape(a.out_shape + b.in_shape), a.out_shape, b.in_shape)
    m = a.out_size
    count(m * b.vecmat_flops)
    rows = a.todense().reshape((m,) + a.in_shape)
    return Dense(np.asarray(b.vecmat(rows)).reshape(a.out_shape + b.in_shape), a.out_shape, b.in_shape)


def apply(J: Jacobian, t):
    """``J·t`` for an array ``t`` of shape batch + ``J.in_shape`` (the JVP side; ``g @ J`` is
    the VJP side): ``J.matvec(t)``."""
    return J.matvec(t)


@quiet_rules
def add(a: Jacobian, b: Jacobian) -> Jacobian:
    """``a + b`` (two paths from the same input), in closed form where one exists."""
    if a.shape != b.shape:
        raise ValueError(f"cannot add Jacobians of shapes {a.shape} and {b.shape}")
    if isinstance(a, Zero):
        return b
    if isinstance(b, Zero):
        return a
    da = a.d if isinstance(a, Diagonal) else (1.0 if isinstance(a, Identity) else None)
    db = b.d if isinstance(b, Diagonal) else (1.0 if isinstance(b, Identity) else None)
    if da is not None and db is not None:
        count(a.in_size)
        d = np.asarray(da + db)  # (the diagonals' own dtype: float32 and complex stay so)
        d = d if d.dtype.kind in "fc" else d.astype(np.float64)
        return Diagonal(np.broadcast_to(d, a.in_shape).copy())
    if isinstance(a, Dense) or isinstance(b, Dense):
        count(a.out_size * a.in_size)
        return Dense(a.todense() + b.todense(), a.out_shape, a.in_shape)
    ta = a.terms if isinstance(a, SumOf) else [a]
    tb = b.terms if isinstance(b, SumOf) else [b]
    return SumOf(ta + tb)


def _is_array(x) -> bool:
    return isinstance(x, (np.ndarray, np.generic, list, tuple, int, float)) or hasattr(x, "__array__")


def _matmul(self: Jacobian, other):
    """``J @ K`` composes two maps; ``J @ t`` for an array t is ``J.matvec(t)``."""
    if isinstance(other, Jacobian):
        return compose(self, other)
    if _is_array(other):
        return self.matvec(np.asarray(other))
    return NotImplemented


def _rmatmul(self: Jacobian, other):
    """``g @ J`` for an array g is ``J.vecmat(g)``."""
    if _is_array(other) and not isinstance(other, Jacobian):
        return self.vecmat(np.asarray(other))
    return NotImplemented


def _add(self: Jacobian, other):
    if not isinstance(other, Jacobian):
        return NotImplemented
    return add(self, other)


def scale(c, J: Jacobian) -> Jacobian:
    """``c·J`` for a number c: the map J followed by multiplication by c (a diagonal)."""
    if isinstance(J, Zero) or c == 1:
        return J
    dt = np.result_type(np.asarray(c), *(
        [J.d] if isinstance(J, Diagonal) else [J.M] if isinstance(J, Dense) else [np.float64]))
    return compose(Diagonal(np.full(J.out_shape, c, dtype=dt if dt.kind in "fc" else np.float64)), J)


def _mul(self: Jacobian, other):
    """``c * J`` and ``J * c`` for a number c."""
    if isinstance(other, (int, float, complex, np.number)) and not isinstance(other, bool):
        return scale(other, self)
    return NotImplemented


def _sub(self: Jacobian, other):
    if not isinstance(other, Jacobian):
        return NotImplemented
    return add(self, scale(-1, other))


Jacobian.__matmul__ = _matmul
Jacobian.__rmatmul__ = _rmatmul
Jacobian.__add__ = _add
Jacobian.__sub__ = _sub
Jacobian.__mul__ = Jacobian.__rmul__ = _mul
Jacobian.__neg__ = lambda self: scale(-1, self)
Jacobian.__array_ufunc__ = None  # ``g @ J`` with a NumPy array g comes to __rmatmul__
