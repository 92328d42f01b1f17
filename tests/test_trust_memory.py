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


def test_custom_rule_residuals_go_with_the_backward_that_frees_them():
    # backward() without retain_graph frees the saved values; a custom_vjp rule's residuals
    # and an autograd.Function's ctx (save_for_backward) stayed alive with the output tensor
    # (PyTorch frees its saved tensors there)
    refs = []

    @tg.custom_vjp
    def scaled(x):
        return x * 2.0

    def fwd(x):
        r = np.full(1000, 2.0)
        refs.append(weakref.ref(r))
        return x * 2.0, (r,)
    scaled.defvjp(fwd, lambda res, g: (g * res[0][:3],))

    class Triple(tg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            big = tg.tensor(np.full(1000, 3.0))
            refs.append(weakref.ref(big))
            ctx.save_for_backward(x, big)
            return x * 3.0

        @staticmethod
        def backward(ctx, g):
            return g * ctx.saved_tensors[1][:3]

    for make, slope in ((scaled, 2.0), (Triple.apply, 3.0)):
        t = tg.tensor(np.ones(3), requires_grad=True)
        y = tg.sum(make(t))
        y.backward(retain_graph=True)  # retained: the residuals stay for the next sweep
        gc.collect()
        assert refs[-1]() is not None
        y.backward()
        gc.collect()
        assert refs[-1]() is None, make  # freed, while y is alive
        np.testing.assert_array_equal(t.grad, [2 * slope] * 3)
        with pytest.raises(RuntimeError, match="already freed"):
            y.backward()
