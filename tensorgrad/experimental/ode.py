"""``jax.experimental.ode``'s module path: ``from tensorgrad.experimental.ode import odeint``.

JAX's signature, ``odeint(func, y0, t, *args, rtol, atol, mxstep, hmax)`` with a pytree
``y0``, of the solver behind SciPy's ``tensorgrad.scipy.integrate.odeint`` (an adaptive
Dormand–Prince 5(4) method, differentiable in ``y0``, ``t`` and ``args``).
"""
import numpy as np

from ..scipy.integrate import dormand_prince

__all__ = ["odeint"]


def odeint(func, y0, t, *args, rtol: float = 1.4e-8, atol: float = 1.4e-8, mxstep=np.inf,
           hmax=np.inf):
    """``jax.experimental.ode.odeint``: the solution of ``dy/dt = func(y, t, *args)``,
    ``y(t[0]) = y0`` (a pytree of floating-point arrays), at the times ``t``: ``y0``'s
    structure, each leaf with a leading axis of ``len(t)``. See
    :func:`tensorgrad.scipy.integrate.dormand_prince`."""
    return dormand_prince(func, y0, t, *args, rtol=rtol, atol=atol, mxstep=mxstep, hmax=hmax)
