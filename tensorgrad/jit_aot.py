"""A jitted function's plans, and their ahead-of-time use as JAX spells it:
``tg.jit(f).lower(*args)`` gives the plan for those arguments (a :class:`Lowered`),
``.compile()`` a callable that runs only that plan (a :class:`Compiled`); and
:func:`disable_jit`, which makes jitted functions run eagerly."""
from __future__ import annotations

import contextlib
import operator
import threading
import weakref

import numpy as np

from . import staging
from .tensor import Tensor


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


def note_read(owner, value, read, via=None) -> None:
    """Tell the jit traces this thread records that they read ``value``, the state of
    ``owner`` that ``read(owner)`` gives (a Module's remembered parameters).

    Their plans bake it in, so they replay only while ``read(owner)`` still gives that very
    object (see :func:`guards_hold`): a model given new parameters (``net.params = new``, an
    assignment into a layer, ``load_state_dict``, ``requires_grad_()``) makes them trace
    again. ``via``: ``value`` is an entry of the parameters of ``via.module`` (a layer held by
    a model), whose own read is noted instead (up to the model at the root: an assignment into
    a layer gives the root new parameters). One note per owner and trace, so a replay checks
    each model once, whatever its size. (Writing into the parameters' arrays or containers in
    place is not seen, as for any closed-over array.)
    """
    if not staging.active:
        return
    progs = staging.recording_programs()
    if not progs:
        return
    if via is not None:
        read(via.module)  # (its own read notes it)
        return
    if value is None:
        return
    key = id(owner)
    guard = None
    for prog in progs:
        if key not in prog.guard_ids:
            prog.guard_ids.add(key)
            guard = guard or (weakref.ref(owner), read, value)
            prog.guards.append(guard)


_VALUE = operator.attrgetter("_value")


def note_constants(args: tuple) -> None:
    """:func:`note_read` for each tensor of no trace among an op's arguments that a jit trace
    reads (a closed-over ``tg.tensor(a)``, or a frozen parameter): its value is baked into the
    plan, and an in-place update (``w.mul_(2)``, ``w.data = ...``, ``w[0] = ...``) or
    ``requires_grad_()`` gives it a new one, so the plan must trace again."""
    if not staging.tracing_here():
        return
    for a in args:
        if type(a) is Tensor and a._trace is None and type(a._value) is np.ndarray:
            note_read(a, a._value, _VALUE)


def guards_hold(guards: tuple) -> bool:
    """Whether the state a plan read while tracing (:func:`note_read`) is still in place: one
    identity test per model."""
    for ref, read, value in guards:
        owner = ref()
        if owner is not None and read(owner) is not value:  # (gone: nothing can change it)
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
