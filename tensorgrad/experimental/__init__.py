"""``jax.experimental``'s stable corners: :func:`io_callback`, :mod:`.jet` (Taylor series of a
function by nested forward mode) and :mod:`.ode` (``odeint``)."""
from typing import Any, Callable

from ..api_extras import host_callback
from . import jet, ode

__all__ = ["io_callback", "jet", "ode"]


def io_callback(callback: Callable, result_shape_dtypes: Any, *args, sharding=None,
                ordered: bool = False, **kwargs) -> Any:
    """``callback(*args, **kwargs)`` on NumPy arrays for its side effects, its result checked
    against ``result_shape_dtypes`` (``jax.experimental.io_callback``'s signature).

    tensorgrad runs every call in program order, so ``ordered`` changes nothing. Under
    ``tg.jit`` the call is a step of the plan and runs again at each call; it has no
    derivative (a value traced by ``grad``, ``jvp``... raises TypeError, as in JAX).
    """
    if not isinstance(ordered, bool):
        raise TypeError(f"io_callback: ordered must be True or False, got {ordered!r}")
    return host_callback("io_callback", callback, result_shape_dtypes, args, kwargs, effect=True)
