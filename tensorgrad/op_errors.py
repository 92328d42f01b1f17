"""Errors that name the public function they come from.

A NumPy message raised deep inside a function (``kth(=7) out of bounds (4)``) does not say
which tensorgrad call it concerns; :func:`named_error` puts the function's name in front, and
:func:`naming` does that for every error of a published function.
"""
from __future__ import annotations

import functools
import re
from typing import Callable

from . import staging
from .torch_form import RULE_ARRAYS, as_rule_arrays, one_entry


def named_error(name: str, exc: Exception) -> Exception:
    """``exc`` from an op's argument handling, with the op's name in its message: a helper's
    name (``_axis_signature.<locals>.signature()``) becomes the op's, an AttributeError of a
    wrong argument (None) a TypeError. A message naming the op, or an error about tracing
    (ConcretizationError), is left as it is."""
    msg = str(exc)
    if name in msg or isinstance(exc, (staging.ConcretizationError, staging.ClosedOver)):
        return exc
    helper = re.match(r"^([\w.<>]+)\(\) ", msg)  # a wrong call of the argument handler
    if isinstance(exc, TypeError) and helper and ("<" in helper[1] or helper[1].startswith("_")):
        return TypeError(f"{name}(){msg[helper.end(1) + 2:]}")
    # the class is kept (TorchTypeError, which is also a RuntimeError; AxisError)
    kind = TypeError if isinstance(exc, AttributeError) else type(exc)
    try:
        return kind(f"{name}: {msg}")
    except Exception:  # noqa: BLE001 - a class that takes other arguments (NumPy's
        for base in (TypeError, IndexError, ValueError):  # _UFuncNoLoopError): its builtin base
            if isinstance(exc, base):
                return base(f"{name}: {msg}")
        return exc


def naming(f: Callable, other_form: Callable | None = None) -> Callable:
    """``f`` whose ValueError, TypeError and IndexError name it (see :func:`named_error`).
    A call that fails with a TypeError and gives keywords goes to ``other_form(args, kwargs,
    published)`` first (PyTorch's form of the function), whose NotImplemented keeps the error."""
    name = f.__name__

    @functools.wraps(f)
    def published(*args, **kwargs):
        try:
            out = f(*args, **kwargs)
            return out if not RULE_ARRAYS[1] else as_rule_arrays(out, args)
        except (ValueError, TypeError, IndexError) as exc:
            if other_form is not None and kwargs and isinstance(exc, TypeError):
                out = other_form(args, kwargs, published)
                if out is not NotImplemented:
                    return out
            out = one_entry(f, exc, args, kwargs)  # (a 0-d tensor of PyTorch's has an axis 0)
            if out is not NotImplemented:
                return out
            raise named_error(name, exc) from exc
    return published
