"""PyTorch's order of the axes when an index mixes integers with arrays (t[0, :, idx]), on the
tensors that follow PyTorch, checked against PyTorch's definition: the integers select their
axes first, then the rest indexes what is left (NumPy would move the new axes first)."""
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.func as tgf

A = np.arange(2 * 3 * 4 * 5, dtype=float).reshape(2, 3, 4, 5)
S = slice(None)
CASES = [
    (0, S, [0, 1, 2]), (np.int64(1), S, [3, 0]), (S, 0, S, [0, 1]), ([0, 1], S, 0),
    (0, [0, 1], S, [0, 1]), (Ellipsis, 0, [1, 2]), (0, Ellipsis, [1, 2]), (0, None, S, [1, 2]),
    (S, [0, 1], 0, [1, 2]), (0, S, [[0], [1]]), (0, S, np.array([True, False, True, True])),
    (1, S, S, np.array([2])), (1, S, np.array([[True, False, True, False, True]] * 4)),
    (-1, None, [2, 0], Ellipsis), (0, 2, S, [4, 1, 1]),
    (0, S, [[True, False, True, True, False]] * 4),  # (a mask as nested lists uses its two axes)
]


def _mask_axes(i):
    return np.ndim(i) if np.asarray(i).dtype == bool else 1


def _torch_rule(index):
    """(the integers' selection, the rest): PyTorch's two steps."""
    first = tuple(i if isinstance(i, (int, np.integer)) else
                  (Ellipsis if i is Ellipsis else S) for i in index if i is not None)
    # (a boolean mask uses as many axes as it has: as many slices in the first step)
    first = tuple(x for i, f in zip([i for i in index if i is not None], first)
                  for x in ((f,) * (_mask_axes(i) if isinstance(i, (list, np.ndarray)) else 1)))
    rest = tuple(i for i in index if not isinstance(i, (int, np.integer)))
    return first, rest


@pytest.mark.parametrize("index", CASES, ids=[str(i) for i in range(len(CASES))])
def test_integers_with_arrays_take_pytorchs_order(index):
    first, rest = _torch_rule(index)
    want = A[first][rest]
    t = tg.tensor(A)
    got = t[index]
    np.testing.assert_array_equal(np.asarray(got.detach()), want)
    # the gradient goes back to the entries each result entry came from
    w = np.random.default_rng(0).normal(size=want.shape)
    x = tg.tensor(A, requires_grad=True)
    (x[index] * tg.tensor(w)).sum().backward()
    g = np.zeros_like(A)
    np.add.at(g[first], rest, w)
    np.testing.assert_allclose(np.asarray(x.grad), g, rtol=1e-15)
    # item assignment takes the values in PyTorch's layout
    v = 1000 + np.arange(want.size, dtype=float).reshape(want.shape)
    t2, ref = tg.tensor(A.copy()), A.copy()
    t2[index] = tg.tensor(v)
    ref[first][rest] = v
    np.testing.assert_array_equal(np.asarray(t2.detach()), ref)
    # under tensorgrad.func (torch.func's API) too
    gf = tgf.grad(lambda y: (y[index] * tg.tensor(w)).sum())(tg.tensor(A))
    np.testing.assert_allclose(np.asarray(gf), g, rtol=1e-15)


def test_an_ellipsis_of_no_axes_between_arrays():
    # NumPy: it keeps the arrays apart, so their axis goes first; PyTorch: it separates nothing
    a = A[0]  # (3, 4, 5)
    for index, torch_like in (((S, [0, 2], Ellipsis, [1, 2]), a[:, [0, 2], [1, 2]]),
                              ((S, 0, Ellipsis, [1, 2]), a[:, 0][:, [1, 2]])):
        np.testing.assert_array_equal(np.asarray(tg.tensor(a)[index].detach()), torch_like)
        assert np.asarray(tg.tensor(a)[index].detach()).shape == (3, 2)
        np.testing.assert_array_equal(tg.numpy.asarray(a)[index], a[index])
        w = np.random.default_rng(2).normal(size=a[index].shape)
        want = np.zeros_like(a)
        np.add.at(want, index, w)
        np.testing.assert_allclose(tg.grad(lambda x: tg.sum(x[index] * w))(a), want, rtol=1e-15)
    assert a[S, [0, 2], Ellipsis, [1, 2]].shape == (2, 3)
    f = lambda x: x[:, [0, 1], ..., [1, 2]]  # noqa: E731
    assert tg.vmap(f)(A).shape == (2, 2, 3) and tg.jit(f)(a).shape == (2, 3)


def test_numpy_style_values_keep_numpys_order():
    index = (0, S, [0, 1, 2])
    assert tg.numpy.asarray(A)[index].shape == A[index].shape
    w = np.random.default_rng(1).normal(size=A[index].shape)
    g = tg.grad(lambda x: tg.sum(x[index] * w))(A)
    want = np.zeros_like(A)
    np.add.at(want, index, w)
    np.testing.assert_allclose(g, want, rtol=1e-15)


def test_a_scalar_bool_is_an_advanced_index_of_no_axis():
    # NumPy and PyTorch read True as a 0-d mask (an advanced index adding an axis of length 1)
    a = A[0]  # (3, 4, 5)
    np.testing.assert_array_equal(np.asarray(tg.tensor(a)[True, 0, :, [2, 0, 1]].detach()),
                                  a[True, 0, :, [2, 0, 1]])
    np.testing.assert_array_equal(np.asarray(tg.tensor(a)[0, :, tg.tensor(True), [2, 0, 1]].detach()),
                                  a[0][:, [2, 0, 1]])
    assert tg.tensor(a)[True].shape == (1, 3, 4, 5)
