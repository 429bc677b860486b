"""The network3d lesson's side panel: the input picture (grey or colour) and what the network
reads, the model, training's state, the class probabilities (every class up to MAX_BARS, else
the most likely), what the colours mean, and the selected neuron's receptive field; what does
not fit is left out, never drawn smaller."""
from __future__ import annotations

import math

import numpy as np
import pygame

from ...numbers import fmt_percent, p_equals
from .. import ui
from .pictures import picture_rgb
from ..ui.figures import PAD, panel
from ..ui.theme import array_surface

MAX_BARS = 10                   # probability bars: every class up to this many, else the most likely


def draw_side(scene, surface, frame, rect) -> None:
    """The input picture and what the network reads, the selection's receptive field, the
    colours, training's state, the model, the class probabilities: what does not fit is left
    out from the end of that list (drawn in the order the panel reads)."""
    t, tx, sz = scene.theme, scene.text, scene.sizes
    noun = scene.noun
    inner = panel(surface, rect, t, tx, sz, ui.first_fitting(tx, (f"The {noun} and the model", f"The {noun}"),
                                                             rect.w - 2 * sz.px(PAD), sz.title, "bold") or "")
    small, line = sz.small, tx.line(sz.small)
    probs = frame.probabilities
    classes = scene.format.classes
    best = int(np.argmax(probs))
    h, w = scene.format.height, scene.format.width
    thumb = max(1, min(4, round(sz.px(3)), 4 * 28 // max(h, w)))       # at most MNIST's 112 px
    label = classes[int(scene.test_labels[scene.digit])]
    facts = [ui.first_fitting(tx, (f"test image {scene.digit}, label {label}", f"image {scene.digit}, label {label}",
                                   f"label {label}"), inner.w - w * thumb - sz.px(8), small) or "",
             ui.first_fitting(tx, (f"reads {classes[best]} ({p_equals(probs[best], 0)})", f"reads {classes[best]}"),
                              inner.w - w * thumb - sz.px(8), small) or ""]
    side_by_side = all(facts)
    if not side_by_side:
        facts = [f"label {label}", f"reads {classes[best]} ({p_equals(probs[best], 0)})"]
    legend = ui.wrap_runs(tx, legend_runs(scene), inner.w, small, t.muted)
    loss = "—" if math.isnan(frame.loss) else ui.fmt(frame.loss, 3)
    status = ["training live (T stops)" if scene.live.running else "paused (T trains live)",
              ui.first_fitting(tx, (f"step {frame.step}   batch loss {loss}", f"step {frame.step}, loss {loss}"),
                               inner.w, small, "mono") or f"loss {loss}"]
    if scene.live.error is not None:
        status += ui.wrap(tx, f"training stopped: {scene.live.error}", inner.w, small)
    note = ui.wrap(tx, scene.model_note, inner.w, small)
    selection = selection_lines(scene, frame, inner.w)
    bars = bar_rows(scene, probs, inner.w)
    gap = sz.px(8)
    digit_h = h * thumb if side_by_side else h * thumb + 2 * line
    blocks = {"digit": digit_h + gap, "selection": len(selection) * line + gap, "legend": len(legend) * line + gap,
              "status": len(status) * line + gap, "note": len(note) * line + gap,
              "bars": bars["lines"] * line + gap}
    room, shown = inner.h, set()
    for name in ("digit", "selection", "legend", "status", "note", "bars"):
        if blocks[name] <= room:
            shown.add(name)
            room -= blocks[name]
    y = inner.y
    if "digit" in shown:
        surface.blit(array_surface(picture_rgb(scene.test_images[scene.digit]), thumb), (inner.x, y))
        fx, fy = (inner.x + w * thumb + sz.px(8), y) if side_by_side else (inner.x, y + h * thumb)
        tx.draw(surface, facts[0], (fx, fy), small)
        tx.draw(surface, facts[1], (fx, fy + line), small, t.accent)
        y += blocks["digit"]
    if "note" in shown:
        for part in note:
            tx.draw(surface, part, (inner.x, y), small, t.muted)
            y += line
        y += gap
    if "status" in shown:
        for k, part in enumerate(status):
            colour = (t.good if scene.live.running else t.muted) if k == 0 else t.bad if k > 1 else t.text
            tx.draw(surface, part, (inner.x, y), small, colour, "sans" if k != 1 else "mono")
            y += line
        y += gap
    if "bars" in shown:
        y = draw_bars(scene, surface, probs, bars, inner, y) + gap
    if "legend" in shown:
        for part in legend:
            tx.runs(surface, part, (inner.x, y), small)
            y += line
        y += gap
    if "selection" in shown:
        for k, part in enumerate(selection):
            tx.runs(surface, part, (inner.x, y), small)
            y += line


def legend_runs(scene) -> list:
    """What the colours mean; the input's ends (grey) or its planes (colour)."""
    t = scene.theme
    runs = [("Colours: ", None), ("orange", t.positive), (" > 0, ", None), ("blue", t.negative),
            (" < 0, grey = 0; one scale per layer (its 98th percentile of |value|). ", None)]
    if scene.format.colour:
        return runs + [("The input's three planes are its red, green and blue pixels, each from black (0) to "
                        "its full colour (255); the network reads them standardised.", None)]
    return runs + [(f"The input is standardised: black {ui.fmt(scene.black, 3)}, ink up to "
                    f"{ui.fmt(scene.white, 3)}.", None)]


def bar_rows(scene, probs, width: int) -> dict:
    """The probability bars' plan: which classes (every one up to MAX_BARS, else the most
    likely), the labels' face and width, and whether a label sits on its own line above its
    bar (when a class name leaves the bar less than a quarter of the width)."""
    tx, sz = scene.text, scene.sizes
    classes = scene.format.classes
    n = len(classes)
    order = list(range(n)) if n <= MAX_BARS else [int(i) for i in np.argsort(-probs, kind="stable")[:MAX_BARS]]
    face = "mono" if scene.noun == "digit" else "sans"
    pct_w = max(tx.width(fmt_percent(p, 0), sz.small, "mono") for p in probs) + sz.px(6)
    label_w = max(tx.width(classes[d], sz.small, face) for d in order) + sz.px(8)
    above = label_w + pct_w + width // 4 > width
    lines = len(order) * (2 if above else 1) + (1 if n > MAX_BARS else 0)
    return {"order": order, "face": face, "pct_w": pct_w, "label_w": 0 if above else label_w, "above": above,
            "lines": lines}


def draw_bars(scene, surface, probs, plan: dict, inner, y: int) -> int:
    """The probabilities of this frame, one bar per class of plan["order"]; returns the y below."""
    t, tx, sz = scene.theme, scene.text, scene.sizes
    small, line = sz.small, tx.line(sz.small)
    classes = scene.format.classes
    best = int(np.argmax(probs))
    if len(classes) > MAX_BARS:
        tx.draw(surface, f"the {MAX_BARS} most likely of {len(classes)} classes", (inner.x, y), small, t.muted)
        y += line
    bar_w = inner.w - plan["label_w"] - plan["pct_w"]
    for d in plan["order"]:
        colour = t.accent if d == best else t.negative
        tx.draw(surface, classes[d], (inner.x, y), small, face=plan["face"])
        if plan["above"]:
            y += line
        bar = pygame.Rect(inner.x + plan["label_w"], y + line // 4, bar_w, line // 2)
        pygame.draw.rect(surface, t.background, bar)
        pygame.draw.rect(surface, colour, (bar.x, bar.y, round(bar_w * float(probs[d])), bar.h))
        tx.draw(surface, fmt_percent(probs[d], 0), (inner.right, y), small, t.muted, "mono", "topright")
        y += line
    return y


def selection_lines(scene, frame, width: int) -> list[list]:
    """The selected neuron's value and, for each layer below, the block it depends on (as runs
    of one line each); or the prompt to click one."""
    t, tx, sz = scene.theme, scene.text, scene.sizes
    small = sz.small
    if not scene.selected:
        return [[(s, t.muted)] for s in ui.wrap(tx, "Click a neuron to see its receptive field.", width, small)]
    name, c, r, k = scene.selected
    value = frame.volumes[name][c, r, k]
    C, H, W = scene.shown.shapes[name]
    where = f"[{c}, {r}, {k}]" if H > 1 else f"[{c}]"
    lines = [[(f"{name}{where} = {ui.fmt(float(value), 3)}", t.accent, "bold")]]
    lines += [[(s, t.muted)] for s in ui.wrap(tx, "depends on, in each layer below:", width, small)]
    for below, reg in scene.fields.items():
        Cb, Hb, Wb = scene.shown.shapes[below]
        if Hb == 1:
            forms = (f"{below}: all {Cb} neurons", f"{below}: all {Cb}")
        else:
            maps = "channels" if below == "input" else "maps"
            chans = "" if Cb == 1 else f"all {Cb} {maps}, " if reg.c1 - reg.c0 == Cb else f"map {reg.c0}, "
            block = f"{reg.r1 - reg.r0}×{reg.k1 - reg.k0} at ({reg.r0}, {reg.k0})"
            forms = (f"{below}: {chans}{block}", f"{below}: {block}")
        text = ui.first_fitting(tx, forms, width, small) or forms[-1]
        lines += [[(s, None)] for s in ui.wrap(tx, text, width, small)]
    return lines
