"""The network's forward, and forward + backward, over a whole batch in one go.

model.Network.forward_ops calls the ops one after the other, each over the whole batch, each
cutting the batch into per-thread slices. That costs a thread hand-over per op (about twenty
a step for LeNet-5) and, at batch 256, every op streams megabytes through memory. Here the
batch is cut into chunks of up to CHUNK images, and each thread takes the next chunk for the
whole network as soon as it is free, so a chunk's tensors stay in the core's cache from one
layer to the next, and a core slowed by another process does fewer chunks instead of holding
up the step (measured at load 6 on 2 cores: +9% at batch 64, +21% at batch 256 over a fixed
half of the batch per thread):

    chunk (next free thread) → layer 1 → … → logits → loss → … → layer 1

The layers are the Arch's (any conv kernel, stride and padding; max/avg pools of any size and
stride; any dense widths). The results are the ops' results, in the same full-batch arrays
and caches that model.Forward keeps for the screens (ops.ConvCache, MaxPoolCache, …). Every
chunk has its own parameter gradients; they are added up at the end in chunk order, so the
result does not depend on which thread ran which chunk. The loss of a chunk is scaled by 1/N
of the whole batch, so the sums are the batch means. Safe from any thread:
nothing is shared between calls.
"""
from __future__ import annotations

import functools
import itertools

import numpy as np

from . import ops
from .arch import Act, Arch, Conv, Dense, Flatten, Pool, by_kind, weighted
from .kernels import act as ka
from .kernels import gemm as kg
from .kernels import loss as kl
from .kernels import pool as kp
from .kernels import precompile
from .kernels.parallel import run_all, slices

CHUNK = 32      # images per chunk: ~2 MB of LeNet-5's activations and gradients, one core's L2

_ACT = {"relu": (ka.relu_forward, ka.relu_backward), "sigmoid": (ka.sigmoid_forward, ka.sigmoid_backward),
        "tanh": (ka.tanh_forward, ka.tanh_backward)}


@functools.lru_cache(maxsize=16)
def _layout(arch: Arch) -> tuple:
    """Per layer: (layer, input tensor name, output name, parameter stem or None, argmax name or None)."""
    names = arch.tensor_names
    return tuple((layer, names[i], layer.name, arch.param_prefix(layer) if weighted(layer) else None,
                  "argmax:" + layer.name if _is_max_pool(layer) else None)
                 for i, layer in enumerate(arch.layers))


def _is_max_pool(layer) -> bool:
    return isinstance(layer, Pool) and _pool_kind(layer) == "max"


class _Plan:
    """The arch's layers as the chunk loops walk them: (layer, input tensor name, output name,
    parameter stem, argmax name, its weight and bias arrays, its forward and backward step
    (by kind, from _STEPS)), the parameters made contiguous once per call."""

    def __init__(self, arch: Arch, params: dict):
        self.arch = arch
        self.p = {k: np.ascontiguousarray(v) for k, v in params.items()}
        self.steps = [(layer, src, dst, key, am) + ((self.p[key + "_w"], self.p[key + "_b"]) if key else (None, None))
                      + by_kind(_STEPS, layer)
                      for layer, src, dst, key, am in _layout(arch)]


def _chunks(N):
    """(first image of each chunk, chunk size): chunks of at most CHUNK images, and at least
    as many as there are threads, which take them in turn as they become free."""
    size = min(CHUNK, -(-N // len(slices(N))))
    return list(range(0, N, size)), size


def _check(x, params, arch):
    x = ops._float("Network", "x", x)
    if x.ndim != 4 or x.shape[1:] != arch.input_shape:
        raise ValueError(f"Network: x must be [N,{','.join(map(str, arch.input_shape))}], got shape {x.shape}")
    dtype = next(iter(params.values())).dtype
    if x.dtype != dtype:
        raise ValueError(f"Network: mixed dtypes (x {x.dtype}, parameters {dtype})")
    if x.shape[0] == 0:
        raise ValueError(f"Network: empty batch (x {x.shape})")
    return x


def _planes(*arrays):
    """[n,C,H,W] arrays as [n·C,H,W] (the pooling kernels work plane by plane)."""
    return [a.reshape(a.shape[0] * a.shape[1], a.shape[2], a.shape[3]) for a in arrays]


def _pool_kind(layer):
    if layer.kind not in ("max", "avg"):
        raise ValueError(f"no pooling of kind {layer.kind!r}")
    return layer.kind


# --- one layer of one chunk, by kind. Forward: x → y (am: a max pool's argmax array).
# Backward: dy → dx (None when nothing below needs it) and the parameter gradients into tmp.

def _conv_forward(layer, x, y, w, b, am):
    ops.conv_forward_into(x, w, b, layer.stride, layer.padding, y)


def _act_forward(layer, x, y, w, b, am):
    _ACT[layer.kind][0](x.reshape(-1), y.reshape(-1))


def _pool_forward(layer, x, y, w, b, am):
    if _pool_kind(layer) == "max":
        kp.maxpool_forward(*_planes(x), layer.size, layer.stride, *_planes(y, am))
    else:
        kp.avgpool_forward(*_planes(x), layer.size, layer.stride, *_planes(y))


def _flatten_forward(layer, x, y, w, b, am):
    pass                                    # o[flat] is a view of the tensor before it


def _dense_forward(layer, x, y, w, b, am):
    kg.dense_forward(x, w, b, y)


def _conv_backward(layer, dy, x, y, dx, w, am, gw, gb, scratch):
    ops.conv_backward_into(dy, x, w, layer.stride, layer.padding, x if dx is None else dx,
                           gw.reshape(layer.filters, -1), gb, dx is not None)


def _act_backward(layer, dy, x, y, dx, w, am, gw, gb, scratch):
    _ACT[layer.kind][1](dy.reshape(-1), y.reshape(-1), dx.reshape(-1))


def _pool_backward(layer, dy, x, y, dx, w, am, gw, gb, scratch):
    n, C, H, W = dx.shape
    if _pool_kind(layer) == "max":
        kp.maxpool_backward(*_planes(dy, am), dx.reshape(n * C, H * W))
    else:
        kp.avgpool_backward(*_planes(dy), layer.size, layer.stride, *_planes(dx))


def _flatten_backward(layer, dy, x, y, dx, w, am, gw, gb, scratch):
    pass                                    # d[flat] is a view of the gradient before it


def _dense_backward(layer, dy, x, y, dx, w, am, gw, gb, scratch):
    kg.dense_backward(dy, x, w, scratch[:len(dy)] if dx is None else dx, gw, gb)


_STEPS = {Conv: (_conv_forward, _conv_backward), Act: (_act_forward, _act_backward),
          Pool: (_pool_forward, _pool_backward), Flatten: (_flatten_forward, _flatten_backward),
          Dense: (_dense_forward, _dense_backward)}


def _forward_chunk(o, a, c, plan):
    """Forward of images [a, c) into the full-batch arrays of o (o["argmax:poolN"] for max pools)."""
    for layer, src, dst, _, am, w, b, forward, _ in plan.steps:
        forward(layer, o[src][a:c], o[dst][a:c], w, b, o[am][a:c] if am else None)


def _backward_chunk(o, d, a, c, plan, g, tmp, labels, N, input_grad, scratch):
    """Loss and backward of images [a, c): gradients into d's full-batch arrays, parameter
    gradients into tmp and added into g (tmp is g itself to overwrite g); returns the
    chunk's share of the mean loss.
    ∂L/∂input is only computed when input_grad (then the layers that only lead to it run too):
    below the first layer with parameters nothing needs a gradient, so the walk stops there."""
    loss = kl.softmax_ce(o["logits"][a:c], labels[a:c], d["logits"][a:c], N)
    precompile.wait()                   # a first launch may be compiling the backward kernels
    for layer, src, dst, key, am, w, _, _, backward in reversed(plan.steps):
        below = src in d                # False: only the input lies below, whose gradient is not wanted
        weighted = key is not None
        if below or weighted:
            backward(layer, d[dst][a:c], o[src][a:c], o[dst][a:c], d[src][a:c] if below else None, w,
                     o[am][a:c] if am else None, tmp[key + "_w"] if weighted else None,
                     tmp[key + "_b"] if weighted else None, scratch)
        if not below and not isinstance(layer, Flatten):
            break
    if tmp is not g:
        for k in g:
            g[k] += tmp[k]
    return loss


def _outputs(x, arch):
    """Full-batch arrays for every named tensor (flat a view of the tensor before it) and an
    int32 argmax per max pool."""
    N = x.shape[0]
    o = {"input": x}
    for layer, shape, src in zip(arch.layers, arch.shapes, arch.tensor_names):
        if isinstance(layer, Flatten):
            o[layer.name] = o[src].reshape(N, -1)
            continue
        o[layer.name] = np.empty((N,) + shape, x.dtype)
        if _is_max_pool(layer):
            o["argmax:" + layer.name] = np.empty((N,) + shape, np.int32)
    return o


def _gradients(x, arch, input_grad):
    """Full-batch gradient arrays for every named tensor but, unless input_grad, the input and
    the outputs of the layers before the first conv or dense (they only pass the input on).
    The flat gradient is a view of the one before it."""
    N = x.shape[0]
    first_param = next(i for i, layer in enumerate(arch.layers) if weighted(layer))
    d = {"input": np.empty_like(x)} if input_grad else {}
    for i, (layer, shape, src) in enumerate(zip(arch.layers, arch.shapes, arch.tensor_names)):
        if i < first_param and not input_grad:
            continue
        if isinstance(layer, Flatten):
            d[layer.name] = d[src].reshape(N, -1)
        else:
            d[layer.name] = np.empty((N,) + shape, x.dtype)
    return d


# What model.Forward keeps of each layer for its backward (as the ops make it), by kind
_CACHES = {
    Conv: lambda layer, o, src, dst, am, w: ops.ConvCache(o[src], w, layer.stride, layer.padding),
    Act: lambda layer, o, src, dst, am, w: o[dst],
    Pool: lambda layer, o, src, dst, am, w: (ops.MaxPoolCache(o[am], o[src].shape, layer.size, layer.stride)
                                             if _pool_kind(layer) == "max"
                                             else ops.AvgPoolCache(o[src].shape, layer.size, layer.stride)),
    Flatten: lambda layer, o, src, dst, am, w: None,
    Dense: lambda layer, o, src, dst, am, w: ops.DenseCache(o[src], w),
}


def _forward_result(o, plan):
    """model.Forward's (outputs, caches) from the full-batch arrays, as the ops build them
    (caches by parameter stem for conv and dense layers, by layer name for the others)."""
    outputs = {k: v for k, v in o.items() if not k.startswith("argmax:")}
    caches = {}
    for layer, src, dst, key, am, w, *_ in plan.steps:
        cache = by_kind(_CACHES, layer)(layer, o, src, dst, am, w)
        if cache is not None:
            caches[key or dst] = cache
    return outputs, caches


def forward(params, arch, x):
    """x[N,C,H,W] (arch.input_shape) → (outputs by arch.tensor_names, caches by layer), as model.Network.forward."""
    x = _check(x, params, arch)
    plan = _Plan(arch, params)
    o = _outputs(x, arch)

    N = x.shape[0]
    starts, size = _chunks(N)
    queue = itertools.count()           # next() on it is atomic: each chunk goes to one thread

    def run():
        while (j := next(queue)) < len(starts):
            _forward_chunk(o, starts[j], min(starts[j] + size, N), plan)
    run_all([run] * len(slices(N)))
    return _forward_result(o, plan)


def loss_and_grads(params, arch, x, labels, input_grad):
    """Mean cross-entropy, parameter gradients, (outputs, caches) and the gradient of every
    named tensor ("input" only when input_grad), as model.Network.loss_and_grads."""
    x = _check(x, params, arch)
    N = x.shape[0]
    labels = ops.check_labels("Network", labels, N, arch.shapes[-1][0])
    plan = _Plan(arch, params)
    o = _outputs(x, arch)
    d = _gradients(x, arch, input_grad)
    first = next(layer for layer in arch.layers if weighted(layer))
    # a dense first layer (after the flatten of the input) still writes a dx: into this scratch
    scratch_shape = arch.input_shape_of(first) if isinstance(first, Dense) and not input_grad else None
    starts, size = _chunks(N)
    gs, losses = [None] * len(starts), [0.0] * len(starts)
    queue = itertools.count()           # next() on it is atomic: each chunk goes to one thread

    def run():
        scratch = None if scratch_shape is None else np.empty((size,) + scratch_shape, x.dtype)
        while (j := next(queue)) < len(starts):
            a, g = starts[j], {k: np.empty_like(v) for k, v in params.items()}
            c = min(a + size, N)
            _forward_chunk(o, a, c, plan)
            losses[j] = _backward_chunk(o, d, a, c, plan, g, g, labels, N, input_grad, scratch)
            gs[j] = g
    run_all([run] * len(slices(N)))
    grads = gs[0]
    for other in gs[1:]:                # in chunk order, whichever thread ran them: reproducible
        for k in grads:
            grads[k] += other[k]
    outputs, caches = _forward_result(o, plan)
    return sum(losses), grads, outputs, caches, d
