"""PyTorch-style functions where a probe against torch found them apart: vector_norm with an
empty dim, std_mean's gradient at zero spread, lerp/dist/cdist of integers, roll's shifts and
dims, cat with an empty 1-d start, qr(mode='r')'s pair, the norms' dtype=."""
import numpy as np
import pytest
import scipy.linalg

import tensorgrad as tg

X = np.array([[3.0, -4.0], [1.0, 2.0]])


@pytest.mark.parametrize("dim", [(), []])
@pytest.mark.parametrize("keepdim", [False, True])
def test_vector_norm_of_an_empty_dim_is_every_axis(dim, keepdim):
    got = tg.linalg.vector_norm(tg.tensor(X), 2, dim=dim, keepdim=keepdim)
    want = np.linalg.norm(X) * np.ones((1, 1) if keepdim else ())
    np.testing.assert_allclose(np.asarray(got), want, rtol=1e-15)
    assert np.shape(got) == want.shape


def test_std_mean_gradient_at_zero_spread_is_the_means():
    a = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    x = tg.tensor(a, requires_grad=True)
    s, m = tg.std_mean(x, dim=1)
    (s.sum() + m.sum()).backward()
    y = tg.tensor(a, requires_grad=True)
    (tg.std(y, dim=1).sum() + tg.mean(y, dim=1).sum()).backward()
    assert np.isfinite(x.grad).all()
    np.testing.assert_allclose(x.grad, y.grad, rtol=1e-14)
    np.testing.assert_allclose(x.grad[0], [1 / 3] * 3, rtol=1e-14)


@pytest.mark.parametrize("call", [lambda x, y: x.lerp(y, 0.5), lambda x, y: x.dist(y),
                                  lambda x, y: tg.cdist(x, y), lambda x, y: tg.lerp(x, y, 0.5)])
def test_integer_differences_raise_instead_of_wrapping(call):
    x = tg.tensor(np.array([[3, 1]], np.uint8))
    y = tg.tensor(np.array([[0, 5]], np.uint8))
    with pytest.raises(RuntimeError, match="floating-point"):
        call(x, y)
    # (NumPy's integer arrays: the difference in float64, no wrap-around)
    np.testing.assert_allclose(np.asarray(tg.lerp(np.array([3, 1], np.uint8),
                                                  np.array([0, 5], np.uint8), 0.5)), [1.5, 3.0])
    xf, yf = x.double(), y.double()
    np.testing.assert_allclose(np.asarray(xf.dist(yf)), 5.0)
    np.testing.assert_allclose(np.asarray(xf.lerp(yf, 0.5)), [[1.5, 3.0]])


def test_roll_wants_one_shift_per_dim():
    t = tg.tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(RuntimeError, match="align"):
        t.roll((1, 2), (0,))
    np.testing.assert_array_equal(t.roll(np.array([1, 1]), (0, 1)), np.roll(t.numpy(), (1, 1), (0, 1)))
    np.testing.assert_array_equal(t.roll(1, (0,)), np.roll(t.numpy(), 1, 0))
    np.testing.assert_array_equal(t.roll((1, 2), (0, 1)), np.roll(t.numpy(), (1, 2), (0, 1)))


def test_cat_skips_an_empty_1d_tensor_of_pytorchs():
    t = tg.tensor(np.ones((2, 3)), requires_grad=True)
    out = tg.cat([tg.tensor([]), t * 2, tg.tensor([])])
    assert out.shape == (2, 3)
    out.sum().backward()
    np.testing.assert_array_equal(t.grad, np.full((2, 3), 2.0))
    with pytest.raises(ValueError, match="do not match"):  # (NumPy's arrays: NumPy's error)
        tg.concatenate([np.zeros(0), np.ones((2, 3))])


def test_qr_mode_r_of_a_tensor_is_pytorchs_pair():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    q, r = tg.linalg.qr(tg.tensor(a), mode="r")
    assert q.shape == (0,)
    np.testing.assert_allclose(np.abs(np.asarray(r)), np.abs(np.linalg.qr(a, mode="r")), rtol=1e-14)
    np.testing.assert_allclose(np.abs(tg.linalg.qr(a, mode="r")), np.abs(np.linalg.qr(a, mode="r")),
                               rtol=1e-14)  # (NumPy's arrays: R alone, as NumPy)


def test_norms_take_pytorchs_dtype():
    x = tg.tensor(X.astype(np.float32))
    v = tg.linalg.vector_norm(x, dtype=tg.float64)
    m = tg.linalg.matrix_norm(x, "nuc", dim=(0, 1), dtype=tg.float64)
    assert v.dtype == np.float64 and m.dtype == np.float64
    np.testing.assert_allclose(np.asarray(v), np.linalg.norm(X), rtol=1e-15)
    np.testing.assert_allclose(np.asarray(m), np.linalg.norm(X, "nuc"), rtol=1e-14)


def test_sdpa_refuses_an_integer_mask():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal((1, 1, 2, 3)) for _ in range(3))
    m = np.array([[1, 0], [1, 1]])
    sdpa = tg.nn.functional.scaled_dot_product_attention
    with pytest.raises(RuntimeError, match="boolean.*or floating"):
        sdpa(q, k, v, attn_mask=m)
    logits = q[0, 0] @ k[0, 0].T / np.sqrt(3)
    w = np.exp(np.where(m.astype(bool), logits, -np.inf))
    want = (w / w.sum(-1, keepdims=True)) @ v[0, 0]
    np.testing.assert_allclose(np.asarray(sdpa(q, k, v, attn_mask=m.astype(bool)))[0, 0], want,
                               rtol=1e-13)


def test_pytorchs_parameter_attributes_of_rmsnorm_and_attention():
    assert tg.nn.RMSNorm(4, elementwise_affine=False).weight is None
    np.testing.assert_array_equal(tg.nn.RMSNorm(4).weight, np.ones(4))
    m = tg.nn.MultiheadAttention(4, 2)
    assert m.in_proj_weight.shape == (12, 4) and m.in_proj_bias.shape == (12,)
    assert m.q_proj_weight is None and m.bias_k is None
    assert m.out_proj.weight.shape == (4, 4) and m.out_proj.bias.shape == (4,)
    m.out_proj.weight.data.fill_(0.5)  # (the parameter itself, as PyTorch's init code writes it)
    np.testing.assert_array_equal(m.params["out_proj"]["weight"], np.full((4, 4), 0.5))
    assert tg.nn.MultiheadAttention(4, 2, kdim=3).k_proj_weight.shape == (4, 3)
    assert tg.nn.TransformerEncoderLayer(4, 2).self_attn.out_proj.weight.shape == (4, 4)
    with pytest.raises(AttributeError, match="weight, bias"):
        m.out_proj.nothing


def test_copysign_keeps_the_sign_input_on_the_tape():
    a, b = np.array([1.0, -2.0, 3.0, 0.0]), np.array([1.0, 2.0, -1.0, -3.0])
    tb = tg.tensor(b, requires_grad=True)
    y = tg.copysign(a, tb)
    assert y.requires_grad  # (PyTorch's: its derivative in the sign input is 0)
    y.sum().backward()  # (raised "this tensor has no graph" before)
    assert tb.grad is None or not np.any(tb.grad)
    ta = tg.tensor(a, requires_grad=True)
    tg.copysign(ta, tb).sum().backward()
    np.testing.assert_array_equal(ta.grad, [1.0, -1.0, -1.0, 0.0])  # (0 at 0: abs's convention)


def test_logit_takes_pytorchs_eps_by_position_for_its_tensors():
    x = np.array([0.0, 0.5, 1.0])
    want = np.asarray(tg.logit(x, eps=0.1))
    np.testing.assert_allclose(np.asarray(tg.logit(tg.tensor(x), 0.1)), want, rtol=1e-15)
    np.testing.assert_allclose(np.log(0.9 / 0.1), want[2], rtol=1e-15)
    with pytest.raises(TypeError, match="by name"):  # (NumPy's arrays: a second positional is out=)
        tg.logit(x, 0.1)


def test_empty_medians_and_quantiles_as_pytorch():
    t = tg.tensor([], requires_grad=True)
    m = t.median()
    assert np.isnan(m.item()) and np.isnan(np.asarray(tg.tensor([]).nanmedian()))
    m.backward()
    assert t.grad.shape == (0,)
    for name in ("quantile", "nanquantile"):
        with pytest.raises(RuntimeError, match="non-empty"):
            getattr(tg.tensor([]), name)(0.5)


def test_fftfreq_of_zero_length_is_jaxs_and_pytorchs():
    assert tg.fft.fftfreq(0).shape == (0,)
    r = tg.fft.rfftfreq(0)  # (one entry, 0/0)
    assert r.shape == (1,) and np.isnan(r).all()
    with pytest.raises(ValueError):  # (NumPy's error for a float length)
        tg.fft.fftfreq(4.0)
    np.testing.assert_array_equal(tg.fft.fftfreq(5, 0.5), np.fft.fftfreq(5, 0.5))


def test_normalize_accepts_out_none():
    got = tg.nn.functional.normalize(tg.tensor(np.array([3.0, 4.0])), dim=0, out=None)
    np.testing.assert_allclose(np.asarray(got), [0.6, 0.8], rtol=1e-15)


def test_index_fill_counts_negative_indices_from_the_end():
    x = tg.tensor(np.zeros((2, 3)), requires_grad=True)
    y = x.index_fill(1, tg.tensor([-1]), 5.0)
    np.testing.assert_array_equal(y.detach().numpy(), [[0, 0, 5], [0, 0, 5]])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [[1, 1, 0], [1, 1, 0]])
    with pytest.raises(IndexError, match="index -4 is out of bounds"):
        x.index_fill(1, tg.tensor([-4]), 1.0)


def test_unsigned_trace_and_sum_to_size_accumulate_in_int64():
    t = tg.tensor(np.full((2, 2), 200, np.uint8))
    assert t.trace().dtype == np.int64 and tg.trace(t).dtype == np.int64
    assert t.sum_to_size(1, 2).dtype == np.int64
    assert int((t.trace() - 500).item()) == -100  # (uint64 would wrap around)
    assert tg.trace(np.full((2, 2), 200, np.uint8)).dtype == np.uint64  # (NumPy's arrays: NumPy's)


def test_vecdot_dim_counts_in_the_broadcast_shape():
    a, b = np.arange(8.0).reshape(2, 4), np.arange(4.0)
    np.testing.assert_allclose(np.asarray(tg.linalg.vecdot(tg.tensor(a), tg.tensor(b), dim=0)),
                               (a * b).sum(0))
    np.testing.assert_allclose(np.asarray(tg.linalg.vecdot(a, b)), np.linalg.vecdot(a, b))
    t = tg.tensor(b, requires_grad=True)
    tg.linalg.vecdot(tg.tensor(a), t, dim=0).sum().backward()
    np.testing.assert_allclose(t.grad, a.sum(0))


def test_review_cat_dtype_norm_complex_dtype_and_scipy_qr():
    assert tg.cat([tg.tensor([]), tg.tensor([[1, 2]])]).dtype == np.float64
    assert tg.cat([tg.tensor([], dtype=tg.complex128), tg.tensor([[1.0, 2.0]])]).dtype == np.complex128
    z = [1 + 1j, 2 - 1j]
    with pytest.raises(RuntimeError, match="imaginary"):
        tg.linalg.vector_norm(tg.tensor(z), dtype=tg.float64)
    np.testing.assert_allclose(np.asarray(tg.linalg.vector_norm(tg.tensor(z), dtype=tg.complex128)),
                               np.linalg.norm(z), rtol=1e-15)
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    r, = tg.scipy.linalg.qr(tg.tensor(a), mode="r")  # (tg.linalg's PyTorch pair must not leak in)
    np.testing.assert_allclose(np.abs(np.asarray(r)), np.abs(scipy.linalg.qr(a, mode="r")[0]),
                               rtol=1e-13, atol=1e-13)


def test_second_review_norm_dtype_and_roll_without_dims():
    z = np.array([[1 + 2j, 3 - 1j], [0.5j, 2]])
    for call in (lambda: tg.tensor(z).norm(dtype=tg.float64),
                 lambda: tg.linalg.norm(tg.tensor(z), dtype=tg.float64),
                 lambda: tg.norm(tg.tensor(z), dtype=tg.float64)):
        with pytest.raises(RuntimeError, match="imaginary"):
            call()
    np.testing.assert_allclose(np.asarray(tg.tensor(z).norm(dtype=tg.complex128)),
                               np.linalg.norm(z), rtol=1e-15)
    x = tg.tensor(np.arange(6.0).reshape(2, 3))
    with pytest.raises(RuntimeError, match="without dims"):
        x.roll((1, 2))  # (rolled the flattened tensor by 3)
    np.testing.assert_array_equal(x.roll((1,)), np.roll(x.numpy(), 1))
