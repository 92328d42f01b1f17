"""``jax.example_libraries.optimizers`` on tensorgrad: optimizers as triples of pure functions.

An optimizer is ``(init_fun, update_fun, get_params)``:

* ``opt_state = init_fun(params)``: the state for a pytree of parameters;
* ``opt_state = update_fun(step, grads, opt_state)``: one step, ``grads`` a pytree shaped as
  the parameters, ``step`` the step's index (from 0; the schedules read it);
* ``params = get_params(opt_state)``: the parameters held in a state.

Write one for a single array and decorate its maker with ``@optimizer``: the triple it returns
then works leaf by leaf on any pytree of parameters (``tg.tree_util``'s dicts, lists, tuples,
registered classes). The state is an ``OptimizerState``, itself a pytree, so it passes through
``tg.jit`` as an argument. A step size is a number or a schedule, a function of the step's
index (``exponential_decay``, ``piecewise_constant``, ...).

Typical use::

    opt_init, opt_update, get_params = optimizers.adam(1e-3)
    state = opt_init(params)
    for i in range(steps):
        state = opt_update(i, tg.grad(loss)(get_params(state), batch), state)

The names, signatures and updates are JAX's: fed the same gradients, each optimizer follows
JAX's trajectory.
"""
from __future__ import annotations

import functools
from collections import namedtuple
from typing import Any, Callable, NamedTuple

from .. import ops as _np
from ..ops.names import ndim as _ndim
from ..ops.names import shape as _shape
from ..tree import register_pytree_node, tree_flatten, tree_map, tree_unflatten

__all__ = [
    "OptimizerState", "Optimizer", "optimizer", "sgd", "momentum", "nesterov", "adagrad",
    "rmsprop", "rmsprop_momentum", "adam", "adamax", "sm3", "constant", "exponential_decay",
    "inverse_time_decay", "polynomial_decay", "piecewise_constant", "make_schedule", "l2_norm",
    "clip_grads", "JoinPoint", "unpack_optimizer_state", "pack_optimizer_state",
]

Step = int
Schedule = Callable[[Step], float]

#: An optimizer's state over a pytree: ``packed_state`` holds each parameter's own state as a
#: list of leaves, ``tree_def`` the parameters' structure, ``subtree_defs`` the structure of
#: each parameter's state. A pytree whose children are the packed leaves only.
OptimizerState = namedtuple("OptimizerState", ["packed_state", "tree_def", "subtree_defs"])
register_pytree_node(
    OptimizerState,
    lambda s: ((s.packed_state,), (s.tree_def, s.subtree_defs)),
    lambda aux, children: OptimizerState(children[0], aux[0], aux[1]))


class Optimizer(NamedTuple):
    """The triple an optimizer maker returns: ``(init_fn, update_fn, params_fn)``."""
    init_fn: Callable
    update_fn: Callable
    params_fn: Callable


def _flatten_each(trees):
    """Flatten each tree: (a tuple of leaf lists, a tuple of structures)."""
    pairs = [tree_flatten(t) for t in trees]
    return tuple(leaves for leaves, _ in pairs), tuple(struct for _, struct in pairs)


def _states(opt_state):
    """Each parameter's state, rebuilt from the packed leaves."""
    packed, _, subtrees = opt_state
    return [tree_unflatten(struct, leaves) for struct, leaves in zip(subtrees, packed)]


def optimizer(opt_maker):
    """Lift a maker of an ``(init, update, get_params)`` triple for ONE array to one for pytrees.

    ``init(x)`` gives the state of a parameter array (any pytree of arrays),
    ``update(i, g, state)`` the state after a step with gradient ``g``, ``get_params(state)``
    the array; each may assume a single array. The decorated maker returns an ``Optimizer``
    whose functions map them over the leaves of a parameter pytree and keep the states in an
    ``OptimizerState``. ``update_fun`` raises TypeError when the gradients' structure is not
    the parameters' or when ``update`` changes a state's structure.
    """
    @functools.wraps(opt_maker)
    def make(*args, **kwargs):
        init, update, get_params = opt_maker(*args, **kwargs)

        @functools.wraps(init)
        def init_fun(params):
            leaves, structure = tree_flatten(params)
            packed, subtrees = _flatten_each([init(x) for x in leaves])
            return OptimizerState(packed, structure, subtrees)

        @functools.wraps(update)
        def update_fun(i, grads, opt_state):
            _, structure, subtrees = opt_state
            grad_leaves, grad_structure = tree_flatten(grads)
            if grad_structure != structure:
                raise TypeError(
                    "optimizer update_fun: the gradients' pytree structure is not the one the "
                    f"optimizer was initialized with: parameters {structure}, gradients "
                    f"{grad_structure}.")
            stepped = [update(i, g, s) for g, s in zip(grad_leaves, _states(opt_state))]
            packed, new_subtrees = _flatten_each(stepped)
            for before, after in zip(subtrees, new_subtrees):
                if before != after:
                    raise TypeError(
                        "optimizer update_fun: the update changed the structure of a "
                        f"parameter's state, from {before} to {after}.")
            return OptimizerState(packed, structure, subtrees)

        @functools.wraps(get_params)
        def params_fun(opt_state):
            return tree_unflatten(opt_state[1], [get_params(s) for s in _states(opt_state)])

        return Optimizer(init_fun, update_fun, params_fun)
    return make


# ---------------------------------------------------------------------------------------------
# the optimizers (each written for one array; ``@optimizer`` maps it over a pytree)

def _params_first(state):
    return state[0]


@optimizer
def sgd(step_size):
    """Gradient descent: ``x - step_size(i) * g``. ``step_size`` is a number or a schedule."""
    rate = make_schedule(step_size)

    def update(i, g, x):
        return x - rate(i) * g
    return Optimizer(lambda x0: x0, update, lambda x: x)


@optimizer
def momentum(step_size: Schedule, mass: float):
    """Heavy-ball momentum: ``v = mass * v + g``, then ``x - step_size(i) * v``."""
    rate = make_schedule(step_size)

    def update(i, g, state):
        x, v = state
        v = mass * v + g
        return x - rate(i) * v, v
    return (lambda x0: (x0, _np.zeros_like(x0))), update, _params_first


@optimizer
def nesterov(step_size: Schedule, mass: float):
    """Nesterov's momentum: ``v = mass * v + g``, then ``x - step_size(i) * (mass * v + g)``."""
    rate = make_schedule(step_size)

    def update(i, g, state):
        x, v = state
        v = mass * v + g
        return x - rate(i) * (mass * v + g), v
    return (lambda x0: (x0, _np.zeros_like(x0))), update, _params_first


@optimizer
def adagrad(step_size, momentum=0.9):
    """Adagrad (Duchi et al., 2011), with momentum on the scaled gradients: the squared
    gradients are summed, ``g`` divided by that sum's square root (0 where it is 0) and
    averaged into ``m`` with weight ``1 - momentum``; then ``x - step_size(i) * m``."""
    rate = make_schedule(step_size)

    def init(x0):
        return x0, _np.zeros_like(x0), _np.zeros_like(x0)

    def update(i, g, state):
        x, sum_sq, m = state
        sum_sq = sum_sq + _np.square(g)
        inv_root = _np.where(sum_sq > 0, 1.0 / _np.sqrt(sum_sq), 0.0)
        m = (1.0 - momentum) * (g * inv_root) + momentum * m
        return x - rate(i) * m, sum_sq, m
    return init, update, _params_first


@optimizer
def rmsprop(step_size, gamma=0.9, eps=1e-8):
    """RMSProp: a running mean of the squared gradients (decay ``gamma``) scales the step,
    ``x - step_size(i) * g / sqrt(mean_sq + eps)``."""
    rate = make_schedule(step_size)

    def update(i, g, state):
        x, mean_sq = state
        mean_sq = mean_sq * gamma + _np.square(g) * (1.0 - gamma)
        return x - rate(i) * g / _np.sqrt(mean_sq + eps), mean_sq
    return (lambda x0: (x0, _np.zeros_like(x0))), update, _params_first


@optimizer
def rmsprop_momentum(step_size, gamma=0.9, eps=1e-8, momentum=0.9):
    """RMSProp whose scaled steps accumulate in a momentum buffer:
    ``mom = momentum * mom + step_size(i) * g / sqrt(mean_sq + eps)``, ``x - mom``."""
    rate = make_schedule(step_size)

    def init(x0):
        return x0, _np.zeros_like(x0), _np.zeros_like(x0)

    def update(i, g, state):
        x, mean_sq, mom = state
        mean_sq = mean_sq * gamma + _np.square(g) * (1.0 - gamma)
        mom = momentum * mom + rate(i) * g / _np.sqrt(mean_sq + eps)
        return x - mom, mean_sq, mom
    return init, update, _params_first


def _power(base, dtype, i):
    """``base ** (i + 1)`` in the moments' dtype (as JAX's bias corrections compute it; a NumPy
    integer step, strong under NEP 50, would make float32 moments float64)."""
    return _np.asarray(base, dtype=dtype) ** _np.astype(_np.asarray(i) + 1, dtype)


@optimizer
def adam(step_size, b1=0.9, b2=0.999, eps=1e-8):
    """Adam (Kingma and Ba): moments of ``g`` and ``g²`` with decays ``b1``, ``b2``, bias
    corrected by ``1 - b ** (i + 1)``; the step is ``step_size(i) * m̂ / (sqrt(v̂) + eps)``."""
    rate = make_schedule(step_size)

    def init(x0):
        return x0, _np.zeros_like(x0), _np.zeros_like(x0)

    def update(i, g, state):
        x, m, v = state
        m = (1 - b1) * g + b1 * m
        v = (1 - b2) * _np.square(g) + b2 * v
        m_hat = m / (1 - _power(b1, m.dtype, i))
        v_hat = v / (1 - _power(b2, m.dtype, i))
        return x - rate(i) * m_hat / (_np.sqrt(v_hat) + eps), m, v
    return init, update, _params_first


@optimizer
def adamax(step_size, b1=0.9, b2=0.999, eps=1e-8):
    """AdaMax, Adam's infinity-norm variant: ``u = max(b2 * u, |g|)`` in place of the second
    moment; the step is ``step_size(i) / (1 - b1 ** (i + 1)) * m / (u + eps)``."""
    rate = make_schedule(step_size)

    def init(x0):
        return x0, _np.zeros_like(x0), _np.zeros_like(x0)

    def update(i, g, state):
        x, m, u = state
        m = (1 - b1) * g + b1 * m
        u = _np.maximum(b2 * u, _np.abs(g))
        x = x - (rate(i) / (1 - _power(b1, m.dtype, i))) * m / (u + eps)
        return x, m, u
    return init, update, _params_first


def _along(v, axis, ndim):
    """A 1-D ``v`` shaped to lie along ``axis`` of an ``ndim``-d array (unit axes elsewhere)."""
    shape = [1] * ndim
    shape[axis:axis + 1] = [-1] if ndim else []
    return _np.reshape(v, shape) if ndim else v


@optimizer
def sm3(step_size, momentum=0.9):
    """SM3 (Anil et al., 2019), memory-efficient Adagrad: one accumulator vector per axis of
    the parameter; an entry's sum of squares is bounded by the least of its vectors' entries.
    With momentum on the scaled gradients, as ``adagrad``. A 0-d parameter is kept as shape
    (1,) inside the state."""
    rate = make_schedule(step_size)

    def init(x0):
        shape = _shape(x0)
        x = _np.atleast_1d(x0)
        return x, _np.zeros_like(x), [_np.zeros(n, dtype=x.dtype) for n in x.shape], shape

    def update(i, g, state):
        x, m, vs, shape = state
        g_ndim = _ndim(g)
        bound = functools.reduce(_np.minimum, [_along(v, k, g_ndim) for k, v in enumerate(vs)])
        accum = bound + _np.square(g)
        inv_root = _np.where(accum > 0, 1.0 / _np.sqrt(accum), 0)
        m = (1.0 - momentum) * (g * inv_root) + momentum * m
        x = x - rate(i) * m
        x_ndim = _ndim(x)
        vs = [_np.max(accum, axis=tuple(a for a in range(x_ndim) if a != k))
              for k in range(x_ndim)]
        return x, m, vs, shape

    def get_params(state):
        x, _, _, shape = state
        return _np.reshape(x, shape)
    return init, update, get_params


# ---------------------------------------------------------------------------------------------
# step-size schedules: functions of the step's index

def constant(step_size) -> Schedule:
    """The same step size at every step."""
    return lambda i: step_size


def exponential_decay(step_size, decay_steps, decay_rate):
    """``step_size * decay_rate ** (i / decay_steps)``."""
    return lambda i: step_size * decay_rate ** (i / decay_steps)


def inverse_time_decay(step_size, decay_steps, decay_rate, staircase=False):
    """``step_size / (1 + decay_rate * i / decay_steps)``; with ``staircase`` the ratio
    ``i / decay_steps`` is floored, so the size drops every ``decay_steps`` steps."""
    if staircase:  # (// and the other operators keep a step count's weak type, as JAX's
        # floor does: float32 parameters stay float32)
        return lambda i: step_size / (1 + decay_rate * (i // decay_steps))
    return lambda i: step_size / (1 + decay_rate * i / decay_steps)


def polynomial_decay(step_size, decay_steps, final_step_size, power=1.0):
    """From ``step_size`` to ``final_step_size`` over ``decay_steps`` steps along
    ``(1 - i / decay_steps) ** power``, then ``final_step_size``."""
    def schedule(i):  # (min(i, decay_steps) with operators only: they keep i's weak type)
        frac = 1 - (i + decay_steps - abs(i - decay_steps)) / 2 / decay_steps
        return frac ** power * (step_size - final_step_size) + final_step_size
    return schedule


def piecewise_constant(boundaries: Any, values: Any):
    """``values[k]`` for steps ``i`` past ``k`` of the ``boundaries`` (``i > boundaries[k-1]``);
    ``values`` has one entry more than ``boundaries``."""
    boundaries = _np.array(boundaries)
    values = _np.array(values)
    if not boundaries.ndim == values.ndim == 1:
        raise ValueError("piecewise_constant: boundaries and values must be 1-D sequences")
    if boundaries.shape[0] != values.shape[0] - 1:
        raise ValueError("piecewise_constant: values must have one entry more than boundaries")

    def schedule(i):
        return _np.take(values, _np.sum(i > boundaries))
    return schedule


def make_schedule(scalar_or_schedule) -> Schedule:
    """A schedule as given, or a number as a ``constant`` schedule; TypeError for anything
    else (an array of several entries, say)."""
    if callable(scalar_or_schedule):
        return scalar_or_schedule
    if _ndim(scalar_or_schedule) == 0:
        return constant(scalar_or_schedule)
    raise TypeError(type(scalar_or_schedule))


# ---------------------------------------------------------------------------------------------
# utilities on pytrees of arrays

def l2_norm(tree):
    """The Euclidean norm of all the leaves of a pytree together."""
    leaves, _ = tree_flatten(tree)
    return _np.sqrt(sum(_np.vdot(x, x) for x in leaves))


def clip_grads(grad_tree, max_norm):
    """Scale a pytree of gradients down to ``l2_norm`` ``max_norm`` when its norm is larger."""
    norm = l2_norm(grad_tree)
    return tree_map(lambda g: _np.where(norm < max_norm, g, g * (max_norm / norm)), grad_tree)


# ---------------------------------------------------------------------------------------------
# an OptimizerState as one nested pytree (to save it), and back

class JoinPoint:
    """A leaf of the parameters' pytree holding that parameter's state (a pytree itself): the
    seam between the outer and the inner trees of ``unpack_optimizer_state``."""

    def __init__(self, subtree):
        self.subtree = subtree

    def __iter__(self):
        yield self.subtree


def unpack_optimizer_state(opt_state):
    """The state as the parameters' pytree with a ``JoinPoint`` holding each parameter's state
    in place of the parameter: plain containers, for serialization."""
    joins = [JoinPoint(s) for s in _states(opt_state)]
    return tree_unflatten(opt_state[1], joins)


def pack_optimizer_state(marked_pytree):
    """The ``OptimizerState`` back from ``unpack_optimizer_state``'s pytree."""
    joins, structure = tree_flatten(marked_pytree)
    if not all(isinstance(j, JoinPoint) for j in joins):
        raise TypeError("pack_optimizer_state: every leaf must be a JoinPoint, as "
                        "unpack_optimizer_state makes them")
    packed, subtrees = _flatten_each([j.subtree for j in joins])
    return OptimizerState(packed, structure, subtrees)
