"""Small, big and too big learning rate: the same regression problem run side by side with
three α, one of each regime (lessons/regression.example_rates). Each column's label is the
theory's (lessons/regression.regime, from 1 − αλmax), right from step 0; the header says
what λ is.

Drawn at the window's size with the kit's sizes; a column says less (shorter wordings) when
narrow, never smaller. Z zooms the column under the mouse (the chosen one by default)."""
from __future__ import annotations

import math

import numpy as np
import pygame

from ...engine.lessons import regression as lr_math
from ...numbers import SUPERSCRIPT
from .. import ui
from ..ui.figures import Axes, body_rect, header, hints, nice_ticks, panel
from .frame import Line, draw_lines, lines_height
from .regression import FACTOR, START, CostSurface, draw_path, path_key, plot_area, tick_count

STEPS = 60
STEPS_PER_SECOND = 4.0
HINTS = (("Tab", "next column"), ("↑ ↓", "its α × 1.1 / ÷ 1.1"), ("space", "play/pause"), ("← →", "step"),
         ("R", "restart"), ("Z", "zoom"), ("Esc", "back"), ("click", "choose a column"))


class LearningRateScene(ui.Scene):
    title = "Small, big and too big learning rate"
    animated = True
    gif_fps = 8

    def __init__(self, theme, options=None):
        self.theme = theme
        self.text = ui.Text(theme)
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
        self.layout((1280, 800), ui.Sizes.for_window((1280, 800), theme))

    def _run(self, i: int) -> None:
        self.runs[i] = lr_math.gradient_descent(self.points, self.rates[i], STEPS, START)

    def demo(self) -> None:
        self.step, self.playing = STEPS, False

    def tour(self):
        """Step 0 (the labels already right), the first steps, the step the too-big α blows up,
        the end; then each column chosen in turn."""
        self.playing = False
        stops = sorted({0, 1, 2, 3, 5, 10, STEPS} | {r.diverged_at for r in self.runs if r.diverged})
        for step in stops:
            self.step = step
            yield f"step {step}"
        selected = self.selected
        for i in range(len(self.rates)):
            self.selected = i
            yield f"column {i} chosen"
        self.selected = selected

    @property
    def subtitle(self) -> str:
        half, critical = ui.fmt(self.critical / 2, 3), ui.fmt(self.critical, 3)
        return (f"Same cost J(θ), three step sizes α. λ: how steeply J curves along a direction (an eigenvalue of "
                f"its Hessian), λmax along the steepest. Each step multiplies the distance to θ* along it by "
                f"1 − αλ: it overshoots above α = 1/λmax = {half}, diverges above 2/λmax = {critical}.")

    # --- events ---------------------------------------------------------------------
    def handle(self, event):
        n = len(self.rates)
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            hit = next((i for i, r in enumerate(self.columns) if r.collidepoint(event.pos)), None)
            if hit is not None:
                self.selected = hit
        if event.type != pygame.KEYDOWN:
            return None
        k = event.key
        if k == pygame.K_ESCAPE:
            return ui.BACK
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
        return None

    def update(self, dt: float):
        if not self.playing:
            return None
        self.clock += dt
        while self.clock >= 1.0 / STEPS_PER_SECOND:
            self.clock -= 1.0 / STEPS_PER_SECOND
            if self.step < STEPS:
                self.step += 1
            else:
                self.playing = False
        return None

    def zoom_target(self, pos):
        hit = next((i for i, r in enumerate(self.columns) if pos is not None and r.collidepoint(pos)), self.selected)
        return ZoomedColumn(self, hit)

    # --- what a column says --------------------------------------------------------------
    def shown_step(self, i: int) -> int:
        """The run's step on screen: a diverged run stops at the step it blew up."""
        return min(self.step, len(self.runs[i].costs) - 1)

    def status(self, i: int) -> tuple[str, tuple, str]:
        """The regime's name, its condition (from theory, known at step 0: wordings longest
        first) and a note on this run."""
        run, f = self.runs[i], lr_math.step_factors(self.points, self.rates[i])[1]
        v = ui.fmt(f, 2)
        name, condition = {"converging": ("converging", (f"0 ≤ 1 − αλmax = {v} < 1", f"1 − αλmax = {v}")),
                           "overshooting": ("overshooting, yet converging",
                                            (f"−1 < 1 − αλmax = {v} < 0", f"1 − αλmax = {v}")),
                           "oscillating": ("oscillating for ever", (f"1 − αλmax = {v} = −1",)),
                           "diverging": ("diverging", (f"1 − αλmax = {v} < −1", f"1 − αλmax = {v}")),
                           }[run.status]
        if run.diverged and self.step >= run.diverged_at:
            note = f"J passed {FACTOR} × J(θ₀) at step {run.diverged_at}: stopped there"
        else:
            note = {"converging": "each step moves towards θ* from the same side",
                    "overshooting": "it zigzags across the valley, each jump shorter",
                    "oscillating": "it jumps between two points",
                    "diverging": "each jump across the valley is longer than the last"}[run.status]
        return name, condition, note

    def column_lines(self, i: int) -> list[Line]:
        t, run, k = self.theme, self.runs[i], self.shown_step(i)
        name, condition, note = self.status(i)
        colour = {"converging": t.good, "overshooting": t.accent}.get(run.status, t.bad)
        th = run.thetas[k]
        short = {"overshooting, yet converging": "overshooting, converging"}
        return [Line((name, short.get(name, name)), colour, "bold", "body"),
                Line(condition, colour, "mono"),
                Line((f"step {k}: θ = ({ui.fmt(th[0], 2)}, {ui.fmt(th[1], 2)})",
                      f"θ = ({ui.fmt(th[0], 2)}, {ui.fmt(th[1], 2)})"), face="mono"),
                Line(f"J = {ui.fmt(run.costs[k], 3)}", face="mono"),
                Line(note, t.muted, wrap=True)]

    def key(self) -> list[Line]:
        """What the marks, lines and colours of every column mean."""
        t = self.theme
        stop = f"stop: {FACTOR} × J(θ₀)"
        lines = path_key(t)
        lines.append(Line(([("—", t.good), (" J(θ*), the lowest J   ", t.muted), ("—", t.bad),
                            (f" {stop}, where a diverging run is stopped", t.muted)],
                           [("—", t.good), (" J(θ*), the lowest J   ", t.muted), ("—", t.bad),
                           (f" {stop}", t.muted)])))
        return lines

    # --- layout and drawing ---------------------------------------------------------------
    def layout(self, size, sizes) -> None:
        """Three columns side by side, the key they share under them."""
        self.size, self.sizes = tuple(size), sizes
        body = body_rect(size, self.text, sizes, self.subtitle)
        key_h = lines_height(self.text, sizes, self.key(), body.w)
        self.key_rect = pygame.Rect(body.x, body.bottom - key_h, body.w, key_h)
        n, gap = len(self.rates), sizes.px(12)
        w = (body.w - gap * (n - 1)) // n
        h = body.h - key_h - sizes.px(6)
        self.columns = [pygame.Rect(body.x + i * (w + gap), body.y, w, h) for i in range(n)]

    def draw(self, surface):
        t, tx, sz = self.theme, self.text, self.sizes
        surface.fill(t.background)
        header(surface, t, tx, sz, "Small, big and too big learning rate", self.subtitle)
        for i, rect in enumerate(self.columns):
            self.draw_column(surface, i, rect, sz)
        with ui.CHECK.scope("key", self.key_rect):
            draw_lines(surface, tx, t, sz, self.key(), self.key_rect)
        hints(surface, t, tx, sz, HINTS)
        return None

    def text_height(self, width: int, sz) -> int:
        """The height of a column's text: the same in every column and at every step (the
        tallest wording any state needs), so the plots do not jump."""
        lines_of = []
        for i in range(len(self.rates)):
            lines_of.append(self.column_lines(i))
        tx = self.text
        rows = max(lines_height(tx, sz, lines[:4], width) for lines in lines_of)
        note = max(len(ui.wrap(tx, s, width, sz.small)) for s in
                   ("each step moves towards θ* from the same side", "it zigzags across the valley, each jump shorter",
                    "each jump across the valley is longer than the last",
                    f"J passed {FACTOR} × J(θ₀) at step 00: stopped there"))
        return rows + note * tx.line(sz.small)

    def draw_column(self, surface, i: int, rect, sz, begin_scope: bool = True, with_key: bool = False) -> None:
        """One α: its cost surface and path, its cost curve, its words (with_key: the key too)."""
        t, tx = self.theme, self.text
        run, k = self.runs[i], self.shown_step(i)
        inner = panel(surface, rect, t, tx, sz, f"α = {ui.fmt(self.rates[i], 3)}", highlight=i == self.selected,
                      begin_scope=begin_scope)
        text_h = self.text_height(inner.w, sz)
        key = self.key() if with_key else []
        key_h = lines_height(tx, sz, key, inner.w)
        plots = pygame.Rect(inner.x, inner.y, inner.w, inner.h - text_h - key_h - sz.px(8))
        if plots.w > 2 * plots.h:               # a wide column (a zoom): the two plots side by side
            half = (plots.w - sz.px(16)) // 2
            surf_rect = pygame.Rect(plots.x, plots.y, half, plots.h)
            cost_rect = pygame.Rect(plots.right - half, plots.y, half, plots.h)
        else:
            surf_h = round(plots.h * 0.52)
            surf_rect = pygame.Rect(plots.x, plots.y, plots.w, surf_h)
            cost_rect = pygame.Rect(plots.x, plots.y + surf_h, plots.w, plots.h - surf_h)
        axes = self.surfaces[i].draw(surface, t, tx, sz, plot_area(tx, sz, surf_rect, last_x="3.0"), xlabel="θ₀",
                                     ylabel="θ₁")
        draw_path(surface, t, sz, axes, run.thetas[:k + 1], t.accent, self.optimum)
        self._draw_costs(surface, run, k, cost_rect, sz)
        if key:
            draw_lines(surface, tx, t, sz, key, pygame.Rect(inner.x, plots.bottom + sz.px(4), inner.w, key_h))
        words = pygame.Rect(inner.x, inner.bottom - text_h, inner.w, text_h)
        draw_lines(surface, tx, t, sz, self.column_lines(i), words)

    def _draw_costs(self, surface, run, k, rect, sz) -> None:
        t, tx = self.theme, self.text
        lo = math.floor(math.log10(self.optimum_cost)) - 0.2
        limit = math.log10(lr_math.DIVERGE_FACTOR * run.costs[0])
        hi = limit + 0.7
        ticks = np.arange(math.ceil(lo), math.floor(hi) + 1)
        room = plot_area(tx, sz, rect, ("10⁻¹",)).h
        every = math.ceil(len(ticks) / tick_count(room, tx.line(sz.small), len(ticks)))
        ticks = ticks[::every]
        labels = [_power(v) for v in ticks]
        xticks = nice_ticks(0, STEPS, 4)[1:]
        axes = Axes(plot_area(tx, sz, rect, labels, last_x=ui.fmt(float(xticks[-1]), 0)), (0, STEPS), (lo, hi))
        axes.frame(surface, t, tx, sz, xticks, ticks, "step", "", 0, zero_lines=False, yformat=_power)
        r = axes.rect
        tx.draw(surface, "J (log scale)", (r.left + sz.px(4), r.top + 2), sz.small, t.muted)
        axes.line(surface, [0, STEPS], [math.log10(self.optimum_cost)] * 2, t.good, max(1, sz.px(1)))
        axes.line(surface, [0, STEPS], [limit, limit], t.bad, max(1, sz.px(1)))
        stop = ui.first_fitting(tx, (f"stop at {FACTOR} × J(θ₀)", "stop"),
                                r.w - tx.width("J (log scale)", sz.small) - sz.px(16), sz.small)
        y = axes.px(0, limit)[1] + 2
        if stop and y + tx.height(sz.small) < axes.px(0, 0.0)[1] - 2:      # under the red line, above 10⁰
            tx.draw(surface, stop, (r.right - sz.px(6), y), sz.small, t.bad, anchor="topright")
        with np.errstate(divide="ignore", invalid="ignore"):
            logs = np.log10(run.costs[:k + 1])
        axes.line(surface, np.arange(k + 1), logs, t.accent, max(2, sz.px(2)))


def _power(v: float) -> str:
    """10 to a whole power, as a tick label: 10⁻¹, 10⁰, 10³."""
    return "10" + str(int(v)).translate(SUPERSCRIPT)


class ZoomedColumn(ui.Zoomable):
    """Z: one α's column (its cost surface, cost curve and words) over the whole window."""

    def __init__(self, scene: LearningRateScene, i: int):
        self.scene, self.i = scene, i
        self.title = f"α = {ui.fmt(scene.rates[i], 3)}"
        super().__init__(scene, self.title)

    def draw(self, surface) -> None:
        with ui.CHECK.scope("zoomed column", self.rect):
            self.scene.draw_column(surface, self.i, self.rect, self.sizes, begin_scope=False, with_key=True)
