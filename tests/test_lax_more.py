"""tg.lax's lax_ops3 (convolution wrappers, structure, reduce_precision, special functions,
custom_linear_solve, custom_root) against jax.lax: values, dtypes, grad, jvp, jit, vmap, errors.

JAX's references are computed inside one ``jax.jit`` per table, so the file stays fast.
"""
import functools
import itertools
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax as jl

import tensorgrad as tg
from tensorgrad.testing import default_xla_options

tl = tg.lax
RNG = np.random.default_rng(7)


def close(a, b, rtol=1e-10):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)


def leaves_close(got, want, rtol=1e-10):
    got, want = tg.tree_leaves(got), jax.tree_util.tree_leaves(want)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        close(g, w, rtol)


# ---- convolutions -------------------------------------------------------------------------
X_NCHW = RNG.standard_normal((2, 3, 6, 5))
W_OIHW = RNG.standard_normal((4, 3, 3, 2))
X_NHWC = RNG.standard_normal((2, 5, 4, 3))
W_HWIO = RNG.standard_normal((3, 2, 3, 4))
W_HWOI = RNG.standard_normal((3, 2, 4, 3))      # for transpose_kernel (in/out swapped)
CONVS = [("conv", "conv", X_NCHW, W_OIHW, dict(window_strides=(1, 2), padding="SAME")),
         ("conv_valid", "conv", X_NCHW, W_OIHW, dict(window_strides=(2, 1), padding="VALID")),
         ("general_padding", "conv_with_general_padding", X_NCHW, W_OIHW,
          dict(window_strides=(1, 1), padding=((1, 0), (2, 1)), lhs_dilation=(2, 1),
               rhs_dilation=(1, 2)))]
for pad, s, d, tk, ucp in itertools.product(
        ["SAME", "VALID", ((1, 2), (0, 1))], [(1, 1), (2, 3)], [None, (2, 1)], [False, True],
        [False, True]):
    if ucp and isinstance(pad, str) or (tk and d is not None):
        continue
    CONVS.append((f"T_{pad}_{s}_{d}_{tk}_{ucp}", "conv_transpose", X_NHWC, W_HWOI if tk else W_HWIO,
                  dict(strides=s, padding=pad, rhs_dilation=d, transpose_kernel=tk,
                       use_consistent_padding=ucp)))
CONVS.append(("T_nchw", "conv_transpose", X_NCHW, RNG.standard_normal((3, 4, 2, 3)),
              dict(strides=(2, 1), padding="SAME", dimension_numbers=("NCHW", "OIHW", "NCHW"),
                   transpose_kernel=True)))
CONVS.append(("T_1d", "conv_transpose", RNG.standard_normal((2, 5, 3)),
              RNG.standard_normal((3, 3, 2)), dict(strides=(2,), padding="VALID")))


def _conv_fun(mod, name, kw):
    return lambda u, v: getattr(mod, name)(u, v, **kw)


@functools.lru_cache(maxsize=None)
def jax_convs():
    def refs(args):
        out = {}
        for (key, name, _, _, kw), (x, w) in zip(CONVS, args):
            f = _conv_fun(jl, name, kw)
            y = f(x, w)
            ct = jnp.cos(jnp.arange(y.size, dtype=y.dtype).reshape(y.shape))
            out[key] = (y, jax.grad(lambda u, v: (f(u, v) * ct).sum(), (0, 1))(x, w),
                        jax.jvp(f, (x, w), (jnp.sin(x), jnp.cos(w)))[1])
        return out
    return jax.jit(refs)([(x, w) for _, _, x, w, _ in CONVS])


@pytest.mark.parametrize("case", CONVS, ids=[c[0] for c in CONVS])
def test_convolutions_match_jax(case):
    key, name, x, w, kw = case
    value, grads, tangent = jax_convs()[key]
    f = _conv_fun(tl, name, kw)
    y = f(x, w)
    close(y, value)
    ct = np.cos(np.arange(y.size, dtype=y.dtype).reshape(y.shape))
    leaves_close(tg.grad(lambda u, v: tg.sum(f(u, v) * ct), (0, 1))(x, w), grads)
    close(tg.jvp(f, (x, w), (np.sin(x), np.cos(w)))[1], tangent)
    close(tg.jit(f)(x, w), value)


def test_convolution_errors_and_vmap():
    with pytest.raises(ValueError, match="conv_transpose: no default dimension_numbers"):
        tl.conv_transpose(np.ones((1, 1, 2, 2, 2, 2)), np.ones((1, 1, 1, 1, 1, 1)), (1,) * 4, "SAME")
    with pytest.raises(TypeError, match=r"conv_transpose: lhs \(2, 3\) and rhs \(2, 3, 1\)"):
        tl.conv_transpose(np.ones((2, 3)), np.ones((2, 3, 1)), (1,), "SAME")
    with pytest.raises(ValueError, match="conv_transpose: padding must be"):
        tl.conv_transpose(X_NHWC, W_HWIO, (1, 1), [(1, 1)], use_consistent_padding=True)
    with pytest.raises(TypeError, match="same dtypes"):
        tl.conv(X_NCHW, W_OIHW.astype(np.float32), (1, 1), "SAME")
    with pytest.raises(TypeError):   # JAX refuses the mismatch too
        jl.conv(X_NCHW, W_OIHW.astype(np.float32), (1, 1), "SAME")
    f = lambda u: tl.conv_transpose(u, W_HWIO, (2, 1), "SAME")  # noqa: E731
    np.testing.assert_allclose(tg.vmap(f)(X_NHWC[:, None]), np.stack([f(u) for u in X_NHWC[:, None]]))


# ---- structure, special functions, reduce_precision ----------------------------------------
A34 = RNG.standard_normal((3, 4))
A234 = RNG.standard_normal((2, 3, 4))
IDX = (np.array([0, -1, 7, 2]), np.array([1, 3, -5, 0]))
POS = RNG.uniform(0.5, 3.0, 5)
UNIT = RNG.uniform(0.05, 0.95, 5)
BES = np.array([-30.0, -2.5, -0.3, 0.0, 0.7, 4.0, 60.0])
STRUCT = [
    ("split", lambda m, x: m.split(x, (1, 0, 3), axis=1), A34),
    ("split_neg_axis", lambda m, x: m.split(x, (2, 1), axis=-2), A234),
    ("tile", lambda m, x: m.tile(x, (2, 1, 3)), A234),
    ("stack", lambda m, x: m.stack([x, 2 * x, x * x], axis=-1), A34),
    ("stack_front", lambda m, x: m.stack([x, -x], axis=0), A34),
    ("unstack", lambda m, x: m.unstack(x, axis=1), A234),
    ("unstack_neg", lambda m, x: m.unstack(x, axis=-1), A34),
    ("index_take", lambda m, x: m.index_take(x, IDX, (0, 2)), A234),
    ("index_take_one", lambda m, x: m.index_take(x, (IDX[0],), (1,)), A34),
    ("barrier", lambda m, x: m.optimization_barrier((x, {"y": 2 * x}))[1]["y"], A34),
    ("betainc", lambda m, x: m.betainc(POS, POS[::-1], x), UNIT),
    ("bessel_i0e", lambda m, x: m.bessel_i0e(x), BES),
    ("bessel_i1e", lambda m, x: m.bessel_i1e(x), BES),
    ("reduce_precision", lambda m, x: m.reduce_precision(x * 10.0, 5, 3), A34),
    ("reduce_precision_bf16", lambda m, x: m.reduce_precision(x * 5e37, 8, 7), A34),
]


@functools.lru_cache(maxsize=None)
def jax_struct():
    def refs(args):
        out = {}
        for (key, f, _), x in zip(STRUCT, args):
            def scalar(u, f=f):
                return sum((jnp.cos(v) * jnp.arange(v.size).reshape(v.shape)).sum()
                           for v in jax.tree_util.tree_leaves(f(jl, u)))
            out[key] = (f(jl, x), jax.grad(scalar)(x), jax.jvp(lambda u, f=f: f(jl, u), (x,), (jnp.sin(3 * x),))[1])
        return out
    return jax.jit(refs)([x for _, _, x in STRUCT])


@pytest.mark.parametrize("case", STRUCT, ids=[c[0] for c in STRUCT])
def test_structure_and_special_functions_match_jax(case):
    key, f, x = case
    value, grad, tangent = jax_struct()[key]
    g = functools.partial(f, tl)
    leaves_close(g(x), value)

    def scalar(u):
        return sum(tg.sum(tg.cos(v) * np.arange(np.size(v)).reshape(np.shape(v)))
                   for v in tg.tree_leaves(g(u)))
    close(tg.grad(scalar)(x), grad, rtol=1e-9)
    leaves_close(tg.jvp(g, (x,), (np.sin(3 * x),))[1], tangent, rtol=1e-9)
    leaves_close(tg.jit(g)(x), value)


def test_structure_under_vmap_and_jit_with_traced_indices():
    i = np.array([3, 0, -1])
    got = tg.jit(lambda x, i: tl.index_take(x, (i,), (1,)))(A34, i)
    close(got, np.asarray(jax.jit(lambda x, i: jl.index_take(x, (i,), (1,)))(A34, i)))
    close(tg.vmap(lambda x: tl.index_take(x, (i,), (0,)))(A34.T), A34.T[:, [0, 0, 2]])
    close(tg.vmap(lambda x: tl.split(x, (1, 3))[1])(A34), A34[:, 1:])
    close(tg.vmap(lambda x: tl.stack([x, x], 1))(A34), np.stack([A34, A34], 2))
    close(tg.vmap(lambda x: tl.tile(x, (2,)))(A34), np.tile(A34, (1, 2)))
    close(tg.vmap(lambda x: tl.reduce_precision(x, 4, 2))(A34), np.asarray(jl.reduce_precision(A34, 4, 2)))
    assert type(tl.unstack(A34)) is tuple and len(tl.unstack(A34)) == 3
    e = tl.empty((2, 3), np.float32)
    assert e.dtype == np.float32 and e.shape == (2, 3) and not e.any()
    assert tl.empty(4, np.int32).shape == (4,)
    tree = (1.0, [A34, {"k": np.int32(3)}])
    barrier = tl.optimization_barrier(tree)  # (JAX's: new arrays of the same values and tree)
    assert tg.tree_util.tree_structure(barrier) == tg.tree_util.tree_structure(tree)
    np.testing.assert_array_equal(barrier[1][0], tree[1][0])
    assert not np.may_share_memory(barrier[1][0], tree[1][0])


def test_reduce_precision_rounds_bit_for_bit_as_xla():
    vals = np.concatenate([RNG.standard_normal(120) * 10.0 ** RNG.integers(-12, 12, 120),
                           [0.0, -0.0, np.inf, -np.inf, np.nan, 1.0, 1.125, 1.375, 2.5, -3.5,
                            1.5, 3.0, -6.0, 12.0, 0.75, 0.375,  # (ties with no mantissa bit kept)
                            65504.0, 65520.0, 6.1e-5, 6.0e-5, 5.96e-8, 1e-310, -5e-324,
                            1.7976931348623157e308, 3.4028235e38, 1.17549435e-38, 1e-45]])
    formats = [(5, 10), (8, 7), (8, 23), (11, 52), (2, 1), (3, 0), (4, 3), (11, 10), (6, 30),
               (1, 2)]
    with np.errstate(over="ignore"):
        xs = [vals.astype(dt) for dt in (np.float64, np.float32, np.float16)]
    x, w = np.array([0.3, 1.7, -2.2, 5.0, 1e-3]), np.array([1.0, 2.0, 3.0, 0.4, 5.0])
    f = lambda v: jl.reduce_precision(v, 2, 3)  # noqa: E731   (overflow at 4, flush below 1)
    # XLA's default compilation (conftest lowers it to compile faster; the older emitters
    # round a NaN with no mantissa bits to inf)
    want = jax.jit(lambda xs: [[jl.reduce_precision(x, e, m) for e, m in formats] for x in xs]
                   + [jax.grad(lambda v: (f(v) * w).sum())(x), jax.jvp(f, (x,), (3 * w,))[1]],
                   compiler_options=default_xla_options())(xs)
    g = lambda v: tl.reduce_precision(v, 2, 3)  # noqa: E731
    close(tg.jvp(g, (x,), (3 * w,))[1], want.pop())                # the tangent is rounded
    close(tg.grad(lambda v: tg.sum(g(v) * w))(x), want.pop())     # as is the cotangent
    for x, row in zip(xs, want):
        for (e, m), r in zip(formats, row):
            got, r = np.asarray(tl.reduce_precision(x, e, m)), np.asarray(r)
            assert got.dtype == r.dtype
            same = (got == r) & (np.signbit(got) == np.signbit(r)) | np.isnan(got) & np.isnan(r)
            assert same.all(), (x.dtype, e, m, x[~same], got[~same], r[~same])


def test_reduce_precision_differentiates_to_second_order_as_jax():
    # the primal of its derivative rule differentiates by the same rule: a Hessian of 2I for
    # sum(rp(x)**2) and of 2I for sum(rp(x) * x) (the rounding alone would give 0 and I)
    x = np.array([0.3, 1.7, -2.2])
    for f in (lambda m: lambda v: (m.reduce_precision(v, 8, 7) ** 2).sum(),
              lambda m: lambda v: (m.reduce_precision(v, 8, 7) * v).sum()):
        want = np.asarray(jax.hessian(f(jl))(x))
        np.testing.assert_array_equal(tg.hessian(f(tl))(x), want)
        np.testing.assert_array_equal(tg.jit(tg.jacfwd(tg.grad(f(tl))))(x), want)
        np.testing.assert_array_equal(want, 2 * np.eye(3))


def test_structure_and_special_errors_name_the_function():
    cases = [
        (lambda m: m.split(np.ones(5), (2, 2)), ValueError, "split: sizes"),
        (lambda m: m.split(np.ones(5), (2, 3), axis=1), ValueError, "split: axis 1"),
        (lambda m: m.tile(np.ones(5), (2, 2)), TypeError, "tile: reps"),
        (lambda m: m.stack([np.ones(2), np.ones(3)]), ValueError, "stack: the operands must"),
        (lambda m: m.stack([np.ones(2), np.ones(2, np.float32)]), TypeError, "stack requires"),
        (lambda m: m.unstack(np.ones(3), 1), ValueError, "unstack: axis 1"),
        (lambda m: m.reduce_precision(np.arange(3), 5, 10), TypeError, "reduce_precision"),
        (lambda m: m.reduce_precision(np.ones(3), 0, 10), ValueError, "exponent_bits must be positive"),
        (lambda m: m.reduce_precision(np.ones(3), 5, -1), ValueError, "mantissa_bits must be non-negative"),
        (lambda m: m.betainc(np.ones(3), np.ones(2), np.ones(3) / 2), TypeError, "betainc"),
        (lambda m: m.betainc(np.ones(3, np.float32), np.ones(3), np.ones(3) / 2), TypeError, "same dtypes"),
        (lambda m: m.bessel_i0e(np.arange(3)), TypeError, "bessel_i0e"),
        (lambda m: m.bessel_i1e(np.arange(3)), TypeError, "bessel_i1e"),
    ]
    for call, exc, msg in cases:
        with pytest.raises(exc, match=msg):
            call(tl)
        with pytest.raises(exc):   # JAX raises the same kind of error
            call(jl)
    with pytest.raises(TypeError, match=r"index_take: needs one 1-d integer index array"):
        tl.index_take(A34, (np.array([0.5]),), (0,))
    with pytest.raises(ValueError, match="index_take: axes"):
        tl.index_take(A34, (np.array([0]),), (2,))


# ---- custom_linear_solve and custom_root ---------------------------------------------------
MAT = RNG.standard_normal((3, 3)) + 3 * np.eye(3)
SPD = MAT @ MAT.T
VEC = RNG.standard_normal(3)
TMAT, TVEC = RNG.standard_normal((3, 3)), RNG.standard_normal(3)


def linsolve(m, lin, a, b, *, tr=True, symmetric=False, aux=False):
    """A solve through ``m.custom_linear_solve`` whose solver iterates (Richardson steps
    preconditioned by A's own solve, then one exact solve), closing over ``a``."""
    def solve(mv, y):
        x = lin(a, y)
        r = y - mv(x)
        x = x + lin(a, r)
        return (x, jnp.sum(r * 0)) if aux and m is jl else (x, tg.sum(r * 0)) if aux else x

    def tsolve(vm, y):
        x = lin(a.T, y)
        return (x, 0.0 * y[0]) if aux else x
    out = m.custom_linear_solve(lambda x: a @ x, b, solve, tsolve if tr and not symmetric else None,
                                symmetric=symmetric, has_aux=aux)
    return out


def sqrt_root(m, loop, a):
    """The square root of ``a`` (closed over by f) as the root Newton's method finds."""
    f = lambda x: x * x - a  # noqa: E731
    solve = lambda f, x0: loop(0, 25, lambda i, x: x - f(x) / (2 * x), x0)  # noqa: E731
    return m.custom_root(f, 1.0, solve, lambda g, y: y / g(1.0))


def vec_root(m, jac, solve_lin, a, b, aux=False):
    """The x with tanh(a·x) + x - b = 0, by Newton's method, closing over a and b."""
    f = lambda x: jnp.tanh(a @ x) + x - b if m is jl else tg.tanh(a @ x) + x - b  # noqa: E731

    def solve(f, x0):
        x = x0
        for _ in range(12):
            x = x - solve_lin(jac(f)(x), f(x))
        return (x, x[0] * 0 + 3) if aux else x
    return m.custom_root(f, np.zeros(3), solve, lambda g, y: solve_lin(jac(g)(y), y), has_aux=aux)


def _cases(m):
    lin = jnp.linalg.solve if m is jl else tg.linalg.solve
    loop = jl.fori_loop if m is jl else tl.fori_loop
    jac = jax.jacfwd if m is jl else tg.jacfwd
    s = jnp.sum if m is jl else tg.sum
    sin = jnp.sin if m is jl else tg.sin
    return {
        "linear": lambda a, b: s(sin(linsolve(m, lin, a, b))),
        "linear_symmetric": lambda a, b: s(sin(linsolve(m, lin, a @ a.T, b, symmetric=True))),
        "linear_aux": lambda a, b: s(sin(linsolve(m, lin, a, b, aux=True)[0])),
        "linear_tree": lambda a, b: s(sin(m.custom_linear_solve(
            lambda t: {"u": a @ t["u"], "v": 2.0 * t["v"]}, {"u": b, "v": b[:2]},
            lambda mv, t: {"u": lin(a, t["u"]), "v": t["v"] / 2.0},
            lambda vm, t: {"u": lin(a.T, t["u"]), "v": t["v"] / 2.0})["u"])) + s(b[:2] * 0),
        "root_scalar": lambda a, b: sqrt_root(m, loop, s(a * a) + s(b)) * 1.0,
        "root_vector": lambda a, b: s(sin(vec_root(m, jac, lin, a * 0.3, b))),
        "root_aux": lambda a, b: s(sin(vec_root(m, jac, lin, a * 0.3, b, aux=True)[0])),
    }


@functools.lru_cache(maxsize=None)
def jax_solvers():
    def refs(a, b):
        return {k: (f(a, b), jax.grad(f, (0, 1))(a, b), jax.jvp(f, (a, b), (TMAT, TVEC))[1])
                for k, f in _cases(jl).items()}
    return jax.jit(refs)(MAT, VEC)


@pytest.mark.parametrize("key", list(_cases(tl)))
def test_implicit_solvers_match_jax(key):
    f = _cases(tl)[key]
    value, grads, tangent = jax_solvers()[key]
    close(f(MAT, VEC), value)
    leaves_close(tg.grad(f, (0, 1))(MAT, VEC), grads)
    close(tg.jvp(f, (MAT, VEC), (TMAT, TVEC))[1], tangent)
    close(tg.jit(f)(MAT, VEC), value)
    leaves_close(tg.jit(tg.grad(f, (0, 1)))(MAT, VEC), grads)


def test_implicit_solvers_outputs_vmap_and_errors():
    lin = tg.linalg.solve
    x, aux = linsolve(tl, lin, MAT, VEC, aux=True)
    close(x, np.linalg.solve(MAT, VEC))
    close(aux, np.float64(0.0))
    root, n = vec_root(tl, tg.jacfwd, lin, MAT * 0.3, VEC, aux=True)
    close(np.tanh(0.3 * MAT @ root) + root, VEC)
    close(tg.vmap(lambda b: linsolve(tl, lin, MAT, b))(np.stack([VEC, TVEC])),
          np.linalg.solve(MAT, np.stack([VEC, TVEC]).T).T)
    mats = np.stack([MAT, MAT.T + np.eye(3)])        # vmap over the matrix matvec closes over
    per = lambda a: tg.sum(tg.sin(linsolve(tl, lin, a, VEC)))  # noqa: E731
    close(tg.vmap(tg.grad(per))(mats), np.stack([tg.grad(per)(a) for a in mats]))
    with pytest.raises(TypeError, match="custom_linear_solve: transpose_solve required"):
        tg.grad(lambda b: tg.sum(linsolve(tl, lin, MAT, b, tr=False)))(VEC)
    close(tg.jvp(lambda b: linsolve(tl, lin, MAT, b, tr=False), (VEC,), (TVEC,))[1],
          np.linalg.solve(MAT, TVEC))     # forward mode needs no transpose_solve, as JAX
    with pytest.raises(ValueError, match=r"custom_linear_solve: solve\(\) output shapes must match"):
        tl.custom_linear_solve(lambda v: v, VEC, lambda mv, y: y[:2])
    with pytest.raises(ValueError):      # JAX's error too
        jl.custom_linear_solve(lambda v: v, VEC, lambda mv, y: y[:2])
    with pytest.raises(TypeError, match=r"custom_root: f\(\) output pytree structure must"):
        tl.custom_root(lambda v: (v, v), VEC, lambda f, g: f(g)[0], lambda g, y: y)
    with pytest.raises(TypeError, match="custom_root: solve must be callable"):
        tl.custom_root(lambda v: v, VEC, None, lambda g, y: y)
    with pytest.raises(TypeError, match="has_aux=True, solve must return"):
        tl.custom_root(lambda v: v, VEC, lambda f, g: g, lambda g, y: y, has_aux=True)


_PATCH_X = np.random.default_rng(3).normal(size=(2, 3, 5, 6))


@pytest.mark.parametrize("kw", [
    dict(filter_shape=(2, 3), window_strides=(1, 1), padding="VALID"),
    dict(filter_shape=(3, 3), window_strides=(2, 1), padding="SAME", rhs_dilation=(1, 2)),
    dict(filter_shape=(2, 2), window_strides=(1, 2), padding=((1, 0), (0, 2)), lhs_dilation=(2, 1)),
    dict(filter_shape=(2, 3), window_strides=(1, 1), padding="VALID",
         dimension_numbers=("NHWC", "HWIO", "NHWC")),
], ids=["valid", "same-dilated", "explicit-lhs-dilated", "nhwc-hwio"])
def test_conv_general_dilated_patches_matches_jax(kw):
    x = np.moveaxis(_PATCH_X, 1, -1) if "dimension_numbers" in kw else _PATCH_X
    got = tg.lax.conv_general_dilated_patches(x, **kw)
    want = jl.conv_general_dilated_patches(x, **kw)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)
    w = np.cos(np.arange(got.size)).reshape(got.shape)
    np.testing.assert_allclose(
        tg.grad(lambda v: tg.sum(tg.lax.conv_general_dilated_patches(v, **kw) * w))(x),
        jax.grad(lambda v: jnp.sum(jl.conv_general_dilated_patches(v, **kw) * w))(x), rtol=1e-12)


def test_approx_k_platform_igamma_grad_and_bitcast_match_jax():
    y = np.random.default_rng(4).normal(size=(3, 7))
    for name in ("approx_max_k", "approx_min_k"):
        for k, dim in ((3, -1), (2, 0)):
            got = getattr(tg.lax, name)(y, k, reduction_dimension=dim)
            want = getattr(jl, name)(y, k, reduction_dimension=dim)
            np.testing.assert_array_equal(got[0], want[0])
            np.testing.assert_array_equal(got[1], want[1])
            assert got[1].dtype == want[1].dtype == np.int32
    for name in ("approx_max_k", "approx_min_k"):  # floats only, as JAX (an unsigned minimum
        with pytest.raises(TypeError, match=f"lax.{name}: operand must be a floating type, got uint8"):
            getattr(tg.lax, name)(np.array([3, 0, 255], np.uint8), 2)  # would wrap when negated)
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.lax.approx_min_k(v, 2)[0]))(y),
                               jax.grad(lambda v: jnp.sum(jl.approx_min_k(v, 2)[0]))(y))
    for kw in (dict(cpu=lambda v: v * 3, default=lambda v: v), dict(cuda=lambda v: v * 3, default=lambda v: v + 1)):
        assert tg.lax.platform_dependent(2.0, **kw) == jl.platform_dependent(2.0, **kw)
    with pytest.raises(NotImplementedError, match="no branch for 'cpu' and no default"):
        tg.lax.platform_dependent(2.0, cuda=lambda v: v)
    a, x = np.array([0.5, 1.0, 2.5, 4.0]), np.array([0.3, 1.5, 2.0, 6.0])
    np.testing.assert_allclose(tg.lax.igamma_grad_a(a, x), jl.igamma_grad_a(a, x), rtol=1e-10)
    for v, dt in [(np.array([1.0, -2.5]), np.int64), (np.array([1.0, 2.0]), np.int32),
                  (np.arange(6, dtype=np.int32).reshape(3, 2), np.float64),
                  (np.array([1.5], np.float32), np.uint8)]:
        got, want = tg.lax.bitcast_convert_type(v, dt), jl.bitcast_convert_type(v, dt)
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    bits = tg.jit(lambda v: tg.lax.bitcast_convert_type(v, np.int64))
    for v in (np.array([1.0, 3.0]), np.array([-0.5, 2.0])):  # replayed with each call's value
        np.testing.assert_array_equal(bits(v), jl.bitcast_convert_type(v, np.int64))
    with pytest.raises(TypeError, match="bitcast_convert_type: reinterpreting the bits of a traced"):
        tg.grad(lambda v: tg.sum(tg.lax.bitcast_convert_type(v, np.float64)))(np.ones(2))
    with pytest.raises(ValueError, match="last axis must have size 2"):
        tg.lax.bitcast_convert_type(np.arange(3, dtype=np.int32), np.float64)


def test_jax_keywords_defaults_and_monoids_told_by_their_values():
    a, x = np.array([0.5, 2.0]), np.array([1.0, 3.0])
    close(tl.igamma(a=a, x=x), np.asarray(jl.igamma(a=a, x=x)))
    close(tl.igammac(a=a, x=x), np.asarray(jl.igammac(a=a, x=x)))
    close(tl.polygamma(m=np.array([1.0, 2.0]), x=x), np.asarray(jl.polygamma(m=np.array([1.0, 2.0]), x=x)))
    close(tl.zeta(x=x + 1, q=a), np.asarray(jl.zeta(x=x + 1, q=a)))
    assert tl.full(3, 1.5).tolist() == [1.5, 1.5, 1.5]
    v = RNG.normal(size=(3, 4))
    for comp, ref, init in ((jnp.maximum, jl.max, -np.inf), (np.add, jl.add, 0.0),
                            (lambda p, q: p * q, jl.mul, 1.0), (lambda p, q: jnp.minimum(p, q), jl.min, np.inf)):
        # window_strides and padding default to ones and 'VALID', as JAX's
        close(tl.reduce_window(v, init, comp, (2, 2)), np.asarray(jl.reduce_window(v, init, ref, (2, 2))))
        close(tl.reduce(v, init, comp, (1,)), np.asarray(jl.reduce(v, init, ref, (1,))))
    # any other (associative, commutative) computation, as JAX's; variadic reduce too
    big = lambda m: lambda p, q: m.maximum(m.abs(p), m.abs(q))  # noqa: E731
    close(tl.reduce_window(v, 0.0, big(tg), (2, 2), (1, 2), "SAME"),
          np.asarray(jl.reduce_window(v, 0.0, big(jnp), (2, 2), (1, 2), "SAME")))
    close(tl.reduce(v, 0.0, big(tg), (0, 1)), np.asarray(jl.reduce(v, 0.0, big(jnp), (0, 1))))
    pair = lambda a, b: (a[0] + b[0], a[1] * b[1])  # noqa: E731
    for got, want in zip(tl.reduce((v, v + 2), (0.0, 1.0), pair, (1,)), jl.reduce((v, v + 2), (0.0, 1.0), pair, (1,))):
        close(got, np.asarray(want))
    close(tg.grad(lambda u: tg.sum(tl.reduce(u, 0.0, lambda p, q: p + q, (0,)) ** 2))(v),
          np.asarray(jax.grad(lambda u: jnp.sum(jl.reduce(u, 0.0, lambda p, q: p + q, (0,)) ** 2))(v)))
    assert tl.Precision("highest") is tl.Precision.HIGHEST and str(tl.Precision.HIGH) == str(jl.Precision.HIGH)
    close(tl.dot(v, v.T, precision=tl.Precision.HIGHEST), v @ v.T)


def test_results_never_alias_a_numpy_input_as_jaxs_are_new_arrays():
    # JAX's results are new arrays: v = lax.reshape(c, ...); v += 1 must leave c alone, also
    # when c is a constant the function closes over inside tg.grad (the gradient stays right)
    c = np.ones(3)

    def loss(x):
        v = tl.reshape(c, (3,))
        v += 1.0
        return tg.sum(x * v)
    for _ in range(2):
        np.testing.assert_array_equal(tg.grad(loss)(np.ones(3)), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(c, np.ones(3))
    a = np.arange(4.0)
    results = [tl.reshape(a, (2, 2)), tl.slice(a, (1,), (3,)), tl.rev(a, (0,)),
               tl.transpose(a.reshape(2, 2), (1, 0)), tl.squeeze(a[None], (0,)),
               tl.expand_dims(a, (0,)), tl.dynamic_slice(a, (1,), (2,)),
               tl.index_in_dim(a, 1, keepdims=True), tl.optimization_barrier(a),
               tl.cond(True, lambda v: v, lambda v: v * 2.0, a),
               tl.scan(lambda carry, v: (carry, v), a, a)[0]]
    for r in results:
        assert not np.may_share_memory(r, a)
    np.testing.assert_array_equal(results[0], a.reshape(2, 2))
    np.testing.assert_array_equal(results[9], a)
    assert tl.reduce(np.arange(6).reshape(2, 3), 0, tl.bitwise_or, (1,)).tolist() == [3, 7]
    for f in (tl.reshape, tl.add, tl.cond):  # (each is pickled by reference, as tensorgrad.lax's)
        assert pickle.loads(pickle.dumps(f)) is f


def test_variadic_reduce_window_folds_tuples_as_jax():
    x, idx = np.array([1.0, 3.0, 2.0, 5.0, 4.0]), np.arange(5.0)
    pair_sum = lambda a, b: (a[0] + b[0], a[1] + b[1])  # noqa: E731

    def argmax(m):  # (value, index) pairs: the first largest entry of each window
        def f(a, b):
            take = b[0] > a[0]
            return m.where(take, b[0], a[0]), m.where(take, b[1], a[1])
        return f
    for args in (((x, 2 * x), (0.0, 0.0), pair_sum, (2,), (1,), "VALID"),
                 ((x, idx), (-np.inf, -1.0), argmax(jnp), (3,), (1,), "SAME")):
        want = jl.reduce_window(*args)
        got = tl.reduce_window(*args[:2], argmax(tg) if args[2] is not pair_sum else pair_sum, *args[3:])
        assert isinstance(got, tuple) and len(got) == 2
        for g, w in zip(got, want):
            close(g, w)
    X = np.arange(12.0).reshape(3, 4) + 1
    prod_sum = lambda a, b: (a[0] + b[0], a[1] * b[1])  # noqa: E731
    for g, w in zip(tl.reduce_window([X, X], (0.0, 1.0), prod_sum, (2, 2), (1, 1), "VALID"),
                    jl.reduce_window((X, X), (0.0, 1.0), prod_sum, (2, 2), (1, 1), "VALID")):
        close(g, w)
    # differentiable (JAX's reverse mode refuses the variadic form): the window sums of v² twice
    g = tg.grad(lambda v: tg.sum(tl.reduce_window((v, v * v), (0.0, 0.0), pair_sum, (2,), (2,),
                                                   "VALID")[1]))(x)
    close(g, np.array([2.0, 6.0, 4.0, 10.0, 0.0]))
