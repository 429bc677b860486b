"""Z (or a double click) on the lecture: the current step's figure over the whole window, at
the zoom's Sizes (every number at least 4% of the window height): its panels, or the one under
the pointer, and the arithmetic they check. Redrawn at that size, never scaled pixels. The
scene below still takes → and ←, and the zoom follows it to the next step.
"""
from __future__ import annotations

import pygame

from .. import ui
from .draw import draw_panel
from .boxes import GAP, NUMBER_STYLES, box_for
from .layout import arrange, min_height
from .view import arith_lines, marks_everywhere


class ZoomedFigure(ui.Zoomable):
    """The step's figure (or one panel of it) and its arithmetic, drawn in draw()."""

    def __init__(self, scene, which: int | None = None):
        super().__init__(scene)
        self.first = scene.step
        self.which = which            # a panel of `first`, or None: the whole figure
        self.theme = scene.theme
        self.text = ui.Text(self.theme)
        self.placed = []
        self.silent = []

    @property
    def title(self) -> str:
        return self.scene.step.title

    def panels(self) -> tuple:
        """The panel picked on the step zoomed from; on another step (→ ←), its whole figure."""
        step = self.scene.step
        if self.which is not None and step is self.first and self.which < len(step.panels):
            return (step.panels[self.which],)
        return step.panels

    def draw(self, surface) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        step = self.scene.step
        panels = self.panels()
        side = (sz.px(GAP) - 10) // 2 + 1       # a row's outer labels may reach this far past it
        rect = self.rect.inflate(-2 * max(side, sz.px(4)), 0)
        numbered = any(getattr(p, "style", "") in NUMBER_STYLES for p in panels)
        boxes = [box_for(p, tx, sz, numbered) for p in panels]
        pad, gap = sz.px(4), sz.px(4)
        for size in (sz.title, sz.body, sz.small):
            lines = arith_lines(tx, step.lines, rect.w - 2 * pad, size, th)
            a_h = len(lines) * tx.line(size) + 2 * pad if lines else 0
            area = pygame.Rect(rect.x, rect.y, rect.w, rect.h - (a_h + gap if a_h else 0))
            if min_height(boxes, area.w, sz) <= area.h:
                break
        self.placed, _ = arrange(boxes, area, sz, drop=True)
        self.silent = []
        with ui.CHECK.scope("zoomed figure", self.rect):
            for placed in self.placed:
                if not draw_panel(surface, tx, sz, th, placed, marks_everywhere(step)):
                    self.silent.append(placed.panel.label)
            if lines:
                box = pygame.Rect(rect.x, area.bottom + gap, rect.w, a_h)
                ui.figures.panel(surface, box, th, tx, sz, begin_scope=False)
                y = box.y + pad
                for line in lines:
                    tx.runs(surface, line, (box.x + pad, y), size)
                    y += tx.line(size)
