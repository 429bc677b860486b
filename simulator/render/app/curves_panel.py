"""Curves panel: training loss (each batch, and smoothed) on a log axis, so the curve stays
readable long after the first steps, and train/test accuracy, both over the training step
with the epochs marked. The points are the worker's history; this module only places them."""
from __future__ import annotations

import math

import numpy as np
import pygame

from ...engine.worker import ACC_WINDOW, SMOOTHING
from ..ui.figures import nice_ticks
from .widgets import SnapshotPanel, first_fitting, fmt, frame

LOSS_FLOOR = 0.01       # the log axis's lowest decade (a loss below it is drawn on the floor)
MAX_EPOCH_LINES = 10    # epoch ends marked at most (every k-th beyond that)
ACC_FLOORS = (0.0, 0.5, 0.8, 0.9, 0.95, 0.98)   # the accuracy axis starts at the highest below the curves


def log_ticks(low: float, high: float, room: int) -> list[float]:
    """1-3-10 ticks (or decades only, when `room` lines do not fit them) covering [low, high]."""
    lo, hi = math.floor(math.log10(low)), math.ceil(math.log10(high))
    decades = [10.0 ** e for e in range(lo, hi + 1)]
    with_threes = sorted(decades + [3 * d for d in decades[:-1]])
    return with_threes if len(with_threes) <= room else decades


def step_label(v: float) -> str:
    return f"{v / 1000:g}k" if v >= 1000 else f"{v:g}"


def tick_text(v: float) -> str:
    return f"{v:g}"


class CurvesPanel(SnapshotPanel):
    name = "curves"

    def _legend(self, surf, x, y, name: str, items) -> None:
        """'name  ━ label value  ━ label value': with the current values when they fit, else
        the labels alone, else as many items as fit."""
        th, tx, sz = self.theme, self.text, self.sizes
        r = tx.draw(surf, name, (x, y), sz.small, th.text, "bold", anchor="bottomleft")
        start = r.right + sz.px(8)

        def width(labels):
            return sum(tx.width(lbl, sz.small) + sz.px(28) for lbl in labels)

        room = self.inner.right - start
        long_, short = [i[2] for i in items], [i[3] for i in items]
        labels = long_ if width(long_) <= room else short
        x = start
        for (colour, line_w, _, _), label in zip(items, labels):
            if x + tx.width(label, sz.small) + sz.px(18) > self.inner.right:
                break
            pygame.draw.line(surf, colour, (x, r.centery), (x + sz.px(14), r.centery), line_w)
            r2 = tx.draw(surf, label, (x + sz.px(18), r.centery), sz.small, th.text, anchor="midleft")
            x = r2.right + sz.px(10)

    @staticmethod
    def epoch_every(x_max: float, epoch_steps: int) -> int:
        """Mark every k-th epoch's end: at most MAX_EPOCH_LINES dashed lines (no barcode)."""
        epochs = int(x_max // epoch_steps) if epoch_steps > 0 else 0
        return max(1, math.ceil(epochs / MAX_EPOCH_LINES))

    def _x_axis(self, surf, plot, x_max: float, epoch_steps: int, title: bool) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        every = self.epoch_every(x_max, epoch_steps)
        if epoch_steps > 0:        # epoch boundaries (every k-th), dashed
            for e in range(every, int(x_max // epoch_steps) + 1, every):
                x = plot.x + e * epoch_steps / x_max * plot.w
                for y in range(plot.y, plot.bottom, 6):
                    pygame.draw.line(surf, th.muted, (x, y), (x, min(y + 3, plot.bottom)), 1)
        last_right = -1
        ticks = list(nice_ticks(0, x_max, max(2, plot.w // sz.px(70))))
        for v in ticks[1:]:              # no "0": the y axis's lowest label sits there
            x = plot.x + v / x_max * plot.w
            pygame.draw.line(surf, th.panel_border, (x, plot.bottom), (x, plot.bottom + 3), 1)
            label = step_label(v)
            w = tx.width(label, sz.small)
            if x - w / 2 > last_right + 4 and x + w / 2 <= self.inner.right:
                tx.draw(surf, label, (x, plot.bottom + 3), sz.small, th.muted, anchor="midtop")
                last_right = x + w / 2
        if title:
            which = "epoch ends" if every == 1 else f"every {every}th epoch's end"
            epochs = f" · dashed: {which}" if epoch_steps and x_max >= epoch_steps else ""
            t = first_fitting(self.text, (f"training step{epochs}", "training step"), plot.w, sz.small)
            if t:
                tx.draw(surf, t, (plot.centerx, plot.bottom + 3 + tx.line(sz.small)), sz.small, th.muted,
                        anchor="midtop")

    def _y_axis(self, surf, plot, ticks, to_y, label) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        for v in ticks:
            y = to_y(v)
            pygame.draw.line(surf, th.panel_border, (plot.x, y), (plot.right, y), 1)
            tx.draw(surf, label(v), (plot.x - 4, y), sz.small, th.muted, anchor="midright")
        pygame.draw.line(surf, th.muted, plot.bottomleft, plot.bottomright, 1)
        pygame.draw.line(surf, th.muted, plot.bottomleft, plot.topleft, 1)

    @staticmethod
    def _band(surf, plot, xs, ys, x_max, to_y, colour) -> None:
        """Each pixel column's lowest and highest value as a vertical stroke: the spread of the
        batch losses stays visible however many steps share a column."""
        xs, ys = np.asarray(xs, np.float64), np.asarray(ys, np.float64)
        ok = np.isfinite(ys)
        cols = np.clip(((xs[ok] / x_max) * plot.w).astype(int), 0, plot.w - 1)
        if cols.size == 0:
            return
        lo = np.full(plot.w, np.inf)
        hi = np.full(plot.w, -np.inf)
        np.minimum.at(lo, cols, ys[ok])
        np.maximum.at(hi, cols, ys[ok])
        for c in np.flatnonzero(np.isfinite(lo)):
            y0, y1 = to_y(hi[c]), to_y(lo[c])
            pygame.draw.line(surf, colour, (plot.x + c, y0), (plot.x + c, max(y0, y1)), 1)

    @staticmethod
    def _points(plot, xs, ys, x_max, to_y) -> list:
        stride = max(1, len(xs) // max(1, plot.w))        # about one point per pixel column
        xs, ys = xs[::-1][::stride][::-1], ys[::-1][::stride][::-1]   # keeping the newest point
        px = plot.x + np.asarray(xs, np.float64) / x_max * plot.w
        py = to_y(np.asarray(ys, np.float64))
        return np.stack([px, py], 1).tolist()

    @staticmethod
    def acc_floor(h) -> float:
        """Where the accuracy axis starts: the highest of ACC_FLOORS under the newer 80% of both
        curves, so train and test are told apart once they are near 100% (the start of the run
        then leaves the plot at its bottom edge, which the axis labels say)."""
        recent = []
        for steps, values in ((h.steps, h.train_acc), (h.test_steps, h.test_acc)):
            if len(values):
                newer = np.asarray(values)[np.asarray(steps) >= 0.2 * max(1.0, float(h.steps[-1]) if len(h.steps) else 1.0)]
                recent.extend(newer[np.isfinite(newer)].tolist())
        low = min(recent) if recent else 0.0
        return max(f for f in ACC_FLOORS if f <= low - 0.01) if low > 0.01 else 0.0

    def build(self, snap) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        surf = self.static
        h = snap.history
        self.inner = inner = frame(surf, surf.get_rect(), th, tx, sz, "Learning curves",
                                   (f"step {snap.step:,}",))
        line = tx.line(sz.small)
        floor = self.acc_floor(h)
        span = 1.0 - floor

        def acc_text(v):                   # 1 decimal once the axis is narrower than 20 points
            return f"{fmt(v * 100, 0 if span >= 0.2 else 1)}%"
        # the margin holds the widest label either axis writes ("100.0%" near the end of a run)
        left = max(tx.width(acc_text(1.0), sz.small), tx.width("0.03", sz.small)) + sz.px(8)
        notes = (f"smoothed: moving average of ~{round(1 / SMOOTHING)} steps · train: last {ACC_WINDOW} batches"
                 f" · test: {h.test_size:,} unseen images",
                 f"smoothed: average of ~{round(1 / SMOOTHING)} steps · test: {h.test_size:,} images",
                 f"smoothed: ~{round(1 / SMOOTHING)}-step average")
        note = first_fitting(tx, notes, inner.w, sz.small)
        half = line // 2            # the top tick's label reaches half a line above its plot
        fixed = 2 * (line + half) + 2 * (line + 4) + line + (line if note else 0) + sz.px(8)
        show_title = inner.h - fixed >= sz.px(110)
        plots_h = inner.h - fixed + (0 if show_title else line)
        if plots_h < sz.px(60):
            note = None
            plots_h += line
        loss_h = int(plots_h * 0.55)
        loss_plot = pygame.Rect(inner.x + left, inner.y + line + half + 2, inner.w - left - sz.px(6), loss_h)
        acc_top = loss_plot.bottom + line + 4 + line + half + 2
        acc_plot = pygame.Rect(loss_plot.x, acc_top, loss_plot.w, plots_h - loss_h)
        x_max = max(10.0, float(h.steps[-1]) if len(h.steps) else 10.0, float(snap.step))
        epoch_steps = snap.steps_per_epoch
        # loss on a log axis: the whole run stays readable (2.3 at the start, 0.05 later)
        finite = h.loss[np.isfinite(h.loss) & (h.loss > 0)]
        top = max(2.5, float(np.percentile(finite, 99)) if finite.size else 2.5)
        ticks = log_ticks(LOSS_FLOOR, top, max(2, loss_plot.h // (line + 2)))
        lo, hi = math.log10(ticks[0]), math.log10(ticks[-1])

        def loss_y(v):
            t = (np.log10(np.clip(v, ticks[0], ticks[-1])) - lo) / (hi - lo)
            return loss_plot.bottom - t * loss_plot.h

        self._y_axis(surf, loss_plot, ticks, loss_y, tick_text)
        self._x_axis(surf, loss_plot, x_max, epoch_steps, False)
        smooth = float(h.loss_smooth[-1]) if len(h.loss_smooth) else float("nan")
        self._legend(surf, inner.x, loss_plot.y - half - 2, "loss (log)",
                     ((th.muted, 1, f"batch {fmt(snap.loss, 3)}", "batch"),
                      (th.accent, 3, f"smoothed {fmt(smooth, 3)}", "smoothed")))
        if len(h.steps) >= 2:
            self._band(surf, loss_plot, h.steps, h.loss, x_max, loss_y, th.muted)
            pygame.draw.lines(surf, th.accent, False,
                              self._points(loss_plot, h.steps, h.loss_smooth, x_max, loss_y), 2)
        train = float(h.train_acc[-1]) if len(h.train_acc) else float("nan")
        test = f"{fmt(100 * float(h.test_acc[-1]), 1)}%" if len(h.test_acc) else "—"
        room = acc_plot.h // (line + 2)
        acc_ticks = [floor + span * t for t in ((0, 0.25, 0.5, 0.75, 1.0) if room >= 5 else (0, 0.5, 1.0)
                                                if room >= 3 else (0, 1.0))]

        def acc_y(v):
            return acc_plot.bottom - np.clip((np.asarray(v) - floor) / span, 0, 1) * acc_plot.h

        self._y_axis(surf, acc_plot, acc_ticks, acc_y, acc_text)
        self._x_axis(surf, acc_plot, x_max, epoch_steps, show_title)
        self._legend(surf, inner.x, acc_plot.y - half - 2, "accuracy",
                     ((th.positive, 2, f"train {fmt(100 * train, 1)}%", "train"),
                      (th.good, 2, f"test {test}", "test")))
        if len(h.steps) >= 2:
            pygame.draw.lines(surf, th.positive, False, self._points(acc_plot, h.steps, h.train_acc, x_max, acc_y), 2)
        if len(h.test_steps):
            pts = self._points(acc_plot, h.test_steps, h.test_acc, x_max, acc_y)
            if len(pts) >= 2:
                pygame.draw.lines(surf, th.good, False, pts, 2)
            for p in pts:
                pygame.draw.circle(surf, th.good, p, 3)
        if note:
            tx.draw(surf, note, (inner.right, inner.bottom), sz.small, th.muted, anchor="bottomright")
