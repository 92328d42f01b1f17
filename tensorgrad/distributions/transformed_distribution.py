"""``torch.distributions.transformed_distribution``'s import path: ``TransformedDistribution``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .transformed import TransformedDistribution

__all__ = ["TransformedDistribution"]
