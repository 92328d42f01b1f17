"""Lists and tuples of traced values passed to ops mean the array NumPy would build.

Reproductions: ``tg.sum([x, 3*x])`` gave a gradient of 0, ``x * [x[0], 1, 1]``
dropped part of it, ``tg.matmul(W, (x[0], x[1], x[2]))`` gave 0, and an
imperative ``tg.sum([t, t]).backward()`` failed. A property test builds random
programs that pass lists and tuples of traced values to ops and compares
grad, jacrev and jacfwd with JAX.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensorgrad as tg

X = np.array([0.3, -1.2, 2.0])


def test_issue_reproductions():
    assert tg.grad(lambda x: tg.sum(tg.stack([x, 3 * x])))(X).tolist() == [4.0, 4.0, 4.0]
    assert tg.grad(lambda x: tg.sum([x, 3 * x]))(X).tolist() == [4.0, 4.0, 4.0]
    assert tg.grad(lambda x: tg.mean([x, x + 2]))(0.5) == 1.0
    g = tg.grad(lambda x: tg.sum(x * [x[0], 1.0, 1.0]))(X)
    np.testing.assert_allclose(g, [2 * X[0], 1.0, 1.0])
    W = np.arange(9.0).reshape(3, 3)
    g = tg.grad(lambda x: tg.sum(tg.matmul(W, (x[0], x[1], x[2]))))(X)
    np.testing.assert_allclose(g, W.sum(axis=0))
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    tg.sum([t, t]).backward()
    assert t.grad.tolist() == [2.0, 2.0]


def test_every_transform_sees_through_lists():
    def f(x):
        return tg.sum([x, 3 * x, (x[0], x[1], x[2])], axis=0) * x

    def fj(x):
        return jnp.sum(jnp.array([x, 3 * x, jnp.array((x[0], x[1], x[2]))]), axis=0) * x
    Jx = np.asarray(jax.jit(jax.jacrev(fj))(X))
    np.testing.assert_allclose(tg.jacrev(f)(X), Jx, rtol=1e-12)
    np.testing.assert_allclose(tg.jacfwd(f)(X), Jx, rtol=1e-12)
    u = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(tg.vjp(f, X)[1](u)[0], u @ Jx, rtol=1e-12)
    np.testing.assert_allclose(tg.jvp(f, (X,), (u,))[1], Jx @ u, rtol=1e-12)
    np.testing.assert_allclose(tg.linearize(f, X)[1](u), Jx @ u, rtol=1e-12)
    H = np.asarray(jax.jit(jax.hessian(lambda x: jnp.sum(fj(x))))(X))
    np.testing.assert_allclose(tg.hessian(lambda x: tg.sum(f(x)))(X), H, rtol=1e-12)


def test_lists_in_imperative_mode_and_operators():
    t = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = tg.sum([t[2], t[0]] * t[:2]) + tg.sum(t + (t[1], 0.0, t[0]))  # list on either side
    y.backward()
    np.testing.assert_allclose(t.grad, [3.0 + 2.0 + 1.0 + 1.0, 1.0 + 1.0 + 1.0, 1.0 + 1.0])


def test_lists_without_traced_values_are_plain_numpy():
    assert tg.sum([1.0, 2.0, 3.0]) == 6.0
    np.testing.assert_array_equal(tg.tanh([[0.0, 1.0]]), np.tanh([[0.0, 1.0]]))
    c = tg.tensor([1.0, 2.0])  # an untraced tensor inside a list
    out = tg.sum([c, c])
    assert isinstance(out, tg.Tensor) and float(out) == 6.0


def test_a_ragged_list_is_a_clear_error():
    with pytest.raises(ValueError, match="different shapes"):
        tg.grad(lambda x: tg.sum([x, x[:2]]))(X)


def test_numpy_functions_on_lists_of_traced_values_refuse_to_drop_the_gradient():
    with pytest.raises(TypeError, match="traced value"):
        tg.grad(lambda x: tg.sum(np.sum([x, x], axis=0)))(X)


# ---------------------------------------------------------------- property test

W = np.array([[0.5, -1.0, 0.2], [1.5, 0.3, -0.7], [-0.4, 0.8, 1.1]])
MASK = np.array([True, False, True])


class _TG:
    """Build the list forms the tensorgrad way: plain Python lists and tuples."""

    L = staticmethod(list)
    T = staticmethod(tuple)
    sum, mean, matmul, maximum = tg.sum, tg.mean, tg.matmul, tg.maximum
    concatenate, where, tanh, dot, sin = tg.concatenate, tg.where, tg.tanh, tg.dot, tg.sin


class _JAX:
    """The same forms for JAX, which wants the array built explicitly."""

    L = T = staticmethod(lambda items: jnp.array(items))
    sum, mean, matmul, maximum = jnp.sum, jnp.mean, jnp.matmul, jnp.maximum
    concatenate, where, tanh, dot, sin = jnp.concatenate, jnp.where, jnp.tanh, jnp.dot, jnp.sin


FORMS = [
    lambda B, a, b: B.sum(B.L([a, b]), axis=0),
    lambda B, a, b: B.mean(B.T((a, b, a)), axis=0),
    lambda B, a, b: a * B.L([b[0], 1.5, b[2]]),
    lambda B, a, b: B.matmul(W, B.T((a[0], b[1], a[2]))),
    lambda B, a, b: B.maximum(B.L([a[0], b[1], a[2] + 0.3]), b),
    lambda B, a, b: B.concatenate([a[:1], B.L([b[1], a[2]])]),
    lambda B, a, b: B.where(MASK, B.L([a[0], b[1], 1.0]), b),
    lambda B, a, b: B.sum(B.L([B.L([a[0], b[1], a[2]]), B.L([b[0], a[1], 2.0])]), axis=0),
    lambda B, a, b: B.tanh(B.L([a[1], a[2], b[0]])),
    lambda B, a, b: B.L([a[2], b[0], a[0]]) * b,
    lambda B, a, b: a + B.T((b[1], a[0], 2.0)),
    lambda B, a, b: B.dot(B.L([a[0], a[1], b[2]]), W),
]


def _program(spec, B):
    def f(x):
        vals = [x, B.sin(x), x * 0.5]
        for kind, i, j in spec:
            vals.append(FORMS[kind](B, vals[i % len(vals)], vals[j % len(vals)]))
        return vals[-1]
    return f


programs = st.lists(st.tuples(st.integers(0, len(FORMS) - 1), st.integers(0, 9),
                              st.integers(0, 9)), min_size=1, max_size=4)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=programs, x=st.lists(st.floats(-2, 2), min_size=3, max_size=3))
def test_random_programs_with_lists_match_jax(spec, x):
    x = np.array(x)
    f, fj = _program(spec, _TG), _program(spec, _JAX)
    # one compiled JAX function gives the value, the Jacobian and the gradient reference
    val, Jj, gj = (np.asarray(r) for r in jax.jit(lambda v: (
        fj(v), jax.jacrev(fj)(v), jax.grad(lambda w: jnp.sum(fj(w) ** 2))(v)))(x))
    np.testing.assert_allclose(f(x), val, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tg.jacrev(f)(x), Jj, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tg.jacfwd(f)(x), Jj, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(f(v) ** 2))(x), gj, rtol=1e-10, atol=1e-12)


# composite functions (built on other ops, or on NumPy when nothing is traced) take lists of
# traced values too: the gradient through [a[0], a[1], a[2]] equals the one through stack(...)
_L = lambda a: [a[0], a[1], a[2]]  # noqa: E731
_S = lambda a: tg.stack(_L(a))  # noqa: E731
COMPOSITES = {
    "polyval": lambda f, a: tg.polyval(f(a), 1.5),
    "interp": lambda f, a: tg.sum(tg.interp(np.array([0.5, 1.5]), np.array([0., 1., 2.]), f(a))),
    "cross": lambda f, a: tg.sum(tg.cross(f(a), [1., 2., 3.])),
    "convolve": lambda f, a: tg.sum(tg.convolve(f(a), [1., 2.])),
    "clip": lambda f, a: tg.sum(tg.clip(np.array([0., 1., 2.]), f(a), 5.)),
    "cov": lambda f, a: tg.sum(tg.cov([f(a), [1., 5., 2.]])),
    "corrcoef": lambda f, a: tg.sum(tg.corrcoef(f(a), [1., 5., 2.])),
    "ediff1d": lambda f, a: tg.sum(tg.ediff1d(f(a)) ** 2),
    "quantile": lambda f, a: tg.quantile(f(a), 0.3),
    "nanpercentile": lambda f, a: tg.nanpercentile(f(a), 30),
    "logsumexp": lambda f, a: tg.special.logsumexp(f(a)),
    "vecdot": lambda f, a: tg.vecdot(f(a), [1., 2., 3.]),
    "inner": lambda f, a: tg.inner(f(a), [1., 2., 3.]),
    "insert": lambda f, a: tg.sum(tg.insert(np.ones(4), 1, f(a)) ** 2),
    "polyfit": lambda f, a: tg.sum(tg.polyfit(np.array([0., 1., 2.]), f(a), 1)),
    "polymul": lambda f, a: tg.sum(tg.polymul(f(a), [1., 2.]) ** 2),
    "polyint": lambda f, a: tg.sum(tg.polyint(f(a)) ** 2),
    "roots": lambda f, a: tg.sum(tg.real(tg.roots(f(a)))),
    "unwrap": lambda f, a: tg.sum(tg.unwrap(f(a)) ** 2),
    "histogram": lambda f, a: tg.sum(tg.histogram(np.array([0.1, 0.5, 0.9]), bins=2, weights=f(a))[0] ** 2),
    "bincount": lambda f, a: tg.sum(tg.bincount([0, 1, 1], weights=f(a)) ** 2),
    "meshgrid": lambda f, a: tg.sum(tg.meshgrid(f(a), [1., 2.])[0] ** 2),
    "norm.logpdf": lambda f, a: tg.sum(tg.scipy.stats.norm.logpdf(f(a))),
}


@pytest.mark.parametrize("name", sorted(COMPOSITES))
def test_composite_functions_differentiate_through_lists(name):
    case = COMPOSITES[name]
    want = tg.grad(lambda a: case(_S, a))(X)
    np.testing.assert_allclose(tg.grad(lambda a: case(_L, a))(X), want, rtol=1e-12)
    assert np.any(want != 0)
    if name == "roots":  # (tg.jit cannot trace it, list or not)
        for f in (_L, _S):
            with pytest.raises(tg.ConcretizationError):
                tg.jit(tg.grad(lambda a: case(f, a)))(X)
        return
    np.testing.assert_allclose(tg.jit(tg.grad(lambda a: case(_L, a)))(X), want, rtol=1e-12)
