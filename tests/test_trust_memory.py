"""chunk_size bounds the extra memory of jacrev and jacfwd to about chunk × output size.

Reproduction: jacrev(chunk_size=k) built the whole m×m identity for every
chunk (268 MB peak for a 4000×500 Jacobian against 16 MB unchunked). Here a
smaller case of the same shapes: the peak above the Jacobian itself must be
a few chunks, never m×m.
"""
from __future__ import annotations

import gc
import tracemalloc
import weakref

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.ops import activations


def _peak(fn, *args):
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        out = fn(*args)
        return out, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("transform", [tg.jacrev, tg.jacfwd])
@pytest.mark.parametrize("m,n", [(1200, 150), (150, 1200)])
def test_chunked_jacobians_stay_near_the_size_of_the_result(transform, m, n):
    rng = np.random.default_rng(0)
    A = rng.normal(size=(m, n))
    x = rng.normal(size=n)

    def f(x):
        return tg.tanh(A @ x)
    chunk = 20
    J, peak = _peak(transform(f, chunk_size=chunk), x)
    np.testing.assert_allclose(J, (1 - np.tanh(A @ x) ** 2)[:, None] * A, rtol=1e-12)
    extra = peak - J.nbytes
    # a few chunk-sized buffers (seed, cotangents or tangents, one chunk of the result)
    assert extra < 12 * chunk * max(m, n) * 8 + 2**16, (peak, J.nbytes)
    assert extra < max(m, n) ** 2 * 8 / 4  # nowhere near a full identity basis


def test_an_evaluation_of_the_fused_loss_pins_nothing():
    z = np.random.default_rng(0).random((50, 7))
    y = np.eye(7)[np.arange(50) % 7]
    probe = weakref.ref(z)
    tg.nn.softmax_cross_entropy(z, y)  # forward only (evaluation): its softmax waits for a VJP
    del z
    gc.collect()
    assert probe() is None  # the logits are gone, and with them the kept softmax
    assert activations._last_softmax.slot == [None, None]


def test_custom_rule_functions_made_per_call_are_freed():
    # a cache of the functions' signatures (an lru_cache of 512) kept the last 512 of them alive,
    # with what their closures hold: a checkpoint made per training step kept its arrays
    refs = []

    def step(x):
        big = np.ones(1000)
        refs.append(weakref.ref(big))
        inner = tg.checkpoint(lambda v: tg.sin(v) * big[:3])
        return tg.grad(lambda v: tg.sum(inner(v)))(x)

    for _ in range(3):
        np.testing.assert_allclose(step(np.ones(3)), np.cos(1.0))
    gc.collect()
    assert all(r() is None for r in refs)
