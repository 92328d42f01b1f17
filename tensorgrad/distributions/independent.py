"""``torch.distributions.independent``'s import path: ``Independent``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .multivariate import Independent

__all__ = ["Independent"]
