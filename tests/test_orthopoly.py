"""Orthogonal polynomials and spherical Bessel functions (tensorgrad/ops/orthopoly.py).

The registry table checks each op against a jax.numpy recurrence on random inputs; this
file checks what it cannot: SciPy's values over many orders (negative and non-integer n
too), float32, broadcasting of n, the special points x = ±1, 0 and z = 0, the derivative=
flag, third derivatives, tg.jit and tg.vmap, and the errors.
"""
import numpy as np
import pytest
import scipy.special as sp

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient

ss = tg.scipy.special
POLYS = ["eval_legendre", "eval_chebyt", "eval_chebyu", "eval_hermite", "eval_hermitenorm",
         "eval_laguerre", "eval_sh_legendre", "eval_sh_chebyt", "eval_sh_chebyu"]
HERMITE = ("eval_hermite", "eval_hermitenorm")
SPHERICAL = ["spherical_jn", "spherical_yn", "spherical_in", "spherical_kn"]


def _points(name):
    if name.startswith("eval_sh_"):
        return np.linspace(-0.2, 1.2, 29)
    if name in HERMITE or name == "eval_laguerre":
        return np.linspace(-3.0, 6.0, 31)
    return np.linspace(-1.3, 1.3, 27)


def _grad(f):
    return tg.grad(lambda y: tg.sum(f(y)))


@pytest.mark.parametrize("name", POLYS)
def test_polynomials_match_scipy_over_many_orders(name):
    x = _points(name)
    orders = range(0 if name in HERMITE else -8, 26)
    for n in orders:
        np.testing.assert_allclose(np.asarray(getattr(ss, name)(n, x)), getattr(sp, name)(n, x),
                                   rtol=1e-14, atol=0, err_msg=f"{name}(n={n})")
    n = np.arange(0, 26)[:, None]  # an array of orders, broadcast against x
    out = getattr(ss, name)(n, x)
    assert np.shape(out) == (26, x.size)
    np.testing.assert_allclose(np.asarray(out), getattr(sp, name)(n, x), rtol=1e-14, atol=0)


@pytest.mark.parametrize("name", [p for p in POLYS if p not in HERMITE])
def test_non_integer_orders_are_scipys_and_differentiate(name):
    x = np.linspace(0.05, 0.95, 9) if name.startswith("eval_sh_") else np.linspace(-0.9, 0.9, 9)
    for nu in (2.5, 0.3, -1.5, 4.75):
        f = lambda y, nu=nu: getattr(ss, name)(nu, y)  # noqa: E731
        np.testing.assert_allclose(np.asarray(f(x)), getattr(sp, name)(nu, x), rtol=1e-13, atol=1e-15)
        fd = central_difference_gradient(lambda y: np.sum(getattr(sp, name)(nu, y)), x)
        np.testing.assert_allclose(np.asarray(_grad(f)(x)), fd, rtol=1e-6, atol=1e-7,
                                   err_msg=f"{name}(n={nu})")


@pytest.mark.parametrize("name", POLYS + SPHERICAL)
def test_float32_stays_float32_and_integers_give_float64(name):
    x = (np.linspace(0.1, 0.9, 7) if name.startswith(("eval_sh_", "spherical_")) else
         np.linspace(-0.9, 0.9, 7))
    out = getattr(ss, name)(3, x.astype(np.float32))
    assert out.dtype == np.float32
    np.testing.assert_allclose(np.asarray(out), getattr(sp, name)(3, x), rtol=2e-6, atol=1e-6)
    assert getattr(ss, name)(2, np.array([1, 2])).dtype == np.float64
    g = tg.grad(lambda y: tg.sum(getattr(ss, name)(3, y)))(x.astype(np.float32))
    assert g.dtype == np.float32


def test_integer_orders_broadcast_like_scipy():
    n = np.array([[0], [3], [3], [-2], [7]])
    x = np.array([[-0.4, 0.0, 0.25, 0.8]])
    for name in ("eval_legendre", "eval_chebyu", "eval_laguerre", "eval_sh_chebyt"):
        np.testing.assert_allclose(np.asarray(getattr(ss, name)(n, x)), getattr(sp, name)(n, x),
                                   rtol=1e-14)
    # float n holding integers is the integer polynomial (SciPy's float loop agrees to rounding)
    np.testing.assert_allclose(np.asarray(ss.eval_legendre(n.astype(float), x)),
                               sp.eval_legendre(n, x), rtol=1e-14)
    # the gradient sums over the orders' axis back to x's shape
    g = tg.grad(lambda y: tg.sum(ss.eval_hermite(np.array([[1], [2], [4]]), y)))(x)
    expected = sum(2 * k * sp.eval_hermite(k - 1, x) for k in (1, 2, 4))
    np.testing.assert_allclose(np.asarray(g), expected, rtol=1e-13)
    assert np.shape(ss.eval_legendre(np.zeros((0, 1), int), x)) == (0, 4)


def test_values_and_slopes_at_the_ends_and_zero():
    x = np.array([-1.0, 0.0, 1.0])
    for n in range(0, 9):
        for name in ("eval_legendre", "eval_chebyt", "eval_chebyu", "eval_sh_legendre"):
            np.testing.assert_array_equal(np.asarray(getattr(ss, name)(n, x)), getattr(sp, name)(n, x))
        sign = (-1) ** (n + 1)
        slopes = {"eval_legendre": n * (n + 1) / 2, "eval_chebyt": n * n,
                  "eval_chebyu": n * (n + 1) * (n + 2) / 3}
        for name, at1 in slopes.items():
            g = np.asarray(_grad(lambda y, name=name: getattr(ss, name)(n, y))(x))
            assert np.all(np.isfinite(g))
            np.testing.assert_allclose(g[[0, 2]], [sign * at1, at1], rtol=1e-13, err_msg=name)
    # the shifted polynomials at 0 and 1 are the plain ones at −1 and 1, with twice the slope
    g = _grad(lambda y: ss.eval_sh_legendre(4, y))(np.array([0.0, 1.0]))
    np.testing.assert_allclose(np.asarray(g), [-20.0, 20.0], rtol=1e-13)


@pytest.mark.parametrize("name", SPHERICAL)
def test_spherical_values_and_derivative_flag_match_scipy(name):
    z = np.array([0.0, 1e-3, 0.2, 0.5, 1.0, 2.5, 7.0, 20.0, -0.6, -3.0])
    for n in range(0, 9):
        for derivative in (False, True):
            expected = getattr(sp, name)(n, z, derivative=derivative)
            got = np.asarray(getattr(ss, name)(n, z, derivative=derivative))
            np.testing.assert_allclose(got, expected, rtol=1e-14, atol=0, equal_nan=True,
                                       err_msg=f"{name}(n={n}, derivative={derivative})")
    n = np.array([[0], [2], [5]])
    np.testing.assert_allclose(np.asarray(getattr(ss, name)(n, z[1:8])),
                               getattr(sp, name)(n, z[1:8]), rtol=1e-14)


@pytest.mark.parametrize("name", SPHERICAL)
def test_spherical_slope_is_scipys_derivative(name):
    z = np.array([0.0, 0.3, 1.7, 6.0]) if name in ("spherical_jn", "spherical_in") \
        else np.array([0.3, 1.7, 6.0])
    for n in range(0, 6):
        g = _grad(lambda y: getattr(ss, name)(n, y))(z)
        np.testing.assert_allclose(np.asarray(g), getattr(sp, name)(n, z, derivative=True),
                                   rtol=1e-14, err_msg=f"{name}(n={n})")
        zp, eps = z[z > 0], 1e-5
        h = _grad(lambda y: getattr(ss, name)(n, y, derivative=True))(zp)
        fd = (getattr(sp, name)(n, zp + eps, True) - getattr(sp, name)(n, zp - eps, True)) / (2 * eps)
        np.testing.assert_allclose(np.asarray(h), fd, rtol=1e-7, atol=1e-9)


def test_spherical_at_zero():
    z = np.array([0.0])
    # j and i: finite derivatives of every order at 0 (j₀ = 1 − z²/6 + ..., i₀ = 1 + z²/6 + ...)
    second = _grad(_grad(lambda y: ss.spherical_jn(0, y)))
    np.testing.assert_allclose(np.asarray(second(z)), [-1 / 3], rtol=1e-14)
    np.testing.assert_allclose(np.asarray(_grad(_grad(lambda y: ss.spherical_in(2, y)))(z)),
                               [2 / 15], rtol=1e-14)
    np.testing.assert_allclose(np.asarray(_grad(lambda y: ss.spherical_jn(1, y))(z)), [1 / 3])
    # y and k: SciPy's infinite (or NaN) slopes; a zero cotangent gives 0, never NaN
    assert np.asarray(_grad(lambda y: ss.spherical_yn(0, y))(z))[0] == np.inf
    assert np.isnan(np.asarray(_grad(lambda y: ss.spherical_yn(1, y))(z))[0])
    assert np.asarray(_grad(lambda y: ss.spherical_kn(2, y))(z))[0] == -np.inf
    _, vjp = tg.vjp(lambda y: ss.spherical_kn(1, y), z)
    np.testing.assert_array_equal(np.asarray(vjp(np.zeros(1))[0]), [0.0])
    assert np.asarray(_grad(lambda y: ss.spherical_kn(1, y, derivative=True))(z))[0] == np.inf
    assert np.asarray(_grad(lambda y: ss.spherical_yn(3, y, derivative=True))(z))[0] == -np.inf


THIRD = [("eval_legendre", 5, np.linspace(-0.9, 0.9, 5)), ("eval_legendre", 2.5, np.linspace(-0.8, 0.8, 5)),
         ("eval_chebyt", 6, np.linspace(-0.9, 0.9, 5)), ("eval_chebyu", -5, np.linspace(-0.9, 0.9, 5)),
         ("eval_hermite", 6, np.linspace(-2, 2, 5)), ("eval_hermitenorm", 5, np.linspace(-2, 2, 5)),
         ("eval_laguerre", 6, np.linspace(0.2, 4, 5)), ("eval_laguerre", 1.5, np.linspace(0.2, 4, 5)),
         ("eval_sh_chebyu", 4, np.linspace(0.1, 0.9, 5)), ("spherical_jn", 2, np.linspace(0.1, 5, 5)),
         ("spherical_yn", 1, np.linspace(0.5, 5, 5)), ("spherical_in", 3, np.linspace(0.1, 3, 5)),
         ("spherical_kn", 2, np.linspace(0.5, 4, 5))]


@pytest.mark.parametrize("name, n, x", THIRD, ids=[f"{a}-{b}" for a, b, _ in THIRD])
def test_third_derivative_matches_differences_of_the_second(name, n, x):
    f = lambda y: getattr(ss, name)(n, y)  # noqa: E731
    second = _grad(_grad(f))
    third = np.asarray(_grad(_grad(_grad(f)))(x))
    fd = central_difference_gradient(lambda y: np.sum(np.asarray(second(y))), x, eps=1e-5)
    np.testing.assert_allclose(third, fd, rtol=1e-6, atol=1e-6 * np.max(np.abs(fd)))


def test_jit_vmap_and_scipy_dispatch():
    x = np.array([-0.7, -0.1, 0.4, 0.95])
    n = np.array([1, 3, 4, 6])
    f = lambda y: tg.sum(ss.eval_legendre(n, y) * ss.eval_chebyt(3, y))  # noqa: E731
    np.testing.assert_allclose(np.asarray(tg.jit(tg.grad(f))(x)), np.asarray(tg.grad(f)(x)), rtol=1e-14)
    h = tg.jit(_grad(_grad(lambda y: ss.spherical_jn(2, y))))
    np.testing.assert_allclose(np.asarray(h(x + 1)), np.asarray(
        _grad(lambda y: ss.spherical_jn(2, y, derivative=True))(x + 1)), rtol=1e-14)
    per = tg.vmap(tg.grad(lambda y: ss.eval_laguerre(4, y)))(x)
    np.testing.assert_allclose(np.asarray(per), -sp.eval_genlaguerre(3, 1, x), rtol=1e-13)
    t = tg.asarray(x)
    out = sp.eval_hermitenorm(3, t)  # scipy.special's ufunc on a Tensor runs the op
    assert isinstance(out, type(t))
    np.testing.assert_allclose(np.asarray(out), sp.eval_hermitenorm(3, x), rtol=1e-14)
    assert ss.eval_sh_chebyu is tg.special.eval_sh_chebyu


def test_bad_orders_and_inputs_raise_clear_errors():
    x = np.array([0.1, 0.2])
    with pytest.raises(ValueError, match="eval_hermite: n must be non-negative"):
        ss.eval_hermite(np.array([2, -1]), x)
    with pytest.raises(ValueError, match="eval_hermitenorm: n must hold integers"):
        ss.eval_hermitenorm(1.5, x)
    with pytest.raises(ValueError, match="spherical_yn: n must be non-negative"):
        ss.spherical_yn(-1, x)
    with pytest.raises(ValueError, match="spherical_jn: n must hold integers"):
        ss.spherical_jn(1.5, x)
    with pytest.raises(ValueError, match="eval_legendre: n must be finite"):
        ss.eval_legendre(np.array([1.0, np.nan]), x)
    with pytest.raises(TypeError, match="eval_chebyt: n must be integers, got dtype"):
        ss.eval_chebyt(np.array(["a"]), x)
    with pytest.raises(TypeError, match="eval_laguerre: x must be real, got dtype complex128"):
        ss.eval_laguerre(2, x + 1j)
    with pytest.raises(TypeError, match="spherical_in: derivative must be True or False"):
        ss.spherical_in(1, x, derivative="yes")
    with pytest.raises(TypeError, match="eval_legendre: n must be a constant"):
        tg.grad(lambda n: tg.sum(ss.eval_legendre(n, x)))(2.0)


def test_an_overflowing_order_spoils_no_other_entrys_gradient():
    # with an array of orders each order was evaluated at every x, so H_300(0.7)'s infinite
    # slope met the other entries' zero cotangent: NaN gradients for n = 1 and 5
    x, n = np.array([0.7, 0.7, 0.7]), np.array([1, 5, 300])
    g = tg.grad(lambda t: tg.sum(tg.special.eval_hermite(n, t)))(x)
    np.testing.assert_allclose(g[:2], [2.0, 2 * 5 * sp.eval_hermite(4, 0.7)], rtol=1e-13)
    assert np.isinf(g[2])
    g2 = tg.grad(lambda t: tg.sum(tg.special.eval_hermitenorm(n, t)))(x)
    np.testing.assert_allclose(g2[:2], [1.0, 5 * sp.eval_hermitenorm(4, 0.7)], rtol=1e-13)
    orders = np.array([[2], [3]])  # orders broadcast against x
    v = tg.special.eval_legendre(orders, np.array([0.1, 0.5, 0.9]))
    np.testing.assert_allclose(v, sp.eval_legendre(orders, np.array([0.1, 0.5, 0.9])), rtol=1e-14)
