"""The backward sweeps of the imperative tape, PyTorch's way: ``loss.backward()``,
``tg.autograd.grad`` and ``tg.autograd.backward`` all come here.

:func:`sweep_for` runs the tape's reverse sweep with the tensors' hooks, recorded when
``create_graph=True`` (:func:`recorded_sweep`), and limited to the part of the graph that
leads to the requested inputs when there are some (:func:`pruned`), as PyTorch's engine
runs only the nodes those inputs need. :func:`seed_for`, :func:`torch_gradient` and
:func:`fill_grads` convert at the boundary between PyTorch's conventions and the sweep's.
"""
from __future__ import annotations

import functools
import threading

import numpy as np

from .hooks import TorchValueError, as_grad, hooked_nodes, is_grad_array, run_hooks
from .ops.elementwise import where as _where
from .recording import IMPERATIVE, Node, enter_grad_mode, exit_grad_mode, imperative_paused, no_grad_depth
from .sweep import backward_pass, depends_on, toposort
from .tensor import Tensor, concrete, torch_made, traced_level

__all__ = ["sweep_for", "last_sweep_unlinked", "note_constant_rule", "seed_for", "torch_gradient", "fill_grads", "recorded_sweep", "pruned",
           "connected"]


class _Unlinked(threading.local):
    def __init__(self):
        self.seen: list = []  # (noted during a sweep by tensorgrad.autograd_function)
        self.last: tuple = ()  # (those of the sweep that finished last)


_UNLINKED = _Unlinked()


def note_constant_rule(node) -> None:
    """In a create_graph sweep, the tg.autograd.Function of tape node ``node`` (None: not
    known) returned a constant gradient although its ``ctx`` holds values its forward
    computed: their dependence on the inputs is not recorded, so a zero derivative could be
    wrong, and the constant gradients of the tensors before that node stay constants."""
    _UNLINKED.seen.append(node)


def last_sweep_unlinked() -> tuple:
    """The nodes noted by :func:`note_constant_rule` in the sweep that just finished."""
    return _UNLINKED.last


def sweep_for(nodes: list, seeds: list, retain: bool, create_graph: bool, taps,
              batch_ndim: int = 0, inputs=None, after_hooks: dict | None = None) -> dict:
    """:func:`_sweep_for`, with what it noted for :func:`last_sweep_unlinked` (a sweep nested in
    it, run by a Function's backward or a hook, keeps its own)."""
    outer, _UNLINKED.seen = _UNLINKED.seen, []
    try:
        return _sweep_for(nodes, seeds, retain, create_graph, taps, batch_ndim, inputs, after_hooks)
    finally:
        _UNLINKED.last, _UNLINKED.seen = tuple(_UNLINKED.seen), outer


def _sweep_for(nodes: list, seeds: list, retain: bool, create_graph: bool, taps,
               batch_ndim: int = 0, inputs=None, after_hooks: dict | None = None) -> dict:
    """The reverse sweep of the imperative tape from ``nodes``, seeded with ``seeds``
    (recorded with ``create_graph``), running the tensors' hooks: ``{node: cotangent}`` for
    the leaves reached and for the ``taps`` (``{node: tensor or None}``) reached.

    With ``inputs`` (a set of nodes) only the part of the graph between ``nodes`` and those
    inputs is swept, as PyTorch's engine runs only the nodes the inputs need: nothing beside
    or beyond them runs a rule or a hook or fills a ``.grad``, and only that part's saved
    values are freed. A gradient comes after its tensor's hooks, except (as in PyTorch) for a
    recorded result among ``taps`` mapped to None (``tg.autograd.grad``'s inputs) that the
    sweep must pass through to reach another input: that one is the gradient from before its
    hooks (and, when ``after_hooks`` is a dict, its gradient after them goes there, for a
    retained ``.grad``)."""
    cut = None
    if inputs is not None:
        order, needed = _needed(nodes, inputs)
        if len(needed) != len(order):
            cut = order, needed
    hooks = hooked_nodes()
    pre: dict = {}
    if hooks is not None:
        if batch_ndim:
            raise NotImplementedError("tg.autograd.grad: is_grads_batched=True with tensor "
                                      "hooks registered (register_hook) is not supported")
        capture = set()  # recorded inputs the sweep goes on through (see above)
        if taps and inputs is not None:
            needed = cut[1] if cut is not None else None
            capture = {n for n, t in taps.items() if t is None and n in inputs and n in hooks
                       and any(p is not None and (needed is None or p in needed)
                               for p in n.parents)}
        taps = dict(taps or {})
        for node in hooks:
            taps.setdefault(node, None)

        def run(entry, g, dtype, node=None):
            if node is not None:
                pre[node] = g
            return run_hooks(entry, g, dtype, create_graph)
        hooks = {node: (functools.partial(run, node=node) if node in capture else run, entry)
                 for node, entry in hooks.items()}
    if create_graph:  # (recorded also inside tg.no_grad(), as PyTorch's engine does)
        found = enter_grad_mode(0)
        try:
            leaves = recorded_sweep(nodes, seeds, taps, hooks, cut)
        finally:
            exit_grad_mode(found)
    else:
        leaves = _swept(nodes, seeds, retain, taps, hooks, batch_ndim, cut)
    if hooks is not None:  # a leaf's hooks run on its complete gradient, before .grad
        for node, g in leaves.items():
            if node.op is None and node in hooks:
                leaves[node] = run_hooks(hooks[node][1], g, node.dtype, create_graph)
        if after_hooks is not None:
            after_hooks.update((n, leaves[n]) for n in pre if n in leaves)
        leaves.update(pre)
    return leaves


def _needed(roots: list, inputs) -> tuple:
    """``(every node behind roots, in tape order; those on a path to one of inputs)``."""
    order = toposort(roots)  # (parents before children: a node's seq is above its parents')
    needed = set()
    for n in order:
        if n in inputs or any(p in needed for p in n.parents):
            needed.add(n)
    return order, needed


def _swept(nodes, seeds, retain, taps, hooks, batch_ndim=0, cut=None) -> dict:
    """``backward_pass`` over the whole graph, or over the part in ``cut`` (``_needed``'s)."""
    if cut is None:
        return backward_pass(nodes, seeds, retain=retain, taps=taps, hooks=hooks,
                             batch_ndim=batch_ndim)
    roots, copies = pruned(nodes, *cut)
    back = {c: n for n, c in copies.items()}
    taps = {copies.get(n, n): t for n, t in taps.items()} if taps else None
    hooks = {copies.get(n, n): h for n, h in hooks.items()} if hooks else None
    try:
        leaves = backward_pass(roots, seeds, retain=retain, taps=taps, hooks=hooks,
                               batch_ndim=batch_ndim)
    finally:
        if not retain:  # what the sweep freed on its copies is freed on the graph, except
            # at an input none of whose parents is needed: the sweep stops there and its rule
            # never runs (autograd.grad(y.sum(), y) leaves y's own node for a later backward)
            for n, c in copies.items():
                if any(p is not None for p in c.parents):
                    n.args, n.out = c.args, c.out
    return {back.get(n, n): g for n, g in leaves.items()}


def pruned(roots: list, order: list, needed: set) -> tuple:
    """The graph behind ``roots`` (``order``, parents first) cut to the ``needed`` nodes:
    ``(new roots, {node: its copy})``, each copy's parents only the needed ones (the others
    None, so the sweep stops there). The graph itself is left as it is."""
    copies: dict = {}
    for n in order:
        if n.op is None or n not in needed:
            continue
        c = Node.__new__(Node)
        c.op, c.params, c.args, c.out, c.seq = n.op, n.params, n.args, n.out, n.seq
        c.shape, c.dtype, c.leaf = n.shape, n.dtype, n.leaf
        c.parents = tuple(copies.get(p, p) if p in needed else None for p in n.parents)
        copies[n] = c
    return [copies.get(r, r) if r in needed else None for r in roots], copies


def nested_in_transform(name: str, what: str, t: Tensor) -> RuntimeError:
    """The error for the imperative tape asked to differentiate a value a functional
    transform traces (``tensor.backward()`` or ``tg.autograd.grad`` inside ``tg.grad``)."""
    return RuntimeError(
        f"{name}: {what} (shape {t.shape}, dtype {t.dtype}) is traced by a functional transform "
        "(tg.grad, tg.vjp, tg.jacrev, tg.func.*, ...) running around this call; inside one, "
        "tensors of the imperative tape are constants and nothing is recorded on it (torch.func "
        "nests the two, tensorgrad does not). Differentiate the inner function with a transform "
        "too (tg.grad inside tg.grad)")


def seed_for(out: Tensor, gradient, create_graph: bool, name: str, which: str = "output",
             kw: str = "gradient="):
    """The sweep's seed for the recorded result ``out`` from a PyTorch-style ``gradient``
    (None: ones, for an output of one element), checked against ``out``'s shape and dtype."""
    if out._trace is not IMPERATIVE and traced_level(out) >= 1:
        raise nested_in_transform(name, "this tensor" if which == "output" else which, out)
    if out._trace is not IMPERATIVE or out._node is None:
        raise RuntimeError(
            f"{name}: {'this tensor' if which == 'output' else which} has no graph: no tensor "
            "that requires grad reached it (create inputs with tg.tensor(..., "
            "requires_grad=True), outside tg.no_grad(); a Module's parameters are NumPy arrays "
            "until it is called on a tensor, an optimizer is made on model.parameters() or "
            "model.requires_grad_() runs), "
            "or it is a constant: integers or booleans (comparisons, argmax, integer casts) or a "
            "detached value")
    if gradient is None:
        if out.size != 1:
            raise RuntimeError(
                f"{name}: {which} has shape {out.shape}; pass {kw} of that shape, "
                "or reduce it first (e.g. loss.sum())")
        if out.dtype.kind == "c":  # (as PyTorch: a complex output needs its gradient)
            raise RuntimeError(f"{name}: grad can be implicitly created only for real scalar "
                               f"outputs, {which} has dtype {out.dtype}; pass {kw}")
        return np.ones(out.shape, dtype=out.dtype)
    if create_graph and type(gradient) is Tensor and gradient._trace is IMPERATIVE:
        if gradient.shape != out.shape:  # a recorded seed stays on the tape
            raise TorchValueError(f"{name}: gradient has shape {gradient.shape}, "
                                  f"{which} has shape {out.shape}")
        return gradient.conj() if gradient.dtype.kind == "c" else gradient  # (see below)
    gradient = np.asarray(concrete(gradient))
    if gradient.dtype.kind not in "biuf" and not (gradient.dtype.kind == "c"
                                                   and out.dtype.kind == "c"):
        raise TypeError(f"{name}: the gradient must hold real numbers for {which} of "
                        f"dtype {out.dtype}, got dtype {gradient.dtype}")
    if gradient.shape != out.shape:
        raise TorchValueError(f"{name}: gradient has shape {gradient.shape}, "
                              f"{which} has shape {out.shape}")
    # PyTorch's complex gradients are conjugate Wirtinger derivatives, the conjugates
    # of JAX's cotangents, which the sweep computes: conjugate going in and coming out
    return np.conj(gradient).astype(out.dtype, copy=False)


def torch_gradient(g, dtype, name: str):
    """A cotangent the sweep computed, as PyTorch's gradient for a value of ``dtype``: a
    recorded Tensor stays one (create_graph), anything else is a fresh writable array."""
    if type(g) is Tensor and g._trace is IMPERATIVE:  # create_graph: a recorded gradient
        if g.dtype.kind == "c" and dtype.kind == "c":
            g = g.conj()  # (PyTorch's convention, see seed_for)
        elif g.dtype.kind == "c":  # a real tensor's gradient is the real part (see below)
            g = g.real
        return g if g.dtype == dtype else g.astype(dtype)
    g = np.asarray(concrete(g))
    if g.dtype.kind == "c" and dtype.kind == "c":
        g = np.conj(g)  # (PyTorch's convention, see seed_for)
    elif g.dtype.kind == "c":
        # a real tensor's gradient is the real part of the cotangent (the engine's rule; a
        # rule such as angle's makes a complex cotangent from real values only)
        g = g.real
    # always a fresh, writable array of the tensor's dtype: rules may pass one
    # buffer to several leaves, or hand back a read-only broadcast view
    return g.astype(dtype, copy=True)


def connected(g, t: Tensor, unlinked: tuple = ()):
    """A ``create_graph=True`` gradient ``g`` of the recorded tensor ``t`` that came out
    constant (no recorded value reached it: a derivative of x**3 past the third, of a linear
    function past the first) put on the tape after ``t`` with a zero derivative, as
    PyTorch's graph keeps it: differentiating it again gives zeros, not an error. Recorded
    gradients, and everything inside ``tg.no_grad()``, stay as they are; so does the gradient
    of a tensor before one of the ``unlinked`` nodes (:func:`note_constant_rule`), a constant
    that does not require grad, as PyTorch's (differentiating it again raises)."""
    if type(g) is Tensor or imperative_paused() or t._trace is not IMPERATIVE \
            or t._node is None:
        return g
    if unlinked and (None in unlinked or depends_on(  # (before a noted node; None: unknown)
            [p for n in unlinked for p in n.parents], [t._node])):  # a constant tensor, as PyTorch's
        return torch_made(g) if isinstance(g, np.ndarray) else g
    return _where(True, g, t)


def fill_grads(leaves: dict, taps, name: str, create_graph: bool = False, unlinked: tuple = ()) -> None:
    """Accumulate the sweep's cotangents ``{node: g}`` into the ``.grad`` of the leaves (and of
    the retained results in ``taps``), as PyTorch does: in place into a writable array of
    the leaf, except under ``create_graph`` (always a new value, so references to the old
    ``.grad`` keep it, as PyTorch's). Then a leaf's post-accumulate-grad hooks run, with grad
    mode off as PyTorch runs them (an optimizer step inside backward: ``p.sub_(lr * p.grad)``)."""
    for node, g in leaves.items():
        t = _accumulate(node, g, taps, name, create_graph, unlinked)
        if t is not None and node.op is None:
            for hook in list(getattr(t, "_post_hooks", None) or ()):
                found = enter_grad_mode(no_grad_depth() + 1)
                try:
                    hook(t)
                finally:
                    exit_grad_mode(found)


def _accumulate(node, g, taps, name: str, create_graph: bool, unlinked: tuple = ()):
    """``g`` added into the ``.grad`` of the tensor of ``node``; that tensor (None if gone)."""
    if node.op is not None:  # a recorded result that retains its gradient (or has hooks)
        t = taps.get(node) if taps else None
    else:
        t = node.leaf() if node.leaf is not None else None
    if t is None or t._trace is not IMPERATIVE:
        # gone, or its requires_grad was switched off after the forward pass: as in
        # PyTorch, a leaf that no longer requires grad gets no .grad (it is frozen)
        return None
    g = torch_gradient(g, node.dtype, name)
    if tuple(np.shape(concrete(g))) != tuple(t.shape):  # (a leaf reshaped in place since)
        raise TorchValueError(f"{name}: a gradient of shape {tuple(np.shape(concrete(g)))} for a "
                              f"tensor of shape {tuple(t.shape)}: the tensor changed shape in "
                              "place after the op that used it was recorded")
    if create_graph:
        g = connected(g, t, unlinked)
    old = t._grad  # (the slot: reading .grad of a recorded result would warn; writing it skips
    # the checks of t.grad = ...: a parameter cast after the forward pass, m.float(), gets
    # the gradient of the dtype it was used in, as PyTorch's)
    if type(g) is Tensor:  # create_graph: out of place, so the sum is recorded too
        t._grad = g if old is None else old + g
        return t
    if old is not None and np.shape(old) != g.shape:
        raise ValueError(f"{name}: the leaf's .grad has shape {np.shape(old)}, but "
                         f"the leaf has shape {g.shape}; set .grad to None (or to an array "
                         "of the leaf's shape) before accumulating into it")
    if old is None:
        t._grad = as_grad(g)
    elif node.op is None and is_grad_array(old) and old.dtype == g.dtype \
            and old.flags.writeable and not create_graph:
        np.add(old, g, out=old)  # in place, as PyTorch: references to .grad see the sum
    else:  # read-only (e.g. saved on a live graph), another dtype or type, a retained
        # result's, or under create_graph (PyTorch sums those out of place): a new array
        t._grad = as_grad(old + g)
    return t


def recorded_sweep(roots, seeds, taps, hooks=None, cut=None) -> dict:
    """The reverse sweep of ``backward(create_graph=True)``, recorded on the tape.

    For the sweep, each node's saved inputs and output stand for the recorded
    tensors they are (a Tensor of this tape on the node they came from), so the
    rules' own ops record, and their derivatives flow back through the graph
    that computed them (through every input, also those the sweep does not go on
    to when ``cut`` limits it). The saved values are put back afterwards and
    kept: the new graph leads through the old one.
    """
    saved = []
    seen = set()
    stack = list(roots)
    try:
        while stack:
            n = stack.pop()
            if n is None or n.op is None or n.args is None or id(n) in seen:
                continue  # (freed values: the sweep raises its clear error)
            seen.add(id(n))
            saved.append((n, n.args, n.out))
            n.args = tuple(a if p is None or type(a) is Tensor else Tensor(a, IMPERATIVE, p)
                           for a, p in zip(n.args, n.parents))
            n.out = Tensor(n.out, IMPERATIVE, n)
            stack.extend(n.parents)
        return _swept(roots, seeds, True, taps, hooks, 0, cut)
    finally:
        for n, args, out in saved:  # the original tuples: they carry the arrays' locks
            n.args, n.out = args, out
