"""``torch.distributions.von_mises``'s import path: ``VonMises``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import VonMises

__all__ = ["VonMises"]
