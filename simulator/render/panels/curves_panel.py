"""Curves panel: training loss (raw and smoothed) and train/test accuracy over steps, with axes
and the current values. The points are the worker's history; this module only places them."""
from __future__ import annotations

import math

import numpy as np
import pygame

from ...engine.worker import ACC_WINDOW
from .widgets import SMALL, TINY, SnapshotPanel, clip_text, first_fitting, fmt, frame


def nice_ticks(high: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to about `high`."""
    if not math.isfinite(high) or high <= 0:
        return [0.0, 1.0]
    raw = high / count
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    return [i * step for i in range(int(math.ceil(high / step - 1e-9)) + 1)]


def step_label(v: float) -> str:
    return f"{v / 1000:g}k" if v >= 1000 else f"{v:g}"


class CurvesPanel(SnapshotPanel):
    def _title(self, surf, plot: pygame.Rect, name: str, items) -> None:
        """'name  ━ label value  ━ label value' above a plot: the legend and the current values."""
        th, tx = self.theme, self.text
        r = tx.draw(surf, name, (plot.x + 4, plot.y - 3), SMALL, th.text, "bold", anchor="bottomleft")
        x = r.right + 10
        for colour, width, label in items:
            pygame.draw.line(surf, colour, (x, r.centery), (x + 14, r.centery), width)
            r2 = tx.draw(surf, label, (x + 18, r.centery), SMALL, th.text, anchor="midleft")
            x = r2.right + 12

    def _axes(self, surf, plot: pygame.Rect, x_max: float, y_ticks: list[float], y_fmt) -> None:
        th, tx = self.theme, self.text
        y_max = y_ticks[-1]
        for v in y_ticks:
            y = plot.bottom - v / y_max * plot.h
            pygame.draw.line(surf, th.panel_border, (plot.x, y), (plot.right, y), 1)
            tx.draw(surf, y_fmt(v), (plot.x - 4, y), TINY, th.muted, anchor="midright")
        for v in nice_ticks(x_max, 5):
            if v > x_max:
                break
            x = plot.x + v / x_max * plot.w
            pygame.draw.line(surf, th.panel_border, (x, plot.bottom), (x, plot.bottom + 3), 1)
            tx.draw(surf, step_label(v), (x, plot.bottom + 3), TINY, th.muted, anchor="midtop")
        pygame.draw.line(surf, th.muted, plot.bottomleft, plot.bottomright, 1)
        pygame.draw.line(surf, th.muted, plot.bottomleft, plot.topleft, 1)

    @staticmethod
    def _points(plot, xs, ys, x_max, y_max) -> list:
        stride = max(1, len(xs) // plot.w)            # about one point per pixel column
        xs, ys = xs[::-1][::stride][::-1], ys[::-1][::stride][::-1]   # keeping the newest point
        px = plot.x + np.asarray(xs, np.float64) / x_max * plot.w
        py = plot.bottom - np.clip(np.asarray(ys, np.float64) / y_max, 0, 1) * plot.h
        return np.stack([px, py], 1).tolist()

    def set_snapshot(self, snap) -> None:
        th, tx = self.theme, self.text
        surf = self.static
        h = snap.history
        inner = frame(surf, surf.get_rect(), th, tx, "Learning curves", f"step {snap.step:,}")
        left = tx.width("100%", TINY) + 10
        title_h, tick_h = tx.line(SMALL) + 4, tx.line(TINY) + 4
        show_note = inner.h - 2 * (title_h + tick_h) - tick_h >= 120
        plots_h = inner.h - 2 * (title_h + tick_h) - (tick_h if show_note else 0)
        loss_h = int(plots_h * 0.56)
        loss_plot = pygame.Rect(inner.x + left, inner.y + title_h, inner.w - left - 6, loss_h)
        acc_plot = pygame.Rect(loss_plot.x, loss_plot.bottom + tick_h + title_h + 4, loss_plot.w, plots_h - loss_h - 4)
        x_max = max(10.0, float(h.steps[-1]) if len(h.steps) else 10.0, float(snap.step))
        finite = h.loss[np.isfinite(h.loss)]
        smooth_all = h.loss_smooth[np.isfinite(h.loss_smooth)]
        # the whole smoothed descent fits; single raw spikes above it are clipped at the top
        top = max(float(np.percentile(finite, 99)) if finite.size else 2.5,
                  float(smooth_all.max()) if smooth_all.size else 0.0)
        loss_ticks = nice_ticks(max(top, 0.1), 4 if loss_plot.h >= 80 else 2)
        smooth = float(h.loss_smooth[-1]) if len(h.loss_smooth) else float("nan")
        self._axes(surf, loss_plot, x_max, loss_ticks, lambda v: f"{v:g}")
        self._title(surf, loss_plot, "loss", ((th.muted, 1, f"batch {fmt(snap.loss)}"),
                                              (th.accent, 3, f"smoothed {fmt(smooth)}")))
        if len(h.steps) >= 2:
            pygame.draw.lines(surf, th.muted, False, self._points(loss_plot, h.steps, h.loss, x_max, loss_ticks[-1]), 1)
            pygame.draw.lines(surf, th.accent, False,
                              self._points(loss_plot, h.steps, h.loss_smooth, x_max, loss_ticks[-1]), 3)
        train = float(h.train_acc[-1]) if len(h.train_acc) else float("nan")
        test = f"{fmt(100 * float(h.test_acc[-1]), 1)}%" if len(h.test_acc) else "—"
        acc_ticks = [0, 0.25, 0.5, 0.75, 1.0] if acc_plot.h >= 90 else [0, 0.5, 1.0] if acc_plot.h >= 40 else [0, 1.0]
        self._axes(surf, acc_plot, x_max, acc_ticks, lambda v: f"{v * 100:.0f}%")
        self._title(surf, acc_plot, "accuracy", ((th.positive, 2, f"train {fmt(100 * train, 1)}%"),
                                                 (th.good, 2, f"test {test}")))
        if len(h.steps) >= 2:
            pygame.draw.lines(surf, th.positive, False, self._points(acc_plot, h.steps, h.train_acc, x_max, 1.0), 2)
        if len(h.test_steps):
            pts = self._points(acc_plot, h.test_steps, h.test_acc, x_max, 1.0)
            if len(pts) >= 2:
                pygame.draw.lines(surf, th.good, False, pts, 2)
            for p in pts:
                pygame.draw.circle(surf, th.good, p, 3)
        if show_note:
            notes = (f"train: last {ACC_WINDOW} batches · test: {h.test_size:,} test images, every few seconds",
                     f"train: last {ACC_WINDOW} batches · test: {h.test_size:,} test images")
            tx.draw(surf, clip_text(tx, first_fitting(tx, notes, inner.w, TINY), inner.w, TINY), (inner.right, inner.bottom), TINY, th.muted,
                    anchor="bottomright")
