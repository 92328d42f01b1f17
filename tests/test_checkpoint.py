"""Checkpoints: bit-exact round trips, atomic saves, clean failures."""
import os
import zipfile

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import checkpoint, nn, optim
from tensorgrad.checkpoint import CheckpointError


def sample_params():
    rng = np.random.default_rng(0)
    return {"encoder": [{"W": rng.normal(size=(3, 4)), "b": rng.normal(size=4).astype(np.float32)}, {}],
            "head": (rng.normal(size=(4, 2)), None), "scale": np.array(1.5), "count": np.arange(3)}


def leaves_equal_bitwise(a, b):
    la, ta = tg.tree_flatten(a)
    lb, tb = tg.tree_flatten(b)
    assert ta == tb
    for x, y in zip(la, lb):
        assert x.dtype == y.dtype and x.shape == y.shape
        assert x.tobytes() == y.tobytes()


def test_round_trip_is_bit_exact_with_structure(tmp_path):
    p = sample_params()
    path = checkpoint.save(tmp_path / "ck.npz", p)
    assert path == str(tmp_path / "ck.npz")
    q = checkpoint.load(path)
    leaves_equal_bitwise(p, q)
    assert isinstance(q["head"], tuple) and q["head"][1] is None and q["encoder"][1] == {}
    r = checkpoint.load(path, like=p)
    leaves_equal_bitwise(p, r)
    # the file is a plain npz: readable without pickle, with readable names
    with np.load(path, allow_pickle=False) as z:
        assert {"encoder.0.W", "encoder.0.b", "head.0", "scale", "count"} <= set(z.files)


def test_module_round_trip_and_training_state(tmp_path):
    m = nn.MLP([4, 5, 3])
    m.init(1)
    checkpoint.save(tmp_path / "m.npz", m)
    fresh = nn.MLP([4, 5, 3])
    fresh.init(2)
    loaded = checkpoint.load(tmp_path / "m.npz", fresh)
    assert fresh.params is loaded
    leaves_equal_bitwise(m.params, fresh.params)
    # optimizer state is a pytree too
    opt = optim.Adam(0.1)
    st = opt.init(m.params)
    _, st = opt.step(m.params, tg.tree_map(np.ones_like, m.params), st)
    checkpoint.save(tmp_path / "opt.npz", st)
    leaves_equal_bitwise(st, checkpoint.load(tmp_path / "opt.npz", like=st))


def snapshot(m):
    return [np.array(a, copy=True) for a in m.parameters()], m.params


def assert_untouched(m, snap):
    values, obj = snap
    assert m.params is obj
    for a, b in zip(m.parameters(), values):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("kind", ["truncated", "flipped", "garbage", "empty", "npy", "other_npz",
                                  "pickled"])
def test_bad_files_fail_cleanly_and_model_is_untouched(tmp_path, kind):
    m = nn.MLP([4, 5, 3])
    m.init(0)
    good = tmp_path / "good.npz"
    checkpoint.save(good, nn.MLP([4, 5, 3]).init(9))
    raw = good.read_bytes()
    bad = tmp_path / "bad.npz"
    if kind == "truncated":
        bad.write_bytes(raw[: len(raw) // 2])
    elif kind == "flipped":
        data = bytearray(raw)
        data[len(data) // 3] ^= 0xFF
        bad.write_bytes(bytes(data))
    elif kind == "garbage":
        bad.write_bytes(b"not a checkpoint at all" * 10)
    elif kind == "empty":
        bad.write_bytes(b"")
    elif kind == "npy":
        bad = tmp_path / "bad.npy"
        np.save(bad, np.zeros(3))
    elif kind == "other_npz":
        np.savez(bad, W=np.zeros(3))
    elif kind == "pickled":
        np.savez(bad, obj=np.array([{"a": 1}], dtype=object))
    snap = snapshot(m)
    with pytest.raises(CheckpointError, match=str(bad.name)):
        checkpoint.load(bad, m)
    assert_untouched(m, snap)


@pytest.mark.parametrize("other, pattern", [
    (nn.MLP([4, 6, 3]), r"'0\.W': checkpoint shape \(4, 6\), model expects \(4, 5\)"),
    (nn.MLP([4, 5, 5, 3]), r"unexpected parameters \['2\.W', '2\.b'\]"),
    (nn.MLP([4, 5, 3], bias=False), r"missing parameters \['0\.b', '1\.b'\]"),
])
def test_mismatched_names_and_shapes(tmp_path, other, pattern):
    other.init(0)
    checkpoint.save(tmp_path / "o.npz", other)
    m = nn.MLP([4, 5, 3])
    m.init(0)
    snap = snapshot(m)
    with pytest.raises(CheckpointError, match=pattern):
        checkpoint.load(tmp_path / "o.npz", m)
    assert_untouched(m, snap)


def test_missing_names_and_dtype_mismatch(tmp_path):
    checkpoint.save(tmp_path / "a.npz", {"W": np.ones((2, 2))})
    with pytest.raises(CheckpointError, match=r"missing parameters \['b'\]"):
        checkpoint.load(tmp_path / "a.npz", like={"W": np.ones((2, 2)), "b": np.ones(2)})
    with pytest.raises(CheckpointError, match="'W': checkpoint dtype float64, model expects float32"):
        checkpoint.load(tmp_path / "a.npz", like={"W": np.ones((2, 2), np.float32)})
    with pytest.raises(FileNotFoundError, match="does not exist"):
        checkpoint.load(tmp_path / "nope.npz")


def test_interrupted_save_keeps_the_old_checkpoint(tmp_path, monkeypatch):
    path = tmp_path / "ck.npz"
    old = {"W": np.arange(4.0)}
    checkpoint.save(path, old)
    before = path.read_bytes()

    def crash(file, **arrays):  # write half a file, then die
        file.write(b"PK\x03\x04 partial")
        raise KeyboardInterrupt
    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        checkpoint.save(path, {"W": np.zeros(4)})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ck.npz"]  # no temp file left behind
    np.testing.assert_array_equal(checkpoint.load(path)["W"], np.arange(4.0))

    def failing_replace(src, dst):
        raise OSError("disk went away")
    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(OSError, match="disk went away"):
        checkpoint.save(path, {"W": np.zeros(4)})
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["ck.npz"]


def test_save_rejects_unsaveable_trees(tmp_path):
    with pytest.raises(TypeError, match="dtype object"):
        checkpoint.save(tmp_path / "x.npz", {"a": np.array([None])})
    with pytest.raises(TypeError, match="contains '.'"):
        checkpoint.save(tmp_path / "x.npz", {"a.b": np.ones(1)})
    assert not (tmp_path / "x.npz").exists()


def test_written_file_is_a_valid_zip(tmp_path):
    checkpoint.save(tmp_path / "v.npz", sample_params())
    with zipfile.ZipFile(tmp_path / "v.npz") as z:
        assert z.testzip() is None


def test_namedtuples_and_registered_pytree_nodes_round_trip(tmp_path):
    # both were described as leaves and refused ("dtype object" / structure mismatch)
    import collections
    import dataclasses

    @dataclasses.dataclass
    class Block:
        w: object
        b: object
    tg.tree_util.register_dataclass(Block)
    Pair = collections.namedtuple("Pair", "a b")
    params = {"block": Block(np.ones(2), np.zeros(3)), "more": [Block(np.full(2, 2.0), np.ones(1))],
              "pair": Pair(np.ones(1), np.arange(2.0))}
    path = tmp_path / "params.npz"
    tg.checkpoint.save(path, params)
    back = tg.checkpoint.load(path, like=params)
    assert type(back["block"]) is Block and type(back["pair"]) is Pair
    for a, b in zip(tg.tree_leaves(back), tg.tree_leaves(params)):
        np.testing.assert_array_equal(a, b)
    plain = tg.checkpoint.load(path)  # without a template: nodes come back as tuples
    np.testing.assert_array_equal(plain["more"][0][0], [2.0, 2.0])


def test_deeply_nested_or_non_numeric_stored_trees_are_refused(tmp_path):
    deep = tmp_path / "deep.npz"
    np.savez(deep, __tensorgrad_checkpoint__=np.array("1"),
             __tree__=np.array('{"list":[' * 5000 + ']}' * 5000))
    with pytest.raises(CheckpointError, match="corrupted"):
        checkpoint.load(str(deep))
    strings = tmp_path / "str.npz"
    np.savez(strings, W=np.array(["a", "b"]), __tensorgrad_checkpoint__=np.array("1"),
             __tree__=np.array('{"dict": {"W": null}}'))
    with pytest.raises(CheckpointError, match="numeric"):
        checkpoint.load(str(strings))


def test_a_missing_entry_is_named_in_the_refusal(tmp_path):
    # the message named the version entry whenever either entry was missing, and then listed
    # that very entry among the file's contents
    params = {"W": np.ones(2)}
    for drop, kept in (("__tree__", "__tensorgrad_checkpoint__"), ("__tensorgrad_checkpoint__", "__tree__")):
        checkpoint.save(tmp_path / "c.npz", params)
        with np.load(tmp_path / "c.npz") as z:
            entries = {k: z[k] for k in z.files if k != drop}
        np.savez(tmp_path / "bad.npz", **entries)
        with pytest.raises(CheckpointError, match=f"no '{drop}' entry") as info:
            checkpoint.load(tmp_path / "bad.npz", like=params)
        assert f"'{kept}' entry" not in str(info.value)


def test_load_like_an_imperative_model_keeps_its_tensors(tmp_path):
    # before: load(path, like=model) put plain arrays in place of the model's tensors, so a
    # PyTorch-form optimizer held tensors the model no longer used, and backward() failed
    rng = np.random.default_rng(11)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, 6)
    m = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.Tanh(), tg.nn.Linear(4, 2))
    m.init(0)
    saved = [np.array(v) for v in m.parameters()]
    checkpoint.save(tmp_path / "m.npz", m)
    m.requires_grad_()
    opt = tg.optim.SGD(m.parameters(), lr=0.5)
    with tg.no_grad():
        for p in m.parameters():
            p += 1.0
    checkpoint.load(tmp_path / "m.npz", like=m)
    held = opt.param_groups[0]["params"]
    assert all(a is b for a, b in zip(held, m.parameters()))
    for p, s in zip(m.parameters(), saved):
        np.testing.assert_array_equal(p.detach().numpy(), s)
    opt.zero_grad()
    tg.nn.cross_entropy(m(X), y).backward()
    opt.step()
    assert not np.array_equal(m.parameters()[0].detach().numpy(), saved[0])


def test_a_file_that_is_not_an_archive_gets_no_advice_to_unpickle_it(tmp_path):
    bad = tmp_path / "bad.npz"
    bad.write_text("garbage")
    with pytest.raises(CheckpointError, match="not an .npz archive of arrays") as info:
        checkpoint.load(str(bad))
    assert "pickle" not in str(info.value)


def test_saving_a_state_dict_names_the_calls_that_work(tmp_path):
    model = tg.nn.Sequential(tg.nn.Linear(2, 3))
    with pytest.raises(TypeError, match=r"tg\.checkpoint\.save\(path, model\).*tg\.save\(model\.state_dict\(\), path\)"):
        tg.checkpoint.save(str(tmp_path / "m.npz"), model.state_dict())
