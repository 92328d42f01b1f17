"""The structured Jacobian of one recorded op, from its registry entry.

:func:`op_jacobian` reads the op's Jacobian kind and, where the entry gives
one, its own ``jacobian`` builder; it never looks at an op's name:

* no gradient (``kind "none"``): :class:`Zero`;
* elementwise (``"diagonal"``): ``Diagonal(d)`` from the op's derivative,
  times a :class:`Broadcast` when input i was broadcast;
* an op with a ``jacobian`` builder: whatever it builds (Kronecker forms for
  matmul, index maps for reshapes and sums, ``diag(p) − p pᵀ`` for softmax);
* other linear ops: a matrix-free :class:`RuleMap` of their own rules;
* everything else: the :class:`Dense` matrix their rules give (one batched sweep).
"""
from __future__ import annotations

import numpy as np

from ..sweep import ForwardModeError, node_jvp, quiet_rules, unbroadcast
from ..tensor import concrete
from .algebra import compose
from .maps import Broadcast, Dense, Diagonal, Identity, Jacobian, Zero

__all__ = ["op_jacobian", "elementwise_jacobian", "RuleMap"]


def elementwise_jacobian(op, i: int, args: tuple, out, params: tuple) -> Jacobian:
    """``Diagonal(∂out/∂x_i)`` of an elementwise op (a Broadcast in front if x_i was broadcast)."""
    d = op.deriv[i]
    oshape = np.shape(out)
    ishape = np.shape(args[i])
    if d is None:
        return Zero(oshape, ishape)
    odt = np.asarray(out).dtype  # the derivative in the output's float dtype (float32 stays)
    dt = odt if odt.kind in "fc" else np.dtype(np.float64)
    if isinstance(d, (int, float)):
        J = Identity(oshape) if d == 1 else Diagonal(np.full(oshape, d, dtype=dt))
    else:
        dv = np.asarray(concrete(d(out, *args, *params)))
        if dv.dtype != dt and dv.dtype.kind != "c":
            dv = dv.astype(dt)
        if np.shape(dv) != oshape:
            dv = np.broadcast_to(dv, oshape).copy()
        J = Diagonal(dv)
    if ishape != oshape:
        return Broadcast(ishape, oshape) if isinstance(J, Identity) else compose(J, Broadcast(ishape, oshape))
    return J


@quiet_rules  # (an op's slopes: 0·∞ is NaN without a warning, as in the sweeps)
def op_jacobian(op, i: int, args: tuple, out, params: tuple = ()) -> Jacobian:
    """The structured Jacobian of one op application with respect to input ``i``."""
    args = tuple(np.asarray(concrete(a)) if hasattr(a, "shape") and not isinstance(a, (tuple, slice))
                 else a for a in args)
    out = np.asarray(concrete(out))
    if op.kind == "none":
        return Zero(np.shape(out), np.shape(args[i]))
    if op.kind == "diagonal" and not op.variadic:
        return elementwise_jacobian(op, i, args, out, params)
    if op.jacobian is not None:
        return op.jacobian(i, args, out, params)
    rm = RuleMap(op, i, args, out, params)
    if op.kind == "linear":
        return rm
    return Dense(rm.todense(), rm.out_shape, rm.in_shape)


class RuleMap(Jacobian):
    """Matrix-free: the Jacobian of one op with respect to input ``i``, applied
    through the op's own JVP rule (``matvec``) and VJP rule (``vecmat``).

    Exact for every op; used as is for linear ops without a closed form
    (indexing, scatter, concatenate, stack) and materialized as :class:`Dense`
    for the dense ops.
    """

    def __init__(self, op, i: int, args: tuple, out, params: tuple):
        super().__init__(np.shape(out), np.shape(args[i]))
        self.op, self.i, self.args, self.out, self.params = op, i, args, out, params
        self.kind = f"linear map ({op.name})" if op.kind == "linear" else f"{op.name} rules"
        self.symbol = op.symbol or "J"

    def _has_jvp(self) -> bool:
        op = self.op
        return op.jvp_all is not None or (op.forward is not None and op.jvps[self.i] is not None)

    def _has_vjp(self) -> bool:
        op = self.op
        return op.vjp_all is not None or op.vjps[self.i] is not None

    def matvec(self, t):
        nb = self._nb_in(t)
        if not self._has_jvp():
            if not self._has_vjp():
                return Zero(self.out_shape, self.in_shape).matvec(t)
            # only a VJP rule: go through the dense matrix built from it
            return Dense(self.todense(), self.out_shape, self.in_shape).matvec(t)
        tangents = [None] * len(self.args)
        tangents[self.i] = np.asarray(t, dtype=np.result_type(t, np.float64))
        try:
            r = node_jvp(self.op, tangents, self.args, self.params, self.out, nb)
        except ForwardModeError:  # a custom_vjp function: its VJP rule builds the matrix
            if not self._has_vjp():
                raise
            self._vjp_only = True
            return Dense(self.todense(), self.out_shape, self.in_shape).matvec(t)
        want = np.shape(t)[:nb] + self.out_shape
        if r is None:
            return np.zeros(want)
        return np.broadcast_to(np.asarray(concrete(r)), want)

    def vecmat(self, g):
        nb = self._nb_out(g)
        op = self.op
        g = np.asarray(g, dtype=np.result_type(g, np.float64))
        if op.vjps[self.i] is not None:  # one input's own rule, where the op has one
            c = op.vjps[self.i](g, self.out, *self.args, *self.params)
        elif op.vjp_all is not None:
            c = op.vjp_all(g, self.out, *self.args, *self.params)[self.i]
        else:
            if self._has_jvp():
                return Dense(self.todense(), self.out_shape, self.in_shape).vecmat(g)
            c = None
        want = np.shape(g)[:nb] + self.in_shape
        if c is None:
            return np.zeros(want)
        c = np.asarray(concrete(c))
        if np.shape(c) != want:
            c = np.asarray(concrete(unbroadcast(c, self.in_shape, nb)))
        return np.asarray(c)

    _vjp_only = False  # set when the JVP rule turned out to be missing (a custom_vjp)

    def todense(self):
        m, n = self.out_size, self.in_size
        if self._has_jvp() and not self._vjp_only and (n <= m or not self._has_vjp()):
            basis = np.eye(n).reshape((n,) + self.in_shape)
            cols = np.asarray(self.matvec(basis)).reshape(n, m)
            return np.ascontiguousarray(cols.T).reshape(self.out_shape + self.in_shape)
        if self._has_vjp():
            basis = np.eye(m).reshape((m,) + self.out_shape)
            return np.asarray(self.vecmat(basis)).reshape(self.out_shape + self.in_shape)
        return np.zeros(self.out_shape + self.in_shape)

    @property
    def matvec_flops(self):
        # a linear op touches each entry about once; other ops: a dense estimate
        if self.op.kind == "linear":
            return max(self.out_size, self.in_size)
        return 2 * self.out_size * self.in_size

    vecmat_flops = matvec_flops

