"""Transforms with JAX's signatures: vjp, jvp, linearize, grad, value_and_grad,
jacrev, jacfwd, hessian, hvp (user-defined rules are :mod:`tensorgrad.custom`).

Each transform opens its own trace, wraps the inputs as Tensors on it, calls
the function, and reads the result off the tape (reverse) or the tangents
(forward). Inputs and outputs are pytrees of arrays; results come back as
NumPy arrays in the same structure. Transforms nest: the values a transform
sees may be Tensors of an enclosing transform, and then its results are too.

Full Jacobians cost one sweep: ``jacrev`` seeds the reverse sweep with the
whole identity basis as one batch of cotangents, ``jacfwd`` pushes the whole
basis of tangents forward at once (``chunk_size`` bounds the batch).
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable, Sequence

import numpy as np

from . import jax_backend as _jaxb
from . import ops as _ops
from .guards import Held, check_intact, lock, lock_inputs, unlock
from .recording import Node, close_trace, leaf_node, new_forward_trace, new_reverse_trace
from .transform_parts import FLOAT0, Rows, jax_flags as _jax_flags, check_chunk_size as _check_chunk_size
from .transform_parts import float_dtype as _float_dtype, integer_primal as _integer_primal
from .transform_parts import check_tangent as _check_tangent
from .transform_parts import check_fun as _check_fun
from .transform_parts import finish as _finish, finish_value as _finish_value
from .transform_parts import live as _live, no_tangent as _no_tangent, zeros_like as _zeros_like
from .transform_parts import as_primal as _as_primal, check_output as _check_output
from .transform_parts import check_inputs as _check_inputs, check_linear_kind
from .complexity import note as _note_complex
from .flavor import torch_trace
from .transform_parts import norm_argnums as _norm_argnums, own as _own
from .staging import as_array, is_staged
from .sweep import Eye, backward_pass, node_jvp, toposort
from .tensor import Tensor, concrete
from .tree import tree_flatten, tree_unflatten

__all__ = ["vjp", "jvp", "linearize", "grad", "value_and_grad", "jacrev", "jacfwd",
           "hessian", "hvp"]

#: per thread: the tg.to_jax conversion running, if any. Inside one, each
#: transform below is JAX's (one attribute test per transform call, none per op).
_IN_JAX = _jaxb.ACTIVE
_LEAF = tree_flatten(0.0)[1]  # the treedef of a bare array


# --------------------------------------------------------------------------
# inputs and outputs
# --------------------------------------------------------------------------

_WHAT: dict = {}


def _input_what(k: int, where: str) -> str:
    """``"input k of <transform>"``, the owner a lock names in its errors (made once)."""
    w = _WHAT.get((k, where))
    if w is None:
        w = _WHAT[(k, where)] = f"input {k} of {where}"
    return w


class _Recording:
    """A function run once on a reverse trace, ready for sweeps."""

    __slots__ = ("out_tree", "out_values", "out_nodes", "in_leaves", "in_nodes", "in_treedefs", "aux",
                 "held")


def _record(f: Callable, args: Sequence, argnums: tuple, has_aux: bool, where: str,
            held: Held | None = None, allow_int: bool = False, real_out: bool = False,
            holomorphic: bool = False) -> _Recording:
    """Run ``f`` once on a new reverse trace.

    The caller's input arrays and the constants the tape saves are locked
    read-only into ``held`` (no copies): the transform releases it when its
    tape is no longer needed (grad, jacrev: after the sweep; vjp, linearize:
    when the returned function is collected). Without ``held`` they are
    copied instead (structured Jacobians keep what the tape saved). With
    ``allow_int``, integer and boolean inputs are constants (no tape node; their
    gradients are JAX's float0 zeros). ``real_out`` (grad, jacrev) refuses complex
    outputs unless ``holomorphic``, which needs complex inputs and outputs (as JAX).
    """
    rec = _Recording()
    if held is None:
        held = Held(copy=True)
    rec.held = held
    if holomorphic:
        for k in argnums:
            _check_inputs(tree_flatten(args[k])[0], where, True)
    trace = new_reverse_trace(held)
    args = list(args)
    rec.in_leaves, rec.in_nodes, rec.in_treedefs = [], [], []
    try:
        for k in argnums:
            a = args[k]
            if type(a) is np.ndarray and a.base is None and a.dtype.kind == "f" and not held.copy:
                # the commonest input, one float array owning its memory: locked as it is
                lock(a, held, _input_what(k, where))
                n = Node(None, (), (), None, None, a.shape, a.dtype)
                args[k] = Tensor(a, trace, n)
                rec.in_leaves.append([a])
                rec.in_nodes.append([n])
                rec.in_treedefs.append(_LEAF)
                continue
            leaves, td = tree_flatten(a)
            torch_trace(trace, leaves)  # (PyTorch's tensors in: PyTorch's methods inside)
            vals, nodes, wrapped = [], [], []
            # arrays come back locked (or as private copies): read-only
            for v in lock_inputs(leaves, held, _input_what(k, where)):
                if type(v) is np.ndarray and v.dtype.kind == "f":
                    n = Node(None, (), (), None, None, v.shape, v.dtype)
                elif allow_int and np.result_type(concrete(v)).kind in "biu":
                    c = concrete(v)  # (under tg.jit a traced value: only its shape and dtype count)
                    vals.append(np.zeros(np.shape(c), np.result_type(c)) if is_staged(c) else np.asarray(c))
                    nodes.append(None)
                    wrapped.append(v)
                    continue
                else:
                    v = _as_primal(v, where)
                    n = leaf_node(v)
                vals.append(v)
                nodes.append(n)
                wrapped.append(Tensor(v, trace, n))
            args[k] = tree_unflatten(td, wrapped)
            rec.in_leaves.append(vals)
            rec.in_nodes.append(nodes)
            rec.in_treedefs.append(td)
        result = f(*args)
    finally:
        close_trace(trace)
    if has_aux:
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"{where}: with has_aux=True the function must return (output, aux)")
        result, aux = result
        rec.aux = tree_unflatten(*_strip(aux, trace)[::-1])
    else:
        rec.aux = None
    leaves, td = tree_flatten(result)
    rec.out_tree = td
    rec.out_values, rec.out_nodes = [], []
    for v in leaves:
        _check_output(v, where, real_out, holomorphic)
        if type(v) is Tensor and v._trace is trace:
            rec.out_values.append(v._value)
            rec.out_nodes.append(v._node)
        else:
            rec.out_values.append(v)
            rec.out_nodes.append(None)
    return rec


def _record_kept(f: Callable, primals: Sequence, has_aux: bool, where: str,
                 allow_int: bool = False, held: Held | None = None):
    """Record ``f`` for a tape that outlives the call (vjp, linearize).

    Returns ``(recording, held, outputs)``: the saved arrays stay locked in
    ``held`` until the returned function that keeps it is collected; if
    recording fails they are released at once. (``Held(copy=True)``: copied instead.)
    """
    held = Held() if held is None else held
    try:
        rec = _record(f, primals, tuple(range(len(primals))), has_aux, where, held, allow_int)
    except BaseException:
        unlock(held)
        raise
    return rec, held, tree_unflatten(rec.out_tree, [_finish_value(v) for v in rec.out_values])


def _strip(tree, trace):
    """aux leaves as JAX returns them: values traced here become arrays, NumPy
    arrays come back as copies (never the caller's buffer), the rest (Python
    scalars, strings, ...) exactly as given."""
    leaves, td = tree_flatten(tree)
    out = []
    for v in leaves:
        if type(v) is Tensor:
            while type(v) is Tensor and v._trace is trace:
                v = v._value
            v = _finish_value(v)
        elif isinstance(v, np.ndarray):
            v = np.array(v, copy=True)  # never the caller's own buffer
        out.append(v)
    return out, td


def _cast_like(g, like):
    """Cast a cotangent to its input's dtype (float32 inputs get float32 gradients)."""
    if type(g) is np.ndarray and type(like) is np.ndarray and g.dtype == like.dtype:
        return g
    want = np.result_type(concrete(like))
    have = np.result_type(concrete(g))
    if have != want:
        if have.kind == "c" and want.kind != "c":
            # a real input met complex values: its cotangent is the real part (JAX's convention,
            # see tensorgrad.complexity)
            g = _ops.real(g)
            if np.result_type(concrete(g)) == want:
                return g
        return _ops.astype(g, want)
    return g


def _tangent_of(t, v):
    """A tangent in its output's floating dtype, as JAX gives it (a rule may widen it)."""
    dv = v.dtype if type(v) is np.ndarray else np.result_type(concrete(v))
    return _cast_like(t, v) if dv.kind in "fc" and np.result_type(concrete(t)) != dv else t


def _gather(rec: _Recording, leaves_ct: dict, batch=()):
    """Per-argnum pytrees of input cotangents (zeros where nothing flowed).

    Each result is a separate writable array (see :func:`_own`), made so in
    the same pass.
    """
    outs = []
    seen: set = set()
    ndarray = np.ndarray
    for vals, nodes, td in zip(rec.in_leaves, rec.in_nodes, rec.in_treedefs):
        cts = []
        for v, n in zip(vals, nodes):
            g = leaves_ct.get(n)
            if type(v) is not ndarray:
                if g is None:
                    cts.append(_zeros_like(v, batch))
                    continue
                g = _finish(_cast_like(g, v))
            elif g is None:  # a float input (see _as_primal): zeros of its shape and dtype
                # (an integer one, allow_int: JAX's float0 zeros; its own dtype in a Jacobian)
                dt = v.dtype if v.dtype.kind in "fc" or batch else FLOAT0
                cts.append(np.zeros(batch + v.shape if batch else v.shape, dt))
                continue
            elif type(g) is not ndarray or g.dtype != v.dtype:
                g = _finish(_cast_like(g, v))
            if type(g) is ndarray:  # as _own does: never shared, never a view, never read-only
                if g.base is not None or id(g) in seen or not g.flags.writeable:
                    g = g.copy()
                seen.add(id(g))
            cts.append(g)
        outs.append(tree_unflatten(td, cts))
    return outs


# --------------------------------------------------------------------------
# reverse mode
# --------------------------------------------------------------------------

def vjp(f: Callable, *primals: Any, has_aux: bool = False, reduce_axes: Sequence = ()):
    """Evaluate ``f(*primals)`` and return ``(out, vjp_fn)`` (and ``aux``).

    ``vjp_fn(ct)`` maps a cotangent shaped like ``out`` to a tuple with one
    cotangent per primal: ``ct · ∂f/∂primals``, one reverse sweep, O(cost of
    f). It can be called many times (the tape is kept while it lives). An
    integer or boolean primal is a constant; its cotangent is JAX's float0 zeros.
    ``reduce_axes`` is JAX's deprecated argument: only its default is accepted.
    """
    if reduce_axes:
        _jax_flags("vjp", False, reduce_axes)
    _check_fun(f, "vjp")
    if _IN_JAX.trace is not None:
        return _jaxb.vjp(f, primals, has_aux)
    rec, held, out = _record_kept(f, primals, has_aux, "vjp", True)  # held: while vjp_fn lives
    vjp_fn = pullback(rec, held)
    return (out, vjp_fn, rec.aux) if has_aux else (out, vjp_fn)


def pullback(rec: _Recording, held: Held) -> Callable:
    """The VJP function of a recording kept by :func:`_record_kept` (``vjp``'s ``vjp_fn``)."""
    single = rec.out_tree is _LEAF and type(rec.out_values[0]) is np.ndarray

    def vjp_fn(ct):
        check_intact(held, "vjp_fn")
        if single and type(ct) is np.ndarray:  # one array for one array: the common case
            v = rec.out_values[0]
            if ct.shape == v.shape and (ct.dtype.kind in "biuf" or ct.dtype.kind == v.dtype.kind == "c"):
                # a private copy: identity rules may hand the seed back as a gradient
                seed = np.array(ct, dtype=v.dtype if v.dtype.kind in "fc" else np.float64)
                return tuple(_gather(rec, backward_pass(rec.out_nodes, [seed], retain=True)))
        ct_leaves, td = tree_flatten(ct)
        if td != rec.out_tree:
            raise TypeError(f"vjp_fn: cotangent structure {td} does not match the output's {rec.out_tree}")
        seeds = []
        for c, v in zip(ct_leaves, rec.out_values):
            cs, vs = np.shape(concrete(c)), np.shape(concrete(v))
            if cs != vs:
                raise ValueError(f"vjp_fn: cotangent of shape {cs} for an output of shape {vs}")
            if getattr(concrete(c), "dtype", None) == FLOAT0:  # JAX's cotangent of an integer output
                seeds.append(np.zeros(vs, dtype=_float_dtype(v)))
                continue
            kind = np.result_type(concrete(c)).kind
            if kind not in "biuf" and not (kind == "c" and _float_dtype(v).kind == "c"):
                # (a complex cotangent of a real output would lose its imaginary part)
                raise TypeError(f"vjp_fn: a cotangent of dtype {np.result_type(concrete(c))} for "
                                f"an output of dtype {_float_dtype(v)}: the cotangent of a real "
                                f"output is real, that of a complex one real or complex")
            # a private copy: identity rules may hand the seed back as a gradient
            seeds.append(c if _live(c) else as_array(concrete(c), _float_dtype(v), copy=True))
        leaves = backward_pass(rec.out_nodes, seeds, retain=True)
        return tuple(_gather(rec, leaves))
    return vjp_fn


def _scalar_seed(rec: _Recording, name: str, holomorphic: bool = False):
    # a container holding one scalar ((loss,), [loss], {"l": loss}) is a pytree, not a scalar:
    # JAX refuses it, and value_and_grad would hand back the bare leaf, not f's structure
    if len(rec.out_values) != 1 or (rec.out_tree is not _LEAF and rec.out_tree != _LEAF):
        raise TypeError(f"{name}: the function must return a single array, got a pytree "
                        f"{rec.out_tree}; use tg.jacrev, or has_aux=True for extra outputs")
    v = rec.out_values[0]
    if type(v) is np.float64 or (type(v) is np.ndarray and v.shape == () and v.dtype.kind == "f"):
        return np.array(1, dtype=v.dtype)  # the common case: a float scalar
    v = concrete(v)
    shape = tuple(np.shape(v))
    dt = v.dtype if isinstance(v, (np.ndarray, np.generic)) else np.result_type(v)
    if math.prod(shape) != 1 or len(shape) > 2:
        raise TypeError(f"{name}: the function must return a scalar (or an array of shape (1,) "
                        f"or (1, 1)), got shape {shape}; reduce it first (e.g. .sum() or .mean()), "
                        f"or use tg.jacrev / tg.vjp for non-scalar outputs")
    if dt.kind != "f" and not (holomorphic and dt.kind == "c"):
        raise TypeError(f"{name}: the function's output has dtype {dt}; it must be floating point")
    return np.ones(shape, dtype=dt)


def grad(f: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False,
         allow_int: bool = False, reduce_axes: Sequence = ()) -> Callable:
    """The gradient function of a scalar-valued ``f`` with respect to ``argnums``.

    ``allow_int=True`` accepts integer and boolean inputs among ``argnums``: their
    gradient is JAX's float0 zeros. A complex input gets the complex gradient
    ``∂f/∂x − i ∂f/∂y`` (JAX's convention); ``holomorphic=True`` differentiates a
    complex-valued ``f`` of complex inputs (the result is ``f′(z)``). ``reduce_axes`` is
    JAX's deprecated argument: only its default is accepted."""
    _check_fun(f, "grad")
    vg = value_and_grad(f, argnums, has_aux, holomorphic, allow_int, reduce_axes)

    @functools.wraps(f)
    def grad_f(*args, **kwargs):
        value, g = vg(*args, **kwargs)
        return (g, value[1]) if has_aux else g
    return grad_f


def value_and_grad(f: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False,
                   allow_int: bool = False, reduce_axes: Sequence = ()) -> Callable:
    """Like :func:`grad`, returning ``(value, gradient)`` (``((value, aux), gradient)`` with aux)."""
    _check_fun(f, "value_and_grad")
    _jax_flags("value_and_grad", holomorphic, reduce_axes)
    known: dict = {}  # number of positional arguments -> normalised argnums

    @functools.wraps(f)
    def vg(*args, **kwargs):
        if kwargs:  # passed through to f, not differentiated (as JAX does)
            return value_and_grad(functools.partial(f, **kwargs), argnums, has_aux,
                                  holomorphic, allow_int=allow_int)(*args)
        if _IN_JAX.trace is not None:
            return _jaxb.value_and_grad(f, argnums, has_aux, args, holomorphic, allow_int)
        nargs = len(args)
        norm = known.get(nargs)
        if norm is None:
            norm = known[nargs] = _norm_argnums(argnums, nargs, "grad")
        single, nums = norm
        held = Held()
        try:  # the caller's inputs stay read-only until the sweep is done
            rec = _record(f, args, nums, has_aux, "grad", held, allow_int, True, holomorphic)
            check_intact(held, "grad")  # (f itself may have made a saved array writable)
            seed = _scalar_seed(rec, "grad", holomorphic)
            leaves = backward_pass(rec.out_nodes, [seed], retain=False)
            grads = _gather(rec, leaves)  # while locked: results never alias a caller's array
        finally:
            unlock(held)
        value = _finish_value(rec.out_values[0])
        value = (value, rec.aux) if has_aux else value
        return value, (grads[0] if single else tuple(grads))
    return vg


def jacrev(f: Callable, argnums=0, has_aux: bool = False, chunk_size: int | None = None,
           holomorphic: bool = False, allow_int: bool = False) -> Callable:
    """The Jacobian by reverse mode: one sweep with the whole basis of output cotangents.

    The result has JAX's layout: ``out.shape + in.shape`` per (output, input)
    leaf. ``chunk_size`` limits how many basis rows go through one sweep.
    ``allow_int``: integer inputs get zero blocks of their dtype (as JAX).
    """
    _check_fun(f, "jacrev")
    _jax_flags("jacrev", holomorphic)
    _check_chunk_size("jacrev", chunk_size)

    @functools.wraps(f)
    def jac(*args, **kwargs):
        if kwargs:  # passed through to f, not differentiated (as JAX does)
            return jacrev(functools.partial(f, **kwargs), argnums, has_aux, chunk_size,
                          holomorphic, allow_int=allow_int)(*args)
        if _IN_JAX.trace is not None:
            return _jaxb.jacobian("jacrev", f, argnums, has_aux, args, holomorphic, allow_int)
        held = Held()
        try:  # the caller's inputs stay read-only until the last sweep is done
            return _jacrev_locked(args, held)
        finally:
            unlock(held)

    def _jacrev_locked(args, held):
        single, nums = _norm_argnums(argnums, len(args), "jacrev")
        rec = _record(f, args, nums, has_aux, "jacrev", held, allow_int, True, holomorphic)
        check_intact(held, "jacrev")
        per_out = []
        n_out = len(rec.out_nodes)
        for o, (node, v) in enumerate(zip(rec.out_nodes, rec.out_values)):
            oshape = tuple(np.shape(concrete(v)))
            m = math.prod(oshape)
            dt = _float_dtype(v)
            # rows of the Jacobian per (argnum, leaf), filled chunk by chunk
            rows = [[Rows(m) for _ in leaves] for leaves in rec.in_leaves]
            step = max(m, 1) if not chunk_size else max(1, int(chunk_size))
            for lo in range(0, max(m, 1), step):
                hi = min(m, lo + step)
                if len(oshape) == 1 and lo == 0 and hi == m:
                    seed = Eye(m, dt)  # the identity, kept symbolic (see tape.Eye)
                else:  # rows lo..hi of the identity only: memory ~ chunk × output size
                    seed = np.zeros((hi - lo, m), dtype=dt)
                    seed[np.arange(hi - lo), np.arange(lo, hi)] = 1
                    seed = seed.reshape((hi - lo,) + oshape)
                last = o == n_out - 1 and hi >= m  # no sweep after this one: free as we go
                leaves = backward_pass([node], [seed], retain=not last, batch_ndim=1) if node else {}
                seed = None
                for k, block in enumerate(_gather(rec, leaves, batch=(hi - lo,))):
                    for j, part in enumerate(tree_flatten(block)[0]):
                        rows[k][j].add(lo, hi, part)
                leaves = block = part = None
                if m == 0:
                    break
            per_arg = []
            for k in range(len(nums)):
                jacs = []
                for j, inv in enumerate(rec.in_leaves[k]):
                    ishape = tuple(np.shape(concrete(inv)))
                    J = rows[k][j].joined()
                    jacs.append(_finish(_ops.reshape(J, oshape + ishape)))
                per_arg.append(tree_unflatten(rec.in_treedefs[k], jacs))
            per_out.append(per_arg[0] if single else tuple(per_arg))
        result = tree_unflatten(rec.out_tree, per_out)
        return (result, rec.aux) if has_aux else result
    return jac



# --------------------------------------------------------------------------
# forward mode
# --------------------------------------------------------------------------

def _run_forward(f, args, argnums, tangent_leaves, has_aux, batch_ndim, where):
    """Run f on a forward trace; returns (out leaves, out treedef, tangent leaves, aux)."""
    trace = new_forward_trace(batch_ndim)
    args = list(args)
    try:
        it = iter(tangent_leaves)
        for k in argnums:
            leaves, td = tree_flatten(args[k])
            torch_trace(trace, leaves)
            wrapped = []
            for v in leaves:
                t = next(it)
                if t is None:  # an integer or boolean primal (jvp, float0 tangent): a constant
                    wrapped.append(v)
                    continue
                p = _as_primal(v, where)
                if p.dtype.kind == "c":  # (forward mode has no leaf nodes to say so)
                    _note_complex()
                wrapped.append(Tensor(p, trace, None, t))
            args[k] = tree_unflatten(td, wrapped)
        result = f(*args)
    finally:
        close_trace(trace)
    aux = None
    if has_aux:
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"{where}: with has_aux=True the function must return (output, aux)")
        result, aux = result
        aux = tree_unflatten(*_strip(aux, trace)[::-1])
    leaves, td = tree_flatten(result)
    vals, tans = [], []
    for v in leaves:
        _check_output(v, where)
        if type(v) is Tensor and v._trace is trace:
            vals.append(v._value)
            tans.append(v._tangent)
        else:
            vals.append(v)
            tans.append(None)
    return vals, td, tans, aux


def _check_sequences(where: str, primals, tangents) -> None:
    # (a bare array would be split into its rows, one argument each)
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f"{where}: primals and tangents must be tuples (or lists) of arguments, "
                        f"one per argument of f: tg.{where}(f, (x,), (v,))")


def jvp(f: Callable, primals: Sequence, tangents: Sequence, has_aux: bool = False):
    """``(f(*primals), J·tangents)``: one forward sweep, O(cost of f)."""
    _check_fun(f, "jvp")
    _check_sequences("jvp", primals, tangents)
    if len(primals) != len(tangents):
        raise TypeError(f"jvp: {len(primals)} primals but {len(tangents)} tangents")
    if _IN_JAX.trace is not None:
        return _jaxb.jvp(f, primals, tangents, has_aux)
    p_leaves, p_td = tree_flatten(tuple(primals))
    t_leaves, t_td = tree_flatten(tuple(tangents))
    if p_td != t_td:
        raise TypeError(f"jvp: tangents structure {t_td} does not match primals {p_td}")
    tans = []
    for p, t in zip(p_leaves, t_leaves):
        ps, ts = np.shape(concrete(p)), np.shape(concrete(t))
        if ps != ts:
            raise ValueError(f"jvp: tangent of shape {ts} for a primal of shape {ps}")
        if _integer_primal(p, t, "jvp"):
            tans.append(None)
            continue
        _check_tangent(t, "jvp", p)
        tans.append(t if _live(t) else as_array(concrete(t), _float_dtype(p), copy=True))
    vals, td, touts, aux = _run_forward(f, primals, tuple(range(len(primals))), tans, has_aux, 0, "jvp")
    out = tree_unflatten(td, [_finish_value(v) for v in vals])
    tout = tree_unflatten(td, _own([_finish(_tangent_of(t, v)) if t is not None else _no_tangent(v)
                                    for v, t in zip(vals, touts)]))
    return (out, tout, aux) if has_aux else (out, tout)


def jacfwd(f: Callable, argnums=0, has_aux: bool = False, chunk_size: int | None = None,
           holomorphic: bool = False) -> Callable:
    """The Jacobian by forward mode: one sweep pushing the whole basis of input tangents.

    Layout ``out.shape + in.shape``, as :func:`jacrev`.
    """
    _check_fun(f, "jacfwd")
    _jax_flags("jacfwd", holomorphic)
    _check_chunk_size("jacfwd", chunk_size)

    @functools.wraps(f)
    def jac(*args, **kwargs):
        if kwargs:  # passed through to f, not differentiated (as JAX does)
            return jacfwd(functools.partial(f, **kwargs), argnums, has_aux, chunk_size,
                          holomorphic)(*args)
        if _IN_JAX.trace is not None:
            return _jaxb.jacobian("jacfwd", f, argnums, has_aux, args, holomorphic)
        single, nums = _norm_argnums(argnums, len(args), "jacfwd")
        in_leaves, in_tds = [], []
        for k in nums:
            leaves, td = tree_flatten(args[k])
            in_leaves.append(leaves)
            in_tds.append(td)
        flat = [v for leaves in in_leaves for v in leaves]
        _check_inputs(flat, "jacfwd", holomorphic, real=True)
        sizes = [int(np.prod(np.shape(concrete(v)))) for v in flat]
        total = sum(sizes)
        offsets = np.cumsum([0] + sizes)
        step = max(total, 1) if not chunk_size else max(1, int(chunk_size))
        chunks, vals, td, aux = [], None, None, None
        filled = None  # per output: per input leaf, its Jacobian columns (plain arrays)
        for lo in range(0, max(total, 1), step):
            hi = min(total, lo + step)
            tangents = []
            for v, off, n in zip(flat, offsets, sizes):
                basis = np.zeros((hi - lo, n), dtype=_float_dtype(v))
                rows = np.arange(max(lo, off), min(hi, off + n))
                basis[rows - lo, rows - off] = 1
                tangents.append(basis.reshape((hi - lo,) + tuple(np.shape(concrete(v)))))
            vals, td, touts, aux = _run_forward(f, args, nums, tangents, has_aux, 1, "jacfwd")
            for v in vals if holomorphic else ():  # (as jacrev's: complex outputs only)
                _check_output(v, "jacfwd", holomorphic=True)
            tangents = None
            chunk = [_tangent_of(t, v) if t is not None else _zeros_like(v, (hi - lo,))
                     for v, t in zip(vals, touts)]
            touts = None
            if step < total and not chunks and all(type(c) is np.ndarray for c in chunk):
                # chunked, plain arrays: write each chunk's columns into the result
                if filled is None:
                    filled = [[np.empty(c.shape[1:] + (n,), dtype=c.dtype) for n in sizes]
                              for c in chunk]
                for c, cols in zip(chunk, filled):
                    for i, (off, n) in enumerate(zip(offsets, sizes)):
                        a, b = max(lo, off), min(hi, off + n)
                        if a < b:
                            cols[i][..., a - off:b - off] = np.moveaxis(c[a - lo:b - lo], 0, -1)
                chunk = c = None
                continue
            if filled is not None:
                raise RuntimeError("jacfwd: a chunk of tangents changed kind between chunks")
            chunks.append(chunk)
            if total == 0:
                break
        if filled is not None:
            per_out = []
            for o, v in enumerate(vals):
                oshape = tuple(np.shape(concrete(v)))
                per_arg, i = [], 0
                for leaves, itd in zip(in_leaves, in_tds):
                    jacs = []
                    for leaf in leaves:
                        jacs.append(filled[o][i].reshape(oshape + tuple(np.shape(concrete(leaf)))))
                        i += 1
                    per_arg.append(tree_unflatten(itd, jacs))
                per_out.append(per_arg[0] if single else tuple(per_arg))
            result = tree_unflatten(td, per_out)
            return (result, aux) if has_aux else result
        per_out = []
        for o, v in enumerate(vals):
            oshape = tuple(np.shape(concrete(v)))
            parts = [c[o] for c in chunks]
            T = parts[0] if len(parts) == 1 else _ops.concatenate(parts, axis=0)  # (total, *oshape)
            T = _ops.moveaxis(T, 0, -1) if oshape else T
            per_arg, i = [], 0
            for leaves, itd in zip(in_leaves, in_tds):
                jacs = []
                for leaf in leaves:
                    ishape = tuple(np.shape(concrete(leaf)))
                    piece = _ops.getitem(T, (Ellipsis, slice(int(offsets[i]), int(offsets[i + 1]))))
                    jacs.append(_finish(_ops.reshape(piece, oshape + ishape)))
                    i += 1
                per_arg.append(tree_unflatten(itd, jacs))
            per_out.append(per_arg[0] if single else tuple(per_arg))
        result = tree_unflatten(td, per_out)
        return (result, aux) if has_aux else result
    return jac


def hessian(f: Callable, argnums=0, has_aux: bool = False, holomorphic: bool = False) -> Callable:
    """Second derivatives of a scalar ``f``: ``jacfwd(jacrev(f))`` (forward over reverse)."""
    _check_fun(f, "hessian")
    return jacfwd(jacrev(f, argnums, has_aux, holomorphic=holomorphic), argnums, has_aux,
                  holomorphic=holomorphic)


def hvp(f: Callable, primals: Sequence, tangents: Sequence):
    """Hessian-vector product ``H·v`` of a scalar ``f`` (forward over reverse).

    Costs one gradient evaluation plus its JVP; H is never formed. Returns
    the product in the structure of ``primals`` (unwrapped when there is one).
    """
    _check_sequences("hvp", primals, tangents)
    argnums = tuple(range(len(primals)))
    _, hv = jvp(grad(f, argnums=argnums), tuple(primals), tuple(tangents))
    return hv[0] if len(primals) == 1 else hv


def linearize(f: Callable, *primals: Any, has_aux: bool = False):
    """``(f(*primals), f_jvp)`` (and ``aux``): f evaluated once, its linear map kept.

    ``f_jvp(*tangents)`` pushes tangents forward over the recorded tape with
    each op's JVP rule, reusing the saved values (no re-evaluation of f).
    """
    _check_fun(f, "linearize")
    if _IN_JAX.trace is not None:
        return _jaxb.linearize(f, primals, has_aux)
    rec, held, out = _record_kept(f, primals, has_aux, "linearize", True)  # held: while f_jvp lives
    f_jvp = pushforward(rec, held, primals)
    return (out, f_jvp, rec.aux) if has_aux else (out, f_jvp)


def pushforward(rec: _Recording, held: Held, primals: Sequence) -> Callable:
    """The JVP function of a recording of ``f(*primals)`` kept by :func:`_record_kept`
    (``linearize``'s ``f_jvp``)."""
    order = toposort([n for n in rec.out_nodes if n is not None])
    leaf_nodes = [n for nodes in rec.in_nodes for n in nodes]
    p_td = tree_flatten(tuple(primals))[1]

    def f_jvp(*tangents):
        check_intact(held, "f_jvp")
        if len(tangents) != len(primals):
            raise ValueError(f"f_jvp: expected {len(primals)} tangents, got {len(tangents)}")
        t_leaves, t_td = tree_flatten(tuple(tangents))
        if t_td != p_td:
            raise TypeError(f"f_jvp: tangents structure {t_td} does not match primals {p_td}")
        tan: dict[Node, Any] = {}
        for n, t, v in zip(leaf_nodes, t_leaves, [v for vals in rec.in_leaves for v in vals]):
            if np.shape(concrete(t)) != np.shape(v):
                raise ValueError(f"f_jvp: tangent of shape {np.shape(concrete(t))} "
                                 f"for a primal of shape {np.shape(v)}")
            if n is not None:
                _check_tangent(t, "f_jvp", v)  # (object, complex for a real primal: a TypeError)
            check_linear_kind(v, t)
            if n is None:  # an integer or boolean primal: a constant (float0 tangent)
                continue
            # a private copy in the primal's dtype, as jvp makes: a rule that passes its
            # tangent through (identity, reshape) must not hand back the caller's array
            tan[n] = t if _live(t) else as_array(concrete(t), _float_dtype(v), copy=True)
        for node in order:
            if node.op is None:
                continue
            ts = [tan.get(p) if p is not None else None for p in node.parents]
            tan[node] = node_jvp(node.op, ts, node.args, node.params, node.out)
        res = _own([_finish(_tangent_of(tan[n], v)) if n is not None and tan.get(n) is not None
                    else _no_tangent(v) for n, v in zip(rec.out_nodes, rec.out_values)])
        return tree_unflatten(rec.out_tree, res)
    return f_jvp

