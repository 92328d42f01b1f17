"""Norms of vectors and matrices for every ``ord`` of ``numpy.linalg.norm``.

Each norm is a composition of registered ops, so its derivative is theirs:

    vectors   2: the registered 2-norm (gradient x/‖x‖, 0 at x = 0)
              1: Σ|x_i|    inf / −inf: max / min |x_i|    0: the count of nonzeros (no gradient)
              p: (Σ|x_i|^p)^(1/p), with gradient 0 at x = 0 (as for the 2-norm)
    matrices  'fro': the 2-norm of the entries    'nuc': Σ s_i    2 / −2: max / min s_i
              1 / −1: max / min column sum of |a_ij|    inf / −inf: max / min row sum

Kinks take tensorgrad's usual subgradients: |x| has slope 0 at 0, tied
maxima share the gradient evenly, and singular values are differentiated as
in ``tg.linalg.svdvals`` (a zero singular value contributes u_i v_iᵀ; tied
largest singular values share as any tied maximum does).
"""
from __future__ import annotations

import numpy as np

from ..hooks import TorchTypeError
from ..registry import function
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ._util import concrete, dtype_of, negative_axes, shape_of, torch_axes
from .decompositions import svdvals
from .discrete import ones_like
from .elementwise import abs as _abs
from .elementwise import astype, equal, nan_slope, not_equal, sign, stop_gradient, where
from .linalg_ops import dtype, eps_of
from .reductions import max as _max
from .reductions import min as _min
from .reductions import norm as _two_norm
from .reductions import sum as _sum
from .scans import cumprod
from .shape import concatenate, expand_dims, moveaxis

_INF = float("inf")


def _float(x):
    if type(x) in (float, complex):  # (a Python number: NumPy's 0-d array, as np.linalg.norm(3.0))
        return np.asarray(x)
    return x if dtype(x).kind in "fc" else astype(x, np.float64)


def _modulus(x, ord=None, matrix: bool = False):
    """A complex ``x`` as its entries' moduli, for the norms that read only those (vector
    norms; 'fro', 1, −1, inf, −inf of matrices): their derivatives then follow ``abs``'s
    complex rule. The spectral and nuclear norms keep the complex matrix."""
    if dtype(x).kind != "c" or (matrix and (ord == "nuc" or (not isinstance(ord, str) and
                                                              ord in (2, -2)))):
        return x
    return _abs(x)


def _vector_norm(x, ord, axes: tuple, keepdims: bool, name: str):
    if ord is None or (not isinstance(ord, str) and ord == 2):
        return _two_norm(x, axis=axes, keepdims=keepdims)
    if isinstance(ord, str):
        raise ValueError(f"{name}: invalid norm order {ord!r} for vectors")
    if ord == _INF:
        shape = shape_of(concrete(x))
        if 0 in (shape[a] for a in axes):  # over no entries: NumPy's (and JAX's) 0, a norm is ≥ 0
            gone = {a % len(shape) for a in axes}
            return np.zeros(tuple(1 if i in gone else n for i, n in enumerate(shape)
                                  if keepdims or i not in gone), dtype_of(concrete(x)))
        return _max(_abs(x), axis=axes, keepdims=keepdims)
    if ord == -_INF:
        return _min(_abs(x), axis=axes, keepdims=keepdims)
    if ord == 0:  # the number of nonzero entries: piecewise constant, with a zero slope that a
        # tape still records (PyTorch's t.norm(p=0) requires grad), NaN entries counted
        if dtype_of(concrete(x)).kind == "c":
            return _sum(astype(not_equal(x, 0), dtype(x)), axis=axes, keepdims=keepdims)
        s = _abs(sign(x))  # (sign's slope, 0, is the only one the tape sees of x: no 0 · NaN)
        return _sum(astype(where(not_equal(s, s), 1, s), dtype(x)), axis=axes, keepdims=keepdims)
    if ord == 1:
        return _sum(_abs(x), axis=axes, keepdims=keepdims)
    p = float(ord)
    a = _abs(x)
    if p < 0:  # |x_i|^p is infinite at x_i = 0, and the norm is then 0, a kink like abs's:
        # the subgradient 0 there, selected so that no 1/0 warning arises. (For 0 < p < 1 the
        # slope at a zero entry is infinite: NaN, as for sqrt(abs(x)), without a warning.)
        nz = not_equal(a, 0)
        a = where(nz, where(nz, a, 1.0) ** p, _INF)
    else:
        a = a ** p
        if p < 1:  # |x_i|^p grows like |t|^p at x_i = 0: the slope there is undefined (NaN) in
            # both modes; abs's slope 0 at its kink would otherwise hide it from a JVP
            a = a + nan_slope(x, equal(x, 0))
    s = _sum(a, axis=axes, keepdims=keepdims)
    if p < 0:
        return s ** (1.0 / p)
    zero = equal(s, 0)  # x = 0: the value 0 and the subgradient 0 (not 0 · ∞)
    return where(zero, 0.0, where(zero, 1.0, s) ** (1.0 / p))


def _outer(largest: bool, v, axis: int, name: str, ord):
    """The max (or min) of the non-negative ``v`` over ``axis``; over nothing, NumPy's 0 for
    the max (a norm is ≥ 0) and its error for the min."""
    shape = shape_of(concrete(v))
    if shape[axis] == 0:
        if not largest:
            raise ValueError(f"{name}: ord={ord!r} of a matrix with an empty side is the minimum "
                             "of nothing (NumPy refuses it too)")
        return np.zeros(shape[:axis % len(shape)] + shape[axis % len(shape) + 1:], dtype_of(concrete(v)))
    return (_max if largest else _min)(v, axis=axis)


def extreme_singular_value(sv, largest: bool, n: int):
    """The largest (or smallest) of the singular values ``sv`` (descending, k ≥ 1) of matrices
    whose larger side is ``n``. Values tied with it share its gradient evenly, as tied maxima
    do; ties are judged as svdvals judges repeated values (neighbours closer than n·ε·max s),
    so a numerically repeated extreme (an orthogonal matrix's singular values, 1 ± ε) gets
    equal cotangents and svdvals' derivative does not raise. Written in ops, so that it
    runs under every transform, tg.jit and tg.to_jax alike."""
    s = stop_gradient(sv)
    if not largest:
        s = s[..., ::-1]
    tol = n * eps_of(concrete(sv)) * _max(s, axis=-1, keepdims=True)
    close = astype(_abs(s[..., 1:] - s[..., :-1]) <= tol, dtype(s))
    tied = concatenate([ones_like(s[..., :1]), cumprod(close, axis=-1)], axis=-1)  # the run from the end
    if not largest:
        tied = tied[..., ::-1]
    return _sum(sv * (tied / _sum(tied, axis=-1, keepdims=True)), axis=-1)


def _matrix_norm(x, ord, r: int, c: int, keepdims: bool, name: str):
    """A matrix norm over axes r, c (non-negative, r ≠ c)."""
    if ord is None or ord == "fro":
        return _two_norm(x, axis=(r, c), keepdims=keepdims)
    if ord == "nuc" or (not isinstance(ord, str) and ord in (2, -2)):
        sv = svdvals(moveaxis(x, (r, c), (-2, -1)))
        shape = shape_of(concrete(x))
        if ord == "nuc":
            out = _sum(sv, axis=-1)
        elif min(shape[r], shape[c]) == 0:  # over no singular values: NumPy's 0, or its error
            out = _outer(ord == 2, sv, -1, name, ord)
        else:
            out = extreme_singular_value(sv, ord == 2, max(shape[r], shape[c]))
    elif not isinstance(ord, str) and ord in (1, -1):  # column sums
        out = _outer(ord == 1, _sum(_abs(x), axis=r), c - 1 if c > r else c, name, ord)
    elif not isinstance(ord, str) and ord in (_INF, -_INF):  # row sums
        out = _outer(ord == _INF, _sum(_abs(x), axis=c), r - 1 if r > c else r, name, ord)
    else:
        raise ValueError(f"{name}: invalid norm order {ord!r} for matrices; use None, 'fro', "
                         "'nuc', 1, -1, 2, -2, inf or -inf")
    return expand_dims(out, tuple(sorted((r, c)))) if keepdims else out


@function
def norm(x: ArrayLike, ord=None, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
         keepdim: bool | None = None) -> Array:
    """A vector or matrix norm, as ``numpy.linalg.norm``.

    ``axis`` None: the 2-norm of all entries when ``ord`` is None, else a vector
    norm of a 1-D ``x`` or a matrix norm of a 2-D ``x``; an int: vector norms
    along that axis; a pair: matrix norms over those two axes. ``ord``:
    vectors 2 (default), 1, inf, −inf, 0 (count of nonzeros) or any p;
    matrices 'fro' (default), 'nuc', 1, −1, 2, −2, inf, −inf. ``dim`` and
    ``keepdim`` are PyTorch's names of ``axis`` and ``keepdims`` (as in
    ``torch.linalg.norm``).
    """
    axis, keepdims = torch_axes("norm", axis, keepdims, dim, keepdim)
    x = _float(x)
    nd = len(shape_of(concrete(x)))
    if axis is None:
        if ord is None:
            return _two_norm(_modulus(x), axis=None, keepdims=keepdims)
        if nd == 1:
            axis = (0,)
        elif nd == 2:
            axis = (0, 1)
        else:
            raise ValueError(f"norm: ord={ord!r} needs a 1-D or 2-D input or an explicit axis; "
                             f"got shape {shape_of(concrete(x))}")
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    if len(axes) == 1:
        return _vector_norm(_modulus(x), ord, negative_axes(axes, nd, "norm"), keepdims, "norm")
    if len(axes) == 2:
        r, c = (a + nd for a in (negative_axes(a, nd, "norm")[0] for a in axes))
        if r == c:
            raise ValueError(f"norm: duplicate axes {axis!r}")
        return _matrix_norm(_modulus(x, ord, True), ord, r, c, keepdims, "norm")
    raise ValueError(f"norm: axis must name 1 or 2 axes, got {axis!r}")


def in_norm_dtype(name: str, x, dtype):
    """``x`` cast to PyTorch's ``dtype=``; a real one for complex ``x`` is refused (the cast
    would drop the imaginary parts), as PyTorch refuses it."""
    if dtype_of(concrete(x)).kind == "c" and np.dtype(dtype).kind != "c":
        raise TorchTypeError(f"{name}: dtype={np.dtype(dtype)} for a complex input would drop its "
                             "imaginary parts; give a complex dtype (the norm is real either way)")
    return astype(x, dtype)


def vector_norm(x: ArrayLike, /, ord=2, dim: Axis = None, keepdim: bool | None = None, *,
                axis: Axis = None, keepdims: bool = False, dtype=None) -> Array:
    """A vector norm over ``axis`` (all entries when None, as one vector), as
    ``numpy.linalg.vector_norm``; also PyTorch's form, ``vector_norm(x, ord, dim, keepdim,
    dtype=)`` (``dim`` and ``keepdim`` also positionally, in PyTorch's order; an empty ``dim``,
    as PyTorch's, is every axis; ``dtype`` casts the input first)."""
    if isinstance(dim, (tuple, list)) and not dim:
        dim = None
    axis, keepdims = torch_axes("vector_norm", axis, keepdims, dim, keepdim)
    x = _modulus(_float(x if dtype is None else in_norm_dtype("vector_norm", x, dtype)))
    axes = negative_axes(axis, len(shape_of(concrete(x))), "vector_norm")
    return _vector_norm(x, ord, axes, keepdims, "vector_norm")


def matrix_norm(x: ArrayLike, /, ord="fro", dim: Axis = None, keepdim: bool | None = None, *,
                keepdims: bool = False, dtype=None) -> Array:
    """A matrix norm of the last two axes, as ``numpy.linalg.matrix_norm``; also PyTorch's
    form, ``matrix_norm(A, ord, dim=(r, c), keepdim=..., dtype=...)`` (the norm over axes r and
    c; ``dim`` and ``keepdim`` may come positionally, in PyTorch's order; ``dtype`` casts the
    input first)."""
    _, keepdims = torch_axes("matrix_norm", None, keepdims, None, keepdim)
    if dtype is not None:
        x = in_norm_dtype("matrix_norm", x, dtype)
    if dim is not None:
        if len(tuple(dim)) != 2:
            raise ValueError(f"matrix_norm: dim must name 2 axes, got {dim!r}")
        return norm(x, ord, axis=tuple(dim), keepdims=keepdims)
    x = _float(x)
    nd = len(shape_of(concrete(x)))
    if nd < 2:
        raise ValueError(f"matrix_norm: the input needs at least 2 dimensions, got shape "
                         f"{shape_of(concrete(x))}")
    return _matrix_norm(_modulus(x, ord, True), ord, nd - 2, nd - 1, keepdims, "matrix_norm")
