"""More of NumPy's namespace on tg (tensorgrad/ops/numpy_namespace.py): dtype aliases,
conversion helpers, type and memory queries, ndenumerate/broadcast, the differentiable
sliding_window_view, copyto/putmask, errstate and friends; against NumPy at run time, and
JAX's gradients where JAX has an equivalent."""
import functools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp

jax.config.update("jax_enable_x64", True)
X = np.random.default_rng(0).normal(size=(3, 5))
SWV = np.lib.stride_tricks.sliding_window_view

NAMES = ("byte ubyte short ushort intc uintc intp uintp long ulong longlong ulonglong half single "
         "double str_ bytes_ ascontiguousarray asfortranarray asanyarray asarray_chkfinite require "
         "isfortran common_type mintypecode typename min_scalar_type may_share_memory "
         "shares_memory ndindex ndenumerate sliding_window_view copyto putmask errstate geterr "
         "seterr binary_repr base_repr row_stack broadcast").split()


def test_every_name_exists_and_dtype_aliases_are_numpys_scalar_types():
    assert not [n for n in NAMES if not hasattr(tg, n)]
    for n in NAMES[:17]:
        # NumPy's type (equal, the same dtype; str_ and bytes_ are NumPy's own objects),
        # callable on traced values too (tests/test_scalar_types.py)
        assert getattr(tg, n) == getattr(np, n) and np.dtype(getattr(tg, n)) == np.dtype(getattr(np, n)), n
        if hasattr(jnp, n):  # jax.numpy's (single, double) name the same dtype
            assert np.dtype(getattr(jnp, n)) == np.dtype(getattr(tg, n)), n
    for n in ("errstate", "geterr", "seterr", "binary_repr", "base_repr", "typename", "ndindex"):
        assert getattr(tg, n) is getattr(np, n), n
    assert tg.binary_repr(-5, width=8) == np.binary_repr(-5, width=8)
    assert tg.base_repr(255, 16, padding=2) == np.base_repr(255, 16, padding=2)
    with tg.errstate(divide="raise"):
        assert tg.geterr()["divide"] == "raise"
    assert list(tg.ndindex(2, 1)) == [(0, 0), (1, 0)]


@pytest.mark.parametrize("name", ["ascontiguousarray", "asfortranarray", "asanyarray",
                                  "asarray_chkfinite", "require"])
def test_conversions_match_numpy_and_keep_the_tape(name):
    f_tg, f_np = getattr(tg, name), getattr(np, name)
    for a in (X, np.asfortranarray(X), X[:, ::2], np.float64(2.5), [1, 2, 3]):
        for dt in (None, np.float32):
            want, got = f_np(a, dt), f_tg(a, dt)
            assert type(got) is type(want) and got.dtype == want.dtype and got.shape == want.shape
            np.testing.assert_array_equal(got, want)
            assert got.flags.c_contiguous == want.flags.c_contiguous
            assert got.flags.f_contiguous == want.flags.f_contiguous
        t = f_tg(tg.Tensor(np.asarray(a)), None)
        assert isinstance(t, tg.Tensor) and t.shape == f_np(a).shape
        np.testing.assert_array_equal(np.asarray(t), f_np(a))
    # the gradient goes through (as through jnp.asarray), under grad, jit and vmap
    ref = jax.grad(lambda v: jnp.sum(jnp.asarray(v) ** 3))(jnp.asarray(X))
    g = tg.grad(lambda v: tg.sum(f_tg(v) ** 3))(X)
    np.testing.assert_allclose(g, np.asarray(ref), rtol=1e-14)
    np.testing.assert_allclose(tg.jit(tg.grad(lambda v: tg.sum(f_tg(v) ** 3)))(X), g, rtol=1e-14)
    np.testing.assert_allclose(tg.vmap(lambda v: f_tg(v) * 2)(X), 2 * X)
    assert tg.grad(lambda s: tg.sum(f_tg(s, np.float64)))(2.0) == 1.0


def test_asarray_chkfinite_refuses_inf_and_nan_naming_itself_also_under_jit():
    bad = np.array([1.0, np.inf, 2.0])
    with pytest.raises(ValueError, match="must not contain infs or NaNs"):
        np.asarray_chkfinite(bad)
    for a in (bad, [1.0, np.nan], tg.Tensor(bad)):
        with pytest.raises(ValueError, match="asarray_chkfinite: array must not contain infs or NaNs"):
            tg.asarray_chkfinite(a)
    with pytest.raises(ValueError, match="asarray_chkfinite"):
        tg.grad(lambda v: tg.sum(tg.asarray_chkfinite(v)))(bad)
    # under tg.jit the value is unknown while tracing: the check is a step of the plan
    f = tg.jit(lambda v: tg.asarray_chkfinite(v) * 2)
    np.testing.assert_array_equal(f(np.array([1.0, 2.0, 3.0])), [2.0, 4.0, 6.0])
    with pytest.raises(ValueError, match="asarray_chkfinite"):
        f(bad)
    assert tg.asarray_chkfinite(np.array([1, 2])).dtype == np.asarray_chkfinite(np.array([1, 2])).dtype


def test_require_flags_and_isfortran():
    F = np.asfortranarray(X)
    for req in (None, "C", "F", ["A", "W"], "CO", ["E", "C_CONTIGUOUS"], ["FORTRAN"]):
        want, got = np.require(F, np.float32, req), tg.require(F, np.float32, req)
        assert got.flags.c_contiguous == want.flags.c_contiguous and got.dtype == want.dtype
        assert got.flags.f_contiguous == want.flags.f_contiguous and got.flags.owndata == want.flags.owndata
    for req, err in (("X", KeyError), (["C", "F"], ValueError), ("WRITEABLE", KeyError)):
        with pytest.raises(err):
            np.require(X, None, req)
        with pytest.raises(err):
            tg.require(tg.Tensor(X), None, req)
    assert tg.require(tg.Tensor(X), None, ["C", "A", "O", "E"]).shape == X.shape
    with pytest.raises(TypeError, match="require: .*immutable"):
        tg.require(tg.Tensor(X), None, "W")
    for a in (X, F, X[:1], np.ones((3, 1), order="F"), np.float64(1), X.T):
        assert tg.isfortran(a) == np.isfortran(a)
    assert tg.isfortran(tg.Tensor(F)) is False  # no memory order of its own (as a JAX array)


def test_type_queries_match_numpy():
    f32, i8, f16 = np.ones(2, np.float32), np.ones(2, np.int8), np.ones(2, np.float16)
    for args in ((f32,), (i8,), (f32, i8), (f16,), (f16, f32), (X, f32)):
        assert tg.common_type(*args) is np.common_type(*args)
        assert tg.common_type(*map(tg.Tensor, args)) is np.common_type(*args)
        assert tg.mintypecode(args) == np.mintypecode(args)
        assert tg.mintypecode(list(map(tg.Tensor, args))) == np.mintypecode(args)
    seen = []
    tg.jit(lambda v: (seen.append((tg.common_type(v), tg.min_scalar_type(v))), v)[1])(f32)
    assert seen == [(np.float32, np.dtype(np.float32))]
    for chars, kw in ((["d", "f", "S"], {}), ("if", {}), (["F", "d"], {}), ("bB", {"default": "l"}),
                      ("hd", {"typeset": "Dd"})):
        assert tg.mintypecode(chars, **kw) == np.mintypecode(chars, **kw)
    for c in ("d", "f", "S1", "?", "l"):
        assert tg.typename(c) == np.typename(c)
    for v in (10, 300, -260, 1e300, 3.5, -1.0, True, np.int64(70000), np.array(3.5), np.array(-2),
              X, i8, np.float32(1e5), 2 ** 70):
        assert tg.min_scalar_type(v) == np.min_scalar_type(v), v
        if isinstance(v, np.ndarray):
            assert tg.min_scalar_type(tg.Tensor(v)) == np.min_scalar_type(v)
    with pytest.raises(tg.ConcretizationError, match="min_scalar_type"):
        tg.jit(lambda v: (tg.min_scalar_type(v), v)[1])(np.array(3.5))


def test_memory_queries_answer_for_the_array_under_a_tensor():
    a = np.arange(10.0)
    pairs = [(a, a[2:]), (a[:5], a[5:]), (a[::2], a[1::2]), (a, a.copy()), (a, np.float64(1))]
    for p, q in pairs:
        assert tg.may_share_memory(p, q) == np.may_share_memory(p, q)
        assert tg.shares_memory(p, q) == np.shares_memory(p, q)
        assert tg.may_share_memory(p, q, max_work=-1) == np.may_share_memory(p, q, max_work=-1)
        assert tg.shares_memory(tg.Tensor(p), tg.Tensor(q)) == np.shares_memory(p, q)
    assert np.shares_memory(tg.Tensor(a), a[3:]) is True  # NumPy dispatches to tg's
    seen = []
    tg.jit(lambda v: (seen.append((tg.may_share_memory(v, v), tg.shares_memory(v, a))), v)[1])(a)
    assert seen == [(False, False)]  # a traced value has no memory while tracing
    with pytest.raises(TypeError, match="shares_memory"):
        tg.shares_memory([tg.Tensor(a)], a)


def test_ndenumerate_numpy_values_or_indexed_entries_on_a_trace():
    a = X[:2, :3]
    want = list(np.ndenumerate(a))
    for src in (a, tg.Tensor(a)):
        got = list(tg.ndenumerate(src))
        assert [i for i, _ in got] == [i for i, _ in want]
        assert all(type(e) is type(w) and e == w for (_, e), (_, w) in zip(got, want))
    # on a trace: elements indexed from the Tensor, so the gradient reaches each entry
    w = np.arange(6.0).reshape(2, 3)
    g = tg.grad(lambda v: sum(e ** 2 * w[i] for i, e in tg.ndenumerate(v)))(a)
    np.testing.assert_allclose(g, 2 * a * w, rtol=1e-15)
    jitted = tg.jit(lambda v: tg.stack([e * i[1] for i, e in tg.ndenumerate(v)]))
    np.testing.assert_array_equal(jitted(a), [e * i[1] for i, e in want])


SWV_CASES = [((7,), 3, None), ((3, 5), (2, 3), None), ((3, 5), 2, 1), ((3, 5), 2, -2),
             ((3, 5), (2, 2), (1, 1)), ((2, 3, 4), (2, 2), (0, 2)), ((4,), 0, None), ((3, 5), 5, 1)]


@pytest.mark.parametrize("shape, window, axis", SWV_CASES)
def test_sliding_window_view_values_and_gradients(shape, window, axis):
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape)
    want = SWV(x, window, axis)
    got = tg.sliding_window_view(x, window, axis)  # plain NumPy: NumPy's read-only view
    assert type(got) is np.ndarray and not got.flags.writeable
    assert got.size == 0 or np.shares_memory(got, x)
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(np.asarray(tg.sliding_window_view(tg.Tensor(x), window, axis)), want)
    np.testing.assert_array_equal(np.asarray(SWV(tg.Tensor(x), window, axis)), want)
    w = rng.normal(size=want.shape)
    # JAX: the same windows as a gather of x's entries (jnp indexing)
    idx = SWV(np.arange(x.size).reshape(shape), window, axis)
    ref = jax.grad(lambda v: jnp.sum(v.ravel()[idx] * w))(jnp.asarray(x))
    loss = lambda v: tg.sum(tg.sliding_window_view(v, window, axis) * w)  # noqa: E731
    np.testing.assert_allclose(tg.grad(loss)(x), np.asarray(ref), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(tg.jit(tg.grad(loss))(x * 1.5), np.asarray(ref), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(tg.jacfwd(loss)(x), np.asarray(ref), rtol=1e-13, atol=1e-14)
    batch = rng.normal(size=(2,) + shape)
    np.testing.assert_array_equal(tg.vmap(lambda v: tg.sliding_window_view(v, window, axis))(batch),
                                  np.stack([SWV(b, window, axis) for b in batch]))


def test_sliding_window_view_options_and_errors():
    x = np.arange(6.0)
    view = tg.sliding_window_view(x, 2, writeable=True)
    assert view.flags.writeable and SWV(x, 2, writeable=True).flags.writeable
    with pytest.raises(TypeError, match="sliding_window_view: writeable=True"):
        tg.sliding_window_view(tg.Tensor(x), 2, writeable=True)
    for window, axis, err in ((7, None, ValueError), (-1, None, ValueError), ((2, 2), None, ValueError),
                              (2, 3, np.exceptions.AxisError)):
        with pytest.raises(err):
            SWV(x, window, axis)
        with pytest.raises(err, match="sliding_window_view"):
            tg.sliding_window_view(tg.Tensor(x), window, axis)
    # central differences on a 2-d input with overlapping windows on both axes
    a = np.random.default_rng(2).normal(size=(4, 4))
    f = lambda v: tg.sum(tg.sin(tg.sliding_window_view(v, (2, 3))))  # noqa: E731
    g, h = tg.grad(f)(a), 1e-6
    fd = np.array([(float(f(a + h * e)) - float(f(a - h * e))) / (2 * h)
                   for e in np.eye(16).reshape(16, 4, 4)]).reshape(4, 4)
    np.testing.assert_allclose(g, fd, rtol=1e-7, atol=1e-8)


def test_copyto_and_putmask_in_place_on_numpy_arrays_as_numpy():
    cases = [(np.zeros((2, 3)), X[0, :3], {}), (np.zeros((2, 3)), 7.0, {"where": X[:2, :3] > 0}),
             (np.zeros(3, int), np.array([1, 2, 3], np.int8), {}),
             (np.zeros(3, int), np.array([1.5, 2, 3]), {"casting": "unsafe"}),
             (np.zeros(3, np.float32), np.arange(3.0), {"casting": "same_kind"})]
    for dst, src, kw in cases:
        want, got, via_tensor = dst.copy(), dst.copy(), dst.copy()
        np.copyto(want, src, **kw)
        assert tg.copyto(got, src, **kw) is None
        tg.copyto(via_tensor, tg.Tensor(np.asarray(src)), **kw)  # a constant Tensor: its value
        np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(via_tensor, want)
    for src, casting in ((np.array([1.5]), "same_kind"), (np.array([1], np.int32), "no"), (np.array([1.0]), "bogus")):
        errs = []
        for f in (np.copyto, tg.copyto):
            with pytest.raises((TypeError, ValueError)) as e:
                f(np.zeros(1, int), src, casting=casting)
            errs.append((type(e.value), str(e.value)))
        # NumPy's error, its message prefixed with the function's name
        assert issubclass(errs[0][0], errs[1][0]) and errs[1][1] in (errs[0][1], "copyto: " + errs[0][1])
    a, b = np.arange(6.0), np.arange(6.0)
    np.putmask(a, a > 2, [10.0, 20.0])
    tg.putmask(b, tg.Tensor(b > 2), tg.Tensor(np.array([10.0, 20.0])))
    np.testing.assert_array_equal(a, b)
    i1, i2 = np.arange(3), np.arange(3)
    np.putmask(i1, [True, False, True], 9.7)
    tg.putmask(i2, [True, False, True], 9.7)
    np.testing.assert_array_equal(i1, i2)


def test_copyto_and_putmask_refuse_tensor_targets_and_traced_values():
    t = tg.Tensor(np.zeros(3))
    for call in (lambda: tg.copyto(t, 1.0), lambda: np.copyto(t, 1.0)):
        with pytest.raises(TypeError, match=r"copyto: .*immutable.*tg\.where"):
            call()
    with pytest.raises(TypeError, match=r"putmask: .*immutable.*at\["):
        tg.putmask(t, [True, False, True], 1.0)
    dst = np.zeros(3)
    for f in (lambda v: tg.copyto(dst, v), lambda v: tg.putmask(dst, [True, True, False], v),
              lambda v: np.copyto(dst, v), lambda v: np.putmask(dst, [True, True, False], v)):
        with pytest.raises(TypeError, match="drop its gradient"):
            tg.grad(lambda v: (f(v), tg.sum(v))[1])(np.ones(3))
        assert not dst.any()
    for f in (lambda v: tg.copyto(dst, v), lambda v: tg.putmask(dst, [True, True, False], v)):
        with pytest.raises(tg.ConcretizationError, match="tg.jit traces"):
            tg.jit(lambda v: (f(v), v)[1])(np.ones(3))
    with pytest.raises(tg.ConcretizationError, match="in place"):  # NumPy's own, under tg.jit
        tg.jit(lambda v: (np.copyto(np.zeros(3), v), v)[1])(np.ones(3))
    with pytest.raises(TypeError, match="drop its gradient"):
        tg.copyto(dst, tg.tensor(np.ones(3), requires_grad=True))
    assert not dst.any()


def test_broadcast_object_accepts_tensors_by_shape():
    args = (np.ones((2, 1)), np.arange(3.0), 5.0)
    want = np.broadcast(*args)
    for got in (tg.broadcast(*args), tg.broadcast(tg.Tensor(args[0]), args[1], tg.Tensor(args[2]))):
        assert (got.shape, got.nd, got.ndim, got.size, got.numiter, got.index) == \
            (want.shape, want.nd, want.ndim, want.size, want.numiter, want.index)
        assert list(got) == list(np.broadcast(*args))
        got.reset()
        assert got.index == 0 and len(got.iters) == 3
    nested = tg.broadcast(tg.broadcast(np.ones((4, 1, 1)), args[0]), args[1])
    assert nested.shape == np.broadcast(np.broadcast(np.ones((4, 1, 1)), args[0]), args[1]).shape
    assert tg.broadcast().shape == np.broadcast().shape
    seen = []

    def f(v):
        b = tg.broadcast(v, np.ones((4, 1)))
        seen.append((b.shape, b.size))
        with pytest.raises(TypeError, match="broadcast_arrays"):
            iter(b)
        return v
    tg.grad(lambda v: tg.sum(f(v)))(np.ones(3))
    tg.jit(f)(np.ones(3))
    assert seen == [((4, 3), 12)] * 2
    with pytest.raises(ValueError, match="broadcast: shape mismatch"):
        tg.broadcast(tg.Tensor(np.ones(3)), np.ones(4))


def test_row_stack_is_deprecated_like_numpys_and_differentiates():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        want = np.row_stack([X[0], X[1:]])
        got = tg.row_stack([X[0], X[1:]])
    assert [w.category for w in caught] == [DeprecationWarning] * 2
    assert str(caught[0].message) == str(caught[1].message)
    np.testing.assert_array_equal(got, want)
    with pytest.warns(DeprecationWarning, match="row_stack"):
        g = tg.grad(lambda v: tg.sum(tg.row_stack([v[0], v]) ** 2))(X)
    ref = jax.grad(lambda v: jnp.sum(jnp.vstack([v[0], v]) ** 2))(jnp.asarray(X))
    np.testing.assert_allclose(g, np.asarray(ref), rtol=1e-14)


@pytest.mark.parametrize("write", [
    lambda a, x: np.copyto(a, x), lambda a, x: np.putmask(a, a == 0, x),
    lambda a, x: np.place(a, a == 0, x), lambda a, x: np.put(a, [0], x),
    lambda a, x: np.put_along_axis(a, np.array([0]), x, axis=0),
])
def test_numpy_in_place_writes_of_a_traced_value_refused_before_writing(write):
    a = np.zeros(3)
    f = tg.jit(lambda x: (write(a, x), x)[1])
    with pytest.raises(tg.ConcretizationError, match="writes in place"):
        f(np.ones(3))
    assert np.array_equal(a, np.zeros(3)) and a.flags.writeable  # the caller's array untouched


def test_array_api_entry_points_name_tensorgrad_numpy():
    t = tnp.arange(3.0)
    xp = t.__array_namespace__()
    assert xp is tnp and xp.__array_api_version__ == "2024.12"
    assert xp.__array_namespace_info__().default_dtypes()["real floating"] == np.float64
    assert xp.__array_namespace_info__().devices() == ["cpu"]
    with pytest.raises(ValueError, match="api_version"):
        t.__array_namespace__(api_version="2099.01")
    # array-API-generic code differentiates and jits through the namespace it is handed
    f = lambda v: v.__array_namespace__().sum(v ** 2)  # noqa: E731
    np.testing.assert_array_equal(tg.grad(f)(np.arange(3.0)), [0.0, 2.0, 4.0])
    assert tg.jit(f)(np.ones(3)) == 3.0


def test_a_scalar_type_called_on_an_array_gives_a_new_array():
    # jnp.float32(a) is a new array in JAX: x = jnp.float32(a); x += 1 must leave a alone
    for f, a in ((tnp.float32, np.ones(3, np.float32)), (tg.float64, np.arange(3.0)),
                 (tnp.int64, np.arange(3))):
        before = a.copy()
        x = f(a)
        assert x.dtype == np.dtype(f) and not np.may_share_memory(x, a)
        x += 1
        np.testing.assert_array_equal(a, before)
    assert tg.float64(2.5) == 2.5 and isinstance(tg.float64(2.5), np.float64)


def test_functions_where_jax_numpy_means_otherwise_follow_jax():
    def same(got, want):
        got, want = (got, want) if isinstance(want, (tuple, list)) else ((got,), (want,))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert isinstance(g, tg.Tensor) and g.shape == w.shape and g.dtype == w.dtype
            np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-13, atol=1e-15)

    # fromfunction maps the function over scalar indices (NumPy's passes the whole grids)
    same(tnp.fromfunction(lambda i, j: tnp.max(i) + j, (2, 2)),
         jnp.fromfunction(lambda i, j: jnp.max(i) + j, (2, 2)))
    same(tnp.fromfunction(lambda x: (x + 1) * tnp.arange(3), shape=(2,)),
         jnp.fromfunction(lambda x: (x + 1) * jnp.arange(3), shape=(2,)))
    same(tnp.fromfunction(lambda i, j: i * 10 + j, (2, 3), dtype=int),
         jnp.fromfunction(lambda i, j: i * 10 + j, (2, 3), dtype=int))
    # polymul / polydiv keep leading zeros unless asked (NumPy trims), promoting to float
    for a, b in (([0.0, 1, 2], [0.0, 3, 4]), ([1, 2], [3, 4]), ([], [1.0, 2])):
        for trim in (False, True):
            same(tnp.polymul(np.array(a), np.array(b), trim_leading_zeros=trim),
                 jnp.polymul(jnp.array(a), jnp.array(b), trim_leading_zeros=trim))
    for u, v in (([3.0, 5, 2], [2.0, 1]), ([1.0, 2], [1.0, 2, 3]), ([1, 2, 3, 4], [1, 1]), ([1.0, 3, 3, 1], [1.0, 1])):
        for trim in (False, True):
            same(tnp.polydiv(np.array(u), np.array(v), trim_leading_zeros=trim),
                 jnp.polydiv(jnp.array(u), jnp.array(v), trim_leading_zeros=trim))
    assert tg.polymul(np.array([0.0, 1, 2]), np.array([0.0, 3, 4])).shape == (3,)  # (NumPy's, trimmed)
    same(tnp.bincount(np.array([-1, -1, 1, 3, 10]), length=5), jnp.bincount(jnp.array([-1, -1, 1, 3, 10]), length=5))
    same(tnp.vsplit(np.arange(6), 2), jnp.vsplit(jnp.arange(6), 2))
    u0, v0 = np.array([1.0, 3, 3, 2]), np.array([1.0, 2])
    loss = lambda np_, u, v: np_.sum(np_.polydiv(u, v)[0] ** 2) + np_.sum(np_.polymul(u, v) ** 2)  # noqa: E731
    same(tuple(tg.Tensor(g) for g in tg.grad(lambda u, v: loss(tnp, u, v), argnums=(0, 1))(u0, v0)),
         jax.grad(lambda u, v: loss(jnp, u, v), argnums=(0, 1))(u0, v0))
    np.testing.assert_allclose(
        tg.grad(lambda s: tnp.sum(tnp.fromfunction(lambda i, j: tnp.sin(s * i) + j, (2, 3))))(0.7),
        jax.grad(lambda s: jnp.sum(jnp.fromfunction(lambda i, j: jnp.sin(s * i) + j, (2, 3))))(0.7), rtol=1e-13)
    # several results come as lists, as JAX's (NumPy 2's are tuples)
    for got, want in ((tnp.meshgrid(np.arange(2.0), np.arange(3.0)), jnp.meshgrid(jnp.arange(2.0), jnp.arange(3.0))),
                      (tnp.broadcast_arrays(np.ones(2), np.ones((3, 1))), jnp.broadcast_arrays(jnp.ones(2), jnp.ones((3, 1)))),
                      (tnp.gradient(np.arange(9.0).reshape(3, 3) ** 2), jnp.gradient(jnp.arange(9.0).reshape(3, 3) ** 2)),
                      (tnp.atleast_2d(np.ones(2), np.ones(3)), jnp.atleast_2d(jnp.ones(2), jnp.ones(3)))):
        assert type(got) is list and type(want) is list
        same(got, want)
    assert type(tg.meshgrid(np.arange(2), np.arange(3))) is tuple  # (NumPy's namespace: NumPy's)
    for name in ("allclose", "array_equal", "array_equiv"):  # a 0-d bool array, as JAX's
        got = getattr(tnp, name)(np.ones(2), np.ones(2))
        assert isinstance(got, tg.Tensor) and got.shape == () and got.dtype == bool and bool(got)
    # a function without a __name__ (a vectorized functools.partial) still gives tensors
    doubled = tnp.vectorize(functools.partial(lambda a, b: a * b, b=2.0))(np.arange(3.0))
    assert isinstance(doubled, tg.Tensor) and np.asarray(doubled).tolist() == [0.0, 2.0, 4.0]


def test_take_fills_and_nanargmax_gives_minus_one_as_jax():
    # tensorgrad.numpy takes jax.numpy's meaning: out-of-range take/take_along_axis fill, a
    # slice of NaN only has nanargmax -1 (tg.take and tg.nanargmax keep NumPy's errors)
    a, x = np.arange(5.0), np.arange(6.0).reshape(2, 3)
    cases = [(lambda m: m.take(a, np.array([1, 10, -2])), None),
             (lambda m: m.take(np.arange(5), np.array([1, 10])), None),
             (lambda m: m.take_along_axis(x, np.array([[0, 5], [1, 2]]), axis=1), None),
             (lambda m: m.nanargmax(np.array([[np.nan, np.nan], [1.0, 2.0]]), axis=1), None),
             (lambda m: m.nanargmin(np.array([[np.nan, np.nan], [1.0, 2.0]]), axis=1, keepdims=True), None)]
    for f, _ in cases:
        got, want = np.asarray(f(tnp)), np.asarray(f(jnp))
        assert got.shape == want.shape and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    with pytest.raises(IndexError):
        tnp.take(a, np.array([10]), mode="raise")
    with pytest.raises(IndexError):
        tg.take(a, np.array([10]))
    np.testing.assert_array_equal(tg.jit(lambda v, i: tnp.take(v, i))(a, np.array([0, 7])), [0.0, np.nan])


def test_where_none_is_jaxs_default_no_mask():
    # (NumPy's where=None is a mask, leaving the entries undefined; JAX's is no mask at all)
    x = np.array([1.0, 2.0, 3.0])
    assert float(tnp.add(1.0, 2.0, where=None)) == 3.0
    np.testing.assert_array_equal(tnp.multiply(x, x, where=None), x * x)
    assert float(tnp.sum(x, where=None)) == 6.0 and float(tnp.mean(x, where=None)) == 2.0
    assert float(tnp.add.reduce(x, where=None)) == 6.0
    assert float(tg.grad(lambda v: tnp.sum(tnp.multiply(v, v, where=None), where=None))(x)[1]) == 4.0
    # (a function that hands its keywords on gets where=None as given)
    np.testing.assert_array_equal(tnp.apply_along_axis(lambda v, where=7.0: v * (where is None), 0, x,
                                                       where=None), x)
