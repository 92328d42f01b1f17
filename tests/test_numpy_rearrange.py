"""NumPy's selection functions built as gathers at positions NumPy computes (insert,
delete, resize, compress, extract, choose) and the small compositions beside them,
against NumPy's values and JAX's gradients (forward mode where JAX has no such
function), and through tg.jit on new inputs."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

X = np.linspace(0.5, 2.0, 12).reshape(3, 4)
MASK = X > 1.0

CASES = {
    "insert scalar": lambda m, v: m.insert(v, [1, 3], 5.0 * v[0, 0], axis=1),
    "insert column": lambda m, v: m.insert(v, 2, v[:, 0]),
    "insert row": lambda m, v: m.insert(v, 1, v[1], axis=0),
    "delete": lambda m, v: m.delete(v, [0, -1], axis=1),
    "delete flat": lambda m, v: m.delete(v, slice(2, 7)),
    "resize": lambda m, v: m.resize(v, (5, 3)),
    "compress": lambda m, v: m.compress([True, False, True], v, axis=0),
    "extract": lambda m, v: m.extract(MASK, v),
    "choose": lambda m, v: m.choose(np.array([[0, 1, 2, 0]]), [v[0], v[1], v[2]]),
    "broadcast_arrays": lambda m, v: m.broadcast_arrays(v, v[0])[1],
    "ediff1d": lambda m, v: m.ediff1d(v, to_begin=v[0, 0], to_end=[1.0, 2.0]),
    "modf": lambda m, v: m.modf(v * 3)[0],
    "frexp": lambda m, v: m.frexp(v * 3)[0],
    "unwrap": lambda m, v: m.unwrap(v * 4),
    "polyder": lambda m, v: m.polyder(v[0], 2),
    "polyint": lambda m, v: m.polyint(v[0], 2, k=[1.0, 2.0]),
}


@pytest.mark.parametrize("name", list(CASES))
def test_values_gradients_and_jit(name):
    f = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(np.asarray(f(np, tg.Tensor(X))), f(np, X))  # through np.*
        want = f(np, X)
        w = np.random.default_rng(0).normal(size=np.shape(want))
        loss = lambda v: tg.sum(f(tg, v) * w)  # noqa: E731
        g = tg.grad(loss)(X)
        jloss = jax.grad(lambda v: jnp.sum(f(jnp, v) * w))
        try:  # compiled: one program, not one per primitive and shape (memory)
            ref = np.asarray(jax.jit(jloss)(jnp.asarray(X)))
        except (TypeError, AttributeError, NotImplementedError):
            try:  # value-dependent shapes (extract, choose): eager JAX
                ref = np.asarray(jloss(jnp.asarray(X)))
            except (TypeError, AttributeError, NotImplementedError):  # JAX lacks it or its signature
                ref = tg.jacfwd(loss)(X)
        np.testing.assert_allclose(g, ref, rtol=1e-13, atol=1e-15)
        jitted = tg.jit(tg.grad(loss))
        np.testing.assert_allclose(jitted(X * 1.1), tg.grad(loss)(X * 1.1), rtol=1e-14, atol=1e-15)


def test_integer_and_constant_valued_helpers():
    x = X.copy()
    x[1, 2] = np.nan
    t = tg.Tensor(x)
    assert np.nanargmax(t) == np.nanargmax(x) and np.nanargmin(t, axis=0).tolist() == np.nanargmin(x, axis=0).tolist()
    np.testing.assert_allclose(np.asarray(np.nanmedian(t, axis=0)), np.nanmedian(x, axis=0))
    g = tg.grad(lambda v: tg.sum(np.nanmedian(v, axis=1)))(x)
    assert g[1, 2] == 0 and np.isfinite(g).all()
    np.testing.assert_array_equal(np.spacing(t), np.spacing(x))
    np.testing.assert_array_equal(np.angle(tg.Tensor(-X)), np.angle(-X))
    for fn in (np.tril_indices_from, np.triu_indices_from):
        for got, want in zip(fn(tg.Tensor(X), 1), fn(X, 1)):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.asarray(np.unique_values(tg.Tensor(x[0]))), np.unique_values(x[0]))
    np.testing.assert_array_equal(np.asarray(np.real_if_close(t)), x)
    assert np.linalg.matrix_rank(tg.Tensor(X)) == np.linalg.matrix_rank(X) == 2
    assert tg.grad(lambda v: tg.sum(v * np.linalg.matrix_rank(v)))(X)[0, 0] == 2.0
    assert tg.grad(lambda v: tg.sum(np.spacing(v) * 0 + np.frexp(v)[1] * v))(X[0]).shape == (4,)
    np.testing.assert_array_equal(np.resize(tg.Tensor(np.array([])), (3,)), np.resize(np.array([]), (3,)))
    with pytest.raises(IndexError):
        np.delete(tg.Tensor(X), 9, axis=1)
    with pytest.raises(ValueError, match="tril_indices_from: input array must be 2-D"):
        np.tril_indices_from(tg.Tensor(X[0]))


def test_piecewise_and_clip_keywords():
    x = np.linspace(-1.5, 2.0, 8)

    def f(m, v):
        return m.piecewise(v, [v < 0, v >= 1], [lambda a: a ** 2, lambda a: m.log(a), lambda a: 2 * a])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # log never sees the negative entries
        np.testing.assert_allclose(np.asarray(f(np, tg.Tensor(x))), f(np, x))
        np.testing.assert_allclose(tg.grad(lambda v: tg.sum(f(np, v)))(x),
                                   jax.jit(jax.grad(lambda v: jnp.sum(f(jnp, v))))(x), rtol=1e-14)
    np.testing.assert_array_equal(np.asarray(np.piecewise(tg.Tensor(x), [x < 0], [0.5, lambda a: a])),
                                  np.piecewise(x, [x < 0], [0.5, lambda a: a]))
    np.testing.assert_array_equal(np.asarray(np.clip(tg.Tensor(x), min=0, max=1)), np.clip(x, min=0, max=1))
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(np.clip(v, min=0.0)))(x), (x >= 0) * 1.0)
    with pytest.raises(TypeError, match="clip: give a_min or min, not both"):
        tg.clip(x, 0.0, min=1.0)
    with pytest.raises(ValueError, match="piecewise: 2 conditions need 2 or 3 functions, got 1"):
        np.piecewise(tg.Tensor(x), [x < 0, x > 1], [0.0])
