"""tg.scipy.linalg on complex matrices: values against SciPy and jax.scipy, gradients
(JAX's convention: ∂L/∂x − i ∂L/∂y) against jax.grad, tangents against jax.jvp, and, where
JAX cannot differentiate (solve_sylvester, polar), gradients against central differences."""
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
import scipy.linalg as sl

import tensorgrad as tg

tsl = tg.scipy.linalg
RNG = np.random.default_rng(5)


def cx(*shape):
    return RNG.normal(size=shape) + 1j * RNG.normal(size=shape)


A = cx(3, 3) + 3 * np.eye(3)
B = cx(3, 3) - 3 * np.eye(3)
T = np.triu(A)
H = A @ A.conj().T + np.eye(3)            # Hermitian positive definite
Lc = np.linalg.cholesky(H)
b3, B32, v4, v3 = cx(3), cx(3, 2), cx(4), cx(3)

CASES = {
    "solve_triangular": (lambda m, a, b: m.solve_triangular(a, b), (T, b3)),
    "solve_triangular lower T": (lambda m, a, b: m.solve_triangular(a, b, lower=True, trans="T"),
                                 (T.T, B32)),
    "solve_triangular C": (lambda m, a, b: m.solve_triangular(a, b, trans="C"), (T, B32)),
    "solve_triangular 2 unit": (lambda m, a, b: m.solve_triangular(
        a, b, trans=2, unit_diagonal=True, lower=True), (A, b3)),
    "cho_solve lower": (lambda m, c, b: m.cho_solve((c, True), b), (Lc, b3)),
    "cho_solve upper": (lambda m, c, b: m.cho_solve((c, False), b), (Lc.conj().T, B32)),
    "expm": (lambda m, a: m.expm(a), (0.3 * A,)),
    "expm_frechet": (lambda m, a, e: m.expm_frechet(a, e, compute_expm=False), (0.3 * A, B)),
    "lu": (lambda m, a: m.lu(a), (A,)),
    "lu tall": (lambda m, a: m.lu(a), (cx(4, 3),)),
    "lu_factor": (lambda m, a: m.lu_factor(a)[0], (A,)),
    "lu_solve": (lambda m, a, b: m.lu_solve(m.lu_factor(a), b), (A, b3)),
    "lu_solve T": (lambda m, a, b: m.lu_solve(m.lu_factor(a), b, trans=1), (A, B32)),
    "lu_solve H": (lambda m, a, b: m.lu_solve(m.lu_factor(a), b, trans=2), (A, b3)),
    "toeplitz": (lambda m, c: m.toeplitz(c), (v4,)),
    "toeplitz r": (lambda m, c, r: m.toeplitz(c, r), (v4, v3)),
    "hankel": (lambda m, c, r: m.hankel(c, r), (v4, v3)),
    "circulant": (lambda m, c: m.circulant(c), (v4,)),
    "companion": (lambda m, c: m.companion(c), (v4,)),
}
WEIGHTS: dict = {}


def _tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _loss(lib, fun, name):
    """A real loss: Σ Re(w · out) over the outputs, with weights fixed per case."""
    def loss(*xs):
        total = 0.0
        for k, o in enumerate(_tuple(fun(*xs))):
            w = WEIGHTS.setdefault((name, k), cx(*o.shape))
            total = total + lib.sum(lib.real(o * w))
        return total
    return loss


@pytest.mark.parametrize("name", sorted(CASES))
def test_complex_values_gradients_and_tangents_match_jax(name):
    f, args = CASES[name]
    jargs = tuple(map(jnp.asarray, args))
    for x, y in zip(_tuple(f(tsl, *args)), _tuple(f(jsl, *jargs))):
        assert np.asarray(x).dtype == np.asarray(y).dtype
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-10, atol=1e-12)
    argnums = tuple(range(len(args)))
    ours = tg.grad(_loss(tg, lambda *xs: f(tsl, *xs), name), argnums=argnums)(*args)
    theirs = jax.grad(_loss(jnp, lambda *xs: f(jsl, *xs), name), argnums=argnums)(*jargs)
    for x, y in zip(ours, theirs):
        assert np.iscomplexobj(x)
        np.testing.assert_allclose(x, np.asarray(y), rtol=1e-9, atol=1e-10)
    tangents = tuple(cx(*np.shape(a)) for a in args)
    _, ours = tg.jvp(lambda *xs: f(tsl, *xs), args, tangents)
    _, theirs = jax.jvp(lambda *xs: f(jsl, *xs), jargs, tuple(map(jnp.asarray, tangents)))
    for x, y in zip(_tuple(ours), _tuple(theirs)):
        np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=1e-9, atol=1e-10)


def test_hermitian_toeplitz_and_real_permutation_as_scipy():
    # without r, a complex c gives the Hermitian Toeplitz matrix (r = conj(c))
    np.testing.assert_array_equal(tsl.toeplitz(v4), sl.toeplitz(v4))
    t = tsl.toeplitz(v4)
    np.testing.assert_array_equal(t[0, 1:], np.conj(v4[1:]))
    p, _, _ = tsl.lu(A)
    assert p.dtype == np.float64 == sl.lu(A)[0].dtype
    # the pivot is LAPACK's: the largest |Re| + |Im| (not the largest modulus)
    m = np.array([[0.9 + 0.9j, 1.0], [1.2 + 0.0j, 2.0]])  # |.|: 1.27 > 1.2; |Re|+|Im|: 1.8 > 1.2
    for x, y in zip(tsl.lu(m), sl.lu(m)):
        np.testing.assert_allclose(np.asarray(x), y, rtol=1e-14)


def _central_gradient(loss, args, i, h=1e-6):
    """∂L/∂x − i ∂L/∂y of a real loss, entry by entry, by central differences."""
    x = args[i]
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        for step, part in ((h, 1.0), (1j * h, -1j)):
            up, down = list(args), list(args)
            up[i], down[i] = x.copy(), x.copy()
            up[i][idx] += step
            down[i][idx] -= step
            g[idx] += part * (float(loss(*up)) - float(loss(*down))) / (2 * h)
    return g


@pytest.mark.parametrize("name, f, args", [
    ("solve_sylvester", lambda a, b, c: tsl.solve_sylvester(a, b, c), (A, B, cx(3, 3))),
    ("polar", lambda a: tsl.polar(a), (cx(3, 2),)),
    ("polar left", lambda a: tsl.polar(a, side="left"), (cx(2, 3),)),
])
def test_complex_gradients_jax_cannot_take_match_differences(name, f, args):
    ref = {"solve_sylvester": lambda: sl.solve_sylvester(*args),
           "polar": lambda: sl.polar(args[0]),
           "polar left": lambda: sl.polar(args[0], side="left")}[name]()
    for x, y in zip(_tuple(f(*args)), _tuple(ref)):
        np.testing.assert_allclose(np.asarray(x), y, rtol=1e-10, atol=1e-12)
    loss = _loss(tg, f, name)
    grads = tg.grad(loss, argnums=tuple(range(len(args))))(*args)
    for i, g in enumerate(grads):
        np.testing.assert_allclose(g, _central_gradient(loss, args, i), rtol=1e-6, atol=1e-7)


def test_complex_extras_match_scipy():
    a, c, r = cx(4, 3), cx(3, 2), cx(5, 4)
    np.testing.assert_allclose(tsl.fiedler_companion(v4), sl.fiedler_companion(v4), rtol=1e-14)
    np.testing.assert_allclose(tsl.convolution_matrix(v4, 3), sl.convolution_matrix(v4, 3))
    for mode, other in (("left", c), ("right", r)):
        for conjugate in (False, True):
            ours = tsl.qr_multiply(a, other, mode=mode, conjugate=conjugate)
            theirs = sl.qr_multiply(a, other, mode=mode, conjugate=conjugate)
            for x, y in zip(ours, theirs):
                np.testing.assert_allclose(np.asarray(x), y, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("assume_a", ["sym", "her", "pos"])
@pytest.mark.parametrize("lower", [True, False])
def test_solve_reads_one_triangle_of_a_complex_matrix_as_scipy(assume_a, lower):
    # 'sym' is complex symmetric (no conjugate), 'her' and 'pos' Hermitian; the other
    # triangle is ignored
    junk = np.triu(cx(3, 3), 1)
    m = np.tril(H) + junk if lower else np.triu(H) + junk.T
    ours = tsl.solve(m, b3, assume_a=assume_a, lower=lower)
    np.testing.assert_allclose(ours, sl.solve(m, b3, assume_a=assume_a, lower=lower), rtol=1e-12)
    loss = _loss(tg, lambda a: tsl.solve(a, b3, assume_a=assume_a, lower=lower), "solve " + assume_a)
    np.testing.assert_allclose(tg.grad(loss)(m), _central_gradient(loss, (m,), 0),
                               rtol=1e-6, atol=1e-7)
