"""A Module called PyTorch's way makes its parameters tensors that require grad, as PyTorch's
always are: ``loss.backward()`` after ``model(x)`` fills every parameter's ``.grad`` without an
optimizer or ``requires_grad_()`` first (PyTorch's 60-minute blitz order:
``out = net(input); net.zero_grad(); out.backward(g)``). Calls on NumPy arrays, under
``tg.no_grad()``, inside transforms and through ``apply`` keep plain arrays."""
import threading

import numpy as np
import pytest

import tensorgrad as tg

rng = np.random.default_rng(0)


class Net(tg.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = tg.nn.Linear(4, 8)
        self.fc2 = tg.nn.Linear(8, 2)

    def forward(self, x):
        return self.fc2(tg.tanh(self.fc1(x)))


def _hand_grads(net, x, g):
    """The parameters' gradients of ⟨net(x), g⟩, by hand from the arrays."""
    W1, b1, W2 = (np.asarray(p.detach()) for p in (net.fc1.W, net.fc1.bias, net.fc2.W))
    h = np.tanh(x @ W1 + b1)
    dh = (g @ W2.T) * (1 - h * h)
    return {"fc1.W": x.T @ dh, "fc1.b": dh.sum(0), "fc2.W": h.T @ g, "fc2.b": g.sum(0)}


def test_the_first_call_on_a_tensor_records_the_parameters():
    net = Net()
    x, g = rng.normal(size=(3, 4)), rng.normal(size=(3, 2))
    out = net(tg.tensor(x))  # a constant input: the parameters alone require grad
    assert out.requires_grad
    net.zero_grad()
    out.backward(tg.tensor(g))
    want = _hand_grads(net, x, g)
    for name, p in net.named_parameters().items():
        np.testing.assert_allclose(p.grad, want[name], rtol=1e-12)
    # an input that requires grad: both get their gradients (the parameters' were silently
    # None before), and an optimizer made afterwards holds the same tensors
    lin = tg.nn.Linear(3, 2)
    xt = tg.tensor(rng.normal(size=(5, 3)), requires_grad=True)
    lin(xt).sum().backward()
    np.testing.assert_allclose(lin.W.grad, np.repeat(np.asarray(xt.detach()).sum(0)[:, None], 2, 1),
                               rtol=1e-12)
    assert xt.grad is not None
    opt = tg.optim.SGD(lin.parameters(), lr=0.1)
    assert opt.param_groups[0]["params"][0] is lin.parameters()[0]


def test_recurrent_embedding_and_attention_layers_called_directly():
    lstm = tg.nn.LSTM(3, 4)
    out, (h, c) = lstm(tg.randn(5, 2, 3))
    out.sum().backward()
    assert lstm.weight_ih_l0.grad.shape == (16, 3) and np.any(lstm.weight_ih_l0.grad != 0)
    emb = tg.nn.Embedding(5, 2)
    emb(tg.tensor([1, 2, 2])).sum().backward()
    np.testing.assert_array_equal(emb.weight.grad, [[0, 0], [1, 1], [2, 2], [0, 0], [0, 0]])
    mha = tg.nn.MultiheadAttention(4, 2, batch_first=True)
    q = tg.randn(1, 3, 4)
    mha(q, q, q)[0].sum().backward()
    assert all(p.grad is not None for p in mha.parameters())


def test_calls_that_keep_plain_arrays():
    lin = tg.nn.Linear(3, 2)
    assert type(lin(np.ones((2, 3)))) is np.ndarray  # NumPy in, NumPy out: nothing recorded
    with tg.no_grad():
        assert not lin(tg.tensor(np.ones((2, 3)))).requires_grad
    assert lin.W.grad is None and not isinstance(lin.params["W"], tg.Tensor)
    params = lin.init(0)
    g = tg.grad(lambda p: tg.sum(lin.apply(p, np.ones((2, 3)))))(params)
    np.testing.assert_allclose(g["W"], 2 * np.ones((3, 2)))
    # inside a transform given tensors: the transform differentiates, the Module is untouched
    gx = tg.func.grad(lambda x: lin(x).sum())(tg.tensor(np.ones((2, 3))))
    np.testing.assert_allclose(gx, np.repeat(np.asarray(lin.W).sum(1)[None], 2, 0), rtol=1e-12)
    assert not isinstance(lin.params["W"], tg.Tensor)
    # under tg.jit: traced values, nothing changes either
    tg.jit(lambda x: lin(x))(tg.tensor(np.ones((2, 3))))
    assert not isinstance(lin.params["W"], tg.Tensor)


def test_parameters_frozen_one_by_one_stay_frozen_and_listed_arrays_follow():
    # transfer learning: a frozen backbone and a new head; the first call makes the head's
    # arrays tensors and leaves the backbone's flags alone (it unfroze them)
    X = rng.normal(size=(5, 3))
    m = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 2))
    for p in m.parameters():
        p.requires_grad = False
    m[2] = tg.nn.Linear(4, 2)
    m(tg.tensor(X))
    assert [p.requires_grad for p in m.parameters()] == [False, False, True, True]
    # arrays listed before the first call: their grad is the tensor's, and a write raises
    lin = tg.nn.Linear(3, 2)
    listed = list(lin.parameters())
    lin(tg.tensor(X)).sum().backward()
    np.testing.assert_allclose(listed[0].grad, np.repeat(X.sum(0)[:, None], 2, 1), rtol=1e-12)
    with pytest.raises(RuntimeError, match="no longer the parameter"), tg.no_grad():
        listed[0].zero_()


def test_two_threads_making_the_first_call_share_one_set_of_tensors():
    # each thread records its own graph on the same tensors: both gradients reach .grad
    X = np.ones((4, 3))
    for _ in range(20):
        m = tg.nn.Linear(3, 1)
        barrier = threading.Barrier(2)
        losses = [None, None]

        def run(i):
            barrier.wait()
            losses[i] = m(tg.tensor(X, requires_grad=True)).sum()
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        losses[0].backward()
        losses[1].backward()
        np.testing.assert_array_equal(m.parameters()[1].grad, [8.0])


def test_an_explicit_choice_is_kept():
    frozen = tg.nn.Linear(3, 2).requires_grad_(False)
    assert not frozen(tg.tensor(np.ones((1, 3)))).requires_grad
    net = Net()
    net.fc1.requires_grad_(False)  # a layer frozen on its own stays frozen at the first call
    net(tg.tensor(np.ones((1, 4)))).sum().backward()
    assert net.fc1.W.grad is None and net.fc2.W.grad is not None
    with pytest.raises(RuntimeError, match="has no graph"):  # the message names the ways in
        frozen(tg.tensor(np.ones((1, 3)))).sum().backward()


def test_grad_of_a_parameter_listed_before_the_first_call_can_be_set_to_none():
    # PyTorch's manual zeroing, for p in params: p.grad = None, on a list kept from before
    m = tg.nn.Linear(3, 2)
    ps = list(m.parameters())
    for p in ps:
        p.grad = None  # (no gradient yet: a no-op)
    with pytest.raises(RuntimeError, match="only p.grad = None"):
        ps[0].grad = np.zeros((3, 2))
    m(tg.tensor(np.ones((1, 3)))).sum().backward()
    assert all(p.grad is not None for p in ps)
    for p in ps:
        p.grad = None
    assert all(p.grad is None for p in m.parameters())
