"""The seed lessons as scenes: `python main.py lesson NAME`, or opened from the app's menu.

A lesson is a scene of the kit's window runner (ui.Scene: layout(size, sizes), handle, update,
draw, close, zoom_target). For `--export` it may also have `ready` (False while background
work runs), `demo()` (a showcase state, for a PNG), `demo_animation()` (the same for a GIF),
`export_seconds` (time to simulate before a PNG export) and `gif_seconds`/`gif_fps`.

LESSON_SCENES maps each lesson name to (title, factory); factory(theme, options) builds the
scene and may raise UserError (for instance an unreadable --image), which the caller reports.
A developer adding a lesson writes one module here and one line in LESSON_SCENES (and its
name in simulator.cli_args.LESSONS).
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from ...errors import UserError
from .. import ui


@dataclass(frozen=True)
class LessonOptions:
    image: Path | None = None        # the rgb lesson's picture (default: assets/images/shapes.png)
    data: Path | None = None         # --data: an IDX folder, a folder of pictures or shapes (default: bundled MNIST)
    checkpoint: Path | None = None   # a trained model for draw, network3d, tensors (params: its network), of --data's format
    read: set = field(default_factory=set, compare=False, repr=False)   # the options a scene asked for

    def __getattribute__(self, name):
        if name in ("image", "data", "checkpoint"):
            object.__getattribute__(self, "read").add(name)
        return object.__getattribute__(self, name)


def check_options_used(name: str, options: LessonOptions, given) -> None:
    """An option given on the command line that the lesson did not read is an error, not ignored."""
    unused = [flag for flag, option in given if option not in options.read]
    if unused:
        raise UserError(f"{', '.join(unused)}: the {name} lesson does not use {'it' if len(unused) == 1 else 'them'}")


def _factory(module: str, cls: str):
    def make(theme, options: LessonOptions | None = None):
        return getattr(import_module(f"{__name__}.{module}"), cls)(theme, options or LessonOptions())
    make.__name__ = f"make_{module}"
    return make


LESSON_SCENES = {
    "graph": ("Computational graph", _factory("graph_scene", "GraphScene")),
    "regression": ("Gradient descent: linear regression", _factory("regression", "RegressionScene")),
    "learning-rate": ("Small vs big learning rate", _factory("learning_rate", "LearningRateScene")),
    "activations": ("Activations: ReLU, sigmoid, tanh", _factory("activations", "ActivationsScene")),
    "pooling": ("Max vs average pooling", _factory("pooling", "PoolingScene")),
    "rgb": ("RGB convolution", _factory("rgb", "RGBScene")),
    "network3d": ("LeNet-5 in 3D", _factory("network3d", "Network3DScene")),
    "draw": ("Draw a digit", _factory("draw", "DrawScene")),
    "params": ("Why convolutions: parameter count", _factory("params", "ParamsScene")),
    "overfitting": ("Fewer parameters, less overfitting", _factory("overfit", "OverfitScene")),
    "tensors": ("Tensors and their rank", _factory("tensors", "TensorsScene")),
}


def open_lesson(name: str, theme, options: LessonOptions | None = None):
    """The lesson `name` as a scene of the window runner (UserError: it cannot start)."""
    title, factory = LESSON_SCENES[name]
    scene = factory(theme, options or LessonOptions())
    scene.title = f"CNN Simulator: {title}"
    return scene


def run_lesson(args) -> int:
    """`python main.py lesson NAME [--theme --image --data --checkpoint --export --size --keys
    --max-frames --screenshot]`."""
    from ..ui.theme import THEMES

    options = LessonOptions(image=args.image, data=args.data, checkpoint=getattr(args, "checkpoint", None))
    theme = THEMES[args.theme]
    if args.export:
        scene = open_lesson(args.name, theme, options)
        try:
            check_options_used(args.name, options, getattr(args, "given_options", ()))
            export(scene, Path(args.export), frames=args.max_frames, size=args.size)
        finally:
            scene.close()
        print(f"wrote {args.export}")
        return 0

    from ...display import has_display
    if not has_display():
        raise UserError("no display found (DISPLAY is not set): use --export PATH to write the lesson as PNG or GIF")
    scene = open_lesson(args.name, theme, options)
    try:
        check_options_used(args.name, options, getattr(args, "given_options", ()))
    except UserError:
        scene.close()
        raise
    window = ui.WindowOptions(size=args.size, keys=args.keys, max_frames=args.max_frames, screenshot=args.screenshot)
    return ui.run_window(scene, window, f"lesson {args.name}",
                         no_window_hint="use --export PATH to write the lesson as PNG or GIF")


def wait_ready(scene, timeout: float = 1800.0) -> None:
    """Block until the scene's background work is done (export only; the window never waits)."""
    if getattr(scene, "ready", True):
        return
    start, said = time.monotonic(), False
    while not scene.ready:
        if not said:
            print("waiting for the lesson's background training (cached after the first time)…", file=sys.stderr)
            said = True
        if time.monotonic() - start > timeout:
            raise UserError(f"the lesson's background work did not finish within {timeout:.0f} s")
        scene.update(0.1)
        time.sleep(0.1)


def render_frames(scene, count: int, fps: float, size):
    """Lay the scene out for a window of `size`, then advance it 1/fps per frame and yield each
    drawn frame (a Surface of that size), as that window would show it."""
    import pygame
    surface = pygame.Surface(size)
    scene.layout(tuple(size), ui.Sizes.for_window(size, scene.theme))
    for _ in range(count):
        surface.fill(scene.theme.background)
        scene.draw(surface)
        yield surface
        scene.update(1.0 / fps)


def export(scene, path: Path, frames: int | None = None, size=None) -> None:
    """Write the scene as a PNG (its showcase state) or an animated GIF (its animation), as a
    window of `size` (default 1280×800) shows it."""
    size = tuple(size or ui.script.DEFAULT_SIZE)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".gif"):
        raise UserError(f"{path}: --export needs a .png or .gif path")
    wait_ready(scene)
    if suffix == ".png":
        if hasattr(scene, "demo"):
            scene.demo()
        for _ in range(round(getattr(scene, "export_seconds", 0.0) * 30)):
            scene.update(1 / 30)
        ui.export.save_png(next(render_frames(scene, 1, 30, size)), path)
        return
    if hasattr(scene, "demo_animation"):
        scene.demo_animation()
    fps = getattr(scene, "gif_fps", 10)
    count = frames or max(1, round(getattr(scene, "gif_seconds", 4.0) * fps))
    ui.export.save_gif((s.copy() for s in render_frames(scene, count, fps, size)), path, 1.0 / fps)
