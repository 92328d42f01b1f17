"""The modified Bessel functions i0, i1, i0e, i1e: values, first and second derivatives against
JAX (at negative points and far out; i0e and i1e also at 0), their Maclaurin coefficients at
0, NumPy/SciPy dispatch, and float32.

jax.scipy.special.i0 and i1 (JAX 0.10) compute exp(|x|)·i0e(x) and differentiate |x| as 1 at
0, so their derivatives at exactly 0 are wrong (i0'(0) = 1, not 0: jax-ml/jax#11479, #40628);
there i0 and i1 are checked against their series instead.
"""
import jax
import jax.numpy as jnp
import jax.scipy.special as jss
import numpy as np
import pytest
import scipy.special

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)

NAMES = ["i0", "i1", "i0e", "i1e"]
# 0 (where i1 and i1e divide by x, and |x| in the scaled ones has its kink), negative values,
# small and large |x| (30: i0 and i1 are ~1e11 there, the scaled ones ~0.07)
X = np.array([0.0, -0.3, 0.7, -1.5, 2.0, -4.5, 8.0, 30.0, -30.0])
NONZERO = X[1:]


def _points(name):
    return NONZERO if name in ("i0", "i1") else X


def _close(got, want, rtol=1e-10):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=rtol, atol=rtol * 1e-3)


@pytest.mark.parametrize("name", NAMES)
def test_values_match_scipy_and_jax(name):
    out = getattr(tg, name)(X)
    _close(out, getattr(scipy.special, name)(X), 1e-14)
    _close(out, getattr(jss, name)(jnp.asarray(X)))
    assert getattr(tg.special, name) is getattr(tg, name)


@pytest.mark.parametrize("name", NAMES)
def test_first_and_second_derivatives_match_jax(name):
    f, jf, x = getattr(tg, name), getattr(jss, name), _points(name)
    g = tg.grad(lambda v: tg.sum(f(v)))(x)
    _close(g, jax.jit(jax.grad(lambda v: jnp.sum(jf(v))))(x))
    gg = tg.grad(lambda v: tg.sum(tg.grad(lambda u: tg.sum(f(u)))(v)))(x)
    _close(gg, jax.jit(jax.grad(lambda v: jnp.sum(jax.grad(lambda u: jnp.sum(jf(u)))(v))))(x))
    # forward mode and a Hessian-vector product agree with the reverse-mode answers
    _close(tg.jvp(f, (x,), (np.ones_like(x),))[1], g)
    _close(tg.hvp(lambda v: tg.sum(f(v)), (x,), [np.ones_like(x)]), gg)


# I0 = 1 + x²/4 + x⁴/64 + x⁶/2304 + ...,  I1 = x/2 + x³/16 + x⁵/384 + ...: the k-th derivative
# at 0 is k! times the coefficient of xᵏ
SERIES_AT_0 = {"i0": [1.0, 0.0, 0.5, 0.0, 24 / 64, 0.0, 720 / 2304],
               "i1": [0.0, 0.5, 0.0, 6 / 16, 0.0, 120 / 384, 0.0]}


@pytest.mark.parametrize("name", ["i0", "i1"])
def test_every_derivative_at_zero_is_the_series_coefficient(name):
    f = getattr(tg, name)
    with np.errstate(all="raise"):
        for k, want in enumerate(SERIES_AT_0[name]):
            g = f
            for _ in range(k):
                g = tg.grad(g)
            np.testing.assert_allclose(g(0.0), want, rtol=1e-15, atol=0, err_msg=f"{name}^({k})(0)")
        # and inside a vector with nonzero entries (the where-branch), by reverse and forward mode
        x = np.array([0.0, 1.2, 0.0, -0.5])
        d1 = tg.grad(lambda v: tg.sum(f(v)))(x)
        d2 = tg.grad(lambda v: tg.sum(tg.grad(lambda u: tg.sum(f(u)))(v)))(x)
        np.testing.assert_allclose(d1[[0, 2]], SERIES_AT_0[name][1], atol=0)
        np.testing.assert_allclose(d2[[0, 2]], SERIES_AT_0[name][2], atol=0)
        _close(d1[[1, 3]], jax.jit(jax.grad(lambda v: jnp.sum(getattr(jss, name)(v))))(x[[1, 3]]))
        _close(tg.hvp(lambda v: tg.sum(f(v)), (x,), [np.ones(4)]), d2)


def test_scaled_functions_at_zero():
    # i0e and i1e have a kink (|x|) at 0; sign(0) = 0 there, as JAX's rules
    with np.errstate(all="raise"):
        assert tg.grad(tg.i0e)(0.0) == 0.0 and tg.grad(tg.grad(tg.i0e))(0.0) == 0.5
        assert tg.grad(tg.i1e)(0.0) == 0.5 and tg.grad(tg.grad(tg.i1e))(0.0) == 0.0


def test_numpy_and_scipy_dispatch_inside_grad():
    g = tg.grad(lambda v: tg.sum(np.i0(v) * v))(NONZERO)
    _close(g, jax.jit(jax.grad(lambda v: jnp.sum(jss.i0(v) * v)))(NONZERO))
    assert tg.grad(lambda v: tg.sum(np.i0(v)))(np.zeros(2)).tolist() == [0.0, 0.0]
    for name in NAMES:
        sf, x = getattr(scipy.special, name), _points(name)
        got = tg.grad(lambda v: tg.sum(sf(v)))(x)
        _close(got, jax.jit(jax.grad(lambda v: jnp.sum(getattr(jss, name)(v))))(x))
    _close(np.i0(tg.Tensor(X)), np.i0(X), 1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_float32_in_float32_out(name):
    x = X[:7].astype(np.float32)
    f = getattr(tg, name)
    out = f(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, getattr(scipy.special, name)(X[:7]), rtol=1e-5)
    g = tg.grad(lambda v: tg.sum(f(v)))(x)
    assert g.dtype == np.float32
    assert tg.grad(lambda v: tg.sum(tg.grad(lambda u: tg.sum(f(u)))(v)))(x).dtype == np.float32
    assert np.asarray(getattr(scipy.special, name)(tg.Tensor(x))).dtype == np.float32
    if name == "i0":
        assert np.asarray(np.i0(tg.Tensor(x))).dtype == np.float32


def test_under_jit_the_zero_branch_follows_the_new_values():
    for name in NAMES:
        f = getattr(tg, name)
        g = tg.grad(lambda v: tg.sum(f(v)))
        jg = tg.jit(g)
        a = np.array([0.5, -1.0, 2.0])
        _close(jg(a), g(a), 1e-14)
        b = np.array([0.0, -1.0, 0.0])  # replayed on zeros the trace never saw
        _close(jg(b), g(b), 1e-14)
        assert jg.cache_size() == 1
