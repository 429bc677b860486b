"""Small matrix products for the conv and dense kernels, vectorised and register-blocked.

    gemm_nt:  C[m, n] (+)= Σ_l A[m, l] · B[n, l]     (A·Bᵀ: dot products of rows)
    gemm_tn:  C[m, n] (+)= Σ_l A[l, m] · B[l, n]     (Aᵀ·B: updates of C's rows)

gemm_nt takes 4×3 blocks of dot products, so each loaded vector feeds several multiply-adds
and the twelve partial sums stay in registers: best when the summed axis l is long.
gemm_tn adds eight rows of B into a row of C per pass (one load and store of C per eight
multiply-adds): best when l is short and rows are long. Both vectorise over contiguous rows;
they are plain loops rather than BLAS calls because the shapes here are small, and a BLAS
call would bring its own thread pool (see parallel.py).

dense_forward and dense_backward take the register-blocked kernels of dense.py for float32
on AVX-512 and AVX2 CPUs (simd.AVAILABLE), and the loops here otherwise (float64, other CPUs).
"""
import numba
import numpy as np

from .flags import FASTMATH

_jit = numba.njit(cache=True, nogil=True, fastmath=FASTMATH, error_model="numpy")


@_jit
def gemm_nt(A, B, C, M, N, accumulate):
    """C[m, n] (+)= Σ_l A[m, l] · B[n, l] for m < M, n < N, l < A.shape[1]."""
    L = A.shape[1]
    z = A.dtype.type(0)
    for m in range(0, M - 3, 4):
        n = 0
        while n + 3 <= N:
            s00 = z; s01 = z; s02 = z; s10 = z; s11 = z; s12 = z
            s20 = z; s21 = z; s22 = z; s30 = z; s31 = z; s32 = z
            for l in range(L):
                b0 = B[n, l]; b1 = B[n + 1, l]; b2 = B[n + 2, l]
                a = A[m, l]
                s00 += a * b0; s01 += a * b1; s02 += a * b2
                a = A[m + 1, l]
                s10 += a * b0; s11 += a * b1; s12 += a * b2
                a = A[m + 2, l]
                s20 += a * b0; s21 += a * b1; s22 += a * b2
                a = A[m + 3, l]
                s30 += a * b0; s31 += a * b1; s32 += a * b2
            if accumulate:
                s00 += C[m, n]; s01 += C[m, n + 1]; s02 += C[m, n + 2]
                s10 += C[m + 1, n]; s11 += C[m + 1, n + 1]; s12 += C[m + 1, n + 2]
                s20 += C[m + 2, n]; s21 += C[m + 2, n + 1]; s22 += C[m + 2, n + 2]
                s30 += C[m + 3, n]; s31 += C[m + 3, n + 1]; s32 += C[m + 3, n + 2]
            C[m, n] = s00; C[m, n + 1] = s01; C[m, n + 2] = s02
            C[m + 1, n] = s10; C[m + 1, n + 1] = s11; C[m + 1, n + 2] = s12
            C[m + 2, n] = s20; C[m + 2, n + 1] = s21; C[m + 2, n + 2] = s22
            C[m + 3, n] = s30; C[m + 3, n + 1] = s31; C[m + 3, n + 2] = s32
            n += 3
        for nn in range(n, N):                      # right edge: 4 rows, one column
            s0 = z; s1 = z; s2 = z; s3 = z
            for l in range(L):
                bv = B[nn, l]
                s0 += A[m, l] * bv; s1 += A[m + 1, l] * bv
                s2 += A[m + 2, l] * bv; s3 += A[m + 3, l] * bv
            if accumulate:
                s0 += C[m, nn]; s1 += C[m + 1, nn]; s2 += C[m + 2, nn]; s3 += C[m + 3, nn]
            C[m, nn] = s0; C[m + 1, nn] = s1; C[m + 2, nn] = s2; C[m + 3, nn] = s3
    for mm in range(M - M % 4, M):                  # bottom edge: one row, three columns
        n = 0
        while n + 3 <= N:
            s0 = z; s1 = z; s2 = z
            for l in range(L):
                a = A[mm, l]
                s0 += a * B[n, l]; s1 += a * B[n + 1, l]; s2 += a * B[n + 2, l]
            if accumulate:
                s0 += C[mm, n]; s1 += C[mm, n + 1]; s2 += C[mm, n + 2]
            C[mm, n] = s0; C[mm, n + 1] = s1; C[mm, n + 2] = s2
            n += 3
        for nn in range(n, N):
            s0 = z
            for l in range(L):
                s0 += A[mm, l] * B[nn, l]
            C[mm, nn] = s0 + C[mm, nn] if accumulate else s0


@_jit
def gemm_tn(A, B, C, M, N, accumulate):
    """C[m, n] (+)= Σ_l A[l, m] · B[l, n] for m < M, n < N, l < A.shape[0]."""
    L = A.shape[0]
    L8 = L - L % 8
    for m in range(M):
        if not accumulate and L8 == 0:
            for n in range(N):
                C[m, n] = 0
        for l in range(0, L8, 8):
            a0 = A[l, m]; a1 = A[l + 1, m]; a2 = A[l + 2, m]; a3 = A[l + 3, m]
            a4 = A[l + 4, m]; a5 = A[l + 5, m]; a6 = A[l + 6, m]; a7 = A[l + 7, m]
            if l == 0 and not accumulate:          # the first pass writes, the rest add
                for n in range(N):
                    C[m, n] = (a0 * B[l, n] + a1 * B[l + 1, n] + a2 * B[l + 2, n] + a3 * B[l + 3, n]
                               + a4 * B[l + 4, n] + a5 * B[l + 5, n] + a6 * B[l + 6, n] + a7 * B[l + 7, n])
            else:
                for n in range(N):
                    C[m, n] += (a0 * B[l, n] + a1 * B[l + 1, n] + a2 * B[l + 2, n] + a3 * B[l + 3, n]
                                + a4 * B[l + 4, n] + a5 * B[l + 5, n] + a6 * B[l + 6, n] + a7 * B[l + 7, n])
        for l in range(L8, L):
            a0 = A[l, m]
            for n in range(N):
                C[m, n] += a0 * B[l, n]


# ----------------------------------------------------------------------------- dense layer

def dense_forward(x, w, b, y):
    """y[n, m] = b[m] + Σ_d x[n, d] · w[d, m] (contiguous arrays of one dtype)."""
    (dense.dense_forward if _fast(y) else _dense_forward)(x, w, b, y)


def dense_backward(dy, x, w, dx, dw, db):
    """dx = dy·wᵀ;  dw[d, m] = Σ_n x[n, d] · dy[n, m];  db[m] = Σ_n dy[n, m] (contiguous arrays)."""
    (dense.dense_backward if _fast(dy) else _dense_backward)(dy, x, w, dx, dw, db)


def _fast(a):
    return simd.AVAILABLE and a.dtype == np.float32


@_jit
def _dense_forward(x, w, b, y):
    """y[n, m] = b[m] + Σ_d x[n, d] · w[d, m]."""
    N, M = y.shape
    gemm_tn(x.T, w, y, N, M, False)
    for n in range(N):
        for m in range(M):
            y[n, m] += b[m]


@_jit
def _dense_backward(dy, x, w, dx, dw, db):
    """dx = dy·wᵀ;  dw[d, m] = Σ_n x[n, d] · dy[n, m];  db[m] = Σ_n dy[n, m]."""
    N, M = dy.shape
    D = x.shape[1]
    gemm_nt(dy, w, dx, N, D, False)
    gemm_tn(x, dy, dw, D, M, False)
    for m in range(M):
        db[m] = 0
    for n in range(N):
        for m in range(M):
            db[m] += dy[n, m]


from . import dense, simd  # noqa: E402  (dense.py uses gemm_nt from here: imported last)
