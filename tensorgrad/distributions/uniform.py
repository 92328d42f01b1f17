"""``torch.distributions.uniform``'s import path: ``Uniform``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import Uniform

__all__ = ["Uniform"]
