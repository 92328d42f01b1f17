"""tg.to_jax: tensorgrad functions on JAX arrays, checked against tensorgrad's own results.

The registry table runs every op's examples through the conversion: traced
as jax.jit traces it, differentiated by jax.grad and batched by jax.vmap.
Models, optimizers, pytrees, transforms inside a conversion, custom rules,
the errors, compare_with_jax from one definition and training with
backend="jax" on the devices of this process follow. The runs over several
devices and several processes are in tests/test_scaling_out.py.
"""
from __future__ import annotations

import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad.example_libraries import optimizers as topt
from tensorgrad.testing import jax_reference, op_cases

CASES = [c for op in tg.REGISTRY.values() for c in op_cases(op)]


def _positional(case) -> list[int]:
    return [i for i, a in enumerate(case.args) if isinstance(a, np.ndarray)]


def _case_fn(case, backend):
    """``f(*arrays)`` calling ``backend(*args, **params)``, every array argument traced
    (class labels, masks and index arrays too, not only the differentiated inputs)."""
    pos = _positional(case)

    def f(*xs):
        full = list(case.args)
        for i, x in zip(pos, xs):
            full[i] = x
        return backend(*full, **case.params)
    return f


def _arrays(case) -> list:
    return [case.args[i] for i in _positional(case)]


def _diff_fn(case, backend):
    """``f(*differentiated inputs)`` with the other arguments held fixed."""
    def f(*ds):
        full = list(case.args)
        for i, d in zip(case.diff, ds):
            full[i] = d
        return backend(*full, **case.params)
    return f


def _close(got, want, tol=1e-10):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    assert got.shape == want.shape
    scale = max(1.0, float(np.max(np.abs(want), initial=0.0)))
    assert np.allclose(got, want, rtol=0, atol=tol * scale, equal_nan=True), \
        float(np.max(np.abs(got - want)))


# ---------------------------------------------------------------- every registered op
def test_every_op_under_to_jax_is_its_jax_counterpart():
    """Traced as jax.jit traces it, every example of every op becomes the very JAX program
    of the op's registered counterpart — the function tests/test_registry.py compares with
    tensorgrad's op, value and derivatives, case by case. The few cases where the programs
    differ (a parameter default spelled differently, labels turned into one-hot rows, the
    matrix functions JAX lacks, whose test reference uses a series exponential and whose export
    JAX's expm) are compared with tensorgrad's op by their numbers, compiled."""
    differ = []
    for case in CASES:
        xs = _arrays(case)
        ref = jax_reference(case.op)
        mine = jax.make_jaxpr(tg.to_jax(_case_fn(case, case.op)))(*xs)
        theirs = jax.make_jaxpr(_case_fn(case, lambda *a, **p: ref(
            *[jnp.asarray(x) if isinstance(x, np.ndarray) else x for x in a], **p)))(*xs)
        want = _case_fn(case, case.op)(*xs)
        (aval,) = mine.out_avals
        assert aval.shape == np.shape(want), case.label
        assert aval.dtype == np.result_type(tg.tensor(want).dtype), case.label
        if str(mine) != str(theirs):
            differ.append(case)
    assert len(differ) <= 16, [c.label for c in differ]  # the numbers below stay a small job

    def run_all(inputs):
        return [_case_fn(c, c.op)(*xs) for c, xs in zip(differ, inputs)]
    got = jax.jit(tg.to_jax(run_all))([_arrays(c) for c in differ])
    for case, g in zip(differ, got):
        _close(g, _case_fn(case, case.op)(*_arrays(case)))


DIFF_CASES = [c for c in CASES if c.op.kind != "none" and c.diff]


@pytest.mark.parametrize("case", DIFF_CASES, ids=[c.label for c in DIFF_CASES])
def test_every_op_traces_under_grad_and_vmap(case):
    """jax.grad and jax.vmap of each converted example trace (no value is read in Python),
    and give the shapes tensorgrad's own gradient and a loop would give."""
    ds = case.diff_args
    f = _diff_fn(case, case.op)
    out = f(*ds)
    w = np.cos(np.arange(np.size(out))).reshape(np.shape(out))
    argnums = tuple(range(len(ds)))
    re = tg.real if np.iscomplexobj(out) else (lambda v: v)  # (grad needs a real loss)
    g = jax.eval_shape(jax.grad(tg.to_jax(lambda *a: tg.sum(re(f(*a)) * w)), argnums=argnums), *ds)
    assert [s.shape for s in g] == [np.shape(d) for d in ds]
    stacked = [np.stack([d, d]) for d in ds]
    v = jax.eval_shape(jax.vmap(tg.to_jax(f)), *stacked)
    assert v.shape == (2,) + np.shape(out)


#: one op of each family (the table above covers all of them by their programs)
FAMILIES = ("tanh", "power", "where", "clip", "maximum", "argmax", "astype", "getitem",
            "concatenate", "stack", "broadcast_to", "einsum", "tensordot", "matmul", "sum", "max",
            "var", "norm", "logsumexp", "softmax_cross_entropy", "gelu", "conv2d", "max_pool2d")


def test_compiled_value_gradient_and_vmap_match_tensorgrad():
    """The numbers, compiled once, for the first example of one op of each family: the
    value, jax.grad of a weighted sum against tg.grad (tensorgrad's rules), and jax.vmap
    over two inputs against a loop."""
    cases = [op_cases(tg.REGISTRY[name])[0] for name in FAMILIES]
    diff = [c for c in cases if c.op.kind != "none" and c.diff]
    weights = {}
    for c in diff:
        out = _diff_fn(c, c.op)(*c.diff_args)
        weights[c.label] = np.cos(np.arange(np.size(out))).reshape(np.shape(out))

    def total(ds_all):
        t = 0.0
        for c, ds in zip(diff, ds_all):
            t = t + tg.sum(_diff_fn(c, c.op)(*ds) * weights[c.label])
        return t

    def batched(ds_all):  # vmap over a leading axis of 2 of every differentiated input
        return [jax.vmap(tg.to_jax(_diff_fn(c, c.op)))(*ds) for c, ds in zip(diff, ds_all)]

    def every(inputs, ds_all):
        values = tg.to_jax(lambda ins: [_case_fn(c, c.op)(*xs) for c, xs in zip(cases, ins)])(inputs)
        return values, jax.grad(tg.to_jax(total))(ds_all), batched(ds_all2(ds_all))

    def ds_all2(ds_all):
        return [[jnp.stack([d, 0.9 * d]) for d in ds] for ds in ds_all]

    inputs = [_arrays(c) for c in cases]
    ds_all = [list(c.diff_args) for c in diff]
    values, grads, vm = jax.jit(every)(inputs, ds_all)
    for c, v in zip(cases, values):
        _close(v, _case_fn(c, c.op)(*_arrays(c)))
    want = tg.grad(total)(ds_all)
    for c, g, w in zip(diff, grads, want):
        for a, b in zip(g, w):
            _close(a, b, 1e-9)
    for c, v in zip(diff, vm):
        f = _diff_fn(c, c.op)
        _close(v[0], f(*c.diff_args))
        _close(v[1], f(*[0.9 * d for d in c.diff_args]))


# ---------------------------------------------------------------- functions, pytrees, models
RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 4))
Y = RNG.integers(0, 3, 12)
MODEL = tg.nn.MLP([4, 8, 3], activation="tanh")
PARAMS = MODEL.init(0)


def _loss(params, x, y):
    return tg.nn.softmax_cross_entropy(MODEL.apply(params, x), y)


def test_pytrees_in_and_out_python_values_passed_through():
    def f(tree, k, scale=1.0):
        a, (b, c) = tree["a"], tree["bc"]
        assert isinstance(k, int)  # Python numbers are not converted
        return {"sum": tg.sum(a) * k * scale, "pair": [b * c, None], "tup": (tg.exp(c),)}
    tree = {"a": np.arange(3.0), "bc": (np.ones(2), np.full(2, 0.5))}
    out = jax.jit(tg.to_jax(f), static_argnums=1)(tree, 2, scale=3.0)
    want = f(tree, 2, scale=3.0)
    assert isinstance(out["sum"], jax.Array) and out["pair"][1] is None
    _close(out["sum"], want["sum"])
    _close(out["pair"][0], want["pair"][0])
    _close(out["tup"][0], want["tup"][0])


def test_numpy_functions_and_operators_on_tensors_run_on_jax():
    def f(x, w):
        return np.sum(np.dot(x, w) ** 2) / np.mean(abs(x) + 1) - (x @ w)[0, 1]
    w = RNG.normal(size=(4, 2))
    _close(jax.jit(tg.to_jax(f))(X, w), f(X, w))
    g = jax.jit(jax.grad(tg.to_jax(f), argnums=1))(X, w)
    _close(g, tg.grad(f, argnums=1)(X, w))


def test_models_and_optimizer_steps_run_compiled():
    cnn = tg.nn.CNN(in_channels=1, image_size=4, channels=2, num_classes=3)
    cp = cnn.init(1)
    imgs = RNG.normal(size=(5, 1, 4, 4))
    opt = tg.optim.Adam(1e-2)

    def step(params, state, x, y):
        value, grads = tg.value_and_grad(_loss)(params, x, y)  # jax.value_and_grad inside
        params, state = opt.step(params, grads, state)
        return params, state, value

    def both(params, state, x, y, cp, imgs):
        return step(params, state, x, y), cnn.apply(cp, imgs)
    jboth = jax.jit(tg.to_jax(both))
    p, s = PARAMS, opt.init(PARAMS)
    jp, js = p, s
    for _ in range(3):
        p, s, value = step(p, s, X, Y)
        (jp, js, jvalue), logits = jboth(jp, js, X, Y, cp, imgs)
        assert abs(float(jvalue) - float(value)) < 1e-12
    for a, b in zip(tg.tree_leaves(p), jax.tree_util.tree_leaves(jp)):
        _close(b, a, 1e-12)
    assert int(js["step"]) == 3
    _close(logits, cnn.apply(cp, imgs), 1e-12)


def test_tensorgrad_transforms_inside_a_conversion_are_jax_transforms():
    def f(x):
        return tg.sum(tg.tanh(x) ** 3) + tg.sum(x[:2] * x[1:])

    def everything(x, v):
        out = {"grad": tg.grad(f)(x), "hessian": tg.hessian(f)(x),
               "jacrev": tg.jacrev(tg.tanh)(x), "jacfwd": tg.jacfwd(tg.sin)(x),
               "jvp": tg.jvp(f, (x,), (v,))[1], "vjp": tg.vjp(tg.exp, x)[1](v)[0],
               "hvp": tg.hvp(f, (x,), (v,)), "linearize": tg.linearize(tg.cos, x)[1](v)}
        (value, aux), g = tg.value_and_grad(lambda x: (f(x), x * 2), has_aux=True)(x)
        out["value_and_grad"] = (value, aux, g)
        return out
    x, v = RNG.normal(size=3), RNG.normal(size=3)
    got = jax.jit(tg.to_jax(everything))(x, v)
    want = everything(x, v)  # tensorgrad's own rules
    for a, b in zip(jax.tree_util.tree_leaves(got), tg.tree_leaves(want)):
        _close(a, b, 1e-12)


def test_custom_rules_become_jax_custom_rules_or_are_ignored():
    @tg.custom_vjp
    def clipped(x):
        return tg.sin(x)
    clipped.defvjp(lambda x: (clipped(x), x), lambda x, g: (tg.clip(g * tg.cos(x), -0.1, 0.1),))

    @tg.custom_jvp
    def double(x):
        return tg.exp(x)

    @double.defjvp
    def _(primals, tangents):
        return double(*primals), 2 * tangents[0]

    def f(x):
        return tg.sum(clipped(x)) + tg.sum(double(x))
    x = np.array([0.1, 1.0, 2.0])
    mine = jax.grad(tg.to_jax(f))(x)
    _close(mine, tg.grad(f)(x), 1e-12)  # the user's rules, on both sides
    plain = jax.grad(tg.to_jax(f, custom_rules=False))(x)
    _close(plain, np.cos(x) + np.exp(x), 1e-12)  # JAX differentiates the functions themselves
    assert not np.allclose(mine, plain)


def test_labels_and_indices_that_jit_traces():
    z = RNG.normal(size=(4, 3))
    sce = jax.jit(tg.to_jax(tg.nn.softmax_cross_entropy))
    _close(sce(z, np.array([0, 2, 1, 2])), tg.nn.softmax_cross_entropy(z, np.array([0, 2, 1, 2])))
    assert np.isnan(sce(z, np.array([0, 3, 1, 2])))  # out of range: NaN, never a wrong number
    with pytest.raises(ValueError, match="softmax_cross_entropy.*labels of shape"):
        sce(z, np.array([0, 1]))
    take = jax.jit(tg.to_jax(lambda x, i: x[i] * 2))
    _close(take(np.arange(5.0), np.array([4, 0, -1])), np.array([8.0, 0.0, 8.0]))
    assert np.isnan(take(np.arange(5.0), np.array([7]))).all()
    g = jax.jit(jax.grad(tg.to_jax(lambda x, i: tg.sum(x[i] ** 2))))(np.arange(5.0), np.array([1, 1, 3]))
    _close(g, tg.grad(lambda x: tg.sum(x[np.array([1, 1, 3])] ** 2))(np.arange(5.0)))


def test_clear_errors():
    from tensorgrad.recording import bind
    from tensorgrad.registry import Op
    op = Op("no_jax_twin", lambda x: x * 1.0, "linear", vjps=(lambda g, out, x: g,))
    with pytest.raises(NotImplementedError, match="op 'no_jax_twin' has no JAX counterpart"):
        tg.to_jax(lambda x: bind(op, (x,), ()))(np.ones(2))
    # a tensorgrad transform outside, a conversion inside: the derivative would be lost
    with pytest.raises(TypeError, match="Differentiate the converted function with JAX"):
        tg.grad(lambda x: tg.to_jax(tg.sin)(x))(1.0)
    with pytest.raises(TypeError, match="learning-rate schedule needs a concrete update count"):
        opt = tg.optim.SGD(tg.optim.step_decay(0.1, 5))
        jax.jit(tg.to_jax(opt.step))(PARAMS, PARAMS, opt.init(PARAMS))
    with pytest.raises(TypeError, match=r"matmul \(run by JAX under tg.to_jax\).*shape=\(12, 4\)"):
        tg.to_jax(lambda a, b: bind(tg.REGISTRY["matmul"], (a, b), ()))(X, X)


def test_missing_jax_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "jax", None)  # import jax now fails
    with pytest.raises(ImportError, match=r'pip install "tensorgrad\[jax\]"'):
        tg.to_jax(tg.sin)
    with pytest.raises(ImportError, match=r'tensorgrad\[jax\]'):
        tg.train.fit(MODEL, PARAMS, X, Y, epochs=1, progress=False, backend="jax")


# ---------------------------------------------------------------- cross-checks from one definition
def test_compare_with_jax_from_one_definition_and_a_wrong_rule_caught():
    cmp = tg.check.compare_with_jax(_loss, PARAMS, X, Y)
    assert cmp.ok and {r[0] for r in cmp.rows} == {"value", "grad", "jvp", "vjp", "jacobian"}
    assert cmp.max_rel < 1e-12 and cmp.first_difference is None

    @tg.custom_vjp
    def softplus(x):
        return tg.log1p(tg.exp(x))
    # the derivative of softplus is sigmoid; this rule is off by 1 % for positive inputs
    softplus.defvjp(lambda x: (softplus(x), x),
                    lambda x, g: (g * tg.sigmoid(x) * tg.where(x > 0, 1.01, 1.0),))

    def loss(params, x, y):
        h = softplus(x @ params[0]["W"] + params[0]["b"])
        return tg.nn.softmax_cross_entropy(h @ params[1]["W"] + params[1]["b"], y)
    bad = tg.check.compare_with_jax(loss, PARAMS, X, Y)
    assert not bad.ok
    assert {r[0] for r in bad.rows if not r[4]} == {"grad", "vjp", "jacobian"}  # values agree
    assert bad.first_difference.startswith("op #3 of ") and "custom_vjp[softplus]" in bad.first_difference
    assert "VJP for input 0 differs" in bad.first_difference
    text = str(bad)
    assert "worst entries of arg0.0.W (grad)" in text and "first difference: op #3" in text
    what, name = max(bad.worst, key=lambda k: bad.worst[k][3])
    idx, a, b, err = bad.worst[(what, name)]
    assert err > 1e-4 and len(idx) in (1, 2)


# ---------------------------------------------------------------- training with backend="jax"
def test_fit_backend_jax_same_loss_curve_and_interchangeable_checkpoints(tmp_path):
    from tensorgrad import checkpoint
    kw = dict(epochs=2, batch_size=5, progress=False, validation=(X[:6], Y[:6]))  # 12 = 5 + 5 + 2
    sched = tg.optim.cosine(0.05, 6)
    pn, hn = tg.train.fit(MODEL, PARAMS, X, Y, optimizer=tg.optim.Adam(sched), **kw)
    pj, hj = tg.train.fit(MODEL, PARAMS, X, Y, optimizer=tg.optim.Adam(sched), backend="jax", **kw)
    assert len(hj["step_loss"]) == 6
    assert np.max(np.abs(np.subtract(hj["step_loss"], hn["step_loss"]))) < 1e-8
    assert np.max(np.abs(np.subtract(hj["val_loss"], hn["val_loss"]))) < 1e-8
    assert hj["accuracy"] == hn["accuracy"]
    for a, b in zip(tg.tree_leaves(pj), tg.tree_leaves(pn)):
        assert type(a) is np.ndarray and np.max(np.abs(a - b)) < 1e-10
    # a checkpoint written after the JAX run resumes training on NumPy, and the other way
    checkpoint.save(tmp_path / "jax.npz", pj)
    checkpoint.save(tmp_path / "numpy.npz", pn)
    more = dict(epochs=1, batch_size=6, progress=False, optimizer=tg.optim.SGD(0.1))
    a, _ = tg.train.fit(MODEL, checkpoint.load(tmp_path / "jax.npz", MODEL), X, Y, **more)
    b, _ = tg.train.fit(MODEL, checkpoint.load(tmp_path / "numpy.npz", MODEL), X, Y, backend="jax",
                        **more)
    for u, v in zip(tg.tree_leaves(a), tg.tree_leaves(b)):
        assert np.max(np.abs(u - v)) < 1e-10
    with pytest.raises(ValueError, match="backend must be 'numpy' or 'jax'"):
        tg.train.fit(MODEL, PARAMS, X, Y, backend="torch")


def test_optimizer_state_is_never_modified_and_in_place_rules_are_refused():
    opt = tg.optim.Adam(1e-2)
    state = opt.init(PARAMS)
    before = tg.tree_map(np.copy, state)
    _, new = opt.step(PARAMS, PARAMS, state)
    for a, b in zip(tg.tree_leaves(state), tg.tree_leaves(before)):
        assert np.array_equal(a, b)
    assert all(a.flags.writeable for a in tg.tree_leaves(new))

    class InPlace(tg.optim.SGD):  # the old style: b *= μ; b += g on the buffer itself
        def _update(self, p, g, bufs, t, lr):
            b = bufs["momentum"]
            b *= self.momentum
            b += g
            return p - lr * b
    opt = InPlace(0.1, momentum=0.9)
    with pytest.raises(TypeError, match=r"wrote into a state buffer in place.*bufs\[name\]"):
        opt.step(PARAMS, PARAMS, opt.init(PARAMS))
    with pytest.raises(TypeError, match="did not store a new value for its buffer 'momentum'"):
        jax.jit(tg.to_jax(opt.step))(PARAMS, PARAMS, opt.init(PARAMS))


def test_argnums_and_tangents_inside_to_jax_are_checked_as_outside():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 5.0])

    def f(u, v):
        return tg.numpy.sum(u * u * v)
    for argnums, name in ((2, "grad"), (-3, "grad")):
        with pytest.raises(TypeError, match=rf"{name}: argnums={argnums} is out of range"):
            tg.to_jax(tg.grad(f, argnums=argnums))(a, b)
    with pytest.raises(TypeError, match="jacrev: argnums=3 is out of range"):
        tg.to_jax(tg.jacrev(lambda u, v: u * v, argnums=3))(a, b)
    np.testing.assert_allclose(tg.to_jax(tg.grad(f, argnums=-1))(a, b), a * a, rtol=1e-15)
    with pytest.raises(TypeError, match="complex tangent"):
        tg.to_jax(lambda x: tg.jvp(lambda x: x * 2, (x,), (np.array([1j, 1.0]),)))(a)


def test_holomorphic_and_allow_int_reach_jax_inside_to_jax():
    z = np.array([1 + 1j, 2 - 1j])
    np.testing.assert_allclose(tg.to_jax(tg.grad(lambda z: (z ** 2)[0], holomorphic=True))(z),
                               tg.grad(lambda z: (z ** 2)[0], holomorphic=True)(z), rtol=1e-15)
    for jac in (tg.jacrev, tg.jacfwd):
        np.testing.assert_allclose(tg.to_jax(jac(lambda z: z ** 2, holomorphic=True))(z),
                                   np.diag(2 * z), rtol=1e-15)
    g = tg.to_jax(tg.grad(lambda a, n: tg.numpy.sum(a * n), argnums=(0, 1), allow_int=True))(
        np.ones(2), np.arange(2))
    np.testing.assert_array_equal(g[0], [0.0, 1.0])


def test_an_optimizer_state_passes_through_jax_jit_of_a_converted_step():
    # its tree_def field reached JAX as a leaf ("Error interpreting argument ... TreeDef"): the
    # state is now a pytree node for JAX too, as JAX's own OptimizerState is
    init, update, get = topt.adam(0.1)
    state = init({"w": np.ones(3), "b": (np.zeros(2),)})

    def step(i, st, x):
        return update(i, tg.grad(lambda p: tg.numpy.sum(p["w"] * x) + tg.numpy.sum(p["b"][0]))(get(st)), st)
    x = np.arange(3.0)
    out = jax.jit(tg.to_jax(step))(0, state, x)
    want = step(0, state, x)
    assert type(out) is type(want)
    for a, b in zip(tg.tree_util.tree_leaves(get(out)), tg.tree_util.tree_leaves(get(want))):
        np.testing.assert_allclose(np.asarray(a), b, rtol=1e-14)
