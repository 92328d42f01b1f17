"""``torch.distributions.exponential``'s import path: ``Exponential``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import Exponential

__all__ = ["Exponential"]
