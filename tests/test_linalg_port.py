"""Cases from JAX's linear-algebra tests that tensorgrad got wrong: NumPy's default SVD and QR
modes under tg.jit and tg.vmap, matrix_rank and lstsq under tg.jit, and scipy.linalg's
signatures and pinv cutoff."""
import numpy as np
import pytest
import scipy.linalg as sl

import tensorgrad as tg

RNG = np.random.default_rng(0)
A = RNG.normal(size=(4, 3))


def test_full_svd_and_complete_qr_under_jit_and_vmap():
    for x in (A, RNG.normal(size=(4, 3))):  # the second call replays the plan
        u, s, vt = tg.jit(lambda m: tg.linalg.svd(m))(x)
        assert u.shape == (4, 4) and np.allclose((u[:, :3] * s) @ vt, x)
        q, r = tg.jit(lambda m: tg.linalg.qr(m, mode="complete"))(x)
        assert q.shape == (4, 4) and np.allclose(q @ r, x)
        q, r = tg.jit(tg.scipy.linalg.qr)(x)
        assert np.allclose(q @ r, x)
    batch = np.stack([A, 2 * A])
    s = tg.vmap(lambda m: tg.linalg.svd(m)[1])(batch)
    assert np.allclose(s, np.linalg.svd(batch)[1])
    r = tg.vmap(lambda m: tg.linalg.qr(m, mode="complete")[1])(batch)
    assert np.allclose(np.abs(r), np.abs(np.linalg.qr(batch, mode="complete")[1]))
    with pytest.raises(ValueError, match="full_matrices"):
        tg.grad(lambda m: tg.sum(tg.linalg.svd(m)[0]))(A)


def test_matrix_rank_and_lstsq_under_jit():
    low = A @ np.diag([1., 1., 0.]) @ A.T[:3, :3]  # rank 2
    rank = tg.jit(tg.linalg.matrix_rank)
    assert int(rank(A)) == 3 and int(rank(np.asarray(low))) == np.linalg.matrix_rank(low)
    b = RNG.normal(size=4)
    for x in (A, 3 * A):
        got = tg.jit(lambda m, v: tg.linalg.lstsq(m, v))(x, b)
        want = np.linalg.lstsq(x, b)
        assert np.allclose(got[0], want[0]) and np.allclose(got[1], want[1]) and int(got[2]) == want[2]
    g = tg.jit(tg.grad(lambda m: tg.sum(tg.linalg.lstsq(m, b)[0])))(A)
    assert np.allclose(g, tg.grad(lambda m: tg.sum(tg.linalg.lstsq(m, b)[0]))(A), rtol=1e-12)


def test_scipy_linalg_signatures_and_pinv_cutoff():
    U, _ = np.linalg.qr(RNG.normal(size=(20, 20)))
    V, _ = np.linalg.qr(RNG.normal(size=(20, 20)))
    s = np.ones(20)
    s[-1] = 5e-15  # numerically rank 19 by SciPy's cutoff, full rank by NumPy's
    a = (U * s) @ V.T
    assert np.allclose(tg.scipy.linalg.pinv(a), sl.pinv(a))
    assert tg.scipy.linalg.pinv(a, return_rank=True)[1] == sl.pinv(a, return_rank=True)[1]
    assert np.allclose(tg.scipy.linalg.pinv(a, rtol=1e-3), sl.pinv(a, rtol=1e-3))
    b = a + np.eye(20)
    assert np.allclose(tg.scipy.linalg.inv(b, check_finite=False), sl.inv(b))
    assert np.isclose(tg.scipy.linalg.det(b, overwrite_a=False), sl.det(b))
    assert np.isclose(tg.scipy.linalg.norm(b, check_finite=False), sl.norm(b))
