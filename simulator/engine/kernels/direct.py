"""Direct convolution for 5-wide filters at stride 1 (LeNet's two layers), without im2col.

Each image plane is stored flat with its padding written out, row length Wp = W + 2·pad.
An output position t = i·Wp + j then reads its tap (p, q) at t + p·Wp + q, so a whole
filter row (five taps) is five shifted reads of one long contiguous vector: loops LLVM
vectorises over t without any copying. Positions j >= OW of each row ("junk") are computed
along and dropped, which is exact. For dx they enter the sums multiplied by zero, exact only
for finite numbers, so ops.py uses conv_input_grad only when dy and w are finite (see
`finite`) and the im2col kernels otherwise, which keep NaN and inf where PyTorch has them.

    forward  y[k, t]      = b[k] + Σ_c,p,q w[k,c,p,q] · xf[c, t + p·Wp + q]
    dx       dxf[c, u + p·Wp] += Σ_k,q w[k,c,p,q] · dyf[k, u − q]      (dyf: dy, junk = 0)

(dw this way was no faster than im2col + gemm_nt: its sums are too short, measured.)
"""
import numba
import numpy as np

from .flags import FASTMATH

_jit = numba.njit(cache=True, nogil=True, fastmath=FASTMATH, error_model="numpy")


@_jit
def finite(a):
    """True if a (any shape, contiguous) holds no NaN and no infinity: Σ a·0 is 0 exactly then."""
    af = a.reshape(a.size)
    s = a.dtype.type(0)
    for e in range(af.size):
        s += af[e] * 0
    return s == 0


@_jit
def _flat_padded(x, n, padding, xf):
    """xf[c, (h + pad)·Wp + w + pad] = x[n, c, h, w]; the rest of xf stays as it is (zero)."""
    C, H, W = x.shape[1], x.shape[2], x.shape[3]
    Wp = W + 2 * padding
    for c in range(C):
        for h in range(H):
            o = (h + padding) * Wp + padding
            for w in range(W):
                xf[c, o + w] = x[n, c, h, w]


@_jit
def conv_forward(x, w, b, padding, y):
    """y[n,k,i,j] = b[k] + Σ w[k,c,p,q] · xpad[n,c,i+p,j+q] for 5-wide filters, stride 1."""
    N, C, H, W = x.shape
    K, _, FH, _ = w.shape
    OH, OW = y.shape[2], y.shape[3]
    Wp, Hp = W + 2 * padding, H + 2 * padding
    L = OH * Wp
    xf = np.zeros((C, Hp * Wp + 8), x.dtype)
    yf = np.empty((2, L), x.dtype)
    for n in range(N):
        _flat_padded(x, n, padding, xf)
        for k0 in range(0, K, 2):
            k1 = min(k0 + 1, K - 1)          # odd K: the last filter twice
            a0, a1 = yf[0], yf[1]
            for t in range(L):
                a0[t] = b[k0]
                a1[t] = b[k1]
            for c in range(C):
                for p in range(FH):
                    xr = xf[c, p * Wp:p * Wp + L + 4]
                    u0 = w[k0, c, p, 0]; u1 = w[k0, c, p, 1]; u2 = w[k0, c, p, 2]
                    u3 = w[k0, c, p, 3]; u4 = w[k0, c, p, 4]
                    v0 = w[k1, c, p, 0]; v1 = w[k1, c, p, 1]; v2 = w[k1, c, p, 2]
                    v3 = w[k1, c, p, 3]; v4 = w[k1, c, p, 4]
                    for t in range(L):
                        x0 = xr[t]; x1 = xr[t + 1]; x2 = xr[t + 2]; x3 = xr[t + 3]; x4 = xr[t + 4]
                        a0[t] += u0 * x0 + u1 * x1 + u2 * x2 + u3 * x3 + u4 * x4
                        a1[t] += v0 * x0 + v1 * x1 + v2 * x2 + v3 * x3 + v4 * x4
            for i in range(OH):
                for j in range(OW):
                    y[n, k0, i, j] = a0[i * Wp + j]
                    y[n, k1, i, j] = a1[i * Wp + j]


@_jit
def conv_input_grad(dy, w, padding, dx):
    """dx[n,c,h,w] = Σ_k,p,q w[k,c,p,q] · dy[n,k,h+pad−p,w+pad−q] (terms outside dy left out),
    for 5-wide filters at stride 1 and finite inputs only (see the module docstring)."""
    N, C, H, W = dx.shape
    K = w.shape[0]
    OH, OW = dy.shape[2], dy.shape[3]
    Wp, Hp = W + 2 * padding, H + 2 * padding
    L = OH * Wp
    dyf = np.zeros((K, L + 8), dx.dtype)          # dyf[k, 4 + t]: four zeros in front
    dxf = np.zeros((C, Hp * Wp + 8), dx.dtype)
    for n in range(N):
        for k in range(K):
            for i in range(OH):
                for j in range(OW):
                    dyf[k, 4 + i * Wp + j] = dy[n, k, i, j]
        _dx_image(dyf, w, n, padding, L, Wp, dxf, dx)


@_jit
def _dx_image(dyf, w, n, padding, L, Wp, dxf, dx):
    """dx[n] = the interior of dxf, dxf[c, p·Wp + u] = Σ_k,q w[k,c,p,q] · dyf[k, 4 + u − q]."""
    K, C, FH, _ = w.shape
    H, W = dx.shape[2], dx.shape[3]
    dxf[:] = 0
    for c in range(C):
        for p in range(FH):
            out = dxf[c, p * Wp:p * Wp + L + 4]
            for k0 in range(0, K, 2):
                u0 = w[k0, c, p, 0]; u1 = w[k0, c, p, 1]; u2 = w[k0, c, p, 2]
                u3 = w[k0, c, p, 3]; u4 = w[k0, c, p, 4]
                d0 = dyf[k0]
                if k0 + 1 < K:
                    k1 = k0 + 1
                    v0 = w[k1, c, p, 0]; v1 = w[k1, c, p, 1]; v2 = w[k1, c, p, 2]
                    v3 = w[k1, c, p, 3]; v4 = w[k1, c, p, 4]
                else:                                # odd K: a zero partner
                    k1 = k0
                    v0 = v1 = v2 = v3 = v4 = w.dtype.type(0)
                d1 = dyf[k1]
                for u in range(L + 4):
                    out[u] += (u0 * d0[u + 4] + u1 * d0[u + 3] + u2 * d0[u + 2] + u3 * d0[u + 1] + u4 * d0[u]
                               + v0 * d1[u + 4] + v1 * d1[u + 3] + v2 * d1[u + 2] + v3 * d1[u + 1] + v4 * d1[u])
    for c in range(C):
        for h in range(H):
            o = (h + padding) * Wp + padding
            for ww in range(W):
                dx[n, c, h, ww] = dxf[c, o + ww]
