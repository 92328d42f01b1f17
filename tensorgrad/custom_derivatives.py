"""JAX's ``jax.custom_derivatives`` names (``tg.custom_derivatives``), for ported imports:
``custom_jvp``, ``custom_vjp``, ``custom_gradient``, ``closure_convert``, ``CustomVJPPrimal``,
``SymbolicZero`` and ``zero_from_primal``. tensorgrad's rules receive zero tangents and
cotangents as arrays of zeros (never a ``SymbolicZero``), so a rule written for JAX's
``symbolic_zeros=True`` takes its general path; a rule may return a ``SymbolicZero`` (or
None) for a zero."""
from .api_extras import closure_convert, custom_gradient
from .custom import custom_jvp, custom_vjp
from .custom_args import CustomVJPPrimal, SymbolicZero, zero_from_primal

__all__ = ["custom_jvp", "custom_vjp", "custom_gradient", "closure_convert", "CustomVJPPrimal",
           "SymbolicZero", "zero_from_primal"]
