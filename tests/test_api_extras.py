"""tg.linear_transpose, eval_shape, custom_gradient, remat/checkpoint, pure_callback,
closure_convert and the device helpers, against JAX."""
import gc
import importlib
import types
import weakref

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

A = np.arange(6.0).reshape(2, 3) / 7.0


def _close(ours, theirs):
    ol, otd = tg.tree_util.tree_flatten(ours)
    tl, _ = jax.tree_util.tree_flatten(theirs)
    assert len(ol) == len(tl)
    for o, t in zip(ol, tl):
        np.testing.assert_allclose(np.asarray(o), np.asarray(t), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", ["matmul", "two_inputs", "dict_out", "scalar"])
def test_linear_transpose_matches_jax(case):
    if case == "matmul":
        f, jf, primals, ct = (lambda x: A @ x), (lambda x: jnp.asarray(A) @ x), (np.ones(3),), \
            np.array([1.0, -2.0])
    elif case == "two_inputs":
        f = lambda x, y: (2 * x + tg.sum(y), tg.transpose(y))
        jf = lambda x, y: (2 * x + jnp.sum(y), jnp.transpose(y))
        primals, ct = (np.ones(2), np.ones((2, 3))), (np.array([1.0, 3.0]), A.T)
    elif case == "dict_out":
        f = lambda x: {"a": x[0], "b": tg.cumsum(x[1:]) * 2}
        jf = lambda x: {"a": x[0], "b": jnp.cumsum(x[1:]) * 2}
        primals, ct = (np.ones(3),), {"a": 1.5, "b": np.array([1.0, 2.0])}
    else:
        f = jf = lambda x: x * 3.0
        primals, ct = (1.0,), 2.0
    ours = tg.linear_transpose(f, *primals)(ct)
    theirs = jax.jit(jax.linear_transpose(jf, *primals))(ct)
    assert isinstance(ours, tuple) and len(ours) == len(primals)
    _close(ours, theirs)


def test_linear_transpose_needs_only_shapes_and_refuses_bad_input():
    spec = tg.ShapeDtypeStruct((3,), np.float64)
    np.testing.assert_allclose(tg.linear_transpose(lambda x: A @ x, spec)(np.ones(2))[0], A.sum(0))
    ft = tg.linear_transpose(lambda x: 2 * x, np.ones(2))
    # the transpose is itself differentiable and traceable in its cotangent
    at = tg.linear_transpose(lambda x: A @ x, np.ones(3))
    c = np.array([1.0, 2.0])
    np.testing.assert_allclose(tg.grad(lambda u: tg.sum(at(u)[0] ** 2))(c), 2 * A @ (A.T @ c))
    np.testing.assert_allclose(tg.jit(lambda u: at(u)[0])(c), A.T @ c)
    with pytest.raises(TypeError, match=r"linear_transpose: the cotangent .*\(3,\).*\(2,\)"):
        ft(np.ones(3))
    with pytest.raises(ValueError, match="linear_transpose: fun is not linear"):
        tg.linear_transpose(lambda x: x * x, np.ones(2))
    with pytest.raises(ValueError, match=r"linear_transpose: fun\(0\) is not 0"):
        tg.linear_transpose(lambda x: x + 1.0, np.ones(2))
    with pytest.raises(TypeError, match="linear_transpose: inputs must have a floating or complex dtype, got int32"):
        tg.linear_transpose(lambda x: 2 * x, np.ones(2, np.int32))


def test_linear_transpose_of_complex_functions():
    z, x = np.ones(3) + 0j, np.ones(4)
    for f, jf, primal, ct in [
            (lambda a: a * (2 + 1j), lambda a: a * (2 + 1j), z, np.arange(3) + 1j),
            (lambda a: tg.real(a) * 2.0, lambda a: jnp.real(a) * 2.0, z, np.arange(3.0)),
            (tg.fft.rfft, jnp.fft.rfft, x, np.ones(3) + 1j),  # real to complex
            (lambda a: tg.fft.irfft(a, 4), lambda a: jnp.fft.irfft(a, 4), z, np.arange(4.0))]:
        ours = tg.linear_transpose(f, primal)(ct)
        _close(ours, jax.linear_transpose(jf, primal)(ct))
        assert np.result_type(ours[0]) == primal.dtype
    # nonlinear through the imaginary part (it was cast away before checking): refused
    for f, primal in [(lambda a: a + 1j * a ** 2, np.ones(3)), (lambda a: tg.conj(a) * a, z)]:
        with pytest.raises(ValueError, match="linear_transpose: fun is not linear"):
            tg.linear_transpose(f, primal)


def test_eval_shape_and_shape_dtype_struct():
    f = lambda x, y: {"s": x @ y, "t": (x.sum(), 3)}
    ours = tg.eval_shape(f, np.ones((2, 3)), tg.ShapeDtypeStruct((3, 4), np.float32))
    theirs = jax.eval_shape(f, np.ones((2, 3)), jax.ShapeDtypeStruct((3, 4), np.float32))
    assert [(o.shape, o.dtype) for o in tg.tree_util.tree_leaves(ours)] == \
        [(t.shape, t.dtype) for t in jax.tree_util.tree_leaves(theirs)]
    assert ours["s"] == tg.ShapeDtypeStruct((2, 4), np.float64)
    assert repr(ours["s"]) == repr(theirs["s"]) == "ShapeDtypeStruct(shape=(2, 4), dtype=float64)"
    # zeros would warn in log: eval_shape is quiet (the suite turns RuntimeWarnings into errors)
    assert tg.eval_shape(tg.log, tg.ShapeDtypeStruct((5,), np.float32)).dtype == np.float32
    s = tg.ShapeDtypeStruct([2, 3], "float32")
    assert (s.shape, s.dtype, s.ndim, s.size) == ((2, 3), np.float32, 2, 6)
    assert hash(s) == hash(tg.ShapeDtypeStruct((2, 3), np.float32))
    with pytest.raises(TypeError, match="ShapeDtypeStruct: 'nope' is not a dtype"):
        tg.ShapeDtypeStruct((2,), "nope")
    with pytest.raises(ValueError, match="ShapeDtypeStruct: negative dimension"):
        tg.ShapeDtypeStruct((-1,), np.float64)
    with pytest.raises(TypeError, match="eval_shape: an argument has a leaf of type str"):
        tg.eval_shape(lambda x: x, "text")


@tg.custom_gradient
def clipped_sin(x):
    return tg.sin(x), lambda ct: ct * 10.0


@jax.custom_gradient
def jax_clipped_sin(x):
    return jnp.sin(x), lambda ct: ct * 10.0


@tg.custom_gradient
def scaled_mul(x, y):
    return x * y, lambda ct: (ct * y, ct * x * 2)


@jax.custom_gradient
def jax_scaled_mul(x, y):
    return x * y, lambda ct: (ct * y, ct * x * 2)


def test_custom_gradient_under_grad_jacrev_and_jit():
    x = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(clipped_sin(x), np.sin(x))
    assert tg.grad(clipped_sin)(0.5) == 10.0 == jax.jit(jax.grad(jax_clipped_sin))(0.5)
    _close(tg.jacrev(clipped_sin)(x), jax.jit(jax.jacrev(jax_clipped_sin))(x))
    loss = lambda v: tg.sum(clipped_sin(v) ** 2)
    jloss = lambda v: jnp.sum(jax_clipped_sin(v) ** 2)
    _close(tg.jit(tg.grad(loss))(x), jax.jit(jax.grad(jloss))(x))
    _close(tg.grad(scaled_mul, argnums=(0, 1))(2.0, 3.0),
           jax.jit(jax.grad(jax_scaled_mul, argnums=(0, 1)))(2.0, 3.0))
    _close(tg.jacrev(scaled_mul, argnums=1)(x, x + 1.0),
           jax.jit(jax.jacrev(jax_scaled_mul, argnums=1))(x, x + 1.0))


def test_custom_gradient_refuses_bad_rules():
    @tg.custom_gradient
    def one_cotangent(x, y):
        return x * y, lambda ct: ct * y
    with pytest.raises(TypeError, match="custom_gradient one_cotangent: vjp_fn must return a tuple of 2"):
        tg.grad(one_cotangent)(2.0, 3.0)

    @tg.custom_gradient
    def no_rule(x):
        return x * 2.0
    with pytest.raises(TypeError, match=r"custom_gradient no_rule: the function must return \(value, vjp_fn\)"):
        no_rule(1.0)


def test_pure_callback_runs_eagerly_under_jit_and_vmap():
    spec = tg.ShapeDtypeStruct((3,), np.float64)
    x = np.array([0.1, 0.5, 2.0])
    out = tg.pure_callback(np.sin, spec, x)
    _close(out, jax.jit(lambda v: jax.pure_callback(np.sin, jax.ShapeDtypeStruct((3,), np.float64), v))(x))
    calls = []

    def logged(v):
        calls.append(v.copy())
        return np.cos(v)
    jitted = tg.jit(lambda v: tg.pure_callback(logged, spec, v) * 2.0)
    np.testing.assert_allclose(jitted(x), 2 * np.cos(x))
    np.testing.assert_allclose(jitted(x + 1.0), 2 * np.cos(x + 1.0))  # run again at each call
    assert np.allclose(calls[-1], x + 1.0)  # the plan called it with the new values
    per_row = tg.vmap(lambda r: tg.pure_callback(lambda v: np.array(v.sum()), tg.ShapeDtypeStruct((), np.float64),
                                                 r, vmap_method="sequential"))
    np.testing.assert_allclose(per_row(A), A.sum(1))
    tree = tg.pure_callback(lambda a, k: {"s": a + k, "n": np.array(a.size)},
                            {"s": spec, "n": tg.ShapeDtypeStruct((), np.int64)}, x, k=1.0)
    np.testing.assert_allclose(tree["s"], x + 1.0)
    assert tree["n"] == 3


def test_pure_callback_has_no_derivative_and_checks_its_result():
    spec = tg.ShapeDtypeStruct((), np.float64)
    f = lambda v: tg.pure_callback(np.sin, spec, v)
    for transform in (tg.grad(f), tg.jit(tg.grad(f)), tg.jacfwd(f)):
        with pytest.raises(TypeError, match="pure_callback: .*traced by a transform that differentiates"):
            transform(1.0)
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        jax.grad(lambda v: jax.pure_callback(np.sin, jax.ShapeDtypeStruct((), np.float64), v))(1.0)
    with pytest.raises(TypeError, match=r"pure_callback: <lambda> returned shape \(2,\) .* says shape \(3,\)"):
        tg.pure_callback(lambda v: np.ones(2), tg.ShapeDtypeStruct((3,), np.float64), np.ones(3))
    with pytest.raises(TypeError, match="pure_callback: .*dtype float32 .* dtype float64"):
        tg.pure_callback(lambda v: v.astype(np.float32), tg.ShapeDtypeStruct((3,), np.float64), np.ones(3))
    with pytest.raises(ValueError, match="pure_callback: vmap_method must be one of"):
        tg.pure_callback(np.sin, spec, 1.0, vmap_method="fast")


def test_closure_convert_hoists_traced_constants():
    def outer(x):
        def inner(y):
            return x * y
        converted, consts = tg.closure_convert(inner, 1.0)
        assert len(consts) == 1
        return converted(2.0, *consts)

    def jax_outer(x):
        def inner(y):
            return x * y
        converted, consts = jax.closure_convert(inner, 1.0)
        return converted(2.0, *consts)
    assert tg.grad(outer)(3.0) == jax.jit(jax.grad(jax_outer))(3.0) == 2.0
    plain = lambda y: y + 1.0
    assert tg.closure_convert(plain, 1.0) == (plain, [])
    with pytest.raises(TypeError, match="closure_convert: expected a Python function"):
        tg.closure_convert(np.sin, 1.0)


def test_device_helpers():
    t = tg.tensor(np.ones(2))
    assert type(tg.device_get(t)) is np.ndarray
    assert tg.device_get({"a": 1.0, "b": [t]})["a"] == 1.0
    assert tg.block_until_ready(t) is t
    put = tg.device_put([1.0, np.ones(2)], "cpu")
    assert isinstance(put[0], np.ndarray) and put[0].shape == ()
    assert tg.device_put(t, jax.devices("cpu")[0]) is not None
    buf, outs = np.zeros(2), []
    for i in range(3):  # the data are copied, as onto a device: refilling the buffer changes nothing
        buf[:] = i
        outs.append(tg.device_put(buf))
    assert [o.tolist() for o in outs] == [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]
    seen = []
    tg.grad(lambda v: seen.append(tg.device_get(v)) or tg.sum(v))(np.ones(2))
    assert type(seen[0]) is tg.Tensor  # a traced value is left on its trace
    with pytest.raises(ValueError, match="device_put: tensorgrad computes with NumPy on the CPU"):
        tg.device_put(1.0, "gpu")


# ---- remat / tg.checkpoint (jax.checkpoint) ----------------------------------------------------
def _layer(x, W):
    return tg.tanh(W @ tg.sin(x)) * x


def _jlayer(x, W):
    return jnp.tanh(W @ jnp.sin(x)) * x


def test_remat_and_callable_checkpoint_match_jax_in_every_transform():
    rng = np.random.default_rng(3)
    x, W, t = rng.normal(size=3), rng.normal(size=(3, 3)), rng.normal(size=3)
    jloss = lambda a, b: jnp.sum(jax.checkpoint(_jlayer)(a, b) ** 2)  # noqa: E731
    ref = jax.jit(lambda a, b, v: {
        "grad": jax.grad(jloss, (0, 1))(a, b), "jac": jax.jacfwd(_jlayer)(a, b),
        "hess": jax.hessian(jloss)(a, b), "jvp": jax.jvp(_jlayer, (a, b), (v, b))[1]})(x, W, t)
    for wrap in (tg.remat, tg.checkpoint, tg.remat(prevent_cse=False), tg.checkpoint(policy=None)):
        f = wrap(_layer)
        loss = lambda a, b: tg.sum(f(a, b) ** 2)  # noqa: E731
        np.testing.assert_allclose(f(x, W), _layer(x, W), rtol=0, atol=0)
        for g, w in zip(tg.grad(loss, (0, 1))(x, W), ref["grad"]):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(tg.jacfwd(f)(x, W), ref["jac"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(tg.jacrev(f)(x, W), ref["jac"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(tg.hessian(loss)(x, W), ref["hess"], rtol=1e-11, atol=1e-13)
        np.testing.assert_allclose(tg.jvp(f, (x, W), (t, W))[1], ref["jvp"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(tg.linearize(f, x, W)[1](t, W), ref["jvp"], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(tg.jit(tg.grad(loss))(x, W), ref["grad"][0], rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(tg.vmap(f, (0, None))(np.stack([x, t]), W),
                                   np.stack([_layer(x, W), _layer(t, W)]), rtol=1e-15)
    assert callable(tg.checkpoint.save) and callable(tg.checkpoint.load)  # still the file module


def test_remat_runs_the_function_again_and_keeps_no_intermediates():
    calls = []
    big = []

    def f(x):
        calls.append(1)
        h = tg.exp(x) * 2.0  # an intermediate the tape would otherwise keep
        big.append(weakref.ref(h._value if isinstance(h, tg.Tensor) else h))
        return tg.sum(tg.sin(h))
    x = np.linspace(0.0, 1.0, 1000)
    out, pull = tg.vjp(tg.remat(f), x)
    assert len(calls) == 1
    gc.collect()
    assert all(r() is None for r in big)  # nothing of f's forward pass is alive while pull is
    g = pull(1.0)[0]
    assert len(calls) == 2  # the backward pass ran f again
    np.testing.assert_allclose(g, np.cos(2 * np.exp(x)) * 2 * np.exp(x), rtol=1e-13)


def test_remat_static_argnums_and_bad_input():
    @tg.checkpoint(static_argnums=(1,))
    def h(x, n):
        for _ in range(n):
            x = tg.sin(x)
        return x
    x = np.array([0.3, -1.2])
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(h(v, 3)))(x),
                               jax.jit(jax.grad(lambda v: jnp.sum(jnp.sin(jnp.sin(jnp.sin(v))))))(x),
                               rtol=1e-13)
    with pytest.raises(TypeError, match="remat: expected a function"):
        tg.remat(3)
    with pytest.raises(TypeError, match="remat: policy must be None or a callable"):
        tg.remat(_layer, policy="dots")


def test_remat_takes_integer_and_boolean_arguments_as_constants():
    x = np.array([0.3, 1.2, -0.4])
    mask = np.array([True, False, True])
    f = tg.remat(lambda v, k, d: tg.sum(tg.where(d["m"], tg.sin(v) * k, 0.0) * d["n"]))
    got = tg.grad(lambda v: f(v, 2, {"m": mask, "n": 3}))(x)
    np.testing.assert_allclose(got, np.where(mask, 6 * np.cos(x), 0.0), rtol=1e-14)
    got = tg.grad(lambda v: tg.remat(lambda v, i: tg.sum(v[i] ** 2))(v, np.array([1, 2])))(x)
    np.testing.assert_allclose(got, [0.0, 2 * x[1], 2 * x[2]], rtol=1e-14)
    with pytest.raises(ValueError, match=r"remat: static_argnums=\(3,\) is out of range"):
        tg.remat(lambda v: v, static_argnums=(3,))(x)
    # a static argument passed by keyword has no position: refused as JAX (an IndexError before)
    flagged = tg.checkpoint(lambda v, flag: tg.sum(tg.sin(v) if flag else tg.cos(v)), static_argnums=1)
    with pytest.raises(ValueError, match="pass a static argument by position"):
        flagged(x, flag=True)
    np.testing.assert_allclose(tg.grad(lambda v: flagged(v, True))(x), np.cos(x), rtol=1e-15)


def test_jax_checkpoint_policies_and_names_run_with_the_same_numbers():
    # JAX code naming a policy or a checkpoint name runs; remat recomputes whatever it says
    rng = np.random.default_rng(4)
    x, W = rng.normal(size=3), rng.normal(size=(3, 3))
    jp = jax.checkpoint_policies
    names = [n for n in dir(jp) if not n.startswith("_")]
    assert set(names) <= set(dir(tg.checkpoint_policies))
    want = tg.grad(lambda a: tg.sum(_layer(a, W) ** 2))(x)
    P = tg.checkpoint_policies
    for policy in (P.nothing_saveable, P.everything_saveable, P.dots_with_no_batch_dims_saveable,
                   P.save_only_these_names("h"), P.save_from_both_policies(P.dots_saveable,
                                                                          P.nothing_saveable)):
        def f(a):
            return tg.checkpoint_name(_layer(a, W), "h")
        g = tg.grad(lambda a: tg.sum(tg.remat(f, policy=policy)(a) ** 2))(x)
        np.testing.assert_array_equal(g, want)
    with pytest.raises(TypeError, match="name must be a string"):
        tg.checkpoint_name(x, 3)


def test_every_namespace_imports_by_its_attribute_path():
    # as in JAX and PyTorch: `import tensorgrad.scipy.special`, `from tensorgrad.optim.lr_scheduler
    # import StepLR`, `from tensorgrad.autograd import Function` work like the attribute access
    paths = ["autograd", "autograd.function", "autograd.functional", "autograd.forward_ad",
             "tree_util", "optim.lr_scheduler", "lax.linalg", "scipy.special", "scipy.stats.norm",
             "scipy.stats.multivariate_normal", "scipy.linalg", "nn.functional", "nn.initializers",
             "distributions.constraints"]
    for path in paths:
        obj = tg
        for part in path.split("."):
            obj = getattr(obj, part)
        assert importlib.import_module(f"tensorgrad.{path}") is obj, path
    # the rule is general: every public namespace below these is importable the same way
    for space in ("autograd", "optim", "lax", "scipy", "nn", "distributions", "tree_util"):
        for name, value in vars(getattr(tg, space)).items():
            if (not name.startswith("_") and isinstance(value, types.ModuleType)
                    and value.__name__.startswith("tensorgrad.")):
                assert importlib.import_module(f"tensorgrad.{space}.{name}") is value, (space, name)
    from tensorgrad.optim.lr_scheduler import StepLR
    from tensorgrad.scipy.special import logsumexp
    assert StepLR is tg.optim.lr_scheduler.StepLR and logsumexp is tg.scipy.special.logsumexp


def test_eval_shape_treats_arguments_as_abstract():
    # as jax.eval_shape: a shape decided by an argument's value raises rather than coming
    # out as the stand-in's (zeros(0), x[:0], an empty mask), and values do not matter
    with pytest.raises(TypeError, match="zeros"):
        tg.eval_shape(lambda x, n: tg.zeros(n) + x, 1.0, 4)
    with pytest.raises(tg.ConcretizationError, match="eval_shape"):
        tg.eval_shape(lambda x, n: x[:n], np.ones(5), 3)
    with pytest.raises(tg.ConcretizationError, match="eval_shape"):
        tg.eval_shape(lambda x: x[x > 0], np.ones(3))
    assert tg.eval_shape(tg.linalg.inv, np.eye(3)).shape == (3, 3)
    assert tg.eval_shape(tg.linalg.cholesky, tg.ShapeDtypeStruct((2, 3, 3), "float32")) == \
        tg.ShapeDtypeStruct((2, 3, 3), np.float32)
    assert tg.eval_shape(lambda x, i: x[i], np.ones((5, 2)), 3).shape == (2,)
    n = 3  # (a value that decides a shape goes in through a closure)
    assert tg.eval_shape(lambda x: x[:n], np.ones(5)).shape == (3,)
    # inside transforms: closing over a traced value
    assert tg.jit(lambda x: tg.eval_shape(lambda y: y + x, x).shape)(np.ones(2)) == (2,)
    tg.grad(lambda w: tg.sum(w) * len(tg.eval_shape(lambda y: y * w, w).shape))(np.ones(2))


def test_linear_transpose_runs_fun_on_traced_values_in_its_check():
    t = tg.linear_transpose(lambda x: x.at[np.array([0, 0, 2])].get() * 2, np.ones(3))
    np.testing.assert_allclose(t(np.array([1.0, 2.0, 3.0]))[0], [6.0, 0.0, 6.0])
