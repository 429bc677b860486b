"""The live app with networks other than LeNet-5: its panels lay out what the network has
(a row per conv block up to three, a row per dense layer up to four, and say how many more
there are), pass the UI kit's layout check in every theme, size and mode, and the designer's
Enter retrains the app with the chosen network."""
import math
import time

import pygame
import pytest

from simulator.engine.arch import build
from simulator.engine.arch_edit import PRESETS
from simulator.engine.trainer import TrainConfig, Trainer
from simulator.engine.worker import TrainingWorker
from simulator.render import ui
from simulator.render.app.layers import MAX_BLOCKS, MAX_DENSE, blocks, dense_rows
from simulator.render.app.live_scene import LiveScene
from simulator.render.app.pool_panel import PHASE_SECONDS
from simulator.render.ui.theme import THEMES

DEEP = PRESETS[4].spec                    # 3 conv blocks, 3×3 kernels, 8/16/32 filters
STRIDED = PRESETS[2].spec                 # stride 2 and padding 1, no pooling
WIDE = ("conv4k3p1-relu-maxpool2-conv8k3p1-relu-conv8k3p1-relu-maxpool2-conv12k3p1-relu-"
        "fc64-relu-fc32-relu-fc32-relu-fc16-relu-fc10")       # 4 conv blocks, 5 dense layers
ODD = "conv6k5-avgpool3-fc10"             # no activation, a 3×3 average pool
OVERLAP = "conv6k5p2-relu-maxpool3s2-conv8k3-relu-maxpool2s3-fc10"   # overlapping, then gapped windows
DENSE_ONLY = "fc32-sigmoid-fc10"
SPECS = (DEEP, STRIDED, WIDE, ODD, OVERLAP, DENSE_ONLY)


def wait(predicate, what, timeout=120.0):
    end = time.perf_counter() + timeout
    while not predicate():
        assert time.perf_counter() < end, f"timed out waiting for {what}"
        time.sleep(0.02)


@pytest.fixture(scope="module")
def display():
    pygame.display.init()
    pygame.font.init()
    yield pygame.display.set_mode((1280, 800))
    pygame.quit()


@pytest.fixture(scope="module")
def workers(mnist, display):
    """A paused worker per spec, a few steps in."""
    data = mnist.subset(400, 100)
    out = {}
    for spec in SPECS:
        w = TrainingWorker(Trainer(TrainConfig(batch_size=16, schedule="constant", lr=0.02, arch=spec), data),
                           eval_images=50).start()
        out[spec] = w
    for spec, w in out.items():
        wait(lambda: w.error is not None or (w.latest() is not None and w.trainer.step_count >= 2), spec)
        assert w.error is None, w.error
        w.pause()
    yield out
    for w in out.values():
        w.stop()


def scene_for(worker, theme="dark", size=(1280, 800)):
    pygame.font.init()
    scene = LiveScene(THEMES[theme], worker)
    scene.layout(size, ui.Sizes.for_window(size, THEMES[theme]))
    wait(lambda: worker.latest() is not None and worker.latest().status == "paused", "pause")
    scene.update(0.016)
    return scene


@pytest.mark.parametrize("spec", SPECS)
def test_panels_lay_out_what_the_network_has(workers, spec):
    arch = build(spec)
    ui.CHECK.enable()
    try:
        scene = scene_for(workers[spec])
        surface = pygame.Surface((1280, 800))
        scene.draw(surface)
        texts = " | ".join(t for _, _, t in ui.CHECK.texts())
    finally:
        ui.CHECK.disable()
    every = blocks(arch)
    shown = every[:MAX_BLOCKS]
    assert set(scene.maps.cells) == {n for b in shown for n in b.tensors}
    for b in shown:                                         # one tile per channel
        for n in b.tensors:
            assert len(scene.maps.cells[n]) == arch.shape_of(n)[0]
    hidden = len(every) - len(shown)
    assert (scene.maps.note is not None) == (hidden > 0)
    if hidden:
        assert scene.maps.note[2].startswith(f"+{hidden} more conv layer")
    dense = dense_rows(arch)
    for row in dense[:MAX_DENSE - 1] + dense[-1:]:
        assert f"{row.inputs} → {row.outputs}" in texts
    if len(dense) > MAX_DENSE:
        assert f"+{len(dense) - MAX_DENSE} more dense layer" in texts
    snap = workers[spec].latest()
    if every:
        conv = arch.of_type(type(arch.layers[0]))[0]
        assert snap.conv.layer == conv.name
        assert (f"{conv.filters} filters of 1×{conv.kernel}×{conv.kernel}, stride {conv.stride}, "
                f"padding {conv.padding}") in texts
        out = arch.shape_of(conv.name)[1]
        assert f"(28 − {conv.kernel} + 2·{conv.padding})/{conv.stride} + 1 = {out}" in texts
    else:
        assert "no conv layer" in texts
        pixels = pygame.surfarray.array3d(surface)           # the feature-map panel is drawn, saying so
        inside = scene.maps.rect.inflate(-20, -20)
        assert tuple(pixels[inside.centerx, inside.centery]) == THEMES["dark"].panel
    tr = snap.pool_trace
    if tr is None:
        assert "Max pooling" not in texts and "Average pooling" not in texts
        assert "no pooling after it" in texts or "nothing to pool" in texts
    else:
        assert f"{'Max' if tr.kind == 'max' else 'Average'} pooling {tr.size}×{tr.size}" in texts
        assert f"stride {tr.stride}" in texts


@pytest.mark.parametrize("theme", ["dark", "light", "projector"])
@pytest.mark.parametrize("size", [(1024, 768), (1280, 800), (1920, 1080)])
@pytest.mark.parametrize("mode", ["live", "presenter", "designer"])
@pytest.mark.parametrize("spec", [DEEP, STRIDED, WIDE, OVERLAP])
def test_layout_check_for_other_networks(workers, spec, theme, size, mode):
    """The app layout test's check for non-default networks: every text inside its panel, none
    overlapping or cut, none under the theme's floor."""
    worker = workers[spec]
    th = THEMES[theme]
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP, floor=ui.Sizes.for_window(size, th).floor)
    try:
        scene = scene_for(worker, theme, size)
        surface = pygame.Surface(size)
        if mode == "presenter":
            scene.toggle_presenter(scene.now)
            scene.toast.until = 0.0
            for t in (0.5, 0.9):
                scene.update(t)
                scene.draw(surface)
        if mode == "designer":
            scene.editor.open(spec)
        scene.pool.phase_start = scene.now - PHASE_SECONDS - 1.0
        scene.draw(surface)
        problems = ui.CHECK.violations(surface.get_rect())
        assert problems == [], "\n".join(problems)
        assert min(ui.CHECK.sizes()) >= math.ceil(th.text_floor * size[1] - 1e-9)
    finally:
        ui.CHECK.disable()


class Session:
    """What the app's scenes need of its training session: the worker, and a restart."""

    def __init__(self, new_worker, spec):
        self.new_worker = new_worker
        self.worker = new_worker(spec)

    def restart(self, spec):
        self.worker.stop()
        self.worker = self.new_worker(spec)
        return self.worker


def test_designer_enter_retrains_with_the_chosen_network(mnist, display, tmp_path):
    from simulator.render.app.loading import LoadingScene
    data = mnist.subset(400, 100)

    def new_worker(spec):
        return TrainingWorker(Trainer(TrainConfig(batch_size=16, schedule="constant", arch=spec), data),
                              eval_images=50).start()

    session = Session(new_worker, build().spec)
    first = session.worker
    window = ui.Window(LoadingScene(THEMES["dark"], session), ui.WindowOptions(screenshot_dir=tmp_path),
                       screen=display)
    try:
        def frames(n, events=()):
            for i in range(n):
                window.running = True
                window.frame(list(events) if i == 0 else [], 1 / 30)
                time.sleep(0.01)

        def live():
            return window.scene if isinstance(window.scene, LiveScene) else None

        wait(lambda: (frames(1), live() is not None and session.worker.latest() is not None)[1], "live scene")
        key = lambda k, c="": pygame.event.Event(pygame.KEYDOWN, key=k, unicode=c, mod=0, scancode=0)  # noqa: E731
        frames(1, [key(pygame.K_a, "a")])
        assert live().editor.visible
        frames(1, [key(pygame.K_3, "3"), key(pygame.K_UP), key(pygame.K_PLUS, "+")])  # conv2: 16 → 24 filters
        chosen = live().editor.draft.spec
        assert chosen == STRIDED.replace("conv16k4", "conv24k4")
        frames(1, [key(pygame.K_RETURN)])
        assert session.worker is not first and not first.is_alive()
        assert session.worker.trainer.model.arch.spec == chosen
        wait(lambda: (frames(1), live() is not None and live().snapshot is not None)[1], "the new network live")
        assert live().snapshot.arch.spec == chosen
        assert len(live().maps.cells["act2"]) == 24
    finally:
        session.worker.stop()
        first.stop()


@pytest.mark.parametrize("layer", ["conv1", "conv2"])
def test_pooling_of_any_size_and_stride_shows_the_engines_numbers(workers, layer):
    """maxpool3s2 (windows overlap) and maxpool2s3 (gaps between them): the grid is the engine's
    x and dx over the crop, each window's max is what the engine routed to, and the caption
    writes the window's k² values."""
    worker = workers[OVERLAP]
    worker.select(layer, 1)
    wait(lambda: worker.latest().pool_trace.layer == layer.replace("conv", "pool"), "selection")
    ui.CHECK.enable(min_gap=ui.check.MIN_GAP)
    try:
        scene = scene_for(worker)
        surface = pygame.Surface((1280, 800))
        now = scene.now
        for phase_start in (now, now - PHASE_SECONDS - 1.0):      # forward, then backward
            scene.pool.phase_start = phase_start
            scene._dirty_all = True
            scene.draw(surface)
        problems = ui.CHECK.violations(surface.get_rect())
        assert problems == [], "\n".join(problems)
    finally:
        ui.CHECK.disable()
    pool, tr = scene.pool, scene.pool.trace
    k, s = tr.size, tr.stride
    r0, c0, side, _ = pool.shown["crop"]
    assert side == (pool.n - 1) * s + k
    assert (pool.shown["dx"] == tr.dx[r0:r0 + side, c0:c0 + side]).all()
    i0, j0, _ = tr.crop
    argmaxes = {tr.window_argmax(i0 + i, j0 + j) for i in range(pool.n) for j in range(pool.n)}
    assert pool.shown["chosen"] == argmaxes
    forms, _ = pool._head("forward", 0, 0)
    values = tr.window_values(i0, j0).ravel()
    assert forms[0].startswith(f"max({', '.join(ui.fmt(float(v), 2) for v in values)})")
    assert len(values) == k * k
    worker.select("conv1", 0)
