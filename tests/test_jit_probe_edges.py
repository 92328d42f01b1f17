"""tg.jit where a replay could have gone wrong: NumPy functions whose result's size follows the
values (checked at every replay), round() of a traced array, JAX's forms of static_argnums, and
np.poly's leading coefficient with a non-finite root."""
import re

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp
from tensorgrad.staging import ConcretizationError

jax.config.update("jax_enable_x64", True)

A = np.array([1.0, 2.0, 3.0, 4.0])
TRACED_B = np.array([2.0, 9.0, 9.0, 9.0])  # one common value with A while tracing
OTHER_B = np.array([1.0, 2.0, 3.0, 9.0])   # three afterwards


A2 = np.array([1.0, 2.0, 3.0, 4.5])  # other values, the same sizes with TRACED_B


@pytest.mark.parametrize("fn", [
    lambda a, b: tnp.mean(tnp.intersect1d(a, b)),
    lambda a, b: tnp.sum(np.setdiff1d(a, b)) / len(np.setdiff1d(a, b)),
    lambda a, b: tnp.mean(np.setxor1d(a, b)),
    lambda a, b: tnp.mean(np.unique_values(b)),
    lambda a, b: tnp.sum(np.polymul(b - 1.0, a)),  # (its leading zeros are trimmed)
])
def test_a_result_whose_size_follows_the_values_is_checked_at_every_replay(fn):
    for f in (fn, tg.grad(fn)):  # (a gradient that does not need the size may replay freely)
        jitted = tg.jit(f)
        for k, (a, b) in enumerate(((A, TRACED_B), (A2, TRACED_B), (A, OTHER_B))):
            try:
                got = jitted(a, b)
            except ConcretizationError as exc:  # never the traced size's answer: an error
                assert k == 2 or k == 0 and "depends on the values" in str(exc)
                if k == 0:  # refused while tracing (np.unique inside): also safe
                    break
                assert re.search(r"numpy\.\w+ in the plan .* its shape depends on the values of "
                                 r"its arguments", str(exc))
                continue
            np.testing.assert_allclose(got, f(a, b), rtol=1e-12)
    jitted = tg.jit(fn)  # the value itself needs the size
    jitted(A, TRACED_B)
    with pytest.raises(ConcretizationError, match="its shape depends on the values"):
        jitted(A, OTHER_B)


def test_fixed_size_results_keep_replaying_unchecked_and_sized_sets_trace():
    # np.where with three arguments, sums, sorts: shapes follow the arguments' shapes
    f = tg.jit(lambda a: np.sort(np.where(a > 2, a, -a)).sum() + np.cumsum(a)[-1])
    for a in (A, -A, A[::-1] * 3):
        np.testing.assert_allclose(f(a), np.sort(np.where(a > 2, a, -a)).sum() + np.cumsum(a)[-1])
    g = tg.jit(lambda a, b: tnp.intersect1d(a, b, size=3, fill_value=0.0))
    for b in (TRACED_B, OTHER_B):
        np.testing.assert_array_equal(g(A, b), jnp.intersect1d(A, b, size=3, fill_value=0.0))


def test_round_of_a_traced_array_as_numpy_and_jax():
    f = tg.jit(lambda v: round(v))
    for v in (np.array([[0.4, 1.6]]), np.array([[2.5, -1.5]]), np.array(2.6)):
        np.testing.assert_array_equal(f(v), np.round(v))
        np.testing.assert_array_equal(f(v), jax.jit(lambda v: round(v))(v))
    np.testing.assert_allclose(tg.jit(lambda v: round(v, 1))(np.array([2.567, -0.04])), [2.6, -0.0])


def test_static_argnums_in_jax_forms():
    f = lambda x, n: x * n  # noqa: E731
    for kw in ({"static_argnums": None}, {"static_argnames": None}, {"static_argnums": np.int64(1)},
               {"static_argnums": None, "static_argnames": None, "donate_argnums": None}):
        for jit in (tg.jit, jax.jit):  # (JAX accepts every one of these forms)
            np.testing.assert_array_equal(jit(f, **kw)(np.ones(2), 3), [3.0, 3.0])
    # an unhashable static argument: JAX's ValueError (still a TypeError, as before)
    for jitted in (tg.jit(f, static_argnums=1), jax.jit(f, static_argnums=1)):
        with pytest.raises(ValueError, match="hash"):
            jitted(np.ones(2), [1, 2])
    with pytest.raises(TypeError, match="not hashable"):
        tg.jit(f, static_argnums=1)(np.ones(2), [1, 2])


@pytest.mark.parametrize("roots", [[np.nan, 2.0], [np.inf, 1.0], [1.0, -2.0, 3.5]])
def test_poly_keeps_its_leading_one_on_a_trace(roots):
    r = np.array(roots)
    with np.errstate(invalid="ignore"):
        want = np.poly(r)
        np.testing.assert_array_equal(tg.jit(tnp.poly)(r), want)
        np.testing.assert_array_equal(jnp.poly(r), want)
    if np.isfinite(r).all():
        np.testing.assert_allclose(tg.jacrev(tnp.poly)(r), jax.jacrev(jnp.poly)(r), rtol=1e-12)


def test_traced_values_have_the_array_api_and_tensor_methods_tensors_have():
    f = tg.jit(lambda x: x.to_device("cpu").ptp(axis=0) + x.ptp())
    for x in (np.array([[1.0, 5.0], [3.0, 2.0]]), np.array([[0.0, 1.0], [9.0, 2.0]])):
        np.testing.assert_array_equal(f(x), np.ptp(x, axis=0) + np.ptp(x))
    with pytest.raises(ValueError, match="CPU only"):
        tg.jit(lambda x: x.to_device("gpu"))(np.ones(2))


def test_value_checks_of_the_eager_call_run_at_every_replay():
    # a replay must not compute what the eager call refuses (a plan traced on good values)
    hist = tg.jit(lambda x: tnp.histogram(x, bins=3)[0])
    np.testing.assert_array_equal(hist(np.array([1.0, 2.0, 3.0])), [1, 1, 1])
    np.testing.assert_array_equal(hist(np.array([5.0, 2.0, 3.0])), np.histogram([5.0, 2.0, 3.0], 3)[0])
    for bad in ([1.0, np.inf, 3.0], [1.0, np.nan, 3.0]):
        with pytest.raises(ValueError, match="autodetected range .* is not finite"):
            tnp.histogram(np.array(bad), bins=3)
        with pytest.raises(ValueError, match="autodetected range .* is not finite"):
            hist(np.array(bad))
    comp = tg.jit(tg.scipy.linalg.companion)
    np.testing.assert_array_equal(comp(np.array([1.0, 2.0, 3.0])), [[-2.0, -3.0], [1.0, 0.0]])
    for fn in (comp, tg.scipy.linalg.companion):
        with pytest.raises(ValueError, match="leading coefficient"):
            fn(np.array([0.0, 2.0, 3.0]))
    geom = tg.jit(lambda a, b: tnp.geomspace(a, b, 4))  # (traced ends: the check is staged)
    np.testing.assert_allclose(geom(np.float64(1.0), np.float64(8.0)), [1.0, 2.0, 4.0, 8.0])
    for a, b in ((0.0, 8.0), (1.0, 0.0), (-1.0, 0.0)):  # (eager: NumPy's error)
        with pytest.raises(ValueError, match="geomspace: geometric sequence cannot include zero"):
            geom(np.float64(a), np.float64(b))
    m = np.arange(6.0).reshape(2, 3) ** 2
    cov = tg.jit(lambda m, a: tnp.cov(m, aweights=a))
    np.testing.assert_allclose(cov(m, np.array([1.0, 2.0, 3.0])), np.cov(m, aweights=[1, 2, 3]))
    with pytest.raises(ValueError, match="cov: aweights cannot be negative"):
        cov(m, np.array([1.0, -2.0, 3.0]))
    vq = tg.jit(lambda o, c: tg.scipy.cluster.vq.vq(o, c)[1])
    codes = np.array([[0.0, 0.0], [3.0, 3.0]])
    np.testing.assert_allclose(vq(np.array([[0.0, 1.0], [2.0, 3.0]]), codes), [1.0, 1.0])
    with pytest.raises(ValueError, match="vq: obs must not contain infs or NaNs"):
        vq(np.array([[0.0, np.nan], [2.0, 3.0]]), codes)


def test_checked_steps_repeated_with_the_same_arguments_are_computed_once():
    c = np.array([1.0, 2.0, 3.0, 4.0])
    f = tg.jit(lambda c: sum(np.polyder(c) for _ in range(20)))  # (a checked NumPy function)
    np.testing.assert_array_equal(f(c), 20 * np.polyder(c))
    text = f.lower(c).as_text()
    calls = [line for line in text.splitlines() if "polyder" in line]
    assert len(calls) == 1, text
    np.testing.assert_array_equal(f(2 * c), 20 * np.polyder(2 * c))
    g = tg.jit(lambda x, n: x * n, static_argnums=np.array(1))  # (a 0-d array: its number)
    np.testing.assert_array_equal(g(np.ones(2), 3), [3.0, 3.0])
