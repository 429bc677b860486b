"""What the lecture lays over a step: the H help (every key, then what each symbol means, this
step's first) and a short notice (a toast) that says what a key did.
"""
from __future__ import annotations

import pygame

from .. import ui
from ..ui.theme import Theme
from .legend import keys_for, step_key, symbols_for

TOAST_SECONDS = 4.0


def draw_help(surface, text, sizes, theme: Theme, step) -> None:
    """The keys, then the symbols (this step's first, then the rest); entries that do not fit
    the window are left out, never drawn smaller."""
    W, H = surface.get_size()
    m = sizes.px(40)
    rect = pygame.Rect(m, m, W - 2 * m, H - 2 * m)
    with ui.CHECK.scope("help", rect, layer=1):
        inner = ui.figures.panel(surface, rect, theme, text, sizes, "Keys and symbols", ("H or Esc closes this",),
                                 highlight=True, begin_scope=False)
        keys = []
        for k, what in keys_for(step):
            keys += ([("    ", None)] if keys else []) + [(k, theme.accent, "bold"), (" " + what, theme.text)]
        y = inner.y + sizes.px(4)
        y += ui.paragraph(text, surface, keys, pygame.Rect(inner.x, y, inner.w, inner.h), sizes.small)
        y += sizes.px(10)
        pygame.draw.line(surface, theme.panel_border, (inner.x, y - sizes.px(5)), (inner.right, y - sizes.px(5)))
        entries = step_key(step)
        seen = {s for s, _ in entries}
        entries += [(s, w) for s, w in symbols_for(step) if s not in seen]
        for sym, words in entries:
            runs = [(sym, theme.accent, "bold"), ("  " + words, theme.text)]
            h = ui.paragraph_height(text, runs, inner.w, sizes.small)
            if y + h > inner.bottom:
                continue                       # say less: this one does not fit
            y += ui.paragraph(text, surface, runs, pygame.Rect(inner.x, y, inner.w, h), sizes.small)


def draw_toast(surface, text, sizes, theme: Theme, message: str, bottom: int) -> None:
    """A notice ending at `bottom` (over the caption and key, the least needed for a moment),
    framed in the accent colour, wrapped if long."""
    W = surface.get_width()
    m = sizes.px(16)
    width = W - 4 * m
    h = ui.paragraph_height(text, message, width, sizes.body) + 2 * sizes.px(8)
    rect = pygame.Rect(2 * m - sizes.px(8), bottom - h, width + 2 * sizes.px(8), h)
    with ui.CHECK.scope("toast", rect, layer=1):
        pygame.draw.rect(surface, theme.panel, rect, border_radius=8)
        pygame.draw.rect(surface, theme.accent, rect, 2, border_radius=8)
        ui.paragraph(text, surface, message, rect.inflate(-2 * sizes.px(8), -2 * sizes.px(8)), sizes.body,
                     theme.text, align="center")
