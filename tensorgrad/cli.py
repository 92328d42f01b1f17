"""The ``tensorgrad`` command line."""
from __future__ import annotations

import argparse
import sys

import numpy as np

import tensorgrad as tg


def _network(params, x):
    h = tg.tanh(x @ params["W1"] + params["b1"])
    return h @ params["W2"] + params["b2"]


def _loss(params, x, y):
    return tg.nn.softmax_cross_entropy(_network(params, x), y)


def crosscheck_small_network(seed: int = 0, out=print) -> dict:
    """Gradient, VJP, JVP and Jacobian of a small network, checked against JAX and
    central finite differences. Returns the relative errors."""
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(size=(4, 8)) * 0.5, "b1": np.zeros(8),
              "W2": rng.normal(size=(8, 3)) * 0.5, "b2": np.zeros(3)}
    x, y = rng.normal(size=(5, 4)), rng.integers(0, 3, size=5)
    errors = {}

    def rel(a, b):
        a, b = np.asarray(a), np.asarray(b)
        return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))

    g = tg.grad(_loss)(params, x, y)
    W1 = params["W1"]
    net_of_w1 = lambda w: _network({**params, "W1": w}, x)  # noqa: E731
    out_, f_vjp = tg.vjp(net_of_w1, W1)
    u = rng.normal(size=out_.shape)
    v = rng.normal(size=W1.shape)
    (vjp_u,) = f_vjp(u)
    _, jvp_v = tg.jvp(net_of_w1, (W1,), (v,))
    J = tg.jacrev(net_of_w1)(W1)
    errors["adjoint <u,Jv> vs <J^T u,v>"] = rel(np.vdot(u, jvp_v), np.vdot(vjp_u, v))
    errors["jacrev vs jacfwd"] = rel(J, tg.jacfwd(net_of_w1)(W1))
    h = 1e-6
    fd = (_loss({**params, "W1": W1 + h * v}, x, y) - _loss({**params, "W1": W1 - h * v}, x, y)) / (2 * h)
    errors["grad vs finite differences"] = rel(np.vdot(g["W1"], v), fd)
    try:
        import jax
        import jax.numpy as jnp
        jax.config.update("jax_enable_x64", True)

        def jnet(p, x):
            return jnp.tanh(x @ p["W1"] + p["b1"]) @ p["W2"] + p["b2"]

        def jloss(p, x, y):
            z = jnet(p, x)
            return jnp.mean(jax.nn.logsumexp(z, axis=-1) - z[jnp.arange(len(y)), y])
        jg = jax.grad(jloss)(params, x, y)
        errors["grad vs jax.grad"] = max(rel(g[k], jg[k]) for k in params)
        jn = lambda w: jnet({**params, "W1": w}, x)  # noqa: E731
        errors["vjp vs jax.vjp"] = rel(vjp_u, jax.vjp(jn, W1)[1](u)[0])
        errors["jvp vs jax.jvp"] = rel(jvp_v, jax.jvp(jn, (W1,), (v,))[1])
        errors["jacrev vs jax.jacfwd"] = rel(J, jax.jacfwd(jn)(W1))
    except ImportError:
        out("JAX is not installed: skipping the JAX cross-checks (pip install jax)")
    out(f"network 4 -> 8 (tanh) -> 3, softmax cross-entropy, batch {len(y)}")
    out(f"loss = {float(_loss(params, x, y)):.6f}; Jacobian of the logits w.r.t. W1 has shape {J.shape}")
    for k, e in errors.items():
        out(f"  {k:32s} relative error {e:.2e}")
    return errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="tensorgrad", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="differentiate a small network and cross-check it")
    demo.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "demo":
        errors = crosscheck_small_network(args.seed)
        worst = max(errors.values())
        print(f"worst relative error {worst:.2e}: {'OK' if worst < 1e-6 else 'MISMATCH'}")
        return 0 if worst < 1e-6 else 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
