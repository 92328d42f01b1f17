"""Test configuration: JAX in float64 is required (never skipped).

The registry-driven tables (test_registry, and the per-op tests of test_jacobians and
test_faults) take JAX's answers for a case from ``tensorgrad.testing.jax_references``,
computed once per case and process. So every test of one case runs in the same process,
one after the other:

* without xdist, the tests of a case are moved next to the first of them;
* with xdist (the README runs ``-n 2``; pyproject's addopts ask for ``--dist loadgroup``),
  :class:`CaseScheduling` sends all tests of a case to one worker as one unit. The case is
  read from the test id (``op[k](shapes...)``), which works with any test that takes a
  registry case.
"""
import ctypes
import ctypes.util
import functools
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import zlib

# One BLAS thread per process (set before NumPy loads OpenBLAS; subprocesses inherit it):
# the README runs one worker per core, and OpenBLAS's own threads on top of that make
# the cores oversubscribed, where each small threaded solve (logm's, fractional powers')
# waits milliseconds on the scheduler instead of taking microseconds
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

# JAX's programs in the tests are small and each runs once: XLA's backend optimizations
# and its fusion emitters cost more compile time than they could save (the emitters
# about half of each compile of a large elementwise program, such as a special
# function's gradient). Set before JAX starts its CPU backend; subprocesses inherit it.
def _add_xla_flag(flag: str, probe: bool):
    """Add ``flag`` to XLA_FLAGS now, or (``probe``) start a child process that tries it and
    return the function that adds it if the child succeeded: an XLA that does not know the
    flag aborts. The probe runs once (xdist's workers inherit the result) and meanwhile this
    process goes on importing."""
    have = os.environ.get("XLA_FLAGS", "")
    if flag.split("=")[0] in have:
        return lambda: None
    flags = f"{have} {flag}".strip()
    if not probe:
        os.environ["XLA_FLAGS"] = flags
        return lambda: None
    try:
        child = subprocess.Popen([sys.executable, "-c", "import jax; jax.numpy.zeros(1).block_until_ready()"],
                                 env=dict(os.environ, XLA_FLAGS=flags),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:  # no child: run with XLA's defaults
        return lambda: None

    def finish() -> None:
        try:
            ok = child.wait(timeout=300) == 0
        except subprocess.TimeoutExpired:  # no answer: run with XLA's defaults
            child.kill()
            ok = False
        if ok:
            os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {flag}".strip()
    return finish


_add_xla_flag("--xla_backend_optimization_level=0", probe=False)
# LLVM's expensive passes (vectorizers and the like) take about a sixth of a reference's compile
# time; without them a result moves by an ulp at most, far inside the tables' tolerances
_add_xla_flag("--xla_llvm_disable_expensive_passes=true", probe=False)
_finish_probes = [_add_xla_flag("--xla_cpu_use_fusion_emitters=false", probe=True)]  # newer XLAs only
# XLA splits each program's LLVM module into parts compiled on threads of their own; with one
# worker per core there is no idle core to run them on, and a single part compiles about an
# eighth faster (the same code: the split only parts the module). Measured in interleaved runs
# of two sets of 25 test files: 4-7 % less time.
_finish_probes.append(_add_xla_flag("--xla_cpu_parallel_codegen_split_count=1", probe=True))

# JAX's persistent compilation cache, in a directory of this run's own (made by the first
# process, removed by it at the end): the run compiles a few thousand small programs, and
# a third of them again -- the same primitive on the same shape in another module or on the
# other xdist worker, or after jax.clear_caches() below. Read back from disk, such a program
# costs a fraction of a compile. The workers share the directory (see _whole_entries below);
# subprocesses the tests start do not use it.
if "TG_TESTS_JAX_CACHE" not in os.environ:
    os.environ["TG_TESTS_JAX_CACHE"] = tempfile.mkdtemp(prefix="tensorgrad-tests-jax-")
    os.environ["TG_TESTS_JAX_CACHE_OWNER"] = str(os.getpid())

import importlib.util  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings as hypothesis_settings  # noqa: E402
from xdist.scheduler import LoadScopeScheduling  # noqa: E402

# The case of a test id, as tensorgrad.testing.case_group reads it (test_registry checks that
# the two agree): written here so that xdist's controller, which only schedules, does without
# importing tensorgrad (about 40 MB of its memory, at the run's peak)
_CASE_ID = re.compile(r"::[^\[]+\[([^\[\]()]+)\[(\d+)\]\(")


def case_group(test_id: str) -> str | None:
    m = _CASE_ID.search(test_id)
    return f"{m[1]}-{m[2]}" if m else None

if importlib.util.find_spec("jax") is None:  # a missing JAX must fail the run, not skip the comparisons
    raise ImportError("the tests compare with JAX: install the test extras (pip install -e '.[test]')")

jax = None  # JAX itself, imported by _start_jax: in the processes that run tests, not in xdist's
# controller, which only hands them out (importing JAX there would only cost its memory)
_jax_lru_cache = None


def _whole_entries() -> bool:
    """Make JAX's file cache write each entry to a temporary file and rename it into place,
    so a worker never reads an entry the other one is still writing (JAX writes in place;
    its own file lock comes with a size limit that rescans the directory at every write).
    False if this JAX's cache is not the one this knows: then each worker keeps its own."""
    try:
        cls, suffix = _jax_lru_cache.LRUCache, _jax_lru_cache._CACHE_SUFFIX
        known = isinstance(getattr(cls(_CACHE_ROOT, max_size=-1), "path", None), os.PathLike)
    except (AttributeError, TypeError, ValueError, RuntimeError):
        return False
    if not known or not isinstance(suffix, str) or "put" not in vars(cls):
        return False

    def put(self, key: str, value: bytes) -> None:
        if not key:
            raise ValueError("key cannot be empty")
        path = self.path / f"{key}{suffix}"
        if path.exists():
            return
        tmp = self.path / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(value)
        os.replace(tmp, path)

    cls.put = put
    return True


_CACHE_ROOT = os.environ["TG_TESTS_JAX_CACHE"]


def _start_jax() -> None:
    """Import and configure JAX (float64, CPU, the shared file cache, the compiled transforms
    and reused MLIR contexts below), in a process that runs tests."""
    global jax, _jax_lru_cache
    import jax as _jax
    jax = _jax
    try:  # JAX's file cache (private; see _whole_entries)
        from jax._src import lru_cache as _jax_lru_cache
    except ImportError:  # pragma: no cover - a JAX without it: a cache folder per worker
        _jax_lru_cache = None
    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    cache_dir = _CACHE_ROOT
    if not _whole_entries():
        cache_dir = os.path.join(_CACHE_ROOT, os.environ.get("PYTEST_XDIST_WORKER", "main"))
    jax.config.update("jax_compilation_cache_dir", cache_dir)
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
    _reuse_ir_contexts()
    _compile_test_transforms()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    # the flags probed: before any JAX computation starts the CPU backend, which reads
    # XLA_FLAGS (in xdist's controller too, whose workers inherit them and probe no more)
    for finish in _finish_probes:
        finish()
    _finish_probes.clear()
    # xdist's controller (-n N, no workerinput) runs no test: it does without JAX
    if not (getattr(config.option, "numprocesses", None) and not hasattr(config, "workerinput")):
        _start_jax()

# Property tests draw the same examples on every run (a test suite is a gate: a run must not
# fail on an example no earlier run drew). To explore new examples locally, run with
# TG_HYPOTHESIS=explore (random draws, as hypothesis's default).
hypothesis_settings.register_profile("gate", derandomize=True, database=None)
hypothesis_settings.register_profile("explore", derandomize=False)
hypothesis_settings.load_profile(os.environ.get("TG_HYPOTHESIS", "gate"))

class CaseScheduling(LoadScopeScheduling):
    """xdist's load scheduling, with all tests of one registry case as one unit of work.

    Other tests are units of their own, unless xdist marked them with an ``@group`` suffix
    (``xdist_group``). Units go out in collection order, so the long singletons (docs,
    command line) start early and the many small case units balance the end of the run.
    """

    def __init__(self, config, log=None):
        super().__init__(config, log)
        config.option.loadscopereorder = False  # collection order, not largest unit first

    def _split_scope(self, nodeid: str) -> str:
        if nodeid.rfind("@") > nodeid.rfind("]"):  # an xdist_group mark
            return nodeid.split("@")[-1]
        return case_group(nodeid) or nodeid


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "loadgroup":
        return CaseScheduling(config, log)
    return None


# Tests that start processes of their own with JAX in them (about 200 MB each) go out first,
# while both workers are young: later in the run each worker holds 400-450 MB of JAX's
# compiled references, and the same processes beside them made the run's memory peak
_FIRST = ("test_scaling_out.py::test_two_processes_then_eight_devices_match_numpy",)


def pytest_collection_modifyitems(config, items):
    first = {}  # case group -> position of its first test
    keys = []
    for pos, item in enumerate(items):
        group = case_group(item.nodeid)
        if item.nodeid.endswith(_FIRST):
            keys.append(-1)
        else:
            keys.append(pos if group is None else first.setdefault(group, pos))
    # a case's tests side by side, at the place of its first one (sort is stable)
    order = sorted(range(len(items)), key=keys.__getitem__)
    items[:] = [items[i] for i in order]


_GENERATORS = ("RNG", "rng", "_RNG")


@pytest.fixture(autouse=True)
def _draws_of_its_own(request):
    """A test module's shared generator (``RNG = np.random.default_rng(0)`` at module level)
    is replaced before each test by one seeded with that test's id, so a test draws the same
    values whichever tests ran before it in its process: xdist's workers run them in an
    order that changes from run to run, and a shared generator would hand each test
    different data each time. For the same reason the thread's ``tg.manual_seed`` stream (a
    model's first use, ``tg.randn``, keyless dropout) restarts from the test's id."""
    module = getattr(request, "module", None)
    seed = zlib.crc32(request.node.nodeid.encode())
    for k, name in enumerate(_GENERATORS):
        if isinstance(getattr(module, name, None), np.random.Generator):
            setattr(module, name, np.random.default_rng([seed, k]))
    tensorgrad = sys.modules.get("tensorgrad")  # (imported by the test modules themselves)
    if tensorgrad is not None:
        tensorgrad.manual_seed(seed & 0x7FFFFFFF)


_FINISHED = [0]
try:  # glibc: hand the pages freed by dropped programs back to the system
    _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    _LIBC.malloc_trim
except (OSError, AttributeError):  # pragma: no cover - not glibc
    _LIBC = None


def _trim():
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


# JAX lowers each program into an MLIR context of its own, and making one (loading and
# registering a dozen dialects) takes a few milliseconds: about half the lowering time of
# the suite's many small programs. Here each thread reuses one context until the caches are
# dropped below, when a new one starts: what a context keeps (uniqued types and constants)
# goes with the programs. The programs and their results are the same. Measured on two sets
# of 25 test files, interleaved A/B: 7-10 % less time and 5-10 % less peak memory.
# TG_TESTS_NEW_IR_CONTEXTS=1 turns it off.
_IR_CONTEXTS = threading.local()
_NEW_IR_CONTEXT: list = []  # JAX's own make_ir_context


def _reused_ir_context():
    ctx = getattr(_IR_CONTEXTS, "ctx", None)
    if ctx is None:
        ctx = _IR_CONTEXTS.ctx = _NEW_IR_CONTEXT[0]()
    return ctx


def _reuse_ir_contexts() -> None:
    try:
        from jax._src.interpreters import mlir as jax_mlir  # private; absent in another JAX: skipped
        _NEW_IR_CONTEXT[:] = [jax_mlir.make_ir_context]
    except (ImportError, AttributeError):  # pragma: no cover
        return
    if not os.environ.get("TG_TESTS_NEW_IR_CONTEXTS"):
        jax_mlir.make_ir_context = _reused_ir_context



def pytest_runtest_teardown(item, nextitem):
    # JAX keeps every program it compiled (and its XLA executable) for the life of the
    # process; the references are cached as NumPy arrays, so those programs are never
    # needed again. Dropping them every 75 tests bounds a worker's memory (well under 1.5 GB).
    # They are dropped at the end of each test module too (eager JAX references compile
    # one program per primitive and shape).
    _FINISHED[0] += 1
    if _FINISHED[0] % 75 == 0 or nextitem is None or nextitem.module is not item.module:
        jax.clear_caches()
        _IR_CONTEXTS.ctx = None
        _trim()


def pytest_collection_finish(session):
    # the collected tests and their parameters live to the end of the run: moved out of the
    # collector's reach, each full collection later walks only what the tests make
    gc.collect()
    gc.freeze()


def pytest_unconfigure(config):
    if os.environ.get("TG_TESTS_JAX_CACHE_OWNER") == str(os.getpid()):
        shutil.rmtree(os.environ["TG_TESTS_JAX_CACHE"], ignore_errors=True)


# The comparisons call JAX's transforms eagerly (``jax.grad(f)(x)``), and eager JAX runs f one
# primitive at a time: each primitive on each shape is traced, lowered and compiled as a program
# of its own. Called from a test module, jax.grad, value_and_grad, jacfwd, jacrev, hessian and
# jvp compile the whole call as one program instead (jax.jit): the same operations, a fraction of
# the programs. A function jax.jit cannot trace (its Python reads a value, or an argument is not
# an array) runs eagerly as before, and an error is the eager call's own. The library's own calls
# of these transforms are left alone. Measured on the whole suite, back to back: about 10 % less
# time and CPU and a fifth less peak memory. TG_TESTS_EAGER_JAX=1 turns it off.
_TESTS_DIR = os.path.dirname(os.path.abspath(__file__))


def _from_a_test(depth: int = 2) -> bool:
    return os.path.dirname(os.path.abspath(sys._getframe(depth).f_globals.get("__file__") or "")) == _TESTS_DIR


def _compiled_transform(transform):
    @functools.wraps(transform)
    def make(fun, *args, **kwargs):
        eager = transform(fun, *args, **kwargs)
        if not _from_a_test():
            return eager
        compiled = jax.jit(eager)

        @functools.wraps(eager)
        def call(*a, **k):
            try:
                return compiled(*a, **k)
            except Exception:  # noqa: BLE001 - not traceable, or an error the eager call raises again
                return eager(*a, **k)
        return call
    return make


def _compiled_jvp(jvp):
    @functools.wraps(jvp)
    def call(fun, primals, tangents, *args, **kwargs):
        if not _from_a_test():
            return jvp(fun, primals, tangents, *args, **kwargs)
        try:
            return jax.jit(lambda p, t: jvp(fun, p, t, *args, **kwargs))(primals, tangents)
        except Exception:  # noqa: BLE001 - as above
            return jvp(fun, primals, tangents, *args, **kwargs)
    return call


def _compile_test_transforms() -> None:
    if not os.environ.get("TG_TESTS_EAGER_JAX"):
        for name in ("grad", "value_and_grad", "jacfwd", "jacrev", "hessian"):
            setattr(jax, name, _compiled_transform(getattr(jax, name)))
        jax.jvp = _compiled_jvp(jax.jvp)
