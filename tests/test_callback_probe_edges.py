"""Callbacks, eval_shape, make_jaxpr, closure_convert and jet at their edges, against JAX:
a callback that reaches a differentiated value raises (never a silently dropped gradient),
Python numbers keep their weak type in eval_shape and make_jaxpr, tracing for shapes runs no
callback, callbacks lower to JAX's under tg.to_jax, a callback's result is compared by its
leaves, closure_convert hoists from defaults and bound objects, and jet takes integer outputs."""
import functools
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp
from jax.experimental import io_callback as jax_io_callback
from jax.experimental import jet as jax_jet
from tensorgrad.experimental import io_callback
from tensorgrad.experimental.jet import jet

jax.config.update("jax_enable_x64", True)

S = tg.ShapeDtypeStruct((), np.float64)
JS = jax.ShapeDtypeStruct((), np.float64)
DIFFERENTIATED = "pure_callback: the callback .* uses a value .* that a transform differentiates"

#: a tape tensor held by a module global, as a script at module level would hold it
_W_GLOBAL = tg.tensor(0.3, requires_grad=True)


def _sin_of_global(x):
    return np.sin(x * _W_GLOBAL)


def _sin_of_global_as_float(x):
    return np.sin(x * float(_W_GLOBAL))


class _Holder:
    def __init__(self, w):
        self.w = w

    def scaled(self, x):
        return np.sin(x * self.w)


# ---- 1. a callback reaching a differentiated value raises ------------------------------

@pytest.mark.parametrize("how", ["closure", "default", "kwdefault", "partial", "method",
                                 "returned", "float"])
@pytest.mark.parametrize("transform", ["grad", "jit_grad", "vjp", "jacfwd", "jvp"])
def test_callback_closing_over_a_differentiated_value_raises(how, transform):
    def f(w):
        cbs = {"closure": lambda x: np.sin(x * w),
               "default": lambda x, v=w: np.sin(x * v),
               "kwdefault": lambda x, *, v=w: np.sin(x * v),
               "partial": functools.partial(lambda v, x: np.sin(x * v), w),
               "method": _Holder(w).scaled,
               "returned": lambda x: np.sin(x * w),
               "float": lambda x: np.sin(x * float(w))}
        return tg.pure_callback(cbs[how], S, 1.0) + w

    run = {"grad": lambda: tg.grad(f)(0.3), "jit_grad": lambda: tg.jit(tg.grad(f))(0.3),
           "vjp": lambda: tg.vjp(f, 0.3)[1](1.0), "jacfwd": lambda: tg.jacfwd(f)(0.3),
           "jvp": lambda: tg.jvp(f, (0.3,), (1.0,))}[transform]
    with pytest.raises(TypeError, match=DIFFERENTIATED):
        run()


def test_the_tape_refuses_a_callback_reaching_a_tensor_that_requires_grad():
    w = tg.tensor(0.3, requires_grad=True)
    for cb in (lambda x: np.sin(x * w), lambda x: np.sin(x * float(w)),
               lambda x: np.sin(x * w.item()), _Holder(w).scaled, _sin_of_global,
               _sin_of_global_as_float):
        with pytest.raises(TypeError, match=DIFFERENTIATED):
            tg.pure_callback(cb, S, 1.0)
        with pytest.raises(TypeError, match="io_callback: the callback .* uses a value .* "
                                            "differentiates"):
            io_callback(cb, S, 1.0)
    # the ways round: the value as an argument under stop_gradient / detach, or no_grad
    y = tg.pure_callback(lambda x, v: np.sin(x * v), S, 1.0, w.detach()) + w
    y.backward()
    assert w.grad == 1.0  # (the callback's part is a constant, as asked)
    assert np.isclose(tg.grad(lambda v: tg.pure_callback(
        lambda x, c: np.sin(x * c), S, 1.0, tg.stop_gradient(v)) + v)(0.3), 1.0)
    with tg.no_grad():
        assert np.isclose(tg.pure_callback(lambda x: np.sin(x * float(w)), S, 1.0), np.sin(0.3))
    # a constant tensor is fine
    c = tg.tensor(0.3)
    assert np.isclose(tg.pure_callback(lambda x: np.sin(x * c), S, 1.0), np.sin(0.3))


def test_a_differentiated_value_out_of_the_search_is_caught_where_it_leaves():
    # hidden in a long list (not searched): returned as a Tensor, or converted under grad
    def f(w, convert):
        hidden = [0.0] * 600 + [w]
        cb = (lambda x: np.sin(x * float(hidden[-1]))) if convert else \
            (lambda x: np.sin(x * hidden[-1]))
        return tg.pure_callback(cb, S, 1.0) + w
    with pytest.raises(TypeError, match=r"pure_callback: the callback .*\(it returned it"):
        tg.grad(f)(0.3, False)
    with pytest.raises(TypeError, match="pure_callback: <lambda> converted a value that a "
                                        "transform differentiates"):
        tg.grad(f)(0.3, True)
    w = tg.tensor(0.3, requires_grad=True)
    hidden = [0.0] * 600 + [w]
    with pytest.raises(TypeError, match="it returned it"):
        tg.pure_callback(lambda x: np.sin(x * hidden[-1]), S, 1.0)


def test_callbacks_reaching_nothing_differentiated_still_run():
    calls = []
    k = np.array(2.0)

    def cb(x):
        calls.append(float(x))
        return np.sin(x * k)
    assert np.isclose(tg.grad(lambda w: tg.pure_callback(cb, S, 1.0) + w)(0.3), 1.0)
    assert np.isclose(tg.jit(lambda x: tg.pure_callback(cb, S, x))(np.float64(0.5)), np.sin(1.0))
    assert calls[0] == 1.0 and set(calls[1:]) == {0.5}


# ---- 2. Python numbers stay weakly typed in eval_shape and make_jaxpr -------------------

_WEAK_FUNCTIONS = {
    "mul": lambda x, s: x * s,
    "radd": lambda x, s: s + x,
    "scalar_first": lambda x, s: x * (s * 2),
    "scalar_power": lambda x, s: x / (2 * s ** 2 + 1),
    "sin": lambda x, s: tnp.sin(x * s),
    "where": lambda x, s: tnp.where(x > 0, x, s),
    "pair": lambda x, s: (x - s, s),
}
_DTYPES = [np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8,
           np.complex64, np.bool_]
_SCALARS = [2, 2.5, 1 + 2j, True]


def _dtypes(tree):
    return [np.dtype(getattr(v, "dtype", None) or np.result_type(v))
            for v in tg.tree_util.tree_leaves(tree)]


def test_eval_shape_and_make_jaxpr_keep_python_numbers_weakly_typed():
    checked = 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        for name, f in _WEAK_FUNCTIONS.items():
            for dt in _DTYPES:
                x = np.ones(3, dt)
                spec = tg.ShapeDtypeStruct((3,), dt)
                for s in _SCALARS:
                    try:
                        real = _dtypes(f(tnp.asarray(x), s))
                    except (TypeError, ValueError):
                        continue  # (not a valid call: bool - bool, ...)
                    assert _dtypes(tg.jit(f)(x, s)) == real, (name, dt, s)
                    assert _dtypes(tg.eval_shape(f, x, s)) == real, (name, dt, s)
                    assert _dtypes(tg.eval_shape(f, spec, s)) == real, (name, dt, s)
                    assert _dtypes(tg.jit(f).eval_shape(x, s)) == real, (name, dt, s)
                    closed, shapes = tg.make_jaxpr(f, return_shape=True)(x, s)
                    assert [a.dtype for a in closed.out_avals] == real, (name, dt, s)
                    assert _dtypes(shapes) == real, (name, dt, s)
                    checked += 1
    assert checked > 200
    # keyword arguments too, and the abstract checks stay
    assert tg.eval_shape(lambda x, *, s: x * s, np.ones(2, np.float32), s=2.0).dtype == np.float32
    assert tg.make_jaxpr(lambda x, *, s: x * s)(np.ones(2, np.float32), s=2.0).out_avals[0].dtype \
        == np.float32
    with pytest.raises(TypeError, match="zeros"):
        tg.eval_shape(lambda x, n: tg.zeros(n) + x, 1.0, 4)
    with pytest.raises(tg.ConcretizationError):
        tg.make_jaxpr(lambda v: v if v > 0 else -v)(1.0)
    ref = jax.eval_shape(lambda x, s: x * s, np.ones(3, np.float32), 2.0)
    assert tg.eval_shape(lambda x, s: x * s, np.ones(3, np.float32), 2.0) == \
        tg.ShapeDtypeStruct(ref.shape, ref.dtype)


# ---- 3. tracing for shapes runs no callback --------------------------------------------

def test_eval_shape_and_make_jaxpr_run_no_callback():
    seen = []

    def log(v):
        seen.append(float(v))
        return np.float64(0.0)

    def cb_effect(x):
        return io_callback(log, S, x) + x

    def cb_pure(x):
        return tg.pure_callback(log, S, x) * 2.0

    def cb_constant(x):  # (arguments that are not traced)
        return io_callback(log, S, 3.0) + x
    for f in (cb_effect, cb_pure, cb_constant):
        assert tg.eval_shape(f, 7.0) == S
        assert tg.eval_shape(f, S) == S
        assert tg.jit(f).eval_shape(7.0) == S
        closed = tg.make_jaxpr(f)(7.0)
        assert closed.out_avals[0].dtype == np.float64
    assert seen == []
    names = [e.primitive.name for e in tg.make_jaxpr(cb_effect)(7.0).eqns]
    assert "io_callback" in names
    assert "pure_callback" in [e.primitive.name for e in tg.make_jaxpr(cb_pure)(7.0).eqns]
    # inside a jit trace, closing over its value (eval_shape runs the function inline)
    out = tg.jit(lambda x: tg.eval_shape(lambda y: io_callback(log, S, y + x), x).shape)(
        np.float64(1.0))
    assert out == () and seen == []
    # and the real calls run them, as before
    assert cb_effect(7.0) == 7.0 and tg.jit(cb_effect)(np.float64(5.0)) == 5.0
    assert seen == [7.0, 5.0]
    jax_seen = []
    jax.eval_shape(lambda x: jax_io_callback(
        lambda v: (jax_seen.append(v), np.float64(0.0))[1], JS, x), 7.0)
    assert jax_seen == []


# ---- 4. callbacks under tg.to_jax ----------------------------------------------------------

def test_callbacks_inside_to_jax_lower_to_jaxs():
    f = lambda x: tg.pure_callback(np.sin, S, x) * 2.0
    jf = lambda x: jax.pure_callback(np.sin, JS, x) * 2.0
    assert np.isclose(tg.to_jax(f)(jnp.float64(0.5)), jax.jit(jf)(0.5))
    assert np.isclose(jax.jit(tg.to_jax(f))(jnp.float64(0.5)), 2 * np.sin(0.5))
    log = []
    g = jax.jit(tg.to_jax(lambda x: io_callback(lambda v: (log.append(float(v)), v * 3)[1], S, x)
                          + 1.0))
    assert g(1.0) == 4.0 and g(2.0) == 7.0
    assert log == [1.0, 2.0]  # (run at each call of the compiled function)
    rows = jax.vmap(tg.to_jax(lambda x: tg.pure_callback(np.sin, S, x, vmap_method="sequential")))
    np.testing.assert_allclose(rows(jnp.arange(3.0)), np.sin(np.arange(3.0)))
    # a transform that differentiates through it raises, as JAX does
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        jax.grad(tg.to_jax(f))(0.5)
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        jax.grad(jf)(0.5)
    with pytest.raises(ValueError, match="Pure callbacks do not support JVP"):
        tg.to_jax(lambda x: tg.grad(f)(x))(jnp.float64(0.5))


# ---- 5. the result is compared by its leaves ---------------------------------------------

def test_callback_result_is_compared_by_leaves():
    cb = lambda x: [np.sin(x), np.cos(x)]
    out = tg.pure_callback(cb, (S, S), 0.5)
    ref = jax.pure_callback(cb, (JS, JS), 0.5)
    assert isinstance(out, tuple)
    np.testing.assert_allclose(out, ref)
    np.testing.assert_allclose(io_callback(lambda x: (np.sin(x),), [S], 0.5), [np.sin(0.5)])
    assert tg.jit(lambda x: tg.pure_callback(cb, (S, S), x))(np.float64(0.5))[1] == np.cos(0.5)
    with pytest.raises(TypeError, match="pure_callback: <lambda> returned 3 arrays .* has 2"):
        tg.pure_callback(lambda x: [x, x, x], (S, S), 0.5)
    with pytest.raises(TypeError, match=r"returned shape \(2,\) .* says shape \(\)"):
        tg.pure_callback(lambda x: [np.ones(2), x], (S, S), 0.5)
    with pytest.raises(TypeError, match="dtype float32 .* dtype float64"):
        tg.pure_callback(lambda x: [np.float32(x), x], (S, S), 0.5)


# ---- 6. closure_convert: defaults, bound methods, callable objects -----------------------

class _Layer:
    def __init__(self, w):
        self.w = w
        self.k = 3.0

    def apply(self, x):
        return self.w * x * self.k

    def __call__(self, x):
        return self.w * x


@pytest.mark.parametrize("make", [
    lambda w: (lambda x, v=w: v * x),
    lambda w: (lambda x, *, v=w: v * x),
    lambda w: _Layer(w).apply,
    lambda w: _Layer(w),
    lambda w: functools.partial(_Layer(w).apply),
], ids=["default", "kwdefault", "bound_method", "callable_object", "partial_of_method"])
def test_closure_convert_hoists_defaults_and_bound_objects(make):
    def run(lib):
        counts = []

        def f(w):
            converted, consts = lib.closure_convert(make(w), 2.0)
            counts.append(len(consts))
            return converted(2.0, *consts)
        return float(lib.grad(f)(0.3)), counts
    assert run(tg) == run(jax)
    assert run(tg)[1] == [1]
    # on the tape: loss.backward() reaches the parameter through the converted function
    w = tg.tensor(0.3, requires_grad=True)
    converted, consts = tg.closure_convert(make(w), 2.0)
    assert len(consts) == 1 and consts[0] is w
    converted(2.0, *consts).backward()
    assert np.isclose(w.grad, float(jax.grad(lambda v: make(v)(2.0))(0.3)))


def test_closure_convert_leaves_objects_and_plain_callables_alone():
    layer = _Layer(np.ones(2))
    assert tg.closure_convert(layer, 1.0) == (layer, [])  # (outside a transform: no constants)
    assert jax.closure_convert(layer, 1.0)[1] == []
    assert tg.closure_convert(layer.apply, 1.0)[1] == []

    def f(w):
        held = _Layer(w)
        converted, consts = tg.closure_convert(held.apply, 1.0)
        out = converted(1.0, *consts)
        assert held.w is w  # (the object keeps its own attributes; a copy is called)
        return out
    assert tg.grad(f)(0.5) == 3.0
    with pytest.raises(TypeError, match="closure_convert: expected a Python function"):
        tg.closure_convert(np.sin, 1.0)


# ---- 7. jet: integer outputs, an empty series, unscaled terms ----------------------------

def test_jet_integer_outputs_empty_series_and_unscaled_terms():
    f = lambda x: (tnp.sin(x), (x > 0).astype(np.int32), x > 0)
    jf = lambda x: (jnp.sin(x), (x > 0).astype(jnp.int32), x > 0)
    x, terms = np.array([0.5, -1.0]), [np.ones(2), np.zeros(2)]
    (p, i, b), (s, si, sb) = jet(f, (x,), (terms,))
    (jp, ji, jb), (js, jsi, jsb) = jax_jet.jet(jf, (x,), (terms,))
    np.testing.assert_allclose(p, jp)
    np.testing.assert_allclose(s, js)
    assert i.dtype == np.int32 and np.array_equal(i, ji) and np.array_equal(b, jb)
    for got, ref in ((si, jsi), (sb, jsb)):
        assert len(got) == 2 and all(np.array_equal(g, r) and g.shape == (2,)
                                     for g, r in zip(got, ref))
    primal, series = jet(tnp.sin, (0.5,), ([],))
    assert type(primal) is np.ndarray and series == []
    primal, series = jet(tnp.sin, (0.5,), ([1.0, 1.0],), factorial_scaled=False)
    _, ref = jax_jet.jet(jnp.sin, (0.5,), ([1.0, 1.0],), factorial_scaled=False)
    assert all(type(t) is np.ndarray and t.shape == () for t in series)
    np.testing.assert_allclose(series, ref)
    # under a transform the integer leaf is a constant and the rest differentiates
    g = tg.grad(lambda v: jet(lambda y: (tnp.sin(y), (y > 0).astype(int)), (v,),
                              ([1.0, 0.0],))[1][0][1])(0.3)
    assert np.isclose(g, -np.cos(0.3))
