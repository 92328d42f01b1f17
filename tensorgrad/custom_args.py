"""The arguments of custom-derivative functions (:mod:`tensorgrad.custom`): names for
messages, JAX's ``nondiff_argnums``/``nondiff_argnames``, keyword and default arguments bound to
positions, and :class:`CustomVJPPrimal`, what a ``symbolic_zeros`` rule's ``fwd`` receives."""
from __future__ import annotations

import functools
import inspect
import weakref
from typing import Callable, Sequence

import numpy as np

from .tensor import concrete, shape_of
from .transform_parts import FLOAT0
from .tree import _LEAF, _flatten_up_to, tree_flatten, tree_map

__all__ = ["CustomVJPPrimal", "SymbolicZero", "zero_from_primal"]


class CustomVJPPrimal:
    """What ``fwd`` receives for each argument leaf of a :class:`custom_vjp` whose rule was
    set with ``defvjp(..., symbolic_zeros=True)`` (JAX's class): ``value``, and
    ``perturbed``, whether a derivative is being taken with respect to it."""

    __slots__ = ("value", "perturbed")

    def __init__(self, value, perturbed: bool):
        self.value, self.perturbed = value, bool(perturbed)

    def __repr__(self) -> str:
        return f"CustomVJPPrimal(value={self.value!r}, perturbed={self.perturbed})"


class SymbolicZero:
    """JAX's stand-in for a zero tangent or cotangent of a given shape and dtype. tensorgrad's
    rules receive zeros as arrays, never this; a rule may return one (or None) for a zero."""

    def __init__(self, aval):
        self.aval = aval

    shape = property(lambda self: tuple(self.aval.shape))
    dtype = property(lambda self: np.dtype(self.aval.dtype))

    def instantiate(self) -> np.ndarray:
        return np.zeros(self.shape, self.dtype)

    def __array__(self, dtype=None, copy=None):
        return self.instantiate() if dtype is None else self.instantiate().astype(dtype)

    @staticmethod
    def from_primal_value(value) -> "SymbolicZero":
        return SymbolicZero(_Aval(np.shape(value), np.result_type(value)))

    def __repr__(self) -> str:
        return f"SymbolicZero({self.dtype.name}{list(self.shape)})"


class _Aval:
    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape, self.dtype = tuple(shape), np.dtype(dtype)


def zero_from_primal(value, symbolic_zeros: bool = False):
    """A zero tangent for ``value`` (a pytree): arrays of zeros of its shapes and dtypes
    (float0 for integers and booleans), or :class:`SymbolicZero` ones with
    ``symbolic_zeros=True`` (JAX's function)."""
    def zero(v):
        dt = np.result_type(v)
        return np.zeros(np.shape(v), dt if dt.kind in "fc" else FLOAT0)
    return tree_map(SymbolicZero.from_primal_value if symbolic_zeros else zero, value)


def zero_tangent(v, out) -> bool:
    """Whether a rule's tangent ``v`` for the output ``out`` counts as zero: None, a
    SymbolicZero, a float0 (JAX's zero_from_primal), or anything given for an integer or
    boolean output, which has no tangent."""
    return v is None or type(v) is SymbolicZero or np.result_type(concrete(out)).kind not in "fc" \
        or getattr(concrete(v), "dtype", None) == FLOAT0


def _name(fun) -> str:
    """``fun``'s name for messages (a functools.partial or a callable object has none)."""
    return getattr(fun, "__name__", None) or getattr(getattr(fun, "func", None), "__name__", None) \
        or type(fun).__name__


def _nondiff(fun: Callable, argnums: Sequence[int], argnames: Sequence[str], where: str) -> tuple:
    """JAX's ``nondiff_argnums`` and ``nondiff_argnames`` as one sorted tuple of positions."""
    nums = {int(i) for i in argnums}
    if isinstance(argnames, str):
        argnames = (argnames,)
    if argnames:
        params = [n for n, p in inspect.signature(fun).parameters.items()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        for n in argnames:
            if n not in params:
                raise ValueError(f"{where} {_name(fun)}: nondiff_argnames names {n!r}, which is "
                                 f"not a positional parameter of the function ({params})")
            nums.add(params.index(n))
    return tuple(sorted(nums))


#: ``fun -> _positional_count(fun)``, held weakly: a cache must not keep the functions (and
#: what their closures hold) alive, as an lru_cache of them did
_COUNTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _positional_count(fun: Callable):
    """How many positional parameters ``fun`` has, when some of them have defaults (None:
    no defaults to fill in, or a signature that cannot be read)."""
    try:
        return _COUNTS[fun]
    except (KeyError, TypeError):  # (not seen yet; or not weakly referable, or unhashable)
        pass
    n = _count_positional(fun)
    try:
        _COUNTS[fun] = n
    except TypeError:
        pass
    return n


def _count_positional(fun: Callable):
    try:
        params = inspect.signature(fun).parameters.values()
    except (TypeError, ValueError):
        return None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    pos = [p for p in params if p.kind in kinds]
    return len(pos) if any(p.default is not inspect.Parameter.empty for p in pos) else None


def _of_dynamic(fun: Callable, merge: Callable) -> Callable:
    """``fun`` as a function of its differentiated arguments alone (``merge`` puts the
    nondiff ones back in), with ``fun``'s name but a signature of its own, ``(*args)``:
    ``fun``'s defaults were filled in already, and filling them in again (as a signature
    followed back to ``fun`` would) would add arguments the rules do not expect."""
    def of_dynamic(*dynamic):
        return fun(*merge(dynamic))
    functools.update_wrapper(of_dynamic, fun, updated=())
    del of_dynamic.__wrapped__
    return of_dynamic


def _positional(fun: Callable, args: tuple, kwargs: dict, where: str) -> tuple:
    """``args`` and ``kwargs`` bound to ``fun``'s positional parameters, defaults filled in
    (JAX's rule for custom-derivative functions: the rules see every argument)."""
    if not kwargs:
        n = _positional_count(fun)
        if n is None or len(args) >= n:
            return args
    try:
        bound = inspect.signature(fun).bind(*args, **kwargs)
    except TypeError as exc:
        raise TypeError(f"{where}: {exc}") from None
    bound.apply_defaults()
    if bound.kwargs:
        raise TypeError(f"{where}: keyword-only arguments {sorted(bound.kwargs)} cannot take a "
                        "derivative rule; make them positional (or nondiff_argnums)")
    return tuple(bound.args)


def _tree_cotangents(cts, args: tuple, who: str) -> list:
    """A rule's per-argument cotangents (or tangents), flattened to the arguments' leaves;
    None (for an argument or a leaf) means zero."""
    if not isinstance(cts, (tuple, list)) or len(cts) != len(args):
        raise TypeError(f"{who} must return a tuple with one cotangent per input ({len(args)}), "
                        f"got {type(cts).__name__}" + (f" of length {len(cts)}"
                                                       if isinstance(cts, (tuple, list)) else ""))
    flat = []
    for i, (c, a) in enumerate(zip(cts, args)):
        al, atd = tree_flatten(a)
        if c is None:
            flat += [None] * len(al)
            continue
        cl = []  # c must have a's structure (JAX's check); None stands for a zero subtree
        try:
            _flatten_up_to(atd, c, cl, f"{who}: the cotangent of input {i}")
            cl = [None if type(v) is SymbolicZero else v for v in cl]
            if any(v is not None and tree_flatten(v)[1] != _LEAF for v in cl):
                raise ValueError("a container where the input has an array")
        except ValueError as exc:
            raise TypeError(f"{who}: the cotangent of input {i} has structure "
                            f"{tree_flatten(c)[1]}, the input {atd} ({exc})") from None
        flat += list(_checked(cl, al, who, "cotangent", number=i))
    return flat


def _checked(cts, args, who: str, what: str, against: str = "input", number=None) -> tuple:
    """The user's cotangents (tangents), each shaped like its input (or its output, for a
    JVP rule's output tangent); None means zero. ``number``: the argument these are the
    leaves of (errors name it, and the leaf when it has several)."""
    out = []
    for i, (c, a) in enumerate(zip(cts, args)):
        want = shape_of(a)
        if c is None:
            out.append(None)
            continue
        have = shape_of(c)
        where = (lambda: f"{against} {i}" if number is None else  # noqa: E731  (for messages)
                 f"{against} {number}" + (f" (leaf {i})" if len(args) > 1 else ""))
        if have != want:
            raise ValueError(f"{who} returned {'an' if what[0] in 'aeiou' else 'a'} {what} of "
                             f"shape {have} for {where()} of shape {want}; it must have its "
                             f"{against}'s shape")
        if np.result_type(concrete(c)).kind == "c" and np.result_type(concrete(a)).kind != "c":
            raise TypeError(f"{who} returned a complex {what} (dtype {np.result_type(concrete(c))}) "
                            f"for {where()} of dtype {np.result_type(concrete(a))}; the {what} of a "
                            f"real {against} is real (as JAX requires): take its real part")
        # the rule's own array (one it closes over, a cached gradient) must never reach the
        # caller as a result: grad, vjp, jvp and linearize hand out what the sweep returns,
        # and writing into that result would change the rule's constant
        out.append(c.copy() if type(c) is np.ndarray else c)
    return tuple(out)
