"""Smaller conformance points found while porting other projects' suites: each is NumPy's or
JAX's documented behaviour, checked against the library itself where it can run here."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg


@pytest.mark.parametrize("fn", [tg.sort, tg.argsort, lambda a, **k: np.sort(tg.asarray(a), **k)])
def test_sort_kind_is_checked_as_numpy_checks_it(fn):
    a = np.array([3.0, 1.0, 2.0])
    for kind in ("quicksort", "q", "mergesort", "heapsort", "stable", "S"):
        np.testing.assert_array_equal(np.asarray(fn(a, kind=kind)), np.asarray(fn(a)))
    for kind, err in (("xyz", ValueError), ("", ValueError), (1, TypeError)):
        with pytest.raises(err):
            np.sort(a, kind=kind)  # NumPy refuses these ...
        with pytest.raises(err, match="sort kind"):
            fn(a, kind=kind)       # ... and so does tensorgrad, clearly


def test_atleast_nd_of_several_arrays_is_a_tuple_as_in_numpy():
    a, b = np.ones(2), np.float64(3.0)
    for name in ("atleast_1d", "atleast_2d", "atleast_3d"):
        want = getattr(np, name)(a, b)
        got = getattr(tg, name)(a, b)
        assert type(got) is type(want) is tuple
        assert [np.shape(g) for g in got] == [w.shape for w in want]
        assert type(getattr(tg, name)(a)) is not tuple  # one input: the array itself


@pytest.mark.parametrize("shape,axis", [((0, 3), 0), ((0, 3), 1), ((0, 3), None), ((2, 0), 0)])
@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.bool_])
def test_max_and_min_of_empty_slices_with_initial_match_numpy(shape, axis, dtype):
    a = np.zeros(shape, dtype)
    for name in ("max", "min"):
        for initial in (-1.0, np.float64(2.0), 3, True):
            want = getattr(np, name)(a, axis=axis, initial=initial)
            got = np.asarray(getattr(tg, name)(a, axis=axis, initial=initial))
            assert got.dtype == np.asarray(want).dtype and got.shape == np.shape(want)
            np.testing.assert_array_equal(got, want)


def test_max_of_an_empty_tensor_with_initial_stays_on_the_tape():
    x = tg.tensor(np.ones((0, 3)), requires_grad=True)
    y = tg.max(x, axis=0, initial=-1.0)
    assert isinstance(y, tg.Tensor) and y.requires_grad
    np.testing.assert_array_equal(y.detach().numpy(), [-1.0, -1.0, -1.0])
    tg.sum(y).backward()   # (was a plain array: AttributeError)
    assert x.grad.shape == (0, 3)
    # a traced initial gets its cotangent, as in JAX
    f = lambda i: jnp.sum(jnp.max(jnp.ones((0, 3)), axis=0, initial=i))  # noqa: E731
    g = lambda i: tg.sum(tg.max(np.ones((0, 3)), axis=0, initial=i))    # noqa: E731
    assert float(tg.grad(g)(2.0)) == float(jax.grad(f)(2.0)) == 3.0
    np.testing.assert_array_equal(tg.jit(lambda v: tg.min(v, axis=0, initial=5.0))(np.ones((0, 2))),
                                  [5.0, 5.0])


def test_allclose_and_array_equal_under_jit_give_a_traced_bool_as_jax():
    a = np.array([1.0, np.nan, 2.0])
    cases = [
        (lambda x, y: tg.allclose(x, y), lambda x, y: jnp.allclose(x, y)),
        (lambda x, y: tg.allclose(x, y, equal_nan=True), lambda x, y: jnp.allclose(x, y, equal_nan=True)),
        (lambda x, y: tg.array_equal(x, y), lambda x, y: jnp.array_equal(x, y)),
        (lambda x, y: tg.array_equal(x, y, equal_nan=True), lambda x, y: jnp.array_equal(x, y, equal_nan=True)),
        (lambda x, y: tg.array_equal(x, y[:2]), lambda x, y: jnp.array_equal(x, y[:2])),
    ]
    for f, fj in cases:
        for b in (a.copy(), a + 1e-12, a + 1.0):
            want = bool(jax.jit(fj)(a, b))
            assert bool(f(a, b)) == want
            assert bool(tg.jit(f)(a, b)) == want   # (raised ConcretizationError)


def test_remat_takes_negative_static_argnums_as_jax():
    f = lambda x, n: x ** n  # noqa: E731
    want = jax.grad(jax.checkpoint(f, static_argnums=-1))(2.0, 3)
    assert float(tg.grad(tg.remat(f, static_argnums=-1))(2.0, 3)) == float(want) == 12.0
    w = np.array([1.0, 2.0])
    got = tg.grad(lambda w: tg.remat(lambda x, n: tg.sum(x * w) ** n, static_argnums=(-1,))(np.ones(2), 2))(w)
    np.testing.assert_allclose(got, 2 * np.sum(w) * np.ones(2))
    with pytest.raises(ValueError, match="out of range"):
        tg.grad(tg.remat(f, static_argnums=-3))(2.0, 3)
    with pytest.raises(TypeError, match="must be integers"):
        tg.remat(f, static_argnums=1.5)
