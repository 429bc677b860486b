"""LiveScene: the training screen. Lays the panels out, routes keys and clicks to the worker,
and swaps in the worker's newest Snapshot a few times a second (every panel shows the same
one, so the digit, its maps, its window and its routing always belong together). A scene of
the kit's window runner (ui.window): L opens the lessons menu over it, the designer's Enter
replaces it with a new network's loading screen."""
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
from .. import ui

# Panel rebuilds per second, at most; the animations run at the full frame rate in between.
# Five a second shows each training digit long enough to read it with its maps, and a rebuild
# (~5 ms holding the GIL) at 10 Hz cost the training thread a further ~6% (measured under Xvfb).
REFRESH_HZ = 5
MARGIN = 6     # reference pixels between panels
SLIDE = {s.name: s.slide_per_sec for s in SPEEDS}

KEY_ACTIONS = {
    pygame.K_SPACE: "pause", pygame.K_RIGHT: "step", pygame.K_LEFT: "back",
    pygame.K_PLUS: "faster", pygame.K_EQUALS: "faster", pygame.K_KP_PLUS: "faster",
    pygame.K_MINUS: "slower", pygame.K_KP_MINUS: "slower",
    pygame.K_LEFTBRACKET: "lr_down", pygame.K_RIGHTBRACKET: "lr_up",
    pygame.K_r: "reset", pygame.K_s: "screenshot", pygame.K_h: "help",
    pygame.K_F11: "fullscreen", pygame.K_q: "quit", pygame.K_ESCAPE: "escape", pygame.K_l: "lessons",
    pygame.K_p: "presenter", pygame.K_a: "arch",
}
CHAR_ACTIONS = {"+": "faster", "-": "slower", "[": "lr_down", "]": "lr_up"}  # other keyboard layouts


class LiveScene(ui.Scene):
    title = "CNN Simulator: a ConvNet learning MNIST"

    def __init__(self, theme, worker, session=None, lesson_options=None):
        """session: restarts training with another network (the designer's Enter); None: this
        window cannot. lesson_options: what the lessons menu opens lessons with."""
        self.theme, self.worker = theme, worker
        self.session, self.lesson_options = session, lesson_options
        self.now = 0.0                  # the scene's clock: seconds of update() so far
        self.fps = 0.0
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
    def layout(self, size, sizes: Sizes | None = None) -> None:
        """Sizes from the window and theme; every panel when there is room for them at those
        sizes, else the dense layers' panel is left out and the softmax takes a column of the
        second row (say less, never cut)."""
        self.size = w, h = size
        self.sizes = sz = sizes or Sizes.for_window(size, self.theme)
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
        text_scale = sz.small / 14             # the full layout was drawn for 1280×800 with 14 px text
        self.compact = w / text_scale < 1180 or h / text_scale < 700
        named = any(len(c) > 2 for c in self.worker.trainer.format.classes)   # class names, not digits
        if self.compact:
            rows = [int((avail - m) * 0.53)]
            rows.append(avail - m - rows[0])
            cols1 = (0.15, 0.57, 0.28)
            cols2 = (0.40, 0.27, 0.33) if named else (0.44, 0.33, 0.23)    # names need a wider softmax
        else:
            rows = [int((avail - 2 * m) * 0.45), int((avail - 2 * m) * 0.36)]
            rows.append(avail - 2 * m - sum(rows))
            cols1 = (0.15, 0.51, 0.34)
            cols2 = (0.62, 0.38)
            cols3 = (0.55, 0.45) if named else (0.62, 0.38)

        def split(y, hgt, fracs, panels):
            x = m
            widths = [int((inner_w - (len(fracs) - 1) * m) * f) for f in fracs[:-1]]
            widths.append(inner_w - (len(fracs) - 1) * m - sum(widths))
            for p, wd in zip(panels, widths):
                p.layout(pygame.Rect(x, y, wd, hgt), sz)
                x += wd + m

        split(top, rows[0], cols1, (self.input, self.conv, self.curves))
        if self.compact:       # no room for the dense layers: the softmax keeps a column of row 2
            split(top + rows[0] + m, rows[1], cols2, (self.maps, self.pool, self.probs))
            self.panels = (self.input, self.conv, self.curves, self.maps, self.pool, self.probs)
        else:
            split(top + rows[0] + m, rows[1], cols2, (self.maps, self.pool))
            split(top + rows[0] + rows[1] + 2 * m, rows[2], cols3, (self.dense, self.probs))
            self.panels = (self.input, self.conv, self.curves, self.maps, self.pool, self.dense, self.probs)
        CHECK.clear()
        self._dirty_all = True
        if self.snapshot is not None:
            self._apply(self.snapshot)

    # --- input ---------------------------------------------------------------------------
    def handle(self, event):
        """Apply an event; return the window's action (ui.QUIT, ui.SCREENSHOT, ui.FULLSCREEN,
        Open(the lessons menu), Replace(a new network's loading screen)) or None."""
        now = self.now
        if self.editor.visible:                 # the designer takes every key and click
            if event.type in (pygame.KEYDOWN, pygame.MOUSEBUTTONDOWN):
                self._dirty_all = True
                result = self.editor.handle(event)
                if isinstance(result, tuple):
                    return self.restart(result[1])
            return None
        action = None
        if event.type == pygame.KEYDOWN:
            action = KEY_ACTIONS.get(event.key) or CHAR_ACTIONS.get(event.unicode)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            action = self._click(event.pos)
        if action is None or (action == "back" and self.presenter is None):
            return None
        if action == "escape":
            if self.show_help:
                self.show_help = False
                return None
            return ui.QUIT
        if action in ("quit", "screenshot", "fullscreen"):
            return {"quit": ui.QUIT, "screenshot": ui.SCREENSHOT, "fullscreen": ui.FULLSCREEN}[action]
        if action == "lessons":
            from ..lessons.menu import LessonMenu
            from ..lessons import LessonOptions
            return ui.Open(LessonMenu(self.theme, self.lesson_options or LessonOptions()))
        w = self.worker
        if action == "arch":
            arch = self.snapshot.arch if self.snapshot is not None else None
            self.editor.open(arch.spec if arch else self.editor.current, arch.input_shape if arch else None,
                             arch.classes if arch else None)
            self.show_help = False
        elif action == "help":
            self.show_help = self.help.next_page() if self.show_help else True
        elif action == "presenter":
            self.toggle_presenter(now)
        elif self.presenter is not None and action in ("faster", "slower"):
            self.presenter.faster() if action == "faster" else self.presenter.slower()
            self.toast.show(f"presenter: {self.presenter.dwell:g} s per window", now)
        elif self.presenter is not None and action in ("pause", "step", "back"):
            if action == "pause":              # the sweep and the training stop (and go on) together
                self.presenter.paused = not self.presenter.paused
                w.pause() if self.presenter.paused else w.resume()
            else:                              # → ←: one product on or back, and hold there
                self.presenter.paused = True
                w.pause()
                self.presenter.step(+1 if action == "step" else -1)
            self._dirty_all = True
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

    def restart(self, spec: str):
        """Train the network `spec` from fresh weights: a new worker warms up behind the
        loading screen (the kernels are compiled already: a moment)."""
        if self.session is None:
            self.toast.show("this window cannot change its network", self.now)
            return None
        from .loading import LoadingScene
        self.session.restart(spec)
        return ui.Replace(LoadingScene(self.theme, self.session, lesson_options=self.lesson_options))

    def zoom_target(self, pos):
        """Z: the panel under pos (None: the convolution) over the whole window."""
        if self.editor.visible or self.show_help or self.snapshot is None:
            return None
        panel = self.conv if pos is None else next((p for p in self.panels if p.rect.collidepoint(pos)), None)
        return None if panel is None else ZoomedPanel(self, panel)

    def notify(self, message: str) -> None:
        self.toast.show(message, self.now)
        self._dirty_all = True

    def toggle_presenter(self, now: float) -> None:
        """P: keep this sample on screen and sweep it slowly (training goes on behind); P again: live."""
        if self.presenter is None and self.snapshot is not None and self.snapshot.conv is None:
            self.toast.show("presenter mode follows a convolution, and this network has none", now)
            return
        if self.presenter is None and self.snapshot is not None:
            self.presenter = Presenter(self.snapshot)
            self.toast.show("presenter: the filter sweeps this image (a newer one after each sweep); space holds it, "
                            "→ ← one product, − + pace, P live", now)
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
    def update(self, dt: float):
        self.now += dt
        now = self.now
        if dt > 0:
            self.fps = 1.0 / dt if self.fps == 0 else 0.9 * self.fps + 0.1 / dt
        fps = self.fps
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
            laps = self.presenter.laps
            self.presenter.update(dt)
            newest = self.worker.latest()
            if self.presenter.laps > laps and newest is not None and newest.conv is not None:
                self.presenter = self.conv.presenter = Presenter(newest, self.presenter)   # a newer picture
                self._apply(newest)
            y, x = self.presenter.window
            self.pool.follow(y, x, "forward" if self.presenter.fraction < 0.5 else "backward")
        self.conv.slide_per_sec = SLIDE.get(self.snapshot.speed, 30.0) if self.snapshot else 30.0
        self.conv.update(dt)
        shown = self.snapshot.step if self.presenter is not None and self.snapshot is not None else None
        if self.hud.update(self._hud_snapshot, fps, shown, self.presenter is not None and self.presenter.paused):
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

    def draw(self, surface: pygame.Surface) -> list[pygame.Rect] | None:
        """Draw the frame; return the rectangles that changed (None: all of it). Between
        snapshots only the animated panels are redrawn, so a frame costs little of the GIL
        the training thread needs."""
        now = self.now
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


class ZoomedPanel(ui.Zoomable):
    """One of the live scene's panels laid out over the whole window at the zoom's sizes (its
    text at least 4% of the height): redrawn at that size from the same snapshot, animated by
    the same clock. Going back lays the scene out again, which puts the panel back."""

    def __init__(self, live: LiveScene, panel):
        super().__init__(live, panel.name)
        self.live, self.panel = live, panel
        self.shown = None

    def layout(self, rect, sizes) -> None:
        self.panel.layout(rect, sizes)
        self.shown = None

    def update(self, dt: float) -> None:
        snap = self.live.snapshot
        if snap is not None and snap is not self.shown:      # the live scene swapped in a new one
            self.panel.set_snapshot(snap)
            self.shown = snap

    def draw(self, surface) -> None:
        self.update(0.0)
        self.panel.draw(surface, self.live.now)
