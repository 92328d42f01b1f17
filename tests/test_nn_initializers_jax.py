"""tg.nn.initializers against jax.nn.initializers (JAX 0.10, 64 bit mode): signatures, shapes,
dtypes and error types equal JAX's; per-key determinism; sample variances, bounds and
orthogonality against the formulas of JAX's initializers (the numbers themselves differ from
JAX's: only keys agree)."""
import inspect
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import tensorgrad as tg

jax.config.update("jax_enable_x64", True)
I, J = tg.nn.initializers, jax.nn.initializers
KEY, JKEY = tg.random.PRNGKey(0), jax.random.PRNGKey(0)
FACTORIES = ["constant", "uniform", "normal", "truncated_normal", "variance_scaling",
             "glorot_uniform", "glorot_normal", "xavier_uniform", "xavier_normal",
             "lecun_uniform", "lecun_normal", "he_uniform", "he_normal", "kaiming_uniform",
             "kaiming_normal", "orthogonal", "delta_orthogonal"]
TRUNC_STD = 0.87962566103423978  # sd of N(0, 1) on (-2, 2), JAX's correction constant


def params(fn):
    return [(p.name, p.default, p.kind) for p in inspect.signature(fn).parameters.values()]


def jax_out(f):
    """Shape and dtype of a JAX call, traced (not compiled or run) to keep the test fast."""
    return jax.eval_shape(f)


def build(mod, name):
    """A factory's initializer with its required arguments filled in."""
    args = {"constant": (0.5,), "variance_scaling": (1.0, "fan_in", "normal")}.get(name, ())
    return getattr(mod, name)(*args)


# ---- API ----------------------------------------------------------------------------------------
def test_names_are_jax_public_names():
    public = {n for n in dir(J) if not n.startswith("_")}
    assert public == set(I.__all__)
    assert I.xavier_uniform is I.glorot_uniform and I.kaiming_normal is I.he_normal


@pytest.mark.parametrize("name", FACTORIES + ["zeros", "ones"])
def test_signatures_equal_jax(name):
    # dtype defaults are None in both: JAX reads None as its default float dtype (float64 with
    # x64), tensorgrad as float64, the default its docs (docs/random.md) give its samplers
    assert params(getattr(I, name)) == params(getattr(J, name))
    if name not in ("zeros", "ones"):
        ours, theirs = build(I, name), build(J, name)
        assert [p[:2] for p in params(ours)] == [p[:2] for p in params(theirs)]
        assert isinstance(ours, I.Initializer)


SHAPES = [((5, 7), {}), ((3, 3, 4, 6), {}),                      # dense, conv HWIO
          ((4, 5, 6), {"batch_axis": 0}), ((3, 3, 4, 6), {"in_axis": (0, 1, 2)})]


@pytest.mark.parametrize("name", FACTORIES[4:15])  # variance_scaling ... kaiming_normal
def test_variance_scaling_family_shapes_and_dtypes(name):
    for shape, axes in SHAPES:
        kw = dict(axes, **({"scale": 1.0, "mode": "fan_avg", "distribution": "truncated_normal"}
                           if name == "variance_scaling" else {}))
        ours, theirs = getattr(I, name)(**kw), getattr(J, name)(**kw)
        for dt in (None, np.float32):
            a, b = ours(KEY, shape, dt), jax_out(lambda: theirs(JKEY, shape, dt))
            assert isinstance(a, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
        f32 = getattr(I, name)(**kw, dtype=np.float32)
        assert f32(KEY, shape).dtype == np.float32 and f32(KEY, shape, np.float64).dtype == np.float64


@pytest.mark.parametrize("name", ["constant", "uniform", "normal", "truncated_normal", "orthogonal"])
def test_other_shapes_and_dtypes(name):
    for shape in [(5, 7), (3, 3, 4, 6), (2, 8), (1, 1)]:
        for dt in (None, np.float32) + ((np.float16,) if name != "orthogonal" else ()):
            a, b = build(I, name)(KEY, shape, dt), jax_out(lambda: build(J, name)(JKEY, shape, dt))
            assert a.shape == b.shape and a.dtype == b.dtype, (shape, dt)


def test_delta_orthogonal_and_constant_shapes_and_dtypes():
    for shape in [(3, 4, 4), (3, 3, 4, 6), (1, 3, 2, 2, 2)]:
        a, b = I.delta_orthogonal()(KEY, shape), jax_out(lambda: J.delta_orthogonal()(JKEY, shape))
        assert a.shape == b.shape and a.dtype == b.dtype
    assert I.zeros(None, (2, 3)).dtype == J.zeros(None, (2, 3)).dtype == np.float64
    assert I.ones(KEY, 4, np.int32).dtype == np.int32


def test_complex_dtypes():
    for dt in (np.complex64, np.complex128):
        assert I.normal(1.0)(KEY, (3, 4), dt).dtype == dt
        for dist in ("truncated_normal", "normal", "uniform"):
            a = I.variance_scaling(1.0, "fan_in", dist)(KEY, (3, 4), dt)
            b = jax_out(lambda: J.variance_scaling(1.0, "fan_in", dist)(JKEY, (3, 4), dt))
            assert a.dtype == b.dtype == dt and a.shape == b.shape
    # tg.random.orthogonal draws real matrices only
    for init in (I.orthogonal(), I.delta_orthogonal()):
        with pytest.raises(NotImplementedError, match="complex dtype complex128 is not supported"):
            init(KEY, (3, 4, 4), np.complex128)


# ---- keys -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n in FACTORIES if n != "constant"])
def test_same_key_same_array_other_key_other_array(name):
    init = build(I, name)
    shape = (3, 4, 5) if name == "delta_orthogonal" else (6, 5)
    k1, k2 = tg.random.split(KEY)
    a = init(k1, shape)
    assert np.array_equal(a, init(tg.random.split(KEY)[0], shape))
    assert not np.array_equal(a, init(k2, shape))
    assert not np.array_equal(a[..., :4], init(k1, shape[:-1] + (4,)))  # (a draw, not a crop)


def test_constants():
    assert np.array_equal(I.zeros(KEY, (2, 3)), np.zeros((2, 3)))
    assert np.array_equal(I.ones(KEY, (2, 3), np.float32), np.ones((2, 3), np.float32))
    c = I.constant(-7, np.float32)
    x = c(KEY, (2, 3))
    assert x.dtype == np.float32 and np.all(x == -7)
    assert np.array_equal(c(tg.random.PRNGKey(5), (2, 3)), x)  # the key is ignored
    row = I.constant(np.array([1.0, 2.0, 3.0]))(KEY, (2, 3))
    np.testing.assert_array_equal(row, np.asarray(J.constant(jnp.array([1.0, 2.0, 3.0]))(JKEY, (2, 3))))
    z = I.constant(1 + 2j, np.complex64)(KEY, (2,))
    assert z.dtype == np.complex64 and np.all(z == 1 + 2j)


# ---- statistics ------------------------------------------------------------------------------
def fans(shape, in_axis=-2, out_axis=-1, batch_axis=()):
    """JAX's fans, written out: the receptive field is every axis in no group."""
    group = lambda a: (a,) if isinstance(a, int) else tuple(a)  # noqa: E731
    named = {a % len(shape) for a in group(in_axis) + group(out_axis) + group(batch_axis)}
    rf = math.prod(s for i, s in enumerate(shape) if i not in named)
    return (math.prod(shape[a] for a in group(in_axis)) * rf,
            math.prod(shape[a] for a in group(out_axis)) * rf)


def target_variance(scale, mode, shape, **axes):
    fi, fo = fans(shape, **axes)
    return scale / {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2,
                    "fan_geo_avg": math.sqrt(fi * fo)}[mode]


def test_fans_formula_is_jax():
    from jax._src.nn.initializers import _compute_fans
    for shape, axes in SHAPES + [((5, 3, 3, 4, 6), {"batch_axis": (0,)}),
                                 ((7, 2, 9), {"in_axis": 0, "out_axis": (1, 2)})]:
        assert fans(shape, **axes) == pytest.approx(_compute_fans(shape, **axes), rel=1e-15)


CASES = [(shape, axes, mode, dist)
         for shape, axes in [((320, 500), {}), ((3, 3, 64, 160), {}),
                             ((4, 200, 250), {"batch_axis": 0}),
                             ((3, 3, 64, 160), {"in_axis": (0, 1, 2)})]
         for mode in ("fan_in", "fan_out", "fan_avg", "fan_geo_avg")
         for dist in ("truncated_normal", "normal", "uniform")]


@pytest.mark.parametrize("shape,axes,mode,dist", CASES)
def test_variance_scaling_variance_and_bounds(shape, axes, mode, dist):
    scale = 1.7
    var = target_variance(scale, mode, shape, **axes)
    x = I.variance_scaling(scale, mode, dist, **axes)(tg.random.PRNGKey(7), shape)
    assert x.shape == shape and x.dtype == np.float64
    assert abs(x.mean()) < 6 * math.sqrt(var / x.size)
    assert x.var() == pytest.approx(var, rel=0.03), (x.var(), var)
    bound = {"truncated_normal": 2 * math.sqrt(var) / TRUNC_STD, "uniform": math.sqrt(3 * var),
             "normal": None}[dist]
    if bound is not None:
        assert np.abs(x).max() <= bound and np.abs(x).max() > 0.99 * bound
        assert x.min() < -0.99 * bound
    else:
        assert np.abs(x).max() > 4 * math.sqrt(var)  # tails beyond the truncation


def test_named_variance_scalings():
    shape = (3, 3, 48, 96)  # HWIO: fan_in 432, fan_out 864
    fi, fo = 432, 864
    cases = {"glorot_uniform": 2 / (fi + fo), "glorot_normal": 2 / (fi + fo),
             "lecun_uniform": 1 / fi, "lecun_normal": 1 / fi, "he_uniform": 2 / fi,
             "he_normal": 2 / fi}
    for name, var in cases.items():
        for dt, rel in ((np.float64, 0.03), (np.float32, 0.03)):
            x = getattr(I, name)(dtype=dt)(tg.random.PRNGKey(3), shape)
            assert x.dtype == dt and float(x.var()) == pytest.approx(var, rel=rel), name
        bound = math.sqrt(3 * var) if name.endswith("uniform") else 2 * math.sqrt(var) / TRUNC_STD
        assert np.abs(x).max() <= bound * (1 + 1e-6)


def test_complex_variance_scaling_statistics():
    shape, var = (300, 500), 2.0 / 300
    for dist, factor in (("normal", 1.0), ("uniform", 1.0),
                         # JAX divides by 0.95311164380491208, which is not the sd of its
                         # modulus-truncated sampler (√(1 − 4/(e⁴ − 1)) ≈ 0.962): kept as JAX's
                         ("truncated_normal", (1 - 4 / math.expm1(4)) / 0.95311164380491208 ** 2)):
        z = I.variance_scaling(2.0, "fan_in", dist)(KEY, shape, np.complex128)
        assert np.mean(np.abs(z) ** 2) == pytest.approx(var * factor, rel=0.03), dist
        assert np.var(z.real) == pytest.approx(np.var(z.imag), rel=0.05)
    # JAX's own complex truncated normal has that variance too
    w = np.asarray(J.variance_scaling(2.0, "fan_in", "truncated_normal")(JKEY, shape, jnp.complex128))
    assert np.mean(np.abs(w) ** 2) == pytest.approx(var * factor, rel=0.03)
    z = I.variance_scaling(2.0, "fan_in", "uniform")(KEY, shape, np.complex64)
    assert np.abs(z).max() <= math.sqrt(2 * var) * (1 + 1e-6)  # the disk of E|z|² = var
    c = I.normal(0.5)(KEY, shape, np.complex128)
    assert np.mean(np.abs(c) ** 2) == pytest.approx(0.25, rel=0.03)


def test_plain_distributions():
    shape = (400, 400)
    u = I.uniform(0.3)(KEY, shape)
    assert 0 <= u.min() < 0.001 and 0.299 < u.max() < 0.3
    assert u.var() == pytest.approx(0.09 / 12, rel=0.03)
    n = I.normal(0.2, np.float32)(KEY, shape)
    assert n.dtype == np.float32 and float(n.std()) == pytest.approx(0.2, rel=0.02)
    assert I.normal()(KEY, shape).std() == pytest.approx(1e-2, rel=0.02)
    t = I.truncated_normal(0.5, lower=-1.0, upper=2.0)(KEY, shape)
    assert -0.5 <= t.min() < -0.49 and 0.99 < t.max() <= 1.0
    # moments of N(0, 1) on (-1, 2), times 0.5
    a, b = -1.0, 2.0
    phi = lambda v: math.exp(-v * v / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    Z = 0.5 * (math.erf(b / math.sqrt(2)) - math.erf(a / math.sqrt(2)))
    mean = (phi(a) - phi(b)) / Z
    var = 1 + (a * phi(a) - b * phi(b)) / Z - mean ** 2
    assert t.mean() == pytest.approx(0.5 * mean, rel=0.03)
    assert t.var() == pytest.approx(0.25 * var, rel=0.03)
    d = I.truncated_normal()(KEY, shape)  # no correction: sd 0.01·TRUNC_STD
    assert np.abs(d).max() <= 0.02 and d.std() == pytest.approx(0.01 * TRUNC_STD, rel=0.02)


# ---- orthogonal -----------------------------------------------------------------------------------
def columns(x, axis):
    """The matrix whose columns run along ``axis`` (rows: the other axes flattened)."""
    m = np.moveaxis(x, axis, -1)
    return m.reshape(-1, m.shape[-1])


@pytest.mark.parametrize("shape,axis", [((6, 4), -1), ((4, 6), -1), ((5, 5), 0),
                                        ((3, 3, 4, 20), -1), ((4, 2, 3, 5), 0), ((2, 7, 3), 1)])
def test_orthogonal(shape, axis):
    for dt, tol in ((np.float64, 1e-12), (np.float32, 1e-5)):
        x = I.orthogonal(scale=2.0, column_axis=axis, dtype=dt)(KEY, shape)
        assert x.shape == shape and x.dtype == dt
        m = columns(x.astype(np.float64), axis)
        gram = m.T @ m if m.shape[0] >= m.shape[1] else m @ m.T
        np.testing.assert_allclose(gram, 4.0 * np.eye(len(gram)), atol=tol * 4)
    assert np.array_equal(I.orthogonal()(KEY, (0, 3)), np.zeros((0, 3)))


def test_orthogonal_is_haar_not_fixed():
    # the mean of many draws' entries is 0 and E[Q_ij²] = 1/n for a Haar orthogonal n×n matrix
    keys = tg.random.split(KEY, 300)
    q = np.stack([I.orthogonal()(k, (4, 4)) for k in keys])
    assert np.abs(q.mean(0)).max() < 0.2
    np.testing.assert_allclose((q ** 2).mean(0), 0.25, atol=0.07)


@pytest.mark.parametrize("shape", [(3, 4, 4), (3, 3, 4, 6), (4, 2, 5, 5), (3, 1, 3, 2, 3)])
def test_delta_orthogonal(shape):
    x = I.delta_orthogonal(scale=1.5)(KEY, shape)
    centre = tuple((k - 1) // 2 for k in shape[:-2])
    tap = x[centre]
    rest = x.copy()
    rest[centre] = 0
    assert not rest.any()  # zero everywhere but the centre tap
    np.testing.assert_allclose(tap @ tap.T, 2.25 * np.eye(shape[-2]), atol=1e-12)
    t0 = I.delta_orthogonal(column_axis=0, dtype=np.float32)(KEY, shape)[centre]
    assert t0.dtype == np.float32
    np.testing.assert_allclose(t0 @ t0.T, np.eye(shape[-2]), atol=1e-5)


# ---- errors -----------------------------------------------------------------------------------------
ERRORS = {
    "bad mode": lambda M: M.variance_scaling(1.0, "fan_x", "normal")(KEY_OF[M], (2, 3)),
    "bad distribution": lambda M: M.variance_scaling(1.0, "fan_in", "cauchy")(KEY_OF[M], (2, 3)),
    "1-d default in_axis": lambda M: M.lecun_normal()(KEY_OF[M], (3,)),
    "zero-size": lambda M: M.he_uniform()(KEY_OF[M], (0, 3)),
    "axis out of range": lambda M: M.glorot_normal(in_axis=5)(KEY_OF[M], (3, 4)),
    "int dtype": lambda M: M.glorot_uniform()(KEY_OF[M], (3, 4), np.int32),
    "complex uniform": lambda M: M.uniform()(KEY_OF[M], (3, 4), np.complex64),
    "complex truncated": lambda M: M.truncated_normal()(KEY_OF[M], (3, 4), np.complex64),
    "int normal": lambda M: M.normal()(KEY_OF[M], (3, 4), np.int32),
    "float shape": lambda M: M.normal()(KEY_OF[M], (2.0, 3)),
    "orthogonal 1-d": lambda M: M.orthogonal()(KEY_OF[M], (3,)),
    "orthogonal column_axis": lambda M: M.orthogonal(column_axis=2)(KEY_OF[M], (3, 4)),
    "orthogonal sharding": lambda M: M.orthogonal()(KEY_OF[M], (3, 4), out_sharding=1),
    "delta 2-d": lambda M: M.delta_orthogonal()(KEY_OF[M], (3, 3)),
    "delta 6-d": lambda M: M.delta_orthogonal()(KEY_OF[M], (1, 1, 1, 1, 3, 3)),
    "delta fan_in > fan_out": lambda M: M.delta_orthogonal()(KEY_OF[M], (3, 3, 5, 4)),
    "constant not broadcasting": lambda M: M.constant(np.ones(2))(KEY_OF[M], (2, 3)),
}
KEY_OF = {I: KEY, J: JKEY}


@pytest.mark.parametrize("case", list(ERRORS))
def test_errors_as_jax(case):
    with pytest.raises(Exception) as theirs:
        jax_out(lambda: ERRORS[case](J))
    with pytest.raises(theirs.type) as ours:
        ERRORS[case](I)
    assert str(ours.value).startswith("initializers."), str(ours.value)


def test_error_messages():
    with pytest.raises(ValueError, match=r"variance_scaling: invalid mode .*'fan_x'.*'fan_geo_avg'"):
        I.variance_scaling(1.0, "fan_x", "normal")(KEY, (2, 3))
    with pytest.raises(ValueError, match=r"invalid distribution .*'cauchy'"):
        I.variance_scaling(1.0, "fan_in", "cauchy")(KEY, (2, 3))
    with pytest.raises(ValueError, match=r"delta_orthogonal: .*5 input channels"):
        I.delta_orthogonal()(KEY, (3, 3, 5, 4))
    with pytest.raises(ValueError, match=r"scale must be non-negative"):  # JAX: NaNs
        I.variance_scaling(-1.0, "fan_in", "normal")(KEY, (2, 3))
    with pytest.raises(NotImplementedError, match="out_sharding"):
        I.zeros(KEY, (2,), out_sharding="x")
    # an explicit in_axis makes a 1-d shape fine, as in JAX
    assert I.variance_scaling(1.0, "fan_in", "normal", in_axis=0, out_axis=0)(KEY, (3,)).shape == (3,)
    # a zero-size spatial axis gives an all-zero kernel (JAX raises an IndexError there)
    assert I.delta_orthogonal()(KEY, (0, 3, 4)).shape == (0, 3, 4)
