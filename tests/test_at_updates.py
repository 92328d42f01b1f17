"""Functional index updates, ``t.at[index].<method>(values)``, against NumPy and JAX.

Values follow NumPy: ``set`` is ``a[index] = v`` (the last write wins on a
repeated entry) and the other methods are ``np.<ufunc>.at`` (every write
applied in turn). Gradients, with respect to the array and the values, are
compared with ``jax.grad`` where JAX has a rule; JAX has none for
``multiply``/``divide``/``power`` unless told the entries are unique, and
there forward and reverse mode are compared with each other and with central
differences.
"""
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(7)
X = RNG.uniform(0.5, 2.0, size=(4, 5))

INDICES = {
    "scalar": (1, 2),
    "column": (slice(None), 0),
    "repeats": (np.array([0, 2, 0]), np.array([1, 1, 1])),
    "mask": (X > 1.2,),
    "ellipsis": (Ellipsis, np.array([4, 0, 4, 4])),
    "rows": (slice(1, 3),),
    "row twice": (np.array([3, 3]),),
}
UFUNCS = {"add": np.add, "multiply": np.multiply, "divide": np.divide, "power": np.power,
          "min": np.minimum, "max": np.maximum}


def _numpy(method, idx, v):
    out = X.copy()
    if method == "set":
        out[idx] = v
    else:
        UFUNCS[method].at(out, idx, np.broadcast_to(v, X[idx].shape))
    return out


def _repeats(idx) -> bool:
    pos = np.arange(X.size).reshape(X.shape)[idx].ravel()
    return len(np.unique(pos)) < pos.size


@pytest.mark.parametrize("method", ["set", "add", "multiply", "divide", "power", "min", "max"])
@pytest.mark.parametrize("name", list(INDICES))
def test_at_matches_numpy_values_and_jax_gradients(name, method):
    idx = INDICES[name]
    v = RNG.uniform(0.5, 1.5, size=X[idx].shape)
    w = RNG.normal(size=X.shape)
    np.testing.assert_allclose(np.asarray(getattr(tg.Tensor(X).at[idx], method)(v)),
                               _numpy(method, idx, v), rtol=1e-15)

    def loss(a, b):
        return tg.sum(getattr(tg.at(a)[idx], method)(b) * w)

    g = tg.grad(loss, argnums=(0, 1))(X, v)
    try:
        want = jax.jit(jax.grad(lambda a, b: jnp.sum(getattr(a.at[idx], method)(b) * w), argnums=(0, 1)))(X, v)
    except NotImplementedError:  # JAX: no scatter_mul gradient unless told the entries are unique
        assert method in ("multiply", "divide", "power")
        want = (tg.jacfwd(loss, argnums=0)(X, v), tg.jacfwd(loss, argnums=1)(X, v))
        e = np.zeros(v.shape)
        e.flat[0] = 1e-6
        fd = (loss(X, v + e) - loss(X, v - e)) / 2e-6
        assert abs(float(fd) - g[1].flat[0]) < 1e-6 * max(1.0, abs(float(fd)))
    np.testing.assert_allclose(g[0], want[0], rtol=1e-12, atol=1e-14)
    if not (method == "set" and _repeats(idx)):  # which repeated write wins is JAX's choice
        np.testing.assert_allclose(g[1], want[1], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tg.jit(tg.grad(loss))(X, v), g[0], rtol=1e-13, atol=1e-14)


def test_at_set_keeps_the_last_write_and_its_gradient():
    # NumPy's a[[1, 1]] = [5, 7] leaves 7: only the second value reaches the output
    g = tg.grad(lambda v: tg.sum(tg.at(np.zeros(3))[np.array([1, 1])].set(v) * 2.0))(np.array([5.0, 7.0]))
    np.testing.assert_array_equal(g, [0.0, 2.0])
    np.testing.assert_array_equal(np.asarray(tg.at(np.zeros(3))[np.array([1, 1])].set([5.0, 7.0])),
                                  [0.0, 7.0, 0.0])


def test_at_scalar_values_apply_get_and_second_order():
    x = X[0]
    np.testing.assert_allclose(np.asarray(tg.Tensor(x).at[1:3].get()), x[1:3])
    # apply runs once per occurrence, as np.sin.at and JAX's apply do
    ref = x.copy()
    np.sin.at(ref, [1, 1])
    out = tg.at(x)[np.array([1, 1])].apply(tg.sin)
    np.testing.assert_allclose(np.asarray(out), ref)
    np.testing.assert_allclose(np.asarray(out), np.asarray(jnp.asarray(x).at[np.array([1, 1])].apply(jnp.sin)))
    g = tg.grad(lambda t: tg.sum(t.at[np.array([1, 1])].apply(tg.sin)))(x)
    np.testing.assert_allclose(g[1], np.cos(np.sin(x[1])) * np.cos(x[1]))
    f = lambda t: tg.sum(t.at[np.array([0, 2])].multiply(t[1]) ** 2)  # noqa: E731
    jf = lambda t: jnp.sum(t.at[np.array([0, 2])].multiply(t[1], unique_indices=True) ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.hessian(f)(x), jax.jit(jax.hessian(jf))(x), rtol=1e-12)
    # nothing indexed: an equal array, never the caller's own
    a = np.ones(3)
    same = tg.at(a)[np.array([], dtype=int)].set(2.0)
    assert same is not a and np.array_equal(same, a)
    # a float32 array keeps its dtype, as NumPy's assignment does
    out32 = tg.at(x.astype(np.float32))[0].add(1.0)
    assert np.asarray(out32).dtype == np.float32


def test_at_under_jit_and_its_errors():
    f = tg.jit(lambda v: v.at[0, 1].set(9.0).at[1, np.array([1, 1])].add(v[0, 1:3]))
    for x in (X[:2, :3], X[:2, :3] + 1):
        want = np.asarray((lambda v: v.at[0, 1].set(9.0).at[1, np.array([1, 1])].add(v[0, 1:3]))(jnp.asarray(x)))
        np.testing.assert_allclose(f(x), want)
    t = tg.Tensor(X)
    with pytest.raises(IndexError, match=r"at\[\.\.\.\]\.set: index 9 is out of bounds .* shape \(4, 5\)"):
        t.at[9].set(1.0)
    with pytest.raises(ValueError, match=r"values of shape \(3,\) cannot be broadcast to the indexed shape \(5,\)"):
        t.at[0].set(np.ones(3))
    with pytest.raises(ValueError, match=r"mode must be one of .*got 'wrap'"):
        t.at[0].set(1.0, mode="wrap")
    with pytest.raises(TypeError, match=r"unexpected keyword\(s\) \['foo'\]"):
        t.at[0].add(1.0, foo=1)
    # an index array that tg.jit traces: set, add, subtract, min and max (as JAX); the
    # combiners whose repeats need a write order raise
    np.testing.assert_array_equal(tg.jit(lambda v, i: v.at[i].set(0.0))(X, np.array([0])),
                                  np.asarray(jnp.asarray(X).at[np.array([0])].set(0.0)))
    with pytest.raises(NotImplementedError, match="supports set, add, subtract, min and max"):
        tg.jit(lambda v, i: v.at[i].multiply(2.0))(X, np.array([0]))
    t[0] = 1.0  # a constant tensor takes item assignment, as PyTorch's does
    np.testing.assert_array_equal(t.numpy()[0], np.ones(5))
    np.testing.assert_array_equal(t.numpy()[1:], X[1:])

    def write(v):
        v[0] = 1.0  # a value a transform traces stays immutable, as JAX's
        return v
    for transform in (tg.jit, tg.grad):
        with pytest.raises(TypeError, match=r"immutable.*\.at\[index\]\.set\(value\)"):
            transform(lambda v: tg.sum(write(v)))(X)


@pytest.mark.parametrize("mode", ["clip", "drop", "fill"])
@pytest.mark.parametrize("wrap", [True, False])
def test_out_of_bounds_modes_match_jax(mode, wrap):
    x = X[:3, :4]
    idx = (np.array([1, 7, -1, -9]), slice(1, None))
    for name in ("set", "add", "subtract", "multiply", "max", "min"):
        def f(m, v, name=name):
            at = tg.at(v) if m is tg else v.at
            return getattr(at[idx], name)(m.sin(v[0, 1:]) + 2.0, mode=mode, wrap_negative_indices=wrap)
        np.testing.assert_allclose(f(tg, x), f(jnp, jnp.asarray(x)), rtol=1e-12)
        if name in ("add", "subtract", "max", "min") and not (mode == "clip" and name in ("max", "min")):
            # (not multiply: JAX differentiates scatter_mul only for unique indices; not set, nor
            # clipped max/min: clipping repeats an entry, and which write wins is JAX's choice)
            got = tg.jacrev(lambda v: f(tg, v))(x)
            want = np.asarray(jax.jit(jax.jacrev(lambda v: f(jnp, v)))(x))
            assert np.isfinite(got).all()
            ok = np.isfinite(want)  # JAX's scatter-max/min Jacobians hold NaNs at dropped entries
            np.testing.assert_allclose(got[ok], want[ok], rtol=1e-12, atol=1e-15)
    def g(v):
        return tg.at(v)[idx].get(mode=mode, fill_value=-3.0, wrap_negative_indices=wrap)
    np.testing.assert_allclose(g(x), jnp.asarray(x).at[idx].get(mode=mode, fill_value=-3.0,
                                                               wrap_negative_indices=wrap))
    np.testing.assert_allclose(tg.jacfwd(g)(x), jax.jit(jax.jacfwd(
        lambda v: v.at[idx].get(mode=mode, fill_value=-3.0, wrap_negative_indices=wrap)))(x))
    if mode == "fill":  # NaN by default for floats, the most negative integer for ints
        assert np.isnan(np.asarray(x).copy()[0, 0] + tg.at(x)[7].get(mode="fill")).all()
        assert tg.at(np.arange(3))[np.array([5])].get(mode="fill")[0] == np.iinfo(np.int64).min


@pytest.mark.filterwarnings("ignore::FutureWarning")  # JAX's, for a float update of an int array
def test_integer_arrays_combine_before_casting_back_as_jax():
    xi = np.array([3, -3, 5])
    idx = np.array([0, 1, 2])
    for name, v in [("add", -2.7), ("multiply", 2.7), ("min", 2.5), ("set", 2.7), ("subtract", 0.6)]:
        want = getattr(jnp.asarray(xi).at[idx], name)(v)
        got = getattr(tg.at(xi)[idx], name)(v)
        assert got.dtype == xi.dtype
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(tg.at(np.arange(6))[np.array([1, 3, 1])].add(2.7), [0, 6, 2, 5, 4, 5])
    assert tg.at(xi)[idx].divide(2.0).dtype == np.float64  # true division of integers: floats


def test_boolean_update_values_count_every_repeat_and_scalar_bools_take_no_axis():
    x = np.zeros(4)
    idx = np.array([0, 0, 2])
    want = np.asarray(jnp.asarray(x).at[idx].add(np.array([True, True, True])))
    np.testing.assert_array_equal(tg.at(x)[idx].add(np.array([True, True, True])), want)
    np.testing.assert_array_equal(tg.at(np.zeros(4, int))[idx].add(True), [2, 0, 1, 0])
    np.testing.assert_array_equal(tg.at(x)[idx].subtract(True), -want)
    y = np.arange(120.0).reshape(4, 5, 6)
    for index in [(True, Ellipsis, 0), (np.True_, Ellipsis, 0), (Ellipsis, False, 1)]:
        np.testing.assert_array_equal(tg.tensor(y)[index].numpy(), y[index])
        w = np.arange(y[index].size, dtype=float).reshape(y[index].shape)
        want_g = np.zeros_like(y)
        np.add.at(want_g, index, w)
        np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(v[index] * w))(y), want_g)
    for mode in ("clip", "drop"):
        ref = y.copy()
        ref[True, ..., 0] += 1
        np.testing.assert_array_equal(tg.at(y)[True, ..., 0].add(1.0, mode=mode), ref)
    for index in [(0, slice(None), True), (np.array([0, 1]), slice(None), np.True_)]:
        exact = np.zeros(y[index].shape + y.shape)
        for k in np.ndindex(y[index].shape):
            e = np.zeros(y[index].shape)
            e[k] = 1
            np.add.at(exact[k], index, e)
        np.testing.assert_array_equal(tg.jacrev(lambda v: v[index])(y), exact)
        np.testing.assert_array_equal(tg.jacfwd(lambda v: v[index])(y), exact)


def test_updates_at_index_arrays_that_jit_traces_match_jax():
    # x.at[idx] with idx an argument of the jitted function raised NotImplementedError (only
    # integer scalars were traced); put, put_along_axis, choose and jax.ops.segment_* with
    # traced indices (message passing over a graph given as data) raised ConcretizationError
    x = np.arange(12.0).reshape(3, 4)
    W = x + 1.0
    cases = [((np.array([0, 2, 0]),), np.arange(12.0).reshape(3, 4) + 1),
             ((np.array([1, 1, 2]), np.array([0, 0, 3])), np.array([5.0, 6.0, 7.0])),
             ((slice(None), np.array([3, 3, -1])), np.full((3, 3), 2.0))]
    for index, v in cases:
        arrays = [i for i in index if isinstance(i, np.ndarray)]

        def rebuilt(arrs):
            it = iter(arrs)
            return tuple(next(it) if isinstance(i, np.ndarray) else i for i in index)
        for op in ("set", "add", "subtract", "max", "min"):
            def f(a, u, *arrs):
                return getattr(tg.at(a)[rebuilt(arrs)], op)(u)

            def fj(a, u):
                return getattr(jnp.asarray(a).at[index], op)(u)
            np.testing.assert_array_equal(tg.jit(f)(x, v, *arrays), fj(x, v))
            got = tg.jit(tg.grad(lambda a, u, *arrs: tg.sum(f(a, u, *arrs) * W), argnums=(0, 1)))(x, v, *arrays)
            want = jax.grad(lambda a, u: jnp.sum(fj(a, u) * W), argnums=(0, 1))(x, v)
            for g, w in zip(got, want):
                np.testing.assert_allclose(g, w, rtol=1e-14, atol=1e-12)
    with pytest.raises(IndexError, match="index 5 is out of bounds for axis 0 with size 3"):
        tg.jit(lambda a, i: tg.at(a)[i].set(1.0))(np.arange(3.0), np.array([5]))
    np.testing.assert_array_equal(tg.jit(lambda a, i: tg.at(a)[i].add(1.0, mode="drop"))(
        np.zeros(3), np.array([5, 1, 1])), [0.0, 2.0, 0.0])
    d = np.array([[1.0, 2.0], [0.0, 3.0], [2.0, 2.0], [4.0, -1.0]])
    s = np.array([0, 0, 1, 1])
    np.testing.assert_array_equal(tg.jit(lambda a, i: tg.put(a, i, 9.0, inplace=False))(d, s),
                                  jnp.put(d, s, 9.0, inplace=False))
    rows = np.array([[0], [1], [1], [0]])
    np.testing.assert_array_equal(
        tg.jit(lambda a, i: tg.put_along_axis(a, i, 9.0, axis=1, inplace=False))(d, rows),
        jnp.put_along_axis(d, rows, 9.0, axis=1, inplace=False))
    pick = np.array([0, 1, 1, 0])
    np.testing.assert_array_equal(tg.jit(lambda a, i: tg.choose(i, [a[:, 0], a[:, 1]], mode="clip"))(d, pick),
                                  jnp.choose(pick, [d[:, 0], d[:, 1]], mode="clip"))
    for name in ("segment_sum", "segment_max", "segment_min", "segment_prod"):
        for ids in (s, np.array([2, 0, -1, 7])):
            got = tg.jit(lambda a, i: getattr(tg.ops, name)(a, i, num_segments=3))(d, ids)
            np.testing.assert_array_equal(got, getattr(jax.ops, name)(d, ids, num_segments=3))
            if name != "segment_prod":  # (an empty segment holds ±inf: left out of the loss)
                def loss(m, a, i):
                    y = getattr(m.ops, name)(a, i, num_segments=3)
                    return m.numpy.sum(m.numpy.where(m.numpy.isfinite(y), y, 0.0) * (d[:3] + 2.0))
                g = tg.jit(tg.grad(lambda a, i: loss(tg, a, i)))(d, ids)
                np.testing.assert_allclose(g, jax.grad(lambda a: loss(jax, a, ids))(d), rtol=1e-14)
    with pytest.raises(Exception, match="need num_segments"):
        tg.jit(lambda a, i: tg.ops.segment_sum(a, i))(d, s)


def test_traced_extreme_updates_keep_infinite_entries():
    # under tg.grad, an update at traced index arrays added (moved − stop_gradient(moved)) to
    # the extremes, and an infinite entry made that inf − inf: NaN values (and a warning)
    x = np.array([-np.inf, 1.0, 2.0, np.inf])
    i = np.array([1, 2])
    for op, v in (("max", np.array([3.0, -np.inf])), ("min", np.array([np.inf, 0.5]))):
        def f(a, j):
            y = getattr(a.at[j], op)(v)
            return tg.sum(tg.where(tg.isfinite(y), y * np.arange(1.0, 5.0), 0.0))
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            got = tg.jit(tg.value_and_grad(f))(x, i)
        want = tg.value_and_grad(f)(x, i)
        assert np.isfinite(got[0]) and got[0] == want[0]
        np.testing.assert_array_equal(got[1], want[1])


@pytest.mark.parametrize("mode", ["fill", "clip"])
@pytest.mark.parametrize("wrap", [True, False])
def test_get_with_a_mode_and_an_index_array_tg_jit_traces_matches_jax(mode, wrap):
    for a, j in [(np.arange(1.0, 11.0), np.array([3, 12, -1, -11])),
                 (np.arange(12.0).reshape(3, 4), np.array([0, 5, -1, -4]))]:
        def f(x, idx, np_=tg):
            return np_.sum(x.at[idx].get(mode=mode, fill_value=-1.0, wrap_negative_indices=wrap) ** 2)
        got = tg.jit(lambda x, idx: x.at[idx].get(mode=mode, fill_value=-1.0,
                                                   wrap_negative_indices=wrap))(a, j)
        want = jnp.asarray(a).at[j].get(mode=mode, fill_value=-1.0, wrap_negative_indices=wrap)
        np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(tg.jit(tg.grad(f))(a, j),
                                   jax.grad(lambda x, idx: f(x, idx, jnp))(jnp.asarray(a), j), rtol=1e-14)


def test_values_written_nowhere_stay_on_the_trace_with_a_zero_gradient():
    # PyTorch's: y[empty] = v[:0] leaves v.grad zeros, and a constant updated so has a graph
    v = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    x = tg.tensor(np.array([1.0, -0.0, 3.0]), requires_grad=True)
    y = x * 1
    y[np.zeros(3, bool)] = v[:0]
    assert np.signbit(np.asarray(y.detach())).tolist() == [False, True, False]  # (untouched)
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(v.grad), [0.0, 0.0])
    v.grad = None
    z = tg.tensor(np.zeros(3)) * 1
    z.index_add_(0, tg.tensor(np.array([], dtype=np.int64)), v[:0])
    z.sum().backward()
    np.testing.assert_array_equal(np.asarray(v.grad), [0.0, 0.0])
    g = tg.grad(lambda w: tg.sum(tg.numpy.zeros(3).at[np.array([], int)].set(w[:0])))(np.ones(2))
    np.testing.assert_array_equal(g, [0.0, 0.0])
