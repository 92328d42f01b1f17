"""PyTorch's remaining Tensor methods (tensorgrad/tensor_torch_gaps.py): values against NumPy,
gradients against finite differences, the in-place rules and the errors."""
import warnings

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.tensor_torch_gaps import lu_unpack, strided

RNG = np.random.default_rng(0)


def r(*shape):
    return RNG.standard_normal(shape)


def grads_ok(f, *args):
    assert tg.check.check_grads(f, *args, order=1)


# ---- scatter forms of views ----------------------------------------------------------------------
@pytest.mark.parametrize("shape,offset,d1,d2", [((3, 4), 0, 0, 1), ((3, 4), 1, 0, 1), ((3, 4), -2, 0, 1),
                                                ((4, 3), 2, 1, 0), ((2, 3, 4), 1, -2, -1), ((3, 3), 5, 0, 1)])
def test_diagonal_scatter(shape, offset, d1, d2):
    x = r(*shape)
    n = np.diagonal(x, offset, d1, d2).shape
    src = r(*n)
    want = x.copy()
    view = np.diagonal(want, offset, d1, d2)
    view.setflags(write=True)
    view[...] = src
    got = tg.tensor(x).diagonal_scatter(tg.tensor(src), offset, d1, d2)
    np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(np.diagonal(got.numpy(), offset, d1, d2), src)
    grads_ok(lambda a, b: tg.diagonal_scatter(a, b, offset, d1, d2) ** 2, x, src)


def test_scatter_shape_errors():
    with pytest.raises(RuntimeError, match=r"diagonal_scatter.*\(3,\).*\(2,\)"):
        tg.tensor(r(3, 3)).diagonal_scatter(tg.tensor(r(2)))
    with pytest.raises(RuntimeError, match=r"select_scatter.*\(3,\).*\(1,\)"):
        tg.tensor(r(3, 3)).select_scatter(tg.tensor(r(1)), 0, 1)
    with pytest.raises(IndexError, match="select_scatter: index 5"):
        tg.tensor(r(3, 3)).select_scatter(tg.tensor(r(3)), 0, 5)
    with pytest.raises(TypeError, match="float32"):
        tg.tensor(r(3, 3)).select_scatter(tg.tensor(r(3).astype(np.float32)), 0, 1)
    with pytest.raises(ValueError, match="step must be positive"):
        tg.tensor(r(3, 3)).slice_scatter(tg.tensor(r(3, 3)), step=0)


@pytest.mark.parametrize("dim,index", [(0, 1), (-1, -1), (1, 2)])
def test_select_scatter(dim, index):
    x = r(2, 3, 4)
    src = np.take(x, index, axis=dim) * 0 + r(*np.take(x, index, axis=dim).shape)
    want = x.copy()
    idx = [slice(None)] * 3
    idx[dim] = index
    want[tuple(idx)] = src
    np.testing.assert_array_equal(tg.tensor(x).select_scatter(tg.tensor(src), dim, index).numpy(), want)
    grads_ok(lambda a, b: tg.select_scatter(a, b, dim, index) ** 3, x, src)


@pytest.mark.parametrize("dim,start,end,step", [(0, None, None, 1), (0, 1, 5, 2), (-1, None, 3, 1),
                                                (1, -3, None, 1), (0, 2, 100, 3), (0, 4, 2, 1)])
def test_slice_scatter(dim, start, end, step):
    x = r(6, 4)
    idx = [slice(None)] * 2
    idx[dim] = slice(start, end, step)
    src = r(*x[tuple(idx)].shape)
    want = x.copy()
    want[tuple(idx)] = src
    got = tg.tensor(x).slice_scatter(tg.tensor(src), dim=dim, start=start, end=end, step=step)
    np.testing.assert_array_equal(got.numpy(), want)
    grads_ok(lambda a, b: tg.slice_scatter(a, b, dim, start, end, step) ** 2, x, src)


# ---- as_strided -------------------------------------------------------------------------------
@pytest.mark.parametrize("size,stride,offset", [((2, 2), (1, 2), 0), ((3,), (3,), None), ((2, 3), (0, 1), 1),
                                                ((2, 2), (4, 1), 3), ((), (), 5)])
def test_as_strided_values_and_grads(size, stride, offset):
    x = r(3, 4)
    want = np.lib.stride_tricks.as_strided(x.reshape(-1)[offset or 0:], size, tuple(8 * s for s in stride))
    np.testing.assert_array_equal(tg.tensor(x).as_strided(size, stride, offset).numpy(), want)
    grads_ok(lambda a: tg.as_strided(a, size, stride, offset) ** 2, x)


def test_as_strided_is_a_view_and_refuses_what_it_cannot_read():
    t = tg.tensor(np.arange(6.))
    v = t.as_strided((2,), (3,), 1)
    v.mul_(10)  # (writes through into t, as in PyTorch)
    np.testing.assert_array_equal(t.numpy(), [0, 10, 2, 3, 40, 5])
    t.add_(1)
    np.testing.assert_array_equal(v.numpy(), [11, 41])
    with pytest.raises(RuntimeError, match="not contiguous"):
        tg.as_strided(r(3, 4).T, (2,), (1,))
    t = tg.tensor(np.arange(16.).reshape(4, 4))
    for view in (t.t(), t.diagonal(), t[1:], t.as_strided((3, 3), (4, 1))):
        # (PyTorch's would read the memory of t: a view here holds entries of its own)
        with pytest.raises(RuntimeError, match="part or view of another tensor"):
            view.as_strided((2,), (1,))
    with pytest.raises(NotImplementedError, match="tg.jit"):
        tg.jit(lambda x: x.t().as_strided((2, 2), (1, 2)))(t)


def test_as_strided_under_a_transform_refuses_in_place_updates():
    a = np.arange(12.).reshape(3, 4) / 7

    def update_view(x):
        y = x * 1
        y.as_strided((2, 2), (4, 1), 1).mul_(10)
        return (y ** 2).sum()

    def update_tensor(x):
        y = x * 1
        v = y.as_strided((2, 2), (4, 1), 1)
        y.mul_(3)
        return (v ** 2).sum()
    for f in (update_view, update_tensor):  # (a lost update would be a wrong gradient)
        with pytest.raises(TypeError, match="part or view of a value that a transform traces"):
            tg.grad(f)(tg.tensor(a))
    x = tg.tensor(a, requires_grad=True)  # eagerly the update reaches the tensor
    y = x * 1
    y.as_strided((2, 2), (4, 1), 1).mul_(10)
    (y ** 2).sum().backward()
    want = 2 * a
    want[[0, 0, 1, 1], [1, 2, 1, 2]] *= 100
    np.testing.assert_allclose(x.grad, want, rtol=1e-13)
    np.testing.assert_allclose(tg.grad(lambda x: (x.as_strided((2, 3), (4, 1), 1) ** 2).sum())(tg.tensor(a)),
                               np.where(np.arange(12).reshape(3, 4) % 4 > 0, 2 * a, 0) * (np.arange(12).reshape(3, 4) < 8),
                               rtol=1e-13)
    with pytest.raises(RuntimeError, match="reach outside"):
        tg.tensor(r(3, 4)).as_strided((3,), (6,))


def test_as_strided_scatter():
    x, s = np.arange(12.).reshape(3, 4), np.array([[100., 200.], [300., 400.]])
    got = tg.tensor(x).as_strided_scatter(tg.tensor(s), (2, 2), (1, 2), 0).numpy()
    np.testing.assert_array_equal(got.reshape(-1)[:4], [100, 300, 200, 400])
    np.testing.assert_array_equal(got.reshape(-1)[4:], np.arange(4., 12.))
    grads_ok(lambda a, b: tg.as_strided_scatter(a, b, (2, 2), (1, 2), 0) ** 2, x, s)
    with pytest.raises(RuntimeError, match="same place"):
        tg.tensor(x).as_strided_scatter(tg.tensor(np.zeros((2, 3))), (2, 3), (0, 1), 1)


def test_narrow_copy_and_unsafe_splits():
    x = r(3, 7)
    np.testing.assert_array_equal(tg.narrow_copy(tg.tensor(x), -1, -3, 2).numpy(), x[:, 4:6])
    for got, want in zip(tg.tensor(x).unsafe_chunk(3, 1), np.array_split(x, [3, 6], 1)):
        np.testing.assert_array_equal(got.numpy(), want)
    for got, want in zip(tg.unsafe_split(tg.tensor(x), 3, 1), np.array_split(x, [3, 6], 1)):
        np.testing.assert_array_equal(got.numpy(), want)
    parts = tg.tensor(x).unsafe_split_with_sizes([2, 4, 1], 1)
    assert [p.shape for p in parts] == [(3, 2), (3, 4), (3, 1)]


def test_masked_scatter_broadcasts_self_with_the_mask():
    x, m, s = r(1, 4), np.array([[True, False, True, False]] * 3), r(8)
    got = tg.masked_scatter(tg.tensor(x), tg.tensor(m), tg.tensor(s)).numpy()
    want = np.broadcast_to(x, (3, 4)).copy()
    want[m] = s[:6]
    np.testing.assert_array_equal(got, want)
    grads_ok(lambda a, b: tg.masked_scatter(a, m, b) ** 2, x, s)


# ---- fill_diagonal_, put_, index_reduce_ --------------------------------------------------------
@pytest.mark.parametrize("shape,wrap", [((3, 3), False), ((5, 3), False), ((5, 3), True), ((7, 2), True),
                                        ((2, 5), True), ((3, 3, 3), False)])
def test_fill_diagonal_(shape, wrap):
    x = r(*shape)
    want = x.copy()
    np.fill_diagonal(want, 2.5, wrap=wrap)
    t = tg.tensor(x)
    assert t.fill_diagonal_(2.5, wrap) is t
    np.testing.assert_array_equal(t.numpy(), want)


def test_fill_diagonal_graph_and_errors():
    x = tg.tensor(r(3, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        x.fill_diagonal_(1.0)
    y = x * 2
    y.fill_diagonal_(0.0)
    (y * y).sum().backward()
    want = 8 * x.detach().numpy() * (1 - np.eye(3))
    np.testing.assert_allclose(np.asarray(x.grad), want)
    with pytest.raises(RuntimeError, match="equal length"):
        tg.tensor(np.zeros((3, 3, 2))).fill_diagonal_(1.0)
    i = tg.tensor(np.arange(9).reshape(3, 3))
    np.testing.assert_array_equal(i.fill_diagonal_(2.7).numpy().diagonal(), [2, 2, 2])


@pytest.mark.parametrize("accumulate", [False, True])
def test_put_(accumulate):
    a, s = r(3, 4), r(2, 2)
    idx = np.array([[0, 5], [-1, 7]]) if not accumulate else np.array([[0, 5], [-1, 5]])
    want = a.reshape(-1).copy()
    if accumulate:
        np.add.at(want, idx.reshape(-1), s.reshape(-1))
    else:
        want[idx.reshape(-1)] = s.reshape(-1)
    x = tg.tensor(a, requires_grad=True)
    y = x * 1
    y.put_(tg.tensor(idx), tg.tensor(s), accumulate)
    np.testing.assert_allclose(y.detach().numpy().reshape(-1), want)
    (y * y).sum().backward()
    keep = np.ones(12)
    if not accumulate:
        keep[idx.reshape(-1)] = 0
    np.testing.assert_allclose(np.asarray(x.grad).reshape(-1), 2 * want * (keep if not accumulate else 1))
    with pytest.raises(IndexError, match="out of range"):
        tg.tensor(a).put_(tg.tensor([12]), tg.tensor([1.0]))
    with pytest.raises(RuntimeError, match="same dtype"):
        tg.tensor(a).put_(tg.tensor([1]), tg.tensor(np.ones(1, np.float32)))


def test_index_reduce_in_place_matches_out_of_place():
    x, s, idx = r(4, 3), r(5, 3), tg.tensor([0, 2, 0, 3, 2])
    for reduce in ("prod", "mean", "amax", "amin"):
        t = tg.tensor(x)
        want = tg.tensor(x).index_reduce(0, idx, tg.tensor(s), reduce, include_self=False).numpy()
        assert t.index_reduce_(0, idx, tg.tensor(s), reduce, include_self=False) is t
        np.testing.assert_array_equal(t.numpy(), want)
    with pytest.raises(RuntimeError, match="leaf"):
        tg.tensor(x, requires_grad=True).index_reduce_(0, idx, tg.tensor(s), "prod")


def test_index_reduce_amax_tie_gradient_splits():
    x = tg.tensor([[1., 2.], [3., 3.]], requires_grad=True)
    s = tg.tensor([[1., 5.], [3., 2.], [3., 3.]], requires_grad=True)
    x.index_reduce(0, tg.tensor([1, 1, 0]), s, "amax").sum().backward()
    np.testing.assert_allclose(np.asarray(x.grad), [[0, 0], [0.5, 0]])
    np.testing.assert_allclose(np.asarray(s.grad), [[0, 1], [0.5, 0], [1, 1]])


# ---- lu ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(4, 4), (2, 3, 3), (3, 5), (5, 3)])
def test_lu_and_lu_unpack_reconstruct(shape):
    a = r(*shape)
    LU, piv = tg.tensor(a).lu()
    assert piv.dtype == np.int32 and piv.numpy().min() >= 1
    P, L, U = lu_unpack(LU, piv)
    np.testing.assert_allclose((P @ L @ U).numpy(), a, atol=1e-12)
    grads_ok(lambda m: lu_unpack(*tg.lu(m))[2], a)
    assert len(tg.tensor(a).lu(get_infos=True)) == 3
    assert tg.lu_unpack is lu_unpack and tg.strided is strided  # (torch.lu_unpack, torch.strided)


def test_lu_unpack_checks_the_pivots():
    LU, piv = tg.tensor(r(3, 3)).lu()
    for bad in ([0, 2, 3], [1, 2, 4]):
        with pytest.raises(ValueError, match="1..3"):
            lu_unpack(LU, np.array(bad, np.int32))


def test_lu_solve():
    a, b = r(3, 3) + 3 * np.eye(3), r(2, 3, 2)
    x = tg.tensor(b).lu_solve(*tg.tensor(a).lu())
    np.testing.assert_allclose(x.numpy(), np.linalg.solve(a, b), atol=1e-12)
    grads_ok(lambda m, v: tg.lu_solve(v, *tg.lu(m)), a, b)
    with pytest.raises(NotImplementedError, match="pivot"):
        tg.tensor(a).lu(pivot=False)


# ---- random draws --------------------------------------------------------------------------------
def test_bernoulli_and_multinomial():
    p = tg.tensor([[0., 1., 0.3], [0.5, 0.9, 0.1]])
    one = p.bernoulli(generator=tg.Generator().manual_seed(3))
    two = p.bernoulli(generator=tg.Generator().manual_seed(3))
    np.testing.assert_array_equal(one.numpy(), two.numpy())
    assert one.dtype == p.dtype and one.numpy()[0, 0] == 0 and one.numpy()[0, 1] == 1
    assert not tg.tensor([0.2, 0.4], requires_grad=True).bernoulli().requires_grad
    assert abs(float(tg.tensor(np.zeros(20000)).bernoulli(0.3).mean()) - 0.3) < 0.02
    with pytest.raises(RuntimeError, match=r"\[0, 1\]"):
        tg.tensor([1.5]).bernoulli()
    w = tg.tensor([[0., 1., 3.], [1., 1., 0.]])
    m = w.multinomial(2)
    assert m.shape == (2, 2) and m.dtype == np.int64
    assert sorted(m.numpy()[0]) == [1, 2] and sorted(m.numpy()[1]) == [0, 1]
    with pytest.raises(RuntimeError, match="without replacement"):
        w.multinomial(3)


# ---- predicates, layout, storage, constructors ----------------------------------------------------
def test_dense_cpu_predicates():
    t = tg.tensor([[0., 1.], [2., 3.]])
    for name in ("is_nested", "is_sparse", "is_sparse_csr", "is_quantized", "is_mkldnn", "is_xpu",
                 "is_ipu", "is_mtia", "is_maia", "is_vulkan", "is_xla"):
        assert getattr(t, name) is False, name
    for name in ("is_inference", "is_pinned", "is_shared", "is_distributed"):
        assert getattr(t, name)() is False, name
    assert t.layout is strided and repr(strided) == "torch.strided" and t.name is None
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert t.volatile is False and w
    assert t.storage_offset() == 0 and t[1:].storage_offset() == 2 and t[:, 1].storage_offset() == 1
    y = tg.tensor(np.arange(20.).reshape(4, 5), requires_grad=True) * 1
    c = y[1:].clone()  # (a tensor of its own, whatever memory its value shares)
    assert c.storage_offset() == 0 and y[1:].storage_offset() == 5
    np.testing.assert_array_equal(c.as_strided((2, 2), (5, 1), 0).detach().numpy(), [[5, 6], [10, 11]])
    assert t[1].data_ptr() - t.data_ptr() == 2 * 8
    assert t.dim_order() == (0, 1) and t.t().dim_order() == (1, 0)
    assert t.is_set_to(t) and not t.is_set_to(t.clone())
    assert t.to_dense() is t
    with pytest.raises(RuntimeError, match="sparse"):
        t.is_coalesced()
    with pytest.raises(RuntimeError, match="sparse"):
        t.to_sparse()
    with pytest.raises(AssertionError, match="CUDA"):
        t.cuda()
    with pytest.raises(RuntimeError, match="accelerator"):
        t.pin_memory()
    with pytest.raises(TypeError, match="bfloat16"):
        t.bfloat16()
    with pytest.raises(TypeError, match="complex32"):
        t.chalf()


def test_constructors_and_nonzero_static():
    t = tg.tensor([[0., 1.], [2., 3.]])
    assert t.new().shape == (0,) and t.new(2, 3).shape == (2, 3) and t.new(2, 3).dtype == t.dtype
    np.testing.assert_array_equal(t.new([1, 2]).numpy(), [1., 2.])
    e = t.new_empty_strided((2, 3), (0, 1))
    assert e.shape == (2, 3) and e.stride() == (3, 1)  # (values of its own: no shared places)
    e[0, 0] = 5.0
    assert e.numpy().sum() == 5.0
    got = t.nonzero_static(size=5, fill_value=-1).numpy()
    np.testing.assert_array_equal(got, [[0, 1], [1, 0], [1, 1], [-1, -1], [-1, -1]])
    assert t.nonzero_static(size=1).numpy().tolist() == [[0, 1]]


def test_resize_apply_map_and_shift_in_place():
    a = tg.tensor(np.arange(6.))
    assert a.resize_(2, 2) is a and a.numpy().tolist() == [[0, 1], [2, 3]]
    assert a.resize_as_(tg.tensor(np.zeros(5))).numpy().tolist() == [0, 1, 2, 3, 0]
    with pytest.raises(RuntimeError, match="require grad"):
        tg.tensor([1., 2.], requires_grad=True).resize_(3)
    w = tg.tensor(np.arange(6.).reshape(2, 3))
    v = w.view(6)  # (a new shape would cut the view off from w: refused, not silently lost)
    for t in (w, v):
        with pytest.raises(RuntimeError, match="view"):
            t.resize_(3, 2)
    assert w.resize_(2, 3) is w
    b = tg.tensor(np.arange(4.))
    assert b.apply_(lambda v: v * v + 1).numpy().tolist() == [1, 2, 5, 10]
    assert b.map_(tg.tensor([1., 2., 3., 4.]), lambda u, v: u - v).numpy().tolist() == [0, 0, 2, 6]
    with pytest.raises(RuntimeError, match="no derivative"):
        tg.tensor([1., 2.], requires_grad=True).apply_(lambda v: v)
    c = tg.tensor([4, 16])
    assert c.bitwise_left_shift_(tg.tensor([1, 2])).numpy().tolist() == [8, 64]
    assert c.bitwise_right_shift_(tg.tensor([1, 2])).numpy().tolist() == [4, 16]
    d = tg.tensor([1., 3.])
    d.nextafter_(tg.tensor([0., 10.]))
    assert d.numpy()[0] < 1 and d.numpy()[1] > 3
    g = tg.tensor([1., 3.])
    g.igamma_(tg.tensor([0.5, 2.]))
    np.testing.assert_allclose(g.numpy(), tg.igamma(tg.tensor([1., 3.]), tg.tensor([0.5, 2.])).numpy())
