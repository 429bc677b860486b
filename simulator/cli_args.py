"""The command line's grammar: the parser of `cnn-simulator [app|train|lecture|lesson|export]`,
its flag types (a bad value is one line, exit 2: OneLineParser) and help texts. What each
command then does is cli.py's."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, paths
from .engine.arch import GRAMMAR, LENET5_SPEC
from .engine.config import APP_CONFIG, EXP_DECAY, SCHEDULES, TrainConfig
from .engine.dataformat import MAX_CLASSES, MAX_SIZE, MIN_CLASSES, MIN_SIZE
from .errors import extra_hint
from .render.ui.script import add_arguments as add_script_arguments

COMMANDS = ("app", "train", "lecture", "lesson", "export")
LESSONS = ("graph", "regression", "learning-rate", "activations", "pooling", "rgb", "network3d", "draw", "params",
           "overfitting", "tensors")
DATA_LESSONS = ("activations", "network3d", "draw", "params", "overfitting", "tensors")   # the lessons that read --data
THEMES = ("dark", "light", "projector")   # the names of render.theme.THEMES (a test keeps them equal)
TRAIN_DEFAULTS = TrainConfig()   # `train`'s defaults live in one place: TrainConfig's fields
APP_DEFAULTS = APP_CONFIG        # the app's, beside them in config.py


def program_name() -> str:
    """How the user started the program, for --help and messages: cnn-simulator (the installed
    command), python -m simulator, or main.py (a clone)."""
    name = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else ""
    if name == "__main__.py":
        return "python -m simulator"
    return name if name in ("main.py", "cnn-simulator") else "cnn-simulator"


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a bad flag in one line (no usage dump) and exits 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _number(kind, low=None, high=None, low_open=False):
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a{'n integer' if kind is int else ' number'}")
        if kind is float and not (value == value and abs(value) != float("inf")):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
        if low is not None and (value <= low if low_open else value < low):
            raise argparse.ArgumentTypeError(f"{text} must be {'>' if low_open else '≥'} {low}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"{text} must be ≤ {high}")
        return value
    return parse


def _checkpoint(text: str) -> Path:
    """A checkpoint file; `bundled` is the trained LeNet-5 that ships inside the package."""
    return paths.BUNDLED_MODEL if text == "bundled" and not Path(text).exists() else Path(text)


def _image_size(text: str) -> tuple[int, int]:
    """'N' or 'WxH' → (H, W), each side MIN_SIZE … MAX_SIZE."""
    parts = text.lower().split("x")
    try:
        if len(parts) not in (1, 2):
            raise ValueError
        w, h = (int(parts[0]), int(parts[-1]))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size; write N (N×N) or WxH, e.g. 32 or 48x32") from None
    if not (MIN_SIZE <= w <= MAX_SIZE and MIN_SIZE <= h <= MAX_SIZE):
        raise argparse.ArgumentTypeError(f"{text}: each side must be {MIN_SIZE} to {MAX_SIZE} pixels")
    return h, w


DATA_HELP = ("the images to learn (default: the bundled MNIST): a folder of pictures in one folder per class, "
             "DIR/<class>/*.png|jpg|… (1 in 6 of each class held out as the test set) or DIR/train/<class>/… "
             f"and DIR/test/<class>/…, grey or colour, {MIN_CLASSES} to {MAX_CLASSES} classes (the folder names); "
             "or a folder of the four MNIST-format IDX files (Fashion-MNIST too); or the name 'shapes': "
             "a colour set made on first use in the user cache (32×32 blue, green or red circles and triangles, "
             "6 classes: colour and shape both count; a folder named shapes here is read instead). Decoded "
             "pictures are cached, so a second start is quick; a picture that cannot be read stops the run, "
             "naming it")


def _add_image_size_argument(p) -> None:
    p.add_argument("--image-size", type=_image_size, metavar="N|WxH",
                   help=f"resize a folder's pictures to N×N (or W×H) pixels, {MIN_SIZE} to {MAX_SIZE} "
                        f"(default: their most common size, shrunk to fit {MAX_SIZE}×{MAX_SIZE})")


def _add_model_arguments(p, batch_size: int, lr: float, lr_how: str) -> None:
    p.add_argument("--data", type=Path, metavar="DIR", help=DATA_HELP)
    p.add_argument("--lr", type=_number(float, 0, 10, low_open=True), default=lr,
                   help=f"the peak learning rate (default {lr:g}), to scale in proportion with the batch size; "
                        + lr_how)
    p.add_argument("--batch-size", type=_number(int, 1, 60000), default=batch_size,
                   help=f"images per training step (default {batch_size})")
    p.add_argument("--momentum", type=_number(float, 0, 0.999), default=TRAIN_DEFAULTS.momentum,
                   help=f"SGD momentum (default {TRAIN_DEFAULTS.momentum:g})")
    p.add_argument("--weight-decay", type=_number(float, 0, 1), default=TRAIN_DEFAULTS.weight_decay,
                   help=f"L2 weight decay (default {TRAIN_DEFAULTS.weight_decay:g})")
    p.add_argument("--seed", type=_number(int, 0, 2**32 - 1), default=0, help="random seed (default 0)")
    _add_arch_arguments(p)
    p.add_argument("--threads", type=_number(int, 1, 256),
                   help="Numba threads for the kernels (default: all cores)")


ARCH_HELP = (f"the network, as layers joined by '-': {GRAMMAR}; a flatten is implied before the first fc, "
             f"and the last layer must be fc{{N}}, N the number of classes (fc10 for MNIST). Default: LeNet-5, "
             f"{LENET5_SPEC} for MNIST; for other data its last layer is fc{{N}} and, for images of 32×32 or "
             "more, conv1 has no padding (conv6k5: LeNet-5's own 32×32 input). "
             "Example: conv8k3-relu-maxpool2-conv16k3-relu-maxpool2-fc64-relu-fc10. "
             "Shapes that do not fit the images (28×28 digits by default) are refused with the output-size formula")


def _add_arch_arguments(p) -> None:
    p.add_argument("--arch", metavar="SPEC", help=ARCH_HELP)
    p.add_argument("--activation", choices=("relu", "sigmoid", "tanh"),
                   help="make every activation of --arch this one (default: as the spec says)")
    p.add_argument("--pool", choices=("max", "avg"), help="make every pooling of --arch this kind (default: as the spec says)")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog=program_name(), description="CNN Simulator: watch a ConvNet (LeNet-5 unless --arch) "
                                                            "learn to read digits.")
    parser.add_argument("--version", action="version", version=f"cnn-simulator {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{app,train,lecture,lesson,export}", parser_class=OneLineParser)

    app = sub.add_parser("app", help="the live training window (default)")
    _add_model_arguments(app, batch_size=APP_DEFAULTS.batch_size, lr=APP_DEFAULTS.lr,
                         lr_how=f"the rate rises to it over the first {APP_DEFAULTS.warmup:g} epoch, then is "
                                f"multiplied by {EXP_DECAY:g} every epoch, with no end ([ and ] move the peak)")
    _add_image_size_argument(app)
    app.add_argument("--checkpoint", type=_checkpoint,
                     help="start from a trained model (checkpoint.npz; bundled: the trained LeNet-5)")
    app.add_argument("--theme", choices=THEMES, default="dark")
    _add_subset_argument(app)
    add_script_arguments(app)

    train = sub.add_parser("train", help="headless training with a progress bar, metrics and checkpoints")
    _add_model_arguments(train, batch_size=TRAIN_DEFAULTS.batch_size, lr=TRAIN_DEFAULTS.lr,
                         lr_how="--warmup epochs rise to it, then --schedule")
    _add_image_size_argument(train)
    _add_train_only_arguments(train)
    _add_subset_argument(train)

    lecture = sub.add_parser("lecture", help="one operation per key press, forward and backward")
    lecture.add_argument("--data", type=Path, metavar="DIR",
                         help="the images to trace a test picture of (default: the bundled MNIST): a folder of "
                              "pictures in class folders (as train takes them), a folder of MNIST-format IDX files, "
                              "or 'shapes', the generated colour set; the network is LeNet-5 adapted to them "
                              "unless --arch or --checkpoint (which must have been trained on them)")
    lecture.add_argument("--checkpoint", type=_checkpoint,
                         help="trace a trained model: a checkpoint.npz, or bundled (the trained LeNet-5 that ships "
                              "with the program) (default: freshly initialised weights, so one step visibly learns)")
    _add_arch_arguments(lecture)
    lecture.add_argument("--seed", type=_number(int, 0, 2**32 - 1), default=0)
    lecture.add_argument("--digit", type=_number(int, 0), default=0,
                         help="index of the test image to trace (a digit, or a picture of other data)")
    lecture.add_argument("--goto", type=_number(int, 1), default=1, help="open at step N (1-based)")
    lecture.add_argument("--theme", choices=THEMES, default="projector",
                         help="projector (the default: large type, high contrast), dark or light")
    lecture.add_argument("--export", type=Path, metavar="DIR", help="write every step as PNG, no window")
    lecture.add_argument("--gif", type=Path, metavar="PATH", help="write an animated GIF, no window")
    lecture.add_argument("--range", dest="step_range", metavar="A:B", help="steps for --gif/--export (1-based, inclusive)")
    add_script_arguments(lecture)

    lesson = sub.add_parser("lesson", help="one of the smaller lessons as its own window")
    lesson.add_argument("name", choices=LESSONS)
    lesson.add_argument("--theme", choices=THEMES, default="dark")
    lesson.add_argument("--image", type=Path, help="PNG for the rgb lesson (default: bundled picture)")
    lesson.add_argument("--data", type=Path, metavar="DIR",
                        help="the images the activations, network3d, overfitting, params and tensors lessons read: "
                             "a folder of MNIST-format IDX files, a folder of pictures in class folders or shapes "
                             "(as train --data; the draw lesson: MNIST-format data only) (default: the bundled MNIST)")
    lesson.add_argument("--checkpoint", type=_checkpoint,
                        help="model for the draw, network3d and tensors lessons, and the network the params lesson "
                             "counts; its data format must be --data's (without --data: MNIST, or shapes for a "
                             "network trained on it) (default: the bundled trained LeNet-5 for MNIST-format data, "
                             "fresh weights of LeNet-5 for other data)")
    lesson.add_argument("--untrained", action="store_true", help="draw/network3d/tensors: do not load the bundled model")
    lesson.add_argument("--export", type=Path, metavar="PATH", help="write the scene as PNG (or .gif), no window")
    add_script_arguments(lesson, frames_note=" (with --export PATH.gif: the GIF's frame count)",
                         size_note="; with --export, the picture's size")

    export = sub.add_parser("export", help="write a trained network as ONNX (needs the onnx extra)",
                            description="Write CHECKPOINT's network as an ONNX file. Its input 'image' "
                                        "[N,C,H,W] is raw pixels in [0, 1] ([N,1,28,28] for MNIST; C = 3, "
                                        "R, G, B, for colour data; the graph normalises them); its output "
                                        "'logits' [N,classes], the class names in its metadata ('classes'). "
                                        f"Needs the onnx extra: {extra_hint('onnx', 'onnx onnxruntime')}.")
    export.add_argument("checkpoint", type=_checkpoint, metavar="CHECKPOINT",
                        help="a checkpoint.npz, or bundled: the trained LeNet-5 that ships with the program")
    export.add_argument("out", type=Path, metavar="OUT.onnx", help="the ONNX file to write")

    return parser


def _add_train_only_arguments(p) -> None:
    d = TRAIN_DEFAULTS
    p.add_argument("--epochs", type=_number(int, 0, 1000), default=d.epochs, help=f"epochs to train (default {d.epochs})")
    p.add_argument("--schedule", choices=SCHEDULES, default=d.schedule,
                   help=f"learning rate over the run: --warmup epochs rising from 0 to --lr, then cosine or "
                        f"linear decay to 0 at the last epoch; constant: --lr throughout (default {d.schedule})")
    p.add_argument("--warmup", type=_number(float, 0, 1000), default=d.warmup, metavar="EPOCHS",
                   help=f"epochs of learning-rate warm-up (default {d.warmup:g})")
    p.add_argument("--shift", type=_number(int, 0, 8), default=d.shift, metavar="PX",
                   help=f"move each training image by up to ±PX pixels at random, 0 = off (default {d.shift})")
    p.add_argument("--out", type=Path, metavar="DIR", help="run folder (default runs/<date-time>)")
    p.add_argument("--resume", type=Path, metavar="CKPT", help="continue from a checkpoint.npz")
    p.add_argument("--tensorboard", type=Path, metavar="DIR",
                   help="also write TensorBoard events here: loss and accuracy, the network's graph, its filters and "
                        "feature maps (needs the tensorboard extra; view: tensorboard --logdir DIR)")


def _add_subset_argument(p) -> None:
    p.add_argument("--subset", type=_number(int, 1), metavar="N", help="train on the first N images only")
