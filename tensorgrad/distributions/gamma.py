"""``torch.distributions.gamma``'s import path: ``Gamma``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import Gamma

__all__ = ["Gamma"]
