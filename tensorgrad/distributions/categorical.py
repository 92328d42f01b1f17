"""``torch.distributions.categorical``'s import path: ``Categorical``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .discrete import Categorical

__all__ = ["Categorical"]
