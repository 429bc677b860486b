"""Why convolutions: the network's parameters and multiply-adds (LeNet-5's, or the checkpoint's
network) against dense layers of the same widths. Every count is read from the model
(lessons/params.layer_counts); ↑/↓ choose the layer whose formula is written out.

Drawn at the window's size with the kit's sizes: where the table's seven columns do not fit,
it uses short headers, then leaves out the columns the text below also says (multiply-adds,
uses per weight), never smaller type. Z zooms the table."""
from __future__ import annotations

import pygame

from ...engine.lessons.network import network_name
from ...engine.lessons.source import lesson_source
from ...engine.lessons.params import layer_counts, totals
from .. import ui
from ..ui.figures import blend, body_rect, header, hints, panel
from .frame import Line, draw_lines, lines_height

HEAD = ("layer", "input → output", "{name} parameters", "dense, same widths", "multiply-adds", "dense multiply-adds",
        "uses of each weight")
SHORT_HEAD = ("layer", "in → out", "parameters", "dense", "mult-adds", "dense mult-adds", "uses/weight")
DROP_ORDER = (5, 4, 6, 1)     # columns left out first when the table is too wide (the text below says them)
HINTS = (("↑ ↓", "another layer"), ("Z", "zoom"), ("Esc", "back"))
TITLES = ("Why convolutions: parameters and compute, counted from the model",
          "Why convolutions: parameters and compute", "Why convolutions")


def n(v: int) -> str:
    """A count with thousands separators: 3,692,640 (counts are whole numbers: no fmt decimals)."""
    return f"{int(v):,}"


def shape(s: tuple) -> str:
    return "×".join(str(v) for v in s)


def table_rows(counts) -> list[tuple[str, ...]]:
    """The table's cells, one tuple per layer, then the total."""
    rows = [(c.name, f"{shape(c.in_shape)} → {shape(c.out_shape)}", n(c.params), n(c.dense_params), n(c.macs),
             n(c.dense_macs), n(c.uses)) for c in counts]
    t = totals(counts)
    rows.append(("total", "", n(t["params"]), n(t["dense_params"]), n(t["macs"]), n(t["dense_macs"]), ""))
    return rows


def formula_lines(c) -> list[str]:
    """How layer c's two counts are made."""
    if c.conv:
        k, ch, fh, fw = c.w_shape
        ours = f"{c.name}: {k} filters · ({ch}·{fh}·{fw}) weights + {k} biases = {n(c.params)}"
    else:
        d, m = c.w_shape
        ours = f"{c.name}: {d}·{m} weights + {m} biases = {n(c.params)}"
    din, dout = c.dense_biases and c.dense_weights // c.dense_biases, c.dense_biases
    dense = f"dense {n(din)} → {n(dout)}: {n(din)}·{n(dout)} + {n(dout)} = {n(c.dense_params)}"
    ratio = c.dense_params / c.params
    return [ours, dense + (f"   ({n(round(ratio))}× as many)" if ratio >= 1.5 else "   (the same: it is dense)")]


def closing_lines(counts, n_train: int, name: str = "LeNet-5", noun: str = "digit") -> list[str]:
    """What the counts mean, one paragraph each: per training image, overfitting, compute."""
    t = totals(counts)
    conv1 = next((c for c in counts if c.conv), None)
    shared = (f"A conv weight is shared by every position ({conv1.name}: used {n(conv1.uses)} times per image), "
              f"so {'a stroke' if noun == 'digit' else 'an edge'} detector learnt in one place works everywhere."
              if conv1 else
              "This network has no convolution: every weight is used once per image.")
    return [f"Training set: {n(n_train)} images. All-dense: {n(round(t['dense_params'] / n_train))} parameters per "
            f"training image; {name}: {ui.fmt(t['params'] / n_train, 2)}.",
            f"Overfitting: millions of free numbers can memorise {n(n_train)} images instead of learning "
            f"{'digits' if noun == 'digit' else 'what tells the classes apart'} "
            "(the overfitting lesson measures it). " + shared,
            f"Compute: {n(t['macs'])} multiply-adds per image instead of {n(t['dense_macs'])} "
            f"({n(round(t['dense_macs'] / t['macs']))}× fewer)."]


class ParamsScene(ui.Scene):
    title = "Why convolutions: parameter count"
    animated = False

    def __init__(self, theme, options=None):
        self.theme = theme
        self.text = ui.Text(theme)
        checkpoint = getattr(options, "checkpoint", None)   # the bundled model unless --untrained
        src = lesson_source(getattr(options, "data", None), checkpoint)
        self.name, self.inline_name = network_name(src.arch), network_name(src.arch, start=False)
        self.noun = src.noun
        self.counts = layer_counts(src.arch)
        self.n_train = int(len(src.data.train_images))
        self.selected = 0
        self.layout((1280, 800), ui.Sizes.for_window((1280, 800), theme))

    def demo(self) -> None:
        self.selected = 0

    def tour(self):
        """Each layer written out in turn (↓)."""
        for k, c in enumerate(self.counts):
            self.selected = k
            yield f"layer {c.name}"
        self.selected = 0

    def handle(self, event):
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE:
                return ui.BACK
            if event.key in (pygame.K_UP, pygame.K_DOWN):
                step = 1 if event.key == pygame.K_DOWN else -1
                self.selected = (self.selected + step) % len(self.counts)
        return None

    def zoom_target(self, pos):
        return ZoomedTable(self)

    @property
    def subtitle(self) -> str:
        return f"{self.name} against the same network with every layer dense (each input wired to each output)."

    # --- layout -------------------------------------------------------------------------
    def layout(self, size, sizes) -> None:
        """The table, the chosen layer written out, the two totals as bars, then what it means."""
        self.size, self.sizes = tuple(size), sizes
        body = body_rect(size, self.text, sizes, self.subtitle)
        self.body = body
        gap = sizes.px(10)
        self.table_rect = pygame.Rect(body.x, body.y, body.w, self.table_height(body.w, sizes))
        pad = sizes.px(8)
        formula_h = (self.text.line(sizes.title, "bold") + pad + pad
                     + max(lines_height(self.text, sizes, self.formula(c), body.w - 2 * pad) for c in self.counts))
        self.formula_rect = pygame.Rect(body.x, self.table_rect.bottom + gap, body.w, formula_h)
        bar_h = 2 * (self.text.line(sizes.body) + sizes.px(8))
        self.bars_rect = pygame.Rect(body.x, self.formula_rect.bottom + gap, body.w, bar_h)
        top = self.bars_rect.bottom + gap
        self.closing_rect = pygame.Rect(body.x, top, body.w, body.bottom - top)

    def table_layout(self, width: int, sizes):
        """(column indices, headers, size, widths, gap): every column with the long headers at
        the body size if they fit, else the small size, else the short headers, else fewer
        columns (DROP_ORDER): the table says less rather than spill."""
        tx = self.text
        rows = table_rows(self.counts)
        model = self.name if self.name == "LeNet-5" else ""
        long_head = tuple(h.format(name=model).strip() for h in HEAD)
        gap = sizes.px(24)
        columns = list(range(len(HEAD)))
        for drop in range(len(DROP_ORDER) + 1):
            keep = [c for c in columns if c not in DROP_ORDER[:drop]]
            for head in (long_head, SHORT_HEAD):
                for size in (sizes.body, sizes.small):
                    widths = [max([tx.width(head[c], size)] + [tx.width(row[c], size, "bold") for row in rows])
                              for c in keep]
                    if sum(widths) + gap * (len(keep) - 1) <= width:
                        return keep, [head[c] for c in keep], size, widths, gap
        return keep, [SHORT_HEAD[c] for c in keep], sizes.small, widths, gap

    def table_height(self, width: int, sizes) -> int:
        pad = sizes.px(8)
        _, _, size, _, _ = self.table_layout(width - 2 * pad, sizes)
        return (len(self.counts) + 2) * self.text.line(size) + 2 * pad

    def formula(self, c) -> list[Line]:
        return [Line(s, face="sans", size="body", wrap=True) for s in formula_lines(c)]

    # --- drawing ----------------------------------------------------------------------
    def draw(self, surface):
        t, tx, sz = self.theme, self.text, self.sizes
        surface.fill(t.background)
        title = ui.first_fitting(tx, TITLES, self.size[0] - 2 * sz.px(16), sz.heading, "bold") or TITLES[-1]
        header(surface, t, tx, sz, title, self.subtitle)
        self.draw_table(surface, self.table_rect, sz)
        c = self.counts[self.selected]
        caption = ui.first_fitting(tx, (f"{c.name}, written out (↑/↓: another layer)", f"{c.name}, written out"),
                                   self.formula_rect.w - 2 * sz.px(8), sz.title, "bold") or c.name
        inner = panel(surface, self.formula_rect, t, tx, sz, caption)
        draw_lines(surface, tx, t, sz, self.formula(c), inner)
        with ui.CHECK.scope("totals", self.bars_rect):
            self._draw_bars(surface, self.bars_rect)
        with ui.CHECK.scope("closing", self.closing_rect):
            lines = [Line(p, wrap=True, size="body", gap=6) for p in closing_lines(self.counts, self.n_train,
                                                                                   self.inline_name, self.noun)]
            draw_lines(surface, tx, t, sz, lines, self.closing_rect)
        hints(surface, t, tx, sz, HINTS)
        return None

    def draw_table(self, surface, rect, sz, begin_scope: bool = True) -> None:
        """The table, numbers right-aligned, the chosen layer's row highlighted, the total bold."""
        t, tx = self.theme, self.text
        inner = panel(surface, rect, t, tx, sz, begin_scope=begin_scope)
        keep, head, size, widths, gap = self.table_layout(inner.w, sz)
        rows = table_rows(self.counts)
        line = tx.line(size)
        x0 = inner.x + (inner.w - sum(widths) - gap * (len(keep) - 1)) // 2
        y = inner.y
        x = x0
        for name, w in zip(head, widths):
            tx.draw(surface, name, (x + w, y), size, t.muted, anchor="topright")
            x += w + gap
        for r, row in enumerate(rows):
            y += line
            if r == self.selected:
                pygame.draw.rect(surface, blend(t.panel, t.accent, 0.3),
                                 (x0 - sz.px(8), y - 2, sum(widths) + gap * (len(keep) - 1) + 2 * sz.px(8), line))
            x = x0
            face = "bold" if r == len(rows) - 1 else "sans"
            for c, w in zip(keep, widths):
                if row[c]:
                    tx.draw(surface, row[c], (x + w, y), size, t.text, face, anchor="topright")
                x += w + gap

    def _draw_bars(self, surface, rect) -> None:
        """Total parameters as two bars on one linear scale: the short one is the point."""
        t, tx, sz = self.theme, self.text, self.sizes
        tot = totals(self.counts)
        size = sz.body
        label_w = max(tx.width(s, size) for s in (self.name, "all dense")) + sz.px(16)
        value_w = tx.width(f"{n(tot['dense_params'])} parameters", size) + sz.px(10)
        full = rect.w - label_w - value_w
        row = rect.h // 2
        for i, (name, value, colour) in enumerate(((self.name, tot["params"], t.good),
                                                   ("all dense", tot["dense_params"], t.bad))):
            y = rect.y + i * row
            tx.draw(surface, name, (rect.x, y + row // 2), size, anchor="midleft")
            bw = max(2, round(full * value / tot["dense_params"]))
            pygame.draw.rect(surface, colour, (rect.x + label_w, y + sz.px(4), bw, row - sz.px(8)))
            tx.draw(surface, f"{n(value)} parameters", (rect.x + label_w + bw + sz.px(10), y + row // 2), size,
                    anchor="midleft")


class ZoomedTable(ui.Zoomable):
    """Z: the parameter table over the whole window, at the zoom's sizes."""
    title = "parameter table"

    def draw(self, surface) -> None:
        sz = self.sizes
        h = min(self.rect.h, self.scene.table_height(self.rect.w, sz))
        table = pygame.Rect(self.rect.x, self.rect.y, self.rect.w, h)
        with ui.CHECK.scope("zoomed table", self.rect):
            self.scene.draw_table(surface, table, sz, begin_scope=False)
            c = self.scene.counts[self.scene.selected]
            below = pygame.Rect(self.rect.x + sz.px(8), table.bottom + sz.px(10), self.rect.w - 2 * sz.px(8),
                                self.rect.bottom - table.bottom - sz.px(10))
            draw_lines(surface, self.scene.text, self.scene.theme, sz, self.scene.formula(c), below)
