"""`python main.py lecture`: one operation per key press, forward and backward.

The lecture is a list of Steps built from one recorded pass of the real engine; this module
shows them in a scene of the kit's window runner (view.py draws a step, zoom.py its figure for
Z, overlay.py the H help, pad.py the D drawing pad), or writes them out without a window
(export.py: --export DIR as PNGs, --gif PATH).
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pygame

from ...engine.arch import Conv
from ...engine.config import TrainConfig
from ...engine.dataformat import MNIST
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
# a network for other data: N takes another test picture, and there is no pad to draw on
PICTURE_HINTS = tuple(("N", "new picture") if k == "N" else (k, what) for k, what in HINTS if k != "D")
PACES = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0)   # seconds per step in autoplay


class LectureSession:
    """What the lecture traces: the test images of the data (any format: grey or colour, any
    size and classes), the network for them, its weights, and which picture is current."""

    def __init__(self, data_dir=None, checkpoint=None, activation=None, pool=None, seed=0, arch=None):
        """arch: a spec (default LeNet-5 adapted to the data); activation/pool switch all its
        activations/pools. A checkpoint traces its own network, on data of its own format:
        other data is refused in one line (a folder of pictures is read at the checkpoint's size)."""
        from ...engine.arch import lenet5_spec
        from ...engine.data import load_dataset
        state = None
        if checkpoint is not None:
            from ...engine.checkpoint import load_checkpoint
            state = load_checkpoint(checkpoint)
        size = picture_size(data_dir, state)
        self.data = load_dataset(data_dir, size, accept=lambda fmt: self._accept(fmt, checkpoint, state, data_dir, size))
        self.format = fmt = self.data.format
        if state is not None:
            self.params = state["params"]
            self.config = TrainConfig(**state["config"]).model_config(fmt)
        else:
            self.params = None
            self.config = TrainConfig(arch=arch or lenet5_spec((fmt.height, fmt.width), fmt.n_classes),
                                      activation=activation, pool=pool, seed=seed).model_config(fmt)
        self.rng = np.random.default_rng(seed)

    @staticmethod
    def _accept(fmt, checkpoint, state, data_dir, size) -> None:
        """Refuse data a checkpoint's network cannot take, before it is read."""
        if state is not None and not state["format"].same_network(fmt):
            data = f"--data {data_dir}" if data_dir is not None else "the bundled MNIST: no --data"
            data += f", read at the checkpoint's {size[1]}×{size[0]}" if size else ""
            raise UserError(f"--checkpoint {checkpoint} was trained on {state['format'].mismatch(fmt)} ({data}); "
                            "give the --data it was trained on")

    @property
    def can_draw(self) -> bool:
        """The pad draws grey 28×28 digits: only a network for MNIST-format data can read them."""
        return self.format.same_network(MNIST)

    def trace_test_image(self, index: int):
        n = len(self.data.test_images)
        if not 0 <= index < n:
            raise UserError(f"--digit {index}: the test set has {n} images (0–{n - 1})")
        return record_trace(self.data.test_images[index], int(self.data.test_labels[index]), self.params,
                            self.config, source=f"test image #{index}", fmt=self.format)

    def random_index(self) -> int:
        return int(self.rng.integers(len(self.data.test_images)))

    def trace_drawing(self, image: np.ndarray, label: int):
        return record_trace(image, label, self.params, self.config, source="your drawing", fmt=self.format)


def picture_size(data_dir, state) -> tuple[int, int] | None:
    """The size a folder of pictures is read at: a checkpoint's own (it was trained on them at
    that size), else the folder's default. IDX folders and the shapes set have a size of their own."""
    from ...engine.data import SHAPES, is_idx_folder
    if state is None or data_dir is None or not Path(data_dir).is_dir() or is_idx_folder(Path(data_dir)):
        return None
    if str(data_dir) == SHAPES and not Path(data_dir).exists():
        return None
    return state["format"].height, state["format"].width


def label_words(trace) -> str:
    """The status line's label: 7, or red-circle."""
    return str(trace.label) if trace.digits else trace.format.classes[trace.label]


def no_drawing_note(fmt) -> str:
    """Why D does nothing for this network (the notice it shows)."""
    return (f"Drawing is for networks of 28×28 grey digits; this one reads {fmt.describe()}. "
            "N traces another test picture.")


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
            if not self.session.can_draw:
                self.notify(no_drawing_note(self.session.format))
                return None
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

    def hints(self) -> tuple:
        """The footer's keys: for a digit network HINTS, for other data without the pad's D."""
        return HINTS if self.trace.digits and self.trace.format.same_network(MNIST) else PICTURE_HINTS

    def zoom_target(self, pos):
        return ZoomedFigure(self, self.view.panel_at(pos))

    def status(self) -> str:
        t = self.trace
        text = f"{t.source} · label {label_words(t)}" + (f" · filter {self.focus}" if self.focus is not None else "")
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
        view.draw(surface, self.step, self.index, len(self.steps), sizes, self.hints(), self.status())
        if self.toast:
            draw_toast(surface, view.text, sizes, self.theme, self.toast, view.footer_top - sizes.px(4))
        if self.help:
            draw_help(surface, view.text, sizes, self.theme, self.step)


# ----------------------------------------------------------------------------- entry point

def check_checkpoint_network(args, traced, fmt=MNIST) -> None:
    """A checkpoint is traced as the network it holds: a different --arch/--activation/--pool
    asked for with it is refused in one line rather than silently ignored."""
    from ...engine.arch import build, lenet5_spec
    default = lenet5_spec((fmt.height, fmt.width), fmt.n_classes)
    spec = getattr(args, "arch", None) or default
    asked = spec != default or args.activation or args.pool
    if args.checkpoint is None or not asked:
        return
    wanted = build(spec, fmt.input_shape, fmt.n_classes).with_kinds(args.activation, args.pool)
    if wanted.spec != traced.spec:
        raise UserError(f"--checkpoint {args.checkpoint} holds {traced.spec}, not {wanted.spec}: the lecture "
                        "traces the checkpoint's own network, so leave out --arch/--activation/--pool")


def run_lecture(args) -> int:
    if args.export is None and args.gif is None:
        os.environ.setdefault("SDL_VIDEO_WINDOW_POS", "centered")
    session = LectureSession(args.data, args.checkpoint, args.activation, args.pool, args.seed,
                             getattr(args, "arch", None))
    check_checkpoint_network(args, session.config.arch, session.format)
    trace = session.trace_test_image(args.digit)
    scene = LectureScene(session, trace, args.theme)
    total = len(scene.steps)
    if args.goto > total:
        raise UserError(f"--goto {args.goto}: the lecture has {total} steps")
    scene.go(args.goto - 1)
    if args.export is not None or args.gif is not None:
        indices = parse_range(args.step_range, total)
        status = f"{trace.source} · label {label_words(trace)}"
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
