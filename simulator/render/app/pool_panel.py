"""Pooling panel: a block of k×k windows (stride s) of the selected channel, forward then
backward, one window at a time.

Forward: the window's k² values and its result written out, max(a, b, c, d) or
(a + b + c + d)/4; a window whose maximum is shared (a tie) or is 0 is named as such. Backward:
each ∂L/∂y arrives and is routed to its window's argmax (average: 1/k² to each cell), and ∂L/∂x
fills in window by window as it is routed (where windows overlap, s < k, a cell shows the
engine's total over every window that reads it). The engine picks the block with the most
windows that have a strict, non-zero maximum. Numbers are the Snapshot's PoolTrace (x, y,
argmax, dy, dx), indexed, never recomputed. A conv layer without pooling after it is said in
words instead.
"""
from __future__ import annotations

from dataclasses import replace

import pygame

from .layers import block_of, blocks
from .widgets import (CHECK, Sizes, Text, first_fitting, fmt, fmt_cell, frame, heat_tile, inner_rect,
                      outline, power_of_ten, ten_to, wrap)

PHASE_SECONDS = 4.0
PHASES = ("forward", "backward")
WORDS = {3: "three", 4: "four", 8: "eight", 9: "nine"}
POOL_TITLE = {"max": "Max", "avg": "Average"}


def _count(n: int) -> str:
    return WORDS.get(n, str(n))


class PoolPanel:
    name = "pool"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.sizes = Sizes.for_window((1280, 800), theme)
        self.trace = None
        self.snapshot = None
        self.block = None            # the selected conv layer's block (arch-derived)
        self.note: pygame.Surface | None = None     # drawn instead when there is no 2×2 pooling to show
        self.surfaces: dict[str, pygame.Surface] = {}
        self.built: dict[str, object] = {}   # phase → the trace its surface shows
        self.phase_start = 0.0
        self.shown: dict = {}        # what the backward grid displays (tests read it)
        self.head = ""               # the arithmetic line of the current window, as drawn
        self.base = None             # the snapshot's trace (its crop chosen by the engine)
        self.forced = None           # presenter mode: (phase, window index in the crop)
        self._records: dict = {}     # phase → the texts its surface holds (for the layout check)

    def layout(self, rect: pygame.Rect, sizes: Sizes) -> None:
        self.rect, self.sizes = rect, sizes
        self.surfaces = {p: pygame.Surface(rect.size) for p in PHASES}
        self.built = {}
        self._geom_key = None

    # --- geometry ----------------------------------------------------------------------
    def _geometry(self, tr) -> None:
        key = (tr.crop, tr.x.shape, self.rect.size)
        if key == self._geom_key:
            return
        self._geom_key = key
        tx, sz = self.text, self.sizes
        inner = inner_rect(pygame.Rect((0, 0), self.rect.size), tx, sz)
        self.inner = inner
        line = tx.line(sz.small)
        self.head_y = inner.y
        top = inner.y + tx.line(sz.body) + sz.px(4)
        avail_h = inner.bottom - top - line - 2
        gap = sz.px(36)
        # the most windows (3×3, else 2×2) at two decimals, else one decimal; n windows a side
        # read side = (n − 1)·s + k input cells
        k, s = tr.size, tr.stride
        for n, digits in ((tr.crop[2], 2), (2, 2), (2, 1), (1, 1)):
            n = min(n, tr.crop[2])
            side = (n - 1) * s + k
            cw = tx.width("−0.00" if digits == 2 else "−0.0", sz.small) + sz.px(8)
            ch = max(tx.height(sz.small) + sz.px(4), min(cw, avail_h // side))
            if (side + n) * cw + gap <= inner.w and side * ch <= avail_h:
                break
        self.n, self.side, self.digits, self.cw, self.ch = n, side, digits, cw, ch
        grid_w, grid_h = side * cw, side * ch
        mini = min(grid_h, inner.w - grid_w - n * cw - 2 * gap)
        self.mini_scale = mini // tr.x.shape[0] if mini >= tr.x.shape[0] * 2 else 0     # no room: left out
        mini = tr.x.shape[0] * self.mini_scale
        total = (mini + gap if mini else 0) + grid_w + gap + n * cw
        x0 = inner.x + max(0, (inner.w - total) // 2)
        y0 = top + (avail_h - grid_h) // 2
        self.mini_rect = pygame.Rect(x0, y0 + (grid_h - mini) // 2, mini, mini)
        self.in_rect = pygame.Rect(x0 + (mini + gap if mini else 0), y0, grid_w, grid_h)
        self.out_rect = pygame.Rect(self.in_rect.right + gap, y0 + (grid_h - n * ch) // 2, n * cw, n * ch)
        self.label_y = self.in_rect.bottom + 2

    def _in_cell(self, r: int, c: int) -> pygame.Rect:
        return pygame.Rect(self.in_rect.x + c * self.cw, self.in_rect.y + r * self.ch, self.cw, self.ch)

    def _window(self, i: int, j: int) -> pygame.Rect:
        """Window (i, j) of the crop on the input grid."""
        st, k = self.trace.stride, self.trace.size
        return pygame.Rect(self.in_rect.x + st * j * self.cw, self.in_rect.y + st * i * self.ch, k * self.cw,
                           k * self.ch)

    def _out_cell(self, i: int, j: int) -> pygame.Rect:
        return pygame.Rect(self.out_rect.x + j * self.cw, self.out_rect.y + i * self.ch, self.cw, self.ch)

    # --- snapshot ----------------------------------------------------------------------
    def set_snapshot(self, snap) -> None:
        self.block = block_of(snap.arch, snap.conv.layer) if snap.conv is not None else None
        tr = snap.pool_trace
        if tr is None:
            self.snapshot, self.trace, self.base, self.forced = snap, None, None, None
            self._say(snap)
            return
        self.note = None
        self.snapshot, self.trace = snap, tr
        self.base, self.forced = tr, None
        self._geometry(self.trace)
        self.shown = self._routing(self.trace)
        self.built = {}

    def _say(self, snap) -> None:
        """No pooling to step through: the panel says what the network does instead."""
        th, tx, sz = self.theme, self.text, self.sizes
        self.note = pygame.Surface(self.rect.size)
        b = self.block
        if b is not None:
            title = "Pooling"
            lines = [f"{b.conv} has no pooling after it: its maps go on to the next layer as they are."]
            if b.stride > 1:
                lines.append(f"Its stride {b.stride} shrinks them instead: the filter jumps {b.stride} pixels "
                             f"at a time.")
            if any(other.pool for other in blocks(snap.arch)):
                lines.append("Click a map of a block that pools to see its windows here.")
        else:
            title, lines = "Pooling", ["this network has no conv layer, so nothing to pool"]
        with CHECK.scope(f"{self.name}:note", self.rect, self.rect.topleft):
            inner = frame(self.note, self.note.get_rect(), th, tx, sz, title)
            y = inner.y
            for line in lines:
                for part in wrap(tx, line, inner.w, sz.body):
                    if y + tx.line(sz.body) > inner.bottom:
                        break
                    tx.draw(self.note, part, (inner.x, y), sz.body, th.text)
                    y += tx.line(sz.body)
                y += sz.px(6)
        self._records["note"] = CHECK.scopes.pop(f"{self.name}:note").texts if CHECK.enabled else []

    def follow(self, y: int, x: int, phase: str | None) -> None:
        """Presenter mode: show the pooling window that the convolution's current output pixel
        (y, x) feeds (the one starting at or just before it), in `phase`; None goes back to the
        animation."""
        if phase is None or self.base is None:
            self.forced = None
            return
        tr, n = self.base, self.n
        OH, OW = tr.y.shape
        i, j = min(y // tr.stride, OH - 1), min(x // tr.stride, OW - 1)
        i0, j0 = min(max(0, i - n // 2), OH - n), min(max(0, j - n // 2), OW - n)
        if self.trace.crop != (i0, j0, tr.crop[2]):
            self.trace = replace(tr, crop=(i0, j0, tr.crop[2]))
            self.shown = self._routing(self.trace)
            self.built = {}
        self.forced = (phase, (i - i0) * n + (j - j0))

    def _routing(self, tr) -> dict:
        """The backward grid's content: crop in x coordinates, the cell texts, the cells marked
        as receiving the gradient, and the engine's dx values there."""
        i0, j0, _ = tr.crop
        n, side, s = self.n, self.side, tr.stride
        exp = power_of_ten(max(float(abs(tr.dy).max(initial=0)), float(abs(tr.dx).max(initial=0))))
        scale = 10.0 ** -exp
        texts, chosen = {}, set()
        for r in range(side):
            for c in range(side):
                v = float(tr.dx[s * i0 + r, s * j0 + c])
                texts[(s * i0 + r, s * j0 + c)] = fmt_cell(v * scale, self.digits) if v != 0 else "0"
        for i in range(i0, i0 + n):
            for j in range(j0, j0 + n):
                chosen.update(self._sources(tr, i, j))
        return {"crop": (s * i0, s * j0, side, side), "texts": texts, "chosen": chosen, "exponent": exp,
                "dx": tr.dx[s * i0:s * i0 + side, s * j0:s * j0 + side]}

    @staticmethod
    def _sources(tr, i: int, j: int) -> list[tuple[int, int]]:
        """The cells of x that window (i, j) routes its gradient to: its max, or all k² (average)."""
        am = tr.window_argmax(i, j)
        if am is not None:
            return [am]
        k, s = tr.size, tr.stride
        return [(s * i + p, s * j + q) for p in range(k) for q in range(k)]

    def _build(self, phase: str) -> None:
        """The phase's fixed parts: frame, whole map, grid lines, labels, and the forward values."""
        snap, tr = self.snapshot, self.trace
        th, tx, sz = self.theme, self.text, self.sizes
        surf = self.surfaces[phase]
        kind = POOL_TITLE[tr.kind]
        with CHECK.scope(f"{self.name}:{phase}", self.rect, self.rect.topleft):
            frame(surf, surf.get_rect(), th, tx, sz, f"{kind} pooling {tr.size}×{tr.size}",
                  (f"stride {tr.stride}, {tr.layer}, channel {tr.channel + 1}", f"{tr.layer}, channel {tr.channel + 1}"))
            i0, j0, _ = tr.crop
            n, forward = self.n, phase == "forward"
            exp = self.shown["exponent"]
            if self.mini_scale:
                # the feature maps' scale for this layer, so its colours mean what they mean there
                limit = snap.limits[f"stage{self.block.stage}"]
                surf.blit(heat_tile(tr.x, limit, th, self.mini_scale, self.block.one_sided), self.mini_rect)
                ms, st = self.mini_scale, tr.stride
                pygame.draw.rect(surf, th.accent, pygame.Rect(self.mini_rect.x + j0 * st * ms,
                                                              self.mini_rect.y + i0 * st * ms,
                                                              self.side * ms, self.side * ms), 1)
            st, k = tr.stride, tr.size
            for r in range(self.side):
                for c in range(self.side):
                    cell = self._in_cell(r, c)
                    pygame.draw.rect(surf, th.panel_border, cell, 1)
                    if forward:
                        xr, xc = st * i0 + r, st * j0 + c
                        chosen = (xr, xc) in self.shown["chosen"]
                        v = float(tr.x[xr, xc])
                        tx.number(surf, fmt_cell(v, self.digits), cell.center, sz.small,
                                  th.text if chosen and tr.kind == "max" else th.muted)
            for i in range(n):
                for j in range(n):
                    if st == k:           # windows side by side: each one outlined (overlapping: only the current)
                        pygame.draw.rect(surf, th.text, self._window(i, j), 1)
                    pygame.draw.rect(surf, th.text, self._out_cell(i, j), 1)
            unit = f" {ten_to(exp)}" if exp and not forward else ""
            labels = [(self.in_rect, ("pool input x", "x") if forward else (f"∂L/∂x, routed{unit}", f"∂L/∂x{unit}")),
                      (self.out_rect, ("pooled y", "y") if forward else (f"∂L/∂y{unit}", "∂L/∂y"))]
            if self.mini_scale:
                labels.insert(0, (self.mini_rect, ("whole map", "map")))
            edges = [r.x for r, _ in labels[1:]] + [self.inner.right + 4]
            for (rect, forms), right in zip(labels, edges):
                room = 2 * min(rect.centerx - max(self.inner.x, rect.x - 16), right - 4 - rect.centerx)
                t = first_fitting(tx, forms, int(room), sz.small)
                if t:
                    tx.draw(surf, t, (rect.centerx, self.label_y), sz.small, th.muted, anchor="midtop")
        self.built[phase] = tr
        self._records[phase] = CHECK.scopes.pop(f"{self.name}:{phase}").texts if CHECK.enabled else []

    # --- per frame ---------------------------------------------------------------------
    def phase(self, now: float) -> tuple[str, float]:
        t = (now - self.phase_start) % (2 * PHASE_SECONDS)
        return PHASES[int(t // PHASE_SECONDS)], t % PHASE_SECONDS

    def _frame(self, now: float) -> tuple[str, int]:
        """(phase, index of the window being computed) at time `now`."""
        if self.forced is not None:
            return self.forced
        n = self.n
        phase, t = self.phase(now)
        per = 0.85 * PHASE_SECONDS / (n * n)
        return phase, min(n * n - 1, int(t / per))

    def frame_key(self, now: float):
        """Equal keys draw identical pixels (the animation moves a few times a second)."""
        return None if self.trace is None else (id(self.trace), self.rect.topleft, *self._frame(now))

    def _head(self, phase: str, i: int, j: int) -> tuple[str, tuple]:
        """The arithmetic of window (i, j) (crop-relative), in the longest wording that fits."""
        tr = self.trace
        gi, gj = tr.crop[0] + i, tr.crop[1] + j
        vals = [fmt(float(v), 2) for v in tr.window_values(gi, gj).ravel()]
        if phase == "forward":
            y = fmt(float(tr.y[gi, gj]), 2)
            if tr.kind == "avg":
                return (f"({' + '.join(vals)})/{tr.size ** 2} = {y}", f"mean = {y}"), self.theme.text
            kind = tr.window_kind(gi, gj)
            expr = f"max({', '.join(vals)}) = {y}"
            if kind == "tie":
                return (f"{expr}: a tie, the first is taken", f"{expr} (a tie)", f"max = {y}, a tie"), self.theme.accent
            if kind == "zero":
                return (f"{expr}: all 0, a tie", "max = 0 (all 0, a tie)", "all 0"), self.theme.accent
            return (expr, f"max = {y}"), self.theme.text
        exp = self.shown["exponent"]
        dy = fmt_cell(float(tr.dy[gi, gj]) * 10.0 ** -exp, self.digits) + (ten_to(exp) if exp else "")
        if tr.kind == "avg":
            k2 = tr.size ** 2
            return (f"∂L/∂y = {dy} → {dy}/{k2} to each of the {_count(k2)}", f"{dy}/{k2} to each"), self.theme.text
        return (f"∂L/∂y = {dy} → all to the max, 0 to the other {_count(tr.size ** 2 - 1)}", f"∂L/∂y = {dy} → to the max",
                f"{dy} → the max"), self.theme.text

    def draw(self, target: pygame.Surface, now: float) -> None:
        if self.note is not None:
            target.blit(self.note, self.rect)
            with CHECK.scope(self.name, self.rect):
                for r, t, size in self._records.get("note", ()):
                    CHECK.record(r, t, size)
        if self.trace is None:
            return
        phase, k = self._frame(now)
        if self.built.get(phase) is not self.trace:
            self._build(phase)
        with CHECK.scope(self.name, self.rect):        # the phase's surface, as it is on screen
            for r, t, size in self._records.get(phase, ()):
                CHECK.record(r, t, size)
        with CHECK.scope(f"{self.name}:frame", self.rect):
            self._draw(target, phase, k)

    def _draw(self, target: pygame.Surface, phase: str, k: int) -> None:
        th, tx, sz, tr, n = self.theme, self.text, self.sizes, self.trace, self.n
        target.blit(self.surfaces[phase], self.rect)
        i0, j0, _ = tr.crop
        ox, oy = self.rect.topleft
        forward = phase == "forward"
        exp_scale = 10.0 ** -self.shown["exponent"]
        st, size = tr.stride, tr.size
        filled = set()          # input cells already written (overlapping windows share cells)
        for w in range(n * n):
            i, j = divmod(w, n)
            cell = self._out_cell(i, j).move(ox, oy)
            if w <= k:          # pooled / arriving values computed so far
                v = float(tr.y[i0 + i, j0 + j]) if forward else float(tr.dy[i0 + i, j0 + j]) * exp_scale
                tx.number(target, fmt_cell(v, self.digits), cell.center, sz.small, th.text)
            if not forward and w <= k:     # ∂L/∂x fills in as each window is routed
                for p in range(size):
                    for q in range(size):
                        xr, xc = st * (i0 + i) + p, st * (j0 + j) + q
                        if (xr, xc) in filled:
                            continue
                        filled.add((xr, xc))
                        src = self._in_cell(xr - st * i0, xc - st * j0).move(ox, oy)
                        routed = (xr, xc) in self.shown["chosen"]
                        if routed:
                            pygame.draw.rect(target, th.accent, src.inflate(-4, -4), 1)
                        tx.number(target, self.shown["texts"][(xr, xc)], src.center, sz.small,
                                  th.text if routed else th.muted)
        i, j = divmod(k, n)
        window = self._window(i, j).move(ox, oy)
        outline(target, window, th.accent, 2)
        dest = self._out_cell(i, j).move(ox, oy)
        outline(target, dest, th.accent, 2)
        for (xr, xc) in self._sources(tr, i0 + i, j0 + j):
            src = self._in_cell(xr - st * i0, xc - st * j0).move(ox, oy)
            pygame.draw.rect(target, th.accent, src, 2)
        # one arrow across the gap between the grids, to the edge of the output grid on the
        # cell's row (the outline marks the cell): no line crosses a number
        edge = self._out_cell(i, 0).x + ox - 4
        a = (self.in_rect.right + ox + 4, window.centery)
        b = (edge, dest.centery)
        if not forward:
            a, b = b, a
        pygame.draw.line(target, th.accent, a, b, 2)
        pygame.draw.circle(target, th.accent, b, 4)
        forms, colour = self._head(phase, i, j)
        self.head = first_fitting(tx, forms, self.inner.w, sz.body) or ""
        size = sz.body
        if not self.head:
            self.head, size = first_fitting(tx, forms, self.inner.w, sz.small) or "", sz.small
        if self.head:
            tx.draw(target, self.head, (ox + self.inner.x, oy + self.head_y), size, colour)
