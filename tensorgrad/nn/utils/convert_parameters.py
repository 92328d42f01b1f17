"""``torch.nn.utils.convert_parameters``' import path: ``parameters_to_vector`` and
``vector_to_parameters`` (the functions of :mod:`tensorgrad.nn.utils`)."""
from .clip_grad import parameters_to_vector, vector_to_parameters

__all__ = ["parameters_to_vector", "vector_to_parameters"]
