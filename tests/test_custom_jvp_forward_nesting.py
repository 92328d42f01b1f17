"""A custom_jvp function under batched forward mode (jacfwd) nested in another forward trace
takes its primal output from the rule, as JAX does. Before, that path ran the function itself,
so an enclosing jacfwd differentiated its ops past the rule: jacfwd(jacfwd(f)) disagreed with
jvp(jvp(f)), hessian and JAX, silently."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.custom import ForwardModeError


def _ste(N, C):
    @C.custom_jvp
    def ste_round(x):
        return N.round(x)

    @ste_round.defjvp
    def _(primals, tangents):
        (x,), (t,) = primals, tangents
        return ste_round(x), t  # straight through: slope 1
    return ste_round


def _scaled(N, C):
    @C.custom_jvp
    def g(x):
        return N.log1p(N.exp(x))

    @g.defjvp
    def _(p, t):
        return g(p[0]), 1.5 / (1.0 + N.exp(-p[0])) * t[0]
    return g


def test_forward_over_batched_forward_applies_the_rule():
    r = _ste(tg, tg)
    f = lambda x: x * r(x)  # noqa: E731  (the rule: f'(x) = round(x) + x, f'' = 2)
    assert float(tg.jacfwd(tg.jacfwd(f))(1.3)) == 2.0
    assert float(tg.hessian(f)(1.3)) == 2.0
    x = np.array([0.3, -0.7, 1.1])
    for N, C in ((tg, tg), (jnp, jax)):
        g = _scaled(N, C)
        h = lambda x, N=N, g=g: g(2.0 * N.sin(x)) * x  # noqa: E731
        got = np.asarray(C.jacfwd(C.jacfwd(h))(jnp.asarray(x) if C is jax else x))
        if C is tg:
            mine = got
    np.testing.assert_allclose(mine, got, rtol=1e-12)
    np.testing.assert_allclose(np.einsum("iij->ij", mine),
                               tg.hessian(lambda v: tg.sum(_scaled(tg, tg)(2.0 * tg.sin(v)) * v))(x),
                               rtol=1e-12)


def test_linearize_of_checkpoint_with_an_integer_argument():
    # before: forward mode over the recorded call gave the integer index a float tangent and
    # jvp refused it (a TypeError about float0)
    x = np.array([0.5, -1.0, 2.0, 0.3])
    idx = np.array([0, 2, 0], dtype=np.int32)
    g = tg.checkpoint(lambda x, idx: tg.sin(x[idx]) * 2.0)
    got = tg.linearize(lambda v: g(v, idx), x)[1](np.ones_like(x))
    np.testing.assert_allclose(got, 2 * np.cos(x[idx]), rtol=1e-14)
    jac = tg.jacfwd(lambda v: tg.vjp(lambda u: g(u, idx), v)[1](np.ones(3))[0])(x)
    np.testing.assert_allclose(jac, tg.hessian(lambda v: tg.sum(tg.sin(v[idx]) * 2.0))(x),
                               rtol=1e-14, atol=1e-15)


def test_forward_over_reverse_of_a_custom_vjp_follows_its_rule():
    # hessian (jacfwd of jacrev) through a custom_vjp whose rule is not the function's own
    # derivative (a straight-through sin: d/dx := 1) differentiated sin itself in the forward
    # layer (2 cos x) while jacrev(grad) gave the rule's 2
    @tg.custom_vjp
    def st(x):
        return tg.sin(x)
    st.defvjp(lambda x: (st(x), None), lambda r, c: (c,))
    f = lambda x: st(x) ** 2  # noqa: E731
    assert float(tg.jacrev(tg.grad(f))(0.5)) == 2.0
    assert float(tg.hessian(f)(0.5)) == 2.0 and float(tg.jvp(tg.grad(f), (0.5,), (1.0,))[1]) == 2.0
    assert float(tg.linearize(tg.grad(f), 0.5)[1](1.0)) == 2.0  # (it raised ForwardModeError)
    with pytest.raises(ForwardModeError):  # forward mode of the function itself: as JAX
        tg.linearize(st, 0.5)[1](1.0)
    # a pytree argument and a surrogate rule, against JAX's reverse over reverse
    def make(lib, cv):
        @cv
        def g(x, p):
            return lib.sin(x) * p["a"] + x ** 2 * p["b"]
        g.defvjp(lambda x, p: (g(x, p), (x, p)), lambda res, c: (
            c * (lib.cos(res[0]) * res[1]["a"] * 0.5 + 3 * res[1]["b"] * res[0] ** 2),
            {"a": lib.sum(c * res[0]), "b": lib.sum(c * lib.sin(res[0]))}))
        return lambda x, p: lib.sum(g(x, p) ** 2 * lib.cos(x))
    x, p = np.array([0.3, -0.8, 1.1]), {"a": np.array(1.7), "b": np.array(-0.4)}
    for argnum in (0, 1):
        want = jax.jacrev(jax.jacrev(make(jnp, jax.custom_vjp), argnum), argnum)(x, p)
        got = tg.hessian(make(tg, tg.custom_vjp), argnums=argnum)(x, p)
        for a, b in zip(jax.tree_util.tree_leaves(got), jax.tree_util.tree_leaves(want)):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)
