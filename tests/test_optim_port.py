"""Checks ported from optax's and PyTorch's optimizer tests (and JAX's scipy.stats tests for
truncnorm's far tails): updates that transforms can differentiate and compile, schedules that
refuse bad settings at once."""
import warnings

import numpy as np
import pytest
import scipy.stats as ss

import tensorgrad as tg
from tensorgrad import optim


@pytest.mark.parametrize("opt", [optim.SGD(0.1), optim.SGD(0.1, momentum=0.9, nesterov=True),
                                 optim.Adam(0.1), optim.RMSprop(0.05), optim.AdamW(0.1)],
                         ids=["sgd", "nesterov", "adam", "rmsprop", "adamw"])
def test_an_update_differentiates_and_compiles(opt):
    p0, g0 = np.array([0.5, -1.0]), np.array([1.0, 2.0])

    def unrolled(p):  # two steps of the optimizer, as in meta-learning
        s = opt.init(p0)
        for _ in range(2):
            p, s = opt.step(p, g0 * p, s)
        return tg.sum(p ** 2)
    eps = 1e-6
    fd = [(unrolled(p0 + eps * e) - unrolled(p0 - eps * e)) / (2 * eps) for e in np.eye(2)]
    g = tg.grad(unrolled)(p0)
    assert np.all(g != 0)
    np.testing.assert_allclose(g, fd, rtol=1e-6, atol=1e-9)

    def train_step(p, s, x):
        g = tg.grad(lambda p: tg.sum((p * x - 1.0) ** 2))(p)
        return opt.step(p, g, s)
    step = tg.jit(train_step)
    pe, se = p0, opt.init(p0)
    pj, sj = p0, opt.init(p0)
    for t in range(4):
        x = np.array([1.0, 2.0]) + t
        pe, se = train_step(pe, se, x)
        pj, sj = step(pj, sj, x)
        np.testing.assert_allclose(pj, pe, rtol=1e-12)
        assert int(np.asarray(sj["step"])) == t + 1


@pytest.mark.parametrize("make", [lambda: optim.constant(float("inf")),
                                  lambda: optim.step_decay(0.1, 2, gamma=-0.5),
                                  lambda: optim.step_decay(float("nan"), 2),
                                  lambda: optim.cosine(0.1, 10, final_lr=-1.0),
                                  lambda: optim.cosine(float("nan"), 10),
                                  lambda: optim.cosine(0.1, 2.5)])
def test_schedules_refuse_bad_settings_when_built(make):
    with pytest.raises(ValueError):
        make()


def test_truncnorm_far_tails_are_zero_mass_not_nan():
    st = tg.scipy.stats.truncnorm
    cases = [("cdf", (-1e300, -np.inf, 1.0)), ("logcdf", (-1e200, -np.inf, np.inf)),
             ("sf", (1e300, -1.0, np.inf)), ("logsf", (1e160, -1.0, np.inf)),
             ("cdf", (1e300, -np.inf, np.inf)), ("sf", (-1e300, -np.inf, np.inf))]
    for meth, args in cases:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            want = getattr(ss.truncnorm, meth)(*args)
        got = getattr(st, meth)(*args)
        assert float(got) == float(want), (meth, args, got, want)
