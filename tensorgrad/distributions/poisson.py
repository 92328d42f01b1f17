"""``torch.distributions.poisson``'s import path: ``Poisson``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .discrete import Poisson

__all__ = ["Poisson"]
