"""Edge cases of tg.distributions found by a probe against torch.distributions: the
generalized Pareto's slope in ξ at ξ = 0, integer supports and infinity, matrix constraints
on non-square or non-finite values, enumerate_support through Independent.

References: central differences, and the closed forms of the checks."""
import numpy as np
import pytest

import tensorgrad as tg

D = tg.distributions
C = D.constraints


def _central(f, k, h):
    return (float(f(k + h)) - float(f(k - h))) / (2 * h)


@pytest.mark.parametrize("k0", [0.0, 3e-9, -7e-9])
def test_generalized_pareto_is_differentiable_in_xi_at_zero(k0):
    # ξ within 1e-8 of 0 used the exponential limit, whose derivative in ξ is 0 (as PyTorch's)
    x, u = np.array([0.5, 2.0, 10.0]), np.array([0.1, 0.5, 0.9])
    parts = {"log_prob": lambda d: d.log_prob(x), "cdf": lambda d: d.cdf(x),
             "icdf": lambda d: d.icdf(u), "log_survival": lambda d: d.log_survival_function(x)}
    for name, part in parts.items():
        f = lambda k: tg.sum(part(D.GeneralizedPareto(0.3, 1.5, k)))  # noqa: E731
        np.testing.assert_allclose(tg.grad(f)(k0), _central(f, k0, 1e-5), rtol=1e-7, err_msg=name)
        second = (float(f(k0 + 1e-4)) - 2 * float(f(k0)) + float(f(k0 - 1e-4))) / 1e-8
        np.testing.assert_allclose(tg.grad(tg.grad(f))(k0), second, rtol=1e-5, err_msg=name)
        # (continuous across the switch to the closed form at |ξ| = 1e-8)
        np.testing.assert_allclose(float(f(1.0000001e-8)), float(f(0.9999999e-8)), rtol=1e-13)


def test_integer_supports_exclude_infinity():
    assert not C.nonnegative_integer.check(np.inf)
    assert not C.integer_interval(0, np.inf).check(np.inf)
    np.testing.assert_array_equal(C.positive_integer.check(np.array([1.0, np.inf, np.nan, 2.5])),
                                  [True, False, False, False])
    for d in (D.Poisson(2.0), D.NegativeBinomial(3.0, probs=0.4), D.Geometric(0.3)):
        with pytest.raises(ValueError, match="nonnegative_integer"):
            d.log_prob(np.inf)
    assert C.integer_interval(0, 3).upper_bound == 3
    assert C.nonnegative_integer.lower_bound == 0
    assert D.Categorical(probs=np.ones(4) / 4).support.upper_bound == 3


@pytest.mark.parametrize("name", ["positive_definite", "symmetric", "positive_semidefinite",
                                  "lower_triangular", "lower_cholesky"])
def test_matrix_constraints_answer_false_rather_than_fail(name):
    c = getattr(C, name)
    np.testing.assert_array_equal(c.check(np.ones((2, 3))), False)
    np.testing.assert_array_equal(c.check(np.ones((4, 2, 3))), np.zeros(4, bool))
    assert c.check(np.eye(2))
    with np.errstate(all="raise"):
        assert not c.check(np.array([[np.nan, 0.0], [0.0, 1.0]]))
        assert not c.check(np.array([[1.0, 0.0], [np.nan, 1.0]]))
    if name in ("positive_definite", "positive_semidefinite"):
        assert not c.check(np.array([[np.inf, 0.0], [0.0, 1.0]]))


def test_enumerate_support_through_independent_and_its_refusals():
    d = D.Independent(D.Bernoulli(probs=np.full(2, 0.3)), 0)
    assert d.has_enumerate_support
    np.testing.assert_array_equal(d.enumerate_support(), [[0.0, 0.0], [1.0, 1.0]])
    folded = D.Independent(D.Bernoulli(probs=np.full(2, 0.3)), 1)
    assert not folded.has_enumerate_support
    for dist in (folded, D.Poisson(2.0), D.Normal(0.0, 1.0)):
        with pytest.raises(NotImplementedError, match="enumerate_support"):
            dist.enumerate_support()
    with pytest.raises(ValueError, match="must be a Categorical"):  # (PyTorch's ValueError)
        D.MixtureSameFamily(D.Normal(0.0, 1.0), D.Normal(np.zeros(2), np.ones(2)))
