"""``torch.nn.utils`` as ``tg.nn.utils``: gradient clipping (pure and in-place forms), parameter
vectors, batch-norm fusion (:mod:`.clip_grad`), weight and spectral normalization as wrapper
Modules (:mod:`.parametrize`; PyTorch's newer names in :mod:`.parametrizations`) and ``tg.nn.utils.rnn``'s ``pad_sequence`` /
``unpad_sequence`` (:mod:`.rnn`)."""
from . import clip_grad, convert_parameters, fusion, parametrizations, parametrize, rnn
from .clip_grad import (clip_grad_norm, clip_grad_norm_, clip_grad_value, clip_grad_value_,
                        clip_grads_with_norm, clip_grads_with_norm_, fuse_conv_bn_weights,
                        fuse_linear_bn_weights, get_total_norm, parameters_to_vector,
                        vector_to_parameters)
from .fusion import fuse_conv_bn_eval, fuse_linear_bn_eval, skip_init  # (torch.nn.utils.fusion)
from .parametrize import (SpectralNorm, WeightNorm, remove_spectral_norm, remove_weight_norm,
                          spectral_norm, weight_norm)

__all__ = ["get_total_norm", "clip_grads_with_norm", "clip_grads_with_norm_", "clip_grad_norm",
           "clip_grad_norm_", "clip_grad_value", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters", "fuse_conv_bn_weights", "fuse_linear_bn_weights",
           "WeightNorm", "SpectralNorm", "weight_norm", "remove_weight_norm", "spectral_norm",
           "remove_spectral_norm", "rnn", "clip_grad", "parametrize", "parametrizations", "convert_parameters",
           "stateless"]  # (stateless: made by tensorgrad.func, where functional_call lives)
__all__ += ["fuse_conv_bn_eval", "fuse_linear_bn_eval", "skip_init", "fusion"]
