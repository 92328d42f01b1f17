"""Reductions: sum, mean, prod, max, min, var, std, norm, argmax, argmin.

Every reduction stores its axes as a sorted tuple of *negative* axes, so the
same rule serves cotangents that carry extra batch axes in front. The VJP of
a reduction spreads the cotangent back over the reduced axes (``_spread``);
the JVP reduces ``t ⊙ ∂out/∂x`` over them.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..registry import Example, Op, register
from ..tape import bind
from ._util import negative_axes, raw, reduced_count, shape_of
from .elementwise import equal, multiply, sqrt, where
from .shape import broadcast_to, expand_dims
from ..typing import Array, ArrayLike, Axis, Shape  # noqa: F401

__all__ = ["sum", "mean", "prod", "max", "min", "var", "std", "norm", "argmax", "argmin"]


def _spread(g, out, x, axes, keepdims):
    """Broadcast a reduced cotangent back to x's shape (batch axes kept in front)."""
    if not keepdims and axes:
        g = expand_dims(g, axes)
    gs = shape_of(g)
    batch = gs[:len(gs) - len(shape_of(x))]
    return broadcast_to(g, batch + shape_of(x))


def _keep(v, axes, keepdims):
    """A reduced value with the reduced axes kept (so it broadcasts against x)."""
    return v if keepdims or not axes else expand_dims(v, axes)


def _examples(extra=()):
    """Axis tuples, negative axes, keepdims, size-1 axes and scalars."""
    return [Example(((),)), Example(((3,),)), Example(((2, 3, 4),)),
            Example(((2, 3, 4),), {"axis": 1}), Example(((2, 3, 4),), {"axis": -1, "keepdims": True}),
            Example(((2, 3, 4),), {"axis": (0, 2)}), Example(((2, 1, 4),), {"axis": (-3, 1), "keepdims": True}),
            *extra]


def _reduction(name, forward, kind, *, vjp, jvp=None, jax, symbol, params=("axis", "keepdims"),
               doc="", examples=None, domain="real"):
    return register(Op(name, forward, kind, nargs=1, param_names=params, vjps=(vjp,),
                       jvps=(jvp,) if jvp else (), jax=jax, symbol=symbol, doc=doc,
                       examples=_examples() if examples is None else examples, domain=domain))


def _axes(x, axis, name):
    return negative_axes(axis, len(shape_of(raw(x))), name)


# ---- sum and mean (linear) ------------------------------------------------------
_sum = _reduction(
    "sum", lambda x, axes, keepdims: np.sum(x, axis=axes, keepdims=keepdims), "linear",
    vjp=lambda g, out, x, axes, keepdims: _spread(g, out, x, axes, keepdims),
    jax="jax.numpy.sum", symbol="1ᵀ (a row of ones per output)", doc="sum over axes")


def sum(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:  # noqa: A001
    """Sum of entries over ``axis`` (None: all). Jacobian: rows of ones."""
    return bind(_sum, (x,), (_axes(x, axis, "sum"), bool(keepdims)))


_mean = _reduction(
    "mean", lambda x, axes, keepdims: np.mean(x, axis=axes, keepdims=keepdims), "linear",
    vjp=lambda g, out, x, axes, keepdims: (
        _spread(g, out, x, axes, keepdims) / reduced_count(shape_of(x), axes)),
    jax="jax.numpy.mean", symbol="1ᵀ/n", doc="mean over axes")


def mean(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:
    """Mean over ``axis`` (None: all)."""
    return bind(_mean, (x,), (_axes(x, axis, "mean"), bool(keepdims)))


# ---- prod ------------------------------------------------------------------------
def _others_product(out, x, axes, keepdims):
    """∂prod/∂x_i = the product of the other entries (exact when some x_i = 0)."""
    xv = raw(x)
    if np.all(xv != 0):
        return _keep(out, axes, keepdims) / x
    if type(x) is not np.ndarray and x is not xv:
        raise NotImplementedError("prod: higher-order derivatives at inputs containing zeros")
    n = len(axes)
    moved = np.moveaxis(xv, axes, tuple(range(-n, 0)))
    flat = moved.reshape(moved.shape[:moved.ndim - n] + (-1,))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = (left * right).reshape(moved.shape)
    return np.moveaxis(others, tuple(range(-n, 0)), axes)


_prod = _reduction(
    "prod", lambda x, axes, keepdims: np.prod(x, axis=axes, keepdims=keepdims), "dense",
    vjp=lambda g, out, x, axes, keepdims: (
        _spread(g, out, x, axes, keepdims) * _others_product(out, x, axes, keepdims)),
    jvp=lambda t, out, x, axes, keepdims: sum(
        t * _others_product(out, x, axes, keepdims), axis=axes, keepdims=keepdims),
    jax="jax.numpy.prod", symbol="∏_{j≠i} x_j", doc="product over axes", domain="nonzero")


def prod(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:
    """Product over ``axis``. The gradient is exact even where entries are 0."""
    return bind(_prod, (x,), (_axes(x, axis, "prod"), bool(keepdims)))


# ---- max and min -----------------------------------------------------------------
def _argmax_share(out, x, axes, keepdims):
    # Ties split the gradient evenly, so the shares of tied entries sum to 1.
    hit = np.equal(raw(x), raw(_keep(out, axes, keepdims))).astype(np.result_type(raw(x)))
    return hit / np.sum(hit, axis=axes, keepdims=True)


def _extremum(name, forward, doc):
    return _reduction(
        name, lambda x, axes, keepdims: forward(x, axis=axes, keepdims=keepdims), "dense",
        vjp=lambda g, out, x, axes, keepdims: (
            _spread(g, out, x, axes, keepdims) * _argmax_share(out, x, axes, keepdims)),
        jvp=lambda t, out, x, axes, keepdims: sum(
            t * _argmax_share(out, x, axes, keepdims), axis=axes, keepdims=keepdims),
        jax=f"jax.numpy.{name}", symbol="selection of the extreme entry (ties share evenly)",
        doc=doc, domain="distinct")


_max = _extremum("max", np.max, "largest entry over axes")
_min = _extremum("min", np.min, "smallest entry over axes")


def max(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:  # noqa: A001
    """Largest entry over ``axis``; tied entries share the gradient evenly."""
    return bind(_max, (x,), (_axes(x, axis, "max"), bool(keepdims)))


def min(x: ArrayLike, axis: Axis = None, keepdims: bool = False) -> Array:  # noqa: A001
    """Smallest entry over ``axis``; tied entries share the gradient evenly."""
    return bind(_min, (x,), (_axes(x, axis, "min"), bool(keepdims)))


# ---- variance, standard deviation, norm --------------------------------------------
def _centered(x, axes):
    return x - mean(x, axis=axes, keepdims=True)


def _var_slope(out, x, axes, ddof, keepdims):
    return 2 * _centered(x, axes) / (reduced_count(shape_of(x), axes) - ddof)


def _std_slope(out, x, axes, ddof, keepdims):
    # (x − x̄)/((n − ddof)·std), taken as 0 where std = 0 (all entries equal): as for norm
    kept = _keep(out, axes, keepdims)
    if np.any(np.equal(raw(kept), 0)):
        kept = where(equal(kept, 0), 1, kept)
    return _centered(x, axes) / ((reduced_count(shape_of(x), axes) - ddof) * kept)


def _moment(name, forward, slope, symbol, doc):
    return _reduction(
        name, lambda x, axes, ddof, keepdims: forward(x, axis=axes, ddof=ddof, keepdims=keepdims),
        "dense", params=("axis", "ddof", "keepdims"),
        vjp=lambda g, out, x, axes, ddof, keepdims: (
            _spread(g, out, x, axes, keepdims) * slope(out, x, axes, ddof, keepdims)),
        jvp=lambda t, out, x, axes, ddof, keepdims: sum(
            t * slope(out, x, axes, ddof, keepdims), axis=axes, keepdims=keepdims),
        jax=f"jax.numpy.{name}", symbol=symbol, doc=doc,
        examples=[Example(((3,),)), Example(((2, 3, 4),), {"axis": 1}),
                  Example(((2, 3, 4),), {"axis": (0, 2), "ddof": 1, "keepdims": True}),
                  Example(((4, 5),), {"axis": -1, "ddof": 1})])


_var = _moment("var", np.var, _var_slope, "2(x − x̄)ᵀ/(n − ddof)", "variance over axes")
_std = _moment("std", np.std, _std_slope, "(x − x̄)ᵀ/((n − ddof)·std)", "standard deviation over axes")


def var(x: ArrayLike, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Array:
    """Variance over ``axis`` with ``ddof`` delta degrees of freedom."""
    return bind(_var, (x,), (_axes(x, axis, "var"), int(ddof), bool(keepdims)))


def std(x: ArrayLike, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Array:
    """Standard deviation over ``axis``."""
    return bind(_std, (x,), (_axes(x, axis, "std"), int(ddof), bool(keepdims)))


def _norm_slope(out, x, axes, keepdims):
    # x/‖x‖, taken as 0 where ‖x‖ = 0 (then x = 0 too): the subgradient 0.
    kept = _keep(out, axes, keepdims)
    return x / where(equal(kept, 0), 1, kept)


_norm = _reduction(
    "norm", lambda x, axes, keepdims: np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdims)),
    "dense",
    vjp=lambda g, out, x, axes, keepdims: _spread(g, out, x, axes, keepdims) * _norm_slope(out, x, axes, keepdims),
    jvp=lambda t, out, x, axes, keepdims: sum(t * _norm_slope(out, x, axes, keepdims),
                                              axis=axes, keepdims=keepdims),
    jax=lambda jnp, x, axis=None, keepdims=False: jnp.sqrt(jnp.sum(x * x, axis=axis, keepdims=keepdims)),
    symbol="xᵀ/‖x‖ (0 at x = 0)", doc="Euclidean (Frobenius) norm over axes",
    examples=[Example(((3,),)), Example(((2, 3, 4),), {"axis": -1}),
              Example(((3, 4),), {"axis": (0, 1), "keepdims": True}), Example(((2, 3),))])


def norm(x: ArrayLike, ord=None, axis: Axis = None, keepdims: bool = False) -> Array:
    """The 2-norm of a vector or the Frobenius norm of a matrix (``ord`` None, 2 or 'fro').

    The gradient at x = 0 is 0 (a subgradient) rather than NaN.
    """
    axes = _axes(x, axis, "norm")
    if ord not in (None, "fro") and not (ord == 2 and len(axes) == 1):
        raise NotImplementedError(f"norm: ord={ord!r} is not supported; use ord=None (2-norm/Frobenius)")
    return bind(_norm, (x,), (axes, bool(keepdims)))


# ---- argmax / argmin: integer results, no gradient ---------------------------------
_argmax = register(Op("argmax", lambda x, axis: np.argmax(x, axis=axis), "none", nargs=1,
                      param_names=("axis",), jax="jax.numpy.argmax", symbol="0 (integer output)",
                      domain="distinct", doc="index of the largest entry",
                      examples=[Example(((5,),)), Example(((3, 4),), {"axis": 1})]))
_argmin = register(Op("argmin", lambda x, axis: np.argmin(x, axis=axis), "none", nargs=1,
                      param_names=("axis",), jax="jax.numpy.argmin", symbol="0 (integer output)",
                      domain="distinct", doc="index of the smallest entry",
                      examples=[Example(((5,),)), Example(((3, 4),), {"axis": 0})]))


def argmax(x: ArrayLike, axis: int | None = None) -> Array:
    """Index of the largest entry (an integer array: carries no gradient)."""
    return bind(_argmax, (x,), (None if axis is None else int(axis),))


def argmin(x: ArrayLike, axis: int | None = None) -> Array:
    """Index of the smallest entry (an integer array: carries no gradient)."""
    return bind(_argmin, (x,), (None if axis is None else int(axis),))


_ = builtins, multiply, sqrt
