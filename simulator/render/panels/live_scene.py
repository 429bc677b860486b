"""LiveScene: the training screen. Lays the panels out, routes keys and clicks to the worker,
and swaps in the worker's newest Snapshot a few times a second (every panel shows the same
one, so the digit, its maps, its window and its routing always belong together)."""
from __future__ import annotations

import pygame

from ...engine.worker import SPEEDS
from .arch_editor import ArchEditor
from .controls import ButtonBar, DivergedBanner, HelpOverlay
from .conv_panel import ConvPanel
from .curves_panel import CurvesPanel
from .dense_panel import DensePanel, ProbsPanel
from .hud import Hud, Toast
from .input_panel import InputPanel
from .maps_panel import MapsPanel
from .pool_panel import PoolPanel
from .presenter import Presenter
from .widgets import CHECK, Sizes, Text

# Panel rebuilds per second, at most; the animations run at the full frame rate in between.
# Five a second shows each training digit long enough to read it with its maps, and a rebuild
# (~5 ms holding the GIL) at 10 Hz cost the training thread a further ~6% (measured under Xvfb).
REFRESH_HZ = 5
MARGIN = 6     # reference pixels between panels
SLIDE = {s.name: s.slide_per_sec for s in SPEEDS}

KEY_ACTIONS = {
    pygame.K_SPACE: "pause", pygame.K_RIGHT: "step",
    pygame.K_PLUS: "faster", pygame.K_EQUALS: "faster", pygame.K_KP_PLUS: "faster",
    pygame.K_MINUS: "slower", pygame.K_KP_MINUS: "slower",
    pygame.K_LEFTBRACKET: "lr_down", pygame.K_RIGHTBRACKET: "lr_up",
    pygame.K_r: "reset", pygame.K_s: "screenshot", pygame.K_h: "help",
    pygame.K_F11: "fullscreen", pygame.K_q: "quit", pygame.K_ESCAPE: "escape", pygame.K_l: "lessons",
    pygame.K_p: "presenter", pygame.K_a: "arch",
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
        self.editor = ArchEditor(theme, tx)
        self.panels = (self.input, self.conv, self.curves, self.maps, self.pool, self.dense, self.probs)
        self.animated = (self.conv, self.pool)      # redrawn between snapshots when their frame_key moves
        self._drawn: dict = {}                       # animated panel → frame_key of what is on screen
        self.snapshot = None
        self._hud_snapshot = None
        self.swapped_at = -1.0
        self.show_help = False
        self.size = (0, 0)
        self._dirty_all = True          # everything must be drawn on the next frame
        self._overlay_shown = False     # help, toast or banner was on the last frame
        self._hud_dirty = self._buttons_dirty = False
        self._hover = None
        self.presenter: Presenter | None = None
        self.compact = False
        self.sizes = Sizes.for_window((1280, 800), theme)

    # --- layout --------------------------------------------------------------------------
    def layout(self, size) -> None:
        """Sizes from the window and theme; every panel when there is room for them at those
        sizes, else the dense layers' two panels are left out (say less, never cut)."""
        self.size = w, h = size
        self.sizes = sz = Sizes.for_window(size, self.theme)
        tx = self.text
        m = sz.px(MARGIN)
        hud_h = tx.line(sz.body, "bold") + sz.px(14)
        bar_h = tx.line(sz.body) + sz.px(12)
        self.hud.layout(pygame.Rect(0, 0, w, hud_h), sz)
        self.buttons.layout(pygame.Rect(m, h - bar_h - m, w - 2 * m, bar_h), sz)
        self.help.sizes = self.banner.sizes = self.toast.sizes = self.editor.sizes = sz
        top, bottom = hud_h + m, h - bar_h - 2 * m
        avail = bottom - top
        inner_w = w - 2 * m
        self.compact = w / sz.unit < 1180 or h / sz.unit < 700
        if self.compact:
            rows = [int((avail - m) * 0.53)]
            rows.append(avail - m - rows[0])
            cols1 = (0.15, 0.57, 0.28)
            cols2 = (0.60, 0.40)
        else:
            rows = [int((avail - 2 * m) * 0.43), int((avail - 2 * m) * 0.37)]
            rows.append(avail - 2 * m - sum(rows))
            cols1 = (0.15, 0.51, 0.34)
            cols2 = (0.62, 0.38)

        def split(y, hgt, fracs, panels):
            x = m
            widths = [int((inner_w - (len(fracs) - 1) * m) * f) for f in fracs[:-1]]
            widths.append(inner_w - (len(fracs) - 1) * m - sum(widths))
            for p, wd in zip(panels, widths):
                p.layout(pygame.Rect(x, y, wd, hgt), sz)
                x += wd + m

        split(top, rows[0], cols1, (self.input, self.conv, self.curves))
        split(top + rows[0] + m, rows[1], cols2, (self.maps, self.pool))
        if self.compact:
            self.panels = (self.input, self.conv, self.curves, self.maps, self.pool)
        else:
            split(top + rows[0] + rows[1] + 2 * m, rows[2], cols2, (self.dense, self.probs))
            self.panels = (self.input, self.conv, self.curves, self.maps, self.pool, self.dense, self.probs)
        CHECK.clear()
        self._dirty_all = True
        if self.snapshot is not None:
            self._apply(self.snapshot)

    # --- input ---------------------------------------------------------------------------
    def handle(self, event, now: float) -> str | None:
        """Apply an event; return an action the app itself must do ("quit", "screenshot",
        "fullscreen", ("arch", spec): train that network) or None."""
        if self.editor.visible:                 # the designer takes every key and click
            if event.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN):
                self._dirty_all = True
                result = self.editor.handle(event)
                if isinstance(result, tuple):
                    return ("arch", result[1])
            return None
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
        if action == "arch":
            self.editor.open(self.snapshot.arch.spec if self.snapshot is not None else self.editor.current)
            self.show_help = False
        elif action == "help":
            self.show_help = not self.show_help
        elif action == "presenter":
            self.toggle_presenter(now)
        elif self.presenter is not None and action in ("faster", "slower"):
            self.presenter.faster() if action == "faster" else self.presenter.slower()
            self.toast.show(f"presenter: {self.presenter.dwell:g} s per window", now)
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

    def toggle_presenter(self, now: float) -> None:
        """P: keep this sample on screen and sweep it slowly (training goes on behind); P again: live."""
        if self.presenter is None and self.snapshot is not None and self.snapshot.conv is None:
            self.toast.show("presenter mode follows a convolution, and this network has none", now)
            return
        if self.presenter is None and self.snapshot is not None:
            self.presenter = Presenter(self.snapshot)
            self.toast.show("presenter mode: this image stays, the filter sweeps it; − + pace, P back to live", now)
        else:
            self.presenter = None
            self.pool.follow(0, 0, None)
            latest = self.worker.latest()
            if latest is not None:
                self._apply(latest)
        self.conv.presenter = self.presenter
        self.buttons.presenting = self.presenter is not None
        self._dirty_all = True

    def _click(self, pos) -> str | None:
        newest = self._hud_snapshot          # presenter mode: training's state, not the sample shown
        if newest is not None and newest.diverged and self.banner.button.collidepoint(pos):
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
            self._dirty_all = True
            self.conv.handle_click((pos[0] - self.conv.rect.x, pos[1] - self.conv.rect.y))
        return None

    # --- per frame -----------------------------------------------------------------------
    def update(self, dt: float, now: float, fps: float) -> None:
        snap = self.worker.latest()
        fresh = snap is not None and (self.snapshot is None or snap.seq != self.snapshot.seq)
        selection_changed = snap is not None and self.snapshot is not None and \
            _selected(snap) != _selected(self.snapshot)
        if fresh and (now - self.swapped_at >= 1.0 / REFRESH_HZ or selection_changed or snap.status != "running"):
            if self.snapshot is not None and abs(snap.lr_peak - self.snapshot.lr_peak) > 1e-12:   # [ ], not the schedule
                self.toast.show(f"peak learning rate {self.snapshot.lr_peak:g} → {snap.lr_peak:g}", now)
            if self.presenter is not None and not selection_changed:
                self._apply_behind(snap)          # presenter: the sample stays, the numbers move on
            else:
                if self.presenter is not None:    # a new channel chosen: present that one
                    self.presenter = self.conv.presenter = Presenter(snap)
                self._apply(snap)
            self.swapped_at = now
        if self.presenter is not None:
            self.presenter.update(dt)
            y, x = self.presenter.window
            self.pool.follow(y, x, "forward" if self.presenter.fraction < 0.5 else "backward")
        self.conv.slide_per_sec = SLIDE.get(self.snapshot.speed, 30.0) if self.snapshot else 30.0
        self.conv.update(dt)
        if self.hud.update(self._hud_snapshot, fps, self.presenter is not None):
            self._hud_dirty = True
        hover = self.buttons.hovered(pygame.mouse.get_pos())
        if hover != self._hover:
            self._hover = self.buttons.hover = hover
            self._buttons_dirty = True

    def _apply_behind(self, snap) -> None:
        """Presenter mode: only the run's figures (header, curves) take the new snapshot."""
        self.buttons.paused = snap.status == "paused"
        self.curves.set_snapshot(snap)
        self._hud_snapshot = snap
        self._dirty_all = True

    def _apply(self, snap) -> None:
        self._dirty_all = True
        self.snapshot = self._hud_snapshot = snap
        self.maps.selection = _selected(snap)
        self.buttons.paused = snap.status == "paused"
        for p in self.panels:
            p.set_snapshot(snap)

    def draw(self, surface: pygame.Surface, now: float) -> list[pygame.Rect] | None:
        """Draw the frame; return the rectangles that changed (None: all of it). Between
        snapshots only the animated panels are redrawn, so a frame costs little of the GIL
        the training thread needs."""
        newest = self._hud_snapshot          # presenter mode: training's state, not the sample shown
        overlay = self.show_help or self.editor.visible or self.toast.visible(now) or \
            (newest is not None and newest.diverged)
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
            if newest is not None and newest.diverged:
                self.banner.draw(surface, newest.message)
            if self.show_help:
                self.help.draw(surface)
            if self.editor.visible:
                self.editor.draw(surface)
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


def _selected(snap) -> tuple[str, int] | None:
    """(conv layer, channel) the snapshot's convolution shows; None for a network without conv."""
    return (snap.conv.layer, snap.conv.channel) if snap.conv is not None else None
