"""``tg.scipy.signal``: ``scipy.signal``'s (and ``jax.scipy.signal``'s) convolutions, differentiable.

* ``convolve``, ``correlate``: N-dimensional linear convolution and cross-correlation of two
  arrays with the same number of dimensions, every axis convolved; ``mode`` ``'full'``,
  ``'same'`` (the size of ``in1``, centred on the full result as SciPy centres it: the
  full result from index ``(k - 1) // 2`` on, for a kernel of length ``k``) or ``'valid'``
  (where the inputs overlap completely; one input must be at least as large as the other in
  every dimension, and if ``in2`` is the larger one the roles swap, as in SciPy);
* ``convolve2d``, ``correlate2d``: the 2-D versions with SciPy's ``boundary`` (``'fill'``
  with ``fillvalue``, ``'wrap'``, ``'symm'``) and SciPy's centring of ``'same'`` (which, for
  ``correlate2d`` and an even kernel, is one entry later than ``correlate``'s);
* ``fftconvolve``: the same values as ``convolve``, over the ``axes`` given (the other axes
  must have equal sizes or size 1, and broadcast). tensorgrad computes it directly, not by
  FFT, so the results are the direct sums (equal to SciPy's up to FFT rounding);
* ``detrend``: the input minus its least-squares line (``type='linear'``, piecewise between
  the breakpoints ``bp``) or minus its mean (``type='constant'``).
* ``welch``, ``csd``, ``periodogram``, ``spectrogram`` (and ``stft``/``istft``, which raise
  NotImplementedError: complex-valued): from :mod:`tensorgrad.scipy.spectral`, re-exported.

How they are computed: the input is padded (zeros, or the boundary rule) and every window of
it is gathered at once (one indexing op) and contracted with the kernel, or, when those windows
would hold more than ``2**22`` numbers, the kernel's offsets are added up one shifted slice at a
time. Both are compositions of registered ops (pad, indexing, products, sums), so the
results differentiate exactly, in both inputs (and in ``fillvalue``), to every order and under
every transform: the derivative of ``convolve(a, b)`` in ``a`` is the correlation of the
cotangent with ``b``, and so on.

Dtypes: as SciPy's direct method, integer inputs give an integer result (exact sums) in
``convolve``, ``correlate``, ``convolve2d`` and ``correlate2d``; ``jax.scipy.signal``
promotes them to floating point instead. ``fftconvolve`` returns float64 for integer inputs,
as SciPy's and JAX's do (their FFT result is floating point). Inputs of different dtypes meet
in NumPy's result type. Boolean and complex inputs are refused (tensorgrad differentiates
real arrays).
``method`` (``'auto'``, ``'direct'``, ``'fft'``) is accepted and checked, and changes nothing.
Empty inputs raise an error (SciPy returns an empty array).
"""
from __future__ import annotations

import numpy as np

from ..ops import astype, broadcast_to, conj, flip, getitem, mean, moveaxis, pad, reshape, tensordot
from ..ops import sum as _sum
from ..ops._util import as_array_like, dtype_of, negative_axis, shape_of
from ..ops.linalg import matmul
from ..ops.shape import concatenate
from ..typing import Array, ArrayLike  # noqa: F401

__all__ = ["convolve", "correlate", "convolve2d", "correlate2d", "fftconvolve", "detrend"]

_MODES = ("full", "same", "valid")
_METHODS = ("auto", "direct", "fft")
_BOUNDARIES = {"fill": "constant", "pad": "constant", "wrap": "wrap", "circular": "wrap",
               "symm": "symmetric", "symmetric": "symmetric"}
#: at most this many numbers in the gathered windows; beyond, a loop over the kernel's offsets
_GATHER_LIMIT = 2 ** 22


def _inputs(name: str, in1, in2, mode: str, need_ndim: int | None = None):
    """Both inputs as array-likes in their common dtype, after the checks SciPy makes."""
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    in1, in2 = as_array_like(in1), as_array_like(in2)
    s1, s2 = shape_of(in1), shape_of(in2)
    d1, d2 = np.dtype(dtype_of(in1)), np.dtype(dtype_of(in2))
    if need_ndim is not None and (len(s1) != need_ndim or len(s2) != need_ndim):
        raise ValueError(f"{name}: in1 and in2 must both be {need_ndim}-D arrays, got shapes "
                         f"{s1} and {s2}")
    if len(s1) != len(s2):
        raise ValueError(f"{name}: in1 and in2 must have the same number of dimensions, got "
                         f"shapes {s1} and {s2}")
    if 0 in s1 or 0 in s2:
        raise ValueError(f"{name}: the inputs must not be empty, got shapes {s1} and {s2}")
    for d in (d1, d2):
        if d.kind not in "iufc":
            raise TypeError(f"{name}: the inputs must be numeric (integer, float or complex) "
                            f"arrays, got dtypes {d1} and {d2}")
    dt = np.result_type(d1, d2)
    if d1 != dt:
        in1 = astype(in1, dt)
    if d2 != dt:
        in2 = astype(in2, dt)
    if name.startswith("correlate") and dt.kind == "c":  # SciPy's: Σ in1 · conj(in2)
        in2 = conj(in2)
    return in1, in2, s1, s2


def _check_method(name: str, method: str) -> None:
    if method not in _METHODS:
        raise ValueError(f"{name}: method must be 'auto', 'direct' or 'fft', got {method!r}")


def _check_valid(name: str, s1, s2, axes) -> None:
    """SciPy's rule for ``'valid'``: one input at least as large as the other on every axis."""
    axes = list(axes)
    if not (all(s1[a] >= s2[a] for a in axes) or all(s2[a] >= s1[a] for a in axes)):
        raise ValueError(f"{name}: for mode='valid', one input must be at least as large as the "
                         f"other in every convolved dimension, got shapes {s1} and {s2}")


def _pads(n: int, k: int, mode: str, late: bool = False) -> tuple:
    """(low, high) padding of an axis of length ``n`` for a kernel of length ``k``, so that
    the sliding windows of the padded axis give exactly the entries of ``mode``."""
    if mode == "full":
        return k - 1, k - 1
    if mode == "same":   # n entries of the full result, from (k - 1) // 2 on (k // 2 if late)
        s = k // 2 if late else (k - 1) // 2
        return k - 1 - s, s
    e = max(k - n, 0)    # 'valid': |n - k| + 1 entries from min(n, k) - 1 on
    return e, e


def _slide(x, w, conv_axes, mode: str, boundary: str = "constant", fillvalue=0, late=False):
    """``out[o] = Σ_j xp[o + j] · w[j]`` over ``conv_axes`` (the other axes have equal sizes
    and are carried along), ``xp`` being ``x`` padded for ``mode`` with the boundary rule."""
    nd = len(shape_of(x))
    conv = sorted(a % nd for a in conv_axes)
    batch = [a for a in range(nd) if a not in conv]
    m = len(conv)
    if m == 0:
        return x * w
    order = batch + conv
    if order != list(range(nd)):
        x, w = moveaxis(x, order, list(range(nd))), moveaxis(w, order, list(range(nd)))
    xs, ks = shape_of(x), shape_of(w)
    nb = len(batch)
    pads = [(0, 0)] * nb + [_pads(n, k, mode, late) for n, k in zip(xs[nb:], ks[nb:])]
    if any(p != (0, 0) for p in pads):
        if boundary == "constant":
            x = pad(x, pads, mode="constant", constant_values=fillvalue)
        else:
            x = pad(x, pads, mode=boundary)
    ps = shape_of(x)
    outs = tuple(p - k + 1 for p, k in zip(ps[nb:], ks[nb:]))
    bsize = int(np.prod(xs[:nb], dtype=np.int64))
    ksize = int(np.prod(ks[nb:], dtype=np.int64))
    if bsize * ksize * int(np.prod(outs, dtype=np.int64)) <= _GATHER_LIMIT:
        idx = []
        for i, (o, k) in enumerate(zip(outs, ks[nb:])):
            shape_o = [1] * (2 * m)
            shape_o[i] = o
            shape_k = [1] * (2 * m)
            shape_k[m + i] = k
            idx.append(np.arange(o).reshape(shape_o) + np.arange(k).reshape(shape_k))
        windows = getitem(x, (Ellipsis, *idx))          # batch + outs + kernel
        if nb == 0:
            out = tensordot(windows, w, axes=m)
        else:
            wb = reshape(w, ks[:nb] + (1,) * m + ks[nb:])
            out = _sum(windows * wb, axis=tuple(range(nb + m, nb + 2 * m)))
    else:
        out = None
        for j in np.ndindex(*ks[nb:]):
            part = getitem(x, (Ellipsis,) + tuple(slice(a, a + o) for a, o in zip(j, outs)))
            wj = reshape(getitem(w, (Ellipsis,) + j), ks[:nb] + (1,) * m)
            out = part * wj if out is None else out + part * wj
    if order != list(range(nd)):
        out = moveaxis(out, list(range(nd)), order)
    return out


def _reverse(w, axes):
    return flip(w, axis=tuple(axes)) if axes else w


def convolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto",
             precision=None, *, axes=None, dot_axes=None) -> Array:
    """The N-dimensional linear convolution of ``in1`` and ``in2`` (SciPy's ``convolve``).

    ``out[n] = Σ_k in1[k] · in2[n - k]`` over every axis. ``mode``: ``'full'`` (size
    ``n + k - 1`` per axis), ``'same'`` (the size of ``in1``, centred on the full result as
    SciPy does, also for even kernel sizes) or ``'valid'`` (size ``|n - k| + 1``; one input
    must be at least as large as the other in every dimension). Both inputs must have the
    same number of dimensions; two 0-d inputs give their product. Differentiable in both
    inputs (the derivative of a convolution is a correlation with the other input).
    ``method`` and JAX's ``precision`` are accepted and have no effect (the sums are
    computed directly, in the inputs' precision). Integer
    inputs give an integer result, as SciPy's direct method (JAX promotes to float).

    HIPS autograd's form, ``convolve(A, B, axes=([...], [...]), dot_axes=([...], [...]),
    mode=...)`` (its axes may also come third, positionally), convolves only over the paired
    ``axes``, sums over the paired ``dot_axes`` and takes the outer product over the other
    axes; the result's axes are A's other axes, B's, then the convolved ones."""
    if not isinstance(mode, str) or axes is not None or dot_axes is not None:
        if not isinstance(mode, str):  # (autograd's convolve(A, B, axes, dot_axes, mode))
            axes, mode = mode, "full"
            if not isinstance(method, str):
                dot_axes, method = method, "auto"
        return _general_convolve(in1, in2, axes, dot_axes, mode)
    _check_method("convolve", method)
    in1, in2, s1, s2 = _inputs("convolve", in1, in2, mode)
    if not s1:
        return in1 * in2
    if mode == "valid":
        _check_valid("convolve", s1, s2, range(len(s1)))
    axes = list(range(len(s1)))
    return _slide(in1, _reverse(in2, axes), axes, mode)


def _general_convolve(in1, in2, axes, dot_axes, mode: str):
    """autograd's ``convolve(A, B, axes, dot_axes, mode)``: the convolution over the axis pairs
    ``axes`` (A's, B's), summed over the pairs ``dot_axes``; the other axes of each input give
    an outer product. The result's axes: A's other axes, B's, then the convolved ones."""
    name = "convolve"
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    a, b = as_array_like(in1), as_array_like(in2)
    sa, sb = shape_of(a), shape_of(b)
    if axes is None:
        if len(sa) != len(sb):
            raise ValueError(f"{name}: without axes=, in1 and in2 need the same number of "
                             f"dimensions, got shapes {sa} and {sb}")
        axes = (range(len(sa)), range(len(sa)))
    dot_axes = ((), ()) if dot_axes is None else dot_axes
    try:
        conv_a, conv_b = ([negative_axis(x, len(s), name) % len(s) for x in ax]
                          for ax, s in zip(axes, (sa, sb)))
        dot_a, dot_b = ([negative_axis(x, len(s), name) % len(s) for x in ax]
                        for ax, s in zip(dot_axes, (sa, sb)))
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{name}: axes and dot_axes must each be a pair of axis lists ({exc})") from None
    if len(conv_a) != len(conv_b) or len(dot_a) != len(dot_b):
        raise ValueError(f"{name}: axes={axes!r} and dot_axes={dot_axes!r} must pair as many axes "
                         "of in1 as of in2")
    if len(set(conv_a + dot_a)) != len(conv_a + dot_a) or len(set(conv_b + dot_b)) != len(conv_b + dot_b):
        raise ValueError(f"{name}: an axis repeats in axes={axes!r} or dot_axes={dot_axes!r}")
    if any(sa[i] != sb[j] for i, j in zip(dot_a, dot_b)):
        raise ValueError(f"{name}: dot_axes={dot_axes!r} pair axes of different lengths in shapes "
                         f"{sa} and {sb}")
    other_a = [i for i in range(len(sa)) if i not in conv_a + dot_a]
    other_b = [i for i in range(len(sb)) if i not in conv_b + dot_b]
    oa, ob, d = [sa[i] for i in other_a], [sb[i] for i in other_b], [sa[i] for i in dot_a]
    ka, kb = [sa[i] for i in conv_a], [sb[i] for i in conv_b]
    if mode == "valid":
        _check_valid(name, tuple(ka), tuple(kb), range(len(ka)))
    order_a, order_b = other_a + dot_a + conv_a, other_b + dot_b + conv_b
    a = moveaxis(a, order_a, list(range(len(sa)))) if order_a != list(range(len(sa))) else a
    b = moveaxis(b, order_b, list(range(len(sb)))) if order_b != list(range(len(sb))) else b
    batch = tuple(oa + ob + d)
    x = broadcast_to(reshape(a, tuple(oa) + (1,) * len(ob) + tuple(d + ka)), batch + tuple(ka))
    w = broadcast_to(reshape(b, (1,) * len(oa) + tuple(ob + d + kb)), batch + tuple(kb))
    conv = list(range(len(batch), len(batch) + len(ka)))
    out = _slide(x, _reverse(w, conv), conv, mode) if conv else x * w
    if d:
        out = _sum(out, axis=tuple(range(len(oa) + len(ob), len(batch))))
    return out


def correlate(in1: ArrayLike, in2: ArrayLike, mode: str = "full", method: str = "auto",
              precision=None) -> Array:
    """The N-dimensional cross-correlation of ``in1`` and ``in2`` (SciPy's ``correlate``).

    ``out[n] = Σ_k in1[k + n - (len(in2) - 1)] · in2[k]`` per axis in ``'full'`` mode: the
    convolution of ``in1`` with ``in2`` reversed on every axis, with :func:`convolve`'s
    ``mode`` sizes and centring. When ``in2`` is the larger input in ``'valid'`` mode the
    result is SciPy's (which swaps the inputs and reverses the result: the same numbers).
    Differentiable in both inputs; a complex ``in2`` is conjugated, as SciPy's.
    ``method`` and JAX's ``precision`` are accepted and have no effect."""
    _check_method("correlate", method)
    in1, in2, s1, s2 = _inputs("correlate", in1, in2, mode)
    if not s1:
        return in1 * in2
    if mode == "valid":
        _check_valid("correlate", s1, s2, range(len(s1)))
    return _slide(in1, in2, list(range(len(s1))), mode)


def _boundary(name: str, boundary: str, fillvalue):
    if boundary not in _BOUNDARIES:
        raise ValueError(f"{name}: boundary must be 'fill', 'wrap' or 'symm' (or 'pad', "
                         f"'circular', 'symmetric'), got {boundary!r}")
    if len(shape_of(as_array_like(fillvalue))) != 0:
        raise ValueError(f"{name}: fillvalue must be a scalar, got shape "
                         f"{shape_of(as_array_like(fillvalue))}")
    return _BOUNDARIES[boundary]


def convolve2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
               fillvalue=0, precision=None) -> Array:
    """The 2-D convolution of ``in1`` and ``in2`` (SciPy's ``convolve2d``).

    :func:`convolve` of two 2-D arrays, with ``in1`` extended beyond its edges by
    ``boundary``: ``'fill'`` (the value ``fillvalue``; differentiable in it too), ``'wrap'``
    (periodically) or ``'symm'`` (mirrored, the edge entry repeated). In ``'valid'`` mode
    the boundary plays no part, and the inputs swap if ``in2`` is the larger. ``jax.scipy``
    supports only ``boundary='fill'`` with ``fillvalue=0``; its ``precision`` is accepted
    and has no effect (also in :func:`correlate2d`)."""
    padmode = _boundary("convolve2d", boundary, fillvalue)
    in1, in2, s1, s2 = _inputs("convolve2d", in1, in2, mode, need_ndim=2)
    if mode == "valid":
        _check_valid("convolve2d", s1, s2, (0, 1))
        if s2[0] >= s1[0] and s2[1] >= s1[1] and s1 != s2:
            in1, in2 = in2, in1
    return _slide(in1, _reverse(in2, (0, 1)), (0, 1), mode, padmode, fillvalue)


def correlate2d(in1: ArrayLike, in2: ArrayLike, mode: str = "full", boundary: str = "fill",
                fillvalue=0, precision=None) -> Array:
    """The 2-D cross-correlation of ``in1`` and ``in2`` (SciPy's ``correlate2d``).

    :func:`correlate` of two 2-D arrays with :func:`convolve2d`'s ``boundary`` rules, with
    one difference that SciPy has: in ``'same'`` mode, along an axis where ``in2`` has an
    even length ``k``, the window starts at index ``k // 2`` of the full result (one later
    than :func:`correlate`'s ``(k - 1) // 2``)."""
    padmode = _boundary("correlate2d", boundary, fillvalue)
    in1, in2, s1, s2 = _inputs("correlate2d", in1, in2, mode, need_ndim=2)
    if mode == "valid":
        _check_valid("correlate2d", s1, s2, (0, 1))
        if s2[0] >= s1[0] and s2[1] >= s1[1] and s1 != s2:
            out = flip(_slide(in2, in1, (0, 1), mode), axis=(0, 1))
            # (SciPy and JAX swap the inputs here without the conjugation: Σ conj(in1) · in2)
            return conj(out) if np.dtype(dtype_of(out)).kind == "c" else out
    return _slide(in1, in2, (0, 1), mode, padmode, fillvalue, late=True)


def fftconvolve(in1: ArrayLike, in2: ArrayLike, mode: str = "full", axes=None) -> Array:
    """SciPy's ``fftconvolve``: :func:`convolve` over ``axes`` only (default: all).

    The axes not convolved must have equal sizes or size 1 in the two inputs (they
    broadcast). The values are those of the direct sums (tensorgrad has no FFT), so they
    agree with SciPy's up to FFT rounding, and the derivatives are exact. Integer inputs
    give float64, as in SciPy and JAX (no integer wrap-around)."""
    in1, in2, s1, s2 = _inputs("fftconvolve", in1, in2, mode)
    if np.dtype(dtype_of(in1)).kind in "iu":     # SciPy's FFT result is floating point
        in1, in2 = astype(in1, np.float64), astype(in2, np.float64)
    nd = len(s1)
    if not s1:
        return in1 * in2
    if axes is None:
        axes = list(range(nd))
    else:
        axes = [axes] if isinstance(axes, (int, np.integer)) else list(axes)
        if not axes:
            raise ValueError("fftconvolve: axes, when given, must not be empty")
        axes = [negative_axis(a, nd, "fftconvolve") % nd for a in axes]
        if len(set(axes)) != len(axes):
            raise ValueError(f"fftconvolve: repeated axis in {axes}")
    for a in range(nd):
        if a not in axes and s1[a] != s2[a] and 1 not in (s1[a], s2[a]):
            raise ValueError(f"fftconvolve: incompatible shapes {s1} and {s2}: the axes not "
                             "convolved must have equal sizes or size 1")
    if mode == "valid":   # axes of size 1 broadcast and do not count, as in SciPy
        _check_valid("fftconvolve", s1, s2, [a for a in axes if 1 not in (s1[a], s2[a])])
    # an axis of size 1 convolves as it broadcasts, in every mode
    conv = [a for a in range(nd) if a in axes or s1[a] != s2[a]]
    return _slide(in1, _reverse(in2, conv), conv, mode)


def detrend(data: ArrayLike, axis: int = -1, type: str = "linear", bp=0,
            overwrite_data: bool = False) -> Array:
    """``data`` minus its trend along ``axis`` (SciPy's ``detrend``).

    ``type='linear'``: the least-squares straight line is removed from each segment between
    the breakpoints ``bp`` (constant indices, 0 and the length are always breakpoints);
    ``type='constant'``: the mean is removed (``bp`` is ignored). Both are linear
    projections of ``data`` (constant matrices), so the derivative is that projection.
    Integer input becomes float64; ``overwrite_data`` has no effect."""
    if type not in ("linear", "l", "constant", "c"):
        raise ValueError(f"detrend: type must be 'linear' or 'constant', got {type!r}")
    data = as_array_like(data)
    shape, dt = shape_of(data), np.dtype(dtype_of(data))
    if dt.kind not in "fc":
        if dt.kind not in "iub":
            raise TypeError(f"detrend: data must be numeric, got dtype {dt}")
        data = astype(data, np.float64)
    if not shape:
        raise ValueError("detrend: data must have at least one dimension")
    ax = negative_axis(axis, len(shape), "detrend")
    if type in ("constant", "c"):
        return data - mean(data, axis=ax, keepdims=True)
    n = shape[ax]
    cuts = np.asarray(bp)
    if cuts.dtype.kind not in "iu" or np.any(cuts < 0) or np.any(cuts > n):
        raise ValueError(f"detrend: breakpoints bp must be integers in [0, {n}] (the length of "
                         f"data along axis {axis}), got {bp!r}")
    cuts = np.unique(np.concatenate([[0], np.ravel(cuts), [n]]))
    dm = moveaxis(data, ax, -1)
    parts = []
    for lo, hi in zip(cuts[:-1], cuts[1:]):
        npts = int(hi - lo)
        design = np.stack([np.arange(1, npts + 1) / npts, np.ones(npts)], axis=1)
        hat = (design @ np.linalg.pinv(design)).astype(np.dtype(dtype_of(dm)))  # projection
        seg = dm[..., int(lo):int(hi)]
        parts.append(seg - matmul(seg, hat.T))
    out = parts[0] if len(parts) == 1 else concatenate(parts, axis=-1)
    return moveaxis(out, -1, ax)

# the spectral estimates (welch, csd, periodogram, spectrogram; stft/istft refused) live in
# their own module and are re-exported here, where scipy.signal and jax.scipy.signal have them
from .spectral import csd, istft, periodogram, spectrogram, stft, welch  # noqa: E402

__all__ += ["welch", "csd", "periodogram", "spectrogram", "stft", "istft"]
