"""The live app on colour data with named classes: the input panel shows the picture the engine
trains on and its R, G, B planes, conv1's caption writes its sum per channel (the engine's),
the filter appears as one colour patch, the softmax and the verdict use the class names, and
every screen passes the layout check (floor included) in every theme and window, zoomed too."""
import math
import time

import numpy as np
import pygame
import pytest

from simulator.engine.arch import lenet5_spec
from simulator.engine.data import Dataset
from simulator.engine.dataformat import DataFormat
from simulator.engine.trainer import TrainConfig, Trainer
from simulator.engine.worker import TrainingWorker
from simulator.numbers import fmt, fmt_percent
from simulator.render import ui
from simulator.render.app.live_scene import LiveScene, ZoomedPanel
from simulator.render.ui.theme import THEMES

CLASSES = ("red square", "green square", "blue disc", "grey stripe")


def colour_data(n=160, side=32, seed=0) -> Dataset:
    """Pictures of four named classes, each a coloured blob on noise (learnable, colour matters)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(CLASSES), n).astype(np.uint8)
    images = rng.integers(0, 60, (n, side, side, 3)).astype(np.uint8)
    colours = ((220, 40, 40), (40, 200, 60), (50, 80, 230), (140, 140, 140))
    for i, k in enumerate(labels):
        y, x = rng.integers(4, side - 14, 2)
        images[i, y:y + 10, x:x + 10] = colours[k]
    fmt_ = DataFormat(3, side, side, CLASSES, (0.2, 0.2, 0.2), (0.3, 0.3, 0.3))
    cut = n * 5 // 6
    return Dataset(images[:cut], labels[:cut], images[cut:], labels[cut:], None, fmt_)


@pytest.fixture(scope="module")
def worker():
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((1280, 800))
    w = paused_worker(colour_data(), lenet5_spec((32, 32), len(CLASSES)))
    yield w
    w.stop()
    pygame.quit()


def paused_worker(data: Dataset, spec: str) -> TrainingWorker:
    """A worker training `spec` on data, paused after its first few steps (a snapshot to draw)."""
    w = TrainingWorker(Trainer(TrainConfig(batch_size=16, lr=0.02, schedule="constant", arch=spec), data),
                       eval_images=20).start()
    end = time.perf_counter() + 180
    while w.error is None and (w.latest() is None or w.trainer.step_count < 3):
        if time.perf_counter() > end:
            w.stop()
            raise AssertionError("the worker did not start")
        time.sleep(0.02)
    if w.error is not None:
        w.stop()
        raise AssertionError(w.error)
    w.pause()
    while w.latest().status != "paused":
        time.sleep(0.02)
    return w


def scene_at(worker, theme, size):
    th = THEMES[theme]
    scene = LiveScene(th, worker)
    scene.layout(size, ui.Sizes.for_window(size, th))
    scene.update(0.016)
    return scene


def checked_scene(worker, theme, size):
    """The live scene drawn once at size with the layout check on (floor included), which it must
    pass: (the scene, the surface, (panel, text) of every string drawn)."""
    th = THEMES[theme]
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=math.ceil(th.text_floor * size[1] - 1e-9))
    try:
        scene = scene_at(worker, theme, size)
        surface = pygame.Surface(size)
        scene.draw(surface)
        assert ui.CHECK.violations(surface.get_rect()) == [], (theme, size)
        return scene, surface, [(panel, t) for panel, _, t in ui.CHECK.texts()]
    finally:
        ui.CHECK.disable()


@pytest.mark.parametrize("theme", sorted(THEMES))
@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1920, 1080)])
def test_colour_screens_pass_the_layout_check(worker, theme, size):
    th = THEMES[theme]
    scene, surface, drawn = checked_scene(worker, theme, size)
    texts = " | ".join(w for _, t in drawn for w in t.split())
    snap = scene.snapshot
    assert snap.format.classes == CLASSES
    assert " | ".join(snap.format.classes[snap.label].split()) in texts   # the label by its name (maybe wrapped)
    for panel in ("input", "conv", "probs"):                          # zoomed: 4% of the height
        zoom = ui.window.ZoomScene(scene, ZoomedPanel(scene, getattr(scene, panel)))
        sizes = zoom.sizes_for(size)
        ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=sizes.floor)
        try:
            zoom.layout(size, sizes)
            zoom.draw(surface)
            assert ui.CHECK.violations(surface.get_rect()) == [], panel
        finally:
            ui.CHECK.disable()
        scene.layout(size, ui.Sizes.for_window(size, th))


def test_the_input_panel_shows_the_engines_picture_and_its_planes(worker):
    scene = scene_at(worker, "dark", (1280, 800))
    surface = pygame.Surface((1280, 800))
    scene.draw(surface)
    snap = scene.snapshot
    assert snap.pixels.shape == (32, 32, 3)
    shown = pygame.surfarray.array3d(scene.input.static).transpose(1, 0, 2)
    h, w = snap.pixels.shape[:2]
    # the picture is drawn scale× at the top centre of the panel: find it by its first row
    def drawn_at(y, x, s):
        block = shown[y:y + s * h:s, x:x + s * w:s]
        return block.shape == snap.pixels.shape and (block == snap.pixels).all()
    found = [(y, x, s) for s in range(1, 8) for y in range(shown.shape[0] - s * h + 1)
             for x in range(shown.shape[1] - s * w + 1)
             if (shown[y, x] == snap.pixels[0, 0]).all() and drawn_at(y, x, s)]
    assert found, "the picture is not on the panel"
    # R, G, B planes: one more copy of each channel on its own, in its colour
    for c in range(3):
        plane = np.zeros_like(snap.pixels)
        plane[..., c] = snap.pixels[..., c]
        colours = {tuple(v) for v in shown.reshape(-1, 3)}
        assert {tuple(v) for v in plane.reshape(-1, 3)} <= colours


def test_conv1_writes_its_sum_per_channel_and_the_softmax_names_the_classes(worker):
    ui.CHECK.enable()
    try:
        scene = scene_at(worker, "dark", (1920, 1080))
        scene.draw(pygame.Surface((1920, 1080)))
        texts = [t for _, _, t in ui.CHECK.texts()]
    finally:
        ui.CHECK.disable()
    win = scene.conv.caption_window
    sums = " + ".join(f"{name} {fmt(float(v))}" for name, v in zip("RGB", win.channel_sums))
    assert any(f"= {sums} = {fmt(win.total)}" in t for t in texts), scene.conv.caption
    assert abs(float(win.channel_sums.sum()) - win.total) < 1e-4
    assert "filter" in texts and scene.conv.patch_slot is not None
    assert all(name in texts for name in CLASSES)                      # softmax rows by class name


def many_classes(n_classes: int, n=1200, side=28, seed=1) -> Dataset:
    """Grey noise in n_classes classes named by a long word and a number (a folder per class)."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, n_classes, n).astype(np.uint8)
    images = rng.integers(0, 255, (n, side, side)).astype(np.uint8)
    names = tuple(f"a-long-folder-name-{k:03d}" for k in range(n_classes))
    cut = n * 5 // 6
    return Dataset(images[:cut], labels[:cut], images[cut:], labels[cut:], None,
                   DataFormat(1, side, side, names, (0.5,), (0.3,)))


@pytest.mark.parametrize("n_classes", [12, 100])
def test_many_classes_show_the_label_and_the_most_likely_and_add_up_the_rest(n_classes):
    """Up to 100 classes: the softmax shows the label's class and the most probable others (as
    many as fit, at most 10), writes what the rest add up to, and every screen passes the check."""
    from simulator.engine.dataformat import shown_classes
    pygame.display.init()
    pygame.font.init()
    w = paused_worker(many_classes(n_classes), lenet5_spec((28, 28), n_classes))
    try:
        for theme in sorted(THEMES):
            for size in [(1024, 768), (1280, 800), (1920, 1080)]:
                scene, _, drawn = checked_scene(w, theme, size)
                texts = [t for panel, t in drawn if panel == "probs"]
                snap = scene.snapshot
                rest = next(t for t in texts if "other" in t)
                n_shown = n_classes - int(rest.split("other ")[1].split()[0].rstrip(":"))
                assert 2 <= n_shown <= 10
                shown = shown_classes(snap.probs, snap.label, n_shown)
                assert snap.label in shown
                p_rest = 1 - float(np.sum(snap.probs[shown]))
                assert fmt_percent(p_rest) in rest, (rest, p_rest)
    finally:
        w.stop()
