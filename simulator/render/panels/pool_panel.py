"""Pooling panel: a few 2×2 windows of the selected channel, forward then backward, animated.

Forward: each window's four values, the maximum chosen (or, for average pooling, all four)
and the pooled value. Backward: the gradient arriving at the pooled map, and where the
engine's pool backward sent it: only to each window's argmax (average: a quarter to each).
The numbers are the Snapshot's PoolTrace (x, y, argmax, dy, dx), indexed, never recomputed.
"""
from __future__ import annotations

import pygame

from .widgets import (BODY, SMALL, TINY, Numbers, Text, clip_text, fit_size, fmt_cell, frame, heat_tile,
                      inner_rect, outline, power_of_ten, ten_to)

PHASE_SECONDS = 3.0
PHASES = ("forward", "backward")


class PoolPanel:
    def __init__(self, theme, text: Text):
        self.theme, self.text = theme, text
        self.numbers = Numbers(theme)
        self.rect = pygame.Rect(0, 0, 10, 10)
        self.trace = None
        self.snapshot = None
        self.surfaces: dict[str, pygame.Surface] = {}
        self.built: dict[str, object] = {}   # phase → the trace its surface shows
        self.phase_start = 0.0
        self.shown: dict = {}        # what the backward grid displays (tests read it)

    def layout(self, rect: pygame.Rect) -> None:
        self.rect = rect
        self.surfaces = {p: pygame.Surface(rect.size) for p in PHASES}
        self.built = {}
        self._geom_key = None

    # --- geometry ----------------------------------------------------------------------
    def _geometry(self, tr) -> None:
        key = (tr.crop[2], tr.x.shape, self.rect.size)
        if key == self._geom_key:
            return
        self._geom_key = key
        tx = self.text
        inner = inner_rect(pygame.Rect((0, 0), self.rect.size), tx)
        n = tr.crop[2]
        cells = 2 * n
        self.head_y = inner.y
        top = inner.y + tx.line(BODY) + 6
        avail_h = inner.bottom - top - tx.line(SMALL) - 2
        cell = max(12, min(avail_h // cells, int((inner.w - 24) / (1.5 * cells + n + 1))))
        self.cell = cell
        grid_h = cells * cell
        self.in_rect = pygame.Rect(0, top + (avail_h - grid_h) // 2, cells * cell, grid_h)
        self.out_rect = pygame.Rect(0, 0, n * cell, n * cell)
        gap = max(24, cell)
        mini_side = max(tr.x.shape[0], min(int(grid_h * 0.8), inner.w - self.in_rect.w - self.out_rect.w - gap - 24))
        self.mini_scale = max(1, mini_side // tr.x.shape[0])
        mini = tr.x.shape[0] * self.mini_scale
        total = mini + 16 + self.in_rect.w + gap + self.out_rect.w
        x0 = inner.x + max(0, (inner.w - total) // 2)
        self.mini_rect = pygame.Rect(x0, self.in_rect.y + (grid_h - mini) // 2, mini, mini)
        self.in_rect.x = self.mini_rect.right + 16
        self.out_rect.topleft = (self.in_rect.right + gap, self.in_rect.y + (grid_h - n * cell) // 2)
        self.label_y = self.in_rect.bottom + 2
        self.num_size, self.digits = SMALL, 2
        while self.numbers.size("−0.00", self.num_size)[0] > cell - 5:
            if self.num_size > 8:
                self.num_size -= 1
            elif self.digits == 2:
                self.digits = 1             # small cells: one decimal
            else:
                break

    def _in_cell(self, r: int, c: int) -> pygame.Rect:
        return pygame.Rect(self.in_rect.x + c * self.cell, self.in_rect.y + r * self.cell, self.cell, self.cell)

    def _out_cell(self, i: int, j: int) -> pygame.Rect:
        return pygame.Rect(self.out_rect.x + j * self.cell, self.out_rect.y + i * self.cell, self.cell, self.cell)

    # --- snapshot ----------------------------------------------------------------------
    def set_snapshot(self, snap) -> None:
        self.snapshot, self.trace = snap, snap.pool_trace
        self._geometry(self.trace)
        self.shown = self._routing(self.trace)
        self.built = {}

    def _routing(self, tr) -> dict:
        """The backward grid's content: crop in x coordinates, the cell texts, the cells marked
        as receiving the gradient, and the engine's dx values there."""
        i0, j0, n = tr.crop
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
        snap, tr = self.snapshot, self.trace
        th, tx, nums = self.theme, self.text, self.numbers
        surf = self.surfaces[phase]
        kind = "Max" if tr.kind == "max" else "Average"
        inner = frame(surf, surf.get_rect(), th, tx, f"{kind} pooling {tr.size}×{tr.size}, stride {tr.stride}",
                      f"{tr.layer}, channel {tr.channel + 1}")
        i0, j0, n = tr.crop
        forward = phase == "forward"
        exp = self.shown["exponent"]
        if forward:
            head = f"forward: each 2×2 window → its {'maximum' if tr.kind == 'max' else 'mean'}"
        else:
            where = "only to the max" if tr.kind == "max" else "a quarter to each cell"
            head = f"backward: ∂L/∂y goes back {where}" + (f" ({ten_to(exp)})" if exp else "")
        size = fit_size(tx, [head], inner.w)
        tx.draw(surf, clip_text(tx, head, inner.w, size), (inner.x, self.head_y), size,
                th.accent if not forward else th.text)
        # the whole map, with the windows shown outlined
        surf.blit(heat_tile(tr.x, snap.limits["pool_x"], th, self.mini_scale), self.mini_rect)
        s = self.mini_scale * tr.stride
        pygame.draw.rect(surf, th.accent, pygame.Rect(self.mini_rect.x + j0 * s, self.mini_rect.y + i0 * s,
                                                      n * s, n * s), 1)
        size = self.num_size
        for r in range(2 * n):
            for c in range(2 * n):
                xr, xc = 2 * i0 + r, 2 * j0 + c
                cell = self._in_cell(r, c)
                pygame.draw.rect(surf, th.panel_border, cell, 1)
                chosen = (xr, xc) in self.shown["chosen"]
                if chosen:
                    pygame.draw.rect(surf, th.accent, cell.inflate(-4, -4), 1)
                if forward:
                    label, colour = fmt_cell(float(tr.x[xr, xc]), self.digits), th.text if chosen else th.muted
                else:
                    label = self.shown["texts"][(xr, xc)]
                    colour = th.text if float(tr.dx[xr, xc]) != 0 else th.muted
                nums.draw(surf, label, cell.center, size, colour)
        scale = 10.0 ** -exp
        for i in range(n):
            for j in range(n):
                pygame.draw.rect(surf, th.text, pygame.Rect(self.in_rect.x + 2 * j * self.cell,
                                                            self.in_rect.y + 2 * i * self.cell,
                                                            2 * self.cell, 2 * self.cell), 1)
                cell = self._out_cell(i, j)
                pygame.draw.rect(surf, th.text, cell, 1)
                v = float(tr.y[i0 + i, j0 + j]) if forward else float(tr.dy[i0 + i, j0 + j]) * scale
                nums.draw(surf, fmt_cell(v, self.digits), cell.center, size, th.text)
        unit = f" {ten_to(exp)}" if exp and not forward else ""
        labels = [(self.mini_rect.centerx, "whole map"),
                  (self.in_rect.centerx, "pool input x" if forward else f"∂L/∂x, routed{unit}"),
                  (self.out_rect.centerx, "pooled y" if forward else f"∂L/∂y{unit}")]
        gap01, gap12 = labels[1][0] - labels[0][0], labels[2][0] - labels[1][0]
        rooms = [min(gap01, self.mini_rect.w + 16), min(gap01, gap12), min(gap12, 2 * (inner.right - labels[2][0]))]
        size = SMALL if all(tx.width(t, SMALL) <= r - 6 for (_, t), r in zip(labels, rooms)) else TINY
        for (x, t), room in zip(labels, rooms):
            tx.draw(surf, clip_text(tx, t, room - 6, size), (x, self.label_y), size, th.muted, anchor="midtop")
        self.built[phase] = tr

    # --- per frame ---------------------------------------------------------------------
    def phase(self, now: float) -> tuple[str, float]:
        t = (now - self.phase_start) % (2 * PHASE_SECONDS)
        return PHASES[int(t // PHASE_SECONDS)], t % PHASE_SECONDS

    def _frame(self, now: float) -> tuple[str, int]:
        """(phase, index of the pooled cell being computed) at time `now`."""
        n = self.trace.crop[2]
        phase, t = self.phase(now)
        per = 0.7 * PHASE_SECONDS / (n * n)
        return phase, min(n * n - 1, int(t / per))

    def frame_key(self, now: float):
        """Equal keys draw identical pixels (the animation moves a few times a second)."""
        return None if self.trace is None else (id(self.trace), self.rect.topleft, *self._frame(now))

    def draw(self, target: pygame.Surface, now: float) -> None:
        if self.trace is None:
            return
        th, tr, n = self.theme, self.trace, self.trace.crop[2]
        phase, k = self._frame(now)
        if self.built.get(phase) is not tr:
            self._build(phase)
        target.blit(self.surfaces[phase], self.rect)
        i0, j0, _ = tr.crop
        ox, oy = self.rect.topleft
        for w in range(k + 1, n * n):     # pooled cells not reached yet stay empty
            i, j = divmod(w, n)
            pygame.draw.rect(target, th.panel, self._out_cell(i, j).move(ox, oy).inflate(-2, -2))
        i, j = divmod(k, n)
        window = pygame.Rect(self.in_rect.x + 2 * j * self.cell, self.in_rect.y + 2 * i * self.cell,
                             2 * self.cell, 2 * self.cell).move(ox, oy)
        outline(target, window, th.accent, 2)
        dest = self._out_cell(i, j).move(ox, oy)
        outline(target, dest, th.accent, 2)
        am = tr.window_argmax(i0 + i, j0 + j)
        sources = [am] if am is not None else [(2 * (i0 + i) + p, 2 * (j0 + j) + q) for p in (0, 1) for q in (0, 1)]
        for (xr, xc) in sources:
            src = self._in_cell(xr - 2 * i0, xc - 2 * j0).move(ox, oy)
            pygame.draw.rect(target, th.accent, src, 2)
            a, b = (src.midright, dest.midleft) if phase == "forward" else (dest.midleft, src.midright)
            pygame.draw.line(target, th.accent, a, b, 1)
            pygame.draw.circle(target, th.accent, b, 3)
