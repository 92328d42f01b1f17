"""tg.make_jaxpr, tg.typeof / ShapedArray and tg.Array, against JAX's."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

tnp = tg.numpy


def _names(closed):
    return [e.primitive.name for e in closed.eqns]


def _layer(np_):
    def f(x, W):
        return np_.sum(np_.tanh(W @ x) ** 2)
    return f


@pytest.mark.parametrize("case", ["layer", "sin", "exp_mul", "max_min"])
def test_forward_programs_name_jaxs_primitives_and_avals(case):
    x, W = np.linspace(-1, 1, 3) + 0.3, np.arange(6.0).reshape(2, 3) / 7
    fns = {"layer": (_layer, (x, W)),
           "sin": (lambda m: (lambda v: m.sin(v)), (x,)),
           "exp_mul": (lambda m: (lambda v: m.exp(v) * v - v), (x,)),
           "max_min": (lambda m: (lambda v, w: m.maximum(v, w) / m.minimum(v, w)), (x, x + 2))}
    make, args = fns[case]
    mine, ref = tg.make_jaxpr(make(tnp))(*args), jax.make_jaxpr(make(jnp))(*args)
    assert _names(mine) == [e.primitive.name for e in ref.eqns]
    assert [(a.shape, a.dtype) for a in mine.in_avals] == [(a.shape, a.dtype) for a in ref.in_avals]
    assert [(a.shape, a.dtype) for a in mine.out_avals] == [(a.shape, a.dtype) for a in ref.out_avals]


def test_the_text_reads_as_a_jaxpr_and_shows_the_backward_pass():
    text = str(tg.make_jaxpr(_layer(tnp))(np.ones(3), np.ones((2, 3))))
    assert text.splitlines()[0] == "{ lambda ; a:f64[3] b:f64[2,3]. let"
    assert "c:f64[2] = dot_general b a" in text
    assert "f:f64[] = reduce_sum" in text and text.endswith("in (f,) }")
    back = tg.make_jaxpr(tg.grad(lambda v: tnp.sum(tnp.sin(v))))(np.ones(3))
    assert "cos" in _names(back) and "mul" in _names(back)
    assert "sin" not in _names(back)  # (no output needs it: left out, as in tg.jit's plan)
    assert [a.shape for a in back.out_avals] == [(3,)]


def test_constants_static_arguments_numbers_and_specs():
    c = np.arange(3.0)
    closed = tg.make_jaxpr(lambda v: (v * c, c, 2.0))(1.0)
    assert closed.in_avals == [tg.ShapedArray((), np.float64)]  # a number is traced, as JAX's
    assert len(closed.consts) == 1 and closed.consts[0] is c
    assert closed.jaxpr.outvars[1] is closed.jaxpr.constvars[0]
    assert str(closed).startswith("{ lambda a:f64[3]; b:f64[]. let")
    static = tg.make_jaxpr(lambda v, n: v * n, static_argnums=1)(np.ones(2), 3)
    assert len(static.in_avals) == 1 and " 3" in str(static.eqns[0])
    spec = tg.ShapeDtypeStruct((2, 2), np.float32)
    closed, shapes = tg.make_jaxpr(lambda m: tnp.linalg.eigh(m), return_shape=True)(spec)
    assert closed.in_avals[0] == tg.ShapedArray((2, 2), np.float32)
    assert shapes.eigenvalues == tg.ShapeDtypeStruct((2,), np.float32)
    assert [a.shape for a in closed.out_avals] == [(2,), (2, 2)]


def test_control_flow_on_a_traced_value_raises():
    with pytest.raises(tg.ConcretizationError):
        tg.make_jaxpr(lambda v: v if v > 0 else -v)(1.0)
    with pytest.raises(TypeError, match="make_jaxpr"):
        tg.make_jaxpr(3)


def test_array_type_and_typeof():
    x = np.ones((2, 3), np.float32)
    assert isinstance(x, tg.Array) and isinstance(tg.tensor([1.0]), tg.Array)
    assert isinstance(tnp.sum(x), tg.Array) and not isinstance(1.0, tg.Array)
    seen = []
    tg.grad(lambda v: seen.append(isinstance(v, tg.Array)) or tnp.sum(v))(x)
    tg.jit(lambda v: seen.append(isinstance(v, tg.Array)) or v)(x)
    assert seen == [True, True]
    assert tg.typeof(x) == tg.ShapedArray((2, 3), np.float32)
    ref = jax.typeof(jnp.asarray(x))
    assert tg.typeof(x).str_short() == ref.str_short() == "float32[2,3]"
    assert tg.typeof(x).str_short(short_dtypes=True) == ref.str_short(short_dtypes=True)
    assert tg.typeof(2.0).weak_type and tg.typeof(2.0).shape == ()
