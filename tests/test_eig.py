"""tg.linalg.eig: NumPy's values, and derivatives of LAPACK's normalization (unit-norm
eigenvectors with a real largest entry) against JAX's opt-in eigenvector derivatives and
central differences of numpy.linalg.eig itself."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(21)


def _matrix(shape, complex_=False):
    a = RNG.normal(size=shape)
    return a + 1j * RNG.normal(size=shape) if complex_ else a


def _jax_eig(a):
    return jax.lax.linalg.eig(a, compute_left_eigenvectors=False, enable_eigvec_derivs=True)


def _phase_free(w, v, m):
    """A loss that every gauge gives the same value: eigenvalues, |v|² and v v_kᴴ-free parts."""
    return m.sum(m.real(w) * np.arange(1.0, w.shape[-1] + 1)) + m.sum(m.imag(w) ** 2) \
        + m.sum(m.abs(v) ** 2 * np.arange(1.0, v.shape[-1] + 1))


@pytest.mark.parametrize("shape,complex_", [((4, 4), False), ((3, 3), True), ((2, 3, 3), False)])
def test_values_and_derivatives(shape, complex_):
    a = _matrix(shape, complex_)
    w, v = tg.linalg.eig(a)
    wn, vn = np.linalg.eig(a)
    assert w.dtype.kind == v.dtype.kind == "c"  # always complex, as JAX's
    np.testing.assert_array_equal(w, wn)
    np.testing.assert_array_equal(v, vn)
    w2, v2 = np.linalg.eig(tg.Tensor(a))  # NumPy's function on a Tensor dispatches here
    np.testing.assert_array_equal(np.asarray(v2), vn)
    # against JAX's opt-in eigenvector derivatives (the same normalization, differentiated)
    np.testing.assert_allclose(tg.grad(lambda a: _phase_free(*tg.linalg.eig(a), tg))(a),
                               jax.grad(lambda a: _phase_free(*_jax_eig(a), jnp))(a),
                               rtol=1e-9, atol=1e-12)
    # every entry of the eigenvectors, phase included: the derivative of the values returned
    t = _matrix(shape, complex_)
    h = 1e-6
    _, (dw, dv) = tg.jvp(tg.linalg.eig, (a,), (t,))
    fd = [(p - m) / (2 * h) for p, m in zip(np.linalg.eig(a + h * t), np.linalg.eig(a - h * t))]
    np.testing.assert_allclose(dw, fd[0], atol=1e-7)
    np.testing.assert_allclose(dv, fd[1], atol=1e-7)
    c = _matrix(v.shape, True)
    g = tg.grad(lambda a: tg.sum(tg.real(tg.linalg.eig(a)[1] * c)))(a)
    assert np.isclose(np.real(np.sum(g * t)), np.real(np.sum(fd[1] * c)), rtol=1e-6)


def test_under_jit_and_vmap_and_refusals():
    a = _matrix((3, 4, 4))
    f = lambda m: tg.sum(tg.abs(tg.linalg.eig(m)[1][..., 0, :]) ** 2)  # noqa: E731
    g = tg.grad(f)(a)
    np.testing.assert_allclose(tg.jit(tg.grad(f))(a), g, rtol=1e-12)
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(a), g, rtol=1e-12)
    # repeated eigenvalues: the eigenvalues alone differentiate, their eigenvectors raise
    r = np.diag([2.0, 2.0, 1.0])
    np.testing.assert_allclose(tg.grad(lambda m: tg.real(tg.sum(tg.linalg.eig(m)[0])))(r), np.eye(3))
    with pytest.raises(tg.linalg.LinAlgError, match="eig: the loss uses eigenvectors of repeated"):
        tg.grad(lambda m: tg.sum(tg.abs(tg.linalg.eig(m)[1]) ** 3))(r)
    with pytest.raises(tg.linalg.LinAlgError, match="eig: the tangent mixes"):
        tg.jvp(tg.linalg.eig, (r,), (np.ones((3, 3)),))
    # second derivatives, as JAX's (its rules are differentiable jnp code); the masks are
    # read from the values, so tg.jit refuses a recorded sweep through them instead of baking them
    def jax_eig(m):
        return jax.lax.linalg.eig(m, compute_left_eigenvectors=False, enable_eigvec_derivs=True)

    for m in (a[0], a[1]):
        np.testing.assert_allclose(tg.hessian(lambda m: tg.real(tg.sum(tg.linalg.eig(m)[0] ** 2)))(m),
                                   jax.hessian(lambda m: jnp.real(jnp.sum(jax_eig(m)[0] ** 2)))(m),
                                   rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(tg.hessian(lambda m: tg.sum(tg.abs(tg.linalg.eig(m)[1]) ** 4))(m),
                                   jax.hessian(lambda m: jnp.sum(jnp.abs(jax_eig(m)[1]) ** 4))(m),
                                   rtol=1e-8, atol=1e-10)
        ev = lambda m: jax.lax.linalg.eig(m, compute_left_eigenvectors=False,  # noqa: E731
                                          compute_right_eigenvectors=False, enable_eigvec_derivs=True)[0]
        np.testing.assert_allclose(tg.hessian(lambda m: tg.sum(tg.abs(tg.linalg.eigvals(m))))(m),
                                   jax.hessian(lambda m: jnp.sum(jnp.abs(ev(m))))(m), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(tg.jacfwd(tg.grad(lambda m: tg.real(tg.sum(tg.linalg.eigvals(m) ** 3))))(m),
                                   jax.hessian(lambda m: jnp.real(jnp.sum(ev(m) ** 3)))(m), rtol=1e-9, atol=1e-11)
    with pytest.raises(tg.ConcretizationError):
        tg.jit(tg.hessian(lambda m: tg.real(tg.sum(tg.linalg.eig(m)[0] ** 2))))(a[0])
    with pytest.raises(tg.linalg.LinAlgError, match=r"eig: expected a square matrix .* got shape \(2, 3\)"):
        tg.linalg.eig(np.ones((2, 3)))


def test_derivatives_of_empty_matrices_are_empty():
    # 0 × 0 and batches of them: empty cotangents and tangents, as torch.autograd and jax.vjp give
    for dtype in (float, complex):
        for shape in ((0, 0), (2, 0, 0)):
            A = np.zeros(shape, dtype)
            for f in (lambda a: tg.linalg.eig(a)[0], lambda a: tg.linalg.eig(a)[1], tg.linalg.eigvals):
                y, f_vjp = tg.vjp(f, A)
                (g,) = f_vjp(np.zeros(np.shape(y), complex))
                assert g.shape == shape and g.dtype == A.dtype
                assert tg.jvp(f, (A,), (A,))[1].shape == np.shape(y)
