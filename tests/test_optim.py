"""Optimizer steps against hand computations of the standard update rules
(the formulas of PyTorch's torch.optim documentation and optax)."""
import math

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import optim


def run(opt, p0, grads):
    p = p0
    state = opt.init(p)
    for g in grads:
        p, state = opt.step(p, g, state)
    return p, state


def test_sgd_plain_and_weight_decay():
    p, _ = run(optim.SGD(0.1), np.array([1.0, -2.0]), [np.array([0.5, 0.25])])
    np.testing.assert_allclose(p, [0.95, -2.025], rtol=0, atol=1e-15)
    # L2 weight decay: g + λp = [0.5 + 0.01, 0.25 − 0.02]
    p, _ = run(optim.SGD(0.1, weight_decay=0.01), np.array([1.0, -2.0]), [np.array([0.5, 0.25])])
    np.testing.assert_allclose(p, [1.0 - 0.1 * 0.51, -2.0 - 0.1 * 0.23], atol=1e-15)


def test_sgd_momentum_two_steps_by_hand():
    # b1 = g1 = 1; p1 = 1 − 0.1·1 = 0.9; b2 = 0.9·1 + 2 = 2.9; p2 = 0.9 − 0.29 = 0.61
    p, state = run(optim.SGD(0.1, momentum=0.9), np.array(1.0), [np.array(1.0), np.array(2.0)])
    assert p == pytest.approx(0.61, abs=1e-15)
    assert float(state["momentum"]) == pytest.approx(2.9)


def test_sgd_nesterov_two_steps_by_hand():
    # step 1: b = 1, update g + μb = 1.9, p = 1 − 0.19 = 0.81
    # step 2: b = 0.9 + 2 = 2.9, update 2 + 0.9·2.9 = 4.61, p = 0.81 − 0.461 = 0.349
    p, _ = run(optim.SGD(0.1, momentum=0.9, nesterov=True), np.array(1.0),
               [np.array(1.0), np.array(2.0)])
    assert p == pytest.approx(0.349, abs=1e-15)


def test_rmsprop_by_hand():
    # v1 = 0.1·0.25 = 0.025; p1 = 1 − 0.01·0.5/(√0.025 + 1e-8)
    p, st = run(optim.RMSprop(0.01, alpha=0.9), np.array(1.0), [np.array(0.5)])
    assert float(st["square_avg"]) == pytest.approx(0.025)
    assert p == pytest.approx(1 - 0.01 * 0.5 / (math.sqrt(0.025) + 1e-8), abs=1e-15)
    # second step with g = −1: v2 = 0.9·0.025 + 0.1 = 0.1225, √ = 0.35
    p2, st = run(optim.RMSprop(0.01, alpha=0.9), np.array(1.0), [np.array(0.5), np.array(-1.0)])
    assert p2 == pytest.approx(p + 0.01 / (0.35 + 1e-8), abs=1e-15)
    # with momentum μ: b = μb + g/(√v + ε), p −= ηb
    p3, _ = run(optim.RMSprop(0.01, alpha=0.9, momentum=0.5), np.array(1.0), [np.array(0.5), np.array(-1.0)])
    s1 = 0.5 / (math.sqrt(0.025) + 1e-8)
    b2 = 0.5 * s1 + (-1.0) / (0.35 + 1e-8)
    assert p3 == pytest.approx(1 - 0.01 * s1 - 0.01 * b2, abs=1e-14)


def test_adam_two_steps_by_hand():
    lr, b1, b2, eps = 0.1, 0.9, 0.999, 1e-8
    # step 1 (g = 0.5): m = 0.05, v = 0.00025, m̂ = 0.5, v̂ = 0.25 → p = 1 − 0.1·0.5/(0.5 + ε)
    p1 = 1 - lr * 0.5 / (0.5 + eps)
    # step 2 (g = −1): m = 0.045 − 0.1 = −0.055, v = 0.00024975 + 0.001 = 0.00124975
    m, v = -0.055, 0.00124975
    mhat, vhat = m / (1 - b1 ** 2), v / (1 - b2 ** 2)
    p2 = p1 - lr * mhat / (math.sqrt(vhat) + eps)
    p, st = run(optim.Adam(lr, b1, b2, eps), np.array(1.0), [np.array(0.5), np.array(-1.0)])
    assert float(st["m"]) == pytest.approx(m, abs=1e-15)
    assert float(st["v"]) == pytest.approx(v, abs=1e-15)
    assert int(st["step"]) == 2
    assert p == pytest.approx(p2, abs=1e-14)
    assert p == pytest.approx(0.9366105, abs=1e-6)  # the same number, written out


def test_adam_weight_decay_l2_versus_adamw_decoupled():
    p0, g = np.array(2.0), np.array(0.5)
    # Adam (L2): g' = 0.5 + 0.1·2 = 0.7; first step moves by lr·g'/(|g'| + ε) ≈ lr
    p, _ = run(optim.Adam(0.01, weight_decay=0.1), p0, [g])
    assert p == pytest.approx(2.0 - 0.01 * 0.7 / (0.7 + 1e-8), abs=1e-15)
    # AdamW: p ← p − lr·λ·p = 2 − 0.01·0.1·2 = 1.998, then the Adam step on g = 0.5
    p, _ = run(optim.AdamW(0.01, weight_decay=0.1), p0, [g])
    assert p == pytest.approx(1.998 - 0.01 * 0.5 / (0.5 + 1e-8), abs=1e-15)


def test_schedules():
    s = optim.step_decay(1.0, step_size=2, gamma=0.5)
    assert [s(t) for t in range(6)] == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    c = optim.cosine(1.0, total_steps=10, final_lr=0.1)
    assert c(0) == pytest.approx(1.0)
    assert c(5) == pytest.approx(0.55)
    assert c(10) == pytest.approx(0.1) and c(50) == pytest.approx(0.1)
    w = optim.cosine(1.0, total_steps=4, warmup=2)
    assert [w(0), w(1), w(2)] == pytest.approx([0.5, 1.0, 1.0])
    assert optim.constant(0.3)(99) == 0.3
    # an optimizer uses η_t at update t (counted from 0)
    p, _ = run(optim.SGD(optim.step_decay(1.0, 1, 0.5)), np.array(0.0), [np.array(1.0)] * 3)
    assert p == pytest.approx(-(1 + 0.5 + 0.25))
    with pytest.raises(ValueError, match="step_size"):
        optim.step_decay(1.0, 0)
    with pytest.raises(ValueError, match="total_steps"):
        optim.cosine(1.0, 0)


def test_pytrees_purity_and_errors():
    params = {"layer": [{"W": np.ones((2, 2)), "b": np.zeros(2)}], "scale": np.array(1.0)}
    grads = tg.tree_map(lambda a: np.full_like(a, 0.5), params)
    before = tg.tree_map(np.copy, params)
    opt = optim.Adam(0.1)
    state = opt.init(params)
    state_before = tg.tree_map(np.copy, state)
    new, new_state = opt.step(params, grads, state)
    for a, b in zip(tg.tree_leaves(params), tg.tree_leaves(before)):   # inputs untouched
        np.testing.assert_array_equal(a, b)
    for a, b in zip(tg.tree_leaves(state), tg.tree_leaves(state_before)):
        np.testing.assert_array_equal(a, b)
    assert tg.tree_flatten(new)[1] == tg.tree_flatten(params)[1]
    np.testing.assert_allclose(new["layer"][0]["W"], 1 - 0.1 * 0.5 / (0.5 + 1e-8))
    with pytest.raises(ValueError, match="gradient structure"):
        opt.step(params, {"layer": grads["layer"]}, state)
    with pytest.raises(ValueError, match="gradient of shape"):
        opt.step({"a": np.ones(2)}, {"a": np.ones(3)}, opt.init({"a": np.ones(2)}))
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD(0.1, nesterov=True)
    with pytest.raises(ValueError, match="learning rate must be positive"):
        optim.Adam(-1e-3)
    with pytest.raises(ValueError, match="unknown optimizer"):
        optim.get("adagradish", 0.1)
    assert isinstance(optim.get("nesterov", 0.1), optim.SGD)


def test_float32_parameters_stay_float32():
    p, st = run(optim.Adam(0.1), np.ones(3, dtype=np.float32), [np.ones(3, dtype=np.float32)])
    assert p.dtype == np.float32 and st["m"].dtype == np.float32


def test_gradient_descent_minimises_a_quadratic_with_every_optimizer():
    A = np.array([[3.0, 0.5], [0.5, 1.0]])
    f = lambda x: 0.5 * x @ (A @ x) - x.sum()  # noqa: E731  minimum at A⁻¹·1
    target = np.linalg.solve(A, np.ones(2))
    for opt in [optim.SGD(0.2), optim.SGD(0.1, momentum=0.9), optim.SGD(0.1, momentum=0.9, nesterov=True),
                optim.RMSprop(0.01), optim.Adam(0.05)]:
        x, state = np.zeros(2), opt.init(np.zeros(2))
        for _ in range(1500):
            x, state = opt.step(x, tg.grad(f)(x), state)
        np.testing.assert_allclose(x, target, atol=2e-2, err_msg=type(opt).__name__)


@pytest.mark.parametrize("leaf", [np.array([1, 2, 3]), 0, np.array([True])])
def test_integer_parameters_and_complex_gradients_of_real_ones_are_refused(leaf):
    # updating them in place of their dtype would truncate the step or drop its imaginary part
    # (complex parameters are updated as pairs of real parts: see below)
    for opt in (optim.SGD(0.1, momentum=0.9), optim.Adam(0.1)):
        with pytest.raises(TypeError, match="leaf 0 has dtype"):
            opt.init({"w": leaf})
        state = opt.init({"w": np.zeros(np.shape(leaf))})
        with pytest.raises(TypeError, match="parameter leaf 0 has dtype"):
            opt.step({"w": leaf}, {"w": np.ones(np.shape(leaf))}, state)
    opt = optim.SGD(0.1)
    with pytest.raises(TypeError, match="gradient leaf 0 has dtype complex"):
        opt.step(np.zeros(1), np.array([1j]), opt.init(np.zeros(1)))


def test_bad_hyperparameters_are_refused():
    for bad in (float("nan"), float("inf")):
        with pytest.raises(ValueError, match="weight_decay"):
            optim.SGD(0.1, weight_decay=bad)
        with pytest.raises(ValueError, match="learning rate must be positive and finite"):
            optim.Adam(bad)
    with pytest.raises(ValueError, match="learning rate must be ≥ 0"):
        optim.constant(-1.0)
    with pytest.raises(ValueError, match="step_size must be a positive integer"):
        optim.step_decay(0.1, 2.5)
    with pytest.raises(ValueError, match="warmup must be an integer"):
        optim.cosine(0.1, 10, warmup=-1)
    opt = optim.SGD(lambda t: 0.1 - 0.1 * t)  # a schedule that turns negative at update 3
    p, state = np.zeros(2), opt.init(np.zeros(2))
    for _ in range(2):
        p, state = opt.step(p, np.ones(2), state)
    with pytest.raises(ValueError, match="learning rate for update 3 is -0.1"):
        opt.step(p, np.ones(2), state)
    with pytest.raises(ValueError, match="learning rate for update 1 is -5"):
        opt.step(p, np.ones(2), opt.init(p), lr=-5.0)


def test_a_scheduled_rate_passed_into_a_jitted_step_is_traced_once():
    opt = tg.optim.SGD(lr=tg.optim.step_decay(0.1, 2, 0.5))
    x = np.ones(3, np.float32)
    loss = lambda p, x: tg.sum(p["w"] * x)  # noqa: E731
    traces = []

    @tg.jit
    def step(p, s, x, lr):
        traces.append(1)
        return opt.step(p, tg.grad(loss)(p, x), s, lr=lr)
    p = pe = {"w": np.ones(3, np.float32)}
    s = se = opt.init(p)
    for _ in range(6):  # the rate changes at steps 2 and 4
        p, s = step(p, s, x, opt.learning_rate(s))
        pe, se = opt.step(pe, tg.grad(loss)(pe, x), se)
    assert len(traces) <= 2  # (the first state's count is a Python int, later ones arrays)
    assert p["w"].dtype == np.float32  # the float64 rate does not promote a float32 parameter
    np.testing.assert_array_equal(p["w"], pe["w"])


def test_a_string_rate_and_a_non_leaf_parameter_are_refused_as_in_pytorch():
    x = tg.tensor(np.ones(3), requires_grad=True)
    for make in (lambda: tg.optim.SGD("0.1"), lambda: tg.optim.SGD([x], lr="0.1"),
                 lambda: tg.optim.SGD(np.array([0.1, 0.2]))):
        with pytest.raises(TypeError, match="learning rate must be a number"):
            make()
    with pytest.raises(ValueError, match="non-leaf"):
        tg.optim.SGD([x * 2], lr=0.1)
    tg.optim.SGD([x], lr=np.float32(0.1))  # a NumPy number is fine


@pytest.mark.parametrize("name", ["SGD", "RMSprop", "Adam", "AdamW", "Adagrad", "Adamax", "NAdam",
                                  "Adadelta", "ASGD", "RAdam", "Rprop"])
def test_complex_parameters_are_updated_as_pairs_of_real_parts(name):
    # PyTorch's optimizers take complex parameters (as view_as_real: the real and imaginary
    # parts are two real entries); tensorgrad's refused them. A complex parameter z must
    # follow the trajectory of the real (n, 2) parameter of its parts under the same loss
    z0 = np.array([1 + 2j, 3 - 1j, -0.5 + 0.25j])
    c = np.array([0.3 - 0.7j, 1 + 1j, -2j])
    kw = {"SGD": dict(lr=0.01, momentum=0.9, nesterov=True, weight_decay=0.1),
          "RMSprop": dict(lr=0.01, centered=True, momentum=0.5)}.get(name, dict(lr=0.05))
    z = tg.tensor(z0, requires_grad=True)
    w = tg.tensor(np.stack([z0.real, z0.imag], axis=-1), requires_grad=True)
    opt_z, opt_w = getattr(tg.optim, name)([z], **kw), getattr(tg.optim, name)([w], **kw)
    for _ in range(6):
        for p, opt, value in ((z, opt_z, lambda: z), (w, opt_w, lambda: w[:, 0] + 1j * w[:, 1])):
            opt.zero_grad()
            v = value()
            (tg.sum(tg.abs(v - c) ** 3) + tg.sum(tg.real(v * v))).backward()
            opt.step()
    got = np.asarray(z.detach())
    want = np.asarray(w.detach())
    assert got.dtype == np.complex128
    np.testing.assert_allclose(np.stack([got.real, got.imag], axis=-1), want, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("name", ["SGD", "Adam", "Rprop"])
def test_functional_step_on_complex_parameters_descends_with_tg_grad(name):
    # tg.grad of a real loss of a complex z is JAX's convention, the conjugate of PyTorch's
    # .grad; the functional step took it as .grad and climbed (SGD ran off to 1 - 18198j). Fed
    # tg.grad's gradients, step must follow the PyTorch-form optimizer fed .grad exactly
    c = np.array([0.3 - 0.7j, 1 + 1j])
    loss = lambda v: tg.sum(tg.abs(v - c) ** 3) + tg.sum(tg.real(v * v))  # noqa: E731
    z0 = np.array([1 + 2j, -0.5 + 0.25j])
    opt = getattr(tg.optim, name)(lr=0.02)
    z, state = z0, opt.init(z0)
    zt = tg.tensor(z0, requires_grad=True)
    opt_t = getattr(tg.optim, name)([zt], lr=0.02)
    for _ in range(5):
        z, state = opt.step(z, tg.grad(loss)(z), state)
        opt_t.zero_grad()
        loss(zt).backward()
        opt_t.step()
    np.testing.assert_allclose(z, np.asarray(zt.detach()), rtol=1e-13, atol=1e-15)
    assert float(loss(z)) < float(loss(z0))
    sgd = tg.optim.SGD(0.1)
    target = 1 + 2j
    z, state = np.zeros(1, complex), sgd.init(np.zeros(1, complex))
    for _ in range(60):
        z, state = sgd.step(z, tg.grad(lambda v: tg.sum(tg.abs(v - target) ** 2))(z), state)
    np.testing.assert_allclose(z, [target], atol=1e-5)


def test_optimizers_without_complex_rules_refuse_complex_parameters():
    with pytest.raises(TypeError, match="complex ones are taken by SGD, Adam"):
        tg.optim.Adafactor(lr=0.01).init({"w": np.ones((2, 2), complex)})
