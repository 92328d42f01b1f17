"""torch.nn.MultiheadAttention in tg.nn (tensorgrad/nn/attention.py) against a JAX expression of
PyTorch's multi_head_attention_forward (float64, 1e-12): values and gradients w.r.t. query,
key, value, float masks and every parameter, for the mask kinds, kdim/vdim, batch_first,
unbatched input, add_bias_kv/add_zero_attn and average_attn_weights; tg.jit / tg.vmap /
tg.jvp through it, dropout, fully masked rows, the parameter names and the errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(5)
TOL = dict(rtol=1e-12, atol=1e-12)
E, H, L, S, N = 6, 2, 3, 4, 2


def R(*shape):
    return RNG.normal(size=shape)


def jmha(kw, p, q, k, v, am, kpm, avg):
    """PyTorch's computation, time-major as PyTorch writes it: (L, N, E) → heads (N·H, L, hd)."""
    unbatched = q.ndim == 2
    if unbatched:
        q, k, v = q[:, None], k[:, None], v[:, None]
        kpm = None if kpm is None else kpm[None]
    elif kw.get("batch_first"):
        q, k, v = (jnp.swapaxes(a, 0, 1) for a in (q, k, v))
    n, hd = q.shape[1], E // H
    if "in_proj_weight" in p:
        wq, wk, wv = jnp.split(p["in_proj_weight"], 3)
    else:
        wq, wk, wv = p["q_proj_weight"], p["k_proj_weight"], p["v_proj_weight"]
    bq, bk, bv = jnp.split(p["in_proj_bias"], 3) if "in_proj_bias" in p else (0.0, 0.0, 0.0)
    Q, K, V = q @ wq.T + bq, k @ wk.T + bk, v @ wv.T + bv

    def fl(m):  # a boolean mask as −inf/0, a float mask as it is
        return None if m is None else (jnp.where(m, -jnp.inf, 0.0) if m.dtype == bool else m)
    am, kpm = fl(am), fl(kpm)

    def pad(m):
        return None if m is None else jnp.pad(m, [(0, 0)] * (m.ndim - 1) + [(0, 1)])
    if kw.get("add_bias_kv"):
        K = jnp.concatenate([K, jnp.tile(p["bias_k"], (1, n, 1))])
        V = jnp.concatenate([V, jnp.tile(p["bias_v"], (1, n, 1))])
        am, kpm = pad(am), pad(kpm)
    Q, K, V = (a.reshape(a.shape[0], n * H, hd).transpose(1, 0, 2) for a in (Q, K, V))
    if kw.get("add_zero_attn"):
        K = jnp.concatenate([K, jnp.zeros((n * H, 1, hd))], axis=1)
        V = jnp.concatenate([V, jnp.zeros((n * H, 1, hd))], axis=1)
        am, kpm = pad(am), pad(kpm)
    logits = (Q / jnp.sqrt(hd)) @ K.transpose(0, 2, 1)
    if am is not None:
        logits = logits + am
    if kpm is not None:
        s = kpm.shape[-1]
        logits = logits + jnp.broadcast_to(kpm[:, None, None, :], (n, H, 1, s)).reshape(n * H, 1, s)
    w = jax.nn.softmax(logits, axis=-1)
    out = (w @ V).transpose(1, 0, 2).reshape(q.shape[0], n, E)
    out = out @ p["out_proj"]["weight"].T + p["out_proj"].get("bias", 0.0)
    w = w.reshape(n, H, q.shape[0], -1)
    if avg:
        w = w.mean(axis=1)
    if unbatched:
        return out[:, 0], w[0]
    return (jnp.swapaxes(out, 0, 1) if kw.get("batch_first") else out), w


def _keep_one(mask):
    """A boolean mask that leaves every query at least key 0 (fully masked rows: NaN in PyTorch)."""
    mask[..., 0] = False
    return mask


CASES = {
    "bool-masks": (dict(), False, "bool"),
    "batch_first-float-masks-per-head-weights": (dict(batch_first=True), False, "float"),
    "kdim-vdim-unbatched-head-masks": (dict(kdim=5, vdim=3), True, "heads"),
    "bias_kv-zero_attn-nobias": (dict(add_bias_kv=True, add_zero_attn=True, bias=False), False,
                                 "bool"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_matches_pytorch_equations(case):
    kw, unbatched, masks = CASES[case]
    m = tg.nn.MultiheadAttention(E, H, **kw)
    p = m.init(RNG)
    kd, vd = kw.get("kdim", E), kw.get("vdim", E)
    if unbatched:
        q, k, v = R(L, E), R(S, kd), R(S, vd)
    elif kw.get("batch_first"):
        q, k, v = R(N, L, E), R(N, S, kd), R(N, S, vd)
    else:
        q, k, v = R(L, N, E), R(S, N, kd), R(S, N, vd)
    nb = 1 if unbatched else N
    kpm_shape = (S,) if unbatched else (N, S)
    if masks == "bool":
        am, kpm = _keep_one(RNG.random((L, S)) < 0.4), _keep_one(RNG.random(kpm_shape) < 0.4)
    elif masks == "float":
        am, kpm = R(N * H, L, S), R(*kpm_shape)
    else:
        am, kpm = _keep_one(RNG.random((nb * H, L, S)) < 0.4), None
    avg = masks != "float"
    out, w = m(q, k, v, key_padding_mask=kpm, attn_mask=am, average_attn_weights=avg)
    Wo, Ww = R(*out.shape), R(*w.shape)
    floats = masks == "float"

    def jloss(p, q, k, v, am, kpm):
        o, w = jmha(kw, p, q, k, v, am, kpm, avg)
        return jnp.sum(o * Wo) + jnp.sum(w * Ww)
    argnums = (0, 1, 2, 3, 4, 5) if floats else (0, 1, 2, 3)
    ref = jax.jit(lambda *a: (jmha(kw, *a, avg), jax.grad(jloss, argnums=argnums)(*a)))
    (jo, jw), jg = ref(p, q, k, v, am, kpm)
    np.testing.assert_allclose(out, jo, **TOL)
    np.testing.assert_allclose(w, jw, **TOL)

    def loss(p, q, k, v, am, kpm):
        o, w = m.apply(p, q, k, v, key_padding_mask=kpm, attn_mask=am, average_attn_weights=avg)
        return tg.sum(o * Wo) + tg.sum(w * Ww)
    g = tg.grad(loss, argnums=argnums)(p, q, k, v, am, kpm)
    got, want = tg.nn.named_parameters(g[0]), tg.nn.named_parameters(jg[0])
    assert got.keys() == tg.nn.named_parameters(p).keys() == want.keys()
    for name in got:  # every parameter
        np.testing.assert_allclose(got[name], want[name], **TOL, err_msg=name)
    for a, b in zip(g[1:], jg[1:]):  # query, key, value (and the float masks)
        np.testing.assert_allclose(a, b, **TOL)
    # need_weights=False: the same output, no weights
    o2, w2 = m(q, k, v, key_padding_mask=kpm, attn_mask=am, need_weights=False)
    assert w2 is None
    np.testing.assert_allclose(o2, out, **TOL)


def test_transforms_self_attention_and_causal_hint():
    m = tg.nn.MultiheadAttention(E, H, batch_first=True)
    p = m.init(1)
    x = R(N, L, E)
    out, w = m(x, x, x)
    o1, w1 = m(x)  # key and value default to the query
    np.testing.assert_array_equal(o1, out)
    # tg.vmap over unbatched inputs is the batched call; tg.jit replays it
    vo, vw = tg.vmap(lambda x: m.apply(p, x))(x)
    np.testing.assert_allclose(vo, out, **TOL)
    np.testing.assert_allclose(vw, w, **TOL)
    f = tg.jit(lambda p, x: m.apply(p, x, need_weights=False)[0])
    np.testing.assert_allclose(f(p, x), out, **TOL)
    x2 = R(N, L, E)
    np.testing.assert_allclose(f(p, x2), m(x2)[0], **TOL)
    # jvp against the gradient
    loss = lambda x: tg.sum(tg.tanh(m.apply(p, x)[0]))  # noqa: E731
    t = R(*x.shape)
    _, d = tg.jvp(loss, (x,), (t,))
    np.testing.assert_allclose(d, np.sum(tg.grad(loss)(x) * t), rtol=1e-12)
    # is_causal is a hint: the causal attn_mask decides, and it must be given
    causal = np.triu(np.ones((L, L), bool), 1)
    oc, wc = m(x, attn_mask=causal, is_causal=True)
    np.testing.assert_array_equal(oc, m(x, attn_mask=causal)[0])
    assert np.all(wc[:, np.triu_indices(L, 1)[0], np.triu_indices(L, 1)[1]] == 0)
    with pytest.raises(ValueError, match=r"is_causal=True is a hint .* give attn_mask too"):
        m(x, is_causal=True)


def test_fully_masked_query_row_gives_zeros_and_finite_gradients():
    m = tg.nn.MultiheadAttention(E, H)
    p = m.init(2)
    p["out_proj"]["bias"] = R(E)
    q, k = R(L, N, E), R(S, N, E)
    am = np.zeros((L, S), bool)
    am[1] = True  # query 1 may attend to nothing
    out, w = m(q, k, k, attn_mask=am)
    assert np.all(w[:, 1] == 0) and np.allclose(w[:, 0].sum(-1), 1)
    np.testing.assert_allclose(out[1], np.broadcast_to(p["out_proj"]["bias"], (N, E)), **TOL)
    g = tg.grad(lambda q: tg.sum(m.apply(p, q, k, k, attn_mask=am)[0] ** 2))(q)
    assert np.all(np.isfinite(g)) and np.all(g[1] == 0) and np.any(g[0] != 0)


def test_dropout_on_the_attention_weights():
    m = tg.nn.MultiheadAttention(E, H, dropout=0.5)
    m.init(0)
    q = R(L, N, E)
    k1 = tg.random.PRNGKey(3)
    o, w = m(q, dropout_key=k1, average_attn_weights=False)
    o_again, _ = m(q, dropout_key=k1)
    np.testing.assert_array_equal(o, o_again)
    m.eval()
    o_eval, w_eval = m(q, average_attn_weights=False)
    keep = tg.random.bernoulli(k1, 0.5, w_eval.shape)
    np.testing.assert_allclose(w, np.where(keep, 2 * w_eval, 0.0), **TOL)  # weights after dropout
    assert not np.allclose(o, o_eval)
    m.train()
    m.init(4)
    a = m(q)[0]
    m.init(4)
    np.testing.assert_array_equal(a, m(q)[0])  # the own stream restarts with init(seed)
    assert m.stochastic is False  # (a Sequential's key= never lands on the attention key)


def test_parameter_layout_matches_pytorch_state_dict_names():
    def names(**kw):
        return {k: v.shape for k, v in tg.nn.MultiheadAttention(E, H, **kw).init().items()
                if k != "out_proj"} | {
            f"out_proj.{k}": v.shape for k, v in
            tg.nn.MultiheadAttention(E, H, **kw).init()["out_proj"].items()}
    assert names() == {"in_proj_weight": (18, 6), "in_proj_bias": (18,),
                       "out_proj.weight": (6, 6), "out_proj.bias": (6,)}
    assert names(kdim=5, vdim=3, bias=False, add_bias_kv=True) == {
        "q_proj_weight": (6, 6), "k_proj_weight": (6, 5), "v_proj_weight": (6, 3),
        "bias_k": (1, 1, 6), "bias_v": (1, 1, 6), "out_proj.weight": (6, 6)}
    m = tg.nn.MultiheadAttention(E, H)
    p = m.init(0)
    assert list(tg.nn.named_parameters(p)) == ["in_proj_bias", "in_proj_weight",
                                               "out_proj.bias", "out_proj.weight"]
    assert np.all(p["in_proj_bias"] == 0) and np.all(p["out_proj"]["bias"] == 0)
    assert np.abs(p["in_proj_weight"]).max() <= np.sqrt(6 / 24)  # Xavier on (3E, E)
    assert np.abs(p["out_proj"]["weight"]).max() <= 1 / np.sqrt(E)
    # a flat {name: array} copy of a state_dict into this layout
    sd = {name: R(*a.shape) for name, a in tg.nn.named_parameters(p).items()}
    _, td = tg.tree_flatten(p)
    loaded = tg.tree_unflatten(td, [sd[name] for name in tg.nn.named_parameters(p)])
    assert loaded["out_proj"]["weight"] is sd["out_proj.weight"]
    assert repr(tg.nn.MultiheadAttention(E, H, kdim=5, batch_first=True)) == \
        "MultiheadAttention(6, 2, batch_first=True, kdim=5, vdim=6)"


def test_errors():
    m = tg.nn.MultiheadAttention(E, H)
    with pytest.raises(ValueError, match=r"embed_dim \(6\) must be divisible by num_heads \(4\)"):
        tg.nn.MultiheadAttention(6, 4)
    with pytest.raises(ValueError, match=r"MultiheadAttention\(6, 2\): expected query \(L, N, E\)"
                                         r".*got query \(3, 2, 6\), key \(4, 3, 6\)"):
        m(R(L, N, E), R(S, 3, E), R(S, 3, E))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 5\) must be \(L, S\) = "
                                         r"\(3, 4\) or \(N·num_heads, L, S\) = \(4, 3, 4\)"):
        m(R(L, N, E), R(S, N, E), R(S, N, E), attn_mask=np.zeros((L, 5), bool))
    with pytest.raises(ValueError, match=r"key_padding_mask of shape \(4,\) must be \(N, S\)"):
        m(R(L, N, E), R(S, N, E), R(S, N, E), key_padding_mask=np.zeros(S, bool))
    with pytest.raises(TypeError, match=r"attn_mask must be boolean or floating, got dtype int64"):
        m(R(L, N, E), attn_mask=np.zeros((L, L), np.int64))
    with pytest.raises(TypeError, match=r"query must be a floating array, got dtype int64"):
        m(np.ones((L, N, E), np.int64))
    with pytest.raises(ValueError, match=r"params\['out_proj.weight'\] must have shape \(6, 6\)"):
        m(R(L, N, E), params={**m.init(), "out_proj": {"weight": R(6, 5), "bias": R(6)}})
    with pytest.raises(ValueError, match=r"MultiheadAttention: dropout must be in \[0, 1\]"):
        tg.nn.MultiheadAttention(E, H, dropout=-0.1)
