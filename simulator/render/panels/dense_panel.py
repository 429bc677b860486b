"""Dense part: the flattened pool2 vector, the fully connected activations and the logits as
heat strips, and the 10 softmax probabilities as bars with the prediction."""
from __future__ import annotations

import pygame

from .widgets import BODY, SMALL, TINY, SnapshotPanel, fmt, frame, heat_strip

ACT_NAMES = {"relu": "ReLU", "sigmoid": "σ", "tanh": "tanh"}


class DensePanel(SnapshotPanel):
    def set_snapshot(self, snap) -> None:
        th, tx = self.theme, self.text
        surf = self.static
        act = ACT_NAMES.get(snap.activation, snap.activation)
        inner = frame(surf, surf.get_rect(), th, tx, "Dense layers", "the vector each layer hands to the next")
        rows = [("flatten", f"pool2 16×5×5 → {snap.acts['flat'].size}", snap.acts["flat"], snap.limits["flat"]),
                ("fc1", f"400 → 120, {act}", snap.acts["act3"], snap.limits["fc1"]),
                ("fc2", f"120 → 84, {act}", snap.acts["act4"], snap.limits["fc2"]),
                ("fc3", "84 → 10 logits", snap.acts["logits"], snap.limits["logits"])]
        label_w = max(tx.width(a, BODY, "bold") + 6 + tx.width(b, SMALL) for a, b, _, _ in rows) + 12
        value_w = tx.width("max 00.00", TINY) + 10
        row_h = inner.h // len(rows)
        strip_h = max(6, min(22, row_h - 6))
        full_w = inner.w - label_w - value_w
        for i, (name, desc, values, limit) in enumerate(rows):
            y = inner.y + i * row_h
            cy = y + row_h // 2
            r = tx.draw(surf, name, (inner.x, cy), BODY, th.text, "bold", anchor="midleft")
            tx.draw(surf, desc, (r.right + 6, cy), SMALL, th.muted, anchor="midleft")
            # cells are at least 3 px wide, so short vectors are drawn shorter, not smeared
            cell = max(1, full_w // values.size)
            width = full_w if values.size * 3 > full_w else min(full_w, cell * values.size)
            strip = pygame.Rect(inner.x + label_w, cy - strip_h // 2, width, strip_h)
            surf.blit(heat_strip(values, limit, th, strip.w, strip.h), strip)
            pygame.draw.rect(surf, th.panel_border, strip.inflate(2, 2), 1)
            if name == "fc3" and strip.w >= 10 * 34:
                for k in range(values.size):
                    cx = strip.x + (k + 0.5) * strip.w / values.size
                    tx.draw(surf, fmt(float(values[k]), 2), (cx, strip.centery), TINY, th.text, anchor="center")
            tx.draw(surf, f"max {fmt(limit, 2)}", (strip.right + 8, cy), TINY, th.muted, anchor="midleft")


class ProbsPanel(SnapshotPanel):
    """The 10 softmax probabilities as bars: the prediction in the accent colour, the true
    label's digit in green (red when the prediction is wrong)."""

    def set_snapshot(self, snap) -> None:
        th, tx = self.theme, self.text
        surf = self.static
        if snap.prediction >= 0:
            ok = snap.prediction == snap.label
            sub = f"predicted {snap.prediction}, label {snap.label} {'✓' if ok else '✗'}"
        else:
            sub = "probabilities are NaN"
        inner = frame(surf, surf.get_rect(), th, tx, "Softmax probabilities", sub)
        top_pad = tx.line(TINY) + 2
        bottom_pad = tx.line(BODY) + 2
        bar_area = pygame.Rect(inner.x, inner.y + top_pad, inner.w, inner.h - top_pad - bottom_pad)
        slot = bar_area.w / 10
        bar_w = max(4, int(slot * 0.6))
        for k in range(10):
            p = float(snap.probs[k])
            cx = bar_area.x + (k + 0.5) * slot
            h = int(bar_area.h * p) if p == p else 0
            colour = th.accent if k == snap.prediction else th.muted
            base = pygame.Rect(int(cx - bar_w / 2), bar_area.bottom - 1, bar_w, 1)
            pygame.draw.rect(surf, th.panel_border, base)
            if h > 0:
                pygame.draw.rect(surf, colour, pygame.Rect(base.x, bar_area.bottom - h, bar_w, h))
            tx.draw(surf, f"{fmt(100 * p, 0)}%" if p == p else "NaN", (cx, bar_area.bottom - h - 1), TINY,
                    th.text if k == snap.prediction else th.muted, anchor="midbottom")
            digit_colour = (th.good if k == snap.prediction else th.bad) if k == snap.label else th.text
            tx.draw(surf, str(k), (cx, bar_area.bottom + 1), BODY, digit_colour,
                    "bold" if k == snap.label else "sans", anchor="midtop")
