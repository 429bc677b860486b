"""The live training app: `python main.py` (or `python main.py app`).

The command line hands it an AppOptions (the screen never reads the command line itself).
Data and checkpoint are read before the window opens (a bad file is one line, exit 2). The
training worker thread then starts; while it warms up the Numba kernels the window shows the
LoadingScene, then the LiveScene, in the kit's one window runner (ui.window). On exit the
worker is stopped and one summary line is printed.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

from ... import paths
from ...engine.config import APP_CONFIG, TrainConfig
from ...errors import UserError
from .. import ui
from ..ui.script import DEFAULT_SIZE
from ..ui.theme import THEMES

FPS_CAP = 60


@dataclass(frozen=True)
class AppOptions:
    """Everything the app is told: the training settings (config.APP_CONFIG's by default: a
    schedule with no end), where data and a starting checkpoint are, the look, and the script
    for automation."""
    config: TrainConfig = APP_CONFIG
    arch: str | None = None                  # --arch as given; None: LeNet-5 adapted to the data
    data: Path | None = None
    image_size: tuple[int, int] | None = None  # (H, W) a folder's pictures are resized to; None: their usual size
    checkpoint: Path | None = None
    subset: int | None = None                # train on the first N images (and N/6 test images)
    threads: int | None = None
    theme: str = "dark"
    size: tuple[int, int] = DEFAULT_SIZE
    keys: tuple = ()                         # script.Action's, played one per frame
    max_frames: int | None = None
    screenshot: Path | None = None
    lesson_model: Path | None = paths.BUNDLED_MODEL if paths.BUNDLED_MODEL.is_file() else None


def load_data(options: AppOptions):
    """The data the app trains on (a folder of pictures is decoded once, with a progress bar,
    then read from the user cache). With --checkpoint and no --data, the data its network learnt
    (MNIST, or the shapes set); data of another format than the checkpoint's is refused in one
    line before any picture is decoded, and so is a network (--arch) that does not fit the data."""
    from ...engine.arch import lenet5_spec
    from ...engine.data import load_dataset
    from ...engine.lessons.source import checkpoint_network, data_for
    from ...engine.train import network_fits
    folder = options.data

    def network_fits_data(fmt):          # --arch (or LeNet-5 for these classes) on these pictures
        network_fits(replace(options.config, arch=options.arch or lenet5_spec((fmt.height, fmt.width), fmt.n_classes)),
                     fmt, folder)
    accept = network_fits_data
    if options.checkpoint is not None:   # its network wins over --arch: the data must be its format
        _, _, saved = checkpoint_network(options.checkpoint)
        where = f"--data {folder}" if folder is not None else None
        if folder is None:
            folder = data_for(saved, options.checkpoint)
            where = "the bundled MNIST" if folder is None else f"the {folder} set"

        def checkpoint_takes_data(fmt):
            if not saved.same_network(fmt):
                raise UserError(f"{options.checkpoint}: its network takes {saved.mismatch(fmt)} ({where})")
        accept = checkpoint_takes_data
    data = load_dataset(folder, options.image_size, log=lambda line: print(line, file=sys.stderr), progress=True, accept=accept)
    return data.subset(options.subset, max(1, options.subset // 6)) if options.subset else data


def build_trainer(options: AppOptions, data=None):
    """The Trainer the app drives: the options' settings, and optionally a checkpoint's weights
    (whose architecture wins over the flags)."""
    from ...engine.checkpoint import load_checkpoint
    from ...engine.trainer import Trainer

    from ...engine.arch import lenet5_spec
    data = load_data(options) if data is None else data
    fmt = data.format
    config = replace(options.config, arch=options.arch or lenet5_spec((fmt.height, fmt.width), fmt.n_classes))
    state = None
    if options.checkpoint:
        state = load_checkpoint(options.checkpoint)
        saved = state["config"]["arch"]
        if saved != config.arch:
            print(f"note: {options.checkpoint} is the network {saved}; using that", file=sys.stderr)
            config = replace(config, arch=saved, activation=None, pool=None)
    trainer = Trainer(config, data)
    if state is not None:
        try:
            trainer.load_state(state, keep_config=True)
        except ValueError as e:      # a good file that does not fit these settings (e.g. the batch size)
            raise UserError(f"{options.checkpoint}: cannot start from it: {e}") from None
    return trainer


def legend_marker() -> Path:
    """The file whose presence means the legend was shown once (first launch shows it)."""
    return paths.cache_dir() / "legend-shown"


class Session:
    """The app's training behind its scenes: the current worker, and how to start another
    (the designer's Enter trains a new network). Scenes come and go; the session stays."""

    def __init__(self, options: AppOptions, data, trainer):
        from ...engine.trainer import Trainer
        self.options, self.data = options, data
        self._trainer_for = lambda spec: Trainer(replace(options.config, arch=spec, activation=None, pool=None), data)
        self.worker = self._start(trainer)

    def _start(self, trainer):
        from ...engine.worker import TrainingWorker
        from .live_scene import REFRESH_HZ
        return TrainingWorker(trainer, threads=self.options.threads, publish_hz=REFRESH_HZ).start()  # no snapshot unseen

    def restart(self, spec: str):
        """Train the network `spec` from fresh weights: the old worker stops, a new one starts."""
        self.worker.stop()
        self.worker = self._start(self._trainer_for(spec))
        return self.worker

    def close(self) -> None:
        """Stop training (again: harmless)."""
        if self.worker.is_alive() and not self.worker.ready:
            print("waiting for the kernel compile in progress to finish…", file=sys.stderr)
        self.worker.stop()

    def summary(self) -> str:
        """The exit line's part: what the worker did, and (once it has stopped) its final
        weights' accuracy on the whole test set."""
        stats = self.worker.stats()
        test = self.worker.final_report()
        accuracy = f"; test accuracy {test.accuracy:.2%}" if test is not None else ""
        return (f"{stats['steps']:,} training steps, {stats['images']:,} images, {stats['images_per_sec']:,.0f} "
                f"images/s while training (paused time not counted){accuracy}")


def app_scenes(theme, session: Session, show_legend: bool = False, lesson_options=None):
    """The window's first scene: the loading screen, which gives way to the live scene."""
    from .loading import LoadingScene
    return LoadingScene(theme, session, show_legend=show_legend, lesson_options=lesson_options)


def run_app(options: AppOptions) -> int:
    from ...engine.background import set_threads
    from ..lessons import LessonOptions

    theme = THEMES[options.theme]
    if options.threads:
        set_threads(options.threads)        # validates the number; the worker applies it to its thread
    data = load_data(options)
    trainer = build_trainer(options, data)
    marker = legend_marker()
    first_launch = options.max_frames is None and not marker.exists()     # automation never sees it
    window_options = ui.WindowOptions(size=options.size, keys=options.keys, max_frames=options.max_frames,
                                      screenshot=options.screenshot)
    session = Session(options, data, trainer)
    try:
        root = app_scenes(theme, session, show_legend=first_launch,
                          lesson_options=LessonOptions(data=options.data, checkpoint=options.lesson_model))
        if first_launch:
            try:
                marker.parent.mkdir(parents=True, exist_ok=True)
                marker.touch()
            except OSError:
                pass            # read-only home: the legend is shown again next time, no harm
        ui.run_window(root, window_options, "app", after=session.close, extra=session.summary,
                      no_window_hint="try `python main.py train` for headless training")
    finally:
        session.close()
    return 0
