"""NumPy-style functions where a probe against NumPy and JAX found them apart: the variance
of complex input with a real dtype= (was the real part's alone, with a ComplexWarning)."""
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp

Z = np.array([1 + 3j, 4 + 1j, -2 + 0.5j])


@pytest.mark.parametrize("name", ["var", "std", "nanvar", "nanstd"])
def test_a_real_dtype_for_complex_input_is_refused(name):
    with pytest.raises(ValueError, match=f"{name}: dtype=float64 for a complex input"):
        getattr(tnp, name)(Z, dtype=np.float64)
    with pytest.raises(ValueError, match=f"{name}: dtype=float64 for a complex input"):
        getattr(tg, name)(list(Z), dtype=np.float64)  # (a list too)
    # no dtype: the real variance of both parts, as NumPy's own
    np.testing.assert_allclose(np.asarray(getattr(tg, name)(Z)), getattr(np, name)(Z), rtol=1e-14)
    # a complex dtype: NumPy's value in that dtype
    got = getattr(tnp, name)(Z, dtype=np.complex128)
    np.testing.assert_allclose(np.asarray(got), getattr(np, name)(Z, dtype=np.complex128), rtol=1e-14)


def test_unique_fills_in_the_values_dtype_as_jax():
    got = tnp.unique(np.array([3, 1, 3]), size=4, fill_value=2.5)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, [1, 3, 2, 2])
    got = tnp.unique(np.array([True, False]), size=3, fill_value=-7)
    assert got.dtype == np.bool_
    np.testing.assert_array_equal(got, [False, True, True])


def test_jax_take_along_axis_takes_wrap_negative_indices():
    a = np.array([1.0, 2.0])
    assert np.isnan(tnp.take_along_axis(a, np.array([-1]), wrap_negative_indices=False)[0])
    np.testing.assert_array_equal(tnp.take_along_axis(a, np.array([-1])), [2.0])
