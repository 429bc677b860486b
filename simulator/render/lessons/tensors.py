"""Tensors and their rank: a scalar, a vector, a matrix, a 3-D and a 4-D tensor, each the real
tensor this network holds (lessons/tensors.tensor_examples), each drawn with its shape and
one element picked out by its indices."""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.checkpoint import load_checkpoint
from ...engine.data import load_dataset
from ...engine.lecture.step import fmt
from ...engine.arch import LENET5
from ...engine.config import TrainConfig
from ...engine.lessons.network import arch_of, network_name
from ...engine.lessons.tensors import tensor_examples
from ..ui.theme import array_surface, gray_rgb
from . import common as ui

GAP = 14


def shape_text(shape: tuple) -> str:
    """How a shape is written on its panel: 'shape ()' for a scalar, 'shape [8, 1, 28, 28]'."""
    return "shape ()" if not shape else "shape [" + ", ".join(str(v) for v in shape) + "]"


class TensorsScene:
    title = "Tensors and their rank"
    animated = False

    def __init__(self, theme, options=None):
        self.theme = theme
        data = load_dataset(getattr(options, "data", None))
        params, arch = None, LENET5
        checkpoint = getattr(options, "checkpoint", None)
        if checkpoint is not None:
            state = load_checkpoint(checkpoint)
            params = {k: np.ascontiguousarray(v, np.float32) for k, v in state["params"].items()}
            arch = arch_of(TrainConfig(**state["config"]))
        self.trained = params is not None
        self.name = network_name(arch, start=False)
        self.examples = tensor_examples(data.test_images, data.test_labels, params, arch)

    def demo(self) -> None:
        pass

    def close(self) -> None:
        pass

    def handle(self, event) -> None:
        pass

    def update(self, dt: float) -> None:
        pass

    def draw(self, surface) -> None:
        t = self.theme
        w, h = surface.get_size()
        weights = "trained weights" if self.trained else "untrained weights"
        title = first(t, ("Tensors and their rank: the arrays this network computes with",
                          "Tensors and their rank"), w - 48, 22, "bold")
        subtitle = first(t, (f"Rank = how many indices pick one number. Every panel is a real tensor of {self.name} "
                             f"({weights}), drawn with its shape.",
                             f"Rank = indices needed to pick one number. Real tensors of {self.name} ({weights}).",
                             "Rank = indices needed to pick one number."), w - 48, 14)
        heading(surface, t, title, subtitle)
        n = len(self.examples)
        col_w = (w - 48 - GAP * (n - 1)) // n
        top, bottom = ui.HEADER_H + 12, h - ui.FOOTER_H - 8
        for i, ex in enumerate(self.examples):
            rect = pygame.Rect(24 + i * (col_w + GAP), top, col_w, bottom - top)
            inner = ui.panel(surface, t, rect)
            rank = first(t, (f"rank {ex.rank}: {ex.kind}", f"rank {ex.rank}"), inner.w, 16, "bold")
            size = fit(t, rank, inner.w, (16, 15, 14, 13, 12), "bold")
            say(surface, t, rank, (inner.x, inner.y), size, face="bold")
            y = inner.y + ui.line_height(t, size) + 2
            for line in wrap(t, ex.name, inner.w, 15):
                say(surface, t, line, (inner.x, y), 15)
                y += ui.line_height(t, 15)
            size = fit(t, shape_text(ex.shape), inner.w, (16, 15, 14, 13, 12), "bold")
            say(surface, t, shape_text(ex.shape), (inner.x, y + 2), size, t.accent, face="bold")
            y += ui.line_height(t, size) + 8
            notes = wrap(t, ex.note, inner.w, 14)
            picture = pygame.Rect(inner.x, y, inner.w, inner.bottom - y - ui.line_height(t, 14) * (len(notes) + 3))
            self._draw_tensor(surface, ex, picture)
            y = picture.bottom + 6
            label = element_label(ex)
            size = fit(t, label, inner.w, (15, 14, 13, 12), "mono")
            fits = ui.text_width(t, label, size, "mono") <= inner.w
            parts = [label] if fits else label.replace(" = ", " =\n").split("\n")
            for part in parts:
                say(surface, t, part, (inner.x, y), size, t.accent, face="mono")
                y += ui.line_height(t, size)
            y += 2
            for line in notes:
                say(surface, t, line, (inner.x, y), 14, t.muted)
                y += ui.line_height(t, 14)
        ui.footer(surface, t, "scalar → vector → matrix → 3-D → 4-D: each adds one index · Esc back")

    def _draw_tensor(self, surface, ex, rect) -> None:
        t = self.theme
        a = np.asarray(ex.array, np.float64)
        if ex.rank == 0:
            box = pygame.Rect(0, 0, min(rect.w, 190), 60)
            box.center = rect.center
            pygame.draw.rect(surface, t.panel_border, box, 2, border_radius=6)
            say(surface, t, fmt(float(a)), box.center, 22, t.text, face="bold", anchor="center")
        elif ex.rank == 1:
            cell = max(4, min(rect.w // a.size, 36))
            x0, y0 = rect.centerx - cell * a.size // 2, rect.centery - cell // 2
            ui.heat(surface, t, a[None, :], (x0, y0), cell, border=t.panel_border)
            mark(surface, t, x0 + ex.index[0] * cell, y0, cell)
            for k in range(a.size):
                say(surface, t, str(k), (x0 + k * cell + cell // 2, y0 + cell + 4), 14, t.muted, anchor="midtop")
        elif ex.rank == 2:
            rows, cols = a.shape
            cell = max(1, min(rect.w // cols, rect.h // rows))
            shown = min(rows, rect.h // cell)
            if shown < rows:                                   # too tall even at 1 px: the rows around the mark
                shown = min(rows, (rect.h - ui.line_height(t, 14)) // cell)
                note = f"rows {{}}–{{}} of {rows} shown"
            i, j = ex.index
            r0 = min(max(0, i - shown // 2), rows - shown)
            x0, y0 = rect.centerx - cell * cols // 2, rect.y
            ui.heat(surface, t, a[r0:r0 + shown], (x0, y0), cell, border=t.panel_border,
                    limit=float(np.abs(a).max()) or 1.0)
            mark(surface, t, x0 + j * cell, y0 + (i - r0) * cell, cell)
            if shown < rows:
                say(surface, t, note.format(r0, r0 + shown - 1), (rect.x, y0 + shown * cell + 4), 14, t.muted)
        else:
            maps = a.reshape(-1, a.shape[-2], a.shape[-1])     # rank 3: C maps; rank 4: N·C images
            count, (h, w) = maps.shape[0], maps.shape[1:]
            cols, scale = map_grid(count, h, w, rect.w, rect.h)
            rows = -(-count // cols)
            room = (rect.h - ui.line_height(t, 14)) // (h * scale + 6)
            if rows * (h * scale + 6) - 6 > rect.h:          # more maps than fit even at 1 px: say so
                count = min(count, max(1, room) * cols)
                say(surface, t, f"the first {count} of {maps.shape[0]} maps", (rect.x, rect.bottom - ui.line_height(t, 14)),
                    14, t.muted)
            size = h * scale
            x0 = rect.centerx - (cols * size + 6) // 2
            lim = float(np.abs(maps).max()) or 1.0
            for m in range(count):
                r, c = divmod(m, cols)
                pos = (x0 + c * (size + 6), rect.y + r * (size + 6))
                if ex.rank == 4:
                    surface.blit(array_surface(gray_rgb(maps[m], float(a.min()), float(a.max())), scale), pos)
                else:
                    ui.heat(surface, t, maps[m], pos, scale, limit=lim)
                first = ex.index[0] if ex.rank == 3 else ex.index[0] * a.shape[1] + ex.index[1]
                if m == first:
                    hh, ww = ex.index[-2], ex.index[-1]
                    mark(surface, t, pos[0] + ww * scale, pos[1] + hh * scale, scale)
                    pygame.draw.rect(surface, t.accent, (pos[0] - 1, pos[1] - 1, size + 2, size + 2), 2)


def map_grid(count: int, h: int, w: int, width: int, height: int) -> tuple[int, int]:
    """(columns, pixels per value) drawing `count` h×w maps 6 px apart largest in width×height
    (at least 1 px; fewer columns on a tie)."""
    best = (2, 0)
    for cols in range(1, count + 1):
        rows = -(-count // cols)
        scale = min((width - 6) // (cols * w), (height - 6 * rows) // (rows * h))
        if scale > best[1]:
            best = (cols, scale)
    return best[0], max(1, best[1])


def element_label(ex) -> str:
    """One element with all its indices, written like the lecture's numbers (4 significant digits):
    'L = 2.301' (rank 0) or 'x[1, 0, 14, 14] = 2.815'."""
    symbol = {0: "L", 1: "z", 2: "W", 3: "y", 4: "x"}[ex.rank]
    if not ex.index:
        return f"{symbol} = {fmt(ex.value)}"
    return f"{symbol}[{', '.join(str(i) for i in ex.index)}] = {fmt(ex.value)}"


def heading(surface, theme, title: str, subtitle: str) -> None:
    """common.header's layout with a 14 px subtitle (the smallest text a lesson draws)."""
    r = say(surface, theme, title, (24, 4), 22, face="bold")
    say(surface, theme, subtitle, (24, r.bottom), 14, theme.muted)
    pygame.draw.line(surface, theme.panel_border, (16, ui.HEADER_H - 2), (surface.get_width() - 16, ui.HEADER_H - 2))


def first(theme, forms, width: int, size: int, face: str = "sans") -> str:
    """The first (longest) wording that fits `width` at `size`, else the shortest: say less."""
    return next((s for s in forms if ui.text_width(theme, s, size, face) <= width), forms[-1])


def fit(theme, s: str, width: int, sizes, face: str = "sans") -> int:
    """The first of `sizes` at which s is at most `width` wide (else the last)."""
    return next((size for size in sizes if ui.text_width(theme, s, size, face) <= width), sizes[-1])


def mark(surface, theme, x, y, cell) -> None:
    r = pygame.Rect(x, y, cell, cell).inflate(6, 6)
    pygame.draw.rect(surface, theme.accent, r, 2)


def wrap(theme, s: str, width: int, size: int) -> list[str]:
    words, lines, line = s.split(), [], ""
    for word in words:
        trial = f"{line} {word}".strip()
        if line and ui.text_width(theme, trial, size) > width:
            lines.append(line)
            line = word
        else:
            line = trial
    return lines + ([line] if line else [])


def say(surface, theme, s: str, pos, *args, **kwargs) -> pygame.Rect:
    """common.text (which tells the layout check where the text went, in the current panel)."""
    return ui.text(surface, theme, s, pos, *args, **kwargs)
