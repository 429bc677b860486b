"""The register-blocked float32 kernels (kernels/flat.py, wgrad.py, dense.py, avx2.py,
simd.pool2x2; AVX-512 or AVX2 CPUs) against the float64 loop kernels, on shapes that hit their
edges: filter and row counts that do not fill a block (clamped rows), rows longer than one
vector (masked copies), batches that do not fill a group of images, widths past one block.
The process runs the CPU's widest kernels; on an AVX-512 CPU the last test runs this file
again in a child forced to the AVX2 kernels (CNN_SIMULATOR_SIMD=avx2), as on an AMD EPYC."""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from simulator.engine import ops
from simulator.engine.kernels import pool as kp
from simulator.engine.kernels import simd

pytestmark = pytest.mark.skipif(not simd.AVAILABLE, reason="needs a CPU with AVX-512 or AVX2")


def _close(got, want, terms):
    """float32 result vs float64 reference: rounding grows with the number of summed terms."""
    scale = np.abs(want).max() + 1
    np.testing.assert_allclose(got, want, rtol=0, atol=3e-7 * terms * scale)


# N, C, H, W, K, FH, FW, padding (stride 1: the only stride these kernels take)
CONV = [(1, 1, 28, 28, 6, 5, 5, 2), (5, 6, 14, 14, 16, 5, 5, 0), (9, 3, 11, 37, 13, 5, 5, 1),
        (2, 2, 9, 9, 17, 3, 5, 3), (3, 4, 20, 19, 7, 7, 3, 1), (4, 16, 6, 6, 33, 1, 1, 0),
        (1, 5, 8, 40, 12, 5, 5, 2), (6, 1, 5, 5, 1, 5, 5, 2),
        # colour and other sizes: LeNet-5's conv1 on RGB 32×32 and 64×64 (no padding) and 28×28
        # (padding 2), its conv2 after a 64×64 input (6×30×30), a 3-channel 7×7 filter
        (5, 3, 32, 32, 6, 5, 5, 0), (3, 3, 64, 64, 6, 5, 5, 0), (4, 3, 28, 28, 6, 5, 5, 2),
        (3, 6, 30, 30, 16, 5, 5, 0), (2, 3, 48, 40, 10, 7, 7, 3)]


@pytest.mark.parametrize("case", CONV, ids=str)
def test_conv_float32_matches_float64(case):
    N, C, H, W, K, FH, FW, pad = case
    rng = np.random.default_rng(sum(case))
    x, w, b = (rng.standard_normal(s) for s in ((N, C, H, W), (K, C, FH, FW), (K,)))
    y64, c64 = ops.conv2d_forward(x, w, b, 1, pad)
    y32, c32 = ops.conv2d_forward(*(a.astype(np.float32) for a in (x, w, b)), 1, pad)
    _close(y32, y64, C * FH * FW)
    dy = rng.standard_normal(y64.shape)
    dx64, dw64, db64 = ops.conv2d_backward(dy, c64)
    dx32, dw32, db32 = ops.conv2d_backward(dy.astype(np.float32), c32)
    _close(dx32, dx64, K * FH * FW)
    _close(dw32, dw64, N * y64.shape[2] * y64.shape[3])
    _close(db32, db64, N * y64.shape[2] * y64.shape[3])


@pytest.mark.parametrize("shape", [(1, 400, 120), (3, 17, 1), (4, 64, 64), (5, 9, 65), (33, 120, 84),
                                   (7, 1, 130)], ids=str)
def test_dense_float32_matches_float64(shape):
    N, D, M = shape
    rng = np.random.default_rng(N + D + M)
    x, w, b, dy = (rng.standard_normal(s) for s in ((N, D), (D, M), (M,), (N, M)))
    y64, c64 = ops.dense_forward(x, w, b)
    y32, c32 = ops.dense_forward(*(a.astype(np.float32) for a in (x, w, b)))
    _close(y32, y64, D)
    for got, want, terms in zip(ops.dense_backward(dy.astype(np.float32), c32), ops.dense_backward(dy, c64),
                                (M, N, N)):
        _close(got, want, terms)


@pytest.mark.parametrize("HW", [(2, 2), (3, 5), (28, 28), (7, 33), (4, 64), (9, 65)], ids=str)
def test_maxpool_2x2_vectors_match_the_loops(HW):
    """Values and argmax (first maximum in row-major order, ties included) of the vector kernel
    are the general loops', bit for bit; with a NaN the general loops run."""
    H, W = HW
    rng = np.random.default_rng(H * W)
    x = rng.integers(-3, 4, (5, H, W)).astype(np.float32)      # few values: many ties
    OH, OW = H // 2, W // 2
    y, am = np.empty((5, OH, OW), np.float32), np.empty((5, OH, OW), np.int32)
    y_ref, am_ref = np.empty_like(y), np.empty_like(am)
    kp.maxpool_forward(x, 2, 2, y, am)
    kp._maxpool_forward(x, 2, 2, y_ref, am_ref)
    np.testing.assert_array_equal(y, y_ref)
    np.testing.assert_array_equal(am, am_ref)
    x[2, H - 1, W - 1] = np.nan
    kp.maxpool_forward(x, 2, 2, y, am)
    assert np.isnan(y[2, OH - 1, OW - 1]) == (H % 2 == 0 and W % 2 == 0)


def test_the_requested_kernels_run():
    """CNN_SIMULATOR_SIMD names the kernels that run (the child below relies on it)."""
    want = os.environ.get("CNN_SIMULATOR_SIMD", "auto")
    assert simd.PATH == want or want == "auto"
    assert simd.VW == {"avx512": 16, "avx2": 8}[simd.PATH]


@pytest.mark.skipif(simd.PATH != "avx512", reason="the AVX2 kernels already ran in this process")
def test_the_avx2_kernels_in_a_child():
    env = dict(os.environ, CNN_SIMULATOR_SIMD="avx2")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__,
                           "-k", "not in_a_child"], cwd=Path(__file__).resolve().parents[1], env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert " passed" in proc.stdout and "skipped" not in proc.stdout, proc.stdout[-500:]
