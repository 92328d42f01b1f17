"""``torch.distributions.binomial``'s import path: ``Binomial``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .discrete import Binomial

__all__ = ["Binomial"]
