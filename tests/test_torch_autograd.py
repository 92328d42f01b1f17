"""PyTorch's torch.autograd.grad, torch.autograd.backward and torch.autograd.functional forms:
tg.autograd.grad(outputs, inputs, ...), tg.autograd.backward(tensors, ...) and
tg.autograd.functional. References are tensorgrad's own transforms (themselves checked against
JAX) and answers PyTorch 2.13 gave, written out (PyTorch is not a test dependency)."""
import copy
import gc
import re

import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.nn.functional as NF

F = tg.autograd.functional
X0 = np.array([0.3, -1.2, 2.0])
W0 = np.array([0.5, -1.0, 2.0])


def _model():
    x = tg.tensor(X0, requires_grad=True)
    w = tg.tensor(W0, requires_grad=True)
    h = tg.sin(x) * w
    return x, w, h, tg.sum(h * h) + tg.sum(w * x)


def test_grad_matches_backward_and_leaves_grad_untouched():
    x, w, h, y = _model()
    gx, gw = tg.autograd.grad(y, [x, w], retain_graph=True)
    assert x.grad is None and w.grad is None  # (PyTorch: autograd.grad fills no .grad)
    y.backward()
    np.testing.assert_allclose(gx, x.grad, rtol=1e-14)
    np.testing.assert_allclose(gw, w.grad, rtol=1e-14)
    want = tg.grad(lambda a, b: tg.sum((tg.sin(a) * b) ** 2) + tg.sum(b * a), (0, 1))(X0, W0)
    np.testing.assert_allclose(gx, want[0], rtol=1e-13)
    np.testing.assert_allclose(gw, want[1], rtol=1e-13)
    assert isinstance(gx, tg.autograd.function.GradArray) and gx.flags.writeable
    # PyTorch's flags of a gradient made without create_graph (a ported assertion reads them)
    assert not gx.requires_grad and gx.is_leaf and gx.grad_fn is None
    assert not x.grad.requires_grad and x.grad.is_leaf and not x.data.requires_grad


def test_grad_with_respect_to_an_intermediate_result():
    x, w, h, y = _model()
    (gh,) = tg.autograd.grad(y, h)
    np.testing.assert_allclose(gh, 2 * np.sin(X0) * W0, rtol=1e-14)
    # keyword form, and the intermediate and a leaf together
    x, w, h, y = _model()
    gh2, gx = tg.autograd.grad(outputs=[y], inputs=(h, x))
    np.testing.assert_allclose(gh2, gh, rtol=1e-14)
    np.testing.assert_allclose(gx, 2 * np.sin(X0) * W0 ** 2 * np.cos(X0) + W0, rtol=1e-13)


def test_grad_at_an_intermediate_leaves_the_graph_below_it_for_a_later_backward():
    # PyTorch runs only the nodes between the outputs and the inputs: y's own node (exp) is
    # not run, so its saved values are still there for a backward through it afterwards
    x = tg.tensor(X0, requires_grad=True)
    y = tg.exp(x)
    (gy,) = tg.autograd.grad(tg.sum(tg.sin(y)), y)
    np.testing.assert_allclose(gy, np.cos(np.exp(X0)), rtol=1e-14)
    tg.sum(2 * y).backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp(X0), rtol=1e-14)
    # the part the sweep ran is freed: the same grad again raises
    x = tg.tensor(X0, requires_grad=True)
    y = tg.exp(x)
    z = tg.sum(tg.sin(y))
    tg.autograd.grad(z, y)
    with pytest.raises(RuntimeError, match="freed"):
        tg.autograd.grad(z, y)
    # an input the sweep goes on through (to x) is freed as PyTorch frees it
    x = tg.tensor(X0, requires_grad=True)
    y = tg.exp(x)
    tg.autograd.grad(tg.sum(y * y), [y, x])
    with pytest.raises(RuntimeError, match="freed"):
        tg.sum(y).backward()


def test_the_graph_is_freed_unless_retained():
    x, w, h, y = _model()
    tg.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="freed"):
        tg.autograd.grad(y, x)
    x, w, h, y = _model()
    a = tg.autograd.grad(y, x, retain_graph=True)[0]
    np.testing.assert_array_equal(tg.autograd.grad(y, x)[0], a)


def test_create_graph_differentiates_again():
    x = tg.tensor(X0, requires_grad=True)
    y = tg.sum(tg.sin(x) * x ** 2)
    (g,) = tg.autograd.grad(y, x, create_graph=True)
    assert isinstance(g, tg.Tensor) and g.requires_grad
    np.testing.assert_allclose(g.detach().numpy(), np.cos(X0) * X0 ** 2 + 2 * X0 * np.sin(X0),
                               rtol=1e-13)
    v = np.array([1.0, -2.0, 0.5])
    (hv,) = tg.autograd.grad(tg.sum(g * v), x)
    H = tg.hessian(lambda a: tg.sum(tg.sin(a) * a ** 2))(X0)
    np.testing.assert_allclose(hv, H @ v, rtol=1e-12)


def test_grad_outputs_and_batched_grad_outputs():
    x = tg.tensor(X0, requires_grad=True)
    y = tg.exp(x) * x
    v = np.array([1.0, 2.0, -1.0])
    (g,) = tg.autograd.grad(y, x, v, retain_graph=True)
    np.testing.assert_allclose(g, v * np.exp(X0) * (1 + X0), rtol=1e-14)
    J = tg.jacrev(lambda a: tg.exp(a) * a)(X0)
    V = np.array([[1.0, 0.0, 2.0], [0.5, -1.0, 0.0]])
    (gb,) = tg.autograd.grad(y, x, V, is_grads_batched=True, retain_graph=True)
    np.testing.assert_allclose(gb, V @ J, rtol=1e-13)
    Vt = tg.tensor(V, requires_grad=True)  # a recorded batch of gradients stays recorded
    (gc,) = tg.autograd.grad(y, x, Vt, is_grads_batched=True, create_graph=True)
    assert isinstance(gc, tg.Tensor)
    np.testing.assert_allclose(gc.detach().numpy(), V @ J, rtol=1e-13)
    (gv,) = tg.autograd.grad(tg.sum(gc), Vt)
    np.testing.assert_allclose(gv, np.broadcast_to(J.sum(axis=1), V.shape), rtol=1e-13)
    with pytest.raises(ValueError, match=r"shape \(batch,\) \+ \(3,\)"):
        tg.autograd.grad(y, x, v, is_grads_batched=True)


def test_unused_inputs():
    x = tg.tensor(X0, requires_grad=True)
    z = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"input 1 \(shape \(2,\)\) was not used"):
        tg.autograd.grad(tg.sum(x * x), [x, z], retain_graph=True)
    gx, gz = tg.autograd.grad(tg.sum(x * x), [x, z], allow_unused=True, retain_graph=True)
    assert gz is None
    np.testing.assert_allclose(gx, 2 * X0)
    gx, gz = tg.autograd.grad(tg.sum(x * x), [x, z], materialize_grads=True, retain_graph=True)
    np.testing.assert_array_equal(gz, [0.0, 0.0])
    with pytest.raises(ValueError, match="materialize_grads"):
        tg.autograd.grad(tg.sum(x * x), [x, z], allow_unused=False, materialize_grads=True)


def test_bad_arguments_are_named():
    x = tg.tensor(X0, requires_grad=True)
    c = tg.tensor(X0)
    y = x * 2.0
    with pytest.raises(RuntimeError, match="shape \\(3,\\); pass grad_outputs="):
        tg.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="input 0 .* does not require grad"):
        tg.autograd.grad(tg.sum(y), c)
    with pytest.raises(RuntimeError, match=r"output 0 \(shape \(\), dtype float64\) does not "
                                           "require grad"):
        tg.autograd.grad(tg.sum(c), x)
    with pytest.raises(ValueError, match="grad_outputs has 2 entries for 1 outputs"):
        tg.autograd.grad(y, x, [np.ones(3), np.ones(3)])
    with pytest.raises(ValueError, match=r"gradient has shape \(2,\), output 0 has shape \(3,\)"):
        tg.autograd.grad(y, x, np.ones(2))
    with pytest.raises(TypeError, match="inputs must be a Tensor"):
        tg.autograd.grad(tg.sum(y), X0)
    with pytest.raises(RuntimeError, match="element 0 of the outputs does not require grad: it "
                                           "is a float64"):
        tg.autograd.grad(np.sum(X0), x)  # (a plain number where the output should be)
    (empty,) = tg.autograd.grad(y, x, np.zeros((0, 3)), is_grads_batched=True)
    assert empty.shape == (0, 3)


def test_complex_gradients_follow_pytorch():
    z0 = np.array([1 + 2j, -0.5 + 1j])
    z = tg.tensor(z0, requires_grad=True)
    (g,) = tg.autograd.grad(tg.sum(tg.abs(tg.sin(z) * tg.conj(z))), z)
    # PyTorch 2.13's torch.autograd.grad, written out; it is the conjugate of JAX's gradient
    np.testing.assert_allclose(g, [1.93811576 + 11.52498347j, -0.93823274 + 2.73264033j],
                               rtol=1e-8)
    np.testing.assert_allclose(
        g, np.conj(tg.grad(lambda a: tg.sum(tg.abs(tg.sin(a) * tg.conj(a))))(z0)), rtol=1e-13)
    z = tg.tensor(z0, requires_grad=True)
    v = np.array([0.3 - 1j, 2 + 0.5j])
    (g,) = tg.autograd.grad(tg.sin(z) * z, z, v)
    np.testing.assert_allclose(g, [0.41753988 - 12.1942419j, -2.90870512 - 5.19776403j],
                               rtol=1e-8)


def test_backward_of_several_outputs_in_one_sweep():
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, -1.0], requires_grad=True)
    y1, y2 = tg.sum(a * a * b), a * 3.0
    tg.autograd.backward([y1, y2], [None, np.array([1.0, -1.0])])
    np.testing.assert_allclose(a.grad, 2 * np.array([1.0, 2.0]) * [3.0, -1.0] + [3.0, -3.0])
    np.testing.assert_allclose(b.grad, [1.0, 4.0])
    y = tg.sum(a * b)
    tg.autograd.backward(y, inputs=[b])  # accumulates into b only
    np.testing.assert_allclose(b.grad, [2.0, 6.0])
    np.testing.assert_allclose(a.grad, [9.0, -7.0])
    with pytest.raises(ValueError, match="grad_tensors has 1 entries for 2 outputs"):
        tg.autograd.backward([tg.sum(a), tg.sum(b)], [None])


def test_hips_form_is_unchanged():
    np.testing.assert_allclose(tg.autograd.grad(lambda a, k: tg.sum(a ** 2) * k, 0)(X0, 3.0),
                               6 * X0)
    np.testing.assert_allclose(tg.autograd.grad(lambda a, k: tg.sum(a ** 2) * k, 1)(X0, 3.0),
                               np.sum(X0 ** 2))


U, V = np.array([1.0, 2.0]), np.array([3.0, 4.0])


def test_functional_vjp_jvp():
    out, g = F.vjp(lambda a: tg.sum(a * 2), U)  # v may be omitted for one element
    np.testing.assert_allclose(out, 6.0)
    np.testing.assert_allclose(g, [2.0, 2.0])
    out, gs = F.vjp(lambda a, b: (a * b, a + b), (U, V), (np.ones(2), np.array([1.0, -1.0])))
    assert isinstance(gs, tuple) and isinstance(out, tuple)
    np.testing.assert_allclose(gs[0], V + [1.0, -1.0])
    np.testing.assert_allclose(gs[1], U + [1.0, -1.0])
    out, t = F.jvp(lambda a, b: a * b, (U, V), (np.ones(2), np.zeros(2)))
    np.testing.assert_allclose(out, U * V)
    np.testing.assert_allclose(t, V)
    with pytest.raises(RuntimeError, match="v can be None only"):
        F.vjp(lambda a: a * 2, U)
    with pytest.raises(ValueError, match=r"v\[0\] has shape \(3,\)"):
        F.jvp(lambda a: a * 2, U, np.ones(3))
    # strict=True: PyTorch's check that the outputs depend on the inputs (torch 2.13 raises
    # in the same cases: the calls, then its messages' gist)
    out, g = F.vjp(lambda a: tg.sum(a * a), U, strict=True)
    np.testing.assert_allclose(g, 2 * U)
    np.testing.assert_allclose(F.jacobian(lambda a, b: (a * b, a + b * 2), (U, V), strict=True)[1][1],
                               2 * np.eye(2))
    F.hessian(lambda a: tg.sum(a ** 3), U, strict=True)
    F.hessian(lambda a, b: tg.sum(a * a * b * b), (U, V), strict=True)  # (every block depends on both)
    F.hvp(lambda a: tg.sum(tg.sin(a)), U, np.ones(2), strict=True)
    for call, match in [
            (lambda: F.vjp(lambda a, b: a * 2, (U, V), v=np.ones(2), strict=True),
             "the output of the user-provided function is independent of input 1"),
            (lambda: F.jacobian(lambda a, b: (a * 2, b * 3), (U, V), strict=True),
             "output 0 of the user-provided function is independent of input 1"),
            (lambda: F.jvp(lambda a: np.ones(2), U, np.ones(2), strict=True),
             "output 0 of the user-provided function does not require gradients"),
            (lambda: F.jvp(lambda a: a.detach() * 2, U, np.ones(2), strict=True),
             "does not require gradients"),
            (lambda: F.hvp(lambda a, b: tg.sum(a * a), (U, V), (U, V), strict=True),
             "independent of input 1"),
            (lambda: F.jacobian(lambda a: a, U, strict=True, vectorize=True),
             "strict=True and vectorize=True"),
            # second order: a gradient that depends on no input (a linear function) or, for the
            # Hessian, on one input less, as torch 2.13 refuses
            (lambda: F.hessian(lambda a: tg.sum(a * 2.0), U, strict=True),
             "gradient .* with respect to input 0 is independent of the inputs"),
            (lambda: F.hvp(lambda a: tg.sum(a), U, np.ones(2), strict=True), "independent of the inputs"),
            (lambda: F.vhp(lambda a: tg.sum(a * 3.0), U, np.ones(2), strict=True), "independent of the inputs"),
            (lambda: F.hessian(lambda a, b: tg.sum(a * a * b), (U, V), strict=True),
             "with respect to input 1 is independent of input 1")]:
        with pytest.raises(RuntimeError, match=match):
            call()
    with pytest.raises(NotImplementedError, match="forward-mode strategy needs vectorize=True"):
        F.jacobian(lambda a: a, U, strategy="forward-mode")
    with pytest.raises(NotImplementedError, match="forward-mode strategy needs vectorize=True"):
        F.hessian(lambda a: tg.sum(a ** 3), U, outer_jacobian_strategy="forward-mode")


def test_functional_jacobian_layouts():
    # PyTorch 2.13's results for the same calls, written out
    J = F.jacobian(lambda a, b: (a * b, tg.sum(a) * b), (U, V))
    want = (([[3.0, 0.0], [0.0, 4.0]], [[1.0, 0.0], [0.0, 2.0]]),
            ([[3.0, 3.0], [4.0, 4.0]], [[3.0, 0.0], [0.0, 3.0]]))
    assert isinstance(J, tuple) and all(isinstance(r, tuple) and len(r) == 2 for r in J)
    for r, wr in zip(J, want):
        for a, b in zip(r, wr):
            np.testing.assert_allclose(a, b)
    J = F.jacobian(lambda a: (a * 2, a ** 2), U)
    assert isinstance(J, tuple) and len(J) == 2
    np.testing.assert_allclose(J[1], [[2.0, 0.0], [0.0, 4.0]])
    J = F.jacobian(lambda a, b: a * b, (U, V), strategy="forward-mode", vectorize=True)
    assert isinstance(J, tuple) and len(J) == 2
    np.testing.assert_allclose(J[0], np.diag(V))
    M = np.arange(6.0).reshape(2, 3)
    J = F.jacobian(lambda a: tg.tanh(a), M)
    assert J.shape == (2, 3, 2, 3)
    np.testing.assert_allclose(J, tg.jacrev(tg.tanh)(M))
    with pytest.raises(ValueError, match="strategy"):
        F.jacobian(lambda a: a, U, strategy="bogus")


def test_functional_hessian_and_products():
    H = F.hessian(lambda a, b: tg.sum(a ** 2 * b), (U, V))
    want = (([[6.0, 0.0], [0.0, 8.0]], [[2.0, 0.0], [0.0, 4.0]]),
            ([[2.0, 0.0], [0.0, 4.0]], [[0.0, 0.0], [0.0, 0.0]]))
    for r, wr in zip(H, want):
        for a, b in zip(r, wr):
            np.testing.assert_allclose(a, b)
    f = lambda a: tg.sum(a ** 3 * tg.sin(a))  # noqa: E731
    Hd = F.hessian(f, U)
    np.testing.assert_allclose(Hd, tg.hessian(f)(U), rtol=1e-13)
    value, hv = F.hvp(f, U, V)
    np.testing.assert_allclose(value, f(U), rtol=1e-14)
    np.testing.assert_allclose(hv, Hd @ V, rtol=1e-13)
    np.testing.assert_allclose(F.vhp(f, U, V)[1], V @ Hd, rtol=1e-13)
    with pytest.raises(RuntimeError, match="single tensor with one element"):
        F.hessian(lambda a: a ** 2, U)


def test_functional_create_graph_records_on_the_imperative_tape():
    x = tg.tensor(U, requires_grad=True)
    _, g = F.vjp(lambda a: tg.sum(a ** 3), x, create_graph=True)
    assert isinstance(g, tg.Tensor)
    tg.sum(g).backward()
    np.testing.assert_allclose(x.grad, 6 * U)
    x = tg.tensor(U, requires_grad=True)
    _, g = F.vjp(lambda a: tg.sum(a ** 3), x)  # detached by default, as in PyTorch
    assert type(g) is not tg.Tensor and not g.requires_grad  # (an array with PyTorch's methods)
    assert g.std() == np.std(np.asarray(g), ddof=1)


def test_create_graph_through_user_rules_keeps_their_residuals_recorded():
    # a custom_vjp rule's residuals (and tg.remat's recomputation) depend on the inputs: with
    # create_graph=True that dependence must reach the second derivative, as in tg.hessian
    @tg.custom_vjp
    def f(x, y):
        return x * y

    f.defvjp(lambda x, y: (x * y, (x, y)), lambda r, g: (g * r[1], g * r[0]))
    a0, b0 = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    a, b = tg.tensor(a0, requires_grad=True), tg.tensor(b0, requires_grad=True)
    (ga,) = tg.autograd.grad(tg.sum(f(a, b)) + tg.sum(a ** 2 * b), a, create_graph=True)
    (gb,) = tg.autograd.grad(tg.sum(ga), b)
    want = tg.grad(lambda v: tg.sum(tg.grad(lambda u: tg.sum(f(u, v)) + tg.sum(u ** 2 * v))(a0)))
    np.testing.assert_allclose(gb, want(b0), rtol=1e-14)
    np.testing.assert_allclose(gb, 1 + 2 * a0, rtol=1e-14)

    def loss(u):
        return tg.sum(tg.remat(lambda t: tg.sin(t) * t)(u) * u)
    x = tg.tensor(X0, requires_grad=True)
    (g,) = tg.autograd.grad(loss(x), x, create_graph=True)
    v = np.array([1.0, -2.0, 0.5])
    (hv,) = tg.autograd.grad(tg.sum(g * v), x)
    np.testing.assert_allclose(hv, tg.hessian(loss)(X0) @ v, rtol=1e-12)


class _Exp(tg.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = tg.exp(i)
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class _ScaleArgmax(tg.autograd.Function):  # PyTorch's newer form, with setup_context and jvp
    @staticmethod
    def forward(x, k):
        return x * k, tg.argmax(x)

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.k = inputs[1]
        ctx.seen_needs = ctx.needs_input_grad
        ctx.mark_non_differentiable(output[1])

    @staticmethod
    def backward(ctx, g, g_index):
        assert ctx.seen_needs == (True, False)
        return g * ctx.k, None

    @staticmethod
    def jvp(ctx, t, t_k):
        return t * ctx.k, None


def test_function_on_the_tape_and_in_the_transforms():
    x = tg.tensor(X0, requires_grad=True)
    y = _Exp.apply(x)
    tg.sum(y * y).backward()
    np.testing.assert_allclose(x.grad, 2 * np.exp(2 * X0), rtol=1e-14)
    f = lambda u: tg.sum(tg.sin(_Exp.apply(u)))  # noqa: E731
    ref = lambda u: tg.sum(tg.sin(tg.exp(u)))  # noqa: E731
    np.testing.assert_allclose(tg.grad(f)(X0), tg.grad(ref)(X0), rtol=1e-14)
    np.testing.assert_allclose(tg.hessian(f)(X0), tg.hessian(ref)(X0), rtol=1e-13)
    np.testing.assert_allclose(tg.jit(tg.grad(f))(X0), tg.grad(ref)(X0), rtol=1e-14)
    np.testing.assert_allclose(tg.vmap(tg.grad(f))(np.stack([X0, -X0])),
                               tg.vmap(tg.grad(ref))(np.stack([X0, -X0])), rtol=1e-14)
    # backward's ops are recorded: create_graph differentiates them again
    x = tg.tensor(X0, requires_grad=True)
    (g,) = tg.autograd.grad(f(x), x, create_graph=True)
    (hv,) = tg.autograd.grad(tg.sum(g * W0), x)
    np.testing.assert_allclose(hv, tg.hessian(ref)(X0) @ W0, rtol=1e-12)
    np.testing.assert_allclose(_Exp.apply(X0), np.exp(X0))  # plain arrays: no recording


def test_function_setup_context_non_differentiable_outputs_and_jvp():
    x = tg.tensor(X0, requires_grad=True)
    y, i = _ScaleArgmax.apply(x, 3.0)
    # as PyTorch's: a tensor that does not require grad (arrays in give arrays out)
    assert int(i) == 2 and isinstance(i, tg.Tensor) and not i.requires_grad and y.requires_grad
    assert not isinstance(_ScaleArgmax.apply(X0, 3.0)[1], tg.Tensor)
    tg.sum(y).backward()
    np.testing.assert_allclose(x.grad, [3.0, 3.0, 3.0])
    out, t = tg.jvp(lambda u: _ScaleArgmax.apply(u, 3.0)[0], (X0,), (W0,))
    np.testing.assert_allclose(t, 3.0 * W0)
    with pytest.raises(TypeError, match="forward-mode"):
        tg.jvp(_Exp.apply, (X0,), (W0,))  # no jvp method: refused, as PyTorch refuses


def test_function_errors_name_the_function():
    class Bad(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * 2.0

    class GradForNumber(Bad):
        @staticmethod
        def backward(ctx, g):
            return g * 2.0, g

    x = tg.tensor(X0, requires_grad=True)
    with pytest.raises(TypeError, match="Bad.backward returned 1 gradients; forward takes 2"):
        tg.sum(Bad.apply(x, 2.0)).backward()
    x = tg.tensor(X0, requires_grad=True)
    with pytest.raises(TypeError, match="GradForNumber.backward returned a gradient for input 1"):
        tg.sum(GradForNumber.apply(x, 2.0)).backward()
    with pytest.raises(RuntimeError, match=r"call Bad.apply"):
        Bad()


def test_register_hook_follows_pytorch():
    # PyTorch 2.13's answers for the same hooks, written out in the comments
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.register_hook(lambda g: g + 100)
    h = tg.sin(x)
    seen = []
    handle = h.register_hook(lambda g: seen.append(np.array(g)) or g * 2)
    h.retain_grad()
    y = tg.sum(h * h)
    gx, gh = tg.autograd.grad(y, [x, h], retain_graph=True)
    np.testing.assert_allclose(gx, 100 + 2 * 2 * np.sin([1.0, 2.0]) * np.cos([1.0, 2.0]))
    np.testing.assert_allclose(gh, 2 * np.sin([1.0, 2.0]))  # (an input's: before its hooks)
    np.testing.assert_allclose(seen[0], 2 * np.sin([1.0, 2.0]))
    # a retained .grad fills from autograd.grad too, after the hooks
    np.testing.assert_allclose(h.grad, 4 * np.sin([1.0, 2.0]))
    y.backward(retain_graph=True)
    np.testing.assert_allclose(h.grad, 8 * np.sin([1.0, 2.0]))  # (retained: after them)
    np.testing.assert_allclose(x.grad, gx)
    handle.remove()
    x.grad = None
    y.backward()
    np.testing.assert_allclose(x.grad, 100 + 2 * np.sin([1.0, 2.0]) * np.cos([1.0, 2.0]))
    assert len(seen) == 2


def test_a_hook_belongs_to_the_value_it_was_registered_on():
    # PyTorch 2.13: a hook registered before an in-place op sees the old value's gradient
    # (h_new sees 1, h_old sees 2 * 10 + 3 = 23, x.grad = 24) ...
    seen = []
    x = tg.tensor(1.0, requires_grad=True)
    a = x * 1.0
    b = a * 3.0
    a.register_hook(lambda g: seen.append(("old", float(g))) or g + 1)
    a *= 2.0
    a.register_hook(lambda g: seen.append(("new", float(g))) or g * 10)
    (a + b).backward()
    assert seen == [("new", 1.0), ("old", 23.0)]
    assert float(x.grad) == 24.0
    # ... and a hook lives as long as the graph needs its value, not as long as the Python
    # object (a gradient-reversal hook registered inside a forward function: -8x, not 8x)

    def forward(x):
        h = x * 2.0
        h.register_hook(lambda g: -g)
        return tg.sum(h * h)
    x = tg.tensor([1.0, -0.5, 2.0], requires_grad=True)
    loss = forward(x)
    gc.collect()
    loss.backward()
    np.testing.assert_allclose(x.grad, -8 * np.array([1.0, -0.5, 2.0]))
    # one hook per loop iteration, each on its own (since replaced) value: all of them run
    x = tg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3):
        y = y * 2.0
        y.register_hook(lambda g: g + 1)
    y.backward()
    assert float(x.grad) == (((1 + 1) * 2 + 1) * 2 + 1) * 2  # each hook adds 1 on the way down


def test_functional_products_of_complex_values_are_pytorchs():
    # PyTorch's .grad convention: a real loss's vjp is 2(z - c), the conjugate of tg.grad's;
    # vjp of a complex output is conj(JAX's vjp of conj(v)); vhp and hvp differentiate
    # PyTorch's gradient (values PyTorch 2.13 gave for the same inputs, cross-checked)
    z = np.array([0.5 + 1.0j, -0.3 + 0.2j])
    c = 0.3 - 0.7j
    v = np.array([1.0 - 0.5j, 0.2 + 1.0j])
    np.testing.assert_allclose(F.vjp(lambda a: tg.sum(tg.abs(a - c) ** 2), z)[1], 2 * (z - c))
    t = tg.tensor(z, requires_grad=True)
    tg.sum(tg.abs(t - c) ** 2).backward()
    np.testing.assert_allclose(t.grad, 2 * (z - c))

    def cube(a):
        return a ** 2 * tg.conj(a)
    _, pull = tg.vjp(cube, z)
    np.testing.assert_allclose(F.vjp(cube, z, v)[1], np.conj(pull(np.conj(v))[0]))
    quartic = lambda a: tg.sum(tg.abs(a - c) ** 4)  # noqa: E731
    want = np.array([10.68 - 14.7j, -2.808 + 10.296j])
    np.testing.assert_allclose(F.hvp(quartic, z, v)[1], want, rtol=1e-12)
    np.testing.assert_allclose(F.vhp(quartic, z, v)[1], want, rtol=1e-12)
    np.testing.assert_allclose(F.jvp(cube, z, v)[1], tg.jvp(cube, (z,), (v,))[1])
    # jacobian (reverse mode: rows from PyTorch's vjp) of a real function of complex inputs:
    # the conjugate of tg.jacrev's, as torch.autograd.functional.jacobian gives
    np.testing.assert_allclose(F.jacobian(lambda a: tg.abs(a - c) ** 2, z), np.diag(2 * (z - c)))
    both = F.jacobian(lambda a, b: tg.abs(a * b) ** 2, (z, np.array([2.0, 3.0])))
    np.testing.assert_allclose(both[0], np.diag(2 * z * np.array([4.0, 9.0])))


def test_torch_func_complex_gradients_are_pytorchs():
    # torch.func follows JAX in its transforms but not in complex gradients: its grad is
    # .grad's (conjugate Wirtinger), its vjp_fn(v) is conj(Jᵀ conj(v)); jacrev, jacfwd and
    # hessian refuse complex values (values PyTorch 2.13 gave for the same inputs)
    z = np.array([1 + 2j, 3 - 1j])
    np.testing.assert_allclose(tg.func.grad(lambda a: tg.sum(tg.abs(a) ** 2))(z), [2 + 4j, 6 - 2j])
    g, value = tg.func.grad_and_value(lambda a: tg.sum(tg.real(a * a)))(z)
    np.testing.assert_allclose(g, [2 - 4j, 6 + 2j])
    assert value == 5.0
    ga, gb = tg.func.grad(lambda a, b: tg.sum(tg.abs(a * b) ** 2), argnums=(0, 1))(z, np.array([1.0, 2.0]))
    np.testing.assert_allclose(ga, [2 + 4j, 24 - 8j])
    np.testing.assert_allclose(gb, [10.0, 40.0])
    _, pull = tg.func.vjp(lambda a: a * a, z)
    np.testing.assert_allclose(pull(np.array([1 + 1j, 2.0]))[0], [6 - 2j, 12 + 4j])
    for transform in (tg.func.jacrev, tg.func.jacfwd, tg.func.hessian):
        with pytest.raises(RuntimeError, match="Expected all inputs to be real but received complex"):
            transform(lambda a: tg.sum(tg.abs(a)))(z)
    # (an aux output may be complex)
    jac, aux = tg.func.jacrev(lambda a: (tg.sum(a * a), a * 1j), has_aux=True)(np.ones(2))
    np.testing.assert_array_equal(jac, [2.0, 2.0])
    np.testing.assert_array_equal(aux, [1j, 1j])


def test_register_hook_complex_and_errors():
    z0 = np.array([1 + 2j, -0.5 + 1j])
    z = tg.tensor(z0, requires_grad=True)
    seen = []
    w = tg.sin(z)
    w.register_hook(lambda g: seen.append(np.array(g)) or g * (1 + 1j))
    tg.sum(tg.abs(w * z)).backward()
    np.testing.assert_allclose(z.grad, [-6.25673981 + 11.79803527j, -2.53563858 + 2.36202483j],
                               rtol=1e-8)
    np.testing.assert_allclose(seen[0], [1.90129545 + 1.17689236j, -0.65166472 + 0.90847845j],
                               rtol=1e-8)
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    h = tg.sin(x)
    h.register_hook(lambda g: g[:2])
    with pytest.raises(ValueError, match=r"returned a gradient of shape \(2,\) for a tensor of "
                                         r"shape \(3,\)"):
        tg.sum(h).backward()

    def in_place(g):
        g[0] = 5.0
    x = tg.tensor([1.0], requires_grad=True)
    x.register_hook(in_place)
    with pytest.raises(ValueError, match="'in_place' wrote into the gradient"):
        tg.sum(x * 2.0).backward()
    with pytest.raises(RuntimeError, match="does not require grad"):
        tg.tensor([1.0]).register_hook(print)


def test_register_hook_under_create_graph_stays_recorded():
    x = tg.tensor(X0, requires_grad=True)
    h = x * x
    handle = h.register_hook(lambda g: g * h)  # a hook that is itself a function of x
    (g,) = tg.autograd.grad(tg.sum(h), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 2 * X0 ** 3)
    # the hook is still on h, so the second sweep runs it too (PyTorch 2.13: 0.2124, 11.1744, 72)
    (gg,) = tg.autograd.grad(tg.sum(g), x, retain_graph=True)
    np.testing.assert_allclose(gg, 4 * X0 ** 4 + 2 * X0 ** 2)
    handle.remove()
    (gg,) = tg.autograd.grad(tg.sum(g), x)
    np.testing.assert_allclose(gg, 6 * X0 ** 2)


def test_functional_inside_a_transform_stays_differentiable():
    # the detaching of create_graph=False is the imperative tape's; a transform's values stay
    # traced, so an outer tg.grad sees the true dependence (never a silent zero)
    f = lambda u: tg.sum(tg.sin(u) * u)  # noqa: E731
    outer = tg.grad(lambda x: tg.sum(F.vjp(f, x)[1] * W0))(X0)
    np.testing.assert_allclose(outer, tg.hessian(f)(X0) @ W0, rtol=1e-12)
    with pytest.raises(TypeError, match="register_hook: this tensor is traced"):
        tg.grad(lambda x: tg.sum(x.register_hook(print) and x))(X0)


def test_gradcheck_passes_true_rules_and_names_a_wrong_one():
    W = np.arange(6.0).reshape(2, 3) / 5
    assert tg.autograd.gradcheck(lambda a, w: tg.tanh(w @ a), (X0, W))
    assert tg.autograd.gradcheck(lambda a, w: (tg.sin(a), w * 2.0), (X0, W), check_forward_ad=True)
    assert tg.autograd.gradgradcheck(lambda a, w: tg.tanh(w @ a), (X0, W))
    assert tg.autograd.gradcheck(lambda z: tg.sum(tg.abs(z) ** 2), (np.array([1 + 2j, 3 - 1j]),))

    @tg.custom_vjp
    def off(u):
        return tg.sin(u)
    off.defvjp(lambda u: (tg.sin(u), u), lambda u, g: (g * tg.cos(u) * 1.01,))
    assert tg.autograd.gradcheck(off, (X0,), raise_exception=False) is False
    with pytest.raises(tg.autograd.GradcheckError,
                       match=r"output 0 with respect to input 0 \(3 of 9 entries"):
        tg.autograd.gradcheck(off, X0)

    @tg.custom_vjp
    def first_ok(u):  # right first derivative, wrong second
        return u ** 3
    first_ok.defvjp(lambda u: (u ** 3, u), lambda u, g: (3.0 * g * u ** 2 + 0.0 * u,))
    assert tg.autograd.gradgradcheck(first_ok, (X0,))

    @tg.custom_vjp
    def second_off(u):
        return u ** 3
    second_off.defvjp(lambda u: (u ** 3, u), lambda u, g: (3.0 * g * tg.stop_gradient(u) ** 2,))
    assert tg.autograd.gradcheck(second_off, (X0,))
    assert not tg.autograd.gradgradcheck(second_off, (X0,), raise_exception=False)
    # imperative tensors: only those that require grad are checked (as PyTorch)
    xt = tg.tensor(X0, requires_grad=True)
    assert tg.autograd.gradcheck(lambda a, k: a * k, (xt, np.array([1.0, 2.0, 3.0])))


def test_gradcheck_fails_nan_derivatives_and_checks_what_it_is_asked_to():
    class NanGrad(tg.autograd.Function):  # (a NaN entry compared as never beyond tolerance)
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return tg.sin(x)

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return g * tg.cos(x) * np.nan
    for check in (tg.autograd.gradcheck, tg.autograd.gradgradcheck):
        assert check(NanGrad.apply, (tg.tensor(X0, requires_grad=True),), raise_exception=False) is False
    assert not tg.autograd.gradcheck(lambda x: tg.sqrt(x * x), (tg.tensor([0.0, 1.0], requires_grad=True),),
                                     raise_exception=False)  # (sqrt(x²)'s slope at 0 is NaN)
    C = np.array([1 + 2j, -0.5 + 1j, 2 - 1j])

    class Complex(tg.autograd.Function):  # a right backward, a forward rule off by 1.5
        @staticmethod
        def forward(z):
            return z * C

        @staticmethod
        def setup_context(ctx, inputs, output):
            pass

        @staticmethod
        def backward(ctx, g):
            return g * np.conj(C)

        @staticmethod
        def jvp(ctx, t):
            return t * C * 1.5
    z = tg.tensor(X0 + 1j, requires_grad=True)
    assert tg.autograd.gradcheck(Complex.apply, (z,))
    assert not tg.autograd.gradcheck(Complex.apply, (z,), check_forward_ad=True, check_backward_ad=False,
                                     raise_exception=False)
    with pytest.raises(TypeError, match="check_forwad_ad"):  # (a misspelt option is not ignored)
        tg.autograd.gradcheck(tg.sin, (X0,), check_forwad_ad=True)
    assert tg.autograd.gradcheck(tg.sin, (tg.tensor(X0, requires_grad=True),), fast_mode=True, nondet_tol=0.0,
                                 check_undefined_grad=False, check_batched_grad=True, masked=False)
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        tg.autograd.gradcheck(tg.sin, (tg.tensor(X0),))
    # an integer output has no derivative: left out, as PyTorch leaves it (it raised)
    x = tg.tensor(X0, requires_grad=True)
    assert tg.autograd.gradcheck(lambda v: (tg.sin(v), tg.argmax(v)), (x,))

    @tg.custom_vjp
    def off(v):
        return tg.sin(v)
    off.defvjp(lambda v: (off(v), v), lambda v, g: (1.05 * g * tg.cos(v),))
    with pytest.raises(tg.autograd.GradcheckError, match="output 1 with respect to input 0"):
        tg.autograd.gradcheck(lambda v: (tg.argmax(v), off(v)), (x,))


def test_check_grads_at_large_inputs_and_in_single_precision():
    # (x ± εv rounds at 1e5: the direction taken is the rounded one; a float32 computation
    # takes a float32-sized step and tolerance)
    assert tg.check.check_grads(tg.sin, 1e5 + np.arange(4.0))
    x32 = np.array([0.1, -0.4, 0.9], np.float32)
    assert tg.check.check_grads(lambda x: tg.tanh(x.astype(np.float32)), x32)

    @tg.custom_jvp
    def off(x):
        return tg.sin(x)
    off.defjvp(lambda p, t: (off(p[0]), 1.05 * tg.cos(p[0]) * t[0]))
    for x in (x32, x32.astype(np.float64), 1e5 + x32.astype(np.float64)):
        assert not tg.check.check_grads(off, x, raise_on_mismatch=False)
    assert not tg.check.check_grads(lambda v: off(v.astype(np.float32)), x32, raise_on_mismatch=False)
    with pytest.raises(ValueError, match="below the rounding of the inputs"):  # (0 against 0 passed)
        tg.check.check_grads(off, np.array([1e12, 1.1e12]), order=1)
    # one entry out of reach among others: checked along the rest, with a note
    rep = tg.check.check_grads(lambda v: tg.sum(tg.tanh(v) * 2.0), np.array([1e12, 0.3, 1.2]))
    assert rep and any("not checked" in n for n in rep.notes)
    assert not tg.check.check_grads(off, np.array([1e12, 0.3, 1.2]), raise_on_mismatch=False)
    assert tg.check.check_grads(lambda v: tg.sum(v.astype(np.float32) ** 3 * 5),
                                np.random.default_rng(2).normal(size=10), order=3)

    @tg.custom_vjp
    def cube(u):  # a right first derivative, a wrong second one (float32 inputs, float64 work:
        return u ** 3  # the tolerances stay double precision's)
    cube.defvjp(lambda u: (u ** 3, u), lambda u, g: (3.0 * g * tg.stop_gradient(u) ** 2,))
    assert tg.check.check_grads(cube, x32, order=1, modes=("rev",))
    assert not tg.check.check_grads(cube, x32, order=2, modes=("rev",), raise_on_mismatch=False)


def test_solvers_closing_over_imperative_tensors_reach_them():
    # custom_linear_solve's and custom_root's functions close over a tensor of the tape: it is
    # hoisted into an argument (closure_convert), so backward() reaches it, as tg.grad does
    M = np.array([[3.0, 0.2, 0.1], [0.2, 2.0, 0.3], [0.1, 0.3, 4.0]])

    def solved(a):
        return tg.lax.custom_linear_solve(lambda v: M @ v + a * v, a * a,
                                          lambda mv, b: tg.linalg.solve(M + tg.diag(a), b),
                                          symmetric=True)

    def root(a):
        def newton(f, x):
            for _ in range(40):
                x = x - f(x) / (3 * x ** 2 + 1)
            return x
        return tg.lax.custom_root(lambda x: x ** 3 + x - a, np.zeros(3), newton,
                                  lambda g, y: y / g(np.ones(3)))

    for fn in (solved, root):
        loss = lambda a: tg.sum(fn(a) * a)  # noqa: E731
        a = tg.tensor(X0, requires_grad=True)
        loss(a).backward()
        np.testing.assert_allclose(a.grad, tg.grad(loss)(X0), rtol=1e-10)
    a = tg.tensor(X0, requires_grad=True)
    (g,) = tg.autograd.grad(tg.sum(solved(a) * a), a, create_graph=True)
    (hv,) = tg.autograd.grad(tg.sum(g * W0), a)
    np.testing.assert_allclose(hv, tg.hessian(lambda u: tg.sum(solved(u) * u))(X0) @ W0,
                               rtol=1e-10)


def test_a_complex_cotangent_reaching_a_real_tensor_is_its_real_part():
    # angle's rule makes a complex cotangent from real values alone; before any complex value
    # has been seen the sweep does not take real parts on the way, so the tape must at the end
    # (it raised TypeError), as tg.vjp does
    from tensorgrad import complexity
    angle = tg.get_op("angle")  # (the registered op; tg.angle of a real array is a constant)
    before, complexity._seen[0] = complexity._seen[0], False
    try:
        x = tg.tensor([1.0, -2.0], requires_grad=True)
        seen = []
        h = x * 3.0
        h.register_hook(lambda g: seen.append(g.dtype) or g)
        tg.sum(angle(h) + h * h).backward()
    finally:
        complexity._seen[0] = before or complexity._seen[0]
    np.testing.assert_allclose(x.grad, 2 * 9.0 * np.array([1.0, -2.0]))
    assert x.grad.dtype == np.float64 and seen == [np.float64]


def test_grad_fn_clone_numel_dim():
    x = tg.tensor(X0, requires_grad=True)
    y = tg.sin(x * 2.0)
    assert x.grad_fn is None and tg.tensor(X0).grad_fn is None
    assert y.grad_fn.name() == "SinBackward0" and y.grad_fn == y.grad_fn
    ((mul, _),) = y.grad_fn.next_functions
    assert mul.name() == "MulBackward0"
    assert [f.name() if f is not None else None for f, _ in mul.next_functions] == \
        ["AccumulateGrad", None]
    with tg.no_grad():
        assert (x * 2.0).grad_fn is None
    z = y.clone()
    assert z.grad_fn is not None and z.numel() == 3 and z.dim() == 1
    tg.sum(z).backward()
    np.testing.assert_allclose(x.grad, 2 * np.cos(2 * X0))


def test_inference_mode_and_anomaly_detection_under_pytorch_names():
    x = tg.tensor(X0, requires_grad=True)
    with tg.inference_mode():
        assert tg.is_inference_mode_enabled() and not (x * 2.0).requires_grad
    assert not tg.is_inference_mode_enabled() and (x * 2.0).requires_grad

    @tg.inference_mode
    def f(a):
        return a * 3.0
    assert not f(x).requires_grad
    with tg.inference_mode(False):
        assert (x * 2.0).requires_grad
    assert tg.autograd.no_grad is tg.no_grad and tg.autograd.is_grad_enabled()
    with tg.autograd.detect_anomaly():
        assert tg.autograd.is_anomaly_enabled()
        with pytest.raises(FloatingPointError, match="VJP rule of op 'sqrt'"):
            tg.grad(lambda a: tg.sum(tg.sqrt(a - 0.3)))(X0[:1])
    assert not tg.autograd.is_anomaly_enabled()
    with tg.autograd.set_detect_anomaly(True):
        assert tg.autograd.is_anomaly_enabled()
    assert not tg.autograd.is_anomaly_enabled()


def test_forward_ad_dual_tensors():
    fw = tg.autograd.forward_ad
    t0 = np.array([1.0, 2.0, -0.5])
    with fw.dual_level() as level:
        assert level == 0
        d = fw.make_dual(X0, t0)
        p, t = fw.unpack_dual(tg.sin(d) * d + 3.0)
        assert fw.unpack_dual(X0) == (X0, None)
    np.testing.assert_allclose(p, np.sin(X0) * X0 + 3.0)
    np.testing.assert_allclose(t, tg.jvp(lambda u: tg.sin(u) * u, (X0,), (t0,))[1])
    # PyTorch 2.13, the same chain with x = (0.3, -1.2), t = (1, 2): tangent (0.5821, -2.7337)
    with fw.dual_level():
        _, t = fw.unpack_dual(tg.sin(fw.make_dual(X0[:2], t0[:2])) * fw.make_dual(X0[:2], t0[:2]))
    np.testing.assert_allclose(t, [0.58212115, -2.73373678], rtol=1e-8)
    # forward over reverse: the tangent of an imperative tensor's function is on the tape
    x = tg.tensor(X0, requires_grad=True)
    with fw.dual_level():
        d = fw.make_dual(x, t0)
        _, t = fw.unpack_dual(tg.sum(tg.sin(d) * d))
    t.backward()
    H = tg.hessian(lambda u: tg.sum(tg.sin(u) * u))(X0)
    np.testing.assert_allclose(x.grad, H @ t0, rtol=1e-12)
    # nested levels: a second derivative
    with fw.dual_level():
        a = fw.make_dual(X0, t0)
        with fw.dual_level():
            _, inner = fw.unpack_dual(tg.sin(fw.make_dual(a, t0)))
        _, second = fw.unpack_dual(inner)
    np.testing.assert_allclose(second, -np.sin(X0) * t0 * t0, rtol=1e-14)
    with pytest.raises(RuntimeError, match="no dual level is open"):
        fw.make_dual(X0, t0)
    with fw.dual_level(), pytest.raises(ValueError, match=r"tangent has shape \(2,\)"):
        fw.make_dual(X0, t0[:2])


def test_batched_grad_outputs_run_hooks_per_row():
    x = tg.tensor(X0, requires_grad=True)
    h = tg.sin(x)
    seen = []
    h.register_hook(lambda g: seen.append(np.array(g)) or g * 2.0)
    V = np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 1.0]])
    (gb,) = tg.autograd.grad(h * 3.0, x, V, is_grads_batched=True)
    np.testing.assert_allclose(gb, 2.0 * 3.0 * V * np.cos(X0))
    assert len(seen) == 2
    np.testing.assert_allclose(seen[1], 3.0 * V[1])
    with pytest.raises(RuntimeError, match="freed"):  # retain_graph=False: freed after the batch
        tg.autograd.grad(h * 1.0, x, V, is_grads_batched=True)


def test_checkpoint_closing_over_imperative_parameters():
    # tg.checkpoint hoists the tape's tensors its function closes over (a layer's weights)
    # into inputs, so they get their gradient through the recomputation, to second order too
    W0 = np.array([[1.0, 0.5], [-0.3, 2.0]])
    x0 = np.array([0.3, -0.7])
    loss = lambda w: tg.sum(tg.tanh(w @ x0) ** 2)  # noqa: E731
    W = tg.tensor(W0, requires_grad=True)
    layer = tg.checkpoint(lambda x: tg.tanh(W @ x))
    (g,) = tg.autograd.grad(tg.sum(layer(x0) ** 2), W, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), tg.grad(loss)(W0), rtol=1e-13)
    (h,) = tg.autograd.grad(tg.sum(g), W)
    np.testing.assert_allclose(h, tg.grad(lambda w: tg.sum(tg.grad(loss)(w)))(W0), rtol=1e-12)


def test_item_assignment_follows_pytorch():
    # y[idx] = v on a recorded result: the gradient reaches the kept part of y and v
    x = tg.tensor(np.ones((3, 3)), requires_grad=True)
    v = tg.tensor(np.full(3, 7.0), requires_grad=True)
    y = x + 2
    y[1] = v
    tg.sum(y * y).backward()
    np.testing.assert_allclose(x.grad, [[6.0] * 3, [0.0] * 3, [6.0] * 3])
    np.testing.assert_allclose(v.grad, np.full(3, 14.0))
    # a value saved before the assignment keeps its own gradient
    x = tg.tensor(np.arange(4.0), requires_grad=True)
    y = x * 2
    z = y * y
    y[1:3] = tg.tensor([7.0, 8.0])
    (tg.sum(z) + tg.sum(y)).backward()
    np.testing.assert_allclose(x.grad, 8 * np.arange(4.0) + [2, 0, 0, 2])
    # a leaf that requires grad: only inside no_grad, as PyTorch
    w = tg.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"t\[index\] = v: t is a leaf"):
        w[0] = 5.0
    with tg.no_grad():
        w[0] = 5.0
    assert w.requires_grad and w.tolist() == [5.0, 1.0, 1.0]
    # a constant tensor takes the value; one that requires grad makes it recorded
    c = tg.tensor(np.zeros(3))
    c[1] = 2.0
    s = tg.tensor(3.0, requires_grad=True)
    c[2] = s
    tg.sum(c * c).backward()
    assert c.tolist() == [0.0, 2.0, 3.0] and float(s.grad) == 6.0
    # values a transform traces stay immutable, as JAX's

    def f(x):
        x[0] = 1.0
        return tg.sum(x)
    with pytest.raises(TypeError, match="immutable"):
        tg.grad(f)(np.ones(2))


def test_item_assignment_updates_a_value_traced_for_pytorch():
    # torch.func's pattern (functorch's test_advanced_indexing): v = v.clone(); v[mask] = 0.
    # torch.func.grad gave [0, -4, 0] and [0, -4, 6]; vmap of grad [[0, -4, 6], [0, -8, 12]]
    xs = np.array([1.0, -2.0, 3.0])

    def masked(v):
        v = v.clone()
        v[v > 0] = 0.0
        return (v * v).sum()

    def first(v):
        v = v.clone()
        v[0] = v[1] * v[2]
        return (v * v).sum()
    np.testing.assert_array_equal(tg.func.grad(masked)(tg.tensor(xs)), [0.0, -4.0, 0.0])
    _, tangent = tg.func.jvp(masked, (tg.tensor(xs),), (tg.tensor(np.ones(3)),))
    assert float(tangent) == -4.0
    want = [0.0, 2 * -2 * 9 - 4, 2 * 4 * 3 + 6]  # of (v1 v2)² + v1² + v2²
    np.testing.assert_allclose(tg.func.grad(first)(tg.tensor(xs)), want, rtol=1e-15)
    np.testing.assert_allclose(tg.func.jacfwd(first)(tg.tensor(xs)), want, rtol=1e-15)
    np.testing.assert_allclose(tg.jit(tg.func.grad(first))(tg.tensor(xs)), want, rtol=1e-15)
    np.testing.assert_allclose(tg.func.hessian(first)(tg.tensor(xs)),
                               [[0, 0, 0], [0, 2 * 9 + 2, 4 * -2 * 3], [0, 4 * -2 * 3, 2 * 4 + 2]],
                               rtol=1e-15)
    np.testing.assert_allclose(tg.func.vmap(tg.func.grad(first))(tg.tensor(np.stack([xs, -xs]))),
                               [want, [-w for w in want]], rtol=1e-15)

    def clone_then_update(x):  # torch.func.grad_and_value gave [12, 15, 27, 32], 128: each
        y = x.clone()            # copy is another tensor (it was x itself, so x took the updates)
        y[0] = 5.0
        z = copy.deepcopy(x)
        z.mul_(2)
        w = tg.clone(x)
        w[[0, 1]] = x[2]
        return (y * x).sum() + (z * x).sum() + (w * x).sum()
    g, value = tg.func.grad_and_value(clone_then_update)(tg.tensor([1.0, 2.0, 3.0, 4.0]))
    # y·x + 2x·x + w·x with y = (5, x1, x2, x3) and w = (x2, x2, x2, x3)
    assert float(value) == 34 + 60 + 34
    np.testing.assert_array_equal(g, [5 + 4 + 3, 4 + 8 + 3, 6 + 12 + 9, 8 + 16 + 8])

    def detached_then_updated(t):  # PyTorch's detach shares t's memory: refused, never lost
        t = t * 1.0
        d = t.detach()
        t[0] = 10.0
        return (d * t).sum()
    with pytest.raises(TypeError, match=r"t.detach\(\) too"):
        tg.func.grad(detached_then_updated)(tg.tensor(xs))

    def filled_buffer(x):  # a buffer the function makes, filled entry by entry (it raised)
        out = x.new_zeros(3)
        for i in range(3):
            out[i] = x[i] * x[i + 1]
        acc = tg.zeros_like(x)
        acc += x  # (an operator and a method adopt the traced value too)
        acc.mul_(0.0)
        return (out * out).sum() + acc.sum()
    x4 = tg.tensor([1.0, 2.0, 3.0, 4.0])
    # torch.func's answers for grad, hessian and vmap(grad) of the same function
    np.testing.assert_array_equal(tg.func.grad(filled_buffer)(x4), [8.0, 40.0, 120.0, 72.0])
    np.testing.assert_array_equal(tg.func.hessian(filled_buffer)(x4),
                                  [[8, 8, 0, 0], [8, 20, 24, 0], [0, 24, 40, 48], [0, 0, 48, 18]])
    np.testing.assert_array_equal(tg.func.jacfwd(filled_buffer)(x4), [8.0, 40.0, 120.0, 72.0])
    np.testing.assert_array_equal(
        tg.func.vmap(tg.func.grad(filled_buffer))(tg.tensor(np.stack([x4.numpy(), -x4.numpy()]))),
        [[8.0, 40.0, 120.0, 72.0], [-8.0, -40.0, -120.0, -72.0]])

    outside = tg.tensor([0.0, 0.0])  # a tensor from outside the transform: refused, as torch.func

    def captured(x):
        outside[0] = x[0]
        return outside.sum()
    with pytest.raises(TypeError, match=r"from outside the transform \(captured\)"):
        tg.func.grad(captured)(x4)
    assert outside.tolist() == [0.0, 0.0]
    np.testing.assert_array_equal(  # (its clone, made inside, takes it)
        tg.func.grad(lambda x: (lambda c: (c.__setitem__(0, x[0] * 3), c.sum())[1])(outside.clone()))(x4),
        [3.0, 0.0, 0.0, 0.0])

    def pieces_then_update(x):  # (a split's pieces and a broadcast are views in PyTorch: the
        y = x * 1.0             # update cannot reach them here, so it raises; it was lost)
        v = y.tensor_split(2)[1]
        y.mul_(2.0)
        return (v * v).sum()

    def broadcast_then_update(x):
        y = x * 1.0
        v = tg.broadcast_to(y, (2, 4))
        y.mul_(2.0)
        return (v * v).sum()
    for fn in (pieces_then_update, broadcast_then_update):
        with pytest.raises(TypeError, match="part or view of a value that a transform traces"):
            tg.func.grad(fn)(x4)

    def kept_float32(x):  # an in-place update keeps the tensor's dtype (it became float64)
        buf = x.new_zeros(4, dtype=np.float32)
        buf += x
        y = x.float()
        y.add_(x)
        assert buf.dtype == y.dtype == np.float32
        return buf.double().sum() + y.double().sum()
    v32 = tg.tensor([0.1234567891234, 2.000000001, 3.0, 4.0])
    want = float(np.float32(v32.numpy()).astype(np.float64).sum()
                 + (np.float32(v32.numpy()) + np.float32(v32.numpy())).astype(np.float64).sum())
    assert float(tg.func.grad_and_value(kept_float32)(v32)[1]) == want

    def through_a_part_of_a_part(x):  # y[:3] dies before the write: the part is y's own
        y = x * 1.0
        y[:3][1:].mul_(0.0)
        return y.sum()
    with pytest.raises(TypeError, match="part or view of a value that a transform traces"):
        tg.func.grad(through_a_part_of_a_part)(tg.tensor(xs))

    def written_through_detach(t):
        t = t * 1.0
        d = t.detach()
        d[0] = 100.0
        return (t * t).sum()
    with pytest.raises(TypeError, match="part or view of a value that a transform traces"):
        tg.func.grad(written_through_detach)(tg.tensor(xs))

    def through_a_view(v):  # (the update could not reach v: refused, never lost)
        v = v.clone()
        part = v[0:2]
        part[0] = 5.0
        return v.sum()
    with pytest.raises(TypeError, match="part or view of a value that a transform traces"):
        tg.func.grad(through_a_view)(tg.tensor(xs))

    def outer(x):  # an inner transform's value written into the outer one's tensor
        t = x.clone()

        def inner(y):
            t[0] = y.sum()
            return (t * t).sum()
        return tg.func.grad(inner)(x).sum()
    with pytest.raises(TypeError, match="traced by a transform inside the one that traces t"):
        tg.func.grad(outer)(tg.tensor(xs))


def test_reverse_mode_looks_through_forward_ad_duals():
    fa = tg.autograd.forward_ad
    xv, wv = np.array([0.3, -1.2, 0.8]), np.array([0.5, 2.0, -1.0])
    x = tg.tensor(xv, requires_grad=True)
    w = tg.tensor(wv, requires_grad=True)
    with fa.dual_level():
        d = fa.make_dual(x, np.array([1.0, 0.5, -2.0]))
        y = tg.exp(d) * w
        assert d.requires_grad and y.requires_grad
        np.testing.assert_allclose(fa.unpack_dual(y).tangent.detach(), np.exp(xv) * wv * [1.0, 0.5, -2.0])
        tg.sum(y).backward(retain_graph=True)
        np.testing.assert_allclose(x.grad, np.exp(xv) * wv)
        np.testing.assert_allclose(w.grad, np.exp(xv))
        gw, = tg.autograd.grad(tg.sum(y), w)
        np.testing.assert_allclose(gw, np.exp(xv))
        assert not fa.make_dual(np.ones(3), np.ones(3)).requires_grad


def test_the_imperative_tape_inside_a_functional_transform_says_so():
    # inside tg.grad, tensors of the imperative tape are constants: backward() and
    # tg.autograd.grad on a value the transform traces raise, naming the nesting
    def by_autograd(x):
        w = tg.tensor(2.0, requires_grad=True)
        return tg.autograd.grad((w * x) ** 2, [w])[0]

    def by_backward(x):
        w = tg.tensor(2.0, requires_grad=True)
        ((w * x) ** 2).backward()
        return w.grad
    for f, name in ((by_autograd, "tg.autograd.grad: output 0"), (by_backward, "backward(): this tensor")):
        with pytest.raises(RuntimeError, match=f"{re.escape(name)} .* is traced by a functional transform"):
            tg.grad(f)(3.0)
    # outside any transform the same code runs
    assert float(by_autograd(3.0)) == 36.0 and float(by_backward(3.0)) == 36.0


def test_grads_take_pytorchs_tensor_methods_in_place():
    # PyTorch's manual training loop, unchanged: w.grad.zero_() clears the accumulator itself
    X = np.linspace(-1.0, 1.0, 8)
    w = tg.tensor([0.5, -0.3], requires_grad=True)
    ref = np.array([0.5, -0.3])
    for _ in range(3):
        loss = tg.sum((w[0] * X + w[1] - 2 * X) ** 2)
        loss.backward()
        want = np.array([np.sum(2 * (ref[0] * X + ref[1] - 2 * X) * X),
                         np.sum(2 * (ref[0] * X + ref[1] - 2 * X))])
        np.testing.assert_allclose(w.grad, want, rtol=1e-13)
        with tg.no_grad():
            w -= 0.05 * w.grad
        ref = ref - 0.05 * want
        w.grad.zero_()
        assert np.all(w.grad == 0)
    np.testing.assert_allclose(w.detach(), ref, rtol=1e-13)
    g = w.grad
    tg.sum(w * 3).backward()
    assert w.grad is g and np.all(g == 3)              # accumulated into the cleared array
    w.grad.data.mul_(2)                                # PyTorch's .data of a gradient
    np.testing.assert_array_equal(g, [6.0, 6.0])
    assert w.grad.norm().item() == pytest.approx(np.sqrt(72.0))
    c = w.grad.clone()
    c.zero_()
    assert np.all(w.grad == 6)                         # a clone is a copy
    assert type(w.grad * 2) is np.ndarray and type(w.grad.sum()) is np.float64  # NumPy's scalars
    assert type(np.sum(w.grad)) is np.float64 and np.isscalar(w.grad.max())
    assert repr(w.grad) == "array([6., 6.])"
    assert type(w._value) is np.ndarray                # nothing of it reaches the tensor's value
    gx, = tg.autograd.grad(tg.sum(w ** 2), w)
    clamped = gx.clamp(max=0.0)
    assert type(clamped) is type(gx)                   # methods chain
    np.testing.assert_allclose(clamped, np.minimum(2 * ref, 0.0), rtol=1e-13)
    np.testing.assert_allclose(gx.norm(), np.linalg.norm(2 * ref), rtol=1e-13)


def test_function_apply_takes_keyword_arguments_as_pytorch_2():
    # PyTorch 2 binds apply's keywords to forward's parameters (defaults filled in);
    # tensorgrad refused them
    class Scaled2(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x, k=1.0):
            ctx.x, ctx.k = x, k
            return x * x * k

        @staticmethod
        def backward(ctx, g):
            return 2 * g * ctx.x * ctx.k, None
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = Scaled2.apply(x, k=2.0)
    np.testing.assert_array_equal(np.asarray(y.detach()), [2.0, 8.0])
    y.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [4.0, 8.0])
    np.testing.assert_array_equal(np.asarray(Scaled2.apply(x).detach()), [1.0, 4.0])
    with pytest.raises(TypeError):
        Scaled2.apply(x, scale=2.0)


def test_a_functions_rules_keep_pytorchs_methods_on_what_tensorgrads_functions_return():
    # the conv+BN tutorial's pattern: F.conv2d(...).sum(dim=...), grad.transpose(0, 1) of a
    # 2-d einsum (NumPy's transpose(0, 1) is the identity: a silently wrong gradient before)
    rng = np.random.default_rng(5)
    X, w, B = rng.normal(size=(2, 3, 4, 4)), rng.normal(size=(5, 3, 3, 3)), rng.normal(size=(3, 4))

    class ChannelSums(tg.autograd.Function):
        @staticmethod
        def forward(ctx, X, w):
            return NF.conv2d(X, w).sum(dim=(0, 2, 3))

        @staticmethod
        def backward(ctx, g):
            return None, None

    got = ChannelSums.apply(tg.tensor(X, requires_grad=True), tg.tensor(w, requires_grad=True))
    np.testing.assert_allclose(got.detach().numpy(), NF.conv2d(X, w).sum(axis=(0, 2, 3)), rtol=1e-12)

    class RowMix(tg.autograd.Function):  # y = x @ B written with einsum, rule with .transpose
        @staticmethod
        def forward(ctx, x):
            return tg.einsum("ij,jk->ik", x, B)

        @staticmethod
        def backward(ctx, g):
            gt = tg.einsum("ik->ik", g).transpose(0, 1)
            assert type(gt) is tg.autograd.function.RuleArray and gt.shape == (4, 3)
            return tg.einsum("ki,jk->ij", gt, B)

    x = tg.tensor(rng.normal(size=(3, 3)), requires_grad=True)
    RowMix.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad, np.ones((3, 4)) @ B.T, rtol=1e-12)

    class Sort(tg.autograd.Function):  # PyTorch's "Extending PyTorch" example
        @staticmethod
        def forward(ctx, x):
            s, idx = x.sort()
            ctx.set_materialize_grads(False)
            ctx.save_for_backward(idx)
            ctx.mark_non_differentiable(idx)
            return s, idx

        @staticmethod
        def backward(ctx, g1, g2):
            idx, = ctx.saved_tensors
            return tg.zeros_like(g1).index_add_(0, idx, g1)

    a = tg.tensor([3.0, 1.0, 2.0], requires_grad=True)
    s, i = Sort.apply(a)
    (s * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(s.detach().numpy(), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(i.numpy(), [1, 2, 0])
    np.testing.assert_array_equal(a.grad, [3.0, 1.0, 2.0])


def test_renorm_keeps_its_curvature_at_a_zero_entry_and_like_functions_of_traced_tensors():
    # y = x1 / ‖x‖: ∂²y/∂x0² at x0 = 0 is -x1/‖x‖³ = -0.25 (|x|**2 through abs gave 0)
    x = tg.tensor([[0.0, 2.0]], requires_grad=True)
    g, = tg.autograd.grad(x.renorm(2, 0, 1.0)[0, 1], x, create_graph=True)
    np.testing.assert_allclose(tg.autograd.grad(g[0, 0], x)[0], [[-0.25, 0.0]], atol=1e-15)
    # zeros_like of a tensor traced for PyTorch (forward AD, tensorgrad.func) is a tensor
    idx = tg.tensor(np.array([0, 0]))
    with tg.autograd.forward_ad.dual_level():
        d = tg.autograd.forward_ad.make_dual(tg.tensor([1.0, 2.0]), tg.tensor([1.0, 0.0]))
        r = tg.autograd.forward_ad.unpack_dual(tg.zeros_like(d).index_add(0, idx, d))
        np.testing.assert_allclose(np.asarray(r.primal), [3.0, 0.0])
        np.testing.assert_allclose(np.asarray(r.tangent), [1.0, 0.0])
    grad = tg.func.grad(lambda x: (tg.zeros_like(x).index_add(0, idx, x) ** 2).sum())(tg.tensor([1.0, 2.0]))
    np.testing.assert_allclose(np.asarray(grad), [6.0, 6.0])


def test_post_accumulate_grad_hooks_run_without_grad_and_enable_grad_decorates_without_parentheses():
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    modes = []

    def step(p):  # PyTorch's optimizer-step-in-backward pattern
        modes.append(tg.is_grad_enabled())
        p.sub_(p.grad)
    t.register_post_accumulate_grad_hook(step)
    (t * 3).sum().backward()
    np.testing.assert_allclose(t.detach().numpy(), [-2.0, -1.0])
    assert modes == [False] and tg.is_grad_enabled()

    @tg.enable_grad
    def doubled(x):
        return x * 2
    with tg.no_grad():
        assert doubled(t).requires_grad


def test_torch_func_refuses_a_number_output_and_models_of_different_classes():
    with pytest.raises(RuntimeError, match="expected the function to return a tensor, got float"):
        tg.func.grad(lambda a: 3.0)(tg.tensor([1.0, 2.0]))
    with pytest.raises(ValueError, match="same class"):
        tg.func.stack_module_state([tg.nn.Linear(2, 2), tg.nn.Conv1d(2, 2, 1)])


def test_double_backward_through_custom_linear_solve_on_the_tape():
    # (the second backward gave b.grad = 0: the rule's output, computed from constants, was
    # kept on the tape as a tensor of its own)
    A = np.array([[3.0, 1.0], [1.0, 2.0]])

    def solve(b):
        return tg.lax.custom_linear_solve(lambda v: A @ v, b, lambda m, bb: tg.numpy.linalg.solve(A, bb),
                                          symmetric=True)
    f = lambda b: tg.sum(solve(b) ** 3)  # noqa: E731
    b0 = np.array([1.0, 2.0])
    want = tg.grad(lambda b: tg.sum(tg.grad(f)(b)))(b0)
    b = tg.tensor(b0, requires_grad=True)
    (g,) = tg.autograd.grad(f(b), b, create_graph=True)
    g.sum().backward()
    np.testing.assert_allclose(b.grad, want, rtol=1e-13)
    np.testing.assert_allclose(want, [-0.48, 1.44], rtol=1e-13)
