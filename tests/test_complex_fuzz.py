"""Property-based fuzzing of complex values: random compositions of the ops registered with
``complex=True`` (holomorphic elementwise ops, abs/real/imag/conj/angle, products, sums, FFTs),
mixing a real and a complex input, real and complex constants, ending in a real loss. For
each expression ``tg.grad`` (both inputs) and ``tg.jvp`` agree with JAX, and ⟨u, J v⟩ =
⟨Jᵀ u, v⟩ under JAX's pairing Re Σ a·b. ``TG_FUZZ_EXAMPLES`` sets the number of examples."""
import os

import jax
import jax.numpy as jnp
import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
EXAMPLES = int(os.environ.get("TG_FUZZ_EXAMPLES", "40"))

# (name, function of the module m: tg or jnp); bounded functions so values stay finite
UNARY = [
    ("sin", lambda m, a: m.sin(a)), ("cos", lambda m, a: m.cos(a)), ("tanh", lambda m, a: m.tanh(a)),
    ("exp", lambda m, a: m.exp(0.3 * a)), ("log", lambda m, a: m.log(a + 3.0)),
    ("sqrt", lambda m, a: m.sqrt(a + 3.0)), ("square", lambda m, a: m.square(a)),
    ("abs", lambda m, a: m.abs(a)), ("real", lambda m, a: m.real(a)), ("imag", lambda m, a: m.imag(a)),
    ("conj", lambda m, a: m.conj(a)), ("angle", lambda m, a: m.angle(a + 0.1)),
    ("times_i", lambda m, a: a * (0.5 + 1j)), ("cumsum", lambda m, a: m.cumsum(a)),
    ("fft", lambda m, a: m.fft.fft(a) * 0.3), ("flip", lambda m, a: m.flip(a)),
    ("arctan", lambda m, a: m.arctan(0.3 * a)), ("reciprocal", lambda m, a: 1.0 / (a * a + 2.0)),
]
BINARY = [
    ("add", lambda m, a, b: a + b), ("sub", lambda m, a, b: a - b), ("mul", lambda m, a, b: a * b),
    ("div", lambda m, a, b: a / (b * b + 2.0)), ("outer_sum", lambda m, a, b: m.sum(m.outer(a, b), axis=0)),
    ("pow", lambda m, a, b: m.power(a * a + 2.0, 0.3 * b)),
]
LOSSES = [lambda m, y: m.sum(m.abs(y) ** 2), lambda m, y: m.sum(m.real(y * (1 - 0.5j))),
          lambda m, y: m.sum(m.imag(y) * m.real(y))]

expr = st.recursive(
    st.sampled_from(["x", "z"]),
    lambda sub: st.one_of(st.tuples(st.sampled_from(range(len(UNARY))), sub),
                          st.tuples(st.sampled_from(range(len(BINARY))), sub, sub)),
    max_leaves=5)


def evaluate(e, m, x, z):
    if isinstance(e, str):
        return x if e == "x" else z
    if len(e) == 2:
        return UNARY[e[0]][1](m, evaluate(e[1], m, x, z))
    return BINARY[e[0]][1](m, evaluate(e[1], m, x, z), evaluate(e[2], m, x, z))


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck),
          derandomize=True)
@given(e=expr, loss=st.sampled_from(range(len(LOSSES))), seed=st.integers(0, 2 ** 16))
def test_random_complex_compositions_match_jax(e, loss, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=4)
    z = rng.normal(size=4) + 1j * rng.normal(size=4)

    def f(m):
        return lambda x, z: LOSSES[loss](m, evaluate(e, m, x, z) + 0 * x)
    want = jax.grad(f(jnp), argnums=(0, 1))(x, z)
    if not all(np.all(np.isfinite(w)) for w in want):
        return
    got = tg.grad(f(tg), argnums=(0, 1))(x, z)
    for g, w, inp in zip(got, want, (x, z)):
        assert g.dtype == inp.dtype
        np.testing.assert_allclose(g, w, rtol=1e-9, atol=1e-11)
    vx, vz = rng.normal(size=4), rng.normal(size=4) + 1j * rng.normal(size=4)
    _, t = tg.jvp(f(tg), (x, z), (vx, vz))
    np.testing.assert_allclose(t, jax.jvp(f(jnp), (x, z), (vx, vz))[1], rtol=1e-9, atol=1e-11)
    # ⟨1, J v⟩ = ⟨Jᵀ 1, v⟩ (the loss is real): Re Σ grad·v
    assert np.isclose(t, np.real(np.sum(got[0] * vx) + np.sum(got[1] * vz)), rtol=1e-9, atol=1e-11)
