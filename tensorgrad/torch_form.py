"""PyTorch's form of a NumPy-named function: ``tg.trapezoid(y, dim=0)``,
``tg.linspace(0, 1, steps=5)``, ``tg.unique(x, dim=0)``.

A call that NumPy's signature rejects for a keyword it lacks (or for a PyTorch-only argument)
is handed to ``TORCH_FORM[0]``, which tensorgrad.torch_functions sets: PyTorch's function of
that name, or NotImplemented, which keeps the original error.
"""
from __future__ import annotations

import inspect
from typing import Callable

#: set by tensorgrad.torch_functions: ``fn(name, args, kwargs, params=None)``, PyTorch's
#: function of that name (the Tensor method ``name`` on ``args[0]``, arrays in, arrays out), or
#: NotImplemented where there is none; ``params`` are the names NumPy's signature takes
TORCH_FORM: list = []


def keyword_names(f: Callable) -> frozenset | None:
    """The keywords ``f`` takes (None: any, or unknown)."""
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return None
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return None
    return frozenset(p.name for p in params if p.kind is not p.VAR_POSITIONAL)


def torch_form_of(f: Callable) -> Callable:
    """For :func:`tensorgrad.op_errors.naming`: a call of ``f`` with a keyword its signature lacks is PyTorch's
    (``tg.trapezoid(y, dim=0)``, ``tg.linspace(0, 1, steps=5)``)."""
    name, known = f.__name__, []

    def other_form(args: tuple, kwargs: dict):
        if not known:
            known.append(keyword_names(f))
        if not TORCH_FORM or known[0] is None or known[0].issuperset(kwargs):
            return NotImplemented
        return TORCH_FORM[0](name, args, kwargs, known[0])
    return other_form
