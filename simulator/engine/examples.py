"""How the app's examples are chosen, by rule, so they show the rule and not an edge case (each
rule is also words a screen can show): the sample of a batch the network is least sure of, a
conv channel whose pooling has many windows with one clear maximum, and the block of pooling
windows worth stepping through. Plain NumPy, safe on any thread.
"""
from __future__ import annotations

import numpy as np


SAMPLE_RULE = "the digit of this batch the network is least sure of"
CHANNEL_RULE = "the map with the most pooling windows that have one clear, non-zero maximum"


def least_sure(logits: np.ndarray, labels: np.ndarray) -> int:
    """The position in the batch whose label gets the lowest softmax probability (the first
    such; a non-finite row counts as least sure)."""
    z = np.asarray(logits, np.float64)
    z = z - z.max(axis=1, keepdims=True)
    log_p = z[np.arange(len(z)), labels] - np.log(np.exp(z).sum(axis=1))
    return int(np.argmin(np.nan_to_num(log_p, nan=-np.inf)))


def typical_channel(maps: np.ndarray, size: int | None, stride: int | None, n: int = 3) -> int:
    """The channel of maps[K,H,W] (one sample, after the activation) whose pooling windows show
    the rule best: the most windows with one strict, non-zero maximum in the best n×n block of
    windows (what the pool panel steps through), then in all; without a max pool (size None),
    the most positive values. Ties go to the lowest channel."""
    maps = np.nan_to_num(np.asarray(maps, np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if size is None:
        return int(np.argmax((maps > 0).reshape(len(maps), -1).sum(axis=1)))
    best, choice = None, 0
    for k, m in enumerate(maps):
        strict = strict_max(m, size, stride)
        b = min(n, *strict.shape)
        block = np.lib.stride_tricks.sliding_window_view(strict, (b, b)).sum(axis=(2, 3)).max()
        score = (int(block), int(strict.sum()))
        if best is None or score > best:
            best, choice = score, k
    return choice


def strict_max(x: np.ndarray, size: int = 2, stride: int = 2) -> np.ndarray:
    """[OH,OW] bool: pooling windows of x[H,W] whose maximum is non-zero and unique."""
    v = np.lib.stride_tricks.sliding_window_view(x, (size, size))[::stride, ::stride]
    top = v.max(axis=(2, 3))
    return (top != 0) & ((v == top[..., None, None]).sum(axis=(2, 3)) == 1)


def pool_crop(dy: np.ndarray, y: np.ndarray, n: int, strict: np.ndarray | None = None) -> tuple[int, int, int]:
    """The n×n block of windows worth showing: first the most windows with a strict, non-zero
    maximum (`strict` [OH,OW], when given), then the largest outputs and arriving gradients
    (each scaled to its map's maximum); ties go to the top-left."""
    OH, OW = dy.shape
    n = min(n, OH, OW)
    def unit(a):
        a = np.nan_to_num(np.abs(np.asarray(a, np.float64)), posinf=0.0)
        top = a.max(initial=0.0)
        return a / top if top > 0 else a
    score = unit(dy) + unit(y)
    if strict is not None:
        # each window's sizes add ≤ 2, a block's ≤ 2n²: one more strict window outweighs them all
        score = score + (2.0 * n * n + 1.0) * strict
    blocks = np.lib.stride_tricks.sliding_window_view(score, (n, n)).sum(axis=(2, 3))
    i, j = np.unravel_index(int(np.argmax(np.round(blocks, 9))), blocks.shape)   # first maximum
    return int(i), int(j), n
