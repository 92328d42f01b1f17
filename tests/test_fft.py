"""tg.fft against numpy.fft (values, lengths, dtypes) and jax.numpy.fft (gradients through
complex intermediates), plus its errors and NumPy dispatch."""
import numpy as np
import pytest

import tensorgrad as tg

import jax  # (JAX must import: no skip)
import jax.numpy as jnp

jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(4, 6))
Z = X + 1j * RNG.normal(size=(4, 6))

CALLS = [
    ("fft", Z, {}), ("fft", X, {"n": 4, "axis": 0}), ("ifft", Z, {"n": 9, "norm": "ortho"}),
    ("rfft", X, {}), ("rfft", X, {"n": 5, "axis": 0, "norm": "forward"}),
    ("irfft", Z, {}), ("irfft", Z, {"n": 7, "norm": "ortho"}), ("irfft", Z, {"n": 3, "axis": 0}),
    ("hfft", Z, {}), ("hfft", Z, {"n": 5, "norm": "forward"}), ("ihfft", X, {"norm": "ortho"}),
    ("fft2", Z, {}), ("ifft2", Z, {"s": (3, 8)}), ("rfft2", X, {"norm": "ortho"}),
    ("irfft2", Z, {"s": (4, 9)}), ("fftn", Z, {"axes": (0,)}), ("ifftn", X, {}),
    ("rfftn", X, {"s": (5, 4), "axes": (0, 1)}), ("irfftn", Z, {"axes": (0, 1), "norm": "forward"}),
]


@pytest.mark.parametrize("name,a,kw", CALLS, ids=[f"{c[0]}-{i}" for i, c in enumerate(CALLS)])
def test_values_and_gradients_match_numpy_and_jax(name, a, kw):
    f, fn, fj = getattr(tg.fft, name), getattr(np.fft, name), getattr(jnp.fft, name)
    got, want = f(a, **kw), fn(a, **kw)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    w = np.cos(np.arange(want.size)).reshape(want.shape)  # a real loss of every output

    def loss(m, ff):
        return lambda a: m.sum(w * m.abs(ff(a, **kw)) ** 2) + m.sum(w * m.real(ff(a, **kw)))
    g, gj = tg.grad(loss(tg, f))(a), jax.grad(loss(jnp, fj))(a)
    assert g.dtype == a.dtype
    np.testing.assert_allclose(g, gj, rtol=1e-10, atol=1e-10)


def test_float32_gives_complex64_and_float32_gradients():
    x = X.astype(np.float32)
    assert tg.fft.fft(x).dtype == np.complex64 == np.fft.fft(x).dtype
    assert tg.fft.irfft(tg.fft.rfft(x)).dtype == np.float32
    g = tg.grad(lambda x: tg.sum(tg.abs(tg.fft.rfft(x))))(x)
    assert g.dtype == np.float32


def test_parseval_and_round_trips_differentiate():
    x = X[0]
    # Σ|F x|² = N Σ x²: the gradient is 2 N x
    np.testing.assert_allclose(tg.grad(lambda x: tg.sum(tg.abs(tg.fft.fft(x)) ** 2))(x),
                               2 * x.size * x, rtol=1e-12)
    # irfft(rfft(x)) is the identity: its Jacobian is I
    np.testing.assert_allclose(tg.jacrev(lambda x: tg.fft.irfft(tg.fft.rfft(x), x.size))(x),
                               np.eye(x.size), atol=1e-12)
    np.testing.assert_allclose(tg.jacfwd(lambda x: tg.fft.irfft(tg.fft.rfft(x), x.size))(x),
                               np.eye(x.size), atol=1e-12)
    # holomorphic: fft is linear, its Jacobian the DFT matrix
    np.testing.assert_allclose(tg.jacfwd(tg.fft.fft, holomorphic=True)(Z[0]),
                               np.fft.fft(np.eye(6), axis=0), atol=1e-12)


def test_jit_vmap_and_second_order():
    f = lambda x: tg.sum(tg.abs(tg.fft.rfft(tg.sin(x))) ** 3)  # noqa: E731
    fj = lambda x: jnp.sum(jnp.abs(jnp.fft.rfft(jnp.sin(x))) ** 3)  # noqa: E731
    np.testing.assert_allclose(tg.jit(tg.grad(f))(X[0]), jax.grad(fj)(X[0]), rtol=1e-12)
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(X), jax.vmap(jax.grad(fj))(X), rtol=1e-12)
    np.testing.assert_allclose(tg.hessian(f)(X[0]), jax.hessian(fj)(X[0]), rtol=1e-9, atol=1e-9)


def test_frequencies_and_shifts():
    for n, d in ((8, 1.0), (7, 0.1)):
        np.testing.assert_allclose(tg.fft.fftfreq(n, d), np.fft.fftfreq(n, d))
        np.testing.assert_allclose(tg.fft.rfftfreq(n, d), np.fft.rfftfreq(n, d))
    assert tg.fft.fftfreq(4, dtype=np.float32).dtype == np.float32
    for axes in (None, 0, (1,), (0, 1)):
        np.testing.assert_array_equal(tg.fft.fftshift(X, axes), np.fft.fftshift(X, axes))
        np.testing.assert_array_equal(tg.fft.ifftshift(X, axes), np.fft.ifftshift(X, axes))
    np.testing.assert_array_equal(tg.fft.ifftshift(tg.fft.fftshift(np.arange(7))), np.arange(7))
    g = tg.grad(lambda x: tg.sum(tg.fft.fftshift(x) * np.arange(6)))(X[0])
    np.testing.assert_allclose(g, np.fft.ifftshift(np.arange(6.0)))


def test_numpy_dispatch_on_tensors():
    t = tg.tensor(X)
    out = np.fft.rfft(t, axis=0)
    assert isinstance(out, tg.Tensor)
    np.testing.assert_allclose(np.asarray(out), np.fft.rfft(X, axis=0))
    g = tg.grad(lambda x: np.sum(np.abs(np.fft.fft(x)) ** 2))(X[0])  # NumPy's names on a trace
    np.testing.assert_allclose(g, 2 * 6 * X[0], rtol=1e-12)


def test_bad_arguments_raise_clear_errors():
    with pytest.raises(ValueError, match="fft: norm must be"):
        tg.fft.fft(X, norm="unit")
    with pytest.raises(ValueError, match="invalid number of FFT data points"):
        tg.fft.ifft(X, n=0)
    with pytest.raises(TypeError, match="rfft: needs a real input"):
        tg.fft.rfft(Z)
    with pytest.raises(ValueError, match="needs an array with at least one axis"):
        tg.fft.fft(np.float64(1.0))
    with pytest.raises(ValueError, match="s and axes must have the same length"):
        tg.fft.fftn(X, s=(2, 3), axes=(0,))
    with pytest.raises((ValueError, IndexError), match="axis"):
        tg.fft.fft(X, axis=2)


def test_lax_fft_matches_jax():
    x = RNG.normal(size=(2, 4, 6))
    z = x + 1j * RNG.normal(size=x.shape)
    for kind, lengths, a in (("fft", (6,), z), ("ifft", (4, 6), z), ("rfft", (4, 6), x),
                             ("irfft", (10,), z), (tg.lax.FftType.IRFFT, (4, 10), z)):
        want = jax.lax.fft(a, kind if isinstance(kind, str) else jax.lax.FftType(int(kind)), lengths)
        np.testing.assert_allclose(tg.lax.fft(a, kind, lengths), want, rtol=1e-12, atol=1e-12)
    g = tg.grad(lambda x: tg.sum(tg.abs(tg.lax.fft(x, "rfft", (6,)))))(x)
    np.testing.assert_allclose(g, jax.grad(lambda x: jnp.sum(jnp.abs(jax.lax.fft(x, "rfft", (6,)))))(x),
                               rtol=1e-10)
    with pytest.raises(ValueError, match="needs trailing axes"):
        tg.lax.fft(x, "rfft", (5,))
    with pytest.raises(ValueError, match="unknown fft_type"):
        tg.lax.fft(x, "dct", (6,))


def test_transform_over_no_axis_is_the_identity_as_in_jax():
    """``fftn(x, axes=())`` (or of a 0-d array) transforms nothing: x in a complex dtype,
    with x's gradient; the real transforms need an axis, as in NumPy."""
    for fn, jfn in [(tg.fft.fftn, jnp.fft.fftn), (tg.fft.ifftn, jnp.fft.ifftn)]:
        out = fn(X, axes=())
        ref = jfn(X, axes=())
        assert out.dtype == ref.dtype == np.complex128
        np.testing.assert_array_equal(out, ref)
        assert fn(X.astype(np.float32), axes=[]).dtype == np.complex64
        np.testing.assert_array_equal(fn(np.array(2.5)), jfn(jnp.array(2.5)))
        g = tg.grad(lambda x: np.sum(np.real(fn(x, axes=()) * np.arange(1.0, 7.0))))(X)
        np.testing.assert_array_equal(g, np.broadcast_to(np.arange(1.0, 7.0), X.shape))
    with pytest.raises(ValueError, match="rfftn: needs at least one axis"):
        tg.fft.rfftn(X, axes=())


def test_pytorchs_dim_keyword_and_hermitian_n_dimensional_transforms():
    # torch.fft's names: dim= for axis/axes, and hfft2/hfftn/ihfft2/ihfftn (values as torch's:
    # hfftn(x) = irfftn(conj(x)) with the dual normalization, ihfftn(x) = conj(rfftn(x)) likewise)
    rng = np.random.default_rng(5)
    x = rng.normal(size=(4, 6, 5))
    c = x + 1j * rng.normal(size=x.shape)
    np.testing.assert_allclose(tg.fft.fft(x, dim=0), np.fft.fft(x, axis=0), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tg.fft.rfftn(x, dim=[0, 1]), np.fft.rfftn(x, axes=(0, 1)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tg.fft.fftshift(x, dim=1), np.fft.fftshift(x, axes=1))
    for norm, dual in ((None, "forward"), ("ortho", "ortho"), ("forward", "backward")):
        np.testing.assert_allclose(tg.fft.hfftn(c, norm=norm), np.fft.irfftn(np.conj(c), norm=dual),
                                   rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(tg.fft.ihfftn(x, dim=(1, 2), norm=norm),
                                   np.conj(np.fft.rfftn(x, axes=(1, 2), norm=dual)), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tg.fft.hfft2(c, s=(4, 8)), np.fft.irfftn(np.conj(c), s=(4, 8), axes=(-2, -1),
                                                                        norm="forward"), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tg.fft.ihfft2(x), np.conj(np.fft.rfft2(x, norm="forward")), rtol=1e-12, atol=1e-12)
    g = tg.grad(lambda v: tg.sum(tg.fft.hfftn(v * (1 + 1j), dim=(0, 1)) ** 2))(x)
    eps, e = 1e-6, np.zeros_like(x)
    e[1, 2, 3] = eps
    f = lambda v: np.sum(np.fft.irfftn(np.conj(v * (1 + 1j)), axes=(0, 1), norm="forward") ** 2)  # noqa: E731
    np.testing.assert_allclose(g[1, 2, 3], (f(x + e) - f(x - e)) / (2 * eps), rtol=1e-6)
    with pytest.raises(TypeError, match=r"^fft: pass axis= \(NumPy's\) or dim= \(PyTorch's\), not both"):
        tg.fft.fft(x, axis=0, dim=0)
    with pytest.raises(TypeError, match="ihfftn: needs a real input"):
        tg.fft.ihfftn(c)
