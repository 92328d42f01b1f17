"""Data sets, the mini-batch iterator, the training loop, plots, and the README's loop."""
import io
import re
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import data, nn, optim, train, viz

README = Path(__file__).resolve().parents[1] / "README.md"


def test_four_examples_is_the_books_data():
    X, y = data.four_examples()
    np.testing.assert_array_equal(X, [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]])
    np.testing.assert_array_equal(y.ravel(), [0, 1, 1, 0])
    assert y.shape == (4, 1)


@pytest.mark.parametrize("make", [lambda s: data.two_moons(101, seed=s), lambda s: data.spirals(100, 3, seed=s),
                                  lambda s: data.blobs(80, seed=s)])
def test_generated_sets_are_seeded(make):
    X1, y1 = make(0)
    X2, y2 = make(0)
    X3, _ = make(1)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(X1, X3)
    assert X1.shape[1] == 2 and X1.dtype == np.float64 and y1.dtype.kind == "i"
    assert len(np.unique(y1)) >= 2


def test_moons_and_spirals_shapes_and_classes():
    X, y = data.two_moons(101)
    assert X.shape == (101, 2) and np.bincount(y).tolist() == [50, 51]
    X, y = data.spirals(100, classes=4)
    assert X.shape == (100, 2) and np.bincount(y).tolist() == [25, 25, 25, 25]
    with pytest.raises(ValueError, match="at least 2 classes"):
        data.spirals(10, classes=1)


def test_blobs_are_linearly_separable_with_margin():
    X, y = data.blobs(100, margin=0.5, seed=4)
    assert len(X) == 100
    from tensorgrad.perceptron import fit_perceptron
    assert fit_perceptron(X, y, max_epochs=200).converged


def test_digits_split_and_images():
    Xtr, ytr, Xte, yte = data.digits(test_fraction=0.25, seed=0)
    assert Xtr.shape[1] == 64 and len(Xtr) + len(Xte) == 1797
    assert 0.0 <= Xtr.min() and Xtr.max() <= 1.0
    assert set(np.unique(yte)) == set(range(10))   # stratified: every class in the test set
    Itr, _, Ite, _ = data.digits(images=True)
    assert Itr.shape[1:] == (1, 8, 8) and Ite.shape[1:] == (1, 8, 8)


def test_digits_without_sklearn_gives_a_clear_message(monkeypatch):
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",  # scikit-learn's files are not found ...
                        lambda name, *a: None if name == "sklearn" else find_spec(name, *a))
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # ... nor can it be imported
    data._digits_table.cache_clear()
    try:
        with pytest.raises(ImportError, match="pip install scikit-learn"):
            data.digits()
    finally:
        data._digits_table.cache_clear()


def test_digits_are_scikit_learns_without_importing_it():
    from sklearn.datasets import load_digits
    d = load_digits()
    Xtr, ytr, Xte, yte = data.digits(test_fraction=0.25, seed=0)
    assert len(Xtr) + len(Xte) == 1797 and Xtr.shape[1] == 64
    pixels, labels = data._digits_table()
    np.testing.assert_array_equal(pixels, d.data)
    np.testing.assert_array_equal(labels, d.target)
    assert Xtr.flags.writeable and ytr.flags.writeable  # the caller's own arrays


def test_batches_cover_each_example_once_per_epoch_and_reshuffle():
    X = np.arange(10.0)[:, None]
    y = np.arange(10)
    it = data.batches(X, y, batch_size=3, seed=0)
    assert len(it) == 4
    epoch1 = [yb.tolist() for _, yb in it]
    epoch2 = [yb.tolist() for _, yb in it]
    assert sorted(sum(epoch1, [])) == list(range(10)) and sorted(sum(epoch2, [])) == list(range(10))
    assert [len(b) for b in epoch1] == [3, 3, 3, 1]
    assert epoch1 != epoch2                                          # a fresh order every epoch
    again = [yb.tolist() for _, yb in data.batches(X, y, batch_size=3, seed=0)]
    assert again == epoch1                                           # reproducible from the seed
    for xb, yb in data.batches(X, y, 4, seed=1):
        np.testing.assert_array_equal(xb[:, 0], yb)                  # rows stay paired
    assert [len(b) for _, b in data.batches(X, y, 3, drop_last=True)] == [3, 3, 3]
    assert [b.tolist() for _, b in data.batches(X, y, 5, shuffle=False)] == [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]
    with pytest.raises(ValueError, match="batch_size"):
        data.batches(X, y, 0)
    with pytest.raises(ValueError, match="rows"):
        data.batches(X, y[:5])


def test_load_by_name_and_errors():
    Xtr, ytr, Xte, yte = data.load("moons")
    assert len(Xtr) == 300 and len(Xte) == 100
    X, y, _, _ = data.load("four")
    assert y.tolist() == [0, 1, 1, 0]
    with pytest.raises(ValueError, match="unknown data set"):
        data.load("mnist-ish")
    with pytest.raises(ValueError, match="no images"):
        data.load("moons", images=True)
    with pytest.raises(IndexError, match="0..2"):
        data.one_hot([0, 3], 3)


def test_fit_history_progress_bar_and_validation():
    Xtr, ytr, Xte, yte = data.load("blobs", seed=1)
    m = nn.MLP([2, 8, 2])
    buf = io.StringIO()
    params, hist = train.fit(m, m.init(0), Xtr, ytr, optimizer=optim.Adam(0.05), epochs=3, batch_size=50,
                             validation=(Xte, yte), progress=True, file=buf)
    bar = buf.getvalue()
    assert "loss=" in bar and "acc=" in bar and "3/3" in bar and "val_acc=" in bar
    # the bar's last state shows the last epoch's validation accuracy, not the one before it
    last = bar.rsplit("\r", 1)[-1]
    assert f"val_acc={hist['val_accuracy'][-1]:.3f}" in last, last
    assert len(hist["loss"]) == 3 and len(hist["val_accuracy"]) == 3 and len(hist["step_loss"]) == 9
    assert hist["loss"][-1] < hist["loss"][0]
    assert m.params is params                       # the Module keeps the trained parameters
    ev = train.evaluate(m, params, Xte, yte)
    assert ev["accuracy"] == pytest.approx(hist["val_accuracy"][-1])
    assert ev["loss"] == pytest.approx(hist["val_loss"][-1])
    # without the metric the bar shows no accuracy at all (it showed val_acc=nan from epoch 2)
    buf = io.StringIO()
    train.fit(m, m.init(0), Xtr, ytr, optimizer=optim.Adam(0.05), epochs=3, batch_size=50,
              validation=(Xte, yte), progress=True, file=buf, metric=False)
    assert "loss=" in buf.getvalue() and "acc" not in buf.getvalue()


def test_fit_with_a_plain_apply_function_and_errors():
    X, y = data.four_examples()

    def apply(p, x):
        return tg.sigmoid(tg.tanh(x @ p["W1"]) @ p["W2"])
    p0 = {"W1": nn.init.xavier_uniform((3, 6), 0), "W2": nn.init.xavier_uniform((6, 1), 1)}
    params, hist = train.fit(apply, p0, X, y, loss="mse", optimizer=optim.SGD(1.0, momentum=0.9),
                             epochs=200, batch_size=4, progress=False)
    assert hist["accuracy"][-1] == 1.0
    with pytest.raises(ValueError, match="no parameters"):
        train.fit(apply, None, X, y)
    with pytest.raises(ValueError, match="unknown loss"):
        train.fit(apply, p0, X, y, loss="hinge-ish")
    with pytest.raises(FloatingPointError, match="lower the learning rate"), \
            np.errstate(over="ignore", invalid="ignore"):  # the divergence itself overflows
        train.fit(lambda p, x: x @ p["W"], {"W": np.ones((3, 1))}, X * 1e3, y * 1e3, loss="mse",
                  optimizer=optim.SGD(1e3), epochs=50, batch_size=4, progress=False, metric=False)


def test_plots_are_written(tmp_path):
    hist = {"loss": [1.0, 0.5], "accuracy": [0.5, 0.8], "val_loss": [1.1, 0.6], "val_accuracy": [0.4, 0.7],
            "step_loss": [1.2, 0.9, 0.6, 0.4]}
    paths = [viz.plot_history(hist, tmp_path / "h.png"),
             viz.plot_confusion([0, 1, 2, 2], [0, 2, 2, 2], tmp_path / "c.png"),
             viz.plot_samples(np.random.default_rng(0).random((4, 64)), [1, 2, 3, 4], [1, 2, 0, 4],
                              tmp_path / "s.png"),
             viz.plot_scaling([8, 16, 32], {"a": [1e-3, 2e-3, 4e-3], "b": [1e-3, 8e-3, 6.4e-2]},
                              tmp_path / "sub" / "sc.png"),
             viz.plot_decision_boundary(lambda P: (P[:, 0] > 0).astype(int), *data.blobs(30), tmp_path / "d.png")]
    for p in paths:
        assert Path(p).stat().st_size > 2000
    np.testing.assert_array_equal(viz.confusion_matrix([0, 1, 2, 2], [0, 2, 2, 2]),
                                  [[1, 0, 0], [0, 0, 1], [0, 0, 2]])


def test_readme_training_loop_runs_and_learns(capsys):
    text = README.read_text()
    section = text.split("## Train a model", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    assert "tg.value_and_grad" in code and len(code.strip().splitlines()) <= 14
    exec(compile(code, "README.md", "exec"), {})
    out = capsys.readouterr().out
    acc = float(out.split("test accuracy:")[1])
    assert acc >= 0.93


def test_accuracy_of_a_logits_loss_reads_the_sign():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] > 0).astype(float)
    model = lambda p, x: x @ p  # noqa: E731  (a logit: 0.4·x0, exactly right in sign)
    p = np.array([[0.4], [0.0]])
    for loss in ("binary_cross_entropy_with_logits", nn.BCEWithLogitsLoss(),
                 nn.binary_cross_entropy_with_logits):
        assert train.evaluate(model, p, X, y[:, None], loss=loss)["accuracy"] == 1.0
    _, hist = train.fit(model, p, X, y[:, None], loss="binary_cross_entropy_with_logits",
                        optimizer=optim.SGD(0.0), epochs=1, validation=(X, y[:, None]),
                        progress=False)
    assert hist["accuracy"] == [1.0] and hist["val_accuracy"] == [1.0]
    # probabilities (a sigmoid output) are read at 0.5, as before
    assert nn.accuracy(np.array([0.6, 0.4, 0.2]), np.array([1, 0, 0])) == 1.0
    assert nn.accuracy(np.array([0.3, -0.1]), np.array([1, 0]), threshold=0.0) == 1.0


def test_evaluate_and_predict_run_a_module_in_evaluation_mode():
    Xtr, ytr, Xte, yte = data.load("moons", seed=0)
    m = nn.Sequential(nn.Linear(2, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Dropout(0.5),
                      nn.Linear(32, 2))
    p, h = train.fit(m, m.init(0), Xtr, ytr, epochs=2, validation=(Xte, yte), progress=False)
    bn = m.layers[1]
    tracked = int(bn.num_batches_tracked)
    first = train.evaluate(m, p, Xte, yte)
    assert first == train.evaluate(m, p, Xte, yte)  # no random Dropout masks
    assert first["loss"] == h["val_loss"][-1] and first["accuracy"] == h["val_accuracy"][-1]
    assert int(bn.num_batches_tracked) == tracked  # the running statistics are left alone
    assert all(layer.training for layer in m.modules())  # the model's own mode is restored
    np.testing.assert_array_equal(train.predict(m, p, Xte), train.predict(m, p, Xte))


def test_fit_keeps_given_layers_frozen_layers_and_the_tensors_an_optimizer_holds():
    X = np.random.default_rng(0).normal(size=(64, 4))
    y = np.arange(64) % 2

    class Net(tg.nn.Module):
        def __init__(self, enc):
            super().__init__()
            self.enc, self.head = enc, tg.nn.Linear(8, 2)

        def forward(self, x):
            return self.head(tg.relu(self.enc(x)))
    enc = tg.nn.Linear(4, 8)
    enc.init(5)
    W = np.array(enc.params["W"])
    p, _ = tg.train.fit(Net(enc), None, X, y, epochs=0, progress=False)
    np.testing.assert_array_equal(p["enc"]["W"], W)            # a pretrained layer is kept
    for jit in (True, False):
        net = tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.ReLU(), tg.nn.Linear(8, 2)).requires_grad_()
        net[0].requires_grad_(False)
        before = {k: np.array(v) for k, v in net.state_dict().items()}
        held = net.parameters()
        opt = tg.optim.SGD(held, lr=0.1)
        tg.train.fit(net, None, X, y, epochs=2, progress=False, jit=jit)
        after = net.state_dict()
        assert np.array_equal(before["0.W"], after["0.W"]) and not np.allclose(before["2.W"], after["2.W"])
        assert all(a is b for a, b in zip(held, net.parameters()))  # the optimizer's tensors
        w = np.array(after["2.W"])
        opt.zero_grad()
        tg.nn.functional.cross_entropy(net(tg.tensor(X)), y).backward()
        opt.step()
        assert not np.allclose(w, net.state_dict()["2.W"])
    assert set(tg.train.evaluate(net, None, X, y)) == {"loss", "accuracy"}  # its own parameters
    for backend, given in (("jax", None), ("numpy", "a copy")):  # frozen on every path
        m = tg.nn.Sequential(tg.nn.Linear(4, 3), tg.nn.ReLU(), tg.nn.Linear(3, 2))
        m.init(0)
        m[0].requires_grad_(False)
        w = np.array(m.params[0]["W"])
        p, _ = tg.train.fit(m, None if given is None else tg.tree_map(np.array, m.params), X, y,
                            optimizer=tg.optim.AdamW(1e-2, weight_decay=0.1), epochs=1,
                            progress=False, backend=backend)
        np.testing.assert_array_equal(p[0]["W"], w)
        assert all(type(v) is np.ndarray for v in tg.tree_leaves(p))
    with pytest.raises(TypeError, match="functional optimizer"):
        tg.train.fit(net, None, X, y, optimizer=tg.optim.Adam(net.parameters()), progress=False)


def test_fit_checks_the_validation_data_before_training():
    X, y = np.random.default_rng(0).normal(size=(16, 4)), np.arange(16) % 2
    model = tg.nn.Sequential(tg.nn.Linear(4, 2))
    for val, words in (((X[:, :3], y), "rows of shape"), ((X[:10], y[:5]), "10 rows but")):
        with pytest.raises(ValueError, match=words):
            tg.train.fit(model, None, X, y, validation=val, epochs=1, progress=False,
                         optimizer=tg.optim.SGD(1e-2))


def test_predict_evaluate_and_entrywise_losses_check_their_inputs():
    model = tg.nn.MLP([2, 8, 3])
    params = model.init(0)
    X = np.random.default_rng(0).normal(size=(10, 2))
    assert tg.train.predict(model, params, X[:0]).shape == (0, 3)  # no rows: the outputs' shape
    assert tg.train.predict(model, params, X, batch_size=3).shape == (10, 3)
    for bad in (-1, 0, 2.5):
        with pytest.raises(ValueError, match="predict: batch_size must be a positive integer"):
            tg.train.predict(model, params, X, batch_size=bad)
    with pytest.raises(ValueError, match="evaluate: X is empty"):
        tg.train.evaluate(model, params, X[:0], np.zeros(0, int))
    two = tg.nn.MLP([2, 8, 2])  # (2,) class ids for (2, 2) outputs would broadcast into rows
    with pytest.raises(ValueError, match=r"targets of shape \(2,\) do not fit outputs of shape \(2, 2\)"):
        tg.train.get_loss("mse")(two.apply(two.init(0), X[:2]), np.array([0, 1]))
    # a loss Module reads (n,) targets for one output column as the names do
    one = tg.nn.MLP([2, 8, 1])
    p0 = one.init(0)
    y = (X[:, 0] > 0).astype(int)
    for name, module in (("binary_cross_entropy_with_logits", tg.nn.BCEWithLogitsLoss()),
                         ("mse_loss", tg.nn.MSELoss())):
        a = tg.train.fit(one, p0, X, y, loss=name, epochs=2, progress=False, batch_size=4)
        b = tg.train.fit(one, p0, X, y, loss=module, epochs=2, progress=False, batch_size=4)
        for u, v in zip(tg.tree_leaves(a[0]), tg.tree_leaves(b[0])):
            np.testing.assert_array_equal(u, v)


def test_blobs_gives_n_points_outside_the_gap_or_says_why_not():
    for margin in (0.5, 2.5, 3.5):
        X, y = data.blobs(100, margin=margin, seed=1)
        assert X.shape == (100, 2) and y.shape == (100,)
    with pytest.raises(ValueError, match="choose a smaller margin"):
        data.blobs(100, margin=5.0, seed=1)
