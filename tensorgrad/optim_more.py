"""PyTorch's other optimizers, with ``torch.optim``'s constructor arguments, defaults and update
rules: :class:`Adadelta`, :class:`ASGD`, :class:`RAdam`, :class:`Rprop`, :class:`Adafactor` (the
PyTorch 2.5+ variant) and :class:`LBFGS`.

All but LBFGS follow :class:`tensorgrad.optim.Optimizer`'s protocol, ``state = opt.init(params)``
then ``params, state = opt.step(params, grads, state)``, with PyTorch's rules (t counts updates
from 1, g is the gradient, negated first when ``maximize=True``, λ is ``weight_decay``):

* Adadelta: g ← g + λp; v ← ρv + (1 − ρ)g²; Δ = √(u + ε)/√(v + ε) · g; u ← ρu + (1 − ρ)Δ²;
  p ← p − ηΔ.
* ASGD: g ← g + λp; p ← p(1 − λ_d η_t) − η_t g (``lambd`` λ_d); the average a ← p when μ_t = 1,
  else a + μ_t(p − a); then η_{t+1} = η/(1 + λ_d η t)^α and μ_{t+1} = 1/max(1, t − t₀). The
  first update uses η_1 = η, the rate in force at that update (PyTorch creates the state then).
* RAdam: Adam's moments; ρ_∞ = 2/(1 − β₂) − 1, ρ_t = ρ_∞ − 2tβ₂ᵗ/(1 − β₂ᵗ); when ρ_t > 5 the
  step is η m̂ · r_t √(1 − β₂ᵗ)/(√v + ε) with r_t = √((ρ_t − 4)(ρ_t − 2)ρ_∞ / ((ρ_∞ − 4)(ρ_∞ − 2)ρ_t)),
  else η m̂. Weight decay as L2 on g, or ``decoupled_weight_decay=True``: p ← p(1 − ηλ).
* Rprop: each entry keeps its own step size (η at the first update); where g·g_prev > 0 it
  grows by η₊, where < 0 it shrinks by η₋ and that entry's g counts as 0; clipped to
  ``step_sizes``; p ← p − sign(g) · step.
* Adafactor: β₂ₜ-weight w = t^``beta2_decay``; ρ_t = min(η, 1/√t); α = max(ε₂, RMS(p)) · ρ_t;
  decoupled decay p ← p(1 − ηλ); a matrix (or a stack of them: ndim ≥ 2) keeps row and column
  means of g² (moved towards them by w) and estimates v = R C / mean(R), a vector keeps v
  itself; U = g / √max(v, ε₁²); p ← p − α U / max(1, RMS(U)/d). ε₁ = None means the parameter
  dtype's machine epsilon.

Every rule is written with tensorgrad's ops, so a step also runs under ``tg.grad`` (the update is
differentiated), ``tg.jit`` and ``tg.to_jax`` as the other optimizers' steps do. Where PyTorch
branches on the update count (RAdam's ρ_t > 5, the first-update values of ASGD and Rprop) the
branch is a ``where`` when the count is traced.

PyTorch's performance flags ``foreach``, ``capturable`` and ``differentiable`` are accepted and
ignored (tensorgrad has one implementation, and every update is differentiable under
``tg.grad``). A functional optimizer has one set of hyperparameters; PyTorch's form
(``RAdam(model.parameters(), lr=...)``, :mod:`tensorgrad.optim_params`) has parameter groups.

:class:`LBFGS`'s functional form replaces PyTorch's ``optimizer.step(closure)`` (the closure
recomputes the loss and fills ``.grad``; PyTorch's form ``LBFGS([w, b]).step(closure)`` takes
that too) by ``params, state = opt.step(params, closure, state)`` with
``closure(params) -> (loss, grads)``, e.g. ``closure = tg.value_and_grad(loss_fn)``; the loss at
the incoming parameters (what PyTorch's ``step`` returns) is ``state["loss"]``. It runs on
concrete arrays only: its iterations and line search branch on values.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from . import ops as _ops
from .optim_base import LR, Optimizer, _check_count, _check_eps, _check_rate, _symbolic, _alias
from .tensor import concrete
from .tree import tree_flatten, tree_unflatten

__all__ = ["Adadelta", "ASGD", "RAdam", "Rprop", "Adafactor", "LBFGS"]


# ---- helpers: branches that also run on a traced update count ----------------------------
def _is_number(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating))


def _first(t, first, later):
    """``first`` at the first update (t = 1), ``later`` after it."""
    if _is_number(t):
        return first if t == 1 else later
    return _ops.where(_ops.equal(t, 1), first, later)


def _max(a, b):
    return max(a, b) if _is_number(a) and _is_number(b) else _ops.maximum(a, b)


def _min(a, b):
    return min(a, b) if _is_number(a) and _is_number(b) else _ops.minimum(a, b)


def _lerp(a, b, w):
    """a + w(b − a), evaluated as ``torch.lerp`` does (from the nearer end) for equal roundings."""
    if _is_number(w):
        return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1 - w)
    return _ops.where(_ops.less(_ops.abs(w), 0.5), a + w * (b - a), b - (b - a) * (1 - w))


def _rms_at_least(x, floor: float, scale: float = 1.0):
    """max(floor, ‖x‖/(√n · scale)) with a finite derivative where x = 0 (the floor is taken
    there, so the square root is never differentiated at 0)."""
    n = int(np.prod(x.shape))
    s = _ops.sum(x * x)
    cut = n * (floor * scale) ** 2
    big = _ops.greater(s, cut)
    return _ops.where(big, _ops.sqrt(_ops.where(big, s, 1.0)) / (math.sqrt(n) * scale), floor)


def _check_flags(who: str, foreach, flags: dict) -> None:
    if foreach is not None and not isinstance(foreach, bool):
        raise TypeError(f"{who}: foreach must be None or a bool, got {foreach!r}")
    for name, v in flags.items():
        if not isinstance(v, (bool, np.bool_)):
            raise TypeError(f"{who}: {name} must be a bool, got {v!r}")


def _check_pair(who: str, name: str, v) -> tuple:
    if not isinstance(v, (tuple, list)) or len(v) != 2:
        raise ValueError(f"{who}: {name} must be a pair of numbers, got {v!r}")
    return tuple(v)


class _TorchRule(Optimizer):
    """The options the PyTorch optimizers here share: a learning rate checked as PyTorch does,
    ``maximize``, and the accepted-and-ignored performance flags."""

    def __init__(self, lr: LR, weight_decay: float, maximize: bool, foreach, **flags):
        who = type(self).__name__
        if not callable(lr):
            _check_rate(who, "lr", lr)
        _check_rate(who, "weight_decay", weight_decay)
        _check_flags(who, foreach, dict(maximize=maximize, **flags))
        super().__init__(lr, weight_decay)
        self.maximize = bool(maximize)

    def _signed(self, g):
        return -g if self.maximize else g

    def _l2(self, p, g):
        """The gradient (negated for ``maximize``) plus the L2 term λp."""
        g = self._signed(g)
        return g + self.weight_decay * p if self.weight_decay else g

    def _scalars(self, params: Any, **values: float) -> dict:
        """``init``'s state plus, for each name, one 0-d buffer per parameter leaf."""
        state = Optimizer.init(self, params)
        for name, value in values.items():
            leaves, td = tree_flatten(state[name])
            state[name] = tree_unflatten(td, [np.full((), value, np.finfo(z.dtype).dtype)  # (real)
                                              for z in leaves])
        return state


class Adadelta(_TorchRule):
    """Adadelta (PyTorch's rule and defaults: lr 1, ρ 0.9, ε 1e-6): the step is the gradient
    scaled by the ratio of the running RMS of past steps to that of the gradients."""

    slots = ("square_avg", "acc_delta")

    def __init__(self, lr: LR = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0.0,
                 foreach: bool | None = None, *, capturable: bool = False, maximize: bool = False,
                 differentiable: bool = False):
        super().__init__(lr, weight_decay, maximize, foreach, capturable=capturable,
                         differentiable=differentiable)
        if not 0 <= rho <= 1:
            raise ValueError(f"Adadelta: rho must be in [0, 1], got {rho}")
        _check_eps("Adadelta", eps)
        self.rho, self.eps = float(rho), float(eps)

    def _update(self, p, g, bufs, t, lr):
        g = self._l2(p, g)
        rho = self.rho
        v = bufs["square_avg"] = bufs["square_avg"] * rho + (1 - rho) * g * g
        delta = _ops.sqrt(bufs["acc_delta"] + self.eps) / _ops.sqrt(v + self.eps) * g
        bufs["acc_delta"] = bufs["acc_delta"] * rho + (1 - rho) * delta * delta
        return p - lr * delta


class ASGD(_TorchRule):
    """Averaged SGD (PyTorch's rule and defaults: lr 1e-2, ``lambd`` 1e-4, α 0.75, t₀ 1e6). The
    state keeps, per parameter, the running average ``ax`` and the scalars ``eta`` (the rate of
    the next update) and ``mu`` (the averaging weight). The averaged parameters are
    ``state["ax"]``; ``step`` returns the SGD iterate, as PyTorch's parameters are."""

    slots = ("eta", "mu", "ax")

    def __init__(self, lr: LR = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
                 weight_decay: float = 0.0, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False, capturable: bool = False):
        super().__init__(lr, weight_decay, maximize, foreach, capturable=capturable,
                         differentiable=differentiable)
        for name, v in (("lambd", lambd), ("alpha", alpha), ("t0", t0)):
            if not (_is_number(v) and math.isfinite(v)):
                raise ValueError(f"ASGD: {name} must be a finite number, got {v!r}")
        self.lambd, self.alpha, self.t0 = float(lambd), float(alpha), float(t0)

    def init(self, params: Any) -> dict:
        """Update count 0, zero averages, ``eta`` at the initial rate and ``mu`` 1."""
        return self._scalars(params, eta=float(self.lr(0)), mu=1.0)

    def _update(self, p, g, bufs, t, lr):
        g = self._l2(p, g)
        eta = _first(t, lr, bufs["eta"])
        p = p * (1 - self.lambd * eta) - eta * g
        mu, ax = bufs["mu"], bufs["ax"]
        bufs["ax"] = _ops.where(_ops.equal(mu, 1), p, ax + (p - ax) * mu)
        bufs["eta"] = lr / (1 + self.lambd * lr * t) ** self.alpha
        bufs["mu"] = 1 / _max(1, t - self.t0)
        return p


class RAdam(_TorchRule):
    """Rectified Adam (PyTorch's rule and defaults: lr 1e-3, betas (0.9, 0.999), ε 1e-8): while
    the variance estimate is unreliable (ρ_t ≤ 5, the first few updates) it takes plain
    momentum steps, then rectified Adam steps. ``decoupled_weight_decay=True`` decays as AdamW."""

    slots = ("exp_avg", "exp_avg_sq")

    def __init__(self, lr: LR = 1e-3, betas: tuple = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 foreach: bool | None = None, maximize: bool = False, capturable: bool = False,
                 differentiable: bool = False):
        super().__init__(lr, weight_decay, maximize, foreach, capturable=capturable,
                         differentiable=differentiable,
                         decoupled_weight_decay=decoupled_weight_decay)
        _check_eps("RAdam", eps)
        betas = _check_pair("RAdam", "betas", betas)
        for i, b in enumerate(betas):
            if not 0 <= b < 1:
                raise ValueError(f"RAdam: betas[{i}] must be in [0, 1), got {b}")
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps, self.decoupled = float(eps), bool(decoupled_weight_decay)

    decoupled_weight_decay = _alias("decoupled", bool, "Whether the weight decay is AdamW's "
                                   "(``param_groups[i]`` sets it by this name).")

    def _update(self, p, g, bufs, t, lr):
        g = self._signed(g)
        if self.weight_decay and self.decoupled:
            p = p * (1 - lr * self.weight_decay)
        elif self.weight_decay:
            g = g + self.weight_decay * p
        b1, b2 = self.betas
        m = bufs["exp_avg"] = _lerp(bufs["exp_avg"], g, 1 - b1)
        v = bufs["exp_avg_sq"] = bufs["exp_avg_sq"] * b2 + (1 - b2) * g * g
        bc1, bc2 = 1 - b1 ** t, 1 - b2 ** t
        m_hat = m / bc1
        rho_inf = 2 / (1 - b2) - 1
        rho_t = rho_inf - 2 * t * b2 ** t / bc2
        if not rho_inf > 5 or _is_number(rho_t) and not rho_t > 5:  # (ρ_t < ρ_∞ always)
            return p - m_hat * lr
        rect_ok = rho_t > 5 if _is_number(rho_t) else _ops.greater(rho_t, 5)
        rho = rho_t if _is_number(rho_t) else _ops.where(rect_ok, rho_t, 6.0)  # (no √ of < 0)
        rect = ((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)) ** 0.5
        adaptive = bc2 ** 0.5 / (_ops.sqrt(v) + self.eps)
        rectified = p - m_hat * lr * adaptive * rect
        return rectified if _is_number(rho_t) else _ops.where(rect_ok, rectified, p - m_hat * lr)


class Rprop(_TorchRule):
    """Resilient backpropagation (PyTorch's rule and defaults: lr 1e-2, etas (0.5, 1.2),
    step_sizes (1e-6, 50)): only the sign of the gradient is used, with one adaptive step size
    per entry. The learning rate only sets the initial step sizes, at the first update."""

    slots = ("prev", "step_size")

    def __init__(self, lr: LR = 1e-2, etas: tuple = (0.5, 1.2), step_sizes: tuple = (1e-6, 50), *,
                 capturable: bool = False, foreach: bool | None = None, maximize: bool = False,
                 differentiable: bool = False):
        super().__init__(lr, 0.0, maximize, foreach, capturable=capturable,
                         differentiable=differentiable)
        etas = _check_pair("Rprop", "etas", etas)
        if not 0.0 < etas[0] < 1.0 < etas[1]:
            raise ValueError(f"Rprop: etas must satisfy 0 < etaminus < 1 < etaplus, got {etas}")
        lo, hi = _check_pair("Rprop", "step_sizes", step_sizes)
        if not 0 <= lo <= hi:
            raise ValueError(f"Rprop: step_sizes must satisfy 0 ≤ min ≤ max, got {step_sizes}")
        self.etas, self.step_sizes = (float(etas[0]), float(etas[1])), (float(lo), float(hi))

    def _update(self, p, g, bufs, t, lr):
        g = self._signed(g)
        minus, plus = self.etas
        size = _first(t, _ops.zeros_like(p) + lr, bufs["step_size"])
        s = _ops.sign(g * bufs["prev"])
        factor = _ops.where(_ops.greater(s, 0), plus, _ops.where(_ops.less(s, 0), minus, 1.0))
        size = bufs["step_size"] = _ops.clip(size * factor, *self.step_sizes)
        g = bufs["prev"] = _ops.where(_ops.less(s, 0), 0.0, g)
        return p - _ops.sign(g) * size


class Adafactor(_TorchRule):
    """Adafactor as PyTorch 2.5+ implements it (defaults: lr 1e-2, ``beta2_decay`` −0.8,
    eps (None, 1e-3), d 1): a parameter with two or more axes keeps only row and column means of
    the squared gradients over its last two axes (``row_var`` of shape (..., m, 1) and
    ``col_var`` (..., 1, n)); vectors and scalars keep the full ``variance``. The unused buffers
    of a leaf are 0-d placeholders. Weight decay is decoupled (p ← p(1 − ηλ))."""

    slots = ("row_var", "col_var", "variance")
    _filled_on_load = slots  # (PyTorch's state has only the buffers a leaf uses)

    def __init__(self, lr: LR = 1e-2, beta2_decay: float = -0.8, eps: tuple = (None, 1e-3),
                 d: float = 1.0, weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False):
        super().__init__(lr, weight_decay, maximize, foreach)
        if not (_is_number(beta2_decay) and beta2_decay <= 0):
            raise ValueError(f"Adafactor: beta2_decay must be ≤ 0, got {beta2_decay!r}")
        eps1, eps2 = _check_pair("Adafactor", "eps", eps)
        if eps1 is not None:
            _check_rate("Adafactor", "eps[0]", eps1)
        _check_rate("Adafactor", "eps[1]", eps2)
        if not (_is_number(d) and d >= 1):
            raise ValueError(f"Adafactor: the clipping threshold d must be ≥ 1, got {d!r}")
        self.beta2_decay, self.d = float(beta2_decay), float(d)
        self.eps = (None if eps1 is None else float(eps1), float(eps2))

    def init(self, params: Any) -> dict:
        """Update count 0 and zero statistics: row and column means for leaves with two or more
        axes, a full ``variance`` for the others (0-d placeholders fill the unused slots)."""
        state = Optimizer.init(self, params)
        leaves, td = tree_flatten(state["variance"])
        rows, cols, full = [], [], []
        for z in leaves:
            shape, none = z.shape, np.zeros((), z.dtype)
            factored = len(shape) > 1
            rows.append(np.zeros(shape[:-1] + (1,), z.dtype) if factored else none)
            cols.append(np.zeros(shape[:-2] + (1, shape[-1]), z.dtype) if factored else none)
            full.append(none if factored else z)
        for name, values in (("row_var", rows), ("col_var", cols), ("variance", full)):
            state[name] = tree_unflatten(td, values)
        return state

    def _update(self, p, g, bufs, t, lr):
        g = self._signed(g)
        eps1, eps2 = self.eps
        if eps1 is None:
            eps1 = float(np.finfo(np.dtype(p.dtype)).eps)
        tf = t if _is_number(t) else _ops.astype(t, np.dtype(p.dtype))
        w = tf ** self.beta2_decay
        alpha = _rms_at_least(p, eps2) * _min(lr, 1 / tf ** 0.5)
        if self.weight_decay:
            p = p * (1 - lr * self.weight_decay)
        gg = g * g
        if len(p.shape) > 1:
            m, n = p.shape[-2:]
            row = bufs["row_var"] = _lerp(bufs["row_var"], _ops.sum(gg, axis=-1, keepdims=True) / n, w)
            col = bufs["col_var"] = _lerp(bufs["col_var"], _ops.sum(gg, axis=-2, keepdims=True) / m, w)
            v = row * col / _ops.maximum(_ops.mean(row, axis=-2, keepdims=True), eps1)
            bufs["variance"] = bufs["variance"] * 0  # (a placeholder, stored anew)
        else:
            v = bufs["variance"] = _lerp(bufs["variance"], gg, w)
            bufs["row_var"], bufs["col_var"] = bufs["row_var"] * 0, bufs["col_var"] * 0
        u = g / _ops.sqrt(_ops.maximum(v, eps1 * eps1))
        return p - u * (alpha / _rms_at_least(u, 1.0, self.d))


# ---- L-BFGS ------------------------------------------------------------------------------
def _cubic_min(x1, f1, g1, x2, f2, g2, bounds=None) -> float:
    """The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1, g2, clipped to
    ``bounds`` (the interval between the points by default); the midpoint if it has none."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    disc = d1 * d1 - g1 * g2
    if disc < 0:
        return (lo + hi) / 2.0
    d2 = math.sqrt(disc)
    if x1 <= x2:
        at = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        at = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(at, lo), hi)


def _strong_wolfe(evaluate, t, d, f, g, gtd, max_ls, c1=1e-4, c2=0.9, tolerance_change=1e-9):
    """PyTorch's strong-Wolfe line search along ``d`` from step ``t`` (bracketing, then zoom by
    cubic interpolation). ``evaluate(t)`` is (loss, flat gradient) at x + t·d. Returns the
    accepted (loss, gradient, t, number of evaluations)."""
    d_norm = float(np.max(np.abs(d)))
    f_new, g_new = evaluate(t)
    evals, gtd_new = 1, float(g_new @ d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done, it = False, 0
    bracket = bracket_f = bracket_g = bracket_gtd = None
    while it < max_ls:  # bracketing phase
        if f_new > f + c1 * t * gtd or (it > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        t_next = _cubic_min(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                            bounds=(t + 0.01 * (t - t_prev), t * 10))
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = evaluate(t)
        evals, gtd_new, it = evals + 1, float(g_new @ d), it + 1
    if it == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
    stalled = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and it < max_ls:  # zoom phase
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_min(bracket[0], bracket_f[0], bracket_gtd[0],
                       bracket[1], bracket_f[1], bracket_gtd[1])
        top, bottom = max(bracket), min(bracket)
        margin = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < margin:  # too close to an end: move inside, or note it
            if stalled or t >= top or t <= bottom:
                t = top - margin if abs(t - top) < abs(t - bottom) else bottom + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        f_new, g_new = evaluate(t)
        evals, gtd_new, it = evals + 1, float(g_new @ d), it + 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


class LBFGS(Optimizer):
    """L-BFGS as PyTorch's ``torch.optim.LBFGS`` (defaults: lr 1, max_iter 20, max_eval
    max_iter·5//4, tolerance_grad 1e-7, tolerance_change 1e-9, history_size 100, no line search
    or ``line_search_fn='strong_wolfe'``). One ``step`` runs up to ``max_iter`` iterations,
    calling ``closure(params) -> (loss, grads)`` at each point it tries; the curvature history
    carries over between steps in the state (``old_dirs``, ``old_stps`` of shape (k, n) for the
    n flattened parameter entries, k ≤ history_size)."""

    def __init__(self, lr: LR = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9,
                 history_size: int = 100, line_search_fn: str | None = None):
        if not callable(lr):
            _check_rate("LBFGS", "lr", lr)
        _check_count("LBFGS", "max_iter", max_iter, 1)
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        _check_count("LBFGS", "max_eval", max_eval, 1)
        _check_count("LBFGS", "history_size", history_size, 1)
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', "
                             f"got {line_search_fn!r}")
        super().__init__(lr)
        self.max_iter, self.max_eval, self.history_size = int(max_iter), int(max_eval), int(history_size)
        self.tolerance_grad = _check_rate("LBFGS", "tolerance_grad", tolerance_grad)
        self.tolerance_change = _check_rate("LBFGS", "tolerance_change", tolerance_change)
        self.line_search_fn = line_search_fn

    def _flat(self, who: str, leaves: list, what: str) -> np.ndarray:
        if any(_symbolic(v) for v in leaves):
            raise TypeError(f"{who}: the {what} are traced by a transform (tg.grad, tg.jit or "
                            "tg.to_jax); LBFGS runs on concrete arrays only (its iterations "
                            "branch on values)")
        arrays = [np.asarray(concrete(v)) for v in leaves]
        for i, a in enumerate(arrays):
            if a.dtype.kind != "f":
                raise TypeError(f"{who}: {what} leaf {i} has dtype {a.dtype}; LBFGS updates real "
                                "floating-point parameters only")
        if not arrays:
            raise ValueError(f"{who}: there are no parameters to optimize")
        dtype = np.result_type(*arrays)
        return np.concatenate([np.ravel(a).astype(dtype) for a in arrays])

    def init(self, params: Any) -> dict:
        """The empty state: no iteration yet, an empty curvature history."""
        x = self._flat("LBFGS.init", tree_flatten(params)[0], "parameters")
        z, s = np.zeros_like(x), np.zeros((), x.dtype)
        return {"step": np.asarray(0, np.int64), "func_evals": np.asarray(0, np.int64),
                "n_iter": np.asarray(0, np.int64), "d": z, "t": s, "H_diag": s + 1,
                "old_dirs": np.zeros((0, x.size), x.dtype), "old_stps": np.zeros((0, x.size), x.dtype),
                "ro": np.zeros(0, x.dtype), "prev_flat_grad": z, "prev_loss": s, "loss": s}

    def step(self, params: Any, closure: Callable, state: dict,  # type: ignore[override]
             lr: float | None = None) -> tuple[Any, dict]:
        """Up to ``max_iter`` L-BFGS iterations from ``params``; returns the new
        ``(params, state)``, with the loss at the incoming ``params`` in ``state["loss"]``."""
        who = "LBFGS.step"
        if not callable(closure):
            raise TypeError(f"{who}: closure must be a function params -> (loss, grads), "
                            f"got {type(closure).__name__}")
        leaves, td = tree_flatten(params)
        x = self._flat(who, leaves, "parameters")
        if not isinstance(state, dict) or np.shape(state.get("d")) != x.shape:
            raise ValueError(f"{who}: the state does not belong to these parameters "
                             f"({x.size} entries); call init(params) again")
        shapes = [np.shape(concrete(v)) for v in leaves]
        dtypes = [np.asarray(concrete(v)).dtype for v in leaves]
        cuts = np.cumsum([int(np.prod(s)) for s in shapes])[:-1]

        def unflat(x):
            return tree_unflatten(td, [c.reshape(s).astype(dt, copy=False)
                                       for c, s, dt in zip(np.split(x, cuts), shapes, dtypes)])

        def evaluate(x):
            out = closure(unflat(x))
            if not isinstance(out, tuple) or len(out) != 2:
                raise TypeError(f"{who}: closure must return (loss, grads), got "
                                f"{type(out).__name__}")
            loss, grads = out
            g_leaves, gtd_ = tree_flatten(grads)
            if gtd_ != td:
                raise ValueError(f"{who}: the closure's gradient structure {gtd_} does not match "
                                 f"the parameters' {td}")
            g = self._flat(who, g_leaves, "gradients")
            if g.shape != x.shape:
                raise ValueError(f"{who}: the closure's gradients have {g.size} entries, the "
                                 f"parameters {x.size}")
            loss = np.asarray(concrete(loss))
            if loss.size != 1:
                raise ValueError(f"{who}: the closure's loss must be a scalar, got shape {loss.shape}")
            return float(loss.reshape(())), g.astype(x.dtype, copy=False)

        count = int(state["step"])
        lr = float(self.lr(count)) if lr is None else float(lr)
        if not lr >= 0:
            raise ValueError(f"{who}: the learning rate for step {count + 1} is {lr}; it must be ≥ 0")
        st = {k: (np.asarray(v).copy() if k not in ("old_dirs", "old_stps", "ro") else v)
              for k, v in state.items()}
        st["step"] = np.asarray(count + 1, np.int64)
        loss, g = evaluate(x)
        st["loss"] = np.asarray(loss, x.dtype)
        evals, total_evals, total_iters = 1, int(state["func_evals"]) + 1, int(state["n_iter"])
        if np.max(np.abs(g)) <= self.tolerance_grad:
            st["func_evals"] = np.asarray(total_evals, np.int64)
            return params, st
        d, t = np.asarray(st["d"]), float(st["t"])
        dirs, stps, ro = list(np.asarray(st["old_dirs"])), list(np.asarray(st["old_stps"])), \
            [float(r) for r in np.asarray(st["ro"])]
        h_diag, prev_g, prev_loss = float(st["H_diag"]), np.asarray(st["prev_flat_grad"]), float(st["prev_loss"])
        n_iter, converged = 0, False
        while n_iter < self.max_iter:
            n_iter, total_iters = n_iter + 1, total_iters + 1
            if total_iters == 1:
                d, dirs, stps, ro, h_diag = -g, [], [], [], 1.0
            else:  # the two-loop recursion over the history, after adding the newest pair
                y, s = g - prev_g, d * t
                ys = float(y @ s)
                if ys > 1e-10:
                    if len(dirs) == self.history_size:
                        dirs.pop(0), stps.pop(0), ro.pop(0)
                    dirs.append(y), stps.append(s), ro.append(1.0 / ys)
                    h_diag = ys / float(y @ y)
                q, al = -g, [0.0] * len(dirs)
                for i in range(len(dirs) - 1, -1, -1):
                    al[i] = float(stps[i] @ q) * ro[i]
                    q = q - al[i] * dirs[i]
                d = q * h_diag
                for i in range(len(dirs)):
                    d = d + (al[i] - float(dirs[i] @ d) * ro[i]) * stps[i]
            prev_g, prev_loss = g, loss
            t = min(1.0, 1.0 / float(np.sum(np.abs(g)))) * lr if total_iters == 1 else lr
            gtd = float(g @ d)
            if gtd > -self.tolerance_change:  # not a descent direction
                break
            used = 0
            if self.line_search_fn is not None:
                loss, g, t, used = _strong_wolfe(lambda s, x=x, d=d: evaluate(x + s * d), t, d, loss,
                                                 g, gtd, max_ls=self.max_eval - evals)
                x = x + t * d
                converged = np.max(np.abs(g)) <= self.tolerance_grad
            else:
                x = x + t * d
                if n_iter != self.max_iter:  # (the last iteration's point is evaluated next step)
                    loss, g = evaluate(x)
                    converged, used = np.max(np.abs(g)) <= self.tolerance_grad, 1
            evals, total_evals = evals + used, total_evals + used
            if n_iter == self.max_iter or evals >= self.max_eval or converged:
                break
            if np.max(np.abs(d * t)) <= self.tolerance_change or abs(loss - prev_loss) < self.tolerance_change:
                break
        n = x.size
        st.update(func_evals=np.asarray(total_evals, np.int64), n_iter=np.asarray(total_iters, np.int64),
                  d=d, t=np.asarray(t, x.dtype), H_diag=np.asarray(h_diag, x.dtype),
                  old_dirs=np.array(dirs, x.dtype).reshape(-1, n),
                  old_stps=np.array(stps, x.dtype).reshape(-1, n), ro=np.array(ro, x.dtype),
                  prev_flat_grad=prev_g, prev_loss=np.asarray(prev_loss, x.dtype))
        return unflat(x), st
