"""``tg.distributions``: PyTorch's ``torch.distributions`` classes on tensorgrad.

Parameters and values may be arrays, numbers or traced values: ``log_prob``, ``cdf``,
``entropy``, ``mean``, ``variance``, ``rsample`` and ``kl_divergence`` are compositions of
tensorgrad ops, so ``tg.grad``, ``tg.jit`` and ``tg.vmap`` go through them. Draws need an
explicit key from :mod:`tensorgrad.random` (``d.sample((5,), key=tg.random.PRNGKey(0))``).
"""
from . import constraints
from .constraint_registry import biject_to, transform_to
from .continuous import (Beta, Cauchy, Chi2, Exponential, Gamma, Gumbel, HalfCauchy, HalfNormal,
                         Laplace, LogNormal, Normal, Pareto, StudentT, Uniform, VonMises, Weibull)
from .continuous_more import (ContinuousBernoulli, ExponentialFamily, FisherSnedecor,
                              GeneralizedPareto, Kumaraswamy, LogisticNormal,
                              OneHotCategoricalStraightThrough)
from .discrete import (Bernoulli, Binomial, Categorical, Geometric, NegativeBinomial,
                       OneHotCategorical, Poisson)
from .distribution import Distribution
from .kl import kl_divergence, register_kl
from . import kl_cross as _kl_cross  # registers the cross-family KL pairs
del _kl_cross
from .matrix_dists import LKJCholesky, Wishart
from .multivariate import (Dirichlet, Independent, LowRankMultivariateNormal, MultivariateNormal,
                           Multinomial)
from .transformed import (ExpRelaxedCategorical, InverseGamma, LogitRelaxedBernoulli,
                          MixtureSameFamily, RelaxedBernoulli, RelaxedOneHotCategorical,
                          TransformedDistribution)
from .transforms import (AffineTransform, ComposeTransform, ExpTransform, PowerTransform,
                         SigmoidTransform, SoftplusTransform, TanhTransform, Transform)
from .transforms_more import (AbsTransform, CatTransform, CorrCholeskyTransform,
                              CumulativeDistributionTransform, IndependentTransform,
                              LowerCholeskyTransform, PositiveDefiniteTransform, ReshapeTransform,
                              SoftmaxTransform, StackTransform, StickBreakingTransform)
from . import transforms as _transforms, transforms_more as _transforms_more
# torch.distributions' per-family modules (``from tensorgrad.distributions.normal import Normal``)
from . import (bernoulli, beta, binomial, categorical, cauchy, chi2,  # noqa: F401
               continuous_bernoulli, dirichlet, exp_family, exponential, fishersnedecor, gamma,
               generalized_pareto, geometric, gumbel, half_cauchy, half_normal, independent,
               inverse_gamma, kumaraswamy, laplace, lkj_cholesky, log_normal, logistic_normal,
               lowrank_multivariate_normal, mixture_same_family, multinomial, multivariate_normal,
               negative_binomial, normal, one_hot_categorical, pareto, poisson, relaxed_bernoulli,
               relaxed_categorical, studentT, transformed_distribution, uniform, utils, von_mises,
               weibull, wishart)

# PyTorch's torch.distributions.transforms holds every transform: those of transforms_more too
# (``from tensorgrad.distributions.transforms import StickBreakingTransform``)
for _name in _transforms_more.__all__:
    setattr(_transforms, _name, getattr(_transforms_more, _name))
_transforms.__all__ = [*_transforms.__all__, *_transforms_more.__all__]
del _name

__all__ = ["Distribution", "constraints", "kl_divergence", "register_kl", "biject_to", "transform_to",
           "Normal", "LogNormal", "Uniform", "Exponential", "Gamma", "Chi2", "Beta", "Laplace",
           "Cauchy", "StudentT", "HalfNormal", "HalfCauchy", "Gumbel", "Pareto", "Weibull",
           "Bernoulli", "Binomial", "Geometric", "Poisson", "Categorical", "OneHotCategorical",
           "Multinomial", "Dirichlet", "MultivariateNormal", "Independent", "LowRankMultivariateNormal",
           "TransformedDistribution", "MixtureSameFamily", "Transform", "ExpTransform",
           "AffineTransform", "SigmoidTransform", "TanhTransform", "SoftplusTransform",
           "PowerTransform", "ComposeTransform", "NegativeBinomial", "InverseGamma", "VonMises",
           "LogitRelaxedBernoulli", "RelaxedBernoulli", "ExpRelaxedCategorical", "RelaxedOneHotCategorical",
           "ExponentialFamily", "ContinuousBernoulli", "FisherSnedecor", "Kumaraswamy",
           "GeneralizedPareto", "LogisticNormal", "OneHotCategoricalStraightThrough",
           "AbsTransform", "SoftmaxTransform", "StickBreakingTransform", "LowerCholeskyTransform",
           "ReshapeTransform", "IndependentTransform", "CatTransform", "StackTransform",
           "CumulativeDistributionTransform", "CorrCholeskyTransform", "PositiveDefiniteTransform",
           "Wishart", "LKJCholesky"]
