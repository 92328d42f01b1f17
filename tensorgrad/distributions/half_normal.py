"""``torch.distributions.half_normal``'s import path: ``HalfNormal``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import HalfNormal

__all__ = ["HalfNormal"]
