"""``jax.example_libraries.stax`` on tensorgrad: neural-network layers as pairs of functions.

A layer is a pair ``(init_fun, apply_fun)``:

* ``init_fun(rng, input_shape)`` takes a ``tg.random`` key and the shape of the inputs and
  returns ``(output_shape, params)``; ``params`` is a pytree (tuples and lists) of arrays;
* ``apply_fun(params, inputs, **kwargs)`` computes the layer's outputs. The keyword ``rng``
  carries a key to the layers that draw random numbers (``Dropout``).

Combinators (``serial``, ``parallel``, ``shape_dependent``) build layers out of layers, and
the result is again a pair, so a whole network is one ``(init_fun, apply_fun)``. Everything is
written with ``tg``'s functions, ``tg.lax`` and ``tg.nn``, so ``tg.grad`` differentiates an
``apply_fun`` with respect to its parameters and ``tg.jit`` compiles it.

The names, signatures, shapes and results are JAX's. The keys are ``tg.random``'s, whose bits
are not JAX's: an ``init_fun`` splits its key the way JAX's does, but the numbers drawn from
it differ, and so do ``Dropout``'s masks. Given the same parameters and inputs, ``apply_fun``
computes what JAX's does.
"""
from __future__ import annotations

import functools
import math

import numpy as np

from .. import lax
from .. import random
from .. import ops as _np
from ..ops.names import ndim as _ndim
from ..nn import (elu, gelu, leaky_relu, log_softmax, relu, selu, sigmoid, softmax, softplus,
                  standardize)
from ..nn.initializers import glorot_normal, normal, ones, zeros

__all__ = [
    "Dense", "GeneralConv", "Conv", "GeneralConvTranspose", "Conv1DTranspose", "ConvTranspose",
    "BatchNorm", "elementwise", "Tanh", "Relu", "Exp", "LogSoftmax", "Softmax", "Softplus",
    "Sigmoid", "Elu", "LeakyRelu", "Selu", "Gelu", "MaxPool", "SumPool", "AvgPool", "Flatten",
    "Identity", "FanOut", "FanInSum", "FanInConcat", "Dropout", "serial", "parallel",
    "shape_dependent", "glorot", "randn", "logsoftmax", "glorot_normal", "normal", "ones",
    "zeros", "relu", "log_softmax", "softmax", "softplus", "sigmoid", "elu", "leaky_relu",
    "selu", "gelu", "standardize",
]

# the older names JAX's module keeps
glorot = glorot_normal
randn = normal
logsoftmax = log_softmax


def _parameterless(shape_of=lambda shape: shape):
    """An ``init_fun`` for a layer without parameters: the output shape from the input's."""
    def init_fun(rng, input_shape):
        return shape_of(input_shape), ()
    return init_fun


# ---------------------------------------------------------------------------------------------
# layers with parameters

def Dense(out_dim, W_init=glorot_normal(), b_init=normal()):
    """A fully connected layer: ``inputs @ W + b``, ``W`` of shape ``(in_dim, out_dim)``."""
    def init_fun(rng, input_shape):
        k_w, k_b = random.split(rng)
        in_dim = input_shape[-1]
        params = (W_init(k_w, (in_dim, out_dim)), b_init(k_b, (out_dim,)))
        return tuple(input_shape[:-1]) + (out_dim,), params

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        return _np.dot(inputs, W) + b
    return init_fun, apply_fun


def _kernel_and_bias_shapes(dimension_numbers, out_chan, filter_shape, input_shape):
    """The kernel's shape in the layout ``rhs_spec`` (spatial sizes from ``filter_shape`` in
    order, 'I' the input's channels, 'O' ``out_chan``) and the bias's, broadcast along the
    output's layout (``out_chan`` at 'C', ones elsewhere)."""
    lhs_spec, rhs_spec, out_spec = dimension_numbers
    spatial = iter(filter_shape)
    kernel = []
    for letter in rhs_spec:
        if letter == "O":
            kernel.append(out_chan)
        elif letter == "I":
            kernel.append(input_shape[lhs_spec.index("C")])
        else:
            kernel.append(next(spatial))
    bias = [out_chan if letter == "C" else 1 for letter in out_spec]
    return kernel, bias


def _conv_layer(transposed, dimension_numbers, out_chan, filter_shape, strides, padding,
                W_init, b_init):
    _, rhs_spec, _ = dimension_numbers
    unit = (1,) * len(filter_shape)
    strides = strides or unit
    if W_init is None:  # fan-in over the kernel's 'I' axis, fan-out over its 'O' axis
        W_init = glorot_normal(rhs_spec.index("I"), rhs_spec.index("O"))
    shape_rule = lax.conv_transpose_shape_tuple if transposed else lax.conv_general_shape_tuple

    def init_fun(rng, input_shape):
        kernel_shape, bias_shape = _kernel_and_bias_shapes(dimension_numbers, out_chan,
                                                           filter_shape, input_shape)
        output_shape = shape_rule(input_shape, kernel_shape, strides, padding, dimension_numbers)
        k_w, k_b = random.split(rng)
        return output_shape, (W_init(k_w, kernel_shape), b_init(k_b, bias_shape))

    def apply_fun(params, inputs, **kwargs):
        W, b = params
        if transposed:
            out = lax.conv_transpose(inputs, W, strides, padding,
                                     dimension_numbers=dimension_numbers)
        else:
            out = lax.conv_general_dilated(inputs, W, strides, padding, unit, unit,
                                           dimension_numbers=dimension_numbers)
        return out + b
    return init_fun, apply_fun


def GeneralConv(dimension_numbers, out_chan, filter_shape, strides=None, padding="VALID",
                W_init=None, b_init=normal(1e-6)):
    """A convolution layer of any layout: ``dimension_numbers`` is ``(lhs_spec, rhs_spec,
    out_spec)`` as strings (``('NHWC', 'HWIO', 'NHWC')``), the kernel's spatial sizes are
    ``filter_shape`` in ``rhs_spec``'s order; ``padding`` is 'VALID', 'SAME' or explicit pairs.
    The bias has the output's rank, ``out_chan`` along its 'C' axis."""
    return _conv_layer(False, dimension_numbers, out_chan, filter_shape, strides, padding,
                       W_init, b_init)


def GeneralConvTranspose(dimension_numbers, out_chan, filter_shape, strides=None,
                         padding="VALID", W_init=None, b_init=normal(1e-6)):
    """A transposed convolution layer (``lax.conv_transpose``) of any layout, with
    ``GeneralConv``'s arguments."""
    return _conv_layer(True, dimension_numbers, out_chan, filter_shape, strides, padding,
                       W_init, b_init)


Conv = functools.partial(GeneralConv, ("NHWC", "HWIO", "NHWC"))
Conv1DTranspose = functools.partial(GeneralConvTranspose, ("NHC", "HIO", "NHC"))
ConvTranspose = functools.partial(GeneralConvTranspose, ("NHWC", "HWIO", "NHWC"))


def BatchNorm(axis=(0, 1, 2), epsilon=1e-5, center=True, scale=True, beta_init=zeros,
              gamma_init=ones):
    """Normalize over ``axis`` (the batch's statistics, ``tg.nn.standardize``), then scale by
    ``gamma`` and shift by ``beta``, both shaped as the axes kept. Without ``center``
    (``scale``) the layer has no ``beta`` (``gamma``): ``()`` in its place."""
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)

    def init_fun(rng, input_shape):
        kept = tuple(n for k, n in enumerate(input_shape) if k not in axes)
        k_beta, k_gamma = random.split(rng)
        beta = beta_init(k_beta, kept) if center else ()
        gamma = gamma_init(k_gamma, kept) if scale else ()
        return input_shape, (beta, gamma)

    def apply_fun(params, x, **kwargs):
        beta, gamma = params
        z = standardize(x, axes, epsilon=epsilon)
        # the parameters take a unit axis at each normalized axis, to broadcast against x
        spread = tuple(None if k in axes else slice(None) for k in range(_ndim(x)))
        if scale:
            z = gamma[spread] * z
        if center:
            z = z + beta[spread]
        return z
    return init_fun, apply_fun


# ---------------------------------------------------------------------------------------------
# layers without parameters

def elementwise(fun, **fun_kwargs):
    """A layer without parameters applying ``fun(inputs, **fun_kwargs)``."""
    def apply_fun(params, inputs, **kwargs):
        return fun(inputs, **fun_kwargs)
    return _parameterless(), apply_fun


Tanh = elementwise(_np.tanh)
Relu = elementwise(relu)
Exp = elementwise(_np.exp)
LogSoftmax = elementwise(log_softmax, axis=-1)
Softmax = elementwise(softmax, axis=-1)
Softplus = elementwise(softplus)
Sigmoid = elementwise(sigmoid)
Elu = elementwise(elu)
LeakyRelu = elementwise(leaky_relu)
Selu = elementwise(selu)
Gelu = elementwise(gelu)


def _with_unit_axes(sizes, positions):
    """``sizes`` with a 1 inserted at each of ``positions`` (in increasing order)."""
    sizes = tuple(sizes)
    for p in sorted(positions):
        sizes = sizes[:p] + (1,) + sizes[p:]
    return sizes


def _batch_and_channel_axes(spec, ndim):
    """The axes a pooling window leaves alone: 'N' and 'C' of ``spec``, else the first and last."""
    return (0, ndim - 1) if spec is None else (spec.index("N"), spec.index("C"))


def _window_counts(inputs, spatial_window, spatial_strides, padding, spec):
    """How many input entries (not padding) each output entry's window covers, broadcastable
    against the pooled output."""
    skipped = _batch_and_channel_axes(spec, inputs.ndim)
    spatial = tuple(n for k, n in enumerate(inputs.shape) if k not in skipped)
    counts = lax.reduce_window(np.ones(spatial, dtype=inputs.dtype), 0.0, lax.add,
                               spatial_window, spatial_strides, padding)
    return np.reshape(counts, _with_unit_axes(counts.shape, skipped))


def _pool(computation, init_value, average=False):
    def PoolingLayer(window_shape, strides=None, padding="VALID", spec=None):
        spatial_window = tuple(window_shape)
        spatial_strides = tuple(strides or (1,) * len(spatial_window))
        # the window spans one entry of the batch and channel axes, and moves by one along them
        skipped = _batch_and_channel_axes(spec, len(spatial_window) + 2)
        window = _with_unit_axes(spatial_window, skipped)
        steps = _with_unit_axes(spatial_strides, skipped)

        def init_fun(rng, input_shape):
            pads = lax.padtype_to_pads(input_shape, window, steps, padding)
            unit = (1,) * len(window)
            return lax.reduce_window_shape_tuple(input_shape, window, steps, pads, unit, unit), ()

        def apply_fun(params, inputs, **kwargs):
            out = lax.reduce_window(inputs, init_value, computation, window, steps, padding)
            if average:
                out = out / _window_counts(inputs, spatial_window, spatial_strides, padding,
                                           spec)
            return out
        return init_fun, apply_fun
    return PoolingLayer


MaxPool = _pool(lax.max, -np.inf)
MaxPool.__doc__ = """Max pooling over windows of the spatial axes: ``MaxPool(window_shape,
strides=None, padding='VALID', spec=None)``; ``spec`` (as 'NHWC') names the batch and
channel axes, which are else the first and the last."""
SumPool = _pool(lax.add, 0.0)
SumPool.__doc__ = "Sum pooling, with ``MaxPool``'s arguments."
AvgPool = _pool(lax.add, 0.0, average=True)
AvgPool.__doc__ = """Average pooling, with ``MaxPool``'s arguments: each window's sum divided by
the number of input entries in it (padding is not counted)."""


def _flatten_layer():
    """All axes but the first (the batch) into one."""
    def apply_fun(params, inputs, **kwargs):
        return _np.reshape(inputs, (inputs.shape[0], -1))
    return _parameterless(lambda shape: (shape[0], math.prod(shape[1:]))), apply_fun


Flatten = _flatten_layer()
Identity = (_parameterless(), lambda params, inputs, **kwargs: inputs)


def FanOut(num):
    """Copy the input into a list of ``num`` inputs (for ``parallel``)."""
    def apply_fun(params, inputs, **kwargs):
        return [inputs] * num
    return _parameterless(lambda shape: [shape] * num), apply_fun


FanInSum = (_parameterless(lambda shapes: shapes[0]),
            lambda params, inputs, **kwargs: sum(inputs))


def FanInConcat(axis=-1):
    """Concatenate a list of inputs along ``axis``."""
    def output_shape(shapes):
        ax = axis % len(shapes[0])
        joined = sum(shape[ax] for shape in shapes)
        return tuple(shapes[0][:ax]) + (joined,) + tuple(shapes[0][ax + 1:])

    def apply_fun(params, inputs, **kwargs):
        return _np.concatenate(inputs, axis)
    return _parameterless(output_shape), apply_fun


def Dropout(rate, mode="train"):
    """Dropout, as JAX's stax has it: in ``mode='train'`` an entry is KEPT with probability
    ``rate`` (and divided by ``rate``), else zeroed; any other mode passes the inputs through.
    ``apply_fun`` needs a key in either mode: ``apply_fun(params, inputs, rng=key)``."""
    def apply_fun(params, inputs, **kwargs):
        rng = kwargs.get("rng")
        if rng is None:
            raise ValueError("Dropout's apply_fun needs a random key: call it as "
                             "apply_fun(params, inputs, rng=key), with key from "
                             "tg.random.key (or PRNGKey) or tg.random.split.")
        if mode != "train":
            return inputs
        kept = random.bernoulli(rng, rate, inputs.shape)
        return _np.where(kept, inputs / rate, 0)
    return _parameterless(), apply_fun


# ---------------------------------------------------------------------------------------------
# combinators

def _keys_for(kwargs, n):
    """Take ``rng`` out of ``kwargs`` and split it into one key per layer (``None``s if absent)."""
    rng = kwargs.pop("rng", None)
    return [None] * n if rng is None else list(random.split(rng, n))


def serial(*layers):
    """The layers one after the other; the parameters are a list, one entry per layer. Each
    layer's ``init_fun`` gets a key split off the one before; ``apply_fun`` splits ``rng`` (if
    given) into one key per layer."""
    init_funs = [init for init, _ in layers]
    apply_funs = [apply for _, apply in layers]

    def init_fun(rng, input_shape):
        params = []
        shape = input_shape
        for init in init_funs:
            rng, own = random.split(rng)
            shape, p = init(own, shape)
            params.append(p)
        return shape, params

    def apply_fun(params, inputs, **kwargs):
        keys = _keys_for(kwargs, len(apply_funs))
        for apply, p, key in zip(apply_funs, params, keys):
            inputs = apply(p, inputs, rng=key, **kwargs)
        return inputs
    return init_fun, apply_fun


def parallel(*layers):
    """The layers side by side: the k-th takes the k-th of a sequence of inputs (as made by
    ``FanOut``); the outputs are a list, to be merged by ``FanInSum`` or ``FanInConcat``."""
    init_funs = [init for init, _ in layers]
    apply_funs = [apply for _, apply in layers]

    def init_fun(rng, input_shape):
        keys = random.split(rng, len(init_funs))
        made = [init(key, shape) for init, key, shape in zip(init_funs, keys, input_shape)]
        return tuple(shape for shape, _ in made), tuple(p for _, p in made)

    def apply_fun(params, inputs, **kwargs):
        keys = _keys_for(kwargs, len(apply_funs))
        return [apply(p, x, rng=key, **kwargs)
                for apply, p, x, key in zip(apply_funs, params, inputs, keys)]
    return init_fun, apply_fun


def shape_dependent(make_layer):
    """A layer made by ``make_layer(input_shape)`` once the input's shape is known (at
    ``init_fun`` from its argument, at ``apply_fun`` from the inputs)."""
    def init_fun(rng, input_shape):
        return make_layer(input_shape)[0](rng, input_shape)

    def apply_fun(params, inputs, **kwargs):
        return make_layer(inputs.shape)[1](params, inputs, **kwargs)
    return init_fun, apply_fun
