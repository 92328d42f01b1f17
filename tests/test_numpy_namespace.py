"""tg as a stand-in for np/jnp: set functions, partition, polynomial arithmetic and
polyfit, vectorize and the apply helpers, logspace/geomspace, matvec/vecmat, the
out-of-place fill_diagonal/put_along_axis, the Array API aliases, r_/c_ and the shape,
index and dtype names; against NumPy's values and JAX's gradients."""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

X = np.array([[0.7, 1.9, 0.7, 1.3], [2.2, 0.4, 1.3, 0.9], [1.1, 2.2, 0.5, 1.6]])
Y = np.array([1.3, 0.2, 2.2, 0.9, 3.1])

CASES = {
    "polyadd": lambda m, v: m.polyadd(v[0], v[1, :2]),
    "polysub": lambda m, v: m.polysub(v[1, :2], v[0]),
    "polymul": lambda m, v: m.polymul(v[0], v[1, :3]),
    "polydiv quotient": lambda m, v: m.polydiv(v[0], v[1, :2])[0],
    "polydiv remainder": lambda m, v: m.polydiv(v[0], v[1, :3])[1][-2:],  # (JAX keeps the zeros)
    "polyfit": lambda m, v: m.polyfit(v[0], v[1], 2),
    "polyfit weighted 2-d y": lambda m, v: m.polyfit(v[0], v[1:].T, 1, w=v[2]),
    "vectorize": lambda m, v: m.vectorize(lambda a, b: a * a + b)(v, v[0]),
    "vectorize signature": lambda m, v: m.vectorize(lambda a, b: (a * b).sum(),
                                                    signature="(n),(n)->()")(v, v[1]),
    "vectorize matrix out": lambda m, v: m.vectorize(lambda a: m.outer(a, a),
                                                     signature="(n)->(n,n)")(v[:, :2]),
    "apply_along_axis": lambda m, v: m.apply_along_axis(lambda r: (r * r).sum(), 1, v),
    "apply_along_axis vector out": lambda m, v: m.apply_along_axis(lambda r: r[:2] * r[1], 0, v),
    "apply_over_axes": lambda m, v: m.apply_over_axes(m.sum, v, [0, 1]),
    "logspace": lambda m, v: m.logspace(v[0, 0], v[1, 1], 5),
    "logspace base": lambda m, v: m.logspace(0.5, 2.0, 4, base=v[0, 1]),
    "geomspace": lambda m, v: m.geomspace(v[0, 0], v[1, 1], 5),
    "geomspace negative": lambda m, v: m.geomspace(-v[0, 0], -v[1, 1], 4, endpoint=False),
    "matvec": lambda m, v: m.matvec(v, v[0]),
    "vecmat": lambda m, v: m.vecmat(v[:, 0], v),
    "rollaxis": lambda m, v: m.rollaxis(m.reshape(v, (3, 2, 2)), 2, 1),
    "permute_dims": lambda m, v: m.permute_dims(m.reshape(v, (3, 2, 2)), (2, 0, 1)),
    "concat": lambda m, v: m.concat([v, v[:1]], axis=0),
    "acos asin atan": lambda m, v: m.acos(v / 3) + m.asin(v / 3) + m.atan(v),
    "acosh asinh atanh atan2 pow": lambda m, v: (m.acosh(v + 1) + m.asinh(v) + m.atanh(v / 3)
                                                 + m.atan2(v, v[0]) + m.pow(v, 1.5)),
}


#: np.vectorize is a class: it cannot hand a Tensor to tensorgrad (it refuses it clearly)
NOT_THROUGH_NUMPY = {"vectorize", "vectorize signature", "vectorize matrix out"}


@pytest.mark.parametrize("name", list(CASES))
def test_values_and_gradients_against_numpy_and_jax(name):
    f = CASES[name]
    through_np = name not in NOT_THROUGH_NUMPY
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        want = f(np, X)
        if through_np:
            np.testing.assert_allclose(np.asarray(f(np, tg.Tensor(X))), want, rtol=1e-13, atol=1e-14)
        else:
            with pytest.raises(TypeError, match="traced value|converting"):
                tg.grad(lambda v: tg.sum(f(np, v)))(X)
        np.testing.assert_allclose(np.asarray(f(tg, X)), want, rtol=1e-13, atol=1e-14)
        w = np.random.default_rng(0).normal(size=np.shape(want))
        g = tg.grad(lambda v: tg.sum(f(tg, v) * w))(X)
        ref = jax.jit(jax.grad(lambda v: jnp.sum(f(jnp, v) * w)))(jnp.asarray(X))
        np.testing.assert_allclose(g, np.asarray(ref), rtol=1e-10, atol=1e-12)
        if through_np:  # np.* on a traced value takes the same path
            g2 = tg.grad(lambda v: tg.sum(f(np, v) * w))(X)
            np.testing.assert_allclose(g2, g, rtol=1e-14, atol=1e-15)
        # tg.jit: traced once, replayed on new values (polydiv keeps its remainder's leading
        # entries there, as jnp.polydiv: the trailing ones compared here are the same)
        jitted = tg.jit(tg.grad(lambda v: tg.sum(f(tg, v) * w)))
        np.testing.assert_allclose(jitted(X * 1.1), tg.grad(lambda v: tg.sum(f(tg, v) * w))(X * 1.1),
                                   rtol=1e-12, atol=1e-14)


# (function, where each output entry comes from: an index into X.ravel(), by value)
SETS = {
    "intersect1d": (lambda m, v: m.intersect1d(v, Y), lambda out: [_first(X.ravel(), o) for o in out]),
    "intersect1d traced second": (lambda m, v: m.intersect1d(Y, v), lambda out: []),
    "union1d": (lambda m, v: m.union1d(v[0], v[1:]), lambda out: [_first(X.ravel(), o) for o in out]),
    "setdiff1d": (lambda m, v: m.setdiff1d(v, Y), lambda out: [_first(X.ravel(), o) for o in out]),
    "setdiff1d unique": (lambda m, v: m.setdiff1d(v[0, 1:], Y, assume_unique=True),
                         lambda out: [1 + _first(X[0, 1:], o) for o in out]),
    "setxor1d": (lambda m, v: m.setxor1d(v[:2], v[1:]),
                 lambda out: [_first(np.r_[X[:2].ravel(), X[1:].ravel()], o) for o in out]),
}


def _first(a, value):
    i = int(np.flatnonzero(a == value)[0])
    return i if a.size != 16 or i < 8 else i - 4  # setxor1d's second half starts at X[1]


@pytest.mark.parametrize("name", list(SETS))
def test_set_functions_values_and_where_the_gradient_goes(name):
    # each output is an input entry; its gradient goes to the first occurrence (for
    # intersect1d, the one in ar1). (jax.numpy's set functions return a zero gradient.)
    f, sources = SETS[name]
    want = f(np, X)
    np.testing.assert_array_equal(np.asarray(f(np, tg.Tensor(X))), want)
    np.testing.assert_array_equal(np.asarray(f(tg, X)), want)
    w = np.random.default_rng(0).normal(size=want.shape)
    expect = np.zeros(X.size)
    for k, src in enumerate(sources(want)):
        expect[src] += w[k]
    g = tg.grad(lambda v: tg.sum(f(tg, v) * w))(X)
    np.testing.assert_array_equal(g, expect.reshape(X.shape))
    np.testing.assert_array_equal(tg.jacfwd(lambda v: tg.sum(f(tg, v) * w))(X), g)


def test_partition_is_numpys_arrangement_and_differentiates_through_it():
    rng = np.random.default_rng(1)
    a = rng.integers(0, 5, size=(4, 9)).astype(float)  # many ties
    for kth, axis in [(3, -1), ((1, 6), 1), (2, 0), (4, None)]:
        want = np.partition(a, kth, axis=axis)
        got = tg.partition(tg.Tensor(a), kth, axis=axis)
        np.testing.assert_array_equal(np.asarray(got), want)
        np.testing.assert_array_equal(np.asarray(np.partition(tg.Tensor(a), kth, axis=axis)), want)
    # the gradient goes to the entry each output came from: distinct values make it a permutation
    b = rng.permutation(36).reshape(4, 9) * 0.1
    w = rng.normal(size=b.shape)
    g = tg.grad(lambda v: tg.sum(tg.partition(v, 4, axis=1) * w))(b)
    src = np.argsort(np.argsort(b, axis=1), axis=1)  # rank of each entry
    out_rank = np.argsort(np.argsort(np.partition(b, 4, axis=1), axis=1), axis=1)
    want_g = np.empty_like(b)
    for i in range(4):
        for j in range(9):
            want_g[i, j] = w[i][list(out_rank[i]).index(src[i, j])]
    np.testing.assert_allclose(g, want_g)


def test_set_functions_return_numpys_indices_and_refuse_nothing_silently():
    v = tg.Tensor(X)
    vals, i1, i2 = tg.intersect1d(v, Y, return_indices=True)
    nv, n1, n2 = np.intersect1d(X, Y, return_indices=True)
    np.testing.assert_array_equal(np.asarray(vals), nv)
    np.testing.assert_array_equal(i1, n1)
    np.testing.assert_array_equal(i2, n2)
    assert tg.array_equiv(v, X) and tg.array_equiv(v[0], np.tile(X[0], (2, 1)))
    assert not tg.array_equiv(v, X + 1)
    # data-dependent output shapes cannot be staged: a clear error, as jax.jit gives
    with pytest.raises(tg.ConcretizationError):
        tg.jit(lambda a: tg.union1d(a, Y))(X)


def test_polyfit_full_and_errors():
    x, y = X[0], X[1]
    c, res, rank, sv, rcond = tg.polyfit(tg.Tensor(x), y, 2, full=True)
    nc, nres, nrank, nsv, nrcond = np.polyfit(x, y, 2, full=True)
    np.testing.assert_allclose(np.asarray(c), nc, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(res), nres, rtol=1e-10, atol=1e-14)
    assert rank == nrank and rcond == nrcond
    np.testing.assert_allclose(np.asarray(sv), nsv, rtol=1e-12)
    np.testing.assert_allclose(np.asarray(tg.polyfit(tg.Tensor(x), y, 1, cov=True)[1]),
                               np.polyfit(x, y, 1, cov=True)[1], rtol=1e-10, atol=1e-14)
    with pytest.raises(TypeError, match="same length"):
        tg.polyfit(tg.Tensor(x), Y, 1)


def test_vectorize_options():
    calls = []

    @tg.vectorize
    def f(a, b):
        calls.append(1)
        return a * b, a + b

    p, s = f(tg.Tensor(X), 2.0)
    np.testing.assert_allclose(np.asarray(p), X * 2)
    np.testing.assert_allclose(np.asarray(s), X + 2)
    assert len(calls) == X.size
    # excluded arguments pass through unchanged (here a list, not broadcast)
    h = tg.vectorize(lambda a, coeffs: tg.polyval(coeffs, a), excluded={1})
    np.testing.assert_allclose(np.asarray(h(tg.Tensor(X), [1.0, 2.0])), np.polyval([1.0, 2.0], X))
    # a traced value closed over by the function keeps its gradient
    g = tg.grad(lambda c: tg.sum(tg.vectorize(lambda a: a * c)(X)))(2.0)
    np.testing.assert_allclose(g, X.sum())
    with pytest.raises(ValueError, match="inconsistent size"):
        tg.vectorize(lambda a, b: a @ b, signature="(n),(n)->()")(X, Y)
    with pytest.raises(ValueError, match="signature"):
        tg.vectorize(lambda a: a, signature="(n)->(n")(X)
    # under tg.jit: one trace, replayed on new values
    k = tg.jit(tg.grad(lambda v: tg.sum(tg.vectorize(lambda a: tg.sin(a) * a)(v))))
    np.testing.assert_allclose(k(X * 1.1), np.sin(X * 1.1) + X * 1.1 * np.cos(X * 1.1), rtol=1e-13)


def test_out_of_place_fill_diagonal_and_put_along_axis():
    sq = X[:, :3]
    for val, wrap, a in [(5.0, False, sq), (np.array([1.0, 2.0]), False, X), (7.0, True, np.ones((7, 3)))]:
        want = a.copy()
        np.fill_diagonal(want, val, wrap=wrap)
        got = tg.fill_diagonal(tg.Tensor(a), val, wrap=wrap, inplace=False)
        np.testing.assert_array_equal(np.asarray(got), want)
        if not wrap:  # (jax.numpy has no wrap=True)
            ref = jnp.fill_diagonal(jnp.asarray(a), val, wrap=wrap, inplace=False)
            np.testing.assert_array_equal(np.asarray(ref), want)
    w = np.random.default_rng(2).normal(size=X.shape)
    ga, gv = tg.grad(lambda a, v: tg.sum(tg.fill_diagonal(a, v, inplace=False) * w),
                     argnums=(0, 1))(X, np.array([1.0, 2.0]))
    ja, jv = jax.jit(jax.grad(lambda a, v: jnp.sum(jnp.fill_diagonal(a, v, inplace=False) * w),
                      argnums=(0, 1)))(jnp.asarray(X), jnp.asarray([1.0, 2.0]))
    np.testing.assert_allclose(ga, ja)
    np.testing.assert_allclose(gv, jv)
    idx = np.array([[1], [3], [0]])
    want = X.copy()
    np.put_along_axis(want, idx, -1.0, axis=1)
    np.testing.assert_array_equal(np.asarray(tg.put_along_axis(tg.Tensor(X), idx, -1.0, 1, inplace=False)),
                                  want)
    ga, gv = tg.grad(lambda a, v: tg.sum(tg.put_along_axis(a, idx, v, 1, inplace=False) * w),
                     argnums=(0, 1))(X, np.array([[1.0], [2.0], [3.0]]))
    ja, jv = jax.jit(jax.grad(lambda a, v: jnp.sum(jnp.put_along_axis(a, idx, v, 1, inplace=False) * w),
                      argnums=(0, 1)))(jnp.asarray(X), jnp.asarray([[1.0], [2.0], [3.0]]))
    np.testing.assert_allclose(ga, ja)
    np.testing.assert_allclose(gv, jv)
    for fn in (lambda: tg.fill_diagonal(tg.Tensor(sq), 1.0),
               lambda: tg.put_along_axis(tg.Tensor(X), idx, 1.0, 1)):
        with pytest.raises(ValueError, match="inplace=False"):
            fn()


def test_out_of_place_put_and_place():
    x = np.arange(6.0)
    for ind, v, mode in [([0, -1], [9.0, 8.0], None), ([1, 7], [5.0], "wrap"), ([-3, 9], [5.0, 6.0], "clip")]:
        want = x.copy()
        np.put(want, ind, v, mode=mode or "raise")
        np.testing.assert_array_equal(np.asarray(tg.put(tg.Tensor(x), ind, v, mode=mode, inplace=False)), want)
    ref = jax.jit(jax.grad(lambda a, v: jnp.sum(jnp.put(a, jnp.array([0, 2]), v, inplace=False) ** 2),
                   argnums=(0, 1)))(jnp.asarray(x), jnp.asarray([3.0, 4.0]))
    got = tg.grad(lambda a, v: tg.sum(tg.put(a, [0, 2], v, inplace=False) ** 2), argnums=(0, 1))(
        x, np.array([3.0, 4.0]))
    for g, r in zip(got, ref):
        np.testing.assert_allclose(g, r)
    with pytest.raises(IndexError, match="out of bounds"):
        tg.put(tg.Tensor(x), [6], 1.0, inplace=False)
    want = x.copy()
    np.place(want, x > 2, [1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(tg.place(tg.Tensor(x), x > 2, [1.0, 2.0], inplace=False)), want)
    g = tg.grad(lambda v: tg.sum(tg.place(x, x > 2, v, inplace=False) ** 2))(np.array([1.0, 2.0]))
    np.testing.assert_allclose(g, [4.0, 4.0])  # 1.0 lands twice, 2.0 once: 2·1·2 and 2·2·1
    for fn in (lambda: np.put(tg.Tensor(x), [0], 1.0), lambda: np.place(tg.Tensor(x), x > 2, 1.0)):
        with pytest.raises(ValueError, match="inplace=False"):
            fn()


def test_r_and_c_join_traced_values_like_numpy():
    x = X[0]
    for key in [(x, 0.5, x[:2]), ("0,2", x, x), ("0,2,0", x, x), ("1,2", x, x), (x, slice(0, 3)),
                (x, slice(0, 1, 3j)), (np.float32(1.5), x.astype(np.float32))]:
        traced = tuple(tg.Tensor(k) if isinstance(k, np.ndarray) else k for k in key)
        got, want = tg.r_[traced], np.r_[key]
        assert np.asarray(got).dtype == want.dtype
        np.testing.assert_array_equal(np.asarray(got), want)
    np.testing.assert_array_equal(np.asarray(tg.c_[tg.Tensor(x), x]), np.c_[x, x])
    np.testing.assert_array_equal(np.asarray(tg.c_[tg.Tensor(X), X]), np.c_[X, X])
    g = tg.grad(lambda v: tg.sum(tg.r_[v, 2.0, v] ** 2) + tg.sum(tg.c_[v, v]))(x)
    np.testing.assert_allclose(g, 4 * x + 2)
    assert tg.r_[1:4].tolist() == [1, 2, 3]  # nothing traced: NumPy's own


def test_shape_index_and_dtype_names():
    t = tg.Tensor(X)
    assert tg.shape(t) == (3, 4) and tg.ndim(t) == 2 and tg.size(t) == 12 and tg.size(t, 1) == 4
    cube = np.zeros((2, 3, 4))
    for axis, n in [((0, 2), 8), ((), 1), ((-1, 0), 8), (-2, 3)]:  # NumPy 2's size: the product over the axes
        assert tg.size(cube, axis) == n, axis
    with pytest.raises(np.exceptions.AxisError, match="size: axis 3"):
        tg.size(cube, 3)
    with pytest.raises(ValueError, match="size: repeated axis"):
        tg.size(cube, (1, -2))
    assert tg.shape([[1, 2, 3]]) == (1, 3)
    seen = []

    @tg.jit
    def f(v):
        seen.append((tg.shape(v), tg.ndim(v), tg.size(v)))
        return v * tg.size(v)
    np.testing.assert_allclose(f(X), X * 12)
    assert seen == [((3, 4), 2, 12)]
    for name in ["tril_indices", "triu_indices"]:  # NumPy's (PyTorch's with its keywords)
        for got, want in zip(getattr(tg, name)(4, -1, 5), getattr(np, name)(4, -1, 5)):
            np.testing.assert_array_equal(got, want)
    for name in ["diag_indices", "indices", "unravel_index",
                 "hamming", "hanning", "bartlett", "blackman",
                 "finfo", "iinfo", "result_type", "promote_types", "can_cast", "issubdtype",
                 "broadcast_shapes", "mgrid", "ogrid", "s_", "index_exp"]:
        assert getattr(tg, name) is getattr(np, name), name
    # NumPy's, with JAX's extra keywords (dtype=, size=)
    idx = (np.array([0, 1, 1]), np.array([2, 0, 1]))
    np.testing.assert_array_equal(tg.ravel_multi_index(idx, (2, 3)), np.ravel_multi_index(idx, (2, 3)))
    for got, want in zip(tg.mask_indices(3, np.triu, 1), np.mask_indices(3, np.triu, 1)):
        np.testing.assert_array_equal(got, want)
    assert tg.result_type(t, np.float32) == np.float64
    assert tg.float_ == np.float64 and tg.int_ == np.int_ and tg.float_ is tg.float64 and tg.euler_gamma == np.euler_gamma
    assert tg.gcd(np.array([12, 18]), 8).tolist() == [4, 2] and tg.lcm(4, 6) == 12
    assert (tg.Tensor(np.array([1, 2])) << 2).tolist() == [4, 8]
    assert tg.bitwise_invert(np.array([True])).tolist() == [False]


def test_fromfunction_and_apply_under_grad():
    g = tg.grad(lambda c: tg.sum(tg.fromfunction(lambda i, j: c * i + j, (2, 3))))(2.0)
    np.testing.assert_allclose(g, np.fromfunction(lambda i, j: i, (2, 3)).sum())
    assert tg.fromfunction(lambda i, j: i + j, (2, 2), dtype=int).tolist() == [[0, 1], [1, 2]]
    with pytest.raises(ValueError, match="size 0"):
        tg.apply_along_axis(tg.sum, 1, tg.Tensor(np.ones((0, 3))))


def test_tensor_array_attributes_and_methods():
    a = np.arange(6.0).reshape(2, 3)
    t = tg.Tensor(a)
    assert (t.itemsize, t.nbytes, t.device) == (a.itemsize, a.nbytes, "cpu")
    assert t.to_device("cpu") is t and t.block_until_ready() is t
    with pytest.raises(ValueError, match="CPU"):
        t.to_device("gpu")
    assert 4.0 in t and 9.0 not in t
    np.testing.assert_array_equal(np.asarray(t.compress([True, False, True], axis=1)),
                                  a.compress([True, False, True], axis=1))
    idx = np.array([0, 1, 0])
    np.testing.assert_array_equal(np.asarray(tg.Tensor(idx).choose([a[0], a[1]])), idx.choose([a[0], a[1]]))
    g = tg.grad(lambda x: tg.sum(x.compress([True, False], axis=0) ** 2))(a)
    np.testing.assert_array_equal(g, np.r_[[2 * a[0]], [np.zeros(3)]])


def test_trim_zeros_in_any_dimension_and_clip_without_bounds():
    cases = [(np.array([0, 0, 1.0, 2, 0]), {}), (np.array([0, 0, 1.0, 2, 0]), {"trim": "f"}),
             (np.array([[0, 0, 0], [0, 1.0, 2], [0, 0, 0]]), {}),
             (np.array([[0, 0, 0], [0, 1.0, 2], [0, 0, 0]]), {"axis": 0}),
             (np.array([[0, 0, 0], [0, 1.0, 2], [0, 0, 0]]), {"axis": -1, "trim": "b"}),
             (np.zeros((2, 3)), {})]
    for a, kw in cases:
        want = np.trim_zeros(a, **kw)
        got = np.asarray(tg.trim_zeros(tg.Tensor(a), **kw))
        assert got.shape == want.shape and np.array_equal(got, want), kw
    a = cases[2][0]
    g = tg.grad(lambda v: tg.sum(tg.trim_zeros(v) * 3))(a)
    np.testing.assert_array_equal(g, np.r_[[np.zeros(3)], [[0.0, 3.0, 3.0]], [np.zeros(3)]])
    x = np.arange(3.0)
    np.testing.assert_array_equal(tg.clip(x), np.clip(x))  # no bounds: x itself (NumPy 2)
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.clip(v)))(x), np.ones(3))


def test_file_buffer_and_print_helpers_are_numpys_and_refuse_traced_values(tmp_path):
    for name in ("savez", "savez_compressed", "fromfile", "frombuffer", "fromiter",
                 "fromstring", "printoptions", "get_printoptions", "set_printoptions"):
        assert getattr(tg, name) is getattr(np, name)
    # (tg.save and tg.load are NumPy's, and PyTorch's save(obj, f) / load(f): test_serialization;
    # tg.load has a clearer message for a pickled file: test_clear_errors)
    tg.save(tmp_path / "a.npy", np.arange(3.0))
    np.testing.assert_array_equal(tg.load(tmp_path / "a.npy"), np.arange(3.0))
    with pytest.raises(TypeError, match=r"numpy.save: a Tensor .* t.detach\(\)"):
        tg.grad(lambda v: (tg.save(tmp_path / "b.npy", v), tg.sum(v))[1])(np.ones(2))
    with pytest.raises(TypeError, match=r"numpy.savetxt: a Tensor .* t.detach\(\)"):
        np.savetxt(tmp_path / "c.txt", tg.tensor([1.0], requires_grad=True))
