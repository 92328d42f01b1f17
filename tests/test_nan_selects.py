"""nansum, nanmean and nan_to_num select their derivatives (a NaN cotangent or tangent of a
NaN entry gives 0, as JAX's where-based functions); polyval takes NumPy's 2-D coefficients."""
import warnings

import numpy as np
import pytest

import tensorgrad as tg

X = np.array([[1.0, np.nan, 3.0], [np.nan, np.nan, np.nan]])


def test_masked_nan_mean_has_a_zero_gradient_in_an_all_nan_row():
    def f(a):
        m = tg.nanmean(a, axis=1)
        return tg.sum(tg.where(tg.isnan(m), 0.0, tg.sin(m)))
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):  # (NumPy's, for the NaN row)
        g = tg.grad(f)(X)
    np.testing.assert_array_equal(g[1], 0.0)
    np.testing.assert_allclose(g[0], [np.cos(2.0) / 2, 0.0, np.cos(2.0) / 2], rtol=1e-15)


def test_nan_cotangents_and_tangents_stop_at_nan_entries():
    _, pull = tg.vjp(lambda a: tg.nansum(a, axis=1), X)
    g, = pull(np.array([np.nan, np.nan]))
    np.testing.assert_array_equal(np.isnan(g), [[True, False, True], [False, False, False]])
    np.testing.assert_array_equal(g[1], 0.0)
    with pytest.warns(RuntimeWarning, match="Mean of empty slice"):
        t = tg.jvp(lambda a: tg.nanmean(a, axis=1), (X,), (np.full_like(X, np.nan),))[1]
    assert np.isnan(t[0]) and t[1] == 0.0
    bad = np.array([np.nan, np.inf])
    np.testing.assert_array_equal(tg.jvp(tg.nan_to_num, (bad,), (bad,))[1], [0.0, 0.0])
    _, pull = tg.vjp(tg.nan_to_num, bad)
    np.testing.assert_array_equal(pull(bad)[0], [0.0, 0.0])
    with np.errstate(invalid="ignore"):
        J = tg.jacfwd(lambda v: tg.nan_to_num(tg.sqrt(v)))(np.array([-1.0, 4.0]))
    np.testing.assert_array_equal(J, [[0.0, 0.0], [0.0, 0.25]])


def test_polyval_takes_one_polynomial_per_column():
    p = np.arange(6.0).reshape(3, 2)
    np.testing.assert_array_equal(tg.polyval(p, 2.0), np.polyval(p, 2.0))
    x = np.array([[1.0], [2.0]])
    np.testing.assert_array_equal(tg.polyval(p, x), np.polyval(p, x))
    np.testing.assert_array_equal(tg.grad(lambda q: tg.sum(tg.polyval(q, 2.0)))(p),
                                  [[4.0, 4.0], [2.0, 2.0], [1.0, 1.0]])


def test_sign_of_complex_values_is_differentiated_as_z_over_its_modulus():
    z = np.array([3 + 4j, -1 + 2j, 0j])
    g = tg.grad(lambda z: tg.sum(tg.real(tg.sign(z) * tg.abs(z))))(z)
    np.testing.assert_allclose(g, [1.0, 1.0, 0.0], atol=1e-15)  # sign(z)|z| = z
    g = tg.grad(lambda z: tg.sum(tg.real(tg.sign(z))))(z[:2])
    h = 1e-7                                             # central differences of Re(z/|z|)
    fd = [(np.real(np.sign(z[k] + h)) - np.real(np.sign(z[k] - h))) / (2 * h)
          - 1j * (np.real(np.sign(z[k] + 1j * h)) - np.real(np.sign(z[k] - 1j * h))) / (2 * h)
          for k in range(2)]
    np.testing.assert_allclose(g, fd, rtol=1e-6)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.sign(x) * x))(np.array([1.0, -2.0])),
                                  [1.0, -1.0])                  # (real: the zero slope of sign)


def test_logsumexp_gradient_over_an_empty_axis_under_jit():
    def f(x):
        return tg.sum(tg.nn.logsumexp(x, axis=1))
    assert tg.jit(tg.grad(f))(np.zeros((3, 0))).shape == (3, 0)
    assert tg.jit(tg.grad(lambda v: tg.nn.logsumexp(v)))(np.zeros(0)).shape == (0,)
    x = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_allclose(tg.jit(tg.grad(f))(x), tg.grad(f)(x), rtol=1e-15)


def test_debug_nans_catches_a_custom_jvp_rules_nan_tangent_in_forward_mode():
    @tg.custom_jvp
    def f(x):
        return tg.sin(x)

    @f.defjvp
    def f_jvp(primals, tangents):
        return tg.sin(primals[0]), tangents[0] * np.nan
    with tg.debug_nans():
        with pytest.raises(FloatingPointError, match="JVP rule of custom_jvp f produced NaN"):
            tg.jvp(f, (np.ones(2),), (np.ones(2),))
    assert np.isnan(tg.jvp(f, (np.ones(2),), (np.ones(2),))[1]).all()  # (the mode off: no check)


def test_the_nan_error_is_also_pytorchs_runtime_error():
    with tg.autograd.detect_anomaly():
        with np.errstate(invalid="ignore"), pytest.raises(RuntimeError) as info:
            tg.grad(lambda x: tg.sum(tg.sqrt(x)))(np.array([-1.0]))
    assert isinstance(info.value, FloatingPointError) and isinstance(info.value, tg.debug.NonFiniteError)


def test_cross_entropy_with_float_class_ids_says_to_give_integers():
    with pytest.raises(ValueError, match="give an integer array"):
        tg.nn.functional.cross_entropy(np.zeros((2, 3)), np.array([0.0, 1.5]))
    with pytest.raises(ValueError, match=r"probability target shape \(2, 4\)"):
        tg.nn.functional.cross_entropy(np.zeros((2, 3)), np.zeros((2, 4)))


def test_logaddexp_slopes_keep_their_digits_at_large_inputs():
    # base^(a − out) lost digits as |out| grew (0.4999997606 at 1e10, 1 at 1e17): σ(a − b) keeps them
    for v in (1e8, 1e10, 1e17, -1e300):
        assert tg.grad(lambda x: tg.logaddexp(x, v))(v) == 0.5
        assert tg.grad(lambda x: tg.logaddexp2(x, v))(v) == 0.5
        assert tg.jit(tg.grad(lambda x: tg.logaddexp(x, v)))(v) == 0.5
    np.testing.assert_allclose(tg.grad(lambda x: tg.logaddexp(x, 1e10 + 3.0))(1e10),
                               1 / (1 + np.exp(3.0)), rtol=1e-15)


@pytest.mark.parametrize("name, message", [("nanmax", "All-NaN slice encountered"),
                                           ("nanmin", "All-NaN slice encountered"),
                                           ("nanvar", "Degrees of freedom <= 0 for slice"),
                                           ("nanstd", "Degrees of freedom <= 0 for slice")])
def test_the_nan_skipping_reductions_warn_of_an_all_nan_slice_as_numpy(name, message):
    # a test expecting NumPy's warning (pytest.warns) saw none before; the values were NumPy's
    fn = getattr(tg, name)
    with pytest.warns(RuntimeWarning, match=message):
        got = fn(X, axis=1)
    with pytest.warns(RuntimeWarning, match=message):
        want = getattr(np, name)(X, axis=1)
    np.testing.assert_array_equal(got, want)
    with pytest.warns(RuntimeWarning, match=message):  # and under a transform
        tg.grad(lambda a: tg.sum(tg.nan_to_num(fn(a, axis=1))))(X)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no slice left empty: no warning
        np.testing.assert_array_equal(fn(X[:1], axis=1), getattr(np, name)(X[:1], axis=1))
