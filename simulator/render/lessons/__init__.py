"""The seed lessons as scenes: `python main.py lesson NAME`, or opened from the app's menu.

A scene is an object with handle(event), update(dt), draw(surface) and close(). It may also
have `ready()` (False while background work runs), `demo()` (a showcase state, for a PNG
export), `demo_animation()` (the same for a GIF), `animated` (a GIF makes sense),
`export_seconds` (time to simulate before a PNG export) and `gif_seconds`/`gif_fps`.

LESSON_SCENES maps each lesson name to (title, factory); factory(theme, options) builds the
scene and may raise UserError (for instance an unreadable --image), which the caller reports.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path

from ...errors import UserError
from ..ui.script import Script, save_screenshot


@dataclass(frozen=True)
class LessonOptions:
    image: Path | None = None        # the rgb lesson's picture (default: assets/images/shapes.png)
    data: Path | None = None         # folder of MNIST-format IDX files (default: bundled)
    checkpoint: Path | None = None   # a trained model for draw, network3d, tensors (params: its network)
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
    "tensors": ("Tensors and their rank", _factory("tensors", "TensorsScene")),
}


def run_lesson(args) -> int:
    """`python main.py lesson NAME [--theme --image --data --checkpoint --export --max-frames --screenshot]`."""
    import os
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame
    from ..ui.theme import THEMES

    options = LessonOptions(image=args.image, data=args.data, checkpoint=getattr(args, "checkpoint", None))
    title, factory = LESSON_SCENES[args.name]
    theme = THEMES[args.theme]
    if args.export:
        pygame.font.init()
        scene = factory(theme, options)
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
    pygame.display.init()
    pygame.font.init()
    try:
        try:
            screen = pygame.display.set_mode(args.size, pygame.RESIZABLE)
        except pygame.error as e:
            raise UserError(f"cannot open a window ({e}); use --export PATH to write the lesson as PNG or GIF") from None
        pygame.display.set_caption(f"CNN Simulator: {title}")
        scene = factory(theme, options)
        try:
            check_options_used(args.name, options, getattr(args, "given_options", ()))
            run_window(scene, title, args.max_frames, Script(args.keys))
            if args.screenshot:
                save_screenshot(pygame.display.get_surface(), args.screenshot)
        finally:
            scene.close()
    finally:
        pygame.display.quit()     # fonts stay loaded (theme caches them for the process)
    return 0


def run_window(scene, title: str, max_frames: int | None = None, script: Script | None = None) -> None:
    """The lesson's loop in the open window. The scene is laid out for SIZE; the app's LessonHost
    scales it to any other window size and maps clicks back. Esc or closing the window ends it."""
    import pygame
    from .menu import LessonHost
    host = LessonHost(scene.theme, scene, title)
    host.layout(pygame.display.get_surface().get_size())
    clock, frames, script = pygame.time.Clock(), 0, script or Script()
    while True:
        now = time.perf_counter()
        for event in pygame.event.get() + script.events(frames):
            if event.type == pygame.QUIT or (event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE):
                return
            if event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
                host.layout(pygame.display.get_surface().get_size())
                continue
            host.handle(event, now)
        host.update(clock.tick(60) / 1000.0, now, clock.get_fps())
        host.draw(pygame.display.get_surface(), now)
        pygame.display.flip()
        frames += 1
        if max_frames is not None and frames >= max_frames:
            return


def scene_background(scene):
    return scene.theme.background


def wait_ready(scene, timeout: float = 1800.0) -> None:
    """Block until the scene's background work is done (export only; the window never waits)."""
    ready = getattr(scene, "ready", lambda: True)
    if ready():
        return
    start, said = time.monotonic(), False
    while not ready():
        if not said:
            print("waiting for the lesson's background training (cached after the first time)…", file=sys.stderr)
            said = True
        if time.monotonic() - start > timeout:
            raise UserError(f"the lesson's background work did not finish within {timeout:.0f} s")
        scene.update(0.1)
        time.sleep(0.1)


def render_frames(scene, count: int, fps: float, size=None):
    """Advance the scene 1/fps per frame and yield each drawn frame as a pygame Surface of
    `size` (the scene's SIZE canvas scaled to fit, as a window of that size shows it)."""
    import pygame
    from .menu import fit_canvas
    from .common import SIZE
    canvas = pygame.Surface(SIZE)
    out = pygame.Surface(size) if size and tuple(size) != SIZE else None
    for _ in range(count):
        canvas.fill(scene_background(scene))
        scene.draw(canvas)
        if out is not None:
            fit_canvas(canvas, out, scene_background(scene))
        yield canvas if out is None else out
        scene.update(1.0 / fps)


def export(scene, path: Path, frames: int | None = None, size=None) -> None:
    """Write the scene as a PNG (its showcase state) or an animated GIF (its animation), at
    `size` (default: the 1280×800 canvas the lessons are laid out on)."""
    import pygame
    from PIL import Image
    from .common import SIZE
    size = tuple(size or SIZE)
    suffix = path.suffix.lower()
    if suffix not in (".png", ".gif"):
        raise UserError(f"{path}: --export needs a .png or .gif path")
    wait_ready(scene)
    if suffix == ".png":
        if hasattr(scene, "demo"):
            scene.demo()
        for _ in range(round(getattr(scene, "export_seconds", 0.0) * 30)):
            scene.update(1 / 30)
        save_screenshot(next(render_frames(scene, 1, 30, size)), path)
        return
    if hasattr(scene, "demo_animation"):
        scene.demo_animation()
    fps = getattr(scene, "gif_fps", 10)
    count = frames or max(1, round(getattr(scene, "gif_seconds", 4.0) * fps))
    images = [Image.frombytes("RGB", size, pygame.image.tobytes(s, "RGB")).quantize(256, Image.Quantize.MEDIANCUT)
              for s in render_frames(scene, count, fps, size)]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        images[0].save(path, save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0,
                       optimize=False)
    except OSError as e:
        raise UserError(f"{path}: cannot write the GIF ({e})") from None
