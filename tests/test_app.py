"""The live app under SDL's dummy driver: it trains, draws, obeys its keys, and what its
panels say equals what the engine computed."""
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pygame
import pytest

from simulator.engine import ops
from simulator.engine.trainer import TrainConfig, Trainer
from simulator.engine.worker import TrainingWorker
from simulator.render.app.live_scene import LiveScene
from simulator.render.app.pool_panel import PHASE_SECONDS
from simulator.render import ui
from simulator.render.app.widgets import fmt, fmt_cell, parse_number
from simulator.render.ui.theme import THEMES

ROOT = Path(__file__).resolve().parents[1]


def post_key(key, unicode=""):
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, unicode=unicode, mod=0, scancode=0))


class Harness:
    """The live scene in the kit's window runner, as the app runs it (without the loading screen)."""

    def __init__(self, screen, theme, worker, screenshot_dir):
        self.worker, self.screenshot_dir = worker, screenshot_dir
        self.live = LiveScene(theme, worker)
        self.window = ui.Window(self.live, ui.WindowOptions(screenshot_dir=screenshot_dir), screen=screen)

    @property
    def frames(self):
        return self.window.frames

    @property
    def scene(self):
        return self.window.scene

    @property
    def screen(self):
        return self.window.screen

    def run(self, max_frames):
        self.window.run(max_frames)


def run_frames(app, n):
    app.run(app.frames + n)


def run_until(app, predicate, what, timeout=30.0):
    end = time.perf_counter() + timeout
    while time.perf_counter() < end:
        run_frames(app, 5)
        if predicate():
            return
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def app(mnist, tmp_path_factory):
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1280, 800), pygame.RESIZABLE)
    trainer = Trainer(TrainConfig(batch_size=16, schedule="constant", lr=0.02), mnist.subset(2000, 200))
    worker = TrainingWorker(trainer, eval_images=100)
    worker.start()
    end = time.perf_counter() + 120
    while not worker.ready and time.perf_counter() < end:
        time.sleep(0.05)
    application = Harness(screen, THEMES["dark"], worker, tmp_path_factory.mktemp("pictures"))
    run_until(application, lambda: worker.trainer.step_count > 3, "warm-up and training", 120)
    yield application
    worker.stop()
    pygame.quit()


def current(app):
    return app.live.snapshot


def pause(app):
    app.worker.pause()
    run_until(app, lambda: current(app).status == "paused", "pause")


def test_app_trains_while_drawing(app):
    before = app.worker.trainer.step_count
    app.worker.resume()
    frames = app.frames
    run_until(app, lambda: app.worker.trainer.step_count > before + 2 and current(app).step > before,
              "training in the app")
    assert app.frames > frames          # the window kept drawing while the worker trained
    pixels = pygame.surfarray.array3d(app.screen)
    assert pixels.std() > 20


def test_keys_pause_step_and_reset_the_trainer(app):
    trainer = app.worker.trainer
    app.worker.resume()
    post_key(pygame.K_SPACE, " ")
    run_until(app, lambda: current(app).status == "paused", "space pauses")
    steps = trainer.step_count
    run_frames(app, 20)
    assert trainer.step_count == steps
    post_key(pygame.K_RIGHT)
    run_until(app, lambda: trainer.step_count == steps + 1 and current(app).step == steps + 1, "→ steps")
    run_frames(app, 10)
    assert trainer.step_count == steps + 1
    post_key(pygame.K_RIGHTBRACKET, "]")
    run_until(app, lambda: current(app).lr == pytest.approx(0.05), "] raises the learning rate")
    post_key(pygame.K_LEFTBRACKET, "[")
    run_until(app, lambda: current(app).lr == pytest.approx(0.02), "[ lowers it")
    post_key(pygame.K_r, "r")
    run_until(app, lambda: trainer.step_count == 1 and current(app).step == 1, "R resets")
    post_key(pygame.K_MINUS, "-")
    run_until(app, lambda: current(app).speed == "50 steps/s", "− slows down")
    post_key(pygame.K_PLUS, "+")
    run_until(app, lambda: current(app).speed == "max", "+ speeds up")
    post_key(pygame.K_SPACE, " ")
    run_until(app, lambda: current(app).status == "running", "space resumes")


def test_buttons_and_help(app):
    pause(app)
    steps = app.worker.trainer.step_count
    step_button = dict(app.live.buttons.buttons)["step"]
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=step_button.center))
    run_until(app, lambda: app.worker.trainer.step_count == steps + 1, "the Step button")
    post_key(pygame.K_h, "h")
    run_frames(app, 2)
    assert app.live.show_help
    post_key(pygame.K_ESCAPE)
    frames = app.frames
    run_frames(app, 2)
    assert not app.live.show_help and app.frames == frames + 2      # Esc closed the help, did not quit


def caption_numbers(line: str, label: str) -> float:
    """The number written after `label =` in a caption line."""
    return parse_number(re.search(re.escape(label) + r" = (−?\d+\.\d+)", line)[1])


def test_conv_caption_is_the_engines_dot_product(app):
    pause(app)
    conv = app.live.conv
    for _ in range(3):
        run_frames(app, 3)
        snap, win, lines = current(app), conv.caption_window, conv.caption
        y, x = win.y, win.x
        assert conv.window_yx() == (y, x)
        # independent check: the conv kernel on the snapshot's input and weights
        k = snap.conv.channel
        out, _ = ops.conv2d_forward(snap.acts["input"][None], snap.weights["conv1_w"], snap.weights["conv1_b"], 1, 2)
        z = float(out[0, k, y, x])
        assert caption_numbers(lines[1], "z = Σ + b") == pytest.approx(z, abs=1.5e-3)
        assert caption_numbers(lines[1], "b") == pytest.approx(float(snap.weights["conv1_b"][k]), abs=5e-4)
        assert caption_numbers(lines[1], "Σ of 25 w·x") == pytest.approx(z - float(snap.weights["conv1_b"][k]),
                                                                         abs=1.5e-3)
        assert caption_numbers(lines[1], "ReLU(z)") == pytest.approx(float(snap.acts["act1"][k, y, x]), abs=5e-4)
        # the product written out is the highlighted one: weight, input pixel and product
        c, p, q = conv.product
        padded = np.pad(snap.acts["input"], ((0, 0), (2, 2), (2, 2)))
        w, xv = float(snap.weights["conv1_w"][k, c, p, q]), float(padded[c, y + p, x + q])
        ws, xs, ps = re.search(r"= \((−?\d+\.\d+)\) × \((−?\d+\.\d+)\) = (−?\d+\.\d+)", lines[0]).groups()
        assert (ws, xs) == (fmt(w), fmt(xv)) and ps == fmt(float(win.products[c, p, q]))
        assert parse_number(ps) == pytest.approx(w * xv, abs=1.5e-3)
        assert f"w[{p},{q}]" in lines[0] and "largest |w·x| of 25" in lines[0]
        assert abs(win.products[c, p, q]) == np.abs(win.products).max()
        assert "(28 − 5 + 2·2)/1 + 1 = 28" in lines[2]


def test_every_product_of_the_window_can_be_clicked_and_checked(app):
    """All 25 products are reachable: a click on a filter cell writes that product, with the
    engine's numbers; a second click goes back to the largest."""
    pause(app)
    conv = app.live.conv
    run_frames(app, 2)
    seen = set()
    for p in range(5):
        for q in range(5):
            cell = pygame.Rect(conv.table.x + q * conv.cell_w, conv.table.y + p * conv.cell_h, conv.cell_w, conv.cell_h)
            pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1,
                                                 pos=cell.move(conv.rect.topleft).center))
            run_frames(app, 1)
            win = conv.caption_window
            assert conv.product == (0, p, q) and "clicked" in conv.caption[0]
            prod = re.search(r"= (−?\d+\.\d+)  ", conv.caption[0])[1]
            assert prod == fmt(float(win.products[0, p, q]))
            seen.add((p, q))
            app.window._last_click = (-10.0, (0, 0))      # a second click later, not a double click (zoom)
            pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1,
                                                 pos=cell.move(conv.rect.topleft).center))
            run_frames(app, 1)
            assert conv.chosen is None
    assert len(seen) == 25


def test_conv_caption_for_conv2_after_clicking_a_map(app):
    pause(app)
    rect = app.live.maps.cells["act2"][5].move(app.live.maps.rect.topleft)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=rect.center))
    run_until(app, lambda: (current(app).conv.layer, current(app).conv.channel) == ("conv2", 5), "select conv2 #6")
    run_frames(app, 3)
    snap, win = current(app), app.live.conv.caption_window
    out, _ = ops.conv2d_forward(snap.acts["pool1"][None], snap.weights["conv2_w"], snap.weights["conv2_b"], 1, 0)
    assert caption_numbers(app.live.conv.caption[1], "z = Σ + b") == pytest.approx(float(out[0, 5, win.y, win.x]),
                                                                                  abs=1.5e-3)
    assert "Σ of 150 w·x" in app.live.conv.caption[1]
    assert "(14 − 5 + 2·0)/1 + 1 = 10" in app.live.conv.caption[2]
    rect = app.live.maps.cells["act1"][0].move(app.live.maps.rect.topleft)
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=rect.center))
    run_until(app, lambda: current(app).conv.layer == "conv1", "back to conv1")


def test_maxpool_routing_shown_is_maxpool2d_backward(app):
    pause(app)
    pool = app.live.pool
    pool.phase_start = app.live.now - PHASE_SECONDS - 0.9 * PHASE_SECONDS      # the end of the backward phase
    run_frames(app, 2)
    snap = current(app)
    tr = snap.pool_trace
    assert pool.built.get("backward") is tr            # the backward grid on screen is this snapshot's
    k = tr.channel
    x = snap.acts["act1"][k][None, None].copy()
    dy = snap.grads["pool1"][k][None, None].copy()
    _, cache = ops.maxpool2d_forward(x, 2, 2)
    dx = ops.maxpool2d_backward(dy, cache)[0, 0]
    r0, c0, h, w = pool.shown["crop"]
    np.testing.assert_array_equal(pool.shown["dx"], dx[r0:r0 + h, c0:c0 + w])
    scale = 10.0 ** -pool.shown["exponent"]
    for (r, c), text in pool.shown["texts"].items():
        assert text == (fmt_cell(float(dx[r, c]) * scale, pool.digits) if dx[r, c] != 0 else "0")
    # the highlighted cells are exactly each window's argmax
    argmax = {divmod(int(a), 28) for a in cache.argmax[0, 0].ravel()}
    crop = {(r, c) for r in range(r0, r0 + h) for c in range(c0, c0 + w)}
    assert pool.shown["chosen"] == argmax & crop
    assert all(dx[r, c] == 0 for (r, c) in crop - argmax)


def test_pooling_shows_strict_maxima_and_names_ties(app):
    """The engine's crop holds as many strict, non-zero maxima as any block of the map; the
    forward line writes max(a, b, c, d) with the four values, and a tie or all-zero window
    is named as one."""
    pause(app)
    pool = app.live.pool
    run_until(app, lambda: pool.snapshot is current(app), "the pooling panel on the newest snapshot")
    tr = current(app).pool_trace
    v = np.lib.stride_tricks.sliding_window_view(tr.x, (2, 2))[::2, ::2]
    top = v.max(axis=(2, 3))
    strict = (top != 0) & ((v == top[..., None, None]).sum(axis=(2, 3)) == 1)
    i0, j0, n = tr.crop
    best = np.lib.stride_tricks.sliding_window_view(strict, (n, n)).sum(axis=(2, 3)).max()
    assert strict[i0:i0 + n, j0:j0 + n].sum() == best
    p0, q0, _ = pool.trace.crop                        # the windows the panel draws now
    for k in range(pool.n * pool.n):
        i, j = divmod(k, pool.n)
        forms, _ = pool._head("forward", i, j)
        vals = tr.window_values(p0 + i, q0 + j).ravel()
        assert forms[0].startswith(f"max({', '.join(fmt(float(a), 2) for a in vals)}) = {fmt(float(vals.max()), 2)}")
        named = "tie" in forms[0]
        assert named == (not strict[p0 + i, q0 + j])


def test_diverged_state_is_shown_and_reset_recovers(app):
    th = THEMES["dark"]
    app.worker.resume()
    app.worker.set_lr(50.0)
    run_until(app, lambda: current(app).diverged, "divergence")
    run_frames(app, 3)
    steps = app.worker.trainer.step_count
    pixels = pygame.surfarray.array3d(app.screen)
    banner = app.live.banner.button
    assert tuple(pixels[banner.centerx, banner.y + 2]) == th.bad          # the reset button is drawn
    assert app.live.hud._key[1] == "diverged"
    run_frames(app, 10)
    assert app.worker.trainer.step_count == steps                        # training stopped
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=banner.center))
    run_until(app, lambda: not current(app).diverged and app.worker.trainer.step_count >= 1, "reset")
    assert current(app).lr == pytest.approx(0.02)


def test_nan_values_draw_in_the_bad_colour(app):
    snap = current(app)
    bad = {n: np.full_like(a, np.nan) for n, a in snap.acts.items()}
    from dataclasses import replace
    from types import MappingProxyType
    broken = replace(snap, acts=MappingProxyType(bad), seq=snap.seq + 10_000)
    app.live.maps.set_snapshot(broken)
    tile = app.live.maps.cells["act1"][0]
    pixels = pygame.surfarray.array3d(app.live.maps.static)
    assert tuple(pixels[tile.centerx, tile.centery]) == THEMES["dark"].bad
    app.live.maps.set_snapshot(snap)


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1920, 1080)])
@pytest.mark.parametrize("mode", ["live", "presenter", "help"])
def test_layout_check_every_theme_size_and_mode(app, theme, size, mode):
    """The layout check over every text drawn: inside its panel, no two overlapping, none cut,
    none under the theme's floor (1.75% of the height; 2.5% in the projector theme); panels
    inside the window and apart."""
    th = THEMES[theme]
    sizes = ui.Sizes.for_window(size, th)
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=sizes.floor)
    try:
        scene = LiveScene(th, app.worker)
        scene.layout(size, sizes)
        surface = pygame.Surface(size)
        scene.update(0.016)
        if mode == "presenter":
            scene.toggle_presenter(scene.now)
            scene.toast.until = 0.0
            for t in (0.5, 0.9):          # forward, then backward, of the window's pooling
                scene.update(t)
                scene.draw(surface)
        scene.show_help = mode == "help"
        scene.pool.phase_start = scene.now - PHASE_SECONDS - 1.0      # the backward phase, partly routed
        scene.draw(surface)
        problems = ui.CHECK.violations(surface.get_rect())
        assert problems == [], "\n".join(problems)
        assert len(ui.CHECK.texts()) > 40
        assert min(ui.CHECK.sizes()) >= math.ceil(th.text_floor * size[1] - 1e-9)
    finally:
        ui.CHECK.disable()
    window = pygame.Rect((0, 0), size)
    rects = [p.rect for p in scene.panels] + [scene.hud.rect, scene.buttons.rect]
    for i, r in enumerate(rects):
        assert window.contains(r), r
        for other in rects[i + 1:]:
            assert not r.colliderect(other), (r, other)
    for _, r in scene.buttons.buttons:
        assert window.contains(r)
    if mode != "help":                   # the help dims the window
        assert tuple(surface.get_at((2, size[1] - 2)))[:3] == THEMES[theme].background
    assert pygame.surfarray.array3d(surface).std() > 15


def test_bigger_windows_and_the_projector_draw_bigger(app):
    sizes = {}
    for theme in ("dark", "projector"):
        for size in ((1280, 800), (1920, 1080)):
            scene = LiveScene(THEMES[theme], app.worker)
            scene.layout(size, ui.Sizes.for_window(size, THEMES[theme]))
            scene.update(0.016)
            sizes[theme, size] = (scene.sizes.small, scene.conv.cell_w, scene.conv.s_in)
    assert sizes["dark", (1920, 1080)] > sizes["dark", (1280, 800)]
    assert sizes["projector", (1280, 800)][:2] > sizes["dark", (1280, 800)][:2]
    assert sizes["projector", (1920, 1080)] > sizes["projector", (1280, 800)]
    assert sizes["dark", (1280, 800)][0] >= 14


def test_presenter_mode_keeps_the_sample_sweeps_inked_windows_and_training_goes_on(app):
    app.worker.resume()
    live = app.live
    post_key(pygame.K_p, "p")
    run_frames(app, 2)
    assert live.presenter is not None
    shown = live.snapshot
    steps = app.worker.trainer.step_count
    run_until(app, lambda: app.worker.trainer.step_count > steps + 3 and live._hud_snapshot.step > shown.step,
              "training behind the presenter")
    assert live.snapshot is shown and live.conv.terms is shown.conv          # the sample stayed
    busy = shown.conv.busy()
    visited = set()
    for _ in range(12):
        live.presenter.t += live.presenter.dwell * 0.51
        run_frames(app, 1)
        y, x = live.conv.window_yx()
        visited.add((y, x))
        assert busy[y, x]                         # never a window over blank background
        assert live.pool.forced is not None       # pooling follows the window's output pixel
        i, j = y // 2, x // 2
        i0, j0, _ = live.pool.trace.crop
        assert live.pool.forced[1] == (i - i0) * live.pool.n + (j - j0)
    assert len(visited) >= 5
    # blank windows exist and are skipped: the first inked window is not (0, 0)
    assert not busy.all() and live.presenter.windows[0] == tuple(int(v) for v in np.argwhere(busy)[0])
    post_key(pygame.K_p, "p")
    run_frames(app, 2)
    assert live.presenter is None and live.pool.forced is None


def test_dead_maps_are_named(app):
    pause(app)
    snap = current(app)
    maps = app.live.maps
    for name in ("act1", "pool1", "act2", "pool2"):
        assert maps.dead[name] == [i for i in range(snap.acts[name].shape[0]) if not snap.acts[name][i].any()]


def test_screenshot_key_writes_a_png(app):
    post_key(pygame.K_s, "s")
    run_frames(app, 2)
    pngs = list(app.screenshot_dir.glob("*.png"))
    assert pngs and pygame.image.load(str(pngs[0])).get_size() == app.screen.get_size()


def test_command_line_app_runs_frames_trains_and_saves_a_screenshot(app, mnist_dir, tmp_path):
    """`python main.py app …` end to end. (The `app` fixture has compiled the kernels into
    Numba's cache, so the subprocess's warm-up is a cache load, not a compile.)"""
    shot = tmp_path / "app.png"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    proc = subprocess.run([sys.executable, "main.py", "app", "--data", str(mnist_dir), "--subset", "2000",
                           "--max-frames", "240", "--screenshot", str(shot)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    summary = re.search(r"app: (\d+) frames in [\d.]+ s, mean ([\d.]+) FPS; ([\d,]+) training steps, "
                        r"([\d,]+) images, ([\d,]+) images/s", proc.stdout)
    assert summary, proc.stdout
    assert int(summary[1]) == 240 and int(summary[3].replace(",", "")) > 0
    accuracy = re.search(r"; test accuracy (\d+\.\d\d)%$", proc.stdout.splitlines()[0])   # the final weights, all test images
    assert accuracy and 10.0 < float(accuracy[1]) <= 100.0, proc.stdout
    assert "Traceback" not in proc.stderr
    image = pygame.surfarray.array3d(pygame.image.load(str(shot)))
    assert image.shape[:2] == (1280, 800)
    assert image.std() > 20 and len(np.unique(image.reshape(-1, 3), axis=0)) > 100


def test_lesson_menu_opens_a_lesson_while_training_goes_on(app):
    from simulator.render.lessons.menu import LessonMenu
    app.worker.resume()
    post_key(pygame.K_l, "l")
    run_frames(app, 2)
    assert isinstance(app.scene, LessonMenu)
    steps = app.worker.trainer.step_count
    post_key(pygame.K_5, "5")                       # the pooling lesson
    run_frames(app, 3)
    assert "pooling" in app.scene.title.lower() and app.window.stack[0] is app.live
    run_until(app, lambda: app.worker.trainer.step_count > steps + 2, "training behind the lesson")
    assert pygame.surfarray.array3d(app.screen).std() > 20
    post_key(pygame.K_ESCAPE)
    run_frames(app, 2)
    assert isinstance(app.scene, LessonMenu)
    post_key(pygame.K_ESCAPE)
    run_frames(app, 2)
    assert app.scene is app.live


@pytest.mark.parametrize("preset, expected", [(None, "0"), ("1", "1")])
def test_window_surface_skips_the_opengl_framebuffer_unless_asked(preset, expected):
    """SDL's OpenGL-backed window surface costs ~10 ms per update without a GPU (measured under
    Xvfb); the screens ask for the plain one, and a value the user set is left alone."""
    env = {k: v for k, v in os.environ.items() if k != "SDL_FRAMEBUFFER_ACCELERATION"}
    if preset is not None:
        env["SDL_FRAMEBUFFER_ACCELERATION"] = preset
    code = "import os, simulator.render; print(os.environ['SDL_FRAMEBUFFER_ACCELERATION'])"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == expected


def test_between_snapshots_a_frame_redraws_only_what_moved(app):
    """Partial frames push only the animated panels whose picture changed, and what they leave
    on screen is exactly what a full redraw would draw."""
    pause(app)
    live, screen = app.live, app.screen
    live.toast.until = 0.0                   # no overlay: partial frames are allowed
    live.show_help = False
    live.draw(screen)                                       # settle: a full frame if one was due
    assert live.draw(screen) == []                          # nothing moved, nothing pushed
    oh, ow = live.conv.terms.out_shape
    live.conv.pos = (int(live.conv.pos) + 7) % (oh * ow)     # the sliding window moves on
    assert live.draw(screen) == [live.conv.rect]
    partial = pygame.surfarray.array3d(screen).copy()
    live._dirty_all = True
    assert live.draw(screen) is None
    np.testing.assert_array_equal(partial, pygame.surfarray.array3d(screen))
    live.now += PHASE_SECONDS
    rects = live.draw(screen)                               # pooling: forward ↔ backward
    assert live.pool.rect in rects and live.conv.rect not in rects


def test_slow_speeds_skip_blank_windows(app):
    pause(app)
    conv = app.live.conv
    busy = conv.terms.busy().ravel()
    conv.slide_per_sec = 4.0
    conv.pos = float(np.flatnonzero(busy)[0])
    for _ in range(20):
        conv.update(0.3)
        assert busy[int(conv.pos)]
    conv.slide_per_sec = 300.0
    conv.update(0.01)


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1920, 1080)])
def test_every_panel_zoomed_passes_the_check_at_four_percent(app, theme, size):
    """Z (or a double click) on any panel: it is laid out again over the whole window at the
    zoom's sizes, every text at least 4% of the height, none outside, overlapping or cut; Z
    goes back to the scene as it was."""
    from simulator.render.app.live_scene import ZoomedPanel
    th = THEMES[theme]
    scene = LiveScene(th, app.worker)
    scene.layout(size, ui.Sizes.for_window(size, th))
    scene.update(0.016)
    surface = pygame.Surface(size)
    for panel in scene.panels:
        zoom = ui.window.ZoomScene(scene, ZoomedPanel(scene, panel))
        sizes = zoom.sizes_for(size)
        ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=sizes.floor)
        try:
            zoom.layout(size, sizes)
            zoom.update(0.016)
            zoom.draw(surface)
            problems = ui.CHECK.violations(surface.get_rect())
            assert problems == [], f"{panel.name}: {problems[:3]}"
            assert min(ui.CHECK.sizes()) >= math.ceil(0.04 * size[1] - 1e-9)
        finally:
            ui.CHECK.disable()
        scene.layout(size, ui.Sizes.for_window(size, th))


def test_z_and_a_double_click_zoom_the_panel_under_the_pointer(app):
    pause(app)
    live = app.live
    pool = live.pool.rect.center
    app.window.handle(pygame.event.Event(pygame.MOUSEMOTION, pos=pool, rel=(0, 0), buttons=(0, 0, 0)))
    post_key(pygame.K_z, "z")
    run_frames(app, 2)
    assert isinstance(app.scene, ui.window.ZoomScene) and app.scene.target.panel is live.pool
    post_key(pygame.K_z, "z")
    run_frames(app, 2)
    assert app.scene is live
    for _ in range(2):                                   # a double click on the softmax
        pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, button=1, pos=live.probs.rect.center))
    run_frames(app, 2)
    assert isinstance(app.scene, ui.window.ZoomScene) and app.scene.target.panel is live.probs
    post_key(pygame.K_ESCAPE)
    frames = app.frames
    run_frames(app, 2)
    assert app.scene is live and app.frames == frames + 2      # Esc left the zoom, did not quit


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1920, 1080)])
def test_curves_late_in_a_run_fit_their_panel(app, theme, size):
    """A long run near 99%: the accuracy axis starts at 98% with 1-decimal labels ("100.0%"),
    the loss spans the log axis, the history is thinned; every label inside the panel."""
    from dataclasses import replace
    from simulator.engine.history import History
    th = THEMES[theme]
    snap = current(app)
    steps = np.linspace(10, 20_000, 1500)
    rng = np.random.default_rng(0)
    loss = 2.3 * np.exp(-steps / 800) + 0.02 + 0.02 * rng.random(steps.size)
    acc = np.clip(0.995 - 0.9 * np.exp(-steps / 600) - 0.005 * rng.random(steps.size), 0, 1)
    test_steps = np.arange(470, 20_000, 470)
    history = History(steps, loss, loss, acc, test_steps, np.full(test_steps.size, 0.9915), 10_000)
    late = replace(snap, history=history, step=20_000, seq=snap.seq + 20_000)
    sizes = ui.Sizes.for_window(size, th)
    scene = LiveScene(th, app.worker)
    scene.layout(size, sizes)
    assert scene.curves.acc_floor(history) >= 0.9                 # the 1-decimal axis
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=sizes.floor)
    try:
        scene.curves.set_snapshot(late)
        texts = [t for panel, _, t in ui.CHECK.texts() if panel == "curves"]
        problems = ui.CHECK.violations(pygame.Rect((0, 0), size))
    finally:
        ui.CHECK.disable()
    assert "100.0%" in texts
    assert problems == [], "\n".join(problems)
