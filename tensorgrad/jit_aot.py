"""A jitted function's plans, and their ahead-of-time use as JAX spells it:
``tg.jit(f).lower(*args)`` gives the plan for those arguments (a :class:`Lowered`),
``.compile()`` a callable that runs only that plan (a :class:`Compiled`); and
:func:`disable_jit`, which makes jitted functions run eagerly."""
from __future__ import annotations

import contextlib
import threading
import weakref

import numpy as np

from . import staging
from .tree import tree_leaves


class Plan:
    """A compiled trace: ``fn(*leaves)`` runs it; ``source`` is its Python text.

    ``num_steps`` counts the NumPy calls left after dead-code elimination and
    merging of repeated calls; ``recorded`` counts the calls recorded.
    """

    #: the state the trace read (see :func:`note_read`): the plan runs while it holds
    guards: tuple = ()

    def __init__(self, fn, source: str, num_steps: int, recorded: int, reused: int):
        self.fn = fn
        self.source = source
        self.num_steps = num_steps
        self.recorded = recorded
        self.reused = reused

    def __repr__(self) -> str:
        return (f"<Plan: {self.num_steps} NumPy calls ({self.recorded} recorded), "
                f"{self.reused} buffers reused>")


class Lowered:
    """The plan of a jitted function for one signature (tree structure, shapes, dtypes,
    static values): ``compile()`` gives its callable, ``as_text()`` its Python source. The
    plan's own attributes read through (``source``, ``num_steps``, ``recorded``,
    ``reused``, ``fn``)."""

    def __init__(self, jitted, key, plan, statics=(0, {}, {})):
        self._jitted, self._key, self.plan = jitted, key, plan
        self._statics = statics

    def __getattr__(self, name):
        if name.startswith("__") or name == "plan":
            raise AttributeError(name)
        return getattr(self.plan, name)

    def __repr__(self) -> str:
        return f"<Lowered {self._jitted._name}: {self.plan!r}>"

    def as_text(self) -> str:
        """The plan's Python source (JAX gives its compiler's text here)."""
        return self.plan.source

    def compile(self) -> "Compiled":
        """A callable that runs this plan for arguments of the same signature."""
        return Compiled(self._jitted, self._key, self.plan, self._statics)


class Compiled:
    """A plan as a function of the arguments that are not static (as JAX's compiled
    functions: the static ones were fixed when it was lowered; passing them all again works
    too). Arguments of another signature raise ``TypeError``, never a retrace."""

    def __init__(self, jitted, key, plan, statics=(0, {}, {})):
        self._jitted, self._key, self.plan = jitted, key, plan
        self._statics = statics

    def __repr__(self) -> str:
        return f"<Compiled {self._jitted._name}: {self.plan!r}>"

    def as_text(self) -> str:
        return self.plan.source

    def __call__(self, *args, **kwargs):
        n, spos, skw = self._statics
        if (spos or skw) and len(args) + len(spos) == n and not set(kwargs) & set(skw):
            given = iter(args)  # the static arguments put back where they were lowered
            args = tuple(spos[i] if i in spos else next(given) for i in range(n))
            kwargs = {**kwargs, **skw}
        key, leaves, fallback = self._jitted._signature(args, kwargs)
        if fallback or key != self._key:
            raise TypeError(f"compiled {self._jitted._name}: called with arguments of another "
                            "signature (tree structure, shapes, dtypes or static values) than "
                            "it was lowered for; call the jitted function itself, which traces "
                            "new signatures, or lower it again for these arguments")
        return self.plan.fn(*leaves)


def _own(v, *inputs):
    """A plan's output the caller may keep and write: copied when it is a view, read-only,
    or one of the caller's own input arrays (a branch or a callback that returned its input)."""
    if type(v) is np.ndarray and (v.base is not None or not v.flags.writeable
                                  or any(v is x for x in inputs)):
        return v.copy()
    return v


def _fresh_const(v):
    return v.copy() if type(v) is np.ndarray else v


def note_read(owner, value, read) -> None:
    """Tell the jit traces this thread records that they read ``value``, the state of
    ``owner`` that ``read(owner)`` gives (a Module's remembered parameters).

    Their plans bake it in, so they replay only while ``read(owner)`` still gives that
    object with the same leaves: a model given new parameters (``net.params = new``,
    ``requires_grad_()``, an assignment into a layer) makes them trace again. (Writing into
    one of its arrays in place is not seen, as for any closed-over array.)
    """
    if not staging.active or value is None:
        return
    progs = staging.recording_programs()
    if progs:
        guard = (weakref.ref(owner), read, value, tree_leaves(value))
        for prog in progs:
            prog.guards.append(guard)


def guards_hold(guards: tuple) -> bool:
    """Whether the state a plan read while tracing (:func:`note_read`) is still in place."""
    for ref, read, value, leaves in guards:
        owner = ref()
        if owner is None:  # (gone: nothing can change it any more)
            continue
        now = read(owner)
        if now is not value:
            return False
        new = tree_leaves(now)
        if len(new) != len(leaves) or any(a is not b for a, b in zip(new, leaves)):
            return False
    return True


#: bumped by every Module.train()/eval() and every change of the layers of a Module in use:
#: jitted functions traced before then forget their plans at their next call (Dropout and
#: BatchNorm record other steps in the other mode; a replaced layer, other steps)
MODES = [0]


class _Off(threading.local):
    on = False


_OFF = _Off()  # per thread: inside disable_jit()


@contextlib.contextmanager
def disable_jit(disable: bool = True):
    """Inside ``with tg.disable_jit():`` jitted functions run as written, eagerly (as
    ``jax.disable_jit``): Python control flow on values works and print shows numbers."""
    before, _OFF.on = _OFF.on, bool(disable)
    try:
        yield
    finally:
        _OFF.on = before
