"""``jax.errors``' names for the errors ``tg.jit`` raises, so that code written for JAX can
catch them: tensorgrad has one class, :class:`~tensorgrad.staging.ConcretizationError` (a
TypeError, as JAX's are), for every use of a traced value as a concrete one: a Python
``bool``, ``int`` or ``if`` on it, a NumPy conversion, a boolean-mask index whose result
shape depends on the values. Each JAX name below is that class.
"""
from __future__ import annotations

from .staging import ConcretizationError

__all__ = ["ConcretizationTypeError", "TracerBoolConversionError", "TracerIntegerConversionError",
           "TracerArrayConversionError", "NonConcreteBooleanIndexError"]

ConcretizationTypeError = ConcretizationError
TracerBoolConversionError = ConcretizationError
TracerIntegerConversionError = ConcretizationError
TracerArrayConversionError = ConcretizationError
NonConcreteBooleanIndexError = ConcretizationError
