"""``torch.distributions.continuous_bernoulli``'s import path: ``ContinuousBernoulli``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous_more import ContinuousBernoulli

__all__ = ["ContinuousBernoulli"]
