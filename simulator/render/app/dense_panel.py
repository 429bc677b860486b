"""Dense part: the flattened vector, every fully connected layer's output (after its
activation; one-sided after ReLU) and the logits as heat strips, up to MAX_DENSE layers (the
logits always; beyond, it says how many are not shown), and the 10 softmax probabilities as bars."""
from __future__ import annotations

import pygame

from .layers import ACT_NAMES, MAX_DENSE, dense_rows, display_name, flat_source, more, scale_of
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
    """The 10 softmax probabilities as bars: the prediction in the accent colour, the true
    label's digit in green (red when the prediction is wrong)."""
    name = "probs"

    def build(self, snap) -> None:
        th, tx, sz = self.theme, self.text, self.sizes
        surf = self.static
        if snap.prediction >= 0:
            ok = snap.prediction == snap.label
            subs = (f"predicted {snap.prediction}, label {snap.label} {'✓' if ok else '✗'}",
                    f"{snap.prediction} vs {snap.label} {'✓' if ok else '✗'}")
        else:
            subs = ("probabilities are NaN", "NaN")
        inner = frame(surf, surf.get_rect(), th, tx, sz, "Softmax", subs)
        top_pad = tx.line(sz.small) + 2
        bottom_pad = tx.line(sz.body) + 2
        bar_area = pygame.Rect(inner.x, inner.y + top_pad, inner.w, inner.h - top_pad - bottom_pad)
        slot = bar_area.w / 10
        bar_w = max(4, int(slot * 0.6))
        # percentages over the bars only when ten of them fit side by side
        show_pct = max(tx.width(f"{fmt(100 * float(p), 0)}%", sz.small) for p in snap.probs) <= slot - 2
        for k in range(10):
            p = float(snap.probs[k])
            cx = bar_area.x + (k + 0.5) * slot
            h = int(bar_area.h * p) if p == p else 0
            colour = th.accent if k == snap.prediction else th.muted
            base = pygame.Rect(int(cx - bar_w / 2), bar_area.bottom - 1, bar_w, 1)
            pygame.draw.rect(surf, th.panel_border, base)
            if h > 0:
                pygame.draw.rect(surf, colour, pygame.Rect(base.x, bar_area.bottom - h, bar_w, h))
            if show_pct or k == snap.prediction:
                label = f"{fmt(100 * p, 0)}%" if p == p else "NaN"
                x = min(max(cx, bar_area.x + tx.width(label, sz.small) / 2), bar_area.right - tx.width(label, sz.small) / 2)
                tx.draw(surf, label, (x, bar_area.bottom - h - 1), sz.small,
                        th.text if k == snap.prediction else th.muted, anchor="midbottom")
            digit_colour = (th.good if k == snap.prediction else th.bad) if k == snap.label else th.text
            tx.draw(surf, str(k), (cx, bar_area.bottom + 1), sz.body, digit_colour,
                    "bold" if k == snap.label else "sans", anchor="midtop")
