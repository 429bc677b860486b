"""The lecture's recording: one digit through the real engine, forward, backward, one update.

Everything the lecture shows is read from a LectureTrace, so stepping back and forth is just
indexing, and every number on screen is one the engine produced here. The network is the
config's Arch (arch.py): LeNet-5 by default, any spec with --arch.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import ops
from ..data import MEAN, STD, normalise
from ..arch import Act, Arch, Pool
from ..model import ACT_BACKWARD, Network, NetConfig, softmax
from ..optim import SGD

LECTURE_LR = 0.001    # α of the lecture's one step: one digit's gradient is large, so keep it small


@dataclass(frozen=True, eq=False)
class LectureTrace:
    """One recorded forward + backward pass on one image, and one SGD step on it."""
    image: np.ndarray            # uint8 [28,28], the digit as stored
    label: int
    source: str                  # "test image #12" or "your drawing"
    config: NetConfig            # config.arch: the network
    trained: bool                # weights from a checkpoint (True) or freshly initialised
    lr: float
    params: dict                 # parameters before the update
    outputs: dict                # every named forward tensor (config.arch.tensor_names), batch of 1
    pool_masks: dict             # each max pool ("pool1", …) → 1 where a window's gradient goes
    act_derivs: dict             # each activation ("act1", …) → ∂y/∂x (ReLU: the 1/0 mask)
    loss: float                  # cross-entropy on this digit, before the update
    dlogits: np.ndarray          # ∂L/∂logits [1,10] from softmax_cross_entropy
    probs: np.ndarray            # softmax(logits) [1,10]
    exps: np.ndarray             # e^(z_k − max z) [1,10], float64
    param_grads: dict            # ∂L/∂θ by parameter name (config.arch.param_shapes)
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

    @property
    def arch(self) -> Arch:
        """The network traced."""
        return self.config.arch

    def layer(self, name: str):
        """The Arch layer whose output is tensor `name`."""
        return next(layer for layer in self.arch.layers if layer.name == name)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def record_trace(image: np.ndarray, label: int, params: dict | None = None,
                 config: NetConfig = NetConfig(), source: str = "",
                 lr: float = LECTURE_LR) -> LectureTrace:
    """Run the engine once on `image` (uint8 28×28): forward, loss, backward, one plain SGD
    step (no momentum, no weight decay: θ ← θ − α∇J) and the loss again with the new θ."""
    image = np.asarray(image)
    if image.shape != (28, 28) or image.dtype != np.uint8:
        raise ValueError(f"record_trace: image must be uint8 28×28, got {image.dtype} {image.shape}")
    trained = params is not None
    model = Network(config, None if params is None
                    else {k: np.array(params[k], np.float32) for k in config.arch.param_shapes})
    before = {k: v.copy() for k, v in model.params.items()}
    x = normalise(image[None])
    labels = np.array([label], np.int64)

    fwd = model.forward(x)
    loss, dlogits = ops.softmax_cross_entropy(fwd.outputs["logits"], labels)
    param_grads, grads = model.backward(dlogits, fwd)
    logits64 = fwd.outputs["logits"].astype(np.float64)
    exps = np.exp(logits64 - logits64.max(axis=1, keepdims=True))

    SGD(model.params, lr=lr, momentum=0.0, weight_decay=0.0).step(param_grads)
    after_logits = model.forward(x).outputs["logits"]
    loss_after, _ = ops.softmax_cross_entropy(after_logits, labels)

    arch = config.arch         # the 1/0 routing mask is max-pool backward of all ones
    masks = {p.name: _frozen(ops.maxpool2d_backward(np.ones_like(fwd.outputs[p.name]), fwd.caches[p.name]))
             for p in arch.of_type(Pool) if p.kind == "max"}
    derivs = {a.name: _frozen(ACT_BACKWARD[a.kind](np.ones_like(fwd.outputs[a.name]), fwd.caches[a.name]))
              for a in arch.of_type(Act)}
    return LectureTrace(
        image=_frozen(image), label=int(label), source=source, config=config, trained=trained,
        lr=float(lr), params={k: _frozen(v) for k, v in before.items()},
        outputs={k: _frozen(v) for k, v in fwd.outputs.items()}, pool_masks=masks, act_derivs=derivs,
        loss=float(loss), dlogits=_frozen(dlogits), probs=_frozen(softmax(fwd.outputs["logits"])),
        exps=_frozen(exps), param_grads={k: _frozen(v) for k, v in param_grads.items()},
        grads={k: _frozen(v) for k, v in grads.items()},
        params_after={k: _frozen(v) for k, v in model.params.items()},
        loss_after=float(loss_after), probs_after=_frozen(softmax(after_logits)))


# ----------------------------------------------------------------------------- drawn digits

# Re-exported so steps can name the constants they show.
NORM_MEAN, NORM_STD = MEAN, STD
