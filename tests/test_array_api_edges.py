"""The JAX-style namespace against the Python Array API standard and jax.numpy where a probe
found them apart: NaN-skipping reductions without NumPy's warnings (JAX's and PyTorch's), a
Python NaN or infinity refused as an integer, the empty complex mean, the 2024.12 version and
matrix_rank of a vector."""
import threading
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp

jax.config.update("jax_enable_x64", True)

ALL_NAN = np.array([[np.nan, 1.0], [np.nan, np.nan]])
EMPTY = np.zeros((0,))


@pytest.mark.parametrize("name", ["nanmean", "nanvar", "nanstd", "nanmax", "nanmin", "nanmedian",
                                  "nanquantile", "nanpercentile", "median"])
def test_nan_reductions_of_the_jax_and_pytorch_styles_do_not_warn(name):
    q = (0.5 if name == "nanquantile" else 50.0) if "q" in name or "perc" in name else None
    call = (lambda ns, a, **kw: getattr(ns, name)(a, **kw)) if q is None \
        else (lambda ns, a, **kw: getattr(ns, name)(a, q, **kw))
    cases = [(ALL_NAN, {"axis": 1}), (ALL_NAN[1], {})]
    if name not in ("nanmax", "nanmin"):  # (an empty max is an error in all of them)
        cases.append((EMPTY, {}))
    for a, kw in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = call(tnp, a, **kw)
            # (JAX's median and quantiles fail on an empty input: NumPy's NaN there)
            want = call(jnp, a, **kw) if a.size else np.nan
            np.testing.assert_allclose(np.asarray(got), np.asarray(want), equal_nan=True)
            if name != "median" and a.size:  # PyTorch's tensors (and their methods)
                np.testing.assert_allclose(np.asarray(call(tg, tg.tensor(a), **kw)),
                                           np.asarray(want), equal_nan=True)
    if name != "median":  # NumPy's own style keeps NumPy's warning
        with pytest.warns(RuntimeWarning):
            call(tg, ALL_NAN, axis=1)


def test_tensor_methods_of_all_nan_slices_do_not_warn():
    t = tg.tensor([float("nan"), float("nan")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for v in (t.nanmean(), t.nanmedian(), t.nanquantile(0.5)):
            assert np.isnan(float(v))


@pytest.mark.parametrize("value", [float("nan"), [float("nan"), 1.0], float("inf"), [1e20]])
def test_a_python_nan_or_infinity_is_no_integer(value):
    # NumPy and JAX raise; a NumPy array saturates as JAX's cast (tests/test_dtypes.py)
    for ns in (tnp, tg):
        for fn in (ns.asarray, ns.array):
            with pytest.raises((ValueError, OverflowError)):
                fn(value, dtype=np.int64)
    with pytest.raises((ValueError, OverflowError)):
        jnp.asarray(value, dtype=jnp.int64)
    np.testing.assert_array_equal(tnp.asarray([1.5, -2.7], dtype=np.int64), [1, -2])


def test_empty_complex_mean_is_nan_in_both_parts():
    for shape, kw in (((0,), {}), ((0, 3), {"axis": 0}), ((2, 0), {"axis": 1, "keepdims": True})):
        z = np.zeros(shape, np.complex64)
        got = np.asarray(tnp.mean(z, **kw))
        want = np.asarray(jnp.mean(z, **kw))
        assert got.dtype == np.complex64 and got.shape == want.shape
        assert np.isnan(got.real).all() and np.isnan(got.imag).all()
        assert np.isnan(want.imag).all()


def test_the_2024_12_standard_and_matrix_rank_of_a_vector():
    assert tnp.__array_api_version__ == "2024.12"
    assert tnp.ones(2).__array_namespace__(api_version="2024.12") is tnp
    r = tnp.linalg.matrix_rank(tnp.asarray([1.0, 2.0]))
    assert isinstance(r, tg.Tensor) and int(r) == int(jnp.linalg.matrix_rank(jnp.asarray([1.0, 2.0])))
    assert int(tnp.linalg.matrix_rank(tnp.zeros(3))) == 0


def test_pinv_takes_a_cutoff_per_matrix_of_a_stack():
    a = np.stack([np.eye(2), np.array([[1.0, 0.0], [0.0, 1e-3]])])
    rtol = np.array([0.1, 1e-5])
    np.testing.assert_allclose(tnp.linalg.pinv(a, rtol=rtol), jnp.linalg.pinv(a, rtol=rtol), atol=1e-12)
    np.testing.assert_allclose(tg.linalg.pinv(a, rcond=rtol), np.linalg.pinv(a, rcond=rtol), atol=1e-12)
    b = np.random.default_rng(0).normal(size=(3, 2, 4, 3))
    cut = np.array([[0.5], [1e-3], [0.9]])  # (broadcast over the stack's shape (3, 2))
    np.testing.assert_allclose(tnp.linalg.pinv(b, rtol=cut), jnp.linalg.pinv(b, rtol=cut), atol=1e-12)
    f = lambda lib: lambda x: lib.linalg.pinv(x, rtol=np.array([1e-3, 1e-5])).sum()  # noqa: E731
    np.testing.assert_allclose(tg.grad(f(tnp))(a + 0.01), jax.grad(f(jnp))(a + 0.01), rtol=1e-9)
    with pytest.raises(ValueError, match="does not broadcast"):
        tnp.linalg.pinv(a, rtol=np.ones(3))


def test_quiet_nan_reductions_leave_the_warnings_filters_and_other_threads_alone():
    y = np.random.default_rng(0).normal(size=(20, 50))
    y[:, 0] = np.nan
    y[3] = np.nan
    before = list(warnings.filters)
    caught = []

    def quiet():
        for _ in range(200):
            tnp.nanmean(y, axis=1)

    def loud():
        for _ in range(200):
            with warnings.catch_warnings(record=True) as w:
                warnings.simplefilter("always")
                np.nanmean(y, axis=1)
            caught.append(len(w))
    threads = [threading.Thread(target=quiet), threading.Thread(target=quiet), threading.Thread(target=loud)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert warnings.filters == before
    assert caught == [1] * 200  # NumPy's own warning, every time, in the other thread


def test_jitted_jax_style_nan_reductions_replay_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ("nanmean", "nanmedian", "nanvar", "median"):
            f = tg.jit(getattr(tnp, name))
            for _ in range(2):
                assert np.isnan(float(f(np.array([np.nan, np.nan]))))
        q = tg.jit(lambda x: tnp.nanquantile(x, 0.5))
        assert np.isnan(float(q(np.array([np.nan, np.nan]))))
    with pytest.warns(RuntimeWarning):  # (NumPy's style keeps NumPy's warning, jitted too)
        tg.jit(tg.nanmean)(np.array([np.nan]))


def test_array_likes_saturate_as_arrays_python_numbers_raise():
    values = [np.nan, np.inf, 2.7]
    want = [0, 127, 2]
    for like in (np.array(values), [np.array(v) for v in values], memoryview(np.array(values))):
        np.testing.assert_array_equal(tg.asarray(like, dtype=np.int8), want)
    with pytest.raises(OverflowError):
        tg.asarray([2.7, np.inf], dtype=np.int8)


def test_matrix_rank_of_a_vector_with_any_cutoff_is_an_integer_array_scalar():
    for kw in ({}, {"tol": 0.5}, {"atol": 0.5}, {"rtol": 0.1}):
        r = tg.linalg.matrix_rank(np.array([1.0, 2.0]), **kw)
        assert isinstance(r, np.int64) and r == 1


def test_numpy_scalars_in_a_list_are_converted_one_by_one_as_numpy_does():
    for v in ([1, np.float64(np.nan)], [np.float32(np.nan)], [np.float64(1e30)]):
        with pytest.raises((ValueError, OverflowError)):
            np.asarray(v, dtype=np.int64)
        with pytest.raises((ValueError, OverflowError)):
            tg.asarray(v, dtype=np.int64)
    assert int(tg.asarray(np.float64(np.nan), dtype=np.int64)) == 0  # (alone: an array's cast)
