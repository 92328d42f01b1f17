"""tg.scipy.special.sph_harm_y against scipy.special.sph_harm_y and jax.scipy.special.sph_harm_y:
values for n ≤ 6 and every order (|m| > n gives 0), broadcasting, the poles, dtypes, first
and second derivatives in theta and phi, tg.jit and tg.vmap, and the errors."""
import numpy as np
import pytest
import scipy.special as ss

import jax
import jax.numpy as jnp
import jax.scipy.special as jss

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)

sph = tg.scipy.special.sph_harm_y
RNG = np.random.default_rng(7)
# every (n, m) with n ≤ 6 and |m| ≤ n + 2, one random (theta, phi) each
N = np.repeat(np.arange(7), 17)
M = np.tile(np.arange(-8, 9), 7)
VALID = np.abs(M) <= N
THETA = RNG.uniform(0.05, np.pi - 0.05, N.size)
PHI = RNG.uniform(0.0, 2 * np.pi, N.size)
W = RNG.normal(size=N.size) + 1j * RNG.normal(size=N.size)


def _jax(n, m, theta, phi):
    return jss.sph_harm_y(jnp.asarray(n), jnp.asarray(m), jnp.asarray(theta), jnp.asarray(phi))


def test_values_match_scipy_and_jax_for_every_order_up_to_6():
    ours = np.asarray(sph(N, M, THETA, PHI))
    assert ours.dtype == np.complex128 and ours.shape == N.shape
    np.testing.assert_allclose(ours, ss.sph_harm_y(N, M, THETA, PHI), rtol=0, atol=1e-14)
    ref = np.asarray(_jax(N, M, THETA, PHI))
    np.testing.assert_allclose(ours[VALID], ref[VALID], rtol=0, atol=1e-14)
    assert np.all(ours[~VALID] == 0)  # |m| > n: 0, as SciPy (JAX calls it undefined)


@pytest.mark.parametrize("theta", [0.0, np.pi])
def test_values_at_the_poles(theta):
    phi = RNG.uniform(0, 2 * np.pi, N.size)
    ours = np.asarray(sph(N, M, np.full(N.size, theta), phi))
    np.testing.assert_allclose(ours, ss.sph_harm_y(N, M, theta, phi), rtol=0, atol=1e-14)
    ref = np.asarray(_jax(N, M, np.full(N.size, theta), phi))
    np.testing.assert_allclose(ours[VALID], ref[VALID], rtol=0, atol=1e-14)


def test_broadcasting_scalars_negative_degrees_and_angles_outside_the_range():
    n = np.arange(5)[:, None, None]
    m = np.arange(-3, 4)[None, :, None]
    theta = np.array([0.0, 0.3, 1.7, np.pi])
    out = np.asarray(sph(n, m, theta, 0.9))
    assert out.shape == (5, 7, 4)
    np.testing.assert_allclose(out, ss.sph_harm_y(n, m, theta, 0.9), rtol=0, atol=1e-14)
    y = sph(3, -2, 0.4, 1.1)
    assert np.shape(y) == () and np.isclose(complex(np.asarray(y)), ss.sph_harm_y(3, -2, 0.4, 1.1), atol=1e-15)
    assert np.asarray(sph(-2, 1, 0.5, 0.3)) == 0 == ss.sph_harm_y(-2, 1, 0.5, 0.3)
    theta = np.array([-0.5, 4.0, 7.0])  # SciPy and JAX use |sin θ|
    np.testing.assert_allclose(np.asarray(sph(2, 1, theta, 0.3)), ss.sph_harm_y(2, 1, theta, 0.3), atol=1e-14)
    assert np.asarray(sph(np.array([], int), 0, np.array([]), 0.0)).shape == (0,)


def test_n_max_reads_larger_degrees_as_n_max_as_jax():
    n, m = np.array([10, 3, 4]), np.array([2, -1, 0])
    theta, phi = np.array([0.4, 0.7, 2.0]), np.array([1.0, 2.0, 3.0])
    ours = np.asarray(sph(n, m, theta, phi, n_max=6))
    ref = jss.sph_harm_y(jnp.asarray(n), jnp.asarray(m), jnp.asarray(theta), jnp.asarray(phi), n_max=6)
    np.testing.assert_allclose(ours, np.asarray(ref), atol=1e-14)
    np.testing.assert_allclose(ours, ss.sph_harm_y(np.minimum(n, 6), m, theta, phi), atol=1e-14)


def test_dtypes():
    assert np.asarray(sph(2, 1, np.float64(0.5), 0.3)).dtype == np.complex128
    assert np.asarray(sph(2, 1, 1, 2)).dtype == np.complex128  # integer angles: float64
    y32 = np.asarray(sph(2, 1, np.float32([0.5, 1.0]), np.float32(0.3)))
    assert y32.dtype == np.complex64  # as JAX's
    np.testing.assert_allclose(y32, ss.sph_harm_y(2, 1, np.array([0.5, 1.0]), 0.3), rtol=1e-5)
    g = tg.grad(lambda t: tg.sum(tg.imag(sph(3, 2, t, np.float32(0.7)))))(np.float32([0.3, 1.2]))
    assert g.dtype == np.float32


def _loss(t, p):
    return tg.sum(tg.real(sph(N, M, t, p) * W))


def _jax_loss(t, p):
    return jnp.sum(jnp.real(jss.sph_harm_y(jnp.asarray(N), jnp.asarray(M), t, p) * W))


def test_gradients_match_jax():
    # JAX's value at |m| > n is its own (undefined): compare a loss over the valid orders only
    w_valid = np.where(VALID, W, 0)
    gt, gp = tg.grad(lambda t, p: tg.sum(tg.real(sph(N, M, t, p) * w_valid)), argnums=(0, 1))(THETA, PHI)
    jt, jp = jax.grad(lambda t, p: jnp.sum(jnp.real(jss.sph_harm_y(jnp.asarray(N), jnp.asarray(M), t, p)
                                                      * w_valid)), argnums=(0, 1))(THETA, PHI)
    assert gt.dtype == gp.dtype == np.float64  # a real input meeting a complex output: real gradient
    np.testing.assert_allclose(gt, np.asarray(jt), rtol=1e-12, atol=1e-13)
    np.testing.assert_allclose(gp, np.asarray(jp), rtol=1e-12, atol=1e-13)
    gt, gp = tg.grad(_loss, argnums=(0, 1))(THETA, PHI)
    assert np.all(gt[~VALID] == 0) and np.all(gp[~VALID] == 0)


def test_second_derivatives_match_jax():
    n, m = N[VALID], M[VALID]
    theta, phi, w = THETA[VALID][:, None], PHI[VALID][:, None], W[VALID]

    def ours(v):
        return tg.sum(tg.real(sph(n, m, v[:, 0], v[:, 1]) * w))

    def ref(v):
        return jnp.sum(jnp.real(jss.sph_harm_y(jnp.asarray(n), jnp.asarray(m), v[:, 0], v[:, 1]) * w))

    v = np.concatenate([theta, phi], axis=1)
    np.testing.assert_allclose(np.asarray(tg.hessian(ours)(v)), np.asarray(jax.hessian(ref)(v)),
                               rtol=1e-11, atol=1e-12)


@pytest.mark.parametrize("theta", [0.0, np.pi])
def test_slopes_at_the_poles_are_the_one_sided_ones(theta):
    # JAX's slope there is NaN (it differentiates √(1 − cos²θ)); compare a one-sided second-order
    # difference of SciPy from inside [0, π]
    n, m = N[VALID], M[VALID]
    phi, w = PHI[VALID], W[VALID]
    h = 1e-4 if theta == 0 else -1e-4

    def f(t):
        return np.real(ss.sph_harm_y(n, m, t, phi) * w)

    fd = (-3 * f(theta) + 4 * f(theta + h) - f(theta + 2 * h)) / (2 * h)
    g = tg.grad(lambda t: tg.sum(tg.real(sph(n, m, t, phi) * w)))(np.full(n.size, theta))
    assert np.all(np.isfinite(g))
    np.testing.assert_allclose(g, fd, rtol=0, atol=1e-6)


def test_jit_and_vmap():
    jitted = tg.jit(lambda t, p: sph(N, M, t, p))
    np.testing.assert_allclose(np.asarray(jitted(THETA, PHI)), ss.sph_harm_y(N, M, THETA, PHI), atol=1e-14)
    theta, phi = THETA[:5], PHI[:5]
    batched = tg.vmap(lambda t, p: sph(3, np.arange(-4, 5), t, p))(theta, phi)
    np.testing.assert_allclose(np.asarray(batched), ss.sph_harm_y(3, np.arange(-4, 5), theta[:, None],
                                                                   phi[:, None]), atol=1e-14)
    g = tg.jit(tg.grad(_loss, argnums=1))(THETA, PHI)
    np.testing.assert_allclose(g, tg.grad(_loss, argnums=1)(THETA, PHI), rtol=1e-13, atol=1e-14)


def test_errors_name_sph_harm_y():
    with pytest.raises(ValueError, match="sph_harm_y: n must hold integers"):
        sph(1.5, 0, 0.5, 0.3)
    with pytest.raises(ValueError, match="sph_harm_y: m must hold integers"):
        sph(2, np.array([0.5, 1.0]), 0.5, 0.3)
    with pytest.raises(NotImplementedError, match="sph_harm_y: diff_n=1"):
        sph(2, 1, 0.5, 0.3, diff_n=1)
    with pytest.raises(ValueError, match="sph_harm_y: n_max"):
        sph(2, 1, 0.5, 0.3, n_max=-1)
    with pytest.raises(TypeError, match="sph_harm_y: theta must be real"):
        sph(2, 1, 0.5 + 1j, 0.3)
    with pytest.raises(TypeError, match="sph_harm_y: n must be an integer constant"):
        tg.jit(lambda n: sph(n, 0, 0.5, 0.3))(np.arange(3))
    assert np.asarray(sph(2, 1, 0.5, 0.3, diff_n=0)) == np.asarray(sph(2, 1, 0.5, 0.3))
    assert np.asarray(sph(2.0, -1.0, 0.5, 0.3)) == np.asarray(sph(2, -1, 0.5, 0.3))
