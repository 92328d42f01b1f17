"""Checks ported from NumPy's ufunc and ndarray-method tests: tensorgrad's traced values take
ndarray's method signatures and ufunc-method arguments, in every transform and under tg.jit."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
A = np.arange(12.0).reshape(3, 4) / 7.0


def _each_traced(f):
    """f's value on A through tg.vjp, the imperative tape and tg.jit (all plain arrays)."""
    t = tg.tensor(A, requires_grad=True)
    r = f(t)
    return [tg.vjp(f, A)[0], r.detach().numpy(), tg.jit(f)(A)]


@pytest.mark.parametrize("call", [
    lambda a: a.sum(0, np.float32), lambda a: a.mean(1, np.float32), lambda a: a.prod(0, np.float64),
    lambda a: a.sum(axis=0, where=A > 0.4), lambda a: a.max(axis=1, initial=1.5),
    lambda a: a.min(1, None, False, 0.1, A < 1), lambda a: a.argmax(axis=1, keepdims=True),
    lambda a: a.var(0, None, None, 1), lambda a: a.std(1, ddof=1, keepdims=True),
    lambda a: a.all(0, keepdims=True), lambda a: a.any(axis=None),
    lambda a: a.astype(np.float32, copy=False), lambda a: a.astype(np.float32, casting="same_kind")])
def test_methods_take_ndarrays_signature(call):
    want = call(A)
    for got in _each_traced(call):
        got = np.asarray(got)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-6 if want.dtype == np.float32 else 1e-14)
    with pytest.raises(TypeError):
        tg.vjp(lambda a: a.astype(np.int32, casting="same_kind"), A)


def test_a_methods_dtype_argument_is_not_read_as_keepdims_in_a_gradient():
    c = np.array([1.0, 2.0, 3.0])
    f = lambda a: (a.sum(1, np.float64) + c).sum()  # noqa: E731
    fj = lambda a: (a.sum(1, jnp.float64) + c).sum()  # noqa: E731
    val, g = tg.value_and_grad(f)(A)
    assert val == pytest.approx(f(A))
    np.testing.assert_allclose(g, jax.grad(fj)(A))


def test_ufunc_reduce_and_accumulate_arguments_as_numpy():
    M = A > 0.3
    cases = [lambda a: np.add.reduce(a, axis=0, where=M), lambda a: np.add.reduce(a, initial=1.0),
             lambda a: np.maximum.reduce(a, axis=1, where=M, initial=-1.0),
             lambda a: np.add.reduce(a, 0, None, None, False, 0.0, True),
             lambda a: np.multiply.reduce(a[0, 0]) * a[0, 1]]
    jcases = [lambda a: jnp.sum(a, axis=0, where=M), lambda a: jnp.sum(a, axis=0) + 1.0,
              lambda a: jnp.max(a, axis=1, where=M, initial=-1.0), lambda a: jnp.sum(a, axis=0),
              lambda a: a[0, 0] * a[0, 1]]
    ct = np.random.default_rng(0).normal(size=4)
    for f, fj in zip(cases, jcases):
        want = f(A)
        out, pull = tg.vjp(f, A)
        np.testing.assert_allclose(out, want, rtol=1e-14)
        c = ct[:np.size(want)].reshape(np.shape(want))
        np.testing.assert_allclose(pull(c)[0], jax.vjp(fj, A)[1](c)[0], rtol=1e-13, atol=1e-15)
    for axis in (None, (0, 1)):
        with pytest.raises(ValueError):
            tg.vjp(lambda a: np.add.accumulate(a, axis=axis), A)


def test_jit_traced_arrays_have_ndarrays_methods_and_operators():
    def f(x, i):
        q, r = divmod(x, 0.5)
        q2, r2 = divmod(2.0, x + 3)
        return (x[0].argsort(), x[0].searchsorted(0.5), x.compress([True, False, True], axis=0),
                q + r + q2 + r2, round(x[0, 0], 1), i << 1, i >> 1, x.argpartition(1, axis=1))
    i = np.array([4, 8])
    want = f(A, i)
    got = tg.jit(f)(A, i)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-14)
    for meth in ("sort", "fill", "put"):
        with pytest.raises(tg.ConcretizationError, match="in place"):
            tg.jit(lambda x: getattr(x, meth)(0))(A)
