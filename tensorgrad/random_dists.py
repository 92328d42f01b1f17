"""The machinery under :mod:`tensorgrad.random`: keys, the bit streams they name, and the
NumPy samplers that read those streams.

A key is a uint32 array of shape (2,) (JAX's raw key layout). The two words, with a tag
that keeps apart the uses of one key (splitting, folding in, drawing), form the 128-bit key
of a Philox counter-based generator (``numpy.random.Philox(key=...)``); its raw 64-bit
output (``random_raw``, fixed by the Philox algorithm) is the only source of randomness.
Uniforms, normals, gamma and Poisson variates are computed from those words here, not by
``numpy.random.Generator``'s methods, so the numbers depend on the key alone: not on a
global state, the platform or the NumPy version.

Every function that reads a key's value runs through :func:`draw`, which records it as one
step when ``tg.jit`` traces: a jit plan replays the draw with the key of each call, never
the numbers of the trace.
"""
from __future__ import annotations

import operator
import sys

import numpy as np
from scipy import special as _sp

from . import staging
from .ops import astype as _astype
from .ops import stop_gradient as _stop_gradient
from .ops import where as _where
from .ops._util import negative_axis
from .tensor import Tensor, broadcasts_to, concrete, dtype_of, shape_of

__all__ = ["draw", "check_key", "Stream", "unit", "open_unit", "split_words", "fold_words",
           "seed_words", "bits_words", "uniform_np", "normal_np", "log_gamma_np", "poisson_np",
           "sample_shape", "shape_tuple", "check_axis", "float_dtype", "int_dtype", "as_param", "saturate_counts",
           "orthogonal_np", "bernoulli_np", "randint_np", "geometric_np", "categorical_np",
           "permutation_np", "choice_np", "binomial_np", "multinomial_np"]

_TAG_SPLIT, _TAG_FOLD, _TAG_DRAW = 0x51, 0xF0, 0xD7
_M32 = 0xFFFFFFFF


def draw(fn, *args):
    """``fn(*args)``, recorded as one step of a jit plan when the key (or a parameter) is
    traced by ``tg.jit``."""
    return staging.call(fn, *args)


def check_key(key, name: str, mode=None):
    """The key's value (an ndarray, or a value traced by tg.jit), after checking that it is
    a single raw key: uint32 of shape (2,). ``mode`` (JAX's bit-precision hint, which changes
    nothing here) must be one JAX accepts: None, "low" or "high"."""
    if mode not in (None, "low", "high"):
        raise ValueError(f"random.{name}: mode must be None, 'low' or 'high', got {mode!r}")
    kv = concrete(key)
    shape = np.shape(kv) if hasattr(kv, "shape") else None
    dtype = getattr(kv, "dtype", None)
    if shape == (2,) and dtype == np.uint32:
        return kv
    got = f"shape {shape} and dtype {dtype}" if shape is not None else f"a {type(key).__name__}"
    hint = ""
    if shape is not None and len(shape) > 1 and shape[-1] == 2 and dtype == np.uint32:
        hint = ("; this is a batch of keys: map over it with tg.vmap(lambda k: "
                f"tg.random.{name}(k, ...))(keys)")
    raise TypeError(f"random.{name}: expected a PRNG key, a uint32 array of shape (2,) (made by "
                    f"tg.random.PRNGKey, key, split or fold_in), got {got}{hint}")


class Stream:
    """The 64-bit words of the Philox generator named by a key and a tag, in order."""

    def __init__(self, kv, tag: int = _TAG_DRAW):
        k = np.asarray(kv, dtype=np.uint32)
        word = (int(k[0]) << 32) | int(k[1])
        self.gen = np.random.Philox(key=(tag << 64) | word)

    def words(self, n: int) -> np.ndarray:
        if n == 0:
            return np.zeros(0, np.uint64)
        return np.asarray(self.gen.random_raw(n), dtype=np.uint64)

    def unit(self, n: int, dtype=np.float64) -> np.ndarray:
        """n uniforms on [0, 1), each from the top mantissa bits of one word (exact in dtype)."""
        return unit(self.words(n), dtype)

    def open_unit(self, n: int) -> np.ndarray:
        """n float64 uniforms on (0, 1): (k + 1/2)·2⁻⁵³."""
        return open_unit(self.words(n))

    def normal(self, n: int) -> np.ndarray:
        """n standard normals (float64): the inverse normal CDF of open uniforms."""
        return _sp.ndtri(self.open_unit(n))


def unit(w: np.ndarray, dtype=np.float64) -> np.ndarray:
    dt = np.dtype(dtype)
    m = np.finfo(dt).nmant + 1
    return (w >> np.uint64(64 - m)).astype(dt) * dt.type(2.0 ** -m)


_BELOW_ONE = float(np.nextafter(1.0, 0.0))


def below_max(out, lo, hi):
    """A uniform ``out`` = lo + (hi − lo)·u (u < 1) kept below ``hi``: the rounding of the sum
    takes it to hi for the top u (1 + (1 − 2⁻²⁴) is 2 in float32); there it is the float
    below hi, with out's derivative."""
    ov, lv, hv = concrete(out), concrete(lo), concrete(hi)
    up = (ov >= hv) & (hv > lv)
    if not staging.may_any(up):
        return out
    return _where(up, out - _stop_gradient(out - np.nextafter(hv, lv)), out)


def open_unit(w: np.ndarray) -> np.ndarray:
    # (the top word would round up to exactly 1.0: kept below it)
    return np.minimum(((w >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0 ** -53, _BELOW_ONE)


def _halves(w: np.ndarray) -> np.ndarray:
    """The 32-bit halves of 64-bit words, high then low (by arithmetic: no byte order)."""
    return np.stack([(w >> np.uint64(32)), w & np.uint64(_M32)], axis=-1).astype(np.uint32).ravel()


def split_words(kv, shape: tuple) -> np.ndarray:
    n = int(np.prod(shape, dtype=np.int64))
    return _halves(Stream(kv, _TAG_SPLIT).words(n)).reshape(tuple(shape) + (2,))


def fold_words(kv, data) -> np.ndarray:
    if type(data) is int and not 0 <= data < 2 ** 32:  # as JAX: NumPy integers wrap, Python ones don't
        raise OverflowError(f"random.fold_in: Python integer {data} out of bounds for uint32")
    d = np.asarray(data)
    if d.shape != () or d.dtype.kind not in "biu":
        raise TypeError(f"random.fold_in: data must be an integer scalar, got shape {d.shape} "
                        f"and dtype {d.dtype}")
    k = np.asarray(kv, dtype=np.uint32)
    word = (int(k[0]) << 32) | int(k[1])
    gen = np.random.Philox(key=(_TAG_FOLD << 64) | word,
                           counter=np.array([int(d) & _M32, 0, 0, 0], np.uint64))
    return _halves(np.asarray(gen.random_raw(1), np.uint64))


def seed_words(seed) -> np.ndarray:
    """JAX's raw key for a seed: its high and low 32 bits (two's complement for negatives)."""
    if type(seed) is int and not -2 ** 63 <= seed < 2 ** 63:  # as JAX (NumPy integers wrap)
        raise OverflowError(f"random.PRNGKey: Python integer {seed} out of bounds for int64")
    s = np.asarray(seed)
    if s.shape != () or s.dtype.kind not in "biu":
        raise TypeError(f"random.PRNGKey: seed must be an integer scalar, got shape {s.shape} "
                        f"and dtype {s.dtype}")
    v = int(s) & 0xFFFFFFFFFFFFFFFF if s.dtype.itemsize == 8 or s.dtype.kind == "b" \
        else int(s) & _M32
    return np.array([v >> 32, v & _M32], dtype=np.uint32)


def bits_words(kv, shape: tuple, dtype) -> np.ndarray:
    dt = np.dtype(dtype)
    n = int(np.prod(shape, dtype=np.int64))
    w = Stream(kv).words(n)
    return (w >> np.uint64(64 - 8 * dt.itemsize)).astype(dt).reshape(shape)


def uniform_np(kv, shape: tuple, dtype) -> np.ndarray:
    n = int(np.prod(shape, dtype=np.int64))
    return Stream(kv).unit(n, dtype).reshape(shape)


def normal_np(kv, shape: tuple, dtype) -> np.ndarray:
    n = int(np.prod(shape, dtype=np.int64))
    return Stream(kv).normal(n).astype(dtype).reshape(shape)


def log_gamma_np(kv, a, shape: tuple) -> np.ndarray:
    """log of Gamma(a, 1) variates of ``shape`` (float64), by Marsaglia and Tsang's
    rejection method; for a < 1, Gamma(a + 1)·U^(1/a), in logs (so no underflow to 0)."""
    a = np.broadcast_to(np.asarray(a, np.float64), shape).ravel()
    n = a.size
    st = Stream(kv)
    good = np.isfinite(a) & (a > 0)
    boost = good & (a < 1)
    aa = np.where(boost, a + 1.0, np.where(good, a, 1.0))
    d = aa - 1.0 / 3.0
    c = 1.0 / np.sqrt(9.0 * d)
    # a = 0: the point mass at 0 (log 0 = −∞), as JAX and NumPy; a < 0 or NaN: NaN
    out = np.where(a == np.inf, np.inf, np.where(a == 0, -np.inf, np.nan))
    todo = np.flatnonzero(good)
    while todo.size:
        z = st.normal(todo.size)
        lu = np.log(st.open_unit(todo.size))
        v = 1.0 + c[todo] * z
        pos = v > 0
        lv3 = 3.0 * np.log(np.where(pos, v, 1.0))
        dt = d[todo]
        ok = pos & (lu < 0.5 * z * z + dt - dt * np.exp(lv3) + dt * lv3)
        out[todo[ok]] = np.log(dt[ok]) + lv3[ok]
        todo = todo[~ok]
    lu = np.log(st.open_unit(n))
    out = np.where(boost, out + lu / np.where(boost, a, 1.0), out)
    return out.reshape(shape)


def poisson_np(kv, lam, shape: tuple, dtype) -> np.ndarray:
    """Poisson(lam) counts: by multiplying uniforms for lam < 10, by Hörmann's transformed
    rejection (PTRS) above; −1 where lam is negative, NaN or infinite."""
    lam = np.broadcast_to(np.asarray(lam, np.float64), shape).ravel()
    st = Stream(kv)
    out = np.where(np.isfinite(lam) & (lam >= 0), 0.0, -1.0)  # counts, as floats until the end
    todo = np.flatnonzero((lam > 0) & (lam < 10))
    limit, prod, k = np.exp(-lam[todo]), np.ones(todo.size), 0
    while todo.size:
        prod = prod * st.unit(todo.size)
        stop = prod <= limit
        out[todo[stop]] = k
        todo, prod, limit, k = todo[~stop], prod[~stop], limit[~stop], k + 1
    todo = np.flatnonzero(np.isfinite(lam) & (lam >= 10))
    while todo.size:
        lm = lam[todo]
        sl, ll = np.sqrt(lm), np.log(lm)
        b = 0.931 + 2.53 * sl
        a = -0.059 + 0.02483 * b
        inv_alpha = 1.1239 + 1.1328 / (b - 3.4)
        vr = 0.9277 - 3.6224 / (b - 2.0)
        u = st.unit(todo.size) - 0.5
        v = st.open_unit(todo.size)
        us = 0.5 - np.abs(u)
        us_safe = np.maximum(us, 1e-20)
        k = np.floor((2.0 * a / us_safe + b) * u + lm + 0.43)
        quick = (us >= 0.07) & (v <= vr)
        bad = (k < 0) | ((us < 0.013) & (v > us))
        kk = np.maximum(k, 0.0)
        lhs = np.log(v) + np.log(inv_alpha) - np.log(a / (us_safe * us_safe) + b)
        slow = ~bad & (lhs <= -lm + kk * ll - _sp.gammaln(kk + 1.0))
        ok = quick | slow
        out[todo[ok]] = k[ok]
        todo = todo[~ok]
    return saturate_counts(out, dtype).reshape(shape)


def saturate_counts(k: np.ndarray, dtype) -> np.ndarray:
    """Whole-number float counts (or −1) in an integer dtype, saturating at its max (as JAX's
    float-to-int conversion) instead of wrapping or casting out of range."""
    top = min(np.iinfo(dtype).max, np.iinfo(np.int64).max)
    big = k >= float(top)  # float(top) may round up to 2**63: compare before casting
    return np.where(big, top, np.where(big, 0.0, k).astype(np.int64)).astype(dtype)


# ---- arguments --------------------------------------------------------------------------------
def check_axis(name: str, axis, ndim: int) -> int:
    """``axis`` in [0, ndim) (negative counts from the end); out of range is an error, as in
    JAX (never wrapped around)."""
    return negative_axis(axis, ndim, f"random.{name}") % ndim


def shape_tuple(where: str | None, shape, what: str = "shape") -> tuple:
    """A sample shape (an int or a sequence of ints) as a tuple; a float is a TypeError (as
    JAX), never truncated by int(), a negative length a ValueError. ``where`` names the
    function in messages (None: ``random.<name>`` of the caller's caller)."""
    if where is None:
        where = f"random.{sys._getframe(2).f_code.co_name}"
    try:
        out = tuple(map(operator.index, shape if np.iterable(shape) else (shape,)))
    except TypeError:
        raise TypeError(f"{where}: {what} must be an int or a sequence of ints, got "
                        f"{shape!r}") from None
    if any(n < 0 for n in out):
        raise ValueError(f"{where}: {what} {shape!r} has a negative dimension" if what == "shape"
                         else f"{where}: {what} must not be negative, got {shape!r}")
    return out


def sample_shape(name: str, shape, *params) -> tuple:
    """The sample's shape: ``shape``, which the parameters must broadcast to, or (None) the
    broadcast shape of the parameters."""
    pshapes = [tuple(shape_of(concrete(p))) for p in params]
    try:
        joint = np.broadcast_shapes(*pshapes) if pshapes else ()
    except ValueError:
        raise ValueError(f"random.{name}: the parameters' shapes {pshapes} do not broadcast "
                         "together") from None
    if shape is None:
        return joint
    shape = shape_tuple(f"random.{name}", shape)
    if not broadcasts_to(joint, shape):
        raise ValueError(f"random.{name}: shape {shape} is not broadcast-compatible with the "
                         f"parameters' shapes {pshapes} (they must broadcast to it)")
    return shape


def float_dtype(name: str, dtype):
    dt = np.dtype(np.float64 if dtype is None else dtype)
    if dt.kind != "f":
        raise ValueError(f"random.{name}: dtype must be a float dtype, got {dt}")
    return dt


def int_dtype(name: str, dtype):
    dt = np.dtype(np.int64 if dtype is None else dtype)
    if dt.kind not in "iu":
        raise ValueError(f"random.{name}: dtype must be an integer dtype, got {dt}")
    return dt


def as_param(x, dtype):
    """A float parameter in ``dtype``: a Tensor stays one (cast by a differentiable op when
    its dtype differs), a value traced by tg.jit stays traced, anything else is an array."""
    if isinstance(x, Tensor):
        if np.dtype(dtype_of(x)) != dtype:
            return _astype(x, dtype)
        return x
    return staging.as_array(x, dtype)


# ---- NumPy samplers of the discrete and matrix distributions (random.py's draws) -------------

def orthogonal_np(kv, n, m, shape, dt):
    z = Stream(kv).normal(int(np.prod(shape, dtype=np.int64)) * n * m).reshape(shape + (n, m))
    tall = n >= m
    q, r = np.linalg.qr(z if tall else np.swapaxes(z, -1, -2))
    d = np.diagonal(r, axis1=-2, axis2=-1)
    q = q * np.where(d < 0, -1.0, 1.0)[..., None, :]
    return (q if tall else np.swapaxes(q, -1, -2)).astype(dt)


def bernoulli_np(kv, p, shape):
    return Stream(kv).unit(int(np.prod(shape, dtype=np.int64))).reshape(shape) < p


_BELOW_2_63 = float(np.nextafter(2.0 ** 63, 0.0))


def _int_bound(x: np.ndarray) -> np.ndarray:
    """An integer bound of randint: float bounds truncated toward zero and saturated to the
    int64 range (NaN to 0), as JAX converts them; a bare cast would wrap 1e20 or inf to the
    int64 minimum (and warn)."""
    if x.dtype.kind != "f":  # (Python ints past int64: OverflowError, as JAX)
        return x if x.dtype.kind in "iu" else x.astype(np.int64)
    x = np.nan_to_num(np.trunc(x.astype(np.float64)), nan=0.0)
    inside = np.clip(x, -2.0 ** 63, _BELOW_2_63).astype(np.int64)
    return np.where(x >= 2.0 ** 63, np.iinfo(np.int64).max, inside)


def randint_np(kv, lo, hi, shape, dt):
    info = np.iinfo(dt)
    lo, hi = np.asarray(lo), np.asarray(hi)
    over = hi > info.max  # maxval past the dtype's range: its max is a possible value (as JAX)
    lo, hi = _int_bound(lo), _int_bound(hi)
    lo = np.clip(lo, info.min, info.max).astype(dt)
    hi = np.clip(hi, info.min, info.max).astype(dt)
    w = Stream(kv).words(int(np.prod(shape, dtype=np.int64))).reshape(shape)
    with np.errstate(over="ignore"):
        # uint64 arithmetic modulo 2**64: the exact span even of a full 64-bit range; a span
        # of 2**64 wraps to 0 and takes the words as they are
        lo_u = lo.astype(np.uint64)
        span = np.where(hi > lo, hi.astype(np.uint64) - lo_u + over.astype(np.uint64),
                        np.uint64(1))
        r = np.where(span == 0, w, w % np.where(span == 0, np.uint64(1), span))
        return (lo_u + r).astype(dt)


def geometric_np(kv, p, shape, dt):
    u = Stream(kv).open_unit(int(np.prod(shape, dtype=np.int64))).reshape(shape)
    p = np.asarray(p, np.float64)
    ok = (p > 0) & (p < 1)
    k = np.floor(np.log(u) / np.log1p(-np.where(ok, p, 0.5))) + 1.0
    # p = 0: never a success, the dtype's max (as JAX); counts past the dtype saturate
    return saturate_counts(np.where(ok, k, np.where(p == 1, 1.0, np.where(p == 0, np.inf, -1.0))),
                           dt)


def categorical_np(kv, logits, axis, prefix, replace):
    logits = np.moveaxis(np.asarray(logits, np.float64), axis, -1)
    k = logits.shape[-1]
    st = Stream(kv)
    if replace:
        n = int(np.prod(prefix + logits.shape, dtype=np.int64))
        g = -np.log(-np.log(st.open_unit(n))).reshape(prefix + logits.shape)
        return np.argmax(logits + g, axis=-1)
    count = int(np.prod(prefix, dtype=np.int64))
    if count > k:
        raise ValueError(f"random.categorical: cannot draw {count} samples without replacement "
                         f"from {k} categories")
    g = -np.log(-np.log(st.open_unit(logits.size))).reshape(logits.shape)
    top = np.argsort(-(logits + g), axis=-1, kind="stable")[..., :count]
    return np.moveaxis(top, -1, 0).reshape(prefix + logits.shape[:-1])


def permutation_np(kv, n, shape, axis, independent):
    w = Stream(kv).words(int(np.prod(shape, dtype=np.int64)) if independent else n)
    if independent:
        return np.argsort(w.reshape(shape), axis=axis, kind="stable")
    return np.argsort(w, kind="stable")


def choice_np(kv, n, shape, replace, p):
    count = int(np.prod(shape, dtype=np.int64))
    st = Stream(kv)
    if p is None:
        if replace:
            return (st.words(count) % np.uint64(max(n, 1))).astype(np.int64).reshape(shape)
        return np.argsort(st.words(n), kind="stable")[:count].reshape(shape)
    p = np.asarray(p, np.float64)
    if replace:
        cdf = np.cumsum(p)
        idx = np.searchsorted(cdf, st.unit(count) * cdf[-1], side="right")
        return np.minimum(idx, n - 1).reshape(shape)
    with np.errstate(divide="ignore"):
        score = np.log(p) - np.log(-np.log(st.open_unit(n)))
    return np.argsort(-score, kind="stable")[:count].reshape(shape)


def _binomial_small(st: Stream, n, q) -> np.ndarray:
    """Binomial(n, q) by inversion, walking up the probabilities from k = 0 (for n·q < 10)."""
    s = q / (1.0 - q)
    a = (n + 1.0) * s
    r = np.exp(n * np.log1p(-q))  # P(k = 0)
    u = st.unit(n.size)
    k = np.zeros(n.size)
    go = np.flatnonzero(u > r)
    while go.size:
        u[go] -= r[go]
        k[go] += 1.0
        r[go] *= a[go] / k[go] - s[go]
        # (r reaches 0 only past the last count, or by underflow far out in the tail)
        go = go[(u[go] > r[go]) & (k[go] < n[go]) & (r[go] > 0.0)]
    return k


def _binomial_btrs(st: Stream, n, q) -> np.ndarray:
    """Binomial(n, q) by Hörmann's transformed rejection with squeeze (BTRS; n·q ≥ 10)."""
    out = np.empty(n.size)
    todo = np.arange(n.size)
    while todo.size:
        nn, qq = n[todo], q[todo]
        spq = np.sqrt(nn * qq * (1.0 - qq))
        b = 1.15 + 2.53 * spq
        a = -0.0873 + 0.0248 * b + 0.01 * qq
        vr = 0.92 - 4.2 / b
        m = np.floor((nn + 1.0) * qq)
        u = st.unit(todo.size) - 0.5
        v = st.open_unit(todo.size)
        us = np.maximum(0.5 - np.abs(u), 1e-20)  # (0 only for u = -1/2: k is then out of range)
        k = np.floor((2.0 * a / us + b) * u + nn * qq + 0.5)
        inside = (k >= 0.0) & (k <= nn)
        kk = np.clip(k, 0.0, nn)
        lhs = np.log(v * (2.83 + 5.1 / b) * spq / (a / (us * us) + b))
        rhs = (_sp.gammaln(m + 1.0) + _sp.gammaln(nn - m + 1.0) - _sp.gammaln(kk + 1.0)
               - _sp.gammaln(nn - kk + 1.0) + (kk - m) * np.log(qq / (1.0 - qq)))
        ok = inside & (((us >= 0.07) & (v <= vr)) | (lhs <= rhs))
        out[todo[ok]] = k[ok]
        todo = todo[~ok]
    return out


def _binomial(st: Stream, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Binomial(n, p) counts as floats, for 1-D ``n`` and ``p`` of one size: n counts whole
    trials (its fraction is dropped), NaN where n < 0 or p is outside [0, 1] (or NaN), inf
    for n = inf with 0 < p."""
    n = np.floor(n)
    bad = np.logical_not((n >= 0.0) & (p >= 0.0) & (p <= 1.0))
    flip = p > 0.5  # draw the count of failures: q = min(p, 1 - p) <= 1/2
    q = np.where(flip, 1.0 - p, p)
    out = np.zeros(n.size)
    live = ~bad & (q > 0.0) & np.isfinite(n) & (n > 0.0)
    mean = np.zeros(n.size)
    mean[live] = n[live] * q[live]  # (only there: inf * 0 elsewhere)
    small = live & (mean < 10.0)
    big = live & ~small
    for mask, sampler in ((small, _binomial_small), (big, _binomial_btrs)):
        idx = np.flatnonzero(mask)
        if idx.size:
            out[idx] = sampler(st, n[idx], q[idx])
    out = np.where(flip & np.isfinite(n), n - out, out)
    out = np.where(np.isinf(n) & (p > 0.0), np.inf, out)
    return np.where(bad, np.nan, out)


def binomial_np(kv, n, p, shape, dt):
    n = np.broadcast_to(np.asarray(n, np.float64), shape).ravel()
    p = np.broadcast_to(np.asarray(p, np.float64), shape).ravel()
    return _binomial(Stream(kv), n, p).reshape(shape).astype(dt)


def multinomial_np(kv, n, p, shape, dt):
    """Counts of ``n`` trials over the categories of ``p``'s last axis (weights, normalized
    there), one binomial per category given the trials left: NaN for a row whose n is
    negative, infinite or NaN, or whose weights are negative, not finite or all zero."""
    p = np.broadcast_to(np.asarray(p, np.float64), shape)
    rows = int(np.prod(shape[:-1], dtype=np.int64))
    p = p.reshape(rows, shape[-1])
    left = np.floor(np.broadcast_to(np.asarray(n, np.float64), shape[:-1]).ravel())
    fine = np.all(np.isfinite(p) & (p >= 0.0), axis=1)
    p = np.where(fine[:, None], p, 0.0)
    with np.errstate(over="ignore"):
        total = p.sum(axis=1)
    bad = np.logical_not(fine & (total > 0.0) & np.isfinite(total) & (left >= 0.0) & np.isfinite(left))
    mass = np.where(bad, 1.0, total)  # the weight of the categories not drawn yet
    p = np.where(bad[:, None], 0.0, p)
    left = np.where(bad, 0.0, left)
    st = Stream(kv)
    out = np.empty((rows, shape[-1]))
    for j in range(shape[-1] - 1):
        share = np.where(mass > 0.0, np.minimum(p[:, j] / np.where(mass > 0.0, mass, 1.0), 1.0), 0.0)
        out[:, j] = _binomial(st, left, share)
        left = left - out[:, j]
        mass = mass - p[:, j]
    out[:, -1] = left
    return np.where(bad[:, None], np.nan, out).reshape(shape).astype(dt)


def known_inf(p) -> bool:
    """``p`` is a known (not traced) infinite number."""
    return (type(p) in (int, float) or isinstance(p, np.generic)
            or (type(p) is np.ndarray and p.ndim == 0)) and bool(np.isinf(p))
