"""Gradient descent fitting a line: the points and the line, the cost surface with the path
of θ, the cost curve, and the update θ ← θ − α∇J in numbers. Everything drawn is read from
the engine's Run (lessons/regression.gradient_descent) and its cost grid.

Drawn at the window's size with the kit's sizes; the cost axis holds the run so far (a run
that diverges climbs it, and its stop is marked); every colour and mark has its key. Z zooms
the plot under the mouse (the cost surface by default)."""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.lessons import regression as lr_math
from .. import ui
from ..ui.figures import Axes, body_rect, header, hints, inner_rect, nice_ticks, panel
from ..ui.theme import array_surface
from .frame import Line, draw_lines, lines_height

STEPS = 120
STEPS_PER_SECOND = 8.0
START = (2.5, 0.0)            # θ₀: off the valley floor, so the path bends
T0_RANGE, T1_RANGE = (-1.0, 3.0), (-0.5, 3.0)   # the cost surface's window around the minimum
DATA_X, DATA_Y = (-1.5, 3.5), (-2.5, 7.0)
FACTOR = ui.fmt(lr_math.DIVERGE_FACTOR, 0)       # "1000": a run is stopped once J passes FACTOR × J(θ₀)
SUBTITLE = ("ŷ = θ₀ + θ₁x,   J(θ) = 1/(2m) Σ (ŷᵢ − yᵢ)²,   θ ← θ − α∇J: the line fits itself one step "
            "at a time")
HINTS = (("space", "play/pause"), ("← →", "step"), ("↑ ↓", "α × 1.25 / ÷ 1.25"), ("N", "new points"),
         ("R", "restart"), ("Z", "zoom"), ("Esc", "back"))
TITLES = {"data": ("The points and the current line", "Points and line"),
          "surface": ("Cost surface J(θ₀, θ₁) and the path of θ", "Cost J(θ₀, θ₁), path of θ",
                      "Cost surface"),
          "curve": ("Cost J(θ) after each step", "Cost J(θ) per step")}


class CostSurface:
    """J(θ₀, θ₁) of a point set as a picture with contour lines (coloured once, scaled once per
    size): the lowest J in the strongest colour, grey where J is high (a log scale)."""

    def __init__(self, points, theme, t0_range=T0_RANGE, t1_range=T1_RANGE, n: int = 220):
        self.grid = lr_math.cost_grid(points, t0_range, t1_range, n)
        self.levels = lr_math.contour_levels(self.grid, 14)
        v = np.log(self.grid.values - self.grid.values.min() + 1e-3)
        v = (v - v.min()) / ((v.max() - v.min()) or 1.0)
        rgb = ui.heat(1.0 - v, 1.0, theme).astype(np.int32)       # low cost = strongest colour
        band = np.searchsorted(self.levels, self.grid.values)
        edge = np.zeros(band.shape, bool)
        edge[:, 1:] |= band[:, 1:] != band[:, :-1]
        edge[1:, :] |= band[1:, :] != band[:-1, :]
        rgb[edge] = theme.muted
        self.rgb = np.ascontiguousarray(rgb[::-1].astype(np.uint8))    # row 0 = largest θ₁ (top)
        self._surface, self._size = None, None

    def draw(self, surface, theme, text, sizes, rect, xlabel="θ₀ (intercept)", ylabel="θ₁ (slope)") -> Axes:
        """The picture in the plot area rect, with its ticks; returns its axes."""
        rect = pygame.Rect(rect)
        if self._size != rect.size:
            self._surface = pygame.transform.smoothscale(array_surface(self.rgb, 1), rect.size)
            self._size = rect.size
        axes = Axes(rect, (self.grid.t0[0], self.grid.t0[-1]), (self.grid.t1[0], self.grid.t1[-1]))
        nx = tick_count(rect.w, text.width("−0.0", sizes.small), 4)
        ny = tick_count(rect.h, text.line(sizes.small), 4)
        axes.frame(surface, theme, text, sizes, nice_ticks(*axes.xlim, nx), nice_ticks(*axes.ylim, ny), xlabel, "", 1,
                   zero_lines=False)
        surface.blit(self._surface, rect)
        pygame.draw.rect(surface, theme.panel_border, rect, 1)
        if ylabel:
            text.draw(surface, ylabel, (rect.left + sizes.px(4), rect.top + 2), sizes.small, theme.text)
        return axes


def plot_area(text, sizes, inner: pygame.Rect, ylabels=("−0.0",), key_h: int = 0, last_x: str = "0.0") -> pygame.Rect:
    """The plot inside a panel's inner rect: room for the y tick labels on the left (the top
    one half a line above the plot), the x ticks and label below (the last, last_x, half its
    width past the right edge) and key_h pixels of key under those."""
    left = Axes.left(text, sizes, ylabels)
    top = text.line(sizes.small) // 2 + sizes.px(2)
    right = max(sizes.px(8), text.width(last_x, sizes.small) // 2 + sizes.px(2))
    below = Axes.below(text, sizes) + key_h
    return pygame.Rect(inner.left + left, inner.top + top, inner.w - left - right, inner.h - top - below)


def draw_path(surface, theme, sizes, axes: Axes, thetas: np.ndarray, colour, optimum=None) -> None:
    """θ₀ … θ_k as a polyline with dots; the current θ larger; θ* as a cross."""
    axes.line(surface, thetas[:, 0], thetas[:, 1], colour, max(2, sizes.px(2)))
    axes.points(surface, thetas[:-1, 0], thetas[:-1, 1], colour, max(2, sizes.px(3)))
    axes.points(surface, thetas[-1:, 0], thetas[-1:, 1], theme.text, sizes.px(7))
    axes.points(surface, thetas[-1:, 0], thetas[-1:, 1], colour, sizes.px(5))
    if optimum is not None:
        x, y = axes.px(optimum[0], optimum[1])
        d = sizes.px(8)
        clip = surface.get_clip()
        surface.set_clip(axes.rect)
        for dx, dy in ((-d, -d), (-d, d)):
            pygame.draw.line(surface, theme.good, (x + dx, y + dy), (x - dx, y - dy), max(3, sizes.px(3)))
        surface.set_clip(clip)


def path_key(theme) -> list[Line]:
    """What the cost surface's colours and marks mean."""
    muted = theme.muted
    return [Line(("colour: J(θ), strongest where J is lowest, grey where high; rings: equal J",
                  "colour: J (strong = low, grey = high); rings: equal J", "strong colour: low J; rings: equal J"),
                 muted),
            Line(([("✕", theme.good), (" θ*: least squares, the lowest J   ", muted), ("●", theme.accent),
                   (" θ, step by step", muted)],
                  [("✕", theme.good), (" θ*, the lowest J   ", muted), ("●", theme.accent), (" θ now", muted)],
                  [("✕", theme.good), (" θ*   ", muted), ("●", theme.accent), (" θ now", muted)]))]


def tick_count(pixels: int, label_px: int, most: int = 5) -> int:
    """How many ticks an axis `pixels` long holds with labels label_px long (1.5 apart), at most `most`."""
    return max(2, min(most, int(pixels // (1.5 * max(1, label_px)))))


def tick_digits(ticks) -> int:
    """Decimals a row of tick values needs: 0 when every one is whole, else 1."""
    return 0 if all(float(v).is_integer() for v in ticks) else 1


class RegressionScene(ui.Scene):
    title = "Gradient descent: linear regression"
    animated = True
    gif_fps = 10

    def __init__(self, theme, options=None):
        self.theme = theme
        self.text = ui.Text(theme)
        self.seed, self.lr = 0, 0.1
        self.playing, self.clock, self.step = True, 0.0, 0
        self._new_points()
        self.gif_seconds = STEPS / STEPS_PER_SECOND + 1.0
        self.export_seconds = 0.0
        self.layout((1280, 800), ui.Sizes.for_window((1280, 800), theme))

    def _new_points(self) -> None:
        self.points = lr_math.make_points(seed=self.seed)
        self.optimum = lr_math.closed_form(self.points)
        self.optimum_cost = lr_math.cost(self.points, self.optimum)
        self.critical = lr_math.critical_lr(self.points)
        self.surface = CostSurface(self.points, self.theme)
        self._run()

    def _run(self) -> None:
        self.run = lr_math.gradient_descent(self.points, self.lr, STEPS, START)
        self.step = min(self.step, len(self.run.costs) - 1)

    def demo(self) -> None:
        self.step, self.playing = 30, False

    def tour(self):
        """The first steps one by one, later steps, the end; then α raised (↑) until it diverges:
        its first steps and the step it stopped at."""
        self.playing = False
        for step in (0, 1, 2, 3, 10, 30, STEPS):
            self.step = min(step, len(self.run.costs) - 1)
            yield f"α = {ui.fmt(self.lr, 3)}, step {self.step}"
        lr = self.lr
        while self.run.status != "diverging":
            self.handle(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_UP))
        self.playing = False
        for step in (0, 3, len(self.run.costs) - 1):
            self.step = step
            yield f"α = {ui.fmt(self.lr, 3)} ({self.run.status}), step {step}"
        self.lr, self.step = lr, 0
        self._run()

    def handle(self, event):
        if event.type != pygame.KEYDOWN:
            return None
        k = event.key
        if k == pygame.K_ESCAPE:
            return ui.BACK
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
        return None

    def update(self, dt: float):
        if not self.playing:
            return None
        self.clock += dt
        while self.clock >= 1.0 / STEPS_PER_SECOND:
            self.clock -= 1.0 / STEPS_PER_SECOND
            if self.step < len(self.run.costs) - 1:
                self.step += 1
            else:
                self.playing = False
        return None

    # --- layout -------------------------------------------------------------------------
    def layout(self, size, sizes) -> None:
        """Two columns: the points over the cost curve on the left, the cost surface over the
        numbers on the right (the numbers get what the surface leaves)."""
        self.size, self.sizes = tuple(size), sizes
        body = body_rect(size, self.text, sizes, SUBTITLE)
        gap = sizes.px(10)
        left_w = (body.w - gap) // 2
        top_h = (body.h - gap) * 11 // 20
        left, right = body.x, body.x + left_w + gap
        numbers_h = min(self._numbers_need(body.right - right, sizes), (body.h - gap) // 2)
        surface_h = body.h - gap - max(body.h - gap - top_h, numbers_h)
        self.rects = {"data": pygame.Rect(left, body.y, left_w, top_h),
                      "curve": pygame.Rect(left, body.y + top_h + gap, left_w, body.h - top_h - gap),
                      "surface": pygame.Rect(right, body.y, body.right - right, surface_h),
                      "numbers": pygame.Rect(right, body.y + surface_h + gap, body.right - right,
                                             body.h - surface_h - gap)}

    def _numbers_need(self, width: int, sizes) -> int:
        """The numbers panel's height with its shortest wordings, at every step of the run."""
        tx = self.text
        dummy = pygame.Rect(0, 0, width, 1000)
        inner = inner_rect(dummy, tx, sizes)
        step, self.step = self.step, 0
        try:
            lines = [Line(line.wordings()[-1], line.colour, line.face, line.size, line.wrap, line.gap)
                     for line in self.number_lines()]
        finally:
            self.step = step
        return dummy.h - inner.h + lines_height(tx, sizes, lines, inner.w)

    def zoom_target(self, pos):
        name = next((n for n, r in self.rects.items() if pos is not None and r.collidepoint(pos) and n != "numbers"),
                    "surface")
        return ZoomedPlot(self, name)

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface):
        t, tx, sz = self.theme, self.text, self.sizes
        surface.fill(t.background)
        header(surface, t, tx, sz, "Gradient descent on linear regression", SUBTITLE)
        for name in ("data", "curve", "surface"):
            self.draw_plot(surface, name, self.rects[name], sz)
        self._draw_numbers(surface, self.rects["numbers"])
        hints(surface, t, tx, sz, HINTS)
        return None

    def draw_plot(self, surface, name: str, rect: pygame.Rect, sz, begin_scope: bool = True) -> None:
        title = ui.first_fitting(self.text, TITLES[name], rect.w - 2 * sz.px(8), sz.title, "bold") or ""
        inner = panel(surface, rect, self.theme, self.text, sz, title, begin_scope=begin_scope)
        draw = {"data": self._draw_data, "curve": self._draw_cost_curve, "surface": self._draw_surface}[name]
        draw(surface, inner, sz)

    def _draw_surface(self, surface, inner, sz) -> None:
        t, tx = self.theme, self.text
        key = path_key(t)
        key_h = lines_height(tx, sz, key, inner.w)
        axes = self.surface.draw(surface, t, tx, sz, plot_area(tx, sz, inner, key_h=key_h, last_x="3.0"))
        draw_path(surface, t, sz, axes, self.run.thetas[:self.step + 1], t.accent, self.optimum)
        draw_lines(surface, tx, t, sz, key, pygame.Rect(inner.x, inner.bottom - key_h, inner.w, key_h))

    def _draw_data(self, surface, inner, sz) -> None:
        t, tx, p = self.theme, self.text, self.points
        theta = self.run.thetas[self.step]
        key = [Line(("— the current line θ", "— current θ"), t.accent),
               Line(("— least squares θ*", "— θ*"), t.good)]
        axes = Axes(plot_area(tx, sz, inner, ("−2.5",), last_x="3"), DATA_X, DATA_Y)
        yticks = nice_ticks(*DATA_Y, tick_count(axes.rect.h, tx.line(sz.small), 4))
        axes.frame(surface, t, tx, sz, nice_ticks(*DATA_X, 5), yticks, "x", "y", (0, tick_digits(yticks)))
        yhat = theta[0] + theta[1] * p.x
        for x, y, f in zip(p.x, p.y, yhat):          # residuals ŷᵢ − yᵢ
            axes.line(surface, [x, x], [y, f], t.panel_border, 1)
        xs = np.array(axes.xlim)
        axes.line(surface, xs, self.optimum[0] + self.optimum[1] * xs, t.good, max(1, sz.px(1)))
        axes.line(surface, xs, theta[0] + theta[1] * xs, t.accent, max(2, sz.px(3)))
        axes.points(surface, p.x, p.y, t.negative, max(3, sz.px(4)))
        r = axes.rect
        width = min(r.w - sz.px(12), max(tx.width(line.wordings()[0], sz.small) for line in key))
        h = lines_height(tx, sz, key, width)
        draw_lines(surface, tx, t, sz, key, pygame.Rect(r.right - width - sz.px(6), r.bottom - h - sz.px(4), width, h))

    def _draw_cost_curve(self, surface, inner, sz) -> None:
        t, tx, run, k = self.theme, self.text, self.run, self.step
        top = 1.05 * run.cost_top(k)                       # the run so far fits, however high it climbed
        star = f"J(θ*) = {ui.fmt(self.optimum_cost, 4)}"
        key = [Line((f"— {star}: the lowest J any line reaches", f"— {star}, the lowest J", f"— {star}"), t.good)]
        if run.diverged and k >= run.diverged_at:
            key.append(Line((f"● J passed {FACTOR} × J(θ₀) at step {run.diverged_at}: diverged, stopped",
                             f"● diverged: stopped at step {run.diverged_at}"), t.bad))
        key_h = lines_height(tx, sz, key, inner.w)
        rough = plot_area(tx, sz, inner, ("0.0",), key_h)
        yticks = nice_ticks(0, top, tick_count(rough.h, tx.line(sz.small), 4))
        digits = tick_digits(yticks)
        xticks = nice_ticks(0, STEPS, 6)[1:]              # no x "0" under the y axis' "0"
        labels = [ui.fmt(float(v), digits) for v in yticks]
        axes = Axes(plot_area(tx, sz, inner, labels, key_h, ui.fmt(float(xticks[-1]), 0)), (0, STEPS), (0, top))
        axes.frame(surface, t, tx, sz, xticks, yticks, "step", "J", (0, digits))
        self.cost_axes = axes
        axes.line(surface, [0, STEPS], [self.optimum_cost] * 2, t.good, max(1, sz.px(1)))
        axes.line(surface, np.arange(k + 1), run.costs[:k + 1], t.accent, max(2, sz.px(2)))
        axes.points(surface, [k], [run.costs[k]], t.bad if run.diverged and k >= run.diverged_at else t.accent,
                    sz.px(5))
        draw_lines(surface, tx, t, sz, key, pygame.Rect(inner.x, inner.bottom - key_h, inner.w, key_h))

    def number_lines(self) -> list[Line]:
        """The step's arithmetic, the optimum, the regime and what λ is, most important first."""
        t, fmt, r, k = self.theme, ui.fmt, self.run, self.step
        th, g = r.thetas[k], r.grads[k]

        def pair(v):
            return f"({fmt(v[0])}, {fmt(v[1])})"
        lines = [Line([(f"θ = {pair(th)}", t.accent), (f", J(θ) = {fmt(r.costs[k], 4)}", None)], face="mono"),
                 Line(f"∇J(θ) = {pair(g)}", face="mono")]
        if k + 1 < len(r.thetas):
            lines += [Line(f"θ − α∇J = {pair(th)} − {fmt(self.lr, 3)} × {pair(g)}", face="mono", wrap=True),
                      Line(f"        = {pair(r.thetas[k + 1])}", t.accent, "mono")]
        else:
            lines.append(Line("the last step" if not r.diverged else "stopped here: the run diverged",
                              t.bad if r.diverged else t.muted))
        f = lr_math.step_factors(self.points, self.lr)[1]
        critical = fmt(self.critical, 3)
        lines += [Line((f"least squares θ* = {pair(self.optimum)}, J(θ*) = {fmt(self.optimum_cost, 4)}",
                        f"θ* = {pair(self.optimum)}, J(θ*) = {fmt(self.optimum_cost, 4)}"), t.good, "mono", gap=4),
                  Line(f"α = {fmt(self.lr, 3)}: {r.status}, 1 − αλmax = {fmt(f, 2)}",
                       t.bad if r.diverged else t.text, "bold", gap=4),
                  Line((f"λmax: how steeply J curves along its steepest direction (the largest eigenvalue of its "
                        f"Hessian). Each step multiplies θ's distance to θ* along it by 1 − αλmax: above "
                        f"α = 2/λmax = {critical} that is below −1, and the run diverges.",
                        f"λmax: J's largest curvature (the largest eigenvalue of its Hessian). Each step multiplies "
                        f"θ's distance to θ* along it by 1 − αλmax; it diverges above α = 2/λmax = {critical}.",
                        f"λmax: J's largest curvature (its Hessian's largest eigenvalue); diverges above "
                        f"α = 2/λmax = {critical}",
                        f"λmax: J's largest curvature; diverges above α = 2/λmax = {critical}"), t.muted, wrap=True),
                  Line("∇J = 1/m · (Σ rᵢ, Σ rᵢ·xᵢ), rᵢ = θ₀ + θ₁xᵢ − yᵢ", t.muted, "mono", wrap=True,
                       gap=4)]
        return lines

    def _draw_numbers(self, surface, rect) -> None:
        t, tx, sz, r = self.theme, self.text, self.sizes, self.run
        title = ui.first_fitting(tx, (f"Step {self.step} of {len(r.costs) - 1}   (α = {ui.fmt(self.lr, 3)})",
                                      f"Step {self.step} of {len(r.costs) - 1}"), rect.w - 2 * sz.px(8), sz.title,
                                 "bold") or ""
        inner = panel(surface, rect, t, tx, sz, title)
        draw_lines(surface, tx, t, sz, self.number_lines(), inner)


class ZoomedPlot(ui.Zoomable):
    """Z: one of the lesson's plots over the whole window, redrawn at the zoom's sizes."""

    def __init__(self, scene: RegressionScene, name: str):
        self.scene, self.name = scene, name
        self.title = TITLES[name][-1]
        super().__init__(scene, self.title)

    def draw(self, surface) -> None:
        with ui.CHECK.scope(f"zoomed {self.name}", self.rect):
            self.scene.draw_plot(surface, self.name, self.rect, self.sizes, begin_scope=False)
