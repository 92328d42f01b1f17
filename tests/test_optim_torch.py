"""PyTorch's other optimizers (tensorgrad/optim_more.py) and torch.optim.lr_scheduler's schedulers
(tg.optim.lr_scheduler): the updates against NumPy re-implementations of the algorithms PyTorch
documents (float64, 1e-12), the learning-rate sequences against their closed forms, state-dict
round trips, tg.jit / tg.grad / tg.jvp through the updates, and the argument checks."""
import math
from bisect import bisect_right

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import optim
from tensorgrad.optim import lr_scheduler as S

X = np.array([[0.3, -1.2, 0.5], [1.1, 0.4, -0.7], [-0.6, 0.9, 1.3], [0.8, -0.2, 0.1],
              [-1.0, 0.6, -0.4], [0.2, 1.5, 0.9]])
Y = np.array([[0.5, -0.3], [1.2, 0.8], [-0.4, 0.6], [0.9, -1.1], [-0.7, 0.2], [0.3, 1.4]])
P0 = {"w": np.array([[0.4, -0.3], [0.1, 0.6], [-0.5, 0.2]]), "b": np.array([0.2, -0.1]),
      "s": np.array(0.7)}  # a matrix, a vector and a scalar (Adafactor treats each differently)


def grads_of(p):
    """The gradient of mean((Xw + b − Y)²) + (s − 0.3)² + 0.1 sin(3s)."""
    r = tg.matmul(X, p["w"]) + p["b"] - Y  # (tg's functions: also traced by tg.jit)
    return {"w": tg.matmul(X.T, r) * (2 / Y.size), "b": tg.sum(r, axis=0) * (2 / Y.size),
            "s": 2 * (p["s"] - 0.3) + 0.3 * tg.cos(3 * p["s"])}


def run_tg(opt, n, p=P0):
    state = opt.init(p)
    for _ in range(n):
        p, state = opt.step(p, grads_of(p), state)
    return p, state


def run_ref(rule, n, **hp):
    """The reference ``rule(p, g, slots, t, **hp) -> p`` applied leaf by leaf."""
    p, slots = {k: v.copy() for k, v in P0.items()}, {k: {} for k in P0}
    for t in range(1, n + 1):
        g = grads_of(p)
        p = {k: rule(p[k], g[k], slots[k], t, **hp) for k in p}
    return p, slots


# ---- NumPy versions of the algorithms in PyTorch's documentation ------------------------------
def _g(p, g, maximize, weight_decay=0.0):
    g = -g if maximize else g
    return g + weight_decay * p if weight_decay else g


def ref_adadelta(p, g, s, t, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    g = _g(p, g, maximize, weight_decay)
    v = s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g * g
    dx = np.sqrt(s.get("u", 0.0) + eps) / np.sqrt(v + eps) * g
    s["u"] = rho * s.get("u", 0.0) + (1 - rho) * dx * dx
    return p - lr * dx


def ref_asgd(p, g, s, t, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False):
    g = _g(p, g, maximize, weight_decay)
    eta, mu = s.get("eta", lr), s.get("mu", 1.0)
    p = p * (1 - lambd * eta) - eta * g
    s["ax"] = p.copy() if mu == 1 else s["ax"] + mu * (p - s["ax"])
    s["eta"], s["mu"] = lr / (1 + lambd * lr * t) ** alpha, 1 / max(1, t - t0)
    return p


def ref_radam(p, g, s, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
              decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    g = _g(p, g, maximize)
    if decoupled_weight_decay:
        p = p - lr * weight_decay * p
    else:
        g = g + weight_decay * p
    m = s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    v = s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    m_hat = m / (1 - b1 ** t)
    r_inf = 2 / (1 - b2) - 1
    r_t = r_inf - 2 * t * b2 ** t / (1 - b2 ** t)
    if r_t <= 5:
        return p - lr * m_hat
    rect = math.sqrt((r_t - 4) * (r_t - 2) * r_inf / ((r_inf - 4) * (r_inf - 2) * r_t))
    return p - lr * m_hat * rect * math.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps)


def ref_rprop(p, g, s, t, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    g = _g(p, g, maximize)
    prod = g * s.get("prev", np.zeros_like(p))
    size = s.get("size", np.full_like(p, lr))
    size = np.where(prod > 0, size * etas[1], np.where(prod < 0, size * etas[0], size))
    s["size"] = size = np.clip(size, *step_sizes)
    s["prev"] = g = np.where(prod < 0, 0.0, g)
    return p - np.sign(g) * size


def ref_adafactor(p, g, s, t, lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0,
                  weight_decay=0.0, maximize=False):
    e1 = np.finfo(np.float64).eps if eps[0] is None else eps[0]
    g = _g(p, g, maximize)
    w = t ** beta2_decay  # 1 − β₂ₜ
    alpha = max(eps[1], np.sqrt(np.mean(p * p))) * min(lr, 1 / math.sqrt(t))
    p = p - lr * weight_decay * p
    if g.ndim > 1:
        r = s["r"] = (1 - w) * s.get("r", 0.0) + w * np.mean(g * g, axis=-1, keepdims=True)
        c = s["c"] = (1 - w) * s.get("c", 0.0) + w * np.mean(g * g, axis=-2, keepdims=True)
        v = r * c / np.maximum(np.mean(r, axis=-2, keepdims=True), e1)
    else:
        v = s["v"] = (1 - w) * s.get("v", 0.0) + w * g * g
    u = g / np.maximum(np.sqrt(v), e1)
    return p - alpha * u / max(1.0, np.sqrt(np.mean(u * u)) / d)


def ref_sgd(p, g, s, t, lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
            maximize=False):
    g = _g(p, g, maximize, weight_decay)
    if momentum:
        b = s["b"] = g if t == 1 else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * b if nesterov else b
    return p - lr * g


def ref_rmsprop(p, g, s, t, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                centered=False, maximize=False):
    g = _g(p, g, maximize, weight_decay)
    v = s["v"] = alpha * s.get("v", 0.0) + (1 - alpha) * g * g
    if centered:
        s["ga"] = alpha * s.get("ga", 0.0) + (1 - alpha) * g
        v = v - s["ga"] ** 2
    step = g / (np.sqrt(v) + eps)
    if momentum:
        step = s["b"] = momentum * s.get("b", 0.0) + step
    return p - lr * step


def ref_adam(p, g, s, t, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False,
             maximize=False, decoupled=False):
    b1, b2 = betas
    g = _g(p, g, maximize)
    if decoupled:
        p = p - lr * weight_decay * p
    else:
        g = g + weight_decay * p
    m = s["m"] = b1 * s.get("m", 0.0) + (1 - b1) * g
    v = s["v"] = b2 * s.get("v", 0.0) + (1 - b2) * g * g
    if amsgrad:
        v = s["vmax"] = np.maximum(s.get("vmax", 0.0), v)
    return p - lr / (1 - b1 ** t) * m / (np.sqrt(v) / math.sqrt(1 - b2 ** t) + eps)


def ref_adamw(p, g, s, t, weight_decay=0.01, **hp):
    return ref_adam(p, g, s, t, weight_decay=weight_decay, decoupled=True, **hp)


CASES = [
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.1)),
    ("SGD", ref_sgd, dict(lr=0.05, momentum=0.8, nesterov=True, maximize=True)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, centered=True, momentum=0.5, weight_decay=0.1)),
    ("RMSprop", ref_rmsprop, dict(lr=0.01, alpha=0.9, centered=True, maximize=True)),
    ("Adam", ref_adam, dict(lr=0.05, betas=(0.8, 0.99), amsgrad=True, weight_decay=0.1)),
    ("Adam", ref_adam, dict(lr=0.05, betas=(0.7, 0.9), maximize=True)),
    ("AdamW", ref_adamw, dict(lr=0.05, amsgrad=True, maximize=True)),
    ("Adadelta", ref_adadelta, {}),
    ("Adadelta", ref_adadelta, dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1, maximize=True)),
    ("ASGD", ref_asgd, {}),
    ("ASGD", ref_asgd, dict(lr=0.05, lambd=1e-2, alpha=0.6, t0=4, weight_decay=0.05)),
    ("RAdam", ref_radam, dict(lr=0.05)),
    ("RAdam", ref_radam, dict(lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1)),
    ("RAdam", ref_radam, dict(lr=0.05, betas=(0.8, 0.9), weight_decay=0.1,
                              decoupled_weight_decay=True, maximize=True)),
    ("Rprop", ref_rprop, {}),
    ("Rprop", ref_rprop, dict(lr=0.05, etas=(0.4, 1.5), step_sizes=(1e-3, 0.2), maximize=True)),
    ("Adafactor", ref_adafactor, {}),
    ("Adafactor", ref_adafactor, dict(lr=0.05, beta2_decay=-0.5, eps=(1e-20, 1e-2), d=1.5,
                                      weight_decay=0.1, maximize=True)),
]


@pytest.mark.parametrize("name, rule, hp", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_updates_follow_pytorchs_algorithm(name, rule, hp):
    p, state = run_tg(getattr(optim, name)(**hp), 15)
    want, slots = run_ref(rule, 15, **hp)
    for k in P0:
        assert np.shape(p[k]) == P0[k].shape and not np.allclose(p[k], P0[k])
        np.testing.assert_allclose(p[k], want[k], rtol=0, atol=1e-12)
    if name == "ASGD":  # the averaged iterate (t0 = 4: a real average from update 5 on)
        for k in P0:
            np.testing.assert_allclose(state["ax"][k], slots[k]["ax"], rtol=0, atol=1e-12)
    if name == "Adafactor":  # factored statistics for the matrix, a full one for the rest
        assert state["row_var"]["w"].shape == (3, 1) and state["col_var"]["w"].shape == (1, 2)
        assert state["variance"]["b"].shape == (2,) and state["variance"]["w"].shape == ()
    assert int(state["step"]) == 15


UNROLL = [optim.SGD(0.1, momentum=0.5, dampening=0.5), optim.RMSprop(0.05, centered=True),
          optim.Adam(0.1, amsgrad=True), optim.Adadelta(0.5, weight_decay=0.1),
          optim.ASGD(0.05, t0=1), optim.RAdam(0.1),
          optim.Rprop(0.05), optim.Adafactor(0.1, weight_decay=0.1)]


@pytest.mark.parametrize("opt", UNROLL, ids=lambda o: type(o).__name__)
def test_updates_compile_and_differentiate(opt):
    w0 = P0["w"]

    def unrolled(w):  # eight updates of the loss Σ(w·x)², differentiated through (meta-learning)
        p, s = {"w": w}, opt.init({"w": w0})
        for t in range(8):
            g = tg.grad(lambda q: tg.sum((q["w"] * (1.0 + 0.2 * t)) ** 2))(p)
            p, s = opt.step(p, g, s)
        return tg.sum(p["w"] ** 3)
    g = np.asarray(tg.grad(unrolled)(w0))
    v = np.linspace(-1.0, 1.0, 6).reshape(3, 2)
    _, jv = tg.jvp(unrolled, (w0,), (v,))
    assert np.all(np.isfinite(g)) and np.any(g != 0)
    np.testing.assert_allclose(float(jv), np.sum(g * v), rtol=1e-12, atol=1e-14)
    h = 1e-6  # and the finite difference, loosely
    assert abs((unrolled(w0 + h * v) - unrolled(w0 - h * v)) / (2 * h) - float(jv)) < 1e-6

    step = tg.jit(lambda p, s: opt.step(p, grads_of(p), s))
    pe, se = P0, opt.init(P0)
    pj, sj = P0, opt.init(P0)
    for _ in range(6):  # (RAdam's rectified steps start at the fifth update)
        pe, se = opt.step(pe, grads_of(pe), se)
        pj, sj = step(pj, sj)
    for k in P0:
        np.testing.assert_allclose(np.asarray(pj[k]), pe[k], rtol=0, atol=1e-13)


def test_get_by_name_and_fit():
    assert isinstance(optim.get("radam", 0.1), optim.RAdam)
    assert isinstance(optim.get("Adafactor", 0.1), optim.Adafactor)
    opt = optim.Rprop(0.05)
    p, _ = run_tg(opt, 40)
    assert np.mean((X @ p["w"] + p["b"] - Y) ** 2) < np.mean((X @ P0["w"] + P0["b"] - Y) ** 2)


# ---- LBFGS --------------------------------------------------------------------------------------
def quartic(p):
    """mean((Xw + b − Y)²) + 0.05 Σw⁴ and its gradient (smooth and well conditioned)."""
    r = X @ p["w"] + p["b"] - Y
    return (np.mean(r * r) + 0.05 * np.sum(p["w"] ** 4),
            {"w": X.T @ r * (2 / r.size) + 0.2 * p["w"] ** 3, "b": r.sum(0) * (2 / r.size)})


def ref_lbfgs(fg, x, steps, lr=1.0, max_iter=20, history_size=100, tol_grad=1e-7, tol_change=1e-9):
    """L-BFGS without line search as PyTorch documents and runs it, on a flat vector."""
    max_eval, total, S_, Y_, d, t, prev_g, H = max_iter * 5 // 4, 0, [], [], None, None, None, 1.0
    for _ in range(steps):
        f, g = fg(x)
        evals = 1
        if np.max(np.abs(g)) <= tol_grad:
            continue
        for it in range(1, max_iter + 1):
            total += 1
            if total == 1:
                d, S_, Y_, H = -g, [], [], 1.0
            else:
                y, s = g - prev_g, d * t
                if y @ s > 1e-10:
                    if len(S_) == history_size:
                        S_.pop(0), Y_.pop(0)
                    S_.append(s), Y_.append(y)
                    H = (y @ s) / (y @ y)
                q, a = -g, []
                for s_, y_ in zip(reversed(S_), reversed(Y_)):
                    a.append((s_ @ q) / (y_ @ s_))
                    q = q - a[-1] * y_
                d = H * q
                for s_, y_, a_ in zip(S_, Y_, reversed(a)):
                    d = d + (a_ - (y_ @ d) / (y_ @ s_)) * s_
            prev_g, prev_f = g, f
            t = min(1.0, 1.0 / np.sum(np.abs(g))) * lr if total == 1 else lr
            if g @ d > -tol_change:
                break
            x = x + t * d
            if it == max_iter:
                break
            f, g = fg(x)
            evals += 1
            if evals >= max_eval or np.max(np.abs(g)) <= tol_grad or \
                    np.max(np.abs(t * d)) <= tol_change or abs(f - prev_f) < tol_change:
                break
    return x


def _flat(p):
    return np.concatenate([np.ravel(p["b"]), np.ravel(p["w"])])  # (the pytree's leaf order)


def _tree(x):
    return {"b": x[:2], "w": x[2:].reshape(3, 2)}


@pytest.mark.parametrize("kw", [dict(max_iter=6, history_size=2), dict(lr=0.5, max_iter=4)])
def test_lbfgs_matches_the_algorithm(kw):
    opt = optim.LBFGS(**kw)
    p, state = dict(w=P0["w"], b=P0["b"]), opt.init(dict(w=P0["w"], b=P0["b"]))
    losses = []
    for _ in range(3):
        p, state = opt.step(p, quartic, state)
        losses.append(float(state["loss"]))

    def fg(x):
        f, g = quartic(_tree(x))
        return f, _flat(g)
    want = ref_lbfgs(fg, _flat(P0), 3, **{k.replace("tolerance", "tol"): v for k, v in kw.items()})
    np.testing.assert_allclose(_flat(p), want, rtol=0, atol=1e-12)
    assert losses[0] == pytest.approx(quartic(P0)[0], abs=0) and losses[2] < losses[0]
    assert state["old_dirs"].shape[0] <= kw.get("history_size", 100)


def test_lbfgs_strong_wolfe_against_recorded_pytorch():
    """Values printed by torch 2.13's LBFGS(line_search_fn='strong_wolfe', history_size=5,
    max_iter=10), two steps, float64, on least squares plus Rosenbrock's function."""
    def rosen_ls(p):
        r = X @ p["w"] - Y
        z = p["z"]
        f = np.mean(r * r) + (1 - z[0]) ** 2 + 10 * (z[1] - z[0] ** 2) ** 2
        gz = np.array([-2 * (1 - z[0]) - 40 * z[0] * (z[1] - z[0] ** 2), 20 * (z[1] - z[0] ** 2)])
        return f, {"w": X.T @ r * (2 / r.size), "z": gz}
    opt = optim.LBFGS(line_search_fn="strong_wolfe", history_size=5, max_iter=10)
    p = {"w": P0["w"], "z": np.array([-1.2, 1.0])}
    state = opt.init(p)
    losses = []
    for _ in range(2):
        p, state = opt.step(p, rosen_ls, state)
        losses.append(float(state["loss"]))
    np.testing.assert_allclose(p["w"], [[1.1010211709536561, 0.17277852027847573],
                                        [0.02373739786548265, 0.7863172993230981],
                                        [0.17545115492604657, 0.05487150755828338]], atol=1e-12)
    np.testing.assert_allclose(p["z"], [0.9932547201827584, 0.9956914392816877], atol=1e-12)
    np.testing.assert_allclose(losses, [7.118141666666667, 0.9625995893060372], rtol=1e-13)
    assert (int(state["func_evals"]), int(state["n_iter"])) == (24, 18)


def test_lbfgs_converges_and_checks_its_closure():
    opt = optim.LBFGS(line_search_fn="strong_wolfe", tolerance_grad=1e-12, tolerance_change=0.0)
    params = {"w": np.zeros((3, 2))}
    state = opt.init(params)
    params, state = opt.step(params, tg.value_and_grad(lambda p: tg.mean((X @ p["w"] - Y) ** 2)),
                             state)
    np.testing.assert_allclose(params["w"], np.linalg.lstsq(X, Y, rcond=None)[0], atol=1e-9)
    with pytest.raises(TypeError, match="LBFGS.step: closure must return"):
        opt.step(params, lambda p: 1.0, state)
    with pytest.raises(ValueError, match="LBFGS.step: the closure's gradient structure"):
        opt.step(params, lambda p: (1.0, [p["w"]]), state)
    with pytest.raises(TypeError, match="LBFGS.step: the parameters are traced"):
        tg.grad(lambda w: opt.step({"w": w}, lambda p: (0.0, p), state)[0]["w"].sum())(params["w"])
    with pytest.raises(ValueError, match="LBFGS.step: the state does not belong"):
        opt.step({"w": np.zeros(3)}, lambda p: (0.0, p), state)


def test_lbfgs_in_pytorchs_form_steps_the_tensors_with_a_closure():
    """LBFGS([w, b], ...).step(closure) with PyTorch's closure (zero_grad, loss, backward)
    follows the functional form exactly, returns the first loss, and saves its state."""
    kw = dict(line_search_fn="strong_wolfe", history_size=3, max_iter=7)
    w, b = tg.tensor(P0["w"], requires_grad=True), tg.tensor(P0["b"], requires_grad=True)
    opt = optim.LBFGS([w, b], **kw)

    def closure():
        opt.zero_grad()
        r = X @ w + b - Y
        loss = tg.mean(r * r) + 0.05 * tg.sum(w ** 4)
        loss.backward()
        return loss
    fopt = optim.LBFGS(**kw)
    p = {"w": P0["w"], "b": P0["b"]}
    state = fopt.init(p)
    for _ in range(2):
        first = opt.step(closure)
        p, state = fopt.step(p, quartic, state)
        assert float(first.item()) == pytest.approx(float(state["loss"]), rel=1e-14)
    np.testing.assert_allclose(w.detach().numpy(), p["w"], atol=1e-13)
    np.testing.assert_allclose(b.detach().numpy(), p["b"], atol=1e-13)
    again = optim.LBFGS([w, b], **kw)  # the curvature history carries over through state_dict
    again.load_state_dict(opt.state_dict())
    assert np.array_equal(again.state[id(w)]["old_dirs"], opt.state[id(w)]["old_dirs"])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        optim.LBFGS([{"params": [w]}, {"params": [b]}])
    with pytest.raises(TypeError, match="LBFGS.step needs a closure"):
        opt.step()


# ---- schedulers -----------------------------------------------------------------------------------
def lr_sequence(sched, n=30, opt=None, epochs=None):
    out = [sched.get_last_lr()[0]]
    for i in range(n):
        sched.step() if epochs is None else sched.step(epochs[i])
        out.append(sched.get_last_lr()[0])
        if opt is not None:
            assert opt.learning_rate(opt.init(P0)) == out[-1]  # the optimizer uses the new rate
    return np.array(out)


def _cos(e, T, lo, hi):
    return lo + (hi - lo) * (1 + math.cos(math.pi * e / T)) / 2


def _restarts(e, T0, mult, lo, hi):
    T = T0
    while e >= T:
        e, T = e - T, T * mult
    return _cos(e, T, lo, hi)


def _cyclic(e, lo, hi, up, down, scale):
    cycle = math.floor(1 + e / (up + down))
    x = e - (cycle - 1) * (up + down)
    rise = x / up if x <= up else 1 - (x - up) / down
    return lo + (hi - lo) * rise * scale(cycle, e)


def _one_cycle(e, phases):
    start = 0.0
    for end, a, b in phases:
        if e <= end or end == phases[-1][0]:
            return b + (a - b) / 2 * (math.cos(math.pi * (e - start) / (end - start)) + 1)
        start = end


E = np.arange(31)
SCHEDULES = {
    "LambdaLR": (lambda o: S.LambdaLR(o, lambda e: 0.95 ** e + 0.01 * e),
                 0.1 * (0.95 ** E + 0.01 * E)),
    "MultiplicativeLR": (lambda o: S.MultiplicativeLR(o, lambda e: 0.9 if e % 2 else 1.05),
                         0.1 * np.cumprod([1.0] + [0.9 if e % 2 else 1.05 for e in E[1:]])),
    "StepLR": (lambda o: S.StepLR(o, step_size=4, gamma=0.5), 0.1 * 0.5 ** (E // 4)),
    "StepLR, a float step": (lambda o: S.StepLR(o, 4.0, gamma=0.5), 0.1 * 0.5 ** (E // 4)),
    "MultiStepLR": (lambda o: S.MultiStepLR(o, [3, 7, 7, 20], gamma=0.3),
                    0.1 * 0.3 ** np.array([bisect_right([3, 7, 7, 20], e) for e in E])),
    "ConstantLR": (lambda o: S.ConstantLR(o, factor=0.25, total_iters=6), 0.1 * np.where(E < 6, 0.25, 1)),
    "LinearLR": (lambda o: S.LinearLR(o, start_factor=0.2, end_factor=0.9, total_iters=10),
                 0.1 * (0.2 + 0.7 * np.minimum(E, 10) / 10)),
    "ExponentialLR": (lambda o: S.ExponentialLR(o, gamma=0.9), 0.1 * 0.9 ** E),
    "PolynomialLR": (lambda o: S.PolynomialLR(o, total_iters=12, power=2.5),
                     0.1 * (1 - np.minimum(E, 12) / 12) ** 2.5),
    "CosineAnnealingLR": (lambda o: S.CosineAnnealingLR(o, T_max=7, eta_min=0.01),
                          [_cos(e, 7, 0.01, 0.1) for e in E]),  # (rising again after T_max)
    "CosineAnnealingWarmRestarts": (
        lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2, eta_min=0.001),
        [_restarts(e, 3, 2, 0.001, 0.1) for e in E]),
    "CyclicLR-triangular2": (
        lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=4, step_size_down=3, mode="triangular2"),
        [_cyclic(e, 0.01, 0.1, 4, 3, lambda c, e: 0.5 ** (c - 1)) for e in E]),
    "CyclicLR-exp_range": (
        lambda o: S.CyclicLR(o, 0.01, 0.1, step_size_up=5, mode="exp_range", gamma=0.95),
        [_cyclic(e, 0.01, 0.1, 5, 5, lambda c, e: 0.95 ** e) for e in E]),
    "OneCycleLR": (lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=30),
                   [_one_cycle(e, [(8.0, 0.02, 0.5), (29, 0.5, 0.02 / 1e4)]) for e in E]),
    "SequentialLR": (lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, total_iters=5),
                                                  S.ExponentialLR(o, gamma=0.9)], milestones=[5]),
                     0.1 * np.where(E < 5, 0.1 + 0.9 * E / 5, 0.9 ** (E - 5))),
    "ChainedScheduler": (lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.1, 4),
                                                       S.ExponentialLR(o, gamma=0.9)]),
                         0.1 * np.where(E < 4, 0.1, 1) * 0.9 ** E),
}


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_scheduler_rates_follow_the_closed_form(name):
    make, want = SCHEDULES[name]
    opt = optim.SGD(0.1, momentum=0.9)
    got = lr_sequence(make(opt), opt=opt)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-15)
    assert len(set(np.round(got, 12))) > 1


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_scheduler_state_dict_round_trip(name):
    make = SCHEDULES[name][0]
    a_opt, b_opt = optim.Adam(0.1), optim.Adam(0.1)
    a = make(a_opt)
    lr_sequence(a, 11)
    b = make(b_opt)
    b.load_state_dict(a.state_dict())
    assert getattr(b, "last_epoch", None) == getattr(a, "last_epoch", None)
    assert b.get_last_lr() == a.get_last_lr()
    assert float(b_opt.lr(0)) == a.get_last_lr()[0]
    np.testing.assert_array_equal(lr_sequence(b, 15), lr_sequence(a, 15))


def test_cycled_momentum_and_betas():
    sgd, adam, radam = optim.SGD(0.1, momentum=0.5), optim.Adam(0.1), optim.RAdam(0.1)
    cyc = S.CyclicLR(sgd, 0.01, 0.1, step_size_up=4, base_momentum=0.8, max_momentum=0.9)
    one = S.OneCycleLR(adam, max_lr=0.5, total_steps=20, three_phase=True, anneal_strategy="linear")
    rad = S.OneCycleLR(radam, max_lr=0.5, total_steps=20, base_momentum=0.7, max_momentum=0.9)
    m_sgd, m_adam, m_radam = [sgd.momentum], [adam.b1], [radam.betas[0]]
    for _ in range(20):
        cyc.step(), one.step(), rad.step()
        m_sgd.append(sgd.momentum), m_adam.append(adam.b1), m_radam.append(radam.betas[0])
    want = [0.9 - 0.1 * _cyclic(e, 0.0, 1.0, 4, 4, lambda c, e: 1.0) for e in range(21)]
    np.testing.assert_allclose(m_sgd, want, rtol=1e-12)
    lin = [(5.0, 0.95, 0.85), (10.0, 0.85, 0.95), (19, 0.95, 0.95)]
    want = []
    for e in range(21):  # three linear phases
        start = 0.0
        for end, a, b in lin:
            if e <= end or end == 19:
                want.append(a + (b - a) * (e - start) / (end - start))
                break
            start = end
    np.testing.assert_allclose(m_adam, want, rtol=1e-12)
    np.testing.assert_allclose(m_radam, [_one_cycle(e, [(5.0, 0.9, 0.7), (19, 0.7, 0.9)])
                                         for e in range(21)], rtol=1e-12)
    assert radam.betas[1] == 0.999


def test_warm_restarts_fractional_epochs_and_closed_form_steps():
    opt = optim.SGD(0.1)
    epochs = [0.5 * i + 0.25 for i in range(30)]
    got = lr_sequence(S.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=2, eta_min=0.001), 30,
                      epochs=epochs)
    np.testing.assert_allclose(got[1:], [_restarts(e, 3, 2, 0.001, 0.1) for e in epochs], rtol=1e-12)
    got = lr_sequence(S.StepLR(optim.SGD(0.1), 3, 0.5), 5, epochs=[2, 5, 1, 9, 12])
    np.testing.assert_allclose(got, [0.1, 0.1, 0.05, 0.1, 0.0125, 0.00625], rtol=1e-12)


def test_reduce_on_plateau():
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.89, 0.9, 0.9, 0.9, 0.9, 0.5, 0.6, 0.6, 0.6, 0.6]
    for kw in [dict(patience=2), dict(mode="max", factor=0.5, patience=1, threshold=0.05,
                                      cooldown=2, min_lr=0.02),
               dict(threshold_mode="abs", threshold=0.02, patience=0, eps=1e-3)]:
        opt = optim.SGD(0.1)
        sched = S.ReduceLROnPlateau(opt, **kw)
        got = [sched.get_last_lr()[0]] + [sched.step(m) or sched.get_last_lr()[0] for m in metrics]
        # the rule, written out
        mode, factor, patience = kw.get("mode", "min"), kw.get("factor", 0.1), kw["patience"]
        th, rel, cool = kw.get("threshold", 1e-4), kw.get("threshold_mode", "rel") == "rel", kw.get("cooldown", 0)
        lr, best, bad, wait, want = 0.1, math.inf if mode == "min" else -math.inf, 0, 0, [0.1]
        for m in metrics:
            sign = 1 if mode == "min" else -1
            better = sign * m < sign * (best * (1 - sign * th) if rel else best - sign * th)
            best, bad = (m, 0) if better else (best, bad + 1)
            if wait > 0:
                wait, bad = wait - 1, 0
            if bad > patience:
                new = max(lr * factor, kw.get("min_lr", 0.0))
                lr = new if lr - new > kw.get("eps", 1e-8) else lr
                wait, bad = cool, 0
            want.append(lr)
        np.testing.assert_allclose(got, want, rtol=1e-15)
        assert got[-1] < 0.1
    b = S.ReduceLROnPlateau(optim.SGD(0.1), patience=0)
    b.load_state_dict(sched.state_dict())
    assert b.best == sched.best and b.get_last_lr() == sched.get_last_lr()


# ---- argument checks ------------------------------------------------------------------------------
@pytest.mark.parametrize("make, error, match", [
    (lambda: optim.SGD(0.1, momentum=0.9, nesterov=True, dampening=0.1), ValueError, "zero dampening"),
    (lambda: optim.SGD(0.1, momentum=0.9, dampening=2), ValueError, "SGD: dampening"),
    (lambda: optim.RMSprop(0.1, centered=1), TypeError, "RMSprop: centered must be a bool"),
    (lambda: optim.Adam(0.1, (0.9, 0.99)), TypeError, r"pass PyTorch's pair by keyword, Adam\(lr, betas"),
    (lambda: optim.Adam(0.1, betas=(0.9,)), ValueError, "Adam: betas must be a pair"),
    (lambda: optim.AdamW(0.1, betas=(0.9, 1.0)), ValueError, "AdamW: b2 must be in"),
    (lambda: optim.NAdam(0.1, amsgrad=True), TypeError, "amsgrad"),
    (lambda: optim.Adam(0.1, maximize=None), TypeError, "Adam: maximize must be a bool"),
    (lambda: optim.Adadelta(lr=-1.0), ValueError, "Adadelta: lr"),
    (lambda: optim.Adadelta(rho=1.5), ValueError, "Adadelta: rho"),
    (lambda: optim.Adadelta(eps=-1.0), ValueError, "Adadelta: eps"),
    (lambda: optim.Adadelta(maximize="yes"), TypeError, "Adadelta: maximize"),
    (lambda: optim.ASGD(weight_decay=-0.1), ValueError, "ASGD: weight_decay"),
    (lambda: optim.ASGD(t0=float("nan")), ValueError, "ASGD: t0"),
    (lambda: optim.RAdam(betas=(1.0, 0.9)), ValueError, r"RAdam: betas\[0\]"),
    (lambda: optim.RAdam(betas=(0.9, -0.1)), ValueError, r"RAdam: betas\[1\]"),
    (lambda: optim.RAdam(betas=(0.9,)), ValueError, "RAdam: betas must be a pair"),
    (lambda: optim.Rprop(etas=(1.2, 0.5)), ValueError, "Rprop: etas"),
    (lambda: optim.Rprop(step_sizes=(1.0, 0.1)), ValueError, "Rprop: step_sizes"),
    (lambda: optim.Adafactor(beta2_decay=0.5), ValueError, "Adafactor: beta2_decay"),
    (lambda: optim.Adafactor(eps=(-1.0, 1e-3)), ValueError, r"Adafactor: eps\[0\]"),
    (lambda: optim.Adafactor(d=0.5), ValueError, "Adafactor: the clipping threshold d"),
    (lambda: optim.LBFGS(lr=-1), ValueError, "LBFGS: lr"),
    (lambda: optim.LBFGS(line_search_fn="armijo"), ValueError, "LBFGS: line_search_fn"),
    (lambda: optim.LBFGS(history_size=0), ValueError, "LBFGS: history_size"),
    (lambda: S.StepLR(optim.SGD(0.1), 0), ValueError, "StepLR: step_size"),
    (lambda: S.StepLR(optim.SGD(0.1), 1.5), ValueError, "StepLR: step_size"),
    (lambda: S.StepLR("sgd", 2), TypeError, "StepLR: optimizer must be"),
    (lambda: S.StepLR(optim.SGD(optim.cosine(0.1, 10)), 2), ValueError, "StepLR: the optimizer's"),
    (lambda: S.StepLR(optim.SGD(0.1), 2, last_epoch=3), ValueError, "StepLR: last_epoch=3"),
    (lambda: S.LambdaLR(optim.SGD(0.1), [abs, abs]), ValueError, "LambdaLR: expected one"),
    (lambda: S.ConstantLR(optim.SGD(0.1), factor=1.5), ValueError, "ConstantLR: factor"),
    (lambda: S.LinearLR(optim.SGD(0.1), start_factor=0), ValueError, "LinearLR: start_factor"),
    (lambda: S.LinearLR(optim.SGD(0.1), end_factor=2), ValueError, "LinearLR: end_factor"),
    (lambda: S.CosineAnnealingWarmRestarts(optim.SGD(0.1), T_0=0), ValueError, "Restarts: T_0"),
    (lambda: S.CosineAnnealingWarmRestarts(optim.SGD(0.1), 2, T_mult=0), ValueError, "T_mult"),
    (lambda: S.CyclicLR(optim.SGD(0.1, momentum=0.9), 0.01, 0.1, mode="sine"), ValueError, "CyclicLR: mode"),
    (lambda: S.CyclicLR(optim.SGD(0.1), 0.01, 0.1, base_momentum=[0.8, 0.9]), ValueError,
     "CyclicLR: base_momentum has 2 values, but the optimizer has 1 parameter group"),
    (lambda: optim.SGD(0.1, momentum=0.9, nesterov=1), TypeError, "SGD: nesterov must be a bool"),
    (lambda: S.CyclicLR(optim.Adagrad(0.1), 0.01, 0.1), ValueError, "CyclicLR: cycle_momentum needs an"),
    (lambda: S.CyclicLR(optim.Adam(0.1), [0.01, 0.02], 0.1), ValueError, "CyclicLR: base_lr has 2"),
    (lambda: S.OneCycleLR(optim.Adam(0.1), 0.1), ValueError, "OneCycleLR: give total_steps"),
    (lambda: S.OneCycleLR(optim.Adam(0.1), 0.1, 10, pct_start=1.5), ValueError, "OneCycleLR: pct_start"),
    (lambda: S.OneCycleLR(optim.Adam(0.1), 0.1, 10, anneal_strategy="cubic"), ValueError, "anneal_strategy"),
    (lambda: S.ReduceLROnPlateau(optim.SGD(0.1), factor=1.0), ValueError, "ReduceLROnPlateau: factor"),
    (lambda: S.ReduceLROnPlateau(optim.SGD(0.1), mode="avg"), ValueError, "ReduceLROnPlateau: mode"),
    (lambda: S.ReduceLROnPlateau(optim.SGD(0.1), threshold_mode="x"), ValueError, "threshold_mode"),
])
def test_bad_arguments_are_refused(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_combining_schedulers_checks_its_parts():
    opt, other = optim.SGD(0.1), optim.SGD(0.1)
    a, b = S.StepLR(opt, 2), S.ExponentialLR(opt, 0.9)
    with pytest.raises(ValueError, match="SequentialLR: expects one milestone fewer"):
        S.SequentialLR(opt, [a, b], milestones=[2, 4])
    with pytest.raises(ValueError, match="SequentialLR: schedulers\\[1\\] is a ReduceLROnPlateau"):
        S.SequentialLR(opt, [a, S.ReduceLROnPlateau(opt)], milestones=[2])
    with pytest.raises(ValueError, match="ChainedScheduler: schedulers\\[1\\].*another optimizer"):
        S.ChainedScheduler([a, S.StepLR(other, 2)])
    one = S.OneCycleLR(optim.Adam(0.1), 0.1, total_steps=3)
    for _ in range(3):
        one.step()
    with pytest.raises(ValueError, match="OneCycleLR.step: tried to step 4 times"):
        one.step()
    with pytest.raises(TypeError, match="ReduceLROnPlateau.step: the metric"):
        S.ReduceLROnPlateau(opt).step("low")


def test_a_parameter_groups_update_setdefault_and_copies_go_through_the_optimizer():
    # group.update(lr=0.5) wrote the dict's storage only: step() kept the old rate, silently;
    # dict(group) showed options as given (LBFGS's max_eval None) instead of the resolved ones
    w = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = tg.optim.SGD([w], lr=0.1)
    group = opt.param_groups[0]
    group.update(lr=0.5)
    tg.sum(w ** 2).backward()
    opt.step()
    np.testing.assert_array_equal(w.numpy(), [0.0, 0.0])  # 1 − 0.5·2 = 0
    group |= {"momentum": 0.9}
    assert group.setdefault("momentum", 0.1) == 0.9 and opt.param_groups[0]["momentum"] == 0.9
    assert dict(group)["lr"] == {**group}["lr"] == group.copy()["lr"] == 0.5
    assert ("lr", 0.5) in group.items() and 0.9 in group.values()
    lbfgs = tg.optim.LBFGS([tg.tensor(np.ones(2), requires_grad=True)])
    assert dict(lbfgs.param_groups[0])["max_eval"] == lbfgs.param_groups[0]["max_eval"] == 25


def test_the_state_indexed_by_a_parameter_reads_pytorchs_names():
    # opt.state[p]["exp_avg"] (PyTorch's) raised KeyError: the state is kept by id(parameter)
    w = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    opt = tg.optim.Adam([w], lr=0.1)
    for _ in range(2):
        tg.sum(w ** 2).backward()
        opt.step()
        opt.zero_grad()
    state = opt.state[w]
    assert sorted(state) == ["exp_avg", "exp_avg_sq", "step"] and w in opt.state
    g1, g2 = np.array([2.0, 4.0]), np.array([2.0, 4.0]) - 0.2  # the two steps' gradients
    np.testing.assert_allclose(state["exp_avg"], 0.9 * 0.1 * g1 + 0.1 * g2, rtol=1e-8)  # (eps: 1e-10)
    sgd = tg.optim.SGD([w], lr=0.1, momentum=0.9)
    tg.sum(w ** 2).backward()
    sgd.step()
    sgd.state[w]["momentum_buffer"] = np.zeros(2)  # (a write reaches the optimizer's own entry)
    np.testing.assert_array_equal(sgd.state[id(w)]["momentum"], [0.0, 0.0])
