"""PyTorch's top-level functions that tensorgrad's namespace takes: a Tensor method on the first
argument (``torch.lerp(a, b, w)`` is ``a.lerp(b, w)``), a few NumPy lacks, and the functions of
``torch.nn.functional`` that PyTorch also has at the top. Each was missing (AttributeError)."""
import numpy as np
import pytest
import scipy.linalg
import scipy.special

import tensorgrad as tg
from tensorgrad.torch_functions import METHOD_FUNCTIONS

RNG = np.random.default_rng(7)
A = RNG.normal(size=(3, 4))
B = RNG.normal(size=(3, 4))
SPD = A[:, :3] @ A[:, :3].T + 3 * np.eye(3)

# (arguments after the input) for each method function
ARGS = {"lgamma": (), "mvlgamma": (1,), "frac": (), "sgn": (), "neg": (), "rsqrt": (), "addcmul": (A, B),
        "addcdiv": (A, B + 3.0), "lerp": (B, 0.3), "clamp_min": (0.1,), "clamp_max": (0.1,), "histc": (5,),
        "renorm": (2, 0, 1.0), "dist": (B,), "matrix_exp": (), "ger": (np.arange(2.0),), "addmm": (A, B.T),
        "addbmm": (A[None], B.T[None]), "baddbmm": (A[None], B.T[None]), "mode": (), "msort": (),
        "unique_consecutive": (), "masked_select": (A > 0,), "scatter": (0, np.zeros((1, 4), np.int64), B[:1]),
        "scatter_add": (0, np.zeros((1, 4), np.int64), B[:1]),
        "scatter_reduce": (0, np.zeros((1, 4), np.int64), B[:1], "amax"),
        "index_add": (0, np.array([0, 2]), B[:2]), "index_copy": (0, np.array([0, 2]), B[:2]),
        "index_fill": (1, np.array([1]), 5.0), "unbind": (1,), "tensor_split": (2,), "movedim": (0, 1),
        "swapdims": (0, 1), "unflatten": (1, (2, 2)), "repeat_interleave": (2,), "diag_embed": (),
        "logdet": (), "slogdet": (), "det": (), "inverse": (), "pinverse": (), "cholesky": (),
        "is_floating_point": (), "index_put": ((np.array([0, 0]),), B[0]),
        "matrix_power": (3,), "addmv": (A, B[0]), "addr": (B[:, 0], B[0]),
        "cholesky_inverse": (), "triangular_solve": (np.linalg.cholesky(SPD),),
        "index_reduce": (0, np.array([2, 0]), B[:2], "prod"),
        "diagonal_scatter": (B[0, :3],), "select_scatter": (B[0], 0, 1), "slice_scatter": (B[:2], 0, 1),
        "masked_scatter": (A > 0, B), "as_strided": ((2, 2), (1, 2), 1),
        "as_strided_scatter": (B[:2, :2], (2, 2), (1, 2)), "narrow_copy": (1, 1, 2),
        "unsafe_chunk": (2, 1), "unsafe_split": (2, 1), "unsafe_split_with_sizes": ([1, 3], 1),
        "lu": (), "lu_solve": (SPD, np.array([1, 2, 3], np.int32))}
INPUT = {"matrix_power": SPD, "addmv": B[:, 0], "cholesky_inverse": np.linalg.cholesky(SPD), "lgamma": np.abs(A) + 0.1, "mvlgamma": np.abs(A) + 1.0, "rsqrt": np.abs(A) + 0.1,
         "matrix_exp": SPD / 10, "ger": np.arange(3.0), "addmm": SPD, "addbmm": SPD, "baddbmm": SPD[None],
         "logdet": SPD, "slogdet": SPD, "det": SPD, "inverse": SPD, "cholesky": SPD, "lu_solve": B[:, :2]}


@pytest.mark.parametrize("name", METHOD_FUNCTIONS)
def test_each_method_function_is_the_method_on_its_first_argument(name):
    assert set(ARGS) == set(METHOD_FUNCTIONS)
    x = INPUT.get(name, A)
    fn = getattr(tg, name)
    want = getattr(tg.tensor(x), name)(*ARGS[name])
    for got in (fn(tg.tensor(x), *ARGS[name]), fn(x, *ARGS[name])):  # a tensor, or an array
        w, g = (want, got) if isinstance(want, (tuple, list)) else ([want], [got])
        assert len(w) == len(g)
        for u, v in zip(w, g):
            np.testing.assert_array_equal(np.asarray(v), np.asarray(u))


def test_method_functions_compute_pytorchs_values_and_gradients():
    np.testing.assert_allclose(tg.lerp(A, B, 0.3), A + 0.3 * (B - A), rtol=1e-14)
    np.testing.assert_allclose(tg.addcmul(A, A, B, value=0.5), A + 0.5 * A * B, rtol=1e-14)
    np.testing.assert_allclose(tg.det(SPD), np.linalg.det(SPD), rtol=1e-13)
    np.testing.assert_allclose(tg.inverse(SPD), np.linalg.inv(SPD), rtol=1e-12)
    np.testing.assert_allclose(tg.movedim(A[None], 0, 2).shape, (3, 4, 1))
    np.testing.assert_array_equal(tg.repeat_interleave(A, 2, dim=0), np.repeat(A, 2, axis=0))
    np.testing.assert_allclose(tg.lgamma(np.abs(A) + 0.1), scipy.special.gammaln(np.abs(A) + 0.1), rtol=1e-13)
    x = tg.tensor(A, requires_grad=True)
    tg.sum(tg.lerp(x, B, 0.3) * B).backward()
    np.testing.assert_allclose(x.grad, 0.7 * B, rtol=1e-14)


def test_functions_numpy_lacks():
    ba, bb = tg.broadcast_tensors(A[:1], B)
    assert isinstance(tg.broadcast_tensors(A, B), tuple)
    np.testing.assert_array_equal(ba, np.broadcast_to(A[:1], (3, 4)))
    np.testing.assert_array_equal(tg.cartesian_prod(np.arange(3.0), np.arange(2.0)),
                                  [[i, j] for i in range(3) for j in range(2)])
    edges = np.array([-1.0, 0.0, 1.0])
    for right in (False, True):
        got = tg.bucketize(np.array([-1.0, 0.5, 1.0, 3.0]), edges, right=right)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got, np.searchsorted(edges, [-1.0, 0.5, 1.0, 3.0], side="right" if right else "left"))
    assert tg.bucketize(np.array([0.5]), edges, out_int32=True).dtype == np.int32
    C = A + 1j * B
    np.testing.assert_array_equal(tg.adjoint(C), C.conj().T)
    var, mean = tg.var_mean(A)  # PyTorch's default: divided by N - 1
    np.testing.assert_allclose(var, A.var(ddof=1), rtol=1e-14)
    np.testing.assert_allclose(mean, A.mean(), rtol=1e-14)
    std, mean = tg.std_mean(A, 1, keepdim=True, correction=0)
    np.testing.assert_allclose(std, A.std(1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(tg.std_mean(A, 0, False)[0], A.std(0), rtol=1e-14)  # (unbiased=False)
    with pytest.raises(TypeError, match="std_mean: give unbiased or correction"):
        tg.std_mean(A, 0, True, correction=1)
    a, x = np.abs(A) + 0.5, np.abs(B)
    np.testing.assert_allclose(tg.igamma(a, x), scipy.special.gammainc(a, x), rtol=1e-13)
    np.testing.assert_allclose(tg.igammac(a, x), scipy.special.gammaincc(a, x), rtol=1e-13)
    np.testing.assert_array_equal(tg.block_diag(A, B[:1]), scipy.linalg.block_diag(A, B[:1]))
    with pytest.raises(ValueError, match="cartesian_prod: input 1 must be 1-D"):
        tg.cartesian_prod(np.arange(2.0), A)
    with pytest.raises(ValueError, match="adjoint: input must have at least 2 axes"):
        tg.adjoint(np.arange(3.0))


def test_functional_names_at_the_top_are_torch_nn_functionals():
    for name in ("cosine_similarity", "pairwise_distance", "pdist", "layer_norm", "group_norm", "prelu",
                 "hardshrink", "threshold", "bilinear"):
        assert getattr(tg, name) is getattr(tg.nn.functional, name)
    np.testing.assert_allclose(tg.cosine_similarity(A, B), (A * B).sum(1) / np.linalg.norm(A, axis=1)
                               / np.linalg.norm(B, axis=1), rtol=1e-13)
    np.testing.assert_allclose(tg.layer_norm(A, (4,)), (A - A.mean(1, keepdims=True))
                               / np.sqrt(A.var(1, keepdims=True) + 1e-5), rtol=1e-12)


def test_pytorchs_positional_keepdim_and_empty_dim():
    # torch.logsumexp(x, 1, True): the bool is keepdim (it was taken for SciPy's weights b);
    # torch.std_mean(x, dim=()) reduces every axis (it reduced none)
    np.testing.assert_allclose(tg.logsumexp(A, 1, True), scipy.special.logsumexp(A, 1, keepdims=True),
                               rtol=1e-14)
    assert tg.logsumexp(A, 1, False).shape == (3,)
    np.testing.assert_allclose(tg.logsumexp(A, 1, B), scipy.special.logsumexp(A, 1, b=B), rtol=1e-14)
    std, mean = tg.std_mean(A, dim=())
    np.testing.assert_allclose(std, A.std(ddof=1), rtol=1e-14)
    np.testing.assert_allclose(mean, A.mean(), rtol=1e-14)


def test_a_bool_third_argument_is_pytorchs_keepdim_or_descending():
    # NumPy takes a dtype, out or kind there, never a bool: tg.sum(x, 1, True) raised "Cannot
    # interpret 'True' as a data type"; now each is PyTorch's call
    t = tg.tensor(A)
    np.testing.assert_allclose(tg.sum(t, 1, True), A.sum(1, keepdims=True), rtol=1e-14)
    np.testing.assert_allclose(tg.mean(A, 0, True), A.mean(0, keepdims=True), rtol=1e-14)
    values, indices = tg.max(t, 1, True)
    np.testing.assert_array_equal(values, A.max(1, keepdims=True))
    np.testing.assert_array_equal(indices, A.argmax(1)[:, None])
    values, indices = tg.sort(t, 1, True)  # descending
    np.testing.assert_array_equal(values, -np.sort(-A, 1))
    np.testing.assert_allclose(tg.std(t, 1, True), A.std(1, ddof=1), rtol=1e-14)  # unbiased
    np.testing.assert_allclose(tg.var(t, 1, False), A.var(1), rtol=1e-14)
    assert tg.sum(A, 1, np.float32).dtype == np.float32  # (NumPy's dtype stays NumPy's)
