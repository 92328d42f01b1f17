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


# ---- from MyGrad's tests ---------------------------------------------------------------------

@pytest.mark.parametrize("x", [[2.0, np.inf, 3.0], [2.0, np.nan, 3.0], [np.inf, 2.0, 3.0],
                               [np.inf, 0.0, 3.0], [2.0, 0.5, 3.0]])
def test_cumprod_gradient_with_infinite_or_nan_entries(x):
    x = np.array(x)
    want = jax.grad(lambda v: jnp.sum(jnp.cumprod(v)))(x)
    f = lambda v: tg.sum(tg.cumprod(v))  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy's own cumprod of [inf, 0] warns
        got = [tg.grad(f)(x), tg.jit(tg.grad(f))(x)]
    for g in got:
        np.testing.assert_allclose(g, want, rtol=1e-14)


def test_slopes_of_gelu_soft_sign_and_arctan_at_huge_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for dt, big in ((np.float64, 1e200), (np.float32, 1e30)):
            x = np.array([-big, -3.0, 0.5, big], dt)
            g = tg.grad(lambda v: tg.sum(tg.nn.gelu(v)))(x)
            assert g.dtype == dt and g[0] == 0 and g[-1] == 1
            # against JAX's float64 slopes at the same points (float32 loses ~1e-5 to cancellation at -3)
            want = jax.grad(lambda v: jnp.sum(jax.nn.gelu(v)))(x.astype(np.float64))[1:3]
            np.testing.assert_allclose(g[1:3], want, rtol=1e-12 if dt == np.float64 else 5e-5)
            r = 1 / (np.abs(x.astype(np.float64)) + 1)  # (the exact slopes, without squaring x)
            s = tg.grad(lambda v: tg.sum(tg.nn.soft_sign(v)))(x)
            np.testing.assert_allclose(s, (r * r).astype(dt), rtol=1e-6)
            a = tg.grad(lambda v: tg.sum(tg.arctan(v)))(x)
            u = np.minimum(np.abs(x.astype(np.float64)), 1 / np.abs(x.astype(np.float64)))
            np.testing.assert_allclose(a, (np.where(np.abs(x) > 1, u * u, 1.0) / (1 + u * u)).astype(dt), rtol=1e-6)


@pytest.mark.parametrize("name, x, kw", [
    ("var", np.array([[1.0], [2.0]]), {"axis": 1, "ddof": 1}),
    ("std", np.array([[1.0], [2.0]]), {"axis": 1, "ddof": 1}),
    ("var", np.zeros((2, 0)), {"axis": 1}),
    ("std", np.zeros((2, 0)), {"axis": 1})])
def test_var_std_backward_over_too_few_entries_does_not_warn_again(name, x, kw):
    # (ported from tinygrad's op tests) the forward warns as np.var does; the backward gives
    # JAX's NaN/inf slopes without warning a second time
    f = lambda a: getattr(tg, name)(a, **kw)  # noqa: E731
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        v, pull = tg.vjp(f, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        g = pull(np.ones(np.shape(v)))[0]
    jf = lambda a: getattr(jnp, name)(a, **kw)  # noqa: E731
    np.testing.assert_array_equal(np.isnan(g), np.isnan(jax.vjp(jf, x)[1](np.ones(np.shape(v)))[0]))
