"""The `tensorgrad` command: every subcommand with tiny settings, and bad arguments giving a
usage message and a non-zero exit, never a traceback.

The main job (``demo --quick``), ``--version`` and a usage error run as real processes
(``python -m tensorgrad``: the entry point, exit statuses, output streams); the other
subcommands run the same entry point, ``cli.main``, in this process (a fresh interpreter per
command would cost ~2 s of imports each and test nothing more)."""
import json
import gc
import os
import signal
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest

from tensorgrad import bench, checkpoint, cli, cli_signals

ROOT = Path(__file__).resolve().parents[1]


def run(*args, cwd=None, timeout=300):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-m", "tensorgrad", *args], cwd=cwd, env=env,
                       capture_output=True, text=True, timeout=timeout)
    assert "Traceback" not in p.stderr and "Traceback" not in p.stdout, p.stderr
    return p


def run_here(capsys, *args):
    """``cli.main`` in this process: (exit status, stdout, stderr). An exception other than
    argparse's SystemExit propagates and fails the test (it would be a traceback)."""
    try:
        status = cli.main(list(args))
    except SystemExit as e:
        status = e.code
    out = capsys.readouterr()
    return status, out.out, out.err


def run_in(capsys, monkeypatch, cwd, *args):
    """``cli.main`` in this process from the folder ``cwd``, with a result shaped like
    :func:`run`'s (``returncode``, ``stdout``, ``stderr``)."""
    monkeypatch.chdir(cwd)
    status, out, err = run_here(capsys, *args)
    return types.SimpleNamespace(returncode=status or 0, stdout=out, stderr=err)


def test_demo_quick_trains_crosschecks_sweeps_and_plots(tmp_path):
    out = tmp_path / "demo-out"
    p = run("demo", "--quick", "--out", str(out), cwd=tmp_path)
    assert p.returncode == 0, p.stdout + p.stderr
    text = p.stdout
    assert "test accuracy" in text
    assert "vs JAX" in text and "vs finite differences" in text and "(MISMATCH)" not in text
    assert "tg.grad (VJP sweep)" in text or "vjp" in text.lower()
    assert f"plots saved in {out}" in text
    for name in ("loss_curve.png", "confusion_matrix.png", "sample_predictions.png",
                 "vjp_vs_jacobian_scaling.png"):
        assert (out / name).stat().st_size > 2000
    for name in ("vjp_vs_jacobian.png", "vjp_vs_jacobian.json"):  # the packaged benchmark's, listed
        assert (out / name).stat().st_size > 0 and f"{out / name}\n" in text
    assert "digits:" in p.stderr and "step" in p.stderr   # the tqdm progress bar


def test_demo_default_output_folder(tmp_path, capsys, monkeypatch):
    p = run_in(capsys, monkeypatch, tmp_path, "demo", "--quick", "--epochs", "1", "--no-progress")
    assert p.returncode == 0, p.stderr
    assert (tmp_path / "tensorgrad-demo" / "loss_curve.png").exists()
    assert "digits:" not in p.stderr   # --no-progress: no bar


def test_train_mlp_with_checkpoint_and_resume(tmp_path, capsys, monkeypatch):
    ck = tmp_path / "moons.npz"
    p = run_in(capsys, monkeypatch, tmp_path, "train", "--data", "moons", "--epochs", "3", "--hidden", "16,16", "--optimizer", "nesterov",
            "--schedule", "cosine", "--lr", "0.05", "--checkpoint", str(ck), "--no-progress",
            "--out", str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert "test accuracy" in p.stdout and f"checkpoint saved to {ck}" in p.stdout
    params = checkpoint.load(ck)
    assert params[0]["W"].shape == (2, 16) and params[2]["W"].shape == (16, 2)
    assert (tmp_path / "mlp_moons_history.png").exists()
    p = run_in(capsys, monkeypatch, tmp_path, "train", "--data", "moons", "--epochs", "1", "--hidden", "16,16", "--checkpoint", str(ck),
            "--resume", "--no-progress")
    assert p.returncode == 0 and "resumed from" in p.stdout, p.stderr
    # a checkpoint for another architecture: a clean one-line error, exit 1
    p = run_in(capsys, monkeypatch, tmp_path, "train", "--data", "moons", "--epochs", "1", "--hidden", "8", "--checkpoint", str(ck),
            "--resume", "--no-progress")
    assert p.returncode == 1
    assert "tensorgrad train: error:" in p.stderr and "does not match the model" in p.stderr
    ck.write_bytes(ck.read_bytes()[:100])
    p = run_in(capsys, monkeypatch, tmp_path, "train", "--data", "moons", "--hidden", "16,16", "--checkpoint", str(ck), "--resume",
            "--no-progress")
    assert p.returncode == 1 and "truncated or corrupted" in p.stderr


def test_train_cnn_on_digits(tmp_path, capsys, monkeypatch):
    p = run_in(capsys, monkeypatch, tmp_path, "train", "--model", "cnn", "--data", "digits", "--epochs", "1", "--limit", "200",
            "--batch-size", "50", "--no-progress")
    assert p.returncode == 0, p.stderr
    assert "training cnn" in p.stdout and "test accuracy" in p.stdout


def test_a_diverging_run_is_one_line_without_numpys_warnings(tmp_path, capsys, monkeypatch):
    # the plan's overflow warnings were printed before fit's own error (and, as errors, would
    # have replaced it)
    p = run_in(capsys, monkeypatch, tmp_path, "train", "--lr", "1e300", "--epochs", "1", "--limit", "200",
               "--no-progress")
    assert p.returncode == 1
    assert p.stderr.strip() == "tensorgrad train: error: fit: the loss became nan at epoch 1; lower the learning rate"


def test_train_perceptron(tmp_path, capsys, monkeypatch):
    p = run_in(capsys, monkeypatch, tmp_path, "train", "--model", "perceptron", "--data", "blobs", "--epochs", "50", "--out", str(tmp_path),
            "--checkpoint", str(tmp_path / "w.npz"), "--history", str(tmp_path / "h.json"))
    assert p.returncode == 0, p.stderr
    assert "converged after" in p.stdout and "mistakes per epoch" in p.stdout
    hist = json.loads((tmp_path / "h.json").read_text())  # --history: the mistakes of each epoch
    assert hist["converged"] and len(hist["mistakes"]) == hist["epochs"] and hist["mistakes"][-1] == 0
    assert f"mistakes per epoch: {hist['mistakes']}" in p.stdout
    assert (tmp_path / "perceptron.png").exists()
    assert set(checkpoint.load(tmp_path / "w.npz")) == {"w", "b"}


def test_check_named_ops_and_list(tmp_path, capsys, monkeypatch):
    p = run_in(capsys, monkeypatch, tmp_path, "check", "tanh", "softmax", "--quiet")
    assert p.returncode == 0, p.stderr
    assert "vjp/jax" in p.stdout and "2 ops checked, 0 with problems" in p.stdout
    lines = [l for l in p.stdout.splitlines() if l.startswith(("tanh ", "softmax "))]
    assert len(lines) == 2 and all(l.endswith("ok") for l in lines)
    p = run_in(capsys, monkeypatch, tmp_path, "check", "--list")
    assert p.returncode == 0 and "matmul" in p.stdout and "conv2d" in p.stdout


def test_bench_runs_the_packaged_benchmark(tmp_path, capsys, monkeypatch):
    p = run_in(capsys, monkeypatch, tmp_path, "bench", "jacobian", "--quick", "--out", str(tmp_path / "b"))
    assert p.returncode == 0, p.stderr
    json.loads((tmp_path / "b" / "vjp_vs_jacobian.json").read_text())


@pytest.mark.parametrize("args, message", [
    (["--depth", "0"], "--depth must be at least 1, got 0"),
    (["--sizes", "16,0"], "--sizes must be at least 1, got 0"),
    (["--repeats", "0"], "--repeats must be at least 1, got 0"),  # (it became 3, silently)
    (["--threads", "-1"], "--threads must be at least 0, got -1"),  # (0: no cap)
    (["--elementwise-n", "-5"], "--elementwise-n must be at least 1, got -5"),
])
def test_bench_refuses_bad_values_before_it_runs(args, message, capsys):
    # they were internal errors (exit 1, some after the whole sweep) or silently changed
    assert cli.main(["bench", "--quick", *args]) == 2
    err = capsys.readouterr().err
    assert f"tensorgrad bench jacobian: error: {message}" in err and "N=" not in err


def test_bench_checks_its_folder_first_and_skips_the_plot_without_matplotlib(tmp_path, capsys,
                                                                             monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert cli.main(["bench", "--quick", "--out", str(blocker / "sub")]) == 2  # (after the run: 1)
    err = capsys.readouterr().err
    assert "--out" in err and "cannot create or write it" in err and "N=" not in err
    real = bench.importlib.util.find_spec
    monkeypatch.setattr(bench.importlib.util, "find_spec",
                        lambda name, *a: None if name == "matplotlib" else real(name, *a))
    out = tmp_path / "b"
    assert cli.main(["bench", "--quick", "--sizes", "8", "--elementwise-n", "10", "--out", str(out)]) == 0
    assert "no plot (matplotlib is not installed" in capsys.readouterr().err
    assert (out / "vjp_vs_jacobian.json").exists() and not (out / "vjp_vs_jacobian.png").exists()


def test_bench_dispatches_names_and_options(monkeypatch, capsys):
    seen = {}

    def fake_main(argv=None, prog=None):
        seen["argv"] = argv
        return 0
    monkeypatch.setitem(cli.BENCHMARKS, "jacobian", types.SimpleNamespace(main=fake_main))
    assert cli.main(["bench", "jacobian", "--quick", "--sizes", "8,16"]) == 0
    assert seen["argv"] == ["--quick", "--sizes", "8,16"]
    assert cli.main(["bench", "--quick"]) == 0 and seen["argv"] == ["--quick"]   # jacobian by default
    assert cli.main(["bench", "jacobian", "--help"]) == 0 and seen["argv"] == ["--help"]
    # an option's value is no benchmark name (it was taken for one: "invalid choice: '1'")
    assert cli.main(["bench", "--threads", "1", "--out", "o"]) == 0
    assert seen["argv"] == ["--threads", "1", "--out", "o"]

    def usage_error(argv=None, prog=None):
        raise SystemExit(2)
    monkeypatch.setitem(cli.BENCHMARKS, "jacobian", types.SimpleNamespace(main=usage_error))
    assert cli.main(["bench", "jacobian", "--bogus"]) == 2
    assert cli.main(["bench", "--help"]) == 0
    assert "jacobian" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:   # not in the package: benchmarks/peers.py
        cli.main(["bench", "peers"])
    assert exc.value.code == 2


@pytest.mark.parametrize("args, message", [
    ([], "the following arguments are required"),
    (["frobnicate"], "invalid choice"),
    (["demo", "--bogus"], "unrecognized arguments: --bogus"),
    (["demo", "--epochs", "-2"], "expected an integer ≥ 0"),
    (["train", "--lr", "abc"], "expected a positive number"),
    (["train", "--lr", "-1"], "expected a positive number"),
    (["train", "--batch-size", "0"], "expected a positive integer"),
    (["train", "--hidden", "16,x"], "comma-separated"),
    (["train", "--model", "resnet"], "invalid choice"),
    (["train", "--model", "cnn", "--data", "moons"], "needs image data"),
    (["train", "--model", "perceptron", "--data", "spirals"], "separates two classes"),
    (["train", "--resume"], "--resume needs --checkpoint"),
    (["train", "--model", "perceptron", "--data", "blobs", "--checkpoint", "a_file", "--resume"],
     "the perceptron always starts from zero"),
    (["train", "--checkpoint", "missing.npz", "--resume"], "no such file to --resume from"),
    (["explain", "m.py:f", "--shape", "3", "--plot", "tape.jpgx"], ".jpgx is not an image type"),
    (["check", "missing.py:f", "--shape", "3"], "tensorgrad check: error: no such file"),
    (["train", "--model", "perceptron", "--data", "blobs", "--epochs", "0"], "--epochs ≥ 1"),
    (["train", "--weight-decay", "nan"], "expected a number ≥ 0"),
    (["train", "--weight-decay", "-0.1"], "expected a number ≥ 0"),
    (["check", "tanhh"], "did you mean tanh"),
    (["check", "rot90"], "built on registered ops"),
    (["bench", "nonsense"], "invalid choice"),
    (["demo", "--seed", "-1"], "--seed"),
    (["train", "--seed", "-1"], "--seed"),
    (["check", "f.py:f", "--shape", "x"], "expected a shape like 3,4"),
    (["check", "f.py:f", "--shape", "3,x"], "expected a shape like 3,4"),
    (["check", "f.py:f", "--shape", "3,,4"], "expected a shape like 3,4"),
    # output paths are checked before any work, naming the option
    (["train", "--data", "moons", "--epochs", "50", "--out", "a_file"], "--out a_file: exists and is not a folder"),
    (["train", "--data", "moons", "--epochs", "50", "--checkpoint", "."], "--checkpoint .: is a folder"),
    (["train", "--data", "moons", "--epochs", "50", "--history", "no/such/h.json"], "does not exist"),
    (["demo", "--out", "a_file"], "--out a_file: exists and is not a folder"),
])
def test_bad_arguments_give_usage_and_exit_2(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a_file").write_text("")
    status, out, err = run_here(capsys, *args)
    assert status == 2, (out, err)
    assert "usage: tensorgrad" in err and message in err


@pytest.mark.parametrize("sub", ["demo", "train", "bench", "check"])
def test_every_subcommand_has_help(tmp_path, monkeypatch, capsys, sub):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_here(capsys, sub, "--help")
    assert status == 0 and f"usage: tensorgrad {sub}" in out


def test_top_level_help(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_here(capsys, "--help")
    assert status == 0 and all(s in out for s in ("demo", "train", "bench", "check"))


def test_version_and_a_usage_error_from_the_real_process(tmp_path):
    p = run("--version", cwd=tmp_path)
    assert p.returncode == 0 and p.stdout.startswith("tensorgrad ")
    # a usage error from the real process: exit status 2, the usage line, no traceback
    p = run("train", "--lr", "abc", cwd=tmp_path)
    assert p.returncode == 2 and "usage: tensorgrad train" in p.stderr
    assert "expected a positive number" in p.stderr


def test_an_allocation_that_fails_is_a_one_line_error(tmp_path, capsys, monkeypatch):
    (tmp_path / "fns.py").write_text("import tensorgrad as tg\ndef f(x):\n    return tg.sum(x ** 2)\n")
    monkeypatch.chdir(tmp_path)
    code = cli.main(["check", "fns.py:f", "--shape", "100000000000"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("tensorgrad check: error: ") and "Traceback" not in err


def test_an_error_raised_by_the_users_own_code_keeps_its_type(tmp_path, capsys, monkeypatch):
    (tmp_path / "fns.py").write_text(
        "import tensorgrad as tg\n"
        "def f(x):\n    return tg.sum(x ** 2)\n"
        "def hand(x):\n    raise RuntimeError('boom')\n"
        "def sing(x):\n    return tg.sum(tg.linalg.inv(0 * tg.eye(2))) + tg.sum(x)\n")
    monkeypatch.chdir(tmp_path)
    code = cli.main(["check", "fns.py:f", "--shape", "3", "--hand", "hand", "--no-jax"])
    err = capsys.readouterr().err
    assert code == 1 and err.strip() == "tensorgrad check: error: RuntimeError: boom"
    code = cli.main(["check", "fns.py:sing", "--shape", "3", "--no-jax"])
    err = capsys.readouterr().err  # tensorgrad's own errors read as before, without a type
    assert code == 1 and err.startswith("tensorgrad check: error: inv: the matrix is singular")


def test_empty_list_entries_empty_paths_and_one_file_for_two_outputs_are_usage_errors(tmp_path):
    for args, words in ((["--hidden", "8,,8"], "expected comma-separated integers"),
                        (["--checkpoint", ""], "give a file name"),
                        (["--checkpoint", str(tmp_path / "h.npz"), "--history", str(tmp_path / "h.npz")],
                         "the same file as --checkpoint")):
        with pytest.raises(SystemExit) as info:
            cli.main(["train", "--epochs", "1", "--no-progress", *args])
        assert info.value.code == 2, args


def test_train_adamw_keeps_its_own_weight_decay_unless_given(tmp_path, capsys, monkeypatch):
    import json
    losses = {}
    for name, extra in (("adam", []), ("adamw", []), ("adamw0", ["--weight-decay", "0"])):
        h = tmp_path / f"{name}.json"
        p = run_in(capsys, monkeypatch, tmp_path, "train", "--data", "moons", "--epochs", "1",
                   "--hidden", "8", "--optimizer", name[:5], "--lr", "0.05", "--no-progress",
                   "--history", str(h), *extra)
        assert p.returncode == 0, p.stderr
        losses[name] = json.loads(h.read_text())["step_loss"]
    assert losses["adamw"] != losses["adam"]  # (AdamW's default decay, 0.01, applies)
    assert losses["adamw0"] == losses["adam"]  # (no decay: Adam's steps exactly)


def test_an_interrupt_a_callback_drops_is_raised_again(capsys):
    # Python drops a KeyboardInterrupt raised in a garbage collector's callback (JAX has one):
    # Ctrl-C in `tensorgrad demo` then ran on to the end and exited 0
    def callback(phase, info):
        if phase == "start":
            gc.callbacks.remove(callback)
            raise KeyboardInterrupt
    handler = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt):
        with cli_signals.Interrupts():
            gc.callbacks.append(callback)
            gc.collect()  # (Python drops the callback's interrupt here)
            for _ in range(1000):
                time.sleep(0.005)
    assert callback not in gc.callbacks and "Exception ignored" not in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is handler  # (SIGINT's handler is left as it was)
    with cli_signals.Interrupts():  # an interrupt the code catches itself stays caught
        try:
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            pass
        time.sleep(0.3)


def test_an_interrupted_command_with_jax_loaded_leaves_at_once_with_130():
    # Python's shutdown while XLA's threads ran crashed now and then (SIGSEGV after
    # "interrupted"): the console script ends the process at once, its output flushed
    code = ("import sys, jax, jax.numpy as jnp; from tensorgrad import cli_signals; "
            "jnp.ones(3).block_until_ready(); print('flushed', end=''); cli_signals.leave(130)")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 130 and p.stdout == "flushed"


def test_train_and_demo_say_why_there_is_no_plot_or_success(tmp_path, capsys, monkeypatch):
    p = run_in(capsys, monkeypatch, tmp_path, "train", "--model", "perceptron", "--data", "four",
               "--epochs", "2", "--no-progress", "--out", "plots")
    assert p.returncode == 0 and "no plot: the perceptron's plot draws two features, 'four' has 3" in p.stdout
    p = run_in(capsys, monkeypatch, tmp_path, "train", "--data", "moons", "--epochs", "0",
               "--no-progress", "--out", "plots")
    assert p.returncode == 0 and "no plot: no epoch was trained (--epochs 0)" in p.stdout
    assert cli._demo_status(0.8756, True, False) == 1  # (exit 1 came with no error line)
    assert "tensorgrad demo: error: test accuracy 87.56% is below the 95% target" in capsys.readouterr().err
    assert cli._demo_status(0.74, True, True) == 0 and cli._demo_status(0.97, True, False) == 0
    assert cli._demo_status(0.97, False, False) == 1
    assert "a gradient differs from finite differences" in capsys.readouterr().err


def test_check_names_a_users_file_that_exits_when_imported(tmp_path, capsys, monkeypatch):
    (tmp_path / "ex.py").write_text("import sys\nsys.exit(3)\ndef f(x):\n    return x\n")
    p = run_in(capsys, monkeypatch, tmp_path, "check", "ex.py:f", "--shape", "3")
    assert p.returncode == 1  # (it was 3, with no output)
    assert "running ex.py failed: it called sys.exit(3) when imported" in p.stderr
