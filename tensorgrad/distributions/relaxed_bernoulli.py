"""``torch.distributions.relaxed_bernoulli``'s import path:
``LogitRelaxedBernoulli``, ``RelaxedBernoulli``,
the classes of :mod:`tensorgrad.distributions` themselves."""
from .transformed import LogitRelaxedBernoulli, RelaxedBernoulli

__all__ = ["LogitRelaxedBernoulli", "RelaxedBernoulli"]
