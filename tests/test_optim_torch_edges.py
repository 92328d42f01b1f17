"""PyTorch's form of tg.optim (tensorgrad/optim_params.py) and tg.optim.lr_scheduler at the edges
a PyTorch user reaches: hyperparameters under PyTorch's names in param_groups and state_dict,
resuming, several parameter groups (and groups added later) under every scheduler, PyTorch's
positional order, options turned on after construction, and loading PyTorch's state names.

The literals named as PyTorch's are the values PyTorch 2.13 gives for the same code (float64);
torch is not needed to run these tests."""
import math
import pickle
import warnings

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import optim
from tensorgrad.optim import lr_scheduler as S


def P():
    return tg.tensor(np.array([1.0, -2.0]), requires_grad=True)


def run(opt, p, grads):
    for g in grads:
        p.grad = np.asarray(g, dtype=float)
        opt.step()
    return np.asarray(p.data)


def functional(opt, grads, p0=(1.0, -2.0)):
    p = np.array(p0)
    state = opt.init(p)
    for g in grads:
        p, state = opt.step(p, np.asarray(g, dtype=float), state)
    return p


G3 = [[0.3, -0.1]] * 3
GK = [[0.3 + k, -0.5] for k in range(5)]

# ---- 1. hyperparameters under PyTorch's names ------------------------------------------------
# PyTorch 2.13: param_groups[0]["decoupled_weight_decay"] = True after construction, 3 steps
DECOUPLED = {"NAdam": [0.614358508055553, -1.471733524256651],
             "RAdam": [0.7717999999999998, -1.6862249999999999]}


@pytest.mark.parametrize("name", ["NAdam", "RAdam"])
def test_decoupled_weight_decay_set_through_the_group_takes_effect(name):
    p = P()
    opt = getattr(optim, name)([p], lr=0.1, weight_decay=0.5)
    opt.param_groups[0]["decoupled_weight_decay"] = True
    got = run(opt, p, G3)
    np.testing.assert_allclose(got, DECOUPLED[name], rtol=1e-13)
    ref = functional(getattr(optim, name)(lr=0.1, weight_decay=0.5, decoupled_weight_decay=True), G3)
    np.testing.assert_array_equal(got, ref)
    # restored by load_state_dict from an optimizer built with it
    a, b = P(), P()
    src = getattr(optim, name)([a], lr=0.1, weight_decay=0.5, decoupled_weight_decay=True)
    dst = getattr(optim, name)([b], lr=0.1, weight_decay=0.5)
    dst.load_state_dict(src.state_dict())
    np.testing.assert_array_equal(run(dst, b, G3), run(src, a, G3))


# PyTorch 2.13's hyperparameters of each optimizer (its param_groups keys but "params" and the
# performance flags foreach, fused, capturable, differentiable)
HYPER = {"SGD": "lr momentum dampening weight_decay nesterov maximize",
         "RMSprop": "lr alpha eps weight_decay momentum centered maximize",
         "Adam": "lr betas eps weight_decay amsgrad maximize decoupled_weight_decay",
         "AdamW": "lr betas eps weight_decay amsgrad maximize decoupled_weight_decay",
         "Adagrad": "lr lr_decay weight_decay initial_accumulator_value eps maximize",
         "Adamax": "lr betas eps weight_decay maximize",
         "NAdam": "lr betas eps weight_decay momentum_decay decoupled_weight_decay maximize",
         "RAdam": "lr betas eps weight_decay decoupled_weight_decay maximize",
         "Adadelta": "lr rho eps weight_decay maximize",
         "ASGD": "lr lambd alpha t0 weight_decay maximize",
         "Rprop": "lr etas step_sizes maximize",
         "Adafactor": "lr beta2_decay eps d weight_decay maximize"}


@pytest.mark.parametrize("name", list(HYPER))
def test_every_group_key_reads_and_sets_the_rule(name):
    # the audit: each of PyTorch's hyperparameters is in the group, and is the functional rule's
    # attribute of that name (so setting the group entry changes what the next step uses)
    opt = getattr(optim, name)([P()])
    g, rule = opt.param_groups[0], opt.group_optimizers[0]
    for key in HYPER[name].split():
        assert key in g and hasattr(rule, key), (name, key)
        value = getattr(rule, key)
        assert g[key] == (float(value(0)) if key == "lr" else value), (name, key)
        if isinstance(value, bool):
            g[key] = not value
            assert getattr(rule, key) is (not value), (name, key)
            g[key] = value
    if "decoupled_weight_decay" in g:
        g["decoupled_weight_decay"] = not g["decoupled_weight_decay"]
        assert rule.decoupled == g["decoupled_weight_decay"]
    if name == "Adagrad":  # PyTorch starts every group's sums from the constructor's value
        g["initial_accumulator_value"] = 0.5
        assert g["initial_accumulator_value"] == 0.5 and rule.initial == 0.0


def test_adagrad_starts_every_groups_sums_from_the_constructors_value_as_pytorch():
    # PyTorch 2.13 fills each state's "sum" from defaults["initial_accumulator_value"], in the
    # constructor and in add_param_group's groups alike; a group's own entry is kept but unread
    # (tensorgrad used to start that group's sums from it: b was 2.90041408 after one step, not 2.9)
    a, b, c = (tg.tensor(np.array(v), requires_grad=True) for v in ([1.0, -2.0], [3.0], [0.5, 4.0]))
    opt = optim.Adagrad([{"params": [a]}, {"params": [b], "initial_accumulator_value": 3.0}],
                        lr=0.1, initial_accumulator_value=0.5)
    opt.add_param_group({"params": [c], "initial_accumulator_value": 7.0})
    want = [np.array([1.0, -2.0]), np.array([3.0]), np.array([0.5, 4.0])]
    sums = [np.full(2, 0.5), np.full(1, 0.5), np.full(2, 0.5)]
    for _ in range(3):
        opt.zero_grad()
        (tg.sum(a ** 2) + tg.sum(b ** 3) + tg.sum(tg.sin(c))).backward()
        opt.step()
        grads = [2 * want[0], 3 * want[1] ** 2, np.cos(want[2])]
        for k in range(3):
            sums[k] = sums[k] + grads[k] ** 2
            want[k] = want[k] - 0.1 * grads[k] / (np.sqrt(sums[k]) + 1e-10)
    for p, w, sm in zip((a, b, c), want, sums):
        np.testing.assert_allclose(np.asarray(p.detach()), w, rtol=1e-13)
        np.testing.assert_allclose(opt.state[p]["sum"], sm, rtol=1e-13)
    assert [g["initial_accumulator_value"] for g in opt.param_groups] == [0.5, 3.0, 7.0]


# ---- 2. param_groups and state_dict hold every hyperparameter --------------------------------
# PyTorch 2.13's param_groups[0] (without "params") for SGD([p]), Adam([p]), RMSprop([p]), NAdam([p])
KEYS = {
    "SGD": {'lr': 0.001, 'momentum': 0, 'dampening': 0, 'weight_decay': 0, 'nesterov': False,
            'maximize': False, 'foreach': None, 'differentiable': False, 'fused': None},
    "Adam": {'lr': 0.001, 'betas': (0.9, 0.999), 'eps': 1e-08, 'weight_decay': 0, 'amsgrad': False,
             'maximize': False, 'foreach': None, 'capturable': False, 'differentiable': False,
             'fused': None, 'decoupled_weight_decay': False},
    "RMSprop": {'lr': 0.01, 'momentum': 0, 'alpha': 0.99, 'eps': 1e-08, 'centered': False,
                'weight_decay': 0, 'capturable': False, 'foreach': None, 'maximize': False,
                'differentiable': False},
    "NAdam": {'lr': 0.002, 'betas': (0.9, 0.999), 'eps': 1e-08, 'weight_decay': 0,
              'momentum_decay': 0.004, 'decoupled_weight_decay': False, 'maximize': False,
              'foreach': None, 'capturable': False, 'differentiable': False},
}


@pytest.mark.parametrize("name", list(KEYS))
def test_param_groups_hold_every_hyperparameter_with_pytorchs_defaults(name):
    opt = getattr(optim, name)([P()])
    g = opt.param_groups[0]
    assert set(g) == set(KEYS[name]) | {"params"}
    assert {k: g[k] for k in KEYS[name]} == KEYS[name]
    saved = opt.state_dict()["param_groups"][0]
    assert {k: v for k, v in saved.items() if k != "params"} == KEYS[name]


def test_load_state_dict_restores_every_hyperparameter():
    a, b = P(), P()
    src = optim.Adam([a], lr=0.01)  # weight_decay 0 by default
    dst = optim.Adam([b], lr=0.01, weight_decay=0.5, amsgrad=True, betas=(0.5, 0.6))
    dst.load_state_dict(src.state_dict())
    g = dst.param_groups[0]
    assert (g["weight_decay"], g["amsgrad"], g["betas"]) == (0.0, False, (0.9, 0.999))
    np.testing.assert_array_equal(run(dst, b, G3), run(src, a, G3))


# PyTorch 2.13: β₁ of Adam(lr=0.01) under OneCycleLR(max_lr=0.5, total_steps=40) after 10 steps
ONECYCLE_BETA1_AT_10 = 0.8520253513192751


def test_resuming_keeps_the_cycled_beta1_and_pytorchs_recipe_works():
    p = P()
    opt = optim.Adam([p], lr=0.01)
    sched = S.OneCycleLR(opt, max_lr=0.5, total_steps=40)
    for _ in range(10):
        run(opt, p, [[0.3, -0.1]])
        sched.step()
    assert opt.param_groups[0]["betas"][0] == pytest.approx(ONECYCLE_BETA1_AT_10, rel=1e-14)
    osd, ssd = pickle.dumps(opt.state_dict()), pickle.dumps(sched.state_dict())
    assert pickle.loads(osd)["param_groups"][0]["initial_lr"] == 0.5 / 25
    # (a) scheduler made first, then both state dicts loaded
    q = P()
    opt2 = optim.Adam([q], lr=0.01)
    sched2 = S.OneCycleLR(opt2, max_lr=0.5, total_steps=40)
    opt2.load_state_dict(pickle.loads(osd))
    sched2.load_state_dict(pickle.loads(ssd))
    assert opt2.param_groups[0]["betas"] == opt.param_groups[0]["betas"]
    # (b) PyTorch's recipe: the optimizer's state dict, then the scheduler with last_epoch
    r = P()
    opt3 = optim.Adam([r], lr=0.01)
    opt3.load_state_dict(pickle.loads(osd))
    sched3 = S.OneCycleLR(opt3, max_lr=0.5, total_steps=40, last_epoch=9)
    assert sched3.get_last_lr() == sched.get_last_lr()
    q.data, r.data = p.data.copy(), p.data.copy()
    for _ in range(5):
        for o, t, s in ((opt, p, sched), (opt2, q, sched2), (opt3, r, sched3)):
            run(o, t, [[0.3, -0.1]])
            s.step()
    np.testing.assert_array_equal(q.data, p.data)
    np.testing.assert_array_equal(r.data, p.data)
    # StepLR: resume from the optimizer's state dict alone (PyTorch 2.13: [0.0125])
    o = optim.SGD([P()], lr=0.1)
    s = S.StepLR(o, 2, 0.5)
    for _ in range(5):
        s.step()
    o2 = optim.SGD([P()], lr=0.1)
    o2.load_state_dict(o.state_dict())
    s2 = S.StepLR(o2, 2, 0.5, last_epoch=4)
    s2.step()
    assert s2.get_last_lr() == [0.0125]


# ---- 3. CosineAnnealingWarmRestarts resumed --------------------------------------------------
# PyTorch 2.13: SGD(lr=1), CAWR(T_0=3, T_mult) made once, then again with last_epoch=9: 7 rates
CAWR_RESUME = {1: [0.75, 0.2500000000000001, 1.0, 0.75, 0.2500000000000001, 1.0, 0.75],
               2: [0.9330127018922194, 0.75, 0.5, 0.2500000000000001, 0.06698729810778065, 1.0,
                   0.9829629131445341]}


@pytest.mark.parametrize("T_mult", [1, 2])
def test_warm_restarts_resume_where_pytorch_does(T_mult):
    for opt in (optim.SGD([tg.tensor([0.0], requires_grad=True)], lr=1.0), optim.SGD(1.0)):
        S.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=T_mult)
        s = S.CosineAnnealingWarmRestarts(opt, T_0=3, T_mult=T_mult, last_epoch=9)
        got = [s.get_last_lr()[0]] + [s.step() or s.get_last_lr()[0] for _ in range(6)]
        np.testing.assert_allclose(got, CAWR_RESUME[T_mult], rtol=1e-14, atol=1e-16)
        assert 0 <= s.T_cur < s.T_i


# ---- 4. several parameter groups -------------------------------------------------------------
TWO = {  # schedulers on a two-group optimizer (lr 0.1 and 0.05), with per-group lists
    "LambdaLR": lambda o: S.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 + e]),
    "MultiplicativeLR": lambda o: S.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1.1]),
    "StepLR": lambda o: S.StepLR(o, step_size=3, gamma=0.5),
    "MultiStepLR": lambda o: S.MultiStepLR(o, [2, 5], gamma=0.3),
    "ConstantLR": lambda o: S.ConstantLR(o, factor=0.25, total_iters=4),
    "LinearLR": lambda o: S.LinearLR(o, start_factor=0.2, total_iters=6),
    "ExponentialLR": lambda o: S.ExponentialLR(o, gamma=0.9),
    "PolynomialLR": lambda o: S.PolynomialLR(o, total_iters=8, power=2.0),
    "CosineAnnealingLR": lambda o: S.CosineAnnealingLR(o, T_max=4, eta_min=0.001),
    "CosineAnnealingWarmRestarts": lambda o: S.CosineAnnealingWarmRestarts(o, T_0=3, T_mult=2),
    "CyclicLR": lambda o: S.CyclicLR(o, [0.01, 0.02], [0.1, 0.3], step_size_up=3,
                                     base_momentum=[0.8, 0.7], max_momentum=[0.9, 0.95]),
    "OneCycleLR": lambda o: S.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=12,
                                         base_momentum=[0.8, 0.7]),
    "SequentialLR": lambda o: S.SequentialLR(o, [S.LinearLR(o, 0.5, total_iters=3),
                                                 S.ExponentialLR(o, 0.8)], [3]),
    "ChainedScheduler": lambda o: S.ChainedScheduler([S.ConstantLR(o, 0.5, 3),
                                                      S.ExponentialLR(o, 0.9)]),
}


def _pick(value, i):
    return value[i] if isinstance(value, (list, tuple)) else value


ONE = {  # the same for one group i (one functional optimizer with the group's rate)
    "LambdaLR": lambda o, i: S.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 + e][i]),
    "MultiplicativeLR": lambda o, i: S.MultiplicativeLR(o, [lambda e: 0.9, lambda e: 1.1][i]),
    "CyclicLR": lambda o, i: S.CyclicLR(o, [0.01, 0.02][i], [0.1, 0.3][i], step_size_up=3,
                                        base_momentum=[0.8, 0.7][i], max_momentum=[0.9, 0.95][i]),
    "OneCycleLR": lambda o, i: S.OneCycleLR(o, max_lr=[0.5, 0.2][i], total_steps=12,
                                            base_momentum=[0.8, 0.7][i]),
}


@pytest.mark.parametrize("name", list(TWO))
def test_every_scheduler_drives_every_group(name):
    opt = optim.SGD([{"params": [P()]}, {"params": [P()], "lr": 0.05}], lr=0.1, momentum=0.9)
    sched = TWO[name](opt)
    refs = [optim.SGD(lr, momentum=0.9) for lr in (0.1, 0.05)]
    ref_scheds = [ONE[name](o, i) if name in ONE else TWO[name](o) for i, o in enumerate(refs)]
    for _ in range(11):
        assert len(sched.get_last_lr()) == 2
        for i in range(2):
            assert sched.get_last_lr()[i] == pytest.approx(ref_scheds[i].get_last_lr()[0], rel=1e-13)
            assert opt.param_groups[i]["lr"] == sched.get_last_lr()[i]
            assert opt.param_groups[i]["momentum"] == pytest.approx(refs[i].momentum, rel=1e-13)
        sched.step()
        for s in ref_scheds:
            s.step()


# PyTorch 2.13, SGD(lr=0.1, momentum=0.9) + scheduler, then add_param_group(lr=0.01), 3 steps:
# get_last_lr() after each step
ADDGROUP = {
    "StepLR": (lambda o: S.StepLR(o, step_size=1, gamma=0.5),
               [[0.05, 0.005], [0.025, 0.0025], [0.0125, 0.00125]]),
    "ReduceLROnPlateau": (lambda o: S.ReduceLROnPlateau(o, patience=0),
                          [[0.1, 0.01], [0.010000000000000002, 0.001],
                           [0.0010000000000000002, 0.0001]]),
    "CosineAnnealingLR": (lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001),
                          [[0.09757729755661011, 0.009779754323328192],
                           [0.0905463412215599, 0.009140576474687263],
                           [0.07959536998847742, 0.008145033635316129]]),
}


@pytest.mark.parametrize("name", list(ADDGROUP))
def test_groups_added_later_are_scheduled(name):
    make, want = ADDGROUP[name]
    opt = optim.SGD([P()], lr=0.1, momentum=0.9)
    sched = make(opt)
    opt.add_param_group({"params": [P()], "lr": 0.01})
    got = []
    for _ in range(3):
        sched.step(1.0) if name == "ReduceLROnPlateau" else sched.step()
        got.append(sched.get_last_lr())
    np.testing.assert_allclose(got, want, rtol=1e-14)
    assert [g["lr"] for g in opt.param_groups] == got[-1]


def test_groups_added_later_under_per_group_arguments():
    # given once, a function (or a number) applies to a later group from its own initial rate
    opt = optim.SGD([P()], lr=0.1)
    sched = S.LambdaLR(opt, lambda e: 0.5 ** e)
    sched.step()
    opt.add_param_group({"params": [P()], "lr": 0.01})
    sched.step()
    assert sched.get_last_lr() == [0.1 * 0.25, 0.01 * 0.25]
    assert opt.param_groups[1]["initial_lr"] == 0.01
    one = S.OneCycleLR(optim.Adam([P()], lr=0.1), max_lr=0.5, total_steps=10)
    one.optimizer.add_param_group({"params": [P()]})
    one.step()
    assert one.get_last_lr()[1] == one.get_last_lr()[0]
    assert one.optimizer.param_groups[1]["betas"][0] == one.optimizer.param_groups[0]["betas"][0]
    # given as a list (one value per group), it cannot be extended: a clear error
    opt = optim.SGD([P()], lr=0.1)
    sched = S.LambdaLR(opt, [lambda e: 0.5 ** e])
    opt.add_param_group({"params": [P()]})
    with pytest.raises(ValueError, match=r"LambdaLR: param_groups\[1\] was added after the "
                                         "scheduler was made, and lr_lambda was given as a list"):
        sched.step()
    opt = optim.SGD([P()], lr=0.1)
    plateau = S.ReduceLROnPlateau(opt, patience=0, min_lr=[0.0])
    opt.add_param_group({"params": [P()]})
    plateau.step(1.0)  # (the first metric improves on inf: nothing to reduce yet)
    with pytest.raises(ValueError, match="ReduceLROnPlateau.step: the optimizer has 2 parameter "
                                         "groups, but min_lr was given as a list of 1"):
        plateau.step(1.0)


# PyTorch 2.13 on SGD/Adam with groups of lr 0.1 and 0.05: get_last_lr() (and β₁ of each group)
TWO_LAMBDAS = [[0.1, 0.05], [0.09000000000000001, 0.1], [0.08100000000000002, 0.15000000000000002],
               [0.0729, 0.2]]
PLATEAU_MIN_LRS = [[0.1, 0.05], [0.05, 0.025], [0.025, 0.0125], [0.02, 0.00625]]
ONECYCLE_TWO_GROUPS = [[0.26, 0.10400000000000001, 0.875, 0.825], [0.5, 0.2, 0.8, 0.7],
                       [0.47524231600673683, 0.19009692640269477, 0.8074273349073187,
                        0.7123788915121976],
                       [0.40587282697488153, 0.1623491307899526, 0.828238264860595,
                        0.7470637747676583]]


def test_per_group_arguments_match_pytorch():
    o = optim.SGD([{"params": [P()]}, {"params": [P()], "lr": 0.05}], lr=0.1, momentum=0.9)
    s = S.LambdaLR(o, [lambda e: 0.9 ** e, lambda e: 1 + e])
    got = [s.get_last_lr()] + [s.step() or s.get_last_lr() for _ in range(3)]
    np.testing.assert_allclose(got, TWO_LAMBDAS, rtol=1e-14)
    o = optim.SGD([{"params": [P()]}, {"params": [P()], "lr": 0.05}], lr=0.1)
    s = S.ReduceLROnPlateau(o, patience=0, factor=0.5, min_lr=[0.02, 0.001])
    got = [s.step(1.0) or s.get_last_lr() for _ in range(4)]
    np.testing.assert_allclose(got, PLATEAU_MIN_LRS, rtol=1e-14)
    o = optim.Adam([{"params": [P()]}, {"params": [P()], "lr": 0.05}], lr=0.1)
    s = S.OneCycleLR(o, max_lr=[0.5, 0.2], total_steps=10, base_momentum=[0.8, 0.7])
    got = [s.step() or s.get_last_lr() + [g["betas"][0] for g in o.param_groups] for _ in range(4)]
    np.testing.assert_allclose(got, ONECYCLE_TWO_GROUPS, rtol=1e-14)
    with pytest.raises(ValueError, match="OneCycleLR: max_lr has 3 values, but the optimizer has "
                                         "2 parameter group"):
        S.OneCycleLR(o, max_lr=[0.5, 0.2, 0.1], total_steps=10)


def test_cycled_momentum_on_an_optimizer_built_without_momentum():
    # PyTorch cycles an SGD built with momentum=0: its buffer is created at the next update
    p, q = P(), P()
    opt = optim.SGD([p], lr=0.1)
    sched = S.CyclicLR(opt, 0.01, 0.1, step_size_up=2)
    ref = optim.SGD([q], lr=0.1, momentum=0.9)
    ref_sched = S.CyclicLR(ref, 0.01, 0.1, step_size_up=2)
    for k in range(6):
        run(opt, p, [GK[k % 5]])
        run(ref, q, [GK[k % 5]])
        sched.step()
        ref_sched.step()
    np.testing.assert_array_equal(p.data, q.data)
    f = optim.SGD(0.1)
    S.CyclicLR(f, 0.01, 0.1, step_size_up=2)
    assert f.momentum == 0.9 and f.param_groups[0]["max_momentum"] == 0.9


# ---- 5. PyTorch's positional order -----------------------------------------------------------
# PyTorch 2.13, 3 steps of the gradient [0.5, 0.25] from [1, -2]
POSITIONAL = [
    ("SGD", (0.1, 0.9, 0.5), dict(lr=0.1, momentum=0.9, dampening=0.5), [0.792, -2.104]),
    ("RMSprop", (0.01, 0.99, 1e-8, 0.5), dict(lr=0.01, weight_decay=0.5),
     [0.7753494590947332, -1.7768515170579282]),
    ("RMSprop", (0.01, 0.99, 1e-8, 0.0, 0.9, True), dict(lr=0.01, momentum=0.9, centered=True),
     [0.5326806350561186, -2.4673192837733553]),
    ("Adam", (0.01, (0.8, 0.9), 1e-6, 0.1, True),
     dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1, amsgrad=True),
     [0.9700018432803622, -2.0299757749534635]),
    ("SGD", (), dict(lr=1e-3), [0.9985000000000002, -2.0007499999999996]),  # PyTorch's default lr
]


@pytest.mark.parametrize("name, args, keywords, want", POSITIONAL)
def test_positional_arguments_follow_pytorch(name, args, keywords, want):
    p = P()
    opt = getattr(optim, name)([p], *args)
    for k, v in keywords.items():
        assert opt.param_groups[0][k] == v
    got = run(opt, p, [[0.5, 0.25]] * 3)
    np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_array_equal(got, functional(getattr(optim, name)(**keywords), [[0.5, 0.25]] * 3))


def test_positional_arguments_are_checked():
    with pytest.raises(TypeError, match=r"SGD: takes at most 5 hyperparameters by position after "
                                        r"the parameters \(lr, momentum, dampening, weight_decay, "
                                        r"nesterov\), got 6"):
        optim.SGD([P()], 0.1, 0.9, 0.0, 0.0, False, True)
    with pytest.raises(TypeError, match="SGD: got multiple values for argument 'lr'"):
        optim.SGD([P()], 0.1, lr=0.2)
    with pytest.raises(TypeError, match="SGD: nesterov must be a bool, got 0.5"):
        optim.SGD([P()], 0.1, 0.9, 0.0, 0.0, 0.5)
    with pytest.raises(TypeError, match="Adam: fused must be None or a bool"):
        optim.Adam([P()], fused="yes")
    opt = optim.Adam([P()], lr=0.1, b1=0.8)  # tensorgrad's own names still work
    assert opt.param_groups[0]["betas"] == (0.8, 0.999)


# ---- 6. options that need a state buffer, turned on later ------------------------------------
def test_momentum_turned_on_after_the_first_step_starts_as_in_pytorch():
    # PyTorch 2.13: SGD(lr=0.1, dampening=0.5), a step, momentum=0.9, two more steps
    p = P()
    opt = optim.SGD([p], lr=0.1, dampening=0.5)
    run(opt, p, [[0.3, -0.5]])
    opt.param_groups[0]["momentum"] = 0.9
    np.testing.assert_allclose(run(opt, p, [[0.3, -0.5], [1.3, -0.5]]), [0.848, -1.8299999999999998],
                               rtol=1e-14)
    # the functional form: a state made before momentum was on
    f = optim.SGD(0.1, dampening=0.5)
    x, state = np.array([1.0, -2.0]), None
    state = f.init(x)
    x, state = f.step(x, np.array([0.3, -0.5]), state)
    f.momentum = 0.9
    for g in ([0.3, -0.5], [1.3, -0.5]):
        x, state = f.step(x, np.array(g), state)
    np.testing.assert_array_equal(x, p.data)
    np.testing.assert_array_equal(state["momentum"], opt.state[id(p)]["momentum"])


# PyTorch 2.13: RMSprop/Adam(lr=0.1), the option set before the first step, 3 steps of
# the gradients [0.3 + k, -0.5·(-1)^k]
EARLY = [("RMSprop", "centered", True, [-1.8622884901936403, -1.1226347030704753]),
         ("RMSprop", "momentum", 0.9, [-4.427960117639524, -0.05662562313400228]),
         ("Adam", "amsgrad", True, [0.7232135528538436, -1.8716838246677026])]
GALT = [[0.3 + k, -0.5 * (-1) ** k] for k in range(4)]


@pytest.mark.parametrize("name, key, value, want", EARLY)
def test_buffer_options_turned_on_later(name, key, value, want):
    p = P()
    opt = getattr(optim, name)([p], lr=0.1)
    opt.param_groups[0][key] = value
    np.testing.assert_allclose(run(opt, p, GALT[:3]), want, rtol=1e-13)
    # after the first step (PyTorch raises KeyError there): the buffer starts at 0 then
    q = P()
    late = getattr(optim, name)([q], lr=0.1)
    run(late, q, GALT[:1])
    late.param_groups[0][key] = value
    run(late, q, GALT[1:])
    ref = getattr(optim, name)(lr=0.1)
    x = np.array([1.0, -2.0])
    x, state = ref.step(x, np.array(GALT[0]), ref.init(x))
    setattr(ref, key, value)
    fresh = getattr(optim, name)(lr=0.1, **{key: value}).init(x)
    buf = [s for s in fresh if s not in state][0]
    state = {**state, buf: fresh[buf]}  # a zero buffer, as PyTorch's state starts it
    for g in GALT[1:]:
        x, state = ref.step(x, np.array(g), state)
    np.testing.assert_allclose(q.data, x, rtol=1e-14)
    # restored by load_state_dict from an optimizer that had it
    a, b = P(), P()
    src = getattr(optim, name)([a], lr=0.1, **{key: value})
    run(src, a, GALT[:2])
    dst = getattr(optim, name)([b], lr=0.1)
    dst.load_state_dict(src.state_dict())
    b.data = a.data.copy()
    np.testing.assert_array_equal(run(dst, b, GALT[2:]), run(src, a, GALT[2:]))


# ---- 7. load_state_dict: copies, PyTorch's state names ---------------------------------------
def test_load_state_dict_copies_the_arrays():
    a, b = P(), P()
    src = optim.SGD([a], lr=0.1, momentum=0.9)
    run(src, a, G3)
    sd = src.state_dict()
    dst = optim.SGD([b], lr=0.1, momentum=0.9)
    dst.load_state_dict(sd)
    before = dst.state[id(b)]["momentum"].copy()
    sd["state"][0]["momentum_buffer"][...] = 99.0
    sd["param_groups"][0]["lr"] = 5.0
    np.testing.assert_array_equal(dst.state[id(b)]["momentum"], before)
    assert dst.param_groups[0]["lr"] == 0.1


# PyTorch 2.13: each optimizer over [1, -2], 3 steps of the gradients [0.3 + k, -0.5]; its
# state_dict()["state"][0] (tensors as lists), the parameter then, and after 2 more steps
TORCH_SD = {
    "SGD": (dict(lr=0.1, momentum=0.9, dampening=0.2), {'momentum_buffer': [3.019, -1.165]},
            [0.5370999999999999, -1.7485], [-0.8247490000000002, -1.433285]),
    "Adam": (dict(lr=0.1, amsgrad=True),
             {'step': 3.0, 'exp_avg': [0.3712999999999999, -0.13549999999999995],
              'exp_avg_sq': [0.0070681300900000054, 0.0007492502500000007],
              'max_exp_avg_sq': [0.0070681300900000054, 0.0007492502500000007]},
             [0.7232135528538436, -1.700000006000001], [0.5392223602307051, -1.5000000100000015]),
    "Adamax": (dict(lr=0.1), {'step': 3.0, 'exp_avg': [0.3712999999999999, -0.13549999999999995],
                              'exp_inf': [2.3000000099999998, 0.50000001]},
               [0.7768672205619268, -1.7000000060000002], [0.6599778940938462, -1.5000000100000004]),
    "NAdam": (dict(lr=0.1), {'step': 3.0, 'mu_product': 0.0912142874159059,
                             'exp_avg': [0.3712999999999999, -0.13549999999999995],
                             'exp_avg_sq': [0.0070681300900000054, 0.0007492502500000007]},
              [0.6891555730246399, -1.742764678476789], [0.4791421276477955, -1.5950593719953274]),
    "RMSprop": (dict(lr=0.01, momentum=0.5, centered=True),
                {'step': 3.0, 'square_avg': [0.07051309000000006, 0.0074252500000000065],
                 'momentum_buffer': [16.176606450945066, -11.983429947223424],
                 'grad_avg': [0.038810300000000034, -0.014850500000000013]},
                [0.5893083664707226, -1.6578059066741646], [0.27638370488437314, -1.4445106927279932]),
}


@pytest.mark.parametrize("name", list(TORCH_SD))
def test_a_pytorch_state_dict_loads_and_continues(name):
    options, state, p_then, p_after = TORCH_SD[name]
    p = P()
    opt = getattr(optim, name)([p])  # built with the defaults: the saved groups set the options
    group = {**opt.param_groups[0], **options, "params": [0]}
    opt.load_state_dict({"state": {0: {k: np.array(v) for k, v in state.items()}},
                         "param_groups": [group]})
    p.data = np.array(p_then)
    np.testing.assert_allclose(run(opt, p, GK[3:5]), p_after, rtol=1e-13)


def test_a_state_dict_with_unknown_entries_is_refused_clearly():
    opt = optim.Adam([P()], lr=0.1)
    sd = opt.state_dict()
    sd["state"] = {0: {"step": 1.0, "first_moment": np.zeros(2), "v": np.zeros(2)}}
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: the state of parameter 0 has an "
                                         r"entry 'first_moment' that Adam does not keep; it expects "
                                         r"'step', 'm', 'v' \(PyTorch's names 'exp_avg', "
                                         r"'exp_avg_sq' are accepted\)"):
        opt.load_state_dict(sd)
    sd["state"] = {0: {"step": 1.0, "exp_avg": np.zeros(2)}}
    with pytest.raises(ValueError, match="Adam.load_state_dict: the state of parameter 0 lacks 'v'"):
        opt.load_state_dict(sd)
    sd["state"] = {0: {"step": 1.0, "exp_avg": np.zeros(3), "exp_avg_sq": np.zeros(2)}}
    with pytest.raises(ValueError, match="the saved 'exp_avg' of parameter 0 has shape"):
        opt.load_state_dict(sd)


def test_parameters_that_do_not_require_grad_are_kept_and_skipped():
    a = P()
    frozen = tg.tensor(np.array([3.0]))
    opt = optim.SGD([a, frozen], lr=0.1)
    assert opt.param_groups[0]["params"][1] is frozen
    run(opt, a, [[1.0, 1.0]])
    np.testing.assert_allclose(a.data, [0.9, -2.1])
    assert frozen.data[0] == 3.0 and len(opt.state) == 1
    assert math.isclose(opt.state_dict()["param_groups"][0]["lr"], 0.1)


def test_state_dict_names_the_buffers_as_pytorch_so_torch_loads_it():
    # torch 2.13 loads these state dicts and continues equal to 2e-16 (checked when written)
    want = {"SGD": ({"momentum": 0.9}, {"momentum_buffer", "step"}),
            "Adam": ({"amsgrad": True}, {"exp_avg", "exp_avg_sq", "max_exp_avg_sq", "step"}),
            "NAdam": ({}, {"exp_avg", "exp_avg_sq", "mu_product", "step"}),
            "Adamax": ({}, {"exp_avg", "exp_inf", "step"}),
            "RMSprop": ({"momentum": 0.5, "centered": True},
                        {"momentum_buffer", "square_avg", "grad_avg", "step"})}
    for name, (kw, keys) in want.items():
        w = tg.tensor(np.array([1.0, -2.0]), requires_grad=True)
        opt = getattr(optim, name)([w], lr=0.05, **kw)
        tg.sum(w ** 4).backward()
        opt.step()
        sd = opt.state_dict()
        assert set(sd["state"][0]) == keys, name
        v = tg.tensor(w.detach().numpy(), requires_grad=True)
        again = getattr(optim, name)([v], lr=0.05, **kw)
        again.load_state_dict(sd)  # and back: tensorgrad's own names inside
        for o, p in ((opt, w), (again, v)):
            o.zero_grad()
            tg.sum(p ** 4).backward()
            o.step()
        np.testing.assert_array_equal(v.detach(), w.detach())


def test_linear_lr_step_with_an_epoch_rounds_as_pytorch():
    # PyTorch 2.13's closed form multiplies before it divides: LinearLR(SGD(lr=0.1), 0.2, 1.0, 5)
    # .step(1) gives exactly 0.036 (the division first gave 0.036000000000000004)
    p = tg.tensor(np.ones(2), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    sched = S.LinearLR(opt, 0.2, 1.0, 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (PyTorch's deprecation warning for step(epoch))
        sched.step(1)
    assert opt.param_groups[0]["lr"] == 0.036 and sched.get_last_lr() == [0.036]


class _Scale:
    def __init__(self):
        self.factor = 0.5

    def __call__(self, x):
        return self.factor


def test_cyclic_lr_saves_its_scale_function_in_pytorchs_format():
    # PyTorch saves CyclicLR's one function as None (a plain function, or none) or the
    # object's attributes, not in a list: its state dicts load here and these load there
    def sgd():
        return optim.SGD([tg.tensor(np.zeros(1), requires_grad=True)], lr=0.1, momentum=0.9)
    plain = S.CyclicLR(sgd(), 0.01, 0.1)
    for _ in range(5):
        plain.optimizer.step()
        plain.step()
    sd = plain.state_dict()
    assert sd["_scale_fn_custom"] is None
    again = S.CyclicLR(sgd(), 0.01, 0.1)
    again.load_state_dict(sd)
    for s in (plain, again):
        s.optimizer.step()
        s.step()
    assert again.get_last_lr() == plain.get_last_lr()
    scaled = S.CyclicLR(sgd(), 0.01, 0.1, scale_fn=_Scale())
    scaled._scale_fn_custom.factor = 0.25
    assert scaled.state_dict()["_scale_fn_custom"] == {"factor": 0.25}
    other = S.CyclicLR(sgd(), 0.01, 0.1, scale_fn=_Scale())
    other.load_state_dict(scaled.state_dict())
    assert other._scale_fn_custom.factor == 0.25


def test_sparse_adam_updates_only_the_looked_up_rows_as_pytorchs():
    # PyTorch's SparseAdam: moments and rows change where the (sparse) gradient has entries;
    # ε after √v, bias corrections in the step size (checked against PyTorch 2.13 to 2e-16)
    rng = np.random.default_rng(0)
    W0 = rng.normal(size=(10, 4))
    emb = tg.nn.Embedding(10, 4, sparse=True)
    emb.init(0)
    emb.load_state_dict({"weight": W0})
    opt = optim.SparseAdam(emb.parameters(), lr=0.05, betas=(0.8, 0.99), eps=1e-6)
    w, m, v = W0.copy(), np.zeros_like(W0), np.zeros_like(W0)
    for t in range(1, 9):
        idx = rng.integers(0, 7, size=(3, 2))  # (rows 7, 8, 9 are never looked up)
        target = rng.normal(size=(3, 2, 4))
        opt.zero_grad()
        tg.sum((emb(idx) - target) ** 2).backward()
        opt.step()
        g = np.zeros_like(w)
        np.add.at(g, idx, 2 * (w[idx] - target))
        held = np.any(g != 0, axis=1, keepdims=True)
        m = np.where(held, 0.8 * m + 0.2 * g, m)
        v = np.where(held, 0.99 * v + 0.01 * g * g, v)
        w = w - np.where(held, 0.05 * np.sqrt(1 - 0.99 ** t) / (1 - 0.8 ** t) * m / (np.sqrt(v) + 1e-6), 0)
    np.testing.assert_allclose(np.asarray(tg.stop_gradient(emb.weight)), w, rtol=1e-13, atol=1e-15)
    np.testing.assert_array_equal(np.asarray(tg.stop_gradient(emb.weight))[7:], W0[7:])
    state = opt.state_dict()["state"][0]
    assert sorted(state) == ["exp_avg", "exp_avg_sq", "step"]
    np.testing.assert_allclose(state["exp_avg_sq"], v, rtol=1e-13)
    # the functional form, eagerly and under tg.jit (the step count is traced there)
    rule, params = optim.SparseAdam(0.05), {"w": np.ones((4, 2))}
    st = rule.init(params)

    def step(p, s, idx):
        return rule.step(p, tg.grad(lambda q: tg.sum(tg.sin(q["w"][idx])))(p), s)
    for idx in (np.array([1, 2]), np.array([0, 3])):
        eager, jitted = step(params, st, idx)[0]["w"], tg.jit(step)(params, st, idx)[0]["w"]
        np.testing.assert_allclose(jitted, eager, rtol=1e-15)
        assert np.array_equal(np.asarray(eager)[[i for i in range(4) if i not in idx]], np.ones((2, 2)))
