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


def _fd_grad(f, a, eps=1e-6):
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[i] = eps
        g[i] = (f(a + e) - f(a - e)) / (2 * eps)
    return g


@pytest.mark.parametrize("side,shape", [("right", (3, 3)), ("left", (3, 3)), ("right", (4, 3)), ("left", (3, 4))])
def test_polar_differentiates_at_repeated_singular_values(side, shape):
    rng = np.random.default_rng(1)
    k = shape[1] if side == "right" else shape[0]
    w_p, w_u = rng.normal(size=(k, k)), rng.normal(size=shape)

    def loss(a):
        u, p = tg.scipy.linalg.polar(a, side)
        return tg.sum(u * w_u) + tg.sum(p * w_p)
    q = np.linalg.qr(rng.normal(size=(max(shape),) * 2))[0][:shape[0], :shape[1]]  # all σ = 1
    g = tg.grad(loss)(q)
    assert np.allclose(g, _fd_grad(lambda a: float(loss(a)), q), atol=1e-7)
    a = rng.normal(size=shape)
    u, p = tg.scipy.linalg.polar(a, side)
    uu, pp = sl.polar(a, side)
    assert np.allclose(u, uu, atol=1e-14) and np.allclose(p, pp, atol=1e-14)
    t = rng.normal(size=shape)
    jv = tg.jvp(loss, (q,), (t,))[1]
    assert np.isclose(jv, np.sum(g * t))
    hv = tg.jvp(tg.grad(loss), (q,), (t,))[1]
    assert np.allclose(hv, (tg.grad(loss)(q + 1e-6 * t) - tg.grad(loss)(q - 1e-6 * t)) / 2e-6, atol=1e-6)
