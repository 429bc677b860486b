"""Input panel: the training digit the engine is looking at (sample 0 of the batch), its label
and the network's prediction for it before this step's update."""
from __future__ import annotations

import pygame

from ...engine.data import MEAN, STD
from ..theme import array_surface, gray_rgb
from .widgets import BODY, SMALL, TINY, TITLE, Text, clip_text, fmt, frame

# The normalised values of pixel 0 and pixel 255: the grey scale's ends.
BLACK, WHITE = (0.0 - MEAN) / STD, (1.0 - MEAN) / STD


class InputPanel:
    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.surface: pygame.Surface | None = None
        self.ready = False

    def layout(self, rect: pygame.Rect) -> None:
        self.rect = rect
        self.surface = pygame.Surface(rect.size)
        self.ready = False

    def set_snapshot(self, snap) -> None:
        th, tx = self.theme, self.text
        surf = self.surface
        inner = frame(surf, surf.get_rect(), th, tx, "Input")
        lines = 4
        text_h = lines * tx.line(BODY) + 6
        scale = max(1, min(inner.w // 28, (inner.h - text_h) // 28))
        img = array_surface(gray_rgb(snap.acts["input"][0], BLACK, WHITE), scale)
        pos = img.get_rect(midtop=(inner.centerx, inner.y))
        surf.blit(img, pos)
        pygame.draw.rect(surf, th.panel_border, pos.inflate(2, 2), 1)
        y = pos.bottom + 6
        if snap.prediction >= 0:
            ok = snap.prediction == snap.label
            verdict = f"predicted {snap.prediction}  ({fmt(100 * float(snap.probs[snap.prediction]), 1)}%)"
            colour = th.good if ok else th.bad
        else:
            verdict, colour = "no prediction (NaN)", th.bad
        lines = [(f"label {snap.label}", TITLE, th.text, "bold"), (verdict, BODY, colour, "sans"),
                 (f"training image #{snap.sample_index:,}", SMALL, th.muted, "sans"),
                 (f"sample 1 of a batch of {snap.batch_size}", SMALL, th.muted, "sans")]
        for s, size, colour, face in lines:
            if tx.width(s, size, face) > inner.w:       # narrow window: one size smaller, then clipped
                size = SMALL if size != SMALL else TINY
            r = tx.draw(surf, clip_text(tx, s, inner.w, size, face), (inner.centerx, y), size, colour, face,
                        anchor="midtop")
            y = r.bottom + 1
        self.ready = True

    def draw(self, target: pygame.Surface, now: float) -> None:
        if self.ready:
            target.blit(self.surface, self.rect)
