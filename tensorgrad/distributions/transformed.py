"""``TransformedDistribution``, the distributions built on it or on a relaxation
(InverseGamma, the relaxed Bernoulli and one-hot categorical), and ``MixtureSameFamily``.

``TransformedDistribution(base, [t1, t2, ...])`` (transforms of :mod:`.transforms`, re-exported
here) draws ``t2(t1(x))`` for ``x`` from ``base`` and has the change-of-variables density
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
from ..tensor import concrete, dtype_of, shape_of
from . import constraints
from .continuous import Gamma
from .discrete import Bernoulli, Categorical
from .distribution import Distribution, _concrete_np, as_float, need_key
from .transforms import (AffineTransform, ComposeTransform, ExpTransform, PowerTransform,
                         SigmoidTransform, SoftplusTransform, TanhTransform, Transform,
                         _sum_rightmost)

__all__ = ["Transform", "ExpTransform", "AffineTransform", "SigmoidTransform", "TanhTransform",
           "SoftplusTransform", "PowerTransform", "ComposeTransform", "TransformedDistribution",
           "MixtureSameFamily", "InverseGamma", "LogitRelaxedBernoulli", "RelaxedBernoulli",
           "ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


def _oriented(p, sign):
    """A probability as seen through a monotone map: ``p`` where the map increases, ``1 − p``
    where it decreases (``sign`` ±1, or an array of signs)."""
    if isinstance(sign, int):
        return p if sign > 0 else 1.0 - p
    return _ops.where(_ops.asarray(sign) > 0, p, 1.0 - p)


class TransformedDistribution(Distribution):
    """``base_distribution`` pushed through ``transforms`` (one or a list, applied in order):
    draws are ``t_n(…t_1(x))``, and ``log_prob(y) = base.log_prob(x) − Σ log|det J|``.

    The shapes follow the transforms' ``forward_shape``, as PyTorch's: a transform whose
    parameters have more axes than the base's draws (``AffineTransform(zeros(3), 1)`` on a
    scalar Normal) broadcasts them, and the base is expanded to match (``base_dist`` is the
    expanded one), so that draws have shape ``sample_shape + batch_shape + event_shape``.
    With validation on, ``log_prob`` refuses values outside ``support`` (the last transform's
    codomain)."""
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
        base_event = base_distribution.event_shape
        shape = base_distribution.batch_shape + base_event
        chain = ComposeTransform(ts)
        if len(shape) < chain.event_dim:
            raise ValueError(f"TransformedDistribution: a transform acts on events of "
                             f"{chain.event_dim} axes, but the base's draws have shape {shape}")
        event_dim = chain.event_dims_after(len(base_event))  # (PyTorch's rule)
        shape_out = chain.forward_shape(shape)
        shape_in = chain.inverse_shape(shape_out)
        if shape_in != shape:  # the transforms' parameters broadcast the draws: expand the base
            base_distribution = base_distribution.expand(shape_in[:len(shape_in) - len(base_event)])
        self.base_dist, self.transforms = base_distribution, ts
        cut = len(shape_out) - event_dim
        super().__init__(shape_out[:cut], shape_out[cut:], validate_args)

    has_rsample = property(lambda self: self.base_dist.has_rsample)

    @property
    def support(self):
        if not self.transforms:
            return self.base_dist.support
        codomain = self.transforms[-1].codomain
        extra = len(self.event_shape) - codomain.event_dim
        return constraints.independent(codomain, extra) if extra > 0 else codomain

    def expand(self, batch_shape, _instance=None):
        """The same transforms on the base expanded to the shape they map to ``batch_shape``
        (PyTorch's rule)."""
        batch_shape = self._expand_shape(batch_shape)
        shape = ComposeTransform(self.transforms).inverse_shape(batch_shape + self.event_shape)
        new = self._copy()
        new.base_dist = self.base_dist.expand(shape[:len(shape) - len(self.base_dist.event_shape)])
        new._batch_shape = batch_shape
        return new

    def rsample(self, sample_shape=(), key=None):
        x = self.base_dist.rsample(sample_shape, key=key)
        for t in self.transforms:
            x = t(x)
        return x

    def sample(self, sample_shape=(), key=None):
        xs = [self.base_dist.sample(sample_shape, key=key)]
        for t in self.transforms:
            xs.append(t(xs[-1]))
        xs = [stop_gradient(x) for x in xs]
        for t, x, y in zip(self.transforms, xs, xs[1:]):
            if t._cache_size:  # (the detached pair, as PyTorch's no-grad draw caches it:
                t._cached = (x, y)  # log_prob(sample()) finds it)
        return xs[-1]

    def log_prob(self, value):
        self._validate_sample(value)
        event_dim = len(self.event_shape)  # (of the values at each stage, going back)
        lp = 0.0
        y = as_float(value)
        for t in reversed(self.transforms):
            x = t.inv(y)
            event_dim += t.in_event_dim - t.out_event_dim
            lp = lp - _sum_rightmost(t.log_abs_det_jacobian(x, y), event_dim - t.in_event_dim)
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
        minus_one = np.asarray(-1.0, dtype_of(concrete(base.rate)))  # (in the parameters' precision)
        super().__init__(base, PowerTransform(minus_one), validate_args)

    # (read from the base, so that expand() broadcasts them with it)
    concentration = property(lambda self: self.base_dist.concentration)
    rate = property(lambda self: self.base_dist.rate)

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
    arg_constraints: dict = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.real
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        b = Bernoulli(probs, logits, validate_args=validate_args)
        self.temperature = _temperature(type(self).__name__, temperature)
        self.probs, self.logits = b.probs, b.logits
        self._params = ("probs", "logits", "temperature")
        shape = np.broadcast_shapes(tuple(shape_of(self.logits)), tuple(shape_of(self.temperature)))
        super().__init__(shape, (), validate_args)

    def rsample(self, sample_shape=(), key=None):
        key = need_key(key, f"{type(self).__name__}.rsample")
        u = _random.uniform(key, self._extended_shape(sample_shape), minval=np.finfo(np.float64).tiny,
                            maxval=1.0)
        return (self.logits + _ops.log(u) - _ops.log1p(-u)) / self.temperature

    def log_prob(self, value):
        self._validate_sample(value)
        diff = self.logits - as_float(value) * self.temperature
        return _ops.log(self.temperature) + diff - 2.0 * _ops.logaddexp(0.0, diff)


class RelaxedBernoulli(TransformedDistribution):
    """A relaxed Bernoulli (binary Concrete) variable on (0, 1): the sigmoid of a
    :class:`LogitRelaxedBernoulli`; it tends to a Bernoulli(probs) as temperature → 0."""
    arg_constraints: dict = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.unit_interval

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = LogitRelaxedBernoulli(temperature, probs, logits, validate_args)
        super().__init__(base, SigmoidTransform(), validate_args)

    # (read from the base, so that expand() broadcasts them with it)
    temperature = property(lambda self: self.base_dist.temperature)
    probs = property(lambda self: self.base_dist.probs)
    logits = property(lambda self: self.base_dist.logits)


class ExpRelaxedCategorical(Distribution):
    """The log of a relaxed one-hot categorical (Concrete / Gumbel-softmax) vector:
    log_softmax((logits + G) / temperature) with G standard Gumbel draws."""
    arg_constraints: dict = {"probs": constraints.simplex,
                             "logits": constraints.independent(constraints.real, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        c = Categorical(probs, logits, validate_args=validate_args)
        self.temperature = _temperature(type(self).__name__, temperature)
        self.probs, self.logits = c.probs, c.logits
        self._params = ("probs", "logits")  # (expand keeps the temperature, as PyTorch)
        shape = tuple(shape_of(self.logits))  # (temperature broadcasts against values, as PyTorch)
        super().__init__(shape[:-1], shape[-1:], validate_args)

    def rsample(self, sample_shape=(), key=None):
        key = need_key(key, f"{type(self).__name__}.rsample")
        u = _random.uniform(key, self._extended_shape(sample_shape), minval=np.finfo(np.float64).tiny,
                            maxval=1.0)
        scores = (self.logits - _ops.log(-_ops.log(u))) / self.temperature
        return scores - _ops.logsumexp(scores, axis=-1, keepdims=True)

    def log_prob(self, value):
        self._validate_sample(value)
        k = self.event_shape[0]
        t = self.temperature
        score = self.logits - as_float(value) * self.temperature
        score = _ops.sum(score - _ops.logsumexp(score, axis=-1, keepdims=True), axis=-1)
        return score + math.lgamma(k) + (k - 1) * _ops.log(t)


class RelaxedOneHotCategorical(TransformedDistribution):
    """A relaxed one-hot categorical (Concrete / Gumbel-softmax) vector on the simplex: the exp of
    an :class:`ExpRelaxedCategorical`; it tends to OneHotCategorical(probs) as temperature → 0."""
    arg_constraints: dict = {"probs": constraints.simplex,
                             "logits": constraints.independent(constraints.real, 1)}
    support = constraints.simplex

    def __init__(self, temperature, probs=None, logits=None, validate_args=None):
        base = ExpRelaxedCategorical(temperature, probs, logits, validate_args)
        super().__init__(base, ExpTransform(), validate_args)

    # (read from the base, so that expand() broadcasts them with it)
    temperature = property(lambda self: self.base_dist.temperature)
    probs = property(lambda self: self.base_dist.probs)
    logits = property(lambda self: self.base_dist.logits)


class MixtureSameFamily(Distribution):
    """A mixture of the components of ``component_distribution`` along its last batch axis,
    weighted by ``mixture_distribution`` (a :class:`Categorical` over that axis). The
    mixture's batch shape must equal the components' without that axis (expand a shared
    mixture first: ``mix.expand(components.batch_shape[:-1])``)."""
    arg_constraints: dict = {}
    has_rsample = False

    def __init__(self, mixture_distribution, component_distribution, validate_args=None):
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(f"MixtureSameFamily: mixture_distribution must be a Categorical, got "
                            f"{type(mixture_distribution).__name__}")
        if not isinstance(component_distribution, Distribution):
            raise TypeError(f"MixtureSameFamily: component_distribution must be a Distribution, "
                            f"got {type(component_distribution).__name__}")
        cb, mb = component_distribution.batch_shape, mixture_distribution.batch_shape
        k = int(tuple(shape_of(mixture_distribution.logits))[-1])
        if not cb or cb[-1] != k:
            raise ValueError(f"MixtureSameFamily: the component distribution's last batch axis "
                             f"must hold the {k} components, got batch shape {cb}")
        if mb != cb[:-1]:
            raise ValueError(f"MixtureSameFamily: mixture_distribution.batch_shape {mb} must equal "
                             f"component_distribution.batch_shape {cb} without its last axis (the "
                             f"{k} components), {cb[:-1]}; for weights shared across the batch "
                             f"pass mixture_distribution.expand({cb[:-1]})")
        self.mixture_distribution, self.component_distribution = mixture_distribution, component_distribution
        self._num_component = k
        super().__init__(cb[:-1], component_distribution.event_shape, validate_args)

    @property
    def support(self):
        return self.component_distribution.support

    def expand(self, batch_shape, _instance=None):
        """The mixture and the components expanded to ``batch_shape`` (PyTorch's rule)."""
        batch_shape = self._expand_shape(batch_shape)
        new = self._copy()
        new.mixture_distribution = self.mixture_distribution.expand(batch_shape)
        new.component_distribution = self.component_distribution.expand(
            batch_shape + (self._num_component,))
        new._batch_shape = batch_shape
        return new

    def _validate_in_components(self, x) -> None:
        """With validation on, refuse a concrete value outside the support of every component
        (``x`` has the component axis, so supports that depend on parameters broadcast)."""
        v = _concrete_np(x) if self._validate_args else None
        if v is None:
            return
        ok = np.atleast_1d(self.support.check(v))
        if not np.all(np.any(ok, axis=-1)):
            raise ValueError(f"MixtureSameFamily: value must lie in the support of at least one "
                             f"component ({self.support!r}), got "
                             f"{np.array2string(np.squeeze(v, -1 - len(self.event_shape)), threshold=12)}")

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
        self._check_value_shape(value)
        x = _ops.expand_dims(as_float(value), -1 - len(self.event_shape))  # against every component
        self._validate_in_components(x)
        comp = self.component_distribution.log_prob(x)                       # (..., K)
        lg = self.mixture_distribution.logits
        log_w = lg - _ops.logsumexp(lg, axis=-1, keepdims=True)
        return _ops.logsumexp(log_w + comp, axis=-1)

    def cdf(self, value):
        x = _ops.expand_dims(as_float(value), -1 - len(self.event_shape))
        return _ops.sum(self.component_distribution.cdf(x) * self.mixture_distribution.probs, axis=-1)

    def sample(self, sample_shape=(), key=None):
        key = need_key(key, "MixtureSameFamily.sample")
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
