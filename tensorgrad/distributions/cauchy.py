"""``torch.distributions.cauchy``'s import path: ``Cauchy``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import Cauchy

__all__ = ["Cauchy"]
