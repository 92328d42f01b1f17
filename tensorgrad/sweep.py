"""The sweeps: the backward pass over a tape, and the forward push of tangents.

:func:`backward_pass` visits the recorded nodes from last to first with a
plain loop (no recursion), calls each op's VJP rules and sums the cotangents
that reach each node; :func:`node_jvp` sums one op's JVP contributions.
:func:`unbroadcast` is the one place where broadcasting is undone.

Values here are NumPy arrays on a first-order sweep and Tensors of an
enclosing trace when a derivative is itself differentiated; the few array
functions the sweep needs on them (``np.sum``, ``np.reshape``,
``np.broadcast_to``) reach tensorgrad's ops through NumPy's dispatch.
"""
from __future__ import annotations

import functools
import math
from heapq import heappop, heappush
from typing import Any, Sequence

import numpy as np

from . import debug
from .complexity import _seen as _complex_seen, check_forward, real_for
from .staging import ConcretizationError, Staged, call as staged_call
from .tensor import Tensor, concrete, dtype_of, ndim_of, shape_of, traced_level

__all__ = ["backward_pass", "node_jvp", "unbroadcast", "toposort", "depends_on", "Eye", "ForwardModeError",
           "quiet_rules"]


class ForwardModeError(TypeError, NotImplementedError):
    """Forward-mode differentiation reached a ``custom_vjp`` function (not defined, as in JAX:
    a TypeError), or an ``autograd.Function`` without ``jvp`` (PyTorch: NotImplementedError)."""


# NumPy 2 keeps its error state in a context variable: setting a prepared "ignore all" costs
# about a seventh of an np.errstate block, which node_jvp pays once per op (another NumPy:
# np.errstate)
_CORE = getattr(np, "_core", None)
_ERRSTATE = getattr(getattr(_CORE, "_ufunc_config", None), "_extobj_contextvar", None)
_MAKE = getattr(getattr(_CORE, "_multiarray_umath", None), "_make_extobj", None)
_IGNORE_ALL = _MAKE(all="ignore") if _ERRSTATE is not None and _MAKE is not None else None
if _IGNORE_ALL is None:  # pragma: no cover
    _ERRSTATE = None


def quiet_rules(runner):
    """``runner`` with NumPy's floating-point warnings off while it runs derivative rules. They
    are the library's arithmetic, not the caller's: a 0·∞ inside one (the slope of exp(−x²) at
    x = ∞) gives NaN without a warning, as in JAX and PyTorch, and ``tg.debug_nans()`` names the
    op where it first appears."""
    if _ERRSTATE is None:  # pragma: no cover
        @functools.wraps(runner)
        def run(*args, **kwargs):
            with np.errstate(all="ignore"):
                return runner(*args, **kwargs)
        return run

    @functools.wraps(runner)
    def run(*args, **kwargs):
        token = _ERRSTATE.set(_IGNORE_ALL)
        try:
            return runner(*args, **kwargs)
        finally:
            _ERRSTATE.reset(token)
    return run


def _opaque(rule, *args):
    """Under tg.jit: a rule that branched on a traced value, replayed as one opaque step.

    A rule reads values in Python (``if np.isfinite(k).all(): ...``) to choose
    a path; a jit trace cannot record such a branch. On plain (staged) arrays
    the whole rule is recorded as one call instead, run on the new values at
    every replay, so each replay takes its own branch. When the rule's
    arguments are Tensors (a derivative that is itself differentiated) it has
    to be recorded op by op: the ConcretizationError stands.
    """
    flat = [b for a in args for b in (a if type(a) in (list, tuple) else (a,))]
    if any(traced_level(a) >= 0 for a in flat):
        raise
    return staged_call(rule, *(type(a)(concrete(b) for b in a) if type(a) in (list, tuple)
                               else concrete(a) for a in args))


_add_reduce = np.add.reduce  # ndarray.sum without its Python frame


def _sum(x, axis, keepdims):
    return np.sum(x, axis=axis, keepdims=keepdims)


def _reshape(x, shape):
    return np.reshape(x, shape)


def _broadcast_to(x, shape):
    return np.broadcast_to(x, shape)


# --------------------------------------------------------------------------
# forward mode
# --------------------------------------------------------------------------

def node_jvp(op, tangents, primals, params, out, nb: int = 0):
    """J·t for one op (:func:`_node_jvp`), with NumPy's floating-point warnings off (see
    :func:`quiet_rules`; written out here, where it is paid once per op)."""
    if _ERRSTATE is None:  # pragma: no cover
        with np.errstate(all="ignore"):
            return _node_jvp(op, tangents, primals, params, out, nb)
    token = _ERRSTATE.set(_IGNORE_ALL)
    try:
        return _node_jvp(op, tangents, primals, params, out, nb)
    finally:
        _ERRSTATE.reset(token)


def _node_jvp(op, tangents, primals, params, out, nb: int = 0):
    """J·t for one op: the sum over inputs of each input's JVP contribution.

    ``tangents[i]`` is input i's tangent (None: a symbolic zero), carrying
    ``nb`` leading batch axes. Returns None when every contribution is zero.
    """
    if not op.complex and (_complex_seen[0] or dtype_of(out).kind == "c"):
        check_forward(op, primals, tangents, out)
    if op.jvp_all is not None:
        if all(t is None for t in tangents):
            return None
        try:
            t_out = op.jvp_all(tangents, out, *primals, *params)
        except ConcretizationError:
            t_out = _opaque(op.jvp_all, tangents, out, *primals, *params)
        if _complex_seen[0] and t_out is not None:  # a real output's tangent is real
            t_out = real_for(t_out, dtype_of(out))
        return t_out
    out_ndim = ndim_of(out)
    t_out = None
    for i, t in enumerate(tangents):
        rule = op.jvps[i]
        if t is None or rule is None:
            continue
        if nb and op.kind == "diagonal":
            pad = out_ndim - ndim_of(primals[i])
            if pad > 0:  # line the input axes up with the output's, behind the batch
                ts = shape_of(t)
                t = _reshape(t, ts[:nb] + (1,) * pad + ts[nb:])  # (= lift_tangent)
        try:
            c = rule(t, out, *primals, *params)
        except ConcretizationError:
            c = _opaque(rule, t, out, *primals, *params)
        if c is None:
            continue
        t_out = c if t_out is None else t_out + c
    if t_out is not None:
        if _complex_seen[0]:  # a real output's tangent is real
            t_out = real_for(t_out, dtype_of(out))
        want = shape_of(t_out)[:nb] + shape_of(out) if nb else shape_of(out)
        if shape_of(t_out) != want:
            t_out = _broadcast_to(t_out, want)
        if debug.enabled:
            debug.check_rule(op, "JVP", None, t_out, None)
    return t_out


def unbroadcast(x, shape: tuple, nb: int = 0):
    """Sum ``x`` (batch + broadcast shape) down to ``batch + shape``.

    The one place where broadcasting is undone: axes that broadcasting added
    in front, and axes where ``shape`` has size 1, are summed.
    """
    if type(shape) is not tuple:
        shape = tuple(shape)
    if type(x) is np.ndarray and not nb and 1 not in shape:
        # the commonest case (a bias's gradient): only leading axes to sum
        xs = x.shape
        lead = len(xs) - len(shape)
        if lead > 0 and xs[lead:] == shape:
            return _add_reduce(x, axis=tuple(range(lead)) if lead > 1 else 0)
    xs = shape_of(x)
    lead = len(xs) - nb - len(shape)
    if (type(x) is np.ndarray or type(x) is Staged) and lead >= 0:
        # plain arrays (every first-order sweep, also under tg.jit): one NumPy
        # sum, then a reshape that restores the kept size-1 axes
        k = nb + lead
        axes = tuple(range(nb, k)) + tuple(
            k + i for i, s in enumerate(shape) if s == 1 and xs[k + i] != 1)
        r = (_add_reduce(x, axis=axes) if type(x) is np.ndarray else x.sum(axis=axes)) if axes else x
        target = xs[:nb] + shape
        if r.shape == target:
            return r
        if r.size == math.prod(target) and [d for d in r.shape if d != 1] == [d for d in target if d != 1]:
            return r.reshape(target)  # (size-1 axes only: never a gradient laid out anew)
    if lead < 0:  # a rule returned fewer axes than the input has: broadcast up
        return _broadcast_to(x, xs[:nb] + shape)
    axes = list(range(nb, nb + lead))
    for i, s in enumerate(shape):
        if s == 1 and xs[nb + lead + i] != 1:
            axes.append(nb + lead + i)
    if axes:
        x = _sum(x, tuple(axes), True)
    target = xs[:nb] + shape
    xr = shape_of(x)
    if xr != target:
        x = _reshape(x, xr[:nb] + xr[nb + lead:])  # drop the summed leading axes
        if shape_of(x) != target:  # a rule gave size 1 where the input is wider
            x = _broadcast_to(x, target)
    return x


def toposort(out_nodes: Sequence) -> list:
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


def _seq_of(n) -> int:
    return n.seq


def depends_on(starts, targets) -> bool:
    """Whether one of the nodes ``starts`` is one of ``targets`` or was computed from one (the
    walk down the parents stops at nodes recorded before the earliest target, which cannot)."""
    want = {id(t) for t in targets}
    first = min(t.seq for t in targets)
    stack, seen = [n for n in starts if n is not None], set()
    while stack:
        n = stack.pop()
        if id(n) in want:
            return True
        if n.seq < first or id(n) in seen:
            continue
        seen.add(id(n))
        stack.extend(p for p in n.parents if p is not None)
    return False


class Eye:
    """A batch of basis cotangents for a 1-D output, kept symbolic: row k is d_k e_k.

    ``jacrev`` seeds its sweep with the identity (``d`` None). Multiplying by
    it is free, so the first ops the sweep meets are applied in closed form
    instead of as matrix products with the identity: an elementwise op scales
    ``d`` by its derivative (O(N)), and ``A @ x`` turns it into the rows of
    ``diag(d) A`` (O(N²)) — exactly the first step of hand-written dense
    chaining (the op's ``eye_vjp`` rule). Any other op, a fan-in or a leaf gets
    :meth:`dense` (O(N²)).
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


def _eye_vjp(node, g: Eye):
    """Push a symbolic basis through ``node``: ``(parent, cotangent)`` or None (use dense)."""
    op = node.op
    out = node.out
    args = node.args
    if type(out) is Tensor or ndim_of(out) != 1:  # an array (or a value traced by tg.jit)
        return None
    live = [i for i, p in enumerate(node.parents) if p is not None]
    if len(live) != 1 or any(type(a) is Tensor for a in args):
        return None
    i = live[0]
    parent = node.parents[i]
    if op.kind == "diagonal" and not op.variadic and op.vjp_all is None \
            and shape_of(args[i]) == out.shape:
        der = op.deriv[i]
        if der is None:
            return parent, None
        if isinstance(der, (int, float)):
            d = der if g.d is None else der * g.d
        else:
            # the op's own rule, not g * d (√x: there a zero g gives 0 at x = 0, not 0·inf)
            own = op.vjps is not op.diag_for or op.diag_d[i] is None
            if own:  # an elementwise rule takes the basis' diagonal as its cotangent
                fn, first = op.vjps[i], (np.ones(out.shape, g.dtype) if g.d is None else g.d,)
            else:
                fn, first = der, ()
            try:
                d = fn(*first, out, *args, *node.params)
            except ConcretizationError:
                d = _opaque(fn, *first, out, *args, *node.params)
            if type(d) is Tensor:
                return None
            if g.d is not None and not own:
                d = g.d * d
            elif shape_of(d) != out.shape:
                d = np.broadcast_to(d, out.shape)
        if np.ndim(d) == 0:
            d = np.full(out.shape, d, dtype=g.dtype)
        if type(d) is np.ndarray and d.dtype.kind in "fc" and not np.isfinite(d).all():
            return None  # (an infinite slope: the rows' zeros meet it as each row's VJP does)
        return parent, Eye(g.m, np.result_type(g.dtype, d), d)
    rule = op.eye_vjps[i]
    if rule is not None:  # the op's own closed form for the whole basis (matmul: rows of diag(d) A)
        try:
            c = rule(g.d, out, *args, *node.params)
        except ConcretizationError:
            c = _opaque(rule, g.d, out, *args, *node.params)
        if c is not None:
            return parent, c
    return None


_SHELLS: dict = {}  # (shape, dtype) -> a read-only zero-stride array standing in for a value


def _shell(v):
    """A stand-in for a freed value with its shape and dtype (no memory); other things (Python
    numbers, None) stay."""
    if type(v) is not np.ndarray and not isinstance(v, Tensor):
        return v
    key = (v.shape, v.dtype)
    s = _SHELLS.get(key)
    if s is None:
        if len(_SHELLS) > 512:
            _SHELLS.clear()
        s = _SHELLS[key] = np.broadcast_to(np.zeros((), v.dtype), v.shape)
    return s


def _free(node, op=None) -> None:
    """Drop a node's saved values once its rule has run. An op whose VJP reads only shapes
    (``Op.shapes_only``) keeps stand-ins, so another backward through it still works."""
    if (op or node.op).shapes_only:
        node.args = tuple(_shell(a) for a in node.args)
        node.out = _shell(node.out)
    else:
        node.args = node.out = None


@quiet_rules
def backward_pass(out_nodes: Sequence, seeds: Sequence[Any], retain: bool = False,
                  batch_ndim: int = 0, taps=None, hooks=None) -> dict:
    """The reverse sweep. Returns ``{leaf node: cotangent}``, and with ``taps`` (a
    container of inner nodes) the complete cotangent of each of those the sweep reaches.

    ``hooks`` maps some of the ``taps`` to a function ``(entry, g, dtype) -> g`` and its
    entry: the complete cotangent passes through it before the sweep goes on (PyTorch's
    tensor hooks).

    ``seeds[k]`` is the cotangent of ``out_nodes[k]`` (with ``batch_ndim``
    leading batch axes). Unless ``retain``, each node's saved residuals are
    released once its rule has run.

    Nodes are visited from the highest sequence number down, through a heap
    of the nodes that have received a cotangent so far: a node's cotangent is
    complete once every later node is done, no separate topological sort is
    needed, and nodes that receive only symbolic zeros are never visited.
    The next node in line is kept out of the heap, so a chain (a node whose
    one parent is visited next) never touches it: a run of one-input
    elementwise ops is one tight loop of ``g * d``.
    Cotangents are summed in place only into buffers the sweep itself
    allocated (a rule's result may alias its input, e.g. add returns g).
    """
    cts: dict = {}
    owned: set = set()  # nodes whose cotangent buffer this sweep allocated
    heap: list = []
    node = None
    if len(out_nodes) == 1:  # one output: its node is the first to visit
        if out_nodes[0] is not None and seeds[0] is not None:
            node = out_nodes[0]
            g = seeds[0]
    else:
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
    reached = []  # leaves that received a cotangent from a node: collected at the end, never visited
    nb = batch_ndim
    ndarray = np.ndarray
    # ``top``: the pending node of highest seq, kept out of the heap. On a chain
    # (each node's one parent is the next to visit) the heap is never touched,
    # and the cotangent goes straight on to the parent without the dict.
    top = heappop(heap)[1] if heap else None
    fast = not nb and not debug.enabled and taps is None  # (a chain run skips the taps)
    while True:
        if node is None:
            if top is not None:
                node = top
                top = None
            elif heap:
                node = heappop(heap)[1]
            else:
                break
            g = cts.pop(node)
        op = node.op
        if fast and type(g) is ndarray and op is not None and op.diag1 is not None \
                and op.vjps is op.diag_for:
            # a run of one-input elementwise nodes (sin of sin of ...): each cotangent
            # is g * d and goes straight on to the parent while it is next in line
            der = op.diag1
            while der is not None:
                args = node.args
                p = node.parents[0]
                if args is None or p is None:
                    break  # the general path below raises / skips
                if _complex_seen[0] and p.dtype.kind != node.dtype.kind:
                    break  # complex meets real: the general path takes the real part
                params = node.params
                try:
                    c = g * (der(node.out, args[0]) if not params else der(node.out, *args, *params))
                except ConcretizationError:
                    break  # the general path below replays the rule
                if not retain:
                    node.args = node.out = None
                if type(c) is not ndarray or c.shape != p.shape or p in cts \
                        or (heap and p.seq < -heap[0][0]):
                    # not a plain continuation: give p its cotangent as the general path does
                    if (c.shape if type(c) is ndarray else shape_of(c)) != p.shape:
                        c = unbroadcast(c, p.shape, 0)
                    prev = cts.get(p)
                    if prev is None:
                        cts[p] = c
                        if not heap or p.seq > -heap[0][0]:
                            top = p
                        else:
                            heappush(heap, (-p.seq, p))
                    else:
                        _accumulate(cts, owned, p, prev, c)
                    node = None
                    break
                node = p
                g = c
                op = p.op
                der = op.diag1 if op is not None and op.vjps is op.diag_for else None
            if node is None:
                continue
        op = node.op
        if taps is not None and node in taps:  # (every visit passes here, once per node)
            if hooks is not None and node in hooks and node.op is not None:
                run, entry = hooks[node]
                g = run(entry, g.dense() if type(g) is Eye else g, node.dtype)
            leaves[node] = g
        if type(g) is Eye:
            pushed = _eye_vjp(node, g) if op is not None and node.args is not None else None
            if pushed is not None:
                p, c = pushed
                if c is not None and _complex_seen[0] and p.dtype.kind != "c" \
                        and c.dtype.kind == "c":  # a real input's cotangent is real
                    c = real_for(c.dense() if type(c) is Eye else c, p.dtype)
                if c is not None:
                    cts[p] = c
                    if top is None:
                        if not heap or p.seq > -heap[0][0]:
                            top = p
                        else:
                            heappush(heap, (-p.seq, p))
                    elif p.seq > top.seq:
                        heappush(heap, (-top.seq, top))
                        top = p
                    else:
                        heappush(heap, (-p.seq, p))
                if not retain:
                    _free(node)
                node = None
                continue
            g = g.dense()
        if op is None:
            leaves[node] = g
            node = None
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
        np_ = len(parents)
        if np_ == 1:
            i = 0
        elif np_ == 2 and (parents[0] is None) is not (parents[1] is None):
            i = 1 if parents[0] is None else 0  # one traced input of two (W @ h, x * c)
        else:
            i = -1
        if i >= 0 and op.vjp_all is None:  # one input takes a cotangent: no loop
            p = parents[i]
            vjps = op.vjps
            rule = vjps[i]
            der = op.diag_d[i] if vjps is op.diag_for else None
            try:
                if p is None or rule is None:
                    c = None
                elif der is not None:  # a derived elementwise rule: g * d, without its frame
                    c = g * der(out, *args, *params)
                else:
                    c = rule(g, out, *args, *params)
            except ConcretizationError:
                c = _opaque(rule, g, out, *args, *params)
            if c is not None and debug.enabled:
                debug.check_rule(op, "VJP", i, c, node)
            if _complex_seen[0] and c is not None:  # a real input's cotangent is real
                c = real_for(c, p.dtype)
            if not retain:
                _free(node, op)
            node = None
            if c is not None:
                cs = c.shape if type(c) is ndarray else shape_of(c)
                want = p.shape if not nb else cs[:nb] + p.shape
                if cs != want:
                    c = unbroadcast(c, p.shape, nb)
                prev = cts.get(p)
                if prev is None:
                    if not heap or p.seq > -heap[0][0]:  # (top is None here) a chain: go on to p
                        node = p
                        g = c
                    else:
                        cts[p] = c
                        heappush(heap, (-p.seq, p))
                else:
                    _accumulate(cts, owned, p, prev, c)
            continue
        try:
            whole = op.vjp_all(g, out, *args, *params) if op.vjp_all is not None else None
        except ConcretizationError:
            whole = _opaque(op.vjp_all, g, out, *args, *params)
        vjps = op.vjps
        diag_d = op.diag_d if vjps is op.diag_for else None
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
                der = diag_d[i] if diag_d is not None else None
                try:
                    c = g * der(out, *args, *params) if der is not None else rule(g, out, *args, *params)
                except ConcretizationError:
                    c = _opaque(rule, g, out, *args, *params)
            if c is None:
                continue
            if debug.enabled:
                debug.check_rule(op, "VJP", i, c, node)
            if _complex_seen[0]:  # a real input's cotangent is real
                c = real_for(c, p.dtype)
            cs = c.shape if type(c) is ndarray else shape_of(c)
            want = p.shape if not nb else cs[:nb] + p.shape
            if cs != want:
                c = unbroadcast(c, p.shape, nb)
            prev = cts.get(p)
            if prev is None:
                cts[p] = c
                if p.op is None:
                    reached.append(p)
                elif top is None:
                    if not heap or p.seq > -heap[0][0]:
                        top = p
                    else:
                        heappush(heap, (-p.seq, p))
                elif p.seq > top.seq:
                    heappush(heap, (-top.seq, top))
                    top = p
                else:
                    heappush(heap, (-p.seq, p))
            else:
                _accumulate(cts, owned, p, prev, c)
        if not retain:
            _free(node, op)
        node = None
    for p in reached:
        if p in cts:  # (not when it was also seeded, and so visited)
            g = cts.pop(p)
            leaves[p] = g.dense() if type(g) is Eye else g
    return leaves


def _accumulate(cts: dict, owned: set, p, prev, c) -> None:
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


# debug_nans looks for these frames to tell a rule's own ops from the user's
debug.RULE_RUNNERS.update((backward_pass.__wrapped__.__code__, _node_jvp.__code__))
