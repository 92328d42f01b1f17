"""More of ``jax.lax`` with its names and signatures: the convolution wrappers (``conv``,
``conv_with_general_padding``, ``conv_transpose``), structural helpers (``split``, ``tile``,
``stack``, ``unstack``, ``index_take``, ``empty``, ``optimization_barrier``),
``reduce_precision``, ``betainc``, ``bessel_i0e``, ``bessel_i1e``, and the implicitly
differentiated solvers ``custom_linear_solve`` and ``custom_root``.

They are composed from tensorgrad's ops and custom rules, so every transform goes through
them; the solvers' derivatives go through the linear system (the implicit function theorem
for ``custom_root``), never through the iterations of ``solve``, as in JAX.
"""
from __future__ import annotations

import builtins
import functools
import types
from typing import Any, Callable, Sequence

import numpy as np

from . import lax_ops as _lo
from . import lax_ops2 as _lo2
from . import ops as _ops
from .api_extras import closure_convert
from .custom import custom_jvp, custom_vjp
from .ops.special_fns2 import gammainc_da as _gammainc_da
from .staging import call as staged_call
from .tensor import concrete, traced_level
from .transforms import jvp, vjp
from .tree import tree_flatten, tree_map

__all__ = ["conv", "conv_with_general_padding", "conv_transpose", "split", "tile", "stack",
           "unstack", "index_take", "empty", "optimization_barrier", "reduce_precision",
           "betainc", "bessel_i0e", "bessel_i1e", "custom_linear_solve", "custom_root",
           "conv_general_dilated_patches", "approx_max_k", "approx_min_k", "platform_dependent",
           "igamma_grad_a", "bitcast_convert_type"]

_shape, _dtype = _lo._shape, _lo._dtype


# ---- convolutions ---------------------------------------------------------------------------
def conv(lhs, rhs, window_strides: Sequence[int], padding, precision=None,
         preferred_element_type=None):
    """``jax.lax.conv``: ``conv_general_dilated`` in the NCHW/OIHW layout, without dilation."""
    return _lo2.conv_general_dilated(lhs, rhs, window_strides, padding, precision=precision,
                                     preferred_element_type=preferred_element_type)


def conv_with_general_padding(lhs, rhs, window_strides: Sequence[int], padding, lhs_dilation,
                              rhs_dilation, precision=None, preferred_element_type=None):
    """``jax.lax.conv_with_general_padding``: ``conv_general_dilated`` in the NCHW/OIHW
    layout with explicit padding and input/kernel dilation."""
    return _lo2.conv_general_dilated(lhs, rhs, window_strides, padding, lhs_dilation=lhs_dilation,
                                     rhs_dilation=rhs_dilation, precision=precision,
                                     preferred_element_type=preferred_element_type)


_CONV_T_LAYOUTS = {2: ("NC", "IO", "NC"), 3: ("NHC", "HIO", "NHC"), 4: ("NHWC", "HWIO", "NHWC"),
                   5: ("NHWDC", "HWDIO", "NHWDC")}


def _conv_transpose_padding(k: int, s: int, padding) -> tuple:
    """JAX's (low, high) padding of the fractionally strided convolution for the forward
    convolution's padding ('SAME', 'VALID' or a (low, high) pair) of a kernel of size k."""
    if padding == "SAME":
        total = k + s - 2
        low = k - 1 if s > k - 1 else -(-total // 2)
    elif padding == "VALID":
        total = k + s - 2 + builtins.max(k - s, 0)
        low = k - 1
    else:
        pads = tuple(k - int(p) - 1 for p in padding)
        low, total = pads[0], builtins.sum(pads)
    return low, total - low


def conv_transpose(lhs, rhs, strides: Sequence[int], padding, rhs_dilation=None,
                   dimension_numbers=None, transpose_kernel: bool = False, precision=None,
                   preferred_element_type=None, use_consistent_padding: bool = False):
    """``jax.lax.conv_transpose``: the fractionally strided convolution (``strides`` dilate
    the input), in TensorFlow's layouts by default (NHWC/HWIO), with JAX's padding rules:
    'SAME'/'VALID' (and, with ``use_consistent_padding``, pairs) are the forward
    convolution's padding; otherwise pairs pad the dilated input. ``transpose_kernel`` flips
    the kernel's spatial axes and swaps its in/out features (Keras' Conv2DTranspose)."""
    ls, rs = _shape(lhs), _shape(rhs)
    nd = len(ls)
    if nd < 2 or len(rs) != nd:
        raise TypeError(f"lax.conv_transpose: lhs {ls} and rhs {rs} need one rank ≥ 2")
    if dimension_numbers is None:
        if nd not in _CONV_T_LAYOUTS:
            raise ValueError(f"lax.conv_transpose: no default dimension_numbers for rank-{nd} "
                             "operands (JAX has them for ranks 2 to 5): give dimension_numbers")
        dimension_numbers = _CONV_T_LAYOUTS[nd]
    _, rspec, _ = _lo2._conv_specs(dimension_numbers, nd)
    ksizes = [rs[a] for a in rspec[2:]]
    strides = tuple(int(s) for s in strides)
    rdil = (1,) * (nd - 2) if rhs_dilation is None else tuple(int(d) for d in rhs_dilation)
    if len(strides) != nd - 2 or len(rdil) != nd - 2:
        raise ValueError(f"lax.conv_transpose: strides {strides} and rhs_dilation {rdil} need "
                         f"{nd - 2} entries for lhs {ls} and rhs {rs}")
    if use_consistent_padding or (isinstance(padding, str) and padding in ("SAME", "VALID")):
        per_axis = [padding] * len(strides) if isinstance(padding, str) else list(padding)
        if len(per_axis) != len(strides) or any(
                not isinstance(p, str) and len(tuple(p)) != 2 for p in per_axis):
            raise ValueError(f"lax.conv_transpose: padding must be 'SAME', 'VALID' or one (low, "
                             f"high) pair per spatial axis ({len(strides)}), got {padding!r}")
        pads = [_conv_transpose_padding((k - 1) * d + 1, s, p)
                for k, d, s, p in zip(ksizes, rdil, strides, per_axis)]
    else:
        pads = padding
    if transpose_kernel:
        rhs = _ops.swapaxes(_ops.flip(rhs, tuple(rspec[2:])), rspec[0], rspec[1])
    return _lo2.conv_general_dilated(lhs, rhs, (1,) * (nd - 2), pads, lhs_dilation=strides,
                                     rhs_dilation=rdil, dimension_numbers=dimension_numbers,
                                     precision=precision,
                                     preferred_element_type=preferred_element_type)


# ---- structure ------------------------------------------------------------------------------
def _axis(axis, nd: int, name: str, shape) -> int:
    a = int(axis)
    if not -nd <= a < nd:
        raise ValueError(f"lax.{name}: axis {axis} is out of bounds for shape {shape}")
    return a % nd


def split(operand, sizes: Sequence[int], axis: int = 0) -> list:
    """``jax.lax.split``: ``operand`` cut along ``axis`` into pieces of the given sizes (they
    must add up to the axis' length)."""
    shape = _shape(operand)
    axis = _axis(axis, len(shape), "split", shape)
    sizes = _lo._ints(sizes, "split", "sizes")
    if any(s < 0 for s in sizes) or builtins.sum(sizes) != shape[axis]:
        raise ValueError(f"lax.split: sizes {sizes} must be ≥ 0 and add up to dimension {axis} "
                         f"of the operand of shape {shape}")
    out, start = [], 0
    for s in sizes:
        out.append(_lo.slice_in_dim(operand, start, start + s, 1, axis))
        start += s
    return out


def tile(operand, reps: Sequence[int]):
    """``jax.lax.tile``: ``operand`` repeated ``reps[i]`` times along each axis i (one
    entry per axis)."""
    reps = _lo._ints(reps, "tile", "reps")
    shape = _shape(operand)
    if len(reps) != len(shape) or any(r < 0 for r in reps):
        raise TypeError(f"lax.tile: reps {reps} must hold one count ≥ 0 per axis of the operand "
                        f"of shape {shape}")
    return _ops.tile(operand, reps) if reps else operand


def stack(operands: Sequence, axis: int = 0):
    """``jax.lax.stack``: equal-shaped, equal-dtype ``operands`` joined along a new ``axis``."""
    operands = list(operands)
    if not operands:
        raise ValueError("lax.stack: give at least one operand")
    shapes = [_shape(o) for o in operands]
    if len(set(shapes)) > 1:
        raise ValueError(f"lax.stack: the operands must have one shape, got {shapes}")
    dtypes = [_dtype(o) for o in operands]
    if len(set(dtypes)) > 1:
        raise TypeError(f"lax.stack requires arguments to have the same dtypes, got "
                        f"{', '.join(map(str, dtypes))}")
    return _ops.stack(operands, axis=_axis(axis, len(shapes[0]) + 1, "stack", shapes[0]))


def unstack(x, axis: int = 0) -> tuple:
    """``jax.lax.unstack``: the slices of ``x`` along ``axis``, as a tuple."""
    shape = _shape(x)
    axis = _axis(axis, len(shape), "unstack", shape)
    return tuple(_lo.index_in_dim(x, i, axis, keepdims=False) for i in range(shape[axis]))


def index_take(src, idxs: Sequence, axes: Sequence[int]):
    """``jax.lax.index_take``: ``src`` gathered at the points ``(idxs[0][n], idxs[1][n], ...)``
    of ``axes`` (indices wrap modulo the axis' size, as JAX); the output holds the n points
    first, then ``src``'s other axes."""
    shape = _shape(src)
    axes = _lo2._axes(src, axes, "index_take")
    idxs = list(idxs)
    lens = [_shape(i) for i in idxs]
    if len(idxs) != len(axes) or any(len(s) != 1 for s in lens) or len(set(lens)) > 1 \
            or any(_dtype(i).kind not in "iu" for i in idxs):
        raise TypeError(f"lax.index_take: needs one 1-d integer index array of one length per "
                        f"axis in {axes} of src of shape {shape}, got shapes {lens}")
    front = _ops.moveaxis(src, axes, tuple(range(len(axes)))) if axes else src
    return _ops.getitem(front, tuple(_ops.remainder(i, shape[a]) for i, a in zip(idxs, axes)))


def empty(shape, dtype, *, out_sharding=None):
    """``jax.lax.empty``: an array of ``shape`` and ``dtype``; its values are zeros (JAX
    leaves them to the backend, and gives zeros on CPU)."""
    shape = (int(shape),) if np.ndim(shape) == 0 else _lo._ints(shape, "empty", "shape")
    return np.zeros(shape, np.dtype(dtype))


def optimization_barrier(operand, /):
    """``jax.lax.optimization_barrier``: ``operand`` (any pytree) unchanged; tensorgrad
    does not reorder computations, so there is nothing to fence."""
    return operand


# ---- reduce_precision -----------------------------------------------------------------------
def _rp_value(x, exponent_bits: int, mantissa_bits: int):
    """``x`` rounded to a float with the given exponent and mantissa bits, as XLA: the
    mantissa rounded to nearest even, then overflow to ±inf and anything below the smallest
    normal flushed to ±0 (NaN stays NaN)."""
    with np.errstate(over="ignore", invalid="ignore"):   # overflow to inf is the point
        return _rp_steps(x, exponent_bits, mantissa_bits)


def _rp_steps(x, exponent_bits: int, mantissa_bits: int):
    dt = _dtype(x)
    info = np.finfo(dt)
    src_m, src_e = int(info.nmant), int(info.nexp)
    xf = x if dt == np.float64 else _ops.astype(x, np.float64)   # every step below is exact
    out = xf
    if mantissa_bits < src_m:
        finite = _ops.isfinite(xf)
        a = _ops.where(finite & _ops.not_equal(xf, 0), _ops.abs(xf), 1.0)
        e = _ops.floor(_ops.log2(a))
        e = _ops.where(_ops.greater(_ops.exp2(e), a), e - 1, e)           # log2's rounding
        e = _ops.where(_ops.less_equal(_ops.exp2(e + 1), a), e + 1, e)
        e = _ops.maximum(e, 2.0 - 2 ** (src_e - 1))       # the source's subnormals: a fixed step
        q = _ops.exp2(e - mantissa_bits)
        n = _ops.round(xf / q)  # (to nearest even: the last mantissa bit kept is n's last bit)
        if mantissa_bits == 0:
            # no mantissa bit kept: the last bit is the exponent's, so a tie (1.5·2ᵉ) goes to the
            # even biased exponent, up when e is even (every IEEE bias is odd), as XLA
            tie = _ops.equal(_ops.abs(xf / q), 1.5)
            up = _ops.equal(_ops.remainder(e, 2.0), 0.0)
            n = _ops.where(tie, _ops.where(up, 2.0, 1.0) * _ops.sign(xf), n)
        out = _ops.where(finite, n * q, xf)
    if exponent_bits < src_e:
        bias = 2 ** (exponent_bits - 1) - 1
        big = _ops.greater_equal(_ops.abs(out), 2.0 ** (bias + 1))
        tiny = _ops.less(_ops.abs(out), 2.0 ** (1 - bias))
        neg = _ops.signbit(out)
        out = _ops.where(tiny, _ops.where(neg, -0.0, 0.0),
                         _ops.where(big, _ops.where(neg, -np.inf, np.inf), out))
    out = _ops.where(_ops.isnan(xf), xf, out)
    return out if dt == np.float64 else _ops.astype(out, dt)


def _rp_tangent_fwd(x, exponent_bits, mantissa_bits):
    return _rp_tangent(x, exponent_bits, mantissa_bits), None


def _rp_tangent_bwd(exponent_bits, mantissa_bits, _, g):
    return (_rp_tangent(g, exponent_bits, mantissa_bits),)


_rp_tangent = custom_vjp(lambda x, e, m: x + _ops.stop_gradient(_rp_value(x, e, m) - x),
                         nondiff_argnums=(1, 2))     # linear: its transpose rounds too
_rp_tangent.defvjp(_rp_tangent_fwd, _rp_tangent_bwd)
_rp_tangent.forward_through_fun = True


@functools.lru_cache(maxsize=None)
def _rp(exponent_bits: int, mantissa_bits: int) -> custom_jvp:
    """``reduce_precision`` to one format, with JAX's rule: the tangent is rounded the same way."""
    def reduce_precision(x):
        return _rp_value(x, exponent_bits, mantissa_bits)

    def rule(primals, tangents):
        # the primal through f itself, so a higher derivative takes this rule again (as
        # JAX's; the rounding inside _rp_value alone would differentiate to zero)
        return f(primals[0]), _rp_tangent(tangents[0], exponent_bits, mantissa_bits)
    f = custom_jvp(reduce_precision)
    f.defjvp(rule)
    f.assume_linear = True  # (its overflow and flush would trip the random linearity probe)
    f.rule_on_tangents = True  # (in another rule's tangents: rounded, with its own derivative)
    f.check_outputs = False  # (the rule's primal output is the function's)
    return f


def reduce_precision(operand, exponent_bits: int, mantissa_bits: int):
    """``jax.lax.reduce_precision``: ``operand`` rounded to the float format with
    ``exponent_bits`` and ``mantissa_bits`` (round to nearest even, overflow to ±inf, values
    below its smallest normal flushed to ±0), keeping its dtype; the tangent (and cotangent)
    is rounded the same way, as JAX."""
    e, m = int(exponent_bits), int(mantissa_bits)
    if e < 1:
        raise ValueError(f"lax.reduce_precision: exponent_bits must be positive; got {exponent_bits}")
    if m < 0:
        raise ValueError(f"lax.reduce_precision: mantissa_bits must be non-negative; got {mantissa_bits}")
    if _dtype(operand).kind != "f":
        raise TypeError(f"lax.reduce_precision: the operand must be floating point, got dtype "
                        f"{_dtype(operand)} (shape {_shape(operand)})")
    return _rp(e, m)(operand)


# ---- special functions ----------------------------------------------------------------------
def _floating(name: str, *args) -> None:
    _lo._check(name, *args)
    for a in args:
        if not isinstance(a, _lo._PY_SCALARS) and _dtype(a).kind != "f":
            raise TypeError(f"lax.{name} does not accept dtype {_dtype(a)}: the operands must be "
                            "floating point")


def betainc(a, b, x):
    """``jax.lax.betainc``: the regularized incomplete beta function I_x(a, b) (one dtype and
    shape; derivatives in x only, as tensorgrad's ``tg.betainc``)."""
    _floating("betainc", a, b, x)
    return _ops.betainc(*_lo._weak("betainc", a, b, x))


def bessel_i0e(x):
    """``jax.lax.bessel_i0e``: the exponentially scaled modified Bessel function e^-|x| I₀(x)."""
    _floating("bessel_i0e", x)
    return _ops.i0e(x)


def bessel_i1e(x):
    """``jax.lax.bessel_i1e``: the exponentially scaled modified Bessel function e^-|x| I₁(x)."""
    _floating("bessel_i1e", x)
    return _ops.i1e(x)


# ---- implicitly differentiated solvers ------------------------------------------------------
def _hoisted(fun: Callable, name: str, what: str, optional: bool = False) -> tuple:
    """``(converted, consts)``: ``converted(*args, *consts)`` is ``fun(*args)`` with the traced
    values it closes over made arguments (``tg.closure_convert``), so that derivatives reach
    them (``f``, ``matvec``), or so that the rules see them at the right level (the solvers)."""
    if fun is None and optional:
        return None, ()
    if not callable(fun):
        raise TypeError(f"lax.{name}: {what} must be callable, got {type(fun).__name__}")
    if isinstance(fun, (types.FunctionType, functools.partial)):  # (JAX's tests pass partials)
        converted, consts = closure_convert(fun)
        if consts:
            return converted, tuple(consts)
    return fun, ()


def _checked_like(name: str, what: str, y, like) -> Any:
    """``y`` unless its structure (TypeError) or shapes (ValueError) differ from ``like``'s,
    as JAX checks them."""
    yl, ytd = tree_flatten(y)
    ll, ltd = tree_flatten(like)
    if ytd != ltd:
        raise TypeError(f"lax.{name}: {what}() output pytree structure must match its input "
                        f"{ltd}, got {ytd}")
    if [_shape(u) for u in yl] != [_shape(v) for v in ll]:
        raise ValueError(f"lax.{name}: {what}() output shapes must match its input's, got "
                         f"{[_shape(u) for u in yl]} and {[_shape(v) for v in ll]}")
    return y


def _solved(name: str, what: str, solver, consts, op, rhs, has_aux: bool):
    """``solver(op, rhs)`` checked to be shaped like ``rhs``, and its aux (or None)."""
    out = solver(op, rhs, *consts)
    if has_aux:
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            raise TypeError(f"lax.{name}: with has_aux=True, {what} must return (solution, aux)")
        return _checked_like(name, what, out[0], rhs), out[1]
    return _checked_like(name, what, out, rhs), None


def _tangent_map(fun, x, consts, dconsts, like):
    """The tangent of ``fun(x, *consts)`` along ``dconsts`` (zeros when nothing is closed over)."""
    if not consts:
        return tree_map(_ops.zeros_like, like)
    return jvp(lambda *c: fun(x, *c), tuple(consts), tuple(dconsts))[1]


def transpose_of(fun: Callable) -> Callable:
    """The transpose of the linear ``fun`` (one array in, one out): its VJP, taken at the
    cotangent itself, since a linear map's VJP is the same at every point."""
    def fun_t(u):
        return vjp(fun, u)[1](u)[0]
    return fun_t


def _linear_solve(mv, solve, tsolve, symmetric: bool, has_aux: bool,
                  names: tuple = ("solve", "transpose_solve")):
    """The custom_jvp function ``(b, (matvec's, solve's, transpose_solve's consts)) -> x``.

    Every solve of a derivative goes through an implicitly differentiated solve again (this
    function, or the one of the transposed system), never through ``solve``'s own ops: JAX's
    rule, so that a derivative of a derivative is right whatever ``solve`` computes with (a
    stop_gradient, a bisection)."""
    name = "custom_linear_solve"
    transposed_fn = []  # the transposed system's solve, made at the first reverse sweep

    def matvec(v, cs):
        return _checked_like(name, "matvec", mv(v, *cs[0]), v)

    def forward(rhs, cs):
        return _solved(name, names[0], solve, cs[1], lambda v: matvec(v, cs), rhs, has_aux)

    def transposed(cs, g):
        if tsolve is None:
            raise TypeError("lax.custom_linear_solve: transpose_solve required for backwards "
                            "mode automatic differentiation (reverse mode: grad, vjp, jacrev), "
                            "as in JAX; give transpose_solve or symmetric=True")
        if not transposed_fn:
            if symmetric:
                mv_t = mv
            else:
                def mv_t(u, *c):
                    return transpose_of(lambda v: mv(v, *c))(u)
            transposed_fn.append(_linear_solve(mv_t, tsolve, solve, symmetric, has_aux,
                                               names[::-1]))
        out = transposed_fn[0](g, (cs[0], cs[2], cs[1]))
        return out[0] if has_aux else out

    def solved(rhs, cs):
        out = f(rhs, cs)
        return out[0] if has_aux else out

    def lin_fwd(rhs, cs):
        y = solved(rhs, cs)
        return y, (cs, y)

    def lin_bwd(res, g):
        # y = A⁻¹·rhs: rhs gets u = A⁻ᵀ·g, and matvec's consts -uᵀ·(∂A/∂consts)·y (what a
        # derivative of a derivative needs); solve's consts get none, as in JAX
        cs, y = res
        u = transposed(cs, g)
        dmc = vjp(lambda *c: mv(y, *c), *cs[0])[1](u) if cs[0] else ()
        return u, (tree_map(_ops.negative, tuple(dmc)), tree_map(_ops.zeros_like, cs[1]),
                   tree_map(_ops.zeros_like, cs[2]))

    # A⁻¹·rhs as a linear map whose transpose solves the transposed system
    lin = custom_vjp(lambda rhs, cs: forward(rhs, cs)[0])
    lin.defvjp(lin_fwd, lin_bwd)

    def lin_jvp(primals, tangents):
        # d(A⁻¹·rhs) = A⁻¹·(d rhs − dA·y): another solve (forward over reverse meets it)
        (rhs, cs), (drhs, dcs) = primals, tangents
        y = lin(rhs, cs)
        return y, lin(tree_map(_ops.subtract, drhs, _tangent_map(mv, y, cs[0], dcs[0], rhs)), cs)
    lin.forward_rule = lin_jvp
    lin.check_outputs = False  # (fwd's output is the function's: checking would solve twice)

    def primal(b, cs):
        x, aux = forward(b, cs)
        return (x, aux) if has_aux else x

    def rule(primals, tangents):
        (b, cs), (db, dcs) = primals, tangents
        out = f(b, cs)  # (itself: an enclosing transform differentiates x implicitly too)
        x = out[0] if has_aux else out
        dax = _tangent_map(mv, x, cs[0], dcs[0], b)
        dx = lin(tree_map(_ops.subtract, db, dax), cs)            # A⁻¹(db - dA·x)
        return out, ((dx, tree_map(_ops.zeros_like, out[1])) if has_aux else dx)

    primal.__name__ = name
    f = custom_jvp(primal)
    f.defjvp(rule)
    f.check_outputs = False  # (the rule's primal output is primal's: checking would solve twice)
    return f


def custom_linear_solve(matvec: Callable, b, solve: Callable, transpose_solve=None,
                        symmetric: bool = False, has_aux: bool = False):
    """``jax.lax.custom_linear_solve``: ``solve(matvec, b)``, the x with ``matvec(x) == b``,
    differentiated implicitly: forward mode solves A·dx = db - dA·x with ``solve``, reverse
    mode the transposed system with ``transpose_solve`` (``solve`` itself if ``symmetric``),
    as JAX. Traced values ``matvec`` closes over get their derivatives (through its own
    closure cells, as ``tg.closure_convert``); ``b`` may be a pytree."""
    name = "custom_linear_solve"
    if symmetric and transpose_solve is None:
        transpose_solve = solve
    mv, mc = _hoisted(matvec, name, "matvec")
    sv, sc = _hoisted(solve, name, "solve")
    tv, tc = _hoisted(transpose_solve, name, "transpose_solve", optional=True)
    return _linear_solve(mv, sv, tv, symmetric, has_aux)(b, (mc, sc, tc))


def custom_root(f: Callable, initial_guess, solve: Callable, tangent_solve: Callable,
                has_aux: bool = False):
    """``jax.lax.custom_root``: ``solve(f, initial_guess)``, a root of ``f``, differentiated
    by the implicit function theorem, as JAX: dx = -``tangent_solve``(J, ∂f/∂θ·dθ) with J the
    Jacobian-vector product of ``f`` at the root, for the traced values θ that ``f`` closes
    over (its own closure cells, as ``tg.closure_convert``); none flows to the guess."""
    name = "custom_root"
    fv, fc = _hoisted(f, name, "f")
    sv, sc = _hoisted(solve, name, "solve")
    tv, tc = _hoisted(tangent_solve, name, "tangent_solve")

    def primal(guess, cs):
        op = lambda x: _checked_like(name, "f", fv(x, *cs[0]), x)  # noqa: E731
        root, aux = _solved(name, "solve", sv, cs[1], op, guess, has_aux)
        return (root, aux) if has_aux else root

    def rule(primals, tangents):
        (guess, cs), (_, dcs) = primals, tangents
        out = g(guess, cs)  # (itself: an enclosing transform differentiates the root implicitly)
        root = out[0] if has_aux else out
        rhs = _tangent_map(fv, root, cs[0], dcs[0], guess)             # ∂f/∂θ·dθ at the root
        jac = lambda v: jvp(lambda y: fv(y, *cs[0]), (root,), (v,))[1]  # noqa: E731
        sol, _ = _solved(name, "tangent_solve", tv, cs[2], jac, rhs, False)
        droot = tree_map(_ops.negative, sol)
        return out, ((droot, tree_map(_ops.zeros_like, out[1])) if has_aux else droot)

    primal.__name__ = name
    g = custom_jvp(primal)
    g.defjvp(rule)
    g.check_outputs = False  # (the rule's primal output is primal's: checking would solve twice)
    return g(initial_guess, (fc, sc, tc))


# ---- patches, approximate top-k, platforms, bit casts ----------------------------------------
def conv_general_dilated_patches(lhs, filter_shape: Sequence[int], window_strides: Sequence[int],
                                 padding, lhs_dilation=None, rhs_dilation=None,
                                 dimension_numbers=None, precision=None,
                                 preferred_element_type=None):
    """``jax.lax.conv_general_dilated_patches``: the patches a convolution with a kernel of
    spatial shape ``filter_shape`` would see, as the output's feature axis of size
    C·prod(filter_shape), ordered (channel, then kernel position in row-major order). It is
    :func:`conv_general_dilated` with one identity kernel per channel, so it is linear and
    differentiable like it."""
    filt = tuple(int(v) for v in filter_shape)
    nd = len(_shape(lhs))
    if len(filt) != nd - 2:
        raise ValueError(f"lax.conv_general_dilated_patches: filter_shape {filt} needs {nd - 2} "
                         f"entries for an input of shape {_shape(lhs)}")
    lspec, rspec, _ = _lo2._conv_specs(dimension_numbers, nd)
    c = _shape(lhs)[lspec[1]]
    size = int(np.prod(filt, dtype=np.int64))
    dt = np.dtype(preferred_element_type) if preferred_element_type is not None else _dtype(lhs)
    # kernel (O, I, *filt) = (C·size, 1, *filt): output feature c·size + s copies position s
    eye = np.eye(size, dtype=dt).reshape((size, 1) + filt)
    kernel = np.tile(eye, (c,) + (1,) * (len(filt) + 1))
    rhs = np.transpose(kernel, tuple(np.argsort(rspec)))  # into the layout rhs_spec names
    return _lo2.conv_general_dilated(
        _ops.astype(lhs, dt) if _dtype(lhs) != dt else lhs, rhs, window_strides, padding,
        lhs_dilation, rhs_dilation, dimension_numbers, feature_group_count=c)


def _float_operand(name: str, operand) -> None:
    """JAX's approximate top-k takes floating operands only (negating an unsigned one for the
    minimum would also wrap around)."""
    if _dtype(operand).kind != "f":
        raise TypeError(f"lax.{name}: operand must be a floating type, got {_dtype(operand)} "
                        f"of shape {_shape(operand)} (lax.top_k takes integers)")


def approx_max_k(operand, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True):
    """``jax.lax.approx_max_k`` as JAX runs it on a CPU: the exact :func:`top_k` along
    ``reduction_dimension`` (values, int32 indices); the tuning arguments change nothing."""
    _float_operand("approx_max_k", operand)
    return _lo2.top_k(operand, k, axis=reduction_dimension)


def approx_min_k(operand, k: int, reduction_dimension: int = -1, recall_target: float = 0.95,
                 reduction_input_size_override: int = -1, aggregate_to_topk: bool = True):
    """``jax.lax.approx_min_k`` on a CPU: the ``k`` smallest entries along
    ``reduction_dimension``, smallest first, and their int32 indices (exact)."""
    _float_operand("approx_min_k", operand)
    values, idx = _lo2.top_k(_ops.negative(operand), k, axis=reduction_dimension)
    return [_ops.negative(values), idx]


def platform_dependent(*args, default: Callable | None = None, **per_platform):
    """``jax.lax.platform_dependent``: the ``cpu`` branch applied to ``args`` (tensorgrad runs
    on the CPU), else ``default``."""
    branch = per_platform.get("cpu", default)
    if branch is None:
        raise NotImplementedError(f"lax.platform_dependent: no branch for 'cpu' and no default "
                                  f"(branches for {sorted(per_platform)})")
    return branch(*args)


def igamma_grad_a(a, x):
    """``jax.lax.igamma_grad_a``: ∂P(a, x)/∂a, the derivative of the regularized lower
    incomplete gamma function in its shape parameter."""
    return _gammainc_da(a, x)


def _bitcast_np(v, new: np.dtype) -> np.ndarray:
    v = np.ascontiguousarray(v)
    old = v.dtype
    if new.itemsize == old.itemsize:
        return v.view(new)
    if new.itemsize < old.itemsize:  # each entry becomes a trailing axis of narrower ones
        return v.reshape(v.shape + (1,)).view(new)
    ratio = new.itemsize // old.itemsize
    if not v.shape or v.shape[-1] != ratio:
        raise ValueError(f"lax.bitcast_convert_type: from {old} to {new} the last axis must have "
                         f"size {ratio}, got shape {v.shape}")
    return v.view(new).reshape(v.shape[:-1])


def bitcast_convert_type(operand, new_dtype):
    """``jax.lax.bitcast_convert_type``: the same bits read as ``new_dtype`` (a narrower type
    adds a trailing axis, a wider one consumes it). It has no derivative: a traced float
    input raises rather than losing its gradient."""
    new = np.dtype(new_dtype)
    if traced_level(operand) >= 0 and _dtype(operand).kind == "f":
        raise TypeError(f"lax.bitcast_convert_type: reinterpreting the bits of a traced "
                        f"{_dtype(operand)} value as {new} has no derivative; use "
                        "tg.lax.stop_gradient(x) first if none is wanted")
    return staged_call(_bitcast_np, concrete(operand), new)
