"""PyTorch's ``biject_to`` and ``transform_to``: the transform from unconstrained real values
onto a constraint's set (for optimizing a parameter in the open, then mapping it back).

``biject_to(c)`` is a bijection (``log_abs_det_jacobian`` usable in a density);
``transform_to(c)`` may be a cheaper map that is not one (PyTorch's: a softmax onto the
simplex). Both look the constraint up by its kind (``c.kind``: ``"interval"``,
``"greater_than"``, ...) and build the transform from its parameters; ``register(kind)``
adds or replaces a rule, as PyTorch's ``ConstraintRegistry.register``.
"""
from __future__ import annotations

from typing import Callable

from .transforms import AffineTransform, ComposeTransform, ExpTransform, SigmoidTransform
from .transforms_more import (CatTransform, CorrCholeskyTransform, IndependentTransform,
                              LowerCholeskyTransform, PositiveDefiniteTransform, SoftmaxTransform,
                              StackTransform, StickBreakingTransform)

__all__ = ["ConstraintRegistry", "biject_to", "transform_to"]


class ConstraintRegistry:
    """Constraint kind -> ``factory(constraint) -> Transform``."""

    def __init__(self, name: str):
        self.name, self._rules = name, {}

    def register(self, kind: str, factory: Callable | None = None):
        """Use ``factory`` for constraints of ``kind`` (a decorator without ``factory``)."""
        if factory is None:
            return lambda f: self.register(kind, f)
        self._rules[kind] = factory
        return factory

    def __call__(self, constraint):
        rule = self._rules.get(getattr(constraint, "kind", None))
        if rule is None:
            raise NotImplementedError(f"{self.name}: no transform onto the constraint {constraint!r} "
                                      f"(known: {', '.join(sorted(self._rules))})")
        return rule(constraint)


biject_to = ConstraintRegistry("biject_to")
transform_to = ConstraintRegistry("transform_to")


def _both(kind: str, factory: Callable) -> None:
    biject_to.register(kind, factory)
    transform_to.register(kind, factory)


_both("real", lambda c: ComposeTransform([]))
_both("real_vector", lambda c: IndependentTransform(ComposeTransform([]), 1))


def _above(c):
    """exp, shifted to the lower bound."""
    if _zero(c.lower_bound):
        return ExpTransform()
    return ComposeTransform([ExpTransform(), AffineTransform(c.lower_bound, 1.0)])


_both("greater_than", _above)
_both("greater_than_eq", _above)
_both("less_than", lambda c: ComposeTransform([ExpTransform(), AffineTransform(c.upper_bound, -1.0)]))
for _kind in ("interval", "half_open_interval"):
    _both(_kind, lambda c: SigmoidTransform() if _zero(c.lower_bound) and _one(c.upper_bound) else
          ComposeTransform([SigmoidTransform(), AffineTransform(c.lower_bound, c.upper_bound - c.lower_bound)]))
transform_to.register("lower_cholesky", lambda c: LowerCholeskyTransform())  # (not bijections
transform_to.register("positive_definite", lambda c: PositiveDefiniteTransform())  # with a log-det)
transform_to.register("positive_semidefinite", lambda c: PositiveDefiniteTransform())  # (PyTorch's)
_both("corr_cholesky", lambda c: CorrCholeskyTransform())
_both("independent", lambda c: IndependentTransform(biject_to(c.base_constraint), c.reinterpreted_batch_ndims))
transform_to.register("independent", lambda c: IndependentTransform(transform_to(c.base_constraint),
                                                                      c.reinterpreted_batch_ndims))
for _registry in (biject_to, transform_to):  # (each piece's own transform, of that registry)
    _registry.register("cat", lambda c, r=_registry: CatTransform([r(p) for p in c.cseq], c.dim, c.lengths))
    _registry.register("stack", lambda c, r=_registry: StackTransform([r(p) for p in c.cseq], c.dim))
biject_to.register("simplex", lambda c: StickBreakingTransform())
transform_to.register("simplex", lambda c: SoftmaxTransform())


def _zero(v) -> bool:
    return isinstance(v, (int, float)) and v == 0


def _one(v) -> bool:
    return isinstance(v, (int, float)) and v == 1

