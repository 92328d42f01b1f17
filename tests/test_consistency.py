"""Second order on a composite function: a symmetric Hessian, grad of grad against JAX,
and a sixth derivative.

(The per-op consistency checks, the adjoint identity ⟨u, J v⟩ = ⟨Jᵀu, v⟩ and
jacrev = jacfwd = jax.jacfwd on every example of every op, are in test_registry.)
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg


def test_second_order():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(3, 3))
    f = lambda x: tg.sum(tg.tanh(A @ x) ** 2) + tg.nn.logsumexp(x) * tg.sum(x ** 3)  # noqa: E731
    jf = lambda x: jnp.sum(jnp.tanh(A @ x) ** 2) + jax.scipy.special.logsumexp(x) * jnp.sum(x ** 3)  # noqa: E731
    x = rng.normal(size=3)
    H = tg.hessian(f)(x)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-12)
    # JAX's Hessian and grad of grad in one compiled call
    jH, jgg = jax.jit(lambda x: (jax.hessian(jf)(x), jax.grad(lambda x: jnp.sum(jax.grad(jf)(x) ** 2))(x)))(x)
    np.testing.assert_allclose(H, jH, rtol=1e-10)
    gg = tg.grad(lambda x: tg.sum(tg.grad(f)(x) ** 2))(x)
    np.testing.assert_allclose(gg, jgg, rtol=1e-10)
    d = lambda x: 1.0 / x  # noqa: E731
    for _ in range(6):
        d = tg.grad(d)
    assert d(4.0) == pytest.approx(720 / 4 ** 7, rel=1e-12)
