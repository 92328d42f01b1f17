"""InstanceNorm with track_running_stats under tg.jit reads and updates the layer's current
buffers at every run of the plan. Before, the plan held the arrays it was traced with: after
load_state_dict an eval plan normalized with the old statistics, and a train plan updated
arrays the layer no longer had (silently)."""
import numpy as np

import tensorgrad as tg

RNG = np.random.default_rng(0)
X = RNG.normal(size=(3, 2, 5)) * 2.0 + 1.0


def _running(x, rm, rv, m=0.1):
    n = x.shape[-1]
    return ((1 - m) * rm + m * x.mean(axis=2).mean(axis=0),
            (1 - m) * rv + m * x.var(axis=2).mean(axis=0) * n / (n - 1))


def test_eval_plan_reads_the_buffers_loaded_after_tracing():
    layer = tg.nn.InstanceNorm1d(2, track_running_stats=True)
    layer.init(0)
    layer.eval()
    f = tg.jit(lambda x: layer.apply({}, x))
    f(X)
    rm, rv = np.array([0.5, -1.0]), np.array([2.0, 0.5])
    layer.load_state_dict({"running_mean": rm, "running_var": rv, "num_batches_tracked": np.array(0)})
    want = (X - rm[:, None]) / np.sqrt(rv[:, None] + 1e-5)
    np.testing.assert_allclose(f(X), want, rtol=1e-12)
    np.testing.assert_allclose(layer.apply({}, X), want, rtol=1e-12)


def test_train_plan_updates_the_current_buffers_every_call():
    layer = tg.nn.InstanceNorm1d(2, track_running_stats=True)
    layer.init(0)
    f = tg.jit(lambda x: layer.apply({}, x))
    rm, rv = np.zeros(2), np.ones(2)
    for i in range(3):
        f(X + i)
        rm, rv = _running(X + i, rm, rv)
        np.testing.assert_allclose(layer.running_mean, rm, rtol=1e-12)
        np.testing.assert_allclose(layer.running_var, rv, rtol=1e-12)
    layer.load_state_dict({"running_mean": np.full(2, 3.0), "running_var": np.full(2, 4.0),
                           "num_batches_tracked": np.array(0)})
    f(X)
    rm, rv = _running(X, np.full(2, 3.0), np.full(2, 4.0))
    np.testing.assert_allclose(layer.running_mean, rm, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var, rv, rtol=1e-12)
