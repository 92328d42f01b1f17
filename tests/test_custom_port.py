"""Checks ported from JAX's custom-derivative and autodiff API tests (custom_jvp,
custom_vjp, remat), compared with JAX in float64."""
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

W = np.array([[1.0, 2.0], [0.5, -1.0]])
X = np.array([0.3, -0.7])


def test_checkpoint_keeps_the_gradient_through_a_closed_over_traced_parameter():
    def loss(W, x):
        return tg.sum(tg.checkpoint(lambda h: tg.tanh(W @ h))(x) ** 2)

    def jloss(W, x):
        return jnp.sum(jax.checkpoint(lambda h: jnp.tanh(W @ h))(x) ** 2)

    got = tg.grad(loss, argnums=(0, 1))(W, X)
    want = jax.grad(jloss, argnums=(0, 1))(W, X)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w), rtol=1e-12, atol=1e-14)

    def f(x):  # JAX's remat free-variable test
        y = 2 * tg.sin(x)
        return tg.remat(lambda x: tg.cos(x) * tg.sin(y))(x)

    want = jax.grad(lambda x: jnp.cos(x) * jnp.sin(2 * jnp.sin(x)))(2.0)
    np.testing.assert_allclose(tg.grad(f)(2.0), float(want), rtol=1e-12)


def test_custom_rules_closing_over_a_traced_value_are_refused():
    def loss(W, x):
        @tg.custom_vjp
        def f(h):
            return W @ h
        f.defvjp(lambda h: (f(h), None), lambda r, g: (W.T @ g,))
        return tg.sum(tg.tanh(f(x)))

    with pytest.raises(TypeError, match="closes over"):
        tg.grad(loss, argnums=(0, 1))(W, X)

    def loss2(W, x):
        @tg.custom_jvp
        def f(h):
            return W @ h
        f.defjvp(lambda p, t: (W @ p[0], W @ t[0]))
        return tg.sum(f(x))

    with pytest.raises(TypeError, match="closes over"):
        tg.grad(loss2, argnums=(0, 1))(W, X)
    # closing over a constant (not traced) stays fine
    np.testing.assert_allclose(tg.grad(lambda x: loss2(W, x))(X), W.sum(axis=0), rtol=1e-14)
    # the arguments constant, the closure traced: the rule would be skipped, so it raises too
    with pytest.raises(TypeError, match="closes over"):
        tg.grad(lambda W: loss(W, X))(W)
    with pytest.raises(TypeError, match="closes over"):
        tg.jvp(lambda W: loss2(W, X), (W,), (W,))
    w = tg.tensor(W, requires_grad=True)  # (the imperative tape's tensors as well)
    with pytest.raises(TypeError, match="closes over"):
        loss(w, X)
    with tg.no_grad():  # (not while the tape is paused: nothing is differentiated)
        np.testing.assert_allclose(loss(w, X).numpy(), np.sum(np.tanh(W @ X)))


def test_a_rule_applying_its_function_to_the_tangent_transposes():
    @tg.custom_jvp
    def f(x):
        return -x

    @f.defjvp
    def f_jvp(primals, tangents):
        return f(primals[0]), f(tangents[0])

    assert tg.grad(f)(3.0) == -1.0

    @tg.custom_jvp
    def div(x, y):
        return x / y

    @div.defjvp
    def div_jvp(p, t):
        return div(p[0], p[1]), div(t[0], p[1])

    np.testing.assert_allclose(tg.vjp(lambda x: div(x, 2.0), 1.0)[1](1.0)[0], 0.5)
    np.testing.assert_allclose(tg.hessian(lambda x: div(x, 2.0) * x)(1.5), 1.0)


def test_a_rule_whose_primal_output_is_not_the_functions_is_refused():
    @tg.custom_jvp
    def f(x):
        return x

    f.defjvp(lambda p, t: ((p[0], p[0]), (t[0], t[0])))
    with pytest.raises(TypeError, match="primal output"):
        tg.vjp(f, 1.0)
    with pytest.raises(TypeError, match="primal output"):
        tg.jvp(f, (1.0,), (1.0,))

    @tg.custom_vjp
    def g(x):
        return x

    g.defvjp(lambda x: (tg.zeros(3), None), lambda r, c: (c,))
    with pytest.raises(TypeError, match="primal output"):
        tg.vjp(g, 1.0)

    @tg.custom_jvp
    def h(x):
        return x ** 2

    h.defjvp(lambda p, t: t[0])  # not a pair
    for call in (lambda: tg.jvp(h, (2.0,), (1.0,)), lambda: tg.grad(h)(2.0)):
        with pytest.raises(TypeError, match="pair"):
            call()


def test_jit_of_gradients_with_integer_arguments():
    f = lambda x, i: x * i  # noqa: E731
    g = tg.jit(tg.grad(f, argnums=(0, 1), allow_int=True))
    for i in (3, 5):
        gx, gi = g(np.float64(2.0), np.int64(i))
        assert gx == float(i)
        assert gi.dtype == tg.float0
    gx, gi = tg.jit(lambda x, i: tg.vjp(f, x, i)[1](1.0))(np.float64(2.0), np.int64(3))
    assert gx == 3.0 and gi.dtype == tg.float0


def test_partials_float0_tangents_and_nondiff_argnames():
    fw = functools.partial(lambda x, y, a: x + y * a, a=0.1)
    fn = tg.custom_jvp(fw)
    fn.defjvp(lambda p, t: tg.jvp(fw, p, t))
    np.testing.assert_allclose(tg.grad(lambda a: fn(*a))((1.0, 2.0)), (1.0, 0.1))

    @tg.custom_jvp
    def f(x, y):
        return x, y

    f.defjvp(lambda p, t: ((p[0], p[1]), (2.0 * t[0], np.zeros((), tg.float0))))
    out, tan = tg.jvp(f, (2.0, 3), (np.ones(()), np.zeros((), tg.float0)))
    assert out[0] == 2.0 and out[1] == 3 and tan[0] == 2.0

    app = tg.custom_jvp(lambda fun, x: fun(x), nondiff_argnames=("fun",))
    app.defjvp(lambda fun, p, t: (fun(p[0]), 3.0 * t[0]))
    np.testing.assert_allclose(tg.grad(lambda x: app(tg.sin, x))(0.5), 3.0)
    with pytest.raises(ValueError, match="nondiff_argnames"):
        tg.custom_vjp(lambda x: x, nondiff_argnames=("nope",))


def test_nondiff_arguments_of_a_function_with_defaults():
    # the rules see the nondiff arguments once and the others with their defaults filled in
    # (JAX's: the user's bwd gives 10 n and 100, its jvp 10 n), also through remat's static_argnums
    for lib in (tg, jax):
        @functools.partial(lib.custom_vjp, nondiff_argnums=(1,))
        def f(x, n, y=5.0):
            return x * n + y

        f.defvjp(lambda x, n, y=5.0: (f(x, n, y), None), lambda n, r, g: (g * n * 10, g * 100))
        assert float(lib.grad(lambda x: f(x, 3))(2.0)) == 30.0
        assert float(lib.grad(lambda y: f(2.0, 3, y))(7.0)) == 100.0

        @functools.partial(lib.custom_jvp, nondiff_argnums=(1,))
        def h(x, n=2):
            return x ** n

        @h.defjvp
        def h_jvp(n, primals, tangents):
            return h(primals[0], n), tangents[0] * n * 10
        assert float(lib.grad(h)(2.0)) == 20.0 and float(lib.grad(lambda x: h(x, 3))(2.0)) == 30.0

    def g(x, n, y=2.0):
        return tg.sin(x) * n + y * x

    def jg(x, n, y=2.0):
        return jnp.sin(x) * n + y * x
    np.testing.assert_allclose(tg.grad(tg.checkpoint(g, static_argnums=(1,)))(0.5, 3),
                               jax.grad(jax.checkpoint(jg, static_argnums=(1,)))(0.5, 3),
                               rtol=1e-14)
