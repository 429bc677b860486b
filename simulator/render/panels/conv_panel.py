"""Convolution panel: the selected filter sliding over its input, one output pixel at a time.

Left to right: the layer's input (padded; one tile per input channel) with the receptive
window outlined, the filter (one slice per input channel), and the output map filling in up
to the window. Below: the window's dot product in real numbers (largest terms, Σ, bias,
result, activation) and the output-size formula with the layer's numbers. All numbers are
the engine's: ConvTerms from the Snapshot, indexed, never recomputed here.
"""
from __future__ import annotations

import math

import pygame

from .widgets import BODY, SMALL, TINY, Text, clip_text, fit_size, fmt, frame, heat_tile, outline

ACT_NAMES = {"relu": "ReLU", "sigmoid": "σ", "tanh": "tanh"}
TERMS_SHOWN = 3
GAP = 4


def _grid(c: int) -> tuple[int, int]:
    cols = min(c, 3)
    return cols, math.ceil(c / cols)


class ConvPanel:
    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.static: pygame.Surface | None = None
        self.output: pygame.Surface | None = None
        self.terms = None
        self.activation = "relu"
        self.pos = 0.0                     # window index along the output, row-major, fractional
        self.slide_per_sec = 30.0
        self._key = None                   # (layer, channel) the geometry was computed for
        self._caption_key = None
        self._caption_layout_key = None
        self.caption_size, self.terms_shown = BODY, TERMS_SHOWN
        self.caption: list[str] = []       # the lines under the images, as drawn
        self.caption_window = None         # the ConvWindow those lines describe

    def layout(self, rect: pygame.Rect) -> None:
        self.rect = rect
        self.static = pygame.Surface(rect.size)
        self._key = None

    # --- geometry ----------------------------------------------------------------------
    def _geometry(self, terms) -> None:
        th, tx = self.theme, self.text
        surf = self.static
        title = f"Convolution: {terms.layer}, filter {terms.channel + 1} of {6 if terms.layer == 'conv1' else 16}"
        inner = frame(surf, surf.get_rect(), th, tx, title,
                      f"{terms.filter_size}×{terms.filter_size}, stride {terms.stride}, padding {terms.padding}")
        self.inner = inner
        C, H, W = terms.in_shape
        Hp = H + 2 * terms.padding
        F = terms.filter_size
        OH, OW = terms.out_shape
        cols, rows = _grid(C)
        caption_h = 3 * tx.line(BODY) + 8
        label_h = tx.line(SMALL) + 4
        area_h = inner.h - caption_h - label_h
        op_w = tx.width(" = ", 22) + 8
        avail = inner.w - 2 * op_w
        s_in = max(1, min((int(avail * 0.40) - (cols - 1) * GAP) // (cols * Hp),
                          (area_h - (rows - 1) * GAP) // (rows * Hp)))
        in_w, in_h = cols * Hp * s_in + (cols - 1) * GAP, rows * Hp * s_in + (rows - 1) * GAP
        s_f = max(1, min((int(avail * 0.24) - (cols - 1) * GAP) // (cols * F),
                         int(in_h * 0.8 - (rows - 1) * GAP) // (rows * F)))
        f_w, f_h = cols * F * s_f + (cols - 1) * GAP, rows * F * s_f + (rows - 1) * GAP
        s_out = max(1, min((avail - in_w - f_w - 16) // OW, max(in_h, 1) // OH))
        out_w, out_h = OW * s_out, OH * s_out
        total = in_w + f_w + out_w + 2 * op_w
        x0 = inner.x + max(0, (inner.w - total) // 2)
        top = inner.y
        cy = top + max(in_h, f_h, out_h) // 2
        self.s_in, self.s_f, self.s_out, self.Hp, self.F = s_in, s_f, s_out, Hp, F
        self.in_tiles = []
        for c in range(C):
            r, q = divmod(c, cols)
            self.in_tiles.append(pygame.Rect(x0 + q * (Hp * s_in + GAP), cy - in_h // 2 + r * (Hp * s_in + GAP),
                                             Hp * s_in, Hp * s_in))
        fx = x0 + in_w + op_w
        self.f_tiles = []
        for c in range(C):
            r, q = divmod(c, cols)
            self.f_tiles.append(pygame.Rect(fx + q * (F * s_f + GAP), cy - f_h // 2 + r * (F * s_f + GAP),
                                            F * s_f, F * s_f))
        ox = fx + f_w + op_w
        self.out_rect = pygame.Rect(ox, cy - out_h // 2, out_w, out_h)
        tx.draw(surf, "⊛", (x0 + in_w + op_w // 2, cy), 22, th.muted, anchor="center")
        tx.draw(surf, "=", (fx + f_w + op_w // 2, cy), 22, th.muted, anchor="center")
        label_y = max(self.in_tiles[-1].bottom, self.f_tiles[-1].bottom, self.out_rect.bottom) + 3
        src = f"input {C}×{H}×{W}" if terms.layer == "conv1" else f"pool1 maps {C}×{H}×{W}"
        pad = f", padding {terms.padding}" if terms.padding else ""
        short_pad = f", pad {terms.padding}" if terms.padding else ""
        # each label from its longest wording to its shortest; the output's shows where the window is
        forms = [(f"{src}{pad}", f"{src}{short_pad}", f"{C}×{H}×{W}{short_pad}"),
                 (f"filter {C}×{F}×{F}", f"{C}×{F}×{F}"),
                 (f"output {OH}×{OW} · row {{y}}, col {{x}}", f"output {OH}×{OW} · ({{y}}, {{x}})",
                  f"{OH}×{OW} · ({{y}}, {{x}})")]
        centres = [x0 + in_w // 2, fx + f_w // 2, ox + out_w // 2]
        # centred labels never overlap when each is narrower than the distance to its neighbours
        gap01, gap12 = centres[1] - centres[0], centres[2] - centres[1]
        room = [min(gap01, 2 * (centres[0] - inner.x)) - 8, min(gap01, gap12) - 8,
                min(gap12, 2 * (inner.right - centres[2])) - 8]

        def fits(form: str, r: int, size: int) -> bool:
            return tx.width(form.format(y=OH - 1, x=OW - 1), size) <= r

        self.label_size = SMALL if all(fits(f[0], r, SMALL) for f, r in zip(forms, room)) else TINY
        chosen = [next((f for f in fs if fits(f, r, self.label_size)), fs[-1]) for fs, r in zip(forms, room)]
        self.out_room = room[2]
        self.out_fits = fits(chosen[2], room[2], self.label_size)   # else measured and clipped per frame
        for x, w, lbl in zip(centres[:2], room[:2], chosen[:2]):
            tx.draw(surf, clip_text(tx, lbl, w, self.label_size), (x, label_y), self.label_size, th.muted,
                    anchor="midtop")
        self.out_label = (centres[2], label_y, chosen[2])
        self.caption_y = label_y + tx.line(self.label_size) + 4
        self.caption_w = inner.w
        # Output-size formula with this layer's numbers.
        o = (H - F + 2 * terms.padding) // terms.stride + 1
        self.formula = (f"output size = (W − F + 2P)/S + 1 = "
                        f"({H} − {F} + 2·{terms.padding})/{terms.stride} + 1 = {o}")
        self._key = (terms.layer, terms.channel, self.rect.size)

    # --- snapshot ----------------------------------------------------------------------
    def set_snapshot(self, snap) -> None:
        terms = snap.conv
        if self._key != (terms.layer, terms.channel, self.rect.size):
            if self.terms is None or (self.terms.layer, self.terms.channel) != (terms.layer, terms.channel):
                self.pos = 0.0
            self._geometry(terms)
        self.terms, self.activation = terms, snap.activation
        th = self.theme
        surf = self.static
        limit_in = snap.limits["input"] if terms.layer == "conv1" else snap.limits["stage1"]
        for c, rect in enumerate(self.in_tiles):
            surf.blit(heat_tile(terms.padded[c], limit_in, th, self.s_in), rect)
            if terms.padding:   # the padding ring: a thin line where the real image starts
                pad = terms.padding * self.s_in
                pygame.draw.rect(surf, th.panel_border, rect.inflate(-2 * pad, -2 * pad), 1)
        limit_w = snap.limits[f"{terms.layer}_w"]
        for c, rect in enumerate(self.f_tiles):
            surf.blit(heat_tile(terms.weights[c], limit_w, th, self.s_f), rect)
            pygame.draw.rect(surf, th.accent, rect.inflate(2, 2), 1)
        self.output = heat_tile(terms.forward, snap.limits["conv_out"], th, self.s_out)
        self._caption_key = None

    # --- per frame ---------------------------------------------------------------------
    def update(self, dt: float) -> None:
        if self.terms is not None:
            n = self.terms.out_shape[0] * self.terms.out_shape[1]
            self.pos = (self.pos + dt * self.slide_per_sec) % n

    def window_yx(self) -> tuple[int, int]:
        OW = self.terms.out_shape[1]
        return divmod(int(self.pos), OW)

    def handle_click(self, pos) -> bool:
        if self.terms is None or not self.out_rect.collidepoint(pos):
            return False
        OH, OW = self.terms.out_shape
        y = min(OH - 1, (pos[1] - self.out_rect.y) // self.s_out)
        x = min(OW - 1, (pos[0] - self.out_rect.x) // self.s_out)
        self.pos = float(y * OW + x)
        return True

    def _caption_layout(self, terms) -> None:
        """Font size and number of terms for the caption, fixed per layer and layout from a
        template with typical numbers (−8.888), so a frame renders its lines without measuring
        them; a line longer than the template (bigger numbers) is measured and clipped."""
        tx, w = self.text, self.caption_w
        act = ACT_NAMES.get(self.activation, self.activation)
        wide = fmt(-8.888)
        line2 = (f"Σ w·x = {wide}    bias b = {wide}    z = Σ + b = {wide}    {act}(z) = {wide}")
        self.caption_size = size = fit_size(tx, [line2, self.formula], w)
        n = terms.products[0, 0].size

        def line1(shown: int) -> str:
            more = f" + … {n - shown} more terms" if n > shown else ""
            return "Σ w·x = " + " + ".join([f"({wide})({wide})"] * shown) + more

        shown = min(TERMS_SHOWN, n)
        while shown > 1 and tx.width(line1(shown), size) > w:
            shown -= 1
        self.terms_shown = shown
        # per line: the longest text known to fit (0: measure and clip every time)
        self._fits = [len(t) if tx.width(t, size) <= w else 0 for t in (line1(shown), line2, self.formula)]
        self._caption_layout_key = (terms.layer, self.activation, w)

    def _caption(self, y: int, x: int) -> list[str]:
        key = (id(self.terms), y, x)
        if key == self._caption_key:
            return self.caption
        if self._caption_layout_key != (self.terms.layer, self.activation, self.caption_w):
            self._caption_layout(self.terms)
        win = self.terms.window(y, x)
        n = win.products.size
        act = ACT_NAMES.get(self.activation, self.activation)
        terms = [f"({fmt(wv)})({fmt(v)})" for _, _, _, wv, v, _ in win.top_terms(self.terms_shown)]
        more = f" + … {n - len(terms)} more terms" if n > len(terms) else ""
        self.caption = [f"Σ w·x = {' + '.join(terms)}{more}",
                        f"Σ w·x = {fmt(win.total)}    bias b = {fmt(win.bias)}    z = Σ + b = {fmt(win.result)}"
                        f"    {act}(z) = {fmt(win.activation)}",
                        self.formula]
        self.caption_window = win
        self._caption_key = key
        return self.caption

    def frame_key(self, now: float):
        """Equal keys draw identical pixels: the window moves from one output pixel to the next."""
        return None if self.terms is None else (id(self.terms), self.rect.topleft, self.window_yx())

    def draw(self, target: pygame.Surface, now: float) -> None:
        if self.terms is None:
            return
        th, tx = self.theme, self.text
        target.blit(self.static, self.rect)
        ox, oy = self.rect.topleft
        y, x = self.window_yx()
        s = self.s_out
        out = self.out_rect.move(ox, oy)
        pygame.draw.rect(target, th.background, out)
        if y:   # rows already computed
            target.blit(self.output, out.topleft, pygame.Rect(0, 0, out.w, y * s))
        if x:   # the current row up to the window
            target.blit(self.output, (out.x, out.y + y * s), pygame.Rect(0, y * s, x * s, s))
        target.blit(self.output, (out.x + x * s, out.y + y * s), pygame.Rect(x * s, y * s, s, s))
        pygame.draw.rect(target, th.panel_border, out.inflate(2, 2), 1)
        outline(target, pygame.Rect(out.x + x * s, out.y + y * s, s, s), th.accent, 2)
        step = self.terms.stride * self.s_in
        size = self.F * self.s_in
        for tile in self.in_tiles:
            outline(target, pygame.Rect(ox + tile.x + x * step, oy + tile.y + y * step, size, size), th.accent, 2)
        lx, ly, label = self.out_label
        label = label.format(y=y, x=x)       # fits when the widest row and column do
        if not self.out_fits:
            label = clip_text(tx, label, self.out_room, self.label_size)
        tx.draw(target, label, (ox + lx, oy + ly), self.label_size, th.muted, anchor="midtop")
        lines = self._caption(y, x)
        lh = tx.line(self.caption_size)
        for i, line in enumerate(lines):
            colour = th.text if i < 2 else th.muted
            if len(line) > self._fits[i]:
                line = clip_text(tx, line, self.caption_w, self.caption_size)
            tx.draw(target, line, (ox + self.inner.x, oy + self.caption_y + i * lh), self.caption_size, colour)
