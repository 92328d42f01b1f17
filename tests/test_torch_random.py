"""PyTorch's global-state random numbers (tg.manual_seed, tg.randn, tg.randint, ...): the size
forms, dtypes, seeding, the shared per-thread stream, the distributions drawn, the errors."""
import threading

import numpy as np
import pytest

import tensorgrad as tg


def test_seeding_restarts_the_stream_that_nn_init_and_the_tensor_fills_share():
    g = tg.manual_seed(3)
    assert isinstance(g, np.random.Generator) and tg.initial_seed() == 3
    a = tg.randn(2, 3)
    assert type(a) is tg.Tensor and a.shape == (2, 3) and a.dtype == np.float64
    np.testing.assert_array_equal(a.numpy(), np.random.default_rng(3).standard_normal((2, 3)))
    tg.nn.init.manual_seed(3)  # one stream: tg.nn.init's, the fills' and these
    np.testing.assert_array_equal(tg.randn((2, 3)).numpy(), a.numpy())
    tg.manual_seed(3)
    w = np.empty((2, 3))
    tg.nn.init.normal_(w)
    np.testing.assert_array_equal(w, a.numpy())
    s = tg.seed()
    assert tg.initial_seed() == s
    # another thread has a stream of its own, started at seed 0
    got = []
    t = threading.Thread(target=lambda: got.append(tg.randn(4).numpy()))
    t.start()
    t.join()
    np.testing.assert_array_equal(got[0], np.random.default_rng(0).standard_normal(4))


def test_size_forms_dtypes_generator_and_requires_grad():
    for r in (tg.rand(2, 3), tg.rand((2, 3)), tg.rand([2, 3]), tg.rand(size=(2, 3))):
        v = r.numpy()
        assert v.shape == (2, 3) and v.min() >= 0 and v.max() < 1
    assert tg.randn(()).shape == () and tg.randn(0, 2).shape == (0, 2)
    assert tg.randn(3, dtype=tg.float32).dtype == np.float32
    np.testing.assert_array_equal(tg.randn(4, generator=np.random.default_rng(9)).numpy(),
                                  np.random.default_rng(9).standard_normal(4))
    w = tg.randn(3, requires_grad=True)
    assert w.requires_grad and w.is_leaf
    (w * 2).sum().backward()
    np.testing.assert_array_equal(w.grad, 2 * np.ones(3))
    x = tg.randn(3, 4)  # a tensor: PyTorch's methods work on it
    np.testing.assert_array_equal(x.view(12).numpy(), x.numpy().reshape(12))
    before = x.numpy().copy()
    x.mul_(0.5)
    np.testing.assert_array_equal(x.numpy(), before * 0.5)
    like = tg.tensor(np.ones((2, 2), np.float32))
    assert tg.randn_like(like).dtype == np.float32 and tg.rand_like(like).shape == (2, 2)
    assert tg.randint_like(like, 5).dtype == np.float32


def test_integers_permutations_and_normal_draws():
    tg.manual_seed(1)
    for r in (tg.randint(5, (2000,)), tg.randint(2, 7, (2000,)), tg.randint(0, 3, size=(4, 5))):
        assert r.dtype == np.int64
    v = tg.randint(2, 7, (2000,)).numpy()
    assert set(np.unique(v)) == {2, 3, 4, 5, 6}
    assert sorted(tg.randperm(10).numpy().tolist()) == list(range(10))
    n = tg.normal(2.0, 3.0, size=(20000,)).numpy()
    assert abs(n.mean() - 2) < 0.1 and abs(n.std() - 3) < 0.1
    m = tg.normal(np.array([0.0, 100.0]), np.array([1e-9, 1e-9]))
    np.testing.assert_allclose(m.numpy(), [0, 100], atol=1e-6)
    assert tg.normal(np.zeros((2, 1)), np.ones(3)).shape == (2, 3)
    p = tg.poisson(tg.tensor(np.full(20000, 4.0))).numpy()
    assert p.dtype == np.float64 and abs(p.mean() - 4) < 0.1 and np.all(p == np.round(p))


def test_multinomial_with_and_without_replacement():
    tg.manual_seed(2)
    w = np.array([0.1, 0.0, 0.6, 0.3])
    d = tg.multinomial(tg.tensor(w), 3).numpy()
    assert d.dtype == np.int64 and len(set(d.tolist())) == 3 and 1 not in d  # distinct, never weight 0
    many = tg.multinomial(np.tile(w, (2, 1)), 20000, replacement=True).numpy()
    assert many.shape == (2, 20000)
    np.testing.assert_allclose(np.bincount(many[0], minlength=4) / 20000, w, atol=0.015)


def test_bad_calls_raise_clear_errors():
    with pytest.raises(TypeError, match="randn.*unexpected keyword argument 'foo'"):
        tg.randn(2, foo=1)
    with pytest.raises(TypeError, match=r"randn: the size must be non-negative ints"):
        tg.randn(-1)
    with pytest.raises(TypeError, match="randint: give"):
        tg.randint(5)
    with pytest.raises(RuntimeError, match="randint: only floating and complex tensors can require"):
        tg.randint(0, 5, (2,), requires_grad=True)
    with pytest.raises(RuntimeError, match="without replacement from 1 categories"):
        tg.multinomial(tg.tensor([1.0, 0.0]), 2)
    with pytest.raises(TypeError, match="manual_seed: seed must be an int"):
        tg.manual_seed(1.5)
    with pytest.raises(TypeError, match="rand: dtype must be floating"):
        tg.rand(2, dtype=np.int32)
    with pytest.raises(TypeError, match="randn: dtype 'foo' is not a dtype"):
        tg.randn(2, dtype="foo")
    with pytest.raises(RuntimeError, match=r"randint: low \(5\) must be below high \(2\)"):
        tg.randint(5, 2, (3,))
    with pytest.raises(RuntimeError, match="poisson: the rates .* must be non-negative"):
        tg.poisson(tg.tensor([1.0, -1.0]))
    assert tg.randn(2, device="cpu").shape == (2,)
    with pytest.raises(ValueError, match="device 'cuda' is not available"):
        tg.randn(2, device="cuda")


def test_a_generator_of_its_own_as_makemore_writes_it():
    g = tg.Generator().manual_seed(2147483647)
    assert isinstance(g, tg.Generator) and g.initial_seed() == 2147483647 and g.device == "cpu"
    C = tg.randn((27, 10), generator=g)
    W = tg.randn((30, 200), generator=g) * (5 / 3) / 30 ** 0.5
    ref = np.random.default_rng(2147483647)
    np.testing.assert_array_equal(C.numpy(), ref.standard_normal((27, 10)))
    np.testing.assert_allclose(W.numpy(), ref.standard_normal((30, 200)) * (5 / 3) / 30 ** 0.5, rtol=1e-15)
    for p in (C, W):
        p.requires_grad = True
    (C[np.array([[1, 2, 3]])].sum() + W.sum()).backward()
    assert C.grad[1:4].tolist() == [[1.0] * 10] * 3 and not C.grad[0].any()
    state = g.get_state()
    a = tg.rand(3, generator=g).numpy()
    g.set_state(state)
    np.testing.assert_array_equal(tg.rand(3, generator=g).numpy(), a)
    w = np.empty(4)
    tg.nn.init.normal_(w, generator=tg.Generator().manual_seed(1))  # nn.init takes it too
    np.testing.assert_array_equal(w, np.random.default_rng(1).standard_normal(4))
    with pytest.raises(ValueError, match="device 'cuda' is not available"):
        tg.Generator("cuda")


@pytest.mark.parametrize("name, draw", [
    ("randn", lambda x: x + tg.randn(3)), ("rand", lambda x: x * tg.rand(3)),
    ("randn_like", lambda x: x + tg.randn_like(x)), ("normal", lambda x: x + tg.normal(0.0, 1.0, (3,))),
    ("randint", lambda x: x + tg.randint(0, 9, (3,))), ("randperm", lambda x: x + tg.randperm(9)[:3]),
    ("multinomial", lambda x: x + tg.multinomial(tg.tensor(np.ones(9)), 3)),
    ("bernoulli", lambda x: x * tg.bernoulli(tg.tensor(np.full(3, 0.5)))),
    ("normal_", lambda x: x + tg.zeros(3, device="cpu").normal_()),  # a fill of a tensor made inside
    ("nn.init", lambda x: x + tg.nn.init.normal_(tg.zeros(3, device="cpu"))),
])
def test_keyless_draws_under_jit_draw_anew_at_every_call(name, draw):
    # before: the draw made while tracing was a constant of the plan, the same numbers at every
    # call; now the function runs as written at every call, as PyTorch's code draws anew
    jitted = tg.jit(draw)
    tg.manual_seed(0)
    eager = [np.asarray(draw(np.ones(3))) for _ in range(3)]
    tg.manual_seed(0)
    got = [np.asarray(jitted(np.ones(3))) for _ in range(3)]
    for e, g in zip(eager, got):  # the same stream, the same draws, call by call
        np.testing.assert_array_equal(g, e)
    assert any(not np.array_equal(got[0], g) for g in got[1:]), name
    key_draw = tg.jit(lambda x, k: x + tg.random.normal(k, (3,)))  # the keyed form traces
    k1, k2 = tg.random.split(tg.random.PRNGKey(0))
    assert not np.array_equal(key_draw(np.ones(3), k1), key_draw(np.ones(3), k2))
