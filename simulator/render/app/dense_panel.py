"""Dense part: the flattened vector, every fully connected layer's output (after its
activation; one-sided after ReLU) and the logits as heat strips, up to MAX_DENSE layers (the
logits always; beyond, it says how many are not shown), and the 10 softmax probabilities as bars."""
from __future__ import annotations

import pygame

from .layers import ACT_NAMES, MAX_DENSE, dense_rows, display_name, flat_source, more, scale_of
from ...engine.dataformat import MAX_SHOWN, shown_classes
from ...numbers import fmt_percent
from .. import ui
from .widgets import SnapshotPanel, first_fitting, fmt, frame, heat_strip


class DensePanel(SnapshotPanel):
    name = "dense"

    def build(self, snap) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        surf = self.static
        arch = snap.arch
        inner = frame(surf, surf.get_rect(), th, tx, sz, "Dense layers",
                      ("the vector each layer hands to the next", "each layer's output vector"))
        n_flat = snap.acts["flat"].size
        src, shape = flat_source(arch)
        flat_sided = (scale_of(arch, src) or ("", False))[1]
        rows = [("flatten", (f"{display_name(arch, src)} {'×'.join(map(str, shape))} → {n_flat}", f"→ {n_flat}"),
                 snap.acts["flat"], snap.limits["flat"], flat_sided)]
        dense = dense_rows(arch)
        hidden = max(0, len(dense) - MAX_DENSE)
        shown = dense[:MAX_DENSE - 1] + dense[-1:] if hidden else dense
        for d in shown:
            act = f", {ACT_NAMES.get(d.act, d.act)}" if d.act else ""
            what = " logits" if d.logits else act
            rows.append((d.label, (f"{d.inputs} → {d.outputs}{what}", f"→ {d.outputs}"), snap.acts[d.tensor],
                         snap.limits[d.limit], d.act == "relu"))
        note = more(hidden, "dense layer") + f" (the network has {len(dense)}; the last is the logits)" \
            if hidden else None
        if note:
            tx.draw(surf, first_fitting(tx, (note, more(hidden, "dense layer")), inner.w, sz.small) or "",
                    (inner.x, inner.bottom), sz.small, th.accent, anchor="bottomleft")
            inner.h -= tx.line(sz.small)
        row_h = inner.h // len(rows)
        name_w = max(tx.width(r[0], sz.small, "bold") for r in rows) + sz.px(6)
        def scale(limit, one_sided):       # the strip's colour scale, in words
            return f"0 … {fmt(limit, 2)}" if one_sided else f"±{fmt(limit, 2)}"

        value_w = max(tx.width(scale(r[3], r[4]), sz.small) for r in rows) + sz.px(8)
        desc_room = int(inner.w * 0.30)
        descs = [first_fitting(tx, r[1], desc_room, sz.small) for r in rows]
        desc_w = max((tx.width(d, sz.small) for d in descs if d), default=0) + sz.px(8)
        full_w = inner.w - name_w - desc_w - value_w
        strip_h = max(4, min(sz.px(24), row_h - sz.px(4)))
        for i, ((name, _, values, limit, one_sided), desc) in enumerate(zip(rows, descs)):
            cy = inner.y + i * row_h + row_h // 2
            tx.draw(surf, name, (inner.x, cy), sz.small, th.text, "bold", anchor="midleft")
            if desc:
                tx.draw(surf, desc, (inner.x + name_w, cy), sz.small, th.muted, anchor="midleft")
            # cells are at least 3 px wide, so short vectors are drawn shorter, not smeared
            cell = max(1, full_w // values.size)
            width = full_w if values.size * 3 > full_w else min(full_w, cell * values.size)
            strip = pygame.Rect(inner.x + name_w + desc_w, cy - strip_h // 2, width, strip_h)
            surf.blit(heat_strip(values, limit, th, strip.w, strip.h, one_sided), strip)
            pygame.draw.rect(surf, th.panel_border, strip.inflate(2, 2), 1)
            if values is snap.acts["logits"]:          # the logits written in their cells when they fit
                texts = [fmt(float(v), 1) for v in values]
                slot = strip.w / values.size
                if strip_h >= tx.height(sz.small) and max(tx.width(t, sz.small) for t in texts) <= slot - 8:
                    for k, t in enumerate(texts):
                        tx.draw(surf, t, (strip.x + (k + 0.5) * slot, strip.centery), sz.small, th.text,
                                anchor="center")
            tx.draw(surf, scale(limit, one_sided), (strip.right + sz.px(6), cy), sz.small, th.muted, anchor="midleft")


class ProbsPanel(SnapshotPanel):
    """Softmax: each class's logit z and probability p = e^z / Σ e^z, written so the sum can be
    redone by hand (z to 2 decimals, p never rounded to 0% or 100% when it is neither), with a
    bar for p: the prediction in the accent colour, the label's digit green (red when the
    prediction is wrong). A wide, short panel puts the classes side by side; a tall, narrow
    one (the compact layout) lists them one per row. With more than 10 classes it shows the
    label's and the most probable others, and writes what the rest add up to."""
    name = "probs"

    def build(self, snap) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        surf = self.static
        names = snap.format.classes
        if snap.prediction >= 0:
            ok = "✓" if snap.prediction == snap.label else "✗"
            guess, label = names[snap.prediction], names[snap.label]
            subs = (f"p = e^z / Σ e^z · predicted {guess}, label {label} {ok}",
                    f"predicted {guess}, label {label} {ok}", f"{guess} vs {label} {ok}", ok)
        else:
            subs = ("probabilities are NaN", "NaN")
        frame_inner = frame(surf, surf.get_rect(), th, tx, sz, "Softmax", subs)
        named = any(len(n) > 1 for n in snap.format.classes)        # class names, not digits
        for most in range(MAX_SHOWN, 1, -1):     # fewer classes where even their numbers do not fit
            rows = self._rows(snap, most)
            rest = self._rest(snap, rows, frame_inner.w)
            inner = frame_inner if not rest else pygame.Rect(
                frame_inner.x, frame_inner.y, frame_inner.w, frame_inner.h - tx.line(sz.small) - sz.px(4))
            blocks = self.row_blocks(inner, rows)
            as_rows = blocks == 1 and inner.w < 2.2 * inner.h or named and blocks
            if as_rows or self._columns_fit(inner, rows):
                break
        if rest:                            # the classes not shown, in one line under the rest
            tx.draw(surf, rest, (inner.x, frame_inner.bottom), sz.small, th.muted, anchor="bottomleft")
        if as_rows:
            self._as_rows(surf, inner, snap, rows, blocks)
        else:
            self._as_columns(surf, inner, snap, rows)

    @staticmethod
    def _rows(snap, most: int = MAX_SHOWN):
        """(class index, z text, p, p text) for each class shown (dataformat.shown_classes: all
        of them up to `most`, else the label's and the most probable), from the snapshot."""
        logits = snap.acts["logits"]
        return [(k, fmt(float(logits[k]), 2), float(snap.probs[k]), fmt_percent(float(snap.probs[k])))
                for k in shown_classes(snap.probs, snap.label, most)]

    def _columns_fit(self, inner, rows) -> bool:
        """Do the classes' numbers fit side by side, each under its bar?"""
        slot = inner.w / len(rows)
        return max(self.text.width(str(k), self.sizes.body) for k, *_ in rows) <= slot - 2 * ui.check.MIN_GAP

    def _rest(self, snap, rows, width: int) -> str:
        """What the classes not shown add up to ('' when every class is shown)."""
        n = len(snap.probs) - len(rows)
        if n == 0:
            return ""
        p = max(0.0, 1.0 - sum(p for _, _, p, _ in rows))
        return first_fitting(self.text, (f"shown: the label and the {len(rows) - 1} most likely; the other {n} "
                                         f"classes: p = {fmt_percent(p)} together",
                                         f"the label and the {len(rows) - 1} most likely shown; other {n}: "
                                         f"p = {fmt_percent(p)}",
                                         f"the other {n} classes: p = {fmt_percent(p)} together",
                                         f"other {n}: {fmt_percent(p)}"), width, self.sizes.small)

    def _names(self, snap, rows, room: int, size: int, face: str = "sans") -> dict[int, str]:
        """The shown classes' names where every one fits `room`, else their class numbers."""
        names = {k: snap.format.classes[k] for k, *_ in rows}
        fits = max(self.text.width(n, size, face) for n in names.values()) <= room
        return names if fits else {k: str(k) for k in names}

    def _colours(self, snap, k):
        th = self.theme
        bar = th.accent if k == snap.prediction else th.muted
        digit = (th.good if k == snap.prediction else th.bad) if k == snap.label else th.text
        return bar, digit

    def row_blocks(self, inner, rows) -> int:
        """How many side-by-side blocks of rows the classes need to fit inner's height (a header
        line each) with each block wide enough for a class number, z and p; 0: none fits."""
        tx, sz = self.text, self.sizes
        line = tx.line(sz.small)
        least = (max(tx.width(str(k), sz.small, "bold") for k, *_ in rows) + 3 * sz.px(8)
                 + max(tx.width(z, sz.small) for _, z, _, _ in rows) + max(tx.width(pt, sz.small) for *_, pt in rows))
        for blocks in range(1, 4):
            if inner.h >= (-(-len(rows) // blocks) + 1) * line and (inner.w - (blocks - 1) * 2 * sz.px(8)) // blocks >= least:
                return blocks
        return 0

    def _as_rows(self, surf, inner, snap, rows, blocks: int = 1) -> None:
        """One row per class: name, z, a bar for p, p; in `blocks` side-by-side blocks."""
        th, tx, sz = self.theme, self.text, self.sizes
        per = -(-len(rows) // blocks)
        gap = sz.px(8)
        width = (inner.w - (blocks - 1) * 2 * gap) // blocks
        line = max(tx.line(sz.small), (inner.h - tx.line(sz.small)) // (per + 1))
        w_z = max(tx.width(z, sz.small) for _, z, _, _ in rows + [(0, "z", 0, "")])
        w_p = max(tx.width(pt, sz.small) for *_, pt in rows + [(0, "", 0, "p")])
        # the names where they fit beside z and p, else the class numbers (the subtitle names the two that matter)
        names = self._names(snap, rows, width - w_z - w_p - 3 * gap, sz.small, "bold")
        w_digit = max(tx.width(n, sz.small, "bold") for n in names.values())
        for b in range(blocks):
            x0 = inner.x + b * (width + 2 * gap)
            right = x0 + width
            x_z = x0 + w_digit + gap + w_z                         # z right-aligned here
            bar_x, bar_w = x_z + gap, right - w_p - 2 * gap - x_z
            y = inner.y
            tx.draw(surf, "z", (x_z, y), sz.small, th.muted, anchor="topright")
            tx.draw(surf, "p", (right, y), sz.small, th.muted, anchor="topright")
            for k, z, p, pt in rows[b * per:(b + 1) * per]:
                y += line
                cy = y + line // 2
                bar, digit = self._colours(snap, k)
                tx.draw(surf, names[k], (x0, cy), sz.small, digit, "bold" if k == snap.label else "sans",
                        anchor="midleft")
                tx.draw(surf, z, (x_z, cy), sz.small, th.text, anchor="midright")
                if bar_w > 4:
                    track = pygame.Rect(bar_x, cy - line // 4, bar_w, max(2, line // 2))
                    pygame.draw.rect(surf, th.panel_border, track, 1)
                    if p == p and p > 0:
                        pygame.draw.rect(surf, bar, (track.x, track.y, max(1, round(track.w * p)), track.h))
                tx.draw(surf, pt, (right, cy), sz.small, th.text if k == snap.prediction else th.muted,
                        anchor="midright")

    def _as_columns(self, surf, inner, snap, rows) -> None:
        """The classes side by side: p over its bar, the digit, z under it; where ten p's or z's
        do not fit side by side, the prediction's and the label's are written (with the others
        in the rows layout of a taller window)."""
        th, tx, sz = self.theme, self.text, self.sizes
        slot = inner.w / len(rows)
        line = tx.line(sz.small)
        top_pad, bottom_pad = line + 2, tx.line(sz.body) + line + 2
        bar_area = pygame.Rect(inner.x, inner.y + top_pad, inner.w, inner.h - top_pad - bottom_pad)
        bar_w = max(4, int(slot * 0.6))
        apart = 2 * ui.check.MIN_GAP                 # neighbours must not read as one number
        show_p = max(tx.width(pt, sz.small) for *_, pt in rows) <= slot - apart
        names = self._names(snap, rows, int(slot) - apart, sz.body)
        show_z = max(tx.width(z, sz.small) for _, z, _, _ in rows) <= slot - apart
        for i, (k, z, p, pt) in enumerate(rows):
            cx = bar_area.x + (i + 0.5) * slot
            h = int(bar_area.h * p) if p == p else 0
            bar, digit = self._colours(snap, k)
            base = pygame.Rect(int(cx - bar_w / 2), bar_area.bottom - 1, bar_w, 1)
            pygame.draw.rect(surf, th.panel_border, base)
            if h > 0:
                pygame.draw.rect(surf, bar, pygame.Rect(base.x, bar_area.bottom - h, bar_w, h))
            named = k in (snap.prediction, snap.label)
            if show_p or k == snap.prediction:
                x = min(max(cx, bar_area.x + tx.width(pt, sz.small) / 2), bar_area.right - tx.width(pt, sz.small) / 2)
                tx.draw(surf, pt, (x, bar_area.bottom - h - 1), sz.small,
                        th.text if k == snap.prediction else th.muted, anchor="midbottom")
            r = tx.draw(surf, names[k], (cx, bar_area.bottom + 1), sz.body, digit,
                        "bold" if k == snap.label else "sans", anchor="midtop")
            if show_z or (named and not show_z and len({snap.prediction, snap.label}) == 1):
                zt = z if show_z else f"z {z}"
                x = min(max(cx, bar_area.x + tx.width(zt, sz.small) / 2), bar_area.right - tx.width(zt, sz.small) / 2)
                tx.draw(surf, zt, (x, r.bottom), sz.small, th.muted, anchor="midtop")
