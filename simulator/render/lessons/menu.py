"""The lessons menu (the app's key L): a numbered list; a number key or a click opens that
lesson over the menu (training keeps running on the worker thread); Esc goes back."""
from __future__ import annotations

import pygame

from ...errors import UserError
from .. import ui
from . import LESSON_SCENES, LessonOptions, open_lesson

# the key of each row: 1 … 9, then 0 for the tenth, then letters
KEY_NAMES = "1234567890abcdefghijk"
KEYS = [getattr(pygame, f"K_{k}") for k in KEY_NAMES]


class LessonMenu(ui.Scene):
    title = "CNN Simulator: lessons"

    def __init__(self, theme, options: LessonOptions):
        self.theme, self.options = theme, options
        self.text = ui.Text(theme)
        self.sizes = ui.Sizes.for_window((1280, 800), theme)
        self.rows: list[tuple[str, pygame.Rect]] = []
        self.error: str | None = None
        self.error_lines: list[str] = []
        self.mouse = (-1, -1)
        self.size = (1280, 800)

    def layout(self, size, sizes) -> None:
        """Rows as tall as a line of body text needs (and at most two lines' worth), centred,
        above the lines of a refusal (at least one line is kept for it)."""
        self.size, self.sizes = size, sizes
        tx, sz = self.text, sizes
        w, h = size
        self.top = sz.px(24) + tx.line(sz.heading, "bold") + tx.line(sz.body) + sz.px(16)
        self.error_lines = ui.wrap(tx, self.error, w - 2 * sz.px(24), sz.body) if self.error else []
        bottom = h - sz.px(16) - max(1, len(self.error_lines)) * tx.line(sz.body)
        row_h = max(tx.line(sz.body) + sz.px(8), min(2 * tx.line(sz.body), (bottom - self.top) // len(LESSON_SCENES)))
        key_w = max(tx.width(k, sz.body, "bold") for k in KEY_NAMES[:len(LESSON_SCENES)]) + sz.px(40)
        row_w = min(w - 2 * sz.px(24), key_w + max(tx.width(t, sz.body) for t, _ in LESSON_SCENES.values()) + sz.px(40))
        self.key_w = key_w
        self.rows = [(name, pygame.Rect((w - row_w) // 2, self.top + i * row_h, row_w, row_h - sz.px(6)))
                     for i, name in enumerate(LESSON_SCENES)]

    def handle(self, event):
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_ESCAPE, pygame.K_l):
                return ui.BACK
            if event.key in KEYS[:len(LESSON_SCENES)]:
                return self._open(list(LESSON_SCENES)[KEYS.index(event.key)])
        if event.type == pygame.MOUSEMOTION:
            self.mouse = event.pos
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for name, rect in self.rows:
                if rect.collidepoint(event.pos):
                    return self._open(name)
        return None

    def _open(self, name: str):
        try:
            return ui.Open(open_lesson(name, self.theme, self.options))
        except UserError as e:
            self.refuse(str(e))
            return None

    def refuse(self, message: str) -> None:
        """Write why a lesson did not open under the list (the rows make room for it)."""
        self.error = message
        self.layout(self.size, self.sizes)

    def draw(self, surface):
        th, tx, sz = self.theme, self.text, self.sizes
        surface.fill(th.background)
        w, h = surface.get_size()
        cx = w // 2
        with ui.CHECK.scope("lessons menu", surface.get_rect()):
            r = tx.draw(surface, "Lessons", (cx, sz.px(24)), sz.heading, th.text, "bold", anchor="midtop")
            hint = ui.first_fitting(tx, ("press a number or click · Esc: back to the training (it keeps running)",
                                         "a number or a click opens · Esc: back"), w - 2 * sz.px(24), sz.body)
            if hint:
                tx.draw(surface, hint, (cx, r.bottom), sz.body, th.muted, anchor="midtop")
            for i, (name, rect) in enumerate(self.rows):
                hot = rect.collidepoint(self.mouse)
                pygame.draw.rect(surface, th.panel_border if hot else th.panel, rect, border_radius=8)
                pygame.draw.rect(surface, th.panel_border, rect, 1, border_radius=8)
                with ui.CHECK.scope(f"lesson row {i}", rect):
                    tx.draw(surface, KEY_NAMES[i], (rect.x + sz.px(16), rect.centery), sz.body, th.accent, "bold",
                            anchor="midleft")
                    tx.draw(surface, LESSON_SCENES[name][0], (rect.x + self.key_w, rect.centery), sz.body, th.text,
                            anchor="midleft")
            if self.error:
                for j, line in enumerate(reversed(self.error_lines)):
                    tx.draw(surface, line, (cx, h - sz.px(8) - j * tx.line(sz.body)), sz.body, th.bad,
                            anchor="midbottom")
        return None
