"""Checks ported from JAX's custom_linear_solve, custom_root and remat tests: partial and
nested closures over traced values, second derivatives through implicit solves, and remat of
a closure recomputing its body."""
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.RandomState(0)
A, B = RNG.randn(3, 3), RNG.randn(3)


def _tg_solve(matvec, rhs):  # JAX's test solver: the explicit Jacobian, under stop_gradient
    return tg.stop_gradient(tg.linalg.solve(tg.jacrev(matvec)(rhs), rhs))


def _jx_solve(matvec, rhs):
    return jax.lax.stop_gradient(jnp.linalg.solve(jax.jacobian(matvec)(rhs), rhs))


def _bisect(func, x0):
    low, high = 0.0, 100.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if func(mid) > 0:
            high = mid
        else:
            low = mid
    return tg.stop_gradient(mid)


def _scalar_solve(f, y):
    return y / f(1.0)


def test_a_partial_matvec_over_a_traced_matrix_has_its_gradient():
    tg_loss = lambda a: tg.sum(tg.lax.custom_linear_solve(  # noqa: E731
        functools.partial(tg.dot, a), B, _tg_solve, _tg_solve) ** 2)
    jx_loss = lambda a: jnp.sum(jax.lax.custom_linear_solve(  # noqa: E731
        functools.partial(jnp.dot, a), B, _jx_solve, _jx_solve) ** 2)
    np.testing.assert_allclose(tg.grad(tg_loss)(A), jax.grad(jx_loss)(A), rtol=1e-9)


def test_a_partial_root_function_and_a_nested_helper_have_their_gradients():
    root = lambda x: tg.lax.custom_root(  # noqa: E731
        functools.partial(lambda x, y: y ** 2 - x ** 3, x), 1.0, _bisect, _scalar_solve)
    np.testing.assert_allclose(tg.grad(root)(5.0), 1.5 * 5 ** 0.5, rtol=1e-9)

    def nested(x):  # the function closes over a helper, which closes over x
        def cube():
            return x ** 3

        return tg.lax.custom_root(lambda y: y ** 2 - cube(), 1.0, _bisect, _scalar_solve)
    np.testing.assert_allclose(tg.grad(nested)(5.0), 1.5 * 5 ** 0.5, rtol=1e-9)


def test_closure_convert_rebuilds_a_shared_helper_in_each_place():
    def f(w):
        def helper(v):
            return v * w

        def g(v):
            return helper(v) + 1.0
        conv, consts = tg.closure_convert(lambda v: g(v) + helper(v))
        assert len(consts) == 2  # w, once for each place the helper is reached from
        return conv(2.0, *consts)
    assert tg.grad(f)(3.0) == 4.0


def test_closure_convert_refuses_a_recursive_closure_over_traced_values():
    def f(w):
        def down(n):
            return w if n == 0 else down(n - 1) * w
        tg.closure_convert(down)
        return w
    with pytest.raises(TypeError, match="refers to itself"):
        tg.grad(f)(2.0)


def test_second_derivatives_through_implicit_solves_use_the_implicit_rule():
    tg_f = lambda b: tg.sum(tg.sin(tg.lax.custom_linear_solve(  # noqa: E731
        lambda x: tg.dot(A, x), b, _tg_solve, _tg_solve)))
    jx_f = lambda b: jnp.sum(jnp.sin(jax.lax.custom_linear_solve(  # noqa: E731
        lambda x: jnp.dot(A, x), b, _jx_solve, _jx_solve)))
    np.testing.assert_allclose(tg.hessian(tg_f)(B), jax.hessian(jx_f)(B), rtol=1e-8, atol=1e-12)
    root = lambda x: tg.lax.custom_root(lambda y: y ** 2 - x ** 3, 1.0, _bisect, _scalar_solve)  # noqa: E731
    np.testing.assert_allclose(tg.grad(tg.grad(root))(5.0), 0.75 / 5 ** 0.5, rtol=1e-8)


def test_remat_of_a_closure_over_a_traced_value_recomputes_its_body():
    W, x = RNG.randn(4, 4), RNG.randn(4)
    calls = []

    def loss(W):
        def layer(x):
            calls.append(1)
            return tg.sin(W @ x)
        return tg.sum(tg.remat(layer)(x))
    g = tg.grad(loss)(W)
    assert len(calls) == 2  # the forward pass, and again in the backward pass (as JAX's)
    np.testing.assert_allclose(g, np.outer(np.cos(W @ x), x), rtol=1e-12)
    np.testing.assert_allclose(tg.hessian(loss)(W), jax.hessian(
        lambda W: jnp.sum(jax.checkpoint(lambda x: jnp.sin(W @ x))(x)))(W), rtol=1e-10, atol=1e-14)
