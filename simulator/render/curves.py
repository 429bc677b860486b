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


def decade(t: float) -> str:
    """The label of the log axis's tick 10^t: 100, 1, 0.01, 1×10⁻⁴."""
    return str(10 ** int(t)) if t >= 0 else ui.fmt(10.0 ** t, sig=2)


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
    xticks = [t for t in nice_ticks(0, x_max, 5) if t > 0]      # no "0": the lowest y label sits there
    charts = (("Training loss (log scale)", "loss", (("loss", theme.bad),)),
              ("Accuracy (%)", "acc", (("train", theme.negative), ("test", theme.good))))
    for i, (title, kind, series) in enumerate(charts):
        inner = panel(surface, pygame.Rect(m + i * (half + m), m, half, SIZE[1] - 2 * m), theme, text, sizes, title)
        data = [(label, colour, *_series(rows, "loss" if kind == "loss" else f"{label}_acc")) for label, colour in series]
        if kind == "loss":      # decades from the lowest loss the run reached to the highest
            finite = np.concatenate([ys[np.isfinite(ys) & (ys > 0)] for *_, ys in data] + [np.array([1.0])])
            lo, hi = math.floor(math.log10(finite.min())), math.ceil(math.log10(finite.max()))
            hi = max(hi, lo + 1)
            ylim, yticks = (lo, hi), list(range(lo, hi + 1))
            labels = [decade(t) for t in yticks]
        else:                   # accuracy in %, from where the curves start to move
            values = np.concatenate([ys for *_, ys in data] + [np.array([1.0])]) * 100
            lo = float(np.clip(10 * math.floor(np.percentile(values, 10) / 10), 0, 90))
            ylim, yticks = (lo, 100), nice_ticks(lo, 100, 5)
            labels = [ui.fmt(float(t), 0) for t in yticks]
        legend_h = text.line(sizes.small) + sizes.px(4)
        left = Axes.left(text, sizes, labels)
        top = inner.y + legend_h + text.line(sizes.small) // 2      # the top tick's label sits half above
        plot = pygame.Rect(inner.x + left, top, inner.w - left - sizes.px(8), inner.bottom - top - Axes.below(text, sizes))
        x = inner.x
        for label, colour, _, _ in data:                          # the legend: a colour per series
            pygame.draw.line(surface, colour, (x, inner.y + legend_h // 2), (x + sizes.px(18), inner.y + legend_h // 2), 3)
            x = text.draw(surface, label, (x + sizes.px(22), inner.y), sizes.small, theme.text).right + sizes.px(16)
        axes = Axes(plot, (0, x_max), ylim)
        if kind == "loss":
            axes.frame(surface, theme, text, sizes, xticks, yticks, "training step", digits=(0, 0), yformat=decade)
            for _, colour, xs, ys in data:
                axes.line(surface, xs, np.log10(np.where(ys > 0, ys, np.nan)), colour)
        else:
            axes.frame(surface, theme, text, sizes, xticks, yticks, "training step", digits=(0, 0))
            for _, colour, xs, ys in data:
                axes.line(surface, xs, 100 * ys, colour)
                if len(xs) == 1:
                    axes.points(surface, xs, 100 * ys, colour)
        if not any(len(xs) for _, _, xs, _ in data):
            text.draw(surface, "no data yet", plot.center, sizes.body, theme.muted, anchor="center")
    return surface


def save_curves(path: Path, rows: list[dict]) -> None:
    ui.export.save_png(render_curves(rows), path, "curves.png")
