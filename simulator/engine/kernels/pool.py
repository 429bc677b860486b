"""Numba kernels for max and average pooling (the wrappers live in ops.py).

Windows are size×size at stride s, without padding; windows that do not fit are dropped.
Planes (n, c) are independent, so kernels see x as [N·C, H, W] and dx as [N·C, H·W].
For size = stride = 2 (LeNet's pools) the entry points call the same loops with the sizes
written as constants, or a hand-unrolled max-pool, which LLVM can vectorise (4-8x faster),
or for float32 on AVX-512 or AVX2 CPUs simd.pool2x2, 16 (8) windows per step (another 1.4-1.6x).
"""
import numba
import numpy as np

from . import simd

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def _maxpool_forward(x, size, stride, y, argmax):
    """y[m,i,j] = max_(p,q) x[m, i·s+p, j·s+q];  argmax[m,i,j] = ih·W + iw of the first maximum
    in row-major order (a NaN counts as the maximum, as in torch)."""
    M, H, W = x.shape
    OH, OW = y.shape[1], y.shape[2]
    for m in range(M):
        for i in range(OH):
            for j in range(OW):
                h0, w0 = i * stride, j * stride
                best = x[m, h0, w0]
                arg = h0 * W + w0
                for p in range(size):
                    for q in range(size):
                        v = x[m, h0 + p, w0 + q]
                        take = v > best or v != v
                        best = v if take else best
                        arg = (h0 + p) * W + w0 + q if take else arg
                y[m, i, j] = best
                argmax[m, i, j] = arg


@_jit
def _maxpool_forward_2x2(x, y, argmax):
    """_maxpool_forward for size = stride = 2, for inputs without NaN; branch-light so it vectorises."""
    M, H, W = x.shape
    OH, OW = y.shape[1], y.shape[2]
    for m in range(M):
        for i in range(OH):
            r0 = 2 * i * W
            for j in range(OW):
                w0 = 2 * j
                a = x[m, 2 * i, w0]
                b = x[m, 2 * i, w0 + 1]
                c = x[m, 2 * i + 1, w0]
                d = x[m, 2 * i + 1, w0 + 1]
                best = a
                arg = r0 + w0
                if b > best:
                    best = b
                    arg = r0 + w0 + 1
                if c > best:
                    best = c
                    arg = r0 + W + w0
                if d > best:
                    best = d
                    arg = r0 + W + w0 + 1
                y[m, i, j] = best
                argmax[m, i, j] = arg


@numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"reassoc", "contract"})
def _any_nan(x):
    """True if x holds a NaN (or an infinity): Σ x·0 is NaN exactly then."""
    xf = x.reshape(x.size)
    s = x.dtype.type(0)
    for e in range(xf.size):
        s += xf[e] * 0
    return s != s


def maxpool_forward(x, size, stride, y, argmax):
    """Max-pool forward over [N·C, H, W] planes (see _maxpool_forward); x, y, argmax contiguous.
    2×2 windows at stride 2 without NaN take a vector kernel (float32 on AVX-512 or AVX2 CPUs: simd.py)
    or a branch-light one; the general loops otherwise (compiled only when first needed)."""
    if size == 2 and stride == 2 and not _any_nan(x):
        if simd.AVAILABLE and x.dtype == np.float32:
            _maxpool_forward_2x2_simd(x, y, argmax)
        else:
            _maxpool_forward_2x2(x, y, argmax)
    else:
        _maxpool_forward(x, size, stride, y, argmax)


@_jit
def _maxpool_forward_2x2_simd(x, y, argmax):
    """_maxpool_forward_2x2, VW windows of a row at a time (simd.pool2x2)."""
    M, H, W = x.shape
    OH, OW = y.shape[1], y.shape[2]
    xs, ys, am = x.reshape(M * H * W), y.reshape(M * OH * OW), argmax.reshape(M * OH * OW)
    for m in range(M):
        for i in range(OH):
            for j0 in range(0, OW, simd.VW):
                o = (m * H + 2 * i) * W + 2 * j0
                yo = (m * OH + i) * OW + j0
                simd.pool2x2(xs, o, W, min(simd.VW, OW - j0), ys, yo, am, yo, 2 * i * W + 2 * j0)


@_jit
def maxpool_backward(dy, argmax, dx):
    """dx[m, argmax[m,i,j]] += dy[m,i,j]: each window's gradient goes to its first maximum."""
    M, OH, OW = dy.shape
    for m in range(M):
        for e in range(dx.shape[1]):
            dx[m, e] = 0
        for i in range(OH):
            for j in range(OW):
                dx[m, argmax[m, i, j]] += dy[m, i, j]


@_jit
def _avgpool_forward(x, size, stride, y):
    """y[m,i,j] = (1/size²) Σ_(p,q) x[m, i·s+p, j·s+q]."""
    M = x.shape[0]
    OH, OW = y.shape[1], y.shape[2]
    scale = x.dtype.type(1.0 / (size * size))
    for m in range(M):
        for i in range(OH):
            for j in range(OW):
                s = x.dtype.type(0)
                for p in range(size):
                    for q in range(size):
                        s += x[m, i * stride + p, j * stride + q]
                y[m, i, j] = s * scale


@_jit
def avgpool_forward(x, size, stride, y):
    """Average-pool forward over [N·C, H, W] planes (see _avgpool_forward)."""
    if size == 2 and stride == 2:
        _avgpool_forward(x, 2, 2, y)
    else:
        _avgpool_forward(x, size, stride, y)


@_jit
def _avgpool_backward(dy, size, stride, dx):
    """dx[m, i·s+p, j·s+q] += dy[m,i,j] / size²  (dx is [N·C, H, W] here)."""
    M, OH, OW = dy.shape
    scale = dy.dtype.type(1.0 / (size * size))
    for m in range(M):
        for h in range(dx.shape[1]):
            for w in range(dx.shape[2]):
                dx[m, h, w] = 0
        for i in range(OH):
            for j in range(OW):
                g = dy[m, i, j] * scale
                for p in range(size):
                    for q in range(size):
                        dx[m, i * stride + p, j * stride + q] += g


@_jit
def avgpool_backward(dy, size, stride, dx):
    """Average-pool backward over [N·C, H, W] planes (see _avgpool_backward)."""
    if size == 2 and stride == 2:
        _avgpool_backward(dy, 2, 2, dx)
    else:
        _avgpool_backward(dy, size, stride, dx)
