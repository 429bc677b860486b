"""Softmax cross-entropy, forward and backward in one pass (ops.softmax_cross_entropy checks
the arguments; batched.py calls it per chunk). No fast-math: a NaN or inf logit must reach the loss."""
import numba
import numpy as np


@numba.njit(cache=True, nogil=True, error_model="numpy")
def softmax_ce(z, labels, dz, N):
    """L = (1/N) Σ_n [log Σ_k e^(z_nk − m_n) + m_n − z_n,y_n];  dz = (softmax(z) − onehot(y)) / N.
    N may exceed z's rows (a chunk of a batch of N): then L is that chunk's share of the mean."""
    K = z.shape[1]
    total = 0.0
    inv_n = z.dtype.type(1.0 / N)
    for n in range(z.shape[0]):
        m = z[n, 0]
        for k in range(1, K):
            if z[n, k] > m:
                m = z[n, k]
        s = z.dtype.type(0)
        for k in range(K):
            e = np.exp(z[n, k] - m)
            dz[n, k] = e
            s += e
        total += np.log(s) + m - z[n, labels[n]]
        inv_s = 1 / s
        for k in range(K):
            dz[n, k] = dz[n, k] * inv_s * inv_n
        dz[n, labels[n]] -= inv_n
    return total / N
