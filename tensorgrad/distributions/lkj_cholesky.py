"""``torch.distributions.lkj_cholesky``'s import path: ``LKJCholesky``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .matrix_dists import LKJCholesky

__all__ = ["LKJCholesky"]
