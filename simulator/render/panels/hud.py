"""The top bar (title and the run's numbers: step, epoch, images/s, FPS, learning rate, batch
size, speed, state) and the short messages ("screenshot saved …") that fade out."""
from __future__ import annotations

import pygame

from .widgets import BODY, SMALL, TINY, TITLE, Text

STATE_LABELS = {"running": "TRAINING", "paused": "PAUSED", "diverged": "DIVERGED"}


class Hud:
    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.surface: pygame.Surface | None = None
        self._key = None

    def layout(self, rect: pygame.Rect) -> None:
        self.rect = rect
        self.surface = pygame.Surface(rect.size)
        self._key = None

    def update(self, snap, fps: float) -> bool:
        """Redraw when a shown value changes (FPS is rounded, so this is a few times a second);
        True when it did."""
        if snap is None:
            return False
        act = {"relu": "ReLU", "sigmoid": "sigmoid", "tanh": "tanh"}[snap.activation]
        stats = [("step", f"{snap.step:,}"), ("epoch", f"{snap.epoch + 1} ({snap.epoch_progress:.0%})"),
                 ("images/s", f"{snap.images_per_sec:,.0f}"), ("FPS", f"{fps:.0f}"),
                 ("learning rate", f"{snap.lr:g}"), ("batch", f"{snap.batch_size}"), ("speed", snap.speed)]
        key = (tuple(stats), snap.status, act, snap.pool)
        if key == self._key:
            return False
        self._key = key
        th, tx = self.theme, self.text
        surf = self.surface
        surf.fill(th.panel)
        pygame.draw.line(surf, th.panel_border, (0, self.rect.h - 1), (self.rect.w, self.rect.h - 1))
        cy = self.rect.h // 2
        colour = {"running": th.good, "paused": th.accent, "diverged": th.bad}[snap.status]
        label = STATE_LABELS[snap.status]
        w = tx.width(label, BODY, "bold") + 20
        pill = pygame.Rect(self.rect.w - w - 10, cy - 12, w, 24)
        pygame.draw.rect(surf, colour, pill, border_radius=12)
        tx.draw(surf, label, pill.center, BODY, th.background, "bold", anchor="center")
        r = tx.draw(surf, "CNN Simulator", (12, cy), TITLE + 3, th.text, "bold", anchor="midleft")
        model = f"LeNet-5 · {act} · {snap.pool}-pool"
        # the numbers, spread over the space between title and state; smaller when it is tight
        for key_size, value_size, show_model in ((SMALL, BODY, True), (SMALL, BODY, False), (TINY, SMALL, False)):
            x = r.right + 10 + (tx.width(model, SMALL) + 24 if show_model else 14)
            avail = pill.x - 16 - x
            widths = [tx.width(k, key_size) + 5 + tx.width(v, value_size, "bold") for k, v in stats]
            if sum(widths) + 10 * (len(stats) - 1) <= avail:
                break
        if show_model:
            tx.draw(surf, model, (r.right + 10, cy), SMALL, th.muted, anchor="midleft")
        spacing = max(10, (avail - sum(widths)) // max(1, len(stats) - 1))
        for (k, v), wdt in zip(stats, widths):
            kr = tx.draw(surf, k, (x, cy), key_size, th.muted, anchor="midleft")
            tx.draw(surf, v, (kr.right + 5, cy), value_size, th.text, "bold", anchor="midleft")
            x += wdt + spacing
        return True

    def draw(self, target: pygame.Surface) -> None:
        if self.surface is not None and self._key is not None:
            target.blit(self.surface, self.rect)


class Toast:
    """One short message at the bottom of the window, fading after a few seconds."""

    def __init__(self, theme, text: Text, seconds: float = 3.0):
        self.theme, self.text, self.seconds = theme, text, seconds
        self.message, self.until = "", 0.0

    def show(self, message: str, now: float) -> None:
        self.message, self.until = message, now + self.seconds

    def visible(self, now: float) -> bool:
        return bool(self.message) and now <= self.until

    def draw(self, target: pygame.Surface, now: float, bottom: int) -> None:
        if not self.message or now > self.until:
            return
        img = self.text.surface(self.message, BODY, self.theme.text)
        box = img.get_rect(midbottom=(target.get_width() // 2, bottom)).inflate(24, 12)
        pygame.draw.rect(target, self.theme.panel, box, border_radius=8)
        pygame.draw.rect(target, self.theme.accent, box, 1, border_radius=8)
        target.blit(img, img.get_rect(center=box.center))

