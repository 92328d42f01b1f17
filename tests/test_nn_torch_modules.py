"""torch.nn's container and utility Modules in tg.nn (tensorgrad/nn/torch_modules.py): Bilinear,
GroupNorm and InstanceNorm against JAX expressions of PyTorch's definitions (values and
gradients, float64, 1e-12), the running statistics, the reshapes, ModuleList/ModuleDict's
parameter names and the errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(9)
TOL = dict(rtol=1e-12, atol=1e-12)


def R(*shape):
    return RNG.normal(size=shape)


def _jnorm(x, axes, eps=1e-5):
    m = jnp.mean(x, axis=axes, keepdims=True)
    return (x - m) / jnp.sqrt(jnp.mean((x - m) ** 2, axis=axes, keepdims=True) + eps)


def test_bilinear_group_and_instance_norm():
    bil, gn = tg.nn.Bilinear(3, 4, 5), tg.nn.GroupNorm(3, 6)
    inorm = tg.nn.InstanceNorm2d(6, affine=True)
    pb, pg, pi = bil.init(0), gn.init(0), inorm.init(0)
    pg = {k: R(6) for k in pg}  # (not the ones/zeros they start at)
    pi = {k: R(6) for k in pi}
    assert set(pb) == {"weight", "bias"} and pb["weight"].shape == (5, 3, 4)
    assert np.abs(pb["weight"]).max() <= 1 / np.sqrt(3)
    x1, x2, x = R(2, 3), R(2, 4), R(2, 6, 3, 4)
    W1, W2, W3 = R(2, 5), R(*x.shape), R(*x.shape)
    c = (1, 6, 1, 1)

    def jf(pb, pg, pi, x1, x2, x):
        b = jnp.einsum("ni,kij,nj->nk", x1, pb["weight"], x2) + pb["bias"]
        g = _jnorm(x.reshape(2, 3, -1), (2,)).reshape(x.shape) * pg["weight"].reshape(c) \
            + pg["bias"].reshape(c)
        i = _jnorm(x, (2, 3)) * pi["weight"].reshape(c) + pi["bias"].reshape(c)
        return b, g, i, jnp.sum(b * W1) + jnp.sum(g * W2) + jnp.sum(i * W3)
    args = (pb, pg, pi, x1, x2, x)
    (jb, jg_, ji, _), jgr = jax.jit(lambda *a: (jf(*a), jax.grad(lambda *b: jf(*b)[3],
                                                                 argnums=tuple(range(6)))(*a)))(*args)
    np.testing.assert_allclose(bil(x1, x2), jb, **TOL)
    np.testing.assert_allclose(gn(x, params=pg), jg_, **TOL)
    np.testing.assert_allclose(inorm(x, params=pi), ji, **TOL)
    g = tg.grad(lambda pb, pg, pi, x1, x2, x: tg.sum(bil.apply(pb, x1, x2) * W1)
                + tg.sum(gn.apply(pg, x) * W2) + tg.sum(inorm.apply(pi, x) * W3),
                argnums=tuple(range(6)))(*args)
    for a, b in zip(tg.tree_leaves(g), tg.tree_leaves(jgr)):
        np.testing.assert_allclose(a, b, **TOL)
    # vmap over samples of the unbatched InstanceNorm2d is the batched call
    np.testing.assert_allclose(tg.vmap(lambda s: inorm.apply(pi, s))(x), ji, **TOL)


def test_instance_norm_running_statistics():
    m = tg.nn.InstanceNorm1d(3, momentum=0.5, track_running_stats=True)
    m.init()
    assert m.init() == {} and set(m.named_buffers().keys()) == {"running_mean", "running_var",
                                                         "num_batches_tracked"}
    x = R(4, 3, 5)
    m(x)
    np.testing.assert_allclose(m.running_mean, 0.5 * x.mean(axis=(0, 2)), **TOL)
    np.testing.assert_allclose(m.running_var, 0.5 + 0.5 * x.var(axis=2, ddof=1).mean(0), **TOL)
    m.eval()
    y = R(3, 5)  # unbatched, normalized with the running statistics
    want = (y - m.running_mean[:, None]) / np.sqrt(m.running_var[:, None] + 1e-5)
    np.testing.assert_allclose(m(y), want, **TOL)
    # momentum=None: PyTorch's InstanceNorm passes a factor of 0, so its running statistics stay
    # as they are (tensorgrad refused it)
    m = tg.nn.InstanceNorm1d(3, momentum=None, track_running_stats=True)
    m.init()
    m(x)
    np.testing.assert_array_equal(m.running_mean, np.zeros(3))
    np.testing.assert_array_equal(m.running_var, np.ones(3))


def test_reshapes_and_containers():
    x = R(2, 12, 3)
    np.testing.assert_array_equal(tg.nn.Unflatten(1, (3, -1))(x), x.reshape(2, 3, 4, 3))
    np.testing.assert_array_equal(tg.nn.Unflatten(-1, (1, 3))(x), x.reshape(2, 12, 1, 3))
    img = R(1, 8, 2, 3)
    up = tg.nn.PixelShuffle(2)(img)
    assert up.shape == (1, 2, 4, 6) and up[0, 1, 3, 5] == img[0, 7, 1, 2]
    np.testing.assert_array_equal(tg.nn.PixelUnshuffle(2)(up), img)
    ml = tg.nn.ModuleList([tg.nn.Bilinear(2, 2, 3), tg.nn.ReLU()])
    ml.append(tg.nn.GroupNorm(1, 3))
    p = ml.init(0)
    assert list(tg.nn.named_parameters(p)) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    assert len(ml) == 3 and isinstance(ml[1:], tg.nn.ModuleList) and ml[2].num_groups == 1
    md = tg.nn.ModuleDict({"enc": tg.nn.LSTM(2, 3), "act": tg.nn.ReLU()})
    assert list(tg.nn.named_parameters(md.init(0)))[:2] == ["enc.bias_hh_l0", "enc.bias_ih_l0"]
    assert list(md) == ["enc", "act"] and "enc" in md
    # in a Sequential
    seq = tg.nn.Sequential(tg.nn.GroupNorm(2, 4), tg.nn.PixelShuffle(2))
    assert seq(R(1, 4, 2, 2)).shape == (1, 1, 4, 4)


def test_errors():
    with pytest.raises(ValueError, match=r"GroupNorm: num_channels \(5\) must be divisible by "
                                         r"num_groups \(2\)"):
        tg.nn.GroupNorm(2, 5)
    with pytest.raises(ValueError, match=r"GroupNorm\(2, 4\): input of shape \(2, 3, 5\) must be"):
        tg.nn.GroupNorm(2, 4)(R(2, 3, 5))
    with pytest.raises(ValueError, match=r"InstanceNorm2d\(3\): input of shape \(2, 3, 4\) must "
                                         r"be 4-d"):
        tg.nn.InstanceNorm2d(3)(R(2, 3, 4))
    with pytest.raises(ValueError, match=r"Unflatten: axis 1 of size 12 cannot be unflattened "
                                         r"to \(5, -1\)"):
        tg.nn.Unflatten(1, (5, -1))(R(2, 12))
    with pytest.raises(ValueError, match=r"bilinear: expected input1 \(\*, in1\)"):
        tg.nn.Bilinear(3, 4, 5)(R(2, 3), R(2, 3))
    with pytest.raises(NotImplementedError, match="ModuleList: a list of Modules has no apply"):
        tg.nn.ModuleList([tg.nn.ReLU()])(R(2))
    with pytest.raises(ValueError, match=r"ModuleDict: a name must be a non-empty string without "
                                         r"'.', got 'a.b'"):
        tg.nn.ModuleDict({"a.b": tg.nn.ReLU()})
    with pytest.raises(TypeError, match="ModuleList: 3 is not a Module"):
        tg.nn.ModuleList([3])


def test_forward_is_the_call_for_every_module():
    """``m.forward(...)`` is PyTorch's name for ``m(...)``: one method on the base Module,
    with the call's arguments, for layers, losses, recurrent and attention modules alike."""
    x = RNG.normal(size=(2, 3, 4))
    cases = [(tg.nn.Linear(4, 2), (x,)),
             (tg.nn.MSELoss(), (x, np.zeros_like(x))),
             (tg.nn.GRU(4, 3, batch_first=True), (x,)),
             (tg.nn.MultiheadAttention(4, 2, batch_first=True), (x, x, x)),
             (tg.nn.TransformerEncoderLayer(4, 2, dim_feedforward=8, dropout=0.0, batch_first=True), (x,))]
    for module, args in cases:
        module.init(0)
        want, got = module(*args), module.forward(*args)
        for w, g in zip(tg.tree_leaves(want), tg.tree_leaves(got)):
            np.testing.assert_array_equal(g, w)
