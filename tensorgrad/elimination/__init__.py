"""Jacobian accumulation by vertex elimination on the linearized computational graph.

Forward and reverse mode are two orders of eliminating the intermediate
vertices of a function's linearized graph; any other order gives the same
Jacobian at a different cost (cross-country elimination). This package
builds the graph of a recording with each edge's structured local Jacobian,
eliminates vertices in a chosen order — ``"forward"``, ``"reverse"``,
``"markowitz"``, ``"optimal"`` (exact search) or an explicit list — and
counts every multiply-add with the maps' own flop counting.

    import tensorgrad as tg
    J = tg.jacobian(f, method="elimination", order="optimal")(x)
    res = tg.eliminate(f, x, order="markowitz")     # Jacobian, flops, bytes, order
    g = tg.linearized_graph(f, x); g.eliminate("v2")  # by hand
"""
from .api import (Elimination, compare_orders, eliminate, elimination_costs, elimination_jacobian,
                  linearized_graph)
from .graph import LinearizedGraph, Step, Vertex, build_graph
from .orders import (OPTIMAL_BUDGET, OPTIMAL_LIMIT, ORDER_NAMES, markowitz_order, optimal_order,
                     predict_flops, resolve_order)
from .draw import draw_graph, draw_elimination

__all__ = ["Elimination", "LinearizedGraph", "Step", "Vertex", "eliminate", "linearized_graph",
           "elimination_jacobian", "compare_orders", "elimination_costs", "build_graph", "OPTIMAL_LIMIT",
           "OPTIMAL_BUDGET",
           "ORDER_NAMES", "markowitz_order", "optimal_order", "predict_flops", "resolve_order",
           "draw_graph", "draw_elimination"]
