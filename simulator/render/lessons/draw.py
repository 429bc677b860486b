"""Draw a digit: a mouse pad, the drawing prepared like MNIST (lessons/draw.prepare), the
model's probabilities and the activations of every layer, updating as you draw.

The model is --checkpoint if given, else a quick model from the user cache, else one trained
now on a background thread (progress shown). The screen calls the engine only once that
thread is done, so two threads never run the kernels at once.

Drawn at the window's size with the kit's sizes: the pad is kept square (the ink lives on a
fixed PAD×PAD canvas, shown scaled), the layers' maps take the room left (a larger map is never
drawn smaller than a smaller one), and what does not fit is left out from the least needed up
(the logits, the over-confidence note, the preparation steps; those panels: draw_panels.py).
Z zooms the drawing and its prediction."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame

from ...engine.background import Background
from ...engine.data import load_dataset
from ...engine.lessons import draw as draw_math
from ...engine.lessons.network import LENET5_VIEW, network_name, view
from ...engine.model import softmax
from ...numbers import fmt_percent, p_equals
from .. import ui
from . import draw_panels as panels
from ..ui.figures import PAD as PANEL_PAD, body_rect, header, hints, inner_rect, panel

PAD = 336                 # the drawing canvas, in canvas pixels (12 per MNIST pixel); shown scaled to the window
BRUSH = 15                # brush radius, canvas pixels
REFRESH = 0.08            # seconds between predictions while drawing
# a "2" drawn with the mouse, for --export and the gallery
DEMO_STROKES = [[(105, 118), (125, 88), (165, 72), (208, 84), (228, 118), (218, 158), (182, 198),
                 (136, 240), (104, 266), (160, 264), (238, 262)]]
# a square: not a digit at all, to show that softmax still picks one, often with a high p
SQUARE_STROKES = [[(88, 88), (248, 88), (248, 248), (88, 248), (88, 88)]]
HINTS = (("left mouse", "draw"), ("C", "clear"), ("D", "a sample 2"), ("S", "a square"), ("Z", "zoom"),
         ("Esc", "back"))



class DrawScene(ui.Scene):
    title = "Draw a digit"
    animated = False

    def __init__(self, theme, options=None, model=None):
        self.theme = theme
        self.text = ui.Text(theme)
        self.canvas = pygame.Surface((PAD, PAD))
        self.canvas.fill((0, 0, 0))
        self.last: tuple | None = None
        self.drawing, self.dirty, self.clock = False, False, 0.0
        self.prepared: draw_math.Prepared | None = None
        self.outputs, self.probs = None, None
        self.model_note = ""
        checkpoint = getattr(options, "checkpoint", None)
        if model is None and checkpoint is not None:
            model, self.model_note = draw_math.drawable_model(checkpoint), f"checkpoint {Path(checkpoint).name}"
        data_dir = getattr(options, "data", None) if model is None else None
        if data_dir is not None:       # the quick model is trained on --data: MNIST-format data only
            data = load_dataset(data_dir, accept=lambda fmt: draw_math.refuse_unless_drawable(fmt, f"--data {data_dir}:"))
        if model is None:
            model = draw_math.cached_quick_model()
            self.model_note = f"quick model ({draw_math.QUICK_STEPS} steps, from the cache)"
        if model is not None:
            self.job = Background.done((model, None))
            self.model_note = self.model_note or "given model"
        else:
            data = load_dataset(None) if data_dir is None else data
            steps = draw_math.QUICK_STEPS
            self.job = Background(lambda task: draw_math.train_quick_model(data, task.report, task.stopping, steps),
                                  "draw-model").start()
            self.model_note = f"quick model: {draw_math.QUICK_STEPS} SGD steps of {draw_math.QUICK.batch_size} images"
        self.pad_rect = pygame.Rect(0, 0, PAD, PAD)
        self._packed = (None, None)
        self.export_seconds = 0.2
        self.layout((1280, 800), ui.Sizes.for_window((1280, 800), theme))

    # --- state ------------------------------------------------------------------------
    @property
    def model(self):
        return self.job.result[0] if self.ready and self.job.result else None

    @property
    def ready(self) -> bool:
        return self.job.finished.is_set()

    @property
    def shown(self):
        """The layers drawn: the model's (LeNet-5 while it is still being trained)."""
        model = self.model
        return view(model.arch) if model is not None else LENET5_VIEW

    @property
    def name(self) -> str:
        model = self.model
        return network_name(model.arch) if model is not None else "LeNet-5"

    def close(self) -> None:
        self.job.stop()

    def clear(self) -> None:
        self.canvas.fill((0, 0, 0))
        self.prepared, self.outputs, self.probs, self.dirty = None, None, None, False

    def stroke(self, points) -> None:
        """Draw a polyline of canvas coordinates with the round brush."""
        for a, b in zip(points, points[1:]):
            pygame.draw.line(self.canvas, (255, 255, 255), a, b, BRUSH * 2)
        for p in points:
            pygame.draw.circle(self.canvas, (255, 255, 255), p, BRUSH)
        self.dirty = True

    def demo(self) -> None:
        self.draw_strokes(DEMO_STROKES)

    def tour(self):
        """An empty pad, the sample 2, a square (softmax still picks a digit)."""
        self.clear()
        yield "empty pad"
        self.draw_strokes(DEMO_STROKES)
        yield "a drawn 2"
        self.draw_strokes(SQUARE_STROKES)
        yield "a square"

    def draw_strokes(self, strokes) -> None:
        """Clear the pad, draw these polylines and run the model on them."""
        self.clear()
        for s in strokes:
            self.stroke(s)
        self.refresh()

    def ink(self) -> np.ndarray:
        """The canvas as ink values [PAD, PAD] in [0, 1] (row-major, like an image)."""
        return pygame.surfarray.array_red(self.canvas).T.astype(np.float64) / 255.0

    def refresh(self) -> None:
        """Prepare the drawing and, if the model is ready, run it (engine calls, main thread)."""
        self.dirty = False
        self.prepared = draw_math.prepare(self.ink())
        model = self.model
        if self.prepared is None or model is None:
            self.outputs = self.probs = None
            return
        self.outputs = model.forward(self.prepared.x).outputs
        self.probs = softmax(self.outputs["logits"])[0]

    # --- events -----------------------------------------------------------------------
    def handle(self, event):
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self.pad_rect.collidepoint(event.pos):
            self.drawing, self.last = True, self.to_canvas(event.pos)
            self.stroke([self.last])
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 3:
            self.clear()
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            if self.drawing:
                self.refresh()
            self.drawing, self.last = False, None
        elif event.type == pygame.MOUSEMOTION and self.drawing:
            p = self.to_canvas(event.pos)
            self.stroke([self.last, p])
            self.last = p
        elif event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                return ui.BACK
            if event.key in (pygame.K_c, pygame.K_BACKSPACE, pygame.K_DELETE):
                self.clear()
            elif event.key == pygame.K_d:
                self.demo()
            elif event.key == pygame.K_s:
                self.draw_strokes(SQUARE_STROKES)
        return None

    def to_canvas(self, pos):
        """A window position → canvas coordinates (clamped to the canvas)."""
        r = self.pad_rect
        x = (pos[0] - r.left) * PAD / max(1, r.w)
        y = (pos[1] - r.top) * PAD / max(1, r.h)
        return min(max(int(x), 0), PAD - 1), min(max(int(y), 0), PAD - 1)

    def update(self, dt: float):
        self.clock += dt
        if self.ready and self.prepared is not None and self.outputs is None and self.model is not None:
            self.dirty = True                      # the model just arrived: run it on what is drawn
        if self.dirty and self.clock >= REFRESH:
            self.clock = 0.0
            self.refresh()
        return None

    def zoom_target(self, pos):
        return ZoomedPrediction(self)

    # --- layout -----------------------------------------------------------------------
    def subtitle(self) -> str:
        return (f"Drawn, cropped, scaled to {draw_math.BOX}×{draw_math.BOX}, centred by its centre of mass in "
                f"{draw_math.FIELD}×{draw_math.FIELD}, standardised like MNIST: then {self.name} reads it.")

    def layout(self, size, sizes) -> None:
        self.size, self.sizes = tuple(size), sizes
        tx, sz = self.text, sizes
        w, h = self.size
        m, gap = sz.px(16), sz.px(10)
        body = body_rect(self.size, tx, sz, self.subtitle())
        top, bottom = body.top, body.bottom
        row1 = round((bottom - top - gap) * 0.56)
        probe = pygame.Rect(0, 0, 100, 100)
        chrome = probe.h - inner_rect(probe, tx, sz).h            # a titled panel's title and borders
        side = max(sz.px(80), min(row1 - chrome, round(0.3 * w)))
        left_w = side + 2 * sz.px(PANEL_PAD)
        rest = w - 2 * m - left_w - 2 * gap
        pred_w = max(rest // 2, min(round(0.6 * rest), self._prediction_width()))
        self.pad_panel = pygame.Rect(m, top, left_w, row1)
        self.pred_panel = pygame.Rect(self.pad_panel.right + gap, top, pred_w, row1)
        self.model_panel = pygame.Rect(self.pred_panel.right + gap, top, w - m - self.pred_panel.right - gap, row1)
        self.prep_panel = pygame.Rect(m, top + row1 + gap, left_w, bottom - top - row1 - gap)
        self.layers_panel = pygame.Rect(self.prep_panel.right + gap, self.prep_panel.y,
                                        w - m - self.prep_panel.right - gap, self.prep_panel.h)
        inner = inner_rect(self.pad_panel, tx, sz)
        side = min(inner.w, inner.h)
        self.pad_rect = pygame.Rect(inner.centerx - side // 2, inner.y, side, side)

    def _prediction_width(self) -> int:
        """What the prediction panel needs for its digit, the bars' labels and percentages, and a
        bar long enough to compare."""
        tx, sz = self.text, self.sizes
        return (tx.width("p > 99.999%", sz.body) + sz.px(12) + tx.width("0", sz.small, "bold") + sz.px(8)
                + tx.width("> 99.999%", sz.small, "mono") + sz.px(6) + sz.px(140) + 2 * sz.px(PANEL_PAD))

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface):
        t, tx, sz = self.theme, self.text, self.sizes
        surface.fill(t.background)
        header(surface, t, tx, sz, "Draw a digit", self.subtitle())
        self.draw_pad(surface, self.pad_panel, sz)
        panels.prepared_panel(self, surface, self.prep_panel)
        self.draw_prediction(surface, self.pred_panel, sz)
        panels.model_panel(self, surface, self.model_panel)
        panels.layers_panel(self, surface, self.layers_panel)
        hints(surface, t, tx, sz, HINTS)
        return None

    def draw_pad(self, surface, rect, sz, pad_rect=None) -> None:
        """The drawing, scaled to a square in rect, the ink's bounding box outlined."""
        t, tx = self.theme, self.text
        inner = panel(surface, rect, t, tx, sz, "Your drawing")
        if pad_rect is None:
            side = min(inner.w, inner.h)
            pad_rect = pygame.Rect(inner.centerx - side // 2, inner.y, side, side)
        surface.blit(pygame.transform.smoothscale(self.canvas, pad_rect.size), pad_rect)
        pygame.draw.rect(surface, t.panel_border, pad_rect, 1)
        p = self.prepared
        if p is not None:
            k = pad_rect.w / PAD
            r0, r1, c0, c1 = p.bbox
            pygame.draw.rect(surface, t.accent, (pad_rect.x + round(c0 * k), pad_rect.y + round(r0 * k),
                                                 round((c1 - c0) * k), round((r1 - r0) * k)), 1)
        else:
            msg = ui.first_fitting(tx, ("draw here with the mouse", "draw here"), pad_rect.w - sz.px(8), sz.body)
            if msg:
                tx.draw(surface, msg, pad_rect.center, sz.body, (150, 150, 150), anchor="center")

    def draw_prediction(self, surface, rect, sz) -> None:
        """The digit read (large) and the 10 probabilities as bars with their percentages."""
        t, tx = self.theme, self.text
        title = ui.first_fitting(tx, (f"What {self.name} reads", "What it reads", "Reads"),
                                 rect.w - 2 * sz.px(PANEL_PAD), sz.title, "bold") or ""
        inner = panel(surface, rect, t, tx, sz, title)
        if self.probs is None:
            msg = "draw a digit" if self.model is not None else "waiting for the model…"
            msg = ui.first_fitting(tx, (msg, msg.split(" ")[0] + "…"), inner.w, sz.body) or ""
            tx.draw(surface, msg, inner.center, sz.body, t.muted, anchor="center")
            return
        best = int(np.argmax(self.probs))
        small = sz.small
        row = inner.h // 10
        label_w = tx.width("0", small, "bold") + sz.px(8)
        pct_w = max(tx.width(fmt_percent(p), small, "mono") for p in self.probs) + sz.px(6)
        big = max(sz.heading, min(round(inner.h * 0.45), round(inner.w * 0.3)))
        digit_w = max(tx.width(str(best), big, "bold"), tx.width(p_equals(self.probs[best]), sz.body)) + sz.px(12)
        if inner.w - digit_w - label_w - pct_w < sz.px(60):
            digit_w = 0                                      # say less: the bars alone, the best one marked
        if digit_w:
            r = tx.draw(surface, str(best), (inner.x + digit_w // 2, inner.y), big, t.accent, "bold", "midtop")
            tx.draw(surface, p_equals(self.probs[best]), (inner.x + digit_w // 2, r.bottom + sz.px(2)), sz.body,
                    anchor="midtop")
        bar_left = inner.x + digit_w + label_w
        bar_w = inner.right - pct_w - bar_left
        for k in range(10):
            y = inner.y + k * row
            colour = t.accent if k == best else t.negative
            tx.draw(surface, str(k), (bar_left - sz.px(4), y + row // 2), small, t.accent if k == best else t.text,
                    "bold", anchor="midright")
            bar = pygame.Rect(bar_left, y + row // 2 - max(2, row // 3), bar_w, 2 * max(2, row // 3))
            pygame.draw.rect(surface, t.background, bar)
            pygame.draw.rect(surface, colour, (bar.x, bar.y, round(bar_w * float(self.probs[k])), bar.h))
            tx.draw(surface, fmt_percent(self.probs[k]), (inner.right, y + row // 2), small, t.muted, "mono", "midright")


class ZoomedPrediction(ui.Zoomable):
    """Z: the drawing and what the network reads, over the whole window at the zoom's sizes."""
    title = "Draw a digit"

    def draw(self, surface) -> None:
        sz, r = self.sizes, self.rect.inflate(-2 * self.sizes.px(8), -2 * self.sizes.px(8))
        gap = sz.px(10)
        probe = inner_rect(pygame.Rect(0, 0, 100, 100), self.scene.text, sz)
        side = min(r.h - (100 - probe.h), r.w // 2 - 2 * sz.px(PANEL_PAD))
        left = pygame.Rect(r.x, r.y, side + 2 * sz.px(PANEL_PAD), r.h)
        right = pygame.Rect(left.right + gap, r.y, r.right - left.right - gap, r.h)
        with ui.CHECK.scope("zoomed drawing", left):
            self.scene.draw_pad(surface, left, sz)
        with ui.CHECK.scope("zoomed prediction", right):
            self.scene.draw_prediction(surface, right, sz)
