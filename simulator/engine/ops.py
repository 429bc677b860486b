"""The engine's kernels, in forward/backward pairs.

Arrays are NCHW and C-contiguous, float32 or float64; the output dtype is the input dtype.
Every forward returns (out, cache); every backward takes (dout, cache) and returns the
gradient of each input. The numba kernels only do arithmetic; the wrappers below them
validate shapes and dtypes (raising ValueError that names the shapes) and allocate.
Big batches run in slices on several threads at once (parallel.py); small ones, like one
drawn digit, stay on the caller's thread. Every op may be called from any thread.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .kernels import act as ka
from .kernels import conv as kc
from .kernels import direct as kd
from .kernels import flat as kf
from .kernels import gemm as kg
from .kernels import loss as kl
from .kernels import pool as kp
from .kernels import precompile
from .kernels import simd
from .kernels.parallel import run_all, slices

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


# ----------------------------------------------------------------------------- caches

class ConvCache(NamedTuple):
    x: np.ndarray           # [N,C,H,W] the input
    w: np.ndarray           # [K,C,FH,FW] the filters
    stride: int
    padding: int


class MaxPoolCache(NamedTuple):
    argmax: np.ndarray      # [N,C,OH,OW] int32: flat index ih*W + iw of each window's first max
    x_shape: tuple
    size: int
    stride: int


class AvgPoolCache(NamedTuple):
    x_shape: tuple
    size: int
    stride: int


class DenseCache(NamedTuple):
    x: np.ndarray           # [N,D]
    w: np.ndarray           # [D,M]


# ----------------------------------------------------------------------------- validation

def _float(op, name, a):
    if not isinstance(a, np.ndarray):
        raise ValueError(f"{op}: {name} must be a numpy array, got {type(a).__name__}")
    if a.dtype not in _FLOATS:
        raise ValueError(f"{op}: {name} must be float32 or float64, got {a.dtype}")
    if not a.flags.c_contiguous:
        a = np.ascontiguousarray(a)
    return a


def _ndim(op, name, a, n):
    if a.ndim != n:
        raise ValueError(f"{op}: {name} must be {n}-D, got shape {a.shape}")


def _same_dtype(op, **arrays):
    dts = {a.dtype for a in arrays.values()}
    if len(dts) > 1:
        desc = ", ".join(f"{k} {v.dtype}" for k, v in arrays.items())
        raise ValueError(f"{op}: mixed dtypes ({desc})")


def _same_shape(op, dname, d, expected):
    if d.shape != tuple(expected):
        raise ValueError(f"{op}: {dname} has shape {d.shape}, expected {tuple(expected)}")


def _pad8(n):
    return (n + 7) // 8 * 8


def _positive_int(op, name, v, minimum):
    if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < minimum:
        raise ValueError(f"{op}: {name} must be an integer >= {minimum}, got {v!r}")
    return int(v)


# ----------------------------------------------------------------------------- conv2d

def conv2d_forward(x, w, b, stride=1, padding=0):
    """x[N,C,H,W], w[K,C,FH,FW], b[K] → (y[N,K,OH,OW], ConvCache); OH = (H − FH + 2·pad)//stride + 1."""
    op = "conv2d_forward"
    x, w, b = _float(op, "x", x), _float(op, "w", w), _float(op, "b", b)
    _ndim(op, "x", x, 4), _ndim(op, "w", w, 4), _ndim(op, "b", b, 1)
    _same_dtype(op, x=x, w=w, b=b)
    stride = _positive_int(op, "stride", stride, 1)
    padding = _positive_int(op, "padding", padding, 0)
    N, C, H, W = x.shape
    K, WC, FH, FW = w.shape
    if WC != C:
        raise ValueError(f"{op}: x has {C} channels but w expects {WC} (x {x.shape}, w {w.shape})")
    if b.shape[0] != K:
        raise ValueError(f"{op}: b has {b.shape[0]} entries but w has {K} filters (b {b.shape}, w {w.shape})")
    OH = (H - FH + 2 * padding) // stride + 1
    OW = (W - FW + 2 * padding) // stride + 1
    if FH > H + 2 * padding or FW > W + 2 * padding or OH < 1 or OW < 1:
        raise ValueError(f"{op}: kernel {(FH, FW)} larger than padded input (x {x.shape}, w {w.shape}, padding {padding})")
    y = np.empty((N, K, OH, OW), x.dtype)
    A = None if _direct(w, stride) or _flat(w, stride) else conv_matrix(w)
    run_all([lambda n0=n0, n1=n1: conv_forward_into(x[n0:n1], w, b, stride, padding, y[n0:n1], A)
              for n0, n1 in slices(N)])
    return y, ConvCache(x, w, stride, padding)


def conv_matrix(w):
    """(A, nt): the filters as the im2col kernels take them, zero-padded to multiples of 8:
    nt (long sums, C·FH·FW >= 64): A = w as [K, Rp] for dot-product blocks; else wᵀ as [Rp, K]."""
    K, C, FH, FW = w.shape
    R, Rp = C * FH * FW, _pad8(C * FH * FW)
    if Rp >= 64:
        A = np.zeros((K, Rp), w.dtype)     # zero padding adds zeros to every sum
        A[:, :R] = w.reshape(K, R)
        return A, True
    A = np.zeros((Rp, K), w.dtype)
    A[:R] = w.reshape(K, R).T
    return A, False


def backward_matrix(w):
    """w as [Kp, Rp], zero-padded to multiples of 8, for the im2col backward."""
    K, C, FH, FW = w.shape
    wp = np.zeros((_pad8(K), _pad8(C * FH * FW)), w.dtype)
    wp[:K, :C * FH * FW] = w.reshape(K, -1)
    return wp


def _direct(w, stride):
    return w.shape[3] == 5 and stride == 1


def _flat(w, stride):
    """The register-blocked kernels (kernels/flat.py): float32 at stride 1 on AVX-512 or AVX2 CPUs."""
    return simd.AVAILABLE and stride == 1 and w.dtype == np.float32


def conv_forward_into(x, w, b, stride, padding, y, A=None):
    """y = conv(x, w) + b on this thread: register-blocked for float32 at stride 1 (AVX-512, AVX2),
    else direct for 5-wide filters at stride 1, else im2col (A: conv_matrix(w), made here
    when not given). x, w, b, y contiguous."""
    K, _, FH, FW = w.shape
    if _flat(w, stride):
        kf.conv_forward(x, w, b, padding, y)
    elif _direct(w, stride):
        kd.conv_forward(x, w, b, padding, y)
    else:
        A, nt = conv_matrix(w) if A is None else A
        kc.conv_forward(x, A, b, FH, FW, stride, padding, y, nt)


def conv_backward_into(dy, x, w, stride, padding, dx, dw2, db, need_dx, wp=None):
    """dw2 [K, C·FH·FW], db (overwritten) and dx (if need_dx) on this thread. The
    register-blocked kernels (float32, stride 1, AVX-512 or AVX2) and the direct one (5-wide, stride 1)
    multiply padding by zero, so they run only on finite data (dw: x; dx: dy and w); else
    im2col (wp: backward_matrix(w), made here when not given). All arrays contiguous."""
    K, _, FH, FW = w.shape
    precompile.wait()                   # a first launch may be compiling these in a child process
    if _flat(w, stride) and kd.finite(x):
        kf.conv_weight_grad(dy, x, padding, dw2, db)
    else:
        kc.conv_weight_grad(dy, x, FH, FW, stride, padding, dw2, db)
    if not need_dx:
        return
    few = w.shape[1] < 3 and _direct(w, stride)     # 1-2 input channels: the blocks would be mostly waste
    if _flat(w, stride) and not few and kd.finite(w) and kd.finite(dy):
        kf.conv_input_grad(dy, w, padding, dx)
    elif _direct(w, stride) and kd.finite(w) and kd.finite(dy):
        kd.conv_input_grad(dy, w, padding, dx)
    else:
        kc.conv_input_grad(dy, backward_matrix(w) if wp is None else wp, FH, FW, stride, padding, dx)


def conv2d_backward(dy, cache):
    """dy[N,K,OH,OW], ConvCache → (dx[N,C,H,W], dw[K,C,FH,FW], db[K])."""
    op = "conv2d_backward"
    x, w, stride, padding = cache
    dy = _float(op, "dy", dy)
    _same_dtype(op, dy=dy, x=x)
    N, C, H, W = x.shape
    K, _, FH, FW = w.shape
    _same_shape(op, "dy", dy, (N, K, (H - FH + 2 * padding) // stride + 1, (W - FW + 2 * padding) // stride + 1))
    dx, dw, db = np.empty_like(x), np.empty_like(w), np.empty(K, x.dtype)
    wp = backward_matrix(w)
    dw2 = dw.reshape(K, C * FH * FW)
    parts = slices(N)                   # each slice sums its own dw, db; added up after
    dws = [dw2] + [np.empty_like(dw2) for _ in parts[1:]]
    dbs = [db] + [np.empty_like(db) for _ in parts[1:]]
    run_all([lambda i=i, n0=n0, n1=n1: conv_backward_into(dy[n0:n1], x[n0:n1], w, stride, padding,
                                                          dx[n0:n1], dws[i], dbs[i], True, wp)
              for i, (n0, n1) in enumerate(parts)])
    for i in range(1, len(parts)):
        dw2 += dws[i]
        db += dbs[i]
    return dx, dw, db


# ----------------------------------------------------------------------------- pooling

def _pool_shape(op, x, size, stride):
    x = _float(op, "x", x)
    _ndim(op, "x", x, 4)
    size = _positive_int(op, "size", size, 1)
    stride = _positive_int(op, "stride", stride, 1)
    N, C, H, W = x.shape
    if size > H or size > W:
        raise ValueError(f"{op}: window {size}×{size} larger than input (x {x.shape})")
    return x, size, stride, (N, C, (H - size) // stride + 1, (W - size) // stride + 1)


def maxpool2d_forward(x, size=2, stride=2):
    """x[N,C,H,W] → (y[N,C,OH,OW], MaxPoolCache); OH = (H − size)//stride + 1.

    cache.argmax[n,c,i,j] = ih·W + iw, the flat position in x[n,c] of the window's first maximum."""
    x, size, stride, yshape = _pool_shape("maxpool2d_forward", x, size, stride)
    N, C, H, W = x.shape
    y = np.empty(yshape, x.dtype)
    argmax = np.empty(yshape, np.int32)
    kp.maxpool_forward(x.reshape(N * C, H, W), size, stride, y.reshape(N * C, *yshape[2:]),
                       argmax.reshape(N * C, *yshape[2:]))
    return y, MaxPoolCache(argmax, x.shape, size, stride)


def maxpool2d_backward(dy, cache):
    """dy[N,C,OH,OW], MaxPoolCache → dx[N,C,H,W] (overlapping windows accumulate)."""
    op = "maxpool2d_backward"
    dy = _float(op, "dy", dy)
    argmax = cache.argmax
    _same_shape(op, "dy", dy, argmax.shape)
    N, C, H, W = cache.x_shape
    OH, OW = argmax.shape[2], argmax.shape[3]
    dx = np.empty(cache.x_shape, dy.dtype)
    kp.maxpool_backward(dy.reshape(N * C, OH, OW), argmax.reshape(N * C, OH, OW), dx.reshape(N * C, H * W))
    return dx


def avgpool2d_forward(x, size=2, stride=2):
    """x[N,C,H,W] → (y[N,C,OH,OW], AvgPoolCache); y = mean of each window."""
    x, size, stride, yshape = _pool_shape("avgpool2d_forward", x, size, stride)
    N, C, H, W = x.shape
    y = np.empty(yshape, x.dtype)
    kp.avgpool_forward(x.reshape(N * C, H, W), size, stride, y.reshape(N * C, *yshape[2:]))
    return y, AvgPoolCache(x.shape, size, stride)


def avgpool2d_backward(dy, cache):
    """dy[N,C,OH,OW], AvgPoolCache → dx[N,C,H,W]; each window gets dy / size²."""
    op = "avgpool2d_backward"
    dy = _float(op, "dy", dy)
    N, C, H, W = cache.x_shape
    OH, OW = (H - cache.size) // cache.stride + 1, (W - cache.size) // cache.stride + 1
    _same_shape(op, "dy", dy, (N, C, OH, OW))
    dx = np.empty(cache.x_shape, dy.dtype)
    kp.avgpool_backward(dy.reshape(N * C, OH, OW), cache.size, cache.stride, dx.reshape(N * C, H, W))
    return dx


# ----------------------------------------------------------------------------- activations
# Kernels (kernels/act.py) run over flat views. The cache of each activation is its output
# y, which is all its backward needs.

def _act_forward(op, kernel, x):
    x = _float(op, "x", x)
    y = np.empty_like(x)
    kernel(x.reshape(-1), y.reshape(-1))
    return y, y


def _act_backward(op, kernel, dy, y):
    dy = _float(op, "dy", dy)
    if dy.shape != y.shape or dy.dtype != y.dtype:
        raise ValueError(f"{op}: dy {dy.shape} {dy.dtype} does not match the forward output {y.shape} {y.dtype}")
    dx = np.empty_like(dy)
    kernel(dy.reshape(-1), y.reshape(-1), dx.reshape(-1))
    return dx


def relu_forward(x):
    """x → (y = max(x, 0), cache = y)."""
    return _act_forward("relu_forward", ka.relu_forward, x)


def relu_backward(dy, cache):
    """dy, y → dx = dy · [y > 0]."""
    return _act_backward("relu_backward", ka.relu_backward, dy, cache)


def sigmoid_forward(x):
    """x → (y = 1/(1+e^−x), cache = y)."""
    return _act_forward("sigmoid_forward", ka.sigmoid_forward, x)


def sigmoid_backward(dy, cache):
    """dy, y → dx = dy · y(1−y)."""
    return _act_backward("sigmoid_backward", ka.sigmoid_backward, dy, cache)


def tanh_forward(x):
    """x → (y = tanh x, cache = y)."""
    return _act_forward("tanh_forward", ka.tanh_forward, x)


def tanh_backward(dy, cache):
    """dy, y → dx = dy · (1−y²)."""
    return _act_backward("tanh_backward", ka.tanh_backward, dy, cache)


# ----------------------------------------------------------------------------- dense

def dense_forward(x, w, b):
    """x[N,D], w[D,M], b[M] → (y = x·w + b [N,M], DenseCache)."""
    op = "dense_forward"
    x, w, b = _float(op, "x", x), _float(op, "w", w), _float(op, "b", b)
    _ndim(op, "x", x, 2), _ndim(op, "w", w, 2), _ndim(op, "b", b, 1)
    _same_dtype(op, x=x, w=w, b=b)
    if x.shape[1] != w.shape[0] or w.shape[1] != b.shape[0]:
        raise ValueError(f"{op}: shapes do not chain (x {x.shape}, w {w.shape}, b {b.shape})")
    y = np.empty((x.shape[0], w.shape[1]), x.dtype)
    kg.dense_forward(x, w, b, y)
    return y, DenseCache(x, w)


def dense_backward(dy, cache):
    """dy[N,M], DenseCache → (dx = dy·wᵀ [N,D], dw = xᵀ·dy [D,M], db = Σ_n dy [M])."""
    op = "dense_backward"
    x, w = cache
    dy = _float(op, "dy", dy)
    _same_dtype(op, dy=dy, x=x)
    _same_shape(op, "dy", dy, (x.shape[0], w.shape[1]))
    dx, dw, db = np.empty_like(x), np.empty_like(w), np.empty(w.shape[1], x.dtype)
    precompile.wait()                   # a first launch may be compiling it in a child process
    kg.dense_backward(dy, x, w, dx, dw, db)
    return dx, dw, db


# ----------------------------------------------------------------------------- loss

def softmax_cross_entropy(logits, labels):
    """logits[N,K], labels[N] int in [0, K) → (mean loss L, dL/dlogits[N,K])."""
    op = "softmax_cross_entropy"
    logits = _float(op, "logits", logits)
    _ndim(op, "logits", logits, 2)
    N, K = logits.shape
    if N == 0:
        raise ValueError(f"{op}: empty batch (logits {logits.shape})")
    labels = check_labels(op, labels, N, K, f" for logits {logits.shape}")
    dz = np.empty_like(logits)
    loss = kl.softmax_ce(logits, labels, dz, N)
    return float(loss), dz


def check_labels(op, labels, N, K, context=""):
    """labels as a contiguous int64 [N] array with values in [0, K), or ValueError."""
    labels = np.asarray(labels)
    if labels.dtype.kind not in "iu":
        raise ValueError(f"{op}: labels must be integers, got {labels.dtype}")
    if labels.shape != (N,):
        raise ValueError(f"{op}: labels has shape {labels.shape}, expected ({N},){context}")
    if labels.dtype != np.int64:
        labels = labels.astype(np.int64)
    elif not labels.flags.c_contiguous:
        labels = np.ascontiguousarray(labels)
    if labels.min() < 0 or labels.max() >= K:
        raise ValueError(f"{op}: labels must lie in [0, {K}), got min {labels.min()} max {labels.max()}")
    return labels
