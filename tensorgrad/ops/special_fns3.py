"""Bessel functions of real order, and erfcinv, rgamma, huber and pseudo_huber, as in
``scipy.special``, computed with SciPy.

As in :mod:`tensorgrad.ops.special_fns`, every derivative rule is written with tensorgrad
ops, so it differentiates again (to any order):

* Bessel functions of the first and second kind, ``j0``, ``j1``, ``y0``, ``y1``,
  ``jv(v, z)``, ``yv(v, z)``, ``yn(n, x)`` (``jn`` is ``jv``, as in SciPy):
  ``J₀′ = −J₁``, ``Y₀′ = −Y₁`` and ``C_v′ = (C_(v−1) − C_(v+1))/2``.
* Modified Bessel functions ``iv``, ``ive``, ``kv``, ``kve``, ``k0``, ``k1``, ``k0e``,
  ``k1e`` (``i0``, ``i1``, ``i0e`` and ``i1e`` are in :mod:`~tensorgrad.ops.special_fns`):
  ``I_v′ = (I_(v−1) + I_(v+1))/2``, ``K_v′ = −(K_(v−1) + K_(v+1))/2``, and for the scaled
  ``ive = e^(−|z|)·I_v``, ``kve = e^z·K_v`` the product rule:
  ``ive′ = (ive_(v−1) + ive_(v+1))/2 − sign(z)·ive`` (``sign(0) = 0``, as ``i0e``) and
  ``kve′ = kve − (kve_(v−1) + kve_(v+1))/2``.
* ``erfcinv′ = −(√π/2)·e^(erfcinv(x)²)`` (−inf at 0 and 2). ``rgamma = 1/Γ``:
  ``rgamma′ = −ψ·rgamma`` for z ≥ ½; below, the reflection formula
  1/Γ(z) = sin(πz)·Γ(1 − z)/π differentiated, with sin(πz) taken from z minus its nearest
  integer, so that it keeps its digits near the poles of Γ (z = 0, −1, −2, ..., where
  rgamma = 0 and −ψ·rgamma loses them) and is exact at them: ``(−1)ᵏ·k!`` at z = −k, at every
  order. Below z = −170 (Γ(1 − z) overflows) −ψ·rgamma again, ±inf at the poles, NaN where
  the value itself overflowed.
* ``huber(delta, r)``: ``r²/2`` for ``|r| ≤ delta``, ``delta·(|r| − delta/2)`` beyond, inf for
  ``delta < 0``. ``∂/∂r = r`` inside, ``delta·sign(r)`` beyond; ``∂/∂delta = 0`` inside,
  ``|r| − delta`` beyond (at ``delta = 0`` the one-sided slope ``|r|``).
  ``pseudo_huber(delta, r) = delta²(√(1 + (r/delta)²) − 1)``: with ``q = √(delta² + r²)``,
  ``∂/∂r = delta·r/q`` and ``∂/∂delta = (q − delta)²/q`` (``|r|`` at ``delta = 0``).
  Both have NaN slopes where ``delta < 0`` (SciPy's value is a constant inf there).

The order (``v``, ``n``) of a Bessel function has no derivative here (JAX's ``bessel_jn`` and
autograd's ``jv`` have none either): differentiating in it raises, naming the function; an
order held constant may still be an array, broadcast against z. ``yn`` refuses a non-integer
``n`` (SciPy truncates it with a warning).

Where SciPy's value is not real (``z < 0`` for a non-integer order, and for every Y and K;
SciPy gives NaN) the slope is NaN, and so is every later derivative. At ``z = 0`` the slope
is its limit: the formula (finite) for the J and I of an integer order or of ``v > 1``;
``±inf`` for ``jv`` and ``iv`` of a non-integer ``v < 1`` (the sign of Γ(v)), ``+inf`` for
``ive`` with ``0 < v < 1`` (NaN for ``v < 0``, where SciPy's value is NaN); ``+inf`` for
``y0``, ``y1``, ``yv`` with ``v ≥ 0``, ``sign(cos vπ)·inf`` for ``v < 0`` (``(−1)ⁿ·inf``
for ``yn``), NaN at the negative half-integers (``Y_(−k−½) = ±J_(k+½)`` is 0 at 0, where
SciPy gives ±inf); ``−inf`` for every K. A zero cotangent or tangent gives 0 at an infinite
slope, the derivative after it is NaN, and nothing here evaluates 0·inf, inf − inf or a
pole, so no NumPy warning is raised. Where SciPy gives NaN at z = ±inf (``j0(inf)``,
``kve(v, inf)``) the slopes are NaN too.

JAX 0.10 has none of these functions except ``bessel_jn`` (integer orders, by a recurrence
that is inexact near 0). Their JAX counterparts (the test table's references, and what
:func:`tensorgrad.to_jax` runs) are Gauss–Legendre quadratures of the integral
representations, within ~1e−13 of SciPy for 0.1 ≤ z ≤ 40 and |v| ≤ 5 (for the J and I of
integer orders, |z| ≤ 40), derivatives included; ``erfcinv(x) = −ndtri(x/2)/√2``,
``rgamma`` by the reflection formula below ½, ``huber`` and ``pseudo_huber`` in closed form.
"""
from __future__ import annotations

import math

import numpy as np
from numpy.polynomial.legendre import leggauss
from scipy import special

from ..registry import Example, elementwise
from ._util import concrete, dtype_of, may_any
from .elementwise import _slope, _steep, cos, exp, nan_slopes, sign, sin, where
from .elementwise import abs as _abs
from .elementwise_more import hypot
from .special_fns import _FAR_POLE, _guarded, _in_float_of, _large_z_slope, _pole, digamma, gamma
from .special_fns2 import _no_derivative

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2.0
_ORDER = "as JAX's bessel_jn and autograd's jv: the order is held constant"


def _guard(mask, fill, fn, xs, taint=()):
    """``fn(*xs)`` with the constant ``fill`` where ``mask`` (``fn`` sees 1 in place of each
    input there, see special_fns._guarded). Where the fill is NaN (no derivative), each traced
    input of ``taint`` gets a NaN derivative too, so the next derivative is NaN, not the 0 of
    a constant."""
    out = _guarded(mask, fill, fn, *xs)
    if not may_any(mask):
        return out
    return nan_slopes(out, np.logical_and(mask, np.isnan(fill)), taint)


def _fill_like(values, out):
    """A constant fill (an array from np.where) in ``out``'s dtype."""
    return values.astype(dtype_of(out))


def _order_forward(fn, name):
    """SciPy's ``fn(v, z)`` in the float dtype of z (of v and z where v is a float array)."""
    def forward(v, z):
        out = fn(v, z)
        vt = np.result_type(v)
        dt = np.result_type(z, 1.0) if vt.kind in "biu" else np.result_type(v, z, 1.0)
        return out.astype(dt, copy=False) if np.result_type(out) != dt else out
    forward.__name__ = forward.__qualname__ = name
    return forward


def _noninteger(v):
    vv = concrete(v)
    return np.not_equal(np.floor(vv), vv)  # NaN counts as non-integer


# ---- the JAX references: quadratures of integral representations ---------------------------
def _gauss(a, b, n):
    x, w = leggauss(n)
    return (b - a) / 2 * x + (a + b) / 2, (b - a) / 2 * w


# Gauss–Legendre nodes: with them each reference below is within ~1e−13 (relative, or
# absolute near a zero) of SciPy for 0.1 ≤ z ≤ 40 and |v| ≤ 5, and so are its derivatives in z
_TAU, _W_TAU = _gauss(0.0, math.pi, 80)  # ∫₀^π of a smooth integrand
_T, _W_T = _gauss(0.0, 8.0, 120)  # ∫₀^∞ of e^(−z·sinh t)·e^(±vt) or e^(−z·cosh t)·...: cut at 8


def _ref_args(jnp, v, z):
    dt = jnp.result_type(z, 1.0) if jnp.issubdtype(jnp.result_type(v), jnp.integer) \
        else jnp.result_type(v, z, 1.0)
    v, z = jnp.broadcast_arrays(jnp.asarray(v, dt), jnp.asarray(z, dt))
    zs = jnp.where(z > 0, z, 1.0)  # the tails (∫₀^∞) diverge for z ≤ 0: never evaluated there
    return v, z, v[..., None], z[..., None], zs[..., None], v == jnp.round(v)


def _ref_jv(jnp, v, z):
    """J_v(z) = (1/π)∫₀^π cos(vτ − z sin τ) dτ − (sin vπ/π)∫₀^∞ e^(−z sinh t − vt) dt."""
    v, z, vv, zz, zt, integer = _ref_args(jnp, v, z)
    head = jnp.sum(_W_TAU * jnp.cos(vv * _TAU - zz * jnp.sin(_TAU)), -1) / jnp.pi
    tail = jnp.sum(_W_T * jnp.exp(-zt * jnp.sinh(_T) - vv * _T), -1)
    out = head - jnp.where(integer, 0.0, jnp.sin(jnp.pi * v) / jnp.pi * tail)
    return jnp.where(integer | (z > 0), out, jnp.nan)


def _ref_yv(jnp, v, z):
    """Y_v(z) = (1/π)∫₀^π sin(z sin τ − vτ) dτ
    − (1/π)∫₀^∞ (e^(vt) + e^(−vt) cos vπ) e^(−z sinh t) dt."""
    v, z, vv, zz, zt, _ = _ref_args(jnp, v, z)
    head = jnp.sum(_W_TAU * jnp.sin(zt * jnp.sin(_TAU) - vv * _TAU), -1)
    tail = jnp.sum(_W_T * (jnp.exp(vv * _T) + jnp.exp(-vv * _T) * jnp.cos(jnp.pi * vv))
                   * jnp.exp(-zt * jnp.sinh(_T)), -1)
    return jnp.where(z > 0, (head - tail) / jnp.pi, jnp.nan)


def _ref_iv(jnp, v, z, scaled=False):
    """I_v(z) = (1/π)∫₀^π e^(z cos τ) cos vτ dτ − (sin vπ/π)∫₀^∞ e^(−z cosh t − vt) dt
    (times e^(−|z|) inside the integrals when ``scaled``)."""
    v, z, vv, zz, zt, integer = _ref_args(jnp, v, z)
    s = 1.0 if scaled else 0.0
    head = jnp.sum(_W_TAU * jnp.exp(zz * jnp.cos(_TAU) - s * jnp.abs(zz)) * jnp.cos(vv * _TAU), -1)
    tail = jnp.sum(_W_T * jnp.exp(-zt * (jnp.cosh(_T) + s) - vv * _T), -1)
    out = head / jnp.pi - jnp.where(integer, 0.0, jnp.sin(jnp.pi * v) / jnp.pi * tail)
    return jnp.where(integer | (z > 0), out, jnp.nan)


def _ref_kv(jnp, v, z, scaled=False):
    """K_v(z) = ∫₀^∞ e^(−z cosh t) cosh vt dt (e^z·K_v when ``scaled``)."""
    v, z, vv, zz, zt, _ = _ref_args(jnp, v, z)
    s = 1.0 if scaled else 0.0
    out = jnp.sum(_W_T * jnp.exp(-zt * (jnp.cosh(_T) - s)) * jnp.cosh(vv * _T), -1)
    return jnp.where(z > 0, out, jnp.nan)


# ---- first and second kind ---------------------------------------------------------------------
def _first_kind_parts(plus):
    """(slope, steep) of jv (``plus`` False) or iv in z: (C_(v−1) ∓ C_(v+1))/2; for a
    non-integer order NaN where z < 0, and at z = 0 with v < 1 the limit sign(Γ(v))·inf."""
    def parts(out, v, z):
        vv, zv = concrete(v), concrete(z)
        frac = _noninteger(v)
        steep = frac & np.equal(zv, 0) & (vv < 1)
        off = frac & np.logical_not(zv > 0) & np.logical_not(np.equal(zv, 0) & (vv >= 1))
        fill = _fill_like(np.where(steep, np.copysign(np.inf, special.gammasgn(vv)), np.nan), out)
        fn = iv if plus else jv

        def formula(a, b):
            lo, hi = fn(a - 1, b), fn(a + 1, b)
            return 0.5 * (lo + hi if plus else lo - hi)
        return _guard(off, fill, formula, (v, z), (z,)), np.broadcast_to(steep, np.shape(fill))
    return parts


def _y_at_zero(vv):
    """The slope of Y_v at z = 0: +inf for v ≥ 0; for v < 0 (Y_v = cos(vπ)Y_(−v) − sin(vπ)J_(−v))
    sign(cos vπ)·inf, NaN at the negative half-integers (where SciPy's ±inf is not Y_v(0))."""
    vv = vv * 1.0  # (a boolean order: np.floor keeps booleans, which do not subtract)
    half = np.equal(vv - np.floor(vv), 0.5)
    neg = np.copysign(np.inf, np.cos(np.pi * np.where(np.isfinite(vv), vv, 0.0)))
    return np.where(vv >= 0, np.inf, np.where((vv < 0) & ~half, neg, np.nan))


def _second_kind_parts(formula, at_zero):
    """(slope, steep) of a function real for z > 0 only (Y and K): ``formula(v, z)`` there,
    ``at_zero(v)`` (±inf or NaN) at z = 0, NaN for z < 0."""
    def parts(out, v, z):
        vv, zv = concrete(v), concrete(z)
        zero = np.equal(zv, 0)
        fill = _fill_like(np.where(zero, at_zero(vv), np.nan), out)
        steep = np.broadcast_to(zero & np.isinf(fill), np.shape(fill))
        return _guard(np.logical_not(zv > 0), fill, formula, (v, z), (z,)), steep
    return parts


def _bessel(name, forward, parts, ref, symbol, doc, examples, wrt="v", **entry):
    """A Bessel function of order ``wrt`` and argument z: no derivative in the order."""
    return elementwise(
        name, _order_forward(forward, name),
        d={wrt: _no_derivative(name, f"the order {wrt}", _ORDER), "z": _slope(parts)},
        vjp={"z": _steep(parts)}, jvp={"z": _steep(parts)}, jax=ref, numpy=f"scipy.special.{name}",
        symbol=symbol, doc=doc, examples=examples, **entry)


def _unary(name, parts, ref, symbol, doc, domain="positive", examples=None, steep=True):
    """A one-input function of x; ``parts(out, x) -> (slope, steep)``, or the plain derivative
    ``parts(out, x)`` where it is finite everywhere (``steep=False``)."""
    rules = {"vjp": {"x": _steep(parts)}, "jvp": {"x": _steep(parts)}} if steep else {}
    return elementwise(
        name, _in_float_of(getattr(special, name)), d={"x": _slope(parts) if steep else parts},
        jax=ref, numpy=f"scipy.special.{name}", symbol=symbol, doc=doc, domain=domain,
        examples=examples or [Example(((2, 3),))], **rules)


def _at(value):
    return lambda vv: np.full(np.shape(vv), value)


_V = np.array([0.0, 1.0, 2.5, -1.3])  # orders of the test table (integer and not)
_NV = np.array([0, 1, 2, -3])  # integer orders
_JI_EXAMPLES = [Example((_V, (3, 1)), diff=(1,), domain=("real", "positive")),
                Example((_NV.astype(float), (2, 4)), diff=(1,), domain=("real", "real"))]
_YK_EXAMPLES = [Example((np.array([0.0, 0.5, 1.0, 2.3, -1.7]), (3, 1)), diff=(1,),
                        domain=("real", "positive"))]

jv = _bessel("jv", special.jv, _first_kind_parts(False), _ref_jv,
             "diag((J_(v−1)(z) − J_(v+1)(z))/2) in z",
             "the Bessel function of the first kind J_v(z) of real order v (NaN for z < 0 "
             "unless v is an integer); no derivative in v", _JI_EXAMPLES, aliases=("jn",))
jn = jv
yv = _bessel("yv", special.yv,
             _second_kind_parts(lambda v, z: 0.5 * (yv(v - 1, z) - yv(v + 1, z)), _y_at_zero),
             _ref_yv, "diag((Y_(v−1)(z) − Y_(v+1)(z))/2) in z",
             "the Bessel function of the second kind Y_v(z) of real order v (z > 0); no "
             "derivative in v", _YK_EXAMPLES)
iv = _bessel("iv", special.iv, _first_kind_parts(True), _ref_iv,
             "diag((I_(v−1)(z) + I_(v+1)(z))/2) in z",
             "the modified Bessel function of the first kind I_v(z) of real order v (NaN for "
             "z < 0 unless v is an integer); no derivative in v", _JI_EXAMPLES)
kv = _bessel("kv", special.kv,
             _second_kind_parts(lambda v, z: -0.5 * (kv(v - 1, z) + kv(v + 1, z)), _at(-np.inf)),
             lambda jnp, v, z: _ref_kv(jnp, v, z), "diag(−(K_(v−1)(z) + K_(v+1)(z))/2) in z",
             "the modified Bessel function of the second kind K_v(z) of real order v (z > 0); "
             "no derivative in v", _YK_EXAMPLES)


def _ive_parts(out, v, z):
    vv, zv = concrete(v), concrete(z)
    frac = _noninteger(v)
    steep = frac & np.equal(zv, 0) & (vv > 0) & (vv < 1)  # SciPy: ive(v, 0) is NaN for v < 0
    off = frac & np.logical_not(zv > 0) & np.logical_not(np.equal(zv, 0) & (vv >= 1))
    fill = _fill_like(np.where(steep, np.inf, np.nan), out)

    def formula(o, a, b):
        return _large_z_slope("i", a, b, lambda y, oo: 0.5 * (ive(a - 1, y) + ive(a + 1, y))
                              - sign(y) * (ive(a, y) if oo is None else oo), o, at_inf=False)
    return _guard(off, fill, formula, (out, v, z), (z,)), np.broadcast_to(steep, np.shape(fill))


def _kve_formula(v, z):
    return _large_z_slope("k", v, z,
                          lambda y, o: kve(v, y) - 0.5 * (kve(v - 1, y) + kve(v + 1, y)),
                          at_inf=False)


ive = _bessel("ive", special.ive, lambda out, v, z: _ive_parts(out, v, z),
              lambda jnp, v, z: _ref_iv(jnp, v, z, True),
              "diag((ive_(v−1)(z) + ive_(v+1)(z))/2 − sign(z)·ive_v(z)) in z",
              "the exponentially scaled modified Bessel function e^(−|z|)·I_v(z) (its slope at "
              "z = 0 takes sign(0) = 0, as i0e); no derivative in v", _JI_EXAMPLES)
kve = _bessel("kve", special.kve, _second_kind_parts(_kve_formula, _at(-np.inf)),
              lambda jnp, v, z: _ref_kv(jnp, v, z, True),
              "diag(kve_v(z) − (kve_(v−1)(z) + kve_(v+1)(z))/2) in z",
              "the exponentially scaled modified Bessel function e^z·K_v(z) (z > 0); no "
              "derivative in v", _YK_EXAMPLES)


def _yn_forward(n, x):
    nv = np.asarray(n)
    if nv.dtype.kind == "f":
        finite = np.isfinite(nv)
        if np.any(np.floor(nv[finite]) != nv[finite]):
            raise ValueError(f"yn: n must hold integer orders (SciPy truncates {nv[finite]!r} with "
                             "a warning); use yv(v, x) for real orders")
    elif nv.dtype.kind not in "biu":
        raise TypeError(f"yn: n must be integers, got dtype {nv.dtype}")
    out = special.yn(n, x)
    dt = np.result_type(x, 1.0)
    return out.astype(dt, copy=False) if np.result_type(out) != dt else out


def _yn_at_zero(nv):  # Y_(−n) = (−1)ⁿ·Y_n
    odd = np.equal(np.remainder(np.where(np.isfinite(nv), nv, 0), 2), 1)
    return np.where(nv >= 0, np.inf, np.where(odd, -np.inf, np.inf))


_YN_PARTS = _second_kind_parts(lambda n, x: 0.5 * (yn(n - 1, x) - yn(n + 1, x)), _yn_at_zero)
yn = elementwise(
    "yn", _yn_forward,
    d={"n": _no_derivative("yn", "the order n", "an integer order"), "x": _slope(_YN_PARTS)},
    vjp={"x": _steep(_YN_PARTS)}, jvp={"x": _steep(_YN_PARTS)},
    jax=_ref_yv, numpy="scipy.special.yn", symbol="diag((Y_(n−1)(x) − Y_(n+1)(x))/2) in x",
    doc="the Bessel function of the second kind Y_n(x) of integer order n (x > 0; a non-integer "
        "n raises, where SciPy truncates it); no derivative in n",
    examples=[Example((_NV, (3, 1)), diff=(1,), domain=("real", "positive"))])


def _fixed(parts_of_order):
    return lambda out, x: parts_of_order(out, 0, x)


_NEG_INF, _POS_INF = _at(-np.inf), _at(np.inf)
j0 = _unary("j0", lambda out, x: -j1(x), lambda jnp, x: _ref_jv(jnp, 0, x), "diag(−J₁(x))",
            "the Bessel function of the first kind of order 0, J₀(x)", domain="real", steep=False,
            examples=[Example(((2, 3),)), Example((np.array([-12.5, 0.0, 7.3, 25.0]),), diff=(0,))])
j1 = _unary("j1", lambda out, x: 0.5 * (j0(x) - jv(2, x)), lambda jnp, x: _ref_jv(jnp, 1, x),
            "diag((J₀(x) − J₂(x))/2)", "the Bessel function of the first kind of order 1, J₁(x)",
            domain="real", steep=False)
y0 = _unary("y0", _fixed(_second_kind_parts(lambda v, x: -y1(x), _POS_INF)),
            lambda jnp, x: _ref_yv(jnp, 0, x), "diag(−Y₁(x)), +inf at 0",
            "the Bessel function of the second kind of order 0, Y₀(x) (x > 0)")
y1 = _unary("y1", _fixed(_second_kind_parts(lambda v, x: 0.5 * (y0(x) - yn(2, x)), _POS_INF)),
            lambda jnp, x: _ref_yv(jnp, 1, x), "diag((Y₀(x) − Y₂(x))/2), +inf at 0",
            "the Bessel function of the second kind of order 1, Y₁(x) (x > 0)")
k0 = _unary("k0", _fixed(_second_kind_parts(lambda v, x: -k1(x), _NEG_INF)),
            lambda jnp, x: _ref_kv(jnp, 0, x), "diag(−K₁(x)), −inf at 0",
            "the modified Bessel function of the second kind of order 0, K₀(x) (x > 0)")
# K₁′ = −K₀ − K₁/x (the recurrence): SciPy's kv(2, x) underflows to 0 for x ≳ 690, where
# k0 and k1 are still normal numbers, so −(K₀ + K₂)/2 would halve the slope there
k1 = _unary("k1", _fixed(_second_kind_parts(lambda v, x: -k0(x) - k1(x) / x, _NEG_INF)),
            lambda jnp, x: _ref_kv(jnp, 1, x), "diag(−K₀(x) − K₁(x)/x), −inf at 0",
            "the modified Bessel function of the second kind of order 1, K₁(x) (x > 0)")
k0e = _unary("k0e", _fixed(_second_kind_parts(
                 lambda v, x: _large_z_slope("k", 0.0, x, lambda y, o: k0e(y) - k1e(y)), _NEG_INF)),
             lambda jnp, x: _ref_kv(jnp, 0, x, True), "diag(k0e(x) − k1e(x)), −inf at 0",
             "the exponentially scaled Bessel function e^x·K₀(x) (x > 0)")
k1e = _unary("k1e", _fixed(_second_kind_parts(lambda v, x: _large_z_slope(
                 "k", 1.0, x, lambda y, o: k1e(y) - 0.5 * (k0e(y) + kve(2, y))), _NEG_INF)),
             lambda jnp, x: _ref_kv(jnp, 1, x, True), "diag(k1e(x) − (k0e(x) + kve(2, x))/2), −inf at 0",
             "the exponentially scaled Bessel function e^x·K₁(x) (x > 0)")


# ---- erfcinv, rgamma -----------------------------------------------------------------------------
def _erfcinv_parts(out, x):
    steep = np.isinf(concrete(out))  # −inf at 0 and 2 (out = ±inf); NaN outside [0, 2]
    return _guarded(steep, -np.inf, lambda o: -_SQRT_PI_OVER_2 * exp(o * o), out), steep


def _ref_erfcinv(jnp, x):
    import jax.scipy.special as jss
    return -jss.ndtri(0.5 * x) / math.sqrt(2.0)


erfcinv = elementwise(
    "erfcinv", _in_float_of(special.erfcinv), d={"y": _slope(_erfcinv_parts)},
    vjp={"y": _steep(_erfcinv_parts)}, jvp={"y": _steep(_erfcinv_parts)}, jax=_ref_erfcinv,
    numpy="scipy.special.erfcinv", domain="positive",
    symbol="diag(−√π/2 · e^(erfcinv(y)²)), −inf at 0 and 2",
    doc="the inverse of erfc on [0, 2] (+inf at 0, −inf at 2)",
    examples=[Example(((2, 3),)), Example((np.array([0.01, 0.3, 1.0, 1.7, 1.99]),), diff=(0,))])


def _rgamma_reflected(z, low):
    """rgamma′ for z < ½ from 1/Γ(z) = sin(πz)·Γ(1 − z)/π, with sin(πz) = (−1)ⁿ·sin(πε),
    ε = z − n exact for the nearest integer n: accurate near the poles of Γ (where −ψ·rgamma
    loses the digits of sin(πz)), exact at them ((−1)ᵏ·k! at z = −k), and at every order."""
    n = np.where(low, np.round(concrete(z)), 0.0)
    sgn = np.where(np.equal(np.remainder(n, 2), 1), -1.0, 1.0)
    eps = where(low, z - n, 0.0)
    w = where(low, 1 - z, 1.0)
    g = gamma(w)
    return sgn * (cos(math.pi * eps) * g - sin(math.pi * eps) * (1 / math.pi) * g * digamma(w))


def _rgamma_parts(out, z):
    zv = concrete(z)
    far = zv < _FAR_POLE  # Γ(1 − z) overflows: there −ψ·rgamma, and ±inf at the poles
    far_pole = far & _pole(zv) & np.isfinite(zv)
    low = (zv < 0.5) & ~far
    odd = np.equal(np.remainder(np.where(far_pole, zv, 0.0), 2), 1)
    fill = np.where(far_pole, np.where(odd, -np.inf, np.inf),
                    np.where(np.equal(zv, np.inf) | low, 0.0, np.nan))
    fill = _fill_like(fill, out)
    # NaN where the value overflowed (z < −170), and at z = −inf
    off = far_pole | np.isinf(zv) | low | ~np.isfinite(concrete(out))
    slope = _guard(off, fill, lambda o, s: -digamma(s) * o, (out, z), (z,))
    if may_any(low):
        slope = where(low, _rgamma_reflected(z, low), slope)
    return slope, np.broadcast_to(far_pole, np.shape(fill))


def _ref_rgamma(jnp, z):
    """1/Γ(z), for z < ½ by the reflection formula sin(πz)·Γ(1 − z)/π (0 at the poles)."""
    import jax.scipy.special as jss
    low = z < 0.5
    zl, zh = jnp.where(low, z, 0.0), jnp.where(low, 1.0, z)
    n = jnp.round(zl)  # sin(πz) = (−1)ⁿ·sin(π(z − n)): exact near the poles
    sgn = 1.0 - 2.0 * jnp.remainder(n, 2)
    return jnp.where(low, sgn * jnp.sin(jnp.pi * (zl - n)) * jss.gamma(1 - zl) / jnp.pi,
                     1 / jss.gamma(zh))


rgamma = elementwise(
    "rgamma", _in_float_of(special.rgamma), d={"z": _slope(_rgamma_parts)},
    vjp={"z": _steep(_rgamma_parts)}, jvp={"z": _steep(_rgamma_parts)}, jax=_ref_rgamma,
    numpy="scipy.special.rgamma", domain="real", symbol="diag(−ψ(z)/Γ(z)), (−1)ᵏk! at z = −k",
    doc="1/Γ(z), the reciprocal of the gamma function (entire: 0 at the poles of Γ, with slope "
        "(−1)ᵏ·k! at z = −k; JAX has no rgamma)",
    examples=[Example(((2, 3),)),
              Example((np.array([0.0, -1.0, -2.0, -3.0, -0.5, -2.7, 4.5, -1.0 + 1e-9]),), diff=(0,))])


# ---- huber, pseudo_huber ---------------------------------------------------------------------------
def _huber_masks(delta, r):
    dv, rv = concrete(delta), concrete(r)
    bad = np.logical_not(np.greater_equal(dv, 0)) | (np.isinf(dv) & np.isinf(rv))  # inf (delta < 0), NaN, or inf·inf
    return bad, np.less_equal(np.abs(rv), dv)


def _huber_dr(out, delta, r):
    bad, inner = _huber_masks(delta, r)
    # (delta·sign(r) is not evaluated where r is inside: delta = inf and r = 0 would give inf·0)
    return _guard(bad, np.nan, lambda d, x: where(inner, x, where(inner, 1.0, d) * sign(x)),
                  (delta, r), (delta, r))


def _huber_ddelta_parts(out, delta, r):
    bad, inner = _huber_masks(delta, r)
    steep = np.broadcast_to(np.isinf(concrete(r)) & ~bad, np.shape(concrete(out)))
    return _guard(bad, np.nan, lambda d, x: where(inner, 0.0, _abs(x) - d), (delta, r),
                  (delta, r)), steep


huber = elementwise(
    "huber", _in_float_of(special.huber),
    d={"delta": _slope(_huber_ddelta_parts), "r": _huber_dr},
    vjp={"delta": _steep(_huber_ddelta_parts)}, jvp={"delta": _steep(_huber_ddelta_parts)},
    numpy="scipy.special.huber", domain=("positive", "real"),
    jax=lambda jnp, delta, r: jnp.where(delta < 0, jnp.inf, jnp.where(
        jnp.abs(r) <= delta, 0.5 * r * r, delta * (jnp.abs(r) - 0.5 * delta))),
    symbol="diag(0 or |r| − δ), diag(r or δ·sign(r))",
    doc="the Huber loss: r²/2 for |r| ≤ delta, delta·(|r| − delta/2) beyond, inf for delta < 0 "
        "(slopes NaN there); ∂/∂delta at delta = 0 is the one-sided |r|",
    examples=[Example(((3, 1), (1, 4)))])


def _pseudo_huber_masks(delta, r):
    dv, rv = concrete(delta), concrete(r)
    ok = (dv >= 0) & np.isfinite(dv)
    at0 = ok & np.equal(dv, 0) & np.equal(rv, 0)  # the value is 0 on the line delta = 0
    far = ok & np.isinf(rv)
    return np.logical_not(ok) | at0 | far | np.isnan(rv), at0, far, rv


def _pseudo_huber_dr(out, delta, r):
    bad, at0, far, rv = _pseudo_huber_masks(delta, r)
    dv = np.where(far, concrete(delta), 0.0)  # delta·sign(r) only where it is the limit
    fill = _fill_like(np.where(at0, 0.0, np.where(far, dv * np.sign(rv), np.nan)), out)
    return _guard(bad, fill, lambda d, x: d * (x / hypot(d, x)), (delta, r), (delta, r))


def _pseudo_huber_ddelta_parts(out, delta, r):
    bad, at0, far, _ = _pseudo_huber_masks(delta, r)
    fill = _fill_like(np.where(at0, 0.0, np.where(far, np.inf, np.nan)), out)

    def f(d, x):  # (q − δ)²/q, q − δ = r²/(q + δ) computed without cancellation
        q = hypot(d, x)
        a = x * (x / (q + d))
        return a * (a / q)
    return _guard(bad, fill, f, (delta, r), (delta, r)), np.broadcast_to(far, np.shape(fill))


pseudo_huber = elementwise(
    "pseudo_huber", _in_float_of(special.pseudo_huber),
    d={"delta": _slope(_pseudo_huber_ddelta_parts), "r": _pseudo_huber_dr},
    vjp={"delta": _steep(_pseudo_huber_ddelta_parts)},
    jvp={"delta": _steep(_pseudo_huber_ddelta_parts)},
    numpy="scipy.special.pseudo_huber", domain=("positive", "real"),
    jax=lambda jnp, delta, r: r * r / (jnp.sqrt(1 + (r / delta) ** 2) + 1),
    symbol="diag((q − δ)²/q), diag(δr/q), q = √(δ² + r²)",
    doc="the pseudo-Huber loss delta²·(√(1 + (r/delta)²) − 1) (inf for delta < 0, slopes NaN "
        "there); ∂/∂delta at delta = 0 is the one-sided |r|",
    examples=[Example(((3, 1), (1, 4)))])



# ---- the Faddeeva function ---------------------------------------------------------------
def _wofz_forward(z):
    """SciPy's w(z), complex: complex64 for float16, float32 and complex64 input (as JAX's;
    SciPy computes those in double precision), complex128 otherwise."""
    z = np.asarray(z)
    if z.dtype.kind in "biu":
        z = z.astype(np.float64)
    out = special.wofz(z)
    return out.astype(np.complex64) if z.dtype.itemsize <= 4 or z.dtype == np.complex64 else out


_TWO_I_OVER_ROOT_PI = 2j / math.sqrt(math.pi)

#: w(z) = e^(−z²) erfc(−iz) is entire: its rules are the holomorphic g·w′(z), with
#: w′(z) = 2i/√π − 2z·w(z); a real z meets a complex value (its gradient is the real part)
wofz = elementwise(
    "wofz", _wofz_forward, d={"x": lambda out, x: _TWO_I_OVER_ROOT_PI - 2 * x * out},
    numpy="scipy.special.wofz", jax="jax.scipy.special.wofz", domain="real", complex=True,
    symbol="diag(2i/√π − 2z·w(z))",
    doc="the Faddeeva function w(z) = e^(−z²)·erfc(−iz), complex (also for real z)",
    examples=[Example(((2, 3),))])

__all__ = ["j0", "j1", "y0", "y1", "jv", "jn", "yv", "yn", "iv", "ive", "kv", "kve", "k0", "k1", "k0e",
           "k1e", "erfcinv", "rgamma", "huber", "pseudo_huber", "wofz"]
