"""``torch.nn.functional.pad`` (exported by ``tg.nn``): PyTorch's pad tuple and its four modes.

The tuple names the last axis first, a (before, after) pair per axis: ``(1, 2)`` pads the last
axis by 1 in front and 2 behind, ``(1, 2, 3, 4)`` also the axis before it by 3 and 4. A negative
entry removes that many entries instead.

* ``'constant'``: new entries hold ``value`` (0 by default); any number of trailing axes.
* ``'reflect'``: the input mirrored about its edge entries, which are not repeated; each pad
  must be smaller than the axis.
* ``'replicate'``: the edge entry repeated.
* ``'circular'``: the input wrapped around; a negative pad crops first, and the input after
  cropping must be at least as long as each pad (it wraps around once at most).

As in PyTorch, the last three modes pad the last 1, 2 or 3 axes of an input with one or two
leading (batch, channel) axes: a pad of length 2·m needs an input with m + 1 or m + 2 axes.
They are gathers of the input, so their gradient adds each output's cotangent back onto the
input entry it copies.
"""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from ..typing import Array, ArrayLike  # noqa: F401
from .torch_pooling import _arr, _shape

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_pairs(xs: tuple, pad) -> list:
    """[(axis, before, after), ...] from PyTorch's last-axis-first pad tuple."""
    vals = tuple(pad) if isinstance(pad, (tuple, list)) else None
    if vals is None or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                               for v in vals):
        raise TypeError(f"pad: pad must be a sequence of ints, got {pad!r}")
    if len(vals) % 2:
        raise ValueError(f"pad: pad {vals} must have an even length (a pair per axis)")
    if len(vals) // 2 > len(xs):
        raise ValueError(f"pad: pad {vals} names {len(vals) // 2} axes, but the input of shape "
                         f"{xs} has only {len(xs)}")
    return [(len(xs) - 1 - i, int(vals[2 * i]), int(vals[2 * i + 1]))
            for i in range(len(vals) // 2)]


def _source(mode: str, L: int, lo: int, hi: int) -> np.ndarray:
    """The input position each output position copies, along one axis."""
    if mode == "circular":  # crop first, then wrap the cropped part around
        first, stop = max(-lo, 0), L - max(-hi, 0)
        return first + (np.arange(stop - first + max(lo, 0) + max(hi, 0)) - max(lo, 0)) \
            % (stop - first)
    t = np.arange(L + lo + hi) - lo
    if mode == "replicate":
        return np.clip(t, 0, L - 1)
    t = np.abs(t)  # reflect: about entry 0, then about entry L − 1
    return np.where(t > L - 1, 2 * (L - 1) - t, t)


def _check_axis(mode: str, xs: tuple, axis: int, lo: int, hi: int):
    L = xs[axis]
    if mode == "reflect" and (lo >= L or hi >= L):
        raise ValueError(f"pad: mode 'reflect' needs each pad smaller than the axis it pads; got "
                         f"({lo}, {hi}) for axis {axis} of size {L} (input {xs})")
    kept = L - max(-lo, 0) - max(-hi, 0)
    if mode == "circular" and (kept < 1 or lo > kept or hi > kept):
        raise ValueError(f"pad: mode 'circular' wraps around at most once: pads ({lo}, {hi}) on "
                         f"axis {axis} of size {L} ({kept} after cropping, input {xs})")
    if L + lo + hi < 0:  # (cropping an axis to nothing gives an empty one, as PyTorch's)
        raise ValueError(f"pad: pads ({lo}, {hi}) remove more than axis {axis} of size {L} "
                         f"holds (input {xs})")


def pad(input: ArrayLike, pad, mode: str = "constant", value=None) -> Array:
    """``input`` padded as ``torch.nn.functional.pad``: ``pad`` lists (before, after) pairs
    from the last axis backwards (negative entries crop); ``mode`` is ``'constant'`` (filled
    with ``value``, default 0), ``'reflect'``, ``'replicate'`` or ``'circular'`` (see the
    module for their limits)."""
    input = _arr(input)
    xs = _shape(input)
    if mode not in _MODES:
        raise ValueError(f"pad: mode must be one of {_MODES}, got {mode!r}")
    pairs = _pad_pairs(xs, pad)
    if mode == "constant":
        for axis, lo, hi in pairs:
            if xs[axis] + lo + hi < 0:
                raise ValueError(f"pad: pads ({lo}, {hi}) remove more than axis {axis} of size "
                                 f"{xs[axis]} holds (input {xs})")
        crop = [slice(None)] * len(xs)
        widths = [(0, 0)] * len(xs)
        for axis, lo, hi in pairs:
            crop[axis] = slice(max(-lo, 0), xs[axis] - max(-hi, 0))
            widths[axis] = (max(lo, 0), max(hi, 0))
        if any(c != slice(None) for c in crop):
            input = _ops.getitem(input, tuple(crop))
        if any(w != (0, 0) for w in widths):
            input = _ops.pad(input, widths, constant_values=0 if value is None else value)
        return input
    if value is not None and value != 0:
        raise ValueError(f"pad: mode {mode!r} takes no value, got value={value!r}")
    m = len(pairs)
    if m not in (1, 2, 3) or len(xs) not in (m + 1, m + 2):
        raise ValueError(f"pad: mode {mode!r} pads the last 1, 2 or 3 axes of an input with one "
                         f"or two more axes in front (pad of length 2, 4, 6 for an input of 2-3, "
                         f"3-4, 4-5 axes); got pad {tuple(pad)} for input of shape {xs}")
    for axis, lo, hi in pairs:
        _check_axis(mode, xs, axis, lo, hi)
    for axis, lo, hi in pairs:
        idx = _source(mode, xs[axis], lo, hi)
        input = _ops.getitem(input, (slice(None),) * axis + (idx,))
    return input


#: a convolution layer's ``padding_mode`` and the :func:`pad` mode it pads with first
CONV_PADDING_MODES = {"zeros": "constant", "reflect": "reflect", "replicate": "replicate",
                      "circular": "circular"}


def check_padding_mode(layer: str, padding_mode) -> str:
    """PyTorch's ``padding_mode`` of a convolution layer, checked."""
    if padding_mode not in CONV_PADDING_MODES:
        raise ValueError(f"{layer}: padding_mode must be one of {tuple(CONV_PADDING_MODES)}, got "
                         f"{padding_mode!r}")
    return padding_mode


def conv_input_padded(x, pairs, padding_mode: str):
    """``x`` padded on its trailing spatial axes by ``pairs`` ((low, high) per axis, in
    order) with ``padding_mode``, as PyTorch's convolution layers do before a convolution
    without padding of its own."""
    flat = [v for lo, hi in reversed(pairs) for v in (lo, hi)]
    return pad(x, flat, mode=CONV_PADDING_MODES[padding_mode])
