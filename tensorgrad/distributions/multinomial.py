"""``torch.distributions.multinomial``'s import path: ``Multinomial``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .multivariate import Multinomial

__all__ = ["Multinomial"]
