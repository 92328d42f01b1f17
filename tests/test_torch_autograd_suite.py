"""tensorgrad's PyTorch-style autograd against live PyTorch 2.13: ``Function`` (forward once,
Tensor extras, grad modes, materialize_grads), hooks and pruning of ``autograd.grad`` /
``backward(inputs=)``, create_graph accumulation and constant higher derivatives, and the
RuntimeError classes. PyTorch's numbers are written out (PyTorch is not a test dependency)."""
import collections
import types

import numpy as np
import pytest

import tensorgrad as tg


def test_function_forward_runs_once_under_create_graph():
    rng = np.random.default_rng(0)
    calls = []

    class Dropout(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            calls.append(1)
            m = (rng.random(a.shape) > 0.5) * 2.0
            ctx.save_for_backward(m)
            return a * m

        @staticmethod
        def backward(ctx, g):
            (m,) = ctx.saved_tensors
            return g * m

    for how in ("grad", "backward"):
        calls.clear()
        x = tg.tensor(np.ones(8), requires_grad=True)
        y = Dropout.apply(x)
        if how == "grad":
            (g,) = tg.autograd.grad(tg.sum(y), x, create_graph=True)
        else:
            tg.sum(y).backward(create_graph=True)
            g = x.grad
        assert len(calls) == 1  # (PyTorch: once)
        np.testing.assert_array_equal(g.numpy() if isinstance(g, tg.Tensor) else g, y.numpy())


def test_function_saved_inputs_and_outputs_stay_recorded_under_create_graph():
    class Exp(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            r = np.exp(a)
            ctx.save_for_backward(r)
            return r

        @staticmethod
        def backward(ctx, g):
            (r,) = ctx.saved_tensors
            return g * r

    class Two(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a, a * 3

        @staticmethod
        def backward(ctx, g1, g2):
            (a,) = ctx.saved_tensors
            return g1 * 2 * a + g2 * 3

    x = tg.tensor([0.5, -1.0], requires_grad=True)
    (g,) = tg.autograd.grad(tg.sum(Exp.apply(x) * x), x, create_graph=True)
    (g2,) = tg.autograd.grad(tg.sum(g), x)
    np.testing.assert_allclose(g.numpy(), [2.47308191, 0.0], atol=1e-8)  # PyTorch's
    np.testing.assert_allclose(g2, [4.12180318, 0.36787944], rtol=1e-8)
    p, q = Two.apply(x)
    (g,) = tg.autograd.grad(tg.sum(p * q), x, create_graph=True)
    (g2,) = tg.autograd.grad(tg.sum(g), x)
    np.testing.assert_allclose(g.numpy(), [2.25, 9.0])
    np.testing.assert_allclose(g2, [9.0, -18.0])


def test_grad_of_a_recorded_input_applies_its_hooks():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * 10)
    (gy,) = tg.autograd.grad(tg.sum(y * y), [y])
    np.testing.assert_allclose(gy, [40.0, 80.0])  # PyTorch's (after the hook)
    x2 = tg.tensor([1.0, 2.0], requires_grad=True)
    x2.register_hook(lambda g: g * 10)
    (gl,) = tg.autograd.grad(tg.sum(x2 * x2), [x2])
    np.testing.assert_allclose(gl, [20.0, 40.0])


def _bug3_graph():
    log = []
    x = tg.tensor([0.5, -1.0, 2.0], requires_grad=True)
    w = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.register_hook(lambda g: log.append("x"))
    w.register_hook(lambda g: log.append("w"))
    h = x * w
    h.retain_grad()
    h.register_hook(lambda g: log.append("h") or g * 10)
    k = tg.sin(h)
    k.retain_grad()
    return log, x, w, h, k, tg.sum(k * k)


def test_grad_and_backward_inputs_sweep_only_what_the_inputs_need():
    log, x, w, h, k, out = _bug3_graph()
    tg.autograd.grad(out, [k], retain_graph=True)  # nothing beyond k runs
    assert log == [] and h.grad is None
    np.testing.assert_allclose(k.grad, [0.95885108, -1.81859485, -0.558831], rtol=1e-6)
    k.grad = None
    (gw,) = tg.autograd.grad(out, [w], retain_graph=True)
    # PyTorch's: x's hook does not run, h's does, and the retained .grad on the way fill
    assert sorted(log) == ["h", "w"]
    np.testing.assert_allclose(gw, [4.2074, -7.5680, -10.7315], atol=1e-4)
    np.testing.assert_allclose(h.grad, [8.4147, 7.5680, -5.3657], atol=1e-4)
    np.testing.assert_allclose(k.grad, [0.9589, -1.8186, -0.5588], atol=1e-4)
    log.clear()
    out.backward(inputs=[w], retain_graph=True)
    assert sorted(log) == ["h", "w"] and x.grad is None
    np.testing.assert_allclose(w.grad, [4.2074, -7.5680, -10.7315], atol=1e-4)
    np.testing.assert_allclose(h.grad, [16.8294, 15.1360, -10.7315], atol=1e-4)
    log.clear()
    x.grad = w.grad = None
    tg.autograd.backward([out], inputs=[w], retain_graph=True)
    assert sorted(log) == ["h", "w"] and x.grad is None


def test_grad_frees_only_the_part_it_swept():
    x = tg.tensor([0.5, -1.0], requires_grad=True)
    h = tg.exp(x)
    k = tg.sin(h)
    out = tg.sum(k * k)
    tg.autograd.grad(out, [k])  # (no retain_graph): frees out's nodes down to k only
    tg.sum(h).backward()
    np.testing.assert_allclose(x.grad, [1.6487, 0.3679], atol=1e-4)  # PyTorch's
    with pytest.raises(RuntimeError, match="freed"):
        out.backward()


def test_function_sees_the_tensor_extras_as_pytorch():
    class Scale(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a.detach() * a.numel() + 0 * a.dim()

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            return g.clone() * a.numel()

    class MyReLU(tg.autograd.Function):  # PyTorch's tutorial, with NumPy's maximum
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return np.maximum(a, 0)

        @staticmethod
        def backward(ctx, g):
            (a,) = ctx.saved_tensors
            grad_input = g.clone()
            grad_input[a < 0] = 0
            return grad_input

    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = Scale.apply(x)
    assert type(y._value) is np.ndarray  # (the tape keeps plain arrays)
    tg.sum(y).backward()
    np.testing.assert_array_equal(x.grad, [3.0, 3.0, 3.0])
    assert type(x.grad) is tg.autograd.function.GradArray and type(x.grad.base) is np.ndarray
    x.grad = None
    tg.sum(MyReLU.apply(x)).backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 1.0])
    g = tg.grad(lambda u: tg.sum(MyReLU.apply(u)))(np.array([1.0, -2.0]))
    np.testing.assert_array_equal(g, [1.0, 0.0])
    assert type(g) is np.ndarray


def test_create_graph_accumulates_into_grad_out_of_place():
    x = tg.tensor(np.zeros(3), requires_grad=True)
    y = x + 2
    y.backward(np.ones(3), retain_graph=True)
    old = x.grad
    y.backward(np.ones(3), create_graph=True)
    np.testing.assert_array_equal(old, [1.0, 1.0, 1.0])  # (PyTorch: the reference keeps it)
    assert old is not x.grad
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])


def test_a_constant_higher_derivative_differentiates_to_zeros():
    x = tg.tensor([0.5, -1.2, 2.0], requires_grad=True)
    (g,) = tg.autograd.grad(tg.sum(x ** 3), x, create_graph=True)
    (h,) = tg.autograd.grad(tg.sum(g), x, create_graph=True)
    (t,) = tg.autograd.grad(tg.sum(h), x, create_graph=True)
    np.testing.assert_array_equal(t.numpy(), [6.0, 6.0, 6.0])
    (f,) = tg.autograd.grad(tg.sum(t), x, allow_unused=True)
    np.testing.assert_array_equal(f, [0.0, 0.0, 0.0])  # PyTorch: tensor([0., 0., 0.])


def test_function_grad_modes_and_materialize_grads_follow_pytorch():
    seen = []

    class F(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.set_materialize_grads(False)
            seen.append(("forward", tg.is_grad_enabled()))
            return a * 2, a * 3

        @staticmethod
        @tg.autograd.once_differentiable
        def backward(ctx, g1, g2):
            seen.append(("backward", tg.is_grad_enabled(), g2 is None))
            return g1 * 2 if g2 is None else g1 * 2 + g2 * 3

    x = tg.tensor(np.ones(2), requires_grad=True)
    a, b = F.apply(x)
    tg.sum(a).backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])
    a, b = F.apply(x)
    (g,) = tg.autograd.grad(tg.sum(a), x, create_graph=True)
    with pytest.raises(RuntimeError, match="once_differentiable"):  # (PyTorch: RuntimeError)
        tg.autograd.grad(tg.sum(g), x, allow_unused=True)
    # PyTorch 2.13's record for the same calls
    assert seen == [("forward", False), ("backward", False, True), ("forward", False),
                    ("backward", False, True)]
    x.grad = None
    a, b = F.apply(x)
    tg.sum(a * b).backward()  # both outputs get a gradient: no None
    assert seen[-1] == ("backward", False, False)


def test_function_backward_records_under_create_graph_only():
    modes = []

    class Sq(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, g):
            modes.append(tg.is_grad_enabled())
            (a,) = ctx.saved_tensors
            return 2 * a * g

    x = tg.tensor([1.0, 3.0], requires_grad=True)
    tg.sum(Sq.apply(x)).backward()
    (g,) = tg.autograd.grad(tg.sum(Sq.apply(x)), x, create_graph=True)
    assert modes == [False, True]
    (g2,) = tg.autograd.grad(tg.sum(g), x)
    np.testing.assert_array_equal(g2, [2.0, 2.0])


def test_torch_style_errors_are_runtime_errors_and_keep_their_class():
    x = tg.tensor(np.ones(3), requires_grad=True)
    y = x * 2

    class BadShape(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return np.ones(10)

    class BadCount(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, g):
            return g

    def hook_bad():
        z = x * 3
        z.register_hook(lambda g: np.ones(4))
        tg.sum(z).backward()

    F = tg.func
    cases = [
        (ValueError, lambda: y.backward(np.ones(4), retain_graph=True)),
        (ValueError, lambda: tg.autograd.grad(y, x, np.ones(2), retain_graph=True)),
        (ValueError, lambda: tg.autograd.grad(tg.sum(y), [], retain_graph=True)),
        (ValueError, lambda: tg.sum(y).backward(inputs=[], retain_graph=True)),
        (ValueError, lambda: setattr(x, "grad", np.ones(4))),
        (TypeError, lambda: tg.tensor(np.arange(3), requires_grad=True)),
        (TypeError, lambda: tg.tensor(np.arange(3)).requires_grad_()),
        (ValueError, hook_bad),
        (ValueError, lambda: tg.sum(BadShape.apply(x)).backward()),
        (TypeError, lambda: tg.sum(BadCount.apply(x, x)).backward()),
        (TypeError, lambda: F.grad(lambda a, b: tg.sum(a * b), argnums=2)(np.ones(2),
                                                                           np.ones(2))),
        (ValueError, lambda: F.grad(lambda a, b: tg.sum(a * b), argnums=(0, 0))(np.ones(2),
                                                                                np.ones(2))),
        (TypeError, lambda: F.grad(lambda a: a * 2)(np.ones(2))),
        (TypeError, lambda: F.grad_and_value(lambda a: a * 2)(np.ones(2))),
        (ValueError, lambda: F.jacrev(lambda a, b: a, argnums=(1, 1))(np.ones(2), np.ones(2))),
        (ValueError, lambda: F.jvp(tg.sin, (np.ones(3),), (np.ones(2),))),
        (AttributeError, lambda: delattr(x, "requires_grad")),
    ]
    for k, (cls, fn) in enumerate(cases):
        with pytest.raises(RuntimeError) as info:  # (PyTorch raises RuntimeError in each)
            fn()
        assert isinstance(info.value, cls), (k, info.value)
    # the same checks leave correct calls alone
    assert np.allclose(F.grad(lambda a: tg.sum(a * a))(np.ones(2)), 2.0)
    assert np.allclose(F.jvp(tg.sin, (np.zeros(3),), (np.ones(3),))[1], 1.0)


def test_a_limited_create_graph_sweep_still_records_every_dependence():
    # grad in w alone sweeps only w's part, but the recorded gradient depends on x too
    x0, w0 = np.array([0.5, -1.0]), np.array([2.0, 0.3])
    x = tg.tensor(x0, requires_grad=True)
    w = tg.tensor(w0, requires_grad=True)
    (gw,) = tg.autograd.grad(tg.sum(tg.sin(x * w)), [w], create_graph=True)
    (gx,) = tg.autograd.grad(tg.sum(gw), [x])
    np.testing.assert_allclose(gx, -np.sin(x0 * w0) * w0 * x0 + np.cos(x0 * w0), rtol=1e-12)


def test_materialize_grads_false_inside_a_transform_passes_zeros():
    seen = []

    class F(tg.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.set_materialize_grads(False)
            return a * 2, a * 3

        @staticmethod
        def backward(ctx, g1, g2):
            seen.append(g2 is None)
            return g1 * 2 if g2 is None else g1 * 2 + g2 * 3

    g = tg.grad(lambda u: tg.sum(F.apply(u)[0]))(np.ones(2))
    np.testing.assert_array_equal(g, [2.0, 2.0])
    assert seen == [False]  # (a transform cannot tell: zeros, as documented)


def test_ops_without_a_derivative_stay_on_the_graph_with_zero_gradients():
    # PyTorch 2.13: floor/round/sign results require grad and pass zeros back; comparisons don't
    x = tg.tensor(np.array([1.5, -2.3, 0.4]), requires_grad=True)
    w = tg.tensor(np.array([2.0, 3.0, -1.0]), requires_grad=True)
    y = tg.floor(x)
    assert y.requires_grad and y.grad_fn is not None
    tg.sum(y).backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])
    x.grad = None
    tg.sum(tg.sign(x) * w + tg.round(x * w)).backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(w.grad, [1.0, -1.0, 1.0])
    assert not (x > 0).requires_grad
    with tg.no_grad():
        assert not tg.floor(x).requires_grad
    g, = tg.autograd.grad(tg.sum(tg.floor(x) * x), [x], create_graph=True)
    np.testing.assert_array_equal(concrete_value(g), np.floor(x.detach()))


def concrete_value(t):
    return np.asarray(t.detach() if hasattr(t, "detach") else t)


def test_function_porting_forms_pytorch_accepts():
    # trailing None gradients past the inputs, the vjp alias of backward, and the reentrant
    # pattern (a detached copy that requires grad, differentiated inside forward's graph)
    class Extra(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2, None, None

    class ByVjp(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3

        @staticmethod
        def vjp(ctx, g):
            return g * 3

    class Reenter(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            with tg.enable_grad():
                ctx.x = x.detach().requires_grad_()
                ctx.out = ctx.x ** 2
            return ctx.out.detach()

        @staticmethod
        def backward(ctx, g):
            with tg.enable_grad():
                tg.sum(ctx.out).backward()
            return ctx.x.grad * g

    for F, want in ((Extra, [2.0, 2.0]), (ByVjp, [3.0, 3.0]), (Reenter, [2.0, 4.0])):
        x = tg.tensor([1.0, 2.0], requires_grad=True)
        tg.sum(F.apply(x)).backward()
        np.testing.assert_allclose(x.grad, want)
    with pytest.raises(Exception, match="returned 3 gradients"):
        class Bad(Extra):
            @staticmethod
            def backward(ctx, g):
                return g, g, None
        tg.sum(Bad.apply(tg.tensor([1.0], requires_grad=True))).backward()


def test_function_gradients_of_a_broadcast_shape_are_summed_down():
    # PyTorch's engine sums a backward's gradient of a shape the input broadcasts to down to
    # the input's shape, and refuses any other shape: [2, 2, 2] for (2, 3) ones on a (3,)
    # input; (3, 1), and (3,) for a (1, 3) input, and () raise "invalid gradient"
    def make(shape):
        class Spread(tg.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                x, = ctx.saved_tensors
                return tg.stack([g * x] * shape[0]) if shape else g * x
        return Spread

    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    tg.sum(make((2, 3)).apply(x)).backward()
    np.testing.assert_allclose(x.grad, [2.0, 4.0, 6.0])
    x0 = np.array([1.0, 2.0, 3.0])  # recorded under hessian: the sum is differentiated too
    np.testing.assert_allclose(tg.hessian(lambda v: tg.sum(make((2, 3)).apply(v) ** 2))(x0),
                               np.diag(12 * x0 ** 2))

    def wrong(shape, xshape):
        class Wrong(tg.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                return x * 2

            @staticmethod
            def backward(ctx, g):
                return tg.ones(shape)
        v = tg.tensor(np.ones(xshape), requires_grad=True)
        with pytest.raises(ValueError, match=rf"gradient of shape \({shape[0] if shape else ''}"):
            tg.sum(Wrong.apply(v)).backward()
    for shape, xshape in (((3, 1), (3,)), ((3,), (1, 3)), ((), (3,))):
        wrong(shape, xshape)


def test_function_writing_into_its_input_is_refused_with_tensorgrads_error():
    # PyTorch's ctx.mark_dirty example: forward updates its input in place (NumPy's read-only
    # error before, from deep inside)
    class ByMethod(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return 2 * g

    class ByNumpy(ByMethod):
        @staticmethod
        def forward(ctx, x):
            a = x.numpy()
            a += 1
            ctx.mark_dirty(x)
            return x
    for F in (ByMethod, ByNumpy):
        x = tg.tensor([1.0, 2.0], requires_grad=True)
        with pytest.raises(NotImplementedError, match=rf"{F.__name__}.forward wrote into an array "
                                                      r"that is read-only.*mark_dirty"):
            F.apply(x.clone())
        assert x.tolist() == [1.0, 2.0]


def test_backward_inputs_may_be_recorded_results():
    # PyTorch: backward(inputs=[h]) with a recorded h fills h.grad (as retain_grad would) and
    # sweeps no further; with h and x both, each gets its own
    x = tg.tensor([1.0, -2.0, 0.5], requires_grad=True)
    h = x * 2
    tg.sum(h * h).backward(inputs=[h])
    np.testing.assert_allclose(h.grad, 2 * h.detach())
    assert x.grad is None
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    k = tg.sin(h)
    y = tg.sum(k * h)
    tg.autograd.backward([y], inputs=[h, x], retain_graph=True)
    xv = x.numpy()
    dh = np.sin(2 * xv) + 2 * xv * np.cos(2 * xv)
    np.testing.assert_allclose(h.grad, dh)
    np.testing.assert_allclose(x.grad, 2 * dh)
    y.backward(inputs=[k])
    np.testing.assert_allclose(k.grad, h.detach())
    with pytest.raises(ValueError, match="requires grad"):
        y.backward(inputs=[tg.tensor([1.0])])


def test_double_backward_through_values_forward_kept_treats_them_as_pytorch_does():
    class Exp2(tg.autograd.Function):  # backward reads an intermediate, not an input or output
        @staticmethod
        def forward(ctx, a):
            e = a.exp()
            ctx.save_for_backward(e)
            return e * 2.0

        @staticmethod
        def backward(ctx, g):
            (e,) = ctx.saved_tensors
            return g * e * 2.0

    class Leaky(tg.autograd.Function):  # a float mask made in forward, independent of a
        @staticmethod
        def forward(ctx, x):
            s = np.where(x > 0, 1.0, 0.01)
            ctx.save_for_backward(s)
            return x * s

        @staticmethod
        def backward(ctx, g):
            (s,) = ctx.saved_tensors
            return g * s

    x0 = np.array([0.3, -0.7, 1.9])
    # alone, the gradient comes out constant: it stays a constant, as PyTorch's (it was linked
    # to the input with a zero derivative, a silently wrong 0 for Exp2's 2e^a)
    for fn in (Exp2.apply, Leaky.apply):
        a = tg.tensor(x0, requires_grad=True)
        (g,) = tg.autograd.grad(fn(a).sum(), a, create_graph=True)
        assert not g.requires_grad
        with pytest.raises(RuntimeError, match="does not require grad"):
            tg.autograd.grad(g.sum(), a)
    # after a recorded op, the intermediates are constants to the recorded backward, as in
    # PyTorch (torch 2.13 gives these numbers): exact for the mask, without d(e)/da for Exp2
    for fn, want in ((lambda a: Leaky.apply(a ** 2), [2.0, 2.0, 2.0]),
                     (lambda a: Exp2.apply(a * a), 4 * np.exp(x0 ** 2)),
                     (lambda a: Leaky.apply(a) + a ** 3, 6 * x0)):
        a = tg.tensor(x0, requires_grad=True)
        (g,) = tg.autograd.grad(fn(a).sum(), a, create_graph=True)
        np.testing.assert_allclose(tg.autograd.grad(g.sum(), a)[0], want, rtol=1e-14)
    # traced by a transform, forward's intermediates depend on the inputs: exact there
    np.testing.assert_allclose(tg.hessian(lambda a: Exp2.apply(a).sum())(x0),
                               np.diag(2 * np.exp(x0)), rtol=1e-14)

    class Scale(tg.autograd.Function):  # only inputs and Python numbers on ctx
        @staticmethod
        def forward(ctx, a, w):
            ctx.save_for_backward(w)
            ctx.k = 3.0
            return a * w * ctx.k

        @staticmethod
        def backward(ctx, g):
            (w,) = ctx.saved_tensors
            return g * w * ctx.k, None

    class Masked(tg.autograd.Function):  # a boolean mask
        @staticmethod
        def forward(ctx, a):
            ctx.mask = a > 1.5
            return a * ctx.mask

        @staticmethod
        def backward(ctx, g):
            return g * ctx.mask

    # a Function whose ctx holds no float value of forward's own: its constant gradient is
    # exact, linked with derivative zero as tensorgrad's own ops' (also after a recorded op)
    for fn in (lambda a: Scale.apply(a, np.array([2.0, 5.0, 1.0])), Masked.apply):
        a = tg.tensor(x0, requires_grad=True)
        (g,) = tg.autograd.grad(fn(a).sum(), a, create_graph=True)
        np.testing.assert_array_equal(tg.autograd.grad(g.sum(), a)[0], [0.0, 0.0, 0.0])
        (g,) = tg.autograd.grad(fn(a * a).sum(), a, create_graph=True)
        np.testing.assert_allclose(tg.autograd.grad(g.sum(), a)[0], 2 * g.detach().numpy() / (2 * x0))
    # only the tensors before such a Function keep a constant gradient: relu's stays linked
    x, y = tg.tensor([1.0, -2.0, 3.0], requires_grad=True), tg.tensor(x0, requires_grad=True)
    gx, gy = tg.autograd.grad(tg.relu(x).sum() + Exp2.apply(y).sum(), [x, y], create_graph=True)
    assert gx.requires_grad and not gy.requires_grad  # (as PyTorch)
    np.testing.assert_array_equal(tg.autograd.grad(gx.sum(), x)[0], [0.0, 0.0, 0.0])
    # the answer is each sweep's own: one run by a hook inside another does not undo it
    x, y = tg.tensor(x0, requires_grad=True), tg.tensor([1.0, 2.0], requires_grad=True)

    def hook(t):
        with tg.enable_grad():
            z = tg.tensor([1.0], requires_grad=True)
            tg.autograd.grad((z * z).sum(), z)
    y.register_post_accumulate_grad_hook(hook)
    ((3.0 * y).sum() + Exp2.apply(x).sum()).backward(create_graph=True)
    assert not x.grad.requires_grad
    a = tg.tensor([1.5], requires_grad=True)  # tensorgrad's own ops keep the link
    (g,) = tg.autograd.grad((a ** 2).sum(), a, create_graph=True)
    (g,) = tg.autograd.grad(g.sum(), a, create_graph=True)
    assert g.requires_grad and tg.autograd.grad(g.sum(), a)[0] == 0.0


def test_create_graph_through_values_kept_in_containers_on_ctx():
    x0 = np.array([0.3, -0.7, 1.1])

    class Dict(tg.autograd.Function):  # the input kept in a dict stands for the recorded one
        @staticmethod
        def forward(ctx, x):
            ctx.d = {"x": x}
            return x * x

        @staticmethod
        def backward(ctx, g):
            return 2 * g * ctx.d["x"]

    x = tg.tensor(x0, requires_grad=True)
    (g,) = tg.autograd.grad(Dict.apply(x).sum(), x, create_graph=True)
    np.testing.assert_array_equal(tg.autograd.grad(g.sum(), x)[0], [2.0, 2.0, 2.0])  # (was 0)
    Pair = collections.namedtuple("Pair", "x k")
    for keep, read in ((lambda x: Pair(x, 2.0), lambda h: h.x * h.k),  # (so were these)
                       (lambda x: collections.OrderedDict(x=x), lambda h: 2 * h["x"]),
                       (lambda x: types.SimpleNamespace(x=x), lambda h: 2 * h.x)):
        class Held(tg.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.h = keep(x)
                return x * x

            @staticmethod
            def backward(ctx, g):
                return g * read(ctx.h)

        x = tg.tensor(x0, requires_grad=True)
        (g,) = tg.autograd.grad(Held.apply(x).sum(), x, create_graph=True)
        np.testing.assert_array_equal(tg.autograd.grad(g.sum(), x)[0], [2.0, 2.0, 2.0])

    class Kept(tg.autograd.Function):  # forward's own exp(x), in a SimpleNamespace
        @staticmethod
        def forward(ctx, x):
            ctx.n = types.SimpleNamespace(e=x.exp())
            return x.exp()

        @staticmethod
        def backward(ctx, g):
            return g * ctx.n.e

    x = tg.tensor(x0, requires_grad=True)
    (g,) = tg.autograd.grad(Kept.apply(x).sum(), x, create_graph=True)
    assert isinstance(g, tg.Tensor) and not g.requires_grad and not g.sum().requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):  # (was a silent 0)
        tg.autograd.grad(g.sum(), x)
    y = Kept.apply(x)  # the Function's own output is not before it: its gradient stays linked
    y.retain_grad()
    tg.relu(y).sum().backward(create_graph=True)
    assert y.grad.requires_grad and not x.grad.requires_grad
