"""PyTorch's learning-rate schedulers (``torch.optim.lr_scheduler``), as ``tg.optim.lr_scheduler``.

A scheduler wraps a tensorgrad optimizer and changes its hyperparameters between updates, as
PyTorch's change ``param_groups``: ``sched = StepLR(opt, step_size=10)``, then after each
``params, state = opt.step(params, grads, state)`` call ``sched.step()``. The new rate is
stored in the optimizer (``opt.lr`` becomes a constant schedule, so ``opt.learning_rate(state)``
and ``opt.step`` use it); :class:`CyclicLR` and :class:`OneCycleLR` also cycle the momentum
(``opt.momentum`` of SGD and RMSprop) or β₁ (``opt.b1`` of the Adam family, ``opt.betas[0]`` of
RAdam). Every scheduler has ``step()``, ``get_last_lr()``, ``last_epoch``, ``base_lrs``,
``state_dict()`` and ``load_state_dict()``; the recursive (“chainable”) forms that PyTorch's
``step()`` computes are the ones used here, so several schedulers can act on one optimizer.

Parameter groups: a scheduler acts on every group of ``optimizer.param_groups``, as PyTorch's
do. An optimizer in PyTorch's form (``tg.optim.SGD(model.parameters(), lr=0.1)``) has one group
per ``add_param_group``; a functional optimizer has one group, whose entries read and set its
attributes. Arguments that PyTorch takes per group (``lr_lambda``, ``base_lr``, ``max_lr``,
``min_lr``, momenta) take one value for every group or a list with one per group, and
``get_last_lr()`` and ``base_lrs`` have one entry per group. Values PyTorch keeps in the group
(``initial_lr``, OneCycleLR's ``max_lr``/``min_lr``, the momentum bounds) are kept there, so
they are saved by the optimizer's ``state_dict()`` and a second scheduler on the same optimizer
sees them, as in PyTorch. Groups added after the scheduler was made are scheduled too, from
their rate then (PyTorch's recursive schedulers do the same; its closed forms fail there).

Differences: the optimizer's rate must be a number, not a schedule function; no warnings about
the call order or the deprecated ``step(epoch)`` are issued (``step(epoch)`` uses the closed form
where PyTorch has one, as PyTorch does); ``load_state_dict`` also puts the saved last rates back
into the groups (a functional optimizer's state holds no hyperparameters); an optimizer whose
momentum is cycled may start without one (SGD or RMSprop with ``momentum=0``), as in PyTorch:
the buffer is created at the next update.
Under ``tg.jit`` a constant rate is read when the step is traced: pass the scheduled rate as an
argument, ``opt.step(params, grads, state, lr=sched.get_last_lr()[0])``.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from typing import Any, Callable, Sequence

from .lr_scheduler_base import (LRScheduler, _check_optimizer, _groups, _lr, _per_group,
                                _set_lr, _set_momentum, _use_beta1)
from .optim_base import Optimizer, _check_count, _check_rate

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
           "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
           "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "SequentialLR",
           "ChainedScheduler", "ReduceLROnPlateau"]


def _lambdas(sched, who: str, optimizer, lr_lambda) -> list:
    """One function per group: ``lr_lambda`` for each, or a list of them, one per group."""
    n = len(_groups(who, optimizer))
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != n:
            raise ValueError(f"{who}: expected one lr_lambda per parameter group ({n}), got "
                             f"{len(lr_lambda)}")
        fns, sched._late = list(lr_lambda), {"lr_lambdas": False}
    else:
        fns, sched._late = [lr_lambda] * n, {"lr_lambdas": True}
    for f in fns:
        if not callable(f):
            raise TypeError(f"{who}: lr_lambda must be a function of the epoch, got "
                            f"{type(f).__name__}")
    return fns


def _times(lrs: list, factor) -> list:
    return [lr * factor for lr in lrs]


class LambdaLR(LRScheduler):
    """η = η₀ · f(epoch)."""

    _functions = ("lr_lambdas",)

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable | list, last_epoch: int = -1):
        self.lr_lambdas = _lambdas(self, "LambdaLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        return [base * f(self.last_epoch) for base, f in zip(self.base_lrs, self.lr_lambdas)]


class MultiplicativeLR(LRScheduler):
    """η ← η · f(epoch) at each step after the first."""

    _functions = ("lr_lambdas",)

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable | list, last_epoch: int = -1):
        self.lr_lambdas = _lambdas(self, "MultiplicativeLR", optimizer, lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self._is_initial:
            return lrs
        return [lr * f(self.last_epoch) for lr, f in zip(lrs, self.lr_lambdas)]


class StepLR(LRScheduler):
    """η ← γη every ``step_size`` epochs (closed form η₀ γ^⌊epoch/step_size⌋)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if isinstance(step_size, float) and step_size.is_integer():
            step_size = int(step_size)  # (StepLR(opt, 1.0): PyTorch's tutorials pass a float)
        _check_count("StepLR", "step_size", step_size, 1)
        self.step_size, self.gamma = step_size, _check_rate("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return lrs
        return _times(lrs, self.gamma)

    def _get_closed_form_lr(self) -> list:
        return _times(self.base_lrs, self.gamma ** (self.last_epoch // self.step_size))


class MultiStepLR(LRScheduler):
    """η ← γη at each milestone epoch (γ^k if a milestone is listed k times)."""

    def __init__(self, optimizer: Optimizer, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1):
        milestones = list(milestones)
        for m in milestones:
            _check_count("MultiStepLR", "each milestone", m, 0)
        self.milestones = Counter(milestones)
        self.gamma = _check_rate("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self.last_epoch not in self.milestones:
            return lrs
        return _times(lrs, self.gamma ** self.milestones[self.last_epoch])

    def _get_closed_form_lr(self) -> list:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return _times(self.base_lrs, self.gamma ** passed)


class ConstantLR(LRScheduler):
    """η = factor · η₀ for the first ``total_iters`` epochs, then η₀."""

    def __init__(self, optimizer: Optimizer, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1):
        if not 0 < factor <= 1:
            raise ValueError(f"ConstantLR: factor must be in (0, 1], got {factor}")
        _check_count("ConstantLR", "total_iters", total_iters, 0)
        self.factor, self.total_iters = float(factor), total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self.last_epoch == 0:
            return _times(lrs, self.factor)
        if self.last_epoch != self.total_iters:
            return lrs
        return _times(lrs, 1.0 / self.factor)

    def _get_closed_form_lr(self) -> list:
        done = self.last_epoch >= self.total_iters
        return _times(self.base_lrs, self.factor + done * (1 - self.factor))


class LinearLR(LRScheduler):
    """η moves linearly from ``start_factor``·η₀ to ``end_factor``·η₀ over ``total_iters``
    epochs, then stays."""

    def __init__(self, optimizer: Optimizer, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1):
        if not 0 < start_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        _check_count("LinearLR", "total_iters", total_iters, 1)
        self.start_factor, self.end_factor = float(start_factor), float(end_factor)
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self.last_epoch == 0:
            return _times(lrs, self.start_factor)
        if self._is_initial or self.last_epoch > self.total_iters:
            return lrs
        span = self.end_factor - self.start_factor
        return _times(lrs, 1.0 + span / (self.total_iters * self.start_factor
                                         + (self.last_epoch - 1) * span))

    def _get_closed_form_lr(self) -> list:
        # (PyTorch's order of operations, for its rounding: the product before the division)
        done = min(self.total_iters, self.last_epoch)
        return _times(self.base_lrs, self.start_factor
                      + (self.end_factor - self.start_factor) * done / self.total_iters)


class ExponentialLR(LRScheduler):
    """η ← γη every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = _check_rate("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        return lrs if self._is_initial else _times(lrs, self.gamma)

    def _get_closed_form_lr(self) -> list:
        return _times(self.base_lrs, self.gamma ** self.last_epoch)


class PolynomialLR(LRScheduler):
    """η = η₀ (1 − min(epoch, T)/T)^power (T = ``total_iters``)."""

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1):
        _check_count("PolynomialLR", "total_iters", total_iters, 1)
        self.total_iters, self.power = total_iters, _check_rate("PolynomialLR", "power", power)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs = self._current()
        if self._is_initial or self.last_epoch > self.total_iters:
            return lrs
        e, T = self.last_epoch, self.total_iters
        return _times(lrs, ((1.0 - e / T) / (1.0 - (e - 1) / T)) ** self.power)

    def _get_closed_form_lr(self) -> list:
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return _times(self.base_lrs, (1.0 - frac) ** self.power)


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from η₀ to ``eta_min`` over ``T_max`` epochs, in PyTorch's recursive
    form (after T_max the rate rises again along the same cosine, period 2·T_max)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        _check_count("CosineAnnealingLR", "T_max", T_max, 1)
        self.T_max, self.eta_min = T_max, _check_rate("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lrs, lo, T, e = self._current(), self.eta_min, self.T_max, self.last_epoch
        if self._is_initial:
            return lrs
        if self._step_count == 1 and e > 0:
            return [lo + (base - lo) * (1 + math.cos(e * math.pi / T)) / 2 for base in self.base_lrs]
        if (e - 1 - T) % (2 * T) == 0:
            return [lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2
                    for lr, base in zip(lrs, self.base_lrs)]
        return [(1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) * (lr - lo) + lo
                for lr in lrs]

    def _get_closed_form_lr(self) -> list:
        lo = self.eta_min
        return [lo + (base - lo) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing restarted every T_i epochs (T₀, then ×``T_mult`` after each restart);
    ``step(epoch)`` takes fractional epochs (e.g. ``epoch + i/iters`` inside an epoch)."""

    def __init__(self, optimizer: Optimizer, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 last_epoch: int = -1):
        _check_count("CosineAnnealingWarmRestarts", "T_0", T_0, 1)
        _check_count("CosineAnnealingWarmRestarts", "T_mult", T_mult, 1)
        self.T_0 = self.T_i = T_0
        self.T_mult, self.eta_min = T_mult, _check_rate("CosineAnnealingWarmRestarts", "eta_min", eta_min)
        self.T_cur = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lo = self.eta_min
        return [lo + (base - lo) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
                for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """One epoch further, or to the (possibly fractional) ``epoch``."""
        self._adopt_new_groups()
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:  # (modulo: resumed with last_epoch=N, T_cur may be ≥ 2·T_i)
                self.T_cur %= self.T_i
                self.T_i *= self.T_mult
        else:
            if isinstance(epoch, bool) or not isinstance(epoch, (int, float)) or not epoch >= 0:
                raise ValueError(f"CosineAnnealingWarmRestarts.step: epoch must be a number ≥ 0, "
                                 f"got {epoch!r}")
            if epoch < self.T_0:
                self.T_i, self.T_cur = self.T_0, epoch
            elif self.T_mult == 1:
                self.T_cur = epoch % self.T_0
            else:  # the restart k with T₀(m^k − 1)/(m − 1) ≤ epoch
                k = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                self.T_cur = epoch - self.T_0 * (self.T_mult ** k - 1) / (self.T_mult - 1)
                self.T_i = self.T_0 * self.T_mult ** k
        self.last_epoch = math.floor(epoch)
        self._apply(self.get_lr())


class CyclicLR(LRScheduler):
    """The cyclical learning rate: the rate goes from ``base_lr`` up to ``max_lr`` in
    ``step_size_up`` steps and back in ``step_size_down``, the amplitude scaled by mode
    ``triangular`` (1), ``triangular2`` (halved each cycle), ``exp_range`` (γ^step) or a custom
    ``scale_fn`` of the cycle or of the step (``scale_mode``). With ``cycle_momentum`` the
    momentum (or β₁) moves the opposite way between ``max_momentum`` and ``base_momentum``."""

    _functions = ("_scale_fn_custom",)

    def __init__(self, optimizer: Optimizer, base_lr: float | list, max_lr: float | list,
                 step_size_up: int = 2000, step_size_down: int | None = None,
                 mode: str = "triangular", gamma: float = 1.0, scale_fn: Callable | None = None,
                 scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum: float | list = 0.8, max_momentum: float | list = 0.9,
                 last_epoch: int = -1):
        who = "CyclicLR"
        optimizer = _check_optimizer(who, optimizer)
        groups = _groups(who, optimizer)
        base_lrs = _per_group(who, "base_lr", base_lr, len(groups))
        if last_epoch == -1:
            for g, lr in zip(groups, base_lrs):
                _set_lr(who, g, lr)
        self.max_lrs = _per_group(who, "max_lr", max_lr, len(groups))
        up = _check_rate(who, "step_size_up", step_size_up)
        down = up if step_size_down is None else _check_rate(who, "step_size_down", step_size_down)
        if up + down <= 0 or up == 0:
            raise ValueError(f"{who}: step_size_up must be > 0, got {step_size_up}")
        self.total_size, self.step_ratio = up + down, up / (up + down)
        if scale_fn is None and mode not in ("triangular", "triangular2", "exp_range"):
            raise ValueError(f"{who}: mode must be 'triangular', 'triangular2' or 'exp_range' "
                             f"(or pass a scale_fn), got {mode!r}")
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"{who}: scale_fn must be a function, got {type(scale_fn).__name__}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"{who}: scale_mode must be 'cycle' or 'iterations', got {scale_mode!r}")
        self.mode, self.gamma, self._scale_fn_custom = mode, float(gamma), scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else (
            "iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = bool(cycle_momentum)
        late = {"base_lrs": _one(base_lr), "max_lrs": _one(max_lr)}
        if self.cycle_momentum:
            self.use_beta1 = _use_beta1(who, optimizer)
            self.base_momentums = _per_group(who, "base_momentum", base_momentum, len(groups))
            self.max_momentums = _per_group(who, "max_momentum", max_momentum, len(groups))
            late.update(base_momentums=_one(base_momentum), max_momentums=_one(max_momentum))
            if last_epoch == -1:
                for i, g in enumerate(groups):
                    self._start_group(i, g)
        self._late = late
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def _start_group(self, i: int, group: dict) -> None:
        if self.cycle_momentum:
            hi = self.max_momentums[min(i, len(self.max_momentums) - 1)]
            lo = self.base_momentums[min(i, len(self.base_momentums) - 1)]
            _set_momentum(group, self.use_beta1, hi)
            group["max_momentum"], group["base_momentum"] = hi, lo

    def scale_fn(self, x: float) -> float:
        """The amplitude factor at cycle (or step) ``x``."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self) -> list:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        rise = x / self.step_ratio if x <= self.step_ratio else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        if self.cycle_momentum:
            for g, lo, hi in zip(self._groups(), self.base_momentums, self.max_momentums):
                _set_momentum(g, self.use_beta1, hi - (hi - lo) * rise * scale)
        return [base + (top - base) * rise * scale for base, top in zip(self.base_lrs, self.max_lrs)]


def _one(value) -> bool:
    """Whether a per-group argument was given as one value (which groups added later take)."""
    return not isinstance(value, (list, tuple))


class OneCycleLR(LRScheduler):
    """The 1cycle policy over ``total_steps`` (or ``epochs · steps_per_epoch``) steps: the rate
    rises from max_lr/``div_factor`` to ``max_lr`` over the first ``pct_start`` of the steps,
    then anneals (``anneal_strategy`` 'cos' or 'linear') to initial/``final_div_factor``; with
    ``three_phase`` it first comes back down to the initial rate symmetrically. The momentum (or
    β₁) cycles the opposite way between ``max_momentum`` and ``base_momentum``. Each group's
    ``initial_lr``, ``max_lr``, ``min_lr`` (and momentum bounds) are kept in the group."""

    def __init__(self, optimizer: Optimizer, max_lr: float | list, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list = 0.85, max_momentum: float | list = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1):
        who = "OneCycleLR"
        optimizer = _check_optimizer(who, optimizer)
        groups = _groups(who, optimizer)
        if total_steps is not None:
            _check_count(who, "total_steps", total_steps, 1)
        elif epochs is not None and steps_per_epoch is not None:
            _check_count(who, "epochs", epochs, 1)
            _check_count(who, "steps_per_epoch", steps_per_epoch, 1)
            total_steps = epochs * steps_per_epoch
        else:
            raise ValueError(f"{who}: give total_steps, or epochs and steps_per_epoch")
        self.total_steps = total_steps
        if isinstance(pct_start, bool) or not isinstance(pct_start, (int, float)) \
                or not 0 <= pct_start <= 1:
            raise ValueError(f"{who}: pct_start must be a number in [0, 1], got {pct_start!r}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"{who}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}")
        for name, v in (("div_factor", div_factor), ("final_div_factor", final_div_factor)):
            if not _check_rate(who, name, v) > 0:
                raise ValueError(f"{who}: {name} must be > 0, got {v}")
        self._anneal_func_type = anneal_strategy
        up = float(pct_start * total_steps) - 1
        if three_phase:
            self._schedule_phases = [
                dict(end_step=up, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=float(2 * pct_start * total_steps) - 2, start_lr="max_lr",
                     end_lr="initial_lr", start_momentum="base_momentum", end_momentum="max_momentum"),
                dict(end_step=total_steps - 1, start_lr="initial_lr", end_lr="min_lr",
                     start_momentum="max_momentum", end_momentum="max_momentum")]
        else:
            self._schedule_phases = [
                dict(end_step=up, start_lr="initial_lr", end_lr="max_lr",
                     start_momentum="max_momentum", end_momentum="base_momentum"),
                dict(end_step=total_steps - 1, start_lr="max_lr", end_lr="min_lr",
                     start_momentum="base_momentum", end_momentum="max_momentum")]
        self._div = (float(div_factor), float(final_div_factor))
        self._max_lrs = _per_group(who, "max_lr", max_lr, len(groups))
        self._late = {"_max_lrs": _one(max_lr)}
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self.use_beta1 = _use_beta1(who, optimizer)
            self._max_momentums = _per_group(who, "max_momentum", max_momentum, len(groups))
            self._base_momentums = _per_group(who, "base_momentum", base_momentum, len(groups))
            self._late.update(_max_momentums=_one(max_momentum), _base_momentums=_one(base_momentum))
        if last_epoch == -1:
            for i, g in enumerate(groups):
                self._start_group(i, g)
        super().__init__(optimizer, last_epoch)

    def _start_group(self, i: int, group: dict) -> None:
        def value(attr):  # (a group added later takes the one value given for all)
            have = getattr(self, attr)
            return have[min(i, len(have) - 1)]
        top = value("_max_lrs")
        group["initial_lr"] = top / self._div[0]
        group["max_lr"] = top
        group["min_lr"] = group["initial_lr"] / self._div[1]
        if self.cycle_momentum:
            hi, lo = value("_max_momentums"), value("_base_momentums")
            _set_momentum(group, self.use_beta1, hi)
            group["max_momentum"], group["base_momentum"] = hi, lo

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list:
        n = self.last_epoch
        if n > self.total_steps:
            raise ValueError(f"OneCycleLR.step: tried to step {n} times, but total_steps is "
                             f"{self.total_steps}")
        lrs = []
        for group in self._groups():
            begin = 0.0
            for i, phase in enumerate(self._schedule_phases):
                end = phase["end_step"]
                if n <= end or i == len(self._schedule_phases) - 1:
                    pct = (n - begin) / (end - begin)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        _set_momentum(group, self.use_beta1, self._anneal(
                            group[phase["start_momentum"]], group[phase["end_momentum"]], pct))
                    break
                begin = end
        return lrs


def _check_children(who: str, schedulers, optimizer) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{who}: expects at least one scheduler, got none")
    for i, s in enumerate(schedulers):
        if not isinstance(s, LRScheduler):
            raise TypeError(f"{who}: schedulers[{i}] is a {type(s).__name__}, not a scheduler")
        if isinstance(s, ReduceLROnPlateau):
            raise ValueError(f"{who}: schedulers[{i}] is a ReduceLROnPlateau, which needs the "
                             "metric at each step; it cannot be combined")
        if s.optimizer is not optimizer:
            raise ValueError(f"{who}: schedulers[{i}] ({type(s).__name__}) acts on another optimizer")


class SequentialLR(LRScheduler):
    """One scheduler after another: ``schedulers[i]`` runs from ``milestones[i-1]`` on, and
    restarts at its epoch 0 (its closed form there) when its turn comes."""

    def __init__(self, optimizer: Optimizer, schedulers: list, milestones: list, last_epoch: int = -1):
        optimizer = _check_optimizer("SequentialLR", optimizer)
        _check_children("SequentialLR", schedulers, optimizer)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"SequentialLR: expects one milestone fewer than schedulers, got "
                             f"{len(schedulers)} schedulers and {len(milestones)} milestones")
        self._schedulers, self._milestones = list(schedulers), list(milestones)
        self.last_epoch, self.optimizer = last_epoch + 1, optimizer
        for g in _groups("SequentialLR", optimizer):
            _set_lr("SequentialLR", g, g["initial_lr"])
        self._undo(self)
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    @classmethod
    def _undo(cls, sched) -> None:
        """Take back the first step the schedulers took when they were built."""
        if hasattr(sched, "_schedulers"):
            for s in sched._schedulers:
                cls._undo(s)
        else:
            sched.last_epoch -= 1

    def step(self) -> None:  # type: ignore[override]
        """One epoch further in the scheduler whose turn it is."""
        self.last_epoch += 1
        i = bisect_right(self._milestones, self.last_epoch)
        current = self._schedulers[i]
        if i > 0 and self._milestones[i - 1] == self.last_epoch:
            current._update_lr(0)
        else:
            current.step()
        self._last_lr = current.get_last_lr()


class ChainedScheduler(LRScheduler):
    """Several schedulers stepped together (each multiplies its own change into the rate)."""

    def __init__(self, schedulers: Sequence, optimizer: Optimizer | None = None):
        schedulers = list(schedulers)
        if optimizer is None and schedulers:
            optimizer = getattr(schedulers[0], "optimizer", None)
        optimizer = _check_optimizer("ChainedScheduler", optimizer)
        _check_children("ChainedScheduler", schedulers, optimizer)
        self._schedulers, self.optimizer = schedulers, optimizer
        self._last_lr = self._current()

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler, in order."""
        for s in self._schedulers:
            s.step()
        self._last_lr = self._current()


class ReduceLROnPlateau(LRScheduler):
    """Multiply each group's rate by ``factor`` when the metric passed to ``step(metric)`` has
    not improved for more than ``patience`` steps (improved: below best·(1 − threshold) in 'min'
    mode with 'rel' threshold, below best − threshold with 'abs'; the mirror images in 'max'
    mode), then wait ``cooldown`` steps; never below the group's ``min_lr`` (one number for all
    groups, or a list with one per group), and changes smaller than ``eps`` are skipped."""

    def __init__(self, optimizer: Optimizer, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list = 0, eps: float = 1e-8):
        who = "ReduceLROnPlateau"
        optimizer = _check_optimizer(who, optimizer)
        if not 0 <= factor < 1:
            raise ValueError(f"{who}: factor must be in [0, 1), got {factor}")
        if mode not in ("min", "max"):
            raise ValueError(f"{who}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{who}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}")
        _check_count(who, "patience", patience, 0)
        _check_count(who, "cooldown", cooldown, 0)
        self.optimizer, self.factor, self.mode, self.threshold_mode = optimizer, float(factor), mode, threshold_mode
        self.threshold = _check_rate(who, "threshold", threshold)
        n = len(_groups(who, optimizer))
        self.min_lrs = [_check_rate(who, "min_lr", v) for v in _per_group(who, "min_lr", min_lr, n)]
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else self.min_lrs[0]
        self.patience, self.cooldown, self.eps = patience, cooldown, _check_rate(who, "eps", eps)
        self.last_epoch = 0
        self._last_lr = self._current()
        self.best = math.inf if mode == "min" else -math.inf
        self.cooldown_counter = self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        """Whether the metric ``a`` improves on ``best`` by the threshold."""
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return a > (best * (self.threshold + 1.0) if self.threshold_mode == "rel" else best + self.threshold)

    def step(self, metrics: Any, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record the metric of one more epoch, and reduce the rates after a plateau."""
        who = "ReduceLROnPlateau"
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(f"{who}.step: the metric must be a number, got {metrics!r}") from None
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            groups = self._groups()
            if len(groups) != len(self.min_lrs):  # a group was added (as PyTorch's rule)
                if self.default_min_lr is None:
                    raise ValueError(
                        f"{who}.step: the optimizer has {len(groups)} parameter groups, but "
                        f"min_lr was given as a list of {len(self.min_lrs)} (a group was added "
                        "later); set sched.min_lrs to one value per group")
                self.min_lrs = [self.default_min_lr] * len(groups)
            for i, g in enumerate(groups):
                old = _lr(who, g, i)
                new = max(old * self.factor, self.min_lrs[i])
                if old - new > self.eps:
                    _set_lr(who, g, new)
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = self._current()
