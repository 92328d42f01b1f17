"""tg.scipy.integrate: the sample rules against scipy.integrate's values (odd and even sample
counts, spacings, coordinate arrays, axes) with derivatives against jax.scipy.integrate and
finite differences; odeint against closed-form solutions and their known derivatives, and
against jax.experimental.ode.odeint's values and gradients."""
import jax
import jax.numpy as jnp
import jax.scipy.integrate as jsi
import numpy as np
import pytest
import scipy.integrate as si
from jax.experimental.ode import odeint as jax_odeint

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient
from tensorgrad.experimental.ode import odeint  # (JAX's signature; SciPy's: test_scipy_odeint_*)
from tensorgrad.scipy import integrate as tsi

RNG = np.random.default_rng(5)


def _spacings(n):
    x1 = np.sort(RNG.uniform(0, 5, size=n)) + np.arange(n) * 0.1  # strictly increasing
    xn = np.sort(RNG.uniform(0, 5, size=(3, n)), axis=1) + np.arange(n) * 0.1
    return [{}, {"dx": 0.3}, {"x": x1}, {"x": xn}]


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7, 10])
def test_sample_rules_match_scipy(n):
    y = RNG.normal(size=(3, n))
    for kw in _spacings(n):
        np.testing.assert_allclose(tsi.simpson(y, **kw), si.simpson(y, **kw), rtol=1e-12, atol=1e-13)
        np.testing.assert_allclose(tsi.trapezoid(y, **kw), si.trapezoid(y, **kw), rtol=1e-12, atol=1e-13)
        kt = {k: (v.T if np.ndim(v) == 2 else v) for k, v in kw.items()}   # along axis 0
        np.testing.assert_allclose(tsi.simpson(y.T, axis=0, **kt), si.simpson(y.T, axis=0, **kt),
                                   rtol=1e-12, atol=1e-13)
        if n < 2:
            continue
        for initial in [None, 0]:
            got = tsi.cumulative_trapezoid(y, initial=initial, **kw)
            ref = si.cumulative_trapezoid(y, initial=initial, **kw)
            assert got.shape == ref.shape
            np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-13)
        for initial in [None, 0, 1.5, np.arange(3.0).reshape(3, 1)]:
            got = tsi.cumulative_simpson(y, initial=initial, **kw)
            ref = si.cumulative_simpson(y, initial=initial, **kw)
            assert got.shape == ref.shape
            np.testing.assert_allclose(got, ref, rtol=1e-12, atol=1e-13)
            it = initial.T if np.ndim(initial) else initial
            np.testing.assert_allclose(tsi.cumulative_simpson(y.T, axis=0, initial=it, **kt),
                                       si.cumulative_simpson(y.T, axis=0, initial=it, **kt),
                                       rtol=1e-12, atol=1e-13)
    dx = RNG.uniform(0.1, 1.0, size=(3, 1))
    np.testing.assert_allclose(tsi.cumulative_simpson(y, dx=dx), si.cumulative_simpson(y, dx=dx),
                               rtol=1e-12, atol=1e-13)


def test_simpson_exactness():
    x = np.linspace(0.0, 2.0, 9)    # odd: cubics exactly
    assert tsi.simpson(x ** 3, dx=x[1]) == pytest.approx(4.0, rel=1e-13)
    x = np.sort(RNG.uniform(0.0, 2.0, 8))   # even, irregular: quadratics exactly
    assert tsi.simpson(x ** 2, x=x) == pytest.approx((x[-1] ** 3 - x[0] ** 3) / 3.0, rel=1e-12)


def test_sample_rule_derivatives():
    y, x = RNG.normal(size=(2, 6)), np.cumsum(RNG.uniform(0.2, 1.0, size=6))
    w = RNG.normal(size=2)
    # trapezoid against jax.scipy.integrate (VJP in y and x, JVP)
    jf = lambda a, b: jsi.trapezoid(a, b)  # noqa: E731
    ref = jax.jit(lambda a, b, c: jax.vjp(jf, a, b)[1](c))(y, x, w)
    g = tg.grad(lambda a, b: tg.sum(tsi.trapezoid(a, b) * w), argnums=(0, 1))(y, x)
    for mine, theirs in zip(g, ref):
        np.testing.assert_allclose(mine, np.asarray(theirs), rtol=1e-12, atol=1e-13)
    ty, tx = RNG.normal(size=y.shape), RNG.normal(size=x.shape)
    ref_t = jax.jit(lambda a, b, u, v: jax.jvp(jf, (a, b), (u, v))[1])(y, x, ty, tx)
    jac = tg.jacfwd(lambda a, b: tsi.trapezoid(a, b), argnums=(0, 1))(y, x)
    np.testing.assert_allclose(np.tensordot(jac[0], ty, 2) + jac[1] @ tx, np.asarray(ref_t), rtol=1e-12)
    # the others against finite differences of SciPy, in y and x
    for name, extra in [("simpson", {}), ("cumulative_trapezoid", {}), ("cumulative_simpson", {})]:
        ours, theirs = getattr(tsi, name), getattr(si, name)
        wo = RNG.normal(size=np.shape(theirs(y, x=x)))
        gy, gx = tg.grad(lambda a, b: tg.sum(ours(a, x=b) * wo), argnums=(0, 1))(y, x)
        np.testing.assert_allclose(gy, central_difference_gradient(lambda v: np.sum(theirs(v, x=x) * wo), y),
                                   rtol=1e-7, atol=1e-9, err_msg=name)
        np.testing.assert_allclose(gx, central_difference_gradient(lambda v: np.sum(theirs(y, x=v) * wo), x),
                                   rtol=1e-6, atol=1e-8, err_msg=name)
    gdx = tg.grad(lambda d: tg.sum(tsi.simpson(y, dx=d)))(0.4)
    assert gdx == pytest.approx(float(np.sum(si.simpson(y, dx=1.0))), rel=1e-12)   # linear in dx


def test_sample_rule_errors():
    y = np.ones((2, 5))
    with pytest.raises(ValueError, match="simpson: x of length 4"):
        tsi.simpson(y, x=np.arange(4.0))
    with pytest.raises(ValueError, match="strictly increasing"):
        tsi.cumulative_simpson(y, x=np.array([0.0, 1.0, 1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="repeat"):
        tsi.simpson(y, x=np.array([0.0, 1.0, 1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="initial must be None or 0"):
        tsi.cumulative_trapezoid(y, initial=1.0)
    with pytest.raises(ValueError, match="dx must be a scalar or have shape"):
        tsi.cumulative_simpson(y, dx=np.ones(5))
    with pytest.raises(TypeError, match="complex"):
        tsi.simpson(y + 1j)


# ---- odeint --------------------------------------------------------------------------------------
def decay(y, t, k):
    return -k * y


def oscillator(y, t, w):
    return {"q": y["p"], "p": -w ** 2 * y["q"]}


def test_odeint_decay_values_and_exact_gradients_in_y0_args_and_t():
    y0, k, t = np.array([1.0, -2.0, 0.5]), 0.7, np.array([0.0, 0.5, 1.2, 2.0])
    out = odeint(decay, y0, t, k)
    np.testing.assert_allclose(out, y0 * np.exp(-k * t[:, None]), rtol=1e-7)
    ws = np.array([0.3, -1.0, 2.0])
    loss = lambda a, b, c: tg.sum(odeint(decay, a, c, b)[-1] * ws)  # noqa: E731
    gy0, gk, gt = tg.grad(loss, argnums=(0, 1, 2))(y0, k, t)
    T, final = t[-1] - t[0], np.sum(ws * y0) * np.exp(-k * (t[-1] - t[0]))
    np.testing.assert_allclose(gy0, ws * np.exp(-k * T), rtol=1e-7)
    assert gk == pytest.approx(-T * final, rel=1e-6)
    np.testing.assert_allclose(gt, [k * final, 0, 0, -k * final], rtol=1e-6, atol=1e-7)
    # second order: d²/dk² of the final value is T² · value
    h = tg.hessian(lambda b: loss(y0, b, t))(k)
    assert h == pytest.approx(T ** 2 * final, rel=1e-5)


def test_odeint_oscillator_pytree_against_the_closed_form_and_every_transform():
    t = np.linspace(0.0, 6.0, 7)

    def final_q(q0, w):
        return odeint(oscillator, {"q": q0, "p": q0 * 0.0}, t, w)["q"][-1]

    q0, w = 1.3, 1.7
    sol = odeint(oscillator, {"q": np.array(q0), "p": np.array(0.0)}, t, w)
    assert set(sol) == {"q", "p"} and sol["q"].shape == (7,)
    np.testing.assert_allclose(sol["q"], q0 * np.cos(w * t), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(sol["p"], -q0 * w * np.sin(w * t), rtol=1e-6, atol=1e-7)
    exact = [np.cos(w * 6.0), -q0 * 6.0 * np.sin(w * 6.0)]
    for transform in (tg.grad, tg.jacfwd, tg.jacrev):
        g = transform(final_q, argnums=(0, 1))(np.array(q0), np.array(w))
        np.testing.assert_allclose([float(g[0]), float(g[1])], exact, rtol=1e-6)
    mapped = tg.vmap(lambda a: final_q(a, w))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(mapped, np.array([1.0, 2.0]) * np.cos(w * 6.0), rtol=1e-6)


def lotka_volterra(y, t, theta):
    a, b, c, d = theta[0], theta[1], theta[2], theta[3]
    return [a * (1.0 + 0.05 * t) * y[0] - b * y[0] * y[1], c * y[0] * y[1] - d * y[1]]  # t: non-autonomous


def test_odeint_matches_jax_values_and_gradients():
    y0 = [np.array(1.0), np.array(0.5)]
    theta = np.array([1.1, 0.4, 0.3, 0.9])
    t = np.array([0.0, 1.0, 2.5, 4.0])

    def jf(y0, theta, t):
        ys = jax_odeint(lambda y, s, th: lotka_volterra(y, s, th), y0, t, theta)
        return jnp.sum(ys[0] ** 2) + jnp.sum(ys[1])

    ref_val, ref_grad = jax.jit(jax.value_and_grad(jf, argnums=(0, 1, 2)))(y0, theta, t)

    def f(y0, theta, t):
        ys = odeint(lotka_volterra, y0, t, theta)
        return tg.sum(ys[0] ** 2) + tg.sum(ys[1])

    val, grads = tg.value_and_grad(f, argnums=(0, 1, 2))(y0, theta, t)
    assert float(val) == pytest.approx(float(ref_val), rel=1e-7)
    np.testing.assert_allclose([float(v) for v in grads[0]], [float(v) for v in ref_grad[0]], rtol=1e-6)
    np.testing.assert_allclose(grads[1], np.asarray(ref_grad[1]), rtol=1e-6)
    np.testing.assert_allclose(grads[2], np.asarray(ref_grad[2]), rtol=1e-6, atol=1e-7)


def test_odeint_options_repeated_times_and_dtypes():
    y0 = np.float32([1.0, 2.0])
    out = odeint(decay, y0, np.float32([0.0, 1.0]), 0.5)
    assert out.dtype == np.float32 and out.shape == (2, 2)
    t = np.array([0.0, 1.0, 1.0, 2.0])
    out = odeint(decay, np.ones(2), t, 0.5, hmax=0.05)
    np.testing.assert_allclose(out[:, 0], np.exp(-0.5 * t), rtol=1e-8)
    gt = tg.grad(lambda s: tg.sum(odeint(decay, np.ones(1), s, 0.5)[2]))(t)
    # (the discrete solution depends on t[1] through where the steps break: about the tolerance)
    np.testing.assert_allclose(gt, [0.5 * np.exp(-0.5), 0.0, -0.5 * np.exp(-0.5), 0.0], rtol=1e-6, atol=1e-6)
    loose = odeint(decay, np.ones(1), np.array([0.0, 3.0]), 1.0, rtol=1e-3, atol=1e-6)
    assert abs(loose[-1, 0] - np.exp(-3.0)) < 1e-3


def test_odeint_errors():
    t = np.linspace(0.0, 1.0, 3)
    with pytest.raises(TypeError, match="odeint: .*tg.jit"):
        tg.jit(lambda a: odeint(decay, a, t, 0.5))(np.ones(2))
    k = np.array(0.5)
    with pytest.raises(TypeError, match="odeint: .*tg.jit"):
        tg.jit(lambda b: odeint(lambda y, s: -b * y, np.ones(2), t))(k)
    with pytest.raises(ValueError, match="non-decreasing"):
        odeint(decay, np.ones(2), t[::-1], 0.5)
    with pytest.raises(TypeError, match="floating-point"):
        odeint(decay, np.ones(2, dtype=int), t, 0.5)
    with pytest.raises(ValueError, match="pytree like y0"):
        odeint(lambda y, s: [y, y], np.ones(2), t)
    with pytest.raises(RuntimeError, match="mxstep=3"):
        odeint(decay, np.ones(2), np.array([0.0, 10.0]), 5.0, mxstep=3)
    with pytest.raises(ValueError, match="1-D"):
        odeint(decay, np.ones(2), np.ones((2, 2)), 0.5)
    with pytest.raises(RuntimeError, match="step size fell"):   # y' = y² blows up at t = 1
        odeint(lambda y, s: y * y, np.ones(1), np.array([0.0, 2.0]))
    # a traced closure that func only reads after the first steps is refused too
    with pytest.raises(TypeError, match="odeint: .*tg.jit"):
        tg.jit(lambda b: odeint(lambda y, s: -y if s < 0.5 else -b * y, np.ones(1), t))(k)


def test_odeint_propagates_a_nan_or_infinite_start_instead_of_searching_forever():
    t = np.array([0.0, 1.0, 2.0])
    out = odeint(decay, np.array([np.nan, 1.0]), t, 0.5)
    assert out.shape == (3, 2) and np.isnan(out[1:, 0]).all() and np.isnan(out[0, 0])
    out = odeint(lambda y, s: y * np.nan, np.ones(1), t)       # the RHS is NaN at t[0]
    assert out[0, 0] == 1.0 and np.isnan(out[1:]).all()
    out = odeint(decay, np.array([np.inf]), t, 0.5)
    assert out[0, 0] == np.inf and not np.isfinite(out[1:]).any()
    g = tg.grad(lambda y0: odeint(lambda y, s: -y * y, y0, t)[-1].sum())(np.array([np.nan]))
    assert np.isnan(g).all()
    with pytest.raises(RuntimeError, match="NaN"):     # NaN only later: the step search gives up
        odeint(lambda y, s: -y if s < 0.5 else y * np.nan, np.ones(1), t)


def test_scipy_odeint_takes_scipys_and_autograds_signature():
    # args as one tuple (positional or args=), a 1-d state, tfirst=, SciPy's default tolerances
    def rhs(y, t, a, b):
        return -a * y + b

    t = np.linspace(0.0, 1.0, 5)
    a, b = 1.3, np.array([0.5, -0.2])
    want = si.odeint(rhs, [1.0, 2.0], t, (a, b), rtol=1e-11, atol=1e-11)
    for got in (tsi.odeint(rhs, [1.0, 2.0], t, (a, b)), tsi.odeint(rhs, np.array([1.0, 2.0]), t, args=(a, b)),
                tsi.odeint(lambda s, y, a, b: rhs(y, s, a, b), [1, 2], t, args=(a, b), tfirst=True)):
        assert got.shape == (5, 2)
        np.testing.assert_allclose(got, want, rtol=1e-7)
    scalar = tsi.odeint(lambda y, s, k: -k * y, 1.0, t, 2.0)  # (one non-tuple argument; y0 1-d)
    assert scalar.shape == (5, 1)
    np.testing.assert_allclose(scalar[:, 0], np.exp(-2.0 * t), rtol=1e-7)
    # differentiable in y0, t and the args tuple, as autograd's
    g = tg.grad(lambda ab: tg.sum(tsi.odeint(rhs, np.array([1.0, 2.0]), t, ab)[-1]))((a, b))
    eps = 1e-6
    fd = (si.odeint(rhs, [1.0, 2.0], t, (a + eps, b), rtol=1e-12, atol=1e-12)[-1].sum()
          - si.odeint(rhs, [1.0, 2.0], t, (a - eps, b), rtol=1e-12, atol=1e-12)[-1].sum()) / (2 * eps)
    np.testing.assert_allclose(g[0], fd, rtol=1e-5)
    np.testing.assert_allclose(g[1], np.full(2, 1 - np.exp(-a)) / a, rtol=1e-6)
    with pytest.raises(TypeError, match="unexpected keyword argument 'rtl'"):
        tsi.odeint(rhs, [1.0], t, (a, b), rtl=1e-3)
    with pytest.raises(NotImplementedError, match="full_output"):
        tsi.odeint(rhs, [1.0], t, (a, b), full_output=True)
    np.testing.assert_allclose(tsi.odeint(rhs, [1.0], t, (a, 0.0), Dfun=lambda y, s, a, b: -a, h0=0.01),
                               si.odeint(rhs, [1.0], t, (a, 0.0), rtol=1e-11, atol=1e-11), rtol=1e-7)
