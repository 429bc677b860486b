"""The float32 weight gradient of 5×5 filters at stride 1, vectorised over the filters
(simd.py; on AVX2, avx2.dw_5x5's smaller blocks): LeNet's conv2, where it does a third less
arithmetic than flat.py's.

    dw[k, c,p,q] = Σ_n Σ_i<OH,j<OW xpad[n, c, i+p, j+q] · dy[n, k, i, j]

With dy transposed to dyT[n, i·OW + j, k] (zeros for k >= K up to a multiple of KSTEP), each
output position gives one vector load of dyT (VW filters) and 25 broadcasts of x, one per
tap of a channel, for 25 fused multiply-adds into 25 registers: sums over k-vectors, so
no junk positions (flat.py computes OH·Wp of them, this OH·OW) and no adding up of lanes.
x is read from flat padded planes, as in flat.py. Exact for any finite or non-finite x
and dy: only products of the true sum are formed (ops.py still sends non-finite x elsewhere,
as for flat.py, since the padding of a padded layer is multiplied).
"""
import numba
import numpy as np

from . import avx2
from .simd import VW, vfma, vload, vsplat, vsplat_at, vstore

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def _dw_5x5(xf, dyT, ng, S, Wp, OH, OW, Kv, C, acc):
    """acc[(c·25 + p·5 + q)·Kv + k] += Σ_g<ng Σ_i,j xf[g, c·S + (i+p)·Wp + j+q] · dyT[g, (i·OW + j)·Kv + k]."""
    for kv in range(0, Kv, VW):
        for c in range(C):
            a = c * 25 * Kv + kv
            s00 = vload(acc, a); s01 = vload(acc, a + Kv); s02 = vload(acc, a + 2 * Kv)
            s03 = vload(acc, a + 3 * Kv); s04 = vload(acc, a + 4 * Kv)
            s10 = vload(acc, a + 5 * Kv); s11 = vload(acc, a + 6 * Kv); s12 = vload(acc, a + 7 * Kv)
            s13 = vload(acc, a + 8 * Kv); s14 = vload(acc, a + 9 * Kv)
            s20 = vload(acc, a + 10 * Kv); s21 = vload(acc, a + 11 * Kv); s22 = vload(acc, a + 12 * Kv)
            s23 = vload(acc, a + 13 * Kv); s24 = vload(acc, a + 14 * Kv)
            s30 = vload(acc, a + 15 * Kv); s31 = vload(acc, a + 16 * Kv); s32 = vload(acc, a + 17 * Kv)
            s33 = vload(acc, a + 18 * Kv); s34 = vload(acc, a + 19 * Kv)
            s40 = vload(acc, a + 20 * Kv); s41 = vload(acc, a + 21 * Kv); s42 = vload(acc, a + 22 * Kv)
            s43 = vload(acc, a + 23 * Kv); s44 = vload(acc, a + 24 * Kv)
            for g in range(ng):
                xg = xf[g]
                dg = dyT[g]
                for i in range(OH):
                    r0 = c * S + i * Wp
                    r1 = r0 + Wp; r2 = r1 + Wp; r3 = r2 + Wp; r4 = r3 + Wp
                    for j in range(OW):
                        d = vload(dg, (i * OW + j) * Kv + kv)
                        s00 = vfma(vsplat_at(xg, r0 + j), d, s00); s01 = vfma(vsplat_at(xg, r0 + j + 1), d, s01)
                        s02 = vfma(vsplat_at(xg, r0 + j + 2), d, s02); s03 = vfma(vsplat_at(xg, r0 + j + 3), d, s03)
                        s04 = vfma(vsplat_at(xg, r0 + j + 4), d, s04)
                        s10 = vfma(vsplat_at(xg, r1 + j), d, s10); s11 = vfma(vsplat_at(xg, r1 + j + 1), d, s11)
                        s12 = vfma(vsplat_at(xg, r1 + j + 2), d, s12); s13 = vfma(vsplat_at(xg, r1 + j + 3), d, s13)
                        s14 = vfma(vsplat_at(xg, r1 + j + 4), d, s14)
                        s20 = vfma(vsplat_at(xg, r2 + j), d, s20); s21 = vfma(vsplat_at(xg, r2 + j + 1), d, s21)
                        s22 = vfma(vsplat_at(xg, r2 + j + 2), d, s22); s23 = vfma(vsplat_at(xg, r2 + j + 3), d, s23)
                        s24 = vfma(vsplat_at(xg, r2 + j + 4), d, s24)
                        s30 = vfma(vsplat_at(xg, r3 + j), d, s30); s31 = vfma(vsplat_at(xg, r3 + j + 1), d, s31)
                        s32 = vfma(vsplat_at(xg, r3 + j + 2), d, s32); s33 = vfma(vsplat_at(xg, r3 + j + 3), d, s33)
                        s34 = vfma(vsplat_at(xg, r3 + j + 4), d, s34)
                        s40 = vfma(vsplat_at(xg, r4 + j), d, s40); s41 = vfma(vsplat_at(xg, r4 + j + 1), d, s41)
                        s42 = vfma(vsplat_at(xg, r4 + j + 2), d, s42); s43 = vfma(vsplat_at(xg, r4 + j + 3), d, s43)
                        s44 = vfma(vsplat_at(xg, r4 + j + 4), d, s44)
            vstore(acc, a, s00); vstore(acc, a + Kv, s01); vstore(acc, a + 2 * Kv, s02)
            vstore(acc, a + 3 * Kv, s03); vstore(acc, a + 4 * Kv, s04)
            vstore(acc, a + 5 * Kv, s10); vstore(acc, a + 6 * Kv, s11); vstore(acc, a + 7 * Kv, s12)
            vstore(acc, a + 8 * Kv, s13); vstore(acc, a + 9 * Kv, s14)
            vstore(acc, a + 10 * Kv, s20); vstore(acc, a + 11 * Kv, s21); vstore(acc, a + 12 * Kv, s22)
            vstore(acc, a + 13 * Kv, s23); vstore(acc, a + 14 * Kv, s24)
            vstore(acc, a + 15 * Kv, s30); vstore(acc, a + 16 * Kv, s31); vstore(acc, a + 17 * Kv, s32)
            vstore(acc, a + 18 * Kv, s33); vstore(acc, a + 19 * Kv, s34)
            vstore(acc, a + 20 * Kv, s40); vstore(acc, a + 21 * Kv, s41); vstore(acc, a + 22 * Kv, s42)
            vstore(acc, a + 23 * Kv, s43); vstore(acc, a + 24 * Kv, s44)


# AVX-512: 25 sums (a channel's taps × VW filters) in 32 registers; AVX2 (16 registers):
# avx2.dw_5x5, 10 sums (a filter row's 5 taps × 2·VW filters)
_dw, KSTEP = (_dw_5x5, VW) if VW == 16 else (avx2.dw_5x5, 2 * VW)
GROUP = 4           # images per pass over the accumulators


@_jit
def conv_weight_grad_5x5(dy, x, padding, dw2, db):
    """dw2[k, (c·5 + p)·5 + q] = Σ_n,i,j dy[n,k,i,j] · xpad[n,c,i+p,j+q];  db[k] = Σ dy[n,k]
    (both overwritten), for 5×5 filters at stride 1 (x, dy, dw2, db float32, contiguous)."""
    N, C, H, W = x.shape
    K, OH, OW = dy.shape[1], dy.shape[2], dy.shape[3]
    Wp = W + 2 * padding
    S = (H + 2 * padding) * Wp
    Kv = (K + KSTEP - 1) // KSTEP * KSTEP
    P = OH * OW
    xf = np.zeros((GROUP, C * S + VW), np.float32)
    dyT = np.zeros((GROUP, P * Kv), np.float32)
    acc = np.zeros(C * 25 * Kv, np.float32)
    sums = np.zeros(Kv, np.float32)
    xs, dys = x.reshape(N, C * H * W), dy.reshape(N, K * P)
    for g0 in range(0, N, GROUP):
        ng = min(GROUP, N - g0)
        for g in range(ng):
            xn, dn, xg, dg = xs[g0 + g], dys[g0 + g], xf[g], dyT[g]
            for c in range(C):
                for h in range(H):
                    o = c * S + (h + padding) * Wp + padding
                    for j in range(W):
                        xg[o + j] = xn[(c * H + h) * W + j]
            for k in range(K):
                for t in range(P):
                    dg[t * Kv + k] = dn[k * P + t]
            for kv in range(0, Kv, VW):      # db: the positions' sums, VW filters at a time
                s = vload(sums, kv)
                for t in range(P):
                    s = vfma(vsplat(1), vload(dg, t * Kv + kv), s)
                vstore(sums, kv, s)
        _dw(xf, dyT, ng, S, Wp, OH, OW, Kv, C, acc)
    for k in range(K):
        db[k] = sums[k]
        for r in range(C * 25):
            dw2[k, r] = acc[r * Kv + k]
