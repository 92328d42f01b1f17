"""``torch.distributions.laplace``'s import path: ``Laplace``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import Laplace

__all__ = ["Laplace"]
