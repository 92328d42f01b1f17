"""Checks ported from HIPS autograd's tests/test_numpy.py, tests/test_systematic.py,
tests/test_scalar_ops.py, tests/test_binary_ops.py, tests/test_logic.py, tests/test_truediv.py
and tests/test_numpy_interp.py (github.com/HIPS/autograd): the same functions, inputs, shapes,
axes and keyword combinations, with autograd's ``check_grads(fun, modes=["fwd", "rev"],
order=2)`` replaced by a comparison with JAX (float64): tensorgrad's value must equal NumPy's,
its JVP and VJP JAX's, and its second derivatives (forward over forward, forward over reverse,
reverse over forward and reverse over reverse) JAX's Hessian-vector product.

Each check is written once as ``fun(m, *args)`` over a NumPy-like namespace ``m`` and run with
``m = numpy`` (the value), ``tensorgrad`` and ``jax.numpy`` (the derivatives). Complex inputs,
``np.msort``, autograd's ``make_diagonal`` and its primitive/vspace internals are not ported
(tensorgrad is real-valued; the others do not exist in NumPy 2 or tensorgrad).
"""
import itertools as it
import operator as op
import warnings
import zlib

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.check import check_grads

jax.config.update("jax_enable_x64", True)

RTOL, ATOL = 1e-8, 1e-10


def _leaves(tree):
    return [np.asarray(a) for a in jax.tree_util.tree_leaves(tree)]


def _close(got, want, what, rtol=RTOL, atol=ATOL):
    g, w = _leaves(got), _leaves(want)
    assert len(g) == len(w), f"{what}: {len(g)} arrays, reference {len(w)}"
    for a, b in zip(g, w):
        assert a.shape == b.shape, f"{what}: shape {a.shape}, reference {b.shape}"
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def _vdot(a, b):
    return sum(float(np.sum(x * y)) for x, y in zip(_leaves(a), _leaves(b)))


def _floats(tree):
    return jax.tree_util.tree_map(lambda a: np.asarray(a, dtype=np.float64), tree)


def check(fun, *args, argnums=None, value=True, use_jax=True, seed=0, **kw):
    """``fun(m, *args, **kw)``: NumPy's value; first and second derivatives in the arguments
    ``argnums`` (default: all), forward and reverse mode, against central differences
    (``tg.check.check_grads``, as autograd's ``check_grads``) and, with ``use_jax``, JAX's."""
    argnums = tuple(range(len(args))) if argnums is None else tuple(argnums)
    label = f"{getattr(fun, '__name__', 'fun')}, args {[np.shape(a) if not isinstance(a, (str, tuple, list)) else a for a in args]} {kw}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # row_stack
        want_value = fun(np, *args, **kw)
    if value:
        _close(fun(tg, *args, **kw), want_value, f"value, {label}", rtol=1e-12, atol=1e-14)

    def bound(m):
        def g(*xs):
            full = list(args)
            for i, x in zip(argnums, xs):
                full[i] = x
            return fun(m, *full, **kw)
        return g
    f, jf = bound(tg), bound(jnp)
    xs = [_floats(args[i]) for i in argnums]
    rng = np.random.default_rng(seed)
    vs = jax.tree_util.tree_map(lambda a: rng.normal(size=np.shape(a)), xs)
    check_grads(f, *xs, order=2, modes=("fwd", "rev"), rtol=1e-5, atol=1e-7, seed=seed)
    if use_jax:
        out = f(*xs)
        u = jax.tree_util.tree_map(lambda a: rng.normal(size=np.shape(a)), out)
        _PENDING.append((label, f, jf, xs, vs, u))


# JAX's references for the cases of one test, computed in one compiled call when it ends
# (JAX compiles each new shape: one program per test costs less than one per case)
_PENDING = []


def _jax_side(jfs, xss, vss, us):
    res = []
    for jf, xs, vs, u in zip(jfs, xss, vss, us):
        every = tuple(range(len(xs)))

        def both(*ys, jf=jf, u=u, every=every):
            def s(*zs):
                return sum(jnp.sum(a * b) for a, b in zip(jax.tree_util.tree_leaves(u),
                                                          jax.tree_util.tree_leaves(jf(*zs))))
            return jf(*ys), jax.grad(s, argnums=every)(*ys)
        (_, g), (t, h) = jax.jvp(both, tuple(xs), tuple(vs))
        res.append((t, g, h))
    return res


@pytest.fixture(autouse=True)
def _jax_references():
    _PENDING.clear()
    yield
    cases, _PENDING[:] = list(_PENDING), []
    if not cases:
        return
    jfs = [c[2] for c in cases]
    refs = jax.jit(lambda xss, vss, us: _jax_side(jfs, xss, vss, us))(
        [c[3] for c in cases], [c[4] for c in cases], [c[5] for c in cases])
    for (label, f, _, xs, vs, u), (t, g, h) in zip(cases, refs):
        _compare(label, f, xs, vs, u, t, g, h)


def _compare(label, f, xs, vs, u, t, g, h):
    """tensorgrad's JVP, VJP and the four second-order compositions against JAX's."""
    def vjp_u(*ys):
        return tg.vjp(f, *ys)[1](u)

    def jvp_v(*ys):
        return tg.jvp(f, list(ys), list(vs))[1]
    _close(jvp_v(*xs), t, f"jvp, {label}")
    _close(vjp_u(*xs), g, f"vjp, {label}")
    _close(tg.jvp(vjp_u, list(xs), list(vs))[1], h, f"jvp of vjp, {label}")
    _close(tg.vjp(jvp_v, *xs)[1](u), h, f"vjp of jvp, {label}")
    _close(tg.vjp(vjp_u, *xs)[1](tuple(vs)), h, f"vjp of vjp, {label}")
    second = _vdot(u, tg.jvp(jvp_v, list(xs), list(vs))[1])
    np.testing.assert_allclose(second, _vdot(h, vs), rtol=1e-7, atol=1e-9, err_msg=f"jvp of jvp, {label}")


def combos(fun, argnums, *arg_lists, jax_at=(), jax_last=True, **kw_lists):
    """autograd's combo_check: every combination of the listed arguments and keywords, each
    against central differences; JAX (whose compiles cost tens of milliseconds per new shape)
    checks the last combination (``jax_last``) and those numbered in ``jax_at``."""
    keys = list(kw_lists)
    picks = list(it.product(*arg_lists, *(kw_lists[k] for k in keys)))
    for k, picked in enumerate(picks):
        args, kws = picked[:len(arg_lists)], dict(zip(keys, picked[len(arg_lists):]))
        use = (jax_last and k == len(picks) - 1) or k in jax_at
        check(fun, *args, argnums=argnums, use_jax=bool(use), **kws)


def named(name):
    """``m.<name>``; ``row_stack`` and ``real_if_close`` by their equivalents where JAX lacks them."""
    def fun(m, *args, **kw):
        if m is jnp and name == "row_stack":
            return jnp.vstack(*args, **kw)
        if m is jnp and name == "real_if_close":
            return args[0]  # real input: the identity
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # row_stack, deprecated in NumPy 2
            return getattr(m, name)(*args, **kw)
    fun.__name__ = name
    return fun


# each test draws from its own generators, seeded by its name: its values do not depend on
# which tests ran before it in the same process (xdist's workers run them in any order)
_GEN = {}


@pytest.fixture(autouse=True)
def _own_draws(request):
    seed = zlib.crc32(request.node.name.encode())
    _GEN["normal"], _GEN["uniform"] = np.random.default_rng(seed), np.random.default_rng(seed + 1)


def R(*shape):
    rng = _GEN["normal"]
    return rng.normal(size=shape) if shape else float(rng.normal())


def U(*shape):
    rng = _GEN["uniform"]
    return rng.uniform(size=shape) if shape else float(rng.uniform())


# ------------------------------------------------------------------ test_systematic.py
def test_statistics_with_axis_and_keepdims():
    x, A, B, C, D = 3.5, R(), R(3), R(2, 3), R(1, 3)
    for name in ["max", "mean", "min", "sum", "prod", "var", "std"]:
        f = named(name)
        # (the std of one value: JAX's slope is NaN, tensorgrad's 0 as central differences')
        combos(f, (0,), [x, A], jax_last=name != "std")
        combos(f, (0,), [B, D, C], axis=[None, 0], keepdims=[True, False])
        combos(f, (0,), [D, C], axis=[None, 0, 1], keepdims=[True, False])


@pytest.mark.parametrize("name", ["all", "any"])
def test_all_and_any_values_and_zero_gradient(name):
    for x in [3.5, 0.0, R(), R(3), R(2, 3) > 0, np.array([[0.0, 1.0, 2.0]])]:
        for axis, keepdims in it.product([None, 0] + ([1] if np.ndim(x) == 2 else []), [True, False]):
            if np.ndim(x) == 0 and axis is not None:
                continue
            got = getattr(tg, name)(x, axis=axis, keepdims=keepdims)
            want = getattr(np, name)(x, axis=axis, keepdims=keepdims)
            assert np.shape(got) == np.shape(want) and np.array_equal(got, want)
    # a boolean statistic inside a differentiated function contributes no gradient
    x = R(2, 3)
    g = tg.grad(lambda x: tg.sum(x * getattr(tg, name)(x > 0, axis=0)))(x)
    np.testing.assert_array_equal(g, np.broadcast_to(getattr(np, name)(x > 0, axis=0), x.shape).astype(float))


def transform(lims, x):
    return x * (lims[1] - lims[0]) + lims[0]


UNARY = [("sin", None), ("abs", [0.1, 4.0]), ("absolute", [0.1, 4.0]), ("arccosh", [1.1, 4.0]),
         ("arcsinh", [-0.9, 0.9]), ("arctanh", [-0.9, 0.9]), ("ceil", [-1.5, 1.5]), ("cos", None),
         ("cosh", None), ("deg2rad", None), ("degrees", None), ("exp", None), ("exp2", None),
         ("expm1", None), ("fabs", None), ("floor", [-1.5, 1.5]), ("log", [0.2, 2.0]),
         ("log10", [0.2, 2.0]), ("log1p", [0.2, 2.0]), ("log2", [0.2, 2.0]), ("rad2deg", None),
         ("radians", None), ("sign", None), ("sinh", None), ("sqrt", [1.0, 3.0]), ("square", None),
         ("tan", [-1.1, 1.1]), ("tanh", None), ("real", None), ("real_if_close", None), ("imag", None),
         ("conj", None), ("angle", None)]


def test_unary_ufuncs():
    rng = np.random.default_rng(2)
    for name, lims in UNARY:
        lims = lims or [-2.0, 2.0]
        f = named(name)
        if name in ("degrees", "rad2deg"):
            f = (lambda g: lambda m, x: g(m, x) / 50.0)(f)
            f.__name__ = name
        combos(f, (0,), [transform(lims, 1.0), transform(lims, 0.4), transform(lims, rng.uniform(size=2)),
                         transform(lims, rng.uniform(size=(1, 2))), transform(lims, rng.uniform(size=(3, 2)))])


def _binary_cases(lims_a, lims_b, same, rng):
    if same:
        ins = [0.6, 1.0, rng.uniform(size=2), rng.uniform(size=(3, 2)), rng.uniform(size=(1, 2))]
        a = b = ins
    else:
        a = [0.6, 2.0, rng.uniform(size=2), rng.uniform(size=(3, 2)), rng.uniform(size=(1, 2))]
        b = [0.7, 3.0, rng.uniform(size=2), rng.uniform(size=(3, 2)), rng.uniform(size=(1, 2))]
    return [transform(lims_a, x) for x in a], [transform(lims_b, x) for x in b]


BINARY = [("add", named("add"), [-2, 2], [-2, 2], True),
          ("logaddexp", named("logaddexp"), [-2, 2], [-2, 2], True),
          ("logaddexp2", named("logaddexp2"), [-2, 2], [-2, 2], True),
          ("remainder", named("remainder"), [-0.9, 0.9], [0.7, 1.9], False),
          ("true_divide", named("true_divide"), [-2, 2], [0.8, 1.2], True),
          ("mod", named("mod"), [-2, 2], [0.8, 2.1], False),
          ("true_divide_neg", named("true_divide"), [-2, 2], [-0.3, -2.0], True),
          ("mod_neg", named("mod"), [-2, 2], [-0.3, -2.0], False),
          ("op_mul", lambda m, x, y: op.mul(x, y), [-2, 2], [-2, 2], True),
          ("op_add", lambda m, x, y: op.add(x, y), [-2, 2], [-2, 2], True),
          ("op_sub", lambda m, x, y: op.sub(x, y), [-2, 2], [-2, 2], True),
          ("op_mod", lambda m, x, y: op.mod(x, y), [-2, 2], [0.3, 2.0], False),
          ("op_mod_neg", lambda m, x, y: op.mod(x, y), [-2, 2], [-0.3, -2.0], False),
          ("op_div", lambda m, x, y: op.truediv(x, y), [-2, 2], [0.5, 2.0], True),
          ("op_pow", lambda m, x, y: op.pow(x, y), [0.7, 2.0], [-2, 2], True)]


def _as_array(m, x):
    # the operator tests need one array operand: NumPy's float ** float is Python's
    return x if m is np or not isinstance(x, float) else m.asarray(x)


def test_binary_ufuncs():
    rng = np.random.default_rng(3)
    for name, fun, lims_a, lims_b, same in BINARY:
        a, b = _binary_cases(lims_a, lims_b, same, rng)
        if name.startswith("op_"):
            fun = (lambda f: lambda m, x, y: f(m, _as_array(m, x), y))(fun)
        fun.__name__ = name
        # JAX: the broadcasting pair (3, 2) with (1, 2); every pair against central differences
        combos(fun, (0, 1), a, b, jax_at=(19,), jax_last=False)


def test_transpose_axes():
    combos(named("transpose"), (0,), [R(2, 3, 4)],
           axes=[None, [0, 1, 2], [0, 2, 1], [2, 0, 1], [2, 1, 0], [1, 0, 2], [1, 2, 0]])


def test_repeat_combos():
    combos(named("repeat"), (0,), [R(2, 3, 4), R(3, 1)], repeats=[0, 1, 2], axis=[None, 0, 1])


def test_diff_combos():
    combos(named("diff"), (0,), [R(5, 5), R(5, 5, 5)], n=[1, 2], axis=[0, 1])
    combos(named("diff"), (0,), [R(1), R(1, 1)], axis=[0])
    combos(named("diff"), (0,), [R(1, 1), R(3, 1)], axis=[1])


def test_tile_combos():
    combos(named("tile"), (0,), [R(2, 1, 3, 1)], reps=[(1, 4, 1, 2)])
    combos(named("tile"), (0,), [R(1, 2)], reps=[(1, 2), (2, 3), (3, 2, 1)])
    combos(named("tile"), (0,), [R(1)], reps=[(2,), 2])


def test_kron_inner_dot_matmul():
    combos(named("kron"), (0, 1), [R(5, 5), R(4, 4)], [R(3, 3), R(2, 2)])
    combos(named("inner"), (0, 1), [1.5, R(3), R(2, 3)], [0.3, R(3), R(4, 3)])
    combos(named("dot"), (0, 1), [1.5, R(3), R(2, 3), R(2, 2, 3)], [0.3, R(3), R(3, 4), R(2, 3, 4)])
    combos(named("matmul"), (0, 1), [R(3), R(2, 3), R(2, 2, 3)], [R(3), R(3, 4), R(2, 3, 4)])


def test_tensordot_axes():
    td = named("tensordot")
    combos(td, (0, 1), [R(1, 3), R(2, 3, 2)], [R(3), R(3, 1), R(3, 4, 2)], axes=[[(1,), (0,)]])
    combos(td, (0, 1), [R(3), R(3, 1), R(3, 4, 2)], [R(1, 3), R(2, 3, 2)], axes=[[(0,), (1,)]])
    combos(td, (0, 1), [R(2, 3), R(2, 3, 4)], [R(1, 2, 3), R(2, 2, 3, 4)], axes=[[(0, 1), (1, 2)], [(1, 0), (2, 1)]])
    combos(td, (0, 1), [R(2, 2), R(4, 2, 2)], [R(2, 2), R(2, 2, 4)], axes=[1, 2])
    combos(td, (0, 1), [R(4)], [np.asarray(R())], axes=[0])
    combos(td, (0, 1), [R(2, 6)], [R(6, 3)], axes=[[[-1], [0]]])


@pytest.mark.parametrize("name", ["maximum", "fmax", "minimum", "fmin"])
def test_maximum_minimum_broadcast(name):
    combos(named(name), (0, 1), [R(1), R(1, 4), R(3, 4)], [R(1), R(1, 4), R(3, 4)])


def test_sort_partition():
    combos(named("sort"), (0,), [R(1), R(7)])
    # (the order of the other entries is NumPy's choice, and JAX's differs: central differences only)
    combos(named("partition"), (0,), [R(7), R(14)], kth=[0, 3, 6], jax_last=False)


def test_atleast_nd():
    ins = [1.2, R(1), R(7), R(1, 4), R(2, 4), R(2, 4, 5)]
    combos(named("atleast_1d"), (0,), ins)
    combos(named("atleast_2d"), (0,), ins)
    combos(named("atleast_3d"), (0,), ins + [R(2, 4, 3, 5)])


def test_einsum_subscripts():
    es = named("einsum")
    combos(es, (1,), ["ij->ji"], [R(1, 1), R(4, 4), R(3, 4)])
    combos(es, (1, 2), ["ij,jk->ik"], [R(2, 3)], [R(3, 4)])
    combos(es, (1, 2), ["...ij,...jk->...ik"], [R(2, 3), R(2, 2, 3)], [R(3, 4), R(2, 3, 4)])
    combos(es, (1, 2), ["ijk,lji->lki"], [R(3, 4, 4)], [R(4, 4, 3)])
    combos(es, (1, 2), ["...jk,...lj->...lk", "...,...->..."], [R(4, 4), R(3, 4, 4)], [R(4, 4), R(3, 4, 4)])
    combos(es, (1, 2), ["jk...,lj...->lk..."], [R(3, 2), R(3, 2, 4)], [R(2, 3), R(2, 3, 4)])
    combos(es, (1, 2), ["j...k,lj...->lk..."], [R(2, 2), R(2, 2, 2)], [R(2, 2), R(2, 2, 2)])
    combos(es, (1, 2, 3), ["ijk,lji,lli->lki"], [R(3, 4, 4)], [R(4, 4, 3)], [R(4, 4, 3)])


def test_einsum_sublists():
    es = named("einsum")
    combos(es, (0,), [R(1, 1), R(4, 4), R(3, 4)], [(0, 1)], [(1, 0)])
    combos(es, (0, 2), [R(2, 3)], [(0, 1)], [R(3, 4)], [(1, 2)], [(0, 2)])
    combos(es, (0, 2), [R(2, 3), R(2, 2, 3)], [(Ellipsis, 0, 1)], [R(3, 4), R(2, 3, 4)], [(Ellipsis, 1, 2)],
           [(Ellipsis, 0, 2)])
    combos(es, (0, 2), [R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)], [(3, 1, 0)], [(3, 2, 0)])
    combos(es, (0, 2, 4), [R(3, 4, 4)], [(0, 1, 2)], [R(4, 4, 3)], [(3, 1, 0)], [R(4, 4, 3)], [(3, 3, 0)],
           [(3, 2, 0)])


def test_trace_diag_tril_triu():
    combos(named("trace"), (0,), [R(5, 5), R(4, 5), R(5, 4), R(3, 4, 5)], offset=[-1, 0, 1])
    combos(named("diag"), (0,), [R(5, 5), R(5)], k=[-1, 0, 1])
    for name in ("tril", "triu"):  # (autograd's triu tests call tril; both are checked here)
        combos(named(name), (0,), [R(5, 5), R(5, 5, 4)], k=[-1, 0, 1])


def test_swapaxes_rollaxis():
    combos(named("swapaxes"), (0,), [R(3, 4, 5)], axis1=[0, 1, 2], axis2=[0, 1, 2])
    combos(named("rollaxis"), (0,), [R(2, 3, 4)], axis=[0, 1, 2], start=[0, 1, 2, 3])


def test_cross_axes():
    a, b = R(3, 3), R(3, 3)
    # with axis given it overrides axisa/axisb/axisc, so those combinations are one case each
    combos(named("cross"), (0, 1), [a], [b], axisa=[-1, 0, 1], axisb=[-1, 0, 1], axisc=[-1, 0, 1])
    combos(named("cross"), (0, 1), [a], [b], axis=[-1, 0, 1])


def test_splits():
    for name in ("vsplit", "hsplit"):
        combos(named(name), (0,), [R(4, 8)], [4, [1, 2]])
        combos(named(name), (0,), [R(4, 4, 4)], [2, [1, 2]])
    combos(named("dsplit"), (0,), [R(4, 4, 4)], [2, [1, 2]])
    combos(named("split"), (0,), [R(1), R(7)], [1], axis=[0])
    combos(named("split"), (0,), [R(4, 8)], [4, [1, 2]], axis=[0, 1])
    combos(named("split"), (0,), [R(4, 4, 4)], [2, [1, 2]], axis=[0, 1, 2])
    combos(named("array_split"), (0,), [R(1), R(7)], [1, 3], axis=[0])
    combos(named("array_split"), (0,), [R(7, 7)], [4, [3, 5]], axis=[0, 1])
    combos(named("array_split"), (0,), [R(7, 7, 7)], [4, [3, 5]], axis=[0, 1, 2])


def test_concatenate_and_stacks():
    cat = named("concatenate")
    combos(cat, (0,), [(R(1), R(3))], axis=[0])
    combos(cat, (0,), [[R(1), R(3)]], axis=[0])
    combos(cat, (0,), [(R(2, 2), R(2, 2))], axis=[0, 1])
    combos(cat, (0,), [(R(2, 2, 2), R(2, 2, 2))], axis=[0, 1, 2])
    for name in ("vstack", "row_stack"):
        combos(named(name), (0,), [R(2), (R(2), R(2))])
        combos(named(name), (0,), [R(2, 3), (R(2, 4), R(1, 4))])
    combos(named("vstack"), (0,), [R(2, 3, 4), (R(2, 3, 4), R(5, 3, 4))])
    combos(named("hstack"), (0,), [R(2), (R(2), R(2))])
    combos(named("hstack"), (0,), [R(3, 2), (R(3, 4), R(3, 5))])
    combos(named("hstack"), (0,), [R(2, 3, 4), (R(2, 1, 4), R(2, 5, 4))])
    combos(named("stack"), (0,), [(R(2),), (R(2), R(2))], axis=[0, 1])
    combos(named("column_stack"), (0,), [R(2), (R(2), R(2))])
    combos(named("column_stack"), (0,), [R(2, 2), (R(2, 2), R(2, 2))])


def test_select_with_default():
    conds = [R(3, 4, 5) > 0, R(3, 4, 5) > 0, R(3, 4, 5) > 0]
    combos(named("select"), (1,), [conds], [[R(3, 4, 5), R(3, 4, 5), R(3, 4, 5)]], default=[0.0, 1.1])


# ------------------------------------------------------------------ test_numpy.py
def test_products_and_outer():
    m1, m2, v1, v2, v3, f1 = R(10, 11), R(10, 11), R(10), R(11), R(11), R()
    dot = named("dot")
    for a, b in [(m1, v2), (m1, m2.T), (v1, m1), (v2, v3), (m1, f1), (f1, m1), (v1, f1), (f1, v1)]:
        check(dot, a, b, use_jax=a is m1 and b is v2)
    check(named("outer"), v2, v3)
    check(lambda m, x: m.tensordot(x * m.ones((2, 2)), x * m.ones((2, 2)), 2), 1.0)
    check(lambda m, x: m.dot(x[:2], x[2:]), R(4))


def test_reductions_and_scans():
    mat, mat3 = R(10, 11), R(3, 4, 5)
    for name in ("max", "min"):
        check(named(name), mat, use_jax=False)
        check(named(name), mat3, axis=1, use_jax=False)
        check(named(name), mat3, axis=1, keepdims=True, use_jax=name == "max")
    for name in ("sum", "mean"):
        check(named(name), mat, use_jax=False)
        check(named(name), mat, axis=0, use_jax=False)
        check(named(name), mat, axis=0, keepdims=True, use_jax=False)
    check(named("sum"), R(10, 11, 7), axis=(1, 2))
    for kw in ({"axis": 0}, {"axis": 1}, {}):
        check(named("cumsum"), mat, use_jax=False, **kw)
    check(named("cumsum"), R(10), use_jax=False)
    check(lambda m, x, y: sum([x, y]), mat, R(10, 11), use_jax=False)  # Python's sum
    check(named("prod"), R(2, 3) ** 2 / 10.0 + 0.1, use_jax=False)
    check(named("prod"), R(2, 3) ** 2 + 0.1, axis=0, use_jax=False)
    check(named("prod"), R(2, 3) ** 2 + 0.1, axis=0, keepdims=True)
    check(named("prod"), R(7) ** 2 + 0.1, use_jax=False)


def test_var_and_std_ddof():
    B, C, D = R(3), R(3, 4), R(1, 3)
    for name in ("var", "std"):
        combos(named(name), (0,), [B, C, D], axis=[None], keepdims=[True, False], ddof=[0, 1])
        combos(named(name), (0,), [D, C], axis=[None, 1], keepdims=[True, False], ddof=[2])


def test_indexing_and_slicing():
    A = R(5, 6, 4)
    for fun in [lambda m, x: x[3, 0, 1], lambda m, x: x[::-1, 2:4, :], lambda m, x: x[np.array([0, 1, 2]), :, :],
                lambda m, x: x[3, 2:, [1, 3]], lambda m, x: x[::-1, 2:4, :] + x[::-1, 3:5, :]]:
        check(fun, A, use_jax=False)
    check(lambda m, x: x[3, 2:, np.array([1, 3])] * x[0, 1:5, np.array([0, 2])], A)
    check(lambda m, x: x[2:4], R(5), use_jax=False)
    check(lambda m, x: x[2:6][1:3], R(7), use_jax=False)
    check(lambda m, x: m.sum(x[np.array([0, 0])]), R(3), use_jax=False)
    check(lambda m, x: m.sum(x[np.array([0, 1, 0])]), R(3))


def test_reshaping_and_rearranging():
    A = R(5, 6, 4)
    for fun in [lambda m, x: x.reshape((5 * 4, 6)), lambda m, x: m.reshape(x, (5 * 4, 6)),
                lambda m, x: x.reshape(5 * 4, 6), lambda m, x: x.ravel(), lambda m, x: m.ravel(x),
                lambda m, x: x.flatten()]:
        check(fun, A, use_jax=False)
    mat = R(10, 11)
    for fun in [named("flipud"), named("fliplr"), named("rot90"), lambda m, x: x.T]:
        check(fun, mat, use_jax=False)
    check(lambda m, x: m.roll(x, 2, axis=1), R(4, 5), use_jax=False)
    check(lambda m, x: m.roll(x, 2), R(4, 5))
    check(lambda m, x: m.triu(x, k=2), R(5, 5), use_jax=False)
    check(lambda m, x: m.tril(x, k=2), R(5, 5), use_jax=False)
    check(lambda m, x: m.clip(x, 0.1, 1.1), R(5, 5))
    B = R(5, 1, 4)
    check(named("squeeze"), B, use_jax=False)
    check(lambda m, x: x.squeeze(), B, use_jax=False)
    check(lambda m, x: m.expand_dims(x, 2), B, use_jax=False)
    for x, reps, axis in [(R(5, 3, 4), 2, 1), (R(5, 3, 4), 1, 1), (R(5, 3), 2, 0), (R(5), 2, 0), (R(5, 1), 1, 0)]:
        check(named("repeat"), x, reps, axis=axis, argnums=(0,), use_jax=False)
    check(lambda m, x: m.repeat(x, 2, axis=1) * m.repeat(x, 2, axis=1), R(5, 3, 4))

    def f(m, x):
        assert len(x) == 3
        return x
    check(f, R(3, 2), use_jax=False)


def test_append_and_concatenate():
    check(lambda m, a, b: m.append(a, b), [1.0, 2.0, 3.0], 4.0, use_jax=False)
    check(lambda m, a, b: m.append(a, b), np.array([1.0, 2.0, 3.0]), 4.0)
    A, B = R(5, 6, 4), R(5, 6, 4)
    check(lambda m, x: m.concatenate((A, x)), R(4, 6, 4), use_jax=False)
    check(lambda m, x: m.concatenate((B, x, B)), A, use_jax=False)
    check(lambda m, x: m.concatenate((B, x, B), axis=1), A, use_jax=False)
    check(lambda m, x: m.concatenate((B, x * x, B), 1), A)


def test_trace_split_diag_diagonal():
    rng = np.random.default_rng(4)
    k1, k2 = (int(k) for k in rng.integers(-9, 11, size=2))
    check(lambda m, x: m.trace(x, offset=k1), R(10, 11), use_jax=False)
    check(lambda m, x: m.trace(x, offset=k2), R(11, 10), use_jax=False)
    check(lambda m, x: m.trace(x, offset=2), R(5, 6, 4, 3))
    check(lambda m, x: m.split(x, 2)[0], R(10), use_jax=False)
    check(named("diag"), R(10, 10), use_jax=False)
    # autograd's make_diagonal has no NumPy counterpart; its test_diagonal is np.diagonal
    check(lambda m, x: m.diagonal(x, axis1=-1, axis2=-2), R(4, 4), use_jax=False)
    check(lambda m, x: m.diagonal(x, axis1=-1, axis2=-2), R(3, 4, 4))


def test_array_from_traced_values():
    for fun in [lambda m, x: m.array([x, x * 1.0, x + 2.5]),
                lambda m, x: m.array([[x, x * 1.0, x + 2.5], [x ** 2, x, x / 2.0]]),
                lambda m, x: m.array([x, x * 1.0, x + 2.5]) * 2,
                lambda m, x: m.array(x)]:
        check(fun, 3.0, use_jax=False)
    check(lambda m, x: m.array([[x, x * 1.0, x + 2.5], [x ** 2, x, x / 2.0]]) ** 2, 3.0)
    check(lambda m, x: m.array([x, x]), R(3, 2), use_jax=False)
    check(lambda m, x: m.array([[2 * x, x + 1], [x, x]]), R(3, 2))


def test_r_and_c_index_tricks():
    A, c = R(3, 2), R(3, 2)
    for fun in [lambda m, x: m.r_[x], lambda m, x: m.r_[x, x], lambda m, x: m.r_[x, c],
                lambda m, x: m.c_[x, c, x]]:
        check(fun, A, use_jax=False)
    check(lambda m, x: c, A, value=True, use_jax=False)  # no relation to the input: zero
    check(lambda m, x: m.r_[c], A, use_jax=False)
    check(lambda m, x: m.r_[x, c, x] * m.r_[x, x, c], A)
    c10 = R(10)
    check(lambda m, x: m.r_[x, c10, 1:10], R(10))


def test_where_and_int_cast_indexing():
    C = R(4, 5) > 0
    check(lambda m, x, y: m.where(C, x, y), R(4, 5), R(4, 5))
    inds = np.ones(5)[:, None]

    def fun(m, W):
        m.concatenate((W, inds), axis=1)
        new_inds = W[:, -1].astype(np.int64)  # (autograd: np.int64(W[:, -1]); see the report)
        assert new_inds.dtype == np.int64
        return W[:, :-1][new_inds].sum()
    check(fun, np.random.default_rng(5).normal(size=(5, 10)), use_jax=False)


def test_nan_to_num_gradient():
    y = np.array([0.0, np.nan, np.inf, -np.inf])
    with np.errstate(invalid="ignore"):
        check(lambda m, x: m.sum(m.sin(m.nan_to_num(x + y))), R(4))


def test_ties_in_max_min_and_maximum():
    check(lambda m, x: m.max(m.array([x, x])), 1.0, use_jax=False)
    for x in (1.0, -1.0):
        check(lambda m, x: m.max(m.array([[x, x], [x, 0.5]]), axis=1), x, use_jax=x < 0)
        check(lambda m, x: m.min(m.array([[x, x, x], [x, 0.5, 0.5], [0.5, 0.5, 0.5], [x, x, 0.5]]), axis=0), x)
    check(lambda m, x: m.maximum(x, x), 1.0)
    for x in (1.0, -1.0, 2.0):
        check(lambda m, x: m.maximum(m.array([x, x, 0.5]), m.array([[x, 0.5, x], [x, x, 0.5]])), x,
              use_jax=x == 2.0)


def test_linspace_endpoints():
    for num in [0, 1, 5]:
        for a, b in [(1.2, 3.4), (1.2, -3.4), (1.2, 1.2)]:
            check(lambda m, x, y: m.linspace(x, y, num), a, b, use_jax=(num == 5 and b < 0))


def test_astype_keeps_the_input_dtype_in_the_gradient():
    x = np.arange(3, dtype="float32")
    g = tg.grad(lambda x: tg.sum(tg.sin(x.astype("float64"))))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, np.cos(x.astype(np.float64)).astype(np.float32), rtol=1e-7)


# ------------------------------------------------------------------ test_scalar_ops.py
def test_scalar_functions():
    rng = np.random.default_rng(6)
    r, pos = float(rng.normal()), float(abs(rng.normal()))
    cases = [("abs", [1.1, -1.1, 0.0]), ("sin", [r]), ("sign", [1.1, -1.1]), ("exp", [r]), ("log", [pos]),
             ("log2", [pos]), ("log10", [pos]), ("log1p", [pos]), ("expm1", [pos]), ("exp2", [pos]),
             ("negative", [r]), ("cos", [r]), ("tan", [r]), ("cosh", [r]), ("sinh", [r]), ("tanh", [r]),
             ("arccos", [0.1, 0.2]), ("arcsin", [0.1, 0.2]), ("arctan", [0.2, 0.3]), ("arccosh", [r ** 2 + 1]),
             ("arcsinh", [r]), ("arctanh", [0.2, 0.3]), ("sqrt", [10.0 * pos]), ("reciprocal", [pos + 0.1]),
             ("rad2deg", [10.0 * pos]), ("deg2rad", [10.0 * pos]), ("radians", [10 * pos]),
             ("degrees", [10 * pos]), ("sinc", [10.0 * pos])]
    for name, points in cases:
        g = named(name)
        f = (lambda g: lambda m, x: 3.0 * g(m, x))(g)
        f.__name__ = name
        for x in points:
            if name == "abs" and x == 0.0:  # the kink: first order only, slope 0 (autograd's too)
                assert tg.grad(lambda x: 3.0 * tg.abs(x))(0.0) == 0.0
                continue
            check(f, x, use_jax=False)
    check(lambda m, x: 3.0 * -x, r, use_jax=False)
    check(lambda m, x: m.array([3.0 * m.log1p(x), m.sinc(x), m.arccosh(x + 1.5), m.sign(x)]), 0.7)
    a, b = float(rng.uniform()), float(rng.uniform()) + 0.1
    for name in ("mod", "divide", "multiply", "true_divide"):
        check(named(name), a, b, use_jax=False)
    check(lambda m, x, y: m.array([m.mod(x, y), m.divide(x, y), m.multiply(x, y)]), a, b)


def test_scalar_power():
    rng = np.random.default_rng(7)
    y = float(rng.normal() ** 2 + 1.0)
    check(lambda m, x: m.power(x, y), float(rng.uniform() ** 2 + 1.0))
    for e in (0.0,):  # x ** 0 at x = 0: slopes 0, as autograd (issue #116) and JAX
        assert tg.grad(lambda x: tg.power(x, e))(0.0) == 0.0
        assert tg.grad(tg.grad(lambda x: tg.power(x, e)))(0.0) == 0.0
    base = float(rng.normal() ** 2)
    check(lambda m, y: m.power(base, y), float(rng.uniform() ** 2), use_jax=False)
    check(lambda m, y: m.power(0.0, y), float(rng.uniform() ** 2) + 0.1)


# ------------------------------------------------------------------ test_binary_ops.py, test_truediv.py
def _arg_pairs():
    rng = np.random.default_rng(0)
    allargs = [2.0, rng.normal(size=4), rng.normal(size=(3, 4)), rng.normal(size=(1, 4))]
    return list(it.product(allargs, allargs))


def test_arithmetic_operators_broadcast():
    def gap(x):
        return np.sqrt(np.asarray(x) ** 2 + 0.5)
    ops = [("mul", op.mul, None), ("add", op.add, None), ("sub", op.sub, None), ("div", op.truediv, gap),
           ("mod", op.mod, gap), ("pow", op.pow, "pos")]
    for k, (name, fn, prep) in enumerate(ops):
        for j, (a, b) in enumerate(_arg_pairs()):
            if name == "mod" and a is b:
                continue  # the gradient is undefined at x == y
            if prep is gap:
                a, b = gap(a), gap(b)
            elif prep == "pos":
                a = np.abs(a) + 1.1
            f = (lambda fn: lambda m, x, y: fn(_as_array(m, x), y))(fn)
            f.__name__ = name
            check(f, a, b, use_jax=j == 9)


def test_comparisons_have_zero_gradient():
    compare = [lambda x, y: tg.sum(x < x) + 0.0, lambda x, y: tg.sum(x <= y) + 0.0,
               lambda x, y: tg.sum(x > y) + 0.0, lambda x, y: tg.sum(x >= y) + 0.0,
               lambda x, y: tg.sum(x == y) + 0.0, lambda x, y: tg.sum(x != y) + 0.0]
    numpy_compare = [lambda x, y: np.sum(x < x), lambda x, y: np.sum(x <= y), lambda x, y: np.sum(x > y),
                     lambda x, y: np.sum(x >= y), lambda x, y: np.sum(x == y), lambda x, y: np.sum(x != y)]
    for a, b in _arg_pairs():
        a, b = np.asarray(a), np.asarray(b)
        for fun, nfun in zip(compare, numpy_compare):
            g0, g1 = tg.grad(fun, argnums=(0, 1))(a, b)
            np.testing.assert_array_equal(g0, np.zeros_like(a))
            np.testing.assert_array_equal(g1, np.zeros_like(b))
            h = tg.grad(lambda x, y: tg.sum(tg.grad(fun)(x, y)), argnums=(0, 1))(a, b)
            np.testing.assert_array_equal(h[0], np.zeros_like(a))
            val, _ = tg.value_and_grad(fun)(a, b)
            assert val == nfun(a, b)


# ------------------------------------------------------------------ test_logic.py
def test_allclose_inside_a_differentiated_function():
    def fun(m, x):
        assert m.allclose(x, (x * 3.0) / 3.0)
        return m.sum(x)
    check(fun, np.array([1.0, 2.0, 3.0]), use_jax=False)
    with pytest.raises(TypeError, match="bool"):
        tg.grad(lambda x: tg.allclose(x, (x * 3.0) / 3.0))(np.array([1.0, 2.0, 3.0]))


def test_predicate_in_python_control_flow():
    check(lambda m, x: x ** 2 if m.iscomplex(x) else m.sum(x), 2.0, use_jax=False)
    with pytest.raises(TypeError):
        tg.grad(lambda x: tg.sum(x))(np.array([2.0 + 1j]))


def test_a_custom_vjp_without_forward_mode_raises():
    f = tg.custom_vjp(lambda x: 2.0 * x)
    f.defvjp(lambda x: (2.0 * x, None), lambda res, g: (2.0 * g,))
    assert tg.grad(f)(1.0) == 2.0
    with pytest.raises(Exception, match="(?i)forward|jvp"):
        tg.jvp(f, (1.0,), (1.0,))


# ------------------------------------------------------------------ test_numpy_interp.py
def test_interp_values_and_gradients():
    rng = np.random.default_rng(8)
    x = np.arange(-20, 20, 0.1)
    xp = np.arange(10) * 1.0
    yp = xp ** 0.5 + rng.normal(size=xp.shape)
    check(lambda m, y: m.interp(x, xp, y), yp, use_jax=False)
    check(lambda m, y: m.interp(x, xp, y, left=-1, right=-1), yp)
    xs = np.arange(-100, 100, 0.1)
    np.testing.assert_allclose(tg.interp(xs, xp, xp ** 2), np.interp(xs, xp, xp ** 2), rtol=1e-15)
    np.testing.assert_allclose(tg.interp(xs, xp, xp ** 2, left=-1, right=-1),
                               np.interp(xs, xp, xp ** 2, left=-1, right=-1), rtol=1e-15)
