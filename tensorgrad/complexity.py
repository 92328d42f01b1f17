"""Complex values on the tape: which ops may carry them, and JAX's convention.

tensorgrad differentiates complex values the way JAX does. A tangent of a
complex value is complex, a tangent of a real value is real, and a VJP rule is
the *transpose* of its JVP under the real pairing ``⟨a, b⟩ = Re(Σ a·b)`` (no
conjugate): for a holomorphic op ``f`` both rules are the real formulas,
``t ↦ f′(z)·t`` and ``g ↦ g·f′(z)``. So ``grad`` of a real-valued ``L`` at a
complex ``z = x + iy`` is ``∂L/∂x − i ∂L/∂y``, and a real input that meets a
complex cotangent keeps its real part.

Only ops registered with ``complex=True`` have rules checked to hold for complex
values (the holomorphic ones, the linear and shape ops, and ``real``, ``imag``,
``conj``, ``abs``, ``angle``, ``complex`` and the FFTs, whose rules handle the
conjugates). Any other op that meets a complex value on a trace (a complex
input, or a complex output) raises a ``TypeError`` naming it, rather than
return a gradient that could be silently wrong.
"""
from __future__ import annotations

from .tensor import dtype_of

__all__ = ["note", "check_node", "check_forward", "is_complex", "real_for", "real_tape"]

# Set once a complex value has been on any trace: until then a node's real output
# is all the check reads (one attribute), after it the node's parents too. It only
# decides how much is checked, never a result, so it is safe to share across threads.
_seen = [False]


def note() -> None:
    """A complex value entered a trace (an input, a constant, a complex result)."""
    _seen[0] = True


#: the differentiable real part (set by tensorgrad.ops.complex_ops, which needs the engine)
REAL: list = [None]


def real_for(c, like_dtype):
    """``c``, a cotangent or tangent of a value of dtype ``like_dtype``, in that value's space:
    its real part when the value is real and ``c`` complex (JAX's convention)."""
    if type(c) in (tuple, list) or like_dtype is None:  # (a multi-output op's tangents)
        return c
    if like_dtype.kind != "c" and dtype_of(c).kind == "c":
        return REAL[0](c)
    return c


def real_tape(nodes, where: str) -> None:
    """Structured Jacobians and vertex elimination compose per-op Jacobians as matrices, which
    cannot hold the real-linear maps of ``abs`` or ``real``: refuse a tape with complex values."""
    for n in nodes:
        if n is not None and n.dtype.kind == "c":
            raise TypeError(f"{where}: works on real functions, and this one has complex values "
                            f"(dtype {n.dtype}); use tg.jacrev or tg.jacfwd (with holomorphic=True "
                            "for a holomorphic function), or tg.vjp / tg.jvp")


def is_complex(v) -> bool:
    dt = getattr(v, "dtype", None)
    if dt is None:
        return isinstance(v, complex)
    return getattr(dt, "kind", "") == "c"


def _refuse(op, what: str):
    return TypeError(
        f"{op.name}: cannot differentiate through complex values ({what}): this op's "
        "derivative rules are written for real arrays only. Ops that take complex values "
        "are listed in docs/conventions.md; otherwise carry the real and imaginary parts "
        "as two real arrays")


def check_node(op, parents, dtype) -> None:
    """A tape node of ``op`` is being recorded (called when its output is complex or once
    complex values have been seen): refuse it unless the op's rules hold for complex."""
    if dtype.kind == "c":
        _seen[0] = True
        if op is not None and not op.complex:
            raise _refuse(op, f"its output has dtype {dtype}")
        return
    if op is None or op.complex:
        return
    for p in parents:
        if p is not None and p.dtype.kind == "c":
            raise _refuse(op, f"an input has dtype {p.dtype}")


def check_forward(op, primals, tangents, out) -> None:
    """Forward mode: ``op`` pushes tangents; refuse complex primals, tangents or output
    unless its rules hold for complex values."""
    if op.complex:
        return
    for v in (out, *primals, *tangents):
        if v is not None and is_complex(v):
            raise _refuse(op, f"a value has dtype {v.dtype if hasattr(v, 'dtype') else 'complex'}")
