"""``jax.lax``'s shape helpers: the output shapes of convolutions and windowed reductions,
the padding a 'SAME'/'VALID' string stands for, convolution layouts as axis numbers, and
lax-style broadcasting of shapes. Pure functions of shapes (Python ints in, tuples out)."""
from __future__ import annotations

import builtins
from typing import NamedTuple, Sequence

import numpy as np

from . import lax_ops2 as _lo2
from . import lax_ops3 as _lo3

__all__ = ["ConvDimensionNumbers", "conv_dimension_numbers", "conv_general_shape_tuple",
           "conv_shape_tuple", "conv_transpose_shape_tuple", "reduce_window_shape_tuple",
           "padtype_to_pads", "broadcast_shapes"]


class ConvDimensionNumbers(NamedTuple):
    """A convolution's layouts as axis numbers: for the input and the output (batch, feature,
    spatial...), for the kernel (out-feature, in-feature, spatial...)."""
    lhs_spec: tuple
    rhs_spec: tuple
    out_spec: tuple


def _ints(name: str, what: str, v) -> tuple:
    try:
        return tuple(int(i) for i in v)
    except TypeError:
        raise TypeError(f"lax.{name}: {what} must be a sequence of integers, got {v!r}") from None


def conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers) -> ConvDimensionNumbers:
    """``jax.lax.conv_dimension_numbers``: ``dimension_numbers`` (None, three layout strings
    such as ('NHWC', 'HWIO', 'NHWC'), or a ConvDimensionNumbers) as axis numbers, the spatial
    axes in the kernel's order."""
    if isinstance(dimension_numbers, ConvDimensionNumbers):
        return dimension_numbers
    ls, rs = _ints("conv_dimension_numbers", "lhs_shape", lhs_shape), \
        _ints("conv_dimension_numbers", "rhs_shape", rhs_shape)
    if len(ls) != len(rs):
        raise TypeError(f"lax.conv_dimension_numbers: lhs and rhs need one rank, got shapes {ls} "
                        f"and {rs}")
    if dimension_numbers is not None:
        if not isinstance(dimension_numbers, (list, tuple)) or len(dimension_numbers) != 3 or \
                not builtins.all(isinstance(s, str) for s in dimension_numbers):
            raise TypeError(f"lax.conv_dimension_numbers: dimension_numbers must be None, "
                            f"three layout strings or ConvDimensionNumbers, got "
                            f"{dimension_numbers!r}")
        bad = [s for s in dimension_numbers if len(s) != len(ls)]
        if bad:
            raise TypeError(f"lax.conv_dimension_numbers: layout {bad[0]!r} must have one letter "
                            f"per axis of lhs {ls} and rhs {rs}")
    try:
        return ConvDimensionNumbers(*_lo2._conv_specs(dimension_numbers, len(ls)))
    except ValueError as exc:
        raise TypeError(str(exc).replace("conv_general_dilated", "conv_dimension_numbers")) from None


def padtype_to_pads(in_shape, window_shape, window_strides, padding) -> list:
    """``jax.lax.padtype_to_pads``: the (low, high) padding per axis that 'VALID' (none),
    'SAME' (output size ⌈in/stride⌉, the odd unit at the end) or 'SAME_LOWER' (the odd unit
    at the start) stands for."""
    kind = getattr(padding, "name", padding)
    if not isinstance(kind, str) or kind.upper() not in ("VALID", "SAME", "SAME_LOWER"):
        raise ValueError(f"lax.padtype_to_pads: padding must be 'VALID', 'SAME' or 'SAME_LOWER', "
                         f"got {padding!r}")
    kind = kind.upper()
    shape, window, strides = (_ints("padtype_to_pads", w, v) for w, v in (
        ("in_shape", in_shape), ("window_shape", window_shape), ("window_strides", window_strides)))
    if not len(shape) == len(window) == len(strides):
        raise ValueError(f"lax.padtype_to_pads: in_shape {shape}, window_shape {window} and "
                         f"window_strides {strides} need one entry per axis")
    if kind == "VALID":
        return [(0, 0)] * len(shape)
    pads = []
    for n, w, s in zip(shape, window, strides):
        total = builtins.max((-(-n // s) - 1) * s + w - n, 0)
        lo, hi = total // 2, total - total // 2
        pads.append((hi, lo) if kind == "SAME_LOWER" else (lo, hi))
    return pads


def _strided(size: int, window: int, stride: int) -> int:
    """How many windows of ``window`` fit ``size`` at ``stride`` (0 if none)."""
    return builtins.max(0, (size - window) // stride + 1) if size >= window else 0


def conv_shape_tuple(lhs_shape, rhs_shape, strides, pads, batch_group_count: int = 1) -> tuple:
    """``jax.lax.conv_shape_tuple``: the output shape of a convolution in the canonical
    layout (NC..., OI...), ``pads`` a padding string or (low, high) pairs."""
    name = "conv_shape_tuple"
    ls, rs = _ints(name, "lhs_shape", lhs_shape), _ints(name, "rhs_shape", rhs_shape)
    strides = _ints(name, "strides", strides)
    if isinstance(pads, str):
        pads = padtype_to_pads(ls[2:], rs[2:], strides, pads)
    pads = [_ints(name, "pads", p) for p in pads]
    if len(pads) != len(ls) - 2 or builtins.any(len(p) != 2 for p in pads):
        raise TypeError(f"lax.{name}: needs {len(ls) - 2} (low, high) pads for lhs {ls}, got "
                        f"{pads}")
    padded = [n + lo + hi for n, (lo, hi) in zip(ls[2:], pads)]
    if builtins.any(p < 0 for p in padded):
        raise ValueError(f"lax.{name}: the negative pads {pads} remove more than lhs {ls} has")
    if ls[0] % int(batch_group_count):
        raise ValueError(f"lax.{name}: batch_group_count {batch_group_count} does not divide the "
                         f"batch of lhs {ls}")
    return (ls[0] // int(batch_group_count), rs[0]) + tuple(
        _strided(p, k, s) for p, k, s in zip(padded, rs[2:], strides))


def _canonical(lhs_shape, rhs_shape, dimension_numbers):
    dn = conv_dimension_numbers(lhs_shape, rhs_shape, dimension_numbers)
    return tuple(np.take(lhs_shape, dn.lhs_spec)), tuple(np.take(rhs_shape, dn.rhs_spec)), dn


def conv_general_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                             dimension_numbers) -> tuple:
    """``jax.lax.conv_general_shape_tuple``: the output shape of ``conv_general_dilated``
    (no dilation) in the layouts of ``dimension_numbers``."""
    lt, rt, dn = _canonical(lhs_shape, rhs_shape, dimension_numbers)
    out = conv_shape_tuple(lt, rt, window_strides, padding)
    return tuple(int(v) for v in np.take(out, np.argsort(dn.out_spec)))


def conv_transpose_shape_tuple(lhs_shape, rhs_shape, window_strides, padding,
                               dimension_numbers) -> tuple:
    """``jax.lax.conv_transpose_shape_tuple``: the output shape of ``conv_transpose``;
    (i - 1)·s - k + 2 plus the padding along each spatial axis."""
    name = "conv_transpose_shape_tuple"
    lt, rt, dn = _canonical(lhs_shape, rhs_shape, dimension_numbers)
    strides = _ints(name, "window_strides", window_strides)
    if isinstance(padding, str):
        if padding not in ("SAME", "VALID"):
            raise ValueError(f"lax.{name}: padding must be 'SAME', 'VALID' or (low, high) pairs, "
                             f"got {padding!r}")
        padding = [_lo3._conv_transpose_padding(k, s, padding) for k, s in zip(rt[2:], strides)]
    totals = [builtins.sum(_ints(name, "padding", p)) for p in padding]
    if len(totals) != len(lt) - 2 or len(strides) != len(lt) - 2:
        raise TypeError(f"lax.{name}: window_strides {strides} and padding need {len(lt) - 2} "
                        f"entries for lhs {tuple(lhs_shape)}")
    out = (lt[0], rt[0]) + tuple((i - 1) * s - k + 2 + p
                                 for i, k, s, p in zip(lt[2:], rt[2:], strides, totals))
    return tuple(int(v) for v in np.take(out, np.argsort(dn.out_spec)))


def reduce_window_shape_tuple(operand_shape, window_dimensions, window_strides, padding,
                              base_dilation=None, window_dilation=None) -> tuple:
    """``jax.lax.reduce_window_shape_tuple``: the output shape of ``reduce_window`` for
    explicit (low, high) ``padding``, with optional base and window dilation."""
    name = "reduce_window_shape_tuple"
    shape, window, strides = (_ints(name, w, v) for w, v in (
        ("operand_shape", operand_shape), ("window_dimensions", window_dimensions),
        ("window_strides", window_strides)))
    pads = [_ints(name, "padding", p) for p in padding]
    nd = len(shape)
    bd = (1,) * nd if base_dilation is None else _ints(name, "base_dilation", base_dilation)
    wd = (1,) * nd if window_dilation is None else _ints(name, "window_dilation", window_dilation)
    if builtins.any(len(v) != nd for v in (window, strides, pads, bd, wd)) or builtins.any(
            len(p) != 2 for p in pads):
        raise TypeError(f"lax.{name}: window_dimensions {window}, window_strides {strides}, "
                        f"padding {pads} and dilations need one entry per axis of {shape}")
    dilated = [(n - 1) * b + 1 if n else 0 for n, b in zip(shape, bd)]
    span = [(w - 1) * d + 1 if w else 0 for w, d in zip(window, wd)]
    return tuple(_strided(n + lo + hi, w, s) for n, (lo, hi), w, s in zip(dilated, pads, span, strides))


def broadcast_shapes(*shapes: Sequence[int]) -> tuple:
    """``jax.lax.broadcast_shapes``: the shape NumPy's broadcasting gives ``shapes`` (ranks
    aligned at the end; sizes equal or 1)."""
    if not shapes:
        raise TypeError("lax.broadcast_shapes: give at least one shape")
    shapes = [_ints("broadcast_shapes", "each shape", s) for s in shapes]
    try:
        return tuple(int(d) for d in np.broadcast_shapes(*shapes))
    except ValueError:
        raise ValueError(f"lax.broadcast_shapes: incompatible shapes for broadcasting: "
                         f"{', '.join(map(str, shapes))}") from None
