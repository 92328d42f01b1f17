"""Linear algebra: matmul, einsum, and tensordot, dot, outer built on einsum's rules.

matmul is bilinear: out = A B. Its rules, with batch axes of cotangents and
tangents riding in front (matmul broadcasts over leading axes):

    VJP   Ā = Ḡ Bᵀ,   B̄ = Aᵀ Ḡ          (summed over broadcast axes by the engine)
    JVP   Ȧ B + A Ḃ

One-dimensional operands are promoted to matrices (A: 1×k row, B: k×1
column) and the added axis is removed again, as NumPy does.

einsum is multilinear: out = Σ_(summed letters) Π_k X_k. Written with
subscripts ``s_k`` per operand and ``o`` for the output (batch letters ``β``
of a cotangent or tangent riding in front):

    VJP   X̄_i = einsum(βo, s_k (k ≠ i) -> β s_i)
    JVP   Σ_i einsum(β s_i, s_k (k ≠ i) -> β o)       (operand i replaced by Ẋ_i)

A letter repeated within s_i (a diagonal, ``'ii->i'``) gets a fresh letter per
extra occurrence and an identity matrix tying it to the first one, which
embeds the cotangent on the diagonal; a letter of s_i found nowhere else (summed
out of that operand alone) comes from a vector of ones, which broadcasts the
cotangent along it. tensordot, dot and outer are registered ops of their own
whose rules are these einsum rules with subscripts worked out from the shapes.
"""
from __future__ import annotations

import string
from collections import Counter

import numpy as np

from ..jacobians.local import RuleMap
from ..jacobians.maps import Dense, MatmulLeft, MatmulRight
from ..recording import bind
from ..registry import Example, function, general
from ..typing import Array, ArrayLike  # noqa: F401
from ..ufunc_keywords import with_keywords
from ._util import concrete, dtype_of, ndim_of, shape_of
from .elementwise import astype
from .shape import expand_dims, reshape, squeeze, swapaxes


def in_preferred_type(operands, preferred_element_type) -> tuple:
    """JAX's ``preferred_element_type`` of a product: the operands cast to it first (the
    product is computed, and returned, in that dtype). None leaves them as they are."""
    if preferred_element_type is None:
        return tuple(operands)
    want = np.dtype(preferred_element_type)
    return tuple(o if dtype_of(concrete(o)) == want else astype(o, want) for o in operands)



_ndarray = np.ndarray


def _mT(x):
    if type(x) is np.ndarray:  # a plain array is on no trace: nothing to record
        return x.swapaxes(-1, -2)
    return swapaxes(x, -1, -2)


def _matmul_vjp_a(g, out, a, b):
    if type(g) is _ndarray and type(b) is _ndarray and b.ndim == 2 and g.ndim == 2 \
            and type(a) is _ndarray and a.ndim == 2:  # plain matrices: the common case
        return g @ b.T
    if ndim_of(b) == 1:
        if ndim_of(a) == 2:  # Ā_ik = g_i b_k: an outer product (batch axes of g kept in front)
            return expand_dims(g, -1) * b
        # out lost B's column axis: put it back on g and b
        g = expand_dims(g, -1)
        b = expand_dims(b, -1)
    if ndim_of(a) == 1:  # out lost A's row axis
        g = expand_dims(g, -2)
        return squeeze(g @ _mT(b), -2)
    return g @ _mT(b)


def _matmul_vjp_b(g, out, a, b):
    if type(a) is _ndarray and a.ndim == 2 and type(g) is _ndarray:  # plain arrays: the common cases
        if type(b) is _ndarray and b.ndim == 2 and g.ndim == 2:
            return a.T @ g
        if b.ndim == 1:  # (b̄ = g A, also for a batch of cotangents: see below)
            return g @ a
    b1 = ndim_of(b) == 1
    if b1 and ndim_of(a) == 2:
        # b̄_k = Σ_i g_i A_ik = (g A)_k: one matrix product for a whole batch of
        # cotangents (jacrev's basis), instead of one matrix-vector product each
        return g @ a
    if b1:  # out lost B's column axis
        g = expand_dims(g, -1)
    if ndim_of(a) == 1:  # out lost A's row axis
        a = expand_dims(a, 0)
        g = expand_dims(g, -2)
    return squeeze(_mT(a) @ g, -1) if b1 else _mT(a) @ g


def _matmul_jvp(t, a, b, wrt):
    """Ȧ B (wrt=0) or A Ḃ (wrt=1), with the tangent's batch axes kept in front.

    Size-1 axes go between the tangent's batch axes and its own axes, so
    matmul's broadcasting lines the operands up correctly.
    """
    x = a if wrt == 0 else b
    nb = ndim_of(t) - ndim_of(x)
    if nb == 0:
        return t @ b if wrt == 0 else a @ t
    a1, b1 = ndim_of(a) == 1, ndim_of(b) == 1
    if wrt == 1 and b1 and ndim_of(a) == 2:
        # A ẋ for a whole batch of tangents at once: one matrix product T Aᵀ
        # (not one matrix-vector product per batch entry)
        return t @ _mT(a)
    a_eff = (1,) + shape_of(a) if a1 else shape_of(a)
    b_eff = shape_of(b) + (1,) if b1 else shape_of(b)
    x_eff = a_eff if wrt == 0 else b_eff
    lead = max(len(a_eff), len(b_eff)) - len(x_eff)
    te = reshape(t, shape_of(t)[:nb] + (1,) * lead + x_eff)
    if wrt == 0:
        r = te @ (expand_dims(b, -1) if b1 else b)
    else:
        r = (expand_dims(a, 0) if a1 else a) @ te
    drop = ((-2,) if a1 else ()) + ((-1,) if b1 else ())
    return squeeze(r, drop) if drop else r


def _matmul_check(a: ArrayLike, b: ArrayLike):
    """Matrix product ``a @ b`` (NumPy semantics: 1-D promotion, batch broadcasting)."""
    # the op's check: the clear error for shapes that do not align (see registry, check=)
    ra, rb = concrete(a), concrete(b)
    sa = ra.shape if type(ra) is np.ndarray else shape_of(ra)
    sb = rb.shape if type(rb) is np.ndarray else shape_of(rb)
    if not sa or not sb:
        raise ValueError(f"matmul: operands must be at least 1-D, got shapes {sa} and {sb}; "
                         "use multiply for scalars")
    ka = sa[-1]
    kb = sb[-2] if len(sb) > 1 else sb[0]
    if ka != kb:
        raise ValueError(f"matmul: shapes {sa} and {sb} do not align: "
                         f"{ka} (last axis of the first) != {kb} (contracted axis of the second)")
    return (a, b), ()


def _matmul_jacobian(i, args, out, params):
    """Kronecker forms for matrix operands; vectors give their dense rows."""
    a, b = args
    if a.ndim == 2 and b.ndim == 2:
        return MatmulRight(b, a.shape[0]) if i == 0 else MatmulLeft(a, b.shape[1])
    if a.ndim == 2 and b.ndim == 1 and i == 1:
        return Dense(a, (a.shape[0],), (a.shape[1],))
    if a.ndim == 1 and b.ndim == 2 and i == 0:
        return Dense(b.T, (b.shape[1],), (b.shape[0],))
    if a.ndim == 1 and b.ndim == 1:
        other = b if i == 0 else a
        return Dense(other, (), other.shape)
    # batched / broadcast / vector-matrix w.r.t. the matrix: exact through the rules
    return RuleMap(matmul.op, i, tuple(args), out, params)


def _matmul_eye_vjp_b(d, out, a, b):
    """x̄ for the whole basis diag(d) of out = A x: the rows of diag(d) A (no identity product)."""
    if type(a) is not np.ndarray or a.ndim != 2 or ndim_of(b) != 1:
        return None
    return a.copy() if d is None else d[:, None] * a


matmul = general(
    "matmul", np.matmul,
    vjp={"a": _matmul_vjp_a, "b": _matmul_vjp_b},
    jvp={"a": lambda t, out, a, b: _matmul_jvp(t, a, b, 0),
         "b": lambda t, out, a, b: _matmul_jvp(t, a, b, 1)},
    check=_matmul_check, jacobian=_matmul_jacobian, eye_vjps=(None, _matmul_eye_vjp_b),
    methods=("__matmul__", "__rmatmul__"),
    jax="jax.numpy.matmul", symbol="I ⊗ Bᵀ (w.r.t. A), A ⊗ I (w.r.t. B)",
    examples=[Example(((3, 4), (4, 5))), Example(((4,), (4, 5))), Example(((3, 4), (4,))),
              Example(((4,), (4,))), Example(((2, 3, 4), (4, 5))), Example(((2, 1, 3, 4), (5, 4, 2)))],
    doc="matrix product with NumPy's broadcasting over leading axes")


def _matmul_public(x1: ArrayLike, x2: ArrayLike, /, *, out=None, precision=None,
                   preferred_element_type=None) -> Array:
    """Matrix product with NumPy's broadcasting over leading axes (``np.matmul``,
    ``jnp.matmul``). ``precision`` is accepted (NumPy computes at full precision);
    ``preferred_element_type`` computes, and returns, the product in that dtype."""
    if out is not None:  # (NumPy's gufunc out=, as np.matmul(x1, x2, out=buf) takes it)
        return with_keywords("matmul", (x1, x2), out, {})
    if preferred_element_type is not None:
        x1, x2 = in_preferred_type((x1, x2), preferred_element_type)
    return matmul(x1, x2)


_matmul_public.__name__ = _matmul_public.__qualname__ = "matmul"
_matmul_public.op = matmul.op
function(_matmul_public)  # tg.matmul and np.matmul on Tensors (the @ operator is the op's own)


# ---- einsum ----------------------------------------------------------------------------
_LETTERS = string.ascii_letters  # the labels np.einsum accepts


def _fresh_letters(used: str):
    """Labels not in ``used``, in a fixed order (so rules are deterministic)."""
    taken = set(used)
    for c in _LETTERS:
        if c not in taken:
            yield c
    raise ValueError("einsum: ran out of subscript letters (at most 52 distinct axes)")


def _split_subs(canon: str) -> tuple[list[str], str]:
    lhs, out = canon.split("->")
    return lhs.split(","), out


def _parse_einsum(subscripts: str, shapes: list[tuple]) -> str:
    """NumPy's einsum subscripts made explicit: ``'a,b,...->o'`` with no ellipsis.

    Ellipsis axes get fresh letters, right-aligned across operands (they
    broadcast), and an implicit output becomes NumPy's: the ellipsis axes,
    then the letters used exactly once, in alphabetical order.
    """
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string, got {type(subscripts).__name__}")
    s = subscripts.replace(" ", "")
    if s.count("->") > 1:
        raise ValueError(f"einsum: subscripts {subscripts!r} contain more than one '->'")
    lhs, arrow, rhs = s.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(terms)} operand(s) but "
                         f"{len(shapes)} were given (shapes {shapes})")
    for part in terms + ([rhs] if arrow else []):
        rest = part.replace("...", "", 1)
        bad = [c for c in rest if c not in _LETTERS]
        if bad:
            raise ValueError(f"einsum: invalid character {bad[0]!r} in subscripts {subscripts!r} "
                             "(use letters a-z, A-Z and at most one '...' per operand)")
    n_ell = []
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        named = len(term.replace("...", ""))
        if "..." in term:
            if len(shape) < named:
                raise ValueError(f"einsum: operand {k} has shape {shape} ({len(shape)} axes) but "
                                 f"subscripts {term!r} name {named} axes")
            n_ell.append(len(shape) - named)
        elif len(shape) != named:
            raise ValueError(f"einsum: operand {k} has shape {shape} ({len(shape)} axes) but "
                             f"subscripts {term!r} name {named} axes")
        else:
            n_ell.append(0)
    n = max(n_ell, default=0)
    fresh = _fresh_letters(s)
    ell = "".join(next(fresh) for _ in range(n))
    canon = [t.replace("...", ell[n - m:]) for t, m in zip(terms, n_ell)]
    if arrow:
        # (an output without '...' sums the axes under it, as JAX's and PyTorch's; NumPy refuses)
        out = rhs.replace("...", ell)
        present = set("".join(canon))
        for c in out:
            if c not in present:
                raise ValueError(f"einsum: output letter {c!r} of {subscripts!r} is in no operand")
        if len(set(out)) != len(out):
            raise ValueError(f"einsum: output subscripts of {subscripts!r} repeat a letter")
    else:
        counts = Counter("".join(terms).replace("...", ""))
        out = ell + "".join(sorted(c for c, m in counts.items() if m == 1))
    sizes: dict = {}
    for k, (term, shape) in enumerate(zip(canon, shapes)):
        for c, d in zip(term, shape):
            prev = sizes.setdefault(c, d)
            if prev != d and prev != 1 and d != 1:  # (name an ellipsis axis as the user sees it)
                what = f"axis {ell.index(c) - n} under '...'" if c in ell else f"letter {c!r}"
                raise ValueError(f"einsum: {what} of {subscripts!r} has size {prev} in one "
                                 f"place and {d} in operand {k} (shapes {shapes})")
            if prev == 1:
                sizes[c] = d
    return ",".join(canon) + "->" + out


def _einsum_forward(*args):
    *ops, canon = args
    kinds = [np.result_type(o) for o in ops]
    if np.dtype(bool) in kinds and any(k != bool for k in kinds):
        # bool operands with numbers: in the numbers' dtype, as NumPy's unoptimized einsum does
        # (its optimized path sums a bool operand's axes in bool arithmetic: a logical OR)
        dt = np.result_type(*kinds)
        ops = [np.asarray(o, dt) if k == bool else o for o, k in zip(ops, kinds)]
    big = len(ops) > 2 or sum(np.size(o) for o in ops) > 4096
    return np.einsum(canon, *ops, optimize=big)


def _bind_einsum(terms: list[str], out: str, operands: list):
    return bind(einsum.op, tuple(operands), (",".join(terms) + "->" + out,))


def _einsum_cotangent(i, g, out, ops, canon):
    """X̄_i = einsum(g, other operands) laid out like operand i (see the module docstring)."""
    terms, o = _split_subs(canon)
    x = ops[i]
    xs = shape_of(x)
    nb = ndim_of(g) - ndim_of(out)
    fresh = _fresh_letters(canon)
    beta = "".join(next(fresh) for _ in range(nb))
    in_terms = [beta + o] + [t for k, t in enumerate(terms) if k != i]
    operands = [g] + [a for k, a in enumerate(ops) if k != i]
    dtype = np.result_type(concrete(g), concrete(x))
    target = []
    first: dict = {}
    for pos, c in enumerate(terms[i]):
        if c in first:  # a diagonal: a new letter, tied to the first by an identity
            f = next(fresh)
            target.append(f)
            in_terms.append(c + f)
            operands.append(np.eye(xs[pos], dtype=dtype))
        else:
            first[c] = pos
            target.append(c)
    present = set("".join(in_terms))
    for c, pos in first.items():
        if c not in present:  # summed out of operand i alone: broadcast along it
            in_terms.append(c)
            operands.append(np.ones(xs[pos], dtype=dtype))
    return _bind_einsum(in_terms, beta + "".join(target), operands)


def _einsum_tangent(i, t, ops, canon):
    """einsum with operand i replaced by its tangent (batch letters in front)."""
    terms, o = _split_subs(canon)
    nb = ndim_of(t) - ndim_of(ops[i])
    fresh = _fresh_letters(canon)
    beta = "".join(next(fresh) for _ in range(nb))
    terms = list(terms)
    terms[i] = beta + terms[i]
    operands = list(ops)
    operands[i] = t
    return _bind_einsum(terms, beta + o, operands)


def _einsum_jvp_all(tangents, out, *args):
    *ops, canon = args
    total = None
    for i, t in enumerate(tangents):
        if t is None:
            continue
        c = _einsum_tangent(i, t, ops, canon)
        total = c if total is None else total + c
    return total


def _einsum_vjp(i, g, out, *args):
    *ops, canon = args
    return _einsum_cotangent(i, g, out, ops, canon)


def _sublist_letters(sub, k) -> str:
    """One operand's sublist (ints in [0, 52) and ``...``) as subscript letters, as NumPy maps them."""
    out = []
    for v in sub:
        if v is Ellipsis:
            out.append("...")
        elif isinstance(v, (int, np.integer)) and not isinstance(v, bool) and 0 <= v < 52:
            out.append(chr(ord("A") + v) if v < 26 else chr(ord("a") + v - 26))
        else:
            raise ValueError(f"einsum: sublist {k} contains {v!r}; sublist entries are integers "
                             "in [0, 52) or Ellipsis")
    return "".join(out)


def _from_sublists(args: tuple) -> tuple[str, tuple]:
    """``einsum(a, [0, 1], b, [1, 2], [0, 2])`` as ``('AB,BC->AC', (a, b))``."""
    operands = args[0::2][:len(args) // 2]
    subs = args[1::2]
    out = args[-1] if len(args) % 2 else None
    terms = [_sublist_letters(s, k) for k, s in enumerate(subs)]
    subscripts = ",".join(terms) + ("" if out is None else "->" + _sublist_letters(out, "out"))
    return subscripts, tuple(operands)


def _is_array(x) -> bool:
    """An array or tensor (of any rank), not a number or a nested list of them."""
    return type(x) not in (list, tuple) and not np.isscalar(x)


def _einsum_signature(subscripts: str, *operands: ArrayLike, optimize=None, out=None, dtype=None,
                      order="K", casting="safe", precision=None, preferred_element_type=None):
    """Einstein summation with NumPy's subscripts (``->``, implicit output, ``...``, diagonals),
    or in NumPy's sublist form ``einsum(a, [0, 1], b, [1, 2], [0, 2])``; PyTorch's
    ``einsum("ij,jk", [a, b])`` (the operands in one list) too.

    Every operand's gradient is again an einsum (the rule is multilinearity),
    so derivatives of any order work. ``optimize`` (NumPy's) and ``precision`` (JAX's) are
    accepted; tensorgrad picks the contraction order itself and computes in the operands'
    precision. ``dtype`` / ``preferred_element_type``: the operands are cast to it first
    (``dtype`` as NumPy's, only as far as ``casting`` allows, by default ``'safe'``).
    """
    if out is not None:
        raise TypeError("einsum: out= is not supported (tensorgrad's results are new arrays)")
    if not isinstance(subscripts, str):  # the sublist form
        subscripts, operands = _from_sublists((subscripts,) + operands)
    elif len(operands) == 1 and type(operands[0]) in (list, tuple) \
            and len(operands[0]) == subscripts.split("->")[0].count(",") + 1 \
            and (subscripts.count(",") or _is_array(operands[0][0])):
        # PyTorch's einsum("ij,jk", [a, b]): the operands as a list (also one array in a list,
        # einsum("ij->ji", [a]), which NumPy would read as an array with an axis of length 1)
        operands = tuple(operands[0])
    if dtype is not None:
        for o in operands:
            have = dtype_of(concrete(o))
            if not np.can_cast(have, np.dtype(dtype), casting=casting):
                raise TypeError(f"einsum: cannot cast an operand of dtype {have} to "
                                f"{np.dtype(dtype)} under casting={casting!r}")
    operands = in_preferred_type(operands, dtype if dtype is not None else preferred_element_type)
    shapes = [shape_of(concrete(o)) for o in operands]
    return operands, (_parse_einsum(subscripts, shapes),)


einsum = general(
    "einsum", _einsum_forward, variadic=True, inputs=(), params=("subscripts",),
    vjp=_einsum_vjp, jvp_all=_einsum_jvp_all, signature=_einsum_signature,
    jax=lambda jnp, *xs, subscripts: jnp.einsum(subscripts, *xs),
    symbol="multilinear: Σ Π X_k (one factor per operand)",
    doc="Einstein summation over labelled axes",
    call=lambda *xs, subscripts: einsum(subscripts, *xs),
    examples=[Example(((3, 4), (4, 5)), {"subscripts": "ij,jk->ik"}),
              Example(((3, 4), (4, 5)), {"subscripts": "ij,jk"}),
              Example(((3, 3),), {"subscripts": "ii->i"}),
              Example(((3, 3),), {"subscripts": "ii->"}),
              Example(((3, 3),), {"subscripts": "ii"}),
              Example(((2, 3, 2),), {"subscripts": "iji->j"}),
              Example(((2, 3),), {"subscripts": "ij->"}),
              Example(((2, 3),), {"subscripts": "ij->ji"}),
              Example(((2, 3), (4, 5)), {"subscripts": "ij,kl->ik"}),
              Example(((4,), (4,)), {"subscripts": "i,i->"}),
              Example(((3,), (4,)), {"subscripts": "i,j"}),
              Example(((), (2, 3)), {"subscripts": ",ij->ij"}),
              Example(((2, 3, 4), (2, 4, 5)), {"subscripts": "...ij,...jk->...ik"}),
              Example(((2, 1, 3, 4), (5, 4, 2)), {"subscripts": "...ij,...jk"}),
              Example(((2, 1), (4, 3)), {"subscripts": "ij,kj->ik"}),
              Example(((2, 3, 3), (3, 4)), {"subscripts": "bii,ik->bk"}),
              Example(((2, 3, 4), (2, 4, 2), (2, 5)), {"subscripts": "bij,bjk,bl->bikl"})])


# ---- tensordot, dot, outer: einsum's rules with subscripts from the shapes --------------------
def _pairwise(name: str, forward, subs, *, flat=False, **entry):
    """Register a two-operand op whose rules are einsum's, for subscripts ``subs(a, b, *params)``.

    With ``flat`` the operands enter the einsum raveled (outer), and cotangents
    and tangents are reshaped to and from that form.
    """
    def operands(a, b):
        return (reshape(a, (-1,)), reshape(b, (-1,))) if flat else (a, b)

    def vjp(i):
        def rule(g, out, a, b, *p):
            ops = operands(a, b)
            c = _einsum_cotangent(i, g, out, ops, subs(a, b, *p))
            if flat:
                c = reshape(c, shape_of(c)[:ndim_of(g) - ndim_of(out)] + shape_of((a, b)[i]))
            return c
        return rule

    def jvp(i):
        def rule(t, out, a, b, *p):
            ops = operands(a, b)
            if flat:  # (the flat length spelled out: -1 is ambiguous for an empty input)
                x = (a, b)[i]
                t = reshape(t, shape_of(t)[:ndim_of(t) - ndim_of(x)] + (int(np.prod(shape_of(x))),))
            return _einsum_tangent(i, t, ops, subs(a, b, *p))
        return rule

    return general(name, forward, vjp={"a": vjp(0), "b": vjp(1)}, jvp={"a": jvp(0), "b": jvp(1)},
                   **entry)


def _tensordot_subs(a, b, axes_a, axes_b):
    na, nb_ = ndim_of(a), ndim_of(b)
    la = _LETTERS[:na]
    lb = list(_LETTERS[na:na + nb_])
    for i, j in zip(axes_a, axes_b):
        lb[j] = la[i]
    free_a = "".join(c for k, c in enumerate(la) if k not in axes_a)
    free_b = "".join(c for k, c in enumerate(lb) if k not in axes_b)
    return la + "," + "".join(lb) + "->" + free_a + free_b


def _tensordot_signature(a: ArrayLike, b: ArrayLike, axes=2, *, precision=None,
                         preferred_element_type=None):
    """Sum of products over paired axes: ``axes=N`` pairs a's last N with b's first N;
    ``axes=(axes_a, axes_b)`` pairs them explicitly (NumPy semantics). JAX's ``precision``
    is accepted; ``preferred_element_type`` casts both operands first."""
    a, b = in_preferred_type((a, b), preferred_element_type)
    sa, sb = shape_of(concrete(a)), shape_of(concrete(b))
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if n < 0 or n > len(sa) or n > len(sb):
            raise ValueError(f"tensordot: axes={n} does not fit operands of shapes {sa} and {sb}")
        axes_a, axes_b = tuple(range(len(sa) - n, len(sa))), tuple(range(n))
    else:
        try:
            axa, axb = axes
        except (TypeError, ValueError):
            raise TypeError(f"tensordot: axes must be an int or a pair of axis sequences, "
                            f"got {axes!r}") from None
        axa = (axa,) if isinstance(axa, (int, np.integer)) else tuple(axa)
        axb = (axb,) if isinstance(axb, (int, np.integer)) else tuple(axb)
        if len(axa) != len(axb):
            raise ValueError(f"tensordot: axes {axes!r} pair {len(axa)} axes of a with "
                             f"{len(axb)} axes of b (shapes {sa} and {sb})")
        for ax, s, nm in ((axa, sa, "a"), (axb, sb, "b")):
            for k in ax:
                if not -len(s) <= k < len(s):
                    raise np.exceptions.AxisError(
                        f"tensordot: axis {k} is out of bounds for {nm} of shape {s}")
        axes_a = tuple(int(k) % len(sa) for k in axa)
        axes_b = tuple(int(k) % len(sb) for k in axb)
        if len(set(axes_a)) != len(axes_a) or len(set(axes_b)) != len(axes_b):
            raise ValueError(f"tensordot: repeated axis in {axes!r}")
    for i, j in zip(axes_a, axes_b):
        if sa[i] != sb[j]:
            raise ValueError(f"tensordot: shape mismatch for paired axes: a{sa} axis {i} has size "
                             f"{sa[i]} but b{sb} axis {j} has size {sb[j]}")
    return (a, b), (axes_a, axes_b)


tensordot = _pairwise(
    "tensordot", lambda a, b, axes_a, axes_b: np.tensordot(a, b, axes=(axes_a, axes_b)),
    _tensordot_subs, signature=_tensordot_signature, params=("axes_a", "axes_b"),
    jax="jax.numpy.tensordot",
    to_jax=lambda jnp, a, b, axes_a, axes_b: jnp.tensordot(a, b, axes=(list(axes_a), list(axes_b))),
    symbol="contraction (a bilinear map)", doc="sum of products over paired axes",
    examples=[Example(((3, 4, 5), (4, 5, 2))), Example(((3, 4), (4, 5)), {"axes": 1}),
              Example(((2,), (3,)), {"axes": 0}),
              Example(((3, 4, 5), (4, 3, 2)), {"axes": ((1, 0), (0, 1))}),
              Example(((3, 4, 5), (2, 5)), {"axes": ((-1,), (1,))})])


def _dot_subs(a, b):
    na, nb_ = ndim_of(a), ndim_of(b)
    la = _LETTERS[:na]
    if na == 0 or nb_ == 0:  # a scalar: an elementwise product
        lb = _LETTERS[na:na + nb_]
        return f"{la},{lb}->{la or lb}"
    # sum over a's last axis and b's second-to-last (its only axis when 1-D)
    lb = list(_LETTERS[na:na + nb_])
    k = -2 if nb_ >= 2 else -1
    lb[k] = la[-1]
    lb = "".join(lb)
    return f"{la},{lb}->{la[:-1]}{lb.replace(la[-1], '')}"


def _dot_signature(a: ArrayLike, b: ArrayLike, *, precision=None, preferred_element_type=None):
    """NumPy's ``dot``: a product if either is 0-d, the inner product of 1-d
    vectors, the matrix product of 2-d ones, and for N-d a sum over a's last
    axis and b's second-to-last. JAX's ``precision`` is accepted;
    ``preferred_element_type`` casts both operands first."""
    a, b = in_preferred_type((a, b), preferred_element_type)
    sa, sb = shape_of(concrete(a)), shape_of(concrete(b))
    if sa and sb:
        kb = sb[-2] if len(sb) >= 2 else sb[0]
        if sa[-1] != kb:
            raise ValueError(f"dot: shapes {sa} and {sb} not aligned: {sa[-1]} (last axis of a) "
                             f"!= {kb} ({'second-to-last' if len(sb) >= 2 else 'only'} axis of b)")
    return (a, b), ()


dot = _pairwise(
    "dot", lambda a, b: np.dot(a, b), _dot_subs, signature=_dot_signature, methods=("dot",),
    jax="jax.numpy.dot",
    symbol="contraction of a's last axis with b's second-to-last",
    doc="NumPy's dot: products for scalars, inner/matrix products, N-d contraction",
    examples=[Example(((), (3,))), Example(((2, 3), ())), Example(((3,), (3,))),
              Example(((3, 4), (4,))), Example(((4,), (4, 2))), Example(((2, 3), (3, 4))),
              Example(((2, 3, 4), (4,))), Example(((2, 3, 4), (5, 4, 2)))])


def _outer_signature(a: ArrayLike, b: ArrayLike, out=None):
    """NumPy's ``outer(a, b)``: both operands raveled; ``out`` is NumPy's (written into when the
    result carries no gradient)."""
    if out is not None:
        raise TypeError("outer: out= is not supported (tensorgrad's results are new arrays)")
    return (a, b), ()


outer = _pairwise(
    "outer", lambda a, b: np.outer(a, b), lambda a, b: "i,j->ij", jax="jax.numpy.outer",
    signature=_outer_signature,
    symbol="a ⊗ b (inputs raveled)", doc="outer product ``out[i, j] = a.ravel()[i] * b.ravel()[j]``",
    flat=True, examples=[Example(((3,), (4,))), Example(((2, 3), (2,))), Example(((), (3,)))])
