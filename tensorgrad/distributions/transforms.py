"""``torch.distributions``' transforms: bijections ``y = t(x)`` with their inverse ``t.inv(y)``,
the log of the absolute determinant of their Jacobian ``t.log_abs_det_jacobian(x, y)``, and
the shapes they map (``forward_shape`` / ``inverse_shape``: a transform whose parameters have
more axes than its input broadcasts it, as PyTorch's). They act entry by entry (``event_dim``
0), except ``AffineTransform(..., event_dim=k)``, which treats the last k axes as one event.
:class:`~tensorgrad.distributions.TransformedDistribution` pushes a distribution through them.
"""
from __future__ import annotations

import copy
import math

import numpy as np

from .. import ops as _ops
from ..staging import is_staged
from ..ops.linalg_ops import finfo_of
from ..tensor import concrete, shape_of
from . import constraints
from .distribution import as_float

__all__ = ["Transform", "ExpTransform", "AffineTransform", "SigmoidTransform", "TanhTransform",
           "SoftplusTransform", "PowerTransform", "ComposeTransform"]


def _sum_rightmost(x, n: int):
    return _ops.sum(x, axis=tuple(range(-n, 0))) if n > 0 else x


def _broadcast_with(who: str, shape, **params) -> tuple:
    """``shape`` broadcast with the shapes of a transform's parameters (its forward and
    inverse shape), or a ValueError naming them."""
    shapes = {k: tuple(shape_of(v)) for k, v in params.items()}
    try:
        return tuple(np.broadcast_shapes(tuple(shape), *shapes.values()))
    except ValueError:
        named = ", ".join(f"{k} of shape {v}" for k, v in shapes.items())
        raise ValueError(f"{who}: {named} do not broadcast with the shape {tuple(shape)} of the "
                         f"values it maps") from None


class Transform:
    """An invertible map with the log of its Jacobian's absolute determinant (see the module).
    ``sign`` is +1 or −1 for monotone entrywise maps. ``cache_size=1`` keeps the last pair
    ``(x, y)``, as PyTorch's: ``t.inv(y)`` of that very ``y`` gives that ``x`` back without
    computing the inverse (``TanhTransform(cache_size=1)``: ``log_prob(rsample())`` exact
    where ``atanh(tanh(x))`` would round to ±inf)."""
    domain = constraints.real
    codomain = constraints.real
    bijective = True
    sign = 1
    event_dim = 0
    _cache_size = 0
    _cached = None

    def __init__(self, cache_size: int = 0):
        if cache_size not in (0, 1):
            raise ValueError(f"{type(self).__name__}: cache_size must be 0 or 1, got {cache_size!r}")
        self._cache_size = cache_size

    def with_cache(self, cache_size: int = 1) -> "Transform":
        """This transform with ``cache_size`` (a copy, as PyTorch's)."""
        t = copy.copy(self)
        Transform.__init__(t, cache_size)
        t._cached = None
        return t

    def __call__(self, x):
        cached = self._cached
        if cached is not None and cached[0] is x:
            return cached[1]
        y = self._call(x)
        if self._cache_size:
            self._cached = (x, y)
        return y

    def _inverted(self, y):
        """``t.inv(y)``: the cached ``x`` for the cached ``y``, else the inverse."""
        cached = self._cached
        if cached is not None and cached[1] is y:
            return cached[0]
        x = self._inverse(y)
        if self._cache_size:
            self._cached = (x, y)
        return x

    def _call(self, x):
        raise NotImplementedError(f"{type(self).__name__}: no forward map")

    def _inverse(self, y):
        raise NotImplementedError(f"{type(self).__name__}: no inverse")

    def log_abs_det_jacobian(self, x, y):
        raise NotImplementedError(f"{type(self).__name__}: no log |det J|")

    def forward_shape(self, shape) -> tuple:
        """The shape of ``t(x)`` for ``x`` of shape ``shape`` (unchanged unless the transform's
        parameters broadcast it)."""
        return tuple(shape)

    def inverse_shape(self, shape) -> tuple:
        """The shape of ``t.inv(y)`` for ``y`` of shape ``shape``."""
        return tuple(shape)

    @property
    def inv(self) -> "Transform":
        return _Inverse(self)

    @property
    def in_event_dim(self) -> int:
        """The number of trailing axes of one input event (PyTorch's ``domain.event_dim``)."""
        return max(self.event_dim, self.domain.event_dim)

    @property
    def out_event_dim(self) -> int:
        """The number of trailing axes of one output event (PyTorch's ``codomain.event_dim``):
        more than ``in_event_dim`` for a map from vectors to matrices (CorrCholesky)."""
        return self.codomain.event_dim + self.in_event_dim - self.domain.event_dim

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
        self.domain, self.codomain = t.codomain, t.domain

    sign = property(lambda self: self._t.sign)  # (read when asked: some transforms have none)
    event_dim = property(lambda self: self._t.out_event_dim)
    in_event_dim = property(lambda self: self._t.out_event_dim)
    out_event_dim = property(lambda self: self._t.in_event_dim)

    def _call(self, x):
        return self._t._inverted(x)

    def _inverse(self, y):
        return self._t(y)

    @property
    def inv(self) -> Transform:
        return self._t

    def log_abs_det_jacobian(self, x, y):
        return -self._t.log_abs_det_jacobian(y, x)

    def forward_shape(self, shape) -> tuple:
        return self._t.inverse_shape(shape)

    def inverse_shape(self, shape) -> tuple:
        return self._t.forward_shape(shape)

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

    def __init__(self, loc, scale, event_dim: int = 0, cache_size: int = 0):
        super().__init__(cache_size)
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

    def forward_shape(self, shape) -> tuple:
        return _broadcast_with("AffineTransform", shape, loc=self.loc, scale=self.scale)

    inverse_shape = forward_shape

    def __repr__(self) -> str:
        return f"AffineTransform(loc: {tuple(shape_of(self.loc))}, scale: {tuple(shape_of(self.scale))})"


class SigmoidTransform(Transform):
    """y = 1 / (1 + exp(−x)). The inverse clamps y to [tiny, 1 − eps] first, as PyTorch's, so
    that y = 0 and y = 1 (in the codomain [0, 1]) map to finite values; a value outside [0, 1]
    is refused by a validating :class:`TransformedDistribution` and otherwise clamped (giving
    PyTorch's value)."""
    codomain = constraints.unit_interval

    def _call(self, x):
        return _ops.sigmoid(x)

    def _inverse(self, y):
        fi = finfo_of(y)
        y = _ops.clip(y, float(fi.tiny), 1.0 - float(fi.eps))
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

    def __init__(self, exponent, cache_size: int = 0):
        super().__init__(cache_size)
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

    def forward_shape(self, shape) -> tuple:
        return _broadcast_with("PowerTransform", shape, exponent=self.exponent)

    inverse_shape = forward_shape


class ComposeTransform(Transform):
    """The transforms of ``parts`` applied in order (``parts[0]`` first)."""

    def __init__(self, parts, cache_size: int = 0):
        super().__init__(cache_size)
        self.parts = list(parts)
        for p in self.parts:
            if not isinstance(p, Transform):
                raise TypeError(f"ComposeTransform: parts must be Transforms, got {type(p).__name__}")
        # the event axes of an input: enough for every part, counted back from the last
        dims = self.parts[-1].out_event_dim if self.parts else 0
        for p in reversed(self.parts):
            dims = max(dims + p.in_event_dim - p.out_event_dim, p.in_event_dim)
        self.event_dim = dims
        if self.parts:
            first, last = self.parts[0].domain, self.parts[-1].codomain
            self.domain = constraints.independent(first, dims - first.event_dim) \
                if dims > first.event_dim else first
            out = self.event_dims_after(dims)
            self.codomain = constraints.independent(last, out - last.event_dim) \
                if out > last.event_dim else last

    in_event_dim = property(lambda self: self.event_dim)
    out_event_dim = property(lambda self: self.event_dims_after(self.event_dim))

    def event_dims_after(self, dims: int) -> int:
        """The event axes of the output for inputs whose events have ``dims`` axes."""
        for p in self.parts:
            dims = p.out_event_dim + max(dims - p.in_event_dim, 0)
        return dims

    @property
    def sign(self):
        s = 1
        for p in self.parts:
            s = s * p.sign
        return s

    def _same(self, other) -> bool:
        return len(self.parts) == len(other.parts) and all(a == b for a, b in zip(self.parts, other.parts))

    def forward_shape(self, shape) -> tuple:
        for p in self.parts:
            shape = p.forward_shape(shape)
        return tuple(shape)

    def inverse_shape(self, shape) -> tuple:
        for p in reversed(self.parts):
            shape = p.inverse_shape(shape)
        return tuple(shape)

    def _call(self, x):
        for p in self.parts:
            x = p(x)
        return x

    def _inverse(self, y):
        for p in reversed(self.parts):
            y = p.inv(y)
        return y

    def log_abs_det_jacobian(self, x, y):
        if not self.parts:
            return _ops.zeros_like(x)
        total, dims = 0.0, self.event_dim
        for p in self.parts:
            nxt = p(x)
            total = total + _sum_rightmost(p.log_abs_det_jacobian(x, nxt), dims - p.in_event_dim)
            dims = p.out_event_dim + max(dims - p.in_event_dim, 0)
            x = nxt
        return total
