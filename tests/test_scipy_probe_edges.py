"""tg.scipy where a probe against jax.scipy and SciPy found it apart: csd with y=None, QR with
pivoting of an empty matrix, sqrtm's second positional argument as JAX passes it."""
import jax
import jax.numpy as jnp
import jax.scipy.linalg as jsl
import jax.scipy.signal as jsig
import numpy as np
import pytest
import scipy.linalg as sl

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)


def test_csd_of_x_with_none_is_its_own_cross_spectrum():
    x = np.sin(np.arange(64.0))
    f, p = tg.scipy.signal.csd(x, None, nperseg=16)
    jf, jp = jsig.csd(jnp.asarray(x), None, nperseg=16)
    np.testing.assert_allclose(np.asarray(p), np.asarray(jp), rtol=1e-12)
    np.testing.assert_allclose(np.asarray(f), np.asarray(jf), rtol=1e-12)


@pytest.mark.parametrize("shape", [(0, 3), (0, 0), (3, 0), (2, 0, 3)])
def test_pivoted_qr_of_an_empty_matrix(shape):
    got = tg.scipy.linalg.qr(np.zeros(shape), pivoting=True)
    want = sl.qr(np.zeros(shape[-2:]), pivoting=True)
    assert [np.shape(v) for v in got] == [shape[:-2] + np.shape(v) for v in want]


def test_sqrtm_with_jaxs_positional_blocksize():
    A = np.array([[4.0, 1.0], [0.0, 9.0]])
    np.testing.assert_allclose(np.asarray(tg.scipy.linalg.sqrtm(A, 1)),
                               np.asarray(jsl.sqrtm(jnp.asarray(A), 1)).real, rtol=1e-12)
    with pytest.raises(NotImplementedError, match="disp=False"):
        tg.scipy.linalg.sqrtm(A, False)
