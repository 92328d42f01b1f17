"""Staging: values that record what is computed from them (the tracer of ``tg.jit``).

While :func:`tensorgrad.jit` traces a function, each input array is replaced
by a :class:`Staged` value: it holds the concrete array of this call (so
shapes, dtypes and the trace-time results are all real), and every NumPy
computation that reads it is appended to a :class:`Program` instead of being
lost. Three routes lead into the program:

* tensorgrad ops: :func:`tensorgrad.recording.call_forward` records one step
  per op forward (the op's own NumPy function, whatever branches it takes
  inside), so the forward pass, and every VJP/JVP rule the sweeps run (rules
  are written with ops), land in the program as op calls;
* NumPy: a staged value implements ``__array_ufunc__`` and
  ``__array_function__``, so ``np.greater(concrete(x), 0)`` in a rule, a mask
  or an ``np.where`` are recorded too, never baked in as trace-time constants;
* operators and array methods (``x * 2``, ``x.sum()``, ``x[i]``) record the NumPy call
  (``mean``/``var``/``std`` the op's, which gives an empty slice's NaN without a warning).

Whatever needs the *value* of a staged array to decide something in Python
(``bool()``, ``float()``, ``int()``, ``.item()``, ``np.asarray``, an index
made of it, a shape depending on it) raises :class:`ConcretizationError` at
trace time: a replay could otherwise follow the branch taken while tracing
for inputs that should take another. Everything else a traced function
computes without reading a staged value (closed-over arrays and what is
computed from them) is a constant of the program, fixed at trace time.

This module sits at the bottom of the package with :mod:`tensorgrad.tensor`.
"""
from __future__ import annotations

import threading

import numpy as np

from .plan_cache import PlanCache
from .nan_quiet import NAN_WARNINGS, quiet_step
from .staging_errors import ClosedOver, ConcretizationError, out_refused
from .staging_errors import concretization as _concretization
from .staging_errors import shape_guarded as _shape_guarded, shapes as _shapes, unvetted as _unvetted
from .tensor import Tensor

__all__ = ["Staged", "Program", "ConcretizationError", "Ref", "PlanCache", "is_staged", "call", "check",
           "as_array", "may_any", "active", "find_staged", "trace_values", "out_refused"]


#: number of programs being recorded (in any thread): a one-load test for the
#: engine's hot path. Which program a value belongs to is carried by the value.
active = 0
_lock = threading.Lock()
_here = threading.local()  # depth of the programs this thread is recording


def tracing_here() -> bool:
    """Whether this thread is recording a jit program (``active`` counts every thread)."""
    return getattr(_here, "depth", 0) > 0


def recording_programs() -> list:
    """The programs this thread is recording, outermost first."""
    progs = getattr(_here, "programs", None)
    if progs is None:
        progs = _here.programs = []
    return progs


class Ref:
    """A reference to a program slot inside a recorded call's arguments."""

    __slots__ = ("slot",)

    def __init__(self, slot: int):
        self.slot = slot

    def __repr__(self) -> str:
        return f"v{self.slot}"


class Step:
    """One recorded call: ``out = fn(*args, **kwargs)``, or a method of ``args[0]``.

    ``kind`` is "call", "method" (``args[0].<fn>(*args[1:])``) or "item"
    (``args[0][args[1]]``, the elements of a call that returned a tuple).
    """

    __slots__ = ("kind", "fn", "args", "kwargs", "out", "value", "effect", "err")

    def __init__(self, kind, fn, args, kwargs, out, value, effect=False, err=None):
        self.kind = kind
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.out = out
        self.value = value
        self.effect = effect  # a check: kept even though no output needs its result
        # NumPy's error handling the call ran under while tracing, where the library (or the
        # function) changed it (np.errstate: e.g. 0·∞ in a branch where() discards); the
        # replay runs the call under the same settings
        self.err = err

    def refs(self):
        found = []
        _collect_refs(self.args, found)
        _collect_refs(self.kwargs, found)
        return found


def _collect_refs(obj, found):
    t = type(obj)
    if t is Ref:
        found.append(obj.slot)
    elif t is tuple or t is list:
        for o in obj:
            _collect_refs(o, found)
    elif t is dict:
        for o in obj.values():
            _collect_refs(o, found)


class Program:
    """The calls recorded while tracing: inputs, steps, and the value of each slot."""

    def __init__(self, name: str = "f"):
        self.name = name
        self.steps: list[Step] = []
        self.inputs: list[int] = []
        self.values: list = []  # slot -> trace-time value
        self.open = True
        self.err0 = np.geterr()  # NumPy's error handling when the trace began
        self.guards: list = []  # state read while tracing (see tensorgrad.jit_aot.note_read)
        self.guard_ids: set = set()  # (the owners noted: one guard each)

    def __enter__(self) -> "Program":
        global active
        with _lock:
            active += 1
        _here.depth = getattr(_here, "depth", 0) + 1
        recording_programs().append(self)
        return self

    def __exit__(self, *exc) -> None:
        global active
        self.open = False
        _here.depth -= 1
        recording_programs().remove(self)
        with _lock:
            active -= 1

    def live_steps(self, needed: set) -> list:
        """The steps the slots ``needed`` depend on (and the checks), in order: dead-code
        elimination for a plan or a jaxpr. ``needed`` grows by what they read."""
        keep = []
        for st in reversed(self.steps):
            if st.out in needed or st.effect or getattr(st.fn, "checks_values", False):
                keep.append(st)
                needed.update(st.refs())
        keep.reverse()
        return keep

    def _slot(self, value) -> int:
        self.values.append(value)
        return len(self.values) - 1

    def input(self, value) -> "Staged":
        """A staged input holding ``value`` (a read-only view, as the eager transforms pass)."""
        if type(value) is np.ndarray and value.flags.writeable:
            value = value.view()
            value.flags.writeable = False
        s = self._slot(value)
        self.inputs.append(s)
        return Staged(value, s, self)

    def emit(self, kind: str, fn, args: tuple, kwargs: dict, what: str, effect: bool = False,
             kept: bool = False, shapes_static: bool = False):
        """Record ``fn`` on ``args`` (which hold staged values) and run it on the real values.

        ``effect``: a check, whose result is not staged; ``kept``: a staged result whose step
        runs at every replay even when nothing reads it (a callback with side effects)."""
        if not self.open:
            raise ConcretizationError(
                f"tg.jit: a traced value of {self.name!r} was used after its trace ended (it "
                "escaped through a global, a closure or an attribute); return values from the "
                "jitted function instead")
        targs, rargs = _split(args, self, what)
        tkw, rkw = _split(kwargs, self, what) if kwargs else ({}, {})
        try:
            if kind == "call":
                value = fn(*rargs, **rkw)
            elif kind == "method":
                value = getattr(rargs[0], fn)(*rargs[1:], **rkw)
            else:  # pragma: no cover - items are emitted by _wrap only
                raise ValueError(kind)
        except (ValueError, TypeError, IndexError) as exc:  # NumPy's own message, with context
            if isinstance(exc, ConcretizationError):
                raise
            raise _with_context(exc, f"{what} in tg.jit's trace of {self.name!r}: {exc} "
                                     f"(operands: {', '.join(describe_values(rargs))})") from exc
        err = np.geterr()
        err = None if err == self.err0 else {k: v for k, v in err.items() if v != self.err0[k]}
        if effect:  # (a check recorded inside jnp.nanmedian: replayed without NumPy's warning)
            s, fn = self._slot(value), quiet_step(fn) if NAN_WARNINGS.off and kind == "call" else fn
            self.steps.append(Step(kind, fn, targs, tkw, s, value, effect=True, err=err))
            return value
        if value is None:
            raise ConcretizationError(
                f"tg.jit: {what} returned nothing, i.e. it works in place on its arguments; "
                "in-place NumPy calls (out=, np.copyto, ufunc.at, item assignment) cannot be "
                "recorded on traced values. Write the computation out of place")
        if not shapes_static and type(fn) is not np.ufunc and fn != "__getitem__":
            # (see _shape_guarded: not for ufuncs, indexing and registry ops, whose result
            # shapes follow from their arguments' shapes)
            integer = _reads_integers((args, kwargs))
            if integer or _unvetted(kind, fn, args):
                fn, kind = _shape_guarded(kind, fn, what, self.name, _shapes(value), integer), "call"
        if NAN_WARNINGS.off and kind == "call":  # (jnp.nanmean's: replayed without the warning)
            fn = quiet_step(fn)
        return self._wrap(kind, fn, targs, tkw, value, err, kept)

    def _wrap(self, kind, fn, targs, tkw, value, err=None, kept=False):
        s = self._slot(value)
        self.steps.append(Step(kind, fn, targs, tkw, s, value, effect=kept, err=err))
        return self._parts(value, s)

    def _parts(self, value, s: int):
        """The traced value of slot ``s``; a tuple or list (NumPy's named results, such as
        eigh's, and lists inside them) part by part, each array an item step of its own, so
        none is left a constant of the trace."""
        if not isinstance(value, (tuple, list)):
            return Staged(value, s, self)
        parts = []
        for k, v in enumerate(value):
            if isinstance(v, (np.ndarray, np.generic, tuple, list)):
                ps = self._slot(v)
                self.steps.append(Step("item", None, (Ref(s), k), {}, ps, v))
                v = self._parts(v, ps)
            parts.append(v)
        if type(value) in (tuple, list):
            return type(value)(parts)
        if hasattr(value, "_make"):  # a named tuple (np.linalg.eigh's EighResult, ...)
            return value._make(parts)
        raise ConcretizationError(f"tg.jit: a result of type {type(value).__name__} (a tuple or "
                                  "list subclass) cannot be traced part by part")


def check_numeric(leaves) -> None:
    """TypeError unless every array among a jitted function's arguments is numeric (a plan
    cannot compute on objects or strings)."""
    for k, v in enumerate(leaves):
        if np.dtype(v.dtype).kind in "OUS":  # (void: float0 tangents pass)
            raise TypeError(f"jit: argument leaf {k} (shape {np.shape(v)}) has dtype {v.dtype}; "
                            "tg.jit traces numeric arrays (mark it static with static_argnums/"
                            "static_argnames, or convert it)")


def _with_context(exc: Exception, message: str) -> Exception:
    """``exc``'s type with ``message`` (its nearest built-in base when its constructor wants
    other arguments, as NumPy's ufunc type errors do)."""
    for cls in (type(exc), IndexError, ValueError, TypeError):
        if isinstance(exc, cls):
            try:
                return cls(message)
            except Exception:  # noqa: BLE001 - a constructor with another signature
                continue
    return TypeError(message)  # pragma: no cover - every candidate above is a base of exc


def describe_values(values) -> list:
    """Each value's kind, shape and dtype, for an error message (an op's inputs, the operands
    of a NumPy call in a jit trace)."""
    parts = []
    for v in values:
        if isinstance(v, (np.ndarray, np.generic)):
            parts.append(f"array(shape={v.shape}, dtype={v.dtype})")
        elif isinstance(v, (int, float, complex, bool)):
            parts.append(f"{type(v).__name__}({v!r})")
        else:
            parts.append(type(v).__name__)
    return parts


def _split(obj, program: Program, what: str):
    """(template with Refs, the same with real values) for a call's arguments."""
    t = type(obj)
    if t is Staged:
        if obj.program is not program:
            if not obj.program.open:
                raise ConcretizationError(
                    "tg.jit: a traced value was used after its trace ended (it escaped through "
                    "a global, a closure or an attribute)")
            if program.open:  # a nested trace reads a value of the one around it (a
                # closure): the inner jit (or eval_shape) runs inline in the outer trace
                raise ClosedOver(f"jit: {what} reads a value traced by an enclosing jit trace")
            raise ConcretizationError("tg.jit: values traced by two different jit traces met "
                                      f"in {what}")
        return Ref(obj.slot), obj.value
    if t is tuple or t is list:
        pairs = [_split(o, program, what) for o in obj]
        return t(p[0] for p in pairs), t(p[1] for p in pairs)
    if t is dict:
        pairs = {k: _split(o, program, what) for k, o in obj.items()}
        return {k: p[0] for k, p in pairs.items()}, {k: p[1] for k, p in pairs.items()}
    if t is slice and any(type(e) is Staged for e in (obj.start, obj.stop, obj.step)):
        v = next(e for e in (obj.start, obj.stop, obj.step) if type(e) is Staged)
        raise _concretization("a slice bound (the result's shape would depend on it)", v)
    return obj, obj


def _reads_integers(obj) -> bool:
    """Whether nested tuples/lists/dicts hold a traced integer or boolean array or scalar."""
    t = type(obj)
    if t is Staged:
        return obj.dtype.kind in "iub"
    if t is tuple or t is list:
        return any(_reads_integers(o) for o in obj)
    return t is dict and any(_reads_integers(o) for o in obj.values())


def find_staged(obj):
    """The first staged value inside nested tuples/lists/dicts (or None)."""
    t = type(obj)
    if t is Staged:
        return obj
    if t is tuple or t is list:
        for o in obj:
            s = find_staged(o)
            if s is not None:
                return s
    elif t is dict:
        for o in obj.values():
            s = find_staged(o)
            if s is not None:
                return s
    return None


def is_staged(x) -> bool:
    return type(x) is Staged


def call(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``, recorded as one step when an argument is staged.

    For library code that computes with NumPy on values (label checks, index
    conversions) and must be replayed with the new values under ``tg.jit``.
    """
    s = find_staged(args)
    if s is None and kwargs:
        s = find_staged(kwargs)
    if s is None:
        return fn(*args, **kwargs)
    return s.program.emit("call", fn, args, kwargs, getattr(fn, "__name__", "a call"))


def call_kept(fn, *args):
    """:func:`call` of a function with side effects: a jit plan runs it at every call even
    when nothing reads its result (``io_callback``)."""
    s = find_staged(args)
    if s is None:
        return fn(*args)
    return s.program.emit("call", fn, args, {}, getattr(fn, "__name__", "a call"), kept=True)


def check(fn, *args) -> None:
    """Run ``fn(*args)`` (a check that raises on bad values), and again at every replay of a
    jit plan when an argument is staged (its result is not used)."""
    s = find_staged(args)
    if s is None:
        fn(*args)
    else:
        s.program.emit("call", fn, args, {}, getattr(fn, "__name__", "a check"), effect=True)


_QUIET = threading.local()


class silent_effects:
    """Within it effects (:func:`effect`, ``io_callback``, ``pure_callback``) do nothing: for code
    run for its result's type alone (a ``lax.cond`` branch not taken), as JAX never runs it."""

    def __enter__(self):
        _QUIET.depth = getattr(_QUIET, "depth", 0) + 1

    def __exit__(self, *exc):
        _QUIET.depth -= 1
    active = staticmethod(lambda: getattr(_QUIET, "depth", 0) > 0)  # (inside one, now?)

def effect(fn, *args) -> None:
    """Run the side effect ``fn(*args)`` (its result is ignored) once per call of the code
    around it: now, or, when an argument is staged, at every run of the jit plan -- and not
    also while it is traced (the trace runs each step on its example values once)."""
    if getattr(_QUIET, "depth", 0):
        return
    tracing = [find_staged(args) is not None]

    def step(*values):
        if not tracing[0]:
            fn(*values)
    step.__name__ = getattr(fn, "__name__", "a side effect")
    check(step, *args)
    tracing[0] = False


def as_array(v, dtype=None, copy: bool = False):
    """``np.array(v, dtype, copy=copy)`` that keeps a staged value staged."""
    if type(v) is Staged:
        if dtype is not None and np.dtype(dtype) != v.dtype:
            return v.astype(dtype)
        return v
    return np.array(v, dtype=dtype, copy=True) if copy else np.asarray(v, dtype=dtype)


def may_any(mask) -> bool:
    """``np.any(mask)``, or True for a staged mask (its value is only known at run time:
    the caller takes the general path, which must also be right when no entry is true)."""
    if type(mask) is Staged:
        return True
    return bool(np.any(mask))


# -------------------------------- the staged value --------------------------------

#: NumPy functions that read only shapes and dtypes: answered from the trace-time value
_METADATA = {np.shape, np.ndim, np.size, np.result_type, np.iscomplexobj, np.isrealobj,
             np.can_cast, np.zeros_like, np.ones_like, np.empty_like, np.full_like}
#: NumPy functions that write into an argument and return nothing
_IN_PLACE = {np.copyto, np.putmask, np.place, np.put, np.put_along_axis, np.fill_diagonal}
#: NumPy functions whose result's shape depends on the values
_VALUE_SHAPED = {np.nonzero, np.flatnonzero, np.argwhere, np.unique, np.extract, np.compress,
                 np.trim_zeros, np.bincount, np.real_if_close}  # (real_if_close: its dtype)
#: (others, np.intersect1d, trace: their steps check the size at each replay, _shape_guarded)


def _all_arguments(args, kwargs):
    return args, kwargs


#: the arguments that set the result's shape where others need not be constants
#: (``np.bincount(i, weights=v)`` and ``np.compress(mask, v)`` record with a traced ``v``)
_DECIDING = {np.bincount: lambda a, k: (a[:1], a[2:], k.get("x"), k.get("minlength")),
             np.compress: lambda a, k: (a[:1], a[2:3], k.get("condition"), k.get("axis")),
             np.extract: lambda a, k: (a[:1], k.get("condition"))}


def trace_values(obj):
    """``obj`` with staged values replaced by their trace-time values (for metadata)."""
    t = type(obj)
    if t is Staged:
        return obj.value
    if t is tuple or t is list:
        return t(trace_values(o) for o in obj)
    if t is dict:
        return {k: trace_values(o) for k, o in obj.items()}
    return obj


def _binary(ufunc, reflected=False):
    def op(self, other):
        if type(other) is Tensor:
            return NotImplemented  # the Tensor records it on its tape (it defers to us otherwise)
        if reflected:
            return self.program.emit("call", ufunc, (other, self), {}, f"numpy.{ufunc.__name__}")
        return self.program.emit("call", ufunc, (self, other), {}, f"numpy.{ufunc.__name__}")
    return op


def _unary(ufunc):
    def op(self):
        return self.program.emit("call", ufunc, (self,), {}, f"numpy.{ufunc.__name__}")
    return op


ROUTED_METHODS: dict = {}  #: ndarray methods ops answer (x.mean() of an empty slice: tg.mean's NaN)


def _method(name):
    def m(self, *args, **kwargs):
        kw = {k: v for k, v in kwargs.items() if v is not None or k not in ("dtype", "out")}
        if name in ROUTED_METHODS and len(args) <= 1 and kw.keys() <= {"axis", "keepdims", "ddof"}:
            return ROUTED_METHODS[name](self, *args, **kw)
        return self.program.emit("method", name, (self,) + args, kwargs, f"ndarray.{name}")
    m.__name__ = name
    return m


class Staged:
    """A traced array: its trace-time value, and the program slot that computes it.

    It behaves like the ndarray it stands for wherever only shapes and dtypes
    matter; computations on it are recorded; turning it into a Python value
    raises :class:`ConcretizationError`.
    """

    __slots__ = ("value", "slot", "program", "__weakref__")
    __array_priority__ = 100

    def __init__(self, value, slot: int, program: Program):
        self.value = value
        self.slot = slot
        self.program = program

    # a staged value stands for an immutable array: a copy is the value itself (a deep copy
    # of its program would be a second, unrelated trace)
    def __copy__(self) -> "Staged":
        return self

    def __deepcopy__(self, memo) -> "Staged":
        return self

    # ---- metadata -------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return np.shape(self.value)

    @property
    def dtype(self):
        v = self.value
        return v.dtype if hasattr(v, "dtype") else np.result_type(v)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.itemsize

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d array")
        return self.shape[0]

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        return f"traced(shape={self.shape}, dtype={self.dtype})"

    def __format__(self, spec: str) -> str:
        if not spec:  # (f"{x}", as str(x): the placeholder)
            return repr(self)
        raise _concretization(f"formatting with a format spec (f\"{{x:{spec}}}\")", self)

    def __hash__(self):  # (a dict key or a set member: equality would need the value)
        raise _concretization("hashing (as a dict key or a set member)", self)

    # ---- what needs a value -------------------------------------------------------
    def __bool__(self):
        raise _concretization("bool() (an if/while/and/or on it, or a comparison used as a "
                              "condition)", self)

    def __float__(self):
        raise _concretization("float()", self)

    def __int__(self):
        raise _concretization("int()", self)

    def __complex__(self):
        raise _concretization("complex()", self)

    def __index__(self):
        raise _concretization("use as a Python integer (an index, a size, range())", self)

    def item(self, *args):
        raise _concretization(".item()", self)

    def tolist(self):
        raise _concretization(".tolist()", self)

    def __array__(self, dtype=None, copy=None):
        raise _concretization("np.asarray()/np.array() (or storing it into a NumPy array)", self)

    def __reduce__(self):
        raise _concretization("pickling", self)

    def __getattr__(self, name: str):  # (only after the attributes above are not found)
        if name == "device":
            return "cpu"
        if name.startswith("_") or not hasattr(np.ndarray, name):
            raise AttributeError(f"'Staged' object has no attribute {name!r}")
        # an AttributeError, as JAX's tracers lack these (hasattr(x, "strides") is False there)
        raise AttributeError(f"tg.jit: a traced array (shape {self.shape}, dtype {self.dtype}) "
                             f"has no ndarray.{name}: its memory only exists when the compiled "
                             "function runs. Compute with it, or call the function without "
                             "tg.jit (tg.disable_jit()) to see the array itself")

    def __setitem__(self, idx, value):
        raise ConcretizationError("tg.jit: item assignment on a traced array; arrays are "
                                  "immutable inside tg.jit, build the new value with "
                                  "x.at[index].set(value), tg.where or tg.concatenate")

    # ---- NumPy protocols ------------------------------------------------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if any(type(i) is Tensor for i in inputs):
            return NotImplemented
        if "out" in kwargs or method == "at":
            raise ConcretizationError(
                f"tg.jit: numpy.{ufunc.__name__}.{method} writes in place (out= or .at) with a "
                "traced value; write it out of place (e.g. x = x + y)")
        fn = ufunc if method == "__call__" else getattr(ufunc, method)
        name = ufunc.__name__ if method == "__call__" else f"{ufunc.__name__}.{method}"
        return self.program.emit("call", fn, inputs, kwargs, f"numpy.{name}")

    def __array_function__(self, func, types, args, kwargs):
        if Tensor in types:
            return NotImplemented
        if func in _METADATA and not (func is np.full_like and find_staged(
                (args[1:], kwargs.get("fill_value"))) is not None):  # (a traced fill: recorded)
            return func(*trace_values(args), **trace_values(kwargs))
        if func in _VALUE_SHAPED:  # refused where a traced argument sets the shape or dtype
            s = find_staged(_DECIDING.get(func, _all_arguments)(args, kwargs))
            if s is not None:
                raise _concretization(f"numpy.{func.__name__} (its result's shape or dtype "
                                      "depends on the values)", s)
        if kwargs.get("out") is not None:  # (the plan would replay the trace-time value)
            raise out_refused(f"numpy.{func.__name__}")
        if func in _IN_PLACE:  # refused before it runs: the caller's array stays as it was
            raise ConcretizationError(
                f"tg.jit: numpy.{func.__name__} writes in place into its first argument, with a "
                "traced value; in-place NumPy calls cannot be recorded. Write the computation "
                "out of place (tg.where(mask, values, a), a.at[index].set(values))")
        if func in (np.mean, np.var, np.std) and args and type(args[0]) is Staged:
            return getattr(args[0], func.__name__)(*args[1:], **kwargs)  # see ROUTED_METHODS
        return self.program.emit("call", func, args, kwargs, f"numpy.{func.__name__}")

    def __getitem__(self, index):
        idx = index if type(index) is tuple else (index,)
        for i in idx:
            if type(i) is Staged and i.dtype == bool:
                raise _concretization("a boolean mask index (the result's shape depends on "
                                      "the mask); use tg.where(mask, x, 0) instead", i)
        return self.program.emit("method", "__getitem__", (self, index), {}, "indexing")

    # ---- array methods -------------------------------------------------------------------
    @property
    def T(self):
        return self.program.emit("method", "transpose", (self,), {}, "ndarray.T")

    @property
    def mT(self):
        return self.program.emit("method", "swapaxes", (self, -1, -2), {}, "ndarray.mT")

    @property
    def real(self):
        return self.program.emit("call", np.real, (self,), {}, "ndarray.real")

    @property
    def imag(self):
        return self.program.emit("call", np.imag, (self,), {}, "ndarray.imag")

    def nonzero(self):
        raise _concretization("nonzero() (its result's shape depends on the values)", self)

    def compress(self, condition, axis=None, out=None):
        traced = find_staged(condition)
        if traced is not None:
            raise _concretization("compress() with a traced condition (the result's shape "
                                  "depends on it)", traced)
        return self.program.emit("method", "compress", (self, condition, axis), {} if out is None
                                 else {"out": out}, "ndarray.compress")

    def _in_place(self, *args, **kwargs):
        raise ConcretizationError("tg.jit: this ndarray method changes a traced array in place; "
                                  "arrays are immutable inside tg.jit, use the function that "
                                  "returns a new value (np.sort(x), x.at[index].set(v), ...)")

    sort = fill = put = partition = resize = itemset = _in_place


for _name in ("sum", "mean", "prod", "max", "min", "any", "all", "argmax", "argmin", "std",
              "var", "reshape", "astype", "transpose", "swapaxes", "ravel", "flatten", "squeeze",
              "copy", "clip", "cumsum", "cumprod", "dot", "round", "repeat", "take", "conj",
              "conjugate", "diagonal", "trace", "view", "argsort", "argpartition",
              "searchsorted", "choose"):
    setattr(Staged, _name, _method(_name))
# round(x): NumPy's round (an ndarray of one or more dimensions has no __round__), as a Tensor's
Staged.__round__ = lambda self, ndigits=None: self.program.emit(
    "call", np.round, (self, 0 if ndigits is None else ndigits), {}, "round")

for _op, _uf in (("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                 ("truediv", np.true_divide), ("floordiv", np.floor_divide), ("mod", np.remainder),
                 ("pow", np.power), ("matmul", np.matmul), ("and", np.bitwise_and),
                 ("or", np.bitwise_or), ("xor", np.bitwise_xor), ("divmod", np.divmod),
                 ("lshift", np.left_shift), ("rshift", np.right_shift)):
    setattr(Staged, f"__{_op}__", _binary(_uf))
    setattr(Staged, f"__r{_op}__", _binary(_uf, reflected=True))
for _op, _uf in (("lt", np.less), ("le", np.less_equal), ("gt", np.greater),
                 ("ge", np.greater_equal), ("eq", np.equal), ("ne", np.not_equal)):
    setattr(Staged, f"__{_op}__", _binary(_uf))
for _op, _uf in (("neg", np.negative), ("pos", np.positive), ("abs", np.absolute),
                 ("invert", np.invert)):
    setattr(Staged, f"__{_op}__", _unary(_uf))
del _name, _op, _uf
