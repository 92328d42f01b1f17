"""Orthogonal polynomials and spherical Bessel functions, as in ``scipy.special``, computed
with SciPy and differentiable in their argument to any order.

* ``eval_legendre(n, x)``, ``eval_chebyt``, ``eval_chebyu``, ``eval_hermite`` (physicists'
  H_n), ``eval_hermitenorm`` (probabilists' He_n), ``eval_laguerre`` and the shifted
  ``eval_sh_legendre``, ``eval_sh_chebyt``, ``eval_sh_chebyu`` (the polynomial at 2x − 1).
  Each derivative is a polynomial of a neighbouring family, written with registered ops so
  that it differentiates again, with no division by 1 − x² (finite at x = ±1):

  - ``P_n′ = C_(n−1)^(3/2)``, ``T_n′ = n·U_(n−1)``, ``U_n′ = 2·C_(n−1)^(2)``, where the
    Gegenbauer polynomials have ``(C_n^(α))′ = 2α·C_(n−1)^(α+1)``;
  - ``H_n′ = 2n·H_(n−1)``, ``He_n′ = n·He_(n−1)``;
  - ``L_n′ = −L_(n−1)^(1)``, where the generalized Laguerre polynomials have
    ``(L_n^(α))′ = −L_(n−1)^(α+1)``;
  - the shifted ones: 2 times the derivative of the plain one at 2x − 1.

  The Gegenbauer and generalized Laguerre polynomials of these rules are registered ops of
  their own (``eval_gegenbauer``, ``eval_genlaguerre``: internal, tested like the others).

  ``n`` is a constant (an integer, or an array of them broadcast against ``x`` as in SciPy;
  no derivative). An ``n`` holding integers is evaluated as SciPy's polynomial of that
  degree, whatever its dtype (SciPy's own loop for float n agrees to rounding, but gives
  spurious inf/NaN at x = −1 for negative n). SciPy's values for negative n are kept:
  ``P_(−n−1) = P_n``, ``T_(−n) = T_n``, ``U_(−n) = −U_(n−2)`` (``U_(−1) = 0``), ``L_(−n) = 0``,
  and so are its derivatives. A non-integer n gives SciPy's hypergeometric value for every
  family except the Hermite ones (which refuse it, as SciPy does, and refuse n < 0, where
  SciPy gives NaN); the rules above hold for real degrees too. A non-integer n beyond the
  interval where SciPy's value is finite (x = −1 for Legendre) has SciPy's inf or NaN slope.

* ``spherical_jn(n, z, derivative=False)``, ``spherical_yn``, ``spherical_in`` and
  ``spherical_kn`` for real z and integer n ≥ 0. ``derivative=True`` gives SciPy's
  derivative (its recurrence ``f_n′ = f_(n−1) − (n + 1)/z·f_n``, and its values at z = 0:
  1/3 for j₁′ and i₁′, +inf for y₀′, NaN for y_n′ with n ≥ 1, −inf for k_n′), which is
  also the slope of the function. Later derivatives use the recurrences without 1/z
  (DLMF 10.51.1, 10.51.5), exact at z = 0 for j and i:
  ``(2n + 1)·f_n″ = n·f_(n−1)′ − (n + 1)·f_(n+1)′`` (j, y), ``n·i_(n−1)′ + (n + 1)·i_(n+1)′``
  (i), ``−(n·k_(n−1)′ + (n + 1)·k_(n+1)′)`` (k). At z = 0 the slope of y_n′ is −inf and of
  k_n′ +inf (their limits). As everywhere in tensorgrad, a zero cotangent or tangent gives 0
  at an infinite slope, and differentiating through one gives NaN there.

Results are float64, except for float16 and float32 input, which keeps its dtype (SciPy
computes in float64 here). JAX has none of these functions: the test table's references
are the three-term recurrences written in ``jax.numpy`` (integer n only).
"""
from __future__ import annotations

import numpy as np
from scipy import special

from ..registry import Example, elementwise, function
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import concrete, dtype_of, may_any, on_a_trace, shape_of
from .elementwise import _slope, _steep, where
from .special_fns import _guarded


# ---- orders and dtypes ----------------------------------------------------------------------
def _real_input(name: str, what: str, x) -> None:
    dt = np.dtype(type(x)) if isinstance(x, (bool, int, float, complex)) else np.dtype(dtype_of(x))
    if dt.kind not in "biuf":
        raise TypeError(f"{name}: {what} must be real, got dtype {dt} "
                        f"(shape {tuple(np.shape(concrete(x)))})")


def _orders(name: str, n, *, nonnegative: bool, integer: bool) -> np.ndarray:
    """``n`` as an array of orders (a constant), checked: finite, and integers ≥ 0 where the
    function needs them. Integer-valued entries are evaluated as integers, whatever n's dtype."""
    if on_a_trace(n):
        raise TypeError(f"{name}: n must be a constant (an integer or an array of them: the order "
                        f"picks the function and has no derivative), not a traced value")
    a = np.asarray(concrete(n))
    if a.dtype.kind not in "iuf":
        raise TypeError(f"{name}: n must be integers, got dtype {a.dtype} (shape {a.shape})")
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)):
            raise ValueError(f"{name}: n must be finite, got {a.tolist()!r} (dtype {a.dtype})")
        if integer and np.any(a != np.round(a)):
            raise ValueError(f"{name}: n must hold integers, got {a.tolist()!r} (dtype {a.dtype}, "
                             f"shape {a.shape})")
    if nonnegative and np.any(a < 0):
        raise ValueError(f"{name}: n must be non-negative (SciPy gives NaN for n < 0), got "
                         f"{a.tolist()!r} (dtype {a.dtype}, shape {a.shape})")
    return a


def _order(v):
    """One order as a Python int (integer-valued) or float: the op's parameter."""
    f = float(v)
    return int(f) if f == round(f) else f


def _each_order(value_at, orders: np.ndarray, x, dtype_like) -> Array:
    """``value_at(k, x)`` for each order k present in ``orders``, where ``orders`` has it,
    broadcast against ``x`` (an array of orders is a constant: no gradient)."""
    if orders.ndim == 0:
        return value_at(_order(orders), x)
    if orders.size == 0:
        shape = np.broadcast_shapes(orders.shape, tuple(shape_of(x)))
        return np.zeros(shape, _result_dtype(dtype_like))
    out = None
    for k in np.unique(orders):
        # (each order sees x only where it is asked for, 1 elsewhere: an entry whose value or
        # slope overflows at one order gives no inf · 0 = NaN to the others' gradients)
        mask = orders == k
        term = where(mask, value_at(_order(k), where(mask, x, 1.0)), 0.0)
        out = term if out is None else out + term
    return out


def _result_dtype(x) -> np.dtype:
    """float16 and float32 stay, every other float and integers (and bools) give float64."""
    dt = np.dtype(type(x)) if isinstance(x, (bool, int, float)) else np.dtype(dtype_of(x))
    return dt if dt.kind == "f" and dt.itemsize < 8 else np.dtype(np.float64)


def _scipy_forward(name: str, compute):
    """A forward ``(x, *params) -> compute(x64, *params)``, in x's dtype (see _result_dtype)."""
    def forward(x, *params):
        dt = _result_dtype(x)
        out = compute(np.asarray(x, dtype=np.float64), *params)
        return out.astype(dt, copy=False) if out.dtype != dt else out
    forward.__name__ = forward.__qualname__ = name
    return forward


def _zeros(out):
    return np.zeros(tuple(shape_of(out)), dtype_of(out))


# ---- the JAX references: three-term recurrences -------------------------------------------------
def _recurrence(n: int, f0, f1, step):
    """f_n from f_0, f_1 and ``step(k, f_(k−1), f_k) = f_(k+1)``."""
    if n == 0:
        return f0
    prev, cur = f0, f1
    for k in range(1, n):
        prev, cur = cur, step(k, prev, cur)
    return cur


def _integer_only(name: str, n) -> int:
    if n != round(n):
        raise NotImplementedError(f"{name}: the JAX counterpart covers integer n only, got {n!r}")
    return int(n)


def _ref_legendre(jnp, x, n):
    n = _integer_only("eval_legendre", n)
    n = n if n >= 0 else -n - 1  # P_(−n−1) = P_n
    return _recurrence(n, jnp.ones_like(x), x, lambda k, a, b: ((2 * k + 1) * x * b - k * a) / (k + 1))


def _ref_chebyt(jnp, x, n):
    n = abs(_integer_only("eval_chebyt", n))
    return _recurrence(n, jnp.ones_like(x), x, lambda k, a, b: 2 * x * b - a)


def _ref_chebyu(jnp, x, n):
    n = _integer_only("eval_chebyu", n)
    if n < 0:  # U_(−n) = −U_(n−2), U_(−1) = 0
        return jnp.zeros_like(x) if n == -1 else -_ref_chebyu(jnp, x, -n - 2)
    return _recurrence(n, jnp.ones_like(x), 2 * x, lambda k, a, b: 2 * x * b - a)


def _ref_hermite(jnp, x, n):
    return _recurrence(_integer_only("eval_hermite", n), jnp.ones_like(x), 2 * x,
                       lambda k, a, b: 2 * x * b - 2 * k * a)


def _ref_hermitenorm(jnp, x, n):
    return _recurrence(_integer_only("eval_hermitenorm", n), jnp.ones_like(x), x,
                       lambda k, a, b: x * b - k * a)


def _ref_gegenbauer(jnp, x, n, alpha):
    n = _integer_only("eval_gegenbauer", n)
    if n < 0:
        return jnp.zeros_like(x)
    return _recurrence(n, jnp.ones_like(x), 2 * alpha * x,
                       lambda k, a, b: (2 * x * (k + alpha) * b - (k + 2 * alpha - 1) * a) / (k + 1))


def _ref_genlaguerre(jnp, x, n, alpha):
    n = _integer_only("eval_genlaguerre", n)
    if n < 0:
        return jnp.zeros_like(x)
    return _recurrence(n, jnp.ones_like(x), 1 + alpha - x,
                       lambda k, a, b: ((2 * k + 1 + alpha - x) * b - (k + alpha) * a) / (k + 1))


def _ref_laguerre(jnp, x, n):
    return _ref_genlaguerre(jnp, x, n, 0.0)


def _shifted_ref(ref):
    return lambda jnp, x, n: ref(jnp, 2 * x - 1, n)


# ---- Gegenbauer and generalized Laguerre: the derivatives' families -----------------------------
def _neighbour_forward(sfn):
    def compute(x, n, alpha):
        if isinstance(n, int) and n < 0:  # the derivative of a constant (SciPy gives 0 too)
            return np.zeros(np.shape(x))
        return np.asarray(sfn(n, alpha, x), dtype=np.float64)
    return compute


def _neighbour_signature(name):
    def signature(n, alpha: float, x: ArrayLike):
        _real_input(name, "x", x)
        return (x,), (_order(n), float(alpha))
    signature.__doc__ = f"SciPy's {name}(n, alpha, x) for one order n (used by the derivative rules)"
    return signature


def _gegenbauer_d(out, x, n, alpha):
    if isinstance(n, int) and n <= 0:
        return _zeros(out)
    return (2 * alpha) * _gegenbauer(n - 1, alpha + 1, x)


def _genlaguerre_d(out, x, n, alpha):
    if isinstance(n, int) and n <= 0:
        return _zeros(out)
    return -_genlaguerre(n - 1, alpha + 1, x)


_gegenbauer = elementwise(
    "eval_gegenbauer", _scipy_forward("eval_gegenbauer", _neighbour_forward(special.eval_gegenbauer)),
    d={"x": _gegenbauer_d}, signature=_neighbour_signature("eval_gegenbauer"),
    params=("n", "alpha"), call=lambda x, n, alpha: _gegenbauer(n, alpha, x), public=False,
    jax=_ref_gegenbauer, numpy=(), domain="unit", symbol="diag(2α·C_(n−1)^(α+1)(x))",
    doc="the Gegenbauer polynomial C_n^(α)(x), one order n (0 for integer n < 0): inside "
        "the derivative rules of eval_legendre, eval_chebyt and eval_chebyu",
    examples=[Example(((2, 3),), {"n": 3, "alpha": 1.5}), Example(((4,),), {"n": 4, "alpha": 2.0})])

_genlaguerre = elementwise(
    "eval_genlaguerre", _scipy_forward("eval_genlaguerre", _neighbour_forward(special.eval_genlaguerre)),
    d={"x": _genlaguerre_d}, signature=_neighbour_signature("eval_genlaguerre"),
    params=("n", "alpha"), call=lambda x, n, alpha: _genlaguerre(n, alpha, x), public=False,
    jax=_ref_genlaguerre, numpy=(), domain="positive", symbol="diag(−L_(n−1)^(α+1)(x))",
    doc="the generalized Laguerre polynomial L_n^(α)(x), one order n (0 for integer n < 0): "
        "inside the derivative rule of eval_laguerre",
    examples=[Example(((2, 3),), {"n": 3, "alpha": 1.0}), Example(((4,),), {"n": 2, "alpha": 2.0})])


# ---- the slopes of the nine families (n: one order, an int or a float) --------------------------
def _legendre_slope(out, x, n):
    if isinstance(n, int):
        n = n if n >= 0 else -n - 1  # P_(−n−1) = P_n
        if n == 0:
            return _zeros(out)
    return _gegenbauer(n - 1, 1.5, x)


def _chebyt_slope(out, x, n):
    if isinstance(n, int):
        n = abs(n)  # T_(−n) = T_n
        if n == 0:
            return _zeros(out)
    return n * _gegenbauer(n - 1, 1.0, x)


def _chebyu_slope(out, x, n):
    if isinstance(n, int):
        if n < 0:  # U_(−n) = −U_(n−2), U_(−1) = 0
            return -_chebyu_slope(out, x, -n - 2) if n < -2 else _zeros(out)
        if n == 0:
            return _zeros(out)
    return 2 * _gegenbauer(n - 1, 2.0, x)


def _hermite_slope(out, x, n):
    return _zeros(out) if n == 0 else (2 * n) * _hermite_op(n - 1, x)


def _hermitenorm_slope(out, x, n):
    return _zeros(out) if n == 0 else n * _hermitenorm_op(n - 1, x)


def _laguerre_slope(out, x, n):
    if isinstance(n, int) and n <= 0:  # L_n = 0 for n < 0 (SciPy's), L_0 = 1
        return _zeros(out)
    return -_genlaguerre(n - 1, 1.0, x)


def _shifted(slope):
    """The slope of p(2x − 1): 2·p′(2x − 1)."""
    return lambda out, x, n: 2 * slope(out, 2 * x - 1, n)


_SHIFTED_DOMAIN = "open_unit"


def _orthopoly(name, slope, ref, symbol, doc, examples, domain="unit", nonnegative=False,
               integer=False):
    """Register ``name`` (one order n, a parameter) and return the public ``name(n, x)``."""
    sfn = getattr(special, name)

    def compute(x, n):
        return np.asarray(sfn(n, x), dtype=np.float64)

    def signature(n, x: ArrayLike):
        _real_input(name, "x", x)
        _orders(name, n, nonnegative=nonnegative, integer=integer)
        if np.ndim(concrete(n)):
            raise ValueError(f"{name}: this form takes one order; call tg.special.{name}(n, x)")
        return (x,), (_order(concrete(n)),)
    signature.__doc__ = doc

    op_fn = elementwise(
        name, _scipy_forward(name, compute), d={"x": slope}, signature=signature, params=("n",),
        call=lambda x, n: public(n, x), jax=ref, numpy=(), domain=domain, symbol=symbol, doc=doc,
        examples=examples)

    def public(n: ArrayLike, x: ArrayLike) -> Array:
        _real_input(name, "x", x)
        orders = _orders(name, n, nonnegative=nonnegative, integer=integer)
        return _each_order(op_fn, orders, x, x)
    public.__name__ = public.__qualname__ = name
    public.__doc__ = (f"{doc}; ``n`` an integer or an array of them (a constant, no gradient), "
                      f"broadcast against ``x`` as in SciPy. Differentiable in x to any order.")
    return function(public, numpy=f"scipy.special.{name}"), op_fn


def _ex(*orders, shape=(2, 3)):
    return [Example((shape if i == 0 else (3,),), {"n": k}) for i, k in enumerate(orders)]


eval_legendre, _legendre_op = _orthopoly(
    "eval_legendre", _legendre_slope, _ref_legendre, "diag(C_(n−1)^(3/2)(x))",
    "the Legendre polynomial P_n(x)", _ex(3, 0, 6, -4))
eval_chebyt, _chebyt_op = _orthopoly(
    "eval_chebyt", _chebyt_slope, _ref_chebyt, "diag(n·U_(n−1)(x))",
    "the Chebyshev polynomial of the first kind T_n(x)", _ex(4, 1, -3))
eval_chebyu, _chebyu_op = _orthopoly(
    "eval_chebyu", _chebyu_slope, _ref_chebyu, "diag(2·C_(n−1)^(2)(x))",
    "the Chebyshev polynomial of the second kind U_n(x)", _ex(3, 5, -4))
eval_hermite, _hermite_op = _orthopoly(
    "eval_hermite", _hermite_slope, _ref_hermite, "diag(2n·H_(n−1)(x))",
    "the (physicists') Hermite polynomial H_n(x) (n ≥ 0)", _ex(3, 0, 5), domain="real",
    nonnegative=True, integer=True)
eval_hermitenorm, _hermitenorm_op = _orthopoly(
    "eval_hermitenorm", _hermitenorm_slope, _ref_hermitenorm, "diag(n·He_(n−1)(x))",
    "the probabilists' Hermite polynomial He_n(x) (n ≥ 0)", _ex(4, 1, 6), domain="real",
    nonnegative=True, integer=True)
eval_laguerre, _laguerre_op = _orthopoly(
    "eval_laguerre", _laguerre_slope, _ref_laguerre, "diag(−L_(n−1)^(1)(x))",
    "the Laguerre polynomial L_n(x) (0 for integer n < 0, as SciPy)", _ex(3, 5, -2),
    domain="positive")
eval_sh_legendre, _sh_legendre_op = _orthopoly(
    "eval_sh_legendre", _shifted(_legendre_slope), _shifted_ref(_ref_legendre),
    "diag(2·C_(n−1)^(3/2)(2x − 1))", "the shifted Legendre polynomial P_n(2x − 1)",
    _ex(3, 0, -3), domain=_SHIFTED_DOMAIN)
eval_sh_chebyt, _sh_chebyt_op = _orthopoly(
    "eval_sh_chebyt", _shifted(_chebyt_slope), _shifted_ref(_ref_chebyt),
    "diag(2n·U_(n−1)(2x − 1))", "the shifted Chebyshev polynomial of the first kind T_n(2x − 1)",
    _ex(4, 2), domain=_SHIFTED_DOMAIN)
eval_sh_chebyu, _sh_chebyu_op = _orthopoly(
    "eval_sh_chebyu", _shifted(_chebyu_slope), _shifted_ref(_ref_chebyu),
    "diag(4·C_(n−1)^(2)(2x − 1))", "the shifted Chebyshev polynomial of the second kind U_n(2x − 1)",
    _ex(3, -5), domain=_SHIFTED_DOMAIN)


# ---- spherical Bessel functions ------------------------------------------------------------------
#: for each kind: the sign of f_(n−1) in SciPy's f_n′ = ±f_(n−1) − (n + 1)/z·f_n, the signs
#: (overall, of f_(n+1)′) of (2n + 1)·f_n″ = ±(n·f_(n−1)′ ± (n + 1)·f_(n+1)′), and the limit
#: of f_n″ at z = 0 (None: finite there, the recurrence's value)
_KINDS = {"jn": (1.0, 1.0, -1.0, None), "yn": (1.0, 1.0, -1.0, -np.inf),
          "in": (1.0, 1.0, 1.0, None), "kn": (-1.0, -1.0, 1.0, np.inf)}


def _second_derivative(kind, op, z, n):
    """f_n″ from f_(n−1)′ and f_(n+1)′ (no division by z)."""
    _, sign, plus, _ = _KINDS[kind]
    up = op(n + 1, z, True) * ((n + 1) * plus)
    total = up if n == 0 else op(n - 1, z, True) * n + up
    return total * (sign / (2 * n + 1))


def _sph_parts(kind):
    def parts(out, z, n, derivative):
        op = _SPHERICAL_OPS[kind]
        if not derivative:  # SciPy's derivative, with its values at z = 0
            slope = op(n, z, True)
            return slope, np.isinf(concrete(slope))
        limit = _KINDS[kind][3]
        zero = np.equal(concrete(z), 0)
        if limit is None or not may_any(zero):
            return _second_derivative(kind, op, z, n), False
        fill = np.where(zero, limit, 0.0).astype(dtype_of(out))
        slope = _guarded(zero, fill, lambda v: _second_derivative(kind, op, v, n), z)
        return slope, np.broadcast_to(zero, tuple(shape_of(out)))
    return parts


def _sph_ref(kind):
    """f_n(z) (or SciPy's f_n′) by the upward recurrence from f_0 and f_1, in jax.numpy."""
    def ref(jnp, z, n, derivative=False):
        s, c = jnp.sin(z), jnp.cos(z)
        sh, ch = jnp.sinh(z), jnp.cosh(z)
        half_pi_e = (jnp.pi / 2) * jnp.exp(-z)
        f0, f1, step = {
            "jn": (s / z, s / z ** 2 - c / z, lambda k, a, b: (2 * k + 1) / z * b - a),
            "yn": (-c / z, -c / z ** 2 - s / z, lambda k, a, b: (2 * k + 1) / z * b - a),
            "in": (sh / z, (z * ch - sh) / z ** 2, lambda k, a, b: a - (2 * k + 1) / z * b),
            "kn": (half_pi_e / z, half_pi_e * (1 / z + 1 / z ** 2),
                   lambda k, a, b: a + (2 * k + 1) / z * b),
        }[kind]
        if not derivative:
            return _recurrence(n, f0, f1, step)
        lower = _KINDS[kind][0]
        if n == 0:
            return f1 if kind == "in" else -f1
        return lower * _recurrence(n - 1, f0, f1, step) - (n + 1) / z * _recurrence(n, f0, f1, step)
    return ref


def _spherical(kind, domain):
    name = f"spherical_{kind}"
    sfn = getattr(special, name)

    def compute(z, n, derivative):
        return np.asarray(sfn(n, z, derivative=derivative), dtype=np.float64)

    def check_derivative(derivative):
        if not isinstance(derivative, (bool, np.bool_)):
            raise TypeError(f"{name}: derivative must be True or False, got {derivative!r}")
        return bool(derivative)

    def signature(n, z: ArrayLike, derivative: bool = False):
        _real_input(name, "z", z)
        _orders(name, n, nonnegative=True, integer=True)
        if np.ndim(concrete(n)):
            raise ValueError(f"{name}: this form takes one order; call tg.special.{name}(n, z)")
        return (z,), (int(np.asarray(concrete(n))), check_derivative(derivative))

    parts = _sph_parts(kind)
    op_fn = elementwise(
        name, _scipy_forward(name, compute), d={"z": _slope(parts)}, vjp={"z": _steep(parts)},
        jvp={"z": _steep(parts)}, signature=signature, params=("n", "derivative"),
        call=lambda z, n, derivative=False: public(n, z, derivative), jax=_sph_ref(kind), numpy=(),
        domain=domain, symbol=f"diag({name}′(n, z))",
        doc=f"the spherical Bessel function {name}(n, z) for real z, or its derivative in z",
        examples=[Example(((2, 3),), {"n": 0}), Example(((3,),), {"n": 3}),
                  Example(((2, 2),), {"n": 2, "derivative": True}),
                  Example(((3,),), {"n": 0, "derivative": True})])

    def public(n: ArrayLike, z: ArrayLike, derivative: bool = False) -> Array:
        _real_input(name, "z", z)
        orders = _orders(name, n, nonnegative=True, integer=True)
        flag = check_derivative(derivative)
        return _each_order(lambda k, v: op_fn(k, v, flag), orders, z, z)
    public.__name__ = public.__qualname__ = name
    public.__doc__ = (f"SciPy's {name}(n, z, derivative=False) for real z (its derivative in z "
                      f"with derivative=True); ``n`` a non-negative integer or an array of them (a "
                      f"constant, no gradient) broadcast against z. Differentiable in z to any order.")
    _SPHERICAL_OPS[kind] = op_fn
    return function(public, numpy=())  # (SciPy's is a Python function, not a ufunc: no dispatch)


_SPHERICAL_OPS: dict = {}
# j and i by the upward recurrence lose digits for small z: the table's references stay on [1.2, 3]
spherical_jn = _spherical("jn", "above_one")
spherical_yn = _spherical("yn", "positive")
spherical_in = _spherical("in", "above_one")
spherical_kn = _spherical("kn", "positive")

__all__ = ["eval_legendre", "eval_chebyt", "eval_chebyu", "eval_hermite", "eval_hermitenorm",
           "eval_laguerre", "eval_sh_legendre", "eval_sh_chebyt", "eval_sh_chebyu",
           "spherical_jn", "spherical_yn", "spherical_in", "spherical_kn"]
