"""More of PyTorch's Tensor methods (tensorgrad.tensor_torch_extra): values against NumPy's
and SciPy's meaning of each, gradients against central differences."""
import numpy as np
import pytest
import scipy.linalg

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient

rng = np.random.default_rng(11)
M = rng.standard_normal((3, 3))
SPD = M @ M.T + 3 * np.eye(3)
A = rng.standard_normal((3, 4))
V = np.array([1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 3.0, 3.0])


def val(t):
    return np.asarray(tg.stop_gradient(t).numpy() if isinstance(t, tg.Tensor) else t)


def grad_matches(fn, a):
    w = np.random.default_rng(3).standard_normal(np.shape(val(fn(tg.tensor(a)))))
    got = tg.grad(lambda x: tg.sum(fn(tg.tensor(x) if not isinstance(x, tg.Tensor) else x) * w))(a)
    want = central_difference_gradient(lambda x: float(np.sum(val(fn(tg.tensor(x))) * w)), a)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("call,ref,a", [
    (lambda t: t.det(), np.linalg.det, M),
    (lambda t: t.inverse(), np.linalg.inv, M),
    (lambda t: t.logdet(), lambda a: np.log(np.linalg.det(a)), SPD),
    (lambda t: t.matrix_exp(), scipy.linalg.expm, 0.3 * M),
    (lambda t: t.matrix_power(-2), lambda a: np.linalg.matrix_power(a, -2), M),
    (lambda t: t.pinverse(), np.linalg.pinv, A),
    (lambda t: t.cholesky(upper=True), lambda a: np.linalg.cholesky(a).T, SPD),
    (lambda t: t.swapdims(0, 1), lambda a: a.T, A),
    (lambda t: t.rot90(-1, (0, 1)), lambda a: np.rot90(a, -1), A),
    (lambda t: t.msort(), lambda a: np.sort(a, 0), A),
    (lambda t: t.repeat_interleave(2, dim=1), lambda a: np.repeat(a, 2, 1), A),
    (lambda t: t.repeat_interleave(np.array([1, 0, 2]), dim=0), lambda a: np.repeat(a, [1, 0, 2], 0), A),
    (lambda t: t.unfold(1, 3, 2), lambda a: np.lib.stride_tricks.sliding_window_view(a, 3, 1)[:, ::2], A),
    (lambda t: t.sum_to_size(1, 4), lambda a: a.sum(0, keepdims=True), A),
    (lambda t: t.sum_to_size(4), lambda a: a.sum(0), A),
    (lambda t: t.diff(dim=0, append=np.ones((1, 4))), lambda a: np.diff(a, axis=0, append=np.ones((1, 4))), A),
    (lambda t: t.quantile(np.array([0.1, 0.9]), dim=1, keepdim=True), lambda a: np.quantile(a, [0.1, 0.9], 1, keepdims=True), A),
    (lambda t: t.quantile(0.4, 1, interpolation="midpoint"), lambda a: np.quantile(a, 0.4, 1, method="midpoint"), A),
    (lambda t: t.renorm(2, 0, 1.0), lambda a: a * np.minimum(1.0 / (np.linalg.norm(a, axis=1, keepdims=True) + 1e-7), 1), A),
], ids=lambda v: "")
def test_values_and_gradients(call, ref, a):
    np.testing.assert_allclose(val(call(tg.tensor(a))), ref(a), rtol=1e-10, atol=1e-12)
    grad_matches(call, a)


def test_logdet_of_a_negative_or_singular_determinant_and_slogdet():
    assert np.isnan(val(tg.tensor(-np.eye(3)).logdet())) and val(tg.tensor(np.zeros((2, 2))).logdet()) == -np.inf
    sign, logabs = tg.tensor(M).slogdet()
    np.testing.assert_allclose((val(sign), val(logabs)), np.linalg.slogdet(M))


def test_unique_unique_consecutive_histc_bincount():
    t = tg.tensor(V)
    u, inv, cnt = t.unique(return_inverse=True, return_counts=True)
    assert val(u).tolist() == [1, 2, 3] and val(inv).tolist() == [0, 0, 1, 1, 1, 0, 2, 2]
    assert val(cnt).tolist() == [3, 3, 2]
    u, inv, cnt = t.unique_consecutive(return_inverse=True, return_counts=True)
    assert val(u).tolist() == [1, 2, 1, 3] and val(inv).tolist() == [0, 0, 1, 1, 1, 2, 3, 3]
    assert val(cnt).tolist() == [2, 3, 1, 2]
    rows = tg.tensor(np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 1.0], [1.0, 2.0]]))
    u, cnt = rows.unique_consecutive(dim=0, return_counts=True)
    assert val(u).tolist() == [[1, 2], [0, 1], [1, 2]] and val(cnt).tolist() == [2, 1, 1]
    h = t.histc(4)  # over the data's range [1, 3], in the tensor's dtype
    assert val(h).tolist() == [3, 0, 3, 2] and h.dtype == V.dtype
    assert val(t.histc(3, 0, 2)).tolist() == [0, 3, 3]  # 3.0 lies outside [0, 2]
    assert val(tg.tensor(np.array([0, 2, 2, 5])).bincount(minlength=7)).tolist() == [1, 0, 2, 0, 0, 1, 0]


def test_scatter_reduce_index_put_masked_scatter():
    idx = np.array([[0, 2, 0, 1], [1, 1, 1, 0]])
    src = rng.standard_normal((2, 4))
    base = A[:2].copy()
    for reduce, ufunc in (("sum", np.add), ("prod", np.multiply), ("amax", np.maximum), ("amin", np.minimum)):
        for include_self in (True, False):
            want = base.copy()
            if not include_self:
                for r in range(2):
                    want[r, idx[r]] = {"sum": 0, "prod": 1, "amax": -np.inf, "amin": np.inf}[reduce]
            for r in range(2):
                ufunc.at(want[r], idx[r], src[r])
            got = tg.tensor(base).scatter_reduce(1, idx, src, reduce, include_self=include_self)
            np.testing.assert_allclose(val(got), want, err_msg=f"{reduce} {include_self}")
    got = tg.tensor(base).scatter_reduce(1, idx, src, "mean", include_self=False)
    want = base.copy()
    for r in range(2):
        for c in set(idx[r]):
            want[r, c] = src[r][idx[r] == c].mean()
    np.testing.assert_allclose(val(got), want)
    grad_matches(lambda t: t.scatter_reduce(1, idx, src, "prod"), base)
    got = tg.tensor(A).index_put((np.array([0, 2, 0]), np.array([1, 3, 1])), np.array([1.0, 2.0, 3.0]), accumulate=True)
    want = A.copy()
    np.add.at(want, ([0, 2, 0], [1, 3, 1]), [1.0, 2.0, 3.0])
    np.testing.assert_allclose(val(got), want)
    got = tg.tensor(A).masked_scatter(A > 0, np.arange(12.0))
    want = A.copy()
    want[A > 0] = np.arange(12.0)[:(A > 0).sum()]
    np.testing.assert_array_equal(val(got), want)
    with pytest.raises(ValueError, match="reduce must be one of"):
        tg.tensor(base).scatter_reduce(1, idx, src, "max")


def test_in_place_forms_and_layout():
    t = tg.tensor(A.copy())
    assert t.tril_(-1) is t and (val(t) == np.tril(A, -1)).all()
    t.index_put_((np.array([0]), np.array([0])), np.array(5.0))
    assert val(t)[0, 0] == 5
    assert tg.tensor(A).is_contiguous() and tg.tensor(A).stride() == (4, 1) and tg.tensor(A).stride(0) == 4
    with pytest.raises(ValueError, match="unfold: size 5"):
        tg.tensor(A).unfold(1, 5, 1)
    with pytest.raises(ValueError, match="not expandable"):
        tg.tensor(A).sum_to_size(2, 4)
