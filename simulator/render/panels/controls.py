"""On-screen controls: the button bar (each button does what its key does), the help overlay
listing every key, and the "diverged" banner that offers a reset."""
from __future__ import annotations

import pygame

from .widgets import BODY, SMALL, TITLE, Text

# (action, key hint, label); the app maps actions to worker commands.
BUTTONS = (
    ("pause", "space", "Pause"),
    ("step", "→", "Step"),
    ("slower", "−", "Slower"),
    ("faster", "+", "Faster"),
    ("lr_down", "[", "lr ÷"),
    ("lr_up", "]", "lr ×"),
    ("reset", "R", "Reset"),
    ("screenshot", "S", "Screenshot"),
    ("lessons", "L", "Lessons"),
    ("help", "H", "Help"),
    ("quit", "Q", "Quit"),
)
HELP = (
    ("space", "pause / resume training"),
    ("→", "one training step (pauses first)"),
    ("+  −", "training speed: slow (the filter moves step by step), 1/s, 10/s, 50/s, max"),
    ("[  ]", "learning rate down / up, live (1-2-5 steps)"),
    ("R", "reset: back to the starting weights (same seed) and the --lr learning rate"),
    ("S", "screenshot to ./pictures/"),
    ("L", "the lessons menu (graph, regression, learning rate, activations, pooling, RGB, 3D, draw)"),
    ("H", "this help"),
    ("F11", "full screen"),
    ("Esc  Q", "quit (Esc closes this help first)"),
    ("click", "a feature map: animate that channel · the conv output: move the window there"),
)


class ButtonBar:
    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.buttons: list[tuple[str, pygame.Rect]] = []
        self.paused = False
        self.hover: str | None = None

    def layout(self, rect: pygame.Rect) -> None:
        self.rect = rect
        tx = self.text
        widths = [tx.width(k, SMALL, "bold") + tx.width(lbl, BODY) + 26 for _, k, lbl in BUTTONS]
        widths[0] = max(widths[0], tx.width("space", SMALL, "bold") + tx.width("Resume", BODY) + 26)
        gap = 8
        scale = min(1.0, (rect.w - gap * (len(BUTTONS) - 1)) / sum(widths))
        x = rect.x
        self.buttons = []
        for (action, _, _), w in zip(BUTTONS, widths):
            w = int(w * scale)
            self.buttons.append((action, pygame.Rect(x, rect.y, w, rect.h)))
            x += w + gap
        shift = (rect.right - (x - gap)) // 2
        self.buttons = [(a, r.move(shift, 0)) for a, r in self.buttons]

    def hovered(self, pos) -> str | None:
        return self.handle_click(pos)

    def handle_click(self, pos) -> str | None:
        for action, r in self.buttons:
            if r.collidepoint(pos):
                return action
        return None

    def draw(self, target: pygame.Surface) -> None:
        th, tx = self.theme, self.text
        for (action, key, label), (_, r) in zip(BUTTONS, self.buttons):
            if action == "pause" and self.paused:
                label = "Resume"
            hot = action == self.hover
            pygame.draw.rect(target, th.panel_border if hot else th.panel, r, border_radius=6)
            pygame.draw.rect(target, th.panel_border, r, 1, border_radius=6)
            kr = tx.surface(key, SMALL, th.accent, "bold")
            lr = tx.surface(label, BODY, th.text)
            x = r.centerx - (kr.get_width() + 6 + lr.get_width()) // 2
            target.blit(kr, kr.get_rect(midleft=(x, r.centery)))
            target.blit(lr, lr.get_rect(midleft=(x + kr.get_width() + 6, r.centery)))


class HelpOverlay:
    """Every key and what it does, over a dimmed window; drawn once per window size."""

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self._image: pygame.Surface | None = None

    def draw(self, target: pygame.Surface) -> None:
        if self._image is None or self._image.get_size() != target.get_size():
            self._image = self._render(target.get_size())
        target.blit(self._image, (0, 0))

    def _render(self, size) -> pygame.Surface:
        theme, text = self.theme, self.text
        image = pygame.Surface(size, pygame.SRCALPHA)
        image.fill((0, 0, 0, 170))
        lh = text.line(BODY) + 8
        key_w = max(text.width(k, BODY, "bold") for k, _ in HELP) + 24
        w = min(size[0] - 40, key_w + max(text.width(d, BODY) for _, d in HELP) + 48)
        h = len(HELP) * lh + text.line(TITLE + 2) + 64
        box = pygame.Rect(0, 0, w, h)
        box.center = (size[0] // 2, size[1] // 2)
        pygame.draw.rect(image, theme.panel, box, border_radius=10)
        pygame.draw.rect(image, theme.accent, box, 2, border_radius=10)
        text.draw(image, "Keys", (box.x + 24, box.y + 16), TITLE + 2, theme.text, "bold")
        y = box.y + 24 + text.line(TITLE + 2)
        for key, desc in HELP:
            text.draw(image, key, (box.x + 24, y), BODY, theme.accent, "bold")
            text.draw(image, desc, (box.x + 24 + key_w, y), BODY, theme.text)
            y += lh
        text.draw(image, "H or Esc closes this", (box.centerx, box.bottom - 10), SMALL, theme.muted,
                  anchor="midbottom")
        return image


class DivergedBanner:
    """Shown while the worker is in the diverged state; its button resets the weights."""

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.button = pygame.Rect(0, 0, 0, 0)

    def draw(self, target: pygame.Surface, message: str) -> None:
        th, tx = self.theme, self.text
        lines = ["Training diverged", message,
                 "The weights blew up: the learning rate is too big for this network.",
                 "Press R (or the button) to reset the weights; [ lowers the learning rate; space tries again."]
        w = max(tx.width(lines[0], TITLE + 9, "bold"), *(tx.width(s, BODY) for s in lines[1:])) + 60
        h = tx.line(TITLE + 9, "bold") + 3 * (tx.line(BODY) + 6) + 70
        box = pygame.Rect(0, 0, min(w, target.get_width() - 40), h)
        box.center = (target.get_width() // 2, target.get_height() // 2)
        pygame.draw.rect(target, th.panel, box, border_radius=10)
        pygame.draw.rect(target, th.bad, box, 3, border_radius=10)
        y = box.y + 14
        r = tx.draw(target, lines[0], (box.centerx, y), TITLE + 9, th.bad, "bold", anchor="midtop")
        y = r.bottom + 8
        for s in lines[1:]:
            r = tx.draw(target, s, (box.centerx, y), BODY, th.text, anchor="midtop")
            y = r.bottom + 6
        label = tx.surface("R  Reset weights", BODY, th.background, "bold")
        self.button = label.get_rect(midtop=(box.centerx, y + 6)).inflate(24, 12)
        pygame.draw.rect(target, th.bad, self.button, border_radius=6)
        target.blit(label, label.get_rect(center=self.button.center))
