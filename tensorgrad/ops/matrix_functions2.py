"""More primary matrix functions: ``sqrtm``, ``logm``, ``fractional_matrix_power``,
``cosm``, ``sinm``, ``tanm``, ``coshm``, ``sinhm``, ``tanhm`` and ``signm``.

Each is ``f(A)`` for a real square matrix ``A`` (or a stack of them) and a scalar function
``f`` that is real on the real axis. Values come from SciPy (``signm``: a scaled Newton
iteration, see :func:`_sign_newton`); results must be real, so a matrix whose principal
root or logarithm is complex is refused with an error (tensorgrad is real-only).

The rules are the Fréchet derivative ``L_f(A, E)``, read off one larger matrix function
(the block identity, as for ``expm``)::

    f([[A, E], [0, A]]) = [[f(A), L_f(A, E)], [0, f(A)]]

The JVP is ``L_f(A, Ȧ)``; the VJP is ``L_f(Aᵀ, X̄)``, the adjoint for a function with real
Taylor coefficients. The rules call the op itself, so they differentiate again (a Hessian
of ``sum(sqrtm(A))`` evaluates ``sqrtm`` of a 4n × 4n block matrix). The block matrix has
each eigenvalue of ``A`` twice; SciPy's Schur-based algorithms handle that to near machine
precision. ``sqrtm`` and ``fractional_matrix_power`` carry a hidden parameter that marks
the derivative's evaluation: there a singular ``A`` is an error (the derivative does not
exist), while the value at a singular ``A`` is returned when it exists, as SciPy does.
"""
from __future__ import annotations

import warnings

import numpy as np
import scipy.linalg

from ..recording import bind
from ..registry import Example, general
from ..typing import Array, ArrayLike  # noqa: F401
from ._util import dtype_of, ndim_of, shape_of
from .linalg import matmul
from .linalg_ops import LinAlgError, mT, square
from .reductions import sum as _sum
from .shape import concatenate, getitem, reshape

__all__ = ["sqrtm", "logm", "fractional_matrix_power", "cosm", "sinm", "tanm", "coshm",
           "sinhm", "tanhm", "signm"]

_EPS = float(np.finfo(np.float64).eps)


# ---- forward helpers (NumPy / SciPy) --------------------------------------------------

def _as_float(name: str, a):
    """``a`` as a float64 array (integers as SciPy takes them), and the output dtype."""
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected a real matrix, got dtype {a.dtype}")
    out = a.dtype if a.dtype.kind == "f" else np.dtype(np.float64)
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise ValueError(f"{name}: A (shape {a.shape}) has infinite or NaN entries")
    return a, out


def _diagonal_block(a):
    """``X`` of a derivative's block matrix ``[[X, E], [0, X]]`` (nested for a Hessian), whose
    eigenvalues are the block matrix's; ``a`` itself when it has no such form."""
    while a.shape[-1] % 2 == 0 and a.shape[-1] > 0:
        h = a.shape[-1] // 2
        x = a[..., :h, :h]
        if np.any(a[..., h:, :h]) or not np.array_equal(x, a[..., h:, h:]):
            break
        a = x
    return a


def _singular(a) -> bool:
    """Whether a matrix of the stack is singular to working precision: an eigenvalue is 0.
    A triangular matrix shows its eigenvalues exactly on its diagonal (SciPy's logm and
    sqrtm read them there), so it is singular only with a 0 on it, however badly it is
    conditioned (diag(1e-9, 1e9)); any other matrix is judged by its singular values."""
    if a.size == 0:
        return False
    a = _diagonal_block(a)
    tri = np.all(np.tril(a, -1) == 0, axis=(-2, -1)) | np.all(np.triu(a, 1) == 0, axis=(-2, -1))
    zero = np.any(np.diagonal(a, axis1=-2, axis2=-1) == 0, axis=-1)
    s = np.linalg.svd(a, compute_uv=False)
    return bool(np.any(np.where(tri, zero, s[..., -1] <= a.shape[-1] * _EPS * s[..., 0])))


def _on_imaginary_axis(a) -> bool:
    """Whether a matrix of the stack has an eigenvalue on the imaginary axis (0, ±i, ...) to
    working precision, where the sign function is undefined. A triangular matrix shows its
    (real) eigenvalues exactly on its diagonal: only a 0 there counts; others by their
    computed eigenvalues, relative to the largest (a derivative's block matrix as its A)."""
    a = _diagonal_block(a)
    tri = np.all(np.tril(a, -1) == 0, axis=(-2, -1)) | np.all(np.triu(a, 1) == 0, axis=(-2, -1))
    zero = np.any(np.diagonal(a, axis1=-2, axis2=-1) == 0, axis=-1)
    if np.all(tri):
        return bool(np.any(zero))
    lam = np.linalg.eigvals(a)
    near = np.abs(lam.real) <= 8 * a.shape[-1] * _EPS * np.max(np.abs(lam), axis=-1, keepdims=True)
    return bool(np.any(np.where(tri, zero, np.any(near, axis=-1))))


def _real(name: str, r, what: str):
    """SciPy's result as a real array, or a clear error when it is truly complex."""
    if np.iscomplexobj(r):
        imag = float(np.max(np.abs(r.imag), initial=0.0))
        scale = float(np.max(np.abs(r.real), initial=0.0))
        if imag > 100 * _EPS * scale:
            raise LinAlgError(
                f"{name}: {what} of this real matrix is complex (A has an eigenvalue on the "
                f"closed negative real axis); tensorgrad works with real arrays only, and "
                f"scipy.linalg.{name} gives the complex result")
        r = r.real
    if not np.all(np.isfinite(r)):
        raise LinAlgError(f"{name}: the result is not finite for this A (shape {np.shape(r)}): "
                          "A is singular or too large")
    return r


def _scipy(fn, *args):
    """Call SciPy with its warnings recorded (returned), not printed or raised."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        r = fn(*args)
    return r, [str(w.message) for w in caught]


def _sqrtm_forward(a, frechet: bool):
    a, dt = _as_float("sqrtm", a)
    if a.size == 0:
        return a.astype(dt)
    singular = _singular(a)
    if singular and frechet:
        raise LinAlgError("sqrtm: the derivative does not exist at a singular matrix (the "
                          "square root has an infinite slope at an eigenvalue 0)")
    r, caught = _scipy(scipy.linalg.sqrtm, a)
    if singular or caught:  # SciPy doubts its result: keep it only if it squares back to A
        with np.errstate(all="ignore"):
            res = np.linalg.norm(r @ r - a, axis=(-2, -1))
            size = np.linalg.norm(r, axis=(-2, -1)) ** 2 + np.linalg.norm(a, axis=(-2, -1))
        if not np.all(res <= np.sqrt(_EPS) * size):  # (NaN fails too)
            raise LinAlgError(f"sqrtm: this A (shape {a.shape}) has no square root SciPy can "
                              f"find ({'; '.join(caught) or 'A is singular'})")
    return _real("sqrtm", r, "the principal square root").astype(dt)


def _logm_forward(a):
    a, dt = _as_float("logm", a)
    if a.size == 0:
        return a.astype(dt)
    if _singular(a):
        raise LinAlgError(f"logm: A (shape {a.shape}) is singular (to working precision): an "
                          "eigenvalue is 0, where the logarithm does not exist")
    r, caught = _scipy(scipy.linalg.logm, a)
    r = _real("logm", r, "the principal logarithm")
    if caught:  # SciPy's accuracy warning: check exp(log A) = A ourselves
        err = np.linalg.norm(scipy.linalg.expm(r) - a, 1, axis=(-2, -1))
        if np.any(err > np.sqrt(_EPS) * np.linalg.norm(a, 1, axis=(-2, -1))):
            raise LinAlgError(f"logm: SciPy could not compute the logarithm of this A "
                              f"accurately ({'; '.join(caught)})")
    return r.astype(dt)


def _power_forward(a, t, frechet: bool):
    a, dt = _as_float("fractional_matrix_power", a)
    t = np.asarray(t, dtype=np.float64)
    batch = np.broadcast_shapes(a.shape[:-2], t.shape)
    if t.ndim:  # a power per matrix of the stack: one SciPy call each
        a = np.broadcast_to(a, batch + a.shape[-2:])
        t = np.broadcast_to(t, batch)
        out = np.empty(a.shape, dtype=dt)
        for i in np.ndindex(*batch):
            out[i] = _power_forward(a[i], t[i], frechet)
        return out
    if a.size == 0:
        return a.astype(dt)
    p = float(t)
    integer = p == np.round(p)
    if frechet and not integer and _singular(a):
        raise LinAlgError(f"fractional_matrix_power: the derivative in A does not exist at a "
                          f"singular matrix (t = {p} is not an integer)")
    try:
        r, _ = _scipy(scipy.linalg.fractional_matrix_power, a, p)
    except LinAlgError:
        raise LinAlgError(f"fractional_matrix_power: A (shape {a.shape}) is singular, so "
                          f"A**{p} does not exist") from None
    if not np.all(np.isfinite(r)):
        raise LinAlgError(f"fractional_matrix_power: A (shape {a.shape}) is singular, so "
                          f"A**{p} does not exist")
    return _real("fractional_matrix_power", r, f"A**{p}").astype(dt)


def _entire(name: str, fn):
    """The forward rule of an entire function computed by SciPy (cosm, sinm, ...)."""
    def forward(a):
        a, dt = _as_float(name, a)
        if a.size == 0:
            return a.astype(dt)
        r, _ = _scipy(fn, a)
        return _real(name, r, f"{name}(A)").astype(dt)
    return forward


def _at_pole(a, den_scalar) -> bool:
    """Whether an eigenvalue λ of ``a`` sits on a zero of ``den_scalar`` (cos, cosh) to
    working precision. Tested on the eigenvalues, not on the conditioning of ``den(A)``,
    which is huge for widely spread eigenvalues (cosh(40) next to cosh(0)) far from any pole."""
    lam = np.linalg.eigvals(a)
    with np.errstate(over="ignore", invalid="ignore"):
        size = np.abs(den_scalar(lam))
    return bool(np.any(size <= 8 * a.shape[-1] * _EPS * np.maximum(1.0, np.abs(lam))))


def _tangent(name: str, num, den, den_scalar, where: str):
    """The forward rule of ``solve(den(A), num(A))`` (tanm, tanhm)."""
    def forward(a):
        a, dt = _as_float(name, a)
        if a.size == 0:
            return a.astype(dt)
        (n, d), _ = _scipy(lambda x: (num(x), den(x)), a)
        if _at_pole(a, den_scalar):
            raise LinAlgError(f"{name}: A (shape {a.shape}) has an eigenvalue at {where}, "
                              f"where {name[:-1]} has a pole")
        r = np.linalg.solve(d, n)
        return _real(name, r, f"{name}(A)").astype(dt)
    return forward


def _sign_newton(a):
    """sign(A) by Newton's iteration X ← (μX + (μX)⁻¹)/2 (determinant scaling μ while
    far from convergence); it converges for any A without eigenvalues on the imaginary
    axis, defective ones included (the derivative's block matrices are defective)."""
    a, dt = _as_float("signm", a)
    if a.size == 0:
        return a.astype(dt)
    n = a.shape[-1]
    x, scale, left = a, True, -1
    fail = ("signm: A (shape {}) has an eigenvalue on (or too close to) the imaginary axis, "
            "where the sign function is not defined")
    if _on_imaginary_axis(a):  # (rounding moves such an eigenvalue off the axis by ~1e-15, and
        # the iteration would still converge: to the sign of a rounded A)
        raise LinAlgError(fail.format(a.shape))
    for _ in range(100):
        try:
            xi = np.linalg.inv(x)
        except LinAlgError:
            raise LinAlgError(fail.format(a.shape)) from None
        if scale:
            mu = np.exp(-np.linalg.slogdet(x)[1] / n)[..., None, None]
            new = (mu * x + xi / mu) / 2
        else:
            new = (x + xi) / 2
        size = np.linalg.norm(new, axis=(-2, -1))
        if not np.all(np.isfinite(new)) or np.any(size == 0):  # (x + x⁻¹ = 0: eigenvalues ±i)
            raise LinAlgError(fail.format(a.shape))
        delta = float(np.max(np.linalg.norm(new - x, axis=(-2, -1)) / size))
        x = new
        scale = scale and delta > 1e-2
        if left > 0:
            left -= 1
        elif left == 0:
            return x.astype(dt)
        elif delta < 1e-7:  # quadratic convergence: two more steps reach machine precision
            left = 1
    raise LinAlgError(fail.format(a.shape))


# ---- the rules: Fréchet derivatives from the block identity ----------------------------

def _frechet(f, a, e):
    """L_f(a, e): the top-right block of f([[a, e], [0, a]]), for stacks too (a batch of
    tangents or cotangents in front of ``e`` broadcasts ``a``)."""
    n = shape_of(a)[-1]
    z = np.zeros(np.broadcast_shapes(tuple(shape_of(a)), tuple(shape_of(e))),
                 dtype=np.result_type(dtype_of(a), dtype_of(e)))
    top = concatenate([a + z, e + z], axis=-1)
    bottom = concatenate([z, a + z], axis=-1)
    big = f(concatenate([top, bottom], axis=-2))
    return getitem(big, (Ellipsis, slice(0, n), slice(n, 2 * n)))


def _self_rules(get):
    """VJP and JVP of a one-input matrix function from the block identity; ``get()`` is the
    function applied to the block matrix (looked up when a rule runs)."""
    return ({"A": lambda g, out, a, *p: _frechet(get(), mT(a), g)},
            {"A": lambda t, out, a, *p: _frechet(get(), a, t)})


def _derivative_of(fn):
    """The op of ``fn`` bound with ``frechet=True`` (the derivative's evaluation)."""
    return lambda b, *rest: bind(fn.op, (b, *rest), (True,))


def _t_share(t, out, a, tp):
    """The JVP of A**t in t: ṫ · log(A) A**t, ṫ's batch axes in front."""
    k = ndim_of(t) - ndim_of(tp)
    s = tuple(shape_of(t))
    ones = (1,) * (ndim_of(out) - 2 - ndim_of(tp))
    return reshape(t, s[:k] + ones + s[k:] + (1, 1)) * matmul(logm(a), out)


def _t_cotangent(g, out, a, tp):
    """The VJP of A**t in t: ⟨ḡ, log(A) A**t⟩ over each matrix (summed to t's shape later)."""
    return _sum(g * matmul(logm(a), out), axis=(-2, -1))


# ---- JAX references (differentiable compositions: JAX's sqrtm and funm use a Schur form
# ---- that JAX cannot differentiate, and JAX has no logm, cosm, ...) --------------------

def _jax_loop(steps, body, init):
    import jax
    return jax.lax.fori_loop(0, steps, lambda i, c: body(c), init)


def _jax_db_sqrt(jnp, a, steps):
    """Denman–Beavers: Y → A^½, Z → A^-½; the caller scales A near unit determinant."""
    eye = jnp.broadcast_to(jnp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    return _jax_loop(steps, lambda c: ((c[0] + jnp.linalg.inv(c[1])) / 2,
                                       (c[1] + jnp.linalg.inv(c[0])) / 2), (a, eye))[0]


def _jax_unit(jnp, a):
    """``a`` as floats and its scale ``c = |det a|^(1/n)`` (so that ``a / c`` has |det| 1)."""
    a = jnp.asarray(a) * 1.0
    return a, jnp.exp(jnp.linalg.slogdet(a)[1] / a.shape[-1])[..., None, None]


def _jax_sqrtm(jnp, a):
    a, c = _jax_unit(jnp, a)
    return _jax_db_sqrt(jnp, a / c, 12) * jnp.sqrt(c)


def _jax_logm(jnp, a):
    """Inverse scaling and squaring: 4 square roots R of A/c, then the series
    log R = 2 atanh(Z) = 2 (Z + Z³/3 + Z⁵/5 + ...) with Z = (R - I)(R + I)⁻¹."""
    a, c = _jax_unit(jnp, a)
    eye = jnp.broadcast_to(jnp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    r = _jax_loop(4, lambda x: _jax_db_sqrt(jnp, x, 8), a / c)
    z = jnp.linalg.solve(r + eye, r - eye)
    z2 = z @ z
    total = z
    for j in range(1, 8):  # Horner would do; the terms are few
        z = z @ z2
        total = total + z / (2 * j + 1)
    return 32 * total + jnp.log(c) * eye


def _jax_expm(a):
    import jax
    return jax.scipy.linalg.expm(a)


def _jax_series_expm(jnp, a, squarings: int = 8, degree: int = 12):
    """exp(A) as (Taylor series of A/2⁸)^(2⁸): a fixed straight-line program, which JAX
    differentiates twice and compiles in a fraction of the time ``jax.scipy.linalg.expm``'s
    (branches, a loop of squarings, a Fréchet-derivative rule) take. Accurate to about 1e-14
    for matrices of norm up to a few dozen, as the registry's examples are; the references
    of the functions JAX lacks use it, and :func:`tensorgrad.to_jax` the exact ``expm``."""
    eye = jnp.broadcast_to(jnp.eye(a.shape[-1], dtype=a.dtype), a.shape)
    b, e = a / 2.0 ** squarings, eye
    for k in range(degree, 0, -1):  # Horner: I + B(I + B/2(I + ...))
        e = eye + (b @ e) / k
    for _ in range(squarings):
        e = e @ e
    return e


def _exact_expm(jnp, a):
    return _jax_expm(a)


def _jax_power(expm, jnp, a, t, frechet=False):
    t = jnp.asarray(t)[..., None, None]
    return expm(jnp, t * _jax_logm(jnp, a))


def _jax_trig(expm, jnp, a):
    """(cos A, sin A) from one real exponential: exp([[0, A], [-A, 0]]) = [[cos, sin], [-sin, cos]]."""
    a = jnp.asarray(a) * 1.0
    n, z = a.shape[-1], jnp.zeros_like(a)
    e = expm(jnp, jnp.concatenate([jnp.concatenate([z, a], -1), jnp.concatenate([-a, z], -1)], -2))
    return e[..., :n, :n], e[..., :n, n:]


def _jax_hyp(expm, jnp, a):
    """(cosh A, sinh A) from one exponential: exp([[0, A], [A, 0]]) = [[cosh, sinh], [sinh, cosh]]."""
    a = jnp.asarray(a) * 1.0
    n, z = a.shape[-1], jnp.zeros_like(a)
    e = expm(jnp, jnp.concatenate([jnp.concatenate([z, a], -1), jnp.concatenate([a, z], -1)], -2))
    return e[..., :n, :n], e[..., :n, n:]


def _jax_pair(formula):
    """``(jax, to_jax)`` of a formula ``formula(expm, jnp, *args)``: the registry's test
    reference with the series exponential, the exported function with JAX's own."""
    return (lambda jnp, *a, **p: formula(_jax_series_expm, jnp, *a, **p),
            lambda jnp, *a, **p: formula(_exact_expm, jnp, *a, **p))


def _jax_signm(jnp, a):
    """Newton's iteration with determinant scaling (a fixed count: enough for the tests)."""
    x = jnp.asarray(a) * 1.0
    n = x.shape[-1]

    def step(x):
        mu = jnp.exp(-jnp.linalg.slogdet(x)[1] / n)[..., None, None]
        return (mu * x + jnp.linalg.inv(x) / mu) / 2
    return _jax_loop(12, step, x)


# ---- the public functions -------------------------------------------------------------

def _no_disp(name: str, disp):
    if not disp:  # (a true value, 1 too: JAX's sqrtm takes blocksize second, which it ignores)
        raise NotImplementedError(f"{name}: disp=False (deprecated in SciPy 1.16) is not "
                                  "supported; compute the error estimate from the result")


def _sqrtm_signature(A: ArrayLike, disp: bool = True, blocksize: int = 64):
    """The principal square root ``X`` of a real square matrix (or a stack of them): ``X @ X
    = A`` with every eigenvalue of ``X`` in the right half-plane, computed by
    ``scipy.linalg.sqrtm``.

    Real only: if the principal root is complex (``A`` has a negative real eigenvalue) this
    raises ``LinAlgError``, where SciPy returns a complex array and JAX always does.
    At a singular ``A`` the value is returned when SciPy finds a root (a ``LinAlgError``
    otherwise), but the derivative is an error there. Integers are taken as float64.
    ``disp`` and ``blocksize`` are SciPy's (deprecated) and JAX's knobs; ``disp=False`` is
    not supported.

    Derivative: ``Ẋ`` solves the Sylvester equation ``X Ẋ + Ẋ X = Ȧ``; computed as the
    Fréchet derivative, the top-right block of ``sqrtm([[A, Ȧ], [0, A]])`` (the VJP:
    ``sqrtm([[Aᵀ, X̄], [0, Aᵀ]])``), so it differentiates again."""
    _no_disp("sqrtm", disp)
    square("sqrtm", A)
    return (A,), (False,)


def _logm_signature(A: ArrayLike, disp: bool = True):
    """The principal logarithm of a real square matrix (or a stack of them), computed by
    ``scipy.linalg.logm``: ``expm(logm(A)) = A``, eigenvalues with imaginary parts in
    (-π, π).

    Real only: if ``A`` has an eigenvalue on the closed negative real axis (0 included) this
    raises ``LinAlgError`` (SciPy returns a complex array, or a warning and a huge result
    for a singular ``A``). Integers are taken as float64; ``disp=False`` is not supported.

    Derivative: the Fréchet derivative ``L(A, Ȧ)``, the top-right block of
    ``logm([[A, Ȧ], [0, A]])`` (the VJP: ``logm([[Aᵀ, X̄], [0, Aᵀ]])``)."""
    _no_disp("logm", disp)
    square("logm", A)
    return (A,), ()


def _power_signature(A: ArrayLike, t: ArrayLike):
    """``A**t``, the principal fractional power of a real square matrix (or a stack of them)
    for a real exponent ``t``, computed by ``scipy.linalg.fractional_matrix_power`` (for an
    integer ``t``: repeated products, and the inverse for ``t < 0``). ``t`` is a scalar, or
    an array that broadcasts against the stack's batch shape.

    Real only: for a non-integer ``t`` and an ``A`` with a negative real eigenvalue the power
    is complex, and this raises ``LinAlgError`` (SciPy returns a complex array). A singular
    ``A`` gives the value (``t > 0``) but no derivative in ``A`` unless ``t`` is an integer.

    Derivatives: in ``A`` the Fréchet derivative, the top-right block of
    ``fractional_matrix_power([[A, Ȧ], [0, A]], t)`` (the VJP the same with ``Aᵀ`` and
    ``X̄``); in ``t`` (SciPy and JAX have none) ``log(A) A**t``, which needs ``logm(A)``."""
    square("fractional_matrix_power", A)
    return (A, t), (False,)


def _unary_signature(name: str, doc: str):
    def signature(A: ArrayLike):
        square(name, A)
        return (A,), ()
    signature.__doc__ = doc
    return signature


_FRECHET = ("Derivative: the Fréchet derivative ``L(A, Ȧ)``, the top-right block of ``{f}([[A, "
            "Ȧ], [0, A]])`` (the VJP: ``{f}([[Aᵀ, X̄], [0, Aᵀ]])``), so it differentiates again.")


def _trig_doc(name: str, what: str, how: str, extra: str = "") -> str:
    return (f"{what} of a real square matrix (or a stack of them), as ``scipy.linalg.{name}`` "
            f"({how}); integers are taken as float64.{extra} JAX has no {name}. "
            + _FRECHET.format(f=name))


# one or two examples each: a JAX reference's derivatives take seconds to compile
_WELL = [Example(((2, 3, 3),), domain="wellcond")]
_REAL = [Example(((2, 3, 3),))]


def _mixed_sign_matrices():
    """Test matrices with real eigenvalues of both signs, far from the imaginary axis."""
    rng = np.random.default_rng(11)
    out = []
    for lam in ([2.0, -1.5, 1.0], [-0.8, 1.6, -2.2]):
        v = np.eye(3) + 0.4 * rng.normal(size=(3, 3))
        out.append(v @ np.diag(lam) @ np.linalg.inv(v))
    return np.array(out)


_MIXED = _mixed_sign_matrices()

sqrtm = general(
    "sqrtm", _sqrtm_forward, signature=_sqrtm_signature, params=("frechet",), public=False,
    vjp={"A": lambda g, out, a, fr: _frechet(_derivative_of(sqrtm), mT(a), g)},
    jvp={"A": lambda t, out, a, fr: _frechet(_derivative_of(sqrtm), a, t)},
    jax=lambda jnp, a, frechet=False: _jax_sqrtm(jnp, a),
    symbol="L(A, ·): X Ẋ + Ẋ X = Ȧ", doc="the principal matrix square root",
    examples=[Example(((3, 3),), domain="wellcond"), Example(((2, 3, 3),), domain="spd")])

logm = general(
    "logm", _logm_forward, signature=_logm_signature, public=False,
    vjp=_self_rules(lambda: logm)[0], jvp=_self_rules(lambda: logm)[1],
    jax=_jax_logm, symbol="L(A, ·) (the Fréchet derivative)", doc="the principal matrix logarithm",
    examples=[Example(((3, 3),), domain="spd"), Example(((2, 3, 3),), domain="wellcond")])

fractional_matrix_power = general(
    "fractional_matrix_power", _power_forward, signature=_power_signature, params=("frechet",),
    public=False,
    vjp={"A": lambda g, out, a, t, fr: _frechet(
            lambda b: _derivative_of(fractional_matrix_power)(b, t), mT(a), g),
         "t": lambda g, out, a, t, fr: _t_cotangent(g, out, a, t)},
    jvp={"A": lambda s, out, a, t, fr: _frechet(
            lambda b: _derivative_of(fractional_matrix_power)(b, t), a, s),
         "t": lambda s, out, a, t, fr: _t_share(s, out, a, t)},
    jax=_jax_pair(_jax_power)[0], to_jax=_jax_pair(_jax_power)[1],
    symbol="L(A, ·) in A; log(A) A**t in t",
    doc="the principal fractional matrix power",
    examples=[Example(((2, 3, 3), ()), domain=("wellcond", "unit"))])


def _entire_op(name: str, forward, formula, doc: str, examples=_REAL):
    """A matrix function whose JAX counterpart is ``formula(expm, jnp, a)`` (see _jax_pair)."""
    reference, exported = _jax_pair(formula)
    fn = general(name, forward, signature=_unary_signature(name, doc), public=False,
                 vjp=_self_rules(lambda: fn)[0], jvp=_self_rules(lambda: fn)[1],
                 jax=reference, to_jax=exported, symbol="L(A, ·) (the Fréchet derivative)",
                 doc=doc, examples=examples)
    return fn


cosm = _entire_op("cosm", _entire("cosm", scipy.linalg.cosm),
                  lambda expm, jnp, a: _jax_trig(expm, jnp, a)[0],
                  _trig_doc("cosm", "The matrix cosine", "the real part of expm(iA)"))
sinm = _entire_op("sinm", _entire("sinm", scipy.linalg.sinm),
                  lambda expm, jnp, a: _jax_trig(expm, jnp, a)[1],
                  _trig_doc("sinm", "The matrix sine", "the imaginary part of expm(iA)"))
tanm = _entire_op("tanm", _tangent("tanm", scipy.linalg.sinm, scipy.linalg.cosm, np.cos,
                                   "π/2 + kπ"),
                  lambda expm, jnp, a: jnp.linalg.solve(*_jax_trig(expm, jnp, a)),
                  _trig_doc("tanm", "The matrix tangent", "cosm(A)⁻¹ sinm(A)",
                            (" An eigenvalue at a pole π/2 + kπ raises LinAlgError."
                             " The solve is ill-conditioned when eigenvalues lie far apart"
                             " (large imaginary parts): the result then equals SciPy's, whose"
                             " entries coupling those eigenvalues lose accuracy the same way.")),
                  examples=_WELL)
coshm = _entire_op("coshm", _entire("coshm", scipy.linalg.coshm),
                   lambda expm, jnp, a: _jax_hyp(expm, jnp, a)[0],
                   _trig_doc("coshm", "The hyperbolic matrix cosine", "(expm(A) + expm(-A))/2"))
sinhm = _entire_op("sinhm", _entire("sinhm", scipy.linalg.sinhm),
                   lambda expm, jnp, a: _jax_hyp(expm, jnp, a)[1],
                   _trig_doc("sinhm", "The hyperbolic matrix sine", "(expm(A) - expm(-A))/2"))
tanhm = _entire_op("tanhm", _tangent("tanhm", scipy.linalg.sinhm, scipy.linalg.coshm,
                                     np.cosh, "i(π/2 + kπ)"),
                   lambda expm, jnp, a: jnp.linalg.solve(*_jax_hyp(expm, jnp, a)),
                   _trig_doc("tanhm", "The hyperbolic matrix tangent", "coshm(A)⁻¹ sinhm(A)",
                             (" An eigenvalue at a pole i(π/2 + kπ) raises LinAlgError."
                              " The solve is ill-conditioned when eigenvalues lie far apart"
                              " (cosh(40) next to cosh(0)): the result then equals SciPy's,"
                              " whose entries coupling those eigenvalues lose accuracy the"
                              " same way.")))


def _signm_signature(A: ArrayLike, disp: bool = True):
    """The matrix sign function of a real square matrix (or a stack of them): ``S`` with
    ``S @ S = I`` and ``S A = A S``, +1 on the invariant subspace of the eigenvalues in the
    right half-plane and -1 on that of the left; ``A`` must have no eigenvalue on the
    imaginary axis (else ``LinAlgError``).

    Computed by Newton's iteration ``X ← (X + X⁻¹)/2`` (scaled), not by SciPy's
    ``signm`` (a Schur–Parlett evaluation with a fallback iteration): the values agree to
    rounding, and the iteration also serves the derivative's defective block matrices.
    ``disp=False`` is not supported; JAX has no signm.

    Derivative: not zero in general. The Fréchet derivative ``L(A, Ȧ)`` is the top-right
    block of ``signm([[A, Ȧ], [0, A]])`` (the VJP: ``signm([[Aᵀ, X̄], [0, Aᵀ]])``); it
    solves ``N L + L N = Ȧ - S Ȧ S`` with ``N = S A``, and vanishes only for directions
    ``Ȧ`` that commute with ``S``."""
    _no_disp("signm", disp)
    square("signm", A)
    return (A,), ()


signm = general(
    "signm", _sign_newton, signature=_signm_signature, public=False,
    vjp=_self_rules(lambda: signm)[0], jvp=_self_rules(lambda: signm)[1],
    jax=_jax_signm, symbol="L(A, ·): N L + L N = Ȧ − S Ȧ S",
    doc="the matrix sign function",
    examples=[Example((_MIXED,), diff=(0,))])
