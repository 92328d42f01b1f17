"""Ported from SciPy's scipy/linalg/tests/test_matfuncs.py: badly conditioned but
nonsingular matrices have a logarithm and a square root (with derivatives), the sign
function refuses eigenvalues on the imaginary axis, expm_frechet checks its method."""
import numpy as np
import pytest
import scipy.linalg as sl

import tensorgrad as tg

L = tg.scipy.linalg

#: nonsingular, but with a condition number beyond 1/ε: the eigenvalues are on the diagonal
WIDE = {
    "ill-scaled triangular": np.array([[1e-8, 1e8], [0.0, 2e-8]]),
    "diag(1e-9, 1e9)": np.diag([1e-9, 1e9]),
    "[[1, 1e16], [0, 1]]": np.array([[1.0, 1e16], [0.0, 1.0]]),
}


@pytest.mark.parametrize("name", list(WIDE))
def test_logm_and_sqrtm_of_nonsingular_triangular_matrices_match_scipy(name):
    a = WIDE[name]
    want = sl.logm(a)
    np.testing.assert_allclose(L.logm(a), want, rtol=1e-12, atol=1e-12 * np.abs(want).max())
    np.testing.assert_allclose(L.sqrtm(a), sl.sqrtm(a), rtol=1e-12, atol=1e-12 * np.abs(a).max())


def test_sqrtm_derivative_at_a_wide_diagonal_matrix_is_the_exact_one():
    d = np.array([1e-9, 1e9])
    e = np.array([[1.0, 2.0], [3.0, 4.0]])
    got = tg.jvp(L.sqrtm, (np.diag(d),), (e,))[1]
    # the Fréchet derivative of the square root at a diagonal matrix: E_ij / (√d_i + √d_j)
    want = e / (np.sqrt(d)[:, None] + np.sqrt(d)[None, :])
    np.testing.assert_allclose(got, want, rtol=1e-10)
    tg.grad(lambda a: tg.sum(L.sqrtm(a)))(np.diag(d))  # (was refused as singular)


@pytest.mark.parametrize("a", [np.array([[1.0, 2.0], [2.0, 4.0]]), np.diag([0.0, 1.0]), np.zeros((2, 2)),
                               np.array([[0.0, 1.0], [0.0, 0.0]])])
def test_singular_matrices_are_still_refused(a):
    with pytest.raises(np.linalg.LinAlgError, match="singular"):
        L.logm(a)


def _signm_cases():
    q = np.linalg.qr(np.random.default_rng(0).normal(size=(3, 3)))[0]
    rot = np.block([[np.array([[0.0, 1.0], [-1.0, 0.0]]), np.zeros((2, 1))], [np.zeros((1, 2)), np.array([[3.0]])]])
    return {
        # SciPy's test_nils / defective matrix: eigenvalues 3, -2, ±i and 0
        "nils": np.array([[29.2, -24.2, 69.5, 49.8, 7.0], [-9.2, 5.2, -18.0, -16.8, -2.0],
                          [-10.0, 6.0, -20.0, -18.0, -2.0], [-9.6, 9.6, -25.5, -15.4, -2.0],
                          [9.8, -4.8, 18.0, 18.2, 2.0]]),
        "a zero eigenvalue": q @ np.diag([0.0, 1.0, -2.0]) @ q.T,
        "eigenvalues ±i": q @ rot @ q.T,
        "triangular with a 0": np.array([[1.0, 5.0], [0.0, 0.0]]),
    }


@pytest.mark.parametrize("name", list(_signm_cases()))
def test_signm_refuses_eigenvalues_on_the_imaginary_axis(name):
    with pytest.raises(np.linalg.LinAlgError, match="imaginary axis"):
        L.signm(_signm_cases()[name])


def test_signm_still_takes_badly_scaled_and_defective_matrices():
    for a in (np.diag([1e-8, -1e8]), np.array([[1e-8, 1e8], [0.0, -2e-8]]), np.array([[2.0, 1.0], [0.0, 2.0]])):
        s = np.asarray(L.signm(a))
        np.testing.assert_allclose(s @ s, np.eye(2), atol=1e-8)
        np.testing.assert_allclose(np.diag(s), np.sign(np.diag(a)))
    # its derivative's block matrices are defective by construction
    a = np.array([[2.0, 1.0, 0.0], [0.5, -3.0, 1.0], [0.0, 1.0, 4.0]])
    e = np.random.default_rng(1).normal(size=(3, 3))
    h = 1e-6
    fd = (np.asarray(L.signm(a + h * e)) - np.asarray(L.signm(a - h * e))) / (2 * h)
    np.testing.assert_allclose(tg.jvp(L.signm, (a,), (e,))[1], fd, rtol=1e-6, atol=1e-8)


def test_expm_frechet_checks_its_method_and_shape():
    a, e = np.eye(2), np.ones((2, 2))
    for method in (None, "SPS", "blockEnlarge"):
        np.testing.assert_allclose(L.expm_frechet(a, e, method=method, compute_expm=False),
                                   sl.expm_frechet(a, e, method=method, compute_expm=False))
    with pytest.raises(ValueError, match="unknown method"):
        L.expm_frechet(a, e, method="bogus")
    with pytest.raises(np.linalg.LinAlgError, match="expm_frechet"):
        L.expm_frechet(np.ones((2, 3)), np.ones((2, 3)))
