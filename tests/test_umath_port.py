"""Checks ported from NumPy's ufunc tests (special values of ldexp, frexp, modf, copysign,
logaddexp, remainder, arctan2, hypot): values as NumPy's, derivatives as JAX's (float64)."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np

import tensorgrad as tg


def _same(a, b):
    """Equal values, signed zeros and NaNs included, and the same type and dtype."""
    assert type(a) is type(b), (type(a), type(b))
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.signbit(a), np.signbit(b))


def test_ldexp_and_frexp_are_exact_where_two_to_the_exponent_alone_overflows():
    for x, e in [(0.5, 1024), (2.0 ** 600, -1100), (0.0, 10000), (1.5, -1074), (3.0, -1075),
                 (np.float32(0.5), 128), (np.float16(0.5), 16), (np.float32(3.0), -150),
                 (-0.0, 5000), (np.inf, -5000)]:
        _same(tg.ldexp(x, e), np.ldexp(x, e))
    x = np.array([5e-324, -2.5e-310, 1e-300, 3.0, -0.0])
    for got, want in zip(tg.frexp(x), np.frexp(x)):
        _same(got, want)
    np.testing.assert_array_equal(tg.jit(lambda v: tg.frexp(v)[0])(x), np.frexp(x)[0])
    # the slope is the same product of powers of two: 2**e, also past the float range
    np.testing.assert_array_equal(tg.grad(lambda v: tg.ldexp(v, -1074))(1.0), 5e-324)


def test_modf_keeps_the_sign_of_a_zero_fraction_and_copysign_gives_scalars():
    x = np.array([-3.0, -0.5, 2.0, -0.0, -np.inf, np.inf, -1e300])
    for got, want in zip(tg.modf(x), np.modf(x)):
        _same(got, want)
    _same(tg.modf(-2.0)[0], np.modf(-2.0)[0])
    _same(tg.modf(np.float64(np.inf))[0], np.modf(np.float64(np.inf))[0])
    _same(tg.copysign(2.0, -1.0), np.copysign(2.0, -1.0))
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.modf(v)[0]))(x[:4]), np.ones(4))


def test_logaddexp_gradient_keeps_a_nan():
    a = np.array([np.nan, 1.0, np.nan])
    b = np.array([0.0, np.nan, np.nan])
    for tgf, jf in [(tg.logaddexp, jnp.logaddexp), (tg.logaddexp2, jnp.logaddexp2)]:
        with np.errstate(invalid="ignore"):
            got = tg.grad(lambda x, y: tg.sum(tgf(x, y)), argnums=(0, 1))(a, b)
        want = jax.grad(lambda x, y: jnp.sum(jf(x, y)), argnums=(0, 1))(a, b)
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, np.asarray(w))


def test_remainder_by_an_infinite_divisor_has_slope_one_in_x():
    x = np.array([1.0, 1.0, -1.0])
    y = np.array([-np.inf, np.inf, np.inf])
    got = tg.vjp(tg.remainder, x, y)[1](np.ones(3))
    want = jax.vjp(jnp.remainder, x, y)[1](np.ones(3))
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, np.asarray(w))
    np.testing.assert_array_equal(tg.jvp(tg.remainder, (x, y), (np.ones(3), np.zeros(3)))[1],
                                  np.asarray(jax.jvp(jnp.remainder, (x, y), (np.ones(3), np.zeros(3)))[1]))


def test_arctan2_and_hypot_gradients_are_quiet_where_jax_is():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for p in [(0.0, 0.0), (1.0, np.inf), (np.inf, 2.0)]:
            got = tg.grad(tg.arctan2, argnums=(0, 1))(*p)
            want = jax.grad(jnp.arctan2, argnums=(0, 1))(*p)
            np.testing.assert_array_equal(np.asarray(got), np.asarray(want))
        # x/r with r infinite: 0 for a finite x (JAX's NaN there is inf/inf of its own form)
        np.testing.assert_array_equal(tg.grad(tg.hypot, argnums=(0, 1))(2.0, np.inf), [0.0, np.nan])
        np.testing.assert_array_equal(tg.grad(tg.hypot, argnums=(0, 1))(np.inf, np.inf), [np.nan, np.nan])
