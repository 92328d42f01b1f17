"""``tg.vmap``: map a function over an axis of its inputs, with JAX's signature.

``vmap(f, in_axes, out_axes)(*args)`` is ``f`` applied to each slice of the
mapped inputs along their mapped axis, with the results stacked along
``out_axes``. tensorgrad runs it as a loop over the slices: the slices and
the stack are registered ops, so a vmapped function differentiates in every
transform (``tg.vmap(tg.grad(loss), in_axes=(None, 0, 0))`` gives one gradient
per example), but it costs one call of ``f`` per slice. It is the semantics of
JAX's ``vmap``, not its vectorization: for that, write the batch axis into the
function (most ops broadcast), or run it on JAX with ``tg.to_jax``.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable

import numpy as np

from . import ops as _ops
from .guards import Held, lock_inputs, unlock
from .recording import IMPERATIVE, next_level
from .staging import as_array, check as _staged_check, is_staged, tracing_here
from .sweep import depends_on
from .tensor import Tensor, concrete, dtype_of, shape_of, traced_level
from .tree import _CUSTOM, _dict_keys, tree_flatten, tree_unflatten

__all__ = ["vmap", "MapFrame", "Suspend", "current_frame", "frames_hidden"]


def _spread_axes(axes, tree, what: str) -> list:
    """One axis (int or None) per leaf of ``tree``, from an int, None or a pytree prefix."""
    if axes is None or isinstance(axes, (int, np.integer)):
        return [axes] * len(tree_flatten(tree)[0])
    custom = _CUSTOM.get(type(tree))
    if custom is not None and type(axes) is type(tree):  # a registered node: its own children
        (sub_axes, aux_axes), (subs, aux) = custom[0](axes), custom[0](tree)
        sub_axes, subs = list(sub_axes), list(subs)
        if len(sub_axes) == len(subs) and aux_axes == aux:
            return [a for sa, sub in zip(sub_axes, subs) for a in _spread_axes(sa, sub, what)]
    if isinstance(axes, (list, tuple)) and isinstance(tree, (list, tuple)) and len(axes) == len(tree) \
            and (not hasattr(axes, "_fields") or type(axes) is type(tree)):  # (a namedtuple: its own)
        return [a for sub_axes, sub in zip(axes, tree) for a in _spread_axes(sub_axes, sub, what)]
    if isinstance(axes, dict) and isinstance(tree, dict) and set(axes) == set(tree):
        return [a for k in _dict_keys(tree) for a in _spread_axes(axes[k], tree[k], what)]
    which = "arguments" if what == "in_axes" else "outputs"
    raise ValueError(f"vmap: {what} {axes!r} does not match the structure of the {which} "
                     f"({tree_flatten(tree)[1]}); give an int, None, or a tuple/list/dict "
                     f"(or registered node) prefix of the {which} with one entry per {which[:-1]}")


def _is_axis(a) -> bool:
    """An axis of in_axes/out_axes: an integer (a bool is not one, as in JAX)."""
    return isinstance(a, (int, np.integer)) and not isinstance(a, (bool, np.bool_))


def vmap(fun: Callable, in_axes: Any = 0, out_axes: Any = 0, axis_size: int | None = None,
         axis_name: Any = None, spmd_axis_name: Any = None) -> Callable:
    """``fun`` mapped over an axis of its arguments, as ``jax.vmap`` (a loop; see the module).

    ``in_axes``: an int, None (not mapped) or a tuple/list with one entry per
    positional argument (each an int, None or a prefix of that argument's pytree).
    Keyword arguments are mapped over their axis 0. ``out_axes``: where the mapped
    axis goes in each output (an int, None for an output that does not depend on the
    slice, or a prefix of the output pytree). ``axis_size`` is needed when no input
    is mapped. ``axis_name`` names the mapped axis for the collectives of :mod:`tensorgrad.lax`
    (``psum``, ``pmean``, ``pmax``, ``pmin``, ``all_gather``, ``ppermute``, ``all_to_all``,
    ``axis_index``, ...) called inside ``fun``; ``spmd_axis_name`` is accepted for JAX code and changes nothing.
    """
    if not callable(fun):
        raise TypeError(f"vmap: expected a function to map, got {type(fun).__name__} {fun!r}")
    if isinstance(in_axes, list):
        in_axes = tuple(in_axes)
    if not (in_axes is None or isinstance(in_axes, tuple) or _is_axis(in_axes)):
        raise TypeError(f"vmap: in_axes must be an int, None, or a tuple/list with one entry per "
                        f"positional argument, got {in_axes!r}")
    for what, spec in (("in_axes", in_axes), ("out_axes", out_axes)):
        for a in tree_flatten(spec)[0]:
            if not _is_axis(a):
                raise TypeError(f"vmap: {what} must be an int, None, or a pytree of them, got "
                                f"{a!r} in {spec!r}")

    @functools.wraps(fun)
    def mapped(*args, **kwargs):
        if isinstance(in_axes, tuple) and len(in_axes) != len(args):
            raise ValueError(f"vmap: in_axes has {len(in_axes)} entries for {len(args)} "
                             "positional arguments")
        # the leaves of (args, kwargs): those of args, then those of kwargs (mapped over axis 0)
        leaves, td = tree_flatten((args, kwargs))
        axes = _spread_axes(in_axes if isinstance(in_axes, tuple) else (in_axes,) * len(args),
                            args, "in_axes")
        axes += [0] * (len(leaves) - len(axes))
        sizes = set()
        moved = []
        for v, ax in zip(leaves, axes):
            if ax is None:
                moved.append(None)
                continue
            shape = shape_of(concrete(v))
            if not -len(shape) <= ax < len(shape):
                raise ValueError(f"vmap: in_axes {ax} is out of range for an argument of shape {shape}")
            dt = np.dtype(dtype_of(concrete(v)))
            if dt.kind in "OUS":  # (NumPy would compute on objects slice by slice, untyped)
                raise TypeError(f"vmap: a mapped argument of shape {shape} has dtype "
                                f"{dt}; vmap maps numeric arrays "
                                "(pass it with in_axes None, or convert it with .astype(float))")
            sizes.add(shape[ax])
            moved.append(_ops.moveaxis(v, ax, 0) if ax % len(shape) else v)
        if len(sizes) > 1:
            raise ValueError(f"vmap: mapped arguments have different sizes {sorted(sizes)} along "
                             "their mapped axes")
        if axis_size is not None and (not isinstance(axis_size, (int, np.integer)) or axis_size < 0):
            raise ValueError(f"vmap: axis_size must be a non-negative integer, got {axis_size!r}")
        if not sizes and axis_size is None:
            raise ValueError("vmap: no argument is mapped (all in_axes are None); give axis_size")
        if sizes and axis_size is not None and sizes != {int(axis_size)}:
            raise ValueError(f"vmap: axis_size={axis_size} but the mapped arguments have size "
                             f"{next(iter(sizes))} along their mapped axes")
        n = sizes.pop() if sizes else int(axis_size)
        if n == 0:  # no call to run: the output's structure from one call on stand-ins
            specs = [None if m is None else (shape_of(concrete(m))[1:], np.result_type(concrete(m)))
                     for m in moved]

            def probe(stand_ins):
                a, k = tree_unflatten(td, [v if s is None else _lifted(s) for v, s in zip(leaves, stand_ins)])
                # a loop of one slice, so that collectives and custom_vmap rules find their axis
                return _run_slices(lambda i: fun(*a, **k), 1, [v for v, m in zip(leaves, moved) if m is None],
                                   axis_name, stand_in=True)[0]
            out = call_on_stand_ins(probe, specs, "vmap")
            if _PROBING.cut and None in tree_flatten(out_axes, is_leaf=lambda a: a is None)[0]:
                # an output vmap returns as the probe computed it: no loop may be cut short
                out = call_on_stand_ins(probe, specs, "vmap", shortcut=False)
            return _empty_outputs(out, out_axes)
        # plain arrays are mapped as (untraced) Tensors, so that the function sees what JAX
        # gives it (x.at[...], x.astype, ...); with no Tensor argument, its results come
        # back as plain arrays then
        lift = not any(isinstance(v, Tensor) for v in leaves)
        # the caller's arrays stay read-only while the slices run (JAX reads them once): a
        # write into one by the mapped function would change the slices still to come
        held = Held()
        try:
            moved = lock_inputs(moved, held, "vmap")
            leaves = lock_inputs(leaves, held, "vmap")

            # a tensor of the imperative tape (or a constant one) mapped over another axis: its
            # slice is the part v[:, i] (an in-place update of it reaches v, as in torch.func)
            parts = [ax % len(shape_of(concrete(v))) if m is not None and type(v) is Tensor
                     and (v._trace is None or v._trace is IMPERATIVE) else 0
                     for v, m, ax in zip(leaves, moved, axes)]

            first: list = []  # the first slice's recorded inputs (see _stack_outputs)

            def call(i):
                ins = [v if m is None else _lifted(m[i]) if not p
                       else v[(slice(None),) * p + (i,)] for v, m, p in zip(leaves, moved, parts)]
                if i == 0:
                    first[:] = [x._node for x, m in zip(ins, moved)
                                if m is not None and type(x) is Tensor and x._node is not None]
                a, k = tree_unflatten(td, ins)
                return fun(*a, **k)
            outs = _run_slices(call, n, [v for v, m in zip(leaves, moved) if m is None], axis_name)
        finally:
            unlock(held)
        out = _stack_outputs(outs, out_axes, n, first)
        return unlift(out, True) if lift else out
    return mapped


class _Frames(threading.local):
    stack: list = []

    def __init__(self):
        self.stack = []


_FRAMES = _Frames()


class MapFrame:
    """One running ``tg.vmap`` loop, as a ``custom_vmap`` function called inside it sees it.

    ``n``: the axis size; ``index``: the slice running; ``count``: the custom_vmap calls this
    slice made so far; ``answers[k]``: the k-th call's output for every slice, once its rule
    has run; ``pending``: slice -> (owner, arguments) of the call waiting for its rule;
    ``level``: every trace opened inside the mapped function has a higher level;
    ``whole``: ids of the arguments passed whole (in_axes None); ``staging``: whether the
    loop itself runs while tg.jit traces; ``name``: vmap's ``axis_name`` (None: unnamed), which
    the collectives look it up by (they take part in the protocol of custom_vmap calls)."""

    def __init__(self, n: int, whole: list, name: Any = None, stand_in: bool = False):
        self.n, self.index, self.count, self.name = n, 0, 0, name
        self.answers: list = []
        self.pending: dict = {}
        self.level = next_level()
        self.whole = {id(v) for v in whole}
        self.staging = tracing_here()
        self.stand_in = stand_in  # one slice standing in for none (see vmap): for output shapes


class Suspend(BaseException):
    """Stops one slice at a custom_vmap call whose rule needs every slice's arguments (a
    BaseException, so that the mapped function's own ``except Exception`` lets it through)."""

    def __init__(self, frame: MapFrame):
        super().__init__("custom_vmap: a slice waits for the other slices")
        self.frame = frame


def current_frame() -> MapFrame | None:
    """The innermost running vmap loop of this thread, or None."""
    return _FRAMES.stack[-1] if _FRAMES.stack else None


def frames_hidden():
    """A context in which no vmap loop is running (to run a function as it is)."""
    return _Hidden()


class _Hidden:
    def __enter__(self):
        self.saved, _FRAMES.stack = _FRAMES.stack, []

    def __exit__(self, *exc):
        _FRAMES.stack = self.saved


def frame_named(name: Any, where: str) -> MapFrame:
    """The innermost running vmap loop whose ``axis_name`` is ``name``; NameError if none is."""
    for frame in reversed(_FRAMES.stack):
        if frame.name is not None and frame.name == name:
            return frame
    names = [f.name for f in _FRAMES.stack if f.name is not None]
    raise NameError(f"{where}: unbound axis name {name!r}: no running tg.vmap (or tg.pmap) was "
                    f"given axis_name={name!r}; the named axes here are {names}")


def _run_slices(call: Callable, n: int, whole: list, name: Any = None, stand_in: bool = False) -> list:
    """``[call(i) for i in range(n)]``, with custom_vmap calls answered by their batching rules.

    Without such calls this is one pass. With them, a pass runs every slice up to the next
    unanswered call (each slice stops there with :class:`Suspend`, leaving its arguments in
    ``pending``), the call's owner then runs its rule once on the whole batch, and the next
    pass replays the slices with that answer, until a pass completes: a function making k
    custom_vmap calls runs its slices k + 1 times (the code before the calls is repeated)."""
    frame = MapFrame(n, whole, name, stand_in)
    while True:
        frame.pending = {}
        outs = []
        _FRAMES.stack.append(frame)
        try:
            for i in range(n):
                frame.index, frame.count = i, 0
                try:
                    outs.append(call(i))
                except Suspend as s:
                    if s.frame is not frame:
                        raise
        finally:
            _FRAMES.stack.remove(frame)
        if not frame.pending:
            return outs
        # (each slice may make its own custom_vmap function, as one defined inside the mapped
        # function: the first slice's rule serves the batch, as JAX traces one function)
        if len(frame.pending) != n:
            raise ValueError("vmap: the mapped function called custom_vmap functions or "
                             "collectives (psum, ...) in a different order or number in different "
                             "slices (its Python control flow must not depend on the mapped values)")
        owner = frame.pending[0][0]
        frame.answers.append(owner.batched_call(frame, [frame.pending[i][1] for i in range(n)]))


def _lifted(v):
    # m[i] of a 1-D array is a NumPy scalar (np.float64, ...): a 0-d slice, lifted too
    if type(v) is np.ndarray or isinstance(v, np.generic):
        return Tensor(np.asarray(v)) if v.dtype.kind in "biufc" else v
    return v


def _unlifted(v):
    """A result of mapping plain arrays: an untraced Tensor back to a NumPy array, or (under
    tg.jit, when the function used a traced value) to the traced value it holds."""
    if type(v) is not Tensor or v._trace is not None:
        return v
    return as_array(v._value)


def lift(tree):
    """``tree`` with its NumPy arrays and scalars as (untraced) Tensors, so that a function
    ``lax``'s loops and branches call sees what JAX gives it (``x.at[...]``, ``x.astype``),
    and whether to turn the results back into NumPy arrays (unless an argument was such a
    Tensor already: inside ``tg.vmap``, whose function sees Tensors)."""
    leaves, td = tree_flatten(tree)
    back = not any(type(v) is Tensor and v._trace is None for v in leaves)
    return tree_unflatten(td, [_lifted(v) for v in leaves]), back


def unlift(tree, back: bool):
    """``tree`` rebuilt (dict keys in JAX's order), its untraced Tensors as NumPy arrays
    again if ``back``."""
    leaves, td = tree_flatten(tree)
    return tree_unflatten(td, [_unlifted(v) for v in leaves] if back else leaves)


def _stack_outputs(outs: list, out_axes, n: int, first: list = ()):
    if n == 0:
        raise ValueError("vmap: the mapped axis has size 0; there is no call to take the output "
                         "structure from")
    leaves0, td = tree_flatten(outs[0])
    per = [tree_flatten(o)[0] for o in outs]
    for o, p in zip(outs, per):
        if tree_flatten(o)[1] != td:
            raise ValueError(f"vmap: the function returned different structures, {td} and "
                             f"{tree_flatten(o)[1]}")
    axes = _spread_axes(out_axes, outs[0], "out_axes")
    result = []
    for j, ax in enumerate(axes):
        column = [p[j] for p in per]
        if ax is None:  # the same for every slice, as JAX requires (it raises otherwise)
            values = [concrete(c) for c in column]
            if any(is_staged(v) for v in values):  # under tg.jit: a step of the plan, checked
                _staged_check(functools.partial(_same_for_every_slice, j), *values)  # at each run
            else:
                _same_for_every_slice(j, *values)
            if first and type(column[0]) is Tensor and depends_on([column[0]._node], first) \
                    or _tangents_differ(column):
                raise ValueError(f"vmap: out_axes None for output {j}, but it depends on a mapped "
                                 "input (its value only happens to be the same in every slice "
                                 "here; its derivative would come from one slice); give it an "
                                 "axis, as JAX requires")
            # the caller's own array (a captured constant, an unmapped input) is never handed
            # back: like every other result, the output is a copy the caller may write into
            result.append(np.array(column[0], copy=True)
                          if isinstance(column[0], (np.ndarray, np.generic)) else column[0])
            continue
        rank = len(shape_of(concrete(column[0]))) + 1
        if not -rank <= ax < rank:
            raise ValueError(f"vmap: out_axes {ax} is out of range for output {j}, which has "
                             f"{rank} axes with the mapped one")
        kinds = {(tuple(shape_of(concrete(c))), np.dtype(dtype_of(concrete(c)))) for c in column}
        if len(kinds) > 1:  # (stack would promote dtypes silently, or fail on the shapes)
            raise ValueError(
                f"vmap: output {j} has different shapes or dtypes in different mapped slices, "
                f"{sorted(kinds, key=str)}; a vmapped function must return one type for every "
                "slice, as in JAX (a lax.cond whose branches return different types, or a "
                "shape that depends on the values)")
        result.append(_ops.stack(column, axis=ax))
    return tree_unflatten(td, result)


def _tangents_differ(column: list) -> bool:
    """Whether the forward-mode tangents of an unmapped output differ between the slices (it
    then depends on a mapped input, whatever its values)."""
    if type(column[0]) is not Tensor or column[0]._tangent is None:
        return False
    tans = [c._tangent if type(c) is Tensor else None for c in column]
    if any(t is None for t in tans):
        return True
    vals = [concrete(t) for t in tans]
    if any(is_staged(v) for v in vals):
        return False  # (under tg.jit: values only)
    return any(not np.array_equal(np.asarray(v), np.asarray(vals[0]), equal_nan=True) for v in vals[1:])


def _same_for_every_slice(j: int, first, *rest) -> None:
    first = np.asarray(first)
    if any(not np.array_equal(np.asarray(c), first, equal_nan=True) for c in rest):
        raise ValueError(f"vmap: out_axes None for output {j}, but it differs between the mapped "
                         "slices (it depends on a mapped input); give it an axis")


def _stand_in(shape: tuple, dtype, kind: int):
    """A slice that is never computed with, only shown to the function to learn its output
    shapes: zeros (``kind`` 0); ones with identity matrices in square trailing axes (1); or
    distinct values in [1, 2), with diagonal matrices of distinct large entries 10·(2…n+1) in
    square trailing axes (2: what a shifted Cholesky, an eigenvector derivative or a square
    root accepts)."""
    if not kind or np.dtype(dtype).kind not in "fc":
        return np.zeros(shape, dtype)
    square = len(shape) >= 2 and shape[-1] == shape[-2]
    if kind == 1:
        return np.broadcast_to(np.eye(shape[-1], dtype=dtype), shape).copy() if square else \
            np.ones(shape, dtype)
    if square:
        return np.broadcast_to(np.diag(10.0 * np.arange(2, shape[-1] + 2)).astype(dtype), shape).copy()
    size = int(np.prod(shape))
    return (1 + np.arange(size) / max(size, 1)).astype(dtype).reshape(shape)


def call_on_stand_ins(probe: Callable, specs: list, where: str, shortcut: bool = True):
    """``probe(stand_ins)`` for a map over zero slices (``specs``: (shape, dtype) per mapped
    leaf, None for the others), which has no slice to call the function on. JAX traces it
    abstractly; here it runs once on zeros, and if that raises, on ones with identity
    matrices (what ``cholesky``, ``inv`` or ``log`` accept), then on distinct values (diagonal
    matrices of distinct large entries). Only the output's shapes and
    dtypes are used, so NumPy's warnings about the stand-ins (``log(0)``, ``1/0``) are not
    shown: JAX's abstract trace computes nothing to warn about."""
    saved, was_cut = getattr(_PROBING, "depth", 0), getattr(_PROBING, "cut", False)
    _PROBING.depth, _PROBING.cut = (saved + 1 if shortcut else 0), False
    first = None
    try:
        for kind in range(3):
            try:
                with np.errstate(all="ignore"):
                    return probe([None if s is None else _stand_in(*s, kind) for s in specs])
            except Exception as exc:
                first = first or exc
        first.add_note(f"{where}: the mapped axis has size 0, so the function ran on stand-in "
                       "slices (zeros, ones, distinct values) to learn its output shapes, and "
                       "each call failed")
        raise first from None
    finally:  # (an enclosing probe learns of a cut in this one too)
        _PROBING.depth, _PROBING.cut = saved, _PROBING.cut or was_cut


_PROBING = threading.local()


def probing() -> bool:
    """Whether a function runs on stand-ins only to learn its output shapes (a map over zero
    slices): ``lax.while_loop`` then returns its carry at once, whose type is its output's (a
    loop that never ends on the stand-ins must not hang what JAX traces abstractly). Asking
    notes the cut (``_PROBING.cut``): a probe whose values are used runs again without it."""
    if getattr(_PROBING, "depth", 0) > 0:
        _PROBING.cut = True
        return True
    return False


def _empty_outputs(out, out_axes):
    """The outputs of a map over zero slices: each leaf with a 0-length axis at its out axis.
    An output with out_axes None depends on no slice: it is the probe's own value, still
    traced (its derivative and its place in a tg.jit plan are kept), a plain array copied."""
    leaves, td = tree_flatten(out)
    axes = _spread_axes(out_axes, out, "out_axes")
    result = []
    for j, (v, ax) in enumerate(zip(leaves, axes)):
        a = concrete(v)  # (staged under tg.jit: only its shape and dtype are read)
        if ax is None:
            result.append(v if traced_level(v) >= 0 or is_staged(a) else np.array(a, copy=True))
        else:
            if not -(rank := len(shape_of(a)) + 1) <= ax < rank:
                raise ValueError(f"vmap: out_axes {ax} is out of range for output {j}, which has "
                                 f"{rank} axes with the mapped one")
            result.append(np.moveaxis(np.zeros((0,) + tuple(shape_of(a)), dtype_of(a)), 0, ax))
    return tree_unflatten(td, result)
