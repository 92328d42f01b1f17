"""The docs are tested: every ```python block of every docs page runs here.

Blocks of one page run in order in one shared namespace, so a page reads as
one script. Pages state their numbers with ``assert`` lines, so a page whose
text drifts from the code fails this test. A second test builds the site with
``mkdocs build --strict`` (broken links, missing pages and API-reference
errors fail it), and a third runs ``docs/make_figures.py`` on tiny settings.
"""
from __future__ import annotations

import linecache
import os
import re
import subprocess
import sys
from pathlib import Path

import jax
import matplotlib
import pytest

import tensorgrad as tg

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.glob("*.md"))
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```\s*$", re.S | re.M)


def python_blocks(page: Path) -> list[tuple[int, str]]:
    """(line number, source) of each ```python block of a page."""
    text = page.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(1)) for m in FENCE.finditer(text)]


def test_docs_pages_exist():
    names = {p.name for p in PAGES}
    for required in ("index.md", "getting_started.md", "ch1_hyperplanes.md", "ch2_perceptron.md",
                     "ch3_gradient_descent.md", "ch4_backprop_scalar.md", "ch5_matrix_calculus.md",
                     "ch6_softmax.md", "ch7_numpy_network.md"):
        assert required in names, f"docs/{required} is missing"


def test_collector_finds_blocks():
    # guards the collector itself: a regex that matched nothing would pass every page
    assert sum(len(python_blocks(p)) for p in PAGES) >= 30


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_page_code_runs(page, tmp_path, monkeypatch):
    blocks = python_blocks(page)
    if not blocks:
        # a page without code has nothing to run; that is a pass with nothing checked
        assert page.read_text(encoding="utf-8").strip(), f"{page.name} is empty"
        return
    monkeypatch.chdir(tmp_path)  # a block that writes files writes them here
    registry_before = dict(tg.REGISTRY)
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    try:
        for line, source in blocks:
            name = f"<docs/{page.name}, block at line {line}>"
            # register the source so tracebacks show the failing docs line
            linecache.cache[name] = (len(source), None, source.splitlines(True), name)
            code = compile(source, name, "exec")
            exec(code, namespace)  # noqa: S102 - running our own docs is the point
    finally:
        # a page may register an op to show how; never leak it into other tests
        tg.REGISTRY.clear()
        tg.REGISTRY.update(registry_before)
        import matplotlib.pyplot as plt
        plt.close("all")
        jax.clear_caches()  # what the page's JAX examples compiled is never reused: free it


def test_mkdocs_build_strict(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q",
                           "-f", str(ROOT / "mkdocs.yml"), "-d", str(tmp_path / "site")],
                          cwd=ROOT, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    site = tmp_path / "site"
    assert (site / "index.html").exists()
    api = (site / "api" / "index.html").read_text(encoding="utf-8")
    assert "value_and_grad" in api  # mkdocstrings rendered the reference
    missing = undocumented(api, (site / "ops" / "index.html").read_text(encoding="utf-8"))
    assert not missing, f"public names missing from docs/api.md (add them to a ::: block): {missing}"


#: Modules whose ``__all__`` is public API, besides ``tensorgrad`` itself.
PUBLIC_MODULES = ("tensorgrad.check", "tensorgrad.nn", "tensorgrad.optim", "tensorgrad.train",
                  "tensorgrad.data", "tensorgrad.checkpoint", "tensorgrad.viz")


def undocumented(api_html: str, ops_html: str) -> list[str]:
    """Public names with no entry on the API page (an anchor ``module.name`` whose module holds
    that very object); op functions must instead have a row on the generated ops page."""
    import importlib
    anchors: dict[str, list] = {}
    for ident in set(re.findall(r'id="(tensorgrad[\w.]*)"', api_html)):
        mod, _, name = ident.rpartition(".")
        anchors.setdefault(name, []).append(mod)
        anchors.setdefault(ident, []).append(None)  # a documented module

    def documented(name, obj):
        if getattr(obj, "__name__", None) and type(obj).__name__ == "module":
            return obj.__name__ in anchors
        for mod in anchors.get(name, []):
            try:
                if mod and getattr(importlib.import_module(mod), name, None) is obj:
                    return True
            except ImportError:
                pass
        return False
    missing = []
    for module in ("tensorgrad", *PUBLIC_MODULES):
        m = importlib.import_module(module)
        for name in m.__all__:
            obj = getattr(m, name)
            # (an op, also one whose public name follows a PyTorch tensor argument: tensorgrad.flavor)
            if name in tg.ops.__all__ and getattr(tg.ops, name) in (obj, getattr(obj, "__wrapped__", None)):
                if f"<code>{name}(" not in ops_html:
                    missing.append(f"{name} (op: run python docs/gen_ops.py)")
            elif not documented(name, obj):
                missing.append(f"{module}.{name}")
    return sorted(set(missing))


def test_ops_page_is_generated_from_the_registry():
    sys.path.insert(0, str(DOCS))
    try:
        import gen_ops
    finally:
        sys.path.remove(str(DOCS))
    text = gen_ops.generate()
    assert all(f"`{name}(" in text for name in tg.ops.__all__)
    assert all(f"`{name}" in text for name in tg.REGISTRY)
    assert (DOCS / "ops.md").read_text(encoding="utf-8") == text, \
        "docs/ops.md is out of date: run python docs/gen_ops.py and commit docs/ops.md"


def test_make_figures_tiny(tmp_path):
    sys.path.insert(0, str(DOCS))
    try:
        import make_figures
    finally:
        sys.path.remove(str(DOCS))
    written = make_figures.main(["--out", str(tmp_path), "--tiny"])
    names = {Path(p).name for p in written}
    assert {"loss_surface.png", "jacobian_layer.png", "jacobian_softmax.png",
            "vjp_vs_jacobian.png", "training_curves.png", "perceptron_hyperplane.png",
            "perceptron_mistakes.png"} <= names
    for p in written:
        assert Path(p).stat().st_size > 1000


def test_make_figures_reads_benchmark_json(tmp_path, monkeypatch):
    sys.path.insert(0, str(DOCS))
    try:
        import make_figures
    finally:
        sys.path.remove(str(DOCS))
    results = tmp_path / "benchmarks" / "results"
    results.mkdir(parents=True)
    (results / "vjp_vs_jacobian.json").write_text(
        '{"sizes": [16, 32, 64], "times": {"tg vjp": [1e-4, 1.1e-4, 1.3e-4], '
        '"numpy dense chain": [1e-5, 3e-5, 1e-4], "tg jacrev": [2e-4, 3e-4, 5e-4]}}')
    monkeypatch.setattr(make_figures, "ROOT", tmp_path)
    data = make_figures._from_benchmarks()
    assert data["source"].endswith("vjp_vs_jacobian.json")
    assert [r["N"] for r in data["rows"]] == [16, 32, 64]
    assert data["rows"][2] == {"N": 64, "vjp": 1.3e-4, "dense": 1e-4, "jacrev": 5e-4}
    path = make_figures.vjp_vs_jacobian(tmp_path, tiny=False)  # plots the file, measures nothing
    assert Path(path).stat().st_size > 1000
