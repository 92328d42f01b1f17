"""Jacobians as first-class objects: structured maps, their algebra, and the
Jacobian of one recorded op.

* :mod:`~tensorgrad.jacobians.maps`: the map types (Diagonal, Dense, Kronecker
  forms, permutations, ...), each with ``matvec``, ``vecmat``, ``T`` and ``todense``;
* :mod:`~tensorgrad.jacobians.algebra`: composition, sums and flop counting;
* :mod:`~tensorgrad.jacobians.local`: ``op_jacobian``, the map of one op from
  its registry entry;
* :mod:`~tensorgrad.jacobians.gather`: selections and permutations of entries
  (flip, roll, repeat, tile, pad, diagonal) as one integer index;
* :mod:`~tensorgrad.jacobians.scans`: running sums (cumsum).
"""
from .algebra import Product, SumOf, add, apply, compose, count_flops
from .gather import Gather, IndexPermutation, selection_jacobian
from .local import RuleMap, elementwise_jacobian, op_jacobian
from .maps import (Broadcast, Dense, Diagonal, Identity, Jacobian, MatmulLeft, MatmulRight, Permute,
                   Reshape, SoftmaxJacobian, SumTo, Transposed, Zero)
from .scans import RunningSum

__all__ = ["Jacobian", "Zero", "Identity", "Diagonal", "Dense", "Reshape", "Permute",
           "Broadcast", "SumTo", "MatmulLeft", "MatmulRight", "SoftmaxJacobian", "RuleMap", "Product",
           "SumOf", "Transposed", "compose", "apply", "add", "count_flops", "op_jacobian",
           "elementwise_jacobian", "Gather", "IndexPermutation", "selection_jacobian",
           "RunningSum"]
