"""torch.nn's Transformer layers in tg.nn (tensorgrad/nn/transformer.py) against a JAX expression
of PyTorch's equations (float64, 1e-12): outputs and gradients w.r.t. the inputs and every
parameter in evaluation mode, for post- and pre-norm layers, batch_first, gelu, bias=False,
causal / boolean / key padding masks, a 2-layer encoder and a 1-layer decoder stack with final norms in
the full Transformer; tg.jit / tg.vmap / tg.jvp through one layer, dropout with an explicit
key, the parameter names and initialization, and the errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(7)
TOL = dict(rtol=1e-12, atol=1e-12)
E, H, F, N, S, T = 8, 2, 16, 2, 5, 4
CAUSAL_T = tg.nn.Transformer.generate_square_subsequent_mask(T)
CAUSAL_S = tg.nn.Transformer.generate_square_subsequent_mask(S)


def R(*shape):
    return RNG.normal(size=shape)


def _mask(*shape):
    """A random boolean mask that leaves key 0 to every query (no fully masked rows)."""
    m = RNG.random(shape) < 0.4
    m[..., 0] = False
    return m


# ---- PyTorch's equations in JAX, on batch-major (N, L, E) arrays ------------------------------
def _add(m):
    return None if m is None else (jnp.where(m, -jnp.inf, 0.0) if m.dtype == bool else m)


def jlin(p, x):
    return x @ p["weight"].T + p.get("bias", 0.0)


def jnorm(p, x, eps=1e-5):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / jnp.sqrt(var + eps) * p["weight"] + p.get("bias", 0.0)


def jmha(p, q, kv, am, kpm):
    n, lq, ls, hd = q.shape[0], q.shape[1], kv.shape[1], E // H
    wq, wk, wv = jnp.split(p["in_proj_weight"], 3)
    bq, bk, bv = jnp.split(p["in_proj_bias"], 3) if "in_proj_bias" in p else (0.0,) * 3
    heads = lambda a: a.reshape(n, -1, H, hd).transpose(0, 2, 1, 3)  # noqa: E731
    Q, K, V = heads(q @ wq.T + bq), heads(kv @ wk.T + bk), heads(kv @ wv.T + bv)
    logits = Q @ K.transpose(0, 1, 3, 2) / jnp.sqrt(hd)
    if am is not None:
        logits = logits + (_add(am) if am.ndim == 2 else _add(am).reshape(n, H, lq, ls))
    if kpm is not None:
        logits = logits + _add(kpm)[:, None, None, :]
    o = (jax.nn.softmax(logits, -1) @ V).transpose(0, 2, 1, 3).reshape(n, lq, E)
    return jlin(p["out_proj"], o)


def _act(cfg):
    return (lambda x: jax.nn.gelu(x, approximate=False)) if cfg.get("activation") == "gelu" \
        else jax.nn.relu


def _residual(cfg, p, x, blocks):
    for i, f in enumerate(blocks, start=1):
        x = x + f(jnorm(p[f"norm{i}"], x)) if cfg.get("norm_first") else \
            jnorm(p[f"norm{i}"], x + f(x))
    return x


def jenc_layer(cfg, p, x, am, kpm):
    ff = lambda y: jlin(p["linear2"], _act(cfg)(jlin(p["linear1"], y)))  # noqa: E731
    return _residual(cfg, p, x, [lambda y: jmha(p["self_attn"], y, y, am, kpm), ff])


def jdec_layer(cfg, p, x, mem, tm, mm, tkpm, mkpm):
    ff = lambda y: jlin(p["linear2"], _act(cfg)(jlin(p["linear1"], y)))  # noqa: E731
    return _residual(cfg, p, x, [lambda y: jmha(p["self_attn"], y, y, tm, tkpm),
                                 lambda y: jmha(p["multihead_attn"], y, mem, mm, mkpm), ff])


def _stack(layer, p, x):
    """The layers in turn, then the final norm."""
    for lp in p["layers"]:
        x = layer(lp, x)
    return jnorm(p["norm"], x) if "norm" in p else x


def jencoder(cfg, p, x, am, kpm):
    return _stack(lambda lp, x: jenc_layer(cfg, lp, x, am, kpm), p, x)


def jdecoder(cfg, p, x, mem, tm, mm, tkpm, mkpm):
    return _stack(lambda lp, x: jdec_layer(cfg, lp, x, mem, tm, mm, tkpm, mkpm), p, x)


def _bm(cfg, *xs):
    """Time-major inputs to batch-major (PyTorch's equations do not depend on the layout)."""
    return xs if cfg.get("batch_first") else tuple(jnp.swapaxes(x, 0, 1) for x in xs)


def ref_enc_layer(cfg, p, x, am=None, kpm=None):
    (x,) = _bm(cfg, x)
    return _bm(cfg, jenc_layer(cfg, p, x, am, kpm))[0]


def ref_dec_layer(cfg, p, x, mem, tm=None, mm=None, tkpm=None, mkpm=None):
    x, mem = _bm(cfg, x, mem)
    return _bm(cfg, jdec_layer(cfg, p, x, mem, tm, mm, tkpm, mkpm))[0]


def ref_transformer(cfg, p, src, tgt, sm=None, tm=None, mm=None, skpm=None, tkpm=None, mkpm=None):
    src, tgt = _bm(cfg, src, tgt)
    mem = jencoder(cfg, p["encoder"], src, sm, skpm)
    return _bm(cfg, jdecoder(cfg, p["decoder"], tgt, mem, tm, mm, tkpm, mkpm))[0]


# ---- the cases: (tg model, its pure function, the JAX reference, inputs, mask keywords) ---------
def _seq(cfg, length):
    return R(N, length, E) if cfg.get("batch_first") else R(length, N, E)


def case_enc_layer(cfg, masks):
    m = tg.nn.TransformerEncoderLayer(E, H, F, **cfg).eval()
    return m, m.apply, lambda p, *a, **k: ref_enc_layer(cfg, p, *a, **k), (_seq(cfg, S),), masks


def case_dec_layer(cfg, masks):
    m = tg.nn.TransformerDecoderLayer(E, H, F, **cfg).eval()
    return (m, m.apply, lambda p, *a, **k: ref_dec_layer(cfg, p, *a, **k), (_seq(cfg, T), _seq(cfg, S)),
            masks)


def case_transformer(cfg, masks):
    m = tg.nn.Transformer(E, H, 2, 1, F, **cfg).eval()  # a 2-layer encoder, final norms
    return (m, m.apply, lambda p, *a, **k: ref_transformer(cfg, p, *a, **k), (_seq(cfg, S), _seq(cfg, T)),
            masks)


CASES = {
    "encoder-layer-causal-padding": (case_enc_layer, {}, lambda: dict(
        am=CAUSAL_S, kpm=_mask(N, S))),
    "encoder-layer-norm_first-batch_first-gelu-head-masks": (
        case_enc_layer, dict(norm_first=True, batch_first=True, activation="gelu"),
        lambda: dict(am=_mask(N * H, S, S))),
    "decoder-layer-causal-paddings-memory-mask": (case_dec_layer, {}, lambda: dict(
        tm=CAUSAL_T, mm=_mask(T, S), tkpm=_mask(N, T), mkpm=_mask(N, S))),
    "decoder-layer-norm_first-batch_first-gelu-no-bias": (
        case_dec_layer, dict(norm_first=True, batch_first=True, activation="gelu", bias=False),
        lambda: dict(tm=CAUSAL_T, mm=R(T, S))),
    "transformer-batch_first-norm_first": (
        case_transformer, dict(batch_first=True, norm_first=True), lambda: dict(
            sm=_mask(S, S), tm=CAUSAL_T, skpm=_mask(N, S), tkpm=_mask(N, T), mkpm=_mask(N, S))),
}
# the tg names of each case's mask arguments (the reference takes them positionally)
TG_NAMES = {
    case_enc_layer: dict(am="src_mask", kpm="src_key_padding_mask"),
    case_dec_layer: dict(tm="tgt_mask", mm="memory_mask", tkpm="tgt_key_padding_mask",
                         mkpm="memory_key_padding_mask"),
    case_transformer: dict(sm="src_mask", tm="tgt_mask", mm="memory_mask",
                           skpm="src_key_padding_mask", tkpm="tgt_key_padding_mask",
                           mkpm="memory_key_padding_mask"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_pytorch_equations(case):
    make, cfg, masks = CASES[case]
    m, apply, ref, xs, masks = make(cfg, masks())
    p = m.init(RNG)
    tg_masks = {TG_NAMES[make][k]: v for k, v in masks.items()}
    out = apply(p, *xs, **tg_masks)
    outs = out if isinstance(out, tuple) else (out,)
    Ws = [R(*o.shape) for o in outs]
    argnums = tuple(range(len(xs) + 1))

    def jloss(p, *xs):
        o = ref(p, *xs, **masks)
        return sum(jnp.sum(a * w) for a, w in zip(o if isinstance(o, tuple) else (o,), Ws))
    jout, jg = jax.jit(lambda *a: (ref(*a, **masks), jax.grad(jloss, argnums=argnums)(*a)))(p, *xs)
    for a, b in zip(outs, jout if isinstance(jout, tuple) else (jout,)):
        np.testing.assert_allclose(a, b, **TOL)

    def loss(p, *xs):
        o = apply(p, *xs, **tg_masks)
        return sum(tg.sum(a * w) for a, w in zip(o if isinstance(o, tuple) else (o,), Ws))
    g = tg.grad(loss, argnums=argnums)(p, *xs)
    got, want = tg.nn.named_parameters(g[0]), tg.nn.named_parameters(jg[0])
    assert got.keys() == tg.nn.named_parameters(p).keys() == want.keys()
    for name in got:  # every parameter
        np.testing.assert_allclose(got[name], want[name], **TOL, err_msg=name)
    for a, b in zip(g[1:], jg[1:]):  # the inputs
        np.testing.assert_allclose(a, b, **TOL)
    assert np.abs(g[1]).max() > 0


def test_jit_vmap_jvp_through_one_layer():
    m = tg.nn.TransformerDecoderLayer(E, H, F, batch_first=True).eval()
    p = m.init(1)
    tgt, mem = R(N, T, E), R(N, S, E)
    out = m(tgt, mem, CAUSAL_T, tgt_is_causal=True)
    assert out.shape == (N, T, E)
    # tg.vmap over unbatched inputs is the batched call
    vo = tg.vmap(lambda t, s: m.apply(p, t, s, CAUSAL_T))(tgt, mem)
    np.testing.assert_allclose(vo, out, **TOL)
    # tg.jit replays the plan with new inputs
    f = tg.jit(lambda p, t, s: m.apply(p, t, s, CAUSAL_T))
    np.testing.assert_allclose(f(p, tgt, mem), out, **TOL)
    t2 = R(N, T, E)
    np.testing.assert_allclose(f(p, t2, mem), m(t2, mem, CAUSAL_T), **TOL)
    # jvp against the gradient, w.r.t. the memory
    loss = lambda s: tg.sum(tg.tanh(m.apply(p, tgt, s, CAUSAL_T)))  # noqa: E731
    d = R(*mem.shape)
    _, dl = tg.jvp(loss, (mem,), (d,))
    np.testing.assert_allclose(dl, np.sum(tg.grad(loss)(mem) * d), rtol=1e-12)


def test_dropout_with_an_explicit_key():
    m = tg.nn.TransformerEncoderLayer(E, H, F, dropout=0.5)
    p = m.init(0)
    x = R(S, N, E)
    k = tg.random.PRNGKey(3)
    a = m(x, key=k)
    np.testing.assert_array_equal(a, m(x, key=k))  # the key decides the masks
    assert not np.allclose(a, m(x, key=tg.random.PRNGKey(4)))
    # the documented sites: attention weights fold_in(k, 0), dropout1 1, dropout 2, dropout2 3
    fk = lambda i: tg.random.fold_in(k, i)  # noqa: E731
    sa = m.self_attn.apply(p["self_attn"], x, need_weights=False, dropout_key=fk(0))[0]
    y = m.norm1.apply(p["norm1"], x + m.dropout1.apply({}, sa, key=fk(1)))
    h = m.dropout.apply({}, tg.nn.relu(m.linear1.apply(p["linear1"], y)), key=fk(2))
    want = m.norm2.apply(p["norm2"], y + m.dropout2.apply({}, m.linear2.apply(p["linear2"], h),
                                                          key=fk(3)))
    np.testing.assert_allclose(a, want, **TOL)
    # gradients through the dropped layer, the key held fixed
    loss = lambda x: tg.sum(tg.sin(m.apply(p, x, key=k)))  # noqa: E731
    d = R(*x.shape)
    _, dl = tg.jvp(loss, (x,), (d,))
    np.testing.assert_allclose(dl, np.sum(tg.grad(loss)(x) * d), rtol=1e-12)
    # evaluation mode: no dropout, the key is not used
    m.eval()
    np.testing.assert_array_equal(m(x, key=k), m(x))
    assert not np.allclose(m(x), a)
    # dropout=1 drops every block: a decoder is norm3(norm2(norm1(tgt)))
    dec = tg.nn.TransformerDecoderLayer(E, H, F, dropout=1.0)
    dp = dec.init(1)
    tgt = R(T, N, E)
    want = tgt
    for i in (1, 2, 3):
        want = getattr(dec, f"norm{i}").apply(dp[f"norm{i}"], want)
    np.testing.assert_allclose(dec(tgt, R(S, N, E), key=k), want, **TOL)
    # a stack gives layer j fold_in(key, j); a Sequential passes its key on
    enc = tg.nn.TransformerEncoder(tg.nn.TransformerEncoderLayer(E, H, F, dropout=0.3), 2)
    ep = enc.init(2)
    want = x
    for j, layer in enumerate(enc.layers):
        want = layer.apply(ep["layers"][j], want, key=tg.random.fold_in(k, j))
    np.testing.assert_allclose(enc(x, key=k), want, **TOL)
    seq = tg.nn.Sequential(enc.layers[0])
    np.testing.assert_allclose(seq.apply([ep["layers"][0]], x, key=k),
                               enc.layers[0].apply(ep["layers"][0], x,
                                                   key=tg.random.fold_in(k, 0)), **TOL)
    # without a key each site draws from its own stream, restarted by init(seed)
    enc.init(5)
    b = enc(x)
    enc.init(5)
    np.testing.assert_array_equal(b, enc(x))


TORCH_LAYER_NAMES = [  # PyTorch's state_dict names of a TransformerDecoderLayer
    "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
    "self_attn.out_proj.bias", "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias",
    "multihead_attn.out_proj.weight", "multihead_attn.out_proj.bias", "linear1.weight",
    "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
    "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias"]


def test_parameter_names_shapes_and_initialization():
    dec = tg.nn.TransformerDecoderLayer(E, H, F)
    p = tg.nn.named_parameters(dec.init(0))
    assert sorted(p) == sorted(TORCH_LAYER_NAMES)
    assert p["linear1.weight"].shape == (F, E) and p["linear2.weight"].shape == (E, F)
    assert np.abs(p["linear1.weight"]).max() <= 1 / np.sqrt(E)
    assert np.abs(p["linear2.bias"]).max() <= 1 / np.sqrt(F) and np.any(p["linear2.bias"] != 0)
    assert np.all(p["norm3.weight"] == 1) and np.all(p["norm3.bias"] == 0)
    enc = tg.nn.TransformerEncoderLayer(E, H, F, bias=False)
    assert sorted(tg.nn.named_parameters(enc.init(0))) == [
        "linear1.weight", "linear2.weight", "norm1.weight", "norm2.weight",
        "self_attn.in_proj_weight", "self_attn.out_proj.weight"]
    # a stack: copies of one draw (as PyTorch's deep copies), and the final norm
    st = tg.nn.TransformerEncoder(tg.nn.TransformerEncoderLayer(E, H, F), 2, tg.nn.LayerNorm(E),
                                  enable_nested_tensor=False)
    sp = tg.nn.named_parameters(st.init(0))
    assert "layers.1.self_attn.in_proj_weight" in sp and "norm.bias" in sp
    np.testing.assert_array_equal(sp["layers.0.linear1.weight"], sp["layers.1.linear1.weight"])
    assert sp["layers.0.linear1.weight"] is not sp["layers.1.linear1.weight"]
    # Transformer: every parameter with 2+ axes redrawn Xavier-uniform
    tr = tg.nn.Transformer(E, H, 2, 1, F)
    tp = tg.nn.named_parameters(tr.init(0))
    assert len(tp) == 2 * 12 + 2 + 18 + 2
    assert {"encoder.norm.weight", "decoder.norm.bias", "encoder.layers.1.linear2.weight",
            "decoder.layers.0.multihead_attn.out_proj.weight"} <= tp.keys()
    w0, w1 = tp["encoder.layers.0.linear1.weight"], tp["encoder.layers.1.linear1.weight"]
    assert not np.allclose(w0, w1) and np.abs(w0).max() <= np.sqrt(6 / (E + F))
    assert np.abs(tp["decoder.layers.0.self_attn.out_proj.weight"]).max() > 1 / np.sqrt(E)
    np.testing.assert_array_equal(tp["encoder.layers.0.linear1.bias"],
                                  tp["encoder.layers.1.linear1.bias"])  # 1-d: kept
    mask = tg.nn.Transformer.generate_square_subsequent_mask(3)
    np.testing.assert_array_equal(mask, [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])
    assert "TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.1, activation=relu, " \
        "bias=False)" in repr(enc)
    # custom parts: Transformer uses them and their parameters
    custom = tg.nn.Transformer(E, H, dim_feedforward=F, custom_encoder=st,
                               custom_decoder=tg.nn.TransformerDecoder(dec, 1)).eval()
    cp = custom.init(1)
    src, tgt = R(S, N, E), R(T, N, E)
    np.testing.assert_allclose(
        custom(src, tgt), custom.decoder.apply(cp["decoder"], tgt,
                                               custom.encoder.apply(cp["encoder"], src)), **TOL)


def test_errors():
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: d_model \(8\) must be "
                                         r"divisible by nhead \(3\)"):
        tg.nn.TransformerEncoderLayer(8, 3)
    with pytest.raises(ValueError, match=r"Transformer: d_model \(6\) must be divisible by nhead"):
        tg.nn.Transformer(6, 4)
    with pytest.raises(ValueError, match=r"TransformerDecoderLayer: activation should be 'relu', "
                                         r"'gelu' or a callable, got 'tanh'"):
        tg.nn.TransformerDecoderLayer(E, H, activation="tanh")
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: dropout must be in \[0, 1\]"):
        tg.nn.TransformerEncoderLayer(E, H, dropout=1.5)
    with pytest.raises(TypeError, match=r"TransformerEncoder: the layer must be a "
                                        r"tg.nn.TransformerEncoderLayer, got TransformerDecoderLayer"):
        tg.nn.TransformerEncoder(tg.nn.TransformerDecoderLayer(E, H), 2)
    layer = tg.nn.TransformerEncoderLayer(E, H, F).eval()
    x = R(S, N, E)
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: src_mask of shape \(5, 4\) "
                                         r"must be \(L, S\) = \(5, 5\) or \(N·nhead, L, S\) = "
                                         r"\(4, 5, 5\)"):
        layer(x, np.zeros((S, 4), bool))
    with pytest.raises(ValueError, match=r"src_key_padding_mask of shape \(5, 2\) must be "
                                         r"\(N, S\) = \(2, 5\)"):
        layer(x, src_key_padding_mask=np.zeros((S, N), bool))
    with pytest.raises(TypeError, match=r"src_mask must be boolean or floating, got dtype int64"):
        layer(x, np.zeros((S, S), np.int64))
    with pytest.raises(ValueError, match=r"is_causal=True is a hint that src_mask is the causal "
                                         r"mask; give src_mask too"):
        layer(x, is_causal=True)
    with pytest.raises(ValueError, match=r"src of shape \(5, 2, 6\) must be \(L, N, E\) or "
                                         r"unbatched \(L, E\) with E = d_model = 8"):
        layer(R(S, N, 6))
    with pytest.raises(ValueError, match=r"params\['linear1.weight'\] must have shape \(16, 8\), "
                                         r"got \(8, 16\)"):
        p = layer.init(0)
        layer(x, params={**p, "linear1": {"weight": R(E, F), "bias": R(F)}})
    with pytest.raises(ValueError, match=r"params has no 'norm2'"):
        layer(x, params={k: v for k, v in p.items() if k != "norm2"})
    dec = tg.nn.TransformerDecoder(tg.nn.TransformerDecoderLayer(E, H, F), 1)
    with pytest.raises(ValueError, match=r"TransformerDecoder: memory_mask of shape \(5, 5\) must "
                                         r"be \(L, S\) = \(4, 5\)"):
        dec(R(T, N, E), R(S, N, E), memory_mask=np.zeros((S, S), bool))
    with pytest.raises(ValueError, match=r"TransformerDecoder: tgt and memory must both be batched "
                                         r"with the same batch size.*got batch sizes 2 and 3"):
        dec(R(T, N, E), R(S, 3, E))
    tr = tg.nn.Transformer(E, H, 1, 1, F)
    with pytest.raises(ValueError, match=r"Transformer: src and tgt must both be batched"):
        tr(R(S, N, E), R(T, E))
    with pytest.raises(ValueError, match=r"Transformer: tgt_key_padding_mask of shape \(2, 5\) "
                                         r"must be \(N, S\) = \(2, 4\)"):
        tr(R(S, N, E), R(T, N, E), tgt_key_padding_mask=np.zeros((N, S), bool))
