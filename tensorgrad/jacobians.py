"""Structured Jacobians: linear maps that keep their shape of sparsity.

A Jacobian here is a linear map from tangents shaped ``in_shape`` to outputs
shaped ``out_shape``. JAX and PyTorch return the dense array (``jax.jacrev`` maps over
the whole basis at once, as ``tg.jacrev`` does); this module keeps the structure instead, so that

* an elementwise op gives a :class:`Diagonal` (N numbers, not N²),
* broadcasting gives a :class:`Broadcast` copy map and a reduction its
  transpose :class:`SumTo`,
* a reshape is a :class:`Reshape`, an axis permutation a :class:`Permute`,
* ``A @ B`` with respect to B is :class:`MatmulLeft` (``A ⊗ I``) and with
  respect to A is :class:`MatmulRight` (``I ⊗ Bᵀ``),
* softmax is :class:`SoftmaxJacobian` (``diag(p) − p pᵀ`` per slice, kept as p),
* everything else is a :class:`Dense` array, or a matrix-free
  :class:`RuleMap` that applies an op's own VJP/JVP rules.

Every map supports ``J @ K`` (composition, in closed form where one exists:
``Diagonal @ Diagonal`` is a Diagonal in O(N)), ``J + K``, ``J.T``,
``J.matvec(t)`` (the JVP side: batch + in_shape → batch + out_shape),
``J.vecmat(g)`` (the VJP side: batch + out_shape → batch + in_shape) and
``J.todense()`` in JAX's layout ``out_shape + in_shape``. Batches ride on
*leading* axes on both sides.

Compositions count their floating-point operations; wrap code in
:func:`count_flops` to read the total.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import numpy as np

__all__ = ["Jacobian", "Zero", "Identity", "Diagonal", "Dense", "Reshape", "Permute",
           "Broadcast", "SumTo", "MatmulLeft", "MatmulRight", "SoftmaxJacobian", "RuleMap", "Product", "SumOf",
           "Transposed", "compose", "count_flops", "op_jacobian"]

Shape = tuple


def _size(shape: Shape) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


# --------------------------------------------------------------------------
# flop counting
# --------------------------------------------------------------------------

_COUNTERS: list[list[int]] = []


def _count(n: int) -> None:
    for c in _COUNTERS:
        c[0] += int(n)


@contextmanager
def count_flops() -> Iterator[list[int]]:
    """Count the flops of every composition and sum in the block: ``with count_flops() as c: ...; c[0]``."""
    c = [0]
    _COUNTERS.append(c)
    try:
        yield c
    finally:  # by identity: nested counters may hold equal counts
        del _COUNTERS[next(k for k, x in enumerate(_COUNTERS) if x is c)]


# --------------------------------------------------------------------------
# the base class
# --------------------------------------------------------------------------

class Jacobian:
    """A linear map from ``in_shape`` tangents to ``out_shape`` outputs.

    Subclasses give ``matvec`` and ``vecmat`` (both accept extra leading batch
    axes); everything else has a generic default.
    """

    kind = "linear map"
    symbol = "J"

    def __init__(self, out_shape: Shape, in_shape: Shape):
        self.out_shape = tuple(int(s) for s in out_shape)
        self.in_shape = tuple(int(s) for s in in_shape)

    # -- shape -------------------------------------------------------------
    @property
    def shape(self) -> tuple[Shape, Shape]:
        """``(out_shape, in_shape)``: the dense Jacobian has shape ``out_shape + in_shape``."""
        return self.out_shape, self.in_shape

    @property
    def out_size(self) -> int:
        return _size(self.out_shape)

    @property
    def in_size(self) -> int:
        return _size(self.in_shape)

    # -- application ---------------------------------------------------------
    def matvec(self, t):
        """J·t for ``t`` of shape batch + in_shape (the JVP side)."""
        raise NotImplementedError

    def vecmat(self, g):
        """g·J (= Jᵀg) for ``g`` of shape batch + out_shape (the VJP side)."""
        raise NotImplementedError

    def _nb_in(self, t) -> int:
        nb = np.ndim(t) - len(self.in_shape)
        if nb < 0 or tuple(np.shape(t)[nb:]) != self.in_shape:
            raise ValueError(f"{type(self).__name__}.matvec: expected a vector of shape (batch…) + "
                             f"{self.in_shape}, got {np.shape(t)}")
        return nb

    def _nb_out(self, g) -> int:
        nb = np.ndim(g) - len(self.out_shape)
        if nb < 0 or tuple(np.shape(g)[nb:]) != self.out_shape:
            raise ValueError(f"{type(self).__name__}.vecmat: expected a covector of shape (batch…) + "
                             f"{self.out_shape}, got {np.shape(g)}")
        return nb

    # -- costs -----------------------------------------------------------------
    @property
    def matvec_flops(self) -> int:
        """Flops of one J·t (one tangent)."""
        return 2 * self.out_size * self.in_size

    @property
    def vecmat_flops(self) -> int:
        """Flops of one g·J (one cotangent)."""
        return self.matvec_flops

    @property
    def nbytes(self) -> int:
        """Bytes this map stores (its own arrays, not shared primal values)."""
        return 0

    # -- algebra ---------------------------------------------------------------
    @property
    def T(self) -> "Jacobian":
        """The transpose: a map from ``out_shape`` to ``in_shape``."""
        return Transposed(self)

    def __matmul__(self, other: "Jacobian") -> "Jacobian":
        if not isinstance(other, Jacobian):
            return NotImplemented
        return compose(self, other)

    def __add__(self, other: "Jacobian") -> "Jacobian":
        if not isinstance(other, Jacobian):
            return NotImplemented
        return add(self, other)

    def todense(self) -> np.ndarray:
        """The ordinary Jacobian array, shape ``out_shape + in_shape`` (JAX's layout).

        Built by applying the map to the identity basis of the smaller side.
        """
        m, n = self.out_size, self.in_size
        if n <= m:
            basis = np.eye(n).reshape((n,) + self.in_shape)
            cols = np.asarray(self.matvec(basis)).reshape(n, m)
            return np.ascontiguousarray(cols.T).reshape(self.out_shape + self.in_shape)
        basis = np.eye(m).reshape((m,) + self.out_shape)
        rows = np.asarray(self.vecmat(basis)).reshape(m, n)
        return rows.reshape(self.out_shape + self.in_shape)

    def matrix(self) -> np.ndarray:
        """The dense Jacobian as a 2-D (out_size, in_size) matrix."""
        return self.todense().reshape(self.out_size, self.in_size)

    def describe(self) -> str:
        """A short name with shapes, e.g. ``Diagonal (3,)→(3,)``."""
        return f"{self.kind} {self.in_shape}→{self.out_shape}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.in_shape}→{self.out_shape}>"


# --------------------------------------------------------------------------
# the basic types
# --------------------------------------------------------------------------

class Zero(Jacobian):
    """The zero map (no dependence)."""

    kind = "zero"
    symbol = "0"

    def matvec(self, t):
        nb = self._nb_in(t)
        return np.zeros(np.shape(t)[:nb] + self.out_shape, dtype=np.result_type(t, np.float64))

    def vecmat(self, g):
        nb = self._nb_out(g)
        return np.zeros(np.shape(g)[:nb] + self.in_shape, dtype=np.result_type(g, np.float64))

    matvec_flops = vecmat_flops = 0

    @property
    def T(self):
        return Zero(self.in_shape, self.out_shape)

    def todense(self):
        return np.zeros(self.out_shape + self.in_shape)


class Identity(Jacobian):
    """The identity map on ``shape``."""

    kind = "identity"
    symbol = "I"

    def __init__(self, shape: Shape):
        super().__init__(shape, shape)

    def matvec(self, t):
        self._nb_in(t)
        return t

    def vecmat(self, g):
        self._nb_out(g)
        return g

    matvec_flops = vecmat_flops = 0

    @property
    def T(self):
        return self

    def todense(self):
        n = self.in_size
        return np.eye(n).reshape(self.out_shape + self.in_shape)


class Diagonal(Jacobian):
    """``diag(d)``: an elementwise map, ``t ↦ d ⊙ t``. Stores N numbers, applies in N flops."""

    kind = "diagonal"
    symbol = "diag(d)"

    def __init__(self, d):
        d = np.asarray(d)
        super().__init__(d.shape, d.shape)
        self.d = d

    def matvec(self, t):
        self._nb_in(t)
        return t * self.d

    def vecmat(self, g):
        self._nb_out(g)
        return g * self.d

    @property
    def matvec_flops(self):
        return self.in_size

    vecmat_flops = matvec_flops

    @property
    def nbytes(self):
        return self.d.nbytes

    @property
    def T(self):
        return self

    def todense(self):
        n = self.in_size
        out = np.zeros((n, n), dtype=np.result_type(self.d, np.float64))
        out[np.arange(n), np.arange(n)] = self.d.ravel()
        return out.reshape(self.out_shape + self.in_shape)


class Dense(Jacobian):
    """An explicit Jacobian array ``M`` of shape ``out_shape + in_shape``."""

    kind = "dense"
    symbol = "M"

    def __init__(self, M, out_shape: Shape | None = None, in_shape: Shape | None = None):
        M = np.asarray(M)
        if out_shape is None and in_shape is None:
            if M.ndim != 2:
                raise ValueError("Dense: give out_shape and in_shape for an array that is not 2-D")
            out_shape, in_shape = M.shape[:1], M.shape[1:]
        elif out_shape is None:
            out_shape = M.shape[:M.ndim - len(in_shape)]
        elif in_shape is None:
            in_shape = M.shape[len(out_shape):]
        super().__init__(out_shape, in_shape)
        self.M = M.reshape(self.out_shape + self.in_shape)

    @property
    def M2(self) -> np.ndarray:
        return self.M.reshape(self.out_size, self.in_size)

    def matvec(self, t):
        nb = self._nb_in(t)
        batch = np.shape(t)[:nb]
        tb = np.reshape(t, (-1, self.in_size)) if nb else np.reshape(t, (self.in_size,))
        r = tb @ self.M2.T
        return np.reshape(r, batch + self.out_shape)

    def vecmat(self, g):
        nb = self._nb_out(g)
        batch = np.shape(g)[:nb]
        gb = np.reshape(g, (-1, self.out_size)) if nb else np.reshape(g, (self.out_size,))
        r = gb @ self.M2
        return np.reshape(r, batch + self.in_shape)

    @property
    def nbytes(self):
        return self.M.nbytes

    @property
    def T(self):
        return Dense(self.M2.T.reshape(self.in_shape + self.out_shape), self.in_shape, self.out_shape)

    def todense(self):
        return self.M


class Reshape(Jacobian):
    """Entries renumbered: reshape, expand_dims, squeeze. No flops."""

    kind = "reshape"
    symbol = "I (renumbered)"

    def matvec(self, t):
        nb = self._nb_in(t)
        return np.reshape(t, np.shape(t)[:nb] + self.out_shape)

    def vecmat(self, g):
        nb = self._nb_out(g)
        return np.reshape(g, np.shape(g)[:nb] + self.in_shape)

    matvec_flops = vecmat_flops = 0

    @property
    def T(self):
        return Reshape(self.in_shape, self.out_shape)


class Permute(Jacobian):
    """Axes permuted (transpose, swapaxes, moveaxis): ``out = transpose(t, axes)``. No flops."""

    kind = "permutation"
    symbol = "P"

    def __init__(self, in_shape: Shape, axes):
        axes = tuple(int(a) for a in axes)
        super().__init__(tuple(in_shape[a] for a in axes), in_shape)
        self.axes = axes

    def matvec(self, t):
        nb = self._nb_in(t)
        return np.transpose(t, tuple(range(nb)) + tuple(nb + a for a in self.axes))

    def vecmat(self, g):
        nb = self._nb_out(g)
        inv = tuple(int(i) for i in np.argsort(self.axes))
        return np.transpose(g, tuple(range(nb)) + tuple(nb + a for a in inv))

    matvec_flops = vecmat_flops = 0

    @property
    def T(self):
        return Permute(self.out_shape, tuple(int(i) for i in np.argsort(self.axes)))


def _lift(t, nb: int, in_shape: Shape, out_shape: Shape):
    """batch + in_shape → batch + (1,)*pad + in_shape, ready to broadcast to out_shape."""
    pad = len(out_shape) - len(in_shape)
    return np.reshape(t, np.shape(t)[:nb] + (1,) * pad + tuple(in_shape))


def _sum_to(g, nb: int, big: Shape, small: Shape):
    """Sum batch + big down to batch + small (NumPy broadcasting undone)."""
    lead = len(big) - len(small)
    axes = tuple(range(nb, nb + lead)) + tuple(
        nb + lead + i for i, s in enumerate(small) if s == 1 and big[lead + i] != 1)
    r = np.sum(g, axis=axes, keepdims=True) if axes else g
    return np.reshape(r, np.shape(g)[:nb] + tuple(small))


class Broadcast(Jacobian):
    """NumPy broadcasting from ``in_shape`` to ``out_shape``: copies, no flops.

    Its transpose is :class:`SumTo` (a sum over the broadcast axes).
    """

    kind = "broadcast"
    symbol = "copy"

    def __init__(self, in_shape: Shape, out_shape: Shape):
        if tuple(np.broadcast_shapes(tuple(in_shape), tuple(out_shape))) != tuple(out_shape):
            raise ValueError(f"Broadcast: {in_shape} does not broadcast to {out_shape}")
        super().__init__(out_shape, in_shape)

    def matvec(self, t):
        nb = self._nb_in(t)
        return np.broadcast_to(_lift(t, nb, self.in_shape, self.out_shape),
                               np.shape(t)[:nb] + self.out_shape)

    def vecmat(self, g):
        nb = self._nb_out(g)
        return _sum_to(g, nb, self.out_shape, self.in_shape)

    matvec_flops = 0

    @property
    def vecmat_flops(self):
        return self.out_size - self.in_size

    @property
    def T(self):
        return SumTo(self.out_shape, self.in_shape)


class SumTo(Jacobian):
    """Sum over axes, from ``in_shape`` down to a shape that broadcasts back to it.

    The Jacobian of ``sum(x, axes, keepdims=True)``: rows of ones.
    """

    kind = "sum over axes"
    symbol = "1ᵀ"

    def __init__(self, in_shape: Shape, out_shape: Shape):
        if tuple(np.broadcast_shapes(tuple(in_shape), tuple(out_shape))) != tuple(in_shape):
            raise ValueError(f"SumTo: {out_shape} does not broadcast back to {in_shape}")
        super().__init__(out_shape, in_shape)

    def matvec(self, t):
        nb = self._nb_in(t)
        return _sum_to(t, nb, self.in_shape, self.out_shape)

    def vecmat(self, g):
        nb = self._nb_out(g)
        return np.broadcast_to(_lift(g, nb, self.out_shape, self.in_shape),
                               np.shape(g)[:nb] + self.in_shape)

    @property
    def matvec_flops(self):
        return self.in_size - self.out_size

    vecmat_flops = 0

    @property
    def T(self):
        return Broadcast(self.out_shape, self.in_shape)


class MatmulLeft(Jacobian):
    """``B ↦ A B`` for a fixed (m, k) matrix A and B of shape (k, n): ``A ⊗ I``."""

    kind = "kronecker"
    symbol = "A ⊗ I"

    def __init__(self, A, n: int):
        A = np.asarray(A)
        super().__init__((A.shape[0], int(n)), (A.shape[1], int(n)))
        self.A = A

    def matvec(self, t):
        self._nb_in(t)
        return np.matmul(self.A, t)

    def vecmat(self, g):
        self._nb_out(g)
        return np.matmul(self.A.T, g)

    @property
    def matvec_flops(self):
        m, k = self.A.shape
        return 2 * m * k * self.out_shape[1]

    vecmat_flops = matvec_flops

    @property
    def nbytes(self):
        return self.A.nbytes

    def todense(self):
        return np.einsum("ip,jq->ijpq", self.A, np.eye(self.out_shape[1]))


class MatmulRight(Jacobian):
    """``A ↦ A B`` for a fixed (k, n) matrix B and A of shape (m, k): ``I ⊗ Bᵀ``."""

    kind = "kronecker"
    symbol = "I ⊗ Bᵀ"

    def __init__(self, B, m: int):
        B = np.asarray(B)
        super().__init__((int(m), B.shape[1]), (int(m), B.shape[0]))
        self.B = B

    def matvec(self, t):
        self._nb_in(t)
        return np.matmul(t, self.B)

    def vecmat(self, g):
        self._nb_out(g)
        return np.matmul(g, self.B.T)

    @property
    def matvec_flops(self):
        k, n = self.B.shape
        return 2 * self.out_shape[0] * k * n

    vecmat_flops = matvec_flops

    @property
    def nbytes(self):
        return self.B.nbytes

    def todense(self):
        return np.einsum("ip,qj->ijpq", np.eye(self.out_shape[0]), self.B)


class SoftmaxJacobian(Jacobian):
    """Softmax along ``axis``: ``diag(p) − p pᵀ`` per slice (``I − 1 pᵀ`` for log-softmax).

    Stores only p (N numbers) and applies in about 4N flops, never forming
    the block-diagonal matrix: ``J t = p ⊙ (t − ⟨p, t⟩)`` along the axis.
    """

    def __init__(self, p, axis: int, log: bool = False):
        p = np.asarray(p)
        super().__init__(p.shape, p.shape)
        self.p, self.axis, self.log = p, int(axis), bool(log)
        self.kind = "identity − rank-one per slice" if log else "diagonal − rank-one per slice"
        self.symbol = "I − 1 pᵀ" if log else "diag(p) − p pᵀ"

    def matvec(self, t):
        self._nb_in(t)
        p, ax = self.p, self.axis
        if self.log:
            return t - np.sum(p * t, axis=ax, keepdims=True)
        return p * (t - np.sum(p * t, axis=ax, keepdims=True))

    def vecmat(self, g):
        self._nb_out(g)
        p, ax = self.p, self.axis
        if self.log:
            return g - p * np.sum(g, axis=ax, keepdims=True)
        return p * (g - np.sum(p * g, axis=ax, keepdims=True))

    @property
    def matvec_flops(self):
        return (3 if self.log else 4) * self.in_size

    vecmat_flops = matvec_flops

    @property
    def nbytes(self):
        return self.p.nbytes

    @property
    def T(self):
        return Transposed(self) if self.log else self


class Transposed(Jacobian):
    """The transpose of a map without a closed-form transpose."""

    def __init__(self, base: Jacobian):
        super().__init__(base.in_shape, base.out_shape)
        self.base = base
        self.kind = f"transpose of {base.kind}"
        self.symbol = f"({base.symbol})ᵀ"

    def matvec(self, t):
        return self.base.vecmat(t)

    def vecmat(self, g):
        return self.base.matvec(g)

    @property
    def matvec_flops(self):
        return self.base.vecmat_flops

    @property
    def vecmat_flops(self):
        return self.base.matvec_flops

    @property
    def nbytes(self):
        return self.base.nbytes

    @property
    def T(self):
        return self.base


class RuleMap(Jacobian):
    """Matrix-free: the Jacobian of one op with respect to input ``i``, applied
    through the op's own JVP rule (``matvec``) and VJP rule (``vecmat``).

    Exact for every op; used as is for linear ops without a closed form
    (indexing, scatter, concatenate, stack) and materialized as :class:`Dense`
    for the dense ops.
    """

    def __init__(self, op, i: int, args: tuple, out, params: tuple):
        super().__init__(np.shape(out), np.shape(args[i]))
        self.op, self.i, self.args, self.out, self.params = op, i, args, out, params
        self.kind = f"linear map ({op.name})" if op.kind == "linear" else f"{op.name} rules"
        self.symbol = op.symbol or "J"

    def _has_jvp(self) -> bool:
        op = self.op
        return op.jvp_all is not None or (op.forward is not None and op.jvps[self.i] is not None)

    def _has_vjp(self) -> bool:
        op = self.op
        return op.vjp_all is not None or op.vjps[self.i] is not None

    def matvec(self, t):
        from .tape import node_jvp
        nb = self._nb_in(t)
        if not self._has_jvp():
            if not self._has_vjp():
                return Zero(self.out_shape, self.in_shape).matvec(t)
            # only a VJP rule: go through the dense matrix built from it
            return Dense(self.todense(), self.out_shape, self.in_shape).matvec(t)
        tangents = [None] * len(self.args)
        tangents[self.i] = np.asarray(t, dtype=np.result_type(t, np.float64))
        r = node_jvp(self.op, tangents, self.args, self.params, self.out, nb)
        want = np.shape(t)[:nb] + self.out_shape
        if r is None:
            return np.zeros(want)
        return np.broadcast_to(_raw(r), want)

    def vecmat(self, g):
        from .tape import unbroadcast
        nb = self._nb_out(g)
        op = self.op
        g = np.asarray(g, dtype=np.result_type(g, np.float64))
        if op.vjp_all is not None:
            c = op.vjp_all(g, self.out, *self.args, *self.params)[self.i]
        elif op.vjps[self.i] is not None:
            c = op.vjps[self.i](g, self.out, *self.args, *self.params)
        else:
            if self._has_jvp():
                return Dense(self.todense(), self.out_shape, self.in_shape).vecmat(g)
            c = None
        want = np.shape(g)[:nb] + self.in_shape
        if c is None:
            return np.zeros(want)
        c = _raw(c)
        if np.shape(c) != want:
            c = _raw(unbroadcast(c, self.in_shape, nb))
        return np.asarray(c)

    def todense(self):
        m, n = self.out_size, self.in_size
        if self._has_jvp() and (n <= m or not self._has_vjp()):
            basis = np.eye(n).reshape((n,) + self.in_shape)
            cols = np.asarray(self.matvec(basis)).reshape(n, m)
            return np.ascontiguousarray(cols.T).reshape(self.out_shape + self.in_shape)
        if self._has_vjp():
            basis = np.eye(m).reshape((m,) + self.out_shape)
            return np.asarray(self.vecmat(basis)).reshape(self.out_shape + self.in_shape)
        return np.zeros(self.out_shape + self.in_shape)

    @property
    def matvec_flops(self):
        # a linear op touches each entry about once; other ops: a dense estimate
        if self.op.kind == "linear":
            return max(self.out_size, self.in_size)
        return 2 * self.out_size * self.in_size

    vecmat_flops = matvec_flops


def _raw(x):
    from .ops._util import raw
    return np.asarray(raw(x))


# --------------------------------------------------------------------------
# products and sums without a closed form
# --------------------------------------------------------------------------

class Product(Jacobian):
    """``F0 @ F1 @ … @ Fk`` kept as factors (applied right to left)."""

    kind = "product"

    def __init__(self, factors):
        factors = list(factors)
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
        terms = list(terms)
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
        _count(a.in_size)
        return Diagonal(a.d * b.d)
    if isinstance(a, Diagonal) and isinstance(b, Dense):
        _count(b.out_size * b.in_size)
        return Dense(a.d.reshape(a.out_shape + (1,) * len(b.in_shape)) * b.M, b.out_shape, b.in_shape)
    if isinstance(a, Dense) and isinstance(b, Diagonal):
        _count(a.out_size * a.in_size)
        return Dense(a.M * b.d, a.out_shape, a.in_shape)
    if isinstance(a, Dense) and isinstance(b, Dense):
        m, k, n = a.out_size, a.in_size, b.in_size
        _count(2 * m * k * n)
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
        _count(2 * m * k * b.A.shape[1])
        return MatmulLeft(a.A @ b.A, a.out_shape[1])
    if isinstance(a, MatmulRight) and isinstance(b, MatmulRight):
        k, n = a.B.shape
        _count(2 * b.B.shape[0] * k * n)
        return MatmulRight(b.B @ a.B, a.out_shape[0])
    # a dense factor absorbs any structured one by applying it to its rows/columns
    if isinstance(b, Dense):
        n = b.in_size
        _count(n * a.matvec_flops)
        cols = np.moveaxis(b.M.reshape(b.out_shape + (n,)), -1, 0)  # (n,) + mid
        r = np.asarray(a.matvec(cols)).reshape(n, a.out_size)
        return Dense(np.ascontiguousarray(r.T).reshape(a.out_shape + b.in_shape),
                     a.out_shape, b.in_shape)
    if isinstance(a, Dense):
        m = a.out_size
        _count(m * b.vecmat_flops)
        rows = a.M.reshape((m,) + a.in_shape)
        r = np.asarray(b.vecmat(rows))
        return Dense(r.reshape(a.out_shape + b.in_shape), a.out_shape, b.in_shape)
    return None


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
        _count(n * a.matvec_flops)
        cols = np.moveaxis(b.M.reshape(b.out_shape + (n,)), -1, 0)
        r = np.asarray(a.matvec(cols)).reshape(n, a.out_size)
        return Dense(np.ascontiguousarray(r.T).reshape(a.out_shape + b.in_shape), a.out_shape, b.in_shape)
    m = a.out_size
    _count(m * b.vecmat_flops)
    rows = a.todense().reshape((m,) + a.in_shape)
    return Dense(np.asarray(b.vecmat(rows)).reshape(a.out_shape + b.in_shape), a.out_shape, b.in_shape)


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
        _count(a.in_size)
        return Diagonal(np.broadcast_to(np.asarray(da + db, dtype=float), a.in_shape).copy())
    if isinstance(a, Dense) or isinstance(b, Dense):
        _count(a.out_size * a.in_size)
        return Dense(a.todense() + b.todense(), a.out_shape, a.in_shape)
    ta = a.terms if isinstance(a, SumOf) else [a]
    tb = b.terms if isinstance(b, SumOf) else [b]
    return SumOf(ta + tb)


# --------------------------------------------------------------------------
# the Jacobian of one recorded op
# --------------------------------------------------------------------------

def _diag_jacobian(op, i, args, out, params):
    d = op.deriv[i]
    oshape = np.shape(out)
    ishape = np.shape(args[i])
    if d is None:
        return Zero(oshape, ishape)
    if isinstance(d, (int, float)):
        J = Identity(oshape) if d == 1 else Diagonal(np.full(oshape, float(d)))
    else:
        dv = _raw(d(out, *args, *params))
        if np.shape(dv) != oshape:
            dv = np.broadcast_to(dv, oshape).copy()
        J = Diagonal(dv)
    if ishape != oshape:
        return compose(J, Broadcast(ishape, oshape)) if not isinstance(J, Identity) else Broadcast(ishape, oshape)
    return J


def _reshape_jacobian(op, i, args, out, params):
    return Reshape(np.shape(out), np.shape(args[0]))


def _transpose_jacobian(op, i, args, out, params):
    return Permute(np.shape(args[0]), params[0])


def _broadcast_jacobian(op, i, args, out, params):
    ishape, oshape = np.shape(args[0]), np.shape(out)
    return Identity(oshape) if ishape == oshape else Broadcast(ishape, oshape)


def _kept_shape(ishape, axes):
    n = len(ishape)
    return tuple(1 if (k - n) in axes else s for k, s in enumerate(ishape))


def _sum_jacobian(op, i, args, out, params):
    ishape, oshape = np.shape(args[0]), np.shape(out)
    axes = tuple(params[0])
    kept = _kept_shape(ishape, axes)
    J: Jacobian = SumTo(ishape, kept) if kept != ishape else Identity(ishape)
    if op.name == "mean":
        n = _size(ishape) // max(_size(kept), 1) if _size(kept) else 1
        J = compose(Diagonal(np.full(kept, 1.0 / max(n, 1))), J)
    if kept != oshape:
        J = compose(Reshape(oshape, kept), J)
    return J


def _astype_jacobian(op, i, args, out, params):
    return Identity(np.shape(out))


def _matmul_jacobian(op, i, args, out, params):
    a, b = (_raw(x) for x in args[:2])
    if a.ndim == 2 and b.ndim == 2:
        return MatmulRight(b, a.shape[0]) if i == 0 else MatmulLeft(a, b.shape[1])
    if a.ndim == 2 and b.ndim == 1 and i == 1:
        return Dense(a, (a.shape[0],), (a.shape[1],))
    if a.ndim == 1 and b.ndim == 2 and i == 0:
        return Dense(b.T, (b.shape[1],), (b.shape[0],))
    if a.ndim == 1 and b.ndim == 1:
        other = b if i == 0 else a
        return Dense(other, (), other.shape)
    # batched / broadcast / vector-matrix w.r.t. the matrix: exact through the rules
    return RuleMap(op, i, tuple(args), out, params)


def _softmax_jacobian(op, i, args, out, params):
    if op.name == "softmax":
        return SoftmaxJacobian(out, params[0])
    return SoftmaxJacobian(np.exp(out), params[0], log=True)


#: Builders by op name, tried before the generic rule for the op's kind.
BUILDERS = {
    "reshape": _reshape_jacobian, "expand_dims": _reshape_jacobian, "squeeze": _reshape_jacobian,
    "transpose": _transpose_jacobian, "broadcast_to": _broadcast_jacobian,
    "sum": _sum_jacobian, "mean": _sum_jacobian, "astype": _astype_jacobian,
    "matmul": _matmul_jacobian, "softmax": _softmax_jacobian, "log_softmax": _softmax_jacobian,
}


def op_jacobian(op, i: int, args: tuple, out, params: tuple = ()) -> Jacobian:
    """The structured Jacobian of one op application with respect to input ``i``.

    Uses the op's registered structure: ``diagonal`` ops give a Diagonal from
    their derivative (times a Broadcast when input i was broadcast), shape
    ops and sums give exact index maps, matmul a Kronecker form, other linear
    ops a matrix-free map of their own rules, and everything else a Dense
    array materialized through its own JVP/VJP rules (one batched sweep).
    """
    args = tuple(_raw(a) if not isinstance(a, (tuple, slice, type(None))) and hasattr(a, "shape") else a
                 for a in args)
    out = _raw(out)
    if op.kind == "none":
        return Zero(np.shape(out), np.shape(args[i]))
    if op.kind == "diagonal" and not op.variadic:
        return _diag_jacobian(op, i, args, out, params)
    builder = BUILDERS.get(op.name)
    if builder is not None and _registered(op):
        return builder(op, i, args, out, params)
    rm = RuleMap(op, i, args, out, params)
    if op.kind == "linear":
        return rm
    return Dense(rm.todense(), rm.out_shape, rm.in_shape)


def _registered(op) -> bool:
    from .registry import REGISTRY
    return REGISTRY.get(op.name) is op
