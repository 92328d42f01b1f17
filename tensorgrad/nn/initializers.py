"""``tg.nn.initializers``: JAX's ``jax.nn.initializers`` on tensorgrad's keys.

A factory such as ``glorot_uniform()`` or ``normal(0.1)`` returns an *initializer*, a function
``init(key, shape, dtype=None, out_sharding=None)`` that draws a NumPy array of ``shape``
from a key of :mod:`tensorgrad.random`. Nothing reads a global state, so the same key always
gives the same weights and a different key (``tg.random.split``) gives new ones::

    key = tg.random.PRNGKey(0)
    W = tg.nn.initializers.he_normal()(key, (784, 256))          # float64, Var ≈ 2/784
    K = tg.nn.initializers.lecun_uniform()(key, (3, 3, 16, 32))  # a conv kernel, HWIO

The names, parameters, defaults, formulas and errors are JAX's (version 0.10):

* fans are read as JAX reads them: ``in_axis`` (default -2) and ``out_axis`` (default -1)
  hold the input and output sizes, ``batch_axis`` axes are ignored, and every other axis is
  part of the receptive field, which multiplies both fans (a conv kernel is HWIO);
* ``variance_scaling`` gives its samples the variance ``scale / n``, n the fan chosen by
  ``mode`` (``fan_in``, ``fan_out``, their mean ``fan_avg`` or geometric mean
  ``fan_geo_avg``); its truncated normal is cut at two standard deviations and divided by
  JAX's correction constant, so the variance after truncation is the target one;
* the dtype is the factory's ``dtype`` unless the call passes one; None means float64, the
  default of tensorgrad's samplers (JAX's with 64 bit mode on);
* ``out_sharding`` is accepted for JAX's signature; tensorgrad has no shardings, so only
  None is allowed.

The numbers are tensorgrad's (a Philox stream keyed by the key), not JAX's: only the keys,
shapes, dtypes and distributions agree. Complex dtypes work where tensorgrad's samplers give
them (``normal`` and ``variance_scaling``); ``orthogonal`` and ``delta_orthogonal`` refuse
them with ``NotImplementedError``, because ``tg.random.orthogonal`` draws real matrices only.

The seeded initializers (``tg.nn.init``: ``xavier_uniform(shape, seed)``, PyTorch's
``kaiming_uniform_`` ...) are a separate module and unchanged.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Protocol, Sequence, Union, runtime_checkable

import numpy as np

from .. import random as _random
from ..tensor import concrete

__all__ = ["Initializer", "zeros", "ones", "constant", "uniform", "normal", "truncated_normal",
           "variance_scaling", "glorot_uniform", "glorot_normal", "xavier_uniform",
           "xavier_normal", "lecun_uniform", "lecun_normal", "he_uniform", "he_normal",
           "kaiming_uniform", "kaiming_normal", "orthogonal", "delta_orthogonal"]

Axes = Union[int, Sequence[int]]

#: standard deviation of N(0, 1) truncated to (-2, 2): sqrt(1 - 4·φ(2)/(2Φ(2) - 1))
_TRUNC_STD = 0.87962566103423978
#: JAX's constant for a complex normal whose modulus is truncated at 2. (The modulus-truncated
#: sample's own standard deviation is sqrt(1 - 4/(e⁴ - 1)) ≈ 0.962, so JAX's complex
#: truncated normal ends with a variance about 1.9% above ``scale / n``; kept to match JAX.)
_TRUNC_STD_COMPLEX = 0.95311164380491208

_MODES = ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
_DISTRIBUTIONS = ("truncated_normal", "normal", "uniform")


@runtime_checkable
class Initializer(Protocol):
    """What every factory here returns: ``init(key, shape, dtype=None, out_sharding=None)``,
    a NumPy array of ``shape`` drawn from ``key`` (``zeros`` and ``ones`` are initializers
    themselves). Any callable passes ``isinstance(f, Initializer)``, as in JAX."""

    def __call__(self, key: Any, shape: Any, dtype: Any = None,
                 out_sharding: Any = None) -> np.ndarray:
        ...


# ---- argument checks --------------------------------------------------------------------------
def _name(fn: str) -> str:
    return f"initializers.{fn}"


def _shape(fn: str, shape) -> tuple:
    """``shape`` as a tuple of non-negative ints (an int is a 1-d shape)."""
    try:
        dims = tuple(map(operator.index, shape if np.iterable(shape) else (shape,)))
    except TypeError:
        raise TypeError(f"{_name(fn)}: shape must be an int or a sequence of ints, got "
                        f"{shape!r}") from None
    if any(d < 0 for d in dims):
        raise ValueError(f"{_name(fn)}: shape {dims} has a negative dimension")
    return dims


def _dtype(fn: str, dtype, kinds: str) -> np.dtype:
    """The requested dtype (None: float64), which must be of one of ``kinds`` ('f' real
    floating, 'c' complex)."""
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt.kind not in kinds:
        what = "a float or complex" if "c" in kinds else "a float"
        raise ValueError(f"{_name(fn)}: dtype must be {what} dtype, got {dt}")
    return dt


def _real_orthogonal_dtype(fn: str, dtype) -> np.dtype:
    dt = _dtype(fn, dtype, "fc")
    if dt.kind == "c":
        raise NotImplementedError(
            f"{_name(fn)}: complex dtype {dt} is not supported: tg.random.orthogonal draws "
            "real matrices only (JAX's draws complex ones too); use a float dtype")
    return dt


def _no_sharding(fn: str, out_sharding) -> None:
    if out_sharding is not None:
        raise NotImplementedError(f"{_name(fn)}: out_sharding={out_sharding!r} is not "
                                  "supported: tensorgrad arrays have no sharding (pass None)")


def _axis(fn: str, shape: tuple, axis, what: str) -> int:
    """A single axis of ``shape`` as a non-negative index."""
    try:
        i = operator.index(axis)
    except TypeError:
        raise TypeError(f"{_name(fn)}: {what} must be an int, got {axis!r}") from None
    if not -len(shape) <= i < len(shape):
        raise IndexError(f"{_name(fn)}: {what}={i} is out of range for the {len(shape)}-d "
                         f"shape {shape}")
    return i % len(shape)


def _size(fn: str, shape: tuple, axes, what: str) -> int:
    """The product of the sizes of ``axes`` (one axis or a sequence of them) of ``shape``."""
    if np.iterable(axes):
        return math.prod(shape[_axis(fn, shape, a, what)] for a in axes)
    return shape[_axis(fn, shape, axes, what)]


def _compute_fans(fn: str, shape: tuple, in_axis: Axes = -2, out_axis: Axes = -1,
                  batch_axis: Axes = ()) -> tuple[float, float]:
    """(fan_in, fan_out) as JAX computes them: the sizes of ``in_axis`` and ``out_axis``, each
    times the receptive field, the product of the axes that are in none of the three groups
    (batch axes are left out). Floats, as JAX's."""
    if len(shape) <= 1 and not np.iterable(in_axis) and in_axis == -2:
        raise ValueError(f"{_name(fn)}: can't compute input and output sizes of a "
                         f"{len(shape)}-dimensional weights tensor (shape {shape}) with the "
                         "default in_axis=-2. Must be at least 2D or specify in_axis explicitly.")
    in_size = _size(fn, shape, in_axis, "in_axis")
    out_size = _size(fn, shape, out_axis, "out_axis")
    batch_size = _size(fn, shape, batch_axis, "batch_axis")
    if math.prod(shape) == 0:
        raise ZeroDivisionError(f"{_name(fn)}: shape {shape} has a zero-size axis, so its fans "
                                "are zero and the variance scale / fan is undefined")
    receptive = math.prod(shape) / in_size / out_size / batch_size
    return in_size * receptive, out_size * receptive


def _times(x: np.ndarray, factor, dt: np.dtype) -> np.ndarray:
    """``x`` times ``factor`` taken in ``dt`` (JAX multiplies by ``jnp.array(factor, dtype)``),
    with the result in ``dt``."""
    out = x * np.asarray(concrete(factor), dtype=dt)
    return out.astype(dt, copy=False) if isinstance(out, np.ndarray) else out


# ---- constants --------------------------------------------------------------------------------
def zeros(key, shape, dtype=None, out_sharding=None) -> np.ndarray:
    """An array of zeros of ``shape`` and ``dtype`` (float64 for None); the key is ignored."""
    _no_sharding("zeros", out_sharding)
    return np.zeros(_shape("zeros", shape), np.float64 if dtype is None else dtype)


def ones(key, shape, dtype=None, out_sharding=None) -> np.ndarray:
    """An array of ones of ``shape`` and ``dtype`` (float64 for None); the key is ignored."""
    _no_sharding("ones", out_sharding)
    return np.ones(_shape("ones", shape), np.float64 if dtype is None else dtype)


def constant(value, dtype=None) -> Initializer:
    """An initializer filling every entry with ``value`` (a scalar, or an array that broadcasts
    to the requested shape); the key is ignored."""
    fill = concrete(value)

    def init(key, shape, dtype=dtype, out_sharding=None) -> np.ndarray:
        _no_sharding("constant", out_sharding)
        dims = _shape("constant", shape)
        dt = np.dtype(np.float64 if dtype is None else dtype)
        if np.iscomplexobj(fill) and dt.kind != "c":  # (as JAX: never a silently dropped part)
            raise TypeError(f"{_name('constant')}: a complex value into the real dtype {dt}; "
                            "pass a complex dtype")
        try:
            return np.full(dims, fill, dt)
        except ValueError:
            raise ValueError(f"{_name('constant')}: value of shape {np.shape(fill)} does not "
                             f"broadcast to the shape {dims}") from None
    return init


# ---- plain distributions ----------------------------------------------------------------------
def uniform(scale=1e-2, dtype=None) -> Initializer:
    """An initializer drawing uniformly from [0, ``scale``) (real dtypes only, as JAX's)."""
    def init(key, shape, dtype=dtype, out_sharding=None) -> np.ndarray:
        _no_sharding("uniform", out_sharding)
        dt = _dtype("uniform", dtype, "f")
        return _times(_random.uniform(key, _shape("uniform", shape), dt), scale, dt)
    return init


def normal(stddev=1e-2, dtype=None) -> Initializer:
    """An initializer drawing from N(0, ``stddev``²). A complex dtype gives complex normals
    with E|z|² = ``stddev``² (real and imaginary parts of variance ``stddev``²/2)."""
    def init(key, shape, dtype=dtype, out_sharding=None) -> np.ndarray:
        _no_sharding("normal", out_sharding)
        dt = _dtype("normal", dtype, "fc")
        return _times(_random.normal(key, _shape("normal", shape), dt), stddev, dt)
    return init


def truncated_normal(stddev=1e-2, dtype=None, lower=-2.0, upper=2.0) -> Initializer:
    """An initializer drawing ``stddev`` · z with z standard normal conditioned on
    [``lower``, ``upper``], so the values lie in [lower·stddev, upper·stddev]. As in JAX no
    variance correction is applied: ``stddev`` is the deviation before truncation (real
    dtypes only)."""
    def init(key, shape, dtype=dtype, out_sharding=None) -> np.ndarray:
        _no_sharding("truncated_normal", out_sharding)
        dt = _dtype("truncated_normal", dtype, "f")
        z = _random.truncated_normal(key, lower, upper, _shape("truncated_normal", shape), dt)
        return _times(z, stddev, dt)
    return init


# ---- variance scaling -------------------------------------------------------------------------
def _complex_uniform(key, shape: tuple, dt: np.dtype) -> np.ndarray:
    """Uniform on the disk of radius √2 around 0 in the complex plane: mean 0, E|z|² = 1."""
    real = np.finfo(dt).dtype
    k_radius, k_angle = _random.split(key)
    radius = np.sqrt(2.0 * _random.uniform(k_radius, shape, real))
    angle = (2.0 * np.pi) * _random.uniform(k_angle, shape, real)
    return (radius * np.exp(1j * angle)).astype(dt)


def _complex_truncated_normal(key, upper: float, shape: tuple, dt: np.dtype) -> np.ndarray:
    """A complex normal of E|z|² = 1 conditioned on |z| ≤ ``upper``: |z|² is Exp(1), drawn by
    inverting its CDF on [0, 1 - exp(-upper²)], and the angle is uniform."""
    real = np.finfo(dt).dtype
    k_radius, k_angle = _random.split(key)
    top = -np.expm1(-float(upper) ** 2)
    u = top * _random.uniform(k_radius, shape, np.float64)
    radius = np.sqrt(-np.log1p(-u)).astype(real)
    angle = (2.0 * np.pi) * _random.uniform(k_angle, shape, real)
    return (radius * np.exp(1j * angle)).astype(dt)


def variance_scaling(scale, mode, distribution, in_axis: Axes = -2, out_axis: Axes = -1,
                     batch_axis: Axes = (), dtype=None) -> Initializer:
    """An initializer whose samples have mean 0 and variance ``scale / n``.

    n depends on ``mode``: ``'fan_in'`` (the number of inputs), ``'fan_out'`` (outputs),
    ``'fan_avg'`` (their arithmetic mean) or ``'fan_geo_avg'`` (their geometric mean). The
    fans come from the shape: ``in_axis`` and ``out_axis`` (an axis or a sequence of axes)
    give the input and output sizes, ``batch_axis`` axes are ignored and all the others form
    the receptive field, which multiplies both.

    ``distribution`` is ``'truncated_normal'`` (a normal cut at ±2 standard deviations and
    rescaled by JAX's constant so the truncated variance is the target), ``'normal'`` or
    ``'uniform'`` (on [-√(3·scale/n), √(3·scale/n))). Complex dtypes draw complex normals,
    complex normals of truncated modulus, or points uniform on a disk, as JAX's do.

    Like JAX's, a bad ``mode`` or ``distribution`` raises ``ValueError`` when the initializer
    is called, a shape with fewer than 2 axes needs an explicit ``in_axis``, and a shape with
    a zero-size axis raises ``ZeroDivisionError``. A negative ``scale`` is refused with
    ``ValueError`` (JAX returns NaNs).
    """
    def init(key, shape, dtype=dtype, out_sharding=None) -> np.ndarray:
        fn = "variance_scaling"
        _no_sharding(fn, out_sharding)
        dims = _shape(fn, shape)
        dt = _dtype(fn, dtype, "fc")
        fan_in, fan_out = _compute_fans(fn, dims, in_axis, out_axis, batch_axis)
        if mode == "fan_in":
            n = fan_in
        elif mode == "fan_out":
            n = fan_out
        elif mode == "fan_avg":
            n = (fan_in + fan_out) / 2
        elif mode == "fan_geo_avg":
            n = math.sqrt(fan_in * fan_out)
        else:
            raise ValueError(f"{_name(fn)}: invalid mode for variance scaling initializer: "
                             f"{mode!r}; expected one of {', '.join(map(repr, _MODES))}")
        s = np.asarray(concrete(scale), dtype=np.float64)
        if np.any(s < 0):
            raise ValueError(f"{_name(fn)}: scale must be non-negative (it is a variance "
                             f"factor), got {scale!r}")
        std = np.sqrt(s / n)
        real = dt.kind == "f"
        if distribution == "truncated_normal":
            if real:
                z = _random.truncated_normal(key, -2.0, 2.0, dims, dt)
                return _times(z, std / _TRUNC_STD, dt)
            return _times(_complex_truncated_normal(key, 2.0, dims, dt),
                          std / _TRUNC_STD_COMPLEX, dt)
        if distribution == "normal":
            return _times(_random.normal(key, dims, dt), std, dt)
        if distribution == "uniform":
            if real:
                return _times(_random.uniform(key, dims, dt, -1.0, 1.0), np.sqrt(3.0) * std, dt)
            return _times(_complex_uniform(key, dims, dt), std, dt)
        raise ValueError(f"{_name(fn)}: invalid distribution for variance scaling initializer: "
                         f"{distribution!r}; expected one of "
                         f"{', '.join(map(repr, _DISTRIBUTIONS))}")
    return init


def glorot_uniform(in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                   dtype=None) -> Initializer:
    """Glorot (Xavier) uniform: ``variance_scaling(1.0, 'fan_avg', 'uniform')``, i.e.
    U(-a, a) with a = √(6 / (fan_in + fan_out))."""
    return variance_scaling(1.0, "fan_avg", "uniform", in_axis=in_axis, out_axis=out_axis,
                            batch_axis=batch_axis, dtype=dtype)


def glorot_normal(in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                  dtype=None) -> Initializer:
    """Glorot (Xavier) normal: ``variance_scaling(1.0, 'fan_avg', 'truncated_normal')``,
    variance 2 / (fan_in + fan_out) after truncation."""
    return variance_scaling(1.0, "fan_avg", "truncated_normal", in_axis=in_axis,
                            out_axis=out_axis, batch_axis=batch_axis, dtype=dtype)


def lecun_uniform(in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                  dtype=None) -> Initializer:
    """LeCun uniform: ``variance_scaling(1.0, 'fan_in', 'uniform')``, variance 1 / fan_in."""
    return variance_scaling(1.0, "fan_in", "uniform", in_axis=in_axis, out_axis=out_axis,
                            batch_axis=batch_axis, dtype=dtype)


def lecun_normal(in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
                 dtype=None) -> Initializer:
    """LeCun normal: ``variance_scaling(1.0, 'fan_in', 'truncated_normal')``, variance
    1 / fan_in after truncation."""
    return variance_scaling(1.0, "fan_in", "truncated_normal", in_axis=in_axis,
                            out_axis=out_axis, batch_axis=batch_axis, dtype=dtype)


def he_uniform(in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
               dtype=None) -> Initializer:
    """He (Kaiming) uniform: ``variance_scaling(2.0, 'fan_in', 'uniform')``, variance
    2 / fan_in."""
    return variance_scaling(2.0, "fan_in", "uniform", in_axis=in_axis, out_axis=out_axis,
                            batch_axis=batch_axis, dtype=dtype)


def he_normal(in_axis: Axes = -2, out_axis: Axes = -1, batch_axis: Axes = (),
              dtype=None) -> Initializer:
    """He (Kaiming) normal: ``variance_scaling(2.0, 'fan_in', 'truncated_normal')``, variance
    2 / fan_in after truncation."""
    return variance_scaling(2.0, "fan_in", "truncated_normal", in_axis=in_axis,
                            out_axis=out_axis, batch_axis=batch_axis, dtype=dtype)


xavier_uniform = glorot_uniform
xavier_normal = glorot_normal
kaiming_uniform = he_uniform
kaiming_normal = he_normal


# ---- orthogonal -------------------------------------------------------------------------------
def _orthogonal_array(fn: str, key, dims: tuple, scale, column_axis, dt: np.dtype) -> np.ndarray:
    """``scale`` times a Haar-random array of shape ``dims`` whose slices along
    ``column_axis`` are orthonormal columns (or rows, when there are fewer rows than columns)
    of the matrix that flattens every other axis into rows."""
    col = _axis(fn, dims, column_axis, "column_axis")
    if 0 in dims:
        return np.zeros(dims, dt)
    n_cols = dims[col]
    n_rows = math.prod(dims) // n_cols
    q = _random.orthogonal(key, n_rows, (), dt, n_cols)
    q = np.moveaxis(q.reshape(dims[:col] + dims[col + 1:] + (n_cols,)), -1, col)
    return _times(q, scale, dt)


def orthogonal(scale=1.0, column_axis: int = -1, dtype=None) -> Initializer:
    """An initializer of uniformly (Haar) distributed orthogonal matrices times ``scale``.

    The shape (at least 2-d) is read as a matrix whose columns run along ``column_axis`` and
    whose rows are all the other axes flattened. A tall or square matrix gets orthonormal
    columns (QᵀQ = scale²·I), a wide one orthonormal rows. A shape with a zero-size axis
    gives zeros. Complex dtypes raise ``NotImplementedError`` (JAX supports them).
    """
    def init(key, shape, dtype=dtype, out_sharding=None) -> np.ndarray:
        _no_sharding("orthogonal", out_sharding)
        dims = _shape("orthogonal", shape)
        dt = _real_orthogonal_dtype("orthogonal", dtype)
        if len(dims) < 2:
            raise ValueError(f"{_name('orthogonal')}: orthogonal initializer requires at least "
                             f"a 2D shape, got shape {dims}")
        return _orthogonal_array("orthogonal", key, dims, scale, column_axis, dt)
    return init


def delta_orthogonal(scale=1.0, column_axis: int = -1, dtype=None) -> Initializer:
    """An initializer of delta-orthogonal convolution kernels (Xiao et al., 2018): zero
    everywhere except the spatial centre tap (index (k - 1) // 2 on each spatial axis), which
    is an orthogonal (in, out) matrix times ``scale``, as :func:`orthogonal` draws it for the
    last two axes with ``column_axis``.

    The shape must be 3-, 4- or 5-d (1, 2 or 3 spatial axes, then in and out channels, as
    JAX's HWIO kernels) with no more input than output channels (``shape[-2] <=
    shape[-1]``), so the columns are orthonormal; otherwise ``ValueError``. Complex dtypes
    raise ``NotImplementedError``.
    """
    def init(key, shape, dtype=dtype, out_sharding=None) -> np.ndarray:
        fn = "delta_orthogonal"
        _no_sharding(fn, out_sharding)
        dims = _shape(fn, shape)
        dt = _real_orthogonal_dtype(fn, dtype)
        if len(dims) not in (3, 4, 5):
            raise ValueError(f"{_name(fn)}: Delta orthogonal initializer requires a 3D, 4D or "
                             f"5D shape, got shape {dims}")
        if dims[-1] < dims[-2]:
            raise ValueError(f"{_name(fn)}: `fan_in` must be less or equal than `fan_out`: "
                             f"shape {dims} has {dims[-2]} input channels (shape[-2]) but "
                             f"{dims[-1]} output channels (shape[-1])")
        centre = _orthogonal_array(fn, key, dims[-2:], scale, column_axis, dt)
        out = np.zeros(dims, dt)
        if 0 not in dims:
            out[tuple((k - 1) // 2 for k in dims[:-2])] = centre
        return out
    return init
