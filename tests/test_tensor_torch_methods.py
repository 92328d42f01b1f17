"""PyTorch's Tensor methods on tensorgrad tensors (tensorgrad.tensor_torch): values against
NumPy/SciPy equivalents, gradients against central differences and closed forms, the
NumPy-meaning-stays rule, in-place methods, and tg.jit / tg.vmap."""
import pickle
import warnings

import numpy as np
import pytest
from scipy import special as sp

import tensorgrad as tg
import tensorgrad.numpy as jnp
from tensorgrad.testing import central_difference_gradient

rng = np.random.default_rng(7)
A = rng.standard_normal((3, 4))
B = rng.standard_normal((3, 4))
P = rng.uniform(0.1, 0.9, (3, 4))
W = rng.standard_normal((4, 2))


def val(t):
    return np.asarray(tg.stop_gradient(t).numpy() if isinstance(t, tg.Tensor) else t)


UNARY = [("exp", np.exp, A), ("expm1", np.expm1, A), ("log1p", np.log1p, P),
         ("rsqrt", lambda a: 1 / np.sqrt(a), P), ("sigmoid", sp.expit, A),
         ("relu", lambda a: np.maximum(a, 0), A), ("erf", sp.erf, A), ("erfinv", sp.erfinv, P),
         ("lgamma", sp.gammaln, P), ("digamma", sp.digamma, P), ("logit", sp.logit, P),
         ("asinh", np.arcsinh, A), ("atan", np.arctan, A), ("frac", lambda a: a - np.trunc(a), A),
         ("neg", np.negative, A), ("reciprocal", lambda a: 1 / a, P), ("square", np.square, A)]


@pytest.mark.parametrize("name,ref,a", UNARY, ids=[u[0] for u in UNARY])
def test_unary_values_and_gradients(name, ref, a):
    np.testing.assert_allclose(val(getattr(tg.tensor(a), name)()), ref(a), rtol=1e-12)
    w = np.cos(np.arange(a.size)).reshape(a.shape)
    g = tg.grad(lambda x: (getattr(x, name)() * w).sum())(a)
    fd = central_difference_gradient(lambda x: (ref(x) * w).sum(), a)
    np.testing.assert_allclose(g, fd, rtol=1e-5, atol=1e-6)


def test_binary_keywords_and_rounding():
    x = tg.tensor(A)
    np.testing.assert_allclose(val(x.add(B, alpha=2)), A + 2 * B)
    np.testing.assert_allclose(val(x.sub(B, alpha=3)), A - 3 * B)
    np.testing.assert_allclose(val(x.rsub(B)), B - A)
    np.testing.assert_allclose(val(x.div(B, rounding_mode="trunc")), np.trunc(A / B))
    np.testing.assert_allclose(val(x.div(B, rounding_mode="floor")), np.floor_divide(A, B))
    i, j = np.array([7, -7, 7, -7]), np.array([2, 2, -2, -2])
    out = tg.tensor(i).div(j, rounding_mode="trunc")
    assert out.dtype == np.int64 and val(out).tolist() == [3, -3, -3, 3]
    np.testing.assert_allclose(val(x.lerp(B, 0.25)), A + 0.25 * (B - A))
    np.testing.assert_allclose(val(x.addcdiv(B, P, value=0.5)), A + 0.5 * B / P)
    np.testing.assert_allclose(val(x.xlogy(P)), A * np.log(P))
    assert val(x.ge(B)).dtype == bool and (val(x.ge(B)) == (A >= B)).all()
    assert x.allclose(A + 1e-12) is True and x.equal(A) is True and x.equal(A[:2]) is False
    np.testing.assert_allclose(val(x.where(x > 0, B)), np.where(A > 0, A, B))
    with pytest.raises(ValueError, match="rounding_mode"):
        x.div(B, rounding_mode="round")


def test_clamp_gradient_counts_the_bounds_as_inside():
    g = tg.grad(lambda x: x.clamp(min=1.0, max=2.0).sum())(np.array([0.5, 1.0, 1.5, 2.0, 3.0]))
    np.testing.assert_array_equal(g, [0, 1, 1, 1, 0])
    assert (val(tg.tensor(A).clamp_min(0.2)) == np.maximum(A, 0.2)).all()
    assert (val(tg.tensor(A).clip(min=-0.1, max=0.1)) == np.clip(A, -0.1, 0.1)).all()


def test_reductions_take_dim_and_keepdim():
    x = tg.tensor(A)
    np.testing.assert_allclose(val(x.sum(dim=1, keepdim=True)), A.sum(1, keepdims=True))
    np.testing.assert_allclose(val(x.mean(dim=(0, 1))), A.mean())
    assert x.sum(1).shape == (3,)  # NumPy-style stays
    with pytest.raises(TypeError, match="dim= and axis="):
        x.sum(dim=0, axis=0)
    np.testing.assert_allclose(val(x.std(dim=1)), A.std(1, ddof=1))
    np.testing.assert_allclose(val(x.var(dim=0, unbiased=False)), A.var(0))
    np.testing.assert_allclose(val(x.var(dim=1, correction=2)), A.var(1, ddof=2))
    np.testing.assert_allclose(val(x.std()), A.std(ddof=1))  # a tensor of PyTorch's: unbiased
    np.testing.assert_allclose(val(x.std(0)), A.std(0, ddof=1))
    np.testing.assert_allclose(val(x.var(1, False)), A.var(1))
    np.testing.assert_allclose(val(x.std(ddof=0)), A.std())  # NumPy's keywords: NumPy's
    np.testing.assert_allclose(val(x.var(axis=1)), A.var(1))
    np.testing.assert_allclose(val(jnp.asarray(A).std()), A.std())  # a jnp array: NumPy's
    np.testing.assert_allclose(tg.grad(lambda a: a.std())(A), tg.grad(lambda a: tg.std(a))(A))
    np.testing.assert_allclose(val(x.logsumexp(1)), sp.logsumexp(A, 1))
    np.testing.assert_allclose(val(x.norm()), np.linalg.norm(A))
    np.testing.assert_allclose(val(x.norm(1, dim=0)), np.abs(A).sum(0))
    np.testing.assert_allclose(val(x.norm("nuc")), np.linalg.norm(A, "nuc"))
    np.testing.assert_allclose(val(x.dist(B)), np.linalg.norm(A - B))
    np.testing.assert_allclose(val(x.softmax(1)), sp.softmax(A, 1))
    np.testing.assert_allclose(val(x.logcumsumexp(1)), np.log(np.cumsum(np.exp(A), 1)))


def test_max_min_forms():
    x = tg.tensor(A)
    r = x.max(dim=1)
    assert r.values.shape == (3,) and r.indices.dtype == np.int64
    assert (val(r.indices) == A.argmax(1)).all() and (val(r.values) == A.max(1)).all()
    assert x.min(dim=0, keepdim=True).indices.shape == (1, 4)
    v, i = x.max(1)  # a tensor of PyTorch's: (values, indices), positionally too
    assert (val(v) == A.max(1)).all() and (val(i) == A.argmax(1)).all()
    assert (val(x.min(0)[1]) == A.argmin(0)).all()
    assert (val(x.max(axis=1)) == A.max(1)).all()  # NumPy's keyword: the values
    assert (val(jnp.asarray(A).max(1)) == A.max(1)).all()  # a jnp array: NumPy's
    assert (tg.grad(lambda a: a.max(1).sum())(A) == tg.grad(lambda a: tg.max(a, 1).sum())(A)).all()
    assert (val(x.max(B)) == np.maximum(A, B)).all()
    g = tg.grad(lambda v: v.max(dim=1).values.sum())(np.array([[1.0, 3.0, 3.0]]))
    np.testing.assert_array_equal(g, [[0, 1, 0]])  # the chosen entry only
    mm = x.aminmax(dim=1)
    assert (val(mm.min) == A.min(1)).all() and (val(mm.max) == A.max(1)).all()
    for call in (lambda: x.max(1, keepdim=True), lambda: x.max(1, True)):  # PyTorch's keepdim: PyTorch's form
        v, i = call()
        assert v.shape == i.shape == (3, 1) and (val(i)[:, 0] == A.argmax(1)).all()
        assert (val(v)[:, 0] == A.max(1)).all()
    assert x.min(-1, False).indices.shape == (3,) and (val(x.min(0, keepdim=False)[1]) == A.argmin(0)).all()
    with pytest.raises(TypeError, match="needs a dim"):
        x.max(keepdim=True)


def test_pytorchs_positional_keepdim_and_unbiased():
    """A bool where NumPy's method takes a dtype or an out array (and refuses a bool) is
    PyTorch's positional form: (dim, keepdim), and (dim, unbiased, keepdim) for std/var."""
    x = tg.tensor(A)
    for name in ("sum", "mean", "prod", "all", "any", "argmax", "argmin"):
        got = getattr(x, name)(1, True)
        want = getattr(A, name)(1, keepdims=True)
        assert got.shape == (3, 1) and (val(got) == want).all(), name
        assert getattr(x, name)(0, False).shape == (4,)
    np.testing.assert_allclose(val(x.std(1, True)), A.std(1, ddof=1))
    np.testing.assert_allclose(val(x.var(1, False)), A.var(1))
    np.testing.assert_allclose(val(x.std(0, True, True)), A.std(0, ddof=1, keepdims=True))
    np.testing.assert_allclose(val(x.var(False)), A.var())
    np.testing.assert_allclose(val(x.std(True)), A.std(ddof=1))
    with pytest.raises(TypeError, match="both by position and by keyword"):
        x.sum(1, True, keepdim=False)
    with pytest.raises(TypeError, match=r"PyTorch's form takes \(dim, keepdim\)"):
        x.sum(1, True, 3)


def test_sort_topk_kthvalue_median_cummax():
    x = tg.tensor(A)
    s = x.sort(dim=0, descending=True)
    assert (val(s.values) == -np.sort(-A, 0)).all()
    assert (np.take_along_axis(A, val(s.indices), 0) == val(s.values)).all()
    assert (val(x.sort(dim=-1).values) == np.sort(A, -1)).all()
    assert (val(x.sort().values) == np.sort(A, -1)).all()  # a tensor of PyTorch's: PyTorch's
    with pytest.raises(TypeError, match="immutable"):  # NumPy's a.sort() would sort in place
        jnp.asarray(A).sort()
    assert (val(x.argsort(dim=1, descending=True)) == np.argsort(-A, 1)).all()
    k = x.topk(2, dim=1)
    assert (val(k.values) == -np.sort(-A, 1)[:, :2]).all()
    assert (val(x.kthvalue(2, 0).values) == np.sort(A, 0)[1]).all()
    assert val(x.median()) == np.sort(A.ravel())[(A.size - 1) // 2]  # the lower middle value
    assert (val(x.median(dim=1).values) == np.sort(A, 1)[:, 1]).all()
    nan, inf = np.nan, np.inf
    for a, grad in (([3.0, 1.0, 3.0, 2.0, 3.0], [1 / 3, 0, 1 / 3, 0, 1 / 3]),  # ties share it, as in PyTorch
                    ([1.0, 2.0, 2.0, 3.0], [0, 0.5, 0.5, 0]), ([inf, inf, 1.0], [0.5, 0.5, 0]),
                    ([2.0, -inf, -inf], [0, 0.5, 0.5]), ([nan, 1.0, nan], [0.5, 0, 0.5])):
        v, g = tg.value_and_grad(lambda t: t.median())(np.array(a))
        assert np.array_equal(v, np.sort(a)[(len(a) - 1) // 2] if nan not in a else nan, equal_nan=True)
        np.testing.assert_allclose(g, grad)
    m = tg.tensor(np.array([[1.0, nan, 2.0, nan], [3.0, 1.0, 2.0, 0.0]]))
    r = m.median(dim=1)  # a NaN makes the median NaN, at the first NaN
    assert np.array_equal(val(r.values), [nan, 1.0], equal_nan=True) and val(r.indices).tolist() == [1, 1]
    r = m.nanmedian(dim=1, keepdim=True)  # nanmedian: the lower median of the other entries
    assert val(r.values).tolist() == [[1.0], [1.0]] and val(r.indices).tolist() == [[0], [1]]
    assert val(m.nanmedian()) == 1.0 and np.isnan(val(tg.tensor(np.array([nan, nan])).nanmedian()))
    c = tg.tensor(np.array([1.0, 3.0, 2.0, 3.0, 5.0])).cummax(0)
    assert val(c.values).tolist() == [1, 3, 3, 3, 5] and val(c.indices).tolist() == [0, 1, 1, 3, 4]
    g = tg.grad(lambda v: (v.topk(2).values * np.array([1.0, 10.0])).sum())(np.array([0.0, 5.0, 2.0]))
    np.testing.assert_array_equal(g, [0, 1, 10])


def test_shapes():
    x = tg.tensor(A)
    assert x.view(-1).shape == (12,) and x.view(2, 6).shape == (2, 6) and x.view((6, 2)).shape == (6, 2)
    assert x.unsqueeze(-1).shape == (3, 4, 1) and x.unsqueeze(0).shape == (1, 3, 4)
    with pytest.raises(IndexError, match="Tensor.unsqueeze: dim 5 is out of range"):
        x.unsqueeze(5)
    with pytest.raises(TypeError, match="Tensor.view"):
        x.view(np.float32)
    c = tg.tensor(rng.standard_normal((2, 3, 4)))
    assert (val(c.permute(2, 0, 1)) == val(c).transpose(2, 0, 1)).all()
    assert c.transpose(0, 2).shape == (4, 3, 2)
    assert x.transpose(1, 0).shape == (4, 3)
    assert x[:1].expand(5, 2, -1).shape == (5, 2, 4)
    with pytest.raises(ValueError, match="Tensor.expand"):
        x.expand(3, 5)
    assert [p.shape for p in x.split(3, dim=1)] == [(3, 3), (3, 1)]
    assert [p.shape for p in x.split([1, 3], dim=1)] == [(3, 1), (3, 3)]
    assert [p.shape for p in x.chunk(3, dim=1)] == [(3, 2), (3, 2)]
    assert len(x.unbind(1)) == 4 and (val(x.narrow(1, 1, 2)) == A[:, 1:3]).all()
    assert c.flatten(1).shape == (2, 12) and c.flatten(start_dim=0, end_dim=1).shape == (6, 4)
    assert c.flatten().shape == (24,)  # NumPy's
    assert x[None].squeeze(dim=1).shape == (1, 3, 4) and x[None].squeeze(dim=0).shape == (3, 4)
    assert x.unflatten(1, (2, -1)).shape == (3, 2, 2) and x.t().shape == (4, 3)
    d = tg.tensor(A[0]).diag_embed(1)
    assert (val(d) == np.diag(A[0], 1)).all()
    assert (val(x.tril(-1)) == np.tril(A, -1)).all() and x.contiguous() is x


def test_size_is_an_int_and_a_method():
    x = tg.tensor(A)
    assert x.size == 12 and x.size * 2 == 24 and int(x.size) == 12 and f"{x.size}" == "12"
    assert x.size() == (3, 4) and x.size(-1) == 4 and x.size(0) == 3
    assert pickle.loads(pickle.dumps(x.size)) == 12
    with pytest.raises(IndexError, match="Tensor.size"):
        x.size(2)


def test_size_promotes_as_a_python_int():
    # NEP 50: NumPy takes a Python int as weak (float32 / n stays float32, int8 * n int8), but
    # an int subclass as a strong int64: t.size, an int that is also PyTorch's size(), gave
    # float64 means of float32 values, in the forward value and under tg.grad
    f32 = np.ones(3, np.float32)
    t = tg.tensor(f32)
    assert (t / t.size).dtype == np.float32 and (t.size * t).dtype == np.float32
    assert (t.sum() / t.size).dtype == np.float32
    assert (np.ones(2, np.int8) * t.size).dtype == np.int8 and (f32 / t.size).dtype == np.float32
    value, g = tg.value_and_grad(lambda a: (a * a).sum() / a.size)(f32)
    assert value.dtype == np.float32 and g.dtype == np.float32
    mask = np.array([True, False, True])  # NumPy's functions too, as with NumPy's own a.size
    assert np.where(mask, t.size, f32).dtype == np.float32 == np.result_type(t.size, f32)
    assert np.linspace(np.float32(0), t.size, 3).dtype == np.float32
    assert np.zeros((t.size, 2)).shape == (3, 2) and np.prod([t.size, 2]) == 6


def test_products_and_indexing_gradients():
    x = tg.tensor(A)
    np.testing.assert_allclose(val(x.mm(W)), A @ W)
    np.testing.assert_allclose(val(tg.tensor(A[:, :2]).addmm(A, W, beta=0.5, alpha=2)),
                               0.5 * A[:, :2] + 2 * A @ W)
    with pytest.raises(ValueError, match="Tensor.mm"):
        x.mm(W[:, 0])
    idx = np.array([[0, 3], [1, 1], [2, 0]])
    np.testing.assert_allclose(val(x.gather(1, idx)), np.take_along_axis(A, idx, 1))
    g = tg.grad(lambda v: (v.gather(1, idx) ** 2).sum())(A)
    expect = np.zeros_like(A)
    np.add.at(expect, (np.arange(3)[:, None], idx), 2 * np.take_along_axis(A, idx, 1))
    np.testing.assert_allclose(g, expect)
    sidx = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])
    ref = A.copy()
    np.add.at(ref, (sidx, np.arange(4)), B[:2])
    np.testing.assert_allclose(val(x.scatter_add(0, sidx, B)), ref)
    gb = tg.grad(lambda b: (x.scatter_add(0, sidx, b) * A).sum())(B)
    np.testing.assert_allclose(gb[:2], A[sidx, np.arange(4)])
    np.testing.assert_allclose(gb[2], 0)
    assert (val(x.masked_fill(x > 0, 0.0)) == np.where(A > 0, 0, A)).all()
    assert (val(x.masked_select(x > 0)) == A[A > 0]).all()
    assert (val(x.index_select(1, np.array([3, 0]))) == A[:, [3, 0]]).all()
    ia = A.copy()
    np.add.at(ia, (slice(None), [0, 2, 0]), 2 * B[:, :3])
    np.testing.assert_allclose(val(x.index_add(1, np.array([0, 2, 0]), B[:, :3], alpha=2)), ia)
    assert (val((x > 0).nonzero(as_tuple=False)) == np.argwhere(A > 0)).all()


def test_casting():
    x = tg.tensor(A)
    assert x.float().dtype == np.float32 and x.long().dtype == np.int64 and x.half().dtype == np.float16
    assert x.to(np.float32).dtype == np.float32 and x.to("cpu") is x
    assert x.type_as(tg.tensor(np.ones(2, np.int32))).dtype == np.int32
    with pytest.raises(ValueError, match="CPU only"):
        x.to("cuda")
    # PyTorch's flags by position: to(dtype, non_blocking, copy), to(device, dtype, ...)
    assert x.to(np.float64, True) is x and x.to("cpu", np.float64, False, False) is x
    c = x.to(np.float64, False, True)
    assert c is not x and c.dtype == np.float64 and (c.numpy() == A).all()
    assert x.to(x, False, True) is not x and x.to(np.float32, True, True).dtype == np.float32
    with pytest.raises(TypeError, match=r"at most two flags \(non_blocking, copy\)"):
        x.to(np.float64, False, True, True)
    z = x.new_zeros(2, 5)
    assert z.shape == (2, 5) and z.dtype == x.dtype and not z.requires_grad
    assert x.is_floating_point() and not x.is_complex() and x.element_size() == 8
    g = tg.grad(lambda v: v.float().double().sum())(A)
    np.testing.assert_allclose(g, np.ones_like(A))


def test_second_derivatives_and_backward():
    h = tg.hessian(lambda v: v.logsumexp(0))(A[:, 0])
    p = sp.softmax(A[:, 0])
    np.testing.assert_allclose(h, np.diag(p) - np.outer(p, p), atol=1e-12)
    x = tg.tensor(A, requires_grad=True)
    x.pow(2).sum(dim=1, keepdim=True).sqrt().sum().backward()
    np.testing.assert_allclose(x.grad, A / np.linalg.norm(A, axis=1, keepdims=True))


def test_in_place_methods_follow_the_rule_of_plus_equals():
    x = tg.tensor(A, requires_grad=True)
    h = x * 2
    assert h.add_(1) is h and h.mul_(x) is h
    h.sum().backward()
    np.testing.assert_allclose(x.grad, 4 * A + 1)
    with pytest.raises(RuntimeError, match="Tensor.add_"):
        x.add_(1)
    with tg.no_grad():
        x.sub_(0.5).clamp_(max=0.0)
    assert x.is_leaf and (val(x) == np.minimum(A - 0.5, 0)).all()
    c = tg.tensor(np.ones(3))
    c.fill_(2.0).mul_(3)
    assert val(c).tolist() == [6, 6, 6]
    c.zero_()
    assert val(c).tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="keep"):
        c.add_(np.ones((2, 3)))
    with pytest.raises(TypeError, match="immutable.*t.exp"):
        tg.grad(lambda v: v.exp_().sum())(A)
    with pytest.raises(TypeError, match="immutable"):
        tg.jit(lambda v: v.add_(1))(A)


def _mixed(v):
    return (v.exp().sum(dim=1, keepdim=True) + v.max(dim=1).values[:, None] + v.view(-1).sum()
            + v.topk(2).values.sum(dim=1, keepdim=True) + v.cummax(1).values
            + v.gather(1, np.zeros((3, 1), int)) + v.median(dim=1).values[:, None]
            + v.masked_fill(v > 0.5, 0.0) + v.norm(dim=1, keepdim=True) + v.size(1)
            + v.scatter_add(1, np.zeros((3, 2), int), v[:, :2]) + v.std(dim=0))


def test_jit_and_vmap_agree_with_eager():
    eager = val(_mixed(tg.tensor(P)))
    np.testing.assert_allclose(val(tg.jit(_mixed)(P)), eager)
    np.testing.assert_allclose(val(tg.vmap(_mixed)(np.stack([P, P]))), np.stack([eager, eager]))
    g = tg.grad(lambda v: _mixed(v).sum())
    np.testing.assert_allclose(val(tg.jit(g)(P)), val(g(P)))
    fd = central_difference_gradient(lambda a: val(_mixed(tg.tensor(a))).sum(), P)
    np.testing.assert_allclose(val(g(P)), fd, rtol=1e-5, atol=1e-5)


def test_transpose_numpy_axes_and_pytorch_dims():
    m = tg.tensor(A)
    assert val(m.transpose(dim0=0, dim1=1)).tolist() == A.T.tolist()  # PyTorch's keywords swap
    assert val(m.transpose(1, 0)).tolist() == A.T.tolist()  # the same in both meanings
    assert val(m.transpose(0, 1)).tolist() == A.T.tolist()  # a tensor of PyTorch's: the swap
    assert val(m.transpose((0, 1))).tolist() == A.tolist()  # a permutation: NumPy's
    assert val(jnp.asarray(A).transpose(0, 1)).tolist() == A.tolist()  # a jnp array: NumPy's
    assert val(m.transpose(-2, -1)).tolist() == A.T.tolist()  # negative axes: PyTorch's swap, also
    assert val(m.transpose(-1, -2)).tolist() == A.T.tolist()  # on a matrix (q @ k.transpose(-2, -1))
    c = tg.tensor(np.arange(24.0).reshape(2, 3, 4))
    assert val(c.transpose(0, 2)).shape == (4, 3, 2)  # two axes of a 3-d tensor: PyTorch's swap
    assert val(c.transpose(2, 0, 1)).shape == (4, 2, 3)  # a full permutation: NumPy's
    assert val(c.transpose(dim0=1, dim1=1)).tolist() == val(c).tolist()
    with pytest.raises(TypeError, match="dim0, dim1"):
        c.transpose(0, dim2=1)


def test_flatten_and_transpose_check_pytorchs_dims():
    # PyTorch's range checks: a dim out of range is an IndexError, never wrapped around
    c = tg.tensor(np.arange(24.0).reshape(2, 3, 4))
    v = tg.tensor(np.arange(4.0))
    assert c.flatten(-1).shape == (2, 3, 4) and c.flatten(1, -1).shape == (2, 12)
    assert c.flatten(-2, -1).shape == (2, 12) and c.flatten(0, -2).shape == (6, 4)
    assert tg.tensor(np.float64(3.0)).flatten(-1, 0).shape == (1,)
    for shape in [(0, 0), (2, 0, 3), (0, 3, 4)]:  # no entries: the merged length is still known
        e = tg.zeros(*shape)
        for start in range(len(shape)):
            merged = shape[:start] + (int(np.prod(shape[start:])),)
            assert e.flatten(start).shape == merged and e.flatten(0, start).shape == \
                (int(np.prod(shape[:start + 1])),) + shape[start + 1:]
    for bad in [(5,), (-4,), (3,), (0, 3), (2, 7)]:
        with pytest.raises(IndexError, match="flatten: dim -?[0-9] is out of range"):
            c.flatten(*bad)
    with pytest.raises(ValueError, match="start_dim 2 comes after end_dim 0"):
        c.flatten(2, 0)
    assert val(c.transpose(0, -1)).shape == (4, 3, 2) and val(c.transpose(-1, 2)).shape == (2, 3, 4)
    assert val(v.transpose(0, -1)).tolist() == [0.0, 1.0, 2.0, 3.0]
    for t, bad in [(c, (0, 3)), (c, (-4, 1)), (v, (0, 5)), (v, (1, 0)), (tg.tensor(np.float64(1.0)), (0, 2))]:
        with pytest.raises(IndexError, match="transpose: dim -?[0-9] is out of range"):
            t.transpose(*bad)


def test_zero_norm_counts_entries_and_keeps_a_zero_slope_on_the_tape():
    """t.norm(p=0) requires grad and backward() succeeds with zeros, as PyTorch's (before, the
    count left the tape and backward() raised); NaN entries count, as NumPy's."""
    for a in (np.array([1.0, 0.0, -2.0]), np.array([np.nan, 0.0, 3.0]), np.array([-np.inf, 0.0, 0.0])):
        t = tg.tensor(a, requires_grad=True)
        n = t.norm(p=0)
        assert n.requires_grad and val(n) == np.linalg.norm(a, 0)
        n.backward()
        assert np.array_equal(t.grad, np.zeros(3))
    assert tg.linalg.norm(np.array([1, 0, 3], np.float32), 0).dtype == np.float32
    np.testing.assert_array_equal(tg.grad(lambda v: tg.linalg.norm(v, 0))(np.array([1.0, 0.0])), [0, 0])


def test_view_without_arguments_is_numpys_view_of_the_same_values():
    t = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert t.view().shape == (2, 3) and t.view(3, 2).shape == (3, 2)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(x.view() * 2))(np.ones(2)), [2.0, 2.0])


def test_sort_with_pytorchs_keywords_and_integer_results_as_tensors():
    x = tg.tensor(np.array([[3.0, 1.0], [0.0, 2.0]]))
    v, i = x.sort(0, descending=True)                  # a positional dim with PyTorch's keywords
    assert v.tolist() == [[3.0, 2.0], [0.0, 1.0]] and i.tolist() == [[0, 1], [1, 0]]
    v, i = x.sort(-1, stable=True)
    assert v.tolist() == [[1.0, 3.0], [0.0, 2.0]] and i.tolist() == [[1, 0], [0, 1]]
    v, i = x.sort(0)                                   # a tensor of PyTorch's: PyTorch's sort
    assert v.tolist() == [[0.0, 1.0], [3.0, 2.0]] and i.tolist() == [[1, 0], [0, 1]]
    assert x.sort()[1].tolist() == [[1, 0], [0, 1]]    # (dim -1 by default)
    with pytest.raises(TypeError, match="immutable"):
        jnp.asarray(x.numpy()).sort(0)                 # NumPy's in-place sort: refused
    s = tg.tensor(1.5, requires_grad=True)
    v, i = s.sort(descending=True)                     # a 0-d tensor: itself, at index 0
    assert v.shape == () and i.shape == () and int(i) == 0
    v.backward()
    assert s.grad.item() == 1.0
    u = tg.tensor(np.array([1.0, 1.0, 2.0]))
    _, counts = u.unique(return_counts=True)
    assert isinstance(counts, tg.Tensor) and counts.float().tolist() == [2.0, 1.0]
    for got in (u.count_nonzero(), u.mode().indices, u.frexp().exponent, u.argwhere(),
                u.nonzero(as_tuple=True)[0], tg.tensor(np.array([0, 2, 2])).bincount(), u.isreal()):
        assert isinstance(got, tg.Tensor) and not got.requires_grad
    assert u.nonzero().tolist() == [[0], [1], [2]]      # a tensor of PyTorch's: (n, ndim)
    assert type(jnp.asarray(u.numpy()).nonzero()[0]) is np.ndarray  # NumPy's form: NumPy's arrays


def test_transpose_0_1_of_a_matrix_follows_the_api_that_made_it():
    # PyTorch's m.transpose(0, 1) swaps; NumPy's is the identity permutation of a matrix. A
    # tensor of PyTorch's API (and a value traced from one) swaps, a NumPy array traced by a
    # transform and a jnp array keep NumPy's meaning
    m = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert m.transpose(0, 1).shape == m.transpose(1, 0).shape == m.transpose(-2, -1).shape == (3, 2)
    (m.transpose(0, 1) * np.arange(6.0).reshape(3, 2)).sum().backward()
    assert m.grad.tolist() == np.arange(6.0).reshape(3, 2).T.tolist()
    seen = []
    tg.grad(lambda v: (seen.append(v.transpose(0, 1).shape), tg.sum(v))[1])(np.ones((2, 3)))
    tg.grad(lambda v: (seen.append(v.transpose(0, 1).shape), tg.sum(v))[1])(tg.tensor(np.ones((2, 3))))
    assert seen == [(2, 3), (3, 2)]
    assert jnp.ones((2, 3)).transpose(0, 1).shape == (2, 3)


@pytest.mark.parametrize("make", [
    lambda x: x.div(2.0, rounding_mode="floor"),
    lambda x: tg.floor_divide(x, 2.0),
    lambda x: x.angle(),
    lambda x: tg.angle(x, deg=True),
    lambda x: tg.nn.functional.pdist(x.reshape(3, 1), p=0),
])
def test_ops_of_slope_zero_stay_on_the_graph_as_pytorch(make):
    # PyTorch records these with a zero derivative: backward() fills zeros instead of raising
    x = tg.tensor(np.array([1.5, -2.3, 3.7]), requires_grad=True)
    out = make(x)
    assert isinstance(out, tg.Tensor) and out.requires_grad
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, np.zeros(3))


def test_angle_and_pdist_p0_values_keep_nan_and_signed_zero():
    a = np.array([-0.0, 0.0, -np.inf, np.nan, 2.0])
    np.testing.assert_array_equal(tg.angle(tg.tensor(a)).numpy(), np.angle(a))
    got = tg.nn.functional.pdist(tg.tensor(np.array([[np.nan], [1.0], [1.0]]), requires_grad=True),
                                 p=0)
    np.testing.assert_array_equal(got.detach().numpy(), [1.0, 1.0, 0.0])


def test_shape_changing_in_place_methods_record_as_pytorchs():
    x = tg.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        x.unsqueeze_(0)  # PyTorch's rule for a leaf while recording
    y = x * np.array([1.0, 2.0, 3.0])
    assert y.unsqueeze_(0) is y and y.shape == (1, 3) and y.requires_grad
    y.t_()
    assert y.shape == (3, 1)
    (y * np.arange(3.0).reshape(3, 1)).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 2.0, 6.0])
    z = tg.tensor(np.arange(6.0).reshape(2, 3))
    z.transpose_(0, 1)  # PyTorch's swap, also on a 2-D tensor
    np.testing.assert_array_equal(z.numpy(), np.arange(6.0).reshape(2, 3).T)
    z.unsqueeze_(1).squeeze_()
    assert z.shape == (3, 2)
    z.swapdims_(0, 1)
    assert z.shape == (2, 3)
    with tg.no_grad():
        x.unsqueeze_(0)
    assert x.shape == (1, 3) and x.is_leaf and x.requires_grad
    with pytest.raises(TypeError, match="out-of-place"):
        tg.grad(lambda v: v.unsqueeze_(0).sum())(np.ones(2))  # a transform's values are immutable


@pytest.mark.parametrize("name, args, check", [
    ("bernoulli_", (0.3,), lambda v: set(np.unique(v)) <= {0.0, 1.0} and abs(v.mean() - 0.3) < 0.03),
    ("exponential_", (2.0,), lambda v: v.min() >= 0 and abs(v.mean() - 0.5) < 0.03),
    ("geometric_", (0.25,), lambda v: v.min() >= 1 and np.all(v == np.floor(v)) and abs(v.mean() - 4) < 0.2),
    ("log_normal_", (0.0, 0.5), lambda v: abs(np.log(v).std() - 0.5) < 0.02),
    ("cauchy_", (1.0, 2.0), lambda v: abs(np.median(v) - 1.0) < 0.15),
    ("random_", (3, 7), lambda v: set(np.unique(v)) == {3.0, 4.0, 5.0, 6.0}),
    ("random_", (5,), lambda v: set(np.unique(v)) == {0.0, 1.0, 2.0, 3.0, 4.0}),
])
def test_random_in_place_fills_draw_pytorchs_distributions(name, args, check):
    t = tg.tensor(np.zeros(20000))
    assert getattr(t, name)(*args, generator=np.random.default_rng(0)) is t
    v = t.numpy()
    assert v.dtype == np.float64 and check(v)


def test_an_empty_dim_given_positionally_reduces_every_axis_of_pytorchs_tensors():
    a = np.arange(6.0).reshape(2, 3)
    t = tg.tensor(a)
    for name, want in (("sum", 15.0), ("mean", 2.5), ("nansum", 15.0), ("nanmean", 2.5),
                       ("var", 3.5), ("std", np.sqrt(3.5)), ("amax", 5.0)):
        for dims in ((), []):
            np.testing.assert_allclose(np.asarray(getattr(t, name)(dims)), want, rtol=1e-15)
            np.testing.assert_allclose(np.asarray(getattr(tg, name)(t, dims)), want, rtol=1e-15)
    np.testing.assert_array_equal(np.asarray(t.sum((), True)), [[15.0]])
    x = tg.tensor(a, requires_grad=True)
    x.mean(()).backward()
    np.testing.assert_array_equal(np.asarray(x.grad), np.full((2, 3), 1 / 6))
    # NumPy's axis=() (and NumPy-style values, positionally) reduce over no axis
    np.testing.assert_array_equal(np.asarray(t.sum(axis=())), a)
    np.testing.assert_array_equal(np.asarray(tg.sum(a, ())), a)
    np.testing.assert_array_equal(np.asarray(tg.numpy.asarray(a).sum(())), a)


def test_clamp_with_bounds_that_require_grad_takes_pytorchs_derivative():
    # the whole cotangent to x where min <= x <= max (ties included), to a bound x passes;
    # a NaN bound gives NaN and no gradient to either
    w = np.arange(1.0, 6.0)
    x = tg.tensor(np.array([0.0, 1.0, 2.0, 3.0, 0.5]), requires_grad=True)
    lo = tg.tensor(np.array([1.0, 1.0, 1.0, np.nan, 0.0]), requires_grad=True)
    hi = tg.tensor(np.array([2.0, 2.5, 2.0, 5.0, 0.5]), requires_grad=True)
    y = x.clamp(min=lo, max=hi)
    np.testing.assert_array_equal(np.asarray(y.detach()), [1.0, 1.0, 2.0, np.nan, 0.5])
    (y * tg.tensor(w)).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [0.0, 2.0, 3.0, 0.0, 5.0])
    np.testing.assert_array_equal(np.asarray(lo.grad), [1.0, 0.0, 0.0, 0.0, 0.0])
    np.testing.assert_array_equal(np.asarray(hi.grad), [0.0, 0.0, 0.0, 0.0, 0.0])
    x.grad = hi.grad = None
    (tg.clamp(x, max=hi) * tg.tensor(w)).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [1.0, 2.0, 3.0, 4.0, 5.0])
    # a NaN entry passes nothing; min = max: only max takes what passes it; min > max: max all
    # (but for the NaN output of the NaN entry, where PyTorch passes its cotangent on too)
    w5 = tg.tensor(np.array([1.0, 2.0, 4.0, 8.0, 16.0]))
    for lo_v, hi_v, gx, glo, ghi in ((0.5, 0.5, [0, 0, 0, 8, 0], 0, 16), (1.0, 0.0, [0] * 5, 0, 30),
                                     (0.0, 1.0, [0, 0, 4, 8, 0], 2, 16)):
        x = tg.tensor(np.array([np.nan, -2.0, 0.0, 0.5, 2.0]), requires_grad=True)
        lo = tg.tensor(np.float64(lo_v), requires_grad=True)
        hi = tg.tensor(np.float64(hi_v), requires_grad=True)
        (x.clamp(lo, hi) * w5).sum().backward()
        np.testing.assert_array_equal(np.asarray(x.grad), gx)
        assert float(np.asarray(lo.grad)) == glo and float(np.asarray(hi.grad)) == ghi
    # PyTorch's clip is clamp's alias: the same derivative, as a method and as tg.clip
    for f in (lambda a, b, c: a.clip(b, c), lambda a, b, c: tg.clip(a, min=b, max=c)):
        x, lo, hi = (tg.tensor(np.array(v), requires_grad=True) for v in ([-1.0, 0.0], [-1.0, 0.0], [1.0, 0.0]))
        f(x, lo, hi).sum().backward()
        np.testing.assert_array_equal(np.asarray(x.grad), [1.0, 1.0])
    # infinite entries: selected, never subtracted
    x = tg.tensor(np.array([np.inf, -np.inf, 1.0]), requires_grad=True)
    lo = tg.tensor(np.float64(0.0), requires_grad=True)
    y = x.clamp(min=lo)
    np.testing.assert_array_equal(np.asarray(y.detach()), [np.inf, 0.0, 1.0])
    (y * tg.tensor(np.array([1.0, 2.0, 4.0]))).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [1.0, 0.0, 4.0])
    assert float(np.asarray(lo.grad)) == 2.0
    # JAX's clip of NumPy-style values keeps its ½ at a tie
    g = tg.grad(lambda a, b: tg.sum(tg.clip(a, b, None)), argnums=(0, 1))(np.array([1.0]), np.array([1.0]))
    np.testing.assert_array_equal(g, [[0.5], [0.5]])


def test_pytorchs_methods_that_are_top_level_functions_on_the_tensor():
    a = np.array([[4.0, 1.0], [1.0, 3.0]])
    t = tg.tensor(a)
    np.testing.assert_array_equal(np.asarray(t.adjoint()), a.T)
    np.testing.assert_array_equal(np.asarray(tg.tensor(np.array([1, 2, 3])).bitwise_left_shift(2)), [4, 8, 12])
    np.testing.assert_array_equal(np.asarray(tg.tensor(np.array([1, 2, 3])).bitwise_right_shift(1)), [0, 1, 1])
    np.testing.assert_allclose(np.asarray(t.igamma(t)), sp.gammainc(a, a), rtol=1e-14)
    np.testing.assert_allclose(np.asarray(t.igammac(t)), sp.gammaincc(a, a), rtol=1e-14)
    np.testing.assert_array_equal(np.asarray(t.hardshrink(1.5)), np.where(np.abs(a) > 1.5, a, 0))
    u, s, v = t.svd()
    np.testing.assert_allclose(np.asarray(u) @ np.diag(np.asarray(s)) @ np.asarray(v).T, a, rtol=1e-14)
    q, r = t.qr()
    np.testing.assert_allclose(np.asarray(q) @ np.asarray(r), a, rtol=1e-14)
    L = np.linalg.cholesky(a)
    b = np.array([[1.0], [2.0]])
    np.testing.assert_allclose(np.asarray(tg.tensor(b).cholesky_solve(tg.tensor(L))), np.linalg.solve(a, b),
                               rtol=1e-14)
    # gradients flow through them as through the functions
    x = tg.tensor(a, requires_grad=True)
    x.svd()[1].sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), tg.grad(lambda m: tg.sum(tg.linalg.svd(m)[1]))(a),
                               rtol=1e-12)
    assert t.is_same_size(tg.tensor(np.ones((2, 2)))) and not t.is_same_size(tg.tensor(np.ones(2)))
    assert tg.tensor(np.array([2.0])).is_nonzero() and not tg.tensor(np.array([0.0])).is_nonzero()
    with pytest.raises(RuntimeError, match="exactly one"):
        t.is_nonzero()
    assert t.is_signed() and not tg.tensor(np.array([1], np.uint8)).is_signed()


def test_scatter_and_index_methods_of_a_0d_tensor_see_one_axis_as_pytorchs():
    x = tg.tensor(np.float64(1.5), requires_grad=True)
    v = tg.tensor(np.float64(2.0), requires_grad=True)
    i0, i1 = tg.tensor(np.int64(0)), tg.tensor(np.array([0]))
    for got, want in ((x.scatter_reduce(0, i0, v, "sum"), 3.5), (x.index_add(0, i1, v), 3.5),
                      (x.scatter(0, i0, v), 2.0), (x.index_fill(0, i1, 3.0), 3.0),
                      (x.index_copy(0, i1, v), 2.0), (x.gather(0, i0), 1.5)):
        assert np.shape(np.asarray(got.detach())) == () and float(np.asarray(got.detach())) == want
    x.scatter_reduce(0, i0, v, "sum").backward()
    assert float(np.asarray(x.grad)) == 1.0 and float(np.asarray(v.grad)) == 1.0


def test_max_and_min_over_an_empty_dim_name_themselves():
    empty = tg.tensor(np.zeros((0, 3)))
    for name, call in (("max", lambda: empty.max(dim=0)), ("min", lambda: empty.min(0))):
        with pytest.raises(IndexError, match=f"Tensor.{name}: dim 0 has size 0"):
            call()
    values, indices = empty.max(dim=1)  # the other dim is fine: empty results
    assert values.shape == indices.shape == (0,)


def test_adjoint_is_a_view_as_in_pytorch():
    y = tg.tensor(np.zeros((2, 3)))
    y.adjoint()[0, 1] = 5.0  # (a copy before: the write was lost)
    np.testing.assert_array_equal(y.numpy(), [[0, 0, 0], [5, 0, 0]])
    x = tg.tensor(np.ones((2, 3)), requires_grad=True)
    z = x * 1
    z.adjoint().mul_(2)
    z.sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match="Tensor.adjoint: needs a matrix"):
        tg.tensor(np.ones(3)).adjoint()


def test_svd_names_its_parts_as_pytorch():
    a = tg.tensor(np.arange(6.0).reshape(2, 3))
    r = a.svd()
    U, S, V = r  # still a 3-tuple
    assert r.U is U and r.S is S and r.V is V and type(r).__name__ == "svd"
    np.testing.assert_allclose((U * S) @ V.T, np.arange(6.0).reshape(2, 3), atol=1e-12)
    assert tg.svd(np.eye(2), compute_uv=False).U.shape == (2, 2)


def test_isreal_of_a_0d_tensor_is_a_tensor():
    r = tg.tensor(1.0).isreal()
    assert isinstance(r, tg.Tensor) and r.shape == () and bool(r)
    assert tg.jit(lambda z: z.isreal())(np.ones(3)).tolist() == [True] * 3  # (traced too)
