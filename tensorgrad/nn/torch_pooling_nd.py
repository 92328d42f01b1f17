"""``torch.nn.functional``'s 2-d and 3-d poolings with their full signatures, the 3-d adaptive
and power-average poolings, and ``max_unpool1d/2d/3d`` (exported by ``tg.nn``).

Layouts are PyTorch's: (N, C, H, W) or (C, H, W) for the 2-d functions, (N, C, D, H, W) or
(C, D, H, W) for the 3-d ones. Along each spatial axis, window ``o`` reads the input at
``o·stride − padding + j·dilation`` for ``j < kernel_size``; PyTorch's rules apply:

* ``padding`` is at most half the kernel size; ``ceil_mode`` adds a last, partial window only
  when it starts inside the input or its left padding;
* a maximum never comes from the padding (it reads as −inf); its gradient goes to the first
  maximal entry in the window's row-major order, the entry PyTorch's index names (on ties, and
  also when every entry is −inf: then the first entry inside the input);
* an average divides by the window clipped to the padded input (``count_include_pad=True``),
  by the number of input entries it covers (``False``), or by ``divisor_override``;
* ``return_indices=True`` adds the int64 flat position of each maximum in its (H·W) or (D·H·W)
  plane, which ``max_unpool2d`` / ``max_unpool3d`` take back.

Everything is a composite of registered ops (slices, gathers, sums, ``tg.max_pool2d``'s arg-max
routing), so ``tg.grad``, ``tg.jvp``, ``tg.jacrev``, ``tg.vmap`` and ``tg.jit`` go through it.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from ..staging import call as _staged_call
from ..tensor import concrete, dtype_of
from ..typing import Array, ArrayLike  # noqa: F401
from .torch_pooling import (_adaptive_means, _arr, _divisor, _first_max, _float, _gather_index,
                            _lp_finish, _norm_type, _output_sizes, _shape, _slices)

__all__ = ["max_pool2d", "max_pool3d", "avg_pool2d", "avg_pool3d", "adaptive_avg_pool3d",
           "adaptive_max_pool3d", "lp_pool3d", "max_unpool1d", "max_unpool2d", "max_unpool3d"]

_LAYOUT = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (C, H, W)",
           3: "(N, C, D, H, W) or (C, D, H, W)"}


# ---- argument checks --------------------------------------------------------------------------
def _dims(fn: str, x, nd: int) -> tuple:
    xs = _shape(x)
    if len(xs) not in (nd + 1, nd + 2) or 0 in xs[-nd:]:
        raise ValueError(f"{fn}: input of shape {xs} must be {_LAYOUT[nd]} with non-empty "
                         f"spatial sizes")
    return xs


def _tuple(fn: str, what: str, v, n: int, low: int) -> tuple:
    """An int, or a sequence of 1 or n ints (PyTorch repeats a single one), each ≥ low."""
    vals = (v,) if isinstance(v, (int, np.integer)) else tuple(v) \
        if isinstance(v, (tuple, list)) else None
    if (vals is None or len(vals) not in (1, n)
            or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in vals)):
        raise TypeError(f"{fn}: {what} must be an int or a sequence of {n} ints, got {v!r}")
    if any(a < low for a in vals):
        raise ValueError(f"{fn}: {what} must be >= {low}, got {v!r}")
    return tuple(int(a) for a in vals) * (n if len(vals) == 1 else 1)


def _geometry(fn: str, xs: tuple, nd: int, kernel_size, stride, padding, dilation,
              ceil_mode: bool) -> tuple:
    """(k, s, p, d, out): per spatial axis, with PyTorch's checks and output sizes."""
    k = _tuple(fn, "kernel_size", kernel_size, nd, 1)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _tuple(fn, "stride", stride, nd, 1)
    p = _tuple(fn, "padding", padding, nd, 0)
    d = _tuple(fn, "dilation", dilation, nd, 1)
    if any(pa > ka // 2 for pa, ka in zip(p, k)):
        raise ValueError(f"{fn}: padding {p} should be at most half the kernel size {k}")
    out = []
    for a in range(nd):
        L, span = xs[a - nd], d[a] * (k[a] - 1) + 1
        n = (L + 2 * p[a] - span + (s[a] - 1 if ceil_mode else 0)) // s[a] + 1
        if ceil_mode and (n - 1) * s[a] >= L + p[a]:
            n -= 1  # the last window would start in the right padding
        if n < 1:
            raise ValueError(f"{fn}: input of shape {xs} is too small along axis {a - nd}: size "
                             f"{L} padded by {p[a]} on each side is shorter than the kernel's "
                             f"span {span}")
        out.append(n)
    return k, s, p, d, tuple(out)


def _plain(xs, k, s, p, d, out) -> bool:
    """Whether the windows are the book's: no padding or dilation, and no ceil-mode window."""
    return not any(p) and set(d) == {1} and all(
        o == (L - ka) // sa + 1 for o, L, ka, sa in zip(out, xs[-len(k):], k, s))


def _book_op(op, x, k, s):
    """The book's registered 2-d pooling op, which takes (N, C, H, W): a (C, H, W) input gets a
    batch axis of 1 for it."""
    if len(_shape(x)) == 4:
        return op(x, k, s)
    return _ops.getitem(op(_ops.expand_dims(x, 0), k, s), 0)


def _check_dtype(fn: str, x, floating_only: bool):
    dt = np.dtype(dtype_of(concrete(x)))
    if dt.kind not in ("f" if floating_only else "fiu"):
        want = "floating" if floating_only else "real (floating or integer)"
        raise TypeError(f"{fn}: input must be {want}, got dtype {dt} (shape {_shape(x)})")
    return dt


# ---- maxima over windows ----------------------------------------------------------------------
def _taps(L: int, k: int, s: int, p: int, d: int, out: int):
    """Where window o reads along one axis, as (gather, where, empty): ``gather[o, j]`` is an
    input position, taps in the padding repeating the window's first or last position inside
    the input (a repeat never changes the maximum nor which entry comes first in row-major
    order); ``where[o]`` is the first of them (PyTorch's index when nothing beats −inf);
    ``empty[o]`` flags a window with no tap inside the input (possible with dilation)."""
    start = np.arange(out) * s - p
    pos = start[:, None] + np.arange(k)[None, :] * d
    first = start + d * (-(np.minimum(start, 0) // d))   # first tap ≥ 0
    inside = (pos >= 0) & (pos < L)
    last = np.where(inside, pos, -1).max(axis=1)
    gather = np.clip(pos, first[:, None], np.maximum(last, first)[:, None])
    return gather, first, ~inside.any(axis=1)


def _window_max(fn: str, x, taps: list, return_indices: bool):
    """The maximum of ``x`` over the product windows given per spatial axis by ``taps`` (a list
    of (gather, where, empty) for the last len(taps) axes) and, if asked, the flat positions."""
    xs = _shape(x)
    nd, nb = len(taps), len(xs) - len(taps)
    gathers = []
    for a, (g, _, empty) in enumerate(taps):
        if empty.any():  # a window of only padding: it reads one −inf (the dtype's lowest)
            dt = np.dtype(dtype_of(concrete(x)))
            low = -np.inf if dt.kind == "f" else np.iinfo(dt).min
            pads = [(0, 0)] * len(_shape(x))
            pads[nb + a] = (1, 0)
            x = _ops.pad(x, pads, constant_values=low)
            g = np.where(empty[:, None], 0, g + 1)
        shape = [1] * (2 * nd)
        shape[2 * a:2 * a + 2] = g.shape
        gathers.append(g.reshape(shape))
    win = _ops.getitem(x, (Ellipsis, *gathers))  # (*lead, o1, k1, ..., on, kn)
    outs = tuple(g.shape[0] for g, _, _ in taps)
    ks = tuple(g.shape[1] for g, _, _ in taps)
    win = _ops.transpose(win, (*range(nb), *(nb + 2 * a for a in range(nd)),
                               *(nb + 2 * a + 1 for a in range(nd))))
    y, j = _first_max(_ops.reshape(win, xs[:nb] + outs + (math.prod(ks),)))
    if not return_indices:
        return y
    # the flat position of every tap of every window, (o1, ..., on, K), then pick tap j
    sizes = xs[nb:]
    flat = np.zeros(outs + ks, dtype=np.int64)
    for a, (g, first, empty) in enumerate(taps):
        pos = np.where(empty[:, None], first[:, None], g)  # (an all-padding window: as PyTorch)
        shape = [1] * (2 * nd)
        shape[a], shape[nd + a] = pos.shape
        flat = flat + pos.reshape(shape) * math.prod(sizes[a + 1:])
    K = math.prod(ks)
    base = np.arange(math.prod(outs), dtype=np.int64).reshape(outs) * K
    return y, _ops.getitem(flat.reshape(-1), base + _ops.astype(j, np.int64))


def _max_pool(fn, nd, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    input = _arr(input)
    xs = _dims(fn, input, nd)
    _check_dtype(fn, input, floating_only=False)
    k, s, p, d, out = _geometry(fn, xs, nd, kernel_size, stride, padding, dilation, ceil_mode)
    if nd == 2 and not return_indices and _plain(xs, k, s, p, d, out):
        return _book_op(_ops.max_pool2d, input, k, s)  # (the same values and gradient routing)
    taps = [_taps(xs[a - nd], k[a], s[a], p[a], d[a], out[a]) for a in range(nd)]
    return _window_max(fn, input, taps, bool(return_indices))


def max_pool2d(input: ArrayLike, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """Maximum over kh×kw windows of (N, C, H, W) or (C, H, W) input
    (``torch.nn.functional.max_pool2d``; ``stride`` defaults to ``kernel_size``; the padding
    never wins). ``return_indices=True`` also gives each maximum's flat position ``h·W + w``
    (int64). Calls ``max_pool2d(x, kernel_size, stride)`` read as before."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation,
                     bool(ceil_mode), return_indices)


def max_pool3d(input: ArrayLike, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False):
    """Maximum over kd×kh×kw windows of (N, C, D, H, W) or (C, D, H, W) input
    (``torch.nn.functional.max_pool3d``); ``return_indices=True`` also gives each maximum's flat
    position ``(d·H + h)·W + w`` (int64)."""
    return _max_pool("max_pool3d", 3, input, kernel_size, stride, padding, dilation,
                     bool(ceil_mode), return_indices)


# ---- averages over windows --------------------------------------------------------------------
def _avg_pool(fn, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    input = _arr(input)
    xs = _dims(fn, input, nd)
    dt = _check_dtype(fn, input, floating_only=False)
    k, s, p, _, out = _geometry(fn, xs, nd, kernel_size, stride, padding, 1, bool(ceil_mode))
    if divisor_override is not None and (not isinstance(divisor_override, (int, np.integer))
                                         or isinstance(divisor_override, bool)
                                         or divisor_override == 0):
        raise ValueError(f"{fn}: divisor_override must be a non-zero int or None, got "
                         f"{divisor_override!r}")
    if nd == 2 and divisor_override is None and _plain(xs, k, s, p, (1, 1), out):
        return _book_op(_ops.avg_pool2d, input, k, s)  # (it too averages integers in float64)
    fdt = _float(input)
    total = input if dt == fdt else _ops.astype(input, fdt)  # (integers average in float64)
    for a in range(nd - 1, -1, -1):  # a box sum is one windowed sum per axis
        ax = a - nd
        total = _ops.sum(_ops.stack(_slices(total, ax, k[a], s[a], p[a], 1, out[a], 0), axis=-1),
                         axis=-1)
    if divisor_override is not None:
        return total / np.asarray(divisor_override, dtype=fdt)
    div = np.ones((), dtype=fdt)
    for a in range(nd):
        div = np.multiply.outer(div, _divisor(xs[a - nd], k[a], s[a], p[a], out[a],
                                              bool(count_include_pad), fdt))
    return total / div


def avg_pool2d(input: ArrayLike, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Array:
    """Mean over kh×kw windows of (N, C, H, W) or (C, H, W) input
    (``torch.nn.functional.avg_pool2d``; ``stride`` defaults to ``kernel_size``). The divisor is
    the window clipped to the padded input (``count_include_pad=True``), the number of input
    entries it covers (``False``), or ``divisor_override``. Integer input averages in float64."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool3d(input: ArrayLike, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override=None) -> Array:
    """Mean over kd×kh×kw windows of (N, C, D, H, W) or (C, D, H, W) input
    (``torch.nn.functional.avg_pool3d``), with :func:`avg_pool2d`'s divisor rules."""
    return _avg_pool("avg_pool3d", 3, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def lp_pool3d(input: ArrayLike, norm_type: float, kernel_size, stride=None,
              ceil_mode: bool = False) -> Array:
    """``(Σ_window x^p)^(1/p)`` over kd×kh×kw windows (``torch.nn.functional.lp_pool3d``,
    p = ``norm_type``), computed as PyTorch: the window mean of x^p times kd·kh·kw, so a
    partial ceil-mode window is scaled up to a full one."""
    fn = "lp_pool3d"
    p = _norm_type(fn, norm_type)
    k = _tuple(fn, "kernel_size", kernel_size, 3, 1)
    input = _arr(input)
    _dims(fn, input, 3)
    if p == math.inf:  # (PyTorch's limit: the largest |x| of each window)
        return max_pool3d(_ops.abs(input), k, stride, 0, 1, ceil_mode)
    avg = _avg_pool(fn, 3, _ops.power(input, p), k, stride, 0, ceil_mode, True, None)
    return _lp_finish(avg, p, math.prod(k))


# ---- adaptive 3-d pooling ---------------------------------------------------------------------
def adaptive_avg_pool3d(input: ArrayLike, output_size) -> Array:
    """Means over an ``output_size`` grid of windows covering the last three axes
    (``torch.nn.functional.adaptive_avg_pool3d``; an int for a cube, None in a triple keeps
    that axis' size; window i of an axis of size L runs from floor(i·L/out) to
    ceil((i+1)·L/out)). A non-finite entry affects only the windows that hold it."""
    fn = "adaptive_avg_pool3d"
    input = _arr(input)
    xs = _dims(fn, input, 3)
    return _adaptive_means(input, _output_sizes(fn, output_size, xs[-3:]))


def adaptive_max_pool3d(input: ArrayLike, output_size, return_indices: bool = False):
    """Maxima over an ``output_size`` grid of windows covering the last three axes
    (``torch.nn.functional.adaptive_max_pool3d``; windows as :func:`adaptive_avg_pool3d`);
    ``return_indices=True`` also gives each maximum's flat position ``(d·H + h)·W + w``."""
    fn = "adaptive_max_pool3d"
    input = _arr(input)
    xs = _dims(fn, input, 3)
    _check_dtype(fn, input, floating_only=True)
    outs = _output_sizes(fn, output_size, xs[-3:])
    taps = []
    for L, o in zip(xs[-3:], outs):
        g, start = _gather_index(L, o)
        taps.append((g, start, np.zeros(o, dtype=bool)))
    return _window_max(fn, input, taps, bool(return_indices))


# ---- max_unpool -------------------------------------------------------------------------------
def _unpool_size(fn: str, xs: tuple, nd: int, k, s, p, output_size) -> tuple:
    default = tuple((xs[a - nd] - 1) * s[a] - 2 * p[a] + k[a] for a in range(nd))
    if output_size is None:
        size = default
    else:
        size = tuple(output_size) if isinstance(output_size, (tuple, list)) else None
        if size is not None and len(size) == nd + 2:
            size = size[2:]  # (a full (N, C, ...) size: its spatial part)
        if size is None or len(size) != nd or not all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in size):
            raise ValueError(f"{fn}: output_size must be a sequence of {nd} or {nd + 2} ints, "
                             f"got {output_size!r}")
        for a in range(nd):
            if not default[a] - s[a] < size[a] < default[a] + s[a]:
                raise ValueError(f"{fn}: output_size {tuple(output_size)} is invalid: spatial "
                                 f"size {size[a]} must be strictly between "
                                 f"{default[a] - s[a]} and {default[a] + s[a]}")
        size = tuple(int(v) for v in size)
    if min(size) < 1:
        raise ValueError(f"{fn}: the output would be empty: spatial size {size} for input "
                         f"{xs}, kernel_size {k}, stride {s}, padding {p}")
    return size


def _writers(fn: str, size: tuple, B: int, M: int, idx):
    """For B·M flat positions in planes of ``size``: (2, B, P), the last j writing each position
    (0 where none does) and whether one does (NumPy's ``out[idx] = v`` order)."""
    idx = np.reshape(idx, (B, M))
    P = math.prod(size)
    bad = idx[(idx < 0) | (idx >= P)]
    if bad.size:
        raise ValueError(f"{fn}: index {int(bad.flat[0])} is out of range for an output of "
                         f"spatial size {size} ({P} entries per plane)")
    w = np.full((B, P), -1, dtype=np.int64)
    w[np.arange(B)[:, None], idx] = np.arange(M)[None, :]
    return np.stack([np.maximum(w, 0), (w >= 0).astype(np.int64)])


def _max_unpool(fn, nd, input, indices, kernel_size, stride, padding, output_size):
    input, indices = _arr(input), _arr(indices)
    xs, js = _dims(fn, input, nd), _shape(indices)
    if js != xs:
        raise ValueError(f"{fn}: indices of shape {js} must have the input's shape {xs}")
    if np.dtype(dtype_of(concrete(indices))).kind not in "iu":
        raise TypeError(f"{fn}: indices must be integers, got dtype "
                        f"{np.dtype(dtype_of(concrete(indices)))}")
    k = _tuple(fn, "kernel_size", kernel_size, nd, 1)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _tuple(fn, "stride", stride, nd, 1)
    p = _tuple(fn, "padding", padding, nd, 0)
    size = _unpool_size(fn, xs, nd, k, s, p, output_size)
    lead = xs[:-nd]
    B, M = math.prod(lead), math.prod(xs[-nd:])
    wh = _staged_call(_writers, fn, size, B, M, concrete(indices))  # (replayed under tg.jit)
    rows = np.arange(B)[:, None]
    vals = _ops.getitem(_ops.reshape(input, (B, M)), (rows, wh[0]))
    out = _ops.where(wh[1] > 0, vals, np.zeros((), dtype=dtype_of(concrete(input))))
    return _ops.reshape(out, lead + size)


def max_unpool1d(input: ArrayLike, indices: ArrayLike, kernel_size, stride=None, padding=0,
                 output_size=None) -> Array:
    """The inverse of ``max_pool1d`` with ``return_indices=True``
    (``torch.nn.functional.max_unpool1d``): zeros of length ``(L − 1)·stride − 2·padding +
    kernel_size`` (or ``output_size``) with each input entry at its index."""
    return _max_unpool("max_unpool1d", 1, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool2d(input: ArrayLike, indices: ArrayLike, kernel_size, stride=None, padding=0,
                 output_size=None) -> Array:
    """The inverse of :func:`max_pool2d` with ``return_indices=True``
    (``torch.nn.functional.max_unpool2d``): zeros with each input entry at its flat index of the
    (H·W) plane. An index given twice keeps the last entry in row-major order."""
    return _max_unpool("max_unpool2d", 2, input, indices, kernel_size, stride, padding,
                       output_size)


def max_unpool3d(input: ArrayLike, indices: ArrayLike, kernel_size, stride=None, padding=0,
                 output_size=None) -> Array:
    """The inverse of :func:`max_pool3d` with ``return_indices=True``
    (``torch.nn.functional.max_unpool3d``), as :func:`max_unpool2d` on (D·H·W) planes."""
    return _max_unpool("max_unpool3d", 3, input, indices, kernel_size, stride, padding,
                       output_size)
