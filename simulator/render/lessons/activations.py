"""Activations: ReLU, sigmoid and tanh with their derivatives, one feature map through each,
and loss curves of short LeNet-5 runs with each, averaged over seeds (trained once on a
background thread, then read from the user cache). Curves and maps are the engine's
forward/backward outputs; the words under the curves follow lessons/activations.verdict."""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.lessons import activations as act
from ...engine.data import load_dataset
from ...engine.background import Background
from ..ui.theme import array_surface, gray_rgb
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
        cached = act.load_cached(config, data)
        if cached is not None:
            self.job = Background.done(cached)
        else:
            self.job = Background(lambda task: act.run_comparison(config, data, task.report, task.stopping,
                                                                  task.publish), "activations-comparison").start()
        # start on the most negative value of the map: ReLU zeroes it, tanh keeps it
        self.hover = tuple(int(v) for v in np.unravel_index(np.argmin(self.maps.pre), self.maps.pre.shape))
        self._map_origin = (0, 0)
        self.export_seconds = 0.0

    def ready(self) -> bool:
        return self.job.finished.is_set()

    def close(self) -> None:
        self.job.stop()

    def handle(self, event) -> None:
        if event.type == pygame.MOUSEMOTION:
            x0, y0 = self._map_origin
            side = 28 * MAP_SCALE + 14
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
            head = ui.line_height(t, 14) + ui.line_height(t, 13) + 4
            plot = pygame.Rect(inner.left + k * (w + 10) + 28, inner.top + head, w - 36,
                               inner.height - head - ui.line_height(t, 12) - 6)
            axes = ui.Axes(plot, (-5, 5), (-1.2, 1.6 if name != "relu" else 5.2))
            axes.frame(surface, t, (-4, -2, 0, 2, 4), (-1, 0, 1) if name != "relu" else (0, 2, 4), "", "", 0)
            axes.line(surface, x, dy, ui.blend(self.colours[name], t.text, 0.35), 1)
            axes.line(surface, x, y, self.colours[name], 3)
            f, d = act.FORMULAS[name]
            ui.text(surface, t, f"{LABELS[name]}: {f}", (plot.left - 24, inner.top), 14, self.colours[name], "bold")
            ui.text(surface, t, f"f′ = {d}", (plot.left - 24, inner.top + ui.line_height(t, 14)), 13, t.muted)

    def _draw_maps(self, surface, rect) -> None:
        t, m = self.theme, self.maps
        inner = ui.panel(surface, t, rect, "One feature map through each (an edge filter on a test digit)")
        side = 28 * MAP_SCALE + 14
        x0, y0 = inner.left + 8, inner.top + 24
        self._map_origin = (x0, y0)
        lim = float(np.abs(m.pre).max())
        row1 = [("input digit", m.image, None), ("edge map z", m.pre, lim)]
        row1 += [(f"{LABELS[n]}(z)", m.post[n], lim) for n in act.NAMES]
        for k, (label, values, limit) in enumerate(row1):
            pos = (x0 + k * side, y0)
            if limit is None:         # the digit itself: grey levels 0 … 1, not on the heat scale
                rect = surface.blit(array_surface(gray_rgb(values, 0.0, 1.0), MAP_SCALE), pos)
                pygame.draw.rect(surface, t.panel_border, rect.inflate(2, 2), 1)
            else:
                ui.heat(surface, t, values, pos, MAP_SCALE, limit, t.panel_border)
            ui.text(surface, t, label, (pos[0], pos[1] - 3), 13, t.muted, anchor="bottomleft")
        y1 = y0 + side + 24
        ui.colour_bar(surface, t, (x0 + 5 * side, y0, 8, 28 * MAP_SCALE), lim, digits=1)   # z and f(z): one scale
        for k, n in enumerate(act.NAMES):
            pos = (x0 + (k + 2) * side, y1)
            ui.heat(surface, t, m.slope[n], pos, MAP_SCALE, 1.0, t.panel_border, one_sided=True)
            ui.text(surface, t, f"{LABELS[n]}′(z)", (pos[0], pos[1] - 3), 13, t.muted, anchor="bottomleft")
        ui.colour_bar(surface, t, (x0 + 5 * side, y1, 8, 28 * MAP_SCALE), 1.0, one_sided=True, digits=1)
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
        inner = ui.panel(surface, t, rect, f"LeNet-5: {cfg.steps} SGD steps, {len(cfg.seeds)} seeds")
        setting = f"batch {cfg.batch_size}, α = {cfg.lr:g}, momentum {cfg.momentum:g}, first {cfg.n_train} images"
        ui.text(surface, t, setting, (inner.left, inner.top), ui.fit_size(t, setting, 13, inner.width), t.muted)
        result = self.job.result if self.ready() else None
        losses = result["losses"] if result else (self.job.latest() or {})
        text_h = 3 * (2 * ui.line_height(t, 13)) + 6 * ui.line_height(t, 13) + 16
        plot = pygame.Rect(inner.left + round(36 * t.scale), inner.top + ui.line_height(t, 13) + 8, 0, 0)
        plot.width = inner.right - plot.left - 4
        plot.height = inner.bottom - plot.top - ui.Axes.below(t) - text_h
        top = max([2.5] + [max(v[:5]) for v in losses.values() if v])
        axes = ui.Axes(plot, (0, cfg.steps), (0, top * 1.05))
        axes.frame(surface, t, ui.nice_ticks(0, cfg.steps, 5), ui.nice_ticks(0, top, 5), "step", "loss", (0, 1))
        axes.line(surface, [0, cfg.steps], [act.CHANCE_LOSS] * 2, t.muted, 1)
        ui.text(surface, t, "ln 10: a uniform guess", (plot.right - 4, axes.px(0, act.CHANCE_LOSS)[1] - 2), 12, t.muted,
                anchor="bottomright")
        for name in act.NAMES:
            values = list(losses.get(name) or [])
            if values:
                axes.line(surface, np.arange(len(values)), act.smooth(values, act.SMOOTH), self.colours[name], 2)
        y = plot.bottom + ui.Axes.below(t) + 4
        lh = ui.line_height(t, 13)
        if self.job.error is not None:
            ui.text(surface, t, f"training failed: {self.job.error}", (inner.left, y), 13, t.bad)
            return
        if result is None:
            done, total, _ = self.job.progress
            ui.progress_bar(surface, t, (inner.left, y + 24, inner.width, 16), done / total,
                            f"training once, then cached: step {done} of {total}")
            ui.text(surface, t, "(the other lessons work meanwhile)", (inner.left, y + 48), 13, t.muted)
            return
        v = act.verdict(result)
        for name in act.NAMES:
            lo, hi = v.seed_range[name]
            reach = f"step {v.reach[name]}" if v.reach[name] is not None else "never"
            for line in (f"{LABELS[name]:8s}loss {fmt(v.final[name], 3)} (seeds {fmt(lo, 2)}–{fmt(hi, 2)})",
                         f"{'':8s}acc {result['test_accuracy'][name]:.1%}, loss < {v.threshold:g}: {reach}"):
                ui.text(surface, t, line, (inner.left, y), ui.fit_size(t, line, 13, inner.width, "mono"),
                        self.colours[name], "mono")
                y += lh
        y += 6
        for line in ui.wrap_px(t, self._verdict_words(v), inner.width, 13)[:5]:
            ui.text(surface, t, line, (inner.left, y), 13)
            y += lh
        if "seconds" in result:
            ui.text(surface, t, f"trained once in {result['seconds']:.0f} s here, then read from the cache",
                    (inner.left, inner.bottom - lh), 12, t.muted)

    @staticmethod
    def _verdict_words(v: act.Verdict) -> str:
        """What the runs show, stated only as far as every seed agrees."""
        labels = [LABELS[n] for n in v.order]
        if v.every_seed:
            words = f"In every seed {labels[0]} ended with the lowest loss and {labels[-1]} the highest."
        else:
            words = (f"Mean order {', '.join(labels)}, but the seeds overlap: on a network this small the order "
                     f"of close runs depends on α and the seed.")
        reached = {n: r for n, r in v.reach.items() if r is not None}
        if reached:
            first = min(reached, key=reached.get)
            words += f" {LABELS[first]} was first below {v.threshold:g} (step {reached[first]})."
        if v.final["sigmoid"] > act.CHANCE_LOSS - 0.2:
            words += (" Sigmoid barely leaves ln 10: its slope is at most 0.25 per layer, so little gradient "
                      "reaches the first layers.")
        return words
