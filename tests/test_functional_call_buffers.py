"""tg.func.functional_call with buffers (BatchNorm's running statistics): read under tg.jit,
written back into the arrays given in training mode (PyTorch's in-place update), refused where
the update could not reach them. Before: jit raised a misleading ConcretizationError (and read
the layer's own statistics once that was mended), and a training call lost the update."""
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(2)
X = RNG.normal(size=(5, 3)) + 2.0


def test_eval_mode_buffers_are_read_under_jit():
    m = tg.nn.Sequential(tg.nn.Linear(3, 3), tg.nn.BatchNorm1d(3))
    m.init(0)
    m.eval()
    params = {k: np.array(v) for k, v in m.named_parameters().items()}
    bufs = {"1.running_mean": RNG.normal(size=3), "1.running_var": RNG.uniform(0.5, 2, size=3)}
    f = lambda p, b, x: tg.func.functional_call(m, (p, b), (x,))  # noqa: E731
    h = X @ params["0.W"] + params["0.b"]
    want = ((h - bufs["1.running_mean"]) / np.sqrt(bufs["1.running_var"] + 1e-5)
            * params["1.weight"] + params["1.bias"])
    np.testing.assert_allclose(f(params, bufs, X), want, rtol=1e-12)
    np.testing.assert_allclose(tg.jit(f)(params, bufs, X), want, rtol=1e-12)


def test_training_mode_updates_the_given_buffers_in_place():
    m = tg.nn.BatchNorm1d(3)
    m.init(0)
    bufs = {"running_mean": np.zeros(3), "running_var": np.ones(3),
            "num_batches_tracked": np.asarray(0)}
    tg.func.functional_call(m, bufs, (X,))
    np.testing.assert_allclose(bufs["running_mean"], 0.1 * X.mean(0), rtol=1e-12)
    np.testing.assert_allclose(bufs["running_var"], 0.9 + 0.1 * X.var(0, ddof=1), rtol=1e-12)
    assert bufs["num_batches_tracked"] == 1
    np.testing.assert_array_equal(m.running_mean, np.zeros(3))  # the layer keeps its own
    with pytest.raises(NotImplementedError, match="updates its running statistics"):
        tg.jit(lambda b, x: tg.func.functional_call(m, b, (x,)))(bufs, X)
    with pytest.raises(NotImplementedError, match="updates its running statistics"):
        tg.jit(lambda x: tg.func.functional_call(m, bufs, (x,)))(X)


def test_training_mode_updates_given_tensor_buffers_in_place_as_pytorch():
    # PyTorch's buffers are tensors that do not require grad: they take the update too (they
    # were refused with a message about tracing, outside any transform)
    m = tg.nn.BatchNorm1d(3)
    m.init(0)
    rm, rv = tg.tensor(np.zeros(3)), tg.tensor(np.ones(3))
    out = tg.func.functional_call(m, {"running_mean": rm, "running_var": rv}, (tg.tensor(X),))
    np.testing.assert_allclose(np.asarray(rm), 0.1 * X.mean(0), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(rv), 0.9 + 0.1 * X.var(0, ddof=1), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(out), (X - X.mean(0)) / np.sqrt(X.var(0) + 1e-5), rtol=1e-10)
    np.testing.assert_array_equal(m.running_mean, np.zeros(3))
    with pytest.raises(NotImplementedError, match=r"\('running_mean'\) .* the buffer given requires grad"):
        tg.func.functional_call(m, {"running_mean": tg.tensor(np.zeros(3), requires_grad=True)}, (X,))
    with pytest.raises(NotImplementedError, match="the buffer given is traced"):
        tg.func.grad(lambda b, x: tg.sum(tg.func.functional_call(m, {"running_mean": b}, (x,))))(np.zeros(3), X)
