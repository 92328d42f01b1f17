"""Checks ported from PyTorch's nn tests (layers, losses, optimizers); values compared with
PyTorch's were written out in NumPy (PyTorch is not a test dependency)."""
import numpy as np
import pytest

import tensorgrad as tg


def test_embedding_checks_its_ids_at_every_jit_replay():
    emb = tg.nn.Embedding(5, 2)
    P = emb.init(0)
    f = tg.jit(lambda P, i: emb.apply(P, i))
    f(P, np.array([0, 1, 2]))  # traced on valid ids
    for bad in (np.array([0, -1, 2]), np.array([0, 5, 2])):
        with pytest.raises(IndexError, match=r"Embedding\(5, 2\): id .* out of range 0..4"):
            f(P, bad)
    g = tg.jit(tg.grad(lambda P, i: tg.sum(emb.apply(P, i))))
    g(P, np.array([0, 1, 2]))
    with pytest.raises(IndexError, match="out of range"):
        g(P, np.array([0, -1, 2]))
    np.testing.assert_array_equal(f(P, np.array([4, 0])), P["weight"][[4, 0]])


def test_layer_sizes_are_validated_with_their_names():
    with pytest.raises(ValueError, match="kernel_size"):
        tg.nn.Conv2d(3, 4, 0)
    with pytest.raises(ValueError, match="kernel_size"):
        tg.nn.Conv2d(3, 4, -1)
    with pytest.raises((TypeError, ValueError), match="kernel_size"):
        tg.nn.Conv2d(3, 4, (2.5, 2.5))
    with pytest.raises(ValueError, match="stride"):
        tg.nn.Conv2d(3, 4, 3, stride=(1, 0))
    assert tg.nn.Conv2d(3, 4, 3, stride=(1, 2))(np.ones((1, 3, 5, 5))).shape == (1, 4, 3, 2)
    with pytest.raises(ValueError, match="kernel_size"):
        tg.nn.MaxPool2d(-2)
    with pytest.raises(ValueError, match="padding"):
        tg.nn.Conv2d(3, 4, 3, padding=-1)
    assert tg.nn.Conv2d(3, 4, (3, 3), padding=0)(np.ones((1, 3, 5, 5))).shape == (1, 4, 3, 3)


def test_flatten_needs_a_batch_axis_and_one_more():
    for shape in [(), (3,)]:
        with pytest.raises(ValueError, match=r"Flatten\(start_dim=1, end_dim=-1\): input of shape"):
            tg.nn.Flatten()(np.ones(shape))
    assert tg.nn.Flatten()(np.ones((2, 3, 4))).shape == (2, 12)


def test_cross_entropy_takes_integer_and_boolean_one_hot_rows():
    z = np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 0.3]])
    rows = np.array([[1, 0, 0], [0, 0, 1]])
    want = tg.nn.softmax_cross_entropy(z, rows.astype(float))
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))  # F.cross_entropy with probability rows
    np.testing.assert_allclose(want, -np.mean(np.sum(rows * logp, axis=1)), rtol=1e-14)
    for y in (rows, rows.astype(bool)):
        np.testing.assert_allclose(tg.nn.softmax_cross_entropy(z, y), want, rtol=1e-15)
        np.testing.assert_allclose(tg.jit(tg.nn.softmax_cross_entropy)(z, y), want, rtol=1e-15)


def test_optimizers_take_a_zero_learning_rate():
    p = {"w": np.array([1.0, -2.0])}
    g = {"w": np.array([0.5, 0.5])}
    for opt in (tg.optim.SGD(0.0), tg.optim.Adam(0.0)):
        state = opt.init(p)
        new, _ = opt.step(p, g, state)
        np.testing.assert_array_equal(tg.tree_leaves(new)[0], p["w"])
    with pytest.raises(ValueError):
        tg.optim.SGD(-0.1)


def test_reading_grad_of_a_non_leaf_warns_as_pytorch():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x * 2
    tg.sum(y ** 2).backward()
    np.testing.assert_array_equal(x.grad, [8.0, 16.0])
    with pytest.warns(UserWarning, match="not a leaf"):
        assert y.grad is None
    x.grad = None  # leaves: set and read without a warning
    assert x.grad is None and tg.tensor(np.ones(1)).grad is None
