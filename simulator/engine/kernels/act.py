"""Numba kernels for the activations (the wrappers live in ops.py).

Kernels run over flat 1-D views, so one compiled version serves every rank. Sigmoid and
tanh need e^x; numba's np.exp is a scalar library call (~5 ns), so `_exp_block` computes it
in vectorisable steps instead (~0.6 ns): x = k·ln2 + r with |r| <= ln2/2, e^r by its Taylor
polynomial (degree 7 for float32, 12 for float64: error below 1 ulp-ish, 3e-7 / 4e-16
relative), and 2^k written straight into the exponent bits. NaN inputs give NaN outputs.
"""
import numba
import numpy as np
from numba.core import types
from numba.extending import overload

_jit = numba.njit(cache=True, nogil=True, error_model="numpy")
_cjit = numba.njit(cache=True, nogil=True, error_model="numpy", fastmath={"contract"})
_BLOCK = 512


def _exp_block(t, e, kb, m):
    """e[i] = exp(t[i]) for i < m, t in [-87, 0] (float32) or [-708, 0] (float64); kb: int
    scratch as wide as t's floats. A stub: numba picks _exp_block32 or _exp_block64 by dtype."""


def _exp_block32(t, e, kb, m):
    for i in range(m):
        v = t[i]
        kf = np.floor(v * np.float32(1.4426950408889634) + np.float32(0.5))
        r = v - kf * np.float32(0.693359375) - kf * np.float32(-2.12194440e-4)
        p = np.float32(1.0 / 5040)
        p = p * r + np.float32(1.0 / 720)
        p = p * r + np.float32(1.0 / 120)
        p = p * r + np.float32(1.0 / 24)
        p = p * r + np.float32(1.0 / 6)
        p = p * r + np.float32(0.5)
        p = p * r + np.float32(1.0)
        e[i] = p * r + np.float32(1.0)
        kb[i] = (np.int32(kf) + np.int32(127)) << np.int32(23)        # the bits of 2^k
    two_k = kb.view(np.float32)
    for i in range(m):
        e[i] *= two_k[i]


def _exp_block64(t, e, kb, m):
    for i in range(m):
        v = t[i]
        kf = np.floor(v * 1.4426950408889634 + 0.5)
        r = v - kf * 6.93147180369123816490e-01 - kf * 1.90821492927058770002e-10
        p = 1.0 / 479001600
        p = p * r + 1.0 / 39916800
        p = p * r + 1.0 / 3628800
        p = p * r + 1.0 / 362880
        p = p * r + 1.0 / 40320
        p = p * r + 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1.0
        e[i] = p * r + 1.0
        kb[i] = (np.int64(kf) + np.int64(1023)) << np.int64(52)
    two_k = kb.view(np.float64)
    for i in range(m):
        e[i] *= two_k[i]


@overload(_exp_block, jit_options={"fastmath": {"contract"}, "error_model": "numpy"})
def _exp_block_typed(t, e, kb, m):
    return _exp_block32 if t.dtype == types.float32 else _exp_block64


def _scratch(x):
    """(t, e, kb, lo): block buffers for _exp_block and the lowest exponent it takes."""


@overload(_scratch)
def _scratch_typed(x):
    if x.dtype == types.float32:
        return lambda x: (np.empty(_BLOCK, np.float32), np.empty(_BLOCK, np.float32),
                          np.empty(_BLOCK, np.int32), np.float32(-87.0))
    return lambda x: (np.empty(_BLOCK, np.float64), np.empty(_BLOCK, np.float64),
                      np.empty(_BLOCK, np.int64), -708.0)


def _tanh_small(v):
    """tanh v for |v| < 0.625: Cephes' minimax fits (tanhf's polynomial, tanh's rational)."""


@overload(_tanh_small)
def _tanh_small_typed(v):
    if v == types.float32:
        def small32(v):
            z = v * v
            return ((((np.float32(-5.70498872745e-3) * z + np.float32(2.06390887954e-2)) * z
                      - np.float32(5.37397155531e-2)) * z + np.float32(1.33314422036e-1)) * z
                    - np.float32(3.33332819422e-1)) * z * v + v
        return small32

    def small64(v):
        z = v * v
        p = (-9.64399179425052238628e-1 * z - 9.92877231001918586564e1) * z - 1.61468768441708447952e3
        q = ((z + 1.12811678491632931402e2) * z + 2.23548839060100448583e3) * z + 4.84406305325125486048e3
        return v + v * z * (p / q)
    return small64


@_jit
def relu_forward(x, y):
    """y = max(x, 0); a NaN stays NaN, as in torch."""
    for i in range(x.size):
        v = x[i]
        y[i] = 0 if v <= 0 else v


@_jit
def relu_backward(dy, y, dx):
    """dx = dy · [y > 0] (dy passes where y is NaN, as in torch)."""
    for i in range(dy.size):
        dx[i] = 0 if y[i] <= 0 else dy[i]


@_cjit
def sigmoid_forward(x, y):
    """y = 1 / (1 + e^−x), as e/(1 + e) with e = e^−|x| for x < 0, so nothing overflows."""
    t, e, kb, lo = _scratch(x)
    one = x.dtype.type(1)
    for b0 in range(0, x.size, _BLOCK):
        m = min(_BLOCK, x.size - b0)
        xs, ys = x[b0:b0 + m], y[b0:b0 + m]        # views: plain indices vectorise
        for i in range(m):
            a = -abs(xs[i])
            t[i] = a if a > lo else lo
        _exp_block(t, e, kb, m)
        for i in range(m):
            v = xs[i]
            s = one / (one + e[i])
            s = s if v >= 0 else e[i] * s
            ys[i] = v if v != v else s


@_jit
def sigmoid_backward(dy, y, dx):
    """dx = dy · y · (1 − y)."""
    one = y.dtype.type(1)
    for i in range(dy.size):
        dx[i] = dy[i] * y[i] * (one - y[i])


@_cjit
def tanh_forward(x, y):
    """y = tanh x: for |x| < 0.625 a Cephes minimax fit, else sign(x)·(1 − e)/(1 + e), e = e^−2|x|."""
    t, e, kb, lo = _scratch(x)
    one = x.dtype.type(1)
    for b0 in range(0, x.size, _BLOCK):
        m = min(_BLOCK, x.size - b0)
        xs, ys = x[b0:b0 + m], y[b0:b0 + m]
        for i in range(m):
            a = -2 * abs(xs[i])
            t[i] = a if a > lo else lo
        _exp_block(t, e, kb, m)
        for i in range(m):
            v = xs[i]
            small = _tanh_small(v)
            big = (one - e[i]) / (one + e[i])
            big = big if v >= 0 else -big
            r = small if abs(v) < 0.625 else big
            ys[i] = v if v != v else r


@_jit
def tanh_backward(dy, y, dx):
    """dx = dy · (1 − y²)."""
    one = y.dtype.type(1)
    for i in range(dy.size):
        dx[i] = dy[i] * (one - y[i] * y[i])
