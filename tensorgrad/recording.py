"""Recording: traces, tape nodes and ``bind``, which applies an op.

Every transform opens a *trace* with its own level (reverse: it records tape nodes; forward:
it carries tangents). A :class:`~tensorgrad.tensor.Tensor` belongs to at most one trace, and its
value may itself be a Tensor of a lower trace: that nesting is what keeps ``grad`` of ``grad``
and ``jacfwd`` of ``jacrev`` apart (no perturbation confusion).

:func:`bind` applies an op: it finds the highest trace among the arguments, computes the primal
result one level down (recursively), then records a node (reverse) or pushes tangents through the
JVP rules (forward); with no trace, it is the NumPy forward rule. The tape is the set of nodes,
numbered in execution order; :mod:`tensorgrad.sweep` runs it backwards.
"""
from __future__ import annotations

import itertools
import threading
import weakref

import numpy as np

from . import debug, staging
from .complexity import _seen as _complex_seen, check_node
from .guards import Held, frozen, plain_arrays, unlock
from .jit_aot import note_constants
from .sweep import node_jvp
from .tensor import STAMPS, Tensor, as_numpy_args, dtype_of, shape_of, torch_made, torch_style
from .torch_form import RULE_ARRAYS, as_rule_arrays
from .ufunc_keywords import MISSING, no_input, shown_as, with_keywords

__all__ = ["bind", "call_forward", "ReverseTrace", "ForwardTrace", "Node", "leaf_node",
           "new_reverse_trace", "new_forward_trace", "close_trace", "IMPERATIVE", "OpError",
           "imperative_paused", "no_grad_depth", "set_no_grad_depth", "enter_grad_mode",
           "exit_grad_mode", "pack", "use_stack", "use_zero_op", "stopped_by_no_grad",
           "unary_function", "binary_function", "OP_ERRORS"]


class OpError(ValueError):
    """An op rejected its inputs. The message names the op, shapes and dtypes."""


# ---- traces --------------------------------------------------------------

_levels = STAMPS  # (shared with torch_made: a constant made inside a transform numbers higher)


class ReverseTrace:
    """A recording level. Tensors on it carry the tape :class:`Node` that made them.

    ``locks`` is the :class:`~tensorgrad.guards.Held` that keeps the constants saved on this
    tape read-only (the transform releases it when its tape is no longer needed); None gives
    each node its own (imperative)."""

    __slots__ = ("level", "locks", "torch")  # (torch: see tensorgrad.flavor)
    forward = False
    jax = False  # see tensorgrad.jax_backend: a trace whose ops run as JAX functions

    def __init__(self, level: int):
        self.level = level
        self.locks = None
        self.torch = False


class ForwardTrace:
    """A forward-mode level. Tensors on it carry a tangent (or None = zero).

    ``batch_ndim`` is the number of leading batch axes every tangent on this
    trace carries (1 for ``jacfwd``, which pushes a whole basis at once).
    """

    __slots__ = ("level", "batch_ndim", "torch")
    forward = True
    jax = False
    dual = False  # (True for the levels of PyTorch's forward_ad, see DualTrace)

    def __init__(self, level: int, batch_ndim: int = 0):
        self.level = level
        self.batch_ndim = batch_ndim
        self.torch = False


class _ThreadState(threading.local):
    no_grad = 0  # depth of tg.no_grad() blocks in this thread
    exempt = 0  # of which blocks a custom Function's rules run in (tensorgrad.imperative.rule_mode)


_state = _ThreadState()
_paused = [0]  # number of threads inside tg.no_grad() (0: skip the per-thread lookup)
_paused_lock = threading.Lock()


class _ImperativeTrace(ReverseTrace):
    """The imperative tape. Its level is 0, or -1 in a thread inside ``no_grad()``."""

    __slots__ = ()
    pausable = True  # level -1 means paused, not closed: its tensors still require grad

    def __init__(self):
        self.locks = None
        self.torch = True

    @property
    def level(self) -> int:
        return -1 if _paused[0] and _state.no_grad else 0


#: The trace of imperative tensors (``tg.tensor(a, requires_grad=True)``).
#: It is the lowest level, so transforms nest above it. Recording on it can be
#: paused per thread (``tg.no_grad``).
IMPERATIVE = _ImperativeTrace()


def no_grad_depth() -> int:
    """This thread's ``no_grad`` depth (0: recording), to hand back to :func:`set_no_grad_depth`."""
    return _state.no_grad


def set_no_grad_depth(depth: int) -> None:
    """Set this thread's ``no_grad`` depth (0: recording), keeping the count of paused threads
    right. Blocks restore the depth they found (a lone ``set_grad_enabled`` lasts to its end)."""
    depth = max(int(depth), 0)
    old = _state.no_grad
    if (old > 0) != (depth > 0):
        with _paused_lock:
            _paused[0] += 1 if depth > 0 else -1
    _state.no_grad = depth


def enter_grad_mode(depth: int) -> int:
    """A grad-mode block (``no_grad``, ``enable_grad``) begins in this thread: set ``depth``
    and return the depth it found, for :func:`exit_grad_mode`."""
    found = _state.no_grad
    set_no_grad_depth(depth)
    return found


def exit_grad_mode(found: int) -> None:
    """A grad-mode block ends: the depth it found comes back, in the thread it ends in (as
    PyTorch's: a block ended out of order, an abandoned generator's, disturbs no other)."""
    set_no_grad_depth(found)


_STOPPABLE: dict = {}  # (trace class, no_grad depth) -> its class stopped by deeper no_grad


def _stoppable(base: type, since: int) -> type:
    """``base`` (a trace class; the same layout) whose level reads -1, as a closed trace's,
    while this thread is inside more ``no_grad`` blocks than ``since``."""
    cls = _STOPPABLE.get((base, since))
    if cls is None:
        slot = base.__dict__["level"]

        def level(self, _get=slot.__get__):
            return -1 if _state.no_grad - _state.exempt > since else _get(self)
        cls = _STOPPABLE[(base, since)] = type(base.__name__, (base,), {
            "__slots__": (), "level": property(level, slot.__set__)})
    return cls


class stopped_by_no_grad:
    """``with stopped_by_no_grad(traces):`` a ``tg.no_grad()`` block entered inside stops
    these reverse-mode levels as it stops the imperative tape: their ops give constants, as
    ``torch.func``'s reverse-mode transforms respect an inner ``torch.no_grad`` (a block
    around the transform does not stop it, and forward mode ignores it, as PyTorch's). Other
    traces (JAX's, forward_ad's) are left alone."""

    def __init__(self, traces, forward: bool = False):
        # (forward=True: forward-mode levels too, for PyTorch's autograd.functional)
        kinds = (ReverseTrace, ForwardTrace) if forward else (ReverseTrace,)
        self.traces = [t for t in traces if type(t) in kinds]

    def __enter__(self):
        for t in self.traces:
            t.__class__ = _stoppable(type(t), _state.no_grad - _state.exempt)
        return self

    def __exit__(self, *exc):
        for t in self.traces:
            t.__class__ = t.__class__.__mro__[1]
        return False


def imperative_paused() -> bool:
    """True while this thread is inside ``tg.no_grad()``."""
    return _state.no_grad > 0


def next_level() -> int:
    """A fresh level number: every trace opened after this call has a higher level (tg.vmap
    marks its slices with one, to tell transforms inside the mapped function from outer ones)."""
    return next(_levels)


def new_reverse_trace(held: Held | None = None) -> ReverseTrace:
    tr = ReverseTrace(next(_levels))
    tr.locks = held
    return tr


class DualTrace(ForwardTrace):
    """A level of ``tg.autograd.forward_ad``: its dual tensors wrap values of the imperative
    tape, which ``requires_grad``, ``backward()`` and ``tg.autograd.grad`` look through
    (see :func:`tensorgrad.tensor.undual`)."""

    __slots__ = ()
    dual = True


def new_forward_trace(batch_ndim: int = 0, dual: bool = False) -> ForwardTrace:
    tr = (DualTrace if dual else ForwardTrace)(next(_levels), batch_ndim)
    tr.torch = dual  # (forward_ad is PyTorch's)
    return tr


def close_trace(trace) -> None:
    """End a trace: its tensors become constants to anything that runs later. Nothing records
    on it any more, so it lets go of its locks (its transform keeps them while needed)."""
    trace.level = -1
    if not trace.forward:
        trace.locks = None


# ---- tape nodes ------------------------------------------------------------

_seq = itertools.count()


class Node:
    """One entry of the tape: an op applied to some traced inputs. ``parents[i]`` is the node of
    input i, or None when input i is not traced at this level (no gradient flows to it).
    ``args`` and ``out`` are the saved residuals; the sweep drops them when it is done (unless
    asked to retain them). A leaf has ``op`` None."""

    __slots__ = ("op", "params", "parents", "args", "out", "seq", "shape", "dtype",
                 "leaf", "__weakref__")

    def __init__(self, op, params, parents, args, out, shape, dtype):
        self.op = op
        self.params = params
        self.parents = parents
        self.args = args
        self.out = out
        self.seq = next(_seq)
        self.shape = shape
        self.dtype = dtype
        self.leaf = None
        if dtype.kind == "c" or _complex_seen[0]:  # (see tensorgrad.complexity)
            check_node(op, parents, dtype)

    def __repr__(self) -> str:
        name = "leaf" if self.op is None else self.op.name
        return f"<Node #{self.seq} {name} {self.shape}>"


def leaf_node(value, tensor: Tensor | None = None) -> Node:
    node = Node(None, (), (), None, None, shape_of(value), dtype_of(value))
    if tensor is not None:
        node.leaf = weakref.ref(tensor)
    return node


# --------------------------------------------------------------------------
# bind: apply an op to possibly-traced arguments
# --------------------------------------------------------------------------

def bind(op, args: tuple, params: tuple = ()):
    """Apply ``op`` to ``args`` (arrays, scalars or Tensors) with ``params``."""
    # The hot path of every op call: one pass to find the top trace, then at
    # most one more to split primals from tape parents. Plain arrays (every
    # rule called during a first-order sweep) go straight to the forward rule.
    args = as_numpy_args(args)
    if staging.active:  # a jit trace reading a constant tensor: its plan checks it stays
        note_constants(args)
    if len(args) == 1:  # unary ops: the commonest case, without the loops below
        a = args[0]
        if type(a) is not Tensor:
            if type(a) in _PACKED:  # a list holding traced values means the array NumPy would build
                return _bind_packed(op, args, params)
            return call_forward(op, args, params)
        top = a._trace
        if top is not None and top.level >= 0 and not top.forward and op.kind != "none":
            v = a._value
            if type(v) is not Tensor:
                if staging.active or debug.enabled:
                    out = call_forward(op, (v,), params)
                else:  # nothing watches the forward: call it without call_forward's frame
                    try:
                        out = op.forward(v, *params)
                    except OP_ERRORS as exc:
                        raise _describe(op, (v,), params, exc) from exc
                if type(out) is np.ndarray:
                    node = Node(op, params, (a._node,), (v,), out, out.shape, out.dtype)
                else:
                    node = Node(op, params, (a._node,), (v,), out, shape_of(out), dtype_of(out))
                if debug.enabled:
                    debug.note_site(node)
                return Tensor(out, top, node)
    elif len(args) == 2 and op.kind != "none":  # binary ops on one reverse trace
        a, b = args
        if type(a) is Tensor:
            top = a._trace
            va, pa = a._value, a._node
            if type(b) is Tensor:
                vb, pb = b._value, b._node
                if b._trace is not top:
                    top = None  # two traces: the general path below sorts them out
            else:
                if type(b) in _PACKED:
                    return _bind_packed(op, args, params)
                vb, pb = b, None
        elif type(b) is Tensor:
            if type(a) in _PACKED:
                return _bind_packed(op, args, params)
            top = b._trace
            va, pa, vb, pb = a, None, b._value, b._node
        else:
            if type(a) in _PACKED or type(b) in _PACKED:
                return _bind_packed(op, args, params)
            return call_forward(op, args, params)
        if top is not None and top.level >= 0 and not top.forward \
                and type(va) is not Tensor and type(vb) is not Tensor:
            primals = (va, vb)
            if pa is None or pb is None:  # a constant input: safe from mutation before it is read
                primals = frozen(primals, (pa, pb), op.name, top.locks)  # (another thread's too)
            if staging.active or debug.enabled:
                out = call_forward(op, primals, params)
            else:  # nothing watches the forward: call it without call_forward's frame
                try:
                    out = op.forward(primals[0], primals[1], *params)
                except BaseException as exc:
                    raise _failed(op, primals, params, exc) from exc
            if type(out) is np.ndarray:
                node = Node(op, params, (pa, pb), primals, out, out.shape, out.dtype)
            else:
                node = Node(op, params, (pa, pb), primals, out, shape_of(out), dtype_of(out))
            if debug.enabled:
                debug.note_site(node)
            return Tensor(out, top, node)
    top = None
    level = -1
    wrapped = torch = False
    for a in args:
        if type(a) is Tensor:
            wrapped = True
            tr = a._trace
            if tr is not None and tr.level > level:
                top = tr
                level = tr.level
            torch = torch or torch_style(a)
        elif type(a) in _PACKED:
            return _bind_packed(op, args, params)
    if not wrapped:
        return call_forward(op, args, params)
    if top is not None and top.jax:  # tg.to_jax: the op's JAX counterpart computes it
        return top.apply(op, args, params)
    if top is None or op.kind == "none":
        return _untraced(op, args, params)
    if torch:  # a tensor of PyTorch's API meets a traced value: PyTorch's methods on the trace
        top.torch = True  # from here on (tensorgrad.flavor)

    if top.forward:
        # (a Tensor of no trace, e.g. a comparison's result, is a constant: its value)
        primals = tuple([a._value if (type(a) is Tensor and (a._trace is top or a._trace is None))
                         else a for a in args])
        for p in primals:
            if type(p) is Tensor:
                out = bind(op, primals, params)
                break
        else:
            if any(type(p) is not np.ndarray and isinstance(p, np.ndarray) for p in primals):
                primals = plain_arrays(primals, op.name)  # (np.matrix: a plain array, as reverse)
            out = call_forward(op, primals, params)
        return Tensor(out, top, None, _push_tangents(op, top, args, primals, params, out))

    primals = []
    parents = []
    nested = False
    for a in args:
        if type(a) is Tensor:
            if a._trace is top:
                v = a._value
                primals.append(v)
                parents.append(a._node)
                if type(v) is Tensor:
                    nested = True
                continue
            if a._trace is None and type(a._value) is not Tensor:
                # a Tensor of no trace (a comparison's result, tg.tensor(a)): a constant
                primals.append(a._value)
                parents.append(None)
                continue
            nested = True  # a Tensor of a lower (or closed) trace
        primals.append(a)
        parents.append(None)
    primals = tuple(primals)
    parents = tuple(parents)
    if None in parents:  # constants among the inputs: safe from mutation before they are read
        primals = frozen(primals, parents, op.name, top.locks)
    out = bind(op, primals, params) if nested else call_forward(op, primals, params)
    node = Node(op, params, parents, primals, out,
                out.shape if type(out) is np.ndarray else shape_of(out),
                out.dtype if type(out) is np.ndarray else dtype_of(out))
    if debug.enabled:
        debug.note_site(node)
    return Tensor(out, top, node)


def unary_function(op):
    """The public function of a one-input op without parameters (``tg.sin``): :func:`bind` with
    its two hot cases in one frame: a plain numeric array (the forward rule) and a Tensor of a
    live reverse trace holding a plain value (forward rule, one tape node)."""
    ndarray = np.ndarray

    def fn(x=MISSING, *outs, out=None, **kwargs):
        if out is not None or kwargs or outs:  # (NumPy's out, a keyword or in place: np.exp(x, o))
            return with_keywords(op.name, (x,), out, kwargs, outs, fn)
        t = type(x)
        if t is Tensor:
            top = x._trace
            if top is not None and not top.forward and not staging.active \
                    and not debug.enabled and top.level >= 0 and op.kind != "none":
                v = x._value
                if type(v) is not Tensor:
                    try:
                        out = op.forward(v)
                    except OP_ERRORS as exc:
                        raise _describe(op, (v,), (), exc) from exc
                    if type(out) is ndarray:
                        node = Node(op, (), (x._node,), (v,), out, out.shape, out.dtype)
                    else:
                        node = Node(op, (), (x._node,), (v,), out, shape_of(out), dtype_of(out))
                    return Tensor(out, top, node)
        elif t is ndarray and not staging.active and not debug.enabled \
                and (x.dtype is _F64 or x.dtype.kind not in "OUS"):  # (not object, str)
            try:
                return op.forward(x)
            except OP_ERRORS:  # call_forward raises it again, with the clear message
                return call_forward(op, (x,), ())
        return _general(op, x)
    return shown_as(fn, ("x",))


def _general(op, *args):
    """:func:`bind`, for the one- and two-input functions: an input not given is refused."""
    return no_input(op.name, args) if any(a is MISSING for a in args) else bind(op, args, ())


_PLAIN = (np.ndarray, float, int)  # constants the binary fast path takes as they are
_F64 = np.dtype(np.float64)  # (the common dtype: one identity test before the kind's)


def no_out(name: str) -> TypeError:
    """NumPy's ``out=`` asks to write into an array; tensorgrad's results are new arrays
    (``out=None``, NumPy's default, is accepted, as in JAX)."""
    return TypeError(f"{name}: out= is not supported (tensorgrad's results are new arrays); "
                     "use the returned value")


def binary_function(op):
    """The public function of a two-input op without parameters (``tg.add``), as
    :func:`unary_function`: two plain arrays, or values of one live reverse trace with arrays
    or numbers, in this frame. An op's ``check`` (see :func:`_describe`) runs when it fails."""
    ndarray = np.ndarray

    def fn(x=MISSING, y=MISSING, *outs, out=None, **kwargs):
        if out is not None or kwargs or outs:
            return with_keywords(op.name, (x, y), out, kwargs, outs, fn)
        if staging.active or debug.enabled:
            return _general(op, x, y)
        tx = type(x)
        ty = type(y)
        if tx is Tensor:
            top = x._trace
            va, pa = x._value, x._node
            if ty is Tensor:
                if y._trace is not top:
                    return _general(op, x, y)
                vb, pb = y._value, y._node
            elif ty in _PLAIN:
                vb, pb = y, None
            else:
                return _general(op, x, y)
        elif ty is Tensor:
            if tx not in _PLAIN:
                return _general(op, x, y)
            top = y._trace
            va, pa, vb, pb = x, None, y._value, y._node
        else:
            if tx is ndarray and ty is ndarray and (x.dtype is _F64 or x.dtype.kind not in "OUS") \
                    and (y.dtype is _F64 or y.dtype.kind not in "OUS"):
                try:
                    return op.forward(x, y)
                except OP_ERRORS:  # call_forward raises it again, with the clear message
                    pass
            return _general(op, x, y)
        if top is None or top.forward or top.level < 0 or op.kind == "none" \
                or type(va) is Tensor or type(vb) is Tensor:
            return _general(op, x, y)
        primals = (va, vb)
        if pa is None or pb is None:  # a constant input: safe from mutation before it is read
            primals = frozen(primals, (pa, pb), op.name, top.locks)
        try:
            out = op.forward(primals[0], primals[1])
        except BaseException as exc:
            raise _failed(op, primals, (), exc) from exc
        if type(out) is ndarray:
            node = Node(op, (), (pa, pb), primals, out, out.shape, out.dtype)
        else:
            node = Node(op, (), (pa, pb), primals, out, shape_of(out), dtype_of(out))
        return Tensor(out, top, node)
    return shown_as(fn, ("x", "y"))


# --------------------------------------------------------------------------
# lists and tuples of traced values
# --------------------------------------------------------------------------

_SEQS = (list, tuple)
#: argument types bind hands to _bind_packed: lists and tuples become arrays; a dict is refused
_PACKED = (list, tuple, dict)
_STACK: list = [None]  # the public ``stack`` function, set by tensorgrad.ops.shape


def use_stack(stack) -> None:
    """Tell :func:`pack` which function joins arrays along a new axis (the ``stack`` op)."""
    _STACK[0] = stack


def holds_traced(x) -> bool:
    """True if the (nested) list or tuple ``x`` holds a Tensor or a value staged by tg.jit."""
    for e in x:
        if type(e) is Tensor or staging.is_staged(e) or (type(e) in _SEQS and holds_traced(e)):
            return True
    return False


def pack(x, opname: str = "pack"):
    """A (nested) list or tuple of arrays, numbers and Tensors as the one array NumPy would
    build from it (``np.array(x)``). With a Tensor anywhere inside, the array is built with the
    registered ``stack`` op, so gradients flow to every traced entry (in every transform and on
    the imperative tape); otherwise it is ``np.asarray(x)``."""
    if not holds_traced(x):
        try:
            return np.asarray(x)
        except ValueError as exc:
            raise ValueError(f"{opname}: this list or tuple cannot be made into one array "
                             f"(NumPy: {exc})") from None
    items = [pack(e, opname) if type(e) in _SEQS else e for e in x]
    shapes = [shape_of(e) for e in items]
    if any(s != shapes[0] for s in shapes):
        raise ValueError(f"{opname}: a list or tuple of arrays with different shapes {shapes} "
                         "cannot be made into one array; give its entries one shape")
    return _STACK[0](items)


def _bind_packed(op, args: tuple, params: tuple):
    """bind, after turning every list or tuple argument into an array (:func:`pack`)."""
    for a in args:
        if type(a) is dict:  # as a constant it could carry live values past the tape
            raise TypeError(f"{op.name}: got a dict ({len(a)} entries) where an array is expected; "
                            f"apply it to each entry with tg.tree_map(tg.{op.name}, d)")
    return bind(op, tuple([pack(a, op.name) if type(a) in _SEQS else a for a in args]), params)


def _untraced(op, args: tuple, params: tuple):
    wrapped = nested = torch = False
    vals = []
    for a in args:
        if type(a) is Tensor:
            torch = torch or torch_style(a)
            if a._trace is IMPERATIVE and staging.active and staging.tracing_here():
                # a jit trace reads an imperative tensor (a closure) under no_grad or through an
                # op without a derivative: a value baked into the plan would go stale, its
                # gradient lost
                raise staging.ClosedOver("jit: the function reads a tensor of the imperative "
                                         "tape (a closure), so it runs as written")
            wrapped = True
            a = a._value
            if type(a) is Tensor:
                nested = True  # a tensor of a closed trace around a live one
        vals.append(a)
    if nested and op.kind != "none":
        return bind(op, tuple(vals), params)
    zero = _ZERO_OP[0](op, len(vals)) if wrapped and not nested and IMPERATIVE.level >= 0 \
        and _ZERO_OP[0] is not None else None
    if zero is not None:
        # an op PyTorch records with a zero derivative, on tensors that require grad
        # (floor(x).sum().backward() gives x.grad zeros); a result of integers or booleans
        # is a constant, as there
        parents = tuple(a._node if type(a) is Tensor and a._trace is IMPERATIVE else None for a in args)
        if any(p is not None for p in parents) and all(
                a._trace is None or a._trace is IMPERATIVE for a in args if type(a) is Tensor):
            out = call_forward(op, vals, params)
            dt = dtype_of(out)
            if dt.kind not in "fc":
                return torch_made(out)
            node = Node(zero, (), parents, tuple(vals), out, shape_of(out), dt)
            return Tensor(out, IMPERATIVE, node)
    while nested:
        vals = [v._value if type(v) is Tensor else v for v in vals]
        nested = any(type(v) is Tensor for v in vals)
    out = call_forward(op, vals, params)
    return (torch_made(out) if torch else Tensor(out)) if wrapped else out


#: ``(op, number of inputs) -> Op`` whose derivative is zero, or None for an op whose result
#: is a constant on the imperative tape too, for :func:`_untraced` (set by tensorgrad.imperative)
_ZERO_OP: list = [None]


def use_zero_op(make) -> None:
    """Tell :func:`_untraced` how to make the zero-derivative stand-in of an op."""
    _ZERO_OP[0] = make


#: the exceptions of a forward rule that :func:`call_forward` turns into a clear message
OP_ERRORS = (ValueError, TypeError, IndexError, np.exceptions.AxisError,
             AttributeError)  # (NumPy on None or objects calls a method they lack)


def call_forward(op, vals, params):
    if staging.active:  # a jit trace is recording somewhere: are these values traced?
        s = staging.find_staged(vals)
        if s is None:
            s = staging.find_staged(params)
        if s is not None:
            if op.composite:  # the forward records its own parts (shared with its rules)
                return op.forward(*vals, *params)
            return _staged_forward(op, s, vals, params)
    for v in vals:  # (object and string arrays: NumPy would compute on some, never rightly;
        if type(v) is np.ndarray and v.dtype.kind in "OUS":  # void: JAX's float0 zeros pass)
            raise _describe(op, vals, params, TypeError(""))
    try:
        out = op.forward(*vals, *params) if not debug.enabled else debug.forward(op, vals, params)
    except BaseException as exc:
        raise _failed(op, vals, params, exc) from exc
    return out if not RULE_ARRAYS[1] else as_rule_arrays(out, vals)


def _staged_forward(op, s, vals, params):
    """Record the op's forward as one step of the jit program (run on the trace-time values)."""
    try:
        return s.program.emit("call", op.forward, tuple(vals) + tuple(params), {}, f"op {op.name}",
                              shapes_static=True)
    except (ValueError, TypeError, IndexError, np.exceptions.AxisError) as exc:
        if isinstance(exc, staging.ConcretizationError):
            raise
        raise _describe(op, staging.trace_values(vals), staging.trace_values(params), exc) from exc


def _failed(op, vals, params, exc: BaseException) -> Exception:
    """A forward that raised ``exc``: an imperative node's own locks on its constants go back at
    once (a kept exception, a REPL's last traceback, would hold them read-only), then the
    error of bad inputs is :func:`_describe`'s, any other (an interrupt) raised as it is."""
    if (held := getattr(vals, "held", None)) is not None:
        unlock(held)
    if not isinstance(exc, OP_ERRORS):
        raise  # noqa: PLE0704 - (the exception being handled, from the caller's except)
    return _describe(op, vals, params, exc)


def _describe(op, vals, params, exc: Exception) -> Exception:
    """The clear error for a forward rule that raised ``exc``: the op's own ``check``
    (matmul: shapes that do not align) if it has one and it objects, else a message
    naming the op, the shapes and the dtypes."""
    if op.check is not None and len(vals) == 2:
        try:
            op.check(*vals)
        except (ValueError, TypeError) as clear:
            return clear
    parts = staging.describe_values(vals)
    named = ", ".join(f"{k}={p!r}" for k, p in zip(op.param_names, params))
    inputs = f"(inputs: {', '.join(parts)}{'; ' + named if named else ''})"
    if isinstance(exc, OpError) or str(exc).startswith(op.name + ":"):
        return exc
    bad = [v.dtype for v in vals if isinstance(v, (np.ndarray, np.generic)) and v.dtype.kind in "OUSV"]
    if bad:
        return TypeError(f"{op.name}: arrays of dtype {bad[0]} are not supported; tensorgrad "
                         f"computes on numeric arrays (convert with .astype(float)) {inputs}")
    shapes = [np.shape(v) for v in vals if isinstance(v, (np.ndarray, np.generic, int, float))]
    if isinstance(exc, ValueError) and "broadcast" in str(exc) and len(shapes) > 1:
        listed = ", ".join(str(tuple(s)) for s in shapes[:-1]) + f" and {tuple(shapes[-1])}"
        return OpError(f"{op.name}: shapes {listed} cannot be broadcast together (each trailing "
                       f"axis must match or be 1) {inputs}")
    if isinstance(exc, np.exceptions.AxisError):  # (one argument: the message)
        return np.exceptions.AxisError(f"{op.name}: {exc} {inputs}")
    # the base class: some NumPy subclasses (e.g. _UFuncNoLoopError) need extra arguments
    kind = TypeError if isinstance(exc, (TypeError, AttributeError)) else IndexError \
        if isinstance(exc, IndexError) else np.linalg.LinAlgError \
        if isinstance(exc, np.linalg.LinAlgError) else OpError  # (a LinAlgError stays one, as eager)
    return kind(f"{op.name}: {exc} {inputs}")


# --------------------------------------------------------------------------
# forward mode
# --------------------------------------------------------------------------

def _push_tangents(op, trace: ForwardTrace, args, primals, params, out):
    tangents = [a._tangent if (type(a) is Tensor and a._trace is trace) else None for a in args]
    return node_jvp(op, tangents, primals, params, out, trace.batch_ndim)
