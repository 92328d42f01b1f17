"""VJP versus Jacobian chaining benchmark (the code is tensorgrad/bench.py, which `tensorgrad bench jacobian` runs too).

    python benchmarks/vjp_vs_jacobian.py            # full run, writes benchmarks/results/
    python benchmarks/vjp_vs_jacobian.py --quick    # a few seconds, into a temporary directory
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tensorgrad.bench import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(results_dir=os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")))
