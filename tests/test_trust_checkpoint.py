"""Checkpoint names are injective, and a failed save leaves no temporary file.

Reproduction: keys that flatten to one name (``{"": {"a": a1}, "a": a2}``)
silently lost an array.
"""
from __future__ import annotations

import gc
import json
import os
import signal
import warnings

import numpy as np
import pytest

from tensorgrad import checkpoint


def test_a_name_collision_is_refused_at_save(tmp_path):
    path = tmp_path / "c.npz"
    with pytest.raises(ValueError, match="under the name 'a'"):
        checkpoint.save(path, {"": {"a": np.ones(2)}, "a": np.zeros(3)})
    with pytest.raises(ValueError, match="under the name '0'"):
        checkpoint.save(path, {"": [np.ones(2)], "0": np.zeros(3)})
    assert os.listdir(tmp_path) == []
    # distinct names still round-trip, including an empty key that collides with nothing
    tree = {"": {"w": np.ones(2)}, "b": [np.zeros(3), np.arange(2.0)]}
    back = checkpoint.load(checkpoint.save(path, tree))
    np.testing.assert_array_equal(back[""]["w"], np.ones(2))
    np.testing.assert_array_equal(back["b"][1], np.arange(2.0))


@pytest.mark.parametrize("fail_at", ["savez", "fsync", "replace"])
@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_an_interrupted_save_leaves_no_temporary_file(tmp_path, monkeypatch, fail_at, error):
    path = tmp_path / "model.npz"
    checkpoint.save(path, {"w": np.ones(3)})  # an older checkpoint that must survive

    def boom(*a, **k):
        raise error
    target = {"savez": (np, "savez"), "fsync": (os, "fsync"), "replace": (os, "replace")}[fail_at]
    monkeypatch.setattr(*target, boom)
    with pytest.raises(type(error)):
        checkpoint.save(path, {"w": np.zeros(3)})
    monkeypatch.undo()
    assert sorted(os.listdir(tmp_path)) == ["model.npz"]
    np.testing.assert_array_equal(checkpoint.load(path)["w"], np.ones(3))


@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_interrupts_at_random_moments_leave_no_temporary_file(tmp_path):
    # (interrupting the standard library at random points leaves file objects
    # for the garbage collector to close: those warnings are expected here)
    # an interrupt may land anywhere, also just after the temporary file was created
    assert hasattr(signal, "setitimer"), "this test needs signal.setitimer (POSIX)"
    path = tmp_path / "m.npz"
    tree = {"w": np.ones((20, 20)), "b": np.zeros(20)}
    checkpoint.save(path, tree)

    def interrupt(*_):
        raise KeyboardInterrupt
    previous = signal.signal(signal.SIGALRM, interrupt)
    rng = np.random.default_rng(0)
    try:
        for _ in range(150):
            try:
                try:
                    signal.setitimer(signal.ITIMER_REAL, float(rng.uniform(0, 0.002)))
                    checkpoint.save(path, tree)
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
            except BaseException:  # the interrupt (zipfile may turn it into a ValueError)
                pass
    finally:
        signal.signal(signal.SIGALRM, previous)
    assert sorted(os.listdir(tmp_path)) == ["m.npz"]
    np.testing.assert_array_equal(checkpoint.load(path)["w"], tree["w"])


def test_loading_a_corrupted_file_closes_it(tmp_path):
    path = tmp_path / "bad.npz"
    checkpoint.save(path, {"w": np.arange(4.0)})
    path.write_bytes(path.read_bytes()[:20])  # truncated
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(checkpoint.CheckpointError, match="truncated or corrupted"):
            checkpoint.load(path)
        gc.collect()
    assert not [w for w in seen if issubclass(w.category, ResourceWarning)]


def test_a_malformed_structure_is_a_checkpoint_error(tmp_path):
    # a well-formed archive whose stored tree names a node kind that does not exist
    for tree in ({"dict": {"a": {"weird": 1}}}, {"custom": [None]}):
        path = tmp_path / "bad.npz"
        np.savez(path, a=np.ones(2), __tensorgrad_checkpoint__=np.array("1"),
                 __tree__=np.array(json.dumps(tree)))
        with pytest.raises(checkpoint.CheckpointError, match="the stored structure is corrupted"):
            checkpoint.load(str(path))
