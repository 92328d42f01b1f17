"""PyTorch's ``torch.utils.checkpoint``: ``checkpoint(function, *args)`` and
``checkpoint_sequential(functions, segments, input)``.

Both are :func:`tensorgrad.checkpoint` (JAX's ``jax.checkpoint``, also called ``remat``) in
PyTorch's calling form: the function's intermediate values are not kept for the backward
pass but computed again when it runs, so the values and gradients are those of the plain
call, with less memory held between the forward and the backward pass. They work on
imperative tensors (``loss.backward()``) and inside the functional transforms alike.

``use_reentrant`` (either value), ``preserve_rng_state`` and ``determinism_check`` change
nothing: there is one implementation, and the recomputation gets the draws the first run
made from the global stream (``tg.manual_seed``'s), as ``preserve_rng_state=True``.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from ..ad_checkpoint import remat

__all__ = ["checkpoint", "checkpoint_sequential"]


def _options(name: str, context_fn, debug) -> None:
    if context_fn is not None:
        raise NotImplementedError(f"{name}: context_fn (selective recomputation) is not supported; "
                                  "use tg.checkpoint(f, policy=...) for JAX's policies")
    if debug:
        raise NotImplementedError(f"{name}: debug=True is not supported")


def checkpoint(function: Callable, *args: Any, use_reentrant: bool | None = None,
               context_fn: Any = None, determinism_check: str = "default", debug: bool = False,
               preserve_rng_state: bool = True, **kwargs: Any) -> Any:
    """``function(*args, **kwargs)``, its intermediate values recomputed in the backward pass
    instead of kept (PyTorch's ``torch.utils.checkpoint.checkpoint``)."""
    _options("checkpoint", context_fn, debug)
    if not callable(function):
        raise TypeError(f"checkpoint: function must be callable, got {type(function).__name__}")
    fn = functools.partial(function, **kwargs) if kwargs else function
    return remat(fn)(*args)


def checkpoint_sequential(functions: Any, segments: int, input: Any,
                          use_reentrant: bool | None = None, **kwargs: Any) -> Any:
    """``functions`` (a ``Sequential`` or a list of layers) applied in order to ``input``, in
    ``segments`` runs of consecutive layers; every run but the last is checkpointed (its
    intermediate values recomputed in the backward pass), as PyTorch's
    ``checkpoint_sequential``."""
    _options("checkpoint_sequential", kwargs.pop("context_fn", None), kwargs.pop("debug", False))
    kwargs.pop("preserve_rng_state", None)
    kwargs.pop("determinism_check", None)
    if kwargs:
        raise TypeError(f"checkpoint_sequential: unexpected keyword arguments {sorted(kwargs)}")
    layers = list(functions)
    if not isinstance(segments, int) or isinstance(segments, bool) or segments < 1:
        raise ValueError(f"checkpoint_sequential: segments must be a positive int, got {segments!r}")
    if not layers:
        return input
    size = max(len(layers) // segments, 1)

    def run(part):
        def chained(x):
            for layer in part:
                x = layer(x)
            return x
        return chained

    x = input
    done = 0
    for _ in range(segments - 1):  # (as PyTorch's: segments - 1 runs of len // segments layers)
        if done + size >= len(layers):
            break
        x = remat(run(layers[done:done + size]))(x)
        done += size
    return run(layers[done:])(x)
