"""NumPy's own functions on Tensors: ufuncs, array functions, operators, ufunc methods, out=.

Code written against NumPy (``np.tanh``, ``np.cumsum``, ``x % 2``,
``scipy.special.gammaln``) differentiates unchanged inside every transform; a
NumPy function with no tensorgrad rule raises an error naming its full path
and the nearest tensorgrad functions, never a silent constant.
"""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.special as sp

import tensorgrad as tg
from tensorgrad.dispatch import numpy_path
from tensorgrad.tensor import NUMPY_FUNCTIONS

RNG = np.random.default_rng(0)


def _close(a, b, tol=1e-10):
    np.testing.assert_allclose(np.asarray(a, dtype=float), np.asarray(b, dtype=float), rtol=tol, atol=tol)


# ---- a program written with NumPy calls, differentiated unchanged -----------------------------

def numpy_program(x, xp=np):
    """A vector function of x written only with xp.* calls and operators (xp: numpy or jax.numpy)."""
    y = xp.tanh(x) * xp.exp(-x ** 2) + xp.maximum(x, 0.1) % 1.5
    z = xp.cumsum(y) / xp.arange(1, x.shape[0] + 1)
    s = xp.sort(z * xp.linspace(1.0, 2.0, x.shape[0]))
    r = xp.log1p(s ** 2) + xp.arcsinh(x) * xp.abs(xp.diff(x, prepend=0.0))
    r = r + xp.logaddexp(x, 0.5) - xp.hypot(x, 1.0) + xp.trace(xp.outer(x, x)) / 10
    return xp.where(xp.isnan(r), 0.0, r) + xp.linalg.norm(x) + xp.median(x) * xp.mean(xp.cbrt(x))


def numpy_loss(x, xp=np):
    return xp.sum(numpy_program(x, xp) ** 2) + xp.sum(xp.log2(xp.cosh(x))) + xp.prod(xp.sinc(x))


X = np.array([0.31, -1.23, 0.87, 2.05, -0.42])


def test_numpy_program_differentiates_unchanged_in_every_transform():
    # JAX's references from one compiled program (eager JAX compiles every primitive)
    jx = jnp.asarray(X)
    jprog = lambda v: numpy_program(v, jnp)  # noqa: E731
    jloss = lambda v: numpy_loss(v, jnp)  # noqa: E731
    v = RNG.normal(size=X.shape)
    ref = jax.jit(lambda x, t: {
        "value": jprog(x), "grad": jax.grad(jloss)(x), "jac": jax.jacfwd(jprog)(x),
        "hess": jax.hessian(jloss)(x), "jvp": jax.jvp(jprog, (x,), (t,))[1],
        "vjp": jax.vjp(jprog, x)[1](t)[0]})(jx, jnp.asarray(v))
    _close(numpy_program(X), ref["value"])
    _close(tg.grad(numpy_loss)(X), ref["grad"])
    _close(tg.jacrev(numpy_program)(X), ref["jac"])
    _close(tg.jacfwd(numpy_program)(X), ref["jac"])
    _close(tg.hessian(numpy_loss)(X), ref["hess"], 1e-9)
    out, jv = tg.jvp(numpy_program, (X,), (v,))
    _close(jv, ref["jvp"])
    out, pull = tg.vjp(numpy_program, X)
    _close(pull(v)[0], ref["vjp"])
    # imperative mode too
    t = tg.tensor(X, requires_grad=True)
    numpy_loss(t).backward()
    _close(t.grad, ref["grad"])


def test_ufuncs_reach_their_ops():
    x = np.array([0.4, -0.7, 0.9])
    for fn, ref in [(np.tanh, jnp.tanh), (np.exp, jnp.exp), (np.arcsin, jnp.arcsin),
                    (np.log10, None), (np.exp2, jnp.exp2), (np.reciprocal, jnp.reciprocal),
                    (np.deg2rad, jnp.deg2rad), (np.radians, jnp.radians), (np.degrees, jnp.degrees),
                    (np.fabs, jnp.fabs), (np.abs, jnp.abs), (np.absolute, jnp.abs)]:
        f = lambda v: np.sum(fn(v) * v)  # noqa: E731
        if ref is None:
            ref = jnp.log10
            f = lambda v: np.sum(fn(np.abs(v)) * v)  # noqa: E731
            want = jax.jit(jax.grad(lambda v: jnp.sum(ref(jnp.abs(v)) * v)))(x)
        else:
            want = jax.jit(jax.grad(lambda v: jnp.sum(ref(v) * v)))(x)
        _close(tg.grad(f)(x), want)


def test_binary_ufuncs_aliases_and_scalars():
    x, y = np.array([0.4, -2.7, 5.3]), np.array([1.5, 0.8, -2.2])
    for fn, ref in [(np.maximum, jnp.maximum), (np.arctan2, jnp.arctan2), (np.mod, jnp.mod),
                    (np.remainder, jnp.remainder), (np.fmod, jnp.fmod), (np.true_divide, jnp.divide),
                    (np.power, None), (np.logaddexp2, jnp.logaddexp2), (np.fmin, jnp.fmin)]:
        if ref is None:
            continue
        got = tg.grad(lambda a, b: np.sum(fn(a, b)), argnums=(0, 1))(x, y)
        want = jax.jit(jax.grad(lambda a, b: jnp.sum(ref(a, b)), argnums=(0, 1)))(x, y)
        for g, w in zip(got, want):
            _close(g, w)
    # a NumPy scalar or a Python number on either side
    _close(tg.grad(lambda a: np.sum(np.maximum(a, 0) + np.float64(2.0) * a))(x), (x > 0) + 2.0)


def test_operators_with_ndarrays_on_the_left_record():
    x = np.array([0.43, -2.7, 5.3])
    a = np.array([2.0, 3.0, -1.5])
    M = RNG.normal(size=(2, 3))

    def f(v):
        return np.sum(a * v + a - v + a / v + np.abs(a) ** v.clip(-1, 1) + a % v) + np.sum(M @ v) \
            + np.sum((a < v) * v) + np.sum(v % 2 + 7 % v + divmod(v, 2)[1])

    def jf(v):
        return jnp.sum(a * v + a - v + a / v + jnp.abs(a) ** jnp.clip(v, -1, 1) + a % v) + jnp.sum(M @ v) \
            + jnp.sum((a < v) * v) + jnp.sum(v % 2 + 7 % v + jnp.divmod(v, 2)[1])
    _close(tg.grad(f)(x), jax.jit(jax.grad(jf))(x))
    _close(tg.jacfwd(lambda v: a * v - M.T @ (M @ v))(x),
           jax.jit(jax.jacfwd(lambda v: a * v - M.T @ (M @ v)))(x))


def test_scipy_special_ufuncs_dispatch_to_tg_special():
    x = np.array([0.4, 1.7, 2.3])
    from jax.scipy import special as jsp
    for fn, ref in [(sp.gammaln, jsp.gammaln), (sp.digamma, jsp.digamma), (sp.expit, jax.nn.sigmoid),
                    (sp.erf, jsp.erf), (sp.erfc, jsp.erfc), (sp.ndtr, jsp.ndtr),
                    (sp.log_ndtr, jsp.log_ndtr)]:
        _close(tg.grad(lambda v: np.sum(fn(v)))(x), jax.jit(jax.grad(lambda v: jnp.sum(ref(v))))(x))
    _close(tg.grad(lambda v: np.sum(sp.xlogy(v, v + 1)))(x),
           jax.jit(jax.grad(lambda v: jnp.sum(jsp.xlogy(v, v + 1))))(x))


def test_array_functions_and_predicates():
    x = np.array([[0.4, -2.7, 5.3], [1.1, 0.2, -0.6]])
    f = lambda v: (np.cumsum(v, axis=1).sum() + np.cumprod(v, axis=0).sum() + np.trace(v[:, :2])  # noqa: E731
                   + np.ptp(v) + np.median(v, axis=0).sum() + np.average(v, axis=1, weights=[1, 2, 3]).sum()
                   + np.nansum(v) + np.amax(v) - np.amin(v) + np.sort(v, axis=None)[-2]
                   + np.round(v).sum() * np.sum(v) + np.isfinite(v).sum() * np.mean(v)
                   + np.cumsum(v)[-2] + np.cumprod(v)[3])
    jf = lambda v: (jnp.cumsum(v, axis=1).sum() + jnp.cumprod(v, axis=0).sum() + jnp.trace(v[:, :2])  # noqa: E731
                    + jnp.ptp(v) + jnp.median(v, axis=0).sum()
                    + jnp.average(v, axis=1, weights=jnp.array([1., 2, 3])).sum()
                    + jnp.nansum(v) + jnp.max(v) - jnp.min(v) + jnp.sort(v, axis=None)[-2]
                    + jnp.round(v).sum() * jnp.sum(v) + jnp.isfinite(v).sum() * jnp.mean(v)
                    + jnp.cumsum(v)[-2] + jnp.cumprod(v)[3])
    _close(tg.grad(f)(x), jax.jit(jax.grad(jf))(x))


def test_ptp_takes_numpys_positional_out_and_keepdims():
    # NumPy's order is ptp(a, axis=None, out=None, keepdims=False)
    x = np.array([[0.4, -2.7, 5.3], [1.1, 0.2, -0.6]])
    want = np.ptp(x, 1, None, True)
    for got in (tg.ptp(x, 1, None, True), np.ptp(tg.tensor(x), 1, None, True),
                tg.ptp(x, axis=1, out=None, keepdims=True)):
        assert got.shape == want.shape == (2, 1)
        _close(got, want)
    _close(tg.ptp(x, 0, None, False), np.ptp(x, 0, None, False))
    jf = lambda v: jnp.sum(jnp.ptp(v, 1, None, True) * jnp.array([[2.0], [3.0]]))  # noqa: E731
    _close(tg.grad(lambda v: tg.sum(tg.ptp(v, 1, None, True) * np.array([[2.0], [3.0]])))(x),
           jax.grad(jf)(x))
    # out= in its place is written (a result without a gradient), as NumPy's
    for call in (lambda o: tg.ptp(x, 1, o), lambda o: np.ptp(tg.tensor(x), 1, o)):
        o = np.zeros(2)
        assert call(o) is o
        _close(o, np.ptp(x, 1))
    with pytest.raises(TypeError, match="would write a traced Tensor"):
        tg.grad(lambda v: tg.sum(tg.ptp(v, 1, np.zeros(2))))(x)


def test_numpys_out_for_the_statistics_products_and_scipys_ufuncs():
    a = np.arange(12.0).reshape(3, 4) + 0.3
    calls = [(lambda m, o: m.percentile(a, 50, 0, o)), (lambda m, o: m.quantile(a, 0.25, axis=0, out=o)),
             (lambda m, o: m.nanpercentile(a, 75, axis=0, out=o)), (lambda m, o: m.median(a, 0, o)),
             (lambda m, o: m.nanmedian(a, axis=0, out=o)), (lambda m, o: m.einsum("ij->j", a, out=o)),
             (lambda m, o: m.take(a[0], [3, 2, 1, 0], out=o)), (lambda m, o: m.choose([0, 1, 0, 1], a[:2], out=o)),
             (lambda m, o: m.compress([1, 1, 0, 1, 1], np.arange(5.0), out=o))]
    for call in calls:
        got, want = np.zeros(4), np.zeros(4)
        assert call(tg, got) is got
        call(np, want)
        np.testing.assert_array_equal(got, want)
    o = np.zeros((4, 4))
    assert tg.outer(a[0], a[1], out=o) is o and np.array_equal(o, np.outer(a[0], a[1]))
    o = np.zeros((3, 3))
    assert tg.linalg.multi_dot([a, a.T, np.eye(3)], out=o) is o and np.allclose(o, a @ a.T)
    # SciPy's ufuncs take out= too (same_kind casting, as a ufunc's)
    for name in ("erf", "gammaln", "digamma", "i0e", "ndtr"):
        o = np.zeros(4)
        assert getattr(tg, name)(a[0] / 12, out=o) is o
        np.testing.assert_allclose(o, getattr(sp, name)(a[0] / 12), rtol=1e-15)
    o = np.zeros(4)
    assert tg.xlogy(a[0], a[1], o) is o
    np.testing.assert_allclose(o, sp.xlogy(a[0], a[1]), rtol=1e-15)
    with pytest.raises(TypeError, match="same_kind"):
        tg.erf(a[0], out=np.zeros(4, int))
    o = np.zeros((2, 4))  # (broadcast into out, as a ufunc's)
    tg.erf(a[0] / 12, out=o)
    np.testing.assert_allclose(o, np.broadcast_to(sp.erf(a[0] / 12), (2, 4)), rtol=1e-15)
    # each function's casting is NumPy's: percentile and ptp same_kind, take unsafe, einsum safe
    for call, writes in ((lambda o: tg.percentile(a, 50, 0, o), False), (lambda o: tg.ptp(a, 0, o), False),
                         (lambda o: tg.take(a[0], [0, 1, 2, 3], out=o), True),
                         (lambda o: tg.nanpercentile(a, 50, axis=0, out=o), True)):
        if writes:
            call(np.zeros(4, int))
        else:
            with pytest.raises(TypeError):
                call(np.zeros(4, int))
    with pytest.raises(TypeError):
        tg.einsum("ij->j", a, out=np.zeros(4, np.float32))
    with pytest.raises(TypeError, match="would write a traced Tensor"):
        tg.grad(lambda v: tg.sum(tg.erf(v, out=np.zeros(4))))(a[0])


# ---- errors: no rule, in-place writes -------------------------------------------------------------

def test_missing_rule_names_the_full_numpy_path_and_the_nearest_ops():
    x = np.array([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=r"numpy\.lib\.scimath\.sqrt has no tensorgrad rule.*nearest tensorgrad"):
        tg.grad(lambda v: np.sum(np.emath.sqrt(v).real))(x)
    # (numpy.linalg.eig has one now: the sum of the eigenvalues is the trace, |v|² here)
    np.testing.assert_allclose(tg.grad(lambda v: np.sum(np.linalg.eig(np.outer(v, v))[0].real))(x),
                               2 * x, rtol=1e-12)
    with pytest.raises(TypeError, match=r"numpy\.nextafter has no tensorgrad rule"):  # a ufunc
        tg.jacfwd(lambda v: np.nextafter(v, 5.0))(x)
    with pytest.raises(TypeError, match=r"numpy\.nextafter\.reduceat has no tensorgrad rule"):
        tg.grad(lambda v: np.sum(np.nextafter.reduceat(v, [0, 2])))(x)
    # outside every transform there is nothing to differentiate: NumPy runs on the values
    t = tg.tensor(x)
    np.testing.assert_allclose(np.polyfit(np.arange(3.0), t, 1), [1.0, 1.0])
    np.testing.assert_allclose(np.polyval(t, 2.0), np.polyval(x, 2.0))
    # ... and writes into a Tensor only as item assignment does (np.add.at(t, i, v): t takes
    # t.at[i].add(v)); tg.copyto refuses
    with pytest.raises(TypeError, match="copyto: .*immutable"):  # (tg.copyto's refusal)
        np.copyto(t, 0.0)
    np.testing.assert_array_equal(t.numpy(), x)
    np.add.at(t, [0, 0], 1.0)
    np.testing.assert_array_equal(t.numpy(), x + [2.0, 0.0, 0.0])
    with pytest.raises(TypeError, match="immutable"):  # a value a transform traces: immutable
        tg.grad(lambda v: np.sum(np.add.at(v, [0], 1.0) or v))(x)


def test_keywords_tensorgrad_does_not_take_are_named():
    t = tg.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match=r"numpy\.clip.*'casting'"):
        np.clip(t, 0.0, 1.0, casting="unsafe")
    with pytest.raises(TypeError, match=r"numpy\.tanh.*signature"):
        np.tanh(t, signature="d->d")


def test_out_is_written_only_without_a_gradient():
    x = np.array([0.5, -1.0, 2.0])
    t = tg.tensor(x)
    o = np.zeros(3)
    assert np.tanh(t, out=o) is o
    np.testing.assert_allclose(o, np.tanh(x))
    o2 = np.zeros(())
    assert np.sum(t, out=o2) is o2 and o2 == x.sum()
    # where= with out= keeps the other entries; without out= it is refused
    np.testing.assert_allclose(np.exp(t, where=x > 0, out=np.full(3, 7.0)), np.where(x > 0, np.exp(x), 7.0))
    with pytest.raises(TypeError, match="where=mask.*without out="):
        np.exp(t, where=x > 0)
    # an ndarray += a traced value would drop the gradient: refused, with the fix
    acc = np.zeros(3)

    def f(v):
        nonlocal acc
        acc += v * v
        return np.sum(acc)
    with pytest.raises(TypeError, match=r"a = a \+ t"):
        tg.grad(f)(x)
    o3 = tg.tensor(np.zeros(3))  # out=t: the tensor takes the result, as t[...] = r does
    assert np.multiply(x, 2.0, out=o3) is o3
    np.testing.assert_array_equal(o3.numpy(), 2 * x)
    with pytest.raises(TypeError, match="immutable"):  # ... a value a transform traces cannot
        tg.grad(lambda v: np.sum(np.multiply(v, 2.0, out=v)))(x)
    # a += t with a constant t is an ordinary in-place NumPy update
    acc = np.ones(3)
    acc += t
    assert type(acc) is np.ndarray
    np.testing.assert_allclose(acc, 1 + x)


def test_logaddexp_reduce_follows_numpy():
    # NumPy's values, including its empty reduction (the identity, −inf) and axis=None
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.2]])
    t = tg.Tensor(x)
    for kw in ({}, {"axis": None}, {"axis": 1, "keepdims": True}):
        _close(np.logaddexp.reduce(t, **kw), np.logaddexp.reduce(x, **kw))
        _close(np.logaddexp2.reduce(t, **kw), np.logaddexp2.reduce(x, **kw))
    empty = tg.value_and_grad(lambda v: np.logaddexp.reduce(v[:0]).sum())(x)
    assert empty[0] == -np.inf and not empty[1].any()
    # accumulate folds with the function itself (running log-sum-exps), as tg.logaddexp.accumulate
    _close(np.logaddexp.accumulate(t, axis=1), np.logaddexp.accumulate(x, axis=1))
    _close(tg.grad(lambda v: np.sum(np.logaddexp.accumulate(v)))(x),
           jax.grad(lambda v: jnp.sum(jax.lax.cumlogsumexp(v, axis=0)))(jnp.asarray(x)))
    with pytest.raises(TypeError, match=r"numpy\.nextafter\.outer has no tensorgrad rule"):
        tg.grad(lambda v: np.sum(np.nextafter.outer(v, v)))(x)
    with pytest.raises(ValueError, match="already served"):
        tg.registry.register_ufunc_method("numpy.logaddexp", "reduce", lambda x, axis=0, keepdims=False: x)


def test_ufunc_methods():
    x = np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.2]])
    jx = jnp.asarray(x)
    cases = [
        (lambda v: np.add.reduce(v), lambda v: jnp.sum(v, axis=0)),
        (lambda v: np.add.reduce(v, axis=None), lambda v: jnp.sum(v)),
        (lambda v: np.multiply.reduce(v, axis=1, keepdims=True), lambda v: jnp.prod(v, axis=1, keepdims=True)),
        (lambda v: np.maximum.reduce(v, axis=1), lambda v: jnp.max(v, axis=1)),
        (lambda v: np.add.accumulate(v, axis=1), lambda v: jnp.cumsum(v, axis=1)),
        (lambda v: np.multiply.accumulate(v), lambda v: jnp.cumprod(v, axis=0)),
        (lambda v: np.subtract.outer(v[0], v[1]), lambda v: v[0][:, None] - v[1][None, :]),
        (lambda v: np.hypot.outer(v[0], v[:, 1]), lambda v: jnp.hypot(v[0][:, None], v[:, 1][None, :])),
        (lambda v: np.logaddexp.reduce(v), lambda v: jax.scipy.special.logsumexp(v, axis=0)),
        (lambda v: np.logaddexp.reduce(v, axis=(0, 1), keepdims=True),
         lambda v: jax.scipy.special.logsumexp(v, axis=(0, 1), keepdims=True)),
        (lambda v: np.logaddexp2.reduce(v, axis=-1),
         lambda v: jax.scipy.special.logsumexp(v * np.log(2), axis=-1) / np.log(2)),
        # the other two-operand ufuncs fold along the axis (tg.maximum.accumulate, ...)
        (lambda v: np.maximum.accumulate(v, axis=1), lambda v: jax.lax.cummax(v, axis=1)),
        (lambda v: np.minimum.accumulate(v), lambda v: jax.lax.cummin(v, axis=0)),
        (lambda v: np.subtract.reduce(v), lambda v: v[0] - v[1]),
        (lambda v: np.hypot.reduce(v, axis=1), lambda v: jnp.hypot(jnp.hypot(v[:, 0], v[:, 1]), v[:, 2])),
    ]
    for f, jf in cases:
        _close(f(x), jf(jx))
        _close(tg.jacrev(f)(x), jax.jit(jax.jacrev(jf))(jx))
        _close(tg.jacfwd(f)(x), jax.jit(jax.jacrev(jf))(jx))


# ---- the table the registry fills --------------------------------------------------------------

NUMPY_NAMES = [
    "arcsin", "arccos", "arcsinh", "arccosh", "arctanh", "arctan2", "hypot", "log2", "log10", "exp2",
    "logaddexp", "logaddexp2", "reciprocal", "cbrt", "sinc", "deg2rad", "rad2deg", "radians",
    "degrees", "fabs", "fmax", "fmin", "remainder", "mod", "fmod", "floor", "ceil", "round", "around",
    "rint", "trunc", "fix", "nan_to_num", "isnan", "isinf", "isfinite", "isposinf", "isneginf",
    "signbit", "logical_and", "logical_or", "logical_not", "logical_xor", "cumsum", "cumprod", "diff",
    "trace", "average", "nansum", "nanmean", "ptp", "sort", "median", "amax", "amin", "any", "all",
    "argsort", "abs", "absolute", "true_divide", "floor_divide", "divmod", "isclose", "allclose",
    "zeros_like", "ones_like", "full_like", "heaviside", "linalg.norm", "positive", "conj", "conjugate",
    "meshgrid", "searchsorted", "digitize", "argpartition", "lexsort", "isin", "bincount", "unique",
    "insert", "delete", "resize", "compress", "extract", "choose", "broadcast_arrays", "ediff1d",
    "nanmedian", "nanargmax", "nanargmin", "modf", "frexp", "spacing", "angle", "unwrap", "polyder",
    "polyint", "tril_indices_from", "triu_indices_from", "unique_values", "real_if_close", "piecewise",
    "histogram", "histogram_bin_edges", "unique_counts", "unique_inverse", "unique_all", "poly",
    "trim_zeros", "ix_", "diag_indices_from", "einsum_path", "iscomplex", "isreal", "array_repr",
    "array_str", "zeros", "ones", "full", "eye", "identity", "tri", "arange",
    "real", "imag", "copy", "nonzero", "count_nonzero",
]


@pytest.mark.parametrize("name", NUMPY_NAMES)
def test_numpy_names_are_served(name):
    obj = np
    for part in name.split("."):
        obj = getattr(obj, part)
    path = numpy_path(obj)
    assert path in NUMPY_FUNCTIONS, f"np.{name} ({path}) has no tensorgrad function"
    fn = NUMPY_FUNCTIONS[path]
    # NumPy's longer signatures (where=, initial=, order=) are adapters of the public function
    public = getattr(fn, "numpy_signature_of", fn)
    top = getattr(tg, fn.__name__)  # (tg.max(t, 1) follows a PyTorch tensor: it wraps the op)
    assert public in (top, getattr(top, "__wrapped__", None)), f"{path} is served by a function that is not public"


def test_every_served_path_names_a_real_function():
    import importlib
    for path in NUMPY_FUNCTIONS:
        module, _, name = path.rpartition(".")
        obj = getattr(importlib.import_module(module), name)
        assert numpy_path(obj) == path, path


def test_a_path_served_twice_is_refused():
    with pytest.raises(ValueError, match=r"numpy\.tanh is already served by tensorgrad's tanh"):
        tg.registry.register_numpy("numpy.tanh", lambda x: x)


def test_new_ops_keep_float32():
    from tensorgrad.ops import elementwise_more, scans, special_fns
    from tensorgrad.testing import op_cases
    names = [n for m in (elementwise_more, scans, special_fns) for n in m.__all__]
    ops = [tg.REGISTRY[n] for n in names + ["logsumexp"] if n in tg.REGISTRY]
    assert len(ops) >= 40
    for op in ops:
        for case in op_cases(op, dtype=np.float32)[:2]:
            xs = [np.asarray(a, np.float32) for a in case.diff_args]
            f = case.fn(op)
            out, pull = tg.vjp(f, *xs)
            assert np.asarray(out).dtype == np.float32, case.label
            for g in pull(np.ones(np.shape(out), np.float32)):
                assert np.asarray(g).dtype == np.float32, case.label
            _, t = tg.jvp(f, tuple(xs), tuple(np.ones_like(x) for x in xs))
            assert np.asarray(t).dtype == np.float32, case.label


def test_structured_jacobians_of_scans():
    x = np.array([0.3, -1.2, 2.5, 0.7])
    J = tg.jacobian(lambda v: tg.cumsum(v), structured=True)(x)
    assert isinstance(J, tg.jacobians.RunningSum)
    _close(J.todense(), np.tril(np.ones((4, 4))))
    P = tg.jacobian(np.sort, structured=True)(x)
    assert isinstance(P, tg.jacobians.IndexPermutation)
    _close(P.todense(), np.eye(4)[np.argsort(x)])
    assert P.matvec_flops == 0 and P.nbytes == x.size * np.dtype(np.intp).itemsize


def test_check_command_runs_new_ops():
    rows = tg.check.op_table(["cumsum", "sort", "remainder", "logit", "isnan"], use_jax=False)
    assert [r.name for r in rows] == ["cumsum", "sort", "remainder", "logit", "isnan"]
    assert all(r.ok for r in rows), [(r.name, r.message) for r in rows if not r.ok]


def test_register_namespace_serves_the_names_numpy_has():
    served = tg.registry.register_namespace("scipy.special", {"erf": tg.erf, "no_such_function": tg.exp})
    assert served == ["scipy.special.erf"] and NUMPY_FUNCTIONS["scipy.special.erf"] is tg.erf


def test_numpy_where_with_one_or_three_arguments():
    x = np.array([-1.0, 2.0, 3.0])
    g = tg.grad(lambda v: np.sum(v[np.where(v > 0)] ** 2) + np.sum(np.where(v > 2, v, 0.0)))(x)
    np.testing.assert_array_equal(g, [0.0, 4.0, 7.0])
    with pytest.raises(TypeError, match="both x and y"):
        np.where(tg.tensor(x) > 0, x)


def test_complex_part_methods_on_real_tensors():
    # NumPy code often calls .conj(), .real and .imag on real arrays: identities and zeros here
    x = np.array([0.1, 0.5, 2.0])
    g = tg.grad(lambda v: tg.sum(v.conj() * v.real + v.conjugate() + v.imag))(x)
    np.testing.assert_allclose(g, 2 * x + 1)
    t = tg.tensor(x)
    np.testing.assert_array_equal(np.asarray(t.real), x)
    np.testing.assert_array_equal(t.imag, np.zeros(3))


def test_integer_valued_functions_and_their_differentiable_cousins():
    # indices and booleans carry no gradient (NumPy's values, also under tg.jit on new
    # inputs); bincount's weights and unique's values do, as in JAX
    x = np.array([1.5, 0.5, 2.0, 0.5, 1.0, 2.0])
    t = tg.Tensor(x)
    s = np.sort(x)
    cases = [
        (lambda v: np.searchsorted(v, [0.7, 1.9], side="right"), s),
        (lambda v: np.digitize(v, [1.0, 1.5]), x),
        (lambda v: np.argpartition(v, 2), x),
        (lambda v: np.lexsort((v, -v)), x),
        (lambda v: np.isin(v, [0.5, 2.0]), x),
    ]
    for f, arg in cases:
        np.testing.assert_array_equal(np.asarray(f(tg.Tensor(arg))), f(arg))
        np.testing.assert_array_equal(tg.jit(f)(arg * 0.5 + 0.6), f(arg * 0.5 + 0.6))
    idx = np.array([0, 1, 1, 3, 0, 0])
    np.testing.assert_allclose(np.asarray(np.bincount(idx, weights=t, minlength=5)),
                               np.bincount(idx, weights=x, minlength=5))
    g = tg.grad(lambda w: np.sum(np.bincount(idx, weights=w) ** 2))(x)
    jg = jax.jit(jax.grad(lambda w: jnp.sum(jnp.bincount(idx, weights=w, length=4) ** 2)))(x)
    np.testing.assert_allclose(g, jg)
    np.testing.assert_allclose(tg.jit(tg.grad(lambda w: np.sum(np.bincount(idx, weights=w) ** 2)))(x), jg)
    values, inverse, counts = np.unique(t, return_inverse=True, return_counts=True)
    for got, want in zip((values, inverse, counts), np.unique(x, return_inverse=True, return_counts=True)):
        np.testing.assert_array_equal(np.asarray(got), want)
    g = tg.grad(lambda v: np.sum(np.unique(v) * np.arange(4.0)))(x)
    np.testing.assert_array_equal(g, [2.0, 0.0, 3.0, 0.0, 1.0, 0.0])  # to each first occurrence
    with pytest.raises(TypeError, match=r"bincount: x must be a 1-D array of non-negative integers"):
        tg.grad(lambda w: np.sum(np.bincount(idx * 1.0, weights=w)))(x)


def test_tensor_methods_numpy_and_jax_users_reach_for():
    x = np.linspace(0.5, 2.0, 6).reshape(2, 3)
    t = tg.Tensor(x)
    np.testing.assert_array_equal(np.asarray(t.mT), x.mT)
    np.testing.assert_array_equal(np.asarray(t.copy()), x)
    assert t.item(4) == x.item(4)
    np.testing.assert_array_equal(t.nonzero()[1], x.nonzero()[1])
    np.testing.assert_allclose(tg.grad(lambda v: tg.sum(v.mT @ v))(x),
                               jax.jit(jax.grad(lambda v: jnp.sum(v.mT @ v)))(x))
    for name in ("sort", "fill", "put", "resize", "partition"):
        with pytest.raises(TypeError, match="Tensors are immutable: this NumPy method changes an array in place"):
            getattr(t, name)(0)


def test_a_0d_tensor_is_not_iterable_and_plotting_libraries_read_tensors_as_arrays():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    assert not np.iterable(tg.tensor(3.0)) and np.iterable(tg.tensor([3.0]))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        iter(tg.tensor(3.0))
    a, b = tg.tensor([1.0, 2.0])
    assert float(a) == 1.0 and float(b) == 2.0
    x = np.linspace(0.0, 1.0, 40)
    fig, ax = plt.subplots()
    try:
        counts, _, _ = ax.hist(tg.tensor(x), bins=4)          # one data set, not 40
        np.testing.assert_array_equal(counts, [10, 10, 10, 10])
        cols = np.random.default_rng(1).random((20, 3))
        assert np.shape(ax.hist(tg.tensor(cols), bins=4)[0]) == (3, 4)  # columns, as an array's
        assert len(ax.boxplot(tg.tensor(x))["boxes"]) == 1
        ax.axhline(tg.tensor(0.5))                             # (a 0-d tensor is a number)
        ax.set_xlim(tg.tensor(0.0), tg.tensor(1.0))
        np.testing.assert_array_equal(tg.tensor(cols).to_numpy(), cols)
        with pytest.raises(TypeError, match="detach"):
            ax.plot(tg.tensor(x, requires_grad=True))          # (as np.asarray: refused)
    finally:
        plt.close(fig)


def test_safe_division_with_where_and_out_on_traced_values_names_the_double_where():
    a, b = np.array([1.0, 2.0]), np.array([0.0, 4.0])
    with np.errstate(divide="ignore"), pytest.raises(TypeError, match=r"tg\.where\(mask, result, fill\)"):
        tg.grad(lambda v: tg.sum(np.divide(a, v, out=np.zeros_like(v), where=v != 0)))(b)
    g = tg.grad(lambda v: tg.sum(tg.where(v != 0, a / tg.where(v != 0, v, 1.0), 0.0)))(b)
    np.testing.assert_array_equal(g, [0.0, -2.0 / 16.0])


def test_where_with_out_computes_only_where_the_mask_holds():
    # NumPy never evaluates the entries outside where=, so a masked-out negative sqrt or zero
    # division raises no RuntimeWarning (an error in the test run); tensorgrad computed every
    # entry and warned, failing code that runs clean under NumPy with warnings as errors
    x, d = np.array([4.0, -1.0, 9.0]), np.array([2.0, 0.0, 3.0])
    o = np.full(3, -7.0)
    assert tg.sqrt(x, out=o, where=x > 0) is o
    np.testing.assert_array_equal(o, [2.0, -7.0, 3.0])
    np.testing.assert_array_equal(tg.log(x, out=np.zeros(3), where=x > 0), np.log(x, out=np.zeros(3), where=x > 0))
    np.testing.assert_array_equal(tg.divide(x, d, out=np.ones(3), where=d != 0), [2.0, 1.0, 3.0])
    np.testing.assert_array_equal(np.sqrt(tg.tensor(x), out=np.zeros(3), where=x > 0), [2.0, 0.0, 3.0])
    with pytest.raises(RuntimeWarning, match="invalid value encountered in sqrt"):
        tg.sqrt(x, out=np.zeros(3), where=np.ones(3, bool))  # (inside the mask: NumPy's warning)


def test_outer_of_a_python_number_and_flat_as_numpy():
    """ufunc.outer makes arrays of its operands first, so a Python number beside float32 is
    strong there (NumPy gives float64; tensorgrad gave float32); ``t.flat[i]`` reads like
    NumPy's (it raised AttributeError), with the gradient of the entries it picks."""
    a = np.array([1.0, 2.0, 3.0], np.float32)
    for f in (lambda t: np.add.outer(t, 2.0), lambda t: np.multiply.outer(t, 2),
              lambda t: np.subtract.outer(2.0, t), lambda t: np.multiply.outer(t, [1.0, 2.0])):
        want = f(a)
        out, _ = tg.vjp(f, a)
        assert out.dtype == want.dtype == np.float64
        np.testing.assert_array_equal(out, want)
        assert f(tg.tensor(a)).dtype == np.float64
    x = np.arange(6.0).reshape(2, 3)
    g = tg.grad(lambda v: v.flat[4] * 2.0 + np.sum(v.flat[[1, 1]]))(x)
    np.testing.assert_array_equal(g, [[0, 2, 0], [0, 2, 0]])
    t = tg.tensor(x)
    assert len(t.flat) == 6 and float(t.flat[5]) == 5.0
    np.testing.assert_array_equal(np.asarray(t.flat[1:3]), x.flat[1:3])
    with pytest.raises(TypeError, match="tensors are immutable"):
        t.flat[0] = 1.0


def test_ufunc_keywords_that_keep_the_values_are_accepted():
    # order=, subok=False and casting='unsafe' (without dtype=) change no value; they were
    # refused on traced values. signature= stays refused, with a message naming it
    x = np.array([0.5, 1.0, 2.0])
    for f, slope in ((lambda t: np.exp(t, order="C"), np.exp(x)),
                     (lambda t: np.exp(t, subok=False), np.exp(x)),
                     (lambda t: np.add(t, 1.0, casting="unsafe") ** 2, 2 * (x + 1.0))):
        np.testing.assert_allclose(tg.grad(lambda t: np.sum(f(t)))(x), slope, rtol=1e-14)
    with pytest.raises(TypeError, match=r"signature='dd->d'\) is not supported"):
        tg.grad(lambda t: np.sum(np.add(t, t, signature="dd->d")))(x)


def test_gufunc_axes_and_axis_keywords_on_traced_values():
    # np.matmul(..., axes=) and np.vecdot(..., axis=) were refused on traced values
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(3, 4, 2)), rng.normal(size=(4, 3, 2))
    cases = [
        (lambda x, y: np.matmul(x, y, axes=[(0, 1), (0, 1), (1, 0)]), (a, b),
         lambda x, y: jnp.moveaxis(jnp.moveaxis(x, (0, 1), (-2, -1)) @ jnp.moveaxis(y, (0, 1), (-2, -1)),
                                   (-2, -1), (1, 0))),
        (lambda x, y: np.vecdot(x, y, axis=0), (a, a), lambda x, y: jnp.sum(x * y, axis=0)),
        (lambda x, y: np.vecdot(x, y, axes=[1, 1]), (a, a), lambda x, y: jnp.sum(x * y, axis=1)),
    ]
    for f, args, jf in cases:
        want = f(*args)
        np.testing.assert_allclose(f(*[tg.tensor(v) for v in args]), want, rtol=1e-13)
        np.testing.assert_allclose(jf(*args), want, rtol=1e-13)
        w = np.cos(np.arange(want.size)).reshape(want.shape)
        g = tg.grad(lambda *v: np.sum(w * f(*v)), argnums=(0, 1))(*args)
        jg = jax.grad(lambda *v: jnp.sum(w * jf(*v)), argnums=(0, 1))(*args)
        for u, v in zip(g, jg):
            np.testing.assert_allclose(u, v, rtol=1e-12)
    with pytest.raises(ValueError, match="axes="):
        tg.grad(lambda x: np.sum(np.matmul(x, x, axes=[(0, 1)])))(a[:, :3, 0])


def test_trapezoid_with_boolean_coordinates_steps_as_numpy():
    # np.trapezoid(y, x) with a boolean x takes np.diff's steps x[1:] != x[:-1] (it raised)
    y, xb = np.array([1.0, 2.0, 4.0, 7.0]), np.array([True, False, False, True])
    assert float(tg.trapezoid(y, xb)) == np.trapezoid(y, xb) == 7.0
    np.testing.assert_array_equal(tg.grad(lambda v: np.trapezoid(v, xb))(y), [0.5, 0.5, 0.5, 0.5])


def test_out_tensor_and_ufunc_at_record_on_the_imperative_tape_as_in_place_updates():
    # MyGrad's and PyTorch's out=: np.add(y, w, out=y) is y += w (recorded, differentiated)
    x = tg.tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    w = tg.tensor(np.array([0.5, 0.25, -0.5]), requires_grad=True)
    y = x * 2
    assert np.add(y, w, out=y) is y
    np.exp(y, out=y)
    y.sum().backward()
    e = np.exp(2 * x.detach().numpy() + w.detach().numpy())
    np.testing.assert_allclose(x.grad, 2 * e, rtol=1e-14)
    np.testing.assert_allclose(w.grad, e, rtol=1e-14)
    z = tg.tensor(np.zeros(3), requires_grad=True)
    v = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    acc = z * 1.0
    np.add.at(acc, np.array([0, 0]), v)  # repeated indices add up, as NumPy's
    np.testing.assert_array_equal(acc.detach().numpy(), [3.0, 0.0, 0.0])
    (acc * np.array([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(z.grad, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(v.grad, [1.0, 1.0])
    m = x * 1.0
    np.divide(m, 2.0, out=m, where=np.array([True, False, True]))
    np.testing.assert_array_equal(m.detach().numpy(), [0.5, -2.0, 1.5])
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        np.add(x, 1.0, out=x)  # PyTorch's rule for a leaf while recording
    i = tg.tensor(np.ones(3, dtype=np.int64))
    with pytest.raises(TypeError, match="same_kind"):
        np.add(i, 0.5, out=i)
    with pytest.raises(ValueError, match="out has shape"):
        np.add(np.ones((2, 3)), 1.0, out=tg.tensor(np.zeros(3)))

