"""``torch.distributions.dirichlet``'s import path: ``Dirichlet``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .multivariate import Dirichlet

__all__ = ["Dirichlet"]
