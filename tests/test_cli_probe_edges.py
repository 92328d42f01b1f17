"""The command line and the training helpers where a new user's probe found them wrong: the
data split following --seed (a resumed run tested on training data), the confusion matrix of
±1 labels, the perceptron on NaN data or diverging, saving into a missing folder, malformed
--coordinator / --devices, check of a function that is NaN at its inputs, bench --sizes."""
import re

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import checkpoint, cli, perceptron, viz


def run(capsys, monkeypatch, cwd, *args):
    monkeypatch.chdir(cwd)
    try:
        status = cli.main(list(args))
    except SystemExit as e:
        status = e.code
    out = capsys.readouterr()
    return status or 0, out.out, out.err


def _accuracy(text: str) -> str:
    return re.search(r"test loss ([\d.]+), test accuracy ([\d.]+%)", text).groups()


def test_a_resumed_run_with_another_seed_tests_on_the_same_held_out_examples(tmp_path, capsys,
                                                                            monkeypatch):
    ck = str(tmp_path / "w.npz")
    common = ("train", "--data", "moons", "--hidden", "8", "--no-progress", "--checkpoint", ck)
    status, out, err = run(capsys, monkeypatch, tmp_path, *common, "--epochs", "2")
    assert status == 0, err
    trained = _accuracy(out)
    for seed in ("0", "1", "7"):  # no training: the saved model on the same test set
        status, out, err = run(capsys, monkeypatch, tmp_path, *common, "--epochs", "0", "--resume",
                               "--seed", seed)
        assert status == 0, err
        assert _accuracy(out) == trained
    status, out, _ = run(capsys, monkeypatch, tmp_path, *common, "--epochs", "0", "--resume",
                         "--data-seed", "1")
    assert status == 0 and _accuracy(out) != trained  # (another sample of the moons)


def test_confusion_matrix_reads_the_books_plus_minus_one_labels():
    np.testing.assert_array_equal(viz.confusion_matrix([-1, -1, 1, 1], [-1, 1, 1, 1]), [[1, 1], [0, 2]])
    np.testing.assert_array_equal(viz.confusion_matrix([0, 1, 2], [0, 2, 2]),
                                  [[1, 0, 0], [0, 0, 1], [0, 0, 1]])
    with pytest.raises(ValueError, match="class ids"):
        viz.confusion_matrix([-2, 1], [1, 1])
    with pytest.raises(ValueError, match="beyond the 2 classes"):
        viz.confusion_matrix([0, 3], [0, 1], classes=2)


def test_the_perceptron_refuses_nan_data_and_reports_an_overflow():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 3.0]])
    y = np.array([0, 0, 1, 1])
    assert perceptron.fit_perceptron(X, y).converged
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN or infinite"):
        perceptron.fit_perceptron(bad, y)
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        perceptron.fit_perceptron(X, y, lr=float("inf"))
    with pytest.raises(FloatingPointError, match="overflowed"):
        perceptron.fit_perceptron(X * 1e300, y, lr=1e308)


def test_train_perceptron_with_a_huge_rate_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    status, out, err = run(capsys, monkeypatch, tmp_path, "train", "--model", "perceptron", "--data",
                           "blobs", "--lr", "1e308", "--epochs", "3", "--no-progress")
    assert status == 1 and "overflowed" in err and "Traceback" not in err


def test_saving_into_a_missing_folder_is_an_error_as_numpy_and_pytorch(tmp_path):
    target = tmp_path / "no" / "such" / "w.npz"
    with pytest.raises(FileNotFoundError, match="does not exist"):
        checkpoint.save(target, {"w": np.ones(2)})
    with pytest.raises(FileNotFoundError, match="does not exist"):
        tg.save({"w": np.ones(2)}, target)
    assert not (tmp_path / "no").exists()
    checkpoint.save(tmp_path / "w.npz", {"w": np.ones(2)})  # an existing folder: saved


@pytest.mark.parametrize("args, message", [
    (("--coordinator", "host:notaport"), "HOST:PORT"),
    (("--coordinator", ":80"), "HOST:PORT"),
    (("--devices", "100000"), "1..4096"),
])
def test_malformed_multi_process_options_are_usage_errors(tmp_path, capsys, monkeypatch, args, message):
    status, _, err = run(capsys, monkeypatch, tmp_path, "train", "--backend", "jax", *args)
    assert status == 2 and message in err


def test_check_of_a_function_not_finite_at_its_inputs_says_so(tmp_path, capsys, monkeypatch):
    (tmp_path / "f.py").write_text("import tensorgrad as tg\n"
                                   "def f(x):\n    return tg.sum(tg.sqrt(x - 10.0))\n")
    with np.errstate(invalid="ignore"):
        status, out, _ = run(capsys, monkeypatch, tmp_path, "check", "f.py:f", "--shape", "3")
    assert status == 1
    assert "holds NaN or infinite entries" in out and "NOT CHECKED" in out and "MISMATCH" not in out


def test_small_argument_errors(tmp_path, capsys, monkeypatch):
    status, _, err = run(capsys, monkeypatch, tmp_path, "bench", "--quick", "--sizes", "a")
    assert status == 2 and "comma-separated integers" in err
    with pytest.raises(ValueError, match="batch_size"):
        tg.data.batches(np.ones((4, 2)), np.ones(4), batch_size=True)
    status, out, _ = run(capsys, monkeypatch, tmp_path, "train", "--data", "moons", "--epochs", "1",
                         "--hidden", "4", "--no-progress")
    assert status == 0 and ", 1 epoch," in out


def test_second_recheck_perceptron_scores_check_function_nan_elsewhere_and_label_types():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 3.0]])
    y = np.array([0, 0, 1, 1])
    with pytest.raises(FloatingPointError, match="score of an example overflowed"):
        perceptron.fit_perceptron(X * 1e300, y, lr=10)  # (finite weights, an infinite score)
    # a NaN only in an argument that is not differentiated (and removed by the function): checked
    f = lambda v, m: tg.sum(tg.tanh(v) * tg.nan_to_num(m))  # noqa: E731
    args = (np.array([0.1, 0.2, 0.3]), np.array([np.nan, 1.0, 1.0]))
    assert cli.check_function(f, args, 0, use_jax=False, say=lambda *a: None) is True
    assert cli.check_function(f, args, 1, use_jax=False, say=lambda *a: None) is None
    with pytest.raises(ValueError, match="whole numbers"):
        viz.confusion_matrix([0.7, 1.2], [0.2, 0.9])
    with pytest.raises(ValueError, match="at least 1"):
        viz.confusion_matrix([0, 1], [0, 1], classes=0)
    np.testing.assert_array_equal(viz.confusion_matrix([0.0, 1.0], [1.0, 1.0]), [[0, 1], [0, 1]])
