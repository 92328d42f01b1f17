"""PyTorch's form of a NumPy-named function: ``tg.trapezoid(y, dim=0)``,
``tg.linspace(0, 1, steps=5)``, ``tg.unique(x, dim=0)``.

A call that NumPy's signature rejects for a keyword it lacks (or for a PyTorch-only argument)
is handed to ``TORCH_FORM[0]``, which tensorgrad.torch_functions sets: PyTorch's function of
that name, or NotImplemented, which keeps the original error.
"""
from __future__ import annotations

import inspect
import threading
from typing import Callable

import numpy as np

from .ufunc_keywords import named_inputs

#: set by tensorgrad.torch_functions: ``fn(name, args, kwargs, params=None)``, PyTorch's
#: function of that name (the Tensor method ``name`` on ``args[0]``, arrays in, arrays out), or
#: NotImplemented where there is none; ``params`` are the names NumPy's signature takes
TORCH_FORM: list = []
#: set by tensorgrad.torch_functions: ``fn(call, args, kwargs)``, ``call(*args, **kwargs)`` with
#: PyTorch's reading of an axis 0 (or -1) of a 0-d tensor of PyTorch's ``args[0]``, or
#: NotImplemented (see :func:`one_entry`)
ONE_ENTRY: list = []
#: ``[cls, blocks]``: the class a custom Function's rules see NumPy arrays as (set by
#: tensorgrad.tensor_torch_flavor: RuleArray), and how many such rule blocks run now, in any
#: thread (tensorgrad.imperative.rule_mode counts them; see :func:`as_rule_arrays`)
RULE_ARRAYS: list = [None, 0]


def as_rule_arrays(out, args: tuple):
    """``out`` of a tensorgrad function called inside a custom Function's rules on the arrays
    those see (``RULE_ARRAYS[0]``, also inside a list: ``tg.stack([a, b])``): its NumPy arrays
    as such arrays too, so that PyTorch's Tensor methods go on working on them
    (``F.conv2d(x, w).sum(dim=1)``, ``tg.einsum(...).transpose(0, 1)``)."""
    cls = RULE_ARRAYS[0]
    if not any(type(a) is cls or type(a) in (list, tuple) and any(type(v) is cls for v in a)
               for a in args):
        return out
    if type(out) is np.ndarray:
        return out.view(cls)
    if isinstance(out, tuple):  # ((values, indices), a namedtuple too)
        parts = [v.view(cls) if type(v) is np.ndarray else v for v in out]
        return type(out)(*parts) if hasattr(out, "_fields") else tuple(parts)
    return out


def one_entry(call: Callable, exc: Exception, args: tuple, kwargs: dict):
    """After ``call(*args, **kwargs)`` raised ``exc``: where that is NumPy's AxisError and
    ``args[0]`` a 0-d tensor of PyTorch's, whose axis 0 (or -1) has length 1 (``tg.mean(s, 0)``),
    the call's result with that axis; NotImplemented otherwise, which keeps the error."""
    if not ONE_ENTRY or not args or not isinstance(exc, np.exceptions.AxisError):
        return NotImplemented
    return ONE_ENTRY[0](call, args, kwargs)


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

    def other_form(args: tuple, kwargs: dict, again: Callable | None = None):
        if not known:
            known.append(keyword_names(f))
        if not TORCH_FORM or known[0] is None or known[0].issuperset(kwargs):
            return NotImplemented
        depth = _INSIDE.__dict__.setdefault("depth", {})
        level = depth.get(name, 0)
        if level >= 3:  # (PyTorch's form led back here again and again: the error stands; the
            return NotImplemented  # named inputs' call, tg.zeros_like(input=x, ...), comes once)
        depth[name] = level + 1
        try:
            return TORCH_FORM[0](name, args, kwargs, known[0], again)
        finally:
            depth[name] = level
    return other_form


_INSIDE = threading.local()  # how deep this thread is in each name's PyTorch form

