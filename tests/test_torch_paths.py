"""PyTorch's import paths inside tensorgrad's PyTorch namespaces: torch.distributions.<family>,
torch.nn.modules.<part>, torch.utils.data.<part>, torch.autograd.grad_mode / variable / graph,
torch.nn.utils.convert_parameters / stateless; and DistributedSampler's partitions."""
import collections
import importlib

import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.autograd.graph as ag_graph
import tensorgrad.distributions.normal
from tensorgrad.autograd.grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from tensorgrad.autograd.variable import Variable
from tensorgrad.distributions.normal import Normal
from tensorgrad.distributions.utils import (broadcast_all, clamp_probs, lazy_property,
                                            logits_to_probs, probs_to_logits, tril_matrix_to_vec,
                                            vec_to_tril_matrix)
from tensorgrad.nn.modules.loss import _Loss
from tensorgrad.nn.modules.module import Module
from tensorgrad.nn.modules.utils import (_ntuple, _pair, _quadruple, _reverse_repeat_tuple,
                                         _single, _triple, consume_prefix_in_state_dict_if_present)
from tensorgrad.utils.data.distributed import DistributedSampler

DIST = {"bernoulli": ["Bernoulli"], "beta": ["Beta"], "binomial": ["Binomial"],
        "categorical": ["Categorical"], "cauchy": ["Cauchy"], "chi2": ["Chi2"],
        "continuous_bernoulli": ["ContinuousBernoulli"], "dirichlet": ["Dirichlet"],
        "exp_family": ["ExponentialFamily"], "exponential": ["Exponential"],
        "fishersnedecor": ["FisherSnedecor"], "gamma": ["Gamma"], "geometric": ["Geometric"],
        "gumbel": ["Gumbel"], "half_cauchy": ["HalfCauchy"], "half_normal": ["HalfNormal"],
        "independent": ["Independent"], "inverse_gamma": ["InverseGamma"],
        "kumaraswamy": ["Kumaraswamy"], "laplace": ["Laplace"], "lkj_cholesky": ["LKJCholesky"],
        "log_normal": ["LogNormal"], "logistic_normal": ["LogisticNormal"],
        "lowrank_multivariate_normal": ["LowRankMultivariateNormal"],
        "mixture_same_family": ["MixtureSameFamily"], "multinomial": ["Multinomial"],
        "multivariate_normal": ["MultivariateNormal"], "negative_binomial": ["NegativeBinomial"],
        "normal": ["Normal"], "one_hot_categorical": ["OneHotCategorical",
                                                      "OneHotCategoricalStraightThrough"],
        "pareto": ["Pareto"], "poisson": ["Poisson"],
        "relaxed_bernoulli": ["LogitRelaxedBernoulli", "RelaxedBernoulli"],
        "relaxed_categorical": ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"],
        "studentT": ["StudentT"], "transformed_distribution": ["TransformedDistribution"],
        "uniform": ["Uniform"], "von_mises": ["VonMises"], "weibull": ["Weibull"],
        "wishart": ["Wishart"], "generalized_pareto": ["GeneralizedPareto"]}


@pytest.mark.parametrize("part", sorted(DIST))
def test_distribution_modules_hold_the_flat_classes(part):
    mod = importlib.import_module(f"tensorgrad.distributions.{part}")
    assert getattr(tg.distributions, part) is mod
    assert mod.__all__ == DIST[part]
    for name in DIST[part]:
        assert getattr(mod, name) is getattr(tg.distributions, name)


def test_from_import_and_dotted_import_agree():
    assert Normal is tg.distributions.Normal
    assert tensorgrad.distributions.normal.Normal is Normal


def test_distribution_utils_values_and_gradients():
    p = np.array([[0.0, 0.25, 0.75], [0.5, 0.5, 1.0]])
    eps = np.finfo(np.float64).eps
    q = np.clip(p, eps, 1 - eps)
    np.testing.assert_allclose(clamp_probs(p), q)
    np.testing.assert_allclose(probs_to_logits(p), np.log(q))
    np.testing.assert_allclose(probs_to_logits(p, is_binary=True), np.log(q) - np.log1p(-q))
    z = np.array([[1.0, -2.0, 0.5]])
    np.testing.assert_allclose(logits_to_probs(z), np.exp(z) / np.exp(z).sum(-1, keepdims=True))
    np.testing.assert_allclose(logits_to_probs(z, is_binary=True), 1 / (1 + np.exp(-z)))
    assert clamp_probs(p.astype(np.float32)).dtype == np.float32
    a, b = broadcast_all(np.zeros((2, 1), np.float32), 3.0)
    assert a.shape == b.shape == (2, 1) and b.dtype == np.float32
    g = tg.grad(lambda t: probs_to_logits(t, is_binary=True).sum())(np.array([0.2, 0.6]))
    np.testing.assert_allclose(g, 1 / (np.array([0.2, 0.6]) * np.array([0.8, 0.4])))


@pytest.mark.parametrize("n,diag", [(1, 0), (3, 0), (3, -1), (3, 1), (4, -2), (4, 2)])
def test_tril_vec_round_trip(n, diag):
    mat = np.arange(2 * n * n, dtype=float).reshape(2, n, n)
    rows, cols = np.nonzero(np.tril(np.ones((n, n)), diag))
    vec = np.asarray(tril_matrix_to_vec(mat, diag))
    np.testing.assert_array_equal(vec, mat[:, rows, cols])
    back = np.asarray(vec_to_tril_matrix(vec, diag))
    np.testing.assert_array_equal(back, np.tril(mat, diag))
    w = np.random.default_rng(n).normal(size=vec.shape[-1])
    g = tg.grad(lambda v: (vec_to_tril_matrix(v, diag) ** 2).sum() * 0.5 + (v * 0).sum())(w)
    np.testing.assert_allclose(g, w)  # the map only places entries: its gradient is the identity


def test_tril_errors_and_lazy_property():
    with pytest.raises(ValueError, match="outside"):
        tril_matrix_to_vec(np.zeros((3, 3)), 3)
    with pytest.raises(ValueError, match="lower triangle"):
        vec_to_tril_matrix(np.zeros(4))
    calls = []

    class C:
        @lazy_property
        def v(self):
            calls.append(1)
            return 7
    c = C()
    assert (c.v, c.v, len(calls)) == (7, 7, 1) and isinstance(C.v, lazy_property)


def test_nn_modules_paths():
    assert Module is tg.nn.Module and _Loss is tg.nn.modules.loss._Loss
    assert issubclass(tg.nn.MSELoss, _Loss)
    for part, name in [("linear", "Linear"), ("conv", "Conv2d"), ("activation", "ReLU"),
                       ("batchnorm", "BatchNorm2d"), ("container", "Sequential"),
                       ("dropout", "Dropout"), ("normalization", "LayerNorm"),
                       ("pooling", "MaxPool2d"), ("rnn", "LSTM"), ("sparse", "Embedding"),
                       ("transformer", "Transformer"), ("padding", "ZeroPad2d"),
                       ("adaptive", "AdaptiveLogSoftmaxWithLoss"), ("normalization", "CrossMapLRN2d"),
                       ("loss", "NLLLoss2d")]:
        mod = importlib.import_module(f"tensorgrad.nn.modules.{part}")
        assert getattr(mod, name) is getattr(tg.nn, name) is getattr(tg.nn.modules, name)
    assert tg.nn.modules.batchnorm._BatchNorm in tg.nn.BatchNorm1d.__mro__


def test_nn_modules_utils():
    assert (_single(2), _pair(3), _triple(1), _quadruple(0)) == ((2,), (3, 3), (1, 1, 1), (0,) * 4)
    assert _pair([1, 2]) == (1, 2) and _ntuple(5)(1) == (1,) * 5
    assert _reverse_repeat_tuple((1, 2), 2) == (2, 2, 1, 1)
    sd = collections.OrderedDict([("module.a", 1), ("module.b.c", 2), ("d", 3)])
    sd._metadata = {"": {}, "module": {"v": 1}, "module.b": {"v": 2}}
    consume_prefix_in_state_dict_if_present(sd, "module.")
    assert dict(sd) == {"a": 1, "b.c": 2, "d": 3}
    assert set(sd._metadata) == {"", "b"}


def test_utils_data_paths():
    data = tg.utils.data
    from tensorgrad.utils.data.dataloader import DataLoader
    from tensorgrad.utils.data.dataset import TensorDataset
    from tensorgrad.utils.data.sampler import BatchSampler
    assert (DataLoader, TensorDataset, BatchSampler) == (data.DataLoader, data.TensorDataset,
                                                         data.BatchSampler)
    assert data.DistributedSampler is DistributedSampler is data.distributed.DistributedSampler


def _partition(n, replicas, rank, drop_last):
    """DistributedSampler's rule written out: pad by wrapping (or cut), then every replicas-th."""
    idx = list(range(n))
    if drop_last:
        idx = idx[:n - n % replicas]
    else:
        while len(idx) % replicas:
            idx.append(idx[len(idx) - n])
    return idx[rank::replicas]


@pytest.mark.parametrize("n", [0, 1, 5, 7, 12])
@pytest.mark.parametrize("replicas", [1, 2, 3, 5, 8])
@pytest.mark.parametrize("drop_last", [False, True])
def test_distributed_sampler_partitions(n, replicas, drop_last):
    for rank in range(replicas):
        s = DistributedSampler(range(n), num_replicas=replicas, rank=rank, shuffle=False,
                               drop_last=drop_last)
        want = _partition(n, replicas, rank, drop_last)
        assert list(s) == want and len(s) == len(want)


def test_distributed_sampler_shuffle_and_defaults():
    parts = [DistributedSampler(range(10), num_replicas=2, rank=r, seed=3) for r in range(2)]
    first = [list(p) for p in parts]
    assert sorted(first[0] + first[1]) == list(range(10))  # a permutation split between ranks
    assert first == [list(p) for p in parts]  # the same epoch, the same order
    for p in parts:
        p.set_epoch(1)
    assert [list(p) for p in parts] != first
    one = DistributedSampler(range(4), shuffle=False)
    assert (one.num_replicas, one.rank, list(one)) == (1, 0, [0, 1, 2, 3])
    with pytest.raises(ValueError, match="Invalid rank 2"):
        DistributedSampler(range(4), num_replicas=2, rank=2)


def test_autograd_grad_mode_and_variable_paths():
    assert (no_grad, enable_grad, set_grad_enabled, inference_mode) == (
        tg.no_grad, tg.autograd.enable_grad, tg.autograd.set_grad_enabled, tg.inference_mode)
    assert Variable is tg.autograd.Variable and tg.autograd.graph is ag_graph


def test_nn_utils_aliases():
    from tensorgrad.nn.utils.convert_parameters import parameters_to_vector, vector_to_parameters
    from tensorgrad.nn.utils.stateless import functional_call
    assert functional_call is tg.func.functional_call
    assert parameters_to_vector is tg.nn.utils.parameters_to_vector
    assert vector_to_parameters is tg.nn.utils.vector_to_parameters


def test_saved_tensors_hooks_refuse_rather_than_ignore():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    with pytest.raises(NotImplementedError, match="pack/unpack"):
        with ag_graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass
    with ag_graph.save_on_cpu(pin_memory=False):  # values are on the CPU already
        y = (x * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad, [2.0, 4.0])
    with ag_graph.disable_saved_tensors_hooks("no hooks here"):
        with pytest.raises(RuntimeError, match="no hooks here"):
            with ag_graph.save_on_cpu():
                pass
    with pytest.raises(NotImplementedError, match="register_multi_grad_hook"):
        ag_graph.register_multi_grad_hook([x], lambda grads: None)
    with pytest.raises(ValueError, match="mode"):
        ag_graph.register_multi_grad_hook([x], lambda grads: None, mode="some")
