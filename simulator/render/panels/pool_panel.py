"""Pooling panel: a block of 2×2 windows of the selected channel, forward then backward, one
window at a time.

Forward: the window's four values and its result written out, max(a, b, c, d) or
(a + b + c + d)/4; a window whose maximum is shared (a tie) or is 0 is named as such. Backward:
each ∂L/∂y arrives and is routed to its window's argmax (average: a quarter to each cell),
and ∂L/∂x fills in window by window as it is routed. The engine picks the block with the most
windows that have a strict, non-zero maximum. Numbers are the Snapshot's PoolTrace (x, y,
argmax, dy, dx), indexed, never recomputed. A conv layer without pooling after it, or a
pooling other than 2×2 with stride 2, is said in words instead.
"""
from __future__ import annotations

from dataclasses import replace

import pygame

from .layers import block_of, blocks
from .widgets import (CHECK, Numbers, Sizes, Text, first_fitting, fmt, fmt_cell, frame, heat_tile, inner_rect,
                      outline, power_of_ten, ten_to, wrap)

PHASE_SECONDS = 4.0
PHASES = ("forward", "backward")


class PoolPanel:
    name = "pool"

    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.numbers = Numbers(theme)
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
        tx, sz, nums = self.text, self.sizes, self.numbers
        inner = inner_rect(pygame.Rect((0, 0), self.rect.size), tx, sz)
        self.inner = inner
        line = tx.line(sz.small)
        self.head_y = inner.y
        top = inner.y + tx.line(sz.body) + sz.px(4)
        avail_h = inner.bottom - top - line - 2
        gap = sz.px(36)
        # the most windows (3×3, else 2×2) at two decimals, else one decimal
        for n, digits in ((tr.crop[2], 2), (2, 2), (2, 1), (1, 1)):
            n = min(n, tr.crop[2])
            cw = nums.size("−0.00" if digits == 2 else "−0.0", sz.small)[0] + sz.px(8)
            ch = max(nums.size("0", sz.small)[1] + sz.px(4), min(cw, avail_h // (2 * n)))
            if 3 * n * cw + gap <= inner.w and 2 * n * ch <= avail_h:
                break
        self.n, self.digits, self.cw, self.ch = n, digits, cw, ch
        grid_w, grid_h = 2 * n * cw, 2 * n * ch
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

    def _out_cell(self, i: int, j: int) -> pygame.Rect:
        return pygame.Rect(self.out_rect.x + j * self.cw, self.out_rect.y + i * self.ch, self.cw, self.ch)

    # --- snapshot ----------------------------------------------------------------------
    def set_snapshot(self, snap) -> None:
        self.block = block_of(snap.arch, snap.conv.layer) if snap.conv is not None else None
        tr = snap.pool_trace
        if tr is None or (tr.size, tr.stride) != (2, 2):
            self.snapshot, self.trace, self.base, self.forced = snap, None, None, None
            self._say(snap, tr)
            return
        self.note = None
        self.snapshot, self.trace = snap, tr
        self.base, self.forced = tr, None
        self._geometry(self.trace)
        self.shown = self._routing(self.trace)
        self.built = {}

    def _say(self, snap, tr) -> None:
        """No 2×2 pooling to step through: the panel says what the network does instead."""
        th, tx, sz = self.theme, self.text, self.sizes
        self.note = pygame.Surface(self.rect.size)
        b = self.block
        if tr is not None:
            kind = "Max" if tr.kind == "max" else "Average"
            title = f"{kind} pooling {tr.size}×{tr.size}"
            lines = [f"{tr.layer}: {tr.size}×{tr.size} windows, stride {tr.stride}. This panel steps through 2×2 "
                     f"windows with stride 2 only; the feature maps show {tr.layer}'s output."]
        elif b is not None:
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

    def follow(self, i: int, j: int, phase: str | None) -> None:
        """Presenter mode: show pooling window (i, j) of the map (the one the convolution's
        current output pixel feeds), in `phase`; None goes back to the animation."""
        if phase is None or self.base is None:
            self.forced = None
            return
        tr, n = self.base, self.n
        OH, OW = tr.y.shape
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
        n = self.n
        exp = power_of_ten(max(float(abs(tr.dy).max(initial=0)), float(abs(tr.dx).max(initial=0))))
        scale = 10.0 ** -exp
        texts, chosen = {}, set()
        for r in range(2 * n):
            for c in range(2 * n):
                xr, xc = 2 * i0 + r, 2 * j0 + c
                v = float(tr.dx[xr, xc])
                texts[(xr, xc)] = fmt_cell(v * scale, self.digits) if v != 0 else "0"
                if tr.kind == "avg" or tr.window_argmax(i0 + r // 2, j0 + c // 2) == (xr, xc):
                    chosen.add((xr, xc))
        return {"crop": (2 * i0, 2 * j0, 2 * n, 2 * n), "texts": texts, "chosen": chosen, "exponent": exp,
                "dx": tr.dx[2 * i0:2 * i0 + 2 * n, 2 * j0:2 * j0 + 2 * n]}

    def _build(self, phase: str) -> None:
        """The phase's fixed parts: frame, whole map, grid lines, labels, and the forward values."""
        snap, tr = self.snapshot, self.trace
        th, tx, sz, nums = self.theme, self.text, self.sizes, self.numbers
        surf = self.surfaces[phase]
        kind = "Max" if tr.kind == "max" else "Average"
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
                s = self.mini_scale * tr.stride
                pygame.draw.rect(surf, th.accent, pygame.Rect(self.mini_rect.x + j0 * s, self.mini_rect.y + i0 * s,
                                                              n * s, n * s), 1)
            for r in range(2 * n):
                for c in range(2 * n):
                    cell = self._in_cell(r, c)
                    pygame.draw.rect(surf, th.panel_border, cell, 1)
                    if forward:
                        xr, xc = 2 * i0 + r, 2 * j0 + c
                        chosen = (xr, xc) in self.shown["chosen"]
                        v = float(tr.x[xr, xc])
                        nums.draw(surf, fmt_cell(v, self.digits), cell.center, sz.small,
                                  th.text if chosen and tr.kind == "max" else th.muted)
            for i in range(n):
                for j in range(n):
                    pygame.draw.rect(surf, th.text, pygame.Rect(self.in_rect.x + 2 * j * self.cw,
                                                                self.in_rect.y + 2 * i * self.ch,
                                                                2 * self.cw, 2 * self.ch), 1)
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
                return (f"({' + '.join(vals)})/4 = {y}", f"mean = {y}"), self.theme.text
            kind = tr.window_kind(gi, gj)
            expr = f"max({', '.join(vals)}) = {y}"
            if kind == "tie":
                return (f"{expr}: a tie, the first is taken", f"{expr} (a tie)", f"max = {y}, a tie"), self.theme.accent
            if kind == "zero":
                return (f"{expr}: all 0, a tie", f"max = 0 (all 0, a tie)", "all 0"), self.theme.accent
            return (expr, f"max = {y}"), self.theme.text
        exp = self.shown["exponent"]
        dy = fmt_cell(float(tr.dy[gi, gj]) * 10.0 ** -exp, self.digits) + (ten_to(exp) if exp else "")
        if tr.kind == "avg":
            return (f"∂L/∂y = {dy} → {dy}/4 to each of the four", f"{dy}/4 to each"), self.theme.text
        return (f"∂L/∂y = {dy} → all to the max, 0 to the other three", f"∂L/∂y = {dy} → to the max",
                f"{dy} → the max"), self.theme.text

    def draw(self, target: pygame.Surface, now: float) -> None:
        if self.note is not None:
            target.blit(self.note, self.rect)
            with CHECK.scope(self.name, self.rect):
                for r, t in self._records.get("note", ()):
                    CHECK.record(r, t)
        if self.trace is None:
            return
        phase, k = self._frame(now)
        if self.built.get(phase) is not self.trace:
            self._build(phase)
        with CHECK.scope(self.name, self.rect):        # the phase's surface, as it is on screen
            for r, t in self._records.get(phase, ()):
                CHECK.record(r, t)
        with CHECK.scope(f"{self.name}:frame", self.rect):
            self._draw(target, phase, k)

    def _draw(self, target: pygame.Surface, phase: str, k: int) -> None:
        th, tx, sz, nums, tr, n = self.theme, self.text, self.sizes, self.numbers, self.trace, self.n
        target.blit(self.surfaces[phase], self.rect)
        i0, j0, _ = tr.crop
        ox, oy = self.rect.topleft
        forward = phase == "forward"
        exp_scale = 10.0 ** -self.shown["exponent"]
        for w in range(n * n):
            i, j = divmod(w, n)
            cell = self._out_cell(i, j).move(ox, oy)
            if w <= k:          # pooled / arriving values computed so far
                v = float(tr.y[i0 + i, j0 + j]) if forward else float(tr.dy[i0 + i, j0 + j]) * exp_scale
                nums.draw(target, fmt_cell(v, self.digits), cell.center, sz.small, th.text)
            if not forward:     # ∂L/∂x fills in as each window is routed
                for p in (0, 1):
                    for q in (0, 1):
                        xr, xc = 2 * (i0 + i) + p, 2 * (j0 + j) + q
                        src = self._in_cell(xr - 2 * i0, xc - 2 * j0).move(ox, oy)
                        if w <= k:
                            routed = (xr, xc) in self.shown["chosen"]
                            if routed:
                                pygame.draw.rect(target, th.accent, src.inflate(-4, -4), 1)
                            nums.draw(target, self.shown["texts"][(xr, xc)], src.center, sz.small,
                                      th.text if routed else th.muted)
        i, j = divmod(k, n)
        window = pygame.Rect(self.in_rect.x + 2 * j * self.cw, self.in_rect.y + 2 * i * self.ch,
                             2 * self.cw, 2 * self.ch).move(ox, oy)
        outline(target, window, th.accent, 2)
        dest = self._out_cell(i, j).move(ox, oy)
        outline(target, dest, th.accent, 2)
        am = tr.window_argmax(i0 + i, j0 + j)
        sources = [am] if am is not None else [(2 * (i0 + i) + p, 2 * (j0 + j) + q) for p in (0, 1) for q in (0, 1)]
        for (xr, xc) in sources:
            src = self._in_cell(xr - 2 * i0, xc - 2 * j0).move(ox, oy)
            pygame.draw.rect(target, th.accent, src, 2)
        # one arrow across the gap between the grids: no line crosses a number
        a = (self.in_rect.right + ox + 4, window.centery)
        b = (dest.x - 4, dest.centery)
        if not forward:
            a, b = (dest.x - 4, dest.centery), (self.in_rect.right + ox + 4, window.centery)
        pygame.draw.line(target, th.accent, a, b, 2)
        pygame.draw.circle(target, th.accent, b, 4)
        forms, colour = self._head(phase, i, j)
        self.head = first_fitting(tx, forms, self.inner.w, sz.body) or ""
        size = sz.body
        if not self.head:
            self.head, size = first_fitting(tx, forms, self.inner.w, sz.small) or "", sz.small
        if self.head:
            tx.draw(target, self.head, (ox + self.inner.x, oy + self.head_y), size, colour)
