"""``debug_nans``: stop at the first op whose forward or derivative rule makes NaN or inf;
``print`` and ``callback``: see values inside transforms and at every call of a jitted function.

A NaN in a gradient is usually born far from where it is noticed: one
``log(0)`` or ``0 · inf`` early in the sweep spreads to every input. With the
mode on, every op's forward result and every VJP/JVP rule result is checked,
and the first non-finite one raises :class:`FloatingPointError` naming the op
and the line of *your* code that created the node.

Use it as a block or as a global switch::

    with tg.debug_nans():
        g = tg.grad(loss)(params)

    tg.debug_nans(True)    # on until tg.debug_nans(False)

When the mode is off the engine pays one flag test per op. Only while it is
on does recording capture the creating source line of each node (a short
walk up the call stack).

The mode belongs to the thread that sets it: other threads are not checked
(a new thread starts with it off).
"""
from __future__ import annotations

import builtins
import linecache
import os
import sys
import threading
import weakref

import numpy as np

from . import staging
from .tensor import concrete
from .tree import tree_flatten, tree_unflatten

__all__ = ["debug_nans", "is_debugging_nans", "print", "callback", "NonFiniteError"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SKIP_FILES = ("contextlib.py", "functools.py")

# node -> "file:line in function: source", filled only while the mode is on
_sites: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

#: True while the checks are on in at least one thread; the engine tests it
#: once per op, and the checks then look at the calling thread's own switch
enabled = False


class NonFiniteError(FloatingPointError, RuntimeError):
    """What ``tg.debug_nans`` raises at a NaN or inf: a FloatingPointError (JAX's
    ``jax_debug_nans`` raises one) that is also a RuntimeError, what PyTorch's
    ``detect_anomaly`` raises, so ported ``except RuntimeError`` code catches it too."""


class _ThreadSwitch(threading.local):
    on = False
    token = None


_switch = _ThreadSwitch()
_on_threads = [0]  # how many threads have the mode on
_count_lock = threading.Lock()


class _Token:
    """Counts one thread as debugging; a thread that ends with the mode on is uncounted."""

    def __del__(self):
        _adjust(-1)


def _adjust(step: int) -> None:
    global enabled
    with _count_lock:
        _on_threads[0] += step
        enabled = _on_threads[0] > 0


def _set(on: bool) -> None:
    """Switch the calling thread's mode."""
    on = bool(on)
    if on == _switch.on:
        return
    _switch.on = on
    if on:
        _adjust(1)
        _switch.token = _Token()
    else:
        _switch.token = None  # the token's __del__ uncounts this thread

#: code objects of the engine functions that run derivative rules (the sweeps
#: add theirs): an op called from inside one is part of a rule, not user code
RULE_RUNNERS: set = set()


class debug_nans:
    """Switch NaN/inf checking on (``debug_nans()`` / ``debug_nans(True)``) or off.

    Calling it sets the mode at once; used in a ``with`` statement, the
    previous mode comes back when the block ends. The error is a
    ``FloatingPointError`` naming the op, whether the forward, VJP or JVP rule
    produced the value, and the user's source line that created the node.
    """

    def __init__(self, enable: bool = True):
        self._previous = _switch.on
        _set(enable)

    def __enter__(self) -> "debug_nans":
        return self

    def __exit__(self, *exc) -> None:
        _set(self._previous)

    def __repr__(self) -> str:
        return f"debug_nans({_switch.on})"


def is_debugging_nans() -> bool:
    """True while the NaN/inf checks are on in the calling thread."""
    return _switch.on


# --------------------------------------------------------------------------
# hooks called by the engine when the mode is on
# --------------------------------------------------------------------------

def _ours(f) -> bool:
    """Whether frame ``f`` runs tensorgrad's code (or a decorator's wrapper around it)."""
    name = f.f_code.co_filename
    return os.path.abspath(name).startswith(_PACKAGE_DIR + os.sep) or name.endswith(_SKIP_FILES)


def _user_frame():
    """The innermost stack frame outside the tensorgrad package."""
    f = sys._getframe(1)
    while f is not None and _ours(f):
        f = f.f_back
    return f


def user_stacklevel() -> int:
    """The ``stacklevel`` that makes ``warnings.warn``, called where this is called, show the
    innermost line outside the tensorgrad package (as NumPy's warnings show the caller's)."""
    f, level = sys._getframe(1), 1
    while f is not None and _ours(f):
        f, level = f.f_back, level + 1
    return level


def _describe_frame(f) -> str:
    if f is None:
        return "an unknown line"
    line = linecache.getline(f.f_code.co_filename, f.f_lineno).strip()
    where = f"{f.f_code.co_filename}:{f.f_lineno} in {f.f_code.co_name}"
    return f"{where}: {line}" if line else where


def note_site(node) -> None:
    """Remember where the user created ``node`` (called at record time)."""
    if _switch.on:
        _sites[node] = _describe_frame(_user_frame())


def site_of(node) -> str | None:
    """The source line that created ``node``, if it was recorded in debug mode."""
    return _sites.get(node) if node is not None else None


def _in_rule() -> bool:
    """True while the engine evaluates a derivative rule (their results are checked instead)."""
    f = sys._getframe(2)
    while f is not None:
        if f.f_code in RULE_RUNNERS:
            return True
        f = f.f_back
    return False


def _bad(value):
    """(count, total, first index, kinds) of the non-finite entries of ``value``, or None."""
    v = np.asarray(concrete(value))
    if v.dtype.kind not in "fc" or v.size == 0:
        return None
    ok = np.isfinite(v)
    if ok.all():
        return None
    first = np.unravel_index(int(np.argmin(ok.ravel())), v.shape) if v.ndim else ()
    kinds = []
    if np.isnan(v).any():
        kinds.append("NaN")
    if v.dtype.kind == "c":  # (np.isposinf has no complex loop: an infinite part is "inf")
        if np.isinf(v).any():
            kinds.append("inf")
    else:
        if np.isposinf(v).any():
            kinds.append("+inf")
        if np.isneginf(v).any():
            kinds.append("-inf")
    return int((~ok).sum()), v.size, tuple(int(i) for i in first), "/".join(kinds)


def _inputs_note(vals) -> str:
    for v in vals:
        if _bad(v) is not None:
            return " (an input already held NaN/inf: it came from earlier, unchecked code)"
    return ""


def check_forward(op, vals, params, out) -> None:
    """Raise if an op's forward result holds NaN/inf (not while inside a derivative rule)."""
    if not _switch.on:
        return
    bad = _bad(out)
    if bad is None or _in_rule():
        return
    n, size, first, kinds = bad
    shapes = ", ".join(str(np.shape(np.asarray(_plain(v)))) for v in vals)
    raise NonFiniteError(
        f"debug_nans: the forward of op {op.name!r} produced {kinds} ({n} of {size} entries, "
        f"first at index {first}); input shapes {shapes}{_inputs_note(vals)}; "
        f"called from {_describe_frame(_user_frame())}")


def forward(op, vals, params):
    """The op's forward, checked: a NaN or inf it makes raises :class:`NonFiniteError`, which
    names the op and the line, instead of NumPy's floating-point warning (a warning turned into
    an error would otherwise come first, naming neither)."""
    if not _switch.on:  # (another thread is debugging)
        return op.forward(*vals, *params)
    with np.errstate(all="ignore"):
        out = op.forward(*vals, *params)
    check_forward(op, vals, params, out)
    return out


def check_rule(op, which: str, i, value, node) -> None:
    """Raise if a VJP or JVP rule returned NaN/inf."""
    if not _switch.on:
        return
    bad = _bad(value)
    if bad is None:
        return
    n, size, first, kinds = bad
    arg = f" for input {i}" if i is not None else ""
    site = site_of(node)
    where = f"the node was created at {site}" if site is not None else \
        f"called from {_describe_frame(_user_frame())}"
    raise NonFiniteError(
        f"debug_nans: the {which} rule of op {op.name!r}{arg} produced {kinds} "
        f"({n} of {size} entries, first at index {first}); {where}")


def check_tangents(who: str, values) -> None:
    """Raise if the output tangents a custom JVP rule returned hold NaN/inf (under forward
    mode its arithmetic is the rule's own, which no op's check sees)."""
    if not _switch.on:
        return
    for k, v in enumerate(values):
        bad = _bad(v)
        if bad is not None:
            n, size, first, kinds = bad
            raise NonFiniteError(
                f"debug_nans: the JVP rule of {who} produced {kinds} in output tangent {k} "
                f"({n} of {size} entries, first at index {first}); called from "
                f"{_describe_frame(_user_frame())}")


def _plain(v):
    return concrete(v)


# ---- print and callback (jax.debug's) ---------------------------------------------------------

def callback(callback, *args, ordered: bool = False, **kwargs) -> None:
    """Call ``callback(*args, **kwargs)`` with the plain values of ``args`` (pytrees of
    arrays), as ``jax.debug.callback``: inside ``tg.grad``, ``tg.vmap`` and the other
    transforms it sees NumPy arrays, and inside ``tg.jit`` it runs at every call of the
    compiled function with that call's values (not once while tracing). Its result is
    ignored. Under ``tg.jit`` only calls whose arguments depend on the jitted function's
    inputs are replayed; one on constants alone runs once, while tracing."""
    leaves, td = tree_flatten((args, kwargs))
    values = [concrete(v) for v in leaves]

    def run(*values):
        a, kw = tree_unflatten(td, list(values))
        callback(*a, **kw)
    staging.effect(run, *values)


def _print(fmt: str, *args, ordered: bool = False, **kwargs) -> None:
    """Print ``fmt.format(*args, **kwargs)`` with the plain values of the arguments, as
    ``jax.debug.print``: inside ``tg.jit`` at every call of the compiled function, with
    that call's values (see :func:`callback`)."""
    if not isinstance(fmt, str):
        raise TypeError(f"debug.print: the format must be a string, got {type(fmt).__name__}")
    callback(lambda *a, **kw: builtins.print(fmt.format(*a, **kw)), *args, **kwargs)


print = _print  # noqa: A001  (jax.debug.print; the module's own code calls builtins.print)
