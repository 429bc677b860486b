"""Command line: `cnn-simulator [app|train|lecture|lesson|export]` (or `python -m simulator`, or
`python main.py` in a clone); `app` is the default. The parser and its flags are cli_args.py's;
this module runs the commands.

Bad input ends in one line naming the problem and exit status 2, never a traceback.
"""
from __future__ import annotations

import os
import sys

from . import paths
from .cli_args import APP_DEFAULTS, COMMANDS, DATA_LESSONS, TRAIN_DEFAULTS, build_parser, program_name
from .display import has_display
from .engine.arch import build, canonical, lenet5_spec
from .engine.config import TrainConfig
from .engine.dataformat import MNIST
from .errors import UserError

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


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
