"""`python main.py lecture`: one operation per key press, forward and backward.

The lecture is a list of Steps built from one recorded pass of the real engine; this module
shows them in a scene of the kit's window runner (view.py draws a step, zoom.py its figure for
Z, overlay.py the H help, pad.py the D drawing pad), or writes them out without a window
(export.py: --export DIR as PNGs, --gif PATH).
"""
from __future__ import annotations

import os

import numpy as np
import pygame

from ...engine.arch import Conv
from ...engine.config import TrainConfig
from ...engine.lecture import build_steps, record_trace, section_starts
from ...errors import UserError
from .. import ui
from ..ui.theme import THEMES
from .export import export_gif, export_pngs, parse_range
from .overlay import TOAST_SECONDS, draw_help, draw_toast
from .pad import DIGIT_KEYS, PadScene
from .view import StepView
from .zoom import ZoomedFigure

THEME_ORDER = ("projector", "dark", "light")
HINTS = (("→", "next"), ("←", "back"), ("Z", "zoom"), ("H", "help, symbols"), ("PgUp/PgDn", "layer"),
         ("0–9", "filter"), ("A", "autoplay"), ("N", "new digit"), ("D", "draw"), ("T", "theme"))
PACES = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)   # seconds per step in autoplay


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


def focus_note(arch, focus: int) -> str:
    """What a number key did where a conv layer has fewer filters than the key's number:
    "conv1 has 6 filters: 7 shows its filter 1" ('' when every layer has that filter)."""
    notes = [f"{c.name} has {c.filters} filters: {focus} shows its filter {focus % c.filters}"
             for c in arch.of_type(Conv) if c.filters <= focus]
    return "; ".join(notes)


class LectureScene(ui.Scene):
    """Steps through the lecture (keys: HINTS; H lists them all)."""
    title = "CNN Simulator: lecture"

    def __init__(self, session: LectureSession | None, trace, theme: str = "projector", index: int = 0,
                 focus: int | None = None):
        self.session = session
        self.trace = trace
        self.focus = focus               # None: the map each layer shows unless a number key chose one
        self.steps = self._build()
        self.index = min(max(0, index), len(self.steps) - 1)
        self.theme = THEMES[theme]
        self.autoplay = False
        self.pace = 3
        self.clock = 0.0
        self.help = False
        self.toast, self.toast_left = "", 0.0
        self.size, self.sizes = (1280, 800), ui.Sizes.for_window((1280, 800), self.theme)
        self._view = None
        self._frame = (None, None)

    def _build(self):
        return build_steps(self.trace) if self.focus is None else build_steps(self.trace, self.focus)

    @property
    def step(self):
        return self.steps[self.index]

    @property
    def view(self) -> StepView:
        if self._view is None or self._view.theme is not self.theme:
            self._view = StepView(self.theme, ui.Text(self.theme))
        return self._view

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
        self.steps = self._build()
        self.go(self.index if index is None else index)

    def set_focus(self, focus: int) -> None:
        self.focus = focus
        self.steps = self._build()
        self.go(self.index)
        self.notify(focus_note(self.trace.arch, focus))

    def take_drawing(self, image: np.ndarray, label: int) -> None:
        """The pad's drawing, traced from step 1."""
        if self.session is not None:
            self.set_trace(self.session.trace_drawing(image, label), index=0)

    # --- the scene contract -----------------------------------------------------------
    def layout(self, size, sizes) -> None:
        self.size, self.sizes = tuple(size), sizes
        self._frame = (None, None)

    def handle(self, event):
        if event.type != pygame.KEYDOWN:
            return None
        k = event.key
        if self.help and k in (pygame.K_h, pygame.K_ESCAPE):
            self.help = False
        elif k in (pygame.K_RIGHT, pygame.K_SPACE, pygame.K_RETURN):
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
        elif k == pygame.K_h:
            self.help = True
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
            self.autoplay = False
            return ui.Open(PadScene(self.theme, self.take_drawing))
        elif k in DIGIT_KEYS:
            self.set_focus(DIGIT_KEYS[k])
        elif k in (pygame.K_ESCAPE, pygame.K_q):
            return ui.BACK
        return None

    def update(self, dt: float):
        if self.toast_left > 0:
            self.toast_left -= dt
            if self.toast_left <= 0:
                self.toast = ""
        if not self.autoplay:
            return None
        self.clock += dt
        if self.clock >= PACES[self.pace]:
            if self.index >= len(self.steps) - 1:
                self.autoplay = False
            else:
                self.go(self.index + 1)
        return None

    def notify(self, message: str) -> None:
        """A notice for a few seconds over the step (what a key did, a screenshot saved)."""
        self.toast, self.toast_left = message, (TOAST_SECONDS if message else 0.0)

    def zoom_target(self, pos):
        return ZoomedFigure(self, self.view.panel_at(pos))

    def status(self) -> str:
        t = self.trace
        text = f"{t.source} · label {t.label}" + (f" · filter {self.focus}" if self.focus is not None else "")
        if self.autoplay:
            pace = PACES[self.pace]
            text += f" · autoplay {ui.fmt(pace, 0 if pace == int(pace) else 1)} s/step"
        return text

    def draw(self, surface: pygame.Surface):
        key = (id(self.step), self.theme.name, surface.get_size(), self.status(), self.help, self.toast)
        if self._frame[0] != key or ui.CHECK.enabled:     # a step is drawn once, then blitted
            frame = pygame.Surface(surface.get_size())
            self.paint(frame)
            self._frame = (key, frame)
        surface.blit(self._frame[1], (0, 0))
        return None

    def paint(self, surface: pygame.Surface) -> None:
        """The step, its help and its notice, drawn afresh."""
        view, sizes = self.view, self.sizes
        view.draw(surface, self.step, self.index, len(self.steps), sizes, HINTS, self.status())
        if self.toast:
            draw_toast(surface, view.text, sizes, self.theme, self.toast, view.footer_top - sizes.px(4))
        if self.help:
            draw_help(surface, view.text, sizes, self.theme, self.step)


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
