"""jax.ops' segment reductions: values, dtypes, empty segments, dropped and clipped ids, and
gradients, against JAX (segment_prod's gradient, which JAX refuses for repeated ids, and the
clipped ids, where JAX's gradient is not finite, against central differences)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.testing import central_difference_gradient

jax.config.update("jax_enable_x64", True)

DATA = np.random.default_rng(0).normal(size=(7, 3))
DATA[3] = DATA[1]  # a tie inside segment 2
IDS = np.array([0, 2, 2, 2, -1, 5, 1])
NAMES = ["segment_sum", "segment_prod", "segment_max", "segment_min"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("num, mode", [(None, None), (4, None), (6, "drop"), (4, "clip"), (0, None)])
def test_segment_reductions_match_jax(name, num, mode):
    f_tg = lambda d: getattr(tg.ops, name)(d, IDS, num, mode=mode)  # noqa: E731
    f_jax = lambda d: getattr(jax.ops, name)(d, IDS, num, mode=mode)  # noqa: E731
    want = np.asarray(f_jax(DATA))
    got = f_tg(DATA)
    assert got.shape == want.shape and got.dtype == want.dtype
    np.testing.assert_allclose(got, want, rtol=1e-14)
    np.testing.assert_allclose(tg.jit(f_tg)(DATA), want, rtol=1e-14)
    if num == 0:
        return
    w = np.where(np.isfinite(want), np.random.default_rng(1).normal(size=want.shape), 0.0)

    def loss_np(d):
        return float(np.sum(np.where(np.isfinite(want), np.asarray(f_tg(d)), 0.0) * w))
    g = tg.grad(lambda d: tg.sum(tg.where(np.isfinite(want), f_tg(d), 0.0) * w))(DATA)
    if name == "segment_prod" or mode == "clip":
        np.testing.assert_allclose(g, central_difference_gradient(loss_np, DATA), rtol=1e-6, atol=1e-8)
    else:
        gj = jax.grad(lambda d: jnp.sum(jnp.where(np.isfinite(want), f_jax(d), 0.0) * w))(DATA)
        np.testing.assert_allclose(g, gj, rtol=1e-13, atol=1e-15)


def test_integer_data_and_bad_ids():
    x, ids = np.array([1, 5, 3]), np.array([0, 0, 2])
    np.testing.assert_array_equal(tg.segment_max(x, ids), jax.ops.segment_max(x, ids))
    np.testing.assert_array_equal(tg.ops.segment_min(x, ids, 4), jax.ops.segment_min(x, ids, 4))
    with pytest.raises(TypeError, match="segment_ids must be integers"):
        tg.segment_sum(DATA, IDS.astype(float))
    with pytest.raises(ValueError, match="one id per row"):
        tg.segment_sum(DATA, IDS[:3])
