"""Recording and sweeping: traces, tape nodes, ``bind`` and the reverse sweep.

Every transform opens a *trace* with its own level (reverse: it records tape
nodes; forward: it carries tangents). A :class:`~tensorgrad.tensor.Tensor`
belongs to at most one trace, and its value may itself be a Tensor of a lower
trace: that nesting is what keeps ``grad`` of ``grad`` and ``jacfwd`` of
``jacrev`` apart (no perturbation confusion).

:func:`bind` applies an op: it finds the highest trace among the arguments,
computes the primal result one level down (recursively), then records a node
(reverse) or pushes tangents through the JVP rules (forward). With no trace
involved it is just the NumPy forward rule.

The tape is the set of nodes, numbered in execution order. The reverse sweep
collects the nodes that lead to the outputs, walks them from last to first
with a plain loop (no recursion), and sums cotangents per node.
"""
from __future__ import annotations

import itertools
import math
import weakref
from heapq import heappop, heappush
from typing import Any, Sequence

import numpy as np

from .registry import Op
from .tensor import Tensor

__all__ = ["bind", "ReverseTrace", "ForwardTrace", "Node", "unbroadcast",
           "backward_pass", "new_reverse_trace", "new_forward_trace", "close_trace",
           "IMPERATIVE", "OpError", "node_jvp", "toposort", "leaf_node", "Eye"]


class OpError(ValueError):
    """An op rejected its inputs. The message names the op, shapes and dtypes."""


# --------------------------------------------------------------------------
# traces
# --------------------------------------------------------------------------

_levels = itertools.count(1)


class ReverseTrace:
    """A recording level. Tensors on it carry the tape :class:`Node` that made them.

    ``locks`` says how constants saved on this tape are kept safe from later
    mutation: None copies writable ones; a list (grad, jacrev: the tape ends
    inside the call) makes them read-only instead and collects them there for
    the transform to unlock when its sweep is done.
    """

    __slots__ = ("level", "locks")
    forward = False
    jax = False  # see tensorgrad.jax_backend: a trace whose ops run as JAX functions

    def __init__(self, level: int):
        self.level = level
        self.locks = None


class ForwardTrace:
    """A forward-mode level. Tensors on it carry a tangent (or None = zero).

    ``batch_ndim`` is the number of leading batch axes every tangent on this
    trace carries (1 for ``jacfwd``, which pushes a whole basis at once).
    """

    __slots__ = ("level", "batch_ndim")
    forward = True
    jax = False

    def __init__(self, level: int, batch_ndim: int = 0):
        self.level = level
        self.batch_ndim = batch_ndim


#: The trace of imperative tensors (``tg.tensor(a, requires_grad=True)``).
#: It is the lowest level, so transforms nest above it.
IMPERATIVE = ReverseTrace(0)


def new_reverse_trace() -> ReverseTrace:
    return ReverseTrace(next(_levels))


def new_forward_trace(batch_ndim: int = 0) -> ForwardTrace:
    return ForwardTrace(next(_levels), batch_ndim)


def close_trace(trace) -> None:
    """End a trace: its tensors become constants to anything that runs later."""
    trace.level = -1


# --------------------------------------------------------------------------
# tape nodes
# --------------------------------------------------------------------------

_seq = itertools.count()


class Node:
    """One entry of the tape: an op applied to some traced inputs.

    ``parents[i]`` is the node of input i, or None when input i is not traced
    at this level (no gradient flows to it). ``args`` and ``out`` are the
    saved residuals; the sweep drops them when it is done (unless asked to
    retain them). A leaf has ``op`` None.
    """

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

    def __repr__(self) -> str:
        name = "leaf" if self.op is None else self.op.name
        return f"<Node #{self.seq} {name} {self.shape}>"


def leaf_node(value, tensor: Tensor | None = None) -> Node:
    node = Node(None, (), (), None, None, _shape(value), _dtype(value))
    if tensor is not None:
        node.leaf = weakref.ref(tensor)
    return node


def _shape(x) -> tuple:
    s = getattr(x, "shape", None)
    return tuple(s) if s is not None else np.shape(x)


def _dtype(x):
    d = getattr(x, "dtype", None)
    return d if d is not None else np.result_type(x)


def _ndim(x) -> int:
    n = getattr(x, "ndim", None)
    return n if n is not None else np.ndim(x)


# --------------------------------------------------------------------------
# bind: apply an op to possibly-traced arguments
# --------------------------------------------------------------------------

def bind(op: Op, args: tuple, params: tuple = ()):
    """Apply ``op`` to ``args`` (arrays, scalars or Tensors) with ``params``."""
    # The hot path of every op call: one pass to find the top trace, then at
    # most one more to split primals from tape parents. Plain arrays (every
    # rule called during a first-order sweep) go straight to the forward rule.
    if len(args) == 1:  # unary ops: the commonest case, without the loops below
        a = args[0]
        if type(a) is not Tensor:
            return _call_forward(op, args, params)
        top = a._trace
        if top is not None and top.level >= 0 and not top.forward and op.kind != "none":
            v = a._value
            if type(v) is not Tensor:
                out = _call_forward(op, (v,), params)
                if type(out) is np.ndarray:
                    node = Node(op, params, (a._node,), (v,), out, out.shape, out.dtype)
                else:
                    node = Node(op, params, (a._node,), (v,), out, _shape(out), _dtype(out))
                if _DEBUG:
                    _debug_site(node)
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
                vb, pb = b, None
        elif type(b) is Tensor:
            top = b._trace
            va, pa, vb, pb = a, None, b._value, b._node
        else:
            return _call_forward(op, args, params)
        if top is not None and top.level >= 0 and not top.forward \
                and type(va) is not Tensor and type(vb) is not Tensor:
            primals = (va, vb)
            out = _call_forward(op, primals, params)
            if pa is None or pb is None:  # a constant input: keep it safe from later mutation
                primals = _frozen(primals, (pa, pb), op, top)
            if type(out) is np.ndarray:
                node = Node(op, params, (pa, pb), primals, out, out.shape, out.dtype)
            else:
                node = Node(op, params, (pa, pb), primals, out, _shape(out), _dtype(out))
            if _DEBUG:
                _debug_site(node)
            return Tensor(out, top, node)
    top = None
    level = -1
    wrapped = False
    for a in args:
        if type(a) is Tensor:
            wrapped = True
            tr = a._trace
            if tr is not None and tr.level > level:
                top = tr
                level = tr.level
    if not wrapped:
        return _call_forward(op, args, params)
    if top is not None and top.jax:  # tg.to_jax: the op's JAX counterpart computes it
        return top.apply(op, args, params)
    if top is None or op.kind == "none":
        return _untraced(op, args, params)

    if top.forward:
        primals = tuple([a._value if (type(a) is Tensor and a._trace is top) else a for a in args])
        for p in primals:
            if type(p) is Tensor:
                out = bind(op, primals, params)
                break
        else:
            out = _call_forward(op, primals, params)
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
            nested = True  # a Tensor of a lower (or closed) trace
        primals.append(a)
        parents.append(None)
    primals = tuple(primals)
    parents = tuple(parents)
    out = bind(op, primals, params) if nested else _call_forward(op, primals, params)
    if None in parents:  # constants among the inputs: keep them safe from later mutation
        primals = _frozen(primals, parents, op, top)
    node = Node(op, params, parents, primals, out,
                out.shape if type(out) is np.ndarray else _shape(out),
                out.dtype if type(out) is np.ndarray else _dtype(out))
    if _DEBUG:
        _debug_site(node)
    return Tensor(out, top, node)


def _frozen(primals: tuple, parents: tuple, op: Op, trace: ReverseTrace) -> tuple:
    """The residuals a node keeps, with constant arrays made safe from mutation.

    A writable ndarray passed as a constant (not traced at this level) could be
    changed by the caller after recording, and the backward rule would then
    read the new values: a silently wrong gradient. On a tape that outlives
    its transform (vjp, linearize, imperative) a read-only copy is saved; on
    one that ends inside it (grad, jacrev) the array is locked read-only until
    the transform's sweep is done, which costs no memory. Traced values are
    tensorgrad's own op outputs, never handed out writable: kept as they are.
    """
    for p, a in zip(parents, primals):
        if p is None and type(a) is np.ndarray:
            break
    else:  # only scalars (immutable) as constants: nothing to do
        return primals
    out = []
    for p, a in zip(parents, primals):
        if p is None and type(a) is np.ndarray:
            if a.dtype.kind in "OUSV":  # NumPy would compute on objects, slowly and untyped
                raise TypeError(f"{op.name}: a constant of dtype "
                                f"{a.dtype} (shape {a.shape}) met a traced value; tensorgrad "
                                "differentiates numeric arrays only (convert with .astype(float))")
            if _mutable(a):
                if trace.locks is not None:
                    lock_chain(a, trace.locks)
                else:
                    a = a.copy()
                    a.flags.writeable = False
        out.append(a)
    return tuple(out)


def lock_chain(a: np.ndarray, locks: list) -> None:
    """Make ``a`` and every array it is a view of read-only, recording each in ``locks``.

    :func:`unlock` restores them (bases first, so views can be writable again).
    """
    while isinstance(a, np.ndarray):
        if a.flags.writeable:
            a.flags.writeable = False
            locks.append(a)
            _LOCKED.add(id(a))
        a = a.base


def unlock(locks: list) -> None:
    for a in reversed(locks):
        a.flags.writeable = True
        _LOCKED.discard(id(a))
    locks.clear()


def _mutable(a: np.ndarray) -> bool:
    """True if ``a`` or any array it is a view of can be written to, now or once
    a transform that locked it returns."""
    while isinstance(a, np.ndarray):
        if a.flags.writeable or id(a) in _LOCKED:
            return True
        a = a.base
    return False


#: ids of the arrays some grad/jacrev call has made read-only for its duration
_LOCKED: set = set()


def _untraced(op: Op, args: tuple, params: tuple):
    wrapped = False
    nested = False
    vals = []
    for a in args:
        if type(a) is Tensor:
            wrapped = True
            a = a._value
            if type(a) is Tensor:
                nested = True  # a tensor of a closed trace around a live one
        vals.append(a)
    if nested and op.kind != "none":
        return bind(op, tuple(vals), params)
    while nested:
        vals = [v._value if type(v) is Tensor else v for v in vals]
        nested = any(type(v) is Tensor for v in vals)
    out = _call_forward(op, vals, params)
    return Tensor(out) if wrapped else out


def _call_forward(op: Op, vals, params):
    try:
        out = op.forward(*vals, *params)
    except (ValueError, TypeError, IndexError, np.exceptions.AxisError) as exc:
        raise _describe(op, vals, params, exc) from exc
    if _DEBUG:
        _debug_forward(op, vals, params, out)
    return out


def _describe(op: Op, vals, params, exc: Exception) -> Exception:
    parts = []
    for v in vals:
        if isinstance(v, (np.ndarray, np.generic)):
            parts.append(f"array(shape={v.shape}, dtype={v.dtype})")
        elif isinstance(v, (int, float, complex, bool)):
            parts.append(f"{type(v).__name__}({v!r})")
        else:
            parts.append(type(v).__name__)
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
    # the base class: some NumPy subclasses (e.g. _UFuncNoLoopError) need extra arguments
    kind = TypeError if isinstance(exc, TypeError) else IndexError if isinstance(exc, IndexError) \
        else OpError
    return kind(f"{op.name}: {exc} {inputs}")


# --------------------------------------------------------------------------
# forward mode
# --------------------------------------------------------------------------

def _push_tangents(op: Op, trace: ForwardTrace, args, primals, params, out):
    tangents = [a._tangent if (type(a) is Tensor and a._trace is trace) else None for a in args]
    return node_jvp(op, tangents, primals, params, out, trace.batch_ndim)


def node_jvp(op: Op, tangents, primals, params, out, nb: int = 0):
    """J·t for one op: the sum over inputs of each input's JVP contribution.

    ``tangents[i]`` is input i's tangent (None: a symbolic zero), carrying
    ``nb`` leading batch axes. Returns None when every contribution is zero.
    """
    if op.jvp_all is not None:
        if all(t is None for t in tangents):
            return None
        return op.jvp_all(tangents, out, *primals, *params)
    out_ndim = _ndim(out)
    t_out = None
    for i, t in enumerate(tangents):
        rule = op.jvps[i]
        if t is None or rule is None:
            continue
        if nb and op.kind == "diagonal":
            pad = out_ndim - _ndim(primals[i])
            if pad > 0:  # line the input axes up with the output's, behind the batch
                ts = _shape(t)
                t = _reshape(t, ts[:nb] + (1,) * pad + ts[nb:])  # (= lift_tangent)
        c = rule(t, out, *primals, *params)
        if c is None:
            continue
        t_out = c if t_out is None else t_out + c
    if t_out is not None:
        want = _shape(t_out)[:nb] + _shape(out) if nb else _shape(out)
        if _shape(t_out) != want:
            t_out = _broadcast_to(t_out, want)
        if _DEBUG:
            _debug_rule(op, "JVP", None, t_out, None)
    return t_out


# --------------------------------------------------------------------------
# reverse mode
# --------------------------------------------------------------------------

def unbroadcast(x, shape: tuple, nb: int = 0):
    """Sum ``x`` (batch + broadcast shape) down to ``batch + shape``.

    The one place where broadcasting is undone: axes that broadcasting added
    in front, and axes where ``shape`` has size 1, are summed.
    """
    xs = _shape(x)
    shape = tuple(shape)
    lead = len(xs) - nb - len(shape)
    if type(x) is np.ndarray and lead >= 0:
        # plain arrays (every first-order sweep): one NumPy sum, then a reshape
        # that restores the kept size-1 axes
        k = nb + lead
        axes = tuple(range(nb, k)) + tuple(
            k + i for i, s in enumerate(shape) if s == 1 and xs[k + i] != 1)
        r = x.sum(axis=axes) if axes else x
        target = xs[:nb] + shape
        if r.shape == target:
            return r
        if r.size == math.prod(target):
            return r.reshape(target)
    if lead < 0:  # a rule returned fewer axes than the input has: broadcast up
        return _broadcast_to(x, xs[:nb] + shape)
    axes = list(range(nb, nb + lead))
    for i, s in enumerate(shape):
        if s == 1 and xs[nb + lead + i] != 1:
            axes.append(nb + lead + i)
    if axes:
        x = _sum(x, tuple(axes), True)
    target = xs[:nb] + shape
    xr = _shape(x)
    if xr != target:
        x = _reshape(x, xr[:nb] + xr[nb + lead:])  # drop the summed leading axes
        if _shape(x) != target:  # a rule gave size 1 where the input is wider
            x = _broadcast_to(x, target)
    return x


def toposort(out_nodes: Sequence[Node]) -> list[Node]:
    """Nodes that lead to ``out_nodes``, in execution (tape) order."""
    seen = set()
    stack = [n for n in out_nodes if n is not None]
    order = []
    while stack:
        n = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        order.append(n)
        for p in n.parents:
            if p is not None and id(p) not in seen:
                stack.append(p)
    order.sort(key=_seq_of)
    return order


def _seq_of(n: Node) -> int:
    return n.seq


class Eye:
    """A batch of basis cotangents for a 1-D output, kept symbolic: row k is d_k e_k.

    ``jacrev`` seeds its sweep with the identity (``d`` None). Multiplying by
    it is free, so the first ops the sweep meets are applied in closed form
    instead of as matrix products with the identity: an elementwise op scales
    ``d`` by its derivative (O(N)), and ``A @ x`` turns it into the rows of
    ``diag(d) A`` (O(N²)) — exactly the first step of hand-written dense
    chaining. Any other op, a fan-in or a leaf gets :meth:`dense` (O(N²)).
    """

    __slots__ = ("m", "d", "dtype")

    def __init__(self, m: int, dtype, d=None):
        self.m = m
        self.dtype = dtype
        self.d = d

    def dense(self) -> np.ndarray:
        if self.d is None:
            return np.eye(self.m, dtype=self.dtype)
        return np.diag(self.d)


def _eye_vjp(node: Node, g: Eye):
    """Push a symbolic basis through ``node``: ``(parent, cotangent)`` or None (use dense)."""
    op = node.op
    out = node.out
    args = node.args
    if type(out) is not np.ndarray or out.ndim != 1:
        return None
    live = [i for i, p in enumerate(node.parents) if p is not None]
    if len(live) != 1 or any(type(a) is Tensor for a in args):
        return None
    i = live[0]
    parent = node.parents[i]
    if op.kind == "diagonal" and not op.variadic and op.vjp_all is None \
            and _shape(args[i]) == out.shape:
        der = op.deriv[i]
        if der is None:
            return parent, None
        if isinstance(der, (int, float)):
            d = der if g.d is None else der * g.d
        else:
            d = der(out, *args, *node.params)
            if type(d) is Tensor:
                return None
            if g.d is not None:
                d = g.d * d
            elif _shape(d) != out.shape:
                d = np.broadcast_to(d, out.shape)
        if np.ndim(d) == 0:
            d = np.full(out.shape, d, dtype=g.dtype)
        return parent, Eye(g.m, np.result_type(g.dtype, d), d)
    if op.name == "matmul" and i == 1 and _ndim(args[0]) == 2 and _ndim(args[1]) == 1:
        a = args[0]  # out = A x:  the rows of diag(d) A are the cotangents of x
        return parent, (a.copy() if g.d is None else g.d[:, None] * a)
    return None


def backward_pass(out_nodes: Sequence[Node], seeds: Sequence[Any], retain: bool = False,
                  batch_ndim: int = 0) -> dict:
    """The reverse sweep. Returns ``{leaf node: cotangent}``.

    ``seeds[k]`` is the cotangent of ``out_nodes[k]`` (with ``batch_ndim``
    leading batch axes). Unless ``retain``, each node's saved residuals are
    released once its rule has run.

    Nodes are visited from the highest sequence number down, through a heap
    of the nodes that have received a cotangent so far: a node's cotangent is
    complete once every later node is done, no separate topological sort is
    needed, and nodes that receive only symbolic zeros are never visited.
    Cotangents are summed in place only into buffers the sweep itself
    allocated (a rule's result may alias its input, e.g. add returns g).
    """
    cts: dict = {}
    owned: set = set()  # nodes whose cotangent buffer this sweep allocated
    heap: list = []
    for n, s in zip(out_nodes, seeds):
        if n is None or s is None:
            continue
        prev = cts.get(n)
        if prev is None:
            cts[n] = s
            heappush(heap, (-n.seq, n))
        else:
            cts[n] = prev + s
            owned.add(n)
    leaves = {}
    nb = batch_ndim
    ndarray = np.ndarray
    while heap:
        node = heappop(heap)[1]
        g = cts.pop(node)
        op = node.op
        if type(g) is Eye:
            pushed = _eye_vjp(node, g) if op is not None and node.args is not None else None
            if pushed is not None:
                p, c = pushed
                if c is not None:
                    cts[p] = c
                    heappush(heap, (-p.seq, p))
                if not retain:
                    node.args = node.out = None
                continue
            g = g.dense()
        if op is None:
            leaves[node] = g
            continue
        args = node.args
        if args is None:
            raise RuntimeError(
                f"backward through op {op.name!r} (output shape {node.shape}) whose saved "
                "values were already freed by an earlier backward pass; pass "
                "retain_graph=True to the first backward (or call the vjp function "
                "again, which retains) to sweep the same graph twice")
        out = node.out
        params = node.params
        parents = node.parents
        if len(parents) == 1 and op.vjp_all is None:  # unary ops: no loop, no index
            p = parents[0]
            rule = op.vjps[0]
            c = rule(g, out, *args, *params) if rule is not None and p is not None else None
            if c is not None:
                if _DEBUG:
                    _debug_rule(op, "VJP", 0, c, node)
                cs = c.shape if type(c) is ndarray else _shape(c)
                want = p.shape if not nb else cs[:nb] + p.shape
                if cs != want:
                    c = unbroadcast(c, p.shape, nb)
                prev = cts.get(p)
                if prev is None:
                    cts[p] = c
                    heappush(heap, (-p.seq, p))
                else:
                    _accumulate(cts, owned, p, prev, c)
            if not retain:
                node.args = node.out = None
            continue
        whole = op.vjp_all(g, out, *args, *params) if op.vjp_all is not None else None
        vjps = op.vjps
        i = -1
        for p in node.parents:
            i += 1
            if p is None:
                continue
            if whole is not None:
                c = whole[i]
            else:
                rule = vjps[i]
                if rule is None:
                    continue
                c = rule(g, out, *args, *params)
            if c is None:
                continue
            if _DEBUG:
                _debug_rule(op, "VJP", i, c, node)
            cs = c.shape if type(c) is ndarray else _shape(c)
            want = p.shape if not nb else cs[:nb] + p.shape
            if cs != want:
                c = unbroadcast(c, p.shape, nb)
            prev = cts.get(p)
            if prev is None:
                cts[p] = c
                heappush(heap, (-p.seq, p))
            else:
                _accumulate(cts, owned, p, prev, c)
        if not retain:
            node.args = node.out = None
    return leaves


def _accumulate(cts: dict, owned: set, p: Node, prev, c) -> None:
    """Fan-out: add a second (third, ...) cotangent for node ``p``.

    The first sum allocates a buffer the sweep owns; later ones add into it in
    place. A buffer a rule returned is never written (it may be shared).
    """
    if type(prev) is Eye:
        cts[p] = prev.dense() + c
        owned.add(p)
    elif p in owned and type(prev) is np.ndarray and type(c) is np.ndarray \
            and prev.dtype == np.result_type(prev, c):
        prev += c  # our own buffer: accumulate without a new allocation
    else:
        cts[p] = prev + c
        owned.add(p)


# --------------------------------------------------------------------------
# debug hooks (tensorgrad.debug switches _DEBUG; off, each costs one flag test)
# --------------------------------------------------------------------------

_DEBUG = False


def _debug_site(node):
    from .debug import note_site
    note_site(node)


def _debug_forward(op, vals, params, out):
    from .debug import check_forward
    check_forward(op, vals, params, out)


def _debug_rule(op, which, i, value, node):
    from .debug import check_rule
    check_rule(op, which, i, value, node)


# helpers bound late (the ops import this module)
def _sum(x, axis, keepdims):
    from .ops.reductions import sum as s
    return s(x, axis=axis, keepdims=keepdims)


def _reshape(x, shape):
    from .ops.shape import reshape
    return reshape(x, shape)


def _broadcast_to(x, shape):
    from .ops.shape import broadcast_to
    return broadcast_to(x, shape)
