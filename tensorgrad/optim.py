"""Optimizers as pure functions on parameter pytrees.

Every optimizer has ``state = opt.init(params)`` and
``params, state = opt.step(params, grads, state)``: nothing is mutated, the
state is a pytree of arrays (it can be checkpointed), and the update rules are
the standard ones, written as in PyTorch's ``torch.optim`` documentation
(t counts updates from 1, g is the gradient, λ the weight decay):

* SGD: g ← g + λp; with momentum μ: b ← μb + g (b₀ = 0); Nesterov uses
  g + μb, plain momentum uses b; p ← p − η·(that).
* RMSprop: v ← αv + (1 − α)g²; p ← p − η g / (√v + ε) (with momentum μ:
  b ← μb + g/(√v + ε), p ← p − ηb).
* Adam: m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; m̂ = m/(1 − β₁ᵗ);
  v̂ = v/(1 − β₂ᵗ); p ← p − η m̂/(√v̂ + ε). Adam adds λp to g (L2);
  AdamW decays decoupled: p ← p − ηλp before the Adam step.
* Adagrad: g ← g + λp; s ← s + g² (s₀ = initial_accumulator_value);
  p ← p − η/(1 + (t − 1)·lr_decay) · g/(√s + ε).
* Adamax: m ← β₁m + (1 − β₁)g; u ← max(β₂u, |g| + ε); p ← p − η/(1 − β₁ᵗ) · m/u.
* NAdam: μₜ = β₁(1 − ½·0.96^(tψ)), Πₜ = μ₁⋯μₜ; m, v as Adam's;
  p ← p − η(1 − μₜ)/(1 − Πₜ) · g/d − η μₜ₊₁/(1 − Πₜμₜ₊₁) · m/d with
  d = √(v/(1 − β₂ᵗ)) + ε (weight decay as L2 on g, or decoupled as AdamW's).

PyTorch's other optimizers (:class:`Adadelta`, :class:`ASGD`, :class:`RAdam`, :class:`Rprop`,
:class:`Adafactor` and the closure-driven :class:`LBFGS`) are in :mod:`tensorgrad.optim_more`,
and PyTorch's stateful learning-rate schedulers in ``tg.optim.lr_scheduler``
(:mod:`tensorgrad.lr_scheduler`); both are exported here, as is ``tg.optim.swa_utils``
(:mod:`tensorgrad.optim_swa`: weight averaging, SWALR and update_bn).

Complex parameters (SGD, RMSprop, the Adam family, Adagrad, Adamax, NAdam, Adadelta, ASGD,
RAdam, Rprop) are updated as PyTorch updates them, as pairs of real and imaginary parts. The
gradients ``step`` takes are ``tg.grad``'s, JAX's convention for a real loss of a complex
parameter: the conjugate of PyTorch's ``.grad``. ``step`` conjugates them back, so the update
descends (``p ← p − η·conj(g)`` for SGD); the PyTorch-form optimizers, which read ``.grad``,
do the same.

The learning rate η may be a number or a schedule: a function of the update
count (0 for the first update) such as :func:`constant`, :func:`step_decay`
or :func:`cosine`, :func:`exponential`, :func:`linear_warmup`.

The update rules are written with tensorgrad's ops, so a step also runs inside
transforms: under ``tg.grad`` (the update is differentiated, as in unrolled or
meta-learning), under ``tg.jit`` and under :func:`tensorgrad.to_jax` (on JAX
arrays, inside ``jax.jit``). Under the compilers the update count is a traced
value: a schedule other than a constant rate needs the rate computed outside,
``opt.step(params, grads, state, lr=opt.learning_rate(state))`` with a
concrete state.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from . import lr_scheduler  # noqa: F401  (tg.optim.lr_scheduler: PyTorch's schedulers)
from . import torch_optimizer as optimizer  # noqa: F401  (tg.optim.optimizer: torch.optim.optimizer's)
from . import optim_swa as swa_utils  # noqa: F401  (tg.optim.swa_utils: SWA, EMA, SWALR, update_bn)
from . import ops as _ops
from .optim_base import (LR, Optimizer, Rate, Schedule, _check_count, _check_eps, _check_rate, _alias,
                         constant)
from .optim_more import ASGD, LBFGS, Adadelta, Adafactor, RAdam, Rprop
from .tensor import shape_of
from .tree import tree_flatten, tree_unflatten

__all__ = ["Optimizer", "SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adamax", "SparseAdam", "NAdam",
           "constant", "step_decay", "cosine", "exponential", "linear_warmup", "get"]
__all__ += ["Adadelta", "ASGD", "RAdam", "Rprop", "Adafactor", "LBFGS", "lr_scheduler", "swa_utils"]


# ---- learning-rate schedules ----------------------------------------------------------
def step_decay(lr: float, step_size: int, gamma: float = 0.1) -> Schedule:
    """η_t = lr · γ^⌊t / step_size⌋ (PyTorch's StepLR, counted in updates)."""
    _check_count("step_decay", "step_size", step_size, 1)
    lr, gamma = _check_rate("step_decay", "lr", lr), _check_rate("step_decay", "gamma", gamma)
    return Rate(_step_rate, f"step decay: {lr} · {gamma}^(t // {step_size})", lr=lr, gamma=gamma,
                step_size=int(step_size))


def _step_rate(t, lr, gamma, step_size):
    return lr * gamma ** (int(t) // step_size)


def cosine(lr: float, total_steps: int, final_lr: float = 0.0, warmup: int = 0) -> Schedule:
    """Cosine annealing: η_t = η_min + (lr − η_min)(1 + cos(π t/T))/2 for t ≤ T, then η_min.

    With ``warmup`` > 0 the rate first rises linearly from lr/warmup to lr, and T counts
    the steps after the warm-up.
    """
    _check_count("cosine", "total_steps", total_steps, 1)
    lr, final_lr = _check_rate("cosine", "lr", lr), _check_rate("cosine", "final_lr", final_lr)
    _check_count("cosine", "warmup", warmup, 0)
    return Rate(_cosine_rate, f"cosine from {lr} to {final_lr} over {total_steps} steps"
                + (f" after {warmup} warm-up steps" if warmup else ""), lr=lr, final_lr=final_lr,
                total_steps=total_steps, warmup=warmup)


def _cosine_rate(t, lr, final_lr, total_steps, warmup):
    t = int(t)
    if t < warmup:
        return float(lr) * (t + 1) / warmup
    s = min(t - warmup, total_steps)
    return float(final_lr) + (float(lr) - float(final_lr)) * (1 + math.cos(math.pi * s / total_steps)) / 2


def exponential(lr: float, gamma: float) -> Schedule:
    """η_t = lr · γᵗ (PyTorch's ExponentialLR, counted in updates). Written with operators
    only, so it also runs on the traced update count under ``tg.jit``."""
    lr, gamma = _check_rate("exponential", "lr", lr), _check_rate("exponential", "gamma", gamma)
    return Rate(_exponential_rate, f"exponential: {lr} · {gamma}^t", lr=lr, gamma=gamma)


def _exponential_rate(t, lr, gamma):
    return lr * gamma ** t


def linear_warmup(lr: float, total_steps: int = 5, start_factor: float = 1.0 / 3,
                  end_factor: float = 1.0) -> Schedule:
    """η_t = lr · (f₀ + (f₁ − f₀) · min(t, T)/T), PyTorch's LinearLR with its defaults
    (``start_factor`` f₀ = 1/3, ``end_factor`` f₁ = 1, ``total_iters`` T = 5): the rate moves
    linearly from lr·f₀ to lr·f₁ over T updates, then stays there."""
    _check_count("linear_warmup", "total_steps", total_steps, 1)
    lr = _check_rate("linear_warmup", "lr", lr)
    if not (0 < start_factor <= 1 and 0 <= end_factor <= 1):
        raise ValueError(f"linear_warmup: start_factor must be in (0, 1] and end_factor in [0, 1] "
                         f"(as PyTorch's LinearLR), got {start_factor}, {end_factor}")
    return Rate(_warmup_rate, f"linear warm-up of {lr} from ×{start_factor} to ×{end_factor} over "
                f"{total_steps} steps", lr=lr, f0=float(start_factor), f1=float(end_factor),
                n=int(total_steps))


def _warmup_rate(t, lr, f0, f1, n):
    return lr * (f0 + (f1 - f0) * np.minimum(t, n) / n)


# ---- optimizers -------------------------------------------------------------------------
def _bool(who: str, name: str, v) -> bool:
    if not isinstance(v, (bool, np.bool_)):
        raise TypeError(f"{who}: {name} must be a bool, got {v!r}")
    return bool(v)


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum and L2 weight decay.

    PyTorch's keywords: ``dampening`` scales the gradient entering the momentum buffer by
    1 − dampening (not at the first update, which starts the buffer at the gradient), and
    ``maximize=True`` ascends. In PyTorch's form (parameters first) the positional order is
    PyTorch's, ``SGD(params, lr, momentum, dampening, weight_decay, nesterov)``."""

    _lazy = frozenset({"momentum"})

    def __init__(self, lr: LR = 0.01, momentum: float = 0.0, nesterov: bool = False,
                 weight_decay: float = 0.0, *, dampening: float = 0.0, maximize: bool = False):
        super().__init__(lr, weight_decay)
        if not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum}")
        if nesterov and momentum == 0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        if not 0 <= dampening <= 1:
            raise ValueError(f"SGD: dampening must be in [0, 1], got {dampening}")
        if nesterov and dampening:
            raise ValueError("SGD: nesterov=True needs zero dampening (as PyTorch)")
        self.momentum = float(momentum)
        self.nesterov = _bool("SGD", "nesterov", nesterov)
        self.dampening = float(dampening)
        self.maximize = _bool("SGD", "maximize", maximize)

    @property
    def slots(self) -> tuple:  # type: ignore[override]
        """The momentum buffer while momentum is on (it may be turned on later)."""
        return ("momentum",) if self.momentum else ()

    def _update(self, p, g, bufs, t, lr):
        if self.maximize:
            g = -g
        if self.weight_decay:
            g = g + self.weight_decay * p
        if self.momentum:
            if bufs["momentum"] is None:  # momentum turned on after init: starts at g (PyTorch)
                b = bufs["momentum"] = 1.0 * g
            else:  # (the first update has t = 1 and a zero buffer: the buffer becomes g itself)
                keep = 1 - self.dampening * (t > 1) if self.dampening else 1
                b = bufs["momentum"] = self.momentum * bufs["momentum"] + keep * g
            g = g + self.momentum * b if self.nesterov else b
        return p - lr * g


class RMSprop(Optimizer):
    """RMSprop: divide the step by a running root-mean-square of the gradients.

    PyTorch's keywords: ``centered=True`` divides by the running standard deviation instead
    (the running mean of g subtracted: √(E[g²] − E[g]²)), ``maximize=True`` ascends. In
    PyTorch's form (parameters first) the positional order is PyTorch's,
    ``RMSprop(params, lr, alpha, eps, weight_decay, momentum, centered)``."""

    _lazy = frozenset({"grad_avg", "momentum"})

    def __init__(self, lr: LR = 0.01, alpha: float = 0.99, eps: float = 1e-8,
                 momentum: float = 0.0, weight_decay: float = 0.0, *, centered: bool = False,
                 maximize: bool = False):
        super().__init__(lr, weight_decay)
        if not 0 <= alpha <= 1:
            raise ValueError(f"RMSprop: alpha must be in [0, 1], got {alpha}")
        if not 0 <= momentum < 1:
            raise ValueError(f"RMSprop: momentum must be in [0, 1), got {momentum}")
        _check_eps("RMSprop", eps)
        self.alpha, self.eps, self.momentum = float(alpha), float(eps), float(momentum)
        self.centered = _bool("RMSprop", "centered", centered)
        self.maximize = _bool("RMSprop", "maximize", maximize)

    @property
    def slots(self) -> tuple:  # type: ignore[override]
        """``square_avg``, plus ``grad_avg`` while centered and ``momentum`` while momentum is on."""
        return ("square_avg",) + (("grad_avg",) if self.centered else ()) \
            + (("momentum",) if self.momentum else ())

    def _update(self, p, g, bufs, t, lr):
        if self.maximize:
            g = -g
        if self.weight_decay:
            g = g + self.weight_decay * p
        v = bufs["square_avg"] = self.alpha * bufs["square_avg"] + (1 - self.alpha) * g * g
        if self.centered:  # (a buffer created after init starts at 0, as in PyTorch)
            mean = (1 - self.alpha) * g if bufs["grad_avg"] is None \
                else self.alpha * bufs["grad_avg"] + (1 - self.alpha) * g
            bufs["grad_avg"] = mean
            v = v - mean * mean
        step = g / (_ops.sqrt(v) + self.eps)
        if self.momentum:
            if bufs["momentum"] is not None:
                step = self.momentum * bufs["momentum"] + step
            bufs["momentum"] = step
        return p - lr * step


class Adam(Optimizer):
    """Adam with bias-corrected first and second moments (weight decay as L2 on g, or decoupled
    as AdamW's with ``decoupled_weight_decay=True``). In PyTorch's form (parameters first) the
    positional order is PyTorch's, ``Adam(params, lr, betas, eps, weight_decay, amsgrad)``."""

    _lazy = frozenset({"v_max"})
    decoupled = False

    def __init__(self, lr: LR = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.0, *, betas=None, amsgrad: bool = False,
                 maximize: bool = False, decoupled_weight_decay: bool = False):
        super().__init__(lr, weight_decay)
        who = type(self).__name__
        if isinstance(b1, (tuple, list)):  # PyTorch's positional betas would shift the rest
            raise TypeError(f"{who}: b1 must be a number, got {b1!r}; the arguments are (lr, b1, "
                            f"b2, eps, weight_decay): pass PyTorch's pair by keyword, "
                            f"{who}(lr, betas={tuple(b1)!r})")
        if betas is not None:  # PyTorch's keyword, the pair (β₁, β₂)
            if not isinstance(betas, (tuple, list)) or len(betas) != 2:
                raise ValueError(f"{who}: betas must be a pair (beta1, beta2), got {betas!r}")
            b1, b2 = betas
        for name, b in (("b1", b1), ("b2", b2)):
            if not 0 <= b < 1:
                raise ValueError(f"{who}: {name} must be in [0, 1), got {b}")
        _check_eps(who, eps)
        self.b1, self.b2, self.eps = float(b1), float(b2), float(eps)
        self.amsgrad = _bool(who, "amsgrad", amsgrad)
        self.maximize = _bool(who, "maximize", maximize)
        if self.amsgrad and type(self) not in (Adam, AdamW):
            raise ValueError(f"{who}: amsgrad is an option of Adam and AdamW")
        if decoupled_weight_decay is not type(self).decoupled:
            self.decoupled = _bool(who, "decoupled_weight_decay", decoupled_weight_decay)

    @property
    def slots(self) -> tuple:  # type: ignore[override]
        """The moments ``m``, ``v``, and the largest ``v_max`` while amsgrad is on."""
        return ("m", "v", "v_max") if self.amsgrad else ("m", "v")

    decoupled_weight_decay = _alias("decoupled", bool, "PyTorch's name for ``decoupled`` "
                                   "(AdamW's decay rather than L2).")

    @property
    def betas(self) -> tuple:
        """(β₁, β₂), PyTorch's name for ``(b1, b2)`` (setting it sets both)."""
        return (self.b1, self.b2)

    @betas.setter
    def betas(self, value) -> None:
        self.b1, self.b2 = (float(b) for b in value)

    def _update(self, p, g, bufs, t, lr):
        if self.maximize:
            g = -g
        if self.weight_decay and self.decoupled:
            p = p - lr * self.weight_decay * p
        elif self.weight_decay:
            g = g + self.weight_decay * p
        m = bufs["m"] = self.b1 * bufs["m"] + (1 - self.b1) * g
        v = bufs["v"] = self.b2 * bufs["v"] + (1 - self.b2) * g * g
        if self.amsgrad:  # the largest second moment so far (PyTorch's AMSGrad; from 0)
            v = bufs["v_max"] = v if bufs["v_max"] is None else _ops.maximum(bufs["v_max"], v)
        m_hat = m / (1 - self.b1 ** t)
        v_hat = v / (1 - self.b2 ** t)
        return p - lr * m_hat / (_ops.sqrt(v_hat) + self.eps)


class AdamW(Adam):
    """Adam with decoupled weight decay (p ← p − ηλp, then the Adam step)."""

    decoupled = True

    def __init__(self, lr: LR = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.01, *, betas=None, amsgrad: bool = False,
                 maximize: bool = False, decoupled_weight_decay: bool = True):
        super().__init__(lr, b1, b2, eps, weight_decay, betas=betas, amsgrad=amsgrad,
                         maximize=maximize, decoupled_weight_decay=decoupled_weight_decay)


class Adagrad(Optimizer):
    """Adagrad (PyTorch's rule and defaults): the step divided by the root of the running
    *sum* of squared gradients, with the rate decayed as η/(1 + (t − 1)·lr_decay);
    ``maximize=True`` ascends."""

    slots = ("sum",)
    #: options PyTorch's form reads from the constructor for every parameter group (PyTorch
    #: fills each group's sums from its ``defaults``, whatever the group says)
    group_ignores = ("initial_accumulator_value",)

    def __init__(self, lr: LR = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *,
                 maximize: bool = False):
        super().__init__(lr, weight_decay)
        self.maximize = _bool("Adagrad", "maximize", maximize)
        self.lr_decay = _check_rate("Adagrad", "lr_decay", lr_decay)
        self.initial = _check_rate("Adagrad", "initial_accumulator_value", initial_accumulator_value)
        _check_eps("Adagrad", eps)
        self.eps = float(eps)

    initial_accumulator_value = _alias("initial", float, "PyTorch's name for ``initial`` (the "
                                      "value the sums start at).")

    def init(self, params: Any) -> dict:
        """Update count 0 and the sums filled with ``initial_accumulator_value``."""
        state = super().init(params)
        if self.initial:
            leaves, td = tree_flatten(state["sum"])
            state["sum"] = tree_unflatten(td, [z + np.asarray(self.initial, z.dtype) for z in leaves])
        return state

    def _update(self, p, g, bufs, t, lr):
        if self.maximize:
            g = -g
        if self.weight_decay:
            g = g + self.weight_decay * p
        s = bufs["sum"] = bufs["sum"] + g * g
        clr = lr / (1 + (t - 1) * self.lr_decay)
        return p - clr * g / (_ops.sqrt(s) + self.eps)


class Adamax(Adam):
    """Adamax, Adam with an infinity norm (PyTorch's rule; default lr 2e-3): the second moment
    is u ← max(β₂u, |g| + ε) and only the first moment is bias-corrected."""

    slots = ("m", "u")

    def __init__(self, lr: LR = 2e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.0, *, betas=None, maximize: bool = False):
        super().__init__(lr, b1, b2, eps, weight_decay, betas=betas, maximize=maximize)

    def _update(self, p, g, bufs, t, lr):
        if self.maximize:
            g = -g
        if self.weight_decay:
            g = g + self.weight_decay * p
        m = bufs["m"] = self.b1 * bufs["m"] + (1 - self.b1) * g
        u = bufs["u"] = _ops.maximum(self.b2 * bufs["u"], _ops.abs(g) + self.eps)
        return p - lr / (1 - self.b1 ** t) * m / u


class SparseAdam(Adam):
    """PyTorch's SparseAdam (lr 1e-3, betas (0.9, 0.999), ε 1e-8; no weight decay): Adam whose
    moments and parameter change only in the rows the gradient holds, the rows along the first
    axis where it is not zero (an embedding's looked-up rows: the indices of PyTorch's sparse
    gradient; tensorgrad's gradients are dense, so a looked-up row whose gradient is exactly 0
    counts as absent). ε is added to √v, and the bias corrections enter the step size, as
    PyTorch's."""

    slots = ("m", "v")

    def __init__(self, lr: LR = 1e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8, *,
                 betas=None, maximize: bool = False):
        super().__init__(lr, b1, b2, eps, 0.0, betas=betas, maximize=maximize)

    def _update(self, p, g, bufs, t, lr):
        if self.maximize:
            g = -g
        held, nd = _ops.not_equal(g, 0), len(shape_of(g))
        if nd > 1:
            held = _ops.any(held, axis=tuple(range(1, nd)), keepdims=True)
        m = bufs["m"] = _ops.where(held, self.b1 * bufs["m"] + (1 - self.b1) * g, bufs["m"])
        v = bufs["v"] = _ops.where(held, self.b2 * bufs["v"] + (1 - self.b2) * g * g, bufs["v"])
        size = lr * _ops.sqrt(1 - self.b2 ** t) / (1 - self.b1 ** t)  # (t is traced under tg.jit)
        return p - _ops.where(held, size * m / (_ops.sqrt(v) + self.eps), 0.0)


class NAdam(Adam):
    """NAdam, Adam with Nesterov momentum (PyTorch's rule and defaults: lr 2e-3,
    momentum_decay ψ = 4e-3). The state keeps the running product of the momentum
    coefficients μ₁⋯μₜ per parameter (a scalar each, ``state["mu_product"]``).
    ``decoupled_weight_decay=True`` decays as AdamW does."""

    slots = ("m", "v", "mu_product")

    def __init__(self, lr: LR = 2e-3, b1: float = 0.9, b2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, betas=None, maximize: bool = False):
        super().__init__(lr, b1, b2, eps, weight_decay, betas=betas, maximize=maximize,
                         decoupled_weight_decay=bool(decoupled_weight_decay))
        self.momentum_decay = _check_rate("NAdam", "momentum_decay", momentum_decay)

    def init(self, params: Any) -> dict:
        """Update count 0, zero moments, and μ-products of 1."""
        state = super().init(params)
        leaves, td = tree_flatten(state["mu_product"])
        # (real: a complex parameter's μ-product is a real scalar, as PyTorch's)
        state["mu_product"] = tree_unflatten(td, [np.ones((), np.finfo(z.dtype).dtype) for z in leaves])
        return state

    def _mu(self, t):
        return self.b1 * (1 - 0.5 * 0.96 ** (t * self.momentum_decay))

    def _update(self, p, g, bufs, t, lr):
        if self.maximize:
            g = -g
        if self.weight_decay and self.decoupled:
            p = p - lr * self.weight_decay * p
        elif self.weight_decay:
            g = g + self.weight_decay * p
        mu, mu_next = self._mu(t), self._mu(t + 1)
        prod = bufs["mu_product"] = bufs["mu_product"] * mu
        m = bufs["m"] = self.b1 * bufs["m"] + (1 - self.b1) * g
        v = bufs["v"] = self.b2 * bufs["v"] + (1 - self.b2) * g * g
        denom = _ops.sqrt(v / (1 - self.b2 ** t)) + self.eps
        return (p - lr * (1 - mu) / (1 - prod) * g / denom
                - lr * mu_next / (1 - prod * mu_next) * m / denom)


_BY_NAME = {"sgd": SGD, "momentum": lambda lr, **kw: SGD(lr, momentum=0.9, **kw),
            "nesterov": lambda lr, **kw: SGD(lr, momentum=0.9, nesterov=True, **kw),
            "rmsprop": RMSprop, "adam": Adam, "adamw": AdamW, "adagrad": Adagrad, "adamax": Adamax,
            "nadam": NAdam, "adadelta": Adadelta, "asgd": ASGD, "radam": RAdam, "rprop": Rprop,
            "adafactor": Adafactor}


def get(name: str, lr: LR, **kwargs) -> Optimizer:
    """An optimizer by name: sgd, momentum, nesterov, rmsprop, adam, adamw, adagrad, adamax,
    nadam, adadelta, asgd, radam, rprop, adafactor (LBFGS takes a closure instead of gradients:
    build it directly)."""
    try:
        make = _BY_NAME[name.lower()]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose one of {sorted(_BY_NAME)}") from None
    return make(lr, **kwargs)


# the rules PyTorch applies to complex parameters as the pairs of their real and imaginary parts
for _cls in (SGD, RMSprop, Adam, AdamW, Adagrad, Adamax, NAdam, Adadelta, ASGD, RAdam, Rprop):
    _cls.complex_ok = True
