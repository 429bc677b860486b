"""LiveScene: the training screen. Lays the panels out, routes keys and clicks to the worker,
and swaps in the worker's newest Snapshot a few times a second (every panel shows the same
one, so the digit, its maps, its window and its routing always belong together)."""
from __future__ import annotations

import pygame

from ...engine.worker import SPEEDS
from .controls import ButtonBar, DivergedBanner, HelpOverlay
from .conv_panel import ConvPanel
from .curves_panel import CurvesPanel
from .dense_panel import DensePanel, ProbsPanel
from .hud import Hud, Toast
from .input_panel import InputPanel
from .maps_panel import MapsPanel
from .pool_panel import PoolPanel
from .widgets import Text

# Panel rebuilds per second, at most; the animations run at the full frame rate in between.
# Five a second shows each training digit long enough to read it with its maps, and a rebuild
# (~5 ms holding the GIL) at 10 Hz cost the training thread a further ~6% (measured under Xvfb).
REFRESH_HZ = 5
MARGIN = 8
SLIDE = {s.name: s.slide_per_sec for s in SPEEDS}

KEY_ACTIONS = {
    pygame.K_SPACE: "pause", pygame.K_RIGHT: "step",
    pygame.K_PLUS: "faster", pygame.K_EQUALS: "faster", pygame.K_KP_PLUS: "faster",
    pygame.K_MINUS: "slower", pygame.K_KP_MINUS: "slower",
    pygame.K_LEFTBRACKET: "lr_down", pygame.K_RIGHTBRACKET: "lr_up",
    pygame.K_r: "reset", pygame.K_s: "screenshot", pygame.K_h: "help",
    pygame.K_F11: "fullscreen", pygame.K_q: "quit", pygame.K_ESCAPE: "escape", pygame.K_l: "lessons",
}
CHAR_ACTIONS = {"+": "faster", "-": "slower", "[": "lr_down", "]": "lr_up"}  # other keyboard layouts


class LiveScene:
    def __init__(self, theme, worker):
        self.theme, self.worker = theme, worker
        self.text = Text(theme)
        tx = self.text
        self.hud = Hud(theme, tx)
        self.input = InputPanel(theme, tx)
        self.conv = ConvPanel(theme, tx)
        self.curves = CurvesPanel(theme, tx)
        self.maps = MapsPanel(theme, tx)
        self.pool = PoolPanel(theme, tx)
        self.dense = DensePanel(theme, tx)
        self.probs = ProbsPanel(theme, tx)
        self.buttons = ButtonBar(theme, tx)
        self.help = HelpOverlay(theme, tx)
        self.banner = DivergedBanner(theme, tx)
        self.toast = Toast(theme, tx)
        self.panels = (self.input, self.conv, self.curves, self.maps, self.pool, self.dense, self.probs)
        self.animated = (self.conv, self.pool)      # redrawn between snapshots when their frame_key moves
        self._drawn: dict = {}                       # animated panel → frame_key of what is on screen
        self.snapshot = None
        self.swapped_at = -1.0
        self.show_help = False
        self.size = (0, 0)
        self._dirty_all = True          # everything must be drawn on the next frame
        self._overlay_shown = False     # help, toast or banner was on the last frame
        self._hud_dirty = self._buttons_dirty = False
        self._hover = None

    # --- layout --------------------------------------------------------------------------
    def layout(self, size) -> None:
        self.size = w, h = size
        m = MARGIN
        hud_h = max(40, self.text.line(18, "bold") + 16)
        bar_h = self.text.line(13) + 14
        self.hud.layout(pygame.Rect(0, 0, w, hud_h))
        self.buttons.layout(pygame.Rect(m, h - bar_h - m, w - 2 * m, bar_h))
        top, bottom = hud_h + m, h - bar_h - 2 * m
        avail = bottom - top - 2 * m
        h1, h2 = int(avail * 0.42), int(avail * 0.39)
        h3 = avail - h1 - h2
        y1, y2, y3 = top, top + h1 + m, top + h1 + h2 + 2 * m
        inner_w = w - 2 * m
        c1 = int(inner_w * 0.15)
        c3 = int(inner_w * 0.35)
        c2 = inner_w - c1 - c3 - 2 * m
        self.input.layout(pygame.Rect(m, y1, c1, h1))
        self.conv.layout(pygame.Rect(2 * m + c1, y1, c2, h1))
        self.curves.layout(pygame.Rect(3 * m + c1 + c2, y1, c3, h1))
        left = inner_w - c3 - m
        self.maps.layout(pygame.Rect(m, y2, left, h2))
        self.pool.layout(pygame.Rect(2 * m + left, y2, c3, h2))
        self.dense.layout(pygame.Rect(m, y3, left, h3))
        self.probs.layout(pygame.Rect(2 * m + left, y3, c3, h3))
        self._dirty_all = True
        if self.snapshot is not None:
            self._apply(self.snapshot)

    # --- input ---------------------------------------------------------------------------
    def handle(self, event, now: float) -> str | None:
        """Apply an event; return an action the app itself must do ("quit", "screenshot",
        "fullscreen") or None."""
        action = None
        if event.type == pygame.KEYDOWN:
            action = KEY_ACTIONS.get(event.key) or CHAR_ACTIONS.get(event.unicode)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            action = self._click(event.pos)
        if action is None:
            return None
        if action == "escape":
            if self.show_help:
                self.show_help = False
                return None
            return "quit"
        if action in ("quit", "screenshot", "fullscreen", "lessons"):
            return action
        w = self.worker
        if action == "help":
            self.show_help = not self.show_help
        elif action == "pause":
            w.toggle_pause()
        elif action == "step":
            w.step_once()
        elif action == "faster":
            w.faster()
        elif action == "slower":
            w.slower()
        elif action == "lr_down":
            w.lr_down()
        elif action == "lr_up":
            w.lr_up()
        elif action == "reset":
            w.reset()
            self.toast.show("weights reset: training starts again from the initial weights", now)
        return None

    def _click(self, pos) -> str | None:
        if self.snapshot is not None and self.snapshot.diverged and self.banner.button.collidepoint(pos):
            return "reset"
        action = self.buttons.handle_click(pos)
        if action:
            return action
        chosen = self.maps.handle_click(pos) if self.maps.rect.collidepoint(pos) else None
        if chosen:
            self.maps.selection = chosen
            self.worker.select(*chosen)
            self._dirty_all = True
            return None
        if self.conv.rect.collidepoint(pos):
            self.conv.handle_click((pos[0] - self.conv.rect.x, pos[1] - self.conv.rect.y))
        return None

    # --- per frame -----------------------------------------------------------------------
    def update(self, dt: float, now: float, fps: float) -> None:
        snap = self.worker.latest()
        fresh = snap is not None and (self.snapshot is None or snap.seq != self.snapshot.seq)
        selection_changed = snap is not None and self.snapshot is not None and \
            (snap.conv.layer, snap.conv.channel) != (self.snapshot.conv.layer, self.snapshot.conv.channel)
        if fresh and (now - self.swapped_at >= 1.0 / REFRESH_HZ or selection_changed or snap.status != "running"):
            if self.snapshot is not None and abs(snap.lr - self.snapshot.lr) > 1e-12:
                self.toast.show(f"learning rate {self.snapshot.lr:g} → {snap.lr:g}", now)
            self._apply(snap)
            self.swapped_at = now
        self.conv.slide_per_sec = SLIDE.get(self.snapshot.speed, 30.0) if self.snapshot else 30.0
        self.conv.update(dt)
        if self.hud.update(self.snapshot, fps):
            self._hud_dirty = True
        hover = self.buttons.hovered(pygame.mouse.get_pos())
        if hover != self._hover:
            self._hover = self.buttons.hover = hover
            self._buttons_dirty = True

    def _apply(self, snap) -> None:
        self._dirty_all = True
        self.snapshot = snap
        self.maps.selection = (snap.conv.layer, snap.conv.channel)
        self.buttons.paused = snap.status == "paused"
        for p in self.panels:
            p.set_snapshot(snap)

    def draw(self, surface: pygame.Surface, now: float) -> list[pygame.Rect] | None:
        """Draw the frame; return the rectangles that changed (None: all of it). Between
        snapshots only the animated panels are redrawn, so a frame costs little of the GIL
        the training thread needs."""
        overlay = self.show_help or self.toast.visible(now) or (self.snapshot is not None and self.snapshot.diverged)
        if self._dirty_all or overlay or self._overlay_shown:
            self._overlay_shown = overlay
            self._dirty_all = self._hud_dirty = self._buttons_dirty = False
            surface.fill(self.theme.background)
            self.hud.draw(surface)
            for p in self.panels:
                p.draw(surface, now)
            self._drawn = {p: p.frame_key(now) for p in self.animated}
            self.buttons.draw(surface)
            self.toast.draw(surface, now, self.buttons.rect.y - 8)
            if self.snapshot is not None and self.snapshot.diverged:
                self.banner.draw(surface, self.snapshot.message)
            if self.show_help:
                self.help.draw(surface)
            return None
        dirty = []
        for p in self.animated:
            key = p.frame_key(now)
            if key != self._drawn.get(p):
                p.draw(surface, now)
                dirty.append(p.rect)
                self._drawn[p] = key
        if self._hud_dirty:
            self.hud.draw(surface)
            dirty.append(self.hud.rect)
            self._hud_dirty = False
        if self._buttons_dirty:
            pygame.draw.rect(surface, self.theme.background, self.buttons.rect)
            self.buttons.draw(surface)
            dirty.append(self.buttons.rect)
            self._buttons_dirty = False
        return dirty
