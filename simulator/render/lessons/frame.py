"""What the graph, regression, learning-rate, activations and params lessons share on the kit:
a column of text lines that says less when it runs out of room (a line takes the first of its wordings that fits, a
sentence wraps, lines that do not fit at all are left out: never smaller)."""
from __future__ import annotations

from dataclasses import dataclass

import pygame

from .. import ui


@dataclass(frozen=True)
class Line:
    """One line of a text column. `forms` are its wordings, longest first; a wording is a str
    or a list of (str, colour) runs (pieces of one line in their own colours). wrap: a
    sentence broken at spaces (the first wording whose rows fit the height left); size: a
    Sizes field; gap: reference pixels of space above it."""
    forms: tuple | str | list
    colour: tuple | None = None
    face: str = "sans"
    size: str = "small"
    wrap: bool = False
    gap: int = 0

    def wordings(self) -> list:
        if isinstance(self.forms, (str, list)):
            return [self.forms]
        return list(self.forms)


def _runs(line: Line, wording) -> list[tuple]:
    return ui.as_runs(wording, line.colour, line.face)


def line_rows(text: ui.Text, sizes: ui.Sizes, line: Line, width: int, max_rows: int | None = None) -> list[list]:
    """What `line` draws in a column `width` wide as rows of runs: the first wording that fits
    on one line (a wrapped line: the first whose rows fit max_rows), else the last one wrapped
    if every row fits, else none (it is left out)."""
    size = getattr(sizes, line.size)
    for wording in line.wordings():
        runs = _runs(line, wording)
        if line.wrap:
            rows = ui.wrap_runs(text, runs, width, size)
            if max_rows is None or len(rows) <= max_rows:
                return rows if all(text.runs_width(r, size) <= width for r in rows) else []
        elif text.runs_width(runs, size) <= width:
            return [runs]
    if line.wrap:
        return []
    rows = ui.wrap_runs(text, _runs(line, line.wordings()[-1]), width, size)
    ok = all(text.runs_width(r, size) <= width for r in rows) and (max_rows is None or len(rows) <= max_rows)
    return rows if ok else []


def lines_height(text: ui.Text, sizes: ui.Sizes, lines, width: int) -> int:
    """The height draw_lines takes for these lines when none is left out."""
    h = 0
    for line in lines:
        size = getattr(sizes, line.size)
        h += (sizes.px(line.gap) if (line.gap and h) else 0) + \
            len(line_rows(text, sizes, line, width)) * text.line(size, line.face)
    return h


def draw_lines(surface, text: ui.Text, theme, sizes: ui.Sizes, lines, rect: pygame.Rect) -> int:
    """The lines from rect's top, each row inside rect; stops at the first line that does not
    fit in the height left (say less). Returns the y under the last row drawn."""
    y = rect.top
    for line in lines:
        size = getattr(sizes, line.size)
        step = text.line(size, line.face)
        y_line = y + sizes.px(line.gap) if (line.gap and y > rect.top) else y
        rows = line_rows(text, sizes, line, rect.w, max(0, (rect.bottom - y_line) // step))
        if not rows or y_line + len(rows) * step > rect.bottom:
            break
        for row in rows:
            text.runs(surface, row, (rect.left, y_line), size, line.colour or theme.text)
            y_line += step
        y = y_line
    return y
