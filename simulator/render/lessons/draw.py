"""Draw a digit: a mouse pad, the drawing prepared like MNIST (lessons/draw.prepare), the
model's probabilities and the activations of every layer, updating as you draw.

The model is --checkpoint if given, else a quick model from the user cache, else one trained
now on a background thread (progress shown). The screen calls the engine only once that
thread is done, so two threads never run the kernels at once."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame

from ...engine.lessons import draw as draw_math
from ...engine.data import MEAN, STD, load_dataset
from ...engine.background import Background
from ...engine.model import softmax
from ..ui.theme import array_surface, gray_rgb
from . import common as ui
from .common import fmt

PAD = 336                 # drawing pad side in pixels (12 per MNIST pixel)
BRUSH = 15                # brush radius
REFRESH = 0.08            # seconds between predictions while drawing
# a "2" drawn with the mouse, for --export and the gallery
DEMO_STROKES = [[(105, 118), (125, 88), (165, 72), (208, 84), (228, 118), (218, 158), (182, 198),
                 (136, 240), (104, 266), (160, 264), (238, 262)]]
# a square: not a digit at all, to show that softmax still picks one, often with a high p
SQUARE_STROKES = [[(88, 88), (248, 88), (248, 248), (88, 248), (88, 88)]]
OVERCONFIDENCE = ("Softmax shares p = 1 among the 10 digits, whatever is drawn: a square (S) still gets a "
                  "digit, often with a high p. There is no 'not a digit' answer.")
SHOWN = (("act1", "conv1 + act  6×28×28", 2), ("pool1", "pool1  6×14×14", 3), ("act2", "conv2 + act  16×10×10", 3),
         ("pool2", "pool2  16×5×5", 5))


class DrawScene:
    title = "Draw a digit"
    animated = False

    def __init__(self, theme, options=None, model=None):
        self.theme = theme
        self.canvas = pygame.Surface((PAD, PAD))
        self.canvas.fill((0, 0, 0))
        self.last: tuple | None = None
        self.drawing, self.dirty, self.clock = False, False, 0.0
        self.prepared: draw_math.Prepared | None = None
        self.outputs, self.probs = None, None
        self.model_note = ""
        checkpoint = getattr(options, "checkpoint", None)
        if model is None and checkpoint is not None:
            model, self.model_note = draw_math.model_from_checkpoint(checkpoint), f"checkpoint {Path(checkpoint).name}"
        if model is None:
            model = draw_math.cached_quick_model()
            self.model_note = f"quick model ({draw_math.QUICK_STEPS} steps, from the cache)"
        if model is not None:
            self.job = Background.done((model, None))
            self.model_note = self.model_note or "given model"
        else:
            data = load_dataset(getattr(options, "data", None))
            steps = draw_math.QUICK_STEPS
            self.job = Background(lambda task: draw_math.train_quick_model(data, task.report, task.stopping, steps),
                                  "draw-model").start()
            self.model_note = f"quick model: {draw_math.QUICK_STEPS} SGD steps of {draw_math.QUICK.batch_size} images"
        self._pad_rect = pygame.Rect(0, 0, PAD, PAD)
        self.export_seconds = 0.2

    # --- state ------------------------------------------------------------------------
    @property
    def model(self):
        return self.job.result[0] if self.ready() and self.job.result else None

    def ready(self) -> bool:
        return self.job.finished.is_set()

    def close(self) -> None:
        self.job.stop()

    def clear(self) -> None:
        self.canvas.fill((0, 0, 0))
        self.prepared, self.outputs, self.probs, self.dirty = None, None, None, False

    def stroke(self, points) -> None:
        """Draw a polyline of pad coordinates with the round brush."""
        for a, b in zip(points, points[1:]):
            pygame.draw.line(self.canvas, (255, 255, 255), a, b, BRUSH * 2)
        for p in points:
            pygame.draw.circle(self.canvas, (255, 255, 255), p, BRUSH)
        self.dirty = True

    def demo(self) -> None:
        self.draw_strokes(DEMO_STROKES)

    def draw_strokes(self, strokes) -> None:
        """Clear the pad, draw these polylines and run the model on them."""
        self.clear()
        for s in strokes:
            self.stroke(s)
        self.refresh()

    def ink(self) -> np.ndarray:
        """The pad as ink values [PAD, PAD] in [0, 1] (row-major, like an image)."""
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
    def handle(self, event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and self._pad_rect.collidepoint(event.pos):
            self.drawing, self.last = True, self._to_pad(event.pos)
            self.stroke([self.last])
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 3:
            self.clear()
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self.drawing, self.last = False, None
            self.refresh()
        elif event.type == pygame.MOUSEMOTION and self.drawing:
            p = self._to_pad(event.pos)
            self.stroke([self.last, p])
            self.last = p
        elif event.type == pygame.KEYDOWN and event.key in (pygame.K_c, pygame.K_BACKSPACE, pygame.K_DELETE):
            self.clear()
        elif event.type == pygame.KEYDOWN and event.key == pygame.K_d:
            self.demo()
        elif event.type == pygame.KEYDOWN and event.key == pygame.K_s:
            self.draw_strokes(SQUARE_STROKES)

    def _to_pad(self, pos):
        return (min(max(pos[0] - self._pad_rect.left, 0), PAD - 1), min(max(pos[1] - self._pad_rect.top, 0), PAD - 1))

    def update(self, dt: float) -> None:
        self.clock += dt
        if self.ready() and self.prepared is not None and self.outputs is None and self.model is not None:
            self.dirty = True                      # the model just arrived: run it on what is drawn
        if self.dirty and self.clock >= REFRESH:
            self.clock = 0.0
            self.refresh()

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface) -> None:
        t = self.theme
        ui.header(surface, t, "Draw a digit",
                  "Drawn, cropped, scaled to 20×20, centred by its centre of mass in 28×28, normalised like "
                  "MNIST: then LeNet-5 reads it.")
        top, bottom = ui.HEADER_H + 10, 800 - ui.FOOTER_H - 8
        inner = ui.panel(surface, t, pygame.Rect(24, top, PAD + 24, PAD + 44), "Your drawing")
        self._pad_rect = pygame.Rect(inner.left, inner.top + 2, PAD, PAD)
        surface.blit(self.canvas, self._pad_rect)
        pygame.draw.rect(surface, t.panel_border, self._pad_rect, 1)
        p = self.prepared
        if p is not None:
            r0, r1, c0, c1 = p.bbox
            pygame.draw.rect(surface, t.accent, (self._pad_rect.left + c0, self._pad_rect.top + r0, c1 - c0, r1 - r0), 1)
        else:
            ui.text(surface, t, "draw here with the mouse", self._pad_rect.center, 16, t.muted, anchor="center")
        self._draw_prepared(surface, pygame.Rect(24, top + PAD + 54, PAD + 24, bottom - top - PAD - 54))
        self._draw_prediction(surface, pygame.Rect(396, top, 430, PAD + 44))
        self._draw_model(surface, pygame.Rect(842, top, 414, PAD + 44))
        self._draw_layers(surface, pygame.Rect(396, top + PAD + 54, 860, bottom - top - PAD - 54))
        ui.footer(surface, t, "left mouse: draw   right mouse, C or Backspace: clear   D: a sample drawing   "
                              "S: a square   Esc: quit")

    def _draw_prepared(self, surface, rect) -> None:
        t, p = self.theme, self.prepared
        inner = ui.panel(surface, t, rect, "Prepared like MNIST")
        if p is None:
            return
        s = 5
        y = inner.top + 20
        box = pygame.Rect(inner.left, y, 20 * s, 20 * s)
        pygame.draw.rect(surface, t.background, box)
        surface.blit(array_surface(gray_rgb(p.scaled, 0, 1), s), box.topleft)
        pygame.draw.rect(surface, t.panel_border, box, 1)
        ui.text(surface, t, f"scaled {p.scaled.shape[1]}×{p.scaled.shape[0]}", (box.left, box.top - 3), 12, t.muted,
                anchor="bottomleft")
        field = pygame.Rect(box.right + 26, y, 28 * s, 28 * s)
        surface.blit(array_surface(gray_rgb(p.image, 0, 1), s), field.topleft)
        pygame.draw.rect(surface, t.panel_border, field, 1)
        cy, cx = p.centre_of_mass
        px, py = field.left + (cx + 0.5) * s, field.top + (cy + 0.5) * s
        pygame.draw.line(surface, t.accent, (px - 6, py), (px + 6, py), 2)
        pygame.draw.line(surface, t.accent, (px, py - 6), (px, py + 6), 2)
        ui.text(surface, t, "28×28, centred", (field.left, field.top - 3), 12, t.muted, anchor="bottomleft")
        y = field.bottom + 8
        for line in (f"centre of mass ({fmt(cy, 1)}, {fmt(cx, 1)})",
                     f"normalised: {fmt(float(p.x.min()), 2)} … {fmt(float(p.x.max()), 2)}"):
            ui.text(surface, t, line, (inner.left, y), 13, face="mono")
            y += ui.line_height(t, 13)

    def _draw_prediction(self, surface, rect) -> None:
        t = self.theme
        inner = ui.panel(surface, t, rect, "What LeNet-5 reads")
        if self.probs is None:
            msg = "draw a digit" if self.model is not None else "waiting for the model…"
            ui.text(surface, t, msg, inner.center, 16, t.muted, anchor="center")
            return
        best = int(np.argmax(self.probs))
        digit = ui.text(surface, t, str(best), (inner.left + 60, inner.top), 96, t.accent, "bold", "midtop")
        ui.text(surface, t, f"p = {self.probs[best]:.1%}", (inner.left + 60, digit.bottom + 2), 15, anchor="midtop")
        bar_left, bar_w = inner.left + 150, inner.width - 230
        row = (inner.height - 8) // 10
        for k in range(10):
            y = inner.top + 4 + k * row
            colour = t.accent if k == best else t.negative
            ui.text(surface, t, str(k), (bar_left - 10, y + row // 2), 15, anchor="midright", face="bold")
            pygame.draw.rect(surface, t.background, (bar_left, y + 4, bar_w, row - 8))
            pygame.draw.rect(surface, colour, (bar_left, y + 4, round(bar_w * float(self.probs[k])), row - 8))
            ui.text(surface, t, f"{self.probs[k]:6.1%}", (bar_left + bar_w + 6, y + row // 2), 13, t.muted, "mono", "midleft")

    def _draw_model(self, surface, rect) -> None:
        t = self.theme
        inner = ui.panel(surface, t, rect, "The model")
        y = inner.top
        lh = ui.line_height(t, 13)
        for line in ui.wrap_px(t, self.model_note, inner.width, 13):
            ui.text(surface, t, line, (inner.left, y), 13, t.muted)
            y += lh
        if self.job.error is not None:
            ui.text(surface, t, f"training failed: {self.job.error}", (inner.left, y + 4), 13, t.bad)
            y += lh + 4
        elif not self.ready():
            done, total, _ = self.job.progress
            ui.progress_bar(surface, t, (inner.left, y + 24, inner.width, 16), done / total,
                            f"training once, then cached: {done}/{total}")
            ui.text(surface, t, "you can draw meanwhile", (inner.left, y + 44), 13, t.muted)
            y += 44 + lh
        elif self.job.result and self.job.result[1] is not None:
            ui.text(surface, t, f"test accuracy {self.job.result[1]:.1%} (1000 images)", (inner.left, y + 4), 13, t.good)
            y += lh + 4
        y += 8
        steps = ("Prepared as MNIST was:",
                 "1  crop to the ink's bounding box",
                 f"2  scale its longer side to {draw_math.BOX} pixels",
                 f"3  centre of mass to the centre of {draw_math.FIELD}×{draw_math.FIELD}",
                 f"4  normalise: (x − {MEAN}) / {STD}")
        for k, line in enumerate(steps):
            ui.text(surface, t, line, (inner.left, y), ui.fit_size(t, line, 13, inner.width), t.text if k else t.muted)
            y += lh
        if self.outputs is None:
            return
        y += 8
        bottom = inner.bottom - 3 * lh
        for line in ui.wrap_px(t, OVERCONFIDENCE, inner.width, 13):
            if y + lh > bottom:
                break
            ui.text(surface, t, line, (inner.left, y), 13, t.accent)
            y += lh
        y = bottom
        logits = self.outputs["logits"][0]
        ui.text(surface, t, "logits z (fc3), softmax p = e^z / Σ e^z:", (inner.left, y), 13, t.muted)
        y += lh
        for half in (range(0, 5), range(5, 10)):
            line = "  ".join(f"{k}:{fmt(float(logits[k]), 1)}" for k in half)
            ui.text(surface, t, line, (inner.left, y), ui.fit_size(t, line, 13, inner.width, "mono"), face="mono")
            y += lh

    def _draw_layers(self, surface, rect) -> None:
        t = self.theme
        inner = ui.panel(surface, t, rect, "Activations of every layer")
        if self.outputs is None:
            return
        x, y = inner.left, inner.top + 18
        for name, label, scale in SHOWN:
            maps = self.outputs[name][0]
            lim = float(np.abs(maps).max()) or 1.0
            after_relu = bool(maps.min() >= 0)         # nothing negative: a one-sided scale
            per_row = 6 if len(maps) == 6 else 8
            side = maps.shape[-1] * scale
            if x + per_row * (side + 4) > inner.right:
                x, y = inner.left, y + 2 * (side + 4) + 26
            ui.text(surface, t, label, (x, y - 3), 12, t.muted, anchor="bottomleft")
            for k, m in enumerate(maps):
                ui.heat(surface, t, m, (x + (k % per_row) * (side + 4), y + (k // per_row) * (side + 4)), scale, lim,
                        t.panel_border, one_sided=after_relu)
            x += per_row * (side + 4) + 18
        for name, label, cols in (("act3", "fc1  120", 12), ("act4", "fc2  84", 12)):
            v = self.outputs[name][0]
            grid = np.full((int(np.ceil(len(v) / cols)) * cols,), np.nan)
            grid[:len(v)] = v
            ui.text(surface, t, label, (x, y - 3), 12, t.muted, anchor="bottomleft")
            ui.heat(surface, t, np.nan_to_num(grid.reshape(-1, cols)), (x, y), 6, float(np.abs(v).max()) or 1.0,
                    t.panel_border)
            x += cols * 6 + 18

