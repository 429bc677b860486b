"""Small vs big learning rate: the same regression problem run side by side with two α; the
engine's Run says whether each is converging, overshooting or diverged, and where."""
from __future__ import annotations

import math

import numpy as np
import pygame

from ...engine import lessons_regression as lr_math
from . import common as ui
from .common import fmt
from .regression import START, CostSurface, draw_path

STEPS = 60
STEPS_PER_SECOND = 4.0
STATUS_TEXT = {"converging": "converging", "overshooting": "overshooting: each step jumps across the valley",
               "diverged": "DIVERGED"}


class LearningRateScene:
    title = "Small vs big learning rate"
    animated = True
    gif_fps = 8

    def __init__(self, theme, options=None):
        self.theme = theme
        self.points = lr_math.make_points()
        self.optimum = lr_math.closed_form(self.points)
        self.optimum_cost = lr_math.cost(self.points, self.optimum)
        self.critical = lr_math.critical_lr(self.points)
        self.surfaces = [CostSurface(self.points, theme), CostSurface(self.points, theme)]
        self.rates = [0.1, 0.66]
        self.selected = 1
        self.playing, self.clock, self.step = True, 0.0, 0
        self.runs = [None, None]
        self._run(0), self._run(1)
        self.gif_seconds = STEPS / STEPS_PER_SECOND + 1.0
        self.export_seconds = 0.0

    def _run(self, i: int) -> None:
        self.runs[i] = lr_math.gradient_descent(self.points, self.rates[i], STEPS, START)

    def demo(self) -> None:
        self.step, self.playing = STEPS, False

    def close(self) -> None:
        pass

    def handle(self, event) -> None:
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.selected = 0 if event.pos[0] < 640 else 1
        if event.type != pygame.KEYDOWN:
            return
        k = event.key
        if k == pygame.K_SPACE:
            self.playing = not self.playing
        elif k == pygame.K_TAB:
            self.selected = 1 - self.selected
        elif k in (pygame.K_UP, pygame.K_DOWN):
            factor = 1.1 if k == pygame.K_UP else 1 / 1.1
            self.rates[self.selected] = float(np.clip(self.rates[self.selected] * factor, 0.005, 3.0))
            self._run(self.selected)
            self.step, self.playing = 0, True
        elif k in (pygame.K_PERIOD, pygame.K_RIGHT):
            self.playing, self.step = False, min(self.step + 1, STEPS)
        elif k in (pygame.K_COMMA, pygame.K_LEFT):
            self.playing, self.step = False, max(self.step - 1, 0)
        elif k == pygame.K_r:
            self.step, self.clock, self.playing = 0, 0.0, True

    def update(self, dt: float) -> None:
        if not self.playing:
            return
        self.clock += dt
        while self.clock >= 1.0 / STEPS_PER_SECOND:
            self.clock -= 1.0 / STEPS_PER_SECOND
            if self.step < STEPS:
                self.step += 1
            else:
                self.playing = False

    def shown_step(self, i: int) -> int:
        """The run's step on screen: a diverged run stops at the step it blew up."""
        return min(self.step, len(self.runs[i].costs) - 1)

    def draw(self, surface) -> None:
        t = self.theme
        ui.header(surface, t, "Small vs big learning rate",
                  f"The same cost J(θ), two step sizes. For this data gradient descent diverges above "
                  f"α = 2/λmax(∇²J) = {fmt(self.critical, 3)} and overshoots above α = {fmt(self.critical / 2, 3)}.")
        top, bottom = ui.HEADER_H + 12, 800 - ui.FOOTER_H - 8
        for i, left in enumerate((24, 652)):
            self._draw_column(surface, i, pygame.Rect(left, top, 604, bottom - top))
        ui.footer(surface, t, "Tab or click: choose a side   ↑/↓: its α × 1.1 / ÷ 1.1   space: play/pause   "
                              "←/→: step   R: restart   Esc: quit")

    def _draw_column(self, surface, i: int, rect) -> None:
        t = self.theme
        run, k = self.runs[i], self.shown_step(i)
        name = "small" if self.rates[i] <= min(self.rates) else "big"
        inner = ui.panel(surface, t, rect, f"α = {fmt(self.rates[i], 3)}  ({name})", highlight=i == self.selected)
        lh = [ui.line_height(t, s) for s in (17, 15, 14, 14)]
        text_top = inner.bottom - sum(lh) - 10
        plots = text_top - inner.top - 80             # room for two plots and their x labels
        surf_h = round(plots * 0.6)
        axes = self.surfaces[i].draw(surface, t, pygame.Rect(inner.left + 44, inner.top + 4, inner.width - 60, surf_h))
        draw_path(surface, t, axes, run.thetas[:k + 1], t.accent, self.optimum)
        self._draw_costs(surface, run, k, pygame.Rect(inner.left + 44, inner.top + surf_h + 44, inner.width - 60,
                                                       plots - surf_h))
        diverged = run.diverged_at is not None and self.step >= run.diverged_at
        if diverged:
            status, colour = f"DIVERGED at step {run.diverged_at} (J > {lr_math.DIVERGE_FACTOR:g} × J(θ₀))", t.bad
        else:
            status = STATUS_TEXT["overshooting" if run.status == "overshooting" else "converging"]
            colour = t.accent if run.status == "overshooting" else t.good
        th = run.thetas[k]
        flat, steep = lr_math.step_factors(self.points, self.rates[i])
        lines = ((status, 17, colour, "bold"),
                 (f"step {k}:  θ = ({fmt(th[0], 2)}, {fmt(th[1], 2)})   J = {fmt(run.costs[k], 3)}", 15, t.text, "mono"),
                 ("Per step the distance to θ* is multiplied by", 14, t.muted, "sans"),
                 (f"1 − αλmax = {fmt(steep, 2)} (steepest), 1 − αλmin = {fmt(flat, 2)} (flattest)", 14, t.muted, "sans"))
        y = text_top
        for (line, size, colour, face), h in zip(lines, lh):
            ui.text(surface, t, line, (inner.left + 4, y), size, colour, face)
            y += h + (4 if size == 17 else 0)

    def _draw_costs(self, surface, run, k, rect) -> None:
        t = self.theme
        lo = math.floor(math.log10(self.optimum_cost)) - 0.2
        hi = math.log10(lr_math.DIVERGE_FACTOR * run.costs[0]) + 0.7
        axes = ui.Axes(rect, (0, STEPS), (lo, hi))
        ticks = np.arange(math.ceil(lo), math.floor(hi) + 1)
        axes.frame(surface, t, ui.nice_ticks(0, STEPS, 6), ticks, "step", "", 0, zero_lines=False,
                   yformat=lambda v: f"10{_superscript(int(v))}")
        ui.text(surface, t, "J (log scale)", (rect.left + 6, rect.top + 4), 13, t.muted)
        axes.line(surface, [0, STEPS], [math.log10(self.optimum_cost)] * 2, t.good, 1)
        limit = math.log10(lr_math.DIVERGE_FACTOR * run.costs[0])
        axes.line(surface, [0, STEPS], [limit, limit], t.bad, 1)
        ui.text(surface, t, "divergence threshold", (rect.right - 6, axes.px(0, limit)[1] - 2), 12, t.bad,
                anchor="bottomright")
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log10(run.costs[:k + 1])
        axes.line(surface, np.arange(k + 1), logs, t.accent, 2)


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
