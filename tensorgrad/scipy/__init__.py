"""``tg.scipy``: the differentiable parts of SciPy in ``jax.scipy``'s layout, so code written
for ``jax.scipy`` runs on tensorgrad:

* ``tg.scipy.special``: the same module as ``tg.special``;
* ``tg.scipy.linalg``: ``expm`` (with its Fréchet derivative), ``solve_triangular``,
  ``cho_factor``/``cho_solve``, and ``tg.linalg``'s functions under SciPy's names;
* ``tg.scipy.stats``: ``norm``, ``expon``, ``logistic``, ``laplace``, ``cauchy``,
  ``uniform``, ``t``, ``gamma``, ``beta``, ``chi2``, ``poisson``, ``bernoulli``, ``binom``,
  ``geom``, ``multivariate_normal``: their log-densities (and more), differentiable in
  every argument;
* ``tg.scipy.signal``: ``convolve``, ``correlate`` (N-dimensional), ``convolve2d``,
  ``correlate2d`` (with SciPy's boundaries), ``fftconvolve`` (computed directly) and
  ``detrend``, differentiable in both inputs, and the spectral estimates ``welch``,
  ``periodogram``, ``spectrogram`` and ``csd`` (real parts; ``stft``/``istft`` refused);
* ``tg.scipy.integrate``: ``trapezoid``, ``simpson``, ``cumulative_trapezoid``,
  ``cumulative_simpson`` and ``odeint`` (adaptive Dormand–Prince, JAX's signature; its
  derivatives in the initial state, the arguments and the times are those of the computed
  solution);
* ``tg.scipy.sparse.linalg``: the iterative solvers ``cg``, ``gmres`` and ``bicgstab``
  (a matrix or a linear function, pytree right-hand sides; derivatives by implicit
  differentiation through ``tg.lax.custom_linear_solve``);
* ``tg.scipy.optimize``: ``minimize`` with ``method="BFGS"`` (``OptimizeResults``) and its
  strong-Wolfe ``line_search``, JAX's iterations on NumPy values;
* ``tg.scipy.ndimage``: ``map_coordinates`` (orders 0 and 1, JAX's modes), differentiable in
  the input and the coordinates;
* ``tg.scipy.interpolate``: ``RegularGridInterpolator`` (``'linear'``, ``'nearest'``),
  differentiable in the values, the query points and the grid;
* ``tg.scipy.fft``: ``dct``, ``idct``, ``dctn``, ``idctn`` (types 1 to 4, SciPy's norms), as
  products with cosine matrices;
* ``tg.scipy.spatial.transform``: ``Rotation`` (quaternions, matrices, rotation vectors,
  MRPs, Euler angles; ``apply``, composition, ``mean``) and ``Slerp``, both pytrees;
* ``tg.scipy.cluster.vq``: ``vq`` (nearest codes and their distances, differentiable).
"""
from __future__ import annotations

from .. import special  # noqa: F401
from . import linalg  # noqa: F401
from . import integrate  # noqa: F401
from . import signal  # noqa: F401
from . import stats  # noqa: F401
from . import sparse  # noqa: F401
from . import optimize  # noqa: F401
from . import fft  # noqa: F401
from . import interpolate  # noqa: F401
from . import ndimage  # noqa: F401
from . import spatial  # noqa: F401
from . import cluster  # noqa: F401
