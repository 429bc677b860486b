"""`python main.py lecture`: one operation per key press, forward and backward.

The lecture is a list of Steps built from one recorded pass of the real engine; this module
only shows them (a window), or writes them out (--export DIR as PNGs, --gif PATH) without
opening a window.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pygame

from ...engine.lecture import build_steps, record_trace, section_starts
from ...engine.config import TrainConfig
from ...errors import UserError
from .pad import DIGIT_KEYS, PadScene
from .view import render_step
from .. import ui
from ..ui.theme import THEMES

SIZE = (1280, 800)
THEME_ORDER = ("projector", "dark", "light")
HINTS = ("→/space next   ← back   PgUp/PgDn layer   A autoplay   +/− pace   0–9 filter   N digit   "
         "D draw   T theme")
PACES = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)   # seconds per step in autoplay
GIF_SECONDS = 3.0


class LectureSession:
    """What the lecture traces: the test images, the weights, and which digit is current."""

    def __init__(self, data_dir=None, checkpoint=None, activation=None, pool=None, seed=0, arch=None):
        """arch: a spec (default LeNet-5); activation/pool switch all its activations/pools."""
        from ...engine.data import load_dataset
        self.data = load_dataset(data_dir)
        self.params = None
        self.config = TrainConfig(**({"arch": arch} if arch else {}), activation=activation, pool=pool,
                                  seed=seed).model_config()
        if checkpoint is not None:
            from ...engine.checkpoint import load_checkpoint
            state = load_checkpoint(checkpoint)
            self.params = state["params"]
            self.config = TrainConfig(**state["config"]).model_config()
        self.rng = np.random.default_rng(seed)

    def trace_test_image(self, index: int):
        n = len(self.data.test_images)
        if not 0 <= index < n:
            raise UserError(f"--digit {index}: the test set has {n} images (0–{n - 1})")
        return record_trace(self.data.test_images[index], int(self.data.test_labels[index]), self.params,
                            self.config, source=f"test image #{index}")

    def random_index(self) -> int:
        return int(self.rng.integers(len(self.data.test_images)))

    def trace_drawing(self, image: np.ndarray, label: int):
        return record_trace(image, label, self.params, self.config, source="your drawing")


class LectureScene(ui.Scene):
    """Steps through the lecture, a scene of the kit's window runner."""
    title = "CNN Simulator: lecture"

    def __init__(self, session: LectureSession | None, trace, theme: str = "projector", index: int = 0,
                 focus: int = 0):
        self.session = session
        self.trace = trace
        self.focus = focus
        self.steps = build_steps(trace, focus)
        self.index = min(max(0, index), len(self.steps) - 1)
        self.theme = THEMES[theme]
        self.autoplay = False
        self.pace = 3
        self.clock = 0.0
        self.pad: PadScene | None = None
        self._cache = (None, None)

    @property
    def step(self):
        return self.steps[self.index]

    # --- navigation -----------------------------------------------------------------
    def go(self, index: int) -> None:
        self.index = min(max(0, index), len(self.steps) - 1)
        self.clock = 0.0

    def jump_section(self, direction: int) -> None:
        starts = section_starts(self.steps)
        if direction > 0:
            self.go(next((s for s in starts if s > self.index), len(self.steps) - 1))
        else:
            self.go(next((s for s in reversed(starts) if s < self.index), 0))

    def set_trace(self, trace, index: int | None = None) -> None:
        self.trace = trace
        self.steps = build_steps(trace, self.focus)
        self.go(self.index if index is None else index)

    def set_focus(self, focus: int) -> None:
        self.focus = focus
        self.steps = build_steps(self.trace, focus)
        self.go(self.index)

    # --- scene protocol -------------------------------------------------------------
    def handle(self, event):
        if self.pad is not None:
            self.pad.handle(event)
            if self.pad.result is not None:
                if self.pad.result and self.session is not None:
                    self.set_trace(self.session.trace_drawing(*self.pad.result), index=0)
                self.pad = None
            return None
        if event.type != pygame.KEYDOWN:
            return None
        k = event.key
        if k in (pygame.K_RIGHT, pygame.K_SPACE, pygame.K_RETURN):
            self.go(self.index + 1)
        elif k in (pygame.K_LEFT, pygame.K_BACKSPACE):
            self.go(self.index - 1)
        elif k == pygame.K_HOME:
            self.go(0)
        elif k == pygame.K_END:
            self.go(len(self.steps) - 1)
        elif k == pygame.K_PAGEDOWN:
            self.jump_section(+1)
        elif k == pygame.K_PAGEUP:
            self.jump_section(-1)
        elif k == pygame.K_a:
            self.autoplay = not self.autoplay
            self.clock = 0.0
        elif k in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self.pace = max(0, self.pace - 1)        # faster: fewer seconds per step
        elif k in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self.pace = min(len(PACES) - 1, self.pace + 1)
        elif k == pygame.K_t:
            names = THEME_ORDER
            self.theme = THEMES[names[(names.index(self.theme.name) + 1) % len(names)]]
        elif k == pygame.K_n and self.session is not None:
            self.set_trace(self.session.trace_test_image(self.session.random_index()))
        elif k == pygame.K_d and self.session is not None:
            self.pad = PadScene(self.theme)
            self.autoplay = False
        elif k in DIGIT_KEYS:
            self.set_focus(DIGIT_KEYS[k])
        elif k in (pygame.K_ESCAPE, pygame.K_q):
            return ui.BACK
        return None

    def update(self, dt: float) -> None:
        if not self.autoplay or self.pad is not None:
            return
        self.clock += dt
        if self.clock >= PACES[self.pace]:
            if self.index >= len(self.steps) - 1:
                self.autoplay = False
            else:
                self.go(self.index + 1)

    def status(self) -> str:
        t = self.trace
        text = f"{t.source} · label {t.label} · filter {self.focus}"
        if self.autoplay:
            text += f" · autoplay {PACES[self.pace]:g} s/step"
        return text

    def draw(self, surface: pygame.Surface) -> None:
        if self.pad is not None:
            self.pad.theme = self.theme
            self.pad.draw(surface)
            return
        key = (id(self.step), self.theme.name, surface.get_size(), self.status())
        if self._cache[0] != key:     # a step is drawn once, then blitted every frame
            frame = pygame.Surface(surface.get_size())
            render_step(frame, self.step, self.index, len(self.steps), self.theme, HINTS, self.status())
            self._cache = (key, frame)
        surface.blit(self._cache[1], (0, 0))


# ----------------------------------------------------------------------------- no window

def parse_range(text: str | None, total: int) -> range:
    """'A:B' (1-based, inclusive; A or B may be left out) → 0-based range of step indices."""
    if not text:
        return range(total)
    a, sep, b = text.partition(":")
    try:
        first = int(a) if a.strip() else 1
        last = (int(b) if b.strip() else total) if sep else first
    except ValueError:
        raise UserError(f"--range {text!r}: expected A:B with step numbers, e.g. 5:12") from None
    if not 1 <= first <= last <= total:
        raise UserError(f"--range {text}: steps go from 1 to {total}, and A must not exceed B")
    return range(first - 1, last)


def render_frames(steps, indices, theme_name: str, size=SIZE, status: str = ""):
    """Yield (index, Surface) for each step index, drawn without a window."""
    theme = THEMES[theme_name]
    for i in indices:
        surface = pygame.Surface(size)
        render_step(surface, steps[i], i, len(steps), theme, "", status)
        yield i, surface


def export_pngs(steps, folder: Path, indices, theme_name: str, size=SIZE, status: str = "") -> list[Path]:
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise UserError(f"--export {folder}: cannot create the folder ({e.strerror})") from None
    written = []
    for i, surface in render_frames(steps, indices, theme_name, size, status):
        written.append(ui.export.save_png(surface, folder / f"step-{i + 1:03d}.png"))
    return written


def export_gif(steps, path: Path, indices, theme_name: str, size=SIZE, status: str = "",
               seconds: float = GIF_SECONDS) -> Path:
    path = Path(path)
    if not path.parent.is_dir():
        raise UserError(f"--gif {path}: folder {path.parent} does not exist")
    frames = (surface for _, surface in render_frames(steps, indices, theme_name, size, status))
    return ui.export.save_gif(frames, path, seconds, palette=False)


# ----------------------------------------------------------------------------- entry point

def check_checkpoint_network(args, traced) -> None:
    """A checkpoint is traced as the network it holds: a different --arch/--activation/--pool
    asked for with it is refused in one line rather than silently ignored."""
    from ...engine.arch import LENET5_SPEC, build
    spec = getattr(args, "arch", None) or LENET5_SPEC
    asked = spec != LENET5_SPEC or args.activation or args.pool
    if args.checkpoint is None or not asked:
        return
    wanted = build(spec).with_kinds(args.activation, args.pool)
    if wanted.spec != traced.spec:
        raise UserError(f"--checkpoint {args.checkpoint} holds {traced.spec}, not {wanted.spec}: the lecture "
                        "traces the checkpoint's own network, so leave out --arch/--activation/--pool")


def run_lecture(args) -> int:
    if args.export is None and args.gif is None:
        os.environ.setdefault("SDL_VIDEO_WINDOW_POS", "centered")
    pygame.font.init()
    session = LectureSession(args.data, args.checkpoint, args.activation, args.pool, args.seed,
                             getattr(args, "arch", None))
    check_checkpoint_network(args, session.config.arch)
    trace = session.trace_test_image(args.digit)
    scene = LectureScene(session, trace, args.theme)
    total = len(scene.steps)
    if args.goto > total:
        raise UserError(f"--goto {args.goto}: the lecture has {total} steps")
    scene.go(args.goto - 1)
    if args.export is not None or args.gif is not None:
        indices = parse_range(args.step_range, total)
        status = f"{trace.source} · label {trace.label}"
        if args.export is not None:
            paths = export_pngs(scene.steps, args.export, indices, args.theme, args.size, status)
            print(f"wrote {len(paths)} steps to {args.export}")
        if args.gif is not None:
            export_gif(scene.steps, args.gif, indices, args.theme, args.size, status)
            print(f"wrote {len(indices)} frames to {args.gif}")
        return 0
    if args.step_range:
        raise UserError("--range goes with --export or --gif")
    from ...display import has_display
    if not has_display():
        raise UserError("no display found (DISPLAY is not set): write the lecture as pictures instead "
                        "with --export DIR or --gif PATH")
    window = ui.WindowOptions(size=args.size, keys=args.keys, max_frames=args.max_frames, screenshot=args.screenshot,
                              fps=30)
    return ui.run_window(scene, window, "lecture", no_window_hint="write pictures instead with --export DIR or --gif PATH")
