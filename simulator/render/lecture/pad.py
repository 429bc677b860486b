"""Draw your own digit for the lecture (D): a scene of its own on the kit's window runner. The
mouse draws; a digit key says what it is, hands (image, label) to the lecture and returns to it;
Esc returns without a drawing.

The drawing is prepared like MNIST by the engine (drawing.prepare_uint8); the preview shows
exactly the 28×28 image the lecture will trace.
"""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.drawing import prepare_uint8
from .. import ui
from ..ui.theme import array_surface, gray_rgb

CANVAS = 280          # canvas resolution (10× MNIST)
BRUSH = 18.0          # brush radius in canvas pixels (MNIST strokes are 2–3 px of 28)
_ROWS, _COLS = np.mgrid[0:CANVAS, 0:CANVAS]

DIGIT_KEYS = {getattr(pygame, f"K_{d}"): d for d in range(10)}
DIGIT_KEYS.update({getattr(pygame, f"K_KP{d}"): d for d in range(10)})
INSTRUCTIONS = ("Draw with the mouse (left button).",
                "Then press the digit key it is, 0–9, to trace it through the network.", "C clears · Esc goes back.")


class PadScene(ui.Scene):
    """done(image, label) is called when a digit key ends the drawing."""
    title = "CNN Simulator: draw a digit"

    def __init__(self, theme, done):
        self.theme = theme
        self.done = done
        self.text = ui.Text(theme)
        self.sizes = ui.Sizes.for_window((1280, 800), theme)
        self.size = (1280, 800)
        self.canvas = np.zeros((CANVAS, CANVAS), np.float64)
        self.preview = np.zeros((28, 28), np.uint8)
        self.last = None
        self.message = ""
        self.pad_rect = pygame.Rect(0, 0, 1, 1)

    def layout(self, size, sizes) -> None:
        self.size, self.sizes = size, sizes
        W, H = size
        m = sizes.px(16)
        top = m + self.text.line(sizes.heading, "bold") + sizes.px(12)
        side = int(min(W * 0.5, H - top - m))
        self.pad_rect = pygame.Rect(m, top, side, side)

    # --- input --------------------------------------------------------------------
    def handle(self, event):
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                return ui.BACK
            if event.key in (pygame.K_c, pygame.K_BACKSPACE, pygame.K_DELETE):
                self.canvas[:] = 0
                self.preview[:] = 0
                self.message = ""
            elif event.key in DIGIT_KEYS:
                if not self.preview.any():
                    self.message = "Draw a digit first."
                else:
                    self.done(self.preview.copy(), DIGIT_KEYS[event.key])
                    return ui.BACK
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.last = self._to_canvas(event.pos)
            self.stroke(self.last, self.last)
        elif event.type == pygame.MOUSEMOTION and self.last is not None:
            point = self._to_canvas(event.pos)
            self.stroke(self.last, point)
            self.last = point
        elif event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            self.last = None
            self.preview = prepare_uint8(self.canvas)
        return None

    def _to_canvas(self, pos) -> tuple[float, float]:
        r = self.pad_rect
        return ((pos[1] - r.y) * CANVAS / r.h, (pos[0] - r.x) * CANVAS / r.w)

    def stroke(self, a, b) -> None:
        """Ink along the segment a→b (canvas row, col) with a soft round brush."""
        n = max(1, int(np.hypot(b[0] - a[0], b[1] - a[1]) / 2))
        lo_r = int(max(0, min(a[0], b[0]) - BRUSH - 1))
        hi_r = int(min(CANVAS, max(a[0], b[0]) + BRUSH + 2))
        lo_c = int(max(0, min(a[1], b[1]) - BRUSH - 1))
        hi_c = int(min(CANVAS, max(a[1], b[1]) + BRUSH + 2))
        if lo_r >= hi_r or lo_c >= hi_c:
            return
        rr, cc = _ROWS[lo_r:hi_r, lo_c:hi_c], _COLS[lo_r:hi_r, lo_c:hi_c]
        patch = self.canvas[lo_r:hi_r, lo_c:hi_c]
        for t in np.linspace(0.0, 1.0, n + 1):
            y, x = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
            d = np.hypot(rr - y, cc - x) / BRUSH
            np.maximum(patch, np.clip(1.5 - 1.5 * d * d, 0.0, 1.0), out=patch)

    # --- drawing ------------------------------------------------------------------
    def draw(self, surface: pygame.Surface):
        t, tx, sz = self.theme, self.text, self.sizes
        W, H = surface.get_size()
        surface.fill(t.background)
        m = sz.px(16)
        ui.CHECK.begin("draw a digit", surface.get_rect())
        tx.draw(surface, "Draw your own digit", (m, m), sz.heading, t.text, "bold")
        side = self.pad_rect.w
        ink = gray_rgb(self.canvas, 0.0, 1.0)
        surface.blit(pygame.transform.scale(array_surface(ink, 1), (side, side)), self.pad_rect)
        pygame.draw.rect(surface, t.accent, self.pad_rect.inflate(6, 6), 3)
        x = self.pad_rect.right + 2 * m
        width = W - x - m
        label = ui.first_fitting(tx, ("what the network will see (28×28)", "what it will see (28×28)", "28×28"),
                                 width, sz.body) or "28×28"
        r = tx.draw(surface, label, (x, self.pad_rect.y), sz.body, t.muted)
        cell = max(1, min(width, side // 2) // 28)
        preview = pygame.Rect(x, r.bottom + sz.px(6), 28 * cell, 28 * cell)
        surface.blit(array_surface(gray_rgb(self.preview, 0, 255), cell), preview)
        pygame.draw.rect(surface, t.panel_border, preview.inflate(4, 4), 1)
        y = preview.bottom + sz.px(20)
        for line in INSTRUCTIONS:
            y += ui.paragraph(tx, surface, line, pygame.Rect(x, y, width, H - y), sz.body)
        if self.message:
            ui.paragraph(tx, surface, self.message, pygame.Rect(x, y + sz.px(8), width, H - y), sz.body, t.accent)
        return None
