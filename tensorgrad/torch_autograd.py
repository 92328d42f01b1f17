"""PyTorch's ``torch.autograd.grad`` and ``torch.autograd.backward`` for imperative tensors.

``tg.autograd.grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
allow_unused=None, is_grads_batched=False, materialize_grads=False)`` returns the gradients
of ``outputs`` with respect to ``inputs`` (tensors made with ``tg.tensor(...,
requires_grad=True)``, or recorded results computed from them) without touching any
``.grad``; ``tg.autograd.backward(tensors, grad_tensors)`` accumulates the gradients of
several outputs into ``.grad`` in one sweep. Both run the sweep ``loss.backward()`` runs, with
PyTorch's conventions for complex values (see docs/conventions.md).
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

from .debug import debug_nans, is_debugging_nans
from .guards import check_all_intact
from .hooks import TorchValueError, as_grad, hooked_nodes
from .imperative import _backward_inputs, _taps, in_mode, no_grad, set_grad_enabled
from .imperative_sweep import connected, fill_grads, last_sweep_unlinked, nested_in_transform, seed_for, sweep_for, torch_gradient
from .ops import stack as _stack
from .recording import IMPERATIVE
from .tensor import Tensor, concrete, traced_level, undual

__all__ = ["grad", "backward", "is_torch_form", "inference_mode", "is_inference_mode_enabled",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled"]


def is_torch_form(first: Any) -> bool:
    """True when ``first`` is PyTorch's ``outputs``: a Tensor or a non-empty sequence of them
    (HIPS autograd's operators take a function there)."""
    if isinstance(first, Tensor):
        return True
    return isinstance(first, (list, tuple)) and len(first) > 0 \
        and all(isinstance(t, Tensor) for t in first)


def _tensors(x, name: str, what: str) -> list:
    # (a Tensor, or any iterable of them, as PyTorch's: a list, params.values(), a generator)
    seq = [x] if isinstance(x, Tensor) else None
    if seq is None and not isinstance(x, (np.ndarray, str, bytes)) and hasattr(x, "__iter__"):
        seq = list(x)
    if seq is None or not all(isinstance(t, Tensor) for t in seq):
        bad = next((t for t in seq or () if not isinstance(t, Tensor)), None)
        hint = "" if bad is None else f"; an entry is a {type(bad).__name__}"
        if type(bad).__name__ == "ParamArray":
            hint += (" (a Module's parameters are tensors once it is called on a tensor, an "
                     "optimizer is made on model.parameters() or model.requires_grad_() runs: "
                     "list them after that)")
        raise TypeError(f"{name}: {what} must be a Tensor or a sequence of Tensors, "
                        f"got {type(x).__name__}{hint}")
    return [undual(t) for t in seq]  # (a forward_ad dual: its primal, as PyTorch)


def _per_output(grads, outs: list, name: str, what: str) -> list:
    if grads is None:
        return [None] * len(outs)
    seq = [grads] if not isinstance(grads, (list, tuple)) else list(grads)
    if len(seq) != len(outs):
        raise TorchValueError(f"{name}: {what} has {len(seq)} entries for {len(outs)} outputs; "
                         "give one per output (None for an output of one element)")
    return seq


def _output_list(outputs, name: str, what: str) -> list:
    """PyTorch's ``outputs``: a Tensor or a sequence; an entry that is a plain array (or number)
    does not require grad, a RuntimeError as in PyTorch."""
    seq = list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]
    for i, t in enumerate(seq):
        if not isinstance(t, Tensor):
            raise RuntimeError(f"{name}: element {i} of the {what} does not require grad: it is a "
                               f"{type(t).__name__}, not a tensor recorded from tg.tensor(..., "
                               "requires_grad=True)")
    return [undual(t) for t in seq]  # (a forward_ad dual: its primal, as PyTorch)


def _on_the_tape(tensors: list, name: str, what: str) -> None:
    """RuntimeError unless every tensor is recorded on the imperative tape (or is a leaf of
    it), as PyTorch refuses a tensor that does not require grad."""
    for i, t in enumerate(tensors):
        if t._trace is not IMPERATIVE and traced_level(t) >= 1:
            raise nested_in_transform(name, f"{what} {i}", t)
        if t._trace is not IMPERATIVE or t._node is None:
            raise RuntimeError(
                f"{name}: {what} {i} (shape {t.shape}, dtype {t.dtype}) does not require grad: no "
                "tensor made with tg.tensor(..., requires_grad=True) reached it (outside "
                "tg.no_grad()), or it comes only from ops without a derivative")


def _batch_size(outs: list, grads: list, name: str) -> int:
    """``is_grads_batched=True``: each gradient has one leading batch axis, of one size."""
    size = None
    for i, (t, g) in enumerate(zip(outs, grads)):
        if g is None:
            raise ValueError(f"{name}: is_grads_batched=True needs grad_outputs for every output "
                             f"(element {i} is None)")
        shape = tuple(np.shape(concrete(g)))
        if len(shape) != t.ndim + 1 or shape[1:] != t.shape or (size is not None
                                                                and shape[0] != size):
            raise TorchValueError(f"{name}: with is_grads_batched=True, grad_outputs[{i}] must have "
                             f"shape (batch,) + {t.shape}"
                             + (f" with batch {size}" if size is not None else "")
                             + f", got {shape}")
        size = shape[0]
    return size


def grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
         create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
         is_grads_batched: bool = False, materialize_grads: bool = False) -> tuple:
    """PyTorch's ``torch.autograd.grad``: the gradients of ``outputs`` with respect to
    ``inputs``, one per input, as a tuple; no ``.grad`` is read or written.

    ``outputs`` and ``inputs`` are Tensors or sequences of them. ``inputs`` may be leaves
    (``tg.tensor(..., requires_grad=True)``) or recorded results: the gradient with respect
    to an intermediate value. ``grad_outputs`` holds one gradient per output (None for an
    output of one element: ones). The graph's saved values are freed unless
    ``retain_graph=True`` (default: ``create_graph``). With ``create_graph=True`` the sweep is
    recorded, and each gradient is a recorded Tensor to differentiate again (one that came out
    constant sits on the tape after its input with a zero derivative, as in PyTorch);
    otherwise gradients are NumPy arrays. As PyTorch's engine, the sweep runs only the part
    of the graph the inputs need (no other tensor's hooks or retained ``.grad``), and a
    recorded input's gradient comes after its hooks unless the sweep goes on through it to
    another input. An input the outputs do not
    depend on raises RuntimeError, unless ``allow_unused=True`` (its gradient is None) or
    ``materialize_grads=True`` (zeros). ``is_grads_batched=True`` takes ``grad_outputs``
    with a leading batch axis and returns gradients with it (one sweep for the batch).
    """
    return sweep_grad(outputs, inputs, grad_outputs, retain_graph, create_graph, only_inputs,
                      allow_unused, is_grads_batched, materialize_grads)


def sweep_grad(outputs, inputs, grad_outputs=None, retain_graph: bool | None = None,
               create_graph: bool = False, only_inputs: bool = True, allow_unused: bool | None = None,
               is_grads_batched: bool = False, materialize_grads: bool = False, *,
               link_constants: bool = True) -> tuple:
    """:func:`grad`. ``link_constants=False`` leaves a ``create_graph`` gradient that came out
    constant as it is, a plain array (not put on the tape after its input, see
    :func:`tensorgrad.imperative_sweep.connected`): how a caller tells that it depends on no
    input (``tg.autograd.functional``'s strict mode)."""
    name = "tg.autograd.grad"
    outs = _output_list(outputs, name, "outputs")
    ins = _tensors(inputs, name, "inputs")
    if not outs or not ins:
        raise TorchValueError(f"{name}: outputs and inputs must not be empty")
    if not only_inputs:
        raise ValueError(f"{name}: only_inputs=False is not supported (PyTorch deprecated it); "
                         "use loss.backward() to fill .grad")
    if allow_unused is None:
        allow_unused = materialize_grads
    elif materialize_grads and not allow_unused:
        raise ValueError(f"{name}: materialize_grads=True needs allow_unused=True or None "
                         "(allow_unused=False contradicts it)")
    if retain_graph is None:
        retain_graph = create_graph
    _on_the_tape(outs, name, "output")
    _on_the_tape(ins, name, "input")
    grads = _per_output(grad_outputs, outs, name, "grad_outputs")
    inner = {t._node: None for t in ins if t._node.op is not None}  # recorded inputs: taps
    # results that retain_grad() on the way to the inputs: their .grad fills here too, as
    # PyTorch's (the sweep runs only the part of the graph the inputs need)
    retained = _taps()
    taps = {**retained, **inner} if retained else inner or None
    wanted = {t._node for t in ins}
    nodes = [t._node for t in outs]
    check_all_intact(name, nodes)
    if is_grads_batched:
        size = _batch_size(outs, grads, name)
        if not size:  # an empty batch: empty gradients
            return tuple(np.zeros((0,) + t.shape, t.dtype) for t in ins)
        if create_graph or hooked_nodes() is not None:
            # one sweep per row, stacked: recorded (create_graph; a recorded batch of
            # gradients stays recorded, row by row), or running the tensors' hooks on each
            # row's gradient, as PyTorch's vmap over the rows does
            batches = [g if isinstance(g, Tensor) else np.asarray(g) for g in grads]
            keep = bool(retain_graph) or create_graph
            rows = [grad(outs, ins, [g[b] for g in batches], b < size - 1 or keep, create_graph,
                         allow_unused=True) for b in range(size)]
            got = {}
            for k, t in enumerate(ins):
                parts = [r[k] for r in rows]
                if all(p is not None for p in parts):
                    got[k] = _stack(parts)
                elif any(p is not None for p in parts):
                    got[k] = _stack([np.zeros(t.shape, t.dtype) if p is None else p
                                     for p in parts])
            found = [got.get(k) for k in range(len(ins))]
            return _finish(found, ins, allow_unused, materialize_grads, name, (size,))
        seeds = [np.stack([seed_for(t, row, False, name, f"output {i}")
                           for row in np.asarray(concrete(g))])
                 for i, (t, g) in enumerate(zip(outs, grads))]
        leaves = sweep_for(nodes, seeds, bool(retain_graph), False, taps, batch_ndim=1,
                           inputs=wanted)
        found = [None if t._node not in leaves else
                 np.broadcast_to(torch_gradient(leaves[t._node], t.dtype, name),
                                 (size,) + t.shape).copy() for t in ins]
        return _finish(found, ins, allow_unused, materialize_grads, name, (size,))
    seeds = [seed_for(t, g, create_graph, name, f"output {i}", "grad_outputs=")
             for i, (t, g) in enumerate(zip(outs, grads))]
    after: dict = {}  # an input's gradient after its hooks (the one a retained .grad takes)
    leaves = sweep_for(nodes, seeds, bool(retain_graph), create_graph, taps, inputs=wanted,
                       after_hooks=after if retained else None)
    unlinked = last_sweep_unlinked()
    found = [None if t._node not in leaves else torch_gradient(leaves[t._node], t.dtype, name)
             for t in ins]
    if create_graph and link_constants:  # (a constant gradient stays on the tape after its input)
        found = [g if g is None else connected(g, t, unlinked) for g, t in zip(found, ins)]
    if retained:
        fill_grads({n: after.get(n, g) for n, g in leaves.items() if n in retained}, retained,
                   name, create_graph, unlinked)
    return _finish(found, ins, allow_unused, materialize_grads, name, ())


def _finish(found: list, ins: list, allow_unused: bool, materialize: bool, name: str,
            batch: tuple) -> tuple:
    out = []
    for i, (g, t) in enumerate(zip(found, ins)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"{name}: input {i} (shape {t.shape}) was not used in computing the "
                    "outputs; pass allow_unused=True for None, or materialize_grads=True for "
                    "zeros")
            if materialize:
                g = np.zeros(batch + t.shape, t.dtype)
        out.append(as_grad(g))
    return tuple(out)


def backward(tensors, grad_tensors=None, retain_graph: bool | None = None,
             create_graph: bool = False, inputs=None) -> None:
    """PyTorch's ``torch.autograd.backward``: accumulate the gradients of several outputs into
    ``.grad`` in one sweep, as ``sum(t.backward(g) for t, g in ...)`` would, freeing the graph
    once. ``grad_tensors`` holds one gradient per tensor (None for a tensor of one element);
    ``inputs`` limits the accumulation to those tensors (leaves or recorded results)."""
    name = "tg.autograd.backward"
    outs = _output_list(tensors, name, "tensors")
    if not outs:
        raise TorchValueError(f"{name}: tensors must not be empty")
    only, results = _backward_inputs(inputs)
    _on_the_tape(outs, name, "tensor")
    grads = _per_output(grad_tensors, outs, name, "grad_tensors")
    seeds = [seed_for(t, g, create_graph, name, f"tensor {i}", "grad_tensors=")
             for i, (t, g) in enumerate(zip(outs, grads))]
    check_all_intact(name, [t._node for t in outs])
    taps = _taps()
    if results:  # recorded results among the inputs: their .grad fills, as a retained one's
        taps = {**(taps or {}), **results}
    nodes = [t._node for t in outs]
    leaves = sweep_for(nodes, seeds, bool(retain_graph), create_graph, taps, inputs=only)
    fill_grads(leaves, taps, name, create_graph, last_sweep_unlinked())


# --------------------------------------------------------------------------
# grad modes and anomaly detection under PyTorch's names
# --------------------------------------------------------------------------

_INFERENCE = threading.local()


class inference_mode:
    """PyTorch's ``inference_mode(mode=True)``: a block (or a decorated function, with or
    without the parentheses) in which imperative tensors do not record, as ``tg.no_grad()``;
    ``inference_mode(False)`` is a block with recording on and inference mode off, also
    inside ``no_grad`` or ``inference_mode`` (as PyTorch)."""

    def __new__(cls, mode=True):
        if callable(mode):  # @tg.inference_mode, without parentheses
            return cls(True)(mode)
        return super().__new__(cls)

    def __init__(self, mode=True):
        self.mode = bool(mode)
        self._ctx = None

    def __enter__(self):
        self._ctx = no_grad() if self.mode else set_grad_enabled(True)
        self._previous = getattr(_INFERENCE, "on", False)
        _INFERENCE.on = self.mode
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        _INFERENCE.on = self._previous
        return self._ctx.__exit__(*exc)

    def __call__(self, fun):
        mode = self.mode
        return in_mode(fun, lambda: inference_mode(mode))


def is_inference_mode_enabled() -> bool:
    """True inside ``inference_mode()`` in this thread."""
    return bool(getattr(_INFERENCE, "on", False))


class _Anomaly(threading.local):
    def __init__(self):
        self.unchecked = False  # anomaly mode on with check_nan=False: nothing to check
        self.check_nan = True


_ANOMALY = _Anomaly()


def set_anomaly(enabled: bool, check_nan: bool = True) -> tuple:
    """Switch anomaly detection in this thread; returns the previous state for
    :func:`restore_anomaly`. tensorgrad's anomaly detection is ``tg.debug_nans``, the NaN/inf
    check, so with ``check_nan=False`` the mode is on but checks nothing."""
    previous = (is_debugging_nans(), _ANOMALY.unchecked, _ANOMALY.check_nan)
    _ANOMALY.unchecked, _ANOMALY.check_nan = bool(enabled) and not check_nan, bool(check_nan)
    debug_nans(bool(enabled) and bool(check_nan))
    return previous


def restore_anomaly(previous: tuple) -> None:
    nans, _ANOMALY.unchecked, _ANOMALY.check_nan = previous
    debug_nans(nans)


class set_detect_anomaly:
    """PyTorch's ``set_detect_anomaly(mode, check_nan=True)``: ``tg.debug_nans(mode)``, which
    raises FloatingPointError at the first op whose forward or derivative rule makes NaN or
    inf, naming the op and the line of your code that recorded it. A call sets the mode; a
    ``with`` block restores the previous one."""

    def __init__(self, mode: bool, check_nan: bool = True):
        self._previous = set_anomaly(mode, check_nan)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        restore_anomaly(self._previous)


class detect_anomaly:
    """PyTorch's ``detect_anomaly(check_nan=True)``: a block with ``tg.debug_nans`` on (the
    mode switches on when the block starts, not when the object is made)."""

    def __init__(self, check_nan: bool = True):
        self.check_nan = bool(check_nan)
        self._previous: list = []  # (one per entry: the object may be entered again inside)

    def __enter__(self):
        self._previous.append(set_anomaly(True, self.check_nan))
        return self

    def __exit__(self, *exc) -> None:
        restore_anomaly(self._previous.pop())


def is_anomaly_enabled() -> bool:
    """True while anomaly detection (``tg.debug_nans``, or ``set_detect_anomaly(True,
    check_nan=False)``) is on in this thread."""
    return is_debugging_nans() or _ANOMALY.unchecked


def is_anomaly_check_nan_enabled() -> bool:
    """PyTorch's: the ``check_nan`` anomaly detection was last switched with (True at first)."""
    return _ANOMALY.check_nan
