"""tg.optim's optimizers in PyTorch's form: built on imperative tensors, stepped in place."""
import io
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.tensor import concrete

rng = np.random.default_rng(0)
X, Y = rng.normal(size=(16, 4)), rng.integers(0, 3, 16)


def _model():
    m = tg.nn.Sequential(tg.nn.Linear(4, 8), tg.nn.Tanh(), tg.nn.Linear(8, 3))
    m.init(0)
    return m


@pytest.mark.parametrize("name, options", [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01))])
def test_pytorch_loop_equals_the_functional_form(name, options):
    # PyTorch's loop: zero_grad, forward, backward, step, scheduler step
    m = _model()
    params = tg.tree_map(np.copy, m.params)
    m.requires_grad_()
    opt = getattr(tg.optim, name)(m.parameters(), **options)
    sched = tg.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    # the same with the functional form, the gradient from tg.grad
    ref = getattr(tg.optim, name)(**options)
    ref_sched = tg.optim.lr_scheduler.StepLR(ref, step_size=2, gamma=0.5)
    state = ref.init(params)
    loss_fn = lambda p: tg.nn.cross_entropy(m.apply(p, X), Y)  # noqa: E731
    for _ in range(5):
        opt.zero_grad()
        loss = tg.nn.cross_entropy(m(X), Y)
        loss.backward()
        opt.step()
        sched.step()
        params, state = ref.step(params, tg.grad(loss_fn)(params), state)
        ref_sched.step()
    for a, b in zip(m.parameters(), tg.tree_leaves(params)):
        assert isinstance(a, tg.Tensor) and a.requires_grad
        np.testing.assert_allclose(a.detach(), b, rtol=1e-12, atol=1e-14)
    assert opt.param_groups[0]["lr"] == sched.get_last_lr()[0] == options["lr"] * 0.25


def test_param_groups_zero_grad_and_skipped_parameters():
    a = tg.tensor(np.ones(3), requires_grad=True)
    b = tg.tensor(np.ones(2), requires_grad=True)
    c = tg.tensor(np.ones(1), requires_grad=True)
    opt = tg.optim.SGD([{"params": [a]}, {"params": [b, c], "lr": 0.5}], lr=0.1)
    tg.sum(2 * a).backward()
    tg.sum(3 * b).backward()
    opt.step()  # c has no .grad: skipped, as in PyTorch
    np.testing.assert_allclose(a.detach(), 0.8)
    np.testing.assert_allclose(b.detach(), -0.5)
    np.testing.assert_array_equal(c.detach(), 1.0)
    opt.param_groups[0]["lr"] = 1.0  # read by the next step
    opt.zero_grad()
    assert a.grad is None and b.grad is None
    tg.sum(a).backward()
    opt.step()
    np.testing.assert_allclose(a.detach(), -0.2)
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0], [1, 2]]
    assert [g["lr"] for g in sd["param_groups"]] == [1.0, 0.5]


def test_closure_and_state_dict_round_trip():
    w = tg.tensor(np.array([2.0, -1.0]), requires_grad=True)
    opt = tg.optim.Adam([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = tg.sum(w ** 2)
        loss.backward()
        return loss

    first = float(opt.step(closure))
    assert first == 5.0
    saved = opt.state_dict()
    w2 = tg.tensor(w.detach().copy(), requires_grad=True)
    opt2 = tg.optim.Adam([w2], lr=0.1)
    opt2.load_state_dict(saved)
    for o, t in ((opt, w), (opt2, w2)):
        o.zero_grad()
        tg.sum(t ** 2).backward()
        o.step()
    np.testing.assert_allclose(w2.detach(), w.detach(), rtol=1e-15)


def test_pytorchs_form_is_an_instance_of_its_optimizer_class():
    # d2l's training loops branch on isinstance(updater, torch.optim.Optimizer)
    t = tg.tensor(np.ones(2), requires_grad=True)
    opt = tg.optim.SGD([t], lr=0.1)
    assert isinstance(opt, tg.optim.Optimizer) and isinstance(opt, tg.optim.SGD)
    assert not isinstance(opt, tg.optim.Adam) and not isinstance(object(), tg.optim.Optimizer)
    assert isinstance(tg.optim.AdamW([t]), tg.optim.Adam) == issubclass(tg.optim.AdamW, tg.optim.Adam)
    assert isinstance(tg.optim.Adam(1e-3), tg.optim.Optimizer)  # the functional form, as before


def test_what_pytorchs_form_refuses():
    with pytest.raises(TypeError, match="parameter 0 is a ndarray, not a tensor that requires grad"):
        tg.optim.SGD([np.ones(3)], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        tg.optim.SGD([], lr=0.1)
    t = tg.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="more than one parameter group"):
        tg.optim.SGD([{"params": [t]}, {"params": [t]}], lr=0.1)
    with pytest.raises(ValueError, match="parameter 1 appears twice in its parameter group"):
        tg.optim.SGD([t, t], lr=0.1)  # (PyTorch warns, then updates it twice)
    with pytest.raises(RuntimeError, match="`fused` and `foreach` cannot be `True` together"):
        tg.optim.Adam([t], fused=True, foreach=True)
    with pytest.raises(ValueError, match=r"LambdaLR: expected one lr_lambda per parameter group \(2\)"):
        u = tg.tensor(np.ones(2), requires_grad=True)
        tg.optim.lr_scheduler.LambdaLR(tg.optim.SGD([{"params": [t]}, {"params": [u]}], lr=0.1),
                                       [abs])
    m = _model().requires_grad_(True)
    assert all(p.requires_grad for p in m.parameters())
    m.requires_grad_(False)
    assert not any(p.requires_grad for p in m.parameters())


def test_an_optimizer_made_on_a_models_parameters_makes_them_tensors_as_pytorchs_are():
    # PyTorch's script: no requires_grad_() call; the optimizer made on model.parameters() runs
    # it, holds the tensors, and trains exactly as after an explicit call
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(16, 3)), rng.normal(size=(16, 1))
    losses = []
    for explicit in (False, True):
        model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 1))
        model.init(1)
        if explicit:
            model.requires_grad_()
        opt = tg.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        assert [p is q for p, q in zip(opt.param_groups[0]["params"], model.parameters())] == [True] * 4
        run = []
        for _ in range(5):
            opt.zero_grad()
            loss = ((model(X) - y) ** 2).mean()
            loss.backward()
            opt.step()
            run.append(float(loss))
        losses.append(run)
    assert losses[0] == losses[1] and losses[0][-1] < losses[0][0]
    # parameter groups of layers; named parameters
    net = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 2))
    opt = tg.optim.Adam([{"params": net[0].parameters(), "lr": 0.01}, {"params": net[2].parameters()}])
    assert all(isinstance(p, tg.Tensor) and p.requires_grad for p in net.parameters())
    assert opt.param_groups[1]["params"][0] is net.parameters()[2]
    lin = tg.nn.Linear(2, 1)
    tg.optim.SGD(lin.named_parameters(), lr=0.1)
    assert isinstance(lin.bias, tg.Tensor) and lin.bias.requires_grad
    # frozen stays frozen: tensors that do not require grad, kept and skipped
    frozen = tg.nn.Sequential(tg.nn.Linear(2, 2), tg.nn.Linear(2, 1))
    frozen[0].requires_grad_(False)
    tg.optim.SGD(frozen.parameters(), lr=0.1)
    assert [p.requires_grad for p in frozen.parameters()] == [False, False, True, True]
    whole = tg.nn.Linear(2, 2).requires_grad_(False)
    opt = tg.optim.SGD(whole.parameters(), lr=0.1)
    assert [p.requires_grad for p in opt.param_groups[0]["params"]] == [False, False]
    # an array its Module no longer holds is refused, not silently left untrained
    lin = tg.nn.Linear(2, 1)
    old = lin.parameters()
    lin.params = tg.tree_map(lambda a: a + 0.0, lin.params)
    with pytest.raises(TypeError, match="parameter 0 is a ParamArray, not a tensor that requires grad"):
        tg.optim.SGD(old, lr=0.1)
    with pytest.raises(RuntimeError, match="no longer a parameter of the Module"):
        old[0].requires_grad = False


def test_parameter_arrays_have_pytorchs_parameter_attributes():
    # PyTorch's idioms on model.parameters() before any optimizer: counting, freezing
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 2))
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == 26
    p = model.parameters()[0]
    assert p.grad is None and p.is_leaf and p.dim() == 2 and p.base is model.params[0]["W"]
    p[0, 0] = 7.0  # a view: writes reach the model (as PyTorch's parameter is the model's)
    assert model.params[0]["W"][0, 0] == 7.0
    for q in model[0].parameters():  # fine-tuning: freeze the first layer
        q.requires_grad = False
    assert [q.requires_grad for q in model.parameters()] == [False, False, True, True]
    assert sum(q.numel() for q in model.parameters() if q.requires_grad) == 10
    opt = tg.optim.SGD(model.parameters(), lr=0.1)
    W0, W2 = (np.array(concrete(model.params[i]["W"])) for i in (0, 1))
    tg.sum(model(np.ones((2, 3))) ** 2).backward()
    opt.step()
    assert model.params[0]["W"].grad is None and np.array_equal(concrete(model.params[0]["W"]), W0)
    assert not np.array_equal(concrete(model.params[1]["W"]), W2)
    assert model.parameters()[0].requires_grad_(True) is model.params[0]["W"]
    assert model.params[0]["W"].requires_grad
    frozen = tg.nn.Linear(2, 2).requires_grad_(False)
    assert [q.requires_grad for q in frozen.parameters()] == [False, False]


def test_parameter_arrays_listed_before_the_optimizer_stay_honest():
    # PyTorch's `params = [p for p in model.parameters() if p.requires_grad]; opt = Adam(params)`,
    # then clip_grad_norm_(params): the list holds arrays whose tensors the optimizer made
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 1))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = tg.optim.SGD(params, lr=0.1)
    ((model(X) - y) ** 2).mean().backward()
    held = opt.param_groups[0]["params"]
    assert all(p.grad is t.grad and t.grad is not None for p, t in zip(params, held))
    norm = tg.nn.utils.clip_grad_norm_(params, 1e-3)   # clips the model's gradients
    assert float(norm) > 1e-3
    total = np.sqrt(sum(np.sum(np.asarray(t.grad) ** 2) for t in held))
    np.testing.assert_allclose(total, 1e-3, rtol=1e-5)
    # a write to such an array would be lost: refused, whichever way it is written
    w = params[0]
    for write in (lambda: w.__setitem__(0, 1.0), lambda: w.mul_(0.5), lambda: w.data.zero_(),
                  lambda: w.__isub__(0.1), lambda: w.fill_(0.0), lambda: np.copyto(w, 1.0),
                  lambda: np.add(w, 1.0, out=w), lambda: w.fill(0.0), lambda: w.sort()):
        with pytest.raises(RuntimeError, match="no longer the parameter"):
            write()
    # ... and so would a computation with its old values (an L2 term on the kept list)
    for read in (lambda: sum(tg.sum(p ** 2) for p in params), lambda: np.sum(w), lambda: w.norm()):
        with pytest.raises(RuntimeError, match="its values are old ones"):
            read()
    # clipping a model no optimizer converted leaves its weights alone (no gradient yet)
    fresh = tg.nn.Linear(3, 2)
    before = [np.array(p) for p in fresh.parameters()]
    tg.nn.utils.clip_grad_norm_(fresh.parameters(), 1e-6)
    tg.nn.utils.clip_grad_value_(fresh.parameters(), 1e-6)
    assert all(np.array_equal(a, b) for a, b in zip(before, fresh.parameters()))


def test_parameter_lists_read_as_pytorchs_generators_and_keep_their_writes():
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 2))
    ps = model.parameters()
    assert next(ps).shape == (3, 4) and next(ps).shape == (4,)
    assert len(tg.tree_leaves(ps)) == 4  # (as a pytree: whole)
    assert [p.shape for p in ps] == [(4, 2), (2,)]  # (a loop goes on from there, as PyTorch's)
    assert next(model.named_parameters())[0] == "0.W" and next(model.parameters()).dtype == np.float64
    assert tg.tree_map(lambda a: a * 0, model.parameters())[0].sum() == 0  # still a pytree (a list)
    # an init through a layer's parameters() before the model's first use is kept
    net = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 2))
    for p in net[0].parameters():
        tg.nn.init.zeros_(p)
    assert np.all(net(np.ones((2, 3)))[:, :] == net[2](np.zeros((2, 4))))
    # a slice or a copy is not the parameter
    w = net[2].parameters()[0]
    assert not w[0].requires_grad and not w.copy().requires_grad and w.requires_grad
    with pytest.raises(RuntimeError, match="slice or a copy"):
        w.T.requires_grad = False
    assert isinstance(w.copy().requires_grad_(), tg.Tensor) and w.requires_grad
    with pytest.raises(TypeError, match="not a tensor that requires grad"):
        tg.optim.SGD([w[0]], lr=0.1)
    # saved and loaded as plain arrays (weights_only)
    buf = io.BytesIO()
    tg.save(dict(net.named_parameters()), buf)
    buf.seek(0)
    back = tg.load(buf)
    assert type(back["2.W"]) is np.ndarray and np.array_equal(back["2.W"], w)


def test_an_optimizer_over_one_layer_makes_the_whole_models_parameters_require_grad():
    # PyTorch's parameters all require grad from the start: an optimizer over the head alone
    # still leaves the body's .grad filled by backward(), and clip_grad_norm_ over the whole
    # model counts it. tensorgrad made only the head's parameters tensors, so the body's .grad
    # stayed None while its requires_grad said True, and the clipped steps differed silently
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    model = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 2))
    params = model.init(0)
    opt = tg.optim.SGD(model[2].parameters(), lr=0.5)
    opt.zero_grad()
    ((model(tg.tensor(X)) - Y) ** 2).mean().backward()
    grads = tg.grad(lambda p: tg.mean((model(X, params=p) - Y) ** 2))(params)
    body = [p for p in model[0].parameters()]
    assert all(p.requires_grad and p.grad is not None for p in body)
    np.testing.assert_allclose(np.asarray(model[0].W.grad), grads[0]["W"], rtol=1e-12)
    want = np.sqrt(sum(np.sum(g ** 2) for g in tg.tree_leaves(grads)))
    got = float(tg.nn.utils.clip_grad_norm_(model.parameters(), 0.1))
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # a layer frozen on its own stays frozen
    model2 = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 2))
    model2.init(1)
    model2[0].requires_grad_(False)
    tg.optim.SGD(model2[2].parameters(), lr=0.5)
    assert not any(p.requires_grad for p in model2[0].parameters())
    assert all(p.requires_grad for p in model2[2].parameters())


def test_a_group_of_one_parameter_given_bare_as_pytorch_takes_it():
    # d2l's weight decay on the weight only: {"params": net[0].weight, "weight_decay": wd}
    net = tg.nn.Sequential(tg.nn.Linear(3, 2))
    opt = tg.optim.SGD([{"params": net[0].W, "weight_decay": 0.5}, {"params": net[0].bias}], lr=0.1)
    assert [len(g["params"]) for g in opt.param_groups] == [1, 1]
    W0, b0 = net[0].W.detach().numpy().copy(), net[0].bias.detach().numpy().copy()
    x = np.ones((4, 3))
    net(tg.tensor(x)).sum().backward()
    opt.step()
    # gradients of sum(x @ W + b): x.T @ ones for W, 4 for each bias entry; decay on W only
    np.testing.assert_allclose(net[0].W.detach().numpy(), W0 - 0.1 * (x.T @ np.ones((4, 2)) + 0.5 * W0),
                               rtol=1e-14)
    np.testing.assert_allclose(net[0].bias.detach().numpy(), b0 - 0.1 * 4.0, rtol=1e-14)
