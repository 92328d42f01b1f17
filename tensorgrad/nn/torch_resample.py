"""PyTorch's resampling functions, with its names, keywords, layouts and index rules:
``interpolate`` (and the deprecated ``upsample``, ``upsample_nearest``, ``upsample_bilinear``),
``grid_sample``, ``affine_grid``, and the :class:`Upsample` layer.

Inputs are (N, C, L), (N, C, H, W) or (N, C, D, H, W). ``interpolate`` resamples one spatial
axis at a time (the last one first, as PyTorch's kernels) by gathering input entries at integer
index arrays computed from the sizes alone and mixing them with constant weights, so every
transform goes through it and the gradient is a scatter-add of the weighted cotangents.
``grid_sample`` gathers at positions computed from the grid, so the gradient also reaches the
grid (zero for ``mode='nearest'``, as PyTorch). Source positions follow PyTorch's rules
exactly, including its single-precision index arithmetic for the nearest modes:

* ``align_corners=True`` maps output ``i`` to ``i·(in − 1)/(out − 1)``; ``False`` to
  ``(i + ½)·s − ½`` with ``s = 1/scale_factor`` when a scale factor was given (and
  ``recompute_scale_factor`` is not True), else ``in/out``; linear modes clamp it at 0,
  bicubic does not (its four taps are clamped to the border instead);
* ``'nearest'`` reads ``floor(i·s)``, ``'nearest-exact'`` ``floor((i + ½)·s)`` (both capped at
  ``in − 1``); on 4-D input PyTorch's CPU kernel copies an axis whose size is unchanged and
  halves the index of an axis whose size doubles, and tensorgrad does the same;
* an axis of a linear mode whose size is unchanged is copied.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from .. import ops as _ops
from ..tensor import concrete, dtype_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401
from .layers import Module
from .torch_pooling import _adaptive_means

__all__ = ["interpolate", "upsample", "upsample_nearest", "upsample_bilinear", "grid_sample",
           "affine_grid", "Upsample"]

_MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 3, "bilinear": 4,
          "trilinear": 5, "bicubic": 4}
_CUBIC_A = -0.75


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


def _arr(x):
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x)


def _dtype(x):
    return np.dtype(dtype_of(concrete(x)))


def _opmath(dt):
    """The precision of PyTorch's index arithmetic: float32 for float32 (and smaller) input."""
    return np.dtype(np.float64) if dt == np.float64 else np.dtype(np.float32)


# ---- sizes and scales -------------------------------------------------------------------------
def _per_axis(fn: str, what: str, v, n: int, xs: tuple) -> tuple:
    if isinstance(v, (tuple, list)):
        if len(v) != n:
            raise ValueError(f"{fn}: input with spatial shape {xs[2:]} and {what} {v!r} must "
                             f"have the same number of spatial dimensions ({n})")
        return tuple(v)
    return (v,) * n


def _target(fn: str, xs: tuple, size, scale_factor, recompute, mode: str):
    """(output sizes, scales handed to the index rules: 1/scale_factor per axis or None)."""
    n = len(xs) - 2
    if size is not None and scale_factor is not None:
        raise ValueError(f"{fn}: only one of size or scale_factor should be defined, got "
                         f"size={size!r} and scale_factor={scale_factor!r}")
    if size is None and scale_factor is None:
        raise ValueError(f"{fn}: either size or scale_factor should be defined")
    if size is not None:
        if recompute:
            raise ValueError(f"{fn}: recompute_scale_factor is not meaningful with an explicit "
                             f"size (got size={size!r})")
        out = _per_axis(fn, "size", size, n, xs)
        if not all(isinstance(o, (int, np.integer)) and not isinstance(o, bool) and o > 0
                   for o in out):
            raise ValueError(f"{fn}: size must be a positive int or a sequence of {n} of them, "
                             f"got {size!r}")
        return tuple(int(o) for o in out), (None,) * n
    sf = _per_axis(fn, "scale_factor", scale_factor, n, xs)
    try:
        sf = tuple(float(s) for s in sf)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: scale_factor must be a number or a sequence of {n} numbers, "
                        f"got {scale_factor!r}") from None
    if not all(s > 0 and math.isfinite(s) for s in sf):
        raise ValueError(f"{fn}: scale_factor must be positive and finite, got {scale_factor!r}")
    out = tuple(int(i * s) for i, s in zip(xs[2:], sf))  # (PyTorch truncates in · scale)
    if min(out) < 1:
        raise ValueError(f"{fn}: scale_factor {scale_factor!r} gives an empty output "
                         f"{out} for input of shape {xs}")
    if recompute or mode == "area":
        return out, (None,) * n
    return out, sf


def _scale(L: int, out: int, align_corners: bool, sf, dt):
    """PyTorch's source-per-destination step in dtype ``dt``."""
    if align_corners:
        return dt.type((L - 1) / (out - 1) if out > 1 else 0)
    if sf is not None:
        return dt.type(1.0 / sf)
    return dt.type(L) / dt.type(out)


def _nearest_index(L: int, out: int, sf, exact: bool, shortcut: bool) -> np.ndarray:
    """floor(i·s) or floor((i + ½)·s), capped at L − 1, in PyTorch's single precision."""
    i = np.arange(out)
    if shortcut and out == L:
        return i
    if shortcut and out == 2 * L:
        return i >> 1
    s = np.float32(1.0 / sf) if sf is not None else np.float32(L) / np.float32(out)
    pos = ((i + 0.5) * np.float64(s)).astype(np.float32) if exact else i.astype(np.float32) * s
    return np.minimum(np.floor(pos).astype(np.int64), L - 1)


def _linear_taps(L: int, out: int, sf, align_corners: bool, dt):
    """Indices i0, i1 and weights w0, w1 of each output entry (PyTorch's linear rule)."""
    if out == L:
        i = np.arange(L)
        return i, i, np.ones(L, dt), np.zeros(L, dt)
    od = _opmath(dt)
    s = _scale(L, out, align_corners, sf, od)
    o = np.arange(out).astype(od)
    src = s * o if align_corners else np.maximum(s * (o + od.type(0.5)) - od.type(0.5), 0)
    i0 = np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), L - 1)
    w1 = np.clip(src - i0, 0, 1).astype(od)
    i1 = i0 + (i0 < L - 1)
    return i0, i1, (1 - w1).astype(dt), w1.astype(dt)


def _cubic_taps(L: int, out: int, sf, align_corners: bool, dt):
    """(out, 4) border-clamped indices and Keys-kernel weights (A = −0.75) of bicubic."""
    od = _opmath(dt)
    s = _scale(L, out, align_corners, sf, od)
    o = np.arange(out).astype(od)
    src = s * o if align_corners else s * (o + od.type(0.5)) - od.type(0.5)
    i0 = np.minimum(np.floor(src.astype(np.float32)).astype(np.int64), L - 1)
    t = np.clip(src - i0, 0, 1).astype(od)
    A = od.type(_CUBIC_A)

    def near(x):  # |x| ≤ 1
        return ((A + 2) * x - (A + 3)) * x * x + 1

    def far(x):   # 1 < |x| < 2
        return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A
    w = np.stack([far(t + 1), near(t), near(1 - t), far(2 - t)], axis=1)
    idx = np.clip(i0[:, None] + np.arange(-1, 3), 0, L - 1)
    return idx, w.astype(dt)


# ---- resampling along one axis ----------------------------------------------------------------
def _take(x, axis: int, idx):
    """``x`` indexed along the (negative) ``axis`` by the integer array ``idx``."""
    return _ops.getitem(x, (Ellipsis, idx) + (slice(None),) * (-axis - 1))


def _along(w, axis: int):
    """A weight vector shaped to broadcast along the (negative) ``axis``."""
    return np.reshape(w, (-1,) + (1,) * (-axis - 1))


def _resample_axis(x, axis: int, L: int, out: int, sf, mode: str, align: bool, dt, nd: int):
    if mode in ("nearest", "nearest-exact"):
        return _take(x, axis, _nearest_index(L, out, sf, mode == "nearest-exact",
                                             mode == "nearest" and nd == 4))
    if mode == "bicubic":
        idx, w = _cubic_taps(L, out, sf, align, dt)
        y = _take(x, axis, idx[:, 0]) * _along(w[:, 0], axis)
        for k in range(1, 4):
            y = y + _take(x, axis, idx[:, k]) * _along(w[:, k], axis)
        return y
    i0, i1, w0, w1 = _linear_taps(L, out, sf, align, dt)
    if out == L:
        return x
    return _take(x, axis, i0) * _along(w0, axis) + _take(x, axis, i1) * _along(w1, axis)


def interpolate(input: ArrayLike, size=None, scale_factor=None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Array:
    """Resample the spatial axes of (N, C, L), (N, C, H, W) or (N, C, D, H, W) input to
    ``size`` or by ``scale_factor`` (``torch.nn.functional.interpolate``).

    ``mode``: ``'nearest'``, ``'nearest-exact'``, ``'area'`` (adaptive average pooling, any
    rank), ``'linear'`` (3-D), ``'bilinear'`` (4-D), ``'trilinear'`` (5-D), ``'bicubic'`` (4-D;
    Keys' kernel with A = −0.75, taps clamped to the border, so values may overshoot the
    input's range). ``align_corners`` is for the last four only (None means False). With a
    ``scale_factor`` the output size is ``floor(in · scale_factor)`` and the index rules use
    ``1/scale_factor`` unless ``recompute_scale_factor=True`` (then ``in/out``); see the
    module's notes. ``antialias=True`` is not supported."""
    fn = "interpolate"
    if mode not in _MODES:
        raise ValueError(f"{fn}: mode must be one of {', '.join(map(repr, _MODES))}; "
                         f"got {mode!r}")
    if antialias:
        raise NotImplementedError(f"{fn}: antialias=True is not supported")
    if mode in ("nearest", "nearest-exact", "area"):
        if align_corners is not None:
            raise ValueError(f"{fn}: align_corners can only be set with the interpolating "
                             f"modes linear, bilinear, bicubic and trilinear, not with "
                             f"mode={mode!r} (got align_corners={align_corners!r})")
    align = bool(align_corners)
    input = _arr(input)
    xs = _shape(input)
    if len(xs) not in (3, 4, 5):
        raise ValueError(f"{fn}: input of shape {xs} must be 3-D, 4-D or 5-D: (N, C, L), "
                         f"(N, C, H, W) or (N, C, D, H, W)")
    if _MODES[mode] is not None and len(xs) != _MODES[mode]:
        raise ValueError(f"{fn}: got {len(xs)}-D input of shape {xs}, but mode {mode!r} needs "
                         f"{_MODES[mode]}-D input")
    if 0 in xs[2:]:
        raise ValueError(f"{fn}: input of shape {xs} has an empty spatial axis")
    dt = _dtype(input)
    if mode not in ("nearest", "nearest-exact") and dt.kind != "f":
        raise TypeError(f"{fn}: mode {mode!r} needs floating input, got dtype {dt} "
                        f"(shape {xs})")
    out, scales = _target(fn, xs, size, scale_factor, recompute_scale_factor, mode)
    nd = len(xs)
    if mode == "area":  # adaptive average pooling, each window's mean on its own
        return _adaptive_means(input, tuple(out))
    y = input
    for j in reversed(range(nd - 2)):  # the last axis first, as PyTorch's kernels
        y = _resample_axis(y, j - (nd - 2), xs[2 + j], out[j], scales[j], mode, align, dt, nd)
    return y


def upsample(input: ArrayLike, size=None, scale_factor=None, mode: str = "nearest",
             align_corners: bool | None = None) -> Array:
    """The deprecated ``torch.nn.functional.upsample``: :func:`interpolate` with the same
    arguments."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: ArrayLike, size=None, scale_factor=None) -> Array:
    """The deprecated ``torch.nn.functional.upsample_nearest``: ``interpolate(..., mode='nearest')``."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: ArrayLike, size=None, scale_factor=None) -> Array:
    """The deprecated ``torch.nn.functional.upsample_bilinear``: ``interpolate(...,
    mode='bilinear', align_corners=True)`` (note: align_corners=True, as PyTorch)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


# ---- grid_sample and affine_grid --------------------------------------------------------------
def _clip_coord(c, size: int):
    """c clamped to [0, size − 1], its gradient 0 at and beyond the ends (PyTorch's rule)."""
    return _ops.where(c <= 0, 0.0, _ops.where(c >= size - 1, float(size - 1), c))


def _reflect(c, twice_low: int, twice_high: int):
    """c reflected into [twice_low/2, twice_high/2] by the borders, as often as needed."""
    if twice_low == twice_high:
        return c * 0.0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    c = c - low
    a = _ops.where(c < 0, -c, c)
    flips = _ops.stop_gradient(_ops.floor(a / span))
    extra = _ops.fmod(a, span)
    even = _ops.equal(_ops.fmod(flips, 2.0), 0.0)
    return _ops.where(even, extra + low, span - extra + low)


def _source_coord(g, size: int, padding_mode: str, align: bool):
    """Grid values in [−1, 1] → input positions, then border or reflection padding."""
    c = (g + 1) / 2 * (size - 1) if align else ((g + 1) * size - 1) / 2
    if padding_mode == "border":
        c = _clip_coord(c, size)
    elif padding_mode == "reflection":
        c = _reflect(c, 0, 2 * (size - 1)) if align else _reflect(c, -1, 2 * size - 1)
        c = _clip_coord(c, size)
    return c


def _gather(xt, batch, idx: list, sizes: tuple):
    """xt (N, *sizes, C) read at the integer positions ``idx`` (each (N, *out)): (N, *out, C),
    with 0 at the positions outside the input (they send no gradient to anything)."""
    inside = None
    safe = []
    for i, size in zip(idx, sizes):
        ok = _ops.logical_and(i >= 0, i < size)
        inside = ok if inside is None else _ops.logical_and(inside, ok)
        safe.append(_ops.clip(i, 0, size - 1))
    return _ops.where(_ops.expand_dims(inside, -1), _ops.getitem(xt, (batch, *safe)), 0.0)


def grid_sample(input: ArrayLike, grid: ArrayLike, mode: str = "bilinear",
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Array:
    """Sample (N, C, H, W) input at the grid's positions (N, Ho, Wo, 2) → (N, C, Ho, Wo), or
    (N, C, D, H, W) at (N, Do, Ho, Wo, 3) (``torch.nn.functional.grid_sample``).

    ``grid[..., 0]`` is x (along W), ``grid[..., 1]`` y (along H), ``grid[..., 2]`` z (along D),
    each −1 … 1 across the input: the outer edges of the border pixels with
    ``align_corners=False`` (the default; None means False), their centres with True.
    ``padding_mode``: ``'zeros'`` reads 0 outside, ``'border'`` clamps the position,
    ``'reflection'`` mirrors it at the borders. ``mode``: ``'bilinear'`` (trilinear on 5-D
    input; differentiable in the grid) or ``'nearest'`` (round half to even; zero gradient in
    the grid, as PyTorch). ``'bicubic'`` is not supported."""
    fn = "grid_sample"
    if mode == "bicubic":
        raise NotImplementedError(f"{fn}: mode='bicubic' is not supported; use 'bilinear' or "
                                  f"'nearest'")
    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"{fn}: mode must be 'bilinear', 'nearest' or 'bicubic', got {mode!r}")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"{fn}: padding_mode must be 'zeros', 'border' or 'reflection', got "
                         f"{padding_mode!r}")
    input, grid = _arr(input), _arr(grid)
    xs, gs = _shape(input), _shape(grid)
    n = len(xs) - 2
    if len(xs) not in (4, 5) or len(gs) != len(xs) or gs[-1] != n or gs[0] != xs[0]:
        raise ValueError(f"{fn}: expected input (N, C, H, W) with grid (N, Ho, Wo, 2), or input "
                         f"(N, C, D, H, W) with grid (N, Do, Ho, Wo, 3), the same N; got input "
                         f"{xs} and grid {gs}")
    if 0 in xs[2:]:
        raise ValueError(f"{fn}: input of shape {xs} has an empty spatial axis")
    for what, v in (("input", input), ("grid", grid)):
        if _dtype(v).kind != "f":
            raise TypeError(f"{fn}: {what} must be floating, got dtype {_dtype(v)} (shape "
                            f"{_shape(v)})")
    align = bool(align_corners)
    sizes = xs[2:]
    # spatial axis j (D, H, W order) takes grid component n − 1 − j
    coords = [_source_coord(_ops.getitem(grid, (Ellipsis, n - 1 - j)), sizes[j], padding_mode,
                            align) for j in range(n)]
    xt = _ops.moveaxis(input, 1, -1)
    batch = np.arange(xs[0]).reshape((-1,) + (1,) * n)
    if mode == "nearest":
        idx = [_ops.astype(_ops.stop_gradient(_ops.rint(c)), np.int64) for c in coords]
        out = _ops.moveaxis(_gather(xt, batch, idx, sizes), -1, 1)
        if getattr(grid, "requires_grad", False):  # (a grid on PyTorch's graph stays there, slope
            for c in coords:  # 0: out − 0·|Σ rint(c)|, the same values, 0.0 subtracted)
                out = out - 0 * _ops.abs(_ops.sum(_ops.rint(_ops.where(_ops.isfinite(c), c, 0.0))))
        return out
    low = [_ops.stop_gradient(_ops.floor(c)) for c in coords]
    low_i = [_ops.astype(f, np.int64) for f in low]
    y = None
    for corner in itertools.product((0, 1), repeat=n):
        w = None
        for j in reversed(range(n)):  # x factor first, as PyTorch
            f = coords[j] - low[j] if corner[j] else low[j] + 1 - coords[j]
            w = f if w is None else w * f
        v = _gather(xt, batch, [i + b for i, b in zip(low_i, corner)], sizes)
        term = v * _ops.expand_dims(w, -1)
        y = term if y is None else y + term
    return _ops.moveaxis(y, -1, 1)


def _base_line(steps: int, align: bool, dt) -> np.ndarray:
    """PyTorch's −1 … 1 grid line of ``steps`` points (scaled by (steps − 1)/steps when not
    aligning corners); a single point is 0."""
    if steps <= 1:
        return np.zeros(steps, dt)
    i = np.arange(steps)
    step = 2.0 / (steps - 1)
    line = np.where(i < steps // 2, -1.0 + step * i, 1.0 - step * (steps - 1 - i))
    if not align:
        line = line * ((steps - 1) / steps)
    return line.astype(dt)


def affine_grid(theta: ArrayLike, size, align_corners: bool | None = None) -> Array:
    """The sampling grid of a batch of affine maps (``torch.nn.functional.affine_grid``):
    theta (N, 2, 3) with size (N, C, H, W) gives (N, H, W, 2), ``grid[n, h, w] = theta[n] @
    (x_w, y_h, 1)``; theta (N, 3, 4) with size (N, C, D, H, W) gives (N, D, H, W, 3). The base
    coordinates run −1 … 1 as :func:`grid_sample` reads them (``align_corners`` None means
    False)."""
    fn = "affine_grid"
    theta = _arr(theta)
    ts = _shape(theta)
    dt = _dtype(theta)
    if dt.kind != "f":
        raise TypeError(f"{fn}: theta must be floating, got dtype {dt} (shape {ts})")
    try:
        size = tuple(int(s) for s in size)
    except (TypeError, ValueError):
        raise TypeError(f"{fn}: size must be a sequence of ints, got {size!r}") from None
    if len(size) not in (4, 5):
        raise ValueError(f"{fn}: size must be 4-D (N, C, H, W) or 5-D (N, C, D, H, W), got "
                         f"{size}")
    n = len(size) - 2
    if ts != (size[0], n, n + 1):
        raise ValueError(f"{fn}: for size {size} theta must have shape ({size[0]}, {n}, {n + 1}), "
                         f"got {ts}")
    if min(size) <= 0:
        raise ValueError(f"{fn}: size must be positive, got {size}")
    align = bool(align_corners)
    lines = [_base_line(s, align, dt) for s in size[2:]]  # D, H, W order
    mesh = np.meshgrid(*lines, indexing="ij")
    base = np.stack([*reversed(mesh), np.ones(size[2:], dt)], axis=-1)  # (x, y[, z], 1)
    return _ops.einsum("...j,nij->n...i", base, theta)


class Upsample(Module):
    """:func:`interpolate` as a layer (PyTorch's ``nn.Upsample``)."""

    def __init__(self, size=None, scale_factor=None, mode: str = "nearest",
                 align_corners: bool | None = None, recompute_scale_factor: bool | None = None):
        if mode not in _MODES:
            raise ValueError(f"Upsample: mode must be one of {', '.join(map(repr, _MODES))}; "
                             f"got {mode!r}")
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def apply(self, params, x):
        return interpolate(x, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else \
            f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"
