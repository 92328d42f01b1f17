"""tg.experimental (jet, io_callback, ode) and tg.dtypes against jax.experimental and jax.dtypes."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental.jet import jet as jax_jet

import tensorgrad as tg
from tensorgrad.experimental import io_callback
from tensorgrad.experimental.jet import jet

RNG = np.random.default_rng(7)
X, A, B, C = (RNG.normal(size=3) for _ in range(4))
W = RNG.normal(size=(3, 3)) / 2

FUNCTIONS = {
    "sin*exp": (lambda x: tg.sin(x) * tg.exp(x), lambda x: jnp.sin(x) * jnp.exp(x)),
    "tanh(Wx)": (lambda x: tg.tanh(W @ x), lambda x: jnp.tanh(W @ x)),
    "sum log1p(x²)": (lambda x: tg.sum(tg.log1p(x ** 2)), lambda x: jnp.sum(jnp.log1p(x ** 2))),
    "softmax": (tg.nn.softmax, jax.nn.softmax),
}


def _close(a, b, tol=1e-12):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("scaled", [True, False])
@pytest.mark.parametrize("name", FUNCTIONS)
def test_jet_matches_jax(name, scaled):
    ft, fj = FUNCTIONS[name]
    p, s = jet(ft, (X,), ([A, B, C],), factorial_scaled=scaled)
    pj, sj = jax_jet(fj, (X,), ([A, B, C],), factorial_scaled=scaled)
    _close(p, pj)
    assert len(s) == len(sj) == 3
    for u, v in zip(s, sj):
        _close(u, v, 1e-11)


def test_jet_terms_are_directional_derivatives():
    # x(t) = x + t v: the k-th term is the k-th derivative of sin along v, sin^(k)(x) v^k
    zero = np.zeros(3)
    _, s = jet(tg.sin, (X,), ([A, zero, zero, zero],))
    want = [np.cos(X) * A, -np.sin(X) * A ** 2, -np.cos(X) * A ** 3, np.sin(X) * A ** 4]
    for got, w in zip(s, want):
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-14)


def test_jet_pytree_output_two_arguments_and_order_zero():
    def ft(x, y):
        return {"a": tg.sin(x) * y, "b": (x * y, tg.exp(y))}

    def fj(x, y):
        return {"a": jnp.sin(x) * y, "b": (x * y, jnp.exp(y))}
    p, s = jet(ft, (X, A), ([B, C], [C, B]))
    pj, sj = jax_jet(fj, (X, A), ([B, C], [C, B]))
    assert jax.tree_util.tree_structure(s) == jax.tree_util.tree_structure(sj)
    jax.tree_util.tree_map(_close, p, pj)
    jax.tree_util.tree_map(lambda u, v: _close(u, v, 1e-11), s, sj)
    p0, s0 = jet(ft, (X, A), ([], []))
    assert s0 == {"a": [], "b": ([], [])}
    jax.tree_util.tree_map(_close, p0, pj)


def test_jet_composes_with_grad_and_jit():
    def third(f):
        return lambda x: jet(f, (x,), ([A, B, C],))[1][2]
    g = tg.grad(lambda x: tg.sum(third(lambda u: tg.sin(u) ** 2)(x)))(X)
    gj = jax.grad(lambda x: jnp.sum(jax_jet(lambda u: jnp.sin(u) ** 2, (x,), ([A, B, C],))[1][2]))(X)
    _close(g, gj, 1e-11)
    _close(tg.jit(third(tg.tanh))(X), third(tg.tanh)(X))


def test_jet_keeps_float32():
    p, s = jet(tg.sin, (X.astype(np.float32),), ([A.astype(np.float32)],))
    assert p.dtype == s[0].dtype == np.float32


@pytest.mark.parametrize("primals, series, error, match", [
    ((X,), ([A], [B]), ValueError, "1 primals but 2 series"),
    ((X, A), ([A], [B, C]), ValueError, "same number of terms"),
    ((X,), ([np.ones(2)],), ValueError, "shape"),
    ((X,), ([A.astype(np.float32)],), TypeError, "dtype"),
    (({"x": X},), ([A],), ValueError, "must be an array"),
    ((np.arange(3),), ([np.arange(3)],), TypeError, "floating"),
    (X, ([A],), TypeError, "tuples or lists"),
])
def test_jet_refuses_bad_input(primals, series, error, match):
    with pytest.raises(error, match=match):
        jet(tg.sin, primals, series)


def test_io_callback_runs_once_per_call_under_jit():
    log = []

    def record(x):
        log.append(float(np.sum(x)))

    def plus_one(x):
        log.append("plus_one")
        return x + 1

    @tg.jit
    def f(x):
        io_callback(record, None, x)  # its result is not used: still run at every call
        return io_callback(plus_one, tg.ShapeDtypeStruct((3,), np.float64), x) * 2

    np.testing.assert_array_equal(f(np.ones(3)), np.full(3, 4.0))
    np.testing.assert_array_equal(f(np.full(3, 2.0)), np.full(3, 6.0))
    np.testing.assert_array_equal(f(np.full(3, 2.0)), np.full(3, 6.0))
    assert log == [3.0, "plus_one", 6.0, "plus_one", 6.0, "plus_one"]


def test_io_callback_checks_results_and_refuses_traced_values():
    with pytest.raises(TypeError, match="io_callback: .*returned shape"):
        io_callback(lambda x: x[:2], tg.ShapeDtypeStruct((3,), np.float64), np.ones(3))
    with pytest.raises(TypeError, match="io_callback: an argument .* traced"):
        tg.grad(lambda x: io_callback(np.sin, tg.ShapeDtypeStruct((), np.float64), x))(1.0)
    with pytest.raises(TypeError, match="ordered"):
        io_callback(np.sin, None, 1.0, ordered="yes")


def test_odeint_under_jax_module_path():
    from tensorgrad.experimental.ode import odeint
    from tensorgrad.scipy.integrate import odeint as odeint_scipy
    ys = odeint(lambda y, t, k: -k * y, np.array([1.0]), np.array([0.0, 1.0]), 1.0)  # (JAX's *args)
    np.testing.assert_allclose(ys[-1], np.exp(-1.0), rtol=1e-6)
    np.testing.assert_allclose(odeint_scipy(lambda y, t, k: -k * y, [1.0], [0.0, 1.0], (1.0,)), ys, rtol=1e-7)


def test_dtypes_match_jax_dtypes():
    jd = jax.dtypes
    assert jax.config.jax_enable_x64  # (tests/conftest.py)
    for d in (np.float32, np.float64, "int32", int, float, complex, bool):
        assert tg.dtypes.canonicalize_dtype(d) == jd.canonicalize_dtype(d)
    for v in (1.0, np.int32(1), np.array([True]), 1j, np.float32(2.0)):
        assert tg.dtypes.scalar_type_of(v) is jd.scalar_type_of(v)
    for args in ((1.0, np.float32(2)), (np.ones(2, np.float32), 2.0), (np.int8(1), np.int16(2))):
        assert tg.dtypes.result_type(*args) == jd.result_type(*args)
    assert tg.dtypes.result_type(1.0, return_weak_type_flag=True) == (np.float64, True)
    assert tg.dtypes.result_type(np.float32(1), return_weak_type_flag=True) == (np.float32, False)
    assert tg.dtypes.float0 == jd.float0 and tg.dtypes.float0 == tg.float0
    assert tg.dtypes.itemsize_bits(np.float32) == jd.itemsize_bits(np.float32) == 32
    assert tg.dtypes.issubdtype(np.float32, np.floating) and not tg.dtypes.issubdtype(tg.float0, np.number)
    assert issubclass(tg.dtypes.TypePromotionError, ValueError)
    assert tg.grad(lambda x: 1.0, allow_int=True)(np.arange(3)).dtype == tg.dtypes.float0

