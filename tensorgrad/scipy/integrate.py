"""``tg.scipy.integrate``: integrals of samples and an ODE solver, differentiable.

* ``trapezoid``, ``simpson``, ``cumulative_trapezoid``, ``cumulative_simpson``: SciPy's
  quadrature of sampled values (``simpson`` with SciPy ≥ 1.11's rule for an even number of
  samples), linear in ``y`` and differentiable in ``y``, ``x`` and ``dx``;
* ``odeint``: SciPy's signature (``args=`` a tuple, as HIPS autograd's), an adaptive
  Dormand–Prince 5(4) Runge–Kutta integrator whose steps are tensorgrad ops, differentiable
  in the initial state, the extra arguments and the output times. JAX's signature (``*args``,
  pytree states) is ``tensorgrad.experimental.ode.odeint``, the same solver
  (:func:`dormand_prince`).

How ``odeint`` differentiates: it chooses its steps from concrete error estimates (those
choices are constants, as a step-size controller's decisions are piecewise constant), and
every step it keeps is recorded as ops, with the step lengths written as fractions of the
traced output times. So ``tg.grad``, ``tg.jacfwd``, ``tg.jacrev`` (and higher orders)
differentiate the computed discrete solution exactly ("discretize, then differentiate").
These derivatives agree with the exact ones (and with JAX's adjoint method) to about the
tolerance, not to rounding, in ``y0`` and ``args``. In the times ``t`` they are less close:
moving a time stretches every step up to it, and the discretization error changes with the
step size, so each derivative in ``t`` loses about a factor of the step size (with the
default tolerances, ~1e-5 relative for first and ~1e-4 for second derivatives in ``t``;
tighten ``rtol``/``atol`` for more). Where ``func`` is not differentiable in ``t`` at a
stage time (``sqrt(t)`` at ``t[0] = 0``), so is the discrete solution: the derivative in
``t`` can be infinite though the exact one is finite. ``tg.vmap`` works (tensorgrad maps
by a loop); ``tg.jit`` does not, since the step choice needs concrete values: ``odeint``
raises a clear error there.
"""
from __future__ import annotations

import math

import numpy as np

from ..ops import astype, concatenate, cumsum, flip, moveaxis, reshape, stack, zeros
from ..ops import sum as _sum
from ..ops._util import as_array_like, negative_axis
from ..ops.signal import trapezoid as _trapezoid
from ..staging import find_staged, is_staged
from ..tensor import concrete, dtype_of, shape_of
from ..tree import tree_flatten, tree_unflatten
from ..typing import Array, ArrayLike  # noqa: F401

__all__ = ["trapezoid", "simpson", "cumulative_trapezoid", "cumulative_simpson", "odeint",
           "dormand_prince"]


# ---- quadrature of samples ---------------------------------------------------------------------
def _floating(y):
    y = as_array_like(y)
    dt = np.dtype(dtype_of(y))
    if dt.kind == "c":
        raise TypeError("tg.scipy.integrate: complex inputs are not supported "
                        "(tensorgrad differentiates real arrays)")
    if dt.kind != "f":
        y = astype(y, np.float64)
    return y


def _samples(name: str, y, x, axis):
    """``y`` with ``axis`` last, and ``x`` (or None) broadcastable to it with ``axis`` last."""
    y = _floating(y)
    ys = shape_of(y)
    if not ys:
        raise ValueError(f"{name}: y must have at least one dimension, got a 0-d array")
    ax = negative_axis(axis, len(ys), name)
    ym = moveaxis(y, ax, -1) if ax != -1 else y
    n = ys[ax]
    if x is None:
        return ym, None, n
    x = _floating(x)
    xs = shape_of(x)
    if len(xs) == 1:
        if xs[0] != n:
            raise ValueError(f"{name}: x of length {xs[0]} does not match y's length {n} along "
                             f"axis {axis}")
        return ym, x, n
    if len(xs) != len(ys) or xs[ax] != n:
        raise ValueError(f"{name}: x must be 1-D or have y's number of dimensions and length "
                         f"along axis {axis}; got shapes {xs} and {ys}")
    return ym, moveaxis(x, ax, -1) if ax != -1 else x, n


def _no_repeats(name: str, h, strict: bool) -> None:
    hv = concrete(h)
    if is_staged(hv):
        return
    hv = np.asarray(hv)
    if (strict and np.any(hv <= 0)) or np.any(hv == 0):
        raise ValueError(f"{name}: x must be strictly increasing" if strict else
                         f"{name}: x must not repeat a point (a zero spacing)")


def trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: float = 1.0, axis: int = -1) -> Array:
    """The integral of the samples ``y`` along ``axis`` by the trapezoidal rule (``tg.trapezoid``):
    ``Σ (x[i+1] - x[i]) · (y[i] + y[i+1]) / 2``, or with the spacing ``dx``. Linear in ``y``;
    differentiable in ``y``, ``x`` and ``dx``."""
    return _trapezoid(_floating(y), x, dx=dx, axis=axis)


def _simpson_pairs(y, h0, h1):
    """Simpson's rule over the pairs of intervals (h0, h1) with samples y[0::2], y[1::2], y[2::2]
    (each of the three slices aligned with the pairs): the integral of the parabola through
    three points."""
    y0, y1, y2 = y[..., 0:-2:2], y[..., 1:-1:2], y[..., 2::2]
    hs = h0 + h1
    return _sum(hs / 6.0 * (y0 * (2.0 - h1 / h0) + y1 * (hs * hs / (h0 * h1)) + y2 * (2.0 - h0 / h1)),
                axis=-1)


def simpson(y: ArrayLike, x: ArrayLike | None = None, dx: float = 1.0, axis: int = -1) -> Array:
    """The integral of the samples ``y`` along ``axis`` by the composite Simpson's rule
    (SciPy ≥ 1.11's ``simpson``).

    With an odd number ``N`` of samples: parabolas through consecutive triples of samples
    (irregular spacings ``x`` allowed). With an even ``N ≥ 4``: Simpson's rule on the first
    ``N - 1`` samples plus, for the last interval, the integral of the parabola through the
    last three samples (Cartwright's correction, as SciPy does); ``N = 2`` is a trapezoid and
    ``N = 1`` gives 0. Linear in ``y``; differentiable in ``y``, ``x`` and ``dx``. ``x`` must
    not repeat a point (SciPy silently zeroes such terms)."""
    ym, xm, n = _samples("simpson", y, x, axis)
    if xm is None:
        if not isinstance(dx, (int, float)):  # (a Python number stays weak: float32 y stays)
            dx = as_array_like(dx)
        if len(shape_of(dx)):
            raise ValueError(f"simpson: dx must be a scalar, got shape {shape_of(dx)}")
        h = None
    else:
        h = xm[..., 1:] - xm[..., :-1]
        _no_repeats("simpson", h, strict=False)
    if n == 1:
        return _sum(ym[..., :0], axis=-1)
    if n == 2:
        step = dx if h is None else h[..., 0]
        return step * (ym[..., 0] + ym[..., 1]) / 2.0
    m = n if n % 2 else n - 1          # samples covered by the plain rule
    head = ym[..., :m]
    if h is None:
        body = _sum(head[..., 0:-2:2] + 4.0 * head[..., 1:-1:2] + head[..., 2::2], axis=-1) * (dx / 3.0)
    else:
        body = _simpson_pairs(head, h[..., 0:m - 1:2], h[..., 1:m - 1:2])
    if n % 2:
        return body
    if h is None:                      # the last interval from the parabola through three samples
        return body + dx * (5.0 * ym[..., -1] + 8.0 * ym[..., -2] - ym[..., -3]) / 12.0
    a, b = h[..., -2], h[..., -1]
    alpha = (2.0 * b * b + 3.0 * a * b) / (6.0 * (a + b))
    beta = (b * b + 3.0 * a * b) / (6.0 * a)
    eta = b * b * b / (6.0 * a * (a + b))
    return body + alpha * ym[..., -1] + beta * ym[..., -2] - eta * ym[..., -3]


def _prepend(res, initial):
    first = zeros(shape_of(res)[:-1] + (1,), np.dtype(dtype_of(res))) + initial
    return concatenate([first, res + initial], axis=-1)


def cumulative_trapezoid(y: ArrayLike, x: ArrayLike | None = None, dx: float = 1.0, axis: int = -1,
                         initial=None) -> Array:
    """The running integral of ``y`` along ``axis`` by the trapezoidal rule (SciPy's
    ``cumulative_trapezoid``): one entry fewer than ``y``, or as many with ``initial=0`` (the
    only other value SciPy accepts) in front. Differentiable in ``y``, ``x`` and ``dx``."""
    if initial is not None and (np.ndim(initial) != 0 or initial != 0):
        raise ValueError(f"cumulative_trapezoid: initial must be None or 0, got {initial!r}")
    ym, xm, n = _samples("cumulative_trapezoid", y, x, axis)
    nd = len(shape_of(ym))
    ax = negative_axis(axis, nd, "cumulative_trapezoid")
    if xm is None:
        d = dx
    else:
        d = xm[..., 1:] - xm[..., :-1]
    res = cumsum(d * (ym[..., 1:] + ym[..., :-1]) / 2.0, axis=-1)
    if initial is not None:
        res = _prepend(res, 0.0)
    return moveaxis(res, -1, ax) if ax != -1 else res


def _simpson_first(y, h, equal: bool = False):
    """The integral over each interval [i, i+1] from the parabola through samples i, i+1, i+2
    (``equal``: the spacings are all equal, SciPy's formula for ``dx``, also right for dx = 0)."""
    a, b = h[..., :-1], h[..., 1:]
    f1, f2, f3 = y[..., :-2], y[..., 1:-1], y[..., 2:]
    if equal:
        return a / 12.0 * (5.0 * f1 + 8.0 * f2 - f3)
    r = a / (a + b)
    q = r * (a / b)
    return a / 6.0 * ((3.0 - r) * f1 + (3.0 + q + r) * f2 - q * f3)


def _per_row(what: str, v, lead: tuple, ax: int):
    """``cumulative_simpson``'s ``dx`` or ``initial``: a scalar, or one value per row of y
    (y's shape with a 1 on the integration axis), moved so that axis is last."""
    v = _floating(v)
    want = tuple(np.moveaxis(np.empty(lead + (1,)), -1, ax).shape)
    if len(shape_of(v)) and shape_of(v) != want:
        raise ValueError(f"cumulative_simpson: {what} must be a scalar or have shape {want}, "
                         f"got {shape_of(v)}")
    return moveaxis(v, ax, -1) if len(shape_of(v)) and ax != -1 else v


def cumulative_simpson(y: ArrayLike, *, x: ArrayLike | None = None, dx=1.0, axis: int = -1,
                       initial=None) -> Array:
    """The running integral of ``y`` along ``axis`` by Simpson's rule (SciPy's
    ``cumulative_simpson``): each interval's integral is that of the parabola through it and a
    neighbouring sample (the next one, and the previous one for every second interval and the
    last), summed cumulatively; fewer than 3 samples fall back to the trapezoidal rule.
    ``x`` must be strictly increasing; ``dx`` a scalar or an array of ``y``'s shape with length
    1 along ``axis``; ``initial`` (a scalar or such an array) is added to every entry and put
    in front. Differentiable in ``y``, ``x``, ``dx`` and ``initial``."""
    ym, xm, n = _samples("cumulative_simpson", y, x, axis)
    nd = len(shape_of(ym))
    ax = negative_axis(axis, nd, "cumulative_simpson")
    lead = shape_of(ym)[:-1]
    if xm is None:
        dx = _per_row("dx", dx, lead, ax)
        h = zeros(lead + (n - 1,), np.result_type(dtype_of(ym), dtype_of(dx))) + dx
    else:
        h = xm[..., 1:] - xm[..., :-1] + zeros(lead + (n - 1,), np.dtype(dtype_of(ym)))
        _no_repeats("cumulative_simpson", h, strict=True)
    if n < 3:
        res = cumsum(h * (ym[..., 1:] + ym[..., :-1]) / 2.0, axis=-1)
    else:
        eq = xm is None
        fwd = _simpson_first(ym, h, eq)                          # interval i from i, i+1, i+2
        bwd = flip(_simpson_first(flip(ym, axis=-1), flip(h, axis=-1), eq), axis=-1)  # i+1 from i..i+2
        # even intervals from the forward rule; odd ones and the last from the backward one
        i = np.arange(n - 1)
        pick = np.where((i % 2 == 0) & (i < n - 2), i, n - 2 + i - 1)
        res = cumsum(concatenate([fwd, bwd], axis=-1)[..., pick], axis=-1)
    if initial is not None:
        res = _prepend(res, _per_row("initial", initial, lead, ax))
    return moveaxis(res, -1, ax) if ax != -1 else res


# ---- odeint: adaptive Dormand–Prince 5(4) --------------------------------------------------------
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A = ((),
      (1 / 5,),
      (3 / 40, 9 / 40),
      (44 / 45, -56 / 15, 32 / 9),
      (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729),
      (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656),
      (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84))
#: the 5th-order weights are the last row of _A (the 7th stage is f at the new point); the
#: error estimate is h · Σ _E[i] k[i], the difference from the embedded 4th-order weights
_E = (35 / 384 - 5179 / 57600, 0.0, 500 / 1113 - 7571 / 16695, 125 / 192 - 393 / 640,
      -2187 / 6784 + 92097 / 339200, 11 / 84 - 187 / 2100, -1 / 40)
_SAFETY, _GROW, _SHRINK, _ORDER = 0.9, 10.0, 0.2, 5.0


def _jit_error(what: str) -> TypeError:
    return TypeError(f"odeint: {what} is traced by tg.jit; odeint chooses its steps from concrete "
                     "values, so it cannot run inside tg.jit. Call it outside the jitted function "
                     "(tg.grad, tg.jacfwd, tg.jacrev and tg.vmap work)")


def _rms(parts) -> float:
    with np.errstate(over="ignore", invalid="ignore"):   # a blow-up gives inf or nan: a rejection
        total = sum(float(np.sum(np.square(p))) for p in parts)
    count = sum(p.size for p in parts)
    return math.sqrt(total / max(count, 1))


class _System:
    """``func`` on the flattened state: leaves in, leaves out (cast to the state's dtypes).
    As in JAX (which ravels ``func``'s output), any output pytree with ``y0``'s total size is
    accepted: its leaves, each raveled in C order and joined, are split into ``y0``'s leaves."""

    def __init__(self, func, treedef, shapes, dtypes, args):
        self.func, self.treedef, self.shapes, self.dtypes, self.args = func, treedef, shapes, dtypes, args
        self.sizes = [math.prod(s) for s in shapes]  # (to split an output of another structure)

    def __call__(self, ys, t, args=None):
        out = self.func(tree_unflatten(self.treedef, list(ys)), t, *(self.args if args is None else args))
        leaves, td = tree_flatten(out)
        shapes = [shape_of(v) for v in leaves]
        if td != self.treedef or shapes != self.shapes:
            sizes = self.sizes
            if not leaves or sum(math.prod(s) for s in shapes) != sum(sizes):
                raise ValueError(f"odeint: func(y, t, *args) must return a pytree like y0 "
                                 f"({self.treedef}, leaf shapes {self.shapes}) or one of the "
                                 f"same total size, got {td} with leaf shapes {shapes}")
            flat = concatenate([reshape(as_array_like(v), (-1,)) for v in leaves], axis=0)
            ends = np.cumsum(sizes)
            leaves = [reshape(flat[e - n:e], s) for e, n, s in zip(ends, sizes, self.shapes)]
        return [v if np.dtype(dtype_of(v)) == d else astype(v, d) for v, d in zip(leaves, self.dtypes)]

    def concrete(self, ys, t):
        """The derivative at concrete values (no recording), as NumPy arrays."""
        cargs = tree_unflatten(tree_flatten(self.args)[1],
                               [concrete(v) for v in tree_flatten(self.args)[0]])
        out = [concrete(v) for v in self(ys, np.float64(t), cargs)]
        if any(is_staged(v) for v in out):
            raise _jit_error("a value func reads (a closure)")
        return [np.asarray(v) for v in out]


def _initial_step(system, y0, f0, t0: float, rtol: float, atol: float) -> float:
    """A first step size from the size of the state, of its derivative and of its change
    (the usual Hairer–Nørsett–Wanner estimate)."""
    scale = [atol + rtol * np.abs(v) for v in y0]
    d0 = _rms([v / s for v, s in zip(y0, scale)])
    d1 = _rms([v / s for v, s in zip(f0, scale)])
    h0 = 1e-6 if d0 < 1e-5 or d1 < 1e-5 else 0.01 * d0 / d1
    f1 = system.concrete([v + h0 * f for v, f in zip(y0, f0)], t0 + h0)
    d2 = _rms([(a - b) / s for a, b, s in zip(f1, f0, scale)]) / h0
    if max(d1, d2) <= 1e-15:
        h1 = max(1e-6, h0 * 1e-3)
    else:
        h1 = (0.01 / max(d1, d2)) ** (1.0 / (_ORDER + 1.0))
    return min(100.0 * h0, h1)


def _step(system, ys, k1, time, h):
    """One Dormand–Prince step of (traced) length ``h`` from (traced) ``time``: the new state,
    the derivative there (the next step's first stage) and the concrete error estimate."""
    ks = [k1]
    for i in range(1, 7):
        stage = []
        for j, y in enumerate(ys):
            acc = None
            for a, k in zip(_A[i], ks):
                if a:
                    term = a * k[j]
                    acc = term if acc is None else acc + term
            hj = h if np.dtype(dtype_of(h)) == np.dtype(dtype_of(y)) else astype(h, dtype_of(y))
            stage.append(y + hj * acc)
        ks.append(system(stage, time + _C[i] * h if i < 6 else time + h))
    new = stage   # the 7th stage's point is the 5th-order solution
    if any(is_staged(concrete(v)) for k in ks for v in k):
        raise _jit_error("a value func reads (a closure)")
    hc = float(concrete(h))
    with np.errstate(over="ignore", invalid="ignore"):
        err = [hc * sum(e * np.asarray(concrete(k[j])) for e, k in zip(_E, ks) if e)
               for j in range(len(ys))]
    return new, ks[6], err


#: SciPy's odeint options that only tune LSODA (hints for its Jacobian, first step, orders,
#: diagnostics): accepted and not needed here
_LSODA_HINTS = frozenset({"col_deriv", "ml", "mu", "h0", "hmin", "ixpr", "mxhnil", "mxordn",
                          "mxords", "printmessg"})


def odeint(func, y0, t: ArrayLike, args=(), Dfun=None, *, rtol=None, atol=None, hmax=0.0,
           mxstep=0, tfirst: bool = False, full_output=False, tcrit=None, **hints):
    """SciPy's ``scipy.integrate.odeint``: the solution of ``dy/dt = func(y, t, *args)``,
    ``y(t[0]) = y0``, at the times ``t`` (non-decreasing, as JAX's; SciPy also integrates
    backwards), as an array of shape ``(len(t), len(y0))`` (``y0``
    is read as a 1-D array, as SciPy's). ``args`` is a tuple of extra arguments (one
    non-tuple value is one argument), ``tfirst=True`` calls ``func(t, y, *args)``. ``rtol``
    and ``atol`` default to SciPy's 1.49012e-8; ``hmax`` and ``mxstep`` of 0 mean no bound.
    ``Dfun`` and LSODA's tuning options are accepted and not needed (the solver is
    Dormand–Prince 5(4), see :func:`dormand_prince`); ``full_output`` and ``tcrit`` are not
    supported. Differentiable in ``y0``, ``t`` and ``args``."""
    unknown = set(hints) - _LSODA_HINTS
    if unknown:
        raise TypeError(f"odeint() got an unexpected keyword argument {sorted(unknown)[0]!r}")
    if full_output or tcrit is not None:
        raise NotImplementedError("odeint: full_output and tcrit are not supported (the "
                                  "solver is Dormand-Prince 5(4), not LSODA)")
    if Dfun is not None and not callable(Dfun):
        raise TypeError(f"odeint: Dfun must be callable, got {type(Dfun).__name__}")
    if not callable(func):
        raise TypeError(f"odeint: func must be callable, got {type(func).__name__}")
    args = tuple(args) if isinstance(args, (tuple, list)) else (args,)
    y0 = reshape(as_array_like(y0), (-1,))
    if np.dtype(dtype_of(y0)).kind not in "fc":  # (SciPy integrates an integer y0 as floats)
        y0 = astype(y0, np.float64)
    rhs = (lambda y, s, *a: func(s, y, *a)) if tfirst else func
    tol = 1.49012e-8
    return dormand_prince(rhs, y0, t, *args, rtol=tol if rtol is None else rtol,
                          atol=tol if atol is None else atol, mxstep=mxstep or np.inf,
                          hmax=hmax or np.inf)


def dormand_prince(func, y0, t: ArrayLike, *args, rtol: float = 1.4e-8, atol: float = 1.4e-8,
                   mxstep=np.inf, hmax=np.inf):
    """The solution of ``dy/dt = func(y, t, *args)``, ``y(t[0]) = y0``, at the times ``t``
    (``jax.experimental.ode.odeint``'s signature: ``tensorgrad.experimental.ode.odeint``).

    ``y0``: a pytree of floating-point arrays; ``t``: a non-decreasing 1-D array of times; the
    result has ``y0``'s structure, each leaf with a leading axis of ``len(t)`` (the first entry
    is ``y0``). ``func`` returns a pytree like ``y0``, or, as JAX allows, any pytree of the same
    total size (raveled and split into ``y0``'s leaves: an array for a list of scalars). An
    adaptive Dormand–Prince 5(4) method with local error control: a step is kept
    when the root-mean-square of ``error / (atol + rtol · max(|y_old|, |y_new|))`` is at most 1;
    ``hmax`` caps the step size and ``mxstep`` the number of attempted steps between two output
    times (exceeding it raises an error, where JAX returns an inaccurate value). The steps
    land on every output time (JAX interpolates between its own steps instead), so the values
    agree with JAX's to about the tolerance.

    Derivatives in ``y0``, ``args`` (pytrees) and ``t``: those of the computed discrete
    solution, exact for it (see the module); they approximate the exact derivatives to about
    the tolerance. Works under ``tg.grad``, ``tg.jacfwd``, ``tg.jacrev`` and ``tg.vmap``;
    raises under ``tg.jit``."""
    if not callable(func):
        raise TypeError(f"odeint: func must be callable, got {type(func).__name__}")
    leaves, treedef = tree_flatten(y0)
    if not leaves:
        raise ValueError("odeint: y0 has no arrays")
    leaves = [as_array_like(v) for v in leaves]
    for v in leaves:
        if np.dtype(dtype_of(v)).kind != "f":
            raise TypeError(f"odeint: y0 must hold floating-point arrays, got dtype {dtype_of(v)}")
    t = as_array_like(t)
    if find_staged(concrete(t)) is not None or any(is_staged(concrete(v)) for v in leaves) or any(
            is_staged(concrete(v)) for v in tree_flatten(args)[0]):
        raise _jit_error("an input (y0, t or args)")
    if np.dtype(dtype_of(t)).kind != "f":
        t = astype(t, np.float64)
    tv = np.asarray(concrete(t), dtype=np.float64)
    if tv.ndim != 1 or tv.size == 0:
        raise ValueError(f"odeint: t must be a non-empty 1-D array of times, got shape {tv.shape}")
    if not np.all(np.isfinite(tv)) or np.any(np.diff(tv) < 0):
        raise ValueError("odeint: t must be finite and non-decreasing")
    if not (rtol > 0 and atol > 0):
        raise ValueError(f"odeint: rtol and atol must be positive, got {rtol}, {atol}")
    system = _System(func, treedef, [shape_of(v) for v in leaves],
                     [np.dtype(dtype_of(v)) for v in leaves], args)
    ys = leaves
    k1 = system(ys, t[0])
    if any(is_staged(concrete(k)) for k in k1):
        raise _jit_error("a value func reads (a closure)")
    yc = [np.asarray(concrete(v), dtype=np.float64) for v in ys]
    k1c = [np.asarray(concrete(k), dtype=np.float64) for k in k1]
    finite = all(np.all(np.isfinite(v)) for v in yc + k1c)
    # a NaN or infinite start has no error to control: the steps go straight to each output
    # time and the non-finite values propagate (no endless search for an acceptable step)
    h = _initial_step(system, yc, k1c, float(tv[0]), rtol, atol) if finite else np.inf
    h = min(h, float(hmax))
    outputs = [ys]
    for i in range(1, tv.size):
        ta, tb = t[i - 1], t[i]
        length = float(tv[i] - tv[i - 1])
        if length == 0.0:    # one step of length 0: no change, but the derivative in t is f
            ys, k1, _ = _step(system, ys, k1, ta, tb - ta)
            outputs.append(ys)
            continue
        frac, attempts = 0.0, 0
        while frac < 1.0:
            attempts += 1
            if attempts > mxstep:
                raise RuntimeError(f"odeint: more than mxstep={mxstep} steps between t={tv[i - 1]} "
                                   f"and t={tv[i]}")
            hc = min(h, float(hmax), (1.0 - frac) * length)
            last = frac + hc / length >= 1.0 - 1e-12
            new_frac = 1.0 if last else frac + hc / length
            hc = (new_frac - frac) * length
            if hc <= 4 * np.finfo(float).eps * max(1.0, abs(tv[i - 1]) + abs(tv[i])):
                raise RuntimeError(f"odeint: the step size fell to {hc:.3g} near "
                                   f"t={tv[i - 1] + frac * length:.6g}: the problem may be stiff "
                                   "or its solution blow up (or func returns NaN/inf there)")
            time = ta if frac == 0.0 else ta + frac * (tb - ta)
            with np.errstate(**({} if finite else {"all": "ignore"})):
                new, k7, err = _step(system, ys, k1, time, (new_frac - frac) * (tb - ta))
            newc = [np.asarray(concrete(v), dtype=np.float64) for v in new]
            with np.errstate(over="ignore", invalid="ignore"):
                scale = [atol + rtol * np.maximum(np.abs(a), np.abs(b)) for a, b in zip(yc, newc)]
                ratio = _rms([e / s for e, s in zip(err, scale)])
            if not math.isfinite(ratio) and finite:
                h = hc * _SHRINK
                continue
            if not finite:                       # propagate: take the step as it is
                ys, k1, yc, frac = new, k7, newc, new_frac
                continue
            grow = _GROW if ratio == 0.0 else min(_GROW, max(_SHRINK if ratio > 1 else 1.0,
                                                             _SAFETY * ratio ** (-1.0 / _ORDER)))
            if ratio <= 1.0:
                ys, k1, yc, frac = new, k7, newc, new_frac
                h = max(hc * grow, h) if last else hc * grow
            else:
                h = hc * grow
        outputs.append(ys)
    stacked = [stack([o[j] for o in outputs], axis=0) for j in range(len(leaves))]
    return tree_unflatten(treedef, stacked)
