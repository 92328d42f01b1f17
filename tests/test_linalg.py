"""tg.linalg beyond the registry table: NumPy's signatures and return types, the
places where a derivative does not exist, norms of every order, and a NumPy-style
program differentiated by every transform.

The registered ops (inv, solve, det, slogdet, pinv, cholesky, eigh, eigvalsh,
svd, svdvals, qr) are checked against JAX, finite differences and at second
order by tests/test_registry.py; here come the public functions around them.
"""
from fractions import Fraction

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import linalg as la

RNG = np.random.default_rng(0)


def spd(n, batch=()):
    m = RNG.normal(size=batch + (n, n))
    return m @ np.swapaxes(m, -1, -2) / n + np.eye(n)


def close(a, b, tol=1e-10):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


# ---- NumPy's names, signatures and results -----------------------------------------------------

def test_values_and_result_types_are_numpys():
    A = RNG.normal(size=(2, 3, 3))
    S = spd(3, (2,))
    for name in ("inv", "det", "pinv", "eigvalsh", "svdvals", "cholesky", "matrix_transpose"):
        src = S if name in ("cholesky", "eigvalsh") else A
        close(getattr(la, name)(src), getattr(np.linalg, name)(src), 1e-12)
    w, V = la.eigh(S)
    ref = np.linalg.eigh(S)
    close(w, ref.eigenvalues, 1e-12)
    close(V, ref.eigenvectors, 1e-12)  # NumPy's own eigenvectors, signs included
    assert la.eigh(S).eigenvalues is not None and la.svd(A).Vh is not None
    U, s, Vh = la.svd(A)
    rU, rs, rVh = np.linalg.svd(A)
    close(U, rU, 1e-12), close(s, rs, 1e-12), close(Vh, rVh, 1e-12)
    Q, R = la.qr(A[0])
    rQ, rR = np.linalg.qr(A[0])
    close(Q, rQ, 1e-12), close(R, rR, 1e-12)
    close(la.qr(A[0], mode="r"), np.linalg.qr(A[0], mode="r"), 1e-12)
    sign, logdet = la.slogdet(A)
    rsign, rlog = np.linalg.slogdet(A)
    close(sign, rsign), close(logdet, rlog, 1e-12)
    b = RNG.normal(size=3)
    close(la.solve(A, b), np.linalg.solve(A, b), 1e-12)  # a 1-D b against a stack (NumPy 2)
    close(la.solve(A, b[:, None]), np.linalg.solve(A, b[:, None]), 1e-12)
    close(la.matrix_power(A[0], 3), np.linalg.matrix_power(A[0], 3), 1e-12)
    close(la.matrix_power(A[0], -2), np.linalg.matrix_power(A[0], -2), 1e-10)
    close(la.matrix_power(A[0], 0), np.eye(3))
    mats = [RNG.normal(size=s) for s in ((4,), (4, 2), (2, 5), (5,))]
    close(la.multi_dot(mats), np.linalg.multi_dot(mats), 1e-12)
    close(la.trace(A, offset=1), np.linalg.trace(A, offset=1))
    close(la.vecdot(A, b), np.linalg.vecdot(A, b))
    close(la.cross(A, b), np.linalg.cross(A, b))
    close(la.diagonal(A), np.linalg.diagonal(A))


def test_full_matrices_and_modes_without_a_derivative():
    A = RNG.normal(size=(4, 2))
    U, s, Vh = la.svd(A)  # NumPy's default full_matrices=True: U is 4×4, computed by NumPy
    assert U.shape == (4, 4)
    close(U[:, :2] * s @ Vh, A)
    close(la.svd(A, compute_uv=False), np.linalg.svd(A, compute_uv=False), 1e-12)
    with pytest.raises(ValueError, match="full_matrices=False"):
        tg.grad(lambda a: tg.sum(la.svd(a)[0]))(A)
    g = tg.grad(lambda a: tg.sum(la.svd(a, full_matrices=False)[1]))(A)  # the reduced SVD is fine
    Ur, _, Vhr = np.linalg.svd(A, full_matrices=False)
    close(g, Ur @ Vhr)
    q = la.qr(A, mode="complete")
    assert q[0].shape == (4, 4)
    w = np.arange(8.0).reshape(4, 2)  # R's extra rows are zeros, Q's first columns the reduced Q
    close(tg.grad(lambda a: tg.sum(la.qr(a, mode="complete")[1] * w))(A),
          tg.grad(lambda a: tg.sum(la.qr(a)[1] * w[:2]))(A), 1e-13)


def test_bad_input_raises_clear_errors():
    with pytest.raises(np.linalg.LinAlgError, match=r"inv: expected a square matrix .* got shape \(2, 3\)"):
        la.inv(np.ones((2, 3)))
    with pytest.raises(np.linalg.LinAlgError, match="inv: the matrix is singular"):
        la.inv(np.ones((2, 2)))
    with pytest.raises(np.linalg.LinAlgError, match="solve: the matrix A is singular"):
        la.solve(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match=r"solve: b of shape \(3,\) does not fit A of shape \(2, 2\)"):
        la.solve(np.eye(2), np.ones(3))
    with pytest.raises(np.linalg.LinAlgError, match="cholesky: the matrix is not positive definite"):
        la.cholesky(-np.eye(2))
    with pytest.raises(ValueError, match="norm: invalid norm order 'nuc' for vectors"):
        la.norm(np.ones(3), "nuc")
    with pytest.raises(ValueError, match="norm: invalid norm order 3 for matrices"):
        la.norm(np.ones((2, 2)), 3)
    with pytest.raises(TypeError, match="matrix_power: the exponent must be an integer"):
        la.matrix_power(np.eye(2), 1.5)
    with pytest.raises(ValueError, match="eigh: UPLO must be 'L' or 'U'"):
        la.eigh(np.eye(2), "X")


@pytest.mark.parametrize("dtype", [np.float64, np.complex128])
def test_eigh_symmetrize_input_gives_jax_values_and_gradients(dtype):
    # JAX's keyword: decompose (A + Aᴴ)/2, so the gradient is JAX's symmetric one; without it
    # (NumPy's default) one triangle is read and the gradient lies in that triangle
    a = RNG.normal(size=(2, 3, 3))
    if dtype == np.complex128:
        a = a + 1j * RNG.normal(size=(2, 3, 3))
    ja = jnp.asarray(a)
    for name in ("eigh", "eigvalsh"):
        def top(lin, m, name=name):
            w = getattr(lin, name)(m, symmetrize_input=True)
            return (w[0] if name == "eigh" else w)[..., -1].sum()
        close(top(la, a), top(jnp.linalg, ja))
        close(tg.grad(lambda m: top(la, m))(a), jax.grad(lambda m: top(jnp.linalg, m))(ja))
        # the default reads the lower triangle only
        close(getattr(la, name)(a, symmetrize_input=False)[0], getattr(la, name)(np.tril(a))[0])
        g = tg.grad(lambda m: getattr(la, name)(m)[0][..., -1].sum() if name == "eigh"
                    else getattr(la, name)(m)[..., -1].sum())(a)
        assert np.all(np.triu(g, 1) == 0)
    h = tg.hessian(lambda m: la.eigvalsh(m, symmetrize_input=True)[-1])(a[0].real)
    jh = jax.hessian(lambda m: jnp.linalg.eigvalsh(m, symmetrize_input=True)[-1])(ja[0].real)
    close(h, jh, 1e-8)
    with pytest.raises(np.linalg.LinAlgError, match=r"eigvalsh: expected a square matrix.*\(3,\)"):
        la.eigvalsh(np.ones(3), symmetrize_input=True)


def test_float32_stays_float32():
    A = (np.eye(3) + 0.2 * RNG.normal(size=(3, 3))).astype(np.float32)
    S = spd(3).astype(np.float32)
    for f, x in ((la.inv, A), (la.det, A), (lambda a: la.solve(a, np.ones(3, np.float32)), A),
                 (lambda s: la.eigh(s)[1], S), (lambda a: la.svd(a)[0], A), (lambda a: la.qr(a)[1], A),
                 (la.cholesky, S), (lambda a: la.norm(a, "nuc"), A)):
        assert f(x).dtype == np.float32
        assert tg.grad(lambda v: tg.sum(f(v)))(x).dtype == np.float32


# ---- where the derivative does not exist -----------------------------------------------------------

def test_repeated_eigenvalues():
    I3 = np.eye(3)
    # eigenvalues used symmetrically (their sum is the trace): the derivative exists
    close(tg.grad(lambda a: tg.sum(la.eigvalsh(a)))(I3), np.eye(3))
    close(tg.grad(lambda a: tg.sum(la.eigh(a)[0]))(I3), np.eye(3))
    # the eigenvectors are not unique there: using them raises, in both modes
    with pytest.raises(np.linalg.LinAlgError, match="eigh: .*eigenvectors of repeated eigenvalues"):
        tg.grad(lambda a: tg.sum(la.eigh(a)[1] ** 3))(I3)
    with pytest.raises(np.linalg.LinAlgError, match="eigh: the tangent splits repeated eigenvalues"):
        tg.jacfwd(lambda a: la.eigh(a)[1])(I3)
    # one repeated eigenvalue on its own has no derivative either
    with pytest.raises(np.linalg.LinAlgError, match="eigvalsh: repeated eigenvalues get different"):
        tg.grad(lambda a: la.eigvalsh(a)[0])(I3)
    with pytest.raises(np.linalg.LinAlgError, match="reverse mode"):
        tg.jacfwd(la.eigvalsh)(I3)
    # a partly repeated spectrum: the distinct eigenvalue and its eigenvector are fine
    D = np.diag([1.0, 1.0, 3.0])
    close(tg.grad(lambda a: la.eigvalsh(a)[2])(D), np.diag([0.0, 0.0, 1.0]))
    v3 = tg.jacrev(lambda a: la.eigh(a)[1][:, 2] ** 2)(D)
    assert np.all(np.isfinite(v3))


def test_repeated_and_zero_singular_values():
    Q = np.linalg.qr(RNG.normal(size=(3, 3)))[0]  # all singular values 1
    close(tg.grad(lambda a: tg.sum(la.svdvals(a)))(Q), Q)  # the nuclear norm's gradient U Vᵀ = Q
    with pytest.raises(np.linalg.LinAlgError, match="svd: .*singular vectors of repeated singular values"):
        tg.grad(lambda a: tg.sum(la.svd(a)[0][:, 0]))(Q)
    # a zero singular value: svdvals gets the subgradient u vᵀ (no NaN) ...
    A = np.outer([1.0, 2.0, 0.5], [0.3, -1.0])  # rank 1, shape (3, 2)
    g = tg.grad(lambda a: la.norm(a, "nuc"))(A)
    U, s, Vh = np.linalg.svd(A, full_matrices=False)
    close(g, U @ Vh)
    # ... but the singular vectors of a non-square matrix divide by it: using them raises
    with pytest.raises(np.linalg.LinAlgError, match="zero singular value"):
        tg.grad(lambda a: tg.sum(la.svd(a, full_matrices=False)[0][:, 1] ** 2))(A)


def test_singular_matrices():
    A = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.5, -1.0, 2.0]])  # rank 2
    # det's gradient is the cofactor matrix, which exists at singular matrices (JAX agrees)
    close(tg.grad(la.det)(A), jax.jit(jax.grad(jnp.linalg.det))(A), 1e-9)
    close(tg.jvp(la.det, (A,), (np.eye(3),))[1], jax.jvp(jnp.linalg.det, (A,), (jnp.eye(3),))[1], 1e-9)
    with pytest.raises(np.linalg.LinAlgError, match=r"slogdet: log\|det A\| = −inf"):
        tg.grad(lambda a: la.slogdet(a)[1])(A)
    with pytest.raises(np.linalg.LinAlgError, match="qr: R is singular"):
        tg.grad(lambda a: tg.sum(la.qr(a)[0]))(np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]]))



def _exact_det(rows) -> Fraction:
    """The determinant of an integer matrix by elimination in exact rational arithmetic."""
    m = [[Fraction(int(v)) for v in r] for r in rows]
    n, d = len(m), Fraction(1)
    for c in range(n):
        p = next((r for r in range(c, n) if m[r][c] != 0), None)
        if p is None:
            return Fraction(0)
        if p != c:
            m[c], m[p], d = m[p], m[c], -d
        d *= m[c][c]
        for r in range(c + 1, n):
            f = m[r][c] / m[c][c]
            m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return d


def _exact_det_hessian(A) -> np.ndarray:
    """∂²det/∂a_ij∂a_kl exactly: det is affine in each entry, so for entries in different rows
    and columns the mixed second difference with unit steps is the derivative; entries
    sharing a row or a column have none (det is linear in each row and column)."""
    n = A.shape[0]
    H = np.zeros((n, n, n, n))
    for i, j, k, l in np.ndindex(n, n, n, n):
        if i != k and j != l:
            def at(di, dk):
                B = A.astype(int).copy()
                B[i, j] += di
                B[k, l] += dk
                return _exact_det(B)
            H[i, j, k, l] = float(at(1, 1) - at(1, 0) - at(0, 1) + at(0, 0))
    return H


@pytest.mark.parametrize("rank", [4, 3, 2, 1])
def test_det_hessian_is_exact_at_singular_matrices(rank):
    # det·A⁻ᵀ differentiated through A⁻¹ cancels two terms of size 1/σ_min: at a rank-3 matrix
    # the Hessian was off by more than its own size (no error), at rank 2 it raised
    R = np.array([[2, -1, 0, 3], [1, 4, -2, 0], [0, 1, 3, -1], [-2, 0, 1, 5]])
    mix = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [1, -1, 0, 0], [2, 1, 0, 0]])
    A = (R if rank == 4 else (np.eye(4, dtype=int) if rank == 3 else mix) @ R).astype(float)
    if rank == 3:
        A[3] = A[0] + 2 * A[1] - A[2]
    if rank == 1:
        A = np.outer([1.0, -2.0, 3.0, 1.0], R[0])
    assert np.linalg.matrix_rank(A) == rank
    want = _exact_det_hessian(A)
    close(tg.hessian(la.det)(A), want, 1e-12)
    close(tg.jit(tg.hessian(la.det))(A), want, 1e-12)
    close(tg.jacrev(tg.grad(la.det))(A.astype(np.float32)), want, 1e-5)
    # a stack: the Hessian of Σ det is block-diagonal, one block per matrix
    blocks = [want, _exact_det_hessian(R.astype(float))]
    stacked = np.zeros((2, 4, 4, 2, 4, 4))
    for m in range(2):
        stacked[m, :, :, m] = blocks[m]
    close(tg.hessian(lambda a: tg.sum(la.det(a)))(np.stack([A, R.astype(float)])), stacked, 1e-12)


def test_det_third_derivative_needs_a_well_conditioned_matrix():
    A = RNG.normal(size=(3, 3))
    third = tg.jacfwd(tg.hessian(la.det))(A)
    close(third, jax.jacfwd(jax.hessian(jnp.linalg.det))(A), 1e-10)
    u, s, vt = np.linalg.svd(A)
    near = (u * [s[0], s[1], 1e-12]) @ vt
    with pytest.raises(np.linalg.LinAlgError, match=r"det: third and higher derivatives need a "
                                                     r"well-conditioned matrix \(condition number"):
        tg.jacfwd(tg.hessian(la.det))(near)
    with pytest.raises(np.linalg.LinAlgError, match="third and higher"):  # also when jit replays
        tg.jit(tg.jacfwd(tg.hessian(la.det)))(near)

# ---- norms ------------------------------------------------------------------------------------------

VECTOR_ORDS = [None, 1, 2, 3, 0.5, np.inf, -np.inf]
MATRIX_ORDS = [None, "fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf]


def test_norms_of_every_order_match_numpy_and_jax():
    x = np.array([0.7, -1.3, 2.1, -0.4])
    A = RNG.normal(size=(3, 4))
    for ord in VECTOR_ORDS + [0]:
        close(la.norm(x, ord), np.linalg.norm(x, ord), 1e-12)
    for ord in MATRIX_ORDS:
        close(la.norm(A, ord), np.linalg.norm(A, ord), 1e-12)
    # every order's gradient at once: the Jacobian of the stacked norms (one compiled JAX call)
    vec = lambda norm, stack: lambda v: stack([norm(v, o) for o in VECTOR_ORDS])  # noqa: E731
    mat = lambda norm, stack: lambda a: stack([norm(a, o) for o in MATRIX_ORDS])  # noqa: E731
    close(tg.jacrev(vec(la.norm, tg.stack))(x), jax.jit(jax.jacrev(vec(jnp.linalg.norm, jnp.stack)))(x))
    close(tg.jacfwd(mat(la.norm, tg.stack))(A),
          jax.jit(jax.jacrev(mat(jnp.linalg.norm, jnp.stack)))(A), 1e-9)
    close(tg.grad(lambda v: la.norm(v, 0))(x), np.zeros(4))
    B = RNG.normal(size=(2, 3, 4))
    for ord, axis in ((1, (2, 0)), ("nuc", (0, 2)), (np.inf, (-1, 1)), (3, -1)):
        close(la.norm(B, ord, axis, keepdims=True), np.linalg.norm(B, ord, axis, keepdims=True), 1e-12)
    close(la.vector_norm(B, ord=3, axis=(0, 2)), np.linalg.vector_norm(B, ord=3, axis=(0, 2)), 1e-12)
    close(la.matrix_norm(B, ord=-2), np.linalg.matrix_norm(B, ord=-2), 1e-12)
    # tg.norm is la.norm, but follows a tensor of PyTorch's as torch.norm (tensorgrad.flavor)
    assert tg.norm.__wrapped__ is la.norm


def test_norm_of_a_python_number_is_numpys():
    # np.linalg.norm(3.0) is 3.0; tensorgrad's forward got the bare float and failed
    for v in (3.0, -2.5, 3 + 4j, 7):
        assert tg.linalg.norm(v) == np.linalg.norm(v)
    assert tg.grad(tg.linalg.norm)(-2.5) == -1.0


def test_norm_gradient_at_zero_is_zero_not_nan():
    z = np.zeros(3)
    for ord in (2, 3, 1.5, 1, np.inf):
        g = tg.grad(lambda v: la.norm(v, ord))(z)
        assert np.all(np.isfinite(g)) and not np.any(g)


# ---- a NumPy-style program under every transform ------------------------------------------------------

def gaussian_fit(theta, xs):
    """The negative log-likelihood of xs under N(0, Σ), Σ = L Lᵀ + I, written with NumPy's names."""
    n = xs.shape[1]
    L = tg.tril(tg.reshape(theta, (n, n)))
    cov = L @ L.T + np.eye(n)
    sign, logdet = la.slogdet(cov)
    chol = la.cholesky(cov)
    z = la.solve(chol, xs.T)
    quad = tg.sum(z * z)
    spread = tg.sum(la.eigvalsh(cov) ** 2) + la.norm(la.inv(cov), "fro") + la.norm(cov, "nuc")
    return 0.5 * (xs.shape[0] * logdet + quad) + 0.01 * spread + 0.1 * la.det(L @ L.T + cov)


def gaussian_fit_jax(theta, xs):
    n = xs.shape[1]
    L = jnp.tril(jnp.reshape(theta, (n, n)))
    cov = L @ L.T + jnp.eye(n)
    sign, logdet = jnp.linalg.slogdet(cov)
    chol = jnp.linalg.cholesky(cov)
    z = jax.scipy.linalg.solve(chol, xs.T)
    quad = jnp.sum(z * z)
    spread = jnp.sum(jnp.linalg.eigvalsh(cov) ** 2) + jnp.linalg.norm(jnp.linalg.inv(cov), "fro") \
        + jnp.linalg.norm(cov, "nuc")
    return 0.5 * (xs.shape[0] * logdet + quad) + 0.01 * spread + 0.1 * jnp.linalg.det(L @ L.T + cov)


def test_numpy_style_program_differentiates_under_every_transform():
    xs = RNG.normal(size=(5, 3))
    theta = RNG.normal(size=9) * 0.5
    f = lambda t: gaussian_fit(t, xs)  # noqa: E731
    value, g = tg.value_and_grad(f)(theta)
    ref_value, ref_g = jax.jit(jax.value_and_grad(lambda t: gaussian_fit_jax(t, xs)))(theta)
    close(value, ref_value, 1e-11)
    close(g, ref_g, 1e-9)
    close(tg.jacrev(f)(theta), g, 1e-12)
    close(tg.jacfwd(f)(theta), g, 1e-9)
    # the Hessian (forward over reverse, through every op's rules) against differences of gradients
    H = tg.hessian(f)(theta)
    close(H, H.T, 1e-8)
    h = 1e-5
    fd = np.stack([(tg.grad(f)(theta + h * e) - tg.grad(f)(theta - h * e)) / (2 * h)
                   for e in np.eye(theta.size)])
    close(H, fd, 1e-5)


# ---- the mutation guard with views made before their base was locked -------------------------------------------

def test_second_order_through_transposed_constants_restores_writability():
    A = RNG.normal(size=(3, 2))
    w = RNG.normal(size=(2, 3))
    v = RNG.normal(size=(3, 2))
    s = lambda a: tg.sum(la.pinv(a) * w)  # noqa: E731
    h = tg.grad(lambda a: tg.sum(tg.grad(s)(a) * v))(A)
    assert np.all(np.isfinite(h))
    assert A.flags.writeable and w.flags.writeable and v.flags.writeable


# ---- the same functions on JAX arrays (tg.to_jax) ---------------------------------------------------------

def test_functions_run_compiled_under_to_jax():
    """Each public function works on values jax.jit traces (nothing reads them in Python), and
    jax.grad of the converted function matches tensorgrad's gradient."""
    A = np.eye(3) + 0.3 * RNG.normal(size=(3, 3))

    def f(a):
        s = a @ a.T + np.eye(3)
        terms = [la.slogdet(a)[1], la.det(a), tg.sum(la.inv(a)), tg.sum(la.solve(a, np.ones(3))),
                 tg.sum(la.eigvalsh(s) ** 2), tg.sum(la.svd(a, full_matrices=False)[1]),
                 tg.sum(la.cholesky(s)), tg.sum(tg.abs(tg.diagonal(la.qr(a)[1]))),
                 tg.sum(la.pinv(a[:, :2])), tg.sum(la.matrix_power(a, 3)),
                 tg.sum(la.multi_dot([a, a, a[0]])), tg.sum(la.eigh(s)[0])]
        terms += [la.norm(a, o) for o in (None, "nuc", 1, -1, 2, -2, np.inf)]
        terms += [la.norm(a[0], o) for o in (1, 3, np.inf, -np.inf, 0.5)]
        shaped = [tg.rot90(a), tg.pad(a, 1, mode="reflect"), tg.pad(a, (1, 2), constant_values=2.0),
                  tg.take(a, [0, 2, 2], axis=1), tg.take_along_axis(a, np.array([[1], [0], [2]]), 1),
                  tg.kron(a, a[:2, :2]), tg.cross(a, a[::-1]), tg.hstack([a, a]), tg.vstack([a[0], a]),
                  tg.tile(a, 2), tg.repeat(a, [1, 0, 2], axis=0), tg.roll(a, 4), tg.flip(a, 1),
                  tg.diag(a[1], 1), tg.tril(a, -1), tg.select([a > 0], [a * 2.0], 0.5)]
        terms += [tg.sum(tg.sin(x)) for x in shaped]
        return sum(t * (k + 1) for k, t in enumerate(terms))

    jf = tg.to_jax(f)
    close(jax.jit(jf)(A), f(A), 1e-10)
    close(jax.jit(jax.grad(jf))(A), tg.grad(f)(A), 1e-9)


def test_svd_of_a_non_square_matrix_with_a_zero_singular_value_refuses_its_triple():
    # U diag(s) Vᵀ == A for every A, so the gradient of sum(sin(·)) is cos(A); at a zero
    # singular value of a non-square A the rule has 0/0: raise, never the silent 0 it gave
    A = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.0]])

    def recon(a):
        u, s, vh = tg.linalg.svd(a, full_matrices=False)
        return tg.sum(tg.sin(u @ (s[:, None] * vh)))
    with pytest.raises(Exception, match="zero singular value"):
        tg.grad(recon)(A)
    np.testing.assert_allclose(tg.grad(recon)(A + np.array([[0, 0], [0, 0.5], [0.2, 0]])),
                               np.cos(A + np.array([[0, 0], [0, 0.5], [0.2, 0]])), rtol=1e-10)
    assert np.isfinite(tg.grad(lambda a: tg.sum(tg.linalg.svdvals(a)))(A)).all()


def test_cond_of_a_singular_matrix_is_inf_as_numpy():
    A = np.array([[[1.0, 2.0], [2.0, 4.0]], [[2.0, 0.0], [0.0, 1.0]]])
    for p in (None, 1, -1, np.inf, -np.inf, "fro", 2, -2):
        with np.errstate(all="ignore"):
            want = np.linalg.cond(A, p)
        np.testing.assert_allclose(tg.linalg.cond(A, p), want, rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.cond(A, "nuc"), [np.inf, 4.5])   # NumPy's SVD fails
    g = tg.grad(lambda a: tg.sum(tg.linalg.cond(a, 1)))(A)
    assert np.array_equal(g[0], np.zeros((2, 2))) and np.isfinite(g[1]).all()
    j = tg.jit(lambda a: tg.linalg.cond(a, "fro"))
    assert j(A[1]) == np.linalg.cond(A[1], "fro") and j(A[0]) == np.inf


def test_norms_of_empty_matrices_and_max_with_initial_of_empty_slices_follow_numpy():
    for shape in [(0, 3), (3, 0), (0, 0), (2, 0, 3)]:
        a = np.zeros(shape)
        for ord in [2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc", None]:
            try:
                want = np.linalg.norm(a, ord, axis=(-2, -1))
            except ValueError:
                with pytest.raises(ValueError):
                    tg.linalg.norm(a, ord, axis=(-2, -1))
                continue
            got = tg.linalg.norm(a, ord, axis=(-2, -1))
            assert np.shape(got) == np.shape(want) and np.array_equal(got, want), (shape, ord)
    for kw in ({}, {"axis": 1}, {"axis": 1, "keepdims": True}):
        e = np.zeros((2, 0))
        np.testing.assert_array_equal(tg.max(e, initial=0.5, **kw), np.max(e, initial=0.5, **kw))
        np.testing.assert_array_equal(tg.min(e, initial=-1.0, **kw), np.min(e, initial=-1.0, **kw))
    assert tg.grad(lambda v: tg.sum(tg.max(v, axis=1, initial=0.0)))(np.zeros((2, 0))).shape == (2, 0)


def test_lstsq_rank_is_an_int32_as_numpy_and_jax():
    a, b = np.arange(12.0).reshape(4, 3), np.ones(4)
    rank = tg.linalg.lstsq(a, b)[2]
    assert rank == np.linalg.lstsq(a, b)[2] == 2
    assert np.asarray(rank).dtype == np.asarray(np.linalg.lstsq(a, b)[2]).dtype == np.int32
    assert tg.jit(lambda a, b: tg.linalg.lstsq(a, b)[2])(a, b).dtype == np.int32


def test_lstsq_of_mixed_precisions_computes_in_the_common_dtype():
    # a float32 matrix with float64 right-hand sides was solved in float32 (relative error 2e-7)
    rng = np.random.default_rng(8)
    a32, b = rng.normal(size=(3, 4)).astype(np.float32), rng.normal(size=3)
    for A, B in ((a32, b), (a32.T, rng.normal(size=4)), (a32.astype(float), b.astype(np.float32))):
        for got, want in zip(la.lstsq(A, B, rcond=None), np.linalg.lstsq(A, B, rcond=None)):
            assert np.asarray(got).dtype == np.asarray(want).dtype
            np.testing.assert_allclose(got, want, rtol=1e-12)


def test_complete_qr_of_a_tall_matrix_differentiates_as_jax():
    rng = np.random.default_rng(3)
    A, wq, wr = rng.normal(size=(2, 5, 3)), rng.normal(size=(2, 5, 5)), rng.normal(size=(2, 5, 3))

    def f(a, lib):
        q, r = lib.linalg.qr(a, mode="complete")
        return lib.sum(q * wq) + lib.sum(r * wr)
    close(tg.grad(lambda a: f(a, tg))(A), jax.grad(lambda a: f(a, jnp))(A), 1e-12)
    t = rng.normal(size=A.shape)
    close(tg.jvp(lambda a: la.qr(a, mode="complete")[0], (A,), (t,))[1],
          jax.jvp(lambda a: jnp.linalg.qr(a, mode="complete")[0], (A,), (t,))[1], 1e-12)
    # a complex one too (it was refused): conjugate transposes, one term conjugate-linear
    Z, T = A + 1j * A[::-1], t - 2j * t[::-1]
    wz = wq + 1j * wq[::-1]

    def g(a, lib):
        q, r = lib.linalg.qr(a, mode="complete")
        return lib.sum(lib.real(q * wz)) + lib.sum(lib.abs(r) ** 2)
    close(tg.grad(lambda a: g(a, tg))(Z), jax.grad(lambda a: g(a, jnp))(Z), 1e-12)
    close(tg.jvp(lambda a: la.qr(a, mode="complete")[0], (Z,), (T,))[1],
          jax.jvp(lambda a: jnp.linalg.qr(a, mode="complete")[0], (Z,), (T,))[1], 1e-12)
    with pytest.raises(ValueError, match=r"qr: mode='raw' has no derivative \(shape \(2, 5, 3\)"):
        tg.grad(lambda a: tg.sum(la.qr(a, mode="raw")[0]))(A)


def test_svd_based_functions_give_nan_for_a_matrix_holding_inf_or_nan_and_return():
    # LAPACK's SVD (NumPy's and JAX's on the CPU) may never return on a matrix holding inf, and
    # NumPy's raises on NaN: tensorgrad gives NaN for that matrix, the others of a stack as usual
    good = np.array([[2.0, 1.0, 0.5], [0.3, 1.5, -1.0], [0.2, 0.7, 3.0]])
    for bad_value in (np.inf, -np.inf, np.nan):
        bad = good.copy()
        bad[0, 0] = bad_value
        stack = np.stack([bad, good])
        u, s, vh = la.svd(stack)
        for got, want in zip((u, s, vh), np.linalg.svd(good)):
            assert np.isnan(got[0]).all()
            np.testing.assert_allclose(np.abs(got[1]), np.abs(want), rtol=1e-12)
        assert np.isnan(la.svd(bad, full_matrices=False)[1]).all()
        assert np.isnan(la.svdvals(stack)[0]).all() and not np.isnan(la.svdvals(stack)[1]).any()
        np.testing.assert_allclose(la.pinv(stack)[1], np.linalg.pinv(good), rtol=1e-12)
        assert np.isnan(la.pinv(stack)[0]).all()
        x, _, rank, sv = la.lstsq(bad, np.ones(3))
        assert np.isnan(x).all() and rank == 0 and np.isnan(sv).all()
        with np.errstate(invalid="ignore"):
            assert np.isnan(tg.grad(lambda a: tg.sum(la.svdvals(a)))(bad)).all()
            assert np.isnan(tg.grad(lambda a: tg.sum(la.pinv(a)))(bad)).all()
            assert np.isnan(la.norm(bad, 2)) and np.isnan(la.cond(bad))
    with np.errstate(invalid="ignore", over="ignore"):
        bad = good.copy()
        bad[0, 0] = np.inf
        assert np.isnan(tg.hessian(la.det)(bad)).any()  # (it returned, through the SVD)


@pytest.mark.parametrize("a", [np.ones((2, 2), bool), np.eye(3, dtype=bool),
                               np.full((2, 2), 100, np.int8), np.array([[100, 20], [20, 100]], np.int8),
                               np.array([[120, 100], [100, 127]], np.int16) * 250])
def test_symmetrized_integer_and_boolean_matrices_are_symmetrized_in_float(a):
    # (a + aᵀ)/2 of booleans is not an or, of int8 does not wrap: NumPy's and JAX's float64
    tnp = tg.numpy
    np.testing.assert_allclose(tnp.linalg.eigvalsh(a), np.linalg.eigvalsh(a.astype(float)), rtol=1e-12,
                               atol=1e-12)
    np.testing.assert_allclose(la.eigvalsh(a, symmetrize_input=True), np.linalg.eigvalsh(a.astype(float)),
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tnp.linalg.eigh(a).eigenvalues, np.linalg.eigvalsh(a.astype(float)),
                               rtol=1e-12, atol=1e-12)
    if np.all(np.linalg.eigvalsh(a.astype(float)) > 0):
        np.testing.assert_allclose(tnp.linalg.cholesky(a), np.linalg.cholesky(a.astype(float)), rtol=1e-12)
        np.testing.assert_allclose(la.cholesky(a, symmetrize_input=True),
                                   np.linalg.cholesky(a.astype(float)), rtol=1e-12)
