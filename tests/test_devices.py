"""JAX's device queries and scope helpers: one CPU device, one process; the helpers run code
unchanged."""
import numpy as np
import pytest

import tensorgrad as tg


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


def test_scope_helpers_run_code_unchanged():
    f = tg.named_call(lambda x: tg.sin(x) * 2, name="double_sin")
    with tg.named_scope("block"), tg.ensure_compile_time_eval():
        g = tg.grad(lambda x: tg.sum(f(x)))(np.array([0.0, 1.0]))
    np.testing.assert_allclose(g, 2 * np.cos([0.0, 1.0]))
    with pytest.raises(TypeError, match="named_scope"):
        tg.named_scope(3)
