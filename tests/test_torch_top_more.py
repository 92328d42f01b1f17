"""PyTorch's top-level names added by tensorgrad.torch_top_more and torch_top_settings."""
import threading
import warnings

import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp
import tensorgrad.nn.functional as F

RNG = np.random.default_rng(0)


def _num_grad(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        g[i] = (f(x + d) - f(x - d)) / (2 * eps)
    return g


@pytest.mark.parametrize("name,op", [("eq", np.equal), ("ne", np.not_equal), ("lt", np.less),
                                     ("le", np.less_equal), ("gt", np.greater),
                                     ("ge", np.greater_equal)])
def test_comparisons(name, op):
    a = np.array([[1.0, 2.0, np.nan]], np.float32)
    b = np.array([[1.0], [2.0], [np.nan]], np.float32)
    out = getattr(tg, name)(a, b)
    assert type(out) is np.ndarray and out.dtype == bool
    np.testing.assert_array_equal(out, op(a, b))
    np.testing.assert_array_equal(getattr(tg, name)(a, 2), op(a, 2))
    t = getattr(tg, name)(tg.tensor(a), b)
    assert isinstance(t, tg.Tensor) and t.dtype == bool
    np.testing.assert_array_equal(np.asarray(t), op(a, b))


def test_comparison_in_gradient():
    f = lambda x: tg.sum(tg.where(tg.gt(x, 1.0), x * x, -x))  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(np.array([0.5, 2.0, 3.0])), [-1.0, 4.0, 6.0])


def test_functional_at_top_level():
    x = RNG.standard_normal((2, 4, 9))
    w = RNG.standard_normal((6, 4, 3))
    np.testing.assert_allclose(tg.conv1d(x, w, None, 2, 1), F.conv1d(x, w, None, 2, 1))
    np.testing.assert_allclose(tg.max_pool1d(x, 3, 2), F.max_pool1d(x, 3, 2))
    vals, idx = tg.max_pool1d_with_indices(x, 3)
    np.testing.assert_allclose(vals, np.take_along_axis(x, np.asarray(idx), -1))
    vals, idx = tg.adaptive_max_pool1d(x, 3)
    np.testing.assert_allclose(vals, x.reshape(2, 4, 3, 3).max(-1))
    g, b = RNG.standard_normal(4), RNG.standard_normal(4)
    out = tg.batch_norm(x, g, b, None, None, True, 0.1, 1e-5, False)
    m, v = x.mean((0, 2), keepdims=True), x.var((0, 2), keepdims=True)
    np.testing.assert_allclose(out, (x - m) / np.sqrt(v + 1e-5) * g[:, None] + b[:, None], atol=1e-12)
    out = tg.instance_norm(x, None, None, None, None, True, 0.1, 1e-5, False)
    m, v = x.mean(2, keepdims=True), x.var(2, keepdims=True)
    np.testing.assert_allclose(out, (x - m) / np.sqrt(v + 1e-5), atol=1e-12)
    np.testing.assert_array_equal(tg.native_channel_shuffle(x, 2), F.channel_shuffle(x, 2))


def test_embedding_weight_first_and_padding_gradient():
    W = RNG.standard_normal((5, 3))
    idx = np.array([[0, 2, 2], [4, 1, 0]])
    np.testing.assert_array_equal(tg.embedding(W, idx), W[idx])
    g = tg.grad(lambda w: tg.sum(tg.embedding(w, idx, 2)))(W)
    counts = np.bincount(idx.ravel(), minlength=5).astype(float)
    counts[2] = 0.0
    np.testing.assert_allclose(g, np.repeat(counts[:, None], 3, 1))


def test_losses_int_reduction():
    x, t = RNG.standard_normal((3, 4)), (RNG.random((3, 4)) > 0.5).astype(float)
    full = np.maximum(x, 0) - x * t + np.log1p(np.exp(-np.abs(x)))
    for red, want in ((0, full), (1, full.mean()), (2, full.sum())):
        np.testing.assert_allclose(tg.binary_cross_entropy_with_logits(x, t, None, None, red), want)
    y = np.array([1.0, -1.0, 1.0])
    a, b = RNG.standard_normal(3), RNG.standard_normal(3)
    np.testing.assert_allclose(tg.margin_ranking_loss(a, b, y, 0.1, 2),
                               np.maximum(0, -y * (a - b) + 0.1).sum())
    np.testing.assert_allclose(tg.poisson_nll_loss(x, t, True, False, 1e-8, 1),
                               (np.exp(x) - t * x).mean())
    with pytest.raises(ValueError, match="reduction"):
        tg.hinge_embedding_loss(x, np.sign(x), 1.0, 3)
    # without reduction, PyTorch's top-level losses give each entry's loss (F's give the mean)
    np.testing.assert_allclose(tg.binary_cross_entropy_with_logits(x, t), full)
    np.testing.assert_allclose(tg.margin_ranking_loss(a, b, y), np.maximum(0, -y * (a - b)))
    s = np.sign(x)
    np.testing.assert_allclose(tg.hinge_embedding_loss(x, s), np.where(s > 0, x, np.maximum(0, 1 - x)))
    assert tg.cosine_embedding_loss(x, x[::-1], y).shape == (3,)
    assert tg.triplet_margin_loss(x, x[::-1], 2 * x).shape == (3,)


def test_dropouts_need_train_and_draw_from_key_or_stream():
    x = RNG.standard_normal((4, 3, 5))
    assert tg.alpha_dropout(x, 0.5, False) is x or np.array_equal(tg.alpha_dropout(x, 0.5, False), x)
    with pytest.raises(TypeError, match="train"):
        tg.alpha_dropout(x, 0.5, None)
    tg.manual_seed(4)  # without a key: the global stream, as PyTorch's generator
    y1, y2 = (np.asarray(tg.feature_dropout(x, 0.5, True)) for _ in range(2))
    tg.manual_seed(4)
    np.testing.assert_array_equal(np.asarray(tg.feature_dropout(x, 0.5, True)), y1)
    assert ((y1 == 0) != (y2 == 0)).any()
    with pytest.raises(ValueError, match="feature_dropout: without a key"):
        tg.jit(lambda v: tg.feature_dropout(v, 0.5, True))(x)
    y = np.asarray(tg.feature_dropout(x, 0.5, True, key=tg.random.PRNGKey(1)))
    kept = np.all(y != 0, axis=2)
    assert np.all(kept | np.all(y == 0, axis=2))  # (whole channels)
    np.testing.assert_allclose(y[kept], 2 * x[kept])
    with pytest.raises(RuntimeError, match="2 dimensions"):
        tg.feature_dropout(np.ones(3), 0.5, True)


def test_small_functions():
    x = RNG.standard_normal((3, 4))
    np.testing.assert_allclose(tg.rsub(x, 5.0, alpha=2), 5.0 - 2 * x)
    np.testing.assert_array_equal(tg.fill(x, 2.5), np.full((3, 4), 2.5))
    with pytest.raises(RuntimeError, match="0-dimension"):
        tg.fill(x, np.ones(2))
    s = tg.scalar_tensor(3)
    assert isinstance(s, tg.Tensor) and s.shape == () and float(s) == 3.0
    parts = tg.split_with_sizes(x, [1, 3], 1)
    assert [p.shape for p in parts] == [(3, 1), (3, 3)]
    with pytest.raises(RuntimeError, match="sum exactly"):
        tg.split_with_sizes(x, [1, 2], 1)
    m2, m3 = RNG.standard_normal((4, 2)), RNG.standard_normal((2, 5))
    np.testing.assert_allclose(tg.chain_matmul(x, m2, m3), x @ m2 @ m3)
    with pytest.raises(RuntimeError, match="2 dimensions"):
        tg.chain_matmul(np.ones(3))
    np.testing.assert_allclose(tg.frobenius_norm(x, 1), np.linalg.norm(x, axis=1))
    np.testing.assert_allclose(tg.frobenius_norm(x, ()), np.linalg.norm(x))  # () is every axis
    np.testing.assert_array_equal(tg.grad(lambda a: tg.frobenius_norm(a, (0, 1)))(np.zeros((2, 3))), 0.0)
    with pytest.raises(TypeError, match="dim is required"):
        tg.frobenius_norm(x, None)
    np.testing.assert_allclose(tg.nuclear_norm(x), np.linalg.norm(x, "nuc"))
    g = tg.grad(lambda a: tg.nuclear_norm(a))(x)
    u, _, vh = np.linalg.svd(x, full_matrices=False)
    np.testing.assert_allclose(g, u @ vh, atol=1e-10)
    assert tg.is_nonzero(np.array([0.5])) and not tg.is_nonzero(np.array([0.0]))
    with pytest.raises(RuntimeError):
        tg.is_nonzero(np.ones(2))
    assert not tg.is_same_size(np.ones(2), np.ones((1, 2))) and tg.is_same_size(x, x)
    assert not tg.is_signed(np.ones(2, np.uint8)) and tg.is_signed(x)
    assert tg.is_neg(x) is False and tg.is_inference(x) is False
    t = tg.tensor(x, requires_grad=True)
    assert tg.detach(t).requires_grad is False


@pytest.mark.parametrize("name,args,ref", [
    ("diagonal_copy", (1, 0, 1), lambda a: np.diagonal(a, 1)),
    ("transpose_copy", (0, 1), lambda a: a.T),
    ("t_copy", (), lambda a: a.T),
    ("select_copy", (1, -1), lambda a: a[:, -1]),
    ("slice_copy", (1, -100, 100, 2), lambda a: a[:, ::2]),
    ("unfold_copy", (1, 2, 2), lambda a: a.reshape(3, 2, 2)),
    ("view_copy", ((2, -1),), lambda a: a.reshape(2, -1)),
    ("expand_copy", ((2, 3, 4),), lambda a: np.broadcast_to(a, (2, 3, 4))),
    ("unsqueeze_copy", (0,), lambda a: a[None]),
    ("permute_copy", ((1, 0),), lambda a: a.T),
    ("alias_copy", (), lambda a: a),
])
def test_copies_are_new_and_differentiable(name, args, ref):
    x = RNG.standard_normal((3, 4))
    out = getattr(tg, name)(x, *args)
    np.testing.assert_array_equal(out, ref(x))
    assert not np.shares_memory(out, x)
    w = RNG.standard_normal(np.shape(out))
    g = tg.grad(lambda a: tg.sum(getattr(tg, name)(a, *args) * w))(x)
    np.testing.assert_allclose(g, _num_grad(lambda a: np.sum(ref(a) * w), x), atol=1e-6)


def test_split_and_unbind_copies():
    x = RNG.standard_normal((3, 4))
    for parts, want in ((tg.split_copy(x, 3, 1), [x[:, :3], x[:, 3:]]),
                        (tg.split_with_sizes_copy(x, [1, 2]), [x[:1], x[1:]]),
                        (tg.unbind_copy(x, 1), list(x.T))):
        assert len(parts) == len(want)
        for p, q in zip(parts, want):
            np.testing.assert_array_equal(p, q)
            assert not np.shares_memory(p, x)
    z = x[:, :2].copy()
    np.testing.assert_array_equal(tg.view_as_real_copy(tg.view_as_complex_copy(z)), z)
    t = tg.tensor(x, requires_grad=True)
    assert tg.detach_copy(t).requires_grad is False


def _cos_window(n, periodic, coeffs):
    if n <= 1:
        return np.ones(n)
    m = n + 1 if periodic else n
    k = np.arange(n)
    return sum((-1) ** j * c * np.cos(2 * np.pi * j * k / (m - 1)) for j, c in enumerate(coeffs))


@pytest.mark.parametrize("n", [0, 1, 2, 7])
@pytest.mark.parametrize("periodic", [True, False])
def test_windows(n, periodic):
    np.testing.assert_allclose(tg.hann_window(n, periodic), _cos_window(n, periodic, (0.5, 0.5)), atol=1e-15)
    np.testing.assert_allclose(tg.hamming_window(n, periodic), _cos_window(n, periodic, (0.54, 0.46)), atol=1e-15)
    np.testing.assert_allclose(tg.blackman_window(n, periodic),
                               _cos_window(n, periodic, (0.42, 0.5, 0.08)), atol=1e-15)
    m = n + 1 if periodic else n
    k = np.arange(n)
    bart = np.ones(n) if n <= 1 else 1 - np.abs(2 * k / (m - 1) - 1)
    np.testing.assert_allclose(tg.bartlett_window(n, periodic), bart, atol=1e-15)
    kai = np.ones(n) if n <= 1 else np.i0(3.0 * np.sqrt(1 - (2 * k / (m - 1) - 1) ** 2)) / np.i0(3.0)
    np.testing.assert_allclose(tg.kaiser_window(n, periodic, 3.0), kai, atol=1e-14)


def test_window_options_and_errors():
    w = tg.hann_window(4, dtype=np.float32, requires_grad=True)
    assert w.dtype == np.float32 and w.requires_grad
    with pytest.raises(RuntimeError, match="non-negative"):
        tg.hann_window(-1)
    with pytest.raises(RuntimeError, match="floating"):
        tg.kaiser_window(4, dtype=np.int64)


def test_rng_state_round_trip():
    tg.manual_seed(5)
    state = tg.get_rng_state()
    a = np.asarray(tg.randn(4))
    tg.randn(3)
    tg.set_rng_state(state)
    np.testing.assert_array_equal(tg.randn(4), a)
    assert tg.initial_seed() == 5
    with pytest.raises(TypeError):
        tg.set_rng_state([1, 2])


def test_settings_are_per_thread():
    tg.use_deterministic_algorithms(True, warn_only=True)
    tg.set_float32_matmul_precision("medium")
    seen = []
    th = threading.Thread(target=lambda: seen.append(
        (tg.are_deterministic_algorithms_enabled(), tg.get_float32_matmul_precision())))
    th.start()
    th.join()
    try:
        assert seen == [(False, "highest")]
        assert tg.get_deterministic_debug_mode() == 1 and tg.is_deterministic_algorithms_warn_only_enabled()
        tg.set_deterministic_debug_mode("error")
        assert tg.get_deterministic_debug_mode() == 2
        with pytest.raises(RuntimeError, match="debug_mode"):
            tg.set_deterministic_debug_mode(5)
        with pytest.raises(ValueError, match="precision"):
            tg.set_float32_matmul_precision("low")
    finally:
        tg.set_deterministic_debug_mode(0)
        tg.set_float32_matmul_precision("highest")
    assert not tg.are_deterministic_algorithms_enabled()


def test_threads_device_misc():
    tg.set_num_threads(3)
    assert tg.get_num_threads() == 3
    with pytest.raises(ValueError):
        tg.set_num_threads(0)
    assert tg.get_default_device() == tg.device("cpu")
    tg.set_default_device("cpu")
    with pytest.raises(ValueError, match="not available"):
        tg.set_default_device("cuda")
    assert tg.set_flush_denormal(True) is False
    tg.set_warn_always(True)
    assert tg.is_warn_always_enabled()
    tg.set_warn_always(False)


def test_anomaly_is_debug_nans():
    tg.set_anomaly_enabled(True)
    try:
        assert tg.is_anomaly_enabled() and tg.is_debugging_nans()
        with pytest.raises(FloatingPointError):
            tg.grad(lambda x: tg.sum(tg.log(x)))(np.array([-1.0]))
    finally:
        tg.set_anomaly_enabled(False)
    assert not tg.is_anomaly_enabled() and tg.is_anomaly_check_nan_enabled()


def test_autocast():
    with tg.autocast("cpu", enabled=False):
        pass
    with pytest.raises(TypeError, match="bfloat16"):
        tg.autocast("cpu")
    with pytest.raises(NotImplementedError, match="float16"):
        tg.autocast("cpu", dtype=np.float16)
    with pytest.warns(UserWarning, match="Disabling autocast"):
        ac = tg.autocast("cpu", dtype=np.float32)
    assert ac(lambda v: v + 1)(1) == 2


def test_compile_runs_eagerly_with_control_flow():
    f = tg.compile(lambda x: x * 2 if float(np.sum(x)) > 0 else -x)
    np.testing.assert_array_equal(f(np.array([1.0])), [2.0])
    np.testing.assert_array_equal(f(np.array([-1.0])), [1.0])
    g = tg.compile(mode="max-autotune")(lambda x: x + 1)
    assert g(1) == 2
    with pytest.raises(RuntimeError, match="mode"):
        tg.compile(lambda x: x, mode="fast")


def test_cond_and_while_loop():
    f = lambda x: tg.sum(tg.cond(tg.sum(x) > 0, lambda a: a * a, lambda a: -a, (x,)))  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(np.array([1.0, 2.0])), [2.0, 4.0])
    np.testing.assert_allclose(tg.grad(f)(np.array([-1.0, -2.0])), [-1.0, -1.0])
    i, v = tg.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * v), (0, np.array([1.5])))
    assert int(i) == 3
    np.testing.assert_allclose(v, [1.5 ** 8])
    g = tg.grad(lambda x: tg.sum(tg.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, v * v),
                                               (0, x))[1]))(np.array([1.5]))
    np.testing.assert_allclose(g, [8 * 1.5 ** 7])
    with pytest.raises(RuntimeError, match="carried"):
        tg.while_loop(lambda v: False, lambda v: v, np.ones(2))


@pytest.mark.parametrize("name", ["eig", "symeig", "lstsq", "solve", "matrix_rank"])
def test_removed_names_raise(name):
    with pytest.raises(RuntimeError, match="tg.linalg"):
        getattr(tg, name)(np.eye(2), np.eye(2))


def test_no_warnings_on_import_use():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tg.eq(np.ones(2), 1)


def test_bernoulli_draws_for_probabilities_and_numbers_for_an_integer():
    tg.manual_seed(0)
    p = tg.tensor(np.array([[0.0, 1.0, 0.5]] * 400))
    draws = tg.bernoulli(p)
    assert isinstance(draws, tg.Tensor) and draws.shape == p.shape and draws.dtype == p.dtype
    np.testing.assert_array_equal(draws[:, :2].numpy(), [[0.0, 1.0]] * 400)
    assert 150 < float(draws[:, 2].sum()) < 250
    assert tg.bernoulli(np.full(5, 0.3), 1.0).tolist() == [1.0] * 5  # (p= replaces the entries)
    np.testing.assert_allclose(tg.bernoulli(4), [1.0, -0.5, 1 / 6, 0.0, -1 / 30])  # SciPy's numbers
    with pytest.raises(RuntimeError, match="probabilities"):
        tg.bernoulli(tg.tensor([2.0]))


def test_softmax_takes_pytorchs_positional_dtype():
    x = tg.tensor(RNG.standard_normal((2, 3)))
    for f in (tg.softmax, tg.log_softmax):  # (a dtype in where='s place was read as a mask)
        for dt in (tg.float32, "float32", np.dtype(np.float32)):
            got = f(x, 1, dt)
            assert got.dtype == np.float32
            np.testing.assert_allclose(got.numpy(), f(x, 1).numpy(), rtol=1e-6)
        with pytest.raises(TypeError, match="floating"):
            f(x, 1, int)
    mask = np.array([[True, False, True], [True, True, True]])  # (JAX's where= is still a mask)
    np.testing.assert_allclose(tg.softmax(x, 1, mask).numpy()[0, 1], 0.0)


def test_logspace_base_and_bernoulli_arguments():
    np.testing.assert_allclose(tnp.logspace(0, 2, 3, 2), [1.0, 10.0, 100.0])  # (jax.numpy's endpoint)
    with pytest.raises(TypeError, match="fourth place"):
        tg.logspace(0, 2, 3, 2, base=3)
    for bad in (True, 0.5):
        with pytest.raises(TypeError, match="probabilities"):
            tg.bernoulli(bad)
    np.testing.assert_allclose(tnp.bernoulli(2), [1.0, -0.5, 1 / 6])


def test_pytorch_keywords_and_positional_forms():
    np.testing.assert_allclose(tg.logspace(0, 2, 3, 2), [1.0, 2.0, 4.0])  # (PyTorch's positional base)
    np.testing.assert_allclose(tg.logspace(0, 2, 3, True), [1.0, 10.0, 100.0])  # (NumPy's endpoint)
    np.testing.assert_allclose(tg.logspace(0, 2, 3, False), 10.0 ** np.linspace(0, 2, 3, endpoint=False))
    x = tg.tensor(np.arange(12.0).reshape(3, 4))
    for made in (tg.linspace(0, 1, 5, requires_grad=True), tg.logspace(0, 1, 3, requires_grad=True),
                 tg.zeros_like(x, requires_grad=True), tg.ones_like(x, requires_grad=True),
                 tg.full_like(x, 2.0, requires_grad=True), tg.empty_like(x, requires_grad=True),
                 tg.eye(n=2, m=3, requires_grad=True)):
        assert made.requires_grad and made.is_leaf
    w = tg.full_like(x, 2.0, requires_grad=True)
    (w * x).sum().backward()
    np.testing.assert_array_equal(w.grad, x.numpy())
    np.testing.assert_array_equal(tg.eye(n=3, m=2).numpy(), np.eye(3, 2))
    assert x.view(size=(2, 6)).shape == (2, 6)
    with pytest.raises(TypeError, match="expected ints"):
        x.view(3, size=(3, 4))  # (both: refused, not one of them silently)
    np.testing.assert_array_equal(tg.gather(x, 1, np.array([[3], [0], [1]]), sparse_grad=False).numpy(),
                                  [[3.0], [4.0], [9.0]])
    t = tg.zeros(size=(200,))
    t.random_(to=3)
    assert set(np.unique(t.numpy())) == {0.0, 1.0, 2.0}
    a = np.diag([3.0, 1.0, 0.05, 1e-9])
    assert int(tg.linalg.matrix_rank(a, atol=0.1)) == 2 and int(tg.linalg.matrix_rank(a, atol=0.01)) == 3
    assert int(tg.linalg.matrix_rank(a, atol=0.01, rtol=0.5)) == 1  # max(atol, rtol·σ_max)
    np.testing.assert_array_equal(tg.linalg.matrix_rank(np.stack([a, 2 * a]), atol=0.1, rtol=0.05), [2, 2])
    stack = np.stack([np.diag([1.0, 0.5, 0.05])] * 3)  # (one atol per matrix)
    np.testing.assert_array_equal(tg.linalg.matrix_rank(stack, atol=np.array([0.01, 0.1, 0.9]), rtol=1e-8), [3, 2, 1])


def test_conv2d_and_max_pool2d_take_pytorchs_top_level_form():
    x, w, b = RNG.standard_normal((1, 2, 5, 5)), RNG.standard_normal((3, 2, 3, 3)), np.arange(3.0)
    F = tg.nn.functional
    np.testing.assert_allclose(tg.conv2d(x, w, b), F.conv2d(x, w, b))  # (a bias third: PyTorch's)
    np.testing.assert_allclose(tg.conv2d(x, w, None, 2, 1, 2), F.conv2d(x, w, None, 2, 1, 2))
    np.testing.assert_allclose(tg.conv2d(x, w, bias=b, groups=1), F.conv2d(x, w, b))
    np.testing.assert_allclose(tg.conv2d(x, w, 2, 1), F.conv2d(x, w, None, 2, 1))  # (the op's form)
    assert tg.conv2d.__wrapped__ is tg.ops.conv2d and tg.max_pool2d.__wrapped__ is tg.ops.max_pool2d
    np.testing.assert_allclose(tg.max_pool2d(x, 2, padding=1), F.max_pool2d(x, 2, padding=1))
    np.testing.assert_allclose(tg.max_pool2d(x, 3, 1, 1, 1, True), F.max_pool2d(x, 3, 1, 1, 1, True))
    np.testing.assert_allclose(tg.max_pool2d(x, 2), F.max_pool2d(x, 2))
    g = tg.grad(lambda a: tg.conv2d(a, w, b, 1, 1).sum())(x)
    np.testing.assert_allclose(g, tg.grad(lambda a: F.conv2d(a, w, b, 1, 1).sum())(x))


def test_random_draws_pytorchs_ranges():
    tg.manual_seed(1)
    for dt, top in ((np.float16, 2 ** 11), (np.float32, 2 ** 24), (np.float64, 2 ** 53)):
        t = tg.zeros(size=(4000,), dtype=dt)
        t.random_()  # (float16's old range, [0, 2^53], overflowed to inf)
        v = t.numpy().astype(np.float64)
        assert np.isfinite(v).all() and v.min() >= 0 and v.max() <= top and v.max() > top / 2
    t = tg.zeros(size=(300,))
    t.random_(3, to=None)  # [3, top]
    assert t.numpy().min() >= 3 and t.numpy().max() > 1e6
    t.random_(**{"from": 3, "to": 6})
    assert set(t.numpy().tolist()) == {3.0, 4.0, 5.0}
    t.random_(4)
    assert set(t.numpy().tolist()) == {0.0, 1.0, 2.0, 3.0}
    with pytest.raises(RuntimeError, match="from"):
        t.random_(5, 2)
    for dt, top in ((np.int8, 127), (np.uint8, 255), (np.bool_, 1)):  # (integer tensors too)
        t = tg.zeros(size=(3000,), dtype=dt)
        t.random_()
        assert t.dtype == dt and int(t.numpy().max()) == top and int(t.numpy().min()) == 0


def test_a_number_after_a_ufuncs_inputs_is_not_taken_for_out():
    with pytest.raises(TypeError, match="by name"):  # (it said "out= is not supported")
        tg.logit(np.array([0.2]), 1e-3)
    np.testing.assert_allclose(tg.logit(np.array([0.0]), eps=1e-3), np.log(1e-3 / (1 - 1e-3)))


def test_inference_mode_false_records_and_anomaly_switches_as_pytorch():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    for outer in (tg.no_grad, tg.inference_mode):
        with outer():
            with tg.inference_mode(False):
                assert tg.is_grad_enabled() and not tg.is_inference_mode_enabled()
                assert (x * 2.0).requires_grad
            assert not tg.is_grad_enabled()
    block = tg.autograd.detect_anomaly()  # made, not entered: nothing switches yet
    assert not tg.is_anomaly_enabled()
    with block:
        assert tg.is_anomaly_enabled() and tg.is_debugging_nans()
        with block:  # entered again inside itself: each exit restores its own entry's state
            pass
        assert tg.is_anomaly_enabled()
    assert not tg.is_anomaly_enabled()
    with tg.autograd.set_detect_anomaly(True, check_nan=False):
        assert tg.is_anomaly_enabled() and not tg.is_anomaly_check_nan_enabled()
        assert not tg.is_debugging_nans()  # on, but with nothing to check
    assert not tg.is_anomaly_enabled() and tg.is_anomaly_check_nan_enabled()
    tg.set_anomaly_enabled(True, check_nan=False)
    try:
        assert tg.is_anomaly_enabled() and not tg.is_debugging_nans()
    finally:
        tg.set_anomaly_enabled(False)
    assert not tg.is_anomaly_enabled() and tg.is_anomaly_check_nan_enabled()
