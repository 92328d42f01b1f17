"""The commands of docs/scaling_out.md, run as written: two processes on one machine, then
eight devices in one process, each compared with the same training on NumPy.

The device count has to be set before JAX starts, so these run in fresh processes: one
for the eight devices, one pair for the two processes. The NumPy reference runs here,
through the same command-line entry point with ``--backend numpy``.
"""
from __future__ import annotations

import gc
import json
import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

import jax
import numpy as np
import pytest

from tensorgrad import distributed
from tensorgrad.cli import main


ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "scaling_out.md"
BASH = re.compile(r"^```bash\n(.*?)^```\s*$", re.S | re.M)
# a fresh interpreter that checks `import tensorgrad` leaves JAX alone, then runs the command
ENTRY = ("import sys, tensorgrad; assert 'jax' not in sys.modules, 'import tensorgrad imported jax'; "
         "from tensorgrad.cli import main; sys.exit(main(sys.argv[1:]))")


def _commands(marker: str) -> list[list[str]]:
    """The tensorgrad commands of the page's bash block that starts with ``# marker``."""
    for block in BASH.findall(PAGE.read_text(encoding="utf-8")):
        if block.startswith(f"# {marker}\n"):
            return [shlex.split(line.rstrip(" &"))[1:] for line in block.splitlines()
                    if line.startswith("tensorgrad ")]
    raise AssertionError(f"docs/scaling_out.md has no bash block starting with '# {marker}'")


def _env() -> dict:
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["JAX_PLATFORMS"] = "cpu"
    return env


def _numpy_reference(args: list[str], tmp: Path) -> tuple[dict, dict]:
    """The same training on NumPy (in this process): its history and parameters."""
    drop = {"--backend", "--devices", "--num-processes", "--process-id", "--coordinator",
            "--checkpoint", "--history"}
    keep, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in drop:
            skip = True
        else:
            keep.append(a)
    keep += ["--backend", "numpy", "--checkpoint", str(tmp / "ref.npz"),
             "--history", str(tmp / "ref.json")]
    assert main(keep) == 0
    return _results(tmp / "ref.json", tmp / "ref.npz")


def _results(history: Path, ckpt: Path) -> tuple[dict, dict]:
    with np.load(ckpt) as z:
        params = {k: z[k] for k in z.files if not k.startswith("__")}
    return json.loads(history.read_text()), params


def _same_training(got, want):
    (hist, params), (ref_hist, ref_params) = got, want
    assert len(hist["step_loss"]) == len(ref_hist["step_loss"]) > 5
    # the loss curve of the NumPy backend, step by step
    assert np.max(np.abs(np.subtract(hist["step_loss"], ref_hist["step_loss"]))) < 1e-8
    assert np.max(np.abs(np.subtract(hist["val_loss"], ref_hist["val_loss"]))) < 1e-8
    assert hist["accuracy"] == ref_hist["accuracy"]
    assert params.keys() == ref_params.keys()
    for k in params:
        assert np.max(np.abs(params[k] - ref_params[k])) < 1e-10, k


def test_two_processes_then_eight_devices_match_numpy(tmp_path):
    # one test, so that one worker runs them one after the other: the eight-device process
    # and the pair of processes, each a JAX of its own, would otherwise add up beside the
    # other worker's tests (xdist's group mark does not keep them apart under this suite's
    # own scheduling). The pair first, while this worker holds the least (the NumPy
    # references run here, after each): the pair beside the other worker is the run's peak
    gc.collect()
    _two_processes(tmp_path / "two")
    _eight_devices(tmp_path / "eight")


def _eight_devices(tmp_path):
    tmp_path.mkdir()
    (args,) = _commands("eight devices in one process")
    assert "--devices" in args and args[args.index("--devices") + 1] == "8"
    proc = subprocess.run([sys.executable, "-c", ENTRY, *args], cwd=tmp_path, env=_env(),
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "backend jax: 8 cpu devices, each batch split across them" in proc.stdout
    got = _results(tmp_path / "eight.json", tmp_path / "eight.npz")
    _same_training(got, _numpy_reference(args, tmp_path))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _two_processes(tmp_path):
    tmp_path.mkdir()
    commands = _commands("two processes on one machine")
    assert len(commands) == 2
    port = str(_free_port())
    procs = []
    try:
        for args in commands:
            args = [a.replace("127.0.0.1:1234", f"127.0.0.1:{port}") for a in args]
            procs.append(subprocess.Popen([sys.executable, "-c", ENTRY, *args], cwd=tmp_path,
                                          env=_env(), stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
        deadline = time.monotonic() + 300
        while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
            if any(p.poll() not in (None, 0) for p in procs):
                break  # one failed: the other would wait for it at the rendezvous
            time.sleep(0.2)
        for p in procs:
            if p.poll() is None:
                p.kill()
        outs = [p.communicate() for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err[-3000:]
    lead = outs[1][0]  # the second command is process 0: it reports
    assert "backend jax: 2 cpu devices in 2 processes" in lead
    assert "training mlp" in lead and "training" not in outs[0][0]  # process 1 trains silently
    got = _results(tmp_path / "two.json", tmp_path / "two.npz")
    _same_training(got, _numpy_reference(commands[1], tmp_path))


def test_scaling_options_are_checked_before_jax_starts(capsys):
    for args, message in [
            (["--devices", "2"], "--devices: only with --backend jax"),
            (["--backend", "jax", "--num-processes", "2"],
             "needs --num-processes, --process-id and --coordinator"),
            (["--backend", "jax", "--num-processes", "2", "--process-id", "2", "--coordinator",
              "127.0.0.1:1"], "--process-id must be in 0..1"),
            (["--backend", "jax", "--model", "perceptron"], "the perceptron runs on NumPy")]:
        with pytest.raises(SystemExit) as e:
            main(["train", "--data", "four", *args])
        assert e.value.code == 2
        assert message in capsys.readouterr().err
    jax.devices()  # JAX has started here: asking for more devices now is a clear error
    with pytest.raises(RuntimeError, match="64 devices were asked for, but JAX has already started"):
        distributed.setup(devices=64)
    with pytest.raises(ValueError, match="needs num_processes, process_id and coordinator"):
        distributed.setup(num_processes=2)
