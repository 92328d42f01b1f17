"""Consistency of every registered op's rules with each other and with JAX.

The adjoint identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩ between the JVP and VJP rules,
jacrev = jacfwd = jax.jacfwd on each op's first example, and second order
(symmetric Hessians, grad of grad against JAX, a sixth derivative).
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.testing import jax_reference, op_cases

RNG = np.random.default_rng(0)




def first_cases():
    """The first differentiable example of every registered op."""
    out = []
    for op in tg.REGISTRY.values():
        if op.kind == "none":
            continue
        cs = [c for c in op_cases(op, seed=0) if c.diff]
        if cs:
            out.append(cs[0])
    return out


FIRST = first_cases()


@pytest.mark.parametrize("case", FIRST, ids=[c.label for c in FIRST])
def test_adjoint_identity_every_op(case):
    rng = np.random.default_rng(3)
    f = case.fn(case.op)
    xs = case.diff_args
    vs = [rng.normal(size=np.shape(x)) for x in xs]
    out, jv = tg.jvp(f, xs, vs)
    u = rng.normal(size=np.shape(out))
    jtu = tg.vjp(f, *xs)[1](u)
    np.testing.assert_allclose(np.vdot(u, jv), sum(np.vdot(a, b) for a, b in zip(jtu, vs)),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("case", FIRST, ids=[c.label for c in FIRST])
def test_jacrev_equals_jacfwd_equals_jax(case):
    f = case.fn(case.op)
    ref = jax_reference(case.op)
    jf = case.fn(lambda *a, **p: ref(*[jnp.asarray(v) if isinstance(v, np.ndarray) else v
                                       for v in a], **p))
    xs = case.diff_args
    argnums = tuple(range(len(xs)))
    rev = tg.jacrev(f, argnums=argnums)(*xs)
    fwd = tg.jacfwd(f, argnums=argnums)(*xs)
    want = jax.jacfwd(jf, argnums=argnums)(*xs)
    for r, w, j in zip(rev, fwd, want):
        np.testing.assert_allclose(r, w, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(r, j, rtol=1e-9, atol=1e-9)


def test_second_order():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 3))
    f = lambda x: tg.sum(tg.tanh(A @ x) ** 2) + tg.nn.logsumexp(x) * tg.sum(x ** 3)  # noqa: E731
    jf = lambda x: jnp.sum(jnp.tanh(A @ x) ** 2) + jax.scipy.special.logsumexp(x) * jnp.sum(x ** 3)  # noqa: E731
    x = rng.normal(size=3)
    H = tg.hessian(f)(x)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(H, jax.hessian(jf)(x), rtol=1e-10)
    gg = tg.grad(lambda x: tg.sum(tg.grad(f)(x) ** 2))(x)
    np.testing.assert_allclose(gg, jax.grad(lambda x: jnp.sum(jax.grad(jf)(x) ** 2))(x), rtol=1e-10)
    d = lambda x: 1.0 / x  # noqa: E731
    for _ in range(6):
        d = tg.grad(d)
    assert d(4.0) == pytest.approx(720 / 4 ** 7, rel=1e-12)
