"""jax.nn's activations (registered ops: the registry table checks them on random
inputs; here at their kinks, extreme values and second order) and its composite
functions one_hot, standardize, logmeanexp, glu, dot_product_attention, against JAX."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special

import tensorgrad as tg

KINKS = np.array([-40.0, -6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0, 40.0])
NAMES = ["elu", "celu", "selu", "silu", "swish", "mish", "relu6", "hard_tanh", "hard_sigmoid",
         "hard_silu", "hard_swish", "soft_sign", "squareplus", "sparse_plus", "sparse_sigmoid"]


@pytest.mark.parametrize("name", NAMES)
def test_activation_values_and_derivatives_at_kinks_match_jax(name):
    f, jf = getattr(tg.nn, name), getattr(jax.nn, name)
    np.testing.assert_allclose(f(KINKS), np.asarray(jf(jnp.asarray(KINKS))), rtol=1e-13, atol=1e-300)
    d = tg.grad(lambda x: tg.sum(f(x)))(KINKS)
    jd = jax.vmap(jax.grad(jf))(jnp.asarray(KINKS))
    np.testing.assert_allclose(d, np.asarray(jd), rtol=1e-12, atol=1e-15)  # (JAX: expm1' = expm1 + 1)
    # second derivative (the diagonal of the Hessian), away from the kinks
    smooth = np.array([-2.2, -0.7, 0.3, 1.7, 4.1])
    d2 = tg.grad(lambda x: tg.sum(tg.grad(lambda y: tg.sum(f(y)))(x)))(smooth)
    jd2 = jax.vmap(jax.grad(jax.grad(jf)))(jnp.asarray(smooth))
    np.testing.assert_allclose(d2, np.asarray(jd2), rtol=1e-10, atol=1e-12)
    # float32 stays float32
    assert f(KINKS.astype(np.float32)).dtype == np.float32


def test_parameters_and_log1mexp():
    x = np.array([-2.0, -0.3, 0.0, 0.8])
    for f, jf, kw in [(tg.nn.elu, jax.nn.elu, {"alpha": 0.5}), (tg.nn.celu, jax.nn.celu, {"alpha": 2.0}),
                      (tg.nn.squareplus, jax.nn.squareplus, {"b": 1.0})]:
        np.testing.assert_allclose(tg.grad(lambda v: tg.sum(f(v, **kw)))(x),
                                   jax.vmap(jax.grad(lambda v: jf(v, **kw)))(jnp.asarray(x)), rtol=1e-13)
    y = np.array([1e-8, 0.3, np.log(2.0), 2.0, 50.0])
    np.testing.assert_allclose(tg.nn.log1mexp(y), np.asarray(jax.nn.log1mexp(jnp.asarray(y))), rtol=1e-13)
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.nn.log1mexp(v)))(y),
                               jax.vmap(jax.grad(jax.nn.log1mexp))(jnp.asarray(y)), rtol=1e-12)


def test_one_hot_and_under_jit():
    y = np.array([[0, 2], [4, 1]])
    np.testing.assert_array_equal(tg.nn.one_hot(y, 3), np.asarray(jax.nn.one_hot(y, 3)))
    np.testing.assert_array_equal(tg.nn.one_hot(y, 3, axis=0), np.asarray(jax.nn.one_hot(y, 3, axis=0)))
    assert tg.nn.one_hot(y, 3, dtype=np.float32).dtype == np.float32
    # labels passed into a jitted loss: one_hot is staged, so a replay sees the new labels
    loss = tg.jit(lambda z, lab: tg.sum(tg.nn.one_hot(lab, 3) * z))
    z = np.arange(6.0).reshape(2, 3)
    assert loss(z, np.array([0, 1])) == 0 + 4
    assert loss(z, np.array([2, 2])) == 2 + 5


def test_standardize_logmeanexp_glu_against_jax():
    x = np.random.default_rng(0).normal(size=(3, 4))
    w = np.random.default_rng(1).normal(size=(3, 4))
    cases = [
        (lambda m, v: m.standardize(v), None),
        (lambda m, v: m.standardize(v, axis=0, epsilon=1e-3), None),
        (lambda m, v: m.standardize(v, where=x > -0.5), None),
        (lambda m, v: m.logmeanexp(v, axis=1, keepdims=True), None),
        (lambda m, v: m.logmeanexp(v), None),
        (lambda m, v: m.logmeanexp(v, axis=0, where=x > -0.5), None),
        (lambda m, v: m.glu(v), None),
        (lambda m, v: m.glu(v, axis=0 if v.shape[0] % 2 == 0 else -1), None),
        (lambda m, v: m.identity(v), None),
    ]
    for f, _ in cases:
        got, want = f(tg.nn, x), np.asarray(f(jax.nn, jnp.asarray(x)))
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-12, atol=1e-14)
        ww = w[tuple(slice(0, s) for s in want.shape)] if want.ndim == 2 else 1.0
        g = tg.grad(lambda v: tg.sum(f(tg.nn, v) * ww))(x)
        jg = jax.jit(jax.grad(lambda v: jnp.sum(f(jax.nn, v) * ww)))(jnp.asarray(x))
        np.testing.assert_allclose(g, np.asarray(jg), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="even size"):
        tg.nn.glu(np.ones((2, 3)))


@pytest.mark.parametrize("kw", [{}, {"is_causal": True}, {"scale": 0.3, "bias": True},
                                {"mask": True}, {"grouped": True},
                                {"query_seq_lengths": [3, 2], "key_value_seq_lengths": [4, 1]},
                                {"unbatched": True, "is_causal": True}])
def test_dot_product_attention_against_jax(kw):
    kw = dict(kw)
    rng = np.random.default_rng(3)
    B, T, S, N, H = 2, 3, 4, 4, 5
    K = 2 if kw.pop("grouped", False) else N
    q, k, v = rng.normal(size=(B, T, N, H)), rng.normal(size=(B, S, K, H)), rng.normal(size=(B, S, K, H))
    if kw.pop("unbatched", False):
        q, k, v = q[0], k[0], v[0]
    if kw.pop("bias", False):
        kw["bias"] = rng.normal(size=(N, T, S))
    if kw.pop("mask", False):
        kw["mask"] = rng.random(size=(B, 1, T, S)) > 0.3
    for key in ("query_seq_lengths", "key_value_seq_lengths"):
        if key in kw:
            kw[key] = np.array(kw[key], dtype=np.int32)  # (JAX asks for int32)
    jkw = {a: (jnp.asarray(b) if isinstance(b, np.ndarray) else b) for a, b in kw.items()}
    out = tg.nn.dot_product_attention(q, k, v, **kw)
    w = rng.normal(size=np.shape(out))
    g = tg.grad(lambda a, b, c: tg.sum(tg.nn.dot_product_attention(a, b, c, **kw) * w),
                argnums=(0, 1, 2))(q, k, v)
    # jax.nn's own: its conventions (masking, grouping, scale), to its float32 logits' accuracy
    ref = jax.nn.dot_product_attention(jnp.asarray(q), jnp.asarray(k), jnp.asarray(v), **jkw)
    np.testing.assert_allclose(np.asarray(out), np.asarray(ref), rtol=1e-5, atol=1e-6)
    # the same formula written out in float64 with jax.numpy: to float64 accuracy
    f64 = lambda a, b, c: _attention_f64(a, b, c, **kw)  # noqa: E731
    np.testing.assert_allclose(np.asarray(out), np.asarray(f64(q, k, v)), rtol=1e-12, atol=1e-13)
    jg = jax.jit(jax.grad(lambda a, b, c: jnp.sum(f64(a, b, c) * w), argnums=(0, 1, 2)))(
        jnp.asarray(q), jnp.asarray(k), jnp.asarray(v))
    for a, b in zip(g, jg):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-10, atol=1e-12)


def _attention_f64(q, k, v, bias=None, mask=None, scale=None, is_causal=False,
                   query_seq_lengths=None, key_value_seq_lengths=None):
    unbatched = q.ndim == 3
    if unbatched:
        q, k, v = q[None], k[None], v[None]
    B, T, N, H = q.shape
    S, K = k.shape[1], k.shape[2]
    k, v = jnp.repeat(k, N // K, axis=2), jnp.repeat(v, N // K, axis=2)
    z = jnp.einsum("btnh,bsnh->bnts", q, k) * (1 / np.sqrt(H) if scale is None else scale)
    if bias is not None:
        z = z + bias
    keep = np.ones((B, N, T, S), dtype=bool)
    if mask is not None:
        keep &= mask
    if is_causal:
        keep &= np.tril(np.ones((T, S), dtype=bool))
    if query_seq_lengths is not None:
        keep &= np.arange(T)[None, None, :, None] < query_seq_lengths[:, None, None, None]
    if key_value_seq_lengths is not None:
        keep &= np.arange(S)[None, None, None, :] < key_value_seq_lengths[:, None, None, None]
    z = jnp.where(keep, z, -0.7 * np.finfo(np.float32).max)
    out = jnp.einsum("bnts,bsnh->btnh", jax.nn.softmax(z, axis=-1), v)
    if query_seq_lengths is not None:
        out = jnp.where((np.arange(T)[None, :] < query_seq_lengths[:, None])[:, :, None, None], out, 0.0)
    return out[0] if unbatched else out


# ---- layers -----------------------------------------------------------------------------------
def test_layer_norm_and_embedding_against_jax():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 3, 4))
    ln = tg.nn.LayerNorm((3, 4), eps=1e-3)
    p = ln.init(0)
    p = {"weight": rng.normal(size=(3, 4)), "bias": rng.normal(size=(3, 4))}

    def ref(p, v):
        m = jnp.mean(v, axis=(-2, -1), keepdims=True)
        var = jnp.mean((v - m) ** 2, axis=(-2, -1), keepdims=True)
        return (v - m) / jnp.sqrt(var + 1e-3) * p["weight"] + p["bias"]
    np.testing.assert_allclose(ln.apply(p, x), np.asarray(ref(p, x)), rtol=1e-12, atol=1e-13)
    w = rng.normal(size=x.shape)
    g = tg.grad(lambda p, v: tg.sum(ln.apply(p, v) * w), argnums=(0, 1))(p, x)
    jg = jax.jit(jax.grad(lambda p, v: jnp.sum(ref(p, v) * w), argnums=(0, 1)))(p, jnp.asarray(x))
    for k in ("weight", "bias"):
        np.testing.assert_allclose(g[0][k], np.asarray(jg[0][k]), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(g[1], np.asarray(jg[1]), rtol=1e-10, atol=1e-12)
    assert tg.nn.LayerNorm(4, elementwise_affine=False).init(0) == {}
    with pytest.raises(ValueError, match="must end in"):
        ln.apply(p, np.ones((2, 4, 3)))

    emb = tg.nn.Embedding(5, 3)
    table = emb.init(1)["weight"]
    assert table.shape == (5, 3)
    ids = np.array([[0, 4, 4], [2, 0, 1]])
    np.testing.assert_array_equal(emb(ids), table[ids])
    ww = rng.normal(size=(2, 3, 3))
    gt = tg.grad(lambda p: tg.sum(emb.apply(p, ids) * ww))({"weight": table})["weight"]
    want = np.zeros_like(table)
    np.add.at(want, ids, ww)  # repeated ids add up
    np.testing.assert_allclose(gt, want, rtol=1e-14)
    with pytest.raises(TypeError, match="integers"):
        emb(np.ones((2, 2)))
    # under tg.jit, new ids replay the gather
    f = tg.jit(lambda p, i: tg.sum(emb.apply(p, i)))
    assert np.isclose(f({"weight": table}, ids), table[ids].sum())
    assert np.isclose(f({"weight": table}, ids[::-1] % 3), table[ids[::-1] % 3].sum())


def test_activation_layers_and_names():
    x = np.linspace(-4, 4, 9)
    for layer, fn in [(tg.nn.ELU(0.5), lambda v: tg.nn.elu(v, 0.5)), (tg.nn.SELU(), tg.nn.selu),
                      (tg.nn.SiLU(), tg.nn.silu), (tg.nn.Mish(), tg.nn.mish), (tg.nn.ReLU6(), tg.nn.relu6),
                      (tg.nn.Hardtanh(), tg.nn.hard_tanh), (tg.nn.Hardswish(), tg.nn.hard_silu),
                      (tg.nn.Softsign(), tg.nn.soft_sign), (tg.nn.CELU(2.0), lambda v: tg.nn.celu(v, 2.0)),
                      (tg.nn.Softmax(-1), tg.nn.softmax), (tg.nn.LogSoftmax(-1), tg.nn.log_softmax)]:
        np.testing.assert_array_equal(layer(x), fn(x))
    model = tg.nn.MLP([3, 5, 2], activation="silu")
    assert "silu" in repr(model)
    with pytest.raises(ValueError, match="unknown activation"):
        tg.nn.MLP([3, 2], activation="nope")


def test_learned_leaky_relu_slope_and_prelu():
    x = np.array([-2.0, -0.5, 1.0, 3.0])
    g = tg.grad(lambda a: tg.sum(tg.nn.leaky_relu(x, a) ** 2))(0.1)
    assert np.isclose(g, float(jax.jit(jax.grad(lambda a: jnp.sum(jax.nn.leaky_relu(x, a) ** 2)))(0.1)))
    assert np.isclose(tg.jit(tg.grad(lambda a: tg.sum(tg.nn.leaky_relu(x, a) ** 2)))(0.1), g)
    layer = tg.nn.PReLU(2, init=0.1)
    img = np.random.default_rng(1).normal(size=(2, 2, 3, 3))
    params = layer.init(0)
    np.testing.assert_allclose(layer.apply(params, img), np.where(img > 0, img, 0.1 * img))
    gw = tg.grad(lambda q: tg.sum(layer.apply(q, img)))(params)["weight"]
    np.testing.assert_allclose(gw, [np.minimum(img[:, c], 0).sum() for c in range(2)])
    with pytest.raises(ValueError, match="channels"):
        layer.apply(params, np.ones((2, 3, 4)))


# ---- softmax over several axes and with where=; dtypes; traced second arguments ------------------
@pytest.mark.parametrize("fn", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [-1, 0, (0, 1), (0, 2), None, (-1, -3)])
@pytest.mark.parametrize("masked", [False, True])
def test_softmax_over_axis_tuples_and_where_match_jax(fn, axis, masked):
    x = np.random.default_rng(0).normal(size=(2, 3, 4))
    m = x > -0.5 if masked else None
    w = np.arange(24.0).reshape(2, 3, 4)
    ours = getattr(tg.nn, fn)(x, axis=axis, where=m)
    np.testing.assert_allclose(ours, getattr(jax.nn, fn)(x, axis=axis, where=m), rtol=1e-12)
    keep = x > -0.5

    def loss(L, F):
        return lambda z: L.sum(L.where(keep, F(z, axis=axis, where=m), 0.0) * w)
    np.testing.assert_allclose(tg.grad(loss(tg, getattr(tg.nn, fn)))(x),
                               jax.jit(jax.grad(loss(jnp, getattr(jax.nn, fn))))(x), rtol=1e-10, atol=1e-12)


def test_float32_stays_float32_in_values_and_tangents():
    x = np.array([0.3, -1.2], np.float32)
    for approximate in (False, True):
        assert tg.nn.gelu(x, approximate=approximate).dtype == np.float32
    assert tg.jvp(tg.erf, (x,), (np.ones_like(x),))[1].dtype == np.float32
    assert tg.jacfwd(tg.nn.gelu)(x).dtype == np.float32
    assert tg.linearize(tg.erf, x)[1](x).dtype == np.float32
    assert tg.copysign(x, np.float64(-1.0)).dtype == np.copysign(x, np.float64(-1.0)).dtype
    assert tg.nn.sparse_plus(np.array([-2, 0, 1, 3])).tolist() == [0.0, 0.25, 1.0, 3.0]


def test_copysign_and_ldexp_take_traced_second_arguments():
    f = tg.jit(lambda a, b: tg.copysign(a, b) + tg.ldexp(a, (b > 0).astype(np.int64) * 3))
    for b in (np.array([-1.0, 2.0]), np.array([3.0, -0.0])):
        a = np.array([1.5, -2.0])
        np.testing.assert_allclose(f(a, b), np.copysign(a, b) + np.ldexp(a, (b > 0) * 3))


def test_logsumexp_of_python_numbers_and_polygamma_of_an_array_of_orders():
    assert tg.nn.logsumexp(0.7) == pytest.approx(0.7)
    assert tg.special.logsumexp([1, 2]) == pytest.approx(np.log(np.e + np.e ** 2))
    n, x = np.array([0, 1, 2]), np.array([0.5, 1.5, 2.5])
    np.testing.assert_allclose(tg.special.polygamma(n, x), scipy.special.polygamma(n, x))
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.special.polygamma(n, v)))(x),
                               jax.jit(jax.grad(lambda v: jnp.sum(jax.scipy.special.polygamma(n, v))))(x))


def test_standardize_and_logmeanexp_with_offsets_masks_float32_and_jit():
    x = np.random.default_rng(0).normal(size=(3, 5)) + 1e8   # E[x²] − mean² < 0 in rounding
    got = tg.nn.standardize(x)
    assert np.isfinite(got).all()
    two_pass = (x - x.mean(-1, keepdims=True)) / np.sqrt(x.var(-1, keepdims=True) + 1e-5)
    np.testing.assert_allclose(tg.nn.standardize(x, algorithm="stable"), two_pass, rtol=1e-7)
    x32 = np.random.default_rng(1).normal(size=(3, 5)).astype(np.float32)
    m = np.ones((3, 5), bool)
    m[0] = False                                               # an empty row: NaN, no warning
    s = tg.nn.standardize(x32, where=m)
    lme = tg.nn.logmeanexp(x32, axis=1, where=m)
    assert s.dtype == lme.dtype == np.float32
    assert np.isnan(s[0]).all() and np.isnan(lme[0]) and np.isfinite(lme[1:]).all()
    np.testing.assert_allclose(s[1:], jax.nn.standardize(x32, where=m)[1:], rtol=1e-4, atol=1e-5)
    jf = tg.jit(lambda v, mm: tg.nn.standardize(v, where=mm))
    m2 = m.copy()
    m2[1, :2] = False
    np.testing.assert_allclose(jf(x32, m2), tg.nn.standardize(x32, where=m2), equal_nan=True)
    with pytest.raises(ValueError, match="algorithm"):
        tg.nn.standardize(x, algorithm="slow")


def test_gelu_follows_jax_default_and_keeps_the_tail_digits():
    x = np.array([-30.0, -12.0, -8.5, -3.0, 0.0, 0.7, 5.0])
    np.testing.assert_allclose(tg.nn.gelu(x), jax.nn.gelu(x), rtol=1e-12, atol=1e-300)
    exact = jax.jit(jax.vmap(jax.grad(lambda v: jax.nn.gelu(v, approximate=False))))
    np.testing.assert_allclose(tg.nn.gelu(x, approximate=False),
                               jax.nn.gelu(x, approximate=False), rtol=1e-13, atol=1e-300)
    np.testing.assert_allclose(tg.vmap(tg.grad(lambda v: tg.nn.gelu(v, approximate=False)))(x),
                               exact(x), rtol=1e-12, atol=1e-300)
    # the GELU layer is PyTorch's exact one
    np.testing.assert_array_equal(tg.nn.GELU().apply({}, x), tg.nn.gelu(x, approximate=False))


def test_log1mexp_keeps_float32_and_leaky_relu_takes_an_array_slope():
    assert tg.nn.log1mexp(np.array([0.1, 2.0], np.float32)).dtype == np.float32
    x = np.array([[-2.0, 3.0], [-1.0, -4.0]])
    slope = np.array([0.1, 0.3])
    np.testing.assert_allclose(tg.nn.leaky_relu(x, slope), jax.nn.leaky_relu(x, slope))
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.nn.leaky_relu(v, slope)))(x),
                               jax.grad(lambda v: jnp.sum(jax.nn.leaky_relu(v, slope)))(x))


def test_embedding_refuses_negative_ids_and_attention_takes_traced_masks():
    emb = tg.nn.Embedding(4, 2)
    params = emb.init(0)
    with pytest.raises(IndexError, match="id -1 is out of range 0..3"):
        emb.apply(params, np.array([0, -1]))
    rng = np.random.default_rng(0)
    q, k, v = rng.normal(size=(1, 3, 2, 4)), rng.normal(size=(1, 5, 2, 4)), rng.normal(size=(1, 5, 2, 4))
    m1 = np.ones((1, 1, 3, 5), bool)
    m2 = m1.copy()
    m2[..., 2:] = False

    def f(q, k, v, m, lengths):
        return tg.nn.dot_product_attention(q, k, v, mask=m, key_value_seq_lengths=lengths)
    jf = tg.jit(f)
    for m, lengths in ((m1, np.array([5])), (m2, np.array([5])), (m1, np.array([3]))):
        np.testing.assert_allclose(jf(q, k, v, m, lengths), f(q, k, v, m, lengths), rtol=1e-12)
    assert not np.allclose(jf(q, k, v, m2, np.array([5])), jf(q, k, v, m1, np.array([5])))


def test_a_plus_inf_logit_makes_its_softmax_row_nan_and_logsumexp_takes_where():
    z = np.array([[np.inf, 0.0, 1.0], [-np.inf, 0.0, 1.0], [-np.inf, -np.inf, -np.inf]])
    for fn, ref in ((tg.nn.softmax, jax.nn.softmax), (tg.nn.log_softmax, jax.nn.log_softmax)):
        got = fn(z)
        np.testing.assert_allclose(got[:2], ref(z[:2]))          # NaN row, finite row
    assert np.array_equal(tg.nn.softmax(z)[2], [0.0, 0.0, 0.0])  # no mass anywhere: 0, documented
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    m = np.array([[True, False, True], [False, False, False]])
    np.testing.assert_allclose(tg.nn.logsumexp(x, axis=1, where=m), jax.nn.logsumexp(x, axis=1, where=m))
    np.testing.assert_allclose(tg.grad(lambda v: tg.nn.logsumexp(v, axis=1, where=m)[0])(x),
                               jax.grad(lambda v: jax.nn.logsumexp(v, axis=1, where=m)[0])(x))


def test_optimizers_refuse_negative_eps_and_momentum():
    for make in (lambda: tg.optim.Adam(eps=-1e-8), lambda: tg.optim.AdamW(eps=float("nan")),
                 lambda: tg.optim.RMSprop(eps=-1.0), lambda: tg.optim.RMSprop(momentum=-0.1),
                 lambda: tg.optim.RMSprop(alpha=1.5)):
        with pytest.raises(ValueError, match="must be"):
            make()


def test_degenerate_activation_parameters_without_numpy_warnings():
    x = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(tg.nn.squareplus(x, b=0.0), [0.0, 0.0, 1.0])   # relu
    np.testing.assert_array_equal(tg.vmap(tg.grad(lambda v: tg.nn.squareplus(v, b=0.0)))(x),
                                  [0.0, 0.5, 1.0])
    with pytest.raises(ValueError, match="b must be"):
        tg.nn.squareplus(x, b=-1.0)
    with pytest.raises(ValueError, match="alpha must be non-zero"):
        tg.nn.celu(x, alpha=0.0)


def test_activation_edges_at_inf_nan_and_empty_batches():
    # (the suite turns NumPy's RuntimeWarnings into errors: none may leak here)
    for f, slope in [(tg.nn.elu, 1.0), (tg.nn.celu, 1.0), (tg.nn.selu, 1.0507009873554805)]:
        g = tg.grad(lambda x: tg.sum(f(x)))(np.array([np.inf, 2.0, -np.inf]))
        np.testing.assert_allclose(g, [slope, slope, 0.0], rtol=1e-15)
    g = tg.grad(lambda x: tg.sum(tg.nn.log1mexp(x)))(np.array([800.0, 1.0]))
    np.testing.assert_allclose(g, [0.0, 1 / np.expm1(1.0)], rtol=1e-15)
    for f in (tg.nn.softplus, tg.nn.log_sigmoid, tg.nn.mish):
        assert np.isnan(f(np.array([np.nan, 1.0]))[0])
    z, y = np.zeros((0, 3)), np.zeros((0, 3))
    loss, g = tg.value_and_grad(tg.nn.softmax_cross_entropy)(z, y)
    assert np.isnan(loss) and g.shape == (0, 3)
    loss, g = tg.value_and_grad(tg.nn.mse)(z, y)
    assert np.isnan(loss) and g.shape == (0, 3)
    # one PReLU slope keeps the input's shape, a 0-d input too (as torch.nn.PReLU)
    layer = tg.nn.PReLU()
    assert np.shape(layer(np.array(-2.0))) == ()
    np.testing.assert_allclose(layer(np.array(-2.0)), -0.5)


def test_torch_constructors_of_gelu_hardtanh_and_softplus_layers():
    x = np.array([-30.0, -2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0, 25.0])
    # PyTorch's strings for gelu: 'none' is exact, 'tanh' the tanh formula (bool('none') is True)
    np.testing.assert_array_equal(tg.nn.gelu(x, approximate="none"), tg.nn.gelu(x, approximate=False))
    np.testing.assert_array_equal(tg.nn.gelu(x, approximate="tanh"), tg.nn.gelu(x, approximate=True))
    with pytest.raises(ValueError, match="gelu: approximate"):
        tg.nn.gelu(x, approximate="exact")
    np.testing.assert_array_equal(tg.nn.GELU("tanh")(x), tg.nn.gelu(x, approximate=True))
    # Hardtanh: PyTorch's bounds, and its slope (0 at the corners, where jax.nn.hard_tanh has 1)
    for lo, hi in [(-1.0, 1.0), (-0.5, 2.0)]:
        layer = tg.nn.Hardtanh(lo, hi)
        np.testing.assert_array_equal(layer(x), np.clip(x, lo, hi))
        np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(layer(v)))(x), (x > lo) & (x < hi))
    assert tg.grad(lambda v: tg.sum(tg.nn.hard_tanh(v)))(np.array([1.0])) == 1.0
    # Softplus(beta, threshold): log(1 + e^(βx))/β, linear where βx > threshold
    layer = tg.nn.Softplus(2.0, 5.0)
    want = np.where(2 * x > 5, x, np.logaddexp(0, 2 * x) / 2)
    np.testing.assert_allclose(layer(x), want, rtol=1e-14)
    slope = np.where(2 * x > 5, 1.0, 1 / (1 + np.exp(-2 * x)))
    np.testing.assert_allclose(tg.jit(tg.grad(lambda v: tg.sum(layer(v))))(x), slope, rtol=1e-14)
    for bad in (lambda: tg.nn.Hardtanh(1.0, -1.0), lambda: tg.nn.Softplus(0.0), lambda: tg.nn.GELU("x")):
        with pytest.raises(ValueError):
            bad()
