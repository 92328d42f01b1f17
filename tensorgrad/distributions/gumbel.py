"""``torch.distributions.gumbel``'s import path: ``Gumbel``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import Gumbel

__all__ = ["Gumbel"]
