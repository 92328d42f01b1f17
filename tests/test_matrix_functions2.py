"""tg.scipy.linalg's matrix functions beyond expm: sqrtm, logm, fractional_matrix_power,
cosm, sinm, tanm, coshm, sinhm, tanhm, signm.

Values against SciPy (and JAX's sqrtm); identities (sqrtm² = A, expm(logm) = A, powers add);
derivatives against finite differences, against independent formulas (the Sylvester
equations of sqrtm and signm, expm's Fréchet derivative for logm) and against jax.jvp of
the differentiable JAX references; the adjoint identity; Hessian-vector products; errors.
tests/test_registry.py runs the table checks (JAX references, second order, jacobians).
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg as sl

import tensorgrad as tg
from tensorgrad.ops import matrix_functions2 as mf
from tensorgrad.scipy import linalg as tsl

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(20)
N = 3


def near_identity(*shape):
    return np.eye(shape[-1]) + 0.3 * RNG.normal(size=shape) / np.sqrt(shape[-1])


A = near_identity(N, N)                      # eigenvalues near 1: every function is defined
STACK = near_identity(2, N, N)
M = mf._MIXED[0]                              # real eigenvalues 2, -1.5, 1: for signm
UNARY = ["sqrtm", "logm", "cosm", "sinm", "tanm", "coshm", "sinhm", "tanhm"]


def point(name):
    return M if name == "signm" else A


def ours(name):
    return getattr(tsl, name)


# ---- values ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", UNARY + ["signm"])
def test_values_match_scipy_for_matrices_and_stacks(name):
    x = point(name)
    np.testing.assert_allclose(ours(name)(x), getattr(sl, name)(x), rtol=1e-12, atol=1e-13)
    xs = mf._MIXED if name == "signm" else STACK
    got = ours(name)(xs)
    assert got.shape == xs.shape
    for g, m in zip(got, xs):
        np.testing.assert_allclose(g, getattr(sl, name)(m), rtol=1e-12, atol=1e-13)


def test_identities():
    X = tsl.sqrtm(A)
    np.testing.assert_allclose(X @ X, A, atol=1e-13)
    np.testing.assert_allclose(sl.expm(tsl.logm(A)), A, atol=1e-13)
    np.testing.assert_allclose(tsl.fractional_matrix_power(A, 0.5), X, atol=1e-13)
    P = tsl.fractional_matrix_power(A, 0.3) @ tsl.fractional_matrix_power(A, 0.45)
    np.testing.assert_allclose(P, tsl.fractional_matrix_power(A, 0.75), atol=1e-13)
    S = tsl.signm(M)
    np.testing.assert_allclose(S @ S, np.eye(N), atol=1e-12)
    np.testing.assert_allclose(S @ M, M @ S, atol=1e-12)
    np.testing.assert_allclose(np.sort(np.linalg.eigvals(S).real), [-1, 1, 1], atol=1e-12)
    np.testing.assert_allclose(tsl.tanm(A), np.linalg.solve(sl.cosm(A), sl.sinm(A)), atol=1e-13)


def test_fractional_power_values():
    for t in (0.5, -1.3, 2.0, 2.5, -2.0):
        np.testing.assert_allclose(tsl.fractional_matrix_power(A, t),
                                   sl.fractional_matrix_power(A, t), rtol=1e-12, atol=1e-13)
    # an integer power is real even with negative eigenvalues (repeated products)
    np.testing.assert_allclose(tsl.fractional_matrix_power(M, -1.0), np.linalg.inv(M), atol=1e-12)
    # one power per matrix of a stack
    got = tsl.fractional_matrix_power(STACK, np.array([0.5, -0.25]))
    for g, m, t in zip(got, STACK, (0.5, -0.25)):
        np.testing.assert_allclose(g, sl.fractional_matrix_power(m, t), atol=1e-13)


def test_rotation_has_a_real_root_and_log():
    R = np.array([[0.0, -1.0], [1.0, 0.0]])   # eigenvalues ±i: principal roots are real
    np.testing.assert_allclose(tsl.sqrtm(R), sl.sqrtm(R), atol=1e-14)
    np.testing.assert_allclose(tsl.logm(R), [[0, -np.pi / 2], [np.pi / 2, 0]], atol=1e-14)
    # SciPy returns this one as complex with zero imaginary parts: we return it real
    P = tsl.fractional_matrix_power(R, 0.5)
    assert P.dtype == np.float64
    np.testing.assert_allclose(P, sl.fractional_matrix_power(R, 0.5).real, atol=1e-14)


def test_dtypes_float32_and_integers():
    a32 = A.astype(np.float32)
    for name in UNARY:
        assert ours(name)(a32).dtype == np.float32
    assert tsl.fractional_matrix_power(a32, 0.5).dtype == np.float32
    ints = np.array([[4, 1], [0, 9]])
    for name in ("sqrtm", "logm", "cosm"):
        got = ours(name)(ints)
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, getattr(sl, name)(ints), atol=1e-13)
    np.testing.assert_allclose(tsl.sqrtm(ints), [[2, 0.2], [0, 3]], atol=1e-14)


def test_sqrtm_agrees_with_jax():
    got = jax.jit(jax.scipy.linalg.sqrtm)(A)            # complex in JAX; real here
    np.testing.assert_allclose(np.asarray(got).real, tsl.sqrtm(A), atol=1e-12)
    np.testing.assert_allclose(np.asarray(got).imag, 0, atol=1e-12)


def test_value_at_a_singular_matrix_as_scipy_but_no_derivative():
    S = np.array([[1.0, 2.0], [2.0, 4.0]])            # rank 1, positive semidefinite
    np.testing.assert_allclose(tsl.sqrtm(S) @ tsl.sqrtm(S), S, atol=1e-12)
    with pytest.raises(np.linalg.LinAlgError, match="sqrtm: the derivative does not exist"):
        tg.grad(lambda x: tg.sum(tsl.sqrtm(x)))(S)
    np.testing.assert_allclose(tsl.fractional_matrix_power(S, 0.5), tsl.sqrtm(S), atol=1e-12)
    with pytest.raises(np.linalg.LinAlgError, match="fractional_matrix_power: the derivative"):
        tg.grad(lambda x: tg.sum(tsl.fractional_matrix_power(x, 0.5)))(S)
    # an integer power is a polynomial: differentiable everywhere
    g = tg.grad(lambda x: tg.sum(tsl.fractional_matrix_power(x, 2.0)))(S)
    np.testing.assert_allclose(g, tg.grad(lambda x: tg.sum(x @ x))(S), atol=1e-12)


# ---- derivatives ----------------------------------------------------------------------

def fd(f, x, e, h=1e-6):
    return (f(x + h * e) - f(x - h * e)) / (2 * h)


@pytest.mark.parametrize("name", UNARY + ["signm"])
def test_jvp_matches_finite_differences_and_vjp_is_its_adjoint(name):
    f, x = ours(name), point(name)
    rng = np.random.default_rng(1)
    e, u = rng.normal(size=x.shape), rng.normal(size=x.shape)
    out, jv = tg.jvp(f, (x,), (e,))
    np.testing.assert_allclose(jv, fd(f, x, e), rtol=1e-7, atol=1e-7)
    (ju,) = tg.vjp(f, x)[1](u)
    np.testing.assert_allclose(np.vdot(u, jv), np.vdot(ju, e), rtol=1e-12, atol=1e-12)


def test_derivatives_match_independent_formulas():
    E = np.random.default_rng(2).normal(size=(N, N))
    X = tsl.sqrtm(A)
    _, L = tg.jvp(tsl.sqrtm, (A,), (E,))           # X L + L X = E
    np.testing.assert_allclose(L, sl.solve_sylvester(X, X, E), atol=1e-12)
    G = np.random.default_rng(3).normal(size=(N, N))
    (Lt,) = tg.vjp(tsl.sqrtm, A)[1](G)              # Xᵀ L + L Xᵀ = G
    np.testing.assert_allclose(Lt, sl.solve_sylvester(X.T, X.T, G), atol=1e-12)
    _, L = tg.jvp(tsl.logm, (A,), (E,))             # expm's derivative at log A undoes it
    np.testing.assert_allclose(sl.expm_frechet(tsl.logm(A), L, compute_expm=False), E, atol=1e-12)
    S = tsl.signm(M)                                # N L + L N = E - S E S, N = S M
    _, L = tg.jvp(tsl.signm, (M,), (E,))
    Nm = S @ M
    np.testing.assert_allclose(L, sl.solve_sylvester(Nm, Nm, E - S @ E @ S), atol=1e-11)
    assert np.abs(L).max() > 0.1                     # not the zero of a piecewise constant
    _, L0 = tg.jvp(tsl.signm, (M,), (S @ M - M @ S + 0.5 * S,))   # commutes with S: zero
    np.testing.assert_allclose(L0, 0, atol=1e-12)


def test_fractional_power_in_t_and_in_a_stack():
    rng = np.random.default_rng(4)
    t = np.array(0.37)
    W = rng.normal(size=(N, N))

    def f(a, s):
        return tg.sum(W * tsl.fractional_matrix_power(a, s))
    ga, gt = tg.grad(f, argnums=(0, 1))(A, t)
    np.testing.assert_allclose(gt, np.sum(W * (sl.logm(A) @ sl.fractional_matrix_power(A, t))),
                               rtol=1e-12)
    np.testing.assert_allclose(gt, fd(lambda s: f(A, s), t, 1.0), rtol=1e-7)
    E = rng.normal(size=(N, N))
    np.testing.assert_allclose(np.vdot(ga, E), fd(lambda a: f(a, t), A, E), rtol=1e-7)
    # t per matrix of a stack, with batched tangents in t (jacfwd)
    ts = np.array([0.5, -0.25])
    J = tg.jacfwd(lambda s: tsl.fractional_matrix_power(STACK, s))(ts)
    assert J.shape == (2, N, N, 2)
    for i in range(2):
        want = sl.logm(STACK[i]) @ sl.fractional_matrix_power(STACK[i], ts[i])
        np.testing.assert_allclose(J[i, ..., i], want, atol=1e-12)
        np.testing.assert_allclose(J[i, ..., 1 - i], 0, atol=0)


def test_jvp_matches_jax_reference():
    # JAX's own sqrtm cannot be differentiated (no rule for its Schur form) ...
    with pytest.raises(NotImplementedError):
        jax.jvp(jax.scipy.linalg.sqrtm, (A,), (A,))
    # ... so the registry's reference is a Denman–Beavers iteration, which JAX differentiates
    rng = np.random.default_rng(5)
    E, G = rng.normal(size=STACK.shape), rng.normal(size=STACK.shape)

    def both(a, e, g):
        f = lambda x: mf._jax_sqrtm(jnp, x)  # noqa: E731
        return jax.jvp(f, (a,), (e,)), jax.vjp(f, a)[1](g)[0]
    (out, tan), cot = jax.jit(both)(STACK, E, G)
    got_out, got_tan = tg.jvp(tsl.sqrtm, (STACK,), (E,))
    np.testing.assert_allclose(got_out, out, atol=1e-12)
    np.testing.assert_allclose(got_tan, tan, atol=1e-11)
    np.testing.assert_allclose(tg.vjp(tsl.sqrtm, STACK)[1](G)[0], cot, atol=1e-11)


@pytest.mark.parametrize("name", ["sqrtm", "logm", "tanm", "signm"])
def test_hessian_vector_product_matches_finite_differences(name):
    f, x = ours(name), point(name)
    rng = np.random.default_rng(6)
    W, v = rng.normal(size=x.shape), rng.normal(size=x.shape)

    def s(y):
        return tg.sum(W * f(y))
    hv = tg.hvp(s, (x,), (v,))
    hv = hv[0] if isinstance(hv, tuple) else hv
    g = tg.grad(s)
    np.testing.assert_allclose(hv, fd(g, x, v, 1e-5), rtol=1e-6, atol=1e-7)
    if name == "logm":  # SciPy's logm of the 4n × 4n blocks is slow: the product suffices
        return
    H = tg.hessian(s)(x).reshape(x.size, x.size)
    np.testing.assert_allclose(H, H.T, atol=1e-11)
    np.testing.assert_allclose(H @ v.ravel(), np.ravel(hv), atol=1e-10)


def test_under_jit_replayed_on_new_values():
    g = tg.grad(lambda x: tg.sum(tsl.sqrtm(x) * tsl.logm(x)))
    jg = tg.jit(g)
    B = near_identity(N, N)
    np.testing.assert_allclose(jg(A), g(A), atol=1e-13)
    np.testing.assert_allclose(jg(B), g(B), atol=1e-13)


# ---- errors ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", UNARY + ["signm"])
def test_non_square_and_complex_inputs_are_refused(name):
    with pytest.raises(np.linalg.LinAlgError, match=rf"{name}: expected a square.*\(2, 3\)"):
        ours(name)(np.ones((2, 3)))
    with pytest.raises(TypeError, match=rf"{name}: complex matrices are not supported"):
        ours(name)(np.eye(2) * 1j)


def test_complex_results_are_errors_tensorgrad_is_real_only():
    neg = np.array([[-1.0, 0.0], [0.0, 2.0]])
    for fn in (tsl.sqrtm, tsl.logm, lambda a: tsl.fractional_matrix_power(a, 0.5)):
        with pytest.raises(np.linalg.LinAlgError, match="complex.*real arrays only"):
            fn(neg)
    with pytest.raises(np.linalg.LinAlgError, match="logm: .*singular"):
        tsl.logm(np.array([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(np.linalg.LinAlgError, match="fractional_matrix_power: .*singular"):
        tsl.fractional_matrix_power(np.zeros((2, 2)), -0.5)
    with pytest.raises(np.linalg.LinAlgError, match="sqrtm: .*no square root"):
        tsl.sqrtm(np.array([[0.0, 1.0], [0.0, 0.0]]))   # nilpotent: no root at all
    with pytest.raises(np.linalg.LinAlgError, match="log\\(A\\)|logm"):   # d/dt needs log A
        tg.grad(lambda s: tg.sum(tsl.fractional_matrix_power(neg, s)))(2.0)


def test_functions_at_their_singularities():
    with pytest.raises(np.linalg.LinAlgError, match="signm: .*imaginary axis"):
        tsl.signm(np.array([[0.0, -1.0], [1.0, 0.0]]))
    with pytest.raises(np.linalg.LinAlgError, match="tanm: .*pole"):
        tsl.tanm(np.diag([np.pi / 2, 1.0]))
    with pytest.raises(np.linalg.LinAlgError, match="tanhm: .*pole"):     # eigenvalues ±iπ/2
        tsl.tanhm(np.array([[0.0, -np.pi / 2], [np.pi / 2, 0.0]]))


def test_tangents_of_widely_spread_eigenvalues_are_not_poles():
    # cosh(40) ≈ 1e17 next to cosh(0) = 1 makes coshm(A) numerically singular, yet tanh is
    # perfectly defined there: the pole test looks at the eigenvalues, not at coshm's condition
    B = np.array([[0.5, 1.0], [0.0, 40.0]])
    T = tsl.tanhm(B)
    np.testing.assert_allclose(np.diag(T), np.tanh(np.diag(B)), rtol=1e-14)
    np.testing.assert_allclose(T, np.linalg.solve(sl.coshm(B), sl.sinhm(B)), rtol=1e-14)
    np.testing.assert_allclose(tsl.tanm(np.diag([0.1, 1e-300])), np.diag([np.tan(0.1), 1e-300]))
    g = tg.grad(lambda a: tg.sum(tsl.tanhm(a)))(B)
    assert np.all(np.isfinite(g))
    with pytest.raises(ValueError, match="sqrtm: A \\(shape \\(2, 2\\)\\) has infinite or NaN"):
        tsl.sqrtm(np.array([[1.0, np.nan], [0.0, 1.0]]))
    with pytest.raises(NotImplementedError, match="disp=False"):
        tsl.sqrtm(A, disp=False)
