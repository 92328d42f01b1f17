"""Weight averaging for the end of training (``torch.optim.swa_utils``), as ``tg.optim.swa_utils``.

Stochastic weight averaging (SWA) keeps, beside the model being trained, a second model whose
weights are the running mean of the weights the first one went through; an exponential moving
average (EMA) weights recent ones more. Three pieces do it, with PyTorch's names and arguments:

* :class:`AveragedModel` holds a deep copy of the model (``.module``) and a count of the models
  averaged into it (the buffer ``n_averaged``). ``update_parameters(model)`` folds the model's
  current parameters in: the first call copies them, later ones apply the averaging rule
  (by default the equal running mean ``w ← w + (w_model − w)/(n + 1)``). Buffers (BatchNorm's
  running statistics) are copied from the model, or averaged too with ``use_buffers=True``.
  Calling it runs the copy. Its ``state_dict()`` names are PyTorch's: ``"module.<name>"`` for
  the copy's entries and ``"n_averaged"``.
* :func:`get_swa_avg_fn`, :func:`get_ema_avg_fn` (one array at a time, returning the new
  value) and :func:`get_swa_multi_avg_fn`, :func:`get_ema_multi_avg_fn` (lists of arrays,
  written in place) make the rules for ``avg_fn=`` / ``multi_avg_fn=``.
* :class:`SWALR` is a learning-rate scheduler that moves every group's rate from where it is to
  a fixed ``swa_lr`` over ``anneal_epochs`` steps (cosine or linear) and keeps it there.
* :func:`update_bn` recomputes the BatchNorm running statistics of a model (an averaged one,
  whose averaged weights never produced the statistics it holds) with one pass over the data.

The averaging works on NumPy arrays: a user's ``avg_fn(averaged, current, num_averaged)``
gets the two values as arrays (with PyTorch's in-place Tensor methods, ``mul_``, ``lerp_``,
``copy_``) and ``num_averaged`` as a 0-d int64 array; it returns the new averaged value. A
``multi_avg_fn(averaged_list, current_list, num_averaged)`` gets writable arrays of one dtype at
a time (PyTorch groups by device and dtype) and updates the first list in place (or returns
the new list). Integer buffers (``num_batches_tracked``) averaged with ``use_buffers=True`` are
computed in floating point and truncated back, as PyTorch's copy into them truncates.

Differences from PyTorch: tensorgrad computes on the CPU, so ``device`` may only be None or the
CPU; giving both ``avg_fn`` and ``multi_avg_fn`` raises ValueError (PyTorch's AssertionError);
``update_parameters`` refuses a model whose parameters or buffers do not match the copy's in
number, names or shapes (PyTorch pairs them up in order and stops at the shorter list);
:func:`get_swa_multi_avg_fn` uses the weight 1/(n + 1) in the arrays' precision (PyTorch's
rounds it to float32 first); the state dict lists the parameters before the buffers, so
``"n_averaged"`` comes after the parameters rather than first (the keys and values are the same).
"""
from __future__ import annotations

import copy
import functools
import math
from typing import Any, Callable, Iterable

import numpy as np

from .hooks import as_grad
from .imperative import no_grad, write_data
from .lr_scheduler_base import LRScheduler, _groups, _lr, _per_group
from .nn.layers_more import _BatchNorm
from .nn.module import Module
from .nn.state import into_tensors
from .nn.torch_modules import _InstanceNorm
from .optim_more import _lerp  # (torch.lerp's rounding: from the nearer end)
from .tensor import Tensor, concrete
from .tensor_torch_more import dtype_device
from .tree import tree_flatten, tree_unflatten

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
           "get_ema_avg_fn", "get_swa_avg_fn"]


# ---- the averaging rules -------------------------------------------------------------------
def _check_decay(who: str, decay) -> float:
    if isinstance(decay, (bool, np.bool_)) or not isinstance(decay, (int, float, np.integer,
                                                                     np.floating)):
        raise TypeError(f"{who}: decay must be a number in [0, 1], got {decay!r}")
    if not 0.0 <= decay <= 1.0:  # (NaN too)
        raise ValueError(f"{who}: decay must be in [0, 1], got {decay}")
    return float(decay)


def _count(num_averaged) -> Any:
    """The number of models averaged so far as a Python int (a 0-d integer array would turn
    float32 arithmetic into float64 under NumPy's rules; PyTorch's 0-d tensor does not)."""
    value = concrete(num_averaged)
    if np.ndim(value) == 0 and np.asarray(value).dtype.kind in "iub":
        return int(value)
    return num_averaged


def _is_inexact(a) -> bool:
    return np.asarray(concrete(a)).dtype.kind in "fc"


def _write_into(target, value) -> None:
    """Put ``value`` into the array (or imperative tensor) ``target``, in its dtype."""
    if isinstance(target, Tensor):
        write_data(target, np.array(concrete(value), dtype=np.asarray(concrete(target)).dtype))
    else:
        np.copyto(target, np.asarray(concrete(value)), casting="unsafe")


def _ema_avg(averaged, current, num_averaged, *, decay: float):
    return decay * averaged + (1 - decay) * current


def _swa_avg(averaged, current, num_averaged):
    return averaged + (current - averaged) / (_count(num_averaged) + 1)


def _ema_multi_avg(averaged_list, current_list, num_averaged, *, decay: float) -> None:
    for a, c in zip(averaged_list, current_list, strict=True):
        av, cv = np.asarray(concrete(a)), np.asarray(concrete(c))
        _write_into(a, _lerp(av, cv, 1 - decay) if _is_inexact(a) else av * decay + cv * (1 - decay))


def _swa_multi_avg(averaged_list, current_list, num_averaged) -> None:
    n = _count(num_averaged)
    for a, c in zip(averaged_list, current_list, strict=True):
        av, cv = np.asarray(concrete(a)), np.asarray(concrete(c))
        _write_into(a, _lerp(av, cv, 1.0 / (n + 1)) if _is_inexact(a) else av + (cv - av) / (n + 1))


# (the rules are partials of module functions, not closures: a model holding one pickles)
def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """The exponential moving average for ``AveragedModel(avg_fn=...)``: a function of
    ``(averaged, current, num_averaged)`` returning ``decay·averaged + (1 − decay)·current``
    (``decay`` in [0, 1]; the first update copies the model, so the average starts there)."""
    return functools.partial(_ema_avg, decay=_check_decay("get_ema_avg_fn", decay))


def get_swa_avg_fn() -> Callable:
    """The equal running mean for ``AveragedModel(avg_fn=...)``: a function of
    ``(averaged, current, num_averaged)`` returning ``averaged + (current − averaged)/(n + 1)``
    with n = ``num_averaged``, the mean of the n + 1 models seen."""
    return functools.partial(_swa_avg)


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """The exponential moving average for ``AveragedModel(multi_avg_fn=...)``: a function of
    ``(averaged_list, current_list, num_averaged)`` that moves each averaged array in place a
    fraction 1 − ``decay`` of the way to the current one (an integer array: computed in
    floating point and truncated)."""
    return functools.partial(_ema_multi_avg, decay=_check_decay("get_ema_multi_avg_fn", decay))


def get_swa_multi_avg_fn() -> Callable:
    """The equal running mean for ``AveragedModel(multi_avg_fn=...)``: a function of
    ``(averaged_list, current_list, num_averaged)`` that moves each averaged array in place by
    (current − averaged)/(n + 1), n = ``num_averaged``."""
    return functools.partial(_swa_multi_avg)


# ---- the averaged model --------------------------------------------------------------------
def _own_copy(model: Module) -> Module:
    """A deep copy of ``model`` that is a model of its own: a layer held by a bigger model
    reads its parameters there, and is copied with them but without that model."""
    link = model.__dict__.get("_owner")
    if link is None:
        return copy.deepcopy(model)
    params = model.params
    out = copy.deepcopy(model, {id(link): None})
    out.__dict__.pop("_owner", None)
    if params is not None:
        out.params = copy.deepcopy(params)
    return out


def _value(v) -> np.ndarray:
    return np.asarray(concrete(v))


class AveragedModel(Module):
    """A running average of a model's weights (PyTorch's ``AveragedModel``): SWA by default,
    an EMA or any rule through ``avg_fn`` / ``multi_avg_fn`` (see the module's notes).

    ``self.module`` is a deep copy of ``model``; ``n_averaged`` (a 0-d int64 buffer) counts the
    models averaged into it. ``update_parameters(model)`` copies the model's parameters at the
    first call and averages them in afterwards; the buffers follow the model (copied), unless
    ``use_buffers=True`` averages them with the parameters. ``swa_model(x)`` runs the copy.
    """

    def __init__(self, model: Module, device=None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False):
        who = "AveragedModel"
        if not isinstance(model, Module):
            raise TypeError(f"{who}: model must be a tg.nn.Module, got {type(model).__name__}")
        if avg_fn is not None and multi_avg_fn is not None:
            raise ValueError(f"{who}: give avg_fn or multi_avg_fn, not both")
        for name, fn in (("avg_fn", avg_fn), ("multi_avg_fn", multi_avg_fn)):
            if fn is not None and not callable(fn):
                raise TypeError(f"{who}: {name} must be a function, got {type(fn).__name__}")
        if not isinstance(use_buffers, (bool, np.bool_)):
            raise TypeError(f"{who}: use_buffers must be a bool, got {use_buffers!r}")
        dtype_device(who, (), None, device)  # (the CPU, or None: anything else raises)
        self.module = _own_copy(model)
        self.register_buffer("n_averaged", np.asarray(0, dtype=np.int64))
        self.avg_fn, self.multi_avg_fn = avg_fn, multi_avg_fn
        self.use_buffers = bool(use_buffers)

    def forward(self, *args, **kwargs):
        """The copy's output: ``self.module(*args, **kwargs)``."""
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters (and buffers, with ``use_buffers``) into the
        average, and count it in ``n_averaged``."""
        who = "AveragedModel.update_parameters"
        if not isinstance(model, Module):
            raise TypeError(f"{who}: model must be a tg.nn.Module, got {type(model).__name__}")
        mine_tree, theirs_tree = self.module._have(), model._have()
        names = [n for n, _ in self.module._named_leaves(mine_tree)]
        mine, treedef = tree_flatten(mine_tree)
        theirs = tree_flatten(theirs_tree)[0]
        if len(theirs) != len(mine):
            raise ValueError(f"{who}: the model has {len(theirs)} parameter arrays, the averaged "
                             f"copy {len(mine)}; pass the model the AveragedModel was made from")
        slots, their_slots = self.module._buffer_slots(), model._buffer_slots()
        if list(slots) != list(their_slots):
            raise ValueError(f"{who}: the model's buffers {list(their_slots)} are not the averaged "
                             f"copy's {list(slots)}")
        buffers = [getattr(m, a) for m, a in slots.values()]
        their_buffers = [getattr(m, a) for m, a in their_slots.values()]
        names += list(slots)
        olds = mine + buffers
        currents = [_value(v) for v in theirs + their_buffers]
        for n, o, c in zip(names, olds, currents):
            if np.shape(_value(o)) != c.shape:
                raise ValueError(f"{who}: {n!r} has shape {c.shape} in the model, "
                                 f"{np.shape(_value(o))} in the averaged copy")
        averaged = len(mine) + (len(buffers) if self.use_buffers else 0)
        count = int(_value(self.n_averaged))
        news = list(currents)  # (the model's values: a first update, and buffers not averaged)
        if count > 0 and averaged:
            news[:averaged] = self._averaged(olds[:averaged], currents[:averaged], count)
        new_params = [np.array(v, dtype=_value(o).dtype) for o, v in zip(mine, news)]
        self.module.params = tree_unflatten(treedef, into_tensors(mine, new_params))
        for (m, attr), old, v in zip(slots.values(), buffers, news[len(mine):]):
            _store(m, attr, old, v)
        _store(self, "n_averaged", self.n_averaged, np.asarray(count + 1))

    def _averaged(self, olds: list, currents: list, count: int) -> list:
        """The new averaged values (a list of arrays) of ``olds`` given the model's ``currents``."""
        n = np.asarray(count, dtype=np.int64)
        if self.multi_avg_fn is None:
            fn = self.avg_fn
            if fn is None:  # (PyTorch's rule on the CPU: the running mean, array by array)
                return [o + (c - o) / (count + 1) for o, c in zip(map(_value, olds), currents)]
            return [_value(fn(as_grad(np.array(_value(o))), as_grad(c.copy()), n.copy()))
                    for o, c in zip(olds, currents)]
        out: list = [None] * len(olds)
        groups: dict = {}  # dtype -> indices, in order of first appearance (as PyTorch groups)
        for i, o in enumerate(olds):
            groups.setdefault(_value(o).dtype, []).append(i)
        for idx in groups.values():
            avg = [as_grad(np.array(_value(olds[i]))) for i in idx]
            cur = [as_grad(currents[i].copy()) for i in idx]
            got = self.multi_avg_fn(avg, cur, n.copy())
            if isinstance(got, (list, tuple)) and len(got) == len(idx):
                avg = got
            for i, v in zip(idx, avg):
                out[i] = _value(v)
        return out


def _store(m: Module, attr: str, old, value) -> None:
    """Set the buffer ``m.attr`` to ``value`` in its dtype (into a tensor buffer, in place)."""
    value = np.array(_value(value), dtype=_value(old).dtype)
    if isinstance(old, Tensor):
        write_data(old, value)
    else:
        setattr(m, attr, value)


# ---- BatchNorm statistics ------------------------------------------------------------------
def update_bn(loader: Iterable, model: Module, device=None) -> None:
    """Recompute the running statistics of every BatchNorm layer of ``model`` with one pass
    over ``loader`` (PyTorch's ``update_bn``).

    The statistics are reset, then each batch is run through the model in training mode with
    the layers' ``momentum`` set to None, so that ``running_mean`` ends as the mean of the
    batch means and ``running_var`` as the mean of the batches' unbiased variances (with
    batches of one size: the data's mean, and a variance close to its unbiased one). A batch
    is an array or tensor, or a list or tuple whose first item is the input; anything else (a
    dict) is passed to the model as it is. Each layer's momentum and the model's training mode
    are restored afterwards (also when the loader or the model raises). A model without
    BatchNorm layers returns at once, without reading the loader. InstanceNorm layers are left
    alone, as in PyTorch."""
    who = "update_bn"
    if not isinstance(model, Module):
        raise TypeError(f"{who}: model must be a tg.nn.Module, got {type(model).__name__}")
    dtype_device(who, (), None, device)  # (the CPU, or None: anything else raises)
    layers = [m for m in model.modules() if isinstance(m, _BatchNorm) and not isinstance(m, _InstanceNorm)]
    if not layers:
        return
    momenta = [m.momentum for m in layers]
    was_training = bool(model.training)
    for m in layers:
        m.reset_running_stats()
    try:
        model.train()
        for m in layers:
            m.momentum = None
        with no_grad():
            for batch in loader:
                if isinstance(batch, (list, tuple)):
                    if not batch:
                        raise ValueError(f"{who}: the loader gave an empty {type(batch).__name__}; "
                                         "a batch is an input, or a list or tuple starting with one")
                    batch = batch[0]
                model(batch)
    finally:
        for m, momentum in zip(layers, momenta):
            m.momentum = momentum
        model.train(was_training)


# ---- the learning-rate schedule ------------------------------------------------------------
def _cosine_anneal(t: float) -> float:
    return (1 - math.cos(math.pi * t)) / 2


def _linear_anneal(t: float) -> float:
    return t


_ANNEAL = {"cos": _cosine_anneal, "linear": _linear_anneal}


class SWALR(LRScheduler):
    """Anneal every group's rate to ``swa_lr`` (one value, or a list with one per group) over
    ``anneal_epochs`` steps, then hold it there (PyTorch's ``SWALR``).

    With η₀ the group's rate when the scheduler is made and α(t) = (1 − cos πt)/2
    (``anneal_strategy="cos"``) or t (``"linear"``), the rate after s steps is
    η₀ + (swa_lr − η₀)·α(min(1, s/anneal_epochs)); ``anneal_epochs=0`` sets ``swa_lr`` at
    once. Each step computes it from the group's current rate (undoing the previous step's
    mix), as PyTorch's, so it also takes over from a rate another scheduler left. Each group
    keeps its ``swa_lr`` under that key (saved with the optimizer's state)."""

    def __init__(self, optimizer, swa_lr: float | list, anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1):
        who = "SWALR"
        groups = _groups(who, optimizer)
        if not isinstance(anneal_strategy, str) or anneal_strategy not in _ANNEAL:
            raise ValueError(f"{who}: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        if isinstance(anneal_epochs, (bool, np.bool_)) or not isinstance(anneal_epochs, (int, np.integer)) \
                or anneal_epochs < 0:
            raise ValueError(f"{who}: anneal_epochs must be an integer ≥ 0, got {anneal_epochs!r}")
        self._swa_lrs = _per_group(who, "swa_lr", swa_lr, len(groups))
        self._late = {"_swa_lrs": not isinstance(swa_lr, (list, tuple))}
        for i, group in enumerate(groups):
            self._start_group(i, group)
        self._anneal_strategy = anneal_strategy
        self.anneal_epochs = int(anneal_epochs)
        super().__init__(optimizer, last_epoch)

    def _start_group(self, i: int, group: dict) -> None:
        group["swa_lr"] = self._swa_lrs[min(i, len(self._swa_lrs) - 1)]

    @property
    def anneal_func(self) -> Callable:
        """α(t) of the chosen strategy (not saved: ``_anneal_strategy`` names it)."""
        return _ANNEAL[self._anneal_strategy]

    def _fraction(self, step: int) -> float:
        """α at ``step`` steps into the annealing."""
        return self.anneal_func(min(1.0, max(0.0, step / max(1, self.anneal_epochs))))

    def get_lr(self) -> list:
        who = type(self).__name__
        step = self._step_count - 1  # (0 for the step the constructor takes)
        if self.anneal_epochs == 0:
            step = max(step, 1)
        before, now = self._fraction(step - 1), self._fraction(step)
        rates = []
        for i, group in enumerate(self._groups()):
            target, current = group["swa_lr"], _lr(who, group, i)
            # the rate the mix started from: undo the previous step's α (all of it: swa_lr)
            start = target if before == 1 else (current - before * target) / (1 - before)
            rates.append(target * now + start * (1 - now))
        return rates
