"""Dtypes: what can be differentiated, and what each gradient's dtype is.

Int and bool inputs cannot be differentiated (they may be constants); object
and string arrays are refused; float32 stays float32; mixed inputs follow
NumPy's promotion and each gradient has its input's dtype; complex values
raise a clear error.
"""

import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("value", [np.array([1, 2]), np.array([True, False]), 3, np.int32(2)])
def test_int_and_bool_inputs_are_rejected(value):
    dt = np.asarray(value).dtype
    for transform in (tg.grad(lambda x: tg.sum(x * 1.0)), tg.jacfwd(lambda x: x * 1.0),
                      tg.jacrev(lambda x: x * 1.0), lambda v: tg.jvp(lambda x: x, (v,), (v,))):
        with pytest.raises(TypeError, match=str(dt)):
            transform(value)
    # vjp takes them, as JAX does: a constant whose cotangent is float0 zeros
    ct = tg.vjp(lambda x: x * 1.0, value)[1](np.ones(np.shape(value)))[0]
    assert ct.dtype == tg.transform_parts.FLOAT0 and ct.shape == np.shape(value)
    with pytest.raises(TypeError, match=str(dt)):
        tg.tensor(value, requires_grad=True)


def test_int_and_bool_constants_are_fine():
    g = tg.grad(lambda x: tg.sum(x * np.array([1, 2]) + np.array([True, False]) - 3))(np.ones(2))
    np.testing.assert_array_equal(g, [1.0, 2.0])
    g = tg.grad(lambda x, n: tg.sum(x ** n), argnums=0)(np.ones(2) * 2, 3)
    np.testing.assert_array_equal(g, [12.0, 12.0])


def test_boolean_constants_inside_rules_that_negate_or_take_signs():
    # hypot's slope takes sign(y), Y_v's value at 0 floors the order, zeta's q-slope negates
    # x: NumPy has no boolean loop for these, and the gradients raised
    x = np.array([0.5, 1.5, 2.5], np.float32)
    b = np.array([True, False, True])
    g = tg.grad(lambda v: tg.sum(tg.hypot(v, b)))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, x / np.hypot(x, b.astype(np.float32)), rtol=1e-6)
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(tg.hypot(b, v)))(x), g)
    np.testing.assert_allclose(tg.jvp(lambda v: tg.hypot(v, b), (x,), (x,))[1], x * g, rtol=1e-6)
    x = x.astype(float)
    for f in (tg.special.yv, tg.special.zeta):
        got = tg.grad(lambda v: tg.sum(f(b, v + 1)))(x)
        want = tg.grad(lambda v: tg.sum(f(b.astype(float), v + 1)))(x)
        np.testing.assert_array_equal(got, want)



@pytest.mark.parametrize("bad", [np.array([1.0, None]), np.array([1.0, 2.0], dtype=object),
                                 np.array(["a", "b"]), np.array([b"a", b"b"])])
def test_object_and_string_arrays_raise_type_error(bad):
    with pytest.raises(TypeError):
        tg.grad(lambda x: tg.sum(x))(bad)
    with pytest.raises(TypeError):
        tg.tensor(bad)
    with pytest.raises(TypeError) as info:
        tg.grad(lambda x: tg.sum(x * bad))(np.ones(2))
    assert str(bad.dtype) in str(info.value)
    with pytest.raises(TypeError, match=str(bad.dtype)):
        tg.exp(bad)
    # also the ops NumPy would compute on such arrays (sums of objects, string order, shapes)
    square = np.stack([bad, bad])
    for call in (lambda: tg.add(bad, bad), lambda: tg.abs(bad), lambda: tg.sum(bad),
                 lambda: tg.sort(bad), lambda: tg.argmax(bad), lambda: tg.reshape(bad, (2, 1)),
                 lambda: tg.matmul(square, np.ones(2)), lambda: tg.tril(square),
                 lambda: tg.where(np.array([True, False]), bad, bad),
                 lambda: tg.add(bad[:1].reshape(()), bad[:1].reshape(()))):
        with pytest.raises(TypeError, match=f"dtype {bad.dtype} are not supported"):
            call()


def test_float0_gradients_of_integer_inputs_still_pass_through_ops():
    # JAX's float0 zeros (a void dtype) are not refused as strings are: vmap stacks them
    f = lambda x, n: tg.sum(x * n)  # noqa: E731
    x, n = np.ones((3, 2)), np.arange(6).reshape(3, 2)
    for gn in (tg.vmap(tg.grad(f, argnums=(0, 1), allow_int=True))(x, n)[1],
               tg.vmap(lambda a, b: tg.vjp(f, a, b)[1](1.0))(x, n)[1]):
        assert gn.dtype == tg.dtypes.float0 and gn.shape == (3, 2)


def test_float32_stays_float32():
    x = RNG.normal(size=(3, 4)).astype(np.float32)
    W = RNG.normal(size=(4, 2)).astype(np.float32)

    def f(x, W):
        h = tg.tanh(x @ W) + tg.nn.relu(x[:, :2]) * 0.5
        return tg.nn.softmax_cross_entropy(h, np.array([0, 1, 1])) + tg.mean(tg.sqrt(x * x + 1.0)) ** 2
    v, (gx, gW) = tg.value_and_grad(f, argnums=(0, 1))(x, W)
    assert v.dtype == gx.dtype == gW.dtype == np.float32
    assert tg.jacfwd(lambda x: tg.exp(x) * 2.0)(x).dtype == np.float32
    assert tg.jacrev(lambda x: tg.exp(x) * 2.0)(x).dtype == np.float32
    out, f_vjp = tg.vjp(lambda x: tg.nn.log_softmax(x), x)
    assert out.dtype == np.float32 and f_vjp(np.ones((3, 4)))[0].dtype == np.float32
    assert tg.hessian(lambda x: tg.sum(x ** 3))(x[0]).dtype == np.float32


def test_mixed_dtypes_follow_numpy_promotion():
    a32 = np.array([1.0, 2.0], np.float32)
    b64 = np.array([3.0, 4.0])
    h16 = np.array([0.5, 0.25], np.float16)
    f = lambda a, b: a * b  # noqa: E731
    assert f(tg.tensor(a32), b64).dtype == np.result_type(a32, b64)
    v, (ga, gb) = tg.value_and_grad(lambda a, b: tg.sum(f(a, b)), argnums=(0, 1))(a32, b64)
    assert v.dtype == np.float64 and ga.dtype == np.float32 and gb.dtype == np.float64
    np.testing.assert_allclose(ga, b64)
    gh, ga = tg.grad(lambda h, a: tg.sum(h * a), argnums=(0, 1))(h16, a32)
    assert gh.dtype == np.float16 and ga.dtype == np.float32
    # a Python float is weak: float32 stays float32
    assert tg.grad(lambda a: tg.sum(a * 2.5))(a32).dtype == np.float32
    # the imperative tape too
    ta, tb = tg.tensor(a32, requires_grad=True), tg.tensor(b64, requires_grad=True)
    tg.sum(ta * tb).backward()
    assert ta.grad.dtype == np.float32 and tb.grad.dtype == np.float64


def test_integer_and_boolean_outputs_are_refused_by_grad_and_jacrev_as_by_jax():
    x = np.array([1.5, 0.5])
    for transform in (tg.grad, tg.jacrev):
        for f in (lambda v: tg.sum((v > 1).astype(np.int64)), lambda v: tg.all(v > 1)):
            with pytest.raises(TypeError, match="real-valued .*outputs, got dtype (int64|bool)"):
                transform(f)(x)
    assert tg.jacrev(lambda v: tg.sum((v > 1) * v))(x).tolist() == [1.0, 0.0]  # float output: fine
    out, pull = tg.vjp(lambda v: (v > 1).astype(np.int64), x)  # vjp takes them (JAX's too)
    assert out.tolist() == [1, 0]


def test_complex_values_follow_jax_rules():
    z = np.array([1.0 + 2.0j])
    # grad and jacrev need real outputs (unless holomorphic=True), as in JAX
    with pytest.raises(TypeError, match="real-valued outputs"):
        tg.grad(lambda x: tg.sum(x))(z)
    with pytest.raises(TypeError, match="real-valued outputs"):
        tg.grad(lambda x: tg.sum(x * 1j))(np.ones(2))
    with pytest.raises(TypeError, match="real-valued inputs"):
        tg.jacfwd(lambda x: x)(z)
    with pytest.raises(TypeError, match="holomorphic=True needs complex inputs"):
        tg.grad(lambda x: tg.sum(x * 1j), holomorphic=True)(np.ones(2))
    # jvp of complex primals: complex tangents; a real primal's tangent is real
    assert tg.jvp(lambda x: x * 2, (z,), (z,))[1] == 2 * z
    with pytest.raises(TypeError, match="complex tangent"):
        tg.jvp(lambda x: x, (np.ones(1),), (z,))
    # a real input that meets complex values: the real part of its cotangent (JAX's rule)
    np.testing.assert_allclose(tg.jacfwd(lambda x: x * np.array([1j, 1.0]))(np.ones(2)),
                               np.diag([1j, 1.0]))
    (g,) = tg.vjp(lambda x: tg.sum(x * np.array([1j, 1.0]) * np.array([-1j, 1.0])),
                  np.ones(2))[1](1.0 + 0j)
    assert g.dtype == np.float64 and np.allclose(g, [1.0, 1.0])
    # an op without complex rules refuses complex values rather than guess
    with pytest.raises(TypeError, match="relu: cannot differentiate through complex values"):
        tg.grad(lambda x: tg.sum(tg.abs(tg.nn.relu(x))))(z)


def test_float16_stays_float16_through_every_one_input_elementwise_op():
    # SciPy's loops compute float16 in float64; tensorgrad gives the input's dtype back, as
    # JAX and PyTorch do (values and gradients)
    x = np.array([0.5, 0.25], np.float16)
    checked = 0
    with np.errstate(all="ignore"):
        for name, op in sorted(tg.REGISTRY.items()):
            fn = getattr(tg, name, None) or getattr(tg.nn, name, None)
            if op.kind != "diagonal" or len(op.inputs) != 1 or op.param_names or fn is None:
                continue
            # (a complex result, wofz's: the smallest complex dtype, as JAX's)
            want = np.complex64 if op.complex and np.iscomplexobj(fn(x)) else np.float16
            assert np.asarray(fn(x)).dtype == want, name
            assert tg.grad(lambda v: tg.sum(tg.real(fn(v))))(x).dtype == np.float16, name
            checked += 1
    assert checked > 40


def test_float_to_int_casts_saturate_as_jax():
    # NumPy leaves some casts undefined (INT_MIN for 1e20 and NaN on x86, with a RuntimeWarning):
    # tensorgrad's astype saturates those as JAX's does; the casts NumPy defines (its wrap-around
    # into uint8, as PyTorch's) keep NumPy's value
    import tensorgrad.numpy as jnp
    v = np.array([1e20, np.nan, -1.5, 300.7, -np.inf, 2.9, -2.9])
    expect32 = [2**31 - 1, 0, -1, 300, -2**31, 2, -2]
    expect_u8 = [255, 0, 255, 44, 0, 2, 254]
    for cast in (lambda a, d: tg.astype(a, d), lambda a, d: jnp.asarray(a).astype(d),
                 lambda a, d: jnp.asarray(a, dtype=d), lambda a, d: tg.tensor(a).to(d),
                 lambda a, d: tg.jit(lambda b: jnp.astype(b, d))(a)):
        np.testing.assert_array_equal(np.asarray(cast(v, np.int32)), expect32)
        np.testing.assert_array_equal(np.asarray(cast(v, np.uint8)), expect_u8)
        np.testing.assert_array_equal(np.asarray(cast(v, np.int64))[[0, 4]], [2**63 - 1, -2**63])
    np.testing.assert_array_equal(np.asarray(tg.lax.convert_element_type(v, np.int32)), expect32)
    for n in (1, 4, 100):  # (NumPy's value depends on the length there; here it does not)
        np.testing.assert_array_equal(tg.astype(np.full(n, 5e9), np.uint32), np.full(n, 705032704))
        np.testing.assert_array_equal(tg.astype(np.full(n, 1e20), np.uint32), np.full(n, 2**32 - 1))
    half = np.array([np.nan, 3.7, np.inf], np.float16)
    np.testing.assert_array_equal(tg.astype(half, np.int8), [0, 3, 127])
    with pytest.raises(ValueError, match="copy"):  # (NumPy's rule: a cast cannot avoid the copy)
        tg.asarray(np.array([1.5]), dtype=np.int32, copy=False)
    x = np.array([0.5, 2.5])  # in range: NumPy's own cast, the gradient through the float part
    np.testing.assert_array_equal(tg.astype(x, np.int16), x.astype(np.int16))
    np.testing.assert_allclose(tg.grad(lambda a: (a * tg.astype(a, np.int32)).sum())(x), [0.0, 2.0])
