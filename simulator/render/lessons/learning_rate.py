"""Small, big and too big learning rate: the same regression problem run side by side with
three α, one of each regime (lessons/regression.example_rates). Each column's label is the
theory's (lessons/regression.regime, from 1 − αλmax), right from step 0."""
from __future__ import annotations

import math

import numpy as np
import pygame

from ...engine.lessons import regression as lr_math
from . import common as ui
from .common import fmt
from .regression import START, CostSurface, draw_path

STEPS = 60
STEPS_PER_SECOND = 4.0
NAMES = ("small", "big", "too big")


class LearningRateScene:
    title = "Small, big and too big learning rate"
    animated = True
    gif_fps = 8

    def __init__(self, theme, options=None):
        self.theme = theme
        self.points = lr_math.make_points()
        self.optimum = lr_math.closed_form(self.points)
        self.optimum_cost = lr_math.cost(self.points, self.optimum)
        self.critical = lr_math.critical_lr(self.points)
        self.rates = list(lr_math.example_rates(self.points))       # one of each regime, by rule
        self.surfaces = [CostSurface(self.points, theme) for _ in self.rates]
        self.selected = 1
        self.playing, self.clock, self.step = True, 0.0, 0
        self.runs = [None] * len(self.rates)
        for i in range(len(self.rates)):
            self._run(i)
        self.gif_seconds = STEPS / STEPS_PER_SECOND + 1.0
        self.export_seconds = 0.0

    def _run(self, i: int) -> None:
        self.runs[i] = lr_math.gradient_descent(self.points, self.rates[i], STEPS, START)

    def demo(self) -> None:
        self.step, self.playing = STEPS, False

    def close(self) -> None:
        pass

    def handle(self, event) -> None:
        n = len(self.rates)
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.selected = min(n - 1, max(0, (event.pos[0] - 24) * n // (ui.SIZE[0] - 48)))
        if event.type != pygame.KEYDOWN:
            return
        k = event.key
        if k == pygame.K_SPACE:
            self.playing = not self.playing
        elif k == pygame.K_TAB:
            self.selected = (self.selected + 1) % n
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

    def status(self, i: int) -> tuple[str, str, str]:
        """The regime's name and its condition (from theory, known at step 0), and a note on this run."""
        run, f = self.runs[i], lr_math.step_factors(self.points, self.rates[i])[1]
        name, condition = {"converging": ("converging", f"0 ≤ 1 − αλmax = {fmt(f, 2)} < 1"),
                           "overshooting": ("overshooting, yet converging", f"−1 < 1 − αλmax = {fmt(f, 2)} < 0"),
                           "oscillating": ("oscillating for ever", f"1 − αλmax = {fmt(f, 2)} = −1"),
                           "diverging": ("diverging", f"1 − αλmax = {fmt(f, 2)} < −1")}[run.status]
        if run.diverged_at is not None and self.step >= run.diverged_at:
            note = f"J passed {lr_math.DIVERGE_FACTOR:g} × J(θ₀) at step {run.diverged_at}: stopped there"
        else:
            note = {"converging": "each step moves towards θ* from the same side",
                    "overshooting": "it zigzags across the valley, each jump shorter",
                    "oscillating": "it jumps between two points",
                    "diverging": "each jump across the valley is longer than the last"}[run.status]
        return name, condition, note

    def draw(self, surface) -> None:
        t = self.theme
        ui.header(surface, t, "Small, big and too big learning rate",
                  f"Same cost J(θ), three α. A step multiplies the distance to θ* by 1 − αλ: overshoots above "
                  f"1/λmax = {fmt(self.critical / 2, 3)}, diverges above 2/λmax = {fmt(self.critical, 3)}")
        top, bottom = ui.HEADER_H + 10, 800 - ui.FOOTER_H - 8
        n = len(self.rates)
        gap = 12
        w = (ui.SIZE[0] - 48 - gap * (n - 1)) // n
        for i in range(n):
            self._draw_column(surface, i, pygame.Rect(24 + i * (w + gap), top, w, bottom - top))
        ui.footer(surface, t, "Tab or click: choose a column   ↑/↓: its α × 1.1 / ÷ 1.1   space: play/pause   "
                              "←/→: step   R: restart   Esc: quit")

    def _draw_column(self, surface, i: int, rect) -> None:
        t = self.theme
        run, k = self.runs[i], self.shown_step(i)
        inner = ui.panel(surface, t, rect, f"α = {fmt(self.rates[i], 3)}", highlight=i == self.selected)
        name, condition, note = self.status(i)
        colour = {"converging": t.good, "overshooting": t.accent}.get(run.status, t.bad)
        th = run.thetas[k]
        lines = [(name, 16, colour, "bold"), (condition, 14, colour, "mono"),
                 (f"step {k}: θ = ({fmt(th[0], 2)}, {fmt(th[1], 2)})", 14, t.text, "mono"),
                 (f"J = {fmt(run.costs[k], 3)}", 14, t.text, "mono")]
        lines += [(s, 13, t.muted, "sans") for s in ui.wrap_px(t, note, inner.width - 4, 13)[:2]]
        text_h = ui.line_height(t, 16) + 3 * ui.line_height(t, 14) + 2 * ui.line_height(t, 13)   # same in every column
        text_top = inner.bottom - text_h - 2
        below = ui.Axes.below(t)
        plots = text_top - inner.top - 2 * below - 4          # room for two plots and their x labels
        surf_h = round(plots * 0.55)
        axes = self.surfaces[i].draw(surface, t, pygame.Rect(inner.left + 40, inner.top + 2, inner.width - 48, surf_h),
                                     xlabel="θ₀")
        draw_path(surface, t, axes, run.thetas[:k + 1], t.accent, self.optimum)
        self._draw_costs(surface, run, k, pygame.Rect(inner.left + 40, inner.top + surf_h + below + 4,
                                                       inner.width - 48, plots - surf_h))
        y = text_top
        for line, size, c, face in lines:
            ui.text(surface, t, line, (inner.left + 2, y), size, c, face)
            y += ui.line_height(t, size)

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
        ui.text(surface, t, f"stop at {lr_math.DIVERGE_FACTOR:g} × J(θ₀)", (rect.right - 6, axes.px(0, limit)[1] - 2),
                12, t.bad, anchor="bottomright")
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log10(run.costs[:k + 1])
        axes.line(surface, np.arange(k + 1), logs, t.accent, 2)


def _superscript(n: int) -> str:
    return str(n).translate(str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹"))
