"""Register-blocked float32 convolutions at stride 1 on flat padded planes (AVX-512 and AVX2).

As in direct.py, each image plane is stored flat with its padding written out, row length
Wp = W + 2·pad, so output position t = i·Wp + j reads tap (p, q) at t + p·Wp + q: a filter
tap is one shifted vector read of VW output positions. Positions with j >= OW ("junk") are
computed along and dropped. What is new is the blocking (simd.py): a micro-kernel keeps
8 filters × 3 vectors (or 6 × 4) of outputs in 24 vector registers for the whole sum over
the C·FH·FW taps, so each tap costs 3 (4) vector loads and 8 (6) weight broadcasts for 24
fused multiply-adds, instead of loading and storing the partial sums on every tap. With AVX2
(16 registers of VW = 8) the blocks are 4 × 3 or 6 × 2 (avx2.py).

    forward  y[k, t]  = b[k] + Σ_c,p,q w[k,c,p,q] · xf[c, t + p·Wp + q]
    dx       the forward of dy padded by FH−1, FW−1 with the filters turned 180° and
             transposed (a "full" convolution): dxf[c, u] = Σ_k,p,q w[k,c,FH−1−p,FW−1−q] · dyf[k, u + p·Wp + q]
    dw       dw[k, c,p,q] = Σ_n Σ_t dyf[k, t] · xf[c, t + p·Wp + q]   (dyf: dy with zeros at junk)

dw keeps 4 filters × 5 taps of vector sums in registers over all t of a group of images,
and adds its lanes up once per call; for 5×5 filters and K >= 12 wgrad.py's version,
vectorised over the filters, does less arithmetic and is used instead. The junk and padding
enter the sums multiplied by zero, exact only for finite numbers: ops.py runs dx only for
finite dy and w, and dw only for finite x (as direct.py), and the im2col kernels otherwise.
float32 only; x, w, b, y, dy, dx contiguous.
"""
import functools

import numba
import numpy as np

from . import avx2
from .simd import VW, vfma, vload, vload_n, vsplat, vstore, vstore_n, vsum
from .wgrad import conv_weight_grad_5x5

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def _planes_8x3(xf, S, offs, wm, b, yf, nblk):
    """yf[k, t] = b[k] + Σ_c,e wm[k, c·T + e] · xf[c·S + t + offs[e]] for t < nblk·3·VW (T = offs.size)."""
    K = yf.shape[0]
    T = offs.size
    C = wm.shape[1] // T
    for k0 in range(0, K, 8):
        k1 = min(k0 + 1, K - 1); k2 = min(k0 + 2, K - 1); k3 = min(k0 + 3, K - 1)
        k4 = min(k0 + 4, K - 1); k5 = min(k0 + 5, K - 1); k6 = min(k0 + 6, K - 1); k7 = min(k0 + 7, K - 1)
        w0 = wm[k0]; w1 = wm[k1]; w2 = wm[k2]; w3 = wm[k3]; w4 = wm[k4]; w5 = wm[k5]; w6 = wm[k6]; w7 = wm[k7]
        for blk in range(nblk):
            t0 = blk * 3 * VW
            a00 = vsplat(b[k0]); a01 = a00; a02 = a00
            a10 = vsplat(b[k1]); a11 = a10; a12 = a10
            a20 = vsplat(b[k2]); a21 = a20; a22 = a20
            a30 = vsplat(b[k3]); a31 = a30; a32 = a30
            a40 = vsplat(b[k4]); a41 = a40; a42 = a40
            a50 = vsplat(b[k5]); a51 = a50; a52 = a50
            a60 = vsplat(b[k6]); a61 = a60; a62 = a60
            a70 = vsplat(b[k7]); a71 = a70; a72 = a70
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
                    u = vsplat(w4[r]); a40 = vfma(u, x0, a40); a41 = vfma(u, x1, a41); a42 = vfma(u, x2, a42)
                    u = vsplat(w5[r]); a50 = vfma(u, x0, a50); a51 = vfma(u, x1, a51); a52 = vfma(u, x2, a52)
                    u = vsplat(w6[r]); a60 = vfma(u, x0, a60); a61 = vfma(u, x1, a61); a62 = vfma(u, x2, a62)
                    u = vsplat(w7[r]); a70 = vfma(u, x0, a70); a71 = vfma(u, x1, a71); a72 = vfma(u, x2, a72)
            # rows past K repeat row K−1: storing them again writes the same values
            y = yf[k0]; vstore(y, t0, a00); vstore(y, t0 + VW, a01); vstore(y, t0 + 2 * VW, a02)
            y = yf[k1]; vstore(y, t0, a10); vstore(y, t0 + VW, a11); vstore(y, t0 + 2 * VW, a12)
            y = yf[k2]; vstore(y, t0, a20); vstore(y, t0 + VW, a21); vstore(y, t0 + 2 * VW, a22)
            y = yf[k3]; vstore(y, t0, a30); vstore(y, t0 + VW, a31); vstore(y, t0 + 2 * VW, a32)
            y = yf[k4]; vstore(y, t0, a40); vstore(y, t0 + VW, a41); vstore(y, t0 + 2 * VW, a42)
            y = yf[k5]; vstore(y, t0, a50); vstore(y, t0 + VW, a51); vstore(y, t0 + 2 * VW, a52)
            y = yf[k6]; vstore(y, t0, a60); vstore(y, t0 + VW, a61); vstore(y, t0 + 2 * VW, a62)
            y = yf[k7]; vstore(y, t0, a70); vstore(y, t0 + VW, a71); vstore(y, t0 + 2 * VW, a72)


@_jit
def _planes_6x4(xf, S, offs, wm, b, yf, nblk):
    """_planes_8x3 with 6 filters × 4 vectors per block (for t < nblk·4·VW): less waste
    when K is 6 or 12, or the plane is 4·k vectors long."""
    K = yf.shape[0]
    T = offs.size
    C = wm.shape[1] // T
    for k0 in range(0, K, 6):
        k1 = min(k0 + 1, K - 1); k2 = min(k0 + 2, K - 1); k3 = min(k0 + 3, K - 1)
        k4 = min(k0 + 4, K - 1); k5 = min(k0 + 5, K - 1)
        w0 = wm[k0]; w1 = wm[k1]; w2 = wm[k2]; w3 = wm[k3]; w4 = wm[k4]; w5 = wm[k5]
        for blk in range(nblk):
            t0 = blk * 4 * VW
            a00 = vsplat(b[k0]); a01 = a00; a02 = a00; a03 = a00
            a10 = vsplat(b[k1]); a11 = a10; a12 = a10; a13 = a10
            a20 = vsplat(b[k2]); a21 = a20; a22 = a20; a23 = a20
            a30 = vsplat(b[k3]); a31 = a30; a32 = a30; a33 = a30
            a40 = vsplat(b[k4]); a41 = a40; a42 = a40; a43 = a40
            a50 = vsplat(b[k5]); a51 = a50; a52 = a50; a53 = a50
            for c in range(C):
                cs = c * S + t0
                ct = c * T
                for e in range(T):
                    o = cs + offs[e]
                    r = ct + e
                    x0 = vload(xf, o); x1 = vload(xf, o + VW); x2 = vload(xf, o + 2 * VW); x3 = vload(xf, o + 3 * VW)
                    u = vsplat(w0[r])
                    a00 = vfma(u, x0, a00); a01 = vfma(u, x1, a01); a02 = vfma(u, x2, a02); a03 = vfma(u, x3, a03)
                    u = vsplat(w1[r])
                    a10 = vfma(u, x0, a10); a11 = vfma(u, x1, a11); a12 = vfma(u, x2, a12); a13 = vfma(u, x3, a13)
                    u = vsplat(w2[r])
                    a20 = vfma(u, x0, a20); a21 = vfma(u, x1, a21); a22 = vfma(u, x2, a22); a23 = vfma(u, x3, a23)
                    u = vsplat(w3[r])
                    a30 = vfma(u, x0, a30); a31 = vfma(u, x1, a31); a32 = vfma(u, x2, a32); a33 = vfma(u, x3, a33)
                    u = vsplat(w4[r])
                    a40 = vfma(u, x0, a40); a41 = vfma(u, x1, a41); a42 = vfma(u, x2, a42); a43 = vfma(u, x3, a43)
                    u = vsplat(w5[r])
                    a50 = vfma(u, x0, a50); a51 = vfma(u, x1, a51); a52 = vfma(u, x2, a52); a53 = vfma(u, x3, a53)
            y = yf[k0]; vstore(y, t0, a00); vstore(y, t0 + VW, a01); vstore(y, t0 + 2 * VW, a02); vstore(y, t0 + 3 * VW, a03)
            y = yf[k1]; vstore(y, t0, a10); vstore(y, t0 + VW, a11); vstore(y, t0 + 2 * VW, a12); vstore(y, t0 + 3 * VW, a13)
            y = yf[k2]; vstore(y, t0, a20); vstore(y, t0 + VW, a21); vstore(y, t0 + 2 * VW, a22); vstore(y, t0 + 3 * VW, a23)
            y = yf[k3]; vstore(y, t0, a30); vstore(y, t0 + VW, a31); vstore(y, t0 + 2 * VW, a32); vstore(y, t0 + 3 * VW, a33)
            y = yf[k4]; vstore(y, t0, a40); vstore(y, t0 + VW, a41); vstore(y, t0 + 2 * VW, a42); vstore(y, t0 + 3 * VW, a43)
            y = yf[k5]; vstore(y, t0, a50); vstore(y, t0 + VW, a51); vstore(y, t0 + 2 * VW, a52); vstore(y, t0 + 3 * VW, a53)


# The two micro-kernels, as (filters, vectors) per block: 24 sums in AVX-512's 32 registers,
# 12 in AVX2's 16 (avx2.py)
if VW == 16:
    _block_a, _block_b, _SHAPES = _planes_8x3, _planes_6x4, ((8, 3), (6, 4))
else:
    _block_a, _block_b, _SHAPES = avx2.planes_4x3, avx2.planes_6x2, ((4, 3), (6, 2))


@functools.lru_cache(maxsize=64)
def _layout(K, L):
    """(first micro-kernel?, blocks per plane, vectors per block) for K filters over L flat
    positions: the micro-kernel that computes fewer rows past K and vectors past L (both waste)."""
    nvec = (L + VW - 1) // VW
    (ra, va), (rb, vb) = _SHAPES
    ba, bb = (nvec + va - 1) // va, (nvec + vb - 1) // vb
    use_a = (K + ra - 1) // ra * ra * ba * va <= (K + rb - 1) // rb * rb * bb * vb
    return (use_a, ba, va) if use_a else (use_a, bb, vb)


@functools.lru_cache(maxsize=64)
def _offsets(FH, FW, Wp):
    """offs[p·FW + q] = p·Wp + q: where tap (p, q) reads in a flat plane of rows Wp (read-only)."""
    offs = (np.arange(FH)[:, None] * Wp + np.arange(FW)[None, :]).reshape(-1).astype(np.intp)
    offs.flags.writeable = False
    return offs


# Python wrappers prepare the layout, so that the forward and dx share one compiled loop
# (`_run`) and a first launch compiles less.

def conv_forward(x, w, b, padding, y):
    """y[n,k,i,j] = b[k] + Σ w[k,c,p,q] · xpad[n,c,i+p,j+q] at stride 1 (x, w, b, y float32, contiguous)."""
    N, C, H, W = x.shape
    K, _, FH, FW = w.shape
    OH, OW = y.shape[2], y.shape[3]
    Wp = W + 2 * padding
    S = (H + 2 * padding) * Wp
    use_a, nblk, nv = _layout(K, OH * Wp)
    Lp = nblk * nv * VW
    xf = np.zeros(C * S + Lp + FH * Wp + VW, np.float32)     # reads past a plane stay inside
    _run(x.reshape(N, -1), C, H, W, padding, padding, S, Wp, _offsets(FH, FW, Wp), w.reshape(K, -1), b,
         use_a, nblk, xf, np.empty((K, Lp), np.float32), y.reshape(N, -1), OH, OW, 0)


def conv_input_grad(dy, w, padding, dx):
    """dx[n,c,h,w] = Σ_k,p,q w[k,c,p,q] · dy[n,k,h+pad−p,w+pad−q] (terms outside dy left out),
    at stride 1, for finite dy and w (see the module docstring)."""
    N, C, H, W = dx.shape
    K, _, FH, FW = w.shape
    OH, OW = dy.shape[2], dy.shape[3]
    # dy padded by FH−1 rows above and below and FW−1 columns on the left; the row below
    # starts with its own FW−1 zeros, which serve as the right padding: rows of Wq = W + 2·pad
    Wq = OW + FW - 1
    S = (OH + 2 * (FH - 1)) * Wq
    use_a, nblk, nv = _layout(C, (OH + FH - 1) * Wq)     # the full convolution's rows: H + 2·pad
    Lp = nblk * nv * VW
    wt = w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3).reshape(C, -1)      # turned 180° (a copy)
    xf = np.zeros(K * S + Lp + FH * Wq + VW, np.float32)
    _run(dy.reshape(N, -1), K, OH, OW, FH - 1, FW - 1, S, Wq, _offsets(FH, FW, Wq), wt, np.zeros(C, np.float32),
         use_a, nblk, xf, np.empty((C, Lp), np.float32), dx.reshape(N, -1), H, W, padding)


@_jit
def _run(xs, C, H, W, top, left, S, Wr, offs, wm, b, use_a, nblk, xf, yf, ys, OH, OW, crop):
    """For each image n: its C planes xs[n] (H×W each) into xf (flat planes of S with rows of
    Wr, `top` zero rows above and `left` zero columns on the left), yf = _block_a or _block_b,
    and the valid part of yf (from row and column `crop` on) out to ys[n] (planes OH×OW)."""
    K = yf.shape[0]
    for n in range(xs.shape[0]):
        src, dst = xs[n], ys[n]
        for c in range(C):
            for h in range(H):
                s0, d0 = (c * H + h) * W, c * S + (h + top) * Wr + left
                for j in range(0, W, VW):
                    vstore_n(xf, d0 + j, vload_n(src, s0 + j, W - j), W - j)
        if use_a:
            _block_a(xf, S, offs, wm, b, yf, nblk)
        else:
            _block_b(xf, S, offs, wm, b, yf, nblk)
        for k in range(K):
            row = yf[k]
            for i in range(OH):
                s0, d0 = (i + crop) * Wr + crop, (k * OH + i) * OW
                for j in range(0, OW, VW):
                    vstore_n(dst, d0 + j, vload_n(row, s0 + j, OW - j), OW - j)


@_jit
def _rows_in(src, C, H, W, dst, S, Wd, top, left):
    """dst[c·S + (h + top)·Wd + left + j] = src[(c·H + h)·W + j]: planes into flat padded ones."""
    for c in range(C):
        for h in range(H):
            s0, d0 = (c * H + h) * W, c * S + (h + top) * Wd + left
            for j in range(0, W, VW):
                vstore_n(dst, d0 + j, vload_n(src, s0 + j, W - j), W - j)


@_jit
def _dw_4x5(xf, dyf, ng, S, offs, nvec, acc):
    """acc[k, (c·T + e)·VW : +VW] += Σ_g Σ_v dyf[g, k, v·VW:+VW] · xf[g, c·S + offs[e] + v·VW:+VW]
    for g < ng, v < nvec: vector sums, their lanes added up by the caller."""
    K = dyf.shape[1]
    T = offs.size
    C = acc.shape[1] // (T * VW)
    for k0 in range(0, K, 4):
        k1 = min(k0 + 1, K - 1); k2 = min(k0 + 2, K - 1); k3 = min(k0 + 3, K - 1)
        A0 = acc[k0]; A1 = acc[k1]; A2 = acc[k2]; A3 = acc[k3]
        for c in range(C):
            for e0 in range(0, T, 5):
                e1 = min(e0 + 1, T - 1); e2 = min(e0 + 2, T - 1); e3 = min(e0 + 3, T - 1); e4 = min(e0 + 4, T - 1)
                o0 = c * S + offs[e0]; o1 = c * S + offs[e1]; o2 = c * S + offs[e2]
                o3 = c * S + offs[e3]; o4 = c * S + offs[e4]
                r0 = (c * T + e0) * VW; r1 = (c * T + e1) * VW; r2 = (c * T + e2) * VW
                r3 = (c * T + e3) * VW; r4 = (c * T + e4) * VW
                s00 = vload(A0, r0); s01 = vload(A0, r1); s02 = vload(A0, r2); s03 = vload(A0, r3); s04 = vload(A0, r4)
                s10 = vload(A1, r0); s11 = vload(A1, r1); s12 = vload(A1, r2); s13 = vload(A1, r3); s14 = vload(A1, r4)
                s20 = vload(A2, r0); s21 = vload(A2, r1); s22 = vload(A2, r2); s23 = vload(A2, r3); s24 = vload(A2, r4)
                s30 = vload(A3, r0); s31 = vload(A3, r1); s32 = vload(A3, r2); s33 = vload(A3, r3); s34 = vload(A3, r4)
                for g in range(ng):
                    xg = xf[g]
                    d0 = dyf[g, k0]; d1 = dyf[g, k1]; d2 = dyf[g, k2]; d3 = dyf[g, k3]
                    for v in range(nvec):
                        t = v * VW
                        x0 = vload(xg, o0 + t); x1 = vload(xg, o1 + t); x2 = vload(xg, o2 + t)
                        x3 = vload(xg, o3 + t); x4 = vload(xg, o4 + t)
                        u = vload(d0, t)
                        s00 = vfma(u, x0, s00); s01 = vfma(u, x1, s01); s02 = vfma(u, x2, s02)
                        s03 = vfma(u, x3, s03); s04 = vfma(u, x4, s04)
                        u = vload(d1, t)
                        s10 = vfma(u, x0, s10); s11 = vfma(u, x1, s11); s12 = vfma(u, x2, s12)
                        s13 = vfma(u, x3, s13); s14 = vfma(u, x4, s14)
                        u = vload(d2, t)
                        s20 = vfma(u, x0, s20); s21 = vfma(u, x1, s21); s22 = vfma(u, x2, s22)
                        s23 = vfma(u, x3, s23); s24 = vfma(u, x4, s24)
                        u = vload(d3, t)
                        s30 = vfma(u, x0, s30); s31 = vfma(u, x1, s31); s32 = vfma(u, x2, s32)
                        s33 = vfma(u, x3, s33); s34 = vfma(u, x4, s34)
                # repeated rows and taps computed the same sums: storing them again is harmless
                vstore(A0, r0, s00); vstore(A0, r1, s01); vstore(A0, r2, s02); vstore(A0, r3, s03); vstore(A0, r4, s04)
                vstore(A1, r0, s10); vstore(A1, r1, s11); vstore(A1, r2, s12); vstore(A1, r3, s13); vstore(A1, r4, s14)
                vstore(A2, r0, s20); vstore(A2, r1, s21); vstore(A2, r2, s22); vstore(A2, r3, s23); vstore(A2, r4, s24)
                vstore(A3, r0, s30); vstore(A3, r1, s31); vstore(A3, r2, s32); vstore(A3, r3, s33); vstore(A3, r4, s34)


_dw = _dw_4x5 if VW == 16 else avx2.dw_2x5       # 20 sums in registers, or 10 on AVX2
GROUP = 4           # images whose sums stay in registers together (their planes fit in L1)


def conv_weight_grad(dy, x, padding, dw2, db):
    """dw2[k, (c·FH + p)·FW + q] = Σ_n,i,j dy[n,k,i,j] · xpad[n,c,i+p,j+q];  db[k] = Σ dy[n,k]
    (both overwritten), at stride 1, for finite x (see the module docstring)."""
    N, C, H, W = x.shape
    K, OH, OW = dy.shape[1], dy.shape[2], dy.shape[3]
    FH, FW = H + 2 * padding - OH + 1, W + 2 * padding - OW + 1
    if FH == 5 and FW == 5 and K >= 12:     # enough filters to fill most of a vector
        conv_weight_grad_5x5(dy, x, padding, dw2, db)
    else:
        _weight_grad(dy, x, padding, FH, FW, _offsets(FH, FW, W + 2 * padding), dw2, db)


@_jit
def _weight_grad(dy, x, padding, FH, FW, offs, dw2, db):
    """conv_weight_grad with the sums of _dw (_dw_4x5, or avx2.dw_2x5)."""
    N, C, H, W = x.shape
    K, OH, OW = dy.shape[1], dy.shape[2], dy.shape[3]
    Wp = W + 2 * padding
    S = (H + 2 * padding) * Wp
    nvec = (OH * Wp + VW - 1) // VW
    Lp = nvec * VW
    T = FH * FW
    xf = np.zeros((GROUP, C * S + Lp + FH * Wp + VW), np.float32)
    dyf = np.zeros((GROUP, K, Lp), np.float32)      # junk positions stay 0
    acc = np.zeros((K, C * T * VW), np.float32)
    xs, dys = x.reshape(N, C * H * W), dy.reshape(N, K * OH * OW)
    one = vsplat(1)
    for k in range(K):
        db[k] = 0
    for g0 in range(0, N, GROUP):
        ng = min(GROUP, N - g0)
        for g in range(ng):
            n = g0 + g
            _rows_in(xs[n], C, H, W, xf[g], S, Wp, padding, padding)
            _rows_in(dys[n], K, OH, OW, dyf[g].reshape(K * Lp), Lp, Wp, 0, 0)
            for k in range(K):              # Σ dy by vectors: a scalar sum waits on each add
                d = dyf[g, k]
                s = vsplat(0)
                for v in range(nvec):
                    s = vfma(one, vload(d, v * VW), s)
                db[k] += vsum(s)
        _dw(xf, dyf, ng, S, offs, nvec, acc)
    for k in range(K):
        for r in range(C * T):
            dw2[k, r] = vsum(vload(acc[k], r * VW))
