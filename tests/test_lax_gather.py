"""tg.lax's gather and scatter family (tensorgrad/lax_gather.py) against jax.lax: values, VJPs
and JVPs in float64 to 1e-12 for the patterns JAX's indexing generates (a take on one axis,
point gathers, windows with offset dims, batching dims, clip/fill/drop modes with indices out
of bounds, duplicates for every combiner), the ``.at[]`` equivalents, tg.jit with traced
indices, tg.vmap, tg.jacrev, and the errors.

Each case is written once as ``build(L, x, u)`` with ``L`` either module, so the dimension
numbers come from each library's own classes; JAX's reference runs in one ``jax.jit`` per case.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax as jl

import tensorgrad as tg

tl = tg.lax
jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(52)


def R(*shape):
    return RNG.normal(size=shape)


def I(*rows):  # noqa: E743
    return np.array(rows, dtype=np.int32)


def G(L, *a, **k):
    return L.GatherDimensionNumbers(*a, **k)


def S(L, *a, **k):
    return L.ScatterDimensionNumbers(*a, **k)


ROWS = I([3], [0], [3], [1])                     # a take on axis 0, with a duplicate
OOB = I([-1], [3], [9], [10], [8])               # out of bounds for windows of 2 in 10
PTS = I([0, 4], [3, 1], [0, 4], [2, 2], [1, 0])  # x[i, j] points, one repeated
DUP = I([1], [1], [2], [1], [2])                 # 1-d scatter targets, repeated
BAT = I([[1], [4]], [[0], [0]], [[3], [2]])      # per-batch indices (3 batches, 2 each)
TIE_X = np.array([0.0, 3.0, 3.0, 0.0])
TIE_U = np.array([1.0, 3.0, 3.0, 2.0, 1.0])      # ties with the operand and each other

# (id, build(L, x, u), x, u or None, reference(jnp, x, u) or None: JAX's lax call)
CASES = [
    ("take_axis0", lambda L, x, u: L.gather(x, ROWS, G(L, (1,), (0,), (0,)), (1, 3)),
     R(5, 3), None, None),
    ("take_axis1", lambda L, x, u: L.gather(x, ROWS, G(L, (0,), (1,), (1,)), (3, 1)),
     R(3, 5), None, None),
    ("points", lambda L, x, u: L.gather(x, PTS, G(L, (), (0, 1), (0, 1)), (1, 1),
                                        mode="promise_in_bounds"), R(4, 5), None, None),
    ("windows_clip", lambda L, x, u: L.gather(x, I([0, 4], [-2, 1], [4, 9]),
                                              G(L, (1, 2), (), (0, 1)), (2, 3), mode="clip"),
     R(5, 6), None, None),
    ("windows_fill", lambda L, x, u: L.gather(x, OOB, G(L, (1,), (), (0,)), (2,), mode="fill"),
     R(10), None, None),
    ("fill_value", lambda L, x, u: L.gather(x, OOB, G(L, (1,), (), (0,)), (2,),
                                            mode=L.GatherScatterMode.FILL_OR_DROP, fill_value=-7),
     R(10), None, None),
    ("default_mode", lambda L, x, u: L.gather(x, I([0], [3], [8], [8], [5]), G(L, (1,), (), (0,)),
                                              (2,)), R(10), None, None),
    ("batching", lambda L, x, u: L.gather(x, BAT, G(L, (2,), (1,), (1,), (0,), (0,)), (1, 1, 4)),
     R(3, 5, 4), None, None),
    ("swapped_map_2d_batch", lambda L, x, u: L.gather(
        x, I([[0, 1], [2, 0], [4, 2]], [[1, 1], [0, 2], [3, 0]]), G(L, (2,), (1,), (1, 0)), (2, 1)),
     R(4, 5), None, None),
    ("interleaved_offset", lambda L, x, u: L.gather(x, I([4], [0], [2]), G(L, (0, 2), (), (0,)),
                                                    (2, 4)), R(6, 4), None, None),
    ("set_dup", lambda L, x, u: L.scatter(x, DUP, u, S(L, (), (0,), (0,))), TIE_X, TIE_U, None),
    ("set_windows_drop", lambda L, x, u: L.scatter(x, OOB, u, S(L, (1,), (), (0,))),
     R(10), R(5, 2), None),
    ("set_windows_clip", lambda L, x, u: L.scatter(x, OOB, u, S(L, (1,), (), (0,)), mode="clip"),
     R(10), R(5, 2), None),
    ("set_points_unique", lambda L, x, u: L.scatter(x, I([0, 4], [3, 1], [2, 2]),
                                                    u, S(L, (), (0, 1), (0, 1)),
                                                    unique_indices=True), R(4, 5), R(3), None),
    ("add_rows_dup", lambda L, x, u: L.scatter_add(x, ROWS, u, S(L, (1,), (0,), (0,))),
     R(5, 3), R(4, 3), None),
    ("add_drop", lambda L, x, u: L.scatter_add(x, OOB, u, S(L, (1,), (), (0,))),
     R(10), R(5, 2), None),
    ("add_clip", lambda L, x, u: L.scatter_add(x, OOB, u, S(L, (1,), (), (0,)),
                                               mode=L.GatherScatterMode.CLIP), R(10), R(5, 2), None),
    ("add_batching", lambda L, x, u: L.scatter_add(x, I([[1], [1]], [[0], [4]], [[2], [2]]), u,
                                                   S(L, (), (1,), (1,), (0,), (0,))),
     R(3, 5), R(3, 2), None),
    ("sub_points", lambda L, x, u: L.scatter_sub(x, PTS, u, S(L, (), (0, 1), (0, 1))),
     R(4, 5), R(5), None),
    ("mul_unique", lambda L, x, u: L.scatter_mul(x, I([4], [0], [2]), u, S(L, (1,), (0,), (0,)),
                                                 unique_indices=True), R(5, 3), R(3, 3), None),
    ("mul_dup", lambda L, x, u: L.scatter_mul(x, DUP, u, S(L, (), (0,), (0,))), R(4), R(5),
     lambda x, u: x * jnp.prod(jnp.where(DUP[:, 0, None] == jnp.arange(4), u[:, None], 1.0),
                               axis=0)),
    ("min_dup_ties", lambda L, x, u: L.scatter_min(x, DUP, u, S(L, (), (0,), (0,))),
     TIE_X, TIE_U, None),
    ("max_dup_ties", lambda L, x, u: L.scatter_max(x, DUP, u, S(L, (), (0,), (0,))),
     TIE_X, TIE_U, None),
    ("max_windows_drop", lambda L, x, u: L.scatter_max(x, OOB, u, S(L, (1,), (), (0,))),
     R(10), R(5, 2), None),
    ("apply_dup", lambda L, x, u: L.scatter_apply(x, DUP, L.sin, S(L, (), (0,), (0,)),
                                                  update_shape=(5,)), R(4), None,
     lambda x, u: jnp.stack([x[0], jnp.sin(jnp.sin(jnp.sin(x[1]))), jnp.sin(jnp.sin(x[2])), x[3]])),
]


def _reference(build, ref, with_u):
    """JAX's value, VJP and JVP of the case, in one jit."""
    f = (lambda x, u: ref(x, u)) if ref is not None else (lambda x, u: build(jl, x, u))
    args = (0, 1) if with_u else (0,)

    def all_of(x, u, ct, tx, tu):
        out, pull = jax.vjp(lambda *a: f(*a) if with_u else f(a[0], u), *((x, u)[:len(args)]))
        tan = jax.jvp(lambda *a: f(*a) if with_u else f(a[0], u), (x, u)[:len(args)],
                      (tx, tu)[:len(args)])[1]
        return out, pull(ct), tan
    return jax.jit(all_of)


@pytest.mark.parametrize("name,build,x,u,ref", CASES, ids=[c[0] for c in CASES])
def test_against_jax(name, build, x, u, ref):
    with_u = u is not None
    f = (lambda x, u: build(tl, x, u)) if with_u else (lambda x: build(tl, x, None))
    primals = (x, u) if with_u else (x,)
    out = f(*primals)
    ct = R(*np.shape(out))
    tangents = tuple(R(*np.shape(p)) for p in primals)
    uu = u if with_u else np.zeros(1)
    want, want_ct, want_tan = _reference(build, ref, with_u)(
        x, uu, ct, tangents[0], tangents[1] if with_u else np.zeros(1))
    np.testing.assert_allclose(np.asarray(out), want, rtol=1e-12, atol=1e-12)
    if ref is not None:  # JAX refuses the derivative of its own call: values first
        np.testing.assert_allclose(np.asarray(out), build(jl, x, u), rtol=1e-12, atol=1e-12)
    got_ct = tg.vjp(f, *primals)[1](ct)
    for a, b in zip(got_ct, want_ct):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-12, atol=1e-12)
    got_tan = tg.jvp(f, primals, tangents)[1]
    np.testing.assert_allclose(np.asarray(got_tan), want_tan, rtol=1e-12, atol=1e-12)


def test_dtypes_and_default_fill_values():
    """Filled windows hold NaN, the most negative / largest integer or True (JAX's defaults);
    integer scatters keep their dtype; JAX's own mode members and dimension numbers work."""
    dn = tl.GatherDimensionNumbers((1,), (), (0,))
    for dt in (np.int16, np.uint8, np.bool_, np.complex128):
        x = (np.arange(10) % 3).astype(dt)
        got = tl.gather(x, OOB, dn, (2,), mode="drop")
        want = jl.gather(x, OOB, jl.GatherDimensionNumbers((1,), (), (0,)), (2,), mode="drop")
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    x, u = np.arange(10, dtype=np.int32), np.array([7, -2, 5, 3, 1], dtype=np.int32)
    sdn = jl.ScatterDimensionNumbers((), (0,), (0,))
    names = ("scatter", "scatter_add", "scatter_mul", "scatter_min", "scatter_max")
    wants = jax.jit(lambda x, u: [getattr(jl, n)(x, DUP, u, sdn, mode=jl.GatherScatterMode.CLIP)
                                  for n in names])(x, u)
    for name, want in zip(names, wants):
        got = getattr(tl, name)(x, DUP, u, sdn, mode=jl.GatherScatterMode.CLIP)
        assert got.dtype == np.int32
        np.testing.assert_array_equal(got, want)


def test_default_mode_out_of_bounds():
    """lax.gather's default (PROMISE_IN_BOUNDS) clamps, as JAX's; out of bounds, JAX's VJP
    drops what its value clamped, so tensorgrad's gradient is that of the clamped read: JAX's
    gradient with mode="clip"."""
    x, w = R(10), R(5, 2)
    dn, jdn = tl.GatherDimensionNumbers((1,), (), (0,)), jl.GatherDimensionNumbers((1,), (), (0,))
    want, want_g = jax.jit(lambda x: (jl.gather(x, OOB, jdn, (2,)), jax.grad(
        lambda x: jnp.sum(jl.gather(x, OOB, jdn, (2,), mode="clip") * w))(x)))(x)
    np.testing.assert_allclose(tl.gather(x, OOB, dn, (2,)), want, rtol=1e-12)
    got_g = tg.grad(lambda x: tg.sum(tl.gather(x, OOB, dn, (2,)) * w))(x)
    np.testing.assert_allclose(got_g, want_g, rtol=1e-12, atol=1e-12)


def test_at_update_equivalents():
    """Each combiner on one axis is the matching ``.at[]`` update, in value and gradient."""
    x, u = R(6, 3), R(5, 3)
    rows = np.array([4, 1, 4, 0, 1])
    dn = tl.ScatterDimensionNumbers((1,), (0,), (0,))
    pairs = [(tl.scatter, "set"), (tl.scatter_add, "add"), (tl.scatter_mul, "multiply"),
             (tl.scatter_min, "min"), (tl.scatter_max, "max")]
    for lax_fn, method in pairs:
        def a(x, u):
            return lax_fn(x, rows[:, None], u, dn)

        def b(x, u):
            return getattr(tg.at(x)[rows], method)(u)
        np.testing.assert_allclose(a(x, u), b(x, u), rtol=1e-12, atol=1e-12)
        ga = tg.grad(lambda x, u: tg.sum(tg.sin(a(x, u))), argnums=(0, 1))(x, u)
        gb = tg.grad(lambda x, u: tg.sum(tg.sin(b(x, u))), argnums=(0, 1))(x, u)
        for p, q in zip(ga, gb):
            np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-12)
    got = tl.gather(x, rows[:, None], tl.GatherDimensionNumbers((1,), (0,), (0,)), (1, 3))
    np.testing.assert_array_equal(got, x[rows])


def test_jit_with_traced_indices():
    """Under tg.jit the indices may be arguments: each call gathers, drops and overwrites
    where its own indices say (JAX's results for two index sets through one plan)."""
    x, u = R(10), R(5, 2)
    gdn, sdn = tl.GatherDimensionNumbers((1,), (), (0,)), tl.ScatterDimensionNumbers((1,), (), (0,))
    jg = jax.jit(lambda x, i, u: (jl.gather(x, i, jl.GatherDimensionNumbers((1,), (), (0,)), (2,),
                                            mode="fill"),
                                  jl.scatter(x, i, u, jl.ScatterDimensionNumbers((1,), (), (0,))),
                                  jl.scatter_add(x, i, u, jl.ScatterDimensionNumbers((1,), (), (0,)),
                                                 mode="clip")))

    def f(x, i, u):
        return (tl.gather(x, i, gdn, (2,), mode="fill"), tl.scatter(x, i, u, sdn),
                tl.scatter_add(x, i, u, sdn, mode="clip"))
    fj = tg.jit(f)
    for idx in (OOB, OOB[::-1].copy(), I([2], [2], [0], [7], [5])):
        for got, want in zip(fj(x, idx, u), jg(x, idx, u)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # the plan differentiates too: the gradient of the scatter with the second index set
    gj = tg.jit(tg.grad(lambda u, i: tg.sum(f(x, i, u)[1] ** 2)))
    want = jax.jit(jax.grad(lambda u, i: jnp.sum(jl.scatter(
        x, i, u, jl.ScatterDimensionNumbers((1,), (), (0,))) ** 2)))
    for idx in (OOB, I([2], [2], [0], [7], [5])):
        np.testing.assert_allclose(gj(u, idx), want(u, idx), rtol=1e-12, atol=1e-12)
    with pytest.raises(NotImplementedError, match="scatter_mul: under tg.jit.*unique_indices"):
        tg.jit(lambda x, i, u: tl.scatter_mul(x, i, u, sdn))(x, OOB, u)
    np.testing.assert_allclose(
        tg.jit(lambda x, i, u: tl.scatter_max(x, i, u, sdn, unique_indices=True))(x, OOB, u),
        jl.scatter_max(x, OOB, u, jl.ScatterDimensionNumbers((1,), (), (0,))), rtol=1e-12)


def test_vmap_and_jacrev():
    x = R(3, 5, 4)
    dn = tl.GatherDimensionNumbers((2,), (1,), (1,), (0,), (0,))
    per = tg.vmap(lambda xb, ib: tl.gather(xb, ib, tl.GatherDimensionNumbers((1,), (0,), (0,)),
                                           (1, 4)))(x, BAT)
    np.testing.assert_allclose(per, tl.gather(x, BAT, dn, (1, 1, 4)), rtol=1e-12)
    np.testing.assert_allclose(per, jl.gather(x, BAT, jl.GatherDimensionNumbers(
        (2,), (1,), (1,), (0,), (0,)), (1, 1, 4)), rtol=1e-12)
    sdn = tl.ScatterDimensionNumbers((), (0,), (0,))
    jac = tg.jacrev(lambda u: tl.scatter_max(TIE_X, DUP, u, sdn))(TIE_U)
    want = jax.jit(jax.jacrev(lambda u: jl.scatter_max(
        TIE_X, DUP, u, jl.ScatterDimensionNumbers((), (0,), (0,)))))(TIE_U)
    np.testing.assert_allclose(jac, want, rtol=1e-12, atol=1e-12)


def test_errors():
    x = R(5, 3)
    gdn = tl.GatherDimensionNumbers((1,), (0,), (0,))
    sdn = tl.ScatterDimensionNumbers((1,), (0,), (0,))
    bad = [
        (ValueError, r"gather: indices must have an integer type, got dtype float64",
         lambda: tl.gather(x, ROWS.astype(float), gdn, (1, 3))),
        (TypeError, r"gather: slice_sizes \(1,\) must have one entry per axis .* \(5, 3\)",
         lambda: tl.gather(x, ROWS, gdn, (1,))),
        (TypeError, r"gather: start_index_map \(0,\) has 1 entries but the indices \(shape "
                    r"\(4, 2\)\)", lambda: tl.gather(x, np.zeros((4, 2), int), gdn, (1, 3))),
        (TypeError, r"gather: the axes in collapsed_slice_dims \(0,\) must have window size 1",
         lambda: tl.gather(x, ROWS, gdn, (2, 3))),
        (TypeError, r"gather: the window sizes \(1, 4\) do not fit .* \(5, 3\)",
         lambda: tl.gather(x, ROWS, gdn, (1, 4))),
        (TypeError, r"gather: offset_dims must be sorted, got \(1, 0\)",
         lambda: tl.gather(x, ROWS, tl.GatherDimensionNumbers((1, 0), (), (0,)), (1, 3))),
        (TypeError, r"gather: every operand axis .* \(5, 3\)",
         lambda: tl.gather(x, ROWS, tl.GatherDimensionNumbers((1,), (), (0,)), (1, 3))),
        (TypeError, r"gather: operand_batching_dims \(0,\) and start_indices_batching_dims \(0,\) "
                    r"must pair axes of one size",
         lambda: tl.gather(R(3, 5, 4), I([[1]], [[2]]), tl.GatherDimensionNumbers(
             (2,), (1,), (1,), (0,), (0,)), (1, 1, 4))),
        (ValueError, r"gather: unknown mode 'wrap'", lambda: tl.gather(x, ROWS, gdn, (1, 3),
                                                                          mode="wrap")),
        (ValueError, r"gather: mode ONE_HOT is not supported",
         lambda: tl.gather(x, ROWS, gdn, (1, 3), mode="one_hot")),
        (TypeError, r"gather: dimension_numbers must be a GatherDimensionNumbers",
         lambda: tl.gather(x, ROWS, ((1,), (0,)), (1, 3))),
        (TypeError, r"scatter_add requires arguments to have the same dtypes, got operand float64 "
                    r"and updates float32",
         lambda: tl.scatter_add(x, ROWS, R(4, 3).astype(np.float32), sdn)),
        (TypeError, r"scatter: updates of shape \(4,\) must have 2 axes",
         lambda: tl.scatter(x, ROWS, R(4), sdn)),
        (TypeError, r"scatter_mul: the updates' scatter axes .* have sizes \(3,\), but the "
                    r"indices' batch axes .* have \(4,\)", lambda: tl.scatter_mul(x, ROWS, R(3, 3), sdn)),
        (TypeError, r"scatter_max: the window sizes \(1, 4\) do not fit .* \(5, 3\)",
         lambda: tl.scatter_max(x, ROWS, R(4, 4), sdn)),
        (TypeError, r"scatter_apply: func must be callable",
         lambda: tl.scatter_apply(x, ROWS, 3.0, sdn, update_shape=(4, 3))),
    ]
    for exc, msg, call in bad:
        with pytest.raises(exc, match="lax." + msg):
            call()


SHAPE_CASES = [
    ("conv_dimension_numbers", ((2, 8, 9, 3), (3, 2, 3, 4), ("NWHC", "WHIO", "CHWN"))),
    ("conv_dimension_numbers", ((2, 3, 8, 9), (4, 3, 3, 2), None)),
    ("conv_shape_tuple", ((2, 3, 8, 9), (4, 3, 3, 2), (2, 1), "SAME")),
    ("conv_shape_tuple", ((4, 3, 8, 9), (4, 3, 3, 2), (2, 3), [(1, 0), (2, 2)], 2)),
    ("conv_shape_tuple", ((2, 3, 2, 9), (4, 3, 3, 2), (1, 1), "VALID")),
    ("conv_general_shape_tuple", ((2, 8, 9, 3), (3, 2, 3, 4), (2, 2), "SAME", ("NHWC", "HWIO", "NCHW"))),
    ("conv_transpose_shape_tuple", ((2, 8, 9, 3), (3, 2, 3, 4), (2, 3), "VALID", ("NHWC", "HWIO", "NCHW"))),
    ("conv_transpose_shape_tuple", ((2, 8, 9, 3), (3, 2, 3, 4), (2, 3), [(1, 2), (0, 1)], ("NHWC", "HWIO", "NHWC"))),
    ("reduce_window_shape_tuple", ((7, 8), (3, 2), (2, 1), [(1, 0), (0, 2)], (2, 1), (1, 3))),
    ("reduce_window_shape_tuple", ((2, 8), (3, 2), (2, 1), [(0, 0), (0, 0)])),
    ("padtype_to_pads", ((7, 8), (2, 4), (1, 3), "SAME")),
    ("padtype_to_pads", ((7, 8), (2, 4), (1, 3), "SAME_LOWER")),
    ("padtype_to_pads", ((7, 8), (2, 4), (1, 3), "valid")),
    ("broadcast_shapes", ((2, 1, 3), (4, 1), (1,))),
]


def test_shape_helpers():
    for name, args in SHAPE_CASES:
        got, want = getattr(tl, name)(*args), getattr(jl, name)(*args)
        if name == "padtype_to_pads":
            want = [tuple(int(v) for v in p) for p in want]
        assert tuple(got) == tuple(tuple(w) if isinstance(w, tuple) else int(w) for w in want), name
    with pytest.raises(ValueError, match=r"lax.broadcast_shapes: incompatible .* \(2,\), \(3,\)"):
        tl.broadcast_shapes((2,), (3,))
    with pytest.raises(ValueError, match="lax.padtype_to_pads: padding must be .* got 'FULL'"):
        tl.padtype_to_pads((7,), (3,), (1,), "FULL")
    with pytest.raises(TypeError, match=r"lax.conv_dimension_numbers: .* \(2, 3, 4\) and \(2, 3, 4, 5\)"):
        tl.conv_dimension_numbers((2, 3, 4), (2, 3, 4, 5), None)
    with pytest.raises(TypeError, match=r"lax.conv_shape_tuple: needs 2 \(low, high\) pads"):
        tl.conv_shape_tuple((2, 3, 8, 9), (4, 3, 3, 2), (2, 1), [(1, 1)])


def test_a_filled_gather_of_a_scalar_under_jit_keeps_its_shape():
    # the in-bounds mask of a 0-d result went through np.ascontiguousarray, which makes a 0-d
    # array 1-d: the filled select under tg.jit broadcast the scalar to shape (1,)
    dn = tl.GatherDimensionNumbers(offset_dims=(), collapsed_slice_dims=(0,), start_index_map=(0,))
    x = np.arange(6.0)
    for i, want in ((np.array([2]), 2.0), (np.array([7]), np.nan)):
        for mode in ("fill", tl.GatherScatterMode.FILL_OR_DROP):
            got = tg.jit(lambda a, j: tl.gather(a, j, dn, (1,), mode=mode))(x, i)
            assert np.shape(got) == () and np.shape(tl.gather(x, i, dn, (1,), mode=mode)) == ()
            np.testing.assert_array_equal(got, want)
