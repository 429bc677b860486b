"""Activations: ReLU, sigmoid and tanh with their derivatives, one feature map through each,
and loss curves of short LeNet-5 runs with each, averaged over seeds (trained once on a
background thread, then read from the user cache). Curves and maps are the engine's
forward/backward outputs; the words under the curves follow lessons/activations.verdict.

Drawn at the window's size with the kit's sizes: the maps take the largest whole scale that
fits, labels and lines say less (shorter wordings) where narrow, never smaller. Z zooms the
panel under the mouse (the curves by default)."""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.background import Background
from ...engine.data import load_dataset
from ...engine.lessons import activations as act
from ...numbers import fmt_percent
from .. import ui
from ..ui.figures import Axes, blend, body_rect, header, hints, inner_rect, nice_ticks, panel, progress_bar
from ..ui.theme import array_surface, gray_rgb
from .frame import Line, draw_lines, lines_height
from .regression import plot_area, tick_count, tick_digits

LABELS = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}
SHORT = {"relu": "ReLU", "sigmoid": "σ", "tanh": "tanh"}
DEFAULT_CONFIG = act.ComparisonConfig()
SUBTITLE = ("What each does to a value, how much gradient it lets back (its derivative), and how LeNet-5 "
            "trains with each.")
HINTS = (("mouse", "over a map: the values at that pixel"), ("Z", "zoom"), ("Esc", "back"))
TITLES = {"curves": ("f(x) thick, its derivative f′(x) thin (the engine's kernels)", "f(x) thick, f′(x) thin"),
          "maps": ("One feature map through each (an edge filter on a test {noun})", "One feature map through each",
                   "A feature map"),
          "training": None}        # says its run: training_title()


class ActivationsScene(ui.Scene):
    title = "Activations: ReLU, sigmoid, tanh"
    animated = False

    def __init__(self, theme, options=None, config: act.ComparisonConfig | None = None):
        self.theme = theme
        self.text = ui.Text(theme)
        self.colours = {"relu": theme.positive, "sigmoid": theme.negative, "tanh": theme.good}
        self.curves = {name: act.curve(name) for name in act.NAMES}
        from ...engine.lessons.source import noun
        data = load_dataset(getattr(options, "data", None))
        self.noun, self.colour, self.n_classes = noun(data.format), data.format.colour, data.format.n_classes
        self.chance = act.chance_loss(self.n_classes)
        self.maps = act.feature_maps(data.test_images[0])
        self.map_h, self.map_w = self.maps.pre.shape
        self.config = config = config or DEFAULT_CONFIG
        cached = act.load_cached(config, data)
        if cached is not None:
            self.job = Background.done(cached)
        else:
            self.job = Background(lambda task: act.run_comparison(config, data, task.report, task.stopping,
                                                                  task.publish), "activations-comparison").start()
        # start on the most negative value of the map: ReLU zeroes it, tanh keeps it
        self.hover = self._pixel(np.argmin(self.maps.pre))
        self.map_grid: list[tuple[pygame.Rect, tuple]] = []      # (map rect, (row, col) pixel) for the mouse
        self.export_seconds = 0.0
        self.layout((1280, 800), ui.Sizes.for_window((1280, 800), theme))

    def _pixel(self, flat_index) -> tuple[int, int]:
        return tuple(int(v) for v in np.unravel_index(flat_index, self.maps.pre.shape))

    @property
    def ready(self) -> bool:
        return self.job.finished.is_set()

    def close(self) -> None:
        self.job.stop()

    def demo(self) -> None:
        self.hover = self._pixel(np.argmin(self.maps.pre))

    def tour(self):
        """The pixels a class looks at: the most negative z (ReLU zeroes it), the most positive,
        and a background pixel (z = 0, or the z nearest to 0 in a picture without one)."""
        pre = self.maps.pre
        zeros = np.flatnonzero(pre.ravel() == 0)         # a picture with noise may have none: the nearest to 0
        zero = ("z = 0", zeros[0]) if zeros.size else ("smallest |z|", np.argmin(np.abs(pre)))
        for name, index in (("most negative z", np.argmin(pre)), ("most positive z", np.argmax(pre)), zero):
            self.hover = self._pixel(index)
            yield f"pixel {self.hover}: {name}"
        self.demo()

    def handle(self, event):
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            return ui.BACK
        if event.type == pygame.MOUSEMOTION:
            for rect, _ in self.map_grid:
                if rect.collidepoint(event.pos):
                    scale = rect.w / self.map_w
                    self.hover = (int((event.pos[1] - rect.y) // scale), int((event.pos[0] - rect.x) // scale))
                    break
        return None

    def update(self, dt: float):
        return None

    def zoom_target(self, pos):
        name = next((n for n, r in self.rects.items() if pos is not None and r.collidepoint(pos)), "curves")
        return ZoomedPanel(self, name)

    # --- layout -------------------------------------------------------------------------
    def layout(self, size, sizes) -> None:
        """The curves over the maps on the left, the training comparison on the right."""
        self.size, self.sizes = tuple(size), sizes
        body = body_rect(size, self.text, sizes, SUBTITLE)
        gap = sizes.px(10)
        left_w = round((body.w - gap) * 0.6)
        tx = self.text
        dummy = pygame.Rect(0, 0, left_w, 1000)
        inner = inner_rect(dummy, tx, sizes)
        overhead = dummy.h - inner.h
        curves_min = overhead + 10 * tx.line(sizes.small)        # heads, a plot of 4 lines, ticks, the note
        scale = next((s for s in range(8, 1, -1) if self._maps_fit(s, inner.w, sizes) and self._bar_fits(s, sizes)
                      and body.h - gap - overhead - self._maps_need(s, inner.w, sizes) >= curves_min),
                     self._smallest_scale(inner.w, sizes))
        curves_h = max(round((body.h - gap) * 0.42), body.h - gap - overhead - self._maps_need(scale, inner.w, sizes))
        self.rects = {"curves": pygame.Rect(body.x, body.y, left_w, curves_h),
                      "maps": pygame.Rect(body.x, body.y + curves_h + gap, left_w, body.h - curves_h - gap),
                      "training": pygame.Rect(body.x + left_w + gap, body.y, body.w - left_w - gap, body.h)}

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface):
        t, tx, sz = self.theme, self.text, self.sizes
        surface.fill(t.background)
        header(surface, t, tx, sz, "Activations: ReLU, sigmoid and tanh", SUBTITLE)
        for name, rect in self.rects.items():
            self.draw_panel(surface, name, rect, sz)
        hints(surface, t, tx, sz, HINTS)
        return None

    def training_title(self) -> tuple:
        cfg = self.config
        return (f"LeNet-5: {cfg.steps} SGD steps, {len(cfg.seeds)} seeds", f"LeNet-5, {cfg.steps} steps", "LeNet-5")

    def draw_panel(self, surface, name: str, rect, sz, begin_scope: bool = True) -> None:
        titles = tuple(s.format(noun=self.noun) for s in TITLES[name]) if TITLES[name] else self.training_title()
        title = ui.first_fitting(self.text, titles, rect.w - 2 * sz.px(8), sz.title, "bold") or ""
        inner = panel(surface, rect, self.theme, self.text, sz, title, begin_scope=begin_scope)
        draw = {"curves": self._draw_curves, "maps": self._draw_maps, "training": self._draw_training}[name]
        draw(surface, inner, sz)

    def _draw_curves(self, surface, inner, sz) -> None:
        t, tx = self.theme, self.text
        note = [Line(("[x > 0], the Iverson bracket: 1 where x > 0, else 0", "[x > 0]: 1 where x > 0, else 0"), t.muted,
                     wrap=True)]
        note_h = lines_height(tx, sz, note, inner.w)
        gap = sz.px(10)
        w = (inner.w - 2 * gap) // 3
        heads = {}
        for name in act.NAMES:
            f, d = act.FORMULAS[name]
            colour = self.colours[name]
            if tx.width(f"{LABELS[name]}: f = {f}", sz.small, "bold") <= w:
                heads[name] = [Line(f"{LABELS[name]}: f = {f}", colour, "bold")]
            else:
                heads[name] = [Line(LABELS[name], colour, "bold"), Line(f"f = {f}", t.muted, wrap=True)]
            heads[name].append(Line(f"f′ = {d}", t.muted, wrap=True))
        head_h = max(lines_height(tx, sz, heads[n], w) for n in act.NAMES)
        for k, name in enumerate(act.NAMES):
            col = pygame.Rect(inner.x + k * (w + gap), inner.y, w, inner.h - note_h - sz.px(4))
            draw_lines(surface, tx, t, sz, heads[name], pygame.Rect(col.x, col.y, col.w, head_h))
            x, y, dy = self.curves[name]
            top = 5.2 if name == "relu" else 1.6
            area = pygame.Rect(col.x, col.y + head_h, col.w, col.h - head_h)
            yticks = (0, 2, 4) if name == "relu" else (-1, 0, 1)
            plot = plot_area(tx, sz, area, [str(v).replace("-", "−") for v in yticks], last_x="4")
            plot.h += tx.line(sz.small)                  # no x label: only the tick row below
            axes = Axes(plot, (-5, 5), (-1.2, top))
            xticks = (-4, -2, 0, 2, 4) if tick_count(plot.w, tx.width("−4", sz.small), 5) >= 5 else (-4, 0, 4)
            axes.frame(surface, t, tx, sz, xticks, yticks, "", "", 0)
            axes.line(surface, x, dy, blend(self.colours[name], t.text, 0.35), max(1, sz.px(1)))
            axes.line(surface, x, y, self.colours[name], max(2, sz.px(3)))
        draw_lines(surface, tx, t, sz, note, pygame.Rect(inner.x, inner.bottom - note_h, inner.w, note_h))

    def _maps_fit(self, scale: int, width: int, sz) -> bool:
        """Five H×W maps side by side and their colour bar fit `width` at this scale."""
        bar = ui.colour_bar_width(self.text, float(np.abs(self.maps.pre).max()), sz.small, digits=1)
        return 5 * (self.map_w * scale + sz.px(10)) + bar <= width

    def _maps_need(self, scale: int, width: int, sz) -> int:
        """The height of the maps' content at this scale: two rows with labels, the pixel's values."""
        label = self.text.line(sz.small) + sz.px(2)
        return 2 * (self.map_h * scale + label) + sz.px(10) + sz.px(8) + self._values_height(width, sz)

    def _map_scale(self, inner, sz) -> int:
        """The largest whole scale at which the maps, labels, colour bars and values fit; else the
        smallest at which a map is tall enough for its colour bar's labels (the values below then
        say less)."""
        return next((s for s in range(8, 0, -1) if self._maps_fit(s, inner.w, sz) and self._bar_fits(s, sz)
                     and self._maps_need(s, inner.w, sz) <= inner.h), self._smallest_scale(inner.w, sz))

    def _bar_fits(self, scale: int, sz) -> bool:
        """A map of this scale is tall enough for its colour bar's two end labels."""
        return self.map_h * scale >= 2 * self.text.line(sz.small) + ui.check.MIN_GAP

    def _smallest_scale(self, width: int, sz) -> int:
        return next((s for s in range(1, 9) if self._bar_fits(s, sz) and self._maps_fit(s, width, sz)), 1)

    def _value_lines(self) -> list[Line]:
        m = self.maps
        r, c = self.hover
        lines = [Line(f"pixel ({r}, {c}): z = {ui.fmt(m.pre[r, c], 3)}", face="mono")]
        for n in act.NAMES:
            y, dy = ui.fmt(m.post[n][r, c], 3), ui.fmt(m.slope[n][r, c], 3)
            lines.append(Line((f"{LABELS[n]}(z) = {y}, {LABELS[n]}′(z) = {dy}",
                               f"{SHORT[n]}(z) = {y}, {SHORT[n]}′ = {dy}"), self.colours[n], "mono"))
        return lines

    def _values_height(self, width, sz) -> int:
        return lines_height(self.text, sz, self._value_lines(), width)

    def _draw_maps(self, surface, inner, sz) -> None:
        t, tx, m = self.theme, self.text, self.maps
        self.map_grid = []
        scale = self._map_scale(inner, sz)
        lim = float(np.abs(m.pre).max())
        side, side_h = self.map_w * scale, self.map_h * scale
        bar = ui.colour_bar_width(tx, lim, sz.small, digits=1)
        gap = max(sz.px(10), min(side // 2, (inner.w - bar - 5 * side) // 5))      # spare width: room for labels
        label_h = tx.line(sz.small) + sz.px(2)
        x0, y0 = inner.x, inner.y + label_h
        y1 = y0 + side_h + sz.px(10) + label_h
        row1 = [((f"input {self.noun}", "input", "x"), m.image, None), (("edge map z", "map z", "z"), m.pre, lim)]
        row1 += [((f"{LABELS[n]}(z)", f"{SHORT[n]}(z)"), m.post[n], lim) for n in act.NAMES]
        row2 = [(None, None, None), (("the slopes →", "slopes →", "f′ →"), None, None)]
        row2 += [((f"{LABELS[n]}′(z)", f"{SHORT[n]}′(z)", f"{SHORT[n]}′"), m.slope[n], 1.0) for n in act.NAMES]
        for y, row, one_sided in ((y0, row1, False), (y1, row2, True)):
            for k, (labels, values, limit) in enumerate(row):
                pos = (x0 + k * (side + gap), y)
                if labels is not None:
                    label = ui.first_fitting(tx, labels, side + gap - ui.check.MIN_GAP, sz.small)
                    if label:
                        tx.draw(surface, label, (pos[0], pos[1] - sz.px(2)), sz.small,
                                t.muted if values is not None else t.text, anchor="bottomleft")
                if values is None:
                    continue
                if limit is None:         # the picture itself (grey levels or colour), not on the heat scale
                    rgb = (np.round(values * 255).astype(np.uint8) if self.colour else gray_rgb(values, 0.0, 1.0))
                    tile = array_surface(rgb, scale)
                else:
                    tile = ui.heat_tile(values, limit, t, scale, one_sided)
                rect = surface.blit(tile, pos)
                pygame.draw.rect(surface, t.panel_border, rect.inflate(2, 2), 1)
                self.map_grid.append((rect, (0, 0)))
                r, c = self.hover
                mark = (rect.x + c * scale - 1, rect.y + r * scale - 1, scale + 2, scale + 2)
                pygame.draw.rect(surface, t.accent, mark, max(1, sz.px(2)))
        bar_x = x0 + 5 * (side + gap)
        self._bar(surface, pygame.Rect(bar_x, y0, sz.px(10), side_h), lim, sz, one_sided=False)   # z and f(z): one scale
        self._bar(surface, pygame.Rect(bar_x, y1, sz.px(10), side_h), 1.0, sz, one_sided=True)
        lines = self._value_lines()
        top = y1 + side_h + sz.px(8)
        draw_lines(surface, tx, t, sz, lines, pygame.Rect(inner.x, top, inner.w, inner.bottom - top))

    def _bar(self, surface, rect, limit, sz, one_sided) -> None:
        """The maps' colour bar; on a bar too short for three labels, its two ends only."""
        t, tx = self.theme, self.text
        if rect.h >= 3 * tx.line(sz.small) or one_sided:
            ui.colour_bar(surface, tx, rect, limit, t, sz.small, one_sided=one_sided, digits=1)
            return
        ui.ramp(surface, rect, t)
        tx.draw(surface, ui.fmt(limit, 1), (rect.right + 4, rect.top), sz.small, t.muted)
        tx.draw(surface, ui.fmt(-limit, 1), (rect.right + 4, rect.bottom), sz.small, t.muted, anchor="bottomleft")

    def _draw_training(self, surface, inner, sz) -> None:
        t, tx, cfg = self.theme, self.text, self.config
        lr, momentum = ui.fmt(cfg.lr, sig=2), ui.fmt(cfg.momentum, sig=2)
        setting = Line((f"batch {cfg.batch_size}, α = {lr}, momentum {momentum}, first {cfg.n_train} images",
                        f"batch {cfg.batch_size}, α = {lr}, momentum {momentum}", f"α = {lr}"), t.muted)
        y = draw_lines(surface, tx, t, sz, [setting], inner)
        result = self.job.result if self.ready else None
        losses = result["losses"] if result else (self.job.latest() or {})
        below = self._result_lines(result, inner.w) if result else []
        text_h = max(lines_height(tx, sz, below, inner.w), 4 * tx.line(sz.small))
        top = max([2.5] + [max(v[:5]) for v in losses.values() if v])
        yticks = nice_ticks(0, top, 4)
        digits = tick_digits(yticks)
        area = pygame.Rect(inner.x, y + sz.px(4), inner.w, inner.bottom - y - sz.px(8) - text_h)
        xticks = nice_ticks(0, cfg.steps, 4)[1:]
        plot = plot_area(tx, sz, area, [ui.fmt(float(v), digits) for v in yticks], last_x=ui.fmt(float(xticks[-1]), 0))
        axes = Axes(plot, (0, cfg.steps), (0, top * 1.05))
        axes.frame(surface, t, tx, sz, xticks, yticks, "step", "loss", (0, digits))
        axes.line(surface, [0, cfg.steps], [self.chance] * 2, t.muted, 1)
        ln = f"ln {self.n_classes}"
        chance = ui.first_fitting(tx, (f"{ln}: a uniform guess", ln), plot.w - sz.px(60), sz.small)
        if chance:
            tx.draw(surface, chance, (plot.right - sz.px(4), axes.px(0, self.chance)[1] - 2), sz.small, t.muted,
                    anchor="bottomright")
        for name in act.NAMES:
            values = list(losses.get(name) or [])
            if values:
                axes.line(surface, np.arange(len(values)), act.smooth(values, act.SMOOTH), self.colours[name],
                          max(2, sz.px(2)))
        text_rect = pygame.Rect(inner.x, inner.bottom - text_h, inner.w, text_h)
        if self.job.error is not None:
            draw_lines(surface, tx, t, sz, [Line(f"training failed: {self.job.error}", t.bad, wrap=True)], text_rect)
            return
        if result is None:
            done, total, _ = self.job.progress
            label_h = tx.line(sz.small)
            progress_bar(surface, t, tx, sz, (inner.x, text_rect.y + label_h + sz.px(4), inner.w, sz.px(16)),
                         done / total, ui.first_fitting(tx, (f"training once, then cached: step {done} of {total}",
                                                             f"step {done} of {total}"), inner.w, sz.small) or "")
            draw_lines(surface, tx, t, sz, [Line("(the other lessons work meanwhile)", t.muted, wrap=True)],
                       pygame.Rect(inner.x, text_rect.y + label_h + sz.px(28), inner.w, text_h - label_h - sz.px(28)))
            return
        draw_lines(surface, tx, t, sz, below, text_rect)

    def _result_lines(self, result, width) -> list[Line]:
        v = act.verdict(result)
        lines = []
        for name in act.NAMES:
            lo, hi = v.seed_range[name]
            reach = f"step {v.reach[name]}" if v.reach[name] is not None else "never"
            acc = fmt_percent(result["test_accuracy"][name])
            colour = self.colours[name]
            loss, seeds = ui.fmt(v.final[name], 3), f"{ui.fmt(lo, 2)}–{ui.fmt(hi, 2)}"
            lines += [Line((f"{LABELS[name]:8s}loss {loss} (seeds {seeds})", f"{LABELS[name]} loss {loss} ({seeds})"),
                           colour, "mono"),
                      Line((f"{'':8s}acc {acc}, loss < {ui.fmt(v.threshold, sig=2)}: {reach}",
                            f"  acc {acc}, < {ui.fmt(v.threshold, sig=2)}: {reach}"), colour, "mono")]
        lines.append(Line(self._verdict_words(v, self.n_classes), wrap=True, gap=6))
        if "seconds" in result:
            lines.append(Line((f"trained once in {ui.fmt(result['seconds'], 0)} s here, then read from the cache",
                               f"trained once in {ui.fmt(result['seconds'], 0)} s, then cached"), self.theme.muted,
                              wrap=True, gap=6))
        return lines

    @staticmethod
    def _verdict_words(v: act.Verdict, classes: int = 10) -> str:
        """What the runs show, stated only as far as every seed agrees (ln classes: a uniform guess)."""
        chance = act.chance_loss(classes)
        labels = [LABELS[n] for n in v.order]
        threshold = ui.fmt(v.threshold, sig=2)
        if v.every_seed:
            words = f"In every seed {labels[0]} ended with the lowest loss and {labels[-1]} the highest."
        else:
            words = (f"Mean order {', '.join(labels)}, but the seeds overlap: on a network this small the order "
                     f"of close runs depends on α and the seed.")
        reached = {n: r for n, r in v.reach.items() if r is not None}
        if reached:
            first = min(reached, key=reached.get)
            words += f" {LABELS[first]} was first below {threshold} (step {reached[first]})."
        if v.final["sigmoid"] > chance - 0.2:
            words += (f" Sigmoid barely leaves ln {classes}: its slope is at most 0.25 per layer, so little gradient "
                      "reaches the first layers.")
        return words


class ZoomedPanel(ui.Zoomable):
    """Z: one of the lesson's panels over the whole window, redrawn at the zoom's sizes."""

    def __init__(self, scene: ActivationsScene, name: str):
        self.scene, self.name = scene, name
        self.title = name
        super().__init__(scene, self.title)

    def draw(self, surface) -> None:
        with ui.CHECK.scope(f"zoomed {self.name}", self.rect):
            self.scene.draw_panel(surface, self.name, self.rect, self.sizes, begin_scope=False)
