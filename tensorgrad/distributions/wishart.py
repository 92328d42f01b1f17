"""``torch.distributions.wishart``'s import path: ``Wishart``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .matrix_dists import Wishart

__all__ = ["Wishart"]
