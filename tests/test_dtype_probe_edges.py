"""Dtypes where a probe against SciPy and PyTorch found tensorgrad apart: tg.scipy.linalg on
float16, small integers and bools (SciPy's result dtypes, the gradient in the input's dtype),
Tensor.cov/corrcoef of complex64, the losses with integer targets, tg.normal of float32 means,
chain_jacobians of float32 inputs, and tensorgrad.func's vjp/jvp/linearize of integer primals.

PyTorch is not a test dependency: its results are written here as the rule its documentation
states (type promotion: an integer tensor meeting a floating one takes the floating dtype;
``torch.normal`` draws in the dtype of its tensor ``mean``, else of its tensor ``std``;
``torch.func`` refuses integer primals with a RuntimeError)."""
import numpy as np
import pytest
import scipy.linalg as sl

import tensorgrad as tg

tsl = tg.scipy.linalg
A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])  # SPD, distinct eigenvalues
B = np.array([1.0, 2.0, 3.0])
S = {"solve": lambda m, a, b: m.solve(a, b),
     "inv": lambda m, a, b: m.inv(a),
     "det": lambda m, a, b: m.det(a),
     "cholesky": lambda m, a, b: m.cholesky(a),
     "cho_factor": lambda m, a, b: np.triu(m.cho_factor(a)[0]),  # (SciPy leaves the rest)
     "cho_solve": lambda m, a, b: m.cho_solve(m.cho_factor(a), b),
     "solve_triangular": lambda m, a, b: m.solve_triangular(a, b),
     "eigh": lambda m, a, b: m.eigh(a)[0],
     "svd": lambda m, a, b: m.svd(a)[1],
     "pinv": lambda m, a, b: m.pinv(a),
     "qr": lambda m, a, b: m.qr(a)[1],
     "lu": lambda m, a, b: m.lu(a)[2],
     "lu_factor": lambda m, a, b: m.lu_factor(a)[0],
     "lu_solve": lambda m, a, b: m.lu_solve(m.lu_factor(a), b),
     "polar": lambda m, a, b: m.polar(a)[1],
     "qr_multiply": lambda m, a, b: m.qr_multiply(a, a)[0],
     "eigh_tridiagonal": lambda m, a, b: m.eigh_tridiagonal(b, b[:2], eigvals_only=True),
     "solve_banded": lambda m, a, b: m.solve_banded((1, 1), a, b),
     "solve_sylvester": lambda m, a, b: m.solve_sylvester(a, a, a),
     "sqrtm": lambda m, a, b: m.sqrtm(a),
     "logm": lambda m, a, b: m.logm(a),
     "fractional_matrix_power": lambda m, a, b: m.fractional_matrix_power(a, 0.5),
     "expm": lambda m, a, b: m.expm(a),
     "cosm": lambda m, a, b: m.cosm(a),
     "sinhm": lambda m, a, b: m.sinhm(a),
     "tanhm": lambda m, a, b: m.tanhm(a),
     "signm": lambda m, a, b: m.signm(a),
     "schur": lambda m, a, b: m.schur(a)[0],
     "hessenberg": lambda m, a, b: m.hessenberg(a),
     "funm": lambda m, a, b: m.funm(a, np.exp)}
#: the diagonal values of the square checks below (ints: a well-conditioned integer matrix)
INT_A = np.array([[4, 1, 0], [1, 3, 0], [0, 0, 2]])
INT_B = np.array([1, 2, 3])


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # (SciPy's logm of a float16 matrix)
@pytest.mark.parametrize("name", sorted(S))
def test_scipy_linalg_of_float16_has_scipys_dtype_and_values(name):
    a, b = A.astype(np.float16), B.astype(np.float16)
    got, want = (np.asarray(S[name](m, a, b)) for m in (tsl, sl))
    assert got.dtype == want.dtype, (name, got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-5)


@pytest.mark.parametrize("dtype", [np.bool_, np.int8, np.uint8, np.int16, np.uint16, np.int32,
                                   np.int64])
@pytest.mark.parametrize("name", sorted(set(S) - {"solve_banded", "eigh_tridiagonal", "logm",
                                                   "coshm", "sinhm", "tanhm"}))
def test_scipy_linalg_of_integers_and_bools_has_scipys_dtype(name, dtype):
    # (SciPy's LAPACK wrappers take bool, int8/16 and uint8/16 in float32, its solve, det
    # and primary matrix functions in float64; bool matrices are the identity, kept regular)
    a = (INT_A if dtype is not np.bool_ else np.eye(3)).astype(dtype)
    b = (INT_B if dtype is not np.bool_ else np.ones(3)).astype(dtype)
    got, want = (np.asarray(S[name](m, a, b)) for m in (tsl, sl))
    assert got.dtype == want.dtype, (name, np.dtype(dtype), got.dtype, want.dtype)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["solve", "inv", "det", "cholesky", "solve_triangular", "eigh",
                                  "svd", "pinv", "lu_solve", "sqrtm", "logm", "signm",
                                  "solve_sylvester", "polar", "cho_solve"])
def test_float16_gradients_come_back_in_float16(name):
    def f(a):
        return tg.sum(S[name](tsl, a, B))
    g16 = tg.grad(f)(A.astype(np.float16))
    g64 = tg.grad(f)(A.astype(np.float16).astype(np.float64))
    assert g16.dtype == np.float16
    np.testing.assert_allclose(g16.astype(np.float64), g64, rtol=2e-2, atol=2e-3)
    assert tg.jit(tg.grad(f))(A.astype(np.float16)).dtype == np.float16


def test_float32_and_complex64_keep_their_dtype():
    # float32 stays float32 (tensorgrad's rule, where SciPy's det and logm give float64), and
    # solve_sylvester keeps complex64 (as SciPy; it gave complex128)
    a32 = A.astype(np.float32)
    assert tsl.det(a32).dtype == np.float32 and tsl.logm(a32).dtype == np.float32
    c = (A + 0.5j * np.eye(3)).astype(np.complex64)
    x = tsl.solve_sylvester(c, c, c)
    want = sl.solve_sylvester(c, c, c)
    assert x.dtype == want.dtype == np.complex64
    np.testing.assert_allclose(x, want, rtol=1e-4, atol=1e-5)


# ---- Tensor.cov and Tensor.corrcoef of complex64 -------------------------------------------------
X = np.array([[0.3, 0.7, 1.4], [0.55, 0.9, 0.2]])


@pytest.mark.parametrize("name", ["cov", "corrcoef"])
def test_tensor_cov_and_corrcoef_keep_complex64(name):
    c = (X + 0.2j * X[::-1]).astype(np.complex64)
    t = tg.tensor(c, requires_grad=True)
    r = getattr(t, name)()
    assert r.dtype == np.complex64  # (torch.cov / torch.corrcoef: complex64)
    np.testing.assert_allclose(r.detach().numpy(), getattr(np, name)(c.astype(np.complex128)),
                               rtol=1e-5)
    tg.sum(tg.abs(r)).backward()
    assert t.grad.dtype == np.complex64
    f = tg.tensor(X.astype(np.float32))
    assert getattr(f, name)().dtype == np.float32
    # the top-level function of a PyTorch-style tensor is its method (torch.cov: float32), of a
    # NumPy array NumPy's (float64)
    assert getattr(tg, name)(f).dtype == np.float32
    assert getattr(tg, name)(tg.tensor(c)).dtype == np.complex64
    np.testing.assert_allclose(getattr(tg, name)(f).numpy(), getattr(np, name)(X), rtol=1e-5)
    assert getattr(tg, name)(X.astype(np.float32)).dtype == np.float64
    # NumPy's arguments (PyTorch's function takes one input) still mean NumPy's function
    t, y = tg.tensor(X), X[::-1] ** 2
    np.testing.assert_allclose(getattr(tg, name)(t, y).numpy(), getattr(np, name)(X, y), rtol=1e-14)
    np.testing.assert_allclose(getattr(tg, name)(t, rowvar=False).numpy(),
                               getattr(np, name)(X, rowvar=False), rtol=1e-14)


# ---- the losses with integer and bool targets ----------------------------------------------------
F = tg.nn.functional
P1 = np.array([0.5, -1.0, 2.0])
P2 = np.array([0.1, 0.3, -0.2])
PROB = np.array([0.2, 0.6, 0.9])
PM = np.array([1, -1, 1])  # ±1 targets
Z1 = np.array([1, 0, 1])   # 0/1 targets
LOSSES = {"mse_loss": lambda x, t: F.mse_loss(x, t),
          "l1_loss": lambda x, t: F.l1_loss(x, t),
          "smooth_l1_loss": lambda x, t: F.smooth_l1_loss(x, t),
          "huber_loss": lambda x, t: F.huber_loss(x, t),
          "poisson_nll_loss": lambda x, t: F.poisson_nll_loss(x, t),
          "gaussian_nll_loss": lambda x, t: F.gaussian_nll_loss(x, t, tg.ones_like(x)),
          "binary_cross_entropy": lambda x, t: F.binary_cross_entropy(tg.sigmoid(x), t),
          "binary_cross_entropy_with_logits": lambda x, t: F.binary_cross_entropy_with_logits(x, t),
          "multilabel_soft_margin_loss": lambda x, t: F.multilabel_soft_margin_loss(x[None], t[None]),
          "soft_margin_loss": lambda x, t: F.soft_margin_loss(x, 2 * t - 1),
          "margin_ranking_loss": lambda x, t: F.margin_ranking_loss(x, P2.astype(x.dtype), 2 * t - 1),
          "hinge_embedding_loss": lambda x, t: F.hinge_embedding_loss(x, 2 * t - 1)}


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_an_integer_target_takes_the_inputs_float_dtype(name, dtype):
    # PyTorch's promotion: an int64 target against a float32 (float16) input gives a float32
    # (float16) loss; the value is the loss of the target as floats
    x = P1.astype(dtype)
    for target in (Z1, Z1.astype(np.int32)):
        got = LOSSES[name](tg.tensor(x), tg.tensor(target))
        assert got.dtype == dtype, (name, target.dtype, got.dtype)
        want = LOSSES[name](tg.tensor(x), tg.tensor(target.astype(dtype)))
        np.testing.assert_array_equal(got.numpy(), want.numpy())
    g = tg.grad(lambda v: LOSSES[name](v, Z1))(x)
    assert g.dtype == dtype


def test_margin_losses_of_float32_with_plus_minus_one_targets_stay_float32():
    a, b = tg.tensor(P1.astype(np.float32)), tg.tensor(P2.astype(np.float32))
    y = tg.tensor(PM)
    r = F.margin_ranking_loss(a, b, y)
    assert r.dtype == np.float32
    np.testing.assert_allclose(r.numpy(), np.mean(np.maximum(0, -PM * (P1 - P2))), rtol=1e-6)
    s = F.soft_margin_loss(a, y)
    assert s.dtype == np.float32
    np.testing.assert_allclose(s.numpy(), np.mean(np.log1p(np.exp(-PM * P1))), rtol=1e-6)
    assert tg.nn.MarginRankingLoss()(a, b, y).dtype == np.float32
    assert F.mse_loss(tg.tensor(P1), tg.tensor(Z1)).dtype == np.float64  # (float64 stays)


# ---- tg.normal of float32 and float16 means and stds ---------------------------------------------
M = np.array([0.0, 1.0, 2.0])


@pytest.mark.parametrize("args, want", [
    ((tg.tensor(M.astype(np.float32)),), np.float32),
    ((tg.tensor(M.astype(np.float16)),), np.float16),
    ((tg.tensor(M.astype(np.float32)), 1.0), np.float32),
    ((0.0, tg.tensor(M.astype(np.float32) + 1)), np.float32),
    ((M.astype(np.float32), M + 1), np.float32),                     # mean's dtype first
    ((M, (M + 1).astype(np.float32)), np.float64),
    ((M.astype(np.float16), (M + 1).astype(np.float32)), np.float16),
    ((np.array([0, 1, 2]), (M + 1).astype(np.float32)), np.float32),  # an integer mean: std's
    ((0.0, 1.0, (3,)), np.float64),                                   # numbers: the default
    (([0.0, 1.0, 2.0],), np.float64)])
def test_normal_draws_in_the_dtype_of_a_float_mean_or_std(args, want):
    tg.manual_seed(5)
    got = tg.normal(*args)
    assert got.dtype == want
    tg.manual_seed(5)  # the same draws as from float64 arguments, cast
    wide = tg.normal(*(np.asarray(a, np.float64) if hasattr(a, "dtype") else a for a in args))
    np.testing.assert_array_equal(got.numpy(), wide.numpy().astype(want))
    assert tg.normal(*args, dtype=np.float64).dtype == np.float64  # (dtype= still decides)


# ---- chain_jacobians of float32 and float16 inputs -----------------------------------------------
FUNCS = {"sum": lambda v: tg.sum(v * v), "softmax": lambda v: tg.softmax(v),
         "cumsum": lambda v: tg.cumsum(tg.sin(v)), "index": lambda v: v[::2] * 3.0,
         "matmul": lambda v: np.arange(6.0).reshape(2, 3) @ tg.exp(v)}


@pytest.mark.parametrize("order", ["forward", "reverse", "optimal"])
@pytest.mark.parametrize("structured", [True, False])
@pytest.mark.parametrize("dtype", [np.float32, np.float16])
@pytest.mark.parametrize("name", sorted(FUNCS))
def test_chain_jacobians_densify_in_the_inputs_dtype(name, dtype, structured, order):
    x = np.array([0.5, -1.0, 2.0], dtype)
    r = tg.chain_jacobians(FUNCS[name], x, order=order, structured=structured)
    want = tg.jacrev(FUNCS[name])(x)
    assert r.jacobian.todense().dtype == r.todense().dtype == want.dtype == dtype
    np.testing.assert_allclose(r.todense().astype(np.float64), want.astype(np.float64),
                               rtol=2e-3, atol=2e-3)


def test_chain_jacobians_of_a_pytree_densify_in_each_leafs_dtype():
    p = {"a": np.array([0.5, 2.0], np.float32), "b": np.array([1.0, -1.0, 3.0])}
    J = tg.chain_jacobians(lambda p: tg.sum(p["a"]) * tg.sum(p["b"] ** 2), p).todense()
    assert J["a"].dtype == np.float32 and J["b"].dtype == np.float64


# ---- tensorgrad.func: integer and bool primals ---------------------------------------------------
XI = np.array([1, 2, 0])
REFUSING = {"vjp": lambda x: tg.func.vjp(lambda t: t * 2, x),
            "vjp of a second primal": lambda x: tg.func.vjp(lambda a, t: a * t, np.ones(3), x),
            "jvp": lambda x: tg.func.jvp(lambda t: t * 2, (x,), (np.zeros(3, tg.float0),)),
            "linearize": lambda x: tg.func.linearize(lambda t: t * 2, x),
            "grad": lambda x: tg.func.grad(lambda t: (t * 2).sum())(x),
            "jacfwd": lambda x: tg.func.jacfwd(lambda t: t * 2)(x),
            "hessian": lambda x: tg.func.hessian(lambda t: (t * t).sum())(x)}


@pytest.mark.parametrize("x", [tg.tensor(XI), XI, tg.tensor(XI > 0)], ids=["int", "array", "bool"])
@pytest.mark.parametrize("name", sorted(REFUSING))
def test_torch_func_transforms_refuse_integer_primals(name, x):
    # torch.func.vjp raises "only Tensors of floating point dtype can require gradients"
    # (RuntimeError); tensorgrad.func raises as its grad does: a TypeError that is a RuntimeError
    with pytest.raises(RuntimeError, match=r"can only differentiate .*got dtype (int64|bool) "
                                           r"\(shape \(3,\)\)") as err:
        REFUSING[name](x)
    assert isinstance(err.value, TypeError) and str(err.value).startswith(name.split()[0])


def test_torch_func_transforms_still_take_float_and_complex_primals():
    x = np.array([1.0, 2.0, 0.5], np.float32)
    out, fn = tg.func.vjp(lambda t: t * 2, tg.tensor(x))
    assert fn(tg.tensor(x))[0].dtype == np.float32
    assert tg.func.jvp(lambda t: t * 2, (x,), (x,))[1].dtype == np.float32
    assert np.asarray(tg.func.linearize(lambda t: t * 2, x)[1](x)).dtype == np.float32
    z = x.astype(np.complex64)
    assert tg.func.vjp(lambda t: t * 2, z)[1](z)[0].dtype == np.complex64
    # tg.vjp (JAX's) keeps JAX's float0 cotangent of an integer primal
    assert tg.vjp(lambda t: t * 2, XI)[1](XI * 2)[0].dtype == tg.float0
