"""``torch.distributions.chi2``'s import path: ``Chi2``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import Chi2

__all__ = ["Chi2"]
