"""Cold start on two cores: compile the weight-gradient kernels in a second process while
this one compiles the rest.

Numba compiles on the calling thread under one global lock, so a first launch (empty cache)
compiles every kernel one after the other (~11 s of CPU for `train`, measured). About
half of it, the conv and dense weight gradients (ops.conv_backward_into's: kernels/flat.py
and wgrad.py for float32 on AVX-512 or AVX2 CPUs, else conv.py; and kernels/gemm.dense_backward),
does not depend on the rest: model.Network starts a child process that compiles just those
into Numba's cache (`start`), and the first call of either waits for it (`wait`), then
loads them from the cache. (The input gradient is left to this process: it shares its
micro-kernels with the forward, compiled here anyway.) When the cache already holds
them, nothing is started. If the child fails, they are simply compiled here, as before.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

_CHILD = """
import sys
import numpy as np
from simulator.engine import ops
from simulator.engine.kernels import gemm
dt = np.dtype(sys.argv[1])
x = np.ones((2, 6, 14, 14), dt)
w = np.ones((16, 6, 5, 5), dt)
dy = np.ones((2, 16, 10, 10), dt)
ops.conv_backward_into(dy, x, w, 1, 0, x, np.empty((16, 150), dt), np.empty(16, dt), False)
x, w, dy = np.ones((2, 1, 28, 28), dt), np.ones((6, 1, 5, 5), dt), np.ones((2, 6, 28, 28), dt)
ops.conv_backward_into(dy, x, w, 1, 2, x, np.empty((6, 25), dt), np.empty(6, dt), False)   # conv1: few filters
a, b = np.ones((2, 8), dt), np.ones((8, 4), dt)
gemm.dense_backward(np.ones((2, 4), dt), a, b, np.empty_like(a), np.empty_like(b), np.empty(4, dt))
"""
_lock = threading.Lock()
_started = False
_child: subprocess.Popen | None = None


def start(dtype) -> None:
    """Once per process: if the weight-gradient kernels are not in Numba's cache, start a
    child process that compiles them for dtype (float32 or float64)."""
    global _started, _child
    with _lock:
        if _started:
            return
        _started = True
        if _cached(dtype):
            return
        root = Path(__file__).resolve().parents[3]
        path = os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")]))
        from numba.core import config      # the child must write the cache this process reads
        env = dict(os.environ, PYTHONPATH=path, **({"NUMBA_CACHE_DIR": config.CACHE_DIR} if config.CACHE_DIR else {}))
        try:
            _child = subprocess.Popen([sys.executable, "-c", _CHILD, str(dtype)], env=env, cwd=root,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            _child = None


def wait() -> None:
    """Return once the child (if any) has finished; then its kernels load from the cache."""
    global _child
    if _child is None:
        return
    with _lock:
        if _child is not None:
            try:
                _child.wait(timeout=120)
            except subprocess.TimeoutExpired:
                _child.kill()
            _child = None


def _cached(dtype) -> bool:
    """True when the weight-gradient kernel training uses has a cache index (or the cache
    cannot be found: then a child would not help)."""
    import numpy as np
    from . import conv, flat, simd, wgrad
    if simd.AVAILABLE and np.dtype(dtype) == np.float32:
        kernels = (flat._weight_grad, wgrad.conv_weight_grad_5x5)
    else:
        kernels = (conv.conv_weight_grad,)
    try:
        return all(os.path.exists(k._cache._cache_file._index_path) for k in kernels)
    except AttributeError:
        return True
