"""torch.nn.utils.rnn's packed sequences (tg.nn.utils.rnn.PackedSequence, pack_padded_sequence,
pad_packed_sequence, pack_sequence, unpack_sequence) and the RNNs on packed input: the packed
layout written out by hand, and each sequence of a packed batch against the same model run on
that sequence alone (values, final states and gradients)."""
import numpy as np
import pytest

import tensorgrad as tg

R = tg.nn.utils.rnn
RNG = np.random.default_rng(0)
X = np.random.default_rng(1).normal(size=(5, 4, 3))  # (L, B, F)


@pytest.mark.parametrize("lens,enforce", [([5, 3, 3, 1], True), ([2, 5, 1, 4], False)])
def test_pack_and_pad_round_trip_and_layout(lens, enforce):
    packed = R.pack_padded_sequence(X, np.array(lens), enforce_sorted=enforce)
    order = np.argsort(-np.array(lens), kind="stable")
    # time step after time step, the sequences still running, longest first
    want = np.concatenate([X[t, [b for b in order if lens[b] > t]] for t in range(max(lens))])
    np.testing.assert_array_equal(packed.data, want)
    np.testing.assert_array_equal(packed.batch_sizes, [sum(n > t for n in lens) for t in range(max(lens))])
    if enforce:
        assert packed.sorted_indices is None and packed.unsorted_indices is None
    else:
        np.testing.assert_array_equal(packed.sorted_indices, order)
        np.testing.assert_array_equal(packed.unsorted_indices, np.argsort(order))
    padded, got_lens = R.pad_packed_sequence(packed, batch_first=True, padding_value=-1.0,
                                             total_length=6)
    np.testing.assert_array_equal(got_lens, lens)
    assert padded.shape == (4, 6, 3)
    for b, n in enumerate(lens):
        np.testing.assert_array_equal(padded[b, :n], X[:n, b])
        assert np.all(padded[b, n:] == -1.0)
    seqs = [X[:n, b] for b, n in enumerate(lens)]
    again = R.pack_sequence(seqs, enforce_sorted=enforce)
    np.testing.assert_array_equal(again.data, packed.data)
    for a, s in zip(R.unpack_sequence(again), seqs):
        np.testing.assert_array_equal(a, s)


@pytest.mark.parametrize("cls,kw", [("LSTM", dict(num_layers=2, bidirectional=True)),
                                    ("GRU", dict(bidirectional=True, batch_first=True)),
                                    ("RNN", dict(num_layers=2)), ("LSTM", dict(proj_size=1))],
                         ids=["lstm-2-bi", "gru-bi-batch-first", "rnn-2", "lstm-proj"])
def test_rnns_on_packed_batches_run_each_sequence_alone(cls, kw):
    lens = np.array([2, 5, 1, 4])
    model = getattr(tg.nn, cls)(3, 2, **kw)
    params = model.init_params(np.random.default_rng(2))
    lstm = cls == "LSTM"
    layers = kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
    h_size = kw.get("proj_size", 0) or 2
    h0 = np.random.default_rng(3).normal(size=(layers, 4, h_size))
    c0 = np.random.default_rng(4).normal(size=(layers, 4, 2))
    hx = (h0, c0) if lstm else h0
    packed = R.pack_padded_sequence(X, lens, enforce_sorted=False)
    out, state = model(packed, hx, params=params)
    assert isinstance(out, R.PackedSequence)
    np.testing.assert_array_equal(out.batch_sizes, packed.batch_sizes)
    padded, _ = R.pad_packed_sequence(out)
    h_n = state[0] if lstm else state
    for b, n in enumerate(lens):  # one sequence, unbatched, from its own initial state
        hb = (h0[:, b], c0[:, b]) if lstm else h0[:, b]
        alone, s = model(X[:n, b], hb, params=params)
        np.testing.assert_allclose(padded[:n, b], alone, rtol=1e-12, atol=1e-14)
        assert np.all(padded[n:, b] == 0.0)
        np.testing.assert_allclose(h_n[:, b], s[0] if lstm else s, rtol=1e-12, atol=1e-14)

    def loss_packed(x, p):
        o, st = model(R.pack_padded_sequence(x, lens, enforce_sorted=False), hx, params=p)
        return tg.sum(tg.sin(o.data)) + tg.sum((st[0] if lstm else st) ** 2)

    def loss_alone(x, p):
        total = 0.0
        for b, n in enumerate(lens):
            hb = (h0[:, b], c0[:, b]) if lstm else h0[:, b]
            o, st = model(x[:n, b], hb, params=p)
            total = total + tg.sum(tg.sin(o)) + tg.sum((st[0] if lstm else st) ** 2)
        return total

    g1 = tg.grad(loss_packed, argnums=(0, 1))(X, params)
    g2 = tg.grad(loss_alone, argnums=(0, 1))(X, params)
    np.testing.assert_allclose(g1[0], g2[0], rtol=1e-10, atol=1e-13)
    for k in params:
        np.testing.assert_allclose(g1[1][k], g2[1][k], rtol=1e-10, atol=1e-13)


def test_packing_errors_name_the_function():
    with pytest.raises(RuntimeError, match="pack_padded_sequence: lengths .* not sorted"):  # (PyTorch's)
        R.pack_padded_sequence(X, np.array([2, 5, 1, 4]))
    with pytest.raises(ValueError, match=r"lengths must be 4 integers in \[1, 5\]"):
        R.pack_padded_sequence(X, np.array([5, 3, 0, 1]))
    with pytest.raises(ValueError, match=r"lengths must be 4 integers in \[1, 5\]"):
        R.pack_padded_sequence(X, np.array([6, 3, 2, 1]))
    with pytest.raises(TypeError, match="lengths must be integers"):
        R.pack_padded_sequence(X, np.array([4.5, 3, 2, 1]))
    with pytest.raises(ValueError, match="total_length=3 is shorter"):
        R.pad_packed_sequence(R.pack_padded_sequence(X, np.array([5, 3, 2, 1])), total_length=3)
    with pytest.raises(TypeError, match="expected a PackedSequence"):
        R.pad_packed_sequence(X)
    with pytest.raises(TypeError, match=r"GRUCell\(3, 2\): a cell takes one time step"):
        tg.nn.GRUCell(3, 2)(R.pack_padded_sequence(X, np.array([5, 3, 2, 1])))


@pytest.mark.parametrize("cls", ["LSTM", "GRU", "RNN"])
def test_packed_input_without_initial_state_gives_the_parameters_gradients(cls):
    # the first call of a Module on a tensor makes its parameters require grad: a packed
    # sequence (a named tuple) holding it was not looked into, so the parameters got no gradient
    lens = [4, 2]
    grads = []
    for with_hx in (False, True):
        m = getattr(tg.nn, cls)(3, 2)
        m.load_state_dict({k: np.random.default_rng(5).normal(size=v.shape) for k, v in m.state_dict().items()})
        x = tg.tensor(X[:, :2], requires_grad=True)
        h0 = np.zeros((1, 2, 2))
        args = (((h0, h0) if cls == "LSTM" else h0),) if with_hx else ()
        out, h = m(R.pack_padded_sequence(x, lens), *args)
        (tg.sum(out.data ** 2) + tg.sum(h[0] if cls == "LSTM" else h)).backward()
        grads.append((x.grad, {k: p.grad for k, p in m.named_parameters()}))
    (gx, gp), (hx_gx, hx_gp) = grads
    np.testing.assert_allclose(gx, hx_gx, rtol=1e-12)
    assert set(gp) == {"weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"}
    for k in gp:
        assert gp[k] is not None and np.abs(gp[k]).max() > 0
        np.testing.assert_allclose(gp[k], hx_gp[k], rtol=1e-12)
