"""Checks ported from JAX's operator tests (lax_numpy_operators_test.py): ldexp under jit,
mixed-precision derivatives, operators deferring to foreign operands, power's slope in y."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg


def test_ldexp_under_jit_and_vmap_takes_the_overflow_safe_steps():
    x = np.array([0.5, 2.0 ** 600, 0.0, 3.0, 1.5])
    e = np.array([1024, -1100, 2000, -1075, 10])
    with np.errstate(all="ignore"):
        want = np.ldexp(x, e)
    np.testing.assert_array_equal(tg.ldexp(x, e), want)
    np.testing.assert_array_equal(tg.jit(tg.ldexp)(x, e), want)
    np.testing.assert_array_equal(tg.vmap(tg.ldexp)(x, e), want)
    e2 = np.array([1023, -1100, 2000 - 1000, -1075, 10])  # slopes 2**e that are finite
    g = tg.jit(tg.grad(lambda x, e: tg.sum(tg.ldexp(x, e))))(x, e2)
    np.testing.assert_array_equal(g, np.ldexp(1.0, e2))
    with pytest.raises(TypeError, match="ldexp: the exponents x2 must be integers"):
        tg.jit(tg.ldexp)(x, e.astype(float))


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
@pytest.mark.parametrize("name", ["div", "rpow", "pow", "xlogy", "gammainc"])
def test_mixed_precision_derivatives_are_in_the_result_precision(dtype, name):
    # JAX promotes a narrower operand before the op, so the float64 gradient is exact;
    # the rules must not compute 1/c or log(c) in the operand's float16/float32
    f = {"div": lambda x, c: x / c, "rpow": lambda x, c: c ** x, "pow": lambda x, c: x ** c,
         "xlogy": tg.xlogy, "gammainc": lambda x, c: tg.scipy.special.gammainc(c, x)}[name]
    x = np.array([1.3, 2.1, 0.7])
    c = np.array([0.3, 0.7, 1.9], dtype)
    c64 = c.astype(np.float64)
    loss = lambda c: lambda x: tg.sum(f(x, c))  # noqa: E731
    np.testing.assert_allclose(tg.grad(loss(c))(x), tg.grad(loss(c64))(x), rtol=1e-13)
    np.testing.assert_allclose(tg.jvp(loss(c), (x,), (np.ones(3),))[1],
                               tg.jvp(loss(c64), (x,), (np.ones(3),))[1], rtol=1e-13)
    np.testing.assert_allclose(tg.hessian(loss(c))(x), tg.hessian(loss(c64))(x), rtol=1e-12)
    s = dtype(1.7)  # a NumPy float32 scalar too
    np.testing.assert_allclose(tg.grad(loss(s))(x), tg.grad(loss(np.float64(s)))(x), rtol=1e-13)


class _Unit:
    """A foreign type that implements the reflected operators (a units library, say)."""

    def __radd__(self, other):
        return "radd"

    def __rmul__(self, other):
        return "rmul"

    def __gt__(self, other):
        return "gt"


class _Nothing:
    pass


def test_operators_defer_to_a_foreign_operands_reflected_method():
    x = np.array([1.5, -2.0])
    for t in (tg.tensor(x, requires_grad=True), tg.tensor(x)):
        assert t + _Unit() == "radd"
        assert t * _Unit() == "rmul"
        assert (t < _Unit()) == "gt"  # x < u is u.__gt__(x)
        assert (t == _Nothing()) is False
        assert (t != _Nothing()) is True
    seen = []
    tg.grad(lambda v: (seen.append(v * _Unit()), tg.sum(v))[1])(x)
    assert seen == ["rmul"]
    with pytest.raises(TypeError):
        tg.tensor(x) + _Nothing()
    # arrays, numbers, lists and array-likes still take the op itself
    t = tg.tensor(x)
    np.testing.assert_array_equal(t + [1.0, 2.0], x + [1.0, 2.0])
    np.testing.assert_array_equal(t * np.float32(2), x * 2)
    np.testing.assert_array_equal(t - jnp.asarray(x), np.zeros(2))


def test_power_slope_in_the_exponent_at_a_negative_base_is_nan_without_a_warning():
    x, y = np.array([-2.0, 0.0, 3.0]), np.array([3.0, 2.0, 2.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        gx, gy = tg.grad(lambda x, y: tg.sum(x ** y), argnums=(0, 1))(x, y)
    jx, jy = jax.grad(lambda x, y: jnp.sum(x ** y), argnums=(0, 1))(x, y)
    np.testing.assert_allclose(gx, jx, rtol=1e-14)
    np.testing.assert_allclose(gy, jy, rtol=1e-14, equal_nan=True)
    assert np.isnan(gy[0]) and gy[1] == 0
