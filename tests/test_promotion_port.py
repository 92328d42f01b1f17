"""Dtype promotion, ported from PyTorch's test_type_promotion.py and NumPy 2's NEP 50 tests:
tensorgrad follows NumPy's result dtypes and values (and its errors), for Tensors, traced
values and plain arrays alike."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

I8 = np.array([100, 3], np.int8)
F32 = np.array([0.1, 1.7], np.float32)


def _outcome(fn):
    """(dtype, values) of fn(), or the exception's type."""
    try:
        v = fn()
    except Exception as e:  # noqa: BLE001 - compared with NumPy's
        return type(e)
    v = v.detach().numpy() if isinstance(v, tg.Tensor) else np.asarray(v)
    return v.dtype, v.tolist()


def _same_as_numpy(f, *args):
    want = _outcome(lambda: f(*args))
    got = _outcome(lambda: f(*[tg.tensor(a) if isinstance(a, np.ndarray) else a for a in args]))
    if isinstance(want, type):  # NumPy refuses: so does tensorgrad, with NumPy's kind of error
        assert isinstance(got, type) and issubclass(got, want), (want, got)
    else:
        assert got == want


@pytest.mark.parametrize("f, args", [
    (lambda a, b: np.add(a, b, dtype=np.int8), (I8, np.int64(300))),         # wraps in int8
    (lambda a, b: np.add(a, b, dtype=np.float32), (F32, np.float64(0.1))),   # stays float32
    (lambda a, b: np.add(a, b, dtype=np.int8), (F32, 1)),                    # same_kind: refused
    (lambda a, b: np.multiply(a, b, dtype=np.int8), (I8, 1.5)),              # refused
    (lambda a: np.sqrt(a, dtype=np.int8), (F32,)),                           # no such loop
    (lambda a, b: np.subtract(a, b, dtype=np.float64), (I8, np.int16(7))),
])
def test_ufunc_dtype_argument_picks_numpys_loop(f, args):
    _same_as_numpy(f, *args)


def test_ufunc_dtype_argument_inside_grad_keeps_the_loop_dtype_and_the_gradient():
    x = np.ones(2, np.float32)
    g, aux = tg.grad(lambda x: (tg.sum(np.add(x, np.float64(0.1), dtype=np.float32) * 2), x), has_aux=True)(x)
    assert g.dtype == np.float32 and g.tolist() == [2.0, 2.0]
    y = tg.jit(lambda x: np.add(x, np.float64(0.1), dtype=np.float32))(x)
    assert y.dtype == np.float32


@pytest.mark.parametrize("f, args", [
    (lambda a: np.sum(a, initial=1.5), (np.array([1, 2], np.int8),)),          # 4, an integer
    (lambda a: np.prod(a, initial=1.5), (np.array([2, 3], np.int8),)),         # 6
    (lambda a: np.max(a, initial=np.float64(3.1)), (np.array([1, 6], np.float16),)),
    (lambda a: np.min(a, initial=-2.7), (np.array([1, 6], np.int16),)),
    (lambda a: np.sum(a, dtype=np.int8, initial=300), (np.array([1, 2], np.int8),)),  # OverflowError
    (lambda a: np.nansum(a, initial=0.5), (np.array([1, 2], np.int32),)),
    (lambda a: np.nanprod(a, initial=np.float64(2.5)), (np.array([1.5, np.nan], np.float32),)),
])
def test_reduction_initial_is_taken_in_the_reduction_dtype(f, args):
    _same_as_numpy(f, *args)


def test_reduction_initial_traced_keeps_its_gradient():
    x = np.array([1.0, 2.0], np.float32)
    gi = tg.grad(lambda i: tg.sum(tg.sum(x, initial=i) * 3.0))(2.0)
    assert float(gi) == 3.0
    gx = tg.grad(lambda v: tg.sum(v, initial=np.float64(0.5)))(x)
    assert gx.dtype == np.float32 and gx.tolist() == [1.0, 1.0]


def test_clip_of_a_python_number_with_a_traced_bound_is_not_weak():
    bound = np.float32(0.5)
    want = np.clip(0.1, None, bound)
    got = tg.grad(lambda b: (tg.sum(b), tg.clip(0.1, None, b)), has_aux=True)(bound)[1]
    assert np.asarray(got).dtype == np.asarray(want).dtype == np.float64
    assert tg.jit(lambda b: tg.clip(2, None, b))(np.int8(5)).dtype == np.clip(2, None, np.int8(5)).dtype


def test_python_numbers_are_weak_in_concatenate_and_choose():
    one = np.float32(1)
    assert np.concatenate([np.array(one), 1.0], axis=None).dtype == np.float32
    for f in (lambda t: np.concatenate([t, 1.0], axis=None), lambda t: tg.concatenate([t, 1.0], axis=None)):
        assert np.asarray(f(np.array(one))).dtype == np.float32
        assert tg.jit(f)(np.array(one)).dtype == np.float32
        g, v = tg.grad(lambda t: (tg.sum(f(t)), f(t)), has_aux=True)(np.array(one))
        assert v.dtype == np.float32 and g.dtype == np.float32
    assert np.choose(1, [np.float32(1), 1.0]).dtype == tg.choose(1, [np.float32(1), 1.0]).dtype == np.float32


@pytest.mark.parametrize("kw", [{"to_begin": [0.1]}, {"to_begin": np.int64(300)}, {"to_end": 0.5},
                                {"to_end": np.array([7], np.int16)}])
@pytest.mark.parametrize("dtype", [np.float32, np.int8])
def test_ediff1d_ends_take_the_arrays_dtype(kw, dtype):
    a = np.array([1, 3, 6], dtype)
    _same_as_numpy(lambda x: np.ediff1d(x, **kw), a)


def test_ediff1d_gradient_of_float32_stays_float32():
    x = np.array([1.0, 3.0, 6.0], np.float32)
    g = tg.grad(lambda v: tg.sum(tg.ediff1d(v, to_begin=[0.1]) * np.arange(3.0)))(x)
    want = jax.grad(lambda v: jnp.sum(jnp.ediff1d(v, to_begin=jnp.array([0.1])) * jnp.arange(3.0)))(x)
    assert g.dtype == np.float32
    np.testing.assert_allclose(g, want)
