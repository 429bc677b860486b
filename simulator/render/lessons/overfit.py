"""Fewer parameters, less overfitting, shown with real runs: a dense network and LeNet-5 trained
on the same small training set, each network's train and test accuracy after every epoch side by
side, the gap between them shaded and measured, their parameter counts beside them. The runs are
the engine's (engine/lessons/overfit.py), trained on a background thread the first time and
cached, so the lesson opens at once after that."""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.lessons import overfit
from .. import ui
from ..ui.figures import Axes, header, hints, hints_height, nice_ticks, panel, progress_bar

SETTINGS = overfit.OverfitSettings()
HINTS = (("Z", "zoom"), ("Esc", "back"))
HEADING = "Fewer parameters, less overfitting"
SUBTITLE = ("The same {n:,} training images, {epochs} epochs, the same recipe, no augmentation: how well each "
            "network does on the images it trained on (train) and on {test:,} it never saw (test). The gap "
            "between the two is what it memorised.")


class OverfitScene(ui.Scene):
    title = "Fewer parameters, less overfitting"

    def __init__(self, theme, options=None):
        from ...engine.data import load_dataset
        self.theme = theme
        self.text = ui.Text(theme)
        self.sizes = ui.Sizes.for_window((1280, 800), theme)
        self.size = (1280, 800)
        from ...engine.lessons.source import noun
        data = load_dataset(options.data if options is not None else None)
        self.settings, self.format, self.noun = SETTINGS.for_data(data), data.format, noun(data.format)
        self.task = overfit.start(self.settings, data)
        self.export_seconds = 0.0

    @property
    def ready(self) -> bool:
        return self.task.result is not None

    def close(self) -> None:
        self.task.stop()

    def layout(self, size, sizes) -> None:
        self.size, self.sizes = size, sizes

    def handle(self, event):
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            return ui.BACK
        return None

    def zoom_target(self, pos):
        return ZoomedCurves(self)

    def result(self) -> overfit.OverfitResult | None:
        return self.task.latest()

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface):
        th, tx, sz = self.theme, self.text, self.sizes
        surface.fill(th.background)
        s = self.settings
        subtitle = SUBTITLE.format(n=s.n_train, epochs=s.epochs, test=s.n_test)
        top = header(surface, th, tx, sz, HEADING, subtitle)
        bottom = self.size[1] - hints_height(tx, sz) - sz.px(8)
        m = sz.px(16)
        result = self.result()
        width = self.size[0] - 2 * m
        runs = self._verdict_runs(result)
        pad = 2 * sz.px(8)
        need = [ui.paragraph_height(tx, r, width - pad, sz.body) + pad for r in runs]
        room = (bottom - top) * 0.35
        which = next((i for i, h in enumerate(need) if h <= room), len(runs) - 1)   # say less when short
        verdict_h = max(need[which], 2 * tx.line(sz.body) + pad)
        body = pygame.Rect(m, top, width, bottom - top - verdict_h - sz.px(8))
        self.draw_curves(surface, body, sz, result)
        self._verdict(surface, pygame.Rect(m, body.bottom + sz.px(8), width, verdict_h), result, runs[which])
        hints(surface, th, tx, sz, HINTS)
        return None

    def draw_curves(self, surface, rect: pygame.Rect, sz, result) -> None:
        """One panel per network: its train and test accuracy after each epoch, the gap shaded."""
        th, tx = self.theme, self.text
        n = len(self.settings.networks)
        gap = sz.px(10)
        w = (rect.w - gap * (n - 1)) // n
        curves = result.curves if result is not None else ()
        tests = [v for c in curves for v in c.test_acc]          # the axis starts under the lowest test accuracy
        lo = float(np.clip(np.floor((min(tests) if tests else 0.8) * 20) / 20, 0.0, 0.9))
        for i, (name, spec) in enumerate(self.settings.networks):
            box = pygame.Rect(rect.x + i * (w + gap), rect.y, w, rect.h)
            curve = next((c for c in curves if c.name == name), None)
            params = curve.params if curve is not None else overfit.parameter_count(spec, self.format)
            inner = panel(surface, box, th, tx, sz, name,
                          (f"{params:,} parameters · {spec}", f"{params:,} parameters"))
            legend_h = tx.line(sz.small) + sz.px(4)
            left = Axes.left(tx, sz, ("100%",))
            top = inner.y + legend_h + tx.line(sz.small) // 2       # the top tick's label sits half above
            plot = pygame.Rect(inner.x + left, top, inner.w - left - sz.px(8),
                               inner.bottom - top - Axes.below(tx, sz) - tx.line(sz.small))
            axes = Axes(plot, (0, self.settings.epochs), (100 * lo, 100))
            yticks = nice_ticks(100 * lo, 100, 4)
            digits = 0 if all(float(t).is_integer() for t in yticks) else 1
            axes.frame(surface, th, tx, sz, [t for t in nice_ticks(0, self.settings.epochs, 5) if t > 0], yticks,
                       "epoch", digits=(0, 0), yformat=lambda t: f"{ui.fmt(t, digits)}%")
            x = inner.x
            for label, colour in (("train", th.negative), ("test", th.good), ("gap", th.bad)):
                pygame.draw.line(surface, colour, (x, inner.y + legend_h // 2), (x + sz.px(18), inner.y + legend_h // 2), 3)
                x = tx.draw(surface, label, (x + sz.px(22), inner.y), sz.small, th.text).right + sz.px(14)
            if curve is None or curve.epochs == 0:
                tx.draw(surface, "training…", plot.center, sz.body, th.muted, anchor="center")
                continue
            epochs = np.arange(1, curve.epochs + 1)
            train, test = 100 * np.array(curve.train_acc), 100 * np.array(curve.test_acc)
            clip = surface.get_clip()
            surface.set_clip(plot)
            for e, a, b in zip(epochs, train, test):           # the gap after each epoch, a bar from test up to train
                xa, ya = axes.px(e, a)
                _, yb = axes.px(e, b)
                pygame.draw.line(surface, th.bad, (xa, ya), (xa, yb), max(2, sz.px(3)))
            surface.set_clip(clip)
            axes.line(surface, epochs, train, th.negative, max(2, sz.px(2)))
            axes.line(surface, epochs, test, th.good, max(2, sz.px(2)))
            last = (f"after epoch {curve.epochs}: train {ui.fmt_percent(curve.train_acc[-1])}, "
                    f"test {ui.fmt_percent(curve.test_acc[-1])}, gap {ui.fmt(100 * curve.gap[-1], 1)} points")
            line = ui.first_fitting(tx, (last, f"train {ui.fmt_percent(curve.train_acc[-1])}, test "
                                            f"{ui.fmt_percent(curve.test_acc[-1])}"), inner.w, sz.small)
            if line:
                tx.draw(surface, line, (inner.x, inner.bottom), sz.small, th.text, anchor="bottomleft")

    def _verdict_runs(self, result) -> list:
        """The verdict as coloured runs, longest wording first (the engine's verdict and gaps)."""
        th = self.theme
        if result is None or not result.done:
            return [[]]
        v = result.verdict()
        parts = [f"{name}: gap {ui.fmt(100 * v['gaps'][name], 1)} points ({result.curve(name).params:,} parameters)"
                 for name, _ in self.settings.networks]
        gaps = ("; ".join(parts), th.accent)
        if v["most"] is None:
            return [[gaps, (": within a point of each other here, so no order is claimed.", th.text)]]
        head = (f"The {v['most']} network memorises more: ", th.text)
        why = (f". Averaged over the last 5 epochs. With fewer weights, each shared over the whole image, "
               f"{v['least']} must learn {'strokes' if self.noun == 'digit' else 'features'} that also occur in new "
               f"{self.noun}s.", th.text)
        return [[head, gaps, why], [head, gaps, (" (last 5 epochs).", th.text)]]

    def _verdict(self, surface, rect: pygame.Rect, result, runs) -> None:
        """What the numbers say, or the training's progress."""
        th, tx, sz = self.theme, self.text, self.sizes
        inner = panel(surface, rect, th, tx, sz)
        if result is None or not result.done:
            done, total, label = self.task.progress
            bar = pygame.Rect(inner.x, inner.bottom - sz.px(14), inner.w, sz.px(12))
            progress_bar(surface, th, tx, sz, bar, done / max(1, total),
                         f"training both networks ({label}); the result is cached for next time")
            return
        ui.paragraph(tx, surface, runs, inner, sz.body)


class ZoomedCurves(ui.Zoomable):
    """Z: the two networks' curves over the whole window."""
    title = "overfitting"

    def __init__(self, scene: OverfitScene):
        self.scene, self.rect, self.sizes = scene, pygame.Rect(0, 0, 1, 1), scene.sizes

    def layout(self, rect, sizes) -> None:
        self.rect, self.sizes = rect, sizes

    def update(self, dt) -> None:
        pass

    def draw(self, surface) -> None:
        body = self.rect.inflate(-2 * self.sizes.px(8), -2 * self.sizes.px(8))
        self.scene.draw_curves(surface, body, self.sizes, self.scene.result())

