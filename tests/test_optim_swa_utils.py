"""tg.optim.swa_utils (tensorgrad/optim_swa.py): PyTorch's weight averaging, SWALR and update_bn,
checked against the formulas computed by hand in NumPy (running means and EMAs of known parameter
sequences, SWALR's closed form, a dataset's batch statistics) and by round trips."""
import copy
import math
import pickle

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.optim import lr_scheduler
from tensorgrad.optim.swa_utils import (SWALR, AveragedModel, get_ema_avg_fn, get_ema_multi_avg_fn,
                                        get_swa_avg_fn, get_swa_multi_avg_fn, update_bn)

rng = np.random.default_rng(0)
X = rng.normal(size=(12, 3))


def _linear(seed=0):
    m = tg.nn.Linear(3, 2)
    m.init(seed)
    return m


def _snapshots(k=5, seed=1):
    """k parameter sets for a Linear(3, 2): ``{"W": (3, 2), "b": (2,)}``."""
    r = np.random.default_rng(seed)
    return [{"W": r.normal(size=(3, 2)), "b": r.normal(size=2)} for _ in range(k)]


def _values(model) -> dict:
    return {k: np.array(v) for k, v in model.state_dict().items()}


def _ema(seq, decay):
    out = seq[0]
    for w in seq[1:]:
        out = decay * out + (1 - decay) * w
    return out


# ---- AveragedModel ---------------------------------------------------------------------------
def test_the_default_is_the_running_mean_and_counts_the_models():
    model, snaps = _linear(), _snapshots()
    swa = AveragedModel(model)
    assert isinstance(swa, tg.nn.Module) and swa.module is not model
    assert swa.n_averaged.shape == () and swa.n_averaged.dtype == np.int64 and swa.n_averaged == 0
    for k, snap in enumerate(snaps, 1):
        model.load_state_dict(snap)
        swa.update_parameters(model)
        assert int(swa.n_averaged) == k
        got = _values(swa)
        for name in ("W", "b"):
            np.testing.assert_allclose(got[f"module.{name}"], np.mean([s[name] for s in snaps[:k]], 0),
                                       rtol=1e-13, atol=1e-15)
    # the same with the rule given explicitly, one array at a time or in lists
    for kw in (dict(avg_fn=get_swa_avg_fn()), dict(multi_avg_fn=get_swa_multi_avg_fn())):
        other = AveragedModel(model, **kw)
        for snap in snaps:
            model.load_state_dict(snap)
            other.update_parameters(model)
        for name, v in _values(other).items():
            np.testing.assert_allclose(v, _values(swa)[name], rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("multi", [False, True])
def test_exponential_moving_average(multi):
    model, snaps = _linear(), _snapshots(6)
    kw = dict(multi_avg_fn=get_ema_multi_avg_fn(0.8)) if multi else dict(avg_fn=get_ema_avg_fn(0.8))
    ema = AveragedModel(model, **kw)
    for snap in snaps:
        model.load_state_dict(snap)
        ema.update_parameters(model)
    for name in ("W", "b"):  # the first update copies the model: W₀ᴱᴹᴬ = W₀
        np.testing.assert_allclose(_values(ema)[f"module.{name}"], _ema([s[name] for s in snaps], 0.8),
                                   rtol=1e-13, atol=1e-15)


def test_float32_parameters_stay_float32_and_the_functions_work_on_their_own():
    model = _linear().float()
    snaps = [{k: v.astype(np.float32) for k, v in s.items()} for s in _snapshots(4)]
    swa = AveragedModel(model)
    for snap in snaps:
        model.load_state_dict(snap)
        swa.update_parameters(model)
    W = _values(swa)["module.W"]
    assert W.dtype == np.float32
    np.testing.assert_allclose(W, np.mean([s["W"] for s in snaps], 0), rtol=1e-6)
    a, b = np.array([1.0, 2.0]), np.array([3.0, 6.0])
    np.testing.assert_allclose(get_swa_avg_fn()(a, b, np.asarray(1)), [2.0, 4.0])
    np.testing.assert_allclose(get_ema_avg_fn(0.75)(a, b, 5), [1.5, 3.0])
    avg, ints = [a.copy(), np.array([10, 20])], [b, np.array([13, 27])]
    assert get_swa_multi_avg_fn()(avg, ints, 2) is None  # in place, as PyTorch's
    np.testing.assert_allclose(avg[0], [5 / 3, 10 / 3])
    assert avg[1].dtype.kind == "i" and list(avg[1]) == [11, 22]  # (10 + 3/3, 20 + 7/3 truncated)
    get_ema_multi_avg_fn(0.5)(avg, ints, 2)
    assert list(avg[1]) == [12, 24]  # (11·0.5 + 13·0.5, 22·0.5 + 27·0.5 truncated)


def _bn_model():
    m = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.BatchNorm1d(4), tg.nn.ReLU(), tg.nn.Linear(4, 1))
    m.init(0)
    return m


def test_buffers_are_copied_or_averaged_with_use_buffers():
    model = _bn_model()
    plain, averaged = AveragedModel(model), AveragedModel(model, use_buffers=True)
    means, counts = [], []
    for i in range(4):
        model(X[3 * i: 3 * i + 3] * (i + 1))  # (a training-mode call updates the statistics)
        means.append(np.array(model[1].running_mean))
        counts.append(int(model[1].num_batches_tracked))
        plain.update_parameters(model)
        averaged.update_parameters(model)
    # without use_buffers the copy holds the model's last statistics
    np.testing.assert_array_equal(plain.module[1].running_mean, means[-1])
    assert int(plain.module[1].num_batches_tracked) == 4
    # with it, their running mean; the integer count averaged in floats and truncated (as
    # PyTorch's copy into an integer tensor): 1, 1 + 1/2 → 1, 1 + 2/3 → 1, 1 + 3/4 → 1
    np.testing.assert_allclose(averaged.module[1].running_mean, np.mean(means, 0), rtol=1e-13)
    want = counts[0]
    for n, c in enumerate(counts[1:], 1):
        want = math.trunc(want + (c - want) / (n + 1))
    assert int(averaged.module[1].num_batches_tracked) == want == 1
    assert averaged.module[1].num_batches_tracked.dtype == np.int64


def test_user_rules_get_the_values_and_the_count():
    model, snaps = _bn_model(), []
    seen, calls = [], []

    def avg_fn(averaged, current, num_averaged):
        seen.append(int(num_averaged))
        assert num_averaged.shape == () and num_averaged.dtype == np.int64
        return 0.5 * averaged + 0.5 * current

    def multi_avg_fn(averaged, current, num_averaged):  # PyTorch's in-place Tensor methods
        calls.append([a.dtype for a in averaged])
        for a, c in zip(averaged, current):
            if a.dtype.kind == "f":
                a.mul_(0.5).add_(c, alpha=0.5)
            else:  # (an integer count: PyTorch's in-place float product would fail there too)
                a[...] = a * 0.5 + c * 0.5

    def returning(averaged, current, num_averaged):  # a new list instead of in place
        return [0.5 * a + 0.5 * c for a, c in zip(averaged, current)]

    by_fn = AveragedModel(model, avg_fn=avg_fn)
    in_place = AveragedModel(model, multi_avg_fn=multi_avg_fn, use_buffers=True)
    new_list = AveragedModel(model, multi_avg_fn=returning)
    for i in range(3):
        model.load_state_dict({k: v + i for k, v in _values(model).items() if "." in k and "W" in k},
                              strict=False)
        model(X)
        snaps.append(_values(model))
        for m in (by_fn, in_place, new_list):
            m.update_parameters(model)
    assert seen == [1] * 6 + [2] * 6  # (six parameter arrays; no call at the first update)
    # one call per dtype, as PyTorch groups them: the float parameters and buffers, then the count
    assert calls == [[np.dtype(np.float64)] * 8, [np.dtype(np.int64)]] * 2
    for name in ("0.W", "1.weight", "3.b"):
        want = _ema([s[name] for s in snaps], 0.5)
        for m in (by_fn, in_place, new_list):
            np.testing.assert_allclose(_values(m)["module." + name], want, rtol=1e-13)
    np.testing.assert_allclose(_values(in_place)["module.1.running_var"],
                               _ema([s["1.running_var"] for s in snaps], 0.5), rtol=1e-13)
    assert int(in_place.module[1].num_batches_tracked) == 2  # ((1·0.5 + 2·0.5) → 1, 1·0.5 + 3·0.5)


def test_forward_state_dict_and_round_trips():
    model = _bn_model()
    swa = AveragedModel(model, avg_fn=get_ema_avg_fn(0.5))
    for i in range(3):
        model.load_state_dict({"0.b": np.full(4, float(i))}, strict=False)
        model(X)
        swa.update_parameters(model)
    sd = swa.state_dict()
    assert set(sd) == {"module." + k for k in model.state_dict()} | {"n_averaged"}
    assert int(sd["n_averaged"]) == 3
    np.testing.assert_allclose(sd["module.0.b"], 0.25 * 0 + 0.25 * 1 + 0.5 * 2)
    swa.eval()
    copy_model = AveragedModel(model)
    copy_model.module.load_state_dict({k[len("module."):]: v for k, v in sd.items() if k != "n_averaged"})
    copy_model.eval()
    want = copy_model.module(X)
    np.testing.assert_allclose(swa(X), want, rtol=1e-13)  # the call runs the copy
    np.testing.assert_allclose(swa.module(X), want, rtol=1e-13)
    # a fresh AveragedModel loads the saved dict; copies and pickles carry on
    fresh = AveragedModel(_bn_model())
    fresh.load_state_dict({k: np.array(v) for k, v in sd.items()})
    for other in (fresh, copy.deepcopy(swa), pickle.loads(pickle.dumps(swa))):
        assert list(other.state_dict()) == list(sd)
        for k, v in sd.items():
            np.testing.assert_array_equal(other.state_dict()[k], v)
    restored = pickle.loads(pickle.dumps(swa))
    model.load_state_dict({"0.b": np.full(4, 10.0)}, strict=False)
    restored.update_parameters(model), swa.update_parameters(model)
    np.testing.assert_array_equal(restored.state_dict()["module.0.b"], swa.state_dict()["module.0.b"])


def test_the_copy_is_independent_and_a_layer_of_a_bigger_model_is_copied_alone():
    model = _linear()
    before = _values(model)
    swa = AveragedModel(model)
    model.load_state_dict(_snapshots(1)[0])
    for k, v in before.items():  # the model moved; the copy did not
        np.testing.assert_array_equal(swa.state_dict()["module." + k], v)
    big = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 2))
    big.init(1)
    head = AveragedModel(big[2])
    assert list(head.state_dict()) == ["module.W", "module.b", "n_averaged"]
    np.testing.assert_array_equal(head.state_dict()["module.W"], big.state_dict()["2.W"])
    first = np.array(big.state_dict()["2.b"])
    head.update_parameters(big[2])
    big.load_state_dict({"2.b": np.ones(2)}, strict=False)
    head.update_parameters(big[2])
    np.testing.assert_allclose(head.state_dict()["module.b"], (first + 1) / 2, rtol=1e-13)
    np.testing.assert_array_equal(big.state_dict()["2.b"], np.ones(2))  # (the model is its own)


def test_in_a_pytorch_form_training_loop():
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 1))
    model.init(0)
    model.requires_grad_()
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    swa, sched = AveragedModel(model), SWALR(opt, swa_lr=0.05, anneal_epochs=2)
    y = np.sin(X.sum(1, keepdims=True))
    snaps = []
    for _ in range(4):
        opt.zero_grad()
        loss = tg.mean((model(tg.tensor(X)) - y) ** 2)
        loss.backward()
        opt.step()
        swa.update_parameters(model)
        sched.step()
        snaps.append(_values(model))
        swa(tg.tensor(X))  # (a call on a tensor makes the copy's parameters tensors too)
    for name in snaps[0]:
        np.testing.assert_allclose(swa.state_dict()["module." + name],
                                   np.mean([s[name] for s in snaps], 0), rtol=1e-12)
    assert sched.get_last_lr() == [0.05]


def test_averaged_model_refuses_bad_arguments():
    model = _linear()
    with pytest.raises(ValueError, match="AveragedModel: give avg_fn or multi_avg_fn, not both"):
        AveragedModel(model, avg_fn=get_swa_avg_fn(), multi_avg_fn=get_swa_multi_avg_fn())
    with pytest.raises(TypeError, match="AveragedModel: model must be a tg.nn.Module"):
        AveragedModel(lambda x: x)
    with pytest.raises(TypeError, match="AveragedModel: avg_fn must be a function"):
        AveragedModel(model, avg_fn=0.9)
    with pytest.raises(ValueError, match="AveragedModel: .*CPU"):
        AveragedModel(model, device="cuda")
    assert AveragedModel(model, device="cpu").n_averaged == 0
    swa = AveragedModel(model)
    with pytest.raises(ValueError, match="AveragedModel.update_parameters: the model has 6 "
                                         "parameter arrays, the averaged copy 2"):
        swa.update_parameters(_bn_model())
    with pytest.raises(ValueError, match=r"update_parameters: 'W' has shape \(3, 5\)"):
        swa.update_parameters(tg.nn.Linear(3, 5))
    with pytest.raises(TypeError, match="update_parameters: model must be a tg.nn.Module"):
        swa.update_parameters(model.params)
    for make in (get_ema_avg_fn, get_ema_multi_avg_fn):
        with pytest.raises(ValueError, match=f"{make.__name__}: decay must be in \\[0, 1\\]"):
            make(1.5)
        with pytest.raises(ValueError, match="decay"):
            make(float("nan"))
        with pytest.raises(TypeError, match=f"{make.__name__}: decay must be a number"):
            make("0.9")


# ---- SWALR ---------------------------------------------------------------------------------------
def _swalr_closed_form(lr0, swa_lr, epochs, strategy, n=30):
    alpha = (lambda t: (1 - math.cos(math.pi * t)) / 2) if strategy == "cos" else (lambda t: t)
    return np.array([lr0 + (swa_lr - lr0) * alpha(min(1.0, s / max(1, epochs)) if epochs else 1.0)
                     for s in range(n + 1)])


def _rates(sched, n=30):
    out = [sched.get_last_lr()]
    for _ in range(n):
        sched.step()
        out.append(sched.get_last_lr())
    return np.array(out)


@pytest.mark.parametrize("strategy", ["cos", "linear"])
@pytest.mark.parametrize("epochs", [0, 1, 4, 10, 30])
def test_swalr_follows_the_closed_form(strategy, epochs):
    opt = tg.optim.SGD(0.3, momentum=0.9)
    sched = SWALR(opt, swa_lr=0.01, anneal_epochs=epochs, anneal_strategy=strategy)
    got = _rates(sched)[:, 0]
    np.testing.assert_allclose(got, _swalr_closed_form(0.3, 0.01, epochs, strategy), rtol=1e-12)
    assert opt.learning_rate(opt.init(np.zeros(2))) == got[-1] and opt.param_groups[0]["swa_lr"] == 0.01
    # per-group values in PyTorch's form: each group anneals from its rate to its swa_lr
    a, b = tg.tensor(np.zeros(2), requires_grad=True), tg.tensor(np.zeros(1), requires_grad=True)
    groups = tg.optim.Adam([{"params": [a], "lr": 0.5}, {"params": [b], "lr": 0.02}])
    sched = SWALR(groups, [0.05, 0.2], anneal_epochs=epochs, anneal_strategy=strategy)
    got = _rates(sched)
    np.testing.assert_allclose(got[:, 0], _swalr_closed_form(0.5, 0.05, epochs, strategy), rtol=1e-12)
    np.testing.assert_allclose(got[:, 1], _swalr_closed_form(0.02, 0.2, epochs, strategy), rtol=1e-12)
    assert [g["swa_lr"] for g in groups.param_groups] == [0.05, 0.2]


def test_swalr_takes_over_from_another_scheduler_and_round_trips():
    opt = tg.optim.SGD(0.1)
    cosine = lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        cosine.step()
    start = opt.param_groups[0]["lr"]
    sched = SWALR(opt, swa_lr=0.002, anneal_epochs=5, anneal_strategy="linear")
    np.testing.assert_allclose(_rates(sched, 8)[:, 0], _swalr_closed_form(start, 0.002, 5, "linear", 8),
                               rtol=1e-12)
    # state_dict: a new scheduler on a new optimizer carries on from the saved point
    a = SWALR(tg.optim.Adam(0.2), 0.05, anneal_epochs=10)
    _rates(a, 4)
    b_opt = tg.optim.Adam(0.2)
    b = SWALR(b_opt, 0.05, anneal_epochs=10)
    saved = a.state_dict()
    assert "optimizer" not in saved and saved["_anneal_strategy"] == "cos" and saved["anneal_epochs"] == 10
    b.load_state_dict(saved)
    assert b.get_last_lr() == a.get_last_lr() and float(b_opt.lr(0)) == a.get_last_lr()[0]
    np.testing.assert_array_equal(_rates(b, 10), _rates(a, 10))
    # a group added later takes the one swa_lr given
    w = tg.tensor(np.zeros(2), requires_grad=True)
    sgd = tg.optim.SGD([w], lr=0.1)
    sched = SWALR(sgd, swa_lr=0.01, anneal_epochs=2, anneal_strategy="linear")
    sgd.add_param_group({"params": [tg.tensor(np.zeros(1), requires_grad=True)], "lr": 0.3})
    sched.step()
    sched.step()
    assert sgd.param_groups[1]["swa_lr"] == 0.01
    np.testing.assert_allclose(sched.get_last_lr(), [0.01, 0.01], rtol=1e-12)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(anneal_strategy="exp"), ValueError, "SWALR: anneal_strategy must be 'cos' or 'linear'"),
    (dict(anneal_epochs=-1), ValueError, "SWALR: anneal_epochs must be an integer ≥ 0"),
    (dict(anneal_epochs=2.0), ValueError, "SWALR: anneal_epochs must be an integer ≥ 0"),
    (dict(anneal_epochs=True), ValueError, "SWALR: anneal_epochs must be an integer ≥ 0"),
    (dict(swa_lr=[0.1, 0.2]), ValueError, "SWALR: swa_lr has 2 values, but the optimizer has 1"),
    (dict(swa_lr="0.1"), TypeError, "SWALR: swa_lr must be a finite number"),
])
def test_swalr_refuses_bad_arguments(kwargs, error, match):
    opt = tg.optim.SGD(0.1)
    kwargs = {"swa_lr": 0.05, **kwargs}
    with pytest.raises(error, match=match):
        SWALR(opt, **kwargs)
    assert "swa_lr" not in opt.param_groups[0]  # (checked before the groups are touched)


# ---- update_bn -----------------------------------------------------------------------------------
def _batch_stats(hidden: list) -> tuple:
    """Mean of the batch means, and of the batches' unbiased variances, per channel (axis 1;
    images: over axes 0, 2, 3)."""
    axes = (0,) + tuple(range(2, hidden[0].ndim))
    means = [h.mean(axis=axes) for h in hidden]
    vars_ = [h.var(axis=axes, ddof=1) for h in hidden]
    return np.mean(means, 0), np.mean(vars_, 0)


@pytest.mark.parametrize("wrap", [lambda x: x, lambda x: (x, 0), lambda x: [tg.tensor(x)]],
                         ids=["arrays", "pairs", "tensors in lists"])
@pytest.mark.parametrize("training", [True, False])
def test_update_bn_recomputes_the_statistics(wrap, training):
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.BatchNorm1d(4, momentum=0.3), tg.nn.ReLU())
    model.init(0)
    model(X * 5 + 2)  # (statistics that update_bn must forget)
    model.train(training)
    data = [rng.normal(size=(6, 3)) * 2 + 1 for _ in range(4)]
    update_bn([wrap(x) for x in data], model)
    W, b = np.array(model.state_dict()["0.W"]), np.array(model.state_dict()["0.b"])
    mean, var = _batch_stats([x @ W + b for x in data])
    bn = model[1]
    np.testing.assert_allclose(bn.running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, var, rtol=1e-12)
    # batches of one size: the mean of the batch means is the data's mean
    np.testing.assert_allclose(bn.running_mean, (np.concatenate(data) @ W + b).mean(0), rtol=1e-12)
    assert int(bn.num_batches_tracked) == 4
    assert bn.momentum == 0.3 and model.training is training and bn.training is training


def test_update_bn_on_an_averaged_model_with_images_and_several_layers():
    model = tg.nn.Sequential(tg.nn.Conv2d(2, 3, 3, padding=1), tg.nn.BatchNorm2d(3), tg.nn.ReLU(),
                             tg.nn.Flatten(), tg.nn.Linear(48, 5), tg.nn.BatchNorm1d(5, momentum=None))
    model.init(0)
    swa = AveragedModel(model)
    for i in range(2):
        model.load_state_dict({"4.b": np.full(5, float(i))}, strict=False)
        swa.update_parameters(model)
    swa.eval()
    images = [rng.normal(size=(4, 2, 4, 4)) for _ in range(3)]
    update_bn(images, swa)
    layers = swa.module
    conv = [np.asarray(layers[0](x)) for x in images]
    mean, var = _batch_stats(conv)
    np.testing.assert_allclose(layers[1].running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(layers[1].running_var, var, rtol=1e-12)
    # the second layer's inputs: each batch normalized by its own statistics (training mode,
    # biased variance; weight 1, bias 0), ReLU, flattened, then the averaged Linear
    W, b = np.array(layers.state_dict()["4.W"]), np.array(layers.state_dict()["4.b"])
    np.testing.assert_allclose(b, 0.5)
    hidden = []
    for h in conv:
        z = (h - h.mean((0, 2, 3), keepdims=True)) / np.sqrt(h.var((0, 2, 3), keepdims=True) + 1e-5)
        hidden.append(np.maximum(z, 0).reshape(len(h), -1) @ W + b)
    mean, var = _batch_stats(hidden)
    np.testing.assert_allclose(layers[5].running_mean, mean, rtol=1e-12)
    np.testing.assert_allclose(layers[5].running_var, var, rtol=1e-12)
    np.testing.assert_allclose(mean, np.mean([h.mean(0) for h in hidden], 0))
    assert layers[5].momentum is None and not swa.training and not layers[1].training


def test_update_bn_without_batchnorm_and_when_the_loader_fails():
    def untouched():
        raise AssertionError("update_bn read the loader of a model without BatchNorm")
        yield

    plain = tg.nn.Sequential(tg.nn.Linear(3, 2), tg.nn.ReLU())
    plain.init(0)
    assert update_bn(untouched(), plain) is None
    inst = tg.nn.Sequential(tg.nn.InstanceNorm1d(3, track_running_stats=True))
    inst[0].running_mean = np.full(3, 7.0)
    update_bn(untouched(), inst)  # (InstanceNorm is not BatchNorm, as in PyTorch)
    np.testing.assert_array_equal(inst[0].running_mean, 7.0)

    def failing():
        yield X[:4]
        raise RuntimeError("loader broke")

    model = _bn_model()
    model.eval()
    with pytest.raises(RuntimeError, match="loader broke"):
        update_bn(failing(), model)
    assert model[1].momentum == 0.1 and not model.training and int(model[1].num_batches_tracked) == 1
    with pytest.raises(ValueError, match="update_bn: the loader gave an empty list"):
        update_bn([[]], model)
    with pytest.raises(TypeError, match="update_bn: model must be a tg.nn.Module"):
        update_bn([X], lambda x: x)
    with pytest.raises(ValueError, match="update_bn: .*CPU"):
        update_bn([X], model, device="cuda:0")


def test_exported_as_tg_optim_swa_utils():
    assert tg.optim.swa_utils.AveragedModel is AveragedModel
    assert "swa_utils" in tg.optim.__all__
    assert set(tg.optim.swa_utils.__all__) == {
        "AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn",
        "get_ema_avg_fn", "get_swa_avg_fn"}
    assert isinstance(SWALR(tg.optim.SGD(0.1), 0.05), lr_scheduler.LRScheduler)
