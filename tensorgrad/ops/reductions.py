"""Reductions: sum, mean, prod, max, min, var, std, norm, argmax, argmin.

Every reduction stores its axes as a sorted tuple of *negative* axes, so the
same rule serves cotangents that carry extra batch axes in front. The VJP of
a reduction spreads the cotangent back over the reduced axes (``_spread``);
the JVP reduces ``t ⊙ ∂out/∂x`` over them.
"""
from __future__ import annotations

import contextlib
import operator

import numpy as np

from ..jacobians.algebra import compose
from ..jacobians.maps import Diagonal, Identity, Reshape, SumTo, size
from ..registry import FUNCTIONS, Example, general, linear, nondifferentiable
from ..staging import ROUTED_METHODS
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ._util import concrete, dtype_of, empty_reduction, index_param, is_staged, may_any, negative_axes, \
    reduced_count, shape_of
from .elementwise import equal, sqrt, where
from .shape import broadcast_to, concatenate, expand_dims, getitem, reshape


def _spread(g, out, x, axes, keepdims):
    """Broadcast a reduced cotangent back to x's shape (batch axes kept in front)."""
    if type(g) is np.ndarray and type(x) is np.ndarray:  # a first-order sweep: NumPy directly
        xs = x.shape
        gs = g.shape
        if not keepdims and axes:  # size-1 axes back where x was reduced
            n = len(xs)
            kept = tuple([1 if k - n in axes else s for k, s in enumerate(xs)])
            g = g.reshape(gs[:len(gs) - n + len(axes)] + kept)
            gs = g.shape
        return np.broadcast_to(g, gs[:len(gs) - len(xs)] + xs)
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


def _axes(x, axis, name):
    return negative_axes(axis, len(shape_of(concrete(x))), name)


def _sum_jacobian(scale: bool):
    """Sum (mean with ``scale``) over axes: a SumTo onto the kept shape, then a reshape."""
    def build(i, args, out, params):
        ishape, oshape = np.shape(args[0]), np.shape(out)
        axes = tuple(params[0])
        n = len(ishape)
        kept = tuple(1 if (k - n) in axes else s for k, s in enumerate(ishape))
        J = SumTo(ishape, kept) if kept != ishape else Identity(ishape)
        if scale:
            count = size(ishape) // size(kept) if size(kept) else 1
            J = compose(Diagonal(np.full(kept, 1.0 / count if count else 1.0)), J)
        if kept != oshape:
            J = compose(Reshape(oshape, kept), J)
        return J
    return build


# ---- sum and mean (linear) ------------------------------------------------------
def _sum_forward(x, axes, keepdims):
    # the method for arrays: np.sum wraps the same reduction in a Python layer
    if type(x) is np.ndarray:
        return x.sum(axis=axes, keepdims=keepdims)
    return np.sum(x, axis=axes, keepdims=keepdims)


def _mean_forward(x, axes, keepdims):
    if type(x) is np.ndarray:
        if not x.size and not reduced_count(x.shape, axes):  # NaN, without NumPy's warning
            return empty_reduction(x, axes, keepdims, np.mean(np.zeros(1, x.dtype)).dtype)
        return x.mean(axis=axes, keepdims=keepdims)
    return np.mean(x, axis=axes, keepdims=keepdims)


# how tg.jit writes these forwards in a plan for an ndarray x: its method
_sum_forward.array_method = ("sum", ("axis", "keepdims"))
_mean_forward.array_method = ("mean", ("axis", "keepdims"))


def _sum_signature(x: ArrayLike, axis: Axis = None, keepdims: bool = False):
    """Sum of entries over ``axis`` (None: all). Jacobian: rows of ones."""
    return (x,), (_axes(x, axis, "sum"), bool(keepdims))


sum = linear(  # noqa: A001
    "sum", _sum_forward,
    transpose=lambda g, out, x, axes, keepdims: _spread(g, out, x, axes, keepdims),
    signature=_sum_signature, params=("axis", "keepdims"), methods=("sum",),
    jacobian=_sum_jacobian(scale=False), examples=_examples(),
    jax="jax.numpy.sum", symbol="1ᵀ (a row of ones per output)", doc="sum over axes")


def _mean_signature(x: ArrayLike, axis: Axis = None, keepdims: bool = False):
    """Mean over ``axis`` (None: all)."""
    return (x,), (_axes(x, axis, "mean"), bool(keepdims))


mean = linear(
    "mean", _mean_forward,
    transpose=lambda g, out, x, axes, keepdims: (
        _spread(g, out, x, axes, keepdims) / reduced_count(shape_of(x), axes)),
    signature=_mean_signature, params=("axis", "keepdims"), methods=("mean",),
    jacobian=_sum_jacobian(scale=True), examples=_examples(),
    jax="jax.numpy.mean", symbol="1ᵀ/n", doc="mean over axes")


# ---- prod ------------------------------------------------------------------------
def _others_product(out, x, axes, keepdims):
    """∂prod/∂x_i = the product of the other entries (exact when some x_i = 0). A recorded
    sweep (a derivative of a derivative) takes the products themselves, never out / x: the
    derivative of that quotient cancels p/x_i² against p/x_i², which for a tiny x_i is
    rounding noise or an overflow."""
    xv = concrete(x)
    if is_staged(xv):  # under tg.jit: no branch on the values
        if x is not xv:  # a derivative of a derivative: products of ops, exact at zeros
            return _others_by_ops(x, axes)
    elif type(x) is not np.ndarray and x is not xv:  # traced (higher order): with ops
        return _others_by_ops(x, axes)
    elif np.all(xv != 0) and np.all(np.isfinite(xv)) and np.all(np.isfinite(concrete(out))) \
            and np.all(concrete(out) != 0):  # (else out/x is NaN/inf/0 where the products of
        return _keep(out, axes, keepdims) / x  # the others, which tg.jit replays, are not)
    n = len(axes)
    moved = np.moveaxis(xv, axes, tuple(range(-n, 0)))
    # the reduced axes merged into one (its length spelled out: -1 is ambiguous at size 0)
    flat = moved.reshape(moved.shape[:moved.ndim - n] + (int(np.prod(moved.shape[moved.ndim - n:])),))
    ones = np.ones(flat.shape[:-1] + (1,), dtype=flat.dtype)
    # (exclusive running products; [..., :-1] after the product keeps an empty axis empty)
    left = np.cumprod(np.concatenate([ones, flat], axis=-1), axis=-1)[..., :-1]
    right = np.cumprod(np.concatenate([ones, flat[..., ::-1]], axis=-1), axis=-1)[..., :-1][..., ::-1]
    others = (left * right).reshape(moved.shape)
    return np.moveaxis(others, tuple(range(-n, 0)), axes)


def _others_by_ops(x, axes):
    """The products of the other entries, as exclusive running products from both ends,
    written with ops (cumprod is exact at zeros at every order): what higher derivatives of
    prod differentiate."""
    cumprod, moveaxis = FUNCTIONS["cumprod"], FUNCTIONS["moveaxis"]
    n = len(axes)
    moved = moveaxis(x, axes, tuple(range(-n, 0)))
    ms = shape_of(moved)
    flat = reshape(moved, ms[:len(ms) - n] + (int(np.prod(ms[len(ms) - n:])),))
    ones = np.ones(shape_of(flat)[:-1] + (1,), dtype=dtype_of(flat))
    every, rev = (Ellipsis, slice(None, -1)), (Ellipsis, slice(None, None, -1))
    left = getitem(cumprod(concatenate([ones, flat], axis=-1), axis=-1), every)
    right = getitem(getitem(cumprod(concatenate([ones, getitem(flat, rev)], axis=-1), axis=-1),
                            every), rev)
    return moveaxis(reshape(left * right, ms), tuple(range(-n, 0)), axes)


def _prod_signature(x: ArrayLike, axis: Axis = None, keepdims: bool = False):
    """Product over ``axis``. The gradient is exact even where entries are 0."""
    return (x,), (_axes(x, axis, "prod"), bool(keepdims))


prod = general(
    "prod", lambda x, axes, keepdims: np.prod(x, axis=axes, keepdims=keepdims),
    vjp={"x": lambda g, out, x, axes, keepdims: (
        _spread(g, out, x, axes, keepdims) * _others_product(out, x, axes, keepdims))},
    jvp={"x": lambda t, out, x, axes, keepdims: sum(
        t * _others_product(out, x, axes, keepdims), axis=axes, keepdims=keepdims)},
    signature=_prod_signature, params=("axis", "keepdims"), methods=("prod",),
    examples=_examples(), jax="jax.numpy.prod", symbol="∏_{j≠i} x_j", doc="product over axes",
    domain="nonzero")


# ---- max and min -----------------------------------------------------------------
def _argmax_share(out, x, axes, keepdims):
    # Ties split the gradient evenly, so the shares of tied entries sum to 1.
    hit = np.equal(concrete(x), concrete(_keep(out, axes, keepdims))).astype(np.result_type(concrete(x)))
    # a slice whose extreme is NaN matches no entry: its shares are NaN (as JAX), without a warning
    with np.errstate(invalid="ignore", divide="ignore"):
        return hit / np.sum(hit, axis=axes, keepdims=True)


def _extremum(name, forward, doc, alias):
    def signature(x: ArrayLike, axis: Axis = None, keepdims: bool = False):
        return (x,), (_axes(x, axis, name), bool(keepdims))
    signature.__doc__ = doc
    return general(
        name, lambda x, axes, keepdims: forward(x, axis=axes, keepdims=keepdims),
        vjp={"x": lambda g, out, x, axes, keepdims: (
            _spread(g, out, x, axes, keepdims) * _argmax_share(out, x, axes, keepdims))},
        jvp={"x": lambda t, out, x, axes, keepdims: sum(
            t * _argmax_share(out, x, axes, keepdims), axis=axes, keepdims=keepdims)},
        signature=signature, params=("axis", "keepdims"), methods=(name,), examples=_examples(),
        aliases=(alias,),
        jax=f"jax.numpy.{name}", symbol="selection of the extreme entry (ties share evenly)",
        domain="distinct")


max = _extremum("max", np.max, "Largest entry over ``axis``; tied entries share the gradient evenly.", "amax")  # noqa: A001
min = _extremum("min", np.min, "Smallest entry over ``axis``; tied entries share the gradient evenly.", "amin")  # noqa: A001


# ---- variance, standard deviation, norm --------------------------------------------
def _centered(x, axes):
    """x − x̄, centred twice: the rounding error of x̄ (large when |x̄| ≫ the spread) is taken out
    again, as the derivative of the two-pass variance has it."""
    if reduced_count(shape_of(x), axes) == 0:  # an empty slice: nothing to centre (no mean of it)
        return x
    c = x - mean(x, axis=axes, keepdims=True)
    return c - mean(c, axis=axes, keepdims=True)


def _dof(x, axes, ddof):
    """NumPy's divisor max(n − ddof, 0): a ddof beyond n gives the inf (or NaN) of n = ddof,
    in the value and so in its slope."""
    dof = reduced_count(shape_of(x), axes) - ddof  # (a Python number: keeps x's dtype)
    return dof if dof > 0 else dof - dof  # (+0, of the same type)


def _var_slope(out, x, axes, ddof, keepdims):
    dof = _dof(x, axes, ddof)
    # n ≤ ddof: the slope is the ±inf (NaN at 0) of the value, whose forward already warned
    quiet = np.errstate(divide="ignore", invalid="ignore") if dof == 0 else contextlib.nullcontext()
    with quiet:
        return 2 * _centered(x, axes) / dof


def _std_slope(out, x, axes, ddof, keepdims):
    # (x − x̄)/((n − ddof)·std), taken as 0 where std = 0 (all entries equal): as for norm, the
    # 0 is selected, so that its own derivative there is 0 too (not that of (x − x̄)/(n − ddof))
    kept = _keep(out, axes, keepdims)
    if not may_any(np.equal(concrete(kept), 0)):
        return _centered(x, axes) / (_dof(x, axes, ddof) * kept)
    zero = equal(kept, 0)
    return where(zero, 0.0, _centered(x, axes) / (_dof(x, axes, ddof) * where(zero, 1, kept)))


def std_from_var(v):
    """``sqrt(v)`` for a variance ``v``, with slope 0 where ``v`` = 0 (all entries equal), the
    rule of :func:`std`: NaN-free where the plain square root's slope is infinite."""
    zero = equal(v, 0)
    if not may_any(concrete(zero)):
        return sqrt(v)
    return where(zero, 0, sqrt(where(zero, 1, v)))


def _ddof(ddof):
    """NumPy's ``ddof`` is any real number (``ddof=0.5`` divides by n − 0.5): an integer
    stays one, anything else a float, never truncated."""
    try:
        return operator.index(ddof)
    except TypeError:
        return float(ddof)


def _no_dof(forward):
    """``forward`` (np.var or np.std), with NumPy's value where a slice has no degrees of
    freedom left (n − ddof <= 0: inf, or NaN for an empty slice) but not its warning, as JAX
    and PyTorch give it."""
    def moment(x, axis, ddof, keepdims):
        n = reduced_count(np.shape(x), axis)
        if n - ddof > 0:
            return forward(x, axis=axis, ddof=ddof, keepdims=keepdims)
        x = np.asarray(x)
        dt = forward(np.zeros(2, x.dtype)).dtype
        if n == 0:
            return empty_reduction(x, axis, keepdims, dt)
        c = x - x.mean(axis=axis, keepdims=True)
        s2 = (c.real * c.real + c.imag * c.imag if c.dtype.kind == "c" else c * c).sum(
            axis=axis, keepdims=keepdims)
        with np.errstate(divide="ignore", invalid="ignore"):
            v = s2 / _dof(x, axis, ddof)
            return (v if forward is np.var else np.sqrt(v)).astype(dt, copy=False)
    return moment


def _moment(name, forward, slope, symbol, doc):
    def signature(x: ArrayLike, axis: Axis = None, ddof: int = 0, keepdims: bool = False):
        return (x,), (_axes(x, axis, name), _ddof(ddof), bool(keepdims))
    signature.__doc__ = doc
    return general(
        name, _no_dof(forward),
        vjp={"x": lambda g, out, x, axes, ddof, keepdims: (
            _spread(g, out, x, axes, keepdims) * slope(out, x, axes, ddof, keepdims))},
        jvp={"x": lambda t, out, x, axes, ddof, keepdims: sum(
            t * slope(out, x, axes, ddof, keepdims), axis=axes, keepdims=keepdims)},
        signature=signature, params=("axis", "ddof", "keepdims"), methods=(name,),
        jax=f"jax.numpy.{name}", symbol=symbol,
        examples=[Example(((3,),)), Example(((2, 3, 4),), {"axis": 1}),
                  Example(((2, 3, 4),), {"axis": (0, 2), "ddof": 1, "keepdims": True}),
                  Example(((4, 5),), {"axis": -1, "ddof": 1})])


var = _moment("var", np.var, _var_slope, "2(x − x̄)ᵀ/(n − ddof)",
              "Variance over ``axis`` with ``ddof`` delta degrees of freedom.")
std = _moment("std", np.std, _std_slope, "(x − x̄)ᵀ/((n − ddof)·std)",
              "Standard deviation over ``axis``.")
ROUTED_METHODS.update(mean=mean, var=var, std=std)  # tg.jit's x.mean(): see staging


def _norm_slope(out, x, axes, keepdims):
    # x/‖x‖, taken as 0 where ‖x‖ = 0 (then x = 0 too): the subgradient 0, selected (not x/1),
    # so that its own derivative there is 0 too, as abs's, and not the identity.
    kept = _keep(out, axes, keepdims)
    zero = equal(kept, 0)
    return where(zero, 0.0, x / where(zero, 1, kept))


def _norm_signature(x: ArrayLike, ord=None, axis: Axis = None, keepdims: bool = False):
    """The 2-norm of a vector or the Frobenius norm of a matrix (``ord`` None, 2 or 'fro').

    The gradient at x = 0 is 0 (a subgradient) rather than NaN.
    """
    axes = _axes(x, axis, "norm")
    if ord not in (None, "fro") and not (ord == 2 and len(axes) == 1):
        raise NotImplementedError(f"norm: ord={ord!r} is not supported; use ord=None (2-norm/Frobenius)")
    return (x,), (axes, bool(keepdims))


_SAFE_NORMS: dict = {}  # dtype -> the norms whose squares neither underflow nor overflow


def _safe_norms(dt) -> tuple:
    fi = np.finfo(dt)
    _SAFE_NORMS[dt] = out = (16 * np.sqrt(fi.tiny), np.sqrt(fi.max) / 16)
    return out


def _two_norm_values(x, axes, keepdims):
    """sqrt(Σ x²), rescaled by max |x| where the squares underflow or overflow (a norm of
    [3e-170, 4e-170] is 5e-170, not 0 with a zero gradient; of [1e200, 3e200] finite)."""
    with np.errstate(over="ignore", under="ignore"):
        if len(axes) == x.ndim and x.dtype.kind == "f" and x.size:  # every entry: a dot, as
            flat = x.ravel()                                       # NumPy's norm computes it
            out = np.sqrt(np.dot(flat, flat))
            lo, hi = _SAFE_NORMS.get(out.dtype) or _safe_norms(out.dtype)
            if lo < out < hi:
                return np.reshape(out, (1,) * x.ndim) if keepdims else out
        out = np.sqrt(np.sum(x * x, axis=axes, keepdims=keepdims))
        lo, hi = _SAFE_NORMS.get(out.dtype) or _safe_norms(out.dtype)
        bad = ~((out > lo) & (out < hi))  # (a zero, NaN or infinite norm too: recomputed alike)
        if not bad.any():
            return out
        m = np.max(np.abs(x), axis=axes, keepdims=True, initial=0.0)
        m = np.where(np.isfinite(m) & (m > 0), m, 1.0).astype(out.dtype)
        scaled = m * np.sqrt(np.sum((x / m) ** 2, axis=axes, keepdims=True))
    out = np.where(bad, scaled if keepdims else np.squeeze(scaled, axis=axes), out)
    return out[()] if out.ndim == 0 else out  # (a NumPy scalar, as NumPy's norm gives)


norm = general(
    "norm", _two_norm_values,
    vjp={"x": lambda g, out, x, axes, keepdims: (
        _spread(g, out, x, axes, keepdims) * _norm_slope(out, x, axes, keepdims))},
    jvp={"x": lambda t, out, x, axes, keepdims: sum(t * _norm_slope(out, x, axes, keepdims),
                                                    axis=axes, keepdims=keepdims)},
    signature=_norm_signature, params=("axis", "keepdims"),
    public=False,  # tg.norm (ops/norms.py) takes every ord and uses this op for ord 2 / 'fro'
    jax=lambda jnp, x, axis=None, keepdims=False: jnp.sqrt(jnp.sum(x * x, axis=axis, keepdims=keepdims)),
    symbol="xᵀ/‖x‖ (0 at x = 0)", doc="Euclidean (Frobenius) norm over axes",
    examples=[Example(((3,),)), Example(((2, 3, 4),), {"axis": -1}),
              Example(((3, 4),), {"axis": (0, 1), "keepdims": True}), Example(((2, 3),))])


# ---- argmax / argmin: integer results, no gradient ---------------------------------
def _arg_signature(x: ArrayLike, axis: int | None = None):
    """Index of the extreme entry (an integer array: carries no gradient)."""
    # (an int-like axis, as NumPy: a float, a string or a tuple is a TypeError)
    return (x,), (None if axis is None else index_param(axis, "argmax/argmin", "axis"),)


argmax = nondifferentiable("argmax", lambda x, axis: np.argmax(x, axis=axis), params=("axis",),
                           signature=_arg_signature, methods=("argmax",), jax="jax.numpy.argmax",
                           symbol="0 (integer output)", domain="distinct",
                           doc="index of the largest entry",
                           examples=[Example(((5,),)), Example(((3, 4),), {"axis": 1})])
argmin = nondifferentiable("argmin", lambda x, axis: np.argmin(x, axis=axis), params=("axis",),
                           signature=_arg_signature, methods=("argmin",), jax="jax.numpy.argmin",
                           symbol="0 (integer output)", domain="distinct",
                           doc="index of the smallest entry",
                           examples=[Example(((5,),)), Example(((3, 4),), {"axis": 0})])
