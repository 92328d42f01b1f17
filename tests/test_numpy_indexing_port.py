"""Checks ported from NumPy's indexing tests (gradients of indexes with many result axes,
put/place under NumPy's rules, at[...].set with the values NumPy's assignment takes) and from
JAX's ode and scipy.signal tests and SciPy's quadrature tests."""
import warnings

import numpy as np
import pytest
import scipy.integrate as si
import scipy.signal as ss

import tensorgrad as tg

X = np.arange(12.0).reshape(3, 4)


def test_gradient_of_an_index_with_more_than_32_result_axes():
    # (np.add.at kills the process past 32 result axes: a regression fails the run loudly)
    x = np.arange(2.0)
    idx = (np.zeros([1] * 33, dtype=int),)
    out, f = tg.vjp(lambda a: a[idx], x)
    np.testing.assert_array_equal(f(np.ones(out.shape))[0], [1.0, 0.0])
    np.testing.assert_array_equal(tg.jit(tg.grad(lambda a: tg.sum(a[idx] * 3.0)))(x), [3.0, 0.0])


def _numpy_put(a, ind, v, **kw):
    b = a.copy()
    np.put(b, ind, v, **kw)
    return b


def _numpy_place(a, mask, v):
    b = a.copy()
    np.place(b, mask, v)
    return b


def test_put_and_place_follow_numpys_rules():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        for ind in (np.array([1.7]), np.array([1], np.uint64)):
            with pytest.raises(TypeError):
                _numpy_put(X, ind, 99.0)
            with pytest.raises(TypeError):
                tg.put(X, ind, 99.0, inplace=False)
        np.testing.assert_array_equal(tg.put(X, [1], np.array([]), inplace=False),
                                      _numpy_put(X, [1], np.array([])))
        with pytest.raises(IndexError):
            tg.put(np.zeros(0), [1], 5.0, mode="wrap", inplace=False)
        mask = np.arange(12) % 5 == 0
        np.testing.assert_array_equal(tg.place(X, mask, [100.0], inplace=False), _numpy_place(X, mask, [100.0]))
        with pytest.raises(ValueError, match="same size"):
            tg.place(X, np.array([True, False, True, False]), [100.0], inplace=False)
    g = tg.grad(lambda a: tg.sum(tg.place(a, mask, [100.0], inplace=False) * X))(X)
    np.testing.assert_array_equal(g, np.where(mask.reshape(3, 4), 0.0, X))


def test_at_set_takes_the_values_numpys_assignment_takes():
    for idx in ((slice(None), slice(0, 2)), (np.array([0, 1, 2]), slice(0, 2)),
                (slice(None), np.array([1, 3]))):
        v = np.arange(6.0).reshape(1, 3, 2)  # extra leading 1s, as a[idx] = v drops them
        want = X.copy()
        want[idx] = v
        np.testing.assert_array_equal(tg.at(X)[idx].set(v), want)
        np.testing.assert_array_equal(tg.jit(lambda x, v: tg.at(x)[idx].set(v))(X, v), want)
    with pytest.raises(ValueError):
        tg.at(X)[:, :2].set(np.ones((2, 3, 2)))
    want = X.copy()
    want[0] = memoryview(np.array([9.0, 8, 7, 6]))
    np.testing.assert_array_equal(tg.at(X)[0].set(memoryview(np.array([9.0, 8, 7, 6]))), want)


# ---- from JAX's ode and scipy.signal tests, and SciPy's quadrature tests ------------------

def test_fftconvolve_of_integers_is_float_as_scipy():
    for a, b in ((np.array([100, 100, 100], np.int8), np.array([2, 2], np.int8)), (np.arange(4), np.arange(3))):
        got = tg.scipy.signal.fftconvolve(a, b)
        want = ss.fftconvolve(a, b)
        assert got.dtype == want.dtype == np.float64
        np.testing.assert_allclose(got, want, atol=1e-12)


def test_cumulative_simpson_with_zero_spacing_is_zero():
    y = np.random.default_rng(0).random(10)
    Y = np.random.default_rng(1).random((2, 6))
    dx = np.array([[0.5], [0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        np.testing.assert_array_equal(tg.scipy.integrate.cumulative_simpson(y, dx=0.0),
                                      si.cumulative_simpson(y, dx=0.0))
        np.testing.assert_allclose(tg.scipy.integrate.cumulative_simpson(Y, dx=dx),
                                   si.cumulative_simpson(Y, dx=dx), rtol=1e-12)
        for d in (0.7, -0.4):
            np.testing.assert_allclose(tg.scipy.integrate.cumulative_simpson(y, dx=d),
                                       si.cumulative_simpson(y, dx=d), rtol=1e-12)


def test_odeint_takes_an_output_pytree_of_the_states_size_as_jax():
    ts = np.linspace(0.0, 1.0, 11)
    out = tg.experimental.ode.odeint(lambda y, t: [-y[0], -y[1]], (1.0, 2.0), ts)  # tuple in, list out
    np.testing.assert_allclose([out[0][-1], out[1][-1]], [np.exp(-1), 2 * np.exp(-1)], rtol=1e-6)
    y0 = [np.pi - 0.1, 0.0]
    f = lambda y, t: tg.stack([y[1] * -t, -y[1] - 9.8 * tg.sin(y[0])])  # noqa: E731  (JAX's pendulum)
    out = tg.experimental.ode.odeint(f, y0, ts)
    assert isinstance(out, list) and len(out) == 2 and out[0].shape == (11,)
    with pytest.raises(ValueError, match="total size"):
        tg.experimental.ode.odeint(lambda y, t: tg.stack([y[0], y[1], y[0]]), y0, ts)


def test_out_of_place_put_and_place_that_write_nothing_return_a_copy():
    a = np.arange(3.0)
    for out in (tg.put(a, [], 1.0, inplace=False), tg.put(a, [1], np.array([]), inplace=False),
                tg.place(a, np.zeros(3, bool), [1.0], inplace=False)):
        assert out is not a and np.array_equal(out, a)
