"""tg.nn's PyTorch losses (tensorgrad/nn/losses.py) against references written here from
PyTorch's documented formulas: values in NumPy, gradients (and jvp/hessian) by JAX on the
same formulas in jax.numpy."""
import re
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)

TOL = 1e-12
RED = ["mean", "sum", "none"]


# ---- references: PyTorch's formulas, written once for numpy and jax.numpy ---------------------
def _reduce(xp, loss, reduction):
    return {"none": loss, "sum": xp.sum(loss), "mean": xp.mean(loss)}[reduction]


def _log_softmax(xp, x, axis):
    m = xp.max(x, axis=axis, keepdims=True)
    return x - m - xp.log(xp.sum(xp.exp(x - m), axis=axis, keepdims=True))


def _onehot(t, C, axis):
    return np.moveaxis(np.asarray(t)[..., None] == np.arange(C), -1, axis)


def ref_nll(xp, logp, t, w=None, ii=-100, reduction="mean", eps=0.0):
    """PyTorch: l_n = −w[y_n]·x[n, y_n] (0 when y_n = ignore_index); mean divides by Σ w[y_n];
    label smoothing adds ε/C·(−Σ_c w_c x[n, c]) and scales the first term by 1 − ε."""
    axis = 0 if logp.ndim == 1 else 1
    C = logp.shape[axis]
    shape = [1] * logp.ndim
    shape[axis] = C
    wc = xp.ones(C) if w is None else w
    wb = xp.reshape(wc, shape)
    hit = _onehot(t, C, axis)
    kept = np.asarray(t) != ii
    wt = xp.where(kept, xp.sum(xp.where(hit, wb, 0.0), axis=axis), 0.0)
    nll = -wt * xp.sum(xp.where(hit, logp, 0.0), axis=axis)
    smooth = xp.where(kept, -xp.sum(logp * wb, axis=axis), 0.0)
    if reduction == "mean":
        nll, smooth = xp.sum(nll) / xp.sum(wt), xp.sum(smooth) / xp.sum(wt)
    elif reduction == "sum":
        nll, smooth = xp.sum(nll), xp.sum(smooth)
    return nll if eps == 0 else (1 - eps) * nll + eps / C * smooth


def ref_ce(xp, x, t, w=None, ii=-100, reduction="mean", eps=0.0):
    axis = 0 if x.ndim == 1 else 1
    logp = _log_softmax(xp, x, axis)
    if t.dtype.kind in "iu":
        return ref_nll(xp, logp, t, w, ii, reduction, eps)
    C = x.shape[axis]
    q = t * (1 - eps) + eps / C
    shape = [1] * x.ndim
    shape[axis] = C
    wb = 1.0 if w is None else xp.reshape(w, shape)
    return _reduce(xp, -xp.sum(wb * q * logp, axis=axis), reduction)


def ref_bce(xp, x, y, w=None, reduction="mean"):
    """−w·(y·log x + (1 − y)·log(1 − x)), each log clamped at −100."""
    def clog(v):
        return xp.maximum(xp.log(xp.where(v > 0, v, 1.0)) + xp.where(v > 0, 0.0, -xp.inf), -100.0)
    loss = -(y * clog(x) + (1 - y) * clog(1 - x))
    return _reduce(xp, loss if w is None else loss * w, reduction)


def ref_bce_logits(xp, x, y, w=None, reduction="mean", pw=None):
    """−w·(p·y·log σ(x) + (1 − y)·log(1 − σ(x))), log σ(x) = −log(1 + e^−x) written stably."""
    def log_sig(v):
        return -(xp.maximum(-v, 0.0) + xp.log1p(xp.exp(-xp.abs(v))))
    loss = -((1.0 if pw is None else pw) * y * log_sig(x) + (1 - y) * log_sig(-x))
    return _reduce(xp, loss if w is None else loss * w, reduction)


def ref_pointwise(xp, kind, x, t, reduction="mean", w=None, k=1.0):
    d = x - t
    if kind == "mse":
        loss = d * d
    elif kind == "l1":
        loss = xp.abs(d)
    elif kind == "smooth_l1":  # 0.5 d²/β if |d| < β else |d| − β/2
        loss = xp.abs(d) if k == 0 else xp.where(xp.abs(d) < k, 0.5 * d * d / k, xp.abs(d) - 0.5 * k)
    else:  # huber: 0.5 d² if |d| < δ else δ(|d| − δ/2)
        loss = xp.where(xp.abs(d) < k, 0.5 * d * d, k * (xp.abs(d) - 0.5 * k))
    if w is None:
        return _reduce(xp, loss, reduction)
    loss = loss * w
    if reduction == "mean" and kind in ("mse", "l1"):  # PyTorch: Σ w·l / Σ w
        return xp.sum(loss) / xp.sum(w)
    return _reduce(xp, loss, reduction)


def ref_kl(xp, x, t, reduction="mean", log_target=False):
    if log_target:
        loss = xp.exp(t) * (t - x)
    else:  # t·(log t − x), 0·log 0 = 0
        loss = xp.where(t > 0, t * xp.log(xp.where(t > 0, t, 1.0)), 0.0) - t * x
    if reduction == "batchmean":
        return xp.sum(loss) / x.shape[0]
    return _reduce(xp, loss, reduction)


def ref_cos_sim(xp, a, b, dim=1, eps=1e-8):
    a, b = xp.broadcast_arrays(a, b)  # dim counts in the common shape
    na = xp.maximum(xp.sqrt(xp.sum(a * a, axis=dim, keepdims=True)), eps)
    nb = xp.maximum(xp.sqrt(xp.sum(b * b, axis=dim, keepdims=True)), eps)
    return xp.sum(a / na * (b / nb), axis=dim)


def ref_cos_emb(xp, a, b, y, margin=0.0, reduction="mean"):
    cos = xp.sum(a * b, -1) / xp.sqrt((xp.sum(a * a, -1) + 1e-12) * (xp.sum(b * b, -1) + 1e-12))
    loss = xp.where(y == 1, 1 - cos, xp.maximum(cos - margin, 0.0))
    return _reduce(xp, loss, reduction)


def ref_margin_rank(xp, a, b, y, margin=0.0, reduction="mean"):
    return _reduce(xp, xp.maximum(-y * (a - b) + margin, 0.0), reduction)


def ref_hinge(xp, x, y, margin=1.0, reduction="mean"):
    return _reduce(xp, xp.where(y == 1, x, xp.maximum(margin - x, 0.0)), reduction)


def check(tg_fn, ref, args, argnums=(0,)):
    """Value against the NumPy reference; the gradient of Σ loss in each argnum against
    jax.grad of the same reference in jax.numpy."""
    got = tg_fn(*args)
    want = ref(np, *args)
    np.testing.assert_allclose(np.asarray(got), want, rtol=TOL, atol=TOL)
    for i in argnums:
        g = tg.grad(lambda a: tg.sum(tg_fn(*args[:i], a, *args[i + 1:])))(args[i])
        jargs = [jnp.asarray(a) if isinstance(a, np.ndarray) and a.dtype.kind == "f" else a
                 for a in args]
        gj = jax.grad(lambda a: jnp.sum(ref(jnp, *jargs[:i], a, *jargs[i + 1:])))(jargs[i])
        np.testing.assert_allclose(np.asarray(g), np.asarray(gj), rtol=TOL, atol=TOL)


rng = np.random.default_rng(0)
X2 = rng.normal(size=(5, 4))
T2 = np.array([0, 3, 1, -100, 2])
X4 = rng.normal(size=(3, 4, 2, 3))
T4 = rng.integers(0, 4, (3, 2, 3))
T4[0, 0, 0] = -100
W4 = rng.uniform(0.5, 2.0, 4)
P2 = rng.dirichlet(np.ones(4), 5)
P4 = np.moveaxis(rng.dirichlet(np.ones(4), (3, 2, 3)), -1, 1)


# ---- classification ----------------------------------------------------------------------------
@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("eps", [0.0, 0.2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("case", ["idx2", "idx4", "prob2", "prob4", "unbatched", "ignore1"])
def test_cross_entropy(reduction, eps, weighted, case):
    x, t, ii = {"idx2": (X2, T2, -100), "idx4": (X4, T4, -100), "prob2": (X2, P2, -100),
                "prob4": (X4, P4, -100), "unbatched": (X2[0], np.array(2), -100),
                "ignore1": (X2, np.where(T2 < 0, 0, T2), 1)}[case]
    w = W4 if weighted else None
    check(lambda a: tg.nn.cross_entropy(a, t, w, ignore_index=ii, reduction=reduction,
                                        label_smoothing=eps),
          lambda xp, a: ref_ce(xp, a, t, None if w is None else xp.asarray(w), ii, reduction, eps),
          [x])
    if weighted and t.dtype.kind == "f":  # and in the target probabilities
        check(lambda p: tg.nn.cross_entropy(x, p, w, reduction=reduction, label_smoothing=eps),
              lambda xp, p: ref_ce(xp, xp.asarray(x), p, xp.asarray(w), ii, reduction, eps), [t])


def test_cross_entropy_matches_jax_softmax_cross_entropy():
    want = -np.sum(P2 * jax.nn.log_softmax(jnp.asarray(X2)), -1)
    np.testing.assert_allclose(tg.nn.cross_entropy(X2, P2, reduction="none"), want, rtol=TOL)
    np.testing.assert_allclose(tg.nn.cross_entropy(X2, T2.clip(0)), tg.nn.softmax_cross_entropy(X2, T2.clip(0)), rtol=TOL)


@pytest.mark.parametrize("reduction", RED)
def test_nll_loss(reduction):
    lp = np.log(P2)
    check(lambda a: tg.nn.nll_loss(a, T2, W4, reduction=reduction),
          lambda xp, a: ref_nll(xp, a, T2, xp.asarray(W4), -100, reduction), [lp])
    check(lambda a: tg.nn.nll_loss(a, T4, reduction=reduction),
          lambda xp, a: ref_nll(xp, a, T4, None, -100, reduction), [X4])


def test_all_ignored_mean_is_nan_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(tg.nn.cross_entropy(X2[:2], np.array([-100, -100])))


@pytest.mark.parametrize("reduction", RED)
def test_binary_cross_entropy(reduction):
    x = rng.uniform(0.01, 0.99, (4, 3))
    y = rng.uniform(0, 1, (4, 3))
    w = rng.uniform(0.5, 2, (4, 3))
    check(lambda a, b: tg.nn.binary_cross_entropy(a, b, w, reduction=reduction),
          lambda xp, a, b: ref_bce(xp, a, b, xp.asarray(w), reduction), [x, y], argnums=(0, 1))
    check(lambda a, b: tg.nn.binary_cross_entropy(a, b, reduction=reduction),
          lambda xp, a, b: ref_bce(xp, a, b, None, reduction), [x, y])
    # log 0 is clamped at −100, as PyTorch: finite, no warning
    x0 = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    y0 = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    np.testing.assert_allclose(tg.nn.binary_cross_entropy(x0, y0, reduction="none"),
                               [100.0, 100.0, 0.0, 0.0, np.log(2)], rtol=TOL)


def test_binary_cross_entropy_slope_at_saturated_inputs_is_pytorchs():
    # (x − t) / max(x(1 − x), 1e-12): a confidently wrong x = 0 (t = 1) is pushed towards
    # the target (the clamped logs alone give slope 0 there); a right one has slope 0
    x0 = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-13])
    y0 = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 0.25])
    gx, gy = tg.grad(lambda a, b: tg.nn.binary_cross_entropy(a, b, reduction="sum"),
                     argnums=(0, 1))(x0, y0)
    np.testing.assert_allclose(gx, (x0 - y0) / np.maximum(x0 * (1 - x0), 1e-12), rtol=1e-12)
    assert gx[0] < -1e11 and gx[1] > 1e11 and gx[2] == 0 and gx[3] == 0
    logc = lambda v: np.maximum(np.log(np.where(v > 0, v, 1.0)) + np.where(v > 0, 0, -100), -100)  # noqa: E731
    np.testing.assert_allclose(gy, logc(1 - x0) - logc(x0), rtol=1e-12)
    # forward mode and the imperative tape give the same slopes
    _, jt = tg.jvp(lambda a: tg.nn.binary_cross_entropy(a, y0, reduction="sum"), (x0,),
                   (np.ones_like(x0),))
    np.testing.assert_allclose(jt, gx.sum(), rtol=1e-12)
    t = tg.tensor(x0, requires_grad=True)
    tg.nn.BCELoss(reduction="sum")(t, y0).backward()
    np.testing.assert_allclose(t.grad, gx, rtol=1e-12)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_of_a_small_probability_keeps_its_digits(dtype):
    # −log(1 − x) for t = 0 is x(1 + x/2 + ...): taken as log1p(−x) (log(1 − x) gave 0 below
    # 6e-8 in float32, and a relative error of 2e-5 at 1e-12 in float64)
    x = np.array([1e-8, 1e-12, 1e-20, 0.3], dtype)
    loss = tg.nn.binary_cross_entropy(x, np.zeros(4, dtype), reduction="none")
    assert loss.dtype == dtype
    np.testing.assert_allclose(loss, -np.log1p(-x.astype(np.float64)), rtol=1e-6 if dtype == np.float32 else 1e-15)
    both = tg.nn.binary_cross_entropy(x, np.full(4, 0.25, dtype), reduction="none")
    want = -(0.25 * np.log(x.astype(np.float64)) + 0.75 * np.log1p(-x.astype(np.float64)))
    np.testing.assert_allclose(both, want, rtol=1e-6 if dtype == np.float32 else 1e-15)


@pytest.mark.parametrize("reduction", RED)
def test_binary_cross_entropy_with_logits(reduction):
    x = rng.normal(scale=3, size=(4, 3))
    x[0, 0], x[1, 0], x[2, 2] = 800.0, -800.0, 40.0  # stable for large |x|
    y = rng.uniform(0, 1, (4, 3))
    w = rng.uniform(0.5, 2, (4, 3))
    pw = rng.uniform(0.5, 3, 3)
    check(lambda a, b: tg.nn.binary_cross_entropy_with_logits(a, b, w, reduction=reduction,
                                                              pos_weight=pw),
          lambda xp, a, b: ref_bce_logits(xp, a, b, xp.asarray(w), reduction, xp.asarray(pw)),
          [x, y], argnums=(0, 1))
    check(lambda a: tg.nn.binary_cross_entropy_with_logits(a, y, reduction=reduction),
          lambda xp, a: ref_bce_logits(xp, a, xp.asarray(y), None, reduction), [x])
    # against optax's formula for the unweighted loss: jax.nn.log_sigmoid
    want = -(y * jax.nn.log_sigmoid(x) + (1 - y) * jax.nn.log_sigmoid(-x))
    got = tg.nn.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(got, want, rtol=TOL, atol=TOL)


# ---- regression and divergence -----------------------------------------------------------------
A = rng.normal(size=(4, 3))
B = rng.normal(size=(4, 3)) * 2
WA = rng.uniform(0.5, 2, (4, 3))


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.filterwarnings("ignore:.*broadcast to:UserWarning")  # (the broadcast target is meant)
@pytest.mark.parametrize("kind,k", [("mse", None), ("l1", None), ("smooth_l1", 1.0),
                                    ("smooth_l1", 0.4), ("smooth_l1", 0.0), ("huber", 1.0),
                                    ("huber", 0.7)])
def test_pointwise_losses(reduction, kind, k):
    fn = {"mse": tg.nn.mse_loss, "l1": tg.nn.l1_loss, "smooth_l1": tg.nn.smooth_l1_loss,
          "huber": tg.nn.huber_loss}[kind]
    opt = {} if k is None else {"beta" if kind == "smooth_l1" else "delta": k}
    check(lambda a, b: fn(a, b, reduction=reduction, **opt),
          lambda xp, a, b: ref_pointwise(xp, kind, a, b, reduction, None, k), [A, B],
          argnums=(0, 1))
    check(lambda b: fn(A, b, reduction=reduction, **opt),  # target broadcasts, as PyTorch
          lambda xp, b: ref_pointwise(xp, kind, xp.asarray(A), b, reduction, None, k), [B[0]])
    if kind != "smooth_l1":
        check(lambda a: fn(a, B, reduction=reduction, weight=WA, **opt),
              lambda xp, a: ref_pointwise(xp, kind, a, xp.asarray(B), reduction,
                                          xp.asarray(WA), k), [A])


@pytest.mark.parametrize("reduction", RED + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target):
    lp = np.log(P2)
    t = np.log(P2[::-1]) if log_target else P2[::-1].copy()
    if not log_target:
        t[0, 1] = 0.0  # 0·log 0 = 0
    check(lambda a: tg.nn.kl_div(a, t, reduction=reduction, log_target=log_target),
          lambda xp, a: ref_kl(xp, a, xp.asarray(t), reduction, log_target), [lp])
    if log_target:
        check(lambda b: tg.nn.kl_div(lp, b, reduction=reduction, log_target=True),
              lambda xp, b: ref_kl(xp, xp.asarray(lp), b, reduction, True), [t])


# ---- similarity and margins --------------------------------------------------------------------
@pytest.mark.parametrize("dim", [1, 0, -1])
def test_cosine_similarity(dim):
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    check(lambda u, v: tg.nn.cosine_similarity(u, v, dim=dim),
          lambda xp, u, v: ref_cos_sim(xp, u, v, dim), [a, b], argnums=(0, 1))
    check(lambda v: tg.nn.cosine_similarity(a, v, dim=dim),  # broadcasting
          lambda xp, v: ref_cos_sim(xp, xp.asarray(a), v, dim), [b[:1]])
    assert tg.nn.cosine_similarity(np.zeros((2, 3)), b[:2]).tolist() == [0.0, 0.0]


@pytest.mark.parametrize("reduction", RED)
@pytest.mark.parametrize("margin", [0.0, 0.3, -0.5])
def test_margin_losses(reduction, margin):
    a, b = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    y = np.array([1, -1, 1, -1, -1])
    check(lambda u, v: tg.nn.cosine_embedding_loss(u, v, y, margin, reduction=reduction),
          lambda xp, u, v: ref_cos_emb(xp, u, v, y, margin, reduction), [a, b], argnums=(0, 1))
    check(lambda u, v: tg.nn.margin_ranking_loss(u, v, y * 1.0, margin, reduction=reduction),
          lambda xp, u, v: ref_margin_rank(xp, u, v, y * 1.0, margin, reduction),
          [a[:, 0], b[:, 0]], argnums=(0, 1))
    yh = np.where(b > 0, 1.0, -1.0)
    check(lambda u: tg.nn.hinge_embedding_loss(u, yh, margin + 1, reduction=reduction),
          lambda xp, u: ref_hinge(xp, u, yh, margin + 1, reduction), [a])


# ---- transforms --------------------------------------------------------------------------------
def test_jit_vmap_jvp_hessian_backward():
    def f(x):
        return tg.nn.cross_entropy(x, T2, W4, label_smoothing=0.1)

    def fj(x):
        return ref_ce(jnp, x, T2, jnp.asarray(W4), -100, "mean", 0.1)

    assert abs(tg.jit(f)(X2) - f(X2)) < TOL
    np.testing.assert_allclose(tg.jit(tg.grad(f))(X2), jax.grad(fj)(X2), rtol=TOL, atol=TOL)
    v = rng.normal(size=X2.shape)
    np.testing.assert_allclose(tg.jvp(f, (X2,), (v,))[1], jax.jit(lambda a, b: jax.jvp(fj, (a,), (b,))[1])(X2, v), rtol=1e-11)
    np.testing.assert_allclose(tg.hessian(f)(X2), jax.jit(jax.hessian(fj))(X2), rtol=1e-11, atol=TOL)
    # a traced class target (jit argument) and per-example losses under vmap
    g = tg.jit(lambda x, t: tg.nn.cross_entropy(x, t))
    assert abs(g(X2, T2.clip(0)) - tg.nn.cross_entropy(X2, T2.clip(0))) < TOL
    per = tg.vmap(lambda x, t: tg.nn.cross_entropy(x, t, W4))(X2, T2.clip(0))
    np.testing.assert_allclose(per, tg.nn.cross_entropy(X2, T2.clip(0), W4, reduction="none")
                               / W4[T2.clip(0)], rtol=TOL)
    y = rng.uniform(0, 1, (5, 4))
    h = lambda x, t: tg.nn.binary_cross_entropy_with_logits(x, t, reduction="none")  # noqa: E731
    hj = lambda x: ref_bce_logits(jnp, x, jnp.asarray(y), None, "none")  # noqa: E731
    np.testing.assert_allclose(tg.jacrev(h)(X2, y), jax.jacrev(hj)(X2), rtol=TOL, atol=TOL)
    np.testing.assert_allclose(tg.vmap(h)(X2, y), h(X2, y), rtol=TOL)
    np.testing.assert_allclose(tg.jit(tg.vmap(tg.grad(lambda a, b: tg.nn.huber_loss(a, b, delta=0.5))))(A, B),
                               jax.vmap(jax.grad(lambda a, b: ref_pointwise(jnp, "huber", a, b, "mean", None, 0.5)))(A, B),
                               rtol=TOL, atol=TOL)
    p = tg.tensor(X2, requires_grad=True)
    tg.nn.CrossEntropyLoss(weight=W4, label_smoothing=0.1)(p, T2).backward()
    np.testing.assert_allclose(p.grad, jax.grad(fj)(X2), rtol=TOL, atol=TOL)


# ---- Modules, fit and errors -------------------------------------------------------------------
def test_modules_match_functions():
    y = rng.uniform(0, 1, (5, 4))
    cases = [(tg.nn.CrossEntropyLoss(W4, ignore_index=1, label_smoothing=0.2),
              tg.nn.cross_entropy(X2, T2.clip(0), W4, ignore_index=1, label_smoothing=0.2), (X2, T2.clip(0))),
             (tg.nn.NLLLoss(reduction="sum"), tg.nn.nll_loss(X2, T2, reduction="sum"), (X2, T2)),
             (tg.nn.BCELoss(reduction="none"), tg.nn.binary_cross_entropy(y, y[::-1], reduction="none"), (y, y[::-1])),
             (tg.nn.BCEWithLogitsLoss(pos_weight=W4), tg.nn.binary_cross_entropy_with_logits(X2, y, pos_weight=W4), (X2, y)),
             (tg.nn.MSELoss(), tg.nn.mse_loss(A, B), (A, B)),
             (tg.nn.L1Loss(size_average=False), tg.nn.l1_loss(A, B, reduction="sum"), (A, B)),
             (tg.nn.SmoothL1Loss(beta=0.3), tg.nn.smooth_l1_loss(A, B, beta=0.3), (A, B)),
             (tg.nn.HuberLoss(delta=0.3), tg.nn.huber_loss(A, B, delta=0.3), (A, B)),
             (tg.nn.KLDivLoss(reduction="batchmean"), tg.nn.kl_div(np.log(P2), P2[::-1], reduction="batchmean"), (np.log(P2), P2[::-1])),
             (tg.nn.MarginRankingLoss(0.1, reduce=False), tg.nn.margin_ranking_loss(A[0], B[0], np.ones(3), 0.1, reduction="none"), (A[0], B[0], np.ones(3))),
             (tg.nn.HingeEmbeddingLoss(), tg.nn.hinge_embedding_loss(A, np.sign(B)), (A, np.sign(B))),
             (tg.nn.CosineEmbeddingLoss(0.2), tg.nn.cosine_embedding_loss(A, B, np.array([1, -1, 1, -1]), 0.2), (A, B, np.array([1, -1, 1, -1])))]
    for module, want, args in cases:
        np.testing.assert_allclose(module(*args), want, rtol=TOL)
        np.testing.assert_allclose(module.forward(*args), want, rtol=TOL)
    assert repr(tg.nn.HuberLoss(delta=0.5)) == "HuberLoss(reduction='mean', delta=0.5)"
    assert list(tg.nn.CrossEntropyLoss(weight=W4).named_buffers().keys()) == ["weight"]
    assert tg.nn.MSELoss().parameters() == []


def test_get_loss_and_fit_take_the_new_names():
    X = rng.normal(size=(64, 3))
    y = (X[:, 0] > 0).astype(float)
    out = rng.normal(size=(6, 1))
    for name in ["mse_loss", "l1_loss", "huber_loss", "smooth_l1_loss", "binary_cross_entropy_with_logits"]:
        assert abs(tg.train.get_loss(name)(out, y[:6]) - getattr(tg.nn, name)(out, y[:6, None])) < TOL
    model = tg.nn.Sequential([tg.nn.Linear(3, 1)])
    _, hist = tg.train.fit(model, X=X, y=y, loss="binary_cross_entropy_with_logits", epochs=4,
                           progress=False, metric=False, seed=1)
    assert hist["loss"][-1] < hist["loss"][0]
    model = tg.nn.Sequential([tg.nn.Linear(3, 2), tg.nn.LogSoftmax(dim=1)])
    _, hist = tg.train.fit(model, X=X, y=y.astype(int), loss="nll_loss", epochs=4, progress=False)
    assert hist["loss"][-1] < hist["loss"][0]
    _, hist = tg.train.fit(tg.nn.Sequential([tg.nn.Linear(3, 2)]), X=X, y=y.astype(int),
                           loss=tg.nn.CrossEntropyLoss(label_smoothing=0.1), epochs=2, progress=False)
    assert np.isfinite(hist["loss"]).all()


@pytest.mark.parametrize("call,match", [
    (lambda: tg.nn.cross_entropy(X2, T2, reduction="avg"), "cross_entropy: reduction"),
    (lambda: tg.nn.cross_entropy(X2, np.array([0, 4, 1, 1, 1])), "cross_entropy: target holds class 4"),
    (lambda: tg.nn.cross_entropy(X2, T2[:3]), "cross_entropy: class-index target must have shape"),
    (lambda: tg.nn.cross_entropy(X2, P2[:, :3]), "cross_entropy: probability target shape"),
    (lambda: tg.nn.cross_entropy(X2, T2, np.ones(3)), r"cross_entropy: weight must have shape \(4,\)"),
    (lambda: tg.nn.cross_entropy(X2, T2, label_smoothing=1.5), "cross_entropy: label_smoothing"),
    (lambda: tg.nn.cross_entropy(np.float64(1.0), T2), "cross_entropy: input must have a class axis"),
    (lambda: tg.nn.nll_loss(X2, T2 * 1.0), r"nll_loss: class-index target of shape \(5,\) must hold integer class ids in 0\.\.3 \(input \(5, 4\)\), got dtype float64; use target\.astype\(int\)"),
    (lambda: tg.nn.binary_cross_entropy(np.array([0.5, 1.5]), np.ones(2)), "binary_cross_entropy: every input"),
    (lambda: tg.nn.binary_cross_entropy(np.array([0.5, 0.5]), np.ones(3)), "binary_cross_entropy: target shape"),
    (lambda: tg.nn.binary_cross_entropy_with_logits(X2, X2[:, :1]), "binary_cross_entropy_with_logits: target"),
    (lambda: tg.nn.mse_loss(A, B[:, :2]), "mse_loss: input of shape"),
    (lambda: tg.nn.l1_loss(A, B, weight=WA[0]), "l1_loss: weight shape"),
    (lambda: tg.nn.smooth_l1_loss(A, B, beta=-1.0), "smooth_l1_loss: beta"),
    (lambda: tg.nn.huber_loss(A, B, delta=0.0), "huber_loss: delta"),
    (lambda: tg.nn.kl_div(A, B, reduction="batch"), "kl_div: reduction"),
    (lambda: tg.nn.hinge_embedding_loss(A, B[:2]), "hinge_embedding_loss"),
    (lambda: tg.nn.cosine_embedding_loss(A, B[:3], np.ones(4)), "cosine_embedding_loss: input1 and input2"),
    (lambda: tg.nn.cosine_similarity(A, B, dim=2), "cosine_similarity: dim 2"),
    (lambda: tg.nn.margin_ranking_loss(A, B, np.ones(3)), "margin_ranking_loss: input1, input2 and target"),
    (lambda: tg.nn.KLDivLoss(reduction="avg"), "KLDivLoss: reduction"),
])
def test_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


def test_embedding_losses_take_any_target_and_hardtanh_keeps_integers_as_pytorch():
    # PyTorch's formulas: hinge_embedding_loss takes the hinge where t != 1 and x where
    # t != -1 (a target of 0 gets both); cosine_embedding_loss gives 0 where t is neither
    x = np.array([0.5, -0.2, 0.3])
    got = tg.nn.hinge_embedding_loss(x, np.array([1.0, 0.0, -1.0]), reduction="none")
    np.testing.assert_allclose(got, [0.5, 1.2 - 0.2, 0.7])
    a, b = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([[1.0, 1.0], [1.0, 1.0]])
    got = tg.nn.cosine_embedding_loss(a, b, np.array([1.0, 0.0]), reduction="none")
    np.testing.assert_allclose(got, [1 - 1 / np.sqrt(2), 0.0], rtol=1e-10)  # (ε = 1e-12 in the norms)
    out = tg.nn.functional.hardtanh(np.array([-3, 0, 3]))
    assert out.dtype == np.int64 and out.tolist() == [-1, 0, 1]


def test_value_checks_of_the_losses_run_at_every_jit_call():
    # a plan traced with good labels checks every later call's labels too (the trace-time
    # check alone let a bad label through: a zero term counted in the mean, a zero gradient)
    F = tg.nn.functional
    z = np.zeros((2, 3))
    cases = [(lambda z, t: F.cross_entropy(z, t), np.array([0, 1]), np.array([0, 5]), "class 5"),
             (lambda z, t: F.cross_entropy(z, t), np.array([0, 1]), np.array([-2, 0]), "class -2"),
             (lambda z, t: F.nll_loss(z, t), np.array([0, 1]), np.array([0, 3]), "class 3"),
             (lambda z, t: F.multi_margin_loss(z, t), np.array([0, 1]), np.array([0, 5]), "out of range"),
             (lambda z, t: F.binary_cross_entropy(z + 0.5, t), np.zeros((2, 3)), np.full((2, 3), 2.0),
              "target must be in"),
             (lambda z, t: F.gaussian_nll_loss(z, z, t), np.ones((2, 3)), -np.ones((2, 3)), "negative")]
    for f, good, bad, says in cases:
        for g in (tg.jit(f), tg.jit(tg.grad(f))):
            g(z, good)
            with pytest.raises(ValueError, match=says):
                g(z, bad)
            g(z, good)  # (and the plan still runs)


@pytest.mark.parametrize("loss, kw", [
    (tg.nn.functional.binary_cross_entropy_with_logits, "weight"),
    (tg.nn.functional.binary_cross_entropy_with_logits, "pos_weight"),
    (tg.nn.functional.binary_cross_entropy, "weight"),
])
def test_a_weight_that_would_grow_the_loss_is_refused(loss, kw):
    # a weight of more axes than the input made a loss of its shape (and a mean over it)
    x, t = np.full((3, 4), 0.5), np.ones((3, 4))
    for bad in (np.ones((2, 3, 4)), np.ones(5), np.ones((3, 2))):
        with pytest.raises(ValueError, match=re.escape(f"{kw} of shape {bad.shape} does not broadcast")):
            loss(x, t, **{kw: bad})
    for fine in (np.ones(4), np.ones((3, 1)), np.array(2.0), np.ones((3, 4))):
        assert loss(x, t, reduction="none", **{kw: fine}).shape == (3, 4)
