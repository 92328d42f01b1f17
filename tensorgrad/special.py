"""``tg.special``: the functions of ``scipy.special`` that models differentiate.

Each is a registered op (computed with SciPy, with its own derivative rules),
under SciPy's name and with SciPy's defaults::

    import tensorgrad as tg
    tg.grad(lambda x: tg.special.gammaln(x).sum())(x)

``scipy.special``'s ufuncs (``erf``, ``expit``, ``gammaln``, ``gamma``,
``xlogy``, ``kl_div``, ...) called directly on a Tensor dispatch here too.
SciPy's non-ufunc functions (``scipy.special.logsumexp``, ``softmax``,
``multigammaln``, ``factorial``, ``zeta``, ``comb``) convert their argument to an
ndarray, which a traced value refuses: use ``tg.special.logsumexp``,
``tg.special.softmax``, ``tg.special.multigammaln``, ``tg.special.factorial``,
``tg.special.zeta`` and ``tg.special.comb`` instead.

More of ``jax.scipy.special`` (:mod:`tensorgrad.ops.special_fns2`): ``zeta``,
``gammainc``, ``gammaincc``, ``betainc``, ``expn``, ``spence``, ``sici``,
``fresnel``, ``owens_t``, ``hyp1f1``, ``hyp2f1``, ``bessel_jn``, ``boxcox``,
``boxcox1p``, ``comb`` and ``bernoulli``. ``sici`` and ``fresnel`` return pairs;
``betainc`` and ``hyp2f1`` differentiate in x only, ``hyp1f1`` in a and b to second order
(and in x to any), and ``gammainc`` and ``gammaincc`` not twice in a (asking raises, naming
the function and argument).

Bessel functions of real order and a few more (:mod:`tensorgrad.ops.special_fns3`):
``j0``, ``j1``, ``y0``, ``y1``, ``jv``, ``jn`` (``jv``, as in SciPy), ``yv``, ``yn``,
``iv``, ``ive``, ``kv``, ``kve``, ``k0``, ``k1``, ``k0e``, ``k1e``, ``erfcinv``,
``rgamma``, ``huber`` and ``pseudo_huber``; ``softplus`` is ``tg.softplus``
(``scipy.special.softplus`` on a Tensor calls ``np.logaddexp``, which dispatches). The
Bessel functions differentiate in z to any order, not in their order (asking raises).

The rest of PyTorch's ``torch.special`` under its names, argument order and values
(:mod:`tensorgrad.ops.torch_special`): the polynomials ``chebyshev_polynomial_t(input, n)``,
``_u``, ``_v``, ``_w``, ``shifted_chebyshev_polynomial_t`` (``_u``, ``_v``, ``_w``),
``hermite_polynomial_h``, ``hermite_polynomial_he``, ``laguerre_polynomial_l`` and
``legendre_polynomial_p`` (a float n cut towards zero, 0 for a negative n), ``airy_ai``, and
the aliases ``bessel_j0``, ``bessel_j1``, ``bessel_y0``, ``bessel_y1`` (``j0``, ...),
``modified_bessel_i0``, ``_i1``, ``_k0``, ``_k1`` (``i0``, ...), ``scaled_modified_bessel_k0``,
``_k1`` (``k0e``, ``k1e``), ``spherical_bessel_j0`` (``spherical_jn(0, x)``), ``exp2``,
``expm1``, ``log1p``, ``round`` and ``sinc`` (the normalized sin(πx)/(πx)). All differentiate
in x to any order. SciPy's ``airy(z)`` gives ``(Ai, Ai′, Bi, Bi′)`` for real z, each
differentiable to any order.
"""
from __future__ import annotations

from .ops.activations import erf, logsumexp
from .ops import astype as _astype
from .ops._util import torch_axes
from .registry import register_numpy
from .ops.activations import log_softmax as _log_softmax
from .ops.activations import sigmoid as expit
from .ops.activations import softmax as _softmax
from .ops.special_fns import (beta, betaln, dawsn, digamma, entr, erfc, erfcx, erfinv, exp1, expi,
                              factorial, gamma, gammaln, gammasgn, i0, i0e, i1, i1e, kl_div, log_ndtr,
                              loggamma, logit, multigammaln, ndtr, ndtri, poch, polygamma, rel_entr,
                              xlog1py, xlogy)
from .ops.special_fns2 import (bernoulli, bessel_jn, betainc, boxcox, boxcox1p, comb, expn, fresnel,
                               gammainc, gammaincc, hyp1f1, hyp2f1, owens_t, sici, spence, zeta)
from .ops.activations import softplus
from .ops.special_fns3 import (erfcinv, huber, iv, ive, j0, j1, jn, jv, k0, k0e, k1, k1e, kv, kve,
                               pseudo_huber, rgamma, wofz, y0, y1, yn, yv)
from .ops.spherical import sph_harm_y
from .ops.orthopoly import (eval_chebyt, eval_chebyu, eval_hermite, eval_hermitenorm, eval_laguerre,
                            eval_legendre, eval_sh_chebyt, eval_sh_chebyu, eval_sh_legendre, spherical_in,
                            spherical_jn, spherical_kn, spherical_yn)
from .ops.discrete import round  # noqa: A004  (PyTorch's name)
from .ops.elementwise import expm1, log1p
from .ops.elementwise_more import exp2, sinc
from .ops.torch_special import (airy, airy_ai, chebyshev_polynomial_t, chebyshev_polynomial_u,
                                chebyshev_polynomial_v, chebyshev_polynomial_w, hermite_polynomial_h,
                                hermite_polynomial_he, laguerre_polynomial_l, legendre_polynomial_p,
                                shifted_chebyshev_polynomial_t, shifted_chebyshev_polynomial_u,
                                shifted_chebyshev_polynomial_v, shifted_chebyshev_polynomial_w,
                                spherical_bessel_j0)
from .typing import Array, ArrayLike, Axis  # noqa: F401

psi = digamma
bessel_j0, bessel_j1, bessel_y0, bessel_y1 = j0, j1, y0, y1  # PyTorch's names
modified_bessel_i0, modified_bessel_i1, modified_bessel_k0, modified_bessel_k1 = i0, i1, k0, k1
scaled_modified_bessel_k0, scaled_modified_bessel_k1 = k0e, k1e

__all__ = ["erf", "erfc", "erfinv", "gammaln", "digamma", "psi", "polygamma", "expit", "logit", "xlogy",
           "xlog1py", "ndtr", "log_ndtr", "i0", "i1", "i0e", "i1e", "logsumexp", "softmax", "log_softmax",
           "gamma", "loggamma", "gammasgn", "beta", "betaln", "poch", "multigammaln", "factorial", "entr",
           "rel_entr", "kl_div", "ndtri", "erfcx", "dawsn", "exp1", "expi", "zeta", "gammainc", "gammaincc",
           "betainc", "expn", "spence", "sici", "fresnel", "owens_t", "hyp1f1", "hyp2f1", "bessel_jn",
           "boxcox", "boxcox1p", "comb", "bernoulli", "j0", "j1", "y0", "y1", "jv", "jn", "yv", "yn", "iv",
           "ive", "kv", "kve", "k0", "k1", "k0e", "k1e", "erfcinv", "rgamma", "huber", "pseudo_huber",
           "softplus", "wofz", "sph_harm_y", "eval_legendre", "eval_chebyt", "eval_chebyu", "eval_hermite",
           "eval_hermitenorm", "eval_laguerre", "eval_sh_legendre", "eval_sh_chebyt", "eval_sh_chebyu",
           "spherical_jn", "spherical_yn", "spherical_in", "spherical_kn", "airy",
           # PyTorch's torch.special
           "airy_ai", "bessel_j0", "bessel_j1", "bessel_y0", "bessel_y1", "modified_bessel_i0",
           "modified_bessel_i1", "modified_bessel_k0", "modified_bessel_k1", "scaled_modified_bessel_k0",
           "scaled_modified_bessel_k1", "spherical_bessel_j0", "exp2", "expm1", "log1p", "round", "sinc",
           "chebyshev_polynomial_t", "chebyshev_polynomial_u", "chebyshev_polynomial_v",
           "chebyshev_polynomial_w", "shifted_chebyshev_polynomial_t", "shifted_chebyshev_polynomial_u",
           "shifted_chebyshev_polynomial_v", "shifted_chebyshev_polynomial_w", "hermite_polynomial_h",
           "hermite_polynomial_he", "laguerre_polynomial_l", "legendre_polynomial_p"]


def _torch_dim(name: str, x, axis, dim, dtype):
    """(x cast to ``dtype``, the axis): ``torch.special``'s ``dim`` names ``axis``."""
    axis = torch_axes(f"special.{name}", axis, False, dim, None)[0]
    return (x if dtype is None else _astype(x, dtype)), axis


def softmax(x: ArrayLike, axis: Axis = None, *, dim: Axis = None, dtype=None) -> Array:
    """exp(x) / Σ exp(x) over ``axis``: by default over *all* entries, as SciPy (``tg.softmax``
    defaults to the last axis). A tuple of axes normalizes over those axes together.
    ``torch.special.softmax``'s ``dim`` names ``axis``, and ``dtype`` casts ``x`` first."""
    x, axis = _torch_dim("softmax", x, axis, dim, dtype)
    return _softmax(x, axis=axis)


def log_softmax(x: ArrayLike, axis: Axis = None, *, dim: Axis = None, dtype=None) -> Array:
    """log(softmax(x)) over ``axis`` (by default over all entries, as SciPy; ``dim`` and
    ``dtype`` as in :func:`softmax`)."""
    x, axis = _torch_dim("log_softmax", x, axis, dim, dtype)
    return _log_softmax(x, axis=axis)

# SciPy's ufuncs of the same meaning, called on a Tensor (``scipy.special.log1p(t)``), are these
# (the others are declared with their ops)
for _name in ("exp2", "expm1", "log1p", "round"):  # (digamma is psi, jn is jv: served)
    register_numpy(f"scipy.special.{_name}", globals()[_name])
del _name
