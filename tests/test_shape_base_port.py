"""Ported from NumPy's lib tests (test_shape_base, test_twodim_base, test_stride_tricks):
shapes and section counts read by NumPy's rules, clear errors for what NumPy refuses, and
the n-d histograms under tg.jit as JAX's."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg


@pytest.mark.parametrize("shape", [(2, 4.7), (2.9, 4), np.array([2.0, 4.0])])
def test_broadcast_to_refuses_a_float_shape_as_numpy(shape):
    x = np.ones(4)
    with pytest.raises(TypeError):
        np.broadcast_to(x, shape)
    for v in (x, tg.asarray(x)):
        with pytest.raises(TypeError, match="broadcast_to"):  # (was truncated to (2, 4))
            tg.broadcast_to(v, shape)
    with pytest.raises(TypeError, match="broadcast_to"):
        tg.jit(lambda v: tg.broadcast_to(v, shape))(x)


def test_broadcast_to_a_0d_integer_shape():
    assert tg.broadcast_to(np.ones(()), np.array(3)).shape == np.broadcast_to(np.ones(()), np.array(3)).shape


@pytest.mark.parametrize("count", [np.array(3), np.int64(3), 3.0, np.float64(3.0)])
@pytest.mark.parametrize("name", ["split", "array_split", "hsplit"])
def test_a_section_count_may_be_any_0d_integer_or_whole_number(name, count):
    a = np.arange(12.0).reshape(2, 6)
    want = [p.shape for p in getattr(np, name)(a, count, **({} if name == "hsplit" else {"axis": 1}))]
    for v in (a, tg.asarray(a)):
        got = getattr(tg, name)(v, count, **({} if name == "hsplit" else {"axis": 1}))
        assert [p.shape for p in got] == want
    # a 0-d Tensor count too
    got = tg.split(a, tg.asarray(np.array(2)), axis=1)
    assert [p.shape for p in got] == [(2, 3), (2, 3)]


def test_a_fractional_section_count_is_refused_clearly():
    with pytest.raises(TypeError, match="number of sections"):
        tg.array_split(np.ones(6), 2.5)


@pytest.mark.parametrize("name", ["concatenate", "stack", "hstack", "vstack", "dstack", "column_stack"])
@pytest.mark.parametrize("arg", [1, np.array(1.0)])
def test_joining_something_that_is_not_a_sequence_names_the_function(name, arg):
    with pytest.raises(TypeError, match=name):
        getattr(tg, name)(arg)
    with pytest.raises(TypeError, match=name):
        getattr(tg, name)(tg.asarray(np.asarray(arg, float)))


@pytest.mark.parametrize("kw", [
    {"bins": 3},
    {"bins": [3, 2], "range": [None, (0.2, 0.7)]},
    {"bins": [np.array([0.0, 0.25, 0.5, 0.75, 1.0]), 3], "density": True},
    {"bins": 4, "range": [(0.0, 1.0), (0.0, 1.0)], "density": True},
])
def test_histogram2d_of_traced_samples_under_jit_matches_numpy(kw):
    rng = np.random.default_rng(0)
    x, y = rng.random(40), rng.random(40)
    f = tg.jit(lambda a, b: tg.histogram2d(a, b, **kw)[0])
    for scale in (1.0, 0.9):  # a replay with new samples
        want = np.histogram2d(x * scale, y * scale, **kw)[0]
        np.testing.assert_allclose(f(x * scale, y * scale), want, rtol=1e-12)


def test_histogramdd_of_traced_samples_with_weights_under_jit_and_its_gradient():
    rng = np.random.default_rng(1)
    s, w = rng.random((30, 3)), rng.random(30)
    got = tg.jit(lambda s, w: tg.histogramdd(s, bins=(2, 3, 2), weights=w)[0])(s, w)
    np.testing.assert_allclose(got, np.histogramdd(s, bins=(2, 3, 2), weights=w)[0], rtol=1e-12)
    g = tg.jit(tg.grad(lambda w, s: tg.sum(tg.histogram2d(s[:, 0], s[:, 1], bins=3, weights=w)[0] ** 2)))(w, s)
    want = jax.grad(lambda w: jnp.sum(jnp.histogram2d(s[:, 0], s[:, 1], bins=3, weights=w)[0] ** 2))(w)
    np.testing.assert_allclose(g, want, rtol=1e-12)


# ---- ported from numpy/_core/tests/test_shape_base.py, test_function_base.py, lib's test_type_check

def test_geomspace_under_jit_with_ends_of_opposite_signs_is_numpys():
    a, b = np.array([-3.0, 2.0]), np.array([3.0, 8.0])
    with np.errstate(invalid="ignore"):  # (NumPy warns too: a log of a negative number)
        want = np.geomspace(a, b, 4, axis=-1)
        got = tg.jit(lambda a, b: tg.geomspace(a, b, 4, axis=-1))(a, b)  # (was -3 four times)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert np.isnan(got[0, 1:3]).all() and got[0, -1] == 3.0


@pytest.mark.parametrize("fn", ["linspace", "logspace", "geomspace"])
def test_spaces_check_the_axis_for_scalar_ends(fn):
    with pytest.raises(np.exceptions.AxisError):
        getattr(np, fn)(1.0, 2.0, 3, axis=1)
    with pytest.raises(np.exceptions.AxisError):
        getattr(tg, fn)(1.0, 2.0, 3, axis=1)
    np.testing.assert_allclose(getattr(tg, fn)(1.0, 2.0, 3, axis=-1), getattr(np, fn)(1.0, 2.0, 3, axis=-1))


def test_block_of_a_lone_array_is_a_copy():
    a = np.arange(4.0)
    r = tg.block(a)
    assert not np.shares_memory(r, a)
    r[0] = 99.0
    assert a[0] == 0.0


def test_nan_to_num_copy_false_replaces_in_a_numpy_array_as_numpy():
    a = np.array([1.0, np.nan, np.inf, -np.inf])
    want = np.nan_to_num(a.copy())
    tg.nan_to_num(a, copy=False)       # the common idiom ignores the result
    np.testing.assert_array_equal(a, want)
    t = tg.asarray(np.array([np.nan, 1.0]))
    np.testing.assert_array_equal(tg.nan_to_num(t, copy=False), [0.0, 1.0])  # a Tensor: a new value


@pytest.mark.parametrize("fn", ["concatenate", "stack"])
def test_join_checks_casting_without_dtype_as_numpy(fn):
    xs = [np.ones(2, np.float32), np.ones(2)]
    for casting, err in (("bogus", ValueError), ("no", TypeError), ("equiv", TypeError)):
        with pytest.raises(err):
            getattr(np, fn)(xs, casting=casting)
        with pytest.raises(err, match=fn):
            getattr(tg, fn)(xs, casting=casting)
    assert getattr(tg, fn)(xs, casting="safe").dtype == getattr(np, fn)(xs, casting="safe").dtype
