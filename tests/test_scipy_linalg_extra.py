"""tg.scipy.linalg's hadamard, invhilbert, fiedler, fiedler_companion, convolution_matrix,
qr_multiply, schur, hessenberg and funm: values against SciPy and jax.scipy.linalg,
derivatives against JAX's, tg.jit and tg.vmap, and the errors (with the checks of JAX's
tests/linalg_test.py testSchur, testHessenberg, testQrMultiply(1D) and testFunm ported)."""
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import numpy as np
import pytest
import scipy.linalg as sl

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
tsl = tg.scipy.linalg
RNG = np.random.default_rng(32)


def close(x, y, rtol=1e-12, atol=1e-12):
    np.testing.assert_allclose(np.asarray(x), np.asarray(y), rtol=rtol, atol=atol)


def real_spectrum(n, lo=0.5, hi=3.0, batch=()):
    """Matrices with distinct positive real eigenvalues (funm's real case)."""
    m = RNG.normal(size=batch + (n, n)) + 3 * np.eye(n)
    lam = RNG.uniform(lo, hi, size=batch + (n,))
    return m @ (lam[..., :, None] * np.linalg.inv(m))


def separated_spectrum(rng, n, lo=0.5, hi=3.0, batch=()):
    """Well-conditioned matrices whose real eigenvalues are at least (hi − lo)/(2.5 n) apart,
    so funm's error estimate stays far below its warning threshold of 1000 ε, whatever the
    draw (at most 540 ε in 2,000 draws of the 3 × 4 × 4 batch below)."""
    m = 0.5 * rng.normal(size=batch + (n, n)) + 2 * np.eye(n)
    lam = lo + (hi - lo) / n * (np.arange(n) + rng.uniform(0.2, 0.8, size=batch + (n,)))
    return m @ (lam[..., :, None] * np.linalg.inv(m))


# ---- constant matrices ----------------------------------------------------------------------
def test_hadamard():
    for k in range(5):
        n = 2 ** k
        h = tsl.hadamard(n)
        assert h.dtype == sl.hadamard(n).dtype == np.asarray(jsl.hadamard(n)).dtype
        close(h, sl.hadamard(n), 0, 0)
        close(h @ h.T, n * np.eye(n), 0, 0)
    assert tsl.hadamard(4, dtype=float).dtype == np.float64
    for bad in (0, 3, 6, -4, 2.5):
        with pytest.raises(ValueError, match="hadamard: n must be a positive power of 2"):
            tsl.hadamard(bad)


def test_invhilbert():
    for n in range(0, 18):
        close(tsl.invhilbert(n), sl.invhilbert(n), 1e-14, 0)
        ex, ref = tsl.invhilbert(n, exact=True), sl.invhilbert(n, exact=True)
        assert ex.dtype == ref.dtype and ex.shape == ref.shape and (ex == ref).all()
    for n in (1, 4, 7):
        close(tsl.invhilbert(n), jsl.invhilbert(n), 1e-12, 0)
        close(tsl.invhilbert(n) @ tsl.hilbert(n), np.eye(n), 0, 1e-6)
    with pytest.raises(ValueError, match="invhilbert: n must be a non-negative integer"):
        tsl.invhilbert(-1)


# ---- matrices from a vector: values, batches, derivatives, jit, vmap ------------------------
def test_fiedler():
    a = RNG.normal(size=6)
    close(tsl.fiedler(a), sl.fiedler(a), 0, 0)
    ai = np.array([1, 4, 12, 45, 77])
    f = tsl.fiedler(ai)
    assert np.asarray(f).dtype == sl.fiedler(ai).dtype
    close(f, sl.fiedler(ai), 0, 0)
    b = RNG.normal(size=(2, 3, 5))
    close(tsl.fiedler(b), sl.fiedler(b), 0, 0)
    close(tsl.fiedler(b), jsl.fiedler(b), 0, 0)
    close(tsl.fiedler(2.0), jsl.fiedler(2.0), 0, 0)             # a scalar: 1 × 1
    assert np.shape(tsl.fiedler(np.zeros(0))) == (0, 0)        # as JAX (SciPy gives (0,))
    z = b[0, 0] + 1j * RNG.normal(size=5)                       # complex: |a_i − a_j|, real
    close(tsl.fiedler(z), sl.fiedler(z), 0, 0)
    with pytest.raises(TypeError, match="fiedler: a must be a real or complex array"):
        tsl.fiedler(np.array(["a", "b"]))


def test_fiedler_companion():
    for k in range(2, 9):
        a = RNG.normal(size=k) + np.r_[2.0, np.zeros(k - 1)]
        close(tsl.fiedler_companion(a), sl.fiedler_companion(a), 0, 0)
        ev = np.sort_complex(np.linalg.eigvals(np.asarray(tsl.fiedler_companion(a))))
        close(ev, np.sort_complex(np.roots(a)), 1e-8, 1e-8)
    assert np.shape(tsl.fiedler_companion([2.0])) == (0, 0)
    close(tsl.fiedler_companion([1, 2, 3, 4, 5, 6]), sl.fiedler_companion([1, 2, 3, 4, 5, 6]), 0, 0)
    b = RNG.normal(size=(2, 3, 6)) + 4 * (np.arange(6) == 0)
    close(tsl.fiedler_companion(b), jsl.fiedler_companion(b), 1e-15, 1e-15)
    close(tsl.fiedler_companion(b), sl.fiedler_companion(b), 1e-15, 1e-15)
    with pytest.raises(ValueError, match="fiedler_companion: a must have at least one entry"):
        tsl.fiedler_companion(np.zeros(0))
    with pytest.raises(ValueError, match="fiedler_companion: the leading coefficient"):
        tsl.fiedler_companion([0.0, 1.0, 2.0])


@pytest.mark.parametrize("mode", ["full", "same", "valid"])
def test_convolution_matrix(mode):
    for m in range(1, 6):
        for n in range(1, 7):
            a = RNG.normal(size=m)
            A = tsl.convolution_matrix(a, n, mode)
            close(A, sl.convolution_matrix(a, n, mode), 0, 0)
            v = RNG.normal(size=n)
            close(np.asarray(A) @ v, np.convolve(a, v, mode), 1e-12)
    b = RNG.normal(size=(2, 3, 4))
    close(tsl.convolution_matrix(b, 5, mode), jsl.convolution_matrix(b, 5, mode), 0, 0)
    close(tsl.convolution_matrix(b, 5, mode), sl.convolution_matrix(b, 5, mode), 0, 0)
    ai = np.array([1, -2, 3])
    assert np.asarray(tsl.convolution_matrix(ai, 4, mode)).dtype == \
        np.asarray(jsl.convolution_matrix(ai, 4, mode)).dtype


def test_convolution_matrix_errors():
    with pytest.raises(ValueError, match="convolution_matrix: n must be a positive integer"):
        tsl.convolution_matrix([1.0, 2.0], 0)
    with pytest.raises(ValueError, match="convolution_matrix: mode must be"):
        tsl.convolution_matrix([1.0, 2.0], 3, "wrap")
    with pytest.raises(ValueError, match="convolution_matrix: a must have at least one entry"):
        tsl.convolution_matrix(np.zeros(0), 3)
    with pytest.raises(ValueError, match="convolution_matrix: a must have at least one entry"):
        tsl.convolution_matrix(1.0, 3)


VEC_FUNCS = [
    ("fiedler", lambda m: m.fiedler, lambda: RNG.normal(size=(2, 5))),
    ("fiedler_companion", lambda m: m.fiedler_companion,
     lambda: RNG.normal(size=(2, 6)) + 3 * (np.arange(6) == 0)),
    ("convolution_matrix_full", lambda m: lambda a: m.convolution_matrix(a, 4),
     lambda: RNG.normal(size=(2, 3))),
    ("convolution_matrix_same", lambda m: lambda a: m.convolution_matrix(a, 5, "same"),
     lambda: RNG.normal(size=(2, 3))),
    ("convolution_matrix_valid", lambda m: lambda a: m.convolution_matrix(a, 2, "valid"),
     lambda: RNG.normal(size=(2, 4))),
]


@pytest.mark.parametrize("name,get,make", VEC_FUNCS, ids=[v[0] for v in VEC_FUNCS])
def test_vector_matrices_derivatives_jit_vmap(name, get, make):
    f, fj = get(tsl), get(jsl)
    a = make()
    w = RNG.normal(size=np.shape(fj(a)))
    t = RNG.normal(size=a.shape)
    loss = lambda x: tg.sum(tg.sin(f(x)) * w)                  # noqa: E731
    loss_j = lambda x: jnp.sum(jnp.sin(fj(x)) * w)             # noqa: E731

    @jax.jit
    def refs(a, t):  # JAX's values in one compile
        return (jax.grad(loss_j)(a), jax.jacrev(fj)(a[0]), jax.jvp(fj, (a,), (t,)),
                jax.vmap(fj)(a), jax.hessian(lambda x: jnp.sum(fj(x) ** 2))(a[0]))
    g_j, jac_j, (out_j, tan_j), vm_j, hess_j = refs(a, t)
    close(tg.grad(loss)(a), g_j)
    close(tg.jacrev(f)(a[0]), jac_j)
    out, tan = tg.jvp(f, (a,), (t,))
    close(out, out_j, 1e-15, 1e-15)
    close(tan, tan_j)
    close(tg.jit(f)(a), out_j, 1e-15, 1e-15)
    close(tg.vmap(f)(a), vm_j, 1e-15, 1e-15)
    close(tg.hessian(lambda x: tg.sum(f(x) ** 2))(a[0]), hess_j)


# ---- qr_multiply ----------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 3), (4, 4), (6, 4), (3, 6), (3, 6, 4)])
@pytest.mark.parametrize("mode", ["right", "left"])
def test_qr_multiply(shape, mode):  # JAX's testQrMultiply and testQrMultiply1D
    m, n = shape[-2:]
    k = min(m, n)
    a = RNG.normal(size=shape)
    c = RNG.normal(size=shape[:-2] + ((k, 2) if mode == "left" else (2, m)))
    out, r = tsl.qr_multiply(a, c, mode=mode)
    # JAX's own qr_multiply has no derivative (geqrf has no rule): compare with its qr + matmul
    def ref(a, c):
        q, rr = jsl.qr(a, mode="economic")
        return (q @ c if mode == "left" else c @ q), rr
    wo, wr = RNG.normal(size=np.shape(out)), RNG.normal(size=np.shape(r))
    loss_j = lambda a, c: jnp.sum(jnp.sin(ref(a, c)[0]) * wo) + jnp.sum(ref(a, c)[1] ** 2 * wr)  # noqa

    @jax.jit
    def refs(a, c):  # JAX's values in one compile
        return (jsl.qr_multiply(a, c, mode=mode), jsl.qr(a), jax.grad(loss_j, argnums=(0, 1))(a, c))
    (out_j, r_j), (q_full, r_full), grads_j = refs(a, c)
    close(out, out_j)
    close(r, r_j)
    close(r, r_full[..., :k, :])
    close(out, q_full[..., :k] @ c if mode == "left" else c @ q_full[..., :k])
    if len(shape) == 2:
        out_s, r_s = sl.qr_multiply(a, c, mode=mode)
        close(out, out_s)
        close(r, r_s)
        c1 = RNG.normal(size=k if mode == "left" else m)
        o1, _ = tsl.qr_multiply(a, c1, mode=mode)
        assert np.ndim(o1) == 1
        close(o1, jsl.qr_multiply(a, c1, mode=mode)[0])
        close(o1, sl.qr_multiply(a, c1, mode=mode)[0])
    f = lambda a, c: tsl.qr_multiply(a, c, mode=mode)          # noqa: E731
    close(tg.jit(f)(a, c)[0], out_j)
    close(tg.vmap(f)(a[None], c[None])[0][0], out_j)
    loss = lambda a, c: tg.sum(tg.sin(f(a, c)[0]) * wo) + tg.sum(f(a, c)[1] ** 2 * wr)  # noqa
    for g, gj in zip(tg.grad(loss, argnums=(0, 1))(a, c), grads_j):
        close(g, gj, 1e-10, 1e-10)


def test_qr_multiply_broadcast_and_errors():
    a, c = RNG.normal(size=(3, 5, 4)), RNG.normal(size=(2, 5))
    out, r = tsl.qr_multiply(a, c)
    out_j, r_j = jsl.qr_multiply(a, c)
    close(out, out_j)
    close(r, r_j)
    with pytest.raises(ValueError, match="qr_multiply: mode must be"):
        tsl.qr_multiply(a[0], c, mode="up")
    with pytest.raises(NotImplementedError, match="qr_multiply: pivoting=True"):
        tsl.qr_multiply(a[0], c, pivoting=True)
    with pytest.raises(ValueError, match="qr_multiply: for c @ Q, c needs 5 columns"):
        tsl.qr_multiply(a[0], np.ones((2, 4)))
    with pytest.raises(ValueError, match="qr_multiply: for Q @ c, c needs 4 rows"):
        tsl.qr_multiply(a[0], np.ones((5, 2)), mode="left")
    with pytest.raises(ValueError, match="qr_multiply: a must be a matrix"):
        tsl.qr_multiply(np.ones(3), np.ones(3))


# ---- schur and hessenberg -------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 4), (15, 15), (50, 50), (3, 6, 6)])
def test_schur(shape):  # JAX's testSchur (float64), with a batch
    a = RNG.normal(size=shape)
    T, Z = tsl.schur(a)
    T_j, Z_j = jsl.schur(a)
    close(T, T_j, 1e-12, 1e-12)
    close(Z, Z_j, 1e-12, 1e-12)
    ref = [sl.schur(x) for x in a.reshape((-1,) + shape[-2:])]
    close(np.reshape(T, (-1,) + shape[-2:]), [t for t, _ in ref], 0, 0)
    close(np.reshape(Z, (-1,) + shape[-2:]), [z for _, z in ref], 0, 0)
    close(np.asarray(Z) @ np.asarray(T) @ np.swapaxes(Z, -1, -2), a, 1e-10, 1e-10)
    Tj, Zj = tg.jit(tsl.schur)(a)
    close(Tj, T, 0, 0)
    close(Zj, Z, 0, 0)
    if len(shape) == 3:
        Tv, Zv = tg.vmap(tsl.schur)(a)
        close(Tv, jax.vmap(jsl.schur)(a)[0], 1e-12, 1e-12)
        close(Zv, Z, 0, 0)


def test_schur_options_and_errors():
    a = RNG.normal(size=(5, 5))
    for sort in ("lhp", "rhp", "iuc", "ouc", lambda re, im: re > 0):
        T, Z, k = tsl.schur(a, sort=sort)
        T_s, Z_s, k_s = sl.schur(a, sort=sort)
        close(T, T_s, 0, 0)
        close(Z, Z_s, 0, 0)
        assert int(k) == k_s
    a32 = a.astype(np.float32)
    assert np.asarray(tsl.schur(a32)[0]).dtype == sl.schur(a32)[0].dtype == np.float32
    close(tsl.schur(np.arange(9).reshape(3, 3))[0], sl.schur(np.arange(9).reshape(3, 3))[0], 0, 0)
    with pytest.raises(NotImplementedError, match="schur: output='complex' is not supported"):
        tsl.schur(a, output="complex")
    with pytest.raises(ValueError, match="schur: output must be"):
        tsl.schur(a, output="imag")
    with pytest.raises(ValueError, match="schur: a must be a square matrix"):
        tsl.schur(np.ones((2, 3)))
    with pytest.raises(TypeError, match="schur: a must be a real array"):
        tsl.schur(np.eye(2, dtype=complex))
    with pytest.raises(NotImplementedError, match="schur: no derivative in a"):
        tg.grad(lambda x: tg.sum(tsl.schur(x)[0]))(a)
    with pytest.raises(NotImplementedError, match="schur: no derivative in a"):
        tg.jvp(lambda x: tsl.schur(x)[1], (a,), (a,))
    T, _ = tsl.schur(tg.stop_gradient(a))
    close(T, sl.schur(a)[0], 0, 0)


@pytest.mark.parametrize("shape", [(1, 1), (2, 4, 4), (0, 100, 100), (10, 10)])
@pytest.mark.parametrize("calc_q", [False, True])
def test_hessenberg(shape, calc_q):  # JAX's testHessenberg (float64)
    a = RNG.normal(size=shape)
    out = tsl.hessenberg(a, calc_q=calc_q)
    out_j = jsl.hessenberg(a, calc_q=calc_q)
    sp = np.vectorize(lambda x: sl.hessenberg(x, calc_q=calc_q),
                      signature="(n,n)->(n,n),(n,n)" if calc_q else "(n,n)->(n,n)",
                      otypes=(float, float) if calc_q else (float,))
    for x, y, z in zip(*(o if calc_q else (o,) for o in (out, out_j, sp(a)))):
        close(x, y, 1e-12, 1e-12)
        close(x, z, 0, 0)
    f = lambda x: tsl.hessenberg(x, calc_q=calc_q)             # noqa: E731
    for x, y in zip(*(o if calc_q else (o,) for o in (tg.jit(f)(a), out))):
        close(x, y, 0, 0)
    if len(shape) == 3:
        for x, y in zip(*(o if calc_q else (o,) for o in (tg.vmap(f)(a), out))):
            close(x, y, 0, 0)
    if calc_q and shape[-1]:
        H, Q = out
        close(np.asarray(Q) @ np.asarray(H) @ np.swapaxes(Q, -1, -2), a, 1e-10, 1e-10)


def test_hessenberg_errors():
    with pytest.raises(ValueError, match="hessenberg: a must be a square matrix"):
        tsl.hessenberg(np.ones(3))
    with pytest.raises(NotImplementedError, match="hessenberg: no derivative in a"):
        tg.grad(lambda x: tg.sum(tsl.hessenberg(x)))(np.eye(3) + 1.0)


# ---- funm -----------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:scipy.linalg.funm. the result may be inaccurate:RuntimeWarning")
@pytest.mark.parametrize("n,disp", [(1, False), (5, True), (20, False), (50, True)])
def test_funm(n, disp):  # JAX's testFunm (func x ** -2.718), on matrices with real eigenvalues
    func = lambda x: x ** -2.718                               # noqa: E731
    a = real_spectrum(n)
    out = tsl.funm(a, func, disp=disp)
    out_s = sl.funm(a, func, disp=disp)
    out_j = jax.jit(lambda x: jsl.funm(x, func, disp=disp))(a)
    F, F_s, F_j = (o if disp else o[0] for o in (out, out_s, out_j))
    scale = np.abs(F_s).max()
    close(F, F_s, 1e-9, 1e-12 * scale)
    close(F, np.real(F_j), 1e-9, 1e-12 * scale)
    if not disp:
        close(out[1], out_s[1], 1e-6, 0)
        close(out[1], out_j[1], 1e-6, 0)
    jit_out = tg.jit(lambda x: tsl.funm(x, lambda v: v ** -2.718, disp=disp))(a)
    close(jit_out if disp else jit_out[0], F, 1e-12, 1e-12 * scale)


def test_funm_known_functions_batch_vmap_and_derivatives():
    # its own generator: the matrices must not depend on which tests ran before in this worker
    # (a draw with two close eigenvalues makes funm warn, as SciPy's disp=True prints)
    a = separated_spectrum(np.random.default_rng(3), 4, batch=(3,))
    close(tsl.funm(a, np.exp), sl.funm(a, np.exp), 1e-11, 1e-12)
    close(tsl.funm(a, tg.exp), [sl.expm(x) for x in a], 1e-10, 1e-11)
    close(tsl.funm(a, tg.sqrt), [sl.sqrtm(x) for x in a], 1e-10, 1e-11)
    close(tg.vmap(lambda x: tsl.funm(x, tg.log))(a), [sl.logm(x) for x in a], 1e-10, 1e-11)
    # a derivative through func (JAX's semantics: A's Schur form is constant)
    w = RNG.normal(size=(4, 4))
    g = tg.grad(lambda s: tg.sum(tsl.funm(a[0], lambda x: x ** s) * w))(1.5)
    # (JAX's funm loops with fori_loop: only forward mode differentiates through it)
    g_j = jax.jvp(lambda s: jnp.sum(jnp.real(jsl.funm(a[0], lambda x: x ** s)) * w), (1.5,), (1.0,))[1]
    close(g, g_j, 1e-9, 1e-12)
    with pytest.raises(NotImplementedError, match="funm: no derivative in a"):
        tg.grad(lambda x: tg.sum(tsl.funm(x, tg.exp)))(a[0])


def test_funm_errors():
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="funm: A has complex eigenvalues"):
        tsl.funm(rot, np.exp)
    with pytest.raises(ValueError, match="funm: a must be a square matrix"):
        tsl.funm(np.ones((2, 3)), np.exp)
    with pytest.raises(TypeError, match="funm: func must be callable"):
        tsl.funm(np.eye(2), 3.0)
    with pytest.raises(TypeError, match="funm: func returned dtype complex"):
        tsl.funm(np.eye(2), lambda x: x + 1j)


def test_funm_warns_where_scipy_prints_inaccurate():
    a = np.array([[2.0, 1.0, 0.0], [0.0, 2.0, 1.0], [0.0, 0.0, 3.0]])  # a repeated eigenvalue
    with pytest.warns(RuntimeWarning, match="funm: the result may be inaccurate, approximate err = 1"):
        F = tsl.funm(a, tg.exp)
    F_s, err_s = sl.funm(a, np.exp, disp=False)                 # SciPy prints its notice
    close(F, F_s, 0, 0)
    assert err_s == 1 and float(tsl.funm(a, tg.exp, disp=False)[1]) == 1.0


def test_funm_takes_a_defective_real_eigenvalue_that_schur_shows_as_a_rounding_level_pair():
    # (ported from SciPy's TestFunm) a double eigenvalue 2 in a Jordan block, rotated: LAPACK's
    # real Schur form often shows it as 2 ± 1e-8 i; that is a real pair to working precision
    rng = np.random.default_rng(0)
    refused = 0
    for _ in range(20):
        q = np.linalg.qr(rng.normal(size=(3, 3)))[0]
        a = q @ np.array([[2.0, 1.0, 0.0], [0.0, 2.0, 0.0], [0.0, 0.0, 3.0]]) @ q.T
        try:
            F = np.asarray(tsl.funm(a, tg.exp, disp=False)[0])
        except ValueError:
            refused += 1
            continue
        np.testing.assert_allclose(F, sl.expm(a), rtol=1e-6, atol=1e-6)
    assert refused == 0
    with pytest.raises(ValueError, match="complex eigenvalues"):   # a true complex pair still raises
        tsl.funm(np.array([[0.0, 1.0], [-1.0, 0.0]]), tg.exp)


def test_hadamard_refuses_bool_as_scipy_and_jax():
    with pytest.raises(TypeError):
        sl.hadamard(4, dtype=bool)
    with pytest.raises(TypeError, match="hadamard"):   # (was an all-True matrix)
        tsl.hadamard(4, dtype=bool)
    np.testing.assert_array_equal(tsl.hadamard(4, dtype=np.uint8), sl.hadamard(4, dtype=np.uint8))


def test_dft_matrix_as_scipy_and_jax():
    for n in (0, 1, 4, 5):
        for scale in (None, "sqrtn", "n"):
            close(tsl.dft(n, scale), sl.dft(n, scale), 1e-14, 1e-15)
            close(tsl.dft(n, scale), jsl.dft(n, scale), 1e-14, 1e-15)
    x = RNG.normal(size=6)
    close(tsl.dft(6) @ x, np.fft.fft(x), 1e-13, 1e-14)
    assert tsl.dft(3).dtype == np.complex128 and tsl.dft(3, dtype=np.complex64).dtype == np.complex64
    with pytest.raises(ValueError, match="scipy.linalg.dft: scale must be"):
        tsl.dft(3, "ortho")


def test_rsf2csf_as_scipy_with_jax_gradients():
    for n in (1, 2, 4, 6):
        a = RNG.normal(size=(n, n))
        t, z = sl.schur(a)
        ours, theirs = tsl.rsf2csf(t, z), sl.rsf2csf(t, z)
        for x, y in zip(ours, theirs):
            assert x.dtype == y.dtype == np.complex128
            close(x, y, 1e-12, 1e-13)
        close(ours[1] @ ours[0] @ ours[1].conj().T, a, 1e-12, 1e-12)
        assert np.allclose(np.tril(ours[0], -1), 0)
    t, z = sl.schur(np.array([[0.0, -2.0, 1.0], [1.0, 0.5, 0.0], [0.3, 0.0, -1.0]]))
    w = RNG.normal(size=(2, 3, 3)) + 1j * RNG.normal(size=(2, 3, 3))

    def loss(lib, fn):
        return lambda t, z: sum(lib.sum(lib.real(o * wk)) for o, wk in zip(fn(t, z), w))
    ours = tg.grad(loss(tg, tsl.rsf2csf), argnums=(0, 1))(t, z)
    theirs = jax.grad(loss(jnp, jsl.rsf2csf), argnums=(0, 1))(t, z)
    for x, y in zip(ours, theirs):
        close(x, np.asarray(y), 1e-10, 1e-12)
