"""curves.png for a headless run: training loss (log axis) and train/test accuracy against the
training step, drawn off-screen with the kit (the same Text, sizes and axes as the windows;
no display needed). The command line hands `save_curves` to the engine's run, which never
imports pygame itself."""
from __future__ import annotations

import math
import os
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import numpy as np  # noqa: E402
import pygame  # noqa: E402

from . import ui  # noqa: E402
from .ui.figures import Axes, nice_ticks, panel  # noqa: E402
from .ui.theme import THEMES  # noqa: E402

SIZE = (1600, 640)
TEXT_AS = (1280, 800)        # the text is a 1280×800 window's (14 px): the picture is for reading


def _series(rows, key):
    pts = [(float(r["step"]), float(r[key])) for r in rows if r.get(key) not in ("", None)]
    return np.array([p[0] for p in pts]), np.array([p[1] for p in pts])


def render_curves(rows: list[dict], theme_name: str = "light") -> pygame.Surface:
    """The two charts on a Surface: loss on a log axis, accuracy in %, the step along both."""
    theme = THEMES[theme_name]
    text, sizes = ui.Text(theme), ui.Sizes.for_window(TEXT_AS, theme)
    surface = pygame.Surface(SIZE)
    surface.fill(theme.background)
    m = sizes.px(12)
    half = (SIZE[0] - 3 * m) // 2
    steps = [float(r["step"]) for r in rows if r.get("step") not in ("", None)]
    x_max = max(steps + [1.0])
    xticks = nice_ticks(0, x_max, 5)
    charts = (("Training loss (log scale)", "loss", (("loss", theme.bad),)),
              ("Accuracy (%)", "acc", (("train", theme.negative), ("test", theme.good))))
    for i, (title, kind, series) in enumerate(charts):
        inner = panel(surface, pygame.Rect(m + i * (half + m), m, half, SIZE[1] - 2 * m), theme, text, sizes, title)
        legend_h = text.line(sizes.small) + sizes.px(4)
        left = Axes.left(text, sizes, ("100", "0.001"))
        plot = pygame.Rect(inner.x + left, inner.y + legend_h, inner.w - left - sizes.px(8),
                           inner.h - legend_h - Axes.below(text, sizes))
        data = [(label, colour, *_series(rows, "loss" if kind == "loss" else f"{label}_acc")) for label, colour in series]
        x = inner.x
        for label, colour, _, _ in data:                          # the legend: a colour per series
            pygame.draw.line(surface, colour, (x, inner.y + legend_h // 2), (x + sizes.px(18), inner.y + legend_h // 2), 3)
            x = text.draw(surface, label, (x + sizes.px(22), inner.y), sizes.small, theme.text).right + sizes.px(16)
        if kind == "loss":
            finite = np.concatenate([ys[np.isfinite(ys) & (ys > 0)] for *_, ys in data] + [np.array([1.0])])
            lo, hi = math.floor(math.log10(finite.min())), math.ceil(math.log10(finite.max()))
            hi = max(hi, lo + 1)
            axes = Axes(plot, (0, x_max), (lo, hi))
            axes.frame(surface, theme, text, sizes, xticks, range(lo, hi + 1), "training step",
                       digits=(0, 0), yformat=lambda t: ui.fmt(10.0 ** t, sig=1))
            for _, colour, xs, ys in data:
                axes.line(surface, xs, np.log10(np.where(ys > 0, ys, np.nan)), colour)
        else:
            values = np.concatenate([ys for *_, ys in data] + [np.array([1.0])]) * 100
            lo = float(np.clip(10 * math.floor(np.percentile(values, 10) / 10), 0, 90))   # the part that moves
            axes = Axes(plot, (0, x_max), (lo, 100))
            axes.frame(surface, theme, text, sizes, xticks, nice_ticks(lo, 100, 5), "training step", digits=(0, 0))
            for _, colour, xs, ys in data:
                axes.line(surface, xs, 100 * ys, colour)
                if len(xs) == 1:
                    axes.points(surface, xs, 100 * ys, colour)
        if not any(len(xs) for _, _, xs, _ in data):
            text.draw(surface, "no data yet", plot.center, sizes.body, theme.muted, anchor="center")
    return surface


def save_curves(path: Path, rows: list[dict]) -> None:
    ui.export.save_png(render_curves(rows), path, "curves.png")
