"""Register-blocked float32 matrix products for the dense layers (AVX-512 and AVX2, simd.py).

One micro-kernel, `_gemm`, with operand A read through strides so that x and its transpose
are both plain reads:

    C[i, j] = init[j] + Σ_l A[i·sai + l·sal] · B[l·ldb + j]       (A, B, C flat float32)

_gemm_4x4 keeps 4 rows × 4 vectors (64 columns) of C in 16 registers while l runs, so each l
costs 4 vector loads of B and 4 broadcasts of A for 16 fused multiply-adds (on AVX2, with 16
registers in all, avx2.gemm_6x2: 6 rows × 2 vectors of 8). Columns past J are
masked off (no reads or writes outside the arrays), rows past I repeat row I−1 (the same
values stored twice).

    forward  y  = x·w + b        A = x (i = n, l = d),   B = w
    dw       dw = xᵀ·dy          A = xᵀ (i = d, l = n),  B = dy
(dx = dy·wᵀ reads w by rows, a dot product per element: gemm.gemm_nt does it.)
"""
import numba
import numpy as np

from . import avx2
from .gemm import gemm_nt
from .simd import VW, vfma, vload_n, vsplat_at, vstore_n

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def _gemm_4x4(A, sai, sal, B, ldb, L, C, I, J, init):
    """C[i, j] = init[j] + Σ_l<L A[i·sai + l·sal] · B[l·ldb + j] for i < I, j < J (C is [I, J] flat)."""
    for i0 in range(0, I, 4):
        a0 = i0 * sai; a1 = min(i0 + 1, I - 1) * sai; a2 = min(i0 + 2, I - 1) * sai; a3 = min(i0 + 3, I - 1) * sai
        for j0 in range(0, J, 4 * VW):
            m0 = J - j0; m1 = m0 - VW; m2 = m0 - 2 * VW; m3 = m0 - 3 * VW
            i0v = vload_n(init, j0, m0); i1v = vload_n(init, j0 + VW, m1)
            i2v = vload_n(init, j0 + 2 * VW, m2); i3v = vload_n(init, j0 + 3 * VW, m3)
            c00 = i0v; c01 = i1v; c02 = i2v; c03 = i3v
            c10 = i0v; c11 = i1v; c12 = i2v; c13 = i3v
            c20 = i0v; c21 = i1v; c22 = i2v; c23 = i3v
            c30 = i0v; c31 = i1v; c32 = i2v; c33 = i3v
            for l in range(L):
                o = l * ldb + j0
                b0 = vload_n(B, o, m0); b1 = vload_n(B, o + VW, m1)
                b2 = vload_n(B, o + 2 * VW, m2); b3 = vload_n(B, o + 3 * VW, m3)
                la = l * sal
                u = vsplat_at(A, a0 + la); c00 = vfma(u, b0, c00); c01 = vfma(u, b1, c01); c02 = vfma(u, b2, c02); c03 = vfma(u, b3, c03)
                u = vsplat_at(A, a1 + la); c10 = vfma(u, b0, c10); c11 = vfma(u, b1, c11); c12 = vfma(u, b2, c12); c13 = vfma(u, b3, c13)
                u = vsplat_at(A, a2 + la); c20 = vfma(u, b0, c20); c21 = vfma(u, b1, c21); c22 = vfma(u, b2, c22); c23 = vfma(u, b3, c23)
                u = vsplat_at(A, a3 + la); c30 = vfma(u, b0, c30); c31 = vfma(u, b1, c31); c32 = vfma(u, b2, c32); c33 = vfma(u, b3, c33)
            for r in range(3, -1, -1):          # row 3 first: clamped rows end with their own values
                o = min(i0 + r, I - 1) * J + j0
                if r == 0:
                    v0 = c00; v1 = c01; v2 = c02; v3 = c03
                elif r == 1:
                    v0 = c10; v1 = c11; v2 = c12; v3 = c13
                elif r == 2:
                    v0 = c20; v1 = c21; v2 = c22; v3 = c23
                else:
                    v0 = c30; v1 = c31; v2 = c32; v3 = c33
                vstore_n(C, o, v0, m0); vstore_n(C, o + VW, v1, m1)
                vstore_n(C, o + 2 * VW, v2, m2); vstore_n(C, o + 3 * VW, v3, m3)


_gemm = _gemm_4x4 if VW == 16 else avx2.gemm_6x2     # 16 sums in registers, or 12 on AVX2


@_jit
def dense_forward(x, w, b, y):
    """y[n, m] = b[m] + Σ_d x[n, d] · w[d, m] (float32, contiguous)."""
    N, M = y.shape
    D = x.shape[1]
    _gemm(x.reshape(N * D), D, 1, w.reshape(D * M), M, D, y.reshape(N * M), N, M, b)


@_jit
def dense_backward(dy, x, w, dx, dw, db):
    """dx = dy·wᵀ;  dw[d, m] = Σ_n x[n, d] · dy[n, m];  db[m] = Σ_n dy[n, m] (float32, contiguous)."""
    N, M = dy.shape
    D = x.shape[1]
    gemm_nt(dy, w, dx, N, D, False)
    _gemm(x.reshape(N * D), 1, D, dy.reshape(N * M), M, N, dw.reshape(D * M), D, M, np.zeros(M, np.float32))
    for m in range(M):
        db[m] = 0
    for n in range(N):
        for m in range(M):
            db[m] += dy[n, m]
