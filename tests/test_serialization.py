"""tg.save / tg.load: NumPy's np.save(file, arr) / np.load, and PyTorch's torch.save(obj, f) /
torch.load(f) for a model's and an optimizer's state dicts (the saving tutorial's workflow)."""
import collections
import io
import os
import pickle
import zipfile

import numpy as np
import pytest

import tensorgrad as tg


def _model():
    m = tg.nn.Sequential(tg.nn.Linear(3, 4), tg.nn.ReLU(), tg.nn.Linear(4, 1))
    m.init(0)
    m.requires_grad_()
    return m


def test_pytorchs_save_and_load_of_state_dicts_resume_training(tmp_path):
    x, y = np.random.default_rng(0).normal(size=(8, 3)), np.ones((8, 1))
    m = _model()
    opt = tg.optim.Adam(m.parameters(), lr=0.05)

    def step(model, optimizer):
        optimizer.zero_grad()
        loss = tg.nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    step(m, opt)
    path = tmp_path / "checkpoint.pt"
    tg.save({"epoch": 1, "loss": 0.5, "model_state_dict": m.state_dict(),
             "optimizer_state_dict": opt.state_dict(), "note": "tutorial", "t": tg.tensor([1.0]),
             "w": tg.tensor([2.0], requires_grad=True)}, path)
    want = [step(m, opt) for _ in range(3)]

    ck = tg.load(path)
    assert ck["epoch"] == 1 and ck["note"] == "tutorial" and isinstance(ck["t"], tg.Tensor)
    assert ck["w"].requires_grad and ck["w"].is_leaf
    m2 = _model()
    m2.load_state_dict(ck["model_state_dict"])
    opt2 = tg.optim.Adam(m2.parameters(), lr=0.05)
    opt2.load_state_dict(ck["optimizer_state_dict"])
    assert [step(m2, opt2) for _ in range(3)] == want           # resumed exactly

    buf = io.BytesIO()                                            # a file object, keywords
    tg.save(obj=m.state_dict(), f=buf)
    buf.seek(0)
    sd = tg.load(buf, map_location="cpu")
    for k, v in m.state_dict().items():
        np.testing.assert_array_equal(sd[k], v)


def test_numpys_form_stays_and_weights_only_refuses_code(tmp_path):
    a = np.arange(6.0).reshape(2, 3)
    tg.save(tmp_path / "a.npy", a)                               # NumPy's order: file first
    np.testing.assert_array_equal(tg.load(tmp_path / "a.npy"), a)
    np.save(tmp_path / "d.npy", {"a": 1})                         # pickled by NumPy: refused
    with pytest.raises(ValueError, match="allow_pickle"):
        tg.load(tmp_path / "d.npy")

    class Boom:
        def __reduce__(self):
            return (print, ("ran code",))

    tg.save(Boom(), tmp_path / "boom.pt")
    with pytest.raises(pickle.UnpicklingError, match="weights_only=True"):
        tg.load(tmp_path / "boom.pt")
    assert tg.load(tmp_path / "boom.pt", weights_only=False) is None  # (a file you trust)
    # a scheduler's state (MultiStepLR keeps its milestones in a Counter) loads with the
    # defaults, as torch.load's weights_only=True allows collections.Counter
    p = tg.tensor(np.ones(2), requires_grad=True)
    sched = tg.optim.lr_scheduler.MultiStepLR(tg.optim.SGD([p], lr=1.0), [2, 4, 4])
    tg.save({"scheduler": sched.state_dict()}, tmp_path / "sched.pt")
    back = tg.load(tmp_path / "sched.pt")["scheduler"]
    assert back == sched.state_dict() and type(back["milestones"]) is collections.Counter


def test_save_of_a_string_in_pytorchs_order_and_a_torch_archive_is_named(tmp_path, monkeypatch):
    # tg.save("hello", "g.pt") took NumPy's order and wrote hello.npy; a torch.save archive
    # (a zip with data.pkl) loaded as NumPy's NpzFile, silently
    monkeypatch.chdir(tmp_path)
    tg.save("hello", "g.pt")
    assert sorted(os.listdir(tmp_path)) == ["g.pt"] and tg.load("g.pt") == "hello"
    tg.save("plain", np.arange(3))  # NumPy's form is unchanged: plain.npy
    np.testing.assert_array_equal(tg.load("plain.npy"), np.arange(3))
    with zipfile.ZipFile(tmp_path / "w.pt", "w") as z:  # the layout of torch.save's archive
        z.writestr("w/data.pkl", b"")
        z.writestr("w/version", b"3\n")
    with pytest.raises(ValueError, match="was written by torch.save"):
        tg.load(str(tmp_path / "w.pt"))
    np.savez(tmp_path / "a.npz", x=np.ones(2))  # an .npz is a zip too, and still NumPy's
    np.testing.assert_array_equal(tg.load(str(tmp_path / "a.npz"))["x"], np.ones(2))


def test_pytorchs_save_is_atomic_and_a_damaged_file_is_named(tmp_path, monkeypatch):
    path = tmp_path / "model.pt"
    tg.save({"w": np.arange(3.0)}, path)
    # an interrupt in the middle of a save leaves the old file whole, and no temporary file
    def interrupted(fd):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tg.save({"w": np.zeros(1000)}, path)
    monkeypatch.undo()
    np.testing.assert_array_equal(tg.load(path)["w"], np.arange(3.0))
    assert os.listdir(tmp_path) == ["model.pt"]
    # a cut-short or empty file: a ValueError naming it (still the pickle or EOF error it was)
    data = path.read_bytes()
    for cut, says in ((data[: len(data) // 2], "truncated or corrupted"), (data[:5], "is truncated"),
                      (b"", "is empty")):
        bad = tmp_path / "bad.pt"
        bad.write_bytes(cut)
        with pytest.raises(ValueError, match=says) as err:
            tg.load(bad)
        assert "bad.pt" in str(err.value)
        assert isinstance(err.value, (pickle.UnpicklingError, EOFError))
