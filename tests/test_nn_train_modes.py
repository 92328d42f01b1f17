"""Dropout, BatchNorm1d/2d, Conv1d, Max/AvgPool1d, Adagrad, Adamax, NAdam and the exponential /
linear_warmup schedules, against PyTorch's documented formulas written out in NumPy and JAX
(values checked against torch 2.13 while developing, to ≤ 1e-14)."""
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(0)


def bn_reference(x, w, b, rm, rv, nbt, training, momentum=0.1, eps=1e-5, track=True):
    """PyTorch's batch norm in jnp: (output, new running mean, var, count)."""
    axes = (0,) + tuple(range(2, x.ndim))
    bs = (1, -1) + (1,) * (x.ndim - 2)
    if training or not track:
        mean, var = jnp.mean(x, axes), jnp.var(x, axes)
        if training and track:
            n = x.size // x.shape[1]
            nbt = nbt + 1
            f = momentum if momentum is not None else 1.0 / nbt
            rm = (1 - f) * rm + f * np.asarray(mean)
            rv = (1 - f) * rv + f * np.asarray(var) * n / (n - 1)
    else:
        mean, var = rm, rv
    y = (x - mean.reshape(bs)) / jnp.sqrt(var.reshape(bs) + eps)
    if w is not None:
        y = y * w.reshape(bs) + b.reshape(bs)
    return y, rm, rv, nbt


@pytest.mark.parametrize("cls,shape,kw", [
    (tg.nn.BatchNorm1d, (6, 3), {}), (tg.nn.BatchNorm1d, (4, 3, 5), {"momentum": None}),
    (tg.nn.BatchNorm2d, (4, 3, 2, 5), {"momentum": 0.3, "eps": 1e-3}),
    (tg.nn.BatchNorm2d, (3, 3, 2, 2), {"track_running_stats": False}),
    (tg.nn.BatchNorm1d, (5, 3), {"affine": False})])
def test_batchnorm_train_eval_values_grads_running_stats(cls, shape, kw):
    m = cls(3, **kw)
    m.init()
    track = m.track_running_stats
    if m.affine:
        m.params = {"weight": RNG.normal(size=3), "bias": RNG.normal(size=3)}
    rm, rv, nbt = np.zeros(3), np.ones(3), 0
    for it in range(4):
        if it == 3:
            assert m.eval() is m and not m.training
        x, gy = RNG.normal(size=shape) * 2 + 1, RNG.normal(size=shape)
        (v, y), (gp, gx) = tg.value_and_grad(lambda p, x: _bn_loss(m, p, x, gy), argnums=(0, 1),
                                             has_aux=True)(m.params, x)
        w, b = (m.params["weight"], m.params["bias"]) if m.affine else (None, None)
        ref, rm, rv, nbt = bn_reference(x, w, b, rm, rv, nbt, m.training, m.momentum, m.eps, track)
        np.testing.assert_allclose(y, ref, rtol=0, atol=1e-12)

        def jloss(w, b, x):
            return jnp.sum(bn_reference(x, w, b, rm, rv, nbt, m.training, m.momentum, m.eps,
                                        track=False if m.training else track)[0] * gy)
        jw = jnp.ones(3) if w is None else w
        jb = jnp.zeros(3) if b is None else b
        gw, gb, gxj = jax.grad(jloss, argnums=(0, 1, 2))(jw, jb, x)
        np.testing.assert_allclose(gx, gxj, rtol=0, atol=1e-12)
        if m.affine:
            np.testing.assert_allclose(gp["weight"], gw, atol=1e-12)
            np.testing.assert_allclose(gp["bias"], gb, atol=1e-12)
        if track:
            np.testing.assert_allclose(m.running_mean, rm, atol=1e-13)
            np.testing.assert_allclose(m.running_var, rv, atol=1e-13)
            assert int(m.num_batches_tracked) == nbt
        else:
            assert m.named_buffers() == {}


def _bn_loss(m, p, x, gy):
    y = m.apply(p, x)
    return tg.sum(y * gy), y


def test_batchnorm_under_jit_updates_every_call_and_reads_current_stats():
    m = tg.nn.BatchNorm1d(3)
    p = m.init()
    f = tg.jit(lambda p, x: m.apply(p, x))
    rm, rv, nbt = np.zeros(3), np.ones(3), 0
    for _ in range(3):
        x = RNG.normal(size=(5, 3))
        ref, rm, rv, nbt = bn_reference(x, p["weight"], p["bias"], rm, rv, nbt, True)
        np.testing.assert_allclose(f(p, x), ref, atol=1e-13)
    assert int(m.num_batches_tracked) == 3
    np.testing.assert_allclose(m.running_var, rv, atol=1e-14)
    m.eval()
    g = tg.jit(lambda p, x: m.apply(p, x))
    x = RNG.normal(size=(5, 3))
    g(p, x)
    m.running_mean = m.running_mean + 1.0  # changed after tracing: the plan reads it anew
    np.testing.assert_allclose(g(p, x), bn_reference(x, p["weight"], p["bias"], m.running_mean,
                                                     rv, nbt, False)[0], atol=1e-13)


def test_batchnorm_errors():
    with pytest.raises(ValueError, match="BatchNorm1d.*channels"):
        tg.nn.BatchNorm1d(3)(np.ones((4, 2)))
    with pytest.raises(ValueError, match="BatchNorm2d.*4-d"):
        tg.nn.BatchNorm2d(3)(np.ones((4, 3)))
    with pytest.raises(ValueError, match="more than 1 value"):
        tg.nn.BatchNorm1d(3)(np.ones((1, 3)))
    with pytest.raises(ValueError, match="momentum"):
        tg.nn.BatchNorm1d(3, momentum=2)


def test_dropout_masks_scale_modes_and_keys():
    x = np.ones((200, 50))
    d = tg.nn.Dropout(0.3, seed=1)
    y = d(x)
    assert abs(np.mean(y == 0) - 0.3) < 0.02
    np.testing.assert_allclose(np.unique(y), [0, 1 / 0.7])
    assert not np.array_equal(y, d(x)) and d.count == 2
    g = tg.grad(lambda x: tg.sum(d(x) * 2.0))(x)  # the gradient is the mask, scaled
    np.testing.assert_allclose(g, 2 * _mask_at(d, 3, x.shape) / 0.7)  # the third mask
    assert d.eval()(x) is x and tg.nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(tg.nn.Dropout(1.0)(x), 0 * x)
    k = tg.random.PRNGKey(3)
    e = tg.nn.Dropout(0.5)
    a = e(x[:4, :6], key=k)
    np.testing.assert_array_equal(a, np.where(tg.random.bernoulli(k, 0.5, (4, 6)), 2.0, 0.0))
    np.testing.assert_array_equal(tg.jit(lambda x, k: e(x, key=k))(x[:4, :6], k), a)
    rows = tg.vmap(lambda k: e(np.ones(6), key=k))(tg.random.split(k, 3))
    assert rows.shape == (3, 6) and len({tuple(r) for r in rows}) > 1
    with pytest.raises(ValueError, match=r"Dropout: p must be in \[0, 1\]"):
        tg.nn.Dropout(1.5)
    with pytest.raises(TypeError, match="key= is for layers"):
        tg.nn.Linear(2, 2)(np.ones(2), key=k)


def _mask_at(d, n, shape):
    return np.asarray(tg.random.bernoulli(tg.random.fold_in(d.key, n - 1), 1 - d.p, shape), float)


def test_dropout_under_jit_draws_a_new_mask_per_call_as_eager_calls():
    x = np.ones((4, 6))
    f = tg.jit(lambda x: tg.nn.Dropout.apply(dj, {}, x * 1.0))
    dj, de = tg.nn.Dropout(0.5, seed=7), tg.nn.Dropout(0.5, seed=7)
    jitted, eager = [f(x) for _ in range(3)], [de(x) for _ in range(3)]
    for a, b in zip(jitted, eager):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(jitted[0], jitted[1])
    c = tg.nn.Dropout(0.5)
    with pytest.raises(ValueError, match="constant of the plan"):
        tg.jit(lambda y: c(np.ones(3)) + y)(np.ones(3))


def _net():
    return tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.BatchNorm1d(8), tg.nn.ReLU(),
                            tg.nn.Dropout(0.2), tg.nn.Linear(8, 3))


def test_fit_modes_buffers_and_checkpoint(tmp_path):
    X, Y = RNG.normal(size=(64, 4)), RNG.integers(0, 3, 64)
    m1, m2 = _net(), _net()
    _, h1 = tg.train.fit(m1, X=X, y=Y, epochs=2, batch_size=16, progress=False, seed=3)
    _, h2 = tg.train.fit(m2, X=X, y=Y, epochs=2, batch_size=16, progress=False, seed=3, jit=False)
    np.testing.assert_allclose(h1["step_loss"], h2["step_loss"], rtol=1e-12)  # same masks
    np.testing.assert_allclose(m1[1].running_var, m2[1].running_var, rtol=1e-12)
    assert int(m1[1].num_batches_tracked) == 8 and m1[3].count == 8
    assert list(m1.named_buffers().keys()) == ["1.running_mean", "1.running_var", "1.num_batches_tracked"]
    assert m1.eval() is m1 and not any(l.training for l in m1) and all(l.training for l in m1.train())
    path = os.fspath(tmp_path / "bn.npz")
    tg.checkpoint.save(path, m1)
    m3 = _net()
    tg.checkpoint.load(path, like=m3)
    np.testing.assert_array_equal(m3[1].running_mean, m1[1].running_mean)
    assert int(m3[1].num_batches_tracked) == 8
    m1.eval(), m3.eval()
    np.testing.assert_array_equal(m3(X), m1(X))
    assert isinstance(tg.checkpoint.load(path), list)
    plain = tg.nn.MLP([4, 8, 3])
    tg.checkpoint.save(os.fspath(tmp_path / "mlp.npz"), plain)
    with pytest.raises(tg.checkpoint.CheckpointError, match="missing buffers"):
        tg.checkpoint.load(os.fspath(tmp_path / "mlp.npz"), like=_net())


def test_conv1d_against_jax():
    for kw in [{}, {"stride": 2, "padding": 1}, {"dilation": 2, "padding": 2}, {"groups": 2, "stride": 3}]:
        c = tg.nn.Conv1d(4, 6, 3, **kw)
        p = c.init(1)
        x = RNG.normal(size=(2, 4, 11))

        def ref(W, b, x):
            y = jax.lax.conv_general_dilated(x, W, (c.stride,), [(c.padding, c.padding)],
                                             rhs_dilation=(c.dilation,),
                                             feature_group_count=c.groups)
            return y + b[:, None]
        y = ref(p["W"], p["b"], x)
        np.testing.assert_allclose(c.apply(p, x), y, atol=1e-12)
        gy = RNG.normal(size=y.shape)
        gp, gx = tg.grad(lambda p, x: tg.sum(c.apply(p, x) * gy), argnums=(0, 1))(p, x)
        jW, jb, jx = jax.grad(lambda W, b, x: jnp.sum(ref(W, b, x) * gy), argnums=(0, 1, 2))(p["W"], p["b"], x)
        for a, b in ((gp["W"], jW), (gp["b"], jb), (gx, jx)):
            np.testing.assert_allclose(a, b, atol=1e-12)
        np.testing.assert_allclose(tg.jit(c.apply)(p, x), y, atol=1e-12)
    with pytest.raises(ValueError, match="Conv1d"):
        tg.nn.Conv1d(4, 6, 3)(np.ones((2, 3, 11)))


@pytest.mark.parametrize("args", [(2,), (3, 2), (3, 2, 1), (4, 1, 2)])
def test_pool1d_against_jax(args):
    k = args[0]
    s = args[1] if len(args) > 1 else k
    p = args[2] if len(args) > 2 else 0
    for shape in [(2, 3, 11), (3, 10)]:
        x = RNG.normal(size=shape)
        win, strides = (1,) * (len(shape) - 1) + (k,), (1,) * (len(shape) - 1) + (s,)
        pads = [(0, 0)] * (len(shape) - 1) + [(p, p)]

        def jmax(x):
            return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, win, strides, pads)

        def javg(x):
            return jax.lax.reduce_window(x, 0.0, jax.lax.add, win, strides, pads) / k
        for layer, ref in ((tg.nn.MaxPool1d(*args), jmax), (tg.nn.AvgPool1d(*args), javg)):
            y = ref(x)
            np.testing.assert_allclose(layer(x), y, atol=1e-14)
            gy = RNG.normal(size=y.shape)
            np.testing.assert_allclose(tg.grad(lambda x: tg.sum(layer(x) * gy))(x),
                                       jax.grad(lambda x: jnp.sum(ref(x) * gy))(x), atol=1e-14)
            np.testing.assert_allclose(tg.jit(layer.apply)({}, x), y, atol=1e-14)
    with pytest.raises(ValueError, match="MaxPool1d: padding"):
        tg.nn.MaxPool1d(2, padding=2)


def _quadratic_run(opt, steps=25):
    rng = np.random.default_rng(1)
    A, b, w = rng.normal(size=(5, 3)), rng.normal(size=5), rng.normal(size=3)

    def grad(w):
        return 2 * A.T @ (A @ w - b) + np.cos(w)
    p, st = {"w": w}, opt.init({"w": w})
    for _ in range(steps):
        p, st = opt.step(p, {"w": grad(p["w"])}, st)
    return p["w"], w, grad


def _adagrad_ref(w, grad, lr, lr_decay=0.0, wd=0.0, init=0.0, eps=1e-10, steps=25):
    s = np.full_like(w, init)
    for t in range(1, steps + 1):
        g = grad(w) + wd * w
        s = s + g * g
        w = w - lr / (1 + (t - 1) * lr_decay) * g / (np.sqrt(s) + eps)
    return w


def _adamax_ref(w, grad, lr=2e-3, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, steps=25):
    m, u = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        g = grad(w) + wd * w
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        w = w - lr / (1 - b1 ** t) * m / u
    return w


def _nadam_ref(w, grad, lr=2e-3, b1=0.9, b2=0.999, eps=1e-8, wd=0.0, psi=4e-3, decoupled=False,
               steps=25):
    m, v, prod = np.zeros_like(w), np.zeros_like(w), 1.0
    for t in range(1, steps + 1):
        g = grad(w)
        if decoupled:
            w = w * (1 - lr * wd)
        else:
            g = g + wd * w
        mu, mu1 = b1 * (1 - 0.5 * 0.96 ** (t * psi)), b1 * (1 - 0.5 * 0.96 ** ((t + 1) * psi))
        prod *= mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        d = np.sqrt(v / (1 - b2 ** t)) + eps
        w = w - lr * (1 - mu) / (1 - prod) * g / d - lr * mu1 / (1 - prod * mu1) * m / d
    return w


@pytest.mark.parametrize("opt,ref", [
    (tg.optim.Adagrad(0.1), lambda w, g: _adagrad_ref(w, g, 0.1)),
    (tg.optim.Adagrad(0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3, eps=1e-6),
     lambda w, g: _adagrad_ref(w, g, 0.1, 0.05, 0.1, 0.3, 1e-6)),
    (tg.optim.Adamax(), _adamax_ref),
    (tg.optim.Adamax(0.05, b1=0.8, b2=0.9, weight_decay=0.2),
     lambda w, g: _adamax_ref(w, g, 0.05, 0.8, 0.9, wd=0.2)),
    (tg.optim.NAdam(), _nadam_ref),
    (tg.optim.NAdam(0.05, weight_decay=0.1, momentum_decay=0.01),
     lambda w, g: _nadam_ref(w, g, 0.05, wd=0.1, psi=0.01)),
    (tg.optim.NAdam(0.05, weight_decay=0.1, decoupled_weight_decay=True),
     lambda w, g: _nadam_ref(w, g, 0.05, wd=0.1, decoupled=True))])
def test_optimizers_match_pytorch_rules(opt, ref):
    got, w0, grad = _quadratic_run(opt)
    np.testing.assert_allclose(got, ref(w0, grad), rtol=0, atol=1e-12)


def test_optimizers_under_jit_grad_and_by_name():
    for name in ("adagrad", "adamax", "nadam"):
        opt = tg.optim.get(name, tg.optim.exponential(0.1, 0.9))
        p = {"w": np.array([1.0, -2.0])}
        st = opt.init(p)
        f = tg.jit(opt.step)
        a, sa = opt.step(p, {"w": np.array([0.3, 0.1])}, st)
        b, sb = f(p, {"w": np.array([0.3, 0.1])}, st)
        np.testing.assert_allclose(b["w"], a["w"], atol=1e-15)
        a2, _ = opt.step(a, {"w": np.array([-0.2, 0.4])}, sa)
        b2, _ = f(b, {"w": np.array([-0.2, 0.4])}, sb)
        np.testing.assert_allclose(b2["w"], a2["w"], atol=1e-15)

        def after(g):  # the update differentiated in the gradient (unrolled optimization)
            return tg.sum(opt.step(p, {"w": g}, st)[0]["w"])
        g0 = np.array([0.3, 0.1])
        h = 1e-6
        fd = [(after(g0 + h * e) - after(g0 - h * e)) / (2 * h) for e in np.eye(2)]
        np.testing.assert_allclose(tg.grad(after)(g0), fd, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="Adagrad: lr_decay"):
        tg.optim.Adagrad(lr_decay=-1)
    with pytest.raises(ValueError, match="NAdam: b1"):
        tg.optim.NAdam(b1=1.0)


def test_schedules_match_pytorch():
    e = tg.optim.exponential(0.1, 0.9)
    np.testing.assert_allclose([e(t) for t in range(12)], 0.1 * 0.9 ** np.arange(12), rtol=1e-14)
    w = tg.optim.linear_warmup(0.1)
    ref = 0.1 * (1 / 3 + (1 - 1 / 3) * np.minimum(np.arange(12), 5) / 5)
    np.testing.assert_allclose([w(t) for t in range(12)], ref, rtol=1e-14)
    w2 = tg.optim.linear_warmup(0.1, 7, 0.1, 0.5)
    np.testing.assert_allclose(w2(3), 0.1 * (0.1 + 0.4 * 3 / 7))
    with pytest.raises(ValueError, match="linear_warmup: start_factor"):
        tg.optim.linear_warmup(0.1, start_factor=0)
    with pytest.raises(ValueError, match="exponential: gamma"):
        tg.optim.exponential(0.1, -1)


# ---- ported from PyTorch's test_nn / test_pooling / test_optim (found after the layers landed)

def _bn_model():
    return tg.nn.Sequential(tg.nn.Linear(2, 8), tg.nn.BatchNorm1d(8), tg.nn.ReLU(), tg.nn.Dropout(0.3),
                            tg.nn.Linear(8, 2))


def test_fit_validates_in_evaluation_mode_without_touching_the_running_statistics():
    X = RNG.normal(size=(48, 2))
    y = (X[:, 0] > 0).astype(int)
    Xv = RNG.normal(size=(1025, 2)) * 3 + 1   # (a last chunk of one row: no batch-of-1 error)
    yv = (Xv[:, 0] > 0).astype(int)
    a, b = _bn_model(), _bn_model()
    pa, _ = tg.train.fit(a, X=X, y=y, epochs=2, batch_size=16, seed=0, progress=False)
    pb, hist = tg.train.fit(b, X=X, y=y, epochs=2, batch_size=16, seed=0, progress=False,
                            validation=(Xv, yv))
    for k, v in a.named_buffers().items():      # the validation data changed no statistic ...
        np.testing.assert_array_equal(b.named_buffers()[k], v)
    assert all(m.training for m in b.modules())  # ... and the mode is restored
    b.eval()
    want = tg.train.evaluate(b, pb, Xv, yv)["loss"]
    assert hist["val_loss"][-1] == pytest.approx(want, rel=1e-12)  # Dropout off, running statistics


def test_maxpool1d_sends_a_tied_maximums_gradient_to_the_first_as_maxpool2d():
    x = np.array([[[2.0, 2.0, 2.0, 2.0, 0.0, 0.0]]])
    g = tg.grad(lambda v: tg.sum(tg.nn.MaxPool1d(4, stride=2)(v)))(x)
    # windows [0:4] and [2:6]: each sends its gradient to its first maximum, as torch does
    np.testing.assert_array_equal(g, [[[1.0, 0.0, 1.0, 0.0, 0.0, 0.0]]])
    jg = jax.grad(lambda v: jnp.sum(jax.lax.reduce_window(v, -jnp.inf, jax.lax.max, (1, 1, 4), (1, 1, 2),
                                                          "VALID")))(x)
    assert jg.sum() == g.sum() == 2.0  # (JAX splits ties its own way; one unit per window either way)


def test_conv1d_takes_float32_data_as_linear_and_conv2d_do():
    layer = tg.nn.Conv1d(2, 3, 3)
    p = layer.init(0)
    x = RNG.normal(size=(4, 2, 7))
    y32 = layer(x.astype(np.float32), p)
    assert y32.dtype == tg.nn.Linear(2, 3)(x[:, :, 0].astype(np.float32), tg.nn.Linear(2, 3).init(0)).dtype
    np.testing.assert_allclose(y32, layer(x.astype(np.float32).astype(np.float64), p), rtol=1e-15)


def test_init_starts_the_running_statistics_afresh():
    m = _bn_model()
    fresh = _bn_model()
    pf = fresh.init(3)
    m.init(1)
    tg.train.fit(m, X=RNG.normal(size=(32, 2)), y=np.arange(32) % 2, epochs=1, batch_size=8,
                 progress=False)
    m.init(3)
    for k, v in fresh.named_buffers().items():
        np.testing.assert_array_equal(m.named_buffers()[k], v)
    m.eval(), fresh.eval()
    x = RNG.normal(size=(5, 2))
    np.testing.assert_array_equal(m(x, m.params), fresh(x, pf))


def test_batchnorm_without_running_statistics_refuses_one_value_per_channel_in_eval_mode():
    bn = tg.nn.BatchNorm1d(3, track_running_stats=False)
    p = bn.init(0)
    bn.eval()
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(np.ones((1, 3)), p)


def test_1d_pooling_of_integer_and_bool_input_as_numpy_and_the_2d_layers():
    # (ported from tinygrad's test_nn) AvgPool1d summed in the input's dtype (uint8 wrapped,
    # bool added as "or"); MaxPool1d padded integers with -inf (an OverflowError) and bools with True
    x = np.array([[[200, 100, 50, 60, 255, 255]]], np.uint8)
    np.testing.assert_array_equal(tg.nn.AvgPool1d(2)(x), [[[150.0, 55.0, 255.0]]])
    b = np.array([[[True, True, False, True]]])
    np.testing.assert_array_equal(tg.nn.AvgPool1d(2)(b), [[[1.0, 0.5]]])
    i = np.array([[[-5, -7, -2, -9]]], np.int64)
    np.testing.assert_array_equal(tg.nn.MaxPool1d(2, padding=1)(i), [[[-5, -2, -9]]])
    f = np.zeros((1, 1, 4), bool)
    np.testing.assert_array_equal(tg.nn.MaxPool1d(2, padding=1)(f), [[[False, False, False]]])


def test_running_statistics_keep_their_dtype_on_float64_input():
    bn = tg.nn.BatchNorm1d(4)
    bn.init(0)
    bn.float()
    x = np.random.default_rng(0).normal(size=(5, 4))        # float64 data, a float32 model
    bn(x)
    assert bn.running_mean.dtype == bn.running_var.dtype == np.float32
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(0), rtol=1e-6)
    inorm = tg.nn.InstanceNorm1d(4, track_running_stats=True).float()
    inorm(np.ones((2, 4, 5)))
    assert inorm.running_mean.dtype == np.float32


def test_train_mode_must_be_a_bool():
    m = _net()
    with pytest.raises(ValueError, match=r"Sequential.train: mode must be a bool, got 'x'"):
        m.train("x")  # (a slip PyTorch refuses too: any non-empty string would mean True)
    assert all(l.training for l in m)  # nothing changed
    assert not any(l.training for l in m.train(np.False_)) and type(m.training) is bool
