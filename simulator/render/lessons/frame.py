"""What the graph, regression, learning-rate, activations and params lessons share on the kit:
the body of the window between the header and the key hints, and a column of text lines that
says less when it runs out of room (a line picks the first of its wordings that fits, a long
sentence wraps, lines that do not fit are left out: never smaller)."""
from __future__ import annotations

from dataclasses import dataclass

import pygame

from .. import ui
from ..ui.figures import header_height, hints_height


def body_rect(size, text: ui.Text, sizes: ui.Sizes, subtitle: str) -> pygame.Rect:
    """Where a lesson's panels go: below header(…, subtitle), above hints(), inside the margins."""
    m = sizes.px(16)
    top = header_height(text, sizes, size[0], subtitle) + sizes.px(4)
    bottom = size[1] - hints_height(text, sizes) - sizes.px(6)
    return pygame.Rect(m, top, size[0] - 2 * m, bottom - top)


@dataclass(frozen=True)
class Line:
    """One line of a text column: `forms` are its wordings, longest first (a str: one wording);
    wrap: a sentence broken at spaces instead; gap: reference pixels of space above it."""
    forms: tuple | str
    colour: tuple | None = None
    face: str = "sans"
    size: str = "small"           # a Sizes field: "small", "body", "title"
    wrap: bool = False
    gap: int = 0

    def wordings(self) -> tuple:
        return (self.forms,) if isinstance(self.forms, str) else tuple(self.forms)


def line_rows(text: ui.Text, sizes: ui.Sizes, line: Line, width: int) -> list[str]:
    """What `line` draws in a column `width` wide: one or more rows, or none (it does not fit)."""
    size = getattr(sizes, line.size)
    forms = line.wordings()
    if line.wrap:
        return ui.wrap(text, forms[0], width, size, line.face)
    chosen = ui.first_fitting(text, forms, width, size, line.face)
    if chosen is None:                      # no wording fits on one line: the last one, wrapped
        rows = ui.wrap(text, forms[-1], width, size, line.face)
        return rows if all(text.width(r, size, line.face) <= width for r in rows) else []
    return [chosen]


def lines_height(text: ui.Text, sizes: ui.Sizes, lines, width: int) -> int:
    h = 0
    for line in lines:
        size = getattr(sizes, line.size)
        h += (sizes.px(line.gap) if (line.gap and h) else 0) + len(line_rows(text, sizes, line, width)) * text.line(size, line.face)
    return h


def draw_lines(surface, text: ui.Text, theme, sizes: ui.Sizes, lines, rect: pygame.Rect) -> int:
    """The lines from rect's top, each row inside rect; stops at the first line that does not
    fit in the height left (say less). Returns the y under the last row drawn."""
    y = rect.top
    for line in lines:
        size = getattr(sizes, line.size)
        rows = line_rows(text, sizes, line, rect.w)
        step = text.line(size, line.face)
        y_line = y + sizes.px(line.gap) if (line.gap and y > rect.top) else y
        if not rows or y_line + len(rows) * step > rect.bottom:
            break
        for row in rows:
            text.draw(surface, row, (rect.left, y_line), size, line.colour or theme.text, line.face)
            y_line += step
        y = y_line
    return y
