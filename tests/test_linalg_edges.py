"""Edges of tg.linalg and tg.fft found by comparing with NumPy and JAX: float32 values counted
as repeated, the condition number of a singular matrix, FFT lengths of -1, and names in errors."""
import numpy as np
import pytest

import tensorgrad as tg


def test_symmetric_losses_of_repeated_values_in_float32():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(4, 4)))
    for dt in (np.float32, np.float64):
        A = ((Q * [1.0, 1.0, 2.0, 3.0]) @ Q.T).astype(dt)
        A = (A + A.T) / 2
        for f in (tg.linalg.eigvalsh, tg.linalg.svdvals):
            g = tg.grad(lambda a: tg.sum(f(a) ** 2))(A)  # (a symmetric function of the values)
            assert g.dtype == dt
            # sum(λ²) = ‖A‖²_F for a symmetric A: its gradient is 2A (the lower triangle's
            # share for eigvalsh, which reads one triangle)
            want = 2 * A if f is tg.linalg.svdvals else 2 * (np.tril(A) + np.tril(A, -1))
            np.testing.assert_allclose(g, want, rtol=2e-5 if dt == np.float32 else 1e-12, atol=1e-5)
        _, t = tg.jvp(tg.linalg.eigvalsh, (A,), (np.eye(4, dtype=dt),))  # (no split: I)
        np.testing.assert_allclose(t, np.ones(4), rtol=1e-5)


def test_cond_of_a_singular_or_zero_matrix_is_inf_as_numpy():
    for A in (np.zeros((3, 3)), np.diag([1.0, 2.0, 0.0]), np.zeros((3, 5))):
        for p in (None, 2, -2):
            got = tg.linalg.cond(A, p)  # (no RuntimeWarning: the suite turns them into errors)
            np.testing.assert_array_equal(got, np.linalg.cond(A, p))
    A = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(tg.linalg.cond(A), np.linalg.cond(A), rtol=1e-14)
    s = np.linalg.svd(A, compute_uv=False)
    u, _, vt = np.linalg.svd(A)
    want = (np.outer(u[:, 0], vt[0]) * s[1] - np.outer(u[:, 1], vt[1]) * s[0]) / s[1] ** 2
    np.testing.assert_allclose(tg.grad(tg.linalg.cond)(A), want, rtol=1e-12)


def test_fft_lengths_of_minus_one_and_error_names():
    x = np.random.default_rng(1).normal(size=(4, 6))
    X = np.fft.rfftn(x)
    for name, a, s in [("fftn", x, (-1, 5)), ("ifftn", x, (-1, 8)), ("rfftn", x, (3, -1)),
                       ("irfftn", X, (-1, -1)), ("irfftn", X, (3, 7))]:
        np.testing.assert_allclose(getattr(tg.fft, name)(a, s=s, axes=(0, 1)),
                                   getattr(np.fft, name)(a, s=s, axes=(0, 1)), rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match=r"irfftn: invalid number of FFT data points \(0\)"):
        tg.fft.irfftn(X, s=(0, 3), axes=(0, 1))
    with pytest.raises(TypeError, match="ihfft: needs a real input"):
        tg.fft.ihfft(X)


def _with_singular_values(rng, shape, values):
    *batch, m, n = shape
    out = np.empty(shape)
    for idx in np.ndindex(*batch):
        U, _ = np.linalg.qr(rng.normal(size=(m, m)))
        V, _ = np.linalg.qr(rng.normal(size=(n, n)))
        S = np.zeros((m, n))
        S[range(min(m, n)), range(min(m, n))] = values[:min(m, n)]
        out[idx] = U @ S @ V.T
    return out


def test_pinv_with_a_cutoff_that_drops_nonzero_singular_values():
    # the truncated pseudo-inverse is smooth here (the rank stays 2 nearby); its derivative
    # includes how the kept singular vectors turn (JAX's rule omits it: -0.899 in the first
    # case against the true -1.562)
    rng = np.random.default_rng(0)
    for shape, sv, rtol in [((5, 3), [3, 1, 0.25], 0.1), ((3, 5), [3, 1, 0.25], 0.1),
                            ((2, 4, 3), [2, 0.9, 0.5], 0.3), ((4, 4), [4, 2, 0.7, 0.1], 0.2)]:
        A = _with_singular_values(rng, shape, np.array(sv))
        W = rng.normal(size=shape[:-2] + (shape[-1], shape[-2]))
        D = rng.normal(size=shape)
        f = lambda a: np.sum(np.linalg.pinv(a, rtol=rtol) * W)  # noqa: E731
        step = 1e-6
        fd = (f(A + step * D) - f(A - step * D)) / (2 * step)
        g = tg.grad(lambda a: tg.sum(tg.linalg.pinv(a, rtol=rtol) * W))(A)
        _, t = tg.jvp(lambda a: tg.linalg.pinv(a, rtol=rtol), (A,), (D,))
        np.testing.assert_allclose(np.sum(g * D), fd, rtol=1e-8)
        np.testing.assert_allclose(np.sum(t * W), fd, rtol=1e-8)
        jit_g = tg.jit(tg.grad(lambda a: tg.sum(tg.linalg.pinv(a, rtol=rtol) * W)))(A)
        np.testing.assert_allclose(jit_g, g, rtol=1e-13)
    b = rng.normal(size=5)
    A = _with_singular_values(rng, (5, 3), np.array([3, 1, 0.25]))
    h = lambda a: np.sum(np.linalg.lstsq(a, b, rcond=0.1)[0] ** 2)  # noqa: E731
    fd = (h(A + 1e-6 * np.ones((5, 3))) - h(A - 1e-6 * np.ones((5, 3)))) / 2e-6
    g = tg.grad(lambda a: tg.sum(tg.linalg.lstsq(a, b, rcond=0.1)[0] ** 2))(A)
    np.testing.assert_allclose(np.sum(g), fd, rtol=1e-7)
    # refused where it is not implemented, rather than wrong
    with pytest.raises(NotImplementedError, match="higher-order"):
        tg.hessian(lambda a: tg.sum(tg.linalg.pinv(a, rtol=0.1)))(A)
    with pytest.raises(NotImplementedError, match="complex"):
        tg.grad(lambda a: tg.sum(tg.abs(tg.linalg.pinv(a + 0j, rtol=0.1))))(A)
    # an exact-rank matrix (dropped values zero) keeps the Golub-Pereyra rules at every order
    Z = _with_singular_values(rng, (4, 3), np.array([2.0, 1.0, 0.0]))
    assert tg.hessian(lambda a: tg.sum(tg.linalg.pinv(a)))(Z).shape == (4, 3, 4, 3)


def test_det_gradient_where_det_itself_under_or_overflows():
    # the cofactor matrix det(A)·A⁻ᵀ came from det(A) times the inverse: exactly 0 when
    # det(A) underflows (1e-330 here, while the cofactors 6e-220 are floats) and inf/NaN when
    # it overflows; JAX gives the cofactors
    for scale, want in ((1e-110, np.array([6e-220, 3e-220, 2e-220])), (1e120, np.full(3, 1e240))):
        a = scale * np.diag([1.0, 2.0, 3.0]) if scale < 1 else scale * np.eye(3)
        with np.errstate(over="ignore"):  # (det(1e120·I) is inf, and NumPy's det says so)
            g = tg.grad(tg.linalg.det)(a)
            t = tg.jvp(tg.linalg.det, (a,), (np.eye(3),))[1]
        np.testing.assert_allclose(np.diag(g), want, rtol=1e-12)
        assert np.count_nonzero(g - np.diag(np.diag(g))) == 0
        np.testing.assert_allclose(t, np.sum(want), rtol=1e-12)
    # a singular matrix still takes the SVD route: its adjugate
    s = np.array([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(tg.grad(tg.linalg.det)(s), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
