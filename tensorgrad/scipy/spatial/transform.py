"""``tg.scipy.spatial.transform``: ``jax.scipy.spatial.transform``'s ``Rotation`` and ``Slerp``.

A :class:`Rotation` holds unit quaternions in SciPy's scalar-last order ``(x, y, z, w)``:
shape ``(4,)`` for a single rotation, ``(N, 4)`` (or more leading axes) for several. It is a
pytree whose only leaf is the quaternion array, so ``tg.jit``, ``tg.vmap`` and the
derivative transforms see through it, as through JAX's (a NamedTuple there).

* Constructors: ``from_quat`` (normalised; ``scalar_first``), ``from_matrix``,
  ``from_rotvec`` and ``from_mrp``, ``from_euler`` (up to three axes, ``'xyz'`` extrinsic or
  ``'XYZ'`` intrinsic, ``degrees``), ``identity``, ``random`` (from a ``tg.random`` key, as
  JAX's signature; JAX itself raises NotImplementedError) and ``concatenate``.
* Representations: ``as_quat`` (``canonical``: ``w >= 0`` with SciPy's tie rules;
  ``scalar_first``), ``as_matrix``, ``as_rotvec`` (``degrees``), ``as_mrp``, ``as_euler``
  (three axes; at gimbal lock the third angle is set to 0 as SciPy does, without SciPy's
  warning, as in JAX).
* ``apply(vectors, inverse=False)``, ``inv()``, ``magnitude()``, ``mean(weights)`` (the
  dominant eigenvector of the weighted quaternion scatter matrix), composition ``p * q``
  (broadcasting), ``r[i]``, ``len(r)`` and ``r.single``.

:class:`Slerp` interpolates between key rotations at increasing key times:
``Slerp(times, rotations)(t)`` (SciPy's call; ``Slerp.init(times, rotations)`` is JAX's
spelling). It is a pytree too.

Differences from SciPy: ``from_matrix`` does not first project a non-orthogonal matrix onto
the rotations (JAX's behaviour; SciPy does, by an SVD); the checks that need values
(zero quaternions, non-positive determinants, negative weights, Slerp times out of range or
not increasing) are skipped for values traced by ``tg.jit``; rotations keep a float32 dtype.

Everything is built from registered ops, so derivatives follow: in the quaternions (through
their normalisation), rotation vectors, matrices, angles, applied vectors, weights and times.
Where a small-angle series replaces ``sin(a)/a`` (angles below 1e-3, as SciPy and JAX do),
the unused branch is evaluated at a safe point, so the derivative at the identity rotation
is finite (JAX's is NaN there).
"""
from __future__ import annotations

import re

import numpy as np

from ... import linalg as _linalg
from ... import random as _random
from ...ops import (abs, arctan2, argmax, astype, concatenate, cos, hypot, maximum,  # noqa: A004
                    minimum, reshape, searchsorted, sin, sqrt, stack, sum, take, where,
                    zeros_like)
from ...ops._util import as_array_like, concrete, dtype_of, is_staged, real_array, shape_of
from ...tree import register_pytree_node
from ...typing import Array, ArrayLike  # noqa: F401

__all__ = ["Rotation", "Slerp"]

_DEG = 180.0 / np.pi


def _float(name: str, x, last: tuple):
    """``x`` as a real floating array whose trailing shape is ``last``."""
    x = real_array(x, f"Rotation.{name}", "the input")
    if np.dtype(dtype_of(x)).kind != "f":
        x = astype(x, np.float64)
    shape = tuple(shape_of(x))
    if len(shape) < len(last) or shape[len(shape) - len(last):] != last:
        want = ", ".join(str(n) for n in last)
        raise ValueError(f"Rotation.{name}: expected an array of shape (..., {want}), got "
                         f"shape {shape}")
    return x


def _known(x):
    """The concrete values of ``x``, or None when ``tg.jit`` stages them (no checks then)."""
    v = concrete(x)
    return None if is_staged(v) else np.asarray(v)


def _norm(v):
    return sqrt(sum(v * v, axis=-1))


def _parts(q):
    return q[..., 0], q[..., 1], q[..., 2], q[..., 3]


def _normalize(q):
    return q / _norm(q)[..., None]


def _canonical(q):
    """``q`` or ``-q``: ``w > 0``, or on a tie the first nonzero of x, y, z positive."""
    x, y, z, w = _parts(q)
    neg = ((w < 0) | ((w == 0) & (x < 0)) | ((w == 0) & (x == 0) & (y < 0))
           | ((w == 0) & (x == 0) & (y == 0) & (z < 0)))
    return where(neg[..., None], -q, q)


def _compose(p, q):
    """The quaternion of the rotation ``q`` followed by ``p`` (the Hamilton product p q)."""
    px, py, pz, pw = _parts(p)
    qx, qy, qz, qw = _parts(q)
    return stack([pw * qx + qw * px + (py * qz - pz * qy),
                  pw * qy + qw * py + (pz * qx - px * qz),
                  pw * qz + qw * pz + (px * qy - py * qx),
                  pw * qw - px * qx - py * qy - pz * qz], axis=-1)


def _conjugate(q):
    x, y, z, w = _parts(q)
    return stack([-x, -y, -z, w], axis=-1)


def _matrix(q):
    x, y, z, w = _parts(q)
    xx, yy, zz, ww = x * x, y * y, z * z, w * w
    xy, zw, xz, yw, yz, xw = x * y, z * w, x * z, y * w, y * z, x * w
    rows = [stack([xx - yy - zz + ww, 2 * (xy - zw), 2 * (xz + yw)], axis=-1),
            stack([2 * (xy + zw), -xx + yy - zz + ww, 2 * (yz - xw)], axis=-1),
            stack([2 * (xz - yw), 2 * (yz + xw), -xx - yy + zz + ww], axis=-1)]
    return stack(rows, axis=-2)


def _quat_of_matrix(m):
    """Markley's method: the quaternion from the largest of the diagonal and the trace."""
    d = [m[..., 0, 0], m[..., 1, 1], m[..., 2, 2]]
    trace = d[0] + d[1] + d[2]
    choice = argmax(stack(d + [trace], axis=-1), axis=-1)
    q = stack([m[..., 2, 1] - m[..., 1, 2], m[..., 0, 2] - m[..., 2, 0],
               m[..., 1, 0] - m[..., 0, 1], 1 + trace], axis=-1)
    for i in range(3):
        j, k = (i + 1) % 3, (i + 2) % 3
        comp = [None] * 4
        comp[i] = 1 - trace + 2 * m[..., i, i]
        comp[j] = m[..., j, i] + m[..., i, j]
        comp[k] = m[..., k, i] + m[..., i, k]
        comp[3] = m[..., k, j] - m[..., j, k]
        q = where((choice == i)[..., None], stack(comp, axis=-1), q)
    return _normalize(q)


def _quat_of_rotvec(v):
    """``[sin(a/2) v/a, cos(a/2)]`` with ``a = |v|`` (a series below a = 1e-3)."""
    a2 = sum(v * v, axis=-1)
    small = a2 <= 1e-6
    a = sqrt(where(small, 1.0, a2))  # (the series is used where small: no 0/0 anywhere)
    scale = where(small, 0.5 - a2 / 48 + a2 * a2 / 3840, sin(a / 2) / a)
    w = where(small, 1 - a2 / 8 + a2 * a2 / 384, cos(a / 2))
    return concatenate([v * scale[..., None], w[..., None]], axis=-1)


def _rotvec(q, degrees: bool):
    q = _canonical(q)
    s2 = sum(q[..., :3] * q[..., :3], axis=-1)
    angle = 2 * arctan2(sqrt(where(s2 == 0, 1.0, s2)), q[..., 3])
    angle = where(s2 == 0, 0.0, angle)
    small = angle <= 1e-3
    safe = where(small, 1.0, angle)
    g2 = angle * angle
    scale = where(small, 2 + g2 / 12 + 7 * g2 * g2 / 2880, safe / sin(safe / 2))
    if degrees:
        scale = scale * _DEG
    return scale[..., None] * q[..., :3]


def _mrp(q):
    w = q[..., 3]
    v = where((w < 0)[..., None], -q[..., :3], q[..., :3])
    return v / (1 + abs(w))[..., None]


def _quat_of_mrp(p):
    n2 = sum(p * p, axis=-1)[..., None]
    return concatenate([2 * p, 1 - n2], axis=-1) / (1 + n2)


def _magnitude(q):
    s2 = sum(q[..., :3] * q[..., :3], axis=-1)
    s = sqrt(where(s2 == 0, 1.0, s2))
    return where(s2 == 0, 0.0, 2 * arctan2(s, abs(q[..., 3])))


_AXIS = {"x": 0, "y": 1, "z": 2}


def _check_seq(name: str, seq, lengths) -> bool:
    """SciPy's checks of an axis sequence; True if it is extrinsic (lower case)."""
    if not isinstance(seq, str) or len(seq) not in lengths:
        want = "3 axes" if lengths == (3,) else "a non-empty string of up to 3 characters"
        raise ValueError(f"Rotation.{name}: expected {want}, got {seq!r}")
    extrinsic = re.fullmatch(r"[xyz]+", seq) is not None
    if not extrinsic and re.fullmatch(r"[XYZ]+", seq) is None:
        raise ValueError(f"Rotation.{name}: expected axes from ['x', 'y', 'z'] (extrinsic) or "
                         f"['X', 'Y', 'Z'] (intrinsic), not mixed, got {seq!r}")
    if any(a == b for a, b in zip(seq, seq[1:])):
        raise ValueError(f"Rotation.{name}: expected consecutive axes to be different, got "
                         f"{seq!r}")
    return extrinsic


def _elementary(axis: int, angle):
    half = angle / 2
    zero = zeros_like(angle)
    comp = [zero, zero, zero, cos(half)]
    comp[axis] = sin(half)
    return stack(comp, axis=-1)


def _euler(q, seq: str, degrees: bool):
    """Bernardes and Viollet's quaternion-to-Euler angles (SciPy's algorithm)."""
    extrinsic = seq.islower()
    axes = [_AXIS[c] for c in seq.lower()]
    if not extrinsic:
        axes = axes[::-1]
    i, j, k = axes
    symmetric = i == k
    if symmetric:
        k = 3 - i - j
    sign = (i - j) * (j - k) * (k - i) // 2
    qi, qj, qk, qw = q[..., i], q[..., j], q[..., k], q[..., 3]
    if symmetric:
        a, b, c, d = qw, qi, qj, qk * sign
    else:
        a, b, c, d = qw - qj, qi + qk * sign, qj + qw, qk * sign - qi
    half_sum, half_diff = arctan2(b, a), arctan2(d, c)
    middle = 2 * arctan2(hypot(c, d), hypot(a, b))
    eps = 1e-7
    near0 = abs(middle) <= eps
    regular = np.logical_not(near0 | (abs(middle - np.pi) <= eps))
    first, third = (0, 2) if extrinsic else (2, 0)
    out = [where(near0, 2 * half_sum, 2 * half_diff * (-1 if extrinsic else 1)), middle,
           zeros_like(middle)]
    out[first] = where(regular, half_sum - half_diff, out[first])
    out[third] = where(regular, half_sum + half_diff, out[third])
    if not symmetric:
        out[third] = out[third] * sign
        out[1] = out[1] - np.pi / 2
    for t in (0, 2):  # (the middle angle is in range already: a middle angle of pi stays pi)
        out[t] = (out[t] + np.pi) % (2 * np.pi) - np.pi
    angles = stack(out, axis=-1)
    return angles * _DEG if degrees else angles


class Rotation:
    """Rotations in 3 dimensions, as ``jax.scipy.spatial.transform.Rotation`` (and SciPy's
    ``scipy.spatial.transform.Rotation``): unit quaternions ``quat`` (scalar last) of shape
    ``(4,)`` or ``(N, 4)``. Make one with the ``from_*`` class methods; see the module for
    the operations. A pytree: ``tg.jit``, ``tg.vmap`` and ``tg.grad`` see its quaternions.
    """

    __slots__ = ("quat",)

    def __init__(self, quat):
        self.quat = quat

    def __repr__(self) -> str:
        return f"Rotation(quat={self.quat!r})"

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_quat(cls, quat, *, scalar_first: bool = False) -> Rotation:
        """Rotations from quaternions of shape ``(..., 4)``, each normalised to unit norm;
        ``scalar_first``: given as ``(w, x, y, z)`` (else ``(x, y, z, w)``). A zero
        quaternion raises ``ValueError`` (when its values are known)."""
        q = _float("from_quat", quat, (4,))
        if scalar_first:
            q = concatenate([q[..., 1:], q[..., :1]], axis=-1)
        v = _known(q)
        if v is not None and np.any(np.sum(v * v, axis=-1) == 0):
            raise ValueError("Rotation.from_quat: found a quaternion of zero norm")
        return cls(_normalize(q))

    @classmethod
    def from_matrix(cls, matrix) -> Rotation:
        """Rotations from rotation matrices of shape ``(..., 3, 3)`` (Markley's method, the
        quaternion normalised). A matrix with a non-positive determinant raises ``ValueError``
        (when its values are known)."""
        m = _float("from_matrix", matrix, (3, 3))
        v = _known(m)
        if v is not None and np.any(np.linalg.det(v) <= 0):
            raise ValueError("Rotation.from_matrix: non-positive determinant (left-handed or "
                             "null coordinate frame) in a rotation matrix")
        return cls(_quat_of_matrix(m))

    @classmethod
    def from_rotvec(cls, rotvec, degrees: bool = False) -> Rotation:
        """Rotations from rotation vectors (axis times angle) of shape ``(..., 3)``; the angle
        in degrees if ``degrees``."""
        v = _float("from_rotvec", rotvec, (3,))
        if degrees:
            v = v / _DEG
        return cls(_quat_of_rotvec(v))

    @classmethod
    def from_mrp(cls, mrp) -> Rotation:
        """Rotations from Modified Rodrigues Parameters (axis times ``tan(angle / 4)``) of
        shape ``(..., 3)``."""
        return cls(_quat_of_mrp(_float("from_mrp", mrp, (3,))))

    @classmethod
    def from_euler(cls, seq: str, angles, degrees: bool = False) -> Rotation:
        """Rotations from Euler angles about the axes ``seq`` (1 to 3 of ``'xyz'``,
        extrinsic, or of ``'XYZ'``, intrinsic). ``angles``: shape ``(len(seq),)`` (or a
        scalar for one axis) for a single rotation, ``(N, len(seq))`` for several."""
        extrinsic = _check_seq("from_euler", seq, (1, 2, 3))
        a = as_array_like(angles)
        n = len(seq)
        if len(shape_of(a)) == 0:
            a = reshape(a, tuple(shape_of(a)) + (1,))
        a = _float("from_euler", a, (n,))
        if degrees:
            a = a / _DEG
        axes = [_AXIS[c] for c in seq.lower()]
        q = _elementary(axes[0], a[..., 0])
        for t in range(1, n):
            e = _elementary(axes[t], a[..., t])
            q = _compose(e, q) if extrinsic else _compose(q, e)
        return cls(q)

    @classmethod
    def identity(cls, num: int | None = None, dtype=float) -> Rotation:
        """The identity rotation (``num=None``) or ``num`` of them."""
        q = np.array([0.0, 0.0, 0.0, 1.0], dtype=dtype)
        if num is not None:
            if int(num) != num or num < 0:
                raise ValueError(f"Rotation.identity: num must be a non-negative integer, got "
                                 f"{num!r}")
            q = np.tile(q, (int(num), 1))
        return cls(q)

    @classmethod
    def random(cls, random_key, num: int | None = None) -> Rotation:
        """Uniformly distributed rotations (normalised standard normal 4-vectors) from the
        ``tg.random`` key ``random_key``: one (``num=None``) or ``num``."""
        shape = (4,) if num is None else (int(num), 4)
        return cls.from_quat(_random.normal(random_key, shape))

    @classmethod
    def concatenate(cls, rotations) -> Rotation:
        """The rotations of a sequence of ``Rotation`` objects, in order, joined along their
        first axis as SciPy does: a single rotation counts as shape ``(1, 4)``, the others
        keep their shape ``(N, ..., 4)`` (the trailing shapes must agree). A lone
        ``Rotation`` is returned as a copy."""
        if isinstance(rotations, Rotation):
            return cls(rotations.quat)
        rotations = list(rotations)
        if not rotations or not all(isinstance(r, Rotation) for r in rotations):
            raise TypeError("Rotation.concatenate: expected a non-empty sequence of Rotation "
                            "objects")
        quats = [reshape(r.quat, (1, 4)) if r.single else r.quat for r in rotations]
        rests = {tuple(shape_of(q))[1:] for q in quats}
        if len(rests) > 1:
            raise ValueError(f"Rotation.concatenate: expected rotations of the same shape "
                             f"after the first axis, got shapes "
                             f"{[tuple(shape_of(q))[:-1] for q in quats]}")
        return cls(concatenate(quats, axis=0))

    # ----------------------------------------------------------- representations
    def as_quat(self, canonical: bool = False, scalar_first: bool = False) -> Array:
        """The quaternions, ``(x, y, z, w)`` (``(w, x, y, z)`` if ``scalar_first``); with
        ``canonical``, the one of ``q`` and ``-q`` with ``w > 0`` (SciPy's tie rules)."""
        q = _canonical(self.quat) if canonical else self.quat
        if scalar_first:
            q = concatenate([q[..., 3:], q[..., :3]], axis=-1)
        return q

    def as_matrix(self) -> Array:
        """The rotation matrices, shape ``(..., 3, 3)``."""
        return _matrix(self.quat)

    def as_rotvec(self, degrees: bool = False) -> Array:
        """The rotation vectors (axis times angle in ``[0, pi]``; degrees if ``degrees``)."""
        return _rotvec(self.quat, degrees)

    def as_mrp(self) -> Array:
        """The Modified Rodrigues Parameters (the ones of norm at most 1)."""
        return _mrp(self.quat)

    def as_euler(self, seq: str, degrees: bool = False) -> Array:
        """Euler angles about the three axes ``seq`` (``'xyz'``-style extrinsic, ``'XYZ'``
        intrinsic): first and third in ``[-pi, pi]``, second in ``[0, pi]`` (symmetric
        sequences) or ``[-pi/2, pi/2]``. At gimbal lock the third angle is 0 (SciPy's choice;
        no warning is given, as in JAX)."""
        _check_seq("as_euler", seq, (3,))
        return _euler(self.quat, seq, degrees)

    # ---------------------------------------------------------------- operations
    def apply(self, vectors, inverse: bool = False) -> Array:
        """The vectors (shape ``(3,)`` or ``(N, 3)``) rotated by these rotations (by their
        inverses if ``inverse``); rotations and vectors broadcast."""
        v = _float("apply", vectors, (3,))
        m = _matrix(self.quat)
        lead_m, lead_v = tuple(shape_of(m))[:-2], tuple(shape_of(v))[:-1]
        try:
            np.broadcast_shapes(lead_m, lead_v)
        except ValueError:
            raise ValueError(f"Rotation.apply: expected as many vectors as rotations (or one "
                             f"of either), got vectors of shape {tuple(shape_of(v))} for "
                             f"rotations of shape {lead_m}") from None
        if inverse:
            return sum(m * v[..., :, None], axis=-2)
        return sum(m * v[..., None, :], axis=-1)

    def inv(self) -> Rotation:
        """The inverse rotations (the conjugate quaternions)."""
        return Rotation(_conjugate(self.quat))

    def magnitude(self) -> Array:
        """The rotation angles, in ``[0, pi]``."""
        return _magnitude(self.quat)

    def mean(self, weights=None) -> Rotation:
        """The (weighted) mean rotation: the unit eigenvector of the largest eigenvalue of
        ``sum_i w_i q_i q_i^T`` (Markley et al.), over all the rotations (SciPy's
        ``axis=None``). ``weights``: non-negative, one a rotation (shape ``(N,)``, or the
        rotations' own shape ``(N, M, ...)``)."""
        lead = tuple(shape_of(self.quat))[:-1]
        q = reshape(self.quat, (-1, 4))
        n = tuple(shape_of(q))[0]
        if n == 0:
            raise ValueError("Rotation.mean: the mean of no rotations is undefined")
        if weights is None:
            wq = q
        else:
            w = real_array(weights, "Rotation.mean", "weights")
            shapes = [(n,)] + ([lead] if len(lead) > 1 else [])
            if tuple(shape_of(w)) not in shapes:
                want = " or ".join(str(s) for s in shapes)
                raise ValueError(f"Rotation.mean: expected weights of shape {want}, one a "
                                 f"rotation, got shape {tuple(shape_of(w))}")
            w = reshape(w, (n,))
            wv = _known(w)
            if wv is not None and np.any(wv < 0):
                raise ValueError("Rotation.mean: weights must be non-negative")
            wq = astype(w, dtype_of(q))[:, None] * q
        k = sum(wq[:, :, None] * q[:, None, :], axis=0)
        return Rotation(_linalg.eigh(k)[1][..., -1])

    def __mul__(self, other: Rotation) -> Rotation:
        """The composition: ``(p * q).apply(v) == p.apply(q.apply(v))`` (broadcasting)."""
        if not isinstance(other, Rotation):
            return NotImplemented
        lead_p, lead_q = tuple(shape_of(self.quat))[:-1], tuple(shape_of(other.quat))[:-1]
        try:
            np.broadcast_shapes(lead_p, lead_q)
        except ValueError:
            raise ValueError(f"Rotation.__mul__: cannot broadcast {lead_p} rotations in the "
                             f"first to {lead_q} rotations in the second") from None
        return Rotation(_normalize(_compose(self.quat, other.quat)))

    def __getitem__(self, index) -> Rotation:
        """The rotation(s) at ``index`` (an integer, slice or index array)."""
        if self.single:
            raise TypeError("Rotation: a single rotation is not subscriptable")
        return Rotation(self.quat[index])

    def __bool__(self) -> bool:
        """Always True, as SciPy's (gh-16663): ``__len__`` alone would make a single rotation
        raise and an empty one falsy in ``if r:``."""
        return True

    def __len__(self) -> int:
        """The number of rotations (a single rotation has no len())."""
        if self.single:
            raise TypeError("Rotation: a single rotation has no len()")
        return tuple(shape_of(self.quat))[0]

    @property
    def single(self) -> bool:
        """Whether this holds one rotation (quaternion of shape ``(4,)``)."""
        return len(shape_of(self.quat)) == 1


class Slerp:
    """Spherical linear interpolation of rotations, as SciPy's and JAX's ``Slerp``:
    ``Slerp(times, rotations)`` with increasing key ``times`` (1-D, one a rotation, at
    least two), then ``slerp(t)`` for ``t`` a scalar (a single rotation) or 1-D. Between
    key times the rotation turns at a constant rate about a fixed axis. Times outside
    ``[times[0], times[-1]]`` raise ``ValueError`` (SciPy's error; under ``tg.jit`` they
    extrapolate from the end intervals, as JAX does not check either).
    """

    __slots__ = ("times", "timedelta", "rotations", "rotvecs")

    def __init__(self, times, rotations: Rotation):
        if not isinstance(rotations, Rotation):
            raise TypeError("Slerp: rotations must be a Rotation instance")
        if rotations.single or len(rotations) < 2:
            raise ValueError("Slerp: rotations must be a sequence of at least 2 rotations")
        q = rotations.quat
        if len(shape_of(q)) != 2:
            raise ValueError(f"Slerp: rotations must be 1-dimensional (shape (N, 4)), got "
                             f"shape {tuple(shape_of(q))}")
        t = real_array(times, "Slerp", "times")
        t = astype(t, dtype_of(q)) if np.dtype(dtype_of(t)) != np.dtype(dtype_of(q)) else t
        if len(shape_of(t)) != 1:
            raise ValueError(f"Slerp: times must be 1-dimensional, got {len(shape_of(t))} "
                             f"dimensions")
        if tuple(shape_of(t))[0] != len(rotations):
            raise ValueError(f"Slerp: expected as many times as rotations, got "
                             f"{tuple(shape_of(t))[0]} times and {len(rotations)} rotations")
        tv = _known(t)
        if tv is not None and not np.all(np.diff(tv) > 0):
            raise ValueError("Slerp: times must be in strictly increasing order")
        start = Rotation(q[:-1])
        self.times = t
        self.timedelta = t[1:] - t[:-1]
        self.rotations = start
        self.rotvecs = (start.inv() * Rotation(q[1:])).as_rotvec()

    @classmethod
    def init(cls, times, rotations: Rotation) -> Slerp:
        """JAX's constructor: the same as ``Slerp(times, rotations)``."""
        return cls(times, rotations)

    def __repr__(self) -> str:
        return f"Slerp(times={self.times!r})"

    def __call__(self, times) -> Rotation:
        """The interpolated rotations at ``times`` (a scalar gives a single rotation)."""
        t = real_array(times, "Slerp", "times")
        if np.dtype(dtype_of(t)) != np.dtype(dtype_of(self.times)):
            t = astype(t, dtype_of(self.times))
        ndim = len(shape_of(t))
        if ndim > 1:
            raise ValueError("Slerp: times must be at most 1-dimensional")
        t = reshape(t, (-1,))
        tv, kv = _known(t), _known(self.times)
        if tv is not None and kv is not None and not np.all((tv >= kv[0]) & (tv <= kv[-1])):
            raise ValueError(f"Slerp: interpolation times must be within the range "
                             f"[{kv[0]}, {kv[-1]}], both inclusive")
        last = tuple(shape_of(self.timedelta))[0] - 1
        ind = minimum(maximum(searchsorted(self.times, t) - 1, 0), last)
        alpha = (t - take(self.times, ind)) / take(self.timedelta, ind)
        step = Rotation.from_rotvec(take(self.rotvecs, ind, axis=0) * alpha[:, None])
        result = Rotation(take(self.rotations.quat, ind, axis=0)) * step
        return result[0] if ndim == 0 else result


def _rotation_flatten(r: Rotation):
    return (r.quat,), None


def _rotation_unflatten(aux, children) -> Rotation:
    return Rotation(children[0])


def _slerp_flatten(s: Slerp):
    return (s.times, s.timedelta, s.rotations, s.rotvecs), None


def _slerp_unflatten(aux, children) -> Slerp:
    s = object.__new__(Slerp)  # (the leaves were checked when it was made)
    s.times, s.timedelta, s.rotations, s.rotvecs = children
    return s


register_pytree_node(Rotation, _rotation_flatten, _rotation_unflatten)
register_pytree_node(Slerp, _slerp_flatten, _slerp_unflatten)
