"""Why convolutions: the network's parameters and multiply-adds (LeNet-5's, or the checkpoint's
network) against dense layers of the same widths. Every count is read from the model
(lessons/params.layer_counts); ↑/↓ choose the layer whose formula is written out."""
from __future__ import annotations

import pygame

from ...engine.arch import LENET5
from ...engine.checkpoint import load_checkpoint
from ...engine.config import TrainConfig
from ...engine.data import load_dataset
from ...engine.lessons.network import arch_of, network_name
from ...engine.lessons.params import layer_counts, totals
from .tensors import first, heading, wrap
from . import common as ui

HEAD = ("layer", "input → output", "{name} parameters", "dense, same widths", "multiply-adds", "dense multiply-adds",
        "uses of each weight")
SHORT_HEAD = ("layer", "in → out", "parameters", "dense", "mult-adds", "dense mult-adds", "uses/weight")


def n(v: int) -> str:
    """A count with thousands separators: 3,692,640."""
    return f"{v:,}"


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
    return [ours, dense + (f"   ({ratio:,.0f}× as many)" if ratio >= 1.5 else "   (the same: it is dense)")]


def closing_lines(counts, n_train: int, name: str = "LeNet-5") -> list[str]:
    """What the counts mean, one paragraph each: per training image, overfitting, compute."""
    t = totals(counts)
    conv1 = next((c for c in counts if c.conv), None)
    shared = (f"A conv weight is shared by every position ({conv1.name}: used {n(conv1.uses)} times per image), "
              "so a stroke detector learnt in one place works everywhere." if conv1 else
              "This network has no convolution: every weight is used once per image.")
    return [f"Training set: {n(n_train)} images. All-dense: {t['dense_params'] / n_train:,.0f} parameters per "
            f"training image; {name}: {t['params'] / n_train:.2f}.",
            f"Overfitting: millions of free numbers can memorise {n(n_train)} images instead of learning digits. "
            + shared,
            f"Compute: {n(t['macs'])} multiply-adds per image instead of {n(t['dense_macs'])} "
            f"({t['dense_macs'] / t['macs']:,.0f}× fewer)."]


class ParamsScene:
    title = "Why convolutions: parameter count"
    animated = False

    def __init__(self, theme, options=None):
        self.theme = theme
        checkpoint = getattr(options, "checkpoint", None)   # the bundled model unless --untrained
        arch = arch_of(TrainConfig(**load_checkpoint(checkpoint)["config"])) if checkpoint else LENET5
        self.name, self.inline_name = network_name(arch), network_name(arch, start=False)
        self.counts = layer_counts(arch)
        data = load_dataset(getattr(options, "data", None))
        self.n_train = int(len(data.train_images))
        self.selected = 0

    def demo(self) -> None:
        self.selected = 0

    def close(self) -> None:
        pass

    def handle(self, event) -> None:
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_UP, pygame.K_DOWN):
            step = 1 if event.key == pygame.K_DOWN else -1
            self.selected = (self.selected + step) % len(self.counts)

    def update(self, dt: float) -> None:
        pass

    def draw(self, surface) -> None:
        t = self.theme
        w, h = surface.get_size()
        titles = ("Why convolutions: parameters and compute, counted from the model",
                  "Why convolutions: parameters and compute")
        title = first(t, titles, w - 48, 22, "bold")
        heading(surface, t, title, first(t, (f"{self.name} against the same network with every layer dense "
                                               "(each input wired to each output).",
                                               f"{self.name} against the same widths, all dense."), w - 48, 14))
        rows = table_rows(self.counts)
        head, size, widths = self._table_layout(rows, w - 96)
        box = ui.panel(surface, t, (24, ui.HEADER_H + 12, w - 48, ui.line_height(t, size) * (len(rows) + 1) + 28))
        x0 = box.x + (box.w - sum(widths) - 24 * (len(head) - 1)) // 2
        y = box.y + 4
        x = x0
        for c, name in enumerate(head):
            say(surface, t, name, (x + widths[c], y), size, t.muted, anchor="topright")
            x += widths[c] + 24
        for r, row in enumerate(rows):
            y += ui.line_height(t, size)
            if r == self.selected:
                pygame.draw.rect(surface, ui.blend(t.panel, t.accent, 0.3),
                                 (x0 - 8, y - 2, sum(widths) + 24 * (len(head) - 1) + 16, ui.line_height(t, size)))
            x = x0
            for c, cell in enumerate(row):
                face = "bold" if r == len(rows) - 1 else "sans"
                say(surface, t, cell, (x + widths[c], y), size, t.text, face=face, anchor="topright")
                x += widths[c] + 24
        y = box.bottom + 16
        c = self.counts[self.selected]
        inner = ui.panel(surface, t, (24, y, w - 48, ui.line_height(t, 18) * 2 + 52),
                         f"{c.name}, written out (↑/↓: another layer)")
        for i, line in enumerate(formula_lines(c)):
            say(surface, t, line, (inner.x, inner.y + i * ui.line_height(t, 18)), 18)
        y = inner.bottom + 20
        ui.scope("totals", (24, y, w - 48, 88))              # texts outside a drawn panel: their own region
        self._draw_bars(surface, pygame.Rect(24, y, w - 48, 88))
        y += 104
        ui.scope("closing", (24, y, w - 48, surface.get_height() - ui.FOOTER_H - y))
        for paragraph in closing_lines(self.counts, self.n_train, self.inline_name):
            for line in wrap(t, paragraph, w - 48, 16):
                say(surface, t, line, (24, y), 16)
                y += ui.line_height(t, 16)
            y += 6
        ui.footer(surface, t, "↑/↓ layer · Esc back")

    def _table_layout(self, rows, room: int):
        """(headers, font size, column widths): the long headers if they fit at 13 px or more,
        else the short ones (down to 12 px): the table says less rather than spill."""
        t = self.theme
        model = self.name if self.name == "LeNet-5" else ""
        long_head = tuple(h.format(name=model).strip() for h in HEAD)
        for head, sizes in ((long_head, range(16, 12, -1)), (SHORT_HEAD, range(16, 11, -1))):
            for size in sizes:
                widths = [max([ui.text_width(t, head[c], size)] + [ui.text_width(t, row[c], size) for row in rows])
                          for c in range(len(head))]
                if sum(widths) + 24 * (len(head) - 1) <= room:
                    return head, size, widths
        return head, size, widths

    def _draw_bars(self, surface, rect) -> None:
        """Total parameters as two bars on one linear scale: the short one is the point."""
        t = self.theme
        tot = totals(self.counts)
        label_w = max(ui.text_width(t, s, 15) for s in (self.name, "all dense")) + 16
        full = rect.w - label_w - ui.text_width(t, "00,000,000 parameters", 15) - 16
        for i, (name, value, colour) in enumerate(((self.name, tot["params"], t.good),
                                                   ("all dense", tot["dense_params"], t.bad))):
            y = rect.y + i * rect.h // 2
            say(surface, t, name, (rect.x, y + rect.h // 4), 15, anchor="midleft")
            bw = max(2, round(full * value / tot["dense_params"]))
            pygame.draw.rect(surface, colour, (rect.x + label_w, y + 6, bw, rect.h // 2 - 12))
            say(surface, t, f"{n(value)} parameters", (rect.x + label_w + bw + 10, y + rect.h // 4), 15,
                    anchor="midleft")


def say(surface, theme, s: str, pos, *args, **kwargs) -> pygame.Rect:
    """common.text (which tells the layout check where the text went, in the current panel)."""
    return ui.text(surface, theme, s, pos, *args, **kwargs)
