"""A new user's workflows: the plain install (no extras), parameter pytrees in the
structured-Jacobian tools, the drawn tape, the pictures, and the rough edges fixed."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import tensorgrad as tg
from tensorgrad import checkpoint, nn
from tensorgrad.blocks import BlockJacobian
from tensorgrad.cli import build_parser
from tensorgrad.explain import jacobian_category
from tensorgrad.jacobians import Diagonal

ROOT = Path(__file__).resolve().parent.parent


# ---------------------------------------------------------------- the plain install
PLAIN = textwrap.dedent('''
    import sys
    # what a plain `pip install -e .` lacks: importing any of these raises ImportError
    for name in ("sklearn", "matplotlib", "tqdm", "jax", "jaxlib", "threadpoolctl", "torch"):
        sys.modules[name] = None
    from tensorgrad.cli import main
    codes = [main(["demo", "--quick", "--no-progress", "--out", "demo-out"]),
             main(["train", "--epochs", "1", "--limit", "200", "--no-progress", "--out", "train-out"]),
             main(["check", "model.py:f", "--shape", "3"])]
    print("codes", codes)
''')


def test_plain_install_demo_train_and_check_run_without_extras(tmp_path):
    (tmp_path / "model.py").write_text("import tensorgrad as tg\n\ndef f(x):\n    return tg.sum(tg.sin(x))\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(ROOT)
    p = subprocess.run([sys.executable, "-c", PLAIN], cwd=tmp_path, env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "codes [0, 0, 0]" in out, out + p.stderr
    note = 'scikit-learn is not installed: using the built-in 8×8 glyph digits instead; ' \
           'for scikit-learn\'s handwritten digits: pip install "tensorgrad[examples]"'
    assert out.count(note) == 2  # demo and train, one line each
    assert "JAX is not installed: skipping the JAX comparison" in out
    assert "matplotlib is not installed: skipping the plots" in out
    assert "matplotlib is not installed: no plot" in out
    assert "test accuracy" in out and "Traceback" not in p.stderr
    assert not (tmp_path / "demo-out").exists()  # no plots, no empty folder


def test_glyph_digits_stand_in_for_digits():
    Xtr, ytr, Xte, yte = tg.data.glyph_digits(seed=3)
    assert Xtr.shape == (1347, 64) and Xte.shape == (450, 64)
    assert Xtr.min() >= 0 and Xtr.max() <= 1
    assert np.bincount(yte).tolist() == [45] * 10
    again = tg.data.glyph_digits(seed=3)
    assert np.array_equal(again[0], Xtr) and not np.array_equal(tg.data.glyph_digits(seed=4)[0], Xtr)
    imgs = tg.data.load("glyphs", images=True)[0]
    assert imgs.shape == (1347, 1, 8, 8)


def test_demo_help_prints_a_plain_percent(capsys):
    with pytest.raises(SystemExit):
        build_parser().parse_args(["demo", "--help"])
    text = capsys.readouterr().out
    assert "95%" in text and "%%" not in text


# ---------------------------------------------------------------- pytrees
def test_structured_jacobian_of_a_pytree_keeps_each_blocks_structure():
    p = {"a": np.array([0.3, -0.2, 0.9]), "b": [np.array([1.0, 2.0, 3.0])]}

    def f(q):
        return tg.tanh(q["a"]) * 2.0 + tg.sin(q["b"][0])
    J = tg.structured_jacobian(f)(p)
    assert isinstance(J, BlockJacobian) and J.names == ["a", "b.0"]
    assert all(isinstance(B, Diagonal) for B in J)
    np.testing.assert_allclose(J["a"].d, 2 * (1 - np.tanh(p["a"]) ** 2))
    np.testing.assert_allclose(J["b.0"].d, np.cos(p["b"][0]))
    dense, ref = J.todense(), tg.jacrev(f)(p)
    np.testing.assert_allclose(dense["a"], ref["a"])
    np.testing.assert_allclose(dense["b"][0], ref["b"][0])
    t = {"a": np.ones(3), "b": [np.arange(3.0)]}
    np.testing.assert_allclose(J.matvec(t), tg.jvp(f, (p,), (t,))[1])
    g = np.array([1.0, -1.0, 0.5])
    vj = J.vecmat(g)
    np.testing.assert_allclose(vj["a"], tg.vjp(f, p)[1](g)[0]["a"])
    assert isinstance(J.tree()["b"][0], Diagonal)


def test_chain_jacobians_and_cost_of_an_mlp_loss():
    model = nn.MLP([4, 6, 3], activation="tanh")
    params = model.init(0)
    x = np.random.default_rng(1).normal(size=(5, 4))
    y = np.array([0, 1, 2, 1, 0])

    def loss(p):
        return tg.nn.softmax_cross_entropy(model.apply(p, x), y)
    g = tg.grad(loss)(params)
    for order in ("forward", "reverse", "optimal"):
        for structured in (True, False):
            r = tg.chain_jacobians(loss, params, order=order, structured=structured)
            assert r.jacobian.names == ["0.W", "0.b", "1.W", "1.b"]
            for a, b in zip(tg.tree_leaves(r.todense()), tg.tree_leaves(g)):
                np.testing.assert_allclose(a, b, atol=1e-12)
    rep = tg.cost(loss, params)
    n = model.num_parameters()
    assert rep.in_shape == (n,) and list(rep.in_shapes) == ["0.W", "0.b", "1.W", "1.b"]
    assert rep["jacrev"] == rep["vjp (one sweep)"]          # one output: one sweep
    assert rep.flops("jacfwd") == n * rep.flops("jvp (one sweep)")  # the whole basis of every leaf
    assert rep.flops("dense chain reverse") < rep.flops("dense chain forward")
    assert "one VJP sweep" in rep.recommendation and "4 leaves" in str(rep)
    # the strategies are a list that can grow
    assert [s.name for s in tg.cost.__globals__["STRATEGIES"]][:2] == ["vjp (one sweep)", "jvp (one sweep)"]


def test_explain_a_pytree_shows_each_leafs_block():
    model = nn.MLP([3, 4, 2])
    params = model.init(0)
    x = np.ones((2, 3))
    ex = tg.explain(lambda p: tg.sum(model.apply(p, x)), params)
    text = str(ex)
    for leaf, shape in [("0.W", "(3, 4)"), ("0.b", "(4,)"), ("1.W", "(4, 2)"), ("1.b", "(2,)")]:
        assert f"x.{leaf}: input {shape}" in text
        assert f"/∂x.{leaf}: {shape} → ()" in text
    assert "one block per leaf" in text and isinstance(ex.jacobian, BlockJacobian)
    assert [r["op"] for r in ex.rows] == ["matmul", "add", "relu", "matmul", "add", "sum"]


def test_explain_plot_draws_every_node_coloured_by_kind(tmp_path):
    from matplotlib.figure import Figure
    W = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    ex = tg.explain(lambda v: tg.sum(tg.softmax(tg.tanh(W @ v)) * v[:2]), np.ones(3))
    fig = ex.plot(tmp_path / "tape.png")
    assert isinstance(fig, Figure) and (tmp_path / "tape.png").stat().st_size > 5000
    texts = [t.get_text() for t in fig.axes[0].texts if t.get_text()]  # (arrows are empty texts)
    assert any("tanh" in t and "diagonal" in t for t in texts)
    assert any("softmax" in t and "rank-one update" in t for t in texts)
    assert any("getitem" in t and "permutation" in t for t in texts)
    assert len(texts) == 1 + len(ex.rows)  # the input and every node
    cats = {r["op"]: r["category"] for r in ex.rows}
    assert cats == {"matmul": "dense", "tanh": "diagonal", "softmax": "rank-one update",
                    "getitem": "permutation", "multiply": "diagonal", "sum": "permutation"}
    J = tg.jacobian(lambda B: W @ B, structured=True)(np.ones((3, 2)))
    assert jacobian_category(J) == "kronecker"


# ---------------------------------------------------------------- the rough edges
def test_sequential_parameters_hold_only_layers_with_parameters(tmp_path):
    model = nn.MLP([3, 4, 2])
    params = model.init(0)
    assert len(params) == 2 and all(set(p) == {"W", "b"} for p in params)
    x = np.ones((2, 3))
    legacy = [params[0], {}, params[1]]  # one entry per layer, as before: still accepted
    np.testing.assert_array_equal(model.apply(legacy, x), model.apply(params, x))
    with pytest.raises(ValueError, match="expected a list of 2 parameter entries"):
        model.apply([params[0]], x)
    # a checkpoint written in the earlier layout ("2.W") loads into today's model ("1.W")
    old = tmp_path / "old.npz"
    checkpoint.save(old, legacy)
    loaded = checkpoint.load(old, model)
    assert len(loaded) == 2
    np.testing.assert_array_equal(loaded[1]["W"], params[1]["W"])


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_checkpoint_files_get_the_usual_mode(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        path = checkpoint.save(tmp_path / "p.npz", {"W": np.ones(2)})
    finally:
        os.umask(old)
    assert os.stat(path).st_mode & 0o777 == mode
    os.chmod(path, 0o640)  # an existing file keeps its mode when overwritten
    checkpoint.save(path, {"W": np.zeros(2)})
    assert os.stat(path).st_mode & 0o777 == 0o640


def test_has_aux_returns_aux_as_given():
    marker = np.float32(3)

    def f(x):
        return tg.sum(x ** 2), (1, 2.5, "tag", None, marker, tg.sum(x))
    x = np.ones(2)
    for aux in (tg.grad(f, has_aux=True)(x)[1], tg.value_and_grad(f, has_aux=True)(x)[0][1],
                tg.vjp(f, x, has_aux=True)[2], tg.jvp(f, (x,), (x,), has_aux=True)[2],
                tg.jacrev(f, has_aux=True)(x)[1], tg.jacfwd(f, has_aux=True)(x)[1]):
        one, half, tag, none, same, traced = aux
        assert type(one) is int and one == 1 and type(half) is float and tag == "tag" and none is None
        assert same is marker
        assert isinstance(traced, np.ndarray) and traced == 2.0  # a traced value becomes an array


def test_sample_titles_say_prediction_and_truth():
    from tensorgrad.viz import _samples_figure
    fig = _samples_figure(np.zeros((4, 64)), np.array([9, 1, 2, 3]), np.array([8, 1, 2, 3]))
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles[:2] == ["pred 8 / true 9", "pred 1 / true 1"]
    colours = [ax.title.get_color() for ax in fig.axes[:2]]
    assert colours == ["red", "black"]


def test_scaling_plot_shows_ratios_to_one_vjp_sweep(tmp_path, monkeypatch):
    from tensorgrad import viz
    seen = {}
    monkeypatch.setattr(viz, "_save", lambda fig, path: seen.setdefault("fig", fig) and str(path))
    sizes = [16, 32, 64]
    vjp = [1e-5, 4e-5, 1.6e-4]
    dense = [1e-5, 8e-5, 6.4e-4]
    viz.plot_scaling(sizes, {"tg vjp": vjp, "dense chain": dense}, tmp_path / "s.png")
    ax = seen["fig"].axes[0]
    (line,) = [ln for ln in ax.get_lines() if ln.get_label().startswith("dense chain")]
    np.testing.assert_allclose(line.get_ydata(), np.array(dense) / np.array(vjp))
    assert "slope 1.00" in line.get_label()   # N³ / N²
    assert "VJP sweep" in ax.get_ylabel()
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all("$" not in t and float(t) > 0 for t in ticks)  # plain decimals, no powers


def test_readme_check_a_derivation_block_runs(capsys):
    import re
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Check a derivation", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    exec(compile(code, "README.md", "exec"), {})
    assert "agrees" in capsys.readouterr().out
