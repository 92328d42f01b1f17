"""``jax.experimental.ode``'s module path: ``from tensorgrad.experimental.ode import odeint``.

The solver is :func:`tensorgrad.scipy.integrate.odeint` (an adaptive Dormand–Prince 5(4)
method, differentiable in ``y0``, ``t`` and ``args``).
"""
from ..scipy.integrate import odeint

__all__ = ["odeint"]
