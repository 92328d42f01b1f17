"""The ``tensorgrad`` command line (also ``python -m tensorgrad``).

Subcommands:

* ``demo``  — train an MLP on the 8×8 digits, cross-check one gradient against
  JAX and finite differences, run a small VJP-versus-Jacobian sweep, save plots;
* ``train`` — train an mlp, cnn or perceptron on a chosen data set (``--backend jax``:
  compiled by JAX, data-parallel over ``--devices``, across ``--num-processes``);
* ``bench`` — run the benchmark that ships with the package (``jacobian``);
* ``check`` — cross-check every registered op (or the named ones) against JAX, materialized
  Jacobians and finite differences, as a table; or, given ``FILE.py:FUNC``, your own
  function (and with ``--hand FILE.py:GRAD`` your hand-derived gradient);
* ``explain`` — print the tape of ``FILE.py:FUNC`` with each node's Jacobian structure, its
  cost per strategy (``--cost``) and a drawing (``--plot``).

Without the optional packages (a plain ``pip install -e .``) everything still runs: built-in
data stand in for scikit-learn's digits, plots are skipped without matplotlib and the JAX
comparison without JAX, each with a one-line note.

Bad arguments print a usage message and exit with status 2; failures at run
time print one line ``tensorgrad <command>: error: ...`` and exit with 1.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import sys
import time
from typing import Callable, Sequence

import numpy as np

import tensorgrad as tg

from . import bench, check, checkpoint, data, distributed, optim, perceptron, train, viz
from .cli_paths import check_outputs
from .cli_signals import Interrupts, leave
from .usercode import (EXTRAS, UsageError, _have, _is_target, _run_check_function, check_function,  # noqa: F401
                       function_args, inputs_for, load_target)

__all__ = ["main", "run_demo", "crosscheck_model_gradient", "vjp_vs_jacobian_sweep", "check_function",
           "EXTRAS"]


# ---------------------------------------------------------------- argument types
def _number(kind: type, ok: Callable, what: str) -> Callable:
    """An argument type: ``kind(s)``, finite and ``ok``, or argparse's error naming ``what``."""
    def parse(s: str):
        try:
            v = kind(s)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, got {s!r}") from None
        if not (ok(v) and np.isfinite(v)):
            raise argparse.ArgumentTypeError(f"expected {what}, got {s}")
        return v
    return parse


_positive_int = _number(int, lambda v: v > 0, "a positive integer")
_nonneg_int = _number(int, lambda v: v >= 0, "an integer ≥ 0")
_positive_float = _number(float, lambda v: v > 0, "a positive number")
_nonneg_float = _number(float, lambda v: v >= 0, "a number ≥ 0")


def _address(s: str) -> str:
    """HOST:PORT, a port in 1..65535 (checked here, before JAX reads it)."""
    host, sep, port = s.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT with a port in 1..65535, got {s!r}")
    return s


_DEVICES_MAX = 4096  # (more CPU devices than any test of sharding needs; XLA starts each one)
_devices = _number(int, lambda v: 0 < v <= _DEVICES_MAX, f"an integer in 1..{_DEVICES_MAX}")


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _int_list(s: str) -> list[int]:
    try:  # (an empty entry, 8,,8, is refused too)
        vals = [int(v) for v in s.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers like 64,32, got {s!r}") from None
    if not vals or any(v <= 0 for v in vals):
        raise argparse.ArgumentTypeError(f"expected comma-separated positive integers, got {s!r}")
    return vals


# ---------------------------------------------------------------- demo pieces
def crosscheck_model_gradient(model: tg.nn.Sequential, params, x, y, seed: int = 0,
                              out: Callable = print) -> dict:
    """The gradient of the model's cross-entropy w.r.t. all its parameters, checked against
    ``jax.grad`` (when JAX is installed) and central finite differences. Returns relative errors."""
    def loss(p, xb, yb):
        return tg.nn.softmax_cross_entropy(model.apply(p, xb), yb)

    g = tg.grad(loss)(params, x, y)
    errors: dict[str, float] = {}
    if not _have("jax"):
        out('      JAX is not installed: skipping the JAX comparison (pip install "tensorgrad[jax]")')
    else:
        # the same loss, converted by tg.to_jax and differentiated by JAX's autodiff
        cmp = tg.check.compare_with_jax(loss, params, x, y, checks=("value", "grad"))
        for r in cmp.rows:
            errors[f"{r.check} {r.name} vs JAX"] = r.max_rel
    # finite differences along a random direction in parameter space
    rng = np.random.default_rng(seed)
    v = tg.tree_map(lambda a: rng.normal(size=a.shape), params)
    h = 1e-6
    shift = (lambda s: tg.tree_map(lambda a, d: a + s * h * d, params, v))
    fd = (float(loss(shift(1), x, y)) - float(loss(shift(-1), x, y))) / (2 * h)
    ad = sum(float(np.vdot(a, b)) for a, b in zip(tg.tree_leaves(g), tg.tree_leaves(v)))
    errors["<grad, v> vs finite differences"] = abs(ad - fd) / max(abs(fd), 1e-300)
    # and a few single entries of the first weight matrix
    W = params[0]["W"]
    worst = 0.0
    for k in range(5):
        i, j = rng.integers(W.shape[0]), rng.integers(W.shape[1])
        E = np.zeros_like(W)
        E[i, j] = h
        pp = [dict(q) for q in params]
        pm = [dict(q) for q in params]
        pp[0]["W"], pm[0]["W"] = W + E, W - E
        fd_ij = (float(loss(pp, x, y)) - float(loss(pm, x, y))) / (2 * h)
        worst = max(worst, abs(g[0]["W"][i, j] - fd_ij))
    # relative to the largest entry: an entry may be exactly 0 (a pixel that is 0 in every image)
    errors["5 entries of dL/dW1 vs finite differences"] = worst / max(np.max(np.abs(g[0]["W"])), 1e-300)
    return errors


def _dense_chain_jacobian(Ws, x):
    """Gradient of sum(f(x)), f = tanh∘W_d ∘ … ∘ tanh∘W_1, by chaining every layer's N×N
    Jacobian diag(1 − a²)·W (O(N³) per product), then summing its rows."""
    return np.ones(len(x)) @ bench.numpy_dense_chain(Ws, x)


def _best_time(fn, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def vjp_vs_jacobian_sweep(sizes: Sequence[int] = (16, 32, 64, 128, 256), depth: int = 4,
                          seed: int = 0, repeats: int = 3) -> dict:
    """Time one reverse sweep (``tg.grad``: vector–Jacobian products, O(N²) per layer)
    against chaining dense N×N Jacobians (O(N³) per layer) for a depth-``depth``
    tanh network, and check both give the same gradient."""
    rng = np.random.default_rng(seed)
    res: dict = {"sizes": list(sizes), "depth": depth,
                 "times": {"tg.grad (VJP sweep)": [], "dense Jacobian chain": []}, "max_abs_error": []}
    for n in sizes:
        Ws = [rng.normal(size=(n, n)) / np.sqrt(n) for _ in range(depth)]
        x = rng.normal(size=n)

        def f(x):
            for W in Ws:
                x = tg.tanh(W @ x)
            return tg.sum(x)
        g = tg.grad(f)(x)
        gd = _dense_chain_jacobian(Ws, x)
        res["max_abs_error"].append(float(np.max(np.abs(g - gd))))
        res["times"]["tg.grad (VJP sweep)"].append(_best_time(lambda: tg.grad(f)(x), repeats))
        res["times"]["dense Jacobian chain"].append(_best_time(lambda: _dense_chain_jacobian(Ws, x), repeats))
    return res


def _sweep(out_dir: str, quick: bool, say: Callable, plot: bool = True) -> tuple[dict, str]:
    """The VJP-vs-Jacobian sweep: the packaged benchmark's ``run`` if present, else the small
    built-in one. Returns (results with 'sizes' and 'times', source description)."""
    sizes = [16, 32, 64] if quick else [32, 64, 128, 256, 512]
    try:
        res = bench.run(sizes=sizes, depth=4, quick=True, out=out_dir if plot else None, peers=False,
                        plot=plot, verbose=False, threads=1)
        if isinstance(res, dict) and "sizes" in res and "times" in res:
            return res, "tensorgrad.bench.run"
    except Exception as e:  # the demo must not die with the benchmark: fall back
        say(f"      (the packaged benchmark failed: {type(e).__name__}: {e}; "
            "using the built-in sweep)")
    try:  # one BLAS thread: steady timings on a shared machine
        from threadpoolctl import threadpool_limits
    except ImportError:
        return vjp_vs_jacobian_sweep(sizes, depth=4, repeats=1 if quick else 3), "built-in sweep"
    with threadpool_limits(limits=1):
        return (vjp_vs_jacobian_sweep(sizes, depth=4, repeats=1 if quick else 3),
                "built-in sweep, one BLAS thread")


def _digits_or_glyphs(seed: int, images: bool, say: Callable):
    """scikit-learn's digits, or the built-in glyph digits with a one-line note."""
    try:
        return data.digits(seed=seed, images=images), "scikit-learn's 8×8 handwritten digits"
    except ImportError:
        say(f"note: {data.DIGITS_NOTE}")
        return data.glyph_digits(seed=seed, images=images), "built-in 8×8 glyph digits"


def run_demo(out_dir: str = "tensorgrad-demo", quick: bool = False, epochs: int | None = None,
             seed: int = 0, progress: bool = True, say: Callable = print) -> int:
    """The main job: train, cross-check, sweep, plot. Returns an exit status.

    Runs with numpy and scipy alone: without scikit-learn it trains on the
    built-in glyph digits, without JAX it skips the JAX comparison, without
    matplotlib it skips the plots (each says so in one line).
    """
    t_start = time.perf_counter()
    say("tensorgrad demo: an MLP on 8×8 images of digits, trained with tensorgrad")
    (Xtr, ytr, Xte, yte), source = _digits_or_glyphs(seed, False, say)
    plots = _have("matplotlib")
    if quick:
        Xtr, ytr = Xtr[:300], ytr[:300]
    epochs = epochs if epochs is not None else (2 if quick else 30)
    model = tg.nn.MLP([64, 128, 10], activation="tanh")  # smooth: finite differences stay meaningful
    params = model.init(seed)
    steps = epochs * -(-len(ytr) // 64)
    opt = optim.Adam(optim.cosine(1e-2, max(steps, 1)))
    say(f"[1/4] training {model.num_parameters()} parameters (64 → 128 tanh → 10, softmax "
        f"cross-entropy, Adam with cosine schedule) for {epochs} epochs on {len(ytr)} images "
        f"({source})")
    t0 = time.perf_counter()
    params, hist = train.fit(model, params, Xtr, ytr, optimizer=opt, epochs=epochs, batch_size=64,
                             validation=(Xte, yte), seed=seed, progress=progress, desc="digits")
    t_train = time.perf_counter() - t0
    pred = train.predict(model, params, Xte).argmax(-1)
    acc = float(np.mean(pred == yte))
    say(f"      test accuracy {acc:.2%} on {len(yte)} held-out images (training took {t_train:.2g} s)")

    say("[2/4] cross-checking the gradient of the loss w.r.t. all parameters (batch of 32 test images)")
    errors = crosscheck_model_gradient(model, params, Xte[:32], yte[:32], seed, out=say)
    for k, e in errors.items():
        say(f"      {k:42s} relative error {e:.2e}")
    worst = max(errors.values())
    grad_ok = worst < 1e-6

    say("[3/4] VJP sweep versus chaining dense Jacobians (depth-4 tanh network)")
    if plots:
        os.makedirs(out_dir, exist_ok=True)
    res, source = _sweep(out_dir, quick, say, plots)
    sizes = list(res["sizes"])
    series = {k: v for k, v in res["times"].items()
              if isinstance(v, (list, tuple)) and all(t is not None for t in v)}
    for k, ts in series.items():
        say(f"      {k:32s} " + "  ".join(f"N={n}: {t * 1e3:7.2f} ms" for n, t in zip(sizes, ts)))
    say(f"      (source: {source})")

    say("[4/4] plots")
    if plots:
        paths = [viz.plot_history(hist, os.path.join(out_dir, "loss_curve.png")),
                 viz.plot_confusion(yte, pred, os.path.join(out_dir, "confusion_matrix.png"), classes=10),
                 viz.plot_samples(Xte[:16], yte[:16], pred[:16],
                                  os.path.join(out_dir, "sample_predictions.png")),
                 viz.plot_scaling(sizes, series, os.path.join(out_dir, "vjp_vs_jacobian_scaling.png"))]
        for name in ("vjp_vs_jacobian.png", "vjp_vs_jacobian.json"):  # (the packaged benchmark's)
            if os.path.exists(os.path.join(out_dir, name)):
                paths.append(os.path.join(out_dir, name))
        for p in paths:
            say(f"      {p}")
    else:
        say(f"      matplotlib is not installed: skipping the plots ({EXTRAS})")
    total = time.perf_counter() - t_start
    say(f"done in {total:.1f} s: test accuracy {acc:.2%}"
        + ("" if quick else f" ({'≥' if acc >= 0.95 else 'below'} the 95% target)")
        + f"; worst gradient relative error {worst:.1e} ({'OK' if grad_ok else 'MISMATCH'})")
    if plots:
        say(f"plots saved in {os.path.abspath(out_dir)}")
    return _demo_status(acc, grad_ok, quick)


def _demo_status(acc: float, grad_ok: bool, quick: bool) -> int:
    """The demo's exit status; a failure says why in one line on stderr, as other errors do
    (``--quick`` trains too little for the 95% target: it has none)."""
    met = quick or acc >= 0.95
    if not met:
        print(f"tensorgrad demo: error: test accuracy {acc:.2%} is below the 95% target "
              f"(train longer: --epochs)", file=sys.stderr)
    if not grad_ok:
        print("tensorgrad demo: error: a gradient differs from finite differences", file=sys.stderr)
    return 0 if grad_ok and met else 1


# ---------------------------------------------------------------- train
def _scale_options(a) -> None:
    """Check the --backend jax options and set JAX up (before anything else starts it)."""
    multi = [a.num_processes, a.process_id, a.coordinator]
    if a.backend != "jax":
        given = [f for f, v in (("--devices", a.devices), ("--num-processes", a.num_processes),
                                ("--process-id", a.process_id), ("--coordinator", a.coordinator))
                 if v is not None]
        if given:
            raise UsageError(f"{', '.join(given)}: only with --backend jax")
        return
    if a.model == "perceptron":
        raise UsageError("--backend jax trains the mlp and cnn models; the perceptron runs on NumPy")
    if any(v is not None for v in multi) and not all(v is not None for v in multi):
        raise UsageError("a multi-process run needs --num-processes, --process-id and --coordinator "
                         "HOST:PORT together")
    if a.process_id is not None and not a.process_id < a.num_processes:
        raise UsageError(f"--process-id must be in 0..{a.num_processes - 1}, got {a.process_id}")
    # the device count must be set before JAX starts: setup() runs before any JAX import
    distributed.setup(devices=a.devices, num_processes=a.num_processes, process_id=a.process_id,
                      coordinator=a.coordinator)


def _run_train(a, say=print) -> int:
    _scale_options(a)
    lead = distributed.process_index() == 0  # in a multi-process run, process 0 reports and saves
    if not lead:
        def say(*args, **kwargs):
            return None
    images = a.model == "cnn"
    if images and a.data not in ("digits", "glyphs"):
        raise UsageError(f"--model cnn needs image data: use --data digits or glyphs (got {a.data!r})")
    if a.data == "digits":
        (Xtr, ytr, Xte, yte), _ = _digits_or_glyphs(a.data_seed, images, say)
    else:
        Xtr, ytr, Xte, yte = data.load(a.data, seed=a.data_seed, images=images)
    if a.limit:
        Xtr, ytr = Xtr[:a.limit], ytr[:a.limit]
    classes = int(max(ytr.max(), yte.max()) + 1)
    if a.model == "perceptron":
        if a.resume:  # fit_perceptron starts from zero weights: say so rather than overwrite the file
            raise UsageError("--resume applies to the mlp and cnn models; the perceptron always "
                             "starts from zero weights")
        if a.epochs < 1:
            raise UsageError(f"the perceptron needs --epochs ≥ 1, got {a.epochs}")
        if classes != 2:
            raise UsageError(f"the perceptron separates two classes; data set {a.data!r} has "
                             f"{classes} (use --data blobs, moons or four)")
        r = perceptron.fit_perceptron(Xtr, ytr, lr=a.lr, max_epochs=a.epochs, seed=a.seed)
        say(f"perceptron on {a.data}: {'converged' if r.converged else 'did not converge'} after "
            f"{_count(r.epochs, 'epoch')}; mistakes per epoch: {r.mistakes}")
        say(f"weights {np.round(r.w, 4).tolist()}, bias {r.b:.4f}; train accuracy "
            f"{r.accuracy(Xtr, ytr):.2%}, test accuracy {r.accuracy(Xte, yte):.2%}")
        if a.checkpoint:
            say(f"checkpoint saved to {checkpoint.save(a.checkpoint, {'w': r.w, 'b': np.asarray(r.b)})}")
        if a.history:  # the perceptron's record: its mistakes in each epoch
            with open(a.history, "w", encoding="utf-8") as fh:
                json.dump({"mistakes": [int(m) for m in r.mistakes], "epochs": r.epochs,
                           "converged": bool(r.converged)}, fh, indent=1)
            say(f"history saved to {a.history}")
        if a.out and Xtr.shape[1] != 2:
            say(f"no plot: the perceptron's plot draws two features, {a.data!r} has {Xtr.shape[1]}")
        elif a.out and not _have("matplotlib"):
            say(f"matplotlib is not installed: no plot ({EXTRAS})")
        elif a.out:
            say(f"plot saved to {viz.plot_perceptron(Xtr, ytr, r.w, r.b, os.path.join(a.out, 'perceptron.png'))}")
        return 0
    if a.model == "cnn":
        model = tg.nn.CNN(in_channels=1, image_size=8, channels=8, num_classes=classes)
    else:
        model = tg.nn.MLP([Xtr.shape[1], *a.hidden, classes], activation=a.activation)
    params = model.init(a.seed)
    if a.resume:
        if not a.checkpoint:
            raise UsageError("--resume needs --checkpoint PATH")
        params = checkpoint.load(a.checkpoint, model)
        say(f"resumed from {a.checkpoint}")
    steps = max(a.epochs * -(-len(ytr) // a.batch_size), 1)
    lr = {"constant": a.lr, "step": optim.step_decay(a.lr, max(steps // 3, 1), 0.3),
          "cosine": optim.cosine(a.lr, steps)}[a.schedule]
    opt = optim.get(a.optimizer, lr, **({} if a.weight_decay is None else {"weight_decay": a.weight_decay}))
    say(f"training {a.model} ({model.num_parameters()} parameters) on {a.data}: {len(ytr)} train / "
        f"{len(yte)} test examples, {_count(a.epochs, 'epoch')}, batch {a.batch_size}, {a.optimizer} lr "
        f"{a.lr} ({a.schedule})")
    if a.backend == "jax":
        import jax
        nproc = jax.process_count()
        say(f"backend jax: {jax.device_count()} {jax.devices()[0].platform} devices"
            + (f" in {nproc} processes" if nproc > 1 else "") + ", each batch split across them")
    params, hist = train.fit(model, params, Xtr, ytr, optimizer=opt, epochs=a.epochs,
                             batch_size=a.batch_size, validation=(Xte, yte), seed=a.seed,
                             progress=lead and not a.no_progress, desc=a.model, backend=a.backend,
                             jit=not a.no_jit)
    ev = train.evaluate(model, params, Xte, yte)
    loss = f"{ev['loss']:.4f}" if abs(ev["loss"]) < 1e6 else f"{ev['loss']:.4g}"  # (a diverged run)
    say(f"test loss {loss}, test accuracy {ev['accuracy']:.2%}")
    if a.checkpoint and lead:
        say(f"checkpoint saved to {checkpoint.save(a.checkpoint, params)}")
    if a.history and lead:
        with open(a.history, "w", encoding="utf-8") as fh:
            json.dump(hist, fh, indent=1)
        say(f"history saved to {a.history}")
    if a.out and lead and not a.epochs:
        say("no plot: no epoch was trained (--epochs 0)")
    elif a.out and lead:
        if _have("matplotlib"):
            say(f"plot saved to {viz.plot_history(hist, os.path.join(a.out, f'{a.model}_{a.data}_history.png'))}")
        else:
            say(f"matplotlib is not installed: no plot ({EXTRAS})")
    return 0


# ---------------------------------------------------------------- bench
BENCHMARKS = {"jacobian": bench}  # the peers benchmark lives in the repository: benchmarks/peers.py


def _run_bench(name: str | None, extra: list[str], bench_parser, say=print) -> int:
    mod = BENCHMARKS[name or "jacobian"]
    try:
        return int(mod.main(list(extra), prog=f"tensorgrad bench {name or 'jacobian'}") or 0)
    except SystemExit as e:  # the benchmark's own argparse (usage errors, --help)
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 2)


# ---------------------------------------------------------------- check
def _run_check(a, parser, say=print) -> int:
    file_mode = any(_is_target(n) for n in a.ops)
    if file_mode:
        return _run_check_function(a, say)
    for flag in ("hand", "inputs", "jax", "shape"):
        if getattr(a, flag):
            raise UsageError(f"--{flag} goes with a function to check: tensorgrad check FILE.py:FUNC --{flag} ...")
    names = a.ops or None
    if names:
        unknown = [n for n in names if n not in tg.REGISTRY]
        built = [n for n in unknown if callable(getattr(tg, n, None) or getattr(tg.linalg, n, None))]
        if built:
            raise UsageError(f"{', '.join(built)}: a tensorgrad function built on registered ops, not "
                             "an op of its own (`tensorgrad check` checks every op it uses); to check it "
                             "as a function: tensorgrad check FILE.py:FUNC --shape ...")
        if unknown:
            hints = {n: difflib.get_close_matches(n, list(tg.REGISTRY), 3) for n in unknown}
            msg = "; ".join(f"{n!r}" + (f" (did you mean {', '.join(h)}?)" if h else "")
                            for n, h in hints.items())
            raise UsageError(f"unknown op {msg}; `tensorgrad check --list` lists the registered ops "
                             "(to check your own function: tensorgrad check FILE.py:FUNC)")
    if a.list:
        for n, op in sorted(tg.REGISTRY.items()):
            say(f"{n:24s} {op.kind:9s} {op.symbol}")
        return 0
    use_jax = not a.no_jax
    if use_jax and not _have("jax"):
        say("JAX is not installed: checking against materialized Jacobians and finite "
            f"differences only ({EXTRAS} for the JAX columns)")
        use_jax = False
    total = len(names) if names else len(tg.REGISTRY)
    count = [0]

    def progress(name):
        count[0] += 1
        if not a.quiet:
            print(f"\r[{count[0]}/{total}] {name:30s}", end="", file=sys.stderr, flush=True)
    rows = check.op_table(names, seed=a.seed, use_jax=use_jax, progress=progress)
    if not a.quiet:
        print("\r" + " " * 50 + "\r", end="", file=sys.stderr, flush=True)
    say("worst relative error per op over its examples ('-': not applicable)")
    say(check.format_op_table(rows))
    return 0 if all(r.ok for r in rows) else 1


# ---------------------------------------------------------------- explain
def _run_explain(a, say=print) -> int:
    f, file = load_target(a.target, "explain")
    args = inputs_for(a, f, file, say)
    if not isinstance(a.argnums, int):
        raise UsageError("explain differentiates one argument: --argnums N (pass several arrays as one pytree)")
    ex = tg.explain(f, *args, argnums=a.argnums, dense=a.dense)
    say(str(ex))
    if a.cost:
        say("")
        say(str(tg.cost(f, *args, argnums=a.argnums)))
    if a.plot:
        if not _have("matplotlib"):
            raise RuntimeError(f"--plot needs matplotlib, which is not installed ({EXTRAS})")
        ex.plot(a.plot, title=f"{os.path.basename(file)}:{getattr(f, '__name__', 'f')} — recorded tape")
        say(f"plot saved to {a.plot}")
    return 0


# ---------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tensorgrad", description="tensorgrad: automatic "
                                "differentiation on NumPy with explicit derivatives.",
                                epilog="Run `tensorgrad <command> --help` for a command's options.")
    p.add_argument("--version", action="version", version=f"tensorgrad {tg.__version__}")
    sub = p.add_subparsers(dest="command", metavar="{demo,train,bench,check,explain}")
    sub.required = True

    d = sub.add_parser("demo", help="train an MLP on digits, cross-check a gradient, sweep VJP vs Jacobian, plot",
                       description="Train an MLP with softmax cross-entropy on scikit-learn's 8×8 digits "
                       "(≥95% test accuracy), cross-check its gradient against JAX and finite differences, "
                       "time a VJP sweep against dense Jacobian chaining, and save plots. Without "
                       "scikit-learn, JAX or matplotlib it uses built-in digits and skips the JAX "
                       "comparison and the plots.")
    d.add_argument("--out", default="tensorgrad-demo", help="folder for the plots (default: ./tensorgrad-demo)")
    d.add_argument("--quick", action="store_true", help="a few seconds: 300 images, 2 epochs, tiny sweep")
    d.add_argument("--epochs", type=_nonneg_int, default=None, help="training epochs (default 30; quick: 2)")
    d.add_argument("--seed", type=_nonneg_int, default=0, help="random seed (default 0)")
    d.add_argument("--no-progress", action="store_true", help="no progress bar")

    t = sub.add_parser("train", help="train an mlp, cnn or perceptron on a data set",
                       description="Train a model on a data set and report test accuracy.")
    t.add_argument("--model", choices=("mlp", "cnn", "perceptron"), default="mlp", help="default: mlp")
    t.add_argument("--data", choices=("digits", "glyphs", "moons", "spirals", "blobs", "four"),
                   default="digits", help="default: digits (scikit-learn's; the built-in glyph digits "
                   "when scikit-learn is missing); four: the book's four XOR examples, used for "
                   "training and test alike")
    t.add_argument("--epochs", type=_nonneg_int, default=20, help="default: 20")
    t.add_argument("--batch-size", type=_positive_int, default=64, help="default: 64")
    t.add_argument("--lr", type=_positive_float, default=1e-2, help="learning rate (default 0.01)")
    t.add_argument("--optimizer", choices=("sgd", "momentum", "nesterov", "rmsprop", "adam", "adamw"),
                   default="adam", help="default: adam")
    t.add_argument("--schedule", choices=("constant", "step", "cosine"), default="constant",
                   help="learning-rate schedule (default constant)")
    t.add_argument("--weight-decay", type=_nonneg_float, default=None,
                   help="default: the optimizer's own (0; adamw: 0.01)")
    t.add_argument("--hidden", type=_int_list, default=[64], help="MLP hidden sizes, e.g. 128,64 (default 64)")
    t.add_argument("--activation", choices=("relu", "tanh", "sigmoid", "gelu", "softplus", "elu", "selu",
                                            "silu", "mish", "leaky_relu"), default="relu",
                   help="MLP activation (default relu)")
    t.add_argument("--seed", type=_nonneg_int, default=0,
                   help="initial weights and batch order (default: 0)")
    t.add_argument("--data-seed", type=_nonneg_int, default=0,
                   help="the data set's samples and train/test split (default: 0), apart from "
                   "--seed so that runs with other seeds, and resumed runs, test on the same "
                   "held-out examples")
    t.add_argument("--limit", type=_positive_int, default=None, help="use only the first N training examples")
    t.add_argument("--checkpoint", default=None, help="save the trained parameters to this .npz file")
    t.add_argument("--resume", action="store_true",
                   help="start from the parameters in --checkpoint (the mlp and cnn models; the "
                   "weights only: the optimizer's moments, the schedule and the shuffling start "
                   "afresh)")
    t.add_argument("--out", default=None, help="folder for plots (none by default)")
    t.add_argument("--history", default=None, metavar="PATH",
                   help="save the training history (per-step and per-epoch losses) as JSON")
    t.add_argument("--no-progress", action="store_true", help="no progress bar")
    t.add_argument("--backend", choices=("numpy", "jax"), default="numpy",
                   help="numpy (default), or jax: the same step compiled by jax.jit, each batch "
                        "split across the devices (needs pip install \"tensorgrad[jax]\")")
    t.add_argument("--devices", type=_devices, default=None,
                   help="with --backend jax on CPU: split this process into N devices")
    t.add_argument("--num-processes", type=_positive_int, default=None, metavar="P",
                   help="with --backend jax: the number of processes of a multi-process run")
    t.add_argument("--process-id", type=_nonneg_int, default=None, metavar="I",
                   help="with --backend jax: this process's index, 0..P-1")
    t.add_argument("--coordinator", type=_address, default=None, metavar="HOST:PORT",
                   help="with --backend jax: the address of process 0, which all processes join")
    t.add_argument("--no-jit", action="store_true",
                   help="run each gradient step eagerly instead of under tg.jit")

    b = sub.add_parser("bench", add_help=False, help="run the packaged benchmark (jacobian)",
                       description="Run a benchmark that ships with tensorgrad. Options after the "
                       "name go to the benchmark: `tensorgrad bench jacobian --help` lists them.",
                       usage="tensorgrad bench [-h] [jacobian] [benchmark options ...]")
    b.add_argument("-h", "--help", action="store_true", help="show this help (or the benchmark's)")
    b.add_argument("name", nargs="?", choices=tuple(BENCHMARKS), default=None,
                   help="jacobian: VJP vs Jacobian chaining (the default); the peers benchmark "
                   "is benchmarks/peers.py in the repository")

    c = sub.add_parser("check", help="cross-check registered ops, or your own function FILE.py:FUNC",
                       usage="tensorgrad check [OP ...] [--no-jax] [--list]\n"
                             "       tensorgrad check FILE.py:FUNC (--shape S ... | --inputs [FILE.py:]MAKE) "
                             "[--hand [FILE.py:]GRAD] [--jax [FILE.py:]JFUNC] [--argnums N]",
                       description="With op names (or none): check every registered op (or the named ones) on "
                       "its examples: values, VJP, JVP and Jacobian against JAX; jacrev against jacfwd; the "
                       "adjoint identity; central finite differences. With FILE.py:FUNC: check your own "
                       "function's derivative — tensorgrad's against central finite differences and, when "
                       "JAX is installed, against JAX (your --jax function, or FUNC itself run by JAX "
                       "through tg.to_jax); with --hand also your hand-derived gradient (Jacobian "
                       "for a non-scalar output). Reports list each leaf's worst entries. Exits 1 on a "
                       "mismatch, 2 on a usage error.")
    c.add_argument("ops", nargs="*", metavar="OP | FILE.py:FUNC",
                   help="op names (default: all registered ops), or one function in a file")
    c.add_argument("--no-jax", action="store_true", help="skip the JAX comparisons")
    c.add_argument("--seed", type=_nonneg_int, default=0, help="seed of the random inputs (default 0)")
    c.add_argument("--list", action="store_true", help="list the registered ops and exit")
    c.add_argument("--quiet", action="store_true", help="no progress line")
    function_args(c)
    c.add_argument("--hand", metavar="[FILE.py:]GRAD", default=None,
                   help="your hand-written gradient (same arguments as FUNC, returns the gradient "
                        "shaped like the differentiated argument; a Jacobian for non-scalar FUNC)")
    c.add_argument("--jax", metavar="[FILE.py:]JFUNC", default=None,
                   help="FUNC written in jax.numpy (default: FUNC itself, converted by tg.to_jax)")

    e = sub.add_parser("explain", help="print (and draw) the tape of your function FILE.py:FUNC",
                       usage="tensorgrad explain FILE.py:FUNC (--shape S ... | --inputs [FILE.py:]MAKE) "
                             "[--argnums N] [--dense] [--cost] [--plot OUT.png]",
                       description="Record FUNC once and print one line per tape node: the op, its shapes, "
                       "the structure of its Jacobian (diagonal, Kronecker, rank-one update, permutation, "
                       "dense) and the Jacobian in symbols; then the Jacobian of the output (one block per "
                       "leaf when the argument is a pytree). --cost adds the flops of every way to "
                       "differentiate it; --plot draws the graph coloured by Jacobian kind (needs matplotlib).")
    e.add_argument("target", metavar="FILE.py:FUNC", help="the function to explain")
    e.add_argument("--seed", type=_nonneg_int, default=0, help="seed of the random inputs (default 0)")
    function_args(e)
    e.add_argument("--dense", action="store_true", help="print small Jacobians as matrices")
    e.add_argument("--cost", action="store_true", help="also print tg.cost: flops and bytes per strategy")
    e.add_argument("--plot", metavar="OUT.png", default=None, help="draw the tape into this image file")
    return p


_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def _raised_outside_tensorgrad(e: BaseException) -> bool:
    """True when the innermost Python frame of ``e``'s traceback is not tensorgrad's own code
    (the user's FILE.py, or a library it called): the message alone would hide what raised."""
    tb = e.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    return last is not None and not os.path.abspath(last).startswith(_PACKAGE)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``tensorgrad`` console script."""
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    at = next((k + 1 for k, a in enumerate(argv) if not a.startswith("-")), 0)  # (after the command)
    if at and argv[at - 1] == "bench" and argv[at:at + 1] not in (["-h"], ["--help"]) \
            and all(a.startswith("-") for a in argv[at:at + 1]):  # (options first: the default
        argv.insert(at, "jacobian")  # name, so that `bench --threads 1` takes no name '1')
    args, extra = parser.parse_known_args(argv)
    sub = parser._subparsers._group_actions[0].choices[args.command]  # type: ignore[union-attr]
    if extra and args.command != "bench":
        sub.error(f"unrecognized arguments: {' '.join(extra)}")
    with Interrupts():
        return _command(args, sub, extra)


def _command(args, sub, extra) -> int:
    try:
        check_outputs(args)  # before any work: a bad path must not throw a finished run away
        if args.command == "demo":
            return run_demo(args.out, args.quick, args.epochs, args.seed, not args.no_progress)
        if args.command == "train":
            with np.errstate(over="ignore", invalid="ignore"):  # (a diverging run: fit's error says so)
                return _run_train(args)
        if args.command == "bench":
            if args.help and args.name is None:
                sub.print_help()
                return 0
            return _run_bench(args.name, extra + (["--help"] if args.help else []), sub)
        if args.command == "check":
            return _run_check(args, sub)
        if args.command == "explain":
            return _run_explain(args)
    except UsageError as e:
        msg = str(e)  # (argparse's prefix already names the command)
        sub.error(msg[len(args.command) + 2:] if msg.startswith(f"{args.command}: ") else msg)
    except KeyboardInterrupt:
        print(f"tensorgrad {args.command}: interrupted", file=sys.stderr)
        return 130
    except (ImportError, OSError, ValueError, TypeError, KeyError, RuntimeError, FloatingPointError,
            MemoryError) as e:  # (NumPy's "Unable to allocate ..." for a huge --shape)
        msg = e.args[0] if isinstance(e, KeyError) and e.args else e
        if _raised_outside_tensorgrad(e):  # (the user's own code, or NumPy called by it)
            msg = f"{type(e).__name__}: {msg}"
        print(f"tensorgrad {args.command}: error: {msg}", file=sys.stderr)
        return 1
    except Exception as e:  # (an error in the user's FILE.py:FUNC: IndexError, NameError, ...)
        print(f"tensorgrad {args.command}: error: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    return 2  # pragma: no cover


def console() -> None:
    """The ``tensorgrad`` console script: :func:`main`, then its exit status."""
    leave(main())


if __name__ == "__main__":
    console()
