"""Riemann's ζ and its derivatives at negative arguments by the functional equation.

Euler–Maclaurin sums (``special_fns2._zeta_taylor``) lose their digits for s < 0, where the
terms (n + 1)^(−s) grow and cancel. There ζ(s) = χ(s)·ζ(1 − s), with
χ(s) = 2^s π^(s−1) sin(πs/2) Γ(1 − s), and every factor's Taylor series in s is known in
closed form, while ζ(1 − s) has 1 − s > 1, where the sums are accurate.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

__all__ = ["zeta_derivative", "series_product"]


def series_product(a, b):
    """The product of two truncated Taylor series (lists of coefficients)."""
    return [sum(a[i] * b[j - i] for i in range(j + 1)) for j in range(len(a))]


def _exp_series(a, order):
    """exp of a Taylor series with a zero constant term: e₀ = 1, n·eₙ = Σₖ k·aₖ·eₙ₋ₖ."""
    e = [1.0]
    for n in range(1, order + 1):
        e.append(sum(k * a[k] * e[n - k] for k in range(1, n + 1)) / n)
    return e


def _reflected_taylor(taylor, s, order):
    """Taylor coefficients of ζ(s + ε) (Riemann's, s < 0) in ε up to ``order``."""
    log2pi = math.log(2.0) + math.log(math.pi)
    inner = [c * (-1.0) ** j for j, c in enumerate(taylor(1 - s, 1.0, order))]  # ζ(1 − s − ε)
    # 2^(s+ε) π^(s+ε−1) Γ(1 − s − ε) = exp(a₀ + a(ε)), lgamma's series from the polygammas
    a0 = s * math.log(2.0) + (s - 1) * math.log(math.pi) + special.gammaln(1 - s)
    expo = [0.0] * (order + 1)
    for j in range(1, order + 1):
        expo[j] = (-1.0) ** j * special.polygamma(j - 1, 1 - s) / math.factorial(j)
    if order:
        expo[1] = expo[1] + log2pi
    scale = [np.exp(a0) * c for c in _exp_series(expo, order)]
    sine = [(math.pi / 2) ** j * np.sin(math.pi * s / 2 + j * math.pi / 2) / math.factorial(j)
            for j in range(order + 1)]
    return series_product(series_product(scale, sine), inner)


def zeta_derivative(taylor, s, q, m: int, riemann: bool):
    """∂ᵐζ(s, q)/∂sᵐ from ``taylor`` (the Euler–Maclaurin coefficients), Riemann's at s < −½
    by the functional equation."""
    coef = taylor(s, q, m)[m]
    if riemann:
        neg = s < -0.5  # (above, the sums keep their digits; near 0, ζ(1 − s) is at its pole)
        if np.any(neg):
            with np.errstate(over="ignore", invalid="ignore"):
                coef = np.where(neg, _reflected_taylor(taylor, np.where(neg, s, -1.0), m)[m], coef)
    return coef * math.factorial(m)
