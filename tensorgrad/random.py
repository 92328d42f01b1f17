"""``tg.random``: JAX's key-based random numbers (``jax.random``) on NumPy.

A key is a uint32 array of shape (2,), JAX's raw key layout (``key`` returns that too, not a
typed key). Every sampler takes a key and is a pure function of it: the same key always
gives the same numbers, ``split`` and ``fold_in`` make new keys whose streams are
independent. Nothing reads a global state::

    key = tg.random.PRNGKey(0)
    k1, k2 = tg.random.split(key)
    w = tg.random.normal(k1, (3, 2))

The numbers come from a Philox counter-based generator keyed by the key (see
:mod:`tensorgrad.random_dists`): reproducible on every platform and NumPy version, but not
equal to JAX's bit for bit. ``PRNGKey(seed)`` itself is JAX's key for the seed.

The samplers have JAX's signatures, defaults and shape rules (``shape=None``: the broadcast
shape of the parameters; a given ``shape`` must be one the parameters broadcast to). Float
samplers default to float64 (JAX's default with x64) and honour ``dtype``.

Transforms:

* ``tg.jit``: a key passed as an argument is traced; each call of the plan draws from the key
  it is given (drawing is recorded as a step, never baked in as a trace-time constant);
* ``tg.vmap`` over a batch of keys (``tg.vmap(f)(tg.random.split(key, 5))``);
* ``tg.grad`` and the other derivatives: samples are differentiable in their continuous
  parameters where JAX's are, by reparameterization (the sample is an expression of
  tensorgrad ops in the parameters applied to a parameter-free draw), and for the gamma family
  (``gamma``, ``loggamma``, ``beta``, ``dirichlet``, ``chisquare``, ``t``, ``f``,
  ``generalized_normal``, ``ball``) by the implicit gradient dx/da = −(∂F/∂a)(x; a)/f(x; a).
  Discrete samplers (``bernoulli``, ``categorical``, ``randint``, ``poisson``, ``geometric``,
  ``rademacher`` and the indices of ``permutation`` and ``choice``) accept traced parameters
  and give them a zero gradient, as JAX does. ``permutation`` and ``choice`` of an array are
  differentiable in the array's values (they select entries).
"""
from __future__ import annotations

import numpy as np

from . import ops as _ops
from .custom import custom_jvp
from .ops.decompositions import eigh as _eigh
from .ops.decompositions import svd as _svd
from .ops.factorizations import cholesky as _cholesky
from .ops.special_fns2 import gammainc_da as _gammainc_da
from .random_dists import (Stream, as_param, below_max, bernoulli_np, binomial_np, bits_words,
                           categorical_np, check_key, choice_np, draw, check_axis, float_dtype,
                           fold_words, geometric_np, int_dtype, known_inf, log_gamma_np, multinomial_np,
                           normal_np, orthogonal_np, permutation_np, poisson_np, randint_np,
                           sample_shape, seed_words, shape_tuple, split_words, uniform_np)
from .staging import check as staged_check, is_staged
from .tensor import Tensor, concrete, dtype_of, shape_of
from .typing import Array, ArrayLike  # noqa: F401

__all__ = ["PRNGKey", "key", "key_data", "wrap_key_data", "split", "fold_in", "clone", "bits",
           "uniform", "normal", "truncated_normal", "bernoulli", "categorical", "randint",
           "permutation", "choice", "exponential", "gamma", "loggamma", "beta", "dirichlet",
           "laplace", "logistic", "gumbel", "cauchy", "pareto", "poisson", "chisquare", "t",
           "f", "weibull_min", "lognormal", "multivariate_normal", "orthogonal", "rademacher",
           "ball", "maxwell", "double_sided_maxwell", "generalized_normal", "geometric",
           "triangular", "rayleigh", "wald", "binomial", "multinomial"]


# ---- keys ---------------------------------------------------------------------------------------
def PRNGKey(seed, *, impl=None) -> Array:
    """The raw key for an integer seed: uint32 [high 32 bits, low 32 bits] (as JAX's)."""
    return draw(seed_words, concrete(seed))


def key(seed, *, impl=None, dtype=None) -> Array:
    """The key for ``seed``, in the raw layout (a uint32 array of shape (2,)): tensorgrad has
    no typed key arrays, so this equals ``PRNGKey(seed)``."""
    return PRNGKey(seed)


def key_data(keys) -> Array:
    """The uint32 words of a key or of an array of keys (the keys themselves)."""
    kv = concrete(keys)
    _check_keys(kv, "key_data")
    return kv


def wrap_key_data(key_bits_array, *, impl=None, dtype=None) -> Array:
    """Keys from their uint32 words (shape (..., 2)): the array itself, checked."""
    kv = concrete(key_bits_array)
    _check_keys(kv, "wrap_key_data")
    return kv


def _check_keys(kv, name):
    shape, dtype = tuple(np.shape(kv)), getattr(kv, "dtype", None)
    if not shape or shape[-1] != 2 or dtype != np.uint32:
        raise TypeError(f"random.{name}: expected keys, a uint32 array of shape (..., 2), got "
                        f"shape {shape} and dtype {dtype}")


def clone(key) -> Array:
    """The key itself (keys are immutable values; JAX's ``clone`` matters for its typed keys)."""
    return check_key(key, "clone")


def split(key, num=2) -> Array:
    """``num`` new keys (``num`` an int or a shape): shape (num, 2), or num + (2,)."""
    kv = check_key(key, "split")
    shape = _shape_arg(num, "num")
    return draw(split_words, kv, shape)


def fold_in(key, data) -> Array:
    """A new key determined by ``key`` and the integer ``data`` (e.g. a step number)."""
    kv = check_key(key, "fold_in")
    return draw(fold_words, kv, concrete(data))


def _keys(key, n: int, name: str) -> tuple:
    ks = split(key, n)
    return tuple(ks[i] for i in range(n))


# ---- uniform bits and floats --------------------------------------------------------------
def _shape_arg(shape, what: str = "shape") -> tuple:
    return shape_tuple(None, shape, what)  # (messages name the calling function)


def bits(key, shape=(), dtype=None) -> Array:
    """Uniformly random unsigned integers (uint64 by default, as JAX's with 64-bit mode;
    uint8/16/32/64)."""
    kv = check_key(key, "bits")
    dt = np.dtype(np.uint64 if dtype is None else dtype)
    if dt.kind != "u":
        raise TypeError(f"random.bits: dtype must be an unsigned integer dtype, got {dt}")
    return draw(bits_words, kv, _shape_arg(shape), dt)


def uniform(key, shape=(), dtype=None, minval=0.0, maxval=1.0) -> Array:
    """Uniform on [minval, maxval): differentiable in minval and maxval."""
    kv = check_key(key, "uniform")
    dt = float_dtype("uniform", dtype)
    shape = sample_shape("uniform", _shape_arg(shape), minval, maxval)
    u = draw(uniform_np, kv, shape, dt)
    lo, hi = as_param(minval, dt), as_param(maxval, dt)
    return below_max(_ops.maximum(lo, lo + (hi - lo) * u), lo, hi)


def normal(key, shape=(), dtype=None) -> Array:
    """Standard normal samples (complex: parts of variance ½, so E|z|² = 1, as JAX's)."""
    kv = check_key(key, "normal")
    if dtype is not None and np.dtype(dtype).kind == "c":
        p = draw(normal_np, kv, tuple(_shape_arg(shape)) + (2,), np.dtype(f"f{np.dtype(dtype).itemsize // 2}"))
        return ((p[..., 0] + 1j * p[..., 1]) * np.sqrt(0.5)).astype(dtype)
    return draw(normal_np, kv, _shape_arg(shape), float_dtype("normal", dtype))


def _draw_std(name, key, shape, dt, fn):
    """A parameter-free draw ``fn(uniform_open)`` of ``shape``, in float64 then ``dt``."""
    kv = check_key(key, name)
    return draw(_transformed, kv, shape, dt, fn)


def _transformed(kv, shape, dt, fn):  # (a draw beyond a narrower dtype's range: its largest)
    x, big = fn(Stream(kv), int(np.prod(shape, dtype=np.int64))), np.finfo(dt).max
    return (x if big >= np.finfo(x.dtype).max else np.clip(x, -big, big)).astype(dt).reshape(shape)


def _open(st, n):
    return st.open_unit(n)


def truncated_normal(key, lower, upper, shape=None, dtype=None) -> Array:
    """Normal samples conditioned on [lower, upper], by the inverse CDF: differentiable in
    lower and upper. (The bounds are reflected into the lower tail, where the normal CDF
    keeps its precision.)"""
    dt = float_dtype("truncated_normal", dtype)
    shape = sample_shape("truncated_normal", shape, lower, upper)
    u = _draw_std("truncated_normal", key, shape, np.float64, _open)
    lo, hi = as_param(lower, np.float64), as_param(upper, np.float64)
    flip = _ops.greater(lo, 0.0)  # both bounds in the upper tail: reflect them
    a = _ops.where(flip, -hi, lo)
    b = _ops.where(flip, -lo, hi)
    # deep in the lower tail (b < −20) the CDF underflows (Φ(−38) = 0): invert it in logs
    far = _ops.less(b, _TN_FAR)
    ad, bd = _ops.where(far, -1.0, a), _ops.where(far, 1.0, b)  # the unused branch stays finite
    ca, cb = _ops.ndtr(ad), _ops.ndtr(bd)
    x = _ops.ndtri(ca + u * (cb - ca))
    af, bf = _ops.where(far, a, _TN_FAR - 1.0), _ops.where(far, b, _TN_FAR)
    a_fin = _ops.isfinite(af)  # a = −∞: Φ(a) = 0, with no derivative to pass on
    la = _ops.where(a_fin, _ops.log_ndtr(_ops.where(a_fin, af, bf - 1.0)), -np.inf)
    lb = _ops.log_ndtr(bf)
    # log(Φ(a) + u(Φ(b) − Φ(a))) = log Φ(b) + log(u + (1 − u)·Φ(a)/Φ(b))
    lp = lb + _ops.log(u + (1.0 - u) * _ops.exp(la - lb))
    x = _ops.where(far, _ndtri_log_tail(lp), x)
    x = _ops.clip(_ops.where(flip, -x, x), lo, hi)
    return _ops.astype(x, dt)


_TN_FAR = -20.0
_HALF_LOG_2PI = 0.5 * float(np.log(2.0 * np.pi))


def _ndtri_log_tail(lp):
    """x with log Φ(x) = lp for lp ≲ log Φ(−20): the asymptotic solution of
    lp = −x²/2 − log(−x√(2π)), refined by Newton steps on log Φ (exact to rounding there;
    differentiable, with the derivative of the converged iterate)."""
    t = -2.0 * lp
    x = -_ops.sqrt(t - _ops.log(t) - 2.0 * _HALF_LOG_2PI)
    for _ in range(4):
        lx = _ops.log_ndtr(x)
        # Newton: f = log Φ(x) − lp, f' = φ(x)/Φ(x) = exp(−x²/2 − log√(2π) − log Φ(x))
        x = x - (lx - lp) * _ops.exp(lx + 0.5 * x * x + _HALF_LOG_2PI)
    return x


def exponential(key, shape=(), dtype=None) -> Array:
    """Standard exponential samples: −log(U)."""
    return _draw_std("exponential", key, _shape_arg(shape), float_dtype("exponential", dtype),
                     lambda st, n: -np.log(st.open_unit(n)))


def laplace(key, shape=(), dtype=None) -> Array:
    """Standard Laplace samples."""
    def fn(st, n):
        u = st.open_unit(n) - 0.5
        return -np.sign(u) * np.log1p(-2.0 * np.abs(u))
    return _draw_std("laplace", key, _shape_arg(shape), float_dtype("laplace", dtype), fn)


def logistic(key, shape=(), dtype=None) -> Array:
    """Standard logistic samples: logit(U)."""
    def fn(st, n):
        u = st.open_unit(n)
        return np.log(u) - np.log1p(-u)
    return _draw_std("logistic", key, _shape_arg(shape), float_dtype("logistic", dtype), fn)


def gumbel(key, shape=(), dtype=None, mode=None) -> Array:
    """Standard Gumbel samples: −log(−log U)."""
    check_key(key, "gumbel", mode)
    return _draw_std("gumbel", key, _shape_arg(shape), float_dtype("gumbel", dtype),
                     lambda st, n: -np.log(-np.log(st.open_unit(n))))


def cauchy(key, shape=(), dtype=None) -> Array:
    """Standard Cauchy samples: tan(π(U − 1/2))."""
    return _draw_std("cauchy", key, _shape_arg(shape), float_dtype("cauchy", dtype),
                     lambda st, n: np.tan(np.pi * (st.open_unit(n) - 0.5)))


def maxwell(key, shape=(), dtype=None) -> Array:
    """Maxwell samples: the length of a 3-dimensional standard normal vector."""
    def fn(st, n):
        return np.sqrt(np.sum(st.normal(3 * n).reshape(n, 3) ** 2, axis=-1))
    return _draw_std("maxwell", key, _shape_arg(shape), float_dtype("maxwell", dtype), fn)


def double_sided_maxwell(key, loc, scale, shape=(), dtype=None) -> Array:
    """loc + scale·(±Maxwell): differentiable in loc and scale."""
    dt = float_dtype("double_sided_maxwell", dtype)
    params = sample_shape("double_sided_maxwell", None, loc, scale)  # (as JAX: shape, or
    shape = (_shape_arg(shape) or params) + params  # params if empty, in front of params)

    def fn(st, n):
        m = np.sqrt(np.sum(st.normal(3 * n).reshape(n, 3) ** 2, axis=-1))
        return np.where(st.unit(n) < 0.5, -m, m)
    z = _draw_std("double_sided_maxwell", key, shape, dt, fn)
    return as_param(loc, dt) + as_param(scale, dt) * z


def rayleigh(key, scale, shape=None, dtype=None) -> Array:
    """scale·√(−2 log U): differentiable in scale."""
    dt, shape = float_dtype("rayleigh", dtype), sample_shape("rayleigh", shape, scale)
    r = _draw_std("rayleigh", key, shape, dt, lambda st, n: np.sqrt(-2.0 * np.log(st.open_unit(n))))
    return as_param(scale, dt) * r


def weibull_min(key, scale, concentration, shape=(), dtype=None) -> Array:
    """scale·E^(1/concentration), E standard exponential: differentiable in both."""
    dt = float_dtype("weibull_min", dtype)
    # JAX broadcasts ``shape`` (default ()) with the parameters' shapes here
    shape = sample_shape("weibull_min", None, np.empty(_shape_arg(shape), dtype=np.int8),
                         scale, concentration)
    log_e = _draw_std("weibull_min", key, shape, dt, lambda st, n: np.log(-np.log(st.open_unit(n))))
    return as_param(scale, dt) * _ops.exp(log_e / as_param(concentration, dt))


def pareto(key, b, shape=None, dtype=None) -> Array:
    """exp(E/b), E standard exponential (support [1, ∞)): differentiable in b."""
    dt = float_dtype("pareto", dtype)
    shape = sample_shape("pareto", shape, b)
    e = _draw_std("pareto", key, shape, dt, lambda st, n: -np.log(st.open_unit(n)))
    return _ops.exp(e / as_param(b, dt))


def lognormal(key, sigma=1.0, shape=None, dtype=None) -> Array:
    """exp(sigma·Z), Z standard normal: differentiable in sigma."""
    dt = float_dtype("lognormal", dtype)
    shape = sample_shape("lognormal", shape, sigma)
    z = normal(key, shape, dt)
    return _ops.exp(as_param(sigma, dt) * z)


def triangular(key, left, mode, right, shape=None, dtype=None) -> Array:
    """The triangular distribution on [left, right] with peak at mode, by its inverse CDF:
    differentiable in all three."""
    dt = float_dtype("triangular", dtype)
    shape = sample_shape("triangular", shape, left, mode, right)
    u = uniform(key, shape, dt)
    a, c, b = as_param(left, dt), as_param(mode, dt), as_param(right, dt)
    width = b - a
    fc = (c - a) / width
    below = _ops.less(u, fc)
    lo = a + _ops.sqrt(_ops.maximum(u * width * (c - a), 0.0))
    hi = b - _ops.sqrt(_ops.maximum((1.0 - u) * width * (b - c), 0.0))
    return _ops.where(below, lo, hi)


def wald(key, mean, shape=None, dtype=None) -> Array:
    """The Wald (inverse Gaussian) distribution with the given mean and shape 1, by Michael,
    Schucany and Haas's transformation of a normal and a uniform: differentiable in mean."""
    dt = float_dtype("wald", dtype)
    shape = sample_shape("wald", shape, mean)
    k1, k2 = _keys(key, 2, "wald")
    y = normal(k1, shape, dt) ** 2
    u = uniform(k2, shape, dt)
    mu = as_param(mean, dt)
    # the smaller root mu + mu²y/2 − (mu/2)·√(4mu·y + (mu·y)²), written without cancellation
    # (which loses every digit when mu·y is large): mu/(1 + s + √s·√(2 + s)), s = mu·y/2
    # (√s·√(2 + s), not √(s(2 + s)), which overflows for s ≳ 1e154)
    s = 0.5 * mu * y
    r = 1.0 + s + _ops.sqrt(s) * _ops.sqrt(2.0 + s)
    small = _ops.less_equal(u, 1.0 / (1.0 + 1.0 / r))  # (the larger root only where taken:
    return _ops.where(small, mu / r, mu * _ops.where(small, 1.0, r))  # mu·r overflows for huge mu)


# ---- multivariate ---------------------------------------------------------------------------------
def multivariate_normal(key, mean, cov, shape=None, dtype=None, method="cholesky") -> Array:
    """Normal vectors with the given mean (..., n) and covariance (..., n, n): mean + A z with
    A A^T = cov from ``method`` 'cholesky', 'eigh' or 'svd'; differentiable in mean and cov.
    ``dtype`` defaults to that of mean and cov (promoted, as JAX), not to float64.
    The result has shape ``shape + (n,)`` (``shape`` defaults to the broadcast batch shape)."""
    if method not in ("cholesky", "eigh", "svd"):
        raise ValueError(f"random.multivariate_normal: method must be 'cholesky', 'eigh' or "
                         f"'svd', got {method!r}")
    if dtype is None:  # as JAX: the parameters' promoted float dtype (float64 for integers)
        dtype = np.result_type(dtype_of(concrete(mean)), dtype_of(concrete(cov)), np.float16)
    dt = float_dtype("multivariate_normal", dtype)
    ms, cs = tuple(shape_of(concrete(mean))), tuple(shape_of(concrete(cov)))
    if len(ms) < 1 or len(cs) < 2 or cs[-1] != cs[-2] or cs[-1] != ms[-1]:
        raise ValueError(f"random.multivariate_normal: mean must have shape (..., n) and cov "
                         f"(..., n, n); got shapes {ms} and {cs}")
    try:
        batch = np.broadcast_shapes(ms[:-1], cs[:-2])
    except ValueError:
        raise ValueError(f"random.multivariate_normal: the batch shapes of mean {ms[:-1]} and "
                         f"cov {cs[:-2]} do not broadcast together") from None
    shape = batch if shape is None else sample_shape("multivariate_normal", shape,
                                                      np.empty(batch, dtype=np.int8))
    m, c = as_param(mean, dt), as_param(cov, dt)
    if method == "cholesky":
        factor = _cholesky(c)
    elif method == "eigh":  # (rounding's tiny negative eigenvalues are 0; an indefinite cov:
        w, v = _eigh(c)     # NaN, as JAX's)
        tol = _ops.max(_ops.abs(w), axis=-1, keepdims=True) * (10 * ms[-1] * np.finfo(dt).eps)
        factor = v * _ops.sqrt(_ops.where(w < -tol, np.nan, _ops.maximum(w, 0.0)))[..., None, :]
    else:
        u, s, _ = _svd(c)
        factor = u * _ops.sqrt(s)[..., None, :]
    z = normal(key, shape + ms[-1:], dt)
    return m + _ops.matmul(factor, z[..., None])[..., 0]


def orthogonal(key, n, shape=(), dtype=None, m=None) -> Array:
    """Haar-random orthogonal n×n matrices (n×m with orthonormal columns, or rows, for ``m``),
    of shape ``shape + (n, m)``: the Q of a normal matrix's QR with the signs of R's diagonal."""
    kv = check_key(key, "orthogonal")
    dt = float_dtype("orthogonal", dtype)
    return draw(orthogonal_np, kv, int(n), int(n if m is None else m), _shape_arg(shape), dt)


# ---- discrete -------------------------------------------------------------------------------------
def bernoulli(key, p=0.5, shape=None, mode="low") -> Array:
    """Booleans, True with probability p (no gradient in p: zero, as JAX)."""
    kv = check_key(key, "bernoulli", mode)
    shape = sample_shape("bernoulli", shape, p)
    return draw(bernoulli_np, kv, concrete(p), shape)


def rademacher(key, shape=(), dtype=None) -> Array:
    """−1 or +1 with probability 1/2 each (integers by default; a float dtype too, as JAX)."""
    dt = np.dtype(dtype) if dtype is not None and np.dtype(dtype).kind == "f" else \
        int_dtype("rademacher", dtype)
    b = bernoulli(key, 0.5, _shape_arg(shape))
    return 2 * b.astype(dt) - 1


def randint(key, shape, minval, maxval, dtype=None) -> Array:
    """Integers in [minval, maxval) (minval where maxval ≤ minval); bounds are clipped to the
    dtype's range. No gradient (zero, as JAX)."""
    kv = check_key(key, "randint")
    dt = int_dtype("randint", dtype)
    shape = sample_shape("randint", _shape_arg(shape), minval, maxval)
    return draw(randint_np, kv, concrete(minval), concrete(maxval), shape, dt)


def geometric(key, p, shape=None, dtype=None) -> Array:
    """The number of trials up to the first success (1, 2, ...), success probability p."""
    kv = check_key(key, "geometric")
    shape = sample_shape("geometric", shape, p)
    return draw(geometric_np, kv, concrete(p), shape, int_dtype("geometric", dtype))


def poisson(key, lam, shape=None, dtype=None) -> Array:
    """Poisson counts with rate lam (−1 where lam is negative or not finite); no gradient."""
    kv = check_key(key, "poisson")
    shape = sample_shape("poisson", shape, lam)
    return draw(poisson_np, kv, concrete(lam), shape, int_dtype("poisson", dtype))


def binomial(key, n, p, shape=None, dtype=None) -> Array:
    """Counts of successes in ``n`` trials of probability ``p``, as floats (JAX's dtype):
    whole trials (a fraction of n is dropped); NaN where n < 0 or p is outside [0, 1], inf
    for n = inf. Inversion for n·min(p, 1−p) < 10, Hörmann's BTRS above. No gradient."""
    kv = check_key(key, "binomial")
    shape = sample_shape("binomial", shape, n, p)
    return draw(binomial_np, kv, concrete(n), concrete(p), shape, float_dtype("binomial", dtype))


def multinomial(key, n, p, *, shape=None, dtype=None, unroll=1) -> Array:
    """Counts of ``n`` trials over the categories of ``p``'s last axis (weights, normalized
    there), as floats (JAX's dtype). ``shape`` ends with the number of categories; its
    other axes are the batch, which n and p's other axes broadcast to. NaN for a row with a
    negative, infinite or NaN n, or negative, non-finite or all-zero weights. One binomial per
    category given the trials left (``unroll`` is accepted for JAX code). No gradient."""
    kv = check_key(key, "multinomial")
    pv, nv = concrete(p), concrete(n)
    ps, ns = tuple(shape_of(pv)), tuple(shape_of(nv))
    if not ps:
        raise ValueError("random.multinomial: p must have at least one axis (the categories), "
                         "got a scalar")
    if shape is None:
        try:
            shape = np.broadcast_shapes(ns, ps[:-1]) + ps[-1:]
        except ValueError:
            raise ValueError(f"random.multinomial: n of shape {ns} and p of shape {ps} (without "
                             "its last axis, the categories) do not broadcast together") from None
    else:
        shape = shape_tuple("random.multinomial", shape)
        ok = bool(shape) and shape[-1] == ps[-1]
        try:
            ok = ok and np.broadcast_shapes(ns, ps[:-1], shape[:-1]) == shape[:-1]
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"random.multinomial: shape {shape} must end with p's number of "
                             f"categories {ps[-1]}, and n (shape {ns}) and p's other axes (shape "
                             f"{ps[:-1]}) must broadcast to the rest")
    return draw(multinomial_np, kv, nv, pv, shape, float_dtype("multinomial", dtype))


def categorical(key, logits, axis=-1, shape=None, replace=True, mode=None) -> Array:
    """Category indices along ``axis`` with probabilities softmax(logits), by the Gumbel-max
    trick (Gumbel-top-k without replacement). ``shape`` must end with the batch shape (the
    logits' shape without ``axis``); its leading entries count samples. No gradient in the
    logits (zero, as JAX)."""
    kv = check_key(key, "categorical", mode)
    lv = concrete(logits)
    ls = tuple(shape_of(lv))
    ax = check_axis("categorical", axis, len(ls))
    batch = ls[:ax] + ls[ax + 1:]
    if shape is None:
        shape = batch
    shape = _shape_arg(shape)
    nb = len(batch)
    tail = shape[len(shape) - nb:] if nb else ()
    try:
        ok = len(shape) >= nb and np.broadcast_shapes(tail, batch) == tail
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"random.categorical: shape {shape} must end with a shape the batch "
                         f"shape {batch} (the logits' shape {ls} without axis {axis}) "
                         "broadcasts to")
    prefix = shape[:len(shape) - nb]
    if tail != batch:
        lv = draw(np.broadcast_to, lv, tail[:ax] + (ls[ax],) + tail[ax:])
    return draw(categorical_np, kv, lv, ax, prefix, bool(replace))


def permutation(key, x, axis=0, independent=False) -> Array:
    """A random permutation of ``arange(x)`` (``x`` an int), or of ``x``'s entries along
    ``axis`` (each slice on its own with ``independent=True``); differentiable in ``x``."""
    kv = check_key(key, "permutation")
    if type(x) is np.ndarray and x.ndim == 0 and x.dtype.kind in "iu":
        x = int(x)  # (an int, also as a 0-d NumPy array, is arange(x))
    if isinstance(x, (int, np.integer)):
        check_axis("permutation", axis, 1)  # (arange(x), as JAX)
        if x < 0:
            raise ValueError(f"random.permutation: x must be a non-negative int, got {x}")
        return draw(permutation_np, kv, int(x), (int(x),), 0, False)
    xs = tuple(shape_of(concrete(x)))
    if not xs:
        raise TypeError("random.permutation: x must be an int or an array with at least one "
                        "dimension")
    ax = check_axis("permutation", axis, len(xs))
    if independent:
        idx = draw(permutation_np, kv, xs[ax], xs, ax, True)
        return _ops.take_along_axis(_as_array_arg(x), idx, axis=ax)
    idx = draw(permutation_np, kv, xs[ax], (xs[ax],), 0, False)
    return _ops.take(_as_array_arg(x), idx, axis=ax)


def _as_array_arg(x):
    return x if isinstance(x, Tensor) or hasattr(x, "shape") else np.asarray(x)


def choice(key, a, shape=(), replace=True, p=None, axis=0, mode=None) -> Array:
    """Entries of ``a`` (or of ``arange(a)`` for an int) along ``axis``, drawn uniformly or
    with probabilities ``p``, with or without replacement; the result has ``a``'s shape with
    ``axis`` replaced by ``shape``. Differentiable in ``a``'s values, not in ``p`` (zero)."""
    kv = check_key(key, "choice", mode)
    shape = _shape_arg(shape)
    is_int = isinstance(a, (int, np.integer)) or not shape_of(concrete(_as_array_arg(a)))
    if is_int:  # a number, or a 0-d array, as JAX: the population arange(a)
        n = int(a)  # (a traced value refuses: the population size must be known)
    else:
        sa = tuple(shape_of(concrete(a)))
        axis = check_axis("choice", axis, len(sa))
        n = sa[axis]
    count = int(np.prod(shape, dtype=np.int64))
    if n <= 0 and count:  # (a negative int too, as JAX and NumPy)
        raise ValueError(f"random.choice: a must be greater than 0 unless no samples are taken; "
                         f"the population has size {n}, there is nothing to choose from")
    if not replace and count > n:
        raise ValueError(f"random.choice: cannot take a larger sample (size {count}) than the "
                         f"population (size {n}) when replace=False")
    pv = None
    if p is not None:
        pv = concrete(p)
        if tuple(shape_of(pv)) != (n,):
            raise ValueError(f"random.choice: p must be a 1-D array of the population's size "
                             f"{n}, got shape {tuple(shape_of(pv))}")
    idx = draw(choice_np, kv, n, shape, bool(replace), pv)
    return idx if is_int else _ops.take(_as_array_arg(a), idx, axis=axis)


# ---- the gamma family: implicit reparameterization ---------------------------------------------------
def _refuse_lost_slope(lost) -> None:
    if np.any(lost):
        raise ValueError("random.gamma: the derivative of a sample with respect to a shape "
                         "a ≳ 1e9 is not available (∂P/∂a of the incomplete gamma function is "
                         "not computed there); stop the gradient at a, or use the normal "
                         "approximation a + √a·z for such shapes")


@custom_jvp
def _log_gamma_sample(a, log_x):
    """log_x, a Gamma(a) variate's log, given with its derivative in a (see the rule)."""
    return log_x


@_log_gamma_sample.defjvp
def _log_gamma_sample_jvp(primals, tangents):
    """d log x/da = −(∂P/∂a)(a, x)/(x·p(x; a)), P the regularized lower incomplete gamma
    function (the CDF) and p the density: moving a with the CDF held fixed at x."""
    a, lx = primals
    ta, tl = tangents
    # Near x = 0, P(a, x) = x^a/Γ(a + 1)·(1 + O(x)), so d log x/da = (ψ(a + 1) − log x)/a
    # there: exact to O(x), and computed from log x alone, so it stays right where x = e^lx
    # underflows (loggamma's range, and beta/dirichlet/... with small parameters).
    tiny = _ops.logical_and(_ops.less(lx, _LOG_TINY_X), _ops.isfinite(lx))
    x = _ops.exp(_ops.where(tiny, 0.0, lx))
    minus_dp = -_gammainc_da(a, x)
    ok = _ops.logical_and(_ops.logical_and(_ops.greater(minus_dp, 0.0), _ops.isfinite(lx)),
                          _ops.logical_not(tiny))
    safe_dp = _ops.where(ok, minus_dp, 1.0)
    safe_lx = _ops.where(ok, lx, 0.0)
    log_xp = a * safe_lx - _ops.where(ok, x, 1.0) - _ops.gammaln(a)
    # ∂P/∂a not computed (its series does not converge in bounded time for a ≳ 1e9): an error,
    # never a slope of 0 (a sample that is not finite, from a ≤ 0, NaN or ∞, lost nothing:
    # it gets no slope, and its derivative is NaN as in JAX)
    lost = concrete(_ops.logical_and(_ops.logical_and(_ops.isnan(minus_dp), _ops.isfinite(lx)),
                                     _ops.logical_not(tiny)))
    if is_staged(lost):  # under tg.jit: checked at every run of the plan
        staged_check(_refuse_lost_slope, lost)
    else:
        _refuse_lost_slope(lost)
    slope = _ops.where(ok, _ops.exp(_ops.log(safe_dp) - log_xp), 0.0)
    safe_a = _ops.where(tiny, a, 1.0)
    small = (_ops.digamma(safe_a + 1.0) - _ops.where(tiny, lx, 0.0)) / safe_a
    slope = _ops.where(tiny, small, slope)
    return lx, tl + slope * ta


_LOG_TINY_X = -40.0  # log x below which the x → 0 form of the slope is used (x < 4e-18)


def _log_gamma(name, key, a, shape, dt):
    """log Gamma(a) samples of ``shape`` in float64 (differentiable in a), and their dtype."""
    kv = check_key(key, name)
    av = as_param(a, np.float64)
    lx = draw(log_gamma_np, kv, concrete(av), shape)
    if isinstance(av, Tensor):
        lx = _log_gamma_sample(_ops.broadcast_to(av, shape), lx)
    return lx


def loggamma(key, a, shape=None, dtype=None) -> Array:
    """log of Gamma(a, 1) samples, computed in logs (accurate for small a, where the sample
    itself underflows); differentiable in a (implicit reparameterization)."""
    dt = float_dtype("loggamma", dtype)
    shape = sample_shape("loggamma", shape, a)
    return _ops.astype(_log_gamma("loggamma", key, a, shape, dt), dt)


def gamma(key, a, shape=None, dtype=None) -> Array:
    """Gamma(a, 1) samples; differentiable in a by the implicit gradient
    dx/da = −(∂P/∂a)(a, x)/p(x; a) (as JAX)."""
    dt = float_dtype("gamma", dtype)
    shape = sample_shape("gamma", shape, a)
    return _ops.astype(_ops.exp(_log_gamma("gamma", key, a, shape, dt)), dt)


def beta(key, a, b, shape=None, dtype=None) -> Array:
    """Beta(a, b) samples, Ga/(Ga + Gb) of two gamma samples (in logs); differentiable."""
    dt = float_dtype("beta", dtype)
    shape = sample_shape("beta", shape, a, b)
    ka, kb = _keys(key, 2, "beta")
    la, lb = _log_gamma("beta", ka, a, shape, dt), _log_gamma("beta", kb, b, shape, dt)
    top = _ops.maximum(la, lb)
    ga, gb = _ops.exp(la - top), _ops.exp(lb - top)
    return _ops.astype(ga / (ga + gb), dt)


def dirichlet(key, alpha, shape=None, dtype=None) -> Array:
    """Dirichlet(alpha) vectors (alpha of shape (..., k)): normalized gamma samples, of shape
    ``shape + (k,)``; differentiable in alpha."""
    dt = float_dtype("dirichlet", dtype)
    s = tuple(shape_of(concrete(alpha)))
    if len(s) < 1:
        raise ValueError(f"random.dirichlet: alpha must have at least one dimension, got shape {s}")
    batch = sample_shape("dirichlet", shape, np.empty(s[:-1], dtype=np.int8))
    lg = _log_gamma("dirichlet", key, alpha, batch + s[-1:], dt)
    return _ops.astype(_ops.softmax(lg, axis=-1), dt)


def chisquare(key, df, shape=None, dtype=None) -> Array:
    """Chi-squared samples with ``df`` degrees of freedom: 2·Gamma(df/2); differentiable in df."""
    dt = float_dtype("chisquare", dtype)
    shape = sample_shape("chisquare", shape, df)
    half = as_param(df, np.float64) * 0.5
    return _ops.astype(2.0 * _ops.exp(_log_gamma("chisquare", key, half, shape, dt)), dt)


def t(key, df, shape=None, dtype=None) -> Array:
    """Student's t samples: Z·√(ν/χ²_ν); differentiable in df."""
    dt = float_dtype("t", dtype)
    shape = sample_shape("t", shape, df)
    kz, kg = _keys(key, 2, "t")
    half = as_param(df, np.float64) * 0.5
    z = normal(kz, shape, np.float64)
    lg = _log_gamma("t", kg, half, shape, dt)
    return _ops.astype(z * _ops.sqrt(half) * _ops.exp(-0.5 * lg), dt)


def f(key, dfnum, dfden, shape=None, dtype=None) -> Array:
    """F samples: (χ²_m/m)/(χ²_n/n); differentiable in dfnum and dfden."""
    dt = float_dtype("f", dtype)
    shape = sample_shape("f", shape, dfnum, dfden)
    k1, k2 = _keys(key, 2, "f")
    hm, hn = as_param(dfnum, np.float64) * 0.5, as_param(dfden, np.float64) * 0.5
    lm = _log_gamma("f", k1, hm, shape, dt)
    ln = _log_gamma("f", k2, hn, shape, dt)
    return _ops.astype(_ops.exp(lm - ln) * hn / hm, dt)


def generalized_normal(key, p, shape=(), dtype=None) -> Array:
    """Samples of density ∝ exp(−|x|^p): ±G^(1/p), G ~ Gamma(1/p); differentiable in p.
    ``p = inf`` is the limit, uniform on [−1, 1] (JAX's draws give ±1 there)."""
    dt = float_dtype("generalized_normal", dtype)
    shape = sample_shape("generalized_normal", _shape_arg(shape), p)
    kg, ks = _keys(key, 2, "generalized_normal")
    if known_inf(p):
        return uniform(kg, shape, dt, -1.0, 1.0)
    pp = as_param(p, np.float64)
    lg = _log_gamma("generalized_normal", kg, 1.0 / pp, shape, dt)
    sign = rademacher(ks, shape, np.int64)
    return _ops.astype(sign * _ops.exp(lg / pp), dt)


def ball(key, d, p=2, shape=(), dtype=None) -> Array:
    """Points uniform in the unit p-norm ball of dimension d (the cube for p = inf), of shape
    ``shape + (d,)``: generalized normals divided by (Σ|g|^p + E)^(1/p), E ~ Exp(1)."""
    dt = float_dtype("ball", dtype)
    shape = _shape_arg(shape)
    kg, ke = _keys(key, 2, "ball")
    if known_inf(p):
        return uniform(kg, shape + (int(d),), dt, -1.0, 1.0)
    g = generalized_normal(kg, p, shape + (int(d),), np.float64)
    e = exponential(ke, shape, np.float64)
    pp = as_param(p, np.float64)
    norm = _ops.exp(_ops.log(_ops.sum(_ops.abs(g) ** pp, axis=-1) + e) / pp)
    return _ops.astype(g / norm[..., None], dt)
