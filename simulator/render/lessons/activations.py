"""Activations: ReLU, sigmoid and tanh with their derivatives, one feature map through each,
and loss curves of short LeNet-5 runs with each (trained once on a background thread, then
read from the user cache). Curves and maps are the engine's forward/backward outputs."""
from __future__ import annotations

import numpy as np
import pygame

from ...engine import lessons_activations as act
from ...engine.data import load_dataset
from ...engine.lessons_jobs import Finished, Job
from . import common as ui
from .common import fmt

MAP_SCALE = 4
LABELS = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
DEFAULT_CONFIG = act.ComparisonConfig()


class ActivationsScene:
    title = "Activations: ReLU, sigmoid, tanh"
    animated = False

    def __init__(self, theme, options=None, config: act.ComparisonConfig | None = None):
        self.theme = theme
        self.colours = {"relu": theme.positive, "sigmoid": theme.negative, "tanh": theme.good}
        self.curves = {name: act.curve(name) for name in act.NAMES}
        data = load_dataset(getattr(options, "data", None))
        self.maps = act.feature_maps(data.test_images[0])
        self.config = config = config or DEFAULT_CONFIG
        self.partial: dict = {}
        cached = act.load_cached(config, data)
        if cached is not None:
            self.job = Finished(cached)
        else:
            self.job = Job(lambda progress, stop: act.run_comparison(config, data, progress, stop, self.partial),
                           "activations-comparison").start()
        # start on the most negative value of the map: ReLU zeroes it, tanh keeps it
        self.hover = tuple(int(v) for v in np.unravel_index(np.argmin(self.maps.pre), self.maps.pre.shape))
        self._map_origin = (0, 0)
        self.export_seconds = 0.0

    def ready(self) -> bool:
        return self.job.finished.is_set()

    def close(self) -> None:
        self.job.cancel()

    def handle(self, event) -> None:
        if event.type == pygame.MOUSEMOTION:
            x0, y0 = self._map_origin
            side = 28 * MAP_SCALE + 24
            for row_y in (y0, y0 + side + 24):
                r = (event.pos[1] - row_y) // MAP_SCALE
                c = (event.pos[0] - x0) % side // MAP_SCALE
                if 0 <= r < 28 and 0 <= c < 28 and 0 <= event.pos[0] - x0 < 5 * side:
                    self.hover = (int(r), int(c))
                    return

    def update(self, dt: float) -> None:
        pass

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface) -> None:
        t = self.theme
        ui.header(surface, t, "Activations: ReLU, sigmoid and tanh",
                  "What each does to a value, how much gradient it lets back (its derivative), and how "
                  "LeNet-5 trains with each.")
        top, bottom = ui.HEADER_H + 10, 800 - ui.FOOTER_H - 8
        self._draw_curves(surface, pygame.Rect(24, top, 740, 250))
        self._draw_maps(surface, pygame.Rect(24, top + 260, 740, bottom - top - 260))
        self._draw_training(surface, pygame.Rect(780, top, 476, bottom - top))
        ui.footer(surface, t, "mouse over a map: the values at that pixel   Esc: quit")

    def _draw_curves(self, surface, rect) -> None:
        t = self.theme
        inner = ui.panel(surface, t, rect, "f(x) thick, its derivative f′(x) thin (the engine's kernels)")
        w = (inner.width - 20) // 3
        for k, name in enumerate(act.NAMES):
            x, y, dy = self.curves[name]
            plot = pygame.Rect(inner.left + k * (w + 10) + 28, inner.top + 34, w - 36, inner.height - 60)
            axes = ui.Axes(plot, (-5, 5), (-1.2, 1.6 if name != "relu" else 5.2))
            axes.frame(surface, t, (-4, -2, 0, 2, 4), (-1, 0, 1) if name != "relu" else (0, 2, 4), "", "", 0)
            axes.line(surface, x, dy, ui.blend(self.colours[name], t.text, 0.35), 1)
            axes.line(surface, x, y, self.colours[name], 3)
            f, d = act.FORMULAS[name]
            ui.text(surface, t, f"{LABELS[name]}: {f}", (plot.left - 24, inner.top), 14, self.colours[name], "bold")
            ui.text(surface, t, f"f′ = {d}", (plot.left - 24, inner.top + 17), 13, t.muted)

    def _draw_maps(self, surface, rect) -> None:
        t, m = self.theme, self.maps
        inner = ui.panel(surface, t, rect, "One feature map through each (an edge filter on a test digit)")
        side = 28 * MAP_SCALE + 24
        x0, y0 = inner.left + 8, inner.top + 24
        self._map_origin = (x0, y0)
        lim = float(np.abs(m.pre).max())
        row1 = [("input digit", m.image, None), ("edge map z", m.pre, lim)]
        row1 += [(f"{LABELS[n]}(z)", m.post[n], lim) for n in act.NAMES]
        for k, (label, values, limit) in enumerate(row1):
            pos = (x0 + k * side, y0)
            if limit is None:
                ui.heat(surface, t, values, pos, MAP_SCALE, border=t.panel_border)
            else:
                ui.heat(surface, t, values, pos, MAP_SCALE, limit, t.panel_border)
            ui.text(surface, t, label, (pos[0], pos[1] - 3), 13, t.muted, anchor="bottomleft")
        y1 = y0 + side + 24
        for k, n in enumerate(act.NAMES):
            pos = (x0 + (k + 2) * side, y1)
            ui.heat(surface, t, m.slope[n], pos, MAP_SCALE, 1.0, t.panel_border)
            ui.text(surface, t, f"{LABELS[n]}′(z)", (pos[0], pos[1] - 3), 13, t.muted, anchor="bottomleft")
        if self.hover is not None:
            r, c = self.hover
            for k in range(5):
                for yy in ((y0, y1) if k >= 2 else (y0,)):
                    pygame.draw.rect(surface, t.accent, (x0 + k * side + c * MAP_SCALE - 1, yy + r * MAP_SCALE - 1,
                                                         MAP_SCALE + 2, MAP_SCALE + 2), 1)
            ty = y0 + side + 4
            lines = [f"pixel ({r}, {c})", f"z = {fmt(m.pre[r, c], 3)}"]
            for n in act.NAMES:
                lines.append(f"{LABELS[n]} {fmt(m.post[n][r, c], 3)}, f′ {fmt(m.slope[n][r, c], 3)}")
            for k, line in enumerate(lines):
                ui.text(surface, t, line, (x0, ty), 13, self.colours.get(act.NAMES[k - 2]) if k >= 2 else t.text, "mono")
                ty += ui.line_height(t, 13)
            ty += 8
            for line in ("the slopes f′(z): how much", "gradient each lets back  →"):
                ui.text(surface, t, line, (x0, ty), 13, t.muted)
                ty += ui.line_height(t, 13)

    def _draw_training(self, surface, rect) -> None:
        t, cfg = self.theme, self.config
        inner = ui.panel(surface, t, rect, f"LeNet-5, {cfg.steps} SGD steps with each")
        ui.text(surface, t, f"batch {cfg.batch_size}, α = {cfg.lr:g}, momentum {cfg.momentum:g}, "
                            f"first {cfg.n_train} images", (inner.left, inner.top), 13, t.muted)
        result = self.job.result if self.ready() else None
        losses = result["losses"] if result else self.partial
        below = 3 * ui.line_height(t, 14) + 3 * ui.line_height(t, 15) + 3 * ui.line_height(t, 13) + 70
        plot = pygame.Rect(inner.left + 36, inner.top + 40, inner.width - 48, inner.bottom - inner.top - 40 - below)
        top = max([2.5] + [max(v[:5]) for v in losses.values() if v])
        axes = ui.Axes(plot, (0, cfg.steps), (0, top * 1.05))
        axes.frame(surface, t, ui.nice_ticks(0, cfg.steps, 5), ui.nice_ticks(0, top, 5), "step", "loss", (0, 1))
        for name in act.NAMES:
            values = list(losses.get(name) or [])      # a copy: the job may append meanwhile
            if values:
                axes.line(surface, np.arange(len(values)), act.smooth(values), self.colours[name], 2)
        y = plot.bottom + 30
        if self.job.error is not None:
            ui.text(surface, t, f"training failed: {self.job.error}", (inner.left, y), 14, t.bad)
        elif result is None:
            done, total = self.job.progress
            ui.progress_bar(surface, t, (inner.left, y + 24, inner.width, 16), done / total,
                            f"training once, then cached: step {done} of {total}")
            ui.text(surface, t, "(the other lessons work meanwhile)", (inner.left, y + 48), 13, t.muted)
        else:
            ui.text(surface, t, "Final loss (10-step average) and", (inner.left, y), 14, face="bold")
            y += ui.line_height(t, 14) + 6
            ui.text(surface, t, f"accuracy on {cfg.n_test} test images:", (inner.left, y), 14)
            y += ui.line_height(t, 14) + 6
            for name in act.NAMES:
                ui.text(surface, t, f"{LABELS[name]:8s} loss {fmt(act.smooth(result['losses'][name])[-1], 3)}   "
                                    f"accuracy {result['test_accuracy'][name]:.1%}",
                        (inner.left + 8, y), 15, self.colours[name], "mono")
                y += ui.line_height(t, 15) + 2
            y += 10
            final = {n: act.smooth(result["losses"][n])[-1] for n in act.NAMES}
            best, worst = min(final, key=final.get), max(final, key=final.get)
            for line in (f"In these runs {LABELS[best]} reached the lowest loss and",
                         f"{LABELS[worst]} the highest. Sigmoid's slope is at most 0.25,",
                         "so less gradient reaches the early layers through it."):
                ui.text(surface, t, line, (inner.left, y), 13, t.muted)
                y += ui.line_height(t, 13)
