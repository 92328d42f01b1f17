"""``torch.nn.functional``'s convolutions, with PyTorch's names, argument order and layouts.

* ``conv1d``, ``conv2d``, ``conv3d``: cross-correlation of (N, C_in, *spatial) (or unbatched
  (C_in, *spatial)) with a weight (C_out, C_in/groups, *kernel), with ``stride``, zero
  ``padding`` (ints, or ``'valid'`` / ``'same'``), ``dilation`` and ``groups``;
* ``conv_transpose1d/2d/3d``: their transposes (the gradient of a convolution with respect to
  its input), weight (C_in, C_out/groups, *kernel), each output axis of length
  ``(L − 1)·stride − 2·padding + dilation·(kernel − 1) + output_padding + 1``;
* ``unfold`` (im2col) and ``fold`` (its transpose, which sums overlapping blocks).

All of them are composites of registered ops (``tg.lax.conv_general_dilated``, ``tg.lax.pad``,
slicing, reshapes; the plain ``conv2d`` goes to the ``tg.conv2d`` op), so ``tg.grad``,
``tg.jvp``, ``tg.jacrev``, ``tg.vmap`` and ``tg.jit`` go through them.

Dtypes: the input, weight and bias are brought to their common NumPy dtype (PyTorch refuses
mixed dtypes), which must be floating.
"""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from ..lax_ops import pad as _lax_pad
from ..lax_ops2 import conv_general_dilated as _conv_general
from ..tensor import concrete, dtype_of, shape_of
from ..typing import Array, ArrayLike  # noqa: F401

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d", "unfold", "fold"]


def _shape(x) -> tuple:
    return tuple(shape_of(concrete(x))) if hasattr(x, "shape") else np.shape(x)


def _arr(x):
    """A traced value or a tensor as it is, anything else as a NumPy array."""
    return x if hasattr(x, "shape") and hasattr(x, "dtype") else np.asarray(x)


def _dtype(x) -> np.dtype:
    return np.dtype(dtype_of(concrete(x)))


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _ints(fn: str, what: str, v, n: int, low: int) -> tuple:
    """An int (the same on every axis) or a sequence of n ints, each ≥ ``low``."""
    vals = (v,) * n if _is_int(v) else tuple(v) if isinstance(v, (tuple, list)) else None
    if vals is None or len(vals) != n or not all(_is_int(a) for a in vals):
        raise TypeError(f"{fn}: {what} must be an int or a sequence of {n} ints, got {v!r}")
    if any(a < low for a in vals):
        raise ValueError(f"{fn}: {what} must be >= {low}, got {v!r}")
    return tuple(int(a) for a in vals)


def _groups(fn: str, groups) -> int:
    if not _is_int(groups):
        raise TypeError(f"{fn}: groups must be an int, got {groups!r}")
    if groups < 1:
        raise ValueError(f"{fn}: groups must be >= 1, got {groups}")
    return int(groups)


def _common(fn: str, *arrays) -> list:
    """The arrays (None left alone) in their common floating dtype."""
    dts = [_dtype(a) for a in arrays if a is not None]
    dt = np.result_type(*dts)
    if dt.kind != "f":
        raise TypeError(f"{fn}: input, weight and bias must be (or promote to) a floating dtype, "
                        f"got {', '.join(str(d) for d in dts)}")
    return [a if a is None or _dtype(a) == dt else _ops.astype(a, dt) for a in arrays]


def _batched(fn: str, x, nd: int, what: str):
    """``x`` with a batch axis (added for unbatched input), and whether it was added."""
    xs = _shape(x)
    if len(xs) not in (nd + 1, nd + 2):
        raise ValueError(f"{fn}: input of shape {xs} must be {nd + 2}-d (N, {what}) or "
                         f"{nd + 1}-d unbatched ({what})")
    if len(xs) == nd + 1:
        return _ops.expand_dims(x, 0), True
    return x, False


def _spatial(nd: int) -> str:
    return ("L",) if nd == 1 else ("H", "W") if nd == 2 else ("D", "H", "W")


def _check_bias(fn: str, bias, c_out: int):
    if bias is not None and _shape(bias) != (c_out,):
        raise ValueError(f"{fn}: bias must have shape ({c_out},) (C_out), got {_shape(bias)}")


def _add_bias(y, bias, nd: int):
    return y if bias is None else y + _ops.reshape(bias, (-1,) + (1,) * nd)


def _conv_padding(fn: str, padding, k: tuple, d: tuple, s: tuple) -> list:
    """(low, high) per spatial axis from an int, a tuple, 'valid' or 'same'."""
    nd = len(k)
    if isinstance(padding, str):
        if padding == "valid":
            return [(0, 0)] * nd
        if padding == "same":
            if any(v != 1 for v in s):
                raise ValueError(f"{fn}: padding='same' is not supported for strided "
                                 f"convolutions, got stride {s}")
            total = [di * (ki - 1) for ki, di in zip(k, d)]
            return [(t // 2, t - t // 2) for t in total]   # the odd one on the right, as PyTorch
        raise ValueError(f"{fn}: padding string must be 'valid' or 'same', got {padding!r}")
    return [(p, p) for p in _ints(fn, "padding", padding, nd, 0)]


def _operands(fn: str, nd: int, input, weight, bias, layout: str, groups):
    """The (batched) input, weight and bias as arrays, their shapes, the spatial axis names,
    whether the input was unbatched, and the checked group count; ``layout`` names the
    weight's two leading axes for the error message."""
    names = _spatial(nd)
    x, unbatched = _batched(fn, _arr(input), nd, ", ".join(("C_in",) + names))
    w = _arr(weight)
    bias = None if bias is None else _arr(bias)
    xs, ws = _shape(x), _shape(w)
    if len(ws) != nd + 2:
        raise ValueError(f"{fn}: weight of shape {ws} must be {nd + 2}-d "
                         f"({layout}, {', '.join('k' + n for n in names)})")
    return x, w, bias, xs, ws, names, unbatched, _groups(fn, groups)


def _conv(fn: str, nd: int, input, weight, bias, stride, padding, dilation, groups) -> Array:
    x, w, bias, xs, ws, names, unbatched, g = _operands(fn, nd, input, weight, bias,
                                                         "C_out, C_in/groups", groups)
    if ws[0] % g or xs[1] != ws[1] * g:
        raise ValueError(f"{fn}: with groups={g}, input of shape {_shape(input)} must have "
                         f"weight.shape[1]·groups = {ws[1] * g} channels and weight of shape {ws} "
                         f"C_out divisible by {g}")
    _check_bias(fn, bias, ws[0])
    s = _ints(fn, "stride", stride, nd, 1)
    d = _ints(fn, "dilation", dilation, nd, 1)
    k = ws[2:]
    pads = _conv_padding(fn, padding, k, d, s)
    padded = tuple(n + lo + hi for n, (lo, hi) in zip(xs[2:], pads))
    span = tuple(di * (ki - 1) + 1 for ki, di in zip(k, d))
    if any(p < sp for p, sp in zip(padded, span)):
        raise ValueError(f"{fn}: the padded input size {padded} is smaller than the dilated "
                         f"kernel's size {span} (input {_shape(input)}, weight {ws}, padding "
                         f"{pads}, dilation {d})")
    x, w, bias = _common(fn, x, w, bias)
    if nd == 2 and g == 1 and d == (1, 1) and all(lo == hi for lo, hi in pads):
        y = _ops.conv2d(x, w, stride=s, padding=tuple(lo for lo, _ in pads))  # the fast op
    else:
        y = _conv_general(x, w, s, pads, rhs_dilation=d, feature_group_count=g)
    y = _add_bias(y, bias, nd)
    return _ops.getitem(y, 0) if unbatched else y


def conv1d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride=1,
           padding=0, dilation=1, groups: int = 1) -> Array:
    """1-d cross-correlation (``torch.nn.functional.conv1d``): input (N, C_in, L) or (C_in, L),
    weight (C_out, C_in/groups, k), bias (C_out,). ``padding``: an int, a 1-tuple, ``'valid'``
    (none) or ``'same'`` (output as long as the input; stride 1 only, the odd unit on the
    right)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride=1,
           padding=0, dilation=1, groups: int = 1) -> Array:
    """2-d cross-correlation (``torch.nn.functional.conv2d``): input (N, C_in, H, W) or
    (C_in, H, W), weight (C_out, C_in/groups, kh, kw), bias (C_out,); ``stride``,
    ``padding`` and ``dilation`` are ints or pairs, ``padding`` also ``'valid'`` or
    ``'same'`` (see :func:`conv1d`). Without groups or dilation and with symmetric padding
    this is the ``tg.conv2d`` op, plus the bias."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None, stride=1,
           padding=0, dilation=1, groups: int = 1) -> Array:
    """3-d cross-correlation (``torch.nn.functional.conv3d``): input (N, C_in, D, H, W) or
    (C_in, D, H, W), weight (C_out, C_in/groups, kd, kh, kw), bias (C_out,); options as
    :func:`conv2d` with triples."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


# ---- transposed convolutions ------------------------------------------------------------------
def _conv_transpose(fn: str, nd: int, input, weight, bias, stride, padding, output_padding,
                    groups, dilation) -> Array:
    x, w, bias, xs, ws, names, unbatched, g = _operands(fn, nd, input, weight, bias,
                                                         "C_in, C_out/groups", groups)
    if ws[0] % g or xs[1] != ws[0]:
        raise ValueError(f"{fn}: input of shape {_shape(input)} must have weight.shape[0] = "
                         f"{ws[0]} channels, divisible by groups={g} (weight of shape {ws})")
    c_out = ws[1] * g
    _check_bias(fn, bias, c_out)
    if isinstance(padding, str):
        raise TypeError(f"{fn}: padding must be an int or a sequence of {nd} ints (no "
                        f"'same'/'valid' for transposed convolutions), got {padding!r}")
    s = _ints(fn, "stride", stride, nd, 1)
    p = _ints(fn, "padding", padding, nd, 0)
    op = _ints(fn, "output_padding", output_padding, nd, 0)
    d = _ints(fn, "dilation", dilation, nd, 1)
    if any(o >= si and o >= di for o, si, di in zip(op, s, d)):
        raise ValueError(f"{fn}: output_padding {op} must be smaller than either stride {s} or "
                         f"dilation {d} on every axis")
    k = ws[2:]
    out = tuple((n - 1) * si - 2 * pi + di * (ki - 1) + oi + 1
                for n, si, pi, di, ki, oi in zip(xs[2:], s, p, d, k, op))
    if any(o < 1 for o in out):
        raise ValueError(f"{fn}: the output size {out} would be empty (input {_shape(input)}, "
                         f"weight {ws}, stride {s}, padding {p}, dilation {d})")
    x, w, bias = _common(fn, x, w, bias)
    # the forward convolution's input gradient: the input dilated by the stride, padded by
    # d·(k − 1) − p (output_padding more on the right) and correlated with the flipped kernel,
    # its (C_in, C_out/g) blocks transposed to (C_out, C_in/g)
    w = _ops.flip(w, tuple(range(2, nd + 2)))
    w = _ops.reshape(w, (g, ws[0] // g, ws[1]) + k)
    w = _ops.reshape(_ops.swapaxes(w, 1, 2), (c_out, ws[0] // g) + k)
    pads = [(di * (ki - 1) - pi, di * (ki - 1) - pi + oi) for di, ki, pi, oi in zip(d, k, p, op)]
    y = _conv_general(x, w, (1,) * nd, pads, lhs_dilation=s, rhs_dilation=d, feature_group_count=g)
    y = _add_bias(y, bias, nd)
    return _ops.getitem(y, 0) if unbatched else y


def conv_transpose1d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Array:
    """1-d transposed convolution (``torch.nn.functional.conv_transpose1d``): input
    (N, C_in, L) or (C_in, L), weight (C_in, C_out/groups, k), bias (C_out,); output length
    ``(L − 1)·stride − 2·padding + dilation·(k − 1) + output_padding + 1``.
    ``output_padding`` (extra length on the right) must be smaller than the stride or the
    dilation."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Array:
    """2-d transposed convolution (``torch.nn.functional.conv_transpose2d``): input
    (N, C_in, H, W) or (C_in, H, W), weight (C_in, C_out/groups, kh, kw); options as
    :func:`conv_transpose1d`, ints or pairs."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input: ArrayLike, weight: ArrayLike, bias: ArrayLike | None = None,
                     stride=1, padding=0, output_padding=0, groups: int = 1,
                     dilation=1) -> Array:
    """3-d transposed convolution (``torch.nn.functional.conv_transpose3d``): input
    (N, C_in, D, H, W) or (C_in, D, H, W), weight (C_in, C_out/groups, kd, kh, kw); options
    as :func:`conv_transpose1d`, ints or triples."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


# ---- unfold / fold ----------------------------------------------------------------------------
def _blocks(fn: str, size: tuple, k: tuple, d: tuple, p: tuple, s: tuple) -> tuple:
    """The number of sliding blocks along each axis (each must be ≥ 1)."""
    n = tuple((sz + 2 * pi - di * (ki - 1) - 1) // si + 1
              for sz, ki, di, pi, si in zip(size, k, d, p, s))
    if any(sz + 2 * pi < di * (ki - 1) + 1 for sz, ki, di, pi in zip(size, k, d, p)):
        raise ValueError(f"{fn}: the padded size {tuple(sz + 2 * pi for sz, pi in zip(size, p))} "
                         f"is smaller than the dilated kernel's size "
                         f"{tuple(di * (ki - 1) + 1 for ki, di in zip(k, d))} (size {size}, "
                         f"kernel_size {k}, dilation {d}, padding {p})")
    return n


def _window_args(fn: str, kernel_size, dilation, padding, stride) -> tuple:
    return (_ints(fn, "kernel_size", kernel_size, 2, 1), _ints(fn, "dilation", dilation, 2, 1),
            _ints(fn, "padding", padding, 2, 0), _ints(fn, "stride", stride, 2, 1))


def unfold(input: ArrayLike, kernel_size, dilation=1, padding=0, stride=1) -> Array:
    """The sliding kh×kw blocks of an image as columns (``torch.nn.functional.unfold``,
    im2col): (N, C, H, W) → (N, C·kh·kw, L), or unbatched (C, H, W) → (C·kh·kw, L), with L
    the number of blocks (row-major over the block grid). Row ``c·kh·kw + i·kw + j`` holds
    channel c at kernel offset (i, j), PyTorch's channel-major order."""
    fn = "unfold"
    x = _arr(input)
    xs = _shape(x)
    if len(xs) not in (3, 4):
        raise ValueError(f"{fn}: input of shape {xs} must be 4-d (N, C, H, W) or 3-d "
                         f"unbatched (C, H, W)")
    k, d, p, s = _window_args(fn, kernel_size, dilation, padding, stride)
    oh, ow = _blocks(fn, xs[-2:], k, d, p, s)
    if any(p):
        x = _ops.pad(x, [(0, 0)] * (len(xs) - 2) + [(p[0], p[0]), (p[1], p[1])])
    cols = [_ops.getitem(x, (Ellipsis, slice(i * d[0], i * d[0] + (oh - 1) * s[0] + 1, s[0]),
                             slice(j * d[1], j * d[1] + (ow - 1) * s[1] + 1, s[1])))
            for i in range(k[0]) for j in range(k[1])]
    y = _ops.stack(cols, axis=-3)                       # (*lead, C, kh·kw, oh, ow)
    return _ops.reshape(y, xs[:-3] + (xs[-3] * k[0] * k[1], oh * ow))


def fold(input: ArrayLike, output_size, kernel_size, dilation=1, padding=0, stride=1) -> Array:
    """The transpose of :func:`unfold` (``torch.nn.functional.fold``, col2im): columns
    (N, C·kh·kw, L) or unbatched (C·kh·kw, L) are put back at their blocks' places in an
    image of ``output_size`` (H, W), entries of overlapping blocks summed; L must be the
    number of blocks that fit."""
    fn = "fold"
    x = _arr(input)
    xs = _shape(x)
    if len(xs) not in (2, 3):
        raise ValueError(f"{fn}: input of shape {xs} must be 3-d (N, C·kh·kw, L) or 2-d "
                         f"unbatched (C·kh·kw, L)")
    H, W = _ints(fn, "output_size", output_size, 2, 1)
    k, d, p, s = _window_args(fn, kernel_size, dilation, padding, stride)
    kk = k[0] * k[1]
    if xs[-2] % kk:
        raise ValueError(f"{fn}: input of shape {xs}: dimension {len(xs) - 2} must be divisible "
                         f"by the kernel's size {k[0]}·{k[1]} = {kk}")
    oh, ow = _blocks(fn, (H, W), k, d, p, s)
    if xs[-1] != oh * ow:
        raise ValueError(f"{fn}: input of shape {xs} must have L = {oh}·{ow} = {oh * ow} blocks "
                         f"for output_size {(H, W)}, kernel_size {k}, dilation {d}, padding {p}, "
                         f"stride {s}; got L = {xs[-1]}")
    lead = xs[:-2] + (xs[-2] // kk,)
    cols = _ops.reshape(x, lead + (kk, oh, ow))
    zero = _ops.zeros((), _dtype(x))
    Hp, Wp = H + 2 * p[0], W + 2 * p[1]
    img = None
    for m in range(kk):
        i, j = divmod(m, k[1])
        lo_h, lo_w = i * d[0], j * d[1]
        config = [(0, 0, 0)] * len(lead) + [
            (lo_h, Hp - lo_h - (oh - 1) * s[0] - 1, s[0] - 1),
            (lo_w, Wp - lo_w - (ow - 1) * s[1] - 1, s[1] - 1)]
        part = _lax_pad(_ops.getitem(cols, (Ellipsis, m, slice(None), slice(None))), zero, config)
        img = part if img is None else img + part
    if any(p):
        img = _ops.getitem(img, (Ellipsis, slice(p[0], p[0] + H), slice(p[1], p[1] + W)))
    return img
