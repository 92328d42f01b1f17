"""``tg.custom_batching``: your own batching rule for a function, as ``jax.custom_batching``.

``custom_vmap(f)`` runs ``f`` as it is, except inside ``tg.vmap``, where its rule
``rule(axis_size, in_batched, *batched_args) -> (out, out_batched)`` computes the
whole batch at once. ``sequential_vmap(f)`` is the rule that loops over the batch.

``tg.vmap`` is a loop over slices (see :mod:`tensorgrad.batching`), while a rule
needs every slice's arguments at once. So a custom_vmap call inside the loop
stops its slice and leaves its arguments with the loop; when every slice has
stopped there, the rule runs once on the stacked arguments, and the loop replays
the slices, each now receiving its slice of the rule's output at that call (see
``batching._run_slices``). The code before the call runs again at each replay.

Which arguments are batched is read off the slices: an argument leaf is
unbatched when every slice passes the very same object (an argument vmapped with
``in_axes=None``, a captured constant) or the same plain NumPy value; any other
leaf (a Tensor computed from the slice) is batched. JAX follows data dependence
instead, so a Tensor computed only from unbatched values inside the mapped
function is batched here and unbatched in JAX (the rule then sees it stacked).

Differentiation follows JAX: forward mode (``jvp``, ``jacfwd``) of a custom_vmap
function differentiates its body, or, inside ``vmap``, its rule; reverse mode
(``grad``, ``vjp``, ``jacrev``, ``hessian``) refuses, as JAX does, except through
an enclosing ``vmap``, which runs the rule, whose ops differentiate as usual.
``tg.custom_vjp`` (on the outside) or ``tg.custom_jvp`` give it a derivative rule.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

import numpy as np

from . import ops as _ops
from .batching import MapFrame, Suspend, _stack_outputs, current_frame, frames_hidden
from .custom import _top_trace
from .custom_args import _name, _positional
from .staging import is_staged, trace_values, tracing_here
from .tensor import Tensor, concrete, shape_of
from .transform_parts import zeros_like
from .transforms import jvp
from .tree import tree_flatten, tree_map, tree_unflatten

__all__ = ["custom_vmap", "sequential_vmap"]


class custom_vmap:
    """Give a function your own batching rule, in JAX's style::

        @tg.custom_batching.custom_vmap
        def f(x, y): ...
        @f.def_vmap
        def rule(axis_size, in_batched, xs, ys):
            return out, out_batched

    Called outside ``tg.vmap``, ``f`` runs its body. Inside, ``rule`` gets the axis size,
    ``in_batched`` (a list with one pytree of bools per argument, like the argument) and
    the arguments, each batched leaf with the mapped axis in front and each unbatched one
    as it is; it returns the batched output and ``out_batched``, a pytree of bools with
    the output's structure (True: that leaf has the batch axis in front; False: it is the
    same for every example, and vmap broadcasts it). Nested vmaps run the rule once per
    slice of the outer ones. Keyword arguments are bound to their positions first.

    Derivatives: forward mode differentiates the body (inside ``vmap``, the rule);
    reverse mode refuses outside ``vmap`` (as JAX does): wrap the function in
    ``tg.custom_vjp`` for that.
    """

    def __init__(self, fun: Callable):
        functools.update_wrapper(self, fun)
        self.fun = fun
        self.vmap_rule = None
        self._out_checked: set = set()  # argument signatures whose rule output matched the body's

    def def_vmap(self, vmap_rule: Callable) -> Callable:
        """Set the rule ``vmap_rule(axis_size, in_batched, *args) -> (out, out_batched)``; it
        is returned unchanged (so it can decorate)."""
        if not callable(vmap_rule):
            raise TypeError(f"custom_vmap {_name(self.fun)}: def_vmap takes a function, got "
                            f"{type(vmap_rule).__name__}")
        self.vmap_rule = vmap_rule
        return vmap_rule

    def __call__(self, *args, **kwargs):
        name = _name(self.fun)
        if self.vmap_rule is None:
            raise AttributeError(f"custom_vmap {name}: no batching rule; define it with "
                                 "f.def_vmap(rule) before calling the function")
        args = _positional(self.fun, args, kwargs, f"custom_vmap {name}")
        top = _top_trace(tree_flatten(args)[0])
        frame = current_frame()
        inner = top is not None and (frame is None or top.level > frame.level)
        if inner and not top.forward and top.level > 0 and not top.jax:
            raise TypeError(_reverse_message(name, frame is not None))
        if frame is None:
            return self.fun(*args)
        if tracing_here() and not frame.staging:
            raise TypeError(f"custom_vmap {name}: called under tg.jit inside tg.vmap; the rule "
                            "needs every slice of the batch, which a jit trace of one slice does "
                            "not have. Put tg.jit outside the vmap (tg.jit(tg.vmap(f)))")
        if inner and top.batch_ndim:
            raise NotImplementedError(f"custom_vmap {name}: jacfwd (batched tangents) inside "
                                      "tg.vmap is not supported; use jvp, or jacfwd outside vmap")
        k = frame.count
        frame.count += 1
        if k < len(frame.answers):
            answer = frame.answers[k][frame.index]
            if type(answer) is _Tangents:  # (the replayed slice opened its own forward trace)
                return answer.on(top)
            return answer
        # (the slice's own forward trace, if any: it is closed when the slice stops)
        frame.pending[frame.index] = (self, (args, top if inner else None))
        raise Suspend(frame)

    # ------------------------------------------------------------------ the batch
    def batched_call(self, frame: MapFrame, per_slice: list) -> list:
        """The outputs of this function for every slice of ``frame`` (``per_slice``: each
        slice's positional arguments and the forward trace it opened inside vmap's function,
        or None), from one call of the rule on the whole batch."""
        name, n = _name(self.fun), frame.n
        flat = [tree_flatten(tuple(a)) for a, _ in per_slice]
        td = flat[0][1]
        if any(t != td for _, t in flat):
            raise ValueError(f"custom_vmap {name}: the slices of vmap passed arguments of "
                             f"different structures ({td} and another)")
        columns = [list(col) for col in zip(*[leaves for leaves, _ in flat])]
        traces = [t for _, t in per_slice]
        if traces[0] is None:
            flags = [_is_batched(col, frame) for col in columns]
            if not any(flags):  # nothing batched: no rule, as JAX (the body, once, for all)
                out = self.fun(*tree_unflatten(td, [col[0] for col in columns]))
                return [out] * n
            leaves = [_stacked(col) if b else col[0] for col, b in zip(columns, flags)]
            out_leaves, out_batched, out_td = self._rule(n, flags, leaves, td, columns)
            return [tree_unflatten(out_td, [_ops.getitem(v, i) if b else v
                                            for v, b in zip(out_leaves, out_batched)])
                    for i in range(n)]
        return self._forward_batch(frame, columns, traces, td)

    def _rule(self, n: int, flags: list, leaves: list, td, columns: list):
        """The rule on the batched leaves: (output leaves, their batched flags, output tree),
        checked against the body's output (once per argument signature)."""
        name = _name(self.fun)
        in_batched = list(tree_unflatten(td, [bool(b) for b in flags]))
        result = self.vmap_rule(n, in_batched, *tree_unflatten(td, list(leaves)))
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            raise TypeError(f"custom_vmap {name}: the vmap rule must return a pair (batched output, "
                            f"out_batched), got {type(result).__name__}")
        out, spec = result
        out_leaves, out_td = tree_flatten(out)
        spec_leaves, spec_td = tree_flatten(spec)
        if spec_td != out_td:
            raise ValueError(f"custom_vmap {name}: the structure of the vmap rule's output "
                             f"{out_td} and of its out_batched {spec_td} do not match; give one "
                             "bool per output leaf")
        if any(not isinstance(b, (bool, np.bool_)) for b in spec_leaves):
            raise TypeError(f"custom_vmap {name}: out_batched must hold bools, got "
                            f"{[type(b).__name__ for b in spec_leaves]}")
        for j, (v, b) in enumerate(zip(out_leaves, spec_leaves)):
            shape = shape_of(concrete(v))
            if b and (not shape or shape[0] != n):
                raise ValueError(f"custom_vmap {name}: output leaf {j} of the vmap rule is marked "
                                 f"batched but has shape {shape}; a batched output needs the "
                                 f"batch axis (size {n}) in front")
        self._check_body(out_td, out_leaves, spec_leaves, n, td, [col[0] for col in columns])
        return out_leaves, [bool(b) for b in spec_leaves], out_td

    def _check_body(self, out_td, out_leaves, spec, n, td, example) -> None:
        """ValueError unless the rule's output is the body's, batched: the same structure,
        and each leaf the body's shape (behind the batch axis where batched). The body runs
        once per argument signature, on one example's values, outside every vmap."""
        prim = [trace_values(concrete(v)) for v in example]
        sig = (td, tuple((tuple(np.shape(v)), np.result_type(v).str) if isinstance(
            v, (np.ndarray, np.generic, float, int, complex, bool)) else type(v).__name__ for v in prim))
        if sig in self._out_checked:
            return
        with frames_hidden(), warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            ref = self.fun(*tree_unflatten(td, prim))
        name = _name(self.fun)
        r_leaves, r_td = tree_flatten(ref)
        if r_td != out_td:
            raise ValueError(f"custom_vmap {name}: the vmap rule's output has structure {out_td}, "
                             f"the function's {r_td}; the rule must return the function's output, "
                             "batched")
        for j, (v, r, b) in enumerate(zip(out_leaves, r_leaves, spec)):
            want = ((n,) if b else ()) + tuple(np.shape(concrete(r)))
            if tuple(shape_of(concrete(v))) != want:
                raise ValueError(f"custom_vmap {name}: output leaf {j} of the vmap rule has shape "
                                 f"{tuple(shape_of(concrete(v)))}; the function's is "
                                 f"{tuple(np.shape(concrete(r)))}, so it should be {want} "
                                 f"(out_batched {bool(b)})")
        self._out_checked.add(sig)

    def _forward_batch(self, frame: MapFrame, columns: list, traces: list, td) -> list:
        """jvp inside vmap: the JVP of the rule on the stacked primals and tangents (a
        forward trace opened inside the mapped function, one per slice)."""
        name, n = _name(self.fun), frame.n
        if any(t is None or not t.forward for t in traces):
            raise ValueError(f"custom_vmap {name}: the slices of vmap differentiate its arguments "
                             "differently")
        prim_cols, tan_cols = [], []
        for col in columns:
            prim_cols.append([v._value if type(v) is Tensor and v._trace is t else v
                              for v, t in zip(col, traces)])
            tan_cols.append([v._tangent if type(v) is Tensor and v._trace is t else None
                             for v, t in zip(col, traces)])
        flags = [_is_batched(p, frame) or any(t is not None for t in ts)
                 for p, ts in zip(prim_cols, tan_cols)]
        primals = [_stacked(p) if b else p[0] for p, b in zip(prim_cols, flags)]
        tangents = [_stacked([zeros_like(p) if t is None else t for p, t in zip(ps, ts)]) if b
                    else zeros_like(ps[0]) for ps, ts, b in zip(prim_cols, tan_cols, flags)]
        store: dict[str, Any] = {}

        def rule_leaves(*leaves):
            out_leaves, out_batched, out_td = self._rule(n, flags, list(leaves), td, prim_cols)
            store["batched"], store["td"] = out_batched, out_td
            return tuple(out_leaves)
        outs, touts = jvp(rule_leaves, tuple(primals), tuple(tangents))
        return [_Tangents([_ops.getitem(o, i) if b else o for o, b in zip(outs, store["batched"])],
                          [_ops.getitem(t, i) if b else t for t, b in zip(touts, store["batched"])],
                          store["td"]) for i in range(n)]


class _Tangents:
    """One slice's output of a custom_vmap call under a forward trace opened inside vmap's
    function: primal and tangent leaves, put on the trace of the slice's replay by ``on``."""

    def __init__(self, primals: list, tangents: list, td):
        self.primals, self.tangents, self.td = primals, tangents, td

    def on(self, trace):
        return tree_unflatten(self.td, [Tensor(o, trace, None, t) if np.result_type(concrete(o)).kind
                                        in "fc" else o for o, t in zip(self.primals, self.tangents)])


def _reverse_message(name: str, in_vmap: bool) -> str:
    where = " inside tg.vmap (vmap(grad(f)))" if in_vmap else ""
    return (f"custom_vmap {name}: reverse-mode differentiation (grad, vjp, jacrev, hessian, "
            f"linearize){where} of a custom_vmap function is not supported, as in JAX. Forward "
            "mode (jvp, jacfwd) differentiates it, grad of vmap(f) differentiates the batching "
            "rule, and tg.custom_vjp wrapped around the custom_vmap function gives it a VJP rule")


def _is_batched(column: list, frame: MapFrame) -> bool:
    """Whether one argument leaf differs between the slices (see the module's docstring)."""
    first = column[0]
    if all(v is first for v in column[1:]):
        if type(first) is Tensor or is_staged(first):  # (one slice: a slice, unless passed whole)
            return frame.n == 1 and id(first) not in frame.whole
        return False
    if any(type(v) is Tensor or is_staged(v) for v in column):
        return True
    try:
        a = np.asarray(first)
        return not all(np.shape(v) == a.shape and np.result_type(v) == a.dtype
                       and np.array_equal(np.asarray(v), a, equal_nan=a.dtype.kind in "fc")
                       for v in column[1:])
    except (TypeError, ValueError):
        return True


def _stacked(column: list):
    return _ops.stack(list(column))


def sequential_vmap(f: Callable) -> custom_vmap:
    """``f`` as a :class:`custom_vmap` function whose rule loops over the batch: under
    ``tg.vmap`` it is called on one example at a time (its unbatched arguments passed
    whole) and the results are stacked, every output batched (``jax.custom_batching``'s)."""
    if not callable(f):
        raise TypeError(f"sequential_vmap: expected a function, got {type(f).__name__}")
    cv = custom_vmap(f)

    def rule(axis_size, in_batched, *args):
        leaves, td = tree_flatten(tuple(args))
        flags = tree_flatten(tuple(in_batched))[0]
        outs = [cv(*tree_unflatten(td, [_ops.getitem(v, i) if b else v for v, b in zip(leaves, flags)]))
                for i in range(axis_size)]
        out = _stack_outputs(outs, 0, axis_size)
        return out, tree_map(lambda _: True, out)
    rule.__name__ = f"sequential_vmap_rule[{_name(f)}]"
    cv.def_vmap(rule)
    return cv
