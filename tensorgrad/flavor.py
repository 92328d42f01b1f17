"""Whose meaning a tensor's shared method names take: PyTorch's or NumPy's.

NumPy's ndarray and PyTorch's Tensor share some method names with different meanings:
``t.std()`` (NumPy: the population deviation; PyTorch: the unbiased one), ``t.max(1)``
(NumPy: the values; PyTorch: ``(values, indices)``), ``m.transpose(0, 1)`` (NumPy: the
identity permutation of a matrix; PyTorch: the swap), ``t.repeat(2)``, ``t.sort(0)``,
``t.squeeze(0)``, ``t.nonzero()``, and ``t += 1`` on a tensor that does not require grad
(NumPy's and PyTorch's: in place; JAX's arrays: a new value). A tensorgrad Tensor takes the
meaning of the API that made it:

* PyTorch's: a tensor made by PyTorch's API (``tg.tensor``, ``tg.as_tensor``,
  ``tg.from_numpy``, ``tg.randn``, ``tg.zeros(2, 3)``, ...), a tensor of the imperative tape
  (``requires_grad``), a value of ``tg.autograd.forward_ad``, and every value computed from
  one of them, also inside a transform applied to one (``tensorgrad.func.grad(f)(t)``,
  ``tg.vmap(f)(t)``); for the top-level functions (``tg.max(t.data, 1)``) also the arrays
  PyTorch's API hands out (``t.grad``, ``t.data``, ``model.parameters()``, what a
  ``tg.autograd.Function``'s rules see), in their own methods too; NumPy's functions, which
  call those methods with NumPy's meaning (``np.tile`` calls ``a.repeat(n, 0)``), are given
  them as plain arrays;
* NumPy's (JAX's for ``+=``): everything else, that is ``tensorgrad.numpy`` (``jnp``) arrays and
  the values a transform traces when it was given NumPy arrays (``tg.grad(f)(x)``), until one of
  them meets a tensor of PyTorch's API (a closure): from there on that trace follows PyTorch, as
  the same code does eagerly (``recording.bind``).

How ``t += v`` and the in-place methods update such tensors: :mod:`tensorgrad.torch_updates`.

Keywords always choose: NumPy's (``axis=``, ``ddof=``, ``keepdims=``) select NumPy's meaning,
PyTorch's (``dim=``, ``unbiased=``, ``keepdim=``) PyTorch's, on any tensor.
"""
from __future__ import annotations

from .tensor import torch_style  # (the predicate itself: the engine below reads it too)

__all__ = ["torch_style", "torch_trace"]


def torch_trace(trace, leaves) -> None:
    """A transform's new ``trace`` follows PyTorch when one of its array inputs does."""
    for v in leaves:
        if torch_style(v):
            trace.torch = True
            return
