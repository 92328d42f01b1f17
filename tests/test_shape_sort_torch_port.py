"""Checks ported from PyTorch's shape, sort/select and view tests (test_shape_ops.py,
test_sort_and_select.py, test_view_ops.py), against NumPy and JAX."""
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

X = np.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("call", [
    lambda x: tg.rot90(x, 1.5), lambda x: tg.tril(x, 1.5), lambda x: tg.triu(x, 1.5),
    lambda x: tg.diagonal(x, 1.5), lambda x: tg.diag(x[0], 1.0), lambda x: tg.tile(x, 1.5),
    lambda x: tg.trace(x, 1.5), lambda x: tg.diff(x, 1.5), lambda x: tg.split(x, [1.5]),
    lambda x: tg.reshape(x, (2.0, 6)), lambda x: tg.lax.top_k(x, 1.5)])
def test_a_float_integer_parameter_is_a_type_error_not_truncated(call):
    # NumPy's and JAX's rule (operator.index): rot90(x, 1.5) rotated once, where both refuse
    with pytest.raises(TypeError, match="must be an integer"):
        call(X)
    with pytest.raises(TypeError, match="must be an integer"):
        tg.grad(lambda x: tg.sum(call(x)))(X)


def test_integer_parameters_still_take_numpy_integers_and_0d_arrays():
    np.testing.assert_array_equal(tg.rot90(X, np.int64(3)), np.rot90(X, 3))
    np.testing.assert_array_equal(tg.tril(X, np.array(1)), np.tril(X, 1))
    np.testing.assert_array_equal(tg.reshape(X, (np.int32(2), 6)), X.reshape(2, 6))
    np.testing.assert_array_equal(tg.diff(X, True), np.diff(X, True))


@pytest.mark.parametrize("order", ["A", "K"])
def test_order_a_and_k_follow_the_memory_layout_as_numpy(order):
    F = np.arange(6.0).reshape(2, 3).T  # Fortran-ordered: NumPy reads it in F order
    np.testing.assert_array_equal(tg.ravel(F, order), np.ravel(F, order))
    np.testing.assert_array_equal(tg.tensor(F).flatten(order), F.flatten(order))
    if order == "A":
        np.testing.assert_array_equal(tg.reshape(F, (6,), order="A"), np.reshape(F, (6,), order="A"))
        np.testing.assert_array_equal(tg.tensor(F).reshape(6, order="A"), F.reshape(6, order="A"))
    S = np.arange(24.0).reshape(2, 3, 4)[:, :, ::2]  # a slice: its axes lie in C's order
    np.testing.assert_array_equal(tg.ravel(S, order), np.ravel(S, order))
    for B in (np.broadcast_to(np.arange(4.0), (3, 4)), np.broadcast_to(np.arange(3.0)[:, None], (3, 4))):
        np.testing.assert_array_equal(tg.ravel(B, order), np.ravel(B, order))  # stride-0 axes
    # traced, the value's layout is read the same way, so the gradient is NumPy's function's
    w = np.arange(6.0)
    g = tg.grad(lambda v: tg.sum(tg.ravel(v, order) * w))(F)
    np.testing.assert_array_equal(g, np.reshape(w, F.shape, order="F"))
    # tg.jit traces no layout: refused, as in JAX, never replayed in another order
    with pytest.raises(NotImplementedError, match="ravel"):
        tg.jit(lambda v: tg.ravel(v, order))(F)


def test_reshape_refuses_order_k_and_k_of_a_scrambled_layout_is_refused():
    with pytest.raises(ValueError, match="'K' is not permitted"):
        tg.reshape(X, (12,), order="K")
    with pytest.raises(ValueError, match="'K' is not permitted"):
        tg.tensor(X).reshape(12, order="K")
    T = np.arange(24.0).reshape(2, 3, 4).transpose(1, 0, 2)
    with pytest.raises(NotImplementedError, match="ravel"):
        tg.ravel(T, "K")


def test_argsort_descending_checks_the_axis_and_is_a_tensor_method():
    x = np.array([[3.0, 1.0, 2.0], [1.0, 1.0, 0.0]])
    with pytest.raises(np.exceptions.AxisError, match="argsort"):
        tg.argsort(x, 2, descending=True)
    for axis in (0, -1):
        want = jnp.argsort(x, axis=axis, descending=True, stable=True)
        np.testing.assert_array_equal(tg.argsort(x, axis, descending=True), want)
        np.testing.assert_array_equal(tg.tensor(x).argsort(axis, descending=True), want)


def test_moveaxis_refuses_repeated_axes():
    x = np.zeros((2, 3, 4))
    with pytest.raises(ValueError, match="moveaxis: repeated axis in destination"):
        tg.moveaxis(x, (0, 1), (1, 1))
    with pytest.raises(ValueError, match="moveaxis: repeated axis in source"):
        tg.moveaxis(x, (1, 1), (0, 2))
    assert tg.moveaxis(x, (0, 1), (2, 0)).shape == np.moveaxis(x, (0, 1), (2, 0)).shape


def test_quantile_of_integers_interpolates_in_the_dtype_numpy_promotes_to():
    a = np.arange(10, dtype=np.int8)
    for q in (np.float32(0.3), np.array([0.3, 0.5], np.float32), 0.3):
        for x in (a, a.astype(np.int64)):
            want = np.quantile(x, q)
            got = tg.quantile(x, q)
            assert got.dtype == want.dtype
            np.testing.assert_allclose(got, want, rtol=1e-6)
    assert tg.percentile(a, np.float32(30)).dtype == np.float32


def test_searchsorted_of_a_matrix_names_the_function():
    with pytest.raises(ValueError, match="searchsorted: a must be 1-D"):
        tg.searchsorted(np.ones(()), 0.5)
    with pytest.raises(ValueError, match="searchsorted: a stack of sorted rows"):
        tg.searchsorted(np.ones((2, 3)), 0.5)  # (PyTorch's rows need values with their leading axes)
