"""``tg.linalg``: inverse, solve, determinants, pseudo-inverse, powers and chains of products.

Every function takes a matrix or a stack of matrices (shape ``(..., M, N)``),
as ``numpy.linalg`` does. With Y = A⁻¹, X = A⁻¹B and A⁺ the pseudo-inverse,
the rules (batch axes of cotangents and tangents ride in front):

    inv      VJP  Ā = −Yᵀ Ḡ Yᵀ                     JVP  Ẏ = −Y Ȧ Y
    solve    VJP  B̄ = A⁻ᵀ Ḡ,  Ā = −B̄ Xᵀ             JVP  Ẋ = A⁻¹ (Ḃ − Ȧ X)
    det      VJP  Ā = ḡ · det(A) A⁻ᵀ (the cofactors)  JVP  ḋ = ⟨det(A) A⁻ᵀ, Ȧ⟩
    slogdet  VJP  Ā = ḡ A⁻ᵀ  (the sign has no derivative)
    pinv     dA⁺ = −A⁺ dA A⁺ + A⁺A⁺ᴴ dAᴴ (I − A A⁺) + (I − A⁺A) dAᴴ A⁺ᴴ A⁺   (constant rank)

The rules are written with tensorgrad's ops (matmul, solve itself, inv), so
every derivative can be differentiated again. Where a derivative does not
exist tensorgrad says so: inv, solve and slogdet of a singular matrix raise
``LinAlgError``. det lives in :mod:`tensorgrad.ops.determinant`: its gradient
and Hessian exist at singular matrices and are computed there exactly.
matrix_power and multi_dot are products of matmuls, so their derivatives are
matmul's.
"""
from __future__ import annotations

from collections import namedtuple
from typing import Sequence

import numpy as np

from ..dispatch import deliver
from ..recording import bind
from ..registry import Computed, Example, general
from ..tensor import Tensor
from ..typing import Array, ArrayLike  # noqa: F401
from ..staging import call as staged_call
from ..staging import check as staged_check
from ._util import concrete, dtype_of, lift_tangent, nan_if_not_finite, ndim_of, shape_of
from .elementwise import where
from .linalg import matmul
from .reductions import sum as _sum
from .complex_ops import conj_part, imag_part, make_complex, real_if_complex, real_part
from .selection import diagonal, tril, triu
from .shape import expand_dims, getitem, reshape, stack, swapaxes

LinAlgError = np.linalg.LinAlgError
SlogdetResult = namedtuple("SlogdetResult", ["sign", "logabsdet"])


# ---- shared helpers ---------------------------------------------------------------------
def _shape(x) -> tuple:
    return shape_of(concrete(x))


def dtype(x) -> np.dtype:
    """The dtype of an array, Tensor (also one holding a JAX value), number or nested list."""
    return np.dtype(dtype_of(x))  # (np.asarray would refuse a list holding traced Tensors)


def mT(x):
    """Swap the last two axes (the matrix transpose of a stack)."""
    if type(x) is np.ndarray:  # a plain array is on no trace: nothing to record
        return x.swapaxes(-1, -2)
    return swapaxes(x, -1, -2)


def square(name: str, a, complex_ok: bool = False) -> int:
    """Check for a (stack of) square matrices; their size n. Complex ones only with
    ``complex_ok`` (ops whose rules hold for complex matrices)."""
    s = _shape(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise LinAlgError(f"{name}: expected a square matrix or a stack of them (shape (..., n, n)), "
                          f"got shape {s}")
    dt = dtype(a)
    if dt.kind == "c" and not complex_ok:
        raise TypeError(f"{name}: complex matrices are not supported (dtype {dt})")
    return s[-1]


def matrix(name: str, a, complex_ok: bool = False) -> tuple:
    """Check for a (stack of) matrices; their (M, N). Complex ones only with ``complex_ok``."""
    s = _shape(a)
    if len(s) < 2:
        raise LinAlgError(f"{name}: expected a matrix or a stack of them (shape (..., M, N)), "
                          f"got shape {s}")
    if dtype(a).kind == "c" and not complex_ok:
        raise TypeError(f"{name}: complex matrices are not supported")
    return s[-2], s[-1]


def _hermitian_parts(a, lower: bool):
    """A complex ``a``'s strict triangle and real diagonal, as a matrix (LAPACK's Hermitian
    routines ignore the diagonal's imaginary part)."""
    strict = tril(a, -1) if lower else triu(a, 1)
    d = real_part(diagonal(a, 0, -2, -1))
    return strict, expand_dims(d, -1) * np.eye(shape_of(a)[-1], dtype=dtype_of(concrete(d)))


def symmetric_from(a, lower: bool):
    """The symmetric matrix NumPy's eigh and cholesky read from one triangle of ``a``:
    ``tril(A) + tril(A, −1)ᵀ`` (or the upper triangle's mirror); for a complex ``a`` the
    Hermitian one, ``tril(A, −1) + tril(A, −1)ᴴ + Re diag(A)``."""
    if dtype_of(concrete(a)).kind == "c":
        strict, d = _hermitian_parts(a, lower)
        return strict + conj_part(mT(strict)) + d
    if lower:
        return tril(a) + mT(tril(a, -1))
    return triu(a) + mT(triu(a, 1))


def symmetric_from_transpose(s_bar, lower: bool):
    """The transpose of :func:`symmetric_from`: the cotangent of A from that of the symmetric S
    (under JAX's pairing ``Re Σ a·b`` for a complex S)."""
    if dtype_of(concrete(s_bar)).kind == "c":
        strict, d = _hermitian_parts(s_bar, lower)
        return strict + (tril if lower else triu)(conj_part(mT(s_bar)), -1 if lower else 1) + d
    if lower:
        return tril(s_bar) + tril(mT(s_bar), -1)
    return triu(s_bar) + triu(mT(s_bar), 1)


def finfo_of(x) -> np.finfo:
    """``np.finfo`` of ``x``'s floating dtype (float64 for others): constants in the values' own
    precision (float64's lowest or tiniest number would promote float32 values, and become
    −inf or 0 cast back)."""
    dt = dtype(x)
    return np.finfo(dt if dt.kind == "f" else np.float64)


def eps_of(x) -> float:
    return float(finfo_of(x).eps)


def _singular(name: str, a, what: str, fix: str) -> LinAlgError:
    v = concrete(a)
    return LinAlgError(f"{name}: {what} (shape {np.shape(v)}, dtype {np.result_type(v)}); {fix}")


# ---- inv ------------------------------------------------------------------------------------
def _inv_signature(a: ArrayLike):
    """The inverse of a square matrix (or of each matrix of a stack)."""
    square("inv", a, complex_ok=True)
    return (a,), ()


def _inv_forward(a):
    try:
        return np.linalg.inv(a)
    except LinAlgError:
        raise _singular("inv", a, "the matrix is singular, it has no inverse",
                        "tg.linalg.pinv gives the pseudo-inverse, tg.linalg.solve solves "
                        "systems without forming an inverse") from None


inv = general(
    "inv", _inv_forward,
    vjp={"a": lambda g, out, a: -(mT(out) @ g @ mT(out))},
    jvp={"a": lambda t, out, a: -(out @ t @ out)},
    signature=_inv_signature, public=False, jax="jax.numpy.linalg.inv",
    symbol="−A⁻¹ ⊗ A⁻ᵀ: Ẏ = −Y Ȧ Y", doc="the inverse of a square matrix", domain="wellcond",
    examples=[Example(((3, 3),)), Example(((2, 2, 2),))])


# ---- solve ---------------------------------------------------------------------------------------
def _solve_signature(a: ArrayLike, b: ArrayLike):
    """Solve A X = B. As in NumPy 2, ``b`` is one vector only when it is 1-D (shape (M,));
    otherwise it is a (stack of) (M, K) matrices whose stack axes broadcast with A's."""
    n = square("solve", a, complex_ok=True)
    sb = _shape(b)
    vec = len(sb) == 1
    if not sb or (sb[0] if vec else sb[-2]) != n:
        raise ValueError(f"solve: b of shape {sb} does not fit A of shape {_shape(a)}: b must be "
                         f"(M,) or (..., M, K) with M = {n}")
    if not vec:
        try:
            np.broadcast_shapes(_shape(a)[:-2], sb[:-2])
        except ValueError:
            raise ValueError(f"solve: the stack axes of A {_shape(a)} and b {sb} do not "
                             "broadcast") from None
    return (a, b), (vec,)


def _solve_forward(a, b, vec):
    try:
        return np.linalg.solve(a, b)
    except LinAlgError:
        raise _singular("solve", a, "the matrix A is singular, A x = b has no unique solution",
                        "tg.linalg.pinv(A) @ b gives the least-squares solution of least norm") from None


def _solve_columns(a, b, vec):
    """A⁻¹ b, with a 1-D right-hand side (batch axes in front of it) as one column."""
    if vec:
        return getitem(bind(solve.op, (a, expand_dims(b, -1)), (False,)), (Ellipsis, 0))
    return bind(solve.op, (a, b), (False,))


def _solve_vjp_a(g, out, a, b, vec):
    b_bar = _solve_columns(mT(a), g, vec)
    if vec:  # −b̄ xᵀ: an outer product per matrix
        return -(expand_dims(b_bar, -1) * expand_dims(out, -2))
    return -(b_bar @ mT(out))


def _solve_jvp_a(t, out, a, b, vec):
    t = lift_tangent(t, a, ndim_of(out) + vec)  # batch axes in front of the output's stack axes
    ax = t @ expand_dims(out, -1) if vec else t @ out
    r = bind(solve.op, (a, -ax), (False,))
    return getitem(r, (Ellipsis, 0)) if vec else r


solve = general(
    "solve", _solve_forward,
    vjp={"a": _solve_vjp_a, "b": lambda g, out, a, b, vec: _solve_columns(mT(a), g, vec)},
    jvp={"a": _solve_jvp_a,
         "b": lambda t, out, a, b, vec: _solve_columns(a, lift_tangent(t, b, ndim_of(out)), vec)},
    signature=_solve_signature, params=("vector",), public=False,
    jax=lambda jnp, a, b, vector=None: jnp.linalg.solve(a, b), symbol="A⁻¹ ⊗ … (w.r.t. B), −A⁻¹ ⊗ Xᵀ (w.r.t. A)",
    doc="the solution of A x = b", domain=("wellcond", "real"),
    examples=[Example(((3, 3), (3,))), Example(((2, 3, 3), (3,))), Example(((2, 2, 2), (1, 2, 3)))])


# ---- slogdet ---------------------------------------------------------------------------------------
def _inv_for(name: str, a):
    try:
        return bind(inv.op, (a,), ())
    except LinAlgError:
        raise _singular(name, a, "log|det A| = −inf at a singular matrix and has no derivative",
                        "keep A away from singular matrices (e.g. add a multiple of the identity)") from None


def _slogdet_forward(a):
    sign, logdet = np.linalg.slogdet(a)
    return np.stack([sign, logdet.astype(sign.dtype)], axis=-1)  # (complex: a complex sign)


def _slogdet_signature(a: ArrayLike):
    """Sign and log|det| of a square matrix, as one array ``[..., (sign, logabsdet)]``.

    ``tg.linalg.slogdet`` returns them as the pair ``(sign, logabsdet)``. For a complex
    matrix the sign is complex (the packed array too, logabsdet its real second entry):
    with T = tr(A⁻¹ dA), d log|det A| = Re T and d sign = i Im(T) sign.
    """
    square("slogdet", a, complex_ok=True)
    return (a,), ()


def _slogdet_jvp(t, out, a):
    T = _sum(mT(_inv_for("slogdet", a)) * t, axis=(-2, -1))
    if dtype_of(concrete(out)).kind != "c":
        return stack([np.zeros(shape_of(T), dtype_of(T)), T], axis=-1)  # the sign is constant
    sign = getitem(out, (Ellipsis, 0))
    return stack([make_complex(0.0, imag_part(T)) * sign, make_complex(real_part(T), 0.0)], axis=-1)


def _slogdet_vjp(g, out, a):
    gl = getitem(g, (Ellipsis, 1))
    if dtype_of(concrete(out)).kind == "c":  # Ā = (Re g_l + i Im(g_sign · sign)) A⁻ᵀ
        gl = make_complex(real_part(gl), imag_part(getitem(g, (Ellipsis, 0)) * getitem(out, (Ellipsis, 0))))
    return expand_dims(gl, (-2, -1)) * mT(_inv_for("slogdet", a))


slogdet_packed = general(
    "slogdet", _slogdet_forward,
    vjp={"a": _slogdet_vjp}, jvp={"a": _slogdet_jvp}, signature=_slogdet_signature, public=False,
    jax=lambda jnp, a: jnp.stack(jnp.linalg.slogdet(a), axis=-1),
    symbol="(0, A⁻ᵀ)", doc="sign and log|det| of a square matrix", domain="wellcond",
    examples=[Example(((2, 2, 2),))])


def slogdet(a: ArrayLike, *, method: str | None = None) -> SlogdetResult:
    """Sign and natural log of the absolute determinant: ``(sign, logabsdet)``.

    d log|det A| = tr(A⁻¹ dA), so the gradient of logabsdet is A⁻ᵀ; the sign has
    none. At a singular matrix (logabsdet = −inf) there is no derivative and
    differentiating raises ``LinAlgError``. ``method`` (JAX's 'lu' or 'qr') is accepted;
    LAPACK's LU computes it either way.
    """
    if method not in (None, "lu", "qr"):
        raise ValueError(f"slogdet: method must be 'lu' or 'qr', got {method!r}")
    p = slogdet_packed(a)
    # (a complex matrix: the sign alone is complex)
    return SlogdetResult(getitem(p, (Ellipsis, 0)), real_if_complex(getitem(p, (Ellipsis, 1))))


# ---- pinv ------------------------------------------------------------------------------------------------
_NOT_GIVEN = object()


def _pinv_signature(a: ArrayLike, rcond=None, hermitian: bool = False, *, rtol=_NOT_GIVEN):
    """The Moore-Penrose pseudo-inverse (NumPy's ``pinv``: singular values at most
    ``rcond`` times the largest count as 0; default 1e-15). An array ``rcond``/``rtol`` gives
    each matrix of a stack its own cutoff (broadcast to the stack's shape).

    Its derivative (the Golub-Pereyra formula) holds where the rank does not
    change; at a matrix whose rank changes under small perturbations (a
    singular value at the cutoff) the pseudo-inverse is not even continuous.
    When the cutoff drops singular values that are not zero (a large ``rcond``),
    the result is the pseudo-inverse of the truncated matrix A_k, and the
    derivative includes how A_k turns with A (JAX's omits that part); it is
    computed for real matrices in first-order reverse and forward mode, and
    refused where it is not (complex, higher order, under ``tg.jit``).
    """
    m, n = matrix("pinv", a, complex_ok=True)
    if rtol is not _NOT_GIVEN and rcond is not None:
        raise ValueError("pinv: give only one of rcond and rtol")
    if rcond is not None:
        cut = rcond
    elif rtol is _NOT_GIVEN:
        cut = 1e-15
    else:
        cut = max(m, n) * eps_of(a) if rtol is None else rtol
    cut = np.asarray(concrete(cut), dtype=float)
    if hermitian:  # NumPy reads the lower triangle of a hermitian input
        a = symmetric_from(a, lower=True)
    if cut.ndim:  # a cutoff per matrix of the stack (broadcast to its shape): one op call each
        return Computed(_pinv_each(a, cut, m, n))
    return (a,), (float(cut),)


def _pinv_each(a, cut: np.ndarray, m: int, n: int):
    batch = shape_of(concrete(a))[:-2]
    try:
        cuts = np.broadcast_to(cut, batch)
    except ValueError:
        raise ValueError(f"pinv: a cutoff of shape {cut.shape} does not broadcast to the stack's "
                         f"shape {batch} (input shape {shape_of(concrete(a))})") from None
    if 0 in batch:
        return pinv(a, float(np.max(cut, initial=0.0)))
    each = [pinv(getitem(a, k), float(cuts[k])) for k in np.ndindex(batch)]
    return reshape(stack(each), batch + (n, m))


def conj_if_complex(v):
    """conj(v) for a complex v; v itself for a real one (no op recorded)."""
    return conj_part(v) if dtype_of(concrete(v)).kind == "c" else v


def _pinv_vjp(g, out, a, cut):
    if any(isinstance(w, Tensor) for w in (g, out, a)):  # this rule is itself differentiated
        staged_check(_exact_rank, concrete(a), cut, "reverse")
        return _pinv_gp_vjp(g, out, a)
    return staged_call(_pinv_vjp_values, g, out, a, cut)  # (under tg.jit: at every replay)


def _pinv_jvp(t, out, a, cut):
    if any(isinstance(w, Tensor) for w in (t, out, a)):
        staged_check(_exact_rank, concrete(a), cut, "forward")
        return _pinv_gp_jvp(t, out, a)
    return staged_call(_pinv_jvp_values, t, out, a, cut)


def _pinv_vjp_values(g, out, a, cut):
    basis = _truncation(a, cut, "reverse")
    if basis is None:
        return _pinv_gp_vjp(g, out, a)
    U, Vt, ak, A, B = basis  # the cotangent of A_k, carried back through the truncation
    d = mT(U) @ _pinv_gp_vjp(g, out, ak) @ mT(Vt)
    r = B.shape[-1]
    p = A * d
    p[..., :r, :r] += mT(B * d[..., :r, :r])
    return U @ p @ Vt


def _pinv_jvp_values(t, out, a, cut):
    basis = _truncation(a, cut, "forward")
    if basis is None:
        return _pinv_gp_jvp(t, out, a)
    U, Vt, ak, A, B = basis  # the tangent of A_k, then the pseudo-inverse's at A_k
    p = mT(U) @ t @ mT(Vt)
    r = B.shape[-1]
    d = A * p
    d[..., :r, :r] += B * mT(p[..., :r, :r])
    return _pinv_gp_jvp(U @ d @ Vt, out, ak)


def _dropped(a, cut):
    """(singular values, kept mask) when the cutoff drops singular values that are not zero
    (beyond rounding: 1e-12 of the smallest kept one), else None."""
    a = np.asarray(a)
    if a.size == 0:
        return None
    s = nan_if_not_finite(np.linalg.svd, a, compute_uv=False)
    kept = s > cut * s.max(axis=-1, initial=0.0)[..., None]
    low = np.min(np.where(kept, s, np.inf), axis=-1, keepdims=True)
    return (s, kept) if np.any(~kept & (s > 1e-12 * low)) else None


def _refusal(a, cut, mode, why):
    return NotImplementedError(
        f"pinv: the cutoff (rcond {cut:g}) drops nonzero singular values of a matrix of shape "
        f"{a.shape}, dtype {a.dtype}; the derivative of the truncated pseudo-inverse is "
        f"implemented for real matrices in first-order {mode} mode only (here: {why}). Use a "
        "smaller rcond, or truncate the SVD yourself with tg.linalg.svd")


def _exact_rank(a, cut, mode):
    """Refuse a derivative of the Golub-Pereyra rules where they would be wrong."""
    if _dropped(a, cut) is not None:
        raise _refusal(np.asarray(a), cut, mode, "a higher-order derivative")


def _truncation(a, cut, mode):
    """None where every singular value the cutoff drops is (numerically) zero, so that the
    Golub-Pereyra rules at ``a`` itself are exact. Otherwise ``(U, Vᵀ, A_k, A, B)``: the full
    SVD, the truncated matrix, and the derivative of the truncation A ↦ A_k in the SVD basis,
    D = A ∘ P + B ∘ Pᵀ (on the r × r block, r = min(m, n)) for P = Uᵀ dA V: 1 where row and
    column are kept (and on the kept part of the extra rows or columns of a non-square
    matrix), 0 where both are dropped, and for a kept s_i against a dropped s_j the turning of
    the kept singular vectors toward the dropped ones: s_i²/(s_i² − s_j²), s_i s_j/(s_i² − s_j²)."""
    found = _dropped(a, cut)
    if found is None:
        return None
    if a.dtype.kind == "c":
        raise _refusal(a, cut, mode, "a complex matrix")
    s, kept = found
    U, _, Vt = nan_if_not_finite(np.linalg.svd, a, full_matrices=True)
    m, n = a.shape[-2:]
    r = min(m, n)
    ak = (U[..., :, :r] * np.where(kept, s, 0.0)[..., None, :]) @ Vt[..., :r, :]
    ki, kj = kept[..., :, None], kept[..., None, :]
    si, sj = s[..., :, None], s[..., None, :]
    across = np.where(ki & ~kj, 1.0, 0.0) - np.where(~ki & kj, 1.0, 0.0)  # (i kept, j dropped): 1
    gap = np.where(across != 0, si * si - sj * sj, 1.0) * np.where(across != 0, across, 1.0)
    big = np.where(ki, si, sj)
    A = np.where(ki & kj, 1.0, np.where(across != 0, big * big / gap, 0.0))
    B = np.where(across != 0, si * sj / gap, 0.0)
    full = np.zeros(a.shape[:-2] + (m, n))
    full[..., :r, :r] = A
    if m > r:
        full[..., r:, :] = kept[..., None, :]
    if n > r:
        full[..., :, r:] = kept[..., :, None]
    return U, Vt, ak, full, B


def _pinv_gp_vjp(g, out, a):
    # the transpose of the JVP below under Re Σ a·b: its dAᴴ terms give conjugates
    x = out
    p_left = np.eye(_shape(a)[-2], dtype=dtype_of(x)) - a @ x      # I − A A⁺ (m × m)
    p_right = np.eye(_shape(a)[-1], dtype=dtype_of(x)) - x @ a     # I − A⁺A (n × n)
    xt, xc, gh = mT(x), conj_if_complex(x), conj_if_complex(mT(g))
    return -(xt @ g @ xt) + conj_if_complex(p_left) @ gh @ xc @ xt + xt @ xc @ gh @ conj_if_complex(p_right)


def _pinv_gp_jvp(t, out, a):
    x = out
    p_left = np.eye(_shape(a)[-2], dtype=dtype_of(x)) - a @ x
    p_right = np.eye(_shape(a)[-1], dtype=dtype_of(x)) - x @ a
    th, xh = conj_if_complex(mT(t)), conj_if_complex(mT(x))
    return -(x @ t @ x) + x @ xh @ th @ p_left + p_right @ th @ xh @ x


pinv = general(
    "pinv", lambda a, cut: nan_if_not_finite(np.linalg.pinv, a, rcond=cut),
    vjp={"a": _pinv_vjp}, jvp={"a": _pinv_jvp}, signature=_pinv_signature,
    params=("rcond",), public=False,
    # the op's parameter is NumPy's cutoff (rcond), JAX's rtol; the table's examples use the defaults
    jax=lambda jnp, a, rcond=None: jnp.linalg.pinv(a, rtol=rcond), symbol="−A⁺ ⊗ A⁺ᵀ + (projection terms)",
    doc="the Moore-Penrose pseudo-inverse",
    examples=[Example(((3, 2),)), Example(((2, 2, 3),))])


# ---- matrix_power, multi_dot ---------------------------------------------------------------------------
def matrix_power(a: ArrayLike, n: int) -> Array:
    """``a`` multiplied by itself ``n`` times (n < 0: powers of the inverse; n = 0: the identity),
    by repeated squaring as NumPy does."""
    size = square("matrix_power", a, complex_ok=True)
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
        raise TypeError(f"matrix_power: the exponent must be an integer, got {n!r}")
    n = int(n)
    if n == 0:  # the identity: on a trace still a function of a, with zero derivative
        eye = np.broadcast_to(np.eye(size, dtype=dtype(a)), _shape(a)).copy()
        return eye if type(a) is not Tensor else where(np.ones(eye.shape, dtype=bool), eye, a)
    if n < 0:
        a = bind(inv.op, (a,), ())
        n = -n
    result, power = None, a
    while True:  # binary powering: the bits of n from the lowest
        if n & 1:
            result = power if result is None else matmul(result, power)
        n >>= 1
        if not n:
            return result
        power = matmul(power, power)


def multi_dot(arrays: Sequence[ArrayLike], *, out=None, precision=None) -> Array:
    """The product of a chain of matrices, in the cheapest order (NumPy's ``multi_dot``).

    The first array may be 1-D (a row vector) and the last 1-D (a column);
    the others must be 2-D. ``precision`` is ``jnp.linalg.multi_dot``'s, accepted (NumPy
    computes at full precision).
    """
    if out is not None:  # (NumPy's: the product written into out, when it carries no gradient)
        return deliver("multi_dot", multi_dot(arrays, precision=precision), out)
    arrays = list(arrays)
    if len(arrays) < 2:
        raise ValueError("multi_dot: expecting at least two arrays")
    shapes = [_shape(x) for x in arrays]
    first_vec, last_vec = len(shapes[0]) == 1, len(shapes[-1]) == 1
    if first_vec:
        arrays[0] = expand_dims(arrays[0], 0)
    if last_vec:
        arrays[-1] = expand_dims(arrays[-1], -1)
    dims = []
    for k, x in enumerate(arrays):
        s = _shape(x)
        if len(s) != 2:
            raise ValueError(f"multi_dot: array {k} has shape {shapes[k]}; only the first and the "
                             "last may be 1-D, the others must be 2-D")
        if not dims:
            dims.append(s[0])
        elif dims[-1] != s[0]:
            raise ValueError(f"multi_dot: shapes {shapes[k - 1]} and {shapes[k]} (arrays {k - 1} "
                             f"and {k}) are not aligned")
        dims.append(s[1])
    result = _chain(arrays, _chain_order(dims), 0, len(arrays) - 1)
    if first_vec:
        result = getitem(result, 0)
    if last_vec:
        result = getitem(result, (Ellipsis, 0))
    return result


def _chain_order(p: list) -> list:
    """The matrix-chain split points (dynamic programming over the dimensions ``p``)."""
    n = len(p) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = float("inf")
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + p[i] * p[k + 1] * p[j + 1]
                if c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def _chain(arrays, split, i, j):
    if i == j:
        return arrays[i]
    k = split[i][j]
    return matmul(_chain(arrays, split, i, k), _chain(arrays, split, k + 1, j))


