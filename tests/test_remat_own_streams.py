"""tg.checkpoint/tg.remat recompute a function in the backward pass; a layer that draws from its
own stream (Dropout, RReLU, ... given no key) must get the forward pass's draw again there.
Before, the recomputation drew the stream's next mask: a gradient of another mask than the
value's, silently."""
import jax
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(1)
X = RNG.normal(size=(4, 6))


def _model():
    model = tg.nn.Sequential(tg.nn.Linear(6, 6), tg.nn.Dropout(0.5))
    p = model.init(0)
    model[1].reseed(7)
    return model, p


@pytest.mark.parametrize("wrap", [tg.remat, tg.checkpoint, lambda f: tg.jit(tg.remat(f))],
                         ids=["remat", "checkpoint", "jit(remat)"])
def test_the_gradient_uses_the_forward_pass_mask(wrap):
    model, p = _model()
    W = p[0]["W"]
    for _ in range(2):
        out, pullback = tg.vjp(wrap(model.apply), p, X)
        gx = np.asarray(pullback(np.ones(np.shape(out)))[1])
        mask = (np.asarray(out) != 0) / 0.5
        np.testing.assert_allclose(gx, mask @ W.T, rtol=1e-14, atol=1e-14)


def test_jitted_gradient_of_remat_draws_a_new_mask_per_call_and_follows_it():
    model, p = _model()
    W = p[0]["W"]

    def loss(x):
        out = tg.remat(lambda z: model.apply(p, z))(x)
        return tg.sum(out), out
    g = tg.jit(tg.grad(loss, has_aux=True))
    masks = []
    for _ in range(3):
        gx, out = g(X)
        mask = (np.asarray(out) != 0) / 0.5
        np.testing.assert_allclose(gx, mask @ W.T, rtol=1e-14, atol=1e-14)
        masks.append(mask)
    assert not np.array_equal(masks[0], masks[1])  # the stream moves on between calls


def test_nested_checkpoints_and_rrelu():
    model, p = _model()
    W = p[0]["W"]

    def loss(x):
        out = tg.checkpoint(lambda z: tg.checkpoint(lambda w: model.apply(p, w))(z) * 2.0)(x)
        return tg.sum(out), out
    gx, out = tg.grad(loss, has_aux=True)(X)
    np.testing.assert_allclose(gx, 2.0 * ((np.asarray(out) != 0) / 0.5) @ W.T, rtol=1e-14)
    rr = tg.nn.RReLU(0.1, 0.9, seed=3)
    xn = -np.abs(X) - 0.1  # all negative: out = slope · x
    rr.reseed(3)
    out, pullback = tg.vjp(tg.remat(lambda z: rr(z)), xn)
    np.testing.assert_allclose(pullback(np.ones_like(xn))[0], np.asarray(out) / xn, rtol=1e-14)


def test_a_recomputation_that_gives_another_value_raises():
    rng = np.random.default_rng(0)

    def noisy(x):  # draws from a NumPy generator: the recomputation draws another mask
        return tg.where(rng.random(x.shape) < 0.5, 2 * x, 0.0)
    with pytest.raises(RuntimeError, match="gave another value"):
        tg.grad(lambda v: tg.sum(tg.checkpoint(noisy)(v) ** 2))(np.ones(8))
    state = {"s": 1.0}
    _, pull = tg.vjp(lambda v: tg.sum(tg.checkpoint(lambda x: x * state["s"])(v) ** 2), np.ones(2))
    state["s"] = 5.0  # the function reads Python state that changed before the pullback
    with pytest.raises(RuntimeError, match="gave another value"):
        pull(1.0)
    state["s"] = 1.0  # the same state again: the same value, the right gradient
    np.testing.assert_allclose(pull(1.0)[0], [2.0, 2.0], rtol=1e-15)
    # a sum recomputed gives the same value (to rounding): no false alarm, also for NaN and inf
    v = np.array([1.0, np.nan, np.inf, 1e-300, -2.0])
    g = tg.grad(lambda v: tg.sum(tg.checkpoint(lambda x: x * 3.0 + tg.sum(x[3:]))(v)[[0, 3, 4]]))(v)
    np.testing.assert_allclose(g, [3.0, 0.0, 0.0, 6.0, 6.0], rtol=1e-15)


def test_keyword_arguments_and_a_traced_static_argument_are_differentiated_as_jax():
    jnp = jax.numpy
    mine = tg.checkpoint(lambda x, *, s: tg.sin(x) * s)
    ref = jax.checkpoint(lambda x, *, s: jnp.sin(x) * s)
    for argnums in (0, 1, (0, 1)):
        got = tg.grad(lambda x, s: mine(x, s=s), argnums)(1.0, 2.0)
        want = jax.grad(lambda x, s: ref(x, s=s), argnums)(1.0, 2.0)
        np.testing.assert_allclose(got, want, rtol=1e-14)
    mine = tg.checkpoint(lambda x, y: x * y ** 2, static_argnums=(1,))
    ref = jax.checkpoint(lambda x, y: x * y ** 2, static_argnums=(1,))
    np.testing.assert_allclose(tg.grad(lambda y: mine(2.0, y))(3.0),
                               jax.grad(lambda y: ref(2.0, y))(3.0), rtol=1e-14)  # 2·2·3
    np.testing.assert_allclose(tg.grad(mine)(2.0, 3.0), 9.0, rtol=1e-14)
    assert tg.ad_checkpoint.checkpoint is tg.remat
    assert tg.ad_checkpoint.checkpoint_name(1.5, "h") == 1.5
