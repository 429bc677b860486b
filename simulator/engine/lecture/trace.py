"""The lecture's recording: one digit through the real engine, forward, backward, one update.

Everything the lecture shows is read from a LectureTrace, so stepping back and forth is just
indexing, and every number on screen is one the engine produced here. The network is an
Arch (arch.py): LeNet-5 by default, any spec with --arch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import arch as archs
from .. import ops
from ..arch import Act, Arch, Conv, Dense, Flatten, Pool
from ..data import MEAN, STD, normalise
from ..model import softmax
from ..optim import SGD

LECTURE_LR = 0.001    # α of the lecture's one step: one digit's gradient is large, so keep it small

_ACT = {"relu": (ops.relu_forward, ops.relu_backward), "sigmoid": (ops.sigmoid_forward, ops.sigmoid_backward),
        "tanh": (ops.tanh_forward, ops.tanh_backward)}
_POOL = {"max": (ops.maxpool2d_forward, ops.maxpool2d_backward),
         "avg": (ops.avgpool2d_forward, ops.avgpool2d_backward)}


@dataclass(frozen=True, eq=False)
class LectureTrace:
    """One recorded forward + backward pass on one image, and one SGD step on it."""
    image: np.ndarray            # uint8 [28,28], the digit as stored
    label: int
    source: str                  # "test image #12" or "your drawing"
    arch: Arch                   # the network traced (arch.LENET5 by default)
    seed: int                    # the seed of freshly initialised weights
    trained: bool                # weights from a checkpoint (True) or freshly initialised
    lr: float
    params: dict                 # parameters before the update (arch.param_shapes)
    outputs: dict                # every named forward tensor (arch.tensor_names), batch of 1
    pool_masks: dict             # max-pool layer name → how many windows' gradient each cell gets (1/0)
    act_derivs: dict             # activation layer name → ∂y/∂x (ReLU: the 1/0 mask)
    loss: float                  # cross-entropy on this digit, before the update
    dlogits: np.ndarray          # ∂L/∂logits [1,10] from softmax_cross_entropy
    probs: np.ndarray            # softmax(logits) [1,10]
    exps: np.ndarray             # e^(z_k − max z) [1,10], float64
    param_grads: dict            # ∂L/∂θ by parameter name
    grads: dict                  # ∂L/∂(named tensor) for every forward tensor
    params_after: dict           # θ − α·∇θ
    loss_after: float            # cross-entropy on this digit with params_after
    probs_after: np.ndarray      # softmax after the update [1,10]

    def tensor(self, name: str) -> np.ndarray:
        """A tensor by the names Steps use: a layer ('conv1'), a parameter ('conv1_w'),
        a gradient ('d:conv1', 'd:conv1_w'), an updated parameter ('new:conv1_w')."""
        if name.startswith("d:"):
            key = name[2:]
            return self.param_grads[key] if key in self.param_grads else self.grads[key]
        if name.startswith("new:"):
            return self.params_after[name[4:]]
        if name.startswith("deriv:"):
            return self.act_derivs[name[6:]]
        if name.startswith("mask:"):
            return self.pool_masks[name[5:]]
        simple = {"image": self.image, "probs": self.probs, "exps": self.exps,
                  "probs_after": self.probs_after, "dlogits": self.dlogits,
                  "loss": np.array(self.loss), "loss_after": np.array(self.loss_after),
                  "onehot": np.eye(10, dtype=np.int64)[self.label][None]}
        if name in simple:
            return simple[name]
        if name in self.params:
            return self.params[name]
        return self.outputs[name]

    def layer(self, name: str):
        """The Arch layer whose output is tensor `name`."""
        return next(layer for layer in self.arch.layers if layer.name == name)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def init_params(arch: Arch, seed: int = 0, dtype=np.float32) -> dict[str, np.ndarray]:
    """He-normal weights before a ReLU, Glorot-uniform otherwise; biases zero; seeded (for
    LeNet-5 the same draws as model.init_params)."""
    rng = np.random.default_rng(seed)
    params = {}
    layers = arch.layers
    for i, layer in enumerate(layers):
        if not isinstance(layer, (Conv, Dense)):
            continue
        key = arch.param_prefix(layer)
        shape = arch.param_shapes[f"{key}_w"]
        fan_in, fan_out = ((shape[1] * shape[2] * shape[3], shape[0] * shape[2] * shape[3]) if len(shape) == 4
                           else shape)
        follows = layers[i + 1] if i + 1 < len(layers) else None
        if isinstance(follows, Act) and follows.kind == "relu":
            w = rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
        else:
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            w = rng.uniform(-limit, limit, shape)
        params[f"{key}_w"] = np.ascontiguousarray(w, dtype=dtype)
        params[f"{key}_b"] = np.zeros(arch.param_shapes[f"{key}_b"], dtype)
    return params


def forward(arch: Arch, params: dict, x: np.ndarray) -> tuple[dict, dict]:
    """x[N,1,28,28] → (every named tensor, every layer's cache), op by op as the lecture tells it."""
    out, caches, prev = {"input": x}, {}, x
    for layer in arch.layers:
        key = arch.param_prefix(layer)
        if isinstance(layer, Conv):
            y, c = ops.conv2d_forward(prev, params[f"{key}_w"], params[f"{key}_b"], layer.stride, layer.padding)
        elif isinstance(layer, Act):
            y, c = _ACT[layer.kind][0](prev)
        elif isinstance(layer, Pool):
            y, c = _POOL[layer.kind][0](prev, layer.size, layer.stride)
        elif isinstance(layer, Flatten):
            y, c = prev.reshape(prev.shape[0], -1), None
        else:
            y, c = ops.dense_forward(prev, params[f"{key}_w"], params[f"{key}_b"])
        out[layer.name], caches[layer.name], prev = y, c, y
    return out, caches


def backward(arch: Arch, outputs: dict, caches: dict, dlogits: np.ndarray) -> tuple[dict, dict]:
    """∂L/∂logits → (parameter gradients, gradient of every named tensor), layer by layer backwards."""
    names = arch.tensor_names
    g, d = {}, {"logits": dlogits}
    for i in reversed(range(len(arch.layers))):
        layer, x_name = arch.layers[i], names[i]
        dy, c, key = d[layer.name], caches[layer.name], arch.param_prefix(layer)
        if isinstance(layer, Conv):
            d[x_name], g[f"{key}_w"], g[f"{key}_b"] = ops.conv2d_backward(dy, c)
        elif isinstance(layer, Act):
            d[x_name] = _ACT[layer.kind][1](dy, c)
        elif isinstance(layer, Pool):
            d[x_name] = _POOL[layer.kind][1](dy, c)
        elif isinstance(layer, Flatten):
            d[x_name] = dy.reshape(outputs[x_name].shape)
        else:
            d[x_name], g[f"{key}_w"], g[f"{key}_b"] = ops.dense_backward(dy, c)
    return {k: g[k] for k in arch.param_shapes}, d


def record_trace(image: np.ndarray, label: int, params: dict | None = None, arch: Arch = archs.LENET5,
                 seed: int = 0, source: str = "", lr: float = LECTURE_LR) -> LectureTrace:
    """Run the engine once on `image` (uint8 28×28): forward, loss, backward, one plain SGD
    step (no momentum, no weight decay: θ ← θ − α∇J) and the loss again with the new θ."""
    image = np.asarray(image)
    if image.shape != (28, 28) or image.dtype != np.uint8:
        raise ValueError(f"record_trace: image must be uint8 28×28, got {image.dtype} {image.shape}")
    trained = params is not None
    if params is None:
        params = init_params(arch, seed)
    params = {k: np.array(params[k], np.float32) for k in arch.param_shapes}
    before = {k: v.copy() for k, v in params.items()}
    x = normalise(image[None])
    labels = np.array([label], np.int64)

    outputs, caches = forward(arch, params, x)
    loss, dlogits = ops.softmax_cross_entropy(outputs["logits"], labels)
    param_grads, grads = backward(arch, outputs, caches, dlogits)
    logits64 = outputs["logits"].astype(np.float64)
    exps = np.exp(logits64 - logits64.max(axis=1, keepdims=True))

    SGD(params, lr=lr, momentum=0.0, weight_decay=0.0).step(param_grads)
    after_logits = forward(arch, params, x)[0]["logits"]
    loss_after, _ = ops.softmax_cross_entropy(after_logits, labels)

    # the 1/0 routing mask is max-pool backward of all ones; an activation's slope, its backward of ones
    masks = {layer.name: _frozen(ops.maxpool2d_backward(np.ones_like(outputs[layer.name]), caches[layer.name]))
             for layer in arch.of_type(Pool) if layer.kind == "max"}
    derivs = {layer.name: _frozen(_ACT[layer.kind][1](np.ones_like(outputs[layer.name]), caches[layer.name]))
              for layer in arch.of_type(Act)}
    return LectureTrace(
        image=_frozen(image), label=int(label), source=source, arch=arch, seed=int(seed), trained=trained,
        lr=float(lr), params={k: _frozen(v) for k, v in before.items()},
        outputs={k: _frozen(v) for k, v in outputs.items()}, pool_masks=masks, act_derivs=derivs,
        loss=float(loss), dlogits=_frozen(dlogits), probs=_frozen(softmax(outputs["logits"])),
        exps=_frozen(exps), param_grads={k: _frozen(v) for k, v in param_grads.items()},
        grads={k: _frozen(v) for k, v in grads.items()},
        params_after={k: _frozen(v) for k, v in params.items()},
        loss_after=float(loss_after), probs_after=_frozen(softmax(after_logits)))


# Re-exported so steps can name the constants they show.
NORM_MEAN, NORM_STD = MEAN, STD
