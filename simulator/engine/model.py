"""The network an Arch describes (arch.py), built from the ops in ops.py; LeNet-5 by default.

    input[N,C,H,W] (the arch's input shape) → the arch's layers in order → logits[N,classes]
    conv: ops.conv2d_forward (any kernel, stride, padding)   act: relu / sigmoid / tanh
    pool: max or avg, any size and stride                     flat: [N,C,H,W] → [N,C·H·W]
    fc:   ops.dense_forward, weights [D,M]

Every intermediate tensor is kept by name (Arch.tensor_names) in `Forward.outputs`, and
`backward` returns the gradient of every one of them too: screens read both. The lessons
switch every activation or pooling at once with Arch.with_kinds.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import batched, ops
from .arch import LENET5, Act, Arch, Conv, Dense, Flatten, Pool, by_kind, weighted
from .kernels import precompile

ACT_FORWARD = {"relu": ops.relu_forward, "sigmoid": ops.sigmoid_forward, "tanh": ops.tanh_forward}
ACT_BACKWARD = {"relu": ops.relu_backward, "sigmoid": ops.sigmoid_backward, "tanh": ops.tanh_backward}
POOL_FORWARD = {"max": ops.maxpool2d_forward, "avg": ops.avgpool2d_forward}
POOL_BACKWARD = {"max": ops.maxpool2d_backward, "avg": ops.avgpool2d_backward}

# One layer's op, by kind: forward(layer, h, w, b) → (out, cache or None);
# backward(layer, dy, cache, x_shape) → (dx, dw or None, db or None)
FORWARD = {
    Conv: lambda layer, h, w, b: ops.conv2d_forward(h, w, b, layer.stride, layer.padding),
    Act: lambda layer, h, w, b: ACT_FORWARD[layer.kind](h),
    Pool: lambda layer, h, w, b: POOL_FORWARD[layer.kind](h, layer.size, layer.stride),
    Flatten: lambda layer, h, w, b: (h.reshape(h.shape[0], -1), None),
    Dense: lambda layer, h, w, b: ops.dense_forward(h, w, b),
}
BACKWARD = {
    Conv: lambda layer, dy, cache, x_shape: ops.conv2d_backward(dy, cache),
    Act: lambda layer, dy, cache, x_shape: (ACT_BACKWARD[layer.kind](dy, cache), None, None),
    Pool: lambda layer, dy, cache, x_shape: (POOL_BACKWARD[layer.kind](dy, cache), None, None),
    Flatten: lambda layer, dy, cache, x_shape: (dy.reshape(x_shape), None, None),
    Dense: lambda layer, dy, cache, x_shape: ops.dense_backward(dy, cache),
}


@dataclass(frozen=True)
class NetConfig:
    arch: Arch = LENET5
    seed: int = 0

    def __post_init__(self):
        if not isinstance(self.arch, Arch):
            raise ValueError(f"arch must be an arch.Arch (arch.build(spec)), got {type(self.arch).__name__}")

    @property
    def activation(self) -> str | None:
        """The kind of the first activation (None if the network has none)."""
        acts = self.arch.of_type(Act)
        return acts[0].kind if acts else None

    @property
    def pool(self) -> str | None:
        """The kind of the first pooling (None if the network has none)."""
        pools = self.arch.of_type(Pool)
        return pools[0].kind if pools else None


@dataclass
class Forward:
    """What one forward pass produced: every named tensor, and the caches backward needs
    (by layer name; a dense layer's by its parameter prefix, so the logits layer's is fcN)."""
    outputs: dict[str, np.ndarray]
    caches: dict[str, object] = field(repr=False)


def cache_key(arch: Arch, layer) -> str:
    """Where Forward.caches keeps a layer's cache: its parameter stem (the logits layer's is fcN)."""
    return arch.param_prefix(layer)


LOGITS_SCALE = 0.3     # fresh logits weights, times this (see init_params)
BIAS_RELU = 0.01       # a fresh bias where a ReLU follows
BIAS_OTHER = 0.01      # fresh biases elsewhere: uniform in ±this


def init_params(config: NetConfig, dtype=np.float32) -> dict[str, np.ndarray]:
    """He-normal init for a layer a ReLU follows, Glorot-uniform otherwise (sigmoid/tanh, no
    activation, the logits); seeded; weights drawn in layer order.

    The logits layer's weights are scaled by LOGITS_SCALE: at full Glorot scale fresh logits spread
    ~2 apart, the first loss is ~3.4 instead of ln 10, and the first steps' cheapest way down is to
    silence everything below, which turned half of conv2's ReLU maps off for good within 20 steps.
    Starting unsure (loss ≈ ln 10) keeps them alive. Biases start small and non-zero (no sum of
    a fresh network reads "+ bias 0"): BIAS_RELU where a ReLU follows (slightly on), else uniform
    in ±BIAS_OTHER from a stream of their own (the weights stay what seed gave before)."""
    rng = np.random.default_rng(config.seed)
    bias_rng = np.random.default_rng((config.seed, 1))
    arch, params = config.arch, {}
    layers = arch.layers
    fans = {Conv: lambda s: (s[1] * s[2] * s[3], s[0] * s[2] * s[3]),      # conv: [K, C, FH, FW]
            Dense: lambda s: s}                                            # dense: [D, M]
    for i, layer in enumerate(layers):
        if not weighted(layer):
            continue
        key = arch.param_prefix(layer)
        shape = arch.param_shapes[f"{key}_w"]
        fan_in, fan_out = by_kind(fans, layer)(shape)
        relu_next = i + 1 < len(layers) and isinstance(layers[i + 1], Act) and layers[i + 1].kind == "relu"
        if relu_next:
            w = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        else:
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, shape)
        if layer.name == "logits":
            w = w * LOGITS_SCALE
        b_shape = arch.param_shapes[f"{key}_b"]
        b = np.full(b_shape, BIAS_RELU) if relu_next else bias_rng.uniform(-BIAS_OTHER, BIAS_OTHER, b_shape)
        params[f"{key}_w"] = np.ascontiguousarray(w, dtype=dtype)
        params[f"{key}_b"] = np.ascontiguousarray(b, dtype=dtype)
    return params


class Network:
    def __init__(self, config: NetConfig = NetConfig(), params: dict | None = None,
                 dtype=np.float32):
        self.config = config
        self.params = init_params(config, dtype) if params is None else params
        check_params(self.params, config.arch)
        precompile.start(next(iter(self.params.values())).dtype)   # a first launch compiles on both cores

    @property
    def arch(self) -> Arch:
        return self.config.arch

    def forward(self, x: np.ndarray) -> Forward:
        """x[N,C,H,W] normalised images (the arch's input shape) → Forward with outputs['logits'][N,classes].

        Computed by batched.forward (whole network per thread slice, cache-sized chunks);
        forward_ops is the same, op by op, as the lecture tells it."""
        return Forward(*batched.forward(self.params, self.arch, x))

    def forward_ops(self, x: np.ndarray) -> Forward:
        """model.forward, calling the ops one layer after the other over the whole batch."""
        arch, p = self.arch, self.params
        out, cache = {"input": x}, {}
        h = x
        for layer in arch.layers:
            key = cache_key(arch, layer)
            h, c = by_kind(FORWARD, layer)(layer, h, p.get(f"{key}_w"), p.get(f"{key}_b"))
            if c is not None:
                cache[key] = c
            out[layer.name] = h
        return Forward(out, cache)

    def backward(self, dlogits: np.ndarray, fwd: Forward) -> tuple[dict, dict]:
        """dL/dlogits[N,classes] → (parameter gradients by name, gradient of every named tensor)."""
        arch, c = self.arch, fwd.caches
        g, d = {}, {"logits": dlogits}
        names = arch.tensor_names
        for i in range(len(arch.layers) - 1, -1, -1):
            layer, below = arch.layers[i], names[i]
            key = cache_key(arch, layer)
            d[below], dw, db = by_kind(BACKWARD, layer)(layer, d[layer.name], c.get(key), fwd.outputs[below].shape)
            if weighted(layer):
                g[f"{key}_w"], g[f"{key}_b"] = dw, db
        return g, d

    def loss_and_grads(self, x: np.ndarray, labels: np.ndarray, input_grad: bool = False):
        """Mean cross-entropy on (x, labels) → (loss, parameter grads, Forward, activation grads).

        The activation grads hold every named tensor but "input" unless input_grad: training
        never needs ∂L/∂input (for LeNet-5 it is a sixth of the work). Computed by batched.py,
        with the same results as forward + softmax_cross_entropy + backward."""
        loss, grads, outputs, caches, dacts = batched.loss_and_grads(
            self.params, self.arch, x, labels, input_grad)
        return loss, grads, Forward(outputs, caches), dacts

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Softmax probabilities [N,classes]."""
        return softmax(self.forward(x).outputs["logits"])


def softmax(logits: np.ndarray) -> np.ndarray:
    """p_k = exp(z_k − max z) / Σ_j exp(z_j − max z), row by row."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def check_params(params: dict, arch: Arch) -> None:
    """Raise ValueError unless params holds exactly the arch's tensors with the right shapes."""
    expected = arch.param_shapes
    missing = [n for n in expected if n not in params]
    if missing:
        raise ValueError(f"parameters missing for {arch.spec}: {', '.join(missing)}")
    extra = [n for n in params if n not in expected]
    if extra:
        raise ValueError(f"parameters not in {arch.spec}: {', '.join(extra)}")
    for name, shape in expected.items():
        if tuple(params[name].shape) != shape:
            raise ValueError(f"parameter {name} has shape {tuple(params[name].shape)}, expected {shape}")
