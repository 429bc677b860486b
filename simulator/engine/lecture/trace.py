"""The lecture's recording: one picture through the real engine, forward, backward, one update.

Everything the lecture shows is read from a LectureTrace, so stepping back and forth is just
indexing, and every number on screen is one the engine produced here. The network is the
config's Arch (arch.py): LeNet-5 by default, any spec with --arch. The data's format
(dataformat.py: channels, size, class names, per-channel normalisation) says what a picture
is: MNIST's grey 28×28 digits by default, any grey or colour format otherwise.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .. import ops
from ..data import normalise
from ..arch import Act, Arch, Pool
from ..dataformat import DIGITS, MNIST, DataFormat
from ..model import ACT_BACKWARD, Network, NetConfig, softmax
from ..optim import SGD

# α of the lecture's one step is chosen so that the step visibly learns: the smallest rate on this
# 1-2-5 ladder that raises the label's probability by VISIBLE (or, when it is already near 1, by
# half of what is left to 1, so the loss at least halves), and lowers the loss.
LR_LADDER = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5)
VISIBLE = 0.1
LECTURE_LR = None     # record_trace's default: choose from LR_LADDER


@dataclass(frozen=True, eq=False)
class LectureTrace:
    """One recorded forward + backward pass on one image, and one SGD step on it."""
    image: np.ndarray            # uint8 [H,W] (grey) or [H,W,3] (colour), the picture as stored
    label: int
    source: str                  # "test image #12" or "your drawing"
    config: NetConfig            # config.arch: the network
    trained: bool                # weights from a checkpoint (True) or freshly initialised
    lr: float
    params: dict                 # parameters before the update
    outputs: dict                # every named forward tensor (config.arch.tensor_names), batch of 1
    pool_masks: dict             # each max pool ("pool1", …) → 1 where a window's gradient goes
    act_derivs: dict             # each activation ("act1", …) → ∂y/∂x (ReLU: the 1/0 mask)
    loss: float                  # cross-entropy on this picture, before the update
    dlogits: np.ndarray          # ∂L/∂logits [1,K] from softmax_cross_entropy (K classes)
    probs: np.ndarray            # softmax(logits) [1,K]
    exps: np.ndarray             # e^(z_k − max z) [1,K], float64
    param_grads: dict            # ∂L/∂θ by parameter name (config.arch.param_shapes)
    grads: dict                  # ∂L/∂(named tensor) for every forward tensor
    params_after: dict           # θ − α·∇θ
    loss_after: float            # cross-entropy on this picture with params_after
    probs_after: np.ndarray      # softmax after the update [1,K]
    logits_after: np.ndarray     # the logits after the update [1,K]
    lr_rule: tuple = ()          # why this α: parts of a caption (words and step.Nums)
    format: DataFormat = MNIST   # the data's: channels, size, class names, normalisation

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
        if name in ("comp:probs", "comp:probs_after"):    # 1 − p, exactly (p near 1 writes as 1 − this)
            z = self.outputs["logits"] if name == "comp:probs" else self.logits_after
            return complement(z)
        if name == "rest":        # Σ_{j≠y} e^(z_j − z_y): the loss is ln(1 + rest)
            z = self.outputs["logits"][0].astype(np.float64)
            return np.array([np.exp(np.delete(z, self.label) - z[self.label]).sum()])
        if name == "norm":        # [C,256]: every pixel value 0…255 of each channel normalised as the input is
            ramp = np.repeat(np.arange(256, dtype=np.uint8)[None, None, :, None], self.format.channels, axis=3)
            return normalise(ramp if self.format.colour else ramp[..., 0], fmt=self.format)[0, :, 0]
        if name == "pixels":      # the picture as the network's layout: uint8 [C,H,W]
            return self.image[None] if self.image.ndim == 2 else np.moveaxis(self.image, 2, 0)
        simple = {"image": self.image, "probs": self.probs, "exps": self.exps,
                  "probs_after": self.probs_after, "dlogits": self.dlogits,
                  "loss": np.array(self.loss), "loss_after": np.array(self.loss_after),
                  "mean": np.array(self.format.mean), "std": np.array(self.format.std),
                  "onehot": np.eye(self.format.n_classes, dtype=np.int64)[self.label][None],
                  "ladder": np.array(LR_LADDER),     # the rates the one-step demonstration may use
                  "visible": np.array(VISIBLE)}      # the rise in p it asks of a step
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

    # --- how the lecture names what it traces ------------------------------------------
    @property
    def digits(self) -> bool:
        """The classes are the ten digits (MNIST, Fashion-MNIST's IDX files): the lecture says
        "digit"; otherwise "class" and the classes' names."""
        return self.format.classes == DIGITS

    @property
    def thing(self) -> str:
        """What one input is called: 'digit' or 'picture'."""
        return "digit" if self.digits else "picture"

    @property
    def kind(self) -> str:
        """What one score is for: 'digit' or 'class'."""
        return "digit" if self.digits else "class"

    def class_words(self, k: int) -> str:
        """Class k in a sentence: 7 for a digit, 'red-circle' (in quotes) for a named class."""
        return str(k) if self.digits else f"'{self.format.classes[k]}'"

    @property
    def label_words(self) -> str:
        """The label in a sentence: 7, or 'red-circle' (class 4)."""
        return self.class_words(self.label) + ("" if self.digits else f" (class {self.label})")


def complement(logits: np.ndarray) -> np.ndarray:
    """[1,K] → 1 − softmax, computed as Σ_{j≠k} e^(z_j − m) / Σ_j e^(z_j − m) in float64, so a
    probability of 1 − 4.2×10⁻⁵ keeps every digit of its 4.2×10⁻⁵."""
    z = np.asarray(logits, np.float64)[0]
    e = np.exp(z - z.max())
    total = e.sum()
    return np.array([[(total - e[k]) / total if e[k] < 0.5 * total else np.delete(e, k).sum() / total
                      for k in range(len(z))]])


def _frozen(a: np.ndarray) -> np.ndarray:
    a = np.array(a, copy=True)
    a.setflags(write=False)
    return a


def picture_shape(fmt: DataFormat) -> tuple[int, ...]:
    """How a picture of format fmt is stored: (H, W) grey, (H, W, C) colour."""
    return (fmt.height, fmt.width) + ((fmt.channels,) if fmt.colour else ())


def record_trace(image: np.ndarray, label: int, params: dict | None = None,
                 config: NetConfig = NetConfig(), source: str = "",
                 lr: float | None = LECTURE_LR, fmt: DataFormat = MNIST) -> LectureTrace:
    """Run the engine once on `image` (uint8, as fmt stores a picture: [H,W] grey, [H,W,3]
    colour; MNIST's 28×28 by default): forward, loss, backward, one plain SGD step (no
    momentum, no weight decay: θ ← θ − α∇J) and the loss again with the new θ.
    lr None: α is chosen by choose_lr (the step must visibly learn)."""
    image = np.asarray(image)
    want = picture_shape(fmt)
    if image.shape != want or image.dtype != np.uint8:
        raise ValueError(f"record_trace: image must be uint8 {'×'.join(map(str, want))}, got {image.dtype} "
                         f"{image.shape}")
    arch = config.arch
    if arch.input_shape != fmt.input_shape or arch.shape_of("logits")[0] != fmt.n_classes:
        raise ValueError(f"record_trace: the network takes {arch.input_shape} in {arch.shape_of('logits')[0]} "
                         f"classes, the data is {fmt.describe()}")
    if not 0 <= int(label) < fmt.n_classes:
        raise ValueError(f"record_trace: label {label} of {fmt.n_classes} classes")
    trained = params is not None
    model = Network(config, None if params is None
                    else {k: np.array(params[k], np.float32) for k in config.arch.param_shapes})
    before = {k: v.copy() for k, v in model.params.items()}
    x = normalise(image[None], fmt=fmt)
    labels = np.array([label], np.int64)

    fwd = model.forward(x)
    loss, dlogits = ops.softmax_cross_entropy(fwd.outputs["logits"], labels)
    param_grads, grads = model.backward(dlogits, fwd)
    logits64 = fwd.outputs["logits"].astype(np.float64)
    exps = np.exp(logits64 - logits64.max(axis=1, keepdims=True))

    rule = ""
    if lr is None:
        lr, rule = choose_lr(model, x, labels, param_grads, float(softmax(fwd.outputs["logits"])[0, label]), loss,
                             "digit" if fmt.classes == DIGITS else "picture")
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
        loss_after=float(loss_after), probs_after=_frozen(softmax(after_logits)),
        logits_after=_frozen(after_logits), lr_rule=rule, format=fmt)


def choose_lr(model: Network, x: np.ndarray, labels: np.ndarray, grads: dict, p_before: float,
              loss: float, thing: str = "digit") -> tuple[float, tuple]:
    """(α, why as caption parts): the smallest α of LR_LADDER whose plain SGD step raises p_label
    by min(VISIBLE, (1 − p_before)/2) and lowers the loss; failing that, the one that raises
    p_label most while lowering the loss; failing that, the smallest."""
    from .step import Num
    want = min(VISIBLE, (1.0 - p_before) / 2)
    first, last = Num(LR_LADDER[0], "ladder", (0,)), Num(LR_LADDER[-1], "ladder", (len(LR_LADDER) - 1,))
    tried = []
    for lr in LR_LADDER:
        trial = {k: v.copy() for k, v in model.params.items()}
        SGD(trial, lr=lr, momentum=0.0, weight_decay=0.0).step(grads)
        logits = Network(model.config, trial).forward(x).outputs["logits"]
        after, _ = ops.softmax_cross_entropy(logits, labels)
        p = float(softmax(logits)[0, labels[0]])
        if p - p_before >= want and after < loss:
            amount = (("by at least ", Num(VISIBLE, "visible")) if want == VISIBLE else
                      ("by at least half of what it lacks to 1",))
            return lr, ("the smallest rate of the 1-2-5 ladder from ", first,
                        f" whose step raises this {thing}'s probability ", *amount)
        tried.append((p if after < loss else -np.inf, lr))
    best_p, best_lr = max(tried, key=lambda t: (t[0], -t[1]))
    if best_p > -np.inf:
        return best_lr, ("the rate of the 1-2-5 ladder from ", first, " to ", last,
                         f" whose step raises this {thing}'s probability most")
    return LR_LADDER[0], ("the smallest of the 1-2-5 ladder: no rate up to ", last, f" lowers this {thing}'s loss")

