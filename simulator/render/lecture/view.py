"""One lecture step on a surface of any size: the network strip, the title, the panels, the
arithmetic, the caption, the key to the step's symbols, the key hints and the status.

    view = StepView(theme, text)
    view.draw(surface, step, index, total, sizes, hints=HINTS, status="test image #0 · label 7")
    view.panel_at(pos)          # the panel under pos (for the zoom), or None

Every size comes from the window's Sizes: the strip, labels, key and hints at sizes.small (the
floor), the caption at body, the arithmetic at heading, title or body (never under body: it
wraps instead). When the panels' number grids would not fit, the screen says less: smaller
arithmetic and title first, then fewer entries in the key (H still lists every symbol), then
a smaller caption, then labels beside the panels, then the plain maps that only give context.
"""
from __future__ import annotations

from dataclasses import dataclass

import pygame

from ...engine.lecture import STAGES
from .. import ui
from ..ui.theme import Theme
from .draw import draw_panel, runs_of
from .boxes import GAP, NUMBER_STYLES, box_for
from .layout import arrange, min_height
from .legend import step_key

PHASE_LABEL = {"forward": "FORWARD →", "backward": "← BACKWARD", "update": "UPDATE"}


def phase_colour(theme: Theme, phase: str) -> tuple:
    return {"forward": theme.good, "backward": theme.negative, "update": theme.accent}[phase]


def marks_everywhere(step) -> bool:
    """The ∂Y stack of a conv's ∂input sum: every filter's share comes from the same marked
    cells of its own map, so the marks are drawn on every map."""
    return step.kind == "conv-dx-sum"


# ----------------------------------------------------------------------------- the strip

def strip_range(widths: list[int], seps: list[int], current: int, room: int, more: int) -> tuple[int, int]:
    """[lo, hi): the stages to draw so the strip fits `room` px: all when they fit, else those
    nearest the current one (each side cut off costs `more` px for its "…")."""
    lo, hi = 0, len(widths)

    def total(a, b):
        return sum(widths[a:b]) + sum(seps[a:b - 1]) + more * ((a > 0) + (b < len(widths)))
    while total(lo, hi) > room and hi - lo > 1:
        if current - lo > hi - 1 - current:
            lo += 1
        else:
            hi -= 1
    return lo, hi


def draw_strip(surface, text, sizes, theme: Theme, step, rect: pygame.Rect) -> None:
    """The network's stages in a row, the current one boxed in the phase's colour; a network
    too long for the width shows the stages around the current one, "…" where it is cut."""
    stages = step.stages or STAGES
    keys = [k for k, _ in stages]
    current = keys.index(step.layer) if step.layer in keys else -1
    arrow = " ← " if step.phase == "backward" else " → "
    seps = [arrow] * (len(stages) - 2) + ["   |   "]     # the update follows the loss, set apart
    size = sizes.small
    pad = max(6, sizes.px(6))
    widths = [text.width(n, size) for _, n in stages]
    sep_w = [text.width(s, size) for s in seps] + [0]
    dots = text.width("…" + arrow, size)
    lo, hi = strip_range(widths, sep_w, max(current, 0), rect.w - 2 * pad, dots)
    total = sum(widths[lo:hi]) + sum(sep_w[lo:hi - 1]) + 2 * pad + dots * ((lo > 0) + (hi < len(stages)))
    x = rect.x + (rect.w - total) // 2
    y = rect.y + 2
    with ui.CHECK.scope("strip", rect):
        if lo > 0:
            x = text.draw(surface, "…" + arrow, (x, y), size, theme.muted).right
        for i in range(lo, hi):
            name = stages[i][1]
            passed = i >= current if step.phase == "backward" else i <= current
            if i == current:
                x += pad
                box = pygame.Rect(x, y, widths[i], text.height(size)).inflate(2 * pad - 2, 2)
                pygame.draw.rect(surface, phase_colour(theme, step.phase), box, border_radius=4)
                x = text.draw(surface, name, (x, y), size, theme.background).right + pad
            else:
                x = text.draw(surface, name, (x, y), size, theme.text if passed else theme.muted).right
            if i < hi - 1:
                x = text.draw(surface, seps[i], (x, y), size, theme.muted).right
        if hi < len(stages):
            text.draw(surface, arrow + "…", (x, y), size, theme.muted)


# ----------------------------------------------------------------------------- the plan

@dataclass(frozen=True)
class Plan:
    """The sizes of a step's words, from the largest wanted down (see the module docstring)."""
    arith: int
    title: int
    key_lines: int
    caption: int


def plans(sizes) -> list[Plan]:
    s = sizes
    return [Plan(s.heading, s.heading, 2, s.body), Plan(s.title, s.heading, 2, s.body),
            Plan(s.title, s.title, 2, s.body), Plan(s.title, s.title, 1, s.body), Plan(s.body, s.title, 1, s.body),
            Plan(s.body, s.title, 0, s.body), Plan(s.body, s.title, 0, s.small)]


def arith_lines(text, lines, width: int, size: int, theme: Theme) -> list[list[tuple]]:
    """The arithmetic as runs, wrapped at spaces to width (numbers in the accent colour)."""
    out = []
    for t in lines:
        runs = runs_of(t, theme.text, theme.accent)
        fits = text.runs_width(runs, size) <= width          # as written, its spacing kept
        out += [runs] if fits else ui.wrap_runs(text, runs, width, size)
    return out


def arith_size(text, lines, width: int, largest: int, sizes) -> int:
    """The largest of (largest, title, body) at which no arithmetic line wraps; else body."""
    for size in (s for s in (sizes.heading, sizes.title, sizes.body) if s <= largest):
        if all(text.width(t.text, size) <= width for t in lines):
            return size
    return sizes.body


def key_runs(text, entries, width: int, lines: int, size: int, theme: Theme) -> list[tuple]:
    """As many of the key's entries (most important first) as fit `lines` lines at `size`."""
    runs: list[tuple] = []
    for sym, words in entries:
        trial = runs + ([("   ·   ", theme.muted)] if runs else []) + [(sym, theme.accent), (": " + words, theme.muted)]
        if len(ui.wrap_runs(text, trial, width, size)) <= lines:
            runs = trial
    return runs


# ----------------------------------------------------------------------------- the view

class StepView:
    """Lays out and draws one step at the window's size (see the module docstring)."""

    def __init__(self, theme: Theme, text: ui.Text):
        self.theme, self.text = theme, text
        self.placed = []           # [Placed] of the last draw, for panel_at
        self.silent = []           # labels of number grids drawn without their numbers (no room)
        self.plan = None
        self.footer_top = 0

    def panel_at(self, pos) -> int | None:
        if pos is None:
            return None
        return next((i for i, p in enumerate(self.placed) if p.outer.collidepoint(pos)), None)

    def draw(self, surface, step, index: int, total: int, sizes, hints=(), status: str = "",
             key: bool = True) -> None:
        th, tx = self.theme, self.text
        W, H = surface.get_size()
        m = sizes.px(16)
        surface.fill(th.background)
        inner = pygame.Rect(m, sizes.px(8), W - 2 * m, H - sizes.px(8) - sizes.px(6))
        strip_h = tx.line(sizes.small) + sizes.px(6)
        footer_h = tx.line(sizes.small) + sizes.px(14)
        numbered = any(getattr(p, "style", "") in NUMBER_STYLES for p in step.panels)
        boxes = [box_for(p, tx, sizes, numbered) for p in step.panels]
        entries = step_key(step) if key else []
        pad = sizes.px(8)

        def measure(plan):
            title_size, title_lines = self._title(step, index, total, sizes, plan.title, inner.w)
            head = strip_h + len(title_lines) * tx.line(title_size, "bold") + sizes.px(8)
            a_size = arith_size(tx, step.lines, inner.w - 2 * pad, plan.arith, sizes)
            a_lines = arith_lines(tx, step.lines, inner.w - 2 * pad, a_size, th)
            a_h = len(a_lines) * tx.line(a_size) + 2 * pad if a_lines else 0
            c_h = ui.paragraph_height(tx, c_runs, inner.w, plan.caption)
            k_runs = key_runs(tx, entries, inner.w, plan.key_lines, sizes.small, th) if plan.key_lines else []
            k_h = ui.paragraph_height(tx, k_runs, inner.w, sizes.small) if k_runs else 0
            below = (a_h + sizes.px(10) if a_h else 0) + c_h + (k_h + sizes.px(4) if k_h else 0) + footer_h
            area = pygame.Rect(inner.x, inner.y + head, inner.w, inner.h - head - below - sizes.px(10))
            return plan, title_size, title_lines, a_size, a_lines, a_h, c_h, k_runs, k_h, area
        c_runs = runs_of(step.caption, th.text, th.accent)
        need = min_height(boxes, inner.w, sizes)
        # the first plan that leaves the panels room to spare (a quarter over their least) while
        # it keeps a key, else the first that leaves them their least, else the one that says least
        chosen = enough = None
        for plan in plans(sizes):
            chosen = measure(plan)
            if chosen[-1].h >= 1.25 * need and plan.key_lines:
                break
            if chosen[-1].h >= need:
                enough = enough or chosen
                if not plan.key_lines:
                    chosen = enough
                    break
        else:
            chosen = enough or chosen
        plan, title_size, title_lines, a_size, a_lines, a_h, c_h, k_runs, k_h, area = chosen
        self.plan = plan
        self.placed, _ = arrange(boxes, area, sizes, drop=True)
        self._draw_header(surface, step, index, total, sizes, title_size, title_lines, inner, strip_h)
        self.silent = []
        for i, placed in enumerate(self.placed):
            bounds = placed.outer.inflate(sizes.px(GAP) - 6, 0).clip(surface.get_rect())
            with ui.CHECK.scope(f"panel {i}", bounds):
                if not draw_panel(surface, tx, sizes, th, placed, marks_everywhere(step)):
                    self.silent.append(placed.panel.label)
        y = area.bottom + sizes.px(10)
        if a_lines:
            box = pygame.Rect(inner.x, y, inner.w, a_h)
            with ui.CHECK.scope("arithmetic", box):
                ui.figures.panel(surface, box, th, tx, sizes, begin_scope=False)
                ly = box.y + pad
                for line in a_lines:
                    tx.runs(surface, line, (box.x + pad, ly), a_size)
                    ly += tx.line(a_size)
            y = box.bottom + sizes.px(10)
        cap = pygame.Rect(inner.x, y, inner.w, c_h)
        with ui.CHECK.scope("caption", cap):
            ui.paragraph(tx, surface, c_runs, cap, plan.caption)
        y = cap.bottom + sizes.px(4)
        if k_runs:
            keys = pygame.Rect(inner.x, y, inner.w, k_h)
            with ui.CHECK.scope("key", keys):
                ui.paragraph(tx, surface, k_runs, keys, sizes.small)
        self.footer_top = inner.bottom - footer_h
        self._draw_footer(surface, sizes, pygame.Rect(inner.x, self.footer_top, inner.w, footer_h), hints,
                          status, (index + 1) / total)

    # --- header and footer -----------------------------------------------------------
    def _count(self, index, total) -> str:
        return f"{index + 1} / {total}"

    def _badge_w(self, step, sizes) -> int:
        return self.text.width(PHASE_LABEL[step.phase], sizes.small, "bold") + 2 * sizes.px(8)

    def _title(self, step, index, total, sizes, largest: int, width: int) -> tuple[int, list[str]]:
        """(size, lines) of the title: one line at the largest size that fits (down to title),
        else wrapped at sizes.title."""
        count_w = self.text.width(self._count(index, total), sizes.body) + sizes.px(16)
        room = width - count_w - self._badge_w(step, sizes) - sizes.px(12)
        for size in (s for s in (sizes.heading, sizes.title) if s <= largest):
            if self.text.width(step.title, size, "bold") <= room:
                return size, [step.title]
        return sizes.title, ui.wrap(self.text, step.title, room, sizes.title, "bold")

    def _draw_header(self, surface, step, index, total, sizes, size, lines, inner, strip_h) -> None:
        th, tx = self.theme, self.text
        draw_strip(surface, tx, sizes, th, step, pygame.Rect(inner.x, inner.y, inner.w, strip_h))
        y = inner.y + strip_h
        head = pygame.Rect(inner.x, y, inner.w, len(lines) * tx.line(size, "bold") + sizes.px(6))
        with ui.CHECK.scope("title", head):
            badge = pygame.Rect(0, 0, self._badge_w(step, sizes), tx.height(sizes.small, "bold") + sizes.px(6))
            badge.topright = (inner.right, y + sizes.px(4))
            pygame.draw.rect(surface, phase_colour(th, step.phase), badge, border_radius=5)
            tx.draw(surface, PHASE_LABEL[step.phase], badge.center, sizes.small, th.background, "bold", anchor="center")
            tx.draw(surface, self._count(index, total), (badge.left - sizes.px(16), badge.centery), sizes.body, th.muted,
                    anchor="midright")
            for line in lines:
                tx.draw(surface, line, (inner.x, y), size, th.text, "bold")
                y += tx.line(size, "bold")

    def _draw_footer(self, surface, sizes, rect: pygame.Rect, hints, status: str, progress: float) -> None:
        th, tx = self.theme, self.text
        with ui.CHECK.scope("footer", rect):
            bar_y = rect.y + sizes.px(4)
            pygame.draw.rect(surface, th.panel_border, (rect.x, bar_y, rect.w, 3))
            pygame.draw.rect(surface, th.accent, (rect.x, bar_y, int(rect.w * progress), 3))
            y = rect.bottom - tx.line(sizes.small)
            right = rect.right
            if status:
                right = tx.draw(surface, status, (rect.right, y), sizes.small, th.muted, anchor="topright").left
            x, gap = rect.x, tx.width("   ", sizes.small)
            for k, what in hints:
                w = tx.width(k, sizes.small, "bold") + tx.width(" " + what, sizes.small)
                if x + w > right - gap:
                    break
                r = tx.draw(surface, k, (x, y), sizes.small, th.accent, "bold")
                x = tx.draw(surface, " " + what, (r.right, y), sizes.small, th.muted).right + gap
