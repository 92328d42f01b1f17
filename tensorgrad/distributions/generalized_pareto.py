"""``torch.distributions.generalized_pareto``'s import path: ``GeneralizedPareto``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous_more import GeneralizedPareto

__all__ = ["GeneralizedPareto"]
