"""tg.scipy.linalg against scipy.linalg's values and jax.scipy.linalg's gradients:
expm (an op whose rules are its Fréchet derivative; second order too), expm_frechet,
solve_triangular, cho_factor/cho_solve, and SciPy's signatures of cholesky, solve, eigh,
svd, qr and block_diag."""
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
import scipy.linalg as sl

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient

tsl = tg.scipy.linalg
RNG = np.random.default_rng(7)
A = RNG.normal(size=(3, 3)) * 0.7
B = RNG.normal(size=(3, 2))
SPD = A @ A.T + 3 * np.eye(3)

CASES = {
    "expm": (lambda m, a: m.expm(a), A),
    "expm stack": (lambda m, a: m.expm(jnp.stack([a, -a.T]) if m is jsl else tg.stack([a, -a.T])), A),
    "expm_frechet": (lambda m, a: m.expm_frechet(a, a * a + 1.0, compute_expm=False), A),
    "solve_triangular lower": (lambda m, a: m.solve_triangular(a + 3 * np.eye(3), B, lower=True), A),
    "solve_triangular upper T": (lambda m, a: m.solve_triangular(a + 3 * np.eye(3), B[:, 0], trans=1), A),
    "solve_triangular unit": (lambda m, a: m.solve_triangular(a, B, lower=True, unit_diagonal=True), A),
    "cho_solve": (lambda m, a: m.cho_solve(m.cho_factor(a @ a.T + 3 * np.eye(3)), B), A),
    "cho_solve lower": (lambda m, a: m.cho_solve(m.cho_factor(a @ a.T + 3 * np.eye(3), lower=True), B), A),
    "cholesky upper": (lambda m, a: m.cholesky(a @ a.T + 3 * np.eye(3)), A),
    "cholesky lower": (lambda m, a: m.cholesky(a @ a.T + 3 * np.eye(3), lower=True), A),
    # SciPy reads one triangle of a "symmetric" input; jax.scipy reads (or symmetrizes) all
    # of it, so its reference is written with the triangle SciPy reads
    "solve sym lower": (lambda m, a: m.solve(a + 3 * np.eye(3), B, assume_a="sym", lower=True), A,
                        lambda a: jnp.linalg.solve(jnp.tril(a) + jnp.tril(a, -1).T + 3 * np.eye(3), B)),
    "solve pos": (lambda m, a: m.solve(a @ a.T + 3 * np.eye(3), B, assume_a="pos"), A),
    "det inv": (lambda m, a: m.det(a) * m.inv(a + 3 * np.eye(3)), A),
    "eigh": (lambda m, a: m.eigh(a + a.T)[0], A),
    "eigh upper values": (lambda m, a: m.eigh(a, lower=False, eigvals_only=True,
                                              **({} if m is sl else {"symmetrize_input": False})), A,
                          lambda a: jnp.linalg.eigh(jnp.triu(a) + jnp.triu(a, 1).T)[0]),
    "svd": (lambda m, a: m.svd(a[:, :2], compute_uv=False), A),
    "qr economic R": (lambda m, a: m.qr(a[:, :2], mode="economic")[1], A),
    "block_diag": (lambda m, a: m.block_diag(a[:2, :2], a[2], 2.0 * a[0, 0]), A),
}


@pytest.mark.parametrize("name", list(CASES))
def test_values_against_scipy_and_gradients_against_jax(name):
    f, a, *ref_fn = CASES[name]
    jf = ref_fn[0] if ref_fn else (lambda v: f(jsl, v))
    np.testing.assert_allclose(np.asarray(f(tsl, a)), np.asarray(f(sl, a)) if name not in
                               ("expm stack", "expm_frechet") else np.asarray(f(jsl, jnp.asarray(a))),
                               rtol=1e-10, atol=1e-12)
    w = RNG.normal(size=np.shape(f(tsl, a)))
    g = tg.grad(lambda v: tg.sum(f(tsl, v) * w))(a)
    ref = jax.jit(jax.grad(lambda v: jnp.sum(jf(v) * w)))(jnp.asarray(a))
    np.testing.assert_allclose(g, np.asarray(ref), rtol=1e-9, atol=1e-11)


def test_eigh_decomposes_the_symmetric_part_as_jax_scipy_does():
    # jax.scipy.linalg.eigh symmetrizes its input: values of (a + aᵀ)/2, a symmetric gradient
    a = A + np.triu(np.full((3, 3), 0.3), 1)  # not symmetric
    np.testing.assert_allclose(tsl.eigh(a, eigvals_only=True), np.asarray(jsl.eigh(a, eigvals_only=True)),
                               rtol=1e-13)
    w = RNG.normal(size=3)
    g = tg.grad(lambda v: tg.sum(tsl.eigh(v)[0] * w))(a)
    ref = jax.grad(lambda v: jnp.sum(jsl.eigh(v)[0] * w))(jnp.asarray(a))
    np.testing.assert_allclose(g, np.asarray(ref), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g, g.T, rtol=1e-13)
    # symmetrize_input=False: SciPy's one triangle
    np.testing.assert_allclose(tsl.eigh(a, eigvals_only=True, symmetrize_input=False),
                               sl.eigh(a, eigvals_only=True), rtol=1e-13)


def test_expm_second_order_fwd_rev_and_jit():
    f = lambda a: tg.sum(tg.sin(tsl.expm(a)))  # noqa: E731
    jf = lambda a: jnp.sum(jnp.sin(jsl.expm(a)))  # noqa: E731
    np.testing.assert_allclose(tg.hessian(f)(A), np.asarray(jax.jit(jax.hessian(jf))(jnp.asarray(A))),
                               rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(tg.jacfwd(tsl.expm)(A), tg.jacrev(tsl.expm)(A), rtol=1e-12, atol=1e-13)
    j = tg.jit(tg.grad(f))
    np.testing.assert_allclose(j(A * 0.5), tg.grad(f)(A * 0.5), rtol=1e-13)
    # the Fréchet derivative against SciPy's own
    E = RNG.normal(size=(3, 3))
    X, L = tsl.expm_frechet(A, E)
    sX, sL = sl.expm_frechet(A, E)
    np.testing.assert_allclose(X, sX, rtol=1e-12)
    np.testing.assert_allclose(L, sL, rtol=1e-10, atol=1e-12)


def test_triangular_solves_read_one_triangle_and_errors():
    junk = np.triu(np.full((3, 3), 100.0), 1)
    low = np.tril(A) + 3 * np.eye(3)
    np.testing.assert_allclose(tsl.solve_triangular(low + junk, B, lower=True), np.linalg.solve(low, B))
    g = tg.grad(lambda v: tg.sum(tsl.solve_triangular(v, B, lower=True)))(low + junk)
    assert np.all(np.triu(g, 1) == 0)  # the triangle not read gets no gradient
    c, lower = tsl.cho_factor(SPD)
    assert lower is False and np.allclose(c.T @ c, SPD)
    with pytest.raises(ValueError, match="trans"):
        tsl.solve_triangular(low, B, trans=3)
    with pytest.raises(NotImplementedError, match="generalized"):
        tsl.eigh(SPD, SPD)
    with pytest.raises(NotImplementedError, match="assume_a"):
        tsl.solve(SPD, B, assume_a="banded")
    # a zero on the triangle's diagonal, and assume_a='pos' for an indefinite matrix, are
    # errors naming the function (SciPy's LinAlgError), never a solution of something else
    sing = np.tril(A) + 3 * np.eye(3)
    sing[1, 1] = 0
    with pytest.raises(np.linalg.LinAlgError, match=r"solve_triangular: .*singular \(diagonal entry 1\)"):
        tsl.solve_triangular(sing + junk, B, lower=True)
    for bad in (np.array([[1.0, 2.0], [2.0, 1.0]]), -np.eye(2)):
        with pytest.raises(np.linalg.LinAlgError, match=r"solve: assume_a='pos', but a .*not positive definite"):
            tsl.solve(bad, np.ones(2), assume_a="pos")
        with pytest.raises(np.linalg.LinAlgError):
            sl.solve(bad, np.ones(2), assume_a="pos")
        np.testing.assert_allclose(tsl.solve(bad, np.ones(2), assume_a="sym"), np.linalg.solve(bad, np.ones(2)))
    assert tg.scipy.special is tg.special


def test_eigh_subsets_and_unknown_keywords_and_qr_mode_r_shapes():
    a = np.diag([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(tsl.eigh(a, eigvals_only=True, subset_by_index=[0, 1]), [1.0, 2.0])
    w, v = tsl.eigh(a, subset_by_index=[2, 3])
    assert w.tolist() == [3.0, 4.0] and v.shape == (4, 2)
    with pytest.raises(TypeError):
        tsl.eigh(a, lowr=False)
    with pytest.raises(NotImplementedError, match="subset_by_value"):
        tsl.eigh(a, subset_by_value=(2.5, 9.0))
    rng = np.random.default_rng(0)
    for shape in [(4, 3), (3, 4), (3, 3), (3, 0), (0, 3)]:
        m = rng.normal(size=shape)
        (r,) = tsl.qr(m, mode="r")
        want = sl.qr(m, mode="r")[0]
        assert r.shape == want.shape, shape


def test_qr_with_column_pivoting_matches_scipy_and_jax():
    a = RNG.normal(size=(4, 3))
    for mode in ("full", "economic", "r"):
        got, want = tsl.qr(a, mode=mode, pivoting=True), sl.qr(a, mode=mode, pivoting=True)
        assert len(got) == len(want) and got[-1].dtype == np.int32
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, atol=1e-12)
    b = RNG.normal(size=(2, 3, 5))  # a stack, as JAX's
    for g, w in zip(tsl.qr(b, pivoting=True), jsl.qr(b, pivoting=True)):
        np.testing.assert_allclose(g, w, atol=1e-12)
    g = tg.grad(lambda x: tg.sum(tsl.qr(x, mode="economic", pivoting=True)[1] ** 3))(a)
    want = jax.grad(lambda x: jnp.sum(jsl.qr(x, mode="economic", pivoting=True)[1] ** 3))(a)
    np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-12)
    f = tg.jit(lambda x: tsl.qr(x, mode="economic", pivoting=True)[2])
    for seed in range(3):  # the column order is recomputed when the plan runs
        c = np.random.default_rng(seed + 5).normal(size=(4, 3))
        assert f(c).tolist() == sl.qr(c, mode="economic", pivoting=True)[2].tolist()


@pytest.mark.parametrize("l, u, n", [(1, 1, 5), (2, 0, 4), (0, 3, 6), (1, 2, 1)])
def test_solve_banded_is_scipys_and_differentiates_in_the_band(l, u, n):
    rng = np.random.default_rng(l + 3 * u + n)
    ab = rng.normal(size=(l + u + 1, n))
    ab[u] += 5.0  # a dominant diagonal
    b = rng.normal(size=(n, 2))
    np.testing.assert_allclose(tg.scipy.linalg.solve_banded((l, u), ab, b), sl.solve_banded((l, u), ab, b),
                               rtol=1e-12)
    np.testing.assert_allclose(tg.scipy.linalg.solve_banded((l, u), ab, b[:, 0]),
                               sl.solve_banded((l, u), ab, b[:, 0]), rtol=1e-12)
    f = lambda a: tg.sum(tg.scipy.linalg.solve_banded((l, u), a, b) ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(ab), central_difference_gradient(f, ab), rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match=r"solve_banded: ab of shape .* must be \(l \+ u \+ 1, n\)"):
        tg.scipy.linalg.solve_banded((l + 1, u), ab, b)
