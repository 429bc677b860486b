"""RGB convolution: a colour image's three channels, each convolved with its slice of one
3×3×3 filter, the three responses summed (plus bias) into one output map. The maps and the
per-pixel arithmetic come from lessons_rgb (ops.conv2d_forward)."""
from __future__ import annotations

import numpy as np
import pygame

from ...engine import lessons_rgb as rgb_math
from ..theme import array_surface
from . import common as ui
from .common import fmt

CHANNELS = ("red", "green", "blue")
FILTER_CELL = 38


class RGBScene:
    title = "RGB convolution"
    animated = False

    def __init__(self, theme, options=None):
        self.theme = theme
        self.image = rgb_math.load_image(getattr(options, "image", None))
        self.names = list(rgb_math.FILTERS)
        self.choice = 0
        _, self.h, self.w = self.image.shape
        self.scale = max(1, min(192 // self.w, 144 // self.h))      # every map at most 192×144 pixels
        self.hover = (self.h // 2, self.w // 2)
        self._channel_surfaces = [array_surface(self._tint(c), self.scale) for c in range(3)]
        self._input_surface = array_surface((self.image.transpose(1, 2, 0) * 255).astype(np.uint8), self.scale)
        self._convolve()
        self._hit = []
        self.export_seconds = 0.0

    def _tint(self, c: int) -> np.ndarray:
        rgb = np.zeros((self.h, self.w, 3), np.uint8)
        rgb[..., c] = (self.image[c] * 255).astype(np.uint8)
        return rgb

    def _convolve(self) -> None:
        w, b, self.description = rgb_math.FILTERS[self.names[self.choice]]
        self.conv = rgb_math.convolve(self.image, w, b)
        # colour scale: the 99th percentile, so the zero-padding border does not wash out the picture
        values = np.abs(np.concatenate([self.conv.responses.ravel(), self.conv.output.ravel()]))
        self.limit = float(np.percentile(values, 99)) or float(values.max()) or 1.0

    def demo(self) -> None:
        self.choice, self.hover = 0, (min(self.h - 1, 45), min(self.w - 1, 20))   # the bundled house's left wall
        self._convolve()

    def close(self) -> None:
        pass

    def handle(self, event) -> None:
        if event.type == pygame.KEYDOWN:
            if pygame.K_1 <= event.key < pygame.K_1 + len(self.names):
                self.choice = event.key - pygame.K_1
            elif event.key in (pygame.K_RIGHT, pygame.K_DOWN):
                self.choice = (self.choice + 1) % len(self.names)
            elif event.key in (pygame.K_LEFT, pygame.K_UP):
                self.choice = (self.choice - 1) % len(self.names)
            else:
                return
            self._convolve()
        elif event.type == pygame.MOUSEMOTION:
            for rect in self._hit:
                if rect.collidepoint(event.pos):
                    self.hover = ((event.pos[1] - rect.top) // self.scale, (event.pos[0] - rect.left) // self.scale)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for k, rect in enumerate(getattr(self, "_filter_rows", [])):
                if rect.collidepoint(event.pos):
                    self.choice = k
                    self._convolve()

    def update(self, dt: float) -> None:
        pass

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface) -> None:
        t = self.theme
        ui.header(surface, t, "RGB convolution: one 3×3×3 filter on a colour image",
                  "Each channel is convolved with its own 3×3 slice of the filter; the three responses are "
                  "added (plus a bias) into one output map.")
        top, bottom = ui.HEADER_H + 10, 800 - ui.FOOTER_H - 8
        inner = ui.panel(surface, t, pygame.Rect(24, top, 924, bottom - top),
                         f"{self.w}×{self.h}×3 image  ⊛  filter “{self.names[self.choice]}”, padding 1")
        mw, mh = self.w * self.scale, self.h * self.scale
        row_h = (inner.height - 10) // 3
        i, j = self.hover
        self._hit = []
        xs = (inner.left + 8, inner.left + 8 + mw + 40, inner.left + 8 + mw + 80 + 3 * FILTER_CELL)
        for c in range(3):
            y = inner.top + 22 + c * row_h
            cy = y + mh // 2
            surface.blit(self._channel_surfaces[c], (xs[0], y))
            self._hit.append(pygame.Rect(xs[0], y, mw, mh))
            pygame.draw.rect(surface, t.accent, (xs[0] + (j - 1) * self.scale, y + (i - 1) * self.scale,
                                                 3 * self.scale, 3 * self.scale), 1)
            ui.text(surface, t, f"{CHANNELS[c]} channel", (xs[0], y - 3), 13, t.muted, anchor="bottomleft")
            ui.text(surface, t, "⊛", (xs[0] + mw + 20, cy), 24, anchor="center")
            grid = ui.number_grid(surface, t, self.conv.w[0, c], (xs[1], cy - 3 * FILTER_CELL // 2), FILTER_CELL, 2,
                                  limit=float(np.abs(self.conv.w).max()) or 1.0, size=12)
            ui.text(surface, t, f"w[{CHANNELS[c][0].upper()}]", (grid.left, grid.top - 3), 13, t.muted, anchor="bottomleft")
            ui.text(surface, t, "=", (xs[1] + 3 * FILTER_CELL + 20, cy), 24, anchor="center")
            ui.heat(surface, t, self.conv.responses[c], (xs[2], y), self.scale, self.limit)
            self._hit.append(pygame.Rect(xs[2], y, mw, mh))
            pygame.draw.rect(surface, t.accent, (xs[2] + j * self.scale - 1, y + i * self.scale - 1,
                                                 self.scale + 2, self.scale + 2), 1)
            ui.text(surface, t, f"response of {CHANNELS[c]}", (xs[2], y - 3), 13, t.muted, anchor="bottomleft")
            ui.arrow(surface, t.muted, (xs[2] + mw + 8, cy), (xs[2] + mw + 52, inner.top + 22 + row_h + mh // 2), 2)
        x_out = xs[2] + mw + 64
        y_in, y_out = inner.top + 22, inner.top + 22 + row_h
        surface.blit(self._input_surface, (x_out, y_in))
        ui.text(surface, t, "the image (all 3 channels)", (x_out, y_in - 3), 13, t.muted, anchor="bottomleft")
        ui.heat(surface, t, self.conv.output, (x_out, y_out), self.scale, self.limit)
        self._hit.append(pygame.Rect(x_out, y_out, mw, mh))
        pygame.draw.rect(surface, t.accent, (x_out + j * self.scale - 1, y_out + i * self.scale - 1,
                                             self.scale + 2, self.scale + 2), 1)
        ui.text(surface, t, f"output = Σ responses + b (b = {fmt(self.conv.b, 1)})", (x_out, y_out - 3), 13,
                t.muted, anchor="bottomleft")
        self._draw_side(surface, pygame.Rect(964, top, 292, bottom - top))
        ui.footer(surface, t, "1–8 or ←/→ or click: choose a filter   mouse over a map: the arithmetic of one pixel   Esc: quit")

    def _draw_side(self, surface, rect) -> None:
        t = self.theme
        inner = ui.panel(surface, t, rect, "Filters")
        y = inner.top
        self._filter_rows = []
        for k, name in enumerate(self.names):
            row = pygame.Rect(inner.left - 4, y - 1, inner.width + 8, ui.line_height(t, 14) + 2)
            if k == self.choice:
                pygame.draw.rect(surface, t.background, row, border_radius=4)
                pygame.draw.rect(surface, t.accent, row, 1, border_radius=4)
            ui.text(surface, t, f"{k + 1}  {name}", (inner.left, y), 14, t.accent if k == self.choice else t.text)
            self._filter_rows.append(row)
            y += ui.line_height(t, 14) + 3
        y += 6
        for line in ui.wrap(self.description, 34):
            ui.text(surface, t, line, (inner.left, y), 13, t.muted)
            y += ui.line_height(t, 13)
        y += 14
        i, j = self.hover
        d = rgb_math.pixel_detail(self.conv, i, j)
        ui.text(surface, t, f"Output pixel ({i}, {j})", (inner.left, y), 15, face="bold")
        y += ui.line_height(t, 15) + 4
        for c in range(3):
            ui.text(surface, t, f"Σ {CHANNELS[c]:5s} 9 products = {fmt(d.channel_sums[c], 3)}", (inner.left, y), 13,
                    face="mono")
            y += ui.line_height(t, 13)
        ui.text(surface, t, f"+ b = {fmt(self.conv.b, 3)}", (inner.left, y), 13, face="mono")
        y += ui.line_height(t, 13) + 4
        ui.text(surface, t, f"= {fmt(d.total, 3)}", (inner.left, y), 15, t.accent, "mono")
        y += ui.line_height(t, 15) + 4
        ui.text(surface, t, f"conv2d_forward: {fmt(float(self.conv.output[i, j]), 3)}", (inner.left, y), 13, t.good, "mono")
        y += ui.line_height(t, 13) + 12
        ui.text(surface, t, f"{CHANNELS[0]} patch × w[R] (9 products):", (inner.left, y), 13, t.muted)
        y += ui.line_height(t, 13) + 2
        ui.number_grid(surface, t, d.products[0], (inner.left, y), 44, 2, size=11)

