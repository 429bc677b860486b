"""Tensors and their rank: a scalar, a vector, a matrix, a 3-D and a 4-D tensor, each the real
tensor this network holds (lessons/tensors.tensor_examples), each drawn with its shape, its
colour scale and one element picked out by its indices. The 4-D tensor is a batch of input
images as the network sees them: standardised, black −0.4242 and white 2.821 for MNIST
(lessons/tensors.input_ranges), and the legend says so; a colour image is its three planes,
each drawn from black to its channel's colour, an image's planes side by side.

Drawn at the window's size with the kit's sizes: a label too wide for its column is written on
two lines, index labels that would touch are left out (say less, never smaller); Z zooms the
tensor under the mouse (or the one chosen with ← →)."""
from __future__ import annotations

import numpy as np
import pygame

from ...engine.data import pixels_of
from ...engine.lessons.network import network_name
from ...engine.lessons.source import lesson_source
from ...engine.lessons.tensors import input_ranges, tensor_examples
from .. import ui
from ..ui.figures import PAD, body_rect, header, hints, panel
from ..ui.theme import array_surface, gray_rgb
from .pictures import CHANNEL_NAMES, plane_rgb

HINTS = (("← →", "choose a tensor"), ("0–4", "a rank"), ("Z", "zoom"), ("Esc", "back"))
SYMBOLS = {0: "L", 1: "z", 2: "W", 3: "y", 4: "x"}


def shape_text(shape: tuple) -> str:
    """How a shape is written on its panel: 'shape ()' for a scalar, 'shape [8, 1, 28, 28]'."""
    return "shape ()" if not shape else "shape [" + ", ".join(str(v) for v in shape) + "]"


def element_label(ex) -> str:
    """One element with all its indices, written like the lecture's numbers (4 significant digits):
    'L = 2.301' (rank 0) or 'x[1, 0, 14, 14] = 2.815'."""
    value = ui.fmt(ex.value, sig=4)
    if not ex.index:
        return f"{SYMBOLS[ex.rank]} = {value}"
    return f"{SYMBOLS[ex.rank]}[{', '.join(str(i) for i in ex.index)}] = {value}"


class TensorsScene(ui.Scene):
    title = "Tensors and their rank"
    animated = False

    def __init__(self, theme, options=None):
        self.theme = theme
        self.text = ui.Text(theme)
        src = lesson_source(getattr(options, "data", None), getattr(options, "checkpoint", None))
        self.format, self.noun = src.format, src.noun
        self.trained = src.params is not None
        self.name = network_name(src.arch, start=False)
        self.examples = tensor_examples(src.data.test_images, src.data.test_labels, src.params, src.arch, src.format)
        self.ranges = input_ranges(self.format)
        self.black, self.white = self.ranges[0]
        batch = self.examples[-1].array                  # the 4-D tensor: its images' pixels, [N,H,W,C]
        self.pixels = np.stack([pixels_of(x, self.format) for x in batch])
        self.selected = len(self.examples) - 1        # the batch of images: what the legend explains
        self.columns: list[pygame.Rect] = []
        self.layout((1280, 800), ui.Sizes.for_window((1280, 800), theme))

    # --- states -----------------------------------------------------------------------
    def demo(self) -> None:
        self.selected = len(self.examples) - 1

    def tour(self):
        """Each tensor chosen in turn, as a class steps from rank 0 to rank 4."""
        for k, ex in enumerate(self.examples):
            self.selected = k
            yield f"rank {ex.rank}"

    def handle(self, event):
        n = len(self.examples)
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                return ui.BACK
            if event.key in (pygame.K_RIGHT, pygame.K_DOWN):
                self.selected = (self.selected + 1) % n
            elif event.key in (pygame.K_LEFT, pygame.K_UP):
                self.selected = (self.selected - 1) % n
            elif pygame.K_0 <= event.key < pygame.K_0 + n:
                self.selected = event.key - pygame.K_0
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            k = self.column_at(event.pos)
            if k is not None:
                self.selected = k
        return None

    def column_at(self, pos) -> int | None:
        return next((k for k, r in enumerate(self.columns) if r.collidepoint(pos)), None)

    def zoom_target(self, pos):
        k = self.column_at(pos) if pos is not None else None
        return ZoomedTensor(self, self.selected if k is None else k)

    # --- layout -----------------------------------------------------------------------
    def headings(self, width: int) -> tuple[str, str]:
        tx, sz = self.text, self.sizes
        weights = "trained weights" if self.trained else "untrained weights"
        title = ui.first_fitting(tx, ("Tensors and their rank: the arrays this network computes with",
                                      "Tensors and their rank"), width - 2 * sz.px(16), sz.heading, "bold")
        return (title or "Tensors", f"Rank = how many indices pick one number. Every panel is a real tensor of "
                                    f"{self.name} ({weights}), drawn with its shape.")

    def legend_runs(self, ranks) -> list:
        """What the colours mean, for the tensors of these ranks (the images' grey levels: the
        standardised input)."""
        t = self.theme
        runs = []
        if any(r in (1, 2, 3) for r in ranks):
            runs += [("Colours: ", None), ("orange", t.positive), (" > 0, ", None), ("blue", t.negative),
                     (" < 0, grey = 0, each tensor on its own scale (the bar under it). ", None)]
        if 4 in ranks and not self.format.colour:
            mean, std = self.format.mean[0], self.format.std[0]
            runs += [(f"The {self.noun}s are x as the network sees them, standardised: x = (pixel/255 − {mean}) / {std}, "
                      f"so black enters as {ui.fmt(self.black, sig=4)} and white ink as {ui.fmt(self.white, sig=4)}.",
                      None)]
        elif 4 in ranks:
            ends = ", ".join(f"{name} {ui.fmt(lo, sig=3)} … {ui.fmt(hi, sig=3)}"
                             for name, (lo, hi) in zip(CHANNEL_NAMES, self.ranges))
            runs += [("The images are x as the network sees them: each channel c standardised, x = (pixel/255 − "
                      f"mean_c) / std_c, so pixels 0 … 255 enter as {ends}. Each image is drawn as its three planes, "
                      "each from black (0) to its channel's full colour (255).", None)]
        return runs

    def layout(self, size, sizes) -> None:
        self.size, self.sizes = tuple(size), sizes
        tx, sz = self.text, sizes
        w, h = self.size
        m, gap = sz.px(16), sz.px(10)
        self.head = self.headings(w)
        body = body_rect(self.size, tx, sz, self.head[1])
        top, bottom = body.top, body.bottom
        legend_h = ui.paragraph_height(tx, self.legend_runs(range(5)), w - 2 * m, sz.small)
        self.legend = pygame.Rect(m, bottom - legend_h, w - 2 * m, legend_h)
        n = len(self.examples)
        col_w = (w - 2 * m - gap * (n - 1)) // n
        col_h = self.legend.top - sz.px(8) - top
        self.columns = [pygame.Rect(m + k * (col_w + gap), top, col_w, col_h) for k in range(n)]

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface):
        t, tx, sz = self.theme, self.text, self.sizes
        surface.fill(t.background)
        header(surface, t, tx, sz, *self.head)
        for k, (ex, rect) in enumerate(zip(self.examples, self.columns)):
            draw_tensor_panel(self, surface, rect, sz, ex, highlight=k == self.selected)
        with ui.CHECK.scope("legend", self.legend):
            ui.paragraph(tx, surface, self.legend_runs(range(5)), self.legend, sz.small, t.muted)
        hints(surface, t, tx, sz, HINTS)
        return None


def draw_tensor_panel(scene: TensorsScene, surface, rect: pygame.Rect, sz, ex, highlight: bool = False) -> None:
    """One tensor in its panel: rank, what it is, its shape, the tensor, its colour scale, one
    element by its indices, and how many indices that takes."""
    t, tx = scene.theme, scene.text
    pad = sz.px(PAD)
    title = ui.first_fitting(tx, (f"rank {ex.rank}: {ex.kind}", f"rank {ex.rank}"), rect.w - 2 * pad, sz.title,
                             "bold") or str(ex.rank)
    inner = panel(surface, rect, t, tx, sz, title, highlight=highlight)
    y = inner.top
    for line in ui.wrap(tx, ex.name, inner.w, sz.small):
        tx.draw(surface, line, (inner.x, y), sz.small)
        y += tx.line(sz.small)
    shape = ui.first_fitting(tx, (shape_text(ex.shape), shape_text(ex.shape).removeprefix("shape ")), inner.w,
                             sz.body, "bold")
    if shape is None:
        shape = shape_text(ex.shape).removeprefix("shape ")
        y += tx.draw(surface, shape, (inner.x, y + sz.px(2)), sz.small, t.accent, "bold").h + sz.px(2)
    else:
        y += tx.draw(surface, shape, (inner.x, y + sz.px(2)), sz.body, t.accent, "bold").h + sz.px(2)
    y += sz.px(6)
    label = element_lines(tx, element_label(ex), inner.w, sz.small)
    notes = ui.wrap(tx, ex.note, inner.w, sz.small)
    scale_h = 0 if ex.rank == 0 else sz.px(8) + sz.px(2) + tx.line(sz.small) + sz.px(6)
    below = len(label) * tx.line(sz.small, "mono") + len(notes) * tx.line(sz.small) + sz.px(8)
    picture = pygame.Rect(inner.x, y, inner.w, inner.bottom - below - scale_h - y)
    drawn = draw_tensor(scene, surface, ex, picture, sz)
    y = drawn.bottom + sz.px(6)
    if ex.rank:
        y = draw_scale(scene, surface, ex, pygame.Rect(inner.x, y, inner.w, sz.px(8)), sz) + sz.px(6)
    y = max(y, inner.bottom - below + sz.px(4))
    for part in label:
        tx.draw(surface, part, (inner.x, y), sz.small, t.accent, "mono")
        y += tx.line(sz.small, "mono")
    y += sz.px(2)
    for line in notes:
        tx.draw(surface, line, (inner.x, y), sz.small, t.muted)
        y += tx.line(sz.small)


def element_lines(tx, label: str, width: int, size: int) -> list[str]:
    """The element's label on one line, or broken before its " = " when that is too wide."""
    if tx.width(label, size, "mono") <= width:
        return [label]
    name, value = label.split(" = ")
    return [name, f"= {value}"]


def draw_scale(scene, surface, ex, rect: pygame.Rect, sz) -> int:
    """The tensor's colour scale under it (labels below the bar); returns the bottom."""
    t, tx = scene.theme, scene.text
    if ex.rank == 4 and scene.format.colour:   # each channel's pixels 0 … 255, black … its colour
        return draw_channel_scales(scene, surface, rect, sz)
    if ex.rank == 4:                       # grey levels, black … white, in the network's units
        grey = np.repeat(np.arange(256, dtype=np.uint8)[None, :, None], 3, axis=2)
        surface.blit(pygame.transform.scale(array_surface(grey, 1), rect.size), rect)
        pygame.draw.rect(surface, t.panel_border, rect.inflate(2, 2), 1)
        y = rect.bottom + sz.px(2)
        lo, hi = ui.fmt(scene.black, sig=4), ui.fmt(scene.white, sig=4)
        forms = ((f"black {lo}", f"white {hi}"), (lo, hi))
        left, right = next((f for f in forms if tx.width(f[0], sz.small) + tx.width(f[1], sz.small) + 2 * sz.px(8)
                            <= rect.w), forms[-1])
        r = tx.draw(surface, left, (rect.x, y), sz.small, t.muted)
        tx.draw(surface, right, (rect.right, y), sz.small, t.muted, anchor="topright")
        return r.bottom
    limit = tensor_limit(ex)
    covered = ui.colour_bar(surface, tx, rect, limit, t, sz.small, digits=2 if limit < 100 else 0, vertical=False)
    return covered.bottom


def draw_channel_scales(scene, surface, rect: pygame.Rect, sz) -> int:
    """A colour batch's scale: one ramp per channel, black … its colour, its name under it;
    returns the bottom."""
    t, tx = scene.theme, scene.text
    gap = sz.px(8)
    w = (rect.w - 2 * gap) // 3
    names = next((f for f in (CHANNEL_NAMES, ("R", "G", "B")) if max(tx.width(n, sz.small) for n in f) <= w),
                 ("R", "G", "B"))
    bottom = rect.bottom
    for c, name in enumerate(names):
        ramp = pygame.Rect(rect.x + c * (w + gap), rect.y, w, rect.h)
        steps = plane_rgb(np.arange(256, dtype=np.uint8)[None, :], c)
        surface.blit(pygame.transform.scale(array_surface(steps, 1), ramp.size), ramp)
        pygame.draw.rect(surface, t.panel_border, ramp.inflate(2, 2), 1)
        bottom = tx.draw(surface, name, (ramp.x, ramp.bottom + sz.px(2)), sz.small, t.muted).bottom
    return bottom


def tensor_limit(ex) -> float:
    """The colour scale of a tensor: ± its largest |value| (one scale for the whole tensor)."""
    return float(np.abs(np.asarray(ex.array, np.float64)).max()) or 1.0


def draw_tensor(scene, surface, ex, rect: pygame.Rect, sz) -> pygame.Rect:
    """The tensor itself in rect, its chosen element outlined; returns the rect drawn."""
    t, tx = scene.theme, scene.text
    a = np.asarray(ex.array, np.float64)
    if ex.rank == 0:
        value = ui.fmt(float(a), sig=4)
        size = ui.fit_size(tx, [value], rect.w - sz.px(12), (sz.heading, sz.title, sz.body, sz.small), "bold")
        box = pygame.Rect(0, 0, rect.w, tx.line(size, "bold") + sz.px(24))
        box.center = rect.center
        pygame.draw.rect(surface, t.panel_border, box, 2, border_radius=6)
        tx.draw(surface, value, box.center, size, t.text, "bold", anchor="center")
        return box
    if ex.rank == 1:
        n = a.size
        cell = min(rect.w // n, sz.px(36))
        if cell >= 4:                       # a square per element
            width, height = cell * n, cell
        else:                               # long (100 logits): the strip fits the panel, elements narrower
            width, height = rect.w, sz.px(24)
        x0 = rect.centerx - width // 2
        y0 = rect.centery - (height + tx.line(sz.small)) // 2
        surface.blit(ui.heat_strip(a, tensor_limit(ex), t, width, height), (x0, y0))
        pygame.draw.rect(surface, t.panel_border, (x0 - 1, y0 - 1, width + 2, height + 2), 1)
        k = ex.index[0]
        start, stop = ui.scaled_span(k, n, width)
        pygame.draw.rect(surface, t.accent, pygame.Rect(x0 + start, y0, max(2, stop - start), height).inflate(6, 6), 2)
        spans = []                 # the index under each cell, the chosen one first; say less where they would touch
        for i in [k, *range(n)]:
            half = tx.width(str(i), sz.small) / 2 + ui.check.MIN_GAP
            x = x0 + sum(ui.scaled_span(i, n, width)) / 2
            x = min(max(x, rect.x + half), rect.right - half)
            if all(x + half <= a or x - half >= b for a, b in spans):
                spans.append((x - half, x + half))
                tx.draw(surface, str(i), (x, y0 + height + sz.px(4)), sz.small, t.accent if i == k else t.muted,
                        anchor="midtop")
        return pygame.Rect(x0, y0, width, height + sz.px(4) + tx.line(sz.small))
    if ex.rank == 2:
        rows, cols = a.shape
        cell = max(1, min(rect.w // cols, rect.h // rows))
        shown, note = rows, None
        if rows * cell > rect.h:                           # too tall even at 1 px: the rows around the mark
            shown = max(1, (rect.h - tx.line(sz.small)) // cell)
        i, j = ex.index
        r0 = min(max(0, i - shown // 2), rows - shown)
        x0, y0 = rect.centerx - cell * cols // 2, rect.y
        surface.blit(ui.heat_tile(a[r0:r0 + shown], tensor_limit(ex), t, cell), (x0, y0))
        pygame.draw.rect(surface, t.panel_border, (x0 - 1, y0 - 1, cell * cols + 2, cell * shown + 2), 1)
        mark(surface, t, x0 + j * cell, y0 + (i - r0) * cell, cell)
        bottom = y0 + shown * cell
        if shown < rows:
            note = f"rows {r0}–{r0 + shown - 1} of {rows}"
            bottom = tx.draw(surface, note, (rect.x, bottom + sz.px(4)), sz.small, t.muted).bottom
        return pygame.Rect(rect.x, y0, rect.w, bottom - y0)
    maps = a.reshape(-1, a.shape[-2], a.shape[-1])         # rank 3: C maps; rank 4: N·C images
    total, (h, w) = maps.shape[0], maps.shape[1:]
    gap = sz.px(6)
    first = ex.index[0] if ex.rank == 3 else ex.index[0] * a.shape[1] + ex.index[1]
    colour = ex.rank == 4 and scene.format.colour
    group = a.shape[1] if colour else 1                    # a colour image's planes stay side by side in one row
    count, note_h = total, 0
    cols, scale = map_grid(count, h, w, rect.w, rect.h, gap, group)
    while count > group and (scale * max(h, w) < sz.px(40)
                             or -(-count // cols) * (h * scale + gap) - gap > rect.h - note_h):
        count -= group                                     # say less: fewer maps, each large enough to read
        note_h = tx.line(sz.small) + sz.px(4)
        cols, scale = map_grid(count, h, w, rect.w, rect.h - note_h, gap, group)
    start = group * max(0, min(first // group - count // group // 2, (total - count) // group))   # around the chosen one
    side_w, side_h = w * scale, h * scale
    x0 = rect.centerx - (cols * (side_w + gap) - gap) // 2
    lim = tensor_limit(ex)
    bottom = rect.y
    for m in range(start, start + count):
        r, c = divmod(m - start, cols)
        pos = (x0 + c * (side_w + gap), rect.y + r * (side_h + gap))
        if colour:
            n, c = divmod(m, group)
            surface.blit(array_surface(plane_rgb(scene.pixels[n, :, :, c], c), scale), pos)
        elif ex.rank == 4:
            surface.blit(array_surface(gray_rgb(maps[m], scene.black, scene.white), scale), pos)
        else:
            surface.blit(ui.heat_tile(maps[m], lim, t, scale), pos)
        if m == first:
            mark(surface, t, pos[0] + ex.index[-1] * scale, pos[1] + ex.index[-2] * scale, scale)
            pygame.draw.rect(surface, t.accent, (pos[0] - 1, pos[1] - 1, side_w + 2, side_h + 2), 2)
        bottom = pos[1] + side_h
    if count < total:
        lo, hi = start // group, (start + count) // group - 1
        word = ("images" if ex.rank == 4 else "maps") if hi > lo else ("image" if ex.rank == 4 else "map")
        shown = f"{lo}–{hi} of {total // group}" if hi > lo else f"{lo} of {total // group}"
        bottom = tx.draw(surface, f"{word} {shown}", (rect.x, bottom + sz.px(4)), sz.small, t.muted).bottom
    return pygame.Rect(rect.x, rect.y, rect.w, bottom - rect.y)


def map_grid(count: int, h: int, w: int, width: int, height: int, gap: int = 6, group: int = 1) -> tuple[int, int]:
    """(columns, pixels per value) drawing `count` h×w maps `gap` px apart largest in
    width×height (at least 1 px; fewer columns on a tie); the columns a multiple of `group`
    (a colour image's planes in one row) when count is."""
    step = group if group > 1 and count % group == 0 else 1
    best = (step if step > 1 else 2, 0)
    for cols in range(step, count + 1, step):
        rows = -(-count // cols)
        scale = min((width - gap * (cols - 1)) // (cols * w), (height - gap * (rows - 1)) // (rows * h))
        if scale > best[1]:
            best = (cols, scale)
    return best[0], max(1, best[1])


def mark(surface, theme, x, y, cell) -> None:
    r = pygame.Rect(x, y, cell, cell).inflate(6, 6)
    pygame.draw.rect(surface, theme.accent, r, 2)


class ZoomedTensor(ui.Zoomable):
    """Z: one tensor over the whole window at the zoom's sizes, with what its colours mean."""

    def __init__(self, scene: TensorsScene, k: int):
        self.scene, self.k = scene, k
        self.example = scene.examples[k]
        self.title = f"rank {self.example.rank}"
        super().__init__(scene, self.title)

    def draw(self, surface) -> None:
        sc, sz, tx = self.scene, self.sizes, self.scene.text
        m = sz.px(8)
        area = self.rect.inflate(-2 * m, -2 * m)
        runs = sc.legend_runs([self.example.rank])
        legend_h = ui.paragraph_height(tx, runs, area.w, sz.small) if runs else 0
        if legend_h > area.h // 3:
            runs, legend_h = [], 0                      # say less: the panel first
        body = pygame.Rect(area.x, area.y, area.w, area.h - legend_h - (m if legend_h else 0))
        with ui.CHECK.scope("zoomed tensor", self.rect):
            draw_tensor_panel(sc, surface, body, sz, self.example, highlight=True)
        if runs:
            legend = pygame.Rect(area.x, body.bottom + m, area.w, legend_h)
            with ui.CHECK.scope("zoomed legend", legend):
                ui.paragraph(tx, surface, runs, legend, sz.small, sc.theme.muted)
