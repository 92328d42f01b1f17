"""``logsumexp`` (SciPy's and ``jax.nn``'s, with ``b``, ``return_sign`` and ``where``) and
``np.logaddexp.reduce``: one registered op, shifted by the max.

Its gradient is softmax(x) (with b: b·eˣ / Σ b·eˣ). An all −inf slice gives −inf with a zero
gradient; a slice holding +inf has NaN weights at its +inf entries and 0 elsewhere (JAX's);
a NaN slice is NaN. With signed ``b`` whose terms cancel exactly, the value is −inf and the
gradient ±inf, the slope of log|S| at S = 0.
"""
from __future__ import annotations

import math

import numpy as np

from ..registry import Example, function, general, register_ufunc_method
from ..staging import is_staged, may_any
from ..typing import ArrayLike, Axis
from ._util import as_array_like, broadcast_shapes_of, concrete, dtype_of, lift_tangent, negative_axes, shape_of, \
    torch_axes
from .complex_ops import real_part
from .elementwise import exp, where
from .elementwise import astype as _astype
from .reductions import _keep, _spread, sum as _sum
from .shape import broadcast_to

def _jax_logsumexp(jnp, x, b=None, axis=None, keepdims=False, return_sign=False):
    import jax.scipy.special
    out = jax.scipy.special.logsumexp(x, axis=axis, b=b, keepdims=keepdims, return_sign=return_sign)
    return out[0] if return_sign else out


def _lse_forward(x, axes, keepdims):
    if x.dtype.kind == "c":
        return _lse_complex(x, axes, keepdims)
    if x.size:
        m = x.max(axis=axes, keepdims=True)
        if np.isfinite(m).all():  # (not math.isfinite(m.sum()): the sum could overflow)
            # every max finite: then x − m ≤ 0 and each row's sum is ≥ 1, so no warning can
            # occur. The max's own term 1 is left out of the sum and log1p takes it: log(1 + t)
            # of a tiny t (logsumexp([-30, 0]) = 9.4e-14) keeps its digits, as SciPy's
            top = x == m
            with np.errstate(over="ignore"):  # (x − m is −inf for a range beyond the largest float)
                rest = np.where(top, 0.0, np.exp(x - m)).sum(axis=axes, keepdims=True)
            rest += top.sum(axis=axes, keepdims=True) - 1  # (ties at the max: each counts 1)
            s = (np.log1p(rest) + m).astype(x.dtype, copy=False)
            return s if keepdims else np.squeeze(s, axis=axes)
        m = np.where(np.isfinite(m), m, 0)  # all −inf (or inf/NaN) rows: no shift
    else:
        m = np.zeros((1,) * x.ndim, x.dtype)
    # log(0) = −inf for an all −inf row; inf − inf = NaN only when the input held +inf (the
    # unshifted exp of a row holding +inf or NaN may overflow: that row is inf or NaN anyway)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axes)


def _lse_complex(x, axes, keepdims):
    """Complex terms, shifted by the largest real part: the imaginary part of the result is
    then the principal phase of the sum, in (−π, π], as SciPy's and JAX's (a shift by the
    complex max would add its phase, off by a multiple of 2π)."""
    m = np.max(x.real, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        s = (np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True)) + m).astype(x.dtype, copy=False)
    return s if keepdims else np.squeeze(s, axis=axes)


def _lse_scaled_parts(x, b, axes):
    """(m, S): the shift (max of x where b ≠ 0) and S = Σ b·exp(x − m), both kept over axes."""
    x, b = np.broadcast_arrays(x, b)
    live = b != 0
    masked = np.where(live, np.real(x), -np.inf)  # (complex terms: shifted by a real part)
    m = np.max(masked, axis=axes, keepdims=True) if x.size else np.zeros((1,) * x.ndim, x.dtype)
    m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
    with np.errstate(over="ignore", invalid="ignore"):  # +inf or NaN entries: as without b
        terms = np.where(live, b * np.exp(x - m), 0)
    return m, np.sum(terms, axis=axes, keepdims=True)


def _lse_b_forward(x, b, axes, keepdims, signed):
    if b is None:  # no scale factors: the plain, shifted sum
        return _lse_forward(x, axes, keepdims)
    m, s = _lse_scaled_parts(x, b, axes)
    with np.errstate(divide="ignore", invalid="ignore"):  # S = 0: −inf; S < 0 unsigned: NaN (as SciPy)
        out = (np.log(np.abs(s)) if signed else np.log(s)) + m
    return out if keepdims else np.squeeze(out, axis=axes)


def _lse_sign(x, b, axes, keepdims):
    """The sign of Σ b·exp(x) over axes (b = 1 when not given: 1, or 0 for an empty or all
    −inf slice, NaN for a NaN one, as SciPy and JAX), shaped like the output."""
    xv = concrete(x)
    bv = np.ones((), dtype=np.result_type(xv)) if b is None else concrete(b)
    s = np.sign(_lse_scaled_parts(xv, bv, axes)[1])
    return s if keepdims else np.squeeze(s, axis=axes)


def _off_row_weights(k, x):
    """Weights of rows whose lse ``k`` is not finite (see _lse_weights); complex terms and
    sums are infinite by their real parts."""
    k = np.real(k)
    pos = np.isposinf(k) & ~np.isposinf(np.real(concrete(x)))  # (below: NaN·x where NaN, for NaN slopes)
    # (a finite row's weights are not these: 0 there, so that no NaN meets its zero cotangent
    # in a second sweep under tg.jit, where both forms are computed)
    off = np.where(np.isneginf(k) | pos | np.isfinite(k), 0.0, np.nan).astype(np.result_type(k))
    return where(np.isnan(off), off * where(np.isnan(off), x, 1.0), off) if may_any(np.isnan(off)) else off


def _lse_weights(out, x, axes, keepdims):
    # ∂lse/∂x = softmax(x) = exp(x − lse). An all −inf row (lse = −inf) weighs 0, not NaN; a row
    # holding +inf has NaN at its +inf entries and 0 elsewhere (as JAX); a NaN row is NaN.
    kept = _keep(out, axes, keepdims)
    k = concrete(kept)
    if is_staged(k):
        return _lse_weights_traced(x, k, axes)
    finite = np.isfinite(k)
    if finite.all():  # shift by the (constant) max: exact digits in float32 for big logits
        e = exp(x - np.max(concrete(x), axis=axes, keepdims=True))
        return e / _sum(e, axis=axes, keepdims=True)
    w = exp(x - where(finite, kept, 0))
    return where(finite, w, _off_row_weights(k, x))


def _lse_weights_traced(x, k, axes):
    """The weights without a branch on the values (under tg.jit), as above."""
    m = np.max(concrete(x), axis=axes, keepdims=True, initial=-np.inf)  # (an empty slice: −inf)
    e = exp(x - np.where(np.isfinite(m), m, 0))
    s = _sum(e, axis=axes, keepdims=True)
    sv = concrete(s)
    ok = np.isfinite(sv) & (sv != 0)
    w = e / where(ok, s, 1.0)
    return where(ok, w, _off_row_weights(k, x))


def _lse_b_weights(out, x, b, axes, keepdims, for_x: bool = False):
    """∂out/∂b = exp(x)/S, S = Σ b·exp(x) (also for log|S|), from exp(x − m) with a constant
    shift m; ``for_x``: ∂out/∂x, b times it. An entry b masks (b = 0) where x is ±inf or NaN
    is left out of S, as in the forward: x-weight 0, b-weight exp(x)/S (+inf, 0 or NaN).

    Returns the weights and, when some slice's terms cancel (S = 0, lse = −inf), the pair
    (those slices, their weights ±inf): the weights are 0 there, to be applied by
    :func:`_times` or :func:`_dot`, which multiply no infinity by a zero."""
    k, xv, bv = concrete(_keep(out, axes, keepdims)), concrete(x), concrete(b)
    m = _lse_scaled_parts(xv, bv, axes)[0]
    e = exp(x - m)
    dead = np.logical_and(np.equal(bv, 0), np.logical_not(np.isfinite(xv)))
    masked = may_any(dead)
    if masked:
        e = where(dead, 0.0, e)
    finite = np.isfinite(k)
    infinite = None
    if not may_any(np.logical_not(finite)):  # (under tg.jit: the general form, for any value)
        w = e / _sum(b * e, axis=axes, keepdims=True)
    else:
        cancel, slope = _cancelling(k, concrete(e), bv, axes)
        e = where(finite, e, 0.0)
        s = _sum(b * e, axis=axes, keepdims=True)
        w = e / where(finite, s, 1.0)
        w = where(finite, w, _off_row_weights(k, x))
        if may_any(cancel):  # Σ b·eˣ = 0 from terms that cancel: log|S| has slope ±inf there
            w = where(cancel, 0.0, w)
            infinite = (cancel, slope(bv if for_x else 1.0))
    if for_x:
        return b * w, infinite
    if masked:  # exp(x)/S at the masked entries: a constant
        xr = np.real(xv)
        w = where(dead, np.where(np.isposinf(xr), np.inf, np.where(np.isneginf(xr), 0.0, np.nan)), w)
    return w, infinite


def _cancelling(k, e, b, axes):
    """Slices whose lse is −inf because their terms b·eˣ cancel (some are non-zero), and the
    slope of log|S| there as a function of the factor c (1 for ∂/∂b, b for ∂/∂x): (1/S)·c·eˣ
    with S = ±0, i.e. ±inf by the sign of c·eˣ, 0 where c = 0 and NaN where eˣ = 0 (JAX's)."""
    e = np.where(np.isfinite(e), e, 0.0)
    cancel = np.isneginf(np.real(k)) & np.any((e != 0) & (b != 0), axis=axes, keepdims=True)
    if np.iscomplexobj(e):  # complex terms summing to 0: no direction of infinite slope, NaN
        return cancel, lambda c: np.full(np.shape(e), complex(np.nan, np.nan), np.result_type(e))
    inv = np.where(np.signbit(np.sum(b * e, axis=axes, keepdims=True)), -np.inf, np.inf)

    def slope(c):
        return _signed(np.sign(c) * np.sign(e), inv, np.where(np.equal(c, 0), 0.0, np.nan)).astype(
            np.result_type(e), copy=False)
    return cancel, slope


def _signed(sign, v, zero=0.0):
    """v where ``sign`` > 0, −v where it is < 0, ``zero`` where it is 0 and NaN where NaN:
    the product sign·v without NumPy's 0·inf."""
    return np.where(sign > 0, v, np.where(sign < 0, -v, np.where(np.isnan(sign), np.nan, zero)))


def _times(c, w, infinite):
    """c·w for a cotangent (or tangent) ``c``, the cancelling slices' ±inf weights included."""
    if infinite is None:
        return c * w
    cancel, slope = infinite
    return where(cancel, _signed(concrete(c), slope), c * w)


def _dot(t, w, infinite, axes, keepdims):
    """Σ t·w over ``axes``; in a cancelling slice the sum of its ±inf terms (NaN if they mix)."""
    total = _sum(t * w, axis=axes, keepdims=keepdims)
    if infinite is None:
        return total
    cancel, slope = infinite
    terms = _signed(concrete(t), slope)
    pos, neg = (np.any(terms == v, axis=axes, keepdims=keepdims) for v in (np.inf, -np.inf))
    nan = np.any(np.isnan(terms), axis=axes, keepdims=keepdims) | (pos & neg)
    inf_sum = np.where(nan, np.nan, np.where(pos, np.inf, np.where(neg, -np.inf, 0.0)))
    return where(np.any(cancel, axis=axes, keepdims=keepdims), inf_sum, total)


def _lse_vjp_x(g, out, x, b, axes, keepdims, signed):
    if b is None:
        return _spread(g, out, x, axes, keepdims) * _lse_weights(out, x, axes, keepdims)
    return _times(_spread(g, out, x, axes, keepdims), *_lse_b_weights(out, x, b, axes, keepdims, True))


def _lse_vjp_b(g, out, x, b, axes, keepdims, signed):
    return _times(_spread(g, out, x, axes, keepdims), *_lse_b_weights(out, x, b, axes, keepdims))


def _lse_jvp_x(t, out, x, b, axes, keepdims, signed):
    if b is None:
        return _sum(t * _lse_weights(out, x, axes, keepdims), axis=axes, keepdims=keepdims)
    return _dot(t, *_lse_b_weights(out, x, b, axes, keepdims, True), axes, keepdims)


def _lse_jvp_b(t, out, x, b, axes, keepdims, signed):
    return _dot(lift_tangent(t, b, len(shape_of(x))), *_lse_b_weights(out, x, b, axes, keepdims), axes, keepdims)


def _lse_signature(a: ArrayLike, b: ArrayLike | None = None, axis: Axis = None, keepdims: bool = False,
                   return_sign: bool = False):
    if isinstance(a, (int, float, bool, list, tuple)):  # a Python number or sequence: an array
        a = as_array_like(a)
    if dtype_of(a).kind in "biu":  # as SciPy: in float64 (x − max in uint8 would wrap)
        a = _astype(a, np.float64)
    if b is not None:  # one dtype for both, as SciPy's: float32 a, float64 weights in float64
        if type(b) in (int, float, complex):  # (a Python number is weak: float32 a stays float32)
            b = np.asarray(b, np.result_type(dtype_of(a), b))
        b = as_array_like(b) if isinstance(b, (list, tuple)) else b
        dt = np.result_type(dtype_of(a), dtype_of(b))
        a, b = (v if dtype_of(v) == dt else _astype(v, dt) for v in (a, b))
    xs = shape_of(concrete(a))
    if b is not None:
        bs = shape_of(concrete(b))
        if np.broadcast_shapes(xs, bs) != xs:
            raise ValueError(f"logsumexp: b of shape {bs} must broadcast to a's shape {xs}")
    return (a, b), (negative_axes(axis, len(xs), "logsumexp"), bool(keepdims), bool(return_sign))


_logsumexp = general(
    "logsumexp", _lse_b_forward, vjp={"x": _lse_vjp_x, "b": _lse_vjp_b},
    jvp={"x": _lse_jvp_x, "b": _lse_jvp_b}, signature=_lse_signature,
    params=("axis", "keepdims", "return_sign"), jax=_jax_logsumexp, public=False,
    symbol="softmax(x)ᵀ (with b: (b ⊙ eˣ)ᵀ/Σ b eˣ)", complex=True,
    doc="log(Σ b·exp(x)) over ``axis``, shifted by the max: stable for large and −inf entries",
    examples=[Example(((4,),)), Example(((3, 4),), {"axis": -1}),
              Example(((2, 3, 4),), {"axis": (0, 2), "keepdims": True}), Example(((),)),
              Example(((3, 4), (3, 4)), {"axis": -1}, domain=("real", "positive")),
              Example(((2, 3), (3,)), domain=("real", "positive")),
              Example(((4,), np.array([-2.0, 0.3, -1.0, 0.2])), {"return_sign": True})])


@function
def logsumexp(a: ArrayLike, axis: Axis = None, b: ArrayLike | None = None, keepdims: bool = False,
              return_sign: bool = False, where: ArrayLike | None = None, *, dim: Axis = None,
              keepdim: bool | None = None):
    """log(Σ b·exp(a)) over ``axis`` (``b`` defaults to 1), as ``scipy.special.logsumexp``.

    Shifted by the max, so large and −inf entries are safe; an all −inf slice
    gives −inf with a zero gradient. ``b`` (broadcast with ``a``) scales
    each term and gets a gradient too; entries with b = 0 are left out. A
    negative sum gives NaN, unless ``return_sign=True``, which returns
    ``(log|Σ b·exp(a)|, sign)`` (the sign carries no gradient). ``where`` (as
    ``jax.nn.logsumexp``): only the entries where it is true take part (the others
    get a zero gradient; a slice with none gives −inf). ``dim`` and ``keepdim`` are PyTorch's
    names for ``axis`` and ``keepdims`` (``torch.logsumexp(x, dim=1)``); a bool in ``b``'s
    place is PyTorch's positional ``keepdim`` (``torch.logsumexp(x, 1, True)``), as no weights
    are a bool.
    """
    if isinstance(b, (bool, np.bool_)):
        if keepdim is not None:
            raise TypeError("logsumexp: a bool third argument is PyTorch's keepdim, given twice")
        b, keepdim = None, bool(b)
    axis, keepdims = torch_axes("logsumexp", axis, keepdims, dim, keepdim)
    if b is not None:  # b may broadcast a too (as SciPy and JAX): the sum runs over the common shape
        xs, bs = np.shape(concrete(a)), np.shape(concrete(b))
        if bs != xs and broadcast_shapes_of("logsumexp", a=xs, b=bs) != xs:
            a = broadcast_to(a, np.broadcast_shapes(xs, bs))
    if where is not None:
        a = _select(where, a, -np.inf)
    if return_sign and any(np.iscomplexobj(concrete(v)) for v in (a, b)):
        # complex terms: the complex log L of the sum; log|Σ| = Re L, the phase exp(i Im L)
        # (0 for a zero sum), as SciPy -- not NumPy's sign of a sum shifted by a complex max
        out = _logsumexp(a, b, axis=axis, keepdims=keepdims)
        o = concrete(out)
        return real_part(out), np.where(np.isneginf(np.real(o)), 0, np.exp(1j * np.imag(o)))
    out = _logsumexp(a, b, axis=axis, keepdims=keepdims, return_sign=return_sign)
    if not return_sign:
        return out
    axes = negative_axes(axis, len(shape_of(concrete(a))), "logsumexp")
    return out, _lse_sign(a, b, axes, bool(keepdims))


def _logaddexp_reduce(x, axis=0, keepdims: bool = False):  # np.logaddexp.reduce on Tensors
    return logsumexp(x, axis=axis, keepdims=keepdims)


def _logaddexp2_reduce(x, axis=0, keepdims: bool = False):  # log₂(Σ 2^x) = lse(x ln 2) / ln 2
    return logsumexp(x * _LN2, axis=axis, keepdims=keepdims) / _LN2


_LN2 = math.log(2.0)
_select = where  # (logsumexp's own argument is called where, as in JAX)
register_ufunc_method("numpy.logaddexp", "reduce", _logaddexp_reduce)
register_ufunc_method("numpy.logaddexp2", "reduce", _logaddexp2_reduce)
