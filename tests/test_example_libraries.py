"""tg.example_libraries against jax.example_libraries: stax's layers and the optimizers.

Stax: for each layer and several input shapes, tg's ``init_fun`` gives JAX's output shape and
parameters of JAX's structure, shapes and dtypes (JAX's side is ``jax.eval_shape`` of its
``init_fun``: tracing it costs milliseconds, running it compiles JAX's random programs), and
given the SAME parameters (JAX's structure, NumPy's numbers) both ``apply_fun``s agree to
1e-12 in float64. Gradients of small networks' losses match ``jax.grad``'s, and ``tg.jit``
replays them. The keys are tg.random's, whose bits differ from JAX's: only the way the keys
are split is compared.

Optimizers: fed the same gradients, every optimizer's trajectory over 20 steps on a pytree
quadratic equals JAX's to 1e-12; schedules agree at many steps; states survive
``unpack_optimizer_state``/``pack_optimizer_state`` and ``tg.jit``.
"""
import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.example_libraries import optimizers as jopt
from jax.example_libraries import stax as jstax

import tensorgrad as tg
from tensorgrad.example_libraries import optimizers as topt
from tensorgrad.example_libraries import stax as tstax

jax.config.update("jax_enable_x64", True)

RTOL = 1e-12


def close(actual, expected, rtol=RTOL):
    """Entrywise to ``rtol`` of the entries' scale (a sum's tiny entries carry its rounding)."""
    expected = np.asarray(expected)
    scale = float(np.max(np.abs(expected))) if expected.size else 0.0
    np.testing.assert_allclose(np.asarray(actual), expected, rtol=rtol, atol=rtol * scale)


def close_trees(actual, expected, rtol=RTOL):
    """Leaf by leaf, to ``rtol`` of the largest entry of all: a gradient that is zero in exact
    arithmetic (a bias ahead of BatchNorm) is rounding noise on the others' scale."""
    got, want = tg.tree_util.tree_leaves(actual), jax.tree.leaves(expected)
    assert len(got) == len(want)
    scale = max(float(np.max(np.abs(w))) for w in want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=rtol, atol=rtol * scale)


def skeleton(tree):
    """A pytree's containers and its leaves' (shape, dtype), comparable across libraries."""
    if isinstance(tree, (list, tuple)):
        return type(tree).__name__, [skeleton(t) for t in tree]
    if isinstance(tree, dict):
        return {k: skeleton(v) for k, v in tree.items()}
    return tuple(tree.shape), np.dtype(tree.dtype)


def jax_init(layer, shape):
    """JAX's output shape and parameter skeleton, traced (not run) by ``jax.eval_shape``."""
    init = functools.partial(layer[0], input_shape=shape)
    out = []

    def run(key):  # the output shape is static: kept out of eval_shape's pytree of results
        shape_out, params = init(key)
        out.append(shape_out)
        return params
    params = jax.eval_shape(run, jax.random.PRNGKey(0))
    return out[0], params


def filled(params, seed):
    """Parameters of ``params``' skeleton with NumPy's standard-normal numbers."""
    gen = np.random.default_rng(seed)
    return jax.tree.map(lambda s: gen.standard_normal(s.shape).astype(s.dtype), params)


def shapes_equal(a, b):
    """Output shapes equal, also as plain ints (JAX's conv shapes are NumPy integers)."""
    def plain(s):
        if isinstance(s, (list, tuple)) and s and isinstance(s[0], (list, tuple)):
            return type(s).__name__, [plain(t) for t in s]
        return tuple(int(n) for n in s)
    return plain(a) == plain(b)


# (id, layer of a stax module, input shapes)
LAYERS = [
    ("Dense", lambda S: S.Dense(4), [(3, 5), (2, 3, 5), (7,)]),
    ("Conv-same", lambda S: S.Conv(3, (2, 2), strides=(1, 2), padding="SAME"),
     [(2, 6, 5, 3), (1, 4, 4, 1)]),
    ("Conv-valid", lambda S: S.Conv(3, (3, 2)), [(2, 6, 5, 2), (1, 3, 2, 1)]),
    ("GeneralConv", lambda S: S.GeneralConv(("NCHW", "OIHW", "NHWC"), 4, (2, 3), strides=(2, 1),
                                            padding=((1, 0), (0, 2))), [(2, 3, 7, 6), (1, 1, 4, 4)]),
    ("GeneralConv-1d", lambda S: S.GeneralConv(("NCH", "OIH", "NCH"), 2, (3,), padding="SAME"),
     [(2, 3, 7)]),
    ("ConvTranspose", lambda S: S.ConvTranspose(3, (3, 2), strides=(2, 1), padding="SAME"),
     [(2, 4, 5, 2), (1, 3, 3, 1)]),
    ("Conv1DTranspose", lambda S: S.Conv1DTranspose(2, (3,), strides=(2,)), [(2, 5, 3), (1, 2, 1)]),
    ("GeneralConvTranspose", lambda S: S.GeneralConvTranspose(("NCHW", "IOHW", "NCHW"), 2, (2, 2),
                                                              strides=(2, 2)), [(1, 3, 4, 4)]),
    ("BatchNorm", lambda S: S.BatchNorm(), [(4, 3, 3, 2), (2, 2, 5, 3)]),
    ("BatchNorm-axis0-nocenter", lambda S: S.BatchNorm(axis=0, center=False), [(5, 3), (4, 2, 2)]),
    ("BatchNorm-axes02-noscale", lambda S: S.BatchNorm(axis=(0, 2), scale=False, epsilon=1e-3),
     [(5, 3, 4)]),
    ("BatchNorm-bare", lambda S: S.BatchNorm(axis=(0,), center=False, scale=False), [(6, 2)]),
    ("MaxPool", lambda S: S.MaxPool((2, 2)), [(2, 5, 5, 3), (1, 4, 6, 2)]),
    ("MaxPool-same", lambda S: S.MaxPool((3, 2), strides=(2, 1), padding="SAME"), [(2, 5, 6, 3)]),
    ("MaxPool-spec", lambda S: S.MaxPool((2, 2), strides=(2, 2), spec="NCHW"), [(2, 3, 5, 4)]),
    ("AvgPool", lambda S: S.AvgPool((2, 2)), [(2, 5, 5, 3)]),
    ("AvgPool-same", lambda S: S.AvgPool((3, 3), strides=(2, 2), padding="SAME"),
     [(2, 5, 6, 3), (1, 7, 7, 1)]),
    ("AvgPool-spec", lambda S: S.AvgPool((2, 3), padding="SAME", spec="NCHW"), [(2, 3, 5, 6)]),
    ("AvgPool-1d", lambda S: S.AvgPool((3,), strides=(2,), padding="SAME"), [(2, 7, 3)]),
    ("SumPool", lambda S: S.SumPool((2,), strides=(2,)), [(2, 7, 3)]),
    ("SumPool-same", lambda S: S.SumPool((2, 3), padding="SAME"), [(1, 4, 5, 2)]),
    ("Flatten", lambda S: S.Flatten, [(2, 3, 4), (3, 5), (2, 1, 3, 2)]),
    ("Identity", lambda S: S.Identity, [(2, 3)]),
    *[(name, (lambda n: lambda S: getattr(S, n))(name), [(2, 5), (3, 2, 4)])
      for name in ("Tanh", "Relu", "Exp", "LogSoftmax", "Softmax", "Softplus", "Sigmoid", "Elu",
                   "LeakyRelu", "Selu", "Gelu")],
    ("elementwise", lambda S: S.elementwise(S.leaky_relu, negative_slope=0.3), [(2, 5)]),
    ("FanInConcat", lambda S: S.serial(S.FanOut(3), S.parallel(S.Dense(2), S.Identity, S.Tanh),
                                       S.FanInConcat()), [(2, 5), (3, 2, 4)]),
    ("FanInConcat-axis", lambda S: S.serial(S.FanOut(2), S.parallel(S.Relu, S.Exp),
                                            S.FanInConcat(axis=1)), [(2, 5, 3)]),
    ("FanInSum", lambda S: S.serial(S.FanOut(2), S.parallel(S.Dense(5), S.Relu), S.FanInSum),
     [(2, 5)]),
    ("shape_dependent", lambda S: S.shape_dependent(lambda s: S.Dense(s[-1] * 2)), [(2, 5), (4, 3)]),
    ("serial-cnn", lambda S: S.serial(S.Conv(4, (3, 3), padding="SAME"), S.BatchNorm(), S.Relu,
                                      S.MaxPool((2, 2), strides=(2, 2)), S.Flatten, S.Dense(3),
                                      S.LogSoftmax), [(2, 6, 6, 2)]),
]


@pytest.mark.parametrize("make, shapes", [c[1:] for c in LAYERS], ids=[c[0] for c in LAYERS])
def test_layer_matches_jax(make, shapes):
    for k, shape in enumerate(shapes):
        j_shape, j_params = jax_init(make(jstax), shape)
        t_shape, t_params = make(tstax)[0](tg.random.PRNGKey(k), shape)
        assert shapes_equal(t_shape, j_shape), (shape, t_shape, j_shape)
        assert skeleton(t_params) == skeleton(j_params)
        params = filled(j_params, k)  # the same parameters for both
        x = np.random.default_rng(10 + k).standard_normal(shape)
        expected = make(jstax)[1](params, x)
        got = make(tstax)[1](params, x)
        assert isinstance(got, np.ndarray) and got.shape == expected.shape
        close(got, expected)


def test_fan_out_and_parallel_give_lists_as_jax():
    for S in (jstax, tstax):
        assert S.FanOut(2)[0](None, (2, 3)) == ([(2, 3), (2, 3)], ())
    layer = lambda S: S.serial(S.FanOut(2), S.parallel(S.Dense(3), S.Identity))
    j_shape, j_params = jax_init(layer(jstax), (4, 2))
    t_shape, t_params = layer(tstax)[0](tg.random.PRNGKey(0), (4, 2))
    assert tuple(t_shape) == tuple(j_shape) == ((4, 3), (4, 2))
    params = filled(j_params, 0)
    x = np.random.default_rng(0).standard_normal((4, 2))
    got, expected = layer(tstax)[1](params, x), layer(jstax)[1](params, x)
    assert type(got) is type(expected) is list
    for g, e in zip(got, expected):
        close(g, e)


def test_initializers_and_key_splitting_follow_jax():
    """The keys split as JAX's stax splits them: Dense draws W from the first half of its key's
    split and b from the second; serial gives each layer the second half of successive splits."""
    key = tg.random.PRNGKey(3)
    _, (W, b) = tstax.Dense(4)[0](key, (2, 5))
    k_w, k_b = tg.random.split(key)
    close(W, tg.nn.initializers.glorot_normal()(k_w, (5, 4)), 0)
    close(b, tg.nn.initializers.normal()(k_b, (4,)), 0)
    _, params = tstax.serial(tstax.Dense(4), tstax.Relu, tstax.Dense(2))[0](key, (2, 5))
    rng, first = tg.random.split(key)
    rng, _ = tg.random.split(rng)
    _, third = tg.random.split(rng)
    close(params[0][0], tstax.Dense(4)[0](first, (2, 5))[1][0], 0)
    close(params[2][0], tstax.Dense(2)[0](third, (2, 4))[1][0], 0)
    _, (Wc, bc) = tstax.Conv(3, (2, 2))[0](key, (1, 4, 4, 2))
    k_w, k_b = tg.random.split(key)
    close(Wc, tg.nn.initializers.glorot_normal(2, 3)(k_w, (2, 2, 2, 3)), 0)
    close(bc, tg.nn.initializers.normal(1e-6)(k_b, (1, 1, 1, 3)), 0)
    assert abs(float(np.std(tstax.Dense(400)[0](key, (1, 400))[1][0])) - np.sqrt(2 / 800)) < 2e-3
    assert tstax.glorot is tstax.glorot_normal and tstax.randn is tstax.normal
    assert tstax.logsoftmax is tstax.log_softmax
    for name in jstax.__dict__:
        if not name.startswith("_") and name not in ("functools", "math", "lax", "random", "jnp"):
            assert hasattr(tstax, name), name


def test_dropout():
    x = np.random.default_rng(0).standard_normal((50, 40)) + 5.0
    init, apply = tstax.Dropout(0.75)
    assert init(None, x.shape) == (x.shape, ())
    with pytest.raises(ValueError, match="rng"):
        apply((), x)
    key = tg.random.PRNGKey(1)
    y = apply((), x, rng=key)
    kept = y != 0  # as JAX's stax: an entry is kept with probability `rate`, scaled by 1/rate
    np.testing.assert_array_equal(y[kept], x[kept] / 0.75)
    assert abs(kept.mean() - 0.75) < 0.05
    np.testing.assert_array_equal(apply((), x, rng=key), y)  # the same key, the same mask
    assert (apply((), x, rng=tg.random.PRNGKey(2)) != y).any()
    np.testing.assert_array_equal(tstax.Dropout(0.5, mode="test")[1]((), x, rng=key), x)
    # serial splits its rng into one key per layer, the layer at position k taking the k-th
    net = tstax.serial(tstax.Identity, tstax.Dropout(0.5))
    np.testing.assert_array_equal(net[1]([(), ()], x, rng=key),
                                  tstax.Dropout(0.5)[1]((), x, rng=tg.random.split(key, 2)[1]))
    par = tstax.parallel(tstax.Dropout(0.5), tstax.Dropout(0.5))
    outs = par[1]([(), ()], [x, x], rng=key)
    keys = tg.random.split(key, 2)
    for out, k in zip(outs, keys):
        np.testing.assert_array_equal(out, tstax.Dropout(0.5)[1]((), x, rng=k))
    # differentiable through the mask, and under tg.jit (the key as an argument)
    g = tg.grad(lambda v: tg.sum(apply((), v, rng=key)))(x)
    np.testing.assert_array_equal(g, np.where(kept, 1 / 0.75, 0.0))
    np.testing.assert_array_equal(tg.jit(lambda v, k: apply((), v, rng=k))(x, key), y)


MLP = lambda S: S.serial(S.Dense(6), S.Gelu, S.FanOut(2), S.parallel(S.serial(S.Dense(6), S.Selu),
                                                                     S.Softplus),
                         S.FanInSum, S.Dense(5), S.Elu, S.BatchNorm(axis=0), S.Dense(4), S.Tanh,
                         S.Dense(3), S.LogSoftmax)
CNN = lambda S: S.serial(S.Conv(4, (3, 3), strides=(1, 1), padding="SAME"), S.BatchNorm(), S.Relu,
                         S.MaxPool((2, 2), strides=(2, 2)), S.Conv(3, (2, 2)), S.Sigmoid,
                         S.AvgPool((2, 2), padding="SAME"), S.Flatten, S.Dense(3), S.LogSoftmax)


def _loss(apply, np_mod):
    def loss(params, x, labels):
        return -np_mod.mean(np_mod.sum(apply(params, x) * labels, axis=-1))
    return loss


@pytest.mark.parametrize("net, shape", [(MLP, (6, 4)), (CNN, (3, 6, 6, 2))], ids=["mlp", "cnn"])
def test_gradients_match_jax_and_jit(net, shape):
    j_shape, j_params = jax_init(net(jstax), shape)
    params = filled(j_params, 1)
    x = np.random.default_rng(2).standard_normal(shape)
    labels = np.eye(3)[np.arange(shape[0]) % 3]
    j_loss, t_loss = _loss(net(jstax)[1], jnp), _loss(net(tstax)[1], tg)
    expected = jax.grad(j_loss)(params, x, labels)
    got = tg.grad(t_loss)(params, x, labels)
    assert skeleton(got) == skeleton(expected)
    close_trees(got, expected)
    # tg.jit of the apply and of the gradient
    apply = net(tstax)[1]
    jitted = tg.jit(apply)
    for _ in range(2):
        close(jitted(params, x), apply(params, x), 0)
    jitted_grad = tg.jit(tg.grad(t_loss))
    close_trees(jitted_grad(params, x, labels), got, 1e-14)
    # the input's gradient too (the layers differentiate with respect to their inputs)
    close(tg.grad(t_loss, argnums=1)(params, x, labels),
          jax.grad(j_loss, argnums=1)(params, x, labels))


def test_train_a_small_network_with_both_libraries():
    """stax and optimizers together, tg.jit of a training step: the loss falls."""
    init, apply = tstax.serial(tstax.Dense(8), tstax.Tanh, tstax.Dense(2), tstax.LogSoftmax)
    _, params = init(tg.random.PRNGKey(0), (-1, 2))
    gen = np.random.default_rng(0)
    x = gen.standard_normal((64, 2))
    labels = np.eye(2)[(x[:, 0] * x[:, 1] > 0).astype(int)]
    loss = _loss(apply, tg)
    opt_init, opt_update, get_params = topt.adam(0.05)

    @tg.jit
    def step(i, state):
        return opt_update(i, tg.grad(loss)(get_params(state), x, labels), state)
    state = opt_init(params)
    first = loss(params, x, labels)
    for i in range(60):
        state = step(i, state)
    assert isinstance(state, topt.OptimizerState)
    assert loss(get_params(state), x, labels) < 0.5 * first


# ---------------------------------------------------------------------------------------------
# optimizers

SCALES = {"a": np.array([0.5, 2.0, 1.5]), "b": [np.array([[1.0, 3.0], [0.2, 0.7]]), np.array(1.3)],
          "c": (np.array([0.9, 0.1, 4.0, 1.1]),)}
START = {"a": np.array([1.0, -2.0, 0.5]), "b": [np.array([[0.3, -1.0], [2.0, 0.0]]), np.array(-0.8)],
         "c": (np.array([1.0, -0.5, 0.25, 3.0]),)}


def quadratic_grad(params):
    """The gradient of sum(scale * x² / 2 + sin(x)) over the leaves, in NumPy."""
    return jax.tree.map(lambda s, x: s * np.asarray(x) + np.cos(np.asarray(x)), SCALES, params)


SCHEDULES = {
    "constant": lambda M: M.constant(0.1),
    "exponential_decay": lambda M: M.exponential_decay(0.1, 7, 0.5),
    "inverse_time_decay": lambda M: M.inverse_time_decay(0.1, 5, 0.3),
    "inverse_time_decay-staircase": lambda M: M.inverse_time_decay(0.1, 5, 0.3, staircase=True),
    "polynomial_decay": lambda M: M.polynomial_decay(0.1, 15, 0.01),
    "polynomial_decay-power": lambda M: M.polynomial_decay(0.2, 12, 0.0, power=2.5),
    "piecewise_constant": lambda M: M.piecewise_constant([3, 8, 15], [0.2, 0.1, 0.05, 0.01]),
}

OPTIMIZERS = {
    "sgd": lambda M: M.sgd(0.1),
    "sgd-schedule": lambda M: M.sgd(M.exponential_decay(0.2, 10, 0.3)),
    "momentum": lambda M: M.momentum(0.05, 0.9),
    "nesterov": lambda M: M.nesterov(0.05, mass=0.8),
    "adagrad": lambda M: M.adagrad(0.3),
    "adagrad-momentum": lambda M: M.adagrad(M.polynomial_decay(0.3, 10, 0.05), momentum=0.5),
    "rmsprop": lambda M: M.rmsprop(0.05),
    "rmsprop-args": lambda M: M.rmsprop(M.inverse_time_decay(0.05, 4, 0.5), gamma=0.8, eps=1e-6),
    "rmsprop_momentum": lambda M: M.rmsprop_momentum(0.02, gamma=0.95, momentum=0.7),
    "adam": lambda M: M.adam(0.1),
    "adam-args": lambda M: M.adam(M.piecewise_constant([5, 12], [0.2, 0.05, 0.01]), b1=0.8,
                                  b2=0.99, eps=1e-6),
    "adamax": lambda M: M.adamax(0.1),
    "adamax-args": lambda M: M.adamax(0.05, b1=0.5, b2=0.9),
    "sm3": lambda M: M.sm3(0.3),
    "sm3-momentum": lambda M: M.sm3(0.3, momentum=0.2),
}


@pytest.mark.parametrize("make", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_optimizer_trajectory_matches_jax(make):
    j_init, j_update, j_params = make(jopt)
    t_init, t_update, t_params = make(topt)
    j_state, t_state = j_init(START), t_init(START)
    assert isinstance(t_state, topt.OptimizerState)
    for i in range(20):
        grads = quadratic_grad(j_params(j_state))  # the same gradients for both
        j_state = j_update(i, grads, j_state)
        t_state = t_update(i, grads, t_state)
        got, expected = t_params(t_state), j_params(j_state)
        assert skeleton(got) == skeleton(expected)
        for g, e in zip(tg.tree_util.tree_leaves(got), jax.tree.leaves(expected)):
            close(g, e)
    # the whole state too, leaf by leaf
    for g, e in zip(tg.tree_util.tree_leaves(t_state), jax.tree.leaves(j_state)):
        close(g, e)


@pytest.mark.parametrize("name", SCHEDULES)
def test_schedules_match_jax(name):
    j_sched, t_sched = SCHEDULES[name](jopt), SCHEDULES[name](topt)
    for i in [*range(0, 40), 57, 100, 1000]:
        assert np.ndim(t_sched(i)) == 0
        close(t_sched(i), j_sched(i))
    # under tg.jit, the step a traced value
    jitted = tg.jit(t_sched)
    for i in (0, 4, 9, 16):
        close(jitted(i), j_sched(i))
    # a step size weakly typed, as JAX's: float32 parameters stay float32, eager and jitted
    # (piecewise_constant's values are an array: float64 in JAX too)
    init, update, get = topt.sgd(t_sched)
    x32 = np.ones(3, np.float32)
    want = np.float64 if name == "piecewise_constant" else np.float32
    assert get(update(5, x32, init(x32))).dtype == want
    assert get(tg.jit(update)(5, x32, init(x32))).dtype == want


def test_make_schedule_and_errors():
    sched = topt.make_schedule(0.3)
    assert sched(0) == sched(100) == 0.3
    f = lambda i: 1.0 / (i + 1)
    assert topt.make_schedule(f) is f
    with pytest.raises(TypeError):
        topt.make_schedule(np.ones(2))
    with pytest.raises(ValueError):
        topt.piecewise_constant([1, 2], [0.1, 0.2])
    with pytest.raises(ValueError):
        topt.piecewise_constant([[1]], [[0.1, 0.2]])
    t_init, t_update, _ = topt.sgd(0.1)
    state = t_init(START)
    with pytest.raises(TypeError, match="structure"):
        t_update(0, {"a": START["a"], "b": START["b"]}, state)


def test_norms_and_clipping_match_jax():
    tree = quadratic_grad(START)
    close(topt.l2_norm(tree), jopt.l2_norm(tree))
    for max_norm in (0.5, 100.0):
        got, expected = topt.clip_grads(tree, max_norm), jopt.clip_grads(tree, max_norm)
        assert skeleton(got) == skeleton(expected)
        for g, e in zip(tg.tree_util.tree_leaves(got), jax.tree.leaves(expected)):
            close(g, e)
    g = tg.grad(lambda t: topt.l2_norm(t))(tree)
    e = jax.grad(jopt.l2_norm)(tree)
    for a, b in zip(tg.tree_util.tree_leaves(g), jax.tree.leaves(e)):
        close(a, b)


def test_pack_unpack_round_trip():
    for make in (OPTIMIZERS["adam"], OPTIMIZERS["sm3"], OPTIMIZERS["sgd"]):
        t_init, t_update, t_params = make(topt)
        j_init, j_update, _ = make(jopt)
        state = t_update(0, quadratic_grad(START), t_init(START))
        j_state = j_update(0, quadratic_grad(START), j_init(START))
        marked = topt.unpack_optimizer_state(state)
        j_marked = jopt.unpack_optimizer_state(j_state)
        # the parameters' structure, each leaf a JoinPoint holding that parameter's state
        joins = tg.tree_util.tree_leaves(marked)
        assert all(isinstance(j, topt.JoinPoint) for j in joins)
        assert sorted(marked) == sorted(j_marked) and len(marked["b"]) == 2
        for tj, jj in zip(joins, jax.tree.leaves(j_marked)):
            (sub,), (j_sub,) = list(tj), list(jj)
            for a, b in zip(tg.tree_util.tree_leaves(sub), jax.tree.leaves(j_sub)):
                close(a, b)
        back = topt.pack_optimizer_state(marked)
        assert isinstance(back, topt.OptimizerState)
        assert back.tree_def == state.tree_def and back.subtree_defs == state.subtree_defs
        for a, b in zip(tg.tree_util.tree_leaves(back), tg.tree_util.tree_leaves(state)):
            np.testing.assert_array_equal(a, b)
        close(t_params(back)["a"], t_params(state)["a"], 0)
    with pytest.raises(TypeError):
        topt.pack_optimizer_state([1.0])


def test_optimizer_state_is_a_pytree_under_jit():
    t_init, t_update, t_params = topt.momentum(0.05, 0.9)
    state = t_init(START)
    leaves, structure = tg.tree_util.tree_flatten(state)
    assert len(leaves) == 2 * len(tg.tree_util.tree_leaves(START))
    assert tg.tree_util.tree_unflatten(structure, leaves).tree_def == state.tree_def
    step = tg.jit(t_update)
    eager = state
    for i in range(5):
        grads = quadratic_grad(t_params(eager))
        state, eager = step(i, grads, state), t_update(i, grads, eager)
        for a, b in zip(tg.tree_util.tree_leaves(state), tg.tree_util.tree_leaves(eager)):
            close(a, b, 1e-14)


def test_custom_optimizer_with_the_decorator():
    @topt.optimizer
    def signed(step_size):
        def init(x0):
            return x0, 0
        def update(i, g, state):
            x, count = state
            return x - step_size * tg.sign(g), count + 1
        return init, update, lambda state: state[0]

    opt = signed(0.1)
    assert isinstance(opt, topt.Optimizer) and signed.__name__ == "signed"
    state = opt.init_fn(START)
    expected = START
    for i in range(3):
        grads = quadratic_grad(opt.params_fn(state))
        state = opt.update_fn(i, grads, state)
        expected = jax.tree.map(lambda x, g: x - 0.1 * np.sign(g), expected, grads)
    unpacked = topt.unpack_optimizer_state(state)
    assert list(unpacked["a"].subtree)[1] == 3  # (each parameter's own step count)
    for a, b in zip(tg.tree_util.tree_leaves(opt.params_fn(state)), jax.tree.leaves(expected)):
        close(a, b, 0)


@pytest.mark.parametrize("name", ["adam", "adamax"])
def test_adam_keeps_float32_with_a_numpy_integer_step(name):
    # the bias correction b ** (i + 1) with a NumPy integer step (strong under NEP 50) made
    # float32 parameters and moments float64; JAX computes it in the moments' dtype
    params, grads = {"w": np.ones(3, np.float32)}, {"w": np.full(3, 0.5, np.float32)}
    init, update, get = getattr(topt, name)(1e-2)
    state = init(params)
    for step in (1, np.int64(1), np.int32(4)):
        new = update(step, grads, state)
        assert all(np.asarray(leaf).dtype == np.float32 for leaf in tg.tree_util.tree_leaves(new.packed_state)), step
    np.testing.assert_allclose(get(update(np.int64(3), grads, state))["w"], get(update(3, grads, state))["w"], rtol=0)
