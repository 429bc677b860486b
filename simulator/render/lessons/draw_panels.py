"""The draw lesson's panels beside the pad and the prediction: the model and its logits, the
drawing prepared like MNIST, and the activations of every layer (packed as large as fits, a
larger map never drawn smaller, a dense layer's area proportional to its neurons). Each takes
the DrawScene it shows; drawing only, the numbers are the scene's (the engine's)."""
from __future__ import annotations

import math

import numpy as np
import pygame

from ...engine.data import MEAN, STD
from ...engine.lessons import draw as draw_math
from ...numbers import fmt_percent
from .. import ui
from ..ui.figures import PAD as PANEL_PAD, panel, progress_bar
from ..ui.theme import array_surface, gray_rgb

DENSE_COLUMNS = 12        # a dense layer of C neurons: C/12 rows of 12, so its area is proportional to C
OVERCONFIDENCE = ("Softmax shares p = 1 among the 10 digits, whatever is drawn: a square (S) still gets a "
                  "digit, often with a high p. There is no 'not a digit' answer.")


def model_panel(scene, surface, rect) -> None:
    t, tx, sz = scene.theme, scene.text, scene.sizes
    inner = panel(surface, rect, t, tx, sz, "The model")
    small, line = sz.small, tx.line(sz.small)
    y = inner.y
    for part in ui.wrap(tx, scene.model_note, inner.w, small):
        tx.draw(surface, part, (inner.x, y), small, t.muted)
        y += line
    if scene.job.error is not None:
        for part in ui.wrap(tx, f"training failed: {scene.job.error}", inner.w, small):
            tx.draw(surface, part, (inner.x, y), small, t.bad)
            y += line
    elif not scene.ready:
        done, total, _ = scene.job.progress
        y += line + sz.px(4)
        label = ui.first_fitting(tx, (f"training once, then cached: {done}/{total}", f"training: {done}/{total}"),
                                 inner.w, small) or f"{done}/{total}"
        progress_bar(surface, t, tx, sz, (inner.x, y, inner.w, sz.px(14)), done / total, label)
        y += sz.px(14) + sz.px(4)
        tx.draw(surface, "you can draw meanwhile", (inner.x, y), small, t.muted)
        y += line
    elif scene.job.result and scene.job.result[1] is not None:
        for part in ui.wrap(tx, f"test accuracy {fmt_percent(scene.job.result[1])} (1,000 images)", inner.w, small):
            tx.draw(surface, part, (inner.x, y), small, t.good)
            y += line
    if scene.outputs is None:
        return
    y += sz.px(8)
    logits = scene.outputs["logits"][0]
    head = ui.first_fitting(tx, ("logits z (the last layer), softmax p = e^z / Σ e^z:", "logits z, p = e^z / Σ e^z:",
                                 "logits z:"), inner.w, small)
    entries = [f"{k}: {ui.fmt(float(logits[k]), 1)}" for k in range(len(logits))]
    per_line = max(1, int((inner.w + tx.width("  ", small, "mono")) //
                          (max(tx.width(e, small, "mono") for e in entries) + tx.width("  ", small, "mono"))))
    logit_lines = ["  ".join(entries[i:i + per_line]) for i in range(0, len(entries), per_line)]
    logits_h = (1 + len(logit_lines)) * line if head else 0
    note = ui.wrap(tx, OVERCONFIDENCE, inner.w, small)
    if y + len(note) * line <= inner.bottom:               # the note first, the logits if there is room
        for part in note:
            tx.draw(surface, part, (inner.x, y), small, t.accent)
            y += line
        y += sz.px(8)
    if head and y + logits_h <= inner.bottom:
        tx.draw(surface, head, (inner.x, y), small, t.muted)
        y += line
        for part in logit_lines:
            tx.draw(surface, part, (inner.x, y), small, face="mono")
            y += line


def prepared_panel(scene, surface, rect) -> None:
    t, tx, sz = scene.theme, scene.text, scene.sizes
    inner = panel(surface, rect, t, tx, sz, "Prepared like MNIST")
    small, line = sz.small, tx.line(sz.small)
    p = scene.prepared
    steps = ["1  crop to the ink's bounding box",
             f"2  scale its longer side to {draw_math.BOX}\u00a0px",       # a no-break space: "20 px" on one line
             f"3  centre of mass to the centre of {draw_math.FIELD}×{draw_math.FIELD}",
             f"4  standardise: (x − {MEAN}) / {STD}"]
    if p is None:
        y = inner.y
        for s in steps:
            for part in ui.wrap(tx, s, inner.w, small):
                if y + line > inner.bottom:
                    return
                tx.draw(surface, part, (inner.x, y), small, t.muted)
                y += line
        return
    gap = sz.px(16)
    com = f"({ui.fmt(p.centre_of_mass[0], 1)}, {ui.fmt(p.centre_of_mass[1], 1)})"
    span = f"{ui.fmt(float(p.x.min()), 3)} … {ui.fmt(float(p.x.max()), 3)}"
    facts = [ui.first_fitting(tx, forms, inner.w, small) or forms[-1]
             for forms in ((f"centre of mass {com}", f"centre {com}", com),
                           (f"standardised: {span}", f"x: {span}", span))]
    fact_h = len(facts) * line
    room = inner.h - line - fact_h - sz.px(8)
    s = max(1, min((inner.w - gap) // (draw_math.BOX + draw_math.FIELD), room // draw_math.FIELD))
    y = inner.y + line
    box = pygame.Rect(inner.x, y, draw_math.BOX * s, draw_math.BOX * s)
    pygame.draw.rect(surface, t.background, box)
    surface.blit(array_surface(gray_rgb(p.scaled, 0, 1), s), box.topleft)
    pygame.draw.rect(surface, t.panel_border, box, 1)
    h, w = p.scaled.shape
    label = ui.first_fitting(tx, (f"scaled {w}×{h}", f"{w}×{h}"), box.w + gap - sz.px(6), small) or ""
    tx.draw(surface, label, (box.x, box.y - sz.px(2)), small, t.muted, anchor="bottomleft")
    field = pygame.Rect(box.right + gap, y, draw_math.FIELD * s, draw_math.FIELD * s)
    surface.blit(array_surface(gray_rgb(p.image, 0, 1), s), field.topleft)
    pygame.draw.rect(surface, t.panel_border, field, 1)
    cy, cx = p.centre_of_mass
    px, py = field.left + (cx + 0.5) * s, field.top + (cy + 0.5) * s
    arm = max(4, s + 2)
    pygame.draw.line(surface, t.accent, (px - arm, py), (px + arm, py), 2)
    pygame.draw.line(surface, t.accent, (px, py - arm), (px, py + arm), 2)
    label = ui.first_fitting(tx, (f"{draw_math.FIELD}×{draw_math.FIELD}, centred", f"{draw_math.FIELD}×{draw_math.FIELD}"),
                             field.w, small) or ""
    tx.draw(surface, label, (field.x, field.y - sz.px(2)), small, t.muted, anchor="bottomleft")
    y = max(box.bottom, field.bottom) + sz.px(6)
    for f in facts:
        tx.draw(surface, f, (inner.x, y), small)
        y += line
    y += sz.px(4)
    lines = [part for s in steps for part in ui.wrap(tx, s, inner.w, small)]
    if y + len(lines) * line <= inner.bottom:
        for part in lines:
            tx.draw(surface, part, (inner.x, y), small, t.muted)
            y += line


def layer_groups(scene) -> list[tuple[str, str, np.ndarray]]:
    """(name, caption, values [C,H,W]) of every layer drawn, input and logits left out."""
    shown = scene.shown
    return [(name, shown.captions[name], np.asarray(scene.outputs[name][0]).reshape(shape))
            for name, shape in shown.volumes if name not in ("input", "logits")]


def layers_panel(scene, surface, rect) -> None:
    t, tx, sz = scene.theme, scene.text, scene.sizes
    legend = ("orange > 0, blue < 0, grey 0; each layer on its own scale", "orange > 0, grey 0, own scale each",
              "each on its own scale")
    title = ui.first_fitting(tx, ("Activations of every layer", "Activations"), rect.w - 2 * sz.px(PANEL_PAD),
                             sz.title, "bold") or ""
    inner = panel(surface, rect, t, tx, sz, title, subtitles=legend)
    if scene.outputs is None:
        return
    groups = layer_groups(scene)
    key = (tuple(inner), tuple(v.shape for _, _, v in groups), sz)
    if scene._packed[0] != key:                           # the largest maps at which every layer fits
        places = next((p for p in (pack(scene, groups, base, inner) for base in range(max(8, inner.h), 3, -2))
                       if p is not None), None)
        scene._packed = (key, places or pack(scene, groups, 4, inner, force=True))
    places = scene._packed[1]
    for (name, caption, values), (x, y, side, cols, label) in zip(groups, places):
        after_relu = bool(values.min() >= 0)             # nothing negative: a one-sided scale
        lim = float(np.abs(values).max()) or 1.0
        C, H, W = values.shape
        if label:
            tx.draw(surface, label, (x, y), sz.small, t.muted)
        y += tx.line(sz.small)
        if H == 1 and W == 1:                            # dense: rows of DENSE_COLUMNS, area ∝ C
            flat = np.full(math.ceil(C / DENSE_COLUMNS) * DENSE_COLUMNS, np.nan)
            flat[:C] = values.ravel()
            grid = flat.reshape(-1, DENSE_COLUMNS)
            tile = ui.heat_tile(np.nan_to_num(grid), lim, t, 1, one_sided=after_relu)
            size = (DENSE_COLUMNS * side, grid.shape[0] * side)
            r = surface.blit(pygame.transform.scale(tile, size), (x, y))
            missing = grid.size - C                      # the unused cells of the last row: background
            if missing:
                pygame.draw.rect(surface, t.panel, (r.right - missing * side, r.bottom - side, missing * side, side))
            pygame.draw.rect(surface, t.panel_border, r.inflate(2, 2), 1)
            continue
        gap = max(2, sz.px(3))
        for k in range(C):
            r_, c_ = divmod(k, cols)
            tile = ui.heat_tile(values[k], lim, t, 1, one_sided=after_relu)
            pos = (x + c_ * (side + gap), y + r_ * (side + gap))
            r = surface.blit(pygame.transform.scale(tile, (side, side * H // W)), pos)
            pygame.draw.rect(surface, t.panel_border, r.inflate(2, 2), 1)


def pack(scene, groups, base: int, inner: pygame.Rect, force: bool = False):
    """Place the layers left to right, wrapping, with a map of side n drawn base·√(n/28) pixels
    (so a larger map is never drawn smaller); None if they do not fit in inner."""
    tx, sz = scene.text, scene.sizes
    gap, group_gap = max(2, sz.px(3)), sz.px(14)
    x, y, row_h, places = inner.x, inner.y, 0, []
    for name, caption, values in groups:
        C, H, W = values.shape
        if H == 1 and W == 1:
            side = max(1, round(base * math.sqrt(1 / 28)))
            width, height = DENSE_COLUMNS * side, math.ceil(C / DENSE_COLUMNS) * side
        else:
            side = max(2, round(base * math.sqrt(W / 28)))
            cols = C if C <= 8 else math.ceil(C / 2)
            cols = min(cols, max(1, (inner.w + gap) // (side + gap)))
            rows = math.ceil(C / cols)
            width, height = cols * (side + gap) - gap, rows * (side * H // W + gap) - gap
        label = ui.first_fitting(tx, (caption, caption.split(" ")[0], name), max(width, 1) + group_gap - sz.px(6),
                                 sz.small)
        height += tx.line(sz.small)
        if x > inner.x and x + width > inner.right:
            x, y, row_h = inner.x, y + row_h + sz.px(6), 0
        if (x + width > inner.right or y + height > inner.bottom) and not force:
            return None
        places.append((x, y, side, cols if not (H == 1 and W == 1) else DENSE_COLUMNS, label))
        x += width + group_gap
        row_h = max(row_h, height)
    return places
