"""``torch.distributions.half_cauchy``'s import path: ``HalfCauchy``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import HalfCauchy

__all__ = ["HalfCauchy"]
