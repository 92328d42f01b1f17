"""Pieces the transforms share: Jacobian rows computed in chunks (``jacrev``/``jacfwd``
with ``chunk_size``), joined without a second full copy of the result; JAX's ``float0``
dtype and the JAX arguments that mean nothing for real functions; the tests of primals and
the zero tangents the transforms hand out."""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from . import ops as _ops
from .staging import Staged
from .staging import call as staged_call
from .tensor import Tensor, concrete, shape_of

__all__ = ["Rows", "FLOAT0", "jax_flags"]


class Rows:
    """Chunks of a result along axis 0, joined without a second full copy.

    Plain arrays are written into one buffer as they arrive (peak memory:
    the result plus one chunk); Tensors (nested transforms) are concatenated
    with the differentiable op at the end.
    """

    __slots__ = ("total", "buf", "parts")

    def __init__(self, total: int):
        self.total = total
        self.buf = None
        self.parts: list = []

    def add(self, lo: int, hi: int, part) -> None:
        if not self.parts and hi - lo == self.total:  # one chunk: nothing to join
            self.parts.append(part)
            return
        if type(part) is np.ndarray and not self.parts:
            if self.buf is None:
                self.buf = np.empty((self.total,) + part.shape[1:], dtype=part.dtype)
            self.buf[lo:hi] = part
            return
        if self.buf is not None:  # a Tensor after arrays: keep what we have as one part
            self.parts.append(self.buf[:lo])
            self.buf = None
        self.parts.append(part)

    def joined(self):
        if self.buf is not None:
            return self.buf
        if len(self.parts) == 1:
            return self.parts[0]
        return _ops.concatenate(self.parts, axis=0)


#: JAX's dtype of the gradient of an integer input (``jax.dtypes.float0``): no data
FLOAT0 = np.dtype([("float0", np.void, 0)])


def jax_flags(name: str, holomorphic: bool, reduce_axes: Sequence = ()) -> None:
    """JAX's ``reduce_axes`` argument: only its default means anything here."""
    if reduce_axes:
        raise NotImplementedError(f"{name}: reduce_axes is not supported (JAX deprecated it)")


def check_chunk_size(name: str, chunk_size) -> None:
    """``chunk_size``: None (the whole basis in one sweep) or a positive integer, as torch.func's."""
    if chunk_size is None:
        return
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, (int, np.integer)) or chunk_size < 1:
        raise ValueError(f"{name}: chunk_size must be None or a positive integer, got {chunk_size!r}")


# ---- primals, tangents and zeros -----------------------------------------------------------

def live(x) -> bool:
    """A value traced by a live transform (a Tensor of a trace of level ≥ 0)."""
    return type(x) is Tensor and x._trace is not None and x._trace.level >= 0


def refuse_traced_inputs(values, where: str, what: str, op: str | None = None) -> None:
    """``what`` (structured Jacobians, the elimination) works on NumPy values, so it cannot pass
    derivatives back to an enclosing transform: an input it differentiates, or a value an op
    ``op`` on its tape uses (a closure's), that such a transform traces raises (a silently
    zero gradient otherwise)."""
    for v in values:
        if live(v):
            who = "an input is" if op is None else f"{op} on the tape uses a value"
            raise TypeError(f"{where}: {who} traced by an enclosing transform; {what} work on "
                            "NumPy values and cannot pass derivatives to that transform. Call it "
                            "outside the other transform, or use tg.jacrev/tg.jacfwd, which nest")


def float_dtype(v):
    """``v``'s dtype if it is floating or complex, else float64 (the dtype of its derivatives)."""
    dt = np.result_type(concrete(v))
    return dt if dt.kind in "fc" else np.dtype(np.float64)


def zeros_like(v, batch=()):
    return np.zeros(tuple(batch) + tuple(np.shape(concrete(v))), dtype=float_dtype(v))


def integer_primal(p, t, where: str) -> bool:
    """An integer or boolean primal of jvp/linearize: a constant, whose tangent must be JAX's
    float0 (as ``jax.jvp`` requires)."""
    if live(p) or np.result_type(concrete(p)).kind not in "biu":
        return False
    if np.result_type(concrete(t)) != FLOAT0:
        raise TypeError(f"{where}: the tangent of an integer or boolean primal (dtype "
                        f"{np.result_type(concrete(p))}) must have dtype float0 "
                        f"(np.zeros(shape, tg.float0)), got dtype {np.result_type(concrete(t))}")
    return True


def check_tangent(t, where: str, primal=None) -> None:
    """The tangent of a floating-point primal must be a real array, that of a complex primal
    a real or complex one: float0 (the tangent of integer primals only), object and string
    tangents are refused, as ``jax.jvp``."""
    dt = np.result_type(concrete(t))
    if dt.kind == "c":
        if primal is not None and np.result_type(concrete(primal)).kind == "c":
            return
        raise TypeError(f"{where}: a complex tangent (dtype {dt}) for a real primal: the "
                        "tangent of a real value is real (as jax.jvp)")
    if dt.kind not in "biuf":
        hint = " (float0 is the tangent of integer and boolean primals)" if dt == FLOAT0 else ""
        raise TypeError(f"{where}: the tangent of a floating-point primal must be a real "
                        f"array, got dtype {dt}{hint}")


def no_tangent(v):
    """The tangent of an output that does not depend on the inputs: zeros, float0 for an
    integer or boolean output (as JAX)."""
    if np.result_type(concrete(v)).kind in "biu":
        return np.zeros(np.shape(concrete(v)), FLOAT0)
    return zeros_like(v)


# ---- results as the caller sees them -----------------------------------------------------

def finish(v):
    """A computed result (gradient, Jacobian, tangent) as the caller should see it:
    live Tensors stay, the rest become arrays."""
    if type(v) is np.ndarray:
        return v
    if live(v):
        return v
    v = concrete(v)
    return staged_array(v) if type(v) is Staged else np.asarray(v)


def staged_array(v):
    """A value traced by tg.jit, given the type the eager call gives: NumPy computes a 0-d
    result as a scalar (np.float64), which the eager path turns into a 0-d array; the
    jitted plan must do the same at every replay."""
    return staged_call(np.asarray, v) if isinstance(v.value, np.generic) else v


def finish_value(v):
    """A primal output or aux value: always the caller's own copy.

    It may be the tape's residual (vjp, linearize keep their tape), a view of
    an input (``lambda x: x``), or an array the function captured: a copy
    never aliases the caller's arrays nor the tape.
    """
    if live(v):
        return v
    v = concrete(v)
    return staged_array(v) if type(v) is Staged else np.array(v, copy=True)


def as_primal(x, where: str):
    """A differentiable input as a read-only float array (or a live Tensor of an outer trace)."""
    if type(x) is np.ndarray and x.dtype.kind == "f":  # the common case, directly
        if x.flags.writeable:
            x = x.view()  # read-only view: the op rules can never write into it
            x.flags.writeable = False
        return x
    if live(x) or type(x) is Staged:  # a live Tensor, or a value traced by tg.jit
        dt = x.dtype
        if dt.kind not in "fc":
            raise TypeError(f"{where}: cannot differentiate with respect to an input of dtype {dt}")
        return x
    if type(x) is Tensor and x._trace is None:  # a constant Tensor: its value (staged, maybe)
        return as_primal(x._value, where)
    a = np.asarray(concrete(x))
    if a.dtype.kind not in "fc":
        raise TypeError(f"{where}: can only differentiate with respect to floating-point or "
                        f"complex inputs, got dtype {a.dtype} (shape {a.shape}); convert it with "
                        f".astype(float) or pass it as a constant (not in argnums)")
    if a.flags.writeable:
        a = a.view()  # read-only view: the op rules can never write into it
        a.flags.writeable = False
    return a


def own(results: list) -> list:
    """Hand out gradients as separate writable arrays.

    Rules may pass a cotangent through unchanged (add, reshape), so two inputs
    can receive the same buffer, a read-only broadcast view, or the caller's
    own seed. Copy those, so that editing one result never changes another.
    """
    seen = set()
    out = []
    for a in results:
        if type(a) is np.ndarray:
            if id(a) in seen or not a.flags.writeable or a.base is not None:
                a = a.copy()
            seen.add(id(a))
        out.append(a)
    return out


def check_output(v, where: str, real: bool = False, holomorphic: bool = False):
    """Reject outputs tensorgrad cannot differentiate (object, strings; complex ones where
    ``real``: grad and jacrev, as JAX's, need real outputs, or complex ones with
    ``holomorphic``)."""
    if type(v) is Tensor or type(v) is np.ndarray or type(v) is Staged:  # (Staged: under tg.jit)
        dt = v.dtype
    else:  # np.asarray, not np.result_type: a str would be read as a dtype name, object() fails
        try:
            dt = np.asarray(concrete(v)).dtype
        except Exception:
            dt = np.dtype(object)
    if dt.kind in "OUSV":
        raise TypeError(f"{where}: the function returned a non-numeric array (dtype {dt}); "
                        "tensorgrad differentiates numeric functions only")
    if holomorphic and dt.kind != "c":
        raise TypeError(f"{where} with holomorphic=True needs complex outputs, got dtype {dt}")
    if real and not holomorphic and dt.kind == "c":
        raise TypeError(f"{where} needs real-valued outputs, got dtype {dt}: for a holomorphic "
                        f"function pass holomorphic=True; for any other function of complex "
                        f"outputs use tg.vjp directly (as in JAX)")
    if real and not holomorphic and dt.kind in "biu":  # as JAX's: an integer output has no slope
        raise TypeError(f"{where} needs real-valued (floating-point) outputs, got dtype {dt}; "
                        f"for a function of integer or boolean outputs use tg.vjp directly (as "
                        f"in JAX)")


def check_inputs(leaves, where: str, holomorphic: bool, real: bool = False) -> None:
    """JAX's input rules: ``holomorphic=True`` needs complex inputs; ``real`` (jacfwd) needs
    real ones otherwise."""
    for v in leaves:
        kind = np.result_type(concrete(v)).kind
        if holomorphic and kind != "c":
            raise TypeError(f"{where} with holomorphic=True needs complex inputs, got dtype "
                            f"{np.result_type(concrete(v))}")
        if real and not holomorphic and kind == "c":
            raise TypeError(f"{where} needs real-valued inputs, got dtype "
                            f"{np.result_type(concrete(v))}: for a holomorphic function pass "
                            f"holomorphic=True; otherwise use tg.jvp directly (as in JAX)")


def check_fun(fun, name: str) -> None:
    """A transform's function must be callable (as JAX checks, when the transform is made)."""
    if not callable(fun):
        raise TypeError(f"{name}: expected a function to transform, got {type(fun).__name__} "
                        f"{fun!r}")


def norm_argnums(argnums, nargs: int, name: str):
    if isinstance(argnums, np.ndarray) and argnums.ndim <= 1 and argnums.dtype.kind in "iu":
        argnums = argnums.tolist() if argnums.ndim else int(argnums)  # (as JAX takes them)
    single = isinstance(argnums, (int, np.integer))
    ok = single or (isinstance(argnums, (tuple, list)) and all(
        isinstance(a, (int, np.integer)) for a in argnums))
    if not ok:
        raise TypeError(f"{name}: argnums must be an int or a tuple of ints, got {argnums!r}")
    nums = (int(argnums),) if single else tuple(int(a) for a in argnums)
    if not nums:  # (JAX and torch.func refuse it too: there is nothing to differentiate)
        raise ValueError(f"{name}: argnums=() names no argument to differentiate; give an int "
                         "or a non-empty tuple of ints")
    for a in nums:
        if not -nargs <= a < nargs:  # (a TypeError, as JAX's: the call passes too few arguments)
            raise TypeError(f"{name}: argnums={argnums!r} is out of range for a function "
                            f"called with {nargs} positional arguments")
    if len({a % nargs for a in nums}) != len(nums):
        raise ValueError(f"{name}: argnums={argnums!r} names an argument twice")
    return single, tuple(a % nargs for a in nums)


def with_args(fun, args: Sequence, nums: Sequence[int], kwargs: dict | None = None):
    """``g(*picked)``: ``fun(*args, **kwargs)`` with ``args[nums[k]]`` replaced by ``picked[k]``
    (a function of the differentiated arguments alone, the others held as given)."""
    kwargs = kwargs or {}

    def g(*picked):
        full = list(args)
        for k, p in zip(nums, picked):
            full[k] = p
        return fun(*full, **kwargs)
    return g


def check_linear_kind(v, t) -> None:
    """A tangent given to linearize's function must be of the primal's kind: float0 for an
    integer or boolean primal, floating point for a floating one. JAX refuses others with a
    ValueError (the tangent is inconsistent with the primal values linearize recorded)."""
    have = np.result_type(concrete(t))
    want_float0 = np.result_type(v).kind in "biu"
    ok = have.kind == "f" or (have.kind == "c" and np.result_type(v).kind == "c")
    if (have == FLOAT0) != want_float0 or (not want_float0 and not ok):
        raise ValueError(f"f_jvp: a tangent of dtype {have} is inconsistent with a primal of dtype "
                         f"{np.result_type(v)} (give float0 for integer and boolean primals, a "
                         "floating-point array for floating ones)")


# ---- the tangents of a recorded custom op ---------------------------------------------------
def recorded_jvp(one: Callable, tangents, primals, out):
    """A recorded custom op's ``jvp_all``: ``one(tangents)`` with zeros for the missing
    (None) tangents, slice by slice over any batch axes the given tangents carry."""
    given = [(t, p) for t, p in zip(tangents, primals) if t is not None]
    nb = len(shape_of(given[0][0])) - len(shape_of(given[0][1])) if given else 0
    batch = shape_of(given[0][0])[:nb] if nb else ()
    ts = [zeros_like(p, batch) if t is None else t for t, p in zip(tangents, primals)]
    return batched_tangent(one, primals, ts, batch, out)


def batched_tangent(one: Callable, primals, tans, batch: tuple, out):
    """``one(tangents)`` for tangents with leading ``batch`` axes: one slice at a time (the
    user's rule sees JAX's shapes), stacked back."""
    if not batch:
        return one(tans)
    n = math.prod(batch)
    flat = [_ops.reshape(t, (n,) + tuple(shape_of(p))) for t, p in zip(tans, primals)]
    outs = [one([_ops.getitem(t, k) for t in flat]) for k in range(n)]
    if not outs:
        return zeros_like(out, batch)
    return _ops.reshape(_ops.stack(outs), batch + tuple(shape_of(out)))
