"""Command line: `cnn-simulator [app|train|lecture|lesson|export]` (or `python -m simulator`, or
`python main.py` in a clone); `app` is the default.

Bad input ends in one line naming the problem and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__, paths
from .display import has_display
from .engine.arch import GRAMMAR, LENET5_SPEC, build, canonical, lenet5_spec
from .engine.config import APP_CONFIG, EXP_DECAY, SCHEDULES, TrainConfig
from .engine.dataformat import MAX_CLASSES, MAX_SIZE, MIN_CLASSES, MIN_SIZE, MNIST
from .errors import UserError, extra_hint
from .render.ui.script import add_arguments as add_script_arguments

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

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


def train_config(args, base: TrainConfig = TRAIN_DEFAULTS, fmt=MNIST):
    """The TrainConfig of the command's flags for data of format fmt; a field the command has no
    flag for keeps base's, and no --arch is LeNet-5 with one output per class of fmt."""
    import dataclasses
    names = [f.name for f in dataclasses.fields(TrainConfig)]
    given = {n: getattr(args, n) for n in names if hasattr(args, n)}
    if given.get("arch") is None:
        given["arch"] = lenet5_spec((fmt.height, fmt.width), fmt.n_classes)
    return TrainConfig(**{**base.as_dict(), **given})


def app_options(args):
    """The app's options from the `app` command's flags (the screens never read the command line)."""
    from .render.app.run import AppOptions
    bundled = paths.BUNDLED_MODEL if paths.BUNDLED_MODEL.is_file() else None
    return AppOptions(config=train_config(args, APP_DEFAULTS), arch=args.arch, data=args.data, image_size=args.image_size,
                      checkpoint=args.checkpoint, subset=args.subset, threads=args.threads, theme=args.theme,
                      size=args.size, keys=args.keys, max_frames=args.max_frames, screenshot=args.screenshot,
                      lesson_model=args.checkpoint if not_mnist(args.data) else bundled)


def run_train(args) -> int:
    import time
    from .engine.background import set_threads
    from .engine.data import load_dataset
    from .engine.train import RunOptions, network_fits, run
    from .render.curves import save_curves
    if args.threads:
        set_threads(args.threads)
    out = args.out or paths.RUNS_DIR / time.strftime("%Y%m%d-%H%M%S")
    subset = (args.subset, max(1, args.subset // 6)) if args.subset else None

    def accept(fmt):                      # a network that does not fit the images: refused before any note
        network_fits(train_config(args, fmt=fmt), fmt, args.data)
    data = load_dataset(args.data, args.image_size, log=lambda line: print(line, file=sys.stderr), progress=True,
                        accept=accept)
    result = run(train_config(args, fmt=data.format),
                 RunOptions(out_dir=out, data_dir=args.data, image_size=args.image_size, resume=args.resume,
                            tensorboard_dir=args.tensorboard, subset=subset, data=data, curves=save_curves))
    acc = f"{result.test_acc:.2%}" if result.test_acc is not None else "n/a"
    print(f"{result.status}: {result.epochs_done} epochs, test accuracy {acc}, "
          f"{result.seconds:.1f} s; outputs in {out}")
    return {"finished": 0, "interrupted": 0, "diverged": 1}[result.status]


def check_window_flags(args, no_window: str | None) -> None:
    """--keys, --max-frames, --screenshot and --size drive a window: refuse them where none opens."""
    if no_window is None:
        return
    given = [flag for flag, on in (("--keys", args.keys), ("--screenshot", args.screenshot),
                                   ("--max-frames", args.max_frames and args.command == "lecture")) if on]
    if given:
        raise UserError(f"{', '.join(given)} {'goes' if len(given) == 1 else 'go'} with the window, "
                        f"not with {no_window}")


def check_arch(args) -> None:
    """--arch (with --activation/--pool applied) must parse, and build on MNIST's 28×28 digits
    unless --data may hold other images (train, lecture, the app: checked when they are read):
    ArchError, one line with the formula, exit 2."""
    if getattr(args, "arch", None) is None:
        return
    canonical(args.arch, args.activation, args.pool)
    if args.command not in ("train", "lecture", "app") or args.data is None:
        build(args.arch).with_kinds(args.activation, args.pool)


# The windows that show any data format (colour, other sizes and classes); the others show
# MNIST-format data (1×28×28, the 10 digits) and refuse the rest in one line. (A lesson that
# shows any format refuses a checkpoint whose format differs from --data itself:
# engine/lessons/source.py. Drawing a digit by hand only makes sense for MNIST's format.)
ANY_FORMAT = {"app": True, "lecture": True, "lesson": {"network3d": True, "params": True, "tensors": True,
                                                         "overfitting": True, "activations": True, "draw": False}}


def not_mnist(data) -> bool:
    """Is --data (a path or None) other than MNIST-format data, told without reading it: the
    shapes set, or a folder of pictures (an IDX folder is MNIST's format)?"""
    from .engine.data import SHAPES, is_idx_folder
    return data is not None and (str(data) == SHAPES and not data.exists() or data.is_dir() and not is_idx_folder(data))


def shows_any_format(args) -> bool:
    ok = ANY_FORMAT.get(args.command, False)
    return ok.get(args.name, False) if isinstance(ok, dict) else ok


def check_window_data(args) -> None:
    """A window that shows MNIST-format data only (ANY_FORMAT) refuses a folder of pictures,
    `shapes` or a checkpoint trained on other data in one line, pointing to `train`."""
    if shows_any_format(args):
        return
    data = getattr(args, "data", None)
    if args.command == "lesson" and args.name not in DATA_LESSONS:
        data = None                     # the lesson's own check says it does not use --data
    what = f"the {args.command}" if args.command != "lesson" else f"the {args.name} lesson"
    if not_mnist(data):
        raise UserError(f"--data {data}: {what} shows MNIST-format data (1×28×28 grey digits), not folders of "
                        f"pictures or colour; the app and train take them: python main.py app --data {data}")
    checkpoint = getattr(args, "checkpoint", None)
    if checkpoint is not None and checkpoint.is_file():
        from .engine.checkpoint import load_checkpoint
        fmt = load_checkpoint(checkpoint)["format"]
        if not fmt.same_network(MNIST):
            raise UserError(f"{checkpoint}: trained on {fmt.describe()}; {what} shows networks for MNIST-format "
                            "data (1×28×28 grey digits); the app takes it: python main.py app --checkpoint "
                            f"{checkpoint} --data DIR")


def dispatch(args) -> int:
    check_arch(args)
    if args.command in ("app", "lecture", "lesson"):
        check_window_data(args)
    if args.command == "lecture":
        check_window_flags(args, "--export" if args.export else "--gif" if args.gif else None)
    if args.command == "lesson":
        check_window_flags(args, "--export" if args.export else None)
        args.given_options = [(flag, option) for flag, option, on in (
            ("--image", "image", args.image), ("--data", "data", args.data),
            ("--checkpoint", "checkpoint", args.checkpoint), ("--untrained", "checkpoint", args.untrained)) if on]
        if args.checkpoint is None and not args.untrained and paths.BUNDLED_MODEL.is_file() and not not_mnist(args.data):
            args.checkpoint = paths.BUNDLED_MODEL          # the trained LeNet-5, for MNIST-format data
    if args.command == "train":
        return run_train(args)
    if args.command == "app":
        from .render.app.run import run_app
        return run_app(app_options(args))
    if args.command == "lecture":
        from .render.lecture.scene import run_lecture
        return run_lecture(args)
    if args.command == "lesson":
        from .render.lessons import run_lesson
        return run_lesson(args)
    if args.command == "export":
        from .engine.export import export
        arch, fmt = export(args.checkpoint, args.out)
        classes = ", ".join(fmt.classes[:10]) + (", …" if fmt.n_classes > 10 else "")
        print(f"wrote {args.out}: {arch.spec}, input 'image' [N,{','.join(map(str, fmt.input_shape))}] raw pixels "
              f"in [0, 1]{' (R, G, B)' if fmt.colour else ''}, output 'logits' [N,{fmt.n_classes}] ({classes})")
        return 0
    raise AssertionError(args.command)


def headless_args(argv: list[str]):
    """`cnn-simulator [app] [OPTIONS]` without a display runs `train` with exactly train's defaults.
    Options only the window has are checked as the app's, named and ignored."""
    parser = build_parser()
    args, window_only = parser.parse_known_args(["train", *argv])
    if window_only:
        parser.parse_args(["app", *window_only])        # a bad or unknown option: one line, exit 2
    check_arch(args)                                    # a bad --arch: its one line, not the notice first
    ignored = [a.split("=")[0] for a in window_only if a.startswith("-")]
    print(f"no display found: training headless instead ({program_name()} train)"
          + (f"; ignoring the window's options {', '.join(ignored)}" if ignored else ""), file=sys.stderr)
    return args


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        print("error: the benchmarks are a developer script beside the product: "
              "`make bench` or `python -m benchmarks`", file=sys.stderr)
        return 2
    explicit = bool(argv) and argv[0] in COMMANDS
    help_only = argv[:1] in (["-h"], ["--help"], ["--version"])
    window = not explicit or argv[0] == "app"          # `app`, said or implied
    try:
        if window and not {"-h", "--help", "--version"} & set(argv) and not has_display():
            args = headless_args(argv[1:] if explicit else argv)
        else:
            args = build_parser().parse_args(argv if explicit or help_only else ["app", *argv])
        return dispatch(args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
