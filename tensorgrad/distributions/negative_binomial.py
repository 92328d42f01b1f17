"""``torch.distributions.negative_binomial``'s import path: ``NegativeBinomial``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .discrete import NegativeBinomial

__all__ = ["NegativeBinomial"]
