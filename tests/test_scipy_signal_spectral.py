"""tg.scipy.signal's spectral estimates (welch, csd, periodogram, spectrogram; stft and istft
refused) against SciPy's values and jax.scipy.signal's derivatives (one compiled JAX program
for all the references), under tg.jit and tg.vmap, in float32, with the errors."""
import jax
import jax.numpy as jnp
import jax.scipy.signal as jsig
import numpy as np
import pytest
import scipy.signal as ssig

import tensorgrad as tg
from tensorgrad.scipy import signal as tsig

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(42)


def _close(a, b, tol=1e-12):
    """Equal shapes and values to ``tol`` relative to the largest entry of ``b``."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol * max(np.abs(b).max(), 1e-300))


def _last_minus_first(s):      # a detrend function of one segment (along the last axis)
    return s - s[..., :1]


def _squash(s):   # elementwise: JAX's welch hands a detrend function its segments with the
    return s - 0.1 * s ** 2   # axes moved (JAX 0.10), so only such a function compares with it


WELCH_CASES = [
    dict(nperseg=16),
    dict(nperseg=16, nfft=21),
    dict(nperseg=15, noverlap=4, return_onesided=False),
    dict(nperseg=16, average="median"),
    dict(nperseg=12, noverlap=9, average="median", detrend="linear", scaling="spectrum"),
    dict(window=np.arange(1.0, 11.0), detrend=False),
    dict(window=("tukey", 0.3), nperseg=20, detrend=_last_minus_first),
    dict(window="hamming", nperseg=9, noverlap=0, nfft=16, scaling="spectrum"),
    dict(nperseg=10, noverlap=-3, average="median"),          # gaps between segments
    dict(nperseg=16, axis=0),
    dict(nperseg=8, axis=1),
]


@pytest.mark.parametrize("kw", WELCH_CASES, ids=lambda kw: ",".join(kw))
def test_welch_values_match_scipy(kw):
    shape = {0: (50, 3), 1: (2, 41, 3)}.get(kw.get("axis"), (3, 50))
    x = RNG.normal(size=shape)
    f, p = tsig.welch(x, **kw)
    fr, pr = ssig.welch(x, **kw)
    assert isinstance(f, np.ndarray) and f.dtype == np.float64
    _close(f, fr, 0)
    _close(p, pr)
    assert p.dtype == pr.dtype


@pytest.mark.parametrize("kw", [dict(), dict(nfft=30), dict(nfft=70),
                                dict(window="hann", scaling="spectrum", return_onesided=False),
                                dict(window=np.hanning(50), detrend="linear", axis=0)],
                         ids=lambda kw: ",".join(kw) or "default")
def test_periodogram_values_match_scipy(kw):
    x = RNG.normal(size=(50, 2) if kw.get("axis") == 0 else (2, 50))
    f, p = tsig.periodogram(x, **kw)
    fr, pr = ssig.periodogram(x, **kw)
    _close(f, fr, 0)
    _close(p, pr)


def test_short_signal_shortens_nperseg_as_scipy():
    x = RNG.normal(size=40)
    with pytest.warns(UserWarning, match="welch: nperseg=256"):
        f, p = tsig.welch(x)
    with pytest.warns(UserWarning):
        fr, pr = ssig.welch(x)
    _close(f, fr, 0)
    _close(p, pr)
    assert p.shape == (21,)


def test_csd_parts_match_scipy_and_real_cases():
    x, y = RNG.normal(size=(2, 1, 60)), RNG.normal(size=(1, 3, 60))   # broadcast
    for kw in (dict(nperseg=16), dict(nperseg=16, average="median", nfft=17),
               dict(nperseg=12, return_onesided=False, detrend="linear")):
        f, re, im = tsig.csd(x, y, return_parts=True, **kw)
        fr, pr = ssig.csd(x, y, **kw)
        _close(f, fr, 0)
        _close(re, pr.real)
        _close(im, pr.imag)
    x, y = RNG.normal(size=(2, 60)), RNG.normal(size=(2, 47))   # y zero-padded to x's length
    for kw in (dict(nperseg=16), dict(nperseg=8, axis=-1, scaling="spectrum")):
        f, re, im = tsig.csd(y, x, return_parts=True, **kw)
        fr, pr = ssig.csd(y, x, **kw)
        _close(re, pr.real)
        _close(im, pr.imag)
        f, re, im = tsig.csd(x, y, return_parts=True, **kw)
        fr, pr = ssig.csd(x, y, **kw)
        _close(f, fr, 0)
        _close(re, pr.real)
        _close(im, pr.imag)
    # fewer axes broadcast from the right, as SciPy's (a negative axis names the same axis of both)
    for xs, ys in (((60,), (2, 60)), ((2, 60), (3, 1, 60)), ((3, 1, 60), (60,))):
        a, b = RNG.normal(size=xs), RNG.normal(size=ys)
        f, re, im = tsig.csd(a, b, nperseg=16, return_parts=True)
        fr, pr = ssig.csd(a, b, nperseg=16)
        assert re.shape == pr.shape
        _close(re, pr.real)
        _close(im, pr.imag)
    b = RNG.normal(size=(2, 60))
    g = tg.grad(lambda v: tg.sum(tsig.csd(x[0], v, nperseg=16, return_parts=True)[2]))(b)
    h = 1e-6
    e = np.zeros_like(b)
    e[1, 7] = h
    fd = (np.sum(ssig.csd(x[0], b + e, nperseg=16)[1].imag)
          - np.sum(ssig.csd(x[0], b - e, nperseg=16)[1].imag)) / (2 * h)
    assert abs(g[1, 7] - fd) < 1e-7
    # y is x, or equal values: welch's real spectrum
    xx = x[0]
    _close(tsig.csd(xx, xx, nperseg=16)[1], ssig.welch(xx, nperseg=16)[1])
    _close(tsig.csd(xx, xx.copy(), nperseg=16)[1], ssig.csd(xx, xx.copy(), nperseg=16)[1].real)
    assert np.all(tsig.csd(xx, xx.copy(), nperseg=16, return_parts=True)[2] == 0)
    with pytest.raises(TypeError, match="csd: x and y differ.*complex.*return_parts=True"):
        tsig.csd(xx, xx + 1e-9, nperseg=16)


def test_spectrogram_values_match_scipy():
    x = RNG.normal(size=(3, 70))
    for kw in (dict(), dict(nperseg=16), dict(nperseg=16, mode="magnitude", nfft=20),
               dict(mode="magnitude", return_onesided=False, scaling="spectrum", nperseg=10,
                    axis=0, detrend="linear")):
        xx = x.T if kw.get("axis") == 0 else x
        if "nperseg" not in kw:
            with pytest.warns(UserWarning):
                got = tsig.spectrogram(xx, **kw)
            with pytest.warns(UserWarning):
                ref = ssig.spectrogram(xx, **kw)
        else:
            got, ref = tsig.spectrogram(xx, **kw), ssig.spectrogram(xx, **kw)
        _close(got[0], ref[0], 0)
        _close(got[1], ref[1], 0)
        _close(got[2], ref[2])


GRAD_CASES = [dict(nperseg=16), dict(nperseg=15, noverlap=4, nfft=20, return_onesided=False),
              dict(nperseg=16, average="median", detrend="linear"),
              dict(nperseg=10, average="median", scaling="spectrum", detrend=False),
              dict(window=("tukey", 0.3), nperseg=12, detrend=_squash),
              dict(window="boxcar", nperseg=50, noverlap=0, nfft=64)]   # periodogram(nfft=64)


def _outputs(kw):
    nf = kw.get("nfft", kw["nperseg"])
    return nf // 2 + 1 if kw.get("return_onesided", True) else nf


def test_gradients_match_jax():
    x, y = RNG.normal(size=(3, 50)), RNG.normal(size=(3, 50))
    ws = [RNG.normal(size=(3, _outputs(kw))) for kw in GRAD_CASES]
    wi = RNG.normal(size=(3, 9))

    @jax.jit
    def reference(x, y, ws, wi):
        out = []
        for kw, w in zip(GRAD_CASES, ws):
            out.append(jsig.welch(x, **kw)[1])
            out.append(jax.grad(lambda x: jnp.sum(jsig.welch(x, **kw)[1] * w))(x))
        def cross(x, y):
            p = jsig.csd(x, y, nperseg=16)[1]
            return jnp.sum(p.real * ws[0] + p.imag * wi)
        return out + list(jax.grad(cross, argnums=(0, 1))(x, y))

    ref = reference(x, y, ws, wi)
    for i, (kw, w) in enumerate(zip(GRAD_CASES, ws)):
        _close(tsig.welch(x, **kw)[1], ref[2 * i])
        g = tg.grad(lambda x: tg.sum(tsig.welch(x, **kw)[1] * w))(x)
        _close(g, ref[2 * i + 1], 1e-10)
    # the periodogram is welch with one segment: the last case
    g = tg.grad(lambda x: tg.sum(tsig.periodogram(x, nfft=64)[1] * ws[-1]))(x)
    _close(g, ref[2 * len(GRAD_CASES) - 1], 1e-10)

    def parts(x, y):
        _, re, im = tsig.csd(x, y, nperseg=16, return_parts=True)
        return tg.sum(re * ws[0] + im * wi)
    gx, gy = tg.grad(parts, argnums=(0, 1))(x, y)
    _close(gx, ref[-2], 1e-10)
    _close(gy, ref[-1], 1e-10)


def test_spectrogram_and_csd_gradients_central_differences():
    x = RNG.normal(size=24)
    for mode in ("psd", "magnitude"):
        w = RNG.normal(size=(5, 3))
        def f(x):
            return tg.sum(tsig.spectrogram(x, nperseg=8, nfft=8, mode=mode)[2] * w)
        g = tg.grad(f)(x)
        eps, num = 1e-6, np.zeros_like(x)
        for i in range(x.size):
            e = np.zeros_like(x)
            e[i] = eps
            num[i] = (f(x + e) - f(x - e)) / (2 * eps)
        _close(g, num, 1e-6)
    # csd of equal values differentiates in both inputs: d/dx + d/dy = d welch / dx
    w = RNG.normal(size=9)
    gx, gy = tg.grad(lambda a, b: tg.sum(tsig.csd(a, b, nperseg=16)[1] * w), argnums=(0, 1))(
        x, x.copy())
    gw = tg.grad(lambda a: tg.sum(tsig.welch(a, nperseg=16)[1] * w))(x)
    _close(gx + gy, gw)


def test_jit_and_vmap():
    x = RNG.normal(size=(4, 40))
    kw = dict(nperseg=12, average="median", detrend="linear")
    ref = tsig.welch(x, **kw)[1]
    jw = tg.jit(lambda x: tsig.welch(x, **kw)[1])
    _close(jw(x), ref)
    _close(jw(2 * x), tsig.welch(2 * x, **kw)[1])
    _close(tg.vmap(lambda r: tsig.welch(r, **kw)[1])(x), ref)
    _close(tg.jit(tg.vmap(lambda r: tsig.periodogram(r, nfft=50)[1]))(x),
           ssig.periodogram(x, nfft=50)[1])
    _close(tg.vmap(lambda r: tsig.spectrogram(r, nperseg=8, mode="magnitude")[2])(x),
           ssig.spectrogram(x, nperseg=8, mode="magnitude")[2])
    y = RNG.normal(size=(4, 40))
    jc = tg.jit(lambda a, b: tsig.csd(a, b, nperseg=12, return_parts=True)[1:])
    re, im = jc(x, y)
    pr = ssig.csd(x, y, nperseg=12)[1]
    _close(re, pr.real)
    _close(im, pr.imag)
    _close(tg.jit(lambda a: tsig.csd(a, a, nperseg=12)[1])(x), ssig.welch(x, nperseg=12)[1])
    jg = tg.jit(tg.grad(lambda a: tg.sum(tsig.welch(a, nperseg=12)[1])))
    _close(jg(x), tg.grad(lambda a: tg.sum(tsig.welch(a, nperseg=12)[1]))(x))
    with pytest.raises(TypeError, match="csd: .*tg.jit.*return_parts=True"):
        tg.jit(lambda a, b: tsig.csd(a, b, nperseg=12)[1])(x, y)


def test_dtypes_as_scipy_and_jax():
    x = RNG.normal(size=64)
    for dt in (np.float32, np.int64, np.bool_):
        xd = (x > 0) if dt is np.bool_ else (x * 10).astype(dt)
        f, p = tsig.welch(xd, nperseg=16)
        fr, pr = ssig.welch(xd, nperseg=16)
        assert p.dtype == pr.dtype and f.dtype == fr.dtype == np.float64, dt
        _close(p, pr, 1e-6 if pr.dtype == np.float32 else 1e-12)
    # float16 gives float32, as SciPy's (which detrends in float16: values not compared)
    assert tsig.welch(x.astype(np.float16), nperseg=16)[1].dtype == np.float32
    x32 = x.astype(np.float32)
    pj = jsig.welch(jnp.asarray(x32), nperseg=16)[1]
    assert tsig.welch(x32, nperseg=16)[1].dtype == pj.dtype == np.float32
    assert tsig.periodogram(x32)[1].dtype == ssig.periodogram(x32)[1].dtype
    assert tsig.spectrogram(x32, nperseg=8)[2].dtype == np.float32
    g = tg.grad(lambda a: tg.sum(tsig.welch(a, nperseg=16)[1]))(x32)
    assert g.dtype == np.float32


@pytest.mark.parametrize("call, exc, match", [
    (lambda x: tsig.welch(x, nperseg=0), ValueError, "welch: nperseg must be a positive"),
    (lambda x: tsig.welch(x, nperseg=8, noverlap=8), ValueError, "welch: noverlap=8 must be less"),
    (lambda x: tsig.welch(x, nperseg=8, nfft=4), ValueError, "welch: nfft=4 must be greater"),
    (lambda x: tsig.welch(x, window=np.ones(5), nperseg=8), ValueError,
     "welch: nperseg=8 does not equal the window's length 5"),
    (lambda x: tsig.welch(x, window=np.ones(50)), ValueError, "welch: the window .* longer"),
    (lambda x: tsig.welch(x, nperseg=8, scaling="psd"), ValueError, "welch: scaling must be"),
    (lambda x: tsig.welch(x, nperseg=8, average="max"), ValueError, "welch: average must be"),
    (lambda x: tsig.welch(x, nperseg=8, detrend="quadratic"), ValueError, "welch: detrend"),
    (lambda x: tsig.welch(x, window="nosuchwindow", nperseg=8), ValueError, "welch: bad window"),
    (lambda x: tsig.welch(x, nperseg=8, axis=2), np.exceptions.AxisError, "welch"),
    (lambda x: tsig.welch(x.astype(complex), nperseg=8), TypeError, "welch: x must be a real"),
    (lambda x: tsig.welch(x[:0]), ValueError, "welch: x must not be empty"),
    (lambda x: tsig.periodogram(x, window=np.ones(7)), ValueError, "periodogram: the window"),
    (lambda x: tsig.periodogram(x, scaling="x"), ValueError, "periodogram: scaling"),
    (lambda x: tsig.csd(x, np.ones((20, 2)), nperseg=8, axis=0, return_parts=True), ValueError,
     "csd: x and y have different numbers of dimensions.*negative axis"),
    (lambda x: tsig.spectrogram(x, nperseg=8, mode="complex"), NotImplementedError,
     "spectrogram: mode='complex'.*real-valued"),
    (lambda x: tsig.spectrogram(x, nperseg=8, mode="abs"), ValueError, "spectrogram: mode"),
    (lambda x: tsig.stft(x), NotImplementedError, "stft: tensorgrad has no short-time Fourier transform"),
    (lambda x: tsig.istft(x), NotImplementedError, "istft: tensorgrad has no inverse short-time"),
])
def test_errors_name_the_function(call, exc, match):
    with pytest.raises(exc, match=match):
        call(RNG.normal(size=20))
    if any(s in match for s in _SCIPY_REFUSES):     # and SciPy refuses the same arguments
        with pytest.raises(ValueError):
            _scipy_same(call)


_SCIPY_REFUSES = ("nperseg must be a positive", "noverlap=8", "nfft=4", "does not equal",
                  "scaling must", "periodogram: the window", "periodogram: scaling")


def _scipy_same(call):
    """Run ``call`` with SciPy's signal module in place of tensorgrad's."""
    code = call.__code__
    fn = type(call)(code, {**call.__globals__, "tsig": ssig})
    with np.errstate(all="ignore"):
        fn(RNG.normal(size=20))


def test_public_names():
    for name in ("welch", "csd", "periodogram", "spectrogram", "stft", "istft"):
        assert getattr(tg.scipy.signal, name).__doc__
        assert name in tg.scipy.signal.__all__


def test_csd_of_equal_arrays_holding_nan_is_the_power_spectrum():
    # NaN != NaN made two equal arrays "differ", and csd refused them as complex
    x = np.arange(20.0)
    x[3] = np.nan
    f, p = tg.scipy.signal.csd(x, x.copy(), nperseg=8)
    f2, p2 = ssig.csd(x, x.copy(), nperseg=8)
    np.testing.assert_array_equal(f, f2)
    np.testing.assert_allclose(p, p2.real, equal_nan=True)
    assert np.isnan(p).all()
