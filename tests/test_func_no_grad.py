"""A tg.no_grad() block inside a function given to tg.func's and tg.autograd.functional's
transforms gives constants to them, as torch.func's and torch.autograd.functional's do
(forward mode ignores it, as PyTorch's); tg.grad ignores it (JAX has no such block)."""
import numpy as np
import pytest
import torch
import torch.autograd.functional as TF

import tensorgrad as tg

X = np.array([1.0, 2.0])
V = np.array([0.5, -1.0])


def _f(lib):
    def f(v):
        with lib.no_grad():
            c = v * 3
        return (c * v * v).sum()
    return f


CASES = {
    "func.grad": (lambda f: torch.func.grad(f)(torch.tensor(X)), lambda f: tg.func.grad(f)(X)),
    "func.jacrev": (lambda f: torch.func.jacrev(f)(torch.tensor(X)), lambda f: tg.func.jacrev(f)(X)),
    "func.jacfwd": (lambda f: torch.func.jacfwd(f)(torch.tensor(X)), lambda f: tg.func.jacfwd(f)(X)),
    "func.hessian": (lambda f: torch.func.hessian(f)(torch.tensor(X)), lambda f: tg.func.hessian(f)(X)),
    "func.vjp": (lambda f: torch.func.vjp(f, torch.tensor(X))[1](torch.tensor(1.0, dtype=torch.float64))[0],
                 lambda f: tg.func.vjp(f, X)[1](1.0)[0]),
    "func.jvp": (lambda f: torch.func.jvp(f, (torch.tensor(X),), (torch.tensor(V),))[1],
                 lambda f: tg.func.jvp(f, (X,), (V,))[1]),
    "nested func.grad": (lambda f: torch.func.grad(lambda v: torch.func.grad(f)(v).sum())(torch.tensor(X)),
                         lambda f: tg.func.grad(lambda v: tg.func.grad(f)(v).sum())(X)),
    "functional.vjp": (lambda f: TF.vjp(f, torch.tensor(X))[1], lambda f: tg.autograd.functional.vjp(f, X)[1]),
    "functional.jvp": (lambda f: TF.jvp(f, torch.tensor(X), torch.tensor(V))[1],
                       lambda f: tg.autograd.functional.jvp(f, X, V)[1]),
    "functional.jacobian": (lambda f: TF.jacobian(f, torch.tensor(X)),
                            lambda f: tg.autograd.functional.jacobian(f, X)),
    "functional.jacobian forward": (
        lambda f: TF.jacobian(f, torch.tensor(X), vectorize=True, strategy="forward-mode"),
        lambda f: tg.autograd.functional.jacobian(f, X, vectorize=True, strategy="forward-mode")),
    "functional.hessian": (lambda f: TF.hessian(f, torch.tensor(X)),
                           lambda f: tg.autograd.functional.hessian(f, X)),
    "functional.hvp": (lambda f: TF.hvp(f, torch.tensor(X), torch.tensor(V))[1],
                       lambda f: tg.autograd.functional.hvp(f, X, V)[1]),
}


@pytest.mark.filterwarnings("ignore::UserWarning", "ignore::DeprecationWarning")  # (PyTorch's own)
@pytest.mark.parametrize("case", list(CASES))
def test_an_inner_no_grad_block_as_pytorch(case):
    ref, mine = CASES[case]
    np.testing.assert_allclose(mine(_f(tg)), ref(_f(torch)).detach().numpy(), rtol=1e-14)


def test_outer_blocks_enable_grad_and_jax_style_transforms():
    f = _f(tg)
    with tg.no_grad():  # a block around the transform does not stop it
        np.testing.assert_allclose(tg.func.grad(f)(X), [6.0, 24.0])

    def g(v):
        with tg.no_grad():
            with tg.enable_grad():  # records again
                c = v * 3
        return (c * v * v).sum()
    np.testing.assert_allclose(tg.func.grad(g)(X), 9 * X ** 2)
    np.testing.assert_allclose(tg.grad(f)(X), 9 * X ** 2)  # tg.grad: no block in JAX
    np.testing.assert_allclose(tg.func.grad(f)(X), [6.0, 24.0])  # (and the trace is back)
