"""The op set, grouped by kind; each module reads as a table of registry entries.

Importing this package registers every op and exports every public function
(``tg.tanh``, ``tg.sum``, ...): exactly :data:`tensorgrad.registry.FUNCTIONS`.
"""
from ..registry import FUNCTIONS, REGISTRY
from . import elementwise, shape, reductions, linalg, activations, conv  # noqa: F401  (registers the ops)
from . import elementwise_more, discrete, scans, special_fns, special_fns2  # noqa: F401
from . import arrange, selection, linalg_ops, determinant, decompositions, factorizations, norms  # noqa: F401  (NumPy's shape functions, tg.linalg)
from . import statistics, signal, numpy_args  # noqa: F401  (NaN-aware reductions, quantiles, cov; convolve, interp, ...; where=/order=)
from . import updates  # noqa: F401  (t.at[index].set(v), .add, ...: functional index updates)
from . import rearrange  # noqa: F401  (insert, delete, resize, choose, ...: gathers at positions NumPy computes)
from . import creation  # noqa: F401  (zeros, ones, full, eye, arange, array, asarray; tg.pi, tg.float32, ...)
from . import counting  # noqa: F401  (histogram, unique_counts/inverse/all, poly, trim_zeros, ix_, ...)
from . import sets  # noqa: F401  (intersect1d, union1d, setdiff1d, setxor1d, partition, polyadd, polyfit, ...)
from . import activations_more  # noqa: F401  (elu, selu, silu, mish, relu6, hard_tanh, ...: jax.nn's)
from . import matrix_functions  # noqa: F401  (expm, with its Fréchet derivative)
from . import matrix_functions2  # noqa: F401  (sqrtm, logm, cosm, ..., signm, fractional_matrix_power)
from . import mapping  # noqa: F401  (vectorize, apply_along_axis, logspace, geomspace, matvec, fill_diagonal, ...)
from . import special_fns3  # noqa: F401  (Bessel j/y/i/k of real order, erfcinv, rgamma, huber, pseudo_huber)
from . import numpy_namespace  # noqa: F401  (ascontiguousarray, copyto, sliding_window_view, min_scalar_type, ...)

from . import complex_ops  # noqa: F401  (real, imag, conj, complex, angle of complex arrays)
from . import fft_ops  # noqa: F401  (fft, ifft, rfft, irfft along one axis: tg.fft builds on them)
from . import eig  # noqa: F401  (tg.linalg.eig: eigenvalues and eigenvectors of a general matrix)
from . import segments  # noqa: F401  (segment_sum, _prod, _max, _min: jax.ops')
from . import spherical  # noqa: F401  (sph_harm_y: spherical harmonics, differentiable in the angles)
from . import orthopoly  # noqa: F401  (eval_legendre, eval_chebyt, ..., spherical_jn, ...: orthogonal polynomials, spherical Bessel)
from . import torch_special  # noqa: F401  (chebyshev_polynomial_t, ..., airy_ai, airy: torch.special's polynomials, Airy functions)
from . import ufunc_methods  # noqa: F401  (tg.add.outer, .reduce, .accumulate, .at: NumPy's ufunc methods)

#: Ops whose rules also hold for complex values, under JAX's convention (see
#: tensorgrad.complexity): holomorphic elementwise ops, linear and shape ops, products.
#: tests/test_complex.py checks each against JAX on complex inputs; any other op refuses
#: complex values on a trace.
COMPLEX_OPS = (
    "add", "subtract", "multiply", "divide", "negative", "square", "sqrt", "exp", "log",
    "log1p", "expm1", "abs", "sin", "cos", "tan", "tanh", "sinh", "cosh", "reciprocal",
    "log2", "log10", "exp2", "power", "where", "reshape", "transpose", "expand_dims",
    "squeeze", "broadcast_to", "getitem", "concatenate", "stack", "sum", "mean", "prod",
    "matmul", "einsum", "tensordot", "dot", "outer", "cumsum", "cumprod", "diff", "trace",
    "flip", "roll", "repeat", "tile", "pad", "diagonal", "diag", "tril", "triu", "inv", "solve",
    "det", "astype", "arctan", "arcsin", "arccos", "arcsinh", "arccosh", "arctanh",
    "sort", "max", "min", "nansum", "nanmean", "sinc", "ptp", "eigh", "eigvalsh", "scatter_add",
    "cholesky", "slogdet", "qr", "svd", "svdvals", "pinv", "expm", "cofactor", "cofactor_dir",
    "sigmoid", "softplus", "log_sigmoid", "silu", "average", "logaddexp", "logaddexp2",
    "softmax", "log_softmax",
)
for _name in COMPLEX_OPS:
    REGISTRY[_name].complex = True

globals().update(FUNCTIONS)
__all__ = sorted(FUNCTIONS)
