"""``torch.distributions.studentT``'s import path: ``StudentT``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .continuous import StudentT

__all__ = ["StudentT"]
