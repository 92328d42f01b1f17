"""tg.nn's further torch.nn.functional names (tensorgrad/nn/torch_losses.py): the shrink
activations, margin and likelihood losses and distances, against JAX expressions of PyTorch's
documented definitions (values, jax.grad and jax.jvp in float64), PyTorch's derivatives at the
kinks as literal numbers (recorded from torch 2.13), tg.jit / tg.vmap, and the errors."""
import math
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)

TOL = 1e-12
RED = ["mean", "sum", "none"]
rng = np.random.default_rng(46)


# ---- references: PyTorch's definitions in jax.numpy ---------------------------------------------
def _red(loss, reduction):
    return {"none": loss, "sum": jnp.sum(loss), "mean": jnp.mean(loss)}[reduction]


def _relu(z):
    return jnp.where(z > 0, z, 0.0)


def j_multi_margin(x, t, p=1, margin=1.0, w=None, reduction="mean"):
    x2 = jnp.reshape(x, (-1, x.shape[-1] if x.ndim else 1))
    t1 = np.reshape(t, -1)
    C = x2.shape[1]
    xy = x2[np.arange(len(t1)), t1][:, None]
    h = _relu(margin - xy + x2) ** p
    loss = jnp.sum(jnp.where(np.arange(C) == t1[:, None], 0.0, h), axis=1) / C
    if w is not None:
        loss = loss * w[t1]
    return _red(jnp.reshape(loss, np.shape(t)), reduction)


def j_multilabel_margin(x, t, reduction="mean"):
    x2, t2 = jnp.atleast_2d(x), np.atleast_2d(t)
    C = x2.shape[1]
    rows = []
    for n in range(x2.shape[0]):
        ys = list(t2[n])
        ys = ys[:ys.index(-1)] if -1 in ys else ys
        others = [i for i in range(C) if i not in ys]
        rows.append(sum((jnp.sum(_relu(1.0 - x2[n, y] + x2[n, np.array(others, int)]))
                         for y in ys), jnp.zeros(())) / C)
    loss = jnp.stack(rows)
    return _red(loss if x.ndim == 2 else loss[0], reduction)


def j_multilabel_soft(x, y, w=None, reduction="mean"):
    loss = -(y * jax.nn.log_sigmoid(x) + (1 - y) * jax.nn.log_sigmoid(-x))
    if w is not None:
        loss = loss * w
    return _red(jnp.sum(loss, axis=x.ndim - 1) / x.shape[-1], reduction)


def j_poisson(x, t, log_input=True, full=False, eps=1e-8, reduction="mean"):
    loss = jnp.exp(x) - t * x if log_input else x - t * jnp.log(x + eps)
    if full:
        loss = loss + jnp.where(t > 1, t * jnp.log(t) - t + 0.5 * jnp.log(2 * jnp.pi * t), 0.0)
    return _red(loss, reduction)


def j_gaussian(x, t, var, full=False, eps=1e-6, reduction="mean"):
    if var.shape != x.shape and var.shape == x.shape[:-1]:
        var = var[..., None]
    v = var + jax.lax.stop_gradient(jnp.maximum(var, eps) - var)  # clamp, not differentiated
    loss = 0.5 * (jnp.log(v) + (x - t) ** 2 / v) + (0.5 * math.log(2 * math.pi) if full else 0.0)
    return _red(loss, reduction)


def j_norm(d, p, axis=-1, keepdims=False):
    a = jnp.abs(d)
    if p == 0:
        return jnp.sum(d != 0, axis=axis, keepdims=keepdims).astype(d.dtype)
    if math.isinf(p):
        return (jnp.max if p > 0 else jnp.min)(a, axis=axis, keepdims=keepdims)
    return jnp.sum(a ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)


def j_pairwise(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    return j_norm(x1 - x2 + eps, p, -1, keepdim)


def j_pdist(x, p=2.0):
    i, j = np.triu_indices(x.shape[0], 1)
    return j_norm(x[i] - x[j], p, 1)


def j_normalize(x, p=2.0, dim=1, eps=1e-12):
    return x / jnp.maximum(j_norm(x, p, dim, True), eps)


def j_triplet(a, po, ne, margin=1.0, p=2.0, eps=1e-6, swap=False, reduction="mean"):
    dp, dn = j_pairwise(a, po, p, eps), j_pairwise(a, ne, p, eps)
    if swap:
        dn = jnp.minimum(dn, j_pairwise(po, ne, p, eps))
    return _red(_relu(margin + dp - dn), reduction)


# ---- the comparison ------------------------------------------------------------------------------
def _with(xs, idx, moving):
    full = list(xs)
    for i, m in zip(idx, moving):
        full[i] = m
    return full


def check(tg_fn, ref, args, argnums=(0,), jvp=True, reductions=False):
    """Values; the gradient of ⟨c, f⟩ (random c) in the argnums by jax.grad; and a jvp along
    all argnums at once by jax.jvp (all from one jax.jit of the reference). With
    ``reductions`` both take ``reduction=``: the above for ``'none'``, and the values of
    ``'mean'`` and ``'sum'`` and the gradient of ``'mean'`` (the mean and sum of the
    reference's unreduced losses, as PyTorch's)."""
    jargs = [jnp.asarray(a) for a in args]
    kw = {"reduction": "none"} if reductions else {}
    got = tg_fn(*args, **kw)
    c = rng.normal(size=np.shape(got))
    moving = tuple(args[i] for i in argnums)
    tangents = tuple(rng.normal(size=np.shape(m)) for m in moving)
    idx = tuple(range(len(argnums)))

    @jax.jit
    def reference(moving, c, tangents):
        def f(*m):
            return ref(*_with(jargs, argnums, m), **kw)
        value = f(*moving)
        grads = jax.grad(lambda *m: jnp.sum(f(*m) * c), argnums=idx)(*moving)
        tangent = jax.jvp(f, moving, tangents)[1] if jvp else value
        mean_grads = jax.grad(lambda *m: jnp.mean(f(*m)), argnums=idx)(*moving)
        return value, grads, tangent, (jnp.mean(value), jnp.sum(value)), mean_grads

    want, gj, t_jx, (mean, total), gm = reference(moving, c, tangents)
    assert np.shape(got) == want.shape
    np.testing.assert_allclose(np.asarray(got), want, rtol=TOL, atol=TOL)
    g = tg.grad(lambda *m: tg.sum(tg_fn(*_with(args, argnums, m), **kw) * c), argnums=idx)(*moving)
    for a, b in zip(g, gj):
        np.testing.assert_allclose(np.asarray(a), b, rtol=TOL, atol=TOL)
    if jvp:
        _, t_tg = tg.jvp(lambda *m: tg_fn(*_with(args, argnums, m), **kw), moving, tangents)
        np.testing.assert_allclose(np.asarray(t_tg), t_jx, rtol=TOL, atol=TOL)
    if reductions:
        np.testing.assert_allclose(tg_fn(*args, reduction="mean"), mean, rtol=TOL, atol=TOL)
        np.testing.assert_allclose(tg_fn(*args, reduction="sum"), total, rtol=TOL, atol=TOL)
        g = tg.grad(lambda *m: tg_fn(*_with(args, argnums, m), reduction="mean"),
                    argnums=idx)(*moving)
        for a, b in zip(g, gm):
            np.testing.assert_allclose(np.asarray(a), b, rtol=TOL, atol=TOL)


def check_reductions(tg_fn, ref, args, argnums=(0,)):
    check(tg_fn, ref, args, argnums, reductions=True)


X = rng.normal(size=(5, 4)) * 2
Y = np.where(rng.normal(size=(5, 4)) > 0, 1.0, -1.0)
T = rng.integers(0, 4, 5)
W = rng.uniform(0.5, 2.0, 4)
X3 = rng.normal(size=(2, 3, 4))


# ---- activations ---------------------------------------------------------------------------------
@pytest.mark.parametrize("lambd", [0.5, 0.0])
def test_shrinks_and_threshold(lambd):
    check(lambda a: tg.nn.softshrink(a, lambd),
          lambda a: jnp.where(a > lambd, a - lambd, jnp.where(a < -lambd, a + lambd, 0.0)), [X])
    check(lambda a: tg.nn.hardshrink(a, lambd), lambda a: jnp.where(jnp.abs(a) > lambd, a, 0.0), [X])
    check(lambda a: tg.nn.threshold(a, lambd, -2.0), lambda a: jnp.where(a > lambd, a, -2.0), [X])
    np.testing.assert_array_equal(tg.nn.hardshrink(X, -lambd - 0.1), X)  # λ < 0 keeps all


def test_tanhshrink_logsigmoid():
    check(tg.nn.tanhshrink, lambda a: a - jnp.tanh(a), [X])
    check(tg.nn.logsigmoid, jax.nn.log_sigmoid, [X * 30])
    assert tg.nn.logsigmoid is tg.nn.log_sigmoid


def test_softmin():
    for x, dim in [(X, 0), (X, -1), (X3, 1), (X[0], 0)]:
        check(lambda a: tg.nn.softmin(a, dim), lambda a: jax.nn.softmax(-a, axis=dim), [x])
    for x, axis in [(X, 1), (X3, 0), (X[0], 0), (rng.normal(size=(2, 2, 2, 2)), 1)]:
        with pytest.warns(UserWarning, match="softmin: implicit dimension"):
            got = tg.nn.softmin(x)  # PyTorch's deprecated implicit axis
        e = np.exp(x.min(axis, keepdims=True) - x)
        np.testing.assert_allclose(got, e / e.sum(axis, keepdims=True), rtol=TOL, atol=TOL)
    assert tg.nn.softmin(np.float64(3.0), 0) == 1.0


# ---- margin losses -------------------------------------------------------------------------------
def test_soft_margin_loss():
    check_reductions(tg.nn.soft_margin_loss,
                     lambda a, b, reduction: _red(jnp.log1p(jnp.exp(-b * a)), reduction),
                     [X, Y], (0, 1))
    check_reductions(lambda a, reduction: tg.nn.soft_margin_loss(a, Y[0], reduction=reduction),
                     lambda a, reduction: _red(jnp.log1p(jnp.exp(-Y[0] * a)), reduction),
                     [X])  # the target broadcasts
    assert np.isfinite(tg.nn.soft_margin_loss(np.array([-800.0]), np.array([1.0])))  # stable


@pytest.mark.parametrize("p,margin,weighted", [(1, 1.0, False), (2, 1.0, False), (1, 0.4, True),
                                               (2, -0.3, True)])
def test_multi_margin_loss(p, margin, weighted):
    w = W if weighted else None
    wj = None if w is None else jnp.asarray(w)
    check_reductions(lambda a, reduction: tg.nn.multi_margin_loss(a, T, p, margin, w,
                                                                  reduction=reduction),
                     lambda a, reduction: j_multi_margin(a, T, p, margin, wj, reduction), [X])
    for t in (np.array(2), np.array([3])) if weighted else ():  # a (C,) input, target () or (1,)
        check(lambda a: tg.nn.multi_margin_loss(a, t, p, margin, w, reduction="none"),
              lambda a: j_multi_margin(a, t, p, margin, wj, "none"), [X[1]], jvp=False)


def test_multilabel_margin_loss():
    t = np.array([[3, 0, -1, 1], [1, -1, 2, 2], [0, 1, 2, 3], [-1, 0, 0, 0], [2, 2, -1, 0]])
    check_reductions(lambda a, reduction: tg.nn.multilabel_margin_loss(a, t, reduction=reduction),
                     lambda a, reduction: j_multilabel_margin(a, t, reduction), [X])
    check(lambda a: tg.nn.multilabel_margin_loss(a, t[1]),
          lambda a: j_multilabel_margin(a, t[1], "mean"), [X[1]], jvp=False)


@pytest.mark.parametrize("wshape", [None, (4,), (5, 1)])
def test_multilabel_soft_margin_loss(wshape):
    y = rng.uniform(0, 1, (5, 4))
    w = None if wshape is None else rng.uniform(0.5, 2, wshape)
    wj = None if w is None else jnp.asarray(w)
    check_reductions(lambda a, b, reduction: tg.nn.multilabel_soft_margin_loss(
        a, b, w, reduction=reduction),
        lambda a, b, reduction: j_multilabel_soft(a, b, wj, reduction), [X, y], (0, 1))
    if wshape is None:  # (C,) and (N, d, C) inputs; the target broadcasts
        for x in (X[0], X3):
            check(lambda a: tg.nn.multilabel_soft_margin_loss(a, y[0], reduction="none"),
                  lambda a: j_multilabel_soft(a, y[0], None, "none"), [x], jvp=False)


# ---- likelihood losses ---------------------------------------------------------------------------
@pytest.mark.parametrize("log_input,full,eps", [(True, False, 1e-8), (False, False, 1e-8),
                                                (True, True, 1e-8), (False, True, 0.1)])
def test_poisson_nll_loss(log_input, full, eps):
    rate = rng.uniform(0.1, 3, (5, 4))
    x = np.log(rate) if log_input else rate
    t = rng.poisson(2.0, (5, 4)) + np.where(rng.uniform(size=(5, 4)) < 0.5, 0.35, 0.1)
    t[0, :3] = [0.5, 1.0, 3.0]
    check_reductions(lambda a, b, reduction: tg.nn.poisson_nll_loss(
        a, b, log_input, full, eps=eps, reduction=reduction),
        lambda a, b, reduction: j_poisson(a, b, log_input, full, eps, reduction), [x, t], (0, 1))
    if full:  # the target broadcasts
        check(lambda a: tg.nn.poisson_nll_loss(a, t[0], log_input, full, eps=eps, reduction="none"),
              lambda a: j_poisson(a, t[0], log_input, full, eps, "none"), [x], jvp=False)


@pytest.mark.parametrize("full,vshape", [(False, (2, 3, 4)), (True, (2, 3, 4)), (False, (2, 3)),
                                         (False, (2, 3, 1)), (True, (1, 3, 4)), (False, (2, 1, 4))])
def test_gaussian_nll_loss(full, vshape):
    x, t = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 3, 4))
    v = rng.uniform(0.2, 2.0, vshape)
    v.flat[0] = 1e-8  # below eps: clamped, and the slope in var still passes (PyTorch's no_grad clamp)
    check_reductions(lambda a, b, c, reduction: tg.nn.gaussian_nll_loss(a, b, c, full,
                                                                        reduction=reduction),
                     lambda a, b, c, reduction: j_gaussian(a, b, c, full, 1e-6, reduction),
                     [x, t, v], (0, 1, 2))


def test_gaussian_nll_loss_scalar_var_and_broadcast_target():
    x, t = rng.normal(size=(5, 4)), rng.normal(size=4)
    check_reductions(lambda a, b, reduction: tg.nn.gaussian_nll_loss(a, b, 0.7, eps=1e-3,
                                                                     reduction=reduction),
                     lambda a, b, reduction: j_gaussian(a, b, jnp.full((5, 4), 0.7), False, 1e-3,
                                                        reduction), [x, t], (0, 1))
    check(lambda a, b, c: tg.nn.gaussian_nll_loss(a, b, c, reduction="none"),
          lambda a, b, c: j_gaussian(a, b, c, False, 1e-6, "none"),
          [x, t, rng.uniform(0.5, 1, 5)], (0, 1, 2), jvp=False)


# ---- distances -----------------------------------------------------------------------------------
@pytest.mark.parametrize("p", [2, 1, 3, 1.5, 0.5, 0, math.inf, -1.5, -math.inf])
def test_pairwise_distance(p):
    a, b = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    check(lambda u, v: tg.nn.pairwise_distance(u, v, p), lambda u, v: j_pairwise(u, v, p),
          [a, b], (0, 1))
    got = tg.nn.pairwise_distance(a, b, p, keepdim=True)
    np.testing.assert_allclose(got, j_pairwise(a, b, p, keepdim=True), rtol=TOL, atol=TOL)
    if p in (2, math.inf):
        check(lambda u, v: tg.nn.pairwise_distance(u, v, p, eps=0.01),  # broadcasting batches
              lambda u, v: j_pairwise(u, v, p, 0.01), [X3, b[0]], (0, 1), jvp=False)
    np.testing.assert_allclose(tg.nn.pairwise_distance(a[0], b[0], p),  # two vectors: a scalar
                               j_pairwise(a[0], b[0], p), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, 0, math.inf])
def test_pdist(p):
    check(lambda x: tg.nn.pdist(x, p), lambda x: j_pdist(x, p), [rng.normal(size=(5, 4))])
    assert tg.nn.pdist(np.ones((1, 3)), p).shape == (0,)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, math.inf, -1.5])
def test_normalize(p):
    for dim in (1, -1, (0, 2)) if p == 2 else (1,):
        check(lambda x: tg.nn.normalize(x, p, dim), lambda x: j_normalize(x, p, dim), [X3])


def test_normalize_small_norms_and_vectors():
    check(lambda x: tg.nn.normalize(x, eps=0.5), lambda x: j_normalize(x, 2, 1, 0.5), [X * 0.1])
    check(lambda x: tg.nn.normalize(x, dim=0), lambda x: j_normalize(x, 2, 0), [X[0]])
    assert tg.nn.normalize(np.float64(-2.0), dim=0) == -1.0


@pytest.mark.parametrize("margin,p,swap", [(1.0, 2, False), (1.0, 2, True), (0.3, 1, False),
                                           (2.0, 3, True), (1.0, math.inf, True)])
def test_triplet_margin_loss(margin, p, swap):
    a, po, ne = rng.normal(size=(3, 5, 4))

    def tl(u, v, w, reduction):
        return tg.nn.triplet_margin_loss(u, v, w, margin, p, swap=swap, reduction=reduction)

    def jl(u, v, w, reduction):
        return j_triplet(u, v, w, margin, p, 1e-6, swap, reduction)

    check_reductions(tl, jl, [a, po, ne], (0, 1, 2))
    if (margin, p, swap) != (1.0, 2, True):
        return
    check(lambda u, v, w: tl(u, v, w, "none"), lambda u, v, w: jl(u, v, w, "none"),
          [a[0], po[0], ne[0]], (0, 1, 2), jvp=False)  # (D,) inputs
    check(lambda u, v, w: tl(u, v, w, "none"), lambda u, v, w: jl(u, v, w, "none"),
          [X3, po[None, :3], X3[::-1]], (0, 1, 2), jvp=False)  # batches broadcast


# ---- PyTorch's derivatives at the kinks (numbers recorded from torch 2.13, float64) ---------------
def _grad_of_sum(f, x):
    return np.asarray(tg.grad(lambda a: tg.sum(f(a)))(np.asarray(x, float)))


def test_kinks_take_pytorchs_slopes():
    x = [-0.5, 0.5, 0.2, 1.0, -1.0]
    np.testing.assert_array_equal(_grad_of_sum(lambda a: tg.nn.softshrink(a, 0.5), x), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(_grad_of_sum(lambda a: tg.nn.hardshrink(a, 0.5), x), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(_grad_of_sum(lambda a: tg.nn.threshold(a, 0.5, -3.0), x),
                                  [0, 0, 0, 1, 0])
    # margin − x[y] + x[i] = 0 at i = 1: slope 0
    np.testing.assert_allclose(_grad_of_sum(lambda a: tg.nn.multi_margin_loss(a, np.array([0])),
                                            [[1.0, 0.0, 0.5]]), [[-1 / 3, 0, 1 / 3]], rtol=TOL)
    np.testing.assert_allclose(_grad_of_sum(lambda a: tg.nn.multilabel_margin_loss(
        a, np.array([[0, -1, 1]])), [[1.0, 0.0, 0.5]]), [[-1 / 3, 0, 1 / 3]], rtol=TOL)
    # pdist: a repeated row (distance 0), zero differences and (p = inf) tied maxima
    rows = [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [1.0, 0.0, 1.0], [0.0, 4.0, 3.0]]
    want = {math.inf: [[0, 0, 1], [0, 0, 1], [0, -3, -2], [0, 3, 0]],
            1: [[1, 0, 1], [1, 0, 1], [1, -3, -3], [-3, 3, 1]],
            2: [[0.4472135954999579, -0.1873204098133684, 0.7071067811865475],
                [0.4472135954999579, -0.1873204098133684, 0.7071067811865475],
                [0.2182178902359924, -2.2870851233170644, -1.8506493428450796],
                [-1.1126450812359083, 2.6617259429438014, 0.4364357804719848]],
            0.5: [[2.414213562373095, 0.292893218813453, 2.0],
                  [2.414213562373095, 0.292893218813453, 2.0],
                  [4.414213562373095, -6.207106781186548, -7.121320343559644],
                  [-9.242640687119284, 5.621320343559642, 3.121320343559643]],
            0: np.zeros((4, 3))}
    for p, g in want.items():
        np.testing.assert_allclose(_grad_of_sum(lambda a: tg.nn.pdist(a, p), rows), g,
                                   rtol=TOL, atol=TOL)
    # pairwise_distance (torch.norm): tied maxima share the slope; distance 0 has slope 0
    x1, x2 = np.array([[1.0, 2.0, 3.0], [1.0, 0.0, 1.0], [0.0, 4.0, 3.0]]), np.array(
        [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [2.0, 6.0, 3.0]])
    for p, g in [(math.inf, [[0, 0, 0], [0, -0.5, -0.5], [-0.5, -0.5, 0]]),
                 (0.5, [[0, 0, 0], [0, -2, -2], [-2, -2, 0]]),
                 (2, [[0, 0, 0], [0, -0.5 ** 0.5, -0.5 ** 0.5], [-0.5 ** 0.5, -0.5 ** 0.5, 0]]),
                 (-1, np.zeros((3, 3)))]:
        np.testing.assert_allclose(_grad_of_sum(lambda a: tg.nn.pairwise_distance(a, x2, p, eps=0.0),
                                                x1), g, rtol=TOL, atol=TOL)
    # normalize of a zero vector: x/eps, slope 1/eps
    z = [[0.0, 0.0, 0.0], [1.0, -2.0, 2.0]]
    g = tg.grad(lambda a: tg.sum(tg.nn.normalize(a) * np.array([1.0, 2.0, 3.0])))(np.array(z))
    np.testing.assert_allclose(g, [[1e12, 2e12, 3e12], [2 / 9, 8 / 9, 7 / 9]], rtol=TOL)
    # poisson's Stirling term at target 0: finite (PyTorch's target slope there is NaN)
    gt = tg.grad(lambda t: tg.nn.poisson_nll_loss(np.array([0.5, 0.2]), t, full=True,
                                                  reduction="sum"))(np.array([0.0, 1.0]))
    np.testing.assert_allclose(gt, [-0.5, -0.2], rtol=TOL)


# ---- transforms ----------------------------------------------------------------------------------
def test_jit_and_vmap():
    # a traced class target under tg.jit, and the gradient through the plan
    f = tg.jit(lambda x, t: tg.nn.multi_margin_loss(x, t, p=2, margin=0.5, weight=W))
    assert abs(f(X, T) - tg.nn.multi_margin_loss(X, T, 2, 0.5, W)) < TOL
    gj = jax.jit(jax.grad(lambda a: j_multi_margin(a, T, 2, 0.5, jnp.asarray(W))))(X)
    np.testing.assert_allclose(tg.jit(tg.grad(lambda x, t: tg.nn.multi_margin_loss(
        x, t, p=2, margin=0.5, weight=W)))(X, T), gj, rtol=TOL, atol=TOL)
    tl = np.array([[3, 0, -1, 1], [1, -1, 2, 2], [0, 1, 2, 3], [-1, 0, 0, 0], [2, 2, -1, 0]])
    h = tg.jit(lambda x, t: tg.nn.multilabel_margin_loss(x, t, reduction="none"))
    np.testing.assert_allclose(h(X, tl), j_multilabel_margin(jnp.asarray(X), tl, "none"), rtol=TOL)
    # per-example triplet losses and pdists under tg.vmap, and jit of vmap of grad
    a, po, ne = rng.normal(size=(3, 2, 5, 4))
    per = tg.vmap(lambda u, v, w: tg.nn.triplet_margin_loss(u, v, w, swap=True))(a, po, ne)
    want = jax.jit(jax.vmap(lambda u, v, w: j_triplet(u, v, w, swap=True)))(a, po, ne)
    np.testing.assert_allclose(per, want, rtol=TOL, atol=TOL)
    gt = tg.jit(tg.vmap(tg.grad(lambda u, v, w: tg.nn.triplet_margin_loss(u, v, w, p=1))))(a, po, ne)
    np.testing.assert_allclose(gt, jax.jit(jax.vmap(jax.grad(lambda u, v, w: j_triplet(u, v, w, p=1))))(a, po, ne),
                               rtol=TOL, atol=TOL)
    np.testing.assert_allclose(tg.vmap(lambda x: tg.nn.pdist(x, 3))(a), jax.jit(jax.vmap(lambda x: j_pdist(x, 3)))(a),
                               rtol=TOL, atol=TOL)
    # a Jacobian through normalize
    np.testing.assert_allclose(tg.jacrev(lambda x: tg.nn.normalize(x, 3, 0))(X[0]),
                               jax.jit(jax.jacrev(lambda x: j_normalize(x, 3, 0)))(X[0]), rtol=TOL, atol=TOL)


# ---- errors --------------------------------------------------------------------------------------
E = rng.normal(size=(5, 4))


@pytest.mark.parametrize("call,match", [
    (lambda: tg.nn.softmin(E, 2), "softmin: dim 2 is out of range"),
    (lambda: tg.nn.cross_entropy(E, tg.nn.softmax(E, 1), ignore_index=1), "cross_entropy: ignore_index=1 needs class-index targets"),
    (lambda: tg.nn.softshrink(E, -0.5), "softshrink: lambd must be non-negative"),
    (lambda: tg.nn.threshold(E, 0.1, 0.0, inplace="yes"), "threshold: inplace must be True or False"),
    (lambda: tg.nn.soft_margin_loss(E, E[:, :3]), r"soft_margin_loss: input of shape \(5, 4\) and target of shape \(5, 3\)"),
    (lambda: tg.nn.soft_margin_loss(E, E, reduction="avg"), "soft_margin_loss: reduction must be one of"),
    (lambda: tg.nn.multi_margin_loss(E, T, p=3), "multi_margin_loss: p must be 1 or 2"),
    (lambda: tg.nn.multi_margin_loss(E, T[:3]), r"multi_margin_loss: target shape \(3,\) does not fit input of shape \(5, 4\)"),
    (lambda: tg.nn.multi_margin_loss(E, T * 1.0), "multi_margin_loss: target must be an integer"),
    (lambda: tg.nn.multi_margin_loss(E, np.array([0, 1, 4, 0, 0])), r"multi_margin_loss: target holds a class out of range \[0, 4\)"),
    (lambda: tg.nn.multi_margin_loss(E, T, weight=np.ones(3)), r"multi_margin_loss: weight must have shape \(4,\)"),
    (lambda: tg.nn.multi_margin_loss(X3, T[:2]), r"multi_margin_loss: input must be \(C,\) or \(N, C\), got shape \(2, 3, 4\)"),
    (lambda: tg.nn.multi_margin_loss(E, T, reduction="batchmean"), "multi_margin_loss: reduction"),
    (lambda: tg.nn.multilabel_margin_loss(E, np.zeros((5, 3), int)), r"multilabel_margin_loss: target shape \(5, 3\) must equal the input's shape \(5, 4\)"),
    (lambda: tg.nn.multilabel_margin_loss(E, np.full((5, 4), 4)), "multilabel_margin_loss: target entries must be class indices"),
    (lambda: tg.nn.multilabel_margin_loss(E, np.full((5, 4), -2)), "multilabel_margin_loss: target entries"),
    (lambda: tg.nn.multilabel_margin_loss(E, np.zeros((5, 4))), "multilabel_margin_loss: target must be an integer"),
    (lambda: tg.nn.multilabel_soft_margin_loss(E, E, weight=np.ones(3)), r"multilabel_soft_margin_loss: weight of shape \(3,\)"),
    (lambda: tg.nn.multilabel_soft_margin_loss(np.float64(1.0), 1.0), "multilabel_soft_margin_loss: input must have a class axis"),
    (lambda: tg.nn.poisson_nll_loss(E, E[:2, :3]), "poisson_nll_loss: input of shape"),
    (lambda: tg.nn.poisson_nll_loss(E, E, reduction="x"), "poisson_nll_loss: reduction"),
    (lambda: tg.nn.gaussian_nll_loss(E, E, np.ones(4)), r"gaussian_nll_loss: var of shape \(4,\) does not fit input of shape \(5, 4\)"),
    (lambda: tg.nn.gaussian_nll_loss(X3, X3, np.ones((2, 1, 1))), r"gaussian_nll_loss: var of shape \(2, 1, 1\)"),
    (lambda: tg.nn.gaussian_nll_loss(E, E, -np.ones((5, 4))), "gaussian_nll_loss: var has negative"),
    (lambda: tg.nn.gaussian_nll_loss(E, E, -1.0), "gaussian_nll_loss: var has a negative"),
    (lambda: tg.nn.gaussian_nll_loss(E, E, np.ones((5, 4)), reduction="x"), "gaussian_nll_loss: reduction"),
    (lambda: tg.nn.triplet_margin_loss(E, E, E, margin=0.0), "triplet_margin_loss: margin must be greater than 0"),
    (lambda: tg.nn.triplet_margin_loss(E, E[0], E), r"triplet_margin_loss: anchor, positive and negative must have the same number of dimensions, got shapes \(5, 4\), \(4,\)"),
    (lambda: tg.nn.triplet_margin_loss(E, E[:3], E), r"triplet_margin_loss: .* of shapes \(5, 4\), \(3, 4\) and \(5, 4\) do not broadcast"),
    (lambda: tg.nn.triplet_margin_loss(E, E, E, reduction="x"), "triplet_margin_loss: reduction"),
    (lambda: tg.nn.pairwise_distance(E, E[:, :3]), r"pairwise_distance: x1 of shape \(5, 4\) and x2 of shape \(5, 3\)"),
    (lambda: tg.nn.pdist(E[0]), r"pdist: input must be 2-D \(N, M\), got shape \(4,\)"),
    (lambda: tg.nn.pdist(E, -1), "pdist: p must be non-negative"),
    (lambda: tg.nn.normalize(E[0]), "normalize: dim 1 is out of range for an input of 1 dimensions"),
    (lambda: tg.nn.normalize(X3, dim=(1, -2)), "normalize: dim .* repeats an axis"),
])
def test_errors(call, match):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises((ValueError, TypeError), match=match):
            call()


def test_soft_margin_targets_broadcast_to_the_input_and_bce_targets_are_probabilities():
    F = tg.nn.functional
    for a, b in [((4, 1), (4,)), ((4,), (4, 1)), ((3,), (4, 3))]:  # PyTorch: a RuntimeError
        with pytest.raises(ValueError, match="soft_margin_loss"):
            F.soft_margin_loss(np.zeros(a), np.ones(b))
    np.testing.assert_allclose(F.soft_margin_loss(np.zeros((4, 3)), np.ones(3)), np.log(2.0))
    for t in ([0.0, 2.0, 1.0], [0.0, -1.0, 1.0]):
        with pytest.raises(ValueError, match="target must be in"):
            F.binary_cross_entropy(np.full(3, 0.5), np.array(t))
    np.testing.assert_allclose(F.binary_cross_entropy(np.full(3, 0.5), np.array([0.0, 0.5, 1.0])),
                               np.log(2.0))


def test_linear_refuses_a_bias_that_would_grow_the_output():
    F = tg.nn.functional
    x, w = np.ones((2, 3)), np.ones((4, 3))
    for bs in [(4,), (), (1, 4), (2, 4), (1,)]:  # PyTorch's accepted shapes
        assert F.linear(x, w, np.ones(bs)).shape == (2, 4)
    with pytest.raises(ValueError, match="bias of shape"):
        F.linear(x, w, np.ones((3, 1, 4)))


def test_complex_inputs_are_computed_where_pytorch_computes_them_and_refused_elsewhere():
    # the float cast of the inputs dropped the imaginary part (with only NumPy's
    # ComplexWarning): l1_loss, normalize and pairwise_distance returned real numbers of the
    # real parts, and trained on them. They now compute on complex values, as PyTorch's, and
    # the losses PyTorch refuses complex values for raise instead of dropping a part.
    F = tg.nn.functional
    z = np.array([[1 + 2j, 3 - 1j, 0.5j], [2 - 1j, -1 + 0.3j, 1.0]])
    w = z ** 2
    d = z - w
    t = tg.tensor(z, requires_grad=True)
    loss = F.l1_loss(t, w)
    np.testing.assert_allclose(np.asarray(loss.detach()), np.mean(np.abs(d)), rtol=1e-14)
    loss.backward()  # PyTorch's convention: the conjugate Wirtinger derivative, d/|d| / N
    unit = np.divide(d, np.abs(d), out=np.zeros_like(d), where=d != 0)  # (d = 0 at [1, 2]: 0)
    np.testing.assert_allclose(t.grad, unit / d.size, rtol=1e-14)
    n = F.normalize(z, dim=1)
    assert n.dtype == np.complex128
    np.testing.assert_allclose(n, z / np.linalg.norm(z, axis=1, keepdims=True), rtol=1e-14)
    t = tg.tensor(z, requires_grad=True)
    dist = F.pairwise_distance(t, w, eps=0.0)
    np.testing.assert_allclose(np.asarray(dist.detach()), np.linalg.norm(d, axis=1), rtol=1e-14)
    tg.sum(dist).backward()
    np.testing.assert_allclose(t.grad, d / np.linalg.norm(d, axis=1, keepdims=True), rtol=1e-14)
    for name, call in [("mse_loss", lambda: F.mse_loss(z, w)), ("huber_loss", lambda: F.huber_loss(z, w)),
                       ("cosine_similarity", lambda: F.cosine_similarity(z, w)),
                       ("pdist", lambda: F.pdist(z)),
                       ("cross_entropy", lambda: F.cross_entropy(z, np.array([0, 1])))]:
        with pytest.raises(TypeError, match=f"{name}: complex input \\(dtype complex128\\) is not supported"):
            call()


def test_normalization_layers_take_pytorchs_bias_flag():
    # PyTorch 2.13's BatchNorm, GroupNorm and InstanceNorm take bias=False (a weight, no
    # bias), as LayerNorm did; tensorgrad's raised TypeError
    x = np.random.default_rng(0).normal(size=(4, 6, 5))
    for cls, args, extra in ((tg.nn.BatchNorm1d, (6,), {}), (tg.nn.GroupNorm, (3, 6), {}),
                             (tg.nn.InstanceNorm1d, (6,), {"affine": True})):
        without, full = cls(*args, bias=False, **extra), cls(*args, **extra)
        assert list(dict(without.named_parameters())) == ["weight"]
        assert sorted(dict(full.named_parameters())) == ["bias", "weight"]
        np.testing.assert_allclose(without(x), full(x), rtol=1e-14)  # (the bias starts at 0)
        g = tg.grad(lambda p: tg.sum(without.apply(p, x) ** 3))(without.params)
        assert list(g) == ["weight"] and np.all(np.isfinite(g["weight"]))
