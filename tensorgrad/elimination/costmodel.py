"""Predicted flops of compositions and sums, without computing them.

Choosing an elimination order means comparing the cost of many orders, and
running each one would do all their matrix products. This module mirrors the
algebra of :mod:`tensorgrad.jacobians` (``compose``, ``add`` and the
closed forms they use) on *descriptions* of maps — their kind, shapes and
application flops — and returns the flops the real algebra would count with
:func:`~tensorgrad.jacobians.count_flops`. The search uses these
predictions; the counts reported for an elimination are always the ones the
real maps counted while it ran (the tests check that the two agree).
"""
from __future__ import annotations

import math

from .. import jacobians as jac

__all__ = ["Sym", "describe", "sym_compose", "sym_add", "sym_materialize", "sym_finish"]


def _size(shape) -> int:
    return math.prod(shape)


class Sym:
    """A map described by kind and shapes: what its flops depend on.

    ``t`` is one of zero, id, diag, dense, reshape, perm, bcast, sumto,
    mleft, mright, softmax, product, sumof, other; ``mv``/``vm`` are the flops of one
    matvec/vecmat; ``x`` holds what a closed form needs (the Kronecker
    factor's shape, permutation axes, the factors of a product, the terms of a
    sum).
    """

    __slots__ = ("t", "out", "inn", "mv", "vm", "x", "m", "n", "key")

    def __init__(self, t, out, inn, mv, vm, x=None):
        self.t, self.out, self.inn, self.mv, self.vm, self.x = t, tuple(out), tuple(inn), mv, vm, x
        self.m, self.n = _size(self.out), _size(self.inn)
        # what identifies the description (two maps with equal keys cost the same in any product)
        if t in ("product", "sumof"):
            xk = tuple(f.key for f in x)
        else:
            xk = x
        self.key = (t, self.out, self.inn, mv, vm, xk)

    @property
    def out_size(self) -> int:
        return self.m

    @property
    def in_size(self) -> int:
        return self.n

    def __repr__(self) -> str:
        return f"<Sym {self.t} {self.inn}→{self.out}>"


# -- constructors mirroring the map classes -----------------------------------

def _zero(out, inn):
    return Sym("zero", out, inn, 0, 0)


def _identity(shape):
    return Sym("id", shape, shape, 0, 0)


_CACHE: dict = {}  # descriptions are never changed: one per (kind, shapes)


def _diag(shape):
    r = _CACHE.get(("diag", shape))
    if r is None:
        n = _size(shape)
        r = _CACHE[("diag", shape)] = Sym("diag", shape, shape, n, n)
    return r


def _dense(out, inn):
    r = _CACHE.get(("dense", out, inn))
    if r is None:
        f = 2 * _size(out) * _size(inn)
        r = _CACHE[("dense", out, inn)] = Sym("dense", out, inn, f, f)
    return r


def _reshape(out, inn):
    return Sym("reshape", out, inn, 0, 0)


def _perm(inn, axes):
    return Sym("perm", tuple(inn[a] for a in axes), inn, 0, 0, tuple(axes))


def _bcast(inn, out):
    return Sym("bcast", out, inn, 0, _size(out) - _size(inn))


def _sumto(inn, out):
    return Sym("sumto", out, inn, _size(inn) - _size(out), 0)


def _mleft(a_shape, n):
    m, k = a_shape
    f = 2 * m * k * n
    return Sym("mleft", (m, n), (k, n), f, f, (m, k))


def _mright(b_shape, m):
    k, n = b_shape
    f = 2 * m * k * n
    return Sym("mright", (m, n), (m, k), f, f, (k, n))


def _product(factors):
    return Sym("product", factors[0].out, factors[-1].inn, sum(f.mv for f in factors),
               sum(f.vm for f in factors), tuple(factors))


def _sumof(terms):
    t0 = terms[0]
    extra = len(terms) - 1
    return Sym("sumof", t0.out, t0.inn, sum(t.mv for t in terms) + extra * t0.out_size,
               sum(t.vm for t in terms) + extra * t0.in_size, tuple(terms))


def describe(J: jac.Jacobian) -> Sym:
    """The description of a real map (the same kind the algebra dispatches on)."""
    if isinstance(J, jac.Zero):
        return _zero(J.out_shape, J.in_shape)
    if isinstance(J, jac.Identity):
        return _identity(J.in_shape)
    if isinstance(J, jac.Diagonal):
        return _diag(J.in_shape)
    if isinstance(J, jac.Dense):
        return _dense(J.out_shape, J.in_shape)
    if isinstance(J, jac.Reshape):
        return _reshape(J.out_shape, J.in_shape)
    if isinstance(J, jac.Permute):
        return _perm(J.in_shape, J.axes)
    if isinstance(J, jac.Broadcast):
        return _bcast(J.in_shape, J.out_shape)
    if isinstance(J, jac.SumTo):
        return _sumto(J.in_shape, J.out_shape)
    if isinstance(J, jac.MatmulLeft):
        return _mleft(J.A.shape, J.out_shape[1])
    if isinstance(J, jac.MatmulRight):
        return _mright(J.B.shape, J.out_shape[0])
    if isinstance(J, jac.Product):
        return _product([describe(f) for f in J.factors])
    if isinstance(J, jac.SumOf):
        return _sumof([describe(t) for t in J.terms])
    if isinstance(J, jac.SoftmaxJacobian):
        return Sym("softmax", J.out_shape, J.in_shape, int(J.matvec_flops), int(J.vecmat_flops))
    return Sym("other", J.out_shape, J.in_shape, int(J.matvec_flops), int(J.vecmat_flops))


# -- composition ----------------------------------------------------------------

def _closed(a: Sym, b: Sym):
    """(result, flops) of ``a @ b`` in closed form, or None (mirrors jacobians._closed)."""
    ta, tb = a.t, b.t
    if ta == "zero" or tb == "zero":
        return _zero(a.out, b.inn), 0
    if ta == "id":
        return b, 0
    if tb == "id":
        return a, 0
    if ta == "diag" and tb == "diag":
        return _diag(a.inn), a.n
    if ta == "diag" and tb == "dense":
        return _dense(b.out, b.inn), b.m * b.n
    if ta == "dense" and tb == "diag":
        return _dense(a.out, a.inn), a.m * a.n
    if ta == "dense" and tb == "dense":
        return _dense(a.out, b.inn), 2 * a.m * a.n * b.n
    if ta == "reshape" and tb == "reshape":
        return (_identity(b.inn) if a.out == b.inn else _reshape(a.out, b.inn)), 0
    if ta == "perm" and tb == "perm":
        axes = tuple(b.x[i] for i in a.x)
        return (_identity(b.inn) if axes == tuple(range(len(axes))) else _perm(b.inn, axes)), 0
    if ta == "bcast" and tb == "bcast":
        return _bcast(b.inn, a.out), 0
    if ta == "sumto" and tb == "sumto":
        return _sumto(b.inn, a.out), 0
    if ta == "mleft" and tb == "mleft":
        m, k = a.x
        return _mleft((m, b.x[1]), a.out[1]), 2 * m * k * b.x[1]
    if ta == "mright" and tb == "mright":
        k, n = a.x
        return _mright((b.x[0], n), a.out[0]), 2 * b.x[0] * k * n
    if tb == "dense":
        return _dense(a.out, b.inn), b.n * a.mv
    if ta == "dense":
        return _dense(a.out, b.inn), a.m * b.vm
    return None


def _absorb(a: Sym, b: Sym):
    if b.t == "dense":
        return _dense(a.out, b.inn), b.n * a.mv
    return _dense(a.out, b.inn), a.m * b.vm


def sym_compose(a: Sym, b: Sym):
    """(result, flops) of ``compose(a, b)`` (mirrors jacobians.compose)."""
    r = _closed(a, b)
    if r is not None:
        return r
    flops = 0
    fa = list(a.x) if a.t == "product" else [a]
    fb = list(b.x) if b.t == "product" else [b]
    while fa and fb:
        r = _closed(fa[-1], fb[0])
        if r is None:
            break
        flops += r[1]
        fa = fa[:-1]
        fb = [r[0]] + fb[1:]
        if not fa or r[0].t in ("product", "sumof"):
            break
    factors = fa + fb
    if any(f.t == "dense" for f in factors):
        acc = factors[-1]
        for f in reversed(factors[:-1]):
            r = _closed(f, acc) or _absorb(f, acc)
            acc = r[0]
            flops += r[1]
        return acc, flops
    return (factors[0] if len(factors) == 1 else _product(factors)), flops


# -- sums and materialization -----------------------------------------------------

#: Kinds whose dense array is only a placement of their numbers (no arithmetic).
PLACEMENT = ("zero", "id", "diag", "dense", "reshape", "perm", "bcast", "sumto", "mleft", "mright")


def sym_materialize(a: Sym):
    """(Dense result, flops): applying the map to the identity basis of its cheaper side."""
    n, m = a.n, a.m
    if n * a.mv <= m * a.vm:
        return _dense(a.out, a.inn), n * a.mv
    return _dense(a.out, a.inn), m * a.vm


def sym_add(a: Sym, b: Sym):
    """(result, flops) of the elimination's sum of two maps (see graph._add)."""
    flops = 0
    if a.t == "dense" and b.t not in PLACEMENT:
        b, flops = sym_materialize(b)
    elif b.t == "dense" and a.t not in PLACEMENT:
        a, flops = sym_materialize(a)
    if a.t == "zero":
        return b, flops
    if b.t == "zero":
        return a, flops
    if a.t in ("diag", "id") and b.t in ("diag", "id"):
        return _diag(a.inn), flops + a.n
    if a.t == "dense" or b.t == "dense":
        return _dense(a.out, a.inn), flops + a.m * a.n
    ta = list(a.x) if a.t == "sumof" else [a]
    tb = list(b.x) if b.t == "sumof" else [b]
    return _sumof(ta + tb), flops


#: Kinds a finished Jacobian may keep; anything else (a lazy product or sum,
#: a matrix-free rule map) is materialized as Dense at the end.
EXPLICIT = PLACEMENT + ("softmax",)


def sym_finish(a: Sym):
    """(result, flops) of making a finished Jacobian block explicit."""
    if a.t in PLACEMENT or a.t == "softmax":
        return a, 0
    return sym_materialize(a)
