"""A tg.no_grad() block inside a function given to tg.func's and tg.autograd.functional's
transforms gives constants to them, as torch.func's and torch.autograd.functional's do
(forward mode ignores it, as PyTorch's); tg.grad ignores it (JAX has no such block).

f(v) = Σ c·v² with c = 3v computed inside the block. Reverse mode sees c as a constant:
∇f = 2cv = 6v², and the Hessian of reverse over reverse 2c = diag(6v). Forward mode sees
through the block: ∇f = 9v², and forward over reverse (torch.func.hessian) d(2cv)/dv =
diag(12v). The expected values are these formulas, which PyTorch 2.13 gives."""
import numpy as np
import pytest

import tensorgrad as tg

X = np.array([1.0, 2.0])
V = np.array([0.5, -1.0])


def f(v):
    with tg.no_grad():
        c = v * 3
    return (c * v * v).sum()


CASES = {
    "func.grad": (lambda: tg.func.grad(f)(X), 6 * X ** 2),
    "func.jacrev": (lambda: tg.func.jacrev(f)(X), 6 * X ** 2),
    "func.vjp": (lambda: tg.func.vjp(f, X)[1](1.0)[0], 6 * X ** 2),
    "func.jacfwd": (lambda: tg.func.jacfwd(f)(X), 9 * X ** 2),
    "func.jvp": (lambda: tg.func.jvp(f, (X,), (V,))[1], 9 * X ** 2 @ V),
    "func.hessian": (lambda: tg.func.hessian(f)(X), np.diag(12 * X)),
    "nested func.grad": (lambda: tg.func.grad(lambda v: tg.func.grad(f)(v).sum())(X), 6 * X),
    "functional.vjp": (lambda: tg.autograd.functional.vjp(f, X)[1], 6 * X ** 2),
    "functional.jvp": (lambda: tg.autograd.functional.jvp(f, X, V)[1], 6 * X ** 2 @ V),
    "functional.jacobian": (lambda: tg.autograd.functional.jacobian(f, X), 6 * X ** 2),
    "functional.jacobian forward": (
        lambda: tg.autograd.functional.jacobian(f, X, vectorize=True, strategy="forward-mode"),
        9 * X ** 2),
    "functional.hessian": (lambda: tg.autograd.functional.hessian(f, X), np.diag(6 * X)),
    "functional.hvp": (lambda: tg.autograd.functional.hvp(f, X, V)[1], 6 * X * V),
}


@pytest.mark.parametrize("case", list(CASES))
def test_an_inner_no_grad_block_as_pytorch(case):
    got, want = CASES[case]
    np.testing.assert_allclose(got(), want, rtol=1e-14)


def test_outer_blocks_enable_grad_and_jax_style_transforms():
    with tg.no_grad():  # a block around the transform does not stop it
        np.testing.assert_allclose(tg.func.grad(f)(X), 6 * X ** 2)

    def g(v):
        with tg.no_grad():
            with tg.enable_grad():  # records again
                c = v * 3
        return (c * v * v).sum()
    np.testing.assert_allclose(tg.func.grad(g)(X), 9 * X ** 2)
    np.testing.assert_allclose(tg.grad(f)(X), 9 * X ** 2)  # tg.grad: no block in JAX
    np.testing.assert_allclose(tg.func.grad(f)(X), 6 * X ** 2)  # (and the trace is back)
