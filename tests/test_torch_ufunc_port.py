"""Checks ported from PyTorch's reductions and unary/binary ufunc tests: slopes far from the
origin, NaN slices, degrees of freedom beyond n, and second derivatives under tg.jit. Values as
NumPy's, derivatives as the exact ones (JAX's where JAX is exact)."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)


def test_arctan2_arcsinh_arccosh_slopes_far_from_the_origin():
    y = np.array([1e-300, 1e-170, 1e200, 3.0])
    x = np.array([0.0, 1e-170, 1e200, 4.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        gy, gx = tg.grad(lambda a, b: tg.sum(tg.arctan2(a, b)), argnums=(0, 1))(y, x)
        np.testing.assert_allclose(gy, [0.0, 5e169, 5e-201, 4 / 25], rtol=1e-14)
        np.testing.assert_allclose(gx, [-1e300, -5e169, -5e-201, -3 / 25], rtol=1e-14)
        big = np.array([1e170, -1e170, 3.0])
        np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.arcsinh(v)))(big),
                                   [1e-170, 1e-170, 1 / np.sqrt(10)], rtol=1e-14)
        np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.arccosh(v)))(np.array([1e170, 3.0])),
                                   [1e-170, 1 / np.sqrt(8)], rtol=1e-14)
        g32 = tg.grad(lambda a: tg.sum(tg.arctan2(a, np.float32(3e19))))(np.array([1e20], np.float32))
        assert g32.dtype == np.float32 and np.isclose(g32[0], 3e19 / (1e40 + 9e38), rtol=1e-5)


def test_median_slices_with_nan_have_no_gradient_and_second_order_compiles():
    x = np.array([[1.0, np.nan, 3.0], [4.0, 2.0, 3.0]])
    g = tg.grad(lambda v: tg.nansum(tg.median(v, axis=1)))(x)
    np.testing.assert_array_equal(g, jax.grad(lambda v: jnp.nansum(jnp.median(v, axis=1)))(x))
    v = np.array([3.0, 1.0, 2.0, 5.0])
    h = lambda v: tg.sum(tg.median(v) * v)  # noqa: E731
    np.testing.assert_allclose(tg.jit(tg.hessian(h))(v), tg.hessian(h)(v), rtol=1e-14)


@pytest.mark.parametrize("f", [lambda x: tg.sum(tg.sinc(x)), lambda x: tg.sum(tg.hypot(x, 1.0)),
                               lambda x: tg.sum(tg.hypot(x, 0.0) * x),
                               lambda l: tg.sum(tg.special.boxcox(np.array([0.5, 1.5, 2.0]), l)),
                               lambda l: tg.sum(tg.special.boxcox1p(np.array([0.5, 1.5, 2.0]), l))],
                         ids=["sinc", "hypot", "hypot-origin", "boxcox", "boxcox1p"])
def test_second_derivatives_compile_where_a_mask_decides_the_formula(f):
    x = np.array([0.0, 0.2, 1.0])
    np.testing.assert_allclose(tg.jit(tg.hessian(f))(x), tg.hessian(f)(x), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tg.jit(tg.hessian(f))(x + 0.3), tg.hessian(f)(x + 0.3), rtol=1e-12)


def test_var_and_std_beyond_n_degrees_of_freedom_slope_as_numpy_divides():
    x = np.array([1.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own "Degrees of freedom <= 0"
        for ddof in (2, 3, 2.5):
            assert np.isinf(tg.var(x, ddof=ddof)) and np.isinf(np.var(x, ddof=ddof))
            np.testing.assert_array_equal(tg.grad(lambda v: tg.var(v, ddof=ddof))(x), [-np.inf, np.inf])
            assert np.all(np.isnan(tg.grad(lambda v: tg.std(v, ddof=ddof))(x)))


def test_xlogy_slope_in_y_at_zero_is_nan_for_a_nan_x():
    x = np.array([np.nan, 2.0, -2.0, 0.0])
    gy = tg.grad(lambda y: tg.sum(tg.scipy.special.xlogy(x, y)))(np.zeros(4))
    np.testing.assert_array_equal(gy, [np.nan, np.inf, -np.inf, 0.0])
    g1 = tg.grad(lambda y: tg.sum(tg.scipy.special.xlog1py(x, y)))(-np.ones(4))
    np.testing.assert_array_equal(g1, [np.nan, np.inf, -np.inf, 0.0])
