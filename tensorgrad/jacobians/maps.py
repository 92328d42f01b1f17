"""Structured Jacobians: linear maps that keep their shape of sparsity.

A Jacobian here is a linear map from tangents shaped ``in_shape`` to outputs
shaped ``out_shape``. Instead of the dense array, each map keeps its
structure, so that

* an elementwise op gives a :class:`Diagonal` (N numbers, not N²),
* broadcasting gives a :class:`Broadcast` copy map and a reduction its
  transpose :class:`SumTo`,
* a reshape is a :class:`Reshape`, an axis permutation a :class:`Permute`,
* ``A @ B`` with respect to B is :class:`MatmulLeft` (``A ⊗ I``) and with
  respect to A is :class:`MatmulRight` (``I ⊗ Bᵀ``),
* softmax is :class:`SoftmaxJacobian` (``diag(p) − p pᵀ`` per slice, kept as p),
* everything else is a :class:`Dense` array, or a matrix-free map that
  applies an op's own rules (:class:`~tensorgrad.jacobians.local.RuleMap`).

Every map gives ``J.matvec(t)`` (the JVP side: batch + in_shape → batch +
out_shape), ``J.vecmat(g)`` (the VJP side: batch + out_shape → batch +
in_shape), ``J.T`` and ``J.todense()`` in JAX's layout ``out_shape +
in_shape``. Batches ride on *leading* axes on both sides. Composition and
sums (``J @ K``, ``J + K``) are :mod:`tensorgrad.jacobians.algebra`.
"""
from __future__ import annotations

import math

import numpy as np

from ..sweep import quiet_rules
from .checks import as_axes, as_axis, as_count, as_matrix, as_numeric, as_shape, broadcast_fault


__all__ = ["Jacobian", "Zero", "Identity", "Diagonal", "Dense", "Reshape", "Permute",
           "Broadcast", "SumTo", "MatmulLeft", "MatmulRight", "SoftmaxJacobian", "Transposed", "size"]

Shape = tuple


def size(shape: Shape) -> int:
    n = 1
    for s in shape:
        n *= int(s)
    return n


# --------------------------------------------------------------------------
# the base class
# --------------------------------------------------------------------------

def _as_dense_dtype(J, dense):
    dt = J.dense_dtype
    return dense if dt is None or dense.dtype == dt else dense.astype(dt)


class Jacobian:
    """A linear map from ``in_shape`` tangents to ``out_shape`` outputs.

    Subclasses give ``matvec`` and ``vecmat`` (both accept extra leading batch
    axes); everything else has a generic default.
    """

    kind = "linear map"
    symbol = "J"
    #: the dtype ``todense()`` gives: None for what the arithmetic gives (float64 for the
    #: identity bases); ``tg.structured_jacobian`` sets the input's, as ``tg.jacrev`` gives
    dense_dtype = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("todense")
        if own is not None and not getattr(own, "casts_to_dense_dtype", False):
            def todense(self, _own=own):
                return _as_dense_dtype(self, _own(self))
            todense.__doc__ = own.__doc__
            todense.casts_to_dense_dtype = True
            cls.todense = quiet_rules(todense)
        for name in ("matvec", "vecmat"):  # (products of slopes: 0·∞ is NaN, quietly, as in a sweep)
            if name in cls.__dict__:
                setattr(cls, name, quiet_rules(cls.__dict__[name]))

    def __init__(self, out_shape: Shape, in_shape: Shape):
        who = type(self).__name__
        self.out_shape = as_shape(out_shape, who, "out_shape")
        self.in_shape = as_shape(in_shape, who, "in_shape")

    # -- shape -------------------------------------------------------------
    @property
    def shape(self) -> tuple[Shape, Shape]:
        """``(out_shape, in_shape)``: the dense Jacobian has shape ``out_shape + in_shape``."""
        return self.out_shape, self.in_shape

    @property
    def out_size(self) -> int:
        return size(self.out_shape)

    @property
    def in_size(self) -> int:
        return size(self.in_shape)

    # -- application ---------------------------------------------------------
    def matvec(self, t):
        """J·t for ``t`` of shape batch + in_shape (the JVP side)."""
        raise NotImplementedError

    def vecmat(self, g):
        """g·J (= Jᵀg) for ``g`` of shape batch + out_shape (the VJP side)."""
        raise NotImplementedError

    def apply(self, t):
        """J·t, the map applied to a tangent: :meth:`matvec` (``J @ t`` too)."""
        return self.matvec(t)

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

    # ``J @ K`` and ``J + K`` are installed by :mod:`tensorgrad.jacobians.algebra`

    def todense(self) -> np.ndarray:
        """The ordinary Jacobian array, shape ``out_shape + in_shape`` (JAX's layout).

        Built by applying the map to the identity basis of the smaller side.
        """
        m, n = self.out_size, self.in_size
        if n <= m:
            basis = np.eye(n).reshape((n,) + self.in_shape)
            cols = np.asarray(self.matvec(basis)).reshape(n, m)
            return _as_dense_dtype(self, np.ascontiguousarray(cols.T).reshape(
                self.out_shape + self.in_shape))
        basis = np.eye(m).reshape((m,) + self.out_shape)
        rows = np.asarray(self.vecmat(basis)).reshape(m, n)
        return _as_dense_dtype(self, rows.reshape(self.out_shape + self.in_shape))

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
        shape = as_shape(shape, "Identity", "shape")
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
        d = as_numeric(d, "Diagonal", "d")
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
        out = np.zeros((n, n), dtype=self.d.dtype if self.d.dtype.kind in "fc" else np.float64)
        out[np.arange(n), np.arange(n)] = self.d.ravel()
        return out.reshape(self.out_shape + self.in_shape)


class Dense(Jacobian):
    """An explicit Jacobian array ``M`` of shape ``out_shape + in_shape``."""

    kind = "dense"
    symbol = "M"

    def __init__(self, M, out_shape: Shape | None = None, in_shape: Shape | None = None):
        M = as_numeric(M, "Dense", "M")
        if out_shape is None and in_shape is None:
            if M.ndim != 2:
                raise ValueError("Dense: give out_shape and in_shape for an array that is not 2-D")
            out_shape, in_shape = M.shape[:1], M.shape[1:]
        elif out_shape is None or in_shape is None:
            known = as_shape(in_shape if out_shape is None else out_shape, "Dense",
                             "in_shape" if out_shape is None else "out_shape")
            if len(known) > M.ndim:
                raise ValueError(f"Dense: M of shape {M.shape} has fewer axes than the "
                                 f"{'in_shape' if out_shape is None else 'out_shape'} {known} given")
            if out_shape is None:
                out_shape, in_shape = M.shape[:M.ndim - len(known)], known
            else:
                out_shape, in_shape = known, M.shape[len(known):]
        super().__init__(out_shape, in_shape)
        if M.size != self.out_size * self.in_size:
            raise ValueError(f"Dense: M of shape {M.shape} ({M.size} entries) does not fit out_shape "
                             f"{self.out_shape} and in_shape {self.in_shape} "
                             f"({self.out_size} × {self.in_size} entries)")
        self.M = M.reshape(self.out_shape + self.in_shape)

    @property
    def M2(self) -> np.ndarray:
        return self.M.reshape(self.out_size, self.in_size)

    def matvec(self, t):
        nb = self._nb_in(t)
        batch = np.shape(t)[:nb]
        tb = np.reshape(t, (math.prod(batch), self.in_size)) if nb else np.reshape(t, (self.in_size,))
        r = tb @ self.M2.T
        return np.reshape(r, batch + self.out_shape)

    def vecmat(self, g):
        nb = self._nb_out(g)
        batch = np.shape(g)[:nb]
        gb = np.reshape(g, (math.prod(batch), self.out_size)) if nb else np.reshape(g, (self.out_size,))
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

    def __init__(self, out_shape: Shape, in_shape: Shape):
        super().__init__(out_shape, in_shape)
        if self.out_size != self.in_size:
            raise ValueError(f"Reshape: out_shape {self.out_shape} ({self.out_size} entries) and "
                             f"in_shape {self.in_shape} ({self.in_size} entries) differ in size")

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
        in_shape = as_shape(in_shape, "Permute", "in_shape")
        axes = as_axes(axes, in_shape, "Permute")
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
        super().__init__(out_shape, in_shape)
        why = broadcast_fault(self.in_shape, self.out_shape)
        if why:
            raise ValueError(f"Broadcast: in_shape {self.in_shape} does not broadcast to "
                             f"out_shape {self.out_shape}: {why}")

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
        return max(self.out_size - self.in_size, 0)  # (a sum over an empty axis adds nothing)

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
        super().__init__(out_shape, in_shape)
        why = broadcast_fault(self.out_shape, self.in_shape)
        if why:
            raise ValueError(f"SumTo: out_shape {self.out_shape} does not broadcast back to "
                             f"in_shape {self.in_shape}: {why}")

    def matvec(self, t):
        nb = self._nb_in(t)
        return _sum_to(t, nb, self.in_shape, self.out_shape)

    def vecmat(self, g):
        nb = self._nb_out(g)
        return np.broadcast_to(_lift(g, nb, self.out_shape, self.in_shape),
                               np.shape(g)[:nb] + self.in_shape)

    @property
    def matvec_flops(self):
        return max(self.in_size - self.out_size, 0)  # (a sum over an empty axis adds nothing)

    vecmat_flops = 0

    @property
    def T(self):
        return Broadcast(self.out_shape, self.in_shape)


class MatmulLeft(Jacobian):
    """``B ↦ A B`` for a fixed (m, k) matrix A and B of shape (k, n): ``A ⊗ I``."""

    kind = "kronecker"
    symbol = "A ⊗ I"

    def __init__(self, A, n: int):
        A = as_matrix(A, "MatmulLeft", "A")
        n = as_count(n, "MatmulLeft", "n (the number of columns of B)")
        super().__init__((A.shape[0], n), (A.shape[1], n))
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
        B = as_matrix(B, "MatmulRight", "B")
        m = as_count(m, "MatmulRight", "m (the number of rows of A)")
        super().__init__((m, B.shape[1]), (m, B.shape[0]))
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
        p = as_numeric(p, "SoftmaxJacobian", "p")
        super().__init__(p.shape, p.shape)
        axis = as_axis(axis, p.shape, "SoftmaxJacobian", "p of shape")
        # counted from the end, so that leading batch axes of t and g leave it in place
        self.p, self.axis, self.log = p, axis - p.ndim if axis >= 0 else axis, bool(log)
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
        if not isinstance(base, Jacobian):
            raise TypeError(f"Transposed: base must be a Jacobian map, got {type(base).__name__}")
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


Jacobian.todense = quiet_rules(Jacobian.todense)
