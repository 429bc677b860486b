"""The app's lesson menu (key L) and the host that shows one lesson scene inside the app window.

Training keeps running on the worker thread while a lesson is open; Esc goes back.
Lesson scenes are laid out for 1280×800: in a window of another size they are drawn
off-screen at that size and scaled to fit, and mouse positions are mapped back.
"""
from __future__ import annotations

import pygame

from ...errors import UserError
from . import LESSON_SCENES, LessonOptions
from .common import SIZE

KEYS = [pygame.K_1, pygame.K_2, pygame.K_3, pygame.K_4, pygame.K_5, pygame.K_6, pygame.K_7, pygame.K_8, pygame.K_9,
        pygame.K_0]   # the tenth lesson is key 0


class LessonMenu:
    """A numbered list of the lessons; a number key or a click opens one."""

    def __init__(self, theme, options: LessonOptions):
        self.theme, self.options = theme, options
        self.rows: list[tuple[str, pygame.Rect]] = []
        self.error: str | None = None

    def layout(self, size) -> None:
        w, h = size
        row_h = max(36, min(56, (h - 220) // len(LESSON_SCENES)))
        top = 150
        self.rows = [(name, pygame.Rect(w // 2 - 330, top + i * row_h, 660, row_h - 8))
                     for i, name in enumerate(LESSON_SCENES)]

    def handle(self, event, now):
        if event.type == pygame.KEYDOWN:
            if event.key in (pygame.K_ESCAPE, pygame.K_l):
                return "back"
            if event.key in KEYS[:len(LESSON_SCENES)]:
                return self._open(list(LESSON_SCENES)[KEYS.index(event.key)])
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            for name, rect in self.rows:
                if rect.collidepoint(event.pos):
                    return self._open(name)
        return None

    def _open(self, name: str):
        title, factory = LESSON_SCENES[name]
        try:
            return ("open", LessonHost(self.theme, factory(self.theme, self.options), title))
        except UserError as e:
            self.error = str(e)
            return None

    def update(self, dt, now, fps) -> None:
        pass

    def draw(self, surface, now):
        if not self.rows:
            self.layout(surface.get_size())
        th = self.theme
        surface.fill(th.background)
        cx = surface.get_width() // 2
        title = th.font(34, "bold").render("Lessons", True, th.text)
        surface.blit(title, title.get_rect(midtop=(cx, 50)))
        hint = th.font(16).render("press a number or click · Esc: back to the training (it keeps running)",
                                  True, th.muted)
        surface.blit(hint, hint.get_rect(midtop=(cx, 100)))
        mouse = pygame.mouse.get_pos()
        for i, (name, rect) in enumerate(self.rows):
            hot = rect.collidepoint(mouse)
            pygame.draw.rect(surface, th.panel_border if hot else th.panel, rect, border_radius=8)
            pygame.draw.rect(surface, th.panel_border, rect, 1, border_radius=8)
            key = th.font(20, "bold").render(str((i + 1) % 10), True, th.accent)
            label = th.font(20).render(LESSON_SCENES[name][0], True, th.text)
            surface.blit(key, key.get_rect(midleft=(rect.x + 20, rect.centery)))
            surface.blit(label, label.get_rect(midleft=(rect.x + 60, rect.centery)))
        if self.error:
            err = th.font(16).render(self.error, True, th.bad)
            surface.blit(err, err.get_rect(midbottom=(cx, surface.get_height() - 30)))
        return None


def fit_canvas(canvas, surface, background) -> None:
    """Draw the SIZE canvas onto surface, scaled to fit (aspect kept) and centred."""
    s = min(surface.get_width() / SIZE[0], surface.get_height() / SIZE[1])
    scaled = pygame.transform.smoothscale(canvas, (int(SIZE[0] * s), int(SIZE[1] * s)))
    surface.fill(background)
    surface.blit(scaled, scaled.get_rect(center=surface.get_rect().center))


class LessonHost:
    """Runs one lesson scene in the app's loop; Esc closes it and goes back to the menu."""

    def __init__(self, theme, scene, title: str):
        self.theme, self.scene, self.title = theme, scene, title
        self.canvas = pygame.Surface(SIZE)
        self.size = SIZE

    def layout(self, size) -> None:
        self.size = tuple(size)

    def _scale(self) -> float:
        return min(self.size[0] / SIZE[0], self.size[1] / SIZE[1])

    def _to_scene(self, pos):
        s = self._scale()
        ox, oy = (self.size[0] - SIZE[0] * s) / 2, (self.size[1] - SIZE[1] * s) / 2
        return int((pos[0] - ox) / s), int((pos[1] - oy) / s)

    def handle(self, event, now):
        if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
            self.scene.close()
            return "menu"
        if self.size != SIZE and hasattr(event, "pos"):
            attrs = {k: v for k, v in event.dict.items()}
            attrs["pos"] = self._to_scene(event.pos)
            event = pygame.event.Event(event.type, attrs)
        self.scene.handle(event)
        return None

    def update(self, dt, now, fps) -> None:
        self.scene.update(dt)

    def draw(self, surface, now):
        if tuple(surface.get_size()) == SIZE:
            surface.fill(self.theme.background)
            self.scene.draw(surface)
            return None
        self.canvas.fill(self.theme.background)
        self.scene.draw(self.canvas)
        fit_canvas(self.canvas, surface, self.theme.background)
        return None

    def close(self) -> None:
        self.scene.close()
