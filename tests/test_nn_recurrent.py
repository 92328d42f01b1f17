"""torch.nn's recurrent layers in tg.nn (tensorgrad/nn/recurrent.py): RNN, LSTM, GRU and their
cells against JAX expressions of PyTorch's equations (float64, 1e-12), values and gradients
w.r.t. the input, the initial state and every parameter; tg.jit / tg.vmap / tg.jvp /
tg.jacrev through them, dropout between layers, the parameter names and the errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
RNG = np.random.default_rng(11)
TOL = dict(rtol=1e-12, atol=1e-12)


def R(*shape):
    return RNG.normal(size=shape)


# ---- JAX references of PyTorch's equations -----------------------------------------------------
def jcell(mode, x, h, c, p, sfx=""):
    """One step of PyTorch's cell ``mode`` with the parameters p[weight_ih{sfx}] ..."""
    gi = x @ p["weight_ih" + sfx].T + p.get("bias_ih" + sfx, 0.0)
    gh = h @ p["weight_hh" + sfx].T + p.get("bias_hh" + sfx, 0.0)
    if mode == "LSTM":
        i, f, g, o = jnp.split(gi + gh, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        if "weight_hr" + sfx in p:
            h = h @ p["weight_hr" + sfx].T
        return h, c
    if mode == "GRU":
        ir, iz, in_ = jnp.split(gi, 3, axis=-1)
        hr, hz, hn = jnp.split(gh, 3, axis=-1)
        r, z = jax.nn.sigmoid(ir + hr), jax.nn.sigmoid(iz + hz)
        n = jnp.tanh(in_ + r * hn)
        return (1 - z) * n + z * h, c
    return (jnp.tanh(gi + gh) if mode == "tanh" else jax.nn.relu(gi + gh)), c


def jrnn(mode, layers, bidirectional, batch_first, p, x, h0, c0):
    """PyTorch's multi-layer recurrence: a lax.scan over the steps of each layer and direction
    (the reverse direction scans from the end), the input time-major inside."""
    unbatched = x.ndim == 2
    if unbatched:
        x, h0 = x[:, None], h0[:, None]
        c0 = None if c0 is None else c0[:, None]
    elif batch_first:
        x = jnp.swapaxes(x, 0, 1)
    D = 2 if bidirectional else 1
    hs, cs = [], []
    for l in range(layers):
        outs = []
        for d in range(D):
            sfx = f"_l{l}" + ("_reverse" if d else "")
            pd = {k[:-len(sfx)]: v for k, v in p.items()
                  if k.endswith(sfx) and "_l" not in k[:-len(sfx)]}

            def body(carry, xt, pd=pd):
                h, c = jcell(mode, xt, *carry, pd)
                return (h, c), h
            state = (h0[l * D + d], None if c0 is None else c0[l * D + d])
            (h, c), ys = jax.lax.scan(body, state, x, reverse=bool(d))
            outs.append(ys)
            hs.append(h)
            cs.append(c)
        x = jnp.concatenate(outs, axis=-1)
    hn = jnp.stack(hs)
    cn = None if c0 is None else jnp.stack(cs)
    if unbatched:
        x, hn = x[:, 0], hn[:, 0]
        cn = None if cn is None else cn[:, 0]
    elif batch_first:
        x = jnp.swapaxes(x, 0, 1)
    return x, hn, cn


def _flat(mode, out):
    """(output, h_n, c_n or None) from a layer's return value."""
    if mode == "LSTM":
        return out[0], out[1][0], out[1][1]
    return out[0], out[1], None


CASES = [  # (class, mode, keywords, give hx, unbatched)
    ("RNN", "tanh", dict(num_layers=2), True, False),
    ("RNN", "relu", dict(nonlinearity="relu", bidirectional=True, bias=False), False, False),
    ("LSTM", "LSTM", dict(num_layers=2, bidirectional=True), True, False),
    ("LSTM", "LSTM", dict(proj_size=2, batch_first=True), True, False),
    ("LSTM", "LSTM", dict(proj_size=2), True, True),
    ("GRU", "GRU", dict(num_layers=2, bidirectional=True, batch_first=True), True, False),
    ("GRU", "GRU", dict(bias=False), False, True),
]


@pytest.mark.parametrize("cls,mode,kw,give_hx,unbatched", CASES,
                         ids=["rnn-2layers-hx", "rnn-relu-bidir-nobias", "lstm-2layers-bidir-hx",
                              "lstm-proj-batch_first-hx", "lstm-proj-unbatched-hx",
                              "gru-2layers-bidir-batch_first-hx", "gru-nobias-unbatched"])
def test_layers_match_pytorch_equations(cls, mode, kw, give_hx, unbatched):
    H_in, H, L, N = 3, 4, 3, 2
    model = getattr(tg.nn, cls)(H_in, H, **kw)
    params = model.init(RNG)
    layers, D = kw.get("num_layers", 1), 2 if kw.get("bidirectional") else 1
    h_out = kw.get("proj_size") or H
    bf = kw.get("batch_first", False)
    x = R(L, H_in) if unbatched else (R(N, L, H_in) if bf else R(L, N, H_in))
    lead = (D * layers,) if unbatched else (D * layers, N)
    h0, c0 = R(*lead, h_out), (R(*lead, H) if mode == "LSTM" else None)
    hx = None if not give_hx else ((h0, c0) if mode == "LSTM" else h0)
    if not give_hx:
        h0, c0 = np.zeros_like(h0), (None if c0 is None else np.zeros_like(c0))

    def jf(p, x, h0, c0):
        return jrnn(mode, layers, D == 2, bf, p, x, h0, c0)
    out, hn, cn = _flat(mode, model(x, hx))
    Wo, Wh = R(*out.shape), R(*hn.shape)
    Wc = None if cn is None else R(*cn.shape)

    def jloss(p, x, h0, c0):
        o, h, c = jf(p, x, h0, c0)
        return jnp.sum(o * Wo) + jnp.sum(h * Wh) + (0.0 if c is None else jnp.sum(c * Wc))
    argnums = (0, 1, 2, 3) if c0 is not None else (0, 1, 2)
    ref = jax.jit(lambda *a: (jf(*a), jax.grad(jloss, argnums=argnums)(*a)))
    (jo, jh, jc), jg = ref(params, x, h0, c0)
    np.testing.assert_allclose(out, jo, **TOL)
    np.testing.assert_allclose(hn, jh, **TOL)
    if mode == "LSTM":
        np.testing.assert_allclose(cn, jc, **TOL)

    def loss(p, x, h0, c0):
        state = None if not give_hx else ((h0, c0) if mode == "LSTM" else h0)
        o, h, c = _flat(mode, model.apply(p, x, state))
        return tg.sum(o * Wo) + tg.sum(h * Wh) + (0.0 if c is None else tg.sum(c * Wc))
    g = tg.grad(loss, argnums=argnums)(params, x, h0, c0)
    assert set(g[0]) == set(params)
    for name in params:  # every parameter
        np.testing.assert_allclose(g[0][name], jg[0][name], **TOL, err_msg=name)
    np.testing.assert_allclose(g[1], jg[1], **TOL)
    if give_hx:
        for a, b in zip(g[2:], jg[2:]):
            np.testing.assert_allclose(a, b, **TOL)


@pytest.mark.parametrize("cell,mode", [("RNNCell", "relu"), ("LSTMCell", "LSTM"),
                                       ("GRUCell", "GRU")])
def test_cells_match_pytorch_equations(cell, mode):
    kw = dict(nonlinearity="relu") if cell == "RNNCell" else {}
    m = getattr(tg.nn, cell)(3, 4, **kw)
    p = m.init(RNG)
    x, h, c = R(2, 3), R(2, 4), R(2, 4)
    W = R(2, 4)

    def jf(p, x, h, c):
        h1, c1 = jcell(mode, x, h, c, p)
        return h1, c1, jnp.sum(h1 * W) + (jnp.sum(c1 * W) if mode == "LSTM" else 0.0)
    ref = jax.jit(lambda *a: (jf(*a), jax.grad(lambda *b: jf(*b)[2], argnums=(0, 1, 2, 3)
                                               if mode == "LSTM" else (0, 1, 2))(*a)))
    (jh, jc, _), jg = ref(p, x, h, c if mode == "LSTM" else None)
    # unbatched input and a zero state: the first row of a batched call from zeros
    (jh0, _, _), _ = ref(p, x, np.zeros_like(h), np.zeros_like(c) if mode == "LSTM" else None)
    if mode == "LSTM":
        got = m(x, (h, c))
        np.testing.assert_allclose(got[0], jh, **TOL)
        np.testing.assert_allclose(got[1], jc, **TOL)
        np.testing.assert_allclose(m(x[0])[0], jh0[0], **TOL)
        g = tg.grad(lambda p, x, h, c: tg.sum(m.apply(p, x, (h, c))[0] * W)
                    + tg.sum(m.apply(p, x, (h, c))[1] * W), argnums=(0, 1, 2, 3))(p, x, h, c)
    else:
        np.testing.assert_allclose(m(x, h), jh, **TOL)
        np.testing.assert_allclose(m(x[0]), jh0[0], **TOL)
        g = tg.grad(lambda p, x, h: tg.sum(m.apply(p, x, h) * W), argnums=(0, 1, 2))(p, x, h)
    for name in p:
        np.testing.assert_allclose(g[0][name], jg[0][name], **TOL, err_msg=name)
    for a, b in zip(g[1:], jg[1:]):
        np.testing.assert_allclose(a, b, **TOL)


def test_transforms_through_an_lstm():
    m = tg.nn.LSTM(3, 4, num_layers=2, batch_first=True)
    p = m.init(0)
    xs = R(2, 3, 3)
    out, (hn, cn) = m(xs)
    # tg.vmap over unbatched sequences is the batched call (h_n has its batch on axis 1)
    vo, (vh, vc) = tg.vmap(lambda x: m.apply(p, x))(xs)
    np.testing.assert_allclose(vo, out, **TOL)
    np.testing.assert_allclose(np.swapaxes(vh, 0, 1), hn, **TOL)
    # tg.jit replays the same values; a second call with new data runs the plan again
    jit_apply = tg.jit(lambda p, x: m.apply(p, x)[0])
    np.testing.assert_allclose(jit_apply(p, xs), out, **TOL)
    xs2 = R(2, 3, 3)
    np.testing.assert_allclose(jit_apply(p, xs2), m(xs2)[0], **TOL)
    # jvp and jacrev agree with the (JAX-checked) gradient
    f = lambda x: tg.sum(tg.sin(m.apply(p, x)[0]))  # noqa: E731
    t = R(*xs.shape)
    _, d = tg.jvp(f, (xs,), (t,))
    grad = tg.grad(f)(xs)
    np.testing.assert_allclose(d, np.sum(grad * t), rtol=1e-12)
    J = tg.jacrev(lambda x: m.apply(p, x)[1][0])(xs)
    assert J.shape == hn.shape + xs.shape
    np.testing.assert_allclose(J[1, 0, 2], tg.grad(lambda x: m.apply(p, x)[1][0][1, 0, 2])(xs),
                               **TOL)
    # the sequence's later steps do not influence the first output (causality)
    J0 = tg.jacrev(lambda x: m.apply(p, x)[0][:, 0])(xs)
    assert np.all(J0[:, :, :, 1:] == 0) and np.any(J0[:, :, :, 0] != 0)


def test_dropout_between_layers():
    m = tg.nn.GRU(3, 4, num_layers=2, dropout=0.5)
    p = m.init(3)
    x = R(5, 2, 3)
    key = tg.random.PRNGKey(1)
    a = m(x, key=key)[0]
    np.testing.assert_array_equal(a, m(x, key=key)[0])  # the key decides the mask
    assert not np.allclose(a, m(x, key=tg.random.PRNGKey(2))[0])
    # the same as layer 0, the mask drawn from fold_in(key, 0), then layer 1
    l0, l1 = tg.nn.GRU(3, 4), tg.nn.GRU(4, 4)
    p0 = {k: v for k, v in p.items() if k.endswith("_l0")}
    p1 = {k.replace("_l1", "_l0"): v for k, v in p.items() if k.endswith("_l1")}
    y0 = l0.apply(p0, x)[0]
    keep = tg.random.bernoulli(tg.random.fold_in(key, 0), 0.5, y0.shape)
    want = l1.apply(p1, np.where(keep, 2 * y0, 0.0))[0]
    np.testing.assert_allclose(a, want, **TOL)
    # a gradient with the key goes through the same mask
    g = tg.grad(lambda x: tg.sum(m.apply(p, x, key=key)[0]))(x)
    g_want = tg.grad(lambda x: tg.sum(l1.apply(p1, tg.where(keep, 2 * l0.apply(p0, x)[0], 0.0))[0]))(x)
    np.testing.assert_allclose(g, g_want, **TOL)
    # without a key: the layer's own stream, reproducible from init(seed); eval: no dropout
    m.init(3)
    s1 = m(x)[0]
    m.init(3)
    np.testing.assert_array_equal(s1, m(x)[0])
    m.eval()
    np.testing.assert_allclose(m(x)[0], l1.apply(p1, y0)[0], **TOL)


def test_parameter_names_init_and_sequential():
    lstm = tg.nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)
    p = lstm.init(0)
    sfx = ["_l0", "_l0_reverse", "_l1", "_l1_reverse"]
    assert set(p) == {f"{w}{s}" for s in sfx for w in ("weight_ih", "weight_hh", "bias_ih",
                                                       "bias_hh", "weight_hr")}
    assert p["weight_ih_l0"].shape == (16, 3) and p["weight_ih_l1"].shape == (16, 4)
    assert p["weight_hh_l1_reverse"].shape == (16, 2) and p["weight_hr_l0"].shape == (2, 4)
    assert all(np.abs(v).max() <= 0.5 for v in p.values())  # uniform ±1/√hidden_size
    assert max(np.abs(v).max() for v in p.values()) > 0.45
    gru = tg.nn.GRU(3, 5, bias=False)
    assert {k: v.shape for k, v in gru.init().items()} == {"weight_ih_l0": (15, 3),
                                                          "weight_hh_l0": (15, 5)}
    assert set(tg.nn.RNNCell(2, 3).init()) == {"weight_ih", "weight_hh", "bias_ih", "bias_hh"}
    assert repr(lstm) == "LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2)"
    # a copy of PyTorch's state_dict is the parameter dict; explicit params by keyword
    sd = {k: R(*v.shape) for k, v in p.items()}
    out, (h, c) = lstm(R(5, 3), params=sd)
    assert out.shape == (5, 4) and h.shape == (4, 2) and c.shape == (4, 4)
    # in a Sequential (last: the output is a tuple), with its parameters listed by name
    seq = tg.nn.Sequential(tg.nn.Linear(3, 3), tg.nn.GRU(3, 4, batch_first=True))
    sp = seq.init(0)
    assert "1.weight_hh_l0" in tg.nn.named_parameters(sp)
    y, hn = seq(R(2, 5, 3))
    assert y.shape == (2, 5, 4) and hn.shape == (1, 2, 4)


def test_errors():
    m = tg.nn.LSTM(3, 4)
    with pytest.raises(ValueError, match=r"LSTM\(3, 4\): input of shape \(5, 2, 2\) must be "
                                         r"\(L, N, H_in\)"):
        m(R(5, 2, 2))
    with pytest.raises(TypeError, match=r"LSTM\(3, 4\): hx must be a pair \(h_0, c_0\)"):
        m(R(5, 2, 3), R(1, 2, 4))
    with pytest.raises(ValueError, match=r"LSTM\(3, 4\): c_0 of shape \(1, 3, 4\) must be "
                                         r"\(1, 2, 4\)"):
        m(R(5, 2, 3), (R(1, 2, 4), R(1, 3, 4)))
    with pytest.raises(TypeError, match=r"LSTM\(3, 4\): input must be a floating array, got "
                                        r"dtype int64"):
        m(np.ones((5, 2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match=r"missing \['bias_hh_l0'\]"):
        m(R(5, 2, 3), params={k: v for k, v in m.init().items() if k != "bias_hh_l0"})
    with pytest.raises(ValueError, match=r"params\['weight_hh_l0'\] must have shape \(16, 4\)"):
        m(R(5, 2, 3), params={**m.init(), "weight_hh_l0": R(16, 3)})
    with pytest.raises(ValueError, match=r"RNN: nonlinearity must be 'tanh' or 'relu', got 'gelu'"):
        tg.nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(TypeError, match="proj_size"):
        tg.nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match=r"LSTM: proj_size must be an int in \[0, hidden_size=4\)"):
        tg.nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match=r"GRU: dropout must be a number in \[0, 1\], got 1.5"):
        tg.nn.GRU(3, 4, dropout=1.5)
    with pytest.warns(UserWarning, match="dropout=0.5 does nothing with num_layers=1"):
        tg.nn.LSTM(3, 4, dropout=0.5)  # (PyTorch warns too)
    with pytest.raises(ValueError, match=r"RNN: num_layers must be a positive integer"):
        tg.nn.RNN(3, 4, num_layers=0)
    with pytest.raises(ValueError, match=r"GRU\(3, 4\): input of shape \(0, 2, 3\) has no time"):
        tg.nn.GRU(3, 4)(np.zeros((0, 2, 3)))
    with pytest.raises(ValueError, match=r"GRUCell\(3, 4\): hx of shape \(4,\) must be \(2, 4\)"):
        tg.nn.GRUCell(3, 4)(R(2, 3), R(4))
    with pytest.warns(UserWarning, match="does nothing"):
        one = tg.nn.GRU(3, 4, dropout=0.5)
    with pytest.raises(TypeError, match=r"GRU: key= is for the dropout between layers"):
        one(R(5, 3), key=tg.random.PRNGKey(0))  # one layer: no dropout
    with pytest.raises(TypeError, match=r"RNN\(3, 4\): hx must be a floating array"):
        tg.nn.RNN(3, 4)(R(5, 3), {"weight_ih_l0": R(4, 3)})  # params given positionally


def test_recurrent_parameters_are_attributes_with_pytorchs_names():
    rnn = tg.nn.LSTM(4, 3, num_layers=2, bidirectional=True)
    assert rnn.weight_hh_l0.shape == (12, 3) and rnn.bias_ih_l1_reverse.shape == (12,)
    assert np.shares_memory(np.asarray(rnn.weight_ih_l1), rnn.params["weight_ih_l1"])  # the parameter
    with tg.no_grad():
        rnn.weight_hh_l0.data.fill_(0.5)  # a write through the attribute reaches the layer
    assert np.all(rnn.params["weight_hh_l0"] == 0.5)
    tg.nn.init.orthogonal_(rnn.weight_hh_l0)
    w = rnn.params["weight_hh_l0"]
    np.testing.assert_allclose(w.T @ w, np.eye(3), atol=1e-12)
    cell = tg.nn.GRUCell(3, 2)
    assert cell.weight_ih.shape == (6, 3) and cell.bias_hh.shape == (6,)
    with pytest.raises(AttributeError, match="no attribute 'weight_hh_l5'"):
        rnn.weight_hh_l5
    with pytest.raises(AttributeError, match="no attribute 'bias_ih_l0'"):
        tg.nn.RNN(4, 3, bias=False).bias_ih_l0


def test_the_base_classes_are_pytorchs():
    for m in (tg.nn.RNN(3, 4), tg.nn.LSTM(3, 4, proj_size=2), tg.nn.GRU(3, 4, 2)):
        assert isinstance(m, tg.nn.RNNBase)
    for c in (tg.nn.RNNCell(3, 4), tg.nn.LSTMCell(3, 4), tg.nn.GRUCell(3, 4)):
        assert isinstance(c, tg.nn.RNNCellBase)
    assert [m.mode for m in (tg.nn.RNN(3, 4, nonlinearity="relu"), tg.nn.GRU(3, 4))] == ["RNN_RELU", "GRU"]
    base = tg.nn.RNNBase("LSTM", 3, 4, num_layers=2)  # made directly: runs as its mode's layer
    lstm = tg.nn.LSTM(3, 4, num_layers=2)
    lstm.load_state_dict(base.state_dict())
    x = tg.tensor(np.random.default_rng(0).normal(size=(5, 2, 3)))
    np.testing.assert_array_equal(base(x)[0].detach().numpy(), lstm(x)[0].detach().numpy())
    cell = tg.nn.RNNCellBase(3, 4, True, 2)  # num_chunks gates
    assert dict(cell.named_parameters())["weight_ih"].shape == (8, 3)
    with pytest.raises(NotImplementedError, match="no forward of its own"):
        cell(np.ones((2, 3)))
    with pytest.raises(ValueError, match="mode must be one of"):
        tg.nn.RNNBase("LSTX", 3, 4)
    with pytest.raises(ValueError, match="proj_size is for LSTM only"):
        tg.nn.RNNBase("GRU", 3, 4, proj_size=2)
