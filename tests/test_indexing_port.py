"""Cases from JAX's indexing tests that tensorgrad got wrong: tied min/max updates written to
one entry, narrow integer indices into long axes, and traced indices with get's modes."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize("op", ["max", "min"])
def test_tied_updates_to_one_entry_share_the_gradient_evenly(op):
    x = np.array([1., 2., 3.])
    i = np.array([0, 0, 0, 1])
    y = np.array([5., 5., 5., 2.]) if op == "max" else np.array([-5., -5., -5., 2.])

    def f(a, b):
        return tg.sum(getattr(a.at[i], op)(b))

    def fj(a, b):
        return jnp.sum(getattr(a.at[i], op)(b))
    for g, want in zip(tg.grad(f, argnums=(0, 1))(x, y), jax.grad(fj, argnums=(0, 1))(x, y)):
        assert np.allclose(g, want, rtol=1e-14)
    g = tg.grad(lambda a, b: tg.sum(a.at[np.array([0, 0])].max(b)), argnums=(0, 1))(
        np.array([1., 0.]), np.array([1., 1.]))
    assert np.allclose(g[0], [1 / 3, 1]) and np.allclose(g[1], [1 / 3, 1 / 3])
    assert np.array_equal(getattr(tg.at(x)[i], op)(y), getattr(jnp.asarray(x).at[i], op)(y))


def test_narrow_integer_indices_into_a_long_axis():
    x = np.arange(300.)
    i8 = np.array([-1, 5, 100], dtype=np.int8)
    u8 = np.array([255, 5], dtype=np.uint8)
    assert np.array_equal(tg.at(x)[i8].get(mode="clip"), x[i8])
    y = x.copy()
    np.add.at(y, i8, 1.)
    assert np.array_equal(tg.at(x)[i8].add(1., mode="drop"), y)
    assert np.array_equal(tg.at(x)[u8].get(mode="fill"), x[u8])
    assert np.array_equal(tg.take(x, u8, mode="wrap"), np.take(x, u8, mode="wrap"))
    assert np.array_equal(tg.take_along_axis(x, i8, axis=0, mode="clip"), x[i8])
    assert tg.jit(lambda a, j: a.at[j].set(0.))(x, np.int8(-1))[-1] == 0.
    assert np.array_equal(tg.jit(lambda a, j: tg.lax.dynamic_slice(a, (j,), (3,)))(x, np.int8(-1)), x[-3:])
    assert tg.jit(lambda a, j: a.at[j].get(mode="fill"))(x, np.int8(-1)) == x[-1]


@pytest.mark.parametrize("kw", [dict(mode="clip"), dict(mode="fill", fill_value=-1.), dict(mode="fill")])
def test_get_modes_with_a_traced_index(kw):
    x = np.arange(12.).reshape(3, 4)
    f = tg.jit(lambda a, j: a.at[j].get(**kw))
    for i in (1, -1, 5, -7):
        want = jax.jit(lambda a, j: a.at[j].get(**kw))(x, i)
        assert np.allclose(f(x, np.int64(i)), want, equal_nan=True)
    if kw["mode"] == "clip":
        g = tg.jit(tg.grad(lambda a, j: tg.sum(a.at[j].get(**kw) * 2.)))(x, np.int64(5))
        assert np.array_equal(g, jax.grad(lambda a: jnp.sum(a.at[5].get(**kw) * 2.))(x))


@pytest.mark.filterwarnings("ignore:scatter inputs have incompatible types")  # (JAX's own warning)
def test_integer_array_updates_combine_in_the_promoted_dtype_and_cast_once():
    # JAX: x.at[[0, 0]].multiply(1.75) is trunc(2·1.75·1.75) = 6, not trunc(trunc(2·1.75)·1.75) = 5
    x = np.array([2, 3])
    cases = [("multiply", 1.75), ("add", -0.6), ("add", 1.75), ("max", 2.7), ("power", 1.5)]
    for name, v in cases:
        for idx in (np.array([0, 0]), 0):
            want = np.asarray(getattr(jnp.asarray(x).at[idx], name)(v))
            got = getattr(tg.at(x)[idx], name)(v)
            np.testing.assert_array_equal(got, want)
            assert got.dtype == want.dtype
        jitted = tg.jit(lambda a, i: getattr(tg.at(a)[i], name)(v))(x, np.int64(0))
        np.testing.assert_array_equal(jitted, np.asarray(getattr(jnp.asarray(x).at[0], name)(v)))
