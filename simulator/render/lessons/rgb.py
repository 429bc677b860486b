"""RGB convolution: a colour image's three channels, each convolved with its slice of one
3×3×3 filter, the three responses summed (plus bias) into one output map; the output size
(W − F + 2P)/S + 1 in numbers; and all 8 filters at once, one output channel each. The maps
and the per-pixel arithmetic come from lessons_rgb (ops.conv2d_forward)."""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.lessons import rgb as rgb_math
from ..ui.theme import array_surface
from . import common as ui
from .common import fmt

CHANNELS = ("red", "green", "blue")
SLOT_W, SLOT_H = 192, 144     # the room each map gets (the image is scaled to fit it)
BANK_W, BANK_H = 96, 72       # the room each map of the all-filters strip gets


class RGBScene:
    title = "RGB convolution"
    animated = False

    def __init__(self, theme, options=None):
        self.theme = theme
        self.image = rgb_math.load_image(getattr(options, "image", None))
        self.names = list(rgb_math.FILTERS)
        self.choice = 0
        _, self.h, self.w = self.image.shape
        self.scale = max(1, min(SLOT_W // self.w, SLOT_H // self.h))      # every map at most SLOT_W×SLOT_H
        self.hover = (self.h // 2, self.w // 2)
        self._channel_surfaces = [array_surface(self._tint(c), self.scale) for c in range(3)]
        self._input_surface = array_surface((self.image.transpose(1, 2, 0) * 255).astype(np.uint8), self.scale)
        self._convolve()
        self.bank = rgb_math.convolve_bank(self.image)          # [K,H,W]: every filter's output
        self._hit = []
        self._bank_rects = []
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
            for rects in (getattr(self, "_filter_rows", []), self._bank_rects):
                k = next((k for k, rect in enumerate(rects) if rect.collidepoint(event.pos)), None)
                if k is not None:
                    self.choice = k
                    self._convolve()

    def update(self, dt: float) -> None:
        pass

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface) -> None:
        t = self.theme
        ui.header(surface, t, "RGB convolution: 3×3×3 filters on a colour image",
                  "Each channel is convolved with its own 3×3 slice of a filter; the three responses are "
                  "added (plus a bias) into one output map per filter.")
        top, bottom = ui.HEADER_H + 10, 800 - ui.FOOTER_H - 8
        outer = pygame.Rect(24, top, 924, bottom - top)
        inner = ui.panel(surface, t, outer, f"image 3×{self.h}×{self.w} (C×H×W)  ⊛  filter {self.choice + 1} "
                                            f"“{self.names[self.choice]}”, padding 1, stride 1")
        mw, mh = self.w * self.scale, self.h * self.scale          # a map; its slot is SLOT_W×SLOT_H
        label_h = ui.line_height(t, 13) + 2
        strip_h = label_h * 2 + BANK_H + 6
        row_h = (inner.height - strip_h - 8) // 3
        i, j = self.hover
        self._hit = []
        cell = 46                 # room for "−0.33" at 14 px and a gap to the next cell
        xs = (inner.left + 8, inner.left + 8 + SLOT_W + 40, inner.left + 8 + SLOT_W + 80 + 3 * cell)
        lim_w = float(np.abs(self.conv.w).max()) or 1.0
        for c in range(3):
            y = inner.top + label_h + c * row_h
            cy = y + SLOT_H // 2
            surface.blit(self._channel_surfaces[c], (xs[0], y))
            # the zero padding: a ring one input pixel wide around the channel
            pygame.draw.rect(surface, t.muted, (xs[0] - self.scale, y - self.scale, mw + 2 * self.scale,
                                                mh + 2 * self.scale), max(1, self.scale // 2))
            self._hit.append(pygame.Rect(xs[0], y, mw, mh))
            pygame.draw.rect(surface, t.accent, (xs[0] + (j - 1) * self.scale, y + (i - 1) * self.scale,
                                                 3 * self.scale, 3 * self.scale), 1)
            ui.text(surface, t, f"{CHANNELS[c]} channel", (xs[0], y - 3), 13, t.muted, anchor="bottomleft")
            ui.text(surface, t, "⊛", (xs[0] + SLOT_W + 20, cy), 24, anchor="center")
            grid = ui.number_grid(surface, t, self.conv.w[0, c], (xs[1], cy - 3 * cell // 2), cell, 2,
                                  limit=lim_w, size=14)
            ui.text(surface, t, f"w[{CHANNELS[c][0].upper()}]", (grid.left, grid.top - 3), 13, t.muted, anchor="bottomleft")
            ui.text(surface, t, "=", (xs[1] + 3 * cell + 20, cy), 24, anchor="center")
            ui.heat(surface, t, self.conv.responses[c], (xs[2], y), self.scale, self.limit)
            self._hit.append(pygame.Rect(xs[2], y, mw, mh))
            pygame.draw.rect(surface, t.accent, (xs[2] + j * self.scale - 1, y + i * self.scale - 1,
                                                 self.scale + 2, self.scale + 2), 1)
            ui.text(surface, t, f"response of {CHANNELS[c]}", (xs[2], y - 3), 13, t.muted, anchor="bottomleft")
            ui.arrow(surface, t.muted, (xs[2] + SLOT_W + 6, cy), (xs[2] + SLOT_W + 30, inner.top + label_h + row_h + SLOT_H // 2), 2)
        x_out = xs[2] + SLOT_W + 38
        col_w = inner.right - x_out
        self._draw_size_formula(surface, pygame.Rect(x_out, inner.top, col_w, row_h - 8))
        y_out = inner.top + label_h + row_h
        ui.heat(surface, t, self.conv.output, (x_out, y_out), self.scale, self.limit)
        self._hit.append(pygame.Rect(x_out, y_out, mw, mh))
        pygame.draw.rect(surface, t.accent, (x_out + j * self.scale - 1, y_out + i * self.scale - 1,
                                             self.scale + 2, self.scale + 2), 1)
        ui.colour_bar(surface, t, (x_out + SLOT_W + 6, y_out, 8, SLOT_H), self.limit)   # responses and output share it
        ui.text(surface, t, f"output = Σ + b (b = {fmt(self.conv.b, 1)})", (x_out, y_out - 3),
                ui.fit_size(t, f"output = Σ + b (b = {fmt(self.conv.b, 1)})", 13, col_w), t.muted, anchor="bottomleft")
        note = ("Grey ring: padding 1, zeros around each channel. Where the image meets it the filter "
                "sees a jump to 0: the bright frame of the responses.")
        y = inner.top + label_h + 2 * row_h - 4
        for line in ui.wrap_px(t, note, col_w, 12):
            ui.text(surface, t, line, (x_out, y), 12, t.muted)
            y += ui.line_height(t, 12)
        self._draw_bank(surface, pygame.Rect(inner.left, inner.bottom - strip_h, inner.width, strip_h))
        self._draw_side(surface, pygame.Rect(964, top, 292, bottom - top))
        ui.footer(surface, t, "1–8 or ←/→ or click: choose a filter   mouse over a map: the arithmetic of one pixel   Esc: quit")

    def _draw_size_formula(self, surface, rect) -> None:
        """(W − F + 2P)/S + 1 with this image's numbers, read from the output's shape."""
        t = self.theme
        oh, ow = self.conv.output.shape
        lines = [("output size, each side:", t.muted, "sans"), ("(N − F + 2P)/S + 1", t.text, "mono"),
                 (f"W: ({self.w} − 3 + 2·1)/1 + 1", t.text, "mono"), (f"   = {rgb_math.output_size(self.w)}", t.accent, "mono"),
                 (f"H: ({self.h} − 3 + 2·1)/1 + 1", t.text, "mono"), (f"   = {rgb_math.output_size(self.h)}", t.accent, "mono"),
                 (f"conv2d_forward: {ow}×{oh}", t.good, "mono")]
        size = min(ui.fit_size(t, s, 13, rect.width, face) for s, _, face in lines)
        y = rect.top
        for s, colour, face in lines:
            ui.text(surface, t, s, (rect.left, y), size, colour, face)
            y += ui.line_height(t, size)

    def _draw_bank(self, surface, rect) -> None:
        """Every filter's output map at once: the output has one channel per filter."""
        t = self.theme
        k = len(self.bank)
        head = (f"All {k} filters at once, as a conv layer: 3×{self.h}×{self.w} ⊛ {k}×3×3×3 → {k}×{self.h}×{self.w}: "
                f"output channels = number of filters")
        ui.text(surface, t, head, (rect.left, rect.top), ui.fit_size(t, head, 13, rect.width), t.text)
        lim = float(np.percentile(np.abs(self.bank), 99)) or 1.0
        bar_w = ui.colour_bar_width(t, lim)
        gap = max(2, (rect.width - bar_w - 8 - k * BANK_W) // max(1, k - 1))
        scale = max(1, min(BANK_W // self.w, BANK_H // self.h))
        y = rect.top + ui.line_height(t, 13) + 2
        self._bank_rects = []
        for n in range(k):
            x = rect.left + n * (BANK_W + gap)
            r = ui.heat(surface, t, self.bank[n], (x, y + ui.line_height(t, 12)), scale, lim,
                        t.accent if n == self.choice else t.panel_border)
            ui.text(surface, t, f"channel {n + 1}", (x, y), 12, t.accent if n == self.choice else t.muted)
            self._bank_rects.append(r)
        ui.colour_bar(surface, t, (rect.right - bar_w, y + ui.line_height(t, 12), 8, BANK_H), lim)

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
        for line in ui.wrap_px(t, self.description, inner.width, 13):
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
        ui.number_grid(surface, t, d.products[0], (inner.left, y), 46, 2, size=11)

