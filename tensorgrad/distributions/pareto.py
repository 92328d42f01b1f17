"""``torch.distributions.pareto``'s import path: ``Pareto``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import Pareto

__all__ = ["Pareto"]
