"""tg.lax.linalg against jax.lax.linalg: signatures, values (float64, complex128, batches) and
derivatives (first order everywhere JAX has them, second order for triangular_solve and
cholesky). Where JAX has no derivative rule (householder_product, ormqr, symmetric_product,
cholesky_update) tensorgrad's are compared with JAX's gradient of the same function written
in jax.numpy."""
import inspect

import jax
import jax.lax.linalg as jll
import jax._src.lax.linalg as _jax_linalg
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
tll = tg.lax.linalg
RNG = np.random.default_rng(7)
OMITTED = {"EigImplementation", "EighImplementation", "SvdAlgorithm"}


def close(a, b, rtol=1e-9, atol=1e-10):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


def same_outputs(got, want, **kw):
    if isinstance(want, (list, tuple)):
        assert type(got) is type(want), (type(got), type(want))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            close(g, w, **kw)
    else:
        close(got, want, **kw)


def gen(*shape, cplx=False):
    x = RNG.normal(size=shape)
    return x + 1j * RNG.normal(size=shape) if cplx else x


def hpd(*shape, cplx=False):
    """Hermitian positive definite, plus a small non-Hermitian part (symmetrize_input)."""
    x = gen(*shape, cplx=cplx)
    n = shape[-1]
    h = x @ np.conj(np.swapaxes(x, -1, -2)) + n * np.eye(n)
    return h + 0.1 * gen(*shape, cplx=cplx)


def weights_for(out):
    """Fixed complex weights per output leaf, for the real loss Σ Re(w · out)."""
    leaves = out if isinstance(out, (list, tuple)) else [out]
    return [gen(*np.shape(o), cplx=True) if np.issubdtype(np.asarray(o).dtype, np.inexact)
            else None for o in leaves]


def loss_of(m, f, weights, pick=None):
    def loss(*args):
        out = f(*args)
        leaves = out if isinstance(out, (list, tuple)) else [out]
        total = 0.0
        for k, (o, w) in enumerate(zip(leaves, weights)):
            if w is not None and (pick is None or k in pick):
                total = total + m.sum(m.real(o * w))
        return total
    return loss


def same_grads(tg_f, jax_f, args, argnums=0, pick=None, rtol=1e-7, atol=1e-9, jit=True):
    """tg.grad and jax.grad of Σ Re(w · outputs) agree (outputs with integer dtype skipped).
    JAX's gradient is compiled as one program (much faster than op by op), except where
    ``jit=False`` asks for eager JAX."""
    weights = weights_for(jax_f(*args))
    got = tg.grad(loss_of(tg, tg_f, weights, pick), argnums=argnums)(*args)
    want = jax.grad(loss_of(jnp, jax_f, weights, pick), argnums=argnums)
    want = (jax.jit(want) if jit else want)(*args)
    got, want = (got, want) if isinstance(argnums, tuple) else ((got,), (want,))
    for g, w in zip(got, want):
        close(g, w, rtol=rtol, atol=atol)


# ---- the namespace ----------------------------------------------------------------------------
def test_names_and_signatures_are_jax():
    public = {n for n in dir(jll) if not n.startswith("_") and not n.endswith("_p")} - OMITTED
    assert set(tll.__all__) == public
    assert tg.lax.linalg is tll and "linalg" in tg.lax.__all__
    for name in public:
        ours, theirs = inspect.signature(getattr(tll, name)), inspect.signature(getattr(jll, name))
        assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == \
            [(p.name, p.kind, p.default) for p in theirs.parameters.values()], name


def test_bad_inputs_name_the_function_shape_and_dtype():
    with pytest.raises(TypeError, match=r"lax\.linalg\.lu: x must be a floating-point or complex "
                                        r".*int64.*\(3, 3\)"):
        tll.lu(np.ones((3, 3), int))
    with pytest.raises(ValueError, match=r"lax\.linalg\.cholesky: x must be a square .*\(3, 2\)"):
        tll.cholesky(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"lax\.linalg\.triangular_solve: incompatible shapes "
                                         r"a \(3, 3\) and b \(4, 2\)"):
        tll.triangular_solve(np.eye(3), np.ones((4, 2)), left_side=True)
    with pytest.raises(TypeError, match=r"lax\.linalg\.symmetric_product: a_matrix .*complex128"):
        tll.symmetric_product(np.ones((3, 2)) + 0j, np.eye(3))
    with pytest.raises(ValueError, match=r"lax\.linalg\.lu_pivots_to_permutation: permutation_size \(2\)"):
        tll.lu_pivots_to_permutation(np.array([1, 2, 0], np.int32), 2)
    with pytest.raises(TypeError, match=r"lax\.linalg\.tridiagonal_solve: b must have shape"):
        tll.tridiagonal_solve(np.ones(3), np.ones(3), np.ones(3), np.ones(3))
    with pytest.raises(np.linalg.LinAlgError, match=r"lax\.linalg\.triangular_solve: the triangle .* singular"):
        tll.triangular_solve(np.triu(np.ones((3, 3)), 1), np.ones((3, 2)), left_side=True)
    with pytest.raises(ValueError, match="M >= N"):
        tll.qdwh(np.ones((2, 3)))
    with pytest.raises(NotImplementedError, match="sort_eig_vals"):
        tll.schur(np.eye(3), sort_eig_vals=True)
    with pytest.raises(ValueError, match="full_matrices and subset_by_index"):
        tll.svd(np.eye(3), subset_by_index=(0, 2))


# ---- triangular_solve -------------------------------------------------------------------------
FLAGS = [(ls, lo, tr, cj, ud) for ls in (True, False) for lo in (True, False)
         for tr in (True, False) for cj in (True, False) for ud in (True, False)]


@pytest.mark.parametrize("cplx", [False, True])
def test_triangular_solve_every_flag(cplx):
    a = gen(2, 3, 3, cplx=cplx) + 4 * np.eye(3)          # both triangles well conditioned
    for ls, lo, tr, cj, ud in FLAGS:
        kw = dict(left_side=ls, lower=lo, transpose_a=tr, conjugate_a=cj, unit_diagonal=ud)
        b = gen(2, 3, 2, cplx=cplx) if ls else gen(2, 2, 3, cplx=cplx)
        same_outputs(tll.triangular_solve(a, b, **kw), jll.triangular_solve(a, b, **kw))
        if cj and not cplx:
            continue  # (conjugate_a does nothing to a real a: its values are checked above)
        same_grads(lambda a, b: tll.triangular_solve(a, b, **kw),
                   lambda a, b: jll.triangular_solve(a, b, **kw), (a, b), argnums=(0, 1), jit=False)
    v = gen(3, cplx=cplx)
    for ls in (True, False):  # one vector per matrix
        same_outputs(tll.triangular_solve(a[0], v, left_side=ls), jll.triangular_solve(a[0], v, left_side=ls))


def test_triangular_solve_hessian():
    a, b = np.triu(gen(3, 3)) + 3 * np.eye(3), gen(3, 2)
    w = gen(3, 2)

    def loss(m, lin):
        return lambda a: m.sum(w * lin.triangular_solve(a, b, left_side=True) ** 2)
    close(tg.hessian(loss(tg, tll))(a), jax.jit(jax.hessian(loss(jnp, jll)))(a), rtol=1e-8)


# ---- Cholesky and its update --------------------------------------------------------------------
@pytest.mark.parametrize("cplx", [False, True])
def test_cholesky_values_and_gradients(cplx):
    x = hpd(2, 4, 4, cplx=cplx)
    same_outputs(tll.cholesky(x), jll.cholesky(x))
    same_grads(tll.cholesky, jll.cholesky, (x,))                   # JAX's symmetrized gradient
    h = x[0] + np.conj(x[0].T)
    got = tll.cholesky(h, symmetrize_input=False)
    same_outputs(got, jll.cholesky(h, symmetrize_input=False))
    t = gen(4, 4, cplx=cplx)
    t = t + np.conj(t.T)                                           # a Hermitian direction
    f = lambda lin: lambda x: lin.cholesky(x, symmetrize_input=False)  # noqa: E731
    close(tg.jvp(f(tll), (h,), (t,))[1], jax.jvp(f(jll), (h,), (t,))[1])


def test_cholesky_failure_is_nan_and_hessian():
    x = np.stack([np.eye(3), -np.eye(3)])
    got = tll.cholesky(x)
    same_outputs(got, jll.cholesky(x))
    assert np.isnan(got[1][np.tril_indices(3)]).all() and (got[1][np.triu_indices(3, 1)] == 0).all()
    x, w = hpd(3, 3), gen(3, 3)
    close(tg.hessian(lambda x: tg.sum(w * tll.cholesky(x)))(x),
          jax.jit(jax.hessian(lambda x: jnp.sum(w * jll.cholesky(x))))(x), rtol=1e-8)


def test_cholesky_update():
    h = hpd(4, 4)
    r = np.linalg.cholesky(h + h.T).T
    w = gen(4)
    same_outputs(tll.cholesky_update(r, w), jll.cholesky_update(r, w))

    # JAX's own Givens sweep (what its cholesky_update runs; the primitive has no derivative)
    givens = lambda r, w: _jax_linalg._cholesky_update_jax_fn(jnp.asarray(r), jnp.asarray(w))  # noqa: E731
    same_grads(tll.cholesky_update, givens, (r, w), argnums=(0, 1))
    up = np.triu(np.ones((4, 4)))  # on the upper triangle, the gradient of chol(RᵀR + wwᵀ)ᵀ
    wts = gen(4, 4)
    got = tg.grad(lambda r: tg.sum(wts * tll.cholesky_update(r, w)))(r)
    want = jax.grad(lambda r: jnp.sum(wts * jnp.linalg.cholesky(r.T @ r + jnp.outer(w, w)).T))(r)
    close(got * up, want * up, rtol=1e-8)
    rs, ws = np.stack([r, 2 * r]), np.stack([w, -w])              # leading axes are a batch
    close(tll.cholesky_update(rs, ws)[1], jll.cholesky_update(2 * r, -w))


# ---- eigenproblems ------------------------------------------------------------------------------
@pytest.mark.parametrize("cplx", [False, True])
def test_eigh(cplx):
    x = hpd(2, 4, 4, cplx=cplx)
    same_outputs(tll.eigh(x), jll.eigh(x))
    same_grads(tll.eigh, jll.eigh, (x,))
    h = x[0] + np.conj(x[0].T)
    for lower in (True, False):
        kw = dict(lower=lower, symmetrize_input=False)
        skew = h + np.triu(gen(4, 4, cplx=cplx), 1) if lower else h + np.tril(gen(4, 4), -1)
        same_outputs(tll.eigh(skew, **kw), jll.eigh(skew, **kw))   # the other triangle unread
    t = gen(4, 4, cplx=cplx)
    t = t + np.conj(t.T)
    f = lambda lin: lambda x: lin.eigh(x, symmetrize_input=False)  # noqa: E731
    for g, w in zip(tg.jvp(f(tll), (h,), (t,))[1], jax.jvp(f(jll), (h,), (t,))[1]):
        close(g, w)
    v, w = tll.eigh(x, subset_by_index=(1, 3))
    jv, jw = jll.eigh(x)
    close(v, jv[..., 1:3])
    close(w, jw[..., 1:3])


@pytest.mark.parametrize("cplx", [False, True])
def test_eig(cplx):
    x = gen(2, 4, 4, cplx=cplx)
    for left in (True, False):
        for right in (True, False):
            kw = dict(compute_left_eigenvectors=left, compute_right_eigenvectors=right)
            same_outputs(tll.eig(x, **kw), jll.eig(x, **kw))
    same_grads(lambda x: tll.eig(x, compute_left_eigenvectors=False, compute_right_eigenvectors=False),
               lambda x: jll.eig(x, compute_left_eigenvectors=False, compute_right_eigenvectors=False), (x,))
    same_grads(lambda x: tll.eig(x[0], enable_eigvec_derivs=True),
               lambda x: jll.eig(x[0], enable_eigvec_derivs=True), (x,), rtol=1e-6)
    x32 = gen(3, 5, 5).astype(np.float32)  # NumPy's single-precision geev orders them otherwise
    same_outputs(tll.eig(x32), jll.eig(x32), rtol=1e-4, atol=1e-5)
    with pytest.raises(NotImplementedError, match="enable_eigvec_derivs=True"):
        tg.grad(lambda x: tg.sum(tg.real(tll.eig(x)[0])))(x[0])


def test_lapack_reductions_hessenberg_schur_tridiagonal():
    for cplx in (False, True):
        a = gen(2, 4, 4, cplx=cplx)
        h = a + np.conj(np.swapaxes(a, -1, -2))
        same_outputs(tll.hessenberg(a), jll.hessenberg(a))
        same_outputs(tll.schur(a), jll.schur(a))
        same_outputs(tll.schur(a, compute_schur_vectors=False), jll.schur(a, compute_schur_vectors=False))
        for lower in (True, False):
            same_outputs(tll.tridiagonal(h, lower=lower), jll.tridiagonal(h, lower=lower))
    a = gen(3, 3)
    for f in (tll.hessenberg, tll.schur, tll.tridiagonal):
        with pytest.raises(NotImplementedError, match="no derivative"):
            tg.grad(lambda x: tg.sum(f(x)[0]))(a)
    t, z = tg.jit(tll.schur)(a)
    same_outputs([t, z], jll.schur(a))


# ---- LU ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape,cplx", [((2, 4, 4), False), ((4, 4), True), ((5, 3), False),
                                        ((3, 5), True)])
def test_lu(shape, cplx):
    x = gen(*shape, cplx=cplx)
    same_outputs(tll.lu(x), jll.lu(x))
    same_grads(tll.lu, jll.lu, (x,))
    piv = np.array([[2, 2, 3], [1, 3, 2]], np.int32)
    same_outputs(tll.lu_pivots_to_permutation(piv, 5), jll.lu_pivots_to_permutation(piv, 5))


# ---- QR, SVD, polar --------------------------------------------------------------------------
def per_matrix(f):
    """``f`` on each matrix of a batch, results stacked (JAX's batched derivative of a tall QR
    with full_matrices=True fails in its triangular_solve)."""
    def g(x):
        if x.ndim == 2:
            return f(x)
        outs = [f(m) for m in x]
        return type(outs[0])(jnp.stack(parts) for parts in zip(*outs))
    return g


@pytest.mark.parametrize("shape,cplx", [((2, 5, 3), False), ((5, 3), True), ((3, 5), False),
                                        ((4, 4), True)])
def test_qr(shape, cplx):
    x = gen(*shape, cplx=cplx)
    for full in (True, False):
        for piv in (False, True):
            kw = dict(full_matrices=full, pivoting=piv)
            same_outputs(tll.qr(x, **kw), jll.qr(x, **kw))
            ref = per_matrix(lambda x: jll.qr(x, **kw))
            if piv:  # QR of the columns in the fixed pivot order (JAX's own derivative of a wide
                # pivoted QR reads the unpermuted columns: wrong, finite differences show)
                p = np.asarray(jll.qr(x, pivoting=True)[2])
                plain = per_matrix(lambda x: jll.qr(x, full_matrices=full))
                ref = lambda x: (*plain(jnp.take_along_axis(x, p[..., None, :], -1)), p)  # noqa: E731
            same_grads(lambda x: tll.qr(x, **kw), ref, (x,), rtol=1e-6)
    if shape == (3, 5):
        t, eps = gen(*shape), 1e-6
        f = lambda x: tll.qr(x, pivoting=True)[1]  # noqa: E731
        fd = (f(x + eps * t) - f(x - eps * t)) / (2 * eps)
        close(tg.jvp(f, (x,), (t,))[1], fd, rtol=1e-6, atol=1e-8)


def test_qr_square_q_of_a_tall_matrix_under_jit_and_jvp():
    x, t = gen(5, 2), gen(5, 2)
    same_outputs(tg.jit(tll.qr)(x), jll.qr(x))
    for g, w in zip(tg.jvp(tll.qr, (x,), (t,))[1], jax.jvp(jll.qr, (x,), (t,))[1]):
        close(g, w)


@pytest.mark.parametrize("shape,cplx", [((2, 4, 3), False), ((3, 4), True), ((4, 4), False)])
def test_svd(shape, cplx):
    x = gen(*shape, cplx=cplx)
    for full in (True, False):
        same_outputs(tll.svd(x, full_matrices=full), jll.svd(x, full_matrices=full))
    same_outputs(tll.svd(x, compute_uv=False), jll.svd(x, compute_uv=False))
    same_grads(lambda x: tll.svd(x, compute_uv=False), lambda x: jll.svd(x, compute_uv=False), (x,))
    square = shape[-1] == shape[-2]  # (JAX has no derivative for the square U of a tall x)
    f = lambda lin: lambda x: lin.svd(x, full_matrices=square)  # noqa: E731
    if cplx:  # the phases of u and v are not unique: a loss that does not see them
        gauge_free = lambda svd: lambda x: (lambda u, s, vh: (s, u @ vh))(*svd(x))  # noqa: E731
        same_grads(gauge_free(f(tll)), gauge_free(f(jll)), (x,), rtol=1e-6)
    else:
        same_grads(f(tll), f(jll), (x,), rtol=1e-6)
    u, s, vh = tll.svd(x, full_matrices=False, subset_by_index=(1, 3))
    ju, js, jvh = jll.svd(x, full_matrices=False)
    close(u, ju[..., 1:3])
    close(s, js[..., 1:3])
    close(vh, jvh[..., 1:3, :])


@pytest.mark.parametrize("cplx", [False, True])
def test_qdwh(cplx):
    x = gen(5, 3, cplx=cplx)
    u, h, iters, ok = tll.qdwh(x)
    ju, jh, _, jok = jll.qdwh(x)
    close(u, ju, rtol=1e-8)
    close(h, jh, rtol=1e-8)
    assert iters == 0 and ok and jok
    t = gen(5, 3, cplx=cplx)
    polar = lambda x: jax.scipy.linalg.polar(x, method="svd")  # noqa: E731  (JAX's qdwh: forward mode only)
    for g, w in zip(tg.jvp(lambda x: tll.qdwh(x)[:2], (x,), (t,))[1], jax.jvp(polar, (x,), (t,))[1]):
        close(g, w, rtol=1e-7)


# ---- products and the Householder machinery -----------------------------------------------------
def test_symmetric_product():
    a, c = gen(2, 4, 3), gen(2, 4, 4)
    for sym in (False, True):
        kw = dict(alpha=1.5, beta=-0.5, symmetrize_output=sym)
        same_outputs(tll.symmetric_product(a, c, **kw), jll.symmetric_product(a, c, **kw))

        def ref(a, c):
            out = 1.5 * a @ jnp.swapaxes(a, -1, -2) - 0.5 * c
            return jnp.tril(out) + jnp.swapaxes(jnp.tril(out, -1), -1, -2) if sym else out
        same_grads(lambda a, c: tll.symmetric_product(a, c, **kw), ref, (a, c), argnums=(0, 1))


def _jnp_q(a, taus):
    """The square Q = H₀ H₁ … of the reflectors, formed explicitly (a reference)."""
    m, k = a.shape[-2], taus.shape[-1]
    v = jnp.tril(a[..., :, :k], -1) + jnp.eye(m, k)
    q = jnp.broadcast_to(jnp.eye(m, dtype=jnp.result_type(a, taus)), a.shape[:-2] + (m, m))
    for i in range(k):
        vi = v[..., :, i:i + 1]
        q = q - (q @ vi) * taus[..., i, None, None] @ jnp.conj(jnp.swapaxes(vi, -1, -2))
    return q


@pytest.mark.parametrize("cplx", [False, True])
def test_householder_product_and_ormqr(cplx):
    x = gen(2, 5, 3, cplx=cplx)
    h, taus = jnp.linalg.qr(x, mode="raw")
    h, taus = np.asarray(jnp.swapaxes(h, -1, -2)), np.asarray(taus)
    same_outputs(tll.householder_product(h, taus), jll.householder_product(h, taus))
    same_grads(tll.householder_product, lambda a, t: _jnp_q(a, t)[..., :, :3], (h, taus), argnums=(0, 1))
    mH = lambda q: jnp.conj(jnp.swapaxes(q, -1, -2))  # noqa: E731
    for left in (True, False):
        for tr in (False, True):
            c = gen(2, 5, 4, cplx=cplx) if left else gen(2, 4, 5, cplx=cplx)
            kw = dict(left=left, transpose=tr)
            same_outputs(tll.ormqr(h, taus, c, **kw), jll.ormqr(h, taus, c, **kw))

            def ref(a, t, c):
                q = mH(_jnp_q(a, t)) if tr else _jnp_q(a, t)
                return q @ c if left else c @ q
            same_grads(lambda a, t, c: tll.ormqr(a, t, c, **kw), ref, (h, taus, c), argnums=(0, 1, 2))


# ---- tridiagonal solve ---------------------------------------------------------------------------
@pytest.mark.parametrize("cplx", [False, True])
def test_tridiagonal_solve(cplx):
    dl, du, b = gen(2, 5, cplx=cplx), gen(2, 5, cplx=cplx), gen(2, 5, 3, cplx=cplx)
    d = gen(2, 5, cplx=cplx) + 5.0
    same_outputs(tll.tridiagonal_solve(dl, d, du, b), jll.tridiagonal_solve(dl, d, du, b))
    same_grads(tll.tridiagonal_solve, jll.tridiagonal_solve, (dl, d, du, b), argnums=(0, 1, 2, 3))


# ---- transforms ------------------------------------------------------------------------------
def test_jit_and_vmap():
    x = hpd(3, 4, 4)
    close(tg.vmap(tll.cholesky)(x), tll.cholesky(x))
    g = tg.jit(tg.grad(lambda x: tg.sum(tll.eigh(x)[1] * np.arange(4.0))))(x[0])
    close(g, jax.grad(lambda x: jnp.sum(jll.eigh(x)[1] * np.arange(4.0)))(x[0]))
    lu, piv, perm = tg.jit(tll.lu)(x[0])
    same_outputs([lu, piv, perm], jll.lu(x[0]))
    tall, w = gen(5, 3), gen(5, 5)                 # the square Q's derivative, traced in a plan
    g = tg.jit(tg.grad(lambda x: tg.sum(w * tll.qr(x)[0])))(tall)
    close(g, jax.grad(lambda x: jnp.sum(w * jll.qr(x)[0]))(tall))


def test_second_derivatives_of_svd_run_under_jit():
    # the SVD's VJP decides which singular values are zero on the values seen while tracing,
    # and each replay checks that decision again
    a = np.random.default_rng(0).normal(size=(4, 3))

    def uses(m):
        def f(x):
            u, s, _ = m.linalg.svd(x, full_matrices=False)
            return m.sum(m.sin(s)) + m.sum(u[:, 0] ** 3)
        return f
    f = uses(tg)
    for x in (a, a + 0.1):
        want = np.asarray(jax.hessian(uses(jnp))(x))
        np.testing.assert_allclose(tg.jit(tg.hessian(f))(x), want, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(tg.jit(tg.jacfwd(tg.grad(f)))(x), want, rtol=1e-10, atol=1e-12)
    hess = tg.jit(tg.hessian(f))
    hess(a)
    low = a.copy()
    low[:, 2] = low[:, 0]  # rank 2: a zero singular value whose vectors the loss uses
    with pytest.raises(np.linalg.LinAlgError):
        hess(low)
    with pytest.raises(np.linalg.LinAlgError):
        tg.hessian(f)(low)
