"""Cases from NumPy's own test files (function_base, nanfunctions, numeric) that tensorgrad got
wrong: each compares with NumPy itself, and with JAX for the derivatives."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize("fn", ["var", "std"])
@pytest.mark.parametrize("ddof", [0.5, 1.5])
def test_fractional_ddof_is_not_truncated(fn, ddof):
    x = np.array([1., 5., 2., 9., 4.])
    assert np.allclose(getattr(tg, fn)(x, ddof=ddof), getattr(np, fn)(x, ddof=ddof), rtol=1e-13)
    g = tg.grad(lambda v: getattr(tg, fn)(v, ddof=ddof))(x)
    want = jax.grad(lambda v: getattr(jnp, fn)(v, ddof=ddof))(x)
    assert np.allclose(g, want, rtol=1e-12)
    assert np.allclose(tg.jit(lambda v: getattr(tg, fn)(v, ddof=ddof))(x), getattr(np, fn)(x, ddof=ddof))


def test_cov_one_row_rowvar_false_is_a_matrix():
    m = np.array([[1., 2., 3.]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # one observation: NumPy warns (ddof=1)
        got = tg.cov(m, rowvar=False)
        want = np.cov(m, rowvar=False)
    assert got.shape == want.shape == (3, 3)
    assert np.array_equal(np.isnan(got), np.isnan(want))
    m = np.array([[1., 2., 3.], [2., 0., 1.]])
    assert np.allclose(tg.cov(m[:1], rowvar=False, bias=True), np.cov(m[:1], rowvar=False, bias=True))
    assert np.allclose(tg.cov(m, rowvar=False), np.cov(m, rowvar=False))


def test_cov_weights_follow_numpy():
    x = np.array([[0., 2., 1., 5.], [1., 1., 4., 2.]])
    assert np.allclose(tg.cov(x, aweights=[1, 2, 1, 3]), np.cov(x, aweights=[1, 2, 1, 3]))
    with pytest.raises(TypeError, match="fweights"):
        tg.cov(x, fweights=[1.5, 1, 1, 1])
    with pytest.raises(ValueError, match="fweights"):
        tg.cov(x, fweights=[-1, 1, 1, 1])
    with pytest.raises(ValueError, match="aweights"):
        tg.cov(x, aweights=[-1., 1, 1, 1])
    with pytest.raises(ValueError, match="ddof"):
        tg.cov(x, ddof=0.5)


@pytest.mark.parametrize("a", [[np.inf, np.nan], [-np.inf, -np.inf, 0.], [1., np.inf, np.nan, np.inf],
                               [2., np.nan, 1., 7.]])
def test_nanmedian_with_an_infinite_middle(a):
    a = np.array(a)
    with np.errstate(all="raise"):
        got = tg.nanmedian(a)
    assert np.array_equal(got, np.nanmedian(a))


def test_nanmedian_gradient_matches_jax():
    a = np.array([[2., np.nan, 1., 7.], [3., 0.5, np.nan, np.nan]])
    g = tg.grad(lambda v: tg.sum(tg.nanmedian(v, axis=1) * np.array([1., 2.])))(a)
    want = jax.grad(lambda v: jnp.sum(jnp.nanmedian(v, axis=1) * np.array([1., 2.])))(a)
    assert np.allclose(g, want, rtol=1e-12)


def test_correlate_conjugates_complex_v():
    a = np.array([1 + 1j, 2, 3 - 1j])
    v = np.array([0, 1j, 1])
    for mode in ("valid", "same", "full"):
        assert np.allclose(tg.correlate(a, v, mode), np.correlate(a, v, mode))


def test_isclose_takes_array_tolerances():
    a = np.array([1., 1.1, 2.])
    b = np.array([1.05, 1., 2.])
    rtol, atol = [0.1, 0.01, 0.], [0., 0., 1e-9]
    assert np.array_equal(tg.isclose(a, b, rtol=rtol, atol=atol), np.isclose(a, b, rtol=rtol, atol=atol))
    assert np.array_equal(tg.jit(lambda u: tg.isclose(u, b, rtol=rtol))(a), np.isclose(a, b, rtol=rtol))


def test_interp_points_traced_by_jit():
    xp = np.array([0., 1., 1., 2.5, 4.])
    fp = np.array([1., 3., 5., -2., 0.5])
    w = np.arange(9.)

    def loss(x, f):
        return tg.sum(tg.interp(x, xp, f) * w)

    jitted = tg.jit(lambda x, f: tg.interp(x, xp, f))
    for x in (np.array([-1., 0., .5, 1., 1.7, 2.5, 3.9, 4., 5.]), np.linspace(-2, 6, 9)):
        assert np.array_equal(jitted(x, fp), np.interp(x, xp, fp))
        g = tg.jit(tg.grad(loss, argnums=(0, 1)))(x, fp)
        want = jax.grad(lambda x, f: jnp.sum(jnp.interp(x, xp, f) * w), argnums=(0, 1))(x, fp)
        for a, b in zip(g, want):
            assert np.allclose(a, b, rtol=1e-12, atol=1e-14)
    fpi = np.array([1., np.inf, 5., -2., 0.5])
    x = np.array([0.5, 1., 1.7])
    assert np.array_equal(tg.jit(lambda x: tg.interp(x, xp, fpi))(x), np.interp(x, xp, fpi))


@pytest.mark.parametrize("expr", ["percentile(x, 50)", "nanpercentile(x, 50)", "quantile(x, 0.5)",
                                  "nanquantile(x, 0.5)", "nanmedian(x)", "inner(x, x)",
                                  "interp(2.0, x, x)", "percentile(x, [50])", "interp([2.0], x, x)"])
def test_scalar_results_have_numpy_types(expr):
    x = np.array([0., 1., 3., 4.5])
    got, want = eval("tg." + expr), eval("np." + expr)
    assert type(got) is type(want) and np.shape(got) == np.shape(want)
    assert np.allclose(got, want)


def test_small_numpy_conventions():
    assert np.array_equal(tg.bincount([]), np.bincount([]))
    assert np.array_equal(tg.bincount([], minlength=3), np.bincount([], minlength=3))
    with pytest.raises(ValueError, match="trim"):
        tg.trim_zeros(np.array([0., 1., 0.]), trim="")
    assert np.array_equal(tg.convolve(3., [1., 2.]), np.convolve(3., [1., 2.]))
    assert tg.grad(lambda a: tg.sum(tg.convolve(a, np.array([1., 2.]))))(np.array(2.)) == 3.


@pytest.mark.parametrize("mode", ["constant", "edge", "mean"])
@pytest.mark.parametrize("width", [{0: (1, 1)}, {-1: 2}, {1: (0, 2), 0: 1}])
def test_pad_width_as_a_dict(mode, width):
    a = np.arange(6.).reshape(2, 3)
    assert np.array_equal(tg.pad(a, width, mode=mode), np.pad(a, width, mode=mode))
    g = tg.grad(lambda x: tg.sum(tg.pad(x, width, mode=mode) ** 2))(a)
    full = tuple(tuple(np.broadcast_to(width.get(k, width.get(k - 2, 0)), 2)) for k in range(2))
    assert np.allclose(g, tg.grad(lambda x: tg.sum(tg.pad(x, full, mode=mode) ** 2))(a))
