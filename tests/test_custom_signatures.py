"""custom_jvp / custom_vjp: default arguments reach the rules; JAX's symbolic_zeros form."""
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.custom import CustomVJPPrimal

X = np.array([1.0, 2.0, 3.0])


def test_default_arguments_reach_the_rules():
    @tg.custom_jvp
    def f(a, s=2.0):
        return a * s

    @f.defjvp
    def f_jvp(primals, tangents):
        a, s = primals              # the default comes in too, as in JAX
        ta, ts = tangents
        return a * s, ta * s * 100 + ts * a

    @tg.custom_vjp
    def g(a, s=2.0):
        return a * s

    g.defvjp(lambda a, s=2.0: (a * s, (a, s)), lambda r, ct: (ct * r[1] * 100, None))
    for fn in (f, g):
        np.testing.assert_allclose(tg.grad(lambda a: tg.sum(fn(a)))(X), 200.0)
        np.testing.assert_allclose(tg.grad(lambda a: tg.sum(fn(a, 3.0)))(X), 300.0)
        np.testing.assert_allclose(tg.grad(lambda a: tg.sum(fn(a, s=0.5)))(X), 50.0)
        np.testing.assert_allclose(fn(X), 2 * X)


def test_custom_vjp_symbolic_zeros_form():
    seen = []

    @tg.custom_vjp
    def f(a, b):
        return a * b

    def fwd(a, b):
        assert isinstance(a, CustomVJPPrimal) and isinstance(b, CustomVJPPrimal)
        seen.append((a.perturbed, b.perturbed))
        return a.value * b.value, (a.value, b.value)

    def bwd(res, g):
        a, b = res
        return g * b, None  # None: a zero cotangent

    f.defvjp(fwd, bwd, symbolic_zeros=True, optimize_remat=False)
    y = X[::-1].copy()
    np.testing.assert_allclose(tg.grad(lambda a: tg.sum(f(a, y)))(X), y)
    assert seen[-1] == (True, False)
    np.testing.assert_allclose(tg.grad(lambda b: tg.sum(f(X, b)))(y), 0.0)  # (bwd's None)
    assert seen[-1] == (False, True)
    # the imperative tape, and a second derivative through the recorded sweep
    t = tg.tensor(X, requires_grad=True)
    (g,) = tg.autograd.grad(tg.sum(f(t, y) * t), [t], create_graph=True)
    np.testing.assert_allclose(g.detach(), 2 * X * y)
    (h,) = tg.autograd.grad(tg.sum(g), [t])
    np.testing.assert_allclose(h, 2 * y)
    with pytest.raises(TypeError, match="unexpected keyword"):
        f.defvjp(fwd, bwd, symbolic=True)
