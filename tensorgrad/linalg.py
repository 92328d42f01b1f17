"""``tg.linalg``: the functions of ``numpy.linalg``, differentiable.

The names and signatures are NumPy's, so ``np.linalg.solve(A, b)`` written for
NumPy maps onto ``tg.linalg.solve(A, b)``. All of them take a matrix or a stack
of matrices (shape ``(..., M, N)``). Derivatives, and where they do not exist,
are described in :mod:`tensorgrad.ops.linalg_ops` (inv, solve, det, slogdet,
pinv), :mod:`tensorgrad.ops.decompositions` (eigh, eigvalsh, svd, svdvals),
:mod:`tensorgrad.ops.factorizations` (cholesky, qr) and :mod:`tensorgrad.ops.norms`; the docs page "Matrix calculus
cookbook" states and checks the identities.

Multi-output functions return NumPy's named tuples: ``eigh`` →
``(eigenvalues, eigenvectors)``, ``svd`` → ``(U, S, Vh)``, ``qr`` → ``(Q, R)``,
``slogdet`` → ``(sign, logabsdet)``.

* ``inv``: the inverse (``LinAlgError`` at a singular matrix)
* ``solve``: A x = b (a 1-D ``b`` is one vector; otherwise (..., M, K) matrices)
* ``det``: the determinant (its gradient, the cofactors, also at singular matrices)
* ``slogdet``: (sign, log|det|)
* ``cholesky``: the Cholesky factor (``upper=``)
* ``eigh``, ``eigvalsh``: eigenvalues and eigenvectors of a symmetric matrix
* ``eig``: the (complex) eigenvalues and right eigenvectors of a general matrix, with the
  derivative of LAPACK's normalization (first derivatives; repeated eigenvalues raise)
* ``eigvals``: the (complex) eigenvalues of a general matrix, as JAX's (first derivatives
  ``dλ_i = (V⁻¹ dA V)_ii``; a second derivative raises ``NotImplementedError``)
* ``svd``, ``svdvals``: (U, S, Vh) (``full_matrices``, ``compute_uv``, ``hermitian``),
  the singular values
* ``qr``: (Q, R) (modes ``reduced``, ``r``, ``complete``)
* ``pinv``: the pseudo-inverse (``rcond``/``rtol``, ``hermitian``)
* ``norm``, ``vector_norm``, ``matrix_norm``: norms of every ``ord``
* ``matrix_power``, ``multi_dot``: powers and chains of matrix products
* ``lstsq``: least squares (x, residuals, rank, s) via the pseudo-inverse
* ``cond``: the condition number (every ``p`` NumPy accepts)
* ``matrix_rank``: the rank (an integer: no gradient)
* ``tensorinv``, ``tensorsolve``: ``inv`` and ``solve`` of reshaped tensors
* ``matmul``, ``tensordot``, ``outer``, ``cross``, ``diagonal``, ``trace``,
  ``matrix_transpose``, ``vecdot``: NumPy 2's array-API functions of ``numpy.linalg``

PyTorch's functions NumPy lacks, with PyTorch's signatures and result tuples
(:mod:`tensorgrad.linalg_torch`):

* ``matrix_exp``: the matrix exponential (differentiable, Hessians too)
* ``solve_triangular(A, B, *, upper, left=True, unitriangular=False)``: triangular solves
* ``lu_factor``, ``lu_factor_ex``, ``lu``, ``lu_solve``: LU with partial pivoting (PyTorch's
  1-based int32 pivots; rectangular matrices; ``pivot=False`` raises, as on PyTorch's CPU)
* ``vander(x, *, N=None)``: increasing powers along the last axis
* ``cholesky_ex``, ``inv_ex``, ``solve_ex``: report failures in an int32 ``info`` instead of
  raising (``check_errors=True`` raises ``LinAlgError``)
* ``householder_product(A, tau)``: the product of Householder reflectors (LAPACK's orgqr)
* ``ldl_factor``, ``ldl_factor_ex``, ``ldl_solve``: LAPACK's Bunch-Kaufman LDLᵀ in PyTorch's
  format (no derivative, as in PyTorch)

Of these, inv, solve, det, slogdet, cholesky, eigh, eigvalsh, eigvals, svd, svdvals,
qr and pinv are registered ops (``tensorgrad check <name>``); the others are
built on ops.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .ops.complex_ops import eigvals
from .ops.eig import EigResult, eig
from .ops.decompositions import EighResult, LstsqResult, SVDResult, eigh, eigvalsh, lstsq, svd, svdvals
from .ops.factorizations import QRResult, cholesky, qr
from .ops.linalg import _matmul_public as matmul, tensordot
from .ops.linalg import outer as _outer
from .ops.determinant import det
from .ops.linalg_ops import (LinAlgError, SlogdetResult, inv, matrix_power, mT, multi_dot, pinv,
                             slogdet)
from .ops.linalg_ops import solve as _solve
from .linalg_torch import (CholeskyExResult, InvExResult, LDLFactorExResult, LDLFactorResult,
                           LUFactorExResult, LUFactorResult, LUResult, SolveExResult,
                           cholesky_ex, householder_product, inv_ex, ldl_factor, ldl_factor_ex,
                           ldl_solve, lu, lu_factor, lu_factor_ex, lu_solve, matrix_exp,
                           solve_ex, solve_triangular, vander)
from .ops.elementwise import equal as _equal
from .ops.elementwise import where
from .ops.norms import extreme_singular_value, matrix_norm, norm, vector_norm
from .ops._util import negative_axis
from .ops.numpy_args import sum as _full_sum
from .ops.rearrange import broadcast_arrays as _broadcast_arrays
from .ops.shape import reshape, transpose
from .ops.signal import vecdot as _vecdot
from .ops.selection import cross as _cross
from .ops.selection import diagonal as _diagonal
from .registry import register_namespace
from .staging import call as staged_call
from .staging import may_any
from .flavor import torch_style
from .tensor import concrete
from .torch_form import keyword_names
from .ufunc_keywords import named_inputs
from .typing import Array, ArrayLike  # noqa: F401

__all__ = ["LinAlgError", "inv", "solve", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "eigvals", "eig",
           "EigResult", "svd",
           "svdvals", "qr", "pinv", "norm", "vector_norm", "matrix_norm", "matrix_power",
           "multi_dot", "matmul", "tensordot", "outer", "cross", "diagonal", "trace",
           "matrix_transpose", "vecdot", "lstsq", "cond", "matrix_rank", "tensorinv", "tensorsolve",
           "LstsqResult", "EighResult", "SVDResult", "QRResult", "SlogdetResult",
           # PyTorch's (tensorgrad.linalg_torch)
           "matrix_exp", "solve_triangular", "lu_factor", "lu_factor_ex", "lu", "lu_solve",
           "vander", "cholesky_ex", "inv_ex", "solve_ex", "householder_product", "ldl_factor",
           "ldl_factor_ex", "ldl_solve", "LUFactorResult", "LUFactorExResult", "LUResult",
           "CholeskyExResult", "InvExResult", "SolveExResult", "LDLFactorResult",
           "LDLFactorExResult"]
_TORCH_ONLY = set(__all__[__all__.index("matrix_exp"):])


def _shape(x) -> tuple:
    return tuple(np.shape(x)) if not hasattr(x, "shape") else tuple(x.shape)


def matrix_rank(A: ArrayLike, tol=None, hermitian: bool = False, *, rtol=None, atol=None):
    """The rank of a matrix or stack of matrices (NumPy's ``matrix_rank``; an integer, which
    carries no gradient). Under ``tg.jit`` it is one step of the plan, computed at every call.
    ``atol`` is PyTorch's name for the absolute cutoff ``tol``; with ``rtol`` too, singular values
    up to ``max(atol, rtol · σ_max)`` count as 0, as ``torch.linalg.matrix_rank``'s."""
    if atol is not None and tol is not None:
        raise TypeError("matrix_rank: give the absolute cutoff as tol (NumPy's) or atol "
                        "(PyTorch's), not both")
    return staged_call(_matrix_rank, concrete(A), None if tol is None else concrete(tol),
                       hermitian, None if rtol is None else concrete(rtol),
                       None if atol is None else concrete(atol))


def _matrix_rank(A, tol, hermitian, rtol, atol=None):
    A = np.asarray(A)
    if atol is None or rtol is None:  # (NumPy's Python int for a vector: an integer array's
        # scalar, as JAX's)
        r = np.linalg.matrix_rank(A, tol=tol if atol is None else atol, hermitian=hermitian,
                                  rtol=rtol)
        return np.int64(r) if type(r) is int else r
    s = np.abs(np.linalg.eigvalsh(A)) if hermitian else np.linalg.svd(A, compute_uv=False)
    if not s.size:
        return np.zeros(s.shape[:-1], np.int64)
    # (atol and rtol: one per matrix of the stack, or one for all)
    cut = np.maximum(np.asarray(atol)[..., None], np.asarray(rtol)[..., None] * np.max(s, axis=-1, keepdims=True))
    return np.count_nonzero(s > cut, axis=-1)


def cond(x: ArrayLike, p=None) -> Array:
    """The condition number of a matrix (or stack): ``‖x‖ · ‖x⁻¹‖`` in the norm ``p``
    (None, 2, -2: the ratio of the extreme singular values)."""
    sx = _shape(x)
    if len(sx) < 2:
        raise ValueError(f"linalg.cond: x must be a matrix or a stack of matrices, got shape {sx}")
    if 0 in sx[-2:]:  # NumPy's rule (JAX refuses them too)
        raise LinAlgError(f"linalg.cond: the condition number of an empty matrix is not defined "
                          f"(shape {sx}, p={p!r})")
    if p is None or p == 2 or p == -2:
        s, n = svdvals(x), max(sx[-2:])  # (tied extremes share the gradient, as in matrix_norm)
        big, small = extreme_singular_value(s, True, n), extreme_singular_value(s, False, n)
        num, den = (small, big) if p == -2 else (big, small)
        # NumPy's rule: a zero denominator (a singular matrix; 0/0 for a zero matrix) gives inf
        zero = _equal(den, 0)
        return where(zero, np.inf, num / where(zero, 1.0, den))
    if sx[-1] != sx[-2]:
        raise ValueError(f"linalg.cond: p={p!r} needs square matrices, got shape {sx}")
    # NumPy's rule: an exactly singular matrix has cond = inf (found on the values; under
    # tg.jit a step of the plan, so each call finds its own)
    singular = staged_call(_singular, concrete(x)) if math.prod(sx) else np.zeros(sx[:-2], bool)
    if not may_any(singular):
        return norm(x, p, axis=(-2, -1)) * norm(inv(x), p, axis=(-2, -1))
    safe = where(reshape(singular, sx[:-2] + (1, 1)), np.eye(sx[-1]), x)  # inv never sees them
    return where(singular, np.inf, norm(safe, p, axis=(-2, -1)) * norm(inv(safe), p, axis=(-2, -1)))


def _singular(x):
    """Which matrices of the stack NumPy finds exactly singular (its 1-norm cond is inf)."""
    with np.errstate(all="ignore"):
        return np.isinf(np.asarray(np.linalg.cond(x, 1)))


def tensorinv(a: ArrayLike, ind: int = 2) -> Array:
    """The inverse of ``a`` as a map from its last axes to its first ``ind`` axes."""
    sa = _shape(a)
    if not isinstance(ind, (int, np.integer)) or ind <= 0:
        raise ValueError(f"linalg.tensorinv: ind must be a positive integer, got {ind!r}")
    rows, cols = int(np.prod(sa[:ind])), int(np.prod(sa[ind:]))
    if rows != cols:
        raise ValueError(f"linalg.tensorinv: the product of a.shape[:ind] ({rows}) must equal the "
                         f"product of a.shape[ind:] ({cols}); a has shape {sa}")
    return reshape(inv(reshape(a, (rows, cols))), sa[ind:] + sa[:ind])


def tensorsolve(a: ArrayLike, b: ArrayLike, axes=None) -> Array:
    """The tensor ``x`` with ``tensordot(a, x, x.ndim) == b`` (``axes``: axes of ``a`` moved
    to the end first)."""
    sa, sb = _shape(a), _shape(b)
    if axes is not None:
        moved = [negative_axis(ax, len(sa), "linalg.tensorsolve") % len(sa) for ax in axes]
        order = [k for k in range(len(sa)) if k not in moved] + moved
        a = transpose(a, order)
        sa = _shape(a)
    # NumPy's rule: a's leading axes (as many as b has) hold as many entries as b, and as
    # many as its other axes (the solution's shape); only the sizes must agree, not the shapes
    rest = sa[len(sb):]
    n = int(np.prod(rest))
    if len(sa) < len(sb) or int(np.prod(sa[:len(sb)])) != n or int(np.prod(sb)) != n:
        raise LinAlgError(f"linalg.tensorsolve: a (shape {sa}) must be square as a map from "
                         f"{rest} to b's shape {sb}: the products of a.shape[:b.ndim], of "
                         f"a.shape[b.ndim:] and of b.shape must be equal")
    return reshape(solve(reshape(a, (n, n)), reshape(b, (n,))), rest)


def solve(a: ArrayLike, b: ArrayLike, *, left: bool = True) -> Array:
    """``x`` with ``a x = b`` (``numpy.linalg.solve``: a 1-D ``b`` is one vector, otherwise
    (..., M, K) matrices, stacks broadcast); PyTorch's ``left=False`` solves ``x a = b``. When
    ``a`` or ``b`` is a tensor of PyTorch's API (:mod:`tensorgrad.flavor`), PyTorch's rule: a
    ``b`` of shape ``a.shape[:-1]`` is a batch of vectors (``np.linalg.solve`` keeps NumPy's)."""
    sb = _shape(b)
    if len(sb) >= 2 and sb == _shape(a)[:-1] and (torch_style(a) or torch_style(b)):
        if not left:
            raise RuntimeError(f"linalg.solve: left=False solves X A = B for B of shape "
                               f"(..., k, n); B of shape {sb} is a batch of vectors for A of "
                               f"shape {_shape(a)} (PyTorch refuses it too)")
        return _solve(a, b[..., None])[..., 0]
    return _numpy_solve(a, b, left=left)


def _numpy_solve(a: ArrayLike, b: ArrayLike, *, left: bool = True) -> Array:
    """``solve`` by NumPy's rule on any arguments."""
    if left:
        return _solve(a, b)
    if len(_shape(b)) < 2:
        raise ValueError(f"linalg.solve: left=False needs b with at least 2 axes (rows of x a = b), "
                         f"got shape {_shape(b)}")
    return mT(_solve(mT(a), mT(b)))  # x a = b  <=>  aᵀ xᵀ = bᵀ


def diagonal(x: ArrayLike, /, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Array:
    """The diagonal of the last two axes (``numpy.linalg.diagonal``), or of PyTorch's
    ``dim1`` and ``dim2``."""
    return _diagonal(x, offset, dim1, dim2)


def trace(x: ArrayLike, /, *, offset: int = 0, dtype=None) -> Array:
    """The sum of the diagonal of the last two axes (``numpy.linalg.trace``), accumulated in
    ``dtype`` when given."""
    return _full_sum(_diagonal(x, offset, -2, -1), axis=-1, dtype=dtype)


def matrix_transpose(x: ArrayLike, /) -> Array:
    """Swap the last two axes (``numpy.linalg.matrix_transpose``)."""
    return mT(x)


def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1, precision=None,
           preferred_element_type=None, dim: int | None = None) -> Array:
    """The dot product of vectors along ``axis`` (``numpy.linalg.vecdot``; inputs broadcast;
    JAX's ``precision`` and ``preferred_element_type`` as in ``tg.vecdot``; PyTorch's ``dim``
    names ``axis``, an axis of the broadcast shape, as PyTorch's)."""
    if dim is not None:  # (PyTorch's: the inputs broadcast first, then dim counts in the result)
        x1, x2 = _broadcast_arrays(x1, x2)
    axis = _axis_or_dim("vecdot", axis, dim)
    return _vecdot(x1, x2, axis=axis, precision=precision,
                   preferred_element_type=preferred_element_type)


def outer(x1: ArrayLike, x2: ArrayLike, /) -> Array:
    """The outer product of two vectors (``numpy.linalg.outer``: both must be 1-D)."""
    for x in (x1, x2):
        s = getattr(x, "shape", None)
        if (len(s) if s is not None else np.ndim(x)) != 1:
            raise ValueError(f"linalg.outer: both inputs must be 1-D vectors, got shape "
                             f"{s if s is not None else np.shape(x)}")
    return _outer(x1, x2)


def _axis_or_dim(name: str, axis: int, dim: int | None) -> int:
    if dim is None:
        return axis
    if axis != -1:
        raise TypeError(f"linalg.{name}: give axis or dim (PyTorch's name for it), not both")
    return dim


def cross(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1, dim: int | None = None) -> Array:
    """The cross product of 3-vectors along ``axis`` (``numpy.linalg.cross``; PyTorch's ``dim``
    names ``axis``)."""
    axis = _axis_or_dim("cross", axis, dim)
    for x in (x1, x2):
        s = getattr(x, "shape", None)
        if s is not None and (not s or s[axis] != 3):
            raise ValueError(f"linalg.cross: both inputs must hold 3-vectors along axis {axis}, "
                             f"got shape {s}")
    return _cross(x1, x2, axis=axis)


for _f in (inv, det, pinv, cholesky, eigvalsh, eigvals, svdvals):  # registered ops: tg.linalg.<name>
    _f.__module__ = __name__
del _f


def _torch_named(f):
    """``f``, also taking PyTorch's names of its matrices where NumPy's signature lacks them:
    ``tg.linalg.solve(A=a, B=b)``, ``eigh(A=a)``, ``multi_dot(tensors=[a, b])``."""
    params = keyword_names(f)
    if params is None:
        return f

    @functools.wraps(f)
    def call(*args, **kwargs):
        if kwargs and not params.issuperset(kwargs):
            args, kwargs = named_inputs(args, kwargs, params) or (args, kwargs)
        return f(*args, **kwargs)
    return call


# (a function published with tensorgrad's naming takes them already: tg.linalg.norm)
globals().update({_n: _torch_named(globals()[_n]) for _n in __all__
                  if _n != "LinAlgError" and not _n.endswith("Result")
                  and not hasattr(globals()[_n], "__wrapped__")})

# NumPy's own numpy.linalg.<name> on a Tensor runs tg.linalg.<name>
solve.numpy_meaning = _numpy_solve  # (NumPy's own np.linalg.solve: NumPy's rule on tensors too)
register_namespace("numpy.linalg", {n: getattr(globals()[n], "numpy_meaning", globals()[n])
                                    for n in __all__
                                    if n != "LinAlgError" and not n.endswith("Result")
                                    and n not in _TORCH_ONLY})

