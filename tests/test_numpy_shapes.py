"""NumPy's shape and indexing functions that tensorgrad builds from registered ops.

The registered ops (flip, roll, repeat, tile, pad, diagonal, diag, tril, triu)
are in the registry table. The functions here (rot90, the stacks and splits,
atleast_nd, ravel, append, take, take_along_axis, select, kron, inner, cross,
einsum's sublist form) are compositions of ops; each is checked against
NumPy's own function: the value, and the Jacobians of both sweeps against the
Jacobian NumPy's function gives column by column (every one of these is
affine in each argument, so NumPy's function on the basis vectors, less its
value at 0, is its exact Jacobian).
"""
import warnings

import numpy as np
import pytest

import tensorgrad as tg
import tensorgrad.numpy as tnp

RNG = np.random.default_rng(0)


def a(*shape):
    return RNG.normal(size=shape)


def numpy_jacobian(np_fn, args, i):
    """∂ np_fn(*args) / ∂ args[i] for a function affine in args[i]: f(basis vector) − f(0)."""
    x = np.asarray(args[i], dtype=float)
    at_zero = list(args)
    at_zero[i] = np.zeros(x.shape)
    base = np.asarray(np_fn(*at_zero), dtype=float)
    cols = []
    for k in range(x.size):
        e = np.zeros(x.size)
        e[k] = 1.0
        full = list(args)
        full[i] = e.reshape(x.shape)
        cols.append(np.asarray(np_fn(*full), dtype=float) - base)
    out_shape = cols[0].shape
    return np.stack(cols, axis=-1).reshape(out_shape + x.shape)


# (label, tensorgrad function, NumPy function, arguments, differentiated argument indices)
CASES = [
    ("rot90", tg.rot90, np.rot90, (a(2, 3),), (0,)),
    ("rot90_k3_axes", lambda m: tg.rot90(m, 3, (1, 2)), lambda m: np.rot90(m, 3, (1, 2)), (a(2, 3, 2),), (0,)),
    ("rot90_k2", lambda m: tg.rot90(m, 2), lambda m: np.rot90(m, 2), (a(2, 3),), (0,)),
    ("rot90_k-1", lambda m: tg.rot90(m, -1, (-1, 0)), lambda m: np.rot90(m, -1, (-1, 0)), (a(3, 2),), (0,)),
    ("fliplr", tg.fliplr, np.fliplr, (a(2, 3),), (0,)),
    ("flipud", tg.flipud, np.flipud, (a(3, 2),), (0,)),
    ("hstack_1d", lambda x, y: tg.hstack([x, y]), lambda x, y: np.hstack([x, y]), (a(2), a(3)), (0, 1)),
    ("hstack_2d", lambda x, y: tg.hstack((x, y)), lambda x, y: np.hstack((x, y)), (a(2, 1), a(2, 3)), (0, 1)),
    ("vstack", lambda x, y: tg.vstack([x, y]), lambda x, y: np.vstack([x, y]), (a(3), a(2, 3)), (0, 1)),
    ("dstack", lambda x, y: tg.dstack([x, y]), lambda x, y: np.dstack([x, y]), (a(2), a(1, 2)), (0, 1)),
    ("column_stack", lambda x, y: tg.column_stack([x, y]), lambda x, y: np.column_stack([x, y]),
     (a(3), a(3, 2)), (0, 1)),
    ("atleast_1d", tg.atleast_1d, np.atleast_1d, (a(),), (0,)),
    ("atleast_2d", tg.atleast_2d, np.atleast_2d, (a(3),), (0,)),
    ("atleast_3d_1d", tg.atleast_3d, np.atleast_3d, (a(3),), (0,)),
    ("atleast_3d_2d", tg.atleast_3d, np.atleast_3d, (a(2, 3),), (0,)),
    ("ravel", tg.ravel, np.ravel, (a(2, 3),), (0,)),
    ("ravel_F", lambda x: tg.ravel(x, "F"), lambda x: np.ravel(x, "F"), (a(2, 3),), (0,)),
    ("array_split_0", lambda x: tg.array_split(x, 3)[0], lambda x: np.array_split(x, 3)[0], (a(7),), (0,)),
    ("array_split_2", lambda x: tg.array_split(x, 3, axis=1)[2],
     lambda x: np.array_split(x, 3, axis=1)[2], (a(2, 7),), (0,)),
    ("array_split_idx", lambda x: tg.array_split(x, [1, 4])[1], lambda x: np.array_split(x, [1, 4])[1],
     (a(5, 2),), (0,)),
    ("hsplit", lambda x: tg.hsplit(x, 2)[1], lambda x: np.hsplit(x, 2)[1], (a(2, 4),), (0,)),
    ("vsplit", lambda x: tg.vsplit(x, [1])[1], lambda x: np.vsplit(x, [1])[1], (a(3, 2),), (0,)),
    ("dsplit", lambda x: tg.dsplit(x, 2)[0], lambda x: np.dsplit(x, 2)[0], (a(1, 2, 4),), (0,)),
    ("append_flat", tg.append, np.append, (a(2, 2), a(3)), (0, 1)),
    ("append_axis", lambda x, y: tg.append(x, y, axis=0), lambda x, y: np.append(x, y, axis=0),
     (a(2, 3), a(1, 3)), (0, 1)),
    ("take_flat", lambda x: tg.take(x, [5, 0, 5]), lambda x: np.take(x, [5, 0, 5]), (a(2, 3),), (0,)),
    ("take_axis", lambda x: tg.take(x, np.array([[2, 0], [2, 2]]), axis=1),
     lambda x: np.take(x, np.array([[2, 0], [2, 2]]), axis=1), (a(2, 3),), (0,)),
    ("take_wrap", lambda x: tg.take(x, [-4, 7], axis=0, mode="wrap"),
     lambda x: np.take(x, [-4, 7], axis=0, mode="wrap"), (a(3, 2),), (0,)),
    ("take_clip", lambda x: tg.take(x, [-4, 7], mode="clip"),
     lambda x: np.take(x, [-4, 7], mode="clip"), (a(3),), (0,)),
    ("take_along_axis", lambda x: tg.take_along_axis(x, np.array([[2, 0, 1], [1, 1, 0]]), axis=1),
     lambda x: np.take_along_axis(x, np.array([[2, 0, 1], [1, 1, 0]]), axis=1), (a(2, 3),), (0,)),
    ("take_along_axis_bcast", lambda x: tg.take_along_axis(x, np.array([[1], [0], [1]]), axis=0),
     lambda x: np.take_along_axis(x, np.array([[1], [0], [1]]), axis=0), (a(2, 3),), (0,)),
    ("select", lambda x, y: tg.select([np.array([True, False, False]), np.array([True, True, False])],
                                      [x, y], default=2.5),
     lambda x, y: np.select([np.array([True, False, False]), np.array([True, True, False])],
                            [x, y], default=2.5), (a(3), a(2, 3)), (0, 1)),
    ("kron", tg.kron, np.kron, (a(2, 2), a(3, 1)), (0, 1)),
    ("kron_mixed", tg.kron, np.kron, (a(2), a(2, 3)), (0, 1)),
    ("inner", tg.inner, np.inner, (a(2, 3), a(4, 3)), (0, 1)),
    ("inner_1d", tg.inner, np.inner, (a(3), a(3)), (0, 1)),
    ("inner_scalar", tg.inner, np.inner, (a(), a(2)), (0, 1)),
    ("cross", tg.cross, np.cross, (a(2, 3), a(3)), (0, 1)),
    ("cross_axes", lambda x, y: tg.cross(x, y, axisa=0, axisb=1, axisc=0),
     lambda x, y: np.cross(x, y, axisa=0, axisb=1, axisc=0), (a(3, 2), a(2, 3)), (0, 1)),
    ("einsum_sublist", lambda x, y: tg.einsum(x, [0, 1], y, [1, 2], [0, 2]),
     lambda x, y: np.einsum(x, [0, 1], y, [1, 2], [0, 2]), (a(2, 3), a(3, 2)), (0, 1)),
    ("einsum_sublist_implicit", lambda x, y: tg.einsum(x, [Ellipsis, 30], y, [30, 2]),
     lambda x, y: np.einsum(x, [Ellipsis, 30], y, [30, 2]), (a(2, 2, 3), a(3, 2)), (0, 1)),
]


@pytest.mark.parametrize("label,tg_fn,np_fn,args,diff", CASES, ids=[c[0] for c in CASES])
def test_function_matches_numpy(label, tg_fn, np_fn, args, diff):
    out = tg_fn(*args)
    want = np_fn(*args)
    assert type(out) is type(want) and np.shape(out) == np.shape(want)  # (NumPy scalars as NumPy)
    np.testing.assert_allclose(out, want, rtol=1e-13, atol=1e-13)
    argnums = tuple(diff)
    rev = tg.jacrev(tg_fn, argnums=argnums)(*args)
    fwd = tg.jacfwd(tg_fn, argnums=argnums)(*args)
    for k, i in enumerate(diff):
        ref = numpy_jacobian(np_fn, args, i)
        np.testing.assert_allclose(rev[k], ref, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(fwd[k], ref, rtol=1e-12, atol=1e-12)


def test_pad_modes_match_numpy_and_their_transposes_add_up():
    x = a(3, 4)
    for kw in ({"mode": "constant", "constant_values": ((1.0, 2.0), (3.0, 4.0))}, {"mode": "edge"},
               {"mode": "reflect"}, {"mode": "symmetric"}, {"mode": "wrap"}):
        np.testing.assert_array_equal(tg.pad(x, ((2, 5), (4, 0)), **kw), np.pad(x, ((2, 5), (4, 0)), **kw))
        # the cotangent of an all-ones output counts how often each entry is copied
        g = tg.grad(lambda v: tg.sum(tg.pad(v, ((2, 5), (4, 0)), **kw)))(x)
        idx = np.pad(np.arange(12).reshape(3, 4), ((2, 5), (4, 0)),
                     mode="constant" if kw["mode"] == "constant" else kw["mode"],
                     **({"constant_values": -1} if kw["mode"] == "constant" else {}))
        np.testing.assert_array_equal(g.ravel(), np.bincount(idx[idx >= 0], minlength=12))


def test_flip_and_roll_have_permutation_jacobians_and_repeat_a_gather():
    x = a(2, 3)
    J = tg.jacobians
    for f in (lambda v: tg.flip(v), lambda v: tg.roll(v, 2), lambda v: tg.roll(v, (1, -1), axis=(0, 1))):
        Jm = tg.jacobian(f, structured=True)(x)
        assert isinstance(Jm, J.IndexPermutation)
        np.testing.assert_array_equal(Jm.todense(), tg.jacrev(f)(x))
        np.testing.assert_array_equal(Jm.T.todense().reshape(6, 6), Jm.todense().reshape(6, 6).T)
        assert Jm.matvec_flops == Jm.vecmat_flops == 0
    Jr = tg.jacobian(lambda v: tg.repeat(v, 2, axis=1), structured=True)(x)
    assert isinstance(Jr, J.Gather) and not isinstance(Jr, J.IndexPermutation)
    assert Jr.nbytes == Jr.index.nbytes  # one integer per output entry, not a dense matrix
    Jt = tg.jacobian(lambda v: tg.tril(v), structured=True)(x)
    assert isinstance(Jt, J.Diagonal)
    # rot90 composes a flip and a transpose: both permutations, no arithmetic
    Jrot = tg.jacobian(tg.rot90, structured=True)(x)
    np.testing.assert_array_equal(Jrot.todense(), tg.jacrev(tg.rot90)(x))


PAD_COMPUTED = [
    {"pad_width": 2, "mode": "maximum"}, {"pad_width": ((1, 2), (0, 3)), "mode": "minimum"},
    {"pad_width": ((1, 2), (2, 3)), "mode": "mean", "stat_length": ((1, 2), (3, 1))},
    {"pad_width": ((2, 1), (1, 2)), "mode": "median"},
    {"pad_width": (1, 2), "mode": "median", "stat_length": 9},
    {"pad_width": ((2, 0), (3, 1)), "mode": "linear_ramp", "end_values": ((1.5, -2.0), (0.5, 3.0))},
]


@pytest.mark.parametrize("kw", PAD_COMPUTED, ids=lambda kw: kw["mode"])
def test_pad_statistic_and_ramp_modes_match_jax(kw):
    # padding by a statistic or a ramp is built from ops: value, both sweeps and tg.jit
    # against jnp.pad (the corners come from the earlier axes' padding, as in NumPy)
    import jax
    import jax.numpy as jnp
    x = a(3, 4)
    t = tg.Tensor(x)
    np.testing.assert_allclose(np.asarray(np.pad(t, **kw)), np.pad(x, **kw), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(np.asarray(np.pad(t, **kw)), np.asarray(jnp.pad(x, **kw)), rtol=1e-14, atol=1e-15)
    w = a(*np.pad(x, **kw).shape)
    loss = lambda v: tg.sum(tg.pad(v, **kw) * w)
    expect = np.asarray(jax.jit(jax.grad(lambda v: jnp.sum(jnp.pad(v, **kw) * w)))(x))
    np.testing.assert_allclose(tg.grad(loss)(x), expect, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tg.jit(tg.grad(loss))(x), expect, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(tg.jacfwd(lambda v: tg.pad(v, **kw))(x),
                               np.asarray(jax.jit(jax.jacfwd(lambda v: jnp.pad(v, **kw)))(x)),
                               rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kw", [{}, {"indexing": "ij"}, {"sparse": True}])
def test_meshgrid_matches_numpy_and_jax(kw):
    import jax
    import jax.numpy as jnp
    vs = (a(3), a(4), a(2))
    for k in (1, 2, 3):
        got = np.meshgrid(*[tg.Tensor(v) for v in vs[:k]], **kw)
        want = np.meshgrid(*vs[:k], **kw)
        assert type(got) is tuple and len(got) == k
        for g, w in zip(got, want):
            np.testing.assert_array_equal(np.asarray(g), w)
        ws = [a(*w.shape) for w in want]
        loss = lambda *v: sum(tg.sum(m * c) for m, c in zip(tg.meshgrid(*v, **kw), ws))  # noqa: E731
        jloss = lambda *v: sum(jnp.sum(m * c) for m, c in zip(jnp.meshgrid(*v, **kw), ws))  # noqa: E731
        nums = tuple(range(k))
        for g, w in zip(tg.grad(loss, argnums=nums)(*vs[:k]), jax.jit(jax.grad(jloss, argnums=nums))(*vs[:k])):
            np.testing.assert_allclose(g, w, rtol=1e-13)
    with pytest.raises(ValueError, match="meshgrid: indexing must be 'xy' or 'ij'"):
        tg.meshgrid(tg.Tensor(vs[0]), indexing="yx")


def test_bad_arguments_name_the_function():
    x = a(2, 3)
    with pytest.raises(IndexError, match="take: index 3 is out of bounds for axis 1 with size 3"):
        tg.take(x, [3], axis=1)
    with pytest.raises(ValueError, match="repeat: repeats of shape"):
        tg.repeat(x, [1, 2], axis=1)
    with pytest.raises(ValueError, match="pad: mode 'bogus' is not supported"):  # as NumPy
        tg.pad(x, 1, mode="bogus")
    with pytest.raises(NotImplementedError, match="pad: mode <function"):
        tg.pad(x, 1, mode=lambda vector, iaxis_pad_width, iaxis, kwargs: None)
    with pytest.raises(ValueError, match="pad: stat_length 0 leaves no entry to take the maximum"):
        tg.grad(lambda v: tg.sum(tg.pad(v, 1, mode="maximum", stat_length=0)))(x)
    with pytest.raises(ValueError, match="pad: mode 'mean' cannot pad axis 0 of length 0"):
        tg.grad(lambda v: tg.sum(tg.pad(v[:0], 1, mode="mean")))(x)
    with pytest.raises(TypeError, match="pad: end_values is for mode 'linear_ramp'"):
        tg.grad(lambda v: tg.sum(tg.pad(v, 1, mode="mean", end_values=2.0)))(x)
    with pytest.raises(ValueError, match="pad: pad_width"):
        tg.pad(x, ((1, 2), (3, 4), (5, 6)))
    with pytest.raises(ValueError, match="rot90: axes must be different"):
        tg.rot90(x, axes=(1, -1))
    with pytest.raises(ValueError, match="vsplit: only works on arrays of 2 or more"):
        tg.vsplit(np.ones(4), 2)
    with pytest.raises(TypeError, match="select: invalid entry 0 in condlist"):
        tg.select([np.array([1, 0])], [np.ones(2)])
    with pytest.raises(ValueError, match="cross: incompatible vector dimensions 4 and 3"):
        tg.cross(np.ones(4), np.ones(3))
    with pytest.raises(ValueError, match="einsum: sublist 1 contains 'a'"):
        tg.einsum(x, [0, 1], x, ["a", 1])


def test_two_dimensional_cross_warns_as_numpy_does():
    x, y = a(2), a(2)
    with pytest.warns(DeprecationWarning):
        z = tg.cross(x, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        np.testing.assert_allclose(z, np.cross(x, y))


def test_flip_roll_and_pad_keep_float32():
    x = a(2, 3).astype(np.float32)
    for f in (tg.flip, lambda v: tg.roll(v, 1), lambda v: tg.pad(v, 1, mode="reflect"),
              lambda v: tg.repeat(v, 2), lambda v: tg.tile(v, 2), lambda v: tg.diag(v[0])):
        assert f(x).dtype == np.float32
        assert tg.grad(lambda v: tg.sum(f(v) ** 2))(x).dtype == np.float32


def test_axis_none_flattens_in_concatenate_and_is_refused_where_numpy_refuses_it():
    x = np.arange(12.0).reshape(3, 4)
    y = np.arange(5.0)
    np.testing.assert_array_equal(tg.concatenate([x, y], axis=None), np.concatenate([x, y], axis=None))
    g = tg.grad(lambda a: tg.sum(tg.concatenate([a, a], axis=None) * np.arange(24.0)))(x)
    np.testing.assert_array_equal(g, (np.arange(12.0) + np.arange(12.0, 24.0)).reshape(3, 4))
    for call in (lambda: tg.expand_dims(x, None), lambda: tg.swapaxes(x, None, 0),
                 lambda: tg.moveaxis(x, None, 0), lambda: tg.stack([x, x], axis=None),
                 lambda: tg.diff(x, axis=None)):
        with pytest.raises(TypeError, match="axis"):
            call()


def test_tensor_reshape_ravel_and_flatten_take_numpys_order():
    x = np.arange(24.0).reshape(2, 3, 4)
    t = tg.tensor(x)
    np.testing.assert_array_equal(t.reshape((4, 6), order="F").numpy(), x.reshape((4, 6), order="F"))
    np.testing.assert_array_equal(t.ravel(order="F").numpy(), x.ravel(order="F"))
    np.testing.assert_array_equal(t.flatten("F").numpy(), x.flatten("F"))
    w = np.arange(24.0).reshape(6, 4)
    g = tg.grad(lambda v: tg.sum(v.reshape((6, 4), order="F") * w))(x)
    np.testing.assert_array_equal(g, w.reshape(x.shape, order="F"))
    with pytest.raises(ValueError, match="order"):
        t.reshape((4, 6), order="X")


def test_empty_batches_and_short_axes_in_statistics_softmax_decompositions_and_diff():
    e = np.zeros((0, 2, 3))
    for fn, want in ((lambda v: tg.quantile(v, 0.3, axis=-1), np.quantile(e, 0.3, axis=-1).shape),
                     (lambda v: tg.percentile(v, 30.0, axis=-1), (0, 2)),
                     (lambda v: tg.nanmedian(v, axis=-1), (0, 2)),
                     (lambda v: tg.median(v, axis=-1), np.median(e, axis=-1).shape),
                     (lambda v: tg.nn.softmax(v, axis=(1, 2)), e.shape),
                     (lambda v: tg.nn.log_softmax(v, axis=(1, 2)), e.shape)):
        assert np.shape(fn(e)) == want
        assert tg.grad(lambda v: tg.sum(fn(v)))(e).shape == e.shape
    empty = np.zeros((0, 0))
    assert tg.grad(lambda a: tg.sum(tg.linalg.eigvalsh(a)))(empty).shape == (0, 0)
    assert tg.grad(lambda a: tg.sum(tg.linalg.svd(a)[1]))(empty).shape == (0, 0)
    x = np.array([1.0, 4.0])
    for n in (2, 3, 4):
        assert tg.grad(lambda v: tg.sum(tg.diff(v, n)))(x).tolist() == [0.0, 0.0]


def test_take_along_axis_names_itself_when_the_indices_do_not_broadcast():
    x = np.ones((3, 4))
    with pytest.raises(ValueError, match=r"take_along_axis: indices of shape \(2, 2\)"):
        tg.take_along_axis(x, np.zeros((2, 2), int), axis=1)
    assert tg.take_along_axis(x, np.zeros((1, 2), int), axis=1).shape == (3, 2)


def test_copy_false_is_numpys_view_or_error_and_tensorgrad_numpys_no_op():
    # the Array API's rule: copy=False never copies (a view, or ValueError where one cannot
    # be made); astype to the array's own dtype gives the array itself
    a = np.arange(6.0).reshape(2, 3)
    for reshape in (tg.reshape, np.reshape):
        v = reshape(a, (3, 2), copy=False)
        assert type(v) is np.ndarray and np.shares_memory(a, v)
        with pytest.raises(ValueError, match="copy"):
            reshape(a.T, (6,), copy=False)
    for reshape in (tg.reshape, np.reshape):  # copy=True: an array of its own (tg's was a view)
        c = reshape(a, (3, 2), copy=True)
        c[0, 0] = 99.0
        assert a[0, 0] == 0.0 and not np.shares_memory(a, c)
    assert tg.astype(a, a.dtype, copy=False) is a
    assert tg.astype(a, a.dtype) is not a and tg.astype(a, np.float32, copy=False).dtype == np.float32
    np.testing.assert_array_equal(  # differentiable as before, inside a transform
        tg.grad(lambda x: tg.sum(tg.reshape(x, (6,), copy=False) ** 2))(a), 2 * a)
    # (tensorgrad.numpy: JAX's arrays are immutable, so copy=False changes nothing)
    np.testing.assert_array_equal(tnp.reshape(a.T, (6,), copy=False).numpy(), a.T.reshape(6))


@pytest.mark.parametrize("name", ["cumulative_sum", "cumulative_prod"])
def test_cumulative_of_a_0d_input_is_numpys_one_entry(name):
    want = getattr(np, name)(np.float64(3.0), include_initial=True)  # NumPy 2.4: [init, 3.]
    np.testing.assert_array_equal(getattr(tg, name)(np.float64(3.0), include_initial=True), want)
    np.testing.assert_array_equal(getattr(tg, name)(np.float64(3.0)), [3.0])
    assert tg.grad(lambda v: tg.sum(getattr(tg, name)(v)))(3.0) == 1.0
