"""tensorgrad: automatic differentiation on NumPy with explicit derivatives.

Every op states its Jacobian (a VJP rule, a JVP rule and a structure) in the
registry; a tape composes them. Use NumPy's names (``tg.tanh``, ``tg.sum``,
``tg.matmul``, ...) and JAX's transforms (``tg.grad``, ``tg.vjp``,
``tg.jvp``, ``tg.jacrev``, ``tg.jacfwd``, ``tg.hessian``); ``tg.jit`` traces a
function once per input signature and replays it as a plan of NumPy calls.

The package is layered, each layer importing only the ones before it:
tensor, staging → guards, debug → sweep → recording → registry → jacobians (maps) →
ops → imperative, transforms, jit → elimination → chain, cost, explain → nn, optim, train, ...
→ cli.
"""
import sys as _sys
from types import ModuleType as _ModuleType

from .tensor import Tensor
from .recording import OpError
from .registry import REGISTRY, Example, Op, get_op
from . import ops
from .ops import *  # noqa: F401,F403
from .ops.names import *  # noqa: F401,F403  (shape, ndim, r_, finfo, tril_indices, dtype names, ...)
from .ops.numpy_namespace import *  # noqa: F401,F403  (intc, half, ..., ndenumerate, broadcast, errstate, ...)
from .ops.creation import pi, e, inf, nan, newaxis  # noqa: F401
from .ops.scalar_types import *  # noqa: F401,F403  (float32, int64, ...: NumPy's, and casts of traced values)
from .imperative import enable_grad, is_grad_enabled, no_grad, set_grad_enabled, tensor
from .torch_autograd import inference_mode, is_inference_mode_enabled
from .debug import debug_nans, is_debugging_nans
from .custom import custom_jvp, custom_vjp
from .transforms import (grad, hessian, hvp, jacfwd, jacrev, jvp,
                         linearize, value_and_grad, vjp)
from .tree import tree_flatten, tree_leaves, tree_map, tree_unflatten
from . import tree as tree_util  # JAX's name for the pytree functions: tg.tree_util.tree_map
from . import flatten_util  # tg.flatten_util.ravel_pytree, as jax.flatten_util
from .jit import ConcretizationError, clear_caches, jit
from .jit_aot import disable_jit
from .jaxpr import Array, ShapedArray, make_jaxpr, typeof  # JAX's jaxpr view, avals and Array type
from .transform_parts import FLOAT0 as float0  # JAX's dtype of integer inputs' gradients
from .batching import vmap
from .collectives import pmap  # jax.pmap on one CPU: vmap with an axis name for the collectives
from . import custom_batching  # tg.custom_batching.custom_vmap, sequential_vmap (jax.custom_batching)
from .api_extras import (ShapeDtypeStruct, block_until_ready, closure_convert, custom_gradient,
                         device_get, device_put, eval_shape, linear_transpose, pure_callback)
from . import custom_derivatives  # jax.custom_derivatives: SymbolicZero, zero_from_primal, ...
from . import ad_checkpoint  # jax.ad_checkpoint: checkpoint (remat), checkpoint_name, policies
from . import errors  # jax.errors' names for tg.jit's ConcretizationError
from .ad_checkpoint import checkpoint_name, checkpoint_policies, remat
from . import lax
from . import fft  # tg.fft: numpy.fft / jax.numpy.fft, differentiable (complex values as JAX)
from . import autograd_api as autograd  # tg.autograd: HIPS autograd's names and signatures
from .autograd_api import (deriv, elementwise_grad, grad_and_aux, grad_named, hessian_tensor_product,
                           hessian_vector_product, make_ggnvp, make_hvp, make_jvp, make_vjp,
                           multigrad_dict, tensor_jacobian_product, vector_jacobian_product)
from . import jacobians, linalg
from .blocks import BlockJacobian
from .chain import chain_jacobians, jacobian, structured_jacobian
from .cost import cost
from . import elimination
from .elimination import eliminate, linearized_graph
from .explain import explain
from . import nn
from . import tensor_torch as _tensor_torch  # noqa: F401  (PyTorch's Tensor methods: t.exp(), t.view(-1), t.add_(1), ...)
from . import tensor_view_methods as _tensor_view_methods  # noqa: F401  (w.t().zero_() writes into w)
from . import tensor_torch_flavor as _tensor_torch_flavor  # noqa: F401  (t.std(), t.max(1): PyTorch's on its tensors)
from . import torch_indexing as _torch_indexing  # noqa: F401  (t[0, :, idx]: PyTorch's order of the axes)
from . import tensor_torch_forwarded as _tensor_torch_forwarded  # (installed at the end)
from .torch_functions import (as_tensor, bmm, chunk, clamp, clone, div, flatten,  # noqa: F401
                              from_numpy, gather, index_select, is_tensor, masked_fill, mm, mul,
                              mv, narrow, numel, permute, sub, t, take_along_dim, topk,
                              unsqueeze, cdist, kthvalue, cummax, cummin, logcumsumexp,
                              aminmax, view_as_real, view_as_complex, polar,
                              conj_physical, resolve_conj, resolve_neg, is_complex,
                              is_conj)  # (PyTorch's functions NumPy lacks)
from . import check, checkpoint, data, optim, perceptron, special, train
from . import test_util  # tg.test_util: jax.test_util's check_grads, check_jvp, check_vjp
from . import utils  # tg.utils.data: torch.utils.data (Dataset, DataLoader, random_split) on NumPy
from . import scipy  # tg.scipy.linalg, tg.scipy.special, tg.scipy.stats: jax.scipy's layout
from . import torch_top  # noqa: F401  (torch.svd, torch.qr, torch.cholesky_solve, ...: set below)
from . import torch_random  # noqa: F401  (torch.manual_seed, torch.randn, torch.randint, ...: set below)
from . import torch_top_more, torch_top_settings  # noqa: F401  (torch.eq, torch.conv1d, torch.hann_window, torch.compile, ...: set below)
from .tensor_torch_gaps import lu_unpack, strided  # noqa: F401  (torch.lu_unpack, torch.strided)
from . import random  # tg.random: jax.random's key-based samplers
from . import distributions  # tg.distributions: torch.distributions on tg.scipy.stats and tg.random
from . import image  # tg.image: jax.image's resize and scale_and_translate
from . import func  # tg.func: torch.func's names and keywords (grad_and_value, functional_call)
from .devices import (config, default_backend, default_matmul_precision, device_count,  # noqa: F401
                      devices, enable_x64, ensure_compile_time_eval, local_device_count,
                      local_devices, named_call, named_scope, process_count, process_index,
                      device, set_default_dtype, get_default_dtype)
from . import cuda  # tg.cuda.is_available(): False (torch.cuda's queries)
from .jax_backend import to_jax  # (imports JAX only when a conversion runs)
from . import dtypes  # jax.dtypes: float0, canonicalize_dtype, result_type, scalar_type_of, ...
from . import experimental  # jax.experimental: io_callback, jet, ode.odeint
from . import example_libraries  # jax.example_libraries: stax (layers as function pairs), optimizers
from . import numpy  # noqa: E402  (``import tensorgrad.numpy as jnp``: this namespace, jax.numpy's name)

__version__ = "0.1.0"


def _importable_namespaces(path: str, namespace, depth: int) -> None:
    """Make each namespace reachable as an attribute importable by the same dotted path.

    Some namespaces live in a module of another name (``tg.autograd`` is ``autograd_api``,
    ``tg.scipy.special`` is ``tensorgrad.special``, ``tg.optim.lr_scheduler`` is
    ``tensorgrad.lr_scheduler``), and ``tg.scipy.stats.norm`` and its siblings are built at
    import. As in JAX and PyTorch, ``import tensorgrad.scipy.special`` and
    ``from tensorgrad.optim.lr_scheduler import StepLR`` then work like the attribute does.
    """
    for name, value in list(vars(namespace).items()):
        full = f"{path}.{name}"
        if name.startswith("_") or not isinstance(value, _ModuleType):
            continue
        if not value.__name__.startswith(__name__ + "."):
            continue
        if value.__name__ != full and depth > 1:  # deeper down, only modules of their own path
            continue
        _sys.modules.setdefault(full, value)
        if depth < 2:
            _importable_namespaces(full, value, depth + 1)


for _space in ("autograd", "tree_util", "optim", "lax", "scipy", "nn", "distributions"):
    _importable_namespaces(f"{__name__}.{_space}", globals()[_space], 1)
    _sys.modules.setdefault(f"{__name__}.{_space}", globals()[_space])
del _space


__all__ = [
    "Tensor", "tensor", "REGISTRY", "Op", "Example", "get_op", "OpError",
    "vjp", "jvp", "linearize", "grad", "value_and_grad", "jacrev", "jacfwd", "jacobian",
    "hessian", "hvp", "jit", "vmap", "pmap", "custom_batching", "ConcretizationError", "custom_vjp", "custom_jvp", "no_grad", "inference_mode", "is_inference_mode_enabled", "debug_nans", "is_debugging_nans",
    "tree_flatten", "tree_unflatten", "tree_map", "tree_leaves", *ops.__all__,
    "jacobians", "linalg", "structured_jacobian", "chain_jacobians", "BlockJacobian", "cost", "explain",
    "to_jax", "image", "fft", "func", "devices", "local_devices", "device_count", "device", "cuda",
    "set_default_dtype", "get_default_dtype",
    "local_device_count", "default_backend", "process_index", "process_count", "named_call",
    "named_scope", "ensure_compile_time_eval", "config", "clear_caches", "elimination", "eliminate", "linearized_graph", "special",
    "ShapeDtypeStruct", "eval_shape", "linear_transpose", "custom_gradient", "pure_callback",
    "closure_convert", "block_until_ready", "device_put", "device_get", "remat", "ad_checkpoint", "custom_derivatives",
    "checkpoint_policies", "checkpoint_name", "make_jaxpr", "Array", "ShapedArray", "typeof",
    "elementwise_grad", "make_vjp", "make_jvp", "make_hvp", "hessian_tensor_product",
    "hessian_vector_product", "tensor_jacobian_product", "vector_jacobian_product", "grad_and_aux",
    "make_ggnvp", "grad_named", "multigrad_dict", "deriv", "dtypes", "experimental",
    "as_tensor", "bmm", "chunk", "clamp", "clone", "flatten", "from_numpy", "gather", "index_select",
    "is_tensor", "masked_fill", "mm", "mv", "narrow", "numel", "permute", "t", "topk", "unsqueeze",
    "mul", "div", "sub",
]

# PyTorch's dtype names that NumPy's namespace lacks (torch.float is float32, torch.int int32),
# and torch.complex(real, imag), set here at the end so that no code in this module reads them
# as Python's float, int and complex (none is in __all__: a star import keeps Python's)
globals().update(float=float32, int=int32, cfloat=complex64,  # noqa: F821  (ops' names)
                 complex=torch_functions.complex)  # noqa: F821
ndarray = numpy.ndarray  # (for isinstance: a NumPy array, a Tensor or a traced value is one)
# more of PyTorch's top-level functions: those that are a Tensor method on their first argument
# (torch.lerp, torch.det, ...), a few NumPy lacks, and torch.nn.functional's that torch also has at
# the top with the same arguments
_F_TOP = ("cosine_similarity", "pairwise_distance", "pdist", "layer_norm", "group_norm", "prelu",
          "hardshrink", "threshold", "bilinear")
# (attributes, not in __all__: documented with torch_functions and torch.nn.functional)
globals().update({n: getattr(torch_top, n) for n in torch_top.__all__})  # noqa: F821  (svd, qr, ...)
globals().update(_tensor_torch_flavor.functions(globals()))  # (tg.max(t, 1), ...: see tensorgrad.flavor)
globals().update({n: getattr(torch_random, n) for n in torch_random.__all__})  # noqa: F821  (randn, ...)
globals().update({n: getattr(_m, n) for _m in (torch_top_more, torch_top_settings)  # noqa: F821
                 for n in _m.__all__})  # (eq, conv1d, batch_norm, hann_window, get_rng_state, compile, ...)
globals().update({n: getattr(torch_functions, n) for n in torch_functions.TOP_LEVEL},  # noqa: F821
                 **{n: getattr(nn.functional, n) for n in _F_TOP}, block_diag=scipy.linalg.block_diag)  # noqa: F821
_tensor_torch_forwarded.install(globals())  # (t.adjoint(), t.svd(), t.igamma(x), ...: tg's functions)
