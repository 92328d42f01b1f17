"""Bessel functions of real order (j0, j1, y0, y1, jv/jn, yv, yn, iv, ive, kv, kve, k0, k1,
k0e, k1e), erfcinv, rgamma, huber and pseudo_huber in tg.special.

Values against SciPy (negative z, z = 0, large z); first derivatives against central
differences of SciPy and against mpmath; second derivatives (reverse over reverse, forward
over forward, Hessians) against the differential equation each function satisfies; against
JAX where it has the function (bessel_jn, i0e/i1e, ndtri, gamma); NumPy/SciPy dispatch on
traced values; the special points (z = 0, z < 0, the poles of Γ, delta < 0) without NumPy
warnings; and the error for a derivative in the order.
"""
import warnings

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import mpmath
import numpy as np
import pytest
import scipy.special as sp

import tensorgrad as tg
from tensorgrad import special as ts

jax.config.update("jax_enable_x64", True)

ORDER_FNS = ["jv", "yv", "iv", "ive", "kv", "kve"]
UNARY_FNS = ["j0", "j1", "y0", "y1", "k0", "k1", "k0e", "k1e"]
V = np.array([0.0, 1.0, 2.0, 0.5, 1.7, -1.3, -2.0, 4.0])[:, None]
Z = np.array([-7.5, -1.0, -0.0, 0.0, 0.3, 2.0, 9.5, 60.0, 700.0, np.inf, np.nan])
POS = np.array([0.4, 1.1, 3.7, 12.0, 45.0])  # inside every domain, small to large


def _close(got, want, rtol=1e-10, atol=0.0):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=rtol, atol=atol)


def d1(f, z):
    """f′ elementwise, by reverse mode (the gradient of the sum of an elementwise f)."""
    return tg.grad(lambda u: tg.sum(f(u)))(z)


def d2(f, z):
    """f″ elementwise, reverse over reverse."""
    return tg.grad(lambda u: tg.sum(d1(f, u)))(z)


def fwd2(f, z):
    """f″ elementwise, forward over forward."""
    one = np.ones_like(z)
    return tg.jvp(lambda u: tg.jvp(f, (u,), (one,))[1], (z,), (one,))[1]


# ---- values --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ORDER_FNS)
def test_order_functions_are_scipys_values(name):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = getattr(ts, name)(V, Z)
    np.testing.assert_array_equal(out, getattr(sp, name)(V, Z))
    assert out.dtype == np.float64 and out.shape == (V.size, Z.size)


def test_fixed_order_and_integer_order_values():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in UNARY_FNS:
            np.testing.assert_array_equal(getattr(ts, name)(Z), getattr(sp, name)(Z))
        n = np.array([-3, -1, 0, 1, 2, 5])[:, None]
        np.testing.assert_array_equal(ts.yn(n, Z), sp.yn(n, Z))
        np.testing.assert_array_equal(ts.yn(n.astype(float), Z), sp.yn(n, Z))
        x = np.array([-1.0, 0.0, 1e-300, 0.3, 1.0, 1.7, 2.0, 2.5])
        np.testing.assert_array_equal(ts.erfcinv(x), sp.erfcinv(x))
        g = np.array([-np.inf, -172.5, -3.0, -2.5, -1.0, -0.0, 0.0, 0.5, 4.0, 171.0, 300.0, np.inf])
        np.testing.assert_array_equal(ts.rgamma(g), sp.rgamma(g))
        d, r = np.array([-1.0, 0.0, 0.5, 2.0])[:, None], np.array([-3.0, -0.2, 0.0, 0.4, 5.0, np.inf])
        np.testing.assert_array_equal(ts.huber(d, r), sp.huber(d, r))
        np.testing.assert_array_equal(ts.pseudo_huber(d, r), sp.pseudo_huber(d, r))
    assert ts.jn is ts.jv and tg.jn is tg.jv  # SciPy's jn is its jv
    assert ts.softplus is tg.softplus


def test_float32_stays_float32():
    z = POS.astype(np.float32)
    for f in [ts.j0, ts.k1e, lambda u: ts.jv(2.5, u), lambda u: ts.yn(np.array([1, 2, 0, 3, 1]), u),
              lambda u: ts.kve(1, u), ts.rgamma, lambda u: ts.huber(np.float32(1.0), u)]:
        assert f(z).dtype == np.float32
        assert d1(f, z).dtype == np.float32
    np.testing.assert_allclose(ts.jv(2.5, z), sp.jv(2.5, POS), rtol=1e-5, atol=1e-7)


def test_yn_needs_integer_orders():
    with pytest.raises(ValueError, match="yn: n must hold integer orders.*yv"):
        ts.yn(1.5, 2.0)
    with pytest.raises(TypeError, match="yn"):
        ts.yn(np.array(["a"]), 2.0)


# ---- first derivatives -------------------------------------------------------------------
def _fd(fn, z, h=1e-6):
    return (fn(z + h) - fn(z - h)) / (2 * h)


@pytest.mark.parametrize("name", ORDER_FNS)
def test_order_functions_first_derivative(name):
    f, sf = getattr(ts, name), getattr(sp, name)
    v = np.array([0.0, 1.0, 2.5, -1.3, 3.0])[:, None]
    z = POS[:4]
    got = d1(lambda u: f(v, u), np.broadcast_to(z, (5, 4)).copy())
    scale = np.maximum(np.abs(sf(v, z)), 1.0)
    np.testing.assert_allclose(got / scale, _fd(lambda u: sf(v, u), z) / scale, atol=1e-8)
    # against mpmath's exact derivative at two points
    for vi, zi in [(2.5, 1.1), (-1.3, 3.7)]:
        tz = mpmath.mpf(zi)
        ref = {"jv": lambda: mpmath.besselj(vi, tz, 1), "yv": lambda: mpmath.bessely(vi, tz, 1),
               "iv": lambda: mpmath.besseli(vi, tz, 1),
               "kv": lambda: mpmath.diff(lambda t: mpmath.besselk(vi, t), tz),
               "ive": lambda: mpmath.diff(lambda t: mpmath.besseli(vi, t) * mpmath.exp(-t), tz),
               "kve": lambda: mpmath.diff(lambda t: mpmath.besselk(vi, t) * mpmath.exp(t), tz)}
        _close(tg.grad(lambda u: f(vi, u))(zi), float(ref[name]()), 1e-12)


def test_fixed_orders_are_the_order_functions():
    z = np.concatenate([POS, [-2.0, 0.0]])
    pairs = [("j0", lambda u: ts.jv(0, u)), ("j1", lambda u: ts.jv(1, u)),
             ("y0", lambda u: ts.yv(0, u)), ("y1", lambda u: ts.yn(1, u)),
             ("k0", lambda u: ts.kv(0, u)), ("k1", lambda u: ts.kv(1, u)),
             ("k0e", lambda u: ts.kve(0.0, u)), ("k1e", lambda u: ts.kve(1.0, u)),
             ("i0", lambda u: ts.iv(0, u)), ("i1", lambda u: ts.iv(1.0, u)),
             ("i0e", lambda u: ts.ive(0, u)), ("i1e", lambda u: ts.ive(1, u))]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, g in pairs:
            f = getattr(ts, name)
            _close(d1(f, z), d1(g, z), 1e-12)
            _close(d2(f, z), d2(g, z), 1e-10)


def test_against_jax_where_it_has_the_function():
    z = np.array([1.2, 1.9, 2.6, 3.0])  # bessel_jn's recurrence is accurate here (not near 0)
    jn_ref = jax.jit(lambda u: jax.vmap(jax.grad(lambda t: jss.bessel_jn(t, v=3)[3]))(u))
    _close(d1(lambda u: ts.jv(3, u), z), jn_ref(z), 1e-10)
    x = np.array([-4.0, -0.7, 0.0, 0.4, 2.5, 30.0])
    for ours, theirs in [(lambda u: ts.ive(0, u), jss.i0e), (lambda u: ts.ive(1, u), jss.i1e)]:
        g1 = jax.jit(jax.grad(lambda u: jnp.sum(theirs(u))))
        g2 = jax.jit(jax.grad(lambda u: jnp.sum(jax.grad(lambda t: jnp.sum(theirs(t)))(u))))
        _close(d1(ours, x), g1(x), 1e-10, 1e-14)
        _close(d2(ours, x), g2(x), 1e-10, 1e-14)
    y = np.array([0.01, 0.4, 1.0, 1.5, 1.999])
    ref = jax.jit(jax.grad(lambda u: jnp.sum(-jss.ndtri(u / 2) / np.sqrt(2.0))))
    _close(d1(ts.erfcinv, y), ref(y), 1e-10)
    g = np.array([0.3, 1.0, 2.5, 7.0])
    ref = jax.jit(jax.grad(lambda u: jnp.sum(jax.grad(lambda t: jnp.sum(1 / jss.gamma(t)))(u))))
    _close(d2(ts.rgamma, g), ref(g), 1e-10)


# ---- second derivatives: the differential equations --------------------------------------
def _residual(name, v, z, y, y1, y2):
    """The ODE each function satisfies, as (residual, scale)."""
    sign = 1.0 if name in ("jv", "yv") else -1.0
    if name in ("jv", "yv", "iv", "kv"):  # z²y″ + zy′ + (±z² − v²)y = 0
        terms = [z * z * y2, z * y1, (sign * z * z - v * v) * y]
    elif name == "ive":  # y = e^(−z)·I_v (z > 0): z²y″ + (2z² + z)y′ + (z − v²)y = 0
        terms = [z * z * y2, (2 * z * z + z) * y1, (z - v * v) * y]
    else:  # kve, y = e^z·K_v: z²y″ + (z − 2z²)y′ − (z + v²)y = 0
        terms = [z * z * y2, (z - 2 * z * z) * y1, -(z + v * v) * y]
    return sum(terms), sum(np.abs(t) for t in terms)


@pytest.mark.parametrize("name", ORDER_FNS)
def test_second_derivative_solves_the_ode(name):
    f = getattr(ts, name)
    v = np.array([0.0, 1.0, 2.5, -1.3, 0.5])[:, None]
    z = np.broadcast_to(POS, (5, POS.size)).copy()
    y, y1, y2 = f(v, z), d1(lambda u: f(v, u), z), d2(lambda u: f(v, u), z)
    res, scale = _residual(name, v, z, y, y1, y2)
    assert np.all(np.abs(res) <= 1e-11 * scale), np.max(np.abs(res) / scale)
    _close(fwd2(lambda u: f(v, u), z), y2, 1e-12)
    # a Hessian of a scalar function: the diagonal of f″
    h = tg.hessian(lambda u: tg.sum(f(2.5, u)))(POS[:3])
    _close(h, np.diag(y2[2, :3]), 1e-12, 1e-300)


def test_integer_orders_solve_the_ode_at_negative_and_zero_z():
    z = np.array([-9.0, -2.2, -0.4, 0.0, 0.7, 25.0])
    for name, f in [("jv", ts.jv), ("iv", ts.iv)]:
        for v in [0, 1, 2, -3]:
            g = lambda u: f(v, u)  # noqa: E731
            res, scale = _residual(name, v, z, g(z), d1(g, z), d2(g, z))
            assert np.all(np.abs(res) <= 1e-11 * scale + 1e-300), (name, v)
    # J₂″(0) = 1/4, J₁‴(0) = −3/8, J₀⁗(0) = 3/8: the Maclaurin series, at any order
    _close(d2(lambda u: ts.jv(2, u), np.zeros(1)), [0.25], 1e-15)
    _close(tg.grad(tg.grad(tg.grad(ts.j1)))(0.0), -0.375, 1e-15)
    _close(tg.grad(tg.grad(tg.grad(tg.grad(ts.j0))))(0.0), 0.375, 1e-15)


def test_yn_solves_the_ode_and_third_derivative_matches_mpmath():
    n = np.array([0, 1, 3, -2])[:, None]
    z = np.broadcast_to(POS, (4, POS.size)).copy()
    g = lambda u: ts.yn(n, u)  # noqa: E731
    res, scale = _residual("yv", n, z, g(z), d1(g, z), d2(g, z))
    assert np.all(np.abs(res) <= 1e-11 * scale)
    third = tg.grad(tg.grad(tg.grad(lambda u: ts.jv(2.5, u))))(1.3)
    _close(third, float(mpmath.besselj(2.5, 1.3, 3)), 1e-12)


# ---- special points ----------------------------------------------------------------------
def _slopes(f, z):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        one = np.ones_like(z)
        fwd = tg.jvp(f, (z,), (one,))[1]
        rev = tg.vjp(f, z)[1](one)[0]
        second = fwd2(f, z)
    np.testing.assert_array_equal(fwd, rev)
    return fwd, second


def test_slopes_at_zero_and_outside_the_real_domain():
    z = np.array([-1.0, 0.0, 2.0])
    nan, inf = np.nan, np.inf
    want = {  # slope at z = −1 and 0; the next derivative at z = −1 and 0 is then NaN (or, for
              # a finite slope, the formula's)
        ("yv", 0.0): [nan, inf], ("yv", 2.5): [nan, inf], ("yv", -1.0): [nan, -inf],
        ("yv", -0.5): [nan, nan],  # Y_(−1/2) = J_(1/2) → 0, where SciPy says −inf
        ("kv", 0.3): [nan, -inf], ("kve", -2.0): [nan, -inf],
        ("jv", 0.5): [nan, inf], ("jv", -0.5): [nan, -inf], ("jv", -1.5): [nan, inf],
        ("jv", 2.5): [nan, 0.0], ("iv", 0.5): [nan, inf], ("iv", 1.5): [nan, 0.0],
        ("ive", 0.5): [nan, inf], ("ive", -0.5): [nan, nan],  # SciPy: ive(−0.5, 0) is NaN
        ("jv", 1.0): [sp.jvp(1, -1.0), 0.5], ("iv", 2.0): [sp.ivp(2, -1.0), 0.0],
    }
    for (name, v), w in want.items():
        f = getattr(ts, name)
        s1, s2 = _slopes(lambda u: f(v, u), z)
        np.testing.assert_array_equal(s1[:2], w, err_msg=f"{name}({v}, ·)")
        assert np.isfinite(s1[2]) and np.isfinite(s2[2])
        assert np.isnan(s2[0]) == np.isnan(w[0]), (name, v)  # NaN slope: NaN after it
        if np.isinf(w[1]) or np.isnan(w[1]):
            assert np.isnan(s2[1]), (name, v)
    for name, at0 in [("y0", inf), ("y1", inf), ("k0", -inf), ("k1", -inf), ("k0e", -inf),
                      ("k1e", -inf)]:
        s1, s2 = _slopes(getattr(ts, name), z)
        np.testing.assert_array_equal(s1[:2], [nan, at0])
        assert np.isnan(s2[0]) and np.isnan(s2[1]) and np.isfinite(s2[2])
    for n, at0 in [(0, inf), (2, inf), (-1, -inf), (-2, inf)]:
        np.testing.assert_array_equal(_slopes(lambda u: ts.yn(n, u), z)[0][:2], [nan, at0])


def test_a_zero_cotangent_at_an_infinite_slope_gives_zero():
    z = np.array([0.0, 1.0])
    for f in [ts.k0, ts.y1, lambda u: ts.kv(1.5, u), lambda u: ts.jv(0.3, u), ts.erfcinv]:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            g = tg.vjp(f, z)[1](np.array([0.0, 1.0]))[0]
        assert g[0] == 0.0 and np.isfinite(g[1])


def test_rgamma_at_and_near_the_poles():
    # (1/Γ)′(−k) = (−1)ᵏ·k!, finite where ψ has its poles; near them −ψ·rgamma would lose the
    # digits of sin(πz): the reflection formula keeps them
    k = np.arange(6)
    z = np.concatenate([-k.astype(float), [-1 + 1e-9, -3 + 1e-7, -0.5, -2.7, 0.4999, 4.5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g1, g2 = d1(ts.rgamma, z), d2(ts.rgamma, z)
    np.testing.assert_array_equal(g1[:6], (-1.0) ** k * sp.factorial(k))
    for zi, a, b in zip(z, g1, g2):
        tz = mpmath.mpf(zi)
        _close(a, float(mpmath.diff(mpmath.rgamma, tz)), 1e-13)
        _close(b, float(mpmath.diff(mpmath.rgamma, tz, 2)), 1e-12)
    _close(fwd2(ts.rgamma, z), g2, 1e-13)
    edges = np.array([np.inf, -np.inf, -172.0, -173.0, -172.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(_slopes(ts.rgamma, edges)[0], [0.0, np.nan, np.inf, -np.inf, np.nan])


def test_erfcinv_slopes():
    y = np.array([0.0, 0.2, 1.0, 1.8, 2.0, 2.5])
    s1, s2 = _slopes(ts.erfcinv, y)
    inner = y[1:4]
    _close(s1[1:4], -np.sqrt(np.pi) / 2 * np.exp(sp.erfcinv(inner) ** 2), 1e-14)
    _close(s1[1:4], _fd(sp.erfcinv, inner), 1e-8)
    _close(s2[1:4], _fd(lambda u: -np.sqrt(np.pi) / 2 * np.exp(sp.erfcinv(u) ** 2), inner), 1e-7)
    np.testing.assert_array_equal(s1[[0, 4, 5]], [-np.inf, -np.inf, np.nan])


# ---- huber, pseudo_huber -----------------------------------------------------------------
def test_huber_and_pseudo_huber_derivatives():
    d = np.array([0.5, 1.0, 2.0, 0.7])[:, None]
    r = np.array([-3.0, -0.9, -0.2, 0.3, 1.2, 4.0])
    dd, rr = np.broadcast_arrays(d, r)
    dd, rr = dd.copy(), rr.copy()
    for name in ["huber", "pseudo_huber"]:
        f, sf = getattr(ts, name), getattr(sp, name)
        gd, gr = tg.grad(lambda a, b: tg.sum(f(a, b)), argnums=(0, 1))(dd, rr)
        _close(gd, _fd(lambda a: sf(a, rr), dd), 1e-7, 1e-9)
        _close(gr, _fd(lambda b: sf(dd, b), rr), 1e-7, 1e-9)
        # second order: the Hessian blocks against differences of the first derivatives
        hdd = d2(lambda a: f(a, rr), dd)
        hrr = d2(lambda b: f(dd, b), rr)
        hdr = tg.grad(lambda b: tg.sum(tg.grad(lambda a: tg.sum(f(a, b)))(dd)))(rr)
        _close(hdd, _fd(lambda a: tg.grad(lambda u: tg.sum(f(u, rr)))(a), dd), 1e-6, 1e-8)
        _close(hrr, _fd(lambda b: tg.grad(lambda u: tg.sum(f(dd, u)))(b), rr), 1e-6, 1e-8)
        _close(hdr, _fd(lambda b: tg.grad(lambda u: tg.sum(f(u, b)))(dd), rr), 1e-6, 1e-8)
    # the closed forms: huber's branches, pseudo_huber's δr/q and (q − δ)²/q
    inner = np.abs(rr) <= dd
    gd, gr = tg.grad(lambda a, b: tg.sum(ts.huber(a, b)), argnums=(0, 1))(dd, rr)
    np.testing.assert_array_equal(gr, np.where(inner, rr, dd * np.sign(rr)))
    np.testing.assert_array_equal(gd, np.where(inner, 0.0, np.abs(rr) - dd))
    q = np.hypot(dd, rr)
    gd, gr = tg.grad(lambda a, b: tg.sum(ts.pseudo_huber(a, b)), argnums=(0, 1))(dd, rr)
    _close(gr, dd * rr / q, 1e-14)
    _close(gd, (q - dd) ** 2 / q, 1e-12)


def test_huber_special_points():
    d = np.array([-1.0, 0.0, 0.0, 1.0, 1.0, 2.0])
    r = np.array([0.5, 0.0, -2.0, np.inf, 1e-8, -np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name, want_d, want_r in [
                ("huber", [np.nan, 0.0, 2.0, np.inf, 0.0, np.inf], [np.nan, 0.0, -0.0, 1.0, 1e-8, -2.0]),
                # pseudo_huber's ∂/∂δ at (1, 1e−8) is r⁴/((q + δ)²q) = 2.5e−33
                ("pseudo_huber", [np.nan, 0.0, 2.0, np.inf, 2.5e-33, np.inf],
                 [np.nan, 0.0, 0.0, 1.0, 1e-8, -2.0])]:
            f = getattr(ts, name)
            gd, gr = tg.vjp(f, d, r)[1](np.array([1.0, 1.0, 1.0, 0.0, 1.0, 0.0]))
            _close(tg.jvp(lambda a: f(a, r), (d,), (np.ones(6),))[1], want_d, 1e-12)
            _close(tg.jvp(lambda b: f(d, b), (r,), (np.ones(6),))[1], want_r, 1e-12)
            assert np.isnan(gd[0]) and np.isnan(gr[0]) and gd[3] == 0.0 and gd[5] == 0.0
            # where the slope is undefined (delta < 0), so is the next derivative
            assert np.isnan(d2(lambda b: f(d, b), r)[0])


# ---- dispatch, errors, jit ---------------------------------------------------------------
def test_scipy_special_dispatches_on_traced_values():
    z = POS[:4]

    def through_scipy(u):
        return (sp.j0(u) + sp.jv(2.5, u) + sp.jn(2, u) + sp.yn(1, u) + sp.kve(0.5, u) + sp.k1e(u)
                + sp.iv(1.5, u) + sp.rgamma(u) + sp.erfcinv(u / 50) + sp.huber(1.0, u)
                + sp.pseudo_huber(u, 2.0) + sp.softplus(u) + sp.y1(u) + sp.ive(0.3, u))

    def through_tg(u):
        return (ts.j0(u) + ts.jv(2.5, u) + ts.jn(2, u) + ts.yn(1, u) + ts.kve(0.5, u) + ts.k1e(u)
                + ts.iv(1.5, u) + ts.rgamma(u) + ts.erfcinv(u / 50) + ts.huber(1.0, u)
                + ts.pseudo_huber(u, 2.0) + ts.softplus(u) + ts.y1(u) + ts.ive(0.3, u))
    _close(d1(through_scipy, z), d1(through_tg, z), 1e-14)
    _close(d2(through_scipy, z), d2(through_tg, z), 1e-14)
    out = sp.kv(1.5, tg.Tensor(z))
    _close(np.asarray(out), sp.kv(1.5, z), 1e-15)


@pytest.mark.parametrize("name", ["jv", "yv", "iv", "ive", "kv", "kve"])
def test_no_derivative_in_the_order(name):
    f = getattr(ts, name)
    with pytest.raises(NotImplementedError, match=f"{name}: no derivative in the order v"):
        tg.grad(lambda v: f(v, 2.0))(1.5)
    with pytest.raises(NotImplementedError, match=f"{name}: no derivative in the order v"):
        tg.grad(lambda v, z: tg.sum(f(v, z)), argnums=(0, 1))(np.array([0.5, 2.0]), np.array([1.0, 3.0]))
    # the order held constant (even as a traced value) is fine
    assert np.isfinite(tg.grad(lambda z, v: f(v, z))(2.0, 1.5))


def test_no_derivative_in_the_integer_order_of_yn():
    with pytest.raises(NotImplementedError, match="yn: no derivative in the order n"):
        tg.grad(lambda n: ts.yn(n, 2.0))(1.0)
    with pytest.raises(NotImplementedError, match="jv: no derivative in the order v"):
        tg.grad(lambda n: sp.jn(n, 2.0))(1.0)


def test_under_jit_the_branches_follow_the_new_values():
    for f in [lambda u: ts.jv(0.5, u), lambda u: ts.yv(1.0, u), lambda u: ts.kve(2.0, u),
              ts.rgamma, lambda u: ts.huber(1.0, u)]:
        g = tg.grad(lambda u: tg.sum(f(u)))
        jg = tg.jit(g)
        a = np.array([0.5, 1.5, 2.0])
        _close(jg(a), g(a), 1e-14)
        b = np.array([-1.0, 3.0, 0.0])  # NaN, finite and infinite slopes the trace never saw
        np.testing.assert_array_equal(jg(b), g(b))
        assert jg.cache_size() == 1


def test_huber_slope_with_a_python_number_delta():
    # ~(2.0 >= 0) is ~True = -2 (truthy): every entry was taken for a bad delta, NaN slopes
    r = np.array([0.5, 1.0, 3.0, -5.0])
    for delta in (2.0, 2, np.float64(2.0)):
        g = tg.grad(lambda v: tg.sum(tg.special.huber(delta, v)))(r)
        np.testing.assert_array_equal(g, [0.5, 1.0, 2.0, -2.0])


def _scaled_derivatives(kind, v, z):
    """(f′, f″) of kve (kind "k") or ive ("i") at z > 0 from mpmath's K_v, I_v and the Bessel
    equation (f = e^(±z)·C_v, C″ = −C′/z + (1 ± v²/z²)·C with the modified functions' signs)."""
    with mpmath.workdps(60):  # (f′ and f″ cancel by ~1/z and ~1/z² relative: 24 digits at 1e12)
        v, z = mpmath.mpf(v), mpmath.mpf(z)
        if kind == "k":
            c = mpmath.besselk(v, z)
            c1 = -(mpmath.besselk(v - 1, z) + mpmath.besselk(v + 1, z)) / 2
            e, sg = mpmath.exp(z), 1
        else:
            c = mpmath.besseli(v, z)
            c1 = (mpmath.besseli(v - 1, z) + mpmath.besseli(v + 1, z)) / 2
            e, sg = mpmath.exp(-z), -1
        c2 = -c1 / z + (1 + v * v / (z * z)) * c
        return float(e * (c1 + sg * c)), float(e * (c2 + 2 * sg * c1 + c))


@pytest.mark.parametrize("name", ["kve", "ive", "k0e", "k1e", "i0e", "i1e"])
def test_scaled_slopes_keep_their_digits_for_large_z(name):
    # the recurrence slopes cancel like 1/z (NaN near 1e10); beyond |z| = 50 + v² the slope
    # is the derivative of the large-z expansion: full precision, at every order
    orders = {"kve": [0.0, 2.5], "ive": [1.0, 2.0], "k0e": [0.0], "k1e": [1.0], "i0e": [0.0],
              "i1e": [1.0]}[name]
    scaled_i = name[0] == "i"
    zs = [40.0, 60.0, 3e3, 1e12] + ([-80.0, -1e9] if scaled_i else [])
    for v in orders:
        fn = (lambda z: getattr(ts, name)(v, z)) if name in ("kve", "ive") else getattr(ts, name)
        d1 = tg.vmap(tg.grad(fn))(np.array(zs))
        d2 = tg.vmap(tg.grad(tg.grad(fn)))(np.array(zs))
        for z, a, b in zip(zs, d1, d2):
            r1, r2 = _scaled_derivatives(name[0], v, abs(z))
            if z < 0:  # ive(v, z) = (−1)^v·ive(v, |z|) for integer v
                r1, r2 = -(-1) ** v * r1, (-1) ** v * r2
            assert abs(a - r1) <= 1e-13 * abs(r1), (name, v, z, a, r1)
            assert abs(b - r2) <= 1e-12 * abs(r2), (name, v, z, b, r2)
    if name[1].isdigit():  # k0e, k1e, i0e, i1e are 0 at inf, with slope 0; kve/ive are NaN
        assert tg.grad(fn)(np.inf) == 0.0
    else:
        assert np.isnan(tg.grad(fn)(np.inf))