"""tg.scipy.spatial.transform (Rotation, Slerp) and tg.scipy.cluster.vq.vq against SciPy's
values and JAX's (the checks of JAX's scipy_spatial_test.py and scipy_cluster_vq_test.py,
in float64 and float32), JAX's derivatives (grad, jvp, jacrev), tg.jit / tg.vmap over a
Rotation as a pytree, and the errors for bad input."""
import jax
import jax.numpy as jnp
import jax.scipy.cluster.vq as jvq
import numpy as np
import pytest
import scipy.cluster.vq as svq
from jax.scipy.spatial.transform import Rotation as JRotation
from jax.scipy.spatial.transform import Slerp as JSlerp
from scipy.spatial.transform import Rotation as SRotation
from scipy.spatial.transform import Slerp as SSlerp

import tensorgrad as tg
from tensorgrad.scipy.cluster.vq import vq
from tensorgrad.scipy.spatial.transform import Rotation, Slerp

RNG = np.random.default_rng(32)
N = 5
SHAPES = [(4,), (N, 4)]


def _close(a, b, tol=1e-12):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


def _quat(shape, dtype=np.float64):
    return RNG.normal(size=shape).astype(dtype)


# ---- values against SciPy and JAX (JAX's scipy_spatial_test.py) ------------------------------
EULER_SEQS = ["xyz", "zyx", "XYZ", "ZYX", "xyx", "ZXZ", "yzx"]


def _representations(r):
    out = [r.as_quat(), r.as_quat(canonical=True), r.as_quat(scalar_first=True), r.as_matrix(),
           r.as_rotvec(), r.as_rotvec(degrees=True) / 180, r.as_mrp(), r.magnitude(),
           r.inv().as_quat(), r.inv().as_rotvec()]
    for seq in EULER_SEQS:
        out += [r.as_euler(seq), r.as_euler(seq, degrees=True) / 180]
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_representations_match_scipy_and_jax(dtype):
    q = _quat((N, 4), dtype)
    tol = 1e-12 if dtype == np.float64 else 2e-5
    # JAX's values (float64; its compile dominates the run time, so a few of them)
    few = lambda r: [r.as_quat(canonical=True), r.as_matrix(), r.as_rotvec(),  # noqa: E731
                     r.as_mrp(), r.magnitude(), r.as_euler("xyz"), r.as_euler("ZXZ")]
    if dtype == np.float64:
        theirs = jax.jit(lambda q: few(JRotation.from_quat(q)))(q)
        for a, b in zip(few(Rotation.from_quat(q)), theirs):
            _close(a, b)
    for qq in (q, q[1]):
        r, s = Rotation.from_quat(qq), SRotation.from_quat(qq)
        ours, ref = _representations(r), _representations(s)
        for a, b in zip(ours, ref):
            assert np.asarray(a).dtype == dtype
            _close(a, np.asarray(b).astype(dtype), tol)
        assert r.single == s.single == (qq.ndim == 1)
    assert len(Rotation.from_quat(q)) == N


def test_euler_at_gimbal_lock_matches_scipy():
    # the third angle is set to 0 (SciPy warns; tensorgrad, like JAX, does not)
    for seq in ["zxz", "XYX", "xyz", "ZYX", "yzy"]:
        mids = [0.0, np.pi] if seq[0] == seq[2] else [-np.pi / 2, np.pi / 2]
        for mid in mids:
            q = SRotation.from_euler(seq, [0.3, mid, 0.2]).as_quat()
            with pytest.warns(UserWarning, match="Gimbal"):
                ref = SRotation.from_quat(q).as_euler(seq)
            _close(Rotation.from_quat(q).as_euler(seq), ref)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("vshape", [(3,), (N, 3)], ids=str)
@pytest.mark.parametrize("inverse", [False, True])
def test_apply_matches_scipy(shape, vshape, inverse):
    q, v = _quat(shape), RNG.normal(size=vshape)
    got = Rotation.from_quat(q).apply(v, inverse=inverse)
    _close(got, SRotation.from_quat(q).apply(v, inverse=inverse))
    if len(shape) == len(vshape) == 2:
        _close(got, jax.jit(lambda q, v: JRotation.from_quat(q).apply(v, inverse=inverse))(q, v))


def test_constructors_match_scipy():
    rv, mrp = RNG.normal(size=(N, 3)), RNG.normal(size=(N, 3))
    m = SRotation.from_quat(_quat((N, 4))).as_matrix()
    canon = lambda r: r.as_quat(canonical=True)  # noqa: E731
    for x in (rv, rv[0], 1e-5 * rv, np.zeros(3)):
        _close(Rotation.from_rotvec(x).as_quat(), SRotation.from_rotvec(x).as_quat())
        _close(Rotation.from_rotvec(x).as_rotvec(), SRotation.from_rotvec(x).as_rotvec())
    _close(Rotation.from_rotvec(40 * rv, degrees=True).as_quat(),
           SRotation.from_rotvec(40 * rv, degrees=True).as_quat())
    for x in (mrp, mrp[0]):
        _close(Rotation.from_mrp(x).as_quat(), SRotation.from_mrp(x).as_quat())
    for x in (m, m[0], np.eye(3), np.diag([1.0, -1, -1]), np.diag([-1.0, 1, -1]),
              np.diag([-1.0, -1, 1])):
        _close(canon(Rotation.from_matrix(x)), canon(SRotation.from_matrix(x)))
    q = _quat((N, 4))
    _close(Rotation.from_quat(q, scalar_first=True).as_quat(),
           SRotation.from_quat(q, scalar_first=True).as_quat())
    for seq in ["x", "xy", "xyz", "XYZ", "ZY", "zxz", "YXY"]:
        for deg in (False, True):
            a = RNG.normal(size=(N, len(seq))) * (50 if deg else 1)
            for x in (a, a[0]):
                _close(canon(Rotation.from_euler(seq, x, deg)),
                       canon(SRotation.from_euler(seq, x, deg)))
    _close(Rotation.from_euler("y", 0.7).as_quat(), SRotation.from_euler("y", 0.7).as_quat())
    assert Rotation.from_euler("y", 0.7).single
    _close(Rotation.identity().as_rotvec(), SRotation.identity().as_rotvec())
    _close(Rotation.identity(3).as_quat(), SRotation.identity(3).as_quat())
    assert Rotation.identity(dtype=np.float32).as_quat().dtype == np.float32
    # and JAX's, compiled once
    a3 = RNG.normal(size=(N, 3))

    def made(R):
        return [R.from_mrp(mrp).as_rotvec(), R.from_matrix(m).as_rotvec(),
                R.from_rotvec(rv).as_rotvec(), R.from_euler("zxz", a3).as_rotvec(),
                R.from_euler("XY", a3[:, :2], True).as_rotvec()]
    for a, b in zip(made(Rotation), jax.jit(lambda: made(JRotation))()):
        _close(a, b)


def test_composition_indexing_concatenate_mean_match_scipy():
    q, p = _quat((N, 4)), _quat((N, 4))
    r, s = Rotation.from_quat(q), SRotation.from_quat(q)
    r2, s2 = Rotation.from_quat(p), SRotation.from_quat(p)
    _close((r * r2).as_rotvec(), (s * s2).as_rotvec())
    _close((r[1] * r2).as_rotvec(), (s[1] * s2).as_rotvec())
    _close((r * r2[2]).as_rotvec(), (s * s2[2]).as_rotvec())
    _close((r[0] * r2[0]).as_rotvec(), (s[0] * s2[0]).as_rotvec())
    v = RNG.normal(size=(N, 3))
    _close((r * r2).apply(v), r.apply(r2.apply(v)))
    for idx in [slice(1, 4), slice(0, 1), slice(-4, -2), 2, np.array([3, 0, 3])]:
        _close(r[idx].as_quat(), s[idx].as_quat())
    _close(Rotation.concatenate([r, r2]).as_rotvec(), SRotation.concatenate([s, s2]).as_rotvec())
    _close(Rotation.concatenate([r[0], r2]).as_quat(),
           SRotation.concatenate([s[0], s2]).as_quat())
    w = RNG.random(N)
    jmean = jax.jit(lambda q, w: [JRotation.from_quat(q).mean().as_rotvec(),
                                  JRotation.from_quat(q).mean(w).as_rotvec()])(q, w)
    for k, weights in enumerate((None, w)):
        _close(r.mean(weights).as_rotvec(), s.mean(weights).as_rotvec(), 1e-11)
        _close(r.mean(weights).as_rotvec(), jmean[k], 1e-11)
    _close(r[2].mean().as_rotvec(), s[2].as_rotvec(), 1e-11)


def test_slerp_matches_scipy_and_jax():
    q = _quat((N, 4))
    times = np.array([0.0, 1.0, 2.5, 3.0, 4.0])
    computes = [0.0, np.zeros(1), np.zeros(2), 1.7, np.linspace(0, 4, 9), 4.0]
    theirs = jax.jit(lambda q: [JSlerp.init(times, JRotation.from_quat(q))(c).as_rotvec()
                                for c in computes])(q)
    for c, jx in zip(computes, theirs):
        got = Slerp(times, Rotation.from_quat(q))(c)
        ref = SSlerp(times, SRotation.from_quat(q))(c)
        assert got.single == ref.single
        _close(got.as_rotvec(), ref.as_rotvec())
        _close(got.as_rotvec(), jx)
        _close(Slerp.init(times, Rotation.from_quat(q))(c).as_quat(), got.as_quat(), 0)


def test_random_rotations():
    key = tg.random.PRNGKey(3)
    r = Rotation.random(key, 4000)
    assert r.as_quat().shape == (4000, 4) and Rotation.random(key).single
    _close(np.linalg.norm(r.as_quat(), axis=-1), np.ones(4000))
    _close(r.as_quat(), Rotation.random(key, 4000).as_quat(), 0)
    # uniform on SO(3): the mean matrix vanishes, E[cos(angle)] = -1/2 · ... E[trace] = 0
    assert np.abs(np.mean(r.as_matrix(), axis=0)).max() < 0.05


# ---- derivatives against JAX -----------------------------------------------------------------
def test_derivatives_match_jax():
    q, p, v = _quat((N, 4)), _quat((N, 4)), RNG.normal(size=(N, 3))
    rv, w, ang = RNG.normal(size=(N, 3)), RNG.random(N) + 0.1, RNG.normal(size=(N, 3))
    m = SRotation.from_quat(_quat((N, 4))).as_matrix()
    times, tq = np.array([0.0, 1.0, 2.5, 3.0, 4.0]), np.array([0.3, 1.2, 2.7, 3.9])
    vt, qt = RNG.normal(size=(N, 3)), RNG.normal(size=(N, 4))

    def run(R, S, ns, grad, jvp, jacrev):
        out = []
        for inverse in (False, True):
            out += grad(lambda q, v: ns.sum(R.from_quat(q).apply(v, inverse=inverse) * vt),
                        argnums=(0, 1))(q, v)
        out.append(jacrev(lambda q: R.from_quat(q).as_matrix())(q[0]))
        out.append(jacrev(lambda q: R.from_quat(q).as_rotvec())(q[1]))
        out.append(grad(lambda q: ns.sum(R.from_quat(q).magnitude()))(q))
        out.append(grad(lambda q: ns.sum(R.from_quat(q).as_mrp() * vt))(q))
        out.append(jvp(lambda q: R.from_quat(q).as_euler("xyz"), (q,), (qt,))[1])
        out.append(jvp(lambda q: R.from_quat(q).as_euler("ZXZ"), (q,), (qt,))[1])
        out.append(jacrev(lambda x: R.from_rotvec(x).as_quat())(rv[0]))
        out.append(jacrev(lambda x: R.from_mrp(x).as_quat())(rv[1]))
        out.append(grad(lambda a: ns.sum(R.from_euler("XYZ", a).as_quat() * qt))(ang))
        out.append(grad(lambda x: ns.sum(R.from_matrix(x).as_rotvec() * vt))(m))
        out += grad(lambda q, w: ns.sum(R.from_quat(q).mean(w).as_rotvec() * vt[0]),
                    argnums=(0, 1))(q, w)
        out += grad(lambda q, p: ns.sum((R.from_quat(q) * R.from_quat(p)).as_rotvec() * vt),
                    argnums=(0, 1))(q, p)
        out += grad(lambda q, t: ns.sum(S(times, R.from_quat(q))(t).as_rotvec() * vt[:4]),
                    argnums=(0, 1))(q, tq)
        return out

    jslerp = lambda t, r: JSlerp.init(t, r)  # noqa: E731
    theirs = jax.jit(lambda: run(JRotation, jslerp, jnp, jax.grad, jax.jvp, jax.jacrev))()
    ours = run(Rotation, Slerp, tg, tg.grad, tg.jvp, tg.jacrev)
    assert len(ours) == len(theirs) == 20
    for a, b in zip(ours, theirs):
        _close(a, b, 1e-10)


def test_derivatives_at_the_identity_are_finite():
    g = tg.jacrev(lambda x: Rotation.from_rotvec(x).as_quat())(np.zeros(3))
    _close(g, np.vstack([0.5 * np.eye(3), np.zeros((1, 3))]))
    g = tg.jacrev(lambda q: Rotation.from_quat(q).as_rotvec())(np.array([0.0, 0, 0, 1]))
    _close(g, np.hstack([2 * np.eye(3), np.zeros((3, 1))]))
    # close to the identity, the series branch against finite differences
    x, e = np.array([1e-4, -2e-4, 3e-5]), 1e-7
    fd = np.stack([(Rotation.from_rotvec(x + e * d).as_quat()
                    - Rotation.from_rotvec(x - e * d).as_quat()) / (2 * e) for d in np.eye(3)], 1)
    _close(tg.jacrev(lambda x: Rotation.from_rotvec(x).as_quat())(x), fd, 1e-8)


# ---- pytrees, jit and vmap ------------------------------------------------------------------
def test_rotation_and_slerp_are_pytrees_under_jit_and_vmap():
    q, v = _quat((N, 4)), RNG.normal(size=(N, 3))
    r = Rotation.from_quat(q)
    leaves, tree = tg.tree_util.tree_flatten(r)
    assert len(leaves) == 1 and leaves[0].shape == (N, 4)
    r2 = tg.tree_util.tree_unflatten(tree, [2 * leaves[0]])
    assert isinstance(r2, Rotation)
    _close(r2.as_quat(), 2 * r.as_quat(), 0)
    s = SRotation.from_quat(q)
    _close(tg.jit(lambda r, v: r.apply(v))(r, v), s.apply(v))
    _close(tg.jit(lambda r: r.as_euler("zyx"))(r), s.as_euler("zyx"))
    _close(tg.jit(lambda q: Rotation.from_quat(q).as_rotvec())(q), s.as_rotvec())
    _close(tg.jit(lambda m: Rotation.from_matrix(m).as_quat(canonical=True))(s.as_matrix()),
           s.as_quat(canonical=True))
    _close(tg.jit(lambda r: r.mean().as_rotvec())(r), s.mean().as_rotvec(), 1e-11)
    _close(tg.jit(lambda r: r.inv() * r)(r).magnitude(), np.zeros(N), 1e-7)
    # vmap over a batch of rotations: each call sees a single rotation, as in JAX
    assert tg.vmap(lambda r: np.asarray(r.single))(r).all()
    _close(tg.vmap(lambda r, v: r.apply(v))(r, v), s.apply(v))
    _close(tg.vmap(lambda r: r.as_rotvec())(r), s.as_rotvec())
    _close(tg.vmap(lambda r: r.as_euler("XYZ"))(r), s.as_euler("XYZ"))
    _close(tg.vmap(lambda q: Rotation.from_quat(q).as_matrix())(q), s.as_matrix())
    times = np.arange(N, dtype=float)
    sl = Slerp(times, r)
    assert len(tg.tree_util.tree_leaves(sl)) == 4
    tq = np.array([0.5, 2.0, 3.25])
    ref = SSlerp(times, s)(tq).as_rotvec()
    _close(tg.jit(lambda sl, t: sl(t).as_rotvec())(sl, tq), ref)
    _close(tg.jit(lambda q, t: Slerp(times, Rotation.from_quat(q))(t).as_rotvec())(q, tq), ref)


# ---- vq (JAX's scipy_cluster_vq_test.py) -----------------------------------------------------
@pytest.mark.parametrize("shapes", [((10,), (3,)), ((10, 4), (3, 4)), ((1, 2), (5, 2))], ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_vq_matches_scipy_and_jax(shapes, dtype):
    if dtype == np.int64:
        obs, book = RNG.integers(-9, 9, size=shapes[0]), RNG.integers(-9, 9, size=shapes[1])
    else:
        obs = RNG.normal(size=shapes[0]).astype(dtype)
        book = RNG.normal(size=shapes[1]).astype(dtype)
    code, dist = vq(obs, book)
    scode, sdist = svq.vq(obs, book)
    jcode, jdist = jax.jit(jvq.vq)(obs, book)
    np.testing.assert_array_equal(code, scode)
    np.testing.assert_array_equal(code, jcode)
    assert code.dtype == np.asarray(jcode).dtype
    assert dist.dtype == np.asarray(jdist).dtype
    tol = 1e-12 if dtype != np.float32 else 1e-5
    _close(dist, sdist.astype(dist.dtype), tol)
    _close(dist, jdist, tol)
    jc, jd = tg.jit(vq)(obs, book)
    np.testing.assert_array_equal(jc, code)
    _close(jd, dist, tol)


def test_vq_derivatives_match_jax_and_vmap():
    obs, book = RNG.normal(size=(8, 3)), RNG.normal(size=(4, 3))
    wt = RNG.normal(size=8)
    f_ours = lambda o, c: tg.sum(vq(o, c)[1] * wt)  # noqa: E731
    f_jax = lambda o, c: jnp.sum(jvq.vq(o, c)[1] * wt)  # noqa: E731
    to, tc = RNG.normal(size=obs.shape), RNG.normal(size=book.shape)

    def run(f, vq, grad, jvp, jacrev):
        return [*grad(f, argnums=(0, 1))(obs, book),
                jvp(lambda o, c: vq(o, c)[1], (obs, book), (to, tc))[1],
                jacrev(lambda c: vq(obs, c)[1])(book)]
    theirs = jax.jit(lambda: run(f_jax, jvq.vq, jax.grad, jax.jvp, jax.jacrev))()
    for a, b in zip(run(f_ours, vq, tg.grad, tg.jvp, tg.jacrev), theirs):
        _close(a, b)
    # vmap over batches of observations
    batch = RNG.normal(size=(3, 8, 3))
    codes, dists = tg.vmap(lambda o: vq(o, book))(batch)
    for b in range(3):
        c, d = svq.vq(batch[b], book)
        np.testing.assert_array_equal(codes[b], c)
        _close(dists[b], d)


# ---- errors --------------------------------------------------------------------------------
def test_errors_name_the_function():
    r = Rotation.from_quat(_quat((N, 4)))
    cases = [
        (ValueError, "from_quat", lambda: Rotation.from_quat(np.ones(3))),
        (ValueError, "from_quat", lambda: Rotation.from_quat(np.zeros(4))),
        (TypeError, "from_quat", lambda: Rotation.from_quat(np.ones(4, complex))),
        (ValueError, "from_matrix", lambda: Rotation.from_matrix(np.ones((3, 2)))),
        (ValueError, "from_matrix", lambda: Rotation.from_matrix(-np.eye(3))),
        (ValueError, "from_rotvec", lambda: Rotation.from_rotvec(np.ones(4))),
        (ValueError, "from_mrp", lambda: Rotation.from_mrp(np.ones((2, 2)))),
        (ValueError, "from_euler", lambda: Rotation.from_euler("xyzx", np.ones(4))),
        (ValueError, "from_euler", lambda: Rotation.from_euler("xYz", np.ones(3))),
        (ValueError, "from_euler", lambda: Rotation.from_euler("xxz", np.ones(3))),
        (ValueError, "from_euler", lambda: Rotation.from_euler("xy", np.ones(3))),
        (ValueError, "as_euler", lambda: r.as_euler("xy")),
        (ValueError, "as_euler", lambda: r.as_euler("xyw")),
        (ValueError, "apply", lambda: r.apply(np.ones((3, 3)))),
        (ValueError, "apply", lambda: r.apply(np.ones(2))),
        (ValueError, "mean", lambda: r.mean(np.ones(3))),
        (ValueError, "mean", lambda: r.mean(-np.ones(N))),
        (TypeError, "subscriptable", lambda: r[0][0]),
        (TypeError, "len", lambda: len(r[0])),
        (TypeError, "Slerp", lambda: Slerp([0, 1], np.ones((2, 4)))),
        (ValueError, "Slerp", lambda: Slerp([0], r[:1])),
        (ValueError, "Slerp", lambda: Slerp([0, 1, 2], r)),
        (ValueError, "Slerp", lambda: Slerp([0, 2, 1, 3, 4], r)),
        (ValueError, "Slerp", lambda: Slerp(np.arange(N), r)(N + 0.5)),
        (ValueError, "Slerp", lambda: Slerp(np.arange(N), r)(np.ones((2, 2)))),
        (ValueError, "vq", lambda: vq(np.ones((3, 2)), np.ones(3))),
        (ValueError, "vq", lambda: vq(np.ones((3, 2)), np.ones((3, 3)))),
        (ValueError, "vq", lambda: vq(np.ones((3, 2, 1)), np.ones((3, 2, 1)))),
        (ValueError, "vq", lambda: vq(np.array([1.0, np.nan]), np.ones(3))),
        (TypeError, "vq", lambda: vq(np.ones(3, complex), np.ones(3))),
    ]
    for exc, name, fn in cases:
        with pytest.raises(exc, match=name):
            fn()
    # SciPy raises for the same inputs
    with pytest.raises(ValueError):
        SRotation.from_matrix(-np.eye(3))
    with pytest.raises(ValueError):
        SSlerp(np.arange(N), SRotation.from_quat(r.as_quat()))(N + 0.5)
    # with check_finite=False a NaN observation passes through (SciPy and JAX give NaN too)
    assert np.isnan(vq(np.array([1.0, np.nan]), np.ones(3), check_finite=False)[1][1])


# ---- ported from SciPy's scipy/spatial/transform/tests/test_rotation.py and cluster/tests/test_vq.py

def test_concatenate_keeps_leading_axes_as_scipy():
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(3, 2, 4)), rng.normal(size=(2, 2, 4))
    got = Rotation.concatenate([Rotation.from_quat(a), Rotation.from_quat(b)])
    want = SRotation.concatenate([SRotation.from_quat(a), SRotation.from_quat(b)])
    assert np.shape(got.as_quat()) == want.as_quat().shape == (5, 2, 4)   # (was (10, 4))
    np.testing.assert_allclose(got.as_matrix(), want.as_matrix(), atol=1e-12)
    with pytest.raises(ValueError, match="concatenate"):
        Rotation.concatenate([Rotation.from_quat(rng.normal(size=(5, 2, 4))),
                              Rotation.from_quat(rng.normal(size=(1, 4)))])
    one = Rotation.from_quat(a[0, 0])
    np.testing.assert_allclose(Rotation.concatenate(one).as_quat(), one.as_quat())


def test_every_rotation_is_truthy_as_in_scipy():
    assert bool(Rotation.from_quat(np.array([0.0, 0.0, 0.0, 1.0])))
    assert bool(Rotation.from_quat(np.zeros((0, 4))))


def test_composition_of_shapes_that_do_not_broadcast_names_the_operation():
    r2 = Rotation.from_quat(np.tile([0.0, 0.0, 0.0, 1.0], (2, 1)))
    r3 = Rotation.from_quat(np.tile([0.0, 0.0, 0.0, 1.0], (3, 1)))
    with pytest.raises(ValueError, match="broadcast"):
        SRotation.from_quat(np.asarray(r2.as_quat())) * SRotation.from_quat(np.asarray(r3.as_quat()))
    with pytest.raises(ValueError, match="Rotation.__mul__"):
        r2 * r3


def test_slerp_refuses_a_nan_time_as_scipy():
    rots = Rotation.from_euler("z", np.array([[0.0], [90.0]]), degrees=True)
    s = Slerp(np.array([0.0, 2.0]), rots)
    with pytest.raises(ValueError):
        SSlerp(np.array([0.0, 2.0]), SRotation.from_euler("z", [[0.0], [90.0]], degrees=True))(np.nan)
    with pytest.raises(ValueError, match="Slerp"):   # (was a NaN rotation)
        s(np.array([0.5, np.nan]))


def test_mean_takes_weights_shaped_like_the_rotations():
    rng = np.random.default_rng(3)
    q, w = rng.normal(size=(2, 3, 4)), rng.random((2, 3))
    got = Rotation.from_quat(q).mean(w).as_quat(canonical=True)
    want = SRotation.from_quat(q).mean(w).as_quat(canonical=True)
    np.testing.assert_allclose(got, want, atol=1e-12)


def test_vq_distance_gradient_is_zero_where_an_observation_is_its_code():
    obs = np.array([[1.0, 2.0], [0.5, -1.0], [3.0, 0.0]])
    book = obs[:2].copy()     # k-means' usual start: codes taken from the data
    with np.errstate(all="raise"):   # no 0 * inf inside
        g_obs = tg.grad(lambda o: tg.sum(vq(o, book)[1]))(obs)
        g_book = tg.grad(lambda c: tg.sum(vq(obs, c)[1]))(book)
    np.testing.assert_array_equal(g_obs[:2], 0.0)
    assert np.isfinite(g_book).all()
    d = obs[2] - book[np.argmin(((obs[2] - book) ** 2).sum(-1))]
    np.testing.assert_allclose(g_obs[2], d / np.linalg.norm(d), rtol=1e-12)
