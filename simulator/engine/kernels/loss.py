"""Softmax cross-entropy, forward and backward in one pass (ops.softmax_cross_entropy checks
the arguments; batched.py calls it per chunk). No fast-math: a NaN or inf logit must reach the loss.

Precise when the network is sure. With m = max z and r = Σ_{j≠y} e^(z_j − m), the loss of a row
whose label holds the maximum is ln(1 + r), and 1 + r in float32 keeps only ~7 digits of r: a
loss of 4.233×10⁻⁵ came out 4.20×10⁻⁵. So that case uses log1p(r), and the label's gradient
p_y − 1 is written −r/(1 + r) = −Σ_{j≠y} p_j instead of a difference of two numbers near 1.
"""
import numba
import numpy as np


@numba.njit(cache=True, nogil=True, error_model="numpy")
def softmax_ce(z, labels, dz, N):
    """L = (1/N) Σ_n ℓ_n,  ℓ = ln Σ_k e^(z_k − m) − (z_y − m)  (= log1p(Σ_{j≠y} e^(z_j − m)) when z_y = m);
    dz = (softmax(z) − onehot(y)) / N, with dz_y = −(Σ_{j≠y} p_j) / N.
    N may exceed z's rows (a chunk of a batch of N): then L is that chunk's share of the mean."""
    K = z.shape[1]
    total = 0.0
    inv_n = z.dtype.type(1.0 / N)
    for n in range(z.shape[0]):
        y = labels[n]
        m = z[n, 0]
        for k in range(1, K):
            if z[n, k] > m:
                m = z[n, k]
        rest = z.dtype.type(0)            # Σ_{j≠y} e^(z_j − m)
        for k in range(K):
            e = np.exp(z[n, k] - m)
            dz[n, k] = e
            if k != y:
                rest += e
        ey = dz[n, y]                     # e^(z_y − m): 1 when the label holds the maximum
        s = rest + ey
        # + (m − z_y): 0 when the label holds the maximum, but NaN for an inf logit, as in PyTorch
        total += (np.log1p(rest) if z[n, y] == m else np.log(s)) + (m - z[n, y])
        inv_s = 1 / s
        for k in range(K):
            dz[n, k] = dz[n, k] * inv_s * inv_n
        dz[n, y] = -(rest * inv_s) * inv_n
    return total / N
