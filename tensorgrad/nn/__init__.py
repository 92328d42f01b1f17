"""Neural-network building blocks: activations and losses (registered ops)."""
from ..ops.nn import (erf, gelu, leaky_relu, log_sigmoid, log_softmax, logsumexp, mse, relu,  # noqa: F401
                      sigmoid, softmax, softmax_cross_entropy, softplus)

__all__ = ["sigmoid", "relu", "leaky_relu", "softplus", "log_sigmoid", "gelu", "erf",
           "logsumexp", "softmax", "log_softmax", "softmax_cross_entropy", "mse"]
