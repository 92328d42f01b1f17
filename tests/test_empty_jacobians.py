"""Jacobians through conv2d and roll with an empty batch or channel axis, and the error for a
half spectrum too short for irfft/hfft's default length."""
import numpy as np
import pytest

import tensorgrad as tg

RNG = np.random.default_rng(0)


@pytest.mark.parametrize("xs, ws", [((0, 3, 6, 6), (4, 3, 3, 3)), ((2, 3, 6, 6), (0, 3, 3, 3)),
                                    ((2, 0, 6, 6), (4, 0, 3, 3))])
def test_conv2d_jacobians_with_an_empty_axis(xs, ws):
    X, W = RNG.normal(size=xs), RNG.normal(size=ws)
    out = tg.conv2d(X, W).shape
    for jac in (tg.jacrev, tg.jacfwd):
        assert jac(lambda x: tg.conv2d(x, W))(X).shape == out + xs
        assert jac(lambda w: tg.conv2d(X, w))(W).shape == out + ws
    if 0 in out:
        return
    Jx = tg.jacrev(lambda x: tg.conv2d(x, W))(X)            # (zero-size inputs: all zeros)
    np.testing.assert_array_equal(Jx, np.zeros(out + xs))


def test_roll_jacobian_of_an_empty_array():
    for shape in [(0, 3), (2, 0), (0, 2, 3)]:
        x = np.zeros(shape)
        for jac in (tg.jacrev, tg.jacfwd):
            assert jac(lambda v: tg.roll(v, 1))(x).shape == shape + shape
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(tg.jacrev(lambda v: tg.roll(v, 1))(x).reshape(6, 6),
                                  np.roll(np.eye(6), 1, axis=0))


@pytest.mark.parametrize("name", ["irfft", "hfft"])
def test_a_too_short_half_spectrum_names_the_function_and_the_default(name):
    f = getattr(tg.fft, name)
    for m in (0, 1):
        with pytest.raises(ValueError, match=rf"{name}: a half spectrum of length {m}.*pass n"):
            f(np.zeros(m))
    assert f(np.ones(1), n=2).shape == (2,)


def test_einsum_takes_one_array_in_a_list_as_pytorchs_operand_list():
    a = np.arange(6.0).reshape(2, 3)
    assert tg.einsum("...ij->...ji", [a]).shape == (3, 2)
    assert tg.einsum("ij->ji", [tg.tensor(a)]).shape == (3, 2)
    assert tg.einsum("...", [a]).shape == (2, 3)
    np.testing.assert_array_equal(tg.grad(lambda x: tg.einsum("ij->", [x]))(a), np.ones((2, 3)))
    assert tg.einsum("i->", [1.0, 2.0]) == 3.0                # numbers: NumPy's array-like
    assert tg.einsum("ij->", [[1.0, 2.0], [3.0, 4.0]]) == 10.0
    with pytest.raises(ValueError, match=r"operand 0 has shape \(3,\)"):
        tg.einsum("ij", [np.arange(3.0)])
