"""Input panel: the training picture the engine is looking at (the batch's least-sure sample),
its label and the network's prediction for it before this step's update, by class name; a
colour picture also as its three channel planes, the three inputs conv1 reads."""
from __future__ import annotations

import pygame

import numpy as np

from ...numbers import fmt_percent
from ..ui.theme import array_surface
from .widgets import SnapshotPanel, first_fitting, frame, wrap

PLANES = (("R", 0), ("G", 1), ("B", 2))


def picture(pixels: np.ndarray) -> np.ndarray:
    """uint8 [H,W,C] (C = 1 or 3) → RGB [H,W,3]."""
    return np.repeat(pixels, 3, axis=2) if pixels.shape[2] == 1 else pixels


def plane(pixels: np.ndarray, c: int) -> np.ndarray:
    """Channel c of a colour picture, shown in its own colour (red, green or blue on black)."""
    rgb = np.zeros_like(pixels)
    rgb[..., c] = pixels[..., c]
    return rgb


class InputPanel(SnapshotPanel):
    name = "input"

    def build(self, snap) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        surf = self.static
        inner = frame(surf, surf.get_rect(), th, tx, sz, "Input")
        names = snap.format.classes
        label = names[snap.label]
        if snap.prediction >= 0:
            p, guess = fmt_percent(float(snap.probs[snap.prediction])), names[snap.prediction]
            verdict = ((f"predicted {guess} ({p})", f"predicted {guess}", f"→ {guess}"), f"→ {guess}")
            colour = th.good if snap.prediction == snap.label else th.bad
        else:
            verdict, colour = (("no prediction (NaN)", "NaN"), "NaN"), th.bad
        lines = [((f"label {label}", label), f"label {label}", sz.body, th.text, "bold"),
                 (*verdict, sz.body, colour, "sans"),
                 ((f"training image #{snap.sample_index:,}", f"image #{snap.sample_index:,}",
                   f"#{snap.sample_index:,}"), None, sz.small, th.muted, "sans"),
                 ((f"the least sure of its batch of {snap.batch_size}", f"least sure of {snap.batch_size}",
                   f"of {snap.batch_size}"), None, sz.small, th.muted, "sans")]
        chosen = []
        for forms, long_form, size, c, face in lines:
            one = first_fitting(tx, forms, inner.w, size, face)
            if one is None and long_form is not None:     # a long class name: wrapped, at spaces and after hyphens
                parts = [q.replace("- ", "-") for q in wrap(tx, long_form.replace("-", "- "), inner.w, size, face)]
                if all(tx.width(q, size, face) <= inner.w for q in parts):
                    chosen += [(q, size, c, face) for q in parts]
                    continue
            if one:
                chosen.append((one, size, c, face))
        text_h = sum(tx.line(size, face) for _, size, _, face in chosen) + sz.px(6)
        pixels = snap.pixels
        h, w = pixels.shape[:2]
        colour_planes = pixels.shape[2] == 3
        planes_h = 0
        if colour_planes:           # R, G, B in a row under the picture, each with its letter
            plane_scale = max(1, (inner.w - 2 * sz.px(4)) // (3 * w))
            planes_h = h * plane_scale + tx.line(sz.small) + sz.px(6)
        scale = max(1, min(inner.w // w, (inner.h - text_h - planes_h) // h))
        img = array_surface(picture(pixels), scale)
        pos = img.get_rect(midtop=(inner.centerx, inner.y))
        surf.blit(img, pos)
        pygame.draw.rect(surf, th.panel_border, pos.inflate(2, 2), 1)
        y = pos.bottom + sz.px(6)
        if colour_planes and plane_scale * h <= inner.bottom - y - text_h:
            row_w = 3 * w * plane_scale + 2 * sz.px(4)
            x = inner.centerx - row_w // 2
            for letter, c in PLANES:
                tile = array_surface(plane(pixels, c), plane_scale)
                r = surf.blit(tile, (x, y))
                pygame.draw.rect(surf, th.panel_border, r.inflate(2, 2), 1)
                tx.draw(surf, letter, (r.centerx, r.bottom + 1), sz.small, th.muted, "bold", anchor="midtop")
                x = r.right + sz.px(4)
            y += planes_h
        for s, size, colour, face in chosen:
            if y + tx.line(size, face) > inner.bottom + sz.px(4):
                break                       # no room: say less
            r = tx.draw(surf, s, (inner.centerx, y), size, colour, face, anchor="midtop")
            y = r.bottom + 1
