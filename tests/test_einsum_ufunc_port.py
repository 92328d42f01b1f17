"""Checks ported from JAX's einsum and ufunc tests (lax_numpy_einsum_test.py,
lax_numpy_ufuncs_test.py): ufunc methods' dtypes on Tensors, einsum's ellipsis messages."""
import numpy as np
import pytest

import tensorgrad as tg


@pytest.mark.parametrize("ufunc, method, x, dtype", [
    (np.add, "reduce", np.array([100, 100, 100], np.int8), np.int8),
    (np.multiply, "reduce", np.array([100, 100, 100], np.int8), np.int8),
    (np.add, "accumulate", np.array([100, 100, 100], np.int8), np.int8),
    (np.add, "reduce", np.array([0.0, 0.5, 2.0]), bool),
    (np.multiply, "accumulate", np.array([0.0, 0.5, 2.0]), bool),
])
def test_ufunc_methods_on_tensors_compute_in_the_dtype_asked(ufunc, method, x, dtype):
    # np.add.reduce(int8, dtype=int8) wraps around in int8, as NumPy's; it was promoted again
    want = getattr(ufunc, method)(x, dtype=dtype)
    got = getattr(ufunc, method)(tg.tensor(x), dtype=dtype)
    got = np.asarray(got.numpy() if hasattr(got, "numpy") else got)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("ufunc", [np.logaddexp, np.logaddexp2])
@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.bool_])
def test_logaddexp_reduce_of_small_integers_runs_in_numpys_loop_dtype(ufunc, dtype):
    x = np.array([1, 0, 1], dtype)
    got = ufunc.reduce(tg.tensor(x))
    got = np.asarray(got.numpy() if hasattr(got, "numpy") else got)
    want = ufunc.reduce(x)
    assert got.dtype == want.dtype == np.float16
    np.testing.assert_allclose(got, want, rtol=1e-3)


def test_ufunc_reduce_gradient_keeps_the_input_precision():
    x = np.array([0.5, 1.5, -2.0])
    g = tg.grad(lambda v: np.add.reduce(v * v, dtype=np.float32).astype(np.float64))(x)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g, 2 * x, rtol=1e-6)


@pytest.mark.parametrize("subscripts, shapes", [
    ("...i,...i", [(2, 3), (3, 3)]), ("a...,a...->...", [(4, 2), (4, 5)])])
def test_einsum_names_an_ellipsis_axis_as_the_user_wrote_it(subscripts, shapes):
    ops = [np.ones(s) for s in shapes]
    with pytest.raises(ValueError, match=r"einsum: axis -1 under '\.\.\.'"):
        tg.einsum(subscripts, *ops)
    with pytest.raises(ValueError):
        np.einsum(subscripts, *ops)


def test_einsum_output_without_ellipsis_sums_the_axes_under_it():
    # JAX's and PyTorch's reading (NumPy refuses the subscripts): the '...' axes are summed
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(tg.einsum("ij...,ij...->ij", a, a), (a * a).sum(-1), rtol=1e-14)
    np.testing.assert_allclose(tg.einsum("...i,...i->i", a, b), (a * b).sum((0, 1)), rtol=1e-14)
    g = tg.grad(lambda x: tg.sum(tg.einsum("...i,...i->i", x, b) ** 2))(a)
    np.testing.assert_allclose(g, np.broadcast_to(2 * (a * b).sum((0, 1)) * b, a.shape), rtol=1e-13)


def test_einsum_with_bool_operands_counts_them_as_numbers():
    # NumPy's optimized einsum (taken for 3+ operands or big ones, and by every gradient that
    # is itself such an einsum) summed a bool operand's axes as a logical OR: silently 1 for 3000
    B = np.ones((3, 3000), bool)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.einsum("ij,i->i", B, x)))(np.ones(3)),
                                  [3000.0] * 3)
    b, x = np.array([[True, True], [True, False]]), np.array([1.5, 2.0])
    for opt in (True, False):
        assert float(tg.einsum("ij,ij,i->", b, b, x, optimize=opt)) == 5.0
    np.testing.assert_array_equal(tg.grad(lambda v: tg.einsum("ij,ij,i->", b, b, v))(x), [2.0, 1.0])
    assert float(tg.einsum("ij,j->", np.ones((2, 3000), bool), np.ones(3000))) == 6000.0
    # bool operands alone keep NumPy's bool result
    got = tg.einsum("ij,jk->ik", b, b)
    assert got.dtype == bool and np.array_equal(got, np.einsum("ij,jk->ik", b, b))
