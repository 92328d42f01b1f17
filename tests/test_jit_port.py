"""Cases from JAX's jit tests that tensorgrad got wrong: outputs aliasing the caller's input,
objects whose arrays would be baked into a plan, negative static_argnums, nested static
tuples, real/imag under jit, and a scalar type as an argument."""
import collections
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)


def test_an_output_is_never_the_callers_input():
    f = tg.jit(lambda v: tg.lax.cond(tg.sum(v) > 0, lambda w: w, lambda w: -w, v))
    f(np.array([-1., -2.]))  # traced on the other branch
    x = np.array([1., 2.])
    r = f(x)
    r[0] = 99.
    assert x.tolist() == [1., 2.] and not np.shares_memory(r, x)
    s = tg.jit(lambda i, v: tg.lax.switch(i, [lambda w: w, lambda w: w * 2], v))
    s(np.int64(1), np.ones(2))
    y = np.ones(2)
    s(np.int64(0), y)[:] += 1
    assert y.tolist() == [1., 1.]
    c = tg.jit(lambda v: tg.pure_callback(lambda a: a, np.zeros(2), v))
    z = np.ones(2)
    c(z)[:] = 7
    assert z.tolist() == [1., 1.]


class _Model:
    def __init__(self, w):
        self.w = w

    def __call__(self, x):
        return x * self.w


def test_an_object_holding_arrays_is_refused_not_baked_in():
    m = _Model(np.array([1., 2.]))
    f = tg.jit(lambda mod, v: mod(v))
    with pytest.raises(TypeError, match="has state"):
        f(m, np.ones(2))
    g = tg.jit(lambda mod, v: mod(v), static_argnums=0)  # baking in, asked for
    assert g(m, np.ones(2)).tolist() == [1., 2.]


class _Slots:
    __slots__ = ("scale",)

    def __init__(self, scale):
        self.scale = scale


class _Stateless:
    pass


def test_any_state_of_an_identity_hashed_argument_is_refused_not_baked_in():
    # a plan keyed by the object's identity would replay the old state after cfg.scale = 5.0:
    # numbers, nested objects, slots, bound methods and partials holding arrays are refused,
    # as JAX refuses them
    x = np.arange(1.0, 4.0)
    cfg = _Model(2.0)
    nested = _Model(_Model(np.ones(3)))
    for fn, arg in ((lambda v, c: v * c.w, cfg), (lambda v, c: v * c.w.w, nested),
                    (lambda v, c: v * c.scale, _Slots(2.0)), (lambda v, f: f(v), _Model(np.ones(3)).__call__),
                    (lambda v, f: f(v), functools.partial(np.multiply, np.ones(3)))):
        with pytest.raises(TypeError, match="has state"):
            tg.jit(fn)(x, arg)
    # stateless leaves stay static: functions, ufuncs, classes, an object without attributes
    assert tg.jit(lambda v, f: f(v))(x, np.negative).tolist() == [-1.0, -2.0, -3.0]
    assert tg.jit(lambda v, t: v.astype(t))(x, np.float32).dtype == np.float32
    assert tg.jit(lambda v, e: v * 2)(x, _Stateless()).tolist() == [2.0, 4.0, 6.0]
    assert tg.jit(lambda v, f: f(v))(x, functools.partial(tg.multiply, 2.0)).tolist() == [2.0, 4.0, 6.0]


def test_negative_static_argnums():
    f = tg.jit(lambda v, n: v * int(n), static_argnums=-1)
    assert f(np.ones(2), np.int64(3)).tolist() == [3., 3.]
    assert f(np.ones(2), np.int64(4)).tolist() == [4., 4.]

    def g(*args):
        return args[0] * int(args[-1])
    assert tg.jit(g, static_argnums=-1)(np.ones(2), np.int64(5)).tolist() == [5., 5.]


def test_nested_static_tuples_keep_types_and_signs():
    xi = np.array([1, 2])
    g = tg.jit(lambda v, s: v * s[0], static_argnums=1)
    g(xi, (2,))
    r = g(xi, (2.0,))
    assert r.dtype == np.float64
    h = tg.jit(lambda v, s: v / s[0], static_argnums=1)
    with np.errstate(divide="ignore"):
        h(np.ones(2), (0.0,))
        assert np.all(h(np.ones(2), (-0.0,)) == -np.inf)


def test_real_imag_and_a_scalar_type_under_jit():
    x = np.array([1., -2.])
    assert tg.jit(tg.real)(x).tolist() == [1., -2.]
    assert tg.jit(tg.imag)(x).tolist() == [0., 0.]
    assert tg.jit(lambda d, v: v.astype(d))(np.float32, x).dtype == np.float32


def _as_tuple(v):
    return v if isinstance(v, tuple) else (v,)


@pytest.mark.parametrize("kw", [dict(size=5), dict(size=5, fill_value=-1.), dict(size=2),
                                dict(size=5, return_index=True, return_inverse=True, return_counts=True),
                                dict(size=2, return_index=True, return_inverse=True, return_counts=True)])
def test_unique_with_size_as_jax(kw):
    x = np.array([3., 1., 3., 2., 1.])
    want = _as_tuple(jnp.unique(x, **kw))
    for got in (tg.unique(x, **kw), tg.jit(lambda v: tg.unique(v, **kw))(x)):
        assert all(np.array_equal(a, b) for a, b in zip(_as_tuple(got), want))
    w = np.arange(kw["size"] * 1.)
    g = tg.jit(tg.grad(lambda v: tg.sum(_as_tuple(tg.unique(v, **kw))[0] * w)))(x)
    assert np.array_equal(g, jax.grad(lambda v: jnp.sum(_as_tuple(jnp.unique(v, **kw))[0] * w))(x))
    f = tg.jit(lambda v: tg.unique(v, size=4, fill_value=0.))
    assert f(np.full(5, 5.)).tolist() == [5., 0., 0., 0.]


def test_bincount_with_length_as_jax():
    w = np.array([1., 2., 3.])
    for xs in (np.array([0, 2, 2]), np.array([0, 2, 6]), np.array([5, 5, 1])):
        for n in (2, 5):
            assert np.array_equal(tg.jit(lambda v: tg.bincount(v, length=n))(xs), jnp.bincount(xs, length=n))
            assert np.array_equal(tg.jit(lambda v, u: tg.bincount(v, u, length=n))(xs, w),
                                  jnp.bincount(xs, w, length=n))
            g = tg.grad(lambda u: tg.sum(tg.bincount(xs, u, length=n) * np.arange(n * 1.)))(w)
            assert np.array_equal(g, jax.grad(lambda u: jnp.sum(jnp.bincount(xs, u, length=n)
                                                                  * np.arange(n * 1.)))(w))


def test_bincount_without_length_is_refused_under_jit():
    # its result's shape depends on the values: a plan could not replay it (length= can)
    for f in (tg.bincount, lambda x: np.bincount(x)):
        with pytest.raises(tg.ConcretizationError, match="bincount"):
            tg.jit(f)(np.array([1, 2]))


def test_piecewise_ix_and_histogram_under_jit_as_jax():
    jax.config.update("jax_enable_x64", True)
    x = np.linspace(-1, 1, 9)
    funcs = [lambda v: v * 2, lambda v: v ** 2, lambda v: -v]
    f = lambda a: tg.piecewise(a, [a < 0, a >= 0.5], funcs)  # noqa: E731
    jf = lambda a: jnp.piecewise(a, [a < 0, a >= 0.5], funcs)  # noqa: E731
    np.testing.assert_array_equal(tg.jit(f)(x), np.asarray(jf(x)))
    np.testing.assert_allclose(tg.jit(tg.grad(lambda a: tg.sum(f(a))))(x),
                               np.asarray(jax.grad(lambda a: jnp.sum(jf(a)))(x)), rtol=1e-15)
    np.testing.assert_array_equal(tg.jit(lambda a: tg.piecewise(a, [a < 0], [0.0, 1.0]))(x),
                                  np.piecewise(x, [x < 0], [0.0, 1.0]))

    m = np.arange(12.0).reshape(3, 4)
    i, j = np.array([0, 2]), np.array([1, 3, 0])
    np.testing.assert_array_equal(tg.jit(lambda a, i, j: a[tg.ix_(i, j)])(m, i, j), m[np.ix_(i, j)])
    with pytest.raises(tg.ConcretizationError, match="boolean"):
        tg.jit(lambda a, b: a[tg.ix_(b, j)])(m, np.array([True, False, True]))

    rng = np.random.default_rng(0)
    v, w = rng.normal(size=50), rng.random(50)
    for kw in [dict(bins=5), dict(bins=7, range=(-1.0, 1.0)), dict(bins=np.array([-2.0, -0.5, 0.0, 2.0])),
               dict(bins=4, density=True)]:
        h, e = tg.jit(lambda a: tg.histogram(a, **kw))(v)
        nh, ne = np.histogram(v, **kw)
        np.testing.assert_array_equal(h, nh)
        np.testing.assert_array_equal(e, ne)
        assert h.dtype == nh.dtype
    grad = tg.grad(lambda ww: tg.sum(tg.histogram(v, bins=3, weights=ww, density=True)[0] * np.arange(3.0)))
    np.testing.assert_allclose(tg.jit(grad)(w), grad(w), rtol=1e-14)
    on_edges = np.linspace(0, 1, 11)  # entries on the edges (the last one on the closed right end)
    np.testing.assert_array_equal(tg.jit(lambda a: tg.histogram(a, bins=10)[0])(on_edges),
                                  np.histogram(on_edges, bins=10)[0])
    with pytest.raises(tg.ConcretizationError, match="bins='auto'"):
        tg.jit(lambda a: tg.histogram(a, bins="auto"))(v)


def test_a_nested_jit_closing_over_the_outer_trace_runs_inline():
    # JAX's nested jit with a closure: the inner function reads a value the outer one traces
    f = tg.jit(lambda x: tg.jit(lambda y: tg.sin(y) * x)(np.ones(2)))
    for x in (np.arange(2.0), np.arange(2.0) + 1):  # the second call replays the plan
        np.testing.assert_allclose(f(x), np.sin(1.0) * x)
    np.testing.assert_allclose(tg.grad(lambda x: tg.sum(f(x)))(np.arange(2.0)),
                               np.full(2, np.sin(1.0)))
    g = tg.jit(lambda x: tg.jit(lambda y: x + y)(np.ones(2)) * 3)
    np.testing.assert_allclose(g(np.arange(2.0)), 3 * (np.arange(2.0) + 1))


def test_a_closed_over_array_returned_as_it_is_is_baked_in_as_what_is_computed_from_it():
    W = np.array([1.0, 2.0])
    f = tg.jit(lambda a: (a * 2, W, W * 1.0))
    f(np.ones(3))
    W[:] = 9.0  # after tracing: the plan keeps the values it was traced with, as JAX's
    _, w, w1 = f(np.ones(3))
    assert w.tolist() == [1.0, 2.0] and w1.tolist() == [1.0, 2.0]
    w[:] = 7.0  # each call hands out a copy of its own
    assert f(np.ones(3))[1].tolist() == [1.0, 2.0]


def test_lower_takes_shape_dtype_structs_as_jax():
    low = tg.jit(tg.sin).lower(tg.ShapeDtypeStruct((3,), np.float64))
    np.testing.assert_array_equal(low.compile()(np.arange(3.0)), np.sin(np.arange(3.0)))
    spec = {"a": tg.ShapeDtypeStruct((3, 3), np.float64), "b": jax.ShapeDtypeStruct((3,), np.float64)}
    f = tg.jit(lambda d, n: tg.linalg.solve(d["a"], d["b"]) * n, static_argnums=1)
    run = f.lower(spec, 2.0).compile()
    np.testing.assert_allclose(run({"a": 2 * np.eye(3), "b": np.arange(3.0)}, 2.0), np.arange(3.0))
    with pytest.raises(TypeError):
        run({"a": np.eye(2), "b": np.arange(2.0)}, 2.0)  # another signature


def test_config_clear_caches_and_named_scope_as_a_decorator():
    tg.config.update("jax_enable_x64", True)
    tg.config.update("jax_platforms", "cpu")
    assert tg.config.jax_enable_x64 is True
    with pytest.raises(ValueError, match="jax_enable_x64"):
        tg.config.update("jax_enable_x64", False)
    with pytest.raises(ValueError, match="unknown or unsupported flag"):
        tg.config.update("jax_no_such_flag", 1)
    tg.config.update("jax_debug_nans", True)
    try:
        assert tg.is_debugging_nans() and tg.config.jax_debug_nans
    finally:
        tg.config.update("jax_debug_nans", False)
    W = np.ones(2)
    f = tg.jit(lambda a: a * W)
    f(np.ones(2))
    W[:] = 3.0
    assert f(np.ones(2)).tolist() == [1.0, 1.0]  # baked in
    tg.clear_caches()
    assert f(np.ones(2)).tolist() == [3.0, 3.0] and f.cache_size() == 1

    @tg.named_scope("block")
    def g(x):
        return 2 * x
    assert g(3.0) == 6.0


@pytest.mark.parametrize("shift, axis", [(np.int64(2), None), (np.int64(-1), 0), (np.array([1, 2]), (0, 1)),
                                         (np.int64(5), 1), (np.array([3]), (0, 1)), (np.array([1, -1]), 1)])
def test_roll_by_a_traced_shift_as_jax(shift, axis):
    x = np.arange(12.0).reshape(3, 4)
    f = tg.jit(lambda x, s: tg.roll(x, s, axis))
    ref = jax.jit(lambda x, s: jnp.roll(x, s, axis))
    for s in (shift, np.asarray(shift) + 1, np.asarray(shift) * 3):  # one trace, replayed
        np.testing.assert_array_equal(f(x, s), ref(x, s))
    w = np.arange(12.0).reshape(3, 4) ** 2
    g = tg.jit(tg.grad(lambda x, s: tg.sum(tg.roll(x, s, axis) * w)))
    np.testing.assert_array_equal(g(x, shift), jax.grad(lambda x, s: jnp.sum(jnp.roll(x, s, axis) * w))(x, shift))
    if axis == (0, 1):
        with pytest.raises(ValueError, match="do not broadcast"):
            f(x, np.array([1, 2, 3]))


def test_named_and_nested_results_of_numpy_functions_are_traced_not_frozen():
    # NumPy's named results (eigh, slogdet, svd, qr, unique_counts) and lists inside a tuple
    # (histogramdd's edges): each array is the new call's, never the first call's constant
    a1 = np.array([[3.0, 1.0, 0.5], [1.0, 2.0, 0.2], [0.5, 0.2, 4.0]])
    a2 = np.array([[2.0, 0.3, 0.0], [0.3, 5.0, 1.0], [0.0, 1.0, 3.0]])
    for f in (lambda a: np.linalg.eigh(a)[0], lambda a: np.linalg.eigh(a).eigenvalues,
              lambda a: np.linalg.slogdet(a)[1], lambda a: np.linalg.svd(a).S,
              lambda a: np.abs(np.linalg.qr(a).R), lambda a: np.unique_counts(a.ravel()).values * 2,
              lambda a: np.histogramdd(a[:, :2], bins=2)[1][1] * 1.0):
        jitted = tg.jit(f)
        np.testing.assert_allclose(jitted(a1), f(a1), rtol=1e-12)
        np.testing.assert_allclose(jitted(a2), f(a2), rtol=1e-12)


def test_dicts_reach_the_function_in_sorted_key_order_as_jax_jit():
    # JAX's jit (and tg.grad) hand a dict over rebuilt from its sorted keys, so the result does
    # not depend on the order the caller inserted them in; an OrderedDict keeps its own order
    first = lambda d: list(d.values())[0] * 1.0  # noqa: E731
    for f in (tg.jit(first), jax.jit(first)):
        assert float(f({"b": 1.0, "a": 2.0})) == float(f({"a": 2.0, "b": 1.0})) == 2.0
    od = collections.OrderedDict([("b", 1.0), ("a", 2.0)])
    assert float(tg.jit(first)(od)) == float(jax.jit(first)(od)) == 1.0


@pytest.mark.parametrize("repeats", [[1, 2, 0], [0, 0, 0], [3, 3, 3], [2, 0, 1]])
@pytest.mark.parametrize("total", [0, 2, 5])
def test_repeat_with_traced_counts_and_a_fixed_total(repeats, total):
    # JAX's rule: repeats may be traced when total_repeat_length fixes the output's shape
    a = np.arange(6.).reshape(2, 3)
    r = np.array(repeats)
    f = tg.jit(lambda a, r: tg.numpy.repeat(a, r, axis=1, total_repeat_length=total))
    g = jax.jit(lambda a, r: jnp.repeat(a, r, axis=1, total_repeat_length=total))
    np.testing.assert_array_equal(f(a, r), g(a, r))
    np.testing.assert_array_equal(f(a, r), tg.numpy.repeat(a, r, axis=1, total_repeat_length=total))
    c = np.random.default_rng(0).normal(size=(2, total))
    np.testing.assert_allclose(tg.grad(lambda a: tg.sum(f(a, r) * c))(a),
                               jax.grad(lambda a: jnp.sum(g(a, r) * c))(a), rtol=1e-13)
    with pytest.raises(tg.ConcretizationError):
        tg.jit(lambda a, r: tg.numpy.repeat(a, r, axis=1))(a, r)  # the shape would follow r


def test_numpy_value_shaped_functions_record_when_their_shape_is_constant():
    idx, mask = np.array([0, 1, 1, 3]), np.array([True, False, True, True])
    cases = [(lambda v: np.bincount(idx, weights=v), lambda v: np.bincount(idx, weights=v)),
             (lambda v: np.bincount(idx, v, 6), lambda v: np.bincount(idx, v, 6)),
             (lambda v: np.compress(mask, a=v), lambda v: np.compress(mask, v)),
             (lambda v: np.extract(mask, v), lambda v: np.extract(mask, v))]
    for f, want in cases:
        jf = tg.jit(f)
        for w in (np.array([0.3, 0.7, 1.1, 2.0]), np.array([5.0, -1.0, 0.5, 0.25])):  # replayed
            np.testing.assert_array_equal(jf(w), want(w))
    # a traced argument that sets the shape is still refused, naming the function
    for f in (lambda v: np.bincount(idx, v, minlength=v.astype(int)[0]),
              lambda v: np.compress(v > 0.5, v), lambda v: np.extract(v > 0.5, v)):
        with pytest.raises(tg.ConcretizationError, match="numpy.(bincount|compress|extract)"):
            tg.jit(f)(np.array([1.0, 2.0, 0.0, 3.0]))


def test_ndarray_memory_attributes_of_a_traced_value_raise_a_named_error():
    for name in ("tobytes", "flags", "strides", "ctypes", "base", "flat", "data"):
        with pytest.raises(AttributeError, match=rf"tg.jit: a traced array \(shape \(3,\).* ndarray\.{name}"):
            tg.jit(lambda v: getattr(v, name))(np.ones(3))
        # an AttributeError, as JAX's tracers lack them: hasattr is False, getattr's default comes
        assert tg.jit(lambda v: v * 2 if hasattr(v, name) or getattr(v, name, None) is not None
                      else v * 3)(np.ones(3)).tolist() == [3.0] * 3
    assert tg.jit(lambda v: v * 2 if v.device == "cpu" else v)(np.ones(2)).tolist() == [2.0, 2.0]
    with pytest.raises(AttributeError, match="no attribute 'foo'"):
        tg.jit(lambda v: v.foo)(np.ones(3))


def test_jit_results_are_arrays_whatever_kind_of_scalar_came_in():
    f = tg.jit(lambda x: x * 2)
    for a in (2.0, np.float64(2.0), np.array(2.0)):  # a plan replayed on each kind
        for _ in range(2):
            r = f(a)
            assert type(r) is np.ndarray and r.shape == () and r == 4.0
    out = tg.jit(lambda x: (x.sum(), np.float32(3.0), 4, x.max() > 0))(np.ones(3))
    assert all(type(v) is np.ndarray and v.shape == () for v in out)
    assert [v.dtype for v in out] == [np.float64, np.float32, np.int64, np.bool_]
