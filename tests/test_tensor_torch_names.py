"""PyTorch's Tensor methods: the in-place writes that keep a tensor on the graph, a 0-d
tensor's dim 0, an empty dim, the keyword spellings, the remaining everyday names, and the
Tensor methods inside a ``tg.autograd.Function``. Expected values are PyTorch 2's, written
out or computed with NumPy."""
import numpy as np
import pytest
from scipy import special

import tensorgrad as tg

RNG = np.random.default_rng(0)


def test_zero_fill_and_copy_keep_a_recorded_tensor_on_the_graph():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    w = tg.tensor([3.0, 4.0], requires_grad=True)
    y = x * 2
    y.zero_()
    assert y.requires_grad and y.grad_fn is not None
    (y.sum() + (x * x).sum()).backward()
    np.testing.assert_array_equal(x.grad, [2.0, 4.0])  # zero_ passes no gradient back
    y = x * 2
    y.fill_(3.0)
    alias = [y]
    y -= 1  # still the rule of t += v: every name sees it
    np.testing.assert_array_equal(alias[0].detach().numpy(), [2.0, 2.0])
    x.grad = None
    y = x * 1
    y.copy_(w * w)
    (y * y).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0])
    np.testing.assert_array_equal(w.grad, 4 * np.array([3.0, 4.0]) ** 3)
    s = tg.tensor(2.0, requires_grad=True)
    y = x * 1
    y.fill_(s)  # a 0-d tensor value gets the gradient of every entry
    (y * y).sum().backward()
    assert s.grad == 8.0
    with pytest.raises(RuntimeError, match="fill_"):
        (x * 1).fill_(tg.tensor([1.0, 2.0]))
    c = tg.tensor([1.0, 2.0])
    c.zero_()
    c.fill_(5)
    assert c.tolist() == [5.0, 5.0]
    c.copy_(tg.tensor([7.0, 8.0]))
    assert c.tolist() == [7.0, 8.0] and not c.requires_grad


@pytest.mark.parametrize("name", ["sum", "mean", "prod", "nansum", "nanmean", "logsumexp",
                                  "cumsum", "cumprod", "amax", "amin", "norm", "all", "any",
                                  "squeeze", "logcumsumexp", "softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, -1, [0]])
def test_a_0d_tensor_has_dim_0_as_in_pytorch(name, dim):
    if name in ("cumsum", "cumprod", "logcumsumexp", "softmax", "log_softmax", "squeeze") \
            and isinstance(dim, list):
        return  # these take one int dim
    s = tg.tensor(1.5, requires_grad=True)
    kw = {"dim": dim} if name != "norm" else {"p": 2, "dim": dim}
    out = getattr(s, name)(**kw)
    want = {"softmax": 1.0, "log_softmax": 0.0, "all": True, "any": True}.get(name, 1.5)
    assert np.shape(out) == () and float(out.detach().numpy()) == want
    if name not in ("all", "any"):
        out.sum().backward()
        assert np.shape(s.grad) == ()


def test_a_0d_tensor_keeps_0d_results_with_keepdim_and_value_index_pairs():
    s = tg.tensor(2.5, requires_grad=True)
    assert np.shape(s.sum(dim=0, keepdim=True)) == ()
    v, i = s.sort(dim=-1)
    assert np.shape(v) == () and np.shape(i) == () and int(i) == 0
    v, i = s.median(0)
    assert float(v.detach().numpy()) == 2.5 and int(i) == 0
    assert s.std(dim=0, correction=0).item() == 0.0


@pytest.mark.parametrize("name", ["sum", "mean", "std", "var", "nansum", "nanmean",
                                  "count_nonzero", "amax", "amin", "norm"])
@pytest.mark.parametrize("empty", [(), []])
def test_an_empty_dim_reduces_over_every_axis(name, empty):
    a = RNG.normal(size=(2, 1, 3))
    t = tg.tensor(a)
    got = getattr(t, name)(dim=empty)
    whole = getattr(t, name)(dim=None)  # (PyTorch's std and var: correction 1 either way)
    assert np.shape(got) == ()
    np.testing.assert_allclose(np.asarray(got), np.asarray(whole), rtol=1e-14)


def test_index_select_with_a_0d_index_keeps_the_dim():
    a = np.arange(6.0).reshape(2, 3)
    t = tg.tensor(a, requires_grad=True)
    out = t.index_select(1, tg.tensor(2))
    assert out.shape == (2, 1)
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, [[0, 0, 1], [0, 0, 1]])
    assert tg.tensor(a[0]).index_select(0, tg.tensor(1)).shape == (1,)
    with pytest.raises(IndexError, match="0-d or 1-d"):
        t.index_select(0, tg.tensor([[0]]))


def test_pytorchs_keyword_spellings():
    t = tg.tensor(np.arange(12.0).reshape(3, 4))
    assert t.reshape(shape=(4, 3)).shape == (4, 3)
    assert t.flip(dims=[1])[0].tolist() == [3.0, 2.0, 1.0, 0.0]
    assert t.permute(dims=(1, 0)).shape == (4, 3)
    assert [p.shape for p in t.split(split_size=2)] == [(2, 4), (1, 4)]
    assert t.expand(size=(2, 3, 4)).shape == (2, 3, 4)
    assert t.pow(exponent=2)[1].tolist() == [16.0, 25.0, 36.0, 49.0]
    assert t.max(other=t * 0 + 5)[0].tolist() == [5.0, 5.0, 5.0, 5.0]
    v, i = t.sort(-1, True)  # PyTorch's positional (dim, descending)
    assert v[0].tolist() == [3.0, 2.0, 1.0, 0.0] and i[0].tolist() == [3, 2, 1, 0]
    with pytest.raises(TypeError, match="split"):
        t.split(2, split_size=2)


def test_mode_takes_the_smallest_most_frequent_value_at_its_last_index():
    t = tg.tensor([[1.0, 2.0, 2.0, 3.0, 3.0], [5.0, 5.0, 1.0, 1.0, 0.0]], requires_grad=True)
    v, i = t.mode(1)
    assert v.tolist() == [2.0, 1.0] and i.tolist() == [2, 3]
    (v * tg.tensor([1.0, 10.0])).sum().backward()
    np.testing.assert_array_equal(t.grad, [[0, 0, 1, 0, 0], [0, 0, 0, 10, 0]])
    v, i = tg.tensor([3.0, 1.0, 3.0, 1.0]).mode()
    assert float(v) == 1.0 and int(i) == 3
    v, i = t.mode(0, keepdim=True)
    assert v.shape == (1, 5) and i.shape == (1, 5)


def test_more_everyday_method_names():
    a = RNG.normal(size=(3, 4))
    t = tg.tensor(a)
    assert t.type() == "torch.DoubleTensor" and tg.tensor([1, 2]).type() == "torch.LongTensor"
    assert t.type(np.float32).dtype == np.float32 and t.type("torch.FloatTensor").dtype == np.float32
    assert tg.tensor([1, 300 % 256]).byte().dtype == np.uint8
    np.testing.assert_allclose(t.cov(), np.cov(a), rtol=1e-14)
    np.testing.assert_allclose(t.cov(correction=0), np.cov(a, ddof=0), rtol=1e-14)
    v, w = RNG.normal(size=3), RNG.normal(size=4)
    np.testing.assert_allclose(t.addr(tg.tensor(v), tg.tensor(w), beta=0.5, alpha=2),
                               0.5 * a + 2 * np.outer(v, w), rtol=1e-14)
    b1, b2 = RNG.normal(size=(2, 3, 5)), RNG.normal(size=(2, 5, 4))
    np.testing.assert_allclose(t.addbmm(tg.tensor(b1), tg.tensor(b2)), a + (b1 @ b2).sum(0), rtol=1e-13)
    nan = tg.tensor(np.full((3, 4), np.nan))
    assert not np.isnan(np.asarray(nan.addr(tg.tensor(v), tg.tensor(w), beta=0))).any()  # beta 0 drops it
    m, e = t.frexp()
    assert e.dtype == np.int32
    np.testing.assert_array_equal(np.asarray(m) * 2.0 ** np.asarray(e), a)
    np.testing.assert_allclose(t.ldexp(tg.tensor([1, 2, 3, 4])), a * 2.0 ** np.arange(1, 5), rtol=1e-15)
    assert [p.shape for p in t.split_with_sizes([1, 3], 1)] == [(3, 1), (3, 3)]
    assert [p.shape for p in t.hsplit(2)] == [(3, 2), (3, 2)]
    assert t.argwhere().dtype == np.int64
    assert tg.tensor([1.0, np.inf, -np.inf]).isposinf().tolist() == [False, True, False]


def test_more_in_place_methods_follow_the_rule_of_t_plus_equals_v():
    a = np.abs(RNG.normal(size=(2, 3)))
    x = tg.tensor(a, requires_grad=True)
    y = x * 1
    y.log1p_()
    y.cumsum_(1)
    y.sum().backward()
    want = (1 / (1 + a)) * np.array([3.0, 2.0, 1.0])
    np.testing.assert_allclose(x.grad, want, rtol=1e-14)
    c = tg.tensor([0.4, 1.6, -2.5])
    c.round_()
    assert c.tolist() == [0.0, 2.0, -2.0]


def test_a_function_written_with_tensor_methods_runs_unchanged():
    class Exp(tg.autograd.Function):  # PyTorch's documentation example
        @staticmethod
        def forward(ctx, i):
            r = i.exp()
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r

    class Linear(tg.autograd.Function):  # PyTorch's extending tutorial
        @staticmethod
        def forward(ctx, input, weight, bias=None):
            ctx.save_for_backward(input, weight, bias)
            output = input.mm(weight.t())
            if bias is not None:
                output += bias.unsqueeze(0).expand_as(output)
            return output

        @staticmethod
        def backward(ctx, grad_output):
            input, weight, bias = ctx.saved_tensors
            grad_bias = grad_output.sum(0) if bias is not None else None
            return grad_output.mm(weight), grad_output.t().mm(input), grad_bias

    class Chain(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            z = x.clone()
            z.mul_(2).add_(1)
            z.clamp_(min=0)
            ctx.save_for_backward(x)
            return x.sum(dim=0, keepdim=True).tanh().max(dim=1).values + z.sum()

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * x.new_ones(x.shape)

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    Exp.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.exp([1.0, 2.0]), rtol=1e-15)
    a, W, b = RNG.normal(size=(4, 3)), RNG.normal(size=(2, 3)), RNG.normal(size=2)
    A, WW, B = (tg.tensor(v, requires_grad=True) for v in (a, W, b))
    (Linear.apply(A, WW, B) ** 2).sum().backward()
    g = 2 * (a @ W.T + b)
    np.testing.assert_allclose(A.grad, g @ W, rtol=1e-13)
    np.testing.assert_allclose(WW.grad, g.T @ a, rtol=1e-13)
    np.testing.assert_allclose(B.grad, g.sum(0), rtol=1e-13)
    x = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    out = Chain.apply(x)
    np.testing.assert_allclose(np.asarray(out.detach().numpy()),
                               np.tanh([7.0]) + (2 * np.arange(6.0) + 1).sum(), rtol=1e-15)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


def test_histc_cov_corrcoef_mvlgamma_and_detach_as_pytorch():
    x = np.array([[1.0, 2.0, 4.0], [0.75, 3.0, 1.0]], np.float32)
    t = tg.tensor(x, requires_grad=True)
    h = t.histc(4)  # a constant tensor in the tensor's dtype, as PyTorch's
    assert type(h) is tg.Tensor and not h.requires_grad and h.dtype == np.float32
    np.testing.assert_array_equal(h.numpy(), np.histogram(x, 4)[0])
    for name, ref in (("cov", np.cov(x)), ("corrcoef", np.corrcoef(x))):  # float32 stays float32
        mine = getattr(t, name)()
        assert mine.dtype == np.float32
        np.testing.assert_allclose(mine.detach().numpy(), ref, rtol=1e-5)
    np.testing.assert_allclose(t.mvlgamma(2).detach().numpy(), special.multigammaln(x, 2), rtol=1e-6)
    y = t * 2
    assert y.detach_() is y and not y.requires_grad and y.grad_fn is None
    np.testing.assert_array_equal(y.numpy(), 2 * x)
    with pytest.raises(TypeError, match="immutable"):
        tg.grad(lambda v: tg.sum(v.detach_()))(np.ones(2))


_U = np.clip(np.random.default_rng(3).normal(size=(3, 3)), -0.9, 0.9)
_V = np.random.default_rng(4).normal(size=(3, 3))
_I, _J = np.array([[1, 2], [3, 4]]), np.array([[2, 6], [9, 8]])
# PyTorch's in-place forms of methods tensorgrad had only out of place: (input, arguments)
IN_PLACE = {"absolute_": (_V, ()), "arccos_": (_U, ()), "arcsin_": (_U, ()), "arctan_": (_V, ()),
            "arctan2_": (_V, (_U,)), "arctanh_": (_U, ()), "arcsinh_": (_V, ()),
            "arccosh_": (np.abs(_V) + 1, ()), "divide_": (_V, (_U + 2,)), "multiply_": (_V, (_U,)),
            "subtract_": (_V, (_U,)), "negative_": (_V, ()), "float_power_": (np.abs(_V), (2.5,)),
            "gcd_": (_I, (_J,)), "lcm_": (_I, (_J,)), "heaviside_": (_V, (_U,)),
            "bitwise_and_": (_I, (_J,)), "bitwise_or_": (_I, (_J,)), "bitwise_xor_": (_I, (_J,)),
            "bitwise_not_": (_I, ()), "logical_and_": (_V, (_U > 0,)), "logical_or_": (_V, (_U > 0,)),
            "logical_xor_": (_V, (_U > 0,)), "logical_not_": (_V, ()), "eq_": (_V, (_V * (_U > 0),)),
            "ne_": (_V, (_U,)), "lt_": (_V, (0.0,)), "le_": (_V, (_U,)), "gt_": (_V, (_U,)),
            "ge_": (_V, (_U,)), "greater_": (_V, (_U,)), "less_": (_V, (_U,)),
            "greater_equal_": (_V, (_U,)), "less_equal_": (_V, (_U,)), "not_equal_": (_V, (_U,)),
            "mvlgamma_": (np.abs(_V) + 2, (2,)), "renorm_": (_V, (2, 0, 1.0)), "addmm_": (_V, (_V, _U)),
            "addmv_": (_V[0], (_V, _U[0])), "baddbmm_": (_V[None], (_V[None], _U[None])),
            "scatter_reduce_": (_V, (0, np.zeros((1, 3), np.int64), _U[:1], "amax")),
            "conj_physical_": (_V + 1j * _U, ())}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_more_in_place_methods_are_their_out_of_place_method_written_back(name):
    x, args = IN_PLACE[name]
    want = getattr(tg.tensor(x.copy()), name[:-1])(*args)
    t = tg.tensor(x.copy())
    assert getattr(t, name)(*args) is t
    assert np.asarray(t).dtype == x.dtype  # (a comparison's booleans are cast, as in PyTorch)
    np.testing.assert_array_equal(np.asarray(t), np.asarray(want).astype(x.dtype))


def test_an_in_place_method_on_a_recorded_tensor_is_differentiated():
    x = tg.tensor(_V.copy(), requires_grad=True)
    y = x * 1.0
    y.arctan_()
    tg.sum(y).backward()
    np.testing.assert_allclose(x.grad, 1 / (1 + _V ** 2), rtol=1e-14)


def test_random_fills_in_place_as_weight_initialization_code_writes_them():
    # PyTorch's idioms: conv.weight.data.normal_(0.0, 0.02) (DCGAN), emb.weight.data.uniform_(-a, a)
    # (the word language model), t.uniform_(lo, hi); they raised AttributeError
    conv = tg.nn.Conv2d(3, 8, 3)
    conv.weight.data.normal_(0.0, 0.02)
    w = np.asarray(conv.weight)
    assert 0.01 < w.std() < 0.03 and abs(w.mean()) < 0.01
    emb = tg.nn.Embedding(200, 4)
    emb.weight.data.uniform_(-0.1, 0.1)
    e = np.asarray(emb.weight)
    assert e.min() >= -0.1 and e.max() < 0.1 and e.min() < -0.09 and e.max() > 0.09
    t = tg.tensor(np.zeros(2000))
    assert t.uniform_(2.0, 3.0) is t and 2.0 <= float(t.min()) and float(t.max()) < 3.0
    assert abs(float(t.normal_(5.0, 0.1).mean()) - 5.0) < 0.02
    tg.nn.init.manual_seed(0)  # the default stream, one per thread, as tg.nn.init's
    a = np.asarray(tg.tensor(np.zeros(3)).normal_())
    tg.nn.init.manual_seed(0)
    np.testing.assert_array_equal(np.asarray(tg.tensor(np.zeros(3)).normal_()), a)
    u = tg.tensor(np.zeros(3)).uniform_(-1.0, 1.0, generator=np.random.default_rng(1))
    np.testing.assert_array_equal(np.asarray(u), np.random.default_rng(1).uniform(-1.0, 1.0, 3))
    with pytest.raises(TypeError):  # a value traced by a transform cannot take draws in place
        tg.grad(lambda x: tg.sum(x.normal_()))(np.zeros(3))


def test_new_tensors_take_size_by_keyword_and_requires_grad():
    # t.new_zeros(size=(2, 3)) gave a 0-d tensor (size= was swallowed), requires_grad was ignored
    t = tg.tensor(np.zeros((2, 2)))
    for name in ("new_zeros", "new_ones", "new_empty"):
        assert getattr(t, name)(size=(2, 3)).shape == (2, 3) == getattr(t, name)(2, 3).shape
    a = t.new_zeros(3, requires_grad=True)
    tg.sum(a * 2.0).backward()
    np.testing.assert_array_equal(a.grad, [2.0, 2.0, 2.0])
    assert t.new_full((2,), 3.0, requires_grad=True).requires_grad
    assert not t.new_tensor([1.0, 2.0]).requires_grad and t.new_tensor([1.0], requires_grad=True).requires_grad


def test_methods_with_pytorchs_dim_take_numpys_axis_and_keepdims_too():
    # PyTorch's methods accept axis=/keepdims= for dim=/keepdim= (these raised TypeError)
    x = np.random.default_rng(8).normal(size=(3, 4))
    t = tg.tensor(x)
    np.testing.assert_array_equal(t.amax(axis=1, keepdims=True), t.amax(dim=1, keepdim=True))
    np.testing.assert_array_equal(t.unsqueeze(axis=1), t.unsqueeze(1))
    np.testing.assert_array_equal(t.cummax(axis=1)[0], t.cummax(dim=1)[0])
    np.testing.assert_allclose(t.logsumexp(axis=0), t.logsumexp(dim=0))
    with pytest.raises(TypeError, match="give dim or axis"):
        t.amax(dim=1, axis=1)
