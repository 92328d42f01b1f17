"""Rosenblatt's perceptron, trained with the book's rule (chapter 2) — no gradients.

For each example: ŷ = step(w·x + b); w ← w + η (y − ŷ) x, b ← b + η (y − ŷ).
A correctly classified example leaves w unchanged; a positive example on the
negative side adds ηx, a negative one on the positive side subtracts it. The
step function has no useful derivative, so this is not gradient descent; on
linearly separable data it stops making mistakes after finitely many updates.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .nn.init import Seed, rng_from

__all__ = ["step", "Perceptron", "PerceptronResult", "fit_perceptron"]


def step(z) -> np.ndarray:
    """Heaviside step: 1 where z > 0, else 0 (a point on the hyperplane counts as negative)."""
    return (np.asarray(z) > 0).astype(int)


@dataclass
class PerceptronResult:
    """Weights, bias and the training record of :func:`fit_perceptron`."""

    w: np.ndarray
    b: float
    epochs: int
    mistakes: list = field(default_factory=list)  # mistakes made during each epoch
    converged: bool = False

    def predict(self, X) -> np.ndarray:
        return step(np.asarray(X, float) @ self.w + self.b)

    def accuracy(self, X, y) -> float:
        return float(np.mean(self.predict(X) == np.asarray(y)))


def _check(X, y):
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    if X.ndim != 2:
        raise ValueError(f"perceptron: X must be (examples, features), got shape {X.shape}")
    if not np.isfinite(X).all():
        raise ValueError(f"perceptron: X holds {np.count_nonzero(~np.isfinite(X))} NaN or infinite "
                         "entries; the perceptron rule needs finite features")
    y = y.reshape(-1) if y.ndim == 2 and y.shape[1] == 1 else y
    if y.shape != (len(X),):
        raise ValueError(f"perceptron: y must have one label per row of X ({len(X)}), got shape {y.shape}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError(f"perceptron: labels must be 0 or 1 (two classes), got values {np.unique(y)[:10]}")
    return X, y.astype(int)


def fit_perceptron(X, y, lr: float = 1.0, max_epochs: int = 100, seed: Seed = 0,
                   shuffle: bool = True, init_scale: float = 0.0) -> PerceptronResult:
    """Apply the perceptron rule epoch by epoch until an epoch makes no mistakes.

    ``w`` starts at zero (or random with ``init_scale`` > 0, drawn with ``seed``);
    each epoch visits the examples in a seeded random order (``shuffle``).
    Stops at ``max_epochs`` if the data are not linearly separable.
    """
    X, y = _check(X, y)
    if max_epochs < 1:
        raise ValueError(f"perceptron: max_epochs must be ≥ 1, got {max_epochs}")
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"perceptron: lr must be a positive finite number, got {lr}")
    rng = rng_from(seed)
    w = init_scale * rng.normal(size=X.shape[1])
    b = 0.0
    mistakes: list[int] = []
    for epoch in range(1, max_epochs + 1):  # (an overflow raises: a score as it happens, the
        # weights after each epoch)
        order = rng.permutation(len(X)) if shuffle else range(len(X))
        wrong = 0
        with np.errstate(over="ignore", invalid="ignore"):
            for i in order:
                score = X[i] @ w + b
                if not math.isfinite(score):
                    raise FloatingPointError(
                        f"perceptron: the score of an example overflowed in epoch {epoch} (lr={lr} "
                        f"with features up to {np.abs(X).max():.3g}); use a smaller lr")
                y_hat = int(score > 0)
                err = y[i] - y_hat            # 0 when correct, ±1 when wrong
                if err:
                    w = w + lr * err * X[i]
                    b = b + lr * err
                    wrong += 1
        mistakes.append(wrong)
        if not (np.isfinite(w).all() and np.isfinite(b)):
            raise FloatingPointError(f"perceptron: the weights overflowed in epoch {epoch} (lr={lr} "
                                     f"with features up to {np.abs(X).max():.3g}); use a smaller lr")
        if wrong == 0:
            return PerceptronResult(w, float(b), epoch, mistakes, True)
    return PerceptronResult(w, float(b), max_epochs, mistakes, False)


class Perceptron:
    """Scikit-learn-style wrapper: ``Perceptron(lr).fit(X, y).predict(X)``."""

    def __init__(self, lr: float = 1.0, max_epochs: int = 100, seed: Seed = 0):
        self.lr, self.max_epochs, self.seed = lr, max_epochs, seed
        self.result: PerceptronResult | None = None

    def fit(self, X, y) -> "Perceptron":
        self.result = fit_perceptron(X, y, self.lr, self.max_epochs, self.seed)
        return self

    def predict(self, X) -> np.ndarray:
        if self.result is None:
            raise RuntimeError("Perceptron: call fit(X, y) before predict")
        return self.result.predict(X)
