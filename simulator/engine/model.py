"""LeNet-5 for 28×28 digits, built from the ops in ops.py.

    input[N,1,28,28]
    conv1 5×5, 1→6, padding 2 → act → pool 2   → [N,6,14,14]
    conv2 5×5, 6→16           → act → pool 2   → [N,16,5,5]
    flatten 400 → fc1 120 → act → fc2 84 → act → fc3 10 (logits)

The activation (relu|sigmoid|tanh) and the pooling (max|avg) are options, because the
lessons switch them. Every intermediate tensor is kept by name in `Forward.outputs`, and
`backward` returns the gradient of every one of them too: screens read both.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import batched, ops
from .kernels import precompile

ACTIVATIONS = ("relu", "sigmoid", "tanh")
POOLS = ("max", "avg")
PARAM_NAMES = ("conv1_w", "conv1_b", "conv2_w", "conv2_b",
               "fc1_w", "fc1_b", "fc2_w", "fc2_b", "fc3_w", "fc3_b")
PARAM_SHAPES = {
    "conv1_w": (6, 1, 5, 5), "conv1_b": (6,),
    "conv2_w": (16, 6, 5, 5), "conv2_b": (16,),
    "fc1_w": (400, 120), "fc1_b": (120,),
    "fc2_w": (120, 84), "fc2_b": (84,),
    "fc3_w": (84, 10), "fc3_b": (10,),
}
# Names of the tensors a forward pass produces, in order.
LAYER_NAMES = ("input", "conv1", "act1", "pool1", "conv2", "act2", "pool2",
               "flat", "fc1", "act3", "fc2", "act4", "logits")

_ACT_FORWARD = {"relu": ops.relu_forward, "sigmoid": ops.sigmoid_forward, "tanh": ops.tanh_forward}
_ACT_BACKWARD = {"relu": ops.relu_backward, "sigmoid": ops.sigmoid_backward, "tanh": ops.tanh_backward}
_POOL_FORWARD = {"max": ops.maxpool2d_forward, "avg": ops.avgpool2d_forward}
_POOL_BACKWARD = {"max": ops.maxpool2d_backward, "avg": ops.avgpool2d_backward}


@dataclass(frozen=True)
class LeNetConfig:
    activation: str = "relu"
    pool: str = "max"
    seed: int = 0

    def __post_init__(self):
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        if self.pool not in POOLS:
            raise ValueError(f"pool must be one of {POOLS}, got {self.pool!r}")


@dataclass
class Forward:
    """What one forward pass produced: every named tensor, and the caches backward needs."""
    outputs: dict[str, np.ndarray]
    caches: dict[str, object] = field(repr=False)


def init_params(config: LeNetConfig, dtype=np.float32) -> dict[str, np.ndarray]:
    """He-normal init before a ReLU, Glorot-uniform otherwise (sigmoid/tanh, logits); biases zero; seeded."""
    rng = np.random.default_rng(config.seed)
    params = {}
    for name in PARAM_NAMES:
        shape = PARAM_SHAPES[name]
        if name.endswith("_b"):
            params[name] = np.zeros(shape, dtype)
            continue
        if len(shape) == 4:          # conv: [K, C, FH, FW]
            fan_in = shape[1] * shape[2] * shape[3]
            fan_out = shape[0] * shape[2] * shape[3]
        else:                        # dense: [D, M]
            fan_in, fan_out = shape
        if config.activation == "relu" and name != "fc3_w":  # the logits layer has no ReLU after it
            w = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        else:
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, shape)
        params[name] = np.ascontiguousarray(w, dtype=dtype)
    return params


class LeNet5:
    def __init__(self, config: LeNetConfig = LeNetConfig(), params: dict | None = None,
                 dtype=np.float32):
        self.config = config
        self.params = init_params(config, dtype) if params is None else params
        check_params(self.params)
        precompile.start(self.params["conv1_w"].dtype)     # a first launch compiles on both cores

    def forward(self, x: np.ndarray) -> Forward:
        """x[N,1,28,28] normalised images → Forward with outputs['logits'][N,10].

        Computed by batched.forward (whole network per thread slice, cache-sized chunks);
        forward_ops is the same, op by op, as the lecture tells it."""
        return Forward(*batched.forward(self.params, self.config.activation, self.config.pool, x))

    def forward_ops(self, x: np.ndarray) -> Forward:
        """model.forward, calling the ops one after the other over the whole batch."""
        p, act, pool = self.params, _ACT_FORWARD[self.config.activation], _POOL_FORWARD[self.config.pool]
        out, cache = {"input": x}, {}
        out["conv1"], cache["conv1"] = ops.conv2d_forward(x, p["conv1_w"], p["conv1_b"], 1, 2)
        out["act1"], cache["act1"] = act(out["conv1"])
        out["pool1"], cache["pool1"] = pool(out["act1"], 2, 2)
        out["conv2"], cache["conv2"] = ops.conv2d_forward(out["pool1"], p["conv2_w"], p["conv2_b"], 1, 0)
        out["act2"], cache["act2"] = act(out["conv2"])
        out["pool2"], cache["pool2"] = pool(out["act2"], 2, 2)
        out["flat"] = out["pool2"].reshape(x.shape[0], -1)
        out["fc1"], cache["fc1"] = ops.dense_forward(out["flat"], p["fc1_w"], p["fc1_b"])
        out["act3"], cache["act3"] = act(out["fc1"])
        out["fc2"], cache["fc2"] = ops.dense_forward(out["act3"], p["fc2_w"], p["fc2_b"])
        out["act4"], cache["act4"] = act(out["fc2"])
        out["logits"], cache["fc3"] = ops.dense_forward(out["act4"], p["fc3_w"], p["fc3_b"])
        return Forward(out, cache)

    def backward(self, dlogits: np.ndarray, fwd: Forward) -> tuple[dict, dict]:
        """dL/dlogits[N,10] → (parameter gradients by PARAM_NAMES, gradient of every named tensor)."""
        act, pool = _ACT_BACKWARD[self.config.activation], _POOL_BACKWARD[self.config.pool]
        c, g, d = fwd.caches, {}, {"logits": dlogits}
        d["act4"], g["fc3_w"], g["fc3_b"] = ops.dense_backward(dlogits, c["fc3"])
        d["fc2"] = act(d["act4"], c["act4"])
        d["act3"], g["fc2_w"], g["fc2_b"] = ops.dense_backward(d["fc2"], c["fc2"])
        d["fc1"] = act(d["act3"], c["act3"])
        d["flat"], g["fc1_w"], g["fc1_b"] = ops.dense_backward(d["fc1"], c["fc1"])
        d["pool2"] = d["flat"].reshape(fwd.outputs["pool2"].shape)
        d["act2"] = pool(d["pool2"], c["pool2"])
        d["conv2"] = act(d["act2"], c["act2"])
        d["pool1"], g["conv2_w"], g["conv2_b"] = ops.conv2d_backward(d["conv2"], c["conv2"])
        d["act1"] = pool(d["pool1"], c["pool1"])
        d["conv1"] = act(d["act1"], c["act1"])
        d["input"], g["conv1_w"], g["conv1_b"] = ops.conv2d_backward(d["conv1"], c["conv1"])
        return g, d

    def loss_and_grads(self, x: np.ndarray, labels: np.ndarray, input_grad: bool = False):
        """Mean cross-entropy on (x, labels) → (loss, parameter grads, Forward, activation grads).

        The activation grads hold every named tensor but "input" unless input_grad: training
        never needs ∂L/∂input, and it is a sixth of the work. Computed by batched.py, with
        the same results as forward + softmax_cross_entropy + backward."""
        loss, grads, outputs, caches, dacts = batched.loss_and_grads(
            self.params, self.config.activation, self.config.pool, x, labels, input_grad)
        return loss, grads, Forward(outputs, caches), dacts

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Softmax probabilities [N,10]."""
        return softmax(self.forward(x).outputs["logits"])


def softmax(logits: np.ndarray) -> np.ndarray:
    """p_k = exp(z_k − max z) / Σ_j exp(z_j − max z), row by row."""
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def check_params(params: dict) -> None:
    """Raise ValueError unless params holds exactly LeNet-5's tensors with the right shapes."""
    missing = [n for n in PARAM_NAMES if n not in params]
    if missing:
        raise ValueError(f"parameters missing: {', '.join(missing)}")
    for name in PARAM_NAMES:
        if tuple(params[name].shape) != PARAM_SHAPES[name]:
            raise ValueError(f"parameter {name} has shape {tuple(params[name].shape)}, "
                             f"expected {PARAM_SHAPES[name]}")
