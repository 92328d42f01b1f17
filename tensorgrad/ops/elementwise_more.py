"""More elementwise ops, as NumPy names them: inverse trigonometric and hyperbolic
functions, other bases, stable sums of exponentials, remainders, and friends.

Each entry gives only the derivative per input (the Jacobian is diagonal);
derivatives are written with tensorgrad ops, so they differentiate again.

Conventions where a derivative does not exist (each a subgradient or a
one-sided derivative, as stated per op):

* ``fmax``/``fmin``: on a tie each input gets ½ (as ``maximum``); a NaN input
  loses, so the other input gets the whole gradient.
* ``hypot`` at (0, 0) and ``logaddexp``/``logaddexp2`` when both inputs are
  −inf: the shares of a tie (0 each for ``hypot``, ½ each for ``logaddexp``).
* ``remainder``/``fmod`` jump where x/y is an integer; there (as everywhere)
  d/dx = 1 and d/dy = −(x − out)/y, the quotient of the side NumPy returned.
* ``cbrt`` has an infinite slope at 0; a zero cotangent or tangent gives 0 there.
* ``sinc`` at 0 uses its Taylor series, so every derivative order is exact there.
* ``nan_to_num``: slope 1 where x is finite, 0 where a value was replaced.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..recording import IMPERATIVE
from ..registry import Example, elementwise, function
from ..staging import as_array, is_staged
from ..tensor import Tensor
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, dtype_of, may_any
from .complex_ops import conj_part, imag_part, real_part
from .shape import reshape as _reshape
from .activations import sigmoid
from .elementwise import _mask, _slope, _steep, _times_steep, cos, log, sqrt, where

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)

#: one example per op keeps the table small; the registry covers scalars and broadcasting generically
_UNARY = [Example(((2, 3),))]
_BINARY = [Example(((3, 1), (1, 4)))]
_BINARY_SCALAR = _BINARY + [Example(((), (3,)))]  # a scalar against an array, for a few ops


def _unary(name, forward, deriv, symbol, doc, domain="real", **entry):
    entry.setdefault("examples", _UNARY)
    return elementwise(name, forward, d={"x": deriv}, jax=f"jax.numpy.{name}", symbol=symbol,
                       doc=doc, domain=domain, **entry)


# ---- inverse trigonometric and hyperbolic ------------------------------------------
def _unary_edge(name, forward, slope, edges, sign, symbol, doc, safe=0.5, **entry):
    """A one-input op whose slope ``slope(x)`` is ``sign``·inf at the points ``edges(x)``
    (arcsin at ±1): no division by 0 there (``safe`` stands in for x), and a zero cotangent
    or tangent gives 0 (as √x at 0)."""
    def parts(out, x):
        steep = edges(concrete(x))  # staged under tg.jit: the general path, computed at run time
        if not may_any(steep):
            return slope(x), steep
        return where(steep, sign * np.inf, slope(where(steep, safe, x))), steep
    return elementwise(name, forward, d={"x": _slope(parts)}, vjp={"x": _steep(parts)},
                       jvp={"x": _steep(parts)}, jax=f"jax.numpy.{name}", symbol=symbol, doc=doc,
                       examples=entry.pop("examples", _UNARY), **entry)


def _at_one(v):
    # ±1, where the slope is infinite (for a complex v, exactly ±1: not the whole unit circle)
    if np.iscomplexobj(v):
        return np.equal(v, 1) | np.equal(v, -1)
    return np.equal(np.abs(v), 1)


def _arcsinh_d(out, x):
    if np.iscomplexobj(concrete(x)):  # (hypot is |·| of real numbers)
        return 1 / sqrt(x * x + 1)
    return 1 / hypot(x, 1.0)


arcsin = _unary_edge("arcsin", np.arcsin, lambda x: 1 / sqrt(1 - x * x), _at_one, 1.0,
                     "diag(1/√(1 − x²)), +inf at ±1", "inverse sine", domain="unit",
                     aliases=("asin",))
arccos = _unary_edge("arccos", np.arccos, lambda x: -1 / sqrt(1 - x * x), _at_one, -1.0,
                     "diag(−1/√(1 − x²)), −inf at ±1", "inverse cosine", domain="unit",
                     aliases=("acos",))
arcsinh = _unary("arcsinh", np.arcsinh, _arcsinh_d, "diag(1/√(x² + 1))",
                 "inverse hyperbolic sine", aliases=("asinh",))
arccosh = _unary_edge("arccosh", np.arccosh, lambda x: 1 / (sqrt(x - 1) * sqrt(x + 1)),
                      lambda v: np.equal(v, 1), 1.0, "diag(1/√(x² − 1)), +inf at 1",
                      "inverse hyperbolic cosine (x ≥ 1)", safe=2.0, domain="above_one",
                      aliases=("acosh",))
arctanh = _unary_edge("arctanh", np.arctanh, lambda x: 1 / ((1 - x) * (1 + x)), _at_one, 1.0,
                      "diag(1/(1 − x²)), +inf at ±1", "inverse hyperbolic tangent", domain="unit",
                      aliases=("atanh",))


def _arctan2_d(wrt):
    def d(out, y, x):
        # (x/r)/r with r = hypot(x, y): x² + y² would overflow (slope 0) or underflow (slope
        # inf, NaN, or few digits) far from the origin. At the origin or an infinite input
        # NaN (as JAX), without NumPy's 0/0 or inf/inf warning
        r = hypot(x, y)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            return (x / r) / r if wrt == "y" else -(y / r) / r
    return d


arctan2 = elementwise(
    "arctan2", np.arctan2, d={"y": _arctan2_d("y"), "x": _arctan2_d("x")}, aliases=("atan2",),
    jax="jax.numpy.arctan2", symbol="diag(x/(x² + y²)), diag(−y/(x² + y²))",
    domain=("nonzero", "real"), examples=_BINARY_SCALAR,
    doc="arctan2(y, x): the angle of the point (x, y), in (−π, π]")


def _sign(v, like):
    """np.sign(v), in ``like``'s dtype for a boolean ``v`` (a constant; np.sign has no boolean loop)."""
    if dtype_of(v) != np.bool_:
        return np.sign(v)
    one = dtype_of(like).type(1)
    return np.where(v, one, one - one)


def _hypot_d(wrt):
    def d(out, x, y):
        # a/r for a = x (or y), b the other, r = hypot(a, b), written as sign(a)/√(1 + (b/a)²)
        # where |a| ≥ |b| and as (a/b)·sign(b)/√(1 + (a/b)²) elsewhere: the same value, whose
        # own derivative b²/r³ then has no cancellation (a/r differentiated gives 1/r − a²/r³,
        # all digits lost far from the origin). 0 at the origin (r = 0), where no derivative
        # exists: as for norm, the 0 is selected so that its own derivative there is 0 too (as
        # abs's). An infinite a gives NaN (inf/inf, as JAX), quietly; a finite one 0.
        a, b = (x, y) if wrt == "x" else (y, x)
        av, bv, rv = concrete(a), concrete(b), concrete(out)  # (staged under tg.jit)
        origin = np.equal(rv, 0)
        big = np.abs(av) >= np.abs(bv)
        with np.errstate(invalid="ignore", divide="ignore"):
            t = where(big, b, a) / where(origin, 1.0, where(big, a, b))
            slope = where(big, _sign(av, rv), t * _sign(bv, rv)) / sqrt(1.0 + t * t)
            if may_any(origin):
                slope = where(origin, 0.0, slope)
            infinite = np.isinf(av)  # (a finite a over an infinite r: slope 0)
            if may_any(infinite):
                slope = where(infinite, np.nan, slope)
        return slope
    return d


hypot = elementwise(
    "hypot", np.hypot, d={"x": _hypot_d("x"), "y": _hypot_d("y")}, jax="jax.numpy.hypot",
    symbol="diag(x/r), diag(y/r) (0 at the origin)", domain=("nonzero", "nonzero"),
    examples=_BINARY, doc="√(x² + y²), without overflow")

# ---- other bases ---------------------------------------------------------------------
log2 = _unary("log2", np.log2, lambda out, x: 1 / (x * _LN2), "diag(1/(x ln 2))",
              "base-2 logarithm", domain="positive")
log10 = _unary("log10", np.log10, lambda out, x: 1 / (x * _LN10), "diag(1/(x ln 10))",
               "base-10 logarithm", domain="positive")
exp2 = _unary("exp2", np.exp2, lambda out, x: out * _LN2, "diag(2ˣ ln 2)", "2ˣ")


def _share(scale: float):
    """a's share of logaddexp(a, b), base^(a − out) = σ(scale·(a − b)) (scale = ln base): the
    sigmoid form keeps its digits where base^(a − out) loses them as |out| grows (0.49999976
    for a = b = 1e10, 1 for 1e17); on an infinite out, the shares of a tie (a NaN input gives
    NaN, as JAX)."""
    def d(out, a, b):
        ov = concrete(out)
        inf = np.isinf(ov)
        if not may_any(inf):  # (staged under tg.jit: the general path, right for any value)
            return sigmoid((a - b) * scale) if scale != 1 else sigmoid(a - b)
        av, bv = concrete(a), concrete(b)
        tie = _mask(np.greater(av, bv), out) + 0.5 * _mask(np.equal(av, bv), out)
        return where(inf, tie, sigmoid((where(inf, 0, a) - where(inf, 0, b)) * scale))
    return d


def _shares(scale: float) -> dict:
    """The derivatives of logaddexp-like ops: each input's share, base^(input − out)."""
    share = _share(scale)
    return {"x": lambda out, x, y: share(out, x, y), "y": lambda out, x, y: share(out, y, x)}


def _wrap_imag(z: np.ndarray, half: float) -> np.ndarray:
    """``z`` with its imaginary part taken into [−half, half) (the principal branch of a
    logarithm, as JAX wraps it)."""
    im = np.fmod(np.imag(z) + half, 2 * half)
    out = np.empty(np.shape(z), z.dtype)
    out.real = np.real(z)
    out.imag = np.where(im < 0, im + 2 * half, im) - half
    return out if out.ndim else out[()]  # (a NumPy scalar for 0-d inputs, as the ufunc)


def _log_add(real: Callable, power: Callable, scale: float) -> Callable:
    """The forward of logaddexp (base e) or logaddexp2 (base 2): NumPy's ufunc for real
    inputs; for complex ones the larger input (lexicographically, as NumPy's maximum) plus
    log(1 + base^(other − larger)), as JAX computes it."""
    def forward(a, b):
        try:
            return real(a, b)
        except TypeError:  # (NumPy's ufunc has no complex loop)
            if not (np.iscomplexobj(a) or np.iscomplexobj(b)):
                raise
        dt = np.result_type(a, b)  # (a Python number is weak, as in NumPy's promotion)
        a, b = np.asarray(a, dt), np.asarray(b, dt)
        with np.errstate(invalid="ignore", over="ignore"):  # (infinities give NaN, as in JAX)
            top = np.maximum(a, b)
            out = top + np.log1p(power(a + b - 2 * top)) / scale
        return _wrap_imag(out, math.pi / scale)
    return forward


logaddexp = elementwise(
    "logaddexp", _log_add(np.logaddexp, np.exp, 1.0), d=_shares(1.0),
    jax="jax.numpy.logaddexp", symbol="diag(eˣ⁻ᵒᵘᵗ), diag(eʸ⁻ᵒᵘᵗ)", examples=_BINARY,
    doc="log(eˣ + eʸ), without overflow (both −inf: each input gets ½)")


logaddexp2 = elementwise(
    "logaddexp2", _log_add(np.logaddexp2, np.exp2, _LN2), d=_shares(_LN2),
    jax="jax.numpy.logaddexp2", symbol="diag(2ˣ⁻ᵒᵘᵗ), diag(2ʸ⁻ᵒᵘᵗ)", examples=_BINARY,
    doc="log₂(2ˣ + 2ʸ), without overflow (both −inf: each input gets ½)")

# ---- powers ----------------------------------------------------------------------------
reciprocal = _unary("reciprocal", np.reciprocal, lambda out, x: -(out * out), "diag(−1/x²)",
                    "1/x", domain="nonzero")


def _cbrt_parts(out):
    steep = np.equal(concrete(out), 0)
    o = where(steep, 1.0, out) if may_any(steep) else out
    return 1 / (3 * o * o), steep


def _cbrt_rule(g, out, x):
    slope, steep = _cbrt_parts(out)
    return _times_steep(g, slope, steep, (x,))


def _cbrt_deriv(out, x):
    slope, steep = _cbrt_parts(out)
    return where(steep, np.inf, slope) if steep.any() else slope


cbrt = _unary("cbrt", np.cbrt, _cbrt_deriv, "diag(1/(3 ∛x²)) (a zero g gives 0 at x = 0)",
              "cube root (real, also for x < 0)", domain="nonzero",
              vjp={"x": _cbrt_rule}, jvp={"x": _cbrt_rule})

# ---- sinc ------------------------------------------------------------------------------
_SINC_SMALL = 1e-2


def _sinc_deriv(out, x):
    # (cos πx − sinc x)/x; near 0 its Taylor series Σₖ (−1)ᵏ π²ᵏ 2k x²ᵏ⁻¹/(2k+1)!
    # (exact to rounding for |x| < 0.01, and differentiable again at 0 itself)
    xv = concrete(x)
    small = np.abs(xv) < _SINC_SMALL
    if not may_any(small):  # (a staged mask, under tg.jit, takes the general path)
        return (cos(math.pi * x) - out) / x
    # the series only where x is small (0 elsewhere): x⁹ of a large x would overflow, and the
    # branch not taken would then leak 0·inf into the next derivative
    xs = x if not is_staged(small) and small.all() else where(small, x, 0.0)
    x2 = xs * xs
    series = 0.0
    for k in range(4, 0, -1):  # Horner in x²
        series = series * x2 + ((-1) ** k) * math.pi ** (2 * k) * (2 * k) / math.factorial(2 * k + 1)
    series = series * xs
    if not is_staged(small) and small.all():
        return series
    safe = where(small, 1.0, x)
    return where(small, series, (cos(math.pi * safe) - out) / safe)


sinc = _unary("sinc", np.sinc, _sinc_deriv, "diag((cos πx − sinc x)/x) (0 at x = 0)",
              "the normalized sinc sin(πx)/(πx), 1 at 0",
              examples=[Example(((2, 3),)), Example((np.array([0.0, 0.004, -0.3]),), diff=(0,))])

# ---- angles ------------------------------------------------------------------------------
deg2rad = _unary("deg2rad", np.deg2rad, lambda out, x: math.pi / 180, "(π/180) I",
                 "degrees to radians", aliases=("radians",))
rad2deg = _unary("rad2deg", np.rad2deg, lambda out, x: 180 / math.pi, "(180/π) I",
                 "radians to degrees", aliases=("degrees",))

# ---- magnitude and extrema --------------------------------------------------------------
fabs = _unary("fabs", np.fabs, lambda out, x: _mask(np.sign(concrete(x)), out),
              "diag(sign(x)), 0 at x = 0", "|x| for real x (subgradient 0 at 0)", domain="nonzero")


def _f_share(greater):
    """d fmax(a, b)/da: 1 where a wins or b is NaN (and a is not), ½ on a tie."""
    def d(out, a, b):
        av, bv = concrete(a), concrete(b)
        wins = greater(av, bv) | (np.isnan(bv) & ~np.isnan(av))
        return _mask(wins, out) + 0.5 * _mask(np.equal(av, bv), out)
    return d


fmax = elementwise(
    "fmax", np.fmax,
    d={"x": _f_share(np.greater), "y": lambda out, x, y: _f_share(np.greater)(out, y, x)},
    jax="jax.numpy.fmax", symbol="diag([x>y] + ½[x=y]) (NaN loses)", domain=("distinct", "distinct"),
    examples=_BINARY, doc="elementwise max ignoring NaN (ties share ½ each; a NaN input gets 0)",
    complex=True)
fmin = elementwise(
    "fmin", np.fmin,
    d={"x": _f_share(np.less), "y": lambda out, x, y: _f_share(np.less)(out, y, x)},
    jax="jax.numpy.fmin", symbol="diag([x<y] + ½[x=y]) (NaN loses)", domain=("distinct", "distinct"),
    examples=_BINARY, doc="elementwise min ignoring NaN (ties share ½ each; a NaN input gets 0)",
    complex=True)


# ---- remainders ---------------------------------------------------------------------------
def _quotient(out, x, y):
    """−(the integer quotient) NumPy used: d(x − q·y)/dy, constant between the jumps."""
    xv, yv, ov = concrete(x), concrete(y), concrete(out)
    with np.errstate(divide="ignore", invalid="ignore"):  # y = 0 gives NaN, as the value does
        q = np.rint((xv - ov) / yv)
        # remainder(x, ∓inf) for a finite x of the other sign is ∓inf (Python's %): there
        # (x − out)/y is NaN, but NumPy's quotient is floor(x/y) = −1
        q = np.where(np.isinf(ov) & np.isfinite(xv), np.floor_divide(xv, yv), q)
    return _mask(-q, out)  # (a staged q stays recorded: tg.jit replays it)


remainder = elementwise(
    "remainder", np.remainder, d={"x": 1, "y": _quotient}, jax="jax.numpy.remainder",
    symbol="I, diag(−⌊x/y⌋)", domain=("real", "nonzero"), examples=_BINARY_SCALAR, aliases=("mod",),
    methods=("__mod__", "__rmod__"),
    doc="x mod y with the sign of y (Python's %); d/dx = 1, d/dy = −⌊x/y⌋ between the jumps")
fmod = elementwise(
    "fmod", np.fmod, d={"x": 1, "y": _quotient}, jax="jax.numpy.fmod",
    symbol="I, diag(−trunc(x/y))", domain=("real", "nonzero"), examples=_BINARY,
    doc="C's remainder, with the sign of x; d/dx = 1, d/dy = −trunc(x/y) between the jumps")


# ---- non-finite values ---------------------------------------------------------------------
def _nan_to_num_signature(x: ArrayLike, copy: bool = True, nan: float = 0.0,
                          posinf: float | None = None, neginf: float | None = None):
    """x with NaN → ``nan``, +inf → ``posinf`` and −inf → ``neginf`` (default: the dtype's
    largest finite values). The replaced entries get a zero gradient. ``copy=False`` on a
    NumPy array also replaces them in that array, as NumPy does (a Tensor is never changed)."""
    if not copy and type(x) is np.ndarray:
        np.nan_to_num(x, copy=False, nan=nan, posinf=posinf, neginf=neginf)
    if any(v is not None and np.ndim(concrete(v)) > 0 for v in (nan, posinf, neginf)):
        # arrays of replacement values (NumPy broadcasts them): put those in first (each
        # replaced entry is a constant, with a zero gradient); the op replaces the rest
        xv, dt = concrete(x), np.result_type(concrete(x))
        for test, v in ((np.isnan, nan), (np.isposinf, posinf), (np.isneginf, neginf)):
            if v is not None and np.ndim(concrete(v)) > 0:
                x = where(test(xv), np.asarray(concrete(v), dtype=dt), x)
        nan, posinf, neginf = (v if v is None or np.ndim(concrete(v)) == 0 else None
                               for v in (nan, posinf, neginf))
        nan = 0.0 if nan is None else nan
    return (x,), (float(nan), None if posinf is None else float(posinf),
                  None if neginf is None else float(neginf))


def _at_finite(x, v):
    xv = concrete(x)
    if dtype_of(xv).kind == "c":
        # NumPy replaces the non-finite real and imaginary parts each on its own: a real-linear
        # map, each part of v kept where that part of x is finite (its own transpose)
        return (where(np.isfinite(np.real(xv)), real_part(v), 0.0)
                + 1j * where(np.isfinite(np.imag(xv)), imag_part(v), 0.0))
    return where(np.isfinite(xv), v, np.zeros((), np.result_type(concrete(v))))


nan_to_num = elementwise(
    "nan_to_num", lambda x, nan, posinf, neginf: np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf),
    d={"x": lambda out, x, nan, posinf, neginf: _mask(np.isfinite(concrete(x)), out)},
    # (selected, not multiplied by the 0/1 slope: a NaN tangent or cotangent of a replaced
    # entry gives 0 there, as JAX's where-based nan_to_num)
    vjp={"x": lambda g, out, x, nan, posinf, neginf: _at_finite(x, g)},
    jvp={"x": lambda t, out, x, nan, posinf, neginf: _at_finite(x, t)},
    signature=_nan_to_num_signature, params=("nan", "posinf", "neginf"),
    jax="jax.numpy.nan_to_num", symbol="diag([x finite])", doc="replace NaN and ±inf by numbers",
    complex=True,
    examples=[Example(((2, 3),), {"nan": 0.0, "posinf": None, "neginf": None}),
              Example((np.array([1.5, np.nan, np.inf, -np.inf, -2.0]),),
                      {"nan": 1.0, "posinf": 9.0, "neginf": -9.0}, diff=(0,))])

# ---- real and imaginary parts (identities and zeros on real arrays) --------------------------
def _is_complex(x) -> bool:
    return np.result_type(concrete(x)).kind == "c" if not isinstance(x, (list, tuple)) \
        else np.iscomplexobj(concrete(x))


@function
def positive(x: ArrayLike) -> Array:
    """+x (the same values; the gradient passes through). Booleans stay booleans, as in JAX
    (NumPy's ufunc has no boolean loop)."""
    if isinstance(x, Tensor):
        return +x
    if is_staged(x):  # (tg.jit)
        return x if x.dtype == bool else +x
    a = np.asanyarray(x)
    return a.copy()[()] if a.dtype == bool else np.positive(a)


@function(aliases=("conj",), methods=("conj", "conjugate"))
def conjugate(x: ArrayLike) -> Array:
    """The complex conjugate (x itself for a real array)."""
    if _is_complex(x):
        return conj_part(x)
    return +x if isinstance(x, Tensor) else np.conjugate(x)  # NumPy's loops (bool -> int8)


@function(methods={"real": property(lambda t: real(t), doc="The real part.")})
def real(x: ArrayLike) -> Array:
    """The real part (x itself for a real array)."""
    if _is_complex(x):
        return real_part(x)
    if isinstance(x, Tensor):
        return +x
    if is_staged(x):  # an array tg.jit traces: a recorded copy
        return x.copy()
    v = np.asarray(x)  # a copy of the values (NumPy's positive has no boolean loop)
    return v.copy() if v.dtype == bool else np.positive(v)


@function(methods={"imag": property(lambda t: imag(t), doc="The imaginary part.")})
def imag(x: ArrayLike) -> Array:
    """The imaginary part (zeros, a constant, for a real array)."""
    if _is_complex(x):
        return imag_part(x)
    v = as_array(concrete(x))  # a list or a Python number too (result_type reads a list as a
    return np.zeros(v.shape, dtype=v.dtype)  # dtype); zeros, traced or not


@function(methods=("copy",))
def copy(a: ArrayLike, order: str = "K", subok: bool = False) -> Array:
    """A copy of ``a``: arrays are copied; a Tensor of the imperative tape or a constant one
    (``tg.tensor(a)``), which both take in-place updates, gives a new Tensor (the first
    recorded); a Tensor a transform traces gives another Tensor object of the same value (one
    traced for PyTorch's API takes in-place updates, which must not reach the original)."""
    if isinstance(a, Tensor):
        # ``t += v``, ``t[i] = v`` (or an optimizer step inside no_grad) change an imperative
        # or constant tensor object in place: its copy must be another object, an imperative
        # one recorded (gradient flows) as an identity
        if a._trace is None:
            return a.__deepcopy__({})
        # (the op, not the method: t.reshape(...) is a view in PyTorch's sense, whose
        # in-place updates reach t; a copy's must not)
        return _reshape(a, a.shape) if a._trace is IMPERATIVE else a._another()
    return np.copy(a, order=order)


__all__ = ["arcsin", "arccos", "arcsinh", "arccosh", "arctanh", "arctan2", "hypot", "log2", "log10",
           "exp2", "logaddexp", "logaddexp2", "reciprocal", "cbrt", "sinc", "deg2rad", "rad2deg",
           "fabs", "fmax", "fmin", "remainder", "fmod", "nan_to_num"]
_ = (log, Array)
