"""``torch.distributions.logistic_normal``'s import path: ``LogisticNormal``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous_more import LogisticNormal

__all__ = ["LogisticNormal"]
