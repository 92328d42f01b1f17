"""Checks ported from NumPy's arraypad, polynomial, linspace-family and type_check tests:
values and dtypes as NumPy's, for plain arrays, traced values and tg.jit."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)


def test_logspace_with_an_array_base_gives_one_sequence_per_base():
    base = np.array([2.0, 3.0])
    for num in (2, 3):
        want = np.logspace(1.0, 2.0, num, base=base)
        for got in (tg.logspace(tg.Tensor(np.float64(1.0)), 2.0, num, base=base),
                    tg.logspace(1.0, 2.0, num, base=tg.Tensor(base)),
                    tg.jit(lambda b: tg.logspace(1.0, 2.0, num, base=b))(base)):
            assert got.shape == want.shape
            np.testing.assert_allclose(got, want, rtol=1e-14)
    W = np.array([[1.0, -2.0], [0.5, 3.0], [2.0, 1.0]])
    gs, gb = tg.grad(lambda s, b: tg.sum(tg.logspace(s, 2.0, 3, base=b) * W), argnums=(0, 1))(1.0, base)
    y = np.linspace(1.0, 2.0, 3)[:, None]
    np.testing.assert_allclose(gs, np.sum(W * base ** y * np.log(base) * (1 - np.array([[0], [0.5], [1]]))),
                               rtol=1e-12)
    np.testing.assert_allclose(gb, np.sum(W * y * base ** (y - 1), axis=0), rtol=1e-12)


def test_pad_keeps_integer_constants_exact_and_the_inputs_dtype():
    for a, c in ((np.full(2, 7, np.int64), 2**53 + 1), (np.full(2, 7, np.uint64), 2**64 - 1),
                 (np.full(2, 7, np.int64), 2**63 - 1)):
        got = tg.pad(a, 1, constant_values=c)
        assert got.dtype == a.dtype
        np.testing.assert_array_equal(got, np.pad(a, 1, constant_values=c))
    f32, i64 = np.array([1.0, 4.0, 2.0], np.float32), np.array([1, 4, 2])
    cases = [(lambda T: tg.pad(T(f32), 2, mode="linear_ramp", end_values=(3, 0)),
              np.pad(f32, 2, mode="linear_ramp", end_values=(3, 0))),
             (lambda T: tg.pad(T(i64), 1, mode="mean"), np.pad(i64, 1, mode="mean")),
             (lambda T: tg.pad(T(i64), 1, mode="median", stat_length=2), np.pad(i64, 1, mode="median", stat_length=2)),
             (lambda T: tg.pad(T(i64), 2, mode="linear_ramp"), np.pad(i64, 2, mode="linear_ramp")),
             (lambda T: tg.pad(f32, 1, constant_values=T(np.float64(1.5))), np.pad(f32, 1, constant_values=1.5)),
             (lambda T: tg.pad(i64, 1, constant_values=T(np.float64(1.5))), np.pad(i64, 1, constant_values=1.5))]
    for f, want in cases:
        got = f(tg.Tensor)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-6)
    g = tg.grad(lambda a: tg.sum(tg.pad(a, 2, mode="linear_ramp")))(f32)
    np.testing.assert_allclose(g, jax.grad(lambda a: jnp.sum(jnp.pad(a, 2, mode="linear_ramp")))(f32))
    assert g.dtype == np.float32
    for width in (1.5, "3", 1.0):
        with pytest.raises(TypeError):
            tg.pad(f32, width)


def test_polyfit_unscaled_covariance_and_polydiv_under_jit():
    x = np.linspace(0, 1, 6)
    y = np.stack([x ** 2 + 0.1 * np.sin(7 * x), 1 - x], axis=1)
    for cov in (True, "unscaled"):
        want = np.polyfit(x, y, 2, cov=cov)[1]
        got = tg.vjp(lambda y: tg.polyfit(x, y, 2, cov=cov)[1], y)[0]
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    u, v = np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 1.0])
    q, r = tg.jit(tg.polydiv)(u, v)
    qj, rj = jnp.polydiv(u, v)
    np.testing.assert_allclose(q, qj, rtol=1e-14)
    np.testing.assert_allclose(r, rj, rtol=1e-14, atol=1e-14)


def test_common_type_reads_only_the_dtype_and_linspace_spans_subnormals():
    assert tg.grad(lambda t: tg.sum(t) * (np.common_type(t) is np.float64))(np.ones(2)).tolist() == [1.0, 1.0]
    start, stop = 0.0, 5e-323  # a subnormal span: the step underflows to 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        np.testing.assert_array_equal(tg.vjp(lambda s: tg.linspace(s, stop, 5), np.float64(start))[0],
                                      np.linspace(start, stop, 5))


def test_linear_ramp_differentiates_traced_end_values():
    # JAX takes end_values as a static number; here they may be traced, and each end value's
    # slope is the sum over its ramp's weights (checked with central differences)
    X = np.arange(6.0).reshape(2, 3)
    E = np.array([[1.0, 2.0], [3.0, 4.0]])
    widths = ((1, 2), (2, 1))
    ct = np.random.default_rng(0).normal(size=(5, 6))

    def ref(x, e):
        return np.sum(ct * np.pad(x, widths, mode="linear_ramp", end_values=e))
    gx, ge = tg.vjp(lambda x, e: tg.pad(x, widths, mode="linear_ramp", end_values=e), X, E)[1](ct)
    for got, at, other in ((gx, X, lambda v: ref(v, E)), (ge, E, lambda v: ref(X, v))):
        want = np.zeros_like(at)
        for i in np.ndindex(at.shape):
            step = np.zeros_like(at)
            step[i] = 1e-6
            want[i] = (other(at + step) - other(at - step)) / 2e-6
        np.testing.assert_allclose(got, want, rtol=1e-7, atol=1e-9)
    tangent = tg.jvp(lambda e: tg.pad(X, widths, mode="linear_ramp", end_values=e), (E,),
                     (np.ones_like(E),))[1]
    np.testing.assert_allclose(np.sum(ct * np.asarray(tangent)), ge.sum(), rtol=1e-12)
    x = np.array([1.0, 2.0, 3.0])  # a constant array, a traced scalar end value
    assert tg.grad(lambda c: tg.sum(tg.pad(x, 2, mode="linear_ramp", end_values=c)))(1.5) == 3.0
