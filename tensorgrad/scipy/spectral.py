"""Spectral estimates of ``scipy.signal`` (and ``jax.scipy.signal``), real-valued and
differentiable: ``welch``, ``csd``, ``periodogram`` and ``spectrogram``, re-exported by
``tg.scipy.signal``.

* ``welch(x, ...)``: Welch's power spectral density, SciPy's defaults and options: the
  signal is cut into segments of ``nperseg`` samples (default 256, shortened to the signal's
  length with a warning when the window is a name), ``noverlap`` apart from the next
  (default ``nperseg // 2``); each segment is detrended (``'constant'``, ``'linear'``,
  ``False`` or a function of one segment), multiplied by the window (a name or tuple for
  ``scipy.signal.get_window``, periodic, or an array of length ``nperseg``), zero-padded to
  ``nfft`` samples, and its squared DFT magnitudes are scaled (``scaling='density'``:
  ``1 / (fs Σ w²)``; ``'spectrum'``: ``1 / (Σ w)²``), doubled off the DC (and Nyquist) bin
  when ``return_onesided``, and averaged over the segments (``average='mean'``, or
  ``'median'`` divided by SciPy's median bias);
* ``periodogram(x, ...)``: one segment the length of the signal (``nfft`` shorter than the
  signal truncates it first, as SciPy does), boxcar window by default;
* ``csd(x, y, ...)``: the cross spectral density ``conj(X) Y`` is complex for ``x ≠ y``;
  tensorgrad is real-valued, so ``csd`` returns ``welch``'s real spectrum when ``y`` is ``x``
  or equals it, raises a TypeError otherwise, and with ``return_parts=True`` returns
  ``(f, Pxy.real, Pxy.imag)`` (the co- and quadrature spectra) for any ``x`` and ``y``;
* ``spectrogram(x, ...)``: the per-segment spectra (no averaging; default window
  ``('tukey_periodic', 0.25)`` and ``noverlap = nperseg // 8``) for ``mode='psd'`` or
  ``'magnitude'`` (the complex, angle and phase modes are not real-valued and are refused);
* ``stft``, ``istft``: complex by nature, they raise NotImplementedError saying so.

How: the DFT is real arithmetic: with ``C[k, n] = cos(2π kn / nfft)`` and ``S[k, n] =
sin(2π kn / nfft)`` (angles reduced exactly, ``kn mod nfft``, in float64), a windowed
segment ``s`` has ``|X_k|² = (C s)_k² + (S s)_k²`` and ``conj(X_k) Y_k = (C s)(C t) + (S s)
(S t) + i ((S s)(C t) − (C s)(S t))``. Segments are gathered in one indexing op and
multiplied by the window-folded ``[C; S]`` matrix in one product, so the cost is
``O(nperseg · nfft)`` per segment (a dense DFT, not an FFT): fine for the sizes one
differentiates, slow for long segments. Everything is built from registered ops (gather,
product, squares, mean, median), so the spectra differentiate in ``x`` (and ``y``) to every
order and under ``tg.jit`` and ``tg.vmap``; the median's derivative is that of ``tg.median``.

Dtypes: the arithmetic is float64 (as SciPy's, whose ``ShortTimeFFT`` works in float64) and
the result has SciPy's dtype: float32 for float32, float16 and boolean inputs, float64 for
float64 and integers. Frequencies (and spectrogram times) are float64 NumPy arrays. Complex
inputs are refused. Differences from SciPy: an empty input raises a ValueError (SciPy
returns empty arrays); ``average`` is checked even when there is one segment (SciPy checks it
only for two or more); an array window longer than the signal raises a ValueError naming the
function; a detrend function is called once per segment, on the segment along the last axis
(as SciPy's ``welch``; JAX 0.10 calls it once on all the segments with the axes
moved, so only elementwise functions give JAX's result); ``fs``, ``window`` and the
sizes are constants (JAX also differentiates in ``fs``).
"""
from __future__ import annotations

import functools
import importlib
import operator
import warnings

import numpy as np

from ..ops import astype, getitem, mean, median, moveaxis, pad, reshape, sqrt, square, stack
from ..ops._util import dtype_of, real_array, shape_of
from ..ops.linalg import matmul
from ..staging import is_staged
from ..tensor import Tensor, concrete
from ..typing import Array, ArrayLike  # noqa: F401

__all__ = ["welch", "csd", "periodogram", "spectrogram", "stft", "istft"]

_SCALINGS = ("density", "spectrum")
_AVERAGES = ("mean", "median")
_MODES = ("psd", "magnitude")


# ---- arguments --------------------------------------------------------------------------

def _get_window(window, n: int) -> np.ndarray:
    # scipy.signal is loaded on first use: importing it (and the scipy.stats it pulls in) at
    # ``import tensorgrad`` would cost every user ~0.2 s for one window function
    return importlib.import_module("scipy.signal").get_window(window, n)

def _int(name: str, what: str, v) -> int:
    try:
        return operator.index(v) if not isinstance(v, float) or not v.is_integer() else int(v)
    except TypeError:
        raise TypeError(f"{name}: {what} must be an integer, got {v!r}") from None


def _signal(name: str, x, what: str = "x"):
    x = real_array(x, name, what)
    if not shape_of(x):
        raise ValueError(f"{name}: {what} must have at least one dimension, got a 0-d array")
    if 0 in shape_of(x):
        raise ValueError(f"{name}: {what} must not be empty, got shape {tuple(shape_of(x))}")
    return x


def _axis(name: str, axis, nd: int) -> int:
    axis = _int(name, "axis", axis)
    if not -nd <= axis < nd:
        raise np.exceptions.AxisError(axis, nd, name)
    return axis % nd


def _fs(name: str, fs) -> float:
    if isinstance(fs, Tensor) or is_staged(fs):
        raise TypeError(f"{name}: fs must be a constant number, not a traced value")
    try:
        fs = float(np.asarray(fs))
    except (TypeError, ValueError):
        raise TypeError(f"{name}: fs must be a number, got {fs!r}") from None
    return fs


def _window(name: str, window, nperseg, n: int):
    """The window (float64 array) and ``nperseg``, with SciPy's rules."""
    if isinstance(window, (str, tuple)):
        nperseg = 256 if nperseg is None else _int(name, "nperseg", nperseg)
        if nperseg < 1:
            raise ValueError(f"{name}: nperseg must be a positive integer, got {nperseg}")
        if nperseg > n:
            warnings.warn(f"{name}: nperseg={nperseg} is greater than the signal length {n}, "
                          f"using nperseg={n}", UserWarning, stacklevel=3)
            nperseg = n
        try:
            win = _get_window(window, nperseg)
        except (ValueError, TypeError) as e:
            raise ValueError(f"{name}: bad window {window!r}: {e}") from e
    else:
        if isinstance(window, Tensor) or is_staged(window):
            raise TypeError(f"{name}: window must be a name, a tuple or a constant array, not "
                            "a traced value")
        win = np.asarray(window)
        if win.ndim != 1 or win.dtype.kind not in "biuf":
            raise ValueError(f"{name}: an array window must be a real 1-D array, got shape "
                             f"{win.shape} and dtype {win.dtype}")
        nperseg = len(win) if nperseg is None else _int(name, "nperseg", nperseg)
        if nperseg != len(win):
            raise ValueError(f"{name}: nperseg={nperseg} does not equal the window's length "
                             f"{len(win)}")
        if nperseg < 1:
            raise ValueError(f"{name}: the window must not be empty")
        if nperseg > n:
            raise ValueError(f"{name}: the window (length {nperseg}) is longer than the "
                             f"signal (length {n})")
    return np.asarray(win, dtype=np.float64), nperseg


def _sizes(name: str, nperseg: int, noverlap, nfft, default_overlap: int):
    nfft = nperseg if nfft is None else _int(name, "nfft", nfft)
    if nfft < nperseg:
        raise ValueError(f"{name}: nfft={nfft} must be greater than or equal to "
                         f"nperseg={nperseg}")
    noverlap = default_overlap if noverlap is None else _int(name, "noverlap", noverlap)
    if noverlap >= nperseg:
        raise ValueError(f"{name}: noverlap={noverlap} must be less than nperseg={nperseg}")
    return noverlap, nfft


def _check(name: str, scaling, average=None) -> None:
    if scaling not in _SCALINGS:
        raise ValueError(f"{name}: scaling must be 'density' or 'spectrum', got {scaling!r}")
    if average is not None and average not in _AVERAGES:
        raise ValueError(f"{name}: average must be 'mean' or 'median', got {average!r}")


def _result_dtype(*dts) -> np.dtype:
    """SciPy's: the real counterpart of ``result_type(inputs, complex64)``."""
    return np.finfo(np.result_type(*dts, np.complex64)).dtype


# ---- the computation --------------------------------------------------------------------
@functools.lru_cache(maxsize=32)
def _dft(nfft: int, nperseg: int, onesided: bool) -> np.ndarray:
    """``[C; S]``: the cosine and sine rows (``nf`` each) of the DFT of length ``nfft`` of
    ``nperseg`` samples (zero-padded), float64, angles reduced exactly; read-only."""
    nf = nfft // 2 + 1 if onesided else nfft
    k = np.arange(nf, dtype=np.int64)[:, None]
    j = np.arange(nperseg, dtype=np.int64)[None, :]
    angle = 2 * np.pi * ((k * j) % nfft) / nfft
    m = np.concatenate([np.cos(angle), np.sin(angle)])
    m.setflags(write=False)
    return m


@functools.lru_cache(maxsize=32)
def _line_residual(n: int) -> np.ndarray:
    """The symmetric ``n × n`` projection that removes the least-squares straight line;
    read-only."""
    design = np.stack([np.arange(n, dtype=np.float64), np.ones(n)], axis=1)
    m = np.eye(n) - design @ np.linalg.pinv(design)
    m.setflags(write=False)
    return m


def _detrender(name: str, detrend):
    if detrend is False or detrend is None:
        return None
    if isinstance(detrend, str):
        if detrend not in ("constant", "linear"):
            raise ValueError(f"{name}: detrend must be 'constant', 'linear', False or a "
                             f"function, got {detrend!r}")
        return detrend
    if callable(detrend):
        return detrend
    raise ValueError(f"{name}: detrend must be 'constant', 'linear', False or a function, got "
                     f"{detrend!r}")


def _transform(x, axis: int, win, nperseg: int, hop: int, nfft: int, onesided: bool, detr):
    """The cosine and sine sums of every windowed segment: ``(..., nseg, nf)`` each, with
    the segment axis before the frequency axis and the other axes of ``x`` first."""
    if np.dtype(dtype_of(x)) != np.float64:
        x = astype(x, np.float64)
    nd = len(shape_of(x))
    if axis != nd - 1:
        x = moveaxis(x, axis, -1)
    n = shape_of(x)[-1]
    nseg = (n - nperseg) // hop + 1
    idx = np.arange(nseg)[:, None] * hop + np.arange(nperseg)[None, :]
    seg = getitem(x, (Ellipsis, idx))                                # (..., nseg, nperseg)
    if detr == "constant":
        seg = seg - mean(seg, axis=-1, keepdims=True)
    elif detr == "linear":            # minus the least-squares line: a constant projection
        seg = matmul(seg, _line_residual(nperseg))
    elif detr is not None:
        seg = stack([detr(getitem(seg, (Ellipsis, p, slice(None)))) for p in range(nseg)],
                    axis=-2)
    m = _dft(nfft, nperseg, onesided) * win[None, :]
    y = matmul(seg, m.T)                                            # (..., nseg, 2 nf)
    nf = m.shape[0] // 2
    return getitem(y, (Ellipsis, slice(0, nf))), getitem(y, (Ellipsis, slice(nf, None)))


def _factor(win, fs: float, scaling: str, nfft: int, onesided: bool) -> np.ndarray:
    """The scale of each frequency bin: SciPy's scaling, doubled off DC and Nyquist when
    one-sided."""
    scale = 1.0 / (fs * np.sum(win * win)) if scaling == "density" else 1.0 / np.sum(win) ** 2
    nf = nfft // 2 + 1 if onesided else nfft
    f = np.full(nf, scale)
    if onesided:
        f[1:nf - 1 if nfft % 2 == 0 else None] *= 2
    return f


def _freqs(nfft: int, fs: float, onesided: bool) -> np.ndarray:
    return np.fft.rfftfreq(nfft, 1 / fs) if onesided else np.fft.fftfreq(nfft, 1 / fs)


def _average(p, average: str, axis: int, dtype):
    """Average ``(..., nseg, nf)`` over the segments and put the frequencies at ``axis``."""
    nseg = shape_of(p)[-2]
    if nseg == 1:
        p = getitem(p, (Ellipsis, 0, slice(None)))
    elif average == "median":
        bias = 1 + np.sum(1 / (2 * np.arange(1, (nseg - 1) // 2 + 1) + 1)
                          - 1 / (2 * np.arange(1.0, (nseg - 1) // 2 + 1)))
        p = median(p, axis=-2) / bias
    else:
        p = mean(p, axis=-2)
    nd = len(shape_of(p))
    if axis != nd - 1:
        p = moveaxis(p, -1, axis)
    return p if dtype == np.float64 else astype(p, dtype)


def _same_values(x, y):
    """True / False when ``x`` and ``y`` hold the same / different values, None when that
    cannot be known (values staged by ``tg.jit``)."""
    cx, cy = concrete(x), concrete(y)
    if is_staged(cx) or is_staged(cy):
        return None
    cx, cy = np.asarray(cx), np.asarray(cy)
    return cx.shape == cy.shape and bool(np.array_equal(cx, cy, equal_nan=cx.dtype.kind in "fc"))


def _align(name, x, y, axis):
    """``x`` and ``y`` with as many axes: the one with fewer gets leading axes of length 1,
    as SciPy's cross spectra broadcast the other axes from the right. That needs a
    negative ``axis``, which names the same axis of both (SciPy fails otherwise too)."""
    xs, ys = tuple(shape_of(x)), tuple(shape_of(y))
    if len(xs) == len(ys):
        return x, y
    if _int(name, "axis", axis) >= 0:
        raise ValueError(f"{name}: x and y have different numbers of dimensions (shapes {xs} "
                         f"and {ys}); give a negative axis (counted from the end, the same "
                         f"axis of both), not axis={axis}")
    nd = max(len(xs), len(ys))
    if len(xs) < nd:
        x = reshape(x, (1,) * (nd - len(xs)) + xs)
    else:
        y = reshape(y, (1,) * (nd - len(ys)) + ys)
    return x, y


def _welch_like(name, x, y, fs, window, nperseg, noverlap, nfft, detrend, return_onesided,
                scaling, axis, average, parts):
    """``welch`` (``y is None``: the auto-spectrum) or the cross spectrum of ``x`` and ``y``
    (its real part, and its imaginary part when ``parts``)."""
    _check(name, scaling, average)
    x = _signal(name, x, "x")
    if y is not None:
        y = _signal(name, y, "y")
        x, y = _align(name, x, y, axis)
    xs = tuple(shape_of(x))
    ax = _axis(name, axis, len(xs))
    fs = _fs(name, fs)
    detr = _detrender(name, detrend)
    onesided = bool(return_onesided)
    if y is None:
        n, dtype = xs[ax], _result_dtype(dtype_of(x))
    else:
        ys = tuple(shape_of(y))
        try:
            np.broadcast_shapes(xs[:ax] + xs[ax + 1:], ys[:ax] + ys[ax + 1:])
        except ValueError:
            raise ValueError(f"{name}: x and y cannot be broadcast together (shapes {xs} and "
                             f"{ys}, axis {axis})") from None
        n, dtype = max(xs[ax], ys[ax]), _result_dtype(dtype_of(x), dtype_of(y))
    win, nperseg = _window(name, window, nperseg, n)
    noverlap, nfft = _sizes(name, nperseg, noverlap, nfft, nperseg // 2)
    fac = _factor(win, fs, scaling, nfft, onesided)
    freqs = _freqs(nfft, fs, onesided)
    if y is not None:   # the shorter signal is zero-padded to the longer, as SciPy does
        if xs[ax] < n:
            x = pad(x, [(0, n - xs[ax]) if a == ax else (0, 0) for a in range(len(xs))])
        if ys[ax] < n:
            y = pad(y, [(0, n - ys[ax]) if a == ax else (0, 0) for a in range(len(ys))])
    hop = nperseg - noverlap
    cx, sx = _transform(x, ax, win, nperseg, hop, nfft, onesided, detr)
    if y is None:
        return freqs, _average((square(cx) + square(sx)) * fac, average, ax, dtype)
    cy, sy = _transform(y, ax, win, nperseg, hop, nfft, onesided, detr)
    re = _average((cx * cy + sx * sy) * fac, average, ax, dtype)
    if not parts:
        return freqs, re
    return freqs, re, _average((sx * cy - cx * sy) * fac, average, ax, dtype)


# ---- public functions -------------------------------------------------------------------
def welch(x: ArrayLike, fs=1.0, window="hann", nperseg=None, noverlap=None, nfft=None,
          detrend="constant", return_onesided: bool = True, scaling: str = "density",
          axis: int = -1, average: str = "mean"):
    """Welch's estimate of the power spectral density of ``x`` along ``axis``, as
    ``scipy.signal.welch`` (and ``jax.scipy.signal.welch``): returns ``(f, Pxx)``, ``f`` the
    frequencies (a float64 NumPy array) and ``Pxx`` the spectrum, with the frequency axis
    where ``axis`` was.

    ``window``: a name or tuple for ``scipy.signal.get_window`` (periodic) or an array of
    length ``nperseg``; ``nperseg`` (default 256, or the array window's length; a name's
    window is shortened, with a warning, to a shorter signal); ``noverlap`` (default
    ``nperseg // 2``); ``nfft >= nperseg`` (zero-padding); ``detrend``: ``'constant'``,
    ``'linear'``, ``False`` or a function of one segment; ``scaling``: ``'density'``
    (V²/Hz) or ``'spectrum'`` (V²); ``average``: ``'mean'`` or ``'median'`` (divided by
    SciPy's bias). Differentiable in ``x``; the DFT is a dense real product, ``O(nperseg ·
    nfft)`` per segment."""
    return _welch_like("welch", x, None, fs, window, nperseg, noverlap, nfft, detrend,
                       return_onesided, scaling, axis, average, False)


def csd(x: ArrayLike, y: ArrayLike, fs=1.0, window="hann", nperseg=None, noverlap=None,
        nfft=None, detrend="constant", return_onesided: bool = True, scaling: str = "density",
        axis: int = -1, average: str = "mean", *, return_parts: bool = False):
    """The cross power spectral density of ``x`` and ``y`` by Welch's method, as
    ``scipy.signal.csd``, with :func:`welch`'s options (the shorter signal is zero-padded to
    the longer; the other axes broadcast).

    SciPy's ``Pxy = mean(conj(X) · Y)`` is complex unless ``y`` equals ``x``; tensorgrad is
    real-valued, so:

    * ``return_parts=False`` (default): when ``y`` is ``x``, or holds the same values,
      ``(f, Pxx)``, :func:`welch`'s real spectrum (differentiable in both inputs: it is the
      real part of the cross spectrum); otherwise a TypeError (and under ``tg.jit``, where
      the values of two different arrays cannot be compared, too);
    * ``return_parts=True``: ``(f, Pxy.real, Pxy.imag)`` for any ``x`` and ``y``, the co-
      and quadrature spectra as two real arrays (with ``average='median'`` each is the
      median of its part, as SciPy takes it), differentiable in both inputs."""
    if y is None:  # (JAX's: the cross spectrum of x with itself)
        y = x
    if return_parts:
        return _welch_like("csd", x, y, fs, window, nperseg, noverlap, nfft, detrend,
                           return_onesided, scaling, axis, average, True)
    if y is x:
        return _welch_like("csd", x, None, fs, window, nperseg, noverlap, nfft, detrend,
                           return_onesided, scaling, axis, average, False)
    same = _same_values(real_array(x, "csd", "x"), real_array(y, "csd", "y"))
    if not same:
        why = ("x and y are different arrays traced by tg.jit, whose values cannot be compared"
               if same is None else "x and y differ")
        raise TypeError(f"csd: {why}, so the cross spectral density is complex and tensorgrad "
                        "is real-valued; pass return_parts=True to get its real and imaginary "
                        "parts as two real arrays (or pass y=x for the power spectrum)")
    return _welch_like("csd", x, y, fs, window, nperseg, noverlap, nfft, detrend,
                       return_onesided, scaling, axis, average, False)


def periodogram(x: ArrayLike, fs=1.0, window="boxcar", nfft=None, detrend="constant",
                return_onesided: bool = True, scaling: str = "density", axis: int = -1):
    """The periodogram of ``x`` along ``axis``, as ``scipy.signal.periodogram``: one segment
    the length of the signal (``window`` ``'boxcar'`` by default, or a name, tuple or array
    of the signal's length), zero-padded to ``nfft`` when it is longer, the signal truncated
    to ``nfft`` samples when it is shorter. Returns ``(f, Pxx)``; :func:`welch`'s scaling,
    detrending and one-sided rules. Differentiable in ``x``."""
    x = _signal("periodogram", x)
    xs = tuple(shape_of(x))
    ax = _axis("periodogram", axis, len(xs))
    n = xs[ax]
    if window is None:
        window = "boxcar"
    if nfft is not None:
        nfft = _int("periodogram", "nfft", nfft)
        if nfft < 1:
            raise ValueError(f"periodogram: nfft must be a positive integer, got {nfft}")
    if nfft is None or nfft >= n:
        nperseg = n
    else:
        x = getitem(x, (slice(None),) * ax + (slice(0, nfft),))
        nperseg, nfft = nfft, None
    if not isinstance(window, (str, tuple)) and np.size(window) != nperseg:
        raise ValueError(f"periodogram: the window's size ({np.size(window)}) must be that of "
                         f"the input along the axis ({nperseg})")
    return _welch_like("periodogram", x, None, fs, window, nperseg, 0, nfft, detrend,
                       return_onesided, scaling, ax, "mean", False)


def spectrogram(x: ArrayLike, fs=1.0, window=("tukey_periodic", 0.25), nperseg=None,
                noverlap=None, nfft=None, detrend="constant", return_onesided: bool = True,
                scaling: str = "density", axis: int = -1, mode: str = "psd"):
    """The spectrogram of ``x`` along ``axis``, as ``scipy.signal.spectrogram``: returns
    ``(f, t, Sxx)``, the spectrum of every segment (no averaging), with the frequency axis
    at ``axis`` and the segment times (``t``, float64) as a new last axis.

    :func:`welch`'s options, with default ``noverlap = nperseg // 8``. ``mode='psd'``: the
    scaled, one-sided-doubled ``|X|²``; ``mode='magnitude'``: ``|X|`` times the square root
    of the scale (not doubled). The complex, angle and phase modes are refused (tensorgrad
    is real-valued). Differentiable in ``x`` (in magnitude mode, where ``|X| > 0``)."""
    if mode not in _MODES:
        if mode in ("complex", "angle", "phase"):
            raise NotImplementedError(f"spectrogram: mode={mode!r} is not available: its "
                                      "values are complex or phases of complex values, and "
                                      "tensorgrad is real-valued; use mode='psd' or "
                                      "'magnitude'")
        raise ValueError(f"spectrogram: mode must be 'psd' or 'magnitude', got {mode!r}")
    _check("spectrogram", scaling)
    x = _signal("spectrogram", x)
    xs = tuple(shape_of(x))
    ax = _axis("spectrogram", axis, len(xs))
    fs = _fs("spectrogram", fs)
    detr = _detrender("spectrogram", detrend)
    onesided = bool(return_onesided)
    dtype = _result_dtype(dtype_of(x))
    win, nperseg = _window("spectrogram", window, nperseg, xs[ax])
    noverlap, nfft = _sizes("spectrogram", nperseg, noverlap, nfft, nperseg // 8)
    hop = nperseg - noverlap
    cx, sx = _transform(x, ax, win, nperseg, hop, nfft, onesided, detr)
    power = square(cx) + square(sx)
    if mode == "psd":
        s = power * _factor(win, fs, scaling, nfft, onesided)
    else:
        s = sqrt(power) * np.sqrt(_factor(win, fs, scaling, nfft, False)[0])
    s = moveaxis(s, -1, ax)                    # (..., f at ax, ..., nseg)
    if dtype != np.float64:
        s = astype(s, dtype)
    times = np.arange(nperseg / 2, xs[ax] - nperseg / 2 + 1, hop) / float(fs)
    return _freqs(nfft, fs, onesided), times, s


def stft(x, *args, **kwargs):
    """Not available: tensorgrad's spectral functions compute their DFTs with real cosine and
    sine matrices and have no complex short-time Fourier transform. Raises
    NotImplementedError; :func:`spectrogram` (``mode='psd'`` or ``'magnitude'``) gives its
    real squared or absolute values, and ``tg.fft`` the complex transforms of frames."""
    raise NotImplementedError("stft: tensorgrad has no short-time Fourier transform (its "
                              "spectral functions are real); use "
                              "tg.scipy.signal.spectrogram(x, mode='psd' or 'magnitude') for "
                              "its power or magnitude, or tg.fft.rfft of the windowed frames "
                              "for the complex values")


def istft(Zxx, *args, **kwargs):
    """Not available (see :func:`stft`). Raises NotImplementedError."""
    raise NotImplementedError("istft: tensorgrad has no inverse short-time Fourier transform "
                              "(see stft); tg.fft.irfft inverts the frames' transforms")
