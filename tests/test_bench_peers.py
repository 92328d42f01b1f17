"""Smoke test of the peers benchmark: it runs, checks its own results and reports them.

Speed is never asserted: only the structure of the output and that every
implementation agreed with the hand-written NumPy reference.
"""
import contextlib
import gc
import importlib.util
import io
import json
from pathlib import Path

import pytest

_spec = importlib.util.spec_from_file_location(
    "peers", Path(__file__).resolve().parent.parent / "benchmarks" / "peers.py")
peers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peers)


def test_quick_run_writes_table_and_json(tmp_path, capsys):
    # the benchmark calls gc.collect() before every timed sample; in a test process that
    # holds JAX and every test's objects each call takes a fraction of a second, so the
    # objects that exist now are frozen (left out of collections) while it runs
    gc.freeze()
    try:
        assert peers.main(["--quick", "--out", str(tmp_path), "--repeats", "1"]) == 0
    finally:
        gc.unfreeze()
    table = capsys.readouterr().out
    assert "| workload | reference | tensorgrad (eager) | tg.jit |" in table
    assert "Peak memory of the large MLP step" in table
    assert "Scaling" in table
    data = json.loads((tmp_path / "peers.json").read_text())
    keys = set(data["workloads"])
    assert {"per-op", "mlp-small", "mlp-large"} <= keys
    assert any(k.startswith("jac-") for k in keys)
    for key, w in data["workloads"].items():
        for name in ("numpy", "tensorgrad", "tg-jit"):
            r = w["results"][name]
            assert r["ok"], (key, name, r)  # agreed with the NumPy reference
            assert r["seconds"] > 0 and r["ratio"] > 0
    assert data["memory"]["numpy"] > 0 and data["memory"]["tensorgrad"] > 0
    rows = data["scaling"]["rows"]
    assert rows and all(r["ops"] > 0 and r["record"] > 0 and r["sweep"] > 0 for r in rows)
    # the op count follows the depth of the chain exactly
    chain = [r for r in rows if r["workload"] == "per-op chain" and r["width"] == 8]
    assert all(r["ops"] == r["depth"] for r in chain)


def test_markdown_marks_targets():
    fake = {"workloads": {"per-op": {"title": "t", "results": {
        "numpy": {"ok": True, "seconds": 1.0, "ratio": 1.0},
        "tensorgrad": {"ok": True, "seconds": 2.0, "ratio": 2.0},
        "torch": {"ok": False, "error": "x"}}}},
        "meta": {"date": "d", "machine": "m", "versions": {}, "blas": [], "repeats": 1}}
    md = peers.markdown(fake)
    assert "2.00×" in md and "| yes / — |" in md and "failed" in md
    fake["workloads"]["per-op"]["results"]["tg-jit"] = {"ok": True, "seconds": 1.6, "ratio": 1.6}
    assert "| yes / no |" in peers.markdown(fake)  # tg.jit's target is 1.5×


def test_quick_runs_never_write_the_recorded_results(capsys):
    with pytest.raises(SystemExit):
        peers.main(["--quick", "--out", peers.RESULTS])
    with pytest.raises(SystemExit):
        peers.main(["--quick", "--update-docs"])
    shown = _help(peers.main)
    assert "never to the recorded results" in shown and "temporary directory" in shown
    from tensorgrad import bench
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--out", "benchmarks/results"], results_dir="benchmarks/results")
    with pytest.raises(SystemExit):
        bench.main(["--quick", "--update-docs"])
    assert "never to the recorded results" in _help(bench.main)


def _help(main) -> str:
    out = io.StringIO()
    with pytest.raises(SystemExit), contextlib.redirect_stdout(out):
        main(["--help"])
    return " ".join(out.getvalue().split())
