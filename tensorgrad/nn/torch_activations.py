"""``tg.nn``'s activations that carry ``jax.nn``'s names, taking ``torch.nn.functional``'s
keywords too. Each keeps ``jax.nn``'s signature and positional order and calls tensorgrad's
registered op (``tg.relu``, ``tg.softmax``, ... stay the ops themselves); PyTorch's extra
parameters come after JAX's, in PyTorch's order, so a positional call of either library
means what it means there:

* ``softmax`` and ``log_softmax``: ``dim=`` names the axis as PyTorch's (an alias of
  ``axis``; giving both is a ``TypeError``) and ``dtype=`` casts the input first, as
  PyTorch's. The third positional place is JAX's ``where``; a plain int there is PyTorch's
  ``_stacklevel`` and is ignored (as a mask it would keep every entry anyway). Without
  ``axis`` or ``dim`` the last axis is used, as JAX (PyTorch's deprecated implicit choice is
  not made);
* ``softplus(x, beta=1, threshold=20)``: PyTorch's ``log(1 + exp(beta·x))/beta``, and ``x``
  itself where ``beta·x > threshold``. With the defaults it is ``jax.nn.softplus``,
  ``log(1 + eˣ)`` everywhere (above 20 the two agree to 2e-9), as the ``Softplus`` layer;
* ``inplace=`` on ``relu``, ``relu6``, ``elu``, ``celu``, ``selu``, ``silu``, ``mish`` and
  ``leaky_relu``. ``inplace=True`` is PyTorch's ``relu_(x)`` and follows the rule of
  tensorgrad's in-place spellings (:mod:`tensorgrad.nn.inplace`): a recorded result of
  the imperative tape takes the new value, a leaf that requires grad takes it only inside
  ``tg.no_grad()``, a tensor that requires no grad takes it too, and anything else (a NumPy
  array, a traced value) is never written, so use the returned value, which is always the
  activation.
"""
from __future__ import annotations

import numpy as np

from .. import ops as _ops
from ..ops import activations as _act
from ..ops import activations_more as _more
from ..typing import Array, ArrayLike  # noqa: F401
from .inplace import finish as _finish
from .layers import scaled_softplus

__all__ = ["softmax", "log_softmax", "softplus", "relu", "relu6", "elu", "celu", "selu", "silu",
           "mish", "leaky_relu"]


class _LastAxis(int):
    """The default ``axis`` (-1, and shown as -1), told apart from an ``axis`` the caller gives
    so that ``axis`` together with ``dim`` can be refused."""

    def __repr__(self) -> str:
        return "-1"


_LAST = _LastAxis(-1)


def _normalizing_args(fn: str, x, axis, where, dtype, dim):
    if dim is not None:
        if axis is not _LAST:
            raise TypeError(f"{fn}: got both axis={axis!r} (jax.nn's name) and dim={dim!r} "
                            "(PyTorch's name) for the axis; give only one of them")
        axis = dim
    elif axis is _LAST:
        axis = -1
    if isinstance(where, (int, np.integer)) and not isinstance(where, (bool, np.bool_)):
        where = None  # PyTorch's positional _stacklevel
    if dtype is not None:
        x = _ops.astype(x, dtype)
    return x, axis, where


def softmax(x: ArrayLike, axis=_LAST, where: ArrayLike | None = None, dtype=None, *,
            dim=None) -> Array:
    """Softmax along ``axis`` (``jax.nn.softmax``: an int, a tuple of axes or None; ``where``
    keeps only those entries, 0 elsewhere), also with PyTorch's keywords
    (``torch.nn.functional.softmax``): ``dim`` is the axis and ``dtype`` casts the input
    first. Giving both ``axis`` and ``dim`` is a ``TypeError``."""
    x, axis, where = _normalizing_args("softmax", x, axis, where, dtype, dim)
    return _act.softmax(x, axis=axis, where=where)


def log_softmax(x: ArrayLike, axis=_LAST, where: ArrayLike | None = None, dtype=None, *,
                dim=None) -> Array:
    """``log(softmax(x))`` computed stably along ``axis`` (``jax.nn.log_softmax``; −inf outside
    ``where``), also with PyTorch's ``dim`` and ``dtype`` keywords
    (``torch.nn.functional.log_softmax``), as :func:`softmax`."""
    x, axis, where = _normalizing_args("log_softmax", x, axis, where, dtype, dim)
    return _act.log_softmax(x, axis=axis, where=where)


def softplus(x: ArrayLike, beta: float = 1.0, threshold: float = 20.0) -> Array:
    """``log(1 + exp(beta·x))/beta``, and ``x`` itself where ``beta·x > threshold``
    (``torch.nn.functional.softplus``; the slope at ``beta·x = threshold`` is that of the
    smooth side, as PyTorch's). With the defaults beta = 1 and threshold = 20 it is
    ``jax.nn.softplus``: ``log(1 + eˣ)`` everywhere, with no switch to ``x``."""
    beta, threshold = float(beta), float(threshold)
    if beta == 1.0 and threshold == 20.0:
        return _act.softplus(x)
    if beta == 0.0:
        raise ValueError("softplus: beta must be non-zero (the formula divides by it), got 0")
    return scaled_softplus(x, beta, threshold)


def relu(x: ArrayLike, inplace: bool = False) -> Array:
    """``max(x, 0)``, slope 0 at 0 (``jax.nn.relu``; PyTorch's ``inplace`` as in the module
    notes)."""
    return _finish("relu", x, _more.relu(x), inplace)


def relu6(x: ArrayLike, inplace: bool = False) -> Array:
    """``min(max(x, 0), 6)``, slope 0 at both corners (``jax.nn.relu6``; PyTorch's
    ``inplace`` as in the module notes)."""
    return _finish("relu6", x, _more.relu6(x), inplace)


def elu(x: ArrayLike, alpha: ArrayLike = 1.0, inplace: bool = False) -> Array:
    """``x`` where x > 0, ``alpha·(eˣ − 1)`` elsewhere (``jax.nn.elu``; PyTorch's ``inplace``
    as in the module notes)."""
    return _finish("elu", x, _more.elu(x, alpha), inplace)


def celu(x: ArrayLike, alpha: ArrayLike = 1.0, inplace: bool = False) -> Array:
    """``max(x, 0) + alpha·(e^(min(x, 0)/alpha) − 1)`` (``jax.nn.celu``; alpha ≠ 0; PyTorch's
    ``inplace`` as in the module notes)."""
    return _finish("celu", x, _more.celu(x, alpha), inplace)


def selu(x: ArrayLike, inplace: bool = False) -> Array:
    """The self-normalizing ``λ·elu(x, α)`` (``jax.nn.selu``; PyTorch's ``inplace`` as in the
    module notes)."""
    return _finish("selu", x, _more.selu(x), inplace)


def silu(x: ArrayLike, inplace: bool = False) -> Array:
    """``x·σ(x)`` (``jax.nn.silu``, also ``swish``; PyTorch's ``inplace`` as in the module
    notes)."""
    return _finish("silu", x, _more.silu(x), inplace)


def mish(x: ArrayLike, inplace: bool = False) -> Array:
    """``x·tanh(softplus(x))`` (``jax.nn.mish``; PyTorch's ``inplace`` as in the module
    notes)."""
    return _finish("mish", x, _more.mish(x), inplace)


def leaky_relu(x: ArrayLike, negative_slope: ArrayLike = 0.01, inplace: bool = False) -> Array:
    """``x`` where x > 0, ``negative_slope·x`` elsewhere (``jax.nn.leaky_relu``; a traced or
    per-entry slope differentiates; PyTorch's ``inplace`` as in the module notes)."""
    return _finish("leaky_relu", x, _more.leaky_relu(x, negative_slope), inplace)
