"""Training settings and the learning-rate schedule; light to import (no Numba), so the command
line reads its defaults from here: TrainConfig's field defaults ARE `train`'s defaults.

Why these defaults (the figures are in README "Measured results"):
- batch 128: the engine handles more images per second at larger batches (each kernel call and
  each hand-over to the thread pool has a fixed cost), and 5 epochs still make ~2,350 updates;
- peak learning rate 0.08: the older 0.02 at batch 32 scaled with the batch (Goyal et al. 2017:
  the same step per image seen); 0.2 at batch 128 killed the ReLUs (stuck at 11%);
- linear warm-up over the first 0.3 epoch: a large step on freshly initialised weights
  overshoots; rising from ~0 lets them settle first;
- then cosine decay to 0 at the last step (Loshchilov & Hutter 2017): big steps while far from
  a minimum, small ones at the end, where most of the final accuracy is made;
- random shifts of up to ±2 pixels: the model must recognise a digit wherever it sits, the
  augmentation LeCun et al. (1998) used for LeNet-5 itself; without it 5 epochs ended at
  ~99.0-99.1% here whatever the batch and rate, with it 99.3%;
- momentum 0.9 and weight decay 5e-4, the usual SGD companions.

The network is `arch`, a spec (arch.py; LeNet-5 for MNIST by default). `activation` and `pool`,
when set (the --activation/--pool flags, the lessons, old checkpoints), switch every activation
or pooling layer of it (Arch.with_kinds); they are folded into `arch` when the config is made,
so `arch` is always the canonical spec of the network that trains. The spec holds no input
shape: `network(fmt)` builds it for the data's format (dataformat.py; MNIST's by default) and
checks every shape then.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .arch import LENET5_SPEC, build, canonical
from .dataformat import MNIST, DataFormat

SCHEDULES = ("cosine", "linear", "constant", "exp")
EXP_DECAY = 0.7      # "exp": the learning rate is multiplied by this every epoch after the warm-up


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 5
    batch_size: int = 128
    lr: float = 0.08           # the peak learning rate (constant schedule: the learning rate)
    momentum: float = 0.9
    weight_decay: float = 5e-4
    schedule: str = "cosine"   # after warm-up, cosine or linear decay to 0 at `epochs`; exp: × EXP_DECAY
                               # per epoch, no end needed (the app); constant: lr stays
    warmup: float = 0.3        # epochs of linear warm-up from 0 to lr (not used by constant)
    shift: int = 2             # training images moved by up to ±shift pixels at random (0: as they are)
    seed: int = 0
    arch: str = LENET5_SPEC    # the network (arch.py's spec); ArchError if it does not work
    activation: str | None = None   # relu|sigmoid|tanh: every activation of arch becomes this
    pool: str | None = None         # max|avg: every pooling of arch becomes this

    def __post_init__(self):
        if not isinstance(self.arch, str):
            raise ValueError(f"arch must be a spec string, got {type(self.arch).__name__}")
        object.__setattr__(self, "arch", canonical(self.arch, self.activation, self.pool))

    def network(self, fmt: DataFormat = MNIST):
        """The checked arch.Arch for data of format `fmt`: `arch` with the activation/pool
        overrides applied, its input fmt's C×H×W; ArchError if it does not fit."""
        return build(self.arch, fmt.input_shape, fmt.n_classes)

    def model_config(self, fmt: DataFormat = MNIST):
        from .model import NetConfig
        return NetConfig(arch=self.network(fmt), seed=self.seed)

    def as_dict(self) -> dict:
        return asdict(self)


# The live app's preset (`app`'s flags and render/app.py's AppOptions read it): train's batch,
# warm-up and shifted images, but a schedule that needs no end, since the app runs until the
# window closes: after the warm-up the rate is multiplied by EXP_DECAY every epoch, the large
# early steps and small late ones of train's cosine without knowing the last step. Measured
# headless, seeds 0-2 (issue 20; test accuracy after 4 and 6 epochs, conv2 maps all zero per
# test digit after epoch 1):
#   peak 0.05, × 0.7:  99.02-99.19%, 99.13-99.21%;  0.01-0.3 dead
#   peak 0.08, × 0.7:  98.83-99.14%, 99.07-99.20%;  0.1-0.8 dead (before the logits' init was
#                      scaled down: one or two maps silenced for good in 2 of 3 seeds, 1.0-2.1)
#   peak 0.05, × 0.5:  98.92-99.12%, flat after (the rate dies out too soon)
APP_CONFIG = TrainConfig(batch_size=128, lr=0.05, schedule="exp", warmup=0.3)


def scheduled_lr(schedule: str, peak: float, step: int, total_steps: int, warmup_steps: float,
                 steps_per_epoch: float = 1.0) -> float:
    """The learning rate of step `step` (0-based) of a run of total_steps.

        warm-up (step < W):  peak · (step + 1) / W          (never 0: the first step moves)
        then, with t = (step − W) / (total − W) in [0, 1]:
        cosine:   peak · ½ (1 + cos πt)            linear:   peak · (1 − t)
        exp:      peak · EXP_DECAY^((step − W) / steps_per_epoch)   (total_steps not used: no end)
        constant: peak, always (no warm-up)
    """
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule must be one of {SCHEDULES}, got {schedule!r}")
    if schedule == "constant":
        return peak
    if schedule == "exp":
        warmup_steps = max(0.0, warmup_steps)
        if step < warmup_steps:
            return peak * min(1.0, (step + 1) / warmup_steps)
        return peak * EXP_DECAY ** ((step - warmup_steps) / max(1e-9, steps_per_epoch))
    if total_steps <= 0:
        return peak
    warmup_steps = min(max(0.0, warmup_steps), total_steps)
    if step < warmup_steps:
        return peak * min(1.0, (step + 1) / warmup_steps)
    t = min(1.0, (step - warmup_steps) / max(1e-9, total_steps - warmup_steps))
    if schedule == "cosine":
        return 0.5 * peak * (1.0 + math.cos(math.pi * t))
    return peak * (1.0 - t)
