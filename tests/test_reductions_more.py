"""NaN-aware reductions, quantiles and NumPy's reduction keywords: values and dtypes against
NumPy, gradients against JAX, and tg.jit against eager results."""
import itertools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

X_NAN = np.array([[1.0, np.nan, 3.0], [np.nan] * 3])


def _quiet(f):
    def run(*a, **k):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return f(*a, **k)
    return run


@pytest.mark.parametrize("name", ["nanmean", "nanvar", "nanstd"])
def test_masked_all_nan_slice_has_zero_gradient(name):
    def f(L):
        def g(a):
            m = getattr(L, name)(a, axis=1)
            return L.sum(L.where(L.isnan(m), 0.0, m))
        return g
    got = _quiet(tg.grad(f(tg)))(X_NAN)
    want = _quiet(jax.grad(f(jnp)))(X_NAN)
    np.testing.assert_allclose(got, want)
    t = np.ones_like(X_NAN)
    _, tan = _quiet(tg.jvp)(f(tg), (X_NAN,), (t,))
    assert np.isfinite(tan)


@pytest.mark.parametrize("name", ["quantile", "percentile", "nanquantile", "nanpercentile", "nanmedian"])
def test_float32_stays_float32(name):
    a = np.random.default_rng(0).random((3, 5)).astype(np.float32)
    args = () if name == "nanmedian" else (0.3 if "quant" in name else 30.0,)
    got = getattr(tg, name)(a, *args, axis=1)
    want = getattr(np, name)(a, *args, axis=1)
    assert got.dtype == want.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6)


METHODS = ["linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf", "hazen", "weibull",
           "interpolated_inverted_cdf", "median_unbiased", "normal_unbiased", "averaged_inverted_cdf",
           "closest_observation"]


@pytest.mark.parametrize("method", METHODS)
def test_quantile_methods_match_numpy(method):
    rng = np.random.default_rng(1)
    a = rng.random((3, 7))
    an = a.copy()
    an[0, 2] = np.nan
    an[2] = np.nan
    for q in (0.0, 0.3, 0.5, 1.0, [0.1, 0.9]):
        np.testing.assert_allclose(tg.quantile(a, q, axis=1, method=method),
                                   np.quantile(a, q, axis=1, method=method))
        np.testing.assert_allclose(_quiet(tg.nanquantile)(an, q, axis=1, method=method),
                                   _quiet(np.nanquantile)(an, q, axis=1, method=method))


@pytest.mark.parametrize("method", ["linear", "inverted_cdf", "midpoint"])
def test_quantile_gradients_match_jax(method):
    a = np.random.default_rng(2).random((3, 6))
    f = lambda L: lambda x: L.sum(L.quantile(x, 0.35, axis=1, method=method) ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.grad(f(tg))(a), jax.jit(jax.grad(f(jnp)))(a), atol=1e-12)
    g = lambda L: lambda q: L.sum(L.quantile(a, q, axis=0))  # noqa: E731
    q = np.array([0.2, 0.7])
    np.testing.assert_allclose(tg.jacrev(g(tg))(q), jax.jit(jax.jacrev(g(jnp)))(q), atol=1e-12)


@pytest.mark.parametrize("method", ["averaged_inverted_cdf", "closest_observation"])
def test_discrete_hyndman_fan_methods_match_numpy_exactly(method):
    # every q = k/(2n) (n·q an integer or a half: the jumps and ties of these methods), 0, 1,
    # random q; odd and even n; one axis, two axes and all; integer input keeps NumPy's dtype
    rng = np.random.default_rng(4)
    for n in (1, 2, 3, 4, 5, 8):
        q = np.concatenate([np.arange(2 * n + 1) / (2 * n), rng.random(5)])
        for a, axis in ((rng.random((3, n)), 1), (rng.random((n, 2)), 0), (rng.random((2, n, 2)), (0, 1)),
                        (rng.integers(0, 9, (2, n)), -1), (rng.random(n).astype(np.float32), None)):
            for qq in (q, q.astype(np.float32), 0.0, 1.0, 0.5, float(q[-1])):
                want = np.quantile(a, qq, axis=axis, method=method)
                got = tg.quantile(a, qq, axis=axis, method=method)
                assert np.asarray(got).dtype == want.dtype and np.array_equal(got, want), (n, axis, qq)
        an = rng.random((3, n + 1))
        an[0, 0] = an[1, -1] = np.nan
        an[2, 0], an[2, -1] = -np.inf, np.inf
        for name in ("nanquantile", "quantile", "nanpercentile"):
            qq = q * 100 if "percent" in name else q
            np.testing.assert_array_equal(_quiet(getattr(tg, name))(an, qq, axis=1, method=method, keepdims=True),
                                          _quiet(getattr(np, name))(an, qq, axis=1, method=method, keepdims=True))


def test_low_precision_interpolation_rounds_as_numpy():
    # NumPy subtracts a float32 (float16) a's neighbours in its own dtype, and rounds a Python
    # q's weight t and 1 − t to it only after computing them in float64: bit-equal results
    rng = np.random.default_rng(5)
    for dt in (np.float16, np.float32):
        a = (rng.random((40, 6)) * 10).astype(dt)
        for q in (0.1731658843790569, 0.5168468104343983, rng.random(7), rng.random(7).astype(np.float32)):
            for method in ("linear", "hazen", "weibull", "midpoint", "averaged_inverted_cdf"):
                want = np.quantile(a, q, axis=1, method=method)
                got = tg.quantile(tg.tensor(a), q, axis=1, method=method)
                assert np.asarray(got).dtype == want.dtype
                np.testing.assert_array_equal(got, want)


def test_discrete_hyndman_fan_gradients():
    # the gradient goes to the entry picked; averaged_inverted_cdf splits it ½, ½ at a jump of
    # the empirical cdf (n·q an integer), as its value averages the two entries there
    a = np.array([[0.6, 0.73, 0.19, 0.05], [0.27, 0.66, 0.56, 0.15]])
    w = np.array([1.0, 2.0])
    f = lambda m, q: lambda v: tg.sum(tg.quantile(v, q, axis=1, method=m) * w)  # noqa: E731
    half = np.array([[0.5, 0, 0.5, 0], [0.5, 0, 0.5, 0]]) * w[:, None]
    np.testing.assert_array_equal(tg.grad(f("averaged_inverted_cdf", 0.5))(a), half)
    np.testing.assert_array_equal(tg.grad(f("averaged_inverted_cdf", 0.6))(a), [[1, 0, 0, 0], [0, 0, 2, 0]])
    np.testing.assert_array_equal(tg.grad(f("closest_observation", 0.5))(a), [[0, 0, 1, 0], [2, 0, 0, 0]])
    for m in ("averaged_inverted_cdf", "closest_observation"):
        for q in (0.0, 0.3, 0.5, 0.75, 1.0):
            g = f(m, q)
            eps = 1e-6
            fd = np.array([(g(a + eps * e) - g(a - eps * e)) / (2 * eps)
                           for e in np.eye(a.size).reshape((a.size,) + a.shape)]).reshape(a.shape)
            np.testing.assert_allclose(tg.grad(g)(a), fd, atol=1e-8)
            _, jv = tg.jvp(g, (a,), (np.ones_like(a),))
            np.testing.assert_allclose(jv, fd.sum(), atol=1e-8)


def test_weighted_inverted_cdf_matches_numpy():
    # NumPy >= 2.0: weights of a's shape, or of its shape along axis (in axis' order); integer
    # weights hit the cdf's jumps exactly, leading zero weights are skipped at q = 0
    rng = np.random.default_rng(6)
    for n in (1, 2, 3, 5):
        q = np.concatenate([np.arange(2 * n + 1) / (2 * n), rng.random(3)])
        for shape, axis, wshape in (((3, n), 1, (n,)), ((3, n), 1, (3, n)), ((n, 2), 0, (n,)),
                                    ((2, n, 3), (1, 0), (n, 2)), ((2, n, 3), None, (2, n, 3))):
            a = rng.random(shape)
            for w in (rng.random(wshape), rng.integers(0, 3, wshape) + np.eye(1, int(np.prod(wshape))).reshape(wshape)):
                for qq in (q, q.astype(np.float32), 0.0, 1.0):
                    for name in ("quantile", "percentile", "nanquantile"):
                        if name == "nanquantile" and wshape != shape:
                            continue  # NumPy 2.4's own nanquantile raises IndexError there
                        arg = qq * 100 if name == "percentile" else qq
                        want = getattr(np, name)(a, arg, axis=axis, method="inverted_cdf", weights=w)
                        got = getattr(tg, name)(a, arg, axis=axis, method="inverted_cdf", weights=w)
                        assert np.asarray(got).dtype == want.dtype
                        np.testing.assert_array_equal(got, want)
    a = np.array([[3, 1, 4, 1, 5], [9, 2, 6, 5, 3]])
    w = np.array([0.0, 2.0, 1.0, 0.0, 1.0])
    got = tg.quantile(a, [0.0, 0.5, 1.0], axis=1, method="inverted_cdf", weights=w)
    np.testing.assert_array_equal(got, np.quantile(a, [0.0, 0.5, 1.0], axis=1, method="inverted_cdf", weights=w))
    assert got.dtype == a.dtype  # an integer array's entry keeps its dtype
    an = np.array([[1.0, np.nan, 3.0, 0.5], [np.nan] * 4, [2.0, 1.0, np.nan, 0.0]])
    wn = np.array([[1.0, 5.0, 2.0, 0.0], [1.0] * 4, [1.0, 0.0, np.inf, 3.0]])
    for name in ("nanquantile", "nanpercentile"):
        arg = np.array([0.0, 40.0, 100.0]) / (1 if "percent" in name else 100)
        np.testing.assert_array_equal(
            _quiet(getattr(tg, name))(an, arg, axis=1, method="inverted_cdf", weights=wn, keepdims=True),
            _quiet(getattr(np, name))(an, arg, axis=1, method="inverted_cdf", weights=wn, keepdims=True))
    for kw, err in (({"method": "linear", "weights": np.ones(5)}, ValueError),
                    ({"weights": np.ones(5)}, TypeError),  # no axis, other shape
                    ({"axis": 1, "weights": np.ones(4)}, ValueError),
                    ({"axis": 1, "weights": -np.ones(5)}, ValueError),
                    ({"axis": 1, "weights": np.zeros(5)}, ValueError),
                    ({"axis": 1, "weights": np.array([1.0, np.nan, 1, 1, 1])}, ValueError)):
        kw = {"method": "inverted_cdf", **kw}
        with pytest.raises(err):
            _quiet(np.quantile)(a.astype(float), 0.5, **kw)
        with pytest.raises(err, match="quantile"):
            tg.quantile(a.astype(float), 0.5, **kw)


def test_weighted_quantile_gradient_goes_to_the_picked_entry():
    a = np.random.default_rng(7).random((3, 5))
    w = np.array([1.0, 3.0, 0.0, 2.0, 1.0])
    c = np.array([[1.0], [2.0]])
    f = lambda v: tg.sum(tg.quantile(v, [0.3, 0.8], axis=1, method="inverted_cdf", weights=w) * c)  # noqa: E731
    want = np.zeros_like(a)
    picked = np.quantile(a, [0.3, 0.8], axis=1, method="inverted_cdf", weights=w)
    for k in range(2):
        for i in range(3):
            want[i, np.flatnonzero(a[i] == picked[k, i])] += c[k, 0]
    np.testing.assert_array_equal(tg.grad(f)(a), want)
    np.testing.assert_array_equal(tg.jit(tg.grad(f))(a), want)
    _, tangent = tg.jvp(f, (a,), (np.ones_like(a),))
    np.testing.assert_allclose(tangent, want.sum())
    # traced weights under tg.jit: the plan recomputes the cdf (and checks) per call
    jf = tg.jit(lambda v, ww: tg.quantile(v, [0.3, 0.8], axis=1, method="inverted_cdf", weights=ww))
    for v, ww in ((a, w), (a[::-1] * 2, w[::-1]), (a, np.array([0.0, 0, 1, 0, 0]))):
        np.testing.assert_array_equal(jf(v, ww), np.quantile(v, [0.3, 0.8], axis=1, method="inverted_cdf",
                                                             weights=ww))
    with pytest.raises(ValueError, match="non-negative"):
        jf(a, -w)


A = np.random.default_rng(3).random((3, 4))
A_NAN = A.copy()
A_NAN[0, 1] = np.nan
A_NAN[2] = [np.nan, 0.5, np.nan, np.nan]
JITTED = {
    "nanvar": lambda v: tg.nanvar(v, axis=1), "nanstd": lambda v: tg.nanstd(v, axis=1, ddof=1),
    "nanmax": lambda v: tg.nanmax(v, axis=1), "nanmin": lambda v: tg.nanmin(v, axis=0),
    "nanprod": lambda v: tg.nanprod(v, axis=0), "nanmedian": lambda v: tg.nanmedian(v, axis=1),
    "nancumsum": lambda v: tg.nancumsum(v, axis=1), "nancumprod": lambda v: tg.nancumprod(v, axis=1),
    "nanquantile": lambda v: tg.nanquantile(v, [0.3, 0.8], axis=1),
    "nanpercentile": lambda v: tg.nanpercentile(v, 40, axis=1, method="nearest"),
    "quantile": lambda v: tg.quantile(v, 0.3, axis=1, method="midpoint"),
    "percentile": lambda v: tg.percentile(v, 40, method="inverted_cdf"),
    "quantile_averaged": lambda v: tg.quantile(v, [0.25, 0.5, 0.6], axis=1, method="averaged_inverted_cdf"),
    "nanquantile_closest": lambda v: tg.nanquantile(v, [0.25, 0.5, 0.6], axis=1, method="closest_observation"),
    "corrcoef": lambda v: tg.corrcoef(v), "nanmean_where": lambda v: tg.nanmean(v, axis=1, where=A > 0.3),
    "grad_nanvar": tg.grad(lambda v: tg.sum(tg.nanvar(v, axis=0))),
    "grad_quantile": tg.grad(lambda v: tg.sum(tg.nanquantile(v, 0.4, axis=1))),
}


@pytest.mark.parametrize("name", sorted(JITTED))
def test_jit_matches_eager(name):
    f = _quiet(JITTED[name])
    data = A_NAN if "nan" in name else A
    jf = _quiet(tg.jit(JITTED[name]))
    for v in (data, data[::-1] * 2.0 + 0.1):
        np.testing.assert_allclose(np.asarray(jf(v)), np.asarray(f(v)), equal_nan=True)


def test_where_initial_dtype_keywords_match_numpy():
    x = np.arange(12.0).reshape(3, 4) - 5
    m = x % 3 != 0
    for name in ("sum", "prod", "mean", "var", "std", "nansum", "nanmean"):
        got = getattr(tg, name)(x, axis=1, where=m)
        np.testing.assert_allclose(got, getattr(np, name)(x, axis=1, where=m))
    for name in ("max", "min", "amax", "amin"):
        np.testing.assert_allclose(getattr(tg, name)(x, axis=0, where=m, initial=0.5),
                                   getattr(np, name)(x, axis=0, where=m, initial=0.5))
    for name in ("all", "any"):
        assert np.array_equal(getattr(tg, name)(x > 0, axis=1, where=m), getattr(np, name)(x > 0, axis=1, where=m))
    assert tg.sum(x, initial=3.0) == np.sum(x, initial=3.0)
    assert tg.prod(x[0], initial=2.0) == np.prod(x[0], initial=2.0)
    for name in ("sum", "prod", "mean", "var", "std"):
        assert getattr(tg, name)(x, dtype=np.float32).dtype == np.float32
    np.testing.assert_allclose(tg.std(x, axis=0, correction=1), np.std(x, axis=0, ddof=1))
    assert tg.argmax(x, axis=1, keepdims=True).shape == np.argmax(x, axis=1, keepdims=True).shape
    assert np.array_equal(tg.argmin(x, keepdims=True), np.argmin(x, keepdims=True))
    with pytest.raises(TypeError, match=r"^sum\(\)"):
        tg.sum(x, bogus=1)


def test_where_gradients_match_jax():
    x = np.random.default_rng(4).random((3, 4))
    m = np.array([[True, False, True, True], [False] * 4, [True, True, False, True]])
    for name in ("sum", "mean", "var", "std", "nanmean", "prod"):
        def f(L):
            def g(a):
                r = getattr(L, name)(a, axis=1, where=m)
                return L.sum(L.where(L.isnan(r), 0.0, r) ** 2)
            return g
        want = np.array(_quiet(jax.grad(f(jnp)))(x))
        # a slice with no entries: JAX's var/std leak 0/0 there, tensorgrad gives 0
        want[1] = 0.0
        np.testing.assert_allclose(_quiet(tg.grad(f(tg)))(x), want, atol=1e-12, err_msg=name)
    h = lambda L: lambda a: L.max(a, axis=1, where=m, initial=0.0)  # noqa: E731
    np.testing.assert_allclose(tg.jacrev(h(tg))(x), jax.jit(jax.jacrev(h(jnp)))(x))


def test_descending_sort_is_stable_like_jax():
    y = np.array([[3.0, 1.0, 3.0, 2.0, 1.0], [0.5, 0.5, 0.2, 0.9, 0.5]])
    for axis in (-1, 0, None):
        assert np.array_equal(tg.argsort(y, axis=axis, descending=True),
                              jnp.argsort(y, axis=axis, descending=True, stable=True))
        np.testing.assert_array_equal(tg.sort(y, axis=axis, descending=True),
                                      jnp.sort(y, axis=axis, descending=True))
    w = np.arange(5.0)
    f = lambda L: lambda a: L.sort(a, descending=True) @ w  # noqa: E731
    np.testing.assert_allclose(tg.grad(f(tg))(y[0]), jax.jit(jax.grad(f(jnp)))(y[0]))


def test_prod_differentiates_at_zeros_to_any_order():
    """The second and third derivatives of prod at inputs with one or more zeros, or tiny
    entries (a derivative of out / x cancelled out/x² terms there: 0 instead of 0.5 at 5.6e-17,
    -7e283 at 1e-300), as JAX (they raised NotImplementedError), also over several axes and
    under tg.jit."""
    for x in (np.array([1.5, 0.0, 2.0]), np.array([0.0, 0.0, 2.0, 3.0]), np.array([0.8, 0.5, 5.551115123125783e-17]),
              np.array([0.8, 0.5, 1e-300]), np.array([0.8, 1e-12, 0.5])):
        np.testing.assert_allclose(tg.hessian(tg.prod)(x), jax.jit(jax.hessian(jnp.prod))(x), atol=1e-14)
        # every mode at each order: an outer reverse sweep differentiates the inner rules'
        # cotangents too, also where they are 0 now (they were taken for constants there)
        for outer, middle in itertools.product(("jacfwd", "jacrev"), repeat=2):
            for f in (lambda m: m.prod, lambda m: lambda v: m.sum(m.cumprod(v) ** 2)):
                d3 = lambda T, m: getattr(T, outer)(getattr(T, middle)(T.grad(f(m))))  # noqa: E731
                np.testing.assert_allclose(d3(tg, tg)(x), jax.jit(d3(jax, jnp))(x), atol=1e-12,
                                           err_msg=f"{outer}({middle}(grad))")
    X = np.array([[1.0, 0.0, 2.0], [3.0, 4.0, 0.0]])
    f = lambda m: lambda v: m.sum(m.prod(v, axis=1) ** 2 + m.prod(v, axis=(0, 1)) * v[0, 0])  # noqa: E731
    want = jax.jit(jax.hessian(f(jnp)))(X)
    np.testing.assert_allclose(tg.hessian(f(tg))(X), want, atol=1e-13)
    np.testing.assert_allclose(tg.jit(tg.hessian(f(tg)))(X), want, atol=1e-13)


def test_cov_differentiates_in_traced_aweights():
    rng = np.random.default_rng(0)
    m, aw, fw = rng.normal(size=(3, 6)), rng.random(6), np.array([1, 2, 1, 3, 1, 1])
    for kw in ({}, {"fweights": fw}, {"ddof": 0}):
        np.testing.assert_allclose(tg.cov(m, aweights=aw, **kw), np.cov(m, aweights=aw, **kw))
        np.testing.assert_allclose(tg.grad(lambda w: tg.sum(tg.cov(m, aweights=w, **kw)))(aw),
                                   jax.jit(jax.grad(lambda w: jnp.sum(jnp.cov(m, aweights=w, **kw))))(aw))
    np.testing.assert_allclose(tg.jit(lambda w: tg.cov(m, aweights=w))(aw), np.cov(m, aweights=aw))


def test_std_with_where_and_nanstd_have_slope_zero_at_zero_spread():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    mask = np.array([[True, False, False], [True, True, True]])
    np.testing.assert_allclose(tg.std(x, axis=1, where=mask), np.std(x, axis=1, where=mask))
    g = tg.grad(lambda v: tg.sum(tg.std(v, axis=1, where=mask)))(x)   # no warning, no NaN
    assert np.array_equal(g[0], [0.0, 0.0, 0.0])
    ref = jax.grad(lambda v: jnp.std(v[1]))(x)
    np.testing.assert_allclose(g[1], ref[1], rtol=1e-12, atol=1e-15)  # (JAX: 0 to rounding)
    assert tg.grad(tg.nanstd)(np.array([5.0, 5.0, np.nan])).tolist() == [0.0, 0.0, 0.0]


def test_means_of_empty_slices_and_no_degrees_of_freedom_are_quiet_nans_as_jax():
    cases = [("mean", np.zeros(0), {}), ("mean", np.zeros((0, 3)), {"axis": 0}),
             ("var", np.zeros((2, 0)), {"axis": 1}), ("std", np.zeros(0, np.float32), {}),
             ("var", np.array([1.0]), {"ddof": 1}), ("std", np.array([1.0, 3.0]), {"ddof": 2}),
             ("var", np.ones((2, 3)), {"axis": 0, "ddof": 2})]
    for name, x, kw in cases:  # NumPy's values (inf where ddof > n > 0, as NumPy), shapes, dtypes
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = getattr(np, name)(x, **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # NumPy warns for each; JAX and PyTorch do not
            got = getattr(tg, name)(x, **kw)
        np.testing.assert_array_equal(got, want)
        assert type(got) is type(want) and np.shape(got) == np.shape(want) and got.dtype == want.dtype
        assert np.shape(got) == getattr(jnp, name)(x, **kw).shape
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert tg.mean(np.zeros((0, 3)), axis=1).shape == (0,)
        assert tg.grad(tg.mean)(np.zeros(0)).shape == (0,)
        assert tg.grad(lambda v: tg.sum(tg.std(v, axis=1)))(np.zeros((2, 0))).shape == (2, 0)
        x = tg.tensor(np.zeros((0, 3)), requires_grad=True)
        loss = tg.nn.functional.mse_loss(x, tg.tensor(np.zeros((0, 3))))   # PyTorch's nan
        assert np.isnan(loss.item()) and np.isnan(x.mean().item())
        loss.backward()
        assert x.grad.shape == (0, 3)


@pytest.mark.parametrize("method", ["linear", "hazen", "weibull", "median_unbiased", "normal_unbiased",
                                    "interpolated_inverted_cdf"])
def test_quantile_slope_in_q_for_the_continuous_methods(method):
    # each is linear in q between two order statistics: the slope in q is their difference
    # times the virtual index's rate (checked with central differences away from the joints)
    d = np.array([0.0, 1.0, 2.0, 3.0, 7.0, -1.5])
    A = np.random.default_rng(0).normal(size=(3, 7))
    A[1, 2] = np.nan
    for q in (0.37, 0.03, 0.97):
        h = 1e-7
        want = (np.quantile(d, q + h, method=method) - np.quantile(d, q - h, method=method)) / (2 * h)
        np.testing.assert_allclose(tg.grad(lambda p: tg.quantile(d, p, method=method))(q), want,
                                   rtol=1e-6, atol=1e-9)
        qs = np.array([q, 0.61])
        J = tg.jacrev(lambda p: tg.nanquantile(A, p, axis=1, method=method))(qs)
        step = np.array([h, 0.0])
        want = (np.nanquantile(A, qs + step, axis=1, method=method)
                - np.nanquantile(A, qs - step, axis=1, method=method)) / (2 * h)
        np.testing.assert_allclose(J[:, :, 0], want, rtol=1e-6, atol=1e-8)
        value = tg.quantile(d, tg.tensor(np.array(q)), method=method)  # the same number as NumPy's
        assert np.asarray(value) == np.quantile(d, np.array(q), method=method)


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
def test_masked_moments_with_no_degree_of_freedom_left(name):
    # NumPy's values (inf, NaN for 0/0) where the mask leaves entries but no degree of freedom,
    # and a NaN slope at those entries (conventions: a value with no degree of freedom has
    # NaN gradients where its entries exist), as JAX's for ddof=1
    X = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]])
    W = np.array([[True, False, False], [True, True, False]])
    fn = getattr(tg, name)
    for ddof in (1, 2, 3):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = getattr(np, name)(X, axis=1, ddof=ddof, where=W)
        if name.startswith("nan"):  # the NaN-skipping ones keep NumPy's warning (row 0 has none left)
            with pytest.warns(RuntimeWarning, match="Degrees of freedom <= 0 for slice"):
                got = fn(X, axis=1, ddof=ddof, where=W)
        else:
            got = fn(X, axis=1, ddof=ddof, where=W)  # (quiet, as JAX: the suite turns warnings to errors)
        np.testing.assert_array_equal(got, want)
        for row in (0, 1):
            with warnings.catch_warnings():
                if name.startswith("nan"):
                    warnings.filterwarnings("ignore", "Degrees of freedom", RuntimeWarning)
                g = tg.grad(lambda v: fn(v, axis=1, ddof=ddof, where=W)[row])(X)
            np.testing.assert_array_equal(g[~W], 0.0)
            if ddof >= W[row].sum() and not name.startswith("nan"):  # (nanvar's NaN is "no
                assert np.all(np.isnan(g[row][W[row]]))  # result", an empty slice's: slope 0)
            if ddof == 1 or name.startswith("nan"):  # (var: a 0/0 row's NaN reaches the other
                # row's gradient too, as in JAX)
                want_g = jax.grad(lambda v: getattr(jnp, name)(v, axis=1, ddof=ddof, where=W)[row])(X)
                np.testing.assert_allclose(g, want_g, rtol=1e-13)


def test_nan_moments_of_integers_are_numpys_plain_moments():
    a = np.array([[1, 2], [3, 5]])
    for name in ("nanvar", "nanstd"):
        for ddof in (0, 1, 3):  # (3: no degree of freedom left, inf as np.var's; not NaN)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                want = getattr(np, name)(a, axis=0, ddof=ddof)
            np.testing.assert_array_equal(getattr(tg, name)(a, axis=0, ddof=ddof), want)


def test_two_norm_of_tiny_and_huge_vectors_is_rescaled_not_zero_or_inf():
    # sqrt(Σx²) underflowed to 0 (with a zero gradient, silently) or overflowed to inf
    for x, want in ((np.array([3e-170, 4e-170]), 5e-170), (np.array([1e200, -3e200]), np.sqrt(10) * 1e200),
                    (np.array([3e-20, 4e-20], dtype=np.float32), 5e-20)):
        np.testing.assert_allclose(tg.linalg.norm(x), want, rtol=1e-6 if x.dtype == np.float32 else 1e-15)
        np.testing.assert_allclose(tg.grad(lambda v: tg.linalg.norm(v))(x), x / want, rtol=1e-6)
    rows = np.array([[3e-170, 4e-170], [3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(tg.linalg.norm(rows, axis=1), [5e-170, 5.0, 0.0], rtol=1e-15)
    assert tg.linalg.norm(rows, axis=1, keepdims=True).shape == (3, 1)
    np.testing.assert_allclose(tg.linalg.vector_norm(np.array([3e-170, 4e-170])), 5e-170, rtol=1e-15)
