"""A Module with parameters held at two places of a model (PyTorch's weight tying by assigning
one Module twice) is refused with a clear error. Before, each place got its own entry in the
parameter pytree, forward read only the last place's entry, and the gradient of the first
place's parameters was silently zero (``functional_call`` ignored the arrays it was given)."""
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import nn


class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3)
        self.b = self.a

    def forward(self, x):
        return self.b(self.a(x))


class CalledTwice(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(3, 3)

    def forward(self, x):
        return self.a(self.a(x))


X = np.array([[0.5, -1.0, 2.0]])
W = np.array([[1.0, 0.2, 0.0], [0.3, -0.5, 0.1], [0.0, 0.4, 2.0]])
B = np.array([0.1, 0.0, -0.2])


def test_a_module_held_twice_is_refused_naming_both_places():
    with pytest.raises(NotImplementedError, match=r"Tied.init: the same Linear is held at two "
                                                  r"places, 'a' and 'b'.*self.a\(self.a\(x\)\)"):
        Tied().init(0)
    with pytest.raises(NotImplementedError, match="the same Linear is held at two places"):
        Tied()(X)  # (the first call initializes)
    lin = nn.Linear(3, 3)
    with pytest.raises(NotImplementedError, match=r"'0' and '1'"):
        nn.Sequential(lin, lin).init(0)
    with pytest.raises(NotImplementedError, match=r"'0' and '2.0'"):
        nn.Sequential(lin, nn.ReLU(), nn.Sequential(lin)).init(0)
    with pytest.raises(NotImplementedError, match=r"Sequential: the same Linear"):
        nn.Sequential(lin, lin).apply([lin.init(0), lin.init(1)], X)  # parameters made by hand
    with pytest.raises(NotImplementedError, match=r"'a' and 'b'"):
        tg.func.functional_call(Tied(), {}, (X,))


def test_calling_one_child_twice_shares_it_and_the_gradient_adds_up():
    m = CalledTwice()
    m.init(0)
    assert [n for n, _ in m.named_parameters()] == ["a.W", "a.b"]
    p = {"a.W": W, "a.b": B}
    out = tg.func.functional_call(m, p, (X,))
    np.testing.assert_allclose(out, (X @ W + B) @ W + B, rtol=1e-14)
    g = tg.grad(lambda q: tg.sum(tg.func.functional_call(m, q, (X,))))(p)
    eps, fd = 1e-6, np.zeros_like(W)
    f = lambda w: np.sum((X @ w + B) @ w + B)  # noqa: E731
    for i in range(3):
        for j in range(3):
            e = np.zeros_like(W)
            e[i, j] = eps
            fd[i, j] = (f(W + e) - f(W - e)) / (2 * eps)
    np.testing.assert_allclose(g["a.W"], fd, rtol=1e-7, atol=1e-8)


def test_modules_without_parameters_may_be_shared():
    act = nn.ReLU()
    seq = nn.Sequential(nn.Linear(2, 2), act, nn.Linear(2, 2), act)
    seq.init(0)
    assert seq(np.ones((1, 2))).shape == (1, 2)
