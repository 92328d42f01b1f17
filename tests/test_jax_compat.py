"""Details of JAX's signatures that JAX code relies on: pytrees in stop_gradient,
tree_map's is_leaf and prefix matching, custom rules with nondiff_argnums, jit's
donate_argnums (accepted, no effect)."""
from collections import OrderedDict
from functools import partial

import pickle
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp

X = np.linspace(0.5, 2.0, 3)


def test_stop_gradient_stops_every_leaf_of_a_pytree():
    # before, a dict went through as a constant holding the live value: a wrong gradient
    for pack, unpack in ((lambda a: {"q": a}, lambda t: t["q"]), (lambda a: [a, (a, None)], lambda t: t[1][0])):
        got = tg.grad(lambda a: tg.sum(unpack(tg.stop_gradient(pack(a))) * a))(X)
        want = jax.jit(jax.grad(lambda a: jnp.sum(unpack(jax.lax.stop_gradient(pack(a))) * a)))(X)
        np.testing.assert_allclose(got, want)
    assert tg.stop_gradient({"a": 1.0, "b": None}) == {"a": 1.0, "b": None}
    # any other op refuses a dict rather than carrying it through as a constant
    for f in (lambda a: tg.sin({"q": a}), lambda a: tg.add({"q": a}, 1.0),
              lambda a: tg.where(a > 0, {"q": a}, a)):
        with pytest.raises(TypeError, match=r"got a dict \(1 entries\) where an array is expected"):
            tg.grad(lambda a: tg.sum(f(a)))(X)


def test_tree_map_is_leaf_and_prefix_structures_match_jax():
    trees = [[(1, 2), (3,)], {"a": (1, 2), "b": [3, (4, 5)]}]
    for t in trees:
        is_tuple = lambda n: isinstance(n, tuple)  # noqa: E731
        size = lambda n: len(n) if isinstance(n, tuple) else -n  # noqa: E731
        assert tg.tree_map(size, t, is_leaf=is_tuple) == jax.tree_util.tree_map(size, t, is_leaf=is_tuple)
        assert tg.tree_leaves(t, is_leaf=is_tuple) == jax.tree_util.tree_leaves(t, is_leaf=is_tuple)
    pair = lambda a, b: (a, b)  # noqa: E731
    assert tg.tree_map(pair, [1, 2], [(3, 4), {"x": 5}]) == jax.tree_util.tree_map(pair, [1, 2], [(3, 4), {"x": 5}])
    import operator
    t = {"a": [1, 2], "b": (3, None)}
    for tree in (t, [1, (2,)], 3, None, (None, {"x": [4]})):
        assert repr(tg.tree_util.tree_structure(tree)) == repr(jax.tree_util.tree_structure(tree))
        assert str(tg.tree_util.tree_structure(tree)) == str(jax.tree_util.tree_structure(tree))
    named = tg.linalg.slogdet(np.eye(2))  # a namedtuple prints by its name and fields
    assert repr(tg.tree_util.tree_structure(named)) == "PyTreeDef(SlogdetResult(sign=*, logabsdet=*))"
    with pytest.raises(TypeError, match=r"\(\*, \*\)\) does not match the output.s PyTreeDef\(SlogdetResult"):
        tg.vjp(tg.linalg.slogdet, np.eye(2))[1]((np.array(0.0), np.array(1.0)))
    for init in ((), (10,)):
        assert tg.tree_util.tree_reduce(operator.add, t, *init) == jax.tree_util.tree_reduce(operator.add, t, *init)
    assert tg.tree_util.tree_all(t) and not tg.tree_util.tree_all([1, 0])
    with pytest.raises(ValueError, match=r"structures differ.*3 entries where 2 are expected"):
        tg.tree_map(pair, [1, 2], [1, 2, 3])


def test_custom_rules_with_nondiff_argnums_match_jax():
    @partial(tg.custom_vjp, nondiff_argnums=(1,))
    def scale(a, k):
        return a * k
    scale.defvjp(lambda a, k: (a * k, None), lambda k, res, g: (g * k * 10,))

    @partial(jax.custom_vjp, nondiff_argnums=(1,))
    def jscale(a, k):
        return a * k
    jscale.defvjp(lambda a, k: (a * k, None), lambda k, res, g: (g * k * 10,))
    np.testing.assert_allclose(tg.grad(lambda a: tg.sum(scale(a, 2.0)))(X),
                               jax.jit(jax.grad(lambda a: jnp.sum(jscale(a, 2.0))))(X))

    @partial(tg.custom_jvp, nondiff_argnums=(0,))
    def apply(f, a):
        return f(a)

    @apply.defjvp
    def _(f, primals, tangents):
        return f(primals[0]), 3 * tangents[0]

    @partial(jax.custom_jvp, nondiff_argnums=(0,))
    def japply(f, a):
        return f(a)

    @japply.defjvp
    def _(f, primals, tangents):
        return f(primals[0]), 3 * tangents[0]
    np.testing.assert_allclose(tg.grad(lambda a: tg.sum(apply(tg.sin, a)))(X),
                               jax.jit(jax.grad(lambda a: jnp.sum(japply(jnp.sin, a))))(X))
    np.testing.assert_allclose(tg.jacfwd(lambda a: apply(tg.sin, a))(X),
                               jax.jit(jax.jacfwd(lambda a: japply(jnp.sin, a)))(X))
    with pytest.raises(TypeError, match="an argument in nondiff_argnums is a traced value"):
        tg.grad(lambda a: tg.sum(scale(a, a)))(X)


def test_jit_accepts_donate_argnums_and_leaves_the_argument_alone():
    x = X.copy()
    np.testing.assert_array_equal(tg.jit(lambda a: a * 2, donate_argnums=0)(x), X * 2)
    np.testing.assert_array_equal(x, X)


def test_lax_control_flow_matches_jax():
    rng = np.random.default_rng(0)
    W = rng.normal(size=(3, 3)) * 0.5
    xs = rng.normal(size=(5, 3))

    def rnn(m, lax, h0):
        def step(h, x):
            h = m.tanh(W @ h + x)
            return h, m.sum(h ** 2)
        h, ys = lax.scan(step, h0, xs)
        h = lax.fori_loop(0, 3, lambda i, h: h * 0.9 + i, h)
        h = lax.cond(True, lambda h: h * 2, lambda h: h, h)
        h = lax.switch(1, [lambda h: h, lambda h: h ** 2], h)
        return m.sum(h) + m.sum(ys)
    h0 = np.ones(3)
    want = jax.jit(jax.grad(lambda h: rnn(jnp, jax.lax, h)))(h0)
    np.testing.assert_allclose(tg.grad(lambda h: rnn(tg, tg.lax, h))(h0), want, rtol=1e-13)
    np.testing.assert_allclose(tg.jit(tg.grad(lambda h: rnn(tg, tg.lax, h)))(h0), want, rtol=1e-13)
    assert tg.lax.while_loop(lambda v: v < 10, lambda v: v * 2, 1) == 16
    carry, ys = tg.lax.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0), reverse=True)
    jcarry, jys = jax.lax.scan(lambda c, x: (c + x, c * x), 0.0, np.arange(4.0), reverse=True)
    assert float(carry) == float(jcarry)
    np.testing.assert_array_equal(np.asarray(ys), jys)
    # a traced predicate: both branches run under tg.jit and each call selects (as JAX)
    sel = tg.jit(lambda v: tg.lax.cond(v[0] > 0, lambda a: a, lambda a: -a, v))
    for v in (h0, -h0):
        np.testing.assert_array_equal(sel(v), v if v[0] > 0 else -v)
    with pytest.raises(tg.ConcretizationError):
        tg.jit(lambda v: tg.lax.while_loop(lambda a: a[0] < 10, lambda a: a * 2, v))(h0)
    with pytest.raises(ValueError, match="different leading sizes"):
        tg.lax.scan(lambda c, x: (c, x), 0.0, (np.ones(3), np.ones(4)))


def test_loop_and_branch_functions_see_arrays_with_jaxs_methods():
    """JAX hands lax's body and branch functions arrays with .at and .astype; so does
    tg.lax, also for NumPy arguments (and the results come back as NumPy arrays)."""
    def run(m, lax):
        fill = lax.fori_loop(0, 3, lambda i, v: v.at[i].set(2.0 * i), np.zeros(4))
        c, ys = lax.scan(lambda c, r: (c.at[0].add(r[1]), r.at[2].multiply(c[0])), np.zeros(2),
                         np.arange(6.0).reshape(2, 3))
        w = lax.while_loop(lambda a: a[0] < 3, lambda a: a.at[0].add(1), np.zeros(2, np.int64))
        k = lax.cond(True, lambda a: a.at[-1].set(7.0).astype(np.float32), lambda a: a.astype(np.float32),
                     np.ones(3))
        s = lax.switch(1, [lambda a: a, lambda a: a.at[0].max(5.0)], np.ones(2))
        return fill, c, ys, w, k, s, lax.map(lambda r: r.at[::2].set(-1.0), np.ones((2, 3)))
    got, want = run(tg, tg.lax), run(jnp, jax.lax)
    for g, w in zip(tg.tree_leaves(got), jax.tree_util.tree_leaves(want)):
        assert type(g) is np.ndarray and g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)
    z = tg.vmap(lambda r: r.at[0].set(9.0))(np.ones((2, 3), complex))  # complex rows too
    assert type(z) is np.ndarray and z[:, 0].tolist() == [9, 9] and z.dtype == complex
    g = tg.grad(lambda x: tg.lax.fori_loop(0, 3, lambda i, v: v.at[i].multiply(x[i]), np.ones(3)).sum())(X)
    np.testing.assert_array_equal(g, np.ones(3))


def test_dict_outputs_of_jit_and_control_flow_have_jaxs_key_order():
    x = np.ones(1)
    d = {"z": x, "a": 2 * x}
    same = lambda v: {"z": v, "a": v}  # noqa: E731
    outs = [tg.jit(same)(x), tg.jit(lambda t: t)(d), tg.lax.cond(True, same, same, x),
            tg.lax.fori_loop(0, 2, lambda i, t: t, d), tg.lax.while_loop(lambda t: t["a"][0] > 5, lambda t: t, d),
            tg.lax.scan(lambda c, r: (c, None), d, np.ones(2))[0]]
    want = [list(o) for o in (jax.jit(same)(x), jax.jit(lambda t: t)(d), jax.lax.cond(True, same, same, x),
                              jax.lax.fori_loop(0, 2, lambda i, t: t, d))]
    assert want == [["a", "z"]] * 4
    assert [list(o) for o in outs] == [["a", "z"]] * 6
    g = tg.grad(lambda v: tg.lax.fori_loop(0, 1, lambda i, t: {"z": t["z"], "a": t["a"]}, same(v))["a"][0])(x)
    assert g.tolist() == [1.0]
    ordered = tg.jit(lambda v: OrderedDict([("z", v), ("a", v)]))(x)  # an OrderedDict keeps its order
    assert list(ordered) == ["z", "a"]


def test_switch_takes_operand_and_pytree_nodes_take_key_functions():
    assert tg.lax.switch(1, [lambda v: v, lambda v: v * 2], operand=3.0) == 6.0  # JAX's older form
    with pytest.raises(TypeError, match="switch: give the operands positionally or as operand="):
        tg.lax.switch(0, [lambda v: v], 1.0, operand=2.0)

    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b
    keys = (tg.tree_util.GetAttrKey("a"), tg.tree_util.GetAttrKey("b"))
    tg.tree_util.register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda aux, ch: Pair(*ch),
                                      lambda p: (tuple(zip(keys, (p.a, p.b))), None))
    paths = tg.tree_util.tree_flatten_with_path(Pair(1.0, 2.0))[0]
    assert [tg.tree_util.keystr(p) for p, _ in paths] == [".a", ".b"]
    assert tg.grad(lambda p: p.a * p.b)(Pair(2.0, 3.0)).a == 3.0


def test_tensorgrad_numpy_is_the_namespace_under_jax_numpys_name():
    import tensorgrad.numpy as tnp
    import tensorgrad.numpy.linalg
    from tensorgrad.numpy import fft
    assert tnp.mean is tnp.mean and tnp.mean.__wrapped__ is tg.mean and tnp is tg.numpy
    assert tnp.sum.__wrapped__ is tg.sum.numpy_meaning  # (tg.sum follows a tensor of PyTorch's)
    assert tensorgrad.numpy.linalg is tnp.linalg and fft is tnp.fft
    assert tnp.linalg.inv.__wrapped__ is tg.linalg.inv and tnp.fft.rfft.__wrapped__ is tg.fft.rfft
    assert tnp.grad is tg.grad and tnp.pi == np.pi and tnp.float32 is tg.float32
    np.testing.assert_allclose(tg.grad(lambda x: tnp.sum(tnp.sin(x)))(X), np.cos(X))
    with pytest.raises(AttributeError, match="tensorgrad.numpy' has no attribute 'nope'"):
        tnp.nope
    # jnp.ndarray: the type of every array value, for isinstance checks (JAX code's guards)
    seen = []
    tg.grad(lambda x: seen.append(isinstance(x, tnp.ndarray)) or tg.sum(x))(X)  # traced
    tg.jit(lambda x: seen.append(isinstance(x, tnp.ndarray)) or x)(X)  # staged by tg.jit
    assert seen == [True, True]
    for v in (tnp.zeros(3), tg.tensor([1.0]), np.float32(2.0)):
        assert isinstance(v, tnp.ndarray)
    for v in (3.0, [1.0], "a", None):
        assert not isinstance(v, tnp.ndarray)
    assert issubclass(np.ndarray, tnp.ndarray) and not issubclass(list, tnp.ndarray)
    with pytest.raises(TypeError, match="isinstance"):
        tnp.ndarray((2,))


def test_jnp_results_are_arrays_with_jax_update_syntax():
    # jax.numpy returns jax.Arrays, and JAX code calls .at on freshly made ones, in and outside
    # the transforms; tnp's functions return constant tensors where tg's return NumPy arrays
    import tensorgrad.numpy as tnp
    assert isinstance(tg.zeros(3), np.ndarray) and isinstance(tnp.zeros(3), tg.Tensor)
    np.testing.assert_array_equal(tnp.zeros(3).at[0].set(1.0), [1.0, 0.0, 0.0])
    np.testing.assert_array_equal(tnp.arange(4.0).at[::2].multiply(2.0), [0.0, 1.0, 4.0, 3.0])

    def f(x, np_=tnp):
        y = np_.zeros_like(x).at[1:3].set(x[:2] ** 2)
        y = y.at[0].add(np_.sum(x) * np_.array([2.0])[0])
        return np_.sum(np_.where(y > 1, y, 0.0) * x) + np_.linalg.norm(np_.eye(4)[0] * x)
    x = np.arange(1.0, 5.0)
    want = np.asarray(jax.grad(lambda v: f(v, jnp))(x))
    np.testing.assert_allclose(tg.grad(f)(x), want, rtol=1e-13)
    np.testing.assert_allclose(tg.jit(tg.grad(f))(x), want, rtol=1e-13)
    np.testing.assert_allclose(tg.jit(f)(x), jax.jit(lambda v: f(v, jnp))(x), rtol=1e-13)

    def g(v):
        return tg.lax.fori_loop(0, 4, lambda i, a: a.at[i].set(i * v[i]), tnp.zeros(4))
    np.testing.assert_allclose(tg.jacrev(g)(x), np.diag(np.arange(4.0)), rtol=1e-13)
    # tuples, namedtuples and lists of results, the linalg and fft namespaces, the index tricks
    w, v = tnp.linalg.eigh(np.diag([2.0, 1.0]))
    assert isinstance(w, tg.Tensor) and isinstance(v, tg.Tensor)
    assert type(tnp.linalg.eigh(np.eye(2))).__name__ == "EighResult"
    made = (*tnp.nonzero(np.arange(3)), *tnp.split(np.arange(4), 2), tnp.fft.rfft(np.ones(4)),
            tnp.r_[1, 2], tnp.sum(np.ones(2)))
    assert all(isinstance(t, tg.Tensor) for t in made)
    # never a view of the caller's array (JAX's arrays are copies), whatever array-like holds it
    a = np.ones(4)

    class Like:
        def __array__(self, dtype=None, copy=None):
            return a
    views = (tnp.asarray(a), tnp.reshape(a, (2, 2)), tnp.ravel(a), tnp.array(a), tnp.asarray(memoryview(a)),
             tnp.asarray(Like()), tnp.reshape(Like(), (4,)), tnp.split(a, 2)[0])
    a[0] = 5.0
    assert all(float(t.ravel()[0]) == 1.0 for t in views)
    # a ufunc's methods, vectorize's function, JAX's isscalar and jax.Array's device methods
    for t in (tnp.add.outer(np.ones(2), np.ones(3)), tnp.multiply.reduce(np.arange(1.0, 4.0)),
              tnp.add.accumulate(np.ones(3)), tnp.vectorize(lambda u: u * 2)(np.ones(2))):
        assert isinstance(t, tg.Tensor)
    np.testing.assert_allclose(tg.jit(lambda u: tnp.vectorize(lambda s: s * s)(u).at[0].set(3.0))(x),
                               [3.0, 4.0, 9.0, 16.0])
    assert [tnp.isscalar(v) for v in (tnp.array(1.0), 1.0, np.float32(2), np.ones(2), tnp.ones(2), "a")] == \
        [jnp.isscalar(v) for v in (jnp.array(1.0), 1.0, np.float32(2), np.ones(2), jnp.ones(2), "a")]
    t = tnp.arange(3.0)
    assert len(t.devices()) == 1 and t.is_ready() and t.tobytes() == np.arange(3.0).tobytes()
    for fn in (tnp.tanh, tnp.linalg.norm, tnp.add.outer, tnp.fft.rfft):
        assert pickle.loads(pickle.dumps(fn)) is fn
    # what is not an array stays as it is
    assert tnp.shape(a) == (4,) and tnp.ndim(a) == 1 and tnp.result_type(a) == np.float64
    assert tnp.array_str(np.ones(1)) == "[1.]" and tnp.dtype is np.dtype


def test_ravel_pytree_matches_jax_flatten_util_and_differentiates():
    import jax.flatten_util
    p = {"W": np.arange(6.0).reshape(2, 3), "b": np.array([0.5, -1.0, 2.0]),
         "layers": [np.float32(2.0), (np.ones((1, 2)),)]}
    flat, unravel = tg.flatten_util.ravel_pytree(p)
    jflat, junravel = jax.flatten_util.ravel_pytree(jax.tree_util.tree_map(jnp.asarray, p))
    np.testing.assert_array_equal(flat, np.asarray(jflat))
    assert flat.dtype == np.float64
    back = unravel(flat * 3)
    jback = junravel(jflat * 3)
    for a, b in zip(tg.tree_leaves(back), jax.tree_util.tree_leaves(jback)):
        np.testing.assert_array_equal(a, np.asarray(b))
        assert a.dtype == b.dtype and np.shape(a) == b.shape
    # through both directions: a loss on the flat vector reaches each leaf, and back
    g = tg.grad(lambda q: tg.sum(tg.flatten_util.ravel_pytree(q)[0] ** 2))(p)
    np.testing.assert_allclose(g["W"], 2 * p["W"])
    gv = tg.grad(lambda v: tg.sum(unravel(v)["W"] * 2.0))(flat)
    np.testing.assert_array_equal(
        gv, np.asarray(jax.jit(jax.grad(lambda v: jnp.sum(junravel(v)["W"] * 2.0)))(jflat)))
    assert gv[[0, 1, 2]].tolist() == [2.0, 2.0, 2.0] and gv[-1] == 0.0
    with pytest.raises(ValueError, match="shape"):
        unravel(np.ones(3))
    empty, un_empty = tg.flatten_util.ravel_pytree({})
    assert empty.shape == (0,) and un_empty(empty) == {}


def test_tg_tree_has_jax_trees_short_names():
    p = {"b": [np.ones(2), (np.zeros(3), None)], "a": np.arange(2.0)}
    jp = jax.tree_util.tree_map(jnp.asarray, p)
    got, want = tg.tree.map(lambda x: x * 2 + 1, p), jax.tree.map(lambda x: x * 2 + 1, jp)
    for a, b in zip(tg.tree.leaves(got), jax.tree.leaves(want)):
        np.testing.assert_array_equal(a, np.asarray(b))
    leaves, td = tg.tree.flatten(p)
    assert len(leaves) == len(jax.tree.leaves(jp)) == 3
    assert tg.tree.structure(tg.tree.unflatten(td, leaves)) == td
    assert tg.tree.reduce(lambda s, x: s + x.size, p, 0) == jax.tree.reduce(lambda s, x: s + x.size, jp, 0)
    assert tg.tree.all([True, (1, {"k": 2.0})]) and not tg.tree.all([True, 0])
    assert repr(td).count("*") == 3  # the module's own code still uses the builtins


class _Lin:
    """A pytree node registered the way JAX code registers one (tree_flatten/tree_unflatten)."""

    def __init__(self, w, b, name="lin"):
        self.w, self.b, self.name = w, b, name

    def tree_flatten(self):
        return (self.w, self.b), self.name

    @classmethod
    def tree_unflatten(cls, aux, children):
        return cls(*children, name=aux)


tg.tree_util.register_pytree_node_class(_Lin)
jax.tree_util.register_pytree_node_class(_Lin)


def test_registered_pytree_nodes_work_through_every_transform():
    import dataclasses

    @dataclasses.dataclass
    class Model:
        layers: list
        scale: float = dataclasses.field(default=2.0, metadata={"static": True})

    tg.tree_util.register_dataclass(Model)
    jax.tree_util.register_dataclass(Model, data_fields=["layers"], meta_fields=["scale"])
    x = np.array([[0.3, -1.0], [2.0, 0.5]])
    m = Model([_Lin(np.eye(2), np.ones(2)), _Lin(np.full((2, 2), 0.5), np.zeros(2), "out")])

    def loss(mod, mm, v):
        h = v
        for lin in mm.layers:
            h = mod.tanh(h @ lin.w + lin.b)
        return mod.sum(h ** 2) * mm.scale
    g = tg.grad(lambda mm: loss(tg, mm, x))(m)
    jg = jax.jit(jax.grad(lambda mm: loss(jnp, mm, x)))(jax.tree_util.tree_map(jnp.asarray, m))
    assert type(g) is Model and type(g.layers[1]) is _Lin and g.layers[1].name == "out"
    assert len(tg.tree_leaves(g)) == 4
    for a, b in zip(tg.tree_leaves(g), jax.tree_util.tree_leaves(jg)):
        np.testing.assert_allclose(a, np.asarray(b), rtol=1e-12)
    gj = tg.jit(tg.grad(lambda mm: loss(tg, mm, x)))(m)  # signature, replay and output
    assert type(gj) is Model
    for a, b in zip(tg.tree_leaves(gj), tg.tree_leaves(g)):
        np.testing.assert_allclose(a, b, rtol=1e-13)
    assert tg.tree.map(lambda a: a * 0, m).layers[0].name == "lin"
    np.testing.assert_allclose(tg.vmap(lambda mm, v: loss(tg, mm, v), in_axes=(None, 0))(m, np.stack([x, x])),
                               [loss(np, m, x)] * 2)
    # a plain function pair, as jax.tree_util.register_pytree_node takes
    class Pair:
        def __init__(self, a, b):
            self.a, self.b = a, b
    tg.tree_util.register_pytree_node(Pair, lambda p: ((p.a, p.b), None), lambda aux, c: Pair(*c))
    gp = tg.grad(lambda p: tg.sum(p.a * p.b))(Pair(np.ones(2), np.full(2, 3.0)))
    assert type(gp) is Pair and np.array_equal(gp.a, [3.0, 3.0]) and np.array_equal(gp.b, [1.0, 1.0])
    with pytest.raises(ValueError, match="built in"):
        tg.tree_util.register_pytree_node(dict, lambda d: ((), None), lambda a, c: {})


# ---- control flow reads its predicates as JAX does; vmap and argnums refuse what JAX refuses ----
def test_cond_takes_the_true_branch_for_any_nonzero_predicate():
    for p in (0.5, -0.2, 1e-9, np.array(0.9), True, 3):
        assert tg.lax.cond(p, lambda: "T", lambda: "F") == "T"  # (floats were truncated to 0)
    for p in (0, 0.0, False):
        assert tg.lax.cond(p, lambda: "T", lambda: "F") == "F"
    assert tg.lax.cond(True, lambda v: v, lambda v: -v, operand=3) == 3
    x = np.array([0.3, -1.2, 2.0])
    g = tg.grad(lambda v: tg.lax.cond(v[0], lambda z: tg.sum(z ** 2), lambda z: tg.sum(z ** 3), v))(x)
    np.testing.assert_allclose(g, 2 * x)  # a traced float predicate: its value picks the branch


def test_loops_and_switch_refuse_what_jax_refuses():
    with pytest.raises(TypeError, match="switch: the branch index must be an integer"):
        tg.lax.switch(1.7, [lambda: 0, lambda: 1])
    with pytest.raises(TypeError, match="fori_loop: the lower and upper bounds must have one type"):
        tg.lax.fori_loop(0, 2.5, lambda i, v: v, 0)
    with pytest.raises(TypeError, match="fori_loop: the upper bound must be an integer"):
        tg.lax.fori_loop(0, True, lambda i, v: v, 0)
    with pytest.raises(TypeError, match="while_loop: cond_fun must return a boolean scalar"):
        tg.lax.while_loop(lambda s: 2.75 - s, lambda s: s + 1, 0.0)
    with pytest.raises(TypeError, match="cond: the predicate must be a scalar"):
        tg.lax.cond(np.array([1.0]), lambda: 1, lambda: 2)
    carry, ys = tg.lax.scan(lambda c, x: (c, {"y": c * 2}), np.array(1.0), np.zeros(0))
    assert ys["y"].shape == (0,)  # zero steps: ys shaped as one step would give


def test_vmap_and_argnums_refuse_what_jax_refuses():
    x = np.arange(6.0).reshape(3, 2)
    with pytest.raises(ValueError, match="out_axes None for output 0, but it differs"):
        tg.vmap(lambda r: r * 2, out_axes=None)(x)
    np.testing.assert_allclose(tg.vmap(lambda r: np.float64(5.0), out_axes=None)(x), 5.0)
    with pytest.raises(ValueError, match="axis_size=7 but the mapped arguments have size 3"):
        tg.vmap(lambda r: r, axis_size=7)(np.arange(3.0))
    with pytest.raises(ValueError, match=r"argnums=\(0, 0\) names an argument twice"):
        tg.grad(lambda a: tg.sum(a ** 2), (0, 0))(x)
    assert tg.vmap(lambda r: (r.sum(), r), out_axes=(0, 1))(np.zeros((0, 3)))[1].shape == (3, 0)


def test_jit_tells_minus_zero_from_zero():
    f = tg.jit(lambda a, s: a / s)
    with np.errstate(divide="ignore"):
        assert f(np.ones(1), 0.0)[0] == np.inf and f(np.ones(1), -0.0)[0] == -np.inf


def test_more_of_jax_lax_matches_jax():
    jl = jax.lax
    x = np.random.default_rng(5).normal(size=(4, 3))
    cases = [
        (lambda m, v: m.map(lambda r: (r * 2) ** 2, v)),
        (lambda m, v: m.associative_scan(lambda a, b: a * b, v)),
        (lambda m, v: m.associative_scan(lambda a, b: a + b, v, reverse=True, axis=1)),
        (lambda m, v: m.select(v > 0, v, v * 3)),
        (lambda m, v: m.select_n(np.array([[0, 1, 2]] * 4), v, v * 2, v * 3)),
        (lambda m, v: m.dynamic_slice(v, (-1, 1), (2, 2))),
        (lambda m, v: m.dynamic_update_slice(v, v[:2, :2] * 5, (3, -1))),
        (lambda m, v: m.dynamic_index_in_dim(v, 5, axis=0, keepdims=False)),
        (lambda m, v: m.dynamic_update_index_in_dim(v, v[0] * 7, 2, 0)),
        *[(lambda m, v, n=n, r=r: getattr(m, n)(v, axis=0, reverse=r))
          for n in ("cumsum", "cumprod", "cummax", "cummin", "cumlogsumexp") for r in (False, True)],
    ]
    for f in cases:
        np.testing.assert_allclose(f(tg.lax, x), f(jl, x), rtol=1e-12)
        np.testing.assert_allclose(tg.grad(lambda v: tg.sum(f(tg.lax, v) ** 2))(x),
                                   jax.jit(jax.grad(lambda v: jnp.sum(f(jl, v) ** 2)))(x), rtol=1e-10)
    np.testing.assert_allclose(tg.lax.cumlogsumexp(np.array([-1000.0, 0.0, -2000.0])), [-1000.0, 0.0, 0.0])


def test_reverse_associative_scan_keeps_the_accumulated_value_on_the_left():
    # with a non-commutative combine, reverse=True is JAX's scan of the flipped elements
    # flipped back: out[0] = M2 @ M1 @ M0 (tensorgrad gave M0 @ M1 @ M2)
    M = np.random.default_rng(4).normal(size=(3, 2, 2))
    for fn, jfn in ((tg.matmul, jnp.matmul), (lambda a, b: a, lambda a, b: a)):
        for rev in (False, True):
            want = jax.jit(lambda m: jax.lax.associative_scan(jfn, m, reverse=rev))(M)
            np.testing.assert_allclose(tg.lax.associative_scan(fn, M, reverse=rev), want, rtol=1e-13)
    g = tg.grad(lambda m: tg.sum(tg.lax.associative_scan(tg.matmul, m, reverse=True) ** 2))(M)
    gj = jax.jit(jax.grad(lambda m: jnp.sum(jax.lax.associative_scan(jnp.matmul, m, reverse=True) ** 2)))(M)
    np.testing.assert_allclose(g, gj, rtol=1e-12)



def test_associative_scan_calls_fn_on_stacks_of_slices_as_jax():
    # JAX's fn gets arrays that keep the scanned axis (stacks of slices) and combines them
    # slice by slice; tensorgrad called it on one slice at a time, so a fn written for stacks
    # (indexing or contracting that axis) raised. Here h_k = a_k h_(k-1) + b_k packed as (a, b)
    # columns, and a batched product of 2 × 2 matrices, at every length (odd, even, 0, 1)
    def affine(m):
        return lambda x, y: m.stack([x[:, 0] * y[:, 0], x[:, 1] * y[:, 0] + y[:, 1]], axis=1)
    rng = np.random.default_rng(5)
    for n in range(8):
        E, M = rng.normal(size=(n, 2)), rng.normal(size=(n, 2, 2))
        for rev in (False, True):
            np.testing.assert_allclose(tg.lax.associative_scan(affine(tg), E, reverse=rev),
                                       jax.lax.associative_scan(affine(jnp), E, reverse=rev), rtol=1e-13)
            got = tg.lax.associative_scan(lambda a, b: tg.einsum("nij,njk->nik", b, a), M, reverse=rev)
            want = jax.lax.associative_scan(lambda a, b: jnp.einsum("nij,njk->nik", b, a), M, reverse=rev)
            np.testing.assert_allclose(got, want, rtol=1e-12)
    E = rng.normal(size=(6, 2))
    np.testing.assert_allclose(
        tg.grad(lambda e: tg.sum(tg.lax.associative_scan(affine(tg), e)[:, 1] ** 2))(E),
        jax.grad(lambda e: jnp.sum(jax.lax.associative_scan(affine(jnp), e)[:, 1] ** 2))(E), rtol=1e-12)
    with pytest.raises(ValueError, match="fn must keep the scanned axis"):
        tg.lax.associative_scan(lambda a, b: tg.sum(a + b, axis=0), E)

def test_hessian_and_linearize_take_has_aux():
    x = np.array([0.3, -1.2, 2.0])
    h, aux = tg.hessian(lambda v: (tg.sum(tg.sin(v) * v), {"n": tg.sum(v)}), has_aux=True)(x)
    hj, auxj = jax.jit(jax.hessian(lambda v: (jnp.sum(jnp.sin(v) * v), {"n": jnp.sum(v)}), has_aux=True))(x)
    np.testing.assert_allclose(h, hj)
    np.testing.assert_allclose(aux["n"], auxj["n"])
    out, f_jvp, aux = tg.linearize(lambda v: (tg.sin(v), v * 2), x, has_aux=True)
    np.testing.assert_allclose(f_jvp(x), np.cos(x) * x)
    np.testing.assert_allclose(aux, 2 * x)


def test_jax_keyword_arguments_of_the_transforms():
    x, n = np.array([1.0, 2.0]), np.arange(2)
    f = lambda x, n: tg.sum(x * n)  # noqa: E731
    jf = lambda x, n: jnp.sum(x * n)  # noqa: E731
    # allow_int: an integer input's gradient is JAX's float0 zeros (a Jacobian block: int zeros)
    gx, gn = tg.grad(f, argnums=(0, 1), allow_int=True)(x, n)
    jx, jn = jax.grad(jf, argnums=(0, 1), allow_int=True)(x, n)
    assert gn.dtype == jax.dtypes.float0 == jn.dtype and gn.shape == jn.shape == (2,)
    np.testing.assert_array_equal(gx, jx)
    (v, (gx2, gn2)) = tg.value_and_grad(f, argnums=(0, 1), allow_int=True)(x, 3)
    assert v == 9.0 and gn2.dtype == jax.dtypes.float0 and gn2.shape == ()
    J = tg.jacrev(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(x, n)
    Jj = jax.jacrev(lambda x, n: x * n, argnums=(0, 1), allow_int=True)(x, n)
    for a, b in zip(J, Jj):
        assert a.shape == b.shape and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    with pytest.raises(TypeError, match="floating-point"):  # without allow_int, as JAX
        tg.grad(f, argnums=1)(x, n)
    # vjp takes integer primals, as JAX: their cotangents are float0
    ct = tg.vjp(lambda x, n: x * n, x, n)[1](np.ones(2))
    assert ct[1].dtype == jax.dtypes.float0 and ct[0].tolist() == [0.0, 1.0]
    # reduce_axes=() is accepted, other values raise; holomorphic=True needs complex inputs, as JAX
    assert tg.grad(lambda x: tg.sum(x ** 2), holomorphic=False, reduce_axes=())(x).tolist() == [2.0, 4.0]
    assert tg.jacfwd(lambda x: x * 2, holomorphic=False)(x).tolist() == [[2.0, 0.0], [0.0, 2.0]]
    with pytest.raises(TypeError, match="holomorphic=True needs complex inputs"):
        tg.grad(lambda x: tg.sum(x), holomorphic=True)(x)
    with pytest.raises(NotImplementedError, match="reduce_axes"):
        tg.grad(lambda x: tg.sum(x), reduce_axes=("i",))
    # hints and names that change nothing here
    assert tg.lax.fori_loop(0, 3, lambda i, v: v * 2, 1.0, unroll=2) == 8.0
    assert tg.vmap(lambda v: v * 2, axis_name="i", spmd_axis_name="j")(np.ones((3, 2))).shape == (3, 2)


def test_linearize_checks_the_tangent_structure_and_integer_primals_take_float0():
    x = np.array([1.0, 2.0, 3.0])
    _, f_jvp = tg.linearize(lambda p: p["a"] * 2.0 + p["b"] * 10.0, {"a": x, "b": x})
    np.testing.assert_allclose(f_jvp({"a": x, "b": x}), 12 * x)
    for bad in ({"a": x}, [x, x], {"a": x, "b": x, "c": x}):
        with pytest.raises(TypeError, match="structure"):
            f_jvp(bad)
    n, t0 = np.array(3), np.zeros((), jax.dtypes.float0)
    out, tan = tg.jvp(lambda z, k: z * k, (x, n), (x, t0))
    ref = jax.jvp(lambda z, k: z * k, (x, n), (x, t0))
    np.testing.assert_allclose(out, ref[0])
    np.testing.assert_allclose(tan, ref[1])
    np.testing.assert_allclose(tg.linearize(lambda z, k: z * k, x, n)[1](x, t0), ref[1])
    with pytest.raises(TypeError, match="float0"):
        tg.jvp(lambda z, k: z * k, (x, n), (x, np.zeros(())))
    assert tg.jvp(tg.argmax, (x,), (x,))[1].dtype == jax.jvp(jnp.argmax, (x,), (x,))[1].dtype


def test_vjp_takes_float0_cotangents_of_integer_outputs_and_jit_grad_returns_arrays():
    x = np.array([0.5, 2.0])
    out, f_vjp = tg.vjp(lambda v: (tg.sum(v ** 2), tg.argmax(v)), x)
    (g,) = f_vjp((1.0, np.zeros((), tg.float0)))
    np.testing.assert_allclose(g, 2 * x)
    jg = tg.jit(tg.grad(lambda s: s ** 3))
    for arg in (2.0, np.float64(2.0), np.array(2.0)):
        r = jg(arg)
        assert type(r) is np.ndarray and r.shape == () and r == 12.0
        assert type(tg.grad(lambda s: s ** 3)(arg)) is np.ndarray


def test_products_take_jaxs_precision_and_preferred_element_type_and_creation_takes_device():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    b = np.arange(6.0, dtype=np.float32).reshape(3, 2)
    v = np.arange(1, 4, dtype=np.int32)
    for name, args in [("dot", (a, b)), ("tensordot", (a, b, 1)), ("inner", (a, a)),
                       ("vdot", (v, v)), ("convolve", (v, v)), ("correlate", (v, v))]:
        for pet in (np.float64, np.float32):
            got = getattr(tg, name)(*args, precision=None, preferred_element_type=pet)
            want = getattr(jnp, name)(*args, precision=None, preferred_element_type=pet)
            assert got.dtype == want.dtype == pet, (name, pet)
            np.testing.assert_allclose(got, np.asarray(want), rtol=1e-7)
    einsum = tg.einsum("ij,jk->ik", a, b, preferred_element_type=np.float64)
    assert einsum.dtype == np.float64
    g = tg.grad(lambda w: tg.sum(tg.dot(w, b, preferred_element_type=np.float64)))(np.ones((2, 3)))
    np.testing.assert_allclose(g, np.broadcast_to(b.sum(1), (2, 3)))
    # device= (NumPy 2's and JAX's keyword) is accepted by every creation function
    x = np.ones((2, 2))
    for make in (lambda d: tg.zeros(3, device=d), lambda d: tg.ones(3, device=d),
                 lambda d: tg.empty(3, device=d), lambda d: tg.full(3, 2.0, device=d),
                 lambda d: tg.eye(2, device=d), lambda d: tg.identity(2, device=d),
                 lambda d: tg.tri(2, device=d), lambda d: tg.arange(3, device=d),
                 lambda d: tg.array([1.0], device=d), lambda d: tg.asarray([1.0], device=d),
                 lambda d: tg.zeros_like(x, device=d), lambda d: tg.ones_like(x, device=d),
                 lambda d: tg.empty_like(x, device=d), lambda d: tg.full_like(x, 3.0, device=d),
                 lambda d: tg.linspace(0.0, 1.0, 3, device=d)):
        np.testing.assert_array_equal(make("cpu"), make(None))


def test_jax_keywords_of_set_functions_linalg_and_friends():
    # size=/fill_value= of the set functions (JAX's jit-friendly form), and keywords that
    # raised TypeError: Tensor.nonzero(size=), ptp as a method, mask_indices(size=),
    # ravel_multi_index(dtype=), dstack(dtype=), isin(method=), delete(assume_unique_indices=),
    # cholesky(symmetrize_input=), slogdet(method=), lstsq(numpy_resid=), linalg.matmul and
    # linalg.vecdot precision=
    tn = tg.numpy
    a, b = np.array([3.0, 1, 2, 5, 2]), np.array([2.0, 7, 5, 9])
    for name in ("union1d", "intersect1d", "setdiff1d", "setxor1d"):
        for p, q in ((a, b), (a, b + 100), (np.zeros(0), b)):
            for size, fill in ((3, None), (8, None), (8, -1.0)):
                want = getattr(jnp, name)(p, q, size=size, fill_value=fill)
                np.testing.assert_array_equal(getattr(tn, name)(p, q, size=size, fill_value=fill), want)
                got = tg.jit(lambda u, v: getattr(tn, name)(u, v, size=size, fill_value=fill))(p, q)
                np.testing.assert_array_equal(got, want)
        np.testing.assert_allclose(tg.grad(lambda u: tg.sum(getattr(tn, name)(u, b, size=6) ** 2))(a),
                                   jax.grad(lambda u: jnp.sum(getattr(jnp, name)(u, b, size=6) ** 2))(a))
    for got, want in zip(tn.intersect1d(a, b, size=3, return_indices=True),
                         jnp.intersect1d(a, b, size=3, return_indices=True)):
        np.testing.assert_array_equal(got, want)
    for name in ("unique_counts", "unique_inverse", "unique_all"):
        for got, want in zip(getattr(tn, name)(a, size=5, fill_value=-1.0),
                             getattr(jnp, name)(a, size=5, fill_value=-1.0)):
            np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(tn.unique_values(a, size=5), jnp.unique_values(a, size=5))
    np.testing.assert_array_equal(tg.jit(lambda v: v.nonzero(size=2, fill_value=0)[0])(np.array([1.0, -2.0, 3.0])), [0, 1])
    np.testing.assert_array_equal(tg.grad(lambda v: v.ptp())(np.array([1.0, -2.0, 3.0])), [0.0, -1.0, 1.0])
    for got, want in zip(tn.mask_indices(3, tn.triu, size=8), jnp.mask_indices(3, jnp.triu, size=8)):
        np.testing.assert_array_equal(got, want)
    assert tn.ravel_multi_index((np.array([0, 1]), np.array([1, 2])), (2, 3), dtype=np.int32).dtype == np.int32
    assert tn.dstack([np.ones(2), np.ones(2)], dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(tn.isin(np.arange(3), [1], method="sort"), [False, True, False])
    np.testing.assert_array_equal(tn.delete(np.arange(4.0), [1], assume_unique_indices=True), [0.0, 2.0, 3.0])
    A = np.array([[4.0, 1.0], [3.0, 5.0]])  # not symmetric: JAX's default symmetrizes
    np.testing.assert_allclose(tg.linalg.cholesky(A, symmetrize_input=True), jnp.linalg.cholesky(A), rtol=1e-13)
    np.testing.assert_allclose(tg.grad(lambda m: tg.sum(tg.linalg.cholesky(m, symmetrize_input=True)))(A),
                               jax.grad(lambda m: jnp.sum(jnp.linalg.cholesky(m)))(A), rtol=1e-12)
    np.testing.assert_allclose(tg.linalg.slogdet(A, method="qr")[1], np.linalg.slogdet(A)[1])
    M, y = np.ones((2, 3)), np.array([1.0, 2.0])  # M ≤ N: JAX's residuals anyway
    np.testing.assert_allclose(tg.linalg.lstsq(M, y, numpy_resid=False)[1], jnp.linalg.lstsq(M, y)[1], atol=1e-12)
    assert tg.linalg.lstsq(M, y, numpy_resid=True)[1].shape == (0,)
    np.testing.assert_array_equal(tg.linalg.matmul(A, A, precision=None), A @ A)
    np.testing.assert_array_equal(tg.linalg.vecdot(A, A, precision=None), np.linalg.vecdot(A, A))
    with pytest.raises(tg.errors.TracerBoolConversionError):
        tg.jit(lambda v: 1.0 if v > 0 else 0.0)(np.array(2.0))


def test_jax_hints_that_change_nothing_on_numpy_are_accepted():
    # accuracy= on lax's transcendental functions, vjp's reduce_axes=(), the matmul-precision
    # flag and context manager, enable_x64(): all raised TypeError/ValueError/AttributeError
    x = np.array([0.5, 0.25])
    for name in ("exp", "exp2", "log", "log1p", "expm1", "tanh", "logistic", "sin", "cos", "tan",
                 "sqrt", "rsqrt", "cbrt"):
        np.testing.assert_allclose(getattr(tg.lax, name)(x, accuracy=None),
                                   getattr(jax.lax, name)(x), rtol=1e-13)
    np.testing.assert_allclose(tg.vjp(tg.sin, x, reduce_axes=())[1](np.ones(2))[0], np.cos(x))
    tg.config.update("jax_default_matmul_precision", "highest")
    assert tg.config.read("jax_enable_x64") is True
    with tg.default_matmul_precision("highest"), tg.enable_x64():
        np.testing.assert_array_equal(tg.matmul(np.eye(2), x), x)
    with pytest.raises(ValueError, match="enable_x64"):
        tg.enable_x64(False)


def test_jnp_linalg_symmetrizes_as_jax_by_default():
    # tensorgrad.numpy.linalg's eigh, eigvalsh and cholesky read one triangle, as NumPy's do;
    # jax.numpy.linalg's read (a + aᴴ)/2 (symmetrize_input=True), with a symmetric gradient
    a = np.array([[2.0, 1.0], [0.0, 3.0]])
    s = np.array([[4.0, 1.0], [0.0, 3.0]])
    for name, arg in (("eigvalsh", a), ("cholesky", s)):
        np.testing.assert_allclose(getattr(tnp.linalg, name)(arg), getattr(jnp.linalg, name)(arg), rtol=1e-13)
    np.testing.assert_allclose(tnp.linalg.eigh(a)[0], jnp.linalg.eigh(a)[0], rtol=1e-13)
    np.testing.assert_allclose(tnp.linalg.eigh(a, symmetrize_input=False)[0], [2.0, 3.0])
    sym = np.array([[2.0, 1.0], [1.0, 3.0]])
    g = tg.grad(lambda m: tnp.linalg.eigvalsh(m)[0])(sym)
    np.testing.assert_allclose(g, jax.grad(lambda m: jnp.linalg.eigvalsh(m)[0])(sym), rtol=1e-12)
    np.testing.assert_allclose(g, g.T)


def test_tnp_svd_and_pinv_hermitian_read_the_symmetric_part_as_jax():
    rng = np.random.default_rng(3)
    m = rng.normal(size=(3, 3))
    A = m + m.T + 4 * np.eye(3)  # symmetric; the gradient probes the unsymmetric directions
    cases = [(lambda a, lib: lib.sum(lib.linalg.pinv(a, hermitian=True) ** 2)),
             (lambda a, lib: lib.sum(lib.linalg.svd(a, hermitian=True, compute_uv=False) ** 3)),
             (lambda a, lib: lib.sum(lib.linalg.svd(a, True, False, True) * np.arange(1.0, 4.0)))]
    for f in cases:
        np.testing.assert_allclose(tg.grad(lambda a: f(a, tnp))(A),
                                   jax.grad(lambda a: f(a, jnp))(A), rtol=1e-10, atol=1e-12)
    # tg.linalg keeps NumPy's one-triangle reading (a different, documented gradient)
    g = tg.grad(lambda a: tg.sum(tg.linalg.pinv(a, hermitian=True) ** 2))(A)
    assert not np.allclose(g, g.T)
    np.testing.assert_allclose(tnp.linalg.pinv(A, hermitian=True), np.linalg.pinv(A, hermitian=True),
                               rtol=1e-12)
    for B in ([[2.0, 0.0], [1.0, 3.0]], np.array([[True, False], [True, True]]), np.array([[1, 2], [0, 1]])):
        # not symmetric: its symmetric part, as JAX's (booleans in float64, not a logical or)
        np.testing.assert_allclose(tnp.linalg.svd(B, hermitian=True, compute_uv=False),
                                   jnp.linalg.svd(jnp.array(B), hermitian=True, compute_uv=False), rtol=1e-12,
                                   atol=1e-12)
    for bad, err in ((np.ones(3), "expected a matrix"), (np.ones((2, 3)), "square matrix")):
        with pytest.raises(np.linalg.LinAlgError, match=err):  # the function's own errors
            tnp.linalg.svd(bad, hermitian=True)
