"""Training at scale on JAX: several devices, several processes.

:func:`setup` prepares JAX before its first computation: how many CPU devices
one process exposes (on a machine without accelerators XLA can split the host
into N devices), 64-bit floats, and, for several processes, the
``jax.distributed`` rendezvous with CPU collectives over gloo.

:func:`data_parallel` turns one training step — the loss of ``apply`` and
the optimizer's update, written with tensorgrad — into a ``jax.jit``-compiled
step through :func:`tensorgrad.to_jax`: parameters and optimizer state are
replicated on every device, each batch is split along its first axis across
the devices (data parallelism), and XLA sums the gradient over the devices.
The batch loss is the mean over the whole batch, as on one device, so the
loss curve is the NumPy backend's (to rounding). A batch whose size the
device count does not divide (the last of an epoch) is replicated instead.

Across processes every process runs the same program on the same data (same
seed, same batch order) and supplies the slices of each batch that its own
devices hold; the results are the same as in one process.

``tg.train.fit(..., backend="jax")`` and ``tensorgrad train --backend jax``
use these. JAX is imported only when they run.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable

import numpy as np

from .jax_backend import require_jax, to_jax
from .transforms import value_and_grad
from .tree import tree_leaves

__all__ = ["setup", "data_parallel", "DataParallel", "process_index"]


def setup(devices: int | None = None, num_processes: int | None = None,
          process_id: int | None = None, coordinator: str | None = None,
          x64: bool = True) -> list:
    """Configure JAX for this process; call it before any JAX computation.

    ``devices``: how many CPU devices this process exposes (XLA's host
    platform device count; accelerators are used as they are).
    ``num_processes``, ``process_id``, ``coordinator`` ("host:port" of
    process 0): join a multi-process run through ``jax.distributed``, with CPU
    collectives over gloo. ``x64``: compute in float64, like NumPy.
    Returns the global device list.
    """
    if devices is not None:
        devices = int(devices)
        if devices < 1:
            raise ValueError(f"setup: devices must be a positive integer, got {devices}")
        if "jax" not in sys.modules:  # read by XLA when JAX starts its CPU backend
            flag = f"--xla_force_host_platform_device_count={devices}"
            os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " " + flag).strip()
    jax = require_jax("tensorgrad.distributed.setup")
    if devices is not None:
        try:
            jax.config.update("jax_num_cpu_devices", devices)
        except RuntimeError:  # JAX has already started: fine if it has enough devices
            have = len(jax.local_devices())
            if have < devices:
                raise RuntimeError(
                    f"setup: {devices} devices were asked for, but JAX has already started with "
                    f"{have}; call tensorgrad.distributed.setup(devices={devices}) (or set "
                    f"XLA_FLAGS=--xla_force_host_platform_device_count={devices}) before any JAX "
                    "computation") from None
    if x64:
        jax.config.update("jax_enable_x64", True)
    many = num_processes is not None and int(num_processes) > 1
    if many or coordinator is not None:
        if num_processes is None or process_id is None or coordinator is None:
            raise ValueError("setup: a multi-process run needs num_processes, process_id and "
                             "coordinator (host:port of process 0) together")
        num_processes, process_id = int(num_processes), int(process_id)
        if not 0 <= process_id < num_processes:
            raise ValueError(f"setup: process_id must be in 0..{num_processes - 1}, got {process_id}")
        if ":" not in coordinator:
            raise ValueError(f"setup: coordinator must be host:port, got {coordinator!r}")
        jax.config.update("jax_cpu_collectives_implementation", "gloo")
        jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes,
                                   process_id=process_id)
    return jax.devices()


def process_index() -> int:
    """This process's index in a multi-process run (0 without JAX or with one process)."""
    if "jax" not in sys.modules:
        return 0
    return sys.modules["jax"].process_index()


def _pick_devices(jax, devices):
    if devices is None:
        return list(jax.devices())
    if isinstance(devices, (int, np.integer)):
        have = jax.devices()
        if not 1 <= devices <= len(have):
            raise ValueError(f"data_parallel: devices={devices}, but JAX has {len(have)} "
                             f"({', '.join(str(d) for d in have)}); on CPU, ask for more with "
                             f"tensorgrad.distributed.setup(devices={devices}) before JAX starts")
        return list(have[:devices])
    return list(devices)


def _needs_x64(tree) -> bool:
    return any(np.asarray(v).dtype in (np.float64, np.int64) for v in tree_leaves(tree))


class DataParallel:
    """A compiled data-parallel training step (see :func:`data_parallel`).

    ``step(params, state, xb, yb, lr)`` returns ``(params, state, loss,
    outputs)`` with ``loss`` a float and ``outputs`` a NumPy array of the
    whole batch; ``params`` and ``state`` stay on the devices between steps.
    :meth:`to_host` brings a pytree back as NumPy arrays.
    """

    def __init__(self, objective: Callable, optimizer, devices=None):
        jax = require_jax("training with backend='jax'")
        from jax.sharding import Mesh, NamedSharding, PartitionSpec
        self.jax = jax
        self.devices = _pick_devices(jax, devices)
        self.mesh = Mesh(np.array(self.devices), ("data",))
        self.replicated = NamedSharding(self.mesh, PartitionSpec())
        self.split = NamedSharding(self.mesh, PartitionSpec("data"))
        self.optimizer = optimizer
        vg = value_and_grad(objective, has_aux=True)

        def step(params, state, xb, yb, lr):
            (loss, out), grads = vg(params, xb, yb)
            params, state = optimizer.step(params, grads, state, lr=lr)
            return params, state, loss, out
        # every result replicated: the parameters for the next step, and the loss and the
        # outputs of the whole batch, which each process can then read without a collective
        self._step = jax.jit(to_jax(step), out_shardings=self.replicated)

    def put(self, tree, sharded: bool = False):
        """Place a pytree of NumPy arrays on the devices (replicated, or split on axis 0)."""
        jax = self.jax
        sh = self.split if sharded else self.replicated

        def one(a):
            a = np.asarray(a)
            return jax.make_array_from_callback(a.shape, sh, lambda idx: a[idx])
        return jax.tree_util.tree_map(one, tree)

    def to_host(self, tree):
        """A pytree of device arrays as NumPy arrays (this process's copy of each)."""
        def one(a):
            if hasattr(a, "addressable_data"):
                if a.is_fully_addressable:
                    return np.asarray(a)
                if a.sharding.is_fully_replicated:
                    return np.asarray(a.addressable_data(0))
                from jax.experimental import multihost_utils
                return np.asarray(multihost_utils.process_allgather(a, tiled=True))
            return np.asarray(a)
        return self.jax.tree_util.tree_map(one, tree)

    def step(self, params, state, xb, yb, lr: float):
        n = len(xb)
        split = n % len(self.devices) == 0
        xb, yb = self.put(xb, split), self.put(yb, split)
        params, state, loss, out = self._step(params, state, xb, yb, float(lr))
        return params, state, float(self.to_host(loss)), self.to_host(out)


def data_parallel(objective: Callable, optimizer, params: Any, state: Any,
                  devices=None) -> tuple[DataParallel, Any, Any]:
    """A compiled, data-parallel step for ``objective(params, xb, yb) -> (loss, outputs)``.

    Returns ``(runner, params, state)`` with the parameters and optimizer
    state placed (replicated) on the devices; ``devices`` is a count (the
    first N devices) or a list, default all of them (across every process).
    Float64 parameters switch JAX to 64-bit mode, as NumPy computes.
    """
    jax = require_jax("training with backend='jax'")
    if _needs_x64((params, state)):
        jax.config.update("jax_enable_x64", True)
    runner = DataParallel(objective, optimizer, devices)
    return runner, runner.put(params), runner.put(state)
