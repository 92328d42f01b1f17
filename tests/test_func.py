"""tg.func: torch.func's names and keywords on tensorgrad's transforms. PyTorch 2.13's answers
for the same calls are written out (PyTorch is not a test dependency)."""
import numpy as np
import pytest

import tensorgrad as tg

X, Y = np.array([0.3, 1.0]), np.array([2.0, -1.0])


def f(x, y):
    return tg.sum(tg.sin(x) * y)


def test_grad_and_value_order_and_aux():
    (gx, gy), value = tg.func.grad_and_value(f, argnums=(0, 1))(X, Y)
    # torch.func.grad_and_value gave ((1.9107, -0.5403), (0.2955, 0.8415)), -0.2504
    np.testing.assert_allclose(gx, np.cos(X) * Y)
    np.testing.assert_allclose(gy, np.sin(X))
    np.testing.assert_allclose(value, f(X, Y))
    g, (value, aux) = tg.func.grad_and_value(lambda x: (f(x, Y), x * 2), has_aux=True)(X)
    np.testing.assert_allclose(g, np.cos(X) * Y)
    np.testing.assert_allclose(aux, 2 * X)
    np.testing.assert_allclose(tg.func.grad(f)(X, Y), np.cos(X) * Y)


def test_transforms_under_pytorch_keywords():
    out, t = tg.func.jvp(f, (X, Y), (np.ones(2), np.zeros(2)))
    np.testing.assert_allclose(t, np.sum(np.cos(X) * Y))
    np.testing.assert_allclose(tg.func.jacrev(tg.sin, chunk_size=1)(X), np.diag(np.cos(X)))
    np.testing.assert_allclose(tg.func.jacfwd(tg.sin)(X), np.diag(np.cos(X)))
    np.testing.assert_allclose(tg.func.hessian(f)(X, Y), np.diag(-np.sin(X) * Y))
    batched = tg.func.vmap(lambda a, b: a * b, in_dims=(0, None), out_dims=1)(np.ones((3, 2)), Y)
    np.testing.assert_allclose(batched, np.repeat(Y[:, None], 3, axis=1))
    with pytest.raises(ValueError, match="randomness"):
        tg.func.vmap(tg.sin, randomness="bogus")


def test_functional_call_swaps_in_parameters_and_buffers():
    m = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.BatchNorm1d(3), tg.nn.Linear(3, 1))
    m.init(0)
    m.eval()
    xb = np.random.default_rng(0).normal(size=(4, 2))
    p = m.named_parameters()
    np.testing.assert_allclose(tg.func.functional_call(m, p, (xb,)), m(xb))
    doubled = {k: v * 2 for k, v in p.items()}
    want = m.apply([{"W": p["0.W"] * 2, "b": p["0.b"] * 2},
                    {"weight": p["1.weight"] * 2, "bias": p["1.bias"] * 2},
                    {"W": p["2.W"] * 2, "b": p["2.b"] * 2}], xb)
    np.testing.assert_allclose(tg.func.functional_call(m, doubled, xb), want)
    before = m.layers[1].running_mean.copy()
    shifted = tg.func.functional_call(m, ({}, {"1.running_mean": np.ones(3)}), xb)
    assert not np.allclose(shifted, m(xb))
    np.testing.assert_array_equal(m.layers[1].running_mean, before)  # put back afterwards
    g = tg.grad(lambda q: tg.sum(tg.func.functional_call(m, q, xb)))(p)
    assert g.keys() == p.keys()
    np.testing.assert_allclose(g["2.b"], [4.0])
    with pytest.raises(ValueError, match="no parameter or buffer named 'weight'"):
        tg.func.functional_call(m, {"weight": np.ones(1)}, xb)
    with pytest.raises(ValueError, match="strict=True"):
        tg.func.functional_call(m, {"0.W": p["0.W"]}, xb, strict=True)


def test_functional_call_of_a_model_not_run_yet_updates_its_own_buffers():
    # torch.func's pattern functional_call(model, dict(model.named_buffers()), x) in training
    # mode: the statistics land in the module's own buffers, which stay the module's (the
    # model's first use made its parameters with init(), which started fresh zero buffers)
    x = np.random.default_rng(0).normal(size=(5, 4)) + 3
    bn = tg.nn.BatchNorm1d(4, dtype=np.float64)
    buffers = dict(bn.named_buffers())
    tg.func.functional_call(bn, buffers, (x,))
    assert bn.running_mean is buffers["running_mean"]
    np.testing.assert_allclose(bn.running_mean, 0.1 * x.mean(0), rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * x.var(0, ddof=1), rtol=1e-12)
    assert int(bn.num_batches_tracked) == 1


def test_functional_call_keeps_a_traced_buffer_traced():
    m = tg.nn.Sequential(tg.nn.Linear(2, 3), tg.nn.BatchNorm1d(3))
    m.init(0)
    m.eval()
    xb = np.ones((4, 2))
    g = tg.grad(lambda r: tg.sum(tg.func.functional_call(m, {"1.running_mean": r}, xb)))(
        np.zeros(3))
    np.testing.assert_allclose(g, -4.0 / np.sqrt(1.0 + 1e-5) * np.ones(3), rtol=1e-12)


def test_stack_module_state_runs_an_ensemble_with_vmap():
    # torch.func's model-ensembling recipe: stacked parameters, functional_call under vmap
    models = [tg.nn.Linear(3, 2) for _ in range(4)]
    for i, m in enumerate(models):
        m.init(i)
    params, buffers = tg.func.stack_module_state(models)
    assert buffers == {} and set(params) == {"W", "b"} and params["W"].shape == (4, 3, 2)
    x = np.random.default_rng(0).normal(size=(5, 3))
    run = lambda p, b, x: tg.func.functional_call(models[0], (p, b), (x,))  # noqa: E731
    out = tg.func.vmap(run, in_dims=(0, 0, None))(params, buffers, x)
    want = np.stack([x @ m.params["W"] + m.params["b"] for m in models])
    np.testing.assert_allclose(out, want, rtol=1e-14)
    models[0].params["W"][0, 0] += 1.0  # the stacks are new arrays
    assert params["W"][0, 0, 0] != models[0].params["W"][0, 0]
    bn = [tg.nn.BatchNorm1d(2) for _ in range(3)]
    for m in bn:
        m.init(0)
    p, b = tg.func.stack_module_state(bn)
    assert b["running_mean"].shape == (3, 2) and p["weight"].shape == (3, 2)
    for m in models:
        m.requires_grad_()
    p, _ = tg.func.stack_module_state(models)
    assert isinstance(p["W"], tg.Tensor) and p["W"].requires_grad
    with pytest.raises(ValueError, match="at least one model"):
        tg.func.stack_module_state([])
    bn[1].eval()
    with pytest.raises(ValueError, match="same training or eval mode"):
        tg.func.stack_module_state(bn)
    with pytest.raises(ValueError, match=r"'W' has different shapes"):
        tg.func.stack_module_state([tg.nn.Linear(3, 2), tg.nn.Linear(3, 4)])


def test_stack_module_state_refuses_traced_parameters():
    m = tg.nn.Linear(2, 2)
    m.init(0)

    def loss(w):
        m.params = {"W": w, "b": np.zeros(2)}
        return tg.sum(tg.func.stack_module_state([m])[0]["W"])
    with pytest.raises(TypeError, match="'W' is traced by a transform"):
        tg.grad(loss)(np.ones((2, 2)))


def test_dict_gradients_keep_the_arguments_key_order_in_torch_func_and_autograd():
    # PyTorch's torch.func and HIPS autograd return a dict argument's gradient with the
    # argument's own key order (code zips params.items() with grads.values()); tg.grad keeps
    # JAX's sorted order
    p = {"w": np.ones(2), "b": 2 * np.ones(2), "a": {"z": np.ones(1), "c": 3 * np.ones(1)}}

    def f(q):
        return tg.sum(q["w"] * q["b"]) + tg.sum(q["a"]["z"] * q["a"]["c"])

    order = ["w", "b", "a"]
    results = [tg.func.grad(f)(p), tg.func.grad(lambda q: (f(q), 1), has_aux=True)(p)[0],
               tg.func.grad_and_value(f)(p)[0],
               tg.func.grad(lambda x, q: f(q) * tg.sum(x) / 2, argnums=(0, 1))(np.ones(2), p)[1],
               tg.func.vjp(f, p)[1](np.float64(1.0))[0], tg.autograd.grad(f)(p),
               tg.autograd.value_and_grad(f)(p)[1], tg.autograd.elementwise_grad(f)(p),
               tg.autograd.make_vjp(f)(p)[0](1.0), tg.autograd.grad_and_aux(lambda q: (f(q), 0))(p)[0]]
    for g in results:
        assert list(g) == order and list(g["a"]) == ["z", "c"]
        for k, v in {"w": 2.0, "b": 1.0}.items():
            np.testing.assert_array_equal(g[k], np.full(2, v))
        np.testing.assert_array_equal(g["a"]["z"], [3.0])
    assert list(tg.grad(f)(p)) == ["a", "b", "w"]  # JAX's rule


def test_replace_all_batch_norm_modules_stops_running_statistics_for_vmap():
    # torch.func's helper for vmap over a model with BatchNorm (it was missing)
    m = tg.nn.Sequential(tg.nn.Conv2d(3, 4, 3), tg.nn.BatchNorm2d(4), tg.nn.Sequential(tg.nn.BatchNorm2d(4)))
    m.init(0)
    assert tg.func.replace_all_batch_norm_modules_(m) is m
    for bn in (m[1], m[2][0]):
        assert not bn.track_running_stats and bn.running_mean is None and bn.running_var is None
    x = np.random.default_rng(0).normal(size=(5, 2, 3, 6, 6))
    out = tg.func.vmap(m)(x)
    for i in (0, 4):  # each mapped slice normalized by its own batch statistics
        np.testing.assert_allclose(out[i], m(x[i]), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.asarray(out[0]).mean(axis=(0, 2, 3)), 0.0, atol=1e-12)
    m.eval()  # in evaluation mode too: there is no running statistic to use
    np.testing.assert_allclose(np.asarray(m(x[0])).mean(axis=(0, 2, 3)), 0.0, atol=1e-12)
