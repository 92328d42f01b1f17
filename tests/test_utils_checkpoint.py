"""PyTorch's torch.utils.checkpoint form: tg.utils.checkpoint.checkpoint(fn, *args) and
checkpoint_sequential(layers, segments, input) give the plain call's values and gradients, and
the checkpointed function runs again in the backward pass."""
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.utils.checkpoint import checkpoint, checkpoint_sequential

X = np.random.default_rng(0).normal(size=(2, 3))


def _model():
    layers = [tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 4), tg.nn.Tanh(), tg.nn.Linear(4, 1)]
    m = tg.nn.Sequential(*layers)
    m.requires_grad_()
    return m


def test_checkpoint_recomputes_in_the_backward_pass_and_keeps_the_gradient():
    calls = []

    def f(v, k, scale=1.0):
        calls.append(1)
        return tg.sin(v) * v * scale + k

    x = tg.tensor(X, requires_grad=True)
    y = checkpoint(f, x, 2, scale=3.0, use_reentrant=False)
    assert len(calls) == 1
    np.testing.assert_allclose(y.detach(), 3 * np.sin(X) * X + 2, rtol=1e-15)
    y.sum().backward()
    assert len(calls) == 2                          # run again for the backward pass
    np.testing.assert_allclose(x.grad, 3 * (np.cos(X) * X + np.sin(X)), rtol=1e-14)
    g = tg.grad(lambda v: tg.sum(checkpoint(f, v, 0.0)))(X)   # inside a transform too
    np.testing.assert_allclose(g, np.cos(X) * X + np.sin(X), rtol=1e-14)
    with pytest.raises(NotImplementedError, match="context_fn"):
        checkpoint(f, x, 0.0, context_fn=lambda: None)
    with pytest.raises(TypeError, match="callable"):
        checkpoint(3, x)


@pytest.mark.parametrize("segments", [1, 2, 3, 5, 9])
def test_checkpoint_sequential_equals_the_plain_model(segments):
    m = _model()
    x = tg.tensor(X, requires_grad=True)
    m(x).sum().backward()
    want = [p.grad.copy() for p in m.parameters()] + [x.grad.copy()]
    m.zero_grad()
    x.grad = None
    out = checkpoint_sequential(m, segments, x, use_reentrant=True)
    np.testing.assert_allclose(out.detach(), m(tg.tensor(X)).detach(), rtol=1e-15)
    out.sum().backward()
    for w, g in zip(want, [p.grad for p in m.parameters()] + [x.grad]):
        np.testing.assert_allclose(g, w, rtol=1e-13)
    assert checkpoint_sequential(list(m), segments, X).shape == (2, 1)   # a list of layers, arrays


def test_checkpoint_sequential_checks_its_arguments():
    m = _model()
    with pytest.raises(ValueError, match="positive int"):
        checkpoint_sequential(m, 0, X)
    with pytest.raises(TypeError, match="unexpected keyword"):
        checkpoint_sequential(m, 2, X, preserve=True)


def test_the_default_streams_draws_are_replayed_in_the_recomputation():
    # PyTorch's checkpoint keeps the random state (preserve_rng_state=True): the recomputation
    # draws what the forward pass drew, so the gradient belongs to the value computed
    tg.manual_seed(3)
    x = tg.tensor(np.ones(4), requires_grad=True)
    y = checkpoint(lambda a: a * tg.randn(4) + tg.rand(4), x, use_reentrant=False)
    y.sum().backward()
    tg.manual_seed(3)
    normal, uniform = np.asarray(tg.randn(4)), np.asarray(tg.rand(4))
    np.testing.assert_array_equal(y.detach(), normal + uniform)
    np.testing.assert_array_equal(x.grad, normal)
