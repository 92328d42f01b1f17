"""jax.lax's complex conventions: conj is always complex, logistic takes complex input."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize("dt", [np.float32, np.float64, np.complex64, np.complex128])
def test_lax_conj_is_complex_as_jax(dt):
    x = np.array([1.0, -2.0], dt) * (1 + (1j if np.dtype(dt).kind == "c" else 0))
    ours, theirs = tg.lax.conj(x), np.asarray(jax.lax.conj(x))
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)
    assert tg.jit(tg.lax.conj)(x).dtype == theirs.dtype
    with pytest.raises(TypeError, match="real-valued outputs"):
        tg.jacrev(tg.lax.conj)(np.array([1.0, 2.0]))


def test_lax_logistic_of_complex_values_and_gradient_match_jax():
    z = np.array([0.5 + 0.7j, -1.0 + 0.2j])
    np.testing.assert_allclose(tg.lax.logistic(z), np.asarray(jax.lax.logistic(z)), rtol=1e-13)
    f_tg = lambda z: tg.sum(tg.abs(tg.lax.logistic(z)) ** 2)  # noqa: E731
    f_jax = lambda z: jnp.sum(jnp.abs(jax.lax.logistic(z)) ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.grad(f_tg)(z), np.asarray(jax.grad(f_jax)(z)), rtol=1e-10)
    x = np.array([0.3, -2.0])
    np.testing.assert_allclose(tg.lax.logistic(x), np.asarray(jax.lax.logistic(x)), rtol=1e-14)


@pytest.mark.parametrize("shapes", [((), (2, 2)), ((2, 2), ()), ((3, 1), (1, 2))])
def test_jacfwd_of_lax_complex_with_broadcast_operands_matches_jax(shapes):
    rng = np.random.default_rng(0)
    a, b = (rng.normal(size=s) for s in shapes)
    f_tg = lambda a, b: tg.imag(tg.lax.complex(a, b)) * a + tg.real(tg.lax.complex(a, b)) * b  # noqa: E731
    f_j = lambda a, b: jnp.imag(jax.lax.complex(a, b)) * a + jnp.real(jax.lax.complex(a, b)) * b  # noqa: E731
    for jac_tg, jac_j in [(tg.jacfwd, jax.jacfwd), (tg.jacrev, jax.jacrev)]:
        ours = jac_tg(f_tg, argnums=(0, 1))(a, b)
        theirs = jac_j(f_j, argnums=(0, 1))(a, b)
        for o, t in zip(ours, theirs):
            np.testing.assert_allclose(o, np.asarray(t), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name", ["add", "mul", "sub", "div", "max", "pow", "atan2", "rem"])
def test_lax_binary_ops_broadcast_size_one_axes_as_jax(name):
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0.5, 2.0, size=(3, 1)), rng.uniform(0.5, 2.0, size=(1, 4))
    ours = getattr(tg.lax, name)(x, y)
    np.testing.assert_allclose(ours, np.asarray(getattr(jax.lax, name)(x, y)), rtol=1e-13)
    g = tg.grad(lambda x, y: tg.sum(getattr(tg.lax, name)(x, y)), argnums=(0, 1))(x, y)
    gj = jax.grad(lambda x, y: jnp.sum(getattr(jax.lax, name)(x, y)), argnums=(0, 1))(x, y)
    for a, b in zip(g, gj):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-12)
