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
