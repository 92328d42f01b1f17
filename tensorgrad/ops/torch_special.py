"""The functions of PyTorch's ``torch.special`` that ``scipy.special`` lacks, under PyTorch's
names, argument order and values, differentiable in x to any order; and the Airy functions.

* The orthogonal polynomials ``chebyshev_polynomial_t(input, n)``, ``_u``, ``_v``, ``_w``,
  their shifted forms ``shifted_chebyshev_polynomial_t(input, n)``, ... (the polynomial at
  2x − 1), ``hermite_polynomial_h`` (physicists'), ``hermite_polynomial_he``
  (probabilists'), ``laguerre_polynomial_l`` and ``legendre_polynomial_p``. They evaluate
  the registered SciPy polynomials of :mod:`tensorgrad.ops.orthopoly` (so every derivative
  is theirs), with PyTorch's reading of the degree n layered on top:

  - n is a constant (a number or an array of them, broadcast against x; no derivative), of
    any integer, bool or float dtype. A float n is cut to an integer towards zero (2.7 → 2,
    −0.5 → 0), as PyTorch's conversion to int64 does;
  - the value is 0 wherever that integer is negative, and where n is NaN, ±inf or beyond
    ±2⁶³ (PyTorch's conversion turns those into a negative int64 on x86);
  - the value is 1 for n = 0, also at x = NaN and x = ±inf;
  - at x = ±inf the value is the polynomial's limit, ±inf by the sign of its leading
    term (PyTorch's recurrence gives NaN there from degree 3 on);
  - orders above 10⁶ are refused (the recurrences take n steps for each element).

  The third and fourth kinds come from the second: ``V_n = U_n − U_(n−1)`` and
  ``W_n = U_n + U_(n−1)`` (both families share U's recurrence, and these hold for n = 0, 1
  with ``U_(−1) = 0``: V_0 = W_0 = 1, V_1 = 2x − 1, W_1 = 2x + 1); the shifted ones are the
  same at 2x − 1. Results keep float16/float32 input (a float n array of a wider dtype
  promotes, as PyTorch and NumPy do); integer input gives float64.

* ``airy_ai(x)``, Ai(x), a registered op computed with ``scipy.special.airy``, and
  ``airy(z)`` = (Ai, Ai′, Bi, Bi′) for real z, as SciPy's. Each of the four is a registered
  op whose derivative is the next one: Ai′ = ``airy_ai_prime``, Ai″ = x·Ai (from Airy's
  equation y″ = x·y), and the same for Bi; so they differentiate to any order. Where SciPy
  gives NaN for a large positive x (Bi beyond about 104, everything beyond about 10⁷ and at
  +inf), the values are the limits: Ai = Ai′ = 0, Bi = Bi′ = +inf; Ai and Bi are 0 at −inf
  (PyTorch gives NaN at ±inf). Finite x below about −10⁷ stays NaN, as in SciPy.

The aliases (``bessel_j0`` for ``j0``, ...) live in :mod:`tensorgrad.special`. JAX has no
Airy function: the test table's references are the Maclaurin series of Ai and Bi (from the
recurrence of Airy's equation for the coefficients) written in ``jax.numpy``.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import special

from ..registry import Example, elementwise, function
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, dtype_of, may_any, on_a_trace
from .elementwise import astype, where
from .orthopoly import (_real_input, _scipy_forward, eval_chebyt, eval_chebyu, eval_hermite,
                        eval_hermitenorm, eval_laguerre, eval_legendre, eval_sh_chebyt, eval_sh_chebyu,
                        spherical_jn)

#: the largest degree evaluated (the recurrences take n steps)
MAX_DEGREE = 10 ** 6


# ---- PyTorch's degree n -----------------------------------------------------------------------
def _degrees(name: str, n) -> np.ndarray:
    """``n`` as an int64 array of degrees, read as PyTorch does: floats cut towards zero,
    NaN, ±inf and values beyond ±2⁶³ made −1 (a zero polynomial)."""
    if on_a_trace(n):
        raise TypeError(f"{name}: n must be a constant (a number or an array of them: the degree "
                        f"picks the polynomial and has no derivative), not a traced value")
    a = given = np.asarray(concrete(n))
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name}: n must be real (integers, bools or floats), got dtype {a.dtype} "
                        f"(shape {a.shape})")
    if a.dtype.kind == "f":
        fits = np.isfinite(a) & (np.abs(a) < 2.0 ** 63)
        a = np.where(fits, np.trunc(np.where(fits, a, 0.0)), -1.0)
    elif a.dtype.kind == "u" and a.dtype.itemsize == 8:  # (no wrap-around to negative int64)
        a = np.minimum(a, np.uint64(MAX_DEGREE + 1))
    k = a.astype(np.int64)
    if k.size and k.max() > MAX_DEGREE:
        raise ValueError(f"{name}: n must be at most {MAX_DEGREE} (the recurrence takes n steps per "
                         f"element), got max {given.max().item()!r} (shape {k.shape})")
    return k


def _wider(x, n):
    """``x`` cast up to the dtype of an array ``n`` of wider floats (a float32 input with a
    float64 array of degrees gives float64, as in PyTorch and NumPy)."""
    nv = concrete(n)
    if np.ndim(nv) == 0 or not hasattr(nv, "dtype") or np.dtype(nv.dtype).kind != "f":
        return x
    dt = np.dtype(dtype_of(x)) if hasattr(concrete(x), "dtype") else None
    if dt is not None and dt.kind == "f" and dt.itemsize < np.dtype(nv.dtype).itemsize:
        return astype(x, np.dtype(nv.dtype))
    return x


def _settled(value, xv, infinite, k: np.ndarray, laguerre: bool):
    """``value`` with PyTorch's fixed points: 0 for a negative degree, 1 for degree 0, and
    the polynomial's limit where x (its value ``xv``) is ±inf (the mask ``infinite``)."""
    negative, constant = k < 0, k == 0
    if not (np.any(negative) or np.any(constant) or may_any(infinite)):
        return value
    # the leading term's sign: (−1)^n at −inf (at +inf for Laguerre's, (−x)^n/n!), else +
    alternating = np.where((k % 2) == 1, -np.inf, np.inf)
    up, down = (alternating, np.inf) if laguerre else (np.inf, alternating)
    fill = np.where(negative, 0.0, np.where(constant, 1.0, np.where(np.greater(xv, 0), up, down)))
    mask = negative | constant | infinite
    return where(mask, fill.astype(dtype_of(value)), value)


def _polynomial(name: str, evaluate, doc: str, laguerre: bool = False):
    """The public ``name(input, n)``: ``evaluate(k, x)`` at the degrees k ≥ 0 (an int64
    array), with PyTorch's fixed points."""
    def public(input: ArrayLike, n: ArrayLike) -> Array:
        _real_input(name, "input", input)
        k = _degrees(name, n)
        x = _wider(input, n)
        xv = concrete(x)
        infinite = np.isinf(xv)
        if may_any(infinite):  # evaluated at 0 there instead: no inf·0 in the derivatives
            x = where(infinite, 0.0, x)
        value = evaluate(np.maximum(k, 0), x)
        return _settled(value, xv, infinite, k, laguerre)
    public.__name__ = public.__qualname__ = name
    public.__doc__ = (f"{doc}, as PyTorch's torch.special.{name}(input, n): ``n`` a number or an "
                      f"array of them (a constant, no gradient) broadcast against ``input``, a "
                      f"float cut towards zero, 0 for a negative degree. Differentiable in "
                      f"``input`` to any order.")
    return function(public, numpy=())


def _third_kind(plain):
    """V_n = U_n − U_(n−1) of the second-kind ``plain`` (U_(−1) = 0)."""
    return lambda k, x: plain(k, x) - plain(k - 1, x)


def _fourth_kind(plain):
    """W_n = U_n + U_(n−1)."""
    return lambda k, x: plain(k, x) + plain(k - 1, x)


chebyshev_polynomial_t = _polynomial(
    "chebyshev_polynomial_t", eval_chebyt, "The Chebyshev polynomial of the first kind T_n(x)")
chebyshev_polynomial_u = _polynomial(
    "chebyshev_polynomial_u", eval_chebyu, "The Chebyshev polynomial of the second kind U_n(x)")
chebyshev_polynomial_v = _polynomial(
    "chebyshev_polynomial_v", _third_kind(eval_chebyu),
    "The Chebyshev polynomial of the third kind V_n(x) = U_n(x) − U_(n−1)(x)")
chebyshev_polynomial_w = _polynomial(
    "chebyshev_polynomial_w", _fourth_kind(eval_chebyu),
    "The Chebyshev polynomial of the fourth kind W_n(x) = U_n(x) + U_(n−1)(x)")
shifted_chebyshev_polynomial_t = _polynomial(
    "shifted_chebyshev_polynomial_t", eval_sh_chebyt,
    "The shifted Chebyshev polynomial of the first kind T_n(2x − 1)")
shifted_chebyshev_polynomial_u = _polynomial(
    "shifted_chebyshev_polynomial_u", eval_sh_chebyu,
    "The shifted Chebyshev polynomial of the second kind U_n(2x − 1)")
shifted_chebyshev_polynomial_v = _polynomial(
    "shifted_chebyshev_polynomial_v", _third_kind(eval_sh_chebyu),
    "The shifted Chebyshev polynomial of the third kind V_n(2x − 1)")
shifted_chebyshev_polynomial_w = _polynomial(
    "shifted_chebyshev_polynomial_w", _fourth_kind(eval_sh_chebyu),
    "The shifted Chebyshev polynomial of the fourth kind W_n(2x − 1)")
hermite_polynomial_h = _polynomial(
    "hermite_polynomial_h", eval_hermite, "The physicists' Hermite polynomial H_n(x)")
hermite_polynomial_he = _polynomial(
    "hermite_polynomial_he", eval_hermitenorm, "The probabilists' Hermite polynomial He_n(x)")
laguerre_polynomial_l = _polynomial(
    "laguerre_polynomial_l", eval_laguerre, "The Laguerre polynomial L_n(x)", laguerre=True)
legendre_polynomial_p = _polynomial(
    "legendre_polynomial_p", eval_legendre, "The Legendre polynomial P_n(x)")


def spherical_bessel_j0(input: ArrayLike) -> Array:
    """sin(x)/x (1 at 0), PyTorch's torch.special.spherical_bessel_j0: SciPy's
    ``spherical_jn(0, x)``, differentiable to any order."""
    return spherical_jn(0, input)


# ---- Airy functions -------------------------------------------------------------------------------
#: which of SciPy's (Ai, Ai′, Bi, Bi′), and its limit at +inf
_AIRY = {"airy_ai": (0, 0.0), "airy_ai_prime": (1, 0.0), "airy_bi": (2, np.inf),
         "airy_bi_prime": (3, np.inf)}


def _airy_compute(name: str):
    k, at_plus_inf = _AIRY[name]

    def compute(x):
        with np.errstate(all="ignore"):
            value = np.asarray(special.airy(x)[k], dtype=np.float64)
            # SciPy gives NaN for large positive x (Bi from about 104 on): the limits
            value = np.where(np.isnan(value) & (x > 0), at_plus_inf, value)
            if k in (0, 2):  # Ai and Bi decay to 0 at −inf (their slopes oscillate: NaN)
                value = np.where(x == -np.inf, 0.0, value)
        return value
    return compute


def _airy_coefficients(first: float, second: float, terms: int = 150) -> list:
    """The Maclaurin coefficients of the solution of y″ = x·y with y(0), y′(0) given:
    a_(m+3) = a_m / ((m + 2)(m + 3)), a_2 = 0."""
    a = [first, second, 0.0] + [0.0] * (terms - 3)
    for m in range(terms - 3):
        a[m + 3] = a[m] / ((m + 2) * (m + 3))
    return a


_AI0 = 1.0 / (3.0 ** (2.0 / 3.0) * math.gamma(2.0 / 3.0))  # Ai(0)
_AIP0 = -1.0 / (3.0 ** (1.0 / 3.0) * math.gamma(1.0 / 3.0))  # Ai′(0)
_SERIES = {"airy_ai": _airy_coefficients(_AI0, _AIP0),
           "airy_bi": _airy_coefficients(math.sqrt(3.0) * _AI0, -math.sqrt(3.0) * _AIP0)}
for _name in ("airy_ai", "airy_bi"):
    _c = _SERIES[_name]
    _SERIES[_name + "_prime"] = [(m + 1) * _c[m + 1] for m in range(len(_c) - 1)]


def _airy_reference(name: str):
    """The series in ``jax.numpy`` (Horner's rule): accurate to ~1e-13 for |x| ≲ 4."""
    coefficients = _SERIES[name]

    def ref(jnp, x):
        total = jnp.zeros_like(x) + coefficients[-1]
        for c in reversed(coefficients[:-1]):
            total = total * x + c
        return total
    return ref


def _airy_signature(name: str):
    def signature(x: ArrayLike):
        _real_input(name, "x", x)
        return (x,), ()
    signature.__doc__ = {
        "airy_ai": "The Airy function Ai(x) for real x (PyTorch's torch.special.airy_ai)",
        "airy_ai_prime": "The derivative Ai′(x) of the Airy function Ai, real x",
        "airy_bi": "The Airy function of the second kind Bi(x), real x",
        "airy_bi_prime": "The derivative Bi′(x) of the Airy function Bi, real x"}[name]
    return signature


def _airy_op(name: str, slope, symbol: str, public: bool, examples):
    return elementwise(
        name, _scipy_forward(name, _airy_compute(name)), d={"x": slope},
        signature=_airy_signature(name), jax=_airy_reference(name), numpy=(), public=public,
        domain="unit", symbol=symbol, doc=_airy_signature(name).__doc__, examples=examples)


_RANDOM = [Example(((2, 3),), domain="real")]
airy_ai = _airy_op("airy_ai", lambda out, x: _ai_prime(x), "diag(Ai′(x))", True,
                   _RANDOM + [Example((np.array([-3.7, -1.2, 0.0, 0.4, 2.6]),))])
_ai_prime = _airy_op("airy_ai_prime", lambda out, x: x * airy_ai(x), "diag(x·Ai(x))", False,
                     _RANDOM)
_bi = _airy_op("airy_bi", lambda out, x: _bi_prime(x), "diag(Bi′(x))", False, _RANDOM)
_bi_prime = _airy_op("airy_bi_prime", lambda out, x: x * _bi(x), "diag(x·Bi(x))", False, _RANDOM)


@function(numpy="scipy.special.airy")
def airy(z: ArrayLike) -> tuple:
    """``(Ai(z), Ai′(z), Bi(z), Bi′(z))`` for real z, as SciPy's airy; each differentiable
    to any order (Ai″ = z·Ai, Bi″ = z·Bi)."""
    _real_input("airy", "z", z)
    return airy_ai(z), _ai_prime(z), _bi(z), _bi_prime(z)


__all__ = ["chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
           "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
           "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
           "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p",
           "spherical_bessel_j0", "airy_ai", "airy"]
