"""Input panel: the training digit the engine is looking at (sample 0 of the batch), its label
and the network's prediction for it before this step's update."""
from __future__ import annotations

import pygame

from ...engine.data import MEAN, STD
from ..ui.theme import array_surface, gray_rgb
from ...numbers import fmt_percent
from .widgets import SnapshotPanel, first_fitting, fmt, frame

# The normalised values of pixel 0 and pixel 255: the grey scale's ends.
BLACK, WHITE = (0.0 - MEAN) / STD, (1.0 - MEAN) / STD


class InputPanel(SnapshotPanel):
    name = "input"

    def build(self, snap) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        surf = self.static
        inner = frame(surf, surf.get_rect(), th, tx, sz, "Input")
        if snap.prediction >= 0:
            p = fmt_percent(float(snap.probs[snap.prediction]))
            verdicts = (f"predicted {snap.prediction} ({p})", f"predicted {snap.prediction}", f"→ {snap.prediction}")
            colour = th.good if snap.prediction == snap.label else th.bad
        else:
            verdicts, colour = ("no prediction (NaN)", "NaN"), th.bad
        lines = [((f"label {snap.label}",), sz.body, th.text, "bold"), (verdicts, sz.body, colour, "sans"),
                 ((f"training image #{snap.sample_index:,}", f"image #{snap.sample_index:,}",
                   f"#{snap.sample_index:,}"), sz.small, th.muted, "sans"),
                 ((f"sample 1 of a batch of {snap.batch_size}", f"1 of batch {snap.batch_size}"),
                  sz.small, th.muted, "sans")]
        chosen = [(first_fitting(tx, forms, inner.w, size, face), size, c, face) for forms, size, c, face in lines]
        chosen = [c for c in chosen if c[0]]
        text_h = sum(tx.line(size, face) for _, size, _, face in chosen) + sz.px(6)
        scale = max(1, min(inner.w // 28, (inner.h - text_h) // 28))
        img = array_surface(gray_rgb(snap.acts["input"][0], BLACK, WHITE), scale)
        pos = img.get_rect(midtop=(inner.centerx, inner.y))
        surf.blit(img, pos)
        pygame.draw.rect(surf, th.panel_border, pos.inflate(2, 2), 1)
        y = pos.bottom + sz.px(6)
        for s, size, colour, face in chosen:
            if y + tx.line(size, face) > inner.bottom + sz.px(4):
                break                       # no room: say less
            r = tx.draw(surf, s, (inner.centerx, y), size, colour, face, anchor="midtop")
            y = r.bottom + 1
