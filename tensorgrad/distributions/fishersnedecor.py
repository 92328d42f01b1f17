"""``torch.distributions.fishersnedecor``'s import path: ``FisherSnedecor``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous_more import FisherSnedecor

__all__ = ["FisherSnedecor"]
