"""The branches of ``tg.lax.cond`` and ``switch``: JAX's rule that every branch returns one
type (checked by running the branches not taken silently, once per group of branches and
operand types), and under ``tg.jit`` a traced decision: the branch the plan runs, or every
branch and a select of their results.
"""
from __future__ import annotations

import builtins
import contextlib
import inspect

import numpy as np

from . import ops as _ops
from .batching import current_frame, lift as _lift, unlift as _unlift
from .staging import ConcretizationError, call as staged_call, find_staged, is_staged, silent_effects, trace_values
from .tensor import Tensor, concrete, dtype_of, shape_of
from .tree import tree_flatten, tree_unflatten

MISSING = object()  # "no result": a branch decision tg.jit must record for every branch
_MISSING = MISSING


_BRANCHES_CHECKED: dict = {}  # (branch code, operand types) -> True: seen to agree


def _kind(out) -> tuple:
    """A branch result's type as JAX compares it: structure, and per leaf shape and dtype (a
    Python number's is JAX's with 64-bit types: int64, float64, complex128 or bool; None for
    another object)."""
    leaves, td = tree_flatten(out)
    return td, [(tuple(shape_of(concrete(v))), np.dtype(dtype_of(concrete(v))))
                if hasattr(v, "dtype") and hasattr(v, "shape") else
                ((), np.dtype(type(v)) if isinstance(v, (builtins.bool, builtins.int, builtins.float,
                                                         builtins.complex)) else None)
                for v in leaves]


def _checked_branch(name: str, branches: list, k: int, operands: tuple, labels=None):
    """``branches[k](*operands)``, eagerly. As JAX requires (and tg.jit, which runs every
    branch, checks), the branches must return one type: the first time a group of branches
    (by their code) meets operands of a given type, the other branches also run, on the
    operands' values and silently, and a different structure, shape or dtype raises
    TypeError. A branch that raises there is left unchecked (its result is never used)."""
    lifted, back = _lift(operands)
    frame = current_frame()
    if frame is not None and len(branches) > 1 and _may_collect(branches):
        return _every_branch(name, branches, k, lifted, back, labels, frame)
    out = _unlift(branches[k](*lifted), back)
    leaves, td = tree_flatten(operands)
    values = [concrete(v) for v in leaves]
    key = (tuple(_branch_key(b) for b in branches), td,
           tuple((tuple(shape_of(v)), str(dtype_of(v))) for v in values))
    try:
        if _BRANCHES_CHECKED.get(key):
            return out
    except TypeError:  # (unhashable branch callables)
        return out
    staged = find_staged(values)
    if staged is None:
        _check_branch_types(name, branches, k, out, values, td, labels)
    else:  # under tg.jit, on a static decision: the other branches run on stand-ins of the
        program = staged.program  # operands' types, and what they record into the plan is
        start = len(program.steps)  # taken out again
        try:
            _check_branch_types(name, branches, k, out, [
                np.zeros(shape_of(v), dtype_of(v)) if is_staged(v) else v for v in values],
                td, labels)
        finally:
            del program.steps[start:]
        return out  # (not remembered: on stand-ins a branch may raise that the values pass)
    if len(_BRANCHES_CHECKED) > 4096:
        _BRANCHES_CHECKED.clear()
    _BRANCHES_CHECKED[key] = True
    return out


def _branch_key(b) -> tuple:
    """A branch as the check's memory knows it: its code, and the type of each value it
    closes over or defaults to (two branches one factory made on other shapes differ)."""
    code = getattr(b, "__code__", None)
    if code is None:
        return (b,)
    held = [c.cell_contents for c in (b.__closure__ or ()) if _filled(c)]
    return (code,) + tuple(_value_key(v) for v in held + list(b.__defaults__ or ()))


def _value_key(v):
    """An array by its shape and dtype, a number or string by itself, anything else (a module,
    a function, an object whose ``shape`` is a method) by its identity."""
    if isinstance(v, (builtins.int, builtins.float, builtins.complex, str)):
        return (type(v), v)
    if isinstance(getattr(v, "shape", None), tuple) and hasattr(v, "dtype"):
        try:
            return (tuple(shape_of(v)), str(dtype_of(v)))
        except Exception:  # noqa: BLE001 - not an array after all: known by identity
            pass
    return id(v)


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:  # (a cell not yet assigned)
        return False
    return True


#: a branch (by _branch_key) -> whether it called a collective or a custom_vmap function when
#: it last ran inside a tg.vmap loop (unknown until then)
_COLLECTS: dict = {}


def _may_collect(branches: list) -> bool:
    """Whether a branch may call a collective or a custom_vmap function (unknown: it may)."""
    try:
        return any(_COLLECTS.get(_branch_key(b), True) for b in branches)
    except TypeError:  # (unhashable branch callables)
        return True


def _every_branch(name: str, branches: list, k: int, lifted: tuple, back: bool, labels, frame):
    """Inside ``tg.vmap``'s loop, where a branch may call a collective (``psum``) or a
    ``custom_vmap`` function: every branch runs, in order, in every slice, and branch ``k``'s
    result comes back, as JAX runs both branches of a mapped decision, so such a call meets its
    twins of the other slices whichever branch each slice takes (run one branch each, they
    would pair up wrongly). Each branch's run notes whether it made such calls: once none of
    a decision's branches does, later slices run the taken branch alone."""
    if len(_COLLECTS) > 4096:
        _COLLECTS.clear()
    kinds = {}
    for j, b in enumerate(branches):
        calls = frame.count
        if j == k:
            out = _unlift(b(*lifted), back)
            _note_calls(b, frame.count != calls)
            continue
        try:
            with np.errstate(all="ignore"), silent_effects():  # (run for its collectives and type)
                kinds[j] = _kind(b(*lifted))
        except Exception:  # noqa: BLE001 - only a result of another type is an error
            continue
        _note_calls(b, frame.count != calls)
    for j, other in kinds.items():
        _same_kind(name, labels, k, _kind(out), j, other)
    return out


def _note_calls(branch, called: bool) -> None:
    try:
        _COLLECTS[_branch_key(branch)] = called
    except TypeError:  # (unhashable: never remembered, always run)
        pass


def _same_kind(name: str, labels, k: int, want: tuple, j: int, other: tuple) -> None:
    """TypeError unless branch ``j``'s result type ``other`` is branch ``k``'s, ``want``."""
    label = (lambda i: labels[i]) if labels else (lambda i: f"branch {i}")  # noqa: E731
    if other[0] != want[0]:
        raise TypeError(f"{name}: {label(k)} returns structure {want[0]} and {label(j)} "
                        f"{other[0]}; the branches must return one type, as in JAX")
    for (s1, d1), (s2, d2) in zip(want[1], other[1]):
        if s1 != s2 or (d1 is not None and d2 is not None and d1 != d2):
            raise TypeError(f"{name}: {label(k)} returns an array of shape {s1} and dtype "
                            f"{d1} where {label(j)} returns shape {s2} and dtype {d2}; the "
                            "branches must return one type, as in JAX")


def _check_branch_types(name: str, branches: list, k: int, out, values: list, td, labels) -> None:
    """TypeError unless every branch but the taken ``k`` (run silently on ``values``) returns
    the type of ``out``; a branch that raises is left unchecked (its result is never used)."""
    want = _kind(out)
    label = (lambda j: labels[j]) if labels else (lambda j: f"branch {j}")  # noqa: E731
    plain = _lift(tree_unflatten(td, values))[0]
    for j, b in enumerate(branches):
        if j == k:
            continue
        try:
            inspect.signature(b).bind(*plain)
        except TypeError as exc:  # JAX's trace of every branch reports it too
            raise TypeError(f"{name}: {label(j)} cannot take the {len(plain)} operand(s): {exc}") from None
        except ValueError:  # (no signature to read: a builtin)
            pass
        try:
            with np.errstate(all="ignore"), silent_effects():  # (run for its type alone)
                other = _kind(b(*plain))
        except Exception:  # noqa: BLE001 - only a result of another type is an error
            continue
        _same_kind(name, labels, k, want, j, other)


def _run_taken(branches: list, k, operands: tuple):
    """Under tg.jit, for operands no enclosing transform traces: one step of the plan that runs
    only the branch the replayed index ``k`` picks, as the eager call does (the other branches'
    warnings, errors and NaNs never happen). ``_MISSING`` when a branch reads another traced
    value (a closure) or the operands are differentiated: then every branch is recorded and
    the results selected."""
    leaves, td = tree_flatten(operands)
    if any(type(v) is Tensor for v in leaves):
        return _MISSING
    program = find_staged(k).program
    start = len(program.steps)
    probe = tree_unflatten(td, [trace_values(v) for v in leaves])
    kinds: list = []
    for b in branches:  # each branch once on the trace-time values: types, and closures
        try:
            with silent_effects():  # (the replay runs the taken branch's effects)
                out_leaves, out_td = tree_flatten(b(*probe))
        except ConcretizationError:
            out_leaves, out_td = None, None
        except Exception:  # noqa: BLE001 - raised again at a replay that takes this branch
            continue
        if len(program.steps) != start or out_leaves is None or any(
                type(v) is Tensor or is_staged(v) for v in out_leaves):
            del program.steps[start:]  # it read a traced value: record every branch instead
            return _MISSING
        kinds.append((out_td, [(np.shape(v), np.result_type(v)) for v in out_leaves]))
    if not kinds or any(kind != kinds[0] for kind in kinds):
        return _MISSING  # (_select names the mismatch)
    out_td = kinds[0][0]

    tracing = [True]  # (the trace evaluates the step once more: its effects are the replay's)

    def taken(index, *values):
        with silent_effects() if tracing[0] else contextlib.nullcontext():
            res = tree_flatten(branches[int(index)](*tree_unflatten(td, list(values))))[0]
        return tuple(np.asarray(concrete(v)) for v in res)

    out = staged_call(taken, k, *leaves)
    tracing[0] = False
    return tree_unflatten(out_td, list(out))


def _only_when(operands: tuple, taken):
    """The operands as a branch sees them when tg.jit runs every branch: their values, but a
    gradient that reaches them only where the branch is ``taken``. A branch not taken may
    have a NaN or infinite slope at these values; it is dropped, not multiplied by a zero
    cotangent and added (as JAX's cond, which runs one branch)."""
    leaves, td = tree_flatten(operands)
    return tree_unflatten(td, [_ops.where(taken, v, _ops.stop_gradient(v)) if type(v) is Tensor
                               and np.dtype(dtype_of(concrete(v))).kind in "fc" else v for v in leaves])


def _select(outs: list, picks: list, name: str):
    """``outs[j]`` where ``picks[j]`` (a traced boolean; the first is the default), leaf by
    leaf: the branches of a cond or switch whose decision tg.jit traces. As JAX requires,
    every branch returns the same structure, shapes and dtypes."""
    flat = [tree_flatten(o) for o in outs]
    td = flat[0][1]
    for leaves, other in flat[1:]:
        if other != td:
            raise TypeError(f"{name}: the branches return different structures, {td} and {other}; "
                            "they must match (JAX requires it, and under tg.jit every branch runs)")
    result = []
    for col in zip(*[leaves for leaves, _ in flat]):
        kinds = {(tuple(shape_of(concrete(v))), np.dtype(dtype_of(concrete(v)))) for v in col}
        if len(kinds) > 1:
            raise TypeError(f"{name}: the branches return arrays of different shapes or dtypes "
                            f"{sorted(kinds, key=str)}; they must match, as in JAX")
        out = col[0]
        for v, pick in zip(col[1:], picks[1:]):
            out = _ops.where(pick, v, out)
        result.append(out)
    return tree_unflatten(td, result)
