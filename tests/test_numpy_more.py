"""More of NumPy's documented functions on Tensors: values equal NumPy's, first (and for a
few, second) derivatives equal JAX's, bad arguments raise errors that name the function."""
import warnings

import numpy as np
import pytest
import scipy.special

import tensorgrad as tg

import jax  # noqa: E402  (required: a missing JAX fails the run)
jnp = jax.numpy
jax.config.update("jax_enable_x64", True)

X = np.linspace(0.3, 1.7, 12).reshape(3, 4) ** 1.3 - np.array([0.0, 0.4, 0.1, 0.9])
XNAN = X.copy()
XNAN[0, 1] = XNAN[2, 3] = np.nan
V = np.array([0.7, -1.3, 2.1, 0.4, 1.6])

# name: (program written against a NumPy-like module, input)
CASES = {
    "nanprod": (lambda m, x: m.nanprod(x, axis=1), XNAN),
    "nancumsum": (lambda m, x: m.nancumsum(x, axis=0), XNAN),
    "nancumprod": (lambda m, x: m.nancumprod(x), XNAN),
    "nanmax": (lambda m, x: m.nanmax(x, axis=0), XNAN),
    "nanmin": (lambda m, x: m.nanmin(x, axis=1, keepdims=True), XNAN),
    "nanvar": (lambda m, x: m.nanvar(x, axis=1, ddof=1), XNAN),
    "nanstd": (lambda m, x: m.nanstd(x), XNAN),
    "quantile": (lambda m, x: m.quantile(x, 0.3), X),
    "quantile_q": (lambda m, x: m.quantile(x, m.array([0.1, 0.5, 1.0]), axis=1, keepdims=True), X),
    "quantile_axes": (lambda m, x: m.quantile(x[None], 0.7, axis=(0, 2)), X),
    "quantile_lower": (lambda m, x: m.quantile(x, 0.3, axis=0, method="lower"), X),
    "quantile_nearest": (lambda m, x: m.quantile(x, 0.45, axis=1, method="nearest"), X),
    "quantile_midpoint": (lambda m, x: m.quantile(x, 0.45, axis=1, method="midpoint"), X),
    "quantile_traced_q": (lambda m, x: m.quantile(x[1:], x[0, :2] * 0.5 + 0.3, axis=1), X),
    "percentile": (lambda m, x: m.percentile(x, 40, axis=1), X),
    "nanquantile": (lambda m, x: m.nanquantile(x, 0.6, axis=1), XNAN),
    "nanpercentile": (lambda m, x: m.nanpercentile(x, m.array([20.0, 90.0])), XNAN),
    "cov": (lambda m, x: m.cov(x), X),
    "cov_cols": (lambda m, x: m.cov(x, rowvar=False, ddof=0), X),
    "cov_y": (lambda m, x: m.cov(x[0], x[1] ** 2), X),
    "cov_w": (lambda m, x: m.cov(x, fweights=m.array([1, 2, 1, 3]), aweights=m.array([0.5, 1.0, 2.0, 1.0])), X),
    "corrcoef": (lambda m, x: m.corrcoef(x), X),
    "cumulative_sum": (lambda m, x: m.cumulative_sum(x, axis=1, include_initial=True), X),
    "cumulative_prod": (lambda m, x: m.cumulative_prod(x[0]), X),
    "vdot": (lambda m, x: m.vdot(x, x[::-1] ** 2), X),
    "convolve": (lambda m, x: m.convolve(x[0], x[1, :3] ** 2), X),
    "convolve_same": (lambda m, x: m.convolve(x[1, :3], x.ravel()[:5], mode="same"), X),
    "convolve_valid": (lambda m, x: m.convolve(x.ravel()[:7], x[1, :3], mode="valid"), X),
    "correlate": (lambda m, x: m.correlate(x[0], x[1, :3] ** 2), X),
    "correlate_full": (lambda m, x: m.correlate(x[1, :3], x.ravel()[:5], "full"), X),
    "correlate_same": (lambda m, x: m.correlate(x[1, :3], x.ravel()[:6], "same"), X),
    "polyval": (lambda m, x: m.polyval(x[0], x[1:]), X),
    "vander": (lambda m, x: m.vander(x[0], 3), X),
    "vander_inc": (lambda m, x: m.vander(x[1], increasing=True), X),
    "interp": (lambda m, x: m.interp(x * 1.5 - 0.5, m.array([0.0, 1.0, 1.5, 2.0]), x[0] ** 2), X),
    "interp_lr": (lambda m, x: m.interp(x * 3 - 1, m.array([0.0, 1.0, 2.0]), m.array([1.0, 3.0, 2.0]),
                                        left=x[0, 0], right=-1.0), X),
    "linspace": (lambda m, x: m.linspace(x[0, 0], x[0, 1], 5), X),
    "linspace_vec": (lambda m, x: m.linspace(x[0], x[1] ** 2, 4, endpoint=False, axis=-1), X),
    "float_power": (lambda m, x: m.float_power(m.abs(x) + 0.1, 2.5), X),
    "copysign": (lambda m, x: m.copysign(x, x - 1), X),
    "ldexp": (lambda m, x: m.ldexp(x, m.array([2, -1, 0, 3])), X),
    "diagflat": (lambda m, x: m.diagflat(x[:2, :2], k=1), X),
    "trapezoid": (lambda m, x: m.trapezoid(x, axis=1), X),
    "trapezoid_x": (lambda m, x: m.trapezoid(x, x=x[0] ** 2, axis=-1), X),
    "trapezoid_dx": (lambda m, x: m.trapezoid(x, dx=0.3, axis=0), X),
    "gradient": (lambda m, x: m.gradient(x[0]), X),
    "gradient_2d": (lambda m, x: m.stack(m.gradient(x, 0.5, 2.0)), X),
    "gradient_coords": (lambda m, x: m.gradient(x, m.array([0.0, 0.5, 1.5, 1.75]), axis=1), X),
    "matrix_transpose": (lambda m, x: m.matrix_transpose(x[None] * 2), X),
    "vecdot": (lambda m, x: m.vecdot(x, x[0] ** 2), X),
    "unstack": (lambda m, x: m.unstack(x, axis=1)[2], X),
    "block": (lambda m, x: m.block([[x, x[:, :1] ** 2], [x[:1] * 3, m.ones((1, 1))]]), X),
    "block_1d": (lambda m, x: m.block([x[0], 1.0, x[1]]), X),
    "lstsq": (lambda m, x: m.linalg.lstsq(x.T, m.arange(4.0) + x[0], rcond=None)[0], X),
    "lstsq_res": (lambda m, x: m.linalg.lstsq(x.T, m.stack([m.arange(4.0), x[1] ** 2], axis=1))[1], X),
    "cond": (lambda m, x: m.linalg.cond(x[:, :3] + m.eye(3)), X),
    "cond_fro": (lambda m, x: m.linalg.cond(x[:, :3] + m.eye(3), "fro"), X),
    "cond_m2": (lambda m, x: m.linalg.cond(x, -2), X),
    "tensorinv": (lambda m, x: m.linalg.tensorinv(m.reshape(x[:2, :2] + 2 * m.eye(2), (2, 1, 2)), ind=1), X),
    "tensorinv_2": (lambda m, x: m.linalg.tensorinv(m.reshape(m.kron(x[:2, :2], x[1:, 2:]) + 3 * m.eye(4),
                                                              (2, 2, 2, 2))), X),
    "tensorsolve": (lambda m, x: m.linalg.tensorsolve(m.reshape(m.kron(x[:2, :2], x[1:, 2:]) + 3 * m.eye(4),
                                                                (2, 2, 2, 2)), x[:2, :2]), X),
    "tensorsolve_axes": (lambda m, x: m.linalg.tensorsolve(m.reshape(m.kron(x[:2, :2], x[1:, 2:]) + 3 * m.eye(4),
                                                                     (2, 2, 2, 2)), x[:2, :2], axes=(0,)), X),
    "sum_where": (lambda m, x: m.sum(x, where=x > 1), X),
    "sum_where_axis": (lambda m, x: m.sum(x, axis=1, initial=2.0, where=m.array([True, False, True, True])), X),
    "prod_where": (lambda m, x: m.prod(x, axis=0, where=x > 0.5, keepdims=True), X),
    "mean_where": (lambda m, x: m.mean(x, axis=0, where=x > 0.5), X),
    "var_where": (lambda m, x: m.var(x, axis=0, ddof=1, where=x < 1.5), X),
    "std_where": (lambda m, x: m.std(x, where=x < 1.5), X),
    "std_correction": (lambda m, x: m.std(x, axis=1, correction=1), X),
    "max_where": (lambda m, x: m.max(x, axis=1, initial=0.8, where=x < 1.5), X),
    "min_initial": (lambda m, x: m.min(x, axis=0, initial=0.5), X),
    "amax_where": (lambda m, x: m.amax(x, initial=-1.0, where=x < 1.2), X),
    "nansum_where": (lambda m, x: m.nansum(x, axis=0, where=m.array([True, True, False, True])), XNAN),
    "nanmean_where": (lambda m, x: m.nanmean(x, axis=0, where=x > 0.3), XNAN),
    "sum_dtype": (lambda m, x: m.sum(x, dtype=m.float64, keepdims=True), X),
    "reshape_F": (lambda m, x: m.reshape(x, (4, 3), order="F"), X),
    "reshape_F3": (lambda m, x: m.reshape(x * 2, (2, 3, 2), order="F"), X),
    "ravel_F": (lambda m, x: m.ravel(x, order="F"), X),
}


def check(f, x0, hessian=False):
    want = f(np, x0)
    value, _ = tg.vjp(lambda x: f(np, x), x0)
    np.testing.assert_allclose(np.asarray(value), want, rtol=1e-12, atol=1e-13, equal_nan=True)
    # JAX's Jacobian (forward mode, compiled once); its reverse-mode counterpart for
    # sum(sin(f)) is the chain rule cos(f)ᵀ J
    jj = np.asarray(jax.jit(jax.jacfwd(lambda x: f(jnp, x)))(jnp.asarray(x0)))
    jf = tg.jacfwd(lambda x: f(np, x))(x0)
    np.testing.assert_allclose(np.asarray(jf), jj, rtol=1e-10, atol=1e-12)
    g = tg.grad(lambda x: tg.sum(tg.sin(f(np, x))))(x0)
    gj = np.tensordot(np.cos(np.asarray(want)), jj, axes=np.ndim(want))
    np.testing.assert_allclose(g, gj, rtol=1e-10, atol=1e-12)
    if hessian:
        h = tg.hessian(lambda x: tg.sum(tg.sin(f(np, x))))(x0)
        hj = jax.jit(jax.hessian(lambda x: jnp.sum(jnp.sin(f(jnp, x)))))(jnp.asarray(x0))
        np.testing.assert_allclose(np.asarray(h), np.asarray(hj), rtol=1e-10, atol=1e-12)


HESSIAN = {"nanvar", "quantile", "cov", "corrcoef", "convolve", "lstsq", "cond", "var_where"}


@pytest.mark.parametrize("name", sorted(CASES))
def test_values_and_derivatives_match_jax(name):
    f, x0 = CASES[name]
    check(f, x0, hessian=name in HESSIAN)


def test_order_a_is_c_order():
    x = np.arange(12.0).reshape(3, 4)
    value, _ = tg.vjp(lambda x: np.reshape(x, (2, 6), order="A"), x)
    np.testing.assert_array_equal(np.asarray(value), np.reshape(x, (2, 6), order="A"))


ERRORS = [
    (lambda x: np.quantile(x, 1.5), ValueError, r"quantile: quantiles must be in the range \[0, 1\]"),
    (lambda x: np.quantile(x, 0.5, method="bogus"), ValueError, "quantile: method must be one of"),
    (lambda x: np.convolve(x, x[:0]), ValueError, "convolve: v must be a non-empty 1-D array"),
    (lambda x: np.correlate(x[None], x, "same"), ValueError, "correlate: a must be a non-empty 1-D"),
    (lambda x: np.convolve(x, x, mode="middle"), ValueError, "convolve: mode must be"),
    (lambda x: np.interp(x, np.arange(3.0), np.arange(4.0)), ValueError, "interp: xp and fp must be"),
    (lambda x: np.ldexp(x, x), TypeError, "ldexp: the exponents x2 must be integers, got dtype float64"),
    (lambda x: np.ldexp(x, np.ones(4)), TypeError, "ldexp: the exponents x2 must be integers"),
    (lambda x: np.vdot(x, x[:2]), ValueError, "vdot: the inputs must have the same number of entries"),
    (lambda x: np.polyval(x[0], x), ValueError, "polyval: p must be an array of coefficients"),
    (lambda x: np.trapezoid(x, x=x[:2]), ValueError, "trapezoid: x .length 2. must match y"),
    (lambda x: np.gradient(x[:1]), ValueError, "gradient: the shape of the array along an axis"),
    (lambda x: np.gradient(x, x[:2]), ValueError, "gradient: coordinates must be 1-D with length 4"),
    (lambda x: np.block([x, [x]]), ValueError, "block: list depths are mismatched"),
    (lambda x: np.cov(x[None, None]), ValueError, "cov: m must be 1-D or 2-D"),
    (lambda x: np.cumulative_sum(np.outer(x, x)), ValueError, "cumulative_sum: axis must be given"),
    (lambda x: np.max(x, where=x > 0), ValueError, "numpy.max.*give initial="),
    (lambda x: np.sum(x, where=np.ones(3, bool)), ValueError, r"numpy.sum\(..., where=...\): the mask"),
    (lambda x: np.reshape(x, (2, 2), order="K"), ValueError, "numpy.reshape: order must be"),
    (lambda x: np.linalg.lstsq(x, x), ValueError, "linalg.lstsq: a must be .M, N."),
    (lambda x: np.linalg.tensorinv(np.reshape(x, (2, 2)), ind=0), ValueError, "tensorinv: ind must be"),
    (lambda x: np.linalg.tensorsolve(np.outer(x, x)[:3], x), np.linalg.LinAlgError, "tensorsolve: a .shape .3, 4.. must be square"),
    (lambda x: np.linalg.cond(x), ValueError, "linalg.cond: x must be a matrix"),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_bad_arguments_raise_errors_naming_the_function(i):
    f, exc, match = ERRORS[i]
    with pytest.raises(exc, match=match):
        tg.grad(lambda x: tg.sum(f(x)))(np.array([0.5, 1.0, 1.5, 2.0]))


@pytest.mark.parametrize("f", [lambda x: np.vander(x, 0), lambda x: np.linspace(x[0], x[1], 1),
                               lambda x: np.nanquantile(np.where(x > 1.2, np.nan, x), 0.3),
                               lambda x: np.stack(np.gradient(x * x, 0.5, edge_order=2))],
                         ids=["vander_N0", "linspace_num1", "nanquantile", "gradient_edge2"])
def test_edge_values_match_numpy(f):
    x = np.array([0.5, 1.0, 1.5, 2.0])
    value, _ = tg.vjp(f, x)
    np.testing.assert_allclose(np.asarray(value), f(x), rtol=1e-12)
    assert np.shape(value) == np.shape(f(x))


@pytest.mark.parametrize("mode", ["wrap", "clip", "fill"])
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_take_modes_match_jax(mode, axis):
    x = np.arange(12.0).reshape(3, 4) / 7
    idx = np.array([[0, 5], [-1, -6]])
    fill = {"fill_value": -2.0} if mode == "fill" else {}
    np.testing.assert_allclose(tg.take(x, idx, axis=axis, mode=mode, **fill),
                               jnp.take(x, idx, axis=axis, mode=mode, **fill))
    np.testing.assert_allclose(tg.jacrev(lambda z: tg.take(z, idx, axis=axis, mode=mode, **fill))(x),
                               jax.jit(jax.jacrev(lambda z: jnp.take(z, idx, axis=axis, mode=mode, **fill)))(x))
    j = np.array([[0, 5, -1, 2], [1, 1, -9, 3], [3, 2, 1, 0]])
    if mode != "wrap":
        np.testing.assert_allclose(tg.take_along_axis(x, j, axis=1, mode=mode),
                                   jnp.take_along_axis(x, j, axis=1, mode=mode))


def test_take_with_indices_traced_under_jit():
    x = np.random.default_rng(4).normal(size=(3, 4))
    f = tg.jit(lambda z: tg.take(z, tg.argmax(z, 0), axis=0) + tg.take_along_axis(z, tg.argmax(z, 1)[:, None], 1)[0])
    for v in (x, -x):
        want = jnp.take(v, jnp.argmax(v, 0), axis=0) + jnp.take_along_axis(v, jnp.argmax(v, 1)[:, None], 1)[0]
        np.testing.assert_allclose(f(v), want)
    g = tg.jit(lambda z, i: tg.take(z, i, mode="clip"))
    np.testing.assert_allclose(g(x, np.array([0, 99])), x.ravel()[[0, 11]])
    np.testing.assert_allclose(g(x, np.array([-5, 3])), x.ravel()[[0, 3]])
    with pytest.raises(IndexError, match="take: index 99 is out of bounds.*mode='wrap', 'clip' or 'fill'"):
        tg.take(x, np.array([0, 99]))


def test_ravel_method_order_and_put_along_axis_shape_error():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(tg.Tensor(x).ravel("F"), x.ravel("F"))
    np.testing.assert_array_equal(tg.grad(lambda z: tg.sum(z.ravel(order="F") * np.arange(6.0)))(x),
                                  np.arange(6.0).reshape(3, 2).T)
    with pytest.raises(ValueError, match=r"put_along_axis: values of shape \(2, 2\) cannot be broadcast"):
        tg.put_along_axis(x, np.array([[1]]), np.ones((2, 2)), axis=1, inplace=False)


def test_partition_under_jit_replays_numpys_arrangement():
    x = np.random.default_rng(0).normal(size=(3, 6))
    f = tg.jit(lambda a: tg.partition(a, 2, axis=1))
    for v in (x, -x):
        np.testing.assert_array_equal(f(v), np.partition(v, 2, axis=1))
    g = lambda a: tg.sum(tg.partition(a, 2, axis=1)[:, :3] ** 2)  # noqa: E731
    np.testing.assert_allclose(tg.jit(tg.grad(g))(-x), tg.grad(g)(-x))


def test_linspace_rounds_down_to_integers_and_keeps_float32():
    for dt in (int, np.int32):
        np.testing.assert_array_equal(tg.linspace(-5, 5, 7, dtype=dt), np.linspace(-5, 5, 7, dtype=dt))
    a = tg.linspace(np.float32(0), np.float32(1), 5)
    assert a.dtype == np.linspace(np.float32(0), np.float32(1), 5).dtype == np.float32
    assert tg.linspace(0, 1, 5).dtype == np.float64


def test_nan_functions_of_integers_keep_numpys_dtypes_and_weak_scalars_in_copysign():
    for a in (np.array([3, 1, 2], dtype=np.int32), np.array([True, False])):
        for name in ("nanmax", "nanmin", "nanprod", "nancumsum", "nancumprod", "nansum"):
            got, want = getattr(tg, name)(a), getattr(np, name)(a)
            assert np.asarray(got).dtype == np.asarray(want).dtype, name
            np.testing.assert_array_equal(got, want)
    x32 = np.array([1.0, -2.0], np.float32)
    for other in (-1, -1.0, np.int64(-1), np.array([1, -1])):
        got, want = tg.copysign(x32, other), np.copysign(x32, other)
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


def test_an_empty_list_index_selects_nothing():
    x = np.arange(6.0).reshape(2, 3)
    assert tg.tensor(x)[[]].shape == x[[]].shape == (0, 3)
    assert np.array_equal(tg.grad(lambda v: tg.sum(v[[]]))(x), np.zeros_like(x))


def test_integer_inputs_follow_numpys_dtypes_and_wraparound():
    u8 = np.array([0, 1, 3, 200], np.uint8)
    np.testing.assert_allclose(tg.logsumexp(u8), scipy.special.logsumexp(u8))
    assert np.asarray(tg.logsumexp(np.array([True, False]))).dtype == np.float64
    for a, b in ((np.uint8(200), np.uint8(1)), (np.int8(-100), np.int8(100))):
        np.testing.assert_allclose(tg.linspace(a, b, 3), np.linspace(a, b, 3))
    v = np.array([3, 5, 7], np.int8)
    got = tg.vander(v, 4)
    assert got.dtype == np.vander(v, 4).dtype and np.array_equal(got, np.vander(v, 4))
    x = np.array([200, 100], np.uint8)
    for fn, kw in ((tg.sum, {"dtype": np.uint8}), (tg.sum, {"dtype": np.int32}),
                   (tg.prod, {"dtype": np.int16}), (tg.mean, {"dtype": np.int32})):
        got, want = fn(x, **kw), getattr(np, fn.__name__)(x, **kw)
        assert np.asarray(got).dtype == np.asarray(want).dtype and got == want, fn.__name__
    i32 = np.array([3, 4], np.int32)
    assert tg.vdot(i32, i32).dtype == np.vdot(i32, i32).dtype
    for a in (np.array([1, 2], np.int32), np.array([1, 2], np.uint8), np.array([True, False])):
        for got, want in zip(tg.modf(a), np.modf(a)):
            assert got.dtype == want.dtype
    m, e = tg.frexp(np.array([3.0, 0.5], np.float32))
    assert m.dtype == np.float32
    assert tg.polyder(np.array([1, 2, 3])).dtype == np.polyder(np.array([1, 2, 3])).dtype


def test_numpy_edge_cases_from_a_differential_sweep():
    # correlate(mode="same") with the shorter array first: NumPy's centred window
    for n, m in [(2, 5), (4, 7), (3, 5), (6, 6)]:
        a, v = np.arange(1.0, n + 1), np.arange(2.0, m + 2) ** 1.5
        np.testing.assert_allclose(tg.correlate(a, v, mode="same"), np.correlate(a, v, "same"))
        w = np.cos(np.arange(np.correlate(a, v, "same").size))
        g = tg.grad(lambda a: tg.sum(tg.correlate(a, v, mode="same") * w))(a)
        jg = jax.grad(lambda a: jax.numpy.sum(jax.numpy.correlate(a, v, mode="same") * w))(a)
        np.testing.assert_allclose(g, jg, rtol=1e-12)
    # polyint's integration constants are coefficients of the result: they differentiate
    g = tg.grad(lambda k: tg.sum(tg.polyint(np.array([1.0, 2.0]), m=2, k=k)))(np.array([3.0, 4.0]))
    np.testing.assert_array_equal(g, [1.0, 1.0])
    # the array-API unique functions never merge NaNs (equal_nan=False)
    x = np.array([np.nan, 1.0, np.nan, 1.0])
    assert tg.unique_values(x).size == np.unique_values(x).size == 3
    np.testing.assert_array_equal(tg.unique_counts(x).counts, np.unique_counts(x).counts)
    np.testing.assert_array_equal(tg.unique_inverse(x).inverse_indices,
                                  np.unique_inverse(x).inverse_indices)
    # cov: no negative variance when ddof reaches the number of observations; float64 results
    with warnings.catch_warnings():  # (NumPy warns "Degrees of freedom <= 0"; so may we)
        warnings.simplefilter("ignore", RuntimeWarning)
        for kw in [dict(ddof=3), dict(ddof=5), dict(ddof=3, fweights=np.array([1, 1, 1]))]:
            m = np.array([[1.0, 2.0, 4.0], [0.0, 1.0, 3.0]])
            want = np.cov(m, **kw) if "fweights" not in kw else np.cov(m, ddof=3, fweights=kw["fweights"])
            np.testing.assert_array_equal(tg.cov(m, **kw), want)
    assert tg.cov(np.ones((2, 3), np.float32)).dtype == np.cov(np.ones((2, 3), np.float32)).dtype
    # modf(±inf) = (±0, ±inf), with a zero slope in the fraction
    frac, whole = tg.modf(np.array([np.inf, -np.inf, 2.5]))
    np.testing.assert_array_equal(frac, [0.0, -0.0, 0.5])
    assert np.signbit(frac[1]) and whole[0] == np.inf
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(tg.modf(v)[0]))(np.array([np.inf, 2.5])), [0.0, 1.0])
    # dividing by a Python 0 inside grad: ±inf, as the forward and JAX
    with np.errstate(divide="ignore"):  # (NumPy's own warning for 2.0 / 0)
        assert tg.grad(lambda v: v / 0)(2.0) == np.inf
    # polymul trims leading zeros as np.polymul without a transform; under one it keeps them,
    # as jnp.polymul: a dropped leading zero would lose its derivative (Σ p·b moves with p₀)
    p, b = np.array([0.0, 1.0, 2.0]), np.array([1.0, 3.0])
    assert tg.polymul(p, b).tolist() == np.polymul(p, b).tolist() == [1.0, 5.0, 6.0]
    assert tg.grad(lambda p: tg.sum(tg.polymul(p, b)))(p).tolist() == [4.0, 4.0, 4.0]
    assert tg.jvp(lambda p: tg.polymul(p, b), (p,), (np.ones(3),))[0].tolist() == [0.0, 1.0, 5.0, 6.0]
    np.testing.assert_array_equal(tg.vmap(lambda p: tg.polymul(p, b))(np.stack([p, p + 1])),
                                  [[0.0, 1.0, 5.0, 6.0], [1.0, 5.0, 9.0, 9.0]])
    # more NumPy edges
    assert tg.polyder(np.array([1.0, 2.0]), 3).shape == np.polyder(np.array([1.0, 2.0]), 3).shape
    with pytest.warns(RuntimeWarning, match="All-NaN"):  # NumPy's warning, as NumPy's
        assert np.isnan(tg.nanmedian(np.array([np.nan, np.nan])))
    with pytest.warns(RuntimeWarning, match="empty slice"):
        assert np.isnan(tg.nanquantile(np.zeros((0,)), 0.5))
    assert tg.pad(np.array(3.0), 2) == np.pad(np.array(3.0), 2) == tg.pad(np.array(3.0), 1, mode="edge")
    assert tg.vander(np.zeros(0), 3).shape == (0, 3)
    assert tg.real(np.array([True])).dtype == np.real(np.array([True])).dtype
    for method in ("lower", "higher", "nearest", "inverted_cdf"):
        q = tg.quantile(np.array([1, 5, 3]), 0.4, method=method)
        assert q.dtype == np.quantile(np.array([1, 5, 3]), 0.4, method=method).dtype
    # NumPy's keyword names for the array argument
    x = np.arange(6.0).reshape(1, 2, 3)
    assert tg.squeeze(a=x).shape == (2, 3) and tg.round(a=x, decimals=1).shape == x.shape
    assert tg.transpose(a=x).shape == (3, 2, 1) and tg.broadcast_to(array=x[0, 0], shape=(2, 3)).shape == (2, 3)
    assert tg.grad(lambda t: np.sum(np.squeeze(a=t) ** 2))(x).shape == x.shape


def test_reshape_order_and_concatenate_dtype_as_numpy():
    x = np.arange(6.0).reshape(2, 3)
    w = np.cos(np.arange(6.0)).reshape(3, 2)
    for order in ("C", "F"):  # (JAX has no order="A")
        np.testing.assert_array_equal(tg.reshape(x, (3, 2), order=order), np.reshape(x, (3, 2), order=order))
        g = tg.grad(lambda v: tg.sum(tg.reshape(v, (3, 2), order=order) * w))(x)
        jg = jax.grad(lambda v: jnp.sum(jnp.reshape(v, (3, 2), order=order) * w))(x)
        np.testing.assert_array_equal(g, jg)
    np.testing.assert_array_equal(tg.jit(lambda v: tg.reshape(v, -1, order="F"))(x), x.ravel(order="F"))
    with pytest.raises(ValueError, match="order must be one of"):
        tg.reshape(x, (3, 2), order="X")
    out = tg.concatenate([x, np.ones((1, 3), np.float32)], dtype=np.float32)
    assert out.dtype == np.float32 and out.shape == (3, 3)
    assert tg.grad(lambda v: tg.sum(tg.concatenate([v, v], dtype=np.float32)))(x).dtype == np.float64
    with pytest.raises(TypeError, match="cannot cast an array of dtype float64 to int64"):
        tg.concatenate([x, x], dtype=np.int64)
    np.testing.assert_array_equal(tg.concatenate([x, x], dtype=np.int64, casting="unsafe"),
                                  np.concatenate([x, x], dtype=np.int64, casting="unsafe"))


def test_interp_with_a_period_as_numpy_and_jax():
    xp, fp = np.array([190.0, -190.0, 350.0, -350.0]), np.array([5.0, 10.0, 3.0, 4.0])
    x = np.array([-180.0, -170.0, -185.0, 185.0, -10.0, -5.0, 0.0, 365.0])
    np.testing.assert_allclose(tg.interp(x, xp, fp, period=360), np.interp(x, xp, fp, period=360))
    w = np.cos(np.arange(8.0))
    for argnum in (0, 1, 2):  # x, the knots xp (each moves with its own knot), fp
        g = tg.grad(lambda *a: tg.sum(tg.interp(a[0], a[1], a[2], period=360) * w),
                    argnums=argnum)(x, xp, fp)
        jg = jax.grad(lambda *a: jnp.sum(jnp.interp(a[0], a[1], a[2], period=360) * w),
                      argnums=argnum)(x, xp, fp)
        np.testing.assert_allclose(g, jg, rtol=1e-12)
    np.testing.assert_allclose(tg.jit(tg.grad(lambda k: tg.sum(tg.interp(x, k, fp, period=360) * w)))(xp),
                               jax.grad(lambda k: jnp.sum(jnp.interp(x, k, fp, period=360) * w))(xp),
                               rtol=1e-12)
    with pytest.raises(ValueError, match="left and right cannot be given with period"):
        tg.interp(x, xp, fp, left=0.0, period=360)


def test_interp_last_knot_and_nan_x_as_numpy():
    # NumPy returns fp[-1] itself at x = xp[-1] (not the line from the left, an ulp off), fp[0]
    # for a NaN x when there is one knot, and NaN for a NaN x past a repeated last knot
    rng = np.random.default_rng(0)
    for _ in range(20):
        xp, fp = np.sort(rng.random(5)), rng.standard_normal(5)
        np.testing.assert_array_equal(tg.interp(xp, xp, fp), np.interp(xp, xp, fp))
    for xp, fp in (([1.0], [3.0]), ([0.0, 1.0, 1.0], [1.0, 2.0, 3.0])):
        x = np.array([np.nan, 1.0, 2.0, -1.0])
        np.testing.assert_array_equal(tg.interp(x, xp, fp), np.interp(x, xp, fp))
    xp, fp = np.array([0.0, 0.3, 0.7]), np.array([0.1, 0.7, 0.3])
    # the x-derivative at the last knot is still the last piece's slope, as in JAX
    np.testing.assert_allclose(tg.grad(lambda v: tg.interp(v, xp, fp))(0.7),
                               jax.grad(lambda v: jnp.interp(v, xp, fp))(0.7))


def test_interp_of_complex_fp_as_numpy_and_jax():
    # NumPy interpolates the real and imaginary parts apart (slope Δf·(1/Δx)), in complex128:
    # bit-equal values, with NumPy's NaN x (NaN + 0j), infinite fp, one knot and a repeated
    # last knot; left/right may be complex or real
    xp = np.array([-1.0, 0.3, 0.7, 2.0])
    fp = np.array([1 + 2j, -0.4 + 0.1j, 3.3 - 1j, 0.2 + 0.6j])
    x = np.array([-2.0, -1.0, -0.6, 0.3, 0.5, 0.71, 1.9, 2.0, 2.5, np.nan])
    cases = [(x, xp, fp, {}), (x, xp, fp, {"left": 5j, "right": -1.5}), (x, xp, fp, {"period": 2.5}),
             (x, xp, fp.astype(np.complex64), {"left": -2.0}), (x, xp[:1], fp[:1], {"right": 1j}),
             (x, np.array([-1.0, 2.0, 2.0]), fp[:3], {}), (0.5, [0.0, 1.0], [1j, 2], {}),
             (x, xp, np.array([1 + 1j, complex(np.inf, 1), complex(2, -np.inf), 1j]), {})]
    for args in cases:
        want = np.interp(*args[:3], **args[3])
        got = tg.interp(*args[:3], **args[3])
        assert np.asarray(got).dtype == want.dtype == np.complex128
        np.testing.assert_array_equal(got, want)
    assert np.interp(tg.tensor(x), xp, fp).dtype == np.complex128
    # derivatives: in fp (and left/right) and x, against JAX for a complex cotangent
    u = np.cos(np.arange(9.0)) + 1j * np.sin(np.arange(9.0))
    xs = x[:-1]
    f = lambda L: lambda v, c, lo: L.interp(v, xp, c, left=lo, right=2.0 - 1j)  # noqa: E731
    _, back = tg.vjp(f(tg), xs, fp, 0.5j)
    _, jback = jax.vjp(f(jnp), xs, fp, 0.5j)
    for g, w in zip(back(u), jback(u)):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    t = (np.ones(9), 1j * np.arange(4.0), 1.0 + 0j)
    np.testing.assert_allclose(tg.jvp(f(tg), (xs, fp, 0.5j), t)[1], jax.jvp(f(jnp), (xs, fp, 0.5j), t)[1],
                               rtol=1e-12)
    jitted = tg.jit(lambda v, c: tg.interp(v, xp, c, period=2.5))
    for v in (x, x[::-1] * 0.7):
        np.testing.assert_array_equal(jitted(v, fp), np.interp(v, xp, fp, period=2.5))
    with pytest.raises(TypeError, match="interp: x must be real"):
        tg.interp(x + 1j, xp, fp)


def test_tuples_inside_an_index_and_more_numpy_keywords():
    # a tuple inside an index is an index array, as a list (NumPy), in every transform
    x = np.arange(24.0).reshape(2, 3, 4)
    w = np.cos(np.arange(4.0)).reshape(2, 2)
    f = lambda v: v[(0, 1), :, (1, 1)] * w[:, :1]  # noqa: E731
    g = lambda v: v[[0, 1], :, [1, 1]] * w[:, :1]  # noqa: E731
    np.testing.assert_array_equal(f(x), x[(0, 1), :, (1, 1)] * w[:, :1])
    np.testing.assert_array_equal(tg.jacrev(f)(x), tg.jacrev(g)(x))
    np.testing.assert_array_equal(tg.jacfwd(f)(x), tg.jacrev(g)(x))
    np.testing.assert_array_equal(tg.tensor(x).at[:, (1, 9)].get(mode="fill", fill_value=-1.0),
                                  tg.tensor(x).at[:, [1, 9]].get(mode="fill", fill_value=-1.0))
    # cumulative sums and products in a requested small integer dtype
    a = np.arange(1, 5, dtype=np.int8)
    for fn, ref in [(tg.cumsum, np.cumsum), (tg.cumprod, np.cumprod), (tg.nancumsum, np.nancumsum)]:
        for dt in (np.int16, np.int32, None):
            assert fn(a, dtype=dt).dtype == ref(a, dtype=dt).dtype, (fn, dt)
    # nanmax/nanmin/nanprod take initial= and where=, nanvar/nanstd where=, as NumPy's
    y = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, 2.0]])
    m = np.array([[True, True, False], [True, True, True]])
    for fn, ref in [(tg.nanmax, np.nanmax), (tg.nanmin, np.nanmin), (tg.nanprod, np.nanprod)]:
        np.testing.assert_array_equal(fn(y, axis=1, initial=2.5, where=m),
                                      ref(y, axis=1, initial=2.5, where=m))
    for fn, ref in [(tg.nanvar, np.nanvar), (tg.nanstd, np.nanstd)]:
        np.testing.assert_allclose(fn(y, axis=1, where=m), ref(y, axis=1, where=m))
    gm = tg.grad(lambda v: tg.sum(tg.nanmax(v, axis=1, initial=0.0, where=m)))(y)
    np.testing.assert_array_equal(gm, [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def test_vecdot_and_dtypes_from_jax_op_records():
    # vecdot: the vector axis of EACH input, equal lengths (NumPy's gufunc (n),(n)->())
    a, b = np.arange(9.0).reshape(3, 3), np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(tg.vecdot(a, b, axis=0), np.vecdot(a, b, axis=0))
    np.testing.assert_array_equal(tg.linalg.vecdot(a, b, axis=0), np.linalg.vecdot(a, b, axis=0))
    g = tg.grad(lambda m: tg.sum(tg.vecdot(m, b, axis=0) * np.array([1.0, -2.0, 0.5])))(a)
    jg = jax.grad(lambda m: jnp.sum(jnp.vecdot(m, b, axis=0) * np.array([1.0, -2.0, 0.5])))(a)
    np.testing.assert_allclose(g, jg, rtol=1e-14)
    for s1, s2 in [((3, 1), (1, 4)), ((4,), (1,))]:
        with pytest.raises(ValueError, match="vecdot"):
            tg.vecdot(np.ones(s1), np.ones(s2))
    # NaN-aware reductions cast after replacing NaN; integer where= keeps the dtype
    x = np.array([1.5, np.nan, 2.5, -1.0])
    assert tg.nansum(x, dtype=np.int32) == np.nansum(x, dtype=np.int32)
    assert tg.nansum(x, dtype=np.int32).dtype == np.int32
    big = np.array([2 ** 62 + 1, 3], dtype=np.int64)
    m = np.array([True, False])
    r = tg.max(big, where=m, initial=0)
    assert r == np.max(big, where=m, initial=0) and r.dtype == np.int64
    # dtypes NumPy gives
    assert tg.average(np.ones(3, np.float32), weights=np.ones(3, np.int8)).dtype == np.float32
    assert tg.ldexp(np.ones(2, np.int8), np.ones(2, np.int8)).dtype == np.ldexp(
        np.ones(2, np.int8), np.ones(2, np.int8)).dtype
    assert tg.vander(np.ones(2, np.float32), 3).dtype == np.vander(np.ones(2, np.float32), 3).dtype
    assert tg.inner(np.ones(2, np.int8), 3).dtype == np.inner(np.ones(2, np.int8), 3).dtype
    assert tg.polyval(np.array([True, True]), True).dtype == np.polyval(np.array([True, True]), True).dtype


def test_einsum_takes_pytorchs_list_of_operands():
    a, b = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(tg.einsum("ij,jk->ik", [a, b]), a @ b)
    np.testing.assert_allclose(tg.einsum("ij,jk", (a, b)), a @ b)
    np.testing.assert_allclose(tg.einsum("i->", [1.0, 2.0]), 3.0)  # one operand: a list is an array
    np.testing.assert_allclose(tg.grad(lambda x: tg.einsum("ij,jk->", [x, b]))(a), np.tile(b.sum(1), (2, 1)))


def test_jax_keywords_on_numpy_functions():
    a = np.arange(6.0).reshape(2, 3)
    c = np.array([True, False, False])
    for kw in ({"size": 3, "fill_value": -1.0}, {"size": 2}):
        np.testing.assert_array_equal(tg.compress(c, a, axis=1, **kw), jnp.compress(c, a, axis=1, **kw))
    np.testing.assert_array_equal(tg.extract(a > 2, a, size=5, fill_value=7.0),
                                  jnp.extract(a > 2, a, size=5, fill_value=7.0))
    # a fixed length: under tg.jit the condition may be traced, and each call gets its own
    sized = tg.jit(lambda c, x: tg.extract(c, x, size=4, fill_value=9.0))
    assert sized(a > 2, a).tolist() == [3.0, 4.0, 5.0, 9.0] and sized(a > 4, a).tolist() == [5.0, 9.0, 9.0, 9.0]
    np.testing.assert_array_equal(tg.jit(lambda c, x: tg.compress(c, x, axis=1, size=2))(c, a),
                                  jnp.compress(c, a, axis=1, size=2))
    g = tg.grad(lambda x: tg.sum(tg.extract(a > 2, x, size=4, fill_value=9.0) ** 2))(a)
    np.testing.assert_array_equal(g, np.where(a > 2, 2 * a, 0.0))
    np.testing.assert_array_equal(tg.outer(a=np.ones(2), b=np.arange(3.0)), np.outer(np.ones(2), np.arange(3.0)))
    assert tg.digitize(np.array([0.5, 2.5]), np.array([0.0, 1.0, 2.0]), method="sort").tolist() == [1, 3]
    assert tg.polyval(np.array([1.0, 2.0]), 3.0, unroll=4) == 5.0
    x, y = np.array([0.0, 1.0]), np.array([1.0, 2.0])
    np.testing.assert_array_equal(tg.polymul(x, y, trim_leading_zeros=False), jnp.polymul(x, y))
    assert tg.polymul(x, y).tolist() == [1.0, 2.0]  # NumPy's trim stays the default eagerly
    u, v = np.array([1.0, 3.0, 3.0, 1.0]), np.array([1.0, 1.0])
    for got, want in zip(tg.polydiv(u, v, trim_leading_zeros=False), jnp.polydiv(u, v)):
        np.testing.assert_array_equal(got, want)
    # JAX's promise_in_bounds clamps, as XLA's gather
    np.testing.assert_array_equal(
        tg.take_along_axis(np.arange(5.0), np.array([-6, 7]), axis=0, mode="promise_in_bounds"),
        jnp.take_along_axis(jnp.arange(5.0), jnp.array([-6, 7]), axis=0, mode="promise_in_bounds"))
    assert tg.bincount(np.array([True, False, True])).tolist() == [1, 2]
    with pytest.raises(ValueError, match="bincount: x must be non-negative, got -1"):
        tg.bincount(np.array([-1, 0, 2]))
    # the Kaiser window differentiates in beta
    np.testing.assert_allclose(tg.grad(lambda b: tg.sum(tg.kaiser(5, b)))(3.0),
                               jax.grad(lambda b: jnp.kaiser(5, b).sum())(3.0), rtol=1e-12)
    np.testing.assert_array_equal(tg.kaiser(7, 2.5), np.kaiser(7, 2.5))


def test_put_along_axis_takes_jaxs_modes():
    a, big = np.arange(5.0), np.arange(12.0).reshape(3, 4)
    rows = np.array([[0, 5], [2, -9], [3, 1]])
    for mode in ("clip", "drop", "fill", "promise_in_bounds"):
        for idx in (np.array([7, 1]), np.array([-1, -7])):
            np.testing.assert_array_equal(
                tg.put_along_axis(a, idx, np.array([9.0, 8.0]), axis=0, inplace=False, mode=mode),
                jnp.put_along_axis(a, idx, jnp.array([9.0, 8.0]), axis=0, inplace=False, mode=mode))
        np.testing.assert_array_equal(
            tg.put_along_axis(big, rows, np.array([[1.0, 2.0]]), axis=1, inplace=False, mode=mode),
            jnp.put_along_axis(big, rows, jnp.array([[1.0, 2.0]]), axis=1, inplace=False, mode=mode))
    g = tg.grad(lambda v: tg.sum(tg.put_along_axis(a, np.array([7, 1]), v, axis=0, inplace=False,
                                                   mode="drop") ** 2))(np.array([9.0, 8.0]))
    assert g.tolist() == [0.0, 16.0]  # the dropped update gets no gradient


@pytest.mark.parametrize("kw", [{}, {"left": -2.0, "right": 7.0},
                                {"left": "extrapolate", "right": "extrapolate"},
                                {"left": "extrapolate", "right": 7.0}])
def test_interp_is_differentiable_in_its_knots_as_jax(kw):
    # points inside, outside, at interior knots, at both ends and between repeated knots
    x = np.array([0.5, 1.5, 2.7, -1.0, 5.0, 1.0, 3.0, 0.0, 2.0])
    fp = np.array([1.0, 3.0, 2.0, 5.0])
    w = np.random.default_rng(3).normal(size=x.size)
    for xp in (np.array([0.0, 1.0, 2.0, 3.0]), np.array([0.0, 1.0, 1.0, 3.0])):
        for argnum in range(3):
            g = tg.grad(lambda *a: tg.sum(w * tg.interp(*a, **kw)), argnums=argnum)(x, xp, fp)
            ref = jax.grad(lambda *a: jnp.sum(w * jnp.interp(*a, **kw)), argnums=argnum)(x, xp, fp)
            np.testing.assert_allclose(g, ref, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(tg.jacfwd(lambda k: tg.interp(x, k, fp, **kw))(xp),
                                   jax.jacfwd(lambda k: jnp.interp(x, k, fp, **kw))(xp), atol=1e-14)
        np.testing.assert_allclose(tg.interp(x, xp, fp + 1j * fp[::-1], **kw),
                                   jnp.interp(x, xp, fp + 1j * fp[::-1], **kw), rtol=1e-14)
    f32 = [v.astype(np.float32) for v in (x, np.array([0.0, 1.0, 2.0, 3.0]), fp)]
    assert tg.interp(*f32).dtype == np.interp(*f32).dtype == np.float64  # NumPy's dtype
    assert tg.grad(lambda k: tg.sum(tg.interp(f32[0], k, f32[2])))(f32[1]).dtype == np.float32
    # under tg.jit, the knots an argument: the intervals are found again at each call
    f = tg.jit(tg.grad(lambda k: tg.sum(w * tg.interp(x, k, fp + 1j * fp[::-1]).real)))
    for xp in (np.array([0.0, 1.0, 2.0, 3.0]), np.array([-1.0, 0.5, 2.5, 4.0])):
        ref = jax.grad(lambda k: jnp.sum(w * jnp.interp(x, k, fp + 1j * fp[::-1]).real))(xp)
        np.testing.assert_allclose(f(xp), ref, rtol=1e-12, atol=1e-14)


def test_gradient_is_differentiable_in_its_spacings_as_jax():
    f = np.array([1.0, 4.0, 9.0, 16.0, 30.0])
    xs = np.array([0.0, 1.0, 2.5, 3.0, 5.0])
    w = np.arange(5.0) + 1
    for h in (0.7, xs, np.arange(5.0) * 0.5):  # a spacing, uneven and even coordinates
        g = tg.grad(lambda h: tg.sum(w * tg.gradient(f * 1.5, h)))(h)
        ref = jax.grad(lambda h: jnp.sum(w * jnp.gradient(f * 1.5, h)))(h)
        np.testing.assert_allclose(g, ref, rtol=1e-12)
    F = np.random.default_rng(0).normal(size=(4, 5))
    g = tg.grad(lambda a, b: tg.sum(tg.gradient(F, a, b)[0] * F + tg.gradient(F, a, b)[1]),
                argnums=(0, 1))(0.3, xs)
    ref = jax.grad(lambda a, b: jnp.sum(jnp.gradient(F, a, b)[0] * F + jnp.gradient(F, a, b)[1]),
                   argnums=(0, 1))(0.3, xs)
    for u, v in zip(g, ref):
        np.testing.assert_allclose(u, v, rtol=1e-12)
    # under tg.jit the spacing and the coordinates are arguments, replayed for new values
    by_coords, by_step = tg.jit(lambda c: tg.gradient(f, c)), tg.jit(lambda h: tg.gradient(f, h))
    for c in (xs, xs * 2, np.arange(5.0) * 0.5):
        np.testing.assert_allclose(by_coords(c), np.gradient(f, c), rtol=1e-13)
    for h in (np.float64(0.5), np.float64(0.7)):
        np.testing.assert_allclose(by_step(h), np.gradient(f, h), rtol=1e-13)


def test_argsort_of_a_0d_input_is_numpys_one_entry():
    for a in (np.array(5), np.array(2.5)):
        for kw in ({}, {"axis": None}, {"axis": 0}, {"axis": -1}):
            want = np.argsort(a, **kw)
            got = tg.argsort(a, **kw)
            assert got.shape == want.shape and got.tolist() == want.tolist(), kw
    assert tg.argsort(np.array(1.0), descending=True).tolist() == [0]


def test_interp_refuses_other_strings_at_the_ends():
    with pytest.raises(ValueError, match="interp: left and right must be numbers or 'extrapolate'"):
        tg.interp(np.array([5.0]), np.array([0.0, 1.0]), np.array([1.0, 2.0]), right="extend")


def test_interp_extrapolates_beyond_repeated_end_knots_as_jax():
    # past a repeated end knot the line's interval has no width: JAX takes the first of the two
    x = np.array([2.0, 3.0, -1.0, -2.0])
    for xp, fp in (([0.0, 1.0, 1.0], [1.0, 3.0, 0.0]), ([0.0, 0.0, 1.0], [1.0, 3.0, 0.0])):
        got = tg.interp(x, np.array(xp), np.array(fp), left="extrapolate", right="extrapolate")
        want = jnp.interp(x, np.array(xp), np.array(fp), left="extrapolate", right="extrapolate")
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_round_decimals_must_be_an_integer_as_numpy():
    x = np.array([1.23456, -2.5])
    for d in (True, np.array(2), np.int8(1)):  # what has __index__ goes, as NumPy
        np.testing.assert_array_equal(tg.round(x, d), np.round(x, d))
    for d in (1.5, 1.0, np.float64(1.0)):  # NumPy raises rather than truncate
        with pytest.raises(TypeError, match="round: decimals must be an integer"):
            tg.round(x, d)
        with pytest.raises(TypeError, match="round: decimals must be an integer"):
            tg.tensor(x).round(decimals=d)
    with pytest.raises(tg.ConcretizationError, match="traced array"):  # (not "must be an integer")
        tg.jit(lambda v, d: tg.round(v, d))(x, np.array(1))


def test_repeat_of_a_0d_array_along_its_axis_0_as_numpy_and_jax():
    s = np.array(2.0)
    for axis in (0, -1, None):
        np.testing.assert_array_equal(tg.repeat(s, 3, axis=axis), np.repeat(s, 3, axis=axis))
    assert tg.grad(lambda x: tg.sum(tg.repeat(x, 3, axis=0) * np.arange(3.0)))(s) == 3.0
    with pytest.raises(np.exceptions.AxisError, match="repeat: axis 1"):
        tg.repeat(s, 3, axis=1)
