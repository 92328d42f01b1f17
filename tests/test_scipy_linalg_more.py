"""tg.scipy.linalg's special matrices, LU (lu, lu_factor, lu_solve), solve_sylvester, polar
and eigh_tridiagonal, and tg.scipy.stats' mode and gaussian_kde: values against SciPy and
jax.scipy, derivatives against JAX's (computed inside jax.jit)."""
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import jax.scipy.stats as jst
import numpy as np
import pytest
import scipy.linalg as sl
import scipy.stats as sst

import tensorgrad as tg

tsl = tg.scipy.linalg
RNG = np.random.default_rng(11)
A = RNG.normal(size=(4, 4))
B2 = RNG.normal(size=(2, 2))
C42 = RNG.normal(size=(4, 2))
c3, r4, a5 = RNG.normal(size=3), RNG.normal(size=4), RNG.normal(size=5) + np.r_[3, 0, 0, 0, 0]


def close(x, y, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol)


# ---- special matrices ---------------------------------------------------------------------
def test_special_matrices_match_scipy():
    close(tsl.toeplitz(c3, r4), sl.toeplitz(c3, r4), 0, 0)
    close(tsl.toeplitz(c3), sl.toeplitz(c3), 0, 0)
    close(tsl.hankel(c3, r4), sl.hankel(c3, r4), 0, 0)
    close(tsl.hankel(c3), sl.hankel(c3), 0, 0)
    close(tsl.circulant(r4), sl.circulant(r4), 0, 0)
    close(tsl.companion(a5), sl.companion(a5), 1e-15)
    close(tsl.leslie(r4, c3), sl.leslie(r4, c3), 0, 0)
    close(tsl.hilbert(5), sl.hilbert(5), 1e-15)
    for full in (False, True):
        close(tsl.helmert(5, full=full), sl.helmert(5, full=full), 1e-14)
    for kind in ("symmetric", "lower", "upper"):
        # exact integers (JAX's pascal is a float32 approximation; SciPy's is exact)
        close(tsl.pascal(6, kind), sl.pascal(6, kind), 0, 0)
        close(tsl.invpascal(6, kind), sl.invpascal(6, kind), 0, 0)
        close(tsl.pascal(6, kind) @ tsl.invpascal(6, kind), np.eye(6), 0, 0)
    assert tsl.toeplitz(np.arange(3)).dtype == np.int64  # integers stay integers, as in JAX


def test_special_matrices_batch_like_jax():
    C, R = RNG.normal(size=(2, 3)), RNG.normal(size=(2, 4))

    def build(m, C, R):
        return [m.toeplitz(C, R), m.toeplitz(C[0], R), m.toeplitz(C), m.hankel(C, R), m.hankel(C),
                m.circulant(C), m.companion(R), m.leslie(C, R[:, :2])]

    refs = jax.jit(lambda C, R: build(jsl, C, R))(C, R)
    for x, y in zip(build(tsl, C, R), refs):
        close(x, y, 1e-15)
    close(tg.vmap(tsl.toeplitz)(C, R), refs[0], 0, 0)
    close(tg.jit(tsl.companion)(R), refs[6], 1e-15)


def test_special_matrices_gradients_against_jax():
    W = RNG.normal(size=(7, 4, 4))

    def build(m, c, r, a, f, s):
        return [m.toeplitz(c, r), m.hankel(c, r), m.circulant(r), m.companion(a), m.leslie(f, s),
                m.toeplitz(r)]

    def loss(m, np_, args):
        mats = build(m, *args)
        return sum(np_.sum(x * W[k, :x.shape[0], :x.shape[1]]) for k, x in enumerate(mats))

    args = (c3, r4, a5, r4, c3)
    g = tg.grad(lambda *v: loss(tsl, tg, v), argnums=tuple(range(5)))(*args)
    ref = jax.jit(jax.grad(lambda *v: loss(jsl, jnp, v), argnums=tuple(range(5))))(*args)
    for x, y in zip(g, ref):
        close(x, y)
    # forward mode: the Jacobian of the companion matrix in its coefficients
    close(tg.jacfwd(tsl.companion)(a5), jax.jit(jax.jacfwd(jsl.companion))(a5))


# ---- LU --------------------------------------------------------------------------------
SHAPES = [(4, 4), (4, 3), (3, 4)]


def _packed(m, np_, a):
    return np_.concatenate([np_.ravel(x) for x in m.lu(a)])


def test_lu_values_match_scipy():
    for shape in SHAPES:
        a = A[:shape[0], :shape[1]]
        for x, y in zip(tsl.lu(a), sl.lu(a)):
            close(x, y, 1e-12, 1e-14)
        for x, y in zip(tsl.lu(a, permute_l=True), sl.lu(a, permute_l=True)):
            close(x, y, 1e-12, 1e-14)
        lu_, piv = tsl.lu_factor(a)
        slu, spiv = sl.lu_factor(a) if shape[0] == shape[1] else jsl.lu_factor(a)
        close(lu_, slu, 1e-12, 1e-14)
        assert np.array_equal(piv, spiv) and np.asarray(piv).dtype == np.int32
    p, l, u = tsl.lu(A)
    close(p @ l @ u, A, 1e-13, 1e-14)
    # a stack factors matrix by matrix (JAX's lu_factor takes stacks too)
    stack = RNG.normal(size=(3, 4, 4))
    lu_, piv = tsl.lu_factor(stack)
    jlu, jpiv = jsl.lu_factor(stack)
    close(lu_, jlu, 1e-12, 1e-14)
    assert np.array_equal(piv, jpiv)


def test_lu_derivatives_against_jax():
    refs = jax.jit(lambda a: [jax.jacrev(lambda v: _packed(jsl, jnp, v[:m, :n]))(a)
                              for m, n in SHAPES])(A)
    for (m, n), ref in zip(SHAPES, refs):
        f = lambda v: _packed(tsl, tg, v[:m, :n])  # noqa: E731
        close(tg.jacrev(f)(A), ref)
        close(tg.jacfwd(f)(A), ref)

    def h(m, np_, a):
        _, l, u = m.lu(a)
        return np_.sum(np_.sin(u)) + np_.sum(l ** 3)

    close(tg.hessian(lambda v: h(tsl, tg, v))(A), jax.jit(jax.hessian(lambda v: h(jsl, jnp, v)))(A))


def test_lu_solve_gradients_equal_those_of_solve():
    w = RNG.normal(size=(4, 2))

    def loss(trans, vec):
        b = C42[:, 0] if vec else C42

        def f(m, np_, a, b):
            x = m.lu_solve(m.lu_factor(a), b, trans=trans)
            return np_.sum(x * (w[:, 0] if vec else w))

        def via_solve(a, b):
            return jnp.sum(jnp.linalg.solve(a.T if trans else a, b) * (w[:, 0] if vec else w))
        return f, via_solve, b

    cases = [(t, v) for t in (0, 1, 2) for v in (False, True)]
    ref = jax.jit(lambda a: [jax.grad(loss(t, v)[1], argnums=(0, 1))(a, loss(t, v)[2])
                             for t, v in cases])(A)
    jref = jax.jit(lambda a: [jax.grad(lambda p, q: loss(t, v)[0](jsl, jnp, p, q), argnums=(0, 1))(
        a, loss(t, v)[2]) for t, v in cases])(A)
    for (t, v), r, jr in zip(cases, ref, jref):
        f, _, b = loss(t, v)
        close(tsl.lu_solve(tsl.lu_factor(A), b, trans=t), sl.lu_solve(sl.lu_factor(A), b, trans=t))
        g = tg.grad(lambda p, q: f(tsl, tg, p, q), argnums=(0, 1))(A, b)
        for x, y, z in zip(g, r, jr):
            close(x, y, 1e-9, 1e-11)  # solve's gradient
            close(x, z, 1e-9, 1e-11)  # jax.scipy's lu_solve(lu_factor(·))
    # differentiable in the factors themselves
    lu_, piv = sl.lu_factor(A)
    close(tg.jacrev(lambda v: tsl.lu_solve((v, piv), C42))(lu_),
          jax.jit(jax.jacrev(lambda v: jsl.lu_solve((v, piv), C42)))(lu_))


def test_lu_under_jit_and_vmap():
    f = lambda a, b: tg.sum(tg.sin(tsl.lu_solve(tsl.lu_factor(a), b)))  # noqa: E731
    jf = jax.jit(jax.grad(lambda a, b: jnp.sum(jnp.sin(jnp.linalg.solve(a, b))), argnums=(0, 1)))
    g = tg.jit(tg.grad(f, argnums=(0, 1)))
    other = A[::-1] + np.diag([0.0, 0.0, 0.0, 5.0])
    assert not np.array_equal(sl.lu_factor(A)[1], sl.lu_factor(other)[1])
    for a in (A, other):  # one traced plan, pivots chosen by the values of each call
        for x, y in zip(g(a, C42), jf(a, C42)):
            close(x, y, 1e-9, 1e-11)
        for x, y in zip(tg.jit(tsl.lu)(a), sl.lu(a)):
            close(x, y, 1e-12, 1e-14)
    stack = RNG.normal(size=(3, 4, 4))
    lu_, piv = tg.vmap(tsl.lu_factor)(stack)
    jlu, jpiv = jsl.lu_factor(stack)
    close(lu_, jlu, 1e-12, 1e-14)
    assert np.array_equal(piv, jpiv)
    x = tg.vmap(lambda a: tsl.lu_solve(tsl.lu_factor(a), C42[:, 0]))(stack)
    close(x, np.linalg.solve(stack, C42[:, :1])[..., 0])


# ---- solve_sylvester, polar, eigh_tridiagonal --------------------------------------------
def test_solve_sylvester_values_and_derivatives():
    X = tsl.solve_sylvester(A, B2, C42)
    close(X, sl.solve_sylvester(A, B2, C42))
    close(X, jsl.solve_sylvester(A, B2, C42), 1e-9)  # JAX's Schur method checks to tol 1e-8

    # jax.scipy's solve_sylvester has no derivative (schur): the reference is JAX's
    # derivative of the Kronecker form, checked here against the implicit one too
    def kron_form(a, b, c):
        k = jnp.kron(a, jnp.eye(2)) + jnp.kron(jnp.eye(4), b.T)
        return jnp.linalg.solve(k, c.reshape(-1)).reshape(4, 2)

    w = RNG.normal(size=(4, 2))
    g = tg.grad(lambda a, b, c: tg.sum(w * tsl.solve_sylvester(a, b, c)), argnums=(0, 1, 2))(A, B2, C42)
    ref = jax.jit(jax.grad(lambda a, b, c: jnp.sum(w * kron_form(a, b, c)), argnums=(0, 1, 2)))(A, B2, C42)
    for x, y in zip(g, ref):
        close(x, y)
    dA, dB, dC = RNG.normal(size=(4, 4)), RNG.normal(size=(2, 2)), RNG.normal(size=(4, 2))
    _, dX = tg.jvp(tsl.solve_sylvester, (A, B2, C42), (dA, dB, dC))
    close(A @ dX + dX @ B2, dC - dA @ X - X @ dB, 1e-10, 1e-12)  # the differentiated equation


def test_polar_values_and_derivatives():
    shapes = [((4, 4), "right"), ((4, 3), "right"), ((3, 4), "left"), ((4, 4), "left")]
    for (m, n), side in shapes:
        a = A[:m, :n]
        for x, y in zip(tsl.polar(a, side), sl.polar(a, side)):
            close(x, y, 1e-10, 1e-12)

    def f(mod, np_, a, side, kw):
        u, p = mod.polar(a, side, **kw)
        return np_.concatenate([np_.ravel(u), np_.ravel(p)])

    ref = jax.jit(lambda a: [jax.jacrev(lambda v: f(jsl, jnp, v[:m, :n], side, {"method": "svd"}))(a)
                             for (m, n), side in shapes])(A)
    for ((m, n), side), r in zip(shapes, ref):
        close(tg.jacrev(lambda v: f(tsl, tg, v[:m, :n], side, {}))(A), r, 1e-9, 1e-11)
    close(tg.jacfwd(lambda v: f(tsl, tg, v, "right", {}))(A), ref[0], 1e-9, 1e-11)


def test_polar_and_solve_sylvester_take_stacks_of_matrices():
    S = np.stack([A, A.T + 2 * np.eye(len(A))])
    for side in ("right", "left"):
        u, p = tsl.polar(S, side)
        for i in range(2):
            for x, y in zip((u[i], p[i]), sl.polar(S[i], side)):
                close(x, y, 1e-10, 1e-12)
    B = S + 3 * np.eye(len(A))
    X = tsl.solve_sylvester(S, B, S[0])  # (C broadcast over the stack)
    for i in range(2):
        close(X[i], sl.solve_sylvester(S[i], B[i], S[0]), 1e-10, 1e-12)
    g = tg.grad(lambda s: tg.sum(tsl.polar(s)[1] ** 2))(S)
    close(g[1], tg.grad(lambda s: tg.sum(tsl.polar(s)[1] ** 2))(S[1]))


def test_eigh_tridiagonal_values_and_derivatives():
    d, e = RNG.normal(size=5), RNG.normal(size=4)
    close(tsl.eigh_tridiagonal(d, e, eigvals_only=True), sl.eigvalsh_tridiagonal(d, e))
    close(tsl.eigh_tridiagonal(d, e, eigvals_only=True),
          jsl.eigh_tridiagonal(d, e, eigvals_only=True), 1e-9)  # JAX bisects to a tolerance
    close(tsl.eigh_tridiagonal(d, e, eigvals_only=True, select="i", select_range=(1, 3)),
          sl.eigvalsh_tridiagonal(d, e, select="i", select_range=(1, 3)))

    # jax.scipy's eigh_tridiagonal has no reverse-mode derivative (a while loop): the
    # reference is JAX's derivative of eigvalsh of the assembled matrix
    def ref(d, e):
        return jnp.linalg.eigvalsh(jnp.diag(d) + jnp.diag(e, 1) + jnp.diag(e, -1))

    J = tg.jacrev(lambda d, e: tsl.eigh_tridiagonal(d, e, eigvals_only=True), argnums=(0, 1))(d, e)
    R = jax.jit(jax.jacrev(ref, argnums=(0, 1)))(d, e)
    for x, y in zip(J, R):
        close(x, y)
    h = tg.hessian(lambda e: tg.sum(tsl.eigh_tridiagonal(d, e, eigvals_only=True) ** 3))(e)
    close(h, jax.jit(jax.hessian(lambda e: jnp.sum(ref(d, e) ** 3)))(e), 1e-9, 1e-11)
    # eigenvectors too (SciPy's default eigvals_only=False): columns, each up to its sign
    w, v = tsl.eigh_tridiagonal(d, e)
    sw, sv = sl.eigh_tridiagonal(d, e)
    close(w, sw)
    close(np.abs(np.sum(v * sv, axis=0)), np.ones(5))
    T = np.diag(d) + np.diag(e, 1) + np.diag(e, -1)
    close(T @ v, v * w)
    w2, v2 = tsl.eigh_tridiagonal(d, e, select="i", select_range=(1, 3))
    close(w2, w[1:4])
    close(v2, v[:, 1:4])
    g = tg.grad(lambda e: tg.sum(tsl.eigh_tridiagonal(d, e)[1][:, 0] ** 4))(e)  # (a sign-free function)
    gr = jax.grad(lambda e: jnp.sum(jnp.linalg.eigh(jnp.diag(d) + jnp.diag(e, 1) + jnp.diag(e, -1))[1][:, 0] ** 4))(e)
    close(g, gr, 1e-8, 1e-10)


def test_linalg_errors_name_the_function_and_shapes():
    with pytest.raises(ValueError, match=r"scipy.linalg.lu: .*shape \(4,\)"):
        tsl.lu(np.ones(4))
    with pytest.raises(TypeError, match=r"scipy.linalg.lu_factor: a must be a real or complex"):
        tsl.lu_factor(np.array([["a", "b"], ["c", "d"]]))
    lu_piv = tsl.lu_factor(A)
    with pytest.raises(ValueError, match=r"scipy.linalg.lu_solve: b of shape \(3, 2\)"):
        tsl.lu_solve(lu_piv, np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"scipy.linalg.lu_solve: piv must be integers"):
        tsl.lu_solve((lu_piv[0], np.zeros(4)), C42)
    with pytest.raises(ValueError, match="trans"):
        tsl.lu_solve(lu_piv, C42, trans=3)
    with pytest.raises(ValueError, match=r"scipy.linalg.solve_sylvester: .*\(4, 4\), \(2, 2\) and \(2, 4\)"):
        tsl.solve_sylvester(A, B2, C42.T)
    with pytest.raises(ValueError, match="scipy.linalg.companion: the leading coefficient"):
        tsl.companion(np.array([0.0, 1.0, 2.0]))
    with pytest.raises(ValueError, match=r"scipy.linalg.leslie: .*\(4,\).*\(2,\)"):
        tsl.leslie(r4, c3[:2])
    with pytest.raises(ValueError, match=r"scipy.linalg.toeplitz: .*do not broadcast"):
        tsl.toeplitz(np.ones((2, 3)), np.ones((3, 4)))
    with pytest.raises(NotImplementedError, match="select='v' is not supported"):
        tsl.eigh_tridiagonal(c3, r4[:2], select="v")
    with pytest.raises(ValueError, match="scipy.linalg.polar: side"):
        tsl.polar(A, "up")
    with pytest.raises(ValueError, match="scipy.linalg.pascal: kind"):
        tsl.pascal(3, "diagonal")
    with pytest.raises(np.linalg.LinAlgError, match=r"scipy.linalg.lu_solve: .*singular"):
        tsl.lu_solve(tsl.lu_factor(np.ones((3, 3))), np.ones(3))
    with pytest.raises(np.linalg.LinAlgError, match=r"scipy.linalg.solve_sylvester: .*eigenvalue"):
        tsl.solve_sylvester(np.eye(2), -np.eye(2), np.ones((2, 2)))
    # float32 stays float32, as in JAX
    a32 = A.astype(np.float32)
    assert [np.asarray(x).dtype for x in (*tsl.lu(a32), *tsl.lu_factor(a32), *tsl.polar(a32),
                                          tsl.solve_sylvester(a32, a32, a32))] == \
        [np.float32] * 4 + [np.int32] + [np.float32] * 3


# ---- stats: mode and gaussian_kde ------------------------------------------------------------
tst = tg.scipy.stats
X_NAN = np.array([[1, 2, 2, 3, np.nan], [3, 3, 1, 1, 1.0], [3, 2, np.nan, 1, np.nan]])


def test_mode_matches_jax_and_scipy():
    ints = RNG.integers(0, 4, size=(3, 7))
    for a in (ints, X_NAN):  # X_NAN last: its references serve the jit and vmap checks below
        kws = ({}, {"axis": 1}, {"axis": None}, {"keepdims": True}, {"axis": -1, "keepdims": True})
        refs = jax.jit(lambda a: [jst.mode(a, **kw) for kw in kws])(a)
        for kw, (jm, jc) in zip(kws, refs):
            m, c = tst.mode(a, **kw)
            assert np.array_equal(m, jm, equal_nan=True) and np.array_equal(c, jc)
            assert np.shape(m) == jm.shape and np.asarray(m).dtype == jm.dtype
            assert np.asarray(c).dtype == np.int64
    m, c = tst.mode(X_NAN, axis=1, nan_policy="omit")  # SciPy's policy (JAX has no 'omit')
    sm, sc = sst.mode(X_NAN, axis=1, nan_policy="omit")
    assert np.array_equal(m, sm) and np.array_equal(c, sc)
    # under tg.jit and tg.vmap (sorting and comparisons: no concrete value needed)
    m, c = tg.jit(lambda a: tst.mode(a, axis=1))(X_NAN)
    vm, vc = tg.vmap(tst.mode)(X_NAN)
    jm, jc = refs[1]
    for x, y in ((m, jm), (c, jc), (vm, jm), (vc, jc)):
        assert np.array_equal(x, y, equal_nan=True)
    with pytest.raises(ValueError, match=r"stats.mode: the input \(shape \(3, 5\)\) contains NaN"):
        tst.mode(X_NAN, nan_policy="raise")
    with pytest.raises(ValueError, match="stats.mode: axis 2 is out of range .* shape \\(3, 5\\)"):
        tst.mode(X_NAN, axis=2)
    with pytest.raises(TypeError, match="stats.mode: .*complex128"):
        tst.mode(np.ones(3, complex))


KDE_DATA = RNG.normal(size=(2, 12))
KDE_W = RNG.uniform(0.2, 1.0, size=12)
KDE_PTS = RNG.normal(size=(2, 4))


def test_gaussian_kde_values_against_scipy_and_jax():
    cases = [(bw, w) for bw in (None, "silverman", 0.4) for w in (None, KDE_W)]
    jpdf = jax.jit(lambda: [jst.gaussian_kde(KDE_DATA, bw, w).pdf(KDE_PTS) for bw, w in cases])()
    for (bw, w), jp in zip(cases, jpdf):
        k = tst.gaussian_kde(KDE_DATA, bw, w)
        sk = sst.gaussian_kde(KDE_DATA, bw, w)
        close(k.covariance, sk.covariance)
        close(k.neff, sk.neff)
        close(k(KDE_PTS), sk(KDE_PTS))
        close(k.pdf(KDE_PTS), jp)
        close(k.logpdf(KDE_PTS), sk.logpdf(KDE_PTS))
        close(k.integrate_gaussian(KDE_PTS[:, 0], np.eye(2)),
              sk.integrate_gaussian(KDE_PTS[:, 0], np.eye(2)))
    k1, sk1 = tst.gaussian_kde(KDE_DATA[0]), sst.gaussian_kde(KDE_DATA[0])
    close(k1.integrate_box_1d(-1.0, 0.5), sk1.integrate_box_1d(-1.0, 0.5))
    close(k1.evaluate(KDE_PTS[0]), sk1.evaluate(KDE_PTS[0]))
    close(k1.integrate_kde(tst.gaussian_kde(KDE_DATA[1])),
          sk1.integrate_kde(sst.gaussian_kde(KDE_DATA[1])))
    # a callable bandwidth sees the estimate
    close(tst.gaussian_kde(KDE_DATA, lambda kde: kde.neff ** -0.25).covariance,
          sst.gaussian_kde(KDE_DATA, lambda kde: kde.neff ** -0.25).covariance)


def test_gaussian_kde_derivatives_against_jax():

    def f(st, np_, d, w, p):
        k = st.gaussian_kde(d, weights=w)
        return np_.sum(k.logpdf(p)) + k.integrate_gaussian(p[:, 0], np.eye(2)) + np_.sum(k(p))

    args = (KDE_DATA, KDE_W, KDE_PTS)
    g = tg.grad(lambda *v: f(tst, tg, *v), argnums=(0, 1, 2))(*args)
    ref = jax.jit(jax.grad(lambda *v: f(jst, jnp, *v), argnums=(0, 1, 2)))(*args)
    for x, y in zip(g, ref):
        close(x, y)
    d1 = KDE_DATA[0]
    h = tg.hessian(lambda d: tst.gaussian_kde(d).integrate_box_1d(-1.0, 0.5))(d1)
    close(h, jax.jit(jax.hessian(lambda d: jst.gaussian_kde(d).integrate_box_1d(-1.0, 0.5)))(d1))
    jit_g = tg.jit(tg.grad(lambda d: tg.sum(tst.gaussian_kde(d).logpdf(KDE_PTS))))
    close(jit_g(KDE_DATA), g_ref := tg.grad(lambda d: tg.sum(tst.gaussian_kde(d).logpdf(KDE_PTS)))(KDE_DATA))
    assert np.any(g_ref != 0)
    with pytest.raises(ValueError, match=r"gaussian_kde.logpdf: points of shape \(3, 4\)"):
        tst.gaussian_kde(KDE_DATA).logpdf(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"gaussian_kde: weights must have shape \(12,\)"):
        tst.gaussian_kde(KDE_DATA, weights=np.ones(5))
    with pytest.raises(ValueError, match="gaussian_kde: bw_method"):
        tst.gaussian_kde(KDE_DATA, bw_method="wide")


def test_sweep_regressions_lu_solve_broadcast_mode_keepdims_kde_dtype_select_range():
    rng = np.random.default_rng(7)
    A, b = rng.normal(size=(2, 3, 3)), rng.normal(size=(3, 2))
    for t in (0, 1, 2):  # a batch of factorizations, one right-hand side for all (as JAX)
        want = jax.jit(lambda A, b: jsl.lu_solve(jsl.lu_factor(A), b, trans=t))(A, b)
        np.testing.assert_allclose(tsl.lu_solve(tsl.lu_factor(A), b, trans=t), want, rtol=1e-10)
    a = np.array([[1.0, 2.0, 2.0], [3.0, 3.0, 1.0]])
    for axis in (None, 0, 1):
        for keepdims in (True, False):
            m, c = tg.scipy.stats.mode(a, axis=axis, keepdims=keepdims)
            r = sst.mode(a, axis=axis, keepdims=keepdims)
            assert np.shape(m) == np.shape(r.mode) and np.shape(c) == np.shape(r.count)
            np.testing.assert_array_equal(m, r.mode)
    kde = tg.scipy.stats.gaussian_kde(np.array([0.1, 0.5, 0.9], np.float32))
    assert kde(np.array([0.3], np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="select_range=.* is out of bounds for 3 eigenvalues"):
        tsl.eigh_tridiagonal(np.ones(3), np.ones(2), eigvals_only=True, select="i", select_range=(-2, -1))


def test_gaussian_kde_of_points_on_a_line_names_itself():
    with pytest.raises(np.linalg.LinAlgError, match="gaussian_kde: the data's covariance"):
        tg.scipy.stats.gaussian_kde(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0]]))
