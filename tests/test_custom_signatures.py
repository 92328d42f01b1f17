"""custom_jvp / custom_vjp: default arguments reach the rules; JAX's symbolic_zeros form."""
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.custom import CustomVJPPrimal

X = np.array([1.0, 2.0, 3.0])


def test_default_arguments_reach_the_rules():
    @tg.custom_jvp
    def f(a, s=2.0):
        return a * s

    @f.defjvp
    def f_jvp(primals, tangents):
        a, s = primals              # the default comes in too, as in JAX
        ta, ts = tangents
        return a * s, ta * s * 100 + ts * a

    @tg.custom_vjp
    def g(a, s=2.0):
        return a * s

    g.defvjp(lambda a, s=2.0: (a * s, (a, s)), lambda r, ct: (ct * r[1] * 100, None))
    for fn in (f, g):
        np.testing.assert_allclose(tg.grad(lambda a: tg.sum(fn(a)))(X), 200.0)
        np.testing.assert_allclose(tg.grad(lambda a: tg.sum(fn(a, 3.0)))(X), 300.0)
        np.testing.assert_allclose(tg.grad(lambda a: tg.sum(fn(a, s=0.5)))(X), 50.0)
        np.testing.assert_allclose(fn(X), 2 * X)


def test_custom_vjp_symbolic_zeros_form():
    seen = []

    @tg.custom_vjp
    def f(a, b):
        return a * b

    def fwd(a, b):
        assert isinstance(a, CustomVJPPrimal) and isinstance(b, CustomVJPPrimal)
        seen.append((a.perturbed, b.perturbed))
        return a.value * b.value, (a.value, b.value)

    def bwd(res, g):
        a, b = res
        return g * b, None  # None: a zero cotangent

    f.defvjp(fwd, bwd, symbolic_zeros=True, optimize_remat=False)
    y = X[::-1].copy()
    np.testing.assert_allclose(tg.grad(lambda a: tg.sum(f(a, y)))(X), y)
    assert seen[-1] == (True, False)
    np.testing.assert_allclose(tg.grad(lambda b: tg.sum(f(X, b)))(y), 0.0)  # (bwd's None)
    assert seen[-1] == (False, True)
    # the imperative tape, and a second derivative through the recorded sweep
    t = tg.tensor(X, requires_grad=True)
    (g,) = tg.autograd.grad(tg.sum(f(t, y) * t), [t], create_graph=True)
    np.testing.assert_allclose(g.detach(), 2 * X * y)
    (h,) = tg.autograd.grad(tg.sum(g), [t])
    np.testing.assert_allclose(h, 2 * y)
    with pytest.raises(TypeError, match="unexpected keyword"):
        f.defvjp(fwd, bwd, symbolic=True)


def _complex_pair(api, npm):
    @api.custom_jvp
    def h(z, w):
        return z * z * w, npm.real(z) * w

    @h.defjvp
    def _(p, t):
        z, w = p
        tz, tw = t
        return h(z, w), (2 * z * w * tz + z * z * tw, npm.real(tz) * w + npm.real(z) * tw)
    return h


def test_custom_jvp_of_complex_values_matches_jax():
    # complex outputs used to leave the forward trace (a zero tangent), and a complex leaf
    # packed with others lost its imaginary part
    import jax
    import jax.numpy as jnp
    jax.config.update("jax_enable_x64", True)
    ht, hj = _complex_pair(tg, tg), _complex_pair(jax, jnp)
    z, w = np.array([1 + 1j, 0.5 - 2j]), np.array([0.3 + 0.2j, -1.0 + 0.5j])
    tz, tw = np.array([1.0 + 0.5j, -0.2 + 1j]), np.array([0.1 - 0.3j, 0.7 + 0j])
    for a, b in zip(tg.jvp(ht, (z, w), (tz, tw))[1], jax.jvp(hj, (z, w), (tz, tw))[1]):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    lt = lambda z, w: tg.sum(tg.abs(ht(z, w)[0]) ** 2 + tg.real(ht(z, w)[1] * 1j))  # noqa: E731
    lj = lambda z, w: jnp.sum(jnp.abs(hj(z, w)[0]) ** 2 + jnp.real(hj(z, w)[1] * 1j))  # noqa: E731
    for a, b in zip(tg.grad(lt, argnums=(0, 1))(z, w), jax.grad(lj, argnums=(0, 1))(z, w)):
        np.testing.assert_allclose(a, b, rtol=1e-12)


def test_complex_rules_are_checked():
    z = np.array([1 + 1j, 0.5 - 2j])

    @tg.custom_jvp
    def bad(v):
        return v * v

    bad.defjvp(lambda p, t: (p[0] * p[0], t[0] * t[0]))  # not linear in a complex tangent
    with pytest.raises(ValueError, match="not linear in the tangents"):
        tg.grad(lambda v: tg.sum(tg.abs(bad(v)) ** 2))(z)

    @tg.custom_vjp
    def f(x):
        return tg.sin(x)

    f.defvjp(lambda x: (tg.sin(x), x), lambda res, g: (g * (1 + 1j),))
    with pytest.raises(TypeError, match="bwd returned a complex cotangent .* of dtype float64"):
        tg.grad(lambda x: tg.sum(f(x)))(np.ones(3))

    @tg.custom_jvp
    def g(x):
        return tg.sin(x)

    g.defjvp(lambda p, t: (tg.sin(p[0]), t[0] * tg.cos(p[0]) * 1j))
    with pytest.raises(TypeError, match="complex output tangent"):
        tg.jvp(g, (np.ones(3),), (np.ones(3),))
