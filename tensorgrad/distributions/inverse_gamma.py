"""``torch.distributions.inverse_gamma``'s import path: ``InverseGamma``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .transformed import InverseGamma

__all__ = ["InverseGamma"]
