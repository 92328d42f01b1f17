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

Parameter groups: a tensorgrad optimizer has one set of hyperparameters, so it is PyTorch's
single-group case. Arguments that PyTorch takes per group (``lr_lambda``, ``base_lr``,
``max_lr``, ``min_lr``, momenta) take a number or a one-element list, and the lists returned
(``get_last_lr()``, ``base_lrs``) have one element. Values PyTorch keeps in the group
(``initial_lr``, OneCycleLR's ``max_lr``/``min_lr``) are kept on the optimizer, so a second
scheduler on the same optimizer sees them as in PyTorch.

Differences: the optimizer's rate must be a number, not a schedule function; no warnings about
the call order or the deprecated ``step(epoch)`` are issued (``step(epoch)`` uses the closed form
where PyTorch has one, as PyTorch does); ``load_state_dict`` also puts the saved last rate back
into the optimizer (tensorgrad's optimizer state holds no hyperparameters); an optimizer whose
momentum is cycled must have a momentum buffer (SGD or RMSprop built with ``momentum > 0``).
Under ``tg.jit`` a constant rate is read when the step is traced: pass the scheduled rate as an
argument, ``opt.step(params, grads, state, lr=sched.get_last_lr()[0])``.
"""
from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from typing import Any, Callable, Sequence

from .lr_scheduler_base import (LRScheduler, _check_optimizer, _group, _momentum_kind, _one,
                                _set_lr, _set_momentum)
from .optim_base import Optimizer, _check_count, _check_rate

__all__ = ["LRScheduler", "LambdaLR", "MultiplicativeLR", "StepLR", "MultiStepLR", "ConstantLR",
           "LinearLR", "ExponentialLR", "PolynomialLR", "CosineAnnealingLR",
           "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "SequentialLR",
           "ChainedScheduler", "ReduceLROnPlateau"]


def _lambdas(who: str, lr_lambda) -> list:
    fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else [lr_lambda]
    if len(fns) != 1:
        raise ValueError(f"{who}: expected one lr_lambda (a tensorgrad optimizer has one parameter "
                         f"group), got {len(fns)}")
    if not callable(fns[0]):
        raise TypeError(f"{who}: lr_lambda must be a function of the epoch, got "
                        f"{type(fns[0]).__name__}")
    return fns


class LambdaLR(LRScheduler):
    """η = η₀ · f(epoch)."""

    _functions = ("lr_lambdas",)

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable | list, last_epoch: int = -1):
        self.lr_lambdas = _lambdas("LambdaLR", lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        return [self.base_lrs[0] * self.lr_lambdas[0](self.last_epoch)]


class MultiplicativeLR(LRScheduler):
    """η ← η · f(epoch) at each step after the first."""

    _functions = ("lr_lambdas",)

    def __init__(self, optimizer: Optimizer, lr_lambda: Callable | list, last_epoch: int = -1):
        self.lr_lambdas = _lambdas("MultiplicativeLR", lr_lambda)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lr = self._current()[0]
        return [lr] if self._is_initial else [lr * self.lr_lambdas[0](self.last_epoch)]


class StepLR(LRScheduler):
    """η ← γη every ``step_size`` epochs (closed form η₀ γ^⌊epoch/step_size⌋)."""

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        _check_count("StepLR", "step_size", step_size, 1)
        self.step_size, self.gamma = step_size, _check_rate("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lr = self._current()[0]
        if self.last_epoch == 0 or self.last_epoch % self.step_size:
            return [lr]
        return [lr * self.gamma]

    def _get_closed_form_lr(self) -> list:
        return [self.base_lrs[0] * self.gamma ** (self.last_epoch // self.step_size)]


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
        lr = self._current()[0]
        if self.last_epoch not in self.milestones:
            return [lr]
        return [lr * self.gamma ** self.milestones[self.last_epoch]]

    def _get_closed_form_lr(self) -> list:
        passed = bisect_right(sorted(self.milestones.elements()), self.last_epoch)
        return [self.base_lrs[0] * self.gamma ** passed]


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
        lr = self._current()[0]
        if self.last_epoch == 0:
            return [lr * self.factor]
        if self.last_epoch != self.total_iters:
            return [lr]
        return [lr * (1.0 / self.factor)]

    def _get_closed_form_lr(self) -> list:
        done = self.last_epoch >= self.total_iters
        return [self.base_lrs[0] * (self.factor + done * (1 - self.factor))]


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
        lr = self._current()[0]
        if self.last_epoch == 0:
            return [lr * self.start_factor]
        if self._is_initial or self.last_epoch > self.total_iters:
            return [lr]
        span = self.end_factor - self.start_factor
        return [lr * (1.0 + span / (self.total_iters * self.start_factor
                                    + (self.last_epoch - 1) * span))]

    def _get_closed_form_lr(self) -> list:
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return [self.base_lrs[0] * (self.start_factor + (self.end_factor - self.start_factor) * frac)]


class ExponentialLR(LRScheduler):
    """η ← γη every epoch."""

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = _check_rate("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lr = self._current()[0]
        return [lr] if self._is_initial else [lr * self.gamma]

    def _get_closed_form_lr(self) -> list:
        return [self.base_lrs[0] * self.gamma ** self.last_epoch]


class PolynomialLR(LRScheduler):
    """η = η₀ (1 − min(epoch, T)/T)^power (T = ``total_iters``)."""

    def __init__(self, optimizer: Optimizer, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1):
        _check_count("PolynomialLR", "total_iters", total_iters, 1)
        self.total_iters, self.power = total_iters, _check_rate("PolynomialLR", "power", power)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lr = self._current()[0]
        if self._is_initial or self.last_epoch > self.total_iters:
            return [lr]
        e, T = self.last_epoch, self.total_iters
        return [lr * ((1.0 - e / T) / (1.0 - (e - 1) / T)) ** self.power]

    def _get_closed_form_lr(self) -> list:
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return [self.base_lrs[0] * (1.0 - frac) ** self.power]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from η₀ to ``eta_min`` over ``T_max`` epochs, in PyTorch's recursive
    form (after T_max the rate rises again along the same cosine, period 2·T_max)."""

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        _check_count("CosineAnnealingLR", "T_max", T_max, 1)
        self.T_max, self.eta_min = T_max, _check_rate("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        lr, base, lo, T, e = self._current()[0], self.base_lrs[0], self.eta_min, self.T_max, self.last_epoch
        if self._is_initial:
            return [lr]
        if self._step_count == 1 and e > 0:
            return [lo + (base - lo) * (1 + math.cos(e * math.pi / T)) / 2]
        if (e - 1 - T) % (2 * T) == 0:
            return [lr + (base - lo) * (1 - math.cos(math.pi / T)) / 2]
        return [(1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) * (lr - lo) + lo]

    def _get_closed_form_lr(self) -> list:
        base, lo = self.base_lrs[0], self.eta_min
        return [lo + (base - lo) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2]


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
        base, lo = self.base_lrs[0], self.eta_min
        return [lo + (base - lo) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2]

    def step(self, epoch: float | None = None) -> None:
        """One epoch further, or to the (possibly fractional) ``epoch``."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur += 1
            if self.T_cur >= self.T_i:
                self.T_cur -= self.T_i
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
        _set_lr("CosineAnnealingWarmRestarts", self.optimizer, self.get_lr()[0])
        self._last_lr = self._current()


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
        base = _one(who, "base_lr", base_lr)
        if last_epoch == -1:
            _set_lr(who, optimizer, base)
        self.max_lrs = [_one(who, "max_lr", max_lr)]
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
        if self.cycle_momentum:
            self._kind = _momentum_kind(who, optimizer)
            self.base_momentums = [_one(who, "base_momentum", base_momentum)]
            self.max_momentums = [_one(who, "max_momentum", max_momentum)]
            if last_epoch == -1:
                _set_momentum(optimizer, self._kind, self.max_momentums[0])
                _group(optimizer).update(max_momentum=self.max_momentums[0],
                                         base_momentum=self.base_momentums[0])
        super().__init__(optimizer, last_epoch)
        self.base_lrs = [base]

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
            lo, hi = self.base_momentums[0], self.max_momentums[0]
            _set_momentum(self.optimizer, self._kind, hi - (hi - lo) * rise * scale)
        base, top = self.base_lrs[0], self.max_lrs[0]
        return [base + (top - base) * rise * scale]


class OneCycleLR(LRScheduler):
    """The 1cycle policy over ``total_steps`` (or ``epochs · steps_per_epoch``) steps: the rate
    rises from max_lr/``div_factor`` to ``max_lr`` over the first ``pct_start`` of the steps,
    then anneals (``anneal_strategy`` 'cos' or 'linear') to initial/``final_div_factor``; with
    ``three_phase`` it first comes back down to the initial rate symmetrically. The momentum (or
    β₁) cycles the opposite way between ``max_momentum`` and ``base_momentum``."""

    def __init__(self, optimizer: Optimizer, max_lr: float | list, total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos", cycle_momentum: bool = True,
                 base_momentum: float | list = 0.85, max_momentum: float | list = 0.95,
                 div_factor: float = 25.0, final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1):
        who = "OneCycleLR"
        optimizer = _check_optimizer(who, optimizer)
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
        group = _group(optimizer)
        top = _one(who, "max_lr", max_lr)
        if last_epoch == -1:
            group.update(initial_lr=top / div_factor, max_lr=top)
            group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = bool(cycle_momentum)
        if self.cycle_momentum:
            self._kind = _momentum_kind(who, optimizer)
            hi, lo = _one(who, "max_momentum", max_momentum), _one(who, "base_momentum", base_momentum)
            if last_epoch == -1:
                _set_momentum(optimizer, self._kind, hi)
                group.update(max_momentum=hi, base_momentum=lo)
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self._anneal_func_type == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list:
        n = self.last_epoch
        if n > self.total_steps:
            raise ValueError(f"OneCycleLR.step: tried to step {n} times, but total_steps is "
                             f"{self.total_steps}")
        group, begin = _group(self.optimizer), 0.0
        for i, phase in enumerate(self._schedule_phases):
            end = phase["end_step"]
            if n <= end or i == len(self._schedule_phases) - 1:
                pct = (n - begin) / (end - begin)
                lr = self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct)
                if self.cycle_momentum:
                    _set_momentum(self.optimizer, self._kind, self._anneal(
                        group[phase["start_momentum"]], group[phase["end_momentum"]], pct))
                return [lr]
            begin = end
        raise AssertionError("unreachable")  # pragma: no cover


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
        _set_lr("SequentialLR", optimizer, _group(optimizer)["initial_lr"])
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
    """Multiply the rate by ``factor`` when the metric passed to ``step(metric)`` has not
    improved for more than ``patience`` steps (improved: below best·(1 − threshold) in 'min'
    mode with 'rel' threshold, below best − threshold with 'abs'; the mirror images in 'max'
    mode), then wait ``cooldown`` steps; never below ``min_lr``, and changes smaller than
    ``eps`` are skipped."""

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
        self.min_lrs = [_check_rate(who, "min_lr", _one(who, "min_lr", min_lr))]
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
        """Record the metric of one more epoch, and reduce the rate after a plateau."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(f"ReduceLROnPlateau.step: the metric must be a number, got "
                            f"{metrics!r}") from None
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if self.is_better(current, self.best):
            self.best, self.num_bad_epochs = current, 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            old = self._current()[0]
            new = max(old * self.factor, self.min_lrs[0])
            if old - new > self.eps:
                _set_lr("ReduceLROnPlateau", self.optimizer, new)
            self.cooldown_counter, self.num_bad_epochs = self.cooldown, 0
        self._last_lr = self._current()
