"""tensorgrad: automatic differentiation on NumPy with explicit derivatives.

Every op states its Jacobian (a VJP rule, a JVP rule and a structure) in the
registry; a tape composes them. Use NumPy's names (``tg.tanh``, ``tg.sum``,
``tg.matmul``, ...) and JAX's transforms (``tg.grad``, ``tg.vjp``,
``tg.jvp``, ``tg.jacrev``, ``tg.jacfwd``, ``tg.hessian``).
"""
from .tensor import Tensor, tensor  # noqa: I001  (must come first: it loads the ops)
from . import ops
from .ops import *  # noqa: F401,F403
from .registry import REGISTRY, Example, Op, get_op, register
from .tape import OpError
from .debug import debug_nans, is_debugging_nans
from .transforms import (custom_jvp, custom_vjp, grad, hessian, hvp, jacfwd, jacobian, jacrev,
                         jvp, linearize, no_grad, value_and_grad, vjp)
from . import nn  # noqa: E402
from . import check, checkpoint, data, optim, perceptron, train  # noqa: E402  (models, training, cross-checks)
from .tree import tree_flatten, tree_leaves, tree_map, tree_unflatten
from . import jacobians  # noqa: E402
from .blocks import BlockJacobian  # noqa: E402
from .chain import chain_jacobians, jacobian, structured_jacobian  # noqa: E402,F811
from .cost import cost  # noqa: E402
from .explain import explain  # noqa: E402

__version__ = "0.1.0"


__all__ = [
    "Tensor", "tensor", "REGISTRY", "Op", "Example", "register", "get_op", "OpError",
    "vjp", "jvp", "linearize", "grad", "value_and_grad", "jacrev", "jacfwd", "jacobian",
    "hessian", "hvp", "custom_vjp", "custom_jvp", "no_grad", "debug_nans", "is_debugging_nans",
    "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves", *ops.__all__,
    "jacobians", "structured_jacobian", "chain_jacobians", "BlockJacobian", "cost", "explain",
]
