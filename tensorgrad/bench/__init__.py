"""Benchmarks that ship with the package (the ``tensorgrad bench`` command runs them).

Each module has ``main(argv=None) -> int``; the scripts in ``benchmarks/`` are
thin entry points to the same code.
"""
