"""PyTorch's global generator for the random functions called without a key: the dropouts of
tg.nn.functional, scaled_dot_product_attention's dropout, and tg.distributions' sample() and
rsample() draw from this thread's stream, which tg.manual_seed restarts, anew at each call;
a tg.jit trace refuses such a draw (its plan would replay it as a constant)."""
import threading

import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.utils.checkpoint import checkpoint

F = tg.nn.functional
D = tg.distributions
W = np.linspace(-1.0, 1.0, 12).reshape(3, 4)


def _twice(draw, seed):
    tg.manual_seed(seed)
    a, b = np.asarray(draw()), np.asarray(draw())
    tg.manual_seed(seed)
    np.testing.assert_array_equal(np.asarray(draw()), a)  # (the seed reproduces the draws)
    assert not np.array_equal(a, b)  # (each call draws anew)
    return a


@pytest.mark.parametrize("name, draw", [
    ("dropout", lambda: F.dropout(np.ones((6, 7)), 0.5)),
    ("dropout2d", lambda: F.dropout2d(np.ones((5, 6, 3, 3)), 0.5)),
    ("alpha_dropout", lambda: F.alpha_dropout(np.ones((6, 7)), 0.5, training=True)),
    ("rrelu", lambda: F.rrelu(-np.ones(20), training=True)),
    ("gumbel_softmax", lambda: F.gumbel_softmax(np.zeros((4, 5)))),
    ("Normal.sample", lambda: D.Normal(0.0, 1.0).sample((5,))),
    ("Categorical.sample", lambda: D.Categorical(probs=np.full(6, 1 / 6)).sample((20,))),
    ("MultivariateNormal.rsample", lambda: D.MultivariateNormal(np.zeros(2), np.eye(2)).rsample((3,))),
    ("Poisson.sample", lambda: D.Poisson(3.0).sample((10,))),
])
def test_draws_without_a_key_follow_manual_seed(name, draw):
    _twice(draw, 123)


def test_dropout_without_a_key_keeps_and_scales():
    x = np.arange(1.0, 43.0).reshape(6, 7)
    y = _twice(lambda: F.dropout(x, 0.25), 9)
    kept = y != 0
    assert kept.any() and (~kept).any()
    np.testing.assert_allclose(y[kept], x[kept] / 0.75, rtol=1e-15)


def test_rsample_without_a_key_differentiates():
    mu = tg.tensor([0.5, -1.0], requires_grad=True)
    tg.manual_seed(0)
    s = D.Normal(mu, 2.0).rsample((4,))
    (s * s).sum().backward()
    np.testing.assert_allclose(mu.grad, 2 * s.detach().numpy().sum(0), rtol=1e-14)


def test_checkpoint_recomputes_with_the_same_draws():
    def f(v):
        h = F.dropout(tg.tanh(v @ W), 0.5)
        return (h * h).sum()
    x = np.full((2, 3), 0.1)
    tg.manual_seed(0)
    plain = tg.grad(f)(x)
    tg.manual_seed(0)
    np.testing.assert_allclose(tg.grad(tg.checkpoint(f))(x), plain, rtol=1e-14)
    xt = tg.tensor(x, requires_grad=True)
    tg.manual_seed(0)
    checkpoint(f, xt).backward()
    np.testing.assert_allclose(xt.grad, plain, rtol=1e-14)


def test_streams_are_per_thread():
    out = {}

    def run(name):
        tg.manual_seed(7)
        out[name] = np.asarray(F.dropout(np.ones(50), 0.5))
    threads = [threading.Thread(target=run, args=(n,)) for n in "ab"]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    np.testing.assert_array_equal(out["a"], out["b"])


def test_to_jax_refuses_a_draw_from_the_stream():
    for f in (lambda w: F.dropout(w, 0.5), lambda w: F.gumbel_softmax(w),
              lambda w: tg.nn.scaled_dot_product_attention(w[None], w[None], w[None], dropout_p=0.5)):
        with pytest.raises(ValueError, match="without a key"):
            tg.to_jax(f)(jnp.ones((2, 2)))


@pytest.mark.parametrize("call", [
    lambda v: F.dropout(v, 0.5),
    lambda v: F.gumbel_softmax(v),
    lambda v: D.Normal(v, 1.0).sample(),
])
def test_jit_refuses_a_draw_from_the_stream(call):
    with pytest.raises(ValueError, match="without a key"):
        tg.jit(call)(np.zeros(3))
    key = tg.random.PRNGKey(0)  # (a key is fine)
    f = tg.jit(lambda v, k: F.dropout(v, 0.5, key=k))
    np.testing.assert_array_equal(f(np.ones(8), key), F.dropout(np.ones(8), 0.5, key=key))
