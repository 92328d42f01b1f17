"""``torch.distributions``' transforms, ``TransformedDistribution`` and ``MixtureSameFamily``.

A transform is a bijection ``y = t(x)`` with its inverse ``t.inv(y)`` and the log of the
absolute determinant of its Jacobian ``t.log_abs_det_jacobian(x, y)``; the ones here act
entry by entry (``event_dim`` 0), except ``AffineTransform(..., event_dim=k)``, which treats the
last k axes as one event. ``TransformedDistribution(base, [t1, t2, ...])`` draws
``t2(t1(x))`` for ``x`` from ``base`` and has the change-of-variables density
``log p(y) = log p_base(x) − Σ log|det J_t|``. ``MixtureSameFamily(mix, components)`` weighs
the components of a batch (its last batch axis) by a ``Categorical``.

Every formula is a composition of tensorgrad ops, so the derivatives of ``log_prob`` and of
``rsample`` (where the base has one) come from the usual transforms.
"""
from __future__ import annotations

import math

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..lax import stop_gradient
from ..staging import is_staged
from ..tensor import concrete, shape_of
from . import constraints
from .continuous import Gamma
from .discrete import Bernoulli, Categorical
from .distribution import Distribution, as_float, need_key

__all__ = ["Transform", "ExpTransform", "AffineTransform", "SigmoidTransform", "TanhTransform",
           "SoftplusTransform", "PowerTransform", "ComposeTransform", "TransformedDistribution",
           "MixtureSameFamily", "InverseGamma", "LogitRelaxedBernoulli", "RelaxedBernoulli",
           "ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


def _sum_rightmost(x, n: int):
    return _ops.sum(x, axis=tuple(range(-n, 0))) if n > 0 else x


class Transform:
    """An invertible map with the log of its Jacobian's absolute determinant (see the module).
    ``sign`` is +1 or −1 for monotone entrywise maps."""
    domain = constraints.real
    codomain = constraints.real
    bijective = True
    sign = 1
    event_dim = 0

    def __call__(self, x):
        return self._call(x)

    def _call(self, x):
        raise NotImplementedError(f"{type(self).__name__}: no forward map")

    def _inverse(self, y):
        raise NotImplementedError(f"{type(self).__name__}: no inverse")

    def log_abs_det_jacobian(self, x, y):
        raise NotImplementedError(f"{type(self).__name__}: no log |det J|")

    @property
    def inv(self) -> "Transform":
        return _Inverse(self)

    def _same(self, other) -> bool:
        """Whether ``other`` (of the same type) has the same parameters."""
        return True

    def __eq__(self, other) -> bool:
        return type(self) is type(other) and self._same(other)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def _equal_values(a, b) -> bool:
    a, b = concrete(a), concrete(b)
    if is_staged(a) or is_staged(b):
        return a is b
    return bool(np.shape(a) == np.shape(b) and np.array_equal(np.asarray(a), np.asarray(b)))


class _Inverse(Transform):
    def __init__(self, t: Transform):
        self._t = t
        self.domain, self.codomain, self.sign, self.event_dim = t.codomain, t.domain, t.sign, t.event_dim

    def _call(self, x):
        return self._t._inverse(x)

    def _inverse(self, y):
        return self._t(y)

    @property
    def inv(self) -> Transform:
        return self._t

    def log_abs_det_jacobian(self, x, y):
        return -self._t.log_abs_det_jacobian(y, x)

    def _same(self, other) -> bool:
        return self._t == other._t

    def __repr__(self) -> str:
        return f"{self._t!r}.inv"


class ExpTransform(Transform):
    """y = exp(x)."""
    codomain = constraints.positive

    def _call(self, x):
        return _ops.exp(x)

    def _inverse(self, y):
        return _ops.log(y)

    def log_abs_det_jacobian(self, x, y):
        return x


class AffineTransform(Transform):
    """y = loc + scale · x; with ``event_dim`` k the log-determinant is summed over the last k
    axes (one event)."""

    def __init__(self, loc, scale, event_dim: int = 0):
        self.loc, self.scale, self.event_dim = as_float(loc), as_float(scale), int(event_dim)
        if self.event_dim:
            self.domain = self.codomain = constraints.independent(constraints.real, self.event_dim)

    @property
    def sign(self):
        return _ops.sign(self.scale)

    def _same(self, other) -> bool:
        return (self.event_dim == other.event_dim and _equal_values(self.loc, other.loc)
                and _equal_values(self.scale, other.scale))

    def _call(self, x):
        return self.loc + self.scale * x

    def _inverse(self, y):
        return (y - self.loc) / self.scale

    def log_abs_det_jacobian(self, x, y):
        shape = np.broadcast_shapes(tuple(shape_of(x)), tuple(shape_of(self.scale)))
        lad = _ops.broadcast_to(_ops.log(_ops.abs(self.scale)), shape)
        return _sum_rightmost(lad, self.event_dim)

    def __repr__(self) -> str:
        return f"AffineTransform(loc: {tuple(shape_of(self.loc))}, scale: {tuple(shape_of(self.scale))})"


class SigmoidTransform(Transform):
    """y = 1 / (1 + exp(−x))."""
    codomain = constraints.unit_interval

    def _call(self, x):
        return _ops.sigmoid(x)

    def _inverse(self, y):
        eps = np.finfo(np.float64).tiny
        y = _ops.clip(y, eps, 1.0 - np.finfo(np.float64).eps)
        return _ops.log(y) - _ops.log1p(-y)

    def log_abs_det_jacobian(self, x, y):
        return -_ops.logaddexp(0.0, -x) - _ops.logaddexp(0.0, x)  # log σ(x) + log σ(−x)


class TanhTransform(Transform):
    """y = tanh(x) (the squashing of a tanh-Gaussian policy)."""
    codomain = constraints.interval(-1.0, 1.0)

    def _call(self, x):
        return _ops.tanh(x)

    def _inverse(self, y):
        return _ops.arctanh(y)

    def log_abs_det_jacobian(self, x, y):
        # log(1 − tanh²x) = 2 (log 2 − x − softplus(−2x)), stable for large |x|
        return 2.0 * (math.log(2.0) - x - _ops.logaddexp(0.0, -2.0 * x))


class SoftplusTransform(Transform):
    """y = log(1 + exp(x))."""
    codomain = constraints.positive

    def _call(self, x):
        return _ops.logaddexp(0.0, x)

    def _inverse(self, y):
        return y + _ops.log(-_ops.expm1(-y))

    def log_abs_det_jacobian(self, x, y):
        return -_ops.logaddexp(0.0, -x)


class PowerTransform(Transform):
    """y = x ** exponent on x > 0."""
    domain = constraints.positive
    codomain = constraints.positive

    def __init__(self, exponent):
        self.exponent = as_float(exponent)

    @property
    def sign(self):
        return _ops.sign(self.exponent)

    def _same(self, other) -> bool:
        return _equal_values(self.exponent, other.exponent)

    def _call(self, x):
        return _ops.power(x, self.exponent)

    def _inverse(self, y):
        return _ops.power(y, 1.0 / self.exponent)

    def log_abs_det_jacobian(self, x, y):
        return _ops.log(_ops.abs(self.exponent * y / x))


class ComposeTransform(Transform):
    """The transforms of ``parts`` applied in order (``parts[0]`` first)."""

    def __init__(self, parts):
        self.parts = list(parts)
        for p in self.parts:
            if not isinstance(p, Transform):
                raise TypeError(f"ComposeTransform: parts must be Transforms, got {type(p).__name__}")
        if self.parts:
            self.domain, self.codomain = self.parts[0].domain, self.parts[-1].codomain
        self.event_dim = max((p.event_dim for p in self.parts), default=0)

    @property
    def sign(self):
        s = 1
        for p in self.parts:
            s = s * p.sign
        return s

    def _same(self, other) -> bool:
        return len(self.parts) == len(other.parts) and all(a == b for a, b in zip(self.parts, other.parts))

    def _call(self, x):
        for p in self.parts:
            x = p(x)
        return x

    def _inverse(self, y):
        for p in reversed(self.parts):
            y = p.inv(y)
        return y

    def log_abs_det_jacobian(self, x, y):
        total = 0.0
        for p in self.parts:
            nxt = p(x)
            total = total + _sum_rightmost(p.log_abs_det_jacobian(x, nxt),
                                           self.event_dim - p.event_dim)
            x = nxt
        return total


def _oriented(p, sign):
    """A probability as seen through a monotone map: ``p`` where the map increases, ``1 − p``
    where it decreases (``sign`` ±1, or an array of signs)."""
    if isinstance(sign, int):
        return p if sign > 0 else 1.0 - p
    return _ops.where(_ops.asarray(sign) > 0, p, 1.0 - p)


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (one or a list, applied in order):
    draws are ``t_n(…t_1(x))``, and ``log_prob(y) = base.log_prob(x) − Σ log|det J|``."""
    arg_constraints: dict = {}

    def __init__(self, base_distribution, transforms, validate_args=None):
        if not isinstance(base_distribution, Distribution):
            raise TypeError(f"TransformedDistribution: base_distribution must be a Distribution, "
                            f"got {type(base_distribution).__name__}")
        ts = [transforms] if isinstance(transforms, Transform) else list(transforms)
        for t in ts:
            if not isinstance(t, Transform):
                raise TypeError(f"TransformedDistribution: transforms must be Transforms, got "
                                f"{type(t).__name__}")
        self.base_dist, self.transforms = base_distribution, ts
        shape = base_distribution.batch_shape + base_distribution.event_shape
        event_dim = max([len(base_distribution.event_shape)] + [t.event_dim for t in ts])
        cut = len(shape) - event_dim
        if cut < 0:
            raise ValueError(f"TransformedDistribution: a transform acts on events of {event_dim} "
                             f"axes, but the base's draws have shape {shape}")
        super().__init__(shape[:cut], shape[cut:], validate_args)

    has_rsample = property(lambda self: self.base_dist.has_rsample)

    @property
    def support(self):
        return self.transforms[-1].codomain if self.transforms else self.base_dist.support

    def rsample(self, sample_shape=(), key=None):
        x = self.base_dist.rsample(sample_shape, key=key)
        for t in self.transforms:
            x = t(x)
        return x

    def sample(self, sample_shape=(), key=None):
        x = self.base_dist.sample(sample_shape, key=key)
        for t in self.transforms:
            x = t(x)
        return stop_gradient(x)

    def log_prob(self, value):
        event_dim = len(self.event_shape)
        lp = 0.0
        y = as_float(value)
        for t in reversed(self.transforms):
            x = t.inv(y)
            lp = lp - _sum_rightmost(t.log_abs_det_jacobian(x, y), event_dim - t.event_dim)
            y = x
        base_lp = self.base_dist.log_prob(y)
        return base_lp + lp if event_dim == len(self.base_dist.event_shape) else \
            _sum_rightmost(base_lp, event_dim - len(self.base_dist.event_shape)) + lp

    def _monotone_sign(self):
        if self.event_shape or self.base_dist.event_shape:
            raise NotImplementedError("TransformedDistribution: cdf and icdf need scalar events")
        return ComposeTransform(self.transforms).sign

    def cdf(self, value):
        sign = self._monotone_sign()
        y = as_float(value)
        for t in reversed(self.transforms):
            y = t.inv(y)
        return _oriented(self.base_dist.cdf(y), sign)

    def icdf(self, value):
        x = self.base_dist.icdf(_oriented(as_float(value), self._monotone_sign()))
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        return f"TransformedDistribution({self.base_dist!r}, {self.transforms!r})"


class InverseGamma(TransformedDistribution):
    """1/X for X ~ Gamma(``concentration``, ``rate``): density ∝ x^(−α−1) e^(−β/x)."""
    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.positive

    def __init__(self, concentration, rate, validate_args=None):
        base = Gamma(concentration, rate, validate_args=validate_args)
        self.concentration, self.rate = base.concentration, base.rate
        super().__init__(base, PowerTransform(-1.0), validate_args)

    @property
    def mean(self):
        a, b = self.concentration, self.rate
        return _ops.where(a > 1, b / _ops.where(a > 1, a - 1, 1.0), np.inf)

    @property
    def mode(self):
        return self.rate / (self.concentration + 1)

    @property
    def variance(self):
        a, b = self.concentration, self.rate
        safe = _ops.where(a > 2, a, 3.0)
        return _ops.where(a > 2, b * b / ((safe - 1) ** 2 * (safe - 2)), np.inf)

    def entropy(self):
        a, b = self.concentration, self.rate
        return a + _ops.log(b) + _ops.gammaln(a) - (1 + a) * _ops.digamma(a)


def _temperature(cls: str, t):
    t = as_float(t)
    v = concrete(t)  # (a value traced by tg.jit is not checked, as other parameters)
    if not is_staged(v) and np.any(np.asarray(v) <= 0):
        raise ValueError(f"{cls}: temperature must be positive")
    return t


class LogitRelaxedBernoulli(Distribution):
    """The logit of a relaxed Bernoulli (binary Concrete) variable: (logits + L) / temperature
    with L a standard logistic draw."""
    arg_constraints: dict = {}
    support = constraints.real
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        b = Bernoulli(probs, logits, validate_args=validate_args)
        self.temperature = _temperature(type(self).__name__, temperature)
        self.probs, self.logits = b.probs, b.logits
        shape = np.broadcast_shapes(tuple(shape_of(self.logits)), tuple(shape_of(self.temperature)))
        super().__init__(shape, (), validate_args)

    def rsample(self, sample_shape=(), key=None):
        need_key(key, f"{type(self).__name__}.rsample")
        u = _random.uniform(key, self._extended_shape(sample_shape), minval=np.finfo(np.float64).tiny,
                            maxval=1.0)
        return (self.logits + _ops.log(u) - _ops.log1p(-u)) / self.temperature

    def log_prob(self, value):
        diff = self.logits - as_float(value) * self.temperature
        return _ops.log(self.temperature) + diff - 2.0 * _ops.logaddexp(0.0, diff)


class RelaxedBernoulli(TransformedDistribution):
    """A relaxed Bernoulli (binary Concrete) variable on (0, 1): the sigmoid of a
    :class:`LogitRelaxedBernoulli`; it tends to a Bernoulli(probs) as temperature → 0."""
    arg_constraints: dict = {}
    support = constraints.unit_interval

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = LogitRelaxedBernoulli(temperature, probs, logits, validate_args)
        self.temperature, self.probs, self.logits = base.temperature, base.probs, base.logits
        super().__init__(base, SigmoidTransform(), validate_args)


class ExpRelaxedCategorical(Distribution):
    """The log of a relaxed one-hot categorical (Concrete / Gumbel-softmax) vector:
    log_softmax((logits + G) / temperature) with G standard Gumbel draws."""
    arg_constraints: dict = {}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        c = Categorical(probs, logits, validate_args=validate_args)
        self.temperature = _temperature(type(self).__name__, temperature)
        self.probs, self.logits = c.probs, c.logits
        shape = tuple(shape_of(self.logits))  # (temperature broadcasts against values, as PyTorch)
        super().__init__(shape[:-1], shape[-1:], validate_args)

    def rsample(self, sample_shape=(), key=None):
        need_key(key, f"{type(self).__name__}.rsample")
        u = _random.uniform(key, self._extended_shape(sample_shape), minval=np.finfo(np.float64).tiny,
                            maxval=1.0)
        scores = (self.logits - _ops.log(-_ops.log(u))) / self.temperature
        return scores - _ops.logsumexp(scores, axis=-1, keepdims=True)

    def log_prob(self, value):
        k = self.event_shape[0]
        t = self.temperature
        score = self.logits - as_float(value) * self.temperature
        score = _ops.sum(score - _ops.logsumexp(score, axis=-1, keepdims=True), axis=-1)
        return score + math.lgamma(k) + (k - 1) * _ops.log(t)


class RelaxedOneHotCategorical(TransformedDistribution):
    """A relaxed one-hot categorical (Concrete / Gumbel-softmax) vector on the simplex: the exp of
    an :class:`ExpRelaxedCategorical`; it tends to OneHotCategorical(probs) as temperature → 0."""
    arg_constraints: dict = {}
    support = constraints.simplex

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args)
        self.temperature, self.probs, self.logits = base.temperature, base.probs, base.logits
        super().__init__(base, ExpTransform(), validate_args)


class MixtureSameFamily(Distribution):
    """A mixture of the components of ``component_distribution`` along its last batch axis,
    weighted by ``mixture_distribution`` (a :class:`Categorical` over that axis)."""
    arg_constraints: dict = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        if not isinstance(mixture_distribution, Categorical):
            raise TypeError(f"MixtureSameFamily: mixture_distribution must be a Categorical, got "
                            f"{type(mixture_distribution).__name__}")
        if not isinstance(component_distribution, Distribution):
            raise TypeError(f"MixtureSameFamily: component_distribution must be a Distribution, "
                            f"got {type(component_distribution).__name__}")
        cb, mb = component_distribution.batch_shape, mixture_distribution.batch_shape
        k = int(tuple(shape_of(mixture_distribution.logits))[-1])
        if not cb or cb[-1] != k:
            raise ValueError(f"MixtureSameFamily: the component distribution's last batch axis "
                             f"must hold the {k} components, got batch shape {cb}")
        try:
            batch = np.broadcast_shapes(cb[:-1], mb)
        except ValueError:
            batch = None
        if batch != cb[:-1]:
            raise ValueError(f"MixtureSameFamily: the mixture's batch shape {mb} does not broadcast "
                             f"to the components' {cb[:-1]}")
        self.mixture_distribution, self.component_distribution = mixture_distribution, component_distribution
        self._num_component = k
        super().__init__(cb[:-1], component_distribution.event_shape, validate_args)

    @property
    def support(self):
        return self.component_distribution.support

    def _weights(self):
        """Mixture probabilities shaped to meet the components' values: (..., K, 1 per event axis)."""
        p = self.mixture_distribution.probs
        return _ops.reshape(p, tuple(shape_of(p)) + (1,) * len(self.event_shape))

    @property
    def mean(self):
        return _ops.sum(self._weights() * self.component_distribution.mean,
                        axis=-1 - len(self.event_shape))

    @property
    def variance(self):
        w, ax = self._weights(), -1 - len(self.event_shape)
        m = self.component_distribution.mean
        mean = _ops.sum(w * m, axis=ax)
        second = _ops.sum(w * (self.component_distribution.variance + m * m), axis=ax)
        return second - mean * mean

    def log_prob(self, value):
        x = _ops.expand_dims(as_float(value), -1 - len(self.event_shape))  # against every component
        comp = self.component_distribution.log_prob(x)                       # (..., K)
        lg = self.mixture_distribution.logits
        log_w = lg - _ops.logsumexp(lg, axis=-1, keepdims=True)
        return _ops.logsumexp(log_w + comp, axis=-1)

    def cdf(self, value):
        x = _ops.expand_dims(as_float(value), -1 - len(self.event_shape))
        return _ops.sum(self.component_distribution.cdf(x) * self.mixture_distribution.probs, axis=-1)

    def sample(self, sample_shape=(), key=None):
        need_key(key, "MixtureSameFamily.sample")
        k_mix, k_comp = _random.split(key)
        idx = self.mixture_distribution.sample(sample_shape, key=k_mix)         # sample + batch
        draws = self.component_distribution.sample(sample_shape, key=k_comp)    # ... + (K,) + event
        ne = len(self.event_shape)
        idx = _ops.reshape(idx, tuple(shape_of(idx)) + (1,) * (ne + 1))
        idx = _ops.broadcast_to(idx, tuple(shape_of(draws))[:-1 - ne] + (1,) + tuple(shape_of(draws))[-ne:] if ne
                                else tuple(shape_of(draws))[:-1] + (1,))
        return stop_gradient(_ops.squeeze(_ops.take_along_axis(draws, idx, axis=-1 - ne), axis=-1 - ne))

    def __repr__(self) -> str:
        return (f"MixtureSameFamily({self.mixture_distribution!r}, "
                f"{self.component_distribution!r})")
