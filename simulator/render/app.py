"""The live training app: `python main.py` (or `python main.py app`).

The command line hands it an AppOptions (the screen never reads the command line itself).
Data and checkpoint are read before the window opens (a bad file is one line, exit 2). The
training worker thread then starts; while it warms up the Numba kernels the window shows a
progress screen, then the LiveScene. The loop is the usual one: events → update → draw →
flip → clock.tick. On exit the worker is stopped and one summary line is printed.
"""
from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # noqa: E402

from .. import paths  # noqa: E402
from ..engine.config import APP_CONFIG, TrainConfig  # noqa: E402
from ..errors import UserError  # noqa: E402
from .script import DEFAULT_SIZE, Script, save_screenshot  # noqa: E402
from .theme import THEMES  # noqa: E402

FPS_CAP = 60


@dataclass(frozen=True)
class AppOptions:
    """Everything the app is told: the training settings (config.APP_CONFIG's by default: a
    schedule with no end), where data and a starting checkpoint are, the look, and the script
    for automation."""
    config: TrainConfig = APP_CONFIG
    data: Path | None = None
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
    from ..engine.data import load_dataset
    data = load_dataset(options.data)
    return data.subset(options.subset, max(1, options.subset // 6)) if options.subset else data


def build_trainer(options: AppOptions, data=None):
    """The Trainer the app drives: the options' settings, and optionally a checkpoint's weights
    (whose architecture wins over the flags)."""
    from ..engine.checkpoint import load_checkpoint
    from ..engine.trainer import Trainer

    config = options.config
    state = None
    if options.checkpoint:
        state = load_checkpoint(options.checkpoint)
        saved = state["config"]["arch"]
        if saved != config.arch:
            print(f"note: {options.checkpoint} is the network {saved}; using that", file=sys.stderr)
            config = replace(config, arch=saved, activation=None, pool=None)
    trainer = Trainer(config, load_data(options) if data is None else data)
    if state is not None:
        try:
            trainer.load_state(state, keep_config=True)
        except ValueError as e:      # a good file that does not fit these settings (e.g. the batch size)
            raise UserError(f"{options.checkpoint}: cannot start from it: {e}") from None
    return trainer


class LoadingScene:
    """Shown while the worker compiles (or loads from cache) the kernels and takes its first step."""

    def __init__(self, theme, worker):
        from .panels.widgets import Text
        self.theme, self.worker = theme, worker
        self.text = Text(theme)
        self.started = time.perf_counter()

    def handle(self, event, now):
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_q):
            return "quit"
        return None

    def layout(self, size):
        pass

    def update(self, dt, now, fps):
        pass

    def draw(self, surface, now):
        from .ui import Sizes, wrap
        th, tx = self.theme, self.text
        surface.fill(th.background)
        w, h = surface.get_size()
        sz = Sizes.for_window((w, h), th)
        done, total, label = self.worker.progress
        cx, cy = w // 2, h // 2
        tx.draw(surface, "CNN Simulator", (cx, cy - sz.px(110)), 2 * sz.title, th.text, "bold",
                anchor="center")
        lines = wrap(tx, "Preparing the engine: the first run compiles the Numba kernels, later runs load them "
                     "from the cache.", w - 80, sz.small)
        for i, line in enumerate(lines):
            tx.draw(surface, line, (cx, cy - sz.px(60) - (len(lines) - 1 - i) * tx.line(sz.small)), sz.small,
                    th.muted, anchor="center")
        bar = pygame.Rect(0, 0, min(520, w - 80), 18)
        bar.center = (cx, cy)
        pygame.draw.rect(surface, th.panel, bar, border_radius=9)
        # the bar creeps inside the current stage so it never looks frozen
        elapsed = now - self.started
        creep = 1 - math.exp(-(elapsed % 30) / 6)
        frac = min(1.0, (done + 0.9 * creep) / max(1, total)) if done < total else 1.0
        pygame.draw.rect(surface, th.accent, pygame.Rect(bar.x, bar.y, int(bar.w * frac), bar.h), border_radius=9)
        pygame.draw.rect(surface, th.panel_border, bar, 1, border_radius=9)
        tx.draw(surface, f"{min(done + 1, total)}/{total}: {label}…", (cx, cy + sz.px(30)), sz.body, th.text, anchor="center")
        tx.draw(surface, f"{elapsed:.0f} s", (cx, cy + sz.px(58)), sz.small, th.muted, anchor="center")
        spin = (now * 2.0) % 1.0
        for i in range(8):
            a = 2 * math.pi * (i / 8 + spin)
            colour = th.accent if i == 0 else th.panel_border
            pygame.draw.circle(surface, colour, (cx + int(math.cos(a) * 16), cy + 100 + int(math.sin(a) * 16)),
                               4 if i == 0 else 3)


def legend_marker() -> Path:
    """The file whose presence means the legend was shown once (first launch shows it)."""
    return paths.cache_dir() / "legend-shown"


class App:
    def __init__(self, screen, theme, worker, screenshot_dir: Path = Path("pictures"),
                 data_dir: Path | None = None, lesson_model: Path | None = None, show_legend: bool = False,
                 new_worker=None):
        """new_worker(spec) → a started worker training that network (the designer's Enter)."""
        from .panels.live_scene import LiveScene
        self.screen, self.theme, self.worker = screen, theme, worker
        self.new_worker = new_worker
        self.screenshot_dir = screenshot_dir
        self.live = LiveScene(theme, worker)
        self.live.show_help = show_legend          # first launch: the keys and the legend first
        self.scene = LoadingScene(theme, worker)
        self.menu = None
        self.data_dir, self.lesson_model = data_dir, lesson_model
        self.frames = 0
        self.seconds = 0.0
        self.windowed_size = screen.get_size()
        self.running = True

    def _switch_to_live(self) -> None:
        self.live.layout(self.screen.get_size())
        self.scene = self.live

    def save_screenshot(self, path: Path | None = None) -> Path:
        if path is None:
            self.screenshot_dir.mkdir(parents=True, exist_ok=True)
            path = self.screenshot_dir / time.strftime("cnn-simulator-%Y%m%d-%H%M%S.png")
            n = 1
            while path.exists():
                path = path.with_name(f"{path.stem.split('~')[0]}~{n}.png")
                n += 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(self.screen, str(path))
        return path

    def toggle_fullscreen(self) -> None:
        try:
            if self.screen.get_flags() & pygame.FULLSCREEN:
                self.screen = pygame.display.set_mode(self.windowed_size, pygame.RESIZABLE)
            else:
                self.windowed_size = self.screen.get_size()
                self.screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        except pygame.error as e:
            self.live.toast.show(f"full screen is not available here ({e})", time.perf_counter())
        self.scene.layout(self.screen.get_size())

    def handle(self, event, now: float) -> None:
        if event.type == pygame.QUIT:
            self.running = False
            return
        if event.type == pygame.VIDEORESIZE or event.type == pygame.WINDOWSIZECHANGED:
            self.screen = pygame.display.get_surface()
            self.scene.layout(self.screen.get_size())
            return
        action = self.scene.handle(event, now)
        if action == "quit":
            self.running = False
        elif action == "fullscreen":
            self.toggle_fullscreen()
        elif action == "screenshot":
            self._pending_screenshot = True
        elif action in ("lessons", "menu"):
            self._show(self._menu())
        elif action == "back":
            self._switch_to_live()
        elif isinstance(action, tuple) and action[0] == "open":
            self._show(action[1])
        elif isinstance(action, tuple) and action[0] == "arch":
            self.restart(action[1], now)

    def restart(self, spec: str, now: float) -> None:
        """Train the network `spec` from fresh weights: the old worker stops, a new one warms
        up behind the loading screen (the kernels are compiled already: a moment)."""
        from .panels.live_scene import LiveScene
        if self.new_worker is None:
            self.live.toast.show("this window cannot change its network", now)
            return
        self.worker.stop()
        self.worker = self.new_worker(spec)
        self.live = LiveScene(self.theme, self.worker)
        self.scene = LoadingScene(self.theme, self.worker)
        self.scene.layout(self.screen.get_size())

    def _menu(self):
        from .lesson_menu import LessonMenu
        from .lessons import LessonOptions
        if self.menu is None:
            self.menu = LessonMenu(self.theme, LessonOptions(data=self.data_dir, checkpoint=self.lesson_model))
        return self.menu

    def _show(self, scene) -> None:
        scene.layout(self.screen.get_size())
        self.scene = scene

    def frame(self, events, now: float, dt: float, fps: float):
        """One frame without the display update: events → update → draw; returns the scene's
        dirty rects (None: all of it)."""
        self._pending_screenshot = False
        for event in events:
            self.handle(event, now)
        if self.worker.error is not None:    # training failed: end with its error
            raise self.worker.error
        if isinstance(self.scene, LoadingScene) and self.worker.ready:
            self._switch_to_live()
        self.scene.update(dt, now, fps)
        dirty = self.scene.draw(self.screen, now)
        if self._pending_screenshot:
            path = self.save_screenshot()
            self.live.toast.show(f"screenshot saved: {path}", now)
        return dirty

    def run(self, max_frames: int | None = None, screenshot: Path | None = None, script: Script | None = None) -> None:
        """The loop; `script` plays from the first frame of the live scene (keys pressed on the
        loading screen would be lost), one action per frame."""
        clock = pygame.time.Clock()
        start = last = time.perf_counter()
        script, live_frames = script or Script(), 0
        while self.running:
            now = time.perf_counter()
            dt, last = now - last, now
            scripted = script.events(live_frames) if not isinstance(self.scene, LoadingScene) else []
            live_frames += not isinstance(self.scene, LoadingScene)
            dirty = self.frame(pygame.event.get() + scripted, now, dt, clock.get_fps())
            if dirty is None:
                pygame.display.flip()
            elif dirty:
                pygame.display.update(dirty)
            self.frames += 1
            if max_frames is not None and self.frames >= max_frames:
                self.running = False
            clock.tick(FPS_CAP)
        self.seconds = time.perf_counter() - start
        if hasattr(self.scene, "close"):
            self.scene.close()
        if screenshot is not None:
            save_screenshot(self.screen, screenshot)


def run_app(options: AppOptions) -> int:
    from ..engine.background import set_threads
    from ..engine.trainer import Trainer
    from ..engine.worker import TrainingWorker

    theme = THEMES[options.theme]
    if options.threads:
        set_threads(options.threads)        # validates the number; the worker applies it to its thread
    data = load_data(options)
    trainer = build_trainer(options, data)
    pygame.display.init()        # no audio: the app makes no sound
    pygame.font.init()
    pygame.display.set_caption("CNN Simulator: a ConvNet learning MNIST")
    try:
        screen = pygame.display.set_mode(options.size, pygame.RESIZABLE)
    except pygame.error as e:
        pygame.quit()
        raise UserError(f"cannot open a window ({e}); try `python main.py train` for headless training") from None
    from .panels.live_scene import REFRESH_HZ
    def new_worker(spec=None, trainer=None):
        if trainer is None:
            trainer = Trainer(replace(options.config, arch=spec, activation=None, pool=None), data)
        return TrainingWorker(trainer, threads=options.threads, publish_hz=REFRESH_HZ).start()   # no snapshot unseen

    worker = new_worker(trainer=trainer)
    marker = legend_marker()
    first_launch = options.max_frames is None and not marker.exists()     # automation never sees it
    app = App(screen, theme, worker, data_dir=options.data, lesson_model=options.lesson_model,
              show_legend=first_launch, new_worker=new_worker)
    if first_launch:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass            # read-only home: the legend is shown again next time, no harm
    try:
        app.run(options.max_frames, options.screenshot, Script(options.keys))
    finally:
        pygame.quit()                       # the window goes at once; the worker may need a moment
        if app.worker.is_alive() and not app.worker.ready:
            print("waiting for the kernel compile in progress to finish…", file=sys.stderr)
        app.worker.stop()
    stats = app.worker.stats()
    fps = app.frames / app.seconds if app.seconds > 0 else 0.0
    test = app.worker.final_report()      # the final weights on the whole test set
    accuracy = f"; test accuracy {test.accuracy:.2%}" if test is not None else ""
    print(f"app: {app.frames} frames in {app.seconds:.1f} s, mean {fps:.1f} FPS; {stats['steps']:,} training steps, "
          f"{stats['images']:,} images, {stats['images_per_sec']:,.0f} images/s while training (paused time "
          f"not counted){accuracy}")
    if options.screenshot:
        print(f"screenshot: {options.screenshot}")
    return 0
