"""The headless training run: `python main.py train`.

Reads top to bottom: settings, data, trainer (model + optimiser), then epochs of steps with a
progress bar, a test evaluation and a checkpoint after each. Everything a run writes lands in
one folder: metrics.csv, checkpoint.npz (atomic), curves.png (drawn by whoever passes
RunOptions.curves: the command line gives the screens' kit), optional TensorBoard events.
"""
from __future__ import annotations

import csv
import io
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from tqdm import tqdm

from ..errors import UserError
from .checkpoint import atomic_write, load_checkpoint, save_checkpoint
from .arch import ArchError
from .data import Dataset, load_dataset
from .dataformat import DataFormat
from .trainer import TrainConfig, Trainer

METRIC_FIELDS = ("step", "epoch", "loss", "train_acc", "test_acc", "images_per_sec")
LOG_EVERY = 50  # steps between metrics rows inside an epoch


@dataclass
class RunOptions:
    out_dir: Path
    data_dir: Path | None = None            # None: the bundled MNIST; "shapes"; an IDX or image folder
    image_size: tuple[int, int] | None = None   # (H, W) an image folder is resized to (default: its most common)
    resume: Path | None = None
    tensorboard_dir: Path | None = None
    subset: tuple[int, int] | None = None   # (train, test) sizes, for quick runs and tests
    quiet: bool = False
    curves: Callable[[Path, list[dict]], None] | None = None   # writes curves.png (the cli gives render's)
    data: Dataset | None = None             # already loaded (the command line reads it first): data_dir is its name


@dataclass
class RunResult:
    status: str                       # "finished" | "interrupted" | "diverged"
    test_acc: float | None
    epochs_done: int
    seconds: float
    rows: list[dict] = field(default_factory=list)


class MetricsLog:
    """metrics.csv rows kept in memory and rewritten atomically; a resumed run appends."""

    def __init__(self, path: Path, resume: bool):
        self.path = path
        self.rows: list[dict] = []
        if resume and path.is_file():
            with open(path, newline="") as f:
                self.rows = [r for r in csv.DictReader(f)]

    def add(self, **row) -> None:
        self.rows.append({k: row.get(k, "") for k in METRIC_FIELDS})

    def write(self) -> None:
        buf = io.StringIO()
        writer = csv.DictWriter(buf, METRIC_FIELDS)
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write(self.path, lambda f: f.write(buf.getvalue().encode()))


def network_fits(config: TrainConfig, fmt: DataFormat, source) -> None:
    """config's network must build on data of format fmt: else one line with the formula or
    both class counts (ArchError; for the default LeNet-5 said as such, not as an --arch)."""
    try:
        config.network(fmt)
    except ArchError as e:
        from .arch import lenet5_spec
        if config.arch != lenet5_spec((fmt.height, fmt.width), fmt.n_classes):
            raise
        name = source if source is not None else "the bundled MNIST"
        raise ArchError(f"{name}: LeNet-5 (the default network) does not fit its {fmt.describe()}: "
                        f"{str(e).removeprefix('--arch: ')}") from None


def open_tensorboard(log_dir: Path | None):
    if log_dir is None:
        return None
    from .board import open_writer
    return open_writer(log_dir)


def run(config: TrainConfig, opts: RunOptions) -> RunResult:
    log = (lambda msg: None) if opts.quiet else (lambda msg: print(msg, file=sys.stderr))
    data = opts.data if opts.data is not None else load_dataset(opts.data_dir, opts.image_size, log,
                                                                 progress=not opts.quiet)
    if opts.subset:
        data = data.subset(*opts.subset)
    state = load_checkpoint(opts.resume) if opts.resume else None
    if state is not None and not state["format"].same_network(data.format):
        raise UserError(f"{opts.resume}: cannot resume this run from it: it was trained on "
                        f"{state['format'].mismatch(data.format)} (this data)")
    network_fits(config, data.format, opts.data_dir)
    trainer = Trainer(config, data)
    if state is not None:
        if state["config"]["arch"] != config.arch:
            raise UserError(f"{opts.resume}: cannot resume this run from it: it trained the network "
                            f"{state['config']['arch']}, this run is {config.arch} (resume with --arch "
                            f"{state['config']['arch']})")
        try:
            trainer.load_state(state, keep_config=True)
        except ValueError as e:      # a good file that does not fit this run (batch size)
            raise UserError(f"{opts.resume}: cannot resume this run from it: {e}") from None
        log(f"resumed from {opts.resume} at epoch {trainer.epoch}, step {trainer.step_count}")
    opts.out_dir.mkdir(parents=True, exist_ok=True)
    checkpoint_path = opts.out_dir / "checkpoint.npz"
    metrics = MetricsLog(opts.out_dir / "metrics.csv", resume=opts.resume is not None)
    board = open_tensorboard(opts.tensorboard_dir)

    def finish_files():
        metrics.write()
        if opts.curves is not None:
            opts.curves(opts.out_dir / "curves.png", metrics.rows)

    arch = config.network(data.format)
    log(f"network: {arch.spec} ({arch.param_count:,} parameters) on {data.format.describe()}")
    log("preparing the engine (the first run compiles the Numba kernels; later runs load them from cache)...")
    t0 = time.perf_counter()
    trainer.warm_up()
    log(f"engine ready in {time.perf_counter() - t0:.1f} s")
    if board:           # the graph, and filters and feature maps of test digit 0 (board.py)
        from .board import add_pictures, add_start
        digit = data.test_images[0]
        add_start(board, arch, trainer.model, digit, trainer.step_count, log, data.format)

    started = time.perf_counter()
    test_acc = None
    status = "finished"
    try:
        while trainer.epoch < config.epochs:
            epoch = trainer.epoch
            bar = tqdm(total=trainer.batches_per_epoch, initial=trainer.batch_in_epoch,
                       desc=f"epoch {epoch + 1}/{config.epochs}", unit="batch",
                       disable=opts.quiet, leave=True, dynamic_ncols=True)
            window_loss, window_correct, window_seen, window_start = 0.0, 0, 0, time.perf_counter()
            while trainer.epoch == epoch:
                result = trainer.train_step()
                if not math.isfinite(result.loss):
                    bar.close()
                    status = "diverged"
                    log(f"training diverged at step {trainer.step_count + 1}: loss is {result.loss} "
                        f"(learning rate {trainer.lr:g}); try a smaller --lr. "
                        f"Last good checkpoint: {checkpoint_path if checkpoint_path.exists() else 'none'}")
                    return RunResult(status, test_acc, trainer.epoch, time.perf_counter() - started, metrics.rows)
                n = len(result.indices)
                window_loss += result.loss * n
                window_correct += result.correct
                window_seen += n
                bar.update(1)
                if trainer.step_count % LOG_EVERY == 0 or trainer.epoch != epoch:
                    rate = window_seen / max(1e-9, time.perf_counter() - window_start)
                    loss = window_loss / window_seen
                    bar.set_postfix(loss=f"{loss:.4f}", img_s=f"{rate:,.0f}", refresh=False)
                    metrics.add(step=trainer.step_count, epoch=f"{trainer.step_count / trainer.batches_per_epoch:.3f}",
                                loss=f"{loss:.6f}", train_acc=f"{window_correct / window_seen:.4f}",
                                images_per_sec=f"{rate:.0f}")
                    if board:
                        board.add_scalar("train/loss", loss, trainer.step_count)
                        board.add_scalar("train/images_per_sec", rate, trainer.step_count)
                    window_loss, window_correct, window_seen, window_start = 0.0, 0, 0, time.perf_counter()
            bar.close()
            test_loss, test_acc = trainer.evaluate()
            metrics.add(step=trainer.step_count, epoch=trainer.epoch, loss="", train_acc="",
                        test_acc=f"{test_acc:.4f}")
            if board:
                board.add_scalar("test/accuracy", test_acc, trainer.step_count)
                board.add_scalar("test/loss", test_loss, trainer.step_count)
                add_pictures(board, arch, trainer.model, digit, trainer.step_count, data.format)
            save_checkpoint(checkpoint_path, trainer.state())
            finish_files()
            log(f"epoch {trainer.epoch}: test accuracy {test_acc:.2%}, test loss {test_loss:.4f}, "
                f"{time.perf_counter() - started:.1f} s so far")
    except KeyboardInterrupt:
        status = "interrupted"
        save_checkpoint(checkpoint_path, trainer.state())
        finish_files()
        log(f"\ninterrupted: checkpoint saved to {checkpoint_path} "
            f"(continue with --resume {checkpoint_path})")
    finally:
        if board:
            board.close()
    if status == "finished" and test_acc is None:
        # Nothing left to train (--epochs 0, or resumed at the end): still report the model.
        _, test_acc = trainer.evaluate()
        log(f"no epochs to run; test accuracy of the current model {test_acc:.2%}")
    return RunResult(status, test_acc, trainer.epoch, time.perf_counter() - started, metrics.rows)
