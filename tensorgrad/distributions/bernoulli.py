"""``torch.distributions.bernoulli``'s import path: ``Bernoulli``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .discrete import Bernoulli

__all__ = ["Bernoulli"]
