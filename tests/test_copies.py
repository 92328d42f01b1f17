"""Copies and pickles of optimizers, schedules and jitted functions carry on as the
originals; arrays of other libraries are taken as NumPy takes them; complex checkpoints."""
import copy
import pickle

import numpy as np
import pytest

import tensorgrad as tg

X = np.random.default_rng(0).normal(size=(8, 3))
Y = np.random.default_rng(1).normal(size=(8, 2))


def _steps(model, opt, sched, k):
    losses = []
    for _ in range(k):
        opt.zero_grad()
        loss = tg.sum((model(tg.tensor(X)) - Y) ** 2)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.item()))
    return losses


@pytest.mark.parametrize("make", [lambda ps: tg.optim.SGD(ps, lr=0.01, momentum=0.9),
                                  lambda ps: tg.optim.Adam(ps, lr=0.05),
                                  lambda ps: tg.optim.RMSprop(ps, lr=0.01)])
def test_a_copied_or_pickled_optimizer_keeps_its_state(make):
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 2))
    model.init(0)
    model.requires_grad_()
    opt = make(model.parameters())
    sched = tg.optim.lr_scheduler.StepLR(opt, 2, 0.5)
    _steps(model, opt, sched, 3)
    copied = copy.deepcopy((model, opt, sched))
    pickled = pickle.loads(pickle.dumps((model, opt, sched)))
    assert len(copied[1].state_dict()["state"]) == len(opt.state_dict()["state"]) > 0
    want = _steps(model, opt, sched, 4)
    assert _steps(*copied, 4) == want       # (momentum and moments carried on, bit for bit)
    assert _steps(*pickled, 4) == want


def test_a_copied_lbfgs_keeps_its_options():
    w = tg.tensor([1.0, -2.0], requires_grad=True)
    opt = tg.optim.LBFGS([w], lr=0.5)

    def closure(p, o):
        def run():
            o.zero_grad()
            loss = tg.sum((p - 3) ** 4)
            loss.backward()
            return loss
        return run
    opt.step(closure(w, opt))
    w2, opt2 = copy.deepcopy((w, opt))
    assert opt2.param_groups[0]["max_eval"] == opt.param_groups[0]["max_eval"] == 25
    opt.step(closure(w, opt))
    opt2.step(closure(w2, opt2))
    np.testing.assert_array_equal(w2.data, w.data)


@pytest.mark.parametrize("schedule", [tg.optim.constant(0.1), tg.optim.step_decay(0.1, 3, 0.5),
                                      tg.optim.cosine(0.1, 10, 0.01, 2), tg.optim.exponential(0.1, 0.9),
                                      tg.optim.linear_warmup(0.1)])
def test_schedules_and_functional_optimizers_pickle(schedule):
    again = pickle.loads(pickle.dumps(tg.optim.Adam(schedule)))
    assert [float(again.lr(t)) for t in range(12)] == [float(schedule(t)) for t in range(12)]


def _double(x):
    return tg.sin(x) * 2


def test_a_jitted_function_copies_and_pickles():
    f = tg.jit(_double)
    x = np.linspace(0, 1, 3)
    f(x)
    for g in (copy.deepcopy(f), copy.copy(f), pickle.loads(pickle.dumps(f))):
        assert g.cache_size() == 0                     # (its own plans, traced at its first call)
        np.testing.assert_allclose(g(x), 2 * np.sin(x), rtol=1e-15)
        assert g.cache_size() == 1
    layer = tg.nn.Linear(2, 1)
    layer.step = tg.jit(lambda v: v + 1)
    np.testing.assert_array_equal(copy.deepcopy(layer).step(np.ones(1)), [2.0])


class Foreign:
    """An array of another library: converted through __array__, and (as a torch tensor) it
    would wrap NumPy's results in its own type."""
    __array_priority__ = 1000

    def __init__(self, values):
        self.values = np.asarray(values, dtype=float)

    def __array__(self, dtype=None, copy=None):
        return self.values if dtype is None else self.values.astype(dtype)

    def __array_wrap__(self, arr, context=None, return_scalar=False):
        return Foreign(arr.astype(float))


def test_an_array_of_another_library_is_taken_as_numpy_takes_it():
    a = tg.tensor([1.0, 5.0])
    other = Foreign([1.0, 2.0])
    mask = a == other
    assert type(tg.stop_gradient(mask)) is not Foreign and np.asarray(mask).dtype == bool
    np.testing.assert_array_equal(np.asarray(a[mask]), [1.0])
    np.testing.assert_array_equal(np.asarray(tg.sin(other)), np.sin([1.0, 2.0]))
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(x * other))(np.ones(2)), [1.0, 2.0])
    np.testing.assert_array_equal(tg.grad(lambda x: tg.sum(tg.maximum(x, other)))(np.ones(2)), [0.5, 0.0])


def test_complex_checkpoints_and_reserved_names(tmp_path):
    params = {"w": np.array([1 + 2j, 3j]), "v": np.ones(2, np.complex64)}
    tg.checkpoint.save(tmp_path / "c.npz", params)
    back = tg.checkpoint.load(tmp_path / "c.npz")
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])
        assert back[k].dtype == params[k].dtype
    with pytest.raises(ValueError, match="buffer:"):
        tg.checkpoint.save(tmp_path / "b.npz", {"buffer:w": np.ones(2)})


def test_np_array_refuses_a_cast_it_is_told_not_to_copy_for():
    t = tg.tensor([1.0, 2.0])
    with pytest.raises(ValueError, match="Unable to avoid copy"):
        np.array(t, dtype=np.float32, copy=False)
    assert np.array(t, dtype=np.float64, copy=False).dtype == np.float64
    assert np.asarray(t, dtype=np.float32).dtype == np.float32


def test_dlpack_export_and_parameter_isinstance():
    t = tg.tensor(np.arange(6.0).reshape(2, 3))
    back = np.from_dlpack(t)                     # (what torch.tensor(t) reads)
    np.testing.assert_array_equal(back, np.arange(6.0).reshape(2, 3))
    assert t.__dlpack_device__() == (1, 0)
    with pytest.raises(TypeError, match="requires grad"):
        np.from_dlpack(tg.tensor([1.0], requires_grad=True))
    p = tg.nn.Parameter(np.ones(2))
    assert isinstance(p, tg.nn.Parameter) and isinstance(p, tg.Tensor) and p.requires_grad
    assert not isinstance(tg.tensor([1.0]), tg.nn.Parameter)
    assert not isinstance(np.ones(1), tg.nn.Parameter)


def test_deepcopy_of_a_model_after_create_graph_copies_the_gradients_values():
    layer = tg.nn.Linear(2, 1)
    layer.init(0)
    layer.requires_grad_()
    tg.sum(layer(np.ones((1, 2))) ** 2).backward(create_graph=True)
    twin = copy.deepcopy(layer)
    for a, b in zip(layer.parameters(), twin.parameters()):
        assert b is not a and b.requires_grad
        np.testing.assert_array_equal(b.grad, np.asarray(tg.stop_gradient(a.grad)))


def test_dlpack_exports_a_copy_and_a_cast_keeps_removable_hooks():
    t = tg.tensor([1.0, 2.0])
    out = np.from_dlpack(t)      # (torch ignores DLPack's read-only flag: it must get a copy)
    out += 100
    np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0])
    np.testing.assert_array_equal(np.from_dlpack(t), [1.0, 2.0])
    layer = tg.nn.Linear(2, 1)
    layer.requires_grad_()
    calls = []
    handle = layer.params["W"].register_hook(lambda g: calls.append(1))
    layer.float()
    handle.remove()                                  # (made before the cast: still removes it)
    layer(tg.tensor(np.ones((1, 2), np.float32))).sum().backward()
    assert calls == []
