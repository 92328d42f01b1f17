"""Layers, initializers, losses, the book's four-example network, the perceptron."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import data, nn, optim, perceptron, train


# ---------------------------------------------------------------- the book, chapter 7
def book_network():
    np.random.seed(1)  # the book's legacy global RandomState
    W1 = np.random.random((3, 4))
    W2 = np.random.random((4, 1))
    return {"W1": W1, "W2": W2}


def book_forward(p, X):
    return tg.sigmoid(tg.sigmoid(X @ p["W1"]) @ p["W2"])


def book_cost(p, X, y):
    d = book_forward(p, X) - y
    return 0.5 * tg.sum(d * d)   # C = ½ Σ (a2 − y)²


def book_hand_gradient(p, X, y):
    """The book's δ-rule gradients (row-vector form), in plain NumPy."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    a0 = X
    a1 = sig(a0 @ p["W1"])
    a2 = sig(a1 @ p["W2"])
    delta2 = (a2 - y) * a2 * (1 - a2)              # (a2 − y) ⊙ σ'(z2)
    delta1 = (delta2 @ p["W2"].T) * a1 * (1 - a1)  # ((a2 − y) ⊙ σ'(z2)) W2ᵀ ⊙ σ'(z1)
    return {"W1": a0.T @ delta1, "W2": a1.T @ delta2}


def test_book_four_example_network_reproduces_printed_numbers():
    X, y = data.four_examples()
    p = book_network()
    before = np.asarray(book_forward(p, X)).ravel()
    np.testing.assert_allclose(before, [0.758, 0.771, 0.791, 0.801], atol=5e-4)
    for _ in range(1000):              # 1000 full-batch steps, learning rate 1
        last = np.asarray(book_forward(p, X)).ravel()
        hand = book_hand_gradient(p, X, y)
        g = tg.grad(book_cost)(p, X, y)
        for k in p:                    # tensorgrad's gradient is the book's, every step
            np.testing.assert_allclose(g[k], hand[k], rtol=1e-12, atol=1e-15)
        p = {k: p[k] - 1.0 * g[k] for k in p}
    np.testing.assert_allclose(last, [0.028, 0.925, 0.925, 0.090], atol=5e-4)
    after = float(np.asarray(book_forward(p, np.array([[1.0, 0.0, 1.0]]))).ravel()[0])
    assert abs(after - 0.925) < 5e-4


def test_book_gradient_through_check_module_and_mse_half():
    X, y = data.four_examples()
    p = book_network()
    cmp = tg.check.compare_grad(book_hand_gradient, book_cost, p, X, y)
    cmp.assert_ok()
    assert cmp.max_rel < 1e-12
    # the mse op with half=True is the mean of the same cost: C/4 for four examples
    g_mse = tg.grad(lambda q: tg.nn.mse(book_forward(q, X), y, half=True))(p)
    for k in p:
        np.testing.assert_allclose(g_mse[k] * 4, book_hand_gradient(p, X, y)[k], rtol=1e-12)


def test_book_network_with_module_and_optimizer_gives_same_numbers():
    X, y = data.four_examples()
    p = book_network()
    model = nn.Sequential(nn.Linear(3, 4, bias=False), nn.Sigmoid(), nn.Linear(4, 1, bias=False), nn.Sigmoid())
    params = [{"W": p["W1"]}, {"W": p["W2"]}]   # one entry per layer with parameters
    opt = optim.SGD(1.0)
    state = opt.init(params)
    for _ in range(1000):
        g = tg.grad(lambda q: 0.5 * tg.sum((model.apply(q, X) - y) ** 2))(params)
        params, state = opt.step(params, g, state)
    out = np.asarray(model.apply(params, X)).ravel()
    np.testing.assert_allclose(out, [0.028, 0.925, 0.925, 0.090], atol=2e-3)
    assert int(state["step"]) == 1000


# ---------------------------------------------------------------- layers
def test_linear_and_mlp_shapes_names_and_seeding():
    m = nn.MLP([5, 7, 3])
    p = m.init(0)
    assert [type(l).__name__ for l in m.layers] == ["Linear", "Activation", "Linear"]
    # PyTorch's names: layers numbered by position (the relu, layer 1, has none)
    assert list(m.named_parameters().keys()) == ["0.W", "0.b", "2.W", "2.b"]
    assert [n for n, _ in m.named_parameters()] == ["0.W", "0.b", "2.W", "2.b"]   # pairs, as PyTorch's
    assert m.num_parameters() == 5 * 7 + 7 + 7 * 3 + 3
    assert len(m.parameters()) == 4
    x = np.random.default_rng(0).normal(size=(4, 5))
    assert np.shape(m(x)) == (4, 3)
    p2 = nn.MLP([5, 7, 3]).init(0)
    assert all(np.array_equal(a, b) for a, b in zip(tg.tree_leaves(p), tg.tree_leaves(p2)))
    p3 = nn.MLP([5, 7, 3]).init(1)
    assert not np.array_equal(p[0]["W"], p3[0]["W"])
    with pytest.raises(ValueError, match="Linear\\(5, 7\\).*must end in 5"):
        m(np.ones((4, 6)))
    with pytest.raises(ValueError, match="positive integer"):
        nn.Linear(0, 3)
    with pytest.raises(ValueError, match="unknown activation"):
        nn.MLP([2, 3], activation="swishy")


def test_transforms_work_on_apply_directly():
    m = nn.MLP([3, 4, 2], activation="tanh")
    p = m.init(0)
    x = np.random.default_rng(1).normal(size=(5, 3))
    J = tg.jacrev(m.apply)(p, x)          # pytree of Jacobians, JAX's layout
    assert J[0]["W"].shape == (5, 2, 3, 4)
    Jf = tg.jacfwd(m.apply)(p, x)
    np.testing.assert_allclose(J[1]["W"], Jf[1]["W"], atol=1e-12)
    # Hessian of a loss w.r.t. the last weight matrix is symmetric and matches JAX
    y = np.array([0, 1, 1, 0, 1])
    f = lambda W: tg.nn.softmax_cross_entropy(m.apply([p[0], {"W": W, "b": p[1]["b"]}], x), y)  # noqa: E731
    H = tg.hessian(f)(p[1]["W"])
    assert H.shape == (4, 2, 4, 2)
    np.testing.assert_allclose(H.reshape(8, 8), H.reshape(8, 8).T, atol=1e-12)

    def jf(W):
        z = jnp.tanh(x @ p[0]["W"] + p[0]["b"]) @ W + p[1]["b"]
        return jnp.mean(jax.nn.logsumexp(z, axis=1) - z[jnp.arange(5), y])
    np.testing.assert_allclose(H, jax.jit(jax.hessian(jf))(p[1]["W"]), atol=1e-12)


def test_initializers_statistics_and_seeds():
    W = nn.init.xavier_uniform((200, 300), 0)
    a = np.sqrt(6 / 500)
    assert W.min() >= -a and W.max() <= a and W.max() > 0.95 * a
    assert abs(W.var() - 2 / 500) < 0.1 * 2 / 500
    H = nn.init.he_normal((400, 300), 0)
    assert abs(H.std() - np.sqrt(2 / 400)) < 0.02 * np.sqrt(2 / 400)
    C = nn.init.he_uniform((16, 8, 3, 3), 0)   # conv: fan_in = 8·3·3
    assert C.max() <= np.sqrt(6 / 72)
    U = nn.init.uniform((1000,), 0, low=-0.1, high=0.3)
    assert U.min() >= -0.1 and U.max() < 0.3
    np.testing.assert_array_equal(nn.init.xavier_normal((3, 4), 7), nn.init.glorot_normal((3, 4), 7))
    assert nn.init.fans((3, 4)) == (3, 4) and nn.init.fans((16, 8, 3, 3)) == (72, 144)
    with pytest.raises(ValueError, match="unknown initializer"):
        nn.init.get("orthogonalish")


def _jax_conv(x, w, stride, padding):
    return jax.lax.conv_general_dilated(x, w, (stride, stride), [(padding, padding)] * 2,
                                        dimension_numbers=("NCHW", "OIHW", "NCHW"))


def test_conv_and_pool_layers_match_jax_values_and_derivatives():
    rng = np.random.default_rng(0)
    conv = nn.Conv2d(2, 3, 3, stride=1, padding=1)
    p = conv.init(0)
    x = rng.normal(size=(2, 2, 6, 6))
    assert conv(x).shape == (2, 3, 6, 6)

    def jconv(p, x):
        return _jax_conv(x, p["W"], 1, 1) + p["b"].reshape(3, 1, 1)
    tg.check.compare_with_jax(conv.apply, jconv, p, x).assert_ok()

    strided = nn.Conv2d(2, 4, 3, stride=2, padding=0, bias=False)
    ps = strided.init(1)
    tg.check.compare_with_jax(strided.apply, lambda p, x: _jax_conv(x, p["W"], 2, 0), ps, x,
                              argnums=(0, 1)).assert_ok()

    def jmax(x):
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 1, 2, 2), (1, 1, 2, 2), "VALID")

    def javg(x):
        return jax.lax.reduce_window(x, 0.0, jax.lax.add, (1, 1, 2, 2), (1, 1, 2, 2), "VALID") / 4
    tg.check.compare_with_jax(lambda x: nn.MaxPool2d(2).apply({}, x), jmax, x).assert_ok()
    tg.check.compare_with_jax(lambda x: nn.AvgPool2d(2).apply({}, x), javg, x).assert_ok()
    # tg.nn's poolings are PyTorch's (tensorgrad/nn/torch_pooling_nd.py); tg's are the book's ops
    for f, op in ((nn.max_pool2d, tg.max_pool2d), (nn.avg_pool2d, tg.avg_pool2d)):
        np.testing.assert_array_equal(f(x, 2, 1), op(x, 2, 1))
    y = nn.Flatten().apply({}, x)
    assert y.shape == (2, 72)


def test_cnn_gradient_checks_at_second_order():
    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.Tanh(), nn.AvgPool2d(2), nn.Flatten(),
                          nn.Linear(2 * 2 * 2, 3))
    p = model.init(0)
    x = rng.normal(size=(2, 1, 4, 4))
    y = np.array([0, 2])
    tg.check.check_grads(lambda q: tg.nn.softmax_cross_entropy(model.apply(q, x), y), p, order=2)


# ---------------------------------------------------------------- models learn
def test_mlp_learns_two_moons():
    Xtr, ytr, Xte, yte = data.load("moons", seed=0)
    m = nn.MLP([2, 32, 32, 2], activation="tanh")
    params, hist = train.fit(m, m.init(0), Xtr, ytr, optimizer=optim.Adam(0.02), epochs=60,
                             batch_size=32, progress=False)
    assert train.evaluate(m, params, Xte, yte)["accuracy"] >= 0.95


def test_mlp_learns_spirals():
    Xtr, ytr, Xte, yte = data.load("spirals", seed=0)
    m = nn.MLP([2, 64, 64, 3], activation="relu")
    params, _ = train.fit(m, m.init(0), Xtr, ytr, optimizer=optim.Adam(optim.cosine(0.02, 80 * 15)),
                          epochs=80, batch_size=32, progress=False)
    assert train.evaluate(m, params, Xte, yte)["accuracy"] >= 0.90


def test_mlp_learns_digits():
    Xtr, ytr, Xte, yte = data.digits(seed=0)
    m = nn.MLP([64, 128, 10], activation="tanh")
    params, _ = train.fit(m, None, Xtr, ytr, optimizer=optim.Adam(optim.cosine(1e-2, 30 * 22)),
                          epochs=30, batch_size=64, progress=False)
    assert train.evaluate(m, params, Xte, yte)["accuracy"] >= 0.95


def test_cnn_learns_digits():
    Xtr, ytr, Xte, yte = data.digits(seed=0, images=True)
    m = nn.CNN(in_channels=1, image_size=8, channels=8, num_classes=10)
    params, _ = train.fit(m, m.init(0), Xtr, ytr, optimizer=optim.Adam(1e-2), epochs=8,
                          batch_size=64, progress=False)
    assert train.evaluate(m, params, Xte, yte)["accuracy"] >= 0.93


def test_mlp_learns_xor_four_examples_with_mse():
    X, y = data.four_examples()
    m = nn.MLP([3, 8, 1], activation="tanh", out_activation="sigmoid")
    params, hist = train.fit(m, m.init(0), X, y, loss="half_mse", optimizer=optim.SGD(2.0, momentum=0.9),
                             epochs=300, batch_size=4, progress=False)
    out = np.asarray(m.apply(params, X)).ravel()
    assert np.all((out > 0.5) == (y.ravel() == 1))
    assert hist["accuracy"][-1] == 1.0


# ---------------------------------------------------------------- perceptron (chapter 2)
def test_perceptron_rule_single_steps():
    # a positive example on the negative side: w ← w + x; a negative one on the positive side: w ← w − x
    X = np.array([[1.0, 2.0]])
    r = perceptron.fit_perceptron(X, [1], lr=1.0, max_epochs=1, shuffle=False)
    np.testing.assert_array_equal(r.w, [1.0, 2.0])
    assert r.b == 1.0 and r.mistakes == [1]
    r = perceptron.fit_perceptron(np.array([[1.0, 2.0], [3.0, -1.0]]), [1, 0], lr=0.5, max_epochs=1,
                                  shuffle=False)
    # first: w = 0.5·[1, 2], b = 0.5; second: w·x + b = 0.5 + 0.5 > 0 but y = 0 → w −= 0.5·[3, −1]
    np.testing.assert_allclose(r.w, [0.5 - 1.5, 1.0 + 0.5])
    assert r.b == 0.0


def test_perceptron_converges_on_separable_data_and_plots(tmp_path):
    X, y = data.blobs(200, seed=3)
    r = perceptron.fit_perceptron(X, y, max_epochs=100, seed=0)
    assert r.converged and r.mistakes[-1] == 0 and len(r.mistakes) == r.epochs
    assert r.accuracy(X, y) == 1.0
    assert sum(r.mistakes) > 0
    from tensorgrad import viz
    path = viz.plot_perceptron(X, y, r.w, r.b, tmp_path / "p.png")
    assert (tmp_path / "p.png").stat().st_size > 1000 and path.endswith("p.png")


def test_perceptron_on_xor_does_not_converge_and_rejects_bad_labels():
    X, y = data.four_examples()
    r = perceptron.fit_perceptron(X, y, max_epochs=25)
    assert not r.converged and r.epochs == 25 and min(r.mistakes) > 0
    with pytest.raises(ValueError, match="labels must be 0 or 1"):
        perceptron.fit_perceptron(X, [0, 1, 2, 0])
    with pytest.raises(RuntimeError, match="fit"):
        perceptron.Perceptron().predict(X)
    assert perceptron.Perceptron().fit(*data.blobs(50)).predict(np.zeros((1, 2))).shape == (1,)


def test_accuracy_helper():
    assert nn.accuracy(np.array([[0.1, 0.9], [2.0, 1.0]]), np.array([1, 1])) == 0.5
    assert nn.accuracy(np.array([[0.7], [0.2]]), np.array([[1.0], [0.0]])) == 1.0
