"""Numba kernels for conv2d, forward and backward (the wrappers live in ops.py).

Convolution is im2col + matrix products, one image at a time so every buffer stays in cache.
With r = (c, p, q) a filter tap and t = i·OW + j an output position, and xp the image with
its zero padding written out,

    col[r, t] = xp[c, i·s+p, j·s+q]
    forward   y[k, t]  = b[k] + Σ_r w[k, r] · col[r, t]
    backward  dw[k, r] = Σ_n Σ_t dy[k, t] · col[r, t]          db[k] = Σ_n Σ_t dy[k, t]
              dcol[r, t] = Σ_k w[k, r] · dy[k, t]              dx = col2im(dcol)

The matrix products are kernels_gemm's `gemm_nt` (C = A·Bᵀ, for long sums: the forward
when C·FH·FW >= 64, and dw) and `gemm_tn` (C = Aᵀ·B, for short sums: conv1's forward, and
dcol which sums over only K channels). Buffers are zero-padded to multiples of 8 so the
vector loops have no scalar tails; the padding contributes zeros to every sum.
The kernels walk a batch serially and release the GIL; ops.py runs slices of a big batch
on several threads at once. The weight and input gradients are separate kernels, so training
(which takes dx from kernels_direct, and none for conv1) never compiles the second.
"""
import numba
import numpy as np

from .flags import FASTMATH
from .gemm import gemm_nt, gemm_tn

_jit = numba.njit(cache=True, nogil=True, fastmath=FASTMATH, error_model="numpy")


@_jit
def padded(n):
    """n rounded up to a multiple of 8 (one AVX register of float32)."""
    return (n + 7) // 8 * 8


# ----------------------------------------------------------------------------- im2col / col2im

@_jit
def pad_image(x, n, padding, xp):
    """xp[c, padding + h, padding + w] = x[n, c, h, w]; the border of xp stays zero."""
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    for c in range(C):
        for h in range(H):
            for w in range(W):
                xp[c, padding + h, padding + w] = x[n, c, h, w]


@_jit
def im2col_rows(xp, FH, FW, stride, OH, OW, col):
    """col[r, i·OW + j] = xp[c, i·s+p, j·s+q] with r = (c·FH + p)·FW + q."""
    C = xp.shape[0]
    r = 0
    for c in range(C):
        for p in range(FH):
            for q in range(FW):
                for i in range(OH):
                    base = i * OW
                    h = i * stride + p
                    if stride == 1:
                        for j in range(OW):
                            col[r, base + j] = xp[c, h, j + q]
                    else:
                        for j in range(OW):
                            col[r, base + j] = xp[c, h, j * stride + q]
                r += 1


@_jit
def im2col_t(xp, FH, FW, stride, OH, OW, colT):
    """colT[i·OW + j, r] = xp[c, i·s+p, j·s+q]: im2col transposed, one receptive field per row."""
    C = xp.shape[0]
    for i in range(OH):
        for j in range(OW):
            t = i * OW + j
            h0, w0 = i * stride, j * stride
            r = 0
            for c in range(C):
                for p in range(FH):
                    for q in range(FW):
                        colT[t, r + q] = xp[c, h0 + p, w0 + q]
                    r += FW


@_jit
def col2im(dcol, FH, FW, stride, OH, OW, dxp):
    """dxp[c, i·s+p, j·s+q] += dcol[r, i·OW + j] (dxp zeroed by the caller)."""
    C = dxp.shape[0]
    r = 0
    for c in range(C):
        for p in range(FH):
            for q in range(FW):
                for i in range(OH):
                    base = i * OW
                    h = i * stride + p
                    if stride == 1:
                        for j in range(OW):
                            dxp[c, h, j + q] += dcol[r, base + j]
                    else:
                        for j in range(OW):
                            dxp[c, h, j * stride + q] += dcol[r, base + j]
                r += 1


# With the window and stride passed as constants, LLVM inlines and unrolls the copies above
# (about 3x faster than with run-time sizes), so the common windows get their own call sites.

@_jit
def im2col_rows_fast(xp, FH, FW, stride, OH, OW, col):
    """im2col_rows, specialised for 5×5 windows at stride 1 (LeNet's)."""
    if stride == 1 and FH == 5 and FW == 5:
        im2col_rows(xp, 5, 5, 1, OH, OW, col)
    else:
        im2col_rows(xp, FH, FW, stride, OH, OW, col)


@_jit
def im2col_t_fast(xp, FH, FW, stride, OH, OW, colT):
    """im2col_t, specialised for 5×5 windows at stride 1 (LeNet's)."""
    if stride == 1 and FH == 5 and FW == 5:
        im2col_t(xp, 5, 5, 1, OH, OW, colT)
    else:
        im2col_t(xp, FH, FW, stride, OH, OW, colT)


@_jit
def col2im_fast(dcol, FH, FW, stride, OH, OW, dxp):
    """col2im, specialised for 5×5 windows at stride 1 (LeNet's)."""
    if stride == 1 and FH == 5 and FW == 5:
        col2im(dcol, 5, 5, 1, OH, OW, dxp)
    else:
        col2im(dcol, FH, FW, stride, OH, OW, dxp)


# ----------------------------------------------------------------------------- one image

@_jit
def conv_forward_image(x, A, b, n, FH, FW, stride, padding, y, xp, col, nt):
    """y[n, k, t] = b[k] + Σ_r w[k, r] · col[r, t].

    nt: A is w as [K, Rp] and col is im2col transposed [T, Rp] (gemm_nt);
    otherwise A is wᵀ as [Rp, K] and col is [Rp, Tp] (gemm_tn)."""
    K = b.shape[0]
    OH, OW = y.shape[2], y.shape[3]
    T = OH * OW
    pad_image(x, n, padding, xp)
    yn = y[n].reshape(K, T)
    if nt:
        im2col_t_fast(xp, FH, FW, stride, OH, OW, col)
        gemm_nt(A, col, yn, K, T, False)
    else:
        im2col_rows_fast(xp, FH, FW, stride, OH, OW, col)
        gemm_tn(A, col, yn, K, T, False)
    for k in range(K):
        bk = b[k]
        for t in range(T):
            yn[k, t] += bk


@_jit
def _copy_dy(dy, n, dyp):
    """dyp[k, t] = dy[n, k, t] (dyp's padding columns stay zero); returns Σ_t dy[n, k, t] by k."""
    K = dy.shape[1]
    T = dy.shape[2] * dy.shape[3]
    dyn = dy[n].reshape(K, T)
    sums = np.zeros(K, dy.dtype)
    for k in range(K):
        s = dy.dtype.type(0)
        for t in range(T):
            v = dyn[k, t]
            dyp[k, t] = v
            s += v
        sums[k] = s
    return sums


# ----------------------------------------------------------------------------- batches

@_jit
def _forward_buffers(x, A, y, padding, nt):
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    T = y.shape[2] * y.shape[3]
    xp = np.zeros((C, H + 2 * padding, W + 2 * padding), x.dtype)
    if nt:
        col = np.zeros((T, A.shape[1]), x.dtype)
    else:
        col = np.zeros((A.shape[0], padded(T)), x.dtype)
    return xp, col


@_jit
def conv_forward(x, A, b, FH, FW, stride, padding, y, nt):
    """Serial forward over the batch (see conv_forward_image)."""
    xp, col = _forward_buffers(x, A, y, padding, nt)
    for n in range(x.shape[0]):
        conv_forward_image(x, A, b, n, FH, FW, stride, padding, y, xp, col, nt)


@_jit
def conv_weight_grad(dy, x, FH, FW, stride, padding, dw2, db):
    """dw2[k, r] = Σ_n Σ_t dy[n, k, t] · col_n[r, t];  db[k] = Σ_n Σ_t dy[n, k, t] (overwritten)."""
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    K, R = dw2.shape
    OH, OW = dy.shape[2], dy.shape[3]
    Tp = padded(OH * OW)
    xp = np.zeros((C, H + 2 * padding, W + 2 * padding), x.dtype)
    col, dyp = np.zeros((padded(R), Tp), x.dtype), np.zeros((K, Tp), x.dtype)
    dw2[:] = 0
    db[:] = 0
    for n in range(x.shape[0]):
        db += _copy_dy(dy, n, dyp)
        pad_image(x, n, padding, xp)
        im2col_rows_fast(xp, FH, FW, stride, OH, OW, col)
        gemm_nt(dyp, col, dw2, K, R, True)


@_jit
def conv_input_grad(dy, wp, FH, FW, stride, padding, dx):
    """dx[n] = col2im(wᵀ·dy[n]) for every image; wp: w as [Kp, Rp], zero-padded."""
    C, H, W = dx.shape[1], dx.shape[2], dx.shape[3]
    Kp, Rp = wp.shape
    OH, OW = dy.shape[2], dy.shape[3]
    Tp = padded(OH * OW)
    dxp = np.zeros((C, H + 2 * padding, W + 2 * padding), dx.dtype)
    dyp, dcol = np.zeros((Kp, Tp), dx.dtype), np.zeros((Rp, Tp), dx.dtype)
    for n in range(dx.shape[0]):
        _copy_dy(dy, n, dyp)
        gemm_tn(wp, dyp, dcol, Rp, Tp, False)       # padded width: no scalar tail
        dxp[:] = 0
        col2im_fast(dcol, FH, FW, stride, OH, OW, dxp)
        for c in range(C):
            for h in range(H):
                for w in range(W):
                    dx[n, c, h, w] = dxp[c, padding + h, padding + w]
