"""PyTorch semantics found missing by ports of VAE, REINFORCE/SAC and GNN code: draws of
distributions with tensor parameters are tensors, transforms cache (cache_size=1), tg.Size,
tg.unique/bincount/argwhere of a tensor give tensors, Embedding.from_pretrained(freeze=False)
requires grad, and PyTorch's index methods refuse indices out of range (NumPy's would wrap)."""
import numpy as np
import pytest

import tensorgrad as tg

D = tg.distributions


def test_draws_of_tensor_parameters_are_tensors():
    logits = tg.tensor([0.1, 0.5, 0.2], requires_grad=True)
    tg.manual_seed(0)
    a = D.Categorical(logits=logits).sample()
    assert isinstance(a, tg.Tensor) and a.ndim == 0 and a.unsqueeze(0).shape == (1,)
    assert a.detach().numpy() == a.item()
    for d in (D.Bernoulli(logits=logits), D.Poisson(tg.tensor([2.0])), D.Dirichlet(tg.tensor([1.0, 2.0])),
              D.Beta(tg.tensor([2.0]), tg.tensor([3.0])), D.OneHotCategorical(logits=logits)):
        assert isinstance(d.sample(), tg.Tensor)
    assert type(D.Normal(np.zeros(2), 1.0).sample()) is np.ndarray  # (arrays give arrays)


def test_tanh_transform_cache_gives_the_exact_log_prob():
    m = tg.tensor([20.0], requires_grad=True)
    tg.manual_seed(0)
    d = D.TransformedDistribution(D.Normal(m, 0.5), [D.TanhTransform(cache_size=1)])
    a = d.rsample()
    lp = d.log_prob(a)
    lp.sum().backward()
    assert np.isfinite(lp.detach().numpy()).all()  # (atanh(tanh(x)) is inf there: NaN uncached)
    np.testing.assert_allclose(m.grad, [2.0], rtol=1e-12)  # d/dm of -log(1 - tanh(x)^2) at x ≈ 20
    t = D.AffineTransform(0.0, 2.0, cache_size=1)
    y = t(np.array([1.0]))
    assert t.inv(y) is t._cached[0]
    d = D.TransformedDistribution(D.Normal(tg.tensor(40.0), tg.tensor(1.0)), [D.TanhTransform(cache_size=1)])
    assert np.isfinite(float(d.log_prob(d.sample())))  # (sample's detached pair is cached too)
    mu = tg.tensor(40.0, requires_grad=True)
    d = D.TransformedDistribution(D.Normal(mu, 1.0), [D.AffineTransform(0.0, 0.5, cache_size=1),
                                                      D.TanhTransform(cache_size=1)])
    s = d.sample()
    d.log_prob(s).backward()  # (the pre-image is detached: only the density's own m counts)
    x = float(d.transforms[0]._cached[0])
    np.testing.assert_allclose(float(mu.grad), x - 40.0, rtol=1e-12)
    assert D.ExpTransform().with_cache(1)._cache_size == 1
    with pytest.raises(ValueError, match="cache_size must be 0 or 1"):
        D.ExpTransform(cache_size=2)


def test_size():
    s = tg.Size([2, 3])
    assert s == (2, 3) and isinstance(s, tuple) and s.numel() == 6 and repr(s) == "tg.Size([2, 3])"
    assert D.Normal(0.0, 1.0).sample(tg.Size([4])).shape == (4,)
    assert tg.ones(3, 4).view(tg.Size([2, 6])).shape == (2, 6)


def test_integer_functions_of_a_tensor_give_tensors():
    r = tg.tensor([0, 0, 2])
    u, c = tg.unique(r, return_counts=True)
    assert isinstance(u, tg.Tensor) and isinstance(c, tg.Tensor)
    np.testing.assert_array_equal(c.float(), [2.0, 1.0])
    np.testing.assert_array_equal(tg.bincount(r, minlength=4).to(tg.float64), [2.0, 0.0, 1.0, 0.0])
    assert isinstance(tg.argwhere(r > 0), tg.Tensor)
    assert type(tg.unique(np.array([3, 1, 1]))) is np.ndarray  # (arrays give arrays)
    vals, first = tg.unique(tg.tensor([3, 1, 1]), return_index=True)  # (NumPy's keywords: NumPy's)
    np.testing.assert_array_equal(first, [1, 0])
    np.testing.assert_array_equal(tg.bincount(r, length=4), [2, 0, 1, 0])


def test_unfrozen_pretrained_embedding_requires_grad_on_its_own():
    e = tg.nn.Embedding.from_pretrained(tg.tensor(np.eye(3)), freeze=False)
    out = e(tg.tensor([0, 1]))
    assert out.requires_grad
    p = tg.tensor(np.ones(3), requires_grad=True)
    (e(tg.tensor([0, 1])) * p).sum().backward()
    np.testing.assert_array_equal(e.weight.grad, [[1, 1, 1], [1, 1, 1], [0, 0, 0]])
    assert not tg.nn.Embedding.from_pretrained(tg.tensor(np.eye(3)))(tg.tensor([0])).requires_grad


@pytest.mark.parametrize("call", [
    lambda: tg.zeros(3, 2).index_add_(0, tg.tensor([-1]), tg.ones(1, 2)),
    lambda: tg.tensor([[1.0, 2.0], [3.0, 4.0]]).gather(0, tg.tensor([[-1, 0]])),
    lambda: tg.ones(4, 3).index_select(0, tg.tensor([5])),
    lambda: tg.zeros(3, 1).scatter_add_(0, tg.tensor([[3]]), tg.ones(1, 1)),
    lambda: tg.zeros(3, 1).scatter_reduce(0, tg.tensor([[-1]]), tg.ones(1, 1), "amax"),
    lambda: tg.zeros(3, 2).index_copy_(0, tg.tensor([3]), tg.ones(1, 2)),
])
def test_index_methods_refuse_out_of_range_indices(call):
    with pytest.raises(IndexError, match="out of bounds for dimension 0"):
        call()
    with pytest.raises(RuntimeError):  # (PyTorch's error type too)
        call()


def test_index_methods_in_range_and_under_jit():
    np.testing.assert_array_equal(tg.zeros(3, 2).index_add_(0, tg.tensor([2, 0]), tg.ones(2, 2)),
                                  [[1, 1], [0, 0], [1, 1]])
    f = tg.jit(lambda x, i: x.index_select(0, i))
    np.testing.assert_array_equal(f(tg.tensor(np.eye(3)), np.array([2, 0])), np.eye(3)[[2, 0]])


def test_repeat_interleave_of_counts_alone():
    np.testing.assert_array_equal(tg.repeat_interleave(tg.tensor([2, 0, 3])), [0, 0, 2, 2, 2])
    np.testing.assert_array_equal(tg.tensor([1, 2]).repeat_interleave(), [0, 1, 1])
    np.testing.assert_array_equal(tg.tensor([1.0, 2.0]).repeat_interleave(2), [1, 1, 2, 2])
    with pytest.raises(TypeError, match="1-d tensor of counts"):
        tg.tensor([1.5]).repeat_interleave()


def test_softmax_of_integer_logits_is_computed_in_floats():
    for dt in (np.uint8, np.int8, np.int64, np.bool_):
        x = np.array([1, 0, 1], dt)
        want = np.exp(x - 1.0) / np.exp(x - 1.0).sum()
        np.testing.assert_allclose(np.asarray(tg.nn.softmax(x)), want, rtol=1e-3)
        np.testing.assert_allclose(np.asarray(tg.nn.log_softmax(x)), np.log(want), rtol=1e-3)
    np.testing.assert_array_equal(tg.tensor([-100, 100], dtype=tg.int8).log_softmax(0), [-200.0, 0.0])


def test_reciprocal_of_an_integer_tensor_is_pytorchs():
    np.testing.assert_array_equal(tg.reciprocal(tg.tensor([2, 4])), [0.5, 0.25])
    np.testing.assert_array_equal(tg.reciprocal(np.array([2, 4])), [0, 0])  # (NumPy's, on arrays)
