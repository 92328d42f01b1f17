"""Complex values: the real and imaginary parts, the conjugate, ``complex(x, y)`` and the angle.

Each rule follows JAX's convention (:mod:`tensorgrad.complexity`): a tangent of a
complex value is complex, a VJP is the transpose of the JVP under the pairing
``Re(Σ a·b)``. So for ``z = x + iy``::

    real:     JVP  t ↦ Re t                VJP  g ↦ g + 0i
    imag:     JVP  t ↦ Im t                VJP  g ↦ −i g
    conj:     JVP  t ↦ conj t              VJP  g ↦ conj g
    complex:  JVP  (s, t) ↦ s + i t        VJP  g ↦ (Re g, −Im g)
    angle:    JVP  t ↦ Im(t / z)           VJP  g ↦ −i g / z

``tg.real``, ``tg.imag``, ``tg.conj``, ``tg.angle`` and ``tg.abs`` call these ops on
complex arrays; ``tg.lax.complex`` (and ``tg.lax.real``, ``imag``, ``conj``) are
them as public functions.
"""
from __future__ import annotations

import numpy as np

from ..complexity import REAL
from ..registry import Example, general, linear
from ..staging import call as staged_call
from ..tensor import Tensor
from ._util import concrete, dtype_of, is_staged, lift_tangent, ndim_of, shape_of

__all__ = ["real_part", "imag_part", "conj_part", "lax_conj", "make_complex", "by_parts", "complex_angle",
           "complex_dtype",
           "eigvals", "real_if_complex"]


def complex_dtype(dt) -> np.dtype:
    """The complex dtype of a real one's precision (float32 -> complex64; ints -> complex128)."""
    dt = np.dtype(dt)
    if dt.kind == "c":
        return dt
    if dt.kind == "f" and dt.itemsize <= 4:
        return np.dtype(np.complex64)
    return np.dtype(np.complex128)


def _real_fwd(x):
    if is_staged(x):
        return np.real(x)
    return np.array(np.real(x))  # (np.real of a complex array is a view of it)


def _imag_fwd(x):
    if is_staged(x):
        return np.imag(x)
    return np.array(np.imag(x))


def _complex_fwd(x, y):
    if is_staged(x) or is_staged(y):
        return np.add(x, np.multiply(y, 1j))
    x, y = np.asarray(x), np.asarray(y)
    if x.dtype.kind == "c" or y.dtype.kind == "c":
        raise TypeError(f"complex: x and y must be real, got dtypes {x.dtype} and {y.dtype}")
    out = np.empty(np.broadcast_shapes(x.shape, y.shape),
                   complex_dtype(np.result_type(x.dtype, y.dtype)))
    out.real = x  # (x + 1j*y would turn an infinite y into NaN + inf·i)
    out.imag = y
    return out


real_part = linear(
    "real_part", _real_fwd, transpose=lambda g, out, x: make_complex(g, 0.0) if dtype_of(x).kind == "c" else g,
    public=False, complex=True, jax="jax.numpy.real", symbol="Re",
    doc="the real part of a complex array", numpy=(),
    examples=[Example(((2, 3),))])

imag_part = linear(
    "imag_part", _imag_fwd,
    transpose=lambda g, out, x: make_complex(0.0, -g) if dtype_of(x).kind == "c" else None,
    public=False, complex=True, jax="jax.numpy.imag", symbol="Im",
    doc="the imaginary part of a complex array", numpy=(),
    examples=[Example(((2, 3),))])

conj_part = linear(
    "conj_part", np.conjugate, transpose=lambda g, out, x: conj_part(g),
    public=False, complex=True, jax="jax.numpy.conj", symbol="conj",
    doc="the complex conjugate", numpy=(),
    examples=[Example(((2, 3),))])


def lax_conj(x):
    """``jax.lax.conj``: the conjugate, always complex (a real array of floats becomes complex of
    its precision, with a zero imaginary part)."""
    dt = dtype_of(x)
    if dt.kind == "f":
        return make_complex(x, np.zeros((), dt))
    return conj_part(x)


def _complex_vjp_x(g, out, x, y):
    return real_part(g)


def _complex_vjp_y(g, out, x, y):
    return -imag_part(g)


make_complex = general(
    "complex", _complex_fwd,
    vjp={"x": _complex_vjp_x, "y": _complex_vjp_y},
    # (a tangent batched by jacfwd/vmap lines its axes up with the output's first, so a 0-d
    # operand's meets the other's)
    jvp={"x": lambda t, out, x, y: make_complex(lift_tangent(t, x, ndim_of(out)), 0.0),
         "y": lambda t, out, x, y: make_complex(0.0, lift_tangent(t, y, ndim_of(out)))},
    public=False, complex=True, jax=lambda jnp, x, y: x + 1j * y, symbol="[1, i]",
    doc="x + iy from two real arrays (as jax.lax.complex)", numpy=(),
    examples=[Example(((2, 3), (2, 3))), Example(((3,), (2, 1)))])


def by_parts(fn, *zs):
    """``fn(*zs)`` for a ``fn`` linear in its (real) arguments, given complex ones: ``fn`` of
    their real parts plus i times ``fn`` of their imaginary parts (resampling, interpolation)."""
    return make_complex(fn(*[real_part(z) for z in zs]), fn(*[imag_part(z) for z in zs]))


def _off_zero(z, r):
    """``r(safe z)``, with 0 where z = 0 (angle has no derivative there: 0, as abs's
    subgradient; under tg.jit the mask is a step of the plan)."""
    zv = concrete(z)
    if not is_staged(zv) and not np.any(zv == 0):
        return r(z)
    return r(z + (zv == 0)) * (zv != 0)


def _angle_rule(g, out, z):
    # angle = atan2(Im z, Re z): d angle = Im(dz / z); as a VJP, g ↦ −i g / z
    return _off_zero(z, lambda s: make_complex(0.0, -real_part(g)) / s)


def _angle_jvp(t, out, z):
    return _off_zero(z, lambda s: imag_part(t / s))


complex_angle = general(
    "angle", np.angle, vjp={"x": _angle_rule}, jvp={"x": _angle_jvp},
    public=False, complex=True, jax="jax.numpy.angle", symbol="Im(· / z)",
    doc="the angle of a complex array, in radians", numpy=(),
    examples=[Example(((2, 3),))])

REAL[0] = real_part  # the engine's real part of a complex cotangent for a real input


def real_if_complex(v):
    """The real part of a complex ``v`` whose values are real (eigenvalues, singular values,
    a packed row of them, Re diag of a Hermitian matrix); ``v`` itself when real."""
    return real_part(v) if dtype_of(concrete(v)).kind == "c" else v


# ---- eigenvalues of a general matrix ---------------------------------------------------------
def square_numeric(a, name: str):
    """``((a,), ())`` after checking that ``a`` is a square numeric matrix or a stack of them
    (the signature of ``name``: eigvals, eig)."""
    s = shape_of(a)
    if len(s) < 2 or s[-1] != s[-2]:
        raise np.linalg.LinAlgError(f"{name}: expected a square matrix or a stack of them "
                                    f"(shape (..., n, n)), got shape {s}")
    if dtype_of(a).kind not in "fciub":
        raise TypeError(f"{name}: needs a numeric matrix, got dtype {dtype_of(a)}")
    return (a,), ()


def _eigvals_signature(a):
    return square_numeric(a, "eigvals")


def _eigvals_forward(a):
    # always complex, as JAX's (NumPy returns a real array when every eigenvalue is real)
    return np.linalg.eigvals(a).astype(complex_dtype(a.dtype))


#: set by tensorgrad.ops.eig: ``fn(a) -> (V, V⁻¹)`` with eig's differentiable eigenvectors, for
#: a sweep of eigvals that is itself recorded (second and higher derivatives)
RECORDED_BASIS: list = []


def _eig_basis(a, name: str):
    """The eigenvectors V of ``a`` and W = V⁻¹: constants of the first-order rules; recorded
    through ``eig``'s rules when ``a`` is (a second derivative)."""
    if type(a) is Tensor:
        return RECORDED_BASIS[0](a)
    v = staged_call(lambda m: np.linalg.eig(m)[1].astype(complex_dtype(m.dtype)), a)
    return v, staged_call(np.linalg.inv, v)


def _eigvals_vjp(g, out, a):
    # dλ_i = (W dA V)_ii, so Ā = Wᵀ diag(g) Vᵀ (a transpose, not an adjoint: JAX's pairing)
    v, w = _eig_basis(a, "eigvals")
    if type(g) is Tensor or type(v) is Tensor:  # (recorded: the ops' own rules differentiate it)
        return w.swapaxes(-1, -2) @ (g[..., :, None] * v.swapaxes(-1, -2))
    return staged_call(lambda g, v, w: np.swapaxes(w, -1, -2) @ (g[..., :, None] * np.swapaxes(v, -1, -2)),
                       g, v, w)


def _eigvals_jvp(t, out, a):
    v, w = _eig_basis(a, "eigvals")
    if type(t) is Tensor or type(v) is Tensor:  # (W t V)_ii = Σ_j W_ij (t V)_ji
        return (w * (t @ v).swapaxes(-1, -2)).sum(axis=-1)
    return staged_call(lambda t, v, w: np.einsum("...ij,...jk,...ki->...i", w, t, v), t, v, w)


eigvals = general(
    "eigvals", _eigvals_forward, vjp={"a": _eigvals_vjp}, jvp={"a": _eigvals_jvp},
    # (second_order=False: JAX's eigvals has no second derivative for the table to compare
    # with; tests/test_eig.py checks it against JAX's eig with enable_eigvec_derivs=True)
    signature=_eigvals_signature, public=False, complex=True, second_order=False, numpy=(),
    jax="jax.numpy.linalg.eigvals", symbol="dλ_i = (V⁻¹ dA V)_ii",
    doc="the eigenvalues of a general square matrix (complex)",
    examples=[Example(((3, 3),)), Example(((2, 4, 4),))])
