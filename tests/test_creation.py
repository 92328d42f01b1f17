"""``tg`` as an array namespace: NumPy's creation functions, constants and dtypes.

Constant-making functions return plain NumPy arrays (no gradient); ``full`` with a
traced fill value and ``array``/``asarray`` of lists holding traced values keep the
gradient, as ``jnp.full`` and ``jnp.array`` do."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg


def test_constants_match_numpy():
    for name, args in [("zeros", ((2, 3),)), ("ones", (4,)), ("eye", (3, 4, 1)), ("identity", (3,)),
                       ("tri", (3, 4, -1)), ("arange", (1, 7, 2)), ("arange", (5,)), ("full", ((2,), 3.5))]:
        got, want = getattr(tg, name)(*args), getattr(np, name)(*args)
        assert type(got) is np.ndarray and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(tg.empty((2, 2)), np.zeros((2, 2)))  # never uninitialized memory
    assert tg.ones(2, dtype=tg.float32).dtype == np.float32
    assert (tg.pi, tg.e, tg.inf, tg.newaxis, tg.float64) == (np.pi, np.e, np.inf, None, np.float64)
    x = np.array([1.0, 2.0])
    assert tg.asarray(x) is x and tg.array(x) is not x
    assert tg.array(x, ndmin=3).shape == (1, 1, 2)


def test_traced_values_keep_their_gradient_like_jnp():
    x = np.array([1.0, 2.0, 3.0])

    def f(m, v):
        return ((m.array([v[0] * 2, v[1], 3.0]) ** 2).sum() + m.full((2, 3), v[2]).sum()
                + m.asarray([[v[0]], [v[1]]]).sum() + m.array(v, ndmin=2).sum())
    np.testing.assert_allclose(tg.grad(lambda v: f(tg, v))(x), jax.jit(jax.grad(lambda v: f(jnp, v)))(x))
    np.testing.assert_allclose(tg.jit(tg.grad(lambda v: f(tg, v)))(x * 2),
                               jax.jit(jax.grad(lambda v: f(jnp, v)))(x * 2))
    assert tg.array([tg.Tensor(x)[0], 1.0], dtype=np.float32).dtype == np.float32
    # under tg.jit alone, a list of traced values is stacked too (recorded, replayed on new inputs)
    for f in (lambda v: tg.array([v[0], v[1] * 2]), lambda v: tg.sin([v[0], v[1]])):
        jitted = tg.jit(f)
        for arg in (x, x + 1):
            np.testing.assert_allclose(jitted(arg), np.asarray(f(tg.Tensor(arg))))
    with pytest.raises(TypeError, match="arange: its sizes and bounds must be concrete numbers"):
        tg.grad(lambda v: tg.sum(tg.arange(v[0]) * v[0]))(x)


def test_arange_takes_numpy_2s_stop_keyword():
    np.testing.assert_array_equal(tg.arange(stop=4), np.arange(stop=4))
    np.testing.assert_array_equal(tg.arange(stop=5, step=2), np.arange(stop=5, step=2))
    with pytest.raises(TypeError, match="requires stop"):
        tg.arange()
