"""PyTorch's torch.special names in tg.special (tensorgrad/ops/torch_special.py).

The registry table checks the Airy ops against their series in jax.numpy; this file checks
the polynomials against SciPy (with PyTorch's reading of the degree mapped onto SciPy's
orders), the third and fourth Chebyshev kinds against mpmath's hypergeometric form, the
special points (x = ±1, 0, ±inf, NaN; negative, float, NaN and infinite n), derivatives to
second order against JAX recurrences and central differences, float32, broadcasting,
tg.jit/tg.vmap, the Airy functions against SciPy and mpmath, the aliases, and the errors.
"""
import jax
import jax.numpy as jnp
import mpmath
import numpy as np
import pytest
import scipy.special as sp

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient

jax.config.update("jax_enable_x64", True)
ts = tg.special

#: each PyTorch polynomial with SciPy's (None: the third and fourth kinds)
SCIPY = {"chebyshev_polynomial_t": sp.eval_chebyt, "chebyshev_polynomial_u": sp.eval_chebyu,
         "chebyshev_polynomial_v": None, "chebyshev_polynomial_w": None,
         "shifted_chebyshev_polynomial_t": sp.eval_sh_chebyt,
         "shifted_chebyshev_polynomial_u": sp.eval_sh_chebyu,
         "shifted_chebyshev_polynomial_v": None, "shifted_chebyshev_polynomial_w": None,
         "hermite_polynomial_h": sp.eval_hermite, "hermite_polynomial_he": sp.eval_hermitenorm,
         "laguerre_polynomial_l": sp.eval_laguerre, "legendre_polynomial_p": sp.eval_legendre}
POLYS = list(SCIPY)


def _points(name):
    if name.startswith("shifted_"):
        return np.linspace(-0.2, 1.2, 15)
    if name.startswith(("hermite", "laguerre")):
        return np.linspace(-3.0, 5.0, 17)
    return np.linspace(-1.3, 1.3, 14)


def _mp_third_fourth(name, n, x):
    """V_n(x) = ₂F₁(−n, n+1; ½; (1−x)/2), W_n(x) = (2n+1)·₂F₁(−n, n+1; 3/2; (1−x)/2)
    (the Jacobi polynomials P_n^(∓½,±½) normalized as V_n(1) = 1, W_n(1) = 2n + 1)."""
    c = mpmath.mpf(0.5) if name.endswith("_v") else mpmath.mpf(1.5)
    with mpmath.workdps(40):  # the terminating series, summed exactly enough
        y = 2 * mpmath.mpf(x) - 1 if name.startswith("shifted_") else mpmath.mpf(x)
        z, term, total = (1 - y) / 2, mpmath.mpf(1), mpmath.mpf(1)
        for k in range(n):
            term *= (k - n) * (n + 1 + k) / ((c + k) * (k + 1)) * z
            total += term
        return float(total if name.endswith("_v") else (2 * n + 1) * total)


def _expected(name, n, x):
    """PyTorch's value from SciPy (or mpmath): 0 for a negative degree, a float degree cut."""
    k = int(np.trunc(n))
    if k < 0:
        return np.zeros_like(x)
    if SCIPY[name] is None:
        return np.array([_mp_third_fourth(name, k, v) for v in x])
    return SCIPY[name](k, x)


@pytest.mark.parametrize("name", POLYS)
def test_values_match_scipy_and_mpmath_with_pytorchs_degrees(name):
    x = _points(name)
    degrees = list(range(-4, 13)) + [2.7, -0.5, 0.9, -1.5, 5.999]
    if SCIPY[name] is not None:
        degrees += [20, 31]
    f = getattr(ts, name)
    for n in degrees:
        np.testing.assert_allclose(np.asarray(f(x, n)), _expected(name, n, x), rtol=1e-12, atol=1e-12,
                                   err_msg=f"{name}(n={n})")
    # NaN, ±inf and beyond-int64 degrees give 0 (PyTorch's int64 conversion: negative)
    for n in (np.nan, np.inf, -np.inf, 1e19, -1e19):
        assert np.all(np.asarray(f(x, np.float64(n))) == 0), n


@pytest.mark.parametrize("name", POLYS)
def test_special_points(name):
    f = getattr(ts, name)
    # degree 0 is 1 everywhere, a negative degree 0 everywhere (NaN and ±inf too)
    odd = np.array([np.nan, np.inf, -np.inf, 0.0, 1.0, -1.0])
    assert np.all(np.asarray(f(odd, 0)) == 1)
    assert np.all(np.asarray(f(odd, -3)) == 0)
    # at ±inf: the limit, by the sign of the leading term; NaN stays NaN
    for n in (1, 2, 3, 4, 7):
        at_plus, at_minus, at_nan = np.asarray(f(np.array([np.inf, -np.inf, np.nan]), n))
        plus = (-1.0) ** n if name.startswith("laguerre") else 1.0
        minus = 1.0 if name.startswith("laguerre") else (-1.0) ** n
        assert at_plus == plus * np.inf and at_minus == minus * np.inf and np.isnan(at_nan), n
    # the values at the ends of the interval and at 0 are exact integers where they should be
    if name.startswith("chebyshev"):
        kind = name[-1]
        for n in range(0, 9):
            at1, atm1 = np.asarray(f(np.array([1.0, -1.0]), n))
            assert at1 == {"t": 1, "u": n + 1, "v": 1, "w": 2 * n + 1}[kind]
            assert atm1 == {"t": (-1) ** n, "u": (-1) ** n * (n + 1), "v": (-1) ** n * (2 * n + 1),
                            "w": (-1) ** n}[kind]
    if name.startswith("laguerre"):
        assert np.all(np.asarray(f(0.0, np.arange(12))) == 1)


def _jax_poly(name, n):
    """The polynomial by its three-term recurrence, in jax.numpy (n ≥ 0)."""
    def f(x):
        y = 2 * x - 1 if name.startswith("shifted_") else x
        kind = name.split("_")[-1]
        first = {"t": y, "u": 2 * y, "v": 2 * y - 1, "w": 2 * y + 1, "h": 2 * y, "he": y,
                 "l": 1 - y, "p": y}[kind]
        step = {"h": lambda k, a, b: 2 * y * b - 2 * k * a, "he": lambda k, a, b: y * b - k * a,
                "l": lambda k, a, b: ((2 * k + 1 - y) * b - k * a) / (k + 1),
                "p": lambda k, a, b: ((2 * k + 1) * y * b - k * a) / (k + 1)}.get(
                    kind, lambda k, a, b: 2 * y * b - a)
        if n == 0:
            return jnp.ones_like(y)
        prev, cur = jnp.ones_like(y), first
        for k in range(1, n):
            prev, cur = cur, step(k, prev, cur)
        return cur
    return f


@pytest.mark.parametrize("name", POLYS)
def test_first_and_second_derivatives_match_jax(name):
    x = _points(name)[1:-1:2]
    for n in (1, 4, 7):
        ref = _jax_poly(name, n)
        d1 = jax.vmap(jax.grad(ref))(jnp.asarray(x))
        d2 = jax.vmap(jax.grad(jax.grad(ref)))(jnp.asarray(x))
        f = lambda y, n=n: getattr(ts, name)(y, n)  # noqa: E731
        np.testing.assert_allclose(np.asarray(f(x)), np.asarray(ref(jnp.asarray(x))), rtol=1e-12, atol=1e-12)
        g = tg.grad(lambda y: tg.sum(f(y)))
        np.testing.assert_allclose(np.asarray(g(x)), d1, rtol=1e-10, atol=1e-10, err_msg=f"{name}' n={n}")
        h = tg.grad(lambda y: tg.sum(g(y)))
        np.testing.assert_allclose(np.asarray(h(x)), d2, rtol=1e-10, atol=1e-9, err_msg=f"{name}'' n={n}")
    # forward mode and the Hessian agree, and a negative degree has no slope
    x3 = x[:3]
    np.testing.assert_allclose(np.diag(np.asarray(tg.hessian(lambda y: tg.sum(getattr(ts, name)(y, 5)))(x3))),
                               jax.vmap(jax.grad(jax.grad(_jax_poly(name, 5))))(jnp.asarray(x3)), rtol=1e-10,
                               atol=1e-9)
    np.testing.assert_allclose(np.diag(np.asarray(tg.jacfwd(lambda y: getattr(ts, name)(y, 3.6))(x3))),
                               jax.vmap(jax.grad(_jax_poly(name, 3)))(jnp.asarray(x3)), rtol=1e-10, atol=1e-10)
    assert np.all(np.asarray(tg.grad(lambda y: tg.sum(getattr(ts, name)(y, -2)))(x3)) == 0)


def test_third_and_fourth_kinds_slopes_match_central_differences():
    x = np.linspace(-0.95, 1.4, 11)
    for name in ("chebyshev_polynomial_v", "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_v",
                 "shifted_chebyshev_polynomial_w"):
        for n in (1, 3, 6):
            fd = central_difference_gradient(
                lambda y: sum(_mp_third_fourth(name, n, v) for v in y), x, eps=1e-6)
            np.testing.assert_allclose(np.asarray(tg.grad(lambda y: tg.sum(getattr(ts, name)(y, n)))(x)),
                                       fd, rtol=1e-6, atol=1e-6, err_msg=f"{name} n={n}")


def test_degrees_broadcast_against_x_and_the_gradient_sums_over_them():
    x = np.linspace(-0.9, 0.9, 5)
    n = np.array([[0], [2], [-1], [3.5]])  # (4, 1) against (5,): a float array, cut to 0, 2, −1, 3
    out = ts.chebyshev_polynomial_t(x, n)
    assert np.shape(out) == (4, 5)
    np.testing.assert_allclose(np.asarray(out), [np.ones(5), sp.eval_chebyt(2, x), np.zeros(5),
                                                 sp.eval_chebyt(3, x)], rtol=1e-14)
    g = tg.grad(lambda y: tg.sum(ts.chebyshev_polynomial_t(y, n)))(x)
    np.testing.assert_allclose(np.asarray(g), 4 * x + (12 * x ** 2 - 3), rtol=1e-12)  # T_2′ + T_3′
    # x a scalar, n an array (PyTorch's Scalar overload)
    np.testing.assert_allclose(np.asarray(ts.hermite_polynomial_h(0.5, np.array([2, 3]))), [-1.0, -5.0])
    # the gradient at ±inf and where the degree is negative is 0, not NaN
    y = np.array([np.inf, -np.inf, 0.3])
    g = tg.grad(lambda v: tg.sum(ts.legendre_polynomial_p(v, np.array([4, -2, 4]))))(y)
    np.testing.assert_allclose(np.asarray(g), [0.0, 0.0, (35 * 4 * 0.3 ** 3 - 30 * 2 * 0.3) / 8], rtol=1e-12)


def test_dtypes():
    x32 = np.linspace(-0.9, 0.9, 4).astype(np.float32)
    for name in POLYS:
        out = getattr(ts, name)(x32, 3)
        assert np.asarray(out).dtype == np.float32, name
        assert np.asarray(getattr(ts, name)(x32, np.array([3], dtype=np.int64))).dtype == np.float32
    # a float64 array of degrees promotes float32 input (as PyTorch and NumPy); integers give float64
    assert np.asarray(ts.chebyshev_polynomial_u(x32, np.array([2.0]))).dtype == np.float64
    assert np.asarray(ts.chebyshev_polynomial_u(np.array([1, 2]), 2)).dtype == np.float64
    g = tg.grad(lambda y: tg.sum(ts.hermite_polynomial_he(y, 4)))(x32)
    assert np.asarray(g).dtype == np.float32
    np.testing.assert_allclose(np.asarray(g), 4 * sp.eval_hermitenorm(3, x32.astype(float)), rtol=1e-5)
    # bool degrees are 0 and 1, as in PyTorch
    np.testing.assert_allclose(np.asarray(ts.chebyshev_polynomial_t(x32, np.array(True))), x32)


def test_imperative_mode_jit_and_vmap():
    x = np.linspace(-0.8, 0.8, 6)
    t = tg.tensor(x, requires_grad=True)
    tg.sum(ts.shifted_chebyshev_polynomial_v(t, 3)).backward()
    expected = jax.vmap(jax.grad(_jax_poly("shifted_chebyshev_polynomial_v", 3)))(jnp.asarray(x))
    np.testing.assert_allclose(np.asarray(t.grad), expected, rtol=1e-12, atol=1e-12)
    f = tg.jit(lambda y: ts.chebyshev_polynomial_w(y, np.array([0, 2, -1, 5, 1, 3])) + ts.airy_ai(y))
    for y in (x, np.array([np.inf, -np.inf, np.nan, 0.2, 1.0, -1.0])):
        np.testing.assert_array_equal(np.asarray(f(y)), np.asarray(
            ts.chebyshev_polynomial_w(y, np.array([0, 2, -1, 5, 1, 3])) + ts.airy_ai(y)))
    batch = np.stack([x, x[::-1]])
    v = tg.vmap(lambda y: ts.laguerre_polynomial_l(y, 4) * ts.airy(y)[2])(batch)
    np.testing.assert_allclose(np.asarray(v), sp.eval_laguerre(4, batch) * sp.airy(batch)[2], rtol=1e-13)


# ---- Airy ------------------------------------------------------------------------------------------
def test_airy_values_match_scipy_and_mpmath():
    x = np.array([-12.5, -3.7, -1.0, -0.2, 0.0, 0.4, 2.6, 9.0])
    ai, aip, bi, bip = (np.asarray(v) for v in ts.airy(x))
    for got, want in zip((ai, aip, bi, bip), sp.airy(x)):
        np.testing.assert_allclose(got, want, rtol=1e-14)
    for v, a, ap, b, bp in zip(x, ai, aip, bi, bip):
        np.testing.assert_allclose([a, ap, b, bp], [float(mpmath.airyai(v)), float(mpmath.airyai(v, 1)),
                                                    float(mpmath.airybi(v)), float(mpmath.airybi(v, 1))],
                                   rtol=1e-12, atol=1e-300)
    np.testing.assert_array_equal(np.asarray(ts.airy_ai(x)), ai)
    # the limits where SciPy gives NaN: 0 for Ai and Ai′, +inf for Bi and Bi′ at large x and
    # +inf; Ai and Bi are 0 at −inf, their slopes NaN
    big = np.array([150.0, 1e8, np.inf, -np.inf, np.nan])
    ai, aip, bi, bip = (np.asarray(v) for v in ts.airy(big))
    np.testing.assert_array_equal(ai, [0, 0, 0, 0, np.nan])
    np.testing.assert_array_equal(aip, [0, 0, 0, np.nan, np.nan])
    np.testing.assert_array_equal(bi, [np.inf, np.inf, np.inf, 0, np.nan])
    np.testing.assert_array_equal(bip, [np.inf, np.inf, np.inf, np.nan, np.nan])
    # float32 stays; integers give float64; scipy.special.airy on a Tensor dispatches here
    assert all(np.asarray(v).dtype == np.float32 for v in ts.airy(x.astype(np.float32)))
    assert np.asarray(ts.airy_ai(np.array([1, 2]))).dtype == np.float64
    out = sp.airy(tg.tensor(x))
    assert len(out) == 4 and all(isinstance(v, tg.Tensor) for v in out)
    assert tg.scipy.special.airy is ts.airy


def test_airy_derivatives_to_third_order():
    x = np.array([-2.9, -0.6, 0.0, 0.8, 2.1])
    ai, aip, bi, bip = sp.airy(x)
    for k, (first, second, third) in enumerate([(aip, x * ai, ai + x * aip), (x * ai, ai + x * aip, None),
                                                (bip, x * bi, bi + x * bip), (x * bi, bi + x * bip, None)]):
        f = lambda y, k=k: ts.airy(y)[k]  # noqa: E731
        g = tg.grad(lambda y: tg.sum(f(y)))
        h = tg.grad(lambda y: tg.sum(g(y)))
        np.testing.assert_allclose(np.asarray(g(x)), first, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(np.asarray(h(x)), second, rtol=1e-13, atol=1e-15)
        np.testing.assert_allclose(np.diag(np.asarray(tg.hessian(lambda y: tg.sum(f(y)))(x))), second,
                                   rtol=1e-13, atol=1e-15)
        if third is not None:
            h3 = tg.grad(lambda y: tg.sum(h(y)))
            np.testing.assert_allclose(np.asarray(h3(x)), third, rtol=1e-12, atol=1e-14)
    fd = central_difference_gradient(lambda y: np.sum(sp.airy(y)[1]), x)
    np.testing.assert_allclose(np.asarray(tg.jacfwd(lambda y: ts.airy(y)[1])(x)).diagonal(), fd, rtol=1e-7)
    t = tg.tensor(x, requires_grad=True)
    tg.sum(ts.airy_ai(t) * 2).backward()
    np.testing.assert_allclose(np.asarray(t.grad), 2 * aip, rtol=1e-13)


# ---- aliases ---------------------------------------------------------------------------------------
def test_aliases_are_the_existing_functions_with_pytorchs_values():
    pairs = {"bessel_j0": ts.j0, "bessel_j1": ts.j1, "bessel_y0": ts.y0, "bessel_y1": ts.y1,
             "modified_bessel_i0": ts.i0, "modified_bessel_i1": ts.i1, "modified_bessel_k0": ts.k0,
             "modified_bessel_k1": ts.k1, "scaled_modified_bessel_k0": ts.k0e,
             "scaled_modified_bessel_k1": ts.k1e, "exp2": tg.exp2, "expm1": tg.expm1,
             "log1p": tg.log1p, "round": tg.round, "sinc": tg.sinc}
    for name, f in pairs.items():
        assert getattr(ts, name) is f, name
    x = np.array([0.0, 0.25, 0.5, 1.5, 2.5, 7.0])
    np.testing.assert_allclose(np.asarray(ts.sinc(x)), [1, np.sin(np.pi / 4) / (np.pi / 4), 2 / np.pi,
                                                         -2 / (3 * np.pi), 2 / (5 * np.pi), 0], atol=1e-15)
    np.testing.assert_array_equal(np.asarray(ts.round(x)), [0, 0, 0, 2, 2, 7])  # halves to even
    np.testing.assert_allclose(np.asarray(ts.round(np.array([1.2345]), decimals=2)), [1.23])
    np.testing.assert_allclose(np.asarray(ts.spherical_bessel_j0(x)), np.where(x == 0, 1, np.sin(x) / np.where(
        x == 0, 1, x)), rtol=1e-14)
    g = tg.grad(lambda y: tg.sum(ts.spherical_bessel_j0(y)))(x[1:])
    np.testing.assert_allclose(np.asarray(g), (x[1:] * np.cos(x[1:]) - np.sin(x[1:])) / x[1:] ** 2, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(ts.scaled_modified_bessel_k1(x[1:])), sp.k1e(x[1:]), rtol=1e-14)


# ---- errors ----------------------------------------------------------------------------------------
def test_bad_input_raises_clear_errors():
    x = np.linspace(-0.5, 0.5, 3)
    with pytest.raises(TypeError, match=r"chebyshev_polynomial_t: input must be real.*complex128"):
        ts.chebyshev_polynomial_t(x + 1j, 2)
    with pytest.raises(TypeError, match=r"hermite_polynomial_h: n must be real.*complex"):
        ts.hermite_polynomial_h(x, np.array([1 + 1j]))
    with pytest.raises(TypeError, match=r"legendre_polynomial_p: n must be real.*<U"):
        ts.legendre_polynomial_p(x, "3")
    with pytest.raises(ValueError, match=r"laguerre_polynomial_l: n must be at most 1000000.*2000000"):
        ts.laguerre_polynomial_l(x, 2_000_000)
    with pytest.raises(TypeError, match=r"chebyshev_polynomial_w: n must be a constant"):
        tg.grad(lambda m: tg.sum(ts.chebyshev_polynomial_w(x, m)))(np.array(2.0))
    with pytest.raises(TypeError, match=r"airy: z must be real.*complex"):
        ts.airy(x + 1j)
    with pytest.raises(TypeError, match=r"airy_ai: x must be real.*complex"):
        ts.airy_ai(x + 1j)


def test_softmax_and_log_softmax_take_pytorchs_dim_and_dtype():
    # torch.special.softmax(x, dim=1) (it raised TypeError); axis=None keeps SciPy's all entries
    x = np.random.default_rng(2).normal(size=(3, 4))
    e = np.exp(x - x.max(1, keepdims=True))
    np.testing.assert_allclose(tg.special.softmax(x, dim=1), e / e.sum(1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(tg.special.log_softmax(x, dim=1), np.log(e / e.sum(1, keepdims=True)),
                               rtol=1e-13)
    assert tg.special.softmax(x.astype(np.float32), dim=1, dtype=np.float64).dtype == np.float64
    np.testing.assert_allclose(np.sum(tg.special.softmax(x)), 1.0, rtol=1e-14)
    with pytest.raises(TypeError, match=r"special.softmax: pass axis= \(NumPy's\) or dim= \(PyTorch's\), not both"):
        tg.special.softmax(x, 0, dim=1)
