"""Discrete distributions of ``tg.distributions`` (PyTorch's classes): Bernoulli, Binomial,
Geometric, Poisson, Categorical and OneHotCategorical. Those with ``probs=``
and ``logits=`` take exactly one of the two and keep both (``logits`` are log-probabilities:
for Categorical normalized over the last axis, for Bernoulli, Binomial and Geometric the log
odds). Log-probabilities are differentiable in the parameters; draws are not (no
``rsample``)."""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..lax import stop_gradient
from ..ops.linalg_ops import finfo_of
from ..tensor import concrete, dtype_of, shape_of
from . import constraints
from .count_pmfs import binomial_log_pmf, poisson_log_pmf
from .distribution import (Distribution, _concrete_np, as_float, broadcast_all, check_values,
                           default_validate_args, need_key)

__all__ = ["Bernoulli", "Binomial", "Geometric", "Poisson", "Categorical", "OneHotCategorical"]


def _one_of(cls: str, probs, logits):
    if (probs is None) == (logits is None):
        raise ValueError(f"{cls}: pass exactly one of probs= or logits=, got "
                         f"{'both' if probs is not None else 'neither'}")
    return "probs" if probs is not None else "logits"


_EPS = float(np.finfo(np.float64).eps)


def _log_odds(p):
    """log(p / (1 − p)) of p clamped to [eps, 1 − eps] (PyTorch's conversion: finite logits)."""
    q = _ops.clip(p, _EPS, 1 - _EPS)
    return _ops.log(q) - _ops.log1p(-q)


def _safe_log(p):
    """log p of p clamped to [eps, 1 − eps] (PyTorch's conversion: finite logits)."""
    return _ops.log(_ops.clip(p, _EPS, 1 - _EPS))


def _over_events(given: str, v):
    """``(probs, logits)`` of unnormalized ``probs`` or ``logits`` ``v`` over the last axis:
    probabilities summing to 1 and log-probabilities (Categorical's and Multinomial's)."""
    if given == "probs":
        probs = v / _ops.sum(v, axis=-1, keepdims=True)
        return probs, _safe_log(probs)
    logits = v - _ops.logsumexp(v, axis=-1, keepdims=True)
    return _ops.exp(logits), logits


def _early_check(self, name, value, validate_args):
    """Validate the given parameter before anything is computed from it."""
    if default_validate_args() if validate_args is None else validate_args:
        check_values(type(self).__name__, f"parameter {name}", self.arg_constraints[name], value)


class _Binary(Distribution):
    """Shared set-up of the distributions parameterized by a success probability."""
    _extra: tuple = ()

    def _setup(self, probs, logits, validate_args, **extra):
        given = _one_of(type(self).__name__, probs, logits)
        vals, shape = broadcast_all(probs if given == "probs" else logits, *extra.values(),
                                    who=type(self).__name__, names=(given, *extra))
        first = vals[0]
        _early_check(self, given, first, validate_args)
        for name, v in zip(extra, vals[1:]):
            setattr(self, name, v)
        if given == "probs":
            self.probs = first
            self.logits = _log_odds(first)
        else:
            self.logits = first
            self.probs = _ops.sigmoid(first)
        self._given = (given,) + tuple(extra)
        self._params = ("probs", "logits") + tuple(extra)
        Distribution.__init__(self, shape, (), validate_args)

    @property
    def param_shape(self) -> tuple:
        return tuple(shape_of(self.probs))


class Bernoulli(_Binary):
    """A 0/1 variable that is 1 with probability ``probs`` (or sigmoid(``logits``))."""
    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._setup(probs, logits, validate_args)

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))

    @property
    def mode(self):
        m = _ops.astype(self.probs > 0.5, np.float64)
        return _ops.where(self.probs == 0.5, np.nan, m)

    def sample(self, sample_shape=(), key=None):
        key = need_key(key, "Bernoulli.sample")
        b = _random.bernoulli(key, stop_gradient(self.probs), self._extended_shape(sample_shape))
        return _ops.astype(b, np.float64)

    def log_prob(self, value):
        self._validate_sample(value)
        return value * self.logits - _ops.softplus(self.logits)

    def entropy(self):
        return _ops.softplus(self.logits) - self.probs * self.logits

    def enumerate_support(self, expand=True):
        v = np.arange(2.0).reshape((2,) + (1,) * len(self.batch_shape))
        return np.broadcast_to(v, (2,) + self.batch_shape) if expand else v


class Geometric(_Binary):
    """The number of failures before the first success of Bernoulli(probs) trials.

    ``probs`` must lie in (0, 1] (PyTorch's rule: with probs = 0 no success ever comes). Given
    ``probs``, ``log_prob(k) = xlog1py(k, −p) + log p``, exact up to p = 1 (``log_prob(0)`` is 0
    there and ``log_prob(k ≥ 1)`` is −inf); given ``logits``, the same through softplus.
    Draws are floats, ``floor(log U / log(1 − p))`` as PyTorch's: large counts for a tiny p
    are kept (not clipped to an integer type), and p = 0, if not validated, draws inf."""
    arg_constraints = {"probs": constraints.Constraint("interval (0, 1]",
                                                       lambda v: (v > 0) & (v <= 1)),
                       "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, probs=None, logits=None, validate_args=None):
        self._setup(probs, logits, validate_args)

    mode = property(lambda self: _ops.zeros_like(self.probs))

    def _odds_inv(self, power: float = 1.0):
        """((1 − p)/p)^power, from the logits when they were given: e^(−power·logits), inf
        (without an overflow warning) where that overflows."""
        if "probs" in self._given:
            return (1 / self.probs - 1) ** power
        lg = self.logits
        big = lg * power < -700.0
        return _ops.where(big, np.inf, _ops.exp(-power * _ops.where(big, 0.0, lg)))

    mean = property(lambda self: self._odds_inv())
    variance = property(lambda self: self._odds_inv() + self._odds_inv(2.0))

    def sample(self, sample_shape=(), key=None):
        key = need_key(key, "Geometric.sample")
        u = _random.uniform(key, self._extended_shape(sample_shape),
                            minval=np.finfo(np.float64).tiny, maxval=1.0)
        # log(1 − p) from the parameter that was given (the other one is clamped); p = 1 draws
        # 0, p = 0 (log(1 − p) = 0) inf
        if "probs" in self._given:
            p = stop_gradient(self.probs)
            log1m = -_ops.xlog1py(-1.0, -p)  # log1p(−p), −inf at p = 1 without a warning
        else:
            log1m = -_ops.softplus(stop_gradient(self.logits))
        finite = _ops.logical_and(log1m < 0, log1m > -np.inf)
        k = _ops.floor(_ops.log(u) / _ops.where(finite, log1m, -1.0))
        return _ops.where(finite, k, _ops.where(log1m == 0, np.inf, 0.0))

    def log_prob(self, value):
        self._validate_sample(value)
        if "probs" in self._given:
            return _ops.xlog1py(value, -self.probs) + _ops.log(self.probs)
        # log(1 − p) = −softplus(logits), log p = −softplus(−logits); k = 0 adds exactly 0
        # (also for logits = inf)
        lg, zero = self.logits, value == 0
        failures = -value * _ops.where(zero, 1.0, _ops.softplus(lg))
        return _ops.where(zero, 0.0, failures) - _ops.softplus(-lg)

    def entropy(self):
        """(−p log p − (1 − p) log(1 − p))/p = softplus(−logits) + e^(−logits)·softplus(logits),
        the last product as log1p(t)/t = 1 − t/2 + t²/3 of t = e^logits for logits < −20 (no
        0·inf)."""
        lg = self.logits
        low = lg < -20.0
        t = _ops.exp(_ops.where(low, lg, -20.0))
        hi = _ops.where(low, 0.0, lg)
        ratio = _ops.where(low, 1.0 - t / 2.0 + t * t / 3.0, _ops.exp(-hi) * _ops.softplus(hi))
        return _ops.softplus(-lg) + ratio


class Binomial(_Binary):
    """The number of successes in ``total_count`` Bernoulli(probs) trials."""
    arg_constraints = {"total_count": constraints.nonnegative_integer,
                       "probs": constraints.unit_interval, "logits": constraints.real}
    has_enumerate_support = True

    def __init__(self, total_count=1, probs=None, logits=None, validate_args=None):
        self._setup(probs, logits, validate_args, total_count=total_count)

    @property
    def support(self):
        return constraints.integer_interval(0, self.total_count)

    mean = property(lambda self: self.total_count * self.probs)
    variance = property(lambda self: self.total_count * self.probs * (1 - self.probs))

    @property
    def mode(self):
        return _ops.minimum(_ops.floor((self.total_count + 1) * self.probs), self.total_count)

    def sample(self, sample_shape=(), key=None):
        """Float counts from :func:`tensorgrad.random.binomial` (its cost does not grow with
        ``total_count``)."""
        key = need_key(key, "Binomial.sample")
        return _random.binomial(key, stop_gradient(self.total_count), stop_gradient(self.probs),
                                self._extended_shape(sample_shape))

    def log_prob(self, value):
        self._validate_sample(value)
        return binomial_log_pmf(value, self.total_count, self.logits)  # (no cancellation)

    def enumerate_support(self, expand=True):
        """The counts 0, 1, …, total_count along a new first axis (PyTorch's layout: shape
        ``(total_count + 1,) + batch_shape``, or ``(total_count + 1,) + (1,) * len(batch_shape)``
        with ``expand=False``); total_count must be concrete and the same across the batch."""
        n = _concrete_np(self.total_count)
        if n is None:
            raise TypeError("Binomial.enumerate_support: total_count is traced (tg.jit); the "
                            "number of support points must be a concrete value")
        if n.size and np.min(n) != np.max(n):
            raise NotImplementedError(f"Binomial.enumerate_support: total_count must be the same "
                                      f"across the batch, got values from {np.min(n)} to "
                                      f"{np.max(n)} (batch shape {self.batch_shape})")
        top = int(np.max(n)) if n.size else 0
        v = np.arange(top + 1.0).reshape((-1,) + (1,) * len(self.batch_shape))
        return np.broadcast_to(v, (top + 1,) + self.batch_shape) if expand else v

    def entropy(self):
        n = int(np.max(np.asarray(concrete(self.total_count))))
        ks = np.arange(n + 1, dtype=dtype_of(self.probs))  # (float32 probabilities: float32)
        ks = ks.reshape((n + 1,) + (1,) * len(self.batch_shape))
        lp = self.log_prob(np.minimum(ks, np.asarray(concrete(self.total_count))))
        valid = ks <= np.asarray(concrete(self.total_count))
        return -_ops.sum(_ops.where(valid, _ops.exp(lp) * lp, 0.0), axis=0)


class NegativeBinomial(_Binary):
    """The number of successes (probability ``probs``) before ``total_count`` failures."""
    arg_constraints = {"total_count": constraints.nonnegative,
                       "probs": constraints.half_open_interval(0.0, 1.0), "logits": constraints.real}
    support = constraints.nonnegative_integer

    def __init__(self, total_count, probs=None, logits=None, validate_args=None):
        self._setup(probs, logits, validate_args, total_count=total_count)

    mean = property(lambda self: self.total_count * _ops.exp(self.logits))
    variance = property(lambda self: self.mean / _ops.sigmoid(-self.logits))

    @property
    def mode(self):
        return _ops.maximum(_ops.floor((self.total_count - 1) * _ops.exp(self.logits)), 0.0)

    def sample(self, sample_shape=(), key=None):
        """A Poisson draw whose rate is a Gamma(total_count, e^-logits) draw (the mixture)."""
        key = need_key(key, "NegativeBinomial.sample")
        k_gamma, k_poisson = _random.split(key)
        shape = self._extended_shape(sample_shape)
        rate = _random.gamma(k_gamma, stop_gradient(self.total_count), shape) \
            * _ops.exp(stop_gradient(self.logits))
        return _ops.astype(_random.poisson(k_poisson, rate, shape), np.float64)

    def log_prob(self, value):
        self._validate_sample(value)
        r, k, lg = self.total_count, value, self.logits
        # r·log(1 − p) + k·log p, with log p = −softplus(−logits), log(1 − p) = −softplus(logits)
        unnormalized = -r * _ops.softplus(lg) - k * _ops.softplus(-lg)
        # r = k = 0 (no failures wanted, none seen) has probability 1; gammaln(0) is infinite,
        # so the normalization is taken at r = 1, k = 0 there, where it is 0
        zero = (r + k) == 0
        r1, k1 = _ops.where(zero, 1.0, r), _ops.where(zero, 0.0, k)
        # log C(k + r − 1, k) = −log(k + r) − log B(r, k + 1): the log-gamma difference would
        # lose everything above ~1e-16 of lgamma(k + r) to rounding for huge counts
        return unnormalized - _ops.log(r1 + k1) - _ops.betaln(r1, k1 + 1.0)


class Poisson(Distribution):
    """The Poisson distribution with mean ``rate``."""
    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    def __init__(self, rate, validate_args=None):
        (self.rate,), shape = broadcast_all(rate)
        self._params = ("rate",)
        super().__init__(shape, (), validate_args)

    mean = property(lambda self: self.rate)
    mode = property(lambda self: _ops.floor(self.rate))
    variance = property(lambda self: self.rate)

    def sample(self, sample_shape=(), key=None):
        key = need_key(key, "Poisson.sample")
        k = _random.poisson(key, stop_gradient(self.rate), self._extended_shape(sample_shape))
        return _ops.astype(k, np.float64)

    def log_prob(self, value):
        self._validate_sample(value)
        return poisson_log_pmf(value, self.rate)  # (no cancellation for huge counts)


def _check_indices(cls: str, value, k: int) -> None:
    """Refuse concrete category indices outside [0, k − 1] (after truncation toward 0, as the
    cast to integers does): negative ones would otherwise count from the end."""
    v = _concrete_np(value)
    if v is None:
        return
    with np.errstate(invalid="ignore"):
        bad = np.logical_not((np.trunc(v) >= 0) & (np.trunc(v) <= k - 1))
    if np.any(bad):
        raise IndexError(f"{cls}.log_prob: value must hold category indices in [0, {k - 1}] "
                         f"({k} categories), got {np.array2string(v[bad], threshold=12)} "
                         f"(value of shape {v.shape}, dtype {v.dtype})")


class Categorical(Distribution):
    """A choice among K categories (the last axis of ``probs``/``logits``); values are indices.

    ``log_prob`` refuses concrete indices outside [0, K − 1] with an IndexError even when
    ``validate_args`` is False (a negative index never counts from the end, as in PyTorch).
    Values traced by ``tg.jit`` cannot be checked: there an index out of range gives a NaN
    log-probability."""
    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    has_enumerate_support = True

    def __init__(self, probs=None, logits=None, validate_args=None):
        given = _one_of(type(self).__name__, probs, logits)
        v = as_float(probs if given == "probs" else logits)
        if len(shape_of(v)) < 1:
            raise ValueError(f"{type(self).__name__}: {given} must have at least one dimension, "
                             f"got shape {tuple(shape_of(v))}")
        self.probs, self.logits = _over_events(given, v)
        if given == "probs":
            _early_check(self, "probs", self.probs, validate_args)
        self._given = (given,)
        self._params = ("probs", "logits")
        self._num_events = tuple(shape_of(v))[-1]
        shape = tuple(shape_of(v))[:-1]
        Distribution.__init__(self, shape, self._event(), validate_args)

    def _event(self) -> tuple:
        return ()

    def _validate_sample(self, value):
        if self._validate_args:
            Distribution._validate_sample(self, value)

    @property
    def support(self):
        return constraints.integer_interval(0, self._num_events - 1)

    @property
    def param_shape(self) -> tuple:
        return tuple(shape_of(self.probs))

    mean = property(lambda self: _ops.full(self.batch_shape, np.nan, dtype_of(self.probs)))
    variance = property(lambda self: _ops.full(self.batch_shape, np.nan, dtype_of(self.probs)))
    mode = property(lambda self: _ops.argmax(self.probs, axis=-1))

    def sample(self, sample_shape=(), key=None):
        key = need_key(key, f"{type(self).__name__}.sample")
        full = self._extended_shape(sample_shape)
        shape = full[:len(full) - len(self.event_shape)]
        return _random.categorical(key, stop_gradient(self.logits), shape=shape)

    def log_prob(self, value):
        self._validate_sample(value)
        k = self._num_events
        _check_indices(type(self).__name__, value, k)
        idx = _ops.astype(value, np.int64)
        shape = np.broadcast_shapes(tuple(shape_of(idx)), self.batch_shape)
        lg = _ops.broadcast_to(self.logits, shape + (k,))
        idx = _ops.broadcast_to(idx, shape)
        inside = _ops.logical_and(idx >= 0, idx < k)  # (only traced values can be outside here)
        safe = _ops.where(inside, idx, 0)
        got = _ops.take_along_axis(lg, _ops.expand_dims(safe, -1), axis=-1)[..., 0]
        return _ops.where(inside, got, np.nan)

    def entropy(self):
        lg = _ops.maximum(self.logits, float(finfo_of(self.logits).min))
        return -_ops.sum(self.probs * lg, axis=-1)

    def enumerate_support(self, expand=True):
        v = np.arange(self._num_events).reshape((-1,) + (1,) * len(self.batch_shape))
        return np.broadcast_to(v, (self._num_events,) + self.batch_shape) if expand else v


class OneHotCategorical(Categorical):
    """Categorical with one-hot vectors of length K as values."""
    support = constraints.Constraint("one_hot", lambda v: np.all((v == 0) | (v == 1), -1)
                                     & (np.sum(v, -1) == 1), True, 1)

    def _event(self) -> tuple:
        return (self._num_events,)

    mean = property(lambda self: self.probs)
    variance = property(lambda self: self.probs * (1 - self.probs))

    @property
    def mode(self):
        k = _ops.argmax(self.probs, axis=-1)
        return _ops.astype(_ops.expand_dims(k, -1) == np.arange(self._num_events), np.float64)

    def sample(self, sample_shape=(), key=None):
        k = Categorical.sample(self, sample_shape, key)
        return _ops.astype(_ops.expand_dims(k, -1) == np.arange(self._num_events), np.float64)

    def log_prob(self, value):
        Distribution._validate_sample(self, value)
        shape = np.broadcast_shapes(tuple(shape_of(value)), tuple(shape_of(self.logits)))
        return _ops.sum(_ops.where(_ops.broadcast_to(value, shape) != 0,
                                   _ops.broadcast_to(self.logits, shape), 0.0), axis=-1)

    def enumerate_support(self, expand=True):
        k = self._num_events
        v = np.eye(k).reshape((k,) + (1,) * len(self.batch_shape) + (k,))
        return np.broadcast_to(v, (k,) + self.batch_shape + (k,)) if expand else v
