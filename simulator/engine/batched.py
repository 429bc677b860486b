"""LeNet-5's forward, and forward + backward, over a whole batch in one go.

model.LeNet5 calls the ops one after the other, each over the whole batch, each cutting
the batch into per-thread slices. That costs a thread hand-over per op (about twenty a
step) and, at batch 256, every op streams megabytes through memory. Here the batch is cut
into chunks of up to CHUNK images, and each thread takes the next chunk for the whole
network as soon as it is free, so a chunk's tensors stay in the core's cache from one layer
to the next, and a core slowed by another process does fewer chunks instead of holding up
the step (measured at load 6 on 2 cores: +9% at batch 64, +21% at batch 256 over a fixed
half per thread):

    chunk (next free thread) → conv1 → act → pool → … → loss → … → conv1

The results are the ops' results, in the same full-batch arrays and caches that
model.Forward keeps for the screens (ops.ConvCache, MaxPoolCache, …). Every chunk has its
own parameter gradients; they are added up at the end in chunk order, so the result does
not depend on which thread ran which chunk. The loss of a chunk is scaled by 1/N of the
whole batch, so the sums are the batch means. Safe from any thread: nothing is
shared between calls.
"""
from __future__ import annotations

import itertools
import math

import numpy as np

from .kernels import act as ka
from .kernels import gemm as kg
from .kernels import pool as kp
from . import ops
from .kernels import precompile
from .kernels.parallel import run_all, slices

CHUNK = 32      # images per chunk: ~2 MB of activations and gradients, one core's L2

_ACT = {"relu": (ka.relu_forward, ka.relu_backward), "sigmoid": (ka.sigmoid_forward, ka.sigmoid_backward),
        "tanh": (ka.tanh_forward, ka.tanh_backward)}


def _shapes(N):
    return {"conv1": (N, 6, 28, 28), "act1": (N, 6, 28, 28), "pool1": (N, 6, 14, 14),
            "conv2": (N, 16, 10, 10), "act2": (N, 16, 10, 10), "pool2": (N, 16, 5, 5),
            "fc1": (N, 120), "act3": (N, 120), "fc2": (N, 84), "act4": (N, 84), "logits": (N, 10)}


class _Weights:
    """The parameters as the kernels want them (contiguous), prepared once per call. (The im2col
    layouts of the filters are made by ops only if a layer needs them: not 5-wide, or NaN/inf.)"""

    def __init__(self, p):
        self.p = {k: np.ascontiguousarray(v) for k, v in p.items()}


def _chunks(N):
    """(first image of each chunk, chunk size): chunks of at most CHUNK images, and at least
    as many as there are threads. The threads take them in turn as they finish, so a core
    slowed by another process does less of the batch instead of holding up the step."""
    size = min(CHUNK, -(-N // len(slices(N))))
    return list(range(0, N, size)), size


def _check(x, params):
    x = ops._float("LeNet5", "x", x)
    if x.ndim != 4 or x.shape[1:] != (1, 28, 28):
        raise ValueError(f"LeNet5: x must be [N,1,28,28], got shape {x.shape}")
    if x.dtype != params["conv1_w"].dtype:
        raise ValueError(f"LeNet5: mixed dtypes (x {x.dtype}, parameters {params['conv1_w'].dtype})")
    if x.shape[0] == 0:
        raise ValueError(f"LeNet5: empty batch (x {x.shape})")
    return x


def _forward_chunk(o, a, c, act, pool, W):
    """Forward of images [a, c) into the full-batch arrays of o."""
    p = W.p
    n = c - a
    ops.conv_forward_into(o["input"][a:c], p["conv1_w"], p["conv1_b"], 1, 2, o["conv1"][a:c])
    act[0](o["conv1"][a:c].reshape(-1), o["act1"][a:c].reshape(-1))
    _pool_forward(pool, o["act1"][a:c], o["pool1"][a:c], o["argmax1"][a:c] if pool == "max" else None, n)
    ops.conv_forward_into(o["pool1"][a:c], p["conv2_w"], p["conv2_b"], 1, 0, o["conv2"][a:c])
    act[0](o["conv2"][a:c].reshape(-1), o["act2"][a:c].reshape(-1))
    _pool_forward(pool, o["act2"][a:c], o["pool2"][a:c], o["argmax2"][a:c] if pool == "max" else None, n)
    kg.dense_forward(o["flat"][a:c], p["fc1_w"], p["fc1_b"], o["fc1"][a:c])
    act[0](o["fc1"][a:c].reshape(-1), o["act3"][a:c].reshape(-1))
    kg.dense_forward(o["act3"][a:c], p["fc2_w"], p["fc2_b"], o["fc2"][a:c])
    act[0](o["fc2"][a:c].reshape(-1), o["act4"][a:c].reshape(-1))
    kg.dense_forward(o["act4"][a:c], p["fc3_w"], p["fc3_b"], o["logits"][a:c])


def _pool_forward(pool, x, y, argmax, n):
    _, C, H, W = x.shape
    if pool == "max":
        kp.maxpool_forward(x.reshape(n * C, H, W), 2, 2, y.reshape(n * C, H // 2, W // 2),
                           argmax.reshape(n * C, H // 2, W // 2))
    else:
        kp.avgpool_forward(x.reshape(n * C, H, W), 2, 2, y.reshape(n * C, H // 2, W // 2))


def _pool_backward(pool, dy, argmax, dx, n):
    _, C, H, W = dx.shape
    if pool == "max":
        kp.maxpool_backward(dy.reshape(n * C, H // 2, W // 2), argmax.reshape(n * C, H // 2, W // 2),
                            dx.reshape(n * C, H * W))
    else:
        kp.avgpool_backward(dy.reshape(n * C, H // 2, W // 2), 2, 2, dx.reshape(n * C, H, W))


def _backward_chunk(o, d, a, c, act, pool, W, g, tmp, labels, N, input_grad):
    """Loss and backward of images [a, c): gradients into d's full-batch arrays, parameter
    gradients into tmp and added into g (this thread's sums; tmp is g itself for a slice's
    first chunk, which overwrites); returns the chunk's share of the mean loss."""
    p = W.p
    n = c - a
    loss = ops._softmax_ce_kernel(o["logits"][a:c], labels[a:c], d["logits"][a:c], N)
    precompile.wait()                   # a first launch may be compiling the backward kernels
    for layer, xin, out, below in (("fc3", "act4", "logits", "fc2"), ("fc2", "act3", "fc2", "fc1"),
                                   ("fc1", "flat", "fc1", None)):
        kg.dense_backward(d[out][a:c], o[xin][a:c], p[layer + "_w"], d[xin][a:c], tmp[layer + "_w"], tmp[layer + "_b"])
        if below:                       # through the activation that made xin
            act[1](d[xin][a:c].reshape(-1), o[xin][a:c].reshape(-1), d[below][a:c].reshape(-1))
    _pool_backward(pool, d["pool2"][a:c], o["argmax2"][a:c] if pool == "max" else None, d["act2"][a:c], n)
    act[1](d["act2"][a:c].reshape(-1), o["act2"][a:c].reshape(-1), d["conv2"][a:c].reshape(-1))
    ops.conv_backward_into(d["conv2"][a:c], o["pool1"][a:c], p["conv2_w"], 1, 0, d["pool1"][a:c],
                           tmp["conv2_w"].reshape(16, 150), tmp["conv2_b"], True)
    _pool_backward(pool, d["pool1"][a:c], o["argmax1"][a:c] if pool == "max" else None, d["act1"][a:c], n)
    act[1](d["act1"][a:c].reshape(-1), o["act1"][a:c].reshape(-1), d["conv1"][a:c].reshape(-1))
    dx = d["input"][a:c] if input_grad else o["input"][a:c]      # not written when input_grad is off
    ops.conv_backward_into(d["conv1"][a:c], o["input"][a:c], p["conv1_w"], 1, 2, dx,
                           tmp["conv1_w"].reshape(6, 25), tmp["conv1_b"], input_grad)
    if tmp is not g:
        for k in g:
            g[k] += tmp[k]
    return loss


def _outputs(x, pool):
    N = x.shape[0]
    o = {"input": x}
    for name, shape in _shapes(N).items():
        o[name] = np.empty(shape, x.dtype)
    o["flat"] = o["pool2"].reshape(N, 400)
    if pool == "max":
        o["argmax1"] = np.empty((N, 6, 14, 14), np.int32)
        o["argmax2"] = np.empty((N, 16, 5, 5), np.int32)
    return o


def _forward_result(o, params, pool):
    """model.Forward's (outputs, caches) from the full-batch arrays, as the ops build them."""
    outputs = {k: v for k, v in o.items() if not k.startswith("argmax")}
    N = o["input"].shape[0]
    caches = {"conv1": ops.ConvCache(o["input"], params["conv1_w"], 1, 2),
              "conv2": ops.ConvCache(o["pool1"], params["conv2_w"], 1, 0),
              "fc1": ops.DenseCache(o["flat"], params["fc1_w"]),
              "fc2": ops.DenseCache(o["act3"], params["fc2_w"]),
              "fc3": ops.DenseCache(o["act4"], params["fc3_w"])}
    for i, (src, dst) in enumerate((("act1", "pool1"), ("act2", "pool2")), 1):
        if pool == "max":
            caches[dst] = ops.MaxPoolCache(o[f"argmax{i}"], o[src].shape, 2, 2)
        else:
            caches[dst] = ops.AvgPoolCache(o[src].shape, 2, 2)
    for name in ("act1", "act2", "act3", "act4"):
        caches[name] = o[name]
    return outputs, caches


def forward(params, activation, pool, x):
    """x[N,1,28,28] → (outputs by model.LAYER_NAMES, caches by layer), as model.LeNet5.forward."""
    x = _check(x, params)
    W, act = _Weights(params), _ACT[activation]
    o = _outputs(x, pool)

    N = x.shape[0]
    starts, size = _chunks(N)
    queue = itertools.count()

    def run():
        while (j := next(queue)) < len(starts):
            _forward_chunk(o, starts[j], min(starts[j] + size, N), act, pool, W)
    run_all([run] * len(slices(N)))
    return _forward_result(o, params, pool)


def loss_and_grads(params, activation, pool, x, labels, input_grad):
    """Mean cross-entropy, parameter gradients, (outputs, caches) and the gradient of every
    named tensor ("input" only when input_grad), as model.LeNet5.loss_and_grads."""
    x = _check(x, params)
    N = x.shape[0]
    labels = ops.check_labels("LeNet5", labels, N, 10)
    W, act = _Weights(params), _ACT[activation]
    o = _outputs(x, pool)
    d = {name: np.empty(shape, x.dtype) for name, shape in _shapes(N).items()}
    d["flat"] = d["pool2"].reshape(N, 400)
    if input_grad:
        d["input"] = np.empty_like(x)
    starts, size = _chunks(N)
    gs, losses = [None] * len(starts), [0.0] * len(starts)
    queue = itertools.count()           # chunks go to whichever thread is free (next() is atomic)

    def run():
        while (j := next(queue)) < len(starts):
            a, g = starts[j], {k: np.empty_like(v) for k, v in params.items()}
            c = min(a + size, N)
            _forward_chunk(o, a, c, act, pool, W)
            losses[j] = _backward_chunk(o, d, a, c, act, pool, W, g, g, labels, N, input_grad)
            gs[j] = g
    run_all([run] * len(slices(N)))
    grads = gs[0]
    for other in gs[1:]:                # in chunk order, whichever thread ran them: reproducible
        for k in grads:
            grads[k] += other[k]
    outputs, caches = _forward_result(o, params, pool)
    d["flat"] = d["pool2"].reshape(N, 400)
    return math.fsum(losses), grads, outputs, caches, d
