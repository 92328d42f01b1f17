"""``torch.distributions.multivariate_normal``'s import path: ``MultivariateNormal``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .multivariate import MultivariateNormal

__all__ = ["MultivariateNormal"]
