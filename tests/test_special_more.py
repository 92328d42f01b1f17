"""More of jax.scipy.special: gamma, loggamma, gammasgn, beta, betaln, poch, multigammaln,
factorial, entr, rel_entr, kl_div, ndtri, erfcx, dawsn, exp1, expi.

Values against SciPy (the forward is SciPy's) and JAX; first and second derivatives (reverse
and forward mode, mixed partials of the two-input ops) against JAX in float64; the special
points (poles, domain edges, 0) against the conventions of tensorgrad/ops/special_fns.py,
which follow JAX where JAX is mathematically right and differ where it is not (each place is
named below); the removable zeros of poch and beta against closed forms; float32; SciPy
dispatch inside tg.grad; and tg.jit replaying the special branches on values it never traced.

JAX 0.10 cannot differentiate its exp1 twice (a TypeError inside a trace), so exp1's second
derivative is checked against the closed form e^(−x)(x + 1)/x².
"""
import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import mpmath
import numpy as np
import pytest
import scipy.special as sp

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)

UNARY = ["gamma", "loggamma", "factorial", "entr", "ndtri", "erfcx", "dawsn", "exp1", "expi"]
BINARY = ["beta", "betaln", "poch", "rel_entr", "kl_div"]
ALL = UNARY + BINARY + ["gammasgn", "multigammaln"]

# points inside each domain, including 0 where it is an ordinary point, negative arguments
# of Γ between its poles, and far-out values
POINTS = {
    "gamma": [-4.2, -2.6, -1.5, -0.5, 0.3, 1.0, 2.0, 3.7, 10.0],
    "loggamma": [0.3, 1.0, 2.0, 3.7, 10.0, 50.0],
    "factorial": [-2.5, -0.5, 0.0, 0.2, 1.0, 2.5, 4.0],
    "entr": [0.1, 0.5, 1.0, 3.0],
    "ndtri": [0.001, 0.3, 0.5, 0.9, 0.999],
    "erfcx": [-3.0, -0.5, 0.0, 0.5, 2.0, 9.0, 30.0],
    "dawsn": [-6.0, -1.0, 0.0, 0.5, 2.0, 12.0],
    "exp1": [0.1, 0.5, 1.0, 3.0, 10.0],
    "expi": [-5.0, -1.0, -0.2, 0.2, 1.0, 5.0],
}
PAIRS = {
    # no a = b: jax.scipy.special.betaln sorts (a, b) with minimum/maximum, whose tie rule
    # splits the derivative there and so gets second derivatives wrong (see the test below)
    "beta": ([0.3, 1.0, 2.5, 0.7, 4.0, -0.5, 1.5, -2.5], [0.8, 1.3, 0.4, 3.0, 2.5, 0.7, -0.3, 3.2]),
    "poch": ([0.3, 1.0, 2.5, 1.5, -0.5, -2.5, 4.0, 1.5], [0.8, 2.0, -0.4, 0.0, 1.2, 0.7, -1.5, 3.0]),
    "rel_entr": ([0.1, 0.5, 1.0, 2.0, 3.0], [0.3, 0.5, 2.0, 0.1, 3.0]),
}
PAIRS["betaln"] = PAIRS["beta"]
PAIRS["kl_div"] = PAIRS["rel_entr"]


def _close(got, want, rtol=1e-10, atol=1e-12):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape, (got.shape, want.shape)
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol)


def _strict():
    """No division by zero, no invalid operation (0·inf, inf − inf, log of a negative)."""
    return np.errstate(divide="raise", invalid="raise")


def _tg_unary(f, x):
    d1 = tg.grad(lambda v: tg.sum(f(v)))
    d2 = tg.grad(lambda v: tg.sum(d1(v)))
    return f(x), d1(x), d2(x)


def _jax_unary(f, x, second=True):
    d1 = jax.grad(lambda v: jnp.sum(f(v)))
    d2 = jax.grad(lambda v: jnp.sum(d1(v)))
    run = (lambda v: (f(v), d1(v), d2(v))) if second else (lambda v: (f(v), d1(v)))
    return [np.asarray(r) for r in jax.jit(run)(jnp.asarray(x))]


def _tg_binary(f, a, b):
    """value, (∂a, ∂b), (∂aa, ∂ab, ∂bb), elementwise."""
    s = lambda u, v: tg.sum(f(u, v))  # noqa: E731
    ga, gb = tg.grad(s, argnums=(0, 1))(a, b)
    haa, hab = tg.grad(lambda u, v: tg.sum(tg.grad(s, argnums=0)(u, v)), argnums=(0, 1))(a, b)
    hbb = tg.grad(lambda u, v: tg.sum(tg.grad(s, argnums=1)(u, v)), argnums=1)(a, b)
    return f(a, b), (ga, gb), (haa, hab, hbb)


def _jax_binary(f, a, b):
    s = lambda u, v: jnp.sum(f(u, v))  # noqa: E731

    def run(a, b):
        ga, gb = jax.jit(jax.grad(s, argnums=(0, 1)))(a, b)
        haa, hab = jax.jit(jax.grad(lambda u, v: jnp.sum(jax.grad(s, argnums=0)(u, v)), argnums=(0, 1)))(a, b)
        hbb = jax.jit(jax.grad(lambda u, v: jnp.sum(jax.grad(s, argnums=1)(u, v)), argnums=1))(a, b)
        return f(a, b), (ga, gb), (haa, hab, hbb)
    return jax.tree_util.tree_map(np.asarray, jax.jit(run)(jnp.asarray(a), jnp.asarray(b)))


# ---- values ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", UNARY + ["gammasgn"])
def test_unary_values_match_scipy_and_jax(name):
    x = np.array(POINTS.get(name, POINTS["gamma"]))
    out = getattr(tg, name)(x)
    _close(out, getattr(sp, name)(x), 1e-15, 0)
    _close(out, getattr(jss, name)(jnp.asarray(x)), 1e-12)
    assert getattr(tg.special, name) is getattr(tg, name) and name in tg.REGISTRY


@pytest.mark.parametrize("name", BINARY)
def test_binary_values_match_scipy_and_jax(name):
    a, b = map(np.array, PAIRS[name])
    out = getattr(tg, name)(a, b)
    _close(out, getattr(sp, name)(a, b), 1e-15, 0)
    _close(out, getattr(jss, name)(jnp.asarray(a), jnp.asarray(b)), 1e-12)
    # broadcasting: a column against a row
    _close(getattr(tg, name)(a[:, None], b[None, :]), getattr(sp, name)(a[:, None], b[None, :]), 1e-15, 0)
    assert getattr(tg.special, name) is getattr(tg, name)
    # JAX's keyword names
    names = {"beta": ("a", "b"), "betaln": ("a", "b"), "poch": ("z", "m")}.get(name)
    if names:
        kw = dict(zip(names, (a, b)))
        _close(getattr(tg, name)(**kw), getattr(jss, name)(**kw), 1e-12)


def test_multigammaln_values_and_domain():
    a = np.array([1.6, 2.0, 3.3, 7.5])
    for d in (0, 1, 2, 3, 5):  # (d = 0: zeros; SciPy gives one 0.0 for any a)
        x = a + max(d - 1, 0) / 2
        _close(tg.multigammaln(x, d), np.broadcast_to(sp.multigammaln(x, d), x.shape), 1e-15, 0)
        _close(tg.multigammaln(x, d), jss.multigammaln(jnp.asarray(x), d), 1e-12)
    with pytest.raises(ValueError):  # SciPy's domain a > (d − 1)/2 (JAX returns inf there)
        tg.multigammaln(np.array([0.4, 2.0]), 2)
    for bad in (1.5, -2):
        with pytest.raises(ValueError, match="non-negative integer"):
            tg.multigammaln(a, bad)


def test_factorial_is_gamma_of_n_plus_one_and_zero_below_zero():
    n = np.array([-3.0, -1.0, -0.5, 0.0, 0.5, 3.0, 7.0])
    _close(tg.factorial(n), sp.factorial(n, exact=False), 1e-15, 0)
    _close(tg.factorial(n), jss.factorial(jnp.asarray(n)), 1e-12)
    assert tg.factorial(n).tolist()[:3] == [0.0, 0.0, 0.0]
    with pytest.raises(NotImplementedError, match="exact=True"):
        tg.factorial(n, exact=True)


def test_gammasgn_carries_no_gradient():
    x = np.array([0.0, -0.0, -0.5, -1.5, -2.5, 2.0])
    assert tg.gammasgn(x).tolist() == [1.0, -1.0, -1.0, 1.0, -1.0, 1.0]
    assert np.isnan(tg.gammasgn(-1.0))
    g = tg.grad(lambda v: tg.sum(tg.gammasgn(v) * v))(x[2:])
    _close(g, tg.gammasgn(x[2:]), 0, 0)  # only the factor v differentiates
    # gamma = gammasgn · exp(gammaln), also under differentiation
    h = tg.grad(lambda v: tg.sum(tg.gammasgn(v) * tg.exp(tg.gammaln(v))))(x[2:])
    _close(h, tg.grad(lambda v: tg.sum(tg.gamma(v)))(x[2:]), 1e-12)


# ---- derivatives against JAX ------------------------------------------------------------------

@pytest.mark.parametrize("name", UNARY)
def test_unary_first_and_second_derivatives_match_jax(name):
    f, x = getattr(tg, name), np.array(POINTS[name])
    with _strict():
        val, d1, d2 = _tg_unary(f, x)
        fwd = tg.jvp(f, (x,), (np.ones_like(x),))[1]
        hv = tg.hvp(lambda v: tg.sum(f(v)), (x,), [np.ones_like(x)])
    second = name != "exp1"
    ref = _jax_unary(getattr(jss, name), x, second)
    _close(val, ref[0], 1e-12)
    _close(d1, ref[1], 1e-9)
    _close(fwd, d1, 1e-13)
    _close(hv, d2, 1e-12)
    if second:
        _close(d2, ref[2], 1e-9)
    else:  # E₁″ = e^(−x)(x + 1)/x²
        _close(d2, np.exp(-x) * (x + 1) / x ** 2, 1e-12)


@pytest.mark.parametrize("name", BINARY)
def test_binary_derivatives_and_mixed_partials_match_jax(name):
    f = getattr(tg, name)
    a, b = map(np.array, PAIRS[name])
    with _strict():
        val, grads, hess = _tg_binary(f, a, b)
    ref = _jax_binary(getattr(jss, name), a, b)
    _close(val, ref[0], 1e-12)
    for got, want in zip(grads + hess, ref[1] + ref[2]):
        _close(got, want, 1e-9, 1e-10)
    # the whole Hessian of a scalar (forward over reverse) agrees with the elementwise pieces
    H = tg.hessian(lambda u, v: tg.sum(f(u, v)), argnums=(0, 1))(a, b)
    _close(np.diagonal(H[0][0]), hess[0], 1e-12)
    _close(np.diagonal(H[0][1]), hess[1], 1e-12)
    _close(np.diagonal(H[1][1]), hess[2], 1e-12)


def test_multigammaln_derivatives_match_jax():
    for d in (0, 1, 2, 3, 5):
        x = np.array([1.6, 2.0, 3.3, 7.5]) + max(d - 1, 0) / 2
        got = _tg_unary(lambda v: tg.multigammaln(v, d), x)
        want = _jax_unary(lambda v: jss.multigammaln(v, d), x)
        for g, w in zip(got, want):
            _close(g, w, 1e-10)


def test_beta_and_betaln_where_a_plus_b_is_negative():
    # jax.scipy.special.betaln (JAX 0.10) differentiates to NaN wherever a + b < 0 (and beta,
    # built on it, too); the derivatives there are B·(ψ(a) − ψ(a + b)) and ψ(a) − ψ(a + b)
    a, b = np.array([-2.5, -0.3, 1.7]), np.array([1.2, -0.4, -3.1])
    with _strict():
        _, (ga, gb), _ = _tg_binary(tg.beta, a, b)
        _, (la, lb), _ = _tg_binary(tg.betaln, a, b)
    B, s = sp.beta(a, b), sp.psi(a + b)
    _close(ga, B * (sp.psi(a) - s), 1e-12)
    _close(gb, B * (sp.psi(b) - s), 1e-12)
    _close(la, sp.psi(a) - s, 1e-12)
    _close(lb, sp.psi(b) - s, 1e-12)
    assert np.isnan(jax.jit(jax.grad(jss.betaln))(-2.5, 1.2))  # the JAX behaviour this test works around


def test_second_derivatives_of_betaln_and_beta_at_a_equal_b():
    # ∂²log B: ψ′(a) − ψ′(a + b), −ψ′(a + b), ψ′(b) − ψ′(a + b). JAX 0.10's betaln sorts
    # (a, b) with minimum/maximum, whose ties split the derivative: wrong where a = b
    a = np.array([1.0, 2.5, 0.7])
    t = sp.polygamma(1, 2 * a)
    with _strict():
        _, _, (haa, hab, hbb) = _tg_binary(tg.betaln, a, a)
        _, _, (baa, bab, bbb) = _tg_binary(tg.beta, a, a)
    _close(haa, sp.polygamma(1, a) - t, 1e-12)
    _close(hab, -t, 1e-12)
    _close(hbb, haa, 0, 0)
    B, dl = sp.beta(a, a), sp.psi(a) - sp.psi(2 * a)  # B″ = B·((∂log B)² + ∂²log B)
    _close(baa, B * (dl ** 2 + haa), 1e-12)
    _close(bab, B * (dl ** 2 + hab), 1e-12)
    _close(bbb, baa, 0, 0)
    assert jax.jit(jax.hessian(jss.betaln))(1.0, 1.0) != pytest.approx(1.0)  # JAX: 0.1775...


# ---- the special points -----------------------------------------------------------------------

# name: [(x, value, first, second)] -- tensorgrad's conventions at poles and domain edges. Where
# the first derivative is ±inf the second is NaN (undefined: the slope is infinite there, so its
# own slope has no finite value; JAX's is ±inf or NaN), never a silent 0
SPECIAL = {
    # Γ′ = Γψ → −inf at the pole ±0 from both sides (JAX: NaN); NaN at the other poles (as JAX)
    "gamma": [(0.0, np.inf, -np.inf, np.nan), (-0.0, -np.inf, -np.inf, np.nan), (-1.0, np.nan, np.nan, np.nan)],
    # SciPy's loggamma(0) = inf (JAX: NaN) and slope ψ(0) = −inf; NaN for x < 0 (JAX: slope 0)
    "loggamma": [(0.0, np.inf, -np.inf, np.nan), (-1.5, np.nan, np.nan, 0.0)],
    # 0 for n < 0, slope 0 also at the negative integers (JAX: NaN there)
    "factorial": [(-1.0, 0.0, 0.0, 0.0), (-2.0, 0.0, 0.0, 0.0), (0.0, 1.0, -0.5772156649015329, None)],
    # −(1 + log x) → +inf at 0 (as JAX; JAX's second derivative there is −inf, ours NaN)
    "entr": [(0.0, 0.0, np.inf, np.nan), (-1.0, -np.inf, np.nan, 0.0)],
    # the quantile's slope is +inf at 0 and 1 (JAX: 0)
    "ndtri": [(0.0, -np.inf, np.inf, np.nan), (1.0, np.inf, np.inf, np.nan), (-0.1, np.nan, np.nan, np.nan)],
    "exp1": [(0.0, np.inf, -np.inf, np.nan), (-1.0, np.nan, np.nan, 0.0)],
    # Ei(0) = −inf (SciPy; JAX: NaN), slope ±inf at ±0 (as JAX)
    "expi": [(0.0, -np.inf, np.inf, np.nan), (-0.0, -np.inf, -np.inf, np.nan)],
    "erfcx": [(0.0, 1.0, -2 / math.sqrt(math.pi), 2.0), (-30.0, np.inf, -np.inf, np.inf)],
    "dawsn": [(0.0, 0.0, 1.0, 0.0)],
}


def _same(got, want):
    got = float(got)
    if np.isnan(want):
        assert np.isnan(got), (got, want)
    else:
        assert got == pytest.approx(want, rel=1e-14, abs=0), (got, want)


@pytest.mark.parametrize("name", sorted(SPECIAL))
def test_unary_conventions_at_special_points(name):
    f = getattr(tg, name)
    d1 = tg.grad(f)
    d2 = tg.grad(d1)
    with _strict():
        for x, value, first, second in SPECIAL[name]:
            _same(f(x), value)
            _same(d1(x), first)
            _same(tg.jvp(f, (x,), (1.0,))[1], first)
            if second is not None:
                _same(d2(x), second)


def test_where_jax_agrees_at_special_points():
    jd = lambda f: jax.grad(f)  # noqa: E731
    assert np.isnan(jd(jss.gamma)(-1.0)) and jd(jss.entr)(0.0) == np.inf
    assert np.isnan(jd(jss.entr)(-1.0)) and jd(jd(jss.entr))(-1.0) == 0.0
    assert jd(jss.expi)(0.0) == np.inf and jd(jss.expi)(-0.0) == -np.inf
    assert np.isnan(jd(jss.ndtri)(-0.1)) and jd(jss.erfcx)(-30.0) == -np.inf
    assert jd(jss.factorial)(0.0) == pytest.approx(-0.5772156649015329, rel=1e-14)
    # and where it differs (the conventions of SPECIAL above)
    assert np.isnan(jd(jss.gamma)(0.0)) and jd(jss.ndtri)(0.0) == 0.0
    assert np.isnan(jd(jss.factorial)(-1.0)) and jd(jss.loggamma)(-1.5) == 0.0


@pytest.mark.parametrize("name", ["gamma", "loggamma", "entr", "ndtri", "exp1", "expi"])
def test_an_infinite_slope_meets_a_zero_cotangent(name):
    # where the slope is ±inf, a zero cotangent (a masked entry) gives 0, not 0·inf = NaN
    f = getattr(tg, name)
    x = np.array([0.0, 1.0, 0.5]) if name == "ndtri" else np.array([0.0, -0.0, 2.0])
    keep = np.array([False, False, True])
    with _strict():
        g = tg.grad(lambda v: tg.sum(tg.where(keep, f(v), 0.0)))(x)
        t = tg.jvp(f, (x,), (keep * 1.0,))[1]
    assert g[:2].tolist() == [0.0, 0.0] and np.isfinite(g[2]) and g[2] != 0
    assert t[:2].tolist() == [0.0, 0.0] and t[2] == g[2]


def test_entropies_at_zero_and_outside():
    # rel_entr and kl_div at x = 0 ≤ y: SciPy's values 0 and y. ∂/∂x = log(x/y) (+1) → −inf as
    # x → 0⁺ (JAX: 0 for rel_entr, −1 for kl_div); ∂/∂y is 0 and 1 there (as JAX). NaN where
    # SciPy's value is +inf (JAX: 0, and −1/1 for kl_div)
    want = {"rel_entr": {(0.0, 1.0): (0.0, -np.inf, 0.0), (0.0, 0.0): (0.0, np.nan, 0.0),
                         (1.0, 0.0): (np.inf, np.nan, np.nan), (-1.0, 1.0): (np.inf, np.nan, np.nan),
                         (1.0, -1.0): (np.inf, np.nan, np.nan)},
            "kl_div": {(0.0, 1.0): (1.0, -np.inf, 1.0), (0.0, 0.0): (0.0, np.nan, 1.0),
                       (1.0, 0.0): (np.inf, np.nan, np.nan), (-1.0, 1.0): (np.inf, np.nan, np.nan)}}
    for name, table in want.items():
        f = getattr(tg, name)
        for (x, y), (value, dx, dy) in table.items():
            with _strict():
                gx, gy = tg.grad(f, argnums=(0, 1))(x, y)
            _same(f(x, y), value)
            _same(gx, dx)
            _same(gy, dy)
        # at x = 0 < y the mixed partial ∂²/∂x∂y (through ∂/∂y = −x/y) is −1/y, and a masked
        # entry at x = 0 gives 0
        with _strict():
            dyx = tg.grad(lambda u: tg.grad(f, argnums=1)(u, 2.0))(0.0)
            g = tg.grad(lambda u: tg.sum(tg.where(u > 0, f(u, 2.0), 0.0)))(np.array([0.0, 1.0]))
        assert dyx == -0.5 and g[0] == 0.0
        assert jax.jit(jax.grad(getattr(jss, name), argnums=1))(0.0, 1.0) == want[name][(0.0, 1.0)][2]


def test_beta_betaln_poch_at_the_poles_of_gamma():
    with _strict():
        for f, a, b in [(tg.beta, 0.0, 1.0), (tg.beta, -1.0, 2.0), (tg.beta, 0.0, 0.0),
                        (tg.betaln, 0.0, 1.0), (tg.betaln, -0.5, -0.5), (tg.poch, 2.0, -2.0),
                        (tg.poch, -3.0, 1.0), (tg.poch, 0.0, 0.0)]:
            ga, gb = tg.grad(f, argnums=(0, 1))(a, b)
            assert np.isnan(ga) and np.isnan(gb), (f.__name__, a, b)
            _same(f(a, b), getattr(sp, f.__name__)(a, b))


@pytest.mark.parametrize("k", [0, 1, 2, 5])
def test_poch_at_its_zeros_has_the_slope_of_the_reciprocal_gamma(k):
    # poch(−k, m) = Γ(m − k)·(1/Γ)(−k) = 0 for every m, and (1/Γ)′(−k) = (−1)ᵏk!,
    # (1/Γ)″(−k) = −2(−1)ᵏk!·ψ(k + 1): so ∂z = c·Γ(m − k), ∂zz = 2c·Γ(m − k)(ψ(m − k) − ψ(k + 1)),
    # ∂zm = c·Γ(m − k)ψ(m − k), ∂m = ∂mm = 0, with c = (−1)ᵏk!  (JAX: NaN)
    z = np.full(3, -float(k))
    m = np.array([0.5, 2.5, k + 1.7])
    c = (-1) ** k * math.factorial(k)
    G, P = sp.gamma(m - k), sp.psi(m - k)
    with _strict():
        val, (gz, gm), (hzz, hzm, hmm) = _tg_binary(tg.poch, z, m)
    _close(val, np.zeros(3), 0, 0)
    _close(gz, c * G, 1e-12)
    _close(gm, np.zeros(3), 0, 0)
    _close(hzz, 2 * c * G * (P - sp.psi(k + 1)), 1e-12)
    _close(hzm, c * G * P, 1e-12)
    _close(hmm, np.zeros(3), 0, 0)
    # continuous with the general rule next to the zero
    near = tg.grad(lambda u: tg.sum(tg.poch(u, m)))(z + 1e-7)
    _close(near, gz, 1e-5)
    assert np.all(np.isnan(jax.jit(jax.grad(jss.poch))(-float(k), 2.5)))


def test_beta_at_its_zeros_where_a_plus_b_is_a_pole():
    # B(a, b) = Γ(a)Γ(b)·(1/Γ)(a + b) = 0 where a + b = −k: ∂a = ∂b = Γ(a)Γ(b)·c,
    # ∂aa = 2c·Γ(a)Γ(b)(ψ(a) − ψ(k + 1)), ∂ab = c·Γ(a)Γ(b)(ψ(a) + ψ(b) − 2ψ(k + 1))  (JAX: NaN)
    a, b = np.array([-0.5, -1.5, 0.5, -2.25]), np.array([-0.5, 0.5, -2.5, 0.25])
    k = -(a + b)
    c = (-1) ** k * sp.factorial(k)
    GG = sp.gamma(a) * sp.gamma(b)
    with _strict():
        val, (ga, gb), (haa, hab, hbb) = _tg_binary(tg.beta, a, b)
    _close(val, np.zeros(4), 0, 0)
    _close(ga, GG * c, 1e-12)
    _close(gb, GG * c, 1e-12)
    _close(haa, 2 * c * GG * (sp.psi(a) - sp.psi(k + 1)), 1e-12)
    _close(hbb, 2 * c * GG * (sp.psi(b) - sp.psi(k + 1)), 1e-12)
    _close(hab, c * GG * (sp.psi(a) + sp.psi(b) - 2 * sp.psi(k + 1)), 1e-12)
    near = tg.grad(lambda u: tg.sum(tg.beta(u, b)))(a + 1e-7)
    _close(near, ga, 1e-5)


# ---- dtypes, SciPy dispatch, jit ---------------------------------------------------------------

def _inside(name):
    return {"ndtri": [0.2, 0.6], "expi": [-0.7, 1.3], "erfcx": [-0.7, 1.3],
            "dawsn": [-0.7, 1.3]}.get(name, [0.6, 1.7])


@pytest.mark.parametrize("name", ALL)
def test_float32_in_float32_out(name):
    f = getattr(tg, name)
    if name in BINARY:
        call = f
        args = [np.array([0.6, 1.7], np.float32), np.array([1.3, 0.4], np.float32)]
    elif name == "multigammaln":
        call, args = (lambda v: f(v, 3)), [np.array([1.6, 2.7], np.float32)]
    else:
        call, args = f, [np.array(_inside(name), np.float32)]
    out = call(*args)
    assert out.dtype == np.float32
    ref = sp.multigammaln(args[0].astype(float), 3) if name == "multigammaln" else \
        getattr(sp, name)(*[a.astype(float) for a in args])
    _close(out, ref, 1e-5, 1e-6)
    if name == "gammasgn":
        return
    argnums = tuple(range(len(args)))
    grads = tg.grad(lambda *v: tg.sum(call(*v)), argnums=argnums)(*args)
    assert all(g.dtype == np.float32 for g in grads)
    d2 = tg.grad(lambda *v: tg.sum(tg.grad(lambda *u: tg.sum(call(*u)))(*v)), argnums=argnums)(*args)
    assert all(g.dtype == np.float32 for g in d2)
    if name not in ("multigammaln", "factorial"):
        assert np.asarray(getattr(sp, name)(*[tg.Tensor(a) for a in args])).dtype == np.float32


def test_float32_at_the_special_branches():
    x = np.array([0.0, 0.5], np.float32)
    for f in (tg.gamma, tg.entr, tg.exp1, tg.expi, tg.loggamma):
        g = tg.grad(lambda v: tg.sum(f(v)))(x)
        assert g.dtype == np.float32 and np.isinf(g[0])
    z, m = np.array([0.0, -1.0, 0.5], np.float32), np.array([2.5, 1.5, 1.0], np.float32)
    gz, gm = tg.grad(lambda u, v: tg.sum(tg.poch(u, v)), argnums=(0, 1))(z, m)
    assert gz.dtype == gm.dtype == np.float32
    _close(gz[:2], [sp.gamma(2.5), -sp.gamma(0.5)], 1e-6)
    g = tg.grad(lambda u: tg.sum(tg.grad(lambda w: tg.sum(tg.beta(w, m)))(u)))(np.float32([-0.5, 0.3, 1.0]))
    assert g.dtype == np.float32


@pytest.mark.parametrize("name", [n for n in UNARY + BINARY + ["gammasgn"] if n != "factorial"])
def test_scipy_special_on_tensors_inside_grad(name):
    sf, jf = getattr(sp, name), getattr(jss, name)
    if name in BINARY:
        a, b = map(np.array, PAIRS[name])
        got = tg.grad(lambda u, v: tg.sum(sf(u, v) * u), argnums=(0, 1))(a, b)
        want = jax.jit(jax.grad(lambda u, v: jnp.sum(jf(u, v) * u), argnums=(0, 1)))(a, b)
        for g, w in zip(got, want):
            _close(g, w, 1e-9, 1e-10)
        return
    x = np.array(POINTS.get(name, POINTS["gamma"]))
    got = tg.grad(lambda v: tg.sum(sf(v) * v))(x)
    _close(got, jax.jit(jax.grad(lambda v: jnp.sum(jf(v) * v)))(jnp.asarray(x)), 1e-9)
    assert tg.jacfwd(lambda v: sf(v))(x).shape == (x.size, x.size)


def test_non_ufuncs_are_refused_on_traced_values_but_tg_special_has_them():
    x = np.array([1.6, 2.5])
    for call in (lambda v: sp.multigammaln(v, 2), lambda v: sp.factorial(v)):
        with pytest.raises(TypeError):
            tg.grad(lambda v: tg.sum(call(v)))(x)
    _close(tg.grad(lambda v: tg.sum(tg.special.factorial(v)))(x),
           jax.jit(jax.grad(lambda v: jnp.sum(jss.factorial(v))))(x), 1e-10)


JIT_CASES = {
    # traced on ordinary points, replayed on the special ones (same shapes)
    "gamma": ([0.5, 1.5, -0.5], [0.0, -1.0, -0.0]),
    "loggamma": ([0.5, 1.5, 2.0], [0.0, -1.5, 3.0]),
    "factorial": ([0.5, 1.5, 2.0], [-1.0, 0.0, -0.5]),
    "entr": ([0.5, 1.5, 2.0], [0.0, -1.0, 1.0]),
    "ndtri": ([0.2, 0.5, 0.7], [0.0, 1.0, 0.5]),
    "exp1": ([0.5, 1.5, 2.0], [0.0, -1.0, 1.0]),
    "expi": ([0.5, -1.5, 2.0], [0.0, -0.0, 1.0]),
    "erfcx": ([0.5, -1.5, 2.0], [0.0, -30.0, 30.0]),
    "beta": (([0.5, 1.5, 2.0], [0.7, 0.4, 1.0]), ([-0.5, 0.0, -1.5], [-0.5, 1.0, 0.5])),
    "betaln": (([0.5, 1.5, 2.0], [0.7, 0.4, 1.0]), ([-0.5, 0.0, 1.0], [-0.5, 1.0, 1.0])),
    "poch": (([0.5, 1.5, 2.0], [0.7, 0.4, 1.0]), ([0.0, -2.0, 2.0], [2.5, 4.5, -2.0])),
    "rel_entr": (([0.5, 1.5, 2.0], [0.7, 0.4, 1.0]), ([0.0, 0.0, 1.0], [1.0, 0.0, 0.0])),
    "kl_div": (([0.5, 1.5, 2.0], [0.7, 0.4, 1.0]), ([0.0, 0.0, 1.0], [1.0, 0.0, 0.0])),
}


@pytest.mark.parametrize("name", sorted(JIT_CASES))
def test_jit_replays_the_special_branches(name):
    # elementwise derivatives by pullbacks of ones (a sum of the values would add +inf and −inf)
    f, one = getattr(tg, name), np.ones(3)
    traced_on, special = JIT_CASES[name]
    if name in BINARY:
        traced_on, special = [tuple(map(np.array, p)) for p in (traced_on, special)]
        d1 = lambda u, v: tg.vjp(f, u, v)[1](one)  # noqa: E731
        fns = [d1, lambda u, v: tg.vjp(lambda p, q: d1(p, q)[0], u, v)[1](one),
               lambda u, v: tg.vjp(lambda p, q: d1(p, q)[1], u, v)[1](one),
               lambda u, v: tg.jvp(f, (u, v), (one, one))]
    else:
        traced_on, special = (np.array(traced_on),), (np.array(special),)
        d1 = lambda v: tg.vjp(f, v)[1](one)[0]  # noqa: E731
        fns = [d1, lambda v: tg.vjp(d1, v)[1](one)[0], lambda v: tg.jvp(f, (v,), (one,))]
    for fn in fns:
        jf = tg.jit(fn)
        for args in (traced_on, special):
            with _strict():
                want = fn(*args)
                got = jf(*args)
            for g, w in zip(tg.tree_leaves(got), tg.tree_leaves(want)):
                np.testing.assert_allclose(g, w, rtol=1e-13, atol=0)  # NaN where NaN
        assert jf.cache_size() == 1


def test_jit_of_multigammaln_and_values():
    f = tg.jit(lambda v: tg.multigammaln(v, 3))
    for x in (np.array([1.5, 2.5]), np.array([4.0, 9.0])):
        _close(f(x), sp.multigammaln(x, 3), 1e-15, 0)
    assert f.cache_size() == 1


def test_xlogy_and_xlog1py_derivatives_at_the_log_singularity_without_warnings():
    # ∂x = log y is −inf at y = 0 and NaN for y < 0; ∂y = x/y is ±inf at y = 0 ≠ x and 0
    # where x = 0; nothing is evaluated at the singularity (RuntimeWarnings are errors here)
    for (x, y), want in {(0.0, 0.0): (-np.inf, 0.0), (1.0, 0.0): (-np.inf, np.inf),
                         (-2.0, 0.0): (-np.inf, -np.inf), (1.0, -2.0): (np.nan, -0.5),
                         (2.0, 3.0): (np.log(3.0), 2 / 3)}.items():
        got = tg.grad(tg.special.xlogy, argnums=(0, 1))(x, y)
        np.testing.assert_allclose(np.array(got, dtype=float), want)
        got1 = tg.grad(tg.special.xlog1py, argnums=(0, 1))(x, y - 1.0)
        np.testing.assert_allclose(np.array(got1, dtype=float), want, rtol=1e-15)
    j = jax.jit(jax.grad(jax.scipy.special.xlogy, argnums=(0, 1)))(1.0, 0.0)
    assert tuple(map(float, j)) == (-np.inf, np.inf)  # JAX agrees where x ≠ 0
    # a zero cotangent at the singular entries gives 0 there (never 0·inf = NaN)
    xs, ys = np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.0, 3.0])
    for fn, shift in ((tg.special.xlogy, 0.0), (tg.special.xlog1py, 1.0)):
        gx, gy = tg.grad(lambda a, b: fn(a, b)[2], argnums=(0, 1))(xs, ys - shift)
        np.testing.assert_allclose(gx, [0.0, 0.0, np.log(3.0)])
        np.testing.assert_allclose(gy, [0.0, 0.0, 2 / 3])
    f = tg.jit(tg.grad(lambda x, y: tg.sum(tg.special.xlogy(x, y)), argnums=(0, 1)))
    gx, gy = f(np.array([0.0, 1.0]), np.array([0.0, 2.0]))
    np.testing.assert_allclose(gx, [-np.inf, np.log(2.0)])
    np.testing.assert_allclose(gy, [0.0, 0.5])


def test_logit_slope_at_0_and_1_without_warnings():
    x = np.array([0.0, 0.3, 1.0])
    np.testing.assert_allclose(tg.grad(lambda a: tg.special.logit(a)[0] + tg.special.logit(a)[1])(x),
                               [np.inf, 1 / 0.21, 0.0])
    np.testing.assert_allclose(tg.jvp(tg.special.logit, (x,), (np.array([0.0, 1.0, 0.0]),))[1],
                               [0.0, 1 / 0.21, 0.0])
    np.testing.assert_allclose(tg.hessian(tg.special.logit)(0.3),
                               float(jax.jit(jax.hessian(jss.logit))(0.3)), rtol=1e-12)


def test_bessel_i1_second_derivative_near_zero():
    """i1'' ≈ 3x/8 and i1e'' ≈ −1 near 0: the quotient i1(x)/x in the rule would cancel
    catastrophically there (24576 at x = 1e−20), the series does not."""
    def d2(f, x):
        return tg.grad(lambda z: tg.sum(tg.grad(lambda y: tg.sum(f(y)))(z)))(x)
    x = np.array([1e-300, 1e-20, 1e-8, 0.05])
    np.testing.assert_allclose(d2(tg.special.i1, x), 3 * x / 8 + x ** 3 * 5 / 96 + x ** 5 * 42 / 18432, rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(d2(tg.special.i1e, x[:3]), [-1.0, -1.0, -1.0 + 1.875e-8], rtol=1e-9)


def test_log_ndtr_derivatives_far_in_the_left_tail():
    """φ/Φ for x → −∞ from its asymptotic series: the first two derivatives of log Φ stay
    accurate where exp(−x²/2 − log Φ) cancels (the true d² lies in (−1, 0))."""
    x = np.array([-1e5, -1e4, -700.0, -25.0])
    d1 = tg.grad(lambda z: tg.sum(tg.special.log_ndtr(z)))(x)
    d2 = tg.grad(lambda z: tg.sum(tg.grad(lambda y: tg.sum(tg.special.log_ndtr(y)))(z)))(x)
    # d1 = −x/(1 − 1/x² + 3/x⁴ − ...), d2 = −1 + 1/x² − ... (to 1e−12 here)
    big = x[:3]  # (four terms of the series are exact to 1e−12 from |x| = 700 on)
    np.testing.assert_allclose(d1[:3], -big / (1 - 1 / big ** 2 + 3 / big ** 4 - 15 / big ** 6), rtol=1e-12)
    np.testing.assert_allclose(d2, [-0.9999999999, -0.9999999900000006, -0.9999979592086626,
                                    -0.9984151585296072], rtol=1e-12)


def test_integer_arguments_and_underflow_from_jax_scipy_tables():
    # polygamma of integers: SciPy's float64 values, not truncated to integers
    x = np.array([5, 3, 2, 1])
    np.testing.assert_allclose(tg.scipy.special.polygamma(1, x), sp.polygamma(1, x), rtol=1e-14)
    np.testing.assert_allclose(tg.scipy.special.polygamma(np.array([1, 2, 3, 5]), x),
                               sp.polygamma(np.array([1, 2, 3, 5]), x), rtol=1e-14)
    # expn with an array of orders, broadcast against x; the x-slope is −E_(n−1)
    n, z = np.array([[0], [1], [3]]), np.array([0.5, 2.0])
    np.testing.assert_allclose(tg.scipy.special.expn(n, z), sp.expn(n, z), rtol=1e-13)
    g = tg.grad(lambda v: tg.sum(tg.scipy.special.expn(np.array([1, 3]), v)))(np.array([0.5, 2.0]))
    np.testing.assert_allclose(g, -sp.expn(np.array([0, 2]), np.array([0.5, 2.0])), rtol=1e-12)
    # k1's slope where K₂ underflows (x near 700): −K₀ − K₁/x
    want = float(mpmath.diff(lambda t: mpmath.besselk(1, t), 700))
    np.testing.assert_allclose(tg.grad(tg.scipy.special.k1)(700.0), want, rtol=1e-10)


def test_incomplete_gamma_at_a_zero_is_flat_in_x():
    # P(0, x) = 1 and Q(0, x) = 0 for every x > 0 (SciPy's and JAX's values): their slope in
    # x is 0, not NaN, so a model whose a reaches 0 keeps a finite gradient
    x = np.array([1e-3, 1.0, 7.5, np.inf])
    for name in ("gammainc", "gammaincc"):
        f = getattr(tg.scipy.special, name)
        got = tg.vmap(tg.grad(lambda v: f(0.0, v)))(x)
        want = np.asarray(jax.vmap(jax.grad(lambda v: getattr(jss, name)(0.0, v)))(x))
        np.testing.assert_array_equal(got, want)
        assert np.all(got == 0)


def test_hyp1f1_at_plus_infinity_returns_instead_of_hanging():
    # SciPy's hyp1f1 never returns at x = +inf; tensorgrad gives JAX's NaN (1 for a = 0)
    for a in (0.5, -0.5, 0.0):
        want = float(jss.hyp1f1(a, 1.5, np.inf))
        np.testing.assert_equal(tg.scipy.special.hyp1f1(a, 1.5, np.inf), want)
    got = tg.scipy.special.hyp1f1(np.array([0.5, 1.0]), 1.5, np.array([1.0, np.inf]))
    np.testing.assert_allclose(got[0], float(jss.hyp1f1(0.5, 1.5, 1.0)), rtol=1e-12)
    assert np.isnan(got[1])
