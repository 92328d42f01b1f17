"""tensorgrad against hand-written NumPy, PyTorch, JAX, MyGrad and HIPS autograd.

Thin entry point; the code is :mod:`tensorgrad.bench.peers`.
Run ``python benchmarks/peers.py --help`` for the options.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tensorgrad.bench.peers import main  # noqa: E402

if __name__ == "__main__":
    raise SystemExit(main())
