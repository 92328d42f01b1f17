"""``torch.distributions.geometric``'s import path: ``Geometric``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .discrete import Geometric

__all__ = ["Geometric"]
