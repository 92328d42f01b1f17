"""tg.nn at non-finite values and at argument values PyTorch accepts: NaN and inf reach
exactly the outputs (and gradients) whose formula holds them, and no others; PyTorch's
keywords on the activations that carry jax.nn's names. References: NumPy/SciPy computed by
hand, JAX (float64), central differences. Each test failed before its fix (the comment at
each test says what the old code gave)."""
import inspect

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.spatial.distance as ssd

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient

jax.config.update("jax_enable_x64", True)

nn = tg.nn
RNG = np.random.default_rng(7)


def _same(got, want, rtol=1e-12):
    got, want = np.asarray(got), np.asarray(want)
    assert got.shape == want.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-14)


# ---- p-norm distances (finding 1) --------------------------------------------------------------
A = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0], [0.5, np.nan, 1.0], [0.0, 0.0, 0.0]])
B = np.array([[0.5, 1.0, 1.0], [0.0, 1.0, 2.0], [0.5, 2.0, 0.0], [0.0, 0.0, 0.0]])


@pytest.mark.parametrize("p", [2.0, 3.0, 1.5, 0.5, -1.0])
def test_pnorm_distances_keep_nan_and_the_zero_norm_slope(p):
    # before: p = 2 gave 0 for a NaN row (the guard s > 0 sent NaN to the zero branch), other
    # p dropped the NaN entry from the sum; the gradient was 0 for the row's finite entries
    d = A - B  # row 2 has a zero difference next to the NaN, row 3 is all zeros
    with np.errstate(divide="ignore"):
        want = np.linalg.norm(d, ord=p, axis=-1)
    _same(nn.pairwise_distance(A, B, p=p, eps=0.0), want)
    g = tg.grad(lambda x: tg.sum(nn.pairwise_distance(x, B, p=p, eps=0.0)))(A)

    def jnorm(x):  # the plain formula, as JAX differentiates it
        return jnp.sum(jnp.sum(jnp.abs(x - B) ** p, axis=-1) ** (1 / p))
    jg = np.asarray(jax.grad(jnorm)(jnp.asarray(A)))
    np.testing.assert_array_equal(np.isnan(g[:3]), np.isnan(jg[:3]))  # every entry of a NaN row
    assert np.isnan(g[[0, 2]]).all() and np.isfinite(g[1]).all()
    np.testing.assert_allclose(g[1], jg[1], rtol=1e-12)
    np.testing.assert_array_equal(g[3], 0.0)  # a zero norm keeps its slope 0 (JAX: NaN)


def test_pdist_normalize_triplet_and_cosine_similarity_keep_nan():
    # before: pdist of a NaN row gave 0, normalize gave x/eps (1e12-sized entries), triplet
    # gave the margin, cosine_similarity's norm dropped the NaN (x/eps again)
    X = np.array([[1.0, np.nan, 3.0], [1.0, 2.0, 3.0], [0.0, 1.0, 1.0]])
    _same(nn.pdist(X), ssd.pdist(X))
    _same(nn.pdist(X, p=3), ssd.pdist(X, "minkowski", p=3))
    _same(nn.normalize(X), X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12))
    c = np.arange(9.0).reshape(3, 3)
    gn = tg.grad(lambda x: tg.sum(nn.normalize(x) * c))(X)
    assert np.isnan(gn[0]).all() and np.isfinite(gn[1:]).all()
    anchor = X[:2]
    loss = nn.triplet_margin_loss(anchor, X[1:], 2 * X[1:], reduction="none")
    assert np.isnan(loss[0]) and np.isfinite(loss[1])
    cos = nn.cosine_similarity(X, np.ones((3, 3)))
    assert np.isnan(cos[0]) and np.isfinite(cos[1:]).all()
    gc = tg.grad(lambda x: tg.sum(nn.cosine_similarity(x, np.ones((3, 3)))))(X)
    assert np.isnan(gc[0]).all() and np.isfinite(gc[1:]).all()


# ---- hinge losses (finding 2) ------------------------------------------------------------------
def test_hinge_losses_keep_nan_and_their_kink_slopes():
    # before: max(0, z) was where(z >= 0, z, 0), which turned a NaN into 0
    x1, x2, y = np.array([np.nan, 1.0, 2.0]), np.array([0.0, 0.0, 2.0]), np.ones(3)
    _same(nn.margin_ranking_loss(x1, x2, y, reduction="none"), np.maximum(0.0, -y * (x1 - x2)))
    assert np.isnan(nn.margin_ranking_loss(x1, x2, y))
    # PyTorch's clamp_min slopes: 1 at the kink z = 0 (third entry), 0 at z < 0 and at NaN
    g = tg.grad(lambda a: nn.margin_ranking_loss(a, x2, y, reduction="sum"))(x1)
    np.testing.assert_array_equal(g, [0.0, 0.0, -1.0])
    t = np.array([-1.0, -1.0, 1.0])
    h = np.array([np.nan, 0.25, 3.0])
    _same(nn.hinge_embedding_loss(h, t, reduction="none"),
          np.where(t == 1, h, np.maximum(0.0, 1.0 - h)))
    a = np.array([[np.nan, 1.0], [1.0, 2.0]])
    b = np.array([[1.0, 1.0], [2.0, 1.0]])
    cos = (a * b).sum(1) / np.sqrt(((a * a).sum(1) + 1e-12) * ((b * b).sum(1) + 1e-12))
    _same(nn.cosine_embedding_loss(a, b, -np.ones(2), reduction="none"), np.maximum(0.0, cos))
    # triplet_margin_loss's clamp: a NaN distance stays NaN
    assert np.isnan(nn.triplet_margin_loss(a, b, b + 1, reduction="none")[0])


# ---- ignored class positions (finding 3) -------------------------------------------------------
def test_ignored_positions_holding_nan_or_inf_add_nothing():
    # before: the loss of an ignored position was 0·(picked value): NaN for NaN or ±inf there
    logits = np.array([[0.1, 0.2, 0.3], [np.nan, np.nan, np.nan], [1.0, -1.0, 0.5]])
    target = np.array([1, 0, 2])  # class 0 is the padding id
    lp = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    want = -(lp[0, 1] + lp[2, 2]) / 2
    np.testing.assert_allclose(nn.cross_entropy(logits, target, ignore_index=0), want, rtol=1e-13)
    w = np.array([1.0, 0.5, 2.0])
    np.testing.assert_allclose(nn.cross_entropy(logits, target, weight=w, ignore_index=0),
                               -(0.5 * lp[0, 1] + 2.0 * lp[2, 2]) / 2.5, rtol=1e-13)
    logp = np.log(np.full((2, 3), 1 / 3))
    logp[1, 0] = -np.inf
    got = nn.nll_loss(logp, np.array([1, 0]), ignore_index=0, reduction="none")
    np.testing.assert_array_equal(got, [np.log(3.0), 0.0])
    assert not np.signbit(got[1])
    np.testing.assert_allclose(nn.nll_loss(logp, np.array([1, 0]), ignore_index=0,
                                           reduction="sum"), np.log(3.0), rtol=1e-15)
    # the kept rows' gradient is the plain one (JAX on the kept rows alone)
    g = tg.grad(lambda z: nn.cross_entropy(z, target, ignore_index=0))(logits)
    kept = logits[[0, 2]]

    def jloss(z):
        return -jnp.mean(jax.nn.log_softmax(z)[jnp.arange(2), jnp.array([1, 2])])
    np.testing.assert_allclose(g[[0, 2]], jax.grad(jloss)(jnp.asarray(kept)), rtol=1e-12)


# ---- per-window sums (finding 4) ---------------------------------------------------------------
def _np_adaptive(x, outs):
    """Adaptive average pooling by hand: window i of an axis of L runs from floor(i·L/o) to
    ceil((i+1)·L/o)."""
    n = len(outs)
    spans = [[((i * L) // o, -((-(i + 1) * L) // o)) for i in range(o)]
             for L, o in zip(x.shape[-n:], outs)]
    out = np.empty(x.shape[:-n] + tuple(outs))
    for idx in np.ndindex(*outs):
        box = tuple(slice(*spans[k][i]) for k, i in enumerate(idx))
        out[(Ellipsis,) + idx] = x[(Ellipsis,) + box].mean(axis=tuple(range(-n, 0)))
    return out


# uneven windows (a gather), even ones (a reshape), one entry each (a repeat), and mixes
POOLS = [(nn.adaptive_avg_pool1d, (2, 3, 11), (4,)), (nn.adaptive_avg_pool1d, (3, 4), (8,)),
         (nn.adaptive_avg_pool1d, (2, 2, 12), (3,)), (nn.adaptive_avg_pool1d, (1, 5), (10,)),
         (nn.adaptive_avg_pool2d, (1, 2, 7, 9), (3, 4)),
         (nn.adaptive_avg_pool2d, (2, 5, 4), (4, 6)),
         (nn.adaptive_avg_pool3d, (1, 1, 5, 4, 6), (2, 3, 4)),
         (nn.adaptive_avg_pool3d, (2, 3, 3, 7), (3, 1, 3))]


@pytest.mark.parametrize("fn, shape, outs", POOLS)
def test_adaptive_average_pooling_keeps_non_finite_entries_in_their_windows(fn, shape, outs):
    # before: a product with an averaging matrix, so one inf or NaN made whole planes NaN
    x = RNG.normal(size=shape)
    flat = x.reshape(-1)
    flat[3], flat[-2] = np.nan, np.inf
    want = _np_adaptive(x, outs)
    _same(fn(x, outs), want)
    _same(tg.jit(lambda v: fn(v, outs))(x), want)
    _same(tg.vmap(lambda v: fn(v, outs))(x[None]), want[None])
    # still linear and differentiable: the jvp is the pooling of the tangent, the gradient
    # (finite input) central differences' (the second derivative is 0)
    t = RNG.normal(size=shape)
    _same(tg.jvp(lambda v: fn(v, outs), (x,), (t,))[1], _np_adaptive(t, outs))
    xf = RNG.normal(size=shape)
    c = RNG.normal(size=want.shape)
    g = tg.grad(lambda v: tg.sum(fn(v, outs) * c))(xf)
    np.testing.assert_allclose(
        g, central_difference_gradient(lambda v: np.sum(_np_adaptive(v, outs) * c), xf), atol=1e-8)
    h = tg.grad(lambda v: tg.sum(tg.grad(lambda u: tg.sum(fn(u, outs) * c))(v) ** 2))(xf)
    np.testing.assert_allclose(h, 0.0, atol=1e-12)


@pytest.mark.parametrize("shape, size", [((1, 2, 9), (4,)), ((1, 2, 7, 5), (3, 2)),
                                         ((1, 1, 4, 5, 6), (3, 2, 4))])
def test_area_interpolation_keeps_non_finite_entries_in_their_windows(shape, size):
    # before: the same averaging-matrix product as adaptive_avg_pool (an einsum for 5-D)
    x = RNG.normal(size=shape)
    x.reshape(-1)[5] = np.nan
    got = nn.interpolate(x, size=size, mode="area")
    _same(got, _np_adaptive(x, size))
    assert 0 < np.isnan(got).sum() < got.size


def _np_bags(W, ids, offsets, psw=None, mean=False):
    ends = list(offsets[1:]) + [len(ids)]
    out = np.zeros((len(offsets), W.shape[1]))
    for b, (s, e) in enumerate(zip(offsets, ends)):
        rows = W[ids[s:e]] * (1.0 if psw is None else psw[s:e, None])
        if e > s:
            out[b] = rows.sum(0) / ((e - s) if mean else 1)
    return out


@pytest.mark.parametrize("mode", ["sum", "mean"])
def test_embedding_bag_keeps_a_nan_in_the_bags_that_use_it(mode):
    # before: a product with a 0/1 membership matrix, so a NaN row or weight reached every bag
    ids, offsets = np.array([0, 1, 2, 3, 1, 4]), np.array([0, 2, 2, 5])
    W = RNG.normal(size=(6, 3))
    W[2, 0] = np.nan  # used by bag 2 only
    want = _np_bags(W, ids, offsets, mean=mode == "mean")
    _same(nn.embedding_bag(ids, W, offsets, mode=mode), want)
    _same(tg.jit(lambda i, w, o: nn.embedding_bag(i, w, o, mode=mode))(ids, W, offsets), want)
    offsets2 = np.array([0, 3, 4, 4])  # a new bag structure through the same plan
    _same(tg.jit(lambda i, w, o: nn.embedding_bag(i, w, o, mode=mode))(ids, W, offsets2),
          _np_bags(W, ids, offsets2, mean=mode == "mean"))
    both = np.stack([offsets, offsets2])
    _same(tg.vmap(lambda o: nn.embedding_bag(ids, W, o, mode=mode))(both),
          np.stack([want, _np_bags(W, ids, offsets2, mean=mode == "mean")]))
    # padding entries are left out, also when their row is NaN
    got = nn.embedding_bag(ids, W, offsets, mode=mode, padding_idx=2)
    assert np.isfinite(got).all()
    if mode == "sum":  # one NaN weight: only its bag
        psw = RNG.normal(size=6)
        psw[0] = np.nan
        Wf = RNG.normal(size=(6, 3))
        _same(nn.embedding_bag(ids, Wf, offsets, mode="sum", per_sample_weights=psw),
              _np_bags(Wf, ids, offsets, psw))
        # gradients (finite), to the table and the weights, as central differences'
        psw = RNG.normal(size=6)
        c = RNG.normal(size=(4, 3))
        gw, gs = tg.grad(lambda w, s: tg.sum(nn.embedding_bag(ids, w, offsets, mode="sum",
                                                              per_sample_weights=s) * c),
                         argnums=(0, 1))(Wf, psw)
        np.testing.assert_allclose(gw, central_difference_gradient(
            lambda w: np.sum(_np_bags(w, ids, offsets, psw) * c), Wf), atol=1e-8)
        np.testing.assert_allclose(gs, central_difference_gradient(
            lambda s: np.sum(_np_bags(Wf, ids, offsets, s) * c), psw), atol=1e-8)


# ---- PyTorch's keywords on jax.nn's names (finding 5) ------------------------------------------
def test_softmax_and_log_softmax_take_dim_and_dtype():
    # before: dim= and dtype= were refused (TypeError: unexpected keyword)
    x = RNG.normal(size=(3, 4))
    for ours, theirs in [(nn.softmax, jax.nn.softmax), (nn.log_softmax, jax.nn.log_softmax)]:
        np.testing.assert_allclose(ours(x, dim=0), theirs(x, axis=0), rtol=1e-13)
        np.testing.assert_allclose(ours(x, 0), theirs(x, 0), rtol=1e-13)  # both libraries' order
        mask = x > -0.5
        np.testing.assert_allclose(ours(x, 1, mask), theirs(x, 1, where=mask), rtol=1e-13)
        got = ours(x, dim=1, dtype=np.float32)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, theirs(x.astype(np.float32), axis=1), rtol=1e-6)
        # PyTorch's positional (input, dim, _stacklevel, dtype)
        got = ours(x, 1, 3, np.float32)
        assert got.dtype == np.float32
        np.testing.assert_allclose(got, theirs(x, 1), rtol=1e-6)
        ints = np.array([[1, 2], [3, 4]])
        np.testing.assert_allclose(ours(ints, dim=1, dtype=np.float64),
                                   theirs(ints.astype(float), axis=1), rtol=1e-14)
        with pytest.raises(TypeError, match="axis.*dim"):
            ours(x, 0, dim=1)
        with pytest.raises(TypeError, match="axis.*dim"):
            ours(x, axis=-1, dim=-1)
        assert list(inspect.signature(ours).parameters) == ["x", "axis", "where", "dtype", "dim"]


def test_softplus_takes_beta_and_threshold():
    # before: softplus took x only
    x = np.array([-30.0, -2.0, 0.0, 1.5, 4.9, 5.0, 5.1, 12.0, 25.0])
    np.testing.assert_array_equal(nn.softplus(x), tg.softplus(x))  # still jax.nn.softplus
    np.testing.assert_allclose(nn.softplus(x), jax.nn.softplus(x), rtol=1e-14)
    for beta, threshold in [(2.0, 10.0), (0.5, 1.0), (-1.0, 20.0), (1.0, 5.0)]:
        bx = beta * x
        want = np.where(bx > threshold, x, np.logaddexp(0.0, bx) / beta)
        np.testing.assert_allclose(nn.softplus(x, beta, threshold), want, rtol=1e-14)
        np.testing.assert_allclose(nn.softplus(x, beta=beta, threshold=threshold), want,
                                   rtol=1e-14)
        g = tg.grad(lambda v: tg.sum(nn.softplus(v, beta, threshold)))(x)
        jg = jax.grad(lambda v: jnp.sum(jnp.where(beta * v > threshold, v,
                                                  jax.nn.softplus(beta * v) / beta)))(x)
        np.testing.assert_allclose(g, jg, rtol=1e-13)
    with pytest.raises(ValueError, match="softplus: beta"):
        nn.softplus(x, 0.0)


INPLACE = [("relu", ()), ("relu6", ()), ("elu", (0.7,)), ("celu", (1.3,)), ("selu", ()),
           ("silu", ()), ("mish", ()), ("leaky_relu", (0.2,))]


@pytest.mark.parametrize("name, args", INPLACE, ids=[n for n, _ in INPLACE])
def test_activations_take_pytorchs_inplace(name, args):
    # before: inplace= (keyword or PyTorch's positional place) was refused
    fn, jfn = getattr(nn, name), getattr(jax.nn, name)
    x = np.array([-3.0, -0.5, 0.0, 0.5, 7.0])
    want = np.asarray(jfn(x, *args))
    np.testing.assert_allclose(fn(x, *args), want, rtol=1e-13)  # jax.nn's positional call
    np.testing.assert_allclose(fn(x, *args, False), want, rtol=1e-13)  # PyTorch's
    np.testing.assert_allclose(fn(x, *args, inplace=False), want, rtol=1e-13)
    params = list(inspect.signature(fn).parameters)
    assert params[0] == "x" and params[-1] == "inplace" and len(params) == len(args) + 2
    kept = x.copy()  # inplace=True: a NumPy array is a value, never written
    np.testing.assert_allclose(fn(kept, *args, True), want, rtol=1e-13)
    np.testing.assert_array_equal(kept, x)
    with pytest.raises(TypeError, match=f"{name}: inplace"):
        fn(x, *args, inplace="yes")


def test_inplace_true_follows_the_rule_of_the_in_place_spellings():
    # a recorded imperative result takes the new value, and the gradient flows through it
    t = tg.tensor(np.array([-1.0, 0.5, 2.0]), requires_grad=True)
    h = t * 3.0
    out = nn.elu(h, 1.0, True)
    assert out is h
    np.testing.assert_allclose(h.numpy(), np.asarray(jax.nn.elu(np.array([-3.0, 1.5, 6.0]))))
    h.sum().backward()
    np.testing.assert_allclose(t.grad, 3.0 * np.array([np.exp(-3.0), 1.0, 1.0]), rtol=1e-14)
    with pytest.raises(RuntimeError, match=r"relu\(inplace=True\): the input is a leaf"):
        nn.relu(t, inplace=True)


# ---- argument values PyTorch accepts (finding 6) -----------------------------------------------
def test_group_norm_of_an_empty_batch_and_hardtanh_with_equal_bounds():
    # before: group_norm reshaped with -1 (ambiguous for 0 rows: a reshape error), and
    # hardtanh required min_val < max_val
    assert nn.group_norm(np.zeros((0, 2)), 1).shape == (0, 2)
    y = nn.group_norm(np.zeros((0, 4, 3)), 2, np.ones(4), np.zeros(4))
    assert y.shape == (0, 4, 3)
    assert tg.grad(lambda v: tg.sum(nn.group_norm(v, 1)))(np.zeros((0, 2))).shape == (0, 2)
    assert nn.group_norm(np.zeros((2, 2, 0), np.float32), 2).shape == (2, 2, 0)
    x = np.array([-2.0, 0.0, 0.25, 3.0])
    np.testing.assert_array_equal(nn.hardtanh(x, 0.25, 0.25), np.full(4, 0.25))
    np.testing.assert_array_equal(tg.grad(lambda v: tg.sum(nn.hardtanh(v, 0.0, 0.0)))(x), 0.0)
    with pytest.raises(ValueError, match="hardtanh: min_val"):
        nn.hardtanh(x, 1.0, 0.0)


def test_losses_at_infinite_logits_give_pytorchs_values_without_warnings():
    # 0·inf inside binary_cross_entropy_with_logits, kl_div and cross_entropy with probability
    # targets is NaN, as PyTorch's values are, and as quietly (the suite turns NumPy's warnings
    # into errors; the losses warned). Values: PyTorch's, by its formulas; the gradient stays
    # finite where only the value's 0·inf made NaN
    F = nn.functional
    x, t = np.array([np.inf, -np.inf, np.inf, 0.0]), np.array([1.0, 0.0, 0.0, 1.0])
    for pw in (None, np.array(2.0)):
        got = F.binary_cross_entropy_with_logits(x, t, reduction="none", pos_weight=pw)
        _same(got, [np.nan, np.nan, np.inf, np.log(2.0) * (1 if pw is None else 2)])
    g = tg.grad(lambda v: F.binary_cross_entropy_with_logits(v, t))(x)
    _same(g, [0.0, 0.0, 0.25, -0.125])
    _same(tg.jit(tg.grad(lambda v: F.binary_cross_entropy_with_logits(v, t)))(x), g)
    assert np.isnan(F.kl_div(np.array([[np.inf, -1.0]]), np.array([[0.0, 1.0]]), reduction="sum"))
    z, q = np.array([[-np.inf, 0.0, 1.0]]), np.array([[0.0, 0.5, 0.5]])
    assert np.isnan(F.cross_entropy(z, q))
    p = np.exp(z[0] - np.logaddexp(0.0, 1.0))
    _same(tg.grad(lambda v: F.cross_entropy(v, q))(z), [p - q[0]])


def test_a_row_spanning_more_than_the_largest_float_gives_no_overflow_warning():
    # (x − max overflows to −inf for [1e308, 0, −1e308]: exp gives the right 0; the suite turns
    # NumPy's RuntimeWarnings into errors, so a leaked one fails here)
    row = np.array([1e308, 0.0, -1e308])
    np.testing.assert_array_equal(tg.nn.softmax(row), [1, 0, 0])
    np.testing.assert_array_equal(tg.nn.functional.softmin(tg.tensor(row), dim=0).detach(), [0, 0, 1])
    assert tg.logsumexp(row) == 1e308
    np.testing.assert_array_equal(tg.grad(tg.logsumexp)(row), [1, 0, 0])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.nn.softmax(x) * np.arange(3)))(row), [0, 0, 0])
    x = tg.tensor(row, requires_grad=True)
    y = tg.nn.functional.softplus(x, beta=2.0)  # (2x overflows: x itself past the threshold)
    want = [1e308, np.log(2) / 2, 0]
    np.testing.assert_allclose(y.detach(), want, rtol=1e-15)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1, 0.5, 0], rtol=1e-15)
    np.testing.assert_allclose(tg.jit(lambda v: tg.nn.functional.softplus(v, beta=2.0))(row), want, rtol=1e-15)


@pytest.mark.parametrize("b", [None, np.array([[1.0, 2.0, 0.5], [0.5, 1.0, 3.0]])])
def test_logsumexp_second_derivatives_of_finite_rows_beside_an_empty_one(b):
    # reverse over reverse gave NaN for every entry of a finite row when another row was all
    # -inf (and, under tg.jit, for all inputs): the -inf rows' weights were NaN beside the finite
    # rows, multiplied in the second sweep by the zero cotangent a where hands them
    x = np.array([[0.5, -1.0, 2.0], [-np.inf, -np.inf, -np.inf]])
    w = np.array([1.0, 2.0])

    def f(v):
        return tg.sum(tg.scipy.special.logsumexp(v, axis=1, b=b) * w)
    want = jax.hessian(lambda v: jnp.sum(jax.scipy.special.logsumexp(v, axis=1, b=b) * w))(x)
    for jit in (False, True):
        wrap = tg.jit if jit else (lambda g: g)
        rr = wrap(tg.jacrev(tg.grad(f)))(x)
        np.testing.assert_allclose(rr[0], want[0], rtol=1e-12, atol=1e-15)  # the finite row
        _same(rr, wrap(tg.hessian(f))(x))  # reverse over reverse = forward over reverse
    # (all-finite inputs under tg.jit: test_jit's table, reverse over reverse for every op)
