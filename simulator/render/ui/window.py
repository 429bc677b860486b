"""One window runner for every screen (the app, the lecture, each lesson, the lessons menu).

The runner owns the loop (events → update → draw → flip → clock.tick), the frame cap,
resizing and F11, the sizes (sizes.py: from the window and the scene's theme), the scripted
flags (--size, --keys, --max-frames, --screenshot), screenshots, the zoom (Z or a double
click) and the exit summary. Screens are scenes on a stack: opening a lesson from the app's
menu pushes it, Esc pops it; there is one loop.

The scene contract (Scene below has the defaults):

    theme                       the Theme it draws in (the runner sizes text from it)
    title                       the window caption
    ready                       False while it prepares: scripted keys wait (the app compiles)
    layout(size, sizes)         the window size and its Sizes; called on open, resize, theme change
    handle(event) -> action     a pygame event; returns None or an action (below)
    update(dt) -> action        dt seconds passed; may return an action too
    draw(surface) -> dirty      draw the frame; return changed rects, or None for all of it
    close()                     the scene leaves the stack (stop its threads)
    zoom_target(pos) -> Zoomable | None   the panel under pos (None: the one in focus), for Z
    notify(message)             the runner tells it something ("screenshot saved: …")
    summary() -> str            appended to the exit line (the root scene's)

Actions: QUIT, BACK (pop; the last scene quits), FULLSCREEN, SCREENSHOT, Open(scene) (push),
Replace(scene) (swap the top). A Zoomable has `title`, `layout(rect, sizes)`, `update(dt)`
and `draw(surface)`: the runner lays it out over the whole window with Sizes.zoomed, so a
zoomed panel is redrawn at that size (never scaled pixels) with every number at least 4% of
the window height; Z, Esc or a double click returns, other keys still reach the scene below.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pygame

from ... import paths
from ...errors import UserError
from .check import CHECK
from .script import DEFAULT_SIZE, Script, save_screenshot
from .sizes import Sizes
from .actions import BACK, FULLSCREEN, QUIT, SCREENSHOT, Open, Replace  # noqa: F401  (the runner's contract)
from .zoom import ZoomScene, Zoomable  # noqa: F401

DOUBLE_CLICK_S, DOUBLE_CLICK_PX = 0.4, 6


@dataclass(frozen=True)
class WindowOptions:
    """What every window is told: its size and script (cli's --size/--keys/--max-frames/
    --screenshot), its frame cap, and where the S key's screenshots go."""
    size: tuple[int, int] = DEFAULT_SIZE
    keys: tuple = ()
    max_frames: int | None = None
    screenshot: Path | None = None
    fps: int = 60
    screenshot_dir: Path = paths.PICTURES_DIR


class Scene:
    """The defaults of the scene contract (see the module docstring)."""
    title = "CNN Simulator"
    ready = True
    theme = None

    def layout(self, size, sizes: Sizes) -> None:
        pass

    def handle(self, event):
        return None

    def update(self, dt: float):
        return None

    def draw(self, surface: pygame.Surface):
        return None

    def close(self) -> None:
        pass

    def zoom_target(self, pos):
        return None

    def notify(self, message: str) -> None:
        pass

    def summary(self) -> str:
        return ""


class Window:
    """The window and its scene stack. `run(max_frames)` may be called again to go on (tests)."""

    def __init__(self, root: Scene, options: WindowOptions = WindowOptions(), screen: pygame.Surface | None = None,
                 no_window_hint: str = ""):
        self.options = options
        if screen is None:
            screen = open_window(options.size, root.title, no_window_hint)
        self.screen = screen
        self.stack: list = []
        self.script = Script(options.keys)
        self.script_frame = 0
        self.frames = 0
        self.seconds = 0.0
        self.running = True
        self.windowed_size = screen.get_size()
        self.clock = pygame.time.Clock()
        self.mouse = (-1, -1)                # last pointer position seen (scripted moves included)
        self._last_click = (-10.0, (0, 0))
        self._laid_out = None
        self._last = None
        self.push(root)

    @property
    def scene(self):
        return self.stack[-1]

    # --- the stack ---------------------------------------------------------------------
    def push(self, scene) -> None:
        self.stack.append(scene)
        self._laid_out = None

    def pop(self) -> None:
        scene = self.stack.pop()
        if not isinstance(scene, ZoomScene):
            scene.close()
        if not self.stack:
            self.running = False
        self._laid_out = None

    def replace(self, scene) -> None:
        old = self.stack.pop()
        old.close()
        self.push(scene)

    def _layout(self) -> None:
        size = self.screen.get_size()
        scene = self.scene
        key = (id(scene), size, scene.theme)
        if key == self._laid_out:
            return
        sizes = scene.sizes_for(size) if hasattr(scene, "sizes_for") else Sizes.for_window(size, scene.theme)
        CHECK.floor = sizes.floor
        CHECK.clear()
        scene.layout(size, sizes)
        self._laid_out = key

    # --- actions -----------------------------------------------------------------------
    def act(self, action) -> None:
        if action is None:
            return
        if action == QUIT:
            self.running = False
        elif action == BACK:
            self.pop()
        elif action == FULLSCREEN:
            self.toggle_fullscreen()
        elif action == SCREENSHOT:
            self._screenshot_pending = True
        elif isinstance(action, Open):
            self.push(action.scene)
        elif isinstance(action, Replace):
            self.replace(action.scene)
        else:
            raise ValueError(f"unknown scene action {action!r}")

    def zoom(self, pos) -> bool:
        """Z or a double click: the panel under pos (or in focus) fills the window; in a zoom,
        back. False when the scene has nothing to zoom (the event is then the scene's)."""
        if isinstance(self.scene, ZoomScene):
            self.pop()
            return True
        where = pos if self.screen.get_rect().collidepoint(pos) else None
        target = self.scene.zoom_target(where) if hasattr(self.scene, "zoom_target") else None
        if target is None:
            return False
        self.push(ZoomScene(self.scene, target))
        return True

    def toggle_fullscreen(self) -> None:
        try:
            if self.screen.get_flags() & pygame.FULLSCREEN:
                self.screen = pygame.display.set_mode(self.windowed_size, pygame.RESIZABLE)
            else:
                self.windowed_size = self.screen.get_size()
                self.screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        except pygame.error as e:
            self.scene.notify(f"full screen is not available here ({e})")
        self._laid_out = None

    def save_screenshot(self, path: Path | None = None) -> Path:
        if path is None:
            folder = self.options.screenshot_dir
            path = folder / time.strftime("cnn-simulator-%Y%m%d-%H%M%S.png")
            n = 1
            while path.exists():
                path = folder / f"{path.stem.split('~')[0]}~{n}.png"
                n += 1
        return save_screenshot(self.screen, path)

    # --- one frame -----------------------------------------------------------------------
    def handle(self, event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
            return
        if event.type in (pygame.VIDEORESIZE, pygame.WINDOWSIZECHANGED):
            self.screen = pygame.display.get_surface()
            self._laid_out = None
            return
        if event.type == pygame.MOUSEMOTION:
            self.mouse = event.pos
        if event.type == pygame.KEYDOWN and event.key == pygame.K_F11:
            self.toggle_fullscreen()
            return
        if event.type == pygame.KEYDOWN and event.key == pygame.K_z and not isinstance(self.scene, ZoomScene) \
                and self.zoom(self.mouse):
            return
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            self.mouse = event.pos
            then, where = self._last_click
            now = time.perf_counter()
            self._last_click = (now, event.pos)
            if now - then <= DOUBLE_CLICK_S and max(abs(event.pos[0] - where[0]),
                                                    abs(event.pos[1] - where[1])) <= DOUBLE_CLICK_PX:
                self._last_click = (-10.0, (0, 0))
                if self.zoom(event.pos):
                    return
        self.act(self.scene.handle(event))

    def frame(self, events, dt: float):
        """events → update → draw, without the display update; returns the dirty rects."""
        self._screenshot_pending = False
        for event in events:
            if not self.running:
                break
            self.handle(event)
            self._layout() if self.running else None
        if not self.running:
            return []
        self._layout()
        self.act(self.scene.update(dt))
        if not self.running:
            return []
        self._layout()
        dirty = self.scene.draw(self.screen)
        if self._screenshot_pending:
            try:
                self.scene.notify(f"screenshot saved: {self.save_screenshot()}")
            except UserError as e:
                self.scene.notify(str(e))
            dirty = None
        return dirty

    def run(self, max_frames: int | None = None) -> None:
        """The loop, until a scene quits or max_frames frames have been drawn in all (counted
        over every call). Scripted keys play one per frame while the top scene is ready."""
        max_frames = self.options.max_frames if max_frames is None else max_frames
        self.running = True
        start = time.perf_counter()
        last = start if self._last is None else self._last
        while self.running:
            now = time.perf_counter()
            dt, last = now - last, now
            scripted = []
            if getattr(self.scene, "ready", True):
                scripted = self.script.events(self.script_frame)
                self.script_frame += 1
            dirty = self.frame(pygame.event.get() + scripted, dt)
            if dirty is None:
                pygame.display.flip()
            elif dirty:
                pygame.display.update(dirty)
            self.frames += 1
            if max_frames is not None and self.frames >= max_frames:
                self.running = False
            self.clock.tick(self.options.fps)
        self._last = time.perf_counter()
        self.seconds += self._last - start

    def close(self) -> None:
        """Save --screenshot, then close every scene, the top first."""
        try:
            if self.options.screenshot is not None:
                save_screenshot(self.screen, self.options.screenshot)
        finally:
            while self.stack:
                self.pop()

    def summary(self, name: str, extra: str = "") -> str:
        """The exit line: frames, seconds, mean FPS, and what the screen adds."""
        fps = self.frames / self.seconds if self.seconds > 0 else 0.0
        line = f"{name}: {self.frames} frames in {self.seconds:.1f} s, mean {fps:.1f} FPS"
        return f"{line}; {extra}" if extra else line


def open_window(size, title: str, no_window_hint: str = "") -> pygame.Surface:
    """Open the resizable window; a failure is one line (UserError) with the screen's hint."""
    pygame.display.init()
    pygame.font.init()
    try:
        screen = pygame.display.set_mode(size, pygame.RESIZABLE)
    except pygame.error as e:
        pygame.quit()
        raise UserError(f"cannot open a window ({e})" + (f"; {no_window_hint}" if no_window_hint else "")) from None
    pygame.display.set_caption(title)
    pygame.key.set_repeat(350, 60)
    return screen


def run_window(root: Scene, options: WindowOptions, name: str, no_window_hint: str = "", after=None,
               extra=None) -> int:
    """Open the window, run `root` until it quits or --max-frames, save --screenshot, close
    every scene, call after() (e.g. stop a worker), and print the one exit line (extra():
    what the screen adds to it); pygame is shut down whatever happens."""
    try:
        window = Window(root, options, no_window_hint=no_window_hint)
        try:
            window.run()
        finally:
            window.close()
    finally:
        pygame.quit()
    if after is not None:
        after()
    print(window.summary(name, extra() if extra is not None else ""))
    if options.screenshot:
        print(f"screenshot: {options.screenshot}")
    return 0
