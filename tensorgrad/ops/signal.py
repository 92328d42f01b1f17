"""NumPy's signal, polynomial and grid functions (and a few NumPy 2 array-API names) on Tensors.

* ``convolve``, ``correlate``: 1-D discrete convolution and cross-correlation (``full``,
  ``same``, ``valid``), a gather of shifted copies and a matrix–vector product;
* ``polyval`` (Horner's rule), ``vander`` (running products), ``interp`` (piecewise linear,
  of a real or complex ``fp``; the knots ``xp`` are constants), ``linspace`` (traced end
  points), ``trapezoid``, ``gradient`` (central differences; constant spacings or coordinates);
* ``vdot``, ``float_power``, ``copysign``, ``ldexp``, ``diagflat``, ``block``, ``unstack``,
  ``matrix_transpose``, ``vecdot``.

All are compositions of registered ops, so their derivatives (of every order) come from
those ops and agree with ``jax.numpy``'s functions of the same names.
"""
from __future__ import annotations

import numpy as np

from ..registry import Example, elementwise, function
from ..staging import as_array, may_any
from ..tensor import Tensor, torch_made
from ..typing import Array, ArrayLike, Axis  # noqa: F401
from ._util import as_array_like as _as_array
from ._util import concrete, dtype_of, is_staged, negative_axis, numpy_scalar, pow2_factors, shape_of
from ._util import on_a_trace
from .arrange import pad
from .creation import device_form
from .complex_ops import conj_part, imag_part, make_complex, real_part
from .discrete import floor
from .elementwise import _float_power, _in_integer_dtype, _mask, astype, power, where
from .linalg import in_preferred_type, matmul
from .linalg_ops import mT
from .reductions import sum as _sum
from .scans import diff
from .selection import diag, take
from .shape import concatenate, moveaxis, reshape, stack

_MODES = ("full", "same", "valid")


def _shape(x) -> tuple:
    return shape_of(concrete(x))


def _constant(name: str, arg: str, x) -> np.ndarray:
    """``x``'s value, refused if a trace records it (an untraced Tensor, as ``tg.vmap`` hands
    a mapped plain array to the function, is a constant like the array it holds)."""
    if on_a_trace(x):
        raise TypeError(f"{name}: {arg} must be a constant (NumPy array), not a traced Tensor: "
                        f"NumPy's {name} is not differentiable in {arg}")
    return np.asarray(concrete(x))


# ---- convolution ------------------------------------------------------------------------------
def _vector(name: str, arg: str, x):
    x = _as_array(x)
    if not _shape(x) and name == "convolve":  # NumPy's convolve takes a 0-d array as one entry
        x = reshape(x, (1,))
    if len(_shape(x)) != 1 or _shape(x)[0] == 0:
        raise ValueError(f"{name}: {arg} must be a non-empty 1-D array, got shape {_shape(x)}")
    return x


def _full_convolution(a, v):
    n, m = _shape(a)[0], _shape(v)[0]
    padded = pad(a, (m - 1, m - 1))
    idx = np.arange(n + m - 1)[:, None] - np.arange(m)[None, :] + (m - 1)
    return matmul(padded[idx], v)


def _mode_slice(name, full, n, m, mode):
    if mode not in _MODES:
        raise ValueError(f"{name}: mode must be 'full', 'same' or 'valid', got {mode!r}")
    if mode == "full":
        return full
    lo, hi = min(n, m), max(n, m)
    start, length = ((lo - 1) // 2, hi) if mode == "same" else (lo - 1, hi - lo + 1)
    return full[start:start + length]


@function
def convolve(a: ArrayLike, v: ArrayLike, mode: str = "full", *, precision=None,
             preferred_element_type=None) -> Array:
    """The discrete linear convolution of two 1-D arrays (``mode``: full, same, valid).
    JAX's ``precision`` is accepted and has no effect; ``preferred_element_type`` casts both
    inputs first."""
    a, v = in_preferred_type((_vector("convolve", "a", a), _vector("convolve", "v", v)),
                             preferred_element_type)
    full = _full_convolution(a, v)
    return _mode_slice("convolve", full, _shape(a)[0], _shape(v)[0], mode)


@function
def correlate(a: ArrayLike, v: ArrayLike, mode: str = "valid", *, precision=None,
              preferred_element_type=None) -> Array:
    """The cross-correlation of two 1-D arrays, ``sum_n a[n + k] · conj(v[n])`` (NumPy's
    definition; the conjugate matters for complex ``v`` only). JAX's ``precision`` is
    accepted and has no effect; ``preferred_element_type`` casts both inputs first."""
    a, v = in_preferred_type((_vector("correlate", "a", a), _vector("correlate", "v", v)),
                             preferred_element_type)
    if dtype_of(concrete(v)).kind == "c":
        v = np.conjugate(v)  # a traced complex v reaches tg.conjugate, which refuses it
    full = _full_convolution(a, v[::-1])
    n, m = _shape(a)[0], _shape(v)[0]
    if mode == "same" and n < m:
        # NumPy correlates (v, a) and reverses the result when v is the longer one, so the
        # centred window of the full correlation starts at n // 2, not at (n - 1) // 2
        return full[n // 2:n // 2 + m]
    return _mode_slice("correlate", full, n, m, mode)


# ---- polynomials ------------------------------------------------------------------------------
@function
def polyval(p: ArrayLike, x: ArrayLike, *, unroll: int = 16) -> Array:
    """The polynomial with coefficients ``p`` (highest power first, along its first axis) at
    ``x`` (Horner's rule); a 2-D ``p`` holds one polynomial per column, broadcast against ``x``
    as NumPy's. JAX's ``unroll`` (a compilation hint) is accepted."""
    p = _as_array(p)
    if len(_shape(p)) == 0:
        raise ValueError("polyval: p must be an array of coefficients (highest power first), "
                         "got a 0-d one")
    x = _as_array(x)
    y = astype(x * 0, dtype_of(x))  # NumPy's zeros_like(x): a bool x stays bool (x * 0 is int)
    for i in range(_shape(p)[0]):
        y = y * x + p[i]
    return y


@function
def vander(x: ArrayLike, N: int | None = None, increasing: bool = False) -> Array:
    """The Vandermonde matrix: columns ``x**(N-1), ..., x, 1`` (reversed if ``increasing``)."""
    x = _as_array(x)
    if len(_shape(x)) != 1:  # an empty x is fine: a (0, N) matrix, as NumPy
        raise ValueError(f"vander: x must be a 1-D array, got shape {_shape(x)}")
    dt = dtype_of(concrete(x))
    if np.promote_types(dt, np.int_) != dt:  # NumPy's dtype, promote_types(x.dtype, int): no
        x = astype(x, np.promote_types(dt, np.int_))  # int8 overflow; float16/32 -> float64
    n = _shape(x)[0] if N is None else N
    if not isinstance(n, (int, np.integer)) or n < 0:
        raise ValueError(f"vander: N must be a non-negative int, got {N!r}")
    cols, col = [], x * 0 + 1
    for _ in range(n):
        cols.append(col)
        col = col * x
    if not cols:
        return reshape(x, (-1, 1))[:, :0]
    out = stack(cols if increasing else cols[::-1], axis=1)
    return out


# ---- interpolation and grids ------------------------------------------------------------------
@function
def interp(x: ArrayLike, xp: ArrayLike, fp: ArrayLike, left=None, right=None, period=None) -> Array:
    """Piecewise-linear interpolation of the points (``xp``, ``fp``) at ``x``.

    Differentiable in ``x``, ``fp`` (and ``left``/``right``) and the knots ``xp``, a 1-D
    array, increasing unless ``period`` is given: then, as NumPy's, the points repeat with
    that period (``x`` and ``xp`` are taken modulo it, ``left``/``right`` are not allowed, and
    the period is a constant). A point ``x`` in ``[xp[i], xp[i+1])`` moves with the two knots
    of its interval (JAX's rule, also at a knot); outside the knots ``left``/``right`` do not
    depend on them, unless one is ``"extrapolate"`` (JAX's): the end interval's line goes on. A
    complex ``fp`` (and ``left``/``right``) has its real and imaginary parts
    interpolated apart, in complex128, as NumPy's."""
    xp = _as_array(xp)
    if dtype_of(xp) != np.float64:  # NumPy's knots are float64 (so is the result)
        xp = astype(xp, np.float64)
    xpv = as_array(concrete(xp), float)  # the knots' values (staged by tg.jit)
    fp = _as_array(fp)
    if dtype_of(fp).kind == "c":
        return _complex_interp(x, xpv, fp, left, right, period, xp)
    return _interp(x, xpv, fp, left, right, period, knots=xp)


def _interp(x, xpv, fp, left, right, period, reciprocal=False, knots=None):
    """:func:`interp` of a real ``fp``; ``reciprocal``: each slope is Δf·(1/Δx), as NumPy's
    complex interpolation computes it, not Δf/Δx. ``knots``: ``xpv`` as given (it may be
    traced); the intervals are found on the values ``xpv``."""
    knots = xpv if knots is None else knots
    if dtype_of(fp).kind in "biu":  # in float, as NumPy and JAX: fp's differences must not wrap
        fp = astype(fp, np.float64)
    if period is not None:
        return _periodic_interp(x, xpv, fp, left, right, period, reciprocal, knots)
    if xpv.ndim != 1 or _shape(fp) != xpv.shape or xpv.size == 0:
        raise ValueError(f"interp: xp and fp must be 1-D arrays of the same non-zero length, "
                         f"got shapes {xpv.shape} and {_shape(fp)}")
    x = _as_array(x)
    if np.issubdtype(dtype_of(x), np.complexfloating):
        raise TypeError("interp: x must be real (complex x is not supported, as in NumPy)")
    xv = as_array(concrete(x), float)  # (staged by tg.jit: the intervals are found at run time)
    if xpv.size == 1:  # fp[0] at the knot and at a NaN x too, as NumPy
        y = where(np.isnan(xv), fp[0], x * 0 + fp[0])
    else:
        i = np.clip(np.searchsorted(xpv, xv, side="right"), 1, xpv.size - 1)
        # each point's interval [lo, hi]: its knots and values (take: i may be staged)
        xlo, xhi, flo, fhi = take(knots, i - 1), take(knots, i), take(fp, i - 1), take(fp, i)
        dx = xhi - xlo
        with np.errstate(invalid="ignore", divide="ignore"):
            step = where(concrete(dx) == 0, 1.0, dx)
            slope = (fhi - flo) * (1.0 / step) if reciprocal else (fhi - flo) / step
            y = flo + (x - xlo) * slope
            last = xv == xpv[-1]
            if may_any(last):  # NumPy's fp[-1] itself: the line from that end (same slopes)
                y = where(last, fhi + (x - xhi) * slope, y)
            bad = np.isnan(concrete(y)) & ~np.isnan(xv)
            if may_any(bad):  # an infinite fp: NumPy's rules for where the line gives NaN
                y = where(bad, _interp_nan_free(x, xv, xlo, xhi, flo, fhi, slope), y)
        if may_any(concrete(dx) == 0):  # (a repeated last knot; a NaN x stays NaN)
            y = where((concrete(dx) == 0) & ~np.isnan(xv), fhi, y)
            # extrapolated beyond repeated end knots: JAX's value of the first of them
            beyond = (xv < xpv[0]) & _extrapolate(left) | (xv > xpv[-1]) & _extrapolate(right)
            y = where((concrete(dx) == 0) & beyond, flo, y)
    if not _extrapolate(left):  # ("extrapolate", JAX's: the end intervals' lines go on)
        y = where(xv < xpv[0], fp[0] if left is None else left, y)
    if not _extrapolate(right):
        y = where(xv > xpv[-1], fp[-1] if right is None else right, y)
    return numpy_scalar(y)


def _extrapolate(end) -> bool:
    if isinstance(end, str) and end != "extrapolate":
        raise ValueError(f"interp: left and right must be numbers or 'extrapolate', got {end!r}")
    return isinstance(end, str)


def _complex_interp(x, xpv, fp, left, right, period, knots):
    """NumPy's complex ``interp``: each part of ``fp`` (in complex128) and of ``left``/``right``
    (a real one has imaginary part 0) interpolated on its own; a NaN ``x`` gives NaN + 0j."""
    x = _as_array(x)
    if np.issubdtype(dtype_of(x), np.complexfloating):
        raise TypeError("interp: x must be real (complex x is not supported, as in NumPy)")
    fp = astype(fp, np.complex128)
    re, im = (_interp(x, xpv, part(fp), left if left is None or _extrapolate(left) else
                      part(_as_array(left)), right if right is None or _extrapolate(right) else
                      part(_as_array(right)), period, reciprocal=True,
                      knots=knots)
              for part in (real_part, imag_part))
    if xpv.size > 1 or period is not None:  # (one knot: fp[0] wherever x is not outside it)
        im = where(np.isnan(as_array(concrete(x), float)), 0.0, im)
    return numpy_scalar(make_complex(re, im))


def _periodic_interp(x, xpv, fp, left, right, period, reciprocal, xp):
    """NumPy's ``interp(..., period=)``: the knots modulo the period, sorted, with one knot
    copied past each end, so the last interval wraps around to the first. ``xp``: the knots
    as given (they may be traced: each moves with its own knot, as JAX's)."""
    if left is not None or right is not None:
        raise ValueError("interp: left and right cannot be given with period (the points "
                         "repeat, there is no outside)")
    x = _as_array(x)
    period = abs(float(_constant("interp", "period", period)))
    if period == 0:
        raise ValueError("interp: period must be a non-zero value")
    if xpv.ndim != 1 or _shape(fp) != xpv.shape or xpv.size == 0:
        raise ValueError(f"interp: xp and fp must be 1-D arrays of the same non-zero length, "
                         f"got shapes {xpv.shape} and {_shape(fp)}")
    values = np.mod(xpv, period)
    order = np.argsort(values, kind="stable")
    values = np.concatenate([values[order][-1:] - period, values[order], values[order][:1] + period])
    moving = take(xp % period, order)  # (the same knots, traced when xp is)
    moving = concatenate([moving[-1:] - period, moving, moving[:1] + period])
    fp = take(fp, order)  # (take: the order may be staged by tg.jit)
    fp = concatenate([fp[-1:], fp, fp[:1]])
    return _interp(x % period, values, fp, None, None, None, reciprocal, knots=moving)


def _interp_nan_free(x, xv, xlo, xhi, flo, fhi, slope):
    """NumPy's value where the line through an infinite ``fp`` gives NaN: the knot's own value
    at a knot, else the line from the interval's right end, else (a flat piece) its value."""
    y2 = fhi + (x - xhi) * slope
    flat = np.isnan(concrete(y2)) & (concrete(fhi) == concrete(flo))
    y2 = where(flat, flo, y2)
    return where(xv == concrete(xlo), flo, where(xv == concrete(xhi), fhi, y2))


def _torch_made(y):
    return torch_made(y) if type(y) is np.ndarray else y


def _in_dtype(v, dt):
    return astype(v, dt) if dt.kind == "f" and dtype_of(concrete(v)).kind in "biu" else v


@function
def linspace(start: ArrayLike, stop: ArrayLike, num: int = 50, endpoint: bool = True,
             retstep: bool = False, dtype=None, axis: int = 0, *, device=None):
    """``num`` evenly spaced values from ``start`` to ``stop`` (differentiable in both);
    given a ``device`` (PyTorch's form), a constant result is a tensor of PyTorch's."""
    if device_form("linspace", device):
        out = linspace(start, stop, num, endpoint, retstep, dtype, axis)
        return (_torch_made(out[0]), out[1]) if retstep else _torch_made(out)
    if not isinstance(num, (int, np.integer)) or num < 0:
        raise ValueError(f"linspace: num must be a non-negative int, got {num!r}")
    # NumPy's computing dtype: result_type(start, stop, float(num)) (float32 endpoints stay
    # float32; Python numbers are weak)
    dt = np.result_type(*(v if type(v) in (int, float) else dtype_of(concrete(_as_array(v)))
                          for v in (start, stop)), float(num))
    # integer endpoints are taken in the computing dtype first, as NumPy does: stop − start
    # in uint8 or int8 would wrap around
    start, stop = (np.asarray(v, dt if dt.kind == "f" else float) if type(v) in (int, float)
                   else _in_dtype(_as_array(v), dt) for v in (start, stop))
    div = (num - 1) if endpoint else num
    shape = np.broadcast_shapes(_shape(start), _shape(stop))
    t = np.arange(num, dtype=dt if dt.kind == "f" else float).reshape((num,) + (1,) * len(shape))
    delta = stop - start
    step = delta / div if div > 0 else delta * np.nan
    # where the step underflows to 0 (a subnormal delta), NumPy scales by delta after dividing
    y = start + where(step == 0, (t / div) * delta, t * step) if div > 0 else start + t * delta
    if endpoint and num > 1:
        last = np.zeros((num,) + (1,) * len(shape), dtype=bool)
        last[-1] = True
        y = where(last, stop, y)
    if axis != 0:  # as NumPy: checked against the result's axes, also for scalar ends
        y = moveaxis(y, 0, axis)
    if dtype is not None:
        if np.issubdtype(np.dtype(dtype), np.integer):
            y = floor(y)  # NumPy and JAX round down, not toward 0
        y = astype(y, dtype)
    return (y, step) if retstep else y


@function
def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: float = 1.0, axis: int = -1) -> Array:
    """The integral of ``y`` along ``axis`` by the trapezoidal rule (sample points ``x`` or
    spacing ``dx``); differentiable in ``y``, ``x`` and ``dx``."""
    y = _as_array(y)
    nd = len(_shape(y))
    ax = negative_axis(axis, nd, "trapezoid")
    ym = moveaxis(y, ax, -1)
    if x is None:
        d = dx
    else:
        x = _as_array(x)
        xs = _shape(x)
        if len(xs) == 1:
            if xs[0] != _shape(ym)[-1]:
                raise ValueError(f"trapezoid: x (length {xs[0]}) must match y along axis {axis} "
                                 f"(length {_shape(ym)[-1]})")
            d = diff(x)  # (np.diff's steps: those of a boolean x are x[1:] != x[:-1])
        else:
            d = diff(moveaxis(x, ax, -1))
    return _sum(d * (ym[..., 1:] + ym[..., :-1]) / 2.0, axis=-1)


def _gradient_axis(f, h, edge_order, name):
    """d f / d(coordinate) along the last axis of ``f`` (``h``: a spacing or coordinates)."""
    n = _shape(f)[-1]
    if n < edge_order + 1:
        raise ValueError(f"{name}: the shape of the array along an axis ({n}) must be at least "
                         f"edge_order + 1 = {edge_order + 1}")
    traced = on_a_trace(h)
    if len(shape_of(concrete(h))) == 0:
        if not traced:
            h = float(h)
        elif dtype_of(concrete(h)).kind not in "fc":
            h = astype(h, np.float64)
        inner = (f[..., 2:] - f[..., :-2]) / (2 * h)
        if edge_order == 1:
            first, last = (f[..., 1:2] - f[..., :1]) / h, (f[..., -1:] - f[..., -2:-1]) / h
        else:
            first = (-1.5 * f[..., :1] + 2 * f[..., 1:2] - 0.5 * f[..., 2:3]) / h
            last = (0.5 * f[..., -3:-2] - 2 * f[..., -2:-1] + 1.5 * f[..., -1:]) / h
        return concatenate([first, inner, last], axis=-1)
    x = h if traced else np.asarray(h)
    if tuple(shape_of(concrete(x))) != (n,):
        raise ValueError(f"{name}: coordinates must be 1-D with length {n}, got shape "
                         f"{tuple(shape_of(concrete(x)))}")
    if not np.issubdtype(dtype_of(concrete(x)), np.inexact):
        x = astype(x, np.float64)
    d = x[1:] - x[:-1]
    # evenly spaced constant coordinates: the spacing's formulas, as NumPy (traced ones take the
    # general formulas, which JAX differentiates: each difference keeps its own derivative)
    if not traced and np.all(d == d[0]):
        out = _gradient_axis(f, d[0], edge_order, name)
        return out if dtype_of(out) == dtype_of(f) else astype(out, dtype_of(f))
    d1, d2 = d[:-1], d[1:]
    a, c = -d2 / (d1 * (d1 + d2)), d1 / (d2 * (d1 + d2))
    inner = a * f[..., :-2] + (d2 - d1) / (d1 * d2) * f[..., 1:-1] + c * f[..., 2:]
    if edge_order == 1:
        first, last = (f[..., 1:2] - f[..., :1]) / d[0], (f[..., -1:] - f[..., -2:-1]) / d[-1]
    else:  # the derivative of the parabola through the three end points, at the end point
        first = _three_points(f[..., :3], *_end_weights(d[0], d[1]))
        # the last end is the first one seen backwards (coordinates negated)
        wl = _end_weights(d[-1], d[-2])
        last = _three_points(f[..., -3:], -wl[2], -wl[1], -wl[0])
    out = concatenate([first, inner, last], axis=-1)
    # NumPy computes with the float64 coordinates but returns f's dtype (float32 stays float32)
    return out if dtype_of(out) == dtype_of(f) else astype(out, dtype_of(f))


def _end_weights(h1, h2):
    """The weights of f(x₀), f(x₀ + h1), f(x₀ + h1 + h2) in the derivative at x₀ of the
    parabola through the three points (second-order one-sided differences)."""
    return -(2.0 * h1 + h2) / (h1 * (h1 + h2)), (h1 + h2) / (h1 * h2), -h1 / (h2 * (h1 + h2))


def _three_points(f3, a, b, c):
    return a * f3[..., 0:1] + b * f3[..., 1:2] + c * f3[..., 2:3]


@function
def gradient(f: ArrayLike, *varargs, axis: Axis = None, edge_order: int = 1):
    """The gradient of sampled values by central differences (one-sided at the ends).

    ``varargs``: one spacing for all axes, one per axis, or coordinate arrays (traced ones are
    differentiated: JAX's formulas, each coordinate difference its own term); a
    list of arrays (one per axis) is returned for several axes, as NumPy does. The ends are
    first-order (``edge_order=1``) or second-order (``edge_order=2``: the slope of the
    parabola through the three end samples) one-sided differences."""
    if edge_order not in (1, 2):
        raise ValueError(f"gradient: edge_order must be 1 or 2, got {edge_order!r}")
    f = _as_array(f)
    if np.issubdtype(dtype_of(f), np.integer):
        f = astype(f, np.float64)
    nd = len(_shape(f))
    axes = list(range(nd)) if axis is None else [
        negative_axis(a, nd, "gradient") + nd for a in (axis if isinstance(axis, (tuple, list)) else (axis,))]
    # a traced spacing or coordinate array is differentiated (JAX's rule); an untraced Tensor
    # (as tg.vmap hands a mapped array over) is a constant like the array it holds
    varargs = tuple(h if on_a_trace(h) else np.asarray(concrete(h)) if isinstance(h, Tensor) else h
                    for h in varargs)
    if not varargs:
        hs = [1.0] * len(axes)
    elif len(varargs) == 1 and len(shape_of(concrete(varargs[0]))) == 0:
        hs = [varargs[0]] * len(axes)
    elif len(varargs) == len(axes):
        hs = list(varargs)
    else:
        raise TypeError(f"gradient: give no spacing, one scalar, or one per axis ({len(axes)}), "
                        f"got {len(varargs)}")
    outs = [moveaxis(_gradient_axis(moveaxis(f, a, -1), h, edge_order, "gradient"), -1, a)
            for a, h in zip(axes, hs)]
    return outs[0] if len(outs) == 1 else tuple(outs)


# ---- small array functions --------------------------------------------------------------------
@function
def vdot(a: ArrayLike, b: ArrayLike, *, precision=None, preferred_element_type=None) -> Array:
    """The dot product of the flattened inputs (same number of entries), the first one
    conjugated. JAX's ``precision`` is accepted; ``preferred_element_type`` casts both
    operands first."""
    a, b = in_preferred_type((_as_array(a), _as_array(b)), preferred_element_type)
    if int(np.prod(_shape(a))) != int(np.prod(_shape(b))):
        raise ValueError(f"vdot: the inputs must have the same number of entries, got shapes "
                         f"{_shape(a)} and {_shape(b)}")
    if np.issubdtype(dtype_of(a), np.complexfloating):
        a = conj_part(a)
    return _same_int(_sum(reshape(a, (-1,)) * reshape(b, (-1,))), a, b)


def _same_int(r, x1, x2):
    """NumPy's dot products keep an integer or bool input dtype (the sum op widens bool and
    int8..int32 to the platform integer, as np.sum does): cast back (same values, modulo
    2**bits as NumPy's wrap)."""
    return _in_integer_dtype(r, np.result_type(dtype_of(concrete(_as_array(x1))),
                                               dtype_of(concrete(_as_array(x2)))))


@function
def float_power(x1: ArrayLike, x2: ArrayLike) -> Array:
    """``x1 ** x2`` computed in float64 (complex128 for complex inputs)."""
    x1, x2 = _as_array(x1), _as_array(x2)
    target = np.complex128 if any(np.issubdtype(dtype_of(v), np.complexfloating) for v in (x1, x2)) \
        else np.float64
    # real inputs: NumPy's float_power loop (its own special values, see _float_power)
    return (_float_power if target is np.float64 else power)(astype(x1, target), astype(x2, target))


def _copysign_slope(out, x1, x2):
    # d copysign(x1, x2)/dx1: sign(x1) times ±1 from x2's sign bit (0 at x1 = 0, abs's
    # convention); piecewise constant
    s1, s2 = concrete(x1), concrete(x2)
    return _mask(np.sign(s1), out) * _mask(np.where(np.signbit(s2), -1.0, 1.0), out)


# the sign bit of x2 is piecewise constant: its derivative is 0, but x2's tape links the result
# (requires_grad, as PyTorch's copysign)
copysign = elementwise(
    "copysign", np.copysign, d={"x1": _copysign_slope, "x2": None},
    jax="jax.numpy.copysign", symbol="diag(sign(x1)·±1), 0", domain=("nonzero", "real"),
    doc="the magnitude of x1 with the sign (bit) of x2 (no gradient in x2)",
    examples=[Example(((3, 1), (1, 4)))])


@function
def ldexp(x1: ArrayLike, x2: ArrayLike) -> Array:
    """``x1 · 2**x2`` for integer exponents ``x2`` (no gradient in them; they may be traced)."""
    x1 = _as_array(x1)
    if not np.issubdtype(dtype_of(x1), np.floating):
        # NumPy's loop: the smallest float that holds x1 exactly (bool/int8/uint8 -> float16,
        # int16/uint16 -> float32, wider -> float64)
        x1 = astype(x1, np.promote_types(dtype_of(x1), np.float16))
    # The exponents carry no gradient (they are integers): their plain value, staged under
    # tg.jit, is enough, and takes the same overflow-safe steps as a NumPy array.
    e = concrete(x2) if isinstance(x2, Tensor) or is_staged(x2) else np.asarray(x2)
    if dtype_of(e) == np.bool_:  # NumPy casts bool exponents safely to int
        e = as_array(e, np.int_)
    if not np.issubdtype(dtype_of(e), np.integer):
        raise TypeError(f"ldexp: the exponents x2 must be integers, got dtype {dtype_of(e)}")
    for f in pow2_factors(e, dtype_of(x1)):  # (2**e itself may overflow where x1·2**e does not)
        x1 = x1 * f
    return x1


@function
def diagflat(v: ArrayLike, k: int = 0) -> Array:
    """A 2-D array with the flattened ``v`` on the ``k``-th diagonal."""
    return diag(reshape(_as_array(v), (-1,)), k)


@function
def unstack(x: ArrayLike, /, *, axis: int = 0) -> tuple:
    """The slices of ``x`` along ``axis``, as a tuple (NumPy 2's ``unstack``)."""
    x = _as_array(x)
    nd = len(_shape(x))
    if nd == 0:
        raise ValueError("unstack: the input must have at least one dimension")
    xm = moveaxis(x, negative_axis(axis, nd, "unstack"), 0)
    return tuple(xm[i] for i in range(_shape(xm)[0]))


def _depth(arrays, name) -> int:
    if isinstance(arrays, tuple):
        raise TypeError(f"{name}: nested sequences must be lists, not tuples")
    if isinstance(arrays, list):
        if not arrays:
            raise ValueError(f"{name}: lists cannot be empty")
        depths = {_depth(a, name) for a in arrays}
        if len(depths) != 1:
            raise ValueError(f"{name}: list depths are mismatched")
        return 1 + depths.pop()
    return 0


def _max_ndim(arrays) -> int:
    if isinstance(arrays, list):
        return max(_max_ndim(a) for a in arrays)
    return len(_shape(_as_array(arrays)))


def _assemble(arrays, level: int, depth: int, nd: int):
    if not isinstance(arrays, list):
        a = _as_array(arrays)
        return reshape(a, (1,) * (nd - len(_shape(a))) + _shape(a))
    parts = [_assemble(a, level + 1, depth, nd) for a in arrays]
    return concatenate(parts, axis=level - depth)


@function
def block(arrays) -> Array:
    """Assemble an array from nested lists of blocks (the innermost lists join along the
    last axis, the next along the one before, ...)."""
    depth = _depth(arrays, "block")
    if depth == 0 and isinstance(arrays, np.ndarray):  # NumPy's block copies a lone array:
        return arrays.copy()  # the result is never a view of the caller's array
    nd = max(depth, _max_ndim(arrays))
    return _assemble(arrays, 0, depth, nd)


@function(methods={"mT": property(lambda self: matrix_transpose(self))})
def matrix_transpose(x: ArrayLike, /) -> Array:
    """Swap the last two axes (NumPy 2's ``matrix_transpose``)."""
    if len(_shape(x)) < 2:
        raise ValueError(f"matrix_transpose: the input must have at least 2 dimensions, "
                         f"got shape {_shape(x)}")
    return mT(x)


@function
def vecdot(x1: ArrayLike, x2: ArrayLike, /, *, axis: int = -1, precision=None,
           preferred_element_type=None) -> Array:
    """The dot product of vectors along ``axis``, ``Σ conj(x1) x2`` (NumPy 2's ``vecdot``;
    inputs broadcast). ``precision`` and ``preferred_element_type`` as ``jnp.vecdot``'s (the
    first is accepted, the second computes in that dtype)."""
    # NumPy's gufunc (n),(n)->(): ``axis`` names the vector axis of EACH input (before the
    # other axes broadcast), and the two vector lengths must be equal (no broadcasting).
    x1, x2 = in_preferred_type((_as_array(x1), _as_array(x2)), preferred_element_type)
    s1, s2 = _shape(x1), _shape(x2)
    if not s1 or not s2:
        raise ValueError(f"vecdot: both inputs must have at least one dimension, "
                         f"got shapes {s1} and {s2}")
    a1, a2 = negative_axis(axis, len(s1), "vecdot"), negative_axis(axis, len(s2), "vecdot")
    if s1[a1] != s2[a2]:
        raise ValueError(f"vecdot: the vectors along axis {axis} differ in length: "
                         f"shapes {s1} and {s2}")
    y1 = moveaxis(x1, a1, -1) if a1 != -1 else x1
    y2 = moveaxis(x2, a2, -1) if a2 != -1 else x2
    if dtype_of(concrete(y1)).kind == "c":
        y1 = conj_part(y1)
    return _same_int(_sum(y1 * y2, axis=-1), x1, x2)

