"""PyTorch's linalg functions NumPy lacks (tg.linalg.matrix_exp, solve_triangular, lu*, vander,
*_ex, householder_product, ldl_*): values against NumPy/SciPy closed forms, derivatives
against JAX and central differences, LAPACK's info codes, and the errors for bad input."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg
import scipy.linalg.lapack

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient

jax.config.update("jax_enable_x64", True)

rng = np.random.default_rng(7)
A3 = rng.normal(size=(3, 3))
A23 = rng.normal(size=(2, 3, 3))
SPD = A3 @ A3.T + np.eye(3)
NOT_PD = np.array([[4.0, 2.0, 1.0], [2.0, 5.0, 3.0], [1.0, 3.0, -7.0]])  # minor of order 3 < 0
SINGULAR = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])


def _cplx(shape):
    return rng.normal(size=shape) + 1j * rng.normal(size=shape)


# ---- matrix_exp ---------------------------------------------------------------------------
@pytest.mark.parametrize("a", [A3, A23, _cplx((2, 2)), np.zeros((0, 0)), rng.normal(size=(2, 1, 1))])
def test_matrix_exp_values(a):
    want = scipy.linalg.expm(a) if a.size else a
    np.testing.assert_allclose(tg.linalg.matrix_exp(a), want, rtol=1e-12, atol=1e-14)


def _hessian_by_differences(f, x, eps=1e-5):
    """Central differences of tg.grad(f): the Hessian as an (x.size, x.size) matrix."""
    g = tg.grad(f)
    rows = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = eps
        e = e.reshape(x.shape)
        rows.append((np.asarray(g(x + e)) - np.asarray(g(x - e))).ravel() / (2 * eps))
    return np.array(rows)


def test_matrix_exp_first_and_second_derivatives():
    w = rng.normal(size=(3, 3))
    f = lambda a: (tg.linalg.matrix_exp(a) * w).sum()
    a = 0.5 * A3
    # the gradient of <expm(A), W> is the adjoint Fréchet derivative L(Aᵀ, W) (SciPy's)
    want = scipy.linalg.expm_frechet(a.T, w, compute_expm=False)
    np.testing.assert_allclose(tg.grad(f)(a), want, rtol=1e-10)
    np.testing.assert_allclose(tg.grad(f)(a), central_difference_gradient(f, a), rtol=1e-6)
    H = np.asarray(tg.hessian(f)(a)).reshape(9, 9)
    np.testing.assert_allclose(H, _hessian_by_differences(f, a), rtol=1e-5, atol=1e-7)
    t = tg.tensor(a, requires_grad=True)
    f(t).backward()
    np.testing.assert_allclose(t.grad, want, rtol=1e-10)
    # a stack: each matrix its own exponential, under vmap too
    np.testing.assert_allclose(tg.vmap(tg.linalg.matrix_exp)(A23), scipy.linalg.expm(A23), rtol=1e-12)


# ---- solve_triangular ---------------------------------------------------------------------
@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular_values_and_broadcasting(upper, left, unit):
    A = rng.normal(size=(2, 1, 3, 3)) + 3 * np.eye(3)
    B = rng.normal(size=(4, 3, 2) if left else (4, 2, 3))
    X = tg.linalg.solve_triangular(A, B, upper=upper, left=left, unitriangular=unit)
    T = np.triu(A, 1 if unit else 0) if upper else np.tril(A, -1 if unit else 0)
    if unit:
        T = T + np.eye(3)
    want = np.linalg.solve(T, B) if left else np.swapaxes(
        np.linalg.solve(np.swapaxes(T, -1, -2), np.swapaxes(B, -1, -2)), -1, -2)
    assert X.shape == (2, 4, 3, 2) if left else X.shape == (2, 4, 2, 3)
    np.testing.assert_allclose(X, want, rtol=1e-10)


@pytest.mark.parametrize("upper", [True, False])
@pytest.mark.parametrize("unit", [True, False])
def test_solve_triangular_derivatives_match_jax(upper, unit):
    A = rng.normal(size=(3, 3)) + 3 * np.eye(3)
    B = rng.normal(size=(3, 2))
    w = rng.normal(size=(3, 2))
    f = lambda a, b: (tg.linalg.solve_triangular(a, b, upper=upper, unitriangular=unit) ** 2 * w).sum()
    fj = lambda a, b: (jax.scipy.linalg.solve_triangular(a, b, lower=not upper,
                                                         unit_diagonal=unit) ** 2 * w).sum()
    for k in (0, 1):
        np.testing.assert_allclose(tg.grad(f, argnums=k)(A, B), jax.grad(fj, argnums=k)(A, B),
                                   rtol=1e-9, atol=1e-12)
    if upper and not unit:  # (one JAX Hessian: each costs a compilation)
        np.testing.assert_allclose(tg.hessian(f)(A, B), jax.hessian(fj)(A, B), rtol=1e-8,
                                   atol=1e-11)
    else:
        H = np.asarray(tg.hessian(f)(A, B)).reshape(9, 9)
        np.testing.assert_allclose(H, _hessian_by_differences(lambda a: f(a, B), A), rtol=1e-5,
                                   atol=1e-6)
    # left=False: X A = B, the derivative in B against central differences
    g = lambda b: (tg.linalg.solve_triangular(A, b, upper=upper, left=False) ** 2).sum()
    Bt = B.T.copy()
    np.testing.assert_allclose(tg.grad(g)(Bt), central_difference_gradient(g, Bt), rtol=1e-6)


def test_solve_triangular_complex():
    A = _cplx((3, 3)) + 3 * np.eye(3)
    B = _cplx((3, 1))
    np.testing.assert_allclose(tg.linalg.solve_triangular(A, B, upper=False),
                               scipy.linalg.solve_triangular(A, B, lower=True), rtol=1e-12)


# ---- LU -------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(3, 3), (4, 2), (2, 4), (2, 3, 3), (1, 1)])
def test_lu_factor_and_lu_against_scipy(shape):
    a = rng.normal(size=shape)
    LU, piv = tg.linalg.lu_factor(a)
    LU2, piv2, info = tg.linalg.lu_factor_ex(a)
    P, L, U = tg.linalg.lu(a)
    k = min(shape[-2:])
    for idx in np.ndindex(*shape[:-2]):
        lu_s, piv_s = scipy.linalg.lu_factor(a[idx]) if shape[-1] == shape[-2] else \
            _lapack_getrf(a[idx])
        np.testing.assert_allclose(LU[idx], lu_s, rtol=1e-12, atol=1e-14)
        np.testing.assert_array_equal(piv[idx], piv_s[:k] + 1)  # PyTorch's pivots are 1-based
        p_s, l_s, u_s = scipy.linalg.lu(a[idx])
        np.testing.assert_array_equal(P[idx], p_s)
        np.testing.assert_allclose(L[idx], l_s, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(U[idx], u_s, rtol=1e-12, atol=1e-14)
    assert np.asarray(piv).dtype == np.int32 and np.asarray(info).dtype == np.int32
    np.testing.assert_array_equal(info, np.zeros(shape[:-2]))
    np.testing.assert_array_equal(LU2, LU)
    np.testing.assert_array_equal(piv2, piv)
    np.testing.assert_allclose(np.asarray(P) @ L @ U, a, rtol=1e-12, atol=1e-14)


def _lapack_getrf(a):
    lu_, piv, _ = scipy.linalg.lapack.dgetrf(a)
    return lu_, piv


def test_lu_complex_keeps_the_dtype_in_P():
    a = _cplx((3, 3))
    P, L, U = tg.linalg.lu(a)
    assert np.asarray(P).dtype == np.complex128
    np.testing.assert_allclose(np.asarray(P) @ L @ U, a, rtol=1e-12)


def test_lu_factor_ex_info_and_lu_factor_error_on_a_singular_matrix():
    stack = np.stack([SINGULAR, np.eye(3), np.zeros((3, 3))])
    LU, piv, info = tg.linalg.lu_factor_ex(stack)
    # the first exact zero on U's diagonal: SINGULAR's is the last, the zero matrix's the first
    np.testing.assert_array_equal(info, [3, 0, 1])
    np.testing.assert_allclose(np.diagonal(LU, axis1=-2, axis2=-1)[0, 2], 0.0, atol=0)
    with pytest.raises(np.linalg.LinAlgError, match=r"lu_factor_ex \(batch element \(0,\)\).*U\[3,3\]"):
        tg.linalg.lu_factor_ex(stack, check_errors=True)
    with pytest.raises(np.linalg.LinAlgError, match=r"linalg.lu_factor.*U\[3,3\] is exactly zero"):
        tg.linalg.lu_factor(SINGULAR)
    P, L, U = tg.linalg.lu(SINGULAR)  # lu factors it anyway
    np.testing.assert_allclose(np.asarray(P) @ L @ U, SINGULAR, atol=1e-14)


def test_lu_derivatives_against_central_differences():
    a = rng.normal(size=(4, 3))
    w = rng.normal(size=(4, 3))
    for f in (lambda x: (tg.linalg.lu_factor(x).LU * w).sum(),
              lambda x: (tg.linalg.lu(x).L ** 2).sum() + (tg.linalg.lu(x.T).U ** 3).sum()):
        np.testing.assert_allclose(tg.grad(f)(a), central_difference_gradient(f, a), rtol=1e-6,
                                   atol=1e-8)


@pytest.mark.parametrize("left", [True, False])
@pytest.mark.parametrize("adjoint", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_lu_solve_all_four_systems(left, adjoint, dtype):
    a = A23 + 1j * rng.normal(size=A23.shape) if dtype == np.complex128 else A23
    LU, piv = tg.linalg.lu_factor(a)
    B = rng.normal(size=(4, 1, 3, 2) if left else (4, 1, 2, 3)).astype(dtype)
    X = tg.linalg.lu_solve(LU, piv, B, left=left, adjoint=adjoint)
    M = np.conj(np.swapaxes(a, -1, -2)) if adjoint else a
    assert X.shape == (4, 2) + B.shape[-2:]
    np.testing.assert_allclose(X @ M if not left else M @ X, np.broadcast_to(B, X.shape),
                               rtol=1e-10, atol=1e-12)


def test_lu_solve_derivative_in_LU_and_B():
    LU, piv = tg.linalg.lu_factor(A3)
    B = rng.normal(size=(3, 2))
    f = lambda lu_, b: (tg.linalg.lu_solve(lu_, piv, b, adjoint=True) ** 2).sum()
    for k, x in ((0, np.asarray(LU)), (1, B)):
        g = lambda v: f(v, B) if k == 0 else f(np.asarray(LU), v)
        np.testing.assert_allclose(tg.grad(f, argnums=k)(np.asarray(LU), B),
                                   central_difference_gradient(g, x), rtol=1e-6, atol=1e-8)


def test_lu_without_pivoting_raises_as_pytorch_on_the_cpu():
    for f in (tg.linalg.lu_factor, tg.linalg.lu_factor_ex, tg.linalg.lu):
        with pytest.raises(NotImplementedError, match="pivot=False"):
            f(A3, pivot=False)


# ---- vander -----------------------------------------------------------------------------
def test_vander_values_gradient_and_batch():
    x = np.array([0.0, 1.5, -2.0])
    np.testing.assert_allclose(tg.linalg.vander(x), np.vander(x, increasing=True))
    np.testing.assert_allclose(tg.linalg.vander(x, N=5), np.vander(x, 5, increasing=True))
    xb = rng.normal(size=(2, 4))
    np.testing.assert_allclose(tg.linalg.vander(xb), [np.vander(r, increasing=True) for r in xb])
    xi = np.array([1, 2, -3])
    vi = tg.linalg.vander(xi, N=4)
    assert np.asarray(vi).dtype.kind == "i"
    np.testing.assert_array_equal(vi, np.vander(xi, 4, increasing=True))
    w = rng.normal(size=(3, 4))
    f = lambda v: (tg.linalg.vander(v, N=4) * w).sum()  # also at x = 0
    np.testing.assert_allclose(tg.grad(f)(x), central_difference_gradient(f, x), rtol=1e-7)
    np.testing.assert_allclose(tg.hessian(f)(x), np.diag(2 * w[:, 2] + 6 * w[:, 3] * x), rtol=1e-12)


# ---- the _ex functions ------------------------------------------------------------------
def _first_bad_minor(a):
    for k in range(1, a.shape[-1] + 1):
        if np.linalg.det(a[:k, :k]) <= 0:
            return k
    return 0


@pytest.mark.parametrize("upper", [True, False])
def test_cholesky_ex_info_and_factor(upper):
    stack = np.stack([SPD, NOT_PD, np.zeros((3, 3)), np.array([[1.0, 2.0, 0], [2.0, 1.0, 0], [0, 0, 1]])])
    L, info = tg.linalg.cholesky_ex(stack, upper=upper)
    np.testing.assert_array_equal(info, [_first_bad_minor(a) for a in stack])
    assert np.asarray(info).dtype == np.int32
    np.testing.assert_allclose(L[0], np.linalg.cholesky(SPD, upper=upper), rtol=1e-12)
    # a failed matrix: LAPACK's partial factor (its good leading block is the Cholesky factor
    # of the leading minors that are positive-definite); the other triangle is zero
    good = np.linalg.cholesky(NOT_PD[:2, :2], upper=upper)
    np.testing.assert_allclose(np.asarray(L[1])[:2, :2], good, rtol=1e-12)
    tri = np.triu if upper else np.tril
    np.testing.assert_array_equal(L[1], tri(L[1]))
    with pytest.raises(np.linalg.LinAlgError,
                       match=r"cholesky_ex \(batch element \(1,\)\).*leading minor of order 3"):
        tg.linalg.cholesky_ex(stack, upper=upper, check_errors=True)


def test_cholesky_ex_differentiates_like_cholesky_on_the_good_entries():
    stack = np.stack([SPD, NOT_PD])
    w = rng.normal(size=(3, 3))
    f = lambda a: (tg.linalg.cholesky_ex(a).L[0] * w).sum()
    g = tg.grad(f)(stack)
    np.testing.assert_allclose(g[0], tg.grad(lambda a: (tg.linalg.cholesky(a) * w).sum())(SPD),
                               rtol=1e-12)
    np.testing.assert_array_equal(g[1], 0.0)
    fj = lambda a: (jnp.linalg.cholesky(a) * w).sum()
    s = lambda a: (a + a.T) / 2  # both read a symmetric matrix: compare along symmetric directions
    np.testing.assert_allclose(s(g[0]), s(np.asarray(jax.grad(fj)(SPD))), rtol=1e-9)
    # the complex Hermitian case works too
    c = _cplx((2, 2))
    H = c @ c.conj().T + np.eye(2)
    np.testing.assert_allclose(tg.linalg.cholesky_ex(H).L, np.linalg.cholesky(H), rtol=1e-12)


def test_inv_ex_and_solve_ex_info_and_values():
    stack = np.stack([A3, SINGULAR, np.zeros((3, 3))])
    X, info = tg.linalg.inv_ex(stack)
    np.testing.assert_array_equal(info, [0, 3, 1])  # getrf's first zero pivot
    np.testing.assert_allclose(X[0], np.linalg.inv(A3), rtol=1e-12)
    assert np.isnan(X[1]).all() and np.isnan(X[2]).all()  # documented: NaN for a failed one
    B = rng.normal(size=(3, 3))  # B.shape == A.shape[:-1]: a batch of vectors (PyTorch's rule)
    R, info2 = tg.linalg.solve_ex(stack, B)
    assert R.shape == (3, 3)
    np.testing.assert_array_equal(info2, info)
    np.testing.assert_allclose(R[0], np.linalg.solve(A3, B[0]), rtol=1e-12)
    assert np.isnan(R[1]).all()
    R2 = tg.linalg.solve_ex(A3, B.T, left=False).result  # X A = Bᵀ
    np.testing.assert_allclose(R2 @ A3, B.T, rtol=1e-12, atol=1e-12)
    assert tg.linalg.solve_ex(A23, B[:, :2].T.copy()).result.shape == (2, 3)  # vectors (2, 3)
    for f in (lambda: tg.linalg.inv_ex(stack, check_errors=True),
              lambda: tg.linalg.solve_ex(stack, B, check_errors=True)):
        with pytest.raises(np.linalg.LinAlgError, match=r"_ex \(batch element \(1,\)\).*singular"):
            f()


def test_inv_ex_and_solve_ex_derivatives():
    stack = np.stack([A3, SINGULAR])
    b = rng.normal(size=3)
    f = lambda a: (tg.linalg.inv_ex(a).inverse[0] ** 2).sum()
    g = tg.grad(f)(stack)
    np.testing.assert_allclose(g[0], jax.grad(lambda a: (jnp.linalg.inv(a) ** 2).sum())(A3),
                               rtol=1e-9)
    np.testing.assert_array_equal(g[1], 0.0)
    h = lambda a, v: (tg.linalg.solve_ex(a, v).result ** 2).sum()
    hj = lambda a, v: (jnp.linalg.solve(a, v) ** 2).sum()
    for k in (0, 1):
        np.testing.assert_allclose(tg.grad(h, argnums=k)(A3, b), jax.grad(hj, argnums=k)(A3, b),
                                   rtol=1e-9)
    H = np.asarray(tg.hessian(lambda a: h(a, b))(A3)).reshape(9, 9)
    np.testing.assert_allclose(H, _hessian_by_differences(lambda a: h(a, b), A3), rtol=1e-5,
                               atol=1e-6)


def test_ex_functions_under_jit_and_vmap():
    stack = np.stack([SPD, NOT_PD])
    jf = tg.jit(lambda a: tg.linalg.cholesky_ex(a).info)
    np.testing.assert_array_equal(jf(np.stack([SPD, SPD])), [0, 0])
    np.testing.assert_array_equal(jf(stack), [0, 3])  # found again at each call
    np.testing.assert_array_equal(tg.vmap(lambda a: tg.linalg.inv_ex(a).info)(
        np.stack([A3, SINGULAR])), [0, 3])


# ---- householder_product ------------------------------------------------------------------
def _reflectors_by_hand(A, tau):
    m, n = A.shape
    Q = np.eye(m, dtype=np.result_type(A, tau))
    for i in range(tau.shape[-1]):
        v = np.concatenate([np.zeros(i), [1.0], A[i + 1:, i]])
        Q = Q @ (np.eye(m) - tau[i] * np.outer(v, v.conj()))
    return Q[:, :n]


@pytest.mark.parametrize("shape,k", [((4, 3), 2), ((3, 3), 3), ((4, 2), 0), ((4, 3), 3)])
def test_householder_product_values(shape, k):
    A, tau = rng.normal(size=shape), rng.normal(size=k)
    np.testing.assert_allclose(tg.linalg.householder_product(A, tau), _reflectors_by_hand(A, tau),
                               rtol=1e-12, atol=1e-14)
    Ac, tc = _cplx(shape), _cplx(k)
    np.testing.assert_allclose(tg.linalg.householder_product(Ac, tc), _reflectors_by_hand(Ac, tc),
                               rtol=1e-12, atol=1e-14)


def test_householder_product_is_qr_q_and_matches_jax():
    a = rng.normal(size=(4, 3))
    (h, tau), _ = scipy.linalg.qr(a, mode="raw")  # LAPACK's geqrf: reflectors and tau
    Q = tg.linalg.householder_product(np.asarray(h), tau)
    np.testing.assert_allclose(np.abs(Q), np.abs(np.linalg.qr(a)[0]), rtol=1e-10)
    A, tau = rng.normal(size=(2, 4, 3)), rng.normal(size=(2, 2))
    w = rng.normal(size=(2, 4, 3))
    f = lambda x, t: (tg.linalg.householder_product(x, t) * w).sum()
    np.testing.assert_allclose(f(A, tau), (jax.lax.linalg.householder_product(A, tau) * w).sum(),
                               rtol=1e-12)
    # (JAX's householder_product has no derivative rule: central differences instead)
    np.testing.assert_allclose(tg.grad(f)(A, tau), central_difference_gradient(lambda x: f(x, tau), A),
                               rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(tg.grad(f, argnums=1)(A, tau),
                               central_difference_gradient(lambda t: f(A, t), tau), rtol=1e-6)
    c, tc = _cplx((3, 2)), _cplx(2)  # complex: differentiable in the real part of A
    fc = lambda x: tg.real(tg.linalg.householder_product(x + 1j * c.imag, tc)).sum()
    np.testing.assert_allclose(tg.grad(fc)(c.real), central_difference_gradient(fc, c.real), rtol=1e-6)


# ---- LDLᵀ -----------------------------------------------------------------------------
@pytest.mark.parametrize("a", [SPD, np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 3.0], [2.0, 3.0, 0.0]]),
                               A23 + np.swapaxes(A23, -1, -2)])
def test_ldl_factor_is_lapacks_sytrf_and_ldl_solve_solves(a):
    LD, piv, info = tg.linalg.ldl_factor_ex(a)
    for idx in np.ndindex(*a.shape[:-2]):
        f, p, i = scipy.linalg.lapack.dsytrf(a[idx], lower=1)[:3]
        np.testing.assert_allclose(LD[idx], np.tril(f), rtol=1e-14)
        np.testing.assert_array_equal(piv[idx], p)
        assert info[idx] == i == 0
    B = rng.normal(size=a.shape[:-1] + (2,))
    np.testing.assert_allclose(tg.linalg.ldl_solve(*tg.linalg.ldl_factor(a), B),
                               np.linalg.solve(a, B), rtol=1e-10)


def test_ldl_has_no_derivative_and_reports_singular_d():
    with pytest.raises(NotImplementedError, match="ldl_factor_ex: the derivative"):
        tg.grad(lambda a: tg.linalg.ldl_factor(a).LD.sum())(SPD)
    assert tg.linalg.ldl_factor_ex(np.zeros((3, 3))).info == 1
    with pytest.raises(np.linalg.LinAlgError, match=r"ldl_factor.*D\[1,1\] is exactly zero"):
        tg.linalg.ldl_factor(np.zeros((3, 3)))


# ---- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize("call,err,msg", [
    (lambda: tg.linalg.matrix_exp(np.ones((2, 3))), ValueError, r"matrix_exp: A must be a square.*\(2, 3\)"),
    (lambda: tg.linalg.matrix_exp(np.eye(2, dtype=int)), TypeError, r"matrix_exp: A must be a floating.*int64"),
    (lambda: tg.linalg.matrix_exp(np.ones(3)), ValueError, r"matrix_exp: A must be a matrix.*\(3,\)"),
    (lambda: tg.linalg.solve_triangular(np.eye(3), np.ones((2, 1)), upper=True), ValueError,
     r"solve_triangular: incompatible shapes of A \(3, 3\) and B \(2, 1\)"),
    (lambda: tg.linalg.solve_triangular(np.eye(3), np.ones(3), upper=True), ValueError,
     r"solve_triangular: B must be a matrix.*\(3,\)"),
    (lambda: tg.linalg.solve_triangular(np.ones((2, 3, 3)), np.ones((4, 3, 1)), upper=True),
     ValueError, r"solve_triangular: the batch axes"),
    (lambda: tg.linalg.solve_triangular(np.zeros((2, 2)), np.ones((2, 1)), upper=True),
     np.linalg.LinAlgError, r"solve_triangular: .*zero on its diagonal"),
    (lambda: tg.linalg.lu_factor(np.eye(3, dtype=int)), TypeError, r"lu_factor: A must be a floating"),
    (lambda: tg.linalg.lu_solve(np.eye(3), np.ones(3, np.int32), np.ones((2, 1))), ValueError,
     r"lu_solve: incompatible shapes of LU \(3, 3\) and B \(2, 1\)"),
    (lambda: tg.linalg.lu_solve(np.eye(3), np.ones(2, np.int32), np.ones((3, 1))), ValueError,
     r"lu_solve: pivots must be integers of shape \(..., 3\).*\(2,\)"),
    (lambda: tg.linalg.lu_solve(np.ones((2, 3)), np.ones(2, np.int32), np.ones((2, 1))), ValueError,
     r"lu_solve: LU must be a square.*\(2, 3\)"),
    (lambda: tg.linalg.vander(np.ones(3), N=1), ValueError, r"vander: N must be an integer greater than 1"),
    (lambda: tg.linalg.vander(np.float64(2.0)), ValueError, r"vander: x must have at least one axis"),
    (lambda: tg.linalg.cholesky_ex(np.ones((2, 3))), ValueError, r"cholesky_ex: A must be a square.*\(2, 3\)"),
    (lambda: tg.linalg.inv_ex(np.ones((3, 3), int)), TypeError, r"inv_ex: A must be a floating"),
    (lambda: tg.linalg.solve_ex(np.eye(3), np.ones((2, 1))), ValueError,
     r"solve_ex: incompatible shapes of A \(3, 3\) and B \(2, 1\)"),
    (lambda: tg.linalg.householder_product(np.ones((2, 3)), np.ones(2)), ValueError,
     r"householder_product: A must have at least as many rows.*\(2, 3\)"),
    (lambda: tg.linalg.householder_product(np.ones((4, 3)), np.ones(4)), ValueError,
     r"householder_product: tau must have shape.*\(4, 3\).*\(4,\)"),
    (lambda: tg.linalg.householder_product(np.ones((2, 4, 3)), np.ones((1, 2))), ValueError,
     r"householder_product: tau must have shape"),
    (lambda: tg.linalg.ldl_solve(np.eye(3), np.ones(2, np.int32), np.ones((3, 1))), ValueError,
     r"ldl_solve: pivots must be integers"),
    (lambda: tg.linalg.solve_triangular(np.eye(2), np.ones((2, 1)), upper=None), TypeError,
     r"solve_triangular: upper must be a bool"),
])
def test_bad_input_gets_a_clear_error(call, err, msg):
    with pytest.raises(err, match=msg):
        call()


def test_names_are_in_tg_linalg_all():
    for name in ("matrix_exp", "solve_triangular", "lu_factor", "lu_factor_ex", "lu", "lu_solve",
                 "vander", "cholesky_ex", "inv_ex", "solve_ex", "householder_product",
                 "ldl_factor", "ldl_factor_ex", "ldl_solve"):
        assert name in tg.linalg.__all__ and callable(getattr(tg.linalg, name))
    assert tg.linalg.lu_factor(A3)._fields == ("LU", "pivots")
    assert tg.linalg.lu_factor_ex(A3)._fields == ("LU", "pivots", "info")
    assert tg.linalg.lu(A3)._fields == ("P", "L", "U")
    assert tg.linalg.cholesky_ex(SPD)._fields == ("L", "info")
    assert tg.linalg.inv_ex(A3)._fields == ("inverse", "info")
    assert tg.linalg.solve_ex(A3, A3)._fields == ("result", "info")
    assert tg.linalg.ldl_factor(SPD)._fields == ("LD", "pivots")


def test_torch_linalg_keywords_left_dim_dim1_dim2():
    # torch.linalg.solve(A, B, left=False) solves X A = B; cross/vecdot take dim=, diagonal
    # dim1=/dim2= (each raised TypeError)
    rng = np.random.default_rng(11)
    A, B = rng.normal(size=(2, 3, 3)), rng.normal(size=(2, 4, 3))
    X = tg.linalg.solve(A, B, left=False)
    np.testing.assert_allclose(X @ A, B, rtol=1e-12, atol=1e-12)
    g = tg.grad(lambda m: tg.sum(tg.linalg.solve(m, B, left=False)))(A)
    eps, E = 1e-6, np.zeros_like(A)
    E[1, 0, 2] = eps
    f = lambda m: np.linalg.solve(np.swapaxes(m, -1, -2), np.swapaxes(B, -1, -2)).sum()  # noqa: E731
    np.testing.assert_allclose(g[1, 0, 2], (f(A + E) - f(A - E)) / (2 * eps), rtol=1e-6)
    with pytest.raises(ValueError, match="left=False needs b with at least 2 axes"):
        tg.linalg.solve(A[0], B[0, 0], left=False)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    np.testing.assert_allclose(tg.linalg.cross(a, b, dim=1), np.cross(a, b, axis=1), rtol=1e-14)
    np.testing.assert_allclose(tg.linalg.vecdot(a, b, dim=0), (a * b).sum(0), rtol=1e-14)
    np.testing.assert_array_equal(tg.linalg.diagonal(A, offset=1, dim1=0, dim2=2), np.diagonal(A, 1, 0, 2))
    with pytest.raises(TypeError, match="linalg.cross: give axis or dim"):
        tg.linalg.cross(a, b, axis=0, dim=1)


def test_vector_and_matrix_norms_take_dim_and_keepdim_positionally_as_pytorch():
    a = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_allclose(tg.linalg.vector_norm(a, 1, (0, 1), True), np.abs(a).sum((0, 1), keepdims=True),
                               rtol=1e-15)
    np.testing.assert_allclose(tg.linalg.matrix_norm(a, "fro", (0, 1), False),
                               np.sqrt((a * a).sum((0, 1))), rtol=1e-15)
    assert tg.linalg.matrix_norm(a, "nuc", (0, 2), True).shape == (1, 3, 1)
