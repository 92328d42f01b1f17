"""tg.lax's elementwise primitives accept the dtypes jax.lax's accept and refuse the others
with a TypeError (lax.sin of integers, lax.add of booleans, lax.lt of complex numbers), where
tensorgrad's NumPy-style functions promote; checked against jax.lax itself."""
import jax
import jax.lax as jl
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
DTYPES = [np.bool_, np.int32, np.uint8, np.float32, np.float64, np.complex128]
UNARY = ["abs", "acos", "acosh", "asin", "asinh", "atan", "atanh", "cbrt", "ceil", "conj", "cos",
         "cosh", "digamma", "erf", "erf_inv", "erfc", "exp", "exp2", "expm1", "floor", "imag",
         "is_finite", "lgamma", "log", "log1p", "logistic", "neg", "real", "reciprocal", "rsqrt",
         "sign", "sin", "sinh", "sqrt", "square", "tan", "tanh"]
BINARY = ["add", "sub", "mul", "div", "rem", "max", "min", "lt", "le", "gt", "ge", "eq", "ne",
          "igamma", "igammac", "zeta", "polygamma", "pow", "complex", "nextafter"]


def _outcome(fn, args):
    try:
        fn(*args)
    except TypeError:
        return "TypeError"
    return "ok"


@pytest.mark.parametrize("name, n", [(u, 1) for u in UNARY] + [(b, 2) for b in BINARY])
def test_accepted_dtypes_are_jaxs(name, n):
    for dt in DTYPES:
        args = (np.ones(3, dt),) * n
        want = _outcome(getattr(jl, name), args)
        with np.errstate(all="ignore"):
            got = _outcome(getattr(tg.lax, name), args)
        assert got == want, f"lax.{name} on {np.dtype(dt)}: {got}, jax.lax: {want}"


def test_the_refusal_names_the_primitive_and_the_dtype():
    with pytest.raises(TypeError, match=r"lax\.sin does not accept dtype int32.*floating"):
        tg.lax.sin(np.arange(3, dtype=np.int32))
    with pytest.raises(TypeError, match=r"lax\.sin does not accept dtype int32"):
        tg.jit(tg.lax.sin)(np.arange(3, dtype=np.int32))
    np.testing.assert_allclose(tg.sin(np.arange(3, dtype=np.int32)), np.sin(np.arange(3)))


def test_operands_given_by_name_are_checked_too():
    b = np.array([True, False])
    with pytest.raises(TypeError, match=r"lax\.add does not accept dtype bool"):
        tg.lax.add(x=b, y=b)
    with pytest.raises(TypeError, match=r"lax\.add does not accept dtype bool"):
        tg.lax.add(np.ones(2), y=b.astype(np.float64) > 0)
    np.testing.assert_array_equal(tg.lax.add(x=np.ones(2), y=np.ones(2)), [2.0, 2.0])
