"""An optimizer written PyTorch's way, subclassing ``tg.optim.Optimizer`` with ``__init__(params,
...)`` calling ``super().__init__(params, defaults)`` and its own ``step``: PyTorch's base
class (param_groups, per-parameter state, zero_grad, add_param_group, state_dict). Each is
checked against tensorgrad's built-in optimizer with the same rule, whose trajectories equal
PyTorch's."""
import copy
import pickle

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.optim.optimizer import Optimizer, required


class HandAdam(tg.optim.Optimizer):
    def __init__(self, params, lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay))

    @tg.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            b1, b2 = group["betas"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                grad = p.grad
                if group["weight_decay"]:
                    grad = grad.add(p, alpha=group["weight_decay"])
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = tg.zeros_like(p)
                    state["exp_avg_sq"] = tg.zeros_like(p)
                state["step"] += 1
                m, v = state["exp_avg"], state["exp_avg_sq"]
                m.mul_(b1).add_(grad, alpha=1 - b1)
                v.mul_(b2).addcmul_(grad, grad, value=1 - b2)
                denom = (v.sqrt() / (1 - b2 ** state["step"]) ** 0.5).add_(group["eps"])
                p.addcdiv_(m, denom, value=-group["lr"] / (1 - b1 ** state["step"]))


class HandSGD(tg.optim.Optimizer):
    def __init__(self, params, lr=0.1, momentum=0.0):
        super().__init__(params, dict(lr=lr, momentum=momentum))

    def step(self, closure=None):
        with tg.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    d_p = p.grad
                    if group["momentum"]:
                        state = self.state[p]
                        if "buf" not in state:
                            state["buf"] = tg.clone(d_p).detach()
                        else:
                            state["buf"].mul_(group["momentum"]).add_(d_p)
                        d_p = state["buf"]
                    p.data.add_(d_p, alpha=-group["lr"])


rng = np.random.default_rng(0)
X, Y = rng.normal(size=(16, 4)), rng.normal(size=(16, 1))
START = [rng.normal(size=(4, 8)), rng.normal(size=8), rng.normal(size=(8, 1))]


def _train(make, steps=8):
    ps = [tg.tensor(a.copy(), requires_grad=True) for a in START]
    opt = make([{"params": ps[:2]}, {"params": ps[2:], "lr": 0.05}])
    for i in range(steps):
        opt.zero_grad()
        loss = ((tg.tanh(tg.tensor(X) @ ps[0] + ps[1]) @ ps[2] - tg.tensor(Y)) ** 2).mean()
        loss.backward()
        opt.step()
        if i == 3:  # a round trip through the state dict changes nothing
            opt.load_state_dict(opt.state_dict())
    return [np.asarray(p.detach()) for p in ps], opt


@pytest.mark.parametrize("hand, builtin", [
    (lambda g: HandAdam(g, lr=1e-2, weight_decay=0.1), lambda g: tg.optim.Adam(g, lr=1e-2, weight_decay=0.1)),
    (lambda g: HandSGD(g, lr=0.1, momentum=0.9), lambda g: tg.optim.SGD(g, lr=0.1, momentum=0.9)),
])
def test_a_pytorch_form_subclass_follows_the_builtin_rule(hand, builtin):
    got, opt = _train(hand)
    want, _ = _train(builtin)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
    assert isinstance(opt, tg.optim.Optimizer) and type(opt).__name__ in ("HandAdam", "HandSGD")
    sd = opt.state_dict()
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2]]
    assert sd["param_groups"][1]["lr"] == 0.05 and sd["param_groups"][0]["lr"] != 0.05
    assert set(sd["state"]) == {0, 1, 2}


def test_the_base_class_of_pytorchs_form():
    net = tg.nn.Sequential(tg.nn.Linear(4, 3), tg.nn.Tanh(), tg.nn.Linear(3, 1))
    opt = HandSGD(net.parameters(), lr=0.1)  # a Module's arrays: the Module's tensors
    sched = tg.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    before = [np.asarray(p.detach()).copy() for p in net.parameters()]
    ((net(tg.tensor(X)) - tg.tensor(Y)) ** 2).mean().backward()
    grads = [np.asarray(p.grad).copy() for p in net.parameters()]
    opt.step()
    sched.step()
    for b, g, p in zip(before, grads, net.parameters()):
        np.testing.assert_allclose(np.asarray(p.detach()), b - 0.1 * g, rtol=1e-14)
    assert opt.param_groups[0]["lr"] == 0.05
    opt.zero_grad()
    assert all(p.grad is None for p in net.parameters())
    extra = tg.tensor(np.ones(2), requires_grad=True)
    opt.add_param_group({"params": [extra], "lr": 1.0})
    assert opt.param_groups[1]["momentum"] == 0.0  # (the defaults fill the new group)
    with pytest.raises(ValueError, match="more than once"):
        opt.add_param_group({"params": [extra]})
    with pytest.raises(ValueError, match="empty parameter list"):
        HandSGD([])
    with pytest.raises(ValueError, match="do not match"):
        opt.load_state_dict(HandSGD([extra]).state_dict())


def test_a_subclass_of_a_builtin_keeps_its_rule_signature_and_own_methods():
    # class A(torch.optim.Adam) with extra methods: PyTorch's signature (betas=...) and rule;
    # torch gave the same trajectory (2e-17 apart over five steps)
    class Logged(tg.optim.Adam):
        def lr_now(self):
            return self.param_groups[0]["lr"]

    W = rng.normal(size=(3, 2))
    mine, ref = (tg.tensor(W.copy(), requires_grad=True) for _ in range(2))
    opt = Logged([mine], lr=0.1, betas=(0.8, 0.9))
    base = tg.optim.Adam([ref], lr=0.1, betas=(0.8, 0.9))
    for _ in range(5):
        for o, w in ((opt, mine), (base, ref)):
            o.zero_grad()
            (w * w).sum().backward()
            o.step()
    np.testing.assert_array_equal(np.asarray(mine.detach()), np.asarray(ref.detach()))
    assert isinstance(opt, Logged) and isinstance(opt, tg.optim.Adam) and opt.lr_now() == 0.1
    with pytest.raises(AttributeError, match="'Logged' optimizer has no attribute 'nothing'"):
        opt.nothing


def test_the_state_of_a_pytorch_form_subclass_is_keyed_by_the_tensors():
    ps = [tg.tensor(a.copy(), requires_grad=True) for a in START]
    opt = HandSGD(ps, lr=0.1, momentum=0.9)
    ((tg.tanh(tg.tensor(X) @ ps[0] + ps[1]) @ ps[2]) ** 2).sum().backward()
    opt.step()
    assert [k is p for k, p in zip(opt.state.keys(), ps)] == [True] * 3
    assert all(k is p and "buf" in v for (k, v), p in zip(opt.state.items(), ps))
    assert list(opt.state)[0] is ps[0] and ps[1] in opt.state
    # (PyTorch's memory formats are accepted and change nothing)
    z = tg.zeros_like(ps[0], memory_format=tg.preserve_format)
    assert z.shape == ps[0].shape and not z.requires_grad


def test_subclasses_of_builtins_that_override_step_or_init_are_refused_in_pytorchs_form():
    # the override would run on the functional rule's arguments (a step clipping p.grad was
    # silently ignored); LBFGS (a built-in whose own step takes a closure) subclasses cleanly
    w = tg.tensor(np.array([3.0, -2.0]), requires_grad=True)

    class Clipped(tg.optim.SGD):
        def step(self, closure=None):
            return super().step(closure)

    class Warm(tg.optim.Adam):
        def __init__(self, params, lr=1e-3, warm=5):
            super().__init__(params, lr=lr)
    with pytest.raises(NotImplementedError, match="subclass of tensorgrad's SGD that defines its own step"):
        Clipped([w], lr=0.1)
    with pytest.raises(NotImplementedError, match="Adam that defines its own __init__"):
        Warm([w])

    class Counting(tg.optim.SGD):  # (its zero_grad would never have run)
        def zero_grad(self, set_to_none=True):
            super().zero_grad(set_to_none)
    with pytest.raises(NotImplementedError, match="defines its own zero_grad"):
        Counting([w], lr=0.1)

    class Quasi(tg.optim.LBFGS):
        pass
    opt = Quasi([w], lr=1.0)

    def closure():
        opt.zero_grad()
        loss = ((w - 1.0) ** 2).sum()
        loss.backward()
        return loss
    for _ in range(3):
        opt.step(closure)
    np.testing.assert_allclose(np.asarray(w.detach()), [1.0, 1.0], atol=1e-8)
    assert isinstance(opt, Quasi)


def test_a_pytorch_form_subclass_pickles_and_copies_with_its_state():
    ps = [tg.tensor(a.copy(), requires_grad=True) for a in START]
    opt = HandSGD(ps, lr=0.1, momentum=0.9)
    ((tg.tanh(tg.tensor(X) @ ps[0] + ps[1]) @ ps[2]) ** 2).sum().backward()
    opt.step()
    for again in (pickle.loads(pickle.dumps(opt)), copy.deepcopy(opt)):
        assert isinstance(again, HandSGD) and type(again).__name__ == "HandSGD"
        params = again.param_groups[0]["params"]
        assert all(k is p for k, p in zip(again.state.keys(), params))
        for p, q in zip(params, ps):
            np.testing.assert_array_equal(again.state[p]["buf"], opt.state[q]["buf"])


def test_torch_optim_optimizer_names_and_required_defaults():
    # from torch.optim.optimizer import Optimizer, required (older custom optimizers' import)
    assert Optimizer is tg.optim.Optimizer and repr(required) == "<required parameter>"

    class Needs(Optimizer):
        def __init__(self, params, lr=required):
            super().__init__(params, dict(lr=lr))

        def step(self, closure=None):
            pass
    w = tg.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match="didn't specify a value of required optimization parameter lr"):
        Needs([w])
    assert Needs([{"params": [w], "lr": 0.5}]).param_groups[0]["lr"] == 0.5
