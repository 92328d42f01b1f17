"""The base of ``tg.optim.lr_scheduler`` (:mod:`tensorgrad.lr_scheduler`): the
:class:`LRScheduler` class and how a scheduler reads and sets a tensorgrad optimizer's rate and
momentum (the optimizer's one parameter group)."""
from __future__ import annotations

import copy
import math
import types

from .optim_base import Optimizer
from .optim_params import _Rate

__all__ = ["LRScheduler"]


# ---- the optimizer's one parameter group ---------------------------------------------------
def _group(opt) -> dict:
    """The values PyTorch would keep in the parameter group besides the hyperparameters."""
    return opt.__dict__.setdefault("_lr_scheduler_group", {})


def _lr(who: str, opt) -> float:
    if not getattr(opt.lr, "constant", False):
        raise ValueError(f"{who}: the optimizer's learning rate is a schedule function; a "
                         "scheduler sets the rate itself: build the optimizer with lr=<number>")
    return float(opt.lr(0))


def _set_lr(who: str, opt, value) -> None:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{who}: the scheduled learning rate is {value}; it must be finite")
    opt.lr = _Rate(value)


def _check_optimizer(who: str, opt):
    """The functional optimizer a scheduler acts on: ``opt`` itself, or the one optimizer of a
    one-group optimizer in PyTorch's form (its group's ``"lr"`` reads the same rate)."""
    inner = getattr(opt, "group_optimizers", None)
    if inner is not None:
        if len(inner) != 1:
            raise ValueError(f"{who}: the optimizer has {len(inner)} parameter groups; "
                             "tensorgrad's schedulers act on one (make one scheduler per "
                             "optimizer, or set param_groups[i]['lr'] yourself)")
        opt = inner[0]
    if not isinstance(opt, Optimizer):
        raise TypeError(f"{who}: optimizer must be a tg.optim optimizer, got {type(opt).__name__}")
    return opt


def _one(who: str, name: str, value) -> float:
    """A per-group argument for the single group: a number or a one-element list."""
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ValueError(f"{who}: {name} has {len(value)} values, but a tensorgrad optimizer "
                             "has one parameter group")
        value = value[0]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"{who}: {name} must be a finite number, got {value!r}")
    return float(value)


def _momentum_kind(who: str, opt) -> str:
    if hasattr(opt, "betas") or hasattr(opt, "b1"):
        return "beta1"
    if hasattr(opt, "momentum"):
        if "momentum" not in opt.slots:
            raise ValueError(f"{who}: cycle_momentum needs a momentum buffer, but this "
                             f"{type(opt).__name__} was built with momentum=0; build it with "
                             "momentum > 0 or pass cycle_momentum=False")
        return "momentum"
    raise ValueError(f"{who}: cycle_momentum needs an optimizer with a momentum or a beta1, and "
                     f"{type(opt).__name__} has neither; pass cycle_momentum=False")


def _set_momentum(opt, kind: str, value: float) -> None:
    if kind == "momentum":
        opt.momentum = float(value)
    elif hasattr(opt, "betas"):
        opt.betas = (float(value),) + tuple(opt.betas[1:])
    else:
        opt.b1 = float(value)


def _saved_functions(fns) -> list:
    """PyTorch saves a callable object's attributes and nothing of a plain function."""
    return [None if f is None or isinstance(f, types.FunctionType) else dict(vars(f)) for f in fns]


# ---- the base class ------------------------------------------------------------------------
class LRScheduler:
    """The base class: a subclass computes the next rates in ``get_lr()`` (a one-element list)
    from ``last_epoch``, ``base_lrs`` and the optimizer's current rate, and may give a closed
    form ``_get_closed_form_lr()`` used by ``step(epoch)``. Construction takes the first step
    (``last_epoch`` becomes 0), as in PyTorch."""

    _functions: tuple = ()  # attributes holding user functions (saved as PyTorch saves them)

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1):
        who = type(self).__name__
        optimizer = _check_optimizer(who, optimizer)
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"{who}: last_epoch must be an integer ≥ -1, got {last_epoch!r}")
        self.optimizer = optimizer
        group = _group(optimizer)
        current = _lr(who, optimizer)
        if last_epoch == -1:
            group.setdefault("initial_lr", current)
        elif "initial_lr" not in group:
            raise ValueError(f"{who}: last_epoch={last_epoch} resumes a schedule, but no scheduler "
                             "has recorded this optimizer's initial_lr; start with last_epoch=-1 "
                             "(and restore a saved position with load_state_dict)")
        self.base_lrs = [group["initial_lr"]]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def _current(self) -> list:
        return [_lr(type(self).__name__, self.optimizer)]

    def get_lr(self) -> list:
        """The rates for the current ``last_epoch`` (called by :meth:`step`)."""
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr()")

    def get_last_lr(self) -> list:
        """The rates the last :meth:`step` set (a one-element list)."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or, deprecated in PyTorch, jump to ``epoch``) and set the rate."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch=None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            if isinstance(epoch, bool) or not isinstance(epoch, int):
                raise TypeError(f"{type(self).__name__}.step: epoch must be an integer, got {epoch!r}")
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        _set_lr(type(self).__name__, self.optimizer, values[0])
        self._last_lr = self._current()

    def state_dict(self) -> dict:
        """Everything but the optimizer (nested schedulers as their own state dicts; of a user
        function only a callable object's attributes, as PyTorch)."""
        out: dict = {}
        for key, value in vars(self).items():
            if key == "optimizer":
                continue
            if key == "_schedulers":
                out[key] = [s.state_dict() for s in value]
            elif key in self._functions:
                out[key] = _saved_functions(value if isinstance(value, list) else [value])
            else:
                out[key] = copy.deepcopy(value)
        return out

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a :meth:`state_dict`, and set the optimizer's rate to the saved last rate."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"{type(self).__name__}.load_state_dict: expected a dict, got "
                            f"{type(state_dict).__name__}")
        for key, value in state_dict.items():
            if key == "_schedulers":
                for s, sd in zip(self._schedulers, value):
                    s.load_state_dict(sd)
            elif key in self._functions:
                fns = getattr(self, key)
                for f, saved in zip(fns if isinstance(fns, list) else [fns], value):
                    if saved is not None and f is not None:
                        vars(f).update(saved)
            else:
                setattr(self, key, copy.deepcopy(value))
        if getattr(self, "_last_lr", None):
            _set_lr(type(self).__name__, self.optimizer, self._last_lr[0])
