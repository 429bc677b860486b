"""Max vs average pooling: one map through both, forward values and backward gradient routing,
side by side. All numbers are the engine's (lessons/pooling.pool_both → ops)."""
from __future__ import annotations

import pygame

from ...engine.lessons import pooling as pool_math
from ...engine.lessons.pooling import SIZE, pooling_demo
from . import common as ui
from .common import fmt

CYCLE_SECONDS = 1.6


class PoolingScene:
    title = "Max vs average pooling"
    animated = True
    gif_fps = 5

    def __init__(self, theme, options=None):
        self.theme = theme
        self.seed = 0
        self.demo_data = pooling_demo(self.seed)
        self.selected = (0, 0)
        self.auto, self.clock = True, 0.0
        n = self.demo_data.max_y.shape[0]
        self.gif_seconds = n * n * CYCLE_SECONDS
        self.export_seconds = 0.0
        self._grids = {}           # name → (topleft, shape of its cells) for hit testing
        self.cell = 44             # cell side in pixels, set from the panel height at each draw

    def demo(self) -> None:
        self.selected, self.auto = (0, 0), False

    def close(self) -> None:
        pass

    def handle(self, event) -> None:
        n = self.demo_data.max_y.shape[0]
        if event.type == pygame.KEYDOWN:
            i, j = self.selected
            moves = {pygame.K_LEFT: (0, -1), pygame.K_RIGHT: (0, 1), pygame.K_UP: (-1, 0), pygame.K_DOWN: (1, 0)}
            if event.key in moves:
                di, dj = moves[event.key]
                self.selected, self.auto = ((i + di) % n, (j + dj) % n), False
            elif event.key == pygame.K_n:
                self.seed += 1
                self.demo_data = pooling_demo(self.seed)
            elif event.key == pygame.K_SPACE:
                self.auto = not self.auto
        elif event.type == pygame.MOUSEMOTION:
            hit = self._window_at(event.pos)
            if hit is not None:
                self.selected, self.auto = hit, False

    def _window_at(self, pos):
        for name, ((x0, y0), (h, w)) in self._grids.items():
            c, r = (pos[0] - x0) // self.cell, (pos[1] - y0) // self.cell
            if 0 <= r < h and 0 <= c < w:
                return (r // SIZE, c // SIZE) if h == self.demo_data.x.shape[0] else (r, c)
        return None

    def update(self, dt: float) -> None:
        if not self.auto:
            return
        self.clock += dt
        n = self.demo_data.max_y.shape[0]
        while self.clock >= CYCLE_SECONDS:
            self.clock -= CYCLE_SECONDS
            k = (self.selected[0] * n + self.selected[1] + 1) % (n * n)
            self.selected = divmod(k, n)

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface) -> None:
        t, d = self.theme, self.demo_data
        ui.header(surface, t, "Max vs average pooling, 2×2 windows, stride 2",
                  "Forward: each window becomes one number. Backward: its gradient goes to the max only (max) "
                  "or is shared equally (average).")
        i, j = self.selected
        r0, r1, c0, c1 = d.window(i, j)
        win = {(r, c): t.accent for r in range(r0, r1) for c in range(c0, c1)}
        mr, mc = d.max_position(i, j)
        top = ui.HEADER_H + 10
        half = (800 - ui.FOOTER_H - 8 - top - 10) // 2
        fwd = ui.panel(surface, t, pygame.Rect(24, top, 904, half), "Forward")
        label_h = ui.line_height(t, 14) + 4
        n_big, n_small = d.x.shape[0], d.max_y.shape[0]
        gap = 60                                   # between the three columns of grids (room for an arrow)
        self.cell = cell = min(56, (fwd.height - label_h - 4) // n_big, (fwd.width - 2 * gap) // (3 * n_big))
        big, small = n_big * cell, n_small * cell
        cols = (fwd.left, fwd.left + big + gap, fwd.left + 2 * (big + gap))
        y_big = fwd.top + label_h
        y_small = y_big + (big - small) // 2
        self._grids = {}
        self._grid(surface, "x", "input x", d.x, (cols[0], y_big), 0, {**win, (mr, mc): t.good})
        self._grid(surface, "max_y", "max pool", d.max_y, (cols[1] + (big - small) // 2, y_small), 0,
                   {(i, j): t.good})
        self._grid(surface, "avg_y", "average pool", d.avg_y, (cols[2] + (big - small) // 2, y_small), 2,
                   {(i, j): t.accent})
        ui.arrow(surface, t.muted, (cols[0] + big + 12, y_big + big // 2), (cols[1] + (big - small) // 2 - 12, y_big + big // 2))
        bwd = ui.panel(surface, t, pygame.Rect(24, top + half + 10, 904, half), "Backward")
        y_big = bwd.top + label_h
        y_small = y_big + (big - small) // 2
        self._grid(surface, "dy", "dL/dy from above", d.dy, (cols[0] + (big - small) // 2, y_small), 1,
                   {(i, j): t.accent})
        self._grid(surface, "max_dx", "max: dL/dx", d.max_dx, (cols[1], y_big), 1, {**win, (mr, mc): t.good}, True)
        self._grid(surface, "avg_dx", "average: dL/dx", d.avg_dx, (cols[2], y_big), 1, win, True)
        ui.arrow(surface, t.muted, (cols[0] + (big + small) // 2 + 12, y_big + big // 2), (cols[1] - 12, y_big + big // 2))
        self._side(surface, pygame.Rect(940, top, 316, 2 * half + 10))
        ui.footer(surface, t, "mouse or arrows: choose a window   space: cycle windows   N: new map   Esc: quit")

    def _grid(self, surface, name, label, values, topleft, digits, outline, muted_zero=False) -> None:
        t, cell = self.theme, self.cell
        ui.text(surface, t, label, (topleft[0], topleft[1] - 4), 14, t.muted, anchor="bottomleft")
        rect = ui.number_grid(surface, t, values, topleft, cell, digits, outline=outline, muted_zero=muted_zero,
                              size=15)
        if values.shape[0] == self.demo_data.x.shape[0]:          # window borders on the full-size maps
            for k in range(0, values.shape[0] + 1, SIZE):
                pygame.draw.line(surface, t.text, (rect.left + k * cell, rect.top), (rect.left + k * cell, rect.bottom), 2)
                pygame.draw.line(surface, t.text, (rect.left, rect.top + k * cell), (rect.right, rect.top + k * cell), 2)
            for (r, c), colour in outline.items():                 # redraw the highlight over the borders
                pygame.draw.rect(surface, colour, (rect.left + c * cell, rect.top + r * cell, cell, cell), 3)
        self._grids[name] = (topleft, values.shape)

    def _side(self, surface, rect) -> None:
        t, d = self.theme, self.demo_data
        i, j = self.selected
        r0, r1, c0, c1 = d.window(i, j)
        inner = ui.panel(surface, t, rect, f"Window row {i}, column {j}")
        vals = [d.x[r, c] for r in range(r0, r1) for c in range(c0, c1)]
        mr, mc = d.max_position(i, j)
        ties = pool_math.ties(d, i, j)
        g = d.dy[i, j]
        lines = [("Forward", None, "bold"),
                 (f"values  {', '.join(fmt(v, 0) for v in vals)}", None, "mono"),
                 (f"max = {fmt(d.max_y[i, j], 0)} at x[{mr}, {mc}]", t.good, "mono")]
        if ties > 1:
            lines.append((f"a tie: {ties} values equal the max; the first in reading order wins, as in the kernel",
                          t.bad, "sans"))
        else:
            lines.append(("a strict maximum: no tie", t.muted, "sans"))
        lines += [(f"avg = ({' + '.join(fmt(v, 0) for v in vals)}) / 4", None, "mono"),
                  (f"    = {fmt(d.avg_y[i, j], 2)}", t.accent, "mono"),
                  ("", None, "sans"),
                  ("Backward", None, "bold"),
                  (f"dL/dy = {fmt(g, 1)} arrives from above", None, "sans"),
                  ("max: all of it goes to the max,", None, "sans"),
                  (f"  dL/dx[{mr}, {mc}] = {fmt(d.max_dx[mr, mc], 1)}, others 0", t.good, "mono"),
                  ("avg: shared equally by the four,", None, "sans"),
                  (f"  {fmt(g, 1)} / 4 = {fmt(d.avg_dx[r0, c0], 1)} each", t.accent, "mono"),
                  ("", None, "sans"),
                  ("Both send back the same total:", t.muted, "sans"),
                  (f"  max Σ = {fmt(d.max_dx[r0:r1, c0:c1].sum(), 1)}", t.muted, "mono"),
                  (f"  avg Σ = {fmt(d.avg_dx[r0:r1, c0:c1].sum(), 1)}", t.muted, "mono")]
        y = inner.top + 4
        for line, colour, face in lines:
            size = 16 if face == "bold" else 14
            parts = ui.wrap_px(t, line, inner.width, size, face) if face == "sans" else [line]
            if face == "mono":
                size = ui.fit_size(t, line, size, inner.width, face)
            for part in parts or [""]:
                ui.text(surface, t, part, (inner.left, y), size, colour or t.text, face)
                y += ui.line_height(t, size) + (2 if face != "bold" else 4)
