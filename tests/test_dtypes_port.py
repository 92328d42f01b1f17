"""Checks ported from JAX's dtype tests and a float32/integer sweep of the registry: integer
inputs computed in float (no wraparound), and one dtype for a function whether it runs on plain
arrays, under tg.jit or inside a gradient."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)


def test_gelu_of_integers_and_bools_is_computed_in_float():
    x = np.array([3, 1, 0, 200], np.uint8)
    for approximate in (False, True):
        want = jax.nn.gelu(x.astype(np.float64), approximate=approximate)
        np.testing.assert_allclose(tg.nn.gelu(x, approximate=approximate), want, rtol=1e-14)
        np.testing.assert_allclose(tg.jit(lambda v: tg.nn.gelu(v, approximate=approximate))(x), want,
                                   rtol=1e-14)
        i8 = np.array([-100, 100, 7], np.int8)
        np.testing.assert_allclose(tg.nn.gelu(i8, approximate=approximate),
                                   jax.nn.gelu(i8.astype(np.float64), approximate=approximate), rtol=1e-14)
    np.testing.assert_allclose(tg.nn.gelu(np.array([True, False])), jax.nn.gelu(np.array([1.0, 0.0])),
                               rtol=1e-14)


def test_interp_with_integer_or_bool_values_is_computed_in_float():
    x, xp = np.array([0.5, 1.5, 2.0]), np.array([0.0, 1.0, 2.0])
    for fp in (np.array([10, 200, 3], np.uint8), np.array([True, False, True])):
        want = np.interp(x, xp, fp)
        got = tg.interp(x, xp, fp)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-15)
        np.testing.assert_allclose(got, jnp.interp(x, xp, fp), rtol=1e-15)
        np.testing.assert_allclose(tg.interp(x, xp, fp, period=3.0), np.interp(x, xp, fp, period=3.0))


def test_spaces_and_poly_have_one_dtype_eager_jit_and_traced():
    a, b = np.float32(0.5), np.float32(2.0)
    r32 = np.array([0.5, 2.0], np.float32)
    for f, args in ((lambda s, t: tg.logspace(s, t, 3), (a, b)), (lambda s, t: tg.geomspace(s, t, 3), (a, b)),
                    (tg.poly, (r32,)), (tg.poly, (np.array([200, 3], np.uint8),))):
        eager = f(*args)
        jitted = tg.jit(f)(*args)
        assert jitted.dtype == eager.dtype
        np.testing.assert_allclose(jitted, eager, rtol=1e-6)
        if eager.dtype.kind == "f" and np.result_type(*args).kind == "f":
            seen = []
            tg.grad(lambda v: tg.sum(seen.append(f(v, *args[1:])) or seen[-1]))(args[0])
            assert seen[-1].dtype == eager.dtype
    np.testing.assert_array_equal(tg.jit(tg.poly)(np.array([200, 3], np.uint8)), [1, -203, 600])


def test_xlogy_keeps_its_inputs_float_dtype():
    for x, y, want in ((np.float16(2), np.float16(3), np.float16), (np.float32(2), 3.0, np.float32),
                       (np.float32(2), np.float32(3), np.float32), (2.0, 3.0, np.float64)):
        for f in (tg.scipy.special.xlogy, tg.scipy.special.xlog1py):
            assert np.asarray(f(np.asarray(x), y)).dtype == want


@pytest.mark.parametrize("tangent", [np.zeros(3, dtype=jax.dtypes.float0), np.array(["a", "b", "c"]),
                                     np.array([object(), 1, 2], dtype=object)])
def test_jvp_refuses_a_tangent_that_is_not_a_real_array(tangent):
    with pytest.raises(TypeError, match="tangent"):
        tg.jvp(tg.sin, (np.ones(3),), (tangent,))
    _, f_jvp = tg.linearize(tg.sin, np.ones(3))
    with pytest.raises(TypeError, match="tangent"):
        f_jvp(tangent)


def test_relu6_of_integers_is_float_take_reads_booleans_and_pad_empty_fills_zeros():
    x = np.array([-3, 2, 9])
    got = tg.nn.relu6(x)
    want = jax.nn.relu6(x)
    assert got.dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(got, want)
    assert tg.nn.relu6(np.array([7.0], np.float32)).dtype == np.float32
    v = np.arange(3.0)
    np.testing.assert_array_equal(tg.take(v, np.array([True, False])), np.take(v, np.array([True, False])))
    with pytest.raises(IndexError):
        tg.take_along_axis(v, np.array([True, False]), 0)  # NumPy refuses booleans there
    np.testing.assert_array_equal(tg.pad(v, 1, mode="empty"), jnp.pad(v, 1, mode="empty"))
    np.testing.assert_array_equal(tg.grad(lambda a: tg.sum(tg.pad(a, 1, mode="empty") * 2))(v), 2.0)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.bool_, np.int16])
def test_a_small_integer_argument_does_not_round_a_float64_gradient(dtype):
    # NumPy's log of int8, uint8 or bool is float16 (of int16 float32): the rules take it in
    # the output's precision, so the gradient is float64's, as the value is
    base = np.array([2, 3, 1], dtype)
    e = np.array([1.5, 0.5, 2.0])
    want = np.power(base.astype(float), e) * np.log(base.astype(float))
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.power(base, v)))(e), want, rtol=1e-14)
    np.testing.assert_allclose(tg.jacfwd(lambda v: tg.power(base, v))(e), np.diag(want), rtol=1e-14)
    x = np.array([1.0, 2.0, 3.0])
    logs = np.log(base.astype(float))
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.scipy.special.xlogy(v, base)))(x), logs,
                               rtol=1e-14)
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.scipy.special.xlog1py(v, base)))(x),
                               np.log1p(base.astype(float)), rtol=1e-14)
