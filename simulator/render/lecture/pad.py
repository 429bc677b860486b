"""Draw your own digit for the lecture: a mouse pad, then a digit key says what it is.

The drawing is prepared like MNIST by the engine (drawing.prepare_uint8); the
preview shows exactly the 28×28 image the lecture will trace.
"""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.drawing import prepare_uint8
from .view import px
from ..ui.theme import Theme, array_surface, gray_rgb, load_font

CANVAS = 280          # canvas resolution (10× MNIST)
BRUSH = 18.0          # brush radius in canvas pixels (MNIST strokes are 2–3 px of 28)
_ROWS, _COLS = np.mgrid[0:CANVAS, 0:CANVAS]

DIGIT_KEYS = {getattr(pygame, f"K_{d}"): d for d in range(10)}
DIGIT_KEYS.update({getattr(pygame, f"K_KP{d}"): d for d in range(10)})


class PadScene:
    """handle(event) / update(dt) / draw(surface). When done, `result` is (image, label) or
    False (cancelled); the lecture scene then takes over again."""

    def __init__(self, theme: Theme):
        self.theme = theme
        self.canvas = np.zeros((CANVAS, CANVAS), np.float64)
        self.preview = np.zeros((28, 28), np.uint8)
        self.last = None
        self.result = None
        self.message = ""
        self.pad_rect = pygame.Rect(0, 0, 1, 1)

    # --- input --------------------------------------------------------------------
    def handle(self, event) -> None:
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                self.result = False
            elif event.key in (pygame.K_c, pygame.K_BACKSPACE, pygame.K_DELETE):
                self.canvas[:] = 0
                self.preview[:] = 0
                self.message = ""
            elif event.key in DIGIT_KEYS:
                if not self.preview.any():
                    self.message = "Draw a digit first."
                else:
                    self.result = (self.preview.copy(), DIGIT_KEYS[event.key])
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

    def update(self, dt: float) -> None:
        pass

    # --- drawing ------------------------------------------------------------------
    def draw(self, surface: pygame.Surface) -> None:
        t = self.theme
        W, H = surface.get_size()
        surface.fill(t.background)
        m = max(16, int(min(W, H) * 0.025))
        title = load_font("bold", px(t, 27)).render("Draw your own digit", True, t.text)
        surface.blit(title, (m, m))
        side = int(min(W * 0.5, H - 2 * m - title.get_height() - px(t, 90)))
        self.pad_rect = pygame.Rect(m, m + title.get_height() + 16, side, side)
        ink = gray_rgb(self.canvas, 0.0, 1.0)
        surface.blit(pygame.transform.scale(array_surface(ink, 1), (side, side)), self.pad_rect)
        pygame.draw.rect(surface, t.accent, self.pad_rect.inflate(6, 6), 3)
        px_side = min(W - self.pad_rect.right - 3 * m, side // 2)
        cell = max(1, px_side // 28)
        prev_rect = pygame.Rect(self.pad_rect.right + 2 * m, self.pad_rect.y + px(t, 30), 28 * cell, 28 * cell)
        label = load_font("sans", px(t, 17)).render("what the network will see (28×28)", True, t.muted)
        surface.blit(label, (prev_rect.x, prev_rect.y - label.get_height() - 6))
        surface.blit(array_surface(gray_rgb(self.preview, 0, 255), cell), prev_rect)
        pygame.draw.rect(surface, t.panel_border, prev_rect.inflate(4, 4), 1)
        font = load_font("sans", px(t, 19))
        lines = ["Draw with the mouse (left button).",
                 "Then press the digit key it is, 0–9,",
                 "to trace it through the network.",
                 "C clears · Esc goes back."]
        if self.message:
            lines.append(self.message)
        y = prev_rect.bottom + px(t, 24)
        for i, line in enumerate(lines):
            color = t.accent if self.message and i == len(lines) - 1 else t.text
            surface.blit(font.render(line, True, color), (prev_rect.x, y))
            y += font.get_linesize()
