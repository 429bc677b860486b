"""The loading screen: shown while the worker compiles (or loads from the cache) the Numba
kernels and takes its first step, then replaced by the live scene."""
from __future__ import annotations

import math

import pygame

from .. import ui
from .live_scene import LiveScene


class LoadingScene(ui.Scene):
    title = "CNN Simulator: a ConvNet learning MNIST"
    ready = False            # scripted keys wait for the live scene

    def __init__(self, theme, session, show_legend: bool = False, lesson_options=None):
        self.theme, self.session = theme, session
        self.show_legend, self.lesson_options = show_legend, lesson_options
        self.text = ui.Text(theme)
        self.sizes = ui.Sizes.for_window((1280, 800), theme)
        self.elapsed = 0.0

    def layout(self, size, sizes) -> None:
        self.sizes = sizes

    def handle(self, event):
        if event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_q):
            return ui.QUIT
        return None

    def update(self, dt: float):
        self.elapsed += dt
        worker = self.session.worker
        if worker.error is not None:         # training failed: end with its error
            raise worker.error
        if worker.ready:
            live = LiveScene(self.theme, worker, self.session, self.lesson_options)
            live.show_help = self.show_legend        # first launch: the keys and the legend first
            return ui.Replace(live)
        return None

    def draw(self, surface: pygame.Surface):
        th, tx, sz = self.theme, self.text, self.sizes
        surface.fill(th.background)
        w, h = surface.get_size()
        done, total, label = self.session.worker.progress
        cx = w // 2
        title, line = 2 * sz.title, tx.line(sz.small)
        lines = ui.wrap(tx, "Preparing the engine: the first run compiles the Numba kernels, later runs load "
                        "them from the cache.", w - 2 * sz.px(40), sz.small)
        bar = pygame.Rect(0, 0, min(sz.px(520), w - 2 * sz.px(40)), sz.px(18))
        # one column, centred: title, what is happening, the bar, the stage and the seconds, the spinner
        gap = sz.px(16)
        column = (tx.line(title, "bold") + gap + len(lines) * line + gap + bar.h + sz.px(12) + tx.line(sz.body)
                  + sz.px(6) + line + gap + sz.px(40))
        y = max(sz.px(8), (h - column) // 2)
        with ui.CHECK.scope("loading", surface.get_rect()):
            r = tx.draw(surface, "CNN Simulator", (cx, y), title, th.text, "bold", anchor="midtop")
            y = r.bottom + gap
            for s in lines:
                tx.draw(surface, s, (cx, y), sz.small, th.muted, anchor="midtop")
                y += line
            bar.midtop = (cx, y + gap)
            radius = bar.h // 2
            pygame.draw.rect(surface, th.panel, bar, border_radius=radius)
            # the bar creeps inside the current stage so it never looks frozen
            creep = 1 - math.exp(-(self.elapsed % 30) / 6)
            frac = min(1.0, (done + 0.9 * creep) / max(1, total)) if done < total else 1.0
            pygame.draw.rect(surface, th.accent, pygame.Rect(bar.x, bar.y, int(bar.w * frac), bar.h),
                             border_radius=radius)
            pygame.draw.rect(surface, th.panel_border, bar, 1, border_radius=radius)
            r = tx.draw(surface, f"{min(done + 1, total)}/{total}: {label}…", (cx, bar.bottom + sz.px(12)), sz.body,
                        th.text, anchor="midtop")
            r = tx.draw(surface, f"{ui.fmt(self.elapsed, 0)} s", (cx, r.bottom + sz.px(6)), sz.small, th.muted,
                        anchor="midtop")
        spin = (self.elapsed * 2.0) % 1.0
        spin_y = r.bottom + gap + sz.px(20)
        for i in range(8):
            a = 2 * math.pi * (i / 8 + spin)
            colour = th.accent if i == 0 else th.panel_border
            pygame.draw.circle(surface, colour, (cx + int(math.cos(a) * sz.px(16)), spin_y + int(math.sin(a) * sz.px(16))),
                               sz.px(4) if i == 0 else sz.px(3))
        return None
