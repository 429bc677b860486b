"""The register-blocked micro-kernels re-blocked for 16 vector registers (AVX2 CPUs, simd.py).

flat.py, wgrad.py and dense.py keep up to 25 partial sums in registers: AVX-512 has 32
registers of 16 float32. AVX2 has 16 registers of 8 float32 (VW = 8), so the same blocks
would spill sums to memory on every tap. These keep at most 12 sums, plus the vectors they
read and one broadcast (at most 16 registers), and otherwise compute the same formulas, with
the same arguments as the AVX-512 kernel each one stands in for (chosen at import by the
callers from simd.PATH):

    planes_4x3, planes_6x2   flat.py's _planes_8x3 / _planes_6x4 (conv forward and dx):
                             4 filters × 3 vectors or 6 × 2 of output positions
    dw_2x5                   flat.py's _dw_4x5 (weight gradient): 2 filters × 5 taps
    dw_5x5                   wgrad.py's _dw_5x5: one filter row p (5 taps) × 2 vectors of
                             filters (Kv a multiple of 2·VW), so x is broadcast once for 2 FMAs
    gemm_6x2                 dense.py's _gemm_4x4: 6 rows × 2 vectors (16 columns) of C, the
                             rows past a multiple of 6 one at a time

No fast-math, as simd.py: NaN and inf propagate. float32, contiguous, as the callers.
Numba caches a caller on its own file only: after editing this module, delete the cache of
flat.py, wgrad.py and dense.py (their *.nbi/*.nbc files) too.
"""
import numba

from .simd import VW, vfma, vload, vload_n, vsplat, vsplat_at, vstore, vstore_n

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def planes_4x3(xf, S, offs, wm, b, yf, nblk):
    """yf[k, t] = b[k] + Σ_c,e wm[k, c·T + e] · xf[c·S + t + offs[e]] for t < nblk·3·VW (T = offs.size)."""
    K = yf.shape[0]
    T = offs.size
    C = wm.shape[1] // T
    for k0 in range(0, K, 4):
        k1 = min(k0 + 1, K - 1); k2 = min(k0 + 2, K - 1); k3 = min(k0 + 3, K - 1)
        w0 = wm[k0]; w1 = wm[k1]; w2 = wm[k2]; w3 = wm[k3]
        for blk in range(nblk):
            t0 = blk * 3 * VW
            a00 = vsplat(b[k0]); a01 = a00; a02 = a00
            a10 = vsplat(b[k1]); a11 = a10; a12 = a10
            a20 = vsplat(b[k2]); a21 = a20; a22 = a20
            a30 = vsplat(b[k3]); a31 = a30; a32 = a30
            for c in range(C):
                cs = c * S + t0
                ct = c * T
                for e in range(T):
                    o = cs + offs[e]
                    r = ct + e
                    x0 = vload(xf, o); x1 = vload(xf, o + VW); x2 = vload(xf, o + 2 * VW)
                    u = vsplat(w0[r]); a00 = vfma(u, x0, a00); a01 = vfma(u, x1, a01); a02 = vfma(u, x2, a02)
                    u = vsplat(w1[r]); a10 = vfma(u, x0, a10); a11 = vfma(u, x1, a11); a12 = vfma(u, x2, a12)
                    u = vsplat(w2[r]); a20 = vfma(u, x0, a20); a21 = vfma(u, x1, a21); a22 = vfma(u, x2, a22)
                    u = vsplat(w3[r]); a30 = vfma(u, x0, a30); a31 = vfma(u, x1, a31); a32 = vfma(u, x2, a32)
            # rows past K repeat row K−1: storing them again writes the same values
            y = yf[k0]; vstore(y, t0, a00); vstore(y, t0 + VW, a01); vstore(y, t0 + 2 * VW, a02)
            y = yf[k1]; vstore(y, t0, a10); vstore(y, t0 + VW, a11); vstore(y, t0 + 2 * VW, a12)
            y = yf[k2]; vstore(y, t0, a20); vstore(y, t0 + VW, a21); vstore(y, t0 + 2 * VW, a22)
            y = yf[k3]; vstore(y, t0, a30); vstore(y, t0 + VW, a31); vstore(y, t0 + 2 * VW, a32)


@_jit
def planes_6x2(xf, S, offs, wm, b, yf, nblk):
    """planes_4x3 with 6 filters × 2 vectors per block (for t < nblk·2·VW)."""
    K = yf.shape[0]
    T = offs.size
    C = wm.shape[1] // T
    for k0 in range(0, K, 6):
        k1 = min(k0 + 1, K - 1); k2 = min(k0 + 2, K - 1); k3 = min(k0 + 3, K - 1)
        k4 = min(k0 + 4, K - 1); k5 = min(k0 + 5, K - 1)
        w0 = wm[k0]; w1 = wm[k1]; w2 = wm[k2]; w3 = wm[k3]; w4 = wm[k4]; w5 = wm[k5]
        for blk in range(nblk):
            t0 = blk * 2 * VW
            a00 = vsplat(b[k0]); a01 = a00
            a10 = vsplat(b[k1]); a11 = a10
            a20 = vsplat(b[k2]); a21 = a20
            a30 = vsplat(b[k3]); a31 = a30
            a40 = vsplat(b[k4]); a41 = a40
            a50 = vsplat(b[k5]); a51 = a50
            for c in range(C):
                cs = c * S + t0
                ct = c * T
                for e in range(T):
                    o = cs + offs[e]
                    r = ct + e
                    x0 = vload(xf, o); x1 = vload(xf, o + VW)
                    u = vsplat(w0[r]); a00 = vfma(u, x0, a00); a01 = vfma(u, x1, a01)
                    u = vsplat(w1[r]); a10 = vfma(u, x0, a10); a11 = vfma(u, x1, a11)
                    u = vsplat(w2[r]); a20 = vfma(u, x0, a20); a21 = vfma(u, x1, a21)
                    u = vsplat(w3[r]); a30 = vfma(u, x0, a30); a31 = vfma(u, x1, a31)
                    u = vsplat(w4[r]); a40 = vfma(u, x0, a40); a41 = vfma(u, x1, a41)
                    u = vsplat(w5[r]); a50 = vfma(u, x0, a50); a51 = vfma(u, x1, a51)
            y = yf[k0]; vstore(y, t0, a00); vstore(y, t0 + VW, a01)
            y = yf[k1]; vstore(y, t0, a10); vstore(y, t0 + VW, a11)
            y = yf[k2]; vstore(y, t0, a20); vstore(y, t0 + VW, a21)
            y = yf[k3]; vstore(y, t0, a30); vstore(y, t0 + VW, a31)
            y = yf[k4]; vstore(y, t0, a40); vstore(y, t0 + VW, a41)
            y = yf[k5]; vstore(y, t0, a50); vstore(y, t0 + VW, a51)


@_jit
def dw_2x5(xf, dyf, ng, S, offs, nvec, acc):
    """acc[k, (c·T + e)·VW : +VW] += Σ_g Σ_v dyf[g, k, v·VW:+VW] · xf[g, c·S + offs[e] + v·VW:+VW]
    for g < ng, v < nvec: vector sums, their lanes added up by the caller."""
    K = dyf.shape[1]
    T = offs.size
    C = acc.shape[1] // (T * VW)
    for k0 in range(0, K, 2):
        k1 = min(k0 + 1, K - 1)
        A0 = acc[k0]; A1 = acc[k1]
        for c in range(C):
            for e0 in range(0, T, 5):
                e1 = min(e0 + 1, T - 1); e2 = min(e0 + 2, T - 1); e3 = min(e0 + 3, T - 1); e4 = min(e0 + 4, T - 1)
                o0 = c * S + offs[e0]; o1 = c * S + offs[e1]; o2 = c * S + offs[e2]
                o3 = c * S + offs[e3]; o4 = c * S + offs[e4]
                r0 = (c * T + e0) * VW; r1 = (c * T + e1) * VW; r2 = (c * T + e2) * VW
                r3 = (c * T + e3) * VW; r4 = (c * T + e4) * VW
                s00 = vload(A0, r0); s01 = vload(A0, r1); s02 = vload(A0, r2); s03 = vload(A0, r3); s04 = vload(A0, r4)
                s10 = vload(A1, r0); s11 = vload(A1, r1); s12 = vload(A1, r2); s13 = vload(A1, r3); s14 = vload(A1, r4)
                for g in range(ng):
                    xg = xf[g]
                    d0 = dyf[g, k0]; d1 = dyf[g, k1]
                    for v in range(nvec):
                        t = v * VW
                        u0 = vload(d0, t); u1 = vload(d1, t)
                        x = vload(xg, o0 + t); s00 = vfma(u0, x, s00); s10 = vfma(u1, x, s10)
                        x = vload(xg, o1 + t); s01 = vfma(u0, x, s01); s11 = vfma(u1, x, s11)
                        x = vload(xg, o2 + t); s02 = vfma(u0, x, s02); s12 = vfma(u1, x, s12)
                        x = vload(xg, o3 + t); s03 = vfma(u0, x, s03); s13 = vfma(u1, x, s13)
                        x = vload(xg, o4 + t); s04 = vfma(u0, x, s04); s14 = vfma(u1, x, s14)
                # repeated rows and taps computed the same sums: storing them again is harmless
                vstore(A0, r0, s00); vstore(A0, r1, s01); vstore(A0, r2, s02); vstore(A0, r3, s03); vstore(A0, r4, s04)
                vstore(A1, r0, s10); vstore(A1, r1, s11); vstore(A1, r2, s12); vstore(A1, r3, s13); vstore(A1, r4, s14)


@_jit
def dw_5x5(xf, dyT, ng, S, Wp, OH, OW, Kv, C, acc):
    """acc[(c·25 + p·5 + q)·Kv + k] += Σ_g<ng Σ_i,j xf[g, c·S + (i+p)·Wp + j+q] · dyT[g, (i·OW + j)·Kv + k]
    (Kv a multiple of 2·VW)."""
    for kv in range(0, Kv, 2 * VW):
        for c in range(C):
            for p in range(5):
                a = (c * 25 + p * 5) * Kv + kv
                s00 = vload(acc, a); s01 = vload(acc, a + Kv); s02 = vload(acc, a + 2 * Kv)
                s03 = vload(acc, a + 3 * Kv); s04 = vload(acc, a + 4 * Kv)
                s10 = vload(acc, a + VW); s11 = vload(acc, a + Kv + VW); s12 = vload(acc, a + 2 * Kv + VW)
                s13 = vload(acc, a + 3 * Kv + VW); s14 = vload(acc, a + 4 * Kv + VW)
                for g in range(ng):
                    xg = xf[g]
                    dg = dyT[g]
                    for i in range(OH):
                        r = c * S + (i + p) * Wp
                        for j in range(OW):
                            o = (i * OW + j) * Kv + kv
                            d0 = vload(dg, o); d1 = vload(dg, o + VW)
                            u = vsplat_at(xg, r + j); s00 = vfma(u, d0, s00); s10 = vfma(u, d1, s10)
                            u = vsplat_at(xg, r + j + 1); s01 = vfma(u, d0, s01); s11 = vfma(u, d1, s11)
                            u = vsplat_at(xg, r + j + 2); s02 = vfma(u, d0, s02); s12 = vfma(u, d1, s12)
                            u = vsplat_at(xg, r + j + 3); s03 = vfma(u, d0, s03); s13 = vfma(u, d1, s13)
                            u = vsplat_at(xg, r + j + 4); s04 = vfma(u, d0, s04); s14 = vfma(u, d1, s14)
                vstore(acc, a, s00); vstore(acc, a + Kv, s01); vstore(acc, a + 2 * Kv, s02)
                vstore(acc, a + 3 * Kv, s03); vstore(acc, a + 4 * Kv, s04)
                vstore(acc, a + VW, s10); vstore(acc, a + Kv + VW, s11); vstore(acc, a + 2 * Kv + VW, s12)
                vstore(acc, a + 3 * Kv + VW, s13); vstore(acc, a + 4 * Kv + VW, s14)


@_jit
def gemm_6x2(A, sai, sal, B, ldb, L, C, I, J, init):
    """C[i, j] = init[j] + Σ_l<L A[i·sai + l·sal] · B[l·ldb + j] for i < I, j < J (C is [I, J] flat);
    columns past J masked off; the last I mod 6 rows one at a time (at batch 1, a block of 6
    rows would compute the one row 6 times)."""
    I6 = I - I % 6
    for i in range(I6, I):
        ai = i * sai
        for j0 in range(0, J, 2 * VW):
            m0 = J - j0; m1 = m0 - VW
            c0 = vload_n(init, j0, m0); c1 = vload_n(init, j0 + VW, m1)
            for l in range(L):
                o = l * ldb + j0
                u = vsplat_at(A, ai + l * sal)
                c0 = vfma(u, vload_n(B, o, m0), c0); c1 = vfma(u, vload_n(B, o + VW, m1), c1)
            vstore_n(C, i * J + j0, c0, m0); vstore_n(C, i * J + j0 + VW, c1, m1)
    for i0 in range(0, I6, 6):
        i1 = i0 + 1; i2 = i0 + 2; i3 = i0 + 3; i4 = i0 + 4; i5 = i0 + 5
        a0 = i0 * sai; a1 = i1 * sai; a2 = i2 * sai; a3 = i3 * sai; a4 = i4 * sai; a5 = i5 * sai
        for j0 in range(0, J, 2 * VW):
            m0 = J - j0; m1 = m0 - VW
            c00 = vload_n(init, j0, m0); c01 = vload_n(init, j0 + VW, m1)
            c10 = c00; c11 = c01; c20 = c00; c21 = c01; c30 = c00; c31 = c01
            c40 = c00; c41 = c01; c50 = c00; c51 = c01
            for l in range(L):
                o = l * ldb + j0
                b0 = vload_n(B, o, m0); b1 = vload_n(B, o + VW, m1)
                la = l * sal
                u = vsplat_at(A, a0 + la); c00 = vfma(u, b0, c00); c01 = vfma(u, b1, c01)
                u = vsplat_at(A, a1 + la); c10 = vfma(u, b0, c10); c11 = vfma(u, b1, c11)
                u = vsplat_at(A, a2 + la); c20 = vfma(u, b0, c20); c21 = vfma(u, b1, c21)
                u = vsplat_at(A, a3 + la); c30 = vfma(u, b0, c30); c31 = vfma(u, b1, c31)
                u = vsplat_at(A, a4 + la); c40 = vfma(u, b0, c40); c41 = vfma(u, b1, c41)
                u = vsplat_at(A, a5 + la); c50 = vfma(u, b0, c50); c51 = vfma(u, b1, c51)
            o = i5 * J + j0; vstore_n(C, o, c50, m0); vstore_n(C, o + VW, c51, m1)
            o = i4 * J + j0; vstore_n(C, o, c40, m0); vstore_n(C, o + VW, c41, m1)
            o = i3 * J + j0; vstore_n(C, o, c30, m0); vstore_n(C, o + VW, c31, m1)
            o = i2 * J + j0; vstore_n(C, o, c20, m0); vstore_n(C, o + VW, c21, m1)
            o = i1 * J + j0; vstore_n(C, o, c10, m0); vstore_n(C, o + VW, c11, m1)
            o = i0 * J + j0; vstore_n(C, o, c00, m0); vstore_n(C, o + VW, c01, m1)
