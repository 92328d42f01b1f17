"""The base of ``tg.optim.lr_scheduler`` (:mod:`tensorgrad.lr_scheduler`): the
:class:`LRScheduler` class and how a scheduler reads and sets the rate and momentum of each of an
optimizer's parameter groups (``optimizer.param_groups``: PyTorch's form has one group per
``add_param_group``, a functional optimizer has one group that reads and sets its attributes)."""
from __future__ import annotations

import copy
import math
import types

from .optim_base import Optimizer
from .optim_params import ParamOptimizer

__all__ = ["LRScheduler"]


# ---- the optimizer's parameter groups ------------------------------------------------------
def _groups(who: str, optimizer) -> list:
    """``optimizer.param_groups``, read anew at each step (groups may be added later)."""
    if not isinstance(optimizer, (Optimizer, ParamOptimizer)):
        raise TypeError(f"{who}: optimizer must be a tg.optim optimizer, got "
                        f"{type(optimizer).__name__}")
    return optimizer.param_groups


def _check_optimizer(who: str, optimizer):
    """The optimizer a scheduler acts on (checked; returned as it is)."""
    _groups(who, optimizer)
    return optimizer


def _lr(who: str, group: dict, i: int = 0) -> float:
    lr = group["lr"]
    if callable(lr):
        raise ValueError(f"{who}: the optimizer's learning rate (param_groups[{i}]) is a schedule "
                         "function; a scheduler sets the rate itself: build the optimizer with "
                         "lr=<number>")
    return float(lr)


def _set_lr(who: str, group: dict, value) -> None:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{who}: the scheduled learning rate is {value}; it must be finite")
    group["lr"] = value


def _lrs(who: str, optimizer) -> list:
    """The current rate of every group."""
    return [_lr(who, g, i) for i, g in enumerate(_groups(who, optimizer))]


def _number(who: str, name: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise TypeError(f"{who}: {name} must be a finite number, got {value!r}")
    return float(value)


def _per_group(who: str, name: str, value, n: int) -> list:
    """A per-group argument: a number for every group, or a list with one value per group."""
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{who}: {name} has {len(value)} values, but the optimizer has {n} "
                             "parameter group(s)")
        return [_number(who, name, v) for v in value]
    return [_number(who, name, value)] * n


def _use_beta1(who: str, optimizer) -> bool:
    """Whether momentum cycling sets β₁ (``group["betas"][0]``) or ``group["momentum"]``."""
    opt = optimizer.group_optimizers[0] if isinstance(optimizer, ParamOptimizer) else optimizer
    if hasattr(opt, "betas"):
        return True
    if hasattr(opt, "momentum"):
        return False
    raise ValueError(f"{who}: cycle_momentum needs an optimizer with a momentum or a beta1, and "
                     f"{type(opt).__name__} has neither; pass cycle_momentum=False")


def _set_momentum(group: dict, beta1: bool, value: float) -> None:
    if beta1:
        group["betas"] = (float(value),) + tuple(group["betas"][1:])
    else:
        group["momentum"] = float(value)


def _saved_functions(fns) -> list:
    """PyTorch saves a callable object's attributes and nothing of a plain function."""
    return [None if f is None or isinstance(f, types.FunctionType) else dict(vars(f)) for f in fns]


# ---- the base class ------------------------------------------------------------------------
class LRScheduler:
    """The base class: a subclass computes the next rates in ``get_lr()`` (one per parameter
    group) from ``last_epoch``, ``base_lrs`` and the groups' current rates, and may give a
    closed form ``_get_closed_form_lr()`` used by ``step(epoch)``. Construction takes the first
    step (``last_epoch`` becomes 0), as in PyTorch.

    Groups added to the optimizer after the scheduler was made are scheduled too: their
    ``initial_lr`` (set to their rate when the scheduler first sees them) joins ``base_lrs``, and
    per-group arguments given as one number apply to them (given as a list, they cannot be
    extended: an error says so)."""

    _functions: tuple = ()  # attributes holding user functions (saved as PyTorch saves them)

    def __init__(self, optimizer, last_epoch: int = -1):
        who = type(self).__name__
        groups = _groups(who, optimizer)
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"{who}: last_epoch must be an integer ≥ -1, got {last_epoch!r}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for i, g in enumerate(groups):
                g.setdefault("initial_lr", _lr(who, g, i))
        else:
            for i, g in enumerate(groups):
                if "initial_lr" not in g:
                    raise ValueError(
                        f"{who}: last_epoch={last_epoch} resumes a schedule, but param_groups[{i}] "
                        "has no 'initial_lr' (the value a scheduler records); load the optimizer's "
                        "state_dict saved with the schedule first, or start with last_epoch=-1")
        self.base_lrs = [g["initial_lr"] for g in groups]
        self.last_epoch = last_epoch
        self._initial_step()

    # groups added after construction
    # per-group list attributes -> whether they were given as one value (then extended with it
    # for groups added later) or as a list (then they cannot be)
    _late: dict = {}

    def _start_group(self, i: int, group: dict) -> None:
        """Set what the constructor sets in each group (a hook for OneCycleLR and CyclicLR)."""

    def _adopt_new_groups(self) -> None:
        who = type(self).__name__
        groups, base = _groups(who, self.optimizer), getattr(self, "base_lrs", None)
        for i in range(len(groups) if base is None else len(base), len(groups)):
            g = groups[i]
            for attr, one in self._late.items():
                if not one:
                    raise ValueError(
                        f"{who}: param_groups[{i}] was added after the scheduler was made, and "
                        f"{attr.rstrip('s')} was given as a list (one value per group then); give "
                        "one number to apply it to later groups, or make the scheduler after "
                        "add_param_group")
            self._start_group(i, g)
            for attr in self._late:
                values = getattr(self, attr)
                values.append(values[0])
            if "base_lrs" not in self._late:
                g.setdefault("initial_lr", _lr(who, g, i))
                self.base_lrs.append(g["initial_lr"])

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def _groups(self) -> list:
        return _groups(type(self).__name__, self.optimizer)

    def _current(self) -> list:
        return _lrs(type(self).__name__, self.optimizer)

    def get_lr(self) -> list:
        """The rates for the current ``last_epoch`` (called by :meth:`step`)."""
        raise NotImplementedError(f"{type(self).__name__} does not define get_lr()")

    def get_last_lr(self) -> list:
        """The rates the last :meth:`step` set, one per parameter group."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance one epoch (or, deprecated in PyTorch, jump to ``epoch``) and set the rates."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch=None) -> None:
        self._adopt_new_groups()
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            if isinstance(epoch, bool) or not isinstance(epoch, int):
                raise TypeError(f"{type(self).__name__}.step: epoch must be an integer, got {epoch!r}")
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        self._apply(values)

    def _apply(self, values: list) -> None:
        for g, v in zip(self._groups(), values):
            _set_lr(type(self).__name__, g, v)
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
            elif key in self._functions:  # (a list for a list, as PyTorch's: CyclicLR's one is not)
                saved = _saved_functions(value if isinstance(value, list) else [value])
                out[key] = saved if isinstance(value, list) else saved[0]
            else:
                out[key] = copy.deepcopy(value)
        return out

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a :meth:`state_dict`, and set the optimizer's rates to the saved last rates."""
        if not isinstance(state_dict, dict):
            raise TypeError(f"{type(self).__name__}.load_state_dict: expected a dict, got "
                            f"{type(state_dict).__name__}")
        for key, value in state_dict.items():
            if key == "_schedulers":
                for s, sd in zip(self._schedulers, value):
                    s.load_state_dict(sd)
            elif key in self._functions:
                fns = getattr(self, key)
                for f, saved in zip(fns if isinstance(fns, list) else [fns],
                                    value if isinstance(value, list) else [value]):
                    if saved is not None and f is not None:
                        vars(f).update(saved)
            else:
                setattr(self, key, copy.deepcopy(value))
        last = getattr(self, "_last_lr", None)
        if last and len(last) == len(self._groups()):
            for g, v in zip(self._groups(), last):
                _set_lr(type(self).__name__, g, v)
