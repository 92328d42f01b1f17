"""``torch.nn.functional``'s 1-d, adaptive and power-average poolings (exported through
:mod:`tensorgrad.nn.torch_layers` and ``tg.nn``), with PyTorch's names, keywords and layouts:
(N, C, L) or (C, L) for the 1-d functions, (N, C, H, W) or (C, H, W) for the 2-d ones.

Windows follow PyTorch's rules: ``ceil_mode`` adds a last, partial window only when it starts
inside the input or its left padding; ``avg_pool1d`` divides by the window clipped to the
padded input (``count_include_pad=True``) or by the number of input entries it covers; the
adaptive windows of output ``i`` run from ``floor(i·L/out)`` to ``ceil((i+1)·L/out)``.
A maximum sends its gradient to the first maximal entry of its window (PyTorch's choice on
ties), through :func:`tensorgrad.ops.max_pool2d`'s arg-max routing.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from ..tensor import concrete, dtype_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401

__all__ = ["max_pool1d", "avg_pool1d", "adaptive_avg_pool1d", "adaptive_avg_pool2d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "lp_pool1d", "lp_pool2d"]


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


def _arr(x):
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x)


def _dims(fn: str, x, nd: int) -> tuple:
    xs = _shape(x)
    if len(xs) not in (nd + 1, nd + 2) or 0 in xs[-nd:]:
        want = "(N, C, L) or (C, L)" if nd == 1 else "(N, C, H, W) or (C, H, W)"
        raise ValueError(f"{fn}: input of shape {xs} must be {want} with non-empty "
                         f"{'length' if nd == 1 else 'height and width'}")
    return xs


def _ints(fn: str, what: str, v, n: int, low: int) -> tuple:
    """An int or a sequence of n ints (PyTorch's 1-d layers also take 1-tuples), each ≥ low."""
    vals = (v,) * n if isinstance(v, (int, np.integer)) else tuple(v) \
        if isinstance(v, (tuple, list)) else None
    if (vals is None or len(vals) != n
            or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in vals)):
        raise TypeError(f"{fn}: {what} must be an int or a sequence of {n} ints, got {v!r}")
    if any(a < low for a in vals):
        raise ValueError(f"{fn}: {what} must be >= {low}, got {v!r}")
    return tuple(int(a) for a in vals)


def _out_len(fn: str, L: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> int:
    """PyTorch's output length; a ceil-mode window must start inside the input or its left
    padding."""
    span = d * (k - 1) + 1
    if p > k // 2:
        raise ValueError(f"{fn}: padding should be at most half the kernel size {k}, got {p}")
    num = L + 2 * p - span + (s - 1 if ceil_mode else 0)
    out = num // s + 1
    if ceil_mode and (out - 1) * s >= L + p:
        out -= 1
    if out < 1:
        raise ValueError(f"{fn}: input length {L} (padded by {p} on each side) is shorter than "
                         f"the kernel's span {span}")
    return out


def _slices(x, axis: int, k: int, s: int, p: int, d: int, out: int, fill) -> list:
    """The k strided slices along ``axis`` (negative) whose o-th entries make up window o:
    ``x[o·s − p + j·d]`` for j < k, positions outside the input reading ``fill``."""
    L = _shape(x)[axis]
    right = max(0, (out - 1) * s + d * (k - 1) + 1 - p - L)
    if p or right:
        pads = [(0, 0)] * len(_shape(x))
        pads[axis] = (p, right)
        x = _ops.pad(x, pads, constant_values=fill)
    nd = len(_shape(x))
    lead = (slice(None),) * (nd + axis)
    tail = (slice(None),) * (-axis - 1)
    return [_ops.getitem(x, lead + (slice(j * d, j * d + s * (out - 1) + 1, s),) + tail)
            for j in range(k)]


def _first_max(win):
    """The maximum over the last axis of (*lead, M, K), the gradient going to the first
    maximal entry (max_pool2d's routing), and that entry's position (an integer array)."""
    ws = _shape(win)
    if not math.prod(ws[:-1]):  # no window at all (an empty batch): nothing to route
        return _ops.max(win, axis=-1), _ops.argmax(win, axis=-1)
    flat = _ops.reshape(win, (1, 1, math.prod(ws[:-1]), ws[-1]))
    m = _ops.max_pool2d(flat, (1, ws[-1]))
    return _ops.reshape(m, ws[:-1]), _ops.argmax(win, axis=-1)


def _need_float(fn: str, x):
    dt = np.dtype(dtype_of(concrete(x)))
    if dt.kind != "f":
        raise TypeError(f"{fn}: input must be floating, got dtype {dt} (shape {_shape(x)})")


def max_pool1d(input: ArrayLike, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """Maximum over windows of ``kernel_size`` entries ``dilation`` apart along the last axis
    (``torch.nn.functional.max_pool1d``; ``stride`` defaults to ``kernel_size``; padding
    never wins). ``return_indices=True`` also gives each maximum's position in the input."""
    fn = "max_pool1d"
    input = _arr(input)
    xs = _dims(fn, input, 1)
    _need_float(fn, input)
    (k,) = _ints(fn, "kernel_size", kernel_size, 1, 1)
    (s,) = (k,) if stride is None or stride == [] else _ints(fn, "stride", stride, 1, 1)
    (p,) = _ints(fn, "padding", padding, 1, 0)
    (d,) = _ints(fn, "dilation", dilation, 1, 1)
    out = _out_len(fn, xs[-1], k, s, p, d, bool(ceil_mode))
    win = _ops.stack(_slices(input, -1, k, s, p, d, out, -np.inf), axis=-1)
    pos = (np.arange(out) * s - p)[:, None] + np.arange(k) * d  # (out, k) input positions
    # the first maximal entry of the input itself (a NaN counts as maximal): the padding
    # never wins, not even a tie with an entry that is −inf
    hit = _ops.logical_or(_ops.equal(win, _ops.max(win, axis=-1, keepdims=True)), _ops.isnan(win))
    key = _ops.logical_and(hit, (pos >= 0) & (pos < xs[-1]))
    # (a window of padding only, possible with dilation: PyTorch's index, its first tap ≥ 0)
    j = _ops.where(_ops.any(key, axis=-1), _ops.argmax(key, axis=-1), np.argmax(pos >= 0, axis=-1))
    y = _ops.squeeze(_ops.take_along_axis(win, _ops.expand_dims(j, -1), axis=-1), -1)
    return (y, j * d + (np.arange(out) * s - p)) if return_indices else y


def avg_pool1d(input: ArrayLike, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True) -> Array:
    """Mean over windows of ``kernel_size`` along the last axis
    (``torch.nn.functional.avg_pool1d``; ``stride`` defaults to ``kernel_size``). With
    ``count_include_pad`` the zero padding counts in the divisor (but not the part of a
    ceil-mode window beyond it); without, only the input entries do."""
    fn = "avg_pool1d"
    input = _arr(input)
    xs = _dims(fn, input, 1)
    (k,) = _ints(fn, "kernel_size", kernel_size, 1, 1)
    (s,) = (k,) if stride is None or stride == [] else _ints(fn, "stride", stride, 1, 1)
    (p,) = _ints(fn, "padding", padding, 1, 0)
    out = _out_len(fn, xs[-1], k, s, p, 1, bool(ceil_mode))
    total = _ops.sum(_ops.stack(_slices(input, -1, k, s, p, 1, out, 0), axis=-1), axis=-1)
    return total / _divisor(xs[-1], k, s, p, out, count_include_pad, _float(input))


def _float(x):
    dt = np.dtype(dtype_of(concrete(x)))
    return dt if dt.kind == "f" else np.dtype(np.float64)


def _divisor(L, k, s, p, out, count_include_pad, dtype):
    start = np.arange(out) * s - p
    end = np.minimum(start + k, L + p)
    if count_include_pad:
        return (end - start).astype(dtype)
    return (np.minimum(end, L) - np.maximum(start, 0)).astype(dtype)


# ---- adaptive pooling -------------------------------------------------------------------------
def _output_sizes(fn: str, output_size, in_sizes: tuple) -> tuple:
    n = len(in_sizes)
    vals = (output_size,) * n if isinstance(output_size, (int, np.integer)) or output_size is None \
        else tuple(output_size) if isinstance(output_size, (tuple, list)) else None
    if vals is None or len(vals) != n or not all(
            v is None or (isinstance(v, (int, np.integer)) and not isinstance(v, bool) and v >= 1)
            for v in vals):
        raise ValueError(f"{fn}: output_size must be a positive int or a sequence of {n} of "
                         f"them (None keeps the input's size), got {output_size!r}")
    return tuple(int(i if v is None else v) for v, i in zip(vals, in_sizes))


def _bounds(L: int, out: int):
    i = np.arange(out)
    return (i * L) // out, -((-(i + 1) * L) // out)


def _window_means(x, axis: int, out: int):
    """The means of the ``out`` adaptive windows along the (negative) ``axis`` of ``x``.

    Each window is summed on its own, from its own entries (a reshape when the windows tile
    the axis evenly, a repeat when each window is one entry, else a gather of each window
    padded to the longest with selected-away taps), then divided by its length: an inf or
    NaN reaches only the windows that hold it, as in PyTorch (a product with an averaging
    matrix would meet it with 0 coefficients everywhere else, and 0·inf is NaN)."""
    if np.dtype(dtype_of(concrete(x))).kind not in "fc":
        x = _ops.astype(x, np.float64)
    xs = _shape(x)
    at = len(xs) + axis  # the axis counted from the front
    L = xs[at]
    rest = (1,) * (-axis - 1)  # broadcasts a per-window array along the axes after ``axis``
    if L % out == 0:  # equal windows side by side
        k = L // out
        tiles = _ops.reshape(x, xs[:at] + (out, k) + xs[at + 1:])
        return _ops.sum(tiles, axis=axis) / k
    if out % L == 0:  # each window one entry, each entry out/L windows
        return _ops.repeat(x, out // L, axis=at)
    start, end = _bounds(L, out)
    K = int((end - start).max())
    taps = start[:, None] + np.arange(K)  # (out, K): window i's positions, padded to K
    inside = (taps < end[:, None]).reshape((out, K) + rest)
    picked = _ops.take(x, np.minimum(taps, L - 1).reshape(-1), axis=at)
    picked = _ops.reshape(picked, xs[:at] + (out, K) + xs[at + 1:])
    total = _ops.sum(_ops.where(inside, picked, 0.0), axis=axis)
    return total / (end - start).astype(_float(x)).reshape((out,) + rest)


def _adaptive_means(x, out_sizes: tuple):
    """Adaptive average pooling of the last ``len(out_sizes)`` axes, one axis at a time (the
    windows are products of per-axis windows, so the means separate)."""
    n = len(out_sizes)
    for j in range(n):  # the last axis first
        x = _window_means(x, -1 - j, out_sizes[n - 1 - j])
    return x


def adaptive_avg_pool1d(input: ArrayLike, output_size) -> Array:
    """Means over ``output_size`` windows that cover the last axis
    (``torch.nn.functional.adaptive_avg_pool1d``; window i runs from floor(i·L/out) to
    ceil((i+1)·L/out)). A non-finite entry affects only the windows that hold it."""
    fn = "adaptive_avg_pool1d"
    input = _arr(input)
    xs = _dims(fn, input, 1)
    return _adaptive_means(input, _output_sizes(fn, output_size, xs[-1:]))


def adaptive_avg_pool2d(input: ArrayLike, output_size) -> Array:
    """Means over an ``output_size`` grid of windows covering the last two axes
    (``torch.nn.functional.adaptive_avg_pool2d``; an int for a square grid, None in a pair
    keeps that axis' size). A non-finite entry affects only the windows that hold it."""
    fn = "adaptive_avg_pool2d"
    input = _arr(input)
    xs = _dims(fn, input, 2)
    return _adaptive_means(input, _output_sizes(fn, output_size, xs[-2:]))


def _gather_index(L: int, out: int):
    """(out, K) positions of each adaptive window, the short ones repeating their last entry
    (a repeat never changes a maximum, nor which entry comes first); and the starts."""
    start, end = _bounds(L, out)
    K = int((end - start).max())
    return np.minimum(start[:, None] + np.arange(K), end[:, None] - 1), start


def adaptive_max_pool1d(input: ArrayLike, output_size, return_indices: bool = False):
    """Maxima over ``output_size`` windows covering the last axis
    (``torch.nn.functional.adaptive_max_pool1d``; windows as :func:`adaptive_avg_pool1d`);
    ``return_indices=True`` also gives each maximum's position."""
    fn = "adaptive_max_pool1d"
    input = _arr(input)
    xs = _dims(fn, input, 1)
    _need_float(fn, input)
    (o,) = _output_sizes(fn, output_size, xs[-1:])
    idx, start = _gather_index(xs[-1], o)
    y, j = _first_max(_ops.getitem(input, (Ellipsis, idx)))
    return (y, j + start) if return_indices else y


def adaptive_max_pool2d(input: ArrayLike, output_size, return_indices: bool = False):
    """Maxima over an ``output_size`` grid of windows covering the last two axes
    (``torch.nn.functional.adaptive_max_pool2d``); ``return_indices=True`` also gives each
    maximum's flat position ``h·W + w`` in its (H, W) plane, as PyTorch."""
    fn = "adaptive_max_pool2d"
    input = _arr(input)
    xs = _dims(fn, input, 2)
    _need_float(fn, input)
    (H, W) = xs[-2:]
    oh, ow = _output_sizes(fn, output_size, (H, W))
    ih, sh = _gather_index(H, oh)
    iw, sw = _gather_index(W, ow)
    kh, kw = ih.shape[1], iw.shape[1]
    g = _ops.getitem(input, (Ellipsis, ih[:, :, None, None], iw[None, None, :, :]))
    nb = len(xs) - 2  # (*lead, oh, kh, ow, kw) → (*lead, oh, ow, kh·kw)
    g = _ops.transpose(g, (*range(nb), nb, nb + 2, nb + 1, nb + 3))
    y, j = _first_max(_ops.reshape(g, xs[:-2] + (oh, ow, kh * kw)))
    if not return_indices:
        return y
    return y, (j // kw + sh[:, None]) * W + (j % kw + sw[None, :])


# ---- power-average pooling --------------------------------------------------------------------
def _lp_finish(avg, norm_type: float, count: int):
    """PyTorch's ``(sign(a)·relu(|a|)·count)^(1/p)`` of the window means ``a`` of x^p: 0 with
    a zero gradient where a window is all zeros (relu's mask there, not the infinite slope
    of the root times 0)."""
    zero = _ops.equal(avg, 0)
    return _ops.where(zero, 0.0, _ops.power(_ops.where(zero, 1.0, avg) * count, 1.0 / norm_type))


def _norm_type(fn: str, norm_type) -> float:
    try:
        p = float(norm_type)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: norm_type must be a number, got {norm_type!r}") from None
    if p == 0 or math.isnan(p) or p == -math.inf:
        raise ValueError(f"{fn}: norm_type must be non-zero, finite or +inf, got {norm_type!r}")
    return p


def lp_pool1d(input: ArrayLike, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Array:
    """``(Σ_window x^p)^(1/p)`` over windows of the last axis (``torch.nn.functional.lp_pool1d``,
    p = ``norm_type``), computed as PyTorch: the mean of x^p over the window times
    ``kernel_size`` (a partial ceil-mode window is thus scaled up to a full one)."""
    fn = "lp_pool1d"
    p = _norm_type(fn, norm_type)
    (k,) = _ints(fn, "kernel_size", kernel_size, 1, 1)
    if p == math.inf:  # (PyTorch's limit: the largest |x| of each window)
        return max_pool1d(_ops.abs(_arr(input)), k, stride, 0, 1, ceil_mode)
    avg = avg_pool1d(_ops.power(_arr(input), p), k, stride, 0, ceil_mode)
    return _lp_finish(avg, p, k)


def lp_pool2d(input: ArrayLike, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Array:
    """``(Σ_window x^p)^(1/p)`` over kh×kw windows of the last two axes
    (``torch.nn.functional.lp_pool2d``), computed as PyTorch (see :func:`lp_pool1d`)."""
    fn = "lp_pool2d"
    p = _norm_type(fn, norm_type)
    input = _arr(input)
    xs = _dims(fn, input, 2)
    k = _ints(fn, "kernel_size", kernel_size, 2, 1)
    s = k if stride is None else _ints(fn, "stride", stride, 2, 1)
    outs = [_out_len(fn, xs[a], k[i], s[i], 0, 1, bool(ceil_mode)) for i, a in ((0, -2), (1, -1))]
    if p == math.inf:  # (PyTorch's limit: the largest |x| of each window; a partial window's
        a = _ops.abs(input)  # padding of 0 never wins)
        rows = _ops.max(_ops.stack(_slices(a, -1, k[1], s[1], 0, 1, outs[1], 0), -1), axis=-1)
        return _ops.max(_ops.stack(_slices(rows, -2, k[0], s[0], 0, 1, outs[0], 0), -1), axis=-1)
    xp = _ops.power(input, p)
    rows = _ops.sum(_ops.stack(_slices(xp, -1, k[1], s[1], 0, 1, outs[1], 0), -1), axis=-1)
    total = _ops.sum(_ops.stack(_slices(rows, -2, k[0], s[0], 0, 1, outs[0], 0), -1), axis=-1)
    dt = _float(input)
    count = np.outer(_divisor(xs[-2], k[0], s[0], 0, outs[0], True, dt),
                     _divisor(xs[-1], k[1], s[1], 0, outs[1], True, dt))
    return _lp_finish(total / count, p, k[0] * k[1])
