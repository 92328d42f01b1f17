"""tg.float32, tg.int64, ...: NumPy's scalar types wherever a dtype is read, and on traced
values the cast jax.numpy's scalar types make (jnp.float32(x) keeps the gradient)."""
import pickle

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)

SIZED = ["float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16",
         "uint32", "uint64", "bool_"]
ALIASES = ["float_", "double", "single", "half", "int_", "uint", "byte", "ubyte", "short",
           "ushort", "intc", "uintc", "intp", "uintp", "long", "ulong", "longlong", "ulonglong",
           "bool"]


def _np_name(n):
    return {"float_": "float64"}.get(n, n)


@pytest.mark.parametrize("name", SIZED + ALIASES)
def test_each_is_numpys_type_wherever_a_dtype_is_read(name):
    t, ref = getattr(tg, name), getattr(np, _np_name(name))
    assert t == ref and ref == t and not (t != ref) and hash(t) == hash(ref)
    assert np.dtype(t) == np.dtype(ref) and np.dtype(ref) == t
    assert {ref: 1}[t] == 1
    assert np.zeros(2, dtype=t).dtype == np.dtype(ref)
    assert np.arange(3).astype(t).dtype == np.dtype(ref)
    assert isinstance(ref(1), t) and issubclass(ref, t) and not isinstance(1.5, t)
    assert np.issubdtype(t, np.generic) and np.issubdtype(t, ref)
    assert pickle.loads(pickle.dumps(t)) is t
    # calling it on plain values is NumPy's call: same value, same type
    for v in (1, 2.75, [1, 0, 3], np.array([0.5, 1.5])):
        got, want = t(v), ref(v)
        assert type(got) is type(want)
        np.testing.assert_array_equal(got, want)
        if isinstance(want, np.ndarray):
            assert got.dtype == want.dtype


def test_aliases_are_one_object_and_other_types_differ():
    assert tg.double is tg.float64 and tg.single is tg.float32 and tg.float_ is tg.float64
    assert tg.half is tg.float16 and tg.bool is tg.bool_
    assert tg.float32 != tg.float64 and tg.float32 != np.float64 and tg.float32 != "float32"
    assert tg.result_type(tg.float32, tg.int64) == np.result_type(np.float32, np.int64)
    assert np.finfo(tg.float32).eps == np.finfo(np.float32).eps and tg.iinfo(tg.int8).max == 127
    assert repr(tg.float32) == "<class 'tensorgrad.float32'>" and tg.float32.__name__ == "float32"
    assert jnp.zeros(2, dtype=tg.float32).dtype == jnp.float32


def test_a_traced_value_is_cast_on_the_tape_as_jax_does():
    x = np.array([0.3, -1.2, 2.5])

    def f(m, v):
        return m.sum(m.sin(m.float32(v)) * m.float64(v) ** 2) + m.sum(m.float64([v[0], 2 * v[1]]))

    for fn in (lambda v: f(tg, v), tg.jit(lambda v: f(tg, v))):
        np.testing.assert_allclose(fn(x), jax.jit(lambda v: f(jnp, v))(x), rtol=1e-5)  # (float32 sines)
    g = tg.grad(lambda v: f(tg, v))(x)
    np.testing.assert_allclose(g, jax.grad(lambda v: f(jnp, v))(x), rtol=1e-5)
    # the cast's own result: its dtype, its value, its derivative (one through float32's rounding)
    y = tg.jit(lambda v: tg.float32(v))(x)
    assert y.dtype == np.float32 and np.array_equal(y, x.astype(np.float32))
    assert tg.grad(lambda v: tg.sum(tg.float32(v)))(x).dtype == np.float64
    np.testing.assert_array_equal(tg.vmap(tg.float16)(x), x.astype(np.float16))
    np.testing.assert_allclose(tg.jacfwd(lambda v: tg.float64(v) * v)(x), np.diag(2 * x))
    # an integer cast is a constant: an index, no gradient through it (JAX's float0 / zero)
    idx = np.array([0.5, 1.5, 0.2])
    g = tg.grad(lambda v: tg.sum(v[tg.int64(v)] * v))(idx)
    np.testing.assert_allclose(g, jax.grad(lambda v: jnp.sum(v[jnp.int64(v)] * v))(idx))


def test_the_imperative_tape_keeps_the_cast_too():
    t = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.sum(tg.float32(t) * 3)
    assert y.dtype == np.float32
    y.backward()
    np.testing.assert_array_equal(t.grad, [3.0, 3.0])
    assert t.grad.dtype == np.float64
