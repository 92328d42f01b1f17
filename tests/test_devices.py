"""JAX's device queries and scope helpers: one CPU device, one process; the helpers run code
unchanged."""
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp
from tensorgrad.tensor import torch_style


def test_one_cpu_device_and_one_process():
    (d,) = tg.devices()
    assert d.platform == "cpu" and d.id == 0 and tg.local_devices() == [d]
    assert tg.device_count() == tg.local_device_count() == tg.process_count() == 1
    assert tg.process_index() == 0 and tg.default_backend() == "cpu"
    np.testing.assert_array_equal(tg.device_put(np.arange(3), d), np.arange(3))
    out = tg.pmap(lambda x: x * 2)(np.arange(float(tg.local_device_count())))
    np.testing.assert_array_equal(out, [0.0])
    with pytest.raises(RuntimeError, match="unknown backend 'gpu'"):
        tg.devices("gpu")


def test_jax_creation_calls_take_a_cpu_device_or_sharding_and_keep_jax_arrays():
    # jnp.zeros(3, device=jax.devices()[0]): the device is checked (the CPU) and the result
    # stays a JAX-style array; tg.zeros(..., device=) is PyTorch's form, a tensor of PyTorch's
    (d,) = tg.devices()
    for made in (tnp.zeros(3, device=d), tnp.arange(3, device="cpu"), tnp.linspace(0, 1, 3, device=d),
                 tnp.full((2,), 1.0, device=d), tnp.eye(2, device=d), tnp.zeros_like(tnp.ones(2), device=d)):
        assert type(made) is tg.Tensor and not torch_style(made)
    assert torch_style(tg.zeros(3, device=d))
    for call in (lambda: tnp.zeros(2, device="cuda"), lambda: tg.ones(2, device="gpu:0")):
        with pytest.raises(ValueError, match="is not available; tensorgrad computes on the CPU"):
            call()


def test_scope_helpers_run_code_unchanged():
    f = tg.named_call(lambda x: tg.sin(x) * 2, name="double_sin")
    with tg.named_scope("block"), tg.ensure_compile_time_eval():
        g = tg.grad(lambda x: tg.sum(f(x)))(np.array([0.0, 1.0]))
    np.testing.assert_allclose(g, 2 * np.cos([0.0, 1.0]))
    with pytest.raises(TypeError, match="named_scope"):
        tg.named_scope(3)
