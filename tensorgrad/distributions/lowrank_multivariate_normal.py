"""``torch.distributions.lowrank_multivariate_normal``'s import path: ``LowRankMultivariateNormal``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .multivariate import LowRankMultivariateNormal

__all__ = ["LowRankMultivariateNormal"]
