"""A tg.autograd.Function run by a transform (tg.grad, tg.vjp, tg.jvp, tg.jacfwd,
tg.autograd.functional) on tensors that require grad: the imperative tape sees the Function
too, so the transform's results are differentiated there as PyTorch differentiates
torch.func's. Expected values are closed forms (checked against torch.func when written)."""
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import imperative_sweep


class Cube(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return 3 * g * x ** 2

    @staticmethod
    def jvp(ctx, t):
        x, = ctx.saved_tensors
        return 3 * t * x ** 2


class KeepsExp(tg.autograd.Function):
    """Keeps a value its forward computed (exp(x)) on ctx, not through save_for_backward."""

    @staticmethod
    def forward(ctx, x):
        ctx.e = x.exp()
        return x * 1.0

    @staticmethod
    def backward(ctx, g):
        return g * ctx.e

    @staticmethod
    def jvp(ctx, t):
        return t * ctx.e


class Reverse(tg.autograd.Function):
    """A gradient-reversal layer: identity forward, negated gradient."""

    @staticmethod
    def forward(ctx, x):
        return x.clone()

    @staticmethod
    def backward(ctx, g):
        return -g


class SquareAndSign(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x, k):
        ctx.save_for_backward(x)
        ctx.k = k
        positive = (x > 0).astype(np.int64)
        ctx.mark_non_differentiable(positive)
        return x * x * k, positive

    @staticmethod
    def backward(ctx, g, g_positive):
        x, = ctx.saved_tensors
        return 2 * x * g * ctx.k, None


X = np.array([0.5, -1.0, 1.5])
T = np.array([1.0, 2.0, -0.5])


def leaf():
    return tg.tensor(X.copy(), requires_grad=True)


def grad_of(y, x):
    return np.asarray(tg.autograd.grad(y, x)[0])


def test_value_of_value_and_grad_is_differentiated_through_the_function():
    x = leaf()
    value, g = tg.value_and_grad(lambda u: (Cube.apply(u) + u).sum())(x)
    np.testing.assert_allclose(np.asarray(g.detach()), 3 * X ** 2 + 1, rtol=1e-13)
    # (the tape used to see only "+ u": a silent [1, 1, 1])
    np.testing.assert_allclose(grad_of(value, x), 3 * X ** 2 + 1, rtol=1e-13)


def test_second_derivative_through_a_transform_on_the_tape():
    x = leaf()
    J = tg.autograd.functional.jacobian(lambda u: Cube.apply(u) + u ** 2, x, create_graph=True)
    np.testing.assert_allclose(np.asarray(J.detach()), np.diag(3 * X ** 2 + 2 * X), rtol=1e-13)
    np.testing.assert_allclose(grad_of(J.sum(), x), 6 * X + 2, rtol=1e-13)
    g = tg.func.grad(lambda u: Cube.apply(u).sum())(x)  # (the Function alone: was a constant)
    assert g.requires_grad
    np.testing.assert_allclose(grad_of(g.sum(), x), 6 * X, rtol=1e-13)
    out, vjp_fn = tg.func.vjp(lambda u: Cube.apply(Cube.apply(u) * u), x)  # u ** 12
    (d_out,) = tg.autograd.grad(out.sum(), x, retain_graph=True)
    np.testing.assert_allclose(np.asarray(d_out), 12 * X ** 11, rtol=1e-12)
    (ct,) = vjp_fn(tg.ones(3))
    np.testing.assert_allclose(grad_of(ct.sum(), x), 132 * X ** 10, rtol=1e-12)


def test_the_tape_applies_the_functions_own_backward():
    x = leaf()
    g = tg.grad(lambda u: (Reverse.apply(u) ** 2).sum())(x)
    np.testing.assert_allclose(np.asarray(g.detach()), -2 * X, rtol=1e-13)
    # d/dx of -2·Reverse(x), with Reverse's own backward on the tape too (torch.func's answer)
    np.testing.assert_allclose(grad_of(g.sum(), x), np.full(3, 2.0), rtol=1e-13)


def test_several_outputs_and_a_non_differentiable_one():
    x = leaf()

    def f(u):
        a, positive = SquareAndSign.apply(u, 3.0)
        return (a * positive).sum()
    value, g = tg.value_and_grad(f)(x)
    np.testing.assert_allclose(np.asarray(g.detach()), 6 * X * (X > 0), rtol=1e-13)
    np.testing.assert_allclose(grad_of(value, x), 6 * X * (X > 0), rtol=1e-13)
    np.testing.assert_allclose(grad_of(g.sum(), x), 6.0 * (X > 0), rtol=1e-13)


def test_forward_mode_on_the_tape():
    x = leaf()
    p, t = tg.jvp(lambda u: Cube.apply(u) + u, (x,), (T,))
    np.testing.assert_allclose(grad_of(p.sum(), x), 3 * X ** 2 + 1, rtol=1e-13)
    np.testing.assert_allclose(grad_of(t.sum(), x), 6 * X * T, rtol=1e-13)
    J = tg.jacfwd(lambda u: Cube.apply(u) + u)(x)
    np.testing.assert_allclose(grad_of(J.sum(), x), 6 * X, rtol=1e-13)


def test_nested_transforms_on_the_tape():
    x = leaf()
    # inside a transform the inner one's rules are ops like any other (as for arrays), so a
    # value forward kept on ctx is differentiated there too
    f = lambda u: KeepsExp.apply(u).sum() + Cube.apply(u).sum()  # noqa: E731
    gg = tg.grad(lambda u: tg.grad(f)(u).sum())(x)  # d/du (e^u + 3u²)
    np.testing.assert_allclose(np.asarray(gg.detach()), np.exp(X) + 6 * X, rtol=1e-13)
    np.testing.assert_allclose(grad_of(gg.sum(), x), np.exp(X) + 6, rtol=1e-13)
    h = tg.grad(lambda u: tg.grad(lambda w: (KeepsExp.apply(w) ** 2).sum())(u).sum())(x)
    # the inner gradient is 2w·e^w; its derivative 2(1 + w)e^w, and that one's 2(2 + w)e^w
    np.testing.assert_allclose(np.asarray(h.detach()), 2 * (1 + X) * np.exp(X), rtol=1e-12)
    np.testing.assert_allclose(grad_of(h.sum(), x), 2 * (2 + X) * np.exp(X), rtol=1e-12)
    jj = tg.jvp(lambda u: tg.jvp(lambda w: Cube.apply(w), (u,), (T,))[1], (x,), (T,))[1]
    np.testing.assert_allclose(grad_of(jj.sum(), x), 6 * T * T, rtol=1e-13)


def test_values_forward_kept_on_ctx_are_constants_there_as_in_pytorch():
    x = leaf()
    g = tg.grad(lambda u: KeepsExp.apply(u).sum())(x)
    np.testing.assert_allclose(np.asarray(g), np.exp(X), rtol=1e-13)  # first: right
    # (its rule read only a value forward kept: the gradient is a constant, which cannot be
    # differentiated again, rather than a zero that would be wrong)
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.autograd.grad(g.sum(), x)
    p, t = tg.jvp(lambda u: KeepsExp.apply(u), (x,), (T,))
    np.testing.assert_allclose(grad_of(p.sum(), x), np.exp(X), rtol=1e-13)
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.autograd.grad(t.sum(), x)
    # a mask kept on ctx, times a tensor of the tape downstream: the mask's derivative is 0
    s = tg.tensor(1.5, requires_grad=True)
    g = tg.grad(lambda u: Mask.apply(u * s).sum())(X)
    np.testing.assert_allclose(np.asarray(g.detach()), 1.5 * (X > 0), rtol=1e-13)
    g.sum().backward()
    np.testing.assert_allclose(np.asarray(s.grad), np.sum(X > 0), rtol=1e-13)


class Mask(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.m = (x > 0) * 1.0
        return x * ctx.m

    @staticmethod
    def backward(ctx, g):
        return g * ctx.m


class Mul(tg.autograd.Function):
    """PyTorch's LinearFunction pattern: a gradient only where needs_input_grad asks."""

    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x * w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        return (g * w if ctx.needs_input_grad[0] else None,
                g * x if ctx.needs_input_grad[1] else None)


class SinCos(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(False)
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, ga, gb):
        x, = ctx.saved_tensors
        r = x * 0
        if ga is not None:
            r = r + ga * x.cos()
        if gb is not None:
            r = r - gb * x.sin()
        return r


class TimesExp(tg.autograd.Function):
    """x·exp(x), its forward calling another Function (Exp, which has a jvp)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return Exp.apply(x) * x

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x.exp() * (x + 1)


class Exp(tg.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.exp()

    @staticmethod
    def backward(ctx, g):
        x, = ctx.saved_tensors
        return g * x.exp()

    @staticmethod
    def jvp(ctx, t):
        x, = ctx.saved_tensors
        return t * x.exp()


def test_flags_and_functions_calling_functions_on_the_tape():
    w = tg.tensor(np.array([2.0, 3.0, -1.0]), requires_grad=True)
    g = tg.grad(lambda u: Mul.apply(u, w).sum())(X)  # (u is differentiated: needs its gradient)
    np.testing.assert_allclose(np.asarray(g.detach()), [2.0, 3.0, -1.0])
    g.sum().backward()
    np.testing.assert_allclose(np.asarray(w.grad), np.ones(3))
    x = leaf()
    g = tg.grad(lambda u: sum(o.sum() for o in SinCos.apply(u)))(x)  # (materialize_grads off)
    np.testing.assert_allclose(np.asarray(g.detach()), np.cos(X) - np.sin(X), rtol=1e-13)
    np.testing.assert_allclose(grad_of(g.sum(), x), -np.sin(X) - np.cos(X), rtol=1e-13)
    (value, _), _ = tg.jvp(tg.value_and_grad(lambda u: TimesExp.apply(u).sum()), (x,), (T,))
    np.testing.assert_allclose(grad_of(value, x), np.exp(X) * (X + 1), rtol=1e-13)


def test_arrays_are_untouched():
    g = tg.grad(lambda u: Cube.apply(u).sum())(X)
    assert type(g) is np.ndarray
    np.testing.assert_allclose(g, 3 * X ** 2, rtol=1e-13)
    H = tg.hessian(lambda u: (KeepsExp.apply(u) ** 2).sum())(X)
    np.testing.assert_allclose(H, np.diag(2 * (1 + X) * np.exp(X)), rtol=1e-12)


def test_a_transforms_sweep_leaves_no_note_for_the_tapes_sweeps():
    # (a note that a Function's constant gradient read values its forward kept belongs to a
    # sweep of the tape; a transform's sweep must not leave one for whatever sweep comes next)
    x = leaf()
    before = len(imperative_sweep._UNLINKED.seen)
    for _ in range(3):
        tg.grad(lambda u: KeepsExp.apply(u).sum())(x)
    assert len(imperative_sweep._UNLINKED.seen) == before
