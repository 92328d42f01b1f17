"""tg.lax against jax.lax where a probe found them apart: a custom reduction that agrees with
add on small numbers only, an integer preferred_element_type for float operands, cumulative
ops of a 0-d operand, a Python float base with integer exponents, broadcast_to_rank of a
higher-rank operand."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp

jax.config.update("jax_enable_x64", True)


def test_a_saturating_add_is_not_taken_for_add():
    x = np.array([[4.0, 5.0, 6.0], [1.0, 1.0, 1.0]])
    ours = lambda a, b: tnp.minimum(a + b, 10.0)  # noqa: E731
    theirs = lambda a, b: jnp.minimum(a + b, 10.0)  # noqa: E731
    np.testing.assert_array_equal(np.asarray(tg.lax.reduce(x, 0.0, ours, (1,))),
                                  jax.lax.reduce(x, 0.0, theirs, (1,)))
    np.testing.assert_array_equal(
        np.asarray(tg.lax.reduce_window(x, 0.0, ours, (1, 3), (1, 1), "VALID")),
        jax.lax.reduce_window(x, 0.0, theirs, (1, 3), (1, 1), "VALID"))
    big = np.array([3e9, 5e8, 1.0])  # (saturation far above the fixed probe pairs' sums)
    cap = lambda a, b: tnp.minimum(a + b, 1e12)  # noqa: E731
    assert float(tg.lax.reduce(big, 0.0, cap, (0,))) == 3e9 + 5e8 + 1.0
    np.testing.assert_array_equal(tg.lax.reduce(x, 0.0, lambda a, b: a + b, (1,)), [15.0, 3.0])
    y = np.arange(300.0)
    y[280] = np.nan  # (fmax skips NaN: it is not max, however far the NaN)
    assert float(tg.lax.reduce(y, -np.inf, lambda a, b: tnp.fmax(a, b), (0,))) == 299.0


def test_integer_preferred_element_type_for_float_operands():
    a, b = np.array([[1.6, 2.7]]), np.array([[1.5], [1.5]])
    dn = (((1,), (0,)), ((), ()))
    got = tg.lax.dot_general(a, b, dn, preferred_element_type=np.int32)
    want = jax.lax.dot_general(a, b, dn, preferred_element_type=np.int32)
    assert np.asarray(got).dtype == want.dtype
    np.testing.assert_array_equal(np.asarray(got), want)  # (6.45 truncated, not 1·1 + 2·1)
    c, d = np.array([[1 + 2j, 1.0], [2j, 3.0]]), np.array([[1 + 1j, 1.0], [2.0, 2.0]])
    np.testing.assert_array_equal(  # (the complex products' real parts, not the real parts';
        np.asarray(tg.lax.dot_general(c, d, dn, preferred_element_type=np.float64)),  # JAX's
        (c @ d).real)  # answer, though XLA's CPU compiler fails on it in some processes)
    with pytest.raises(TypeError, match="preferred_element_type int32"):
        tg.lax.conv_general_dilated(np.array([[[0.6, 0.7, 0.8]]]), np.ones((1, 1, 2)), (1,),
                                    "VALID", preferred_element_type=np.int32)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "cummax", "cumlogsumexp"])
def test_cumulative_ops_refuse_a_zero_dimensional_operand(name):
    with pytest.raises(ValueError, match="out of bounds"):
        getattr(jax.lax, name)(np.float64(1.5))
    with pytest.raises(ValueError, match=f"{name}: axis 0 is out of bounds"):
        getattr(tg.lax, name)(np.float64(1.5))


def test_python_float_base_and_broadcast_to_rank():
    e = np.array([2, -1], np.int32)
    np.testing.assert_array_equal(np.asarray(tg.lax.pow(2.5, e)), jax.lax.pow(2.5, e))
    x = np.ones((2, 3))
    assert tg.lax.broadcast_to_rank(x, 1).shape == jax.lax.broadcast_to_rank(x, 1).shape
    assert tg.lax.broadcast_to_rank(x, 4).shape == (1, 1, 2, 3)
