"""Running a big batch on several threads at once, and keeping allocation cheap.

The kernels release the GIL, so a big batch is cut into slices that run at once on a small
pool of Python threads (the caller's thread takes the first slice). Numba's own
parallel=True is not used: its default 'workqueue' threading layer kills the process when two
threads launch parallel kernels at once (training on the worker while a screen predicts),
and with CPU contention (the render loop, other processes) its 'omp' layer ran 10-50x slower
than serial code here (measured). Plain threads over serial kernels are safe from any
thread, degrade gracefully under contention, and cost ~20-30 us per call. The number of
slices follows numba.set_num_threads() on the calling thread, like numba's own kernels.
"""
import ctypes
import threading
from concurrent.futures import ThreadPoolExecutor

import numba

PARALLEL_MIN_BATCH = 8      # smaller batches stay on the caller's thread
MIN_SLICE = 4               # images per slice at least: handing a slice over costs ~25 us
THREADS = None              # most slices per batch; None: numba.get_num_threads() of the caller
POOL_SIZE = numba.config.NUMBA_NUM_THREADS - 1      # helper threads
_executor = None
_executor_lock = threading.Lock()


def slices(N):
    """[(n0, n1)]: the batch cut into up to THREADS nearly equal slices, or one when it is small."""
    if N < PARALLEL_MIN_BATCH:
        return [(0, N)]
    threads = THREADS if THREADS is not None else numba.get_num_threads()
    parts = max(1, min(threads, N // MIN_SLICE))
    return [(i * N // parts, (i + 1) * N // parts) for i in range(parts)]


def run_all(tasks):
    """Run the callables at once: the first on this thread, the others on the pool; wait."""
    global _executor
    if len(tasks) == 1:
        tasks[0]()
        return
    if _executor is None:
        with _executor_lock:
            if _executor is None:
                _executor = ThreadPoolExecutor(max(1, POOL_SIZE), thread_name_prefix="engine-ops")
    futures = [_executor.submit(t) for t in tasks[1:]]
    try:
        tasks[0]()
    finally:                    # never return while a slice may still be writing
        for f in futures:
            f.result()


def keep_freed_memory():
    """Ask glibc to reuse freed memory instead of returning it to the OS.

    Every training step allocates the same few-hundred-KB outputs. By default glibc serves
    blocks that big with fresh mmap pages, and page-faulting them in cost about 30% of a
    batch-64 step (measured). Process-wide, glibc-only, harmless elsewhere."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 32 * 1024 * 1024)      # M_MMAP_THRESHOLD: heap, not mmap, below 32 MB
        libc.mallopt(-1, 256 * 1024 * 1024)     # M_TRIM_THRESHOLD: keep up to 256 MB of free top
    except (OSError, AttributeError):
        pass


keep_freed_memory()
