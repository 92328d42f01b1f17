"""Four places where tensorgrad's NumPy functions used to differ from NumPy: ``pad`` with
``reflect_type='odd'``, ``gradient`` with ``edge_order=2`` and coordinate arrays, the
quantiles of infinite entries, and ``float_power``'s special values. Values (and whether
a RuntimeWarning is emitted) are compared with NumPy, derivatives with JAX's (or, where
JAX has no such function, with the materialized linear map)."""
import itertools
import math
import warnings
import zlib

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient

import jax  # noqa: E402  (required: a missing JAX fails the run)
jnp = jax.numpy
jax.config.update("jax_enable_x64", True)

RNG = np.random.default_rng(20240611)


@pytest.fixture(autouse=True)
def _own_draws(request):
    """Each test draws from a generator seeded by its own name: its values do not depend on
    which tests ran before it in the same process (xdist's workers run them in any order)."""
    global RNG
    RNG = np.random.default_rng(zlib.crc32(request.node.name.encode()))


def _run(fn, *args, **kwargs):
    """``fn``'s value (a NumPy array, or the exception type) and whether it warned."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value = fn(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001  (the type is compared)
            value = type(exc)
    warned = any(issubclass(w.category, RuntimeWarning) for w in caught)
    if isinstance(value, tuple):
        value = tuple(np.asarray(v, dtype=float) for v in value)
    elif not isinstance(value, type):
        value = np.asarray(value, dtype=float)
    return value, warned


def _same(got, want) -> bool:
    if isinstance(want, type) or isinstance(got, type):
        return isinstance(got, type) and isinstance(want, type) and issubclass(got, want)
    return np.shape(got) == np.shape(want) and np.array_equal(got, want, equal_nan=True)


# ---- 1. pad, reflect_type='odd' -------------------------------------------------------------
X4 = np.array([1.0, 3.0, 4.0, 8.0])
X23 = np.array([[0.5, -1.0, 2.0], [3.0, 1.5, -0.5]])


@pytest.mark.parametrize("mode", ["reflect", "symmetric"])
def test_pad_odd_values_match_numpy(mode):
    n = len(X4)
    lengths = (0, 1, n - 1, n, 2 * n + 1)
    for before, after in itertools.product(lengths, lengths):
        got = tg.pad(X4, (before, after), mode=mode, reflect_type="odd")
        want = np.pad(X4, (before, after), mode=mode, reflect_type="odd")
        assert np.array_equal(got, want), (mode, before, after)
    for x in (np.array([2.5]), np.array([1.0, -4.0])):  # shorter than the padding
        for w in ((3, 0), (0, 5), (4, 7)):
            assert np.array_equal(tg.pad(x, w, mode=mode, reflect_type="odd"),
                                  np.pad(x, w, mode=mode, reflect_type="odd"))
    # 2-D, one pair per axis (corners are padded after the first axis, as NumPy)
    for widths in (((1, 2), (0, 3)), ((5, 0), (2, 7)), ((2, 2), (3, 3)), 4, (1, 5)):
        assert np.array_equal(tg.pad(X23, widths, mode=mode, reflect_type="odd"),
                              np.pad(X23, widths, mode=mode, reflect_type="odd")), widths
    assert np.array_equal(tg.pad(X23, {1: (2, 6)}, mode=mode, reflect_type="odd"),
                          np.pad(X23, {1: (2, 6)}, mode=mode, reflect_type="odd"))
    # the even reflection is unchanged
    assert np.array_equal(tg.pad(X23, ((2, 3), (4, 1)), mode=mode, reflect_type="even"),
                          np.pad(X23, ((2, 3), (4, 1)), mode=mode))


@pytest.mark.parametrize("mode, widths", [("reflect", ((5, 1), (2, 7))),
                                          ("symmetric", ((0, 4), (6, 3)))])
def test_pad_odd_derivatives_match_jax(mode, widths):
    def f(m):
        return lambda x: m.pad(x, widths, mode=mode, reflect_type="odd")
    out, pull = tg.vjp(f(tg), X23)
    jout, jpull = jax.vjp(f(jnp), X23)
    np.testing.assert_array_equal(out, jout)
    u = RNG.normal(size=np.shape(jout))
    np.testing.assert_allclose(pull(u)[0], jpull(u)[0], rtol=1e-12, atol=1e-12)
    t = RNG.normal(size=X23.shape)
    np.testing.assert_allclose(tg.jvp(f(tg), (X23,), (t,))[1], jax.jvp(f(jnp), (X23,), (t,))[1],
                               rtol=1e-12, atol=1e-12)
    J = jax.jacfwd(f(jnp))(X23)
    np.testing.assert_allclose(tg.jacfwd(f(tg))(X23), J, atol=1e-12)
    np.testing.assert_allclose(tg.jacrev(f(tg))(X23), J, atol=1e-12)
    np.testing.assert_allclose(tg.jit(f(tg))(X23 + 1), np.pad(X23 + 1, widths, mode=mode, reflect_type="odd"))
    # vmap over a leading axis pads each row (1-D widths)
    xs = RNG.normal(size=(3, 4))
    g = lambda m: lambda x: m.pad(x, (6, 2), mode=mode, reflect_type="odd")  # noqa: E731
    np.testing.assert_allclose(tg.vmap(g(tg))(xs), jax.vmap(g(jnp))(xs), atol=1e-12)
    np.testing.assert_allclose(tg.jacrev(tg.vmap(g(tg)))(xs), jax.jacrev(jax.vmap(g(jnp)))(xs), atol=1e-12)
    # second order: the sum of squares of the padding
    h = lambda m: lambda x: m.sum(m.pad(x, (5, 3), mode=mode, reflect_type="odd") ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.hessian(h(tg))(X4), jax.hessian(h(jnp))(X4), atol=1e-10)


def test_pad_odd_bad_input():
    with pytest.raises(ValueError, match="pad.*reflect_type"):
        tg.pad(X4, 2, mode="reflect", reflect_type="sideways")
    with pytest.raises(TypeError, match="pad"):
        tg.pad(X4, 2, mode="edge", reflect_type="odd")


# ---- 2. gradient, edge_order=2 with coordinates -----------------------------------------------
def _coords(n):
    return np.cumsum(RNG.uniform(0.1, 2.0, n))


F3 = RNG.normal(size=(4, 5, 3))
C3 = [_coords(k) for k in F3.shape]


@pytest.mark.parametrize("edge_order", [1, 2])
def test_gradient_coordinates_match_numpy(edge_order):
    for n in (3, 4, 8):
        f, x = RNG.normal(size=n), _coords(n)
        for spacing in (x, np.arange(n), np.arange(n) * 0.25 - 1.0, x.astype(np.float32), 0.7):
            np.testing.assert_allclose(tg.gradient(f, spacing, edge_order=edge_order),
                                       np.gradient(f, spacing, edge_order=edge_order), rtol=1e-12, atol=1e-12)
    calls = [((C3[0], 0.5, C3[2]), {}), ((C3[1],), {"axis": 1}), ((C3[2], C3[0]), {"axis": (2, 0)}),
             ((C3[0],), {"axis": -3}), ((2.0,), {}), ((1.0, C3[1], 3.0), {})]
    for args, kw in calls:
        got = tg.gradient(F3, *args, edge_order=edge_order, **kw)
        want = np.gradient(F3, *args, edge_order=edge_order, **kw)
        got, want = (got, want) if isinstance(want, (tuple, list)) else ((got,), (want,))
        assert len(got) == len(want)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    f32 = F3.astype(np.float32)
    got = tg.gradient(f32, C3[1], axis=1, edge_order=edge_order)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, np.gradient(f32, C3[1], axis=1, edge_order=edge_order), rtol=1e-6)


def test_gradient_coordinates_derivatives():
    x = _coords(6)

    def f(v):
        return tg.gradient(v, x, edge_order=2)
    v = RNG.normal(size=6)
    # linear in f: its Jacobian is NumPy's gradient of the unit vectors
    J = np.stack([np.gradient(e, x, edge_order=2) for e in np.eye(6)], axis=1)
    np.testing.assert_allclose(tg.jacrev(f)(v), J, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tg.jacfwd(f)(v), J, rtol=1e-12, atol=1e-12)
    u = RNG.normal(size=6)
    np.testing.assert_allclose(tg.vjp(f, v)[1](u)[0], u @ J, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(tg.jit(f)(v), J @ v, rtol=1e-12, atol=1e-12)
    vs = RNG.normal(size=(3, 6))
    np.testing.assert_allclose(tg.vmap(f)(vs), vs @ J.T, rtol=1e-12, atol=1e-12)
    # against JAX's gradient where it has one (a scalar spacing, edge_order=1: its default)
    jf = lambda m: lambda w: m.sum(m.gradient(w, 0.3, axis=1) ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.grad(jf(tg))(F3), jax.grad(jf(jnp))(F3), rtol=1e-12, atol=1e-12)
    # several axes, coordinate arrays on two of them: the map materialized one basis vector at a time
    g = lambda w: tg.stack(tg.gradient(w, C3[0], 0.5, C3[2], edge_order=2))  # noqa: E731
    basis = np.eye(F3.size).reshape((F3.size,) + F3.shape)
    Jn = np.stack([np.stack(np.gradient(e, C3[0], 0.5, C3[2], edge_order=2)) for e in basis], axis=-1)
    np.testing.assert_allclose(np.reshape(tg.jacrev(g)(F3), Jn.shape), Jn, rtol=1e-12, atol=1e-12)


def test_gradient_coordinates_bad_input():
    with pytest.raises(ValueError, match="gradient"):
        tg.gradient(np.ones(2), np.array([0.0, 1.0]), edge_order=2)  # too short for edge_order 2
    with pytest.raises(ValueError, match="gradient"):
        tg.gradient(np.ones(4), np.array([0.0, 1.0, 3.0]), edge_order=2)


# ---- 3. quantiles of infinite entries -----------------------------------------------------------
INF, NAN = np.inf, np.nan
ROWS = [[INF, INF], [-INF, INF], [-INF, -INF], [1.0, INF], [-INF, 1.0], [0.0, 1.0, INF],
        [INF, INF, INF], [-INF, 0.0, 1.0, INF], [1.0, 2.0, 4.0], [NAN, INF, INF], [NAN, 1.0, INF],
        [NAN, NAN], [1.0, NAN, 2.0, INF, -INF], [2.0, INF, INF, 5.0, -INF]]
QS = [0.0, 0.25, 0.5, 0.75, 1.0, np.array([0.0, 0.3, 0.5, 1.0])]
METHODS = ["linear", "lower", "higher", "midpoint", "nearest", "inverted_cdf",
           "interpolated_inverted_cdf", "hazen", "weibull", "median_unbiased", "normal_unbiased"]


@pytest.mark.parametrize("name", ["quantile", "percentile", "nanquantile", "nanpercentile"])
def test_quantile_infinities_values_and_warnings(name):
    scale = 100 if "percentile" in name else 1
    bad = []
    for row, q, method in itertools.product(ROWS, QS, METHODS):
        a, qq = np.array(row), q * scale
        got, got_warned = _run(getattr(tg, name), a, qq, method=method)
        want, want_warned = _run(getattr(np, name), a, qq, method=method)
        if not _same(got, want) or got_warned != want_warned:
            bad.append((row, q, method, got, got_warned, want, want_warned))
    # 2-D, along an axis, several q: slices of every kind at once
    a = np.array([[INF, 1.0, NAN, -INF], [INF, 2.0, 3.0, INF], [INF, 5.0, 4.0, 1.0]])
    for method, axis in itertools.product(METHODS, (0, 1)):
        q = np.array([0.0, 0.5, 0.9]) * scale
        got, gw = _run(getattr(tg, name), a, q, axis=axis, method=method)
        want, ww = _run(getattr(np, name), a, q, axis=axis, method=method)
        if not _same(got, want) or gw != ww:
            bad.append((a, q, method, got, gw, want, ww))
    assert not bad, bad[:5]


def test_median_infinities_values_and_warnings():
    for name, row in itertools.product(["median", "nanmedian"], ROWS + [[]]):
        got, gw = _run(getattr(tg, name), np.array(row))
        want, ww = _run(getattr(np, name), np.array(row))
        assert _same(got, want) and gw == ww, (name, row, got, gw, want, ww)
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        assert np.isnan(tg.nanmedian(np.array([NAN, NAN])))
    with pytest.warns(RuntimeWarning, match="All-NaN"):
        np.testing.assert_array_equal(tg.nanquantile(np.array([[NAN, 1.0], [NAN, 3.0]]), 0.5, axis=0),
                                      [NAN, 2.0])


def test_quantile_infinities_under_transforms():
    a = np.array([[INF, INF, 1.0], [1.0, 2.0, 3.0]])
    with np.errstate(invalid="ignore"):
        want = np.quantile(a, 0.5, axis=1)
        f = tg.jit(lambda x: tg.quantile(x, 0.5, axis=1))
        np.testing.assert_array_equal(f(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 7.0]])), [2.0, 5.0])
        np.testing.assert_array_equal(f(a), want)
        np.testing.assert_array_equal(tg.vmap(lambda x: tg.quantile(x, 0.5))(a), want)
    with pytest.warns(RuntimeWarning, match="invalid value"):
        tg.quantile(np.array([INF, INF]), 0.5)


@pytest.mark.parametrize("method", ["linear", "midpoint", "lower", "higher", "nearest"])
def test_quantile_derivatives_still_match_jax(method):
    x = RNG.normal(size=(3, 7))
    q = np.array([0.0, 0.2, 0.5, 0.75, 1.0])
    f = lambda m: lambda v: m.quantile(v, q, axis=1, method=method)  # noqa: E731
    u = RNG.normal(size=(5, 3))
    np.testing.assert_allclose(tg.quantile(x, q, axis=1, method=method), np.quantile(x, q, axis=1, method=method),
                               rtol=0, atol=0)
    np.testing.assert_allclose(tg.vjp(f(tg), x)[1](u)[0], jax.vjp(f(jnp), x)[1](u)[0], rtol=1e-12, atol=1e-12)
    t = RNG.normal(size=x.shape)
    np.testing.assert_allclose(tg.jvp(f(tg), (x,), (t,))[1], jax.jvp(f(jnp), (x,), (t,))[1], rtol=1e-12, atol=1e-12)
    if method == "linear":  # the gradient in q too
        g = lambda m: lambda qq: m.sum(m.quantile(x, qq, axis=1))  # noqa: E731
        qq = np.array([0.1, 0.45, 0.8])
        np.testing.assert_allclose(tg.grad(g(tg))(qq), jax.grad(g(jnp))(qq), rtol=1e-12)


# ---- 4. power and float_power at special points -------------------------------------------------
BASES = [-INF, -2.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.0, INF, NAN]
EXPONENTS = [-INF, -2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, INF, NAN]
SHAPES = {"python": float, "0-d": np.array, "1-d": lambda v: np.array([v])}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_power_special_values_and_warnings(shape):
    make = SHAPES[shape]
    pairs = [
        (tg.power, np.power), (tg.float_power, np.float_power),
        (lambda b, e: tg.Tensor(np.asarray(b)) ** e, lambda b, e: np.asarray(b) ** e),
        (lambda b, e: b ** tg.Tensor(np.asarray(e)), lambda b, e: b ** np.asarray(e)),
    ]
    bad = []
    for (tf, nf), b, e in itertools.product(pairs, BASES, EXPONENTS):
        got, gw = _run(tf, make(b), make(e))
        want, ww = _run(nf, make(b), make(e))
        if not _same(got, want) or gw != ww:
            bad.append((b, e, got, gw, want, ww))
    assert not bad, bad[:6]
    with np.errstate(all="ignore"):  # the case this fix is named for
        assert tg.float_power(-np.inf, 0.5) == np.inf


def test_float_power_derivatives_still_match_jax():
    x = np.array([0.3, 1.7, 2.5, 0.9])
    y = np.array([-1.5, 0.5, 2.0, 3.0])
    for name in ("float_power", "power"):
        f = lambda m: lambda a, b: getattr(m, name)(a, b)  # noqa: E731
        u = RNG.normal(size=4)
        got = tg.vjp(f(tg), x, y)[1](u)
        want = jax.vjp(f(jnp), x, y)[1](u)
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-12)
        tx, ty = RNG.normal(size=4), RNG.normal(size=4)
        np.testing.assert_allclose(tg.jvp(f(tg), (x, y), (tx, ty))[1], jax.jvp(f(jnp), (x, y), (tx, ty))[1],
                                   rtol=1e-12)
    h = lambda m: lambda a: m.sum(m.float_power(a, 2.5))  # noqa: E731
    np.testing.assert_allclose(tg.hessian(h(tg))(x), jax.hessian(h(jnp))(x), rtol=1e-12)
    np.testing.assert_allclose(tg.jit(lambda a: tg.float_power(a, y))(x), np.float_power(x, y), rtol=0)
    np.testing.assert_allclose(tg.vmap(lambda a: tg.float_power(a, 1.5))(x[:, None]), np.float_power(x[:, None], 1.5))
    g32 = tg.grad(lambda a: tg.float_power(a, 2.5))(np.float32(1.5))
    assert np.result_type(g32) == np.float32


def test_second_derivatives_through_an_empty_difference():
    # diff of order ≥ the axis length is empty: a batch of cotangents (jacrev's rows, so
    # hessian's) gets zeros with its batch axis, as one cotangent does
    x = np.array([1.0, 2.0, 4.0])
    np.testing.assert_array_equal(tg.hessian(lambda v: tg.sum(tg.diff(v, n=3)))(x), np.zeros((3, 3)))
    assert tg.jacrev(lambda v: tg.diff(v, n=3))(x).shape == (0, 3)
    m = np.ones((3, 4))
    np.testing.assert_array_equal(tg.hessian(lambda v: tg.sum(tg.diff(v, n=3, axis=0)))(m),
                                  np.zeros((3, 4, 3, 4)))


def test_cumprod_derivatives_of_non_finite_inputs_are_quiet():
    # the forward is silent on NaN and ±inf; so is the exact (matrix) path of its derivatives
    x = np.array([np.nan, np.inf, -np.inf, 1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(tg.grad(lambda v: tg.sum(tg.cumprod(v)))(x)).all()
        t = tg.jvp(tg.cumprod, (x,), (np.ones(4),))[1]
    assert t[0] == 1.0 and np.isnan(t[1:]).all()


def test_logsumexp_entries_masked_by_a_zero_scale():
    # b = 0 where x is ±inf or NaN: the value ignores the entry, and so do the x-derivatives
    # (they were NaN everywhere); the b-derivative there is exp(x)/S
    b = np.array([1.0, 0.0, 2.0])
    want = np.exp([1.0, 3.0]) * [1.0, 2.0] / (np.e + 2 * np.e ** 3)
    for mid, b_slope in [(np.inf, np.inf), (np.nan, np.nan), (-np.inf, 0.0)]:
        x = np.array([1.0, mid, 3.0])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            gx = tg.grad(lambda v: tg.scipy.special.logsumexp(v, b=b))(x)
            gb = tg.grad(lambda c: tg.scipy.special.logsumexp(x, b=c))(b)
            t = tg.jvp(lambda v: tg.scipy.special.logsumexp(v, b=b), (x,), (np.ones(3),))[1]
        np.testing.assert_allclose(gx, [want[0], 0.0, want[1]], rtol=1e-14)
        np.testing.assert_allclose(tg.jit(tg.grad(lambda v: tg.scipy.special.logsumexp(v, b=b)))(x), gx)
        np.testing.assert_allclose(gb[[0, 2]], want / [1.0, 2.0], rtol=1e-14)
        np.testing.assert_equal(gb[1], b_slope)
        assert np.isclose(t, 1.0)



def test_logsumexp_of_terms_that_cancel_has_infinite_slopes():
    # Σ b·eˣ = 0 with non-zero terms: lse = log|S| = −inf, whose slope is (1/S)·∂S = ±inf. The
    # gradient was 0. A b = 0 term is not in S (x-slope 0); eˣ = 0 gives NaN (as JAX)
    x = np.array([[0.0, 0.0, 1.0, -np.inf], [0.5, 1.0, 2.0, 0.0]])
    b = np.array([[1.0, -1.0, 0.0, 2.0], [1.0, -1.0, 1.0, 0.0]])
    lse = tg.scipy.special.logsumexp

    def f(v, c):
        return tg.sum(lse(v, b=c, axis=1))
    regular = np.exp(x[1]) * b[1] / np.sum(b[1] * np.exp(x[1]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for grad in (tg.grad(f, argnums=(0, 1)), tg.jit(tg.grad(f, argnums=(0, 1)))):
            gx, gb = grad(x, b)
            np.testing.assert_array_equal(gx[0], [np.inf, -np.inf, 0.0, np.nan])
            np.testing.assert_allclose(gx[1], regular, rtol=1e-14)
            np.testing.assert_array_equal(gb[0], [np.inf, np.inf, np.inf, np.nan])
        # each row's Jacobian block: the other row's entries are exactly 0 in both modes
        for jac in (tg.jacrev, tg.jacfwd):
            J = jac(lambda v: lse(v, b=b, axis=1))(x)
            np.testing.assert_array_equal(J[0, 1], 0.0)
            np.testing.assert_array_equal(J[1, 0], 0.0)
            np.testing.assert_array_equal(J[0, 0], [np.inf, -np.inf, 0.0, np.nan])
        _, t = tg.jvp(lambda v: lse(v, b=b, axis=1), (x,), (np.array([[1.0, 0, 0, 0], [1, 1, 1, 1]]),))
        assert t[0] == np.inf and np.isclose(t[1], regular.sum())
    jx = jax.grad(lambda v, c: jax.scipy.special.logsumexp(v, b=c, axis=1).sum())(x, b)
    np.testing.assert_allclose(gx, jx, rtol=1e-13)

def test_numpy_docstring_inputs_that_used_to_fail():
    x = np.array([np.inf, -np.inf, np.nan, -128, 128])
    nan, posinf, neginf = (np.array([11, 12, -9999, 13, 14]), np.array([33333333, 11, 12, 13, 14]),
                           np.array([11, 33333333, 12, 13, 14]))
    np.testing.assert_array_equal(tg.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf),
                                  np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf))
    g = tg.grad(lambda v: tg.sum(tg.nan_to_num(v, nan=nan) * np.arange(5.0)))(np.array([np.nan, 1.0, 2.0, 3.0, np.nan]))
    np.testing.assert_array_equal(g, [0.0, 1.0, 2.0, 3.0, 0.0])
    xs, xp, fp = [-180, -170, -185, 185, -10, -5, 0, 365], [190, -190, 350, -350], [5, 10, 3, 4]
    np.testing.assert_allclose(tg.interp(xs, xp, fp, period=360), np.interp(xs, xp, fp, period=360))
    for z in ([2.1 + 4e-15j, 5.2 + 3e-15j], [2.1 + 4e-13j, 5.2 + 3e-15j]):
        np.testing.assert_array_equal(tg.real_if_close(z), np.real_if_close(z))
    assert tg.vecdot([1.5, 2, 1], [0.5, 3, 2]) == 8.75 == tg.linalg.vecdot([1.5, 2, 1], [0.5, 3, 2])
    np.testing.assert_array_equal(tg.astype(np.arange(3), np.float64, copy=False), [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.astype(v, np.float32, copy=True)))(np.ones(2)), 1.0)


def test_logsumexp_gradient_at_plus_infinity_spoils_only_that_entry():
    x = np.array([1.0, np.inf, 2.0])
    for g in (tg.grad(tg.special.logsumexp)(x), tg.jit(tg.grad(tg.special.logsumexp))(x),
              tg.grad(lambda v: tg.special.logsumexp(v, b=np.array([1.0, 2.0, 3.0])))(x)):
        assert g[0] == 0 and g[2] == 0 and np.isnan(g[1])   # (JAX's answer)
    np.testing.assert_array_equal(tg.grad(tg.special.logsumexp)(np.full(2, -np.inf)), 0.0)


def test_keyword_arguments_of_newer_numpy():
    A = np.arange(9.0).reshape(3, 3)
    t = tg.linalg.trace(A, dtype=np.float32)
    assert t == np.linalg.trace(A, dtype=np.float32) and np.result_type(t) == np.float32
    np.testing.assert_array_equal(tg.grad(lambda a: tg.linalg.trace(a, offset=1, dtype=np.float64))(A),
                                  np.eye(3, k=1))
    np.testing.assert_array_equal(tg.unique(np.array([3, 1, 3]), sorted=False), [1, 3])


def test_an_axis_that_is_not_an_int_is_refused_as_numpy_refuses_it():
    a = np.array([[3.0, 1.0, 2.0], [0.0, 5.0, 4.0]])
    calls = [lambda v: np.sort(v, axis=(0, 1)), lambda v: np.cumsum(v, axis=(1, 0)),
             lambda v: np.repeat(v, 2, axis=(1,)), lambda v: np.concatenate([v, v], axis=(0, 1)),
             lambda v: np.argmax(v, axis="1"), lambda v: np.argmax(v, axis=1.0),
             lambda v: np.argmin(v, axis=(0,)), lambda v: np.argsort(v, axis=(0,)),
             lambda v: np.diff(v, axis=(0,)), lambda v: np.take(v, [0], axis=(0,)),
             lambda v: np.stack([v, v], axis=(0,)), lambda v: np.split(v, 2, axis=(0,)),
             lambda v: np.swapaxes(v, (0,), 1), lambda v: np.trapezoid(v, axis=(0,))]
    for call in calls:
        with pytest.raises(TypeError):
            call(a)  # NumPy's own
        with pytest.raises(TypeError, match="axis must be an int"):
            call(tg.tensor(a))
        with pytest.raises(TypeError, match="axis must be an int"):
            tg.grad(lambda v: tg.sum(call(v)))(a)  # (it used to take the first entry)
    np.testing.assert_array_equal(np.argmax(tg.tensor(a), axis=np.int64(1)), [0, 1])


def test_a_python_integer_that_does_not_fit_raises_as_in_numpy_2():
    i8 = np.array([1, 2, 3], np.int8)
    for call in (lambda v: np.insert(v, 1, 1000), lambda v: tg.put(v, [0], [300, 1], inplace=False),
                 lambda v: tg.place(v, i8 > 1, [1000], inplace=False)):
        with pytest.raises(OverflowError, match="out of bounds for int8"):
            call(tg.tensor(i8))
    np.testing.assert_array_equal(np.insert(tg.tensor(i8), 1, 1.5), np.insert(i8, 1, 1.5))


def test_diff_of_order_zero_ignores_prepend_and_append():
    # NumPy returns the input as it is for n = 0; the extra rows are not joined on
    x = np.arange(10.0).reshape(2, 5)
    pre, app = np.ones((1, 5)), np.zeros((2, 5))
    for n in (0, 1, 2):
        np.testing.assert_array_equal(tg.diff(x, n=n, axis=0, prepend=pre, append=app),
                                      np.diff(x, n=n, axis=0, prepend=pre, append=app))
    g = tg.grad(lambda v: tg.sum(tg.diff(v, n=0, prepend=5.0) ** 2))(np.array([1.0, 2.0]))
    np.testing.assert_array_equal(g, [2.0, 4.0])


def test_tensorsolve_needs_matching_sizes_not_shapes():
    # NumPy's rule: after moving `axes` to the end, a.shape[:b.ndim] must hold as many entries
    # as b (here (2, 3) against b's (3, 2)); JAX asks for equal shapes, NumPy does not
    rng = np.random.default_rng(7)
    a, b = rng.standard_normal((2, 3, 6)), rng.standard_normal((2, 3))
    np.testing.assert_allclose(tg.linalg.tensorsolve(a, b, axes=(0, 2)),
                               np.linalg.tensorsolve(a, b, axes=(0, 2)), rtol=1e-12)
    a2, b2 = rng.standard_normal((3, 2, 6)) + 0.0, rng.standard_normal((2, 3))
    np.testing.assert_allclose(tg.linalg.tensorsolve(a2, b2), np.linalg.tensorsolve(a2, b2), rtol=1e-12)
    g = tg.grad(lambda m: tg.sum(tg.linalg.tensorsolve(m, b2) ** 2))(a2)
    want = central_difference_gradient(lambda m: np.sum(np.linalg.tensorsolve(m, b2) ** 2), a2)
    np.testing.assert_allclose(g, want, rtol=1e-6, atol=1e-6)
    with pytest.raises(np.linalg.LinAlgError, match="tensorsolve: a .shape .2, 3, 5.. must be square"):
        tg.linalg.tensorsolve(rng.standard_normal((2, 3, 5)), b)


def test_positive_of_booleans_keeps_them_as_jax_does():
    # NumPy's positive has no boolean loop; JAX returns the booleans, and so does +tensor
    b = np.array([True, False])
    for got in (tg.positive(b), tg.positive(tg.tensor(b)), +tg.tensor(b)):
        got = np.asarray(getattr(got, "value", got))
        assert got.dtype == bool and got.tolist() == [True, False]
    out = tg.positive(b)
    out[0] = False
    assert b[0]  # a new array, not the caller's
    assert np.asarray(tg.positive(True)).dtype == bool and bool(tg.positive(True))
    assert tg.positive([1, 2]).tolist() == [1, 2] and tg.positive(2.5) == 2.5


def test_an_axis_out_of_range_is_numpys_axis_error_naming_the_op():
    # NumPy raises AxisError (an IndexError and a ValueError); the clear message keeps the class
    a = np.ones((2, 3))
    for call in (lambda: tg.argmax(a, axis=2), lambda: tg.tensor(a).argmin(axis=-3),
                 lambda: tg.jit(lambda v: tg.argmax(v, axis=2))(a)):
        with pytest.raises(np.exceptions.AxisError, match=r"arg(max|min): .*axis -?\d is out of bounds.*shape=\(2, 3\)"):
            call()


@pytest.mark.parametrize("name", ["count_nonzero", "nanargmax", "nanargmin", "nanvar", "nanstd",
                                  "unique", "unwrap", "trim_zeros"])
def test_functions_that_call_numpy_name_themselves_in_axis_errors(name):
    a = np.arange(6.0).reshape(2, 3)
    with pytest.raises(np.exceptions.AxisError, match=rf"^{name}: axis 7 is out of bounds for an input with 2 dimensions"):
        getattr(tg, name)(a, axis=7)
    with pytest.raises(np.exceptions.AxisError, match=rf"^{name}: axis -3 "):
        getattr(tg, name)(tg.tensor(a), axis=-3)
    np.testing.assert_allclose(getattr(tg, name)(a, axis=-1), getattr(np, name)(a, axis=-1), rtol=1e-13)


def test_lexsort_names_itself_in_axis_errors():
    keys = (np.array([1, 0, 1]), np.array([2.0, 1.0, 0.0]))
    with pytest.raises(np.exceptions.AxisError, match=r"^lexsort: axis 1 is out of bounds"):
        tg.lexsort(keys, axis=1)
    np.testing.assert_array_equal(tg.lexsort(keys), np.lexsort(keys))
    np.testing.assert_array_equal(tg.lexsort(np.array([[3, 1, 2], [0, 0, 1]])), np.lexsort(np.array([[3, 1, 2], [0, 0, 1]])))


def test_out_none_is_accepted_where_numpy_takes_out():
    # NumPy's default out=None was refused by most functions (with an internal helper's name
    # in the message); JAX accepts it. Every published function whose NumPy namesake takes
    # out= accepts None, and an array to write into raises a TypeError naming the function.
    x = np.array([0.5, 1.5, 2.5])
    calls = {"cumsum": (x,), "nancumprod": (x,), "round": (x, 1), "clip": (x, 0.0, 1.0),
             "sqrt": (x,), "cbrt": (x,), "mod": (x, 2.0), "copysign": (x, -1.0),
             "ldexp": (x, np.array([1, 2, 3])), "heaviside": (x, 0.5), "logaddexp": (x, x),
             "float_power": (x, 2.0), "arctan2": (x, x), "matmul": (x, x), "dot": (x, x),
             "rint": (x,), "fix": (x,), "positive": (x,), "conj": (x,), "cumulative_sum": (x,),
             "vecdot": (x, x)}
    for name, args in calls.items():
        np.testing.assert_array_equal(getattr(tg, name)(*args, out=None), getattr(np, name)(*args))
        buf = np.zeros(np.shape(getattr(np, name)(*args)))
        try:  # a ufunc's out= is NumPy's (tg.exp(x, out=buf)); the others' raise, naming the function
            got = getattr(tg, name)(*args, out=buf)
        except TypeError as e:
            assert not isinstance(getattr(np, name), np.ufunc) and "out= is not supported" in str(e)
        else:
            assert got is buf
            np.testing.assert_array_equal(buf, getattr(np, name)(*args))
    g = tg.grad(lambda v: tg.sum(tg.cumsum(v, out=None) * tg.sqrt(v, out=None)))(x)
    np.testing.assert_allclose(g, jax.grad(lambda v: jnp.sum(jnp.cumsum(v) * jnp.sqrt(v)))(x), rtol=1e-13)


def test_outputs_given_by_position_as_numpy_takes_them():
    # NumPy takes a ufunc's outputs after its inputs (np.modf(x, o1, o2)) and another function's
    # out in its place in the signature (np.round(a, 1, o), np.clip(a, 0, 1, o)): every ufunc
    # tensorgrad publishes, and the functions below, write there as NumPy does
    checked = 0
    for name in dir(np):
        u = getattr(np, name)
        if not isinstance(u, np.ufunc) or not hasattr(tg, name):
            continue
        shape = (3, 3) if u.signature else (3,)
        for dt in (np.float64, np.int64, bool):
            args = tuple(np.arange(1, 10)[:math.prod(shape)].reshape(shape).astype(dt) for _ in range(u.nin))
            try:
                with np.errstate(all="ignore"):  # (arccos(2) is NaN, as it should be)
                    want = u(*args)
            except TypeError:
                continue
            break
        want = want if isinstance(want, tuple) else (want,)
        outs = tuple(np.zeros_like(w) for w in want)
        with np.errstate(all="ignore"):
            got = getattr(tg, name)(*args, *outs)
        for o, w in zip(outs, want):
            np.testing.assert_array_equal(o, w, err_msg=name)
            assert o.dtype == w.dtype, name
        assert (got if u.nout > 1 else (got,))[0] is outs[0], name
        checked += 1
    assert checked > 100
    x = np.array([1.26, -2.5, 3.7])
    a = np.arange(9.0).reshape(3, 3)
    calls = {"round": (x, 1), "around": (x, 1), "clip": (x, 0.0, 1.0), "cumsum": (x, 0, None),
             "sum": (a, 1, None), "percentile": (x, 50, None), "take": (x, [0, 2], 0),
             "trace": (a, 0, 0, 1, None), "argmax": (a, 0)}
    for name, args in calls.items():
        want = getattr(np, name)(*args)
        buf = np.zeros_like(want)
        assert getattr(tg, name)(*args, buf) is buf, name
        np.testing.assert_array_equal(buf, want, err_msg=name)
    o1, o2 = np.zeros(3), np.zeros(3)
    frac, whole = tg.modf(x, o1)  # one of two outputs given: the other is made
    assert frac is o1 and whole is not o2
    np.testing.assert_array_equal(whole, np.trunc(x))
    with pytest.raises(TypeError, match=r"^modf\(\) takes at most 3 positional arguments"):
        tg.modf(x, o1, o2, o1)
    with pytest.raises(TypeError, match=r"^round\(\): cannot give 'out' both by position and by keyword"):
        tg.round(x, 1, o1, out=o2)
    with pytest.raises(TypeError, match=r"clip\(\.\.\., out=array\) would write a traced Tensor"):
        tg.grad(lambda v: tg.sum(tg.clip(v, 0.0, 1.0, o1)))(x)  # (a gradient cannot go into an array)
    with pytest.raises(TypeError, match=r"^modf\(\): an output given by position must be an array, got tuple"):
        tg.modf(x, (o1, o2))
    t, b1, b2 = tg.tensor(x), np.zeros(3), np.zeros(3)  # the method too (its out= recursed)
    assert t.clip(0.0, 1.0, b1) is b1 and t.clip(0.0, 1.0, out=b2) is b2
    np.testing.assert_array_equal(b1, np.clip(x, 0.0, 1.0))
    np.testing.assert_array_equal(b2, np.clip(x, 0.0, 1.0))
    # (matvec and vecmat took no out at all, and refused NumPy's ufunc keywords)
    np.testing.assert_array_equal(tg.matvec(a, x, out=o1), np.matvec(a, x))
    assert tg.matvec(a, x.astype(np.float32), dtype=np.float32).dtype == np.float32


def test_products_take_jaxs_precision_and_preferred_element_type():
    A, B = np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2)
    highest = tg.lax.Precision.HIGHEST
    np.testing.assert_array_equal(tg.matmul(A, B, precision=highest), A @ B)
    r = tg.matmul(A, B, preferred_element_type=np.float32)
    assert r.dtype == np.float32 and np.allclose(r, A @ B)
    np.testing.assert_array_equal(tg.vecdot(A, A, precision=None), np.vecdot(A, A))
    np.testing.assert_array_equal(tg.linalg.multi_dot([A, B, A], precision=highest), A @ B @ A)
    np.testing.assert_array_equal(tg.grad(lambda a: tg.sum(tg.matmul(a, B, precision=highest)))(A),
                                  np.ones((2, 2)) @ B.T)


def _ufuncs_of_tg():
    for name in sorted(dir(np)):
        u = getattr(np, name)
        if isinstance(u, np.ufunc) and u.nout == 1 and hasattr(tg, name) and u.signature is None:
            yield name, u


def test_ufunc_keywords_out_where_dtype_and_casting_are_numpys():
    rng = np.random.default_rng(0)
    checked = 0
    for name, u in _ufuncs_of_tg():
        ints = any(t[0] in "bBhHiIlLqQ" for t in u.types) and not any(t[0] in "efdg" for t in u.types)
        args = [np.array([1, 2, 3]) if ints else rng.uniform(0.1, 0.9, size=3) for _ in range(u.nin)]
        mask = np.array([True, False, True])
        for kw in ({"out": True}, {"out": True, "where": mask}, {"dtype": np.float32},
                   {"dtype": np.float32, "casting": "unsafe"}):
            def run(f):
                k = dict(kw)
                if "out" in k:
                    k["out"] = np.full(3, 7.0)
                try:
                    with np.errstate(all="ignore"):  # (arccosh of 0.5: NaN in both)
                        r = f(*args, **k)
                except (TypeError, ValueError) as e:  # (no loop for the dtype: both refuse)
                    return type(e).__name__
                if "out" in k:
                    assert r is k["out"], name
                return np.asarray(r)
            want, got = run(u), run(getattr(tg, name))
            if isinstance(want, str):
                assert isinstance(got, str), (name, kw)
                continue
            assert not isinstance(got, str) and got.dtype == want.dtype, (name, kw, got)
            np.testing.assert_array_equal(got, want, err_msg=f"{name} {kw}")
            checked += 1
    assert checked > 200
    t = tg.tensor(np.ones(3), requires_grad=True)  # a result with a gradient goes nowhere silently
    with pytest.raises(TypeError, match="would write a traced Tensor into a NumPy array"):
        tg.exp(t, out=np.zeros(3))
    with pytest.raises(TypeError, match="unexpected keyword argument 'wher'"):
        tg.exp(np.ones(3), wher=True)


def test_reductions_write_into_out_as_numpys():
    v = np.array([[1.5, 2.6, -0.5], [4.0, 0.25, 3.0]])
    for name in ("sum", "prod", "mean", "std", "var", "max", "min", "nansum", "nanmean", "all",
                 "any", "argmax", "argmin", "amax", "amin"):
        for axis, dt in ((None, float), (1, float), (0, int)):
            shape = np.shape(getattr(np, name)(v, axis=axis))
            want, got = np.zeros(shape, dt), np.zeros(shape, dt)
            try:
                getattr(np, name)(v, axis=axis, out=want)
            except TypeError:  # (std into integers: NumPy's sqrt refuses the cast; tg casts)
                continue
            assert getattr(tg, name)(v, axis=axis, out=got) is got
            np.testing.assert_array_equal(got, want, err_msg=name)
    buf = np.zeros(2)
    tg.sum(v, 1, None, buf)  # out in its place among the positional arguments, as NumPy's
    np.testing.assert_array_equal(buf, v.sum(1))


def test_numpys_in_place_functions_update_numpy_arrays():
    for name, args, kwargs in (("put", ([0, 2], [1.0, 2.0]), {}), ("fill_diagonal", (5.0,), {}),
                               ("place", (np.arange(9).reshape(3, 3) % 2 == 0, [1.0, 2.0]), {}),
                               ("put_along_axis", (np.array([[0], [2], [1]]), 7.0, 1), {})):
        mine, theirs = np.zeros((3, 3)), np.zeros((3, 3))
        assert getattr(tg, name)(mine, *args, **kwargs) is None
        getattr(np, name)(theirs, *args, **kwargs)
        np.testing.assert_array_equal(mine, theirs)
        fresh = getattr(tg, name)(tg.tensor(np.zeros((3, 3))), *args, **kwargs, inplace=False)
        np.testing.assert_array_equal(fresh, theirs)  # a tensor: JAX's out-of-place form
    with pytest.raises(ValueError, match="put: a Tensor .* cannot be changed in place"):
        tg.put(tg.tensor(np.zeros(3)), [0], [1.0])
    with pytest.raises(ValueError, match="values that carry a gradient cannot be changed in place"):
        tg.grad(lambda v: tg.put(np.zeros(3), [0], v) or tg.sum(v))(1.0)


def test_out_arrays_follow_numpys_rules_and_never_take_half_a_result():
    x = np.array([1.5, 2.6])
    o = np.zeros(2)
    assert tg.exp(x, o) is o  # (out in its place, after the inputs)
    np.testing.assert_array_equal(o, np.exp(x))
    np.testing.assert_array_equal(tg.exp(x, out=(None,)), np.exp(x))  # (None,): no out
    with pytest.raises(TypeError, match="must be an array, not a tuple"):
        tg.sum(x, out=(np.zeros(()),))
    wide = np.zeros((2, 2))  # a ufunc's result broadcasts into a larger out, as NumPy's
    assert tg.add(x, 1.0, out=wide) is wide
    np.testing.assert_array_equal(wide, np.broadcast_to(x + 1.0, (2, 2)))
    t = tg.tensor(x)  # NumPy's reductions on a tensor: out= with unsafe casting, as NumPy's
    ints = np.zeros((), int)
    np.sum(t, out=ints)
    assert ints == np.sum(x, out=np.zeros((), int))
    q, m = np.zeros(2), np.zeros(2)  # a result with a gradient: refused before any write
    with pytest.raises(TypeError, match="would write a traced Tensor"):
        tg.grad(lambda v: np.divmod(v, 1.5, out=(q, m)) and tg.sum(v))(x)
    np.testing.assert_array_equal(q, 0.0)
    buf = np.zeros(3)  # each slice would write the whole buffer
    with pytest.raises(TypeError, match=r"out=\.\.\.\) inside tg\.vmap"):
        tg.vmap(lambda v: tg.exp(v, out=buf))(np.arange(6.0).reshape(2, 3))


def test_out_on_the_other_numpy_functions():
    x = np.arange(6.0).reshape(2, 3)
    for name, args in (("cumsum", (x,)), ("round", (x * 1.37, 1)), ("dot", (x, x.T)),
                       ("trace", (x,)), ("concatenate", ([x, x],)), ("diff", (x,))):
        want = getattr(np, name)(*args)
        buf = np.zeros_like(want)
        assert getattr(tg, name)(*args, out=buf) is buf
        np.testing.assert_array_equal(buf, want)
    with pytest.raises(TypeError, match="would write a traced Tensor"):
        tg.cumsum(tg.tensor(x, requires_grad=True), out=np.zeros(6))


def test_strict_castings_and_numpys_0d_reductions():
    i, f, f32 = np.array([1, 2]), np.array([1.5, 2.5]), np.array([1.5, 2.5], np.float32)
    for args, casting in (((i, f), "no"), ((f, f), "no"), ((i, f), "safe"), ((f32, f), "equiv"),
                          ((f32, f32), "equiv"), ((i, 1.5), "safe")):
        try:
            want = np.add(*args, casting=casting)
        except TypeError:
            with pytest.raises(TypeError):
                tg.add(*args, casting=casting)
            continue
        got = tg.add(*args, casting=casting)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    x = np.array(3.0)  # NumPy's legacy rule: a 0-d array reduces over "axis 0" (not mean/std/var)
    for name in ("sum", "prod", "max", "min", "amax", "all", "nansum", "nanmean", "nanstd", "argmax",
                 "mean", "std"):
        for axis in (0, -1, (0,)):
            try:
                want = getattr(np, name)(x, axis=axis)
            except (ValueError, IndexError, TypeError):  # (AxisError; argmax of a tuple)
                with pytest.raises((ValueError, IndexError, TypeError)):
                    getattr(tg, name)(x, axis=axis)
                continue
            np.testing.assert_array_equal(getattr(tg, name)(x, axis=axis), want)


def test_ufunc_dtype_keyword_under_jit():
    a, b = np.array([0.2, 0.7, 1.4]), np.array([0.1, 0.1, 0.1])
    for f in (lambda a, b: tg.add(a, b, dtype=np.float32),
              lambda a, b: tg.add(a, b, dtype=np.int64, casting="unsafe"),
              lambda a, b: tg.exp(a, dtype=np.float32) + 0 * b):
        want = f(a, b)
        got = tg.jit(f)(a, b)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ["cumsum", "cumprod", "nancumsum", "nancumprod", "ptp",
                                  "count_nonzero", "take"])
@pytest.mark.parametrize("axis", [0, -1])
def test_axis_0_of_a_0d_array_is_its_one_entry(name, axis):
    # NumPy's legacy rule (its reductions' too): these raised AxisError
    x, args = np.array(3.0), ((0,) if name == "take" else ())
    got, want = getattr(tg, name)(x, *args, axis=axis), getattr(np, name)(x, *args, axis=axis)
    assert np.shape(got) == np.shape(want) and np.asarray(got).dtype == np.asarray(want).dtype
    np.testing.assert_array_equal(got, want)
    if name not in ("count_nonzero", "nancumprod", "nancumsum"):
        slope = tg.grad(lambda v: tg.sum(getattr(tg, name)(v * 2.0, *args, axis=axis)))(3.0)
        assert slope == (0.0 if name == "ptp" else 2.0)
    with pytest.raises(np.exceptions.AxisError, match=f"{name}: .*axis 1 is out of bounds"):
        getattr(tg, name)(x, *args, axis=1)


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_moments_in_a_complex_dtype_come_back_in_it(name, dtype):
    # NumPy takes them in that dtype: real values, given as complex numbers (its nanvar warns
    # that it casts complex numbers to real ones; of complex data, it drops their imaginary
    # parts: not compared)
    data = [np.array([[1, 2, 3], [4, 6, 9]], np.int8), np.array([[1.5, np.nan], [2, 0.25], [3, 1]])]
    data.append(np.array([[1 + 2j, 3 - 1j], [2, 0.5j]]) if name in ("var", "std") else data[0])
    for a in data:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
            want = getattr(np, name)(a, axis=0, dtype=dtype, ddof=1)
        got = getattr(tg, name)(a, axis=0, dtype=dtype, ddof=1)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=1e-6)
    x = np.array([1.0, 2.0, 4.0])
    np.testing.assert_allclose(tg.grad(lambda v: tg.real(getattr(tg, name)(v, dtype=dtype)))(x),
                               tg.grad(getattr(tg, name))(x), rtol=1e-6)


def test_angle_of_booleans_on_every_path():
    b = np.array([True, False])
    for got in (tg.angle(b), tg.numpy.angle(tg.numpy.asarray(b)), tg.angle(tg.tensor(b)),
                tg.jit(tg.angle)(b), tg.vmap(tg.angle)(b)):
        np.testing.assert_array_equal(np.asarray(got), np.angle(b))


def test_squeeze_names_the_axis_as_the_caller_wrote_it():
    for axis in (0, (1, 0), [0], np.int64(0)):
        with pytest.raises(ValueError, match=r"cannot squeeze axis 0 of size 2 \(input shape \(2, 1\)\)"):
            tg.numpy.squeeze(tg.numpy.ones((2, 1)), axis=axis)
    with pytest.raises(ValueError, match="cannot squeeze axis -2 of size 2"):
        tg.squeeze(np.ones((2, 1)), axis=-2)
