"""A traced value never silently becomes a constant.

Reproductions: inside a transform ``float(x[0])``, ``x[0].item()``,
``np.float64(x[0])``, ``math.exp(x)``, ``np.asarray(x)``, ``np.array(x)`` and
``tg.tensor(x)`` all became constants (``tg.grad(lambda x: tg.sum(float(x[0]) * x))``
gave [0.3, 0.3, 0.3]). They now raise a TypeError naming the conversion and
the fix. bool() and comparisons stay allowed: values are concrete.
"""
from __future__ import annotations

import math
import operator

import numpy as np
import pytest
import scipy.special as sp

import tensorgrad as tg

X = np.array([0.3, 1.0, 2.0])

ESCAPES = {
    "float": lambda x: tg.sum(float(x[0]) * x),
    "int": lambda x: tg.sum(int(x[2]) * x),
    "complex": lambda x: tg.sum(complex(x[0]).real * x),
    "item": lambda x: tg.sum(x[0].item() * x),
    "np.float64": lambda x: tg.sum(np.float64(x[0]) * x),
    "math.exp": lambda x: tg.sum(math.exp(x[0]) * x),
    "np.asarray": lambda x: tg.sum(np.asarray(x) * x),
    "np.array": lambda x: tg.sum(np.array(x) * x),
    "tg.tensor": lambda x: tg.sum(tg.tensor(x) * x),
    "tg.tensor of a list": lambda x: tg.sum(tg.tensor([x[0], 1.0]) * x[:2]),
    "operator.index": lambda x: tg.sum(x * operator.index(x[0])),
}


@pytest.mark.parametrize("name", sorted(ESCAPES))
@pytest.mark.parametrize("transform", ["grad", "jacrev", "jacfwd", "vjp", "jvp", "hessian"])
def test_escapes_raise_inside_every_transform(name, transform):
    f = ESCAPES[name]
    call = {
        "grad": lambda: tg.grad(f)(X),
        "jacrev": lambda: tg.jacrev(f)(X),
        "jacfwd": lambda: tg.jacfwd(f)(X),
        "vjp": lambda: tg.vjp(f, X),
        "jvp": lambda: tg.jvp(f, (X,), (X,)),
        "hessian": lambda: tg.hessian(f)(X),
    }[transform]
    with pytest.raises(TypeError, match="traced value|tensor\\(\\)") as err:
        call()
    msg = str(err.value)
    assert "stop_gradient" in msg  # names the fix
    assert X.flags.writeable  # and leaves the caller's array as it was


def test_the_message_names_the_conversion_and_the_tg_op():
    with pytest.raises(TypeError) as err:
        tg.grad(lambda x: math.exp(x))(1.0)
    assert "math.*" in str(err.value) and "tg.exp" in str(err.value)
    with pytest.raises(TypeError) as err:
        tg.grad(lambda x: tg.sum(np.asarray(x)))(X)
    assert "np.asarray" in str(err.value) and "shape (3,)" in str(err.value)


def test_bool_comparisons_and_python_control_flow_stay_allowed():
    def f(x):
        if x[0] > 0:  # a comparison gives a boolean Tensor; bool() of it is fine
            y = x * 2.0
        else:
            y = x * -1.0
        while tg.sum(y) < 100.0:
            y = y * 3.0
        return tg.sum(y)
    g = tg.grad(f)(X)
    np.testing.assert_allclose(g, [54.0, 54.0, 54.0])
    assert bool(tg.grad(lambda x: tg.sum(x))(X).all())


def test_explicit_exits_are_allowed():
    g = tg.grad(lambda x: tg.sum(tg.stop_gradient(x[0]) * x))(X)
    np.testing.assert_allclose(g, [0.3, 0.3, 0.3])
    g = tg.grad(lambda x: tg.sum(x.detach() * x))(X)
    np.testing.assert_allclose(g, X)
    g = tg.grad(lambda x: tg.sum(x.numpy() * x))(X)
    np.testing.assert_allclose(g, X)


def test_outside_transforms_conversions_work_as_in_numpy():
    t = tg.tensor([1.5, 2.5])
    assert float(t[0]) == 1.5 and int(t[1]) == 2 and t[0].item() == 1.5
    assert math.exp(t[0]) == math.exp(1.5)
    np.testing.assert_array_equal(np.asarray(t), [1.5, 2.5])
    np.testing.assert_array_equal(np.array(t), [1.5, 2.5])
    assert tg.tensor(t).numpy().tolist() == [1.5, 2.5]
    assert [0, 1, 2][tg.tensor(1, dtype=np.int64)] == 1
    # a result computed inside a transform and handed out is a plain array
    assert float(tg.grad(lambda x: tg.sum(x * x))(np.array(2.0))) == 4.0


def test_imperative_tensors_give_numbers_but_not_arrays():
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    loss = tg.sum(t * t)
    assert float(loss) == 5.0 and loss.item() == 5.0  # logging a loss, as in PyTorch
    with pytest.raises(TypeError, match="requires grad"):
        np.asarray(loss)
    np.testing.assert_array_equal(loss.numpy(), 5.0)  # the explicit exit
    np.testing.assert_array_equal(np.asarray(t.detach()), [1.0, 2.0])
    with tg.no_grad():
        y = t * 2.0
    np.testing.assert_array_equal(np.asarray(y), [2.0, 4.0])  # not recorded: a plain value


def test_tolist_refuses_a_traced_value_and_formatting_always_works():
    with pytest.raises(TypeError, match=r"t\.tolist\(\)"):
        tg.grad(lambda x: tg.sum(x) * x.tolist()[0])(np.ones(2))
    assert tg.tensor([[1.0, 2.0]]).tolist() == [[1.0, 2.0]]

    seen = []

    def f(x):
        seen.append(f"{x[0]:.2f} {x}")  # printing a traced value is harmless
        return tg.sum(x * x)
    np.testing.assert_array_equal(tg.grad(f)(np.array([1.5, 2.0])), [3.0, 4.0])
    assert seen[0].startswith("1.50 tensor(")
    with pytest.raises(TypeError):  # as NumPy: a format spec needs a single value
        f"{tg.tensor([1.0, 2.0]):.2f}"


def test_copying_a_traced_value_keeps_its_gradient():
    import copy
    import pickle
    x = np.array([1.0, 2.0])
    # a deep copy used to copy the trace too and silently cut the gradient (zeros)
    for copier in (copy.deepcopy, copy.copy, lambda v: copy.deepcopy({"a": [v]})["a"][0]):
        np.testing.assert_allclose(tg.grad(lambda v: tg.sum(copier(v) * v))(x), 2 * x)
        np.testing.assert_allclose(tg.jacfwd(lambda v: copier(v) * v)(x), np.diag(2 * x))
        np.testing.assert_allclose(tg.jit(tg.grad(lambda v: tg.sum(copier(v) * v)))(x), 2 * x)
        np.testing.assert_allclose(tg.jit(lambda v: copier(v) * 3)(x), 3 * x)
    # pickling would store a constant: refused, naming the way out
    with pytest.raises(TypeError, match="pickling a Tensor"):
        tg.grad(lambda v: (pickle.dumps(v), tg.sum(v))[1])(x)
    with pytest.raises(tg.ConcretizationError, match="pickling"):
        tg.jit(lambda v: pickle.dumps(v))(x)
    # outside every trace: a copy of the array; the imperative tape's leaves stay leaves
    t = tg.tensor(x)
    c = copy.deepcopy(t)
    assert c is not t and np.array_equal(c, t) and np.shares_memory(c.data, t.data) is False
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(t)), x)
    w = tg.tensor(x, requires_grad=True)
    tg.sum(w * 3).backward()
    w2 = copy.deepcopy(w)
    assert w2 is not w and w2.requires_grad and np.array_equal(w2.grad, [3.0, 3.0])
    tg.sum(w2 * w2).backward()  # the copy trains on its own
    np.testing.assert_array_equal(w.grad, [3.0, 3.0])
    w3 = pickle.loads(pickle.dumps(w))
    assert w3.requires_grad and np.array_equal(w3, x)


def test_data_inside_a_transform_raises_outside_it_reads():
    x = np.array([1.0, 2.0])
    with pytest.raises(TypeError, match=r"t\.data"):
        tg.grad(lambda v: tg.sum(v.data * v))(x)
    # the explicit ways to take a constant still work
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(v.numpy() * v))(x), x)
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(v.detach() * v))(x), x)
    w = tg.tensor(x, requires_grad=True)
    assert np.array_equal(w.data, x) and not w.data.flags.writeable


def test_traced_parameters_differentiate_instead_of_becoming_constants():
    # each of these took a traced argument as a constant: a silent zero gradient
    import jax
    import jax.numpy as jnp
    x = np.array([0.1, 0.5, 0.9, 0.3])
    # clip's bounds (JAX: minimum(maximum(x, lo), hi); a tie shares the gradient)
    for f in (lambda m, b: m.clip(x, b, b + 0.5), lambda m, b: m.clip(x, 0.2, b)):
        g = tg.grad(lambda b: tg.sum(f(tg, b) * x))(0.3)
        assert np.isclose(g, float(jax.jit(jax.grad(lambda b: jnp.sum(f(jnp, b) * x)))(0.3)))
    # heaviside's value at 0
    s = np.array([-1.0, 0.0, 2.0, 0.0])
    assert tg.grad(lambda h: tg.sum(tg.heaviside(s, h)))(0.4) == 2.0
    # soft labels of the fused cross-entropy (a teacher's probabilities, say)
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(3, 4)), rng.random(size=(3, 4))
    ref = lambda z, y: jnp.mean(-jnp.sum(y * jax.nn.log_softmax(z, axis=-1), axis=-1))  # noqa: E731
    for lab in (y, y / y.sum(1, keepdims=True)):
        assert np.isclose(tg.nn.softmax_cross_entropy(z, lab), float(ref(z, lab)))
        for a, b in zip(tg.grad(tg.nn.softmax_cross_entropy, argnums=(0, 1))(z, lab),
                        jax.jit(jax.grad(ref, argnums=(0, 1)))(z, lab)):
            np.testing.assert_allclose(a, np.asarray(b), rtol=1e-12, atol=1e-14)
        h = tg.hessian(tg.nn.softmax_cross_entropy, argnums=(0, 1))(z, lab)
        jh = jax.jit(jax.hessian(ref, argnums=(0, 1)))(z, lab)
        for i in range(2):
            for j in range(2):
                np.testing.assert_allclose(h[i][j], np.asarray(jh[i][j]), rtol=1e-10, atol=1e-12)


def test_pad_with_a_traced_constant_differentiates_in_it():
    # constant_values was read as a number: a silent zero gradient
    x = np.arange(6.0).reshape(2, 3)
    w = ((1, 2), (2, 1))
    for cv in [0.3, np.array([0.3, 0.7]), np.array([[0.3, 0.7], [1.1, -2.0]])]:
        cv = np.asarray(cv, dtype=float)
        want = np.pad(x, w, constant_values=cv)
        weights = np.arange(want.size, dtype=float).reshape(want.shape)
        seen = {}

        def f(c):
            out = tg.pad(x, w, constant_values=c)
            seen["value"] = out.detach().numpy()
            return tg.sum(out * weights)
        g = tg.grad(f)(cv)
        np.testing.assert_array_equal(seen["value"], want)
        fd = np.zeros_like(cv)
        for i in np.ndindex(cv.shape):
            e = np.zeros_like(cv)
            e[i] = 1e-6
            fd[i] = (np.sum(np.pad(x, w, constant_values=cv + e) * weights)
                     - np.sum(np.pad(x, w, constant_values=cv - e) * weights)) / 2e-6
        np.testing.assert_allclose(g, fd, rtol=1e-7)
    assert tg.jit(tg.grad(lambda c: tg.sum(tg.pad(x, w, constant_values=c))))(0.3) == 24.0


def test_storing_a_recorded_number_into_a_numpy_array_raises_instead_of_dropping_its_gradient():
    # y[0] = t would store float(t): a constant, the gradient through it silently lost (torch
    # and MyGrad store it); float(t) and t.item() stay the explicit ways to take the number
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = np.zeros(3)
    with pytest.raises(ValueError) as info:
        y[0] = x[1] * x[2]
    assert "a[i] = t.item()" in str(info.value.__cause__)
    assert "tg.zeros_like(t)" in str(info.value.__cause__)  # (the buffer that records)
    with pytest.raises(ValueError):
        y[1] += x[0]
    y[0], y[1] = (x[1] * x[2]).item(), float(x[0])
    assert y.tolist() == [6.0, 1.0, 0.0]
    y[2] = tg.tensor(5.0)  # a constant tensor: nothing to lose
    assert y[2] == 5.0


def test_a_buffer_made_like_a_tensor_is_a_tensor_and_records_what_is_stored_in_it():
    # NumPy's subok (a subclass in, that subclass out) and PyTorch's zeros_like: a constant
    # tensor, so item assignment and in-place updates of it record
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for make in (tg.zeros_like, tg.empty_like, np.zeros_like, lambda t: tg.full_like(t, 0.0)):
        y = make(x)
        assert isinstance(y, tg.Tensor) and not y.requires_grad and y.tolist() == [0.0] * 3
        y[0] = x[1] * x[2]
        y += x
        y.sum().backward()
        np.testing.assert_array_equal(x.grad, [1.0, 1.0 + 3.0, 1.0 + 2.0])
        x.grad = None
    assert type(tg.ones_like(x, subok=False)) is np.ndarray          # NumPy's subok=False
    assert type(tg.ones_like(np.ones(3))) is np.ndarray              # arrays in: arrays out
    assert type(tg.grad(lambda v: tg.sum(tg.zeros_like(v) + v))(np.ones(2))) is np.ndarray


def test_storing_a_recorded_number_by_a_call_raises_as_a_subscript_store_does():
    # operator.setitem, __setitem__ and fill convert through float(t) as a[i] = t does
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    for write in (lambda a: operator.setitem(a, 0, x[0] * 3), lambda a: a.__setitem__(0, x[1]),
                  lambda a: a.fill(x[1])):
        a = np.zeros(2)
        with pytest.raises(ValueError) as info:
            write(a)
        assert "a[i] = t.item()" in str(info.value.__cause__)
        assert a.tolist() == [0.0, 0.0]
    assert float(x[0]) == 1.0 and math.exp(x[0]) == math.e  # the explicit conversions stay


def test_numpys_in_place_writers_take_a_constant_tensor_and_refuse_a_traced_one():
    c = tg.tensor(np.array([5.0, 6.0]))
    z = np.zeros(4)
    np.put(z, [0, 1], c)
    assert z.tolist() == [5, 6, 0, 0]
    np.place(z, z == 0, c)
    assert z.tolist() == [5, 6, 5, 6]
    np.put_along_axis(z, np.array([0, 1]), c[::-1], axis=0)
    assert z.tolist() == [6, 5, 5, 6]
    w = np.zeros((2, 2))
    np.fill_diagonal(w, c)
    assert w.tolist() == [[5, 0], [0, 6]]
    t = tg.tensor(np.array([5.0, 6.0]), requires_grad=True)
    with pytest.raises(TypeError, match="numpy.put would write a traced value"):
        np.put(z, [0, 1], t)
    assert z.tolist() == [6, 5, 5, 6]
    with pytest.raises(TypeError, match="numpy.place would write"):
        tg.grad(lambda v: (np.place(np.zeros(2), np.ones(2, bool), v), tg.sum(v))[1])(np.ones(2))


def test_scipy_specials_aliases_of_tensorgrads_functions_take_tensors():
    x = np.array([0.3, 1.5, 4.0])
    for f, d in ((sp.log1p, 1 / (1 + x)), (sp.expm1, np.exp(x)), (sp.exp2, np.log(2) * 2 ** x),
                 (sp.digamma, sp.polygamma(1, x))):
        np.testing.assert_allclose(tg.stop_gradient(f(tg.tensor(x))), f(x), rtol=1e-14)
        np.testing.assert_allclose(tg.grad(lambda t: tg.sum(f(t)))(x), d, rtol=1e-12)
    np.testing.assert_allclose(tg.grad(lambda t: tg.sum(sp.jn(2, t)))(x), sp.jvp(2, x), rtol=1e-10)


def test_an_array_built_from_traced_values_names_stack():
    with pytest.raises(TypeError, match=r"np\.array\(\[t0, t1\]\): join values with tg\.stack"):
        tg.grad(lambda v: np.sum(np.array([v[0], v[1]])))(np.ones(2))
    np.testing.assert_array_equal(tg.grad(lambda v: np.sum(np.stack([v[0], v[1] * 2])))(np.ones(2)),
                                  [1.0, 2.0])
