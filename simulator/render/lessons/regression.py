"""Gradient descent fitting a line: the points and the line, the cost surface with the path
of θ, the cost curve, and the update θ ← θ − α∇J in numbers. Everything drawn is read from
the engine's Run (lessons/regression.gradient_descent) and its cost grid."""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.lessons import regression as lr_math
from ..ui.theme import array_surface, heat_rgb
from . import common as ui
from .common import fmt

STEPS = 120
STEPS_PER_SECOND = 8.0
START = (2.5, 0.0)            # θ₀: off the valley floor, so the path bends
T0_RANGE, T1_RANGE = (-1.0, 3.0), (-0.5, 3.0)   # the cost surface's window around the minimum


class CostSurface:
    """J(θ₀, θ₁) of a point set as a picture with contour lines (drawn once, reused every frame)."""

    def __init__(self, points, theme, t0_range=T0_RANGE, t1_range=T1_RANGE, n: int = 220):
        self.grid = lr_math.cost_grid(points, t0_range, t1_range, n)
        self.levels = lr_math.contour_levels(self.grid, 14)
        v = np.log(self.grid.values - self.grid.values.min() + 1e-3)
        v = (v - v.min()) / ((v.max() - v.min()) or 1.0)
        rgb = heat_rgb(1.0 - v, 1.0, theme).astype(np.int32)        # low cost = strongest colour
        band = np.searchsorted(self.levels, self.grid.values)
        edge = np.zeros(band.shape, bool)
        edge[:, 1:] |= band[:, 1:] != band[:, :-1]
        edge[1:, :] |= band[1:, :] != band[:-1, :]
        rgb[edge] = theme.muted
        self.rgb = np.ascontiguousarray(rgb[::-1].astype(np.uint8))    # row 0 = largest θ₁ (top)
        self._surface, self._size = None, None
        self.axes = None

    def draw(self, surface, theme, rect, digits=1, xlabel="θ₀ (intercept)") -> ui.Axes:
        rect = pygame.Rect(rect)
        if self._size != rect.size:
            self._surface = pygame.transform.smoothscale(array_surface(self.rgb, 1), rect.size)
            self._size = rect.size
        self.axes = ui.Axes(rect, (self.grid.t0[0], self.grid.t0[-1]), (self.grid.t1[0], self.grid.t1[-1]))
        self.axes.frame(surface, theme, ui.nice_ticks(*self.axes.xlim, 5), ui.nice_ticks(*self.axes.ylim, 5),
                        xlabel, "", digits, zero_lines=False)
        surface.blit(self._surface, rect)
        pygame.draw.rect(surface, theme.panel_border, rect, 1)
        ui.text(surface, theme, "θ₁ (slope)", (rect.left + 6, rect.top + 4), 13, theme.text)
        return self.axes


def plot_rect(theme, inner: pygame.Rect) -> pygame.Rect:
    """The plot area inside a panel, leaving room for the y ticks on the left and the x ticks and label below."""
    left = round(44 * theme.scale)
    return pygame.Rect(inner.left + left, inner.top + 4, inner.width - left - 12, inner.height - 4 - ui.Axes.below(theme))


def draw_path(surface, theme, axes: ui.Axes, thetas: np.ndarray, colour, optimum=None) -> None:
    """θ₀ … θ_k as a polyline with dots; the current θ larger; θ* as a cross."""
    axes.line(surface, thetas[:, 0], thetas[:, 1], colour, 2)
    axes.points(surface, thetas[:-1, 0], thetas[:-1, 1], colour, 3)
    axes.points(surface, thetas[-1:, 0], thetas[-1:, 1], theme.text, 6)
    axes.points(surface, thetas[-1:, 0], thetas[-1:, 1], colour, 4)
    if optimum is not None:
        x, y = axes.px(optimum[0], optimum[1])
        for dx, dy in ((-7, -7), (-7, 7)):
            pygame.draw.line(surface, theme.good, (x + dx, y + dy), (x - dx, y - dy), 3)


class RegressionScene:
    title = "Gradient descent: linear regression"
    animated = True
    gif_fps = 10

    def __init__(self, theme, options=None):
        self.theme = theme
        self.seed, self.lr = 0, 0.1
        self.playing, self.clock, self.step = True, 0.0, 0
        self._new_points()
        self.gif_seconds = STEPS / STEPS_PER_SECOND + 1.0
        self.export_seconds = 0.0

    def _new_points(self) -> None:
        self.points = lr_math.make_points(seed=self.seed)
        self.optimum = lr_math.closed_form(self.points)
        self.optimum_cost = lr_math.cost(self.points, self.optimum)
        self.surface = CostSurface(self.points, self.theme)
        self._run()

    def _run(self) -> None:
        self.run = lr_math.gradient_descent(self.points, self.lr, STEPS, START)
        self.step = min(self.step, len(self.run.costs) - 1)

    def demo(self) -> None:
        self.step, self.playing = 30, False

    def close(self) -> None:
        pass

    def handle(self, event) -> None:
        if event.type != pygame.KEYDOWN:
            return
        k = event.key
        if k == pygame.K_SPACE:
            self.playing = not self.playing
        elif k in (pygame.K_PERIOD, pygame.K_RIGHT):
            self.playing, self.step = False, min(self.step + 1, len(self.run.costs) - 1)
        elif k in (pygame.K_COMMA, pygame.K_LEFT):
            self.playing, self.step = False, max(self.step - 1, 0)
        elif k == pygame.K_r:
            self.step, self.clock, self.playing = 0, 0.0, True
        elif k in (pygame.K_UP, pygame.K_DOWN):
            self.lr = float(np.clip(self.lr * (1.25 if k == pygame.K_UP else 0.8), 0.005, 2.0))
            self.step, self.playing = 0, True
            self._run()
        elif k == pygame.K_n:
            self.seed += 1
            self.step, self.playing = 0, True
            self._new_points()

    def update(self, dt: float) -> None:
        if not self.playing:
            return
        self.clock += dt
        while self.clock >= 1.0 / STEPS_PER_SECOND:
            self.clock -= 1.0 / STEPS_PER_SECOND
            if self.step < len(self.run.costs) - 1:
                self.step += 1
            else:
                self.playing = False

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface) -> None:
        t = self.theme
        ui.header(surface, t, "Gradient descent on linear regression",
                  "ŷ = θ₀ + θ₁x,   J(θ) = 1/(2m) Σ (ŷᵢ − yᵢ)²,   θ ← θ − α∇J: the line fits itself one step at a time")
        top, bottom = ui.HEADER_H + 12, 800 - ui.FOOTER_H - 8
        mid = top + 400
        k = self.step
        theta = self.run.thetas[k]
        self._draw_data(surface, pygame.Rect(24, top, 600, mid - top - 10), theta)
        self._draw_cost_curve(surface, pygame.Rect(24, mid, 600, bottom - mid), k)
        inner = ui.panel(surface, t, pygame.Rect(640, top, 616, mid - top - 10), "Cost surface J(θ₀, θ₁) and the path of θ")
        axes = self.surface.draw(surface, t, plot_rect(t, inner))
        draw_path(surface, t, axes, self.run.thetas[:k + 1], t.accent, self.optimum)
        self._draw_numbers(surface, pygame.Rect(640, mid, 616, bottom - mid), k)
        ui.footer(surface, t, "space: play/pause   ←/→: step   ↑/↓: α × 1.25 / ÷ 1.25   N: new points   R: restart   Esc: quit")

    def _draw_data(self, surface, rect, theta) -> None:
        t = self.theme
        inner = ui.panel(surface, t, rect, "The points and the current line")
        p = self.points
        axes = ui.Axes(plot_rect(t, inner), (-1.5, 3.5), (-2.5, 7.0))
        axes.frame(surface, t, ui.nice_ticks(-1.5, 3.5, 6), ui.nice_ticks(-2.5, 7.0, 5), "x", "y", 0)
        yhat = theta[0] + theta[1] * p.x
        for x, y, f in zip(p.x, p.y, yhat):          # residuals ŷᵢ − yᵢ
            axes.line(surface, [x, x], [y, f], t.panel_border, 1)
        xs = np.array(axes.xlim)
        axes.line(surface, xs, self.optimum[0] + self.optimum[1] * xs, t.good, 1)
        axes.line(surface, xs, theta[0] + theta[1] * xs, t.accent, 3)
        axes.points(surface, p.x, p.y, t.negative, 4)
        ui.text(surface, t, "— current θ", (axes.rect.right - 150, axes.rect.bottom - 44), 13, t.accent)
        ui.text(surface, t, "— least squares θ*", (axes.rect.right - 150, axes.rect.bottom - 26), 13, t.good)

    def _draw_cost_curve(self, surface, rect, k) -> None:
        t = self.theme
        inner = ui.panel(surface, t, rect, "Cost J(θ) after each step")
        costs = self.run.costs
        top = float(costs[0]) * 1.05
        axes = ui.Axes(plot_rect(t, inner), (0, STEPS), (0, top))
        axes.frame(surface, t, ui.nice_ticks(0, STEPS, 8), ui.nice_ticks(0, top, 4), "step", "J", (0, 1))
        axes.line(surface, [0, STEPS], [self.optimum_cost] * 2, t.good, 1)
        axes.line(surface, np.arange(k + 1), costs[:k + 1], t.accent, 2)
        axes.points(surface, [k], [costs[k]], t.accent, 4)

    def _draw_numbers(self, surface, rect, k) -> None:
        t = self.theme
        inner = ui.panel(surface, t, rect, f"Step {k} of {len(self.run.costs) - 1}   (α = {fmt(self.lr, 3)})")
        r = self.run
        th, g = r.thetas[k], r.grads[k]
        pair = lambda v: f"({fmt(v[0])}, {fmt(v[1])})"      # noqa: E731
        lines = [(f"θ     = {pair(th)}", t.accent), (f"∇J(θ) = {pair(g)}", None)]
        if k + 1 < len(r.thetas):
            lines += [("θ ← θ − α∇J", None),
                      (f"  = {pair(th)} − {fmt(self.lr, 3)} × {pair(g)}", None),
                      (f"  = {pair(r.thetas[k + 1])}", t.accent)]
        else:
            lines += [("last step", t.muted), ("", None), ("", None)]
        f = lr_math.step_factors(self.points, self.lr)[1]
        lines += [(f"J(θ)  = {fmt(r.costs[k], 4)}", None),
                  (f"least squares θ* = {pair(self.optimum)}", t.good),
                  (f"J(θ*) = {fmt(self.optimum_cost, 4)}", t.good),
                  ("∇J = 1/m · (Σ rᵢ, Σ rᵢ·xᵢ),  rᵢ = θ₀ + θ₁xᵢ − yᵢ", t.muted),
                  (f"α: {r.status} (1 − αλmax = {fmt(f, 2)})" + (f", stopped at step {r.diverged_at}"
                                                                 if r.diverged_at else ""),
                   t.bad if r.status == "diverging" else t.muted)]
        size = 16                  # the largest size at which every line fits the panel
        widest = max((s for s, _ in lines), key=lambda s: ui.text_width(t, s, 16, "mono"))
        while size > 10 and (ui.text_width(t, widest, size, "mono") > inner.width - 8
                             or len(lines) * (ui.line_height(t, size) + 1) > inner.height - 4):
            size -= 0.5
        y = inner.top + 4
        for line, colour in lines:
            ui.text(surface, t, line, (inner.left + 4, y), size, colour or t.text, "mono")
            y += ui.line_height(t, size) + 1
